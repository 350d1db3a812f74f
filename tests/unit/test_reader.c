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
#include "hs_summary.h"
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
	/* frames past WHOLE_FRAME_MAX (2 MiB): read piece by piece, records
	 * (big ones too) across the pieces' edges */
	check_roundtrip(HS_REFS_BY_INDEX, 8u << 20, 11, 150000, 700);
}

/* The size of the zstd data frame at b->data[off]; 0 when none starts
 * there (the trailer's skippable frame, or the end). */
static size_t data_frame_at(const hs_buf *b, size_t off)
{
	const unsigned char *p = b->data + off;
	size_t cs;

	if (off + 4 > b->len ||
	    (p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24) !=
	    0xFD2FB528u)
		return 0;
	cs = ZSTD_findFrameCompressedSize(p, b->len - off);
	CU_ASSERT_FATAL(!ZSTD_isError(cs));
	return cs;
}

/* Frames that declare no size (as a streaming compressor makes them) are
 * read piece by piece: the same records as the file they were made from,
 * big records across the pieces' edges included. */
static void test_frames_without_size(void)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_buf file = HS_BUF_INIT;
	tu_strv got = TU_STRV_INIT;
	hs_reader *r = NULL;
	tu_snap s;
	size_t off = 16, cs;

	o.ref_mode = HS_REFS_BY_INDEX;
	o.frame_size = 6u << 20;
	CU_ASSERT_EQUAL_FATAL(tu_snap_open(&s, &o), 0);
	tu_random_graph(&s, 12, 120000, 500);
	CU_ASSERT_EQUAL_FATAL(tu_snap_close(&s), 0);
	hs_buf_append(&file, s.buf.data, off);
	/* every data frame again, without its size; the trailer dropped */
	while ((cs = data_frame_at(&s.buf, off)) != 0) {
		unsigned long long ds = ZSTD_getFrameContentSize(s.buf.data +
								 off, cs);
		unsigned char *raw;

		CU_ASSERT_FATAL(ds < (64u << 20));
		raw = malloc(ds ? ds : 1);
		CU_ASSERT_FATAL(raw != NULL);
		CU_ASSERT_EQUAL_FATAL(ZSTD_decompress(raw, ds, s.buf.data + off,
						      cs), ds);
		tu_craft_raw_frame(&file, raw, ds, 0);
		free(raw);
		off += cs;
	}
	CU_ASSERT_EQUAL_FATAL(hs_reader_open_mem(&r, file.data, file.len,
						 "nosize.snap", NULL), 0);
	CU_ASSERT_EQUAL(tu_read_all(r, &got, NULL), HS_ITEROVER);
	CU_ASSERT(tu_strv_eq(&got, &s.expect, "frames without their size"));
	hs_reader_free(r);
	tu_strv_free(&got);
	hs_buf_release(&file);
	tu_snap_free(&s);
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
		tu_grow((void **)&out->v, &out->cap, out->n + 1,
			sizeof(rec_key));
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
			/* the first loss: where the first incomplete frame
			 * (or the trailer) starts */
			if (x < o.file.len)
				bad |= in.first_loss != (complete < o.nframes
					? o.frames[complete].offset
					: o.trailer_start);
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

/* ---- crafted files --------------------------------------------------------- */

static void pk_cstr(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/* a frame with a record of every kind, each with unknown trailing fields,
 * and records of unknown kinds between them */
static void craft_future_frame(tu_frame *f)
{
	msgpack_packer *pk = &f->pk;

	/* frame record + a map */
	msgpack_pack_array(pk, 4);
	msgpack_pack_uint8(pk, HS_REC_FRAME);
	msgpack_pack_uint8(pk, 0);
	msgpack_pack_uint8(pk, 0);
	msgpack_pack_map(pk, 1);
	pk_cstr(pk, "x");
	msgpack_pack_array(pk, 2);
	msgpack_pack_uint8(pk, 1);
	msgpack_pack_uint8(pk, 2);
	tu_frame_header(f, 1, HS_REFS_BY_ID, 3);
	/* unknown kinds: nested values, ext, nothing at all */
	msgpack_pack_array(pk, 4);
	msgpack_pack_uint8(pk, 42);
	msgpack_pack_map(pk, 1);
	pk_cstr(pk, "a");
	msgpack_pack_ext(pk, 3, 7);
	msgpack_pack_ext_body(pk, "abc", 3);
	msgpack_pack_array(pk, 1);
	msgpack_pack_array(pk, 1);
	msgpack_pack_int8(pk, -5);
	pk_cstr(pk, "s");
	msgpack_pack_array(pk, 1);
	msgpack_pack_uint8(pk, 127);
	msgpack_pack_array(pk, 2);
	msgpack_pack_uint16(pk, 300);
	msgpack_pack_nil(pk);
	/* a tag that would truncate to 5 (object) in 32 bits */
	msgpack_pack_array(pk, 3);
	msgpack_pack_uint64(pk, 0x100000005ull);
	msgpack_pack_uint8(pk, 1);
	msgpack_pack_uint8(pk, 2);
	/* tag 0, reserved */
	msgpack_pack_array(pk, 1);
	msgpack_pack_uint8(pk, 0);
	/* type (with its object's id and flags), string with extras */
	msgpack_pack_array(pk, 7);
	msgpack_pack_uint8(pk, HS_REC_TYPE);
	msgpack_pack_uint8(pk, 0);
	pk_cstr(pk, "T");
	msgpack_pack_uint16(pk, 777);
	msgpack_pack_uint8(pk, 0x81);  /* an unknown flag bit is kept */
	msgpack_pack_double(pk, 1.5);
	msgpack_pack_bin(pk, 2);
	msgpack_pack_bin_body(pk, "\0\1", 2);
	msgpack_pack_array(pk, 4);
	msgpack_pack_uint8(pk, HS_REC_STRING);
	msgpack_pack_uint8(pk, 0);
	pk_cstr(pk, "lbl");
	msgpack_pack_nil(pk);
	/* site + extra */
	msgpack_pack_array(pk, 4);
	msgpack_pack_uint8(pk, HS_REC_SITE);
	msgpack_pack_uint8(pk, 0);
	msgpack_pack_array(pk, 3);
	msgpack_pack_uint8(pk, 0);
	msgpack_pack_uint8(pk, 1);
	msgpack_pack_uint8(pk, 0);
	pk_cstr(pk, "x");
	/* object with all 9 fields and two more */
	msgpack_pack_array(pk, 12);
	msgpack_pack_uint8(pk, HS_REC_OBJECT);
	msgpack_pack_uint32(pk, 0x1000);      /* id delta from 0 */
	msgpack_pack_uint8(pk, 0);
	msgpack_pack_uint8(pk, 16);
	msgpack_pack_array(pk, 1);
	msgpack_pack_uint32(pk, 0x2000);
	msgpack_pack_array(pk, 1);
	msgpack_pack_uint8(pk, 0);
	msgpack_pack_array(pk, 1);
	msgpack_pack_uint8(pk, 1);
	pk_cstr(pk, "pv");
	msgpack_pack_uint8(pk, 0);
	msgpack_pack_uint8(pk, 12);           /* the runtime's size */
	pk_cstr(pk, "future");
	msgpack_pack_map(pk, 0);
	f->objects++;
	/* refs, root, end with extras */
	msgpack_pack_array(pk, 6);
	msgpack_pack_uint8(pk, HS_REC_REFS);
	msgpack_pack_uint32(pk, 0x1000);
	msgpack_pack_array(pk, 1);
	msgpack_pack_uint8(pk, 5);
	msgpack_pack_nil(pk);
	msgpack_pack_nil(pk);
	pk_cstr(pk, "more");
	msgpack_pack_array(pk, 6);
	msgpack_pack_uint8(pk, HS_REC_ROOT);
	msgpack_pack_uint32(pk, 0x1000);
	pk_cstr(pk, "global");
	msgpack_pack_nil(pk);
	msgpack_pack_uint8(pk, 3);
	msgpack_pack_true(pk);
	msgpack_pack_array(pk, 8);
	msgpack_pack_uint8(pk, HS_REC_END);
	msgpack_pack_uint8(pk, 1);
	msgpack_pack_uint8(pk, 2);
	msgpack_pack_uint8(pk, 1);
	msgpack_pack_uint8(pk, 1);
	msgpack_pack_uint8(pk, 1);
	msgpack_pack_uint8(pk, 16);
	msgpack_pack_array(pk, 0);
	/* the frame record, 5 unknown records and 7 known ones (the header
	 * counted itself) */
	f->records += 13;
}

static const char *const future_expect[] = {
	("H v=1 rt='unit' rv='1.2.3' pid=4242 t=1700000000123 why='test' "
	 "w=8 m=0"),
	"T i=0 'T' id=777 fl=0x81",
	"S i=0 'lbl'",
	"I i=0 [0:1:0]",
	"O x=0 id=4096 t=0 sz=16 r=[8192] l=[0] f=[1] p=s:'pv' s=0 rz=12",
	"R o=4096 r=[5]",
	"G r=4096 k='global' l=nil e=3",
	"E o=1 r=2 t=1 s=1 g=1 sh=16",
};

static void test_unknown_tags_and_fields_skipped(void)
{
	for (int trailer = 0; trailer < 2; trailer++) {
		hs_buf file = HS_BUF_INIT;
		tu_frame f;
		hs_frame_info fi;
		hs_reader *r;
		tu_strv got = TU_STRV_INIT, want = TU_STRV_INIT;
		hs_integrity in;
		const uint64_t totals[6] = { 1, 2, 1, 1, 1, 16 };

		tu_craft_start(&file, 1);
		tu_frame_init(&f);
		craft_future_frame(&f);
		tu_craft_frame(&file, &f, 1, &fi);
		if (trailer)
			tu_craft_trailer(&file, &fi, 1, totals);
		for (size_t i = 0; i < 8; i++)
			tu_strv_push(&want, "%s", future_expect[i]);
		CU_ASSERT_EQUAL_FATAL(hs_reader_open_mem(&r, file.data,
					file.len, "future.snap", NULL), 0);
		CU_ASSERT_EQUAL(tu_read_all(r, &got, NULL), HS_ITEROVER);
		CU_ASSERT(tu_strv_eq(&got, &want, "future records"));
		hs_reader_integrity(&in, r);
		CU_ASSERT_EQUAL(in.status, trailer ? HS_INTEGRITY_COMPLETE
						   : HS_INTEGRITY_SALVAGED);
		CU_ASSERT_EQUAL(in.objects_lost, 0);
		if (trailer)
			CU_ASSERT_STRING_EQUAL(in.problem, "");
		/* the scan skips them too */
		{
			scan_state st = { PTHREAD_MUTEX_INITIALIZER,
					  TU_STRV_INIT, 0, 0, 0 };

			CU_ASSERT_EQUAL(hs_reader_scan(r, 2, scan_cb, &st), 0);
			CU_ASSERT(tu_strv_eq(&st.got, &want, "future scan"));
			tu_strv_free(&st.got);
		}
		hs_reader_free(r);
		tu_strv_free(&got);
		tu_strv_free(&want);
		tu_frame_destroy(&f);
		hs_buf_release(&file);
	}
}

/* a one-frame file: frame record, a header of `version`, the end */
static void craft_minimal(hs_buf *file, unsigned start_version,
			  unsigned header_version)
{
	tu_frame f;

	hs_buf_init(file);
	tu_craft_start(file, start_version);
	tu_frame_init(&f);
	tu_frame_start(&f, 0, 0);
	tu_frame_header(&f, header_version, HS_REFS_BY_ID, 0);
	msgpack_pack_array(&f.pk, 7);
	msgpack_pack_uint8(&f.pk, HS_REC_END);
	for (int i = 0; i < 6; i++)
		msgpack_pack_uint8(&f.pk, 0);
	tu_craft_frame(file, &f, 1, NULL);
	tu_frame_destroy(&f);
}

static void test_newer_version(void)
{
	static const struct {
		unsigned start, header;
		int rc;
		const char *msg;
	} cases[] = {
		{ 1, 1, 0, "" },
		{ 2, 1, HS_EVERSION, "v.snap: byte 14: format version 2" },
		{ 0x100, 1, HS_EVERSION, "v.snap: byte 14: format version 256" },
		{ 1, 2, HS_EVERSION, "v.snap: byte 16: " },
		{ 0, 1, HS_ECORRUPT, "v.snap: byte 14: format version 0" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hs_buf file;
		hs_reader *r = NULL;
		int rc;

		craft_minimal(&file, cases[i].start, cases[i].header);
		hs_error_clear();
		rc = hs_reader_open_mem(&r, file.data, file.len, "v.snap",
					NULL);
		CU_ASSERT_EQUAL(rc, cases[i].rc);
		CU_ASSERT(tu_contains(hs_error_last(), cases[i].msg));
		if (rc != cases[i].rc || !tu_contains(hs_error_last(),
						       cases[i].msg))
			fprintf(stderr, "\nversion %u/%u: %d '%s'\n",
				cases[i].start, cases[i].header, rc,
				hs_error_last());
		if (rc == 0) {
			CU_ASSERT_EQUAL(hs_reader_info(r)->version, 1);
			hs_reader_free(r);
		} else {
			CU_ASSERT_PTR_NULL(r);
		}
		hs_buf_release(&file);
	}
}

static void check_not_snap(const void *data, size_t len, const char *what)
{
	hs_reader *r = NULL;
	int rc;

	hs_error_clear();
	rc = hs_reader_open_mem(&r, data, len, "other.snap", NULL);
	CU_ASSERT_EQUAL(rc, HS_ECORRUPT);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT(tu_contains(hs_error_last(), "other.snap: byte 0"));
	if (rc != HS_ECORRUPT || !tu_contains(hs_error_last(),
					      "other.snap: byte 0"))
		fprintf(stderr, "\n%s: %d '%s'\n", what, rc, hs_error_last());
	hs_reader_free(r);
}

static void test_other_formats(void)
{
	static const unsigned char png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
		'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
		0x1f, 0x15, 0xc4, 0x89
	};
	char text[2000];
	unsigned char z[4000], rnd[4096];
	size_t zn;
	uint64_t rs = 99;

	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = "hello world\n"[i % 12];
	zn = ZSTD_compress(z, sizeof(z), text, sizeof(text), 3);
	CU_ASSERT_FATAL(!ZSTD_isError(zn));
	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (unsigned char)tu_rand(&rs);
	check_not_snap("", 0, "empty");
	check_not_snap(text, sizeof(text), "text");
	check_not_snap(z, zn, "zstd of text");
	check_not_snap(png, sizeof(png), "png");
	check_not_snap(rnd, sizeof(rnd), "random");
	check_not_snap("\x50\x2a\x4d\x18\x08\x00\x00\x00HSNAP", 13,
		       "a start frame cut short");
	/* a start frame followed by text: no data frame at byte 16 */
	{
		hs_buf file = HS_BUF_INIT;
		hs_reader *r = NULL;

		tu_craft_start(&file, 1);
		hs_buf_append(&file, text, 100);
		hs_error_clear();
		CU_ASSERT_EQUAL(hs_reader_open_mem(&r, file.data, file.len,
						   "t.snap", NULL), HS_ECORRUPT);
		CU_ASSERT(tu_contains(hs_error_last(), "t.snap: byte 16"));
		hs_buf_release(&file);
	}
	/* files: missing, a directory, empty */
	{
		hs_reader *r = NULL;
		const char *empty = tu_path("empty.snap");

		CU_ASSERT_EQUAL(hs_reader_open(&r, tu_path("nope.snap"), NULL),
				HS_EIO);
		CU_ASSERT(tu_contains(hs_error_last(), "nope.snap"));
		CU_ASSERT_EQUAL(hs_reader_open(&r, hs_unit_tmpdir(), NULL),
				HS_EIO);
		tu_write_file(empty, "", 0);
		CU_ASSERT_EQUAL(hs_reader_open(&r, empty, NULL), HS_ECORRUPT);
		CU_ASSERT(tu_contains(hs_error_last(), "empty.snap: byte 0"));
		CU_ASSERT_PTR_NULL(r);
	}
}

/* ---- lying trailers ---------------------------------------------------------- */

typedef enum {
	LIE_NONE, LIE_OBJECTS, LIE_RECORDS, LIE_FIRST, LIE_DSIZE, LIE_TOTALS,
	LIE_OMIT, LIE_SHIFT, LIE_OVERLAP, LIE_OUTSIDE, LIE_ZERO_FRAMES,
	LIE_CSIZE_HUGE, LIE_SWAP, LIE_SPLIT0, LIE_SPLIT, LIE_MERGE, LIE_TWICE,
	LIE_COUNT
} lie_kind;

static const char *const lie_names[] = {
	"none", "objects", "records", "first_object", "dsize", "totals",
	"a frame left out", "an offset inside a frame", "overlap",
	"outside the file", "no frames", "huge csize", "frames swapped",
	"frame 0 split in two", "a frame split in two", "two frames as one",
	"a frame listed twice"
};

static void test_lying_trailer(void)
{
	orig_t o;
	keyv got = { 0 };
	size_t orig_objects;

	orig_make(&o, 400, HS_REFS_BY_INDEX, 81);
	CU_ASSERT_FATAL(o.nframes >= 4);
	orig_objects = keys_objects(&o.keys);
	for (int lie = 0; lie < LIE_COUNT; lie++) {
		hs_buf file = HS_BUF_INIT;
		hs_frame_info *fr = malloc((o.nframes + 1) * sizeof(*fr));
		size_t n = o.nframes, k = 1;
		uint64_t totals[6];
		hs_reader *r = NULL;
		hs_integrity in;
		int rc;

		memcpy(fr, o.frames, n * sizeof(*fr));
		{
			hs_reader *r0;

			CU_ASSERT_EQUAL_FATAL(hs_reader_open_mem(&r0,
				o.file.data, o.file.len, "o", NULL), 0);
			CU_ASSERT_EQUAL(hs_reader_trailer_totals(totals, r0), 0);
			hs_reader_free(r0);
		}
		switch ((lie_kind)lie) {
		case LIE_NONE: break;
		case LIE_OBJECTS: fr[k].objects++; break;
		case LIE_RECORDS: fr[k].records--; break;
		case LIE_FIRST: fr[k].first_object += 5; break;
		case LIE_DSIZE: fr[k].dsize += 1; break;
		case LIE_TOTALS: totals[0] += 10; break;
		case LIE_OMIT:
			memmove(fr + k, fr + k + 1,
				(n - k - 1) * sizeof(*fr));
			n--;
			break;
		case LIE_SHIFT: fr[k].offset += 1; fr[k].csize -= 1; break;
		case LIE_OVERLAP: fr[k].offset -= 1; break;
		case LIE_OUTSIDE: fr[n - 1].offset += 1u << 20; break;
		case LIE_ZERO_FRAMES: n = 0; break;
		case LIE_CSIZE_HUGE: fr[n - 1].csize = UINT64_MAX - 8; break;
		case LIE_SWAP: {
			hs_frame_info t = fr[1];

			fr[1] = fr[2];
			fr[2] = t;
			break;
		}
		case LIE_SPLIT0:
		case LIE_SPLIT: {
			/* a valid checksum over entries that cut an intact
			 * frame in two: believed, its records are lost (frame
			 * 0: the header too) */
			size_t i = lie == LIE_SPLIT0 ? 0 : k;
			uint64_t h = fr[i].csize / 2;

			memmove(fr + i + 1, fr + i, (n - i) * sizeof(*fr));
			n++;
			fr[i].csize = h;
			fr[i + 1].offset += h;
			fr[i + 1].csize -= h;
			break;
		}
		case LIE_TWICE:
			/* frame k + 1 listed twice, in frame k's place too */
			fr[k] = fr[k + 1];
			break;
		case LIE_MERGE:
			fr[k].csize += fr[k + 1].csize;
			memmove(fr + k + 1, fr + k + 2,
				(n - k - 2) * sizeof(*fr));
			n--;
			break;
		default: break;
		}
		hs_buf_append(&file, o.file.data, o.trailer_start);
		tu_craft_trailer(&file, fr, n, totals);
		hs_error_clear();
		rc = hs_reader_open_mem(&r, file.data, file.len, "lie.snap",
					NULL);
		CU_ASSERT_EQUAL(rc, 0);
		if (rc != 0) {
			fprintf(stderr, "\ntrailer lie '%s': open %d '%s'\n",
				lie_names[lie], rc, hs_error_last());
		} else {
			int bad = 0;

			bad |= read_keys(r, &got) != HS_ITEROVER;
			bad |= !keys_subseq(&got, &o.keys);
			hs_reader_integrity(&in, r);
			if (lie == LIE_NONE) {
				bad |= in.status != HS_INTEGRITY_COMPLETE;
				bad |= got.n != o.keys.n;
			} else {
				/* detected and reported, with an offset */
				bad |= in.status == HS_INTEGRITY_COMPLETE;
				bad |= !tu_contains(in.problem, "lie.snap: byte ");
				/* and the loss is exact */
				bad |= in.objects_lost != (int64_t)(orig_objects
					- keys_objects(&got));
			}
			/* no lie loses anything: lies about counts are
			 * reported, a table that disagrees with the frames'
			 * own headers (split, merged, shifted, left out,
			 * swapped) is not believed: the frames are walked */
			bad |= got.n != o.keys.n;
			if (lie >= LIE_OMIT)
				bad |= !tu_contains(in.problem, "trailer is "
						    "damaged");
			if (bad)
				fprintf(stderr, "\ntrailer lie '%s': %s, %zu "
					"of %zu records, lost %lld, '%s'\n",
					lie_names[lie],
					hs_integrity_status_name(in.status),
					got.n, o.keys.n,
					(long long)in.objects_lost, in.problem);
			CU_ASSERT_EQUAL(bad, 0);
			hs_reader_free(r);
		}
		free(fr);
		hs_buf_release(&file);
	}
	free(got.v);
	orig_free(&o);
}

/* ---- decompression bombs ------------------------------------------------------ */

static void test_decompression_bomb(void)
{
	const size_t bomb = 8u << 20;
	unsigned char *zeros = calloc(1, bomb);

	for (int declared = 0; declared < 2; declared++) {
		for (int where = 0; where < 2; where++) {
			hs_buf file = HS_BUF_INIT;
			tu_frame f0, f2;
			hs_reader_options ro = HS_READER_OPTIONS_INIT;
			hs_reader *r = NULL;
			tu_strv got = TU_STRV_INIT;
			hs_integrity in;
			hs_record rec;
			int rc;

			ro.max_frame_bytes = 1u << 20;
			tu_craft_start(&file, 1);
			if (where == 0)   /* the bomb first: no header */
				tu_craft_raw_frame(&file, zeros, bomb,
						   declared);
			tu_frame_init(&f0);
			tu_frame_start(&f0, 0, 0);
			tu_frame_header(&f0, 1, HS_REFS_BY_ID, 0);
			tu_craft_frame(&file, &f0, 1, NULL);
			if (where == 1)   /* the bomb in the middle */
				tu_craft_raw_frame(&file, zeros, bomb,
						   declared);
			tu_frame_init(&f2);
			tu_frame_start(&f2, 2, 0);
			msgpack_pack_array(&f2.pk, 7);
			msgpack_pack_uint8(&f2.pk, HS_REC_END);
			for (int i = 0; i < 6; i++)
				msgpack_pack_uint8(&f2.pk, 0);
			tu_craft_frame(&file, &f2, 1, NULL);
			hs_error_clear();
			rc = hs_reader_open_mem(&r, file.data, file.len,
						"bomb.snap", &ro);
			if (where == 0) {
				CU_ASSERT(rc == HS_ELIMIT || rc == HS_ECORRUPT);
				CU_ASSERT(tu_contains(hs_error_last(),
						      "bomb.snap: byte 16"));
				/* over the limit, or (read piece by piece)
				 * stopped at its first record */
				CU_ASSERT(tu_contains(hs_error_last(), "limit") ||
					  tu_contains(hs_error_last(),
						      "not an array"));
			} else {
				CU_ASSERT_EQUAL_FATAL(rc, 0);
				CU_ASSERT_EQUAL(tu_read_all(r, &got, NULL),
						HS_ITEROVER);
				CU_ASSERT_EQUAL(got.n, 2);  /* header, end */
				hs_reader_integrity(&in, r);
				CU_ASSERT_EQUAL(in.status, HS_INTEGRITY_SALVAGED);
				CU_ASSERT_EQUAL(in.frames_lost, 1);
				CU_ASSERT_EQUAL(in.objects_lost, 0);
				CU_ASSERT(tu_contains(in.problem, "limit") ||
					  tu_contains(in.problem, "not an array"));
				CU_ASSERT(tu_contains(in.problem, "bomb.snap: byte "));
				hs_reader_free(r);
				/* strict: the bomb is an error */
				ro.strict = 1;
				CU_ASSERT_EQUAL_FATAL(hs_reader_open_mem(&r,
					file.data, file.len, "bomb.snap", &ro), 0);
				CU_ASSERT_EQUAL(hs_reader_next(&rec, r), 0);
				rc = hs_reader_next(&rec, r);
				CU_ASSERT(rc == HS_ELIMIT || rc == HS_ECORRUPT);
				CU_ASSERT(tu_contains(hs_error_last(), "limit") ||
					  tu_contains(hs_error_last(),
						      "not an array"));
			}
			if (rc != (where ? 0 : rc))
				fprintf(stderr, "\nbomb %d/%d: %d '%s'\n",
					declared, where, rc, hs_error_last());
			hs_reader_free(r);
			tu_strv_free(&got);
			tu_frame_destroy(&f0);
			tu_frame_destroy(&f2);
			hs_buf_release(&file);
		}
	}
	free(zeros);
}

/* ---- a damaged middle frame --------------------------------------------------- */

static void check_damaged_middle(const orig_t *o, const unsigned char *data,
				 size_t len, size_t k, const char *what)
{
	hs_reader *r;
	tu_strv got = TU_STRV_INIT, want = TU_STRV_INIT;
	hs_integrity in;
	size_t lost_objects = 0;
	char at[64];

	for (size_t i = 0; i < o->recs.n; i++) {
		if (o->rec_frame[i] == o->frames[k].offset)
			lost_objects += o->recs.v[i][0] == 'O';
		else
			tu_strv_push(&want, "%s", o->recs.v[i]);
	}
	CU_ASSERT_FATAL(lost_objects > 0);
	CU_ASSERT_EQUAL_FATAL(hs_reader_open_mem(&r, data, len, "mid.snap",
						 NULL), 0);
	/* records after the damage keep their exact object indices */
	CU_ASSERT_EQUAL(tu_read_all(r, &got, NULL), HS_ITEROVER);
	CU_ASSERT(tu_strv_eq(&got, &want, what));
	hs_reader_integrity(&in, r);
	CU_ASSERT_EQUAL(in.status, HS_INTEGRITY_SALVAGED);
	CU_ASSERT_EQUAL(in.objects_lost, (int64_t)lost_objects);
	CU_ASSERT_EQUAL(in.frames_lost, 1);
	CU_ASSERT_EQUAL(in.frames_ok, o->nframes - 1);
	CU_ASSERT_EQUAL(in.first_loss, o->frames[k].offset);
	snprintf(at, sizeof(at), "mid.snap: byte %llu",
		 (unsigned long long)o->frames[k].offset);
	CU_ASSERT(tu_contains(in.problem, at));
	if (in.objects_lost != (int64_t)lost_objects ||
	    !tu_contains(in.problem, at))
		fprintf(stderr, "\n%s: %s, lost %lld (want %zu), '%s'\n", what,
			hs_integrity_status_name(in.status),
			(long long)in.objects_lost, lost_objects, in.problem);
	/* the parallel scan agrees */
	{
		scan_state st = { PTHREAD_MUTEX_INITIALIZER, TU_STRV_INIT, 0,
				  0, 0 };

		CU_ASSERT_EQUAL(hs_reader_scan(r, 4, scan_cb, &st), 0);
		tu_strv_sort(&st.got);
		tu_strv_sort(&want);
		CU_ASSERT(tu_strv_eq(&st.got, &want, what));
		hs_reader_integrity(&in, r);
		CU_ASSERT_EQUAL(in.status, HS_INTEGRITY_SALVAGED);
		CU_ASSERT_EQUAL(in.objects_lost, (int64_t)lost_objects);
		tu_strv_free(&st.got);
	}
	hs_reader_free(r);
	tu_strv_free(&got);
	tu_strv_free(&want);
	/* strict: the damage is an error, at open (walked) or when read */
	{
		hs_reader_options ro = HS_READER_OPTIONS_INIT;
		hs_reader *rs = NULL;
		tu_strv part = TU_STRV_INIT;
		int rc;

		ro.strict = 1;
		hs_error_clear();
		rc = hs_reader_open_mem(&rs, data, len, "mid.snap", &ro);
		if (rc == 0) {
			rc = tu_read_all(rs, &part, NULL);
			CU_ASSERT(part.n < o->recs.n);
			hs_reader_free(rs);
		}
		CU_ASSERT_EQUAL(rc, HS_ECORRUPT);
		CU_ASSERT(tu_contains(hs_error_last(), at));
		if (rc != HS_ECORRUPT || !tu_contains(hs_error_last(), at))
			fprintf(stderr, "\n%s, strict: %d '%s'\n", what, rc,
				hs_error_last());
		tu_strv_free(&part);
	}
}

static void test_damaged_middle_frame(void)
{
	orig_t o;
	unsigned char *copy;
	size_t k;

	orig_make(&o, 600, HS_REFS_BY_INDEX, 83);
	CU_ASSERT_FATAL(o.nframes >= 5);
	k = o.nframes / 2;
	copy = malloc(o.file.len);
	/* the content checksum (last byte of the frame) */
	memcpy(copy, o.file.data, o.file.len);
	copy[o.frames[k].offset + o.frames[k].csize - 1] ^= 0x40;
	check_damaged_middle(&o, copy, o.file.len, k, "checksum, trailer");
	/* the same without the trailer: frames found by walking */
	check_damaged_middle(&o, copy, o.trailer_start, k,
			     "checksum, no trailer");
	/* the frame's magic: the walk resynchronises at the next frame */
	memcpy(copy, o.file.data, o.file.len);
	copy[o.frames[k].offset] ^= 0x01;
	check_damaged_middle(&o, copy, o.file.len, k, "magic, trailer");
	check_damaged_middle(&o, copy, o.trailer_start, k,
			     "magic, no trailer");
	/* its middle */
	memcpy(copy, o.file.data, o.file.len);
	copy[o.frames[k].offset + o.frames[k].csize / 2] ^= 0xff;
	check_damaged_middle(&o, copy, o.file.len, k, "middle, trailer");
	free(copy);
	orig_free(&o);
}

/* ---- samples/bad ------------------------------------------------------------- */

/* opens samples/bad/NAME (from HS_TOP, else the current directory) and
 * reads it all; @return open's code */
static int open_sample(const char *name, hs_reader **r, tu_strv *got,
		       hs_integrity *in)
{
	char path[1024];
	const char *top = getenv("HS_TOP");
	int rc;

	snprintf(path, sizeof(path), "%s/samples/bad/%s", top ? top : ".",
		 name);
	if (!tu_exists(path)) {
		fprintf(stderr, "\n%s is missing (run from the top directory "
			"or set HS_TOP)\n", path);
		return -100;
	}
	hs_error_clear();
	rc = hs_reader_open(r, path, NULL);
	if (rc == 0) {
		CU_ASSERT_EQUAL(tu_read_all(*r, got, NULL), HS_ITEROVER);
		hs_reader_integrity(in, *r);
	}
	return rc;
}

/* The committed damaged samples (samples/bad/make.sh) give what
 * samples/bad/README.md says. */
static void test_bad_samples(void)
{
	tu_strv all = TU_STRV_INIT, got = TU_STRV_INIT;
	hs_reader *r = NULL;
	hs_integrity in;
	size_t objects = 0;

	/* no trailer: every record, the end record too; salvaged */
	CU_ASSERT_EQUAL_FATAL(open_sample("no-trailer.snap", &r, &all, &in), 0);
	CU_ASSERT_EQUAL(in.status, HS_INTEGRITY_SALVAGED);
	CU_ASSERT(!in.has_trailer && in.has_end);
	CU_ASSERT_EQUAL(in.objects_lost, 0);
	CU_ASSERT_EQUAL(in.frames_lost, 0);
	CU_ASSERT(tu_contains(in.problem, "no-trailer.snap: byte "));
	CU_ASSERT(tu_contains(in.problem, "without its trailer"));
	CU_ASSERT_EQUAL(in.first_loss, hs_reader_file_size(r));
	for (size_t i = 0; i < all.n; i++)
		objects += all.v[i][0] == 'O';
	CU_ASSERT_EQUAL(objects, 1500);
	hs_reader_free(r);

	/* a lying trailer: every record, the lie reported */
	CU_ASSERT_EQUAL_FATAL(open_sample("lying-trailer.snap", &r, &got, &in),
			      0);
	CU_ASSERT(tu_strv_eq(&got, &all, "lying trailer"));
	CU_ASSERT_EQUAL(in.status, HS_INTEGRITY_SALVAGED);
	CU_ASSERT(in.has_trailer && in.has_end);
	CU_ASSERT_EQUAL(in.frames_lost, 0);
	CU_ASSERT_EQUAL(in.objects_lost, 0);
	CU_ASSERT(tu_contains(in.problem, "lying-trailer.snap: byte "));
	CU_ASSERT(tu_contains(in.problem, "the trailer says"));
	hs_reader_free(r);
	tu_strv_free(&got);

	/* a flipped byte: one frame lost, exactly its objects */
	CU_ASSERT_EQUAL_FATAL(open_sample("flipped-middle-frame.snap", &r, &got,
					  &in), 0);
	CU_ASSERT(tu_strv_subseq(&got, &all));
	CU_ASSERT_EQUAL(in.status, HS_INTEGRITY_SALVAGED);
	CU_ASSERT_EQUAL(in.frames_lost, 1);
	{
		const hs_frame_info *f;
		size_t n = hs_reader_frames(&f, r), got_objects = 0;
		int found = 0;

		for (size_t i = 0; i < n; i++)
			if (f[i].offset == in.first_loss) {
				found = 1;
				CU_ASSERT_EQUAL(in.objects_lost,
						(int64_t)f[i].objects);
				CU_ASSERT(f[i].objects > 0);
			}
		CU_ASSERT(found);
		for (size_t i = 0; i < got.n; i++)
			got_objects += got.v[i][0] == 'O';
		CU_ASSERT_EQUAL((int64_t)got_objects + in.objects_lost, 1500);
	}
	CU_ASSERT(tu_contains(in.problem, "flipped-middle-frame.snap: byte "));
	CU_ASSERT(tu_contains(in.problem, "checksum"));
	hs_reader_free(r);
	tu_strv_free(&got);

	/* cut mid-frame: a prefix, truncated, loss unknown */
	CU_ASSERT_EQUAL_FATAL(open_sample("truncated-mid-frame.snap", &r, &got,
					  &in), 0);
	CU_ASSERT(got.n > 2 && got.n < all.n);
	got.n = got.n < all.n ? got.n : all.n;
	{
		tu_strv prefix = { all.v, got.n, got.n };

		CU_ASSERT(tu_strv_eq(&got, &prefix, "truncated sample"));
	}
	CU_ASSERT_EQUAL(in.status, HS_INTEGRITY_TRUNCATED);
	CU_ASSERT(!in.has_trailer && !in.has_end);
	CU_ASSERT_EQUAL(in.objects_lost, -1);
	CU_ASSERT_EQUAL(in.frames_lost, 1);
	CU_ASSERT(tu_contains(in.problem, "truncated-mid-frame.snap: byte "));
	hs_reader_free(r);
	tu_strv_free(&got);

	/* not a .snap, and nothing at all */
	CU_ASSERT_EQUAL(open_sample("not-a-snap.snap", &r, &got, &in),
			HS_ECORRUPT);
	CU_ASSERT(tu_contains(hs_error_last(), "not-a-snap.snap: byte 0"));
	CU_ASSERT_EQUAL(open_sample("empty.snap", &r, &got, &in), HS_ECORRUPT);
	CU_ASSERT(tu_contains(hs_error_last(), "empty.snap: byte 0"));
	tu_strv_free(&all);
}

/* Work follows the file's size, not what its frames claim: frames of
 * zeros declaring 60 MiB each are not decompressed whole (reading a
 * frame stops at its first bad record), and those past the budget of
 * max_ratio x the file's size are not decompressed at all. */
static void test_bomb_work_bounded(void)
{
	const size_t claim = 60u << 20, copies = 200;
	unsigned char *zeros = calloc(1, claim);
	hs_buf one = HS_BUF_INIT, file = HS_BUF_INIT;
	tu_frame f0;

	CU_ASSERT_FATAL(zeros != NULL);
	tu_craft_raw_frame(&one, zeros, claim, 1);
	free(zeros);
	tu_craft_start(&file, 1);
	tu_frame_init(&f0);
	tu_frame_start(&f0, 0, 0);
	tu_frame_header(&f0, 1, HS_REFS_BY_ID, 0);
	tu_craft_frame(&file, &f0, 1, NULL);
	tu_frame_destroy(&f0);
	for (size_t i = 0; i < copies; i++)
		CU_ASSERT_FATAL(hs_buf_append(&file, one.data, one.len) == 0);
	for (int unbounded = 0; unbounded < 2; unbounded++) {
		hs_reader_options ro = HS_READER_OPTIONS_INIT;
		hs_reader *r = NULL;
		tu_strv got = TU_STRV_INIT;
		hs_integrity in;
		uint64_t work;

		ro.max_ratio = unbounded ? UINT64_MAX : 0;
		CU_ASSERT_EQUAL_FATAL(hs_reader_open_mem(&r, file.data,
			file.len, "rle.snap", &ro), 0);
		CU_ASSERT_EQUAL(tu_read_all(r, &got, NULL), HS_ITEROVER);
		CU_ASSERT_EQUAL(got.n, 1);  /* the header */
		work = hs_reader_decompressed(r);
		hs_reader_integrity(&in, r);
		CU_ASSERT_EQUAL(in.frames_lost, copies);
		CU_ASSERT(tu_contains(in.problem, "not an array"));
		/* at most a piece of each frame read, 1 MiB: not 60 */
		CU_ASSERT(work <= copies * (1u << 20) + 4096);
		if (!unbounded)  /* and no more than the budget */
			CU_ASSERT(work <= 1024 * (uint64_t)file.len);
		fprintf(stderr, "    %zu x %zu MiB claimed in %zu bytes, "
			"max_ratio %s: %llu bytes decompressed\n", copies,
			claim >> 20, file.len, unbounded ? "none" : "default",
			(unsigned long long)work);
		hs_reader_free(r);
		tu_strv_free(&got);
	}
	hs_buf_release(&one);
	hs_buf_release(&file);
}

/* Resident kilobytes of the mapping of path in this process (smaps). */
static size_t mapped_kb(const char *path)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[4096];
	size_t kb = 0, plen = strlen(path);
	int in = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line), v;

		while (n && line[n - 1] == '\n')
			line[--n] = '\0';
		if (strchr(line, '-') && strchr(line, '-') < strchr(line, ' ')) {
			/* a mapping's first line: range, perms, ..., path */
			in = n >= plen && strcmp(line + n - plen, path) == 0;
		} else if (in && sscanf(line, "Rss: %zu kB", &v) == 1) {
			kb += v;
		}
	}
	fclose(f);
	return kb;
}

/* Opening a file checks where each frame ends, reading every block
 * header: what that touched is given back, so that an open reader holds
 * no memory in proportion to the file (it held nearly all of it).  With
 * the trailer's table, and walking the frames without it; the records
 * are the same afterwards. */
static void test_open_keeps_file_unmapped(void)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	tu_snap s;
	hs_buf walked = HS_BUF_INIT;
	size_t off = 16, cs;

	o.ref_mode = HS_REFS_BY_INDEX;
	o.frame_size = 16u << 20;
	CU_ASSERT_EQUAL_FATAL(tu_snap_open(&s, &o), 0);
	tu_random_graph(&s, 21, 1000000, 0);
	CU_ASSERT_EQUAL_FATAL(tu_snap_close(&s), 0);
	/* the data frames alone: no trailer, so they are walked */
	hs_buf_append(&walked, s.buf.data, off);
	while ((cs = data_frame_at(&s.buf, off)) != 0) {
		hs_buf_append(&walked, s.buf.data + off, cs);
		off += cs;
	}
	for (int w = 0; w < 2; w++) {
		const char *path = tu_path(w ? "walked.snap" : "table.snap");
		const hs_buf *b = w ? &walked : &s.buf;
		const hs_frame_info *fr;
		tu_strv got = TU_STRV_INIT;
		hs_reader *r;
		size_t kb, nf;

		tu_write_file(path, b->data, b->len);
		CU_ASSERT_EQUAL_FATAL(hs_reader_open(&r, path, NULL), 0);
		nf = hs_reader_frames(&fr, r);
		kb = mapped_kb(path);
		/* at most the pages around each frame's edges stay: up
		 * to a huge page each where the kernel maps the page
		 * cache's folios whole (before: all of the file) */
		if (kb > nf * 2056 + 64)
			fprintf(stderr, "%s: %zu kB of %zu resident after "
				"open (%zu frames)\n", path, kb, b->len / 1024,
				nf);
		CU_ASSERT(nf >= 2 && b->len / 1024 > 2 * (nf * 2056 + 64));
		CU_ASSERT(kb <= nf * 2056 + 64);
		CU_ASSERT_EQUAL(tu_read_all(r, &got, NULL), HS_ITEROVER);
		CU_ASSERT(tu_strv_eq(&got, &s.expect, path));
		tu_strv_free(&got);
		hs_reader_free(r);
		remove(path);
	}
	hs_buf_release(&walked);
	tu_snap_free(&s);
}

/* The optional walker field of the header: written only when set, read
 * back by the reader, the summary and the graph; absent reads as "". */
static void test_header_walker(void)
{
	for (int with = 0; with < 2; with++) {
		hs_writer_options o = HS_WRITER_OPTIONS_INIT;
		hs_header h = HS_HEADER_INIT;
		hs_buf buf;
		hs_writer *w = NULL;
		hs_reader *r = NULL;
		hs_summary s;
		hs_record rec;
		const char *want = with ? "3.12" : "";

		hs_buf_init(&buf);
		h.runtime = "python";
		h.walker = with ? "3.12" : NULL;
		CU_ASSERT_EQUAL_FATAL(hs_writer_open_sink(&w, hs_buf_sink(&buf),
							  "w.snap", &o, &h), 0);
		CU_ASSERT_EQUAL_FATAL(hs_writer_close(w), 0);
		CU_ASSERT_EQUAL_FATAL(hs_reader_open_mem(&r, buf.data, buf.len,
							 "w.snap", NULL), 0);
		CU_ASSERT_STRING_EQUAL(hs_reader_info(r)->header.walker, want);
		CU_ASSERT_EQUAL(hs_reader_next(&rec, r), 0);
		CU_ASSERT_EQUAL(rec.kind, HS_REC_HEADER);
		CU_ASSERT_EQUAL(rec.u.header.walker.len, strlen(want));
		CU_ASSERT_EQUAL(memcmp(rec.u.header.walker.ptr, want,
				       strlen(want)), 0);
		CU_ASSERT_EQUAL(hs_summary_scan(&s, r, NULL), 0);
		CU_ASSERT_EQUAL(s.walker_len, strlen(want));
		CU_ASSERT_STRING_EQUAL(s.walker, want);
		CU_ASSERT_STRING_EQUAL(s.info.header.walker, want);
		hs_summary_release(&s);
		hs_reader_free(r);
		hs_buf_release(&buf);
	}
}

HS_SUITE(reader,
	 HS_TEST(test_header_walker),
	 HS_TEST(test_roundtrip_random_graphs),
	 HS_TEST(test_scan_threads_same_multiset),
	 HS_TEST(test_truncation_every_offset),
	 HS_TEST(test_byte_flips),
	 HS_TEST(test_unknown_tags_and_fields_skipped),
	 HS_TEST(test_newer_version),
	 HS_TEST(test_other_formats),
	 HS_TEST(test_lying_trailer),
	 HS_TEST(test_decompression_bomb),
	 HS_TEST(test_bomb_work_bounded),
	 HS_TEST(test_frames_without_size),
	 HS_TEST(test_open_keeps_file_unmapped),
	 HS_TEST(test_damaged_middle_frame),
	 HS_TEST(test_bad_samples))
