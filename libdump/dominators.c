/*
 * dominators.c - hs_dom: immediate dominators per graph node by semi-NCA,
 * retained sizes, the dominator tree's children (see hs_dom.h).
 *
 * Load: kept, 4 bytes per node (preorder number) and 16 per reachable
 * node (node, idom, retained); while computing, 12 more per reachable
 * node and 4 per strong reference that is not a DFS tree edge (the
 * predecessor lists), plus the path-compression stack.
 *
 * Everything runs on preorder numbers of a depth-first search from the
 * super-root (number 0): idom(w) < w, so a pass in reverse preorder sees
 * every node after the nodes it dominates, and arrays indexed by preorder
 * are walked in order.  No step recurses: the DFS keeps its stack in the
 * parent array and a per-node edge cursor, eval() its path in a growable
 * array, the tree walk its path in another.
 *
 * semi-NCA (L. Georgiadis, "Linear-time algorithms for dominators and
 * related problems", 2005; as LLVM's SemiNCAInfo implements it):
 *   1. semi(w) for w in reverse preorder, from the predecessors v of w:
 *      v itself if v < w, else the least semi on v's path of processed
 *      ancestors (eval with path compression).  A DFS tree edge
 *      parent(w) -> w gives parent(w), the starting value, and is left
 *      out of the predecessor lists.
 *   2. idom(w) for w in preorder: the first of parent(w), idom(parent(w)),
 *      ... whose number is at most semi(w).
 * It was 2x faster than simple Lengauer-Tarjan at 10M objects in the
 * issue's probe, with identical results.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bigarray.h"
#include "error.h"
#include "hs_dom.h"
#include "timing.h"

#define NONE UINT32_MAX

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

/* The strong out-edges of preorder i (the super-root's: the roots). */
typedef struct {
	const uint32_t *off;
	const uint32_t *tg;
	const uint8_t *fl;
	hs_edges roots;
	int weak;            /* does the graph have weak references */
} edges_ctx;

static inline void out_edges(const edges_ctx *e, uint32_t v,
			     const uint32_t **t, const uint8_t **f, size_t *n)
{
	if (v == HS_GRAPH_SUPERROOT) {
		*t = e->roots.node;
		*f = e->roots.flags;
		*n = e->roots.n;
	} else {
		*t = e->tg + e->off[v];
		*f = e->fl + e->off[v];
		*n = (size_t)(e->off[v + 1] - e->off[v]);
	}
}

/* Where node v's (or the super-root's) edges are in jl: beside the
 * graph's own edges, the super-root's after them. */
static inline uint32_t jl_base(const edges_ctx *e, uint32_t n, uint32_t v)
{
	return v == HS_GRAPH_SUPERROOT ? e->off[n] : e->off[v];
}

/* Depth-first numbering.  The stack is the parent array: a finished
 * node returns to its parent, whose cursor says where it stopped.  Every
 * edge is looked at once, so the DFS also writes each edge's target in
 * preorder numbers into jl (laid out as the graph's edges), for building
 * the predecessor lists without a second random lookup per edge; a weak
 * edge and the tree edge that discovered a node are written as NONE,
 * since neither is a predecessor semi-NCA needs.  @return R. */
static uint32_t dfs(hs_dom *d, const edges_ctx *e, uint32_t *parent,
		    uint32_t *cursor, uint32_t *jl)
{
	uint32_t k = 1, cur = 0;

	d->vert[0] = HS_GRAPH_SUPERROOT;
	parent[0] = 0;
	cursor[0] = 0;
	for (;;) {
		const uint32_t *t;
		const uint8_t *f;
		size_t deg, c = cursor[cur];
		uint32_t *out = jl + jl_base(e, d->n, d->vert[cur]);

		out_edges(e, d->vert[cur], &t, &f, &deg);
		/* on entering a node or coming back to it, ask for its next
		 * targets' numbers at once: the misses then overlap instead of
		 * following each other */
		for (size_t x = c; x < deg && x < c + 16; x++)
			__builtin_prefetch(&d->pre[t[x]]);
		while (c < deg) {
			uint32_t p;

			if (e->weak && (f[c] & HS_REF_WEAK)) {
				out[c++] = NONE;
				continue;
			}
			p = d->pre[t[c]];
			if (p == NONE)
				break;
			out[c++] = p;
		}
		if (c < deg) {
			uint32_t u = t[c];

			out[c] = NONE;  /* the tree edge */
			cursor[cur] = (uint32_t)c + 1;
			d->pre[u] = k;
			d->vert[k] = u;
			parent[k] = cur;
			cursor[k] = 0;
			cur = k++;
		} else {
			if (cur == 0)
				break;
			cur = parent[cur];
		}
	}
	return k - 1;
}

/* Calls body(i, j) for each predecessor edge i -> j in jl, sources in
 * graph order (jl and pre are read sequentially). */
#define FOR_EACH_PRED(d, e, jl, body)                                      \
	do {                                                               \
		for (uint32_t v_ = 0; v_ <= (d)->n; v_++) {                \
			uint32_t i_ = v_ == (d)->n ? 0 : (d)->pre[v_];     \
			uint32_t x_ = v_ == (d)->n ? (e)->off[(d)->n]      \
						   : (e)->off[v_];         \
			uint32_t end_ = v_ == (d)->n                       \
				? (e)->off[(d)->n] + (uint32_t)(e)->roots.n \
				: (e)->off[v_ + 1];                        \
			if (i_ == NONE)                                    \
				continue;                                  \
			for (; x_ < end_; x_++) {                          \
				uint32_t j_ = (jl)[x_];                    \
				if (j_ != NONE)                            \
					body(i_, j_);                      \
			}                                                  \
		}                                                          \
	} while (0)

/* The predecessor lists in preorder numbers from the DFS's edge targets:
 * count, then fill (a transpose). */
static int preds(uint32_t **poff_out, uint32_t **plist_out, hs_dom *d,
		 const edges_ctx *e, const uint32_t *jl)
{
	uint32_t R = d->R, *poff = NULL, *plist = NULL;
	uint64_t total = 0;

	poff = hs_big_calloc((size_t)R + 2, 4);
	HS_RETURN_ERROR_IF(!poff, HS_ENOMEM, "out of memory for the "
			   "predecessors of %u objects", R);
#define COUNT(i, j) ((void)(i), poff[(j) + 1]++)
	FOR_EACH_PRED(d, e, jl, COUNT);
#undef COUNT
	for (uint32_t j = 0; j <= R; j++) {
		total += poff[j + 1];
		poff[j + 1] = (uint32_t)total;  /* total < 2^32: edges are */
	}
	plist = hs_big_calloc(total + 1, 4);
	if (!plist) {
		hs_big_free(poff);
		return hs_error_set(HS_ENOMEM, "out of memory for %llu "
				    "predecessors", (unsigned long long)total);
	}
#define FILL(i, j) (plist[poff[(j)]++] = (i))
	FOR_EACH_PRED(d, e, jl, FILL);
#undef FILL
	/* the fill advanced poff[j] to the end of j's list: shift back */
	for (uint32_t j = R + 1; j > 0; j--)
		poff[j] = poff[j - 1];
	poff[0] = 0;
	*poff_out = poff;
	*plist_out = plist;
	return 0;
}

typedef struct {
	uint32_t *v;
	size_t cap;  /* bytes */
} stack32;

/* Per preorder number while computing semi-dominators: the three fields
 * eval() reads together, in one cache line (three separate arrays cost
 * three misses per step of a path). */
typedef struct {
	uint32_t anc;    /* ancestor in the linked forest (compressed) */
	uint32_t label;  /* node of least semi on the compressed path */
	uint32_t semi;
} sinfo;

/* The node of least semi on v's path of processed ancestors (numbers >=
 * last), compressing the path; iterative. */
static inline int eval(uint32_t *out, uint32_t v, uint32_t last, sinfo *si,
		       stack32 *st)
{
	size_t sp = 0;
	uint32_t p, pl;

	if (si[v].anc < last) {
		*out = si[v].label;
		return 0;
	}
	do {
		if ((sp + 1) * 4 > st->cap &&
		    hs_big_grow((void **)&st->v, &st->cap, (sp + 1) * 4) < 0)
			return -1;
		st->v[sp++] = v;
		v = si[v].anc;
	} while (si[v].anc >= last);
	p = v;
	pl = si[p].label;
	do {
		uint32_t vl;

		v = st->v[--sp];
		si[v].anc = si[p].anc;
		vl = si[v].label;
		if (si[pl].semi < si[vl].semi)
			si[v].label = pl;
		else
			pl = vl;
		p = v;
	} while (sp);
	*out = si[v].label;
	return 0;
}

int hs_dom_build(hs_dom **out, const hs_graph *g)
{
	hs_dom *d;
	edges_ctx e;
	uint32_t *parent = NULL, *cursor = NULL;
	uint32_t *poff = NULL, *plist = NULL, *jl = NULL;
	sinfo *si = NULL;
	uint64_t nedges;
	stack32 st = { NULL, 0 };
	uint32_t n = hs_graph_count(g), R;
	double t = 0;
	int rc = 0;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	HS_RETURN_ERROR_IF(!d, HS_ENOMEM, "out of memory");
	pthread_mutex_init(&d->lock, NULL);
	d->g = g;
	d->n = n;
	hs_graph_csr(&e.off, &e.tg, &e.fl, g);
	e.roots = hs_graph_out(g, HS_GRAPH_SUPERROOT);
	e.weak = hs_graph_stats_get(g)->weak_refs != 0;

	hs_timing_step("dom", NULL, &t);
	nedges = e.off[n] + e.roots.n;
	if (nedges >= UINT32_MAX) {
		rc = hs_error_set(HS_ELIMIT, "%llu references: more than the "
				  "dominator computation's limit of 2^32-2",
				  (unsigned long long)nedges);
		goto done;
	}
	d->pre = hs_big_calloc((size_t)n + 1, 4);
	d->vert = hs_big_calloc((size_t)n + 2, 4);
	parent = hs_big_calloc((size_t)n + 2, 4);
	cursor = hs_big_calloc((size_t)n + 2, 4);
	jl = hs_big_calloc(nedges + 1, 4);
	if (!d->pre || !d->vert || !parent || !cursor || !jl) {
		rc = hs_error_set(HS_ENOMEM, "out of memory for the dominators "
				  "of %u objects", n);
		goto done;
	}
	memset(d->pre, 0xff, (size_t)n * 4);
	d->R = R = dfs(d, &e, parent, cursor, jl);
	hs_big_shrink(d->vert, ((size_t)R + 1) * 4);
	hs_timing_step("dom", "dfs", &t);

	/* the cursors are free until they become the labels */
	hs_big_free(cursor);
	cursor = NULL;
	rc = preds(&poff, &plist, d, &e, jl);
	if (rc < 0)
		goto done;
	hs_big_free(jl);
	jl = NULL;
	hs_timing_step("dom", "preds", &t);

	/* step 1: semi-dominators */
	si = hs_big_calloc((size_t)R + 1, sizeof(*si));
	if (!si) {
		rc = hs_error_set(HS_ENOMEM, "out of memory for the dominators "
				  "of %u objects", R);
		goto done;
	}
	for (uint32_t i = 0; i <= R; i++) {
		si[i].semi = i;
		si[i].label = i;
		si[i].anc = parent[i];
	}
	for (uint32_t w = R; w >= 1; w--) {
		uint32_t s = parent[w];

		/* the next node's predecessors, while this one's are read */
		if (w >= 2)
			for (uint32_t k = poff[w - 2];
			     k < poff[w - 1] && k < poff[w - 2] + 8; k++)
				__builtin_prefetch(&si[plist[k]]);

		for (uint32_t k = poff[w]; k < poff[w + 1]; k++) {
			uint32_t v = plist[k], u;

			if (v < w) {
				u = v;   /* unprocessed: its own label and semi */
			} else if (eval(&u, v, w + 1, si, &st) < 0) {
				rc = hs_error_set(HS_ENOMEM, "out of memory "
						  "for a path of the dominator "
						  "search");
				goto done;
			} else {
				u = si[u].semi;
			}
			if (u < s)
				s = u;
		}
		si[w].semi = s;
	}
	hs_big_free(plist);
	hs_big_free(poff);
	hs_big_free(st.v);
	plist = NULL;
	poff = NULL;
	st.v = NULL;
	hs_timing_step("dom", "semi", &t);

	/* step 2: immediate dominators, in place of the parents */
	for (uint32_t w = 1; w <= R; w++) {
		uint32_t x = parent[w];

		while (x > si[w].semi)
			x = parent[x];
		parent[w] = x;
	}
	d->idom = parent;
	parent = NULL;
	hs_big_shrink(d->idom, ((size_t)R + 1) * 4);

	/* depth, in the anc fields (no longer needed) */
	si[0].anc = 0;
	for (uint32_t w = 1; w <= R; w++) {
		si[w].anc = si[d->idom[w]].anc + 1;
		if (si[w].anc > d->st.max_depth)
			d->st.max_depth = si[w].anc;
	}
	hs_big_free(si);
	si = NULL;

	/* retained sizes, bottom-up: reverse preorder */
	d->ret = hs_big_calloc((size_t)R + 1, 8);
	if (!d->ret) {
		rc = hs_error_set(HS_ENOMEM, "out of memory for the retained "
				  "sizes of %u objects", R);
		goto done;
	}
	for (uint32_t w = 1; w <= R; w++)
		d->ret[w] = hs_graph_size(g, d->vert[w]);
	for (uint32_t w = R; w >= 1; w--)
		d->ret[d->idom[w]] += d->ret[w];
	hs_timing_step("dom", "idom+size", &t);
	d->st.reachable = R;
	d->st.reachable_size = d->ret[0];
	d->st.unreachable = n - R;
	d->st.unreachable_size = hs_graph_stats_get(g)->shallow - d->ret[0];
done:
	hs_big_free(parent);
	hs_big_free(cursor);
	hs_big_free(jl);
	hs_big_free(si);
	hs_big_free(poff);
	hs_big_free(plist);
	hs_big_free(st.v);
	if (rc < 0) {
		hs_dom_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

typedef struct {
	hs_dom **out;
	const hs_graph *g;
	int rc;
	char msg[512];  /* the thread's error message (they are per thread) */
} build_job;

static void *build_run(void *arg)
{
	build_job *j = arg;

	j->rc = hs_dom_build(j->out, j->g);
	if (j->rc < 0)
		snprintf(j->msg, sizeof(j->msg), "%s", hs_error_last());
	return NULL;
}

int hs_dom_build_many(hs_dom **out, const hs_graph *const *g, size_t n)
{
	build_job job[16];
	pthread_t tid[16];
	int started[16] = { 0 };
	int rc = 0;

	HS_RETURN_ERROR_IF(n > 16, HS_EINVAL, "hs_dom_build_many: %zu graphs,"
			   " at most 16", n);
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		out[i] = NULL;
		job[i].out = &out[i];
		job[i].g = g[i];
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

size_t hs_dom_top(uint32_t *out, size_t n, uint32_t **all, const hs_dom *d,
		  uint64_t min_retained)
{
	top_item *h;
	size_t k = 0;

	if (all)
		*all = NULL;
	if (n == 0) {
		if (!all)
			return 0;
		h = malloc(((size_t)d->R + 1) * sizeof(*h));
		if (!h)
			return 0;
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
			return 0;
		}
		for (size_t i = 0; i < k; i++)
			(*all)[i] = h[i].node;
		free(h);
		return k;
	}
	h = malloc(n * sizeof(*h));
	if (!h)
		return 0;
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
	return k;
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
