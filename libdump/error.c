/*
 * error.c - the per-thread last-error message behind hs_error_last().
 * One 512-byte buffer per thread; no allocation, so it works after ENOMEM.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

#define HS_ERRMSG_MAX 512

static _Thread_local char errmsg[HS_ERRMSG_MAX];

const char *hs_error_last(void)
{
	return errmsg;
}

void hs_error_clear(void)
{
	errmsg[0] = '\0';
}

int hs_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	return code;
}

int hs_error_prefix(int code, const char *fmt, ...)
{
	char old[HS_ERRMSG_MAX];
	va_list ap;
	int n;

	memcpy(old, errmsg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(errmsg) && old[0])
		snprintf(errmsg + n, sizeof(errmsg) - (size_t)n, ": %s", old);
	return code;
}

const char *hs_error_name(int code)
{
	switch (code) {
	case HS_OK: return "ok";
	case HS_ERROR: return "error";
	case HS_ENOMEM: return "out of memory";
	case HS_EIO: return "i/o error";
	case HS_EINVAL: return "invalid argument";
	case HS_ECORRUPT: return "corrupt input";
	case HS_EVERSION: return "unsupported version";
	case HS_ENOTFOUND: return "not found";
	case HS_ELIMIT: return "limit exceeded";
	case HS_ITEROVER: return "end of iteration";
	default: return "unknown error";
	}
}
