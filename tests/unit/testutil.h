/*
 * testutil.h - helpers shared by the unit suites: a canonical one-line
 * text for every record (from hs_reader, from msgpack-c's unpacker, and
 * from what a test meant to write), a recording writer that builds small
 * snaps in memory while noting what a reader must deliver, random graphs,
 * hand-crafted files (msgpack-c + ZSTD_compress) and file helpers.
 *
 * Comparing records as text keeps every check exact (floats print with
 * %a, bytes as hex) and makes a failure print the two differing records.
 * Everything here aborts on allocation failure: it is test code.
 */
#ifndef HS_TESTUTIL_H
#define HS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "hs_reader.h"
#include "hs_writer.h"

/* hs_vec_grow() (libdump/vec.h) for test data: aborts where it fails */
void tu_grow(void **p, size_t *cap, size_t need, size_t elem);

/* ---- string vectors -------------------------------------------------- */

typedef struct {
	char **v;
	size_t n, cap;
} tu_strv;

#define TU_STRV_INIT { NULL, 0, 0 }

void tu_strv_push(tu_strv *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* takes ownership of a malloc'd string */
void tu_strv_take(tu_strv *sv, char *s);
void tu_strv_free(tu_strv *sv);
void tu_strv_sort(tu_strv *sv);
void tu_strv_copy(tu_strv *dst, const tu_strv *src);
/* 1 when equal; else prints the first difference (labelled) on stderr */
int tu_strv_eq(const tu_strv *a, const tu_strv *b, const char *what);
/* 1 when a is a subsequence of b (in order, gaps allowed) */
int tu_strv_subseq(const tu_strv *a, const tu_strv *b);

/* ---- canonical record text ------------------------------------------ */

/* The one-line text of a delivered record (malloc'd).  Object refs are
 * absolute; object records carry their index. */
char *tu_record_text(const hs_record *rec);

/* Reads every record with hs_reader_next() into out (and, when
 * frame_offsets is non-NULL, each record's frame offset beside it).
 * @return the call's last return: HS_ITEROVER after a full pass. */
int tu_read_all(hs_reader *r, tu_strv *out, uint64_t **frame_offsets);

/* State of tu_msgpack_records across calls (one call per frame). */
typedef struct {
	int ref_mode;          /* from the header record */
	uint64_t next_index;   /* objects seen so far */
	uint64_t frames;       /* frame records seen */
	uint64_t prev_id;      /* the frame's previous object id (ids are
	                          written as deltas from it, FORMAT.md 4.4) */
} tu_mpstate;

#define TU_MPSTATE_INIT { 0, 0, 0, 0 }

/* Decodes a plain msgpack record stream with msgpack-c's unpacker
 * (msgpack_unpack_next), an implementation independent of libdump's,
 * into record texts; frame records are included as "F n=.. first=..",
 * and their first index is checked against the objects seen.
 * @return 0, or -1 with the reason on stderr (bytes left over, a record
 * that is not an array with a known tag...). */
int tu_msgpack_records(tu_mpstate *st, const void *data, size_t len,
		       tu_strv *out);

/* Decompresses every zstd frame of a .snap (skippable frames skipped)
 * with ZSTD_decompressStream; frame_ends[i] = decompressed offset where
 * data frame i ends.  @return 0 or -1. */
int tu_zstd_decompress_all(const void *data, size_t len, unsigned char **out,
			   size_t *out_len, size_t **frame_ends,
			   size_t *nframes);

/* ---- a recording writer ----------------------------------------------- */

/* The header every tu_snap writes. */
#define TU_RUNTIME "unit"
#define TU_RUNTIME_VERSION "1.2.3"
#define TU_PID 4242u
#define TU_TIME_MS 1700000000123ull
#define TU_REASON "test"

typedef struct {
	hs_writer *w;
	hs_buf buf;          /* the file, for memory snaps */
	tu_strv expect;      /* what hs_reader_next must deliver, in order */
	hs_writer_options o;
	uint64_t nobjects, nrefs, ntypes, nstrings, nsites, nroots, shallow;
	uint64_t last_owner;
} tu_snap;

/* Opens a writer into memory (opts NULL = defaults) and notes the header.
 * @return the writer's return code. */
int tu_snap_open(tu_snap *s, const hs_writer_options *opts);
/* As tu_snap_open, on a file PATH (s->buf stays empty). */
int tu_snap_open_path(tu_snap *s, const char *path,
		      const hs_writer_options *opts);
uint32_t tu_snap_type(tu_snap *s, const char *name, size_t len);
/* A type record that gives the id of the object that is the type. */
uint32_t tu_snap_type_id(tu_snap *s, const char *name, size_t len,
			 uint64_t id);
uint32_t tu_snap_string(tu_snap *s, const char *str, size_t len);
uint32_t tu_snap_site(tu_snap *s, const uint32_t *files,
		      const uint32_t *lines, const uint32_t *funcs, size_t n);
/* Writes o and notes the records a reader must deliver (split into
 * object + refs records past HS_REFS_PER_RECORD, preview cut to
 * max_preview on a UTF-8 boundary).  Fails the test on error. */
void tu_snap_object(tu_snap *s, const hs_object *o);
void tu_snap_refs(tu_snap *s, const uint64_t *refs, const uint32_t *labels,
		  const uint8_t *flags, size_t n);
void tu_snap_root(tu_snap *s, uint64_t ref, const char *kind,
		  const char *label, uint64_t extra);
/* Closes the writer (noting the end record).  @return its code. */
int tu_snap_close(tu_snap *s);
void tu_snap_free(tu_snap *s);

/* Writes a random graph of about nobjects objects into s (opened): random
 * types and strings (UTF-8, binary, empty), sites, objects with labels,
 * flags, previews of every kind, sites, roots; big_every > 0 makes every
 * big_every-th object exceed HS_REFS_PER_RECORD references. */
void tu_random_graph(tu_snap *s, uint64_t seed, size_t nobjects,
		     size_t big_every);

/* A small deterministic snap in memory: nobjects objects, frame_size 4096
 * (so several frames), the given ref mode.  expect gets the records. */
void tu_small_snap(hs_buf *file, tu_strv *expect, size_t nobjects,
		   hs_ref_mode mode, uint64_t seed);

/* ---- hand-crafted files ----------------------------------------------- */

/* One data frame being crafted: records packed with msgpack-c. */
typedef struct {
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint64_t records, objects, first_object;
} tu_frame;

void tu_frame_init(tu_frame *f);
void tu_frame_destroy(tu_frame *f);
/* packs the frame record [2, no, first] */
void tu_frame_start(tu_frame *f, uint64_t no, uint64_t first);
/* packs a version-1 header record of 10 fields plus `extra` nils */
void tu_frame_header(tu_frame *f, unsigned version, hs_ref_mode mode,
		     unsigned extra);

/* Appends the start frame (HSNAP, version) to file. */
void tu_craft_start(hs_buf *file, unsigned version);
/* Compresses f as one zstd frame (content size in the frame header or
 * not) with a checksum and appends it; *info gets its trailer entry. */
void tu_craft_frame(hs_buf *file, const tu_frame *f, int content_size,
		    hs_frame_info *info);
/* Appends raw bytes compressed as one frame (content size declared). */
void tu_craft_raw_frame(hs_buf *file, const void *data, size_t len,
			int content_size);
/* Appends a trailer listing frames[0..n) and totals[6], with a correct
 * checksum. */
void tu_craft_trailer(hs_buf *file, const hs_frame_info *frames, size_t n,
		      const uint64_t totals[6]);

/* ---- misc -------------------------------------------------------------- */

/* Frames decompressed whole by libheapsnap (ZSTD_decompressDCtx calls,
 * counted through the linker's --wrap): a measure of reading work that
 * does not depend on the machine's speed. */
extern unsigned long tu_frame_decodes;

/* xorshift64* */
uint64_t tu_rand(uint64_t *state);
/* writes len bytes to path (0600); aborts on failure */
void tu_write_file(const char *path, const void *data, size_t len);
/* reads a whole file; @return 0 or -1 */
int tu_read_file(const char *path, unsigned char **data, size_t *len);
int tu_exists(const char *path);
/* "<tmpdir>/name" in a static rotating buffer */
const char *tu_path(const char *name);
/* 1 when s contains sub */
int tu_contains(const char *s, const char *sub);

#endif
