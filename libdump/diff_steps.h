/*
 * diff_steps.h - what the parts of hs_diff share (internal): the diff
 * itself, its type table (diff_types.c), the matching of objects by id
 * (diff_match.c), the grouping of new objects under owners by id
 * (diff_owners.c) or by path (diff_owner_paths.c); diff.c runs them.
 */
#ifndef HS_DIFF_STEPS_H
#define HS_DIFF_STEPS_H

#include <string.h>

#include "hs_diff.h"
#include "hs_paths.h"

typedef struct {
	hs_diff_type *rows;
	size_t n, cap;
	uint32_t *slots;      /* open addressing over rows, by key */
	size_t nslots;
	int split;            /* keys: (name, class id) where known */
} type_table;

struct hs_diff {
	hs_graph *g[2];       /* [0] old/base, [1] new/final */
	hs_dom *d[2];
	hs_diff_totals totals;
	type_table types;
	hs_diff_owner *owners;
	size_t nowners;
	hs_buf paths;         /* owner path texts (path matching) */
	hs_paths *tree;       /* over g[1], built on first owner_path */
};

static inline int str_eq(hs_str a, hs_str b)
{
	return a.len == b.len &&
	       (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* diff_table_release() : frees the table's rows and slots. */
void diff_table_release(type_table *t);

/* diff_map_types() : *out[type of g] = its row in t (added if new);
 * *unsplit (if not NULL) counts the types a split could not tell apart
 * (a shared name, no id).  @return 0 or HS_ENOMEM. */
int diff_map_types(uint32_t **out, type_table *t, const hs_graph *g,
		   uint64_t *unsplit);

/* diff_tally_types() : count, shallow and retained size per row of the
 * objects of snapshot `side` (each object's retained size once: that of
 * its topmost dominator of the same row).  @return 0 or an error code. */
int diff_tally_types(hs_diff *df, int side, const uint32_t *rowmap);

/* diff_finish_types() : sorts the rows by growth and drops those that
 * neither side has. */
void diff_finish_types(type_table *t);

/* diff_match_ids() : match[v] = the object of `other` that node v of g
 * matches by id and type name (or HS_GRAPH_NONE); present[u] = 1 when
 * node u of other matches (either may be NULL).  @return 0 or HS_ENOMEM. */
int diff_match_ids(uint32_t *match, unsigned char *present,
		   const hs_graph *g, const uint32_t *rowmap,
		   const hs_graph *other, const uint32_t *other_rowmap);

/* diff_sort_owners() : sorts df->owners: most bytes, most objects,
 * then lowest node first. */
void diff_sort_owners(hs_diff *df);

/* diff_owners_by_id() : df->owners: the new objects (is_new) of the new
 * snapshot grouped by their nearest surviving dominator (old_of: as
 * diff_match_ids gives it, against df->g[0]).  @return 0 or an error. */
int diff_owners_by_id(hs_diff *df, const uint32_t *old_of,
		      const unsigned char *is_new);

/* diff_owners_by_path() : df->owners from the k largest owners of each
 * snapshot, matched by their paths from the roots (snapshots of
 * different processes, whose ids mean nothing to each other).
 * @return 0 or an error code. */
int diff_owners_by_path(hs_diff *df, size_t k, const uint32_t *rowmap0,
			const uint32_t *rowmap1);

#endif
