/*
 * paths_find.c - hs_paths_find: up to N distinct shortest paths from the
 * roots to one object, best ranked roots first (see hs_paths.h).
 *
 * Load: a uint32 distance, a uint32 queue and two bits per object, and
 * 28 bytes per partial path (at most opts.max_search).
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "paths_steps.h"
#include "vec.h"

#define INF UINT32_MAX

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
	uint64_t *seen = paths_bits_new(n);
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

	HS_FORWARD_IF_ERROR(paths_set_add(&p, set, len));
	for (size_t i = len; i-- > 0; q = s->pre[q].parent) {
		p->nodes[i] = s->pre[q].node;
		if (i > 0)
			p->edges[i - 1] = s->pre[q].edge;
	}
	p->view.root = paths_first_root_record(s->g, p->nodes[0]);
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
	HS_FORWARD_IF_ERROR(paths_set_add(&p, set, len));
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
	p->view.root = paths_first_root_record(g, r);
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
	HS_FORWARD_IF_ERROR(paths_opts_check(opts));
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
	if ((rc = paths_set_new(&set)) < 0)
		goto done;
	if ((rc = distances(&dist, g, target, max_depth)) < 0)
		goto done;
	s.dist = dist;
	seen = calloc((size_t)count / 8 + 1, 1);
	rrank = paths_record_ranks(g);
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
