/*
 * portable.h - what the capture writes with CPython's public C API only:
 * the portable walker (portable.c), and the text helpers both walkers use
 * (portable_shared.c: str to UTF-8 without creating an object, type
 * names, previews, the process's memory).
 * Nothing here includes CPython's internal headers, so these files build
 * against the headers of any CPython 3.10 or later, known or not.
 */
#ifndef HS_PORTABLE_H
#define HS_PORTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "hs_writer.h"
#include "pywalk.h"

#pragma GCC visibility push(hidden)

/* Appends s's text as UTF-8 to dst (at most cap bytes, whole characters);
 * quote escapes quotes, backslashes and control characters as a repr
 * does.  @return bytes written; *cut set if s did not fit. */
size_t utf8_put(char *dst, size_t cap, PyObject *s, int quote, int *cut);

/* A type's name as the dump records it, module.qualname
 * ("collections.OrderedDict", "__main__.Session"); read in place.
 * @return its length in buf (cap >= 16). */
size_t py_type_name(PyTypeObject *t, char *buf, size_t cap);

/* The preview of o's value written beside it (buf: cap + 8 bytes). */
hs_value py_preview(PyObject *o, char *buf, size_t cap, int redact);

/* The process's resident set size (resident) or its whole mapped size,
 * from /proc/self/statm (0 where there is none). */
uint64_t py_memory(int resident);

/* The portable walker (portable.c); as hs_pywalk_init()/_dump(). */
int hs_portable_init(void);
int hs_portable_dump(const char *path, const hs_pywalk_options *opts,
		     hs_pywalk_stats *stats);

#pragma GCC visibility pop

#endif
