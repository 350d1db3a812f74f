/*
 * test_dom.c - hs_dom against the definition: on hundreds of random
 * small graphs (cycles, self-loops, duplicate references, weak
 * references, unreachable parts, long chains, several and repeated
 * roots), d dominates v iff v is unreachable from the super-root once d
 * is removed; idom, retained sizes, reachability, the children lists, the
 * tree walk and the top-N order are all checked against that.  Then a
 * 10M-long linked list with back references (1M under ASan, or with
 * HS_UNIT_QUICK=1) must not overflow any stack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_dom.h"
#include "unit.h"

#if defined(__SANITIZE_ADDRESS__)
#define CHAIN_DEFAULT 1000000u
#else
#define CHAIN_DEFAULT 10000000u
#endif

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

typedef struct {
	size_t n;
	uint64_t *size;
	size_t *deg;
	uint64_t **to;
	uint8_t **weak;
	size_t nroots;
	uint64_t roots[8];
} rgraph;

static void rgraph_free(rgraph *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->to[i]);
		free(r->weak[i]);
	}
	free(r->to);
	free(r->weak);
	free(r->deg);
	free(r->size);
}

static void rgraph_make(rgraph *r, uint64_t seed)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
	int chain = rnd(&s) % 5 == 0;

	r->n = chain ? 50 + rnd(&s) % 150 : 1 + rnd(&s) % 24;
	r->size = calloc(r->n, 8);
	r->deg = calloc(r->n, sizeof(size_t));
	r->to = calloc(r->n, sizeof(*r->to));
	r->weak = calloc(r->n, sizeof(*r->weak));
	CU_ASSERT_FATAL(r->size && r->deg && r->to && r->weak);
	for (size_t i = 0; i < r->n; i++) {
		size_t k = rnd(&s) % (chain ? 3 : 5);

		r->size[i] = 1 + rnd(&s) % 100;
		if (chain)
			k++;  /* room for the next link */
		r->deg[i] = k;
		r->to[i] = calloc(k + 1, 8);
		r->weak[i] = calloc(k + 1, 1);
		CU_ASSERT_FATAL(r->to[i] && r->weak[i]);
		for (size_t j = 0; j < k; j++) {
			uint64_t t = rnd(&s) % r->n;

			if (chain && j == 0)
				t = i + 1 < r->n ? i + 1 : 0;
			else if (rnd(&s) % 8 == 0)
				t = i;  /* self-loop */
			else if (j > 0 && rnd(&s) % 6 == 0)
				t = r->to[i][j - 1];  /* duplicate */
			r->to[i][j] = t;
			r->weak[i][j] = !(chain && j == 0) && rnd(&s) % 5 == 0;
		}
	}
	r->nroots = rnd(&s) % 4;
	if (chain && !r->nroots)
		r->nroots = 1;
	for (size_t i = 0; i < r->nroots; i++)
		r->roots[i] = chain && i == 0 ? 0 : rnd(&s) % r->n;
	if (r->nroots > 1 && rnd(&s) % 3 == 0)
		r->roots[1] = r->roots[0];  /* a repeated root */
}

static void rgraph_write(const rgraph *r, const char *path, hs_ref_mode mode)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	uint32_t t;

	o.ref_mode = mode;
	o.frame_size = 4096;
	CU_ASSERT_FATAL(hs_writer_open(&w, path, &o, &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&t, w, "t", 1) == 0);
	for (size_t i = 0; i < r->n; i++) {
		uint64_t refs[8];
		hs_object ob = { 0x100 + 8 * i, t, r->size[i], r->deg[i], refs,
				 NULL, r->weak[i],
				 { HS_VALUE_NONE, { .i = 0 } }, HS_NO_SITE };

		for (size_t j = 0; j < r->deg[i]; j++)
			refs[j] = mode == HS_REFS_BY_INDEX ? r->to[i][j]
				  : 0x100 + 8 * r->to[i][j];
		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
	}
	for (size_t i = 0; i < r->nroots; i++)
		CU_ASSERT_FATAL(hs_writer_root(w, mode == HS_REFS_BY_INDEX ?
					       r->roots[i] :
					       0x100 + 8 * r->roots[i], "g",
					       NULL, 0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
}

/* Nodes reachable from the roots over strong references, avoiding
 * `cut` (SIZE_MAX: none). */
static void reach(const rgraph *r, size_t cut, uint8_t *seen)
{
	size_t *q = malloc((r->n + 1) * sizeof(size_t)), qh = 0, qt = 0;

	CU_ASSERT_FATAL(q != NULL);
	memset(seen, 0, r->n);
	for (size_t i = 0; i < r->nroots; i++) {
		size_t v = r->roots[i];

		if (v != cut && !seen[v]) {
			seen[v] = 1;
			q[qt++] = v;
		}
	}
	while (qh < qt) {
		size_t v = q[qh++];

		for (size_t j = 0; j < r->deg[v]; j++) {
			size_t t = r->to[v][j];

			if (r->weak[v][j] || t == cut || seen[t])
				continue;
			seen[t] = 1;
			q[qt++] = t;
		}
	}
	free(q);
}

typedef struct {
	hs_dom *d;
	uint32_t *depth_of;   /* by brute force */
	uint32_t *visits;
	int bad;
	uint32_t path[256];
	size_t plen;
} walk_state;

static int walk_cb(uint32_t node, uint32_t depth, int enter, void *p)
{
	walk_state *ws = p;

	if (enter) {
		ws->visits[node]++;
		if (depth != ws->depth_of[node])
			ws->bad = 1;
		if (ws->plen < 256)
			ws->path[ws->plen] = node;
		ws->plen++;
		/* the node's idom is the previous one on the path */
		if (ws->plen >= 2 && ws->plen <= 256 &&
		    hs_dom_idom(ws->d, node) != ws->path[ws->plen - 2])
			ws->bad = 1;
	} else {
		ws->plen--;
	}
	return 0;
}

static void check_one(uint64_t seed, hs_ref_mode mode)
{
	rgraph r;
	char path[512];
	hs_graph *g;
	hs_dom *d;
	uint8_t *live, *cut;
	uint8_t **dom;   /* dom[v][x]: x dominates v (x may be v) */
	uint64_t total = 0, untotal = 0, nlive = 0;
	uint32_t *depth;
	int ok = 1;

	rgraph_make(&r, seed);
	snprintf(path, sizeof(path), "%s/dom.snap", hs_unit_tmpdir());
	rgraph_write(&r, path, mode);
	CU_ASSERT_FATAL(hs_graph_load(&g, path, NULL) == 0);
	CU_ASSERT_FATAL(hs_dom_build(&d, g) == 0);
	live = malloc(r.n);
	cut = malloc(r.n);
	dom = calloc(r.n, sizeof(*dom));
	depth = calloc(r.n, 4);
	CU_ASSERT_FATAL(live && cut && dom && depth);
	reach(&r, SIZE_MAX, live);
	for (size_t v = 0; v < r.n; v++) {
		dom[v] = calloc(r.n, 1);
		CU_ASSERT_FATAL(dom[v] != NULL);
	}
	for (size_t x = 0; x < r.n; x++) {
		reach(&r, x, cut);
		for (size_t v = 0; v < r.n; v++)
			if (live[v] && (v == x || !cut[v]))
				dom[v][x] = 1;
	}
	for (size_t v = 0; v < r.n; v++) {
		uint64_t ret = 0;
		size_t best = SIZE_MAX, bestn = 0;

		if (!live[v]) {
			untotal += r.size[v];
			ok &= !hs_dom_reachable(d, (uint32_t)v);
			ok &= hs_dom_idom(d, (uint32_t)v) == HS_GRAPH_NONE;
			ok &= hs_dom_retained(d, (uint32_t)v) == 0;
			continue;
		}
		nlive++;
		total += r.size[v];
		/* idom: the strict dominator with the most dominators */
		for (size_t x = 0; x < r.n; x++) {
			size_t k = 0;

			if (x == v || !dom[v][x])
				continue;
			for (size_t y = 0; y < r.n; y++)
				k += dom[x][y];
			if (k > bestn) {
				bestn = k;
				best = x;
			}
			depth[v]++;
		}
		depth[v]++;  /* the super-root's children are at depth 1 */
		for (size_t w = 0; w < r.n; w++)
			if (dom[w][v])
				ret += r.size[w];
		ok &= hs_dom_reachable(d, (uint32_t)v);
		ok &= hs_dom_idom(d, (uint32_t)v) ==
		      (best == SIZE_MAX ? HS_GRAPH_SUPERROOT : (uint32_t)best);
		ok &= hs_dom_retained(d, (uint32_t)v) == ret;
		if (!ok) {
			fprintf(stderr, "seed %llu mode %d node %zu: idom %u "
				"want %zu, retained %llu want %llu\n",
				(unsigned long long)seed, mode, v,
				hs_dom_idom(d, (uint32_t)v), best,
				(unsigned long long)hs_dom_retained(d,
							(uint32_t)v),
				(unsigned long long)ret);
			break;
		}
	}
	CU_ASSERT(ok);
	{
		const hs_dom_stats *st = hs_dom_stats_get(d);

		CU_ASSERT_EQUAL(st->reachable, nlive);
		CU_ASSERT_EQUAL(st->reachable_size, total);
		CU_ASSERT_EQUAL(st->unreachable, r.n - nlive);
		CU_ASSERT_EQUAL(st->unreachable_size, untotal);
		CU_ASSERT_EQUAL(hs_dom_retained(d, HS_GRAPH_SUPERROOT), total);
	}
	/* children: each reachable node under its idom exactly once */
	{
		uint64_t listed = 0;

		for (size_t v = 0; v <= r.n; v++) {
			uint32_t p = v == r.n ? HS_GRAPH_SUPERROOT : (uint32_t)v;
			hs_nodes c;

			CU_ASSERT_FATAL(hs_dom_children(&c, d, p) == 0);
			for (size_t i = 0; i < c.n; i++)
				CU_ASSERT(hs_dom_idom(d, c.node[i]) == p);
			listed += c.n;
		}
		CU_ASSERT_EQUAL(listed, nlive);
	}
	/* the walk: each reachable node once, at its depth, below its idom */
	{
		walk_state ws = { d, depth, calloc(r.n + 1, 4), 0, { 0 }, 0 };
		int once = 1;

		CU_ASSERT_FATAL(ws.visits != NULL);
		CU_ASSERT(hs_dom_walk(d, HS_GRAPH_SUPERROOT, walk_cb, &ws) == 0);
		for (size_t v = 0; v < r.n; v++)
			once &= ws.visits[v] == (live[v] ? 1u : 0u);
		CU_ASSERT(once && !ws.bad && ws.plen == 0);
		free(ws.visits);
	}
	/* top: sorted by retained, then node; all of them with n = 0 */
	{
		uint32_t top[5], *all = NULL;
		size_t k = hs_dom_top(top, 5, NULL, d, 0), ka;

		ka = hs_dom_top(NULL, 0, &all, d, 0);
		CU_ASSERT_EQUAL(ka, nlive);
		CU_ASSERT_EQUAL(k, nlive < 5 ? nlive : 5);
		for (size_t i = 0; i < k; i++)
			CU_ASSERT(top[i] == all[i]);
		for (size_t i = 1; i < ka; i++) {
			uint64_t a = hs_dom_retained(d, all[i - 1]),
				 b = hs_dom_retained(d, all[i]);

			CU_ASSERT(a > b || (a == b && all[i - 1] < all[i]));
		}
		if (ka) {
			uint64_t cutoff = hs_dom_retained(d, all[ka / 2]);
			size_t km = hs_dom_top(top, 5, NULL, d, cutoff);

			for (size_t i = 0; i < km; i++)
				CU_ASSERT(hs_dom_retained(d, top[i]) >= cutoff);
		}
		free(all);
	}
	for (size_t v = 0; v < r.n; v++)
		free(dom[v]);
	free(dom);
	free(depth);
	free(live);
	free(cut);
	hs_dom_free(d);
	hs_graph_free(g);
	rgraph_free(&r);
}

static void test_random(void)
{
	for (uint64_t seed = 1; seed <= 300; seed++)
		check_one(seed, seed % 2 ? HS_REFS_BY_INDEX : HS_REFS_BY_ID);
}

/* A linked list: i -> i+1, and i -> i/2 (back references, which make
 * eval() compress long paths).  idom(i+1) = i; the tree is n deep. */
static void test_long_chain(void)
{
	const char *q = getenv("HS_UNIT_QUICK");
	uint32_t n = q && *q == '1' ? 1000000u : CHAIN_DEFAULT;
	char path[512];
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	hs_graph *g;
	hs_dom *d;
	uint32_t t;
	int ok = 1;

	snprintf(path, sizeof(path), "%s/chain.snap", hs_unit_tmpdir());
	o.ref_mode = HS_REFS_BY_INDEX;
	o.level = 1;
	CU_ASSERT_FATAL(hs_writer_open(&w, path, &o, &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&t, w, "node", 4) == 0);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t refs[2] = { i + 1, i / 2 };
		hs_object ob = { 0x1000 + 32 * (uint64_t)i, t, 32,
				 i + 1 < n ? 2 : 1, i + 1 < n ? refs : refs + 1,
				 NULL, NULL, { HS_VALUE_NONE, { .i = 0 } },
				 HS_NO_SITE };

		CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
	}
	CU_ASSERT_FATAL(hs_writer_root(w, 0, "global", "head", 0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	CU_ASSERT_FATAL(hs_graph_load(&g, path, NULL) == 0);
	CU_ASSERT_FATAL(hs_dom_build(&d, g) == 0);
	CU_ASSERT_EQUAL(hs_dom_stats_get(d)->reachable, n);
	CU_ASSERT_EQUAL(hs_dom_stats_get(d)->max_depth, n);
	CU_ASSERT_EQUAL(hs_dom_idom(d, 0), HS_GRAPH_SUPERROOT);
	for (uint32_t i = 1; i < n && ok; i++)
		ok = hs_dom_idom(d, i) == i - 1 &&
		     hs_dom_retained(d, i) == 32ull * (n - i);
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL(hs_dom_retained(d, 0), 32ull * n);
	{
		uint32_t top[3];

		CU_ASSERT_EQUAL(hs_dom_top(top, 3, NULL, d, 0), 3);
		CU_ASSERT(top[0] == 0 && top[1] == 1 && top[2] == 2);
	}
	hs_dom_free(d);
	hs_graph_free(g);
	remove(path);
}

HS_SUITE(dom, HS_TEST(test_random), HS_TEST(test_long_chain))
