/*
 * reader_frame.c - one frame of a .snap decompressed into a frame_dec's
 * buffer: whole (a writer's frame, checksum verified before any record is
 * read) or piece by piece while its records are parsed (a frame larger
 * than WHOLE_FRAME_MAX, or of no declared size), within the frame limit
 * and the file's decompression budget.
 *
 * Load: one decompressed frame (about 1 MiB, at most max_frame_bytes) and
 * one zstd context per decoding thread.
 */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "error.h"
#include "mp.h"
#include "reader_internal.h"
#include "vec.h"

/* A frame that declares at most this many bytes is decompressed whole,
 * its checksum verified, before any record is read from it (the writer's
 * frames: 1 MiB of records and one record more by default).  A larger
 * one, or one that declares no size, is decompressed piece by piece
 * while its records are read, so that reading stops at its first bad
 * record instead of after decompressing all of it. */
#define WHOLE_FRAME_MAX (2u << 20)
#define STREAM_STEP (1u << 20)           /* the first piece, then doubling */

void hs_reader__dec_release(frame_dec *d)
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

int hs_reader__dec_init(frame_dec *d, const hs_reader *r)
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
int hs_reader__dec_more(hs_reader *r, frame_dec *d)
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
int hs_reader__dec_load(hs_reader *r, frame_dec *d, size_t i)
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
		HS_FORWARD_IF_ERROR(hs_reader__dec_more(r, d));
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
