/*
 * hs_synth.h - deterministic synthetic heaps, streamed straight into an
 * hs_writer, for tests and benchmarks (the engine behind `dumpgen`).
 *
 * Everything about object j (its type, size, address, references) is a
 * pure function of (seed, shape, j): the generator never holds the heap.
 * Load: constant memory in HS_REFS_BY_INDEX mode (the current object's
 * reference arrays, up to about 200 KiB for the biggest container); in
 * HS_REFS_BY_ID mode also an address table of 0.5 byte per object (5 MiB
 * at 10M objects) filled by a first pass over the sizes, since a
 * reference to a later object must name its address.  Time: about
 * 100 ns per object plus the writer's own cost.
 *
 * Same options => byte-identical files (the header's time and pid are
 * fixed too).  Addresses do not depend on the reference mode, so an
 * id-mode and an index-mode file of one seed describe the same heap.
 *
 * Shapes (numbers are averages over large heaps; tests check ranges):
 *
 *   "service"  a generic server heap.  ~32 types with realistic names;
 *              shallow sizes mostly 16..64 bytes, ~0.5% "io.Buffer"s of
 *              1..100 KiB; 3.5..4.5 references per object, 70% of them
 *              to objects within +-1000 positions in allocation order
 *              (the file's order), 30% anywhere; ~1.3% of references
 *              weak (HS_REF_WEAK), among them the last reference of every
 *              "cache.Entry".  Per region of 65536 objects (fewer in
 *              small heaps, see below): one linked list of 2048..8192
 *              "list.Node"s, each held only by its predecessor, circular
 *              (the last node points at the head) in odd regions; one run
 *              of 512..2048 garbage objects that nothing outside the run
 *              references (unreachable, with cycles among themselves);
 *              two containers ("HashMap.Table") of 1024..5120 references.
 *              The heap starts with a container; in heaps of 131072
 *              objects or more it holds 20000 references (written with
 *              refs records).  Every object outside the garbage runs has
 *              a live referrer (a near reference "claims" the next object
 *              nobody references yet, as neighbours in allocation order
 *              refer to each other), so the unreachable objects are the
 *              garbage runs and next to nothing else.  No labels.
 *              Roots: 7 of the kinds "global", "thread", "stack", "jni"
 *              (labels "app.config", "main", "worker-1", ...), plus the
 *              "app.SESSIONS" root below.
 *   "python"   a Python service heap: str, int, float, bytes, tuple,
 *              list, dict, set, function, code, cell, method, type,
 *              module, weakref, app.Session, app.User, app.Request.
 *              1.1..1.4 references per object.  Every reference of a
 *              live object claims the next unreferenced object while one
 *              is at most 256 ahead (a traversal-order numbering: children
 *              follow their parent); the others go 70% within +-1000
 *              positions, 30% anywhere: about 85% land within +-1000.
 *              References from dicts, instances, functions, code
 *              objects, types and modules carry labels (dict keys and
 *              attribute names from a vocabulary of string records);
 *              str, bytes, int and float objects carry value previews;
 *              sizes as sys.getsizeof reports them.  Same regions
 *              (linked lists of "app.Node", garbage runs; only the
 *              garbage is unreachable); roots of the kinds "module" (the
 *              first holds object 0), "frame", "refcount" and "global".
 *   "bench4"   the foundation benchmark heap: 3..5 references per object
 *              (4 on average), 70% within +-1000 positions, 30% anywhere
 *              (uniform, no claims); 8 types, sizes 16..64; no lists,
 *              garbage runs, weak refs or labels; one root per 1M objects
 *              (at least 2).
 *
 * Regions: a heap of n objects is cut into regions of R objects, R =
 * 65536 when n >= 131072, else max(64, n / 2); list, garbage and
 * container sizes scale with R (lists R/32..R/8, garbage R/128..R/32,
 * containers R/64..5R/64 references).
 *
 * Addresses: the first object sits at 0x7f00'0000'0000 plus a
 * seed-dependent multiple of 256 MiB; each next object follows the
 * previous one's size rounded up to 16, plus a gap of 16..1024 bytes
 * after 1 object in 64 and of 64 KiB..1 MiB every 4096 objects.
 *
 * Phases and the leak: phase 1 and phase 2 of one seed hold the same n
 * objects with the same ids, types, sizes and references, except that
 * in phase 2
 *   - one more type, "leak.Session", is declared after all others;
 *   - K "leak.Session" objects follow the n objects (indices n..n+K-1,
 *     addresses after a 1 MiB gap), each of 64..128 bytes and holding
 *     one reference (labelled "user" in the python shape) to the target
 *     of the first root, which is a root itself;
 *   - the owner, an object of type "dict" (python) or "app.SessionMap"
 *     (other shapes) that the root labelled "app.SESSIONS" (kind
 *     "global") holds in both phases, references the K sessions after
 *     its own references; its shallow size does not change.
 * Nothing else references the sessions, so the owner's retained size
 * grows by exactly the sessions' total bytes, no other object's
 * dominator changes, and the heap's shallow total grows by the same
 * amount.  K defaults to n / 100 bounded to 10..1000000.
 * hs_synth_leak_info() gives the exact figures.
 */
#ifndef HS_SYNTH_H
#define HS_SYNTH_H

#include "hs_common.h"
#include "hs_writer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	HS_SYNTH_SERVICE = 0,
	HS_SYNTH_PYTHON = 1,
	HS_SYNTH_BENCH4 = 2
} hs_synth_shape;

/** Smallest and largest phase-1 object count the generator accepts. */
#define HS_SYNTH_OBJECTS_MIN 16u
#define HS_SYNTH_OBJECTS_MAX (1ull << 32)
/** Most leak objects a phase-2 heap may hold. */
#define HS_SYNTH_LEAK_MAX 100000000u

typedef struct {
	unsigned version;       /**< HS_SYNTH_OPTIONS_VERSION */
	hs_synth_shape shape;   /**< default HS_SYNTH_SERVICE */
	uint64_t objects;       /**< phase-1 objects; default 100000 */
	uint64_t seed;          /**< default 1 */
	unsigned phase;         /**< 1 or 2; default 1 */
	hs_ref_mode ref_mode;   /**< must equal the writer's; default by id */
	uint64_t leak_count;    /**< K of phase 2; 0 = n / 100 in 10..1000000 */
} hs_synth_options;

#define HS_SYNTH_OPTIONS_VERSION 1
#define HS_SYNTH_OPTIONS_INIT \
	{ HS_SYNTH_OPTIONS_VERSION, HS_SYNTH_SERVICE, 100000, 1, 1, \
	  HS_REFS_BY_ID, 0 }

/** What a generator run wrote. */
typedef struct {
	uint64_t objects;        /**< object records, leak included */
	uint64_t refs;           /**< references, leak included */
	uint64_t weak_refs;      /**< references flagged HS_REF_WEAK */
	uint64_t labelled_refs;  /**< references with a label */
	uint64_t local_refs;     /**< references within +-1000 positions */
	uint64_t max_refs;       /**< references of the biggest object */
	uint64_t shallow;        /**< sum of shallow sizes */
	uint64_t types, strings, roots;
	uint64_t list_nodes;     /**< objects in the linked lists */
	uint64_t garbage;        /**< objects in the garbage runs (other
	                              objects may be unreachable too) */
	uint64_t containers;     /**< "HashMap.Table" containers */
	uint64_t previews;       /**< objects with a value preview */
} hs_synth_stats;

/** The phase-2 leak's figures (see the file comment). */
typedef struct {
	uint64_t owner_index;    /**< the owner's index in the file */
	uint64_t owner_id;       /**< and its address */
	uint64_t owner_size;     /**< its shallow size (both phases) */
	const char *owner_type;  /**< "dict" or "app.SessionMap" */
	const char *root_label;  /**< "app.SESSIONS" */
	const char *type_name;   /**< "leak.Session" */
	uint64_t count;          /**< K */
	uint64_t total_bytes;    /**< shallow bytes of the K sessions */
	uint64_t first_index;    /**< n: the first session's index */
	uint64_t first_id;       /**< the first session's address */
	uint64_t user_index;     /**< the object each session references */
	uint64_t user_id;
} hs_synth_leak;

/**
 * hs_synth_shape_parse() : "service", "python" or "bench4".
 * @return 0, HS_EINVAL (unknown name).
 */
HS_API int hs_synth_shape_parse(hs_synth_shape *out, const char *name);

/** hs_synth_shape_name() : @return the shape's name, or "unknown". */
HS_API const char *hs_synth_shape_name(hs_synth_shape shape);

/**
 * hs_synth_header() : the header a generated file carries: runtime
 * "synthetic", runtime_version the shape's name, reason "dumpgen phase
 * N", fixed pid and time (phase 2 one minute after phase 1).  The
 * strings are constants.
 */
HS_API void hs_synth_header(hs_header *out, const hs_synth_options *opts);

/**
 * hs_synth_leak_info() : the leak's figures for these options (also for
 * phase 1: what phase 2 of the same seed adds).  Takes O(objects) time
 * and constant memory (addresses are summed up to the owner).
 * @return 0, HS_EINVAL (bad options).
 */
HS_API int hs_synth_leak_info(hs_synth_leak *out, const hs_synth_options *opts);

/**
 * hs_synth_write() : write the whole heap into w: types, strings,
 * objects, roots (not the header, which w's opening wrote: see
 * hs_synth_header(), nor the end record: close w afterwards).
 * w must have been opened with opts->ref_mode.  w may be NULL: the
 * heap is then generated and counted but written nowhere, which is how
 * a benchmark measures the generator's own cost.
 * @param[out] stats  NULL, or filled in on success.
 * @return 0, HS_EINVAL (bad options), HS_ENOMEM, or the writer's error
 *         (w is then failed: abort it).
 */
HS_API int hs_synth_write(hs_synth_stats *stats, hs_writer *w,
			  const hs_synth_options *opts);

/**
 * hs_synth_write_file() : open PATH with wopts (NULL for the defaults;
 * its ref_mode is replaced by opts->ref_mode) and hs_synth_header(),
 * generate, close.  On error PATH is left as it was.
 * @return as hs_synth_write(), or the writer's open/close error.
 */
HS_API int hs_synth_write_file(hs_synth_stats *stats, const char *path,
			       const hs_synth_options *opts,
			       const hs_writer_options *wopts);

#ifdef __cplusplus
}
#endif
#endif
