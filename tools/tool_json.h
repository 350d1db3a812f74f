/*
 * tool_json.h - the tools' --json output: a document written member by
 * member, the writer putting the commas, the quotes and the escapes
 * (tool_json_str) where they belong, so that a tool says what it prints,
 * not how JSON is spelt.  Streams to a FILE; no tree is built and no
 * stack is kept (the caller closes what it opened, saying what), so any
 * depth costs the same: the struct.
 */
#ifndef HS_TOOL_JSON_H
#define HS_TOOL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
	FILE *f;
	int more;         /* the innermost open container has a member */
} tool_json;

/* tj_begin() : start a document on f: its outer object.  tj_finish()
 * closes it and ends the line. */
void tj_begin(tool_json *j, FILE *f);
void tj_finish(tool_json *j);

/* In the calls below, key names the member of the object being written;
 * NULL: the next element of the array being written. */

/* tj_object(), tj_array() : open a member that is an object or an
 * array; tj_end_object(), tj_end_array() close the innermost one. */
void tj_object(tool_json *j, const char *key);
void tj_array(tool_json *j, const char *key);
void tj_end_object(tool_json *j);
void tj_end_array(tool_json *j);

/* tj_key() : the member's key (and the comma before it); the caller
 * writes its value on j->f. */
void tj_key(tool_json *j, const char *key);

void tj_u64(tool_json *j, const char *key, uint64_t v);
void tj_i64(tool_json *j, const char *key, int64_t v);
/* tj_u64_if() : v if have, else null. */
void tj_u64_if(tool_json *j, const char *key, int have, uint64_t v);
void tj_bool(tool_json *j, const char *key, int v);
void tj_null(tool_json *j, const char *key);
/* tj_fixed() : v with `digits` decimals ("%.3f"). */
void tj_fixed(tool_json *j, const char *key, double v, int digits);
/* tj_str() : s[0..n) as a JSON string (tool_json_str); NULL s: null.
 * tj_cstr() : the same for a NUL-terminated s. */
void tj_str(tool_json *j, const char *key, const char *s, size_t n);
void tj_cstr(tool_json *j, const char *key, const char *s);

#endif
