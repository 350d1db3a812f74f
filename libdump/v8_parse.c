/*
 * v8_parse.c - a V8 heap snapshot's JSON, streamed once: snapshot.meta
 * gives the layout (never constants: extra fields such as detachedness
 * and trace_node_id are read past), the nodes and edges arrays go to
 * v8_arrays.c, and the strings, which V8 writes last, are declared to the
 * writer as types or labels, or kept as previews, by what the nodes and
 * edges used them for.  The other keys (trace_function_infos,
 * trace_tree, samples, locations...) are skipped with their syntax
 * checked.
 *
 * Load: the lexer's 64 KiB, meta's names; the strings' marks and maps
 * are scratch arrays (v8.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "timing.h"
#include "v8.h"

/* Longest field or type name in snapshot.meta. */
#define META_NAME_MAX 64

typedef struct {
	char *nfields[HS_V8_FIELDS_MAX], *efields[HS_V8_FIELDS_MAX];
	unsigned nnf, nef;
	/* the arrays of names in node_types and edge_types, by position */
	char **ntypes[HS_V8_FIELDS_MAX], **etypes[HS_V8_FIELDS_MAX];
	unsigned nnt[HS_V8_FIELDS_MAX], net[HS_V8_FIELDS_MAX];
	int have_nf, have_ef, have_nt, have_et;
} meta_t;

int hs_v8__fail_at(v8_im *im, const hs_json_pos *pos, int code,
		   const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return hs_json_fail_at(&im->j, pos, code, "%s", msg);
}

static int expect(v8_im *im, int tok, int want, const char *what)
{
	if (tok < 0)
		return tok;
	if (tok != want)
		return hs_json_fail(&im->j, HS_ECORRUPT, "%s: expected %s, got "
				    "%s", what, hs_json_tok_name(want),
				    hs_json_tok_name(tok));
	return 0;
}

/* Walks an array whose '[' was lexed: *state 0 at first.  @return 1 with
 * an element's first token in *tok, 0 after the ']', or an error. */
static int array_next(v8_im *im, int *state, int *tok, const char *what)
{
	int t = hs_json_next(&im->j);

	if (t < 0)
		return t;
	if (t == HS_JSON_RBRACKET && !*state)
		return 0;
	if (*state) {
		if (t == HS_JSON_RBRACKET)
			return 0;
		if (t != HS_JSON_COMMA)
			return hs_json_fail(&im->j, HS_ECORRUPT, "%s: expected "
					    "',' or ']', got %s", what,
					    hs_json_tok_name(t));
		t = hs_json_next(&im->j);
		if (t < 0)
			return t;
	}
	*state = 1;
	*tok = t;
	return 1;
}

/* Walks an object whose '{' was lexed: @return 1 with the key in key[]
 * (cut to size - 1 bytes; "" for a longer one) and the value's first
 * token in *tok, 0 after the '}', or an error. */
static int object_next(v8_im *im, int *state, char *key, size_t size,
		       int *tok, const char *what)
{
	hs_json *j = &im->j;
	int t = hs_json_next(j);

	if (t < 0)
		return t;
	if (t == HS_JSON_RBRACE && !*state)
		return 0;
	if (*state) {
		if (t == HS_JSON_RBRACE)
			return 0;
		if (t != HS_JSON_COMMA)
			return hs_json_fail(j, HS_ECORRUPT, "%s: expected ',' "
					    "or '}', got %s", what,
					    hs_json_tok_name(t));
		t = hs_json_next(j);
	}
	HS_FORWARD_IF_ERROR(expect(im, t, HS_JSON_STRING, what));
	key[0] = '\0';
	if (j->slen < size && !j->cut)
		memcpy(key, j->str, j->slen + 1);
	HS_FORWARD_IF_ERROR(expect(im, hs_json_next(j), HS_JSON_COLON, what));
	*tok = hs_json_next(j);
	if (*tok < 0)
		return *tok;
	*state = 1;
	return 1;
}

static int skip(v8_im *im, int tok)
{
	return hs_json_skip(&im->j, tok, 2, HS_V8_DEPTH_MAX);
}

/* A string token as a short name (a field or a type): a copy. */
static int meta_name(v8_im *im, int tok, char **out, const char *what)
{
	hs_json *j = &im->j;

	HS_FORWARD_IF_ERROR(expect(im, tok, HS_JSON_STRING, what));
	if (j->cut || j->slen > META_NAME_MAX)
		return hs_json_fail(j, HS_ELIMIT, "%s: a name longer than %d "
				    "bytes", what, META_NAME_MAX);
	*out = strdup(j->str);
	HS_RETURN_ERROR_IF(!*out, HS_ENOMEM, "%s: out of memory", im->name);
	return 0;
}

/* ["a", "b", ...] into names[], at most max of them. */
static int meta_names(v8_im *im, int tok, char **names, unsigned max,
		      unsigned *n, const char *what)
{
	int state = 0, rc;

	HS_FORWARD_IF_ERROR(expect(im, tok, HS_JSON_LBRACKET, what));
	while ((rc = array_next(im, &state, &tok, what)) == 1) {
		if (*n == max)
			return hs_json_fail(&im->j, HS_ELIMIT, "%s: more than "
					    "%u names", what, max);
		HS_FORWARD_IF_ERROR(meta_name(im, tok, &names[*n], what));
		(*n)++;
	}
	return rc;
}

/* node_types or edge_types: one item per field, a name or an array of
 * names (the type field's); the arrays are kept by position. */
static int meta_types(v8_im *im, int tok, char ***lists, unsigned *counts,
		      const char *what)
{
	int state = 0, rc;
	unsigned i = 0;

	HS_FORWARD_IF_ERROR(expect(im, tok, HS_JSON_LBRACKET, what));
	while ((rc = array_next(im, &state, &tok, what)) == 1) {
		if (i == HS_V8_FIELDS_MAX)
			return hs_json_fail(&im->j, HS_ELIMIT, "%s: more than "
					    "%d items", what,
					    HS_V8_FIELDS_MAX);
		if (tok == HS_JSON_LBRACKET) {
			lists[i] = calloc(HS_V8_TYPES_MAX, sizeof(char *));
			HS_RETURN_ERROR_IF(!lists[i], HS_ENOMEM, "%s: out of "
					   "memory", im->name);
			HS_FORWARD_IF_ERROR(meta_names(im, tok, lists[i],
						       HS_V8_TYPES_MAX,
						       &counts[i], what));
		} else if (tok != HS_JSON_STRING) {
			return hs_json_fail(&im->j, HS_ECORRUPT, "%s: expected "
					    "a name or an array of names, got "
					    "%s", what, hs_json_tok_name(tok));
		}
		i++;
	}
	return rc;
}

static void meta_free(meta_t *m)
{
	for (unsigned i = 0; i < HS_V8_FIELDS_MAX; i++) {
		free(i < m->nnf ? m->nfields[i] : NULL);
		free(i < m->nef ? m->efields[i] : NULL);
		for (unsigned k = 0; k < m->nnt[i]; k++)
			free(m->ntypes[i][k]);
		for (unsigned k = 0; k < m->net[i]; k++)
			free(m->etypes[i][k]);
		free(m->ntypes[i]);
		free(m->etypes[i]);
	}
}

static int find(const char *const *names, unsigned n, const char *want)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(names[i], want) == 0)
			return (int)i;
	return -1;
}

static uint8_t node_kind(const char *t)
{
	static const char *const data[] = {
		"string", "concatenated string", "sliced string", "number",
		"bigint", "regexp", "symbol"
	};

	if (strcmp(t, "object") == 0 || strcmp(t, "native") == 0)
		return V8_N_OBJECT;
	if (strcmp(t, "hidden") == 0)
		return V8_N_HIDDEN;
	if (strcmp(t, "code") == 0)
		return V8_N_CODE;
	if (strcmp(t, "synthetic") == 0)
		return V8_N_SYNTHETIC;
	for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++)
		if (strcmp(t, data[i]) == 0)
			return V8_N_DATA;
	return V8_N_OTHER;
}

static uint8_t edge_kind(const char *t)
{
	if (strcmp(t, "element") == 0)
		return V8_E_ELEMENT;
	if (strcmp(t, "hidden") == 0)
		return V8_E_HIDDEN;
	if (strcmp(t, "shortcut") == 0)
		return V8_E_SHORTCUT;
	if (strcmp(t, "weak") == 0)
		return V8_E_WEAK;
	return V8_E_NAMED;
}

/* The layout from the parsed meta; the type names move into im. */
static int meta_resolve(v8_im *im, meta_t *m, const hs_json_pos *pos)
{
	static const char *const nneed[] = {
		"type", "name", "id", "self_size", "edge_count"
	};
	static const char *const eneed[] = { "type", "name_or_index",
					     "to_node" };
	int *nat[] = { &im->nf_type, &im->nf_name, &im->nf_id, &im->nf_size,
		       &im->nf_edges };
	int *eat[] = { &im->ef_type, &im->ef_name, &im->ef_to };

	if (!m->have_nf || !m->have_ef || !m->have_nt || !m->have_et)
		return hs_v8__fail_at(im, pos, HS_ECORRUPT, "snapshot.meta "
				      "lacks %s", !m->have_nf ? "node_fields"
				      : !m->have_ef ? "edge_fields"
				      : !m->have_nt ? "node_types"
				      : "edge_types");
	for (int i = 0; i < 5; i++)
		if ((*nat[i] = find((const char *const *)m->nfields,
				    m->nnf, nneed[i])) < 0)
			return hs_v8__fail_at(im, pos, HS_ECORRUPT,
					      "snapshot.meta.node_fields has "
					      "no \"%s\"", nneed[i]);
	for (int i = 0; i < 3; i++)
		if ((*eat[i] = find((const char *const *)m->efields,
				    m->nef, eneed[i])) < 0)
			return hs_v8__fail_at(im, pos, HS_ECORRUPT,
					      "snapshot.meta.edge_fields has "
					      "no \"%s\"", eneed[i]);
	im->nf = m->nnf;
	im->ef = m->nef;
	im->nntypes = m->nnt[im->nf_type];
	im->netypes = m->net[im->ef_type];
	if (!im->nntypes || !im->netypes)
		return hs_v8__fail_at(im, pos, HS_ECORRUPT, "snapshot.meta."
				      "%s_types has no names for the \"type\" "
				      "field", !im->nntypes ? "node" : "edge");
	for (unsigned t = 0; t < im->nntypes; t++) {
		im->ntname[t] = m->ntypes[im->nf_type][t];
		im->nkind[t] = node_kind(im->ntname[t]);
	}
	m->nnt[im->nf_type] = 0;
	for (unsigned t = 0; t < im->netypes; t++) {
		im->etname[t] = m->etypes[im->ef_type][t];
		im->ekind[t] = edge_kind(im->etname[t]);
	}
	m->net[im->ef_type] = 0;
	return 0;
}

static int parse_meta(v8_im *im, int tok)
{
	meta_t m;
	char key[32];
	int state = 0, rc;
	hs_json_pos pos = hs_json_tpos(&im->j);

	memset(&m, 0, sizeof(m));
	rc = expect(im, tok, HS_JSON_LBRACE, "snapshot.meta");
	while (rc == 0 && (rc = object_next(im, &state, key, sizeof(key),
					    &tok, "snapshot.meta")) == 1) {
		int *have = !strcmp(key, "node_fields") ? &m.have_nf :
			    !strcmp(key, "edge_fields") ? &m.have_ef :
			    !strcmp(key, "node_types") ? &m.have_nt :
			    !strcmp(key, "edge_types") ? &m.have_et : NULL;

		if (have && *have) {
			rc = hs_json_fail(&im->j, HS_ECORRUPT, "snapshot.meta: "
					  "\"%s\" twice", key);
			break;
		}
		if (have)
			*have = 1;
		if (have == &m.have_nf)
			rc = meta_names(im, tok, m.nfields, HS_V8_FIELDS_MAX,
					&m.nnf, "snapshot.meta.node_fields");
		else if (have == &m.have_ef)
			rc = meta_names(im, tok, m.efields, HS_V8_FIELDS_MAX,
					&m.nef, "snapshot.meta.edge_fields");
		else if (have == &m.have_nt)
			rc = meta_types(im, tok, m.ntypes, m.nnt,
					"snapshot.meta.node_types");
		else if (have == &m.have_et)
			rc = meta_types(im, tok, m.etypes, m.net,
					"snapshot.meta.edge_types");
		else
			rc = skip(im, tok);
	}
	if (rc == 0)
		rc = meta_resolve(im, &m, &pos);
	meta_free(&m);
	return rc;
}

static int parse_snapshot(v8_im *im, int tok)
{
	char key[32];
	int state = 0, rc, have_meta = 0;
	hs_json_pos pos = hs_json_tpos(&im->j);

	HS_FORWARD_IF_ERROR(expect(im, tok, HS_JSON_LBRACE, "\"snapshot\""));
	while ((rc = object_next(im, &state, key, sizeof(key), &tok,
				 "\"snapshot\"")) == 1) {
		if (strcmp(key, "meta") == 0) {
			if (have_meta++)
				return hs_json_fail(&im->j, HS_ECORRUPT,
						    "snapshot: \"meta\" twice");
			HS_FORWARD_IF_ERROR(parse_meta(im, tok));
		} else if (strcmp(key, "root_index") == 0) {
			if (tok != HS_JSON_INT || im->j.neg)
				return hs_json_fail(&im->j, HS_ECORRUPT,
						    "snapshot.root_index must "
						    "be a node offset");
			im->root_index = im->j.u;
		} else {
			HS_FORWARD_IF_ERROR(skip(im, tok));
		}
	}
	if (rc == 0 && !have_meta)
		return hs_v8__fail_at(im, &pos, HS_ECORRUPT, "\"snapshot\" has "
				      "no \"meta\"");
	return rc;
}

/* The length of s[0..n) cut to at most max bytes on a character
 * boundary (s is valid UTF-8: the lexer checked it). */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

static int open_writer(v8_im *im)
{
	hs_header h = HS_HEADER_INIT;
	int rc;

	h.runtime = "v8";
	h.reason = "import";
	h.pid = im->o.pid;
	h.time_ms = im->o.time_ms;
	h.word_size = 8;
	if (im->path)
		rc = hs_writer_open(&im->w, im->path, &im->wo, &h);
	else
		rc = hs_writer_open_sink(&im->w, im->sink, im->out_name,
					 &im->wo, &h);
	return rc;
}

/* String s of the strings array: what the nodes and edges used it for. */
static int string_item(v8_im *im, uint64_t s, const char *text, size_t n)
{
	uint8_t m = s < im->smark.cap ? V8_U8(im->smark, s) : 0;
	size_t k = utf8_cut(text, n, HS_V8_NAME_MAX);
	uint32_t idx;

	if (m & V8_S_TYPE) {
		HS_FORWARD_IF_ERROR(hs_writer_type(&idx, im->w, text, k));
		HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->stype, s + 1));
		V8_U32(im->stype, s) = idx;
	}
	if (m & V8_S_LABEL) {
		HS_FORWARD_IF_ERROR(hs_writer_string(&idx, im->w, text, k));
		HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->slabel, s + 1));
		V8_U32(im->slabel, s) = idx;
	}
	if ((m & V8_S_PREVIEW) && n) {
		k = utf8_cut(text, n, HS_V8_PREVIEW_MAX);
		HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->pv, im->pvlen +
						       k + 1));
		HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->spv, s + 1));
		HS_RETURN_ERROR_IF(im->pvlen >= UINT32_MAX - 128, HS_ELIMIT,
				   "more than 4 GiB of previews");
		V8_U32(im->spv, s) = (uint32_t)im->pvlen + 1;
		V8_U8(im->pv, im->pvlen) = (uint8_t)k;
		memcpy(&V8_U8(im->pv, im->pvlen + 1), text, k);
		im->pvlen += k + 1;
	}
	if ((m & V8_S_ROOTNAME) && n == 20 &&
	    memcmp(text, "(Document DOM trees)", 20) == 0)
		V8_U8(im->smark, s) |= V8_S_DOMTREES;
	return 0;
}

/* The strings array, last in V8's order. */
static int parse_strings(v8_im *im, int tok)
{
	hs_json *j = &im->j;
	int state = 0, rc;

	HS_FORWARD_IF_ERROR(expect(im, tok, HS_JSON_LBRACKET, "\"strings\""));
	rc = open_writer(im);
	if (rc < 0)
		return hs_error_prefix(rc, "%s", im->name);
	while ((rc = array_next(im, &state, &tok, "\"strings\"")) == 1) {
		uint64_t s = im->nstrings;

		if (tok != HS_JSON_STRING)
			return hs_json_fail(j, HS_ECORRUPT, "\"strings\" holds "
					    "%s, not a string",
					    hs_json_tok_name(tok));
		HS_RETURN_ERROR_IF(s >= UINT32_MAX - 1, HS_ELIMIT, "%s: more "
				   "than 2^32-2 strings", im->name);
		rc = string_item(im, s, j->str, j->slen);
		if (rc < 0)
			return hs_error_prefix(rc, "%s: string %llu", im->name,
					       (unsigned long long)s);
		im->nstrings = s + 1;
		if (im->nstrings % V8_RELEASE_ROWS == 0) {
			hs_scratch_release(&im->smark, 0, s);
			hs_scratch_release(&im->pv, 0, im->pvlen);
		}
	}
	if (rc < 0)
		return rc;
	if (im->have_names && im->name_max >= im->nstrings)
		return hs_v8__fail_at(im, &im->name_max_pos, HS_ECORRUPT,
				      "string index %llu is past the %llu "
				      "strings",
				      (unsigned long long)im->name_max,
				      (unsigned long long)im->nstrings);
	return 0;
}

typedef int (*section_fn)(v8_im *im, int tok);

/* The top-level object: snapshot, nodes, edges, strings in that order
 * (V8's, which lets each be read as it comes), other keys skipped. */
int hs_v8__parse(v8_im *im)
{
	static const char *const keys[] = { "snapshot", "nodes", "edges",
					    "strings" };
	static const section_fn fns[] = { parse_snapshot, hs_v8__nodes,
					  hs_v8__edges, parse_strings };
	hs_json *j = &im->j;
	char key[32];
	int state = 0, rc, tok, done = 0;

	hs_timing_step("v8", NULL, &im->t);
	tok = hs_json_next(j);
	if (tok >= 0 && tok != HS_JSON_LBRACE)
		return hs_json_fail(j, HS_ECORRUPT, "not a V8 heap snapshot: "
				    "it starts with %s, not '{'",
				    hs_json_tok_name(tok));
	HS_FORWARD_IF_ERROR(tok);
	while ((rc = object_next(im, &state, key, sizeof(key), &tok,
				 "the snapshot")) == 1) {
		int k = find(keys, 4, key);

		if (k < 0) {
			HS_FORWARD_IF_ERROR(skip(im, tok));
			continue;
		}
		if (k != done)
			return hs_json_fail(j, HS_ECORRUPT, "\"%s\" %s: the "
					    "sections must come in V8's order "
					    "(snapshot, nodes, edges, strings)",
					    key, k < done ? "twice"
					    : "too early");
		HS_FORWARD_IF_ERROR(fns[k](im, tok));
		hs_timing_step("v8", keys[k], &im->t);
		done++;
	}
	HS_FORWARD_IF_ERROR(rc);
	if (done < 4)
		return hs_json_fail(j, HS_ECORRUPT, "not a whole V8 heap "
				    "snapshot: no \"%s\"", keys[done]);
	tok = hs_json_next(j);
	if (tok != HS_JSON_EOF)
		return tok < 0 ? tok : hs_json_fail(j, HS_ECORRUPT, "%s after "
						    "the snapshot's end",
						    hs_json_tok_name(tok));
	return 0;
}
