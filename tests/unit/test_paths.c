/*
 * test_paths.c - root paths (paths.c) on crafted graphs with known
 * shortest paths and labels, several distinct paths, cycles, weak-only
 * reachability, a 1M-long chain, missing targets, root ranks (a path from
 * a refcount root only when no real root reaches the object), and random
 * small graphs with roots of every rank checked against a brute-force
 * enumeration of every simple path.
 *
 * Each graph is written with hs_writer into the run's scratch directory
 * and loaded with hs_graph_load(), so the tests go through the same file
 * path as the tools.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_classes.h"
#include "hs_graph.h"
#include "hs_paths.h"
#include "hs_writer.h"
#include "testutil.h"
#include "unit.h"

/* ---- a tiny graph description, written to a .snap and loaded --------- */

typedef struct {
	uint32_t from, to;
	const char *label;  /* NULL: no label */
	int weak;
} tg_edge;

typedef struct {
	uint32_t node;
	const char *kind, *label;
} tg_root;

typedef struct {
	size_t n;                /* objects */
	const char *const *types; size_t ntypes;
	const uint32_t *type;    /* per object, NULL: all type 0 */
	const uint64_t *size;    /* per object, NULL: 16 + index */
	const tg_edge *edges; size_t nedges;  /* per source, in order */
	const tg_root *roots; size_t nroots;
	hs_ref_mode mode;
} tg_spec;

static uint64_t tg_id(uint32_t i)
{
	return 0x10000 + 32 * (uint64_t)i;
}

/* Writes spec to NAME in the scratch directory and loads it (with
 * referrers).  Fails the test and returns NULL on any error. */
static hs_graph *tg_load(const char *name, const tg_spec *sp)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_graph_options go = HS_GRAPH_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w = NULL;
	hs_graph *g = NULL;
	char path[512];
	uint64_t *refs = NULL;
	uint32_t *labels = NULL;
	uint8_t *flags = NULL;
	size_t e = 0;
	uint32_t t;

	snprintf(path, sizeof(path), "%s/%s.snap", hs_unit_tmpdir(), name);
	o.ref_mode = sp->mode;
	o.frame_size = 64 * 1024;
	h.runtime = "unit";
	if (hs_writer_open(&w, path, &o, &h) < 0)
		goto fail;
	for (size_t i = 0; i < sp->ntypes; i++)
		if (hs_writer_type(&t, w, sp->types[i], strlen(sp->types[i])) < 0)
			goto fail;
	refs = malloc((sp->nedges + 1) * sizeof(*refs));
	labels = malloc((sp->nedges + 1) * sizeof(*labels));
	flags = malloc((sp->nedges + 1) * sizeof(*flags));
	if (!refs || !labels || !flags)
		goto fail;
	/* labels first: a string record per labelled edge */
	for (size_t k = 0; k < sp->nedges; k++) {
		labels[k] = HS_NO_LABEL;
		if (sp->edges[k].label &&
		    hs_writer_string(&labels[k], w, sp->edges[k].label,
				     strlen(sp->edges[k].label)) < 0)
			goto fail;
	}
	for (uint32_t i = 0; i < sp->n; i++) {
		hs_object ob;
		size_t first = e;

		memset(&ob, 0, sizeof(ob));
		while (e < sp->nedges && sp->edges[e].from == i) {
			refs[e] = sp->mode == HS_REFS_BY_INDEX
					  ? sp->edges[e].to
					  : tg_id(sp->edges[e].to);
			flags[e] = sp->edges[e].weak ? HS_REF_WEAK : 0;
			e++;
		}
		ob.id = tg_id(i);
		ob.type = sp->type ? sp->type[i] : 0;
		ob.size = sp->size ? sp->size[i] : 16 + i;
		ob.nrefs = e - first;
		ob.refs = refs + first;
		ob.labels = labels + first;
		ob.flags = flags + first;
		ob.site = HS_NO_SITE;
		if (hs_writer_object(w, &ob) < 0)
			goto fail;
	}
	CU_ASSERT_EQUAL_FATAL(e, sp->nedges);  /* edges sorted by source */
	for (size_t i = 0; i < sp->nroots; i++)
		if (hs_writer_root(w, sp->mode == HS_REFS_BY_INDEX
					      ? sp->roots[i].node
					      : tg_id(sp->roots[i].node),
				   sp->roots[i].kind, sp->roots[i].label,
				   0) < 0)
			goto fail;
	if (hs_writer_close(w) < 0) {
		w = NULL;
		goto fail;
	}
	w = NULL;
	go.threads = 2;
	if (hs_graph_load(&g, path, &go) < 0)
		goto fail;
	free(refs);
	free(labels);
	free(flags);
	return g;
fail:
	fprintf(stderr, "tg_load %s: %s\n", name, hs_error_last());
	CU_FAIL("could not write or load the test graph");
	hs_writer_abort(w);
	free(refs);
	free(labels);
	free(flags);
	return NULL;
}

/* The path's text, malloc'd. */
static char *path_text(hs_graph *g, const hs_path *p)
{
	hs_buf b = HS_BUF_INIT;
	char *s;

	CU_ASSERT_EQUAL(hs_path_format(&b, g, p), 0);
	s = malloc(b.len + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	if (b.len)
		memcpy(s, b.data, b.len);
	s[b.len] = '\0';
	hs_buf_release(&b);
	return s;
}

/* Checks that p is a well-formed path in g ending at target: starts at a
 * root object named by its root record, every step a strong edge of the
 * given position, no object twice. */
static void check_path(const hs_graph *g, const hs_path *p, uint32_t target)
{
	CU_ASSERT_FATAL(p->len >= 1);
	CU_ASSERT_EQUAL(p->nodes[p->len - 1], target);
	CU_ASSERT(hs_graph_is_root(g, p->nodes[0]));
	CU_ASSERT_EQUAL(hs_graph_root(g, p->root)->node, p->nodes[0]);
	for (size_t i = 0; i + 1 < p->len; i++) {
		hs_edges e = hs_graph_out(g, p->nodes[i]);

		CU_ASSERT_FATAL(p->edges[i] < e.n);
		CU_ASSERT_EQUAL(e.node[p->edges[i]], p->nodes[i + 1]);
		CU_ASSERT(!(e.flags[p->edges[i]] & HS_REF_WEAK));
	}
	for (size_t i = 0; i < p->len && p->len < 1000; i++)
		for (size_t j = i + 1; j < p->len; j++)
			CU_ASSERT_NOT_EQUAL(p->nodes[i], p->nodes[j]);
}

/* ---- the issue's example --------------------------------------------- */

enum { T_MODULE, T_DICT, T_SESSION, T_LIST, T_ITEM, T_STR };
static const char *const ex_types[] = { "module", "dict", "app.Session",
					"list", "Item", "str" };

/*
 * 0 module  -__dict__-> 1 dict -'user:42'-> 2 Session
 * 2 Session -history-> 3 list -[0..4]-> 4..8 Items (target 7 = list[3])
 * 1 dict -['other']-> 9 str; a longer way: 0 -x-> 10 dict -y-> 11 list
 * -> 2; a weak shortcut 0 -> 7 that must not count.
 */
static const uint32_t ex_type[] = { T_MODULE, T_DICT, T_SESSION, T_LIST,
				    T_ITEM, T_ITEM, T_ITEM, T_ITEM, T_ITEM,
				    T_STR, T_DICT, T_LIST };
static const tg_edge ex_edges[] = {
	{ 0, 1, "__dict__", 0 }, { 0, 10, "x", 0 },
	{ 0, 7, "weakshortcut", 1 },
	{ 1, 2, "'user:42'", 0 }, { 1, 9, "'other'", 0 },
	{ 2, 3, "history", 0 },
	{ 3, 4, NULL, 0 }, { 3, 5, NULL, 0 }, { 3, 6, NULL, 0 },
	{ 3, 7, NULL, 0 }, { 3, 8, NULL, 0 },
	{ 10, 11, "y", 0 }, { 11, 2, NULL, 0 },
};
static const tg_root ex_roots[] = {
	{ 0, "module", "sys.modules['app']" },
	{ 0, "refcount", NULL },          /* the same object again */
	{ 9, "frame", NULL },             /* no label: "<frame>" */
};

static hs_graph *ex_load(hs_ref_mode mode)
{
	tg_spec sp = { 12, ex_types, 6, ex_type, NULL, ex_edges,
		       sizeof(ex_edges) / sizeof(ex_edges[0]), ex_roots, 3,
		       mode };

	return tg_load(mode == HS_REFS_BY_INDEX ? "ex_index" : "ex_id", &sp);
}

#define EX_PATH "sys.modules['app'] -> module.__dict__ -> " \
		"dict['user:42'] -> app.Session.history -> list[3]"

static void test_example_shortest(void)
{
	for (int m = 0; m < 2; m++) {
		hs_graph *g = ex_load(m ? HS_REFS_BY_INDEX : HS_REFS_BY_ID);
		hs_paths *t = NULL;
		hs_pathset *s = NULL;
		char *txt;

		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		CU_ASSERT_EQUAL_FATAL(hs_paths_new(&t, g, NULL), 0);
		CU_ASSERT_EQUAL(hs_paths_depth(t, 7), 4);
		CU_ASSERT_EQUAL(hs_paths_depth(t, 0), 0);
		CU_ASSERT_EQUAL(hs_paths_depth(t, 9), 0);  /* a root itself */
		CU_ASSERT_EQUAL(hs_paths_depth(t, 11), 2);
		CU_ASSERT_EQUAL(hs_paths_reached(t), 12);
		CU_ASSERT_EQUAL_FATAL(hs_paths_shortest(&s, t, 7), 0);
		CU_ASSERT_EQUAL_FATAL(hs_pathset_count(s), 1);
		check_path(g, hs_pathset_get(s, 0), 7);
		CU_ASSERT_EQUAL(hs_pathset_get(s, 0)->root, 0);
		txt = path_text(g, hs_pathset_get(s, 0));
		CU_ASSERT_STRING_EQUAL(txt, EX_PATH);
		free(txt);
		hs_pathset_free(s);

		/* the same path from the other search */
		CU_ASSERT_EQUAL_FATAL(hs_paths_find(&s, g, 7, 1, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(hs_pathset_count(s), 1);
		CU_ASSERT_FALSE(hs_pathset_capped(s));
		txt = path_text(g, hs_pathset_get(s, 0));
		CU_ASSERT_STRING_EQUAL(txt, EX_PATH);
		free(txt);
		hs_pathset_free(s);

		/* a root without a label prints its kind */
		CU_ASSERT_EQUAL_FATAL(hs_paths_shortest(&s, t, 9), 0);
		CU_ASSERT_EQUAL_FATAL(hs_pathset_count(s), 1);
		CU_ASSERT_EQUAL(hs_pathset_get(s, 0)->len, 1);
		CU_ASSERT_EQUAL(hs_pathset_get(s, 0)->root, 2);
		txt = path_text(g, hs_pathset_get(s, 0));
		CU_ASSERT_STRING_EQUAL(txt, "<frame>");
		free(txt);
		hs_pathset_free(s);
		hs_paths_free(t);
		hs_graph_free(g);
	}
}

/* hs_pathset_labels(): every path's labels, path after path, the same
 * as hs_path_labels() gives path by path. */
static void check_set_labels(hs_graph *g, const hs_pathset *s)
{
	hs_str *all = NULL, one[16];
	size_t at = 0;

	CU_ASSERT_EQUAL_FATAL(hs_pathset_labels(&all, g, s), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(all);
	for (size_t i = 0; i < hs_pathset_count(s); i++) {
		const hs_path *p = hs_pathset_get(s, i);

		CU_ASSERT_FATAL(p->len <= 16);
		CU_ASSERT_EQUAL_FATAL(hs_path_labels(one, g, p), 0);
		for (size_t k = 0; k + 1 < p->len; k++, at++) {
			CU_ASSERT_EQUAL(all[at].len, one[k].len);
			CU_ASSERT((all[at].ptr == NULL) == (one[k].ptr == NULL));
			CU_ASSERT(!one[k].ptr || memcmp(all[at].ptr, one[k].ptr,
							one[k].len) == 0);
		}
	}
	CU_ASSERT(at > 5);  /* two paths of 4 and 5 steps */
	free(all);
}

static void test_example_all(void)
{
	hs_graph *g = ex_load(HS_REFS_BY_INDEX);
	hs_pathset *s = NULL;
	char *a, *b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	/* two simple paths to the item: via the cache (4) and via x, y (5) */
	CU_ASSERT_EQUAL_FATAL(hs_paths_find(&s, g, 7, 10, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(hs_pathset_count(s), 2);
	CU_ASSERT_EQUAL(hs_pathset_get(s, 0)->len, 5);
	CU_ASSERT_EQUAL(hs_pathset_get(s, 1)->len, 6);
	check_path(g, hs_pathset_get(s, 1), 7);
	a = path_text(g, hs_pathset_get(s, 0));
	b = path_text(g, hs_pathset_get(s, 1));
	CU_ASSERT_STRING_EQUAL(a, EX_PATH);
	CU_ASSERT_STRING_EQUAL(b, "sys.modules['app'] -> module.x -> dict.y "
			       "-> list[0] -> app.Session.history -> list[3]");
	free(a);
	free(b);
	check_set_labels(g, s);
	hs_pathset_free(s);
	hs_graph_free(g);
}

static void test_labels_and_steps(void)
{
	hs_graph *g = ex_load(HS_REFS_BY_ID);
	hs_paths *t = NULL;
	hs_pathset *s = NULL;
	hs_buf st = HS_BUF_INIT, b = HS_BUF_INIT;
	hs_str l;
	const hs_path *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL_FATAL(hs_paths_new(&t, g, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(hs_paths_shortest(&s, t, 7), 0);
	p = hs_pathset_get(s, 0);
	CU_ASSERT_EQUAL(hs_path_label(&l, &st, g, p, 0), 0);
	CU_ASSERT_EQUAL(l.len, strlen("__dict__"));
	CU_ASSERT(l.ptr && memcmp(l.ptr, "__dict__", l.len) == 0);
	CU_ASSERT_EQUAL(hs_path_label(&l, &st, g, p, 3), 0);
	CU_ASSERT_PTR_NULL(l.ptr);  /* list items have no label */
	CU_ASSERT_EQUAL(p->edges[3], 3);
	CU_ASSERT_EQUAL(hs_path_label(&l, &st, g, p, 4), HS_EINVAL);
	CU_ASSERT_EQUAL(hs_path_format_step(&b, g, p, 3), 0);
	CU_ASSERT_EQUAL(b.len, strlen("app.Session.history"));
	CU_ASSERT(memcmp(b.data, "app.Session.history", b.len) == 0);
	CU_ASSERT_EQUAL(hs_path_format_step(&b, g, p, 5), HS_EINVAL);
	hs_buf_release(&st);
	hs_buf_release(&b);
	hs_pathset_free(s);
	hs_paths_free(t);
	hs_graph_free(g);
}

/* Every label form: index, pseudo-label, key repr, identifier, other
 * text, none (position). */
static void test_label_forms(void)
{
	static const char *const types[] = { "dict", "x" };
	static const uint32_t type[] = { 0, 1, 1, 1, 1, 1, 1, 1 };
	static const tg_edge edges[] = {
		{ 0, 1, "[7]", 0 }, { 0, 2, "<key>", 0 }, { 0, 3, "42", 0 },
		{ 0, 4, "_name9", 0 }, { 0, 5, "a b", 0 }, { 0, 6, NULL, 0 },
		{ 0, 7, "'k'", 0 } };
	static const tg_root roots[] = { { 0, "global", "R" } };
	static const char *const want[] = {
		"R", "R -> dict[7]", "R -> dict[<key>]", "R -> dict[42]",
		"R -> dict._name9", "R -> dict[a b]", "R -> dict[5]",
		"R -> dict['k']" };
	tg_spec sp = { 8, types, 2, type, NULL, edges, 7, roots, 1,
		       HS_REFS_BY_ID };
	hs_graph *g = tg_load("labels", &sp);
	hs_paths *t = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL_FATAL(hs_paths_new(&t, g, NULL), 0);
	for (uint32_t v = 0; v < 8; v++) {
		hs_pathset *s = NULL;
		char *txt;

		CU_ASSERT_EQUAL_FATAL(hs_paths_shortest(&s, t, v), 0);
		CU_ASSERT_EQUAL_FATAL(hs_pathset_count(s), 1);
		txt = path_text(g, hs_pathset_get(s, 0));
		CU_ASSERT_STRING_EQUAL(txt, want[v]);
		free(txt);
		hs_pathset_free(s);
	}
	hs_paths_free(t);
	hs_graph_free(g);
}

/* ---- distinct paths, cycles, duplicates, weak references -------------- */

/*
 * roots 0 (global "A") and 4 (global "D"); target 3.
 * 0 -> 1 -> 3 twice (labels "x", "y"), 0 -> 2 -> 3, 2 -> 0 (a cycle
 * back), 4 -> 3 directly, 4 -> 4 (self-loop), 1 -> 2.
 * Simple paths: D.t (1); A.b.x, A.b.y, A.c (2 each); A.b.c.t (3).
 */
static const tg_edge dp_edges[] = {
	{ 0, 1, "b", 0 }, { 0, 2, "c", 0 },
	{ 1, 3, "x", 0 }, { 1, 3, "y", 0 }, { 1, 2, "c", 0 },
	{ 2, 3, "t", 0 }, { 2, 0, "back", 0 },
	{ 4, 3, "t", 0 }, { 4, 4, "self", 0 },
};
static const tg_root dp_roots[] = { { 0, "global", "A" },
				    { 4, "global", "D" } };

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_distinct_paths(void)
{
	static const char *const types[] = { "T" };
	static const char *const want[] = {
		"A -> T.b -> T.c -> T.t", "A -> T.b -> T.x",
		"A -> T.b -> T.y", "A -> T.c -> T.t", "D -> T.t" };
	tg_spec sp = { 5, types, 1, NULL, NULL, dp_edges, 9, dp_roots, 2,
		       HS_REFS_BY_INDEX };
	hs_graph *g = tg_load("distinct", &sp);
	hs_pathset *s = NULL;
	char *got[8];
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL_FATAL(hs_paths_find(&s, g, 3, 100, NULL), 0);
	n = hs_pathset_count(s);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	for (size_t i = 0; i < n; i++) {
		check_path(g, hs_pathset_get(s, i), 3);
		got[i] = path_text(g, hs_pathset_get(s, i));
	}
	/* shortest first */
	CU_ASSERT_STRING_EQUAL(got[0], "D -> T.t");
	CU_ASSERT_EQUAL(hs_pathset_get(s, 4)->len, 4);
	for (size_t i = 1; i < 4; i++)
		CU_ASSERT_EQUAL(hs_pathset_get(s, i)->len, 3);
	qsort(got, n, sizeof(*got), cmp_str);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_STRING_EQUAL(got[i], want[i]);
		free(got[i]);
	}
	hs_pathset_free(s);

	/* at most 2 references: the 4 shorter ones; at most 3 asked: 3 */
	{
		hs_paths_options o = HS_PATHS_OPTIONS_INIT;

		o.max_depth = 2;
		CU_ASSERT_EQUAL_FATAL(hs_paths_find(&s, g, 3, 100, &o), 0);
		CU_ASSERT_EQUAL(hs_pathset_count(s), 4);
		hs_pathset_free(s);
		CU_ASSERT_EQUAL_FATAL(hs_paths_find(&s, g, 3, 3, &o), 0);
		CU_ASSERT_EQUAL(hs_pathset_count(s), 3);
		hs_pathset_free(s);
		o.max_depth = 1;
		CU_ASSERT_EQUAL_FATAL(hs_paths_find(&s, g, 2, 100, &o), 0);
		CU_ASSERT_EQUAL(hs_pathset_count(s), 1);  /* A.c */
		hs_pathset_free(s);
	}
	hs_graph_free(g);
}

static void test_weak_only_and_unreachable(void)
{
	static const char *const types[] = { "T", "U" };
	static const uint32_t type[] = { 0, 0, 1, 1, 1 };
	/* 0 root; 0 -weak-> 1; 1 -> 2 (strong, but 1 is only weakly held);
	 * 3 <-> 4 a garbage cycle */
	static const tg_edge edges[] = { { 0, 1, "w", 1 }, { 1, 2, NULL, 0 },
					 { 3, 4, NULL, 0 },
					 { 4, 3, NULL, 0 } };
	static const tg_root roots[] = { { 0, "global", "R" } };
	tg_spec sp = { 5, types, 2, type, NULL, edges, 4, roots, 1,
		       HS_REFS_BY_ID };
	hs_graph *g = tg_load("weak", &sp);
	hs_paths *t = NULL;
	hs_pathset *s = NULL;
	uint32_t *top = NULL;
	size_t ntop = 9;
	uint64_t lost = 0, all = 0;
	static const uint8_t just_u[] = { 0, 1 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL_FATAL(hs_paths_new(&t, g, NULL), 0);
	CU_ASSERT_EQUAL(hs_paths_reached(t), 1);
	for (uint32_t v = 1; v < 5; v++) {
		CU_ASSERT_EQUAL(hs_paths_depth(t, v), HS_PATHS_UNREACHABLE);
		CU_ASSERT_EQUAL(hs_paths_shortest(&s, t, v), 0);
		CU_ASSERT_EQUAL(hs_pathset_count(s), 0);
		hs_pathset_free(s);
		CU_ASSERT_EQUAL(hs_paths_find(&s, g, v, 5, NULL), 0);
		CU_ASSERT_EQUAL(hs_pathset_count(s), 0);
		CU_ASSERT_FALSE(hs_pathset_capped(s));
		hs_pathset_free(s);
	}
	/* the biggest reachable U: none; three U's unreached */
	CU_ASSERT_EQUAL(hs_paths_top(&top, &ntop, &all, &lost, t, just_u, 5,
				     NULL, NULL), 0);
	CU_ASSERT_EQUAL(ntop, 0);
	CU_ASSERT_PTR_NULL(top);
	CU_ASSERT_EQUAL(lost, 3);
	CU_ASSERT_EQUAL(all, 3);
	hs_paths_free(t);
	hs_graph_free(g);
}

static void test_missing_target(void)
{
	hs_graph *g = ex_load(HS_REFS_BY_ID);
	hs_paths *t = NULL;
	hs_pathset *s = (hs_pathset *)&s;
	hs_paths_options bad = HS_PATHS_OPTIONS_INIT;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL_FATAL(hs_paths_new(&t, g, NULL), 0);
	CU_ASSERT_EQUAL(hs_paths_shortest(&s, t, 12), HS_ENOTFOUND);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT(strstr(hs_error_last(), "no object with index 12") != NULL);
	CU_ASSERT_EQUAL(hs_paths_find(&s, g, 12, 1, NULL), HS_ENOTFOUND);
	CU_ASSERT_EQUAL(hs_paths_find(&s, g, HS_GRAPH_NONE, 1, NULL),
			HS_ENOTFOUND);
	CU_ASSERT_EQUAL(hs_paths_find(&s, g, 7, 0, NULL), HS_EINVAL);
	bad.version = 99;
	CU_ASSERT_EQUAL(hs_paths_find(&s, g, 7, 1, &bad), HS_EINVAL);
	hs_paths_free(t);
	CU_ASSERT_EQUAL(hs_paths_new(&t, g, &bad), HS_EINVAL);
	CU_ASSERT_PTR_NULL(t);
	CU_ASSERT_EQUAL(hs_graph_find_id(g, 0xdead), HS_GRAPH_NONE);
	CU_ASSERT_EQUAL(hs_graph_find_id(g, tg_id(7)), 7);
	hs_pathset_free(NULL);
	hs_paths_free(NULL);
	CU_ASSERT_EQUAL(hs_pathset_count(NULL), 0);
	hs_graph_free(g);

	/* hs_paths_find needs the referrers: refused without them */
	{
		hs_graph_options go = HS_GRAPH_OPTIONS_INIT;
		char path[512];

		go.reverse = 0;
		snprintf(path, sizeof(path), "%s/ex_id.snap", hs_unit_tmpdir());
		CU_ASSERT_EQUAL_FATAL(hs_graph_load(&g, path, &go), 0);
		CU_ASSERT_EQUAL(hs_paths_find(&s, g, 7, 1, NULL), HS_EINVAL);
		CU_ASSERT(strstr(hs_error_last(), "without referrers") != NULL);
		hs_graph_free(g);
	}
}

static uint64_t weight_of(uint32_t node, const void *payload)
{
	return ((const uint64_t *)payload)[node];
}

/* Two classes named Big (types 1 and 2): selected together by name, or
 * each alone. */
static void test_top_of_type(void)
{
	static const char *const types[] = { "T", "Big", "Big" };
	/* 0 root -> 1..5 (Big, sizes 5, 50, 50, 7, 1000; 5 of the second
	 * class); 6 Big unreached */
	static const uint32_t type[] = { 0, 1, 1, 1, 1, 2, 1 };
	static const uint64_t size[] = { 8, 5, 50, 50, 7, 1000, 99999 };
	static const tg_edge edges[] = { { 0, 1, NULL, 0 }, { 0, 2, NULL, 0 },
					 { 0, 3, NULL, 0 }, { 0, 4, NULL, 0 },
					 { 0, 5, NULL, 0 } };
	static const tg_root roots[] = { { 0, "global", "R" } };
	uint64_t weight[] = { 0, 10, 1, 2, 3, 0, 5 };
	tg_spec sp = { 7, types, 3, type, size, edges, 5, roots, 1,
		       HS_REFS_BY_INDEX };
	hs_graph *g = tg_load("top", &sp);
	hs_paths *t = NULL;
	uint32_t *top = NULL, nsel = 0;
	size_t n = 0;
	uint64_t lost = 0, all = 0;
	uint8_t *big = NULL;
	static const uint8_t first_class[] = { 0, 1, 0 };
	static const uint8_t none[] = { 0, 0, 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL_FATAL(hs_paths_new(&t, g, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(hs_class_select(&big, &nsel, g, "Big"), 0);
	CU_ASSERT_EQUAL(nsel, 2);
	CU_ASSERT_EQUAL_FATAL(hs_paths_top(&top, &n, &all, &lost, t, big, 3,
					   NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_EQUAL(top[0], 5);
	CU_ASSERT_EQUAL(top[1], 2);  /* ties: the lower index first */
	CU_ASSERT_EQUAL(top[2], 3);
	CU_ASSERT_EQUAL(lost, 1);
	CU_ASSERT_EQUAL(all, 6);
	free(top);
	CU_ASSERT_EQUAL_FATAL(hs_paths_top(&top, &n, &all, &lost, t,
					   first_class, 10, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_EQUAL(top[0], 2);
	CU_ASSERT_EQUAL(top[3], 1);
	CU_ASSERT_EQUAL(all, 5);
	CU_ASSERT_EQUAL(lost, 1);
	free(top);
	CU_ASSERT_EQUAL_FATAL(hs_paths_top(&top, &n, NULL, NULL, t, big, 100,
					   weight_of, weight), 0);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	CU_ASSERT_EQUAL(top[0], 1);
	CU_ASSERT_EQUAL(top[1], 4);
	CU_ASSERT_EQUAL(top[2], 3);
	CU_ASSERT_EQUAL(top[3], 2);
	CU_ASSERT_EQUAL(top[4], 5);
	free(top);
	CU_ASSERT_EQUAL(hs_paths_top(&top, &n, &all, NULL, t, big, 0, NULL,
				     NULL), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(all, 6);
	CU_ASSERT_EQUAL(hs_paths_top(&top, &n, &all, &lost, t, none, 5, NULL,
				     NULL), 0);
	CU_ASSERT(n == 0 && all == 0 && lost == 0);
	free(big);
	hs_paths_free(t);
	hs_graph_free(g);
}

static void test_search_cap(void)
{
	hs_graph *g = ex_load(HS_REFS_BY_INDEX);
	hs_paths_options o = HS_PATHS_OPTIONS_INIT;
	hs_pathset *s = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	o.max_search = 3;  /* fewer partial paths than the shortest needs */
	CU_ASSERT_EQUAL_FATAL(hs_paths_find(&s, g, 7, 2, &o), 0);
	CU_ASSERT(hs_pathset_capped(s));
	/* the shortest path, read off the distances */
	CU_ASSERT_EQUAL_FATAL(hs_pathset_count(s), 1);
	{
		char *txt = path_text(g, hs_pathset_get(s, 0));

		CU_ASSERT_STRING_EQUAL(txt, EX_PATH);
		free(txt);
	}
	hs_pathset_free(s);
	o.max_search = 8;  /* enough for the first, not the second */
	CU_ASSERT_EQUAL_FATAL(hs_paths_find(&s, g, 7, 2, &o), 0);
	CU_ASSERT_EQUAL(hs_pathset_count(s), 1);
	CU_ASSERT(hs_pathset_capped(s));
	hs_pathset_free(s);
	hs_graph_free(g);
}

/* ---- a 1M-long chain: nothing may recurse ------------------------------ */

static void test_long_chain(void)
{
	enum { N = 1000000 };
	static const char *const types[] = { "Node" };
	static const tg_root roots[] = { { 0, "global", "head" } };
	tg_edge *edges = malloc((N - 1) * sizeof(*edges));
	tg_spec sp = { N, types, 1, NULL, NULL, NULL, N - 1, roots, 1,
		       HS_REFS_BY_INDEX };
	hs_graph *g;
	hs_paths *t = NULL;
	hs_pathset *s = NULL;
	const hs_path *p;
	hs_buf b = HS_BUF_INIT;
	size_t ok = 1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(edges);
	for (uint32_t i = 0; i + 1 < N; i++) {
		edges[i].from = i;
		edges[i].to = i + 1;
		edges[i].label = NULL;
		edges[i].weak = 0;
	}
	sp.edges = edges;
	g = tg_load("chain", &sp);
	free(edges);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL_FATAL(hs_paths_new(&t, g, NULL), 0);
	CU_ASSERT_EQUAL(hs_paths_depth(t, N - 1), N - 1);
	CU_ASSERT_EQUAL_FATAL(hs_paths_shortest(&s, t, N - 1), 0);
	CU_ASSERT_EQUAL_FATAL(hs_pathset_count(s), 1);
	p = hs_pathset_get(s, 0);
	CU_ASSERT_EQUAL_FATAL(p->len, N);
	for (uint32_t i = 0; i < N && ok; i++)
		ok = p->nodes[i] == i && (i + 1 == N || p->edges[i] == 0);
	CU_ASSERT(ok);
	hs_pathset_free(s);

	/* the A* search: the one path, not capped (N partial paths) */
	CU_ASSERT_EQUAL_FATAL(hs_paths_find(&s, g, N - 1, 3, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(hs_pathset_count(s), 1);
	CU_ASSERT_FALSE(hs_pathset_capped(s));
	CU_ASSERT_EQUAL(hs_pathset_get(s, 0)->len, N);
	hs_pathset_free(s);

	/* a search bound far below the chain's length: the path is still
	 * found (read off the distances), and the cap is reported */
	{
		hs_paths_options o = HS_PATHS_OPTIONS_INIT;

		o.max_search = 1000;
		CU_ASSERT_EQUAL_FATAL(hs_paths_find(&s, g, N - 1, 2, &o), 0);
		CU_ASSERT_EQUAL_FATAL(hs_pathset_count(s), 1);
		CU_ASSERT(hs_pathset_capped(s));
		p = hs_pathset_get(s, 0);
		CU_ASSERT_EQUAL_FATAL(p->len, N);
		ok = 1;
		for (uint32_t i = 0; i < N && ok; i++)
			ok = p->nodes[i] == i && (i + 1 == N || p->edges[i] == 0);
		CU_ASSERT(ok);
		hs_pathset_free(s);
	}

	/* a depth limit below the chain's length: no path */
	{
		hs_paths_options o = HS_PATHS_OPTIONS_INIT;
		hs_paths *t2 = NULL;

		o.max_depth = N - 2;
		CU_ASSERT_EQUAL_FATAL(hs_paths_find(&s, g, N - 1, 1, &o), 0);
		CU_ASSERT_EQUAL(hs_pathset_count(s), 0);
		hs_pathset_free(s);
		CU_ASSERT_EQUAL_FATAL(hs_paths_new(&t2, g, &o), 0);
		CU_ASSERT_EQUAL(hs_paths_reached(t2), N - 1);
		CU_ASSERT_EQUAL(hs_paths_depth(t2, N - 1),
				HS_PATHS_UNREACHABLE);
		CU_ASSERT_EQUAL(hs_paths_depth(t2, N - 2), N - 2);
		hs_paths_free(t2);
	}
	/* a short piece formats as expected */
	CU_ASSERT_EQUAL_FATAL(hs_paths_shortest(&s, t, 2), 0);
	CU_ASSERT_EQUAL(hs_path_format(&b, g, hs_pathset_get(s, 0)), 0);
	CU_ASSERT_EQUAL(b.len, strlen("head -> Node[0] -> Node[0]"));
	CU_ASSERT(memcmp(b.data, "head -> Node[0] -> Node[0]", b.len) == 0);
	hs_buf_release(&b);
	hs_pathset_free(s);
	hs_paths_free(t);
	hs_graph_free(g);
}

/* ---- root ranks -------------------------------------------------------- */

/* The path to target (tree, or the i-th of find) as its node list. */
static int path_is(const hs_path *p, const uint32_t *nodes, size_t len)
{
	if (p->len != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (p->nodes[i] != nodes[i])
			return 0;
	return 1;
}

/*
 * 0 L list, a refcount root (a C-held container such as the parser's
 * arena) -> 1 a, 2 b, 6 c, 8 m;  3 D dict, a frame root -> 4 x -> 1 a;
 * 5 S, a static root and a stack root (rank 1 too) -> 6 c;  7 M, a
 * refcount root and then a module root -> 8 m.  Real roots win, however long their path: a by D -> x,
 * not L; c by S; b only by L; M is named by its module record.
 */
static void test_root_ranks(void)
{
	static const tg_edge edges[] = {
		{ 0, 1, NULL, 0 }, { 0, 2, NULL, 0 }, { 0, 6, NULL, 0 },
		{ 0, 8, NULL, 0 }, { 3, 4, "x", 0 }, { 4, 1, "a", 0 },
		{ 5, 6, "c", 0 }, { 7, 8, "m", 0 } };
	static const tg_root roots[] = {
		{ 0, "refcount", NULL }, { 3, "frame", "f" },
		{ 5, "static", NULL }, { 7, "refcount", NULL },
		{ 7, "module", "sys.modules['m']" },
		{ 5, "stack", "t <stack 2>" } };
	static const unsigned want_rank[] = { 2, 0, 1, 2, 0, 1 };
	static const uint32_t via_d[] = { 3, 4, 1 }, via_l[] = { 0, 1 },
			      b_path[] = { 0, 2 }, c_path[] = { 5, 6 },
			      m_path[] = { 7, 8 }, m_via_l[] = { 0, 8 };
	tg_spec sp = { 9, ex_types, 1, NULL, NULL, edges, 8, roots, 6,
		       HS_REFS_BY_INDEX };
	hs_graph *g = tg_load("ranks", &sp);
	hs_paths *t = NULL;
	hs_pathset *s = NULL;
	char *text;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	for (size_t i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(hs_paths_root_rank(g, i), want_rank[i]);
	CU_ASSERT_EQUAL_FATAL(hs_paths_new(&t, g, NULL), 0);
	CU_ASSERT_EQUAL(hs_paths_reached(t), 9);
	CU_ASSERT_EQUAL(hs_paths_depth(t, 1), 2);
	CU_ASSERT_EQUAL_FATAL(hs_paths_shortest(&s, t, 1), 0);
	CU_ASSERT(path_is(hs_pathset_get(s, 0), via_d, 3));
	CU_ASSERT_EQUAL(hs_pathset_get(s, 0)->root, 1);
	text = path_text(g, hs_pathset_get(s, 0));
	CU_ASSERT_STRING_EQUAL(text, "f -> module.x -> module.a");
	free(text);
	hs_pathset_free(s);
	CU_ASSERT_EQUAL_FATAL(hs_paths_shortest(&s, t, 2), 0);
	CU_ASSERT(path_is(hs_pathset_get(s, 0), b_path, 2));
	text = path_text(g, hs_pathset_get(s, 0));
	CU_ASSERT_STRING_EQUAL(text, "<refcount> -> module[1]");
	free(text);
	hs_pathset_free(s);
	CU_ASSERT_EQUAL_FATAL(hs_paths_shortest(&s, t, 6), 0);
	CU_ASSERT(path_is(hs_pathset_get(s, 0), c_path, 2));
	hs_pathset_free(s);
	CU_ASSERT_EQUAL_FATAL(hs_paths_shortest(&s, t, 8), 0);
	CU_ASSERT(path_is(hs_pathset_get(s, 0), m_path, 2));
	CU_ASSERT_EQUAL(hs_pathset_get(s, 0)->root, 4);
	hs_pathset_free(s);
	CU_ASSERT_EQUAL_FATAL(hs_paths_shortest(&s, t, 7), 0);
	CU_ASSERT_EQUAL(hs_pathset_get(s, 0)->root, 4);
	hs_pathset_free(s);
	hs_paths_free(t);

	/* the A* search: by rank, then length */
	CU_ASSERT_EQUAL_FATAL(hs_paths_find(&s, g, 1, 5, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(hs_pathset_count(s), 2);
	CU_ASSERT(path_is(hs_pathset_get(s, 0), via_d, 3));
	CU_ASSERT(path_is(hs_pathset_get(s, 1), via_l, 2));
	CU_ASSERT_EQUAL(hs_pathset_get(s, 1)->root, 0);
	hs_pathset_free(s);
	CU_ASSERT_EQUAL_FATAL(hs_paths_find(&s, g, 8, 5, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(hs_pathset_count(s), 2);
	CU_ASSERT(path_is(hs_pathset_get(s, 0), m_path, 2));
	CU_ASSERT_EQUAL(hs_pathset_get(s, 0)->root, 4);
	CU_ASSERT(path_is(hs_pathset_get(s, 1), m_via_l, 2));
	hs_pathset_free(s);
	hs_graph_free(g);
}

/*
 * A bounded search (max_depth 2) searches each rank apart: 0 F, a frame
 * root -> 1 p -> 2 w -> 3 v; 4 R, a refcount root -> 2 w.  w is 2 deep
 * from F (its path), v 3 deep from F but 2 from R: R -> w -> v, through
 * the w that F reached.
 */
static void test_root_ranks_bounded(void)
{
	static const tg_edge edges[] = {
		{ 0, 1, NULL, 0 }, { 1, 2, NULL, 0 }, { 2, 3, NULL, 0 },
		{ 4, 2, NULL, 0 } };
	static const tg_root roots[] = {
		{ 0, "frame", "F" }, { 4, "refcount", NULL } };
	static const uint32_t w_path[] = { 0, 1, 2 }, v_path[] = { 4, 2, 3 };
	tg_spec sp = { 5, ex_types, 1, NULL, NULL, edges, 4, roots, 2,
		       HS_REFS_BY_ID };
	hs_graph *g = tg_load("ranks_bounded", &sp);
	hs_paths_options o = HS_PATHS_OPTIONS_INIT;
	hs_paths *t = NULL;
	hs_pathset *s = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	o.max_depth = 2;
	CU_ASSERT_EQUAL_FATAL(hs_paths_new(&t, g, &o), 0);
	CU_ASSERT_EQUAL(hs_paths_reached(t), 5);
	CU_ASSERT_EQUAL(hs_paths_depth(t, 2), 2);
	CU_ASSERT_EQUAL(hs_paths_depth(t, 3), 2);
	CU_ASSERT_EQUAL_FATAL(hs_paths_shortest(&s, t, 2), 0);
	CU_ASSERT(path_is(hs_pathset_get(s, 0), w_path, 3));
	hs_pathset_free(s);
	CU_ASSERT_EQUAL_FATAL(hs_paths_shortest(&s, t, 3), 0);
	CU_ASSERT(path_is(hs_pathset_get(s, 0), v_path, 3));
	CU_ASSERT_EQUAL(hs_pathset_get(s, 0)->root, 1);
	hs_pathset_free(s);
	hs_paths_free(t);
	CU_ASSERT_EQUAL_FATAL(hs_paths_find(&s, g, 3, 3, &o), 0);
	CU_ASSERT_EQUAL_FATAL(hs_pathset_count(s), 1);
	CU_ASSERT(path_is(hs_pathset_get(s, 0), v_path, 3));
	hs_pathset_free(s);
	/* unbounded, F's longer path wins */
	CU_ASSERT_EQUAL_FATAL(hs_paths_new(&t, g, NULL), 0);
	CU_ASSERT_EQUAL(hs_paths_depth(t, 3), 3);
	hs_paths_free(t);
	hs_graph_free(g);
}

/* ---- random graphs against brute force -------------------------------- */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

#define RN_MAX 8
#define RE_MAX 18

/* Every simple path from a root object (each once) to target over strong
 * edges, by an explicit stack of (node, next edge) frames: the keys
 * rank * 64 + length in references (lengths are below 64), so that they
 * sort as the paths must come, into len[] (count returned, at most cap).
 * isroot[v]: 0, or 1 + the root object's best rank. */
static size_t brute_paths(const tg_edge *e, size_t ne, const uint8_t *isroot,
			  uint32_t n, uint32_t target, size_t *len, size_t cap,
			  uint32_t max_depth)
{
	size_t count = 0;

	for (uint32_t r = 0; r < n; r++) {
		uint32_t stack[RN_MAX + 1];
		size_t next[RN_MAX + 1];
		int on[RN_MAX] = { 0 };
		size_t sp = 0;

		if (!isroot[r])
			continue;
		stack[0] = r;
		next[0] = 0;
		on[r] = 1;
		sp = 1;
		while (sp) {
			uint32_t u = stack[sp - 1];
			size_t k;

			if (u == target) {
				if (count < cap &&
				    (!max_depth || sp - 1 <= max_depth))
					len[count++] = (size_t)(isroot[r] - 1) *
						       64 + sp - 1;
				on[u] = 0;
				sp--;
				continue;
			}
			for (k = next[sp - 1]; k < ne; k++)
				if (e[k].from == u && !e[k].weak &&
				    !on[e[k].to])
					break;
			if (k == ne) {
				on[u] = 0;
				sp--;
				continue;
			}
			next[sp - 1] = k + 1;
			stack[sp] = e[k].to;
			next[sp] = 0;
			on[e[k].to] = 1;
			sp++;
		}
	}
	return count;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

static void test_random_vs_brute_force(void)
{
	static const char *const types[] = { "A", "B", "C" };
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	size_t graphs = 0, checked_paths = 0;

	for (int round = 0; round < 150; round++) {
		tg_edge e[RE_MAX];
		tg_root roots[4];
		uint8_t isroot[RN_MAX] = { 0 };
		uint32_t type[RN_MAX];
		uint32_t n = 2 + (uint32_t)(rnd(&seed) % (RN_MAX - 1));
		size_t ne = rnd(&seed) % RE_MAX, nr = 1 + rnd(&seed) % 3;
		hs_paths_options o = HS_PATHS_OPTIONS_INIT;
		tg_spec sp;
		hs_graph *g;
		hs_paths *t = NULL, *tb = NULL;
		char name[32];

		for (size_t k = 0; k < ne; k++) {
			e[k].from = (uint32_t)(rnd(&seed) % n);
			e[k].to = (uint32_t)(rnd(&seed) % n);
			e[k].label = rnd(&seed) % 2 ? "f" : NULL;
			e[k].weak = rnd(&seed) % 6 == 0;
		}
		/* sorted by source, keeping the draw order within one */
		for (size_t i = 1; i < ne; i++)
			for (size_t j = i; j > 0 && e[j - 1].from > e[j].from;
			     j--) {
				tg_edge tmp = e[j];
				e[j] = e[j - 1];
				e[j - 1] = tmp;
			}
		for (size_t i = 0; i < nr; i++) {
			static const char *const kinds[] = { "global", "static",
							     "refcount" };
			unsigned rank = (unsigned)(rnd(&seed) % 3);
			uint8_t *ir = &isroot[0];

			roots[i].node = (uint32_t)(rnd(&seed) % n);
			roots[i].kind = kinds[rank];
			roots[i].label = "r";
			ir += roots[i].node;
			if (!*ir || *ir > rank + 1)
				*ir = (uint8_t)(rank + 1);
		}
		for (uint32_t i = 0; i < n; i++)
			type[i] = (uint32_t)(rnd(&seed) % 3);
		sp = (tg_spec){ n, types, 3, type, NULL, e, ne, roots, nr,
				round % 2 ? HS_REFS_BY_ID : HS_REFS_BY_INDEX };
		snprintf(name, sizeof(name), "rand%d", round);
		g = tg_load(name, &sp);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		CU_ASSERT_EQUAL_FATAL(hs_paths_new(&t, g, NULL), 0);
		o.max_depth = round % 3 == 2 ? 2 : 0;
		CU_ASSERT_EQUAL_FATAL(hs_paths_new(&tb, g, &o), 0);
		graphs++;
		for (uint32_t target = 0; target < n; target++) {
			size_t want[4096], nwant, ask = 1 + rnd(&seed) % 6;
			hs_pathset *s = NULL;
			const hs_paths *tt[2] = { t, tb };

			/* the trees, unbounded and bounded: the best
			 * rank's shortest length, or unreachable */
			for (int b = 0; b < 2; b++) {
				uint32_t depth = hs_paths_depth(tt[b], target);

				nwant = brute_paths(e, ne, isroot, n, target,
						    want, 4096,
						    b ? o.max_depth : 0);
				qsort(want, nwant, sizeof(*want), cmp_size);
				if (nwant == 0) {
					CU_ASSERT_EQUAL(depth,
							HS_PATHS_UNREACHABLE);
					continue;
				}
				CU_ASSERT_EQUAL(depth, want[0] % 64);
				CU_ASSERT_EQUAL_FATAL(hs_paths_shortest(&s,
						tt[b], target), 0);
				CU_ASSERT_FATAL(hs_pathset_count(s) == 1);
				check_path(g, hs_pathset_get(s, 0), target);
				CU_ASSERT_EQUAL(hs_paths_root_rank(g,
					hs_pathset_get(s, 0)->root),
					want[0] / 64);
				hs_pathset_free(s);
				s = NULL;
			}
			/* the A* search: the `ask` best, in order */
			CU_ASSERT_EQUAL_FATAL(
				hs_paths_find(&s, g, target, ask, &o), 0);
			CU_ASSERT_FALSE(hs_pathset_capped(s));
			CU_ASSERT_EQUAL_FATAL(hs_pathset_count(s),
					      nwant < ask ? nwant : ask);
			for (size_t i = 0; i < hs_pathset_count(s); i++) {
				const hs_path *p = hs_pathset_get(s, i);

				check_path(g, p, target);
				CU_ASSERT_EQUAL(p->len - 1, want[i] % 64);
				CU_ASSERT_EQUAL(hs_paths_root_rank(g, p->root),
						want[i] / 64);
				checked_paths++;
				/* distinct from every earlier one */
				for (size_t j = 0; j < i; j++) {
					const hs_path *q = hs_pathset_get(s, j);
					int same = q->len == p->len &&
						   q->nodes[0] == p->nodes[0];

					for (size_t k = 0; same && k + 1 < p->len;
					     k++)
						same = q->edges[k] == p->edges[k];
					CU_ASSERT_FALSE(same);
				}
			}
			hs_pathset_free(s);
		}
		hs_paths_free(t);
		hs_paths_free(tb);
		hs_graph_free(g);
	}
	CU_ASSERT(graphs == 150 && checked_paths > 300);
}

/* The labels of a long path cost one decode per frame it crosses, not
 * one per step: read at once (hs_path_labels, hs_path_format) or step by
 * step (hs_graph_label), along a chain written head first (indices
 * rising along the path) or head last (falling, as the Python capture
 * writes a linked list). */
static void test_labels_one_decode_per_frame(void)
{
	enum { N = 200000 };
	static const char *const types[] = { "Node" };
	tg_edge *edges = malloc((N - 1) * sizeof(*edges));

	CU_ASSERT_PTR_NOT_NULL_FATAL(edges);
	for (int back = 0; back < 2; back++) {
		tg_root root = { back ? N - 1 : 0, "global", "head" };
		tg_spec sp = { N, types, 1, NULL, NULL, NULL, N - 1, &root, 1,
			       HS_REFS_BY_INDEX };
		const hs_frame_info *fi;
		hs_reader *r = NULL;
		hs_paths *t = NULL;
		hs_pathset *s = NULL;
		hs_buf b = HS_BUF_INIT, st = HS_BUF_INIT;
		hs_str *labels = calloc(N, sizeof(*labels));
		const hs_path *p;
		unsigned long before;
		size_t frames, ok = 1;
		hs_graph *g;

		for (uint32_t i = 0; i + 1 < N; i++) {
			edges[i].from = back ? i + 1 : i;
			edges[i].to = back ? i : i + 1;
			edges[i].label = "next";
			edges[i].weak = 0;
		}
		sp.edges = edges;
		g = tg_load(back ? "chain_back" : "chain_fwd", &sp);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		CU_ASSERT_PTR_NOT_NULL_FATAL(labels);
		CU_ASSERT_EQUAL_FATAL(hs_graph_reader_open(&r, g), 0);
		frames = hs_reader_frames(&fi, r);
		hs_reader_free(r);
		CU_ASSERT_FATAL(frames > 20);  /* 64 KiB frames */
		CU_ASSERT_EQUAL_FATAL(hs_paths_new(&t, g, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(hs_paths_shortest(&s, t, back ? 0 : N - 1),
				      0);
		p = hs_pathset_get(s, 0);
		CU_ASSERT_EQUAL_FATAL(p->len, N);

		before = tu_frame_decodes;
		CU_ASSERT_EQUAL_FATAL(hs_path_labels(labels, g, p), 0);
		for (size_t i = 0; i + 1 < N && ok; i++)
			ok = labels[i].len == 4 &&
			     memcmp(labels[i].ptr, "next", 4) == 0;
		CU_ASSERT(ok);
		CU_ASSERT(tu_frame_decodes - before <= frames + 1);

		before = tu_frame_decodes;
		CU_ASSERT_EQUAL(hs_path_format(&b, g, p), 0);
		CU_ASSERT(tu_frame_decodes - before <= frames + 1);

		before = tu_frame_decodes;
		for (size_t i = 0; i + 1 < N && ok; i++) {
			hs_str l;

			ok = hs_graph_label(&l, &st, g, p->nodes[i],
					    p->edges[i]) == 0 && l.len == 4;
		}
		CU_ASSERT(ok);
		CU_ASSERT(tu_frame_decodes - before <= frames + 1);
		fprintf(stderr, "    a %d-step path over %zu frames, %s: "
			"%lu frame decodes step by step\n", N - 1, frames,
			back ? "falling indices" : "rising indices",
			tu_frame_decodes - before);
		hs_buf_release(&b);
		hs_buf_release(&st);
		free(labels);
		hs_pathset_free(s);
		hs_paths_free(t);
		hs_graph_free(g);
	}
	free(edges);
}

HS_SUITE(paths,
	 HS_TEST(test_example_shortest),
	 HS_TEST(test_example_all),
	 HS_TEST(test_labels_and_steps),
	 HS_TEST(test_label_forms),
	 HS_TEST(test_distinct_paths),
	 HS_TEST(test_weak_only_and_unreachable),
	 HS_TEST(test_missing_target),
	 HS_TEST(test_top_of_type),
	 HS_TEST(test_search_cap),
	 HS_TEST(test_long_chain),
	 HS_TEST(test_root_ranks),
	 HS_TEST(test_root_ranks_bounded),
	 HS_TEST(test_labels_one_decode_per_frame),
	 HS_TEST(test_random_vs_brute_force))
