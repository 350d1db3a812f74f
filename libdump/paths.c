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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hs_paths.h"
#include "vec.h"

#define NONE HS_GRAPH_NONE
#define INF UINT32_MAX

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

/* One path's storage: the public view points into nodes/edges. */
typedef struct {
	hs_path view;
	uint32_t *nodes;
	size_t *edges;
} path_slot;

struct hs_pathset {
	path_slot *paths;
	size_t n, cap;
	int capped;
};

static int opts_check(const hs_paths_options *opts)
{
	HS_RETURN_ERROR_IF(opts && opts->version != HS_PATHS_OPTIONS_VERSION,
			   HS_EINVAL, "hs_paths_options version %u, expected %u",
			   opts->version, HS_PATHS_OPTIONS_VERSION);
	return 0;
}

/* ---- path sets ------------------------------------------------------- */

static int pathset_new(hs_pathset **out)
{
	*out = calloc(1, sizeof(**out));
	HS_RETURN_ERROR_IF(!*out, HS_ENOMEM, "out of memory for a path set");
	return 0;
}

/* Adds an empty path of len objects; the caller fills nodes and edges. */
static int pathset_add(path_slot **out, hs_pathset *s, size_t len)
{
	path_slot *p;

	HS_RETURN_ERROR_IF(hs_vec_grow((void **)&s->paths, &s->cap, s->n + 1,
				       sizeof(*s->paths)) < 0,
			   HS_ENOMEM, "out of memory for paths");
	p = &s->paths[s->n];
	memset(p, 0, sizeof(*p));
	HS_RETURN_ERROR_IF(len > SIZE_MAX / sizeof(size_t), HS_ENOMEM,
			   "path of %zu objects is too long", len);
	p->nodes = malloc(len * sizeof(*p->nodes));
	p->edges = len > 1 ? malloc((len - 1) * sizeof(*p->edges)) : NULL;
	if (!p->nodes || (len > 1 && !p->edges)) {
		free(p->nodes);
		free(p->edges);
		return hs_error_set(HS_ENOMEM, "out of memory for a path of "
				    "%zu objects", len);
	}
	p->view.len = len;
	p->view.nodes = p->nodes;
	p->view.edges = p->edges;
	s->n++;
	*out = p;
	return 0;
}

size_t hs_pathset_count(const hs_pathset *s)
{
	return s ? s->n : 0;
}

const hs_path *hs_pathset_get(const hs_pathset *s, size_t i)
{
	return i < s->n ? &s->paths[i].view : NULL;
}

int hs_pathset_capped(const hs_pathset *s)
{
	return s ? s->capped : 0;
}

void hs_pathset_free(hs_pathset *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->paths[i].nodes);
		free(s->paths[i].edges);
	}
	free(s->paths);
	free(s);
}

/* ---- root ranks ------------------------------------------------------ */

static int kind_is(hs_str k, const char *s)
{
	size_t n = strlen(s);

	return k.len == n && memcmp(k.ptr, s, n) == 0;
}

unsigned hs_paths_root_rank(const hs_graph *g, size_t i)
{
	hs_str k = hs_graph_root_kind(g, hs_graph_root(g, i)->kind);

	if (kind_is(k, "refcount"))
		return 2;
	if (kind_is(k, "static"))
		return 1;
	return 0;
}

/* The rank of every root record (RANKS for none: no records); the
 * caller frees it. */
static uint8_t *record_ranks(const hs_graph *g)
{
	size_t nr = hs_graph_root_count(g);
	uint8_t *r = malloc(nr ? nr : 1);

	for (size_t i = 0; r && i < nr; i++)
		r[i] = (uint8_t)hs_paths_root_rank(g, i);
	return r;
}

/* The root record naming node: the first (file order) of its best rank;
 * roots always name objects, so this finds one for any root object. */
static size_t first_root_record(const hs_graph *g, uint32_t node)
{
	size_t nr = hs_graph_root_count(g), best = 0;
	unsigned best_rank = RANKS;

	for (size_t i = 0; i < nr; i++) {
		unsigned r;

		if (hs_graph_root(g, i)->node != node)
			continue;
		r = hs_paths_root_rank(g, i);
		if (r < best_rank) {
			best = i;
			best_rank = r;
		}
	}
	return best;
}

/* ---- the breadth-first tree ------------------------------------------ */

/* A bit per object says "seen" to the searches: at 1/32 of the parent or
 * distance array it stays in cache, where testing those arrays on every
 * reference would miss (a 10M-object search reads 40M references). */
static uint64_t *bits_new(uint32_t n)
{
	return calloc((size_t)n / 64 + 1, sizeof(uint64_t));
}

/* @return whether bit i was set, and sets it. */
static inline int bits_test_set(uint64_t *b, uint32_t i)
{
	uint64_t m = 1ull << (i % 64);
	int was = (b[i / 64] & m) != 0;

	b[i / 64] |= m;
	return was;
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
	HS_FORWARD_IF_ERROR(opts_check(opts));
	t = calloc(1, sizeof(*t));
	rrank = record_ranks(g);
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
	seen = bits_new(n);
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
	HS_FORWARD_IF_ERROR(pathset_new(&s));
	depth = hs_paths_depth(t, target);
	if (depth != HS_PATHS_UNREACHABLE) {
		const uint32_t *parent = parents_of(t, target);
		uint32_t v = target;

		rc = pathset_add(&p, s, (size_t)depth + 1);
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
		p->view.root = first_root_record(t->g, p->nodes[0]);
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

/* ---- up to N distinct paths ------------------------------------------ */

/* A partial path: its last object, the partial path it extends (NONE for
 * one that is a root object alone), the out-edge taken from that one's
 * last object (out-degrees fit 32 bits: the graph's offsets do), its
 * length in references, the least distance to the target of any object on
 * it (to skip most "already on the path?" walks: an object closer to the
 * target than all of them cannot be on it), and its root's rank. */
typedef struct {
	uint32_t node, parent, g, mind, edge, rank;
} prefix;

typedef struct {
	const hs_graph *g;
	const uint32_t *dist;
	prefix *pre;
	size_t npre, cap_pre, max_pre;
	uint32_t *heap;       /* prefix indices */
	size_t nheap, cap_heap;
} search;

/* Whether heap entry a comes out before b: the better root rank first,
 * then the shorter total, then the longer partial path (finish one path
 * before starting others), then the older. */
static int pre_before(const search *s, uint32_t a, uint32_t b)
{
	const prefix *pa = &s->pre[a], *pb = &s->pre[b];
	uint64_t fa = (uint64_t)pa->g + s->dist[pa->node];
	uint64_t fb = (uint64_t)pb->g + s->dist[pb->node];

	if (pa->rank != pb->rank)
		return pa->rank < pb->rank;
	if (fa != fb)
		return fa < fb;
	if (pa->g != pb->g)
		return pa->g > pb->g;
	return a < b;
}

/* @return 0, HS_ENOMEM, or 1 when max_search partial paths exist.  A
 * partial path that extends another takes its rank; rank is a root's. */
static int search_push(search *s, uint32_t node, uint32_t parent, size_t edge,
		       uint32_t g, unsigned rank)
{
	prefix *p;
	size_t i;

	if (s->npre >= s->max_pre)
		return 1;
	if (s->npre == s->cap_pre) {
		/* doubling, but never past the search's own bound */
		size_t cap = s->cap_pre ? s->cap_pre * 2 : 64;

		if (cap > s->max_pre)
			cap = s->max_pre;
		HS_RETURN_ERROR_IF(hs_vec_reserve((void **)&s->pre,
						  &s->cap_pre, cap,
						  sizeof(*s->pre)) < 0,
				   HS_ENOMEM, "out of memory for %zu partial "
				   "paths", cap);
	}
	HS_RETURN_ERROR_IF(hs_vec_grow((void **)&s->heap, &s->cap_heap,
				       s->nheap + 1, sizeof(*s->heap)) < 0,
			   HS_ENOMEM, "out of memory for %zu partial paths",
			   s->nheap + 1);
	p = &s->pre[s->npre];
	p->node = node;
	p->parent = parent;
	p->edge = (uint32_t)edge;
	p->g = g;
	p->rank = parent != NONE ? s->pre[parent].rank : rank;
	p->mind = s->dist[node];
	if (parent != NONE && s->pre[parent].mind < p->mind)
		p->mind = s->pre[parent].mind;
	i = s->nheap++;
	s->heap[i] = (uint32_t)s->npre++;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		uint32_t tmp;

		if (!pre_before(s, s->heap[i], s->heap[up]))
			break;
		tmp = s->heap[i];
		s->heap[i] = s->heap[up];
		s->heap[up] = tmp;
		i = up;
	}
	return 0;
}

static uint32_t search_pop(search *s)
{
	uint32_t top = s->heap[0];
	size_t n = --s->nheap, i = 0;

	s->heap[0] = s->heap[n];
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		uint32_t tmp;

		if (l < n && pre_before(s, s->heap[l], s->heap[m]))
			m = l;
		if (l + 1 < n && pre_before(s, s->heap[l + 1], s->heap[m]))
			m = l + 1;
		if (m == i)
			break;
		tmp = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = tmp;
		i = m;
	}
	return top;
}

/* Whether v is on partial path q (walks it unless mind rules it out). */
static int on_prefix(const search *s, uint32_t q, uint32_t v)
{
	if (s->dist[v] < s->pre[q].mind)
		return 0;
	for (; q != NONE; q = s->pre[q].parent)
		if (s->pre[q].node == v)
			return 1;
	return 0;
}

/* Distance from every object to target along strong references, by a
 * breadth-first search backwards; INF where target is out of reach (or
 * further than max_depth). */
static int distances(uint32_t **out, const hs_graph *g, uint32_t target,
		     uint32_t max_depth)
{
	uint32_t n = hs_graph_count(g);
	uint32_t *dist = malloc((size_t)n * sizeof(*dist));
	uint32_t *queue = malloc((size_t)n * sizeof(*queue));
	uint64_t *seen = bits_new(n);
	size_t head = 0, tail = 0;

	if (!dist || !queue || !seen) {
		free(dist);
		free(queue);
		free(seen);
		return hs_error_set(HS_ENOMEM, "out of memory for the path "
				    "search over %u objects", n);
	}
	for (uint32_t i = 0; i < n; i++)
		dist[i] = INF;
	dist[target] = 0;
	bits_test_set(seen, target);
	queue[tail++] = target;
	while (head < tail) {
		uint32_t v = queue[head++];
		hs_edges e;

		if (max_depth && dist[v] >= max_depth)
			continue;
		e = hs_graph_in(g, v);
		for (size_t k = 0; k < e.n; k++) {
			uint32_t u = e.node[k];

			if ((e.flags && (e.flags[k] & HS_REF_WEAK)) ||
			    u >= n || bits_test_set(seen, u))
				continue;
			dist[u] = dist[v] + 1;
			queue[tail++] = u;
		}
	}
	free(queue);
	free(seen);
	*out = dist;
	return 0;
}

/* Appends the path ending at partial path q to set. */
static int emit(hs_pathset *set, const search *s, uint32_t q)
{
	path_slot *p;
	size_t len = (size_t)s->pre[q].g + 1;

	HS_FORWARD_IF_ERROR(pathset_add(&p, set, len));
	for (size_t i = len; i-- > 0; q = s->pre[q].parent) {
		p->nodes[i] = s->pre[q].node;
		if (i > 0)
			p->edges[i - 1] = s->pre[q].edge;
	}
	p->view.root = first_root_record(s->g, p->nodes[0]);
	return 0;
}

/* A shortest path read off the distances alone: from the root object of
 * the best rank, then closest to target, each step takes the first strong
 * reference to an object one closer.  No memory beyond the path: used
 * when the search stopped at max_search before finding any path (a path
 * longer than max_search, say, down a 10M-long chain). */
static int emit_greedy(hs_pathset *set, const hs_graph *g,
		       const uint32_t *dist, const uint8_t *rrank)
{
	uint32_t count = hs_graph_count(g), r = NONE;
	size_t nr = hs_graph_root_count(g), len;
	unsigned best = RANKS;
	path_slot *p;

	for (size_t i = 0; i < nr; i++) {
		uint32_t v = hs_graph_root(g, i)->node;

		if (v >= count || dist[v] == INF)
			continue;
		if (r == NONE || rrank[i] < best ||
		    (rrank[i] == best && dist[v] < dist[r])) {
			r = v;
			best = rrank[i];
		}
	}
	if (r == NONE)
		return 0;
	len = (size_t)dist[r] + 1;
	HS_FORWARD_IF_ERROR(pathset_add(&p, set, len));
	p->nodes[0] = r;
	for (size_t i = 0; i + 1 < len; i++) {
		hs_edges e = hs_graph_out(g, p->nodes[i]);
		size_t k;

		for (k = 0; k < e.n; k++)
			if (e.node[k] < count &&
			    dist[e.node[k]] == dist[p->nodes[i]] - 1 &&
			    !(e.flags && (e.flags[k] & HS_REF_WEAK)))
				break;
		/* k < e.n: dist came from these very edges, reversed */
		p->edges[i] = k;
		p->nodes[i + 1] = e.node[k];
	}
	p->view.root = first_root_record(g, r);
	return 0;
}

int hs_paths_find(hs_pathset **out, const hs_graph *g, uint32_t target,
		  size_t n, const hs_paths_options *opts)
{
	search s;
	hs_pathset *set = NULL;
	uint8_t *seen = NULL, *rrank = NULL;
	uint32_t *dist = NULL;
	uint32_t count = hs_graph_count(g);
	uint32_t max_depth = opts ? opts->max_depth : 0;
	size_t nr = hs_graph_root_count(g);
	int rc;

	*out = NULL;
	memset(&s, 0, sizeof(s));
	HS_FORWARD_IF_ERROR(opts_check(opts));
	HS_RETURN_ERROR_IF(target >= count, HS_ENOTFOUND,
			   "%s: no object with index %u (the dump holds %u)",
			   hs_graph_path(g), target, count);
	HS_RETURN_ERROR_IF(n == 0, HS_EINVAL, "asked for 0 paths");
	HS_RETURN_ERROR_IF(!hs_graph_has_referrers(g), HS_EINVAL,
			   "%s: loaded without referrers "
			   "(hs_graph_options.reverse)", hs_graph_path(g));
	s.g = g;
	s.max_pre = opts && opts->max_search ? opts->max_search
					     : HS_PATHS_SEARCH_DEFAULT;
	if (s.max_pre > NONE)
		s.max_pre = NONE;  /* prefix indices are uint32 */
	if ((rc = pathset_new(&set)) < 0)
		goto done;
	if ((rc = distances(&dist, g, target, max_depth)) < 0)
		goto done;
	s.dist = dist;
	seen = calloc((size_t)count / 8 + 1, 1);
	rrank = record_ranks(g);
	if (!seen || !rrank) {
		rc = hs_error_set(HS_ENOMEM, "out of memory for the roots");
		goto done;
	}
	/* one partial path per root object, of its best rank, in root
	 * record order */
	for (unsigned rank = 0; rank < RANKS; rank++)
		for (size_t i = 0; i < nr; i++) {
			uint32_t r = hs_graph_root(g, i)->node;

			if (rrank[i] != rank || r >= count ||
			    (seen[r / 8] & (1u << r % 8)) || dist[r] == INF)
				continue;
			seen[r / 8] |= (uint8_t)(1u << r % 8);
			if ((rc = search_push(&s, r, NONE, 0, 0, rank)) != 0)
				goto stop;
		}
	while (s.nheap && set->n < n) {
		uint32_t q = search_pop(&s);
		uint32_t u = s.pre[q].node, gq = s.pre[q].g;
		hs_edges e;

		if (u == target) {
			if ((rc = emit(set, &s, q)) < 0)
				goto done;
			continue;  /* a path through the target is not simple */
		}
		e = hs_graph_out(g, u);
		for (size_t k = 0; k < e.n; k++) {
			uint32_t v = e.node[k];

			if ((e.flags && (e.flags[k] & HS_REF_WEAK)) ||
			    v >= count || dist[v] == INF ||
			    (max_depth &&
			     (uint64_t)gq + 1 + dist[v] > max_depth) ||
			    on_prefix(&s, q, v))
				continue;
			if ((rc = search_push(&s, v, q, k, gq + 1, 0)) != 0)
				goto stop;
		}
	}
	rc = 0;
	goto done;
stop:
	if (rc > 0) {
		set->capped = 1;
		rc = set->n ? 0 : emit_greedy(set, g, dist, rrank);
	}
done:
	free(seen);
	free(rrank);
	free(dist);
	free(s.pre);
	free(s.heap);
	if (rc < 0) {
		hs_pathset_free(set);
		return rc;
	}
	*out = set;
	return 0;
}

/* ---- text ------------------------------------------------------------ */

int hs_path_label(hs_str *out, hs_buf *storage, hs_graph *g,
		  const hs_path *p, size_t i)
{
	out->ptr = NULL;
	out->len = 0;
	HS_RETURN_ERROR_IF(i + 1 >= p->len, HS_EINVAL,
			   "step %zu of a path of %zu objects", i, p->len);
	return hs_graph_label(out, storage, g, p->nodes[i], p->edges[i]);
}

/* A field or attribute name: [A-Za-z_][A-Za-z0-9_]*.  Anything else (a
 * dict key's repr like 'k' or 42, "<key>") is shown as a subscript. */
static int is_identifier(const char *s, size_t n)
{
	if (!n || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') ||
		    (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static int append_str(hs_buf *out, const char *s)
{
	return hs_buf_append(out, s, strlen(s));
}

int hs_path_format_label(hs_buf *out, const hs_graph *g, const hs_path *p,
			 size_t i, hs_str label)
{
	hs_str type;
	char num[48];
	uint32_t tix;
	int rc;

	HS_RETURN_ERROR_IF(i >= p->len, HS_EINVAL,
			   "element %zu of a path of %zu objects", i, p->len);
	if (i == 0) {
		const hs_root *r = hs_graph_root(g, p->root);
		hs_str kind;

		if (r->label.len)
			return hs_buf_append(out, r->label.ptr, r->label.len);
		kind = hs_graph_root_kind(g, r->kind);
		if ((rc = append_str(out, "<")) < 0 ||
		    (rc = hs_buf_append(out, kind.len ? kind.ptr : "root",
					kind.len ? kind.len : 4)) < 0)
			return rc;
		return append_str(out, ">");
	}
	tix = hs_graph_type(g, p->nodes[i - 1]);
	type = hs_graph_type_name(g, tix);
	if (type.ptr && type.len) {
		HS_FORWARD_IF_ERROR(hs_buf_append(out, type.ptr, type.len));
	} else {  /* a type no type record names: say so, by number */
		snprintf(num, sizeof(num), "<type %u>", tix);
		HS_FORWARD_IF_ERROR(append_str(out, num));
	}
	if (label.ptr && label.len && label.ptr[0] == '[')
		return hs_buf_append(out, label.ptr, label.len);
	if (label.ptr && is_identifier(label.ptr, label.len)) {
		HS_FORWARD_IF_ERROR(append_str(out, "."));
		return hs_buf_append(out, label.ptr, label.len);
	}
	if (label.ptr) {
		HS_FORWARD_IF_ERROR(append_str(out, "["));
		HS_FORWARD_IF_ERROR(hs_buf_append(out, label.ptr, label.len));
		return append_str(out, "]");
	}
	snprintf(num, sizeof(num), "[%zu]", p->edges[i - 1]);
	return append_str(out, num);
}

int hs_path_format_step(hs_buf *out, hs_graph *g, const hs_path *p,
			size_t i)
{
	hs_buf storage = HS_BUF_INIT;
	hs_str label = { NULL, 0 };
	int rc = 0;

	HS_RETURN_ERROR_IF(i >= p->len, HS_EINVAL,
			   "element %zu of a path of %zu objects", i, p->len);
	if (i > 0)
		rc = hs_path_label(&label, &storage, g, p, i - 1);
	if (rc == 0)
		rc = hs_path_format_label(out, g, p, i, label);
	hs_buf_release(&storage);
	return rc;
}

int hs_path_labels(hs_str *out, hs_graph *g, const hs_path *p)
{
	return p->len > 1 ? hs_graph_labels(out, g, p->nodes, p->edges,
					    p->len - 1) : 0;
}

int hs_path_format_labels(hs_buf *out, const hs_graph *g, const hs_path *p,
			  const hs_str *labels)
{
	hs_str none = { NULL, 0 };

	for (size_t i = 0; i < p->len; i++) {
		if (i)
			HS_FORWARD_IF_ERROR(append_str(out, " -> "));
		HS_FORWARD_IF_ERROR(hs_path_format_label(out, g, p, i, i ?
							 labels[i - 1] : none));
	}
	return 0;
}

int hs_path_format(hs_buf *out, hs_graph *g, const hs_path *p)
{
	hs_str *labels;
	int rc;

	labels = malloc((p->len ? p->len : 1) * sizeof(*labels));
	HS_RETURN_ERROR_IF(!labels, HS_ENOMEM, "out of memory for a path of "
			   "%zu objects", p->len);
	rc = hs_path_labels(labels, g, p);
	if (rc == 0)
		rc = hs_path_format_labels(out, g, p, labels);
	free(labels);
	return rc;
}
