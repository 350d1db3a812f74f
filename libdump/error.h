/*
 * error.h - setting the per-thread last-error message (internal).
 *
 * HS_RETURN_ERROR_IF(cond, code, fmt, ...) sets the message and returns
 * code from the calling function when cond holds.
 */
#ifndef HS_ERROR_H
#define HS_ERROR_H

#include "hs_common.h"

#if defined(__GNUC__)
#define HS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HS_PRINTF(a, b)
#endif

/** hs_error_set() : set this thread's message; @return code. */
int hs_error_set(int code, const char *fmt, ...) HS_PRINTF(2, 3);

/** hs_error_prefix() : prepend "prefix: " to this thread's message. */
int hs_error_prefix(int code, const char *fmt, ...) HS_PRINTF(2, 3);

#define HS_RETURN_ERROR_IF(cond, code, ...)                 \
	do {                                                \
		if (cond)                                   \
			return hs_error_set((code), __VA_ARGS__); \
	} while (0)

#define HS_FORWARD_IF_ERROR(expr)         \
	do {                              \
		int hs__rc = (expr);      \
		if (hs__rc < 0)           \
			return hs__rc;    \
	} while (0)

#endif
