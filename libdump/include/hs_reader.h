/*
 * hs_reader.h - reads a .snap file record by record, in constant memory,
 * or frame-parallel through a callback.
 *
 * The file is mapped read-only; one decompressed frame (at most
 * max_frame_bytes) is held per decoding thread.  Every input is treated
 * as hostile: lengths are checked against the bytes present, nesting is
 * bounded, a frame may not expand past max_frame_bytes.
 *
 * A damaged or truncated file is salvaged: every frame that decompresses
 * and parses is delivered, and what was lost (byte offsets, frames,
 * objects where the trailer or the frame records say) is reported by
 * hs_reader_integrity().  With the strict option, the first damage is an
 * error instead.
 */
#ifndef HS_READER_H
#define HS_READER_H

#include "hs_record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hs_reader hs_reader;

typedef struct {
	unsigned version;        /**< HS_READER_OPTIONS_VERSION (1: without
	                              max_ratio) */
	size_t max_frame_bytes;  /**< decompressed bytes per frame; default
	                              and most 64 MiB (4 x HS_FRAME_SIZE_MAX) */
	int strict;              /**< fail on the first damage, not salvage */
	uint64_t max_ratio;      /**< a pass decompresses at most this many
	                              times the file's size; 0: the default,
	                              HS_READER_RATIO_DEFAULT; UINT64_MAX: no
	                              bound.  Shared among the frames in file
	                              order at open: a frame past the budget
	                              is lost (HS_ELIMIT), as is one that
	                              declares no size and expands past
	                              max_ratio times its own size */
} hs_reader_options;

#define HS_READER_OPTIONS_VERSION 2
#define HS_READER_OPTIONS_INIT { HS_READER_OPTIONS_VERSION, 0, 0, 0 }

/** The default decompression budget: 1024 times the file's size.  Real
 *  dumps expand 2 to 15 times (a frame of a million identical
 *  references, 7000 times, within a file of other objects); a file that
 *  expands more is a bomb, or needs the option raised. */
#define HS_READER_RATIO_DEFAULT 1024

/** What the file's header record says (strings NUL-terminated, owned by
 *  the reader). */
typedef struct {
	unsigned version;
	hs_ref_mode ref_mode;
	hs_header header;
} hs_snapinfo;

/** One zstd data frame of the file. */
typedef struct {
	uint64_t offset;       /**< byte offset in the file */
	uint64_t csize;        /**< compressed bytes */
	uint64_t dsize;        /**< decompressed bytes, 0 if unknown */
	uint64_t records;      /**< from the trailer, 0 if unknown */
	uint64_t objects;      /**< from the trailer, 0 if unknown */
	uint64_t first_object; /**< index of its first object (trailer) */
} hs_frame_info;

typedef enum {
	HS_INTEGRITY_COMPLETE = 0,  /**< trailer, end record, every frame */
	HS_INTEGRITY_TRUNCATED = 1, /**< the file stops early; all of it
	                                 that is there was read */
	HS_INTEGRITY_SALVAGED = 2   /**< some frames were damaged and skipped */
} hs_integrity_status;

typedef struct {
	hs_integrity_status status;
	int has_trailer;         /**< a valid trailer was found */
	int has_end;             /**< the end record was read */
	uint64_t frames_ok;      /**< data frames read */
	uint64_t frames_lost;    /**< data frames damaged or cut short */
	uint64_t bytes_lost;     /**< file bytes that could not be read */
	int64_t objects_lost;    /**< objects in lost frames, -1 if unknown */
	uint64_t first_loss;     /**< file offset of the first loss */
	char problem[256];       /**< the first problem, with its offset */
} hs_integrity;

/**
 * hs_reader_open() : map PATH, check the magic and version, locate the
 * frames (from the trailer, else by walking frame headers) and read the
 * header record.
 * @param[out] out  pair with hs_reader_free().
 * @param opts      NULL for the defaults.
 * @return 0, HS_EIO (cannot open or map), HS_ECORRUPT (not a .snap, or
 *         no readable header), HS_EVERSION (newer major version), HS_ENOMEM.
 */
HS_API int hs_reader_open(hs_reader **out, const char *path,
			  const hs_reader_options *opts);

/** hs_reader_open_mem() : as hs_reader_open() over a caller's buffer, which
 *  must outlive the reader.  name is used in messages. */
HS_API int hs_reader_open_mem(hs_reader **out, const void *data, size_t len,
			      const char *name, const hs_reader_options *opts);

/** hs_reader_free() : unmap and free.  NULL-safe. */
HS_API void hs_reader_free(hs_reader *r);

/** hs_reader_info() : the header record's content. */
HS_API const hs_snapinfo *hs_reader_info(const hs_reader *r);

/** hs_reader_name() : the path or name the reader was opened with. */
HS_API const char *hs_reader_name(const hs_reader *r);

/** hs_reader_decompressed() : bytes decompressed since the reader was
 *  opened or rewound (a pass reads each frame once; a frame with a bad
 *  record is decompressed only up to it): the work a file cost, whatever
 *  it claims.  At most max_ratio times the file's size per pass. */
HS_API uint64_t hs_reader_decompressed(const hs_reader *r);

/** hs_reader_file_size() : bytes in the file. */
HS_API uint64_t hs_reader_file_size(const hs_reader *r);

/**
 * hs_reader_frames() : the data frames found at open.
 * @param[out] out  an array owned by the reader, valid until it is freed.
 * @return their number.
 */
HS_API size_t hs_reader_frames(const hs_frame_info **out, const hs_reader *r);

/**
 * hs_reader_trailer_totals() : the totals the trailer declares, in the
 * end record's order: objects, refs, types, strings, roots, shallow.
 * @param[out] out  six counts; zeroed when there is no trailer.
 * @return 0, or HS_ENOTFOUND when the file has no valid trailer.
 */
HS_API int hs_reader_trailer_totals(uint64_t out[6], const hs_reader *r);

/**
 * hs_reader_next() : the next record in file order, from the header to the
 * end record.  Damaged frames are skipped and recorded (see integrity)
 * unless opts.strict.
 * @param[out] rec  filled in; its pointers are valid until the next call.
 * @return 0, HS_ITEROVER after the last record, HS_ECORRUPT/HS_ELIMIT
 *         (strict mode), HS_ENOMEM.
 */
HS_API int hs_reader_next(hs_record *rec, hs_reader *r);

/** hs_reader_rewind() : restart hs_reader_next() from the first record,
 *  forgetting what integrity had recorded. */
HS_API void hs_reader_rewind(hs_reader *r);

/** hs_reader_seek() : continue hs_reader_next() from the first record of
 *  data frame `frame` (an index into hs_reader_frames()), for reading one
 *  object's record without a full pass (hs_graph_label()).  Such a pass
 *  says nothing reliable about integrity.
 *  @return 0, HS_EINVAL (no such frame). */
HS_API int hs_reader_seek(hs_reader *r, size_t frame);

/** hs_reader_seek_object() : as hs_reader_seek(), then on to object
 *  record `index` (its file index) of that frame, which the next
 *  hs_reader_next() returns.  When the frame is the one hs_reader_next()
 *  last decoded, nothing is decompressed again: the positions of its
 *  object records are kept (16 bytes each), so that going back and forth
 *  in one frame (labels along a path) costs no decoding.  Otherwise the
 *  frame is decoded and read from its start.
 *  @return 0, HS_EINVAL (no such frame). */
HS_API int hs_reader_seek_object(hs_reader *r, size_t frame, uint64_t index);

/** Called for each record by hs_reader_scan(); worker is 0..threads-1.
 *  A non-zero return stops the scan, which returns it. */
typedef int (*hs_record_cb)(const hs_record *rec, unsigned worker,
			    void *payload);

/**
 * hs_reader_scan() : deliver every record of every frame, frames decoded
 * on `threads` threads (0 = one per core; at most HS_THREADS_MAX, and no
 * more than there are frames).  The records of one frame come
 * in order on one worker; frames come in no particular order.  Object
 * indices are exact even so (each frame records its first index).
 * Damage is recorded as by hs_reader_next().
 * @return 0, a callback's non-zero return, HS_ENOMEM, HS_ERROR (threads),
 *         HS_ECORRUPT/HS_ELIMIT (strict mode).
 */
HS_API int hs_reader_scan(hs_reader *r, unsigned threads, hs_record_cb cb,
			  void *payload);

/**
 * hs_reader_integrity() : what the last full pass (hs_reader_next to
 * HS_ITEROVER, or hs_reader_scan) found.  Before a pass, it reports what
 * open found (trailer or not).
 */
HS_API void hs_reader_integrity(hs_integrity *out, const hs_reader *r);

/** hs_integrity_status_name() : "complete", "truncated" or "salvaged". */
HS_API const char *hs_integrity_status_name(hs_integrity_status s);

#ifdef __cplusplus
}
#endif
#endif
