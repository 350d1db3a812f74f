/*
 * reader_pass.c - passes over a .snap's records: the sequential reader
 * (hs_reader_next, its seeks), the parallel scan (hs_reader_scan: frames
 * handed to threads, each with a decoder of its own) and what a pass
 * tells about the file's integrity (hs_reader_integrity).
 *
 * Load: per scanning thread one frame_dec (reader_frame.c); one state
 * byte per frame for the last pass.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "reader_internal.h"

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
			rc = hs_reader__dec_load(r, d, r->cur);
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
		rc = hs_reader__dec_next(r, d, rec);
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

	if (hs_reader__dec_init(&d, r) < 0) {
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
		rc = hs_reader__dec_load(r, &d, i);
		while (rc == 0) {
			rc = hs_reader__dec_next(r, &d, &rec);
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
	hs_reader__dec_release(&d);
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
