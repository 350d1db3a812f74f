/*
 * jsonl_parse.c - lexes one JSON line (format/JSONL.md) into a line_t
 * (jsonl_import.h): keys the format knows into fields, arrays into
 * growable arrays, texts into the line's arena; unknown keys' values are
 * skipped with their syntax checked.  No tree is built: json.c hands out
 * tokens and this file consumes them.
 *
 * Load: one line's fields (13 bytes per reference of the line); the
 * arrays are reused from line to line.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "jsonl_import.h"
#include "vec.h"

const char *const hs_jl_field_names[F_COUNT] = {
	"kind", "format", "version", "runtime", "runtime_version", "pid",
	"time_ms", "reason", "word_size", "refs", "index", "name", "value",
	"frames", "id", "type", "size", "labels", "flags", "preview", "site",
	"root_kind", "label", "extra", "owner"
};

int hs_jl_fail(importer *im, int f, int code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return hs_error_set(code, "%s: line %llu, column %llu: %s", im->name,
			    (unsigned long long)im->L.line,
			    (unsigned long long)(f >= 0 ? im->L.col[f] : 1),
			    msg);
}

int hs_jl_oom(importer *im)
{
	return hs_error_set(HS_ENOMEM, "%s: line %llu: out of memory",
			    im->name, (unsigned long long)im->L.line);
}

static int arena_put(importer *im, const char *s, size_t n, text_t *out)
{
	line_t *L = &im->L;

	if (hs_vec_grow((void **)&L->arena, &L->acap, L->alen + n + 1, 1) < 0)
		return hs_jl_oom(im);
	out->off = L->alen;
	out->len = n;
	if (n)
		memcpy(L->arena + L->alen, s, n);
	L->arena[L->alen + n] = '\0';
	L->alen += n + 1;
	return 0;
}

static int unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The string token just lexed holds hex digits: decode into the arena. */
static int arena_hex(importer *im, text_t *out)
{
	hs_json *j = &im->j;
	line_t *L = &im->L;
	size_t n = j->slen / 2;

	if (j->slen % 2)
		return hs_json_fail(j, HS_ECORRUPT, "an odd number of hex "
				    "digits");
	if (n > HS_STRING_MAX)
		return hs_json_fail(j, HS_ELIMIT, "a string is longer than "
				    "%u bytes", HS_STRING_MAX);
	if (hs_vec_grow((void **)&L->arena, &L->acap, L->alen + n + 1, 1) < 0)
		return hs_jl_oom(im);
	for (size_t i = 0; i < n; i++) {
		int hi = unhex(j->str[2 * i]), lo = unhex(j->str[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return hs_json_fail(j, HS_ECORRUPT, "'%c%c' is not a "
					    "hex byte", j->str[2 * i],
					    j->str[2 * i + 1]);
		L->arena[L->alen + i] = (char)(hi << 4 | lo);
	}
	L->arena[L->alen + n] = '\0';
	out->off = L->alen;
	out->len = n;
	L->alen += n + 1;
	return 0;
}

static int next(importer *im)
{
	return hs_json_next(&im->j);
}

static int expect(importer *im, int tok, int want, const char *what)
{
	if (tok < 0)
		return tok;
	if (tok != want)
		return hs_json_fail(&im->j, HS_ECORRUPT, "expected %s, got %s",
				    what, hs_json_tok_name(tok));
	return 0;
}

/* After '{' of a one-key object {"KEY":"..."}: checks the key is one of
 * keys[] (@return its position in *which) and lexes the string value
 * (left in j->str), then the '}'. */
static int wrapped_string(importer *im, const char *const *keys, int nkeys,
			  int *which, const char *field)
{
	hs_json *j = &im->j;
	int tok = next(im);

	HS_FORWARD_IF_ERROR(expect(im, tok, HS_JSON_STRING, "a key"));
	for (*which = 0; *which < nkeys; (*which)++)
		if (strcmp(j->str, keys[*which]) == 0 &&
		    strlen(keys[*which]) == j->slen)
			break;
	if (*which == nkeys)
		return hs_json_fail(j, HS_ECORRUPT, "unknown key \"%.40s\" "
				    "in the value of \"%s\"", j->str, field);
	HS_FORWARD_IF_ERROR(expect(im, next(im), HS_JSON_COLON, "':'"));
	HS_FORWARD_IF_ERROR(expect(im, next(im), HS_JSON_STRING,
				   "a string"));
	return 0;
}

static int wrapped_end(importer *im)
{
	return expect(im, next(im), HS_JSON_RBRACE, "'}' (one key only)");
}

/* A text value: a JSON string, or {"hex":"..."} for bytes that are not
 * UTF-8.  tok is its first token. */
static int get_text(importer *im, int tok, text_t *out, const char *field)
{
	static const char *const keys[] = { "hex" };
	hs_json *j = &im->j;
	int which;

	if (tok == HS_JSON_STRING) {
		if (j->slen > HS_STRING_MAX)
			return hs_json_fail(j, HS_ELIMIT, "\"%s\" is longer "
					    "than %u bytes", field,
					    HS_STRING_MAX);
		return arena_put(im, j->str, j->slen, out);
	}
	if (tok != HS_JSON_LBRACE)
		return hs_json_fail(j, HS_ECORRUPT, "\"%s\" "
				    "must be a string or {\"hex\":...}, got %s",
				    field, hs_json_tok_name(tok));
	HS_FORWARD_IF_ERROR(wrapped_string(im, keys, 1, &which, field));
	HS_FORWARD_IF_ERROR(arena_hex(im, out));
	return wrapped_end(im);
}

static int get_u64(importer *im, int tok, uint64_t *v, const char *field)
{
	hs_json *j = &im->j;

	if (tok != HS_JSON_INT || j->neg)
		return hs_json_fail(j, HS_ECORRUPT, "\"%s\" must be a "
				    "non-negative integer, got %s", field,
				    tok == HS_JSON_INT ? "a negative one"
						       : hs_json_tok_name(tok));
	*v = j->u;
	return 0;
}

typedef int (*elem_fn)(importer *im, int tok, size_t i, void *ctx);

/* An array whose first token is tok; elem() takes each element's first
 * token and lexes the rest of it. */
static int parse_array(importer *im, int tok, const char *field, elem_fn elem,
		       void *ctx)
{
	size_t i = 0;

	if (tok != HS_JSON_LBRACKET)
		return hs_json_fail(&im->j, HS_ECORRUPT, "\"%s\" must be an "
				    "array, got %s", field,
				    hs_json_tok_name(tok));
	tok = next(im);
	if (tok < 0)
		return tok;
	if (tok == HS_JSON_RBRACKET)
		return 0;
	for (;;) {
		HS_FORWARD_IF_ERROR(elem(im, tok, i++, ctx));
		tok = next(im);
		if (tok < 0)
			return tok;
		if (tok == HS_JSON_RBRACKET)
			return 0;
		if (tok != HS_JSON_COMMA)
			return hs_json_fail(&im->j, HS_ECORRUPT, "\"%s\": "
					    "expected ',' or ']', got %s",
					    field, hs_json_tok_name(tok));
		tok = next(im);
		if (tok < 0)
			return tok;
	}
}

static int elem_ref(importer *im, int tok, size_t i, void *ctx)
{
	line_t *L = &im->L;
	uint64_t v = 0;

	HS_FORWARD_IF_ERROR(get_u64(im, tok, &v, "refs"));
	if (hs_vec_grow((void **)&L->refs, &L->rcap, L->nrefs + 1, 8) < 0)
		return hs_jl_oom(im);
	L->refs[L->nrefs++] = v;
	return 0;
}

static int elem_flag(importer *im, int tok, size_t i, void *ctx)
{
	line_t *L = &im->L;
	uint64_t v = 0;

	HS_FORWARD_IF_ERROR(get_u64(im, tok, &v, "flags"));
	if (v > 255)
		return hs_json_fail(&im->j, HS_ECORRUPT, "a flag is not in "
				    "0..255");
	if (hs_vec_grow((void **)&L->flags, &L->fcap, L->nflags + 1, 1) < 0)
		return hs_jl_oom(im);
	L->flags[L->nflags++] = (uint8_t)v;
	return 0;
}

/* A string index, or (when nullable) null, or a text to intern. */
static int get_name_ref(importer *im, int tok, uint64_t *out,
			const char *field, int nullable)
{
	line_t *L = &im->L;

	if (tok == HS_JSON_NULL && nullable) {
		*out = LBL_NONE;
		return 0;
	}
	if (tok == HS_JSON_INT) {
		HS_FORWARD_IF_ERROR(get_u64(im, tok, out, field));
		if (*out >= HS_NO_LABEL)
			return hs_json_fail(&im->j, HS_ECORRUPT, "\"%s\": "
					    "string index %llu is too large",
					    field, (unsigned long long)*out);
		return 0;
	}
	if (tok != HS_JSON_STRING && tok != HS_JSON_LBRACE)
		return hs_json_fail(&im->j, HS_ECORRUPT, "\"%s\": expected a "
				    "string index%s or a string, got %s", field,
				    nullable ? ", null" : "",
				    hs_json_tok_name(tok));
	if (hs_vec_grow((void **)&L->txt, &L->tcap, L->ntxt + 1,
			sizeof(text_t)) < 0)
		return hs_jl_oom(im);
	HS_FORWARD_IF_ERROR(get_text(im, tok, &L->txt[L->ntxt], field));
	*out = TXT_BIT | L->ntxt++;
	return 0;
}

static int elem_label(importer *im, int tok, size_t i, void *ctx)
{
	line_t *L = &im->L;

	if (hs_vec_grow((void **)&L->labels, &L->lcap, L->nlabels + 1, 8) < 0)
		return hs_jl_oom(im);
	HS_FORWARD_IF_ERROR(get_name_ref(im, tok, &L->labels[L->nlabels],
					 "labels", 1));
	L->nlabels++;
	return 0;
}

static int elem_frame_part(importer *im, int tok, size_t i, void *ctx)
{
	line_t *L = &im->L;
	uint64_t *v;

	if (i >= 3)
		return hs_json_fail(&im->j, HS_ECORRUPT, "a site frame is "
				    "[file, line, function]: too many items");
	v = &L->frames[L->nframes + i];
	*(size_t *)ctx = i + 1;
	if (i == 1) {
		HS_FORWARD_IF_ERROR(get_u64(im, tok, v, "frames"));
		if (*v > UINT32_MAX)
			return hs_json_fail(&im->j, HS_ECORRUPT, "a line "
					    "number does not fit 32 bits");
		return 0;
	}
	return get_name_ref(im, tok, v, "frames", 0);
}

static int elem_frame(importer *im, int tok, size_t i, void *ctx)
{
	line_t *L = &im->L;
	size_t got = 0;
	uint64_t col = im->j.tcol;

	if (L->nframes / 3 >= 256)
		return hs_json_fail(&im->j, HS_ECORRUPT, "a site has more "
				    "than 256 frames");
	if (hs_vec_grow((void **)&L->frames, &L->frcap, L->nframes + 3, 8) < 0)
		return hs_jl_oom(im);
	HS_FORWARD_IF_ERROR(parse_array(im, tok, "frames", elem_frame_part,
					&got));
	if (got != 3)
		return hs_error_set(HS_ECORRUPT, "%s: line %llu, column %llu: "
				    "a site frame is [file, line, function]",
				    im->name, (unsigned long long)L->line,
				    (unsigned long long)col);
	L->nframes += 3;
	return 0;
}

static int get_preview(importer *im, int tok)
{
	static const char *const keys[] = { "hex", "bin", "float" };
	hs_json *j = &im->j;
	line_t *L = &im->L;
	hs_value *v = &L->preview;
	int which;

	switch (tok) {
	case HS_JSON_NULL: v->kind = HS_VALUE_NONE; return 0;
	case HS_JSON_TRUE: case HS_JSON_FALSE:
		v->kind = HS_VALUE_BOOL;
		v->v.i = tok == HS_JSON_TRUE;
		return 0;
	case HS_JSON_INT:
		if (j->neg) {
			v->kind = HS_VALUE_INT;
			v->v.i = (int64_t)((uint64_t)0 - j->u);
		} else {
			v->kind = HS_VALUE_UINT;
			v->v.u = j->u;
		}
		return 0;
	case HS_JSON_FLOAT:
		v->kind = HS_VALUE_FLOAT;
		v->v.f = j->f;
		return 0;
	case HS_JSON_STRING:
		v->kind = HS_VALUE_STR;
		return get_text(im, tok, &L->pv, "preview");
	case HS_JSON_LBRACE:
		break;
	default:
		return hs_json_fail(j, HS_ECORRUPT, "\"preview\" must be a "
				    "scalar or {\"hex\"|\"bin\"|\"float\":...}"
				    ", got %s", hs_json_tok_name(tok));
	}
	HS_FORWARD_IF_ERROR(wrapped_string(im, keys, 3, &which, "preview"));
	if (which < 2) {
		v->kind = which == 0 ? HS_VALUE_STR : HS_VALUE_BYTES;
		HS_FORWARD_IF_ERROR(arena_hex(im, &L->pv));
	} else {
		v->kind = HS_VALUE_FLOAT;
		if (strcmp(j->str, "inf") == 0)
			v->v.f = HUGE_VAL;
		else if (strcmp(j->str, "-inf") == 0)
			v->v.f = -HUGE_VAL;
		else if (strcmp(j->str, "nan") == 0)
			v->v.f = NAN;
		else
			return hs_json_fail(j, HS_ECORRUPT, "{\"float\":...} "
					    "must be \"inf\", \"-inf\" or "
					    "\"nan\"");
	}
	return wrapped_end(im);
}

static int parse_field(importer *im, int f, int tok)
{
	line_t *L = &im->L;
	const char *name = hs_jl_field_names[f];

	switch (f) {
	case F_KIND: case F_FORMAT: case F_RUNTIME: case F_RUNTIME_VERSION:
	case F_REASON: case F_NAME: case F_VALUE: case F_ROOT_KIND:
		return get_text(im, tok, &L->t[f], name);
	case F_LABEL:
		if (tok == HS_JSON_NULL) {
			L->is_null[f] = 1;
			return 0;
		}
		return get_text(im, tok, &L->t[f], name);
	case F_REFS:
		if (tok == HS_JSON_STRING) {  /* the header's reference mode */
			L->is_text[f] = 1;
			return get_text(im, tok, &L->t[f], name);
		}
		return parse_array(im, tok, name, elem_ref, NULL);
	case F_TYPE:
		if (tok == HS_JSON_STRING || tok == HS_JSON_LBRACE) {
			L->is_text[f] = 1;
			return get_text(im, tok, &L->t[f], name);
		}
		HS_FORWARD_IF_ERROR(get_u64(im, tok, &L->u[f], name));
		if (L->u[f] >= UINT32_MAX)
			return hs_json_fail(&im->j, HS_ECORRUPT, "type index "
					    "%llu is too large",
					    (unsigned long long)L->u[f]);
		return 0;
	case F_SITE:
		if (tok == HS_JSON_NULL) {
			L->is_null[f] = 1;
			return 0;
		}
		HS_FORWARD_IF_ERROR(get_u64(im, tok, &L->u[f], name));
		if (L->u[f] >= HS_NO_SITE)
			return hs_json_fail(&im->j, HS_ECORRUPT, "site index "
					    "%llu is too large",
					    (unsigned long long)L->u[f]);
		return 0;
	case F_LABELS:
		return parse_array(im, tok, name, elem_label, NULL);
	case F_FLAGS:
		return parse_array(im, tok, name, elem_flag, NULL);
	case F_FRAMES:
		return parse_array(im, tok, name, elem_frame, NULL);
	case F_PREVIEW:
		return get_preview(im, tok);
	default:  /* the integer fields */
		return get_u64(im, tok, &L->u[f], name);
	}
}

/* @return the F_* of a key, or F_COUNT. */
static int find_field(const char *key, size_t len)
{
	for (int f = 0; f < F_COUNT; f++)
		if (hs_jl_field_names[f][0] == key[0] &&
		    strlen(hs_jl_field_names[f]) == len &&
		    memcmp(hs_jl_field_names[f], key, len) == 0)
			return f;
	return F_COUNT;
}

static void line_reset(line_t *L, uint64_t line)
{
	L->have = 0;
	L->line = line;
	memset(L->u, 0, sizeof(L->u));
	memset(L->t, 0, sizeof(L->t));
	memset(L->is_text, 0, sizeof(L->is_text));
	memset(L->is_null, 0, sizeof(L->is_null));
	L->nrefs = L->nlabels = L->nflags = L->nframes = L->ntxt = 0;
	L->alen = 0;
	L->preview.kind = HS_VALUE_NONE;
}

void hs_jl_line_free(line_t *L)
{
	free(L->refs);
	free(L->labels);
	free(L->flags);
	free(L->frames);
	free(L->txt);
	free(L->arena);
	free(L->lbl32);
}

int hs_jl_parse_line(importer *im)
{
	hs_json *j = &im->j;
	line_t *L = &im->L;
	int tok = next(im);

	if (tok < 0)
		return tok;
	if (tok == HS_JSON_EOF)
		return HS_ITEROVER;
	if (tok == HS_JSON_EOL)
		return 0;
	if (tok != HS_JSON_LBRACE)
		return hs_json_fail(j, HS_ECORRUPT, "a line must hold one JSON "
				    "object, got %s", hs_json_tok_name(tok));
	line_reset(L, j->tline);
	tok = next(im);
	if (tok < 0)
		return tok;
	if (tok != HS_JSON_RBRACE) {
		for (;;) {
			int f;

			HS_FORWARD_IF_ERROR(expect(im, tok, HS_JSON_STRING,
						   "a key"));
			f = find_field(j->str, j->slen);
			if (f < F_COUNT && (L->have & (1u << f)))
				return hs_json_fail(j, HS_ECORRUPT, "duplicate "
						    "key \"%s\"",
						    hs_jl_field_names[f]);
			HS_FORWARD_IF_ERROR(expect(im, next(im), HS_JSON_COLON,
						   "':'"));
			tok = next(im);
			if (tok < 0)
				return tok;
			if (f < F_COUNT) {
				L->have |= 1u << f;
				L->col[f] = j->tcol;
				HS_FORWARD_IF_ERROR(parse_field(im, f, tok));
			} else {
				/* the record object itself is level 1 */
				HS_FORWARD_IF_ERROR(hs_json_skip(j, tok, 1,
						    HS_JSONL_DEPTH_MAX));
			}
			tok = next(im);
			if (tok < 0)
				return tok;
			if (tok == HS_JSON_RBRACE)
				break;
			if (tok != HS_JSON_COMMA)
				return hs_json_fail(j, HS_ECORRUPT, "expected "
						    "',' or '}', got %s",
						    hs_json_tok_name(tok));
			tok = next(im);
			if (tok < 0)
				return tok;
		}
	}
	tok = next(im);
	if (tok < 0)
		return tok;
	if (tok != HS_JSON_EOL && tok != HS_JSON_EOF)
		return hs_json_fail(j, HS_ECORRUPT, "expected the end of the "
				    "line after the record, got %s",
				    hs_json_tok_name(tok));
	return 1;
}
