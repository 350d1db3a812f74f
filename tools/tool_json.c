/*
 * tool_json.c - the tools' --json writer (see tool_json.h).
 */
#include <inttypes.h>
#include <string.h>

#include "tool.h"
#include "tool_json.h"

void tj_key(tool_json *j, const char *key)
{
	if (j->more)
		putc(',', j->f);
	j->more = 1;
	if (key)
		fprintf(j->f, "\"%s\":", key);
}

void tj_begin(tool_json *j, FILE *f)
{
	j->f = f;
	j->more = 0;
	putc('{', f);
}

void tj_finish(tool_json *j)
{
	fputs("}\n", j->f);
}

void tj_object(tool_json *j, const char *key)
{
	tj_key(j, key);
	putc('{', j->f);
	j->more = 0;
}

void tj_array(tool_json *j, const char *key)
{
	tj_key(j, key);
	putc('[', j->f);
	j->more = 0;
}

/* a closed container is a member of the one around it */
void tj_end_object(tool_json *j)
{
	putc('}', j->f);
	j->more = 1;
}

void tj_end_array(tool_json *j)
{
	putc(']', j->f);
	j->more = 1;
}

void tj_u64(tool_json *j, const char *key, uint64_t v)
{
	tj_key(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void tj_i64(tool_json *j, const char *key, int64_t v)
{
	tj_key(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void tj_u64_if(tool_json *j, const char *key, int have, uint64_t v)
{
	if (have)
		tj_u64(j, key, v);
	else
		tj_null(j, key);
}

void tj_bool(tool_json *j, const char *key, int v)
{
	tj_key(j, key);
	fputs(v ? "true" : "false", j->f);
}

void tj_null(tool_json *j, const char *key)
{
	tj_key(j, key);
	fputs("null", j->f);
}

void tj_fixed(tool_json *j, const char *key, double v, int digits)
{
	tj_key(j, key);
	fprintf(j->f, "%.*f", digits, v);
}

void tj_str(tool_json *j, const char *key, const char *s, size_t n)
{
	tj_key(j, key);
	tool_json_str(j->f, s, n);
}

void tj_cstr(tool_json *j, const char *key, const char *s)
{
	tj_str(j, key, s, s ? strlen(s) : 0);
}
