/*
 * test_writer.c - hs_writer checked independently of hs_reader: files are
 * decompressed frame by frame (ZSTD_decompressStream, and the zstd command
 * once) and decoded with msgpack-c into exactly the records written;
 * framing, big objects, preview cuts, argument errors, the memory bound
 * over 2M objects, failing sinks and files, and the PATH.tmp protocol.
 * Load: about 2M small objects through a counting sink (a few seconds
 * under ASan), and files of a few hundred KiB in the test directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <msgpack.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_estimateCCtxSize */
#include <zstd.h>

#include "error.h"
#include "hs_reader.h"
#include "hs_writer.h"
#include "testutil.h"
#include "unit.h"

/* Decodes a whole .snap with msgpack-c, frame by frame: every frame must
 * start with its frame record and hold whole records (msgpack-c leaves no
 * partial record at a frame's end).  out gets the records without frame
 * records; frame_lens the decompressed size of each frame and last_starts
 * the offset of each frame's last record.  @return the frame count or -1. */
static long decode_snap(const hs_buf *file, tu_strv *out, size_t **frame_lens,
			size_t **last_starts)
{
	unsigned char *raw;
	size_t raw_len, *ends, nframes, prev = 0;
	tu_mpstate st = TU_MPSTATE_INIT;
	long rc;

	if (tu_zstd_decompress_all(file->data, file->len, &raw, &raw_len,
				   &ends, &nframes) < 0) {
		free(raw);
		free(ends);
		return -1;
	}
	rc = (long)nframes;
	*frame_lens = calloc(nframes + 1, sizeof(size_t));
	*last_starts = calloc(nframes + 1, sizeof(size_t));
	for (size_t i = 0; i < nframes && rc >= 0; i++) {
		tu_strv fr = TU_STRV_INIT;
		msgpack_unpacked u;
		size_t off = 0, last = 0, len = ends[i] - prev;
		const char *base = (const char *)raw + prev;

		(*frame_lens)[i] = len;
		if (tu_msgpack_records(&st, base, len, &fr) < 0 || fr.n == 0) {
			rc = -1;
		} else {
			char want[64];

			snprintf(want, sizeof(want), "F n=%zu first=", i);
			if (strncmp(fr.v[0], want, strlen(want)) != 0) {
				fprintf(stderr, "frame %zu starts with %s\n",
					i, fr.v[0]);
				rc = -1;
			}
			for (size_t j = 1; j < fr.n; j++) {
				if (fr.v[j][0] == 'F') {
					fprintf(stderr, "frame %zu holds a "
						"second frame record\n", i);
					rc = -1;
				}
				tu_strv_push(out, "%s", fr.v[j]);
			}
		}
		msgpack_unpacked_init(&u);
		while (off < len) {
			last = off;
			if (msgpack_unpack_next(&u, base, len, &off) !=
			    MSGPACK_UNPACK_SUCCESS)
				break;
		}
		msgpack_unpacked_destroy(&u);
		(*last_starts)[i] = last;
		tu_strv_free(&fr);
		prev = ends[i];
	}
	free(raw);
	free(ends);
	return rc;
}

/* Random graphs in both ref modes and two frame sizes decode with
 * msgpack-c into exactly the records written. */
static void test_msgpack_c_decodes_what_was_written(void)
{
	static const size_t frame_sizes[] = { 4096, 1u << 20 };

	for (int mode = 0; mode < 2; mode++) {
		for (int fs = 0; fs < 2; fs++) {
			hs_writer_options o = HS_WRITER_OPTIONS_INIT;
			tu_snap s;
			tu_strv got = TU_STRV_INIT;
			size_t *lens = NULL, *lasts = NULL;
			long nframes;

			o.ref_mode = (hs_ref_mode)mode;
			o.frame_size = frame_sizes[fs];
			o.max_preview = fs ? 64 : 9;
			CU_ASSERT_EQUAL_FATAL(tu_snap_open(&s, &o), 0);
			tu_random_graph(&s, 11 + (uint64_t)mode * 7 +
					(uint64_t)fs, 6000, 2500);
			CU_ASSERT_EQUAL(hs_writer_count(s.w), s.nobjects);
			CU_ASSERT_EQUAL_FATAL(tu_snap_close(&s), 0);
			nframes = decode_snap(&s.buf, &got, &lens, &lasts);
			CU_ASSERT_FATAL(nframes > 0);
			CU_ASSERT(tu_strv_eq(&got, &s.expect, "msgpack-c"));
			/* frames: flushed once frame_size is reached, so every
			 * frame but the last is >= frame_size and its last
			 * record started below frame_size */
			if (fs == 0)
				CU_ASSERT(nframes > 20);
			for (long i = 0; i < nframes; i++) {
				if (i + 1 < nframes)
					CU_ASSERT(lens[i] >= o.frame_size);
				CU_ASSERT(lasts[i] < o.frame_size);
				CU_ASSERT(lens[i] <= o.frame_size +
					  HS_RECORD_MAX);
			}
			free(lens);
			free(lasts);
			tu_strv_free(&got);
			tu_snap_free(&s);
		}
	}
}

/* `zstd -dc x.snap` gives the plain msgpack stream: the zstd tool's
 * output equals the concatenation of the frames' contents. */
static void test_zstd_tool_prints_msgpack(void)
{
	hs_buf file;
	tu_strv expect, got = TU_STRV_INIT;
	const char *snap = tu_path("tool.snap"), *raw = tu_path("tool.raw");
	char cmd[1200];
	unsigned char *out, *mine;
	size_t out_len, mine_len, *ends, nframes;
	tu_mpstate st = TU_MPSTATE_INIT;

	if (system("zstd --version >/dev/null 2>&1") != 0) {
		fprintf(stderr, "(zstd tool missing: part skipped) ");
		return;
	}
	tu_small_snap(&file, &expect, 800, HS_REFS_BY_ID, 5);
	tu_write_file(snap, file.data, file.len);
	snprintf(cmd, sizeof(cmd), "zstd -q -dc '%s' > '%s'", snap, raw);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	CU_ASSERT_EQUAL_FATAL(tu_read_file(raw, &out, &out_len), 0);
	CU_ASSERT_EQUAL(tu_zstd_decompress_all(file.data, file.len, &mine,
					       &mine_len, &ends, &nframes), 0);
	CU_ASSERT_EQUAL(out_len, mine_len);
	CU_ASSERT(out_len == mine_len && memcmp(out, mine, out_len) == 0);
	CU_ASSERT_EQUAL(tu_msgpack_records(&st, out, out_len, &got), 0);
	CU_ASSERT_EQUAL(st.frames, nframes);
	CU_ASSERT_EQUAL(got.n, expect.n + nframes);
	free(out);
	free(mine);
	free(ends);
	tu_strv_free(&got);
	tu_strv_free(&expect);
	hs_buf_release(&file);
}

/* counts the records of each kind in decoded texts */
static size_t count_prefix(const tu_strv *sv, const char *prefix)
{
	size_t n = 0;

	for (size_t i = 0; i < sv->n; i++)
		n += strncmp(sv->v[i], prefix, strlen(prefix)) == 0;
	return n;
}

static void test_big_objects_become_refs_records(void)
{
	const size_t per = HS_REFS_PER_RECORD;
	const size_t counts[] = { per - 1, per, per + 1, 2 * per,
				  2 * per + 5 };
	uint64_t *refs = malloc((2 * per + 5) * sizeof(uint64_t));
	uint32_t *labels = malloc((2 * per + 5) * sizeof(uint32_t));
	uint8_t *flags = calloc(2 * per + 5, 1);
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	tu_snap s;
	tu_strv got = TU_STRV_INIT;
	size_t *lens, *lasts;
	uint32_t t, str;

	for (size_t i = 0; i < 2 * per + 5; i++) {
		refs[i] = 0x5000 + i * 8;
		/* labels only in the second chunk, flags only in the third */
		labels[i] = i >= per && i < 2 * per ? 0 : HS_NO_LABEL;
		flags[i] = i >= 2 * per ? HS_REF_WEAK : 0;
	}
	o.frame_size = 4096;
	CU_ASSERT_EQUAL_FATAL(tu_snap_open(&s, &o), 0);
	t = tu_snap_type(&s, "big", 3);
	str = tu_snap_string(&s, "slot", 4);
	CU_ASSERT_EQUAL(str, 0);
	for (size_t c = 0; c < 5; c++) {
		hs_object ob;

		memset(&ob, 0, sizeof(ob));
		ob.id = 0x100000 + c * 0x1000;
		ob.type = t;
		ob.size = 1000 + c;
		ob.nrefs = counts[c];
		ob.refs = refs;
		ob.labels = labels;
		ob.flags = flags;
		ob.site = HS_NO_SITE;
		tu_snap_object(&s, &ob);
	}
	CU_ASSERT_EQUAL_FATAL(tu_snap_close(&s), 0);
	CU_ASSERT_FATAL(decode_snap(&s.buf, &got, &lens, &lasts) > 0);
	CU_ASSERT(tu_strv_eq(&got, &s.expect, "big objects"));
	/* 5 object records; refs records: 0 + 0 + 1 + 1 + 2 */
	CU_ASSERT_EQUAL(count_prefix(&got, "O "), 5);
	CU_ASSERT_EQUAL(count_prefix(&got, "R "), 4);
	/* the last object: its record holds the first 16384 refs without
	 * labels or flags; its first refs record has labels only, its second
	 * flags only, 5 refs */
	{
		size_t i = got.n - 4;  /* O, R, R, E */
		char want[64];

		CU_ASSERT(strncmp(got.v[i], "O x=4 ", 6) == 0);
		CU_ASSERT(!tu_contains(got.v[i], " l=[") &&
			  !tu_contains(got.v[i], " f=["));
		snprintf(want, sizeof(want), "R o=%llu r=[",
			 (unsigned long long)(0x100000 + 4 * 0x1000));
		CU_ASSERT(strncmp(got.v[i + 1], want, strlen(want)) == 0);
		CU_ASSERT(tu_contains(got.v[i + 1], " l=[0,0,") &&
			  !tu_contains(got.v[i + 1], " f=["));
		CU_ASSERT(strncmp(got.v[i + 2], want, strlen(want)) == 0);
		CU_ASSERT(tu_contains(got.v[i + 2], " f=[1,1,1,1,1]") &&
			  !tu_contains(got.v[i + 2], " l=["));
		CU_ASSERT(tu_contains(got.v[i + 3], "E o=5 r=114693 "));
	}
	free(lens);
	free(lasts);
	free(refs);
	free(labels);
	free(flags);
	tu_strv_free(&got);
	tu_snap_free(&s);
}

/* The preview of object i in decoded texts. */
static const char *preview_of(const tu_strv *sv, unsigned index)
{
	char want[32];

	snprintf(want, sizeof(want), "O x=%u ", index);
	for (size_t i = 0; i < sv->n; i++)
		if (strncmp(sv->v[i], want, strlen(want)) == 0) {
			const char *p = strstr(sv->v[i], " p=");

			return p ? p + 3 : "";
		}
	return "(missing)";
}

static void test_preview_cut_on_utf8_boundary(void)
{
	/* max_preview 10; each string with its expected cut (as text) */
	static const struct { const char *in, *want; } cases[] = {
		{ "0123456789", "s:'0123456789'" },          /* exactly 10 */
		{ "0123456789abc", "s:'0123456789'" },       /* ASCII cut */
		{ "012345678\xe2\x82\xac", "s:'012345678'" },   /* € over 9..11 */
		{ "01234567\xe2\x82\xac", "s:'01234567'" },     /* € over 8..10 */
		{ "0123456\xe2\x82\xac" "b", "s:'0123456\\xe2\\x82\\xac'" },
		{ "012345\xf0\x9f\x98\x80xyz", "s:'012345\\xf0\\x9f\\x98\\x80'" },
		{ "0123456\xf0\x9f\x98\x80", "s:'0123456'" },   /* 4-byte cut */
		{ "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
		  "s:'\\xc3\\xa9\\xc3\\xa9\\xc3\\xa9\\xc3\\xa9\\xc3\\xa9'" },
		{ "", "s:''" },
	};
	const size_t n = sizeof(cases) / sizeof(cases[0]);
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_writer *w;
	hs_buf file = HS_BUF_INIT;
	hs_header h = HS_HEADER_INIT;
	tu_strv got = TU_STRV_INIT;
	size_t *lens, *lasts;
	uint32_t t;

	o.max_preview = 10;
	CU_ASSERT_EQUAL_FATAL(hs_writer_open_sink(&w, hs_buf_sink(&file),
						  "p.snap", &o, &h), 0);
	CU_ASSERT_EQUAL(hs_writer_type(&t, w, "str", 3), 0);
	for (size_t i = 0; i < n; i++) {
		hs_object ob;

		memset(&ob, 0, sizeof(ob));
		ob.id = 16 * (i + 1);
		ob.type = t;
		ob.site = HS_NO_SITE;
		ob.preview.kind = HS_VALUE_STR;
		ob.preview.v.s.ptr = cases[i].in;
		ob.preview.v.s.len = strlen(cases[i].in);
		CU_ASSERT_EQUAL(hs_writer_object(w, &ob), 0);
	}
	{
		/* bytes are cut at exactly max_preview */
		hs_object ob;

		memset(&ob, 0, sizeof(ob));
		ob.id = 0x1000;
		ob.site = HS_NO_SITE;
		ob.preview.kind = HS_VALUE_BYTES;
		ob.preview.v.s.ptr = "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80"
				     "\x80\x80";
		ob.preview.v.s.len = 12;
		CU_ASSERT_EQUAL(hs_writer_object(w, &ob), 0);
	}
	CU_ASSERT_EQUAL_FATAL(hs_writer_close(w), 0);
	CU_ASSERT_FATAL(decode_snap(&file, &got, &lens, &lasts) > 0);
	for (size_t i = 0; i < n; i++) {
		const char *p = preview_of(&got, (unsigned)i);

		if (strcmp(p, cases[i].want) != 0)
			fprintf(stderr, "\npreview %zu: got %s, want %s\n", i,
				p, cases[i].want);
		CU_ASSERT_STRING_EQUAL(p, cases[i].want);
	}
	CU_ASSERT_STRING_EQUAL(preview_of(&got, (unsigned)n),
			       "b:80808080808080808080");
	free(lens);
	free(lasts);
	tu_strv_free(&got);
	hs_buf_release(&file);

	/* max_preview 0 keeps an empty string */
	o.max_preview = 0;
	hs_buf_init(&file);
	CU_ASSERT_EQUAL_FATAL(hs_writer_open_sink(&w, hs_buf_sink(&file),
						  "p0.snap", &o, &h), 0);
	CU_ASSERT_EQUAL(hs_writer_type(&t, w, "str", 3), 0);
	{
		hs_object ob;

		memset(&ob, 0, sizeof(ob));
		ob.site = HS_NO_SITE;
		ob.preview.kind = HS_VALUE_STR;
		ob.preview.v.s.ptr = "\xe2\x82\xac";
		ob.preview.v.s.len = 3;
		CU_ASSERT_EQUAL(hs_writer_object(w, &ob), 0);
	}
	CU_ASSERT_EQUAL_FATAL(hs_writer_close(w), 0);
	got.n = 0;
	CU_ASSERT_FATAL(decode_snap(&file, &got, &lens, &lasts) > 0);
	CU_ASSERT_STRING_EQUAL(preview_of(&got, 0), "s:''");
	free(lens);
	free(lasts);
	tu_strv_free(&got);
	hs_buf_release(&file);
}

/* rc is HS_EINVAL and the message names the file */
#define CHECK_EINVAL(call, name)                                        \
	do {                                                            \
		hs_error_clear();                                       \
		int rc_ = (call);                                       \
		CU_ASSERT_EQUAL(rc_, HS_EINVAL);                        \
		CU_ASSERT(tu_contains(hs_error_last(), name));          \
		if (rc_ != HS_EINVAL || !tu_contains(hs_error_last(), name)) \
			fprintf(stderr, "\n%s -> %d '%s'\n", #call, rc_, \
				hs_error_last());                       \
	} while (0)

static void test_bad_arguments(void)
{
	static char big[HS_STRING_MAX + 2];
	hs_writer_options o = HS_WRITER_OPTIONS_INIT, bad;
	hs_header h = HS_HEADER_INIT;
	tu_snap s;
	hs_writer *w = (hs_writer *)&s;  /* poisoned: must stay untouched */
	uint32_t t, str, site, idx = 77;
	uint32_t files[1] = { 0 }, lines[1] = { 3 }, funcs[1] = { 5 };
	uint64_t refs[2] = { 1, 2 };
	uint32_t labels[2] = { 0, 9 };
	hs_object ob;
	tu_strv got = TU_STRV_INIT;
	size_t *lens, *lasts;
	hs_buf junk = HS_BUF_INIT;

	memset(big, 'x', sizeof(big) - 1);
	/* options */
	bad = o; bad.version = 2;
	CHECK_EINVAL(hs_writer_open_sink(&w, hs_buf_sink(&junk), "o.snap",
					 &bad, &h), "o.snap");
	CU_ASSERT_PTR_NULL(w);
	bad = o; bad.level = 0;
	CHECK_EINVAL(hs_writer_open_sink(&w, hs_buf_sink(&junk), "o.snap",
					 &bad, &h), "level");
	bad = o; bad.level = 20;
	CHECK_EINVAL(hs_writer_open_sink(&w, hs_buf_sink(&junk), "o.snap",
					 &bad, &h), "level");
	bad = o; bad.frame_size = 4095;
	CHECK_EINVAL(hs_writer_open_sink(&w, hs_buf_sink(&junk), "o.snap",
					 &bad, &h), "frame size");
	bad = o; bad.frame_size = HS_FRAME_SIZE_MAX + 1;
	CHECK_EINVAL(hs_writer_open_sink(&w, hs_buf_sink(&junk), "o.snap",
					 &bad, &h), "frame size");
	bad = o; bad.ref_mode = (hs_ref_mode)2;
	CHECK_EINVAL(hs_writer_open_sink(&w, hs_buf_sink(&junk), "o.snap",
					 &bad, &h), "reference mode");
	bad = o; bad.max_preview = HS_STRING_MAX + 1;
	CHECK_EINVAL(hs_writer_open_sink(&w, hs_buf_sink(&junk), "o.snap",
					 &bad, &h), "max_preview");
	/* a bad option on a path writer leaves nothing behind */
	bad = o; bad.level = 99;
	CHECK_EINVAL(hs_writer_open(&w, tu_path("badopt.snap"), &bad, &h),
		     "badopt.snap");
	CU_ASSERT(!tu_exists(tu_path("badopt.snap")));
	CU_ASSERT(!tu_exists(tu_path("badopt.snap.tmp")));
	CHECK_EINVAL(hs_writer_open(&w, "", &o, &h), "path");
	CHECK_EINVAL(hs_writer_open(&w, NULL, &o, &h), "path");
	/* a header string too long */
	h.runtime = big;
	CHECK_EINVAL(hs_writer_open_sink(&w, hs_buf_sink(&junk), "h.snap", &o,
					 &h), "h.snap");
	h.runtime = NULL;

	CU_ASSERT_EQUAL_FATAL(tu_snap_open(&s, &o), 0);
	w = s.w;
	/* strings: HS_STRING_MAX is fine, one more is not */
	CHECK_EINVAL(hs_writer_type(&idx, w, big, HS_STRING_MAX + 1),
		     "mem.snap");
	CU_ASSERT_EQUAL(idx, 77);
	CHECK_EINVAL(hs_writer_string(&idx, w, big, HS_STRING_MAX + 1),
		     "mem.snap");
	CHECK_EINVAL(hs_writer_type(&idx, w, NULL, 3), "mem.snap");
	t = tu_snap_type(&s, big, HS_STRING_MAX);
	str = tu_snap_string(&s, big, HS_STRING_MAX);
	CU_ASSERT_EQUAL(t, 0);
	CU_ASSERT_EQUAL(str, 0);
	/* roots: kind and label over the limit */
	big[HS_STRING_MAX + 1] = '\0';
	CHECK_EINVAL(hs_writer_root(w, 1, big, NULL, 0), "mem.snap");
	CHECK_EINVAL(hs_writer_root(w, 1, "global", big, 0), "mem.snap");
	big[HS_STRING_MAX] = '\0';
	tu_snap_root(&s, 1, "global", big, 0);
	big[HS_STRING_MAX] = 'x';
	/* sites naming undeclared strings, or too deep */
	files[0] = 1;
	CHECK_EINVAL(hs_writer_site(&idx, w, files, lines, funcs, 1),
		     "mem.snap");
	files[0] = 0;
	funcs[0] = 1;
	CHECK_EINVAL(hs_writer_site(&idx, w, files, lines, funcs, 1),
		     "mem.snap");
	funcs[0] = 0;
	CHECK_EINVAL(hs_writer_site(&idx, w, files, lines, funcs, 257),
		     "mem.snap");
	site = tu_snap_site(&s, files, lines, funcs, 1);
	/* objects: undeclared type, site, label; refs without an array */
	CHECK_EINVAL(hs_writer_refs(w, refs, NULL, NULL, 2), "before any");
	memset(&ob, 0, sizeof(ob));
	ob.id = 0x10;
	ob.type = 1;
	ob.site = HS_NO_SITE;
	CHECK_EINVAL(hs_writer_object(w, &ob), "type 1");
	ob.type = t;
	ob.site = site + 1;
	CHECK_EINVAL(hs_writer_object(w, &ob), "site 1");
	ob.site = site;
	ob.nrefs = 2;
	ob.refs = refs;
	ob.labels = labels;
	CHECK_EINVAL(hs_writer_object(w, &ob), "label 9");
	ob.refs = NULL;
	ob.labels = NULL;
	CHECK_EINVAL(hs_writer_object(w, &ob), "mem.snap");
	ob.nrefs = 0;
	ob.preview.kind = HS_VALUE_STR;
	ob.preview.v.s.len = 4;
	CHECK_EINVAL(hs_writer_object(w, &ob), "mem.snap");
	ob.preview.kind = HS_VALUE_NONE;
	/* the writer is still healthy: the good records are all there */
	labels[1] = HS_NO_LABEL;
	ob.nrefs = 2;
	ob.refs = refs;
	ob.labels = labels;
	tu_snap_object(&s, &ob);
	CHECK_EINVAL(hs_writer_refs(w, refs, labels + 1, NULL, 1) == 0
		     ? hs_writer_refs(w, refs, (uint32_t[]){ 5 }, NULL, 1)
		     : -1, "label 5");
	s.nrefs += 1;   /* the first hs_writer_refs call above was fine */
	tu_strv_push(&s.expect, "R o=16 r=[1]");
	CU_ASSERT_EQUAL_FATAL(tu_snap_close(&s), 0);
	CU_ASSERT_FATAL(decode_snap(&s.buf, &got, &lens, &lasts) > 0);
	/* the end record is after the refs record we noted by hand */
	CU_ASSERT(tu_strv_eq(&got, &s.expect, "after EINVALs"));
	free(lens);
	free(lasts);
	tu_strv_free(&got);
	tu_snap_free(&s);
	hs_buf_release(&junk);
}

/* ---- memory --------------------------------------------------------- */

typedef struct {
	uint64_t bytes, frames;
} count_sink;

static int count_write(const void *buf, size_t len, void *payload)
{
	count_sink *c = payload;
	const unsigned char *p = buf;

	c->bytes += len;
	/* one write per data frame (a zstd frame magic at its start) */
	if (len >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f &&
	    p[3] == 0xfd)
		c->frames++;
	return 0;
}

/* hs_writer_memory() against hs_writer.h's bound while writing `n`
 * objects; @return the worst excess over the bound (<= 0 is good). */
static void check_memory(size_t frame_size, size_t n, int level,
			 unsigned threads)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	count_sink c = { 0, 0 };
	hs_sink sink = { &c, count_write };
	hs_writer *w;
	uint32_t t;
	uint64_t refs[3];
	size_t cap = frame_size + HS_RECORD_MAX;
	/* hs_writer.h: two record buffers with the helper thread, one
	 * without; the struct itself is the 1024 */
	size_t fixed = (threads ? 2 : 1) * cap + ZSTD_compressBound(cap) +
		       ZSTD_estimateCCtxSize(level) + 1024;  /* + the struct */
	size_t peak = 0, worst_frames = 0, last = 0, grew_at = 0, m1 = 0;
	uint64_t f1 = 0;
	int over = 0;

	o.frame_size = frame_size;
	o.level = level;
	o.threads = threads;
	CU_ASSERT_EQUAL_FATAL(hs_writer_open_sink(&w, sink, "mem", &o, &h), 0);
	CU_ASSERT_EQUAL(hs_writer_type(&t, w, "node", 4), 0);
	for (size_t i = 0; i < n; i++) {
		hs_object ob;

		memset(&ob, 0, sizeof(ob));
		ob.id = 0x10000 + i * 32;
		ob.type = t;
		ob.size = 32;
		refs[0] = ob.id - 32;
		refs[1] = ob.id + 32;
		refs[2] = 0x10000 + (i * 7919 % (n + 1)) * 32;
		ob.nrefs = i % 4;
		ob.refs = refs;
		ob.site = HS_NO_SITE;
		if (hs_writer_object(w, &ob) != 0) {
			CU_FAIL("hs_writer_object");
			break;
		}
		if (i % 4096 == 0 || i + 1 == n) {
			size_t m = hs_writer_memory(w);
			/* the frame index: 48 B a frame, as an array that
			 * doubles from 64 entries (so up to 2x) */
			size_t idx = 48 * (c.frames < 32 ? 64 : 2 * c.frames);

			/* once a frame is out the context has its size: from
			 * then on only the frame index may grow */
			if (!m1 && c.frames >= 2) {
				m1 = m;
				f1 = c.frames;
			}
			if (m1 && m - m1 > 48 * 2 * (c.frames - f1) + 48 * 64)
				over = 2;
			if (m > peak) {
				peak = m;
				worst_frames = c.frames;
			}
			if (m > fixed + idx)
				over = 1;
			if (m > last) {
				last = m;
				grew_at = c.frames;
			}
		}
	}
	CU_ASSERT_EQUAL(over, 0);
	CU_ASSERT_EQUAL(hs_writer_count(w), n);
	fprintf(stderr, "\n    threads %u, frame_size %zu, %zu objects: %llu frames, "
		"%llu bytes, peak hs_writer_memory %zu (bound without the "
		"index %zu, index at peak %zu frames; last growth at frame "
		"%zu) ", threads, frame_size, n, (unsigned long long)c.frames,
		(unsigned long long)c.bytes, peak, fixed - 1024,
		worst_frames, grew_at);
	CU_ASSERT_EQUAL(hs_writer_close(w), 0);
	CU_ASSERT(c.frames >= (frame_size < 65536 ? 900u : 3u));
}

static void test_memory_bound_2m_objects(void)
{
	check_memory(1u << 20, 2000000, 3, 1);
	check_memory(1u << 20, 300000, 3, 0);
	/* small frames: the index is what grows, at most 2 x 48 B a frame */
	check_memory(4096, 300000, 1, 1);
	check_memory(4096, 300000, 1, 0);
}

/* ---- failing output ------------------------------------------------- */

typedef struct {
	int fd;
	size_t allow;   /* bytes accepted before failing with ENOSPC */
	size_t done;
} fd_sink;

static int fd_write(const void *buf, size_t len, void *payload)
{
	fd_sink *f = payload;
	const char *p = buf;

	while (len) {
		ssize_t n;

		if (f->done >= f->allow) {
			errno = ENOSPC;
			n = -1;
		} else {
			size_t k = f->allow - f->done < len ? f->allow - f->done
							    : len;

			n = write(f->fd, p, k);
		}
		if (n < 0)
			return hs_error_set(HS_EIO, "%s", strerror(errno));
		p += n;
		len -= (size_t)n;
		f->done += (size_t)n;
	}
	return 0;
}

/* A sink on /dev/full: the start frame, written at open, fails. */
static void test_dev_full_sink(void)
{
	fd_sink f = { open("/dev/full", O_WRONLY), (size_t)-1, 0 };
	hs_sink sink = { &f, fd_write };
	hs_writer *w = NULL;
	int rc;

	CU_ASSERT_FATAL(f.fd >= 0);
	hs_error_clear();
	rc = hs_writer_open_sink(&w, sink, "full.snap", NULL, NULL);
	CU_ASSERT_EQUAL(rc, HS_EIO);
	CU_ASSERT_PTR_NULL(w);
	CU_ASSERT(tu_contains(hs_error_last(), "full.snap"));
	CU_ASSERT(tu_contains(hs_error_last(), "byte 0"));
	CU_ASSERT(tu_contains(hs_error_last(), strerror(ENOSPC)));
	close(f.fd);
}

/* A sink that fills up mid-stream: the failing call and every later one
 * return HS_EIO; close does too. */
static void test_sink_fills_up_mid_stream(void)
{
	fd_sink f = { open("/dev/null", O_WRONLY), 20000, 0 };
	hs_sink sink = { &f, fd_write };
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_writer *w = NULL;
	uint32_t t;
	size_t i;
	int rc = 0;

	o.frame_size = 4096;
	o.level = 1;
	CU_ASSERT_FATAL(f.fd >= 0);
	CU_ASSERT_EQUAL_FATAL(hs_writer_open_sink(&w, sink, "fill.snap", &o,
						  NULL), 0);
	CU_ASSERT_EQUAL(hs_writer_type(&t, w, "x", 1), 0);
	for (i = 0; i < 1000000 && rc == 0; i++) {
		hs_object ob;
		uint64_t r = i * 7919;  /* poorly compressible */

		memset(&ob, 0, sizeof(ob));
		ob.id = i * 0x9E3779B97F4A7C15ull;
		ob.size = i;
		ob.nrefs = 1;
		ob.refs = &r;
		ob.site = HS_NO_SITE;
		rc = hs_writer_object(w, &ob);
	}
	CU_ASSERT_EQUAL(rc, HS_EIO);
	CU_ASSERT(tu_contains(hs_error_last(), "fill.snap"));
	CU_ASSERT(tu_contains(hs_error_last(), strerror(ENOSPC)));
	CU_ASSERT(f.done <= 20000);
	/* sticky */
	CU_ASSERT_EQUAL(hs_writer_type(&t, w, "y", 1), HS_EIO);
	CU_ASSERT_EQUAL(hs_writer_root(w, 1, "global", NULL, 0), HS_EIO);
	CU_ASSERT_EQUAL(hs_writer_close(w), HS_EIO);
	close(f.fd);
}

/* writes a little snap through the path writer; @return close's code */
static int write_path_snap(const char *path, size_t nobjects, int *obj_rc)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	tu_snap s;
	int rc;

	o.frame_size = 4096;
	*obj_rc = 0;
	rc = tu_snap_open_path(&s, path, &o);
	if (rc < 0) {
		tu_snap_free(&s);
		return rc;
	}
	for (size_t i = 0; i < nobjects && *obj_rc == 0; i++) {
		hs_object ob;
		uint64_t r[2] = { i * 0x9E3779B97F4A7C15ull, i };

		if (i == 0)
			CU_ASSERT_EQUAL(hs_writer_type(NULL, s.w, "x", 1), 0);
		memset(&ob, 0, sizeof(ob));
		ob.id = i * 48;
		ob.nrefs = 2;
		ob.refs = r;
		ob.site = HS_NO_SITE;
		*obj_rc = hs_writer_object(s.w, &ob);
	}
	rc = hs_writer_close(s.w);
	s.w = NULL;
	tu_snap_free(&s);
	return rc;
}

/* Path writers that cannot create or cannot finish their file leave
 * neither PATH nor PATH.tmp. */
static void test_path_writer_failures_leave_nothing(void)
{
	const char *nodir = tu_path("no-such-dir/x.snap");
	char tmp[600];
	int obj_rc, rc;
	struct rlimit old, lim;
	void (*old_handler)(int);

	/* a missing directory */
	hs_error_clear();
	CU_ASSERT_EQUAL(write_path_snap(nodir, 10, &obj_rc), HS_EIO);
	CU_ASSERT(tu_contains(hs_error_last(), "x.snap.tmp"));
	CU_ASSERT(tu_contains(hs_error_last(), strerror(ENOENT)));
	CU_ASSERT(!tu_exists(nodir));
	/* /proc refuses new files, even to root */
	CU_ASSERT_EQUAL(write_path_snap("/proc/hs-unit.snap", 10, &obj_rc),
			HS_EIO);
	CU_ASSERT(!tu_exists("/proc/hs-unit.snap"));
	CU_ASSERT(!tu_exists("/proc/hs-unit.snap.tmp"));

	/* a file size limit makes a write fail mid-stream (EFBIG), as a full
	 * disk would; SIGXFSZ is ignored so write() returns the error */
	const char *path = tu_path("fsize.snap");

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_FSIZE, &old), 0);
	old_handler = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 50000;
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
	hs_error_clear();
	rc = write_path_snap(path, 200000, &obj_rc);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, old_handler);
	CU_ASSERT_EQUAL(obj_rc, HS_EIO);
	CU_ASSERT_EQUAL(rc, HS_EIO);
	CU_ASSERT(tu_contains(hs_error_last(), "fsize.snap.tmp"));
	CU_ASSERT(!tu_exists(path));
	CU_ASSERT(!tu_exists(tmp));
}

static int same_file(const char *path, const hs_buf *b)
{
	unsigned char *d;
	size_t n;
	int same;

	if (tu_read_file(path, &d, &n) < 0)
		return 0;
	same = n == b->len && memcmp(d, b->data, n) == 0;
	free(d);
	return same;
}

/* PATH.tmp while writing; close renames it to PATH (mode 0600 by
 * default); abort removes it; an old PATH stays intact until close. */
static void test_tmp_rename_abort_and_old_file(void)
{
	const char *path = tu_path("proto.snap");
	char tmp[600];
	hs_buf old = HS_BUF_INIT;
	tu_strv expect = TU_STRV_INIT;
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	tu_snap s;
	struct stat st;
	hs_reader *r;
	tu_strv got = TU_STRV_INIT;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	o.frame_size = 4096;
	/* close renames */
	CU_ASSERT_EQUAL_FATAL(tu_snap_open_path(&s, path, &o), 0);
	CU_ASSERT(tu_exists(tmp));
	CU_ASSERT(!tu_exists(path));
	tu_random_graph(&s, 3, 500, 0);
	CU_ASSERT(tu_exists(tmp));
	CU_ASSERT(!tu_exists(path));
	CU_ASSERT_EQUAL(tu_snap_close(&s), 0);
	CU_ASSERT(tu_exists(path));
	CU_ASSERT(!tu_exists(tmp));
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	CU_ASSERT_EQUAL_FATAL(hs_reader_open(&r, path, NULL), 0);
	CU_ASSERT_EQUAL(tu_read_all(r, &got, NULL), HS_ITEROVER);
	CU_ASSERT(tu_strv_eq(&got, &s.expect, "path snap"));
	hs_reader_free(r);
	tu_strv_free(&got);
	tu_strv_copy(&expect, &s.expect);
	tu_snap_free(&s);
	CU_ASSERT_EQUAL_FATAL(tu_read_file(path, &old.data, &old.len), 0);
	old.cap = old.len;

	/* abort: PATH.tmp goes, the old PATH stays as it was */
	CU_ASSERT_EQUAL_FATAL(tu_snap_open_path(&s, path, &o), 0);
	tu_random_graph(&s, 4, 700, 0);
	CU_ASSERT(tu_exists(tmp));
	CU_ASSERT(same_file(path, &old));
	hs_writer_abort(s.w);
	s.w = NULL;
	CU_ASSERT(!tu_exists(tmp));
	CU_ASSERT(same_file(path, &old));
	tu_snap_free(&s);

	/* a new writer over the old PATH: intact until close replaces it */
	o.sync = 1;
	o.file_mode = 0640;
	CU_ASSERT_EQUAL_FATAL(tu_snap_open_path(&s, path, &o), 0);
	tu_random_graph(&s, 5, 900, 0);
	CU_ASSERT(same_file(path, &old));
	CU_ASSERT_EQUAL(tu_snap_close(&s), 0);
	CU_ASSERT(!tu_exists(tmp));
	CU_ASSERT(!same_file(path, &old));
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0640);
	CU_ASSERT_EQUAL_FATAL(hs_reader_open(&r, path, NULL), 0);
	CU_ASSERT_EQUAL(tu_read_all(r, &got, NULL), HS_ITEROVER);
	CU_ASSERT(tu_strv_eq(&got, &s.expect, "replaced snap"));
	hs_reader_free(r);
	tu_strv_free(&got);
	tu_snap_free(&s);
	tu_strv_free(&expect);
	hs_buf_release(&old);
	/* NULL-safe */
	hs_writer_abort(NULL);
	CU_ASSERT_EQUAL(hs_writer_close(NULL), 0);
}

HS_SUITE(writer,
	 HS_TEST(test_msgpack_c_decodes_what_was_written),
	 HS_TEST(test_zstd_tool_prints_msgpack),
	 HS_TEST(test_big_objects_become_refs_records),
	 HS_TEST(test_preview_cut_on_utf8_boundary),
	 HS_TEST(test_bad_arguments),
	 HS_TEST(test_memory_bound_2m_objects),
	 HS_TEST(test_dev_full_sink),
	 HS_TEST(test_sink_fills_up_mid_stream),
	 HS_TEST(test_path_writer_failures_leave_nothing),
	 HS_TEST(test_tmp_rename_abort_and_old_file))
