/*
 * test_referrers.c - grouping objects by their referrers' types
 * (referrers.c): exact groups on a crafted graph (duplicates, weak
 * references, roots, a truncated set, ties) and random graphs against a
 * naive computation of every object's key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_graph.h"
#include "hs_referrers.h"
#include "hs_writer.h"
#include "unit.h"

typedef struct {
	uint32_t from, to;
	int weak;
} rg_edge;

/* Writes and loads a graph: objects of the given types (ids[i] != 0:
 * type i gives that id) and sizes, edges sorted by source, roots by
 * object index.  NULL (test failed) on error. */
static hs_graph *rg_load(const char *name, const char *const *types,
			 const uint64_t *ids, size_t ntypes,
			 const uint32_t *type,
			 const uint64_t *size, size_t n, const rg_edge *e,
			 size_t ne, const uint32_t *roots, size_t nroots)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w = NULL;
	hs_graph *g = NULL;
	char path[512];
	uint64_t refs[256];
	uint8_t flags[256];
	size_t k = 0;
	uint32_t t;

	snprintf(path, sizeof(path), "%s/%s.snap", hs_unit_tmpdir(), name);
	o.ref_mode = HS_REFS_BY_INDEX;
	if (hs_writer_open(&w, path, &o, &h) < 0)
		goto fail;
	for (size_t i = 0; i < ntypes; i++)
		if ((ids && ids[i]
		     ? hs_writer_type_id(&t, w, types[i], strlen(types[i]),
					 ids[i])
		     : hs_writer_type(&t, w, types[i], strlen(types[i]))) < 0)
			goto fail;
	for (uint32_t i = 0; i < n; i++) {
		hs_object ob;
		size_t m = 0;

		memset(&ob, 0, sizeof(ob));
		for (; k < ne && e[k].from == i && m < 256; k++, m++) {
			refs[m] = e[k].to;
			flags[m] = e[k].weak ? HS_REF_WEAK : 0;
		}
		ob.id = 0x1000 + 16 * (uint64_t)i;
		ob.type = type[i];
		ob.size = size[i];
		ob.nrefs = m;
		ob.refs = refs;
		ob.flags = flags;
		ob.site = HS_NO_SITE;
		if (hs_writer_object(w, &ob) < 0)
			goto fail;
	}
	CU_ASSERT_EQUAL_FATAL(k, ne);
	for (size_t i = 0; i < nroots; i++)
		if (hs_writer_root(w, roots[i], "global", "r", 0) < 0)
			goto fail;
	if (hs_writer_close(w) < 0) {
		w = NULL;
		goto fail;
	}
	w = NULL;
	if (hs_graph_load(&g, path, NULL) < 0)
		goto fail;
	return g;
fail:
	fprintf(stderr, "rg_load %s: %s\n", name, hs_error_last());
	CU_FAIL("could not write or load the test graph");
	hs_writer_abort(w);
	return NULL;
}

/* "KEY|count|shallow", malloc'd. */
static char *group_line(const hs_referrers *r, const hs_referrer_group *grp)
{
	hs_buf b = HS_BUF_INIT;
	char tail[64];
	char *s;

	CU_ASSERT_EQUAL(hs_referrers_format(&b, r, grp), 0);
	snprintf(tail, sizeof(tail), "|%llu|%llu",
		 (unsigned long long)grp->count,
		 (unsigned long long)grp->shallow);
	s = malloc(b.len + strlen(tail) + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	memcpy(s, b.data, b.len);
	strcpy(s + b.len, tail);
	hs_buf_release(&b);
	return s;
}

static int only_type(uint32_t node, const void *payload)
{
	return hs_graph_type(payload, node) == 3;
}

static void test_crafted(void)
{
	static const char *const types[] = {
		"dict", "list", "app.Session", "str", "Zeta", "alpha",
		"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8" };
	static const uint32_t type[] = { 0, 1, 2, 3, 3, 3, 3, 0, 3,
					 6, 7, 8, 9, 10, 11, 12, 13, 14 };
	static const uint64_t size[] = { 100, 40, 64, 10, 12, 7, 5, 100, 3,
					 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	static const rg_edge e[] = {
		{ 0, 1, 0 }, { 0, 2, 0 }, { 0, 5, 1 }, { 0, 6, 1 },
		{ 1, 3, 0 }, { 1, 3, 0 }, { 1, 4, 0 }, { 1, 5, 0 }, { 1, 7, 0 },
		{ 2, 1, 0 }, { 2, 3, 0 }, { 2, 4, 0 },
		{ 9, 8, 0 }, { 10, 8, 0 }, { 11, 8, 0 }, { 12, 8, 0 },
		{ 13, 8, 0 }, { 14, 8, 0 }, { 15, 8, 0 }, { 16, 8, 0 },
		{ 17, 8, 0 } };
	static const uint32_t roots[] = { 0, 7, 0 };
	static const char *const want[] = {
		"dict <- {<root>}|1|100",
		"dict <- {<root>, list}|1|100",
		"app.Session <- {dict}|1|64",
		"list <- {app.Session, dict}|1|40",
		"str <- {app.Session, list}|2|22",
		"str <- {list}|1|7",
		"str <- {}|1|5",
		"str <- {t0, t1, t2, t3, t4, t5, t6, t7, ...}|1|3",
		"t0 <- {}|1|1", "t1 <- {}|1|1", "t2 <- {}|1|1",
		"t3 <- {}|1|1", "t4 <- {}|1|1", "t5 <- {}|1|1",
		"t6 <- {}|1|1", "t7 <- {}|1|1", "t8 <- {}|1|1" };
	hs_graph *g = rg_load("ref_crafted", types, NULL, 15, type, size, 18, e,
			      sizeof(e) / sizeof(e[0]), roots, 3);
	hs_referrers *r = NULL;
	hs_referrers_options bad = HS_REFERRERS_OPTIONS_INIT;
	hs_referrers_options opt = HS_REFERRERS_OPTIONS_INIT;
	const hs_referrer_group *grp;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL_FATAL(hs_referrers_group(&r, g, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(hs_referrers_count(r), 17);
	for (size_t i = 0; i < 17; i++) {
		char *line = group_line(r, hs_referrers_get(r, i));

		CU_ASSERT_STRING_EQUAL(line, want[i]);
		free(line);
	}
	CU_ASSERT_PTR_NULL(hs_referrers_get(r, 17));
	grp = hs_referrers_get(r, 7);
	CU_ASSERT(grp->truncated);
	CU_ASSERT_EQUAL(grp->nreferrers, HS_REFERRERS_SET_MAX);
	CU_ASSERT_EQUAL(grp->type, 3);
	CU_ASSERT_EQUAL(hs_referrers_get(r, 0)->referrers[0],
			HS_REFERRERS_ROOT);
	CU_ASSERT_FALSE(hs_referrers_get(r, 0)->truncated);
	hs_referrers_free(r);

	/* only the str objects (types index 3): 4 groups */
	opt.include = only_type;
	opt.payload = g;
	CU_ASSERT_EQUAL_FATAL(hs_referrers_group(&r, g, &opt), 0);
	CU_ASSERT_EQUAL_FATAL(hs_referrers_count(r), 4);
	for (size_t i = 0; i < 4; i++) {
		char *line = group_line(r, hs_referrers_get(r, i));

		CU_ASSERT_STRING_EQUAL(line, want[4 + i]);
		free(line);
	}
	hs_referrers_free(r);
	bad.version = 7;
	CU_ASSERT_EQUAL(hs_referrers_group(&r, g, &bad), HS_EINVAL);
	CU_ASSERT_PTR_NULL(r);
	hs_referrers_free(NULL);
	hs_graph_free(g);

	/* a graph loaded without referrers is refused, not grouped wrong */
	{
		hs_graph_options go = HS_GRAPH_OPTIONS_INIT;
		char path[512];

		go.reverse = 0;
		snprintf(path, sizeof(path), "%s/ref_crafted.snap",
			 hs_unit_tmpdir());
		CU_ASSERT_EQUAL_FATAL(hs_graph_load(&g, path, &go), 0);
		CU_ASSERT_EQUAL(hs_referrers_group(&r, g, NULL), HS_EINVAL);
		CU_ASSERT(strstr(hs_error_last(), "without referrers") != NULL);
		hs_graph_free(g);
	}
}

/* ---- random graphs against a naive computation ------------------------ */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "<root>" sorts first because '<' sorts before every letter and digit
 * used in the random type names; the library ranks it first explicitly. */
static void test_random_vs_naive(void)
{
	static const char *const types[] = { "b", "a", "Q", "x.y", "m", "n0",
					     "n1", "n2", "n3", "n4", "n5",
					     "n6", "n7" };
	uint64_t seed = 12345;

	for (int round = 0; round < 60; round++) {
		enum { NMAX = 60, EMAX = 200 };
		uint32_t type[NMAX], roots[4];
		uint64_t size[NMAX];
		rg_edge e[EMAX];
		uint8_t isroot[NMAX] = { 0 };
		uint32_t n = 1 + (uint32_t)(rnd(&seed) % NMAX);
		size_t ne = rnd(&seed) % EMAX, nr = rnd(&seed) % 4;
		char *naive[NMAX], *got[NMAX];
		size_t nnaive = 0;
		uint64_t count[NMAX], shallow[NMAX];
		hs_referrers *r = NULL;
		hs_graph *g;
		char name[32];

		for (uint32_t i = 0; i < n; i++) {
			type[i] = (uint32_t)(rnd(&seed) % 13);
			size[i] = rnd(&seed) % 100;
		}
		for (size_t k = 0; k < ne; k++) {
			e[k].from = (uint32_t)(rnd(&seed) % n);
			e[k].to = (uint32_t)(rnd(&seed) % n);
			e[k].weak = rnd(&seed) % 5 == 0;
		}
		for (size_t i = 1; i < ne; i++)
			for (size_t j = i; j > 0 && e[j - 1].from > e[j].from;
			     j--) {
				rg_edge tmp = e[j];
				e[j] = e[j - 1];
				e[j - 1] = tmp;
			}
		for (size_t i = 0; i < nr; i++) {
			roots[i] = (uint32_t)(rnd(&seed) % n);
			isroot[roots[i]] = 1;
		}
		snprintf(name, sizeof(name), "ref_rand%d", round);
		g = rg_load(name, types, NULL, 13, type, size, n, e, ne, roots, nr);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);

		/* naive: each object's key as text, grouped by strcmp */
		for (uint32_t v = 0; v < n; v++) {
			const char *set[16];
			size_t m = 0, len;
			char key[512];
			size_t j;

			if (isroot[v])
				set[m++] = "<root>";
			for (size_t k = 0; k < ne; k++) {
				const char *t = types[type[e[k].from]];
				size_t q;

				if (e[k].to != v || e[k].weak)
					continue;
				for (q = 0; q < m && strcmp(set[q], t); q++)
					;
				if (q == m)
					set[m++] = t;
			}
			qsort(set, m, sizeof(*set), cmp_cstr);
			len = (size_t)snprintf(key, sizeof(key), "%s <- {",
					       types[type[v]]);
			for (size_t q = 0; q < m && q < HS_REFERRERS_SET_MAX;
			     q++)
				len += (size_t)snprintf(key + len,
							sizeof(key) - len,
							"%s%s", q ? ", " : "",
							set[q]);
			snprintf(key + len, sizeof(key) - len, "%s}",
				 m > HS_REFERRERS_SET_MAX ? ", ..." : "");
			for (j = 0; j < nnaive && strcmp(naive[j], key); j++)
				;
			if (j == nnaive) {
				naive[nnaive] = strdup(key);
				count[nnaive] = 0;
				shallow[nnaive++] = 0;
			}
			count[j]++;
			shallow[j] += size[v];
		}
		for (size_t j = 0; j < nnaive; j++) {
			char line[600];

			snprintf(line, sizeof(line), "%s|%llu|%llu", naive[j],
				 (unsigned long long)count[j],
				 (unsigned long long)shallow[j]);
			free(naive[j]);
			naive[j] = strdup(line);
		}
		qsort(naive, nnaive, sizeof(*naive), cmp_cstr);

		CU_ASSERT_EQUAL_FATAL(hs_referrers_group(&r, g, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(hs_referrers_count(r), nnaive);
		for (size_t j = 0; j < nnaive; j++) {
			got[j] = group_line(r, hs_referrers_get(r, j));
			if (j)  /* largest shallow first */
				CU_ASSERT(hs_referrers_get(r, j - 1)->shallow >=
					  hs_referrers_get(r, j)->shallow);
		}
		qsort(got, nnaive, sizeof(*got), cmp_cstr);
		for (size_t j = 0; j < nnaive; j++) {
			CU_ASSERT_STRING_EQUAL(got[j], naive[j]);
			free(got[j]);
			free(naive[j]);
		}
		hs_referrers_free(r);
		hs_graph_free(g);
	}
}

/* Three classes named Rec (two with their class objects' ids), merged by
 * name by default, apart with split_classes. */
static void test_classes(void)
{
	static const char *const types[] = { "list", "Rec", "Rec", "Rec",
					     "dict" };
	static const uint64_t ids[] = { 0, 0xa0, 0xb0, 0, 0 };
	static const uint32_t type[] = { 0, 1, 2, 3, 4, 1 };
	static const uint64_t size[] = { 8, 10, 10, 10, 50, 10 };
	static const rg_edge e[] = {
		{ 0, 1, 0 }, { 0, 2, 0 }, { 0, 3, 0 },
		{ 1, 4, 0 }, { 2, 4, 0 } };
	static const uint32_t roots[] = { 0 };
	static const char *const merged[] = {
		"dict <- {Rec}|1|50",
		"Rec (3 classes) <- {list}|3|30",
		"Rec <- {}|1|10",
		"list <- {<root>}|1|8" };
	static const char *const split[] = {
		"dict <- {Rec@0xa0, Rec@0xb0}|1|50",
		"Rec@0xa0 <- {}|1|10",
		"Rec@0xa0 <- {list}|1|10",
		"Rec@0xb0 <- {list}|1|10",
		"Rec#3 <- {list}|1|10",
		"list <- {<root>}|1|8" };
	hs_graph *g = rg_load("ref_classes", types, ids, 5, type, size, 6, e,
			      sizeof(e) / sizeof(e[0]), roots, 1);
	hs_referrers_options opt = HS_REFERRERS_OPTIONS_INIT;
	hs_referrers *r = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL_FATAL(hs_referrers_group(&r, g, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(hs_referrers_count(r), 4);
	for (size_t i = 0; i < 4; i++) {
		char *line = group_line(r, hs_referrers_get(r, i));

		CU_ASSERT_STRING_EQUAL(line, merged[i]);
		free(line);
	}
	CU_ASSERT_EQUAL(hs_referrers_get(r, 1)->classes, 3);
	CU_ASSERT_EQUAL(hs_referrers_get(r, 1)->type, 1);
	CU_ASSERT_EQUAL(hs_referrers_get(r, 2)->classes, 1);
	hs_referrers_free(r);
	opt.split_classes = 1;
	CU_ASSERT_EQUAL_FATAL(hs_referrers_group(&r, g, &opt), 0);
	CU_ASSERT_EQUAL_FATAL(hs_referrers_count(r), 6);
	for (size_t i = 0; i < 6; i++) {
		char *line = group_line(r, hs_referrers_get(r, i));

		CU_ASSERT_STRING_EQUAL(line, split[i]);
		CU_ASSERT_EQUAL(hs_referrers_get(r, i)->classes, 1);
		free(line);
	}
	hs_referrers_free(r);
	hs_graph_free(g);
}

HS_SUITE(referrers,
	 HS_TEST(test_crafted),
	 HS_TEST(test_classes),
	 HS_TEST(test_random_vs_naive))
