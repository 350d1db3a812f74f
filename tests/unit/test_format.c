/*
 * test_format.c - format/FORMAT.md's worked example stays true: the five
 * objects of §10, written with the example's options, decompress to
 * exactly the bytes the spec shows, and the file's start frame and
 * trailer are laid out as §2 and §6 say.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "hs_reader.h"
#include "hs_writer.h"
#include "unit.h"

static const unsigned char expected[] = {
  0x93, 0x02, 0x00, 0x00, 0x9a, 0x01, 0xa8, 0x68, 0x65, 0x61, 0x70, 0x73,
  0x6e, 0x61, 0x70, 0x01, 0xa1, 0x63, 0xa1, 0x31, 0xcd, 0x10, 0x92, 0xcf,
  0x00, 0x00, 0x01, 0xa2, 0x41, 0xc8, 0xac, 0x00, 0xa6, 0x6d, 0x61, 0x6e,
  0x75, 0x61, 0x6c, 0x08, 0x00, 0x93, 0x03, 0x00, 0xa4, 0x6c, 0x69, 0x73,
  0x74, 0x93, 0x03, 0x01, 0xa4, 0x64, 0x69, 0x63, 0x74, 0x93, 0x03, 0x02,
  0xa4, 0x4e, 0x6f, 0x64, 0x65, 0x93, 0x03, 0x03, 0xa3, 0x73, 0x74, 0x72,
  0x93, 0x03, 0x04, 0xa5, 0x62, 0x79, 0x74, 0x65, 0x73, 0x93, 0x04, 0x00,
  0xa4, 0x6e, 0x61, 0x6d, 0x65, 0x93, 0x04, 0x01, 0xa4, 0x6e, 0x65, 0x78,
  0x74, 0x93, 0x04, 0x02, 0xa4, 0x62, 0x61, 0x63, 0x6b, 0x95, 0x05, 0xcd,
  0x10, 0x00, 0x00, 0x58, 0x92, 0xcd, 0x10, 0x60, 0xcd, 0x11, 0x50, 0x96,
  0x05, 0x60, 0x01, 0xcc, 0xe8, 0x92, 0xcd, 0x11, 0x80, 0xcd, 0x11, 0x50,
  0x92, 0x00, 0x01, 0x97, 0x05, 0xcc, 0xf0, 0x02, 0x30, 0x91, 0xcd, 0x10,
  0x00, 0x91, 0x02, 0x91, 0x01, 0x98, 0x05, 0x30, 0x03, 0x36, 0x90, 0xc0,
  0xc0, 0xa5, 0x61, 0x6c, 0x69, 0x63, 0x65, 0x95, 0x05, 0x40, 0x04, 0x28,
  0x90, 0x94, 0x07, 0xcd, 0x10, 0x00, 0xa6, 0x67, 0x6c, 0x6f, 0x62, 0x61,
  0x6c, 0xa9, 0x61, 0x70, 0x70, 0x2e, 0x52, 0x4f, 0x4f, 0x54, 0x53, 0x97,
  0x09, 0x05, 0x05, 0x05, 0x03, 0x01, 0xcd, 0x01, 0xce
};

static int write_example(const char *path)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	uint32_t tl, td, tn, ts, tb, sname, snext, sback;
	uint64_t ra[] = { 0x1060, 0x1150 }, rb[] = { 0x1180, 0x1150 };
	uint64_t rc[] = { 0x1000 };
	uint32_t lb[2], lc[1];
	uint8_t fc[] = { HS_REF_WEAK };

	h.runtime = "c";
	h.runtime_version = "1";
	h.pid = 4242;
	h.time_ms = 1796400000000ull;
	h.reason = "manual";
	if (hs_writer_open(&w, path, &o, &h) < 0)
		return -1;
	hs_writer_type(&tl, w, "list", 4);
	hs_writer_type(&td, w, "dict", 4);
	hs_writer_type(&tn, w, "Node", 4);
	hs_writer_type(&ts, w, "str", 3);
	hs_writer_type(&tb, w, "bytes", 5);
	hs_writer_string(&sname, w, "name", 4);
	hs_writer_string(&snext, w, "next", 4);
	hs_writer_string(&sback, w, "back", 4);
	lb[0] = sname;
	lb[1] = snext;
	lc[0] = sback;
	{
		hs_object a = { 0x1000, tl, 88, 2, ra, NULL, NULL,
				{ HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };
		hs_object b = { 0x1060, td, 232, 2, rb, lb, NULL,
				{ HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };
		hs_object c = { 0x1150, tn, 48, 1, rc, lc, fc,
				{ HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };
		hs_object d = { 0x1180, ts, 54, 0, NULL, NULL, NULL,
				{ HS_VALUE_STR, { .s = { "alice", 5 } } },
				HS_NO_SITE };
		hs_object e = { 0x11c0, tb, 40, 0, NULL, NULL, NULL,
				{ HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

		if (hs_writer_object(w, &a) < 0 || hs_writer_object(w, &b) < 0 ||
		    hs_writer_object(w, &c) < 0 || hs_writer_object(w, &d) < 0 ||
		    hs_writer_object(w, &e) < 0)
			return -1;
	}
	if (hs_writer_root(w, 0x1000, "global", "app.ROOTS", 0) < 0)
		return -1;
	return hs_writer_close(w);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = malloc((size_t)n);
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

static void test_worked_example(void)
{
	char path[512];
	unsigned char out[1024];
	unsigned char *file;
	size_t len = 0, n, data_end;
	uint32_t tlen;

	snprintf(path, sizeof(path), "%s/example.snap", hs_unit_tmpdir());
	CU_ASSERT_FATAL(write_example(path) == 0);
	file = slurp(path, &len);
	CU_ASSERT_FATAL(file != NULL);
	/* §2: the start frame */
	CU_ASSERT(len > 16 + 24);
	CU_ASSERT(memcmp(file, "\x50\x2a\x4d\x18\x08\x00\x00\x00HSNAP\0\x01\x00",
			 16) == 0);
	/* §6: the footer names the trailer's length; the trailer's
	 * skippable header sits right before it */
	CU_ASSERT(memcmp(file + len - 4, "HSTR", 4) == 0);
	tlen = file[len - 8] | file[len - 7] << 8 | file[len - 6] << 16 |
	       (uint32_t)file[len - 5] << 24;
	data_end = len - 16 - tlen - 8;
	CU_ASSERT(memcmp(file + data_end, "\x5e\x2a\x4d\x18", 4) == 0);
	/* §10: one data frame, decompressing to the spec's bytes */
	n = ZSTD_decompress(out, sizeof(out), file + 16, data_end - 16);
	CU_ASSERT_FATAL(!ZSTD_isError(n));
	CU_ASSERT_EQUAL(n, sizeof(expected));
	CU_ASSERT(memcmp(out, expected, sizeof(expected)) == 0);
	free(file);
}

HS_SUITE(format, HS_TEST(test_worked_example))
