/*
 * writer_frames.c - the writer's output: each full frame buffer is
 * compressed into one independent zstd frame (on the helper thread while
 * the caller fills the other buffer, when options.threads asks for it),
 * written to the sink and indexed; at close, the index and totals as the
 * trailer.  The first failed write makes the writer "failed".
 *
 * Load: one compressed frame buffer (ZSTD_compressBound of a frame), the
 * zstd context, 48 bytes per frame of index, and the trailer's text.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <zstd.h>

#include "error.h"
#include "format.h"
#include "vec.h"
#include "writer_internal.h"

int hs_writer__fail(hs_writer *w, int code)
{
	snprintf(w->errmsg, sizeof(w->errmsg), "%s", hs_error_last());
	atomic_store(&w->failed, code);
	return code;
}

int hs_writer__sink_write(hs_writer *w, const void *data, size_t len)
{
	int rc = w->sink.write(data, len, w->sink.payload);

	if (rc < 0) {
		if (!w->of)  /* the file's message names file and byte */
			hs_error_prefix(rc, "%s: write failed at byte %llu",
					w->name, (unsigned long long)w->offset);
		return hs_writer__fail(w, rc);
	}
	w->offset += len;
	return 0;
}

/* Compresses one frame's records and writes them; on the helper thread
 * while threaded. */
static int compress_frame(hs_writer *w, const unsigned char *data, size_t len,
			  const frame_entry *meta)
{
	frame_entry *f;
	size_t csize;

	if (w->nframes == w->frames_cap) {
		int rc;

		/* under mu: hs_writer_memory() reads frames_cap */
		pthread_mutex_lock(&w->mu);
		rc = hs_vec_grow((void **)&w->frames, &w->frames_cap,
				 w->nframes + 1, sizeof(*w->frames));
		pthread_mutex_unlock(&w->mu);
		if (rc < 0)
			return hs_writer__fail(w, hs_error_set(HS_ENOMEM,
					"%s: out of memory for the frame "
					"index", w->name));
	}
	csize = ZSTD_compress2(w->cctx, w->zbuf, w->zcap, data, len);
	if (ZSTD_isError(csize))
		return hs_writer__fail(w, hs_error_set(HS_ERROR, "%s: "
				"compressing frame %zu: %s", w->name,
				w->nframes, ZSTD_getErrorName(csize)));
	f = &w->frames[w->nframes];
	*f = *meta;
	f->offset = w->offset;
	f->csize = csize;
	f->dsize = len;
	HS_FORWARD_IF_ERROR(hs_writer__sink_write(w, w->zbuf, csize));
	w->nframes++;
	return 0;
}

void *hs_writer__compressor_main(void *arg)
{
	hs_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->job && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->job)
			break;
		pthread_mutex_unlock(&w->mu);
		if (!atomic_load(&w->failed))
			compress_frame(w, w->job_data, w->job_len, &w->job_meta);
		pthread_mutex_lock(&w->mu);
		w->job = 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

void hs_writer__compressor_stop(hs_writer *w)
{
	if (!w->threaded)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	w->threaded = 0;
}

int hs_writer__failed_error(hs_writer *w)
{
	return hs_error_set(atomic_load(&w->failed), "%s", w->errmsg[0]
			    ? w->errmsg : "an earlier write failed");
}

int hs_writer__flush_frame(hs_writer *w)
{
	frame_entry meta = { 0, 0, 0, w->frame_records, w->frame_objects,
			     w->frame_first };

	if (w->len == 0)
		return 0;
	if (w->threaded) {
		pthread_mutex_lock(&w->mu);
		while (w->job)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!atomic_load(&w->failed)) {
			w->job_data = w->buf;
			w->job_len = w->len;
			w->job_meta = meta;
			w->job = 1;
			pthread_cond_broadcast(&w->cv);
		}
		pthread_mutex_unlock(&w->mu);
		if (atomic_load(&w->failed))
			return hs_writer__failed_error(w);
		w->cur ^= 1;
		w->buf = w->bufs[w->cur];
	} else {
		HS_FORWARD_IF_ERROR(compress_frame(w, w->buf, w->len, &meta));
	}
	w->frames_started++;
	w->len = 0;
	w->frame_records = 0;
	w->frame_objects = 0;
	return 0;
}

/* The trailer's buffer: msgpack_pack_*() report a failed append only in
 * their return value, so the write callback remembers it; a trailer cut
 * short by ENOMEM must not be written with a checksum over what is left. */
typedef struct {
	msgpack_sbuffer sb;
	int failed;
} trailer_buf;

static int trailer_append(void *data, const char *buf, size_t len)
{
	trailer_buf *t = data;

	if (msgpack_sbuffer_write(&t->sb, buf, len) < 0) {
		t->failed = 1;
		return -1;
	}
	return 0;
}

int hs_writer__write_trailer(hs_writer *w)
{
	trailer_buf tb = { .failed = 0 };
	msgpack_packer pk;
	unsigned char head[8], foot[HS_FOOTER_SIZE];
	int rc;

	msgpack_sbuffer_init(&tb.sb);
	msgpack_packer_init(&pk, &tb, trailer_append);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_str(&pk, strlen(HS_TRAILER_NAME));
	msgpack_pack_str_body(&pk, HS_TRAILER_NAME, strlen(HS_TRAILER_NAME));
	msgpack_pack_uint32(&pk, HS_FORMAT_VERSION);
	msgpack_pack_array(&pk, (uint32_t)w->nframes);
	for (size_t i = 0; i < w->nframes; i++) {
		const frame_entry *f = &w->frames[i];

		msgpack_pack_array(&pk, 6);
		msgpack_pack_uint64(&pk, f->offset);
		msgpack_pack_uint64(&pk, f->csize);
		msgpack_pack_uint64(&pk, f->dsize);
		msgpack_pack_uint64(&pk, f->records);
		msgpack_pack_uint64(&pk, f->objects);
		msgpack_pack_uint64(&pk, f->first_object);
	}
	msgpack_pack_array(&pk, 6);
	msgpack_pack_uint64(&pk, w->nobjects);
	msgpack_pack_uint64(&pk, w->nrefs);
	msgpack_pack_uint64(&pk, w->ntypes);
	msgpack_pack_uint64(&pk, w->nstrings);
	msgpack_pack_uint64(&pk, w->nroots);
	msgpack_pack_uint64(&pk, w->shallow);
	if (tb.failed || !tb.sb.data || tb.sb.size > HS_READER_TRAILER_MAX) {
		msgpack_sbuffer_destroy(&tb.sb);
		return hs_writer__fail(w, hs_error_set(HS_ENOMEM, "%s: out of "
				"memory for the trailer", w->name));
	}
	hs_put_le32(head, HS_TRAILER_MAGIC);
	hs_put_le32(head + 4, (uint32_t)(tb.sb.size + HS_FOOTER_SIZE));
	hs_put_le64(foot, hs_fnv1a64(tb.sb.data, tb.sb.size));
	hs_put_le32(foot + 8, (uint32_t)tb.sb.size);
	memcpy(foot + 12, HS_FOOTER_TEXT, 4);
	rc = hs_writer__sink_write(w, head, sizeof(head));
	if (rc == 0)
		rc = hs_writer__sink_write(w, tb.sb.data, tb.sb.size);
	if (rc == 0)
		rc = hs_writer__sink_write(w, foot, sizeof(foot));
	msgpack_sbuffer_destroy(&tb.sb);
	return rc;
}
