/*
 * dom_order.c - passes over a built dominator tree (see dom_order.h) in
 * the order of the arrays instead of a walk down the tree.
 *
 * A walk (hs_dom_walk) goes from each node to its children's list, then
 * to each child's preorder number and its list: several reads at random
 * places per node, each waiting for the one before it.  Here every pass
 * runs through arrays indexed by the DFS preorder numbers the tree is
 * kept in, where idom(w) < w: top-down facts (a node's nearest matched
 * dominator) are one forward pass, subtree sizes one backward pass; what
 * needs the tree's own preorder (an open-ancestor counter) gets it from
 * the sizes, as a permutation that is then read in order.  The random
 * reads left are independent of each other, so they are asked for ahead.
 *
 * Load: hs_dom__retained_by_key 12 bytes per reachable node and a stack
 * as deep as the tree; hs_dom__nearest_matched 4 per reachable node.
 * Time: a few passes over the reachable nodes.
 */
#include <stdlib.h>

#include "bigarray.h"
#include "dom_order.h"
#include "dom_steps.h"
#include "error.h"

/* How far ahead (nodes) the random reads are asked for. */
#define AHEAD 16u

/* Per preorder number: the end of its subtree in the tree's preorder
 * (first its subtree's size, then the next free place for a child), and
 * its key. */
typedef struct {
	uint32_t end;
	uint32_t key;
} span;

/* The tree's preorder: ord[i] = the node (preorder number) at place i
 * (the super-root at 0), children in the order of their numbers as
 * hs_dom_walk visits them; a[w] = w's key and its subtree's end. */
static void tree_order(uint32_t *ord, span *a, const hs_dom *d,
		       const uint32_t *types, const uint32_t *keymap)
{
	const uint32_t *idom = d->idom, *vert = d->vert;
	uint32_t R = d->R;

	/* sizes, bottom-up: a node's children are numbered after it */
	for (uint32_t w = R; w >= 1; w--) {
		uint32_t s = a[w].end + 1;

		if (w > AHEAD)
			__builtin_prefetch(&types[vert[w - AHEAD]]);
		a[w].end = s;
		a[w].key = keymap[types[vert[w]]];
		a[idom[w]].end += s;
	}
	/* places, top-down: each child takes the next free place under its
	 * parent and leaves its own children the places after its own */
	a[0].end = 1;
	ord[0] = 0;
	for (uint32_t w = 1; w <= R; w++) {
		span *p = &a[idom[w]];
		uint32_t at = p->end;

		p->end += a[w].end;
		ord[at] = w;
		a[w].end = at + 1;
	}
	/* now a[w].end = place(w) + size(w) */
}

int hs_dom__retained_by_key(uint64_t *sums, const hs_dom *d,
			    const uint32_t *types, const uint32_t *keymap,
			    uint32_t nkeys)
{
	uint32_t R = d->R, *ord, *open;
	span *a, *st = NULL;
	size_t cap = 0, sp = 0;
	int rc = 0;

	if (R == 0)
		return 0;
	ord = hs_big_calloc((size_t)R + 1, sizeof(*ord));
	a = hs_big_calloc((size_t)R + 1, sizeof(*a));
	open = calloc(nkeys ? nkeys : 1, sizeof(*open));
	if (!ord || !a || !open) {
		rc = hs_error_set(HS_ENOMEM, "out of memory for the retained "
				  "sizes of %u objects by type", R);
		goto done;
	}
	tree_order(ord, a, d, types, keymap);
	/* the walk: the stack holds the open ancestors that have children */
	for (uint32_t i = 1; i <= R; i++) {
		uint32_t w = ord[i], k = a[w].key;

		if (i + AHEAD <= R) {
			__builtin_prefetch(&a[ord[i + AHEAD]]);
			__builtin_prefetch(&d->ret[ord[i + AHEAD]]);
		}
		while (sp && st[sp - 1].end <= i)
			open[st[--sp].key]--;
		if (open[k] == 0)
			sums[k] += d->ret[w];
		if (a[w].end == i + 1)
			continue;  /* a leaf: opened and closed at once */
		if ((sp + 1) * sizeof(*st) > cap &&
		    hs_big_grow((void **)&st, &cap, (sp + 1) * sizeof(*st)) < 0) {
			rc = hs_error_set(HS_ENOMEM, "out of memory for a path "
					  "of the dominator tree");
			goto done;
		}
		st[sp++] = a[w];
		open[k]++;
	}
done:
	hs_big_free(ord);
	hs_big_free(a);
	hs_big_free(st);
	free(open);
	return rc;
}

int hs_dom__nearest_matched(uint32_t *out, const hs_dom *d,
			    const uint32_t *match)
{
	const uint32_t *idom = d->idom, *vert = d->vert;
	uint32_t R = d->R, *near;

	for (uint32_t v = 0; v < d->n; v++)
		out[v] = HS_GRAPH_NONE;
	if (R == 0)
		return 0;
	/* per preorder number, the number of the nearest; 0: the roots */
	near = hs_big_calloc((size_t)R + 1, sizeof(*near));
	HS_RETURN_ERROR_IF(!near, HS_ENOMEM, "out of memory for the owners "
			   "of %u objects", R);
	for (uint32_t w = 1; w <= R; w++) {
		uint32_t v = vert[w];

		if (w + AHEAD <= R)
			__builtin_prefetch(&match[vert[w + AHEAD]]);
		near[w] = match[v] != HS_GRAPH_NONE ? w : near[idom[w]];
		out[v] = vert[near[w]];  /* vert[0]: HS_GRAPH_SUPERROOT */
	}
	hs_big_free(near);
	return 0;
}
