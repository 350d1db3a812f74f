/*
 * hs_common.h - error codes, the last-error message and the byte sink
 * shared by every part of libdump.
 *
 * Every libdump function that can fail returns an int: 0 on success, one
 * of the negative HS_E* codes below otherwise, and leaves a one-line
 * message for hs_error_last() that names the file, the byte offset and the
 * problem.  Messages are kept per thread.
 */
#ifndef HS_COMMON_H
#define HS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * HS_API marks the library's public functions.  libheapsnap is built with
 * -fvisibility=hidden, so its shared object exports these and nothing else.
 */
#if defined(__GNUC__) || defined(__clang__)
#define HS_API __attribute__((visibility("default")))
#else
#define HS_API
#endif

/*
 * The library's version: MAJOR changes with any incompatible change of the
 * API or ABI (the shared library's soname is libheapsnap.so.MAJOR), MINOR
 * with additions, PATCH with fixes.  The Makefile reads these lines.
 */
#define HS_VERSION_MAJOR 0
#define HS_VERSION_MINOR 1
#define HS_VERSION_PATCH 0
#define HS_VERSION_NUMBER \
	(HS_VERSION_MAJOR * 10000 + HS_VERSION_MINOR * 100 + HS_VERSION_PATCH)

/**
 * hs_version() :
 * @return HS_VERSION_NUMBER of the library the program runs with, which
 * differs from the one it was compiled with when a newer shared library is
 * installed (compare the major numbers: MAJOR * 10000).
 */
HS_API unsigned hs_version(void);

/** Version of the .snap format this library writes (format/FORMAT.md). */
#define HS_FORMAT_VERSION 1

/** The most decoding threads a call uses (hs_reader_scan(), hs_graph_load(),
 *  hs_summary_read()): a larger count, or 0 (one per core) on a bigger
 *  machine, is cut to this. */
#define HS_THREADS_MAX 64

enum {
	HS_OK = 0,
	HS_ERROR = -1,      /**< generic failure; see hs_error_last() */
	HS_ENOMEM = -2,     /**< an allocation failed */
	HS_EIO = -3,        /**< a read or write failed (ENOSPC, EIO, ...) */
	HS_EINVAL = -4,     /**< a bad argument */
	HS_ECORRUPT = -5,   /**< the input is malformed */
	HS_EVERSION = -6,   /**< the input's format version is not supported */
	HS_ENOTFOUND = -7,  /**< the thing asked for is not there */
	HS_ELIMIT = -8,     /**< the input exceeds a documented reader limit */
	HS_ITEROVER = -31   /**< an iteration has no more items (not an error) */
};

/**
 * hs_error_last() :
 * @return the message of the last error set on this thread, or "" if none.
 * The pointer stays valid until the next libdump call on this thread.
 */
HS_API const char *hs_error_last(void);

/** hs_error_clear() : forget the last error message of this thread. */
HS_API void hs_error_clear(void);

/** hs_error_name() : @return a short constant name for an HS_E* code. */
HS_API const char *hs_error_name(int code);

/**
 * hs_sink : where a writer sends bytes (a file, memory, a socket...).
 * write(buf, len, payload) must consume all len bytes and return 0, or
 * return a negative HS_E* code, which the writer returns with the message
 * "NAME: write failed at byte N" (NAME as given to the writer).
 */
typedef struct hs_sink {
	void *payload;
	int (*write)(const void *buf, size_t len, void *payload);
} hs_sink;

/**
 * hs_buf : a growable byte buffer, usable as a memory sink.
 * Invariant: data is NULL or holds cap bytes of which len are used.
 * Pair hs_buf_init() with hs_buf_release().
 */
typedef struct hs_buf {
	unsigned char *data;
	size_t len;
	size_t cap;
} hs_buf;

#define HS_BUF_INIT { NULL, 0, 0 }

/** hs_buf_init() : an empty buffer (as HS_BUF_INIT); allocates nothing. */
HS_API void hs_buf_init(hs_buf *b);
/** hs_buf_release() : free the storage; b may be reused after hs_buf_init. */
HS_API void hs_buf_release(hs_buf *b);
/** hs_buf_append() : @return 0, or HS_ENOMEM (b unchanged). */
HS_API int hs_buf_append(hs_buf *b, const void *data, size_t len);
/** hs_buf_sink() : a sink that appends to b (b must outlive the sink). */
HS_API hs_sink hs_buf_sink(hs_buf *b);

#ifdef __cplusplus
}
#endif
#endif
