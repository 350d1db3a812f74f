/*
 * jsonl.c - the JSON-lines form of a .snap (format/JSONL.md): export
 * through hs_reader, import through hs_writer.
 *
 * Export prints one line per record in file order, folding refs records
 * into the object they continue.  Import lexes each line with json.c
 * straight into one record's fields (no tree is built), checks them, and
 * writes the record; the writer splits huge objects into refs records
 * again.  Load: see hs_jsonl.h; about 1 us per object each way.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "format.h"
#include "hs_jsonl.h"
#include "json.h"

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need) {
		if (c > SIZE_MAX / 2 / elem)
			return -1;
		c *= 2;
	}
	q = realloc(*p, c * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

static const char hexdig[] = "0123456789abcdef";

/* ==== export ============================================================ */

#define OUT_BUF (64u * 1024)

typedef struct {
	hs_sink sink;
	const char *name;
	char buf[OUT_BUF];
	size_t len;
	int err;        /* sticky: the first sink error */
} out_t;

static void out_flush(out_t *o)
{
	int rc;

	if (o->err || !o->len)
		return;
	rc = o->sink.write(o->sink.payload, o->buf, o->len);
	if (rc < 0)
		o->err = hs_error_prefix(rc, "%s: write failed", o->name);
	o->len = 0;
}

static void out_raw(out_t *o, const char *s, size_t n)
{
	while (n && !o->err) {
		size_t k = OUT_BUF - o->len;

		if (k == 0) {
			out_flush(o);
			continue;
		}
		if (k > n)
			k = n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

static void out_s(out_t *o, const char *s)
{
	out_raw(o, s, strlen(s));
}

static void out_c(out_t *o, char c)
{
	if (o->len == OUT_BUF)
		out_flush(o);
	if (!o->err)
		o->buf[o->len++] = c;
}

static void out_u64(out_t *o, uint64_t v)
{
	char t[24];
	size_t i = sizeof(t);

	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	out_raw(o, t + i, sizeof(t) - i);
}

static void out_i64(out_t *o, int64_t v)
{
	if (v < 0) {
		out_c(o, '-');
		out_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		out_u64(o, (uint64_t)v);
	}
}

/* The shortest %.Ng (N = 15..17) that reads back as the same double,
 * always with a '.' or an exponent so that it reads back as a float;
 * inf and nan, which JSON cannot spell, as {"float":"inf"} etc. */
static void out_double(out_t *o, double f)
{
	char t[40];

	if (isnan(f)) {
		out_s(o, "{\"float\":\"nan\"}");
		return;
	}
	if (isinf(f)) {
		out_s(o, f > 0 ? "{\"float\":\"inf\"}" : "{\"float\":\"-inf\"}");
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(t, sizeof(t), "%.*g", prec, f);
		if (strtod(t, NULL) == f)
			break;
	}
	out_s(o, t);
	if (!strpbrk(t, ".e"))
		out_s(o, ".0");
}

static void out_hex(out_t *o, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;

	out_c(o, '"');
	for (size_t i = 0; i < n; i++) {
		out_c(o, hexdig[s[i] >> 4]);
		out_c(o, hexdig[s[i] & 15]);
	}
	out_c(o, '"');
}

/* A JSON string literal of valid UTF-8 bytes. */
static void out_jstr(out_t *o, const char *p, size_t n)
{
	size_t run = 0;

	out_c(o, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		char esc[8];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		out_raw(o, p + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': out_s(o, "\\\""); break;
		case '\\': out_s(o, "\\\\"); break;
		case '\n': out_s(o, "\\n"); break;
		case '\t': out_s(o, "\\t"); break;
		case '\r': out_s(o, "\\r"); break;
		case '\b': out_s(o, "\\b"); break;
		case '\f': out_s(o, "\\f"); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			out_s(o, esc);
			break;
		}
	}
	out_raw(o, p + run, n - run);
	out_c(o, '"');
}

/* Any bytes: a JSON string when they are valid UTF-8, else {"hex":...}. */
static void out_text(out_t *o, const char *p, size_t n)
{
	if (hs_utf8_valid(p, n)) {
		out_jstr(o, p, n);
		return;
	}
	out_s(o, "{\"hex\":");
	out_hex(o, p, n);
	out_c(o, '}');
}

static void out_key(out_t *o, const char *key)
{
	out_c(o, ',');
	out_c(o, '"');
	out_s(o, key);
	out_s(o, "\":");
}

static void out_ref_arrays(out_t *o, const uint64_t *refs,
			   const uint32_t *labels, const uint8_t *flags,
			   size_t n)
{
	out_key(o, "refs");
	out_c(o, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			out_c(o, ',');
		out_u64(o, refs[i]);
	}
	out_c(o, ']');
	if (labels) {
		out_key(o, "labels");
		out_c(o, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				out_c(o, ',');
			if (labels[i] == HS_NO_LABEL)
				out_s(o, "null");
			else
				out_u64(o, labels[i]);
		}
		out_c(o, ']');
	}
	if (flags) {
		out_key(o, "flags");
		out_c(o, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				out_c(o, ',');
			out_u64(o, flags[i]);
		}
		out_c(o, ']');
	}
}

static void out_preview(out_t *o, const hs_value *v)
{
	switch (v->kind) {
	case HS_VALUE_STR: out_text(o, v->v.s.ptr, v->v.s.len); break;
	case HS_VALUE_BYTES:
		out_s(o, "{\"bin\":");
		out_hex(o, v->v.s.ptr, v->v.s.len);
		out_c(o, '}');
		break;
	case HS_VALUE_INT: out_i64(o, v->v.i); break;
	case HS_VALUE_UINT: out_u64(o, v->v.u); break;
	case HS_VALUE_FLOAT: out_double(o, v->v.f); break;
	case HS_VALUE_BOOL: out_s(o, v->v.i ? "true" : "false"); break;
	default: out_s(o, "null"); break;
	}
}

/* An object waiting for the refs records that may continue it. */
typedef struct {
	int active;
	uint64_t owner;   /* what its refs records name: id or index */
	uint64_t id, size;
	uint32_t type, site;
	uint64_t *refs;
	uint32_t *labels;
	uint8_t *flags;
	size_t n, rcap, lcap, fcap;
	int has_labels, has_flags;
	hs_value preview;
	char *pv;         /* preview bytes (STR, BYTES) */
	size_t pvcap;
} pending_t;

static int pending_add(pending_t *p, const uint64_t *refs,
		       const uint32_t *labels, const uint8_t *flags, size_t n)
{
	size_t need = p->n + n;

	if (need < p->n || grow((void **)&p->refs, &p->rcap, need, 8) < 0)
		return -1;
	if ((labels || p->has_labels) &&
	    grow((void **)&p->labels, &p->lcap, need, 4) < 0)
		return -1;
	if ((flags || p->has_flags) &&
	    grow((void **)&p->flags, &p->fcap, need, 1) < 0)
		return -1;
	if (labels && !p->has_labels) {
		for (size_t i = 0; i < p->n; i++)
			p->labels[i] = HS_NO_LABEL;
		p->has_labels = 1;
	}
	if (flags && !p->has_flags) {
		memset(p->flags, 0, p->n);
		p->has_flags = 1;
	}
	if (n == 0)
		return 0;
	memcpy(p->refs + p->n, refs, n * 8);
	if (p->has_labels) {
		if (labels)
			memcpy(p->labels + p->n, labels, n * 4);
		else
			for (size_t i = 0; i < n; i++)
				p->labels[p->n + i] = HS_NO_LABEL;
	}
	if (p->has_flags) {
		if (flags)
			memcpy(p->flags + p->n, flags, n);
		else
			memset(p->flags + p->n, 0, n);
	}
	p->n = need;
	return 0;
}

static int pending_start(pending_t *p, const hs_record *rec,
			 hs_ref_mode mode)
{
	const hs_object *ob = &rec->u.object.obj;

	p->active = 1;
	p->owner = mode == HS_REFS_BY_INDEX ? rec->u.object.index : ob->id;
	p->id = ob->id;
	p->size = ob->size;
	p->type = ob->type;
	p->site = ob->site;
	p->n = 0;
	p->has_labels = p->has_flags = 0;
	p->preview = ob->preview;
	if (ob->preview.kind == HS_VALUE_STR ||
	    ob->preview.kind == HS_VALUE_BYTES) {
		size_t len = ob->preview.v.s.len;

		if (grow((void **)&p->pv, &p->pvcap, len + 1, 1) < 0)
			return -1;
		if (len)
			memcpy(p->pv, ob->preview.v.s.ptr, len);
		p->preview.v.s.ptr = p->pv;
	}
	return pending_add(p, ob->refs, ob->labels, ob->flags, ob->nrefs);
}

static void pending_print(out_t *o, pending_t *p, hs_jsonl_stats *st)
{
	if (!p->active)
		return;
	out_s(o, "{\"kind\":\"object\",\"id\":");
	out_u64(o, p->id);
	out_key(o, "type");
	out_u64(o, p->type);
	out_key(o, "size");
	out_u64(o, p->size);
	out_ref_arrays(o, p->refs, p->has_labels ? p->labels : NULL,
		       p->has_flags ? p->flags : NULL, p->n);
	if (p->preview.kind != HS_VALUE_NONE) {
		out_key(o, "preview");
		out_preview(o, &p->preview);
	}
	if (p->site != HS_NO_SITE) {
		out_key(o, "site");
		out_u64(o, p->site);
	}
	out_s(o, "}\n");
	p->active = 0;
	st->lines++;
	st->objects++;
	st->refs += p->n;
}

static void pending_free(pending_t *p)
{
	free(p->refs);
	free(p->labels);
	free(p->flags);
	free(p->pv);
}

static void print_header(out_t *o, const hs_record *rec)
{
	out_s(o, "{\"kind\":\"header\",\"format\":\"heapsnap\",\"version\":");
	out_u64(o, rec->u.header.version);
	out_key(o, "runtime");
	out_text(o, rec->u.header.runtime.ptr, rec->u.header.runtime.len);
	out_key(o, "runtime_version");
	out_text(o, rec->u.header.runtime_version.ptr,
		 rec->u.header.runtime_version.len);
	out_key(o, "pid");
	out_u64(o, rec->u.header.pid);
	out_key(o, "time_ms");
	out_u64(o, rec->u.header.time_ms);
	out_key(o, "reason");
	out_text(o, rec->u.header.reason.ptr, rec->u.header.reason.len);
	out_key(o, "word_size");
	out_u64(o, rec->u.header.word_size);
	out_key(o, "refs");
	out_s(o, rec->u.header.ref_mode == HS_REFS_BY_INDEX ? "\"index\""
							    : "\"id\"");
	out_s(o, "}\n");
}

static void print_record(out_t *o, const hs_record *rec)
{
	switch (rec->kind) {
	case HS_REC_HEADER:
		print_header(o, rec);
		break;
	case HS_REC_TYPE:
	case HS_REC_STRING:
		out_s(o, rec->kind == HS_REC_TYPE ? "{\"kind\":\"type\""
						  : "{\"kind\":\"string\"");
		out_key(o, "index");
		out_u64(o, rec->u.type.index);
		out_key(o, rec->kind == HS_REC_TYPE ? "name" : "value");
		out_text(o, rec->u.type.name.ptr, rec->u.type.name.len);
		out_s(o, "}\n");
		break;
	case HS_REC_SITE:
		out_s(o, "{\"kind\":\"site\",\"index\":");
		out_u64(o, rec->u.site.index);
		out_key(o, "frames");
		out_c(o, '[');
		/* the reader's three arrays interleave: frame i is at 3*i */
		for (size_t i = 0; i < rec->u.site.nframes; i++) {
			out_s(o, i ? ",[" : "[");
			out_u64(o, rec->u.site.files[3 * i]);
			out_c(o, ',');
			out_u64(o, rec->u.site.lines[3 * i]);
			out_c(o, ',');
			out_u64(o, rec->u.site.funcs[3 * i]);
			out_c(o, ']');
		}
		out_s(o, "]}\n");
		break;
	case HS_REC_ROOT:
		out_s(o, "{\"kind\":\"root\",\"id\":");
		out_u64(o, rec->u.root.ref);
		out_key(o, "root_kind");
		out_text(o, rec->u.root.kind.ptr, rec->u.root.kind.len);
		out_key(o, "label");
		if (rec->u.root.label.ptr)
			out_text(o, rec->u.root.label.ptr,
				 rec->u.root.label.len);
		else
			out_s(o, "null");
		out_key(o, "extra");
		out_u64(o, rec->u.root.extra);
		out_s(o, "}\n");
		break;
	case HS_REC_REFS:  /* only a refs record that continues no object */
		out_s(o, "{\"kind\":\"refs\",\"owner\":");
		out_u64(o, rec->u.refs.owner);
		out_ref_arrays(o, rec->u.refs.refs, rec->u.refs.labels,
			       rec->u.refs.flags, rec->u.refs.n);
		out_s(o, "}\n");
		break;
	default:
		break;
	}
}

int hs_jsonl_export(hs_reader *r, hs_sink sink, const char *out_name,
		    hs_jsonl_stats *stats)
{
	hs_jsonl_stats dummy;
	hs_jsonl_stats *st = stats ? stats : &dummy;
	hs_ref_mode mode = hs_reader_info(r)->ref_mode;
	pending_t p;
	out_t *o;
	hs_record rec;
	int rc;

	memset(st, 0, sizeof(*st));
	memset(&p, 0, sizeof(p));
	o = calloc(1, sizeof(*o));
	HS_RETURN_ERROR_IF(!o, HS_ENOMEM, "%s: out of memory", out_name);
	o->sink = sink;
	o->name = out_name ? out_name : "(output)";
	hs_reader_rewind(r);
	while ((rc = hs_reader_next(&rec, r)) == 0) {
		if (rec.kind == HS_REC_REFS && p.active &&
		    rec.u.refs.owner == p.owner) {
			if (pending_add(&p, rec.u.refs.refs, rec.u.refs.labels,
					rec.u.refs.flags, rec.u.refs.n) < 0) {
				rc = hs_error_set(HS_ENOMEM, "%s: out of memory "
						  "for an object's references",
						  hs_reader_name(r));
				goto done;
			}
			st->records++;
			continue;
		}
		pending_print(o, &p, st);
		if (o->err) {
			rc = o->err;
			goto done;
		}
		switch (rec.kind) {
		case HS_REC_OBJECT:
			if (pending_start(&p, &rec, mode) < 0) {
				rc = hs_error_set(HS_ENOMEM, "%s: out of memory "
						  "for an object's references",
						  hs_reader_name(r));
				goto done;
			}
			break;
		case HS_REC_HEADER: case HS_REC_TYPE: case HS_REC_STRING:
		case HS_REC_SITE: case HS_REC_ROOT: case HS_REC_REFS:
			print_record(o, &rec);
			st->lines++;
			if (rec.kind == HS_REC_REFS)
				st->refs += rec.u.refs.n;
			break;
		case HS_REC_FRAME: case HS_REC_END:
			break;  /* the writer regenerates them */
		default:
			st->skipped++;
			continue;
		}
		st->records++;
		if (o->err) {
			rc = o->err;
			goto done;
		}
	}
	if (rc != HS_ITEROVER)
		goto done;
	pending_print(o, &p, st);
	out_flush(o);
	rc = o->err;
done:
	pending_free(&p);
	free(o);
	return rc;
}

static int file_write(void *payload, const void *buf, size_t len)
{
	if (len && fwrite(buf, 1, len, (FILE *)payload) != len)
		return hs_error_set(HS_EIO, "%s", "short write");
	return 0;
}

int hs_jsonl_export_file(hs_reader *r, FILE *out, const char *out_name,
			 hs_jsonl_stats *stats)
{
	hs_sink s = { out, file_write };
	int rc = hs_jsonl_export(r, s, out_name, stats);

	if (rc == 0 && fflush(out) != 0)
		rc = hs_error_set(HS_EIO, "%s: write failed",
				  out_name ? out_name : "(output)");
	return rc;
}

/* ==== import ============================================================ */

/* The keys the format knows; any other key's value is skipped. */
enum {
	F_KIND, F_FORMAT, F_VERSION, F_RUNTIME, F_RUNTIME_VERSION, F_PID,
	F_TIME_MS, F_REASON, F_WORD_SIZE, F_REFS, F_INDEX, F_NAME, F_VALUE,
	F_FRAMES, F_ID, F_TYPE, F_SIZE, F_LABELS, F_FLAGS, F_PREVIEW, F_SITE,
	F_ROOT_KIND, F_LABEL, F_EXTRA, F_OWNER, F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"kind", "format", "version", "runtime", "runtime_version", "pid",
	"time_ms", "reason", "word_size", "refs", "index", "name", "value",
	"frames", "id", "type", "size", "labels", "flags", "preview", "site",
	"root_kind", "label", "extra", "owner"
};

/* Bytes in the line's arena: offset and length (NUL-terminated there). */
typedef struct {
	size_t off, len;
} text_t;

/* A label or site name as parsed: a string index, none, or a text
 * (TXT_BIT | its number in line_t.txt) to intern. */
#define LBL_NONE UINT64_MAX
#define TXT_BIT (1ull << 62)

/* One line's fields. */
typedef struct {
	uint32_t have;              /* bit per F_* present */
	uint64_t line;
	uint64_t col[F_COUNT];      /* column of each field's value */
	text_t t[F_COUNT];          /* text fields */
	uint64_t u[F_COUNT];        /* integer fields */
	int is_text[F_COUNT];       /* F_TYPE, F_REFS: given as text */
	int is_null[F_COUNT];       /* F_LABEL, F_SITE: null */
	uint64_t *refs;
	size_t nrefs, rcap;
	uint64_t *labels;           /* LBL_NONE, TXT_BIT|k, or an index */
	size_t nlabels, lcap;
	uint8_t *flags;
	size_t nflags, fcap;
	uint64_t *frames;           /* triples: file, line, func */
	size_t nframes, frcap;      /* uint64s used */
	text_t *txt;
	size_t ntxt, tcap;
	hs_value preview;
	text_t pv;
	char *arena;
	size_t alen, acap;
	uint32_t *lbl32;            /* resolved labels for the writer */
	size_t l32cap;
} line_t;

/* Declared names (types or strings) by text, to intern names given as
 * text: open addressing over (hash, offset, length, index). */
typedef struct {
	uint64_t h;
	size_t off;
	uint32_t len;
	uint32_t idx1;  /* index + 1; 0 = empty slot */
} slot_t;

typedef struct {
	char *data;
	size_t len, cap;
	slot_t *slots;
	size_t nslots, used;
	uint32_t n;     /* declared so far (the next index) */
} strtab_t;

typedef struct {
	hs_json j;
	const char *name;
	const char *path;      /* or NULL: write into sink */
	hs_sink sink;
	const char *out_name;
	hs_writer_options o;
	hs_writer *w;
	int have_header;
	strtab_t types, strings;
	uint32_t nsites;
	uint64_t last_owner;
	int have_last;
	line_t L;
	hs_jsonl_stats *st;
	hs_jsonl_stats own;     /* when the caller wants none */
} importer;

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
		if (grow((void **)&t->data, &t->cap, t->len + n + 1, 1) < 0)
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

/* An error about the current line's field f (column of its value), or
 * about the whole line when f < 0. */
static int line_fail(importer *im, int f, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int line_fail(importer *im, int f, int code, const char *fmt, ...)
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

static int oom(importer *im)
{
	return hs_error_set(HS_ENOMEM, "%s: line %llu: out of memory",
			    im->name, (unsigned long long)im->L.line);
}

static const char *arena_str(const importer *im, text_t t)
{
	return im->L.arena + t.off;
}

static int arena_put(importer *im, const char *s, size_t n, text_t *out)
{
	line_t *L = &im->L;

	if (grow((void **)&L->arena, &L->acap, L->alen + n + 1, 1) < 0)
		return oom(im);
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
	if (grow((void **)&L->arena, &L->acap, L->alen + n + 1, 1) < 0)
		return oom(im);
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
	if (grow((void **)&L->refs, &L->rcap, L->nrefs + 1, 8) < 0)
		return oom(im);
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
	if (grow((void **)&L->flags, &L->fcap, L->nflags + 1, 1) < 0)
		return oom(im);
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
	if (grow((void **)&L->txt, &L->tcap, L->ntxt + 1, sizeof(text_t)) < 0)
		return oom(im);
	HS_FORWARD_IF_ERROR(get_text(im, tok, &L->txt[L->ntxt], field));
	*out = TXT_BIT | L->ntxt++;
	return 0;
}

static int elem_label(importer *im, int tok, size_t i, void *ctx)
{
	line_t *L = &im->L;

	if (grow((void **)&L->labels, &L->lcap, L->nlabels + 1, 8) < 0)
		return oom(im);
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
	if (grow((void **)&L->frames, &L->frcap, L->nframes + 3, 8) < 0)
		return oom(im);
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

/* Skips a value of a key the format does not know, checking its syntax;
 * arrays and objects are tracked on a fixed stack, not by recursion. */
static int skip_value(importer *im, int tok)
{
	char stack[HS_JSONL_DEPTH_MAX];
	int top = 0, want_value = 1;
	hs_json *j = &im->j;

	for (;;) {
		if (tok < 0)
			return tok;
		if (want_value) {
			if (tok == HS_JSON_LBRACE || tok == HS_JSON_LBRACKET) {
				/* the record object itself is level 1 */
				if (top + 2 > HS_JSONL_DEPTH_MAX)
					return hs_json_fail(j, HS_ELIMIT,
						"values nest deeper than %d",
						HS_JSONL_DEPTH_MAX);
				stack[top++] = tok == HS_JSON_LBRACE ? '}' : ']';
				tok = next(im);
				if (tok < 0)
					return tok;
				if (tok == (stack[top - 1] == '}' ?
					    HS_JSON_RBRACE : HS_JSON_RBRACKET)) {
					top--;
					want_value = 0;
				} else if (stack[top - 1] == '}') {
					HS_FORWARD_IF_ERROR(expect(im, tok,
						HS_JSON_STRING, "a key"));
					HS_FORWARD_IF_ERROR(expect(im, next(im),
						HS_JSON_COLON, "':'"));
					tok = next(im);
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
		tok = next(im);
		if (tok < 0)
			return tok;
		if (tok == (stack[top - 1] == '}' ? HS_JSON_RBRACE
						  : HS_JSON_RBRACKET)) {
			top--;
			continue;
		}
		if (tok != HS_JSON_COMMA)
			return hs_json_fail(j, HS_ECORRUPT, "expected ',' or "
					    "'%c', got %s", stack[top - 1],
					    hs_json_tok_name(tok));
		tok = next(im);
		if (tok < 0)
			return tok;
		if (stack[top - 1] == '}') {
			HS_FORWARD_IF_ERROR(expect(im, tok, HS_JSON_STRING,
						   "a key"));
			HS_FORWARD_IF_ERROR(expect(im, next(im), HS_JSON_COLON,
						   "':'"));
			tok = next(im);
		}
		want_value = 1;
	}
}

static int parse_field(importer *im, int f, int tok)
{
	line_t *L = &im->L;
	const char *name = field_names[f];

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
		if (field_names[f][0] == key[0] &&
		    strlen(field_names[f]) == len &&
		    memcmp(field_names[f], key, len) == 0)
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

static void line_free(line_t *L)
{
	free(L->refs);
	free(L->labels);
	free(L->flags);
	free(L->frames);
	free(L->txt);
	free(L->arena);
	free(L->lbl32);
}

/* Lexes one line into im->L.  @return 1 (a record), 0 (a blank line),
 * HS_ITEROVER (end of input) or an error. */
static int parse_line(importer *im)
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
						    field_names[f]);
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
				HS_FORWARD_IF_ERROR(skip_value(im, tok));
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

static int has(const importer *im, int f)
{
	return (im->L.have >> f) & 1;
}

static int need(importer *im, int f, const char *kind)
{
	if (!has(im, f))
		return line_fail(im, -1, HS_ECORRUPT, "%s %s record needs "
				 "\"%s\"", strchr("aeiou", kind[0]) ? "an"
				 : "a", kind, field_names[f]);
	return 0;
}

static int text_is(const importer *im, int f, const char *s)
{
	const text_t *t = &im->L.t[f];

	return t->len == strlen(s) && memcmp(arena_str(im, *t), s, t->len) == 0;
}

/* A text for a writer call that takes a C string. */
static int c_text(importer *im, int f, const char **out)
{
	const text_t *t = &im->L.t[f];

	*out = NULL;
	if (!has(im, f) || im->L.is_null[f])
		return 0;
	*out = arena_str(im, *t);
	if (memchr(*out, '\0', t->len))
		return line_fail(im, f, HS_ECORRUPT, "\"%s\" holds a NUL byte, "
				 "which this field cannot store",
				 field_names[f]);
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
		return line_fail(im, F_INDEX, HS_ECORRUPT, "%s index %llu is "
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
		return line_fail(im, F_FORMAT, HS_ECORRUPT, "the format is "
				 "not \"heapsnap\"");
	if (L->u[F_VERSION] > HS_FORMAT_VERSION || L->u[F_VERSION] == 0)
		return line_fail(im, F_VERSION, L->u[F_VERSION] ? HS_EVERSION
				 : HS_ECORRUPT, "format version %llu is not "
				 "supported (1..%d)",
				 (unsigned long long)L->u[F_VERSION],
				 HS_FORMAT_VERSION);
	o.ref_mode = HS_REFS_BY_ID;
	if (has(im, F_REFS)) {
		if (!L->is_text[F_REFS])
			return line_fail(im, F_REFS, HS_ECORRUPT, "the "
					 "header's \"refs\" is \"id\" or "
					 "\"index\"");
		if (text_is(im, F_REFS, "index"))
			o.ref_mode = HS_REFS_BY_INDEX;
		else if (!text_is(im, F_REFS, "id"))
			return line_fail(im, F_REFS, HS_ECORRUPT, "the "
					 "header's \"refs\" is \"id\" or "
					 "\"index\"");
	}
	if (has(im, F_WORD_SIZE) && L->u[F_WORD_SIZE] > 64)
		return line_fail(im, F_WORD_SIZE, HS_ECORRUPT, "word_size %llu "
				 "is over 64",
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

static int declare_type(importer *im, const char *s, size_t n, uint32_t *out)
{
	int rc = hs_writer_type(out, im->w, s, n);

	if (rc < 0)
		return wfail(im, rc);
	if (strtab_add(&im->types, s, n) < 0)
		return oom(im);
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
		return oom(im);
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
		const char *s = arena_str(im, *t);
		int64_t idx = strtab_get(&im->strings, s, t->len);

		if (idx >= 0) {
			*out = (uint32_t)idx;
			return 0;
		}
		return declare_string(im, s, t->len, out);
	}
	if (v >= im->strings.n)
		return line_fail(im, f, HS_ECORRUPT, "string index %llu is "
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
		return line_fail(im, F_LABELS, HS_ECORRUPT, "%zu labels for "
				 "%zu references", L->nlabels, L->nrefs);
	if (grow((void **)&L->lbl32, &L->l32cap, L->nlabels + 1, 4) < 0)
		return oom(im);
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
		return line_fail(im, F_FLAGS, HS_ECORRUPT, "%zu flags for %zu "
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
		return line_fail(im, F_REFS, HS_ECORRUPT, "an object's \"refs\" "
				 "must be an array");
	memset(&ob, 0, sizeof(ob));
	ob.id = L->u[F_ID];
	ob.size = L->u[F_SIZE];
	if (L->is_text[F_TYPE]) {
		const char *s = arena_str(im, L->t[F_TYPE]);
		int64_t idx = strtab_get(&im->types, s, L->t[F_TYPE].len);

		if (idx >= 0)
			ob.type = (uint32_t)idx;
		else
			HS_FORWARD_IF_ERROR(declare_type(im, s,
						L->t[F_TYPE].len, &ob.type));
	} else {
		if (L->u[F_TYPE] >= im->types.n)
			return line_fail(im, F_TYPE, HS_ECORRUPT, "type %llu "
					 "is not declared (%u types so far)",
					 (unsigned long long)L->u[F_TYPE],
					 im->types.n);
		ob.type = (uint32_t)L->u[F_TYPE];
	}
	ob.site = HS_NO_SITE;
	if (has(im, F_SITE) && !L->is_null[F_SITE]) {
		if (L->u[F_SITE] >= im->nsites)
			return line_fail(im, F_SITE, HS_ECORRUPT, "site %llu is "
					 "not declared (%u sites so far)",
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
		ob.preview.v.s.ptr = arena_str(im, L->pv);
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
		return line_fail(im, F_REFS, HS_ECORRUPT, "\"refs\" must be "
				 "an array");
	if (!im->have_last || L->u[F_OWNER] != im->last_owner)
		return line_fail(im, F_OWNER, HS_ECORRUPT, "a refs record "
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
			return line_fail(im, F_KIND, HS_ECORRUPT, "a second "
					 "header record");
		return do_header(im);
	}
	if (!im->have_header)
		return line_fail(im, F_KIND, HS_ECORRUPT, "the first record "
				 "must be the header");
	if (text_is(im, F_KIND, "type")) {
		uint32_t idx;

		HS_FORWARD_IF_ERROR(need(im, F_NAME, "type"));
		HS_FORWARD_IF_ERROR(check_index(im, im->types.n, "type"));
		return declare_type(im, arena_str(im, L->t[F_NAME]),
				    L->t[F_NAME].len, &idx);
	}
	if (text_is(im, F_KIND, "string")) {
		uint32_t idx;

		HS_FORWARD_IF_ERROR(need(im, F_VALUE, "string"));
		HS_FORWARD_IF_ERROR(check_index(im, im->strings.n, "string"));
		return declare_string(im, arena_str(im, L->t[F_VALUE]),
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
	rc = line_fail(im, F_KIND, HS_ECORRUPT, "unknown record kind");
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
		rc = parse_line(im);
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
	line_free(&im->L);
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
	int rc;

	HS_RETURN_ERROR_IF(!in_path, HS_EINVAL, "hs_jsonl_import_file: no "
			   "input path");
	f = fopen(in_path, "r");
	HS_RETURN_ERROR_IF(!f, HS_EIO, "%s: cannot open: %s", in_path,
			   strerror(errno));
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
