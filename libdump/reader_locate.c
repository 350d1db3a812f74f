/*
 * reader_locate.c - where the data frames of a .snap are: from the
 * trailer's frame table, taken only when every entry is one whole zstd
 * frame of the file with nothing but skippable frames between them, or
 * else by walking the frame headers from the start frame, tallying the
 * bytes that are not a frame (walk_lost_bytes / walk_lost_regions).
 *
 * Load: 48 bytes per frame (hs_frame_info); no decompression.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zstd.h>

#include "error.h"
#include "format.h"
#include "mp.h"
#include "reader_internal.h"
#include "vec.h"

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

/* Gives back the mapped pages inside [off, off + len) that finding a
 * frame's end touched (it reads every block header, and each fault maps
 * the pages around): they come back from the page cache when the frame
 * is read.  Without this, an open reader kept nearly all of the file
 * resident until it closed (130 of 138 MiB for the 10M-object bench4
 * file, on top of the dominator tree when dumpdom reads previews). */
static void frame_pages_release(const hs_reader *r, size_t off, size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t first, last;

	if (!r->map || pg <= 0 || off > r->size || len > r->size - off)
		return;
	first = (off + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
	last = (off + len) / (size_t)pg * (size_t)pg;
	if (last > first)
		madvise((unsigned char *)r->map + first, last - first,
			MADV_DONTNEED);
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
int hs_reader__walk_frames(hs_reader *r, size_t limit)
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
				frame_pages_release(r, off, cs);
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
	frame_pages_release(r, (size_t)off, ZSTD_isError(cs) ? 0 : cs);
	return !ZSTD_isError(cs) && cs == csize;
}

/* Reads the trailer and checks its frame table against the file: every
 * entry one whole zstd frame, nothing but skippable frames between them
 * (a checksum only says the trailer is as written, not that it tells the
 * truth).  @return 1 if it was taken, 0 if none or it is wrong (the
 * frames are then walked), HS_ENOMEM. */
int hs_reader__read_trailer(hs_reader *r, size_t *trailer_start)
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
