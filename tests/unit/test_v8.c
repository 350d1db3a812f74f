/*
 * test_v8.c - the V8 heap snapshot import (v8_parse.c, v8_import.c,
 * source.c, json.c's document mode): a small snapshot maps as
 * format/V8.md says; the layout comes from snapshot.meta whatever its
 * order and extra fields; gzip input; strings V8 writes (lone
 * surrogates, long names); hostile inputs each fail with the line,
 * column and byte of the cause and leave nothing behind.  The dominator
 * rules are in test_v8_rules.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hs_dom.h"
#include "hs_v8.h"
#include "testutil.h"
#include "unit.h"
#include "v8util.h"

/*
 *   root --element[1]--> GC (synthetic "(GC roots)")
 *   root --shortcut "global"--> G (object "global")
 *   GC --element[0]--> A (object "Foo", 32 B)
 *   G --property "k"--> A
 *   A --property "bar"--> S (string "hello", 16 B)
 *   A --weak "w"--> B (object "Foo", 24 B)
 *   A --element[3]--> B
 *   B --hidden[2]--> H (hidden "system / Thing", 8 B)
 *   B --internal "back"--> root (dropped: the root is no object)
 *   C (closure "handler", 40 B) retained by G --context "fn"
 */
static const v8t_node basic_nodes[] = {
	{ "synthetic", "", 1, 0 },
	{ "synthetic", "(GC roots)", 3, 0 },
	{ "object", "global", 5, 48 },
	{ "object", "Foo", 7, 32 },
	{ "string", "hello", 9, 16 },
	{ "object", "Foo", 11, 24 },
	{ "hidden", "system / Thing", 13, 8 },
	{ "closure", "handler", 15, 40 },
};
static const v8t_edge basic_edges[] = {
	{ 0, 1, "element", NULL, 1 },
	{ 0, 2, "shortcut", "global", 0 },
	{ 1, 3, "element", NULL, 0 },
	{ 2, 3, "property", "k", 0 },
	{ 2, 7, "context", "fn", 0 },
	{ 3, 4, "property", "bar", 0 },
	{ 3, 5, "weak", "w", 0 },
	{ 3, 5, "element", NULL, 3 },
	{ 5, 6, "hidden", NULL, 2 },
	{ 5, 0, "internal", "back", 0 },
};
#define NB (sizeof(basic_nodes) / sizeof(basic_nodes[0]))
#define EB (sizeof(basic_edges) / sizeof(basic_edges[0]))

static const char basic_expect[] =
	"11 Foo 24 ->13:[2]:0\n"
	"13 (system) 8 'system / Thing'\n"
	"15 (closure) 40 'handler'\n"
	"3 (synthetic) 0 '(GC roots)' ->7:[0]:0\n"
	"5 global 48 ->7:k:0 ->15:fn:0\n"
	"7 Foo 32 ->9:bar:0 ->11:w:1 ->11:[3]:0\n"
	"9 (string) 16 'hello'\n"
	"root element '(GC roots)' 3\n"
	"root shortcut 'global' 5\n";

static void test_v8_basic(void)
{
	hs_v8_stats st;
	char *json = v8t_json(basic_nodes, NB, basic_edges, EB, 0, 0);
	hs_graph *g = v8t_load(json, "basic.snap", NULL, &st);
	char *d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	d = v8t_describe(g);
	if (strcmp(d, basic_expect) != 0)
		fprintf(stderr, "got:\n%s\nwant:\n%s\n", d, basic_expect);
	CU_ASSERT_STRING_EQUAL(d, basic_expect);
	CU_ASSERT_EQUAL(st.nodes, NB);
	CU_ASSERT_EQUAL(st.edges, EB);
	CU_ASSERT_EQUAL(st.objects, NB - 1);
	CU_ASSERT_EQUAL(st.refs, EB - 3);     /* the root's 2, B's 1 */
	CU_ASSERT_EQUAL(st.root_refs, 1);
	CU_ASSERT_EQUAL(st.roots, 2);
	CU_ASSERT_EQUAL(st.weak_edges, 1);
	CU_ASSERT_EQUAL(st.unreachable, 0);
	CU_ASSERT_EQUAL(hs_graph_info(g)->ref_mode, HS_REFS_BY_INDEX);
	CU_ASSERT_STRING_EQUAL(hs_graph_info(g)->header.runtime, "v8");
	hs_graph_free(g);
	free(d);
	free(json);
}

/* The layout comes from meta: reordered fields and types, extra fields
 * and types, a root that is not node 0, trailing sections: one graph. */
static void test_v8_layout(void)
{
	static const unsigned variants[] = {
		V8T_EXTRA, V8T_REORDER, V8T_TRAILING,
		V8T_EXTRA | V8T_REORDER | V8T_TRAILING
	};
	v8t_node nodes[NB];
	v8t_edge edges[EB];

	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		char *json = v8t_json(basic_nodes, NB, basic_edges, EB, 0,
				      variants[i]);
		hs_graph *g = v8t_load(json, "layout.snap", NULL, NULL);
		char *d;

		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		d = v8t_describe(g);
		if (strcmp(d, basic_expect) != 0)
			fprintf(stderr, "variant %u:\n%s\n", variants[i], d);
		CU_ASSERT_STRING_EQUAL(d, basic_expect);
		hs_graph_free(g);
		free(d);
		free(json);
	}
	/* the root moved to ordinal 4: swap nodes 0 and 4 */
	memcpy(nodes, basic_nodes, sizeof(nodes));
	memcpy(edges, basic_edges, sizeof(edges));
	nodes[0] = basic_nodes[4];
	nodes[4] = basic_nodes[0];
	for (size_t e = 0; e < EB; e++) {
		edges[e].from = edges[e].from == 0 ? 4 : edges[e].from == 4 ? 0
			      : edges[e].from;
		edges[e].to = edges[e].to == 0 ? 4 : edges[e].to == 4 ? 0
			    : edges[e].to;
	}
	{
		char *json = v8t_json(nodes, NB, edges, EB, 4, V8T_EXTRA);
		hs_graph *g = v8t_load(json, "root4.snap", NULL, NULL);
		char *d;

		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		d = v8t_describe(g);
		CU_ASSERT_STRING_EQUAL(d, basic_expect);
		hs_graph_free(g);
		free(d);
		free(json);
	}
}

/* gzip members of text into a buffer. */
static void gzip_parts(hs_buf *out, const char *text, size_t len, int parts)
{
	size_t step = len / (size_t)parts + 1;

	for (size_t off = 0; off < len; off += step) {
		size_t n = len - off < step ? len - off : step;
		z_stream z;
		unsigned char buf[1 << 16];
		int zr;

		memset(&z, 0, sizeof(z));
		CU_ASSERT_FATAL(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS,
					     8, Z_DEFAULT_STRATEGY) == Z_OK);
		z.next_in = (unsigned char *)text + off;
		z.avail_in = (unsigned)n;
		do {
			z.next_out = buf;
			z.avail_out = sizeof(buf);
			zr = deflate(&z, Z_FINISH);
			hs_buf_append(out, buf, sizeof(buf) - z.avail_out);
		} while (zr == Z_OK);
		CU_ASSERT(zr == Z_STREAM_END);
		deflateEnd(&z);
	}
}

static void test_v8_gzip(void)
{
	char *json = v8t_json(basic_nodes, NB, basic_edges, EB, 0,
			      V8T_TRAILING);
	hs_graph_options go = HS_GRAPH_OPTIONS_INIT;

	for (int parts = 1; parts <= 3; parts += 2) {
		hs_buf gz = HS_BUF_INIT;
		hs_v8_stats st;
		hs_graph *g = NULL;
		char *d;

		gzip_parts(&gz, json, strlen(json), parts);
		CU_ASSERT_EQUAL_FATAL(v8t_import((char *)gz.data, gz.len,
						 "gz.snap", NULL, &st), 0);
		CU_ASSERT(st.gzip);
		CU_ASSERT_EQUAL(st.bytes, strlen(json));
		CU_ASSERT_EQUAL_FATAL(hs_graph_load(&g, tu_path("gz.snap"),
						    &go), 0);
		d = v8t_describe(g);
		CU_ASSERT_STRING_EQUAL(d, basic_expect);
		free(d);
		hs_graph_free(g);
		/* cut short: an error, and nothing left */
		CU_ASSERT_EQUAL(v8t_import((char *)gz.data, gz.len - 9,
					   "gzcut.snap", NULL, NULL),
				HS_ECORRUPT);
		CU_ASSERT(tu_contains(hs_error_last(), "gzip"));
		CU_ASSERT(!tu_exists(tu_path("gzcut.snap")));
		CU_ASSERT(!tu_exists(tu_path("gzcut.snap.tmp")));
		/* a damaged byte in the deflate data */
		gz.data[gz.len / 2] ^= 0x55;
		CU_ASSERT(v8t_import((char *)gz.data, gz.len, "gzbad.snap",
				     NULL, NULL) < 0);
		CU_ASSERT(!tu_exists(tu_path("gzbad.snap")));
		hs_buf_release(&gz);
	}
	free(json);
}

/* Names as V8 writes them: escapes, lone surrogates (U+FFFD), names
 * longer than HS_V8_NAME_MAX (cut on a character boundary), previews cut
 * to HS_V8_PREVIEW_MAX; --redact drops the data previews only. */
static void test_v8_strings(void)
{
	char long_name[2100], long_str[200];
	v8t_node nodes[] = {
		{ "synthetic", "", 1, 0 },
		{ "object", long_name, 3, 8 },
		{ "string", long_str, 5, 8 },
		{ "closure", "f\xc3\xa9", 7, 8 },
		{ "number", "3.25", 9, 8 },
	};
	v8t_edge edges[] = {
		{ 0, 1, "element", NULL, 1 },
		{ 1, 2, "property", "\\ud800x\\u00e9\\ud83d\\ude00", 0 },
		{ 1, 3, "property", "\\udc00", 0 },
		{ 1, 4, "property", "n", 0 },
	};
	hs_v8_options o = HS_V8_OPTIONS_INIT;
	hs_buf storage = HS_BUF_INIT;
	hs_graph *g;
	hs_value pv;
	hs_str l;

	/* 1023 bytes of 'a' then a 2-byte character across the cut */
	memset(long_name, 'a', 1023);
	strcpy(long_name + 1023, "\xc3\xa9tail");
	memset(long_str, 'b', 63);
	strcpy(long_str + 63, "\xe2\x82\xac and more");
	for (int redact = 0; redact < 2; redact++) {
		char *json = v8t_json(nodes, 5, edges, 4, 0, 0);
		uint32_t obj;

		o.redact = redact;
		g = v8t_load(json, "strings.snap", &o, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		obj = hs_graph_find_id(g, 3);
		CU_ASSERT_EQUAL(hs_graph_type_name(g, hs_graph_type(g, obj)).len,
				1023);
		CU_ASSERT_EQUAL_FATAL(hs_graph_label(&l, &storage, g, obj, 0), 0);
		CU_ASSERT(l.len == 10 && memcmp(l.ptr, "\xef\xbf\xbdx\xc3"
						"\xa9\xf0\x9f\x98\x80", 10) == 0);
		CU_ASSERT_EQUAL_FATAL(hs_graph_label(&l, &storage, g, obj, 1), 0);
		CU_ASSERT(l.len == 3 && memcmp(l.ptr, "\xef\xbf\xbd", 3) == 0);
		CU_ASSERT_EQUAL(hs_graph_preview(&pv, &storage, g,
						 hs_graph_find_id(g, 5)), 0);
		if (redact)
			CU_ASSERT_EQUAL(pv.kind, HS_VALUE_NONE);
		if (!redact)
			CU_ASSERT(pv.kind == HS_VALUE_STR && pv.v.s.len == 63);
		CU_ASSERT_EQUAL(hs_graph_preview(&pv, &storage, g,
						 hs_graph_find_id(g, 7)), 0);
		CU_ASSERT(pv.kind == HS_VALUE_STR && pv.v.s.len == 3);
		CU_ASSERT_EQUAL(hs_graph_preview(&pv, &storage, g,
						 hs_graph_find_id(g, 9)), 0);
		CU_ASSERT_EQUAL(pv.kind, redact ? HS_VALUE_NONE : HS_VALUE_STR);
		hs_graph_free(g);
		free(json);
	}
	hs_buf_release(&storage);
}

#define META "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\"," \
	"\"id\",\"self_size\",\"edge_count\"],\"node_types\":[[\"hidden\"," \
	"\"object\",\"synthetic\"],\"string\",\"number\",\"number\"," \
	"\"number\"],\"edge_fields\":[\"type\",\"name_or_index\"," \
	"\"to_node\"],\"edge_types\":[[\"element\",\"property\",\"weak\"]," \
	"\"string_or_number\",\"node\"]}},\n"
#define GOOD_NODES "\"nodes\":[2,0,1,0,1\n,1,1,3,8,0],\n"
#define GOOD_EDGES "\"edges\":[0,1,5],\n"
#define GOOD_STRINGS "\"strings\":[\"\",\"Foo\"]}\n"

typedef struct {
	const char *json;
	int rc;
	const char *msg;   /* a part of the message, with the place */
} bad_case;

static const bad_case bad[] = {
	{ "", HS_ECORRUPT, "line 1, column 1 (byte 0): not a V8 heap "
	  "snapshot" },
	{ "[1,2]", HS_ECORRUPT, "not a V8 heap snapshot" },
	{ "{\"snapshot\":{}}", HS_ECORRUPT, "has no \"meta\"" },
	{ META "\"x\":1}", HS_ECORRUPT, "no \"nodes\"" },
	{ META GOOD_EDGES, HS_ECORRUPT, "\"edges\" too early" },
	{ META GOOD_NODES GOOD_NODES, HS_ECORRUPT, "\"nodes\" twice" },
	{ META "\"nodes\":[2,0,1,0,1\n,1,1,3,8],", HS_ECORRUPT,
	  "line 3, column 2 (byte 307): the nodes array ends inside a node" },
	{ META "\"nodes\":[7,0,1,0,1],", HS_ECORRUPT, "line 2, column 10 "
	  "(byte 296): node type 7 is not one of the 3" },
	{ META "\"nodes\":[2,0,1,0,1,1,1,3,8,-1],", HS_ECORRUPT,
	  "column 28 (byte 314): expected a non-negative integer, got a "
	  "negative integer" },
	{ META "\"nodes\":[2,0,1,0,1,1,1,3,8,1.5],", HS_ECORRUPT,
	  "expected a non-negative integer, got a number" },
	{ META "\"nodes\":[2,0,1,0,1 1,1,3,8,0],", HS_ECORRUPT,
	  "expected ',' or ']', got an integer" },
	{ META "\"nodes\":[2,0,1,0,1,1,1,3,8,0,],", HS_ECORRUPT,
	  "expected a non-negative integer, got ']'" },
	{ META "\"nodes\":[2,0,1,0,01,1,1,3,8,0],", HS_ECORRUPT,
	  "malformed number '01'" },
	{ META "\"nodes\":[2,0,1,0,1,1,1,3,8,0,", HS_ECORRUPT,
	  "the input ends inside an array" },
	{ META "\"nodes\":[2,0,1,0,1,1,1,3,8,99999999999999999999999],",
	  HS_ECORRUPT, "does not fit 64 bits" },
	{ META GOOD_NODES "\"edges\":[0,1,6],", HS_ECORRUPT, "line 4, column "
	  "14 (byte 332): edge to_node 6 is not a node offset (a multiple of "
	  "5 below 10)" },
	{ META GOOD_NODES "\"edges\":[0,1,10],", HS_ECORRUPT,
	  "edge to_node 10 is not a node offset" },
	{ META GOOD_NODES "\"edges\":[3,1,5],", HS_ECORRUPT, "edge type 3 is "
	  "not one of the 3" },
	{ META GOOD_NODES "\"edges\":[0,1,5,0,1,5],", HS_ECORRUPT, "more "
	  "edges than the nodes' edge_count fields announce (1)" },
	{ META GOOD_NODES "\"edges\":[],", HS_ECORRUPT, "the nodes' "
	  "edge_count fields announce 1 edges, the edges array holds 0" },
	{ META GOOD_NODES GOOD_EDGES "\"strings\":[\"\"]}", HS_ECORRUPT,
	  "line 3, column 4 (byte 309): string index 1 is past the 1 "
	  "strings" },
	{ META GOOD_NODES GOOD_EDGES "\"strings\":[\"\",7]}", HS_ECORRUPT,
	  "\"strings\" holds an integer, not a string" },
	{ META GOOD_NODES GOOD_EDGES GOOD_STRINGS "x", HS_ECORRUPT,
	  "line 6, column 1 (byte 358): unexpected word 'x'" },
	{ META GOOD_NODES GOOD_EDGES "\"strings\":[\"\",\"Fo\no\"]}",
	  HS_ECORRUPT, "the line ends inside a string" },
	{ META GOOD_NODES GOOD_EDGES "\"strings\":[\"\",\"Fo", HS_ECORRUPT,
	  "the input ends inside a string" },
	{ "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\"]}}}",
	  HS_ECORRUPT, "snapshot.meta lacks edge_fields" },
	{ "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\"],"
	  "\"edge_fields\":[\"type\"],\"node_types\":[[]],\"edge_types\":"
	  "[[]]}}}", HS_ECORRUPT, "node_fields has no \"name\"" },
	{ "{\"snapshot\":{\"root_index\":-5}}", HS_ECORRUPT,
	  "root_index must be a node offset" },
	{ "{\"snapshot\":{\"root_index\":3,\"meta\":{\"node_fields\":"
	  "[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
	  "\"node_types\":[[\"object\"]],\"edge_fields\":[\"type\","
	  "\"name_or_index\",\"to_node\"],\"edge_types\":[[\"weak\"]]}},"
	  "\"nodes\":[0,0,1,0,0],", HS_ECORRUPT, "root_index 3 is not a node "
	  "offset" },
	{ "{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]"
	  "]]]]]]]]]]]]]]]]]]]", 0, NULL },  /* depth 40: skipped fine */
	{ "{\"snapshot\":{}, \"trace_tree\":[1,2}", HS_ECORRUPT,
	  "snapshot\" has no \"meta\"" },
	/* a skipped section's objects: each member a key, then ':' */
	{ "{\"x\":{1:2}}", HS_ECORRUPT, "expected a key, got" },
	{ "{\"x\":{\"a\" 1}}", HS_ECORRUPT, "expected ':', got" },
	{ "{\"x\":[{\"a\":1,2:3}]}", HS_ECORRUPT, "expected a key, got" },
	{ "{\"x\":{\"a\":1,\"b\",3}}", HS_ECORRUPT, "expected ':', got" },
	{ "{\"x\":{\"a\":{},\"b\":[{\"c\":[]}]}}", 0, NULL },
};

static void test_v8_hostile(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = v8t_import(bad[i].json, strlen(bad[i].json),
				    "bad.snap", NULL, NULL);

		if (!bad[i].msg) {
			CU_ASSERT(rc < 0);  /* it stops later, elsewhere */
			continue;
		}
		if (rc != bad[i].rc || !tu_contains(hs_error_last(),
						    bad[i].msg))
			fprintf(stderr, "case %zu: rc %d, \"%s\"\n  want %d, "
				"\"%s\"\n", i, rc, hs_error_last(), bad[i].rc,
				bad[i].msg);
		CU_ASSERT_EQUAL(rc, bad[i].rc);
		CU_ASSERT(tu_contains(hs_error_last(), bad[i].msg));
		CU_ASSERT(tu_contains(hs_error_last(), "bad.snap"));
		CU_ASSERT(!tu_exists(tu_path("bad.snap")));
		CU_ASSERT(!tu_exists(tu_path("bad.snap.tmp")));
	}
}

/* Nesting past HS_V8_DEPTH_MAX in a skipped section: HS_ELIMIT, with no
 * recursion whatever the depth. */
static void test_v8_deep(void)
{
	size_t depth = HS_V8_DEPTH_MAX + 10, n = 0;
	char *json = malloc(2 * depth + 64);

	n += (size_t)sprintf(json, "{\"trace_tree\":");
	memset(json + n, '[', depth);
	n += depth;
	memset(json + n, ']', depth);
	n += depth;
	json[n++] = '}';
	CU_ASSERT_EQUAL(v8t_import(json, n, "deep.snap", NULL, NULL),
			HS_ELIMIT);
	CU_ASSERT(tu_contains(hs_error_last(), "nest deeper than"));
	free(json);
}

static void test_v8_sniff(void)
{
	CU_ASSERT_EQUAL(hs_v8_sniff("{\"snapshot\":{", 13), 1);
	CU_ASSERT_EQUAL(hs_v8_sniff(" \n{ \"snapshot\"", 14), 1);
	CU_ASSERT_EQUAL(hs_v8_sniff("\x1f\x8b\x08", 3), 2);
	CU_ASSERT_EQUAL(hs_v8_sniff("{\"kind\":\"header\"", 16), 0);
	CU_ASSERT_EQUAL(hs_v8_sniff("{\"snap", 6), 0);
	CU_ASSERT_EQUAL(hs_v8_sniff("", 0), 0);
}

HS_SUITE(v8,
	 HS_TEST(test_v8_basic),
	 HS_TEST(test_v8_layout),
	 HS_TEST(test_v8_gzip),
	 HS_TEST(test_v8_strings),
	 HS_TEST(test_v8_hostile),
	 HS_TEST(test_v8_deep),
	 HS_TEST(test_v8_sniff))
