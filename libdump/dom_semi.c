/*
 * dom_semi.c - the two passes of semi-NCA over preorder numbers (see
 * dominators.c): semi-dominators by Lengauer and Tarjan's balanced LINK
 * and EVAL, then immediate dominators by walking up the dominator tree
 * with Myers' jump pointers.
 *
 * Load: 16 bytes per reachable node (LINK/EVAL's records) in the first
 * pass, 8 (depth and jump pointer) in the second, and EVAL's path.
 */
#include "bigarray.h"
#include "dom_steps.h"
#include "error.h"

/* How far ahead (ring entries) a predecessor's record is asked for. */
#define AHEAD_SEMI 16u

/* ---- semi-dominators --------------------------------------------------- */

/* Per preorder number + 1 (0 is LT's "no node", whose best and size are
 * 0) while computing semi-dominators: the fields LINK and EVAL read
 * together, in one record. */
typedef struct {
	uint32_t anc;    /* ancestor in the linked forest; 0 at a root */
	uint32_t best;   /* least semi (+1) on the compressed path */
	uint32_t child;  /* LT's balancing chain */
	uint32_t size;
} lt;

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

/* Step 1: semi(w) for every w, into semi[]. */
int dom_semi_pass(uint32_t *semi, build *b)
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

			if (r == end && (end = dom_ring_more(b, r)) == 0) {
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
int dom_idom_pass(hs_dom *d, uint32_t *idom, const uint32_t *semi)
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
