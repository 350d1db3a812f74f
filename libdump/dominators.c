/*
 * dominators.c - hs_dom: immediate dominators per graph node by semi-NCA,
 * retained sizes, the dominator tree's children (see hs_dom.h).
 *
 * Load: kept, 4 bytes per node (preorder number) and 16 per reachable
 * node (node, idom, retained); while computing, at the peak (the semi
 * pass), 4 more per node, 28 per reachable node and 4 per strong
 * reference (the predecessor lists); before it, during the DFS, 16 per
 * node (each node's first references) and the stack of references still
 * to follow (8 bytes each; at most one per reference, about a quarter of
 * them on the random bench4 heap).
 *
 * Everything runs on preorder numbers of a depth-first search from the
 * super-root (number 0): idom(w) < w, so a pass in reverse preorder sees
 * every node after the nodes it dominates, and arrays indexed by preorder
 * are walked in order.  No step recurses: the DFS keeps its pending
 * references on a stack, EVAL its path in a growable array.
 *
 * semi-NCA (L. Georgiadis, "Linear-time algorithms for dominators and
 * related problems", 2005):
 *   1. semi(w) for w in reverse preorder, from the predecessors v of w:
 *      v itself if v < w, else the least semi on v's path of processed
 *      ancestors (EVAL), then w is linked under its DFS parent (LINK).
 *   2. idom(w) for w in preorder: the first of parent(w), idom(parent(w)),
 *      ... whose number is at most semi(w).
 *
 * What the time goes into on big heaps is memory latency: every step
 * reads arrays at random places, and one read from DRAM costs the time of
 * hundreds of instructions.  So:
 *  - LINK and EVAL are Lengauer and Tarjan's balanced versions ("A fast
 *    algorithm for finding dominators in a flowgraph", 1979): plain path
 *    compression walked about 9 ancestors per EVAL on the 10M-object
 *    bench4 heap (153M dependent reads), balanced trees 0.1;
 *  - EVAL's labels hold the least semi itself, not the node that has it:
 *    the comparison then reads one record instead of three;
 *  - the DFS takes the references that point near the object first
 *    (heaps are local: what an object refers to was mostly allocated
 *    beside it), pushes every pending reference on a stack instead of
 *    coming back to a node's edge list, reads a node's first references
 *    from one record instead of an offset and then a list (one miss per
 *    visit instead of two), asks for it when the node is pushed, and
 *    tests "seen" in a bitmap small enough for the last-level cache;
 *  - the predecessor lists are the reverse of the graph's edges, built
 *    on a second core while the DFS runs; that core then writes them in
 *    preorder numbers, in the order the semi pass reads them, into a ring
 *    just ahead of it;
 *  - idom walks up the dominator tree by Myers' jump pointers.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bigarray.h"
#include "error.h"
#include "hs_dom.h"
#include "timing.h"

#define NONE UINT32_MAX

/* A reference whose target lies within NEAR nodes of its source is
 * followed first by the DFS. */
#define NEAR 4096u
/* How far ahead (stack entries, preorder numbers) data is asked for. */
#define AHEAD_STACK 4u
#define AHEAD_SEMI 16u
/* Entries of the ring of predecessors (4 bytes each). */
#define RING (1u << 20)

struct hs_dom {
	const hs_graph *g;
	uint32_t n;          /* graph nodes */
	uint32_t R;          /* reachable nodes: preorder 1..R */
	uint32_t *pre;       /* node -> preorder, NONE if unreachable */
	uint32_t *vert;      /* preorder -> node; vert[0] = super-root */
	uint32_t *idom;      /* preorder -> preorder */
	uint64_t *ret;       /* preorder -> retained size */
	hs_dom_stats st;
	pthread_mutex_t lock;
	uint32_t *coff;      /* children index: preorder -> range */
	uint32_t *clist;     /* children, as nodes */
};

/* A reference the DFS has still to follow: from the node numbered
 * `from` to `node`. */
typedef struct {
	uint32_t from;
	uint32_t node;
} pending;

/* Per preorder number + 1 (0 is LT's "no node", whose best and size are
 * 0) while computing semi-dominators: the fields LINK and EVAL read
 * together, in one record. */
typedef struct {
	uint32_t anc;    /* ancestor in the linked forest; 0 at a root */
	uint32_t best;   /* least semi (+1) on the compressed path */
	uint32_t child;  /* LT's balancing chain */
	uint32_t size;
} lt;

/* One dominator computation, shared by its two threads. */
typedef struct {
	hs_dom *d;
	const hs_graph *g;
	uint32_t n;
	const uint32_t *off, *tg;
	const uint8_t *fl;
	int weak;            /* does the graph have weak references */
	hs_edges roots;
	uint32_t *parent;    /* preorder -> preorder */
	/* the strong predecessors, node -> nodes */
	uint32_t *in_off, *in_src;
	/* the predecessors in preorder numbers, w = R..1, each list ended by
	 * NONE (a root's has the super-root, 0): a ring the helper fills
	 * just ahead of the semi pass, which then reads them in order */
	uint32_t *ring;
	uint64_t wp;         /* producer: entries written */
	uint32_t pw;         /* producer: the node being written (0: done) */
	uint32_t pq;         /* producer: its next in-edge (NONE: none yet) */
	atomic_ullong wpos;  /* entries written, published */
	atomic_ullong rpos;  /* entries read, published */
	atomic_int stop;     /* the semi pass failed: the helper stops */
	/* helper thread */
	int threaded;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int dfs_over;        /* under mu: the DFS is over (or failed) */
	atomic_int helper_rc;
	char helper_msg[512];
} build;

/* ---- the predecessor lists (helper) ------------------------------------ */

static int helper_fail(build *b, int rc)
{
	snprintf(b->helper_msg, sizeof(b->helper_msg), "%s", hs_error_last());
	atomic_store(&b->helper_rc, rc);
	return rc;
}

/* The strong references reversed, in node numbers: count, then fill
 * (a transpose); the counters' next lines are asked for ahead. */
static int preds_build(build *b)
{
	const uint32_t *off = b->off, *tg = b->tg;
	const uint8_t *fl = b->fl;
	uint32_t n = b->n, *in_off, *in_src;
	uint64_t ne = off[n], total = 0;
	const uint64_t ahead = 32;

	in_off = hs_big_calloc((size_t)n + 2, 4);
	HS_RETURN_ERROR_IF(!in_off, HS_ENOMEM, "out of memory for the "
			   "predecessors of %u objects", n);
	for (uint64_t x = 0; x < ne; x++) {
		if (x + ahead < ne)
			__builtin_prefetch(&in_off[tg[x + ahead] + 1], 1);
		if (!b->weak || !(fl[x] & HS_REF_WEAK))
			in_off[tg[x] + 1]++;
	}
	for (uint32_t v = 0; v <= n; v++) {
		total += in_off[v + 1];
		in_off[v + 1] = (uint32_t)total;  /* < 2^32: checked */
	}
	in_src = hs_big_calloc(total + 1, 4);
	if (!in_src) {
		hs_big_free(in_off);
		return hs_error_set(HS_ENOMEM, "out of memory for %llu "
				    "predecessors", (unsigned long long)total);
	}
	/* in_off[t] is the cursor of t's list while filling: shift back */
	for (uint32_t v = 0; v < n; v++) {
		for (uint32_t x = off[v]; x < off[v + 1]; x++) {
			if (x + ahead < ne)
				__builtin_prefetch(&in_off[tg[x + ahead]], 1);
			if (!b->weak || !(fl[x] & HS_REF_WEAK))
				in_src[in_off[tg[x]]++] = v;
		}
	}
	for (uint32_t v = n + 1; v > 0; v--)
		in_off[v] = in_off[v - 1];
	in_off[0] = 0;
	b->in_off = in_off;
	b->in_src = in_src;
	return 0;
}

/* Writes predecessors into the ring up to entry `limit`, from where it
 * stopped (b->pw, b->pq), asking ahead for the preorder numbers of a
 * later node's predecessors. */
static void ring_fill(build *b, uint64_t limit)
{
	const hs_dom *d = b->d;
	const uint32_t *vert = d->vert, *pre = d->pre;
	const uint32_t *in_off = b->in_off, *in_src = b->in_src;
	uint32_t *ring = b->ring;
	uint64_t wp = b->wp;
	uint32_t w = b->pw, q = b->pq;
	const uint32_t ahead = 16;

	while (w >= 1 && wp < limit) {
		uint32_t x = vert[w];

		if (q == NONE) {
			/* three nodes ahead, at three distances: the offsets
			 * of one, the list of a nearer one, the preorder
			 * numbers in a nearer one's list */
			if (w > 3 * ahead)
				__builtin_prefetch(&in_off[vert[w - 3 * ahead]]);
			if (w > 2 * ahead)
				__builtin_prefetch(
					&in_src[in_off[vert[w - 2 * ahead]]]);
			if (w > ahead) {
				uint32_t y = vert[w - ahead];

				for (uint32_t k = in_off[y]; k < in_off[y + 1];
				     k++)
					__builtin_prefetch(&pre[in_src[k]]);
			}
			q = in_off[x];
			if (hs_graph_is_root(b->g, x)) {
				ring[wp++ % RING] = 0;
				continue;
			}
		}
		for (; q < in_off[x + 1] && wp < limit; q++) {
			uint32_t p = pre[in_src[q]];

			if (p != NONE)
				ring[wp++ % RING] = p;
		}
		if (q == in_off[x + 1] && wp < limit) {
			ring[wp++ % RING] = NONE;
			w--;
			q = NONE;
		}
	}
	b->wp = wp;
	b->pw = w;
	b->pq = q;
}

/* The helper's share of the semi pass: the ring, kept full. */
static void ring_produce(build *b)
{
	uint64_t rp = 0;
	unsigned spins = 0;

	while (b->pw >= 1) {
		uint64_t limit = rp + RING, chunk = b->wp + RING / 16;

		if (b->wp == limit) {
			/* full: wait for the semi pass to read on */
			rp = atomic_load_explicit(&b->rpos,
						  memory_order_acquire);
			if (atomic_load(&b->stop))
				return;
			if (b->wp == rp + RING && ++spins > 64)
				sched_yield();
			continue;
		}
		spins = 0;
		ring_fill(b, chunk < limit ? chunk : limit);
		atomic_store_explicit(&b->wpos, b->wp, memory_order_release);
	}
}

/* The helper: predecessor lists while the DFS runs, then the ring.  On
 * error it sets helper_rc and stops. */
static void *helper_run(void *arg)
{
	build *b = arg;
	double t = 0;
	int over;

	hs_timing_step("dom", NULL, &t);
	if (preds_build(b) < 0) {
		helper_fail(b, HS_ENOMEM);
		return NULL;
	}
	hs_timing_step("dom", "preds", &t);
	pthread_mutex_lock(&b->mu);
	while (!b->dfs_over)
		pthread_cond_wait(&b->cv, &b->mu);
	over = b->dfs_over;
	pthread_mutex_unlock(&b->mu);
	if (over < 0)
		return NULL;  /* the DFS failed */
	ring_produce(b);
	return NULL;
}

/* ---- depth-first search ----------------------------------------------- */

static inline int seen(const uint64_t *bits, uint32_t v)
{
	return (int)(bits[v >> 6] >> (v & 63) & 1);
}

/* A node's strong references as the DFS reads them: up to REC_REFS in
 * one 16-byte record, padded with NONE, so that visiting a node costs
 * one miss where the CSR costs two (its offset, then its targets; the
 * record's address comes from the node alone, so it is asked for when
 * the node is pushed).  More references: {MORE, offset, count} into the
 * CSR. */
#define REC_REFS 4
#define MORE (UINT32_MAX - 1)

typedef struct {
	uint32_t t[REC_REFS];
} rec;

static rec *recs_build(const build *b)
{
	rec *r = hs_big_calloc((size_t)b->n + 1, sizeof(*r));

	if (!r)
		return NULL;
	for (uint32_t v = 0; v < b->n; v++) {
		uint32_t k = 0, x;

		for (x = b->off[v]; x < b->off[v + 1]; x++) {
			if (b->weak && (b->fl[x] & HS_REF_WEAK))
				continue;
			if (k == REC_REFS)
				break;
			r[v].t[k++] = b->tg[x];
		}
		if (x < b->off[v + 1]) {
			r[v].t[0] = MORE;
			r[v].t[1] = b->off[v];
			r[v].t[2] = b->off[v + 1] - b->off[v];
			continue;
		}
		while (k < REC_REFS)
			r[v].t[k++] = NONE;
	}
	return r;
}

/* Pushes node v's (numbered i) strong references to unseen nodes, t[0..
 * deg) with flags f (NULL: all strong): the far ones first, so that the
 * near ones are followed first. */
static inline void push_refs(pending *st, size_t *sp, const rec *recs,
			     const uint64_t *bits, const uint32_t *t,
			     const uint8_t *f, uint32_t deg, uint32_t v,
			     uint32_t i)
{
	size_t k = *sp;

	for (uint32_t x = 0; x < deg; x++)
		__builtin_prefetch(&bits[t[x] >> 6]);
	for (int near = 0; near < 2; near++) {
		for (uint32_t x = deg; x-- > 0;) {
			uint32_t u = t[x], dist = u > v ? u - v : v - u;

			if ((dist <= NEAR) != near ||
			    (f && (f[x] & HS_REF_WEAK)) || seen(bits, u))
				continue;
			/* its references, for when it is visited */
			__builtin_prefetch(&recs[u]);
			st[k].from = i;
			st[k].node = u;
			k++;
		}
	}
	*sp = k;
}

/* Depth-first numbering from the super-root: pre, vert, parent, and *R.
 * @return 0, or HS_ENOMEM with the error set. */
static int dfs(uint32_t *R, build *b)
{
	hs_dom *d = b->d;
	pending *st = NULL;
	uint64_t *bits;
	rec *recs;
	size_t cap = 0, sp = 0, need = b->roots.n;
	uint32_t k = 1;
	int rc = 0;

	bits = hs_big_calloc((size_t)b->n / 64 + 1, 8);
	recs = recs_build(b);
	if (!bits || !recs || hs_big_grow((void **)&st, &cap,
					  (need + 1) * sizeof(*st)) < 0) {
		rc = hs_error_set(HS_ENOMEM, "out of memory for the depth-"
				  "first search of %u objects", b->n);
		goto done;
	}
	d->vert[0] = HS_GRAPH_SUPERROOT;
	b->parent[0] = 0;
	for (size_t r = b->roots.n; r-- > 0;) {
		st[sp].from = 0;
		st[sp].node = b->roots.node[r];
		sp++;
	}
	while (sp) {
		pending e = st[--sp];
		uint32_t v = e.node, deg = 0;
		const uint32_t *t;
		const uint8_t *f = NULL;

		/* pops that find their node seen come in runs: ask ahead */
		if (sp >= AHEAD_STACK)
			__builtin_prefetch(&bits[st[sp - AHEAD_STACK].node >> 6]);
		if (seen(bits, v))
			continue;
		bits[v >> 6] |= (uint64_t)1 << (v & 63);
		d->pre[v] = k;
		d->vert[k] = v;
		b->parent[k] = e.from;
		t = recs[v].t;
		if (t[0] == MORE) {
			deg = t[2];
			f = b->weak ? b->fl + t[1] : NULL;
			t = b->tg + t[1];
		} else {
			while (deg < REC_REFS && t[deg] != NONE)
				deg++;
		}
		if ((sp + deg + 1) * sizeof(*st) > cap &&
		    hs_big_grow((void **)&st, &cap,
				(sp + deg + 1) * sizeof(*st)) < 0) {
			rc = hs_error_set(HS_ENOMEM, "out of memory for the "
					  "depth-first search of %u objects",
					  b->n);
			goto done;
		}
		push_refs(st, &sp, recs, bits, t, f, deg, v, k);
		k++;
	}
	*R = k - 1;
done:
	hs_big_free(bits);
	hs_big_free(recs);
	hs_big_free(st);
	return rc;
}

/* ---- semi-dominators --------------------------------------------------- */

typedef struct {
	uint32_t *v;
	size_t cap;  /* bytes */
} stack32;

/* LT's EVAL: the least semi (+1) on v's path in the linked forest,
 * compressing the path (iteratively: the path is kept in st). */
static inline int lt_eval(uint32_t *out, uint32_t v, lt *a, stack32 *st)
{
	uint32_t p;

	if (a[v].anc == 0) {
		*out = a[v].best;
		return 0;
	}
	if (a[a[v].anc].anc != 0) {
		size_t sp = 0;
		uint32_t x = v;

		do {
			if ((sp + 1) * 4 > st->cap &&
			    hs_big_grow((void **)&st->v, &st->cap,
					(sp + 1) * 4) < 0)
				return -1;
			st->v[sp++] = x;
			x = a[x].anc;
		} while (a[a[x].anc].anc != 0);
		/* from the top down, each over its compressed ancestor */
		while (sp) {
			uint32_t y = st->v[--sp], q = a[y].anc;

			if (a[q].best < a[y].best)
				a[y].best = a[q].best;
			a[y].anc = a[q].anc;
		}
	}
	p = a[v].anc;
	*out = a[p].best < a[v].best ? a[p].best : a[v].best;
	return 0;
}

/* LT's LINK of w under v (its DFS parent), balancing the forest by the
 * sizes of the subtrees. */
static inline void lt_link(uint32_t v, uint32_t w, lt *a)
{
	uint32_t s = w, bw = a[w].best;

	while (bw < a[a[s].child].best) {
		uint32_t cs = a[s].child;

		if (a[s].size + a[a[cs].child].size >= 2 * a[cs].size) {
			a[cs].anc = s;
			a[s].child = a[cs].child;
		} else {
			a[cs].size = a[s].size;
			a[s].anc = cs;
			s = cs;
		}
	}
	a[s].best = bw;
	a[v].size += a[w].size;
	if (a[v].size < 2 * a[w].size) {
		uint32_t t = s;

		s = a[v].child;
		a[v].child = t;
	}
	while (s != 0) {
		a[s].anc = v;
		s = a[s].child;
	}
}

/* More of the ring to read from entry r: waits for the helper, or
 * (alone) fills it.  @return how far it may be read, or 0 (the helper
 * failed). */
static uint64_t ring_more(build *b, uint64_t r)
{
	uint64_t w;
	unsigned spins = 0;

	if (!b->threaded) {
		ring_fill(b, r + RING);
		return b->wp;
	}
	atomic_store_explicit(&b->rpos, r, memory_order_release);
	while ((w = atomic_load_explicit(&b->wpos, memory_order_acquire)) <= r) {
		if (atomic_load(&b->helper_rc) < 0)
			return 0;
		if (++spins > 64)
			sched_yield();
	}
	return w;
}

/* Step 1: semi(w) for every w, into semi[]. */
static int semi_pass(uint32_t *semi, build *b)
{
	const uint32_t *parent = b->parent, *ring;
	uint32_t R = b->d->R;
	uint64_t r = 0, end = 0;
	stack32 st = { NULL, 0 };
	lt *a;
	int rc = 0;

	if (R == 0)
		return 0;
	a = hs_big_calloc((size_t)R + 2, sizeof(*a));
	HS_RETURN_ERROR_IF(!a, HS_ENOMEM, "out of memory for the dominators "
			   "of %u objects", R);
	for (uint32_t i = 1; i <= R + 1; i++) {
		a[i].best = i;
		a[i].size = 1;
	}
	ring = b->ring;
	for (uint32_t w = R; w >= 1; w--) {
		uint32_t s = parent[w] + 1;

		for (;;) {
			uint32_t v, u;

			if (r == end && (end = ring_more(b, r)) == 0) {
				rc = -1;
				goto done;
			}
			/* a later predecessor's record */
			if (r + AHEAD_SEMI < end &&
			    ring[(r + AHEAD_SEMI) % RING] != NONE)
				__builtin_prefetch(
					&a[ring[(r + AHEAD_SEMI) % RING] + 1]);
			v = ring[r++ % RING];
			if (b->threaded && r % (RING / 16) == 0)
				atomic_store_explicit(&b->rpos, r,
						      memory_order_release);
			if (v == NONE)
				break;
			if (lt_eval(&u, v + 1, a, &st) < 0) {
				rc = hs_error_set(HS_ENOMEM, "out of memory "
						  "for a path of the dominator "
						  "search");
				goto done;
			}
			if (u < s)
				s = u;
		}
		a[w + 1].best = s;
		semi[w] = s - 1;
		lt_link(parent[w] + 1, w + 1, a);
	}
done:
	hs_big_free(a);
	hs_big_free(st.v);
	return rc;
}

/* ---- immediate dominators ---------------------------------------------- */

typedef struct {
	uint32_t depth;  /* in the dominator tree; the super-root's is 0 */
	uint32_t jump;   /* an ancestor: Myers' skew-binary jump pointer */
} tree_step;

/* Step 2: idom(w), for w in preorder, is the nearest of parent(w)'s
 * dominator-tree ancestors numbered at most semi(w).  Walking up one
 * idom at a time took 30 steps per object on Python heaps (their
 * dominator trees are deep); the jump pointers (E. Myers, "An applicative
 * random-access stack", 1983) make it O(log depth): an ancestor's number
 * is below its descendants', so a jump that lands above semi(w) skips
 * only nodes that are above it too.  idom replaces parent in place; the
 * tree's depth comes out too. */
static int idom_pass(hs_dom *d, uint32_t *idom, const uint32_t *semi)
{
	tree_step *ts = hs_big_calloc((size_t)d->R + 1, sizeof(*ts));

	HS_RETURN_ERROR_IF(!ts, HS_ENOMEM, "out of memory for the dominator "
			   "tree of %u objects", d->R);
	for (uint32_t w = 1; w <= d->R; w++) {
		uint32_t x = idom[w], s = semi[w], j, jj;

		while (x > s)
			x = ts[x].jump > s ? ts[x].jump : idom[x];
		idom[w] = x;
		ts[w].depth = ts[x].depth + 1;
		j = ts[x].jump;
		jj = ts[j].jump;
		ts[w].jump = ts[x].depth - ts[j].depth ==
			     ts[j].depth - ts[jj].depth ? jj : x;
		if (ts[w].depth > d->st.max_depth)
			d->st.max_depth = ts[w].depth;
	}
	hs_big_free(ts);
	return 0;
}

/* ---- the whole computation ---------------------------------------------- */

/* Shallow sizes by preorder, the retained sizes' starting values. */
static void sizes_gather(const hs_graph *g, hs_dom *d)
{
	for (uint32_t w = 1; w <= d->R; w++)
		d->ret[w] = hs_graph_size(g, d->vert[w]);
}

static int cores(void)
{
	long k = sysconf(_SC_NPROCESSORS_ONLN);

	return k > 0 ? (int)k : 1;
}

/* Ends the DFS phase for the helper: over = 1, or -1 (failed). */
static void dfs_end(build *b, int over)
{
	pthread_mutex_lock(&b->mu);
	b->dfs_over = over;
	pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
}

/* hs_dom_build() on `threads` threads (1 or 2). */
static int dom_build(hs_dom **out, const hs_graph *g, int threads)
{
	hs_dom *d;
	build b;
	pthread_t tid;
	uint32_t *semi = NULL;
	uint32_t n = hs_graph_count(g), R = 0;
	uint64_t nedges;
	double t = 0;
	int rc = 0;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	HS_RETURN_ERROR_IF(!d, HS_ENOMEM, "out of memory");
	pthread_mutex_init(&d->lock, NULL);
	d->g = g;
	d->n = n;
	memset(&b, 0, sizeof(b));
	b.d = d;
	b.g = g;
	b.n = n;
	hs_graph_csr(&b.off, &b.tg, &b.fl, g);
	b.roots = hs_graph_out(g, HS_GRAPH_SUPERROOT);
	b.weak = hs_graph_stats_get(g)->weak_refs != 0;
	pthread_mutex_init(&b.mu, NULL);
	pthread_cond_init(&b.cv, NULL);
	atomic_init(&b.wpos, 0);
	atomic_init(&b.rpos, 0);
	atomic_init(&b.stop, 0);
	atomic_init(&b.helper_rc, 0);

	hs_timing_step("dom", NULL, &t);
	nedges = b.off[n] + b.roots.n;
	if (nedges >= UINT32_MAX) {
		rc = hs_error_set(HS_ELIMIT, "%llu references: more than the "
				  "dominator computation's limit of 2^32-2",
				  (unsigned long long)nedges);
		goto done;
	}
	d->pre = hs_big_calloc((size_t)n + 1, 4);
	d->vert = hs_big_calloc((size_t)n + 2, 4);
	b.parent = hs_big_calloc((size_t)n + 2, 4);
	if (!d->pre || !d->vert || !b.parent) {
		rc = hs_error_set(HS_ENOMEM, "out of memory for the dominators "
				  "of %u objects", n);
		goto done;
	}
	memset(d->pre, 0xff, (size_t)n * 4);
	b.ring = hs_big_calloc(RING, 4);
	if (!b.ring) {
		rc = hs_error_set(HS_ENOMEM, "out of memory");
		goto done;
	}
	b.threaded = threads > 1 &&
		     pthread_create(&tid, NULL, helper_run, &b) == 0;
	rc = dfs(&R, &b);
	d->R = R;
	b.pw = R;
	b.pq = NONE;
	if (b.threaded)
		dfs_end(&b, rc < 0 ? -1 : 1);
	if (rc < 0)
		goto done;
	hs_big_shrink(d->vert, ((size_t)R + 1) * 4);
	hs_big_shrink(b.parent, ((size_t)R + 1) * 4);
	hs_timing_step("dom", "dfs", &t);
	/* alone: the lists after the DFS, whose records and stack are gone
	 * by then (a lower peak for the two trees dumpdiff builds at once) */
	if (!b.threaded) {
		rc = preds_build(&b);
		if (rc < 0)
			goto done;
		hs_timing_step("dom", "preds", &t);
	}

	semi = hs_big_calloc((size_t)R + 1, 4);
	if (!semi) {
		rc = hs_error_set(HS_ENOMEM, "out of memory for the dominators "
				  "of %u objects", R);
		goto done;
	}
	/* the helper writes the predecessors just ahead of the pass */
	rc = semi_pass(semi, &b);
	if (rc < 0)
		atomic_store(&b.stop, 1);
	if (b.threaded) {
		pthread_join(tid, NULL);
		b.threaded = 0;
	}
	if (atomic_load(&b.helper_rc) < 0)
		rc = hs_error_set(atomic_load(&b.helper_rc), "%s",
				  b.helper_msg);
	if (rc < 0)
		goto done;
	hs_big_free(b.in_off);
	hs_big_free(b.in_src);
	hs_big_free(b.ring);
	b.in_off = b.in_src = b.ring = NULL;
	hs_timing_step("dom", "semi", &t);

	/* step 2: immediate dominators, in place of the parents */
	rc = idom_pass(d, b.parent, semi);
	if (rc < 0)
		goto done;
	d->idom = b.parent;
	b.parent = NULL;

	/* retained sizes, bottom-up: reverse preorder */
	d->ret = hs_big_calloc((size_t)R + 1, 8);
	if (!d->ret) {
		rc = hs_error_set(HS_ENOMEM, "out of memory for the retained "
				  "sizes of %u objects", R);
		goto done;
	}
	sizes_gather(g, d);
	for (uint32_t w = R; w >= 1; w--)
		d->ret[d->idom[w]] += d->ret[w];
	hs_timing_step("dom", "idom+size", &t);
	d->st.reachable = R;
	d->st.reachable_size = d->ret[0];
	d->st.unreachable = n - R;
	d->st.unreachable_size = hs_graph_stats_get(g)->shallow - d->ret[0];
done:
	if (b.threaded) {
		/* failed before the pass: stop the helper wherever it is */
		atomic_store(&b.stop, 1);
		dfs_end(&b, -1);
		pthread_join(tid, NULL);
	}
	pthread_mutex_destroy(&b.mu);
	pthread_cond_destroy(&b.cv);
	hs_big_free(b.parent);
	hs_big_free(b.in_off);
	hs_big_free(b.in_src);
	hs_big_free(b.ring);
	hs_big_free(semi);
	if (rc < 0) {
		hs_dom_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

int hs_dom_build(hs_dom **out, const hs_graph *g)
{
	return dom_build(out, g, cores() > 1 ? 2 : 1);
}

typedef struct {
	hs_dom **out;
	const hs_graph *g;
	int threads;
	int rc;
	char msg[512];  /* the thread's error message (they are per thread) */
} build_job;

static void *build_run(void *arg)
{
	build_job *j = arg;

	j->rc = dom_build(j->out, j->g, j->threads);
	if (j->rc < 0)
		snprintf(j->msg, sizeof(j->msg), "%s", hs_error_last());
	return NULL;
}

int hs_dom_build_many(hs_dom **out, const hs_graph *const *g, size_t n)
{
	build_job job[HS_DOM_BUILD_MANY_MAX];
	pthread_t tid[HS_DOM_BUILD_MANY_MAX];
	int started[HS_DOM_BUILD_MANY_MAX] = { 0 };
	int rc = 0, per;

	HS_RETURN_ERROR_IF(n > HS_DOM_BUILD_MANY_MAX, HS_EINVAL,
			   "hs_dom_build_many: %zu graphs, at most %d", n,
			   HS_DOM_BUILD_MANY_MAX);
	if (n == 0)
		return 0;
	/* each build takes a second core when there are cores to spare */
	per = cores() >= 2 * (int)n ? 2 : 1;
	for (size_t i = 0; i < n; i++) {
		out[i] = NULL;
		job[i].out = &out[i];
		job[i].g = g[i];
		job[i].threads = per;
		job[i].rc = 0;
		job[i].msg[0] = '\0';
	}
	/* the first on this thread; a thread that cannot start runs here */
	for (size_t i = 1; i < n; i++)
		started[i] = pthread_create(&tid[i], NULL, build_run,
					    &job[i]) == 0;
	build_run(&job[0]);
	for (size_t i = 1; i < n; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		else
			build_run(&job[i]);
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		if (job[i].rc < 0)
			rc = hs_error_set(job[i].rc, "%s", job[i].msg);
	if (rc < 0)
		for (size_t i = 0; i < n; i++) {
			hs_dom_free(out[i]);
			out[i] = NULL;
		}
	return rc;
}

void hs_dom_free(hs_dom *d)
{
	if (!d)
		return;
	hs_big_free(d->pre);
	hs_big_free(d->vert);
	hs_big_free(d->idom);
	hs_big_free(d->ret);
	hs_big_free(d->coff);
	hs_big_free(d->clist);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

const hs_dom_stats *hs_dom_stats_get(const hs_dom *d)
{
	return &d->st;
}

static inline uint32_t pre_of(const hs_dom *d, uint32_t node)
{
	if (node == HS_GRAPH_SUPERROOT)
		return 0;
	return node < d->n ? d->pre[node] : NONE;
}

int hs_dom_reachable(const hs_dom *d, uint32_t node)
{
	return node < d->n && d->pre[node] != NONE;
}

uint32_t hs_dom_idom(const hs_dom *d, uint32_t node)
{
	uint32_t p = node < d->n ? d->pre[node] : NONE;

	if (p == NONE)
		return HS_GRAPH_NONE;
	return d->vert[d->idom[p]];  /* vert[0] is the super-root */
}

uint64_t hs_dom_retained(const hs_dom *d, uint32_t node)
{
	uint32_t p = pre_of(d, node);

	return p == NONE ? 0 : d->ret[p];
}

/* Builds the children index under the lock. */
static int children_index(hs_dom *d)
{
	uint32_t R = d->R, *coff, *clist;

	pthread_mutex_lock(&d->lock);
	if (d->coff) {
		pthread_mutex_unlock(&d->lock);
		return 0;
	}
	coff = hs_big_calloc((size_t)R + 2, 4);
	clist = hs_big_calloc((size_t)R + 1, 4);
	if (!coff || !clist) {
		hs_big_free(coff);
		hs_big_free(clist);
		pthread_mutex_unlock(&d->lock);
		return hs_error_set(HS_ENOMEM, "out of memory for the "
				    "dominator tree of %u objects", R);
	}
	for (uint32_t w = 1; w <= R; w++)
		coff[d->idom[w] + 1]++;
	for (uint32_t j = 0; j <= R; j++)
		coff[j + 1] += coff[j];
	for (uint32_t w = 1; w <= R; w++)
		clist[coff[d->idom[w]]++] = d->vert[w];
	for (uint32_t j = R + 1; j > 0; j--)
		coff[j] = coff[j - 1];
	coff[0] = 0;
	d->clist = clist;
	d->coff = coff;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int hs_dom_children(hs_nodes *out, hs_dom *d, uint32_t node)
{
	static uint32_t none;
	uint32_t p = pre_of(d, node);
	int rc;

	out->node = &none;
	out->n = 0;
	if (p == NONE)
		return 0;
	rc = children_index(d);
	if (rc < 0)
		return rc;
	out->node = d->clist + d->coff[p];
	out->n = d->coff[p + 1] - d->coff[p];
	return 0;
}

typedef struct {
	uint64_t ret;
	uint32_t node;
} top_item;

/* a before b: larger retained, then lower node */
static inline int top_before(const top_item *a, const top_item *b)
{
	return a->ret > b->ret || (a->ret == b->ret && a->node < b->node);
}

static int top_cmp(const void *x, const void *y)
{
	const top_item *a = x, *b = y;

	return top_before(a, b) ? -1 : top_before(b, a) ? 1 : 0;
}

/* sift down in a heap whose top is the item that sorts last */
static void heap_down(top_item *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		top_item tmp;

		if (l < n && top_before(&h[m], &h[l]))
			m = l;
		if (r < n && top_before(&h[m], &h[r]))
			m = r;
		if (m == i)
			return;
		tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

int hs_dom_top(size_t *count, uint32_t *out, size_t n, uint32_t **all,
	       const hs_dom *d, uint64_t min_retained)
{
	top_item *h;
	size_t k = 0;

	*count = 0;
	if (all)
		*all = NULL;
	if (n == 0) {
		if (!all)
			return 0;
		h = malloc(((size_t)d->R + 1) * sizeof(*h));
		HS_RETURN_ERROR_IF(!h, HS_ENOMEM, "out of memory ranking %u "
				   "objects by retained size", d->R);
		for (uint32_t w = 1; w <= d->R; w++) {
			if (d->ret[w] < min_retained)
				continue;
			h[k].ret = d->ret[w];
			h[k].node = d->vert[w];
			k++;
		}
		qsort(h, k, sizeof(*h), top_cmp);
		*all = malloc((k ? k : 1) * sizeof(uint32_t));
		if (!*all) {
			free(h);
			return hs_error_set(HS_ENOMEM, "out of memory ranking "
					    "%zu objects by retained size", k);
		}
		for (size_t i = 0; i < k; i++)
			(*all)[i] = h[i].node;
		free(h);
		*count = k;
		return 0;
	}
	HS_RETURN_ERROR_IF(n > SIZE_MAX / sizeof(*h), HS_ENOMEM, "out of "
			   "memory for the %zu largest objects", n);
	h = malloc(n * sizeof(*h));
	HS_RETURN_ERROR_IF(!h, HS_ENOMEM, "out of memory for the %zu largest "
			   "objects", n);
	for (uint32_t w = 1; w <= d->R; w++) {
		top_item it = { d->ret[w], d->vert[w] };

		if (it.ret < min_retained)
			continue;
		if (k < n) {
			h[k++] = it;
			if (k == n)
				for (size_t i = n / 2 + 1; i-- > 0;)
					heap_down(h, n, i);
		} else if (top_before(&it, &h[0])) {
			h[0] = it;
			heap_down(h, n, 0);
		}
	}
	qsort(h, k, sizeof(*h), top_cmp);
	for (size_t i = 0; i < k; i++)
		out[i] = h[i].node;
	free(h);
	*count = k;
	return 0;
}

int hs_dom_walk(hs_dom *d, uint32_t from, hs_dom_visit cb, void *payload)
{
	uint32_t p = pre_of(d, from);
	struct frame {
		uint32_t w, next;
	} *stack = NULL;
	size_t cap = 0, sp = 0;
	int rc;

	if (p == NONE)
		return 0;
	rc = children_index(d);
	if (rc < 0)
		return rc;
	if (hs_big_grow((void **)&stack, &cap, sizeof(*stack)) < 0)
		return hs_error_set(HS_ENOMEM, "out of memory");
	stack[sp].w = p;
	stack[sp].next = d->coff[p];
	sp++;
	while (sp) {
		struct frame *f = &stack[sp - 1];

		if (f->next < d->coff[f->w + 1]) {
			uint32_t cn = d->clist[f->next++], c = d->pre[cn];

			rc = cb(cn, (uint32_t)sp, 1, payload);
			if (rc == HS_DOM_SKIP) {
				rc = cb(cn, (uint32_t)sp, 0, payload);
				if (rc)
					goto done;
				continue;
			}
			if (rc)
				goto done;
			if ((sp + 1) * sizeof(*stack) > cap &&
			    hs_big_grow((void **)&stack, &cap,
					(sp + 1) * sizeof(*stack)) < 0) {
				rc = hs_error_set(HS_ENOMEM, "out of memory");
				goto done;
			}
			stack[sp].w = c;
			stack[sp].next = d->coff[c];
			sp++;
		} else {
			sp--;
			if (sp) {
				rc = cb(d->vert[f->w], (uint32_t)sp, 0,
					payload);
				if (rc)
					goto done;
			}
		}
	}
	rc = 0;
done:
	hs_big_free(stack);
	return rc;
}
