/*
 * paths.c - shortest labelled paths from the roots to an object, best
 * ranked roots first (see hs_paths.h for the two searches, the root
 * ranks and what "distinct" means).
 *
 * Load: hs_paths_new() keeps one uint32 parent per object (with
 * max_depth and roots of several ranks: one per rank searched, and a
 * rank byte) and uses a uint32 queue and a "seen" bit per object while it
 * runs; hs_paths_find() uses a uint32 distance, a uint32 queue and two
 * bits per object, and 28 bytes per partial path (at most
 * opts.max_search).  Nothing recurses: a path as long as the graph is
 * fine.
 *
 * The parts: this file, the breadth-first tree from the roots and what
 * it answers; paths_find.c, the search for distinct paths; pathset.c,
 * paths_roots.c and paths_text.c, the sets of paths, the roots' ranks,
 * the paths as text.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "paths_steps.h"
#include "vec.h"

#define RANKS HS_PATHS_RANKS
#define NO_RANK 0xff


/*
 * parent[0] alone serves every rank when the search is not bounded: the
 * ranks are searched one after the other, and an object reached from a
 * better rank is not searched again (nothing it reaches can be reached
 * better from a worse rank).  A bounded search (max_depth) searches each
 * rank apart, since a path from a worse rank may be the only short one
 * through an object that a better rank reached too far away: parent[r]
 * per rank r that has roots, and rank[] says which one holds an object's
 * path.
 */
struct hs_paths {
	const hs_graph *g;
	uint32_t n;
	uint32_t *parent[RANKS]; /* NONE: not reached; SUPERROOT: a root
	                            object */
	uint8_t *rank;           /* bounded search only: the rank of each
	                            object's path, NO_RANK: not reached */
	uint64_t reached;
};

int paths_opts_check(const hs_paths_options *opts)
{
	HS_RETURN_ERROR_IF(opts && opts->version != HS_PATHS_OPTIONS_VERSION,
			   HS_EINVAL, "hs_paths_options version %u, expected %u",
			   opts->version, HS_PATHS_OPTIONS_VERSION);
	return 0;
}

uint64_t *paths_bits_new(uint32_t n)
{
	return calloc((size_t)n / 64 + 1, sizeof(uint64_t));
}

/* One breadth-first search from the root objects of rank `rank` not seen
 * yet, into parent, level by level so that max_depth can stop it; the
 * objects it reaches are appended to queue[*tail...]. */
static void search_rank(const hs_graph *g, const uint8_t *rrank,
			unsigned rank, uint32_t max_depth, uint32_t *parent,
			uint32_t *queue, size_t *tail, uint64_t *seen)
{
	uint32_t n = hs_graph_count(g), depth = 0;
	size_t nr = hs_graph_root_count(g), head = *tail, level_end;
	const uint32_t *off, *node;
	const uint8_t *fl;
	int weak = hs_graph_stats_get(g)->weak_refs != 0;

	for (size_t i = 0; i < nr; i++) {
		uint32_t r = hs_graph_root(g, i)->node;

		if (rrank[i] == rank && r < n && !bits_test_set(seen, r)) {
			parent[r] = HS_GRAPH_SUPERROOT;
			queue[(*tail)++] = r;
		}
	}
	level_end = *tail;
	hs_graph_csr(&off, &node, &fl, g);
	while (head < *tail) {
		uint32_t u = queue[head++];

		/* the queue says which nodes come next: ask for their
		 * offsets, and for a nearer one's references */
		if (head + 16 < *tail)
			__builtin_prefetch(&off[queue[head + 16]]);
		if (head + 8 < *tail)
			__builtin_prefetch(&node[off[queue[head + 8]]]);
		if (!max_depth || depth < max_depth) {
			for (uint32_t k = off[u]; k < off[u + 1]; k++) {
				uint32_t v = node[k];

				if ((weak && (fl[k] & HS_REF_WEAK)) || v >= n ||
				    bits_test_set(seen, v))
					continue;
				parent[v] = u;
				queue[(*tail)++] = v;
			}
		}
		if (head == level_end) {
			depth++;
			level_end = *tail;
		}
	}
}

int hs_paths_new(hs_paths **out, const hs_graph *g,
		 const hs_paths_options *opts)
{
	hs_paths *t = NULL;
	uint32_t *queue = NULL;
	uint64_t *seen = NULL;
	uint8_t *rrank = NULL;
	uint32_t n = hs_graph_count(g);
	uint32_t max_depth = opts ? opts->max_depth : 0;
	size_t nr = hs_graph_root_count(g), tail = 0;
	int has[RANKS] = { 0 }, nranks = 0, apart;
	int rc;

	*out = NULL;
	HS_FORWARD_IF_ERROR(paths_opts_check(opts));
	t = calloc(1, sizeof(*t));
	rrank = paths_record_ranks(g);
	if (!t || !rrank)
		goto nomem;
	t->g = g;
	t->n = n;
	for (size_t i = 0; i < nr; i++)
		if (!has[rrank[i]]++)
			nranks++;
	apart = max_depth && nranks > 1;
	for (unsigned r = 0; r < RANKS; r++) {
		if (r && !(apart && has[r]))
			continue;
		t->parent[r] = malloc((n ? n : 1) * sizeof(uint32_t));
		if (!t->parent[r])
			goto nomem;
		for (uint32_t i = 0; i < n; i++)
			t->parent[r][i] = NONE;
	}
	if (apart) {
		t->rank = malloc(n ? n : 1);
		if (!t->rank)
			goto nomem;
		memset(t->rank, NO_RANK, n);
	}
	queue = malloc((n ? n : 1) * sizeof(*queue));
	seen = paths_bits_new(n);
	if (!queue || !seen)
		goto nomem;
	for (unsigned r = 0; r < RANKS; r++) {
		if (!has[r])
			continue;
		if (!apart) {  /* on from what the better ranks reached */
			search_rank(g, rrank, r, max_depth, t->parent[0], queue,
				    &tail, seen);
			continue;
		}
		memset(seen, 0, ((size_t)n / 64 + 1) * sizeof(*seen));
		tail = 0;
		search_rank(g, rrank, r, max_depth, t->parent[r], queue, &tail,
			    seen);
		for (size_t i = 0; i < tail; i++)
			if (t->rank[queue[i]] == NO_RANK) {
				t->rank[queue[i]] = (uint8_t)r;
				t->reached++;
			}
	}
	if (!apart)
		t->reached = tail;
	free(queue);
	free(seen);
	free(rrank);
	*out = t;
	return 0;
nomem:
	rc = hs_error_set(HS_ENOMEM, "out of memory for the path search over "
			  "%u objects", n);
	free(queue);
	free(seen);
	free(rrank);
	hs_paths_free(t);
	return rc;
}

void hs_paths_free(hs_paths *t)
{
	if (!t)
		return;
	for (unsigned r = 0; r < RANKS; r++)
		free(t->parent[r]);
	free(t->rank);
	free(t);
}

uint64_t hs_paths_reached(const hs_paths *t)
{
	return t->reached;
}

/* The parents that hold node's path, or NULL when no root reaches it. */
static const uint32_t *parents_of(const hs_paths *t, uint32_t node)
{
	const uint32_t *p;

	if (node >= t->n)
		return NULL;
	if (t->rank)
		return t->rank[node] == NO_RANK ? NULL
						: t->parent[t->rank[node]];
	p = t->parent[0];
	return p[node] == NONE ? NULL : p;
}

uint32_t hs_paths_depth(const hs_paths *t, uint32_t node)
{
	const uint32_t *parent = parents_of(t, node);
	uint32_t d = 0;

	if (!parent)
		return HS_PATHS_UNREACHABLE;
	while (parent[node] != HS_GRAPH_SUPERROOT) {
		node = parent[node];
		d++;
	}
	return d;
}

/* Position of the first strong out-edge of u that leads to v. */
static size_t edge_to(const hs_graph *g, uint32_t u, uint32_t v)
{
	hs_edges e = hs_graph_out(g, u);

	for (size_t k = 0; k < e.n; k++)
		if (e.node[k] == v && !(e.flags && (e.flags[k] & HS_REF_WEAK)))
			return k;
	return 0;  /* unreachable: the tree only holds strong edges */
}

int hs_paths_shortest(hs_pathset **out, const hs_paths *t, uint32_t target)
{
	hs_pathset *s = NULL;
	path_slot *p;
	uint32_t depth;
	int rc;

	*out = NULL;
	HS_RETURN_ERROR_IF(target >= t->n, HS_ENOTFOUND,
			   "%s: no object with index %u (the dump holds %u)",
			   hs_graph_path(t->g), target, t->n);
	HS_FORWARD_IF_ERROR(paths_set_new(&s));
	depth = hs_paths_depth(t, target);
	if (depth != HS_PATHS_UNREACHABLE) {
		const uint32_t *parent = parents_of(t, target);
		uint32_t v = target;

		rc = paths_set_add(&p, s, (size_t)depth + 1);
		if (rc < 0) {
			hs_pathset_free(s);
			return rc;
		}
		for (size_t i = depth + 1; i-- > 0;) {
			p->nodes[i] = v;
			v = parent[v];
		}
		for (size_t i = 0; i < depth; i++)
			p->edges[i] = edge_to(t->g, p->nodes[i],
					      p->nodes[i + 1]);
		p->view.root = paths_first_root_record(t->g, p->nodes[0]);
	}
	*out = s;
	return 0;
}

/* Selection of the k heaviest: a min-heap of k candidates, ordered so
 * that the root is the one to drop next (lightest, then highest index). */
typedef struct {
	uint64_t w;
	uint32_t node;
} cand;

static int cand_before(const cand *a, const cand *b)
{
	/* "a is dropped before b" */
	return a->w != b->w ? a->w < b->w : a->node > b->node;
}

static void cand_sift_down(cand *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < n && cand_before(&h[l], &h[m]))
			m = l;
		if (l + 1 < n && cand_before(&h[l + 1], &h[m]))
			m = l + 1;
		if (m == i)
			return;
		cand tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

static void cand_sift_up(cand *h, size_t i)
{
	while (i > 0) {
		size_t up = (i - 1) / 2;

		if (!cand_before(&h[i], &h[up]))
			return;
		cand tmp = h[i];
		h[i] = h[up];
		h[up] = tmp;
		i = up;
	}
}

int hs_paths_top(uint32_t **out, size_t *nout, uint64_t *instances,
		 uint64_t *unreached, const hs_paths *t, const uint8_t *types,
		 size_t k, hs_paths_weight weight, const void *payload)
{
	cand *h = NULL;
	size_t n = 0;
	uint64_t lost = 0, all = 0;
	uint32_t *res, nt = hs_graph_type_count(t->g);
	const uint32_t *type = hs_graph_types(t->g);

	*out = NULL;
	*nout = 0;
	if (k > t->n)
		k = t->n;
	if (k) {
		h = malloc(k * sizeof(*h));
		HS_RETURN_ERROR_IF(!h, HS_ENOMEM, "out of memory ranking %zu "
				   "objects", k);
	}
	for (uint32_t i = 0; i < t->n; i++) {
		cand c;

		if (type[i] >= nt || !types[type[i]])
			continue;
		all++;
		if (!parents_of(t, i)) {
			lost++;
			continue;
		}
		if (!k)
			continue;
		c.w = weight ? weight(i, payload) : hs_graph_size(t->g, i);
		c.node = i;
		if (n < k) {
			h[n] = c;
			cand_sift_up(h, n++);
		} else if (cand_before(&h[0], &c)) {
			h[0] = c;
			cand_sift_down(h, n, 0);
		}
	}
	if (unreached)
		*unreached = lost;
	if (instances)
		*instances = all;
	if (!n) {
		free(h);
		return 0;
	}
	res = malloc(n * sizeof(*res));
	if (!res) {
		free(h);
		return hs_error_set(HS_ENOMEM, "out of memory ranking objects");
	}
	/* pop the lightest first into the back: heaviest ends up in front */
	for (size_t m = n; m > 0; m--) {
		res[m - 1] = h[0].node;
		h[0] = h[m - 1];
		cand_sift_down(h, m - 1, 0);
	}
	free(h);
	*out = res;
	*nout = n;
	return 0;
}
