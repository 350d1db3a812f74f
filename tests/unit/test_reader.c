/*
 * test_reader.c - hs_reader on good, truncated, byte-flipped and crafted
 * files: exact round trips of random graphs in both ref modes, parallel
 * scans, every truncation offset, every byte flipped, unknown tags and
 * fields, newer versions, other formats, lying trailers, decompression
 * bombs, damaged middle frames, and the committed samples/bad/ files.
 * Load: a ~20 KiB file opened about 60,000 times (every truncation and
 * flip), a few seconds under ASan; bombs of 8 MiB zeros.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <msgpack.h>
#include <zstd.h>

#include "format.h"
#include "hs_reader.h"
#include "testutil.h"
#include "unit.h"

/* ---- round trips -------------------------------------------------------- */

static void check_roundtrip(hs_ref_mode mode, size_t frame_size,
			    uint64_t seed, size_t nobjects, size_t big_every)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	tu_snap s;
	hs_reader *r;
	tu_strv got = TU_STRV_INIT;
	hs_integrity in;
	const hs_snapinfo *info;

	o.ref_mode = mode;
	o.frame_size = frame_size;
	o.max_preview = 3 + seed % 40;
	CU_ASSERT_EQUAL_FATAL(tu_snap_open(&s, &o), 0);
	tu_random_graph(&s, seed, nobjects, big_every);
	CU_ASSERT_EQUAL_FATAL(tu_snap_close(&s), 0);
	CU_ASSERT_EQUAL_FATAL(hs_reader_open_mem(&r, s.buf.data, s.buf.len,
						 "rt.snap", NULL), 0);
	info = hs_reader_info(r);
	CU_ASSERT_EQUAL(info->version, HS_FORMAT_VERSION);
	CU_ASSERT_EQUAL(info->ref_mode, mode);
	CU_ASSERT_STRING_EQUAL(info->header.runtime, TU_RUNTIME);
	CU_ASSERT_STRING_EQUAL(info->header.runtime_version,
			       TU_RUNTIME_VERSION);
	CU_ASSERT_STRING_EQUAL(info->header.reason, TU_REASON);
	CU_ASSERT_EQUAL(info->header.pid, TU_PID);
	CU_ASSERT_EQUAL(info->header.time_ms, TU_TIME_MS);
	CU_ASSERT_EQUAL(info->header.word_size, 8);
	CU_ASSERT_EQUAL(hs_reader_file_size(r), s.buf.len);
	CU_ASSERT_STRING_EQUAL(hs_reader_name(r), "rt.snap");
	CU_ASSERT_EQUAL(tu_read_all(r, &got, NULL), HS_ITEROVER);
	CU_ASSERT(tu_strv_eq(&got, &s.expect, "round trip"));
	/* after the end: still over */
	{
		hs_record rec;

		CU_ASSERT_EQUAL(hs_reader_next(&rec, r), HS_ITEROVER);
	}
	hs_reader_integrity(&in, r);
	CU_ASSERT_EQUAL(in.status, HS_INTEGRITY_COMPLETE);
	CU_ASSERT_EQUAL(in.objects_lost, 0);
	CU_ASSERT_EQUAL(in.frames_lost, 0);
	CU_ASSERT_EQUAL(in.bytes_lost, 0);
	CU_ASSERT(in.has_trailer && in.has_end);
	CU_ASSERT_STRING_EQUAL(in.problem, "");
	{
		const hs_frame_info *f;
		size_t n = hs_reader_frames(&f, r);

		CU_ASSERT_EQUAL(in.frames_ok, n);
		CU_ASSERT(n >= 1);
	}
	/* a second pass after rewind gives the same */
	hs_reader_rewind(r);
	tu_strv_free(&got);
	CU_ASSERT_EQUAL(tu_read_all(r, &got, NULL), HS_ITEROVER);
	CU_ASSERT(tu_strv_eq(&got, &s.expect, "after rewind"));
	hs_reader_free(r);
	tu_strv_free(&got);
	tu_snap_free(&s);
}

static void test_roundtrip_random_graphs(void)
{
	for (uint64_t seed = 1; seed <= 6; seed++) {
		check_roundtrip(HS_REFS_BY_ID, 4096, seed, 1500, 0);
		check_roundtrip(HS_REFS_BY_INDEX, 4096, seed + 100, 1500, 0);
	}
	check_roundtrip(HS_REFS_BY_ID, 1u << 20, 7, 20000, 3000);
	check_roundtrip(HS_REFS_BY_INDEX, 1u << 20, 8, 20000, 3000);
	check_roundtrip(HS_REFS_BY_INDEX, 4096, 9, 5000, 1700);
	/* an empty graph: header and end only */
	check_roundtrip(HS_REFS_BY_ID, 4096, 10, 0, 0);
}

/* ---- scan ---------------------------------------------------------------- */

typedef struct {
	pthread_mutex_t mu;
	tu_strv got;
	unsigned max_worker;
	int stop_after;   /* > 0: return 42 after this many records */
	int seen;
} scan_state;

static int scan_cb(const hs_record *rec, unsigned worker, void *payload)
{
	scan_state *st = payload;
	char *t = tu_record_text(rec);
	int rc = 0;

	pthread_mutex_lock(&st->mu);
	tu_strv_take(&st->got, t);
	if (worker > st->max_worker)
		st->max_worker = worker;
	st->seen++;
	if (st->stop_after && st->seen >= st->stop_after)
		rc = 42;
	pthread_mutex_unlock(&st->mu);
	return rc;
}

static void test_scan_threads_same_multiset(void)
{
	for (int mode = 0; mode < 2; mode++) {
		hs_buf file;
		tu_strv expect;
		hs_reader *r;

		tu_small_snap(&file, &expect, 3000, (hs_ref_mode)mode, 40);
		tu_strv_sort(&expect);
		CU_ASSERT_EQUAL_FATAL(hs_reader_open_mem(&r, file.data,
					file.len, "scan.snap", NULL), 0);
		for (unsigned threads = 1; threads <= 4; threads *= 2) {
			scan_state st = { PTHREAD_MUTEX_INITIALIZER,
					  TU_STRV_INIT, 0, 0, 0 };
			hs_integrity in;

			CU_ASSERT_EQUAL(hs_reader_scan(r, threads, scan_cb,
						       &st), 0);
			tu_strv_sort(&st.got);
			CU_ASSERT(tu_strv_eq(&st.got, &expect, "scan"));
			CU_ASSERT(st.max_worker < threads);
			hs_reader_integrity(&in, r);
			CU_ASSERT_EQUAL(in.status, HS_INTEGRITY_COMPLETE);
			CU_ASSERT_EQUAL(in.objects_lost, 0);
			tu_strv_free(&st.got);
		}
		/* a callback's non-zero return stops the scan */
		{
			scan_state st = { PTHREAD_MUTEX_INITIALIZER,
					  TU_STRV_INIT, 0, 10, 0 };

			CU_ASSERT_EQUAL(hs_reader_scan(r, 2, scan_cb, &st), 42);
			CU_ASSERT(st.got.n >= 10 && st.got.n < expect.n);
			tu_strv_free(&st.got);
		}
		hs_reader_free(r);
		tu_strv_free(&expect);
		hs_buf_release(&file);
	}
}

/* ---- truncation ------------------------------------------------------------ */

/* A delivered record named by where it sits: frames are checksummed, so
 * (frame offset, offset in the frame, kind, index, id) is the record;
 * comparing keys keeps the 40,000 passes below cheap.  Full texts are
 * compared on the original and at every frame boundary. */
typedef struct {
	uint64_t frame_offset, offset, index, id;
	int kind;
} rec_key;

typedef struct {
	rec_key *v;
	size_t n, cap;
} keyv;

static void key_of(rec_key *k, const hs_record *rec)
{
	memset(k, 0, sizeof(*k));
	k->frame_offset = rec->frame_offset;
	k->offset = rec->offset;
	k->kind = (int)rec->kind;
	if (rec->kind == HS_REC_OBJECT) {
		k->index = rec->u.object.index;
		k->id = rec->u.object.obj.id;
	}
}

static int read_keys(hs_reader *r, keyv *out)
{
	hs_record rec;
	int rc;

	out->n = 0;
	while ((rc = hs_reader_next(&rec, r)) == 0) {
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 1024;
			out->v = realloc(out->v, out->cap * sizeof(rec_key));
		}
		key_of(&out->v[out->n++], &rec);
	}
	return rc;
}

static int key_eq(const rec_key *a, const rec_key *b)
{
	return a->frame_offset == b->frame_offset && a->offset == b->offset &&
	       a->index == b->index && a->id == b->id && a->kind == b->kind;
}

/* a is a subsequence of b */
static int keys_subseq(const keyv *a, const keyv *b)
{
	size_t j = 0;

	for (size_t i = 0; i < a->n; i++) {
		while (j < b->n && !key_eq(&a->v[i], &b->v[j]))
			j++;
		if (j++ >= b->n)
			return 0;
	}
	return 1;
}

static size_t keys_objects(const keyv *k)
{
	size_t n = 0;

	for (size_t i = 0; i < k->n; i++)
		n += k->v[i].kind == HS_REC_OBJECT;
	return n;
}

/* the original file's records, with their frames */
typedef struct {
	hs_buf file;
	tu_strv recs;
	uint64_t *rec_frame;     /* frame offset per record */
	keyv keys;
	hs_frame_info *frames;
	size_t nframes;
	uint64_t trailer_start;
} orig_t;

static void orig_make(orig_t *o, size_t nobjects, hs_ref_mode mode,
		      uint64_t seed)
{
	tu_strv expect;
	hs_reader *r;
	const hs_frame_info *f;

	memset(o, 0, sizeof(*o));
	tu_small_snap(&o->file, &expect, nobjects, mode, seed);
	CU_ASSERT_EQUAL_FATAL(hs_reader_open_mem(&r, o->file.data,
				o->file.len, "orig.snap", NULL), 0);
	CU_ASSERT_EQUAL(tu_read_all(r, &o->recs, &o->rec_frame), HS_ITEROVER);
	CU_ASSERT(tu_strv_eq(&o->recs, &expect, "original"));
	hs_reader_rewind(r);
	CU_ASSERT_EQUAL(read_keys(r, &o->keys), HS_ITEROVER);
	CU_ASSERT_EQUAL(o->keys.n, o->recs.n);
	o->nframes = hs_reader_frames(&f, r);
	o->frames = malloc(o->nframes * sizeof(*f));
	memcpy(o->frames, f, o->nframes * sizeof(*f));
	o->trailer_start = f[o->nframes - 1].offset + f[o->nframes - 1].csize;
	hs_reader_free(r);
	tu_strv_free(&expect);
}

static void orig_free(orig_t *o)
{
	hs_buf_release(&o->file);
	tu_strv_free(&o->recs);
	free(o->rec_frame);
	free(o->keys.v);
	free(o->frames);
}

static size_t orig_complete_frames(const orig_t *o, uint64_t x)
{
	size_t n = 0;

	for (size_t i = 0; i < o->nframes; i++)
		if (o->frames[i].offset + o->frames[i].csize <= x)
			n++;
	return n;
}

/* the records of the first `complete` frames, as texts */
static void orig_prefix(const orig_t *o, size_t complete, tu_strv *out)
{
	for (size_t i = 0; i < o->recs.n; i++)
		if (complete == o->nframes ||
		    o->rec_frame[i] < o->frames[complete].offset)
			tu_strv_push(out, "%s", o->recs.v[i]);
}

/* how many of the original's keys come from the first `complete` frames */
static size_t orig_prefix_keys(const orig_t *o, size_t complete)
{
	size_t n = 0;

	while (n < o->keys.n && (complete == o->nframes ||
				 o->keys.v[n].frame_offset <
				 o->frames[complete].offset))
		n++;
	return n;
}

static void test_truncation_every_offset(void)
{
	orig_t o;
	size_t failures = 0, opened = 0, refused = 0, last_complete = 0;
	keyv got = { 0 };

	orig_make(&o, 500, HS_REFS_BY_INDEX, 77);
	CU_ASSERT_FATAL(o.nframes >= 5);
	for (size_t x = 0; x <= o.file.len; x++) {
		unsigned char *copy = malloc(x ? x : 1);
		hs_reader *r;
		size_t complete = orig_complete_frames(&o, x);
		int rc, bad = 0;

		memcpy(copy, o.file.data, x);
		hs_error_clear();
		rc = hs_reader_open_mem(&r, copy, x, "cut.snap", NULL);
		if (complete == 0) {
			/* no complete first frame: no header */
			refused++;
			bad |= rc != HS_ECORRUPT;
			bad |= !tu_contains(hs_error_last(), "cut.snap: byte ");
		} else if (rc != 0) {
			bad = 1;
		} else {
			size_t want = orig_prefix_keys(&o, complete);
			hs_integrity in;

			opened++;
			bad |= read_keys(r, &got) != HS_ITEROVER;
			bad |= got.n != want;
			for (size_t i = 0; !bad && i < want; i++)
				bad |= !key_eq(&got.v[i], &o.keys.v[i]);
			if (complete != last_complete) {
				/* at each new frame: the full texts */
				tu_strv t = TU_STRV_INIT, w = TU_STRV_INIT;

				hs_reader_rewind(r);
				bad |= tu_read_all(r, &t, NULL) != HS_ITEROVER;
				orig_prefix(&o, complete, &w);
				bad |= !tu_strv_eq(&t, &w, "truncated");
				tu_strv_free(&t);
				tu_strv_free(&w);
				last_complete = complete;
			}
			hs_reader_integrity(&in, r);
			bad |= in.frames_ok != complete;
			if (x == o.file.len) {
				bad |= in.status != HS_INTEGRITY_COMPLETE;
				bad |= in.objects_lost != 0;
			} else if (complete == o.nframes) {
				/* cut in or before the trailer: every record,
				 * the end record too, but no trailer (FORMAT.md
				 * 8: not "truncated", which has no end record) */
				bad |= in.status != HS_INTEGRITY_SALVAGED;
				bad |= in.objects_lost != 0;
				bad |= in.has_trailer || !in.has_end;
				bad |= !tu_contains(in.problem, "cut.snap: byte ");
			} else {
				bad |= in.status != HS_INTEGRITY_TRUNCATED;
				/* unknown without the end record or trailer
				 * (FORMAT.md 8) */
				bad |= in.objects_lost != -1;
				bad |= in.has_trailer || in.has_end;
				bad |= !tu_contains(in.problem, "cut.snap: byte ");
			}
			if (bad && failures < 5)
				fprintf(stderr, "\ncut at %zu of %zu (%zu/%zu "
					"frames): status %s, lost %lld, ok %llu,"
					" problem '%s'\n", x, o.file.len,
					complete, o.nframes,
					hs_integrity_status_name(in.status),
					(long long)in.objects_lost,
					(unsigned long long)in.frames_ok,
					in.problem);
			hs_reader_free(r);
		}
		if (bad && failures++ < 5)
			fprintf(stderr, "\ncut at %zu: open %d '%s'\n", x, rc,
				hs_error_last());
		free(copy);
	}
	CU_ASSERT_EQUAL(failures, 0);
	CU_ASSERT(opened > 0 && refused > 0);
	free(got.v);
	orig_free(&o);
}

/* ---- byte flips -------------------------------------------------------------- */

/* The flipped data frame holding byte p decodes to the original frame's
 * bytes (or p is the unused bit of the frame header descriptor). */
static int same_content(const orig_t *o, const unsigned char *copy, size_t p,
			unsigned char mask)
{
	for (size_t i = 0; i < o->nframes; i++) {
		const hs_frame_info *f = &o->frames[i];
		unsigned char *a, *b;
		size_t na, nb;
		int same;

		if (p < f->offset || p >= f->offset + f->csize)
			continue;
		if (p == f->offset + 4 && mask == 0x10)
			return 1;
		a = malloc(f->dsize + 1);
		b = malloc(f->dsize + 1);
		na = ZSTD_decompress(a, f->dsize + 1, o->file.data + f->offset,
				     f->csize);
		nb = ZSTD_decompress(b, f->dsize + 1, copy + f->offset,
				     f->csize);
		same = !ZSTD_isError(na) && !ZSTD_isError(nb) && na == nb &&
		       na == f->dsize && memcmp(a, b, na) == 0;
		free(a);
		free(b);
		return same;
	}
	return 0;  /* outside every data frame: never harmless */
}

static void test_byte_flips(void)
{
	orig_t o;
	size_t failures = 0, undetected = 0, refused = 0, lost = 0;
	size_t orig_objects, harmless = 0;
	unsigned char *copy;
	keyv got = { 0 };

	orig_make(&o, 300, HS_REFS_BY_ID, 78);
	CU_ASSERT_FATAL(o.nframes >= 3);
	orig_objects = keys_objects(&o.keys);
	copy = malloc(o.file.len);
	memcpy(copy, o.file.data, o.file.len);
	for (size_t p = 0; p < o.file.len; p++) {
		/* a one-bit flip at every byte, all bits over the file;
		 * and every 7th byte inverted */
		for (int pass = 0; pass < 1 + (p % 7 == 0); pass++) {
			unsigned char mask = pass ? 0xff
					   : (unsigned char)(1u << (p % 8));
			hs_reader *r;
			int rc, bad = 0;

			copy[p] ^= mask;
			hs_error_clear();
			rc = hs_reader_open_mem(&r, copy, o.file.len,
						"flip.snap", NULL);
			if (rc != 0) {
				refused++;
				bad |= rc != HS_ECORRUPT && rc != HS_EVERSION;
				bad |= !tu_contains(hs_error_last(),
						    "flip.snap: byte ");
			} else {
				hs_integrity in;

				bad |= read_keys(r, &got) != HS_ITEROVER;
				/* whatever comes out was in the original, in
				 * order: checksums stop damaged frames */
				bad |= !keys_subseq(&got, &o.keys);
				hs_reader_integrity(&in, r);
				if (in.status == HS_INTEGRITY_COMPLETE) {
					/* only a flip that changes nothing
					 * read may go unnoticed */
					undetected++;
					bad |= got.n != o.keys.n;
					if (same_content(&o, copy, p, mask))
						harmless++;
				} else {
					bad |= in.problem[0] == '\0';
					if (got.n < o.keys.n)
						lost++;
					/* exact loss when the end is known */
					if (in.has_end || in.has_trailer)
						bad |= in.objects_lost !=
						       (int64_t)(orig_objects -
							keys_objects(&got));
				}
				if (bad && failures < 5)
					fprintf(stderr, "\nflip %#x at %zu: %s,"
						" %zu of %zu records, lost %lld"
						", '%s'\n", mask, p,
						hs_integrity_status_name(
							in.status), got.n,
						o.keys.n,
						(long long)in.objects_lost,
						in.problem);
				hs_reader_free(r);
			}
			if (bad && failures++ < 5)
				fprintf(stderr, "\nflip %#x at %zu: open %d "
					"'%s'\n", mask, p, rc, hs_error_last());
			copy[p] ^= mask;
		}
	}
	fprintf(stderr, "\n    %zu bytes flipped: %zu refused at open, %zu "
		"lost records, %zu undetected, all harmless: %zu ", o.file.len,
		refused, lost, undetected, harmless);
	CU_ASSERT_EQUAL(failures, 0);
	/* Every byte of a .snap is covered by a check: the start frame by its
	 * fixed content, the trailer by its FNV-1a and footer, data frames by
	 * zstd's header checks and content checksum.  What can change
	 * unnoticed is what changes nothing: the zstd frame header's unused
	 * bit (0x10 of its descriptor byte), and compressed bits that decode
	 * to the same bytes (a match offset that points at an identical run,
	 * a literal length traded for a match of the same bytes...). */
	CU_ASSERT_EQUAL(harmless, undetected);
	CU_ASSERT(undetected < o.file.len / 100);
	free(copy);
	free(got.v);
	orig_free(&o);
}

HS_SUITE(reader,
	 HS_TEST(test_roundtrip_random_graphs),
	 HS_TEST(test_scan_threads_same_multiset),
	 HS_TEST(test_truncation_every_offset),
	 HS_TEST(test_byte_flips))
