/*
 * paths_steps.h - what the parts of the root paths share (internal): the
 * path sets (pathset.c), the root ranks (paths_roots.c), the options
 * check and the "seen" bits of both searches: the breadth-first tree
 * (paths.c) and the search for distinct paths (paths_find.c).
 */
#ifndef HS_PATHS_STEPS_H
#define HS_PATHS_STEPS_H

#include <stdint.h>

#include "hs_paths.h"

#define NONE HS_GRAPH_NONE

#define RANKS HS_PATHS_RANKS

/* One path's storage: the public view points into nodes/edges. */
typedef struct {
	hs_path view;
	uint32_t *nodes;
	size_t *edges;
} path_slot;

struct hs_pathset {
	path_slot *paths;
	size_t n, cap;
	int capped;
};

/* paths_opts_check() : 0, or HS_EINVAL for options of another version. */
int paths_opts_check(const hs_paths_options *opts);

/* paths_set_new() : an empty set in *out.  @return 0 or HS_ENOMEM. */
int paths_set_new(hs_pathset **out);

/* paths_set_add() : room for one more path of len objects in s, in *out.
 * @return 0 or HS_ENOMEM. */
int paths_set_add(path_slot **out, hs_pathset *s, size_t len);

/* paths_record_ranks() : the rank of every root record (RANKS for none:
 * no records); the caller frees it.  @return it, or NULL (no memory). */
uint8_t *paths_record_ranks(const hs_graph *g);

/* paths_first_root_record() : the root record naming node: the first
 * (file order) of its best rank. */
size_t paths_first_root_record(const hs_graph *g, uint32_t node);

/* paths_bits_new() : a "seen" bit per object, all clear (calloc'd; the
 * caller frees it), or NULL.  At 1/32 of the parent or distance array it
 * stays in cache, where testing those arrays on every reference would
 * miss (a 10M-object search reads 40M references). */
uint64_t *paths_bits_new(uint32_t n);

/* @return whether bit i was set, and sets it. */
static inline int bits_test_set(uint64_t *b, uint32_t i)
{
	uint64_t m = 1ull << (i % 64);
	int was = (b[i / 64] & m) != 0;

	b[i / 64] |= m;
	return was;
}

#endif
