/*
 * dom_steps.h - the state the steps of one dominator computation share:
 * the depth-first search (dom_dfs.c), the predecessor lists and their
 * ring (dom_preds.c), the semi-NCA passes (dom_semi.c), run in order by
 * dominators.c, which says how and why; the tree they leave (struct
 * hs_dom) is what dom_tree.c answers queries from (internal).
 */
#ifndef HS_DOM_STEPS_H
#define HS_DOM_STEPS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "hs_dom.h"

#define NONE UINT32_MAX

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
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int dfs_over;        /* under mu: the DFS is over (or failed) */
	atomic_int helper_rc;
	char helper_msg[512];
} build;

/* dom_preds_build() : the strong references reversed, node -> nodes
 * (b->in_off, b->in_src).  @return 0, or HS_ENOMEM with the error set. */
int dom_preds_build(build *b);

/* dom_helper_run() : the second thread: the predecessor lists while the
 * DFS runs, then the ring just ahead of the semi pass (arg: the build). */
void *dom_helper_run(void *arg);

/* dom_ring_more() : more of the ring to read from entry r (waits for the
 * helper, or alone fills it).  @return how far it may be read, or 0 (the
 * helper failed). */
uint64_t dom_ring_more(build *b, uint64_t r);

/* dom_dfs() : depth-first numbering from the super-root: pre, vert,
 * parent, and *R.  @return 0, or HS_ENOMEM with the error set. */
int dom_dfs(uint32_t *R, build *b);

/* dom_semi_pass() : semi(w) for every w, into semi[] (semi-NCA step 1).
 * @return 0, or HS_ENOMEM (or -1: the helper failed). */
int dom_semi_pass(uint32_t *semi, build *b);

/* dom_idom_pass() : idom(w) for every w, in place of its DFS parent in
 * idom[] (semi-NCA step 2); d->st.max_depth too.  @return 0 or HS_ENOMEM. */
int dom_idom_pass(hs_dom *d, uint32_t *idom, const uint32_t *semi);

#endif
