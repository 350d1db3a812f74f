/*
 * hs_graph.h - a .snap loaded into compact arrays for analysis.
 *
 * Objects get dense indices 0..n-1 (file order).  References are kept in
 * CSR form, forward and (opts.reverse) reverse, as uint32 indices with
 * one flag byte each; types, shallow sizes and ids are arrays (20 bytes
 * per object and 5 per reference in all, see graph.c); labels are not kept but
 * read on demand from the file (hs_graph_label), since only paths need
 * them.  A reference to an id that is not in the dump is dropped and
 * counted (hs_graph_stats), never fatal.  A virtual super-root, index
 * HS_GRAPH_SUPERROOT, points at every root.
 *
 * The graph is read-only after loading and may be used from several
 * threads at once.  Loading decodes frames on all cores.
 */
#ifndef HS_GRAPH_H
#define HS_GRAPH_H

#include "hs_reader.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HS_GRAPH_SUPERROOT UINT32_MAX  /**< the virtual node over all roots */
#define HS_GRAPH_NONE (UINT32_MAX - 1) /**< "no object" */

typedef struct hs_graph hs_graph;

typedef struct {
	unsigned version;   /**< HS_GRAPH_OPTIONS_VERSION (1: without
	                         max_ratio) */
	unsigned threads;   /**< decoding threads; 0 = one per core; at
	                         most HS_THREADS_MAX */
	int reverse;        /**< also build the reverse CSR (referrers) */
	uint64_t max_ratio; /**< hs_reader_options.max_ratio, for every
	                         reading of the file (labels too) */
	int runtime_sizes;  /**< each object's size is the runtime's own
	                         (hs_object.rt_size, Python's sys.getsizeof)
	                         where the file gives one, not the size
	                         it allocates (version 3) */
} hs_graph_options;

#define HS_GRAPH_OPTIONS_VERSION 3
#define HS_GRAPH_OPTIONS_INIT { HS_GRAPH_OPTIONS_VERSION, 0, 1, 0, 0 }

/** Counts found while loading. */
typedef struct {
	uint64_t objects, refs, weak_refs, roots, types, strings;
	uint64_t shallow;         /**< sum of shallow sizes */
	uint64_t missing_refs;    /**< references to ids not in the dump */
	uint64_t missing_roots;   /**< roots naming ids not in the dump */
	uint64_t duplicate_ids;   /**< later objects with an id seen before:
	                               each stays a node of its own, but
	                               references to the id and
	                               hs_graph_find_id() name the first.  In
	                               index mode: objects whose index another
	                               frame claimed first, plus, once
	                               hs_graph_find_id() has built its table,
	                               repeated ids */
	hs_integrity integrity;   /**< what the reader found */
	uint64_t stray_refs;      /**< references in refs records that do not
	                               follow their owner object (dropped) */
	uint64_t bad_types;       /**< objects naming an undeclared type
	                               (given type hs_graph_type_count()-1,
	                               named "(undeclared)") */
	uint64_t clamped_sizes;   /**< objects whose shallow size was over
	                               HS_GRAPH_SIZE_MAX, or over 2^64 /
	                               objects, and counts as that */
} hs_graph_stats;

/** The largest shallow size an object counts for: 2^48 bytes (256 TiB,
 *  the address space of x86-64 and arm64).  A file claiming more, or
 *  claiming sizes that would sum past 2^64 over its objects, is lying;
 *  such sizes are clamped (hs_graph_stats.clamped_sizes), so that no
 *  total, retained size or difference computed from a graph wraps. */
#define HS_GRAPH_SIZE_MAX (UINT64_C(1) << 48)

/** A span of edges: targets (or sources, for hs_graph_in) and flags. */
typedef struct {
	const uint32_t *node;
	const uint8_t *flags;  /**< HS_REF_* per edge */
	size_t n;
} hs_edges;

/** One root. */
typedef struct {
	uint32_t node;        /**< object index */
	uint32_t kind;        /**< index into hs_graph_root_kind() */
	hs_str label;         /**< may be empty */
	uint64_t extra;
} hs_root;

/**
 * hs_graph_load() : load a whole .snap.
 * @param[out] out  pair with hs_graph_free().
 * @return 0, HS_EIO/HS_ECORRUPT/HS_EVERSION (as hs_reader_open), HS_ENOMEM,
 *         HS_ELIMIT (more than 2^32-2 objects or references: offsets
 *         are 32-bit, which saves 4 bytes per object).  A damaged file loads what
 *         could be salvaged; stats.integrity says what was lost.
 */
HS_API int hs_graph_load(hs_graph **out, const char *path,
			 const hs_graph_options *opts);

/** The most graphs one hs_graph_load_many() call takes. */
#define HS_GRAPH_LOAD_MANY_MAX 16

/**
 * hs_graph_load_many() : hs_graph_load() of n files at once, one thread
 * per file (each load still decodes on opts->threads threads): the steps
 * of one load that run on one thread overlap the other's; memory is the
 * sum of both loads'.
 * @param[out] out  n graphs, each paired with hs_graph_free(); all NULL
 *                  on error.
 * @return 0, HS_EINVAL (n over HS_GRAPH_LOAD_MANY_MAX), or the first
 *         failing load's error (its message is kept).  A thread that
 *         cannot start has its file loaded on the caller's thread.
 */
HS_API int hs_graph_load_many(hs_graph **out, const char *const *paths,
			      const hs_graph_options *opts, size_t n);

/** hs_graph_free() : NULL-safe. */
HS_API void hs_graph_free(hs_graph *g);

/*
 * The accessors below read g's arrays, from any number of threads at once,
 * without I/O or allocation - except where their comment says otherwise:
 * previews and labels are read from the file, and hs_graph_find_id()
 * builds its table on first use (under g's lock).  A node outside
 * 0..hs_graph_count()-1 (or a type, root or kind outside its range) is not
 * an error: each says what it returns for one.  Pointers and strings they
 * return are owned by g and valid until hs_graph_free().
 */

/** hs_graph_stats_get() : the counts found while loading (hs_graph_stats),
 *  what was dropped or damaged included. */
HS_API const hs_graph_stats *hs_graph_stats_get(const hs_graph *g);
/** hs_graph_info() : the file's header: runtime, pid, time, reason... */
HS_API const hs_snapinfo *hs_graph_info(const hs_graph *g);
/** hs_graph_path() : the path g was loaded from, as given. */
HS_API const char *hs_graph_path(const hs_graph *g);

/** hs_graph_reader_open() : open g's file again, with the reader options
 *  g was loaded with (for a pass over records the graph does not keep).
 *  @param[out] out  pair with hs_reader_free().
 *  @return as hs_reader_open(). */
HS_API int hs_graph_reader_open(hs_reader **out, const hs_graph *g);

/** hs_graph_count() : the number of objects, n; nodes are 0..n-1, in file
 *  order. */
HS_API uint32_t hs_graph_count(const hs_graph *g);
/** hs_graph_id() : node's id (the runtime's address); 0 for no node. */
HS_API uint64_t hs_graph_id(const hs_graph *g, uint32_t node);
/** hs_graph_type() : node's type index (see hs_graph_type_name());
 *  HS_GRAPH_NONE for no node. */
HS_API uint32_t hs_graph_type(const hs_graph *g, uint32_t node);
/** hs_graph_size() : node's shallow size in bytes; 0 for no node. */
HS_API uint64_t hs_graph_size(const hs_graph *g, uint32_t node);
/** hs_graph_preview() : the object's preview (kind NONE if it has none).
 *  Read from the file on demand. */
HS_API int hs_graph_preview(hs_value *out, hs_buf *storage, const hs_graph *g,
			    uint32_t node);

/**
 * hs_graph_previews() : the previews of many objects, reading each frame
 * that holds some of them once, in file order.  cb(node, value, payload)
 * is called once per distinct node, in node order; the value's bytes are
 * valid during the call.  A non-zero return from cb stops and is
 * returned.
 * @return 0, HS_EINVAL (not a node), HS_ECORRUPT/HS_EIO (the file changed
 *         or went away), HS_ENOMEM, or cb's return.
 */
typedef int (*hs_preview_cb)(uint32_t node, const hs_value *v,
			     void *payload);
HS_API int hs_graph_previews(hs_graph *g, const uint32_t *nodes, size_t n,
			     hs_preview_cb cb, void *payload);

/** hs_graph_type_count() : the number of types; type indices are
 *  0..count-1 (the last is "(undeclared)" when stats.bad_types > 0). */
HS_API uint32_t hs_graph_type_count(const hs_graph *g);
/** hs_graph_type_name() : the type's name as the file has it (any bytes,
 *  not NUL-terminated); empty for no type. */
HS_API hs_str hs_graph_type_name(const hs_graph *g, uint32_t type);
/** hs_graph_type_find() : @return the first type index with that name,
 *  or HS_GRAPH_NONE. */
HS_API uint32_t hs_graph_type_find(const hs_graph *g, const char *name);

/*
 * Types that share a name.  Every type record is a type of its own, and
 * several may have one name: a Python class or namedtuple made per call
 * gives one type record per class object ("classes").  The analyses group
 * types by name unless asked to split them (HS_TYPES_SPLIT, ...); these
 * tell which types belong together.
 */
/** hs_graph_type_first() : the lowest type index whose name is type's
 *  (type itself when its name is its own); type for a type out of range. */
HS_API uint32_t hs_graph_type_first(const hs_graph *g, uint32_t type);
/** hs_graph_type_classes() : how many types have type's name (>= 1; 0
 *  for a type out of range). */
HS_API uint32_t hs_graph_type_classes(const hs_graph *g, uint32_t type);
/**
 * hs_graph_type_id() : the id of the object that is this type (a class
 * object's address), when its type record gives one (hs_writer_type_id).
 * @return 0, HS_ENOTFOUND (no id recorded; *out is 0).
 */
HS_API int hs_graph_type_id(uint64_t *out, const hs_graph *g, uint32_t type);
/** hs_graph_find_id() : @return the node with that id, or HS_GRAPH_NONE.
 *  In index mode the first call builds an id table (8 to 16 bytes per
 *  object; a linear search when that memory is not to be had). */
HS_API uint32_t hs_graph_find_id(const hs_graph *g, uint64_t id);

/** hs_graph_out() : node's references (targets and flags), in the order
 *  the file lists them; for HS_GRAPH_SUPERROOT, the root objects, each
 *  once; none (n = 0) for no node.  References to ids not in the dump are
 *  not there (stats.missing_refs). */
HS_API hs_edges hs_graph_out(const hs_graph *g, uint32_t node);
/**
 * hs_graph_csr() : the forward CSR itself, for analyses that walk every
 * edge: node v's targets are node[off[v]] .. node[off[v+1]-1], with
 * flags[] beside them; off has hs_graph_count()+1 entries.  Owned by g.
 */
HS_API void hs_graph_csr(const uint32_t **off, const uint32_t **node,
			 const uint8_t **flags, const hs_graph *g);

/** hs_graph_types() : the per-node type array (owned by g). */
HS_API const uint32_t *hs_graph_types(const hs_graph *g);

/** hs_graph_in() : the objects that refer to node (sources and flags);
 *  none (n = 0) for no node, or when g was loaded without opts.reverse
 *  (hs_graph_has_referrers()).  A root's referrers do not include the
 *  super-root: see hs_graph_is_root(). */
HS_API hs_edges hs_graph_in(const hs_graph *g, uint32_t node);
/** hs_graph_is_root() : 1 when some root record names node, else 0. */
HS_API int hs_graph_is_root(const hs_graph *g, uint32_t node);
/** hs_graph_has_referrers() : 1 when g was loaded with opts.reverse, so
 *  that hs_graph_in() answers; else 0. */
HS_API int hs_graph_has_referrers(const hs_graph *g);

/** hs_graph_root_count() : the root records whose object is in the dump
 *  (one object may be named by several). */
HS_API size_t hs_graph_root_count(const hs_graph *g);
/** hs_graph_root() : the i-th of them, in file order; NULL past the end. */
HS_API const hs_root *hs_graph_root(const hs_graph *g, size_t i);
/** hs_graph_root_kind_count() : the distinct root kinds ("frame",
 *  "global"...); hs_root.kind indexes them. */
HS_API uint32_t hs_graph_root_kind_count(const hs_graph *g);
/** hs_graph_root_kind() : a kind's name (any bytes); empty for no kind. */
HS_API hs_str hs_graph_root_kind(const hs_graph *g, uint32_t kind);

/**
 * hs_graph_label() : the label of the k-th out-edge of node, read from
 * the file (one frame decoded; a small cache makes walks along a path
 * cheap).  storage holds the text; out->ptr is NULL when the edge has no
 * label.  An unlabelled item of an object whose type is HS_TYPE_SEQUENCE
 * reads as "[j]", its place among the object's unlabelled references.  Calls on one graph are serialised by a lock (the file reader
 * and the cache are shared), as are hs_graph_preview(s).
 */
HS_API int hs_graph_label(hs_str *out, hs_buf *storage, hs_graph *g, uint32_t node,
			  size_t k);

/**
 * hs_graph_labels() : the labels of many edges at once: edge edges[i] of
 * nodes[i] for i < n, read in one pass over the frames they live in
 * (each decoded once, in file order, read on from one object to the next
 * asked for), where hs_graph_label() decodes a frame per call.  A path of
 * a million steps costs one read of its frames, not a million.
 * @param[out] out  n labels; ptr NULL for an edge without one.  The text
 *                  is the graph's: valid until hs_graph_free().
 * @return 0, HS_EINVAL (no such node or edge), HS_ENOMEM, HS_EIO,
 *         HS_ECORRUPT (the file changed since it was loaded).
 */
HS_API int hs_graph_labels(hs_str *out, hs_graph *g, const uint32_t *nodes,
			   const size_t *edges, size_t n);

#ifdef __cplusplus
}
#endif
#endif
