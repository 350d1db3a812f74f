/*
 * test_typesum.c - hs_typesum(): a hand-made heap with known figures (a
 * linked list whose nodes retain each other must count once), then random
 * graphs of five type records of three names checked against the
 * definition: name (or, split, type record) T retains every reachable
 * object that has a node of T on its dominator chain (itself included);
 * unreachable objects are summarised apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_types.h"
#include "hs_writer.h"
#include "unit.h"

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static const hs_type_row *find_row(const hs_type_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].name.len == strlen(name) &&
		    memcmp(t->rows[i].name.ptr, name, t->rows[i].name.len) == 0)
			return &t->rows[i];
	return NULL;
}

/* root -> list(100) -> node(30) -> node -> node (3 nodes), each node ->
 * str(10); an unreachable node(30) -> str(10) pair; a weakly held str. */
static void test_known(void)
{
	char path[512];
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	uint32_t tl, tn, ts;
	hs_graph *g;
	hs_dom *d;
	hs_type_table t = HS_TYPE_TABLE_INIT, u = HS_TYPE_TABLE_INIT,
		      all = HS_TYPE_TABLE_INIT;
	const hs_type_row *r;

	snprintf(path, sizeof(path), "%s/types.snap", hs_unit_tmpdir());
	o.ref_mode = HS_REFS_BY_INDEX;
	CU_ASSERT_FATAL(hs_writer_open(&w, path, &o, &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&tl, w, "list", 4) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&tn, w, "node", 4) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&ts, w, "str", 3) == 0);
	{
		/* 0 list -> 1 node; 1 -> 2 node, 3 str; 2 -> 4 node, 5 str;
		 * 4 -> 6 str, 9 weak; 7 node -> 8 str (garbage); 9 str */
		struct { uint32_t type; uint64_t size; size_t n; uint64_t r[2];
			 uint8_t f[2]; } ob[10] = {
			{ tl, 100, 1, { 1 }, { 0 } },
			{ tn, 30, 2, { 2, 3 }, { 0 } },
			{ tn, 30, 2, { 4, 5 }, { 0 } },
			{ ts, 10, 0, { 0 }, { 0 } },
			{ tn, 30, 2, { 6, 9 }, { 0, HS_REF_WEAK } },
			{ ts, 10, 0, { 0 }, { 0 } },
			{ ts, 10, 0, { 0 }, { 0 } },
			{ tn, 30, 1, { 8 }, { 0 } },
			{ ts, 10, 0, { 0 }, { 0 } },
			{ ts, 7, 0, { 0 }, { 0 } },
		};

		for (int i = 0; i < 10; i++) {
			hs_object x = { 0x100 + 16 * (uint64_t)i, ob[i].type,
					ob[i].size, ob[i].n, ob[i].r, NULL,
					ob[i].f, { HS_VALUE_NONE, { .i = 0 } },
					HS_NO_SITE };

			CU_ASSERT_FATAL(hs_writer_object(w, &x) == 0);
		}
	}
	CU_ASSERT_FATAL(hs_writer_root(w, 0, "global", NULL, 0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	CU_ASSERT_FATAL(hs_graph_load(&g, path, NULL) == 0);
	CU_ASSERT_FATAL(hs_dom_build(&d, g) == 0);
	CU_ASSERT_FATAL(hs_typesum(&t, g, d, HS_TYPES_REACHABLE) == 0);
	CU_ASSERT(t.has_retained);
	CU_ASSERT_EQUAL(t.n, 3);
	CU_ASSERT_EQUAL(t.heap, 100 + 90 + 30);
	r = find_row(&t, "node");
	CU_ASSERT(r && r->count == 3 && r->shallow == 90 &&
		  r->retained == 120);  /* once, not 120 + 80 + 40 */
	r = find_row(&t, "list");
	CU_ASSERT(r && r->count == 1 && r->retained == 220);
	r = find_row(&t, "str");
	CU_ASSERT(r && r->count == 3 && r->shallow == 30 && r->retained == 30);
	hs_type_table_sort(&t, HS_SORT_RETAINED);
	CU_ASSERT(t.rows[0].retained == 220 && t.rows[2].retained == 30);
	hs_type_table_sort(&t, HS_SORT_COUNT);
	/* node and str tie on count; node retains more, so it comes first */
	CU_ASSERT(t.rows[0].count == 3 && t.rows[0].retained == 120 &&
		  t.rows[2].count == 1);
	CU_ASSERT_EQUAL(hs_type_table_total(&t, HS_SORT_COUNT), 7);

	CU_ASSERT_FATAL(hs_typesum(&u, g, d, HS_TYPES_UNREACHABLE) == 0);
	CU_ASSERT(!u.has_retained && u.count == 3 && u.shallow == 47);
	r = find_row(&u, "str");
	CU_ASSERT(r && r->count == 2 && r->shallow == 17 && r->retained == 0);
	CU_ASSERT_FATAL(hs_typesum(&all, g, NULL, 0) == 0);
	CU_ASSERT(all.count == 10 && all.shallow == 267 && !all.has_retained);
	hs_type_table_release(&t);
	hs_type_table_release(&u);
	hs_type_table_release(&all);
	hs_type_table_release(NULL);
	hs_dom_free(d);
	hs_graph_free(g);
}

static const hs_type_row *find_key(const hs_type_table *t, uint32_t key)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].key == key)
			return &t->rows[i];
	return NULL;
}

/* Five type records, three names: a, b, c, b, c (the last two give their
 * class objects' ids, as a Python capture of classes made per call does).
 * By name, a type retains every reachable object with a node of its name
 * on its dominator chain; split, of its own record. */
#define NREC 5
#define NAME_OF(rec) ((rec) < 3 ? (rec) : (rec) - 2)
static void check_random(uint64_t seed)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 7;
	size_t n = 1 + rnd(&s) % 40;
	char path[512];
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	uint32_t ty[NREC];
	uint32_t *tof = calloc(n, 4);   /* type record of each object */
	hs_graph *g;
	hs_dom *d;
	hs_type_table t = HS_TYPE_TABLE_INIT, u = HS_TYPE_TABLE_INIT,
		      sp = HS_TYPE_TABLE_INIT;
	uint64_t want[3] = { 0 }, cnt[3] = { 0 }, ucnt[3] = { 0 };
	uint64_t swant[NREC] = { 0 }, scnt[NREC] = { 0 };
	int has[NREC] = { 0 };

	CU_ASSERT_FATAL(tof != NULL);
	snprintf(path, sizeof(path), "%s/rtypes.snap", hs_unit_tmpdir());
	o.ref_mode = HS_REFS_BY_INDEX;
	CU_ASSERT_FATAL(hs_writer_open(&w, path, &o, &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&ty[0], w, "a", 1) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&ty[1], w, "b", 1) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&ty[2], w, "c", 1) == 0);
	CU_ASSERT_FATAL(hs_writer_type_id(&ty[3], w, "b", 1, 0xb0) == 0);
	CU_ASSERT_FATAL(hs_writer_type_id(&ty[4], w, "c", 1, 0xc0) == 0);
	for (size_t i = 0; i < n; i++) {
		uint64_t refs[4];
		uint8_t fl[4];
		size_t k = rnd(&s) % 4;
		hs_object x = { 0x10 * (i + 1), 0, 1 + rnd(&s) % 50, k, refs,
				NULL, fl, { HS_VALUE_NONE, { .i = 0 } },
				HS_NO_SITE };

		tof[i] = (uint32_t)(rnd(&s) % NREC);
		x.type = ty[tof[i]];
		for (size_t j = 0; j < k; j++) {
			refs[j] = rnd(&s) % n;
			fl[j] = rnd(&s) % 6 == 0 ? HS_REF_WEAK : 0;
		}
		CU_ASSERT_FATAL(hs_writer_object(w, &x) == 0);
	}
	for (int i = 0; i < 2; i++)
		CU_ASSERT_FATAL(hs_writer_root(w, rnd(&s) % n, "r", NULL,
					       0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	CU_ASSERT_FATAL(hs_graph_load(&g, path, NULL) == 0);
	CU_ASSERT_FATAL(hs_dom_build(&d, g) == 0);
	for (uint32_t v = 0; v < n; v++) {
		int seen[3] = { 0 }, sseen[NREC] = { 0 };

		if (!hs_dom_reachable(d, v)) {
			ucnt[NAME_OF(tof[v])]++;
			continue;
		}
		cnt[NAME_OF(tof[v])]++;
		scnt[tof[v]]++;
		has[tof[v]] = 1;
		for (uint32_t x = v; x != HS_GRAPH_SUPERROOT;
		     x = hs_dom_idom(d, x)) {
			seen[NAME_OF(tof[x])] = 1;
			sseen[tof[x]] = 1;
		}
		for (int k = 0; k < 3; k++)
			if (seen[k])
				want[k] += hs_graph_size(g, v);
		for (int k = 0; k < NREC; k++)
			if (sseen[k])
				swant[k] += hs_graph_size(g, v);
	}
	CU_ASSERT_FATAL(hs_typesum(&t, g, d, HS_TYPES_REACHABLE) == 0);
	CU_ASSERT_FATAL(hs_typesum(&u, g, d, HS_TYPES_UNREACHABLE) == 0);
	CU_ASSERT_FATAL(hs_typesum(&sp, g, d, HS_TYPES_REACHABLE |
				   HS_TYPES_SPLIT) == 0);
	for (int k = 0; k < 3; k++) {
		const char name[2] = { (char)('a' + k), 0 };
		const hs_type_row *r = find_row(&t, name), *ur = find_row(&u, name);
		uint32_t classes = (uint32_t)has[k] +
				   (uint32_t)(k ? has[k + 2] : 0);

		CU_ASSERT(cnt[k] ? r && r->count == cnt[k] &&
			  r->retained == want[k] && r->classes == classes &&
			  r->key == ty[k] : !r);
		CU_ASSERT(ucnt[k] ? ur && ur->count == ucnt[k] : !ur);
	}
	for (int k = 0; k < NREC; k++) {
		const hs_type_row *r = find_key(&sp, ty[k]);

		CU_ASSERT(scnt[k] ? r && r->count == scnt[k] &&
			  r->retained == swant[k] && r->classes == 1 : !r);
	}
	hs_type_table_release(&t);
	hs_type_table_release(&u);
	hs_type_table_release(&sp);
	hs_dom_free(d);
	hs_graph_free(g);
	free(tof);
}

static void test_random(void)
{
	for (uint64_t seed = 1; seed <= 200; seed++)
		check_random(seed);
}

HS_SUITE(typesum, HS_TEST(test_known), HS_TEST(test_random))
