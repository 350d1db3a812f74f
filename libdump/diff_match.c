/*
 * diff_match.c - which object of one snapshot is which of the other: a
 * merge of the two snapshots' ids in order (ids mostly come in address
 * order already, and a radix sort puts the others in order), where
 * hashing cost a random lookup per object.
 *
 * Load: 16 bytes per object of each snapshot whose ids are out of order
 * (the sorted pairs), freed when done.
 */
#include <stdlib.h>
#include <string.h>

#include "bigarray.h"
#include "diff_steps.h"
#include "error.h"

typedef struct {
	uint64_t id;
	uint32_t node;
} id_node;

/* g's nodes by id, ties in node order, in *out (n entries, from
 * hs_big_calloc), or *out = NULL when the ids already ascend with the
 * nodes (writers mostly walk memory in order): else an LSD radix sort of
 * the bits in which the ids differ, 11 at a time. */
static int id_order(id_node **out, const hs_graph *g)
{
	uint32_t n = hs_graph_count(g);
	id_node *a, *b;
	uint64_t lo = UINT64_MAX, hi = 0, prev = 0;
	int sorted = 1, bits = 0;

	*out = NULL;
	for (uint32_t v = 0; v < n; v++) {
		uint64_t id = hs_graph_id(g, v);

		if (v && id < prev)
			sorted = 0;
		prev = id;
		lo = id < lo ? id : lo;
		hi = id > hi ? id : hi;
	}
	if (sorted)
		return 0;
	a = hs_big_calloc((size_t)n, sizeof(*a));
	b = hs_big_calloc((size_t)n, sizeof(*b));
	if (!a || !b) {
		hs_big_free(a);
		hs_big_free(b);
		return hs_error_set(HS_ENOMEM, "diff: out of memory for the ids "
				    "of %u objects", n);
	}
	for (uint32_t v = 0; v < n; v++) {
		a[v].id = hs_graph_id(g, v);
		a[v].node = v;
	}
	while (bits < 64 && (hi - lo) >> bits)
		bits++;
	for (int shift = 0; shift < bits; shift += 11) {
		size_t cnt[2048] = { 0 }, at = 0;
		id_node *t;

		for (uint32_t v = 0; v < n; v++)
			cnt[(a[v].id - lo) >> shift & 2047]++;
		for (size_t k = 0; k < 2048; k++) {
			size_t c = cnt[k];

			cnt[k] = at;
			at += c;
		}
		for (uint32_t v = 0; v < n; v++)
			b[cnt[(a[v].id - lo) >> shift & 2047]++] = a[v];
		t = a;
		a = b;
		b = t;
	}
	hs_big_free(b);
	*out = a;
	return 0;
}

/* The i-th object of g in id order (ord from id_order), and its id. */
static inline uint32_t ord_node(const id_node *ord, uint32_t i)
{
	return ord ? ord[i].node : i;
}

static inline uint64_t ord_id(const id_node *ord, const hs_graph *g,
			      uint32_t i)
{
	return ord ? ord[i].id : hs_graph_id(g, i);
}

/*
 * Matches the objects of g and other by id and type name, as a merge of
 * the two id orders: an object matches the first object of the other
 * snapshot with its id (the one hs_graph_find_id() names) when that has
 * the same type name.  match[v] is that object for node v of g (or
 * HS_GRAPH_NONE); present[u] = 1 when node u of other matches (either may
 * be NULL).
 */
int diff_match_ids(uint32_t *match, unsigned char *present,
		     const hs_graph *g, const uint32_t *rowmap,
		     const hs_graph *other, const uint32_t *other_rowmap)
{
	uint32_t na = hs_graph_count(g), nb = hs_graph_count(other);
	id_node *a = NULL, *b = NULL;
	uint32_t i = 0, j = 0;
	int rc;

	rc = id_order(&a, g);
	if (rc == 0)
		rc = id_order(&b, other);
	if (rc < 0)
		goto done;
	if (match)
		for (uint32_t v = 0; v < na; v++)
			match[v] = HS_GRAPH_NONE;
	if (present)
		memset(present, 0, nb);
	while (i < na && j < nb) {
		uint64_t id = ord_id(a, g, i), idb = ord_id(b, other, j);
		uint32_t ie = i, je = j, fa, fb;

		if (idb < id) {
			j++;
			continue;
		}
		if (idb > id) {
			i++;
			continue;
		}
		while (ie < na && ord_id(a, g, ie) == id)
			ie++;
		while (je < nb && ord_id(b, other, je) == id)
			je++;
		/* the first of each run is the lowest node with the id */
		fa = ord_node(a, i);
		fb = ord_node(b, j);
		for (; match && i < ie; i++)
			if (rowmap[hs_graph_type(g, ord_node(a, i))] ==
			    other_rowmap[hs_graph_type(other, fb)])
				match[ord_node(a, i)] = fb;
		for (; present && j < je; j++)
			present[ord_node(b, j)] =
				other_rowmap[hs_graph_type(other,
							   ord_node(b, j))] ==
				rowmap[hs_graph_type(g, fa)];
		i = ie;
		j = je;
	}
done:
	hs_big_free(a);
	hs_big_free(b);
	return rc;
}
