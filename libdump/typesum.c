/*
 * typesum.c - per-type count, shallow and retained sizes (hs_types.h).
 *
 * Load: three counters per type, and for retained sizes one pass over
 * the dominator tree in its preorder with an open-ancestor counter per
 * row: a node whose row (its type, or its type's name) has no open
 * ancestor adds its retained size (hs_dom__retained_by_key, dom_order.c:
 * 12 bytes per reachable object while it runs).  Linear in the objects;
 * no recursion.
 */
#include <stdlib.h>
#include <string.h>

#include "dom_order.h"
#include "error.h"
#include "hs_types.h"

int hs_typesum(hs_type_table *out, const hs_graph *g, hs_dom *d, int which)
{
	uint32_t nt = hs_graph_type_count(g), n = hs_graph_count(g);
	const uint32_t *types = hs_graph_types(g);
	uint64_t *count = NULL, *shallow = NULL, *retained = NULL;
	uint32_t *row = NULL, *classes = NULL;
	int reachable = !(which & HS_TYPES_UNREACHABLE);
	int split = (which & HS_TYPES_SPLIT) != 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	count = calloc((size_t)nt + 1, 8);
	shallow = calloc((size_t)nt + 1, 8);
	retained = calloc((size_t)nt + 1, 8);
	row = malloc(((size_t)nt + 1) * 4);
	classes = calloc((size_t)nt + 1, 4);
	if (!count || !shallow || !retained || !row || !classes) {
		rc = hs_error_set(HS_ENOMEM, "out of memory for %u types", nt);
		goto done;
	}
	for (uint32_t t = 0; t < nt; t++)
		row[t] = split ? t : hs_graph_type_first(g, t);
	for (uint32_t v = 0; v < n; v++) {
		if (d && hs_dom_reachable(d, v) != reachable)
			continue;
		count[types[v]]++;
		shallow[types[v]] += hs_graph_size(g, v);
	}
	/* a type's figures move to its row's (its name's first type) */
	for (uint32_t t = 0; t < nt; t++) {
		if (!count[t])
			continue;
		classes[row[t]]++;
		if (row[t] != t) {
			count[row[t]] += count[t];
			shallow[row[t]] += shallow[t];
			count[t] = shallow[t] = 0;
		}
	}
	if (d && reachable) {
		rc = hs_dom__retained_by_key(retained, d, types, row, nt);
		if (rc < 0)
			goto done;
		out->has_retained = 1;
		out->heap = hs_dom_stats_get(d)->reachable_size;
	}
	for (uint32_t t = 0; t < nt; t++)
		out->n += count[t] != 0;
	out->rows = calloc(out->n + 1, sizeof(hs_type_row));
	if (!out->rows) {
		rc = hs_error_set(HS_ENOMEM, "out of memory");
		goto done;
	}
	out->n = 0;
	for (uint32_t t = 0; t < nt; t++) {
		hs_type_row *r;

		if (!count[t])
			continue;
		r = &out->rows[out->n++];
		r->key = t;
		r->name = hs_graph_type_name(g, t);
		r->count = count[t];
		r->shallow = shallow[t];
		r->retained = retained[t];
		r->classes = classes[t];
		out->count += count[t];
		out->shallow += shallow[t];
	}
	if (!out->has_retained)
		out->heap = out->shallow;
done:
	free(count);
	free(shallow);
	free(retained);
	free(row);
	free(classes);
	if (rc < 0)
		hs_type_table_release(out);
	return rc;
}

uint64_t hs_type_row_value(const hs_type_row *r, hs_sort_key by)
{
	return by == HS_SORT_COUNT ? r->count :
	       by == HS_SORT_SHALLOW ? r->shallow : r->retained;
}

uint64_t hs_type_table_total(const hs_type_table *t, hs_sort_key by)
{
	return by == HS_SORT_COUNT ? t->count :
	       by == HS_SORT_SHALLOW ? t->shallow : t->heap;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a > b ? -1 : a < b ? 1 : 0;
}

static int row_cmp(const void *x, const void *y, void *arg)
{
	const hs_type_row *a = x, *b = y;
	hs_sort_key sort_by = *(const hs_sort_key *)arg;
	size_t len = a->name.len < b->name.len ? a->name.len : b->name.len;
	int c;

	if ((c = cmp_u64(hs_type_row_value(a, sort_by),
			 hs_type_row_value(b, sort_by))) ||
	    (c = cmp_u64(a->retained, b->retained)) ||
	    (c = cmp_u64(a->shallow, b->shallow)) ||
	    (c = cmp_u64(a->count, b->count)))
		return c;
	c = len ? memcmp(a->name.ptr, b->name.ptr, len) : 0;
	if (c)
		return c;
	if (a->name.len != b->name.len)
		return a->name.len < b->name.len ? -1 : 1;
	return a->key < b->key ? -1 : a->key > b->key;
}

void hs_type_table_sort(hs_type_table *t, hs_sort_key by)
{
	if (t->n > 1)
		qsort_r(t->rows, t->n, sizeof(*t->rows), row_cmp, &by);
}

void hs_type_table_release(hs_type_table *t)
{
	if (!t)
		return;
	free(t->rows);
	memset(t, 0, sizeof(*t));
}
