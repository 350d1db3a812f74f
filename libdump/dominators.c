/*
 * dominators.c - hs_dom_build: immediate dominators per graph node by
 * semi-NCA and retained sizes (see hs_dom.h), its steps run in order on
 * one or two threads: the DFS (dom_dfs.c), the predecessor lists
 * (dom_preds.c), the semi-NCA passes (dom_semi.c); the queries on the
 * tree they leave are in dom_tree.c.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bigarray.h"
#include "dom_steps.h"
#include "error.h"
#include "timing.h"

/* Retained sizes, bottom-up (reverse preorder) from the shallow sizes,
 * and the stats. */
static int retained_sizes(hs_dom *d)
{
	const hs_graph *g = d->g;

	d->ret = hs_big_calloc((size_t)d->R + 1, 8);
	HS_RETURN_ERROR_IF(!d->ret, HS_ENOMEM, "out of memory for the "
			   "retained sizes of %u objects", d->R);
	for (uint32_t w = 1; w <= d->R; w++)
		d->ret[w] = hs_graph_size(g, d->vert[w]);
	for (uint32_t w = d->R; w >= 1; w--)
		d->ret[d->idom[w]] += d->ret[w];
	d->st.reachable = d->R;
	d->st.reachable_size = d->ret[0];
	d->st.unreachable = d->n - d->R;
	d->st.unreachable_size = hs_graph_stats_get(g)->shallow - d->ret[0];
	return 0;
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

/* The computation's state over g, and the arrays the DFS fills (b->d
 * set even on failure, for build_end).  @return 0, HS_ENOMEM or
 * HS_ELIMIT. */
static int build_init(build *b, const hs_graph *g)
{
	uint32_t n = hs_graph_count(g);
	uint64_t nedges;
	hs_dom *d;

	memset(b, 0, sizeof(*b));
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	atomic_init(&b->wpos, 0);
	atomic_init(&b->rpos, 0);
	atomic_init(&b->stop, 0);
	atomic_init(&b->helper_rc, 0);
	d = b->d = calloc(1, sizeof(*d));
	HS_RETURN_ERROR_IF(!d, HS_ENOMEM, "out of memory");
	pthread_mutex_init(&d->lock, NULL);
	d->g = b->g = g;
	d->n = b->n = n;
	hs_graph_csr(&b->off, &b->tg, &b->fl, g);
	b->roots = hs_graph_out(g, HS_GRAPH_SUPERROOT);
	b->weak = hs_graph_stats_get(g)->weak_refs != 0;
	nedges = b->off[n] + b->roots.n;
	HS_RETURN_ERROR_IF(nedges >= UINT32_MAX, HS_ELIMIT, "%llu references:"
			   " more than the dominator computation's limit of "
			   "2^32-2", (unsigned long long)nedges);
	d->pre = hs_big_calloc((size_t)n + 1, 4);
	d->vert = hs_big_calloc((size_t)n + 2, 4);
	b->parent = hs_big_calloc((size_t)n + 2, 4);
	HS_RETURN_ERROR_IF(!d->pre || !d->vert || !b->parent, HS_ENOMEM,
			   "out of memory for the dominators of %u objects", n);
	memset(d->pre, 0xff, (size_t)n * 4);
	b->ring = hs_big_calloc(RING, 4);
	HS_RETURN_ERROR_IF(!b->ring, HS_ENOMEM, "out of memory");
	return 0;
}

/* The DFS (the helper, if any, builds the predecessor lists meanwhile;
 * alone, they are built after it, when its records and stack are gone:
 * a lower peak for the two trees dumpdiff builds at once). */
static int search(build *b, double *t)
{
	hs_dom *d = b->d;
	uint32_t R = 0;
	int rc = dom_dfs(&R, b);

	d->R = R;
	b->pw = R;
	b->pq = NONE;
	if (b->threaded)
		dfs_end(b, rc < 0 ? -1 : 1);
	if (rc < 0)
		return rc;
	hs_big_shrink(d->vert, ((size_t)R + 1) * 4);
	hs_big_shrink(b->parent, ((size_t)R + 1) * 4);
	hs_timing_step("dom", "dfs", t);
	if (!b->threaded) {
		rc = dom_preds_build(b);
		if (rc < 0)
			return rc;
		hs_timing_step("dom", "preds", t);
	}
	return 0;
}

/* Step 1, semi-dominators, into *semi; the helper writes the
 * predecessors just ahead of the pass, and is joined after it. */
static int semi_step(uint32_t **semi, build *b, double *t)
{
	int rc;

	*semi = hs_big_calloc((size_t)b->d->R + 1, 4);
	HS_RETURN_ERROR_IF(!*semi, HS_ENOMEM, "out of memory for the "
			   "dominators of %u objects", b->d->R);
	rc = dom_semi_pass(*semi, b);
	if (rc < 0)
		atomic_store(&b->stop, 1);
	if (b->threaded) {
		pthread_join(b->tid, NULL);
		b->threaded = 0;
	}
	if (atomic_load(&b->helper_rc) < 0)
		rc = hs_error_set(atomic_load(&b->helper_rc), "%s",
				  b->helper_msg);
	if (rc < 0)
		return rc;
	hs_big_free(b->in_off);
	hs_big_free(b->in_src);
	hs_big_free(b->ring);
	b->in_off = b->in_src = b->ring = NULL;
	hs_timing_step("dom", "semi", t);
	return 0;
}

/* Stops the helper wherever it is (if the build failed before the semi
 * pass joined it) and frees what the steps left. */
static void build_end(build *b)
{
	if (b->threaded) {
		atomic_store(&b->stop, 1);
		dfs_end(b, -1);
		pthread_join(b->tid, NULL);
	}
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	hs_big_free(b->parent);
	hs_big_free(b->in_off);
	hs_big_free(b->in_src);
	hs_big_free(b->ring);
}

/* hs_dom_build() on `threads` threads (1 or 2). */
static int dom_build(hs_dom **out, const hs_graph *g, int threads)
{
	build b;
	uint32_t *semi = NULL;
	double t = 0;
	int rc;

	*out = NULL;
	hs_timing_step("dom", NULL, &t);
	rc = build_init(&b, g);
	if (rc == 0) {
		b.threaded = threads > 1 && pthread_create(&b.tid, NULL,
							   dom_helper_run,
							   &b) == 0;
		rc = search(&b, &t);
	}
	if (rc == 0)
		rc = semi_step(&semi, &b, &t);
	/* step 2: immediate dominators, in place of the parents */
	if (rc == 0)
		rc = dom_idom_pass(b.d, b.parent, semi);
	if (rc == 0) {
		b.d->idom = b.parent;
		b.parent = NULL;
		rc = retained_sizes(b.d);
	}
	if (rc == 0)
		hs_timing_step("dom", "idom+size", &t);
	build_end(&b);
	hs_big_free(semi);
	if (rc < 0) {
		hs_dom_free(b.d);
		return rc;
	}
	*out = b.d;
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
