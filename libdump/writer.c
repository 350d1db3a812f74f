/*
 * writer.c - hs_writer: packs records with msgpack-c into a frame buffer
 * and compresses each full buffer into one independent zstd frame
 * (writer_frames.c).
 *
 * Load: a few MiB whatever the heap's size (see hs_writer.h for the
 * bound), about 50 ns of packing per object plus zstd's time.  After the
 * first failed write the writer is "failed": every call returns the same
 * error and close removes PATH.tmp.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>
#include <zstd.h>

#include "error.h"
#include "format.h"
#include "pack.h"
#include "writer_internal.h"

/* The packer's callback: records never outgrow buf, by construction
 * (cap = frame_size + HS_RECORD_MAX and a flush before each record once
 * frame_size is reached), so overflow here is a bug. */
static int pack_append(void *data, const char *p, size_t n)
{
	hs_writer *w = data;

	if (n > w->cap - w->len)
		return -1;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

/* Called before packing each record: flush a full frame, and open every
 * frame with its frame record [2, frame number, first object index]. */
static int begin_record(hs_writer *w)
{
	if (atomic_load(&w->failed))
		return hs_writer__failed_error(w);
	if (w->len >= w->o.frame_size)
		HS_FORWARD_IF_ERROR(hs_writer__flush_frame(w));
	if (w->len == 0) {
		w->frame_first = w->nobjects;
		w->prev_id = 0;
		msgpack_pack_array(&w->pk, 3);
		msgpack_pack_uint8(&w->pk, HS_REC_FRAME);
		msgpack_pack_uint64(&w->pk, w->frames_started);
		msgpack_pack_uint64(&w->pk, w->nobjects);
		w->frame_records++;
	}
	w->frame_records++;
	return 0;
}

static void pack_str(hs_writer *w, const char *s, size_t len)
{
	msgpack_pack_str(&w->pk, len);
	msgpack_pack_str_body(&w->pk, s, len);
}

static void pack_cstr(hs_writer *w, const char *s)
{
	pack_str(w, s ? s : "", s ? strlen(s) : 0);
}

static int check_string(hs_writer *w, const char *what, size_t len)
{
	HS_RETURN_ERROR_IF(len > HS_STRING_MAX, HS_EINVAL,
			   "%s: %s of %zu bytes is longer than %u", w->name,
			   what, len, HS_STRING_MAX);
	return 0;
}

static int write_header(hs_writer *w, const hs_header *h)
{
	unsigned word = h && h->word_size ? h->word_size
					  : (unsigned)sizeof(void *);
	uint64_t t = h ? h->time_ms : 0;

	if (!t) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		t = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	}
	if (h) {
		const char *s[4] = { h->runtime, h->runtime_version, h->reason,
				     h->walker };

		for (int i = 0; i < 4; i++)
			HS_FORWARD_IF_ERROR(check_string(w, "a header string",
						 s[i] ? strlen(s[i]) : 0));
	}
	HS_FORWARD_IF_ERROR(begin_record(w));
	/* the optional fields only when there is one: other writers'
	 * headers stay as they were; rss is written (nil) when only the
	 * walker is, to keep the walker at its place */
	msgpack_pack_array(&w->pk, h && h->walker ? 12 : h && h->rss ? 11 : 10);
	msgpack_pack_uint8(&w->pk, HS_REC_HEADER);
	pack_cstr(w, HS_FORMAT_NAME);
	msgpack_pack_uint32(&w->pk, HS_FORMAT_VERSION);
	pack_cstr(w, h ? h->runtime : NULL);
	pack_cstr(w, h ? h->runtime_version : NULL);
	msgpack_pack_uint64(&w->pk, h ? h->pid : 0);
	msgpack_pack_uint64(&w->pk, t);
	pack_cstr(w, h ? h->reason : NULL);
	msgpack_pack_uint32(&w->pk, word);
	msgpack_pack_uint32(&w->pk, (uint32_t)w->o.ref_mode);
	if (h && h->rss)
		msgpack_pack_uint64(&w->pk, h->rss);
	else if (h && h->walker)
		msgpack_pack_nil(&w->pk);
	if (h && h->walker)
		pack_cstr(w, h->walker);
	return 0;
}

static int check_options(const hs_writer_options *o, const char *name)
{
	HS_RETURN_ERROR_IF(o->version != HS_WRITER_OPTIONS_VERSION, HS_EINVAL,
			   "%s: writer options version %u, expected %u", name,
			   o->version, HS_WRITER_OPTIONS_VERSION);
	HS_RETURN_ERROR_IF(o->level < 1 || o->level > 19, HS_EINVAL,
			   "%s: compression level %d is not in 1..19", name,
			   o->level);
	HS_RETURN_ERROR_IF(o->frame_size < 4096 ||
			   o->frame_size > HS_FRAME_SIZE_MAX, HS_EINVAL,
			   "%s: frame size %zu is not in 4096..%u", name,
			   o->frame_size, HS_FRAME_SIZE_MAX);
	HS_RETURN_ERROR_IF(o->ref_mode != HS_REFS_BY_ID &&
			   o->ref_mode != HS_REFS_BY_INDEX, HS_EINVAL,
			   "%s: unknown reference mode %d", name,
			   (int)o->ref_mode);
	HS_RETURN_ERROR_IF(o->threads > 1, HS_EINVAL,
			   "%s: threads %u is not 0 or 1", name, o->threads);
	HS_RETURN_ERROR_IF(o->max_preview > HS_STRING_MAX, HS_EINVAL,
			   "%s: max_preview %zu is over %u", name,
			   o->max_preview, HS_STRING_MAX);
	return 0;
}

static void writer_free(hs_writer *w)
{
	if (!w)
		return;
	hs_writer__compressor_stop(w);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	hs_outfile_abort(w->of);
	ZSTD_freeCCtx(w->cctx);
	free(w->bufs[0]);
	free(w->bufs[1]);
	free(w->zbuf);
	free(w->frames);
	free(w->name);
	free(w);
}

static int writer_new(hs_writer **out, const char *name,
		      const hs_writer_options *opts)
{
	static const hs_writer_options defaults = HS_WRITER_OPTIONS_INIT;
	hs_writer *w;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	HS_FORWARD_IF_ERROR(check_options(opts, name));
	w = calloc(1, sizeof(*w));
	HS_RETURN_ERROR_IF(!w, HS_ENOMEM, "%s: out of memory", name);
	w->o = *opts;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->cap = opts->frame_size + HS_RECORD_MAX;
	w->zcap = ZSTD_compressBound(w->cap);
	w->name = strdup(name);
	w->bufs[0] = malloc(w->cap);
	if (opts->threads)
		w->bufs[1] = malloc(w->cap);
	w->buf = w->bufs[0];
	w->zbuf = malloc(w->zcap);
	w->cctx = ZSTD_createCCtx();
	if (!w->name || !w->buf || !w->zbuf || !w->cctx ||
	    (opts->threads && !w->bufs[1])) {
		writer_free(w);
		return hs_error_set(HS_ENOMEM, "%s: out of memory for the "
				    "writer's buffers", name);
	}
	if (ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx,
			ZSTD_c_compressionLevel, opts->level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx,
			ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx,
			ZSTD_c_contentSizeFlag, 1))) {
		writer_free(w);
		return hs_error_set(HS_ERROR, "%s: cannot set zstd parameters",
				    name);
	}
	msgpack_packer_init(&w->pk, w, pack_append);
	/* Without a thread (a process out of them), compress inline: slower,
	 * never wrong. */
	if (opts->threads && pthread_create(&w->thread, NULL,
					    hs_writer__compressor_main, w) == 0)
		w->threaded = 1;
	*out = w;
	return 0;
}

static int writer_start(hs_writer *w, const hs_header *hdr)
{
	unsigned char start[HS_START_SIZE];

	hs_put_le32(start, HS_START_MAGIC);
	hs_put_le32(start + 4, 8);
	memcpy(start + 8, HS_START_TEXT, 6);
	start[14] = (unsigned char)(HS_FORMAT_VERSION & 0xff);
	start[15] = (unsigned char)(HS_FORMAT_VERSION >> 8);
	HS_FORWARD_IF_ERROR(hs_writer__sink_write(w, start, sizeof(start)));
	return write_header(w, hdr);
}

int hs_writer_open_sink(hs_writer **out, hs_sink sink, const char *name,
			const hs_writer_options *opts, const hs_header *hdr)
{
	int rc;

	HS_RETURN_ERROR_IF(!out || !sink.write, HS_EINVAL,
			   "hs_writer_open_sink: no output or no sink");
	HS_FORWARD_IF_ERROR(writer_new(out, name ? name : "(sink)", opts));
	(*out)->sink = sink;
	rc = writer_start(*out, hdr);
	if (rc < 0) {
		writer_free(*out);
		*out = NULL;
	}
	return rc;
}

int hs_writer_open(hs_writer **out, const char *path,
		   const hs_writer_options *opts, const hs_header *hdr)
{
	hs_writer *w;
	int rc;

	HS_RETURN_ERROR_IF(!out || !path || !*path, HS_EINVAL,
			   "hs_writer_open: no output or no path");
	HS_FORWARD_IF_ERROR(writer_new(&w, path, opts));
	rc = hs_outfile_open(&w->of, path, w->o.file_mode);
	if (rc < 0) {
		writer_free(w);
		return rc;
	}
	w->sink = hs_outfile_sink(w->of);
	rc = writer_start(w, hdr);
	if (rc < 0) {
		hs_writer_abort(w);
		return rc;
	}
	*out = w;
	return 0;
}

/* A type or string record; a type record with has_id also gives its
 * object's id, and with flags its HS_TYPE_* bits (the id nil if none). */
static int declare(uint32_t *out, hs_writer *w, unsigned tag, uint64_t *count,
		   const char *what, const char *s, size_t len, int has_id,
		   uint64_t id, unsigned flags)
{
	HS_FORWARD_IF_ERROR(check_string(w, what, len));
	HS_RETURN_ERROR_IF(!s && len, HS_EINVAL, "%s: %s is NULL", w->name,
			   what);
	HS_RETURN_ERROR_IF(*count >= UINT32_MAX - 1, HS_EINVAL,
			   "%s: too many %ss", w->name, what);
	HS_FORWARD_IF_ERROR(begin_record(w));
	msgpack_pack_array(&w->pk, flags ? 5 : has_id ? 4 : 3);
	msgpack_pack_uint8(&w->pk, (uint8_t)tag);
	msgpack_pack_uint64(&w->pk, *count);
	pack_str(w, s ? s : "", len);
	if (has_id)
		msgpack_pack_uint64(&w->pk, id);
	else if (flags)
		msgpack_pack_nil(&w->pk);
	if (flags)
		msgpack_pack_uint32(&w->pk, flags);
	if (out)
		*out = (uint32_t)*count;
	(*count)++;
	return 0;
}

int hs_writer_type(uint32_t *out, hs_writer *w, const char *name, size_t len)
{
	return declare(out, w, HS_REC_TYPE, &w->ntypes, "type name", name, len,
		       0, 0, 0);
}

int hs_writer_type_id(uint32_t *out, hs_writer *w, const char *name,
		      size_t len, uint64_t id)
{
	return declare(out, w, HS_REC_TYPE, &w->ntypes, "type name", name, len,
		       1, id, 0);
}

int hs_writer_type_flags(uint32_t *out, hs_writer *w, const char *name,
			 size_t len, const uint64_t *id, unsigned flags)
{
	HS_RETURN_ERROR_IF(flags & ~HS_TYPE_SEQUENCE, HS_EINVAL,
			   "%s: unknown type flags %#x", w->name, flags);
	return declare(out, w, HS_REC_TYPE, &w->ntypes, "type name", name, len,
		       id != NULL, id ? *id : 0, flags);
}

int hs_writer_string(uint32_t *out, hs_writer *w, const char *s, size_t len)
{
	return declare(out, w, HS_REC_STRING, &w->nstrings, "string", s, len,
		       0, 0, 0);
}

int hs_writer_site(uint32_t *out, hs_writer *w, const uint32_t *files,
		   const uint32_t *lines, const uint32_t *funcs, size_t nframes)
{
	HS_RETURN_ERROR_IF(nframes > 256, HS_EINVAL, "%s: a site of %zu "
			   "frames is deeper than 256", w->name, nframes);
	for (size_t i = 0; i < nframes; i++)
		HS_RETURN_ERROR_IF(files[i] >= w->nstrings ||
				   funcs[i] >= w->nstrings, HS_EINVAL,
				   "%s: site frame %zu names an undeclared "
				   "string", w->name, i);
	HS_FORWARD_IF_ERROR(begin_record(w));
	msgpack_pack_array(&w->pk, 3);
	msgpack_pack_uint8(&w->pk, HS_REC_SITE);
	msgpack_pack_uint64(&w->pk, w->nsites);
	msgpack_pack_array(&w->pk, (uint32_t)(nframes * 3));
	for (size_t i = 0; i < nframes; i++) {
		msgpack_pack_uint32(&w->pk, files[i]);
		msgpack_pack_uint32(&w->pk, lines[i]);
		msgpack_pack_uint32(&w->pk, funcs[i]);
	}
	if (out)
		*out = (uint32_t)w->nsites;
	w->nsites++;
	return 0;
}

static int check_refs(hs_writer *w, const uint32_t *labels, size_t n)
{
	if (!labels)
		return 0;
	for (size_t i = 0; i < n; i++)
		HS_RETURN_ERROR_IF(labels[i] != HS_NO_LABEL &&
				   labels[i] >= w->nstrings, HS_EINVAL,
				   "%s: reference %zu has undeclared label %u",
				   w->name, i, labels[i]);
	return 0;
}

/* Packs refs, labels and flags as the last fields of a record, with the
 * inline packer (pack.h).  A reference is written as an absolute id, or
 * in index mode as the signed distance from the owner's index (most
 * references point near their owner in traversal order, so the distance
 * packs in 1-3 bytes).  labels is written (nil if NULL) when flags is. */
static void pack_ref_arrays(hs_writer *w, uint64_t owner, const uint64_t *refs,
			    const uint32_t *labels, const uint8_t *flags,
			    size_t n)
{
	unsigned char *p = w->buf + w->len;

	p = hs_pk_array(p, (uint32_t)n);
	if (w->o.ref_mode == HS_REFS_BY_INDEX)
		for (size_t i = 0; i < n; i++)
			p = hs_pk_int(p, (int64_t)(refs[i] - owner));
	else
		for (size_t i = 0; i < n; i++)
			p = hs_pk_uint(p, refs[i]);
	if (labels) {
		p = hs_pk_array(p, (uint32_t)n);
		for (size_t i = 0; i < n; i++)
			p = labels[i] == HS_NO_LABEL ? hs_pk_nil(p)
						     : hs_pk_uint(p, labels[i]);
	} else if (flags) {
		p = hs_pk_nil(p);
	}
	if (flags) {
		p = hs_pk_array(p, (uint32_t)n);
		for (size_t i = 0; i < n; i++)
			p = hs_pk_uint(p, flags[i]);
	}
	w->len = (size_t)(p - w->buf);
}

static int any_label(const uint32_t *labels, size_t n)
{
	for (size_t i = 0; labels && i < n; i++)
		if (labels[i] != HS_NO_LABEL)
			return 1;
	return 0;
}

static int any_flag(const uint8_t *flags, size_t n)
{
	for (size_t i = 0; flags && i < n; i++)
		if (flags[i])
			return 1;
	return 0;
}

static void pack_preview(hs_writer *w, const hs_value *v)
{
	size_t len;

	switch (v->kind) {
	case HS_VALUE_STR:
		len = v->v.s.len < w->o.max_preview ? v->v.s.len
						    : w->o.max_preview;
		/* cut on a UTF-8 character boundary */
		while (len && len < v->v.s.len &&
		       ((unsigned char)v->v.s.ptr[len] & 0xC0) == 0x80)
			len--;
		pack_str(w, v->v.s.ptr, len);
		break;
	case HS_VALUE_BYTES:
		len = v->v.s.len < w->o.max_preview ? v->v.s.len
						    : w->o.max_preview;
		msgpack_pack_bin(&w->pk, len);
		msgpack_pack_bin_body(&w->pk, v->v.s.ptr, len);
		break;
	case HS_VALUE_INT: msgpack_pack_int64(&w->pk, v->v.i); break;
	case HS_VALUE_UINT: msgpack_pack_uint64(&w->pk, v->v.u); break;
	case HS_VALUE_FLOAT: msgpack_pack_double(&w->pk, v->v.f); break;
	case HS_VALUE_BOOL:
		if (v->v.i)
			msgpack_pack_true(&w->pk);
		else
			msgpack_pack_false(&w->pk);
		break;
	default: msgpack_pack_nil(&w->pk); break;
	}
}

static int write_refs_records(hs_writer *w, const uint64_t *refs,
			      const uint32_t *labels, const uint8_t *flags,
			      size_t n)
{
	while (n) {
		size_t k = n < HS_REFS_PER_RECORD ? n : HS_REFS_PER_RECORD;
		int hl = any_label(labels, k), hf = any_flag(flags, k);

		HS_FORWARD_IF_ERROR(begin_record(w));
		msgpack_pack_array(&w->pk, 3 + (hl || hf) + hf);
		msgpack_pack_uint8(&w->pk, HS_REC_REFS);
		msgpack_pack_uint64(&w->pk, w->last_owner);
		pack_ref_arrays(w, w->last_owner, refs, hl ? labels : NULL,
				hf ? flags : NULL, k);
		w->nrefs += k;
		refs += k;
		if (labels)
			labels += k;
		if (flags)
			flags += k;
		n -= k;
	}
	return 0;
}

int hs_writer_object(hs_writer *w, const hs_object *o)
{
	return hs_writer_object_sized(w, o, 0);
}

int hs_writer_object_sized(hs_writer *w, const hs_object *o, uint64_t rt_size)
{
	size_t k = o->nrefs < HS_REFS_PER_RECORD ? o->nrefs
						   : HS_REFS_PER_RECORD;
	int hl = any_label(o->labels, k), hf = any_flag(o->flags, k);
	int hp = o->preview.kind != HS_VALUE_NONE, hs = o->site != HS_NO_SITE;
	int hz = rt_size && rt_size != o->size;
	unsigned fields;
	uint64_t owner;

	HS_RETURN_ERROR_IF(o->type >= w->ntypes, HS_EINVAL,
			   "%s: object %#llx has undeclared type %u", w->name,
			   (unsigned long long)o->id, o->type);
	HS_RETURN_ERROR_IF(hs && o->site >= w->nsites, HS_EINVAL,
			   "%s: object %#llx has undeclared site %u", w->name,
			   (unsigned long long)o->id, o->site);
	HS_RETURN_ERROR_IF(o->nrefs && !o->refs, HS_EINVAL,
			   "%s: object %#llx has %zu refs and no array",
			   w->name, (unsigned long long)o->id, o->nrefs);
	HS_RETURN_ERROR_IF((o->preview.kind == HS_VALUE_STR ||
			    o->preview.kind == HS_VALUE_BYTES) &&
			   !o->preview.v.s.ptr && o->preview.v.s.len,
			   HS_EINVAL, "%s: object %#llx has a NULL preview",
			   w->name, (unsigned long long)o->id);
	HS_FORWARD_IF_ERROR(check_refs(w, o->labels, o->nrefs));
	fields = hz ? 10 : hs ? 9 : hp ? 8 : hf ? 7 : hl ? 6 : 5;
	owner = w->o.ref_mode == HS_REFS_BY_INDEX ? w->nobjects : o->id;

	HS_FORWARD_IF_ERROR(begin_record(w));
	{
		unsigned char *p = w->buf + w->len;

		p = hs_pk_array(p, fields);
		p = hs_pk_uint(p, HS_REC_OBJECT);
		/* ids as the distance from the frame's previous object:
		 * allocation order makes it about one object size
		 * (FORMAT.md, "Rationale") */
		p = hs_pk_int(p, (int64_t)(o->id - w->prev_id));
		p = hs_pk_uint(p, o->type);
		p = hs_pk_uint(p, o->size);
		w->len = (size_t)(p - w->buf);
	}
	w->prev_id = o->id;
	pack_ref_arrays(w, owner, o->refs, hl ? o->labels : NULL,
			hf ? o->flags : NULL, k);
	if (fields > 5 && !hl && !hf)
		msgpack_pack_nil(&w->pk);
	if (fields > 6 && !hf)
		msgpack_pack_nil(&w->pk);
	if (fields > 7)
		pack_preview(w, &o->preview);
	if (fields > 8 && hs)
		msgpack_pack_uint32(&w->pk, o->site);
	else if (fields > 8)
		msgpack_pack_nil(&w->pk);
	if (fields > 9)
		msgpack_pack_uint64(&w->pk, rt_size);
	w->frame_objects++;
	w->nobjects++;
	w->nrefs += k;
	w->shallow += o->size;
	w->last_owner = owner;
	w->have_last = 1;
	/* refs may be NULL when nrefs is 0: NULL + 0 is undefined in C */
	return write_refs_records(w, o->refs ? o->refs + k : NULL,
				  o->labels ? o->labels + k : NULL,
				  o->flags ? o->flags + k : NULL, o->nrefs - k);
}

int hs_writer_refs(hs_writer *w, const uint64_t *refs, const uint32_t *labels,
		   const uint8_t *flags, size_t n)
{
	HS_RETURN_ERROR_IF(!w->have_last, HS_EINVAL,
			   "%s: references appended before any object",
			   w->name);
	HS_RETURN_ERROR_IF(n && !refs, HS_EINVAL, "%s: NULL references",
			   w->name);
	HS_FORWARD_IF_ERROR(check_refs(w, labels, n));
	return write_refs_records(w, refs, labels, flags, n);
}

int hs_writer_root(hs_writer *w, uint64_t ref, const char *kind,
		   const char *label, uint64_t extra)
{
	size_t klen = kind ? strlen(kind) : 0;
	size_t llen = label ? strlen(label) : 0;

	HS_FORWARD_IF_ERROR(check_string(w, "root kind", klen));
	HS_FORWARD_IF_ERROR(check_string(w, "root label", llen));
	HS_FORWARD_IF_ERROR(begin_record(w));
	msgpack_pack_array(&w->pk, extra ? 5 : 4);
	msgpack_pack_uint8(&w->pk, HS_REC_ROOT);
	msgpack_pack_uint64(&w->pk, ref);
	pack_str(w, kind ? kind : "", klen);
	if (label)
		pack_str(w, label, llen);
	else
		msgpack_pack_nil(&w->pk);
	if (extra)
		msgpack_pack_uint64(&w->pk, extra);
	w->nroots++;
	return 0;
}

static int writer_finish(hs_writer *w)
{
	HS_FORWARD_IF_ERROR(begin_record(w));
	msgpack_pack_array(&w->pk, 7);
	msgpack_pack_uint8(&w->pk, HS_REC_END);
	msgpack_pack_uint64(&w->pk, w->nobjects);
	msgpack_pack_uint64(&w->pk, w->nrefs);
	msgpack_pack_uint64(&w->pk, w->ntypes);
	msgpack_pack_uint64(&w->pk, w->nstrings);
	msgpack_pack_uint64(&w->pk, w->nroots);
	msgpack_pack_uint64(&w->pk, w->shallow);
	HS_FORWARD_IF_ERROR(hs_writer__flush_frame(w));
	hs_writer__compressor_stop(w);
	if (atomic_load(&w->failed))
		return hs_writer__failed_error(w);
	HS_FORWARD_IF_ERROR(hs_writer__write_trailer(w));
	if (w->of) {
		hs_outfile *of = w->of;

		w->of = NULL;  /* committed or removed: freed either way */
		return hs_outfile_commit(of, w->o.sync);
	}
	return 0;
}

int hs_writer_close(hs_writer *w)
{
	int rc;

	if (!w)
		return 0;
	rc = writer_finish(w);
	if (rc < 0) {
		hs_writer_abort(w);
		return rc;
	}
	writer_free(w);
	return 0;
}

void hs_writer_abort(hs_writer *w)
{
	if (!w)
		return;
	/* before closing the fd it may be writing */
	hs_writer__compressor_stop(w);
	hs_outfile_abort(w->of);
	w->of = NULL;
	writer_free(w);
}

size_t hs_writer_memory(const hs_writer *w)
{
	pthread_mutex_t *mu = (pthread_mutex_t *)&w->mu;
	size_t frames;

	pthread_mutex_lock(mu);
	frames = w->frames_cap;
	pthread_mutex_unlock(mu);
	return sizeof(*w) + (w->bufs[1] ? 2 : 1) * w->cap + w->zcap +
	       ZSTD_sizeof_CCtx(w->cctx) + frames * sizeof(frame_entry);
}

uint64_t hs_writer_count(const hs_writer *w)
{
	return w->nobjects;
}
