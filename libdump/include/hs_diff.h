/*
 * hs_diff.h - what grew between two snapshots, and who holds it; the
 * library behind `dumpdiff`.
 *
 * Two snapshots, old and new, each loaded (hs_graph) with its dominator
 * tree (hs_dom):
 *
 *  - per type (matched by name): count, shallow and retained size in each,
 *    retained counted once per object as Eclipse MAT does (an object
 *    dominated by another of its own type is not added again).  Types
 *    that share a name (classes made per call, hs_classes.h) are one row,
 *    which says how many there are on each side; with split_classes, a
 *    class whose type record gives its object's id is a row of its own,
 *    matched across snapshots by name and that id (ids are addresses:
 *    one process), and the classes with no id stay merged by name
 *    (unsplit counts them);
 *
 *  - per object, when both come from one process (same pid and runtime in
 *    the headers), matched by id: an object of the new snapshot whose id
 *    names an object of the same type name in the old one is a survivor;
 *    the others are new (an address freed and reused by another type is
 *    new).  New objects are grouped by their owner: the nearest dominator
 *    that survives.  An owner is HS_GRAPH_SUPERROOT when nothing but the
 *    roots dominates the new objects, and HS_GRAPH_NONE for new objects
 *    that no root reaches (garbage awaiting collection);
 *
 *  - when they come from different processes, ids mean nothing: owners
 *    are matched by their labelled root path (hs_path_format) and type
 *    among the largest retainers of each snapshot (options.path_owners of
 *    each), and an owner's growth is its change in retained size and in
 *    the objects it dominates.
 *
 * Three snapshots (base, target, final), as memlab does: the objects of
 * final that were new in target (not in base) and are still alive,
 * grouped by their owner in final (the nearest dominator that was in
 * base): what an action left behind.  Needs one process.
 *
 * Memory: about 16 bytes per object of the newest snapshot while
 * computing.  The graphs and trees must outlive the diff; computing reads
 * labels through the graphs (not thread-safe for one graph).
 */
#ifndef HS_DIFF_H
#define HS_DIFF_H

#include "hs_dom.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	HS_DIFF_MATCH_AUTO = 0,  /**< by id when one process, else by path */
	HS_DIFF_MATCH_ID = 1,
	HS_DIFF_MATCH_PATH = 2
} hs_diff_match;

typedef struct {
	unsigned version;        /**< HS_DIFF_OPTIONS_VERSION */
	hs_diff_match match;
	size_t path_owners;      /**< largest retainers of each snapshot
	                              matched by path; 0 = 500 */
	int split_classes;       /**< a row per class, not per name */
} hs_diff_options;

#define HS_DIFF_OPTIONS_VERSION 1
#define HS_DIFF_OPTIONS_INIT { HS_DIFF_OPTIONS_VERSION, HS_DIFF_MATCH_AUTO, \
			       0, 0 }

/** One type; [0] is the old (or base) snapshot, [1] the new (or final). */
typedef struct {
	hs_str name;
	uint64_t count[2], shallow[2], retained[2];
	uint32_t classes[2];    /**< types of the row's objects in each */
	int has_id;             /**< split_classes: the row is one class */
	uint64_t id;            /**< its class object's id */
} hs_diff_type;

/** One owner of growth. */
typedef struct {
	uint32_t node;          /**< in the new snapshot; HS_GRAPH_SUPERROOT
	                             or HS_GRAPH_NONE as described above */
	uint32_t old_node;      /**< the same object in the old snapshot, or
	                             HS_GRAPH_NONE */
	int64_t objects;        /**< new objects it holds (by id), or the
	                             change of the objects it dominates (by
	                             path) */
	int64_t bytes;          /**< their shallow sizes, or the change of its
	                             retained size (by path) */
	uint64_t retained[2];   /**< its retained size in old and new (0 when
	                             absent) */
	hs_str path;            /**< its labelled root path (by path; empty
	                             otherwise: see hs_diff_owner_path) */
} hs_diff_owner;

typedef struct {
	hs_diff_match matched_by;  /**< HS_DIFF_MATCH_ID or _PATH */
	int same_process;
	int snapshots;             /**< 2 or 3 */
	uint64_t objects[2], shallow[2];
	uint64_t reachable[2], reachable_size[2];
	uint64_t unreachable[2], unreachable_size[2];
	/* by id only: */
	uint64_t survivors, survivor_bytes;
	uint64_t new_objects, new_bytes;       /**< 3 snapshots: the leak
	                                            candidates */
	uint64_t freed_objects, freed_bytes;
	uint64_t unsplit[2];    /**< split_classes: types that share a name
	                             and give no id, so stay merged */
} hs_diff_totals;

typedef struct hs_diff hs_diff;

/**
 * hs_diff_new() : compare old and new.
 * @param[out] out  pair with hs_diff_free().
 * @param opts      NULL for the defaults.
 * @return 0, HS_ENOMEM, HS_EINVAL (options; split_classes across two
 *         processes; HS_DIFF_MATCH_ID across two processes is allowed:
 *         the caller asked for it).
 */
HS_API int hs_diff_new(hs_diff **out, hs_graph *old_g, hs_dom *old_d,
		       hs_graph *new_g, hs_dom *new_d, const hs_diff_options *opts);

/**
 * hs_diff_leaks() : the three-snapshot comparison (see above); the
 * snapshots must come from one process (else HS_EINVAL, with a message).
 * Totals compare base ([0]) and final ([1]); owners are in final.
 */
HS_API int hs_diff_leaks(hs_diff **out, hs_graph *base_g, hs_dom *base_d,
			 hs_graph *target_g, hs_graph *final_g, hs_dom *final_d,
			 const hs_diff_options *opts);

/** hs_diff_free() : NULL-safe. */
HS_API void hs_diff_free(hs_diff *d);

/*
 * The accessors below read d: no I/O, no allocation.  What they return is
 * owned by d and valid until hs_diff_free().
 */

/** hs_diff_totals_get() : the before/after totals, how objects were
 *  matched, and the growth the gate compares (hs_diff_totals). */
HS_API const hs_diff_totals *hs_diff_totals_get(const hs_diff *d);

/** hs_diff_type_count() : the types of either snapshot, by name.
 *  hs_diff_type_get() : the i-th, sorted by retained growth, largest
 *  first (ties: shallow growth, then name); NULL past the end. */
HS_API size_t hs_diff_type_count(const hs_diff *d);
HS_API const hs_diff_type *hs_diff_type_get(const hs_diff *d, size_t i);

/** hs_diff_owner_count() : the owners with any growth.
 *  hs_diff_owner_get() : the i-th, sorted by bytes, largest first (ties:
 *  objects, then node); NULL past the end. */
HS_API size_t hs_diff_owner_count(const hs_diff *d);
HS_API const hs_diff_owner *hs_diff_owner_get(const hs_diff *d, size_t i);

/**
 * hs_diff_owner_path() : the labelled root path of owner i in the new
 * snapshot, appended to out (the owner's path for path matching; a
 * shortest path otherwise; "(roots)" and "(unreachable)" for the two
 * pseudo-owners).  The first call runs a breadth-first search over the
 * new snapshot.
 * @return 0, HS_ENOMEM, or what reading a label returns.
 */
HS_API int hs_diff_owner_path(hs_buf *out, hs_diff *d, size_t i);

#ifdef __cplusplus
}
#endif
#endif
