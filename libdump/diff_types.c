/*
 * diff_types.c - the diff's type table (one row per type name, or per
 * name and class id when split) and each row's count, shallow and
 * retained size in each snapshot, each object counted once.
 *
 * Load: the rows and their hash slots; per snapshot, 4 bytes per type
 * (its row) and a pass over the dominator tree (dom_order.c).
 */
#include <stdlib.h>
#include <string.h>

#include "diff_steps.h"
#include "dom_order.h"
#include "error.h"
#include "vec.h"

/* A row's key: its name, and split, the class's id when it has one. */
static uint64_t key_hash(hs_str s, int has_id, uint64_t id)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < s.len; i++)
		h = (h ^ (unsigned char)s.ptr[i]) * 0x100000001b3ull;
	if (has_id)
		h = (h ^ id) * 0x100000001b3ull;
	return h ^ h >> 29;
}

void diff_table_release(type_table *t)
{
	free(t->rows);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* The row of a key, added if new. @return the row, or -1 (ENOMEM). */
static int64_t table_row(type_table *t, hs_str name, int has_id, uint64_t id)
{
	size_t i;

	if ((t->n + 1) * 2 > t->nslots) {
		size_t ns = t->nslots ? t->nslots * 2 : 256;
		uint32_t *s = malloc(ns * sizeof(*s));

		if (!s)
			return -1;
		memset(s, 0xff, ns * sizeof(*s));
		for (size_t r = 0; r < t->n; r++) {
			i = key_hash(t->rows[r].name, t->rows[r].has_id,
				     t->rows[r].id) & (ns - 1);
			while (s[i] != UINT32_MAX)
				i = (i + 1) & (ns - 1);
			s[i] = (uint32_t)r;
		}
		free(t->slots);
		t->slots = s;
		t->nslots = ns;
	}
	i = key_hash(name, has_id, id) & (t->nslots - 1);
	while (t->slots[i] != UINT32_MAX) {
		const hs_diff_type *r = &t->rows[t->slots[i]];

		if (str_eq(r->name, name) && r->has_id == has_id &&
		    r->id == id)
			return t->slots[i];
		i = (i + 1) & (t->nslots - 1);
	}
	if (hs_vec_grow((void **)&t->rows, &t->cap, t->n + 1,
			sizeof(*t->rows)) < 0)
		return -1;
	memset(&t->rows[t->n], 0, sizeof(t->rows[0]));
	t->rows[t->n].name = name;
	t->rows[t->n].has_id = has_id;
	t->rows[t->n].id = id;
	t->slots[i] = (uint32_t)t->n;
	return (int64_t)t->n++;
}

/* rowmap[type of g] = row in the table; *unsplit counts the types that
 * a split could not tell apart (a shared name, no id). */
int diff_map_types(uint32_t **out, type_table *t, const hs_graph *g,
		     uint64_t *unsplit)
{
	uint32_t nt = hs_graph_type_count(g);
	uint32_t *m = malloc((nt ? nt : 1) * sizeof(*m));

	HS_RETURN_ERROR_IF(!m, HS_ENOMEM, "diff: out of memory");
	for (uint32_t i = 0; i < nt; i++) {
		uint64_t id = 0;
		int has_id = 0;
		int64_t r;

		if (t->split && hs_graph_type_classes(g, i) > 1) {
			has_id = hs_graph_type_id(&id, g, i) == 0;
			if (!has_id && unsplit)
				(*unsplit)++;
		}
		r = table_row(t, hs_graph_type_name(g, i), has_id, id);

		if (r < 0) {
			free(m);
			return hs_error_set(HS_ENOMEM, "diff: out of memory");
		}
		m[i] = (uint32_t)r;
	}
	*out = m;
	return 0;
}

/* ---- retained size per type, each object once ------------------------ */

/* count, shallow and retained per type of snapshot `side`. */
int diff_tally_types(hs_diff *df, int side, const uint32_t *rowmap)
{
	const hs_graph *g = df->g[side];
	uint32_t n = hs_graph_count(g);
	uint64_t *sums;
	uint8_t *seen = calloc((size_t)hs_graph_type_count(g) + 1, 1);
	int rc;

	HS_RETURN_ERROR_IF(!seen, HS_ENOMEM, "diff: out of memory");
	for (uint32_t v = 0; v < n; v++) {
		uint32_t t = hs_graph_type(g, v);
		hs_diff_type *row = &df->types.rows[rowmap[t]];

		row->count[side]++;
		row->shallow[side] += hs_graph_size(g, v);
		if (!seen[t]) {  /* one more class with objects in the row */
			seen[t] = 1;
			row->classes[side]++;
		}
	}
	free(seen);
	sums = calloc(df->types.n ? df->types.n : 1, sizeof(*sums));
	HS_RETURN_ERROR_IF(!sums, HS_ENOMEM, "diff: out of memory");
	rc = hs_dom__retained_by_key(sums, df->d[side], hs_graph_types(g),
				     rowmap, (uint32_t)df->types.n);
	for (size_t r = 0; rc == 0 && r < df->types.n; r++)
		df->types.rows[r].retained[side] += sums[r];
	free(sums);
	return rc;
}

static int cmp_type(const void *pa, const void *pb);

/* Sorts the rows by growth and drops those that neither side has. */
void diff_finish_types(type_table *t)
{
	size_t k = 0;

	if (t->n > 1)  /* rows is NULL when empty: qsort(NULL) is UB */
		qsort(t->rows, t->n, sizeof(*t->rows), cmp_type);
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].count[0] || t->rows[i].count[1])
			t->rows[k++] = t->rows[i];
	t->n = k;
}

static int cmp_type(const void *pa, const void *pb)
{
	const hs_diff_type *a = pa, *b = pb;
	int64_t ra = (int64_t)(a->retained[1] - a->retained[0]);
	int64_t rb = (int64_t)(b->retained[1] - b->retained[0]);
	int64_t sa = (int64_t)(a->shallow[1] - a->shallow[0]);
	int64_t sb = (int64_t)(b->shallow[1] - b->shallow[0]);
	size_t l = a->name.len < b->name.len ? a->name.len : b->name.len;
	int c;

	if (ra != rb)
		return ra > rb ? -1 : 1;
	if (sa != sb)
		return sa > sb ? -1 : 1;
	c = l ? memcmp(a->name.ptr, b->name.ptr, l) : 0;
	if (c)
		return c;
	if (a->name.len != b->name.len)
		return a->name.len < b->name.len ? -1 : 1;
	if (a->has_id != b->has_id)
		return a->has_id < b->has_id ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}
