/*
 * hs_summary.h - what a .snap file holds, in one streaming pass: its
 * header, counts and totals, roots by kind, the largest object, the
 * frames, and how intact the file is.  The library behind `dumpinfo`.
 *
 * The pass decodes frames on all cores through hs_reader_scan() and keeps
 * counters only: memory is a few KiB per thread, up to 1 MiB of type
 * names per thread (to name the largest object's type without a second
 * pass; past that, a partial sequential pass finds it), and 64 bytes per
 * frame, whatever the number of objects.  Nothing is kept per object.
 */
#ifndef HS_SUMMARY_H
#define HS_SUMMARY_H

#include "hs_reader.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Root kinds counted by name; roots of further kinds count in
 *  hs_summary.roots_other (a hostile file could name a kind per root). */
#define HS_SUMMARY_KINDS_MAX 64
/** Longest root kind counted by name, in bytes; longer ones are "other". */
#define HS_SUMMARY_KIND_LEN_MAX 256
/** Slots of hs_summary.records: [tag] for tags 1..9, [0] for unknown tags. */
#define HS_SUMMARY_RECORD_KINDS 10

typedef struct {
	unsigned version;   /**< HS_SUMMARY_OPTIONS_VERSION (1: without
	                         max_ratio) */
	unsigned threads;   /**< decoding threads; 0 = one per core; at
	                         most HS_THREADS_MAX */
	uint64_t max_ratio; /**< hs_reader_options.max_ratio, for
	                         hs_summary_read() */
} hs_summary_options;

#define HS_SUMMARY_OPTIONS_VERSION 2
#define HS_SUMMARY_OPTIONS_INIT { HS_SUMMARY_OPTIONS_VERSION, 0, 0 }

/** A root kind and how many roots have it. */
typedef struct {
	char *name;         /**< the kind's bytes, NUL-terminated (the kind
	                         may itself hold NULs: use len) */
	size_t len;
	uint64_t count;
} hs_summary_kind;

/** One data frame: what the file's index says and what was read. */
typedef struct {
	hs_frame_info info;   /**< offset, sizes; trailer counts or 0 */
	uint64_t records;     /**< records read from it (frame record
	                           included, as the trailer counts them) */
	uint64_t objects;     /**< object records read from it */
} hs_summary_frame;

/** A total that the end record and the trailer both declare. */
typedef struct {
	const char *what;     /**< "objects", "references", "types",
	                           "strings", "roots", "shallow bytes" */
	uint64_t counted;     /**< what the pass counted */
	uint64_t end;         /**< the end record's value (if has_end) */
	uint64_t trailer;     /**< the trailer's value (if has_trailer) */
} hs_summary_total;

/** hs_summary.check */
typedef enum {
	HS_SUMMARY_AGREE = 0,     /**< every declared total was counted */
	HS_SUMMARY_DISAGREE = 1,  /**< some total differs: see totals[] */
	HS_SUMMARY_UNCHECKED = 2  /**< frames were lost (counts are partial
	                               by construction) or neither the end
	                               record nor the trailer was read */
} hs_summary_check;

/**
 * The summary.  Filled by hs_summary_scan() / hs_summary_read(); every
 * pointer is owned by it until hs_summary_release().  Read-only for the
 * caller.
 */
typedef struct {
	char *path;               /**< the reader's name */
	uint64_t file_size;

	/* the header record; info.header's strings point at the copies
	 * below, which are NUL-terminated but may hold any bytes (use the
	 * lengths) */
	hs_snapinfo info;
	char *runtime, *runtime_version, *reason;
	size_t runtime_len, runtime_version_len, reason_len;
	char *walker;             /**< the optional header field; "" if absent */
	size_t walker_len;

	/* counts, over the records that could be read */
	uint64_t objects;
	uint64_t refs;            /**< references, continuation records in */
	uint64_t weak_refs;       /**< those flagged HS_REF_WEAK */
	uint64_t types, strings, sites, roots;
	uint64_t shallow;         /**< sum of shallow sizes (wraps at 2^64,
	                               as the writer's total does) */
	uint64_t rt_shallow;      /**< the same with the runtime's own size
	                               (hs_object.rt_size) where given */
	uint64_t rt_sized;        /**< objects that give one */
	uint64_t records[HS_SUMMARY_RECORD_KINDS]; /**< per record tag;
	                               frame records are in [HS_REC_FRAME] */

	/* roots by kind, most numerous first (ties by name) */
	hs_summary_kind *kinds;
	size_t nkinds;
	uint64_t roots_other;     /**< roots whose kind did not fit the table */

	/* the largest object (ties: the lowest index) */
	int has_largest;
	uint64_t largest_index, largest_id, largest_size;
	uint32_t largest_type;
	char *largest_type_name;  /**< NULL when no type record names it */
	size_t largest_type_len;

	/* frames */
	hs_summary_frame *frames;
	size_t nframes;
	uint64_t compressed;      /**< bytes of all data frames */
	uint64_t decompressed;    /**< their decompressed bytes, where known */
	size_t dsize_known;       /**< frames whose decompressed size is known
	                               (all when the file has a trailer) */
	uint64_t compressed_known; /**< compressed bytes of those frames */

	/* integrity */
	hs_integrity integrity;   /**< hs_reader_integrity() after the pass */
	int64_t objects_lost_estimate; /**< integrity.objects_lost when known,
	                               else lost bytes x objects per byte read;
	                               0 when nothing was lost.  For a file
	                               cut short it covers the bytes still in
	                               the file: a lower bound */

	/* the end record's and trailer's totals against the counts */
	int has_end, has_trailer;
	hs_summary_total totals[6];
	hs_summary_check check;
	unsigned disagreements;   /**< totals that differ */
} hs_summary;

/**
 * hs_summary_scan() : summarise an open reader in one pass over every
 * frame (frames decoded on opts->threads threads).
 * @param[out] out  filled in, also on failure (then empty); pair with
 *                  hs_summary_release().
 * @param opts      NULL for the defaults.
 * @return 0 (damage is not an error: it is in out->integrity), HS_ENOMEM,
 *         HS_ERROR (threads), HS_EINVAL (options).  The reader is left
 *         rewound; its hs_reader_integrity() may no longer describe the
 *         full pass, so use out->integrity.
 */
HS_API int hs_summary_scan(hs_summary *out, hs_reader *r,
			   const hs_summary_options *opts);

/**
 * hs_summary_read() : open PATH and summarise it (hs_reader_open() then
 * hs_summary_scan()).
 * @return 0, or what hs_reader_open() returns (HS_EIO, HS_ECORRUPT,
 *         HS_EVERSION, HS_ENOMEM), or what hs_summary_scan() returns.
 */
HS_API int hs_summary_read(hs_summary *out, const char *path,
			   const hs_summary_options *opts);

/** hs_summary_release() : free what a summary holds and empty it.
 *  NULL-safe; safe on a summary that a failed call emptied. */
HS_API void hs_summary_release(hs_summary *s);

/** hs_summary_check_name() : "agree", "disagree" or "unchecked". */
HS_API const char *hs_summary_check_name(hs_summary_check c);

#ifdef __cplusplus
}
#endif
#endif
