/*
 * reader.c - hs_reader: maps a .snap file, finds its frames (from the
 * trailer, or by walking zstd frame headers) and decodes records from
 * one frame buffer per thread.  This file opens and closes it and reads
 * the header record; reader_internal.h lists the others.
 *
 * Load: the mapping (page cache, not heap), 48 bytes per frame, and per
 * decoding thread one decompressed frame (about 1 MiB, at most
 * max_frame_bytes) plus reference arrays for one record.  Damage is
 * bounded to the frame it is in: the rest of the file is still read, and
 * what was lost is tallied for hs_reader_integrity().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "error.h"
#include "format.h"
#include "reader_internal.h"

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
	rc = hs_reader__dec_load(r, d, 0);
	if (rc < 0)
		return hs_error_prefix(rc == HS_ENOMEM ? rc : HS_ECORRUPT,
				       "no readable header");
	do {
		rc = hs_reader__dec_next(r, d, &rec);
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
		rec.u.header.reason.len + rec.u.header.walker.len + 4;
	r->info_strs = p = malloc(total);
	HS_RETURN_ERROR_IF(!p, HS_ENOMEM, "%s: out of memory", r->name);
	r->info.version = rec.u.header.version;
	r->info.ref_mode = rec.u.header.ref_mode;
	r->info.header.pid = rec.u.header.pid;
	r->info.header.time_ms = rec.u.header.time_ms;
	r->info.header.word_size = rec.u.header.word_size;
	r->info.header.rss = rec.u.header.rss;
	{
		const hs_str *s[4] = { &rec.u.header.runtime,
				       &rec.u.header.runtime_version,
				       &rec.u.header.reason,
				       &rec.u.header.walker };
		const char **dst[4] = { &r->info.header.runtime,
					&r->info.header.runtime_version,
					&r->info.header.reason,
					&r->info.header.walker };

		for (int i = 0; i < 4; i++) {
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
			/* refused by hs_reader__dec_load() for what it is */
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
	r->has_trailer = hs_reader__read_trailer(r, &limit);
	if (r->has_trailer < 0)
		return r->has_trailer;
	if (!r->has_trailer)
		HS_FORWARD_IF_ERROR(hs_reader__walk_frames(r, r->size));
	HS_RETURN_ERROR_IF(r->strict && r->problem[0], HS_ECORRUPT, "%s",
			   r->problem);
	r->fstate = calloc(r->nframes ? r->nframes : 1, 1);
	HS_RETURN_ERROR_IF(!r->fstate, HS_ENOMEM, "%s: out of memory",
			   r->name);
	HS_FORWARD_IF_ERROR(share_budget(r));
	HS_FORWARD_IF_ERROR(hs_reader__dec_init(&r->seq, r));
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
	hs_reader__dec_release(&r->seq);
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
