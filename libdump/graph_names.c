/*
 * graph_names.c - the names of a loaded graph: types (the declared type
 * indices and the gaps objects use, numbered densely; types of one name
 * grouped), declared strings (labels' text, by index), root kinds, and
 * the roots resolved to nodes.  Every name's text is copied from the
 * loader's per-thread pools into one allocation, g->names.
 *
 * Load: the names' text, and per type, string and root a few words; the
 * hash tables used here (type names, root kinds) are freed on return.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "graph_internal.h"
#include "vec.h"

static uint64_t name_hash(hs_str s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < s.len; i++)
		h = (h ^ (unsigned char)s.ptr[i]) * 0x100000001b3ull;
	return h ^ h >> 31;
}

/* Types that share a name (a Python class made per call gives one type
 * record per class): type_first[t] is the lowest type index with t's name,
 * type_classes[] counts the types of each name at its first type.  One
 * pass with an open-addressing table over the ndecl names that type
 * records declared (run before the index gaps are named: each gap, and
 * the "(undeclared)" type after the last, is a type of its own). */
static int group_types(hs_graph *g, size_t ndecl)
{
	size_t nslots = 16;
	uint32_t *slot;

	while (nslots < ndecl * 2)
		nslots *= 2;
	g->type_first = malloc(((size_t)g->ntypes + 1) * sizeof(uint32_t));
	g->type_classes = malloc(((size_t)g->ntypes + 1) * sizeof(uint32_t));
	slot = malloc(nslots * sizeof(*slot));
	if (!g->type_first || !g->type_classes || !slot) {
		free(slot);
		return hs_error_set(HS_ENOMEM, "%s: out of memory for %u "
				    "types", g->path, g->ntypes);
	}
	memset(slot, 0xff, nslots * sizeof(*slot));
	for (uint32_t t = 0; t <= g->ntypes; t++) {
		g->type_first[t] = t;
		g->type_classes[t] = 1;
	}
	for (uint32_t t = 0; t < g->ntypes; t++) {
		hs_str n = g->type_names[t];
		size_t i = name_hash(n) & (nslots - 1);

		if (!n.ptr)  /* a gap */
			continue;
		while (slot[i] != UINT32_MAX) {
			hs_str m = g->type_names[slot[i]];

			if (m.len == n.len &&
			    (!n.len || memcmp(m.ptr, n.ptr, n.len) == 0))
				break;
			i = (i + 1) & (nslots - 1);
		}
		if (slot[i] == UINT32_MAX) {
			slot[i] = t;
		} else {
			g->type_first[t] = slot[i];
			g->type_classes[slot[i]]++;
		}
	}
	free(slot);
	return 0;
}

static int named_cmp(const void *pa, const void *pb)
{
	const named *a = pa, *b = pb;

	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	if (a->frame_offset != b->frame_offset)
		return a->frame_offset < b->frame_offset ? -1 : 1;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

/* Every worker's type (or string) declarations in one array sorted by
 * index, the first in file order kept for an index declared twice; offs
 * rebased into g->names.  Sized by the records read, never by the
 * indices they declare (a type at index 2^32-2 costs one entry). */
static named *gather_names(size_t *out_n, const loader *L,
			   const size_t *base_of, int types)
{
	size_t n = 0, k = 0;
	named *v;

	for (unsigned w = 0; w < L->nw; w++)
		n += types ? L->w[w].ntypes : L->w[w].nstrings;
	v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (unsigned w = 0; w < L->nw; w++) {
		const named *src = types ? L->w[w].types_decl : L->w[w].strings;
		size_t m = types ? L->w[w].ntypes : L->w[w].nstrings;

		for (size_t i = 0; i < m; i++) {
			v[k] = src[i];
			v[k++].off += base_of[w];
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), named_cmp);
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (!k || v[i].index != v[k - 1].index)
			v[k++] = v[i];
	*out_n = k;
	return v;
}

/* Position of index in the ascending keys[0..n), or n. */
static uint32_t declared_find(const uint32_t *keys, uint32_t n, uint32_t index)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (keys[mid] < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && keys[lo] == index ? lo : n;
}

static int u32_sort_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The graph's types: the declared type indices, and the index gaps below
 * the last declared one that objects use (a gap is a type of its own,
 * named "?N"), numbered densely in index order; an object naming an index
 * past the last declared one is "(undeclared)", the type after them.  So
 * the tables hold what the file holds, whatever its indices (a type at
 * index 2^32-2 is one row, not 2^32), and a file that declares 0..T-1 (any
 * writer's) keeps its indices.  keys[] gets the file index of each type
 * (declared and gaps, ascending), *ngaps the gaps' count, and every
 * object's type is renumbered.
 */
static int remap_types(hs_graph *g, uint32_t **keys, size_t *nkeys,
		       size_t *ngaps, const named *decl, size_t nd,
		       uint64_t *undeclared)
{
	uint32_t *k, *direct = NULL, last = nd ? decl[nd - 1].index : 0;
	size_t nk = nd, cap = nd + 1;
	uint64_t bad = 0;
	int dense = !nd || last == nd - 1;

	*keys = k = malloc(cap * sizeof(*k));
	HS_RETURN_ERROR_IF(!k, HS_ENOMEM, "%s: out of memory for %zu types",
			   g->path, nd);
	for (size_t i = 0; i < nd; i++)
		k[i] = decl[i].index;
	/* gaps that objects use: none when the indices are 0..T-1 */
	for (uint32_t v = 0; v < g->n && !dense; v++) {
		uint32_t t = g->types[v];

		if (t >= last || declared_find(k, (uint32_t)nd, t) < nd)
			continue;
		if (hs_vec_grow((void **)&k, &cap, nk + 1, sizeof(*k)) < 0) {
			free(k);
			*keys = NULL;
			return hs_error_set(HS_ENOMEM, "%s: out of memory for "
					    "types", g->path);
		}
		*keys = k;
		k[nk++] = t;
	}
	if (nk > nd) {
		/* declared and used gaps in index order, each gap once */
		size_t m = 0;

		qsort(k, nk, sizeof(*k), u32_sort_cmp);
		for (size_t i = 0; i < nk; i++)
			if (!m || k[i] != k[m - 1])
				k[m++] = k[i];
		nk = m;
	}
	*nkeys = nk;
	*ngaps = nk - nd;
	if (!dense && k[nk - 1] < 4 * (uint64_t)nk + 4096) {
		direct = malloc(((size_t)k[nk - 1] + 1) * sizeof(*direct));
		HS_RETURN_ERROR_IF(!direct, HS_ENOMEM, "%s: out of memory for "
				   "%zu types", g->path, nk);
		for (uint32_t i = 0; i <= k[nk - 1]; i++)
			direct[i] = (uint32_t)nk;
		for (uint32_t t = 0; t < nk; t++)
			direct[k[t]] = t;
	}
	for (uint32_t v = 0; v < g->n; v++) {
		uint32_t t = g->types[v];

		if (dense)
			t = t < nk ? t : (uint32_t)nk;
		else if (direct)
			t = t <= k[nk - 1] ? direct[t] : (uint32_t)nk;
		else
			t = declared_find(k, (uint32_t)nk, t);
		bad += t == nk;
		g->types[v] = t;
	}
	free(direct);
	*undeclared = bad;
	return 0;
}

/* Copies every name into one allocation and fills the tables. */
int hs_graph__build_names(hs_graph *g, loader *L, size_t nrr)
{
	size_t total = 1, at = 1, nd = 0, ns = 0, nt = 0, ngaps = 0;
	size_t base_of[64];
	named *types = NULL, *strings = NULL;
	uint32_t *keys = NULL;
	uint64_t undeclared = 0;
	int anyid = 0, anyflags = 0, rc = 0;

	for (unsigned k = 0; k < L->nw; k++) {
		base_of[k] = total;
		total += L->w[k].plen;
	}
	types = gather_names(&nd, L, base_of, 1);
	strings = gather_names(&ns, L, base_of, 0);
	if (!types || !strings) {
		rc = hs_error_set(HS_ENOMEM, "%s: out of memory for names",
				  g->path);
		goto done;
	}
	rc = remap_types(g, &keys, &nt, &ngaps, types, nd, &undeclared);
	if (rc < 0)
		goto done;
	for (size_t i = 0; i < nd; i++) {
		anyid |= types[i].has_id;
		anyflags |= types[i].flags != 0;
	}
	/* room for "(undeclared)" and the gaps' "?N" names */
	total += 16 + ngaps * 12;
	g->names = malloc(total);
	g->type_names = calloc(nt + 2, sizeof(hs_str));
	if (anyid) {
		g->type_ids = calloc(nt + 2, sizeof(uint64_t));
		g->type_has_id = calloc(nt + 2, 1);
	}
	if (anyflags)
		g->type_flags = calloc(nt + 2, 1);
	g->strings = calloc(ns + 1, sizeof(hs_str));
	g->string_index = malloc((ns + 1) * sizeof(uint32_t));
	g->kinds = calloc(nrr + 1, sizeof(hs_str));
	g->roots = calloc(nrr + 1, sizeof(hs_root));
	if (!g->names || !g->type_names || !g->strings ||
	    (anyid && (!g->type_ids || !g->type_has_id)) ||
	    (anyflags && !g->type_flags) ||
	    !g->string_index || !g->kinds || !g->roots) {
		rc = hs_error_set(HS_ENOMEM, "%s: out of memory for names",
				  g->path);
		goto done;
	}
	g->names[0] = '\0';
	for (unsigned k = 0; k < L->nw; k++) {
		if (L->w[k].plen)
			memcpy(g->names + at, L->w[k].pool, L->w[k].plen);
		at += L->w[k].plen;
	}
	/* declared types by their place among keys; the gaps unnamed while
	 * types are grouped by name (a gap is a type of its own) */
	for (size_t i = 0, t = 0; i < nd; i++, t++) {
		while (keys[t] != types[i].index)
			t++;
		g->type_names[t].ptr = g->names + types[i].off;
		g->type_names[t].len = types[i].len;
		if (anyid) {
			g->type_has_id[t] = (uint8_t)types[i].has_id;
			g->type_ids[t] = types[i].id;
		}
		if (anyflags)
			g->type_flags[t] = (uint8_t)(types[i].flags &
						     HS_TYPE_SEQUENCE);
	}
	for (size_t i = 0; i < ns; i++) {
		g->string_index[i] = strings[i].index;
		g->strings[i].ptr = g->names + strings[i].off;
		g->strings[i].len = strings[i].len;
	}
	g->ntypes = (uint32_t)nt;
	g->nstrings = (uint32_t)ns;
	rc = group_types(g, nd);
	if (rc < 0)
		goto done;
	for (uint32_t t = 0; t < g->ntypes; t++) {
		if (!g->type_names[t].ptr) {
			int len = snprintf(g->names + at, 12, "?%u", keys[t]);

			g->type_names[t].ptr = g->names + at;
			g->type_names[t].len = (size_t)len;
			at += (size_t)len + 1;
		}
	}
	if (undeclared) {
		memcpy(g->names + at, "(undeclared)", 13);
		g->type_names[g->ntypes].ptr = g->names + at;
		g->type_names[g->ntypes].len = 12;
		g->ntypes++;
		g->st.bad_types = undeclared;
	}
	g->st.types = g->ntypes;
	g->st.strings = g->nstrings;
done:
	free(types);
	free(strings);
	free(keys);
	return rc;
}

const hs_str *hs_graph__string_at(const hs_graph *g, uint32_t index)
{
	uint32_t i = declared_find(g->string_index, g->nstrings, index);

	return i < g->nstrings ? &g->strings[i] : NULL;
}

int hs_graph__build_roots(hs_graph *g, loader *L, rawroot **rr, size_t nrr)
{
	size_t base_of[64];
	size_t at = 1, kslots = 16;
	uint32_t *kslot;

	/* worker k's pool was copied to g->names + base_of[k] */
	for (unsigned k = 0; k < L->nw; k++) {
		base_of[k] = at;
		at += L->w[k].plen;
	}
	/* kinds found by hash: a file may give every root a kind of its
	 * own, and a scan of the kinds per root was quadratic */
	while (kslots < 2 * (nrr + 1))
		kslots *= 2;
	kslot = malloc(kslots * sizeof(*kslot));
	g->is_root = calloc((size_t)g->n / 8 + 1, 1);
	g->root_nodes = malloc((nrr + 1) * 4);
	g->root_flags = calloc(nrr + 1, 1);
	if (!kslot || !g->is_root || !g->root_nodes || !g->root_flags) {
		free(kslot);
		return hs_error_set(HS_ENOMEM, "%s: out of memory for roots",
				    g->path);
	}
	memset(kslot, 0xff, kslots * sizeof(*kslot));
	for (size_t i = 0; i < nrr; i++) {
		const rawroot *x = rr[i];
		unsigned k = x->wid;
		const char *kind, *label;
		uint32_t v, kk;
		hs_root *out;

		kind = g->names + base_of[k] + x->kind_off;
		label = x->has_label ? g->names + base_of[k] + x->label_off
				     : NULL;
		v = resolve(g, x->raw);
		if (v == HS_GRAPH_NONE) {
			g->st.missing_roots++;
			continue;
		}
		{
			hs_str ks = { kind, x->kind_len };
			size_t j = name_hash(ks) & (kslots - 1);

			while ((kk = kslot[j]) != UINT32_MAX &&
			       !(g->kinds[kk].len == x->kind_len &&
				 memcmp(g->kinds[kk].ptr, kind,
					x->kind_len) == 0))
				j = (j + 1) & (kslots - 1);
			if (kk == UINT32_MAX) {
				kk = g->nkinds++;
				kslot[j] = kk;
				g->kinds[kk] = ks;
			}
		}
		out = &g->roots[g->nroots++];
		out->node = v;
		out->kind = kk;
		out->label.ptr = label;
		out->label.len = x->has_label ? x->label_len : 0;
		out->extra = x->extra;
		if (!(g->is_root[v / 8] & (1u << (v % 8)))) {
			g->is_root[v / 8] |= (uint8_t)(1u << (v % 8));
			g->root_nodes[g->nroot_nodes++] = v;
		}
	}
	g->st.roots = g->nroots;
	free(kslot);
	return 0;
}
