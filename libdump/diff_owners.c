/*
 * diff_owners.c - the new objects of a snapshot grouped by their nearest
 * surviving dominator (its owner), when the snapshots' ids match.
 *
 * Load: 4 bytes per object of the new snapshot (its owner) and, per
 * owner, a count and bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "bigarray.h"
#include "diff_steps.h"
#include "error.h"

typedef struct {
	hs_dom *d;
	const uint32_t *old_of;  /* per node of the new snapshot: its match
	                            in the old one, or HS_GRAPH_NONE */
	uint32_t *own;       /* nearest surviving dominator-or-self */
} owner_walk;

static int owner_visit(uint32_t node, uint32_t depth, int enter, void *payload)
{
	owner_walk *w = payload;
	uint32_t up;

	(void)depth;
	if (!enter)
		return 0;
	up = hs_dom_idom(w->d, node);
	w->own[node] = w->old_of[node] != HS_GRAPH_NONE ? node
		       : up == HS_GRAPH_SUPERROOT ? HS_GRAPH_SUPERROOT
						  : w->own[up];
	return 0;
}

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
	owner_walk w = { d, old_of, own };
	size_t k = 0;
	int rc;

	if (!own || !cnt || !bytes) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory for %u "
				  "objects' owners", n);
		goto done;
	}
	rc = hs_dom_walk(d, HS_GRAPH_SUPERROOT, owner_visit, &w);
	if (rc < 0)
		goto done;
	for (uint32_t v = 0; v < n; v++) {
		size_t slot;

		if (!is_new[v])
			continue;
		if (!hs_dom_reachable(d, v)) {
			slot = (size_t)n + 1;
		} else {
			uint32_t up = hs_dom_idom(d, v);
			uint32_t o = up == HS_GRAPH_SUPERROOT ? up : own[up];

			slot = o == HS_GRAPH_SUPERROOT ? n : o;
		}
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
