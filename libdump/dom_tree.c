/*
 * dom_tree.c - what a built hs_dom answers (see hs_dom.h): each node's
 * immediate dominator and retained size, the tree's children, the
 * largest objects, a walk down the tree.
 *
 * Load: the children index, 8 bytes per reachable node, built on first
 * use under the lock; the ranking, 16 bytes per listed object (all of
 * them for hs_dom_top's full list).
 */
#include <stdlib.h>

#include "bigarray.h"
#include "dom_steps.h"
#include "error.h"

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
