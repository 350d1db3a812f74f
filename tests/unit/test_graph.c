/*
 * test_graph.c - hs_graph_load(): small heaps written with hs_writer in
 * both reference modes are loaded and every array checked against what
 * was written: missing references, duplicate ids, weak flags, a big
 * object continued in refs records across frames, labels and previews
 * read back from the file, roots, a truncated file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hs_graph.h"
#include "hs_writer.h"
#include "testutil.h"
#include "unit.h"

static const char *tpath(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", hs_unit_tmpdir(), name);
	return buf[k];
}

static int streq(hs_str s, const char *c)
{
	return s.ptr && s.len == strlen(c) && memcmp(s.ptr, c, s.len) == 0;
}

/*
 * The small heap:  ids 0x1000 + 16*i.
 *   0 "list"  -> 1 [0], 2 [1], 0xdead (missing), 3 weak
 *   1 "str"   preview "hello"
 *   2 "dict"  -> 1 ["k"], 4 ["v"]
 *   3 "str"
 *   4 "node"  -> 4 (self), 0
 *   5 "node"  (unreferenced, no root)
 * roots: 0 ("module", "sys.modules"), 0xbeef (missing, "frame")
 */
static void write_small(const char *path, hs_ref_mode mode)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	uint32_t tlist, tstr, tdict, tnode, sk, sv, s0, s1;
	uint64_t id[6];
	int idx = mode == HS_REFS_BY_INDEX;

	o.ref_mode = mode;
	h.runtime = "test";
	for (int i = 0; i < 6; i++)
		id[i] = 0x1000 + 16 * (uint64_t)i;
#define REF(i) (idx ? (uint64_t)(i) : id[i])
	CU_ASSERT_FATAL(hs_writer_open(&w, path, &o, &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&tlist, w, "list", 4) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&tstr, w, "str", 3) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&tdict, w, "dict", 4) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&tnode, w, "node", 4) == 0);
	CU_ASSERT_FATAL(hs_writer_string(&sk, w, "k", 1) == 0);
	CU_ASSERT_FATAL(hs_writer_string(&sv, w, "v", 1) == 0);
	CU_ASSERT_FATAL(hs_writer_string(&s0, w, "[0]", 3) == 0);
	CU_ASSERT_FATAL(hs_writer_string(&s1, w, "[1]", 3) == 0);
	{
		uint64_t r[4] = { REF(1), REF(2), idx ? 999999 : 0xdead,
				  REF(3) };
		uint32_t l[4] = { s0, s1, HS_NO_LABEL, HS_NO_LABEL };
		uint8_t f[4] = { 0, 0, 0, HS_REF_WEAK };
		hs_object ob = { id[0], tlist, 72, 4, r, l, f,
				 { HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
	}
	{
		hs_object ob = { id[1], tstr, 54, 0, NULL, NULL, NULL,
				 { HS_VALUE_STR, { .s = { "hello", 5 } } },
				 HS_NO_SITE };

		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
	}
	{
		uint64_t r[2] = { REF(1), REF(4) };
		uint32_t l[2] = { sk, sv };
		hs_object ob = { id[2], tdict, 232, 2, r, l, NULL,
				 { HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
	}
	{
		hs_object ob = { id[3], tstr, 50, 0, NULL, NULL, NULL,
				 { HS_VALUE_INT, { .i = -7 } }, HS_NO_SITE };

		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
	}
	{
		uint64_t r[2] = { REF(4), REF(0) };
		hs_object ob = { id[4], tnode, 48, 2, r, NULL, NULL,
				 { HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
	}
	{
		hs_object ob = { id[5], tnode, 48, 0, NULL, NULL, NULL,
				 { HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
	}
	CU_ASSERT_FATAL(hs_writer_root(w, REF(0), "module", "sys.modules",
				       0) == 0);
	CU_ASSERT_FATAL(hs_writer_root(w, idx ? 777777 : 0xbeef, "frame",
				       NULL, 0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
#undef REF
}

static void check_small(hs_ref_mode mode, unsigned threads, int reverse)
{
	const char *p = tpath(mode ? "small_idx.snap" : "small_id.snap");
	hs_graph_options go = HS_GRAPH_OPTIONS_INIT;
	hs_graph *g;
	const hs_graph_stats *st;
	hs_edges e;
	hs_str s;
	hs_value val;
	hs_buf b = HS_BUF_INIT;

	write_small(p, mode);
	go.threads = threads;
	go.reverse = reverse;
	CU_ASSERT_FATAL(hs_graph_load(&g, p, &go) == 0);
	st = hs_graph_stats_get(g);
	CU_ASSERT_EQUAL(hs_graph_count(g), 6);
	CU_ASSERT_EQUAL(st->objects, 6);
	CU_ASSERT_EQUAL(st->refs, 7);
	CU_ASSERT_EQUAL(st->missing_refs, 1);
	CU_ASSERT_EQUAL(st->missing_roots, 1);
	CU_ASSERT_EQUAL(st->weak_refs, 1);
	CU_ASSERT_EQUAL(st->roots, 1);
	CU_ASSERT_EQUAL(st->shallow, 72 + 54 + 232 + 50 + 48 + 48);
	CU_ASSERT_EQUAL(st->integrity.status, HS_INTEGRITY_COMPLETE);
	CU_ASSERT_EQUAL(hs_graph_info(g)->ref_mode, mode);
	CU_ASSERT_STRING_EQUAL(hs_graph_info(g)->header.runtime, "test");
	CU_ASSERT_EQUAL(hs_graph_type_count(g), 4);
	CU_ASSERT(streq(hs_graph_type_name(g, hs_graph_type(g, 2)), "dict"));
	CU_ASSERT_EQUAL(hs_graph_type_find(g, "node"), 3);
	CU_ASSERT_EQUAL(hs_graph_type_find(g, "nope"), HS_GRAPH_NONE);
	CU_ASSERT_EQUAL(hs_graph_size(g, 2), 232);
	CU_ASSERT_EQUAL(hs_graph_id(g, 4), 0x1040);
	CU_ASSERT_EQUAL(hs_graph_find_id(g, 0x1030), 3);
	CU_ASSERT_EQUAL(hs_graph_find_id(g, 0x1031), HS_GRAPH_NONE);

	e = hs_graph_out(g, 0);
	CU_ASSERT_EQUAL_FATAL(e.n, 3);
	CU_ASSERT(e.node[0] == 1 && e.node[1] == 2 && e.node[2] == 3);
	CU_ASSERT(e.flags[0] == 0 && e.flags[2] == HS_REF_WEAK);
	e = hs_graph_out(g, 4);
	CU_ASSERT(e.n == 2 && e.node[0] == 4 && e.node[1] == 0);
	CU_ASSERT_EQUAL(hs_graph_out(g, 5).n, 0);
	e = hs_graph_out(g, HS_GRAPH_SUPERROOT);
	CU_ASSERT(e.n == 1 && e.node[0] == 0 && e.flags[0] == 0);
	CU_ASSERT(hs_graph_is_root(g, 0) && !hs_graph_is_root(g, 4));
	CU_ASSERT_EQUAL_FATAL(hs_graph_root_count(g), 1);
	CU_ASSERT(streq(hs_graph_root(g, 0)->label, "sys.modules"));
	CU_ASSERT(streq(hs_graph_root_kind(g, hs_graph_root(g, 0)->kind),
			"module"));
	if (reverse) {
		e = hs_graph_in(g, 1);
		CU_ASSERT(e.n == 2 && e.node[0] == 0 && e.node[1] == 2);
		e = hs_graph_in(g, 3);
		CU_ASSERT(e.n == 1 && e.flags[0] == HS_REF_WEAK);
		e = hs_graph_in(g, 0);
		CU_ASSERT(e.n == 1 && e.node[0] == 4);
	} else {
		CU_ASSERT_EQUAL(hs_graph_in(g, 1).n, 0);
	}

	/* labels: the missing reference is not an edge, so edge 2 of node 0
	 * is the weak one, without a label */
	CU_ASSERT(hs_graph_label(&s, &b, g, 0, 1) == 0 && streq(s, "[1]"));
	CU_ASSERT(hs_graph_label(&s, &b, g, 0, 0) == 0 && streq(s, "[0]"));
	CU_ASSERT(hs_graph_label(&s, &b, g, 0, 2) == 0 && s.ptr == NULL);
	CU_ASSERT(hs_graph_label(&s, &b, g, 2, 1) == 0 && streq(s, "v"));
	CU_ASSERT(hs_graph_label(&s, &b, g, 4, 0) == 0 && s.ptr == NULL);
	CU_ASSERT(hs_graph_label(&s, &b, g, 4, 2) == HS_EINVAL);
	CU_ASSERT(hs_graph_preview(&val, &b, g, 1) == 0 &&
		  val.kind == HS_VALUE_STR && val.v.s.len == 5 &&
		  memcmp(val.v.s.ptr, "hello", 5) == 0);
	CU_ASSERT(hs_graph_preview(&val, &b, g, 3) == 0 &&
		  val.kind == HS_VALUE_INT && val.v.i == -7);
	CU_ASSERT(hs_graph_preview(&val, &b, g, 4) == 0 &&
		  val.kind == HS_VALUE_NONE);
	hs_buf_release(&b);
	hs_graph_free(g);
}

static void test_small_id(void)
{
	check_small(HS_REFS_BY_ID, 1, 1);
	check_small(HS_REFS_BY_ID, 2, 0);
}

static void test_small_index(void)
{
	check_small(HS_REFS_BY_INDEX, 1, 0);
	check_small(HS_REFS_BY_INDEX, 2, 1);
}

/* Many small frames and one object with 40000 references (object record +
 * refs records, crossing frames); a duplicate id in id mode. */
static void check_big(hs_ref_mode mode)
{
	const char *p = tpath("big.snap");
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	hs_graph *g;
	uint32_t t, sl;
	const size_t N = 3000, BIG = 40000;
	uint64_t *refs = malloc(BIG * 8);
	uint32_t *labels = malloc(BIG * 4);
	hs_buf b = HS_BUF_INIT;
	hs_str s;
	int idx = mode == HS_REFS_BY_INDEX;

	CU_ASSERT_FATAL(refs && labels);
	o.ref_mode = mode;
	o.frame_size = 4096;
	CU_ASSERT_FATAL(hs_writer_open(&w, p, &o, &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&t, w, "obj", 3) == 0);
	CU_ASSERT_FATAL(hs_writer_string(&sl, w, "last", 4) == 0);
	for (size_t i = 0; i < N; i++) {
		/* object i -> i+1; object 100 -> every object, 40000 refs */
		uint64_t next = idx ? (i + 1) % N : 0x10 * ((i + 1) % N + 1);
		hs_object ob = { 0x10 * (i + 1), t, 16 + i % 7, 1, &next,
				 NULL, NULL, { HS_VALUE_NONE, { .i = 0 } },
				 HS_NO_SITE };

		if (i == 100) {
			for (size_t k = 0; k < BIG; k++) {
				refs[k] = idx ? k % N : 0x10 * (k % N + 1);
				labels[k] = k == BIG - 1 ? sl : HS_NO_LABEL;
			}
			ob.nrefs = BIG;
			ob.refs = refs;
			ob.labels = labels;
		}
		if (i == 2000 && !idx)
			ob.id = 0x10 * 5;  /* a duplicate of object 4's id */
		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
	}
	CU_ASSERT_FATAL(hs_writer_root(w, idx ? 0 : 0x10, "global", NULL,
				       0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	CU_ASSERT_FATAL(hs_graph_load(&g, p, NULL) == 0);
	CU_ASSERT_EQUAL(hs_graph_count(g), N);
	{
		/* id mode: references to object 2000's own id find nothing,
		 * since it took object 4's: 13 of object 100's and 1999's */
		size_t kept = 0, miss = idx ? 0 : 14;
		hs_edges e = hs_graph_out(g, 100);
		int good = 1;

		CU_ASSERT_EQUAL(hs_graph_stats_get(g)->refs,
				N + BIG - 1 - miss);
		CU_ASSERT_EQUAL(hs_graph_stats_get(g)->missing_refs, miss);
		CU_ASSERT_EQUAL(hs_graph_stats_get(g)->stray_refs, 0);
		CU_ASSERT_EQUAL(hs_graph_stats_get(g)->duplicate_ids,
				idx ? 0 : 1);
		for (size_t k = 0; k < BIG; k++) {
			if (!idx && k % N == 2000)
				continue;
			good = good && kept < e.n && e.node[kept] == k % N;
			kept++;
		}
		CU_ASSERT(good && e.n == kept);
		e = hs_graph_out(g, 1999);
		CU_ASSERT(idx ? e.n == 1 && e.node[0] == 2000 : e.n == 0);
		e = hs_graph_out(g, 3);  /* -> 0x50: object 4, the first */
		CU_ASSERT(e.n == 1 && e.node[0] == 4);
		CU_ASSERT_EQUAL(hs_graph_find_id(g, 0x50), 4);
		CU_ASSERT(hs_graph_label(&s, &b, g, 100, kept - 1) == 0 &&
			  streq(s, "last"));
		CU_ASSERT(hs_graph_label(&s, &b, g, 100, kept - 2) == 0 &&
			  !s.ptr);
		CU_ASSERT(hs_graph_label(&s, &b, g, 2999, 0) == 0 && !s.ptr);
	}
	hs_graph_free(g);
	hs_buf_release(&b);
	free(refs);
	free(labels);
}

static void test_big_object(void)
{
	check_big(HS_REFS_BY_INDEX);
	check_big(HS_REFS_BY_ID);
}

/* A file cut in the middle loads its complete frames; in index mode the
 * objects past the cut are missing references, not wrong ones. */
static void test_truncated(void)
{
	const char *p = tpath("cut.snap"), *q = tpath("cut2.snap");
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	hs_graph *g;
	uint32_t t;
	const size_t N = 5000;
	FILE *f;
	long len;
	char *data;

	o.ref_mode = HS_REFS_BY_INDEX;
	o.frame_size = 4096;
	CU_ASSERT_FATAL(hs_writer_open(&w, p, &o, &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&t, w, "obj", 3) == 0);
	for (size_t i = 0; i < N; i++) {
		uint64_t r = N - 1 - i;
		hs_object ob = { 0x10 * (i + 1), t, 16, 1, &r, NULL, NULL,
				 { HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
	}
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	f = fopen(p, "rb");
	CU_ASSERT_FATAL(f != NULL);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	data = malloc((size_t)len);
	CU_ASSERT_FATAL(data && fread(data, 1, (size_t)len, f) == (size_t)len);
	fclose(f);
	f = fopen(q, "wb");
	CU_ASSERT_FATAL(f != NULL);
	fwrite(data, 1, (size_t)len / 2, f);
	fclose(f);
	free(data);
	CU_ASSERT_FATAL(hs_graph_load(&g, q, NULL) == 0);
	{
		const hs_graph_stats *st = hs_graph_stats_get(g);
		uint32_t n = hs_graph_count(g);

		CU_ASSERT(n > 0 && n < N);
		CU_ASSERT(st->integrity.status != HS_INTEGRITY_COMPLETE);
		/* object i refers to N-1-i: present only when N-1-i < n */
		CU_ASSERT_EQUAL(st->refs + st->missing_refs, n);
		for (uint32_t v = 0; v < n; v++) {
			hs_edges e = hs_graph_out(g, v);

			CU_ASSERT(N - 1 - v < n ? e.n == 1 &&
				  e.node[0] == N - 1 - v : e.n == 0);
		}
	}
	hs_graph_free(g);
}

/* Sizes of 4 GiB and more are kept beside the 32-bit array. */
static void test_big_sizes(void)
{
	const char *p = tpath("bigsizes.snap");
	hs_writer *w;
	hs_graph *g;
	uint32_t t;
	uint64_t sizes[4] = { 5ull << 30, UINT32_MAX, 7, (1ull << 40) + 3 };

	CU_ASSERT_FATAL(hs_writer_open(&w, p, NULL, NULL) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&t, w, "blob", 4) == 0);
	for (int i = 0; i < 4; i++) {
		hs_object ob = { 0x10 * (uint64_t)(i + 1), t, sizes[i], 0, NULL,
				 NULL, NULL, { HS_VALUE_NONE, { .i = 0 } },
				 HS_NO_SITE };

		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
	}
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	CU_ASSERT_FATAL(hs_graph_load(&g, p, NULL) == 0);
	for (uint32_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(hs_graph_size(g, i), sizes[i]);
	CU_ASSERT_EQUAL(hs_graph_stats_get(g)->shallow,
			sizes[0] + sizes[1] + sizes[2] + sizes[3]);
	hs_graph_free(g);
}

/* Sizes no object can have are clamped, so that no sum wraps: each at
 * most HS_GRAPH_SIZE_MAX, and at most 2^64 / objects. */
static void test_impossible_sizes(void)
{
	const char *p = tpath("impossible.snap");
	const uint64_t n = 70000;  /* 70000 x 2^48 > 2^64 */
	const uint64_t cap = UINT64_MAX / n;
	const hs_graph_stats *st;
	hs_graph_options go = HS_GRAPH_OPTIONS_INIT;
	hs_writer *w;
	hs_graph *g;
	uint32_t t;

	/* 70000 alike objects compress far more than a heap does */
	go.max_ratio = UINT64_MAX;

	CU_ASSERT_FATAL(cap < HS_GRAPH_SIZE_MAX);
	CU_ASSERT_FATAL(hs_writer_open(&w, p, NULL, NULL) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&t, w, "blob", 4) == 0);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t size = i == 0 ? 7 : i == 1 ? HS_GRAPH_SIZE_MAX + 1
				: i == 2 ? cap : UINT64_MAX;
		hs_object ob = { 0x10 * (i + 1), t, size, 0, NULL, NULL, NULL,
				 { HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
	}
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	CU_ASSERT_FATAL(hs_graph_load(&g, p, &go) == 0);
	st = hs_graph_stats_get(g);
	CU_ASSERT_EQUAL(hs_graph_size(g, 0), 7);
	CU_ASSERT_EQUAL(hs_graph_size(g, 1), cap);
	CU_ASSERT_EQUAL(hs_graph_size(g, 2), cap);
	CU_ASSERT_EQUAL(hs_graph_size(g, (uint32_t)n - 1), cap);
	CU_ASSERT_EQUAL(st->clamped_sizes, n - 2);
	CU_ASSERT_EQUAL(st->shallow, 7 + (n - 1) * cap);
	CU_ASSERT(st->shallow >= cap);  /* no wrap */
	hs_graph_free(g);
	/* a few objects: the bound is HS_GRAPH_SIZE_MAX itself */
	CU_ASSERT_FATAL(hs_writer_open(&w, p, NULL, NULL) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&t, w, "blob", 4) == 0);
	for (uint64_t i = 0; i < 3; i++) {
		hs_object ob = { 0x10 * (i + 1), t, i ? UINT64_MAX
				 : HS_GRAPH_SIZE_MAX, 0, NULL, NULL, NULL,
				 { HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
	}
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	CU_ASSERT_FATAL(hs_graph_load(&g, p, NULL) == 0);
	st = hs_graph_stats_get(g);
	CU_ASSERT_EQUAL(hs_graph_size(g, 1), HS_GRAPH_SIZE_MAX);
	CU_ASSERT_EQUAL(st->clamped_sizes, 2);
	CU_ASSERT_EQUAL(st->shallow, 3 * HS_GRAPH_SIZE_MAX);
	hs_graph_free(g);
}

/* Type and string tables hold what the file declares, whatever the
 * indices: types at 2^24-1 and 2^32-2 make two types (plus "?12345" for
 * the gap an object names between them, and "(undeclared)" for one past
 * the last), not 2^32 rows; a label at a far index still reads back; an
 * index declared twice keeps its first. */
static void test_sparse_indices(void)
{
	const char *p = tpath("sparse.snap");
	const uint32_t far[2] = { (1u << 24) - 1, UINT32_MAX - 1 };
	hs_buf file, lb = HS_BUF_INIT;
	hs_frame_info fi;
	tu_frame f;
	hs_graph *g;
	hs_str l;

	hs_buf_init(&file);
	tu_craft_start(&file, 1);
	tu_frame_init(&f);
	tu_frame_start(&f, 0, 0);
	tu_frame_header(&f, 1, HS_REFS_BY_ID, 0);
	for (int i = 0; i < 2; i++) {
		const char *names[2] = { "near", "far" };

		msgpack_pack_array(&f.pk, 3);
		msgpack_pack_uint8(&f.pk, HS_REC_TYPE);
		msgpack_pack_uint32(&f.pk, far[i]);
		msgpack_pack_str_with_body(&f.pk, names[i], strlen(names[i]));
		msgpack_pack_array(&f.pk, 3);
		msgpack_pack_uint8(&f.pk, HS_REC_STRING);
		msgpack_pack_uint32(&f.pk, far[i]);
		msgpack_pack_str_with_body(&f.pk, names[i], strlen(names[i]));
	}
	/* the same index again: the first declaration stays */
	msgpack_pack_array(&f.pk, 3);
	msgpack_pack_uint8(&f.pk, HS_REC_TYPE);
	msgpack_pack_uint32(&f.pk, far[1]);
	msgpack_pack_str_with_body(&f.pk, "again", 5);
	/* [5, id, type, size, refs, labels] x 4: the last two name no type */
	for (int i = 0; i < 4; i++) {
		const uint32_t type[4] = { far[0], far[1], 12345, UINT32_MAX };

		msgpack_pack_array(&f.pk, 6);
		msgpack_pack_uint8(&f.pk, HS_REC_OBJECT);
		msgpack_pack_uint8(&f.pk, 0x10);  /* id delta */
		msgpack_pack_uint32(&f.pk, type[i]);
		msgpack_pack_uint8(&f.pk, 8);
		msgpack_pack_array(&f.pk, 1);
		msgpack_pack_uint8(&f.pk, 0x10 * (uint8_t)(1 + (i + 1) % 4));
		msgpack_pack_array(&f.pk, 1);
		msgpack_pack_uint32(&f.pk, far[1 - i % 2]);
	}
	tu_craft_frame(&file, &f, 1, &fi);
	tu_frame_destroy(&f);
	tu_write_file(p, file.data, file.len);
	hs_buf_release(&file);

	CU_ASSERT_FATAL(hs_graph_load(&g, p, NULL) == 0);
	CU_ASSERT_EQUAL(hs_graph_type_count(g), 4);
	CU_ASSERT_EQUAL(hs_graph_stats_get(g)->strings, 2);
	CU_ASSERT_EQUAL(hs_graph_stats_get(g)->bad_types, 1);
	CU_ASSERT_EQUAL(hs_graph_type_name(g, hs_graph_type(g, 0)).len, 4);
	CU_ASSERT_EQUAL(memcmp(hs_graph_type_name(g, hs_graph_type(g, 1)).ptr,
			       "far", 3), 0);
	CU_ASSERT_EQUAL(hs_graph_type_name(g, hs_graph_type(g, 2)).len, 6);
	CU_ASSERT_EQUAL(memcmp(hs_graph_type_name(g, hs_graph_type(g, 2)).ptr,
			       "?12345", 6), 0);
	CU_ASSERT_EQUAL(memcmp(hs_graph_type_name(g, hs_graph_type(g, 3)).ptr,
			       "(undeclared)", 12), 0);
	CU_ASSERT_EQUAL_FATAL(hs_graph_label(&l, &lb, g, 0, 0), 0);
	CU_ASSERT_EQUAL(l.len, 3);
	CU_ASSERT_EQUAL_FATAL(hs_graph_label(&l, &lb, g, 1, 0), 0);
	CU_ASSERT_EQUAL(l.len, 4);
	hs_buf_release(&lb);
	hs_graph_free(g);
}

static void test_errors(void)
{
	hs_graph *g = (hs_graph *)1;
	const char *p = tpath("notasnap");
	FILE *f = fopen(p, "wb");

	CU_ASSERT_FATAL(f != NULL);
	fputs("hello, this is not a snapshot\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(hs_graph_load(&g, p, NULL), HS_ECORRUPT);
	CU_ASSERT_PTR_NULL(g);
	CU_ASSERT_EQUAL(hs_graph_load(&g, tpath("absent.snap"), NULL), HS_EIO);
	hs_graph_free(NULL);
}

/* A chain of n objects 0 -> 1 -> ... in index mode, rooted at 0. */
static void write_chain(const char *p, size_t n)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	uint32_t t;

	o.ref_mode = HS_REFS_BY_INDEX;
	CU_ASSERT_FATAL(hs_writer_open(&w, p, &o, &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&t, w, "obj", 3) == 0);
	for (size_t i = 0; i < n; i++) {
		uint64_t next = i + 1;
		/* sizes that vary, so that frames do not compress past
		 * the reader's limit of 1024 */
		hs_object ob = { 0x10 * (i + 1), t, 16 + (i * 7919) % 4099,
				 i + 1 < n, &next,
				 NULL, NULL, { HS_VALUE_NONE, { .i = 0 } },
				 HS_NO_SITE };

		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
	}
	CU_ASSERT_FATAL(hs_writer_root(w, 0, "global", NULL, 0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
}

/* hs_graph_load_many: each graph as hs_graph_load makes it, the same
 * file twice included; a failing file fails the call, names the file,
 * and leaves no graph; too many files. */
static void test_load_many(void)
{
	const char *a = tpath("many-a.snap"), *b = tpath("many-b.snap");
	const char *bad = tpath("many-bad");
	const char *paths[3] = { a, b, a }, *badp[2] = { a, bad };
	const char *many[HS_GRAPH_LOAD_MANY_MAX + 1];
	hs_graph *g[HS_GRAPH_LOAD_MANY_MAX + 1];
	FILE *f = fopen(bad, "wb");

	CU_ASSERT_FATAL(f != NULL);
	fputs("not a snapshot\n", f);
	fclose(f);
	write_chain(a, 1000);
	write_chain(b, 70000);
	CU_ASSERT_FATAL(hs_graph_load_many(g, paths, NULL, 3) == 0);
	CU_ASSERT_EQUAL(hs_graph_count(g[0]), 1000);
	CU_ASSERT_EQUAL(hs_graph_count(g[1]), 70000);
	CU_ASSERT_EQUAL(hs_graph_count(g[2]), 1000);
	CU_ASSERT(g[0] != g[2]);
	CU_ASSERT(hs_graph_out(g[1], 69998).n == 1 &&
		  hs_graph_out(g[1], 69998).node[0] == 69999);
	CU_ASSERT_EQUAL(hs_graph_stats_get(g[1])->refs, 69999);
	for (int i = 0; i < 3; i++)
		hs_graph_free(g[i]);
	CU_ASSERT_EQUAL(hs_graph_load_many(g, badp, NULL, 2), HS_ECORRUPT);
	CU_ASSERT(g[0] == NULL && g[1] == NULL);
	CU_ASSERT(strstr(hs_error_last(), "many-bad") != NULL);
	for (int i = 0; i <= HS_GRAPH_LOAD_MANY_MAX; i++)
		many[i] = a;
	CU_ASSERT_EQUAL(hs_graph_load_many(g, many, NULL,
					   HS_GRAPH_LOAD_MANY_MAX + 1),
			HS_EINVAL);
	CU_ASSERT_EQUAL(hs_graph_load_many(g, many, NULL, 0), 0);
}

HS_SUITE(graph, HS_TEST(test_small_id), HS_TEST(test_small_index),
	 HS_TEST(test_big_object), HS_TEST(test_truncated),
	 HS_TEST(test_big_sizes), HS_TEST(test_impossible_sizes),
	 HS_TEST(test_sparse_indices),
	 HS_TEST(test_errors), HS_TEST(test_load_many))
