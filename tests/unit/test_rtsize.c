/*
 * test_rtsize.c - two sizes of an object and the process's RSS: the
 * header's rss and an object's runtime size (hs_object.rt_size, Python's
 * sys.getsizeof beside what the object costs) written and read back,
 * absent when equal to the size; the graph's sizes either way
 * (hs_graph_options.runtime_sizes); the summary's two totals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_graph.h"
#include "hs_reader.h"
#include "hs_summary.h"
#include "hs_writer.h"
#include "testutil.h"
#include "unit.h"

/* Three objects: 0x10 (104 B, getsizeof 56), 0x20 (64 B, rt_size 64:
 * the same, so not written), 0x30 (32 B, rt_size 16, with a site-less
 * preview before it); RSS 10 MiB. */
static const char *write_sizes(void)
{
	static char path[512];
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	uint32_t t;
	hs_object o = { 0x10, 0, 104, 0, NULL, NULL, NULL,
			{ HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

	h.runtime = "python";
	h.rss = 10u << 20;
	snprintf(path, sizeof(path), "%s/rtsize.snap", hs_unit_tmpdir());
	CU_ASSERT_FATAL(hs_writer_open(&w, path, NULL, &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&t, w, "Rec", 3) == 0);
	CU_ASSERT_FATAL(hs_writer_object_sized(w, &o, 56) == 0);
	o.id = 0x20;
	o.size = 64;
	CU_ASSERT_FATAL(hs_writer_object_sized(w, &o, 64) == 0);
	o.id = 0x30;
	o.size = 32;
	o.preview.kind = HS_VALUE_INT;
	o.preview.v.i = 7;
	CU_ASSERT_FATAL(hs_writer_object_sized(w, &o, 16) == 0);
	CU_ASSERT_FATAL(hs_writer_root(w, 0x10, "global", NULL, 0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	return path;
}

static void test_read_back(void)
{
	const char *path = write_sizes();
	static const uint64_t want[3] = { 56, 0, 16 };
	hs_reader *r = NULL;
	hs_record rec;
	unsigned n = 0;

	CU_ASSERT_FATAL(hs_reader_open(&r, path, NULL) == 0);
	CU_ASSERT_EQUAL(hs_reader_info(r)->header.rss, 10u << 20);
	while (hs_reader_next(&rec, r) == 0) {
		if (rec.kind == HS_REC_HEADER)
			CU_ASSERT_EQUAL(rec.u.header.rss, 10u << 20);
		if (rec.kind != HS_REC_OBJECT || n >= 3)
			continue;
		CU_ASSERT_EQUAL(rec.u.object.rt_size, want[n]);
		CU_ASSERT_EQUAL(rec.u.object.obj.site, HS_NO_SITE);
		n++;
	}
	CU_ASSERT_EQUAL(n, 3);
	hs_reader_free(r);
}

static void test_graph_and_summary(void)
{
	const char *path = write_sizes();
	hs_graph_options go = HS_GRAPH_OPTIONS_INIT;
	hs_graph *g = NULL;
	hs_summary s;

	CU_ASSERT_FATAL(hs_graph_load(&g, path, NULL) == 0);
	CU_ASSERT_EQUAL(hs_graph_size(g, 0), 104);
	CU_ASSERT_EQUAL(hs_graph_size(g, 2), 32);
	CU_ASSERT_EQUAL(hs_graph_info(g)->header.rss, 10u << 20);
	hs_graph_free(g);
	go.runtime_sizes = 1;
	CU_ASSERT_FATAL(hs_graph_load(&g, path, &go) == 0);
	CU_ASSERT_EQUAL(hs_graph_size(g, 0), 56);
	CU_ASSERT_EQUAL(hs_graph_size(g, 1), 64);
	CU_ASSERT_EQUAL(hs_graph_size(g, 2), 16);
	hs_graph_free(g);
	go.version = 2;    /* before runtime_sizes: the field is not read */
	CU_ASSERT_FATAL(hs_graph_load(&g, path, &go) == 0);
	CU_ASSERT_EQUAL(hs_graph_size(g, 0), 104);
	hs_graph_free(g);
	CU_ASSERT_FATAL(hs_summary_read(&s, path, NULL) == 0);
	CU_ASSERT_EQUAL(s.shallow, 104 + 64 + 32);
	CU_ASSERT_EQUAL(s.rt_shallow, 56 + 64 + 16);
	CU_ASSERT_EQUAL(s.rt_sized, 2);
	hs_summary_release(&s);
}

HS_SUITE(rtsize, HS_TEST(test_read_back), HS_TEST(test_graph_and_summary))
