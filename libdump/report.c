/*
 * report.c - gathering a report (see hs_report.h): the analyses of the
 * other tools run once, and the top of each view kept as safe, bounded
 * text for the writers (report_html.c, report_md.c).  This file holds
 * the texts, types and objects the views share, the diff's view and the
 * order of the steps; report_tree.c, report_paths.c and report_objects.c
 * gather the others.
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
int hs_report__grow(void **p, size_t *cap, size_t need, size_t elem)
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
int hs_report__add_text(hs_report *r, uint32_t *out, const char *s, size_t n,
			size_t max)
{
	size_t off = r->pool.len;

	HS_RETURN_ERROR_IF(r->ntexts >= REP_NONE - 1 || off > UINT32_MAX / 2,
			   HS_ENOMEM, "report: too much text");
	HS_FORWARD_IF_ERROR(hs_report__grow((void **)&r->texts, &r->ctexts,
				 r->ntexts + 1, sizeof(*r->texts)));
	HS_FORWARD_IF_ERROR(hs_text_safe(&r->pool, s, n, max));
	r->texts[r->ntexts].off = (uint32_t)off;
	r->texts[r->ntexts].len = (uint32_t)(r->pool.len - off);
	*out = (uint32_t)r->ntexts++;
	return 0;
}

static int add_cstr(hs_report *r, uint32_t *out, const char *s)
{
	return hs_report__add_text(r, out, s, strlen(s), REP_NAME_MAX);
}

/* The report type of g's type t (named on first use). */
int hs_report__type(hs_report *r, uint32_t *out, uint32_t t)
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
	HS_FORWARD_IF_ERROR(hs_report__grow((void **)&r->tname, &r->ctypes,
				 r->ntypes + 1, sizeof(*r->tname)));
	name = hs_graph_type_name(r->g, t);
	HS_FORWARD_IF_ERROR(hs_report__add_text(r, &r->tname[r->ntypes],
						name.ptr, name.len,
						REP_NAME_MAX));
	r->tmap[t] = (uint32_t)r->ntypes;
	*out = (uint32_t)r->ntypes++;
	return 0;
}


/* ---- objects: node -> rep_obj ---------------------------------------- */

uint32_t hs_report__obj_find(const hs_report *r, uint32_t node)
{
	uint32_t i = hs_imap_get(&r->omap, node);

	return i == HS_IMAP_NONE ? REP_NONE : i;
}

/* The rep_obj of node, added on first use. */
int hs_report__obj_get(hs_report *r, uint32_t *out, uint32_t node)
{
	uint32_t i = hs_report__obj_find(r, node), t;
	rep_obj *o;

	if (i != REP_NONE) {
		*out = i;
		return 0;
	}
	HS_RETURN_ERROR_IF(r->nobjs >= REP_NONE - 1, HS_ENOMEM,
			   "report: too many objects");
	HS_FORWARD_IF_ERROR(hs_report__grow((void **)&r->objs, &r->cobjs,
					    r->nobjs + 1, sizeof(*r->objs)));
	HS_FORWARD_IF_ERROR(hs_report__type(r, &t, hs_graph_type(r->g, node)));
	o = &r->objs[r->nobjs];
	o->node = node;
	o->type = t;
	o->preview = o->path = o->tree = REP_NONE;
	HS_RETURN_ERROR_IF(hs_imap_put(&r->omap, node,
				       (uint32_t)r->nobjs) < 0, HS_ENOMEM,
			   "report: out of memory");
	*out = (uint32_t)r->nobjs++;
	return 0;
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

		HS_FORWARD_IF_ERROR(hs_report__add_text(r, &r->dtype[i],
							t->name.ptr,
							t->name.len,
							REP_NAME_MAX));
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
			HS_FORWARD_IF_ERROR(hs_report__obj_get(r, &ro->obj,
							       ow->node));
			ro->type = r->objs[ro->obj].type;
			HS_FORWARD_IF_ERROR(hs_report__tree_force(r, ow->node));
		} else {
			const char *what = ow->node == HS_GRAPH_SUPERROOT
					   ? "(roots)" : ow->old_node !=
					   HS_GRAPH_NONE ? "(gone)"
					   : "(unreachable)";

			if (ow->old_node != HS_GRAPH_NONE) {
				hs_str n = hs_graph_type_name(
					r->og, hs_graph_type(r->og, ow->old_node));

				/* the old snapshot's type: a text of its own */
				HS_FORWARD_IF_ERROR(hs_report__grow(
					(void **)&r->tname,
					&r->ctypes, r->ntypes + 1,
					sizeof(*r->tname)));
				HS_FORWARD_IF_ERROR(hs_report__add_text(r,
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
		HS_FORWARD_IF_ERROR(hs_report__add_text(r, &r->name[i], n,
							strlen(n),
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

		HS_FORWARD_IF_ERROR(hs_report__type(r, &t,
						    r->types.rows[i].key));
	}
	for (size_t i = 0; i < r->unreach.n && i < r->o.types; i++) {
		uint32_t t;

		HS_FORWARD_IF_ERROR(hs_report__type(r, &t,
						    r->unreach.rows[i].key));
	}

	step(r, "walking the dominator tree");
	r->tree_min = r->o.tree_min ? r->o.tree_min : 1;
	HS_FORWARD_IF_ERROR(hs_report__gather_tree(r));
	HS_FORWARD_IF_ERROR(hs_report__gather_retainers(r));
	if (r->og) {
		step(r, "comparing the snapshots");
		HS_FORWARD_IF_ERROR(hs_diff_new(&r->diff, r->og, r->od, r->g,
						r->d, NULL));
		HS_FORWARD_IF_ERROR(gather_diff(r));
	}

	step(r, "summing what the tree leaves out");
	HS_FORWARD_IF_ERROR(hs_report__gather_rests(r));

	step(r, "finding the biggest instances");
	HS_FORWARD_IF_ERROR(hs_report__gather_instances(r));

	step(r, "computing root paths");
	rc = hs_paths_new(&pt, r->g, NULL);
	for (size_t i = 0; rc == 0 && i < r->ntop; i++)
		rc = hs_report__obj_path(r, pt, r->top[i], 0, &txt, &lab);
	for (size_t i = 0; rc == 0 && i < r->nowners; i++)
		if (r->owners[i].obj != REP_NONE)
			rc = hs_report__obj_path(r, pt, r->owners[i].obj, 0,
						 &txt, &lab);
	for (size_t i = 0; rc == 0 && i < r->ninst; i++)
		rc = hs_report__obj_path(r, pt, r->inst[i], 1, &txt, &lab);
	for (size_t i = 1; rc == 0 && i < r->ntree && i <= r->o.node_paths; i++)
		rc = hs_report__obj_path(r, pt, r->tree[i].obj, 1, &txt, &lab);
	hs_paths_free(pt);
	hs_buf_release(&txt);
	hs_buf_release(&lab);
	HS_FORWARD_IF_ERROR(rc);

	step(r, "reading previews");
	HS_FORWARD_IF_ERROR(hs_report__gather_previews(r));

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
	hs_imap_release(&r->omap);
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
