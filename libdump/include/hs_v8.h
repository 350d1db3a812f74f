/*
 * hs_v8.h - imports a V8 heap snapshot (the .heapsnapshot JSON that
 * Chrome DevTools, Node's v8.writeHeapSnapshot() and memlab write) into a
 * .snap, in bounded memory, so that every heapsnap tool answers for Node
 * and Chrome as it does for Python.  format/V8.md gives the mapping.
 *
 * The JSON is streamed once (plain, or gzip-compressed: detected by its
 * first bytes), never held: the field layout comes from snapshot.meta, the
 * nodes and edges go to scratch arrays (files without names in
 * opts.tmpdir, about 30 bytes per node and 9 per edge), read on two
 * threads; the strings - which V8 writes last - resolve the names, then
 * two walks over the scratch arrays apply DevTools' and memlab's
 * dominator rules and the objects are written with hs_writer.  Memory:
 * the writer's (about 6.5 MiB), the lexer's 64 KiB, two 0.5 MiB chunks,
 * 1 byte per node and per string, and opts.memory for the scratch read
 * at random (through caches when it is larger).
 *
 * Input is hostile: every limit below is checked, and every error names
 * the input, the line, the column and the byte offset in the JSON:
 *
 *     x.heapsnapshot: line 12, column 40 (byte 2301): edge to_node 17 is
 *     not a node offset (a multiple of 7 below 9380)
 *
 * Nothing is left behind on error: the output is written as PATH.tmp and
 * renamed at the end, the scratch files have no name.
 *
 * No global state; one call runs on one thread (plus the writer's).
 */
#ifndef HS_V8_H
#define HS_V8_H

#include <stdio.h>

#include "hs_common.h"
#include "hs_writer.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Nodes a snapshot may hold (node ordinals are packed in 29 bits). */
#define HS_V8_NODES_MAX ((1u << 29) - 2)
/** Edges a snapshot may hold (edge offsets are 32-bit). */
#define HS_V8_EDGES_MAX (UINT32_MAX - 1)
/** Fields per node or per edge in snapshot.meta. */
#define HS_V8_FIELDS_MAX 64
/** Node or edge types in snapshot.meta. */
#define HS_V8_TYPES_MAX 256
/** Bytes of a string kept (type names, labels); longer ones are cut on a
 *  UTF-8 boundary. */
#define HS_V8_NAME_MAX 1024
/** Bytes of a string node's value kept as its preview. */
#define HS_V8_PREVIEW_MAX 64
/** Nesting of the values skipped (trace_tree and unknown keys). */
#define HS_V8_DEPTH_MAX 4096

typedef struct {
	unsigned version;      /**< HS_V8_OPTIONS_VERSION */
	int redact;            /**< leave out the previews that hold program
	                            data (string, number, bigint, regexp and
	                            symbol values) */
	const char *tmpdir;    /**< scratch directory; NULL: $TMPDIR, else
	                            /tmp */
	size_t memory;         /**< scratch bytes kept in memory for reading
	                            at random; 0: 128 MiB */
	uint64_t pid;          /**< the header's pid (a snapshot has none);
	                            0: unknown */
	uint64_t time_ms;      /**< the header's time; 0: now */
} hs_v8_options;

#define HS_V8_OPTIONS_VERSION 1
#define HS_V8_OPTIONS_INIT { HS_V8_OPTIONS_VERSION, 0, NULL, 0, 0, 0 }

/** What an import read and wrote. */
typedef struct {
	uint64_t bytes;        /**< JSON bytes read (after gunzip) */
	uint64_t nodes, edges, strings;
	uint64_t objects;      /**< written: every node but the synthetic root */
	uint64_t refs;         /**< written: edges but those into the root */
	uint64_t root_refs;    /**< edges into the synthetic root (dropped:
	                            it is not an object of the .snap) */
	uint64_t roots;        /**< root records: the root's essential edges
	                            and the weak-only nodes */
	uint64_t weak_only;    /**< of them, nodes with only weak retainers */
	uint64_t weak_refs;    /**< references flagged weak, by rule: */
	uint64_t weak_edges;   /**<   V8's weak edges */
	uint64_t shortcuts;    /**<   shortcut edges from other nodes */
	uint64_t page_edges;   /**<   into page-owned nodes from others */
	uint64_t unreachable;  /**< nodes no root reaches (left unrooted) */
	uint64_t scratch;      /**< scratch bytes used (files) */
	int gzip;              /**< the input was gzip-compressed */
} hs_v8_stats;

/**
 * hs_v8_import() : read a V8 heap snapshot from in (to its end, plain or
 * gzip) and write it as the .snap snap_path (PATH.tmp renamed at the end;
 * on error nothing is left at snap_path).
 * @param in_name  names the input in messages.
 * @param v8o      NULL for the defaults.
 * @param wo       NULL for the writer's defaults; ref_mode is ignored
 *                 (references are written by index).
 * @param stats    NULL, or filled in (also on error, up to it).
 * @return 0, HS_ECORRUPT (not a heap snapshot, malformed, inconsistent),
 *         HS_ELIMIT (a limit above), HS_EIO (read, write, scratch),
 *         HS_EINVAL, HS_ENOMEM.
 */
HS_API int hs_v8_import(FILE *in, const char *in_name,
			const char *snap_path, const hs_v8_options *v8o,
			const hs_writer_options *wo, hs_v8_stats *stats);

/** hs_v8_import_file() : hs_v8_import() from the file in_path. */
HS_API int hs_v8_import_file(const char *in_path, const char *snap_path,
			     const hs_v8_options *v8o,
			     const hs_writer_options *wo, hs_v8_stats *stats);

/** hs_v8_import_sink() : as hs_v8_import(), the .snap bytes into a sink
 *  (named out_name in messages); on error the sink has a partial file. */
HS_API int hs_v8_import_sink(FILE *in, const char *in_name, hs_sink out,
			     const char *out_name, const hs_v8_options *v8o,
			     const hs_writer_options *wo, hs_v8_stats *stats);

/**
 * hs_v8_sniff() : whether the first bytes of a file look like a V8 heap
 * snapshot: gzip's magic, or '{' then "snapshot" as the first key
 * (whitespace allowed).  n may be short (the whole file).
 * @return 1 (JSON), 2 (gzip: the caller cannot tell more without
 *         decompressing), 0 (neither).
 */
HS_API int hs_v8_sniff(const void *head, size_t n);

#ifdef __cplusplus
}
#endif
#endif
