/*
 * test_classes.c - types that share a name (classes.c and the graph's
 * grouping of type records by name): which types belong together, the
 * ids their records give, how one is named and how a user's text selects
 * them (a real name that looks like a class mark wins); index gaps and
 * undeclared types, which are types of their own; and the JSON-lines
 * "id" of a type line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_classes.h"
#include "hs_graph.h"
#include "hs_jsonl.h"
#include "hs_writer.h"
#include "testutil.h"
#include "unit.h"

/* Type records: 0 list, 1 Rec (id 0xa0), 2 Rec (no id), 3 Rec (id 0xc0),
 * 4 "we@ird#1", 5 "" (no name), 6 "Rec@0xa0" (a name, not a mark); one
 * object of each type. */
static hs_graph *load_classes(void)
{
	static const char *const names[] = { "list", "Rec", "Rec", "Rec",
					     "we@ird#1", "", "Rec@0xa0" };
	static const uint64_t ids[] = { 0, 0xa0, 0, 0xc0, 0, 0, 0 };
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	hs_graph *g = NULL;
	char path[512];
	uint32_t t;

	snprintf(path, sizeof(path), "%s/classes.snap", hs_unit_tmpdir());
	CU_ASSERT_FATAL(hs_writer_open(&w, path, NULL, &h) == 0);
	for (uint32_t i = 0; i < 7; i++) {
		hs_object o = { 0x1000 + 16 * i, 0, 8, 0, NULL, NULL, NULL,
				{ HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

		CU_ASSERT_FATAL((ids[i]
				 ? hs_writer_type_id(&t, w, names[i],
						     strlen(names[i]), ids[i])
				 : hs_writer_type(&t, w, names[i],
						  strlen(names[i]))) == 0);
		CU_ASSERT_FATAL(t == i);
		o.type = t;
		CU_ASSERT_FATAL(hs_writer_object(w, &o) == 0);
	}
	CU_ASSERT_FATAL(hs_writer_root(w, 0x1000, "global", NULL, 0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	CU_ASSERT_FATAL(hs_graph_load(&g, path, NULL) == 0);
	return g;
}

static void test_grouping(void)
{
	hs_graph *g = load_classes();
	static const uint32_t first[] = { 0, 1, 1, 1, 4, 5, 6 };
	static const uint32_t classes[] = { 1, 3, 3, 3, 1, 1, 1 };
	uint64_t id = 7;

	CU_ASSERT_EQUAL_FATAL(hs_graph_type_count(g), 7);
	for (uint32_t t = 0; t < 7; t++) {
		CU_ASSERT_EQUAL(hs_graph_type_first(g, t), first[t]);
		CU_ASSERT_EQUAL(hs_graph_type_classes(g, t), classes[t]);
	}
	CU_ASSERT_EQUAL(hs_graph_type_classes(g, 99), 0);
	CU_ASSERT_EQUAL(hs_graph_type_first(g, 99), 99);
	CU_ASSERT(hs_graph_type_id(&id, g, 1) == 0 && id == 0xa0);
	CU_ASSERT(hs_graph_type_id(&id, g, 3) == 0 && id == 0xc0);
	CU_ASSERT(hs_graph_type_id(&id, g, 2) == HS_ENOTFOUND && id == 0);
	CU_ASSERT_EQUAL(hs_graph_type_id(&id, g, 99), HS_ENOTFOUND);
	CU_ASSERT_EQUAL(hs_graph_type_find(g, "Rec"), 1);
	hs_graph_free(g);
}

static void check_name(const hs_graph *g, uint32_t t, int split,
		       const char *want)
{
	hs_buf b = HS_BUF_INIT;

	CU_ASSERT_FATAL(hs_class_name(&b, g, t, split) == 0);
	CU_ASSERT(b.len == strlen(want) && memcmp(b.data, want, b.len) == 0);
	if (b.len != strlen(want) || memcmp(b.data, want, b.len) != 0)
		fprintf(stderr, "type %u: '%.*s', expected '%s'\n", t,
			(int)b.len, (const char *)b.data, want);
	hs_buf_release(&b);
}

/* spec selects exactly the types listed (a -1 ends the list). */
static void check_select(const hs_graph *g, const char *spec,
			 const int *want)
{
	uint8_t *sel = NULL;
	uint32_t n = 0, nwant = 0;
	int rc = hs_class_select(&sel, &n, g, spec);

	while (want[nwant] >= 0)
		nwant++;
	if (!nwant) {
		CU_ASSERT_EQUAL(rc, HS_ENOTFOUND);
		CU_ASSERT_PTR_NULL(sel);
		CU_ASSERT_EQUAL(n, 0);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(n, nwant);
	for (uint32_t t = 0, k = 0; t < hs_graph_type_count(g); t++) {
		int in = k < nwant && want[k] == (int)t;

		CU_ASSERT_EQUAL(sel[t], in);
		k += (uint32_t)in;
	}
	free(sel);
}

static void test_names_and_selection(void)
{
	hs_graph *g = load_classes();

	check_name(g, 0, 1, "list");
	check_name(g, 1, 0, "Rec");
	check_name(g, 1, 1, "Rec@0xa0");
	check_name(g, 2, 1, "Rec#2");
	check_name(g, 3, 1, "Rec@0xc0");
	check_name(g, 5, 1, "<type 5>");
	check_name(g, 6, 1, "Rec@0xa0");  /* a name of its own: no mark */

	check_select(g, "Rec", (const int[]){ 1, 2, 3, -1 });
	check_select(g, "Rec#2", (const int[]){ 2, -1 });
	check_select(g, "Rec@0xc0", (const int[]){ 3, -1 });
	check_select(g, "Rec@192", (const int[]){ 3, -1 });
	check_select(g, "Rec@0xa0", (const int[]){ 6, -1 });  /* exact name */
	check_select(g, "we@ird#1", (const int[]){ 4, -1 });
	check_select(g, "list#0", (const int[]){ 0, -1 });
	check_select(g, "Rec#9", (const int[]){ -1 });
	check_select(g, "Rec#1x", (const int[]){ -1 });
	check_select(g, "Rec@0xzz", (const int[]){ -1 });
	check_select(g, "Rec@", (const int[]){ -1 });
	check_select(g, "Rec@-1", (const int[]){ -1 });
	check_select(g, "Nope", (const int[]){ -1 });
	check_select(g, "@0xa0", (const int[]){ -1 });
	hs_graph_free(g);
}

static void pk_type(msgpack_packer *pk, uint32_t index, const char *name,
		    int has_id, uint64_t id)
{
	msgpack_pack_array(pk, has_id ? 4 : 3);
	msgpack_pack_uint8(pk, HS_REC_TYPE);
	msgpack_pack_uint32(pk, index);
	msgpack_pack_str(pk, strlen(name));
	msgpack_pack_str_body(pk, name, strlen(name));
	if (has_id)
		msgpack_pack_uint64(pk, id);
}

static void pk_object(msgpack_packer *pk, uint64_t delta, uint32_t type)
{
	msgpack_pack_array(pk, 5);
	msgpack_pack_uint8(pk, HS_REC_OBJECT);
	msgpack_pack_uint64(pk, delta);
	msgpack_pack_uint32(pk, type);
	msgpack_pack_uint8(pk, 8);
	msgpack_pack_array(pk, 0);
}

/* Crafted: types 0 "A", 2 "A" (id 0xa0), 3 "?1"; no record for type 1
 * (a gap, named "?1" by the loader) and an object of undeclared type 9.
 * Only declared names are grouped: the gap and "(undeclared)" are types
 * of their own, even where a declared type has the gap's name. */
static void test_gaps(void)
{
	hs_buf file = HS_BUF_INIT;
	tu_frame f;
	hs_frame_info fi;
	hs_graph *g = NULL;
	char path[512];
	uint64_t id = 0;

	tu_craft_start(&file, 1);
	tu_frame_init(&f);
	tu_frame_start(&f, 0, 0);
	tu_frame_header(&f, 1, HS_REFS_BY_ID, 0);
	pk_type(&f.pk, 0, "A", 0, 0);
	pk_type(&f.pk, 2, "A", 1, 0xa0);
	pk_type(&f.pk, 3, "?1", 0, 0);
	pk_object(&f.pk, 0x100, 0);
	pk_object(&f.pk, 16, 1);
	pk_object(&f.pk, 16, 2);
	pk_object(&f.pk, 16, 3);
	pk_object(&f.pk, 16, 9);
	f.records += 9;
	f.objects += 5;
	tu_craft_frame(&file, &f, 1, &fi);
	tu_frame_destroy(&f);
	snprintf(path, sizeof(path), "%s/classes_gaps.snap", hs_unit_tmpdir());
	tu_write_file(path, file.data, file.len);
	hs_buf_release(&file);
	CU_ASSERT_FATAL(hs_graph_load(&g, path, NULL) == 0);
	CU_ASSERT_EQUAL_FATAL(hs_graph_type_count(g), 5);
	CU_ASSERT_EQUAL(hs_graph_type_first(g, 2), 0);
	CU_ASSERT_EQUAL(hs_graph_type_classes(g, 0), 2);
	CU_ASSERT_EQUAL(hs_graph_type_classes(g, 2), 2);
	CU_ASSERT(hs_graph_type_name(g, 1).len == 2 &&
		  memcmp(hs_graph_type_name(g, 1).ptr, "?1", 2) == 0);
	CU_ASSERT_EQUAL(hs_graph_type_first(g, 1), 1);
	CU_ASSERT_EQUAL(hs_graph_type_classes(g, 1), 1);
	CU_ASSERT_EQUAL(hs_graph_type_first(g, 3), 3);
	CU_ASSERT_EQUAL(hs_graph_type_classes(g, 3), 1);
	CU_ASSERT_EQUAL(hs_graph_type_first(g, 4), 4);
	CU_ASSERT_EQUAL(hs_graph_type_classes(g, 4), 1);
	CU_ASSERT(hs_graph_type_id(&id, g, 2) == 0 && id == 0xa0);
	CU_ASSERT_EQUAL(hs_graph_type_id(&id, g, 0), HS_ENOTFOUND);
	CU_ASSERT_EQUAL(hs_graph_type_id(&id, g, 4), HS_ENOTFOUND);
	hs_graph_free(g);
}

/* A type line's "id" is the type's object id; anything but an integer is
 * refused with the line named. */
static void test_jsonl_id(void)
{
	static const char text[] =
		"{\"kind\":\"header\",\"format\":\"heapsnap\",\"version\":1}\n"
		"{\"kind\":\"type\",\"index\":0,\"name\":\"Rec\",\"id\":4096}\n"
		"{\"kind\":\"type\",\"index\":1,\"name\":\"Rec\"}\n"
		"{\"kind\":\"object\",\"id\":1,\"type\":0,\"size\":8}\n"
		"{\"kind\":\"object\",\"id\":2,\"type\":1,\"size\":8}\n";
	static const char bad[] =
		"{\"kind\":\"header\",\"format\":\"heapsnap\",\"version\":1}\n"
		"{\"kind\":\"type\",\"index\":0,\"name\":\"Rec\",\"id\":\"x\"}\n";
	char path[512];
	hs_graph *g = NULL;
	uint64_t id = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/classes_jsonl.snap", hs_unit_tmpdir());
	f = fmemopen((void *)text, sizeof(text) - 1, "r");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FATAL(hs_jsonl_import(f, "t.jsonl", path, NULL, NULL) == 0);
	fclose(f);
	CU_ASSERT_FATAL(hs_graph_load(&g, path, NULL) == 0);
	CU_ASSERT(hs_graph_type_id(&id, g, 0) == 0 && id == 4096);
	CU_ASSERT_EQUAL(hs_graph_type_id(&id, g, 1), HS_ENOTFOUND);
	CU_ASSERT_EQUAL(hs_graph_type_classes(g, 1), 2);
	hs_graph_free(g);
	f = fmemopen((void *)bad, sizeof(bad) - 1, "r");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT(hs_jsonl_import(f, "t.jsonl", path, NULL, NULL) < 0);
	CU_ASSERT(strstr(hs_error_last(), "line 2") != NULL);
	fclose(f);
}

HS_SUITE(classes, HS_TEST(test_grouping),
	 HS_TEST(test_names_and_selection), HS_TEST(test_gaps),
	 HS_TEST(test_jsonl_id))
