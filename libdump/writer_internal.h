/*
 * writer_internal.h - what the writer's files share (not installed):
 * struct hs_writer and the output side's functions.
 *
 *   writer.c         open / close, the records packed into a frame buffer
 *   writer_frames.c  full buffers compressed into zstd frames, written to
 *                    the sink (on a helper thread when asked), and the
 *                    trailer
 */
#ifndef HS_WRITER_INTERNAL_H
#define HS_WRITER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <msgpack.h>
#include <zstd.h>

#include "hs_outfile.h"
#include "hs_writer.h"

typedef struct {
	uint64_t offset, csize, dsize, records, objects, first_object;
} frame_entry;

struct hs_writer {
	hs_sink sink;
	char *name;           /* for messages */
	hs_outfile *of;       /* NULL for a sink writer */
	hs_writer_options o;

	unsigned char *buf;   /* records of the current frame: bufs[cur] */
	unsigned char *bufs[2];
	int cur;
	size_t len, cap;
	unsigned char *zbuf;  /* a frame's compressed form */
	size_t zcap;
	ZSTD_CCtx *cctx;
	msgpack_packer pk;

	/* Only the compressor (this thread, or the helper thread while a job
	 * is out) touches these: */
	uint64_t offset;      /* bytes sent to the sink */
	frame_entry *frames;
	size_t nframes, frames_cap;

	uint64_t frame_records, frame_objects, frame_first;
	uint64_t frames_started;

	/* The helper thread that compresses and writes full frames while
	 * the caller fills the other buffer (options.threads). */
	int threaded;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int job, quit;        /* under mu */
	const unsigned char *job_data;
	size_t job_len;
	frame_entry job_meta;
	char errmsg[512];     /* a failure on the helper thread */

	uint64_t nobjects, nrefs, ntypes, nstrings, nroots, nsites, shallow;
	uint64_t last_owner;  /* id or index of the last object */
	uint64_t prev_id;     /* id of the frame's previous object, or 0 */
	int have_last;
	atomic_int failed;    /* sticky error code, 0 while healthy */
};

/* Makes the writer "failed" with code (and the last error's text, for
 * later calls).  @return code */
int hs_writer__fail(hs_writer *w, int code);
/* @return the sticky error of a failed writer, its message set again */
int hs_writer__failed_error(hs_writer *w);
int hs_writer__sink_write(hs_writer *w, const void *data, size_t len);
/* Hands the current frame to the compressor (or compresses it here) and
 * starts an empty one. */
int hs_writer__flush_frame(hs_writer *w);
/* The helper thread's body (options.threads); arg is the writer. */
void *hs_writer__compressor_main(void *arg);
/* Ends the helper thread after its job; safe to call twice. */
void hs_writer__compressor_stop(hs_writer *w);
/* The trailer: the frame index and the totals, with its checksum. */
int hs_writer__write_trailer(hs_writer *w);

#endif
