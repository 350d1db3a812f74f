/*
 * reader.c - hs_reader: maps a .snap file, finds its frames (from the
 * trailer, or by walking zstd frame headers) and decodes records from
 * one frame buffer per thread.
 *
 * Load: the mapping (page cache, not heap), 48 bytes per frame, and per
 * decoding thread one decompressed frame (about 1 MiB, at most
 * max_frame_bytes) plus reference arrays for one record.  Damage is
 * bounded to the frame it is in: the rest of the file is still read, and
 * what was lost is tallied for hs_reader_integrity().
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "error.h"
#include "format.h"
#include "hs_reader.h"
#include "mp.h"
#include "vec.h"

#define HS_READER_FRAMES_MAX (1u << 20)  /* data frames in a file */
#define HS_READER_REFS_MAX (1u << 20)    /* references in one record */
/* A frame that declares at most this many bytes is decompressed whole,
 * its checksum verified, before any record is read from it (the writer's
 * frames: 1 MiB of records and one record more by default).  A larger
 * one, or one that declares no size, is decompressed piece by piece
 * while its records are read, so that reading stops at its first bad
 * record instead of after decompressing all of it. */
#define WHOLE_FRAME_MAX (2u << 20)
#define STREAM_STEP (1u << 20)           /* the first piece, then doubling */

enum { FRAME_UNREAD = 0, FRAME_OK, FRAME_LOST, FRAME_PARTIAL };

typedef struct {
	ZSTD_DCtx *dctx;
	unsigned char *buf;   /* the decompressed frame (so far) */
	size_t cap, len, pos;
	ZSTD_inBuffer in;     /* a frame decompressed piece by piece */
	size_t limit;         /* bytes it may expand to */
	unsigned long long want;  /* its declared size, or UNKNOWN */
	int done;             /* the whole frame is in buf */
	int eod;              /* the last parse failed for want of bytes */
	size_t frame;         /* which of r->frames is loaded */
	uint64_t next_index;  /* index of the next object record */
	uint64_t prev_id;     /* id of the frame's previous object, or 0 */
	int seen_frame_rec;
	uint64_t frame_no;    /* what the frame record says */
	uint64_t objects;     /* objects delivered from this frame */
	uint64_t records;
	uint64_t *refs;       /* one record's references */
	uint32_t *labels;
	uint8_t *flags;
	size_t rcap;
	uint32_t *site;       /* one site record's frames, 3 per frame */
	size_t scap;
	/* the sequential reader only (track): where each object record of
	 * the loaded frame starts, and the id before it, so that
	 * hs_reader_seek_object() goes back to one without decompressing */
	int track;
	size_t tracked;       /* the frame the table is for, or SIZE_MAX */
	size_t *opos;
	uint64_t *oprev, ofirst;
	size_t on, ocap;
} frame_dec;

struct hs_reader {
	char *name;
	const unsigned char *data;
	size_t size;
	void *map;            /* non-NULL when we mapped the file */
	size_t frame_max;
	int strict;

	hs_snapinfo info;
	char *info_strs;

	hs_frame_info *frames;
	uint64_t *allow;          /* per frame: bytes it may expand to; 0:
	                             over the file's decompression budget */
	uint64_t max_ratio;       /* the budget: max_ratio x the file's size */
	uint64_t decompressed;    /* bytes, since the last rewind (atomic) */
	size_t nframes;
	unsigned char *fstate;    /* FRAME_* per frame, for the last pass */
	int has_trailer;
	uint64_t trailer_totals[6];

	/* damage found while locating frames */
	uint64_t walk_lost_bytes, walk_lost_regions;
	int walk_tail_loss;       /* the file stops inside a frame */

	/* the current pass */
	pthread_mutex_t lock;
	uint64_t first_loss;
	char problem[256];
	int has_end;
	uint64_t end_totals[6];
	uint64_t delivered;       /* objects delivered */

	/* hs_reader_next() state */
	frame_dec seq;
	size_t cur;
	int loaded;
	int pass_done;
};

const char *hs_record_kind_name(int kind)
{
	static const char *const names[] = {
		"unknown", "header", "frame", "type", "string", "object",
		"refs", "root", "site", "end"
	};

	return kind > 0 && kind <= HS_REC_END ? names[kind] : "unknown";
}

const char *hs_integrity_status_name(hs_integrity_status s)
{
	switch (s) {
	case HS_INTEGRITY_COMPLETE: return "complete";
	case HS_INTEGRITY_TRUNCATED: return "truncated";
	case HS_INTEGRITY_SALVAGED: return "salvaged";
	}
	return "unknown";
}

/* Records the first problem of a pass (by file offset) under the lock. */
static void note_problem(hs_reader *r, uint64_t offset, const char *msg)
{
	pthread_mutex_lock(&r->lock);
	if (!r->problem[0] || offset < r->first_loss) {
		r->first_loss = offset;
		snprintf(r->problem, sizeof(r->problem), "%s", msg);
	}
	pthread_mutex_unlock(&r->lock);
}

static void dec_release(frame_dec *d)
{
	ZSTD_freeDCtx(d->dctx);
	free(d->buf);
	free(d->refs);
	free(d->labels);
	free(d->flags);
	free(d->site);
	free(d->opos);
	free(d->oprev);
	memset(d, 0, sizeof(*d));
}

static int dec_init(frame_dec *d, const hs_reader *r)
{
	memset(d, 0, sizeof(*d));
	d->dctx = ZSTD_createDCtx();
	HS_RETURN_ERROR_IF(!d->dctx, HS_ENOMEM, "%s: out of memory for a "
			   "decompression context", r->name);
	return 0;
}

/* Grows d->buf to hold need bytes (plus the decoder's slack). */
static int dec_reserve(hs_reader *r, frame_dec *d, size_t need)
{
	size_t cap = d->cap ? d->cap + HS_MP_SLACK : 0;

	if (need <= d->cap)
		return 0;
	HS_RETURN_ERROR_IF(hs_vec_reserve((void **)&d->buf, &cap,
					  need + HS_MP_SLACK, 1) < 0,
			   HS_ENOMEM, "%s: out of memory for a frame of %zu "
			   "bytes", r->name, need);
	d->cap = cap - HS_MP_SLACK;
	return 0;
}

/* Decompresses the next piece of a frame read piece by piece: as much
 * again as is there (STREAM_STEP at first), at most d->limit in all.
 * @return 0 (d->done once the frame is whole, checksum verified),
 *         HS_ECORRUPT, HS_ELIMIT, HS_ENOMEM. */
static int dec_more(hs_reader *r, frame_dec *d)
{
	const hs_frame_info *f = &r->frames[d->frame];
	size_t target = d->len + (d->len > STREAM_STEP ? d->len : STREAM_STEP);
	ZSTD_outBuffer out;
	size_t rc = 1;

	if (d->done)
		return 0;
	if (target > d->limit || target < d->len)
		target = d->limit;
	if (d->len >= target) {
		uint64_t budget = r->allow ? r->allow[d->frame] : 0;

		/* all the room is used: the frame may still be whole, its
		 * checksum not read yet (it needs no room) */
		out.dst = d->buf;
		out.size = out.pos = d->len;
		rc = ZSTD_decompressStream(d->dctx, &out, &d->in);
		HS_RETURN_ERROR_IF(ZSTD_isError(rc), HS_ECORRUPT,
				   "%s: byte %llu: frame %zu: %s", r->name,
				   (unsigned long long)f->offset, d->frame,
				   ZSTD_getErrorName(rc));
		if (rc == 0) {
			d->done = 1;
			return 0;
		}

		if (budget == d->limit && budget < r->frame_max)
			return hs_error_set(HS_ELIMIT, "%s: byte %llu: frame "
					    "%zu expands past the decompression "
					    "limit of %llu times its size "
					    "(--max-ratio raises it)", r->name,
					    (unsigned long long)f->offset,
					    d->frame,
					    (unsigned long long)r->max_ratio);
		return hs_error_set(HS_ELIMIT, "%s: byte %llu: frame %zu "
				    "expands past the %zu-byte frame limit",
				    r->name, (unsigned long long)f->offset,
				    d->frame, r->frame_max);
	}
	HS_FORWARD_IF_ERROR(dec_reserve(r, d, target));
	out.dst = d->buf;
	out.size = target;
	out.pos = d->len;
	while (out.pos < out.size) {
		size_t before_in = d->in.pos, before_out = out.pos;

		rc = ZSTD_decompressStream(d->dctx, &out, &d->in);
		HS_RETURN_ERROR_IF(ZSTD_isError(rc), HS_ECORRUPT,
				   "%s: byte %llu: frame %zu: %s", r->name,
				   (unsigned long long)f->offset, d->frame,
				   ZSTD_getErrorName(rc));
		if (rc == 0)
			break;
		HS_RETURN_ERROR_IF(d->in.pos == d->in.size &&
				   d->in.pos == before_in &&
				   out.pos == before_out, HS_ECORRUPT,
				   "%s: byte %llu: frame %zu is cut short",
				   r->name, (unsigned long long)f->offset,
				   d->frame);
	}
	__atomic_fetch_add(&r->decompressed, out.pos - d->len,
			   __ATOMIC_RELAXED);
	d->len = out.pos;
	if (rc == 0) {
		d->done = 1;
		HS_RETURN_ERROR_IF(d->want != ZSTD_CONTENTSIZE_UNKNOWN &&
				   d->len != d->want, HS_ECORRUPT,
				   "%s: byte %llu: frame %zu holds %zu bytes, "
				   "its header says %llu", r->name,
				   (unsigned long long)f->offset, d->frame,
				   d->len, d->want);
	}
	return 0;
}

/* Opens frame i: decompressed whole when it declares a writer's size
 * (WHOLE_FRAME_MAX), else its first piece (dec_more). */
static int dec_load(hs_reader *r, frame_dec *d, size_t i)
{
	const hs_frame_info *f = &r->frames[i];
	const unsigned char *src = r->data + f->offset;
	unsigned long long want = ZSTD_getFrameContentSize(src, f->csize);
	uint64_t allow = r->allow ? r->allow[i] : r->frame_max;
	size_t n;

	d->frame = i;
	d->tracked = SIZE_MAX;
	d->on = 0;
	d->len = d->pos = 0;
	d->seen_frame_rec = 0;
	d->prev_id = 0;
	d->objects = d->records = 0;
	d->done = 0;
	d->eod = 0;
	d->want = want;
	HS_RETURN_ERROR_IF(want == ZSTD_CONTENTSIZE_ERROR, HS_ECORRUPT,
			   "%s: byte %llu: frame %zu has a bad zstd header",
			   r->name, (unsigned long long)f->offset, i);
	HS_RETURN_ERROR_IF(want != ZSTD_CONTENTSIZE_UNKNOWN &&
			   want > r->frame_max, HS_ELIMIT,
			   "%s: byte %llu: frame %zu claims %llu bytes, over "
			   "the %zu-byte frame limit", r->name,
			   (unsigned long long)f->offset, i, want,
			   r->frame_max);
	HS_RETURN_ERROR_IF(!allow || (want != ZSTD_CONTENTSIZE_UNKNOWN &&
				      want > allow), HS_ELIMIT,
			   "%s: byte %llu: frame %zu is past the "
			   "decompression limit of %llu times the file's size "
			   "(--max-ratio raises it)", r->name,
			   (unsigned long long)f->offset, i,
			   (unsigned long long)r->max_ratio);
	d->limit = allow < r->frame_max ? (size_t)allow : r->frame_max;
	if (want == ZSTD_CONTENTSIZE_UNKNOWN || want > WHOLE_FRAME_MAX) {
		ZSTD_DCtx_reset(d->dctx, ZSTD_reset_session_only);
		d->in.src = src;
		d->in.size = f->csize;
		d->in.pos = 0;
		if (want != ZSTD_CONTENTSIZE_UNKNOWN)
			d->limit = (size_t)want;
		HS_FORWARD_IF_ERROR(dec_more(r, d));
		d->tracked = i;
		return 0;
	}
	HS_FORWARD_IF_ERROR(dec_reserve(r, d, (size_t)want));
	n = ZSTD_decompressDCtx(d->dctx, d->buf, d->cap, src, f->csize);
	HS_RETURN_ERROR_IF(ZSTD_isError(n), HS_ECORRUPT,
			   "%s: byte %llu: frame %zu: %s", r->name,
			   (unsigned long long)f->offset, i,
			   ZSTD_getErrorName(n));
	HS_RETURN_ERROR_IF(n != want, HS_ECORRUPT, "%s: byte %llu: frame %zu "
			   "holds %zu bytes, its header says %llu", r->name,
			   (unsigned long long)f->offset, i, n, want);
	__atomic_fetch_add(&r->decompressed, n, __ATOMIC_RELAXED);
	d->len = n;
	d->done = 1;
	d->tracked = i;
	return 0;
}

/* ---- record parsing ---------------------------------------------------- */

#define BAD(what) \
	return (d->eod = m.eod,                                              \
		hs_error_set(HS_ECORRUPT, "%s: byte %llu: frame %zu, record " \
			     "at +%zu: %s record: %s", r->name,              \
			     (unsigned long long)r->frames[d->frame].offset, \
			     d->frame, start, hs_record_kind_name((int)tag), what))

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

/* Parses the next record of the loaded frame.  @return 0, HS_ITEROVER at
 * the end of the frame, HS_ECORRUPT / HS_ELIMIT / HS_ENOMEM. */
static int parse_record(hs_reader *r, frame_dec *d, hs_record *rec)
{
	hs_mp m;
	size_t start = d->pos;
	uint32_t n, used;
	uint64_t tag = 0;
	const char *why = NULL;
	int rc;

	/* before any pointer arithmetic: an empty frame leaves buf NULL */
	d->eod = 0;
	if (d->pos >= d->len)
		return HS_ITEROVER;
	m.p = d->buf + d->pos;
	m.end = d->buf + d->len;
	m.eod = 0;
	if (hs_mp_array(&m, &n) < 0 || n < 1)
		BAD("not an array");
	if (hs_mp_uint(&m, &tag) < 0)
		BAD("the tag is not a small integer");
	/* the union is filled per kind below; clearing all of it for every
	 * record cost a tenth of the reading time */
	rec->frame_offset = r->frames[d->frame].offset;
	rec->offset = start;
	if (!d->seen_frame_rec && tag != HS_REC_FRAME)
		BAD("a frame must start with a frame record");
	used = 1;
	switch (tag) {
	case HS_REC_FRAME: {
		uint64_t no, first;

		if (n < 3 || hs_mp_uint(&m, &no) < 0 ||
		    hs_mp_uint(&m, &first) < 0)
			BAD("fields are missing or not integers");
		if (d->seen_frame_rec)
			BAD("a second frame record in one frame");
		d->seen_frame_rec = 1;
		d->frame_no = no;
		d->next_index = first;
		used = 3;
		break;
	}
	case HS_REC_HEADER: {
		hs_str fmt;
		uint64_t ver, word, mode;

		if (n < 10 || get_str(&m, &fmt) < 0 ||
		    hs_mp_uint(&m, &ver) < 0 ||
		    get_str(&m, &rec->u.header.runtime) < 0 ||
		    get_str(&m, &rec->u.header.runtime_version) < 0 ||
		    hs_mp_uint(&m, &rec->u.header.pid) < 0 ||
		    hs_mp_uint(&m, &rec->u.header.time_ms) < 0 ||
		    get_str(&m, &rec->u.header.reason) < 0 ||
		    hs_mp_uint(&m, &word) < 0 || hs_mp_uint(&m, &mode) < 0)
			BAD("fields are missing or of the wrong type");
		if (fmt.len != strlen(HS_FORMAT_NAME) ||
		    memcmp(fmt.ptr, HS_FORMAT_NAME, fmt.len) != 0)
			BAD("the format name is not \"heapsnap\"");
		if (ver > HS_FORMAT_VERSION)
			return hs_error_set(HS_EVERSION, "%s: byte %llu: frame "
					    "%zu, record at +%zu: format "
					    "version %llu is newer than this "
					    "reader's %d", r->name,
					    (unsigned long long)
					    r->frames[d->frame].offset,
					    d->frame, start,
					    (unsigned long long)ver,
					    HS_FORMAT_VERSION);
		if (mode > HS_REFS_BY_INDEX || word > 64)
			BAD("unknown reference mode or word size");
		rec->u.header.version = (unsigned)ver;
		rec->u.header.word_size = (unsigned)word;
		rec->u.header.ref_mode = (hs_ref_mode)mode;
		used = 10;
		break;
	}
	case HS_REC_TYPE:
	case HS_REC_STRING:
		rec->u.type.has_id = 0;
		rec->u.type.id = 0;
		if (n < 3 || hs_mp_u32(&m, &rec->u.type.index) < 0 ||
		    get_str(&m, &rec->u.type.name) < 0)
			BAD("fields are missing or of the wrong type");
		used = 3;
		if (tag == HS_REC_TYPE && n > 3) {
			if (hs_mp_nil(&m) < 0) {
				if (hs_mp_uint(&m, &rec->u.type.id) < 0)
					BAD("the type's id is not an integer");
				rec->u.type.has_id = 1;
			}
			used = 4;
		}
		break;
	case HS_REC_OBJECT: {
		hs_object *o = &rec->u.object.obj;
		uint64_t owner;
		int64_t delta;

		if (n < 5 || hs_mp_int(&m, &delta) < 0 ||
		    hs_mp_u32(&m, &o->type) < 0 ||
		    hs_mp_uint(&m, &o->size) < 0)
			BAD("id, type or size is missing or not an integer");
		o->preview.kind = HS_VALUE_NONE;
		rec->u.object.preview_str.ptr = NULL;
		rec->u.object.preview_str.len = 0;
		if (d->track && d->tracked == d->frame) {
			/* objects of a frame are consecutive: the k-th is
			 * ofirst + k */
			if (d->on == 0)
				d->ofirst = d->next_index;
			if (d->next_index == d->ofirst + d->on) {
				if (d->on == d->ocap) {
					size_t c1 = d->ocap, c2 = d->ocap;

					if (hs_vec_grow((void **)&d->opos, &c1,
							d->on + 1,
							sizeof(size_t)) < 0 ||
					    hs_vec_grow((void **)&d->oprev, &c2,
							d->on + 1,
							sizeof(uint64_t)) < 0)
						return hs_error_set(HS_ENOMEM,
							"%s: out of memory",
							r->name);
					d->ocap = c1 < c2 ? c1 : c2;
				}
				d->opos[d->on] = start;
				d->oprev[d->on] = d->prev_id;
				d->on++;
			}
		}
		o->id = d->prev_id + (uint64_t)delta;
		d->prev_id = o->id;
		rec->u.object.index = d->next_index;
		owner = r->info.ref_mode == HS_REFS_BY_INDEX ? d->next_index
							      : o->id;
		rc = parse_refs(r, d, &m, n - 4 < 3 ? n - 4 : 3, owner,
				&o->nrefs, &o->labels, &o->flags, &why);
		if (rc == -2)
			return hs_error_set(HS_ELIMIT, "%s: byte %llu: frame "
				"%zu: an object has more than %u references",
				r->name,
				(unsigned long long)r->frames[d->frame].offset,
				d->frame, HS_READER_REFS_MAX);
		if (rc == -3)
			return hs_error_set(HS_ENOMEM, "%s: out of memory",
					    r->name);
		if (rc < 0)
			BAD(why);
		o->refs = d->refs;
		o->site = HS_NO_SITE;
		if (n > 7 && hs_mp_value(&m, &o->preview) < 0)
			BAD("the preview is not a scalar");
		if (o->preview.kind == HS_VALUE_STR ||
		    o->preview.kind == HS_VALUE_BYTES) {
			rec->u.object.preview_str.ptr = o->preview.v.s.ptr;
			rec->u.object.preview_str.len = o->preview.v.s.len;
		}
		if (n > 8 && hs_mp_nil(&m) < 0 &&
		    (hs_mp_u32(&m, &o->site) < 0 || o->site == HS_NO_SITE))
			BAD("the site is not an index");
		used = n < 9 ? n : 9;
		d->next_index++;
		d->objects++;
		break;
	}
	case HS_REC_REFS: {
		uint64_t owner;

		if (n < 3 || hs_mp_uint(&m, &owner) < 0)
			BAD("the owner is missing or not an integer");
		rec->u.refs.owner = owner;
		rc = parse_refs(r, d, &m, n - 2 < 3 ? n - 2 : 3, owner,
				&rec->u.refs.n, &rec->u.refs.labels,
				&rec->u.refs.flags, &why);
		if (rc == -2)
			return hs_error_set(HS_ELIMIT, "%s: frame %zu: a refs "
					    "record holds more than %u "
					    "references", r->name, d->frame,
					    HS_READER_REFS_MAX);
		if (rc == -3)
			return hs_error_set(HS_ENOMEM, "%s: out of memory",
					    r->name);
		if (rc < 0)
			BAD(why);
		rec->u.refs.refs = d->refs;
		used = n < 5 ? n : 5;
		break;
	}
	case HS_REC_ROOT:
		rec->u.root.label.ptr = NULL;
		rec->u.root.label.len = 0;
		rec->u.root.extra = 0;
		if (n < 4 || hs_mp_uint(&m, &rec->u.root.ref) < 0 ||
		    get_str(&m, &rec->u.root.kind) < 0 ||
		    (hs_mp_nil(&m) < 0 && get_str(&m, &rec->u.root.label) < 0))
			BAD("fields are missing or of the wrong type");
		if (n > 4 && hs_mp_uint(&m, &rec->u.root.extra) < 0)
			BAD("the extra count is not an integer");
		used = n < 5 ? n : 5;
		break;
	case HS_REC_SITE: {
		uint32_t k;

		if (n < 3 || hs_mp_u32(&m, &rec->u.site.index) < 0 ||
		    hs_mp_array(&m, &k) < 0 || k % 3)
			BAD("fields are missing or the frames are not triples");
		if (k > d->scap) {
			size_t cap = d->scap;

			if (hs_vec_reserve((void **)&d->site, &cap, k,
					   sizeof(uint32_t)) < 0)
				return hs_error_set(HS_ENOMEM, "%s: out of "
						    "memory", r->name);
			d->scap = cap;
		}
		for (uint32_t i = 0; i < k; i++)
			if (hs_mp_u32(&m, &d->site[i]) < 0)
				BAD("a frame field is not an integer");
		rec->u.site.nframes = k / 3;
		/* a site of no frames leaves d->site NULL: no NULL + 1 */
		rec->u.site.files = d->site;
		rec->u.site.lines = d->site ? d->site + 1 : NULL;
		rec->u.site.funcs = d->site ? d->site + 2 : NULL;
		used = 3;
		break;
	}
	case HS_REC_END: {
		uint64_t *t = &rec->u.end.objects;

		if (n < 7)
			BAD("fields are missing");
		for (int i = 0; i < 6; i++)
			if (hs_mp_uint(&m, &t[i]) < 0)
				BAD("a count is not an integer");
		used = 7;
		break;
	}
	default:
		break;  /* unknown: skipped below, field by field */
	}
	for (; used < n; used++)
		if (hs_mp_skip(&m, HS_READER_NEST_MAX) < 0)
			BAD("a trailing field is malformed or nested too deep");
	/* kind 0 for a tag this reader does not know (a uint64 tag must not
	 * truncate into a known one): the caller skips it (FORMAT.md 4) */
	rec->kind = tag <= HS_REC_END ? (hs_record_kind)tag
				      : (hs_record_kind)0;
	d->pos = (size_t)(m.p - d->buf);
	d->records++;
	return 0;
}

#undef BAD

/* The next record of the frame in d, decompressing more of it while a
 * record runs past what is decompressed so far; a record that is bad in
 * the bytes already there ends the frame without decompressing the rest.
 * @return as parse_record(), or dec_more()'s error. */
static int dec_next(hs_reader *r, frame_dec *d, hs_record *rec)
{
	for (;;) {
		uint64_t prev_id = d->prev_id;
		int rc = parse_record(r, d, rec);

		if (d->done || rc == 0 || (rc != HS_ITEROVER && !d->eod))
			return rc;
		d->prev_id = prev_id;  /* the failed parse moved it */
		HS_FORWARD_IF_ERROR(dec_more(r, d));
	}
}

/* ---- locating frames --------------------------------------------------- */

static int add_frame(hs_reader *r, size_t *cap, uint64_t off, uint64_t csize)
{
	hs_frame_info *f;

	HS_RETURN_ERROR_IF(r->nframes >= HS_READER_FRAMES_MAX, HS_ELIMIT,
			   "%s: byte %llu: more than %u frames", r->name,
			   (unsigned long long)off, HS_READER_FRAMES_MAX);
	HS_RETURN_ERROR_IF(hs_vec_grow((void **)&r->frames, cap,
				       r->nframes + 1, sizeof(*f)) < 0,
			   HS_ENOMEM, "%s: out of memory", r->name);
	f = &r->frames[r->nframes++];
	memset(f, 0, sizeof(*f));
	f->offset = off;
	f->csize = csize;
	return 0;
}

static size_t find_zstd_magic(const hs_reader *r, size_t from, size_t limit)
{
	static const unsigned char magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	const unsigned char *p;

	if (from >= limit || limit - from < 4)
		return limit;
	p = memmem(r->data + from, limit - from, magic, 4);
	return p ? (size_t)(p - r->data) : limit;
}

static void walk_loss(hs_reader *r, size_t from, size_t to, const char *why)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s: byte %zu: %s; %zu bytes lost",
		 r->name, from, why, to - from);
	r->walk_lost_bytes += to - from;
	r->walk_lost_regions++;
	if (!r->problem[0] || from < r->first_loss) {
		r->first_loss = from;
		snprintf(r->problem, sizeof(r->problem), "%s", msg);
	}
}

/* Walks frame headers from the start frame to limit. */
static int walk_frames(hs_reader *r, size_t limit)
{
	size_t off = HS_START_SIZE, cap = 0;

	while (off < limit) {
		uint32_t magic;

		if (limit - off < 8) {
			walk_loss(r, off, limit, "the file stops inside a "
				  "frame header");
			r->walk_tail_loss = 1;
			break;
		}
		magic = hs_le32(r->data + off);
		if (magic == HS_ZSTD_MAGIC) {
			size_t cs = ZSTD_findFrameCompressedSize(r->data + off,
								 limit - off);
			size_t next;

			if (!ZSTD_isError(cs)) {
				unsigned long long ds = ZSTD_getFrameContentSize(
					r->data + off, cs);

				HS_FORWARD_IF_ERROR(add_frame(r, &cap, off, cs));
				/* the header's content size; 0 when unknown */
				if (ds != ZSTD_CONTENTSIZE_UNKNOWN &&
				    ds != ZSTD_CONTENTSIZE_ERROR)
					r->frames[r->nframes - 1].dsize = ds;
				off += cs;
				continue;
			}
			next = find_zstd_magic(r, off + 1, limit);
			if (next == limit)
				r->walk_tail_loss = 1;
			walk_loss(r, off, next, next == limit
				  ? "the file stops inside a frame"
				  : "a damaged frame");
			off = next;
		} else if ((magic & 0xFFFFFFF0u) == HS_SKIP_MAGIC_MIN) {
			uint32_t sz = hs_le32(r->data + off + 4);

			if (sz > limit - off - 8) {
				walk_loss(r, off, limit, "the file stops inside "
					  "a skippable frame");
				r->walk_tail_loss = 1;
				break;
			}
			off += 8 + (size_t)sz;
		} else {
			size_t next = find_zstd_magic(r, off + 1, limit);

			walk_loss(r, off, next, "bytes that are not a zstd "
				  "frame");
			off = next;
		}
	}
	return 0;
}

/* The bytes [from, to) hold nothing but skippable frames (which a walk
 * steps over): a trailer whose table leaves a gap holding anything else
 * hides a frame. */
static int only_skippable(const hs_reader *r, size_t from, size_t to)
{
	while (from < to) {
		uint32_t sz;

		if (to - from < 8 ||
		    (hs_le32(r->data + from) & 0xFFFFFFF0u) != HS_SKIP_MAGIC_MIN)
			return 0;
		sz = hs_le32(r->data + from + 4);
		if (sz > to - from - 8)
			return 0;
		from += 8 + (size_t)sz;
	}
	return 1;
}

/* A trailer's frame entry describes exactly one whole zstd frame of the
 * file, as its header and block headers say (no decompression). */
static int entry_is_frame(const hs_reader *r, uint64_t off, uint64_t csize,
			  size_t limit)
{
	size_t cs;

	if (off >= limit || csize > limit - off ||
	    hs_le32(r->data + off) != HS_ZSTD_MAGIC)
		return 0;
	cs = ZSTD_findFrameCompressedSize(r->data + off, (size_t)(limit - off));
	return !ZSTD_isError(cs) && cs == csize;
}

/* Reads the trailer and checks its frame table against the file: every
 * entry one whole zstd frame, nothing but skippable frames between them
 * (a checksum only says the trailer is as written, not that it tells the
 * truth).  @return 1 if it was taken, 0 if none or it is wrong (the
 * frames are then walked), HS_ENOMEM. */
static int read_trailer(hs_reader *r, size_t *trailer_start)
{
	const unsigned char *foot;
	uint32_t len, n, k;
	size_t start, cap = 0;
	hs_mp m;
	const char *name;
	size_t name_len;
	uint64_t ver, prev_end = HS_START_SIZE;
	char why[160] = "";

	if (r->size < HS_START_SIZE + 8 + HS_FOOTER_SIZE)
		return 0;
	foot = r->data + r->size - HS_FOOTER_SIZE;
	if (memcmp(foot + 12, HS_FOOTER_TEXT, 4) != 0)
		return 0;
	len = hs_le32(foot + 8);
	if (len > HS_READER_TRAILER_MAX ||
	    len > r->size - HS_START_SIZE - 8 - HS_FOOTER_SIZE)
		goto bad;
	start = r->size - HS_FOOTER_SIZE - len - 8;
	if (hs_le32(r->data + start) != HS_TRAILER_MAGIC ||
	    hs_le32(r->data + start + 4) != len + HS_FOOTER_SIZE ||
	    hs_fnv1a64(r->data + start + 8, len) != hs_le64(foot))
		goto bad;
	m.p = r->data + start + 8;
	m.end = m.p + len;
	if (hs_mp_array(&m, &n) < 0 || n < 4 ||
	    hs_mp_str(&m, &name, &name_len) < 0 ||
	    name_len != strlen(HS_TRAILER_NAME) ||
	    memcmp(name, HS_TRAILER_NAME, name_len) != 0 ||
	    hs_mp_uint(&m, &ver) < 0 || hs_mp_array(&m, &k) < 0)
		goto bad;
	/* every file has a data frame (the header's): a trailer listing
	 * none would hide them all */
	if (k == 0)
		goto bad;
	for (uint32_t i = 0; i < k; i++) {
		uint64_t v[6];
		uint32_t fields;
		hs_frame_info *f;

		if (hs_mp_array(&m, &fields) < 0 || fields < 6)
			goto bad;
		for (int j = 0; j < 6; j++)
			if (hs_mp_uint(&m, &v[j]) < 0)
				goto bad;
		for (uint32_t j = 6; j < fields; j++)
			if (hs_mp_skip(&m, HS_READER_NEST_MAX) < 0)
				goto bad;
		/* frames in order, inside the file, not overlapping */
		if (v[0] < prev_end || v[1] < 4 || v[0] > start ||
		    v[1] > start - v[0])
			goto bad;
		/* and each is a frame of the file, with no frame between */
		if (!only_skippable(r, (size_t)prev_end, (size_t)v[0])) {
			snprintf(why, sizeof(why), " (byte %llu holds a frame "
				 "it does not list)",
				 (unsigned long long)prev_end);
			goto bad;
		}
		if (!entry_is_frame(r, v[0], v[1], start)) {
			snprintf(why, sizeof(why), " (its frame %u, %llu bytes at "
				 "byte %llu, is not one whole frame of the "
				 "file)", i, (unsigned long long)v[1],
				 (unsigned long long)v[0]);
			goto bad;
		}
		prev_end = v[0] + v[1];
		if (add_frame(r, &cap, v[0], v[1]) < 0) {
			/* out of memory is not damage: open fails */
			if (r->nframes < HS_READER_FRAMES_MAX) {
				free(r->frames);
				r->frames = NULL;
				r->nframes = 0;
				return HS_ENOMEM;
			}
			goto bad;
		}
		f = &r->frames[r->nframes - 1];
		f->dsize = v[2];
		f->records = v[3];
		f->objects = v[4];
		f->first_object = v[5];
	}
	if (!only_skippable(r, (size_t)prev_end, start)) {
		snprintf(why, sizeof(why), " (byte %llu holds a frame it does "
			 "not list)", (unsigned long long)prev_end);
		goto bad;
	}
	if (hs_mp_array(&m, &k) < 0 || k < 6)
		goto bad;
	for (int j = 0; j < 6; j++)
		if (hs_mp_uint(&m, &r->trailer_totals[j]) < 0)
			goto bad;
	*trailer_start = start;
	return 1;
bad:
	free(r->frames);
	r->frames = NULL;
	r->nframes = 0;
	snprintf(r->problem, sizeof(r->problem), "%s: byte %llu: the trailer "
		 "is damaged%s; frames found by walking the file", r->name,
		 (unsigned long long)(r->size - HS_FOOTER_SIZE), why);
	r->first_loss = r->size - HS_FOOTER_SIZE;
	return 0;
}

/* ---- open / close ------------------------------------------------------ */

static int read_info(hs_reader *r)
{
	hs_record rec;
	frame_dec *d = &r->seq;
	int rc;
	size_t total;
	char *p;

	HS_RETURN_ERROR_IF(r->nframes == 0, HS_ECORRUPT,
			   "%s: byte %d: no data frame%s", r->name,
			   HS_START_SIZE, r->problem[0] ? " (the file is "
			   "damaged or cut short)" : "");
	rc = dec_load(r, d, 0);
	if (rc < 0)
		return hs_error_prefix(rc == HS_ENOMEM ? rc : HS_ECORRUPT,
				       "no readable header");
	do {
		rc = dec_next(r, d, &rec);
	} while (rc == 0 && rec.kind == HS_REC_FRAME);
	if (rc == HS_EVERSION)
		return rc;
	if (rc < 0 || rec.kind != HS_REC_HEADER)
		return rc < 0 && rc != HS_ITEROVER
		       ? hs_error_prefix(HS_ECORRUPT, "no readable header")
		       : hs_error_set(HS_ECORRUPT, "%s: byte %llu: the first "
				      "record is not a header", r->name,
				      (unsigned long long)r->frames[0].offset);
	total = rec.u.header.runtime.len + rec.u.header.runtime_version.len +
		rec.u.header.reason.len + 3;
	r->info_strs = p = malloc(total);
	HS_RETURN_ERROR_IF(!p, HS_ENOMEM, "%s: out of memory", r->name);
	r->info.version = rec.u.header.version;
	r->info.ref_mode = rec.u.header.ref_mode;
	r->info.header.pid = rec.u.header.pid;
	r->info.header.time_ms = rec.u.header.time_ms;
	r->info.header.word_size = rec.u.header.word_size;
	{
		const hs_str *s[3] = { &rec.u.header.runtime,
				       &rec.u.header.runtime_version,
				       &rec.u.header.reason };
		const char **dst[3] = { &r->info.header.runtime,
					&r->info.header.runtime_version,
					&r->info.header.reason };

		for (int i = 0; i < 3; i++) {
			memcpy(p, s[i]->ptr, s[i]->len);
			p[s[i]->len] = '\0';
			*dst[i] = p;
			p += s[i]->len + 1;
		}
	}
	return 0;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* Shares the decompression budget (max_ratio x the file's size) among
 * the frames in file order, before any is read, so that which frames fit
 * does not depend on the order threads read them in: a frame reserves
 * the size its header declares, or max_ratio x its compressed size when
 * it declares none; frames that no longer fit get nothing. */
static int share_budget(hs_reader *r)
{
	uint64_t budget = sat_mul(r->max_ratio, r->size), used = 0;

	free(r->allow);
	r->allow = malloc((r->nframes ? r->nframes : 1) * sizeof(*r->allow));
	HS_RETURN_ERROR_IF(!r->allow, HS_ENOMEM, "%s: out of memory",
			   r->name);
	for (size_t i = 0; i < r->nframes; i++) {
		const hs_frame_info *f = &r->frames[i];
		unsigned long long want = ZSTD_getFrameContentSize(
			r->data + f->offset, f->csize);
		uint64_t w;

		if (want == ZSTD_CONTENTSIZE_ERROR || (want !=
		    ZSTD_CONTENTSIZE_UNKNOWN && want > r->frame_max)) {
			/* refused by dec_load() for what it is */
			r->allow[i] = r->frame_max;
			continue;
		}
		w = want != ZSTD_CONTENTSIZE_UNKNOWN ? want
		    : sat_mul(r->max_ratio, f->csize);
		if (w > r->frame_max)
			w = r->frame_max;
		if (w > budget - used) {
			r->allow[i] = 0;
			continue;
		}
		used += w;
		r->allow[i] = w;
	}
	return 0;
}

static int reader_setup(hs_reader *r, const hs_reader_options *opts)
{
	static const hs_reader_options defaults = HS_READER_OPTIONS_INIT;
	size_t limit = r->size;
	unsigned version;

	if (!opts)
		opts = &defaults;
	/* version 1 options end before max_ratio */
	HS_RETURN_ERROR_IF(opts->version != HS_READER_OPTIONS_VERSION &&
			   opts->version != 1, HS_EINVAL, "%s: reader "
			   "options version %u, expected %u", r->name,
			   opts->version, HS_READER_OPTIONS_VERSION);
	r->frame_max = opts->max_frame_bytes && opts->max_frame_bytes <
		       HS_READER_FRAME_MAX ? opts->max_frame_bytes
					   : HS_READER_FRAME_MAX;
	r->max_ratio = opts->version >= 2 && opts->max_ratio
		       ? opts->max_ratio : HS_READER_RATIO_DEFAULT;
	r->strict = opts->strict;
	HS_RETURN_ERROR_IF(r->size == 0, HS_ECORRUPT, "%s: byte 0: empty file",
			   r->name);
	HS_RETURN_ERROR_IF(r->size < HS_START_SIZE ||
			   hs_le32(r->data) != HS_START_MAGIC ||
			   hs_le32(r->data + 4) != 8 ||
			   memcmp(r->data + 8, HS_START_TEXT, 6) != 0,
			   HS_ECORRUPT, "%s: byte 0: not a .snap file (no "
			   "HSNAP start frame)", r->name);
	version = r->data[14] | (unsigned)r->data[15] << 8;
	HS_RETURN_ERROR_IF(version > HS_FORMAT_VERSION, HS_EVERSION,
			   "%s: byte 14: format version %u is newer than "
			   "this reader's %d", r->name, version,
			   HS_FORMAT_VERSION);
	HS_RETURN_ERROR_IF(version == 0, HS_ECORRUPT,
			   "%s: byte 14: format version 0", r->name);
	r->has_trailer = read_trailer(r, &limit);
	if (r->has_trailer < 0)
		return r->has_trailer;
	if (!r->has_trailer)
		HS_FORWARD_IF_ERROR(walk_frames(r, r->size));
	HS_RETURN_ERROR_IF(r->strict && r->problem[0], HS_ECORRUPT, "%s",
			   r->problem);
	r->fstate = calloc(r->nframes ? r->nframes : 1, 1);
	HS_RETURN_ERROR_IF(!r->fstate, HS_ENOMEM, "%s: out of memory",
			   r->name);
	HS_FORWARD_IF_ERROR(share_budget(r));
	HS_FORWARD_IF_ERROR(dec_init(&r->seq, r));
	r->seq.track = 1;
	HS_FORWARD_IF_ERROR(read_info(r));
	hs_reader_rewind(r);
	return 0;
}

static hs_reader *reader_alloc(const char *name)
{
	hs_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->name = strdup(name);
	if (!r->name) {
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	return r;
}

int hs_reader_open_mem(hs_reader **out, const void *data, size_t len,
		       const char *name, const hs_reader_options *opts)
{
	hs_reader *r;
	int rc;

	*out = NULL;
	if (!name)
		name = "(memory)";
	r = reader_alloc(name);
	HS_RETURN_ERROR_IF(!r, HS_ENOMEM, "%s: out of memory", name);
	r->data = data;
	r->size = len;
	rc = reader_setup(r, opts);
	if (rc < 0) {
		hs_reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int hs_reader_open(hs_reader **out, const char *path,
		   const hs_reader_options *opts)
{
	hs_reader *r;
	struct stat st;
	int fd, rc;

	*out = NULL;
	HS_RETURN_ERROR_IF(!path, HS_EINVAL, "hs_reader_open: no path");
	/* O_NONBLOCK: a FIFO opens at once (and is refused below) instead
	 * of waiting for a writer; it changes nothing for a regular file */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	HS_RETURN_ERROR_IF(fd < 0, HS_EIO, "%s: cannot open: %s", path,
			   strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = hs_error_set(HS_EIO, "%s: not a regular file (a .snap is "
				  "read from a file, not a pipe or a device)",
				  path);
		close(fd);
		return rc;
	}
	r = reader_alloc(path);
	if (!r) {
		close(fd);
		return hs_error_set(HS_ENOMEM, "%s: out of memory", path);
	}
	r->size = (size_t)st.st_size;
	if (r->size) {
		r->map = mmap(NULL, r->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (r->map == MAP_FAILED) {
			r->map = NULL;
			rc = hs_error_set(HS_EIO, "%s: cannot map: %s", path,
					  strerror(errno));
			close(fd);
			hs_reader_free(r);
			return rc;
		}
		r->data = r->map;
		madvise(r->map, r->size, MADV_SEQUENTIAL);
	}
	close(fd);
	rc = reader_setup(r, opts);
	if (rc < 0) {
		hs_reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void hs_reader_free(hs_reader *r)
{
	if (!r)
		return;
	dec_release(&r->seq);
	if (r->map)
		munmap(r->map, r->size);
	pthread_mutex_destroy(&r->lock);
	free(r->frames);
	free(r->allow);
	free(r->fstate);
	free(r->info_strs);
	free(r->name);
	free(r);
}

const hs_snapinfo *hs_reader_info(const hs_reader *r)
{
	return &r->info;
}

const char *hs_reader_name(const hs_reader *r)
{
	return r->name;
}

uint64_t hs_reader_file_size(const hs_reader *r)
{
	return r->size;
}

uint64_t hs_reader_decompressed(const hs_reader *r)
{
	return __atomic_load_n(&r->decompressed, __ATOMIC_RELAXED);
}

size_t hs_reader_frames(const hs_frame_info **out, const hs_reader *r)
{
	*out = r->frames;
	return r->nframes;
}

int hs_reader_trailer_totals(uint64_t out[6], const hs_reader *r)
{
	if (!r->has_trailer) {
		memset(out, 0, 6 * sizeof(*out));
		return HS_ENOTFOUND;
	}
	memcpy(out, r->trailer_totals, 6 * sizeof(*out));
	return 0;
}

/* ---- passes ------------------------------------------------------------ */

static void pass_reset(hs_reader *r)
{
	__atomic_store_n(&r->decompressed, 0, __ATOMIC_RELAXED);
	memset(r->fstate, 0, r->nframes ? r->nframes : 1);
	r->has_end = 0;
	r->delivered = 0;
	if (!r->walk_lost_regions && !r->walk_tail_loss && r->has_trailer)
		r->problem[0] = '\0';
}

void hs_reader_rewind(hs_reader *r)
{
	r->cur = 0;
	r->loaded = 0;
	r->pass_done = 0;
	pass_reset(r);
}

int hs_reader_seek_object(hs_reader *r, size_t frame, uint64_t index)
{
	frame_dec *d = &r->seq;

	if (frame < r->nframes && d->tracked == frame && d->on &&
	    index >= d->ofirst && index - d->ofirst < d->on) {
		size_t k = (size_t)(index - d->ofirst);

		/* the frame is still in the buffer: back to the record */
		d->pos = d->opos[k];
		d->prev_id = d->oprev[k];
		d->next_index = index;
		d->objects = k;
		r->cur = frame;
		r->loaded = 1;
		r->pass_done = 0;
		return 0;
	}
	return hs_reader_seek(r, frame);
}

int hs_reader_seek(hs_reader *r, size_t frame)
{
	HS_RETURN_ERROR_IF(frame > r->nframes, HS_EINVAL, "%s: no frame %zu",
			   r->name, frame);
	r->cur = frame;
	r->loaded = 0;
	r->pass_done = 0;
	return 0;
}

/* A frame finished or failed: record its state and what it tells. */
static void frame_done(hs_reader *r, frame_dec *d, int rc)
{
	hs_frame_info *f = &r->frames[d->frame];

	if (rc == 0) {
		r->fstate[d->frame] = FRAME_OK;
		/* the trailer's entry must describe this frame: counts,
		 * size, first index and place (a trailer that leaves a frame
		 * out shows as a frame record numbered past its entry) */
		uint64_t first = d->seen_frame_rec ? d->next_index - d->objects
						   : f->first_object;
		uint64_t no = d->seen_frame_rec ? d->frame_no : d->frame;

		if (r->has_trailer && (f->objects != d->objects ||
				       f->records != d->records ||
				       f->first_object != first ||
				       f->dsize != d->len || no != d->frame)) {
			char msg[256];

			snprintf(msg, sizeof(msg), "%s: byte %llu: frame %zu "
				 "(no. %llu) holds %llu objects from index %llu"
				 " in %llu records, %zu bytes; the trailer says "
				 "%llu from %llu in %llu, %llu bytes", r->name,
				 (unsigned long long)f->offset, d->frame,
				 (unsigned long long)no,
				 (unsigned long long)d->objects,
				 (unsigned long long)first,
				 (unsigned long long)d->records, d->len,
				 (unsigned long long)f->objects,
				 (unsigned long long)f->first_object,
				 (unsigned long long)f->records,
				 (unsigned long long)f->dsize);
			note_problem(r, f->offset, msg);
		}
	} else {
		r->fstate[d->frame] = d->records ? FRAME_PARTIAL : FRAME_LOST;
		note_problem(r, f->offset, hs_error_last());
	}
	if (!r->has_trailer && d->seen_frame_rec) {
		f->objects = d->objects;
		f->first_object = d->next_index - d->objects;
	}
}

/* Notes what a delivered record tells about the file (the end record). */
static void note_record(hs_reader *r, const hs_record *rec)
{
	if (rec->kind == HS_REC_END) {
		pthread_mutex_lock(&r->lock);
		r->has_end = 1;
		memcpy(r->end_totals, &rec->u.end.objects,
		       sizeof(r->end_totals));
		pthread_mutex_unlock(&r->lock);
		/* a trailer whose totals disagree with the end record's is
		 * damage: one of them lies (FORMAT.md 6) */
		if (r->has_trailer && memcmp(r->end_totals, r->trailer_totals,
					     sizeof(r->end_totals)) != 0) {
			char msg[256];

			snprintf(msg, sizeof(msg), "%s: byte %llu: the end "
				 "record counts %llu objects, %llu refs; the "
				 "trailer says %llu, %llu", r->name,
				 (unsigned long long)rec->frame_offset,
				 (unsigned long long)r->end_totals[0],
				 (unsigned long long)r->end_totals[1],
				 (unsigned long long)r->trailer_totals[0],
				 (unsigned long long)r->trailer_totals[1]);
			note_problem(r, rec->frame_offset, msg);
		}
	}
}

int hs_reader_next(hs_record *rec, hs_reader *r)
{
	frame_dec *d = &r->seq;

	for (;;) {
		int rc;

		if (!r->loaded) {
			if (r->cur >= r->nframes) {
				r->pass_done = 1;
				return HS_ITEROVER;
			}
			rc = dec_load(r, d, r->cur);
			if (rc < 0) {
				if (rc == HS_ENOMEM)
					return rc;
				frame_done(r, d, rc);
				if (r->strict)
					return rc;
				r->cur++;
				continue;
			}
			r->loaded = 1;
		}
		rc = dec_next(r, d, rec);
		if (rc == 0) {
			if (rec->kind == HS_REC_FRAME || rec->kind == 0)
				continue;
			if (rec->kind == HS_REC_OBJECT)
				r->delivered++;
			note_record(r, rec);
			return 0;
		}
		if (rc == HS_ENOMEM)
			return rc;
		frame_done(r, d, rc == HS_ITEROVER ? 0 : rc);
		if (rc != HS_ITEROVER && r->strict)
			return rc;
		r->loaded = 0;
		r->cur++;
	}
}

typedef struct {
	hs_reader *r;
	hs_record_cb cb;
	void *payload;
	size_t next;        /* next frame to take, under r->lock */
	int stop;           /* first non-zero callback or fatal code */
	unsigned nworkers;
} scan_ctx;

typedef struct {
	scan_ctx *ctx;
	unsigned id;
	uint64_t delivered;
} scan_worker;

static void *scan_run(void *arg)
{
	scan_worker *wk = arg;
	scan_ctx *c = wk->ctx;
	hs_reader *r = c->r;
	frame_dec d;
	hs_record rec;

	if (dec_init(&d, r) < 0) {
		pthread_mutex_lock(&r->lock);
		c->stop = c->stop ? c->stop : HS_ENOMEM;
		pthread_mutex_unlock(&r->lock);
		return NULL;
	}
	for (;;) {
		size_t i;
		int rc;

		pthread_mutex_lock(&r->lock);
		i = c->stop ? r->nframes : c->next++;
		pthread_mutex_unlock(&r->lock);
		if (i >= r->nframes)
			break;
		rc = dec_load(r, &d, i);
		while (rc == 0) {
			rc = dec_next(r, &d, &rec);
			if (rc != 0 || rec.kind == HS_REC_FRAME ||
			    rec.kind == 0)
				continue;
			if (rec.kind == HS_REC_OBJECT)
				wk->delivered++;
			note_record(r, &rec);
			rc = c->cb(&rec, wk->id, c->payload);
			if (rc != 0) {
				pthread_mutex_lock(&r->lock);
				c->stop = c->stop ? c->stop : rc;
				pthread_mutex_unlock(&r->lock);
				rc = 1;
			}
		}
		if (rc == 1)
			break;
		if (rc == HS_ENOMEM || (rc != HS_ITEROVER && r->strict)) {
			pthread_mutex_lock(&r->lock);
			c->stop = c->stop ? c->stop : rc;
			pthread_mutex_unlock(&r->lock);
		}
		frame_done(r, &d, rc == HS_ITEROVER ? 0 : rc);
	}
	dec_release(&d);
	return NULL;
}

int hs_reader_scan(hs_reader *r, unsigned threads, hs_record_cb cb,
		   void *payload)
{
	scan_ctx c = { r, cb, payload, 0, 0, 0 };
	scan_worker wk[64];
	pthread_t tid[64];
	unsigned started = 0;

	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		threads = n > 0 ? (unsigned)n : 1;
	}
	if (threads > HS_THREADS_MAX)
		threads = HS_THREADS_MAX;
	if (threads > r->nframes)
		threads = r->nframes ? (unsigned)r->nframes : 1;
	hs_reader_rewind(r);
	c.nworkers = threads;
	for (unsigned i = 0; i < threads; i++) {
		wk[i].ctx = &c;
		wk[i].id = i;
		wk[i].delivered = 0;
	}
	/* worker 0 runs on this thread */
	for (unsigned i = 1; i < threads; i++) {
		if (pthread_create(&tid[i], NULL, scan_run, &wk[i]) != 0)
			break;
		started++;
	}
	scan_run(&wk[0]);
	for (unsigned i = 1; i <= started; i++)
		pthread_join(tid[i], NULL);
	/* frames that a failed thread never took are simply read by the
	 * others; nothing is left unread unless the scan was stopped */
	for (unsigned i = 0; i < threads; i++)
		r->delivered += wk[i].delivered;
	r->pass_done = 1;
	r->cur = r->nframes;
	if (c.stop < 0 && c.stop != HS_ENOMEM && r->strict)
		return hs_error_set(c.stop, "%s", r->problem);
	if (c.stop == HS_ENOMEM)
		return hs_error_set(HS_ENOMEM, "%s: out of memory while "
				    "scanning", r->name);
	return c.stop;
}

void hs_reader_integrity(hs_integrity *out, const hs_reader *r)
{
	uint64_t lost_frames = r->walk_lost_regions, lost_bytes =
		r->walk_lost_bytes;
	size_t last_ok = 0;
	int any_ok = 0, loss_before_ok = 0, seen_loss = 0;

	memset(out, 0, sizeof(*out));
	out->has_trailer = r->has_trailer;
	out->has_end = r->has_end;
	for (size_t i = 0; i < r->nframes && r->pass_done; i++) {
		if (r->fstate[i] == FRAME_OK) {
			out->frames_ok++;
			if (seen_loss)
				loss_before_ok = 1;
			any_ok = 1;
			last_ok = i;
		} else {
			lost_frames++;
			lost_bytes += r->frames[i].csize;
			seen_loss = 1;
		}
	}
	(void)last_ok;
	(void)any_ok;
	out->frames_lost = lost_frames;
	out->bytes_lost = lost_bytes;
	out->first_loss = r->first_loss;
	snprintf(out->problem, sizeof(out->problem), "%s", r->problem);
	/* objects lost: from a total when one is known, else from the gaps
	 * between frames' first indices */
	if (r->has_end || r->has_trailer) {
		uint64_t total = r->has_end ? r->end_totals[0]
					    : r->trailer_totals[0];

		out->objects_lost = total >= r->delivered
				    ? (int64_t)(total - r->delivered) : 0;
	} else {
		/* neither the end record nor a trailer: the file stops early
		 * (or its last frames are lost), and what followed the last
		 * frame read is unknown, even when it stops at a frame
		 * boundary (FORMAT.md 8) */
		out->objects_lost = -1;
	}
	if (!r->pass_done)
		out->objects_lost = out->objects_lost > 0 ? out->objects_lost : 0;
	if (r->has_trailer && r->has_end && !lost_frames && !r->problem[0])
		out->status = HS_INTEGRITY_COMPLETE;
	else if (!r->has_trailer && !r->has_end && !loss_before_ok &&
		 (r->walk_lost_regions == 0 ||
		  (r->walk_lost_regions == 1 && r->walk_tail_loss)))
		out->status = HS_INTEGRITY_TRUNCATED;
	else
		out->status = HS_INTEGRITY_SALVAGED;
	/* every status but complete says why, also when the only damage is
	 * a missing end record or trailer (a writer killed while closing) */
	if (out->status != HS_INTEGRITY_COMPLETE && !out->problem[0] &&
	    (out->status == HS_INTEGRITY_TRUNCATED || r->pass_done)) {
		snprintf(out->problem, sizeof(out->problem), "%s: byte %llu: "
			 "the file ends without its %s", r->name,
			 (unsigned long long)r->size,
			 !r->has_end && !r->has_trailer ? "end record and trailer"
			 : !r->has_end ? "end record" : "trailer");
		/* the loss is where the problem says, not byte 0 */
		out->first_loss = r->size;
	}
}
