/*
 * hs_paths.h - why is this object alive: the shortest labelled paths from
 * the roots to an object, over a loaded hs_graph.  The library behind
 * `dumppath`.
 *
 * Root ranks.  Not every root says where the program holds an object: a
 * `refcount` root is an object held from outside the dump (C code, the
 * interpreter's own structures such as the parser's arena of a running
 * script, a leaked reference), a `static` root one of the runtime's
 * immortal objects, and a `stack` root a slot of a running frame's value
 * stack read conservatively (it may be one the frame no longer uses).
 * A path through them explains nothing when the program's own roots
 * (modules, frames, builtins, threads, globals) reach the object too.
 * So every root record has a rank (hs_paths_root_rank): 0 for every kind
 * but these, 1 for `static` and `stack`, 2 for `refcount`, and paths are ordered by the rank of their root
 * object first and by their length second: "shortest" below means the
 * shortest among the paths from the best-ranked roots that reach the
 * object.  A path from a `refcount` root is shown only when no other
 * root reaches the object (within max_depth), however long the path
 * from the other root is.
 *
 * Two searches, both iterative (a 10M-long chain is fine):
 *
 *  - hs_paths_new() runs breadth-first searches over forward references
 *    from the roots of rank 0, then from those of rank 1 that are not
 *    reached yet, then rank 2, and keeps a parent per object: 4 bytes per
 *    object, plus 4 more while it runs (an object reached from a better
 *    rank is not searched again: nothing it reaches can be reached better
 *    from a worse one).  With max_depth and roots of several ranks, each
 *    rank is searched apart (an object reached too deep from a better
 *    rank may lie on the only short path from a worse one): 4 bytes per
 *    object per rank and 1 more.  hs_paths_shortest() then gives a
 *    shortest path to any object in O(path length x out-degree), so one
 *    search serves many targets (`--type`).
 *
 *  - hs_paths_find() gives up to N distinct paths to one object, shortest
 *    first.  It runs one breadth-first search backwards from the target
 *    over the reverse references (distance to the target: 8 bytes per
 *    object while it runs), then a best-first search forwards from the
 *    roots over partial paths, each scored by its root's rank and then
 *    its length plus the distance left (an A* search whose estimate is
 *    exact except where a path would have to revisit an object).  It
 *    yields the N best simple paths in order of root rank and length.
 *    Two paths are distinct when they
 *    start at different root objects or differ in at least one step; a
 *    step is one reference (an out-edge position), so two references
 *    from one object to another are two steps.  Partial paths cost 28
 *    bytes each and are bounded by opts.max_search; when the bound is
 *    hit the search stops, keeps what it found and says so
 *    (hs_pathset_capped).  If it found nothing by then, a shortest path
 *    is read off the distances instead (no extra memory), so a path
 *    longer than the bound is still found.
 *
 * Weak references (HS_REF_WEAK) are never followed: they do not keep
 * their target alive.  An object named by several root records is one
 * root object of its best rank; the first of its root records (in file
 * order) of that rank names it.  A path that passes through another root
 * object is still a path (longer than the one starting at that root).
 *
 * Every function here reads the graph only and may run on several
 * threads at once, except the formatting functions, which read labels
 * through hs_graph_label() (not thread-safe for one graph).
 */
#ifndef HS_PATHS_H
#define HS_PATHS_H

#include "hs_graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Default bound on the partial paths hs_paths_find() keeps. */
#define HS_PATHS_SEARCH_DEFAULT (1u << 22)
/** hs_paths_depth() of an object no root reaches (within max_depth). */
#define HS_PATHS_UNREACHABLE UINT32_MAX
/** Root ranks: 0 (best) .. HS_PATHS_RANKS - 1. */
#define HS_PATHS_RANKS 3

typedef struct {
	unsigned version;     /**< HS_PATHS_OPTIONS_VERSION */
	uint32_t max_depth;   /**< longest path, in references after the
	                           root object; 0 = no limit */
	size_t max_search;    /**< hs_paths_find(): partial paths kept at
	                           most; 0 = HS_PATHS_SEARCH_DEFAULT */
} hs_paths_options;

#define HS_PATHS_OPTIONS_VERSION 1
#define HS_PATHS_OPTIONS_INIT { HS_PATHS_OPTIONS_VERSION, 0, 0 }

/**
 * One path: nodes[0] is a root object, nodes[len - 1] the target, and
 * each step i (0 <= i < len - 1) is the out-edge at position edges[i] of
 * nodes[i], so hs_graph_out(g, nodes[i]).node[edges[i]] == nodes[i + 1].
 * A target that is itself a root has a path of len 1.
 */
typedef struct {
	size_t root;              /**< hs_graph_root() index naming nodes[0] */
	size_t len;               /**< objects on the path, >= 1 */
	const uint32_t *nodes;    /**< len entries */
	const size_t *edges;      /**< len - 1 entries */
} hs_path;

/** Paths to one target, shortest first; pair with hs_pathset_free(). */
typedef struct hs_pathset hs_pathset;

/** The breadth-first tree over all roots; pair with hs_paths_free(). */
typedef struct hs_paths hs_paths;

/**
 * hs_paths_root_rank() : the rank of root record i (i <
 * hs_graph_root_count()), by its kind: 2 for "refcount" (held from
 * outside the dump), 1 for "static" (the runtime's immortal objects), 0
 * for any other kind.
 */
HS_API unsigned hs_paths_root_rank(const hs_graph *g, size_t i);

/**
 * hs_paths_new() : breadth-first searches from the roots over strong
 * references, best root rank first (see the top of this file).  The
 * graph must outlive the result.
 * @param[out] out  pair with hs_paths_free().
 * @param opts      NULL for the defaults (max_search is not used).
 * @return 0, HS_ENOMEM, HS_EINVAL (bad options version).
 */
HS_API int hs_paths_new(hs_paths **out, const hs_graph *g,
			const hs_paths_options *opts);

/** hs_paths_free() : NULL-safe. */
HS_API void hs_paths_free(hs_paths *t);

/** hs_paths_reached() : objects that some root reaches (within
 *  max_depth). */
HS_API uint64_t hs_paths_reached(const hs_paths *t);

/**
 * hs_paths_depth() : references on the shortest path to node (0 for a
 * root object), or HS_PATHS_UNREACHABLE.  Walks the tree: O(depth).
 */
HS_API uint32_t hs_paths_depth(const hs_paths *t, uint32_t node);

/**
 * hs_paths_shortest() : the tree's path to target (one shortest path
 * from the best-ranked roots that reach it; among equal ones, the one
 * that the search in root order and edge order met first).
 * @param[out] out  a set of 1 path, or of 0 when no root reaches target
 *                  (within max_depth): that is a finding, not an error.
 * @return 0, HS_ENOMEM, HS_ENOTFOUND (target is not an object index).
 */
HS_API int hs_paths_shortest(hs_pathset **out, const hs_paths *t, uint32_t target);

/** A size to rank objects by (retained sizes from hs_dom, say). */
typedef uint64_t (*hs_paths_weight)(uint32_t node, const void *payload);

/**
 * hs_paths_top() : the k biggest objects of some types that some root
 * reaches, biggest first (ties: lower index first).
 * @param types     one byte per type index (hs_graph_type_count()): 1
 *                  for the types wanted, as hs_class_select() makes it.
 * @param weight    the size to rank by, or NULL for shallow sizes;
 *                  called once per reachable instance.
 * @param[out] out  malloc'd array of *nout <= k object indices (NULL
 *                  when *nout is 0); the caller frees it.
 * @param[out] instances  if non-NULL, the objects of those types.
 * @param[out] unreached  if non-NULL, those that no root reaches.
 * @return 0, HS_ENOMEM.
 */
HS_API int hs_paths_top(uint32_t **out, size_t *nout, uint64_t *instances,
			uint64_t *unreached, const hs_paths *t,
			const uint8_t *types, size_t k,
			hs_paths_weight weight, const void *payload);

/**
 * hs_paths_find() : up to n distinct paths to target, shortest first
 * (see the top of this file).  Needs the reverse references
 * (hs_graph_options.reverse).
 * @param[out] out  0..n paths; 0 when no root reaches target (a finding).
 * @param opts      NULL for the defaults.
 * @return 0, HS_ENOMEM, HS_ENOTFOUND (target is not an object index),
 *         HS_EINVAL (n is 0, bad options version, g loaded without
 *         referrers).
 */
HS_API int hs_paths_find(hs_pathset **out, const hs_graph *g, uint32_t target,
			 size_t n, const hs_paths_options *opts);

/** hs_pathset_count() : paths in the set (0 for NULL). */
HS_API size_t hs_pathset_count(const hs_pathset *s);
/** hs_pathset_get() : the i-th path, i < count; owned by the set. */
HS_API const hs_path *hs_pathset_get(const hs_pathset *s, size_t i);
/** hs_pathset_capped() : 1 when hs_paths_find() stopped at max_search,
 *  so that more (or, with none found, any) paths may exist. */
HS_API int hs_pathset_capped(const hs_pathset *s);
/** hs_pathset_free() : NULL-safe. */
HS_API void hs_pathset_free(hs_pathset *s);

/**
 * hs_path_label() : the label of step i (0 <= i < len - 1), read from the
 * file.
 * @param[out] out  out->ptr NULL when the reference has no label.
 * @param storage   holds the text; reused across calls.
 * @return 0, or what hs_graph_label() returns.
 */
HS_API int hs_path_label(hs_str *out, hs_buf *storage, hs_graph *g,
			 const hs_path *p, size_t i);

/**
 * hs_path_labels() : the labels of every step of p at once, in one pass
 * over the frames the path lives in (hs_graph_labels()): out[i] for step
 * i < len - 1 (ptr NULL when the reference has no label), pointing into
 * the graph.  A path along a million-long chain reads its frames once.
 * @return 0, or what hs_graph_labels() returns.
 */
HS_API int hs_path_labels(hs_str *out, hs_graph *g, const hs_path *p);

/**
 * hs_pathset_labels() : the labels of every step of every path of s, in
 * one pass over the frames they live in (hs_graph_labels()), path after
 * path: path i's len - 1 labels follow those of the paths before it.
 * @param[out] out  an array the caller frees with free() (never NULL on
 *                  success, even for no steps); ptr NULL for a reference
 *                  without a label; the text is the graph's.
 * @return 0, HS_ENOMEM, or what hs_graph_labels() returns.
 */
HS_API int hs_pathset_labels(hs_str **out, hs_graph *g,
			     const hs_pathset *s);

/**
 * hs_path_format_step() : append the text of element i of the path,
 * 0 <= i < len: element 0 is the root (its label, or "<KIND>" when the
 * root record has none); element i >= 1 is the reference from nodes[i-1]:
 * the type of nodes[i-1], then the reference's label as the file has it:
 * "TYPE.LABEL" when the label is an identifier ([A-Za-z_][A-Za-z0-9_]*,
 * a field or attribute), "TYPELABEL" when it starts with '[' (an index
 * label such as "[3]"), else "TYPE[LABEL]" (a key's repr such as 'k' or
 * 42, or a pseudo-label such as <key>); a reference with no label shows
 * its position among the object's references: "TYPE[k]".
 * The text holds the file's bytes unchanged: print it escaped.
 * @return 0, HS_ENOMEM, or what hs_graph_label() returns.
 */
HS_API int hs_path_format_step(hs_buf *out, hs_graph *g, const hs_path *p,
			       size_t i);

/**
 * hs_path_format_label() : as hs_path_format_step(), with the label of
 * step i - 1 given (from hs_path_label(); ignored for element 0), so
 * that a caller that also needs the labels reads each from the file only
 * once.  Reads nothing from the file; thread-safe.
 * @return 0, HS_ENOMEM, HS_EINVAL (i >= len).
 */
HS_API int hs_path_format_label(hs_buf *out, const hs_graph *g, const hs_path *p,
				size_t i, hs_str label);

/**
 * hs_path_format_labels() : as hs_path_format(), with the labels of its
 * steps given (len - 1 of them, as hs_path_labels() or hs_graph_labels()
 * give them), so that a caller formatting many paths reads all their
 * labels in one pass.  Reads nothing from the file; thread-safe.
 * @return 0, HS_ENOMEM.
 */
HS_API int hs_path_format_labels(hs_buf *out, const hs_graph *g,
				 const hs_path *p, const hs_str *labels);

/**
 * hs_path_format() : append the elements joined by " -> ", e.g.
 * sys.modules -> dict['app'] -> module.__dict__ -> dict['CACHE'] ->
 * dict['user:42'] -> Session.history -> list[3].  The target's own type
 * is not part of it.  The labels are read as by hs_path_labels().
 * @return as hs_path_format_step().
 */
HS_API int hs_path_format(hs_buf *out, hs_graph *g, const hs_path *p);

#ifdef __cplusplus
}
#endif
#endif
