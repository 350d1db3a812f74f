/*
 * dom_dfs.c - the depth-first search that numbers the nodes reachable
 * from the super-root in preorder, for the dominator computation (see
 * dominators.c for why it reads what it reads).
 *
 * Load: 16 bytes per node (each node's first references), a bitmap of
 * the nodes seen, and the stack of references still to follow (8 bytes
 * each; at most one per reference, about a quarter of them on the random
 * bench4 heap); all freed when it ends.  Time: one visit per reachable
 * node, one test per strong reference.
 */
#include "bigarray.h"
#include "dom_steps.h"
#include "error.h"

/* A reference whose target lies within NEAR nodes of its source is
 * followed first. */
#define NEAR 4096u
/* How far ahead (stack entries) data is asked for. */
#define AHEAD_STACK 4u

/* A reference the DFS has still to follow: from the node numbered
 * `from` to `node`. */
typedef struct {
	uint32_t from;
	uint32_t node;
} pending;

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
int dom_dfs(uint32_t *R, build *b)
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
