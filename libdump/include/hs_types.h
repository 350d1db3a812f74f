/*
 * hs_types.h - the per-type summary of a loaded graph: how many objects
 * of each type, their shallow sizes and what they retain.
 *
 * Retained per type counts each object once, as Eclipse MAT does: a node
 * is added to its type's retained size only when no node of the same type
 * dominates it (a linked list's nodes retain the list after them, but the
 * type "node" retains the list once).  Retained sizes of different types
 * nest (a dict retains its strs), so they add up to more than the heap.
 *
 * Types that share a name (hs_graph_type_first: classes made per call)
 * make one row by default, which says how many types ("classes") it
 * holds; its retained size still counts each object once (an object
 * dominated by another of any of those types is not added again).
 * HS_TYPES_SPLIT makes a row per type record instead.
 *
 * Rows are kept in a table that other groupings fill as well (dumptypes
 * --by referrer): a key, a name, count, shallow and retained per row.
 */
#ifndef HS_TYPES_H
#define HS_TYPES_H

#include "hs_dom.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One row: a type, or another grouping's group. */
typedef struct {
	uint32_t key;       /**< the type index: by name, the name's first
	                         type (hs_graph_type_first); or the
	                         grouping's key */
	hs_str name;        /**< owned by the graph */
	uint64_t count, shallow, retained;
	uint32_t classes;   /**< types of the row's objects: 2 or more when
	                         types sharing a name were merged; 1 for a
	                         row per type; 0 for other groupings */
} hs_type_row;

/** A summary.  Pair hs_typesum() with hs_type_table_release(). */
typedef struct {
	hs_type_row *rows;
	size_t n;
	uint64_t count, shallow;  /**< over every row */
	uint64_t heap;            /**< the reference for percentages of
	                               retained: the reachable heap's size */
	int has_retained;         /**< retained was computed */
} hs_type_table;

#define HS_TYPE_TABLE_INIT { NULL, 0, 0, 0, 0, 0 }

typedef enum {
	HS_SORT_RETAINED = 0,
	HS_SORT_SHALLOW,
	HS_SORT_COUNT
} hs_sort_key;

/** Which objects hs_typesum() summarises, and how it groups them. */
enum {
	HS_TYPES_REACHABLE = 0,   /**< objects reachable from a root */
	HS_TYPES_UNREACHABLE = 1, /**< the others (no retained sizes) */
	HS_TYPES_SPLIT = 2        /**< OR-ed in: a row per type record,
	                               not per name */
};

/**
 * hs_typesum() : one row per type name (or, with HS_TYPES_SPLIT, per
 * type) that has objects in the chosen set.
 * @param d     the dominator tree, for retained sizes and reachability;
 *              NULL: every object is summarised, without retained sizes
 *              (`which` is then ignored).
 * @param[out] out  rows in type order; hs_type_table_release() frees.
 * @return 0, HS_ENOMEM.
 */
HS_API int hs_typesum(hs_type_table *out, const hs_graph *g, hs_dom *d, int which);

/**
 * hs_type_table_sort() : by the key, largest first, then by the other
 * sizes, then by name, so that the order is the same on every run.
 */
HS_API void hs_type_table_sort(hs_type_table *t, hs_sort_key by);

/** hs_type_row_value() : the row's count, shallow or retained. */
HS_API uint64_t hs_type_row_value(const hs_type_row *r, hs_sort_key by);

/** hs_type_table_total() : what percentages of `by` are of: the count,
 *  the shallow total, or the reachable heap for retained. */
HS_API uint64_t hs_type_table_total(const hs_type_table *t, hs_sort_key by);

/** hs_type_table_release() : free the rows; NULL-safe, reusable. */
HS_API void hs_type_table_release(hs_type_table *t);

#ifdef __cplusplus
}
#endif
#endif
