/*
 * test_dom.c - hs_dom against the definition: on hundreds of random
 * small graphs (cycles, self-loops, duplicate references, weak
 * references, unreachable parts, long chains, several and repeated
 * roots), d dominates v iff v is unreachable from the super-root once d
 * is removed; idom, retained sizes, reachability, the children lists, the
 * tree walk and the top-N order are all checked against that.  Then a
 * 10M-long linked list with back references (1M under ASan, or with
 * HS_UNIT_QUICK=1) must not overflow any stack.  Last, big and
 * adversarial graphs (random with local and far references, deep chains,
 * a star with 10M leaves, a complete bipartite block, many roots; a
 * tenth of that under ASan or HS_UNIT_QUICK=1) against a plain reference:
 * semi-NCA with a recursive-free DFS over the edge lists and simple path
 * compression, as dominators.c computed them before it was laid out for
 * speed, each built on two threads and on one (hs_dom_build_many);
 * on the same graphs, dom_order.c's passes (retained size per key each
 * object once, nearest matched dominator) against a plain walk of the
 * reference's tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dom_order.h"
#include "hs_dom.h"
#include "hs_writer.h"
#include "testutil.h"
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
		size_t k, ka;

		CU_ASSERT_EQUAL(hs_dom_top(&k, top, 5, NULL, d, 0), 0);
		CU_ASSERT_EQUAL(hs_dom_top(&ka, NULL, 0, &all, d, 0), 0);
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
			size_t km;

			CU_ASSERT_EQUAL(hs_dom_top(&km, top, 5, NULL, d,
						   cutoff), 0);

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
		size_t k;

		CU_ASSERT_EQUAL(hs_dom_top(&k, top, 3, NULL, d, 0), 0);
		CU_ASSERT_EQUAL(k, 3);
		CU_ASSERT(top[0] == 0 && top[1] == 1 && top[2] == 2);
	}
	hs_dom_free(d);
	hs_graph_free(g);
	remove(path);
}

/* ---- differential: big graphs against a plain reference ------------ */

#define NO UINT32_MAX

typedef struct {
	uint32_t n;
	uint32_t *off;        /* n + 1 */
	uint32_t *to;
	uint8_t *weak;
	size_t ne, cap, wcap;
	uint32_t *roots;
	size_t nroots, rcap;
} bgraph;

static void bg_init(bgraph *b, uint32_t n)
{
	memset(b, 0, sizeof(*b));
	b->n = n;
	b->off = calloc((size_t)n + 1, 4);
	CU_ASSERT_FATAL(b->off != NULL);
}

/* Edges come grouped by source, sources in increasing order. */
static void bg_edge(bgraph *b, uint32_t v, uint32_t t, int weak)
{
	tu_grow((void **)&b->to, &b->cap, b->ne + 1, 4);
	tu_grow((void **)&b->weak, &b->wcap, b->ne + 1, 1);
	b->to[b->ne] = t;
	b->weak[b->ne] = (uint8_t)weak;
	b->ne++;
	b->off[v + 1] = (uint32_t)b->ne;
}

static void bg_root(bgraph *b, uint32_t v)
{
	tu_grow((void **)&b->roots, &b->rcap, b->nroots + 1, 4);
	b->roots[b->nroots++] = v;
}

/* Closes the offsets of sources without edges. */
static void bg_done(bgraph *b)
{
	for (uint32_t v = 0; v < b->n; v++)
		if (b->off[v + 1] < b->off[v])
			b->off[v + 1] = b->off[v];
}

static void bg_free(bgraph *b)
{
	free(b->off);
	free(b->to);
	free(b->weak);
	free(b->roots);
}

static uint64_t bg_size(uint32_t v)
{
	return 16 + 8 * (uint64_t)(v % 5);
}

static void bg_write(const bgraph *b, const char *path)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w;
	uint64_t *refs = malloc(16384 * 8);
	uint8_t *fl = malloc(16384);
	uint32_t t;

	CU_ASSERT_FATAL(refs && fl);
	o.ref_mode = HS_REFS_BY_INDEX;
	o.level = 1;
	CU_ASSERT_FATAL(hs_writer_open(&w, path, &o, &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&t, w, "n", 1) == 0);
	for (uint32_t v = 0; v < b->n; v++) {
		uint32_t x = b->off[v], end = b->off[v + 1];
		int first = 1;

		do {
			size_t k = 0;

			for (; x < end && k < 16384; x++, k++) {
				refs[k] = b->to[x];
				fl[k] = b->weak[x] ? HS_REF_WEAK : 0;
			}
			if (first) {
				hs_object ob = { 0x1000 + 16 * (uint64_t)v, t,
						 bg_size(v), k, refs, NULL, fl,
						 { HS_VALUE_NONE, { .i = 0 } },
						 HS_NO_SITE };

				CU_ASSERT_FATAL(hs_writer_object(w, &ob) == 0);
				first = 0;
			} else {
				CU_ASSERT_FATAL(hs_writer_refs(w, refs, NULL,
							       fl, k) == 0);
			}
		} while (x < end);
	}
	for (size_t i = 0; i < b->nroots; i++)
		CU_ASSERT_FATAL(hs_writer_root(w, b->roots[i], "g", NULL,
					       0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	free(refs);
	free(fl);
}

/* The reference's path compression, iterative: the least semi on v's
 * path of ancestors numbered >= last. */
static uint32_t ref_eval(uint32_t v, uint32_t last, uint32_t *anc,
			 uint32_t *label, const uint32_t *semi, uint32_t *stk)
{
	size_t sp = 0;
	uint32_t p;

	if (anc[v] < last)
		return label[v];
	do {
		stk[sp++] = v;
		v = anc[v];
	} while (anc[v] >= last);
	p = v;
	while (sp) {
		v = stk[--sp];
		if (semi[label[p]] < semi[label[v]])
			label[v] = label[p];
		anc[v] = anc[p];
		p = v;
	}
	return label[v];
}

/* The strong edges v -> t out of the nodes the DFS reached (pre[v] !=
 * NO; v == b->n: the super-root, whose edges are the roots), in preorder
 * numbers: with plist NULL, counted into poff[pre[t] + 1]; else pre[v]
 * filed at plist[poff[pre[t]]++].  @return how many. */
static uint64_t strong_preds(const bgraph *b, const uint32_t *pre,
			     uint32_t *poff, uint32_t *plist)
{
	uint32_t n = b->n;
	uint64_t np = 0;

	for (uint32_t v = 0; v <= n; v++) {
		uint32_t deg = v == n ? (uint32_t)b->nroots
				      : b->off[v + 1] - b->off[v];

		if (pre[v] == NO)
			continue;
		for (uint32_t x = 0; x < deg; x++) {
			uint32_t t = v == n ? b->roots[x] : b->to[b->off[v] + x];

			if (v != n && b->weak[b->off[v] + x])
				continue;
			if (plist)
				plist[poff[pre[t]]++] = pre[v];
			else
				poff[pre[t] + 1]++;
			np++;
		}
	}
	return np;
}

/* idom per node (n: the super-root, NO: unreachable) and retained sizes,
 * the plain way: DFS with a cursor per node, predecessor lists, semi by
 * path compression, idom by walking up from the parent. */
static void ref_dom(const bgraph *b, uint32_t *idom, uint64_t *ret)
{
	uint32_t n = b->n, k = 1;
	uint32_t *pre = malloc(((size_t)n + 1) * 4);
	uint32_t *vert = malloc(((size_t)n + 1) * 4);
	uint32_t *par = malloc(((size_t)n + 1) * 4);
	uint32_t *cur = calloc((size_t)n + 1, 4);
	uint32_t *poff = calloc((size_t)n + 2, 4), *plist;
	uint32_t *semi, *label, *anc, *stk;
	uint64_t np = 0;

	CU_ASSERT_FATAL(pre && vert && par && cur && poff);
	memset(pre, 0xff, ((size_t)n + 1) * 4);
	pre[n] = 0;
	vert[0] = n;
	par[0] = 0;
	/* DFS from the super-root n, whose edges are the roots */
	for (uint32_t c = 0;;) {
		uint32_t v = vert[c], deg, u = NO;

		deg = v == n ? (uint32_t)b->nroots : b->off[v + 1] - b->off[v];
		while (cur[c] < deg && u == NO) {
			uint32_t x = cur[c]++, t;

			if (v == n) {
				t = b->roots[x];
			} else {
				if (b->weak[b->off[v] + x])
					continue;
				t = b->to[b->off[v] + x];
			}
			if (pre[t] == NO)
				u = t;
		}
		if (u != NO) {
			pre[u] = k;
			vert[k] = u;
			par[k] = c;
			c = k++;
		} else if (c == 0) {
			break;
		} else {
			c = par[c];
		}
	}
	/* predecessors in preorder numbers */
	np = strong_preds(b, pre, poff, NULL);
	for (uint32_t i = 0; i < k; i++)
		poff[i + 1] += poff[i];
	plist = malloc((np + 1) * 4);
	semi = malloc((size_t)k * 4);
	label = malloc((size_t)k * 4);
	anc = malloc((size_t)k * 4);
	stk = malloc((size_t)k * 4);
	CU_ASSERT_FATAL(plist && semi && label && anc && stk);
	strong_preds(b, pre, poff, plist);
	for (uint32_t i = k; i > 0; i--)
		poff[i] = poff[i - 1];
	poff[0] = 0;
	for (uint32_t i = 0; i < k; i++) {
		semi[i] = i;
		label[i] = i;
		anc[i] = par[i];
	}
	for (uint32_t w = k - 1; w >= 1; w--) {
		uint32_t s = par[w];

		for (uint32_t q = poff[w]; q < poff[w + 1]; q++) {
			uint32_t v = plist[q];
			uint32_t u = v < w ? v : semi[ref_eval(v, w + 1, anc,
							      label, semi,
							      stk)];

			if (u < s)
				s = u;
		}
		semi[w] = s;
	}
	for (uint32_t w = 1; w < k; w++) {
		uint32_t x = par[w];

		while (x > semi[w])
			x = par[x];
		par[w] = x;
	}
	/* retained sizes, bottom-up; idom by node */
	for (uint32_t v = 0; v < n; v++)
		idom[v] = NO;
	ret[n] = 0;
	for (uint32_t w = 1; w < k; w++)
		ret[vert[w]] = bg_size(vert[w]);
	for (uint32_t w = k - 1; w >= 1; w--) {
		idom[vert[w]] = vert[par[w]];
		ret[vert[par[w]]] += ret[vert[w]];
	}
	free(pre);
	free(vert);
	free(par);
	free(cur);
	free(poff);
	free(plist);
	free(semi);
	free(label);
	free(anc);
	free(stk);
}

/* hs_dom on two threads and on one against the reference. */
/* dom_order.c's passes against the reference tree (idom per node as
 * ref_dom gives it), walked the plain way: children lists and a stack.
 * Keys per node, few of them so that a key often has a dominator of the
 * same key; every third node matched. */
static void check_order(const bgraph *b, const uint32_t *idom, hs_dom *d)
{
	uint32_t n = b->n, nk = 3, keymap[3] = { 0, 1, 2 };
	uint32_t *key = malloc((size_t)n * 4), *match = malloc((size_t)n * 4);
	uint32_t *coff = calloc((size_t)n + 2, 4), *kid = malloc((size_t)n * 4);
	uint32_t *near = malloc(((size_t)n + 1) * 4), *out = malloc((size_t)n * 4);
	uint32_t *open = calloc(nk, 4), *stk = malloc(((size_t)n + 1) * 8);
	uint64_t want[3] = { 0 }, got[3] = { 0 }, *ret = malloc((size_t)n * 8);
	size_t sp = 0;
	uint32_t bad = NO;

	CU_ASSERT_FATAL(key && match && coff && kid && near && out && open &&
			stk && ret);
	for (uint32_t v = 0; v < n; v++) {
		key[v] = (uint32_t)((v * 2654435761u) >> 7) % nk;
		match[v] = v % 3 == 0 ? v : HS_GRAPH_NONE;
		ret[v] = hs_dom_retained(d, v);
		if (idom[v] != NO)
			coff[idom[v] + 1]++;
	}
	for (uint32_t v = 0; v <= n; v++)
		coff[v + 1] += coff[v];
	for (uint32_t v = 0; v < n; v++)
		if (idom[v] != NO)
			kid[coff[idom[v]]++] = v;
	for (uint32_t v = n + 1; v > 0; v--)
		coff[v] = coff[v - 1];
	coff[0] = 0;
	/* from the super-root (n): stk holds (node, next child) pairs */
	near[n] = HS_GRAPH_SUPERROOT;
	stk[0] = n;
	stk[1] = coff[n];
	sp = 1;
	while (sp) {
		uint32_t *f = &stk[2 * (sp - 1)];

		if (f[1] < coff[f[0] + 1]) {
			uint32_t c = kid[f[1]++];

			near[c] = match[c] != HS_GRAPH_NONE ? c : near[f[0]];
			if (open[key[c]]++ == 0)
				want[key[c]] += ret[c];
			stk[2 * sp] = c;
			stk[2 * sp + 1] = coff[c];
			sp++;
		} else {
			if (f[0] != n)
				open[key[f[0]]]--;
			sp--;
		}
	}
	CU_ASSERT(hs_dom__retained_by_key(got, d, key, keymap, nk) == 0);
	for (uint32_t k = 0; k < nk; k++)
		CU_ASSERT_EQUAL(got[k], want[k]);
	CU_ASSERT(hs_dom__nearest_matched(out, d, match) == 0);
	for (uint32_t v = 0; v < n && bad == NO; v++)
		if (out[v] != (idom[v] == NO ? HS_GRAPH_NONE : near[v]))
			bad = v;
	if (bad != NO)
		fprintf(stderr, "node %u: nearest matched %u, want %u\n", bad,
			out[bad], near[bad]);
	CU_ASSERT(bad == NO);
	free(key);
	free(match);
	free(coff);
	free(kid);
	free(near);
	free(out);
	free(open);
	free(stk);
	free(ret);
}

static void check_big(const bgraph *b, const char *what)
{
	char path[512];
	hs_graph *g;
	hs_dom *d[3];
	const hs_graph *gs[2];
	uint32_t *idom = malloc(((size_t)b->n + 1) * 4);
	uint64_t *ret = calloc((size_t)b->n + 1, 8), reach = 0;

	CU_ASSERT_FATAL(idom && ret);
	snprintf(path, sizeof(path), "%s/big.snap", hs_unit_tmpdir());
	bg_write(b, path);
	CU_ASSERT_FATAL(hs_graph_load(&g, path, NULL) == 0);
	CU_ASSERT_FATAL(hs_graph_count(g) == b->n);
	ref_dom(b, idom, ret);
	gs[0] = gs[1] = g;
	CU_ASSERT_FATAL(hs_dom_build(&d[0], g) == 0);
	/* two at once: each on one thread */
	CU_ASSERT_FATAL(hs_dom_build_many(&d[1], gs, 2) == 0);
	for (uint32_t v = 0; v < b->n; v++)
		reach += idom[v] != NO;
	for (int i = 0; i < 3; i++) {
		uint32_t bad = NO;

		for (uint32_t v = 0; v < b->n && bad == NO; v++) {
			uint32_t want = idom[v] == NO ? HS_GRAPH_NONE :
					idom[v] == b->n ? HS_GRAPH_SUPERROOT :
					idom[v];

			if (hs_dom_idom(d[i], v) != want ||
			    hs_dom_retained(d[i], v) != (idom[v] == NO ? 0 :
							  ret[v]))
				bad = v;
		}
		if (bad != NO)
			fprintf(stderr, "%s, build %d: node %u: idom %u "
				"retained %llu, want %u %llu\n", what, i, bad,
				hs_dom_idom(d[i], bad),
				(unsigned long long)hs_dom_retained(d[i], bad),
				idom[bad], (unsigned long long)ret[bad]);
		CU_ASSERT(bad == NO);
		CU_ASSERT_EQUAL(hs_dom_stats_get(d[i])->reachable, reach);
		CU_ASSERT_EQUAL(hs_dom_retained(d[i], HS_GRAPH_SUPERROOT),
				ret[b->n]);
		if (i == 0)
			check_order(b, idom, d[i]);
		hs_dom_free(d[i]);
	}
	hs_graph_free(g);
	remove(path);
	free(idom);
	free(ret);
}

static uint32_t big_scale(void)
{
	const char *q = getenv("HS_UNIT_QUICK");

	return q && *q == '1' ? 10 : CHAIN_DEFAULT == 10000000u ? 1 : 10;
}

/* Heap-like: most references near their source, some anywhere, some
 * weak, nodes without references, a few roots; and the same with a
 * third of the nodes roots. */
static void test_big_random(void)
{
	for (int many_roots = 0; many_roots < 2; many_roots++) {
		uint32_t n = 1000000 / big_scale();
		uint64_t s = 0x5eed + (uint64_t)many_roots;
		bgraph b;

		bg_init(&b, n);
		for (uint32_t v = 0; v < n; v++) {
			uint32_t deg = (uint32_t)(rnd(&s) % 7);

			for (uint32_t k = 0; k < deg; k++) {
				uint64_t r = rnd(&s);
				uint32_t t = r % 10 < 7
					? (uint32_t)((v + n - 1000 +
						     (r >> 8) % 2001) % n)
					: (uint32_t)((r >> 8) % n);

				bg_edge(&b, v, t, r % 20 == 0);
			}
			if (many_roots ? rnd(&s) % 3 == 0 : v % (n / 8) == 0)
				bg_root(&b, v);
		}
		bg_done(&b);
		check_big(&b, many_roots ? "random, many roots" : "random");
		bg_free(&b);
	}
}

/* Deep chains: i -> i+1 with back references to i/2 (a tree as deep as
 * the chain), and the same chain walked backwards from its end. */
static void test_big_chains(void)
{
	uint32_t n = 2000000 / big_scale();
	bgraph b;

	bg_init(&b, n);
	for (uint32_t v = 0; v < n; v++) {
		if (v + 1 < n)
			bg_edge(&b, v, v + 1, 0);
		bg_edge(&b, v, v / 2, 0);
	}
	bg_root(&b, 0);
	bg_done(&b);
	check_big(&b, "chain");
	bg_free(&b);

	bg_init(&b, n);
	for (uint32_t v = 0; v < n; v++) {
		if (v > 0)
			bg_edge(&b, v, v - 1, 0);
		if (v % 3 == 0 && v + 7 < n)
			bg_edge(&b, v, v + 7, 0);
	}
	bg_root(&b, n - 1);
	bg_done(&b);
	check_big(&b, "backward chain");
	bg_free(&b);
}

/* A star: one node holding 10M leaves, every third leaf also held by
 * the leaf before it, every leaf referring back to the hub. */
static void test_big_star(void)
{
	uint32_t n = 10000001 / big_scale();
	bgraph b;

	bg_init(&b, n);
	for (uint32_t v = 1; v < n; v++)
		bg_edge(&b, 0, v, 0);
	for (uint32_t v = 1; v < n; v++) {
		if (v % 3 == 1 && v + 1 < n)
			bg_edge(&b, v, v + 1, 0);
		bg_edge(&b, v, 0, 0);
	}
	bg_root(&b, 0);
	bg_done(&b);
	check_big(&b, "star");
	bg_free(&b);
}

/* A complete bipartite block: every node of A refers to every node of B
 * and back to the next node of A; B's nodes refer to a node of A.  Only
 * the root's first target dominates anything. */
static void test_big_bipartite(void)
{
	uint32_t a = 2000 / (big_scale() == 1 ? 1 : 4), n = 2 * a + 1;
	bgraph b;

	bg_init(&b, n);
	for (uint32_t v = 0; v < a; v++) {
		for (uint32_t t = a; t < 2 * a; t++)
			bg_edge(&b, v, t, 0);
		bg_edge(&b, v, (v + 1) % a, 0);
	}
	for (uint32_t v = a; v < 2 * a; v++)
		bg_edge(&b, v, v % 7 == 0 ? 2 * a : (v * 31) % a, 0);
	bg_root(&b, 0);
	bg_root(&b, 0);  /* repeated */
	bg_done(&b);
	check_big(&b, "bipartite");
	bg_free(&b);
}

HS_SUITE(dom, HS_TEST(test_random), HS_TEST(test_long_chain),
	 HS_TEST(test_big_random), HS_TEST(test_big_chains),
	 HS_TEST(test_big_star), HS_TEST(test_big_bipartite))
