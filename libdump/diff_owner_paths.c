/*
 * diff_owner_paths.c - the largest owners of two snapshots matched by
 * their paths from the roots, for snapshots of different processes
 * (whose ids mean nothing to each other).
 *
 * Load: per snapshot, 4 bytes per object (dominated counts) and the k
 * largest owners with their path texts.
 */
#include <stdlib.h>
#include <string.h>

#include "bigarray.h"
#include "diff_steps.h"
#include "error.h"
#include "vec.h"

typedef struct {
	uint32_t node;
	uint32_t resolved;    /* new side: its old counterpart found by
	                         following its path, or HS_GRAPH_NONE */
	uint64_t objects;     /* nodes it dominates, itself included */
	size_t path_off, path_len;  /* in hs_diff.paths */
	uint32_t row;         /* its type's row */
} top_entry;

typedef struct {
	hs_dom *d;
	uint32_t *count;
	uint32_t *stack;
} count_walk;

/* Objects each node dominates: added up on the way out of the walk. */
static int count_visit(uint32_t node, uint32_t depth, int enter, void *payload)
{
	count_walk *w = payload;
	uint32_t up;

	(void)depth;
	if (enter)
		return 0;
	w->count[node]++;
	up = hs_dom_idom(w->d, node);
	if (up != HS_GRAPH_SUPERROOT && up != HS_GRAPH_NONE)
		w->count[up] += w->count[node];
	return 0;
}

static int name_eq(const hs_graph *a, uint32_t na, const hs_graph *b,
		   uint32_t nb)
{
	return str_eq(hs_graph_type_name(a, hs_graph_type(a, na)),
		      hs_graph_type_name(b, hs_graph_type(b, nb)));
}

/* The old snapshot's root object with the same root kind, label and type
 * as root record ri of the new one, or HS_GRAPH_NONE. */
static uint32_t resolve_root(const hs_graph *og, const hs_graph *ng, size_t ri)
{
	const hs_root *nr = hs_graph_root(ng, ri);
	hs_str nk = hs_graph_root_kind(ng, nr->kind);

	for (size_t i = 0; i < hs_graph_root_count(og); i++) {
		const hs_root *r = hs_graph_root(og, i);

		if (str_eq(r->label, nr->label) &&
		    str_eq(hs_graph_root_kind(og, r->kind), nk) &&
		    name_eq(og, r->node, ng, nr->node))
			return r->node;
	}
	return HS_GRAPH_NONE;
}

/* Out-edges looked at per step when resolving a path: a huge container
 * is searched this far for the label. */
#define RESOLVE_SCAN_MAX 100000

/*
 * Follows the new snapshot's path p in the old one: the same root, then at
 * each step the reference with the same label (or, unlabelled, the same
 * position) to an object of the same type.  @return the old node, or
 * HS_GRAPH_NONE when some step has no counterpart.
 */
static uint32_t resolve_path(hs_diff *df, const hs_path *p)
{
	hs_graph *og = df->g[0], *ng = df->g[1];
	hs_buf ob = HS_BUF_INIT;
	uint32_t u = resolve_root(og, ng, p->root);
	/* the new path's labels in one pass over its frames; the old side's
	 * are read step by step, each step depending on the last */
	hs_str *labels = calloc(p->len, sizeof(*labels));

	if (!labels || hs_path_labels(labels, ng, p) < 0)
		u = HS_GRAPH_NONE;
	for (size_t i = 0; i + 1 < p->len && u != HS_GRAPH_NONE; i++) {
		hs_edges e = hs_graph_out(og, u);
		uint32_t next = HS_GRAPH_NONE;
		hs_str l = labels[i];
		size_t k;

		if (!l.ptr) {
			k = p->edges[i];
			if (k < e.n && name_eq(og, e.node[k], ng, p->nodes[i + 1]))
				next = e.node[k];
		}
		for (k = 0; l.ptr && k < e.n && k < RESOLVE_SCAN_MAX; k++) {
			hs_str ol;

			if (!name_eq(og, e.node[k], ng, p->nodes[i + 1]) ||
			    hs_graph_label(&ol, &ob, og, u, k) < 0)
				continue;
			if (ol.ptr && str_eq(ol, l)) {
				next = e.node[k];
				break;
			}
		}
		u = next;
	}
	hs_buf_release(&ob);
	free(labels);
	return u;
}

/* Fills t[0..m) for the retainers nodes[], with their shortest paths'
 * text in df->paths: the labels of all m paths read in one pass over the
 * frames they live in (hs_graph_labels), not one frame per step. */
static int owner_paths(hs_diff *df, hs_graph *g, const hs_paths *tree,
		       top_entry *t, const uint32_t *nodes, size_t m,
		       const uint32_t *count, const uint32_t *rowmap)
{
	hs_pathset **ps = calloc(m ? m : 1, sizeof(*ps));
	uint32_t *sn = NULL;
	size_t *se = NULL, steps = 0, at = 0;
	hs_str *labels = NULL;
	int rc = 0;

	if (!ps)
		return hs_error_set(HS_ENOMEM, "diff: out of memory");
	for (size_t i = 0; i < m && rc == 0; i++) {
		rc = hs_paths_shortest(&ps[i], tree, nodes[i]);
		if (rc == 0 && hs_pathset_count(ps[i]))
			steps += hs_pathset_get(ps[i], 0)->len - 1;
	}
	if (rc < 0)
		goto done;
	sn = malloc((steps ? steps : 1) * sizeof(*sn));
	se = malloc((steps ? steps : 1) * sizeof(*se));
	labels = malloc((steps ? steps : 1) * sizeof(*labels));
	if (!sn || !se || !labels) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory");
		goto done;
	}
	for (size_t i = 0; i < m; i++) {
		const hs_path *p = hs_pathset_count(ps[i])
				   ? hs_pathset_get(ps[i], 0) : NULL;

		for (size_t k = 0; p && k + 1 < p->len; k++, at++) {
			sn[at] = p->nodes[k];
			se[at] = p->edges[k];
		}
	}
	rc = hs_graph_labels(labels, g, sn, se, steps);
	at = 0;
	for (size_t i = 0; i < m && rc == 0; i++) {
		const hs_path *p = hs_pathset_count(ps[i])
				   ? hs_pathset_get(ps[i], 0) : NULL;

		t[i].node = nodes[i];
		t[i].resolved = HS_GRAPH_NONE;
		t[i].objects = count[nodes[i]];
		t[i].row = rowmap[hs_graph_type(g, nodes[i])];
		t[i].path_off = df->paths.len;
		if (p) {
			rc = hs_path_format_labels(&df->paths, g, p,
						   labels + at);
			at += p->len - 1;
		}
		t[i].path_len = df->paths.len - t[i].path_off;
	}
done:
	for (size_t i = 0; i < m; i++)
		hs_pathset_free(ps[i]);
	free(ps);
	free(sn);
	free(se);
	free(labels);
	return rc;
}

/* The k largest retainers of snapshot side, with their paths; on the new
 * side, also their counterparts found by following the path in the old
 * snapshot, with count0 the old snapshot's dominated-object counts. */
static int top_owners(top_entry **out, size_t *nout, hs_diff *df, int side,
		      size_t k, const uint32_t *rowmap, uint32_t **counts)
{
	hs_graph *g = df->g[side];
	uint32_t n = hs_graph_count(g);
	uint32_t *nodes = malloc(k * sizeof(*nodes));
	uint32_t *count = hs_big_calloc((size_t)n + 1, sizeof(*count));
	count_walk cw = { df->d[side], count, NULL };
	hs_paths *tree = NULL;
	top_entry *t = NULL;
	size_t m = 0;
	int rc;

	*out = NULL;
	*nout = 0;
	if (!nodes || !count) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory");
		goto done;
	}
	rc = hs_dom_walk(df->d[side], HS_GRAPH_SUPERROOT, count_visit, &cw);
	if (rc < 0)
		goto done;
	rc = hs_dom_top(&m, nodes, k, NULL, df->d[side], 0);
	if (rc < 0)
		goto done;
	t = calloc(m ? m : 1, sizeof(*t));
	if (!t) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory");
		goto done;
	}
	rc = hs_paths_new(&tree, g, NULL);
	if (rc < 0)
		goto done;
	rc = owner_paths(df, g, tree, t, nodes, m, count, rowmap);
	if (rc < 0)
		goto done;
	*out = t;
	*nout = m;
	t = NULL;
	if (side == 1 && !df->tree) {  /* kept for resolving and owner paths */
		df->tree = tree;
		tree = NULL;
	}
	if (counts) {
		*counts = count;
		count = NULL;
	}
	rc = 0;
done:
	hs_paths_free(tree);
	free(nodes);
	hs_big_free(count);
	free(t);
	return rc;
}

/* node's counterpart in the old snapshot, found along its shortest path
 * in the new one (df->tree), or HS_GRAPH_NONE. */
static uint32_t resolve(hs_diff *df, uint32_t node)
{
	hs_pathset *ps = NULL;
	uint32_t u = HS_GRAPH_NONE;

	if (hs_paths_shortest(&ps, df->tree, node) == 0 &&
	    hs_pathset_count(ps))
		u = resolve_path(df, hs_pathset_get(ps, 0));
	hs_pathset_free(ps);
	return u;
}

static int same_key(const hs_diff *df, const top_entry *a, const top_entry *b)
{
	return a->row == b->row && a->path_len == b->path_len &&
	       memcmp(df->paths.data + a->path_off,
		      df->paths.data + b->path_off, a->path_len) == 0;
}

int diff_owners_by_path(hs_diff *df, size_t k, const uint32_t *rowmap0,
			  const uint32_t *rowmap1)
{
	top_entry *t0 = NULL, *t1 = NULL;
	size_t n0 = 0, n1 = 0;
	unsigned char *used = NULL;
	uint32_t *count0 = NULL;
	int rc;

	rc = top_owners(&t0, &n0, df, 0, k, rowmap0, &count0);
	if (rc == 0)
		rc = top_owners(&t1, &n1, df, 1, k, rowmap1, NULL);
	if (rc < 0)
		goto done;
	used = calloc(n0 ? n0 : 1, 1);
	df->owners = calloc(n0 + n1 ? n0 + n1 : 1, sizeof(*df->owners));
	if (!used || !df->owners) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory");
		goto done;
	}
	/* K is small (hundreds): pairwise comparison is cheap enough */
	for (size_t i = 0; i < n1; i++) {
		hs_diff_owner *o = &df->owners[df->nowners++];
		size_t j;

		for (j = 0; j < n0; j++)
			if (!used[j] && same_key(df, &t1[i], &t0[j]))
				break;
		o->node = t1[i].node;
		o->old_node = HS_GRAPH_NONE;
		o->retained[1] = hs_dom_retained(df->d[1], t1[i].node);
		o->objects = (int64_t)t1[i].objects;
		o->path.len = t1[i].path_len;
		o->path.ptr = (const char *)(uintptr_t)t1[i].path_off;
		if (j < n0) {
			used[j] = 1;
			o->old_node = t0[j].node;
			o->objects -= (int64_t)t0[j].objects;
		} else if ((t1[i].resolved = resolve(df, t1[i].node)) !=
			   HS_GRAPH_NONE) {
			/* small before, among the largest now: the growth */
			o->old_node = t1[i].resolved;
			for (j = 0; j < n0; j++)
				if (t0[j].node == o->old_node)
					used[j] = 1;
			o->objects -= (int64_t)count0[o->old_node];
		}
		if (o->old_node != HS_GRAPH_NONE)
			o->retained[0] = hs_dom_retained(df->d[0], o->old_node);
		o->bytes = (int64_t)(o->retained[1] - o->retained[0]);
	}
	/* retainers that vanished: shrinkage, at the end of the sort */
	for (size_t j = 0; j < n0; j++) {
		hs_diff_owner *o;

		if (used[j])
			continue;
		o = &df->owners[df->nowners++];
		o->node = HS_GRAPH_NONE;
		o->old_node = t0[j].node;
		o->retained[0] = hs_dom_retained(df->d[0], t0[j].node);
		o->objects = -(int64_t)t0[j].objects;
		o->bytes = -(int64_t)o->retained[0];
		o->path.len = t0[j].path_len;
		o->path.ptr = (const char *)(uintptr_t)t0[j].path_off;
	}
	/* path offsets become pointers once the buffer stops moving */
	for (size_t i = 0; i < df->nowners; i++)
		df->owners[i].path.ptr = (const char *)df->paths.data +
					 (uintptr_t)df->owners[i].path.ptr;
	diff_sort_owners(df);
	rc = 0;
done:
	free(t0);
	free(t1);
	free(used);
	hs_big_free(count0);
	return rc;
}
