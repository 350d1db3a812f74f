/*
 * reader_internal.h - what the reader's files share (not installed):
 * struct hs_reader, one frame's decoding state (frame_dec) and the
 * functions they call across files.
 *
 *   reader.c         open / close, the file's info, accessors
 *   reader_locate.c  where the frames are: the trailer, or a walk
 *   reader_frame.c   one frame decompressed, whole or piece by piece
 *   reader_record.c  records parsed from a decompressed frame
 *   reader_pass.c    passes: sequential, seek, parallel scan, integrity
 */
#ifndef HS_READER_INTERNAL_H
#define HS_READER_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <zstd.h>

#include "hs_reader.h"

#define HS_READER_FRAMES_MAX (1u << 20)  /* data frames in a file */
#define HS_READER_REFS_MAX (1u << 20)    /* references in one record */

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

/* reader_frame.c */
int hs_reader__dec_init(frame_dec *d, const hs_reader *r);
void hs_reader__dec_release(frame_dec *d);
/* Opens frame i: decompressed whole when it declares a writer's size
 * (WHOLE_FRAME_MAX), else its first piece. */
int hs_reader__dec_load(hs_reader *r, frame_dec *d, size_t i);
/* Decompresses the next piece of a frame read piece by piece.
 * @return 0 (d->done once the frame is whole, checksum verified),
 *         HS_ECORRUPT, HS_ELIMIT, HS_ENOMEM. */
int hs_reader__dec_more(hs_reader *r, frame_dec *d);

/* reader_record.c: the next record of the frame in d, decompressing
 * more of it while a record runs past what is decompressed so far.
 * @return 0, HS_ITEROVER at the end of the frame, HS_ECORRUPT /
 *         HS_EVERSION / HS_ELIMIT / HS_ENOMEM. */
int hs_reader__dec_next(hs_reader *r, frame_dec *d, hs_record *rec);

/* reader_locate.c */
/* Reads the trailer and checks its frame table against the file.
 * @return 1 if it was taken, 0 if none or it is wrong (the frames are
 *         then walked), HS_ENOMEM. */
int hs_reader__read_trailer(hs_reader *r, size_t *trailer_start);
/* Walks frame headers from the start frame to limit, tallying damage. */
int hs_reader__walk_frames(hs_reader *r, size_t limit);

#endif
