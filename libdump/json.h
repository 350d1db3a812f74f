/*
 * json.h - a bounded pull lexer for JSON (internal; used by
 * jsonl_parse.c for JSON lines and by v8_parse.c for V8 heap snapshots).
 *
 * It reads through a 64 KiB buffer, from a stdio stream or a read
 * callback, and hands out one token at a time, so no input can make it
 * build a tree: memory is the buffer plus the longest string
 * (string_max).  Every input is hostile: strings must be valid UTF-8
 * with no raw control characters, numbers follow RFC 8259's grammar and
 * are at most HS_JSON_NUMBER_MAX characters, integers must fit 64 bits,
 * and a line may not be longer than line_max bytes.  The lexer never
 * recurses; nesting is the caller's to bound (hs_json_skip bounds it).
 *
 * Two uses, set by hs_json.mode:
 *
 *  - JSON lines (mode 0): newlines are tokens (HS_JSON_EOL) because they
 *    end a record; errors read "NAME: line L, column C: cause", with C
 *    the 1-based byte column of the offending token or byte.
 *
 *  - one JSON document (HS_JSON_DOCUMENT | ...): newlines are
 *    whitespace, errors also give the byte offset from the start of the
 *    input, "NAME: line L, column C (byte O): cause"; with
 *    HS_JSON_LENIENT, a string longer than string_max is cut there (on a
 *    character boundary; cut is set) instead of failing, and lone
 *    surrogate escapes and invalid UTF-8 become U+FFFD (V8 writes both).
 *    hs_json_uints() reads arrays of integers in bulk, at about 1 ns a
 *    byte.
 */
#ifndef HS_JSON_H
#define HS_JSON_H

#include <stdint.h>
#include <stdio.h>

#include "hs_common.h"

/** Longest number, in characters. */
#define HS_JSON_NUMBER_MAX 64
/** Deepest nesting hs_json_skip() can track. */
#define HS_JSON_SKIP_MAX 4096

/** hs_json.mode bits. */
#define HS_JSON_DOCUMENT 0x1u  /**< newlines are whitespace; offsets */
#define HS_JSON_LENIENT 0x2u   /**< cut long strings, replace bad text */

typedef enum {
	HS_JSON_EOF = 0,
	HS_JSON_EOL,       /* a newline */
	HS_JSON_LBRACE,    /* { */
	HS_JSON_RBRACE,    /* } */
	HS_JSON_LBRACKET,  /* [ */
	HS_JSON_RBRACKET,  /* ] */
	HS_JSON_COLON,
	HS_JSON_COMMA,
	HS_JSON_STRING,    /* decoded bytes in str/slen */
	HS_JSON_INT,       /* an integer: magnitude u, sign neg */
	HS_JSON_FLOAT,     /* a number with '.' or an exponent: f */
	HS_JSON_TRUE,
	HS_JSON_FALSE,
	HS_JSON_NULL
} hs_json_tok;

/** Reads up to n bytes into buf: @return the count (0 at the end of the
 *  input) or a negative HS_E* code after setting a message. */
typedef long (*hs_json_read_fn)(void *payload, void *buf, size_t n);

/** Where a token or value starts. */
typedef struct {
	uint64_t line, col;    /* from 1 */
	uint64_t off;          /* bytes before it in the input */
} hs_json_pos;

typedef struct {
	hs_json_read_fn read;
	void *payload;
	const char *name;      /* for messages */
	unsigned mode;         /* HS_JSON_DOCUMENT, HS_JSON_LENIENT */
	unsigned char *buf;    /* HS_JSON_BUF bytes */
	size_t pos, len;
	uint64_t base;         /* input offset of buf[0] */
	int eof;
	uint64_t line, col;    /* position of the next byte, from 1 */
	uint64_t tline, tcol;  /* start of the last token */
	uint64_t toff;
	uint64_t line_max;     /* longest line in bytes, newline excluded */
	size_t string_max;     /* longest decoded string in bytes */
	char *str;             /* HS_JSON_STRING: decoded, NUL-terminated */
	size_t slen, scap;
	int cut;               /* HS_JSON_STRING: cut at string_max */
	int neg;               /* HS_JSON_INT: negative */
	uint64_t u;            /* HS_JSON_INT: magnitude */
	double f;              /* HS_JSON_FLOAT */
	int in_array;          /* hs_json_uints: an element was read */
} hs_json;

/**
 * hs_json_init() : prepare to lex the stream `in`; pair with
 * hs_json_release().  mode is 0 (JSON lines).
 * @return 0 or HS_ENOMEM.
 */
int hs_json_init(hs_json *j, FILE *in, const char *name, uint64_t line_max,
		 size_t string_max);

/** hs_json_init_read() : as hs_json_init(), reading through read(payload,
 *  ...), in the given mode. */
int hs_json_init_read(hs_json *j, hs_json_read_fn read, void *payload,
		      const char *name, unsigned mode, uint64_t line_max,
		      size_t string_max);

/** hs_json_release() : free the buffers (the input stays open). */
void hs_json_release(hs_json *j);

/**
 * hs_json_next() : lex the next token, skipping spaces, tabs and CRs (and
 * newlines in a document).
 * @return the token (>= 0), or HS_ECORRUPT (malformed), HS_ELIMIT (a
 *         documented limit), HS_EIO (read error), HS_ENOMEM.
 */
int hs_json_next(hs_json *j);

/**
 * hs_json_uints() : in an array of non-negative integers whose '[' was
 * just lexed, the next up to n elements into v, and where each starts
 * into pos (NULL: not wanted).  Set j->in_array = 0 after the '['.
 * @param[out] got  elements read; fewer than n when the array ended (its
 *                  ']' consumed; also 0 for "[]").
 * @return 0, or HS_ECORRUPT (not such an element, a bad separator; the
 *         message names the place), HS_EIO, HS_ELIMIT.
 */
int hs_json_uints(hs_json *j, uint64_t *v, hs_json_pos *pos, size_t n,
		  size_t *got);

/**
 * hs_json_skip() : skip the value whose first token is tok (already
 * lexed), checking its syntax; arrays and objects are tracked on a bit
 * stack, not by recursion.  depth is the nesting of the value's
 * container (1 for a value of a top-level object); the value may nest up
 * to max levels in all (<= HS_JSON_SKIP_MAX).
 * @return 0 or an error (HS_ELIMIT past max).
 */
int hs_json_skip(hs_json *j, int tok, int depth, int max);

/**
 * hs_json_fail() : set "NAME: line L, column C: message" at the start of
 * the last token (with "(byte O)" in a document).  @return code.
 */
int hs_json_fail(hs_json *j, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** hs_json_fail_at() : as hs_json_fail(), at pos. */
int hs_json_fail_at(hs_json *j, const hs_json_pos *pos, int code,
		    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/** hs_json_tpos() : where the last token starts. */
hs_json_pos hs_json_tpos(const hs_json *j);

/** hs_json_tok_name() : "'}'", "a string", "end of line"... */
const char *hs_json_tok_name(int tok);

/* Shared with json_values.c (internal to the lexer): */

/** The lexer's read buffer, in bytes (plus 32 of slack, see
 *  json_values.c). */
#define HS_JSON_BUF (64u * 1024)

/** hs_json__fill() : make at least n bytes (<= HS_JSON_BUF) available
 *  from pos, unless the input ends first (what is left moves to the front
 *  of the buffer).  @return 0 or a read error. */
int hs_json__fill(hs_json *j, size_t n);

/** hs_json__fail_back() : an error `back` bytes before the byte about to
 *  be read (0: at it), which lie on the current line. */
int hs_json__fail_back(hs_json *j, uint64_t back, int code, const char *fmt,
		       ...) __attribute__((format(printf, 4, 5)));

/** hs_utf8_valid() : whether s[0..n) is valid UTF-8 (no overlongs, no
 *  surrogates, nothing past U+10FFFF). */
int hs_utf8_valid(const char *s, size_t n);

#endif
