/*
 * test_sites.c - hs_sites: objects grouped by the innermost frames of
 * their allocation site, with exact counts and sizes; objects without a
 * site, and those the filter leaves out.
 */
#include <stdio.h>
#include <string.h>

#include "hs_sites.h"
#include "hs_writer.h"
#include "unit.h"

static int only_even(uint32_t node, const void *payload)
{
	(void)payload;
	return node % 2 == 0;
}

static const hs_site_group *find(const hs_sites *s, const char *key)
{
	for (size_t i = 0; i < hs_sites_count(s); i++) {
		const hs_site_group *grp = hs_sites_get(s, i);

		if (grp->key.len == strlen(key) &&
		    memcmp(grp->key.ptr, key, grp->key.len) == 0)
			return grp;
	}
	return NULL;
}

static void test_group_by_site(void)
{
	char path[512];
	hs_writer *w;
	hs_graph *g;
	hs_sites *s;
	uint32_t t, fa, fb, fn, site[3];
	/* site 0: a.py:10 < b.py:20; site 1: a.py:10 < b.py:30; site 2:
	 * a.py:11 */
	uint32_t files0[] = { 0, 1 }, lines0[] = { 10, 20 }, funcs0[] = { 2, 2 };
	uint32_t files1[] = { 0, 1 }, lines1[] = { 10, 30 }, funcs1[] = { 2, 2 };
	uint32_t files2[] = { 0 }, lines2[] = { 11 }, funcs2[] = { 2 };

	snprintf(path, sizeof(path), "%s/sites.snap", hs_unit_tmpdir());
	CU_ASSERT_FATAL(hs_writer_open(&w, path, NULL, NULL) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&t, w, "T", 1) == 0);
	CU_ASSERT_FATAL(hs_writer_string(&fa, w, "a.py", 4) == 0);
	CU_ASSERT_FATAL(hs_writer_string(&fb, w, "b.py", 4) == 0);
	CU_ASSERT_FATAL(hs_writer_string(&fn, w, "f", 1) == 0);
	CU_ASSERT_FATAL(hs_writer_site(&site[0], w, files0, lines0, funcs0, 2) == 0);
	CU_ASSERT_FATAL(hs_writer_site(&site[1], w, files1, lines1, funcs1, 2) == 0);
	CU_ASSERT_FATAL(hs_writer_site(&site[2], w, files2, lines2, funcs2, 1) == 0);
	/* 12 objects: sites 0,1,2,none in turn, sizes 10, 11, 12, ... */
	for (uint32_t i = 0; i < 12; i++) {
		hs_object o = { 0x1000 + 16 * i, t, 10 + i, 0, NULL, NULL, NULL,
				{ HS_VALUE_NONE, { .i = 0 } },
				i % 4 == 3 ? HS_NO_SITE : site[i % 4] };

		CU_ASSERT_FATAL(hs_writer_object(w, &o) == 0);
	}
	CU_ASSERT_FATAL(hs_writer_root(w, 0x1000, "global", NULL, 0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	CU_ASSERT_FATAL(hs_graph_load(&g, path, NULL) == 0);

	/* depth 1: sites 0 and 1 share a.py:10 */
	CU_ASSERT_FATAL(hs_sites_group(&s, g, 1, NULL, NULL) == 0);
	CU_ASSERT_EQUAL(hs_sites_recorded(s), 3);
	CU_ASSERT_EQUAL(hs_sites_count(s), 3);
	CU_ASSERT_FATAL(find(s, "a.py:10") != NULL);
	CU_ASSERT_EQUAL(find(s, "a.py:10")->count, 6);
	CU_ASSERT_EQUAL(find(s, "a.py:10")->shallow,
			10 + 11 + 14 + 15 + 18 + 19);
	CU_ASSERT_EQUAL(find(s, "a.py:11")->count, 3);
	CU_ASSERT_EQUAL(find(s, "(no site)")->count, 3);
	/* sorted by shallow, largest first */
	CU_ASSERT(hs_sites_get(s, 0)->shallow >= hs_sites_get(s, 1)->shallow);
	hs_sites_free(s);

	/* depth 2 tells them apart */
	CU_ASSERT_FATAL(hs_sites_group(&s, g, 2, NULL, NULL) == 0);
	CU_ASSERT_EQUAL(hs_sites_count(s), 4);
	CU_ASSERT_EQUAL(find(s, "a.py:10 < b.py:20")->count, 3);
	CU_ASSERT_EQUAL(find(s, "a.py:10 < b.py:30")->count, 3);
	hs_sites_free(s);

	/* the filter: even nodes only (sites 0 and 2) */
	CU_ASSERT_FATAL(hs_sites_group(&s, g, 2, only_even, NULL) == 0);
	CU_ASSERT_EQUAL(find(s, "a.py:10 < b.py:20")->count, 3);
	CU_ASSERT_PTR_NULL(find(s, "a.py:10 < b.py:30"));
	CU_ASSERT_EQUAL(find(s, "a.py:11")->count, 3);
	CU_ASSERT_PTR_NULL(find(s, "(no site)"));
	hs_sites_free(s);

	CU_ASSERT_EQUAL(hs_sites_group(&s, g, 0, NULL, NULL), HS_EINVAL);
	CU_ASSERT_PTR_NULL(s);
	hs_graph_free(g);
}

HS_SUITE(sites, HS_TEST(test_group_by_site))
