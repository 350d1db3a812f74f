/*
 * json_values.c - whole values through the lexer of json.c (see
 * json.h): arrays of non-negative integers read in bulk, which is most
 * of a V8 heap snapshot, and values skipped with their syntax checked.
 *
 * Load: nothing beyond the lexer's; hs_json_skip() keeps a 512-byte bit
 * stack.  hs_json_uints() runs at about 1 ns per byte on V8's layout
 * ("1,2,3\n,4,5,6"): eight digits at a time, the position kept in
 * locals, and the lexer called only for what does not fit the pattern.
 */
#include <endian.h>
#include <string.h>

#include "error.h"
#include "json.h"

/* Bytes hs_json_uints() wants in the buffer before it looks at an
 * element: a whole number and its separators, unless the input ends. */
#define UINTS_AHEAD (HS_JSON_NUMBER_MAX + 16)

/* hs_json_uints()' position, in locals: the buffer's bytes could alias
 * the lexer's fields, which the compiler would then reload. */
typedef struct {
	const unsigned char *b;
	size_t i, e;
	uint64_t line, lstart;  /* lstart: input offset of the line's start */
	int state;              /* 0 after '[', 1 after an element, 2 after
	                           its ',' */
	int nl;                 /* newlines are whitespace */
} cursor;

static void cur_load(cursor *c, const hs_json *j)
{
	c->b = j->buf;
	c->i = j->pos;
	c->e = j->len;
	c->line = j->line;
	c->lstart = j->base + j->pos - (j->col - 1);
}

static void cur_sync(const cursor *c, hs_json *j)
{
	j->pos = c->i;
	j->line = c->line;
	j->col = j->base + c->i - c->lstart + 1;
}

/* The count of leading decimal digits in the 8 bytes at p (8: maybe
 * more), and their value in *v. */
static inline __attribute__((always_inline)) unsigned
digits8(const unsigned char *p, uint64_t *v)
{
	uint64_t x, h, l, nz;
	unsigned d;

	memcpy(&x, p, 8);
	x = le64toh(x);
	/* per byte: high nibble 3, low nibble <= 9; no carry across bytes */
	h = (x & 0xf0f0f0f0f0f0f0f0ull) ^ 0x3030303030303030ull;
	l = ((x & 0x0f0f0f0f0f0f0f0full) + 0x0606060606060606ull) &
	    0xf0f0f0f0f0f0f0f0ull;
	h |= l;
	nz = (((h & 0x7f7f7f7f7f7f7f7full) + 0x7f7f7f7f7f7f7f7full) | h) &
	     0x8080808080808080ull;
	d = nz ? (unsigned)__builtin_ctzll(nz) / 8 : 8;
	if (d == 0)
		return 0;
	/* the d digits to the top bytes: zeros enter as leading zeros; then
	 * pairs, quads and octets of digits combine */
	x = (x & 0x0f0f0f0f0f0f0f0full) << (8 * (8 - d));
	x = (x * 10 + (x >> 8)) & 0x00ff00ff00ff00ffull;
	x = (x * 100 + (x >> 16)) & 0x0000ffff0000ffffull;
	x = (x * 10000 + (x >> 32)) & 0xffffffffull;
	*v = x;
	return d;
}

/* The number at c->i: its digit count (up to 19), 0 when it is not a
 * plain non-negative integer (the lexer is to lex it). */
static inline __attribute__((always_inline)) unsigned
number(const cursor *c, uint64_t *v)
{
	static const uint64_t p10[9] = {
		1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000
	};
	const unsigned char *p = c->b + c->i;
	unsigned d = digits8(p, v), d2;
	uint64_t y = 0;
	unsigned char n;

	if (d == 8) {
		d2 = digits8(p + 8, &y);
		*v = *v * p10[d2] + y;
		d += d2;
		while (d < 20 && p[d] - (unsigned)'0' < 10) {
			*v = *v * 10 + (uint64_t)(p[d] - '0');
			d++;
		}
	}
	n = p[d];
	if (d == 0 || d == 20 || (p[0] == '0' && d > 1) || n == '.' ||
	    n == 'e' || n == 'E' || n == '-' || n == '+')
		return 0;
	return d;
}

/* What stands where an element or a separator was expected, lexed as a
 * token to name it.  @return 0 with *v (a 20-digit integer the fast path
 * leaves to the lexer), or an error. */
static int slow(hs_json *j, uint64_t *v, int sep)
{
	int tok = hs_json_next(j);

	if (tok < 0)
		return tok;
	if (!sep && tok == HS_JSON_INT && !j->neg) {
		*v = j->u;
		return 0;
	}
	if (sep)
		return hs_json_fail(j, HS_ECORRUPT, "expected ',' or ']', got "
				    "%s", hs_json_tok_name(tok));
	return hs_json_fail(j, HS_ECORRUPT, "expected a non-negative integer, "
			    "got %s", tok == HS_JSON_INT ? "a negative integer"
			    : hs_json_tok_name(tok));
}

/* Whitespace, counting lines.  @return 1 when what follows may not all
 * be in the buffer (a long run of spaces: refill first). */
static inline int space(cursor *c, const hs_json *j)
{
	while (c->i < c->e) {
		unsigned char ch = c->b[c->i];

		if (ch == '\n' && c->nl) {
			c->line++;
			c->lstart = j->base + c->i + 1;
		} else if (ch != ' ' && ch != '\t' && ch != '\r') {
			break;
		}
		c->i++;
	}
	return c->e - c->i < UINTS_AHEAD && !j->eof;
}

/* V8's own layout: a separator of ',' or "\n," then a number of 1 to 19
 * digits.  @return 1 with *v read, 0 to take the general path. */
static inline int fast(cursor *c, const hs_json *j, uint64_t *v,
		       hs_json_pos *pos)
{
	const unsigned char *b = c->b;
	size_t i = c->i;
	unsigned d;

	if (c->state == 1) {
		if (b[i] == '\n' && c->nl && b[i + 1] == ',') {
			c->line++;
			c->lstart = j->base + i + 1;
			i++;
		} else if (b[i] != ',') {
			return 0;
		}
		c->i = ++i;
		c->state = 2;
	}
	d = number(c, v);
	if (!d)
		return 0;
	if (pos) {
		pos->line = c->line;
		pos->col = j->base + i - c->lstart + 1;
		pos->off = j->base + i;
	}
	c->i = i + d;
	c->state = 1;
	return 1;
}

/* The general path for one step: whitespace, a separator or the end, an
 * element (through the lexer when it is not plain).  @return 1 with *v
 * read, 0 for a step without an element, 2 at the ']', or an error. */
static int general(cursor *c, hs_json *j, uint64_t *v, hs_json_pos *pos)
{
	unsigned d;
	int rc;

	if (space(c, j))
		return 0;
	cur_sync(c, j);
	if (j->col > j->line_max + 1)
		return hs_json__fail_back(j, 0, HS_ELIMIT, "the line is "
					  "longer than %llu bytes",
					  (unsigned long long)j->line_max);
	if (c->i == c->e)
		return hs_json__fail_back(j, 0, HS_ECORRUPT, "the input ends "
					  "inside an array");
	if (c->b[c->i] == ']' && c->state != 2) {
		c->i++;
		return 2;
	}
	if (c->state == 1) {
		if (c->b[c->i] != ',')
			return slow(j, v, 1);
		c->i++;
		c->state = 2;
		return 0;
	}
	if (pos) {
		pos->line = c->line;
		pos->col = j->col;
		pos->off = j->base + c->i;
	}
	d = number(c, v);
	if (d) {
		c->i += d;
	} else {
		if ((rc = slow(j, v, 0)) < 0)
			return rc;
		cur_load(c, j);
	}
	c->state = 1;
	return 1;
}

int hs_json_uints(hs_json *j, uint64_t *v, hs_json_pos *pos, size_t n,
		  size_t *got)
{
	cursor c;
	size_t k = 0;
	int rc = 0;

	cur_load(&c, j);
	c.state = j->in_array;
	c.nl = (j->mode & HS_JSON_DOCUMENT) != 0;
	while (k < n) {
		if (c.e - c.i < UINTS_AHEAD && !j->eof) {
			cur_sync(&c, j);
			if ((rc = hs_json__fill(j, UINTS_AHEAD)) < 0)
				break;
			c.b = j->buf;
			c.i = j->pos;
			c.e = j->len;
		}
		if (j->eof)
			j->buf[c.e] = '\0';  /* digits stop there */
		if (fast(&c, j, &v[k], pos ? &pos[k] : NULL)) {
			k++;
			continue;
		}
		rc = general(&c, j, &v[k], pos ? &pos[k] : NULL);
		if (rc < 0)
			break;
		if (rc == 2) {
			rc = 0;
			break;
		}
		k += (size_t)rc;
		rc = 0;
	}
	if (rc == 0)
		cur_sync(&c, j);
	j->in_array = c.state;
	*got = k;
	return rc;
}

/* In an object, tok (>= 0) starts a member: its key, then ':'.
 * @return the token after the colon, or a failure (said). */
static int key_colon(hs_json *j, int tok)
{
	if (tok != HS_JSON_STRING)
		return hs_json_fail(j, HS_ECORRUPT, "expected a key, got %s",
				    hs_json_tok_name(tok));
	tok = hs_json_next(j);
	if (tok < 0)
		return tok;
	if (tok != HS_JSON_COLON)
		return hs_json_fail(j, HS_ECORRUPT, "expected ':', got %s",
				    hs_json_tok_name(tok));
	return hs_json_next(j);
}

int hs_json_skip(hs_json *j, int tok, int depth, int max)
{
	unsigned char stack[HS_JSON_SKIP_MAX / 8];  /* bit set: an object */
	int top = 0, want_value = 1;

#define SKIP_OBJ(i) ((stack[(i) / 8] >> ((i) % 8)) & 1)
#define SKIP_CLOSE(i) (SKIP_OBJ(i) ? HS_JSON_RBRACE : HS_JSON_RBRACKET)
	if (max > HS_JSON_SKIP_MAX)
		max = HS_JSON_SKIP_MAX;
	for (;;) {
		if (tok < 0)
			return tok;
		if (want_value) {
			if (tok == HS_JSON_LBRACE || tok == HS_JSON_LBRACKET) {
				if (depth + top + 1 > max)
					return hs_json_fail(j, HS_ELIMIT,
						"values nest deeper than %d",
						max);
				if (tok == HS_JSON_LBRACE)
					stack[top / 8] |= (unsigned char)
						(1u << (top % 8));
				else
					stack[top / 8] &= (unsigned char)
						~(1u << (top % 8));
				top++;
				tok = hs_json_next(j);
				if (tok < 0)
					return tok;
				if (tok == SKIP_CLOSE(top - 1)) {
					top--;
					want_value = 0;
				} else if (SKIP_OBJ(top - 1)) {
					tok = key_colon(j, tok);
				}
				continue;
			}
			if (tok < HS_JSON_STRING)
				return hs_json_fail(j, HS_ECORRUPT, "expected a "
						    "value, got %s",
						    hs_json_tok_name(tok));
			want_value = 0;
		}
		if (top == 0)
			return 0;
		tok = hs_json_next(j);
		if (tok < 0)
			return tok;
		if (tok == SKIP_CLOSE(top - 1)) {
			top--;
			continue;
		}
		if (tok != HS_JSON_COMMA)
			return hs_json_fail(j, HS_ECORRUPT, "expected ',' or "
					    "'%c', got %s", SKIP_OBJ(top - 1)
					    ? '}' : ']', hs_json_tok_name(tok));
		tok = hs_json_next(j);
		if (tok >= 0 && SKIP_OBJ(top - 1))
			tok = key_colon(j, tok);
		want_value = 1;
	}
#undef SKIP_OBJ
#undef SKIP_CLOSE
}
