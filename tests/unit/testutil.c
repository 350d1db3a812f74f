/*
 * testutil.c - helpers shared by the unit suites (see testutil.h): record
 * texts, a recording writer over memory, random graphs, crafted files.
 * Load: test-sized; everything is kept in memory and aborts on OOM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <zstd.h>

#include "format.h"
#include "testutil.h"
#include "unit.h"
#include "vec.h"

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "testutil: out of memory\n");
		abort();
	}
	return p;
}

void tu_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (hs_vec_grow(p, cap, need, elem) < 0) {
		fprintf(stderr, "testutil: out of memory for %zu elements of "
			"%zu bytes\n", need, elem);
		abort();
	}
}

/* ---- a tiny growable string ------------------------------------------ */

typedef struct {
	char *s;
	size_t len, cap;
} tstr;

static void sb_printf(tstr *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(tstr *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		tu_grow((void **)&b->s, &b->cap, b->len + (size_t)n + 1, 1);
	}
}

/* bytes as text: printable ASCII stays (but not \ or space), others \xNN */
static void sb_esc(tstr *b, const char *p, size_t n)
{
	sb_printf(b, "'");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c > 0x20 && c < 0x7f && c != '\\' && c != '\'')
			sb_printf(b, "%c", c);
		else
			sb_printf(b, "\\x%02x", c);
	}
	sb_printf(b, "'");
}

static char *sb_done(tstr *b)
{
	if (!b->s)
		sb_printf(b, "%s", "");
	return b->s;
}

/* ---- string vectors ---------------------------------------------------- */

void tu_strv_take(tu_strv *sv, char *s)
{
	tu_grow((void **)&sv->v, &sv->cap, sv->n + 1, sizeof(*sv->v));
	sv->v[sv->n++] = s;
}

void tu_strv_push(tu_strv *sv, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	tu_strv_take(sv, s);
}

void tu_strv_free(tu_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void tu_strv_sort(tu_strv *sv)
{
	if (sv->n)
		qsort(sv->v, sv->n, sizeof(*sv->v), cmp_str);
}

void tu_strv_copy(tu_strv *dst, const tu_strv *src)
{
	for (size_t i = 0; i < src->n; i++)
		tu_strv_push(dst, "%s", src->v[i]);
}

int tu_strv_eq(const tu_strv *a, const tu_strv *b, const char *what)
{
	size_t n = a->n < b->n ? a->n : b->n;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(a->v[i], b->v[i]) != 0) {
			fprintf(stderr, "\n%s: record %zu differs:\n  got  %.300s"
				"\n  want %.300s\n", what, i, a->v[i], b->v[i]);
			return 0;
		}
	}
	if (a->n != b->n) {
		fprintf(stderr, "\n%s: %zu records, expected %zu; next: %.300s\n",
			what, a->n, b->n,
			a->n > n ? a->v[n] : b->v[n]);
		return 0;
	}
	return 1;
}

int tu_strv_subseq(const tu_strv *a, const tu_strv *b)
{
	size_t j = 0;

	for (size_t i = 0; i < a->n; i++) {
		while (j < b->n && strcmp(a->v[i], b->v[j]) != 0)
			j++;
		if (j == b->n)
			return 0;
		j++;
	}
	return 1;
}

/* ---- canonical record text ------------------------------------------- */

static void fmt_refs(tstr *b, const uint64_t *refs, const uint32_t *labels,
		     const uint8_t *flags, size_t n)
{
	sb_printf(b, " r=[");
	for (size_t i = 0; i < n; i++)
		sb_printf(b, "%s%llu", i ? "," : "", (unsigned long long)refs[i]);
	sb_printf(b, "]");
	if (labels) {
		sb_printf(b, " l=[");
		for (size_t i = 0; i < n; i++) {
			if (labels[i] == HS_NO_LABEL)
				sb_printf(b, "%s-", i ? "," : "");
			else
				sb_printf(b, "%s%u", i ? "," : "", labels[i]);
		}
		sb_printf(b, "]");
	}
	if (flags) {
		sb_printf(b, " f=[");
		for (size_t i = 0; i < n; i++)
			sb_printf(b, "%s%u", i ? "," : "", flags[i]);
		sb_printf(b, "]");
	}
}

static void fmt_value(tstr *b, const hs_value *v)
{
	switch (v->kind) {
	case HS_VALUE_NONE:
		break;
	case HS_VALUE_STR:
		sb_printf(b, " p=s:");
		sb_esc(b, v->v.s.ptr, v->v.s.len);
		break;
	case HS_VALUE_BYTES:
		sb_printf(b, " p=b:");
		for (size_t i = 0; i < v->v.s.len; i++)
			sb_printf(b, "%02x", (unsigned char)v->v.s.ptr[i]);
		break;
	case HS_VALUE_INT:
		sb_printf(b, " p=i:%lld", (long long)v->v.i);
		break;
	case HS_VALUE_UINT:
		sb_printf(b, " p=u:%llu", (unsigned long long)v->v.u);
		break;
	case HS_VALUE_FLOAT:
		sb_printf(b, " p=f:%a", v->v.f);
		break;
	case HS_VALUE_BOOL:
		sb_printf(b, " p=t:%d", v->v.i ? 1 : 0);
		break;
	}
}

static char *fmt_object(uint64_t index, const hs_object *o, uint64_t rt_size)
{
	tstr b = { 0 };

	sb_printf(&b, "O x=%llu id=%llu t=%u sz=%llu",
		  (unsigned long long)index, (unsigned long long)o->id,
		  o->type, (unsigned long long)o->size);
	fmt_refs(&b, o->refs, o->labels, o->flags, o->nrefs);
	fmt_value(&b, &o->preview);
	if (o->site != HS_NO_SITE)
		sb_printf(&b, " s=%u", o->site);
	if (rt_size)
		sb_printf(&b, " rz=%llu", (unsigned long long)rt_size);
	return sb_done(&b);
}

static char *fmt_refs_rec(uint64_t owner, const uint64_t *refs,
			  const uint32_t *labels, const uint8_t *flags,
			  size_t n)
{
	tstr b = { 0 };

	sb_printf(&b, "R o=%llu", (unsigned long long)owner);
	fmt_refs(&b, refs, labels, flags, n);
	return sb_done(&b);
}

static char *fmt_named(char tag, uint64_t index, const char *p, size_t n)
{
	tstr b = { 0 };

	sb_printf(&b, "%c i=%llu ", tag, (unsigned long long)index);
	sb_esc(&b, p, n);
	return sb_done(&b);
}

/* A type record: as fmt_named, with " id=N" when it gives its id and
 * " fl=0xN" when it has flags. */
static char *fmt_type(uint64_t index, const char *p, size_t n, int has_id,
		      uint64_t id, uint64_t flags)
{
	tstr b = { 0 };

	sb_printf(&b, "T i=%llu ", (unsigned long long)index);
	sb_esc(&b, p, n);
	if (has_id)
		sb_printf(&b, " id=%llu", (unsigned long long)id);
	if (flags)
		sb_printf(&b, " fl=%#llx", (unsigned long long)flags);
	return sb_done(&b);
}

static char *fmt_root(uint64_t ref, const char *kind, size_t klen,
		      const char *label, size_t llen, uint64_t extra)
{
	tstr b = { 0 };

	sb_printf(&b, "G r=%llu k=", (unsigned long long)ref);
	sb_esc(&b, kind, klen);
	if (label) {
		sb_printf(&b, " l=");
		sb_esc(&b, label, llen);
	} else {
		sb_printf(&b, " l=nil");
	}
	sb_printf(&b, " e=%llu", (unsigned long long)extra);
	return sb_done(&b);
}

static char *fmt_site(uint64_t index, const uint32_t *files,
		      const uint32_t *lines, const uint32_t *funcs,
		      size_t n, size_t stride)
{
	tstr b = { 0 };

	sb_printf(&b, "I i=%llu [", (unsigned long long)index);
	for (size_t i = 0; i < n; i++)
		sb_printf(&b, "%s%u:%u:%u", i ? "," : "", files[i * stride],
			  lines[i * stride], funcs[i * stride]);
	sb_printf(&b, "]");
	return sb_done(&b);
}

static char *fmt_end(const uint64_t t[6])
{
	tstr b = { 0 };

	sb_printf(&b, "E o=%llu r=%llu t=%llu s=%llu g=%llu sh=%llu",
		  (unsigned long long)t[0], (unsigned long long)t[1],
		  (unsigned long long)t[2], (unsigned long long)t[3],
		  (unsigned long long)t[4], (unsigned long long)t[5]);
	return sb_done(&b);
}

static char *fmt_header(uint64_t version, const char *rt, size_t rtl,
			const char *rv, size_t rvl, uint64_t pid,
			uint64_t time_ms, const char *why, size_t whyl,
			uint64_t word, uint64_t mode)
{
	tstr b = { 0 };

	sb_printf(&b, "H v=%llu rt=", (unsigned long long)version);
	sb_esc(&b, rt, rtl);
	sb_printf(&b, " rv=");
	sb_esc(&b, rv, rvl);
	sb_printf(&b, " pid=%llu t=%llu why=", (unsigned long long)pid,
		  (unsigned long long)time_ms);
	sb_esc(&b, why, whyl);
	sb_printf(&b, " w=%llu m=%llu", (unsigned long long)word,
		  (unsigned long long)mode);
	return sb_done(&b);
}

char *tu_record_text(const hs_record *rec)
{
	switch (rec->kind) {
	case HS_REC_HEADER: {
		const __typeof__(rec->u.header) *h = &rec->u.header;

		return fmt_header(h->version, h->runtime.ptr, h->runtime.len,
				  h->runtime_version.ptr,
				  h->runtime_version.len, h->pid, h->time_ms,
				  h->reason.ptr, h->reason.len, h->word_size,
				  (uint64_t)h->ref_mode);
	}
	case HS_REC_TYPE:
		return fmt_type(rec->u.type.index, rec->u.type.name.ptr,
				rec->u.type.name.len, rec->u.type.has_id,
				rec->u.type.id, rec->u.type.flags);
	case HS_REC_STRING:
		return fmt_named('S', rec->u.type.index, rec->u.type.name.ptr,
				 rec->u.type.name.len);
	case HS_REC_OBJECT:
		return fmt_object(rec->u.object.index, &rec->u.object.obj,
				  rec->u.object.rt_size);
	case HS_REC_REFS:
		return fmt_refs_rec(rec->u.refs.owner, rec->u.refs.refs,
				    rec->u.refs.labels, rec->u.refs.flags,
				    rec->u.refs.n);
	case HS_REC_ROOT:
		return fmt_root(rec->u.root.ref, rec->u.root.kind.ptr,
				rec->u.root.kind.len, rec->u.root.label.ptr,
				rec->u.root.label.len, rec->u.root.extra);
	case HS_REC_SITE:
		return fmt_site(rec->u.site.index, rec->u.site.files,
				rec->u.site.lines, rec->u.site.funcs,
				rec->u.site.nframes, 3);
	case HS_REC_END: {
		const uint64_t t[6] = { rec->u.end.objects, rec->u.end.refs,
					rec->u.end.types, rec->u.end.strings,
					rec->u.end.roots, rec->u.end.shallow };

		return fmt_end(t);
	}
	default: {
		char *s;

		if (asprintf(&s, "? kind=%d", (int)rec->kind) < 0)
			abort();
		return s;
	}
	}
}

int tu_read_all(hs_reader *r, tu_strv *out, uint64_t **frame_offsets)
{
	hs_record rec;
	size_t cap = 0;
	int rc;

	if (frame_offsets)
		*frame_offsets = NULL;
	while ((rc = hs_reader_next(&rec, r)) == 0) {
		if (frame_offsets) {
			tu_grow((void **)frame_offsets, &cap, out->n + 1,
				sizeof(uint64_t));
			(*frame_offsets)[out->n] = rec.frame_offset;
		}
		tu_strv_take(out, tu_record_text(&rec));
	}
	return rc;
}

/* ---- msgpack-c decoding ---------------------------------------------- */

static int mo_uint(const msgpack_object *o, uint64_t *v)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return -1;
	*v = o->via.u64;
	return 0;
}

static int mo_int(const msgpack_object *o, int64_t *v)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    o->via.u64 <= INT64_MAX) {
		*v = (int64_t)o->via.u64;
		return 0;
	}
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*v = o->via.i64;
		return 0;
	}
	return -1;
}

static int mo_str(const msgpack_object *o, const char **p, size_t *n)
{
	if (o->type != MSGPACK_OBJECT_STR)
		return -1;
	*p = o->via.str.ptr;
	*n = o->via.str.size;
	return 0;
}

/* refs [labels [flags]] from fields f[0..have) into malloc'd arrays */
static int mo_refs(const msgpack_object *f, uint32_t have, int by_index,
		   uint64_t owner, uint64_t **refs, uint32_t **labels,
		   uint8_t **flags, size_t *n)
{
	const msgpack_object_array *a;

	*labels = NULL;
	*flags = NULL;
	*refs = NULL;
	if (have < 1 || f[0].type != MSGPACK_OBJECT_ARRAY)
		return -1;
	a = &f[0].via.array;
	*n = a->size;
	*refs = xrealloc(NULL, (a->size + 1) * sizeof(uint64_t));
	for (uint32_t i = 0; i < a->size; i++) {
		int64_t d;

		if (by_index) {
			if (mo_int(&a->ptr[i], &d) < 0)
				return -1;
			(*refs)[i] = owner + (uint64_t)d;
		} else if (mo_uint(&a->ptr[i], &(*refs)[i]) < 0) {
			return -1;
		}
	}
	if (have > 1 && f[1].type != MSGPACK_OBJECT_NIL) {
		if (f[1].type != MSGPACK_OBJECT_ARRAY ||
		    f[1].via.array.size != a->size)
			return -1;
		*labels = xrealloc(NULL, (a->size + 1) * sizeof(uint32_t));
		for (uint32_t i = 0; i < a->size; i++) {
			const msgpack_object *l = &f[1].via.array.ptr[i];
			uint64_t v;

			if (l->type == MSGPACK_OBJECT_NIL)
				(*labels)[i] = HS_NO_LABEL;
			else if (mo_uint(l, &v) < 0 || v >= HS_NO_LABEL)
				return -1;
			else
				(*labels)[i] = (uint32_t)v;
		}
	}
	if (have > 2 && f[2].type != MSGPACK_OBJECT_NIL) {
		if (f[2].type != MSGPACK_OBJECT_ARRAY ||
		    f[2].via.array.size != a->size)
			return -1;
		*flags = xrealloc(NULL, a->size + 1);
		for (uint32_t i = 0; i < a->size; i++) {
			uint64_t v;

			if (mo_uint(&f[2].via.array.ptr[i], &v) < 0 || v > 255)
				return -1;
			(*flags)[i] = (uint8_t)v;
		}
	}
	return 0;
}

static int mo_value(const msgpack_object *o, hs_value *v)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL: v->kind = HS_VALUE_NONE; return 0;
	case MSGPACK_OBJECT_BOOLEAN:
		v->kind = HS_VALUE_BOOL;
		v->v.i = o->via.boolean;
		return 0;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		v->kind = HS_VALUE_UINT;
		v->v.u = o->via.u64;
		return 0;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		v->kind = HS_VALUE_INT;
		v->v.i = o->via.i64;
		return 0;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		v->kind = HS_VALUE_FLOAT;
		v->v.f = o->via.f64;
		return 0;
	case MSGPACK_OBJECT_STR:
		v->kind = HS_VALUE_STR;
		v->v.s.ptr = o->via.str.ptr;
		v->v.s.len = o->via.str.size;
		return 0;
	case MSGPACK_OBJECT_BIN:
		v->kind = HS_VALUE_BYTES;
		v->v.s.ptr = o->via.bin.ptr;
		v->v.s.len = o->via.bin.size;
		return 0;
	default:
		return -1;
	}
}

/* One record object to text; @return NULL when malformed. */
static char *mo_record(tu_mpstate *st, const msgpack_object *obj)
{
	const msgpack_object *f;
	uint32_t n;
	uint64_t tag;

	if (obj->type != MSGPACK_OBJECT_ARRAY || obj->via.array.size < 1)
		return NULL;
	f = obj->via.array.ptr;
	n = obj->via.array.size;
	if (mo_uint(&f[0], &tag) < 0)
		return NULL;
	switch (tag) {
	case HS_REC_FRAME: {
		uint64_t no, first;
		char *s;

		if (n != 3 || mo_uint(&f[1], &no) < 0 ||
		    mo_uint(&f[2], &first) < 0)
			return NULL;
		if (no != st->frames || first != st->next_index) {
			fprintf(stderr, "frame record [2, %llu, %llu], expected "
				"[2, %llu, %llu]\n", (unsigned long long)no,
				(unsigned long long)first,
				(unsigned long long)st->frames,
				(unsigned long long)st->next_index);
			return NULL;
		}
		st->frames++;
		st->prev_id = 0;
		if (asprintf(&s, "F n=%llu first=%llu", (unsigned long long)no,
			     (unsigned long long)first) < 0)
			abort();
		return s;
	}
	case HS_REC_HEADER: {
		const char *fmt, *rt, *rv, *why;
		size_t fl, rtl, rvl, whyl;
		uint64_t ver, pid, t, word, mode;

		if (n != 10 || mo_str(&f[1], &fmt, &fl) < 0 ||
		    fl != 8 || memcmp(fmt, "heapsnap", 8) != 0 ||
		    mo_uint(&f[2], &ver) < 0 || mo_str(&f[3], &rt, &rtl) < 0 ||
		    mo_str(&f[4], &rv, &rvl) < 0 || mo_uint(&f[5], &pid) < 0 ||
		    mo_uint(&f[6], &t) < 0 || mo_str(&f[7], &why, &whyl) < 0 ||
		    mo_uint(&f[8], &word) < 0 || mo_uint(&f[9], &mode) < 0)
			return NULL;
		st->ref_mode = (int)mode;
		return fmt_header(ver, rt, rtl, rv, rvl, pid, t, why, whyl,
				  word, mode);
	}
	case HS_REC_TYPE:
	case HS_REC_STRING: {
		uint64_t i;
		const char *p;
		size_t len;

		uint64_t id = 0, flags = 0;
		int has_id = n >= 4 && f[3].type != MSGPACK_OBJECT_NIL;

		if (n < 3 || n > (tag == HS_REC_TYPE ? 5u : 3u) ||
		    mo_uint(&f[1], &i) < 0 || mo_str(&f[2], &p, &len) < 0 ||
		    (has_id && mo_uint(&f[3], &id) < 0) ||
		    (n == 5 && mo_uint(&f[4], &flags) < 0))
			return NULL;
		if (tag == HS_REC_TYPE)
			return fmt_type(i, p, len, has_id, id, flags);
		return fmt_named('S', i, p, len);
	}
	case HS_REC_OBJECT: {
		hs_object o;
		uint64_t type, owner, site = HS_NO_SITE, rz = 0;
		int64_t delta;
		uint64_t *refs;
		uint32_t *labels;
		uint8_t *flags;
		char *s = NULL;

		memset(&o, 0, sizeof(o));
		o.site = HS_NO_SITE;
		if (n < 5 || n > 10 || mo_int(&f[1], &delta) < 0 ||
		    mo_uint(&f[2], &type) < 0 || type > UINT32_MAX ||
		    mo_uint(&f[3], &o.size) < 0)
			return NULL;
		o.id = st->prev_id + (uint64_t)delta;
		st->prev_id = o.id;
		o.type = (uint32_t)type;
		owner = st->ref_mode == HS_REFS_BY_INDEX ? st->next_index : o.id;
		if (mo_refs(f + 4, n - 4 < 3 ? n - 4 : 3, st->ref_mode ==
			    HS_REFS_BY_INDEX, owner, &refs, &labels, &flags,
			    &o.nrefs) == 0 &&
		    (n < 8 || mo_value(&f[7], &o.preview) == 0) &&
		    (n < 9 || f[8].type == MSGPACK_OBJECT_NIL ||
		     (mo_uint(&f[8], &site) == 0 && site < HS_NO_SITE)) &&
		    (n < 10 || f[9].type == MSGPACK_OBJECT_NIL ||
		     mo_uint(&f[9], &rz) == 0)) {
			o.site = (uint32_t)site;
			o.refs = refs;
			o.labels = labels;
			o.flags = flags;
			s = fmt_object(st->next_index, &o, rz);
		}
		st->next_index++;
		free(refs);
		free(labels);
		free(flags);
		return s;
	}
	case HS_REC_REFS: {
		uint64_t owner, *refs;
		uint32_t *labels;
		uint8_t *flags;
		size_t k;
		char *s = NULL;

		if (n < 3 || n > 5 || mo_uint(&f[1], &owner) < 0)
			return NULL;
		if (mo_refs(f + 2, n - 2, st->ref_mode == HS_REFS_BY_INDEX,
			    owner, &refs, &labels, &flags, &k) == 0)
			s = fmt_refs_rec(owner, refs, labels, flags, k);
		free(refs);
		free(labels);
		free(flags);
		return s;
	}
	case HS_REC_ROOT: {
		uint64_t ref, extra = 0;
		const char *k, *l = NULL;
		size_t kl, ll = 0;

		if (n < 4 || n > 5 || mo_uint(&f[1], &ref) < 0 ||
		    mo_str(&f[2], &k, &kl) < 0 ||
		    (f[3].type != MSGPACK_OBJECT_NIL &&
		     mo_str(&f[3], &l, &ll) < 0) ||
		    (n == 5 && mo_uint(&f[4], &extra) < 0))
			return NULL;
		return fmt_root(ref, k, kl, l, ll, extra);
	}
	case HS_REC_SITE: {
		uint64_t i;
		uint32_t *v;
		const msgpack_object_array *a;
		char *s;

		if (n != 3 || mo_uint(&f[1], &i) < 0 ||
		    f[2].type != MSGPACK_OBJECT_ARRAY ||
		    f[2].via.array.size % 3)
			return NULL;
		a = &f[2].via.array;
		v = xrealloc(NULL, (a->size + 1) * sizeof(uint32_t));
		for (uint32_t j = 0; j < a->size; j++) {
			uint64_t x;

			if (mo_uint(&a->ptr[j], &x) < 0 || x > UINT32_MAX) {
				free(v);
				return NULL;
			}
			v[j] = (uint32_t)x;
		}
		s = fmt_site(i, v, v + 1, v + 2, a->size / 3, 3);
		free(v);
		return s;
	}
	case HS_REC_END: {
		uint64_t t[6];

		if (n != 7)
			return NULL;
		for (int j = 0; j < 6; j++)
			if (mo_uint(&f[1 + j], &t[j]) < 0)
				return NULL;
		return fmt_end(t);
	}
	default:
		return NULL;
	}
}

int tu_msgpack_records(tu_mpstate *st, const void *data, size_t len,
		       tu_strv *out)
{
	msgpack_unpacked u;
	size_t off = 0;
	int rc = 0;

	msgpack_unpacked_init(&u);
	while (off < len) {
		size_t at = off;
		msgpack_unpack_return ret = msgpack_unpack_next(&u, data, len,
								&off);
		char *s;

		if (ret != MSGPACK_UNPACK_SUCCESS) {
			fprintf(stderr, "msgpack-c: unpack returned %d at byte "
				"%zu of %zu\n", (int)ret, at, len);
			rc = -1;
			break;
		}
		s = mo_record(st, &u.data);
		if (!s) {
			fprintf(stderr, "msgpack-c: malformed record at byte "
				"%zu: ", at);
			msgpack_object_print(stderr, u.data);
			fprintf(stderr, "\n");
			rc = -1;
			break;
		}
		tu_strv_take(out, s);
	}
	msgpack_unpacked_destroy(&u);
	return rc;
}

int tu_zstd_decompress_all(const void *data, size_t len, unsigned char **out,
			   size_t *out_len, size_t **frame_ends,
			   size_t *nframes)
{
	const unsigned char *p = data;
	ZSTD_DStream *ds = ZSTD_createDStream();
	size_t off = 0, cap = 1 << 16, fcap = 0;
	int rc = 0;

	*out = xrealloc(NULL, cap);
	*out_len = 0;
	*frame_ends = NULL;
	*nframes = 0;
	while (off < len) {
		uint32_t magic;

		if (len - off < 8) {
			rc = -1;
			break;
		}
		magic = hs_le32(p + off);
		if ((magic & 0xFFFFFFF0u) == HS_SKIP_MAGIC_MIN) {
			off += 8 + (size_t)hs_le32(p + off + 4);
			continue;
		}
		{
			size_t cs = ZSTD_findFrameCompressedSize(p + off,
								 len - off);
			ZSTD_inBuffer in = { p + off, cs, 0 };
			size_t r = 1;

			if (ZSTD_isError(cs)) {
				rc = -1;
				break;
			}
			ZSTD_initDStream(ds);
			while (r != 0) {
				ZSTD_outBuffer o;

				tu_grow((void **)out, &cap, *out_len +
					ZSTD_DStreamOutSize(), 1);
				o.dst = *out;
				o.size = cap;
				o.pos = *out_len;
				r = ZSTD_decompressStream(ds, &o, &in);
				*out_len = o.pos;
				if (ZSTD_isError(r) ||
				    (r && in.pos == in.size &&
				     o.pos < o.size)) {
					rc = -1;
					break;
				}
			}
			if (rc)
				break;
			tu_grow((void **)frame_ends, &fcap, *nframes + 1,
				sizeof(size_t));
			(*frame_ends)[(*nframes)++] = *out_len;
			off += cs;
		}
	}
	ZSTD_freeDStream(ds);
	return rc;
}

/* ---- the recording writer -------------------------------------------- */

static void snap_header(tu_snap *s)
{
	tu_strv_take(&s->expect, fmt_header(HS_FORMAT_VERSION, TU_RUNTIME,
			strlen(TU_RUNTIME), TU_RUNTIME_VERSION,
			strlen(TU_RUNTIME_VERSION), TU_PID, TU_TIME_MS,
			TU_REASON, strlen(TU_REASON), 8,
			(uint64_t)s->o.ref_mode));
}

static void snap_init(tu_snap *s, const hs_writer_options *opts)
{
	static const hs_writer_options defaults = HS_WRITER_OPTIONS_INIT;

	memset(s, 0, sizeof(*s));
	hs_buf_init(&s->buf);
	s->o = opts ? *opts : defaults;
}

static hs_header tu_header(void)
{
	hs_header h = HS_HEADER_INIT;

	h.runtime = TU_RUNTIME;
	h.runtime_version = TU_RUNTIME_VERSION;
	h.pid = TU_PID;
	h.time_ms = TU_TIME_MS;
	h.reason = TU_REASON;
	h.word_size = 8;
	return h;
}

int tu_snap_open(tu_snap *s, const hs_writer_options *opts)
{
	hs_header h = tu_header();
	int rc;

	snap_init(s, opts);
	rc = hs_writer_open_sink(&s->w, hs_buf_sink(&s->buf), "mem.snap",
				 opts, &h);
	if (rc == 0)
		snap_header(s);
	return rc;
}

int tu_snap_open_path(tu_snap *s, const char *path,
		      const hs_writer_options *opts)
{
	hs_header h = tu_header();
	int rc;

	snap_init(s, opts);
	rc = hs_writer_open(&s->w, path, opts, &h);
	if (rc == 0)
		snap_header(s);
	return rc;
}

/* A record the writer numbered i (rc: its return) is the next of its
 * kind (*count); line is what the reader will give for it (taken). */
static uint32_t numbered(tu_snap *s, int rc, uint32_t i, uint64_t *count,
			 char *line)
{
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(i, *count);
	(*count)++;
	tu_strv_take(&s->expect, line);
	return i;
}

uint32_t tu_snap_type(tu_snap *s, const char *name, size_t len)
{
	uint32_t i = UINT32_MAX;
	int rc = hs_writer_type(&i, s->w, name, len);

	return numbered(s, rc, i, &s->ntypes,
			fmt_named('T', s->ntypes, name, len));
}

uint32_t tu_snap_type_id(tu_snap *s, const char *name, size_t len,
			 uint64_t id)
{
	uint32_t i = UINT32_MAX;
	int rc = hs_writer_type_id(&i, s->w, name, len, id);

	return numbered(s, rc, i, &s->ntypes,
			fmt_type(s->ntypes, name, len, 1, id, 0));
}

uint32_t tu_snap_string(tu_snap *s, const char *str, size_t len)
{
	uint32_t i = UINT32_MAX;
	int rc = hs_writer_string(&i, s->w, str, len);

	return numbered(s, rc, i, &s->nstrings,
			fmt_named('S', s->nstrings, str, len));
}

uint32_t tu_snap_site(tu_snap *s, const uint32_t *files,
		      const uint32_t *lines, const uint32_t *funcs, size_t n)
{
	uint32_t i = UINT32_MAX;
	int rc = hs_writer_site(&i, s->w, files, lines, funcs, n);

	return numbered(s, rc, i, &s->nsites,
			fmt_site(s->nsites, files, lines, funcs, n, 1));
}

static int any_label(const uint32_t *l, size_t n)
{
	for (size_t i = 0; l && i < n; i++)
		if (l[i] != HS_NO_LABEL)
			return 1;
	return 0;
}

static int any_flag(const uint8_t *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++)
		if (f[i])
			return 1;
	return 0;
}

/* the refs records the writer makes of refs past an object's record */
static void expect_refs(tu_snap *s, const uint64_t *refs,
			const uint32_t *labels, const uint8_t *flags,
			size_t n)
{
	while (n) {
		size_t k = n < HS_REFS_PER_RECORD ? n : HS_REFS_PER_RECORD;

		tu_strv_take(&s->expect, fmt_refs_rec(s->last_owner, refs,
				any_label(labels, k) ? labels : NULL,
				any_flag(flags, k) ? flags : NULL, k));
		s->nrefs += k;
		refs += k;
		labels = labels ? labels + k : NULL;
		flags = flags ? flags + k : NULL;
		n -= k;
	}
}

void tu_snap_object(tu_snap *s, const hs_object *o)
{
	hs_object e = *o;
	size_t k = o->nrefs < HS_REFS_PER_RECORD ? o->nrefs
						 : HS_REFS_PER_RECORD;
	int rc = hs_writer_object(s->w, o);

	if (rc != 0)
		fprintf(stderr, "hs_writer_object: %s\n", hs_error_last());
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	e.nrefs = k;
	e.labels = any_label(o->labels, k) ? o->labels : NULL;
	e.flags = any_flag(o->flags, k) ? o->flags : NULL;
	/* what the format keeps of a preview */
	switch (o->preview.kind) {
	case HS_VALUE_STR: {
		size_t len = o->preview.v.s.len;

		if (len > s->o.max_preview) {
			len = s->o.max_preview;
			/* back up to the start of a UTF-8 character */
			while (len && ((unsigned char)o->preview.v.s.ptr[len] &
				       0xC0) == 0x80)
				len--;
		}
		e.preview.v.s.len = len;
		break;
	}
	case HS_VALUE_BYTES:
		if (e.preview.v.s.len > s->o.max_preview)
			e.preview.v.s.len = s->o.max_preview;
		break;
	case HS_VALUE_INT:
		/* msgpack packs a non-negative int as a positive integer */
		if (o->preview.v.i >= 0) {
			e.preview.kind = HS_VALUE_UINT;
			e.preview.v.u = (uint64_t)o->preview.v.i;
		}
		break;
	case HS_VALUE_BOOL:
		e.preview.v.i = o->preview.v.i != 0;
		break;
	default:
		break;
	}
	tu_strv_take(&s->expect, fmt_object(s->nobjects, &e, 0));
	s->last_owner = s->o.ref_mode == HS_REFS_BY_INDEX ? s->nobjects
							   : o->id;
	s->nobjects++;
	s->nrefs += k;
	s->shallow += o->size;
	expect_refs(s, o->refs + k, o->labels ? o->labels + k : NULL,
		    o->flags ? o->flags + k : NULL, o->nrefs - k);
}

void tu_snap_refs(tu_snap *s, const uint64_t *refs, const uint32_t *labels,
		  const uint8_t *flags, size_t n)
{
	int rc = hs_writer_refs(s->w, refs, labels, flags, n);

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	expect_refs(s, refs, labels, flags, n);
}

void tu_snap_root(tu_snap *s, uint64_t ref, const char *kind,
		  const char *label, uint64_t extra)
{
	int rc = hs_writer_root(s->w, ref, kind, label, extra);

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	tu_strv_take(&s->expect, fmt_root(ref, kind ? kind : "",
			kind ? strlen(kind) : 0, label,
			label ? strlen(label) : 0, extra));
	s->nroots++;
}

int tu_snap_close(tu_snap *s)
{
	uint64_t t[6] = { s->nobjects, s->nrefs, s->ntypes, s->nstrings,
			  s->nroots, s->shallow };
	int rc = hs_writer_close(s->w);

	s->w = NULL;
	tu_strv_take(&s->expect, fmt_end(t));
	return rc;
}

void tu_snap_free(tu_snap *s)
{
	hs_writer_abort(s->w);
	s->w = NULL;
	hs_buf_release(&s->buf);
	tu_strv_free(&s->expect);
}

/* ---- random graphs ---------------------------------------------------- */

uint64_t tu_rand(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* random text mixing ASCII and 2-, 3- and 4-byte UTF-8 characters */
static size_t rand_utf8(uint64_t *rs, char *buf, size_t max)
{
	static const char *const pieces[] = {
		"a", "Z", "0", " ", "é", "ж", "€", "漢", "😀", "\t", "'"
	};
	size_t len = 0, want = tu_rand(rs) % (max + 1);

	while (len < want) {
		const char *p = pieces[tu_rand(rs) % 11];
		size_t n = strlen(p);

		if (len + n > max)
			break;
		memcpy(buf + len, p, n);
		len += n;
	}
	return len;
}

void tu_random_graph(tu_snap *s, uint64_t seed, size_t nobjects,
		     size_t big_every)
{
	uint64_t rs = seed * 2654435761u + 1;
	uint32_t ntypes = 1 + (uint32_t)(tu_rand(&rs) % 8), nstr = 24;
	size_t maxp = s->o.max_preview * 2 + 8;
	char *text = xrealloc(NULL, (maxp > 64 ? maxp : 64) + 8);
	uint64_t *refs = xrealloc(NULL, (HS_REFS_PER_RECORD + 200) *
				  sizeof(uint64_t));
	uint32_t *labels = xrealloc(NULL, (HS_REFS_PER_RECORD + 200) *
				    sizeof(uint32_t));
	uint8_t *flags = xrealloc(NULL, HS_REFS_PER_RECORD + 200);
	uint64_t base = 0x7f0000001000ull + (tu_rand(&rs) % 4096) * 16;
	uint32_t nsites;

	tu_snap_type(s, "", 0);
	tu_snap_type(s, "t\0p\xff", 4);
	tu_snap_type(s, "тип", strlen("тип"));
	for (uint32_t i = 3; i < ntypes + 3; i++) {
		size_t n = rand_utf8(&rs, text, 40);

		tu_snap_type(s, text, n);
	}
	/* two classes of one name, told apart by their objects' ids */
	tu_snap_type_id(s, "cls", 3, base - 64);
	tu_snap_type_id(s, "cls", 3, UINT64_MAX);
	ntypes += 5;
	for (uint32_t i = 0; i < nstr; i++) {
		size_t n = rand_utf8(&rs, text, 30);

		tu_snap_string(s, text, n);
	}
	nsites = 1 + (uint32_t)(tu_rand(&rs) % 4);
	for (uint32_t i = 0; i < nsites; i++) {
		uint32_t f[3], l[3], fn[3];
		size_t n = tu_rand(&rs) % 4;

		for (size_t j = 0; j < n; j++) {
			f[j] = (uint32_t)(tu_rand(&rs) % nstr);
			l[j] = (uint32_t)tu_rand(&rs);
			fn[j] = (uint32_t)(tu_rand(&rs) % nstr);
		}
		tu_snap_site(s, f, l, fn, n);
	}
	for (size_t i = 0; i < nobjects; i++) {
		hs_object o;
		int by_index = s->o.ref_mode == HS_REFS_BY_INDEX;
		uint64_t me = by_index ? s->nobjects : base + i * 16;
		int big = big_every && i % big_every == big_every - 1;

		memset(&o, 0, sizeof(o));
		o.id = base + i * 16;
		o.type = (uint32_t)(tu_rand(&rs) % ntypes);
		o.size = tu_rand(&rs) % 7 == 0 ? tu_rand(&rs)
					       : tu_rand(&rs) % 4096;
		o.nrefs = big ? HS_REFS_PER_RECORD + 1 + tu_rand(&rs) % 150
			      : tu_rand(&rs) % 7;
		for (size_t j = 0; j < o.nrefs; j++) {
			uint64_t x = tu_rand(&rs);

			switch (x % 5) {
			case 0: refs[j] = me; break;   /* self */
			case 1: refs[j] = by_index ? x >> 8 : x; break;
			default: {
				/* near the owner, backward or forward */
				int64_t d = (int64_t)((x >> 8) % 41) - 20;

				refs[j] = by_index ? me + (uint64_t)d
						   : me + (uint64_t)(d * 16);
			}
			}
		}
		if (tu_rand(&rs) % 2) {
			for (size_t j = 0; j < o.nrefs; j++)
				labels[j] = tu_rand(&rs) % 3 ? HS_NO_LABEL
					: (uint32_t)(tu_rand(&rs) % nstr);
			o.labels = labels;
		}
		if (tu_rand(&rs) % 4 == 0) {
			for (size_t j = 0; j < o.nrefs; j++)
				flags[j] = (uint8_t)(tu_rand(&rs) % 5 == 0
						     ? tu_rand(&rs) : 0);
			o.flags = flags;
		}
		switch (tu_rand(&rs) % 9) {
		case 0: case 1: {
			size_t n = rand_utf8(&rs, text, maxp);

			o.preview.kind = HS_VALUE_STR;
			o.preview.v.s.ptr = text;
			o.preview.v.s.len = n;
			break;
		}
		case 2: {
			size_t n = tu_rand(&rs) % maxp;

			for (size_t j = 0; j < n; j++)
				text[j] = (char)tu_rand(&rs);
			o.preview.kind = HS_VALUE_BYTES;
			o.preview.v.s.ptr = text;
			o.preview.v.s.len = n;
			break;
		}
		case 3:
			o.preview.kind = HS_VALUE_INT;
			o.preview.v.i = (int64_t)tu_rand(&rs) >>
					(tu_rand(&rs) % 64);
			break;
		case 4:
			o.preview.kind = HS_VALUE_UINT;
			o.preview.v.u = tu_rand(&rs) >> (tu_rand(&rs) % 64);
			break;
		case 5: {
			static const double fs[] = { 0.0, -0.0, 1.5, -1e300,
						     5e-324, 3.141592653589793 };
			uint64_t x = tu_rand(&rs);

			o.preview.kind = HS_VALUE_FLOAT;
			o.preview.v.f = x % 2 ? fs[(x >> 8) % 6]
					      : (double)(int64_t)x / 7.0;
			break;
		}
		case 6:
			o.preview.kind = HS_VALUE_BOOL;
			o.preview.v.i = (int64_t)(tu_rand(&rs) % 3);
			break;
		default:
			break;
		}
		o.site = tu_rand(&rs) % 3 == 0
			 ? (uint32_t)(tu_rand(&rs) % nsites) : HS_NO_SITE;
		o.refs = refs;
		tu_snap_object(s, &o);
		if (tu_rand(&rs) % 50 == 0) {
			size_t n = 1 + tu_rand(&rs) % 5;

			for (size_t j = 0; j < n; j++) {
				refs[j] = by_index ? tu_rand(&rs) % (i + 1)
						   : base + 16 * (tu_rand(&rs) %
								  (i + 1));
				labels[j] = (uint32_t)(tu_rand(&rs) % nstr);
				flags[j] = (uint8_t)(j % 2);
			}
			tu_snap_refs(s, refs, tu_rand(&rs) % 2 ? labels : NULL,
				     tu_rand(&rs) % 2 ? flags : NULL, n);
		}
		if (tu_rand(&rs) % 20 == 0) {
			static const char *const kinds[] = { "global", "frame",
							     "refcount", "" };
			uint64_t x = tu_rand(&rs);
			const char *kind = kinds[x % 4];
			size_t n = rand_utf8(&rs, text, 20);

			text[n] = '\0';
			tu_snap_root(s, by_index ? tu_rand(&rs) % (i + 1)
					: base + 16 * (tu_rand(&rs) % (i + 1)),
				     kind, (x >> 8) % 3 ? text : NULL,
				     strcmp(kind, "refcount") == 0
				     ? 1 + (x >> 16) % 100 : 0);
		}
	}
	free(text);
	free(refs);
	free(labels);
	free(flags);
}

void tu_small_snap(hs_buf *file, tu_strv *expect, size_t nobjects,
		   hs_ref_mode mode, uint64_t seed)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	tu_snap s;

	o.frame_size = 4096;
	o.ref_mode = mode;
	CU_ASSERT_EQUAL_FATAL(tu_snap_open(&s, &o), 0);
	tu_random_graph(&s, seed, nobjects, 0);
	CU_ASSERT_EQUAL_FATAL(tu_snap_close(&s), 0);
	*file = s.buf;
	hs_buf_init(&s.buf);
	*expect = s.expect;
	memset(&s.expect, 0, sizeof(s.expect));
	tu_snap_free(&s);
}

/* ---- crafted files ---------------------------------------------------- */

void tu_frame_init(tu_frame *f)
{
	memset(f, 0, sizeof(*f));
	msgpack_sbuffer_init(&f->sb);
	msgpack_packer_init(&f->pk, &f->sb, msgpack_sbuffer_write);
}

void tu_frame_destroy(tu_frame *f)
{
	msgpack_sbuffer_destroy(&f->sb);
}

void tu_frame_start(tu_frame *f, uint64_t no, uint64_t first)
{
	msgpack_pack_array(&f->pk, 3);
	msgpack_pack_uint8(&f->pk, HS_REC_FRAME);
	msgpack_pack_uint64(&f->pk, no);
	msgpack_pack_uint64(&f->pk, first);
	f->records++;
	f->first_object = first;
}

static void pk_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

void tu_frame_header(tu_frame *f, unsigned version, hs_ref_mode mode,
		     unsigned extra)
{
	msgpack_pack_array(&f->pk, 10 + extra);
	msgpack_pack_uint8(&f->pk, HS_REC_HEADER);
	pk_str(&f->pk, "heapsnap");
	msgpack_pack_uint32(&f->pk, version);
	pk_str(&f->pk, TU_RUNTIME);
	pk_str(&f->pk, TU_RUNTIME_VERSION);
	msgpack_pack_uint64(&f->pk, TU_PID);
	msgpack_pack_uint64(&f->pk, TU_TIME_MS);
	pk_str(&f->pk, TU_REASON);
	msgpack_pack_uint32(&f->pk, 8);
	msgpack_pack_uint32(&f->pk, (uint32_t)mode);
	for (unsigned i = 0; i < extra; i++)
		msgpack_pack_nil(&f->pk);
	f->records++;
}

void tu_craft_start(hs_buf *file, unsigned version)
{
	unsigned char st[HS_START_SIZE];

	hs_put_le32(st, HS_START_MAGIC);
	hs_put_le32(st + 4, 8);
	memcpy(st + 8, "HSNAP\0", 6);
	st[14] = (unsigned char)version;
	st[15] = (unsigned char)(version >> 8);
	if (hs_buf_append(file, st, sizeof(st)) < 0)
		abort();
}

static size_t compress_frame(hs_buf *file, const void *data, size_t len,
			     int content_size)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t cap = ZSTD_compressBound(len);
	unsigned char *z = xrealloc(NULL, cap);
	size_t n;

	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, content_size);
	n = ZSTD_compress2(c, z, cap, data, len);
	if (ZSTD_isError(n) || hs_buf_append(file, z, n) < 0)
		abort();
	ZSTD_freeCCtx(c);
	free(z);
	return n;
}

void tu_craft_frame(hs_buf *file, const tu_frame *f, int content_size,
		    hs_frame_info *info)
{
	uint64_t off = file->len;
	size_t n = compress_frame(file, f->sb.data, f->sb.size, content_size);

	if (info) {
		info->offset = off;
		info->csize = n;
		info->dsize = f->sb.size;
		info->records = f->records;
		info->objects = f->objects;
		info->first_object = f->first_object;
	}
}

void tu_craft_raw_frame(hs_buf *file, const void *data, size_t len,
			int content_size)
{
	compress_frame(file, data, len, content_size);
}

void tu_craft_trailer(hs_buf *file, const hs_frame_info *frames, size_t n,
		      const uint64_t totals[6])
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	unsigned char head[8], foot[HS_FOOTER_SIZE];

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 4);
	pk_str(&pk, HS_TRAILER_NAME);
	msgpack_pack_uint32(&pk, HS_FORMAT_VERSION);
	msgpack_pack_array(&pk, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		msgpack_pack_array(&pk, 6);
		msgpack_pack_uint64(&pk, frames[i].offset);
		msgpack_pack_uint64(&pk, frames[i].csize);
		msgpack_pack_uint64(&pk, frames[i].dsize);
		msgpack_pack_uint64(&pk, frames[i].records);
		msgpack_pack_uint64(&pk, frames[i].objects);
		msgpack_pack_uint64(&pk, frames[i].first_object);
	}
	msgpack_pack_array(&pk, 6);
	for (int i = 0; i < 6; i++)
		msgpack_pack_uint64(&pk, totals[i]);
	hs_put_le32(head, HS_TRAILER_MAGIC);
	hs_put_le32(head + 4, (uint32_t)(sb.size + HS_FOOTER_SIZE));
	hs_put_le64(foot, hs_fnv1a64(sb.data, sb.size));
	hs_put_le32(foot + 8, (uint32_t)sb.size);
	memcpy(foot + 12, HS_FOOTER_TEXT, 4);
	if (hs_buf_append(file, head, 8) < 0 ||
	    hs_buf_append(file, sb.data, sb.size) < 0 ||
	    hs_buf_append(file, foot, sizeof(foot)) < 0)
		abort();
	msgpack_sbuffer_destroy(&sb);
}

/* ---- misc ---------------------------------------------------------------- */

void tu_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	const char *p = data;

	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		abort();
	}
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			abort();
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}

int tu_read_file(const char *path, unsigned char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16;

	*data = NULL;
	*len = 0;
	if (!f)
		return -1;
	*data = xrealloc(NULL, cap);
	for (;;) {
		size_t n = fread(*data + *len, 1, cap - *len, f);

		*len += n;
		if (n == 0)
			break;
		tu_grow((void **)data, &cap, *len + 1, 1);
	}
	fclose(f);
	return 0;
}

int tu_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

const char *tu_path(const char *name)
{
	static char bufs[4][512];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s/%s", hs_unit_tmpdir(), name);
	return b;
}

int tu_contains(const char *s, const char *sub)
{
	return s && strstr(s, sub) != NULL;
}

/* ---- counting frame decodes (the unit binary links with
 * --wrap=ZSTD_decompressDCtx) ------------------------------------------- */

unsigned long tu_frame_decodes;

size_t __real_ZSTD_decompressDCtx(ZSTD_DCtx *dctx, void *dst, size_t cap,
				  const void *src, size_t len);
size_t __wrap_ZSTD_decompressDCtx(ZSTD_DCtx *dctx, void *dst, size_t cap,
				  const void *src, size_t len);

size_t __wrap_ZSTD_decompressDCtx(ZSTD_DCtx *dctx, void *dst, size_t cap,
				  const void *src, size_t len)
{
	__atomic_fetch_add(&tu_frame_decodes, 1, __ATOMIC_RELAXED);
	return __real_ZSTD_decompressDCtx(dctx, dst, cap, src, len);
}
