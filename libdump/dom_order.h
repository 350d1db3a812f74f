/*
 * dom_order.h - passes over a built dominator tree that run through
 * arrays in order instead of walking the tree node by node (internal to
 * the analyses: typesum.c, diff_types.c, diff_owners.c; dom_order.c).
 */
#ifndef HS_DOM_ORDER_H
#define HS_DOM_ORDER_H

#include <stdint.h>

#include "hs_dom.h"

/* hs_dom__retained_by_key() : sums[k] += the retained size of every
 * reachable node of key k (keymap[types[node]], < nkeys) that no other
 * node of key k dominates: each object counted once, as hs_dom_walk()
 * with an open-ancestor counter per key counts it.  @return 0 or
 * HS_ENOMEM. */
int hs_dom__retained_by_key(uint64_t *sums, const hs_dom *d,
			    const uint32_t *types, const uint32_t *keymap,
			    uint32_t nkeys);

/* hs_dom__nearest_matched() : out[node] (n entries, n = the graph's
 * nodes) = node's nearest dominator-or-self v with match[v] !=
 * HS_GRAPH_NONE, HS_GRAPH_SUPERROOT when there is none, HS_GRAPH_NONE
 * when node is unreachable.  @return 0 or HS_ENOMEM. */
int hs_dom__nearest_matched(uint32_t *out, const hs_dom *d,
			    const uint32_t *match);

#endif
