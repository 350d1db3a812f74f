/*
 * test_dom_subtree.c - hs_dom_subtree() (dom_subtree.c): the lines of a
 * crafted tree under every bound (depth, children, min_retained,
 * max_lines, count_top), several subtrees appended in turn, the errors,
 * and a chain far deeper than any recursion could go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_dom.h"
#include "hs_writer.h"
#include "unit.h"

/* Writes and loads n objects (size 10 * (i + 1)), object i referring to
 * kids[i][0..] (UINT32_MAX ends a list, at most 4), object 0 the root. */
static hs_graph *load_tree(const char *name, uint32_t n,
			   const uint32_t (*kids)[4], uint32_t chain)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w = NULL;
	hs_graph *g = NULL;
	char path[512];
	uint32_t t;

	snprintf(path, sizeof(path), "%s/%s.snap", hs_unit_tmpdir(), name);
	o.ref_mode = HS_REFS_BY_INDEX;
	CU_ASSERT_EQUAL_FATAL(hs_writer_open(&w, path, &o, &h), 0);
	CU_ASSERT_EQUAL_FATAL(hs_writer_type(&t, w, "T", 1), 0);
	for (uint32_t i = 0; i < n; i++) {
		hs_object ob;
		uint64_t refs[4];
		size_t m = 0;

		memset(&ob, 0, sizeof(ob));
		if (chain) {
			if (i + 1 < n)
				refs[m++] = i + 1;
		} else {
			while (m < 4 && kids[i][m] != UINT32_MAX) {
				refs[m] = kids[i][m];
				m++;
			}
		}
		ob.id = 0x1000 + 16 * (uint64_t)i;
		ob.type = t;
		ob.size = 10 * (uint64_t)(i + 1);
		ob.nrefs = m;
		ob.refs = refs;
		ob.site = HS_NO_SITE;
		CU_ASSERT_EQUAL_FATAL(hs_writer_object(w, &ob), 0);
	}
	CU_ASSERT_EQUAL_FATAL(hs_writer_root(w, 0, "global", "r", 0), 0);
	CU_ASSERT_EQUAL_FATAL(hs_writer_close(w), 0);
	CU_ASSERT_EQUAL_FATAL(hs_graph_load(&g, path, NULL), 0);
	return g;
}

#define NO UINT32_MAX
/* 0 -> 1 2 3; 1 -> 4 5; 2 -> 6; 4 -> 7; 8 unreachable.  Retained: 0 360,
 * 1 210, 2 100, 3 40, 4 130, 5 60, 6 70, 7 80. */
static const uint32_t tree[9][4] = {
	{ 1, 2, 3, NO }, { 4, 5, NO, NO }, { 6, NO, NO, NO },
	{ NO, NO, NO, NO }, { 7, NO, NO, NO }, { NO, NO, NO, NO },
	{ NO, NO, NO, NO }, { NO, NO, NO, NO }, { NO, NO, NO, NO }
};

/* "node/depth/dominated/more/more_retained/expanded" per line */
static void check_lines(const hs_dom_lines *L, const char *const *want,
			size_t n)
{
	CU_ASSERT_EQUAL_FATAL(L->n, n);
	for (size_t i = 0; i < n; i++) {
		const hs_dom_line *l = &L->v[i];
		char got[128];

		snprintf(got, sizeof(got), "%u/%u/%llu/%llu/%llu/%d", l->node,
			 l->depth, (unsigned long long)l->dominated,
			 (unsigned long long)l->more,
			 (unsigned long long)l->more_retained, l->expanded);
		CU_ASSERT_STRING_EQUAL(got, want[i]);
	}
}

static void test_bounds(void)
{
	hs_graph *g = load_tree("subtree", 9, tree, 0);
	hs_dom *d = NULL;
	hs_dom_subtree_options o = HS_DOM_SUBTREE_OPTIONS_INIT;
	hs_dom_lines L = HS_DOM_LINES_INIT;
	static const char *const two[] = {
		"0/0/3/1/40/1", "1/1/2/0/0/1", "4/2/1/0/0/0", "5/2/0/0/0/0",
		"2/1/1/0/0/1", "6/2/0/0/0/0"
	};
	static const char *const big[] = {
		"0/0/3/1/40/1", "1/1/2/1/60/1", "4/2/1/1/80/1",
		"2/1/1/1/70/1"
	};

	CU_ASSERT_EQUAL_FATAL(hs_dom_build(&d, g), 0);
	CU_ASSERT_EQUAL(hs_dom_retained(d, 0), 360);
	/* two levels, two children each: 3 summed under 0 */
	o.depth = 2;
	o.children = 2;
	CU_ASSERT_EQUAL(hs_dom_subtree(&L, d, 0, &o), 0);
	check_lines(&L, two, 6);
	CU_ASSERT_EQUAL(L.cut, 0);
	hs_dom_lines_release(&L);
	/* any depth, every child retaining 100 or more */
	o.depth = 10;
	o.children = 0;
	o.min_retained = 100;
	CU_ASSERT_EQUAL(hs_dom_subtree(&L, d, 0, &o), 0);
	check_lines(&L, big, 4);
	hs_dom_lines_release(&L);
	/* depth 0: the top alone, its children counted only when asked */
	o = (hs_dom_subtree_options)HS_DOM_SUBTREE_OPTIONS_INIT;
	CU_ASSERT_EQUAL(hs_dom_subtree(&L, d, 1, &o), 0);
	o.count_top = 1;
	CU_ASSERT_EQUAL(hs_dom_subtree(&L, d, 2, &o), 0);
	{
		static const char *const tops[] = { "1/0/0/0/0/0",
						    "2/0/1/0/0/0" };

		check_lines(&L, tops, 2);
	}
	hs_dom_lines_release(&L);
	/* max_lines: cut after 3; a later call appends nothing */
	o = (hs_dom_subtree_options)HS_DOM_SUBTREE_OPTIONS_INIT;
	o.depth = 5;
	o.max_lines = 3;
	CU_ASSERT_EQUAL(hs_dom_subtree(&L, d, 0, &o), 0);
	CU_ASSERT_EQUAL(L.n, 3);
	CU_ASSERT_EQUAL(L.cut, 1);
	CU_ASSERT_EQUAL(hs_dom_subtree(&L, d, 2, &o), 0);
	CU_ASSERT_EQUAL(L.n, 3);
	hs_dom_lines_release(&L);
	CU_ASSERT_EQUAL(L.n, 0);
	CU_ASSERT_PTR_NULL(L.v);
	/* errors: an unreachable node, a bad options version */
	CU_ASSERT_EQUAL(hs_dom_subtree(&L, d, 8, NULL), HS_EINVAL);
	o.version = 99;
	CU_ASSERT_EQUAL(hs_dom_subtree(&L, d, 0, &o), HS_EINVAL);
	CU_ASSERT_EQUAL(L.n, 0);
	hs_dom_lines_release(NULL);
	hs_dom_free(d);
	hs_graph_free(g);
}

/* A chain of 100,000: every node one line, depth = index. */
static void test_deep_chain(void)
{
	const uint32_t n = 100000;
	hs_graph *g = load_tree("subtree_chain", n, NULL, 1);
	hs_dom *d = NULL;
	hs_dom_subtree_options o = HS_DOM_SUBTREE_OPTIONS_INIT;
	hs_dom_lines L = HS_DOM_LINES_INIT;
	int ok = 1;

	CU_ASSERT_EQUAL_FATAL(hs_dom_build(&d, g), 0);
	o.depth = UINT32_MAX - 1;
	CU_ASSERT_EQUAL(hs_dom_subtree(&L, d, 0, &o), 0);
	CU_ASSERT_EQUAL_FATAL(L.n, n);
	for (uint32_t i = 0; i < n && ok; i++)
		ok = L.v[i].node == i && L.v[i].depth == i &&
		     L.v[i].dominated == (i + 1 < n);
	CU_ASSERT(ok);
	hs_dom_lines_release(&L);
	hs_dom_free(d);
	hs_graph_free(g);
}

HS_SUITE(dom_subtree,
	 HS_TEST(test_bounds),
	 HS_TEST(test_deep_chain))
