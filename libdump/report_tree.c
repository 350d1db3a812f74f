/*
 * report_tree.c - the report's dominator tree: its largest nodes (and the
 * dominators of any node the report must show), per embedded node what
 * the tree leaves out of it by type, and the largest retainers.
 *
 * Load: REP tree nodes (DEF_TREE_NODES by default) and their left-out
 * children by type (at most REP_REST_TYPES + 1 per node).
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hs_text.h"
#include "report.h"
#include "vec.h"

/* ---- the dominator tree, largest first ------------------------------ */

static int tree_add(hs_report *r, uint32_t node, uint32_t parent)
{
	rep_node *t;
	hs_nodes kids;
	uint32_t o = REP_NONE;

	HS_FORWARD_IF_ERROR(hs_report__grow((void **)&r->tree, &r->ctree,
					    r->ntree + 1, sizeof(*r->tree)));
	HS_FORWARD_IF_ERROR(hs_dom_children(&kids, r->d, node));
	if (node != HS_GRAPH_SUPERROOT) {
		HS_FORWARD_IF_ERROR(hs_report__obj_get(r, &o, node));
		r->objs[o].tree = (uint32_t)r->ntree;
	}
	t = &r->tree[r->ntree++];
	t->obj = o;
	t->parent = parent;
	t->retained = hs_dom_retained(r->d, node);
	t->kids = kids.n;
	t->rest_n = kids.n;
	t->rest_first = t->rest_types = 0;
	t->rest_bytes = t->retained -
			(node == HS_GRAPH_SUPERROOT ? 0 : hs_graph_size(r->g, node));
	if (parent != REP_NONE) {
		r->tree[parent].rest_n--;
		r->tree[parent].rest_bytes -= t->retained;
	}
	return 0;
}

/* Put node in the tree with the dominators above it that are not yet
 * there (an owner of growth smaller than the cut-off, say). */
int hs_report__tree_force(hs_report *r, uint32_t node)
{
	uint32_t chain[64], up;
	size_t n = 0;
	uint32_t o;

	if (!hs_dom_reachable(r->d, node))
		return 0;
	for (up = node; up != HS_GRAPH_SUPERROOT; up = hs_dom_idom(r->d, up)) {
		o = hs_report__obj_find(r, up);
		if (o != REP_NONE && r->objs[o].tree != REP_NONE)
			break;
		if (n == 64)
			return 0;  /* too deep below the embedded tree: skip */
		chain[n++] = up;
	}
	o = up == HS_GRAPH_SUPERROOT ? 0
	    : r->objs[hs_report__obj_find(r, up)].tree;
	while (n--) {
		HS_FORWARD_IF_ERROR(tree_add(r, chain[n], o));
		o = (uint32_t)r->ntree - 1;
	}
	return 0;
}

/* The tree_nodes largest nodes retaining tree_min or more (hs_dom_top):
 * a node retains at least what each child does, so in that order each
 * node's dominators come before it (tree_force adds those that a tie left
 * out).  tree_cut is the largest retained size left out. */
int hs_report__gather_tree(hs_report *r)
{
	size_t k = r->o.tree_nodes, n = 0;
	uint32_t *top = malloc((k + 1) * sizeof(*top));
	int rc = 0;

	HS_RETURN_ERROR_IF(!top, HS_ENOMEM, "report: out of memory");
	rc = tree_add(r, HS_GRAPH_SUPERROOT, REP_NONE);
	if (rc == 0)
		rc = hs_dom_top(&n, top, k + 1, NULL, r->d, r->tree_min);
	if (n > k) {
		r->tree_cut = hs_dom_retained(r->d, top[k]);
		n = k;
	} else if (r->tree_min > 1) {
		r->tree_cut = r->tree_min - 1;
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = hs_report__tree_force(r, top[i]);
	free(top);
	return rc;
}

/* What each tree node's children left out of the tree are, by type: a
 * flat heap (millions of small objects under the roots) is then still a
 * picture of its types.  One pass over the children of the tree's nodes;
 * a count and a size per type, reset through the list of types touched. */
typedef struct {
	uint64_t count, bytes;
} rest_acc;

static int rest_cmp(const void *a, const void *b)
{
	const rep_rest *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->type < y->type ? -1 : x->type > y->type;
}

int hs_report__gather_rests(hs_report *r)
{
	uint32_t ntype = hs_graph_type_count(r->g);
	rest_acc *acc = calloc(ntype ? ntype : 1, sizeof(*acc));
	uint32_t *touched = malloc((ntype ? ntype : 1) * sizeof(*touched));
	rep_rest *tmp = malloc((ntype ? ntype : 1) * sizeof(*tmp));
	int rc = 0;

	if (!acc || !touched || !tmp) {
		rc = hs_error_set(HS_ENOMEM, "report: out of memory");
		goto done;
	}
	for (size_t i = 0; rc == 0 && i < r->ntree; i++) {
		rep_node *t = &r->tree[i];
		uint32_t node = i ? r->objs[t->obj].node : HS_GRAPH_SUPERROOT;
		size_t nt = 0, keep;
		hs_nodes kids;

		if (!t->rest_n)
			continue;
		rc = hs_dom_children(&kids, r->d, node);
		if (rc < 0)
			break;
		for (size_t k = 0; k < kids.n; k++) {
			uint32_t c = kids.node[k];
			uint32_t o = hs_report__obj_find(r, c);
			uint32_t ty = hs_graph_type(r->g, c);

			if ((o != REP_NONE && r->objs[o].tree != REP_NONE) ||
			    ty >= ntype)
				continue;
			ty = hs_graph_type_first(r->g, ty);
			if (!acc[ty].count)
				touched[nt++] = ty;
			acc[ty].count++;
			acc[ty].bytes += hs_dom_retained(r->d, c);
		}
		for (size_t k = 0; k < nt; k++) {
			tmp[k].type = touched[k];
			tmp[k].count = acc[touched[k]].count;
			tmp[k].bytes = acc[touched[k]].bytes;
			acc[touched[k]].count = acc[touched[k]].bytes = 0;
		}
		qsort(tmp, nt, sizeof(*tmp), rest_cmp);
		keep = nt > REP_REST_TYPES ? REP_REST_TYPES - 1 : nt;
		for (size_t k = keep + 1; k < nt; k++) {
			tmp[keep].count += tmp[k].count;
			tmp[keep].bytes += tmp[k].bytes;
		}
		if (nt > keep) {
			tmp[keep].type = REP_NONE;
			keep++;
		}
		rc = hs_report__grow((void **)&r->rests, &r->crests,
				     r->nrests + keep, sizeof(*r->rests));
		for (size_t k = 0; rc == 0 && k < keep; k++) {
			rep_rest *e = &r->rests[r->nrests + k];

			*e = tmp[k];
			if (e->type != REP_NONE)
				rc = hs_report__type(r, &e->type, e->type);
		}
		if (rc == 0) {
			/* r->tree may not move: rep_type grows other arrays */
			r->tree[i].rest_first = (uint32_t)r->nrests;
			r->tree[i].rest_types = (uint32_t)keep;
			r->nrests += keep;
		}
	}
done:
	free(acc);
	free(touched);
	free(tmp);
	return rc;
}

/* ---- the largest retainers ------------------------------------------ */

/* The largest retainers (hs_dom_top), each memory listed once: an object
 * that holds RETAINER_SAME or more of the listed object right above it in
 * the dominator tree (directly, or through objects left out this way) is
 * the same memory one level down - the next node of a linked list, a
 * module's __dict__ - and is left out. */
#define RETAINER_CANDIDATES 400u
#define RETAINER_SAME 0.9

int hs_report__gather_retainers(hs_report *r)
{
	uint32_t top[RETAINER_CANDIDATES], seen[RETAINER_CANDIDATES];
	size_t n, nseen = 0;

	HS_FORWARD_IF_ERROR(hs_dom_top(&n, top, RETAINER_CANDIDATES, NULL,
				       r->d, 0));

	r->top = malloc(REP_TOP_MAX * sizeof(*r->top));
	HS_RETURN_ERROR_IF(!r->top, HS_ENOMEM, "report: out of memory");
	for (size_t i = 0; i < n && r->ntop < REP_TOP_MAX; i++) {
		uint32_t up = hs_dom_idom(r->d, top[i]);
		int same = 0;

		for (size_t k = 0; k < nseen && !same; k++)
			same = seen[k] == up &&
			       (double)hs_dom_retained(r->d, top[i]) >=
			       RETAINER_SAME * (double)hs_dom_retained(r->d, up);
		seen[nseen++] = top[i];
		if (same)
			continue;
		HS_FORWARD_IF_ERROR(hs_report__obj_get(r, &r->top[r->ntop],
						       top[i]));
		r->ntop++;
	}
	return 0;
}
