/*
 * hs_dom.h - the dominator tree of a loaded graph and the retained sizes
 * it gives.
 *
 * Node d dominates node v when every path from the super-root (the
 * virtual node over all roots, HS_GRAPH_SUPERROOT) to v passes through d;
 * v's immediate dominator is its closest strict dominator.  The retained
 * size of d is the sum of the shallow sizes of the nodes d dominates, d
 * included: what freeing d would free.
 *
 * Weak references (HS_REF_WEAK) are left out, as Eclipse MAT and Chrome
 * DevTools do: they neither retain nor make anything reachable.  An
 * object that only weak references (or nothing) lead to from a root is
 * unreachable: it has no dominator and no retained size, and is counted
 * apart (hs_dom_stats) - garbage, or cycles awaiting collection - never
 * mixed into another object's retained size.
 *
 * Computed by the semi-NCA algorithm (Georgiadis), iteratively: no
 * recursion, so a 10M-long linked list is fine; on two threads when
 * there are two cores (the second builds the predecessor lists).  Memory
 * while computing: about 36 bytes per node and 4 per strong reference at
 * the peak, plus the DFS's stack (8 bytes per reference waiting to be
 * followed; a quarter of them on a random heap); kept afterwards: 4 per
 * node and 16 per reachable node, plus 8 per reachable node once the
 * children index is built.  Read-only once built: any number of
 * threads may query it (hs_dom_children builds its index on first use,
 * under a lock).
 */
#ifndef HS_DOM_H
#define HS_DOM_H

#include "hs_graph.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hs_dom hs_dom;

typedef struct {
	uint64_t reachable;         /**< objects reachable from a root */
	uint64_t reachable_size;    /**< their shallow sizes = the super-
	                                 root's retained size */
	uint64_t unreachable;       /**< objects no strong path reaches */
	uint64_t unreachable_size;
	uint64_t max_depth;         /**< depth of the dominator tree (a root's
	                                 top-level children have depth 1) */
} hs_dom_stats;

/** A list of nodes owned by the hs_dom. */
typedef struct {
	const uint32_t *node;
	size_t n;
} hs_nodes;

/**
 * hs_dom_build() : compute the dominator tree and retained sizes of g.
 * @param[out] out  pair with hs_dom_free(); g must outlive it.
 * @return 0, HS_ENOMEM, HS_ELIMIT (more than 2^32-2 references and roots
 *         together).
 */
HS_API int hs_dom_build(hs_dom **out, const hs_graph *g);

/** The most graphs one hs_dom_build_many() call takes. */
#define HS_DOM_BUILD_MANY_MAX 16

/**
 * hs_dom_build_many() : hs_dom_build() for n graphs at once, one thread
 * per graph (each build takes a second thread only when there are two
 * cores per graph: two snapshots' trees take about the time of one on
 * two cores; memory is the sum of both steps').
 * @param[out] out  n trees, each paired with hs_dom_free(); all NULL on
 *                  error.
 * @return 0, HS_EINVAL (n over HS_DOM_BUILD_MANY_MAX), or the first
 *         failing build's error (its message is kept).  A thread that
 *         cannot start has its tree built on the caller's thread.
 */
HS_API int hs_dom_build_many(hs_dom **out, const hs_graph *const *g, size_t n);

/** hs_dom_free() : NULL-safe. */
HS_API void hs_dom_free(hs_dom *d);

/** hs_dom_stats_get() : reachable and unreachable counts and sizes, and
 *  the tree's depth (hs_dom_stats); owned by d. */
HS_API const hs_dom_stats *hs_dom_stats_get(const hs_dom *d);

/** hs_dom_reachable() : 1 if node is reachable from a root, else 0. */
HS_API int hs_dom_reachable(const hs_dom *d, uint32_t node);

/**
 * hs_dom_idom() : node's immediate dominator: a node,
 * HS_GRAPH_SUPERROOT (nothing but the roots dominates it), or
 * HS_GRAPH_NONE (node is unreachable, or not a node).
 */
HS_API uint32_t hs_dom_idom(const hs_dom *d, uint32_t node);

/**
 * hs_dom_retained() : node's retained size; 0 for an unreachable node;
 * for HS_GRAPH_SUPERROOT, the total of every reachable object.
 */
HS_API uint64_t hs_dom_retained(const hs_dom *d, uint32_t node);

/**
 * hs_dom_children() : the nodes node immediately dominates (for
 * HS_GRAPH_SUPERROOT, the top of the tree), in no particular order.
 * The first call builds an index of 8 bytes per reachable node.
 * @param[out] out  valid until hs_dom_free().
 * @return 0, HS_ENOMEM.
 */
HS_API int hs_dom_children(hs_nodes *out, hs_dom *d, uint32_t node);

/**
 * hs_dom_top() : the reachable nodes of largest retained size, largest
 * first (ties: lower node first), leaving out those retaining less than
 * min_retained.
 * @param[out] count  how many were written.
 * @param[out] out    room for n nodes; n = 0 asks for every one that
 *                    qualifies, in *all (malloc'd, the caller frees; NULL
 *                    on error).
 * @return 0, HS_ENOMEM (*count is then 0).
 */
HS_API int hs_dom_top(size_t *count, uint32_t *out, size_t n, uint32_t **all,
		      const hs_dom *d, uint64_t min_retained);

/**
 * hs_dom_walk() : visit the dominator tree under `from` (a node or
 * HS_GRAPH_SUPERROOT; from itself is not visited) depth first: cb(node,
 * depth, 1, payload) before the nodes node dominates, cb(node, depth, 0,
 * payload) after them; depth is 1 for from's children.  A non-zero return
 * stops the walk and is returned (on entering, 1 skips the node's
 * subtree instead: HS_DOM_SKIP).  Iterative: any depth.  Builds the
 * children index (hs_dom_children).
 * @return 0, HS_ENOMEM, or cb's return.
 */
#define HS_DOM_SKIP 1
typedef int (*hs_dom_visit)(uint32_t node, uint32_t depth, int enter,
			    void *payload);
HS_API int hs_dom_walk(hs_dom *d, uint32_t from, hs_dom_visit cb, void *payload);

/** One line of a subtree listing (hs_dom_subtree): a node at a depth of
 *  the dominator tree, and what was left out under it. */
typedef struct {
	uint32_t node;
	uint32_t depth;          /**< 0 for the listing's top node */
	uint64_t dominated;      /**< the children it dominates, all of them
	                              (0 when they were not counted) */
	uint64_t more;           /**< of them, not listed (past the children
	                              bound, or below min_retained) */
	uint64_t more_retained;  /**< their retained sizes */
	int expanded;            /**< its children were considered */
} hs_dom_line;

/** The lines hs_dom_subtree() appends to, depth first.  Initialise with
 *  HS_DOM_LINES_INIT; pair with hs_dom_lines_release(). */
typedef struct {
	hs_dom_line *v;
	size_t n;
	size_t cap;              /**< internal: room in v */
	int cut;                 /**< max_lines reached: nothing more is
	                              appended */
} hs_dom_lines;

#define HS_DOM_LINES_INIT { NULL, 0, 0, 0 }

typedef struct {
	unsigned version;        /**< HS_DOM_SUBTREE_OPTIONS_VERSION */
	uint32_t depth;          /**< levels listed under the top node (0:
	                              the top node alone) */
	size_t children;         /**< children listed per node, largest
	                              first; 0 = all */
	uint64_t min_retained;   /**< children retaining less are not listed
	                              (counted in more) */
	size_t max_lines;        /**< lines in all at the most (then cut);
	                              0 = no bound */
	int count_top;           /**< count the top node's children
	                              (dominated) even at depth 0 */
} hs_dom_subtree_options;

#define HS_DOM_SUBTREE_OPTIONS_VERSION 1
#define HS_DOM_SUBTREE_OPTIONS_INIT \
	{ HS_DOM_SUBTREE_OPTIONS_VERSION, 0, 10, 0, 0, 0 }

/**
 * hs_dom_subtree() : append to L the dominator subtree under top, depth
 * first: top at depth 0, then under each listed node its children
 * largest first (ties: lower node first), opts->depth levels deep, at
 * most opts->children of them; the children not listed are summed into
 * their parent's line (more, more_retained).  Iterative: any depth.
 * Builds the children index (hs_dom_children) unless opts->depth is 0
 * and opts->count_top is not set.  Call it again to list several
 * subtrees one after another (dumpdom's top list); once L->cut is set it
 * appends nothing.
 * @param opts  NULL for HS_DOM_SUBTREE_OPTIONS_INIT.
 * @return 0 (also when the listing was cut: L->cut), HS_EINVAL (options
 *         version, or top is not a reachable node), HS_ENOMEM (L keeps the
 *         lines appended so far).
 */
HS_API int hs_dom_subtree(hs_dom_lines *L, hs_dom *d, uint32_t top,
			  const hs_dom_subtree_options *opts);

/** hs_dom_lines_release() : frees L's lines and empties it; NULL-safe. */
HS_API void hs_dom_lines_release(hs_dom_lines *L);

#ifdef __cplusplus
}
#endif
#endif
