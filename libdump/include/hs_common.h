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

/** Version of the .snap format this library writes (format/FORMAT.md). */
#define HS_FORMAT_VERSION 1

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
const char *hs_error_last(void);

/** hs_error_clear() : forget the last error message of this thread. */
void hs_error_clear(void);

/** hs_error_name() : @return a short constant name for an HS_E* code. */
const char *hs_error_name(int code);

/**
 * hs_sink : where a writer sends bytes (a file, memory, a socket...).
 * write() must consume all len bytes and return 0, or return a negative
 * HS_E* code after setting a message (hs_error_set in the library, or any
 * text: the writer adds its own context).
 */
typedef struct hs_sink {
	void *payload;
	int (*write)(void *payload, const void *buf, size_t len);
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

void hs_buf_init(hs_buf *b);
/** hs_buf_release() : free the storage; b may be reused after hs_buf_init. */
void hs_buf_release(hs_buf *b);
/** hs_buf_append() : @return 0, or HS_ENOMEM (b unchanged). */
int hs_buf_append(hs_buf *b, const void *data, size_t len);
/** hs_buf_sink() : a sink that appends to b (b must outlive the sink). */
hs_sink hs_buf_sink(hs_buf *b);

#ifdef __cplusplus
}
#endif
#endif
