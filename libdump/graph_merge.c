/*
 * graph_merge.c - steps 2 and 3 of loading a graph (graph_load.c): the
 * chunks, sorted into file order, are concatenated into the node arrays
 * (object n of the file, counting only the frames that could be read, is
 * node n), then every raw target is resolved to a node (graph_internal.h:
 * resolve) into the CSR; a target that resolves to nothing is dropped and
 * counted (missing_refs).  Also the id -> node table and the reverse CSR.
 *
 * Load: the graph's arrays (hs_graph.h: 20 B per object, 4-5 B per
 * reference; the reverse CSR 4 + 5 more; the id table 8 B per object),
 * all big arrays (bigarray.h).
 */
#include <stdlib.h>
#include <string.h>

#include "bigarray.h"
#include "error.h"
#include "graph_internal.h"
#include "vec.h"

int64_t hs_graph__idtab_build(hs_graph *g)
{
	uint64_t cap = 16, dups = 0;
	int bits = 4;

	while (cap < (uint64_t)g->n * 2) {
		cap *= 2;
		bits++;
	}
	g->idtab = hs_big_calloc(cap, 4);
	if (!g->idtab)
		return -1;
	memset(g->idtab, 0xff, cap * 4);
	g->idmask = cap - 1;
	g->idbits = bits;
	for (uint32_t v = 0; v < g->n; v++) {
		uint64_t id = g->ids[v], h = id_hash(id) & g->idmask;

		for (;;) {
			uint32_t s = g->idtab[h];

			if (s == UINT32_MAX) {
				g->idtab[h] = v;
				break;
			}
			if (g->ids[s] == id) {
				dups++;
				break;
			}
			h = (h + 1) & g->idmask;
		}
	}
	return (int64_t)dups;
}

static int span_cmp_index(const void *a, const void *b)
{
	const span *x = a, *y = b;

	return x->file_first < y->file_first ? -1 :
	       x->file_first > y->file_first ? 1 :
	       x->dense_first < y->dense_first ? -1 : 1;
}

/* Index mode: the file-index ranges of the chunks, sorted and clipped so
 * that an index names the first object (in file order) that claims it. */
static int build_index_map(hs_graph *g)
{
	size_t k = 0;

	g->identity = 1;
	for (size_t i = 0; i < g->nspans; i++)
		if (g->spans[i].file_first != g->spans[i].dense_first)
			g->identity = 0;
	if (g->identity)
		return 0;
	g->by_index = malloc((g->nspans ? g->nspans : 1) * sizeof(span));
	HS_RETURN_ERROR_IF(!g->by_index, HS_ENOMEM, "%s: out of memory",
			   g->path);
	memcpy(g->by_index, g->spans, g->nspans * sizeof(span));
	qsort(g->by_index, g->nspans, sizeof(span), span_cmp_index);
	for (size_t i = 0; i < g->nspans; i++) {
		span s = g->by_index[i];

		if (k) {
			const span *p = &g->by_index[k - 1];
			uint64_t end = p->file_first + p->n;

			if (s.file_first < end) {
				uint64_t cut = end - s.file_first;

				cut = cut < s.n ? cut : s.n;
				g->st.duplicate_ids += cut;
				s.file_first += cut;
				s.dense_first += cut;
				s.n -= cut;
			}
		}
		if (s.n)
			g->by_index[k++] = s;
	}
	g->nby_index = k;
	return 0;
}
int hs_graph__build_lookup(hs_graph *g)
{
	int64_t d;

	if (g->info.ref_mode == HS_REFS_BY_INDEX)
		return build_index_map(g);
	d = hs_graph__idtab_build(g);
	HS_RETURN_ERROR_IF(d < 0, HS_ENOMEM, "%s: out of memory for the id "
			   "table", g->path);
	g->st.duplicate_ids += (uint64_t)d;
	return 0;
}

int hs_graph__merge_objects(hs_graph *g, chunk **cs, size_t nc)
{
	uint64_t n = 0, raw = 0, size_max;

	for (size_t i = 0; i < nc; i++) {
		cs[i]->dense_first = n;
		n += cs[i]->nobj;
		raw += cs[i]->nrefs;
	}
	HS_RETURN_ERROR_IF(n > (uint64_t)UINT32_MAX - 2, HS_ELIMIT,
			   "%s: %llu objects, more than this library's limit "
			   "of 2^32-2", g->path, (unsigned long long)n);
	g->n = (uint32_t)n;
	g->ids = hs_big_calloc(n + 1, 8);
	/* offsets and sizes are 32-bit: 8 bytes less per object */
	HS_RETURN_ERROR_IF(raw > (uint64_t)UINT32_MAX - 2, HS_ELIMIT,
			   "%s: %llu references, more than this library's "
			   "limit of 2^32-2", g->path, (unsigned long long)raw);
	g->sizes = hs_big_calloc(n + 1, 4);
	g->types = hs_big_calloc(n + 1, 4);
	g->off = hs_big_calloc(n + 1, 4);
	g->spans = malloc((nc ? nc : 1) * sizeof(span));
	HS_RETURN_ERROR_IF(!g->ids || !g->sizes || !g->types || !g->off ||
			   !g->spans, HS_ENOMEM,
			   "%s: out of memory for %llu objects and %llu "
			   "references", g->path, (unsigned long long)n,
			   (unsigned long long)raw);
	/* no sum of shallow sizes may wrap: each counts as at most
	 * HS_GRAPH_SIZE_MAX, and at most what keeps the heap's total under
	 * 2^64 (n <= 2^32, so never below 2^32: the 32-bit fast path below
	 * needs no clamp) */
	size_max = n ? UINT64_MAX / n : UINT64_MAX;
	if (size_max > HS_GRAPH_SIZE_MAX)
		size_max = HS_GRAPH_SIZE_MAX;
	for (size_t i = 0; i < nc; i++) {
		chunk *c = cs[i];
		uint64_t d = c->dense_first;

		if (c->nobj) {
			memcpy(g->ids + d, c->ids, c->nobj * 8);
			memcpy(g->types + d, c->types, c->nobj * 4);
		}
		for (size_t j = 0; j < c->nobj; j++) {
			uint64_t sz = c->sizes[j];

			if (sz < UINT32_MAX) {
				g->st.shallow += sz;
				g->sizes[d + j] = (uint32_t)sz;
				continue;
			}
			if (sz > size_max) {
				sz = size_max;
				g->st.clamped_sizes++;
			}
			g->st.shallow += sz;
			g->sizes[d + j] = UINT32_MAX;
			if (hs_vec_grow((void **)&g->big, &g->bigcap,
					g->nbig + 1, sizeof(*g->big)) < 0)
				return hs_error_set(HS_ENOMEM, "%s: out of "
						    "memory", g->path);
			g->big[g->nbig].node = (uint32_t)(d + j);
			g->big[g->nbig].size = sz;
			g->nbig++;
		}
		if (c->nobj) {
			span *s = &g->spans[g->nspans++];

			s->dense_first = d;
			s->file_first = c->file_first;
			s->n = c->nobj;
			s->frame_offset = c->frame_offset;
		}
	}
	return 0;
}

/* Appends chunk c's raw targets [from, to) to the CSR at *w. */
static void resolve_run(hs_graph *g, const chunk *c, size_t from, size_t to,
			uint64_t *w)
{
	uint64_t k = *w;

	for (size_t j = from; j < to; j++) {
		uint32_t t = c->t32 ? resolve(g, c->t32[j])
				    : resolve(g, c->t64[j]);

		if (t == HS_GRAPH_NONE) {
			g->st.missing_refs++;
			continue;
		}
		g->node[k] = t;
		if (c->flags && c->flags[j]) {
			g->flags[k] = c->flags[j];
			if (c->flags[j] & HS_REF_WEAK)
				g->st.weak_refs++;
		}
		k++;
	}
	*w = k;
}

int hs_graph__merge_refs(hs_graph *g, chunk **cs, size_t nc, uint64_t raw)
{
	uint64_t w = 0, last_owner = 0;
	int have_last = 0;

	g->node = hs_big_calloc(raw + 1, 4);
	g->flags = hs_big_calloc(raw + 1, 1);
	HS_RETURN_ERROR_IF(!g->node || !g->flags, HS_ENOMEM, "%s: out of "
			   "memory for %llu references", g->path,
			   (unsigned long long)raw);

	for (size_t i = 0; i < nc; i++) {
		chunk *c = cs[i];
		size_t pos = c->lead;

		g->st.stray_refs += c->stray;
		if (c->lead) {
			if (have_last && c->lead_owner == last_owner)
				resolve_run(g, c, 0, c->lead, &w);
			else
				g->st.stray_refs += c->lead;
		}
		for (size_t j = 0; j < c->nobj; j++) {
			uint64_t v = c->dense_first + j;

			g->off[v] = (uint32_t)w;
			resolve_run(g, c, pos, pos + c->deg[j], &w);
			pos += c->deg[j];
		}
		if (c->nobj) {
			have_last = 1;
			last_owner = c->last_owner;
		}
	}
	g->off[g->n] = (uint32_t)w;
	g->nedges = w;
	g->st.refs = w;
	hs_big_shrink(g->node, w * 4);
	hs_big_shrink(g->flags, w);
	return 0;
}

int hs_graph__build_reverse(hs_graph *g)
{
	uint64_t n = g->n;

	g->in_off = hs_big_calloc(n + 1, 4);
	g->in_node = hs_big_calloc(g->nedges + 1, 4);
	g->in_flags = hs_big_calloc(g->nedges + 1, 1);
	HS_RETURN_ERROR_IF(!g->in_off || !g->in_node || !g->in_flags,
			   HS_ENOMEM, "%s: out of memory for the referrers "
			   "of %llu references", g->path,
			   (unsigned long long)g->nedges);
	for (uint64_t e = 0; e < g->nedges; e++)
		g->in_off[g->node[e] + 1]++;
	for (uint64_t v = 0; v < n; v++)
		g->in_off[v + 1] += g->in_off[v];
	/* fill with in_off[t] as the cursor, then shift it back */
	for (uint64_t v = 0; v < n; v++) {
		for (uint64_t e = g->off[v]; e < g->off[v + 1]; e++) {
			uint32_t k = g->in_off[g->node[e]]++;

			g->in_node[k] = (uint32_t)v;
			g->in_flags[k] = g->flags[e];
		}
	}
	for (uint64_t v = n; v > 0; v--)
		g->in_off[v] = g->in_off[v - 1];
	g->in_off[0] = 0;
	return 0;
}
