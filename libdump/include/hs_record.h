/*
 * hs_record.h - what a .snap file holds, as C types: the header, an object
 * with its references, labels, flags and preview, and the record kinds
 * (format/FORMAT.md, section 4).  The writer takes these (hs_writer.h), the
 * reader gives them back (hs_reader.h); both include this header and
 * neither includes the other.
 */
#ifndef HS_RECORD_H
#define HS_RECORD_H

#include "hs_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A string inside a record: not NUL-terminated, may hold any bytes. */
typedef struct {
	const char *ptr;
	size_t len;
} hs_str;

/** How object records name their references (header field ref_mode). */
typedef enum {
	/** references are object ids (addresses) */
	HS_REFS_BY_ID = 0,
	/** references are object indices: the n-th object record written has
	 *  index n (from 0); a writer that numbers its objects in traversal
	 *  order gets smaller files that load faster */
	HS_REFS_BY_INDEX = 1
} hs_ref_mode;

/** Per-reference flag bits (hs_object.flags). */
#define HS_REF_WEAK 0x1u     /**< the reference does not keep its target alive */

/** Type flag bits (hs_writer_type_flags(), the type record's flags). */
#define HS_TYPE_SEQUENCE 0x1u /**< the unlabelled references of an object
                                   of this type are its items in order: the
                                   j-th of them (from 0, over the object
                                   record and its refs records) reads as
                                   the label "[j]" (a Python list or
                                   tuple), so no label is stored per item */

#define HS_NO_LABEL UINT32_MAX /**< hs_object.labels entry: no label */
#define HS_NO_SITE UINT32_MAX  /**< hs_object.site: no allocation site */

/** The header record's content. Strings may be NULL (written as ""). */
typedef struct {
	const char *runtime;          /**< "python", "v8", "c", ... */
	const char *runtime_version;  /**< "3.11.7" */
	uint64_t pid;
	uint64_t time_ms;             /**< capture time, ms since the epoch;
	                                   0 = now */
	const char *reason;           /**< "manual", "signal", "rss", ... */
	unsigned word_size;           /**< bytes in a pointer; 0 = this build's */
	uint64_t rss;                 /**< the process's resident set size at
	                                   capture time, bytes; 0 = unknown */
	const char *walker;           /**< optional: the capture's walker, "3.12",
	                                   "portable"; NULL = not written */
} hs_header;

#define HS_HEADER_INIT { NULL, NULL, 0, 0, NULL, 0, 0, NULL }

/** A value preview's kind. */
typedef enum {
	HS_VALUE_NONE = 0,
	HS_VALUE_STR,     /**< text (UTF-8 expected, not enforced) */
	HS_VALUE_BYTES,   /**< binary */
	HS_VALUE_INT,     /**< signed integer */
	HS_VALUE_UINT,    /**< unsigned integer */
	HS_VALUE_FLOAT,   /**< double */
	HS_VALUE_BOOL     /**< true / false in i */
} hs_value_kind;

typedef struct {
	hs_value_kind kind;
	union {
		struct { const char *ptr; size_t len; } s;  /**< STR, BYTES */
		int64_t i;                                  /**< INT, BOOL */
		uint64_t u;                                 /**< UINT */
		double f;                                   /**< FLOAT */
	} v;
} hs_value;

/** One object. Arrays are the caller's and only read during the call. */
typedef struct {
	uint64_t id;            /**< the runtime's identity (address) */
	uint32_t type;          /**< from hs_writer_type() */
	uint64_t size;          /**< shallow size in bytes */
	size_t nrefs;
	const uint64_t *refs;   /**< ids, or indices with HS_REFS_BY_INDEX */
	const uint32_t *labels; /**< NULL, or nrefs string indices/HS_NO_LABEL */
	const uint8_t *flags;   /**< NULL, or nrefs HS_REF_* bit sets */
	hs_value preview;       /**< kind HS_VALUE_NONE for none */
	uint32_t site;          /**< allocation site index, or HS_NO_SITE */
} hs_object;

/** Record kinds, numbered as their tags in the format. */
typedef enum {
	HS_REC_HEADER = 1,
	HS_REC_FRAME = 2,   /**< never delivered: the reader consumes it */
	HS_REC_TYPE = 3,
	HS_REC_STRING = 4,
	HS_REC_OBJECT = 5,
	HS_REC_REFS = 6,
	HS_REC_ROOT = 7,
	HS_REC_SITE = 8,
	HS_REC_END = 9
} hs_record_kind;

/** hs_record_kind_name() : a record kind's name ("object"), or "unknown"
 *  for any other value; a constant string. */
HS_API const char *hs_record_kind_name(int kind);

/**
 * One record.  Pointers point into the reader's frame buffer and stay
 * valid until the next hs_reader_next() call (or, in a hs_reader_scan()
 * callback, until the callback returns).
 */
typedef struct {
	hs_record_kind kind;
	uint64_t frame_offset;  /**< file offset of the frame holding it */
	uint64_t offset;        /**< offset of the record in the frame's
	                             decompressed bytes */
	union {
		struct {
			unsigned version;
			hs_str runtime, runtime_version, reason;
			uint64_t pid, time_ms;
			unsigned word_size;
			hs_ref_mode ref_mode;
			uint64_t rss;     /**< 0 when absent */
			hs_str walker;   /**< optional field; len 0 if absent */
		} header;
		struct {
			uint32_t index;
			hs_str name;
			int has_id;       /**< TYPE: the record gives the id of
			                       the object that is this type */
			uint64_t id;      /**< that id (0 when has_id is 0) */
			uint32_t flags;   /**< TYPE: HS_TYPE_* bits (0 when
			                       absent; unknown bits kept) */
		} type;                   /**< TYPE, STRING */
		struct {
			uint64_t index;   /**< ordinal of the object in the file */
			hs_object obj;    /**< refs are absolute ids or indices */
			hs_str preview_str; /**< copy of obj.preview's bytes */
			uint64_t rt_size; /**< the runtime's own size of the
			                       object (Python's sys.getsizeof)
			                       when it differs from obj.size
			                       (hs_writer_object_sized()); 0
			                       when the record gives none */
		} object;
		struct {
			uint64_t owner;   /**< id, or index in index mode */
			size_t n;
			const uint64_t *refs;
			const uint32_t *labels; /**< NULL or n entries */
			const uint8_t *flags;   /**< NULL or n entries */
		} refs;
		struct {
			uint64_t ref;
			hs_str kind, label;   /**< label.ptr NULL when absent */
			uint64_t extra;
		} root;
		struct {
			uint32_t index;
			size_t nframes;
			const uint32_t *files, *lines, *funcs;
		} site;
		struct {
			uint64_t objects, refs, types, strings, roots, shallow;
		} end;
	} u;
} hs_record;

#ifdef __cplusplus
}
#endif
#endif
