/*
 * hs_jsonl.h - the JSON-lines form of a .snap (format/JSONL.md), both
 * ways: export reads a .snap record by record and prints one JSON object
 * per record; import parses such lines and writes a .snap through
 * hs_writer.  A .snap -> JSON lines -> .snap round trip gives the same
 * record sequence (frame and end records are regenerated, refs records
 * are folded into their object and split again by the writer).
 *
 * Export memory: a 64 KiB output buffer plus a copy of the largest
 * object's references (13 bytes each), because an object is printed only
 * once its continuation records are folded in.
 *
 * Import memory: the writer's (about 5 MiB), a 64 KiB read buffer, one
 * line's parsed fields (13 bytes per reference of the largest object) and
 * every declared type name and string (to intern names given as text).
 * Input is hostile: the limits below are enforced and every error names
 * the input, the line, the column and the cause:
 *
 *     x.jsonl: line 12, column 40: expected ',' or ']', got '}'
 *
 * Neither direction keeps global state; one call runs on one thread.
 */
#ifndef HS_JSONL_H
#define HS_JSONL_H

#include <stdio.h>

#include "hs_common.h"
#include "hs_reader.h"
#include "hs_writer.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest input line, in bytes (the newline excluded). */
#define HS_JSONL_LINE_MAX (256u << 20)
/** Deepest nesting of arrays and objects in a line (unknown keys' values
 *  included; the format itself needs 3). */
#define HS_JSONL_DEPTH_MAX 32
/** Longest JSON string literal, decoded, in bytes: room for a {"hex":...}
 *  spelling of an HS_STRING_MAX-byte string. */
#define HS_JSONL_STRING_MAX (2u * HS_STRING_MAX)

/** What a conversion did (either direction). */
typedef struct {
	uint64_t lines;    /**< JSON lines written or read (blank included) */
	uint64_t records;  /**< .snap records read or written (refs records
	                        counted once per object they were folded in) */
	uint64_t objects;
	uint64_t refs;     /**< references, over all objects */
	uint64_t skipped;  /**< export: records of unknown kinds, not printed */
} hs_jsonl_stats;

/**
 * hs_jsonl_export() : print every record of r, from its first, as JSON
 * lines into out.  The reader is rewound first.  In salvage mode (the
 * reader's default) damaged frames are skipped as the reader does; check
 * hs_reader_integrity() afterwards.  Records of kinds this library does
 * not know are skipped and counted in stats->skipped.
 * @param out_name  names the output in messages.
 * @param stats     NULL, or filled in (also on error, up to it).
 * @return 0, the reader's error (HS_ECORRUPT, HS_ELIMIT in strict mode,
 *         HS_ENOMEM), or the sink's (HS_EIO).
 */
HS_API int hs_jsonl_export(hs_reader *r, hs_sink out, const char *out_name,
			   hs_jsonl_stats *stats);

/** hs_jsonl_export_file() : hs_jsonl_export() into a stdio stream (the
 *  stream is flushed, not closed). */
HS_API int hs_jsonl_export_file(hs_reader *r, FILE *out, const char *out_name,
				hs_jsonl_stats *stats);

/**
 * hs_jsonl_import() : parse JSON lines from in (to its end) and write
 * them as the .snap snap_path (through PATH.tmp, renamed at the end; on
 * any error nothing is left at snap_path).
 * @param in_name  names the input in messages.
 * @param opts     NULL for the defaults with max_preview = HS_STRING_MAX
 *                 (so that no preview is cut); ref_mode is ignored: the
 *                 header line's "refs" decides it.
 * @param stats    NULL, or filled in (also on error, up to it).
 * @return 0, HS_ECORRUPT (malformed or inconsistent input), HS_ELIMIT (a
 *         limit above), HS_EVERSION (a newer format version), HS_EIO,
 *         HS_EINVAL (bad options), HS_ENOMEM.
 */
HS_API int hs_jsonl_import(FILE *in, const char *in_name, const char *snap_path,
			   const hs_writer_options *opts, hs_jsonl_stats *stats);

/** hs_jsonl_import_file() : hs_jsonl_import() from the file in_path
 *  (named by it in messages).  @return also HS_EIO if it cannot be
 *  opened. */
HS_API int hs_jsonl_import_file(const char *in_path, const char *snap_path,
				const hs_writer_options *opts, hs_jsonl_stats *stats);

/** hs_jsonl_import_sink() : as hs_jsonl_import(), the .snap bytes into a
 *  sink (named out_name in messages); on error the sink has a partial
 *  file. */
HS_API int hs_jsonl_import_sink(FILE *in, const char *in_name, hs_sink out,
				const char *out_name, const hs_writer_options *opts,
				hs_jsonl_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
