/*
 * jsonl_import.c - JSON lines (format/JSONL.md) into a .snap: each line
 * lexed by jsonl_parse.c is checked (required fields, declared indices,
 * sequence) and written as one record through hs_writer, which splits
 * huge objects into refs records again.  Names given as text are interned
 * against the declared types and strings.
 *
 * Load: see hs_jsonl.h; about 1 us per object.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "format.h"
#include "jsonl_import.h"
#include "source.h"
#include "vec.h"

static uint64_t text_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static slot_t *strtab_find(strtab_t *t, const char *s, size_t n, uint64_t h)
{
	size_t mask = t->nslots - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		slot_t *sl = &t->slots[i];

		if (!sl->idx1 || (sl->h == h && sl->len == n &&
				  memcmp(t->data + sl->off, s, n) == 0))
			return sl;
	}
}

/* @return the index of text s, or -1 if it was never declared. */
static int64_t strtab_get(strtab_t *t, const char *s, size_t n)
{
	slot_t *sl;

	if (!t->nslots)
		return -1;
	sl = strtab_find(t, s, n, text_hash(s, n));
	return sl->idx1 ? (int64_t)sl->idx1 - 1 : -1;
}

/* Records that index t->n holds s (the first index of a text wins), and
 * counts it.  @return 0 or -1 (out of memory). */
static int strtab_add(strtab_t *t, const char *s, size_t n)
{
	uint64_t h = text_hash(s, n);
	slot_t *sl;

	if ((t->used + 1) * 2 > t->nslots) {
		size_t ns = t->nslots ? t->nslots * 2 : 256;
		slot_t *old = t->slots, *nw = calloc(ns, sizeof(*nw));
		size_t on = t->nslots;

		if (!nw)
			return -1;
		t->slots = nw;
		t->nslots = ns;
		for (size_t i = 0; i < on; i++)
			if (old[i].idx1)
				*strtab_find(t, t->data + old[i].off,
					     old[i].len, old[i].h) = old[i];
		free(old);
	}
	sl = strtab_find(t, s, n, h);
	if (!sl->idx1) {
		if (hs_vec_grow((void **)&t->data, &t->cap, t->len + n + 1,
				1) < 0)
			return -1;
		memcpy(t->data + t->len, s, n);
		sl->h = h;
		sl->off = t->len;
		sl->len = (uint32_t)n;
		sl->idx1 = t->n + 1;
		t->len += n;
		t->used++;
	}
	t->n++;
	return 0;
}

static void strtab_free(strtab_t *t)
{
	free(t->data);
	free(t->slots);
}

static int has(const importer *im, int f)
{
	return (im->L.have >> f) & 1;
}

static int need(importer *im, int f, const char *kind)
{
	if (!has(im, f))
		return hs_jl_fail(im, -1, HS_ECORRUPT, "%s %s record needs "
				  "\"%s\"", strchr("aeiou", kind[0]) ? "an"
				  : "a", kind, hs_jl_field_names[f]);
	return 0;
}

static int text_is(const importer *im, int f, const char *s)
{
	const text_t *t = &im->L.t[f];

	return t->len == strlen(s) &&
	       memcmp(hs_jl_text(im, *t), s, t->len) == 0;
}

/* A text for a writer call that takes a C string. */
static int c_text(importer *im, int f, const char **out)
{
	const text_t *t = &im->L.t[f];

	*out = NULL;
	if (!has(im, f) || im->L.is_null[f])
		return 0;
	*out = hs_jl_text(im, *t);
	if (memchr(*out, '\0', t->len))
		return hs_jl_fail(im, f, HS_ECORRUPT, "\"%s\" holds a NUL "
				  "byte, which this field cannot store",
				  hs_jl_field_names[f]);
	return 0;
}

/* Prefixes a writer error with the line it came from. */
static int wfail(importer *im, int rc)
{
	return hs_error_prefix(rc, "%s: line %llu", im->name,
			       (unsigned long long)im->L.line);
}

static int check_index(importer *im, uint64_t next_index, const char *kind)
{
	if (has(im, F_INDEX) && im->L.u[F_INDEX] != next_index)
		return hs_jl_fail(im, F_INDEX, HS_ECORRUPT, "%s index %llu is "
				  "out of sequence: expected %llu", kind,
				  (unsigned long long)im->L.u[F_INDEX],
				  (unsigned long long)next_index);
	return 0;
}

static int do_header(importer *im)
{
	line_t *L = &im->L;
	hs_header h = HS_HEADER_INIT;
	hs_writer_options o = im->o;
	int rc;

	HS_FORWARD_IF_ERROR(need(im, F_FORMAT, "header"));
	HS_FORWARD_IF_ERROR(need(im, F_VERSION, "header"));
	if (!text_is(im, F_FORMAT, HS_FORMAT_NAME))
		return hs_jl_fail(im, F_FORMAT, HS_ECORRUPT, "the format is "
				  "not \"heapsnap\"");
	if (L->u[F_VERSION] > HS_FORMAT_VERSION || L->u[F_VERSION] == 0)
		return hs_jl_fail(im, F_VERSION, L->u[F_VERSION] ? HS_EVERSION
				  : HS_ECORRUPT, "format version %llu is not "
				  "supported (1..%d)",
				  (unsigned long long)L->u[F_VERSION],
				  HS_FORMAT_VERSION);
	o.ref_mode = HS_REFS_BY_ID;
	if (has(im, F_REFS)) {
		if (!L->is_text[F_REFS])
			return hs_jl_fail(im, F_REFS, HS_ECORRUPT, "the "
					  "header's \"refs\" is \"id\" or "
					  "\"index\"");
		if (text_is(im, F_REFS, "index"))
			o.ref_mode = HS_REFS_BY_INDEX;
		else if (!text_is(im, F_REFS, "id"))
			return hs_jl_fail(im, F_REFS, HS_ECORRUPT, "the "
					  "header's \"refs\" is \"id\" or "
					  "\"index\"");
	}
	if (has(im, F_WORD_SIZE) && L->u[F_WORD_SIZE] > 64)
		return hs_jl_fail(im, F_WORD_SIZE, HS_ECORRUPT, "word_size "
				  "%llu is over 64",
				  (unsigned long long)L->u[F_WORD_SIZE]);
	HS_FORWARD_IF_ERROR(c_text(im, F_RUNTIME, &h.runtime));
	HS_FORWARD_IF_ERROR(c_text(im, F_RUNTIME_VERSION, &h.runtime_version));
	HS_FORWARD_IF_ERROR(c_text(im, F_REASON, &h.reason));
	h.pid = L->u[F_PID];
	h.time_ms = L->u[F_TIME_MS];
	h.word_size = (unsigned)L->u[F_WORD_SIZE];
	if (im->path)
		rc = hs_writer_open(&im->w, im->path, &o, &h);
	else
		rc = hs_writer_open_sink(&im->w, im->sink, im->out_name, &o,
					 &h);
	if (rc < 0)
		return wfail(im, rc);
	im->o = o;
	im->have_header = 1;
	im->st->records++;
	return 0;
}

/* A type; has_id: the line gave the id of the object that is the type. */
static int declare_type(importer *im, const char *s, size_t n, int has_id,
			uint64_t id, uint32_t *out)
{
	int rc = has_id ? hs_writer_type_id(out, im->w, s, n, id)
			: hs_writer_type(out, im->w, s, n);

	if (rc < 0)
		return wfail(im, rc);
	if (strtab_add(&im->types, s, n) < 0)
		return hs_jl_oom(im);
	im->st->records++;
	return 0;
}

static int declare_string(importer *im, const char *s, size_t n,
			  uint32_t *out)
{
	int rc = hs_writer_string(out, im->w, s, n);

	if (rc < 0)
		return wfail(im, rc);
	if (strtab_add(&im->strings, s, n) < 0)
		return hs_jl_oom(im);
	im->st->records++;
	return 0;
}

/* A label or site name as parsed -> a declared string index (declaring a
 * text the first time it is seen). */
static int resolve_name(importer *im, uint64_t v, int f, uint32_t *out)
{
	line_t *L = &im->L;

	if (v == LBL_NONE) {
		*out = HS_NO_LABEL;
		return 0;
	}
	if (v & TXT_BIT) {
		const text_t *t = &L->txt[v & ~TXT_BIT];
		const char *s = hs_jl_text(im, *t);
		int64_t idx = strtab_get(&im->strings, s, t->len);

		if (idx >= 0) {
			*out = (uint32_t)idx;
			return 0;
		}
		return declare_string(im, s, t->len, out);
	}
	if (v >= im->strings.n)
		return hs_jl_fail(im, f, HS_ECORRUPT, "string index %llu is "
				  "not declared (%u strings so far)",
				  (unsigned long long)v, im->strings.n);
	*out = (uint32_t)v;
	return 0;
}

static int do_site(importer *im)
{
	line_t *L = &im->L;
	size_t n = L->nframes / 3;
	uint32_t files[256], lines[256], funcs[256];
	int rc;

	HS_FORWARD_IF_ERROR(need(im, F_FRAMES, "site"));
	HS_FORWARD_IF_ERROR(check_index(im, im->nsites, "site"));
	for (size_t i = 0; i < n; i++) {
		HS_FORWARD_IF_ERROR(resolve_name(im, L->frames[3 * i],
						 F_FRAMES, &files[i]));
		lines[i] = (uint32_t)L->frames[3 * i + 1];
		HS_FORWARD_IF_ERROR(resolve_name(im, L->frames[3 * i + 2],
						 F_FRAMES, &funcs[i]));
	}
	rc = hs_writer_site(NULL, im->w, files, lines, funcs, n);
	if (rc < 0)
		return wfail(im, rc);
	im->nsites++;
	im->st->records++;
	return 0;
}

/* Labels as the writer wants them: NULL, or nrefs uint32s. */
static int resolve_labels(importer *im, const uint32_t **out)
{
	line_t *L = &im->L;

	*out = NULL;
	if (!has(im, F_LABELS))
		return 0;
	if (L->nlabels != L->nrefs)
		return hs_jl_fail(im, F_LABELS, HS_ECORRUPT, "%zu labels for "
				  "%zu references", L->nlabels, L->nrefs);
	if (hs_vec_grow((void **)&L->lbl32, &L->l32cap, L->nlabels + 1, 4) < 0)
		return hs_jl_oom(im);
	for (size_t i = 0; i < L->nlabels; i++)
		HS_FORWARD_IF_ERROR(resolve_name(im, L->labels[i], F_LABELS,
						 &L->lbl32[i]));
	*out = L->lbl32;
	return 0;
}

static int check_flags(importer *im, const uint8_t **out)
{
	*out = NULL;
	if (!has(im, F_FLAGS))
		return 0;
	if (im->L.nflags != im->L.nrefs)
		return hs_jl_fail(im, F_FLAGS, HS_ECORRUPT, "%zu flags for %zu "
				  "references", im->L.nflags, im->L.nrefs);
	*out = im->L.flags;
	return 0;
}

static int do_object(importer *im)
{
	line_t *L = &im->L;
	hs_object ob;
	uint64_t owner = hs_writer_count(im->w);
	int rc;

	HS_FORWARD_IF_ERROR(need(im, F_ID, "object"));
	HS_FORWARD_IF_ERROR(need(im, F_TYPE, "object"));
	HS_FORWARD_IF_ERROR(need(im, F_SIZE, "object"));
	if (has(im, F_REFS) && L->is_text[F_REFS])
		return hs_jl_fail(im, F_REFS, HS_ECORRUPT, "an object's "
				  "\"refs\" must be an array");
	memset(&ob, 0, sizeof(ob));
	ob.id = L->u[F_ID];
	ob.size = L->u[F_SIZE];
	if (L->is_text[F_TYPE]) {
		const char *s = hs_jl_text(im, L->t[F_TYPE]);
		int64_t idx = strtab_get(&im->types, s, L->t[F_TYPE].len);

		if (idx >= 0)
			ob.type = (uint32_t)idx;
		else
			HS_FORWARD_IF_ERROR(declare_type(im, s,
						L->t[F_TYPE].len, 0, 0,
						&ob.type));
	} else {
		if (L->u[F_TYPE] >= im->types.n)
			return hs_jl_fail(im, F_TYPE, HS_ECORRUPT, "type %llu "
					  "is not declared (%u types so far)",
					  (unsigned long long)L->u[F_TYPE],
					  im->types.n);
		ob.type = (uint32_t)L->u[F_TYPE];
	}
	ob.site = HS_NO_SITE;
	if (has(im, F_SITE) && !L->is_null[F_SITE]) {
		if (L->u[F_SITE] >= im->nsites)
			return hs_jl_fail(im, F_SITE, HS_ECORRUPT, "site %llu "
					  "is not declared (%u sites so far)",
					  (unsigned long long)L->u[F_SITE],
					  im->nsites);
		ob.site = (uint32_t)L->u[F_SITE];
	}
	ob.nrefs = L->nrefs;
	ob.refs = L->refs;
	HS_FORWARD_IF_ERROR(resolve_labels(im, &ob.labels));
	HS_FORWARD_IF_ERROR(check_flags(im, &ob.flags));
	ob.preview = L->preview;
	if (ob.preview.kind == HS_VALUE_STR ||
	    ob.preview.kind == HS_VALUE_BYTES) {
		ob.preview.v.s.ptr = hs_jl_text(im, L->pv);
		ob.preview.v.s.len = L->pv.len;
	}
	rc = hs_writer_object(im->w, &ob);
	if (rc < 0)
		return wfail(im, rc);
	im->last_owner = im->o.ref_mode == HS_REFS_BY_INDEX ? owner : ob.id;
	im->have_last = 1;
	im->st->records++;
	im->st->objects++;
	im->st->refs += ob.nrefs;
	return 0;
}

static int do_refs(importer *im)
{
	line_t *L = &im->L;
	const uint32_t *labels;
	const uint8_t *flags;
	int rc;

	HS_FORWARD_IF_ERROR(need(im, F_OWNER, "refs"));
	HS_FORWARD_IF_ERROR(need(im, F_REFS, "refs"));
	if (L->is_text[F_REFS])
		return hs_jl_fail(im, F_REFS, HS_ECORRUPT, "\"refs\" must be "
				  "an array");
	if (!im->have_last || L->u[F_OWNER] != im->last_owner)
		return hs_jl_fail(im, F_OWNER, HS_ECORRUPT, "a refs record "
				  "must continue the object just before it "
				  "(owner %llu)",
				  (unsigned long long)L->u[F_OWNER]);
	HS_FORWARD_IF_ERROR(resolve_labels(im, &labels));
	HS_FORWARD_IF_ERROR(check_flags(im, &flags));
	rc = hs_writer_refs(im->w, L->refs, labels, flags, L->nrefs);
	if (rc < 0)
		return wfail(im, rc);
	im->st->records++;
	im->st->refs += L->nrefs;
	return 0;
}

static int do_root(importer *im)
{
	const char *kind, *label;
	int rc;

	HS_FORWARD_IF_ERROR(need(im, F_ID, "root"));
	HS_FORWARD_IF_ERROR(need(im, F_ROOT_KIND, "root"));
	HS_FORWARD_IF_ERROR(c_text(im, F_ROOT_KIND, &kind));
	HS_FORWARD_IF_ERROR(c_text(im, F_LABEL, &label));
	rc = hs_writer_root(im->w, im->L.u[F_ID], kind, label,
			    im->L.u[F_EXTRA]);
	if (rc < 0)
		return wfail(im, rc);
	im->st->records++;
	return 0;
}

static int do_record(importer *im)
{
	line_t *L = &im->L;
	int rc;

	HS_FORWARD_IF_ERROR(need(im, F_KIND, "JSON-lines"));
	if (text_is(im, F_KIND, "header")) {
		if (im->have_header)
			return hs_jl_fail(im, F_KIND, HS_ECORRUPT, "a second "
					  "header record");
		return do_header(im);
	}
	if (!im->have_header)
		return hs_jl_fail(im, F_KIND, HS_ECORRUPT, "the first record "
				  "must be the header");
	if (text_is(im, F_KIND, "type")) {
		uint32_t idx;

		HS_FORWARD_IF_ERROR(need(im, F_NAME, "type"));
		HS_FORWARD_IF_ERROR(check_index(im, im->types.n, "type"));
		return declare_type(im, hs_jl_text(im, L->t[F_NAME]),
				    L->t[F_NAME].len, has(im, F_ID),
				    L->u[F_ID], &idx);
	}
	if (text_is(im, F_KIND, "string")) {
		uint32_t idx;

		HS_FORWARD_IF_ERROR(need(im, F_VALUE, "string"));
		HS_FORWARD_IF_ERROR(check_index(im, im->strings.n, "string"));
		return declare_string(im, hs_jl_text(im, L->t[F_VALUE]),
				      L->t[F_VALUE].len, &idx);
	}
	if (text_is(im, F_KIND, "object"))
		return do_object(im);
	if (text_is(im, F_KIND, "root"))
		return do_root(im);
	if (text_is(im, F_KIND, "site"))
		return do_site(im);
	if (text_is(im, F_KIND, "refs"))
		return do_refs(im);
	rc = hs_jl_fail(im, F_KIND, HS_ECORRUPT, "unknown record kind");
	return rc;
}

static int import_run(importer *im, FILE *in, const char *in_name,
		      const hs_writer_options *opts, hs_jsonl_stats *stats)
{
	hs_writer_options def = HS_WRITER_OPTIONS_INIT;
	int rc;

	def.max_preview = HS_STRING_MAX;
	im->o = opts ? *opts : def;
	im->name = in_name ? in_name : "(input)";
	im->st = stats ? stats : &im->own;
	memset(im->st, 0, sizeof(*im->st));
	HS_FORWARD_IF_ERROR(hs_json_init(&im->j, in, im->name,
					 HS_JSONL_LINE_MAX,
					 HS_JSONL_STRING_MAX));
	for (;;) {
		rc = hs_jl_parse_line(im);
		if (rc == HS_ITEROVER)
			break;
		if (rc < 0)
			goto done;
		im->st->lines++;
		if (rc == 0)
			continue;
		rc = do_record(im);
		if (rc < 0)
			goto done;
	}
	if (!im->have_header) {
		rc = hs_error_set(HS_ECORRUPT, "%s: line %llu, column 1: no "
				  "header record (the input is empty)",
				  im->name, (unsigned long long)im->j.line);
		goto done;
	}
	rc = hs_writer_close(im->w);
	im->w = NULL;
done:
	hs_writer_abort(im->w);
	im->w = NULL;
	hs_json_release(&im->j);
	hs_jl_line_free(&im->L);
	strtab_free(&im->types);
	strtab_free(&im->strings);
	return rc;
}

int hs_jsonl_import(FILE *in, const char *in_name, const char *snap_path,
		    const hs_writer_options *opts, hs_jsonl_stats *stats)
{
	importer im;

	HS_RETURN_ERROR_IF(!in || !snap_path || !*snap_path, HS_EINVAL,
			   "hs_jsonl_import: no input or no output path");
	memset(&im, 0, sizeof(im));
	im.path = snap_path;
	return import_run(&im, in, in_name, opts, stats);
}

int hs_jsonl_import_file(const char *in_path, const char *snap_path,
			 const hs_writer_options *opts, hs_jsonl_stats *stats)
{
	FILE *f;
	int rc = hs_source_fopen(&f, in_path, "hs_jsonl_import_file");

	if (rc < 0)
		return rc;
	rc = hs_jsonl_import(f, in_path, snap_path, opts, stats);
	fclose(f);
	return rc;
}

int hs_jsonl_import_sink(FILE *in, const char *in_name, hs_sink out,
			 const char *out_name, const hs_writer_options *opts,
			 hs_jsonl_stats *stats)
{
	importer im;

	HS_RETURN_ERROR_IF(!in || !out.write, HS_EINVAL,
			   "hs_jsonl_import_sink: no input or no sink");
	memset(&im, 0, sizeof(im));
	im.sink = out;
	im.out_name = out_name ? out_name : "(sink)";
	return import_run(&im, in, in_name, opts, stats);
}
