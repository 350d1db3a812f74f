/*
 * test_jsonl.c - the JSON-lines form (jsonl_*.c, json.c): random graphs go
 * .snap -> JSON lines -> .snap and must come back record for record;
 * malformed JSON lines must each fail cleanly with the line, the column
 * and the cause.
 *
 * Records are compared after folding refs records into their object (the
 * writer chooses where to split a huge object; the JSON form keeps one
 * line per object), field by field, floats bit for bit (any NaN equals
 * any NaN: JSON keeps no payload).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hs_jsonl.h"
#include "hs_reader.h"
#include "hs_writer.h"
#include "json.h"
#include "testutil.h"
#include "unit.h"

/* ---- random ------------------------------------------------------------ */

static uint64_t jt_rng;

static uint64_t jt_rand(void)
{
	jt_rng ^= jt_rng << 13;
	jt_rng ^= jt_rng >> 7;
	jt_rng ^= jt_rng << 17;
	return jt_rng;
}

static uint64_t jt_below(uint64_t n)
{
	return n ? jt_rand() % n : 0;
}

/* Random bytes of one of several flavours: ASCII, JSON's special
 * characters, valid multi-byte UTF-8, arbitrary bytes (mostly invalid
 * UTF-8); NULs only when nul_ok. */
static size_t jt_text(char *buf, size_t max, int nul_ok)
{
	static const char *const utf8[] = { "\xc3\xa9", "\xe2\x82\xac",
		"\xf0\x9f\x98\x80", "\xe2\x80\xa8", "\xef\xbf\xbf" };
	static const char special[] = "\"\\/\b\f\n\r\t\x01\x1f\x7f";
	size_t n = jt_below(max > 8 ? 8 + jt_below(max - 8) : max), i = 0;
	int flavour = (int)jt_below(5);

	while (i < n) {
		switch (flavour) {
		case 0:
			buf[i++] = (char)(' ' + jt_below(95));
			break;
		case 1:
			buf[i++] = special[jt_below(sizeof(special) - 1)];
			break;
		case 2: {
			const char *u = utf8[jt_below(5)];
			size_t k = strlen(u);

			if (i + k > n)
				return i;
			memcpy(buf + i, u, k);
			i += k;
			break;
		}
		default:
			buf[i++] = (char)jt_rand();
			break;
		}
		if (!nul_ok && buf[i - 1] == '\0')
			buf[i - 1] = 'z';
	}
	return n;
}

static double jt_double(void)
{
	static const double fixed[] = { 0.1, -0.0, 0.0, 1e308, 5e-324,
		-2.5, 1.0 / 3, 123456789012345678.0, 1e-7, 9007199254740993.0 };
	uint64_t bits;
	double d;

	switch (jt_below(4)) {
	case 0: return fixed[jt_below(sizeof(fixed) / sizeof(fixed[0]))];
	case 1:
		return jt_below(3) == 0 ? NAN : jt_below(2) ? HUGE_VAL
							    : -HUGE_VAL;
	default:
		bits = jt_rand();
		memcpy(&d, &bits, 8);
		return d;
	}
}

/* ---- normalized records ------------------------------------------------ */

typedef struct {
	int kind;
	uint64_t a, b, c, d;   /* header: pid, time, word, mode; type/string/
	                          site: index; object: id, type, size, site;
	                          root: ref, extra */
	char *s1, *s2, *s3;    /* texts (malloc'd, may hold NULs) */
	size_t l1, l2, l3;
	int has2;              /* root: label present */
	uint64_t *refs;
	uint32_t *labels;      /* always n entries */
	uint8_t *flags;        /* always n entries */
	uint32_t *frames;      /* site: 3 * n */
	size_t n;
	hs_value pv;           /* preview; bytes in s1 */
} jt_rec;

typedef struct {
	jt_rec *v;
	size_t n, cap;
} jt_recs;

static char *jt_dup(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	CU_ASSERT_FATAL(s != NULL);
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static jt_rec *jt_push(jt_recs *rs)
{
	tu_grow((void **)&rs->v, &rs->cap, rs->n + 1, sizeof(*rs->v));
	memset(&rs->v[rs->n], 0, sizeof(jt_rec));
	return &rs->v[rs->n++];
}

static void jt_append_refs(jt_rec *o, const uint64_t *refs,
			   const uint32_t *labels, const uint8_t *flags,
			   size_t n)
{
	size_t m = o->n + n;

	o->refs = realloc(o->refs, (m + 1) * 8);
	o->labels = realloc(o->labels, (m + 1) * 4);
	o->flags = realloc(o->flags, m + 1);
	CU_ASSERT_FATAL(o->refs && o->labels && o->flags);
	for (size_t i = 0; i < n; i++) {
		o->refs[o->n + i] = refs[i];
		o->labels[o->n + i] = labels ? labels[i] : HS_NO_LABEL;
		o->flags[o->n + i] = flags ? flags[i] : 0;
	}
	o->n = m;
}

static void jt_free(jt_recs *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		jt_rec *r = &rs->v[i];

		free(r->s1);
		free(r->s2);
		free(r->s3);
		free(r->refs);
		free(r->labels);
		free(r->flags);
		free(r->frames);
	}
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

/* Reads a whole .snap in memory into normalized records. */
static void jt_load(jt_recs *rs, const hs_buf *snap)
{
	hs_reader_options ro = HS_READER_OPTIONS_INIT;
	hs_reader *r;
	hs_record rec;
	jt_rec *last = NULL;
	int rc;

	ro.strict = 1;
	memset(rs, 0, sizeof(*rs));
	rc = hs_reader_open_mem(&r, snap->data, snap->len, "mem.snap", &ro);
	if (rc < 0)
		fprintf(stderr, "%s\n", hs_error_last());
	CU_ASSERT_FATAL(rc == 0);
	while ((rc = hs_reader_next(&rec, r)) == 0) {
		jt_rec *x;

		if (rec.kind == HS_REC_REFS) {
			CU_ASSERT_FATAL(last != NULL);
			jt_append_refs(last, rec.u.refs.refs, rec.u.refs.labels,
				       rec.u.refs.flags, rec.u.refs.n);
			continue;
		}
		if (rec.kind == HS_REC_END)
			continue;
		x = jt_push(rs);
		last = NULL;
		x->kind = rec.kind;
		switch (rec.kind) {
		case HS_REC_HEADER:
			x->a = rec.u.header.pid;
			x->b = rec.u.header.time_ms;
			x->c = rec.u.header.word_size;
			x->d = rec.u.header.ref_mode * 1000u +
			       rec.u.header.version;
			x->s1 = jt_dup(rec.u.header.runtime.ptr,
				       rec.u.header.runtime.len);
			x->l1 = rec.u.header.runtime.len;
			x->s2 = jt_dup(rec.u.header.runtime_version.ptr,
				       rec.u.header.runtime_version.len);
			x->l2 = rec.u.header.runtime_version.len;
			x->s3 = jt_dup(rec.u.header.reason.ptr,
				       rec.u.header.reason.len);
			x->l3 = rec.u.header.reason.len;
			break;
		case HS_REC_TYPE:
		case HS_REC_STRING:
			x->a = rec.u.type.index;
			x->s1 = jt_dup(rec.u.type.name.ptr, rec.u.type.name.len);
			x->l1 = rec.u.type.name.len;
			if (rec.kind == HS_REC_TYPE) {
				x->b = rec.u.type.id;
				x->c = (uint64_t)rec.u.type.has_id;
			}
			break;
		case HS_REC_SITE:
			x->a = rec.u.site.index;
			x->n = rec.u.site.nframes;
			x->frames = malloc(3 * x->n * 4 + 4);
			CU_ASSERT_FATAL(x->frames != NULL);
			if (x->n)
				memcpy(x->frames, rec.u.site.files,
				       3 * x->n * 4);
			break;
		case HS_REC_OBJECT: {
			const hs_object *o = &rec.u.object.obj;

			x->a = o->id;
			x->b = o->type;
			x->c = o->size;
			x->d = o->site;
			x->pv = o->preview;
			if (o->preview.kind == HS_VALUE_STR ||
			    o->preview.kind == HS_VALUE_BYTES) {
				x->s1 = jt_dup(o->preview.v.s.ptr,
					       o->preview.v.s.len);
				x->l1 = o->preview.v.s.len;
			}
			jt_append_refs(x, o->refs, o->labels, o->flags,
				       o->nrefs);
			last = x;
			break;
		}
		case HS_REC_ROOT:
			x->a = rec.u.root.ref;
			x->b = rec.u.root.extra;
			x->s1 = jt_dup(rec.u.root.kind.ptr, rec.u.root.kind.len);
			x->l1 = rec.u.root.kind.len;
			x->has2 = rec.u.root.label.ptr != NULL;
			if (x->has2) {
				x->s2 = jt_dup(rec.u.root.label.ptr,
					       rec.u.root.label.len);
				x->l2 = rec.u.root.label.len;
			}
			break;
		default:
			break;
		}
	}
	CU_ASSERT(rc == HS_ITEROVER);
	hs_reader_free(r);
}

static int jt_bytes_eq(const char *a, size_t la, const char *b, size_t lb)
{
	return la == lb && (la == 0 || memcmp(a, b, la) == 0);
}

static int jt_value_eq(const jt_rec *x, const jt_rec *y)
{
	if (x->pv.kind != y->pv.kind)
		return 0;
	switch (x->pv.kind) {
	case HS_VALUE_STR: case HS_VALUE_BYTES:
		return jt_bytes_eq(x->s1, x->l1, y->s1, y->l1);
	case HS_VALUE_INT: case HS_VALUE_BOOL: return x->pv.v.i == y->pv.v.i;
	case HS_VALUE_UINT: return x->pv.v.u == y->pv.v.u;
	case HS_VALUE_FLOAT:
		if (isnan(x->pv.v.f) || isnan(y->pv.v.f))
			return isnan(x->pv.v.f) && isnan(y->pv.v.f);
		return memcmp(&x->pv.v.f, &y->pv.v.f, 8) == 0;
	default: return 1;
	}
}

/* 1 when equal; else says where they differ. */
static int jt_eq(const jt_recs *A, const jt_recs *B)
{
	if (A->n != B->n) {
		fprintf(stderr, "record counts differ: %zu vs %zu\n", A->n,
			B->n);
		return 0;
	}
	for (size_t i = 0; i < A->n; i++) {
		const jt_rec *x = &A->v[i], *y = &B->v[i];
		int ok = x->kind == y->kind && x->a == y->a && x->b == y->b &&
			 x->c == y->c && x->d == y->d && x->n == y->n &&
			 x->has2 == y->has2;

		if (ok && x->kind != HS_REC_OBJECT)
			ok = jt_bytes_eq(x->s1, x->l1, y->s1, y->l1);
		ok = ok && jt_bytes_eq(x->s2, x->l2, y->s2, y->l2) &&
		     jt_bytes_eq(x->s3, x->l3, y->s3, y->l3);
		if (ok && x->kind == HS_REC_OBJECT)
			ok = jt_value_eq(x, y) &&
			     memcmp(x->refs, y->refs, x->n * 8) == 0 &&
			     memcmp(x->labels, y->labels, x->n * 4) == 0 &&
			     memcmp(x->flags, y->flags, x->n) == 0;
		if (ok && x->kind == HS_REC_SITE)
			ok = memcmp(x->frames, y->frames, 3 * x->n * 4) == 0;
		if (!ok) {
			fprintf(stderr, "record %zu (kind %d) differs\n", i,
				x->kind);
			return 0;
		}
	}
	return 1;
}

/* ---- random snapshots -------------------------------------------------- */

#define JT_BIG (2 * HS_REFS_PER_RECORD + 7)

static void jt_random_object(hs_writer *w, uint64_t id, uint32_t ntypes,
			     uint32_t nstrings, uint32_t nsites, int big,
			     hs_ref_mode mode, uint64_t nobj)
{
	static uint64_t refs[JT_BIG];
	static uint32_t labels[JT_BIG];
	static uint8_t flags[JT_BIG];
	static char pv[300];
	hs_object o;
	int with_labels = nstrings && jt_below(2), with_flags = jt_below(3) == 0;

	memset(&o, 0, sizeof(o));
	o.id = id;
	o.type = (uint32_t)jt_below(ntypes);
	o.size = jt_below(4) ? jt_below(1000) : jt_rand();
	o.nrefs = big ? JT_BIG : jt_below(12);
	for (size_t i = 0; i < o.nrefs; i++) {
		refs[i] = mode == HS_REFS_BY_INDEX && jt_below(8)
				  ? jt_below(nobj + 20) : jt_rand();
		/* in a big object, the first part has no label at all */
		labels[i] = (big && i < HS_REFS_PER_RECORD) || jt_below(3) == 0
				    ? HS_NO_LABEL
				    : (uint32_t)jt_below(nstrings);
		flags[i] = (uint8_t)(jt_below(4) == 0 ? jt_rand() : 0);
	}
	o.refs = refs;
	o.labels = with_labels ? labels : NULL;
	o.flags = with_flags ? flags : NULL;
	o.site = nsites && jt_below(3) == 0 ? (uint32_t)jt_below(nsites)
					    : HS_NO_SITE;
	switch (jt_below(8)) {
	case 0: break;
	case 1:
		o.preview.kind = HS_VALUE_STR;
		o.preview.v.s.ptr = pv;
		o.preview.v.s.len = jt_text(pv, sizeof(pv), 1);
		break;
	case 2:
		o.preview.kind = HS_VALUE_BYTES;
		o.preview.v.s.ptr = pv;
		o.preview.v.s.len = jt_text(pv, sizeof(pv), 1);
		break;
	case 3:
		o.preview.kind = HS_VALUE_INT;
		o.preview.v.i = jt_below(2) ? -(int64_t)jt_below(1000)
					    : (int64_t)jt_rand();
		if (jt_below(10) == 0)
			o.preview.v.i = INT64_MIN;
		break;
	case 4:
		o.preview.kind = HS_VALUE_UINT;
		o.preview.v.u = jt_below(2) ? UINT64_MAX : jt_rand();
		break;
	case 5: case 6:
		o.preview.kind = HS_VALUE_FLOAT;
		o.preview.v.f = jt_double();
		break;
	default:
		o.preview.kind = HS_VALUE_BOOL;
		o.preview.v.i = (int64_t)jt_below(2);
		break;
	}
	CU_ASSERT_FATAL(hs_writer_object(w, &o) == 0);
	if (!big && jt_below(10) == 0) {
		/* stream more references in parts, as a capture may */
		size_t n = 1 + jt_below(40);

		CU_ASSERT_FATAL(hs_writer_refs(w, refs, jt_below(2) && nstrings
					       ? labels : NULL, jt_below(2)
					       ? flags : NULL, n) == 0);
	}
}

/* Writes a random snapshot into out. */
static void jt_random_snap(hs_buf *out, uint64_t seed, hs_ref_mode mode)
{
	hs_writer_options wo = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	char rt[40], rv[40], rs[40];
	uint32_t ntypes = 0, nstrings = 0, nsites = 0;
	uint64_t nobj = 0, total = 50 + seed % 150;
	size_t n;

	jt_rng = seed * 0x9e3779b97f4a7c15ull + 1;
	wo.ref_mode = mode;
	wo.frame_size = 4096;  /* many frames: records near frame ends */
	wo.max_preview = HS_STRING_MAX;
	n = jt_text(rt, sizeof(rt) - 1, 0);
	rt[n] = '\0';
	n = jt_text(rv, sizeof(rv) - 1, 0);
	rv[n] = '\0';
	n = jt_text(rs, sizeof(rs) - 1, 0);
	rs[n] = '\0';
	h.runtime = rt;
	h.runtime_version = jt_below(2) ? rv : NULL;
	h.reason = rs;
	h.pid = jt_rand();
	h.time_ms = 1 + jt_below(1ull << 50);
	h.word_size = (unsigned)jt_below(65);
	hs_buf_init(out);
	CU_ASSERT_FATAL(hs_writer_open_sink(&w, hs_buf_sink(out), "mem", &wo,
					    &h) == 0);
	for (int i = 0; i < 3; i++) {
		char t[64];

		CU_ASSERT_FATAL(hs_writer_type(NULL, w, t,
			jt_text(t, sizeof(t), 1)) == 0);
		ntypes++;
	}
	while (nobj < total) {
		uint64_t pick = jt_below(100);
		char t[64];

		if (pick < 3) {
			CU_ASSERT_FATAL(hs_writer_type(NULL, w, t,
				jt_text(t, sizeof(t), 1)) == 0);
			ntypes++;
		} else if (pick < 5) {  /* a class: its object's id */
			CU_ASSERT_FATAL(hs_writer_type_id(NULL, w, t,
				jt_text(t, sizeof(t), 1), jt_rand()) == 0);
			ntypes++;
		} else if (pick < 15) {
			CU_ASSERT_FATAL(hs_writer_string(NULL, w, t,
				jt_text(t, sizeof(t), 1)) == 0);
			nstrings++;
		} else if (pick < 18 && nstrings) {
			uint32_t f[4], l[4], fn[4];
			size_t k = jt_below(5);

			for (size_t i = 0; i < k; i++) {
				f[i] = (uint32_t)jt_below(nstrings);
				l[i] = (uint32_t)jt_rand();
				fn[i] = (uint32_t)jt_below(nstrings);
			}
			CU_ASSERT_FATAL(hs_writer_site(NULL, w, f, l, fn, k)
					== 0);
			nsites++;
		} else if (pick < 22) {
			char k[32], l[32];

			n = jt_text(k, sizeof(k) - 1, 0);
			k[n] = '\0';
			n = jt_text(l, sizeof(l) - 1, 0);
			l[n] = '\0';
			CU_ASSERT_FATAL(hs_writer_root(w, mode ==
				HS_REFS_BY_INDEX ? jt_below(nobj + 1)
				: jt_rand(), k, jt_below(2) ? l : NULL,
				jt_below(2) ? jt_rand() : 0) == 0);
		} else {
			jt_random_object(w, jt_rand(), ntypes, nstrings,
					 nsites, jt_below(120) == 0, mode,
					 nobj);
			nobj++;
		}
	}
	/* always one big object, labelled only past its first part */
	jt_random_object(w, jt_rand(), ntypes, nstrings, nsites, 1, mode,
			 nobj);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
}

static void jt_export(hs_buf *json, const hs_buf *snap)
{
	hs_reader *r;
	hs_jsonl_stats st;
	int rc;

	hs_buf_init(json);
	CU_ASSERT_FATAL(hs_reader_open_mem(&r, snap->data, snap->len,
					   "mem.snap", NULL) == 0);
	rc = hs_jsonl_export(r, hs_buf_sink(json), "mem.jsonl", &st);
	if (rc < 0)
		fprintf(stderr, "%s\n", hs_error_last());
	CU_ASSERT_FATAL(rc == 0);
	CU_ASSERT(st.lines > 0 && st.skipped == 0);
	hs_reader_free(r);
}

/* Imports JSON text; @return the import's code. */
static int jt_import(hs_buf *snap, const char *text, size_t len)
{
	FILE *f = fmemopen((void *)text, len, "r");
	hs_writer_options wo = HS_WRITER_OPTIONS_INIT;
	int rc;

	CU_ASSERT_FATAL(f != NULL);
	wo.max_preview = HS_STRING_MAX;
	wo.frame_size = 8192;
	hs_buf_init(snap);
	rc = hs_jsonl_import_sink(f, "t.jsonl", hs_buf_sink(snap), "mem.snap",
				  &wo, NULL);
	fclose(f);
	return rc;
}

static void jt_round_trip(hs_ref_mode mode)
{
	for (uint64_t seed = 1; seed <= 12; seed++) {
		hs_buf a, j1, b, j2;
		jt_recs ra, rb;
		int rc;

		jt_random_snap(&a, seed + 100 * mode, mode);
		jt_export(&j1, &a);
		rc = jt_import(&b, (const char *)j1.data, j1.len);
		if (rc < 0)
			fprintf(stderr, "seed %llu: %s\n",
				(unsigned long long)seed, hs_error_last());
		CU_ASSERT_FATAL(rc == 0);
		jt_load(&ra, &a);
		jt_load(&rb, &b);
		CU_ASSERT(jt_eq(&ra, &rb));
		/* and the JSON of the copy is the same text */
		jt_export(&j2, &b);
		CU_ASSERT(j1.len == j2.len &&
			  memcmp(j1.data, j2.data, j1.len) == 0);
		jt_free(&ra);
		jt_free(&rb);
		hs_buf_release(&a);
		hs_buf_release(&b);
		hs_buf_release(&j1);
		hs_buf_release(&j2);
	}
}

static void test_round_trip_ids(void)
{
	jt_round_trip(HS_REFS_BY_ID);
}

static void test_round_trip_indices(void)
{
	jt_round_trip(HS_REFS_BY_INDEX);
}

/* ---- hand-written inputs ------------------------------------------------ */

#define HDR "{\"kind\":\"header\",\"format\":\"heapsnap\",\"version\":1," \
	    "\"time_ms\":5}\n"

/* Names given as text are interned; an index and a text can mix. */
static void test_interning(void)
{
	static const char text[] = HDR
		"{\"kind\":\"type\",\"name\":\"dict\"}\n"
		"{\"kind\":\"string\",\"value\":\"k\"}\n"
		"\n"
		"{\"kind\":\"object\",\"id\":1,\"type\":\"dict\",\"size\":9,"
		"\"refs\":[2,3,4],\"labels\":[\"k\",\"j\",null]}\r\n"
		"{\"kind\":\"object\",\"id\":2,\"type\":\"list\",\"size\":9,"
		"\"refs\":[1],\"labels\":[\"j\"],\"preview\":{\"hex\":\"ff\"}}\n"
		"{\"kind\":\"site\",\"frames\":[[\"a.py\",3,\"f\"],[0,1,1]]}\n"
		"{\"kind\":\"object\",\"id\":3,\"type\":0,\"size\":1,"
		"\"site\":0,\"extra_key\":{\"deep\":[[1],{\"x\":null}]}}\n"
		"{\"kind\":\"root\",\"id\":1,\"root_kind\":\"module\"}";
	hs_buf snap, json;
	int rc = jt_import(&snap, text, sizeof(text) - 1);
	const char *want =
		"{\"kind\":\"header\",\"format\":\"heapsnap\",\"version\":1,"
		"\"runtime\":\"\",\"runtime_version\":\"\",\"pid\":0,"
		"\"time_ms\":5,\"reason\":\"\",\"word_size\":%u,\"refs\":\"id\"}\n"
		"{\"kind\":\"type\",\"index\":0,\"name\":\"dict\"}\n"
		"{\"kind\":\"string\",\"index\":0,\"value\":\"k\"}\n"
		"{\"kind\":\"string\",\"index\":1,\"value\":\"j\"}\n"
		"{\"kind\":\"object\",\"id\":1,\"type\":0,\"size\":9,"
		"\"refs\":[2,3,4],\"labels\":[0,1,null]}\n"
		"{\"kind\":\"type\",\"index\":1,\"name\":\"list\"}\n"
		"{\"kind\":\"object\",\"id\":2,\"type\":1,\"size\":9,"
		"\"refs\":[1],\"labels\":[1],\"preview\":{\"hex\":\"ff\"}}\n"
		"{\"kind\":\"string\",\"index\":2,\"value\":\"a.py\"}\n"
		"{\"kind\":\"string\",\"index\":3,\"value\":\"f\"}\n"
		"{\"kind\":\"site\",\"index\":0,\"frames\":[[2,3,3],[0,1,1]]}\n"
		"{\"kind\":\"object\",\"id\":3,\"type\":0,\"size\":1,"
		"\"refs\":[],\"site\":0}\n"
		"{\"kind\":\"root\",\"id\":1,\"root_kind\":\"module\","
		"\"label\":null,\"extra\":0}\n";
	char expect[2048];

	if (rc < 0)
		fprintf(stderr, "%s\n", hs_error_last());
	CU_ASSERT_FATAL(rc == 0);
	jt_export(&json, &snap);
	snprintf(expect, sizeof(expect), want, (unsigned)sizeof(void *));
	CU_ASSERT(json.len == strlen(expect) &&
		  memcmp(json.data, expect, json.len) == 0);
	if (json.len != strlen(expect))
		fprintf(stderr, "got:\n%.*s", (int)json.len,
			(const char *)json.data);
	hs_buf_release(&snap);
	hs_buf_release(&json);
}

/* Floats print so that they read back as floats, exactly. */
static void test_numbers(void)
{
	static const char text[] = HDR
		"{\"kind\":\"type\",\"name\":\"t\"}\n"
		"{\"kind\":\"object\",\"id\":18446744073709551615,\"type\":0,"
		"\"size\":18446744073709551615,\"preview\":2.0}\n"
		"{\"kind\":\"object\",\"id\":1,\"type\":0,\"size\":0,"
		"\"preview\":-0.0}\n"
		"{\"kind\":\"object\",\"id\":2,\"type\":0,\"size\":0,"
		"\"preview\":1E+2}\n"
		"{\"kind\":\"object\",\"id\":3,\"type\":0,\"size\":0,"
		"\"preview\":-9223372036854775808}\n"
		"{\"kind\":\"object\",\"id\":4,\"type\":0,\"size\":0,"
		"\"preview\":-0}\n"
		"{\"kind\":\"object\",\"id\":5,\"type\":0,\"size\":0,"
		"\"preview\":{\"float\":\"nan\"}}\n"
		"{\"kind\":\"object\",\"id\":6,\"type\":0,\"size\":0,"
		"\"preview\":\"\\ud83d\\ude00\\u0000\"}\n";
	hs_buf snap, json;
	const char *p;

	CU_ASSERT_FATAL(jt_import(&snap, text, sizeof(text) - 1) == 0);
	jt_export(&json, &snap);
	CU_ASSERT_FATAL(hs_buf_append(&json, "", 1) == 0);
	p = (const char *)json.data;
	CU_ASSERT(strstr(p, "\"id\":18446744073709551615,\"type\":0,\"size\":"
			 "18446744073709551615,\"refs\":[],\"preview\":2.0}")
		  != NULL);
	CU_ASSERT(strstr(p, "\"preview\":-0.0}") != NULL);
	CU_ASSERT(strstr(p, "\"preview\":100.0}") != NULL);
	CU_ASSERT(strstr(p, "\"preview\":-9223372036854775808}") != NULL);
	CU_ASSERT(strstr(p, "\"id\":4,\"type\":0,\"size\":0,\"refs\":[],"
			 "\"preview\":0}") != NULL);
	CU_ASSERT(strstr(p, "\"preview\":{\"float\":\"nan\"}") != NULL);
	CU_ASSERT(strstr(p, "\"preview\":\"\xf0\x9f\x98\x80\\u0000\"}")
		  != NULL);
	hs_buf_release(&snap);
	hs_buf_release(&json);
}

/* Each malformed input fails with its code and a message holding the
 * line and column and the cause, and writes no file. */
static void test_malformed(void)
{
	static const struct {
		const char *text;
		int code;
		const char *msg;
	} cases[] = {
		{ "", HS_ECORRUPT, "line 1, column 1: no header record" },
		{ "{\"kind\":\"type\",\"name\":\"x\"}\n", HS_ECORRUPT,
		  "line 1, column 9: the first record must be the header" },
		{ HDR "{\"kind\":\"type\",\"name\":", HS_ECORRUPT,
		  "line 2, column 23: \"name\" must be a string or "
		  "{\"hex\":...}, got end of input" },
		{ HDR "{\"kind\":\"object\",\"id\":1,\n{}\n", HS_ECORRUPT,
		  "line 2, column 25: expected a key, got end of line" },
		{ HDR "{\"kind\":\"type\",\"name\":\"a\\qb\"}\n", HS_ECORRUPT,
		  "line 2, column 25: bad escape '\\q'" },
		{ HDR "{\"kind\":\"type\",\"name\":\"a\\ud800x\"}\n",
		  HS_ECORRUPT, "line 2, column 25: bad \\u escape: a high "
		  "surrogate without its low half" },
		{ HDR "{\"kind\":\"type\",\"name\":\"a\\udc00\"}\n",
		  HS_ECORRUPT, "lone low surrogate" },
		{ HDR "{\"kind\":\"type\",\"name\":\"a\\u12g4\"}\n",
		  HS_ECORRUPT, "'g' is not a hex digit" },
		{ HDR "{\"kind\":\"type\",\"name\":\"\xff\"}\n", HS_ECORRUPT,
		  "line 2, column 24: invalid UTF-8 in a string" },
		{ HDR "{\"kind\":\"type\",\"name\":\"\xc0\xaf\"}\n", HS_ECORRUPT,
		  "invalid UTF-8" },
		{ HDR "{\"kind\":\"type\",\"name\":\"a\tb\"}\n", HS_ECORRUPT,
		  "line 2, column 25: control character 0x09 in a string" },
		{ HDR "{\"kind\":\"type\",\"name\":\"ab\n\"}\n", HS_ECORRUPT,
		  "line 2, column 26: the line ends inside a string" },
		{ HDR "{\"kind\":\"type\",\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		  "[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}\n",
		  HS_ELIMIT, "line 2, column 51: values nest deeper than 32" },
		{ HDR "{\"kind\":\"object\",\"id\":18446744073709551616}\n",
		  HS_ECORRUPT, "line 2, column 23: integer "
		  "18446744073709551616 does not fit 64 bits" },
		{ HDR "{\"kind\":\"object\",\"id\":-9223372036854775809}\n",
		  HS_ECORRUPT, "does not fit 64 bits" },
		{ HDR "{\"kind\":\"object\",\"preview\":1e999}\n", HS_ECORRUPT,
		  "column 28: number 1e999 is out of range" },
		{ HDR "{\"kind\":\"object\",\"id\":1000000000000000000000000000"
		  "0000000000000000000000000000000000000000000000000}\n",
		  HS_ELIMIT, "a number is longer than 64 characters" },
		{ HDR "{\"kind\":\"object\",\"id\":01}\n", HS_ECORRUPT,
		  "malformed number '01'" },
		{ HDR "{\"kind\":\"object\",\"id\":1.}\n", HS_ECORRUPT,
		  "malformed number '1.'" },
		{ HDR "{\"kind\":\"object\",\"id\":1.5}\n", HS_ECORRUPT,
		  "column 23: \"id\" must be a non-negative integer, got a "
		  "number" },
		{ HDR "{\"kind\":\"object\",\"id\":-1}\n", HS_ECORRUPT,
		  "\"id\" must be a non-negative integer, got a negative one" },
		{ HDR "{\"kind\":\"object\",\"id\":\"1\"}\n", HS_ECORRUPT,
		  "\"id\" must be a non-negative integer, got a string" },
		{ HDR "{\"kind\":\"type\",\"name\":\"t\"}\n"
		  "{\"kind\":\"object\",\"id\":1,\"type\":0}\n", HS_ECORRUPT,
		  "line 3, column 1: an object record needs \"size\"" },
		{ HDR "{\"kind\":\"object\",\"id\":1,\"type\":0,\"size\":1}\n",
		  HS_ECORRUPT, "line 2, column 32: type 0 is not declared" },
		{ HDR "{\"kind\":\"object\",\"id\":1,\"refs\":{}}\n",
		  HS_ECORRUPT, "\"refs\" must be an array, got '{'" },
		{ HDR "{\"kind\":\"object\",\"id\":1,\"refs\":[1,2}\n",
		  HS_ECORRUPT, "line 2, column 36: \"refs\": expected ',' or "
		  "']', got '}'" },
		{ HDR "{\"kind\":\"object\",\"id\":1,\"refs\":[1,]}\n",
		  HS_ECORRUPT, "column 35: \"refs\" must be a non-negative "
		  "integer, got ']'" },
		{ HDR "{\"kind\":\"type\",\"name\":\"t\"}\n"
		  "{\"kind\":\"object\",\"id\":1,\"type\":0,\"size\":1,"
		  "\"refs\":[1,2],\"labels\":[null]}\n", HS_ECORRUPT,
		  "1 labels for 2 references" },
		{ HDR "{\"kind\":\"type\",\"name\":\"t\"}\n"
		  "{\"kind\":\"object\",\"id\":1,\"type\":0,\"size\":1,"
		  "\"refs\":[1],\"labels\":[7]}\n", HS_ECORRUPT,
		  "string index 7 is not declared" },
		{ HDR "{\"kind\":\"object\",\"flags\":[256]}\n", HS_ECORRUPT,
		  "a flag is not in 0..255" },
		{ HDR "{\"kind\":\"type\",\"index\":3,\"name\":\"t\"}\n",
		  HS_ECORRUPT, "line 2, column 24: type index 3 is out of "
		  "sequence: expected 0" },
		{ HDR "{\"kind\":\"type\",\"name\":\"t\",\"name\":\"u\"}\n",
		  HS_ECORRUPT, "column 27: duplicate key \"name\"" },
		{ HDR "{\"kind\":\"thing\"}\n", HS_ECORRUPT,
		  "column 9: unknown record kind" },
		{ HDR "{\"kind\":\"type\",\"name\":\"t\"} {}\n", HS_ECORRUPT,
		  "column 28: expected the end of the line after the record, "
		  "got '{'" },
		{ HDR "[1]\n", HS_ECORRUPT, "line 2, column 1: a line must "
		  "hold one JSON object, got '['" },
		{ HDR "{\"kind\":\"type\" \"name\":\"t\"}\n", HS_ECORRUPT,
		  "column 16: expected ',' or '}', got a string" },
		{ HDR "{\"kind\":\"type\",\"name\":tru}\n", HS_ECORRUPT,
		  "unexpected word 'tru'" },
		{ HDR "{\"kind\":\"type\",\"name\":@}\n", HS_ECORRUPT,
		  "column 23: unexpected character '@'" },
		{ HDR HDR, HS_ECORRUPT, "line 2, column 9: a second header" },
		{ "{\"kind\":\"header\",\"format\":\"heapsnap\",\"version\":2}\n",
		  HS_EVERSION, "format version 2 is not supported" },
		{ "{\"kind\":\"header\",\"format\":\"heapsnip\",\"version\":1}\n",
		  HS_ECORRUPT, "the format is not \"heapsnap\"" },
		{ "{\"kind\":\"header\",\"format\":\"heapsnap\",\"version\":1,"
		  "\"refs\":\"addr\"}\n", HS_ECORRUPT,
		  "\"refs\" is \"id\" or \"index\"" },
		{ "{\"kind\":\"header\",\"format\":\"heapsnap\"}\n",
		  HS_ECORRUPT, "a header record needs \"version\"" },
		{ HDR "{\"kind\":\"root\",\"id\":1,\"root_kind\":\"a\\u0000\"}\n",
		  HS_ECORRUPT, "holds a NUL byte" },
		{ HDR "{\"kind\":\"type\",\"name\":{\"hex\":\"abc\"}}\n",
		  HS_ECORRUPT, "an odd number of hex digits" },
		{ HDR "{\"kind\":\"type\",\"name\":{\"hex\":\"zz\"}}\n",
		  HS_ECORRUPT, "'zz' is not a hex byte" },
		{ HDR "{\"kind\":\"type\",\"name\":{\"bin\":\"00\"}}\n",
		  HS_ECORRUPT, "unknown key \"bin\" in the value of \"name\"" },
		{ HDR "{\"kind\":\"object\",\"preview\":{\"float\":\"1.5\"}}\n",
		  HS_ECORRUPT, "must be \"inf\", \"-inf\" or \"nan\"" },
		{ HDR "{\"kind\":\"object\",\"preview\":[1]}\n", HS_ECORRUPT,
		  "\"preview\" must be a scalar" },
		{ HDR "{\"kind\":\"site\",\"frames\":[[1,2]]}\n", HS_ECORRUPT,
		  "column 26: a site frame is [file, line, function]" },
		{ HDR "{\"kind\":\"refs\",\"owner\":1,\"refs\":[2]}\n",
		  HS_ECORRUPT, "a refs record must continue the object just "
		  "before it" },
	};
	char path[300];

	snprintf(path, sizeof(path), "%s/bad.snap", hs_unit_tmpdir());
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hs_buf snap;
		int rc = jt_import(&snap, cases[i].text, strlen(cases[i].text));
		const char *msg = hs_error_last();
		FILE *f;

		if (rc != cases[i].code || !strstr(msg, cases[i].msg) ||
		    strncmp(msg, "t.jsonl: line ", 14) != 0)
			fprintf(stderr, "case %zu: rc %d, message \"%s\"\n", i,
				rc, msg);
		CU_ASSERT(rc == cases[i].code);
		CU_ASSERT(strstr(msg, cases[i].msg) != NULL);
		CU_ASSERT(strncmp(msg, "t.jsonl: line ", 14) == 0);
		hs_buf_release(&snap);
		/* into a path: nothing is left behind */
		f = fmemopen((void *)cases[i].text, strlen(cases[i].text) + 1,
			     "r");
		CU_ASSERT_FATAL(f != NULL);
		CU_ASSERT(hs_jsonl_import(f, "t.jsonl", path, NULL, NULL) < 0);
		fclose(f);
		CU_ASSERT(access(path, F_OK) != 0);
	}
}

/* Limits the import cannot reach cheaply, checked on the lexer. */
static void test_lexer_limits(void)
{
	static const char line[] = "[1, 2, 3, 4]\n[\"abcdefghij\"]\n";
	FILE *f = fmemopen((void *)line, sizeof(line) - 1, "r");
	hs_json j;
	int tok;

	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FATAL(hs_json_init(&j, f, "x.jsonl", 12, 5) == 0);
	while ((tok = hs_json_next(&j)) > HS_JSON_EOF && tok != HS_JSON_EOL)
		;
	CU_ASSERT(tok == HS_JSON_EOL);  /* 12 bytes: at the limit */
	CU_ASSERT(hs_json_next(&j) == HS_JSON_LBRACKET);
	CU_ASSERT(hs_json_next(&j) == HS_ELIMIT);
	CU_ASSERT(strstr(hs_error_last(), "x.jsonl: line 2, column 2: a "
			 "string is longer than 5 bytes") != NULL);
	hs_json_release(&j);
	fclose(f);

	f = fmemopen((void *)line, sizeof(line) - 1, "r");
	CU_ASSERT_FATAL(hs_json_init(&j, f, "x.jsonl", 11, 100) == 0);
	while ((tok = hs_json_next(&j)) > HS_JSON_EOF && tok != HS_JSON_EOL)
		;
	CU_ASSERT(tok == HS_ELIMIT);
	CU_ASSERT(strstr(hs_error_last(), "line 1, column 13: the line is "
			 "longer than 11 bytes") != NULL);
	hs_json_release(&j);
	fclose(f);

	/* a string over HS_STRING_MAX in the import */
	{
		size_t n = HS_STRING_MAX + 100;
		char *t = malloc(n + 200);
		int len;
		hs_buf snap;

		CU_ASSERT_FATAL(t != NULL);
		len = snprintf(t, 200, "%s{\"kind\":\"type\",\"name\":\"", HDR);
		memset(t + len, 'a', HS_STRING_MAX + 1);
		strcpy(t + len + HS_STRING_MAX + 1, "\"}\n");
		CU_ASSERT(jt_import(&snap, t, strlen(t)) == HS_ELIMIT);
		CU_ASSERT(strstr(hs_error_last(), "\"name\" is longer than "
				 "65536 bytes") != NULL);
		hs_buf_release(&snap);
		free(t);
	}
}

/* The import through a path: PATH appears only when it is complete. */
static void test_import_path(void)
{
	static const char text[] = HDR "{\"kind\":\"type\",\"name\":\"t\"}\n"
		"{\"kind\":\"object\",\"id\":7,\"type\":0,\"size\":3}\n";
	char path[300];
	hs_jsonl_stats st;
	hs_reader *r;
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	CU_ASSERT_FATAL(f != NULL);
	snprintf(path, sizeof(path), "%s/ok.snap", hs_unit_tmpdir());
	CU_ASSERT_FATAL(hs_jsonl_import(f, "t.jsonl", path, NULL, &st) == 0);
	fclose(f);
	CU_ASSERT(st.lines == 3 && st.records == 3 && st.objects == 1);
	CU_ASSERT_FATAL(hs_reader_open(&r, path, NULL) == 0);
	CU_ASSERT(hs_reader_info(r)->header.time_ms == 5);
	hs_reader_free(r);
	unlink(path);

	/* from a file, with the default options: a long preview is kept */
	{
		char in[300], line[400];
		hs_record rec;
		size_t plen = 0;

		snprintf(in, sizeof(in), "%s/long.jsonl", hs_unit_tmpdir());
		f = fopen(in, "w");
		CU_ASSERT_FATAL(f != NULL);
		memset(line, 'p', 200);
		line[200] = '\0';
		fprintf(f, "%s{\"kind\":\"object\",\"id\":1,\"type\":\"s\","
			"\"size\":1,\"preview\":\"%s\"}\n", HDR, line);
		fclose(f);
		CU_ASSERT_FATAL(hs_jsonl_import_file(in, path, NULL, NULL) == 0);
		CU_ASSERT_FATAL(hs_reader_open(&r, path, NULL) == 0);
		while (hs_reader_next(&rec, r) == 0)
			if (rec.kind == HS_REC_OBJECT)
				plen = rec.u.object.obj.preview.v.s.len;
		CU_ASSERT(plen == 200);
		hs_reader_free(r);
		unlink(path);
		unlink(in);
		CU_ASSERT(hs_jsonl_import_file(in, path, NULL, NULL) == HS_EIO);
		CU_ASSERT(strstr(hs_error_last(), "long.jsonl: cannot open")
			  != NULL);
	}
}

HS_SUITE(jsonl,
	 HS_TEST(test_round_trip_ids),
	 HS_TEST(test_round_trip_indices),
	 HS_TEST(test_interning),
	 HS_TEST(test_numbers),
	 HS_TEST(test_malformed),
	 HS_TEST(test_lexer_limits),
	 HS_TEST(test_import_path))
