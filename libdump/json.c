/*
 * json.c - the bounded JSON pull lexer behind the JSON-lines and the V8
 * heap snapshot imports (see json.h).
 *
 * Load: a 64 KiB read buffer and one string buffer (at most string_max
 * bytes); a few ns per input byte.  No recursion, no allocation that an
 * input length field could drive.  Reading whole values (arrays of
 * integers, skipping) is in json_values.c.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "vec.h"


/* A stdio stream: -1 (HS_ERROR) with errno set on a read error, which
 * the caller reports at the position it reached. */
static long file_read(void *payload, void *buf, size_t n)
{
	FILE *f = payload;
	size_t got = fread(buf, 1, n, f);

	if (got == 0 && ferror(f))
		return HS_ERROR;
	return (long)got;
}

int hs_json_init(hs_json *j, FILE *in, const char *name, uint64_t line_max,
		 size_t string_max)
{
	return hs_json_init_read(j, file_read, in, name, 0, line_max,
				 string_max);
}

int hs_json_init_read(hs_json *j, hs_json_read_fn read, void *payload,
		      const char *name, unsigned mode, uint64_t line_max,
		      size_t string_max)
{
	memset(j, 0, sizeof(*j));
	j->read = read;
	j->payload = payload;
	j->mode = mode;
	j->name = name ? name : "(input)";
	j->line = j->col = j->tline = j->tcol = 1;
	j->line_max = line_max;
	j->string_max = string_max;
	/* + hs_json_uints' sentinel and the bytes digits8 reads past it */
	j->buf = malloc(HS_JSON_BUF + 32);
	j->scap = 256;
	j->str = malloc(j->scap);
	if (!j->buf || !j->str) {
		hs_json_release(j);
		return hs_error_set(HS_ENOMEM, "%s: out of memory", j->name);
	}
	return 0;
}

void hs_json_release(hs_json *j)
{
	free(j->buf);
	free(j->str);
	j->buf = NULL;
	j->str = NULL;
}

static int vfail_at(hs_json *j, const hs_json_pos *p, int code,
		    const char *fmt, va_list ap)
{
	char msg[200];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (j->mode & HS_JSON_DOCUMENT)
		return hs_error_set(code, "%s: line %llu, column %llu (byte "
				    "%llu): %s", j->name,
				    (unsigned long long)p->line,
				    (unsigned long long)p->col,
				    (unsigned long long)p->off, msg);
	return hs_error_set(code, "%s: line %llu, column %llu: %s", j->name,
			    (unsigned long long)p->line,
			    (unsigned long long)p->col, msg);
}

hs_json_pos hs_json_tpos(const hs_json *j)
{
	hs_json_pos p = { j->tline, j->tcol, j->toff };

	return p;
}

int hs_json_fail(hs_json *j, int code, const char *fmt, ...)
{
	hs_json_pos p = hs_json_tpos(j);
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail_at(j, &p, code, fmt, ap);
	va_end(ap);
	return rc;
}

int hs_json_fail_at(hs_json *j, const hs_json_pos *pos, int code,
		    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail_at(j, pos, code, fmt, ap);
	va_end(ap);
	return rc;
}

int hs_json__fail_back(hs_json *j, uint64_t back, int code, const char *fmt,
		       ...)
{
	hs_json_pos p = { j->line, j->col - back, j->base + j->pos - back };
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail_at(j, &p, code, fmt, ap);
	va_end(ap);
	return rc;
}

#define fail_back hs_json__fail_back
#define fail_here(j, ...) fail_back((j), 0, __VA_ARGS__)

const char *hs_json_tok_name(int tok)
{
	static const char *const names[] = {
		"end of input", "end of line", "'{'", "'}'", "'['", "']'",
		"':'", "','", "a string", "an integer", "a number", "true",
		"false", "null"
	};

	if (tok < 0 || tok > HS_JSON_NULL)
		return "an error";
	return names[tok];
}

/* @return the next byte without consuming it, -1 at the end of input, or
 * a negative HS_E* code (< -1) on a read error. */
static int peek_slow(hs_json *j)
{
	long got;

	if (j->eof)
		return -1;
	j->base += j->len;
	j->len = j->pos = 0;
	got = j->read(j->payload, j->buf, HS_JSON_BUF);
	if (got == HS_ERROR)
		return fail_here(j, HS_EIO, "read error: %s", strerror(errno));
	if (got < 0)
		return (int)got;
	if (got == 0) {
		j->eof = 1;
		return -1;
	}
	j->len = (size_t)got;
	return j->buf[0];
}

int hs_json__fill(hs_json *j, size_t n)
{
	while (j->len - j->pos < n && !j->eof) {
		long got;

		if (j->pos) {
			memmove(j->buf, j->buf + j->pos, j->len - j->pos);
			j->base += j->pos;
			j->len -= j->pos;
			j->pos = 0;
		}
		got = j->read(j->payload, j->buf + j->len,
			      HS_JSON_BUF - j->len);
		if (got == HS_ERROR)
			return fail_here(j, HS_EIO, "read error: %s",
					 strerror(errno));
		if (got < 0)
			return (int)got;
		if (got == 0)
			j->eof = 1;
		j->len += (size_t)got;
	}
	return 0;
}

static inline int peek(hs_json *j)
{
	if (j->pos < j->len)
		return j->buf[j->pos];
	return peek_slow(j);
}

/* Consumes the byte peek() returned, keeping line and column. */
static inline int advance(hs_json *j)
{
	unsigned char c = j->buf[j->pos++];

	if (c == '\n') {
		j->line++;
		j->col = 1;
		return 0;
	}
	j->col++;
	if (j->col > j->line_max + 1)
		return fail_here(j, HS_ELIMIT, "the line is longer than %llu "
				 "bytes", (unsigned long long)j->line_max);
	return 0;
}

/* Reads one byte into *c; the end of input is an error here (inside a
 * token).  @return 0 or an HS_E* code. */
static int get(hs_json *j, int *c, const char *inside)
{
	int b = peek(j);

	if (b < -1)
		return b;
	if (b == -1)
		return fail_here(j, HS_ECORRUPT, "the input ends inside %s",
				 inside);
	HS_FORWARD_IF_ERROR(advance(j));
	*c = b;
	return 0;
}

/* Appends n decoded bytes: whole characters (an ASCII run may be cut
 * anywhere, a multi-byte character only whole).  Past string_max: an
 * error, or in lenient mode nothing more is kept and j->cut is set. */
static int str_put(hs_json *j, const char *p, size_t n)
{
	if (j->cut)
		return 0;
	if (n > j->string_max - j->slen || n > j->string_max) {
		if (!(j->mode & HS_JSON_LENIENT))
			return hs_json_fail(j, HS_ELIMIT, "a string is longer "
					    "than %zu bytes", j->string_max);
		j->cut = 1;
		n = (unsigned char)p[0] < 0x80 ? j->string_max - j->slen : 0;
		if (n == 0)
			return 0;
	}
	if (hs_vec_grow((void **)&j->str, &j->scap, j->slen + n + 1, 1) < 0)
		return hs_error_set(HS_ENOMEM, "%s: out of memory", j->name);
	memcpy(j->str + j->slen, p, n);
	j->slen += n;
	j->str[j->slen] = '\0';
	return 0;
}

/* Length of the UTF-8 sequence a lead byte starts (2..4), or 0. */
static int utf8_lead(unsigned c)
{
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/* Whether the complete sequence s[0..n) (n from utf8_lead) is valid. */
static int utf8_seq_ok(const unsigned char *s, int n)
{
	unsigned cp = s[0] & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);

	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		return 0;
	if (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
		return 0;
	return 1;
}

int hs_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		int k;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_lead(p[i]);
		if (!k || (size_t)k > n - i || !utf8_seq_ok(p + i, k))
			return 0;
		i += (size_t)k;
	}
	return 1;
}

static int hex4(hs_json *j, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		int c = 0;

		HS_FORWARD_IF_ERROR(get(j, &c, "a string"));
		if (c >= '0' && c <= '9')
			v = v << 4 | (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v << 4 | (unsigned)(c - 'A' + 10);
		else
			return fail_back(j, 1, HS_ECORRUPT, "bad \\u escape: "
					 "'%c' is not a hex digit",
					 c >= 0x20 && c < 0x7f ? c : '?');
	}
	*out = v;
	return 0;
}

static int put_cp(hs_json *j, unsigned cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return str_put(j, b, n);
}

/* A raw byte >= 0x80 (consumed; col is its column) and the rest of its
 * UTF-8 sequence.  Invalid: an error, or U+FFFD in lenient mode. */
static int lex_utf8(hs_json *j, int c)
{
	unsigned char seq[4];
	int k = utf8_lead((unsigned)c);
	uint64_t col = j->col - 1;

	seq[0] = (unsigned char)c;
	for (int i = 1; i < k; i++) {
		int d = peek(j);

		if (d < -1)
			return d;
		if (d < 0 || (d & 0xc0) != 0x80) {
			k = 0;
			break;
		}
		HS_FORWARD_IF_ERROR(advance(j));
		seq[i] = (unsigned char)d;
	}
	if (k && utf8_seq_ok(seq, k))
		return str_put(j, (const char *)seq, (size_t)k);
	if (j->mode & HS_JSON_LENIENT)
		return put_cp(j, 0xfffd);
	return fail_back(j, j->col - col, HS_ECORRUPT, "invalid UTF-8 in a "
			 "string (use {\"hex\":...} for bytes)");
}

/* Whether "\u" follows (lenient mode's look ahead: nothing consumed). */
static int escape_u_next(hs_json *j)
{
	if (hs_json__fill(j, 2) < 0 || j->len - j->pos < 2)
		return 0;
	return j->buf[j->pos] == '\\' && j->buf[j->pos + 1] == 'u';
}

/* After "\\u" (col: the column of the backslash): 4 hex digits, and the
 * low half of a surrogate pair.  A lone surrogate is an error, or U+FFFD
 * in lenient mode (V8 writes lone ones). */
static int lex_escape_u(hs_json *j, uint64_t col)
{
	int lenient = (j->mode & HS_JSON_LENIENT) != 0;
	unsigned cp, lo;

	HS_FORWARD_IF_ERROR(hex4(j, &cp));
	for (;;) {
		if (cp < 0xd800 || cp > 0xdfff)
			return put_cp(j, cp);
		if (cp >= 0xdc00) {
			if (lenient)
				return put_cp(j, 0xfffd);
			return fail_back(j, j->col - col, HS_ECORRUPT, "bad "
					 "\\u escape: a lone low surrogate");
		}
		if (lenient) {
			if (!escape_u_next(j))
				return put_cp(j, 0xfffd);
			HS_FORWARD_IF_ERROR(advance(j));
			HS_FORWARD_IF_ERROR(advance(j));
		} else {
			int a, b;

			HS_FORWARD_IF_ERROR(get(j, &a, "a string"));
			HS_FORWARD_IF_ERROR(get(j, &b, "a string"));
			if (a != '\\' || b != 'u')
				goto unpaired;
		}
		HS_FORWARD_IF_ERROR(hex4(j, &lo));
		if (lo >= 0xdc00 && lo <= 0xdfff)
			return put_cp(j, 0x10000 + ((cp - 0xd800) << 10) +
				      (lo - 0xdc00));
		if (!lenient)
			goto unpaired;
		/* the high half alone, then lo on its own */
		HS_FORWARD_IF_ERROR(put_cp(j, 0xfffd));
		cp = lo;
	}
unpaired:
	return fail_back(j, j->col - col, HS_ECORRUPT, "bad \\u escape: a "
			 "high surrogate without its low half");
}

/* After a backslash (consumed). */
static int lex_escape(hs_json *j)
{
	int c = 0;
	char ch;

	HS_FORWARD_IF_ERROR(get(j, &c, "a string"));
	switch (c) {
	case '"': case '\\': case '/': ch = (char)c; break;
	case 'b': ch = '\b'; break;
	case 'f': ch = '\f'; break;
	case 'n': ch = '\n'; break;
	case 'r': ch = '\r'; break;
	case 't': ch = '\t'; break;
	case 'u': return lex_escape_u(j, j->col - 2);
	default:
		return fail_back(j, 2, HS_ECORRUPT, "bad escape '\\%c'",
				 c >= 0x20 && c < 0x7f ? c : '?');
	}
	return str_put(j, &ch, 1);
}

/* After the opening quote. */
static int lex_string(hs_json *j)
{
	j->slen = 0;
	j->str[0] = '\0';
	j->cut = 0;
	for (;;) {
		int c = 0;
		size_t run = j->pos;

		/* fast path: a run of plain ASCII already in the buffer */
		while (run < j->len && j->buf[run] >= 0x20 &&
		       j->buf[run] < 0x80 && j->buf[run] != '"' &&
		       j->buf[run] != '\\')
			run++;
		if (run > j->pos &&
		    j->col + (run - j->pos) <= j->line_max + 1) {
			HS_FORWARD_IF_ERROR(str_put(j, (const char *)j->buf +
						    j->pos, run - j->pos));
			j->col += run - j->pos;
			j->pos = run;
			continue;
		}
		if (peek(j) == '\n')
			return fail_here(j, HS_ECORRUPT, "the line ends inside "
					 "a string");
		HS_FORWARD_IF_ERROR(get(j, &c, "a string"));
		if (c == '"')
			return HS_JSON_STRING;
		if (c < 0x20)
			return fail_back(j, 1, HS_ECORRUPT, "control character "
					 "0x%02x in a string", c);
		if (c >= 0x80)
			HS_FORWARD_IF_ERROR(lex_utf8(j, c));
		else if (c == '\\')
			HS_FORWARD_IF_ERROR(lex_escape(j));
		else {
			char ch = (char)c;

			HS_FORWARD_IF_ERROR(str_put(j, &ch, 1));
		}
	}
}

/* RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int lex_number(hs_json *j, int first)
{
	char txt[HS_JSON_NUMBER_MAX + 1];
	size_t n = 0, i = 0;
	int is_float = 0, c = first;

	for (;;) {
		if (n == HS_JSON_NUMBER_MAX)
			return hs_json_fail(j, HS_ELIMIT, "a number is longer "
					    "than %d characters",
					    HS_JSON_NUMBER_MAX);
		txt[n++] = (char)c;
		c = peek(j);
		if (c < -1)
			return c;
		if (!((c >= '0' && c <= '9') || c == '-' || c == '+' ||
		      c == '.' || c == 'e' || c == 'E'))
			break;
		HS_FORWARD_IF_ERROR(advance(j));
	}
	txt[n] = '\0';
	/* check the grammar */
	if (txt[i] == '-')
		i++;
	if (txt[i] == '0')
		i++;
	else if (txt[i] >= '1' && txt[i] <= '9')
		while (txt[i] >= '0' && txt[i] <= '9')
			i++;
	else
		goto bad;
	if (txt[i] == '.') {
		is_float = 1;
		i++;
		if (!(txt[i] >= '0' && txt[i] <= '9'))
			goto bad;
		while (txt[i] >= '0' && txt[i] <= '9')
			i++;
	}
	if (txt[i] == 'e' || txt[i] == 'E') {
		is_float = 1;
		i++;
		if (txt[i] == '+' || txt[i] == '-')
			i++;
		if (!(txt[i] >= '0' && txt[i] <= '9'))
			goto bad;
		while (txt[i] >= '0' && txt[i] <= '9')
			i++;
	}
	if (i != n)
		goto bad;
	if (is_float) {
		char *end;

		errno = 0;
		j->f = strtod(txt, &end);
		if (end != txt + n)
			goto bad;
		if (errno == ERANGE && (j->f > 1 || j->f < -1))
			return hs_json_fail(j, HS_ECORRUPT, "number %s is out "
					    "of range (write inf as "
					    "{\"float\":\"inf\"})", txt);
		return HS_JSON_FLOAT;
	}
	j->neg = txt[0] == '-';
	j->u = 0;
	for (i = (size_t)j->neg; i < n; i++) {
		unsigned d = (unsigned)(txt[i] - '0');

		if (j->u > (UINT64_MAX - d) / 10)
			return hs_json_fail(j, HS_ECORRUPT, "integer %s does "
					    "not fit 64 bits", txt);
		j->u = j->u * 10 + d;
	}
	if (j->neg && j->u > (uint64_t)INT64_MAX + 1)
		return hs_json_fail(j, HS_ECORRUPT, "integer %s does not fit "
				    "64 bits", txt);
	if (j->neg && j->u == 0)
		j->neg = 0;  /* -0 is the integer 0 */
	return HS_JSON_INT;
bad:
	return hs_json_fail(j, HS_ECORRUPT, "malformed number '%s'", txt);
}

static int lex_word(hs_json *j, int first)
{
	char w[8];
	size_t n = 0;
	int c = first;

	for (;;) {
		w[n++] = (char)c;
		c = peek(j);
		if (c < -1)
			return c;
		if (c < 'a' || c > 'z' || n == 6)
			break;
		HS_FORWARD_IF_ERROR(advance(j));
	}
	w[n] = '\0';
	if (strcmp(w, "true") == 0)
		return HS_JSON_TRUE;
	if (strcmp(w, "false") == 0)
		return HS_JSON_FALSE;
	if (strcmp(w, "null") == 0)
		return HS_JSON_NULL;
	return hs_json_fail(j, HS_ECORRUPT, "unexpected word '%s'", w);
}

int hs_json_next(hs_json *j)
{
	int c;

	for (;;) {
		c = peek(j);
		if (c < -1)
			return c;
		if (c != ' ' && c != '\t' && c != '\r' &&
		    (c != '\n' || !(j->mode & HS_JSON_DOCUMENT)))
			break;
		HS_FORWARD_IF_ERROR(advance(j));
	}
	j->tline = j->line;
	j->tcol = j->col;
	j->toff = j->base + j->pos;
	if (c == -1)
		return HS_JSON_EOF;
	HS_FORWARD_IF_ERROR(advance(j));
	switch (c) {
	case '\n': return HS_JSON_EOL;
	case '{': return HS_JSON_LBRACE;
	case '}': return HS_JSON_RBRACE;
	case '[': return HS_JSON_LBRACKET;
	case ']': return HS_JSON_RBRACKET;
	case ':': return HS_JSON_COLON;
	case ',': return HS_JSON_COMMA;
	case '"': return lex_string(j);
	default: break;
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return lex_number(j, c);
	if (c >= 'a' && c <= 'z')
		return lex_word(j, c);
	if (c >= 0x20 && c < 0x7f)
		return hs_json_fail(j, HS_ECORRUPT, "unexpected character "
				    "'%c'", c);
	return hs_json_fail(j, HS_ECORRUPT, "unexpected byte 0x%02x", c);
}
