/*
 * json.h - a bounded pull lexer for JSON lines (internal; used by
 * jsonl_parse.c).
 *
 * It reads a FILE* through a 64 KiB buffer and hands out one token at a
 * time, so no input can make it build a tree: memory is the buffer plus
 * the longest string (string_max).  Newlines are tokens (HS_JSON_EOL)
 * because in JSON lines they end a record; the caller decides where a
 * newline is allowed.  Every input is hostile: strings must be valid
 * UTF-8 with no raw control characters, numbers follow RFC 8259's grammar
 * and are at most HS_JSON_NUMBER_MAX characters, integers must fit 64
 * bits, and a line may not be longer than line_max bytes.  The lexer never
 * recurses; nesting is the caller's to bound.
 *
 * Errors read "NAME: line L, column C: cause", with C the 1-based byte
 * column of the offending token or byte.
 */
#ifndef HS_JSON_H
#define HS_JSON_H

#include <stdint.h>
#include <stdio.h>

#include "hs_common.h"

/** Longest number, in characters. */
#define HS_JSON_NUMBER_MAX 64

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

typedef struct {
	FILE *in;
	const char *name;      /* for messages */
	unsigned char *buf;    /* HS_JSON_BUF bytes */
	size_t pos, len;
	int eof;
	uint64_t line, col;    /* position of the next byte, from 1 */
	uint64_t tline, tcol;  /* start of the last token */
	uint64_t line_max;     /* longest line in bytes, newline excluded */
	size_t string_max;     /* longest decoded string in bytes */
	char *str;             /* HS_JSON_STRING: decoded, NUL-terminated */
	size_t slen, scap;
	int neg;               /* HS_JSON_INT: negative */
	uint64_t u;            /* HS_JSON_INT: magnitude */
	double f;              /* HS_JSON_FLOAT */
} hs_json;

/**
 * hs_json_init() : prepare to lex `in`; pair with hs_json_release().
 * @return 0 or HS_ENOMEM.
 */
int hs_json_init(hs_json *j, FILE *in, const char *name, uint64_t line_max,
		 size_t string_max);

/** hs_json_release() : free the buffers (the FILE stays open). */
void hs_json_release(hs_json *j);

/**
 * hs_json_next() : lex the next token, skipping spaces, tabs and CRs.
 * @return the token (>= 0), or HS_ECORRUPT (malformed), HS_ELIMIT (a
 *         documented limit), HS_EIO (read error), HS_ENOMEM.
 */
int hs_json_next(hs_json *j);

/**
 * hs_json_fail() : set "NAME: line L, column C: message" at the start of
 * the last token.  @return code.
 */
int hs_json_fail(hs_json *j, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** hs_json_tok_name() : "'}'", "a string", "end of line"... */
const char *hs_json_tok_name(int tok);

/** hs_utf8_valid() : whether s[0..n) is valid UTF-8 (no overlongs, no
 *  surrogates, nothing past U+10FFFF). */
int hs_utf8_valid(const char *s, size_t n);

#endif
