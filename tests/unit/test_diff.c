/*
 * test_diff.c - hs_diff: the synthetic two-phase heap's known leak is
 * found with its exact owner, count and bytes (by id, by path, with three
 * snapshots); an address reused by another type is new, not a survivor;
 * snapshots of two processes are matched by path; ids in no order, with
 * duplicates and reused addresses, are matched as hs_graph_find_id()
 * matches them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_diff.h"
#include "hs_synth.h"
#include "unit.h"

typedef struct {
	hs_graph *g;
	hs_dom *d;
} snap;

static void snap_load(snap *s, const char *path)
{
	s->g = NULL;
	s->d = NULL;
	CU_ASSERT_FATAL(hs_graph_load(&s->g, path, NULL) == 0);
	CU_ASSERT_FATAL(hs_dom_build(&s->d, s->g) == 0);
}

static void snap_free(snap *s)
{
	hs_dom_free(s->d);
	hs_graph_free(s->g);
}

static const char *synth_n(const char *name, unsigned phase, hs_ref_mode mode,
			   hs_synth_leak *leak, uint64_t objects)
{
	static char path[4][512];
	static int k;
	hs_synth_options o = HS_SYNTH_OPTIONS_INIT;
	hs_writer_options wo = HS_WRITER_OPTIONS_INIT;
	char *p = path[k++ % 4];

	o.objects = objects;
	o.seed = 11;
	o.phase = phase;
	o.ref_mode = mode;
	wo.ref_mode = mode;
	snprintf(p, 512, "%s/%s", hs_unit_tmpdir(), name);
	CU_ASSERT_FATAL(hs_synth_write_file(NULL, p, &o, &wo) == 0);
	if (leak)
		CU_ASSERT_FATAL(hs_synth_leak_info(leak, &o) == 0);
	return p;
}

/* Phase 1 and phase 2 of the synthetic heap (n objects) written as
 * NAME1.snap and NAME2.snap and loaded; leak: phase 2's.
 * @return phase 2's path. */
static const char *load_phases(snap *s0, snap *s1, const char *name,
			       hs_ref_mode mode, hs_synth_leak *leak,
			       uint64_t n)
{
	char a[64], b[64];
	const char *p2;

	snprintf(a, sizeof(a), "%s1.snap", name);
	snprintf(b, sizeof(b), "%s2.snap", name);
	snap_load(s0, synth_n(a, 1, mode, NULL, n));
	p2 = synth_n(b, 2, mode, leak, n);
	snap_load(s1, p2);
	return p2;
}

static void check_leak_owner(hs_diff *df, const snap *s1,
			     const hs_synth_leak *leak)
{
	const hs_diff_owner *o;
	hs_buf path = HS_BUF_INIT;

	CU_ASSERT_FATAL(hs_diff_owner_count(df) >= 1);
	o = hs_diff_owner_get(df, 0);
	CU_ASSERT_FATAL(o->node < HS_GRAPH_NONE);
	CU_ASSERT_EQUAL(hs_graph_id(s1->g, o->node), leak->owner_id);
	CU_ASSERT_EQUAL(o->bytes, (int64_t)leak->total_bytes);
	CU_ASSERT(hs_diff_owner_path(&path, df, 0) == 0);
	CU_ASSERT(path.len >= strlen(leak->root_label) &&
		  memcmp(path.data, leak->root_label,
			 strlen(leak->root_label)) == 0);
	hs_buf_release(&path);
}

static void test_leak_by_id(void)
{
	hs_synth_leak leak;
	snap s0, s1;
	hs_diff *df;
	const hs_diff_totals *t;
	const hs_diff_type *ty;

	load_phases(&s0, &s1, "a", HS_REFS_BY_ID, &leak, 20000);
	CU_ASSERT_FATAL(hs_diff_new(&df, s0.g, s0.d, s1.g, s1.d, NULL) == 0);
	t = hs_diff_totals_get(df);
	CU_ASSERT_EQUAL(t->matched_by, HS_DIFF_MATCH_ID);
	CU_ASSERT(t->same_process);
	CU_ASSERT_EQUAL(t->new_objects, leak.count);
	CU_ASSERT_EQUAL(t->new_bytes, leak.total_bytes);
	CU_ASSERT_EQUAL(t->freed_objects, 0);
	CU_ASSERT_EQUAL(t->survivors, t->objects[0]);
	CU_ASSERT_EQUAL(hs_diff_owner_count(df), 1);
	CU_ASSERT_EQUAL(hs_diff_owner_get(df, 0)->objects, (int64_t)leak.count);
	check_leak_owner(df, &s1, &leak);
	/* the leaked type grows most, and only it appears */
	ty = hs_diff_type_get(df, 0);
	CU_ASSERT(ty->name.len == strlen(leak.type_name) &&
		  memcmp(ty->name.ptr, leak.type_name, ty->name.len) == 0);
	CU_ASSERT_EQUAL(ty->count[0], 0);
	CU_ASSERT_EQUAL(ty->count[1], leak.count);
	CU_ASSERT_EQUAL(ty->retained[1], leak.total_bytes);
	hs_diff_free(df);
	snap_free(&s0);
	snap_free(&s1);
}

static void test_leak_by_path(void)
{
	hs_synth_leak leak;
	hs_diff_options o = HS_DIFF_OPTIONS_INIT;
	snap s0, s1;
	hs_diff *df;

	/* small: matching by path reads labels from the file, a frame
	 * decode per object on the paths */
	load_phases(&s0, &s1, "b", HS_REFS_BY_INDEX, &leak, 3000);
	o.match = HS_DIFF_MATCH_PATH;
	o.path_owners = 200;  /* the owner is small before the leak */
	CU_ASSERT_FATAL(hs_diff_new(&df, s0.g, s0.d, s1.g, s1.d, &o) == 0);
	CU_ASSERT_EQUAL(hs_diff_totals_get(df)->matched_by,
			HS_DIFF_MATCH_PATH);
	/* the owner grows by the leak's bytes: its retained size changed by
	 * exactly that */
	check_leak_owner(df, &s1, &leak);
	hs_diff_free(df);
	snap_free(&s0);
	snap_free(&s1);
}

static void test_three_snapshots(void)
{
	hs_synth_leak leak;
	snap s0, s1;
	const char *p2 = load_phases(&s0, &s1, "c", HS_REFS_BY_ID, &leak,
				     20000);
	hs_graph *target;
	hs_diff *df;

	CU_ASSERT_FATAL(hs_graph_load(&target, p2, NULL) == 0);
	CU_ASSERT_FATAL(hs_diff_leaks(&df, s0.g, s0.d, target, s1.g, s1.d,
				      NULL) == 0);
	CU_ASSERT_EQUAL(hs_diff_totals_get(df)->new_objects, leak.count);
	check_leak_owner(df, &s1, &leak);
	hs_diff_free(df);
	/* target == base: nothing was new in target, nothing is left */
	CU_ASSERT_FATAL(hs_diff_leaks(&df, s0.g, s0.d, s0.g, s1.g, s1.d,
				      NULL) == 0);
	CU_ASSERT_EQUAL(hs_diff_totals_get(df)->new_objects, 0);
	CU_ASSERT_EQUAL(hs_diff_owner_count(df), 0);
	hs_diff_free(df);
	hs_graph_free(target);
	snap_free(&s0);
	snap_free(&s1);
}

/* root R -> A; in the second snapshot A's address holds a B. */
static const char *tiny(const char *name, uint64_t pid, const char *second)
{
	static char path[4][512];
	static int k;
	char *p = path[k++ % 4];
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	uint32_t tr, tx;
	uint64_t ref = 0x2000;
	hs_object r = { 0x1000, 0, 64, 1, &ref, NULL, NULL,
			{ HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };
	hs_object x = { 0x2000, 0, 32, 0, NULL, NULL, NULL,
			{ HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

	h.runtime = "test";
	h.pid = pid;
	snprintf(p, 512, "%s/%s", hs_unit_tmpdir(), name);
	CU_ASSERT_FATAL(hs_writer_open(&w, p, NULL, &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&tr, w, "Root", 4) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&tx, w, second, strlen(second)) == 0);
	r.type = tr;
	x.type = tx;
	CU_ASSERT_FATAL(hs_writer_object(w, &r) == 0);
	CU_ASSERT_FATAL(hs_writer_object(w, &x) == 0);
	CU_ASSERT_FATAL(hs_writer_root(w, 0x1000, "global", "R", 0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	return p;
}

static void test_address_reuse(void)
{
	snap s0, s1;
	hs_diff *df;
	const hs_diff_totals *t;

	snap_load(&s0, tiny("r1.snap", 7, "A"));
	snap_load(&s1, tiny("r2.snap", 7, "B"));
	CU_ASSERT_FATAL(hs_diff_new(&df, s0.g, s0.d, s1.g, s1.d, NULL) == 0);
	t = hs_diff_totals_get(df);
	CU_ASSERT_EQUAL(t->survivors, 1);      /* the root */
	CU_ASSERT_EQUAL(t->new_objects, 1);    /* the B at A's address */
	CU_ASSERT_EQUAL(t->new_bytes, 32);
	CU_ASSERT_EQUAL(t->freed_objects, 1);  /* the A */
	CU_ASSERT_EQUAL(hs_diff_owner_count(df), 1);
	CU_ASSERT_EQUAL(hs_graph_id(s1.g, hs_diff_owner_get(df, 0)->node),
			0x1000);
	hs_diff_free(df);
	snap_free(&s0);
	snap_free(&s1);
}

static void test_two_processes(void)
{
	snap s0, s1;
	hs_diff *df;

	snap_load(&s0, tiny("q1.snap", 7, "A"));
	snap_load(&s1, tiny("q2.snap", 8, "A"));
	CU_ASSERT_FATAL(hs_diff_new(&df, s0.g, s0.d, s1.g, s1.d, NULL) == 0);
	CU_ASSERT_FALSE(hs_diff_totals_get(df)->same_process);
	CU_ASSERT_EQUAL(hs_diff_totals_get(df)->matched_by, HS_DIFF_MATCH_PATH);
	/* both retainers matched by path, nothing grew */
	for (size_t i = 0; i < hs_diff_owner_count(df); i++) {
		CU_ASSERT_EQUAL(hs_diff_owner_get(df, i)->bytes, 0);
		CU_ASSERT(hs_diff_owner_get(df, i)->old_node != HS_GRAPH_NONE);
	}
	CU_ASSERT_EQUAL(hs_diff_owner_count(df), 2);
	hs_diff_free(df);
	/* three snapshots need one process */
	CU_ASSERT_EQUAL(hs_diff_leaks(&df, s0.g, s0.d, s1.g, s1.g, s1.d, NULL),
			HS_EINVAL);
	snap_free(&s0);
	snap_free(&s1);
}

/* root list R -> n instances of n classes all named Rec (a namedtuple
 * made per call); the type records give the class objects' ids when
 * with_ids.  Instance i and class i have the same ids in every snapshot. */
static const char *classes_snap(const char *name, uint64_t pid, uint32_t n,
				int with_ids)
{
	static char path[4][512];
	static int k;
	char *p = path[k++ % 4];
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	uint32_t tl, tr;
	uint64_t refs[8];
	hs_object r = { 0x1000, 0, 64, n, refs, NULL, NULL,
			{ HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

	h.runtime = "test";
	h.pid = pid;
	snprintf(p, 512, "%s/%s", hs_unit_tmpdir(), name);
	CU_ASSERT_FATAL(n <= 8);
	CU_ASSERT_FATAL(hs_writer_open(&w, p, NULL, &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&tl, w, "list", 4) == 0);
	r.type = tl;
	for (uint32_t i = 0; i < n; i++)
		refs[i] = 0x2000 + 16 * i;
	CU_ASSERT_FATAL(hs_writer_object(w, &r) == 0);
	for (uint32_t i = 0; i < n; i++) {
		hs_object x = { 0x2000 + 16 * i, 0, 56, 0, NULL, NULL, NULL,
				{ HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

		CU_ASSERT_FATAL((with_ids
				 ? hs_writer_type_id(&tr, w, "Rec", 3,
						     0xc000 + 16 * i)
				 : hs_writer_type(&tr, w, "Rec", 3)) == 0);
		x.type = tr;
		CU_ASSERT_FATAL(hs_writer_object(w, &x) == 0);
	}
	CU_ASSERT_FATAL(hs_writer_root(w, 0x1000, "global", "R", 0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	return p;
}

static const hs_diff_type *diff_row(const hs_diff *df, const char *name,
				    int has_id, uint64_t id)
{
	for (size_t i = 0; i < hs_diff_type_count(df); i++) {
		const hs_diff_type *r = hs_diff_type_get(df, i);

		if (r->name.len == strlen(name) &&
		    memcmp(r->name.ptr, name, r->name.len) == 0 &&
		    r->has_id == has_id && r->id == id)
			return r;
	}
	return NULL;
}

/* Classes sharing a name: one row by name that counts them on each side;
 * split, a row per class matched by its id; without ids they stay
 * merged; across two processes a split is refused. */
static void test_classes(void)
{
	snap s0, s1, n0, n1;
	hs_diff *df;
	hs_diff_options o = HS_DIFF_OPTIONS_INIT;
	const hs_diff_type *r;
	hs_graph *target;

	snap_load(&s0, classes_snap("k1.snap", 7, 2, 1));
	snap_load(&s1, classes_snap("k2.snap", 7, 5, 1));
	CU_ASSERT_FATAL(hs_diff_new(&df, s0.g, s0.d, s1.g, s1.d, NULL) == 0);
	CU_ASSERT_EQUAL(hs_diff_type_count(df), 2);
	r = diff_row(df, "Rec", 0, 0);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT(r->classes[0] == 2 && r->classes[1] == 5);
	CU_ASSERT(r->count[0] == 2 && r->count[1] == 5);
	CU_ASSERT(r->retained[0] == 112 && r->retained[1] == 280);
	CU_ASSERT_EQUAL(hs_diff_totals_get(df)->survivors, 3);
	hs_diff_free(df);

	o.split_classes = 1;
	CU_ASSERT_FATAL(hs_diff_new(&df, s0.g, s0.d, s1.g, s1.d, &o) == 0);
	CU_ASSERT_EQUAL(hs_diff_type_count(df), 6);
	for (uint32_t i = 0; i < 5; i++) {
		r = diff_row(df, "Rec", 1, 0xc000 + 16 * i);
		CU_ASSERT_FATAL(r != NULL);
		CU_ASSERT(r->count[0] == (i < 2) && r->count[1] == 1 &&
			  r->classes[1] == 1 && r->retained[1] == 56);
	}
	CU_ASSERT_EQUAL(hs_diff_totals_get(df)->survivors, 3);
	CU_ASSERT_EQUAL(hs_diff_totals_get(df)->new_objects, 3);
	CU_ASSERT(hs_diff_totals_get(df)->unsplit[0] == 0 &&
		  hs_diff_totals_get(df)->unsplit[1] == 0);
	hs_diff_free(df);
	/* three snapshots, split: what was new in the target, per class */
	CU_ASSERT_FATAL(hs_graph_load(&target, hs_graph_path(s1.g), NULL) ==
			0);
	CU_ASSERT_FATAL(hs_diff_leaks(&df, s0.g, s0.d, target, s1.g, s1.d,
				      &o) == 0);
	CU_ASSERT_EQUAL(hs_diff_totals_get(df)->new_objects, 3);
	CU_ASSERT_EQUAL(hs_diff_type_count(df), 6);
	hs_diff_free(df);
	hs_graph_free(target);

	/* no ids: the classes cannot be told apart, and stay merged */
	snap_load(&n0, classes_snap("k3.snap", 7, 2, 0));
	snap_load(&n1, classes_snap("k4.snap", 7, 5, 0));
	CU_ASSERT_FATAL(hs_diff_new(&df, n0.g, n0.d, n1.g, n1.d, &o) == 0);
	CU_ASSERT_EQUAL(hs_diff_type_count(df), 2);
	r = diff_row(df, "Rec", 0, 0);
	CU_ASSERT(r && r->classes[0] == 2 && r->classes[1] == 5);
	CU_ASSERT(hs_diff_totals_get(df)->unsplit[0] == 2 &&
		  hs_diff_totals_get(df)->unsplit[1] == 5);
	hs_diff_free(df);
	snap_free(&n1);
	snap_load(&n1, classes_snap("k5.snap", 8, 5, 1));
	CU_ASSERT_EQUAL(hs_diff_new(&df, s0.g, s0.d, n1.g, n1.d, &o),
			HS_EINVAL);
	CU_ASSERT_PTR_NULL(df);
	snap_free(&n0);
	snap_free(&n1);
	snap_free(&s0);
	snap_free(&s1);
}

/* hs_dom_build_many (two trees on two threads, as dumpdiff builds them)
 * gives the trees hs_dom_build gives. */
static void test_dom_build_many(void)
{
	snap s0, s1;
	const hs_graph *gs[2];
	hs_dom *ds[2];

	snap_load(&s0, synth_n("m1.snap", 1, HS_REFS_BY_ID, NULL, 20000));
	snap_load(&s1, synth_n("m2.snap", 2, HS_REFS_BY_INDEX, NULL, 20000));
	gs[0] = s0.g;
	gs[1] = s1.g;
	CU_ASSERT_FATAL(hs_dom_build_many(ds, gs, 2) == 0);
	for (int k = 0; k < 2; k++) {
		const snap *s = k ? &s1 : &s0;

		for (uint32_t v = 0; v < hs_graph_count(s->g); v++) {
			if (hs_dom_idom(ds[k], v) != hs_dom_idom(s->d, v) ||
			    hs_dom_retained(ds[k], v) != hs_dom_retained(s->d, v)) {
				CU_FAIL("a tree differs");
				break;
			}
		}
		hs_dom_free(ds[k]);
	}
	CU_ASSERT_EQUAL(hs_dom_build_many(ds, gs, 0), 0);
	snap_free(&s0);
	snap_free(&s1);
}

static uint64_t xrnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* One process's heap with ids in shuffled order: n objects of 3 types,
 * every 40th reusing the id of an earlier one; `keep` of every 10 ids of
 * `from` (when given) come back, some with another type. */
static const char *scrambled(const char *name, uint32_t n, uint64_t seed,
			     const uint64_t *from, uint64_t *ids)
{
	static char path[2][512];
	static int k;
	char *p = path[k++ % 2];
	hs_header h = HS_HEADER_INIT;
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_writer *w;
	uint32_t t[3];
	uint64_t s = seed;

	h.runtime = "test";
	h.pid = 42;
	o.frame_size = 4096;
	for (uint32_t v = 0; v < n; v++) {
		ids[v] = from && xrnd(&s) % 10 < 7 ? from[xrnd(&s) % n]
			 : 0x100000 + 16 * (xrnd(&s) % (4 * (uint64_t)n));
		if (v >= 40 && v % 40 == 0)
			ids[v] = ids[xrnd(&s) % v];
	}
	snprintf(p, 512, "%s/%s", hs_unit_tmpdir(), name);
	CU_ASSERT_FATAL(hs_writer_open(&w, p, &o, &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&t[0], w, "A", 1) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&t[1], w, "B", 1) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&t[2], w, "C", 1) == 0);
	for (uint32_t v = 0; v < n; v++) {
		uint64_t refs[3];
		hs_object ob = { ids[v], t[ids[v] / 16 % 3 == 0 && xrnd(&s) % 4
					   ? 2 : xrnd(&s) % 2],
				 8 + xrnd(&s) % 64, 0, refs, NULL, NULL,
				 { HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

		for (uint32_t j = 0; j < 3 && v + 1 < n; j++)
			refs[ob.nrefs++] = ids[v + 1 + xrnd(&s) % (n - v - 1)];
		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
	}
	CU_ASSERT_FATAL(hs_writer_root(w, ids[0], "global", "r", 0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	return p;
}

static int same_type(const hs_graph *a, uint32_t x, const hs_graph *b,
		     uint32_t y)
{
	hs_str sa = hs_graph_type_name(a, hs_graph_type(a, x));
	hs_str sb = hs_graph_type_name(b, hs_graph_type(b, y));

	return sa.len == sb.len && memcmp(sa.ptr, sb.ptr, sa.len) == 0;
}

static void test_scrambled_ids(void)
{
	const uint32_t n = 20000;
	uint64_t *ids0 = malloc(n * 8), *ids1 = malloc(n * 8);
	uint64_t surv = 0, survb = 0, freed = 0, freedb = 0;
	snap s0, s1;
	hs_diff *df;
	const hs_diff_totals *t;

	CU_ASSERT_FATAL(ids0 && ids1);
	snap_load(&s0, scrambled("x1.snap", n, 5, NULL, ids0));
	snap_load(&s1, scrambled("x2.snap", n, 6, ids0, ids1));
	CU_ASSERT_FATAL(hs_diff_new(&df, s0.g, s0.d, s1.g, s1.d, NULL) == 0);
	t = hs_diff_totals_get(df);
	CU_ASSERT_EQUAL(t->matched_by, HS_DIFF_MATCH_ID);
	/* the reference: one lookup per object */
	for (uint32_t v = 0; v < n; v++) {
		uint32_t u = hs_graph_find_id(s0.g, hs_graph_id(s1.g, v));

		if (u != HS_GRAPH_NONE && same_type(s1.g, v, s0.g, u)) {
			surv++;
			survb += hs_graph_size(s1.g, v);
		}
		u = hs_graph_find_id(s1.g, hs_graph_id(s0.g, v));
		if (u == HS_GRAPH_NONE || !same_type(s0.g, v, s1.g, u)) {
			freed++;
			freedb += hs_graph_size(s0.g, v);
		}
	}
	CU_ASSERT(surv > n / 3 && surv < n);
	CU_ASSERT_EQUAL(t->survivors, surv);
	CU_ASSERT_EQUAL(t->survivor_bytes, survb);
	CU_ASSERT_EQUAL(t->freed_objects, freed);
	CU_ASSERT_EQUAL(t->freed_bytes, freedb);
	CU_ASSERT_EQUAL(t->new_objects, n - surv);
	for (size_t i = 0; i < hs_diff_owner_count(df); i++) {
		const hs_diff_owner *o = hs_diff_owner_get(df, i);

		if (o->node < HS_GRAPH_NONE)
			CU_ASSERT_EQUAL(o->old_node,
					hs_graph_find_id(s0.g,
							 hs_graph_id(s1.g,
								     o->node)));
	}
	hs_diff_free(df);
	snap_free(&s0);
	snap_free(&s1);
	free(ids0);
	free(ids1);
}

HS_SUITE(diff, HS_TEST(test_leak_by_id), HS_TEST(test_leak_by_path),
	 HS_TEST(test_three_snapshots), HS_TEST(test_address_reuse),
	 HS_TEST(test_two_processes), HS_TEST(test_classes),
	 HS_TEST(test_dom_build_many), HS_TEST(test_scrambled_ids))
