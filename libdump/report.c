/*
 * report.c - gathering a report (see hs_report.h): the analyses of the
 * other tools run once, and the top of each view kept as safe, bounded
 * text for the writers (report_html.c, report_md.c).
 *
 * Load: the dominator tree's embedded part is its largest nodes
 * (hs_dom_top, with their dominators);
 * root paths come from one breadth-first search (hs_paths_new, 4 bytes
 * per object while the report is gathered); the biggest instances of the
 * largest types from one pass over the objects; previews from one
 * hs_graph_previews() pass.  What is kept is a few MB whatever the size
 * of the dump.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hs_paths.h"
#include "hs_text.h"
#include "report.h"
#include "vec.h"

#define DEF_TREE_NODES 20000u
#define DEF_TYPES 2000u
#define DEF_INSTANCE_TYPES 100u
#define DEF_INSTANCES 8u
#define DEF_NODE_PATHS 300u

/* hs_vec_grow() that sets the report's message */
static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	HS_RETURN_ERROR_IF(hs_vec_grow(p, cap, need, elem) < 0, HS_ENOMEM,
			   "report: out of memory");
	return 0;
}

static void step(const hs_report *r, const char *what)
{
	if (r->o.step)
		r->o.step(what, r->o.payload);
}

/* ---- texts and types ----------------------------------------------- */

/* A text of s made safe and cut to max bytes; *out its index. */
static int add_text(hs_report *r, uint32_t *out, const char *s, size_t n,
		    size_t max)
{
	size_t off = r->pool.len;

	HS_RETURN_ERROR_IF(r->ntexts >= REP_NONE - 1 || off > UINT32_MAX / 2,
			   HS_ENOMEM, "report: too much text");
	HS_FORWARD_IF_ERROR(grow((void **)&r->texts, &r->ctexts,
				 r->ntexts + 1, sizeof(*r->texts)));
	HS_FORWARD_IF_ERROR(hs_text_safe(&r->pool, s, n, max));
	r->texts[r->ntexts].off = (uint32_t)off;
	r->texts[r->ntexts].len = (uint32_t)(r->pool.len - off);
	*out = (uint32_t)r->ntexts++;
	return 0;
}

static int add_cstr(hs_report *r, uint32_t *out, const char *s)
{
	return add_text(r, out, s, strlen(s), REP_NAME_MAX);
}

/* The report type of g's type t (named on first use). */
static int rep_type(hs_report *r, uint32_t *out, uint32_t t)
{
	hs_str name;

	if (t >= hs_graph_type_count(r->g)) {
		*out = REP_NONE;
		return 0;
	}
	/* types that share a name are one, as in the type table */
	t = hs_graph_type_first(r->g, t);
	if (r->tmap[t] != REP_NONE) {
		*out = r->tmap[t];
		return 0;
	}
	HS_FORWARD_IF_ERROR(grow((void **)&r->tname, &r->ctypes,
				 r->ntypes + 1, sizeof(*r->tname)));
	name = hs_graph_type_name(r->g, t);
	HS_FORWARD_IF_ERROR(add_text(r, &r->tname[r->ntypes], name.ptr,
				     name.len, REP_NAME_MAX));
	r->tmap[t] = (uint32_t)r->ntypes;
	*out = (uint32_t)r->ntypes++;
	return 0;
}

/* ---- objects: node -> rep_obj ---------------------------------------- */

static size_t hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static int omap_grow(hs_report *r)
{
	size_t cap = r->omap ? (r->omask + 1) * 2 : 1024;
	uint32_t *m = calloc(cap, sizeof(*m));

	HS_RETURN_ERROR_IF(!m, HS_ENOMEM, "report: out of memory");
	for (size_t i = 0; i < r->nobjs; i++) {
		size_t h = hash32(r->objs[i].node) & (cap - 1);

		while (m[h])
			h = (h + 1) & (cap - 1);
		m[h] = (uint32_t)i + 1;
	}
	free(r->omap);
	r->omap = m;
	r->omask = cap - 1;
	return 0;
}

static uint32_t obj_find(const hs_report *r, uint32_t node)
{
	size_t h;

	if (!r->omap)
		return REP_NONE;
	for (h = hash32(node) & r->omask; r->omap[h];
	     h = (h + 1) & r->omask)
		if (r->objs[r->omap[h] - 1].node == node)
			return r->omap[h] - 1;
	return REP_NONE;
}

/* The rep_obj of node, added on first use. */
static int obj_get(hs_report *r, uint32_t *out, uint32_t node)
{
	uint32_t i = obj_find(r, node), t;
	rep_obj *o;
	size_t h;

	if (i != REP_NONE) {
		*out = i;
		return 0;
	}
	HS_RETURN_ERROR_IF(r->nobjs >= REP_NONE - 1, HS_ENOMEM,
			   "report: too many objects");
	if (!r->omap || (r->nobjs + 1) * 2 > r->omask + 1)
		HS_FORWARD_IF_ERROR(omap_grow(r));
	HS_FORWARD_IF_ERROR(grow((void **)&r->objs, &r->cobjs, r->nobjs + 1,
				 sizeof(*r->objs)));
	HS_FORWARD_IF_ERROR(rep_type(r, &t, hs_graph_type(r->g, node)));
	o = &r->objs[r->nobjs];
	o->node = node;
	o->type = t;
	o->preview = o->path = o->tree = REP_NONE;
	for (h = hash32(node) & r->omask; r->omap[h]; h = (h + 1) & r->omask)
		;
	r->omap[h] = (uint32_t)r->nobjs + 1;
	*out = (uint32_t)r->nobjs++;
	return 0;
}

/* ---- the dominator tree, largest first ------------------------------ */

static int tree_add(hs_report *r, uint32_t node, uint32_t parent)
{
	rep_node *t;
	hs_nodes kids;
	uint32_t o = REP_NONE;

	HS_FORWARD_IF_ERROR(grow((void **)&r->tree, &r->ctree, r->ntree + 1,
				 sizeof(*r->tree)));
	HS_FORWARD_IF_ERROR(hs_dom_children(&kids, r->d, node));
	if (node != HS_GRAPH_SUPERROOT) {
		HS_FORWARD_IF_ERROR(obj_get(r, &o, node));
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
static int tree_force(hs_report *r, uint32_t node)
{
	uint32_t chain[64], up;
	size_t n = 0;
	uint32_t o;

	if (!hs_dom_reachable(r->d, node))
		return 0;
	for (up = node; up != HS_GRAPH_SUPERROOT; up = hs_dom_idom(r->d, up)) {
		o = obj_find(r, up);
		if (o != REP_NONE && r->objs[o].tree != REP_NONE)
			break;
		if (n == 64)
			return 0;  /* too deep below the embedded tree: skip */
		chain[n++] = up;
	}
	o = up == HS_GRAPH_SUPERROOT ? 0 : r->objs[obj_find(r, up)].tree;
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
static int gather_tree(hs_report *r)
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
		rc = tree_force(r, top[i]);
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

static int gather_rests(hs_report *r)
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
			uint32_t c = kids.node[k], o = obj_find(r, c);
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
		rc = grow((void **)&r->rests, &r->crests, r->nrests + keep,
			  sizeof(*r->rests));
		for (size_t k = 0; rc == 0 && k < keep; k++) {
			rep_rest *e = &r->rests[r->nrests + k];

			*e = tmp[k];
			if (e->type != REP_NONE)
				rc = rep_type(r, &e->type, e->type);
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

static int gather_retainers(hs_report *r)
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
		HS_FORWARD_IF_ERROR(obj_get(r, &r->top[r->ntop], top[i]));
		r->ntop++;
	}
	return 0;
}

/* ---- root paths ------------------------------------------------------ */

/* 1 when a label may be shown in a redacted report: an identifier, an
 * index "[3]", a pseudo-label "<key>", or a quoted identifier ('name',
 * as namespaces' keys are labelled). */
static int label_public(hs_str l)
{
	const char *s = l.ptr;
	size_t n = l.len, i = 0, end = n;

	if (!s || !n)
		return 1;
	if ((s[0] == '[' && s[n - 1] == ']') || (s[0] == '<' && s[n - 1] == '>')) {
		for (i = 1; i + 1 < n; i++)
			if (!(s[i] >= '0' && s[i] <= '9') && s[0] == '[')
				return 0;
		return s[0] == '[' || n < 32;
	}
	if (n >= 3 && (s[0] == '\'' || s[0] == '"') && s[n - 1] == s[0]) {
		i = 1;
		end = n - 1;
	}
	if (i >= end || (s[i] >= '0' && s[i] <= '9'))
		return 0;
	for (; i < end; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* The memo of step texts: open addressing, key + 1 (0 = empty). */
static uint32_t *memo_slot(const hs_report *r, uint64_t key)
{
	size_t h = hash32((uint32_t)(key ^ key >> 32)) & r->memo_mask;

	while (r->memo_key[h] && r->memo_key[h] != key + 1)
		h = (h + 1) & r->memo_mask;
	return &r->memo_text[h];
}

static int memo_put(hs_report *r, uint64_t key, uint32_t text)
{
	if (!r->memo_key || (r->nmemo + 1) * 2 > r->memo_mask + 1) {
		size_t cap = r->memo_key ? (r->memo_mask + 1) * 2 : 4096;
		uint64_t *ok = r->memo_key;
		uint32_t *ot = r->memo_text;
		size_t omask = r->memo_mask;

		r->memo_key = calloc(cap, sizeof(*r->memo_key));
		r->memo_text = malloc(cap * sizeof(*r->memo_text));
		if (!r->memo_key || !r->memo_text) {
			free(r->memo_key);
			free(r->memo_text);
			r->memo_key = ok;
			r->memo_text = ot;
			return hs_error_set(HS_ENOMEM, "report: out of memory");
		}
		r->memo_mask = cap - 1;
		for (size_t i = 0; ok && i <= omask; i++)
			if (ok[i]) {
				uint32_t *slot = memo_slot(r, ok[i] - 1);

				*slot = ot[i];
				r->memo_key[slot - r->memo_text] = ok[i];
			}
		free(ok);
		free(ot);
	}
	{
		uint32_t *slot = memo_slot(r, key);

		*slot = text;
		r->memo_key[slot - r->memo_text] = key + 1;
		r->nmemo++;
	}
	return 0;
}

static int add_step(hs_report *r, const hs_path *p, size_t i, hs_buf *txt,
		    hs_buf *lab)
{
	hs_str label = { NULL, 0 };
	rep_step *s;
	uint32_t t, text;
	/* the text of a step is the reference's (from nodes[i-1], edge
	 * edges[i-1]); of element 0, the root record's */
	uint64_t key = i ? (uint64_t)p->nodes[i - 1] << 32 | p->edges[i - 1]
			 : (uint64_t)UINT32_MAX << 32 | p->root;

	if (r->memo_key && r->memo_key[memo_slot(r, key) - r->memo_text]) {
		text = *memo_slot(r, key);
	} else {
		txt->len = 0;
		if (i > 0) {
			HS_FORWARD_IF_ERROR(hs_path_label(&label, lab, r->g, p,
							  i - 1));
			if (r->o.redact && !label_public(label)) {
				label.ptr = "[...]";
				label.len = 5;
			}
		}
		HS_FORWARD_IF_ERROR(hs_path_format_label(txt, r->g, p, i, label));
		HS_FORWARD_IF_ERROR(add_text(r, &text, (const char *)txt->data,
					     txt->len, REP_STEP_MAX));
		HS_FORWARD_IF_ERROR(memo_put(r, key, text));
	}
	HS_FORWARD_IF_ERROR(grow((void **)&r->steps, &r->csteps,
				 r->nsteps + 1, sizeof(*r->steps)));
	HS_FORWARD_IF_ERROR(rep_type(r, &t, hs_graph_type(r->g, p->nodes[i])));
	s = &r->steps[r->nsteps];
	s->text = text;
	s->type = t;
	s->id = hs_graph_id(r->g, p->nodes[i]);
	r->nsteps++;
	return 0;
}

/* Give object o its shortest root path (when a root reaches it); an
 * optional one only while the text is within REP_TEXT_BUDGET. */
static int obj_path(hs_report *r, const hs_paths *t, uint32_t o,
		    int optional, hs_buf *txt, hs_buf *lab)
{
	hs_pathset *set = NULL;
	const hs_path *p;
	rep_path *rp;
	const hs_root *root;
	hs_str kind;
	int rc;

	if (r->objs[o].path != REP_NONE ||
	    (optional && r->pool.len > REP_TEXT_BUDGET))
		return 0;
	rc = hs_paths_shortest(&set, t, r->objs[o].node);
	if (rc < 0 || hs_pathset_count(set) == 0) {
		hs_pathset_free(set);
		return rc < 0 ? rc : 0;
	}
	p = hs_pathset_get(set, 0);
	rc = grow((void **)&r->paths, &r->cpaths, r->npaths + 1,
		  sizeof(*r->paths));
	if (rc < 0)
		goto done;
	rp = &r->paths[r->npaths];
	rp->first = (uint32_t)r->nsteps;
	rp->left_out = 0;
	root = hs_graph_root(r->g, p->root);
	kind = hs_graph_root_kind(r->g, root->kind);
	rc = add_text(r, &rp->root_kind, kind.ptr, kind.len, 64);
	for (size_t i = 0; rc == 0 && i < p->len; i++) {
		/* a long path keeps its first and last steps */
		if (p->len > REP_PATH_STEPS_MAX && i == REP_PATH_STEPS_MAX / 2) {
			size_t skip = p->len - REP_PATH_STEPS_MAX;

			r->paths[r->npaths].left_out = skip;
			i += skip - 1;
			continue;
		}
		rc = add_step(r, p, i, txt, lab);
	}
	if (rc == 0) {
		rp = &r->paths[r->npaths];
		rp->n = (uint32_t)(r->nsteps - rp->first);
		r->objs[o].path = (uint32_t)r->npaths++;
	}
done:
	hs_pathset_free(set);
	return rc;
}

/* ---- the biggest instances of the largest types ---------------------- */

/* Min-heap order (the smallest kept instance on top): smaller retained
 * first, then higher node. */
static int inst_below(const hs_dom *d, uint32_t a, uint32_t b)
{
	uint64_t ra = hs_dom_retained(d, a), rb = hs_dom_retained(d, b);

	return ra != rb ? ra < rb : a > b;
}

static void inst_sift(const hs_dom *d, uint32_t *h, size_t n, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1;
		uint32_t x;

		if (c >= n)
			return;
		if (c + 1 < n && inst_below(d, h[c + 1], h[c]))
			c++;
		if (!inst_below(d, h[c], h[i]))
			return;
		x = h[c];
		h[c] = h[i];
		h[i] = x;
		i = c;
	}
}

static int gather_instances(hs_report *r)
{
	size_t k = r->o.instances, nt = r->o.instance_types, nslot;
	uint32_t *slot = NULL, *heap = NULL, ntype = hs_graph_type_count(r->g);
	size_t *fill = NULL;
	int rc = 0;

	if (nt > r->types.n)
		nt = r->types.n;
	if (!nt || !k)
		return 0;
	nslot = nt;
	slot = malloc((ntype ? ntype : 1) * sizeof(*slot));
	heap = malloc(nslot * k * sizeof(*heap));
	fill = calloc(nslot, sizeof(*fill));
	r->itypes = calloc(nslot, sizeof(*r->itypes));
	if (!slot || !heap || !fill || !r->itypes) {
		rc = hs_error_set(HS_ENOMEM, "report: out of memory");
		goto done;
	}
	memset(slot, 0xff, (ntype ? ntype : 1) * sizeof(*slot));
	for (size_t i = 0; i < nt; i++)
		if (r->types.rows[i].key < ntype)
			slot[r->types.rows[i].key] = (uint32_t)i;
	for (uint32_t v = 0, n = hs_graph_count(r->g); v < n; v++) {
		uint32_t t = hs_graph_type(r->g, v), s;
		uint32_t *h;

		if (t >= ntype)
			continue;
		t = hs_graph_type_first(r->g, t);  /* the row's key */
		if ((s = slot[t]) == REP_NONE ||
		    !hs_dom_reachable(r->d, v))
			continue;
		h = heap + (size_t)s * k;
		if (fill[s] < k) {
			/* sift up */
			size_t i = fill[s]++;

			h[i] = v;
			while (i && inst_below(r->d, h[i], h[(i - 1) / 2])) {
				uint32_t x = h[i];

				h[i] = h[(i - 1) / 2];
				h[(i - 1) / 2] = x;
				i = (i - 1) / 2;
			}
		} else if (inst_below(r->d, h[0], v)) {
			h[0] = v;
			inst_sift(r->d, h, k, 0);
		}
	}
	r->inst = malloc(nslot * k * sizeof(*r->inst));
	if (!r->inst) {
		rc = hs_error_set(HS_ENOMEM, "report: out of memory");
		goto done;
	}
	for (size_t s = 0; s < nslot; s++) {
		uint32_t *h = heap + s * k;
		size_t m = fill[s];
		rep_insts *it = &r->itypes[r->nitypes];

		rc = rep_type(r, &it->type, r->types.rows[s].key);
		if (rc < 0)
			goto done;
		it->first = (uint32_t)r->ninst;
		it->n = (uint32_t)m;
		/* pop the smallest into the back: the biggest ends in front */
		for (; m > 0; m--) {
			uint32_t o;

			rc = obj_get(r, &o, h[0]);
			if (rc < 0)
				goto done;
			r->inst[it->first + m - 1] = o;
			h[0] = h[m - 1];
			inst_sift(r->d, h, m - 1, 0);
		}
		r->ninst += it->n;
		r->nitypes++;
	}
done:
	free(slot);
	free(heap);
	free(fill);
	return rc;
}

/* ---- previews ---------------------------------------------------------- */

static int preview_text(hs_report *r, uint32_t *out, const hs_value *v)
{
	hs_buf b = HS_BUF_INIT;
	int rc = 0;

	switch (v->kind) {
	case HS_VALUE_NONE:
		*out = REP_NONE;
		return 0;
	case HS_VALUE_INT:
		rc = hs_text_appendf(&b, "%lld", (long long)v->v.i);
		break;
	case HS_VALUE_UINT:
		rc = hs_text_appendf(&b, "%llu", (unsigned long long)v->v.u);
		break;
	case HS_VALUE_FLOAT:
		rc = hs_text_appendf(&b, "%.17g", v->v.f);
		break;
	case HS_VALUE_BOOL:
		rc = hs_text_appendf(&b, "%s", v->v.i ? "True" : "False");
		break;
	case HS_VALUE_STR:
	case HS_VALUE_BYTES:
		/* a quoted, escaped copy, cut as the dump's previews are */
		rc = hs_buf_append(&b, v->kind == HS_VALUE_BYTES ? "b'" : "'",
				   v->kind == HS_VALUE_BYTES ? 2 : 1);
		if (rc == 0 && v->kind == HS_VALUE_STR)
			rc = hs_text_safe(&b, v->v.s.ptr, v->v.s.len,
					  REP_PREVIEW_MAX);
		for (size_t i = 0; rc == 0 && v->kind == HS_VALUE_BYTES &&
		     i < v->v.s.len && b.len < REP_PREVIEW_MAX; i++) {
			unsigned char c = (unsigned char)v->v.s.ptr[i];

			rc = c >= 0x20 && c < 0x7f && c != '\\' && c != '\''
			     ? hs_buf_append(&b, &c, 1)
			     : hs_text_appendf(&b, "\\x%02x", c);
		}
		if (rc == 0)
			rc = hs_buf_append(&b, "'", 1);
		break;
	}
	if (rc == 0)
		rc = add_text(r, out, (const char *)b.data, b.len,
			      REP_PREVIEW_MAX + 16);
	hs_buf_release(&b);
	return rc;
}

static int pv_cb(uint32_t node, const hs_value *v, void *payload)
{
	hs_report *r = payload;
	uint32_t o = obj_find(r, node);

	return o == REP_NONE ? 0 : preview_text(r, &r->objs[o].preview, v);
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int gather_previews(hs_report *r)
{
	uint32_t *nodes;
	int rc;

	if (r->o.redact || !r->nobjs)
		return 0;
	nodes = malloc(r->nobjs * sizeof(*nodes));
	HS_RETURN_ERROR_IF(!nodes, HS_ENOMEM, "report: out of memory");
	for (size_t i = 0; i < r->nobjs; i++)
		nodes[i] = r->objs[i].node;
	qsort(nodes, r->nobjs, sizeof(*nodes), u32_cmp);
	rc = hs_graph_previews(r->g, nodes, r->nobjs, pv_cb, r);
	free(nodes);
	return rc;
}

/* ---- the diff ---------------------------------------------------------- */

static int gather_diff(hs_report *r)
{
	size_t nt = hs_diff_type_count(r->diff), no;

	if (nt > r->o.types)
		nt = r->o.types;
	r->dtype = malloc((nt ? nt : 1) * sizeof(*r->dtype));
	HS_RETURN_ERROR_IF(!r->dtype, HS_ENOMEM, "report: out of memory");
	for (size_t i = 0; i < nt; i++) {
		const hs_diff_type *t = hs_diff_type_get(r->diff, i);

		HS_FORWARD_IF_ERROR(add_text(r, &r->dtype[i], t->name.ptr,
					     t->name.len, REP_NAME_MAX));
		r->ndtypes++;
	}
	no = hs_diff_owner_count(r->diff);
	if (no > REP_OWNERS_MAX)
		no = REP_OWNERS_MAX;
	r->owners = calloc(no ? no : 1, sizeof(*r->owners));
	HS_RETURN_ERROR_IF(!r->owners, HS_ENOMEM, "report: out of memory");
	for (size_t i = 0; i < no; i++) {
		const hs_diff_owner *ow = hs_diff_owner_get(r->diff, i);
		rep_owner *ro = &r->owners[r->nowners];

		ro->i = i;
		ro->obj = ro->type = ro->text = REP_NONE;
		if (ow->node < HS_GRAPH_NONE) {
			HS_FORWARD_IF_ERROR(obj_get(r, &ro->obj, ow->node));
			ro->type = r->objs[ro->obj].type;
			HS_FORWARD_IF_ERROR(tree_force(r, ow->node));
		} else {
			const char *what = ow->node == HS_GRAPH_SUPERROOT
					   ? "(roots)" : ow->old_node !=
					   HS_GRAPH_NONE ? "(gone)"
					   : "(unreachable)";

			if (ow->old_node != HS_GRAPH_NONE) {
				hs_str n = hs_graph_type_name(
					r->og, hs_graph_type(r->og, ow->old_node));

				/* the old snapshot's type: a text of its own */
				HS_FORWARD_IF_ERROR(grow((void **)&r->tname,
					&r->ctypes, r->ntypes + 1,
					sizeof(*r->tname)));
				HS_FORWARD_IF_ERROR(add_text(r,
					&r->tname[r->ntypes], n.ptr, n.len,
					REP_NAME_MAX));
				ro->type = (uint32_t)r->ntypes++;
			}
			HS_FORWARD_IF_ERROR(add_cstr(r, &ro->text, what));
		}
		r->nowners++;
	}
	return 0;
}

/* ---- the report -------------------------------------------------------- */

static int only_reachable(uint32_t node, const void *payload)
{
	return hs_dom_reachable(payload, node);
}

static const char *base_name(const char *p, int redact)
{
	const char *s = redact ? strrchr(p, '/') : NULL;

	return s && s[1] ? s + 1 : p;
}

static int gather(hs_report *r, const char *const names[2])
{
	hs_paths *pt = NULL;
	hs_buf txt = HS_BUF_INIT, lab = HS_BUF_INIT;
	uint32_t ntype = hs_graph_type_count(r->g);
	int rc;

	for (int i = 0; i < (r->og ? 2 : 1); i++) {
		hs_graph *g = i ? r->og : r->g;
		const char *n = names && names[i] ? names[i] : hs_graph_path(g);

		n = base_name(n, r->o.redact);
		HS_FORWARD_IF_ERROR(add_text(r, &r->name[i], n, strlen(n),
					     REP_NAME_MAX));
	}
	r->tmap = malloc((ntype ? ntype : 1) * sizeof(*r->tmap));
	HS_RETURN_ERROR_IF(!r->tmap, HS_ENOMEM, "report: out of memory");
	memset(r->tmap, 0xff, (ntype ? ntype : 1) * sizeof(*r->tmap));

	step(r, "summarising types");
	HS_FORWARD_IF_ERROR(hs_typesum(&r->types, r->g, r->d,
				       HS_TYPES_REACHABLE));
	hs_type_table_sort(&r->types, HS_SORT_RETAINED);
	HS_FORWARD_IF_ERROR(hs_typesum(&r->unreach, r->g, r->d,
				       HS_TYPES_UNREACHABLE));
	hs_type_table_sort(&r->unreach, HS_SORT_SHALLOW);
	for (size_t i = 0; i < r->types.n && i < r->o.types; i++) {
		uint32_t t;

		HS_FORWARD_IF_ERROR(rep_type(r, &t, r->types.rows[i].key));
	}
	for (size_t i = 0; i < r->unreach.n && i < r->o.types; i++) {
		uint32_t t;

		HS_FORWARD_IF_ERROR(rep_type(r, &t, r->unreach.rows[i].key));
	}

	step(r, "walking the dominator tree");
	r->tree_min = r->o.tree_min ? r->o.tree_min : 1;
	HS_FORWARD_IF_ERROR(gather_tree(r));
	HS_FORWARD_IF_ERROR(gather_retainers(r));
	if (r->og) {
		step(r, "comparing the snapshots");
		HS_FORWARD_IF_ERROR(hs_diff_new(&r->diff, r->og, r->od, r->g,
						r->d, NULL));
		HS_FORWARD_IF_ERROR(gather_diff(r));
	}

	step(r, "summing what the tree leaves out");
	HS_FORWARD_IF_ERROR(gather_rests(r));

	step(r, "finding the biggest instances");
	HS_FORWARD_IF_ERROR(gather_instances(r));

	step(r, "computing root paths");
	rc = hs_paths_new(&pt, r->g, NULL);
	for (size_t i = 0; rc == 0 && i < r->ntop; i++)
		rc = obj_path(r, pt, r->top[i], 0, &txt, &lab);
	for (size_t i = 0; rc == 0 && i < r->nowners; i++)
		if (r->owners[i].obj != REP_NONE)
			rc = obj_path(r, pt, r->owners[i].obj, 0, &txt, &lab);
	for (size_t i = 0; rc == 0 && i < r->ninst; i++)
		rc = obj_path(r, pt, r->inst[i], 1, &txt, &lab);
	for (size_t i = 1; rc == 0 && i < r->ntree && i <= r->o.node_paths; i++)
		rc = obj_path(r, pt, r->tree[i].obj, 1, &txt, &lab);
	hs_paths_free(pt);
	hs_buf_release(&txt);
	hs_buf_release(&lab);
	HS_FORWARD_IF_ERROR(rc);

	step(r, "reading previews");
	HS_FORWARD_IF_ERROR(gather_previews(r));

	step(r, "grouping by allocation site");
	HS_FORWARD_IF_ERROR(hs_sites_group(&r->sites, r->g, 1, only_reachable,
					   r->d));
	if (hs_sites_recorded(r->sites) == 0) {
		hs_sites_free(r->sites);
		r->sites = NULL;
	}
	return 0;
}

int hs_report_new(hs_report **out, hs_graph *g, hs_dom *d, hs_graph *old_g,
		  hs_dom *old_d, const char *const names[2],
		  const hs_report_options *opts)
{
	hs_report_options def = HS_REPORT_OPTIONS_INIT;
	hs_report *r;
	int rc;

	*out = NULL;
	if (!opts)
		opts = &def;
	HS_RETURN_ERROR_IF(opts->version != HS_REPORT_OPTIONS_VERSION,
			   HS_EINVAL, "report: options version %u, expected %u",
			   opts->version, HS_REPORT_OPTIONS_VERSION);
	HS_RETURN_ERROR_IF(!g || !d || (old_g && !old_d), HS_EINVAL,
			   "report: a graph without its dominator tree");
	r = calloc(1, sizeof(*r));
	HS_RETURN_ERROR_IF(!r, HS_ENOMEM, "report: out of memory");
	r->o = *opts;
	if (!r->o.tree_nodes)
		r->o.tree_nodes = DEF_TREE_NODES;
	if (!r->o.types)
		r->o.types = DEF_TYPES;
	if (!r->o.instance_types)
		r->o.instance_types = DEF_INSTANCE_TYPES;
	if (!r->o.instances)
		r->o.instances = DEF_INSTANCES;
	if (!r->o.node_paths)
		r->o.node_paths = DEF_NODE_PATHS;
	r->g = g;
	r->d = d;
	r->og = old_g;
	r->od = old_d;
	rc = gather(r, names);
	if (rc < 0) {
		hs_report_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void hs_report_free(hs_report *r)
{
	if (!r)
		return;
	hs_buf_release(&r->pool);
	free(r->texts);
	free(r->tmap);
	free(r->tname);
	free(r->objs);
	free(r->omap);
	hs_type_table_release(&r->types);
	hs_type_table_release(&r->unreach);
	free(r->tree);
	free(r->rests);
	free(r->top);
	free(r->itypes);
	free(r->inst);
	free(r->paths);
	free(r->steps);
	free(r->memo_key);
	free(r->memo_text);
	hs_sites_free(r->sites);
	hs_diff_free(r->diff);
	free(r->dtype);
	free(r->owners);
	free(r);
}
