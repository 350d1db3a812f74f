/*
 * test_seqlabel.c - labels computed from a sequence's reference order
 * (HS_TYPE_SEQUENCE): the type flag written and read back, an unlabelled
 * item j read as "[j]" past the writer's 16,384 references per record,
 * labelled references (a subclass's attributes) not counted, a reference
 * to no object still counted (item 5 stays [5] after a lost item 4), and
 * objects of other types left unlabelled; through hs_graph_label(),
 * hs_graph_labels() and a formatted path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_graph.h"
#include "hs_paths.h"
#include "hs_reader.h"
#include "hs_writer.h"
#include "testutil.h"
#include "unit.h"

#define NITEMS 40000u   /* over two refs records */

static int streq(hs_str s, const char *c)
{
	return s.ptr && s.len == strlen(c) && memcmp(s.ptr, c, s.len) == 0;
}

/* Node 0: a "list" (HS_TYPE_SEQUENCE) with an attribute "extra" first,
 * then NITEMS items: item i is node 2 + i, item 4 refers to no object;
 * node 1: a "tuple" without the flag, two unlabelled refs; nodes 2..:
 * "int" leaves.  Ids are 16 * (node + 1). */
static const char *write_seq(void)
{
	static char path[512];
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	uint64_t *refs = malloc((NITEMS + 1) * sizeof(uint64_t));
	uint32_t *labels = malloc((NITEMS + 1) * sizeof(uint32_t));
	uint32_t tl, tt, ti, sx;
	hs_writer *w;
	hs_object obj = { 16, 0, 56, 0, NULL, NULL, NULL,
			  { HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

	CU_ASSERT_FATAL(refs && labels);
	o.frame_size = 64 * 1024;   /* the items span frames too */
	snprintf(path, sizeof(path), "%s/seq.snap", hs_unit_tmpdir());
	CU_ASSERT_FATAL(hs_writer_open(&w, path, &o, &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type_flags(&tl, w, "list", 4, NULL,
					     HS_TYPE_SEQUENCE) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&tt, w, "tuple", 5) == 0);
	CU_ASSERT_FATAL(hs_writer_type_flags(&ti, w, "int", 3, NULL, 0) == 0);
	CU_ASSERT_EQUAL(hs_writer_type_flags(&ti, w, "x", 1, NULL, 0x80),
			HS_EINVAL);
	CU_ASSERT_FATAL(hs_writer_string(&sx, w, "extra", 5) == 0);
	refs[0] = 16 * 3;
	labels[0] = sx;
	for (uint32_t i = 0; i < NITEMS; i++) {
		refs[1 + i] = i == 4 ? 0xdead0 : 16 * (uint64_t)(3 + i);
		labels[1 + i] = HS_NO_LABEL;
	}
	obj.type = tl;
	obj.nrefs = NITEMS + 1;
	obj.refs = refs;
	obj.labels = labels;
	CU_ASSERT_FATAL(hs_writer_object(w, &obj) == 0);
	obj.id = 32;
	obj.type = tt;
	obj.nrefs = 2;
	obj.labels = NULL;
	refs[0] = 48;
	refs[1] = 64;
	CU_ASSERT_FATAL(hs_writer_object(w, &obj) == 0);
	obj.type = ti;
	obj.nrefs = 0;
	for (uint32_t i = 0; i < NITEMS; i++) {
		obj.id = 16 * (uint64_t)(3 + i);
		CU_ASSERT_FATAL(hs_writer_object(w, &obj) == 0);
	}
	CU_ASSERT_FATAL(hs_writer_root(w, 16, "global", "L", 0) == 0);
	CU_ASSERT_FATAL(hs_writer_root(w, 32, "global", "T", 0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	free(refs);
	free(labels);
	return path;
}

static void test_type_flags_read_back(void)
{
	const char *path = write_seq();
	hs_reader *r = NULL;
	hs_record rec;
	uint32_t flags[3] = { 9, 9, 9 };
	unsigned n = 0;

	CU_ASSERT_FATAL(hs_reader_open(&r, path, NULL) == 0);
	while (hs_reader_next(&rec, r) == 0)
		if (rec.kind == HS_REC_TYPE && n < 3) {
			flags[n++] = rec.u.type.flags;
			CU_ASSERT_EQUAL(rec.u.type.has_id, 0);
		}
	hs_reader_free(r);
	CU_ASSERT_EQUAL(flags[0], HS_TYPE_SEQUENCE);
	CU_ASSERT_EQUAL(flags[1], 0);
	CU_ASSERT_EQUAL(flags[2], 0);
}

static void test_labels_computed(void)
{
	const char *path = write_seq();
	hs_graph *g = NULL;
	hs_buf b = HS_BUF_INIT;
	hs_str s, many[5];
	uint32_t nodes[5] = { 0, 0, 0, 1, 0 };
	size_t edges[5] = { 39998, 1, 5, 0, 0 };
	char want[32];

	CU_ASSERT_FATAL(hs_graph_load(&g, path, NULL) == 0);
	/* "extra", items 0..3, (item 4 lost), 5.. */
	CU_ASSERT_EQUAL(hs_graph_out(g, 0).n, NITEMS);
	CU_ASSERT(hs_graph_label(&s, &b, g, 0, 0) == 0 && streq(s, "extra"));
	CU_ASSERT(hs_graph_label(&s, &b, g, 0, 1) == 0 && streq(s, "[0]"));
	CU_ASSERT(hs_graph_label(&s, &b, g, 0, 4) == 0 && streq(s, "[3]"));
	CU_ASSERT(hs_graph_label(&s, &b, g, 0, 5) == 0 && streq(s, "[5]"));
	snprintf(want, sizeof(want), "[%u]", NITEMS - 1);
	CU_ASSERT(hs_graph_label(&s, &b, g, 0, NITEMS - 1) == 0 &&
		  streq(s, want));
	CU_ASSERT(hs_graph_label(&s, &b, g, 1, 1) == 0 && s.ptr == NULL);
	CU_ASSERT(hs_graph_labels(many, g, nodes, edges, 5) == 0);
	CU_ASSERT(streq(many[0], "[39998]"));
	CU_ASSERT(streq(many[1], "[0]"));
	CU_ASSERT(streq(many[2], "[5]"));
	CU_ASSERT(many[3].ptr == NULL);
	CU_ASSERT(streq(many[4], "extra"));
	hs_buf_release(&b);
	hs_graph_free(g);
}

static void test_path_through_item(void)
{
	const char *path = write_seq();
	hs_graph *g = NULL;
	hs_graph_options go = HS_GRAPH_OPTIONS_INIT;
	hs_pathset *ps = NULL;
	hs_buf b = HS_BUF_INIT;
	uint32_t target;

	go.reverse = 1;
	CU_ASSERT_FATAL(hs_graph_load(&g, path, &go) == 0);
	target = hs_graph_find_id(g, 16 * (3 + 30000));
	CU_ASSERT_FATAL(target != HS_GRAPH_NONE);
	CU_ASSERT_FATAL(hs_paths_find(&ps, g, target, 1, NULL) == 0);
	CU_ASSERT_FATAL(hs_pathset_count(ps) == 1);
	CU_ASSERT_FATAL(hs_path_format(&b, g, hs_pathset_get(ps, 0)) == 0);
	CU_ASSERT(strstr((const char *)b.data, "list[30000]") != NULL);
	hs_buf_release(&b);
	hs_pathset_free(ps);
	hs_graph_free(g);
}

HS_SUITE(seqlabel, HS_TEST(test_type_flags_read_back),
	 HS_TEST(test_labels_computed), HS_TEST(test_path_through_item))
