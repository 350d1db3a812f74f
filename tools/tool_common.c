/*
 * tool_common.c - the shared parts of the tools (see tool.h).
 */
#include <ctype.h>
#include <getopt.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hs_text.h"
#include "tool.h"

static const char *tool_name = "heapsnap";

/* At exit: stdout's last bytes are written by fclose(), and a full disk
 * or a closed pipe shows only then.  A tool that could not write its
 * output must not exit 0 (gnulib's close_stdout does the same). */
static void close_stdout(void)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		fprintf(stderr, "%s: cannot write the output: %s\n", tool_name,
			errno ? strerror(errno) : "write error");
		_exit(TOOL_ERROR);
	}
}

void tool_init(const char *name)
{
	tool_name = name;
	atexit(close_stdout);
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
	return hs_text_human(bytes, buf, size);
}

const char *tool_commas(uint64_t n, char *buf, size_t size)
{
	return hs_text_commas(n, buf, size);
}



/* s escaped by hs_text_safe(); in a CSV field, '"' doubled too. */
static void put_safe(FILE *f, const char *s, size_t n, int csv)
{
	hs_buf b = HS_BUF_INIT;

	/* in pieces, so that a long string needs no long buffer */
	for (size_t i = 0; i < n;) {
		size_t k = n - i < 4096 ? n - i : 4096, from = 0;

		/* end the piece on a character boundary */
		while (k < n - i && k > 4092 &&
		       ((unsigned char)s[i + k] & 0xc0) == 0x80)
			k--;
		b.len = 0;
		if (hs_text_safe(&b, s + i, k, 0) < 0)
			break;
		for (size_t j = 0; csv && j < b.len; j++) {
			if (b.data[j] == '"') {
				fwrite(b.data + from, 1, j + 1 - from, f);
				fputc('"', f);
				from = j + 1;
			}
		}
		fwrite(b.data + from, 1, b.len - from, f);
		i += k;
	}
	hs_buf_release(&b);
}

void tool_print_safe(FILE *f, const char *s, size_t n)
{
	put_safe(f, s, n, 0);
}

void tool_csv_str(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	/* a spreadsheet runs a field starting with = + - @ as a formula:
	 * a quote in front keeps it text (OWASP "CSV injection") */
	if (n && strchr("=+-@", s[0]))
		fputc('\'', f);
	put_safe(f, s, n, 1);
	fputc('"', f);
}

size_t tool_safe_width(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	/* mirrors hs_text_safe's choices */
	for (size_t i = 0; i < n;) {
		size_t k = hs_text_char(s + i, n - i);

		if (k) {
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
		size_t k = hs_text_utf8_len(s + i, n - i);

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
	return hs_text_iso8601(ms, buf, size);
}

int tool_parse_threads(const char *s, unsigned *out)
{
	uint64_t v;

	if (tool_parse_u64(s, &v) < 0 || v > HS_THREADS_MAX)
		return tool_usage_error("--threads: '%s' is not 0..%d", s,
					HS_THREADS_MAX);
	*out = (unsigned)v;
	return 0;
}

static uint64_t max_ratio;

int tool_parse_max_ratio(const char *s)
{
	uint64_t v;

	if (tool_parse_u64(s, &v) < 0)
		return tool_usage_error("--max-ratio: '%s' is not a number "
					"(0: no bound)", s);
	max_ratio = v ? v : UINT64_MAX;
	return 0;
}

uint64_t tool_max_ratio(void)
{
	return max_ratio;
}

static int runtime_sizes;

int tool_parse_sizes(const char *s)
{
	if (strcmp(s, "allocated") == 0)
		runtime_sizes = 0;
	else if (strcmp(s, "getsizeof") == 0)
		runtime_sizes = 1;
	else
		return tool_usage_error("--sizes: '%s' is not allocated or "
					"getsizeof", s);
	return 0;
}

int tool_runtime_sizes(void)
{
	return runtime_sizes;
}

int tool_progress(void)
{
	return isatty(2);
}
