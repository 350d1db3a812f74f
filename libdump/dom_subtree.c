/*
 * dom_subtree.c - hs_dom_subtree(): the dominator subtree under a node
 * as lines, depth first, each node's children largest first and bounded
 * in number, depth and retained size; what is left out is summed into
 * the parent's line (dumpdom --depth, --id).
 *
 * Load: the lines (32 bytes each, at most max_lines), and per level being
 * listed the children of one node (4 bytes each); the children index of
 * the tree (hs_dom_children: 8 bytes per reachable node) once a node's
 * children are asked for.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hs_dom.h"
#include "vec.h"

/* One node being listed: the line it is on, its children to list. */
typedef struct {
	size_t line;
	uint32_t *kids;
	size_t nk, i;
} level;

/* Appends node's line.  @return 0, 1 when max_lines is reached (L->cut),
 * HS_ENOMEM. */
static int add_line(hs_dom_lines *L, hs_dom *d, uint32_t node,
		    uint32_t depth, int count_kids, size_t max_lines)
{
	hs_nodes c = { NULL, 0 };
	hs_dom_line *l;

	if (max_lines && L->n >= max_lines) {
		L->cut = 1;
		return 1;
	}
	HS_RETURN_ERROR_IF(hs_vec_grow((void **)&L->v, &L->cap, L->n + 1,
				       sizeof(*L->v)) < 0, HS_ENOMEM,
			   "dominator subtree: out of memory for %zu lines",
			   L->n + 1);
	/* the children index costs 8 bytes per object: only when needed */
	if (count_kids)
		HS_FORWARD_IF_ERROR(hs_dom_children(&c, d, node));
	l = &L->v[L->n++];
	memset(l, 0, sizeof(*l));
	l->node = node;
	l->depth = depth;
	l->dominated = c.n;
	return 0;
}

static int kid_cmp(const void *a, const void *b, void *arg)
{
	const hs_dom *d = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t rx = hs_dom_retained(d, x), ry = hs_dom_retained(d, y);

	if (rx != ry)
		return rx > ry ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* The children of node to list, largest first; the rest summed into l. */
static int pick_kids(level *lv, hs_dom *d, uint32_t node,
		     const hs_dom_subtree_options *o, hs_dom_line *l)
{
	hs_nodes c;
	uint32_t *k;
	size_t n = 0;

	lv->kids = NULL;
	lv->nk = lv->i = 0;
	l->expanded = 1;
	HS_FORWARD_IF_ERROR(hs_dom_children(&c, d, node));
	k = malloc((c.n ? c.n : 1) * sizeof(*k));
	HS_RETURN_ERROR_IF(!k, HS_ENOMEM, "dominator subtree: out of memory "
			   "for %zu children", c.n);
	for (size_t i = 0; i < c.n; i++) {
		uint64_t r = hs_dom_retained(d, c.node[i]);

		if (r < o->min_retained) {
			l->more++;
			l->more_retained += r;
			continue;
		}
		k[n++] = c.node[i];
	}
	qsort_r(k, n, sizeof(*k), kid_cmp, d);
	if (o->children && n > o->children) {
		for (size_t i = o->children; i < n; i++) {
			l->more++;
			l->more_retained += hs_dom_retained(d, k[i]);
		}
		n = o->children;
	}
	lv->kids = k;
	lv->nk = n;
	return 0;
}

int hs_dom_subtree(hs_dom_lines *L, hs_dom *d, uint32_t top,
		   const hs_dom_subtree_options *opts)
{
	static const hs_dom_subtree_options defaults =
		HS_DOM_SUBTREE_OPTIONS_INIT;
	const hs_dom_subtree_options *o = opts ? opts : &defaults;
	level *st = NULL;
	size_t sp = 0, cap = 0;
	int rc;

	HS_RETURN_ERROR_IF(o->version != HS_DOM_SUBTREE_OPTIONS_VERSION,
			   HS_EINVAL, "dominator subtree: options version %u, "
			   "expected %u", o->version,
			   HS_DOM_SUBTREE_OPTIONS_VERSION);
	HS_RETURN_ERROR_IF(!hs_dom_reachable(d, top), HS_EINVAL,
			   "dominator subtree: node %u is not reachable", top);
	if (L->cut)
		return 0;
	rc = add_line(L, d, top, 0, o->depth > 0 || o->count_top,
		      o->max_lines);
	if (rc || o->depth == 0)
		return rc < 0 ? rc : 0;
	rc = hs_vec_grow((void **)&st, &cap, 1, sizeof(*st)) < 0
	     ? hs_error_set(HS_ENOMEM, "dominator subtree: out of memory")
	     : 0;
	if (rc == 0) {
		st[0].line = L->n - 1;
		rc = pick_kids(&st[0], d, top, o, &L->v[L->n - 1]);
		sp = rc == 0;
	}
	while (rc == 0 && sp) {
		level *f = &st[sp - 1];
		uint32_t depth = L->v[f->line].depth + 1, c;

		if (f->i >= f->nk) {
			free(f->kids);
			sp--;
			continue;
		}
		c = f->kids[f->i++];
		rc = add_line(L, d, c, depth, 1, o->max_lines);
		if (rc != 0 || depth >= o->depth)
			continue;
		if (hs_vec_grow((void **)&st, &cap, sp + 1, sizeof(*st)) < 0) {
			rc = hs_error_set(HS_ENOMEM, "dominator subtree: out "
					  "of memory");
			break;
		}
		st[sp].line = L->n - 1;
		rc = pick_kids(&st[sp], d, c, o, &L->v[L->n - 1]);
		sp += rc == 0;
	}
	while (sp)
		free(st[--sp].kids);
	free(st);
	return rc < 0 ? rc : 0;
}

void hs_dom_lines_release(hs_dom_lines *L)
{
	if (!L)
		return;
	free(L->v);
	memset(L, 0, sizeof(*L));
}
