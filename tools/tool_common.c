/*
 * tool_common.c - the shared parts of the tools (see tool.h).
 */
#include <ctype.h>
#include <getopt.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

static const char *tool_name = "heapsnap";

void tool_init(const char *name)
{
	tool_name = name;
}

static void vmsg(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", tool_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int tool_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	return TOOL_ERROR;
}

int tool_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	fprintf(stderr, "try '%s --help'\n", tool_name);
	return TOOL_ERROR;
}

const char *tool_human(uint64_t bytes, char *buf, size_t size)
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

const char *tool_commas(uint64_t n, char *buf, size_t size)
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

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned cp;

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

/* Unicode bidirectional controls (U+200E/F, U+202A..E, U+2066..9): valid
 * UTF-8, but a terminal that honours them reorders what follows, so a
 * dump could make one name display as another ("Trojan Source"). */
static int bidi_control(const unsigned char *p, size_t k)
{
	return k == 3 && p[0] == 0xe2 &&
	       ((p[1] == 0x80 && ((p[2] >= 0x8e && p[2] <= 0x8f) ||
				  (p[2] >= 0xaa && p[2] <= 0xae))) ||
		(p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9));
}

void tool_print_safe(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t k = utf8_len(p + i, n - i);

		if (k == 1 && p[i] >= 0x20 && p[i] != 0x7f && p[i] != '\\') {
			fputc(p[i], f);
		} else if (k > 1 && !(k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) &&
			   !bidi_control(p + i, k)) {
			fwrite(p + i, 1, k, f);  /* not a C1 or bidi control */
		} else {
			switch (p[i]) {
			case '\n': fputs("\\n", f); break;
			case '\t': fputs("\\t", f); break;
			case '\r': fputs("\\r", f); break;
			case '\\': fputs("\\\\", f); break;
			default: fprintf(f, "\\x%02x", p[i]); break;
			}
			k = 1;
		}
		i += k;
	}
}

size_t tool_safe_width(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	/* mirrors tool_print_safe's choices */
	for (size_t i = 0; i < n;) {
		size_t k = utf8_len(p + i, n - i);

		if (k == 1 && p[i] >= 0x20 && p[i] != 0x7f && p[i] != '\\') {
			w++;
		} else if (k > 1 && !(k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) &&
			   !bidi_control(p + i, k)) {
			w++;
		} else {
			w += p[i] && strchr("\n\t\r\\", p[i]) ? 2 : 4;
			k = 1;
		}
		i += k;
	}
	return w;
}

void tool_json_str(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; i < n;) {
		size_t k = utf8_len(p + i, n - i);

		if (k == 0) {
			fputs("\\ufffd", f);
			k = 1;
		} else if (k > 1) {
			fwrite(p + i, 1, k, f);
		} else if (p[i] == '"' || p[i] == '\\') {
			fputc('\\', f);
			fputc(p[i], f);
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			fprintf(f, "\\u%04x", p[i]);
		} else {
			fputc(p[i], f);
		}
		i += k;
	}
	fputc('"', f);
}

int tool_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int tool_parse_size(const char *s, uint64_t *out)
{
	char *end;
	double v;
	double mul = 1;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'K': mul = 1024.0; end++; break;
	case 'M': mul = 1024.0 * 1024; end++; break;
	case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
	case 'T': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
	case 'B': case '\0': break;
	default: return -1;
	}
	if (mul > 1 && (*end == 'i' || *end == 'I'))
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		return -1;
	v *= mul;
	if (v > 1.8e19)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

const char *tool_iso8601(uint64_t ms, char *buf, size_t size)
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

int tool_parse_threads(const char *s, unsigned *out)
{
	uint64_t v;

	if (tool_parse_u64(s, &v) < 0 || v > 64)
		return tool_usage_error("--threads: '%s' is not 0..64", s);
	*out = (unsigned)v;
	return 0;
}

int tool_one_file(int argc, char **argv, const char **file)
{
	if (optind + 1 != argc)
		return tool_usage_error(optind < argc ? "one FILE only"
						      : "no FILE");
	*file = argv[optind];
	return 0;
}

int tool_progress(void)
{
	return isatty(2);
}
