/*
 * reader_record.c - the records of a decompressed frame: one parser per
 * record kind (FORMAT.md 4), each checking its fields and filling its
 * part of hs_record; a record of a kind this reader does not know is
 * skipped field by field.
 *
 * Load: per decoding thread, the references, labels and flags of one
 * record (at most HS_READER_REFS_MAX each) and one site's frames; the
 * table of object record positions for the sequential reader's seeks
 * (two words per object of the loaded frame).
 */
#include <string.h>

#include "error.h"
#include "format.h"
#include "mp.h"
#include "reader_internal.h"
#include "vec.h"

/* One record being parsed. */
typedef struct {
	hs_reader *r;
	frame_dec *d;
	hs_record *rec;
	hs_mp *m;
	size_t start;   /* its offset in the frame */
	uint64_t tag;
	uint32_t n;     /* its fields, the tag included */
} rec_parse;

/* @return HS_ECORRUPT, the record's place and kind in the message; the
 * frame may hold more bytes yet when it failed for want of them (eod). */
static int bad(const rec_parse *p, const char *what)
{
	p->d->eod = p->m->eod;
	return hs_error_set(HS_ECORRUPT, "%s: byte %llu: frame %zu, record "
			    "at +%zu: %s record: %s", p->r->name,
			    (unsigned long long)
			    p->r->frames[p->d->frame].offset,
			    p->d->frame, p->start,
			    hs_record_kind_name((int)p->tag), what);
}

static int ensure_refs(frame_dec *d, size_t n)
{
	size_t c1 = d->rcap, c2 = d->rcap, c3 = d->rcap;

	if (n <= d->rcap)
		return 0;
	if (hs_vec_reserve((void **)&d->refs, &c1, n, sizeof(uint64_t)) < 0 ||
	    hs_vec_reserve((void **)&d->labels, &c2, n, sizeof(uint32_t)) < 0 ||
	    hs_vec_reserve((void **)&d->flags, &c3, n, 1) < 0)
		return -1;
	d->rcap = n;
	return 0;
}

/* Parses refs [, labels [, flags]] into d's arrays; `have` is how many of
 * the three fields the record holds. */
static int parse_refs(hs_reader *r, frame_dec *d, hs_mp *m, uint32_t have,
		      uint64_t owner, size_t *n_out, const uint32_t **labels,
		      const uint8_t **flags, const char **why)
{
	uint32_t n, k;
	int by_index = r->info.ref_mode == HS_REFS_BY_INDEX;

	*labels = NULL;
	*flags = NULL;
	if (hs_mp_array(m, &n) < 0)
		return *why = "references are not an array", -1;
	if (n > HS_READER_REFS_MAX)
		return *why = "more references than the reader's limit", -2;
	if (ensure_refs(d, n) < 0)
		return *why = "out of memory", -3;
	if (by_index) {
		/* the hot loop of reading */
		const unsigned char *p = m->p, *end = m->end;

		for (uint32_t i = 0; i < n; i++) {
			int64_t delta;

			if (hs_mp_fast_int(&p, end, &delta) < 0) {
				m->p = p;
				if (hs_mp_int(m, &delta) < 0)
					return *why = "a reference is not an "
						      "integer", -1;
				p = m->p;
			}
			d->refs[i] = owner + (uint64_t)delta;
		}
		m->p = p;
	} else {
		const unsigned char *p = m->p, *end = m->end;

		for (uint32_t i = 0; i < n; i++) {
			int64_t v;

			if (hs_mp_fast_int(&p, end, &v) < 0 || v < 0) {
				m->p = p;
				if (hs_mp_uint(m, &d->refs[i]) < 0)
					return *why = "a reference is not an "
						      "id", -1;
				p = m->p;
				continue;
			}
			d->refs[i] = (uint64_t)v;
		}
		m->p = p;
	}
	*n_out = n;
	if (have > 1 && hs_mp_nil(m) < 0) {
		if (hs_mp_array(m, &k) < 0 || k != n)
			return *why = "labels are not an array as long as the "
				      "references", -1;
		for (uint32_t i = 0; i < n; i++) {
			if (hs_mp_nil(m) == 0)
				d->labels[i] = HS_NO_LABEL;
			else if (hs_mp_u32(m, &d->labels[i]) < 0 ||
				 d->labels[i] == HS_NO_LABEL)
				return *why = "a label is not a string index", -1;
		}
		*labels = d->labels;
	}
	if (have > 2 && hs_mp_nil(m) < 0) {
		if (hs_mp_array(m, &k) < 0 || k != n)
			return *why = "flags are not an array as long as the "
				      "references", -1;
		for (uint32_t i = 0; i < n; i++) {
			uint64_t f;

			if (hs_mp_uint(m, &f) < 0 || f > 255)
				return *why = "a flag is not a byte", -1;
			d->flags[i] = (uint8_t)f;
		}
		*flags = d->flags;
	}
	return 0;
}

static int get_str(hs_mp *m, hs_str *s)
{
	return hs_mp_str(m, &s->ptr, &s->len);
}

/* Each parse_<kind>() reads the fields after the tag.  @return how many
 * fields it used (the rest are skipped), or an error code. */

static int parse_frame(const rec_parse *p)
{
	frame_dec *d = p->d;
	uint64_t no, first;

	if (p->n < 3 || hs_mp_uint(p->m, &no) < 0 ||
	    hs_mp_uint(p->m, &first) < 0)
		return bad(p, "fields are missing or not integers");
	if (d->seen_frame_rec)
		return bad(p, "a second frame record in one frame");
	d->seen_frame_rec = 1;
	d->frame_no = no;
	d->next_index = first;
	return 3;
}

static int parse_header(const rec_parse *p)
{
	hs_mp *m = p->m;
	hs_record *rec = p->rec;
	hs_str fmt;
	uint64_t ver, word, mode;

	if (p->n < 10 || get_str(m, &fmt) < 0 || hs_mp_uint(m, &ver) < 0 ||
	    get_str(m, &rec->u.header.runtime) < 0 ||
	    get_str(m, &rec->u.header.runtime_version) < 0 ||
	    hs_mp_uint(m, &rec->u.header.pid) < 0 ||
	    hs_mp_uint(m, &rec->u.header.time_ms) < 0 ||
	    get_str(m, &rec->u.header.reason) < 0 ||
	    hs_mp_uint(m, &word) < 0 || hs_mp_uint(m, &mode) < 0)
		return bad(p, "fields are missing or of the wrong type");
	if (fmt.len != strlen(HS_FORMAT_NAME) ||
	    memcmp(fmt.ptr, HS_FORMAT_NAME, fmt.len) != 0)
		return bad(p, "the format name is not \"heapsnap\"");
	if (ver > HS_FORMAT_VERSION)
		return hs_error_set(HS_EVERSION, "%s: byte %llu: frame %zu, "
				    "record at +%zu: format version %llu is "
				    "newer than this reader's %d", p->r->name,
				    (unsigned long long)
				    p->r->frames[p->d->frame].offset,
				    p->d->frame, p->start,
				    (unsigned long long)ver,
				    HS_FORMAT_VERSION);
	if (mode > HS_REFS_BY_INDEX || word > 64)
		return bad(p, "unknown reference mode or word size");
	rec->u.header.version = (unsigned)ver;
	rec->u.header.word_size = (unsigned)word;
	rec->u.header.ref_mode = (hs_ref_mode)mode;
	rec->u.header.rss = 0;
	rec->u.header.walker.ptr = "";
	rec->u.header.walker.len = 0;
	if (p->n <= 10)
		return 10;
	if (hs_mp_nil(m) < 0 && hs_mp_uint(m, &rec->u.header.rss) < 0)
		return bad(p, "the resident set size is not an integer");
	if (p->n <= 11)
		return 11;
	/* optional: which walker of the capture wrote the dump */
	if (hs_mp_nil(m) < 0 && get_str(m, &rec->u.header.walker) < 0)
		return bad(p, "the walker field is not a string");
	return 12;
}

/* A type record, or a string record (the same fields but the id and
 * the flags). */
static int parse_type(const rec_parse *p)
{
	hs_mp *m = p->m;
	hs_record *rec = p->rec;

	rec->u.type.has_id = 0;
	rec->u.type.id = 0;
	rec->u.type.flags = 0;
	if (p->n < 3 || hs_mp_u32(m, &rec->u.type.index) < 0 ||
	    get_str(m, &rec->u.type.name) < 0)
		return bad(p, "fields are missing or of the wrong type");
	if (p->tag != HS_REC_TYPE || p->n <= 3)
		return 3;
	if (hs_mp_nil(m) < 0) {
		if (hs_mp_uint(m, &rec->u.type.id) < 0)
			return bad(p, "the type's id is not an integer");
		rec->u.type.has_id = 1;
	}
	if (p->n <= 4)
		return 4;
	if (hs_mp_u32(m, &rec->u.type.flags) < 0)
		return bad(p, "the type's flags are not an integer");
	return 5;
}

/* The sequential reader notes where each object record of its frame
 * starts (objects of a frame are consecutive: the k-th is ofirst + k). */
static int track_object(const rec_parse *p)
{
	frame_dec *d = p->d;

	if (d->on == 0)
		d->ofirst = d->next_index;
	if (d->next_index != d->ofirst + d->on)
		return 0;
	if (d->on == d->ocap) {
		size_t c1 = d->ocap, c2 = d->ocap;

		if (hs_vec_grow((void **)&d->opos, &c1, d->on + 1,
				sizeof(size_t)) < 0 ||
		    hs_vec_grow((void **)&d->oprev, &c2, d->on + 1,
				sizeof(uint64_t)) < 0)
			return hs_error_set(HS_ENOMEM, "%s: out of memory",
					    p->r->name);
		d->ocap = c1 < c2 ? c1 : c2;
	}
	d->opos[d->on] = p->start;
	d->oprev[d->on] = d->prev_id;
	d->on++;
	return 0;
}

/* parse_refs()'s failure for a record: `what` names it in the limit's
 * message. */
static int refs_failed(const rec_parse *p, int rc, const char *why)
{
	hs_reader *r = p->r;

	if (rc == -3)
		return hs_error_set(HS_ENOMEM, "%s: out of memory", r->name);
	if (rc != -2)
		return bad(p, why);
	if (p->tag == HS_REC_OBJECT)
		return hs_error_set(HS_ELIMIT, "%s: byte %llu: frame %zu: an "
				    "object has more than %u references",
				    r->name, (unsigned long long)
				    r->frames[p->d->frame].offset,
				    p->d->frame, HS_READER_REFS_MAX);
	return hs_error_set(HS_ELIMIT, "%s: frame %zu: a refs record holds "
			    "more than %u references", r->name, p->d->frame,
			    HS_READER_REFS_MAX);
}

static int parse_object(const rec_parse *p)
{
	hs_reader *r = p->r;
	frame_dec *d = p->d;
	hs_mp *m = p->m;
	hs_record *rec = p->rec;
	hs_object *o = &rec->u.object.obj;
	uint32_t n = p->n;
	const char *why = NULL;
	uint64_t owner;
	int64_t delta;
	int rc;

	if (n < 5 || hs_mp_int(m, &delta) < 0 || hs_mp_u32(m, &o->type) < 0 ||
	    hs_mp_uint(m, &o->size) < 0)
		return bad(p, "id, type or size is missing or not an integer");
	o->preview.kind = HS_VALUE_NONE;
	rec->u.object.preview_str.ptr = NULL;
	rec->u.object.preview_str.len = 0;
	if (d->track && d->tracked == d->frame)
		HS_FORWARD_IF_ERROR(track_object(p));
	o->id = d->prev_id + (uint64_t)delta;
	d->prev_id = o->id;
	rec->u.object.index = d->next_index;
	owner = r->info.ref_mode == HS_REFS_BY_INDEX ? d->next_index : o->id;
	rc = parse_refs(r, d, m, n - 4 < 3 ? n - 4 : 3, owner, &o->nrefs,
			&o->labels, &o->flags, &why);
	if (rc < 0)
		return refs_failed(p, rc, why);
	o->refs = d->refs;
	o->site = HS_NO_SITE;
	rec->u.object.rt_size = 0;
	if (n > 7 && hs_mp_value(m, &o->preview) < 0)
		return bad(p, "the preview is not a scalar");
	if (o->preview.kind == HS_VALUE_STR ||
	    o->preview.kind == HS_VALUE_BYTES) {
		rec->u.object.preview_str.ptr = o->preview.v.s.ptr;
		rec->u.object.preview_str.len = o->preview.v.s.len;
	}
	if (n > 8 && hs_mp_nil(m) < 0 &&
	    (hs_mp_u32(m, &o->site) < 0 || o->site == HS_NO_SITE))
		return bad(p, "the site is not an index");
	if (n > 9 && hs_mp_nil(m) < 0 &&
	    hs_mp_uint(m, &rec->u.object.rt_size) < 0)
		return bad(p, "the runtime's size is not an integer");
	d->next_index++;
	d->objects++;
	return n < 10 ? n : 10;
}

static int parse_more_refs(const rec_parse *p)
{
	hs_record *rec = p->rec;
	const char *why = NULL;
	uint64_t owner;
	int rc;

	if (p->n < 3 || hs_mp_uint(p->m, &owner) < 0)
		return bad(p, "the owner is missing or not an integer");
	rec->u.refs.owner = owner;
	rc = parse_refs(p->r, p->d, p->m, p->n - 2 < 3 ? p->n - 2 : 3, owner,
			&rec->u.refs.n, &rec->u.refs.labels,
			&rec->u.refs.flags, &why);
	if (rc < 0)
		return refs_failed(p, rc, why);
	rec->u.refs.refs = p->d->refs;
	return p->n < 5 ? p->n : 5;
}

static int parse_root(const rec_parse *p)
{
	hs_mp *m = p->m;
	hs_record *rec = p->rec;

	rec->u.root.label.ptr = NULL;
	rec->u.root.label.len = 0;
	rec->u.root.extra = 0;
	if (p->n < 4 || hs_mp_uint(m, &rec->u.root.ref) < 0 ||
	    get_str(m, &rec->u.root.kind) < 0 ||
	    (hs_mp_nil(m) < 0 && get_str(m, &rec->u.root.label) < 0))
		return bad(p, "fields are missing or of the wrong type");
	if (p->n > 4 && hs_mp_uint(m, &rec->u.root.extra) < 0)
		return bad(p, "the extra count is not an integer");
	return p->n < 5 ? p->n : 5;
}

static int parse_site(const rec_parse *p)
{
	frame_dec *d = p->d;
	hs_record *rec = p->rec;
	uint32_t k;

	if (p->n < 3 || hs_mp_u32(p->m, &rec->u.site.index) < 0 ||
	    hs_mp_array(p->m, &k) < 0 || k % 3)
		return bad(p, "fields are missing or the frames are not "
			   "triples");
	if (k > d->scap) {
		size_t cap = d->scap;

		if (hs_vec_reserve((void **)&d->site, &cap, k,
				   sizeof(uint32_t)) < 0)
			return hs_error_set(HS_ENOMEM, "%s: out of memory",
					    p->r->name);
		d->scap = cap;
	}
	for (uint32_t i = 0; i < k; i++)
		if (hs_mp_u32(p->m, &d->site[i]) < 0)
			return bad(p, "a frame field is not an integer");
	rec->u.site.nframes = k / 3;
	/* a site of no frames leaves d->site NULL: no NULL + 1 */
	rec->u.site.files = d->site;
	rec->u.site.lines = d->site ? d->site + 1 : NULL;
	rec->u.site.funcs = d->site ? d->site + 2 : NULL;
	return 3;
}

static int parse_end(const rec_parse *p)
{
	uint64_t *t = &p->rec->u.end.objects;

	if (p->n < 7)
		return bad(p, "fields are missing");
	for (int i = 0; i < 6; i++)
		if (hs_mp_uint(p->m, &t[i]) < 0)
			return bad(p, "a count is not an integer");
	return 7;
}

/* Parses the next record of the loaded frame.  @return 0, HS_ITEROVER at
 * the end of the frame, HS_ECORRUPT / HS_EVERSION / HS_ELIMIT /
 * HS_ENOMEM. */
static int parse_record(hs_reader *r, frame_dec *d, hs_record *rec)
{
	hs_mp m;
	rec_parse p = { r, d, rec, &m, d->pos, 0, 0 };
	int used;

	/* before any pointer arithmetic: an empty frame leaves buf NULL */
	d->eod = 0;
	if (d->pos >= d->len)
		return HS_ITEROVER;
	m.p = d->buf + d->pos;
	m.end = d->buf + d->len;
	m.eod = 0;
	if (hs_mp_array(&m, &p.n) < 0 || p.n < 1)
		return bad(&p, "not an array");
	if (hs_mp_uint(&m, &p.tag) < 0)
		return bad(&p, "the tag is not a small integer");
	/* the union is filled per kind below; clearing all of it for every
	 * record cost a tenth of the reading time */
	rec->frame_offset = r->frames[d->frame].offset;
	rec->offset = p.start;
	if (!d->seen_frame_rec && p.tag != HS_REC_FRAME)
		return bad(&p, "a frame must start with a frame record");
	switch (p.tag) {
	case HS_REC_FRAME: used = parse_frame(&p); break;
	case HS_REC_HEADER: used = parse_header(&p); break;
	case HS_REC_TYPE:
	case HS_REC_STRING: used = parse_type(&p); break;
	case HS_REC_OBJECT: used = parse_object(&p); break;
	case HS_REC_REFS: used = parse_more_refs(&p); break;
	case HS_REC_ROOT: used = parse_root(&p); break;
	case HS_REC_SITE: used = parse_site(&p); break;
	case HS_REC_END: used = parse_end(&p); break;
	default: used = 1; break;  /* unknown: skipped below, field by field */
	}
	if (used < 0)
		return used;
	for (uint32_t i = (uint32_t)used; i < p.n; i++)
		if (hs_mp_skip(&m, HS_READER_NEST_MAX) < 0)
			return bad(&p, "a trailing field is malformed or "
				   "nested too deep");
	/* kind 0 for a tag this reader does not know (a uint64 tag must not
	 * truncate into a known one): the caller skips it (FORMAT.md 4) */
	rec->kind = p.tag <= HS_REC_END ? (hs_record_kind)p.tag
					: (hs_record_kind)0;
	d->pos = (size_t)(m.p - d->buf);
	d->records++;
	return 0;
}

/* A record that is bad in the bytes already there ends the frame without
 * decompressing the rest. */
int hs_reader__dec_next(hs_reader *r, frame_dec *d, hs_record *rec)
{
	for (;;) {
		uint64_t prev_id = d->prev_id;
		int rc = parse_record(r, d, rec);

		if (d->done || rc == 0 || (rc != HS_ITEROVER && !d->eod))
			return rc;
		d->prev_id = prev_id;  /* the failed parse moved it */
		HS_FORWARD_IF_ERROR(hs_reader__dec_more(r, d));
	}
}
