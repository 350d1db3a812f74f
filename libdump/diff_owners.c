/*
 * diff_owners.c - the new objects of a snapshot grouped by their nearest
 * surviving dominator (its owner), when the snapshots' ids match.
 *
 * Load: 4 bytes per object of the new snapshot (its owner; 4 more per
 * reachable one while they are found: dom_order.c) and, per owner, a
 * count and bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "bigarray.h"
#include "diff_steps.h"
#include "dom_order.h"
#include "error.h"

static int cmp_owner(const void *pa, const void *pb)
{
	const hs_diff_owner *a = pa, *b = pb;

	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	if (a->objects != b->objects)
		return a->objects > b->objects ? -1 : 1;
	return a->node < b->node ? -1 : a->node > b->node;
}

void diff_sort_owners(hs_diff *df)
{
	if (df->nowners > 1)  /* owners may be NULL when empty */
		qsort(df->owners, df->nowners, sizeof(*df->owners), cmp_owner);
}

/* Groups the new objects (is_new) of the new snapshot by their nearest
 * surviving dominator (old_of: as match_ids gives it, against df->g[0]). */
int diff_owners_by_id(hs_diff *df, const uint32_t *old_of,
			const unsigned char *is_new)
{
	const hs_graph *g = df->g[1];
	hs_dom *d = df->d[1];
	uint32_t n = hs_graph_count(g);
	/* counts and bytes per owner: nodes, then the roots, then none */
	uint32_t *own = hs_big_calloc((size_t)n + 1, sizeof(*own));
	uint32_t *cnt = hs_big_calloc((size_t)n + 2, sizeof(*cnt));
	uint64_t *bytes = hs_big_calloc((size_t)n + 2, sizeof(*bytes));
	size_t k = 0;
	int rc;

	if (!own || !cnt || !bytes) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory for %u "
				  "objects' owners", n);
		goto done;
	}
	/* a new object is unmatched: its owner is its nearest matched
	 * dominator */
	rc = hs_dom__nearest_matched(own, d, old_of);
	if (rc < 0)
		goto done;
	for (uint32_t v = 0; v < n; v++) {
		size_t slot;

		if (!is_new[v])
			continue;
		slot = own[v] == HS_GRAPH_NONE ? (size_t)n + 1
		       : own[v] == HS_GRAPH_SUPERROOT ? n : own[v];
		cnt[slot]++;
		bytes[slot] += hs_graph_size(g, v);
		df->totals.new_objects++;
		df->totals.new_bytes += hs_graph_size(g, v);
	}
	for (size_t s = 0; s < (size_t)n + 2; s++)
		k += cnt[s] != 0;
	df->owners = calloc(k ? k : 1, sizeof(*df->owners));
	if (!df->owners) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory");
		goto done;
	}
	for (size_t s = 0; s < (size_t)n + 2; s++) {
		hs_diff_owner *o;

		if (!cnt[s])
			continue;
		o = &df->owners[df->nowners++];
		o->node = s < n ? (uint32_t)s : s == n ? HS_GRAPH_SUPERROOT
						      : HS_GRAPH_NONE;
		o->objects = cnt[s];
		o->bytes = (int64_t)bytes[s];
		o->old_node = HS_GRAPH_NONE;
		if (s < n) {
			o->old_node = old_of[o->node];
			o->retained[1] = hs_dom_retained(d, o->node);
			if (o->old_node != HS_GRAPH_NONE)
				o->retained[0] = hs_dom_retained(df->d[0],
								 o->old_node);
		}
	}
	diff_sort_owners(df);
	rc = 0;
done:
	hs_big_free(own);
	hs_big_free(cnt);
	hs_big_free(bytes);
	return rc;
}
