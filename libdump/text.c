/*
 * text.c - human numbers and safe renderings of hostile strings (see
 * hs_text.h).  Each function looks at each input byte once; nothing is
 * allocated but the output buffer's growth.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "hs_text.h"

const char *hs_text_human(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, size, "%llu B", (unsigned long long)bytes);
		return buf;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s"
						    : "%.0f %s", v, units[u]);
	return buf;
}

const char *hs_text_commas(uint64_t n, char *buf, size_t size)
{
	char tmp[32];
	int len = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)n);
	size_t j = 0;

	for (int i = 0; i < len && j + 2 < size; i++) {
		if (i && (len - i) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = tmp[i];
	}
	buf[j] = '\0';
	return buf;
}

const char *hs_text_iso8601(uint64_t ms, char *buf, size_t size)
{
	/* 253402300800 s = 10000-01-01T00:00:00Z */
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms / 1000 >= 253402300800ull || !gmtime_r(&t, &tm)) {
		snprintf(buf, size, "@%llu ms", (unsigned long long)ms);
		return buf;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
	return buf;
}

size_t hs_text_utf8_len(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned c = s[0], cp;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* Unicode's Bidi_Control set (U+061C, U+200E/F, U+202A..E, U+2066..9):
 * valid UTF-8, but a terminal or a page that honours them reorders what
 * follows, so a dump could make one name display as another. */
static int bidi_control(const unsigned char *p, size_t k)
{
	return (k == 2 && p[0] == 0xd8 && p[1] == 0x9c) ||
	       (k == 3 && p[0] == 0xe2 &&
		((p[1] == 0x80 && ((p[2] >= 0x8e && p[2] <= 0x8f) ||
				   (p[2] >= 0xaa && p[2] <= 0xae))) ||
		 (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)));
}

size_t hs_text_char(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k = hs_text_utf8_len(s, n);

	if (k == 1)
		return p[0] >= 0x20 && p[0] != 0x7f && p[0] != '\\';
	if (k == 2 && p[0] == 0xc2 && p[1] < 0xa0)
		return 0;  /* a C1 control */
	if (k == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
	    (p[2] == 0xa8 || p[2] == 0xa9))
		return 0;  /* U+2028/9: a line break to editors and splitlines */
	return bidi_control(p, k) ? 0 : k;
}

/* The escape hs_text_safe() writes for the byte c, into e (>= 5). */
static size_t escape(char *e, unsigned char c)
{
	switch (c) {
	case '\n': memcpy(e, "\\n", 2); return 2;
	case '\t': memcpy(e, "\\t", 2); return 2;
	case '\r': memcpy(e, "\\r", 2); return 2;
	case '\\': memcpy(e, "\\\\", 2); return 2;
	default: return (size_t)snprintf(e, 5, "\\x%02x", c);
	}
}

/* Bytes hs_text_safe() writes for s[0..n) without a limit. */
static size_t safe_len(const char *s, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n;) {
		size_t k = hs_text_char(s + i, n - i);
		char e[8];

		len += k ? k : escape(e, (unsigned char)s[i]);
		i += k ? k : 1;
	}
	return len;
}

int hs_text_safe(hs_buf *out, const char *s, size_t n, size_t max)
{
	size_t used = 0;

	if (max && max < 8)
		max = 8;  /* room for "..." and an escape */
	if (max && safe_len(s, n) <= max)
		max = 0;  /* it fits */
	for (size_t i = 0; i < n;) {
		size_t k = hs_text_char(s + i, n - i);
		char e[8];
		const char *piece = s + i;
		size_t plen = k;

		if (!k) {
			plen = escape(e, (unsigned char)s[i]);
			piece = e;
			k = 1;
		}
		/* cut: whole characters up to max - 3, then "..." */
		if (max && used + plen > max - 3)
			return hs_buf_append(out, "...", 3);
		HS_FORWARD_IF_ERROR(hs_buf_append(out, piece, plen));
		used += plen;
		i += k;
	}
	return 0;
}

int hs_text_json(hs_buf *out, const char *str, size_t n)
{
	const unsigned char *p = (const unsigned char *)str;
	size_t run = 0;   /* bytes at p[i - run .. i) to copy as they are */

	HS_FORWARD_IF_ERROR(hs_buf_append(out, "\"", 1));
	for (size_t i = 0; i < n;) {
		size_t k = hs_text_utf8_len(str + i, n - i);
		char e[8];
		size_t elen = 0;

		if (k == 0) {
			memcpy(e, "\\ufffd", 6);
			elen = 6;
			k = 1;
		} else if (k == 1) {
			unsigned char c = p[i];

			if (c == '"' || c == '\\') {
				e[0] = '\\';
				e[1] = (char)c;
				elen = 2;
			} else if (c < 0x20 || c == 0x7f || c == '<' ||
				   c == '>' || c == '&') {
				elen = (size_t)snprintf(e, sizeof(e), "\\u%04x", c);
			}
		} else if (k == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 &&
			   (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
			elen = (size_t)snprintf(e, sizeof(e), "\\u%04x",
						0x2000u + (p[i + 2] - 0x80u));
		}
		if (elen) {
			HS_FORWARD_IF_ERROR(hs_buf_append(out, str + i - run, run));
			HS_FORWARD_IF_ERROR(hs_buf_append(out, e, elen));
			run = 0;
		} else {
			run += k;
		}
		i += k;
	}
	/* an empty string may come as NULL: no NULL + 0 */
	if (run)
		HS_FORWARD_IF_ERROR(hs_buf_append(out, str + n - run, run));
	return hs_buf_append(out, "\"", 1);
}

int hs_text_vappendf(hs_buf *out, const char *fmt, va_list ap)
{
	char small[256];
	va_list again;
	int len;

	va_copy(again, ap);
	len = vsnprintf(small, sizeof(small), fmt, ap);
	if (len >= 0 && (size_t)len < sizeof(small)) {
		va_end(again);
		return hs_buf_append(out, small, (size_t)len);
	}
	if (len < 0) {
		va_end(again);
		return hs_error_set(HS_EINVAL, "bad format '%s'", fmt);
	}
	{
		char *big = malloc((size_t)len + 1);
		int rc;

		if (!big) {
			va_end(again);
			return hs_error_set(HS_ENOMEM, "out of memory formatting "
					    "%d bytes", len);
		}
		vsnprintf(big, (size_t)len + 1, fmt, again);
		va_end(again);
		rc = hs_buf_append(out, big, (size_t)len);
		free(big);
		return rc;
	}
}

int hs_text_appendf(hs_buf *out, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = hs_text_vappendf(out, fmt, ap);
	va_end(ap);
	return rc;
}
