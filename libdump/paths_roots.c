/*
 * paths_roots.c - the ranks of roots for the path searches (see
 * hs_paths.h: what holds an object for good comes first) and the root
 * record that names a root object.
 *
 * Load: a byte per root record while a search runs.
 */
#include <stdlib.h>
#include <string.h>

#include "paths_steps.h"

static int kind_is(hs_str k, const char *s)
{
	size_t n = strlen(s);

	return k.len == n && memcmp(k.ptr, s, n) == 0;
}

unsigned hs_paths_root_rank(const hs_graph *g, size_t i)
{
	hs_str k = hs_graph_root_kind(g, hs_graph_root(g, i)->kind);

	if (kind_is(k, "refcount"))
		return 2;
	if (kind_is(k, "static") || kind_is(k, "stack"))
		return 1;
	return 0;
}

/* The rank of every root record (RANKS for none: no records); the
 * caller frees it. */
uint8_t *paths_record_ranks(const hs_graph *g)
{
	size_t nr = hs_graph_root_count(g);
	uint8_t *r = malloc(nr ? nr : 1);

	for (size_t i = 0; r && i < nr; i++)
		r[i] = (uint8_t)hs_paths_root_rank(g, i);
	return r;
}

/* The root record naming node: the first (file order) of its best rank;
 * roots always name objects, so this finds one for any root object. */
size_t paths_first_root_record(const hs_graph *g, uint32_t node)
{
	size_t nr = hs_graph_root_count(g), best = 0;
	unsigned best_rank = RANKS;

	for (size_t i = 0; i < nr; i++) {
		unsigned r;

		if (hs_graph_root(g, i)->node != node)
			continue;
		r = hs_paths_root_rank(g, i);
		if (r < best_rank) {
			best = i;
			best_rank = r;
		}
	}
	return best;
}
