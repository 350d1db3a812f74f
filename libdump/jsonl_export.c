/*
 * jsonl_export.c - a .snap printed as JSON lines (format/JSONL.md): one
 * line per record in file order, read through hs_reader, with refs
 * records folded into the object they continue.
 *
 * Load: a 64 KiB output buffer and a copy of the largest object's
 * references; about 1 us per object.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hs_jsonl.h"
#include "json.h"
#include "vec.h"

static const char hexdig[] = "0123456789abcdef";

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
	rc = o->sink.write(o->buf, o->len, o->sink.payload);
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

	if (need < p->n || hs_vec_grow((void **)&p->refs, &p->rcap, need, 8) < 0)
		return -1;
	if ((labels || p->has_labels) &&
	    hs_vec_grow((void **)&p->labels, &p->lcap, need, 4) < 0)
		return -1;
	if ((flags || p->has_flags) &&
	    hs_vec_grow((void **)&p->flags, &p->fcap, need, 1) < 0)
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

		if (hs_vec_grow((void **)&p->pv, &p->pvcap, len + 1, 1) < 0)
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
		if (rec->kind == HS_REC_TYPE && rec->u.type.has_id) {
			out_key(o, "id");
			out_u64(o, rec->u.type.id);
		}
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

static int file_write(const void *buf, size_t len, void *payload)
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
