/*
 * test_summary.c - hs_summary on files written here with hs_writer, whose
 * contents the test knows exactly: counts, weak references, roots by
 * kind, totals, the largest object and its type, frames; then damaged
 * copies (cut short, a frame flipped, an end record or trailer that
 * lies), a file that is not a .snap, and the bounded tables (root kinds,
 * the type-name cache).  Files are small (tens of KiB, 4 KiB frames).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <zstd.h>

#include "format.h"
#include "hs_summary.h"
#include "testutil.h"
#include "unit.h"

#define N_OBJECTS 3000u
#define BIG_REFS 20000u  /* > HS_REFS_PER_RECORD: one refs record */
#define BIG_SIZE 100000u

/* What write_snap() wrote. */
typedef struct {
	uint64_t objects, refs, weak, shallow, roots;
	uint64_t big_index, big_id;
} expect;

static uint64_t obj_id(uint64_t i)
{
	return 0x10000 + 32 * i;
}

/* Writes the test heap into buf: N_OBJECTS small objects in a ring (every
 * fifth reference weak), one "big" object with BIG_REFS references, a
 * site, and roots of three kinds. */
static void write_snap(hs_buf *buf, hs_ref_mode mode, expect *e)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w = NULL;
	uint32_t t[3], s[2], site;
	uint64_t *refs = calloc(BIG_REFS, sizeof(*refs));
	uint8_t *flags = calloc(BIG_REFS, 1);
	const uint32_t line = 7;
	const char *kinds[6] = { "module", "refcount", "frame", "refcount",
				 "module", "refcount" };

	CU_ASSERT_FATAL(refs && flags);
	memset(e, 0, sizeof(*e));
	hs_buf_init(buf);
	o.frame_size = 4096;
	o.ref_mode = mode;
	h.runtime = "python";
	h.runtime_version = "3.11.7";
	h.pid = 4242;
	h.time_ms = 1764000000123ull;
	h.reason = "signal";
	h.word_size = 8;
	CU_ASSERT_FATAL(hs_writer_open_sink(&w, hs_buf_sink(buf), "mem", &o,
					    &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&t[0], w, "node", 4) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&t[1], w, "leaf", 4) == 0);
	CU_ASSERT_FATAL(hs_writer_string(&s[0], w, "next", 4) == 0);
	CU_ASSERT_FATAL(hs_writer_string(&s[1], w, "app.py", 6) == 0);
	CU_ASSERT_FATAL(hs_writer_site(&site, w, &s[1], &line, &s[0], 1) == 0);
	for (uint64_t i = 0; i < N_OBJECTS; i++) {
		hs_object ob = { 0 };
		uint64_t next = (i + 1) % N_OBJECTS;
		uint64_t ref = mode == HS_REFS_BY_INDEX ? next : obj_id(next);
		uint8_t fl = i % 5 == 0 ? HS_REF_WEAK : 0;

		ob.id = obj_id(i);
		ob.type = t[i % 2];
		ob.size = 16 + i % 8;
		ob.nrefs = 1;
		ob.refs = &ref;
		ob.labels = &s[0];
		ob.flags = &fl;
		ob.site = i == 5 ? site : HS_NO_SITE;
		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
		e->objects++;
		e->refs++;
		e->weak += fl != 0;
		e->shallow += ob.size;
		if (i == N_OBJECTS / 2) {
			/* declared late, so its record is far from frame 0 */
			hs_object big = { 0 };

			CU_ASSERT_FATAL(hs_writer_type(&t[2], w, "big", 3) == 0);
			for (uint64_t k = 0; k < BIG_REFS; k++) {
				uint64_t to = k % N_OBJECTS;

				refs[k] = mode == HS_REFS_BY_INDEX
					  ? to : obj_id(to);
				flags[k] = k % 1000 == 999 ? HS_REF_WEAK : 0;
				e->weak += flags[k] != 0;
			}
			big.id = 0xB1600;
			big.type = t[2];
			big.size = BIG_SIZE;
			big.nrefs = BIG_REFS;
			big.refs = refs;
			big.flags = flags;
			big.site = HS_NO_SITE;
			e->big_index = hs_writer_count(w);
			e->big_id = big.id;
			CU_ASSERT_FATAL(hs_writer_object(w, &big) == 0);
			e->objects++;
			e->refs += BIG_REFS;
			e->shallow += BIG_SIZE;
		}
	}
	for (int i = 0; i < 6; i++) {
		uint64_t at = (uint64_t)i * 10;

		CU_ASSERT_FATAL(hs_writer_root(w, mode == HS_REFS_BY_INDEX ? at
					       : obj_id(at), kinds[i],
					       i == 2 ? NULL : "label",
					       i == 1 ? 3 : 0) == 0);
		e->roots++;
	}
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	free(refs);
	free(flags);
}

static void summarise_mem(hs_summary *s, const void *data, size_t len,
			  unsigned threads)
{
	hs_reader *r = NULL;
	hs_reader_options ro = HS_READER_OPTIONS_INIT;
	hs_summary_options so = HS_SUMMARY_OPTIONS_INIT;

	so.threads = threads;
	/* the crafted objects are alike: far more compressible than a heap */
	ro.max_ratio = UINT64_MAX;
	CU_ASSERT_FATAL(hs_reader_open_mem(&r, data, len, "mem.snap",
					   &ro) == 0);
	CU_ASSERT_FATAL(hs_summary_scan(s, r, &so) == 0);
	hs_reader_free(r);
}

static const hs_summary_kind *kind(const hs_summary *s, const char *name)
{
	for (size_t i = 0; i < s->nkinds; i++)
		if (s->kinds[i].len == strlen(name) &&
		    memcmp(s->kinds[i].name, name, s->kinds[i].len) == 0)
			return &s->kinds[i];
	return NULL;
}

static void check_whole(const hs_summary *s, const expect *e,
			hs_ref_mode mode, size_t file_size)
{
	uint64_t csum = 0, objs = 0;

	CU_ASSERT_EQUAL(s->file_size, file_size);
	CU_ASSERT_EQUAL(s->info.version, HS_FORMAT_VERSION);
	CU_ASSERT_EQUAL(s->info.ref_mode, mode);
	CU_ASSERT_STRING_EQUAL(s->runtime, "python");
	CU_ASSERT_STRING_EQUAL(s->runtime_version, "3.11.7");
	CU_ASSERT_STRING_EQUAL(s->reason, "signal");
	CU_ASSERT_EQUAL(s->info.header.pid, 4242);
	CU_ASSERT_EQUAL(s->info.header.time_ms, 1764000000123ull);
	CU_ASSERT_EQUAL(s->info.header.word_size, 8);

	CU_ASSERT_EQUAL(s->objects, e->objects);
	CU_ASSERT_EQUAL(s->refs, e->refs);
	CU_ASSERT_EQUAL(s->weak_refs, e->weak);
	CU_ASSERT_EQUAL(s->types, 3);
	CU_ASSERT_EQUAL(s->strings, 2);
	CU_ASSERT_EQUAL(s->sites, 1);
	CU_ASSERT_EQUAL(s->roots, 6);
	CU_ASSERT_EQUAL(s->shallow, e->shallow);

	/* roots by kind, most numerous first */
	CU_ASSERT_EQUAL_FATAL(s->nkinds, 3);
	CU_ASSERT_STRING_EQUAL(s->kinds[0].name, "refcount");
	CU_ASSERT_EQUAL(s->kinds[0].count, 3);
	CU_ASSERT_STRING_EQUAL(s->kinds[1].name, "module");
	CU_ASSERT_EQUAL(s->kinds[1].count, 2);
	CU_ASSERT_STRING_EQUAL(s->kinds[2].name, "frame");
	CU_ASSERT_EQUAL(s->kinds[2].count, 1);
	CU_ASSERT_EQUAL(s->roots_other, 0);

	CU_ASSERT(s->has_largest);
	CU_ASSERT_EQUAL(s->largest_size, BIG_SIZE);
	CU_ASSERT_EQUAL(s->largest_index, e->big_index);
	CU_ASSERT_EQUAL(s->largest_id, e->big_id);
	CU_ASSERT_EQUAL(s->largest_type, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->largest_type_name);
	CU_ASSERT_STRING_EQUAL(s->largest_type_name, "big");

	CU_ASSERT_EQUAL(s->records[HS_REC_HEADER], 1);
	CU_ASSERT_EQUAL(s->records[HS_REC_TYPE], 3);
	CU_ASSERT_EQUAL(s->records[HS_REC_STRING], 2);
	CU_ASSERT_EQUAL(s->records[HS_REC_SITE], 1);
	CU_ASSERT_EQUAL(s->records[HS_REC_OBJECT], e->objects);
	CU_ASSERT_EQUAL(s->records[HS_REC_REFS], 1);
	CU_ASSERT_EQUAL(s->records[HS_REC_ROOT], 6);
	CU_ASSERT_EQUAL(s->records[HS_REC_END], 1);
	CU_ASSERT_EQUAL(s->records[0], 0);

	/* frames: 4 KiB of records each, all read, sizes from the trailer */
	CU_ASSERT(s->nframes > 3);
	CU_ASSERT_EQUAL(s->records[HS_REC_FRAME], s->nframes);
	CU_ASSERT_EQUAL(s->dsize_known, s->nframes);
	for (size_t i = 0; i < s->nframes; i++) {
		CU_ASSERT_EQUAL(s->frames[i].records, s->frames[i].info.records);
		CU_ASSERT_EQUAL(s->frames[i].objects, s->frames[i].info.objects);
		csum += s->frames[i].info.csize;
		objs += s->frames[i].objects;
	}
	CU_ASSERT_EQUAL(objs, e->objects);
	CU_ASSERT_EQUAL(s->compressed, csum);
	CU_ASSERT_EQUAL(s->compressed_known, csum);
	CU_ASSERT(s->decompressed > s->compressed);

	CU_ASSERT_EQUAL(s->integrity.status, HS_INTEGRITY_COMPLETE);
	CU_ASSERT_EQUAL(s->integrity.frames_lost, 0);
	CU_ASSERT_EQUAL(s->integrity.problem[0], '\0');
	CU_ASSERT_EQUAL(s->objects_lost_estimate, 0);
	CU_ASSERT(s->has_end);
	CU_ASSERT(s->has_trailer);
	CU_ASSERT_EQUAL(s->check, HS_SUMMARY_AGREE);
	CU_ASSERT_EQUAL(s->disagreements, 0);
	CU_ASSERT_EQUAL(s->totals[0].end, e->objects);
	CU_ASSERT_EQUAL(s->totals[0].trailer, e->objects);
	CU_ASSERT_EQUAL(s->totals[5].counted, e->shallow);
}

static void test_summary_counts(void)
{
	hs_buf buf;
	expect e;
	hs_summary s;
	unsigned threads[3] = { 1, 2, 0 };

	write_snap(&buf, HS_REFS_BY_ID, &e);
	for (int i = 0; i < 3; i++) {
		summarise_mem(&s, buf.data, buf.len, threads[i]);
		check_whole(&s, &e, HS_REFS_BY_ID, buf.len);
		hs_summary_release(&s);
		CU_ASSERT_PTR_NULL(s.kinds);
		hs_summary_release(&s);  /* twice is harmless */
	}
	hs_buf_release(&buf);
}

static void test_summary_index_mode(void)
{
	hs_buf buf;
	expect e;
	hs_summary s;

	write_snap(&buf, HS_REFS_BY_INDEX, &e);
	summarise_mem(&s, buf.data, buf.len, 0);
	check_whole(&s, &e, HS_REFS_BY_INDEX, buf.len);
	hs_summary_release(&s);
	hs_buf_release(&buf);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FATAL(fwrite(data, 1, len, f) == len);
	CU_ASSERT_FATAL(fclose(f) == 0);
}

static void test_summary_truncated(void)
{
	hs_buf buf;
	expect e;
	hs_summary s;
	char path[512];
	size_t cut;

	write_snap(&buf, HS_REFS_BY_ID, &e);
	cut = buf.len * 6 / 10;
	snprintf(path, sizeof(path), "%s/cut.snap", hs_unit_tmpdir());
	write_file(path, buf.data, cut);
	CU_ASSERT_FATAL(hs_summary_read(&s, path, NULL) == 0);
	CU_ASSERT_STRING_EQUAL(s.path, path);
	CU_ASSERT_EQUAL(s.file_size, cut);
	CU_ASSERT_EQUAL(s.integrity.status, HS_INTEGRITY_TRUNCATED);
	CU_ASSERT_EQUAL(s.integrity.frames_lost, 1);
	CU_ASSERT(s.integrity.bytes_lost > 0);
	CU_ASSERT(s.integrity.first_loss < cut);
	CU_ASSERT(s.integrity.problem[0] != '\0');
	CU_ASSERT(!s.has_end);
	CU_ASSERT(!s.has_trailer);
	CU_ASSERT_EQUAL(s.check, HS_SUMMARY_UNCHECKED);
	CU_ASSERT(s.objects > 0 && s.objects < e.objects);
	CU_ASSERT_EQUAL(s.roots, 0);  /* written last, so cut off */
	CU_ASSERT_EQUAL(s.nkinds, 0);
	/* the estimate is in the right range: the cut frame held some */
	CU_ASSERT(s.objects_lost_estimate > 0);
	CU_ASSERT(s.objects_lost_estimate < (int64_t)e.objects);
	/* frames found by walking: sizes from the frames' headers (the cut
	 * one is a lost region, not a frame), first objects from the pass */
	CU_ASSERT_EQUAL(s.dsize_known, s.nframes);
	CU_ASSERT(s.nframes > 2);
	CU_ASSERT_EQUAL(s.frames[1].info.first_object,
			s.frames[0].objects);
	/* the header still came through */
	CU_ASSERT_STRING_EQUAL(s.runtime, "python");
	hs_summary_release(&s);
	hs_buf_release(&buf);
}

static void test_summary_salvaged(void)
{
	hs_buf buf;
	expect e;
	hs_summary s;
	hs_reader *r = NULL;
	const hs_frame_info *fi;
	size_t nf, victim;
	uint64_t lost_objects;

	write_snap(&buf, HS_REFS_BY_ID, &e);
	CU_ASSERT_FATAL(hs_reader_open_mem(&r, buf.data, buf.len, "x",
					   NULL) == 0);
	nf = hs_reader_frames(&fi, r);
	victim = nf / 3;
	lost_objects = fi[victim].objects;
	/* damage the middle of one frame's compressed bytes */
	for (uint64_t k = fi[victim].csize / 2; k < fi[victim].csize / 2 + 16;
	     k++)
		buf.data[fi[victim].offset + k] ^= 0x5a;
	hs_reader_free(r);
	summarise_mem(&s, buf.data, buf.len, 0);
	CU_ASSERT_EQUAL(s.integrity.status, HS_INTEGRITY_SALVAGED);
	CU_ASSERT_EQUAL(s.integrity.frames_lost, 1);
	CU_ASSERT_EQUAL(s.integrity.first_loss, s.frames[victim].info.offset);
	CU_ASSERT_EQUAL(s.frames[victim].records, 0);
	CU_ASSERT_EQUAL(s.objects + lost_objects, e.objects);
	CU_ASSERT_EQUAL(s.integrity.objects_lost, (int64_t)lost_objects);
	CU_ASSERT_EQUAL(s.objects_lost_estimate, (int64_t)lost_objects);
	CU_ASSERT_EQUAL(s.check, HS_SUMMARY_UNCHECKED);
	CU_ASSERT_EQUAL(s.roots, 6);
	hs_summary_release(&s);
	hs_buf_release(&buf);
}

/* ---- files whose end record or trailer lies ---------------------------- */

static int sb_write(void *data, const char *buf, size_t len)
{
	return hs_buf_append(data, buf, len) < 0 ? -1 : 0;
}

/* Rebuilds in's last frame with an end record holding end[] and a new
 * trailer holding trailer[] (frame index kept true) into out. */
static void rewrite_totals(hs_buf *out, const hs_buf *in,
			   const uint64_t end[6], const uint64_t trailer[6])
{
	hs_reader *r = NULL;
	const hs_frame_info *fi;
	hs_frame_info *frames;
	size_t nf;
	hs_record rec;
	uint64_t end_off = 0;
	unsigned char *plain, *z;
	size_t plen, zlen, zcap;
	hs_buf mp = HS_BUF_INIT;
	msgpack_packer pk;
	int rc;

	CU_ASSERT_FATAL(hs_reader_open_mem(&r, in->data, in->len, "in",
					   NULL) == 0);
	nf = hs_reader_frames(&fi, r);
	frames = malloc(nf * sizeof(*frames));
	CU_ASSERT_FATAL(frames != NULL);
	memcpy(frames, fi, nf * sizeof(*frames));
	while ((rc = hs_reader_next(&rec, r)) == 0)
		if (rec.kind == HS_REC_END) {
			CU_ASSERT_FATAL(rec.frame_offset == fi[nf - 1].offset);
			end_off = rec.offset;
		}
	CU_ASSERT_FATAL(rc == HS_ITEROVER && end_off > 0);
	hs_reader_free(r);

	/* the last frame, its end record replaced */
	plen = frames[nf - 1].dsize;
	plain = malloc(plen + 128);
	CU_ASSERT_FATAL(plain != NULL);
	CU_ASSERT_FATAL(ZSTD_decompress(plain, plen, in->data +
					frames[nf - 1].offset,
					frames[nf - 1].csize) == plen);
	hs_buf_init(&mp);
	msgpack_packer_init(&pk, &mp, sb_write);
	msgpack_pack_array(&pk, 7);
	msgpack_pack_uint8(&pk, HS_REC_END);
	for (int i = 0; i < 6; i++)
		msgpack_pack_uint64(&pk, end[i]);
	memcpy(plain + end_off, mp.data, mp.len);
	plen = end_off + mp.len;
	zcap = ZSTD_compressBound(plen);
	z = malloc(zcap);
	CU_ASSERT_FATAL(z != NULL);
	zlen = ZSTD_compress(z, zcap, plain, plen, 3);
	CU_ASSERT_FATAL(!ZSTD_isError(zlen));

	hs_buf_init(out);
	CU_ASSERT_FATAL(hs_buf_append(out, in->data,
				      frames[nf - 1].offset) == 0);
	CU_ASSERT_FATAL(hs_buf_append(out, z, zlen) == 0);
	frames[nf - 1].csize = zlen;
	frames[nf - 1].dsize = plen;

	/* the trailer, as writer.c lays it out */
	tu_craft_trailer(out, frames, nf, trailer);
	hs_buf_release(&mp);
	free(plain);
	free(z);
	free(frames);
}

static void test_summary_disagree(void)
{
	hs_buf buf, bad;
	expect e;
	hs_summary s;
	uint64_t truth[6], lie[6];

	write_snap(&buf, HS_REFS_BY_ID, &e);
	truth[0] = e.objects;
	truth[1] = e.refs;
	truth[2] = 3;
	truth[3] = 2;
	truth[4] = e.roots;
	truth[5] = e.shallow;

	/* the rewriting itself is faithful: true totals agree */
	rewrite_totals(&bad, &buf, truth, truth);
	summarise_mem(&s, bad.data, bad.len, 0);
	CU_ASSERT_EQUAL(s.integrity.status, HS_INTEGRITY_COMPLETE);
	CU_ASSERT_EQUAL(s.check, HS_SUMMARY_AGREE);
	hs_summary_release(&s);
	hs_buf_release(&bad);

	/* the end record claims one object more and 1 KiB less */
	memcpy(lie, truth, sizeof(lie));
	lie[0] += 1;
	lie[5] -= 1024;
	rewrite_totals(&bad, &buf, lie, truth);
	summarise_mem(&s, bad.data, bad.len, 0);
	CU_ASSERT_EQUAL(s.check, HS_SUMMARY_DISAGREE);
	CU_ASSERT_EQUAL(s.disagreements, 2);
	CU_ASSERT_EQUAL(s.totals[0].counted, e.objects);
	CU_ASSERT_EQUAL(s.totals[0].end, e.objects + 1);
	CU_ASSERT_EQUAL(s.totals[0].trailer, e.objects);
	CU_ASSERT_EQUAL(s.totals[5].end, e.shallow - 1024);
	CU_ASSERT_STRING_EQUAL(s.totals[5].what, "shallow bytes");
	hs_summary_release(&s);
	hs_buf_release(&bad);

	/* the trailer claims another root */
	memcpy(lie, truth, sizeof(lie));
	lie[4] += 1;
	rewrite_totals(&bad, &buf, truth, lie);
	summarise_mem(&s, bad.data, bad.len, 1);
	CU_ASSERT_EQUAL(s.check, HS_SUMMARY_DISAGREE);
	CU_ASSERT_EQUAL(s.disagreements, 1);
	CU_ASSERT_EQUAL(s.totals[4].trailer, e.roots + 1);
	CU_ASSERT_EQUAL(s.totals[4].end, e.roots);
	hs_summary_release(&s);
	hs_buf_release(&bad);
	hs_buf_release(&buf);
}

/* ---- bad input and bounded tables -------------------------------------- */

static void test_summary_not_snap(void)
{
	hs_summary s;
	char path[512];
	unsigned char junk[4096];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 7 + 3);
	snprintf(path, sizeof(path), "%s/junk.bin", hs_unit_tmpdir());
	write_file(path, junk, sizeof(junk));
	CU_ASSERT_EQUAL(hs_summary_read(&s, path, NULL), HS_ECORRUPT);
	CU_ASSERT_PTR_NOT_NULL(strstr(hs_error_last(), path));
	CU_ASSERT_PTR_NOT_NULL(strstr(hs_error_last(), "byte 0"));
	CU_ASSERT_PTR_NULL(s.path);
	hs_summary_release(&s);

	snprintf(path, sizeof(path), "%s/empty.snap", hs_unit_tmpdir());
	write_file(path, junk, 0);
	CU_ASSERT_EQUAL(hs_summary_read(&s, path, NULL), HS_ECORRUPT);
	hs_summary_release(&s);

	snprintf(path, sizeof(path), "%s/no/such/file.snap", hs_unit_tmpdir());
	CU_ASSERT_EQUAL(hs_summary_read(&s, path, NULL), HS_EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(hs_error_last(), path));
	hs_summary_release(&s);
}

static void test_summary_options(void)
{
	hs_buf buf;
	expect e;
	hs_summary s;
	hs_reader *r = NULL;
	hs_summary_options so = HS_SUMMARY_OPTIONS_INIT;

	write_snap(&buf, HS_REFS_BY_ID, &e);
	CU_ASSERT_FATAL(hs_reader_open_mem(&r, buf.data, buf.len, "x",
					   NULL) == 0);
	so.version = 99;
	CU_ASSERT_EQUAL(hs_summary_scan(&s, r, &so), HS_EINVAL);
	CU_ASSERT_PTR_NULL(s.frames);
	hs_summary_release(&s);
	/* the reader is still usable, and twice gives the same answer */
	CU_ASSERT_EQUAL(hs_summary_scan(&s, r, NULL), 0);
	CU_ASSERT_EQUAL(s.objects, e.objects);
	hs_summary_release(&s);
	CU_ASSERT_EQUAL(hs_summary_scan(&s, r, NULL), 0);
	CU_ASSERT_EQUAL(s.objects, e.objects);
	CU_ASSERT_EQUAL(s.integrity.status, HS_INTEGRITY_COMPLETE);
	hs_summary_release(&s);
	hs_reader_free(r);
	hs_buf_release(&buf);
}

/* More root kinds than the table holds, a kind longer than the limit,
 * kinds with control bytes; and type names past the per-thread cache, so
 * that the largest object's type is found by the second pass. */
static void test_summary_limits(void)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_writer *w = NULL;
	hs_buf buf;
	hs_summary s;
	char name[64], *longname = malloc(HS_STRING_MAX);
	uint32_t t = 0;
	const hs_summary_kind *k;
	const size_t ntypes = 20, extra_kinds = 6;

	CU_ASSERT_FATAL(longname != NULL);
	hs_buf_init(&buf);
	o.frame_size = 1u << 20;
	CU_ASSERT_FATAL(hs_writer_open_sink(&w, hs_buf_sink(&buf), "mem", &o,
					    NULL) == 0);
	/* 20 types of 64 KiB: 1.25 MiB of names, over the 1 MiB cache */
	for (size_t i = 0; i < ntypes; i++) {
		memset(longname, 'a' + (int)i, HS_STRING_MAX);
		CU_ASSERT_FATAL(hs_writer_type(&t, w, longname,
					       HS_STRING_MAX) == 0);
	}
	for (uint64_t i = 0; i < 10; i++) {
		hs_object ob = { 0 };

		ob.id = i + 1;
		ob.type = i == 4 ? t : 0;
		ob.size = i == 4 ? 5000 : 10;
		ob.site = HS_NO_SITE;
		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
	}
	for (size_t i = 0; i < HS_SUMMARY_KINDS_MAX + extra_kinds; i++) {
		snprintf(name, sizeof(name), "kind\x1b[%zu", i);
		CU_ASSERT_FATAL(hs_writer_root(w, 1, name, NULL, 0) == 0);
		if (i == 0)  /* "kind\x1b[0" twice */
			CU_ASSERT_FATAL(hs_writer_root(w, 1, name, "x", 0) == 0);
	}
	memset(longname, 'k', HS_SUMMARY_KIND_LEN_MAX + 1);
	longname[HS_SUMMARY_KIND_LEN_MAX + 1] = '\0';
	CU_ASSERT_FATAL(hs_writer_root(w, 1, longname, NULL, 0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);

	/* one thread: it alone sees every type name, so its cache fills */
	summarise_mem(&s, buf.data, buf.len, 1);
	CU_ASSERT_EQUAL(s.roots, HS_SUMMARY_KINDS_MAX + extra_kinds + 2);
	CU_ASSERT_EQUAL(s.nkinds, HS_SUMMARY_KINDS_MAX);
	CU_ASSERT_EQUAL(s.roots_other, extra_kinds + 1);
	k = kind(&s, "kind\x1b[0");
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(k->count, 2);
	CU_ASSERT_PTR_EQUAL(k, &s.kinds[0]);  /* the most numerous first */
	CU_ASSERT_PTR_NOT_NULL(kind(&s, "kind\x1b[1"));

	CU_ASSERT_EQUAL(s.types, ntypes);
	CU_ASSERT_EQUAL(s.largest_index, 4);
	CU_ASSERT_EQUAL(s.largest_type, ntypes - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.largest_type_name);
	CU_ASSERT_EQUAL(s.largest_type_len, HS_STRING_MAX);
	CU_ASSERT_EQUAL(s.largest_type_name[0], 'a' + (int)ntypes - 1);
	CU_ASSERT_EQUAL(s.largest_type_name[HS_STRING_MAX - 1],
			'a' + (int)ntypes - 1);
	CU_ASSERT_EQUAL(s.integrity.status, HS_INTEGRITY_COMPLETE);
	CU_ASSERT_EQUAL(s.check, HS_SUMMARY_AGREE);
	hs_summary_release(&s);
	hs_buf_release(&buf);
	free(longname);
}

HS_SUITE(summary,
	 HS_TEST(test_summary_counts),
	 HS_TEST(test_summary_index_mode),
	 HS_TEST(test_summary_truncated),
	 HS_TEST(test_summary_salvaged),
	 HS_TEST(test_summary_disagree),
	 HS_TEST(test_summary_not_snap),
	 HS_TEST(test_summary_options),
	 HS_TEST(test_summary_limits))
