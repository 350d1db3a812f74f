/*
 * hs_text.h - numbers and hostile strings as text: human sizes, thousands
 * separators, ISO 8601 times, and strings from a dump made safe to show
 * on a terminal, in HTML, in JSON embedded in a page, or in Markdown.
 *
 * Every string in a dump is hostile: it may hold control characters,
 * bytes that are not UTF-8, or Unicode bidirectional controls that make
 * one name display as another ("Trojan Source").  hs_text_safe() keeps
 * the printable characters and writes every other byte as an escape
 * (\n, \t, \r, \\, \xNN), so the result is printable UTF-8 that shows
 * what the bytes are.  The tools print through it, and the report
 * (hs_report.h) embeds only such text.
 *
 * Everything here is pure and thread-safe.
 */
#ifndef HS_TEXT_H
#define HS_TEXT_H

#include <stdarg.h>

#include "hs_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** hs_text_human() : "512 B", "1.50 KiB", "12.3 MiB", "980 GiB" into buf
 *  (size >= 16).  @return buf. */
HS_API const char *hs_text_human(uint64_t bytes, char *buf, size_t size);

/** hs_text_commas() : "12,345,678" into buf (size >= 32).  @return buf. */
HS_API const char *hs_text_commas(uint64_t n, char *buf, size_t size);

/** hs_text_iso8601() : ms since the epoch as "2026-11-27T15:34:19.123Z"
 *  (UTC) into buf (size >= 32); past year 9999, "@MS ms".  @return buf. */
HS_API const char *hs_text_iso8601(uint64_t ms, char *buf, size_t size);

/** hs_text_utf8_len() : length (1..4) of the valid UTF-8 sequence at s,
 *  n > 0 bytes available; 0 when it is not one (overlong, surrogate,
 *  past U+10FFFF, cut short). */
HS_API size_t hs_text_utf8_len(const char *s, size_t n);

/** hs_text_char() : length of the printable character at s (1..4), or 0
 *  when the byte at s is shown escaped: a control (C0, DEL, C1), a
 *  backslash, one of Unicode's Bidi_Control set (U+061C, U+200E/F,
 *  U+202A..E, U+2066..9), the line and paragraph separators U+2028/9
 *  (line breaks to editors, JavaScript and Python's splitlines), or not
 *  UTF-8. */
HS_API size_t hs_text_char(const char *s, size_t n);

/**
 * hs_text_safe() : append s[0..n) to out with every byte that
 * hs_text_char() refuses escaped (\n \t \r \\ or \xNN).  When max > 0 and
 * the escaped text would pass max bytes, it stops at a character boundary
 * at or before max - 3 and appends "..." (so at most max bytes are
 * appended; max is at least 8); max = 0: no limit.
 * @return 0, HS_ENOMEM.
 */
HS_API int hs_text_safe(hs_buf *out, const char *s, size_t n, size_t max);

/**
 * hs_text_json() : append s[0..n) as a JSON string literal that is also
 * safe inside an HTML <script> element: '"' '\\' and controls escaped,
 * '<' '>' '&' as \u003c \u003e \u0026 (no "</script>" or "<!--" can
 * appear), U+2028/U+2029 as \u2028/\u2029, and bytes that are not UTF-8
 * as U+FFFD.
 * @return 0, HS_ENOMEM.
 */
HS_API int hs_text_json(hs_buf *out, const char *s, size_t n);

/** hs_text_appendf() : printf into out.  @return 0, HS_ENOMEM,
 *  HS_EINVAL (a format vsnprintf refuses). */
HS_API int hs_text_appendf(hs_buf *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** hs_text_vappendf() : hs_text_appendf() with a va_list. */
HS_API int hs_text_vappendf(hs_buf *out, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#ifdef __cplusplus
}
#endif
#endif
