/*
 * dumpdom.c - `dumpdom FILE`: the biggest retainers.  The objects of
 * largest retained size (what freeing each would free) with type,
 * shallow and retained sizes, share of the reachable heap and a value
 * preview; --depth D prints the dominator subtree under each, --id starts
 * from one object.
 *
 * Load: the graph and its dominator tree; then hs_dom_top() for the list,
 * the children of the expanded nodes, and one hs_graph_previews() pass
 * that reads each frame holding a listed object once.
 *
 * Exit status: 0 printed; 2 bad usage, no such object, or a file that
 * cannot be read (the message names the file, the offset, the problem).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_types.h"
#include "tool_graph.h"
#include "tool_json.h"
#include "tool_opts.h"

#define SCHEMA "heapsnap.dumpdom/1"
#define LINES_MAX 1000000u   /* tree lines printed at most */
#define PREVIEW_MAX 40       /* bytes of a preview shown */
#define TYPE_MAX_SHOWN 48

static const char usage[] =
	"usage: dumpdom [options] FILE\n"
	"\n"
	"The objects that retain the most memory (their retained size: what\n"
	"would be freed with them, from the dominator tree), largest first.\n"
	"\n"
	"  --top N            the N biggest (default 20); 0 = every reachable\n"
	"                     object\n"
	"  --depth D          under each, the dominator subtree D levels deep\n"
	"                     (default 0; 1 with --id)\n"
	"  --children K       children shown per object in the tree, largest\n"
	"                     first (default 10; 0 = all)\n"
	"  --id ID            start from the object with this id (decimal or\n"
	"                     0x hex) instead of the biggest\n"
	"  --min-retained S   leave out objects retaining less than S bytes\n"
	"                     (K, M, G suffixes: 1.5M)\n"
	"  --split-classes    tell apart types that share a name (a class made\n"
	"                     per call): NAME@0xID (its class object) or\n"
	"                     NAME#INDEX; the unreachable summary gets a row\n"
	"                     per class, not per name\n"
	"  --json             JSON (schema \"" SCHEMA "\", dumpdom(1))\n"
	"  --threads N        decoding threads (default: one per core)\n"
	TOOL_SIZES_HELP
	TOOL_MAX_RATIO_HELP
	"  -h, --help         this text\n"
	"\n"
	"Weak references retain nothing; objects no root reaches through\n"
	"strong references are reported apart as unreachable.\n"
	"\n"
	"Exit status: 0 ok; 2 bad usage, no such object, or a file that\n"
	"cannot be read.\n";

typedef struct {
	tool_common c;         /* --json, --split-classes, --threads, FILE */
	size_t top, children;
	uint32_t depth;
	int has_depth, has_id;
	uint64_t id, min_retained;
} options;

/* Node -> preview text, sorted by node. */
typedef struct {
	uint32_t node;
	uint32_t off;
} pv_entry;

typedef struct {
	pv_entry *e;           /* room for every line's node */
	size_t n;
	hs_buf pool;
} previews;

/* ---- previews --------------------------------------------------------- */

static int pv_add(uint32_t node, const hs_value *v, void *payload)
{
	previews *p = payload;
	char buf[PREVIEW_MAX * 4 + 16];
	size_t len, off = p->pool.len;

	if (v->kind == HS_VALUE_NONE)
		return 0;
	tool_preview(v, buf, sizeof(buf), PREVIEW_MAX);
	len = strlen(buf);
	if (off > UINT32_MAX - len - 1 ||
	    hs_buf_append(&p->pool, buf, len + 1) < 0)
		return HS_ENOMEM;
	p->e[p->n].node = node;
	p->e[p->n].off = (uint32_t)off;
	p->n++;
	return 0;
}

static const char *pv_find(const previews *p, uint32_t node)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->e[mid].node < node)
			lo = mid + 1;
		else if (p->e[mid].node > node)
			hi = mid;
		else
			return (const char *)p->pool.data + p->e[mid].off;
	}
	return NULL;
}

/* ---- output ----------------------------------------------------------- */

static double pct(uint64_t v, uint64_t total)
{
	return total ? 100.0 * (double)v / (double)total : 0.0;
}

static void print_type(const hs_graph *g, uint32_t node, int split)
{
	tool_print_type(stdout, g, hs_graph_type(g, node), split, 0,
			TYPE_MAX_SHOWN);
}

static int indent(uint32_t depth)
{
	return (int)(2 * (depth < 40 ? depth : 40));
}

static void print_more(const hs_dom_line *l, uint64_t heap)
{
	char b[3][32];

	if (!l->more)
		return;
	printf("%11s %6.2f%% %11s  %-18s  %*s... %s more %s\n",
	       tool_human(l->more_retained, b[0], sizeof(b[0])),
	       pct(l->more_retained, heap), "", "", indent(l->depth + 1), "",
	       tool_commas(l->more, b[1], sizeof(b[1])),
	       l->more == 1 ? "object" : "objects");
}

static void print_human(const hs_dom_lines *L, const previews *pv, hs_graph *g,
			hs_dom *d, const options *o, size_t listed,
			const hs_type_table *ut)
{
	const hs_dom_stats *ds = hs_dom_stats_get(d);
	uint64_t heap = ds->reachable_size;
	char b[4][32];
	size_t *open = L->n ? malloc(L->n * sizeof(*open)) : NULL, sp = 0;

	tool_header(stdout, g, d);
	printf("reachable: %s objects, %s; dominator tree %s deep\n",
	       tool_commas(ds->reachable, b[0], sizeof(b[0])),
	       tool_human(heap, b[1], sizeof(b[1])),
	       tool_commas(ds->max_depth, b[2], sizeof(b[2])));
	if (o->has_id) {
		uint32_t v = L->n ? L->v[0].node : HS_GRAPH_NONE;
		uint32_t up = hs_dom_idom(d, v);
		size_t k = 0;

		printf("dominated by:");
		for (; up != HS_GRAPH_SUPERROOT && up != HS_GRAPH_NONE && k < 8;
		     up = hs_dom_idom(d, up), k++) {
			printf(" %s0x%" PRIx64 " (", k ? "<- " : "",
			       hs_graph_id(g, up));
			print_type(g, up, o->c.split);
			putchar(')');
		}
		printf("%s\n", up == HS_GRAPH_SUPERROOT ? k ? " <- roots"
								: " the roots only"
			       : " <- ...");
	}
	printf("%11s %7s %11s  %-18s  %s\n", "RETAINED", "%", "SHALLOW", "ID",
	       "TYPE  PREVIEW");
	for (size_t i = 0; i <= L->n; i++) {
		const hs_dom_line *l = i < L->n ? &L->v[i] : NULL;
		uint64_t r;
		const char *p;
		char id[32];

		/* the objects left out under the nodes this line closes */
		while (sp && (!l || L->v[open[sp - 1]].depth >= l->depth))
			print_more(&L->v[open[--sp]], heap);
		if (!l)
			break;
		r = hs_dom_retained(d, l->node);
		p = pv_find(pv, l->node);
		snprintf(id, sizeof(id), "0x%" PRIx64, hs_graph_id(g, l->node));
		printf("%11s %6.2f%% %11s  %-18s  %*s",
		       tool_human(r, b[0], sizeof(b[0])), pct(r, heap),
		       tool_human(hs_graph_size(g, l->node), b[1], sizeof(b[1])),
		       id, indent(l->depth), "");
		print_type(g, l->node, o->c.split);
		if (p)
			printf("  %s", p);
		putchar('\n');
		if (open)
			open[sp++] = i;
	}
	free(open);
	if (L->cut)
		printf("(output cut at %u lines: narrow it with --top, --depth, "
		       "--children or --min-retained)\n", LINES_MAX);
	if (!o->has_id)
		printf("%zu of %s reachable objects listed\n", listed,
		       tool_commas(ds->reachable, b[0], sizeof(b[0])));
	printf("unreachable: %s objects, %s",
	       tool_commas(ds->unreachable, b[0], sizeof(b[0])),
	       tool_human(ds->unreachable_size, b[1], sizeof(b[1])));
	for (size_t i = 0; i < ut->n && i < 5; i++) {
		printf("%s", i ? ", " : "; by type: ");
		tool_print_type(stdout, g, ut->rows[i].key, o->c.split,
				ut->rows[i].classes, TYPE_MAX_SHOWN);
		printf(" %s (%s)",
		       tool_commas(ut->rows[i].count, b[0], sizeof(b[0])),
		       tool_human(ut->rows[i].shallow, b[1], sizeof(b[1])));
	}
	if (ut->n > 5)
		printf(", ...");
	putchar('\n');
}

static void json_object_open(tool_json *j, const hs_dom_line *l,
			     const previews *pv, hs_graph *g, hs_dom *d,
			     uint64_t heap, int split)
{
	hs_str t = hs_graph_type_name(g, hs_graph_type(g, l->node));
	uint32_t up = hs_dom_idom(d, l->node);
	uint64_t r = hs_dom_retained(d, l->node);

	tj_object(j, NULL);
	tj_u64(j, "id", hs_graph_id(g, l->node));
	tj_str(j, "type", t.ptr, t.len);
	tool_json_class(j, g, hs_graph_type(g, l->node), split);
	tj_u64(j, "shallow", hs_graph_size(g, l->node));
	tj_u64(j, "retained", r);
	tj_fixed(j, "percent", pct(r, heap), 4);
	tj_u64_if(j, "idom", up != HS_GRAPH_SUPERROOT,
		  up != HS_GRAPH_SUPERROOT ? hs_graph_id(g, up) : 0);
	tj_cstr(j, "preview", pv_find(pv, l->node));
	tj_u64(j, "dominated", l->dominated);
	tj_array(j, "children");
}

static void json_object_close(tool_json *j, const hs_dom_line *l)
{
	tj_end_array(j);
	if (l->expanded) {
		tj_object(j, "more");
		tj_u64(j, "count", l->more);
		tj_u64(j, "retained", l->more_retained);
		tj_end_object(j);
	}
	tj_end_object(j);
}

static int print_json(const hs_dom_lines *L, const previews *pv, hs_graph *g,
		      hs_dom *d, const options *o, const hs_type_table *ut)
{
	const hs_dom_stats *ds = hs_dom_stats_get(d);
	size_t *open = NULL, sp = 0;
	tool_json j;

	tj_begin(&j, stdout);
	tj_cstr(&j, "schema", SCHEMA);
	tj_cstr(&j, "file", tool_graph_name(g));
	tool_json_graph(&j, g, d);
	tj_u64(&j, "top", o->top);
	tj_u64(&j, "depth", o->depth);
	tj_u64(&j, "children", o->children);
	tj_u64(&j, "min_retained", o->min_retained);
	tj_bool(&j, "split_classes", o->c.split);
	tj_bool(&j, "cut", L->cut);
	tj_array(&j, "objects");
	if (L->n) {
		open = malloc(L->n * sizeof(*open));
		if (!open)
			return -1;
	}
	for (size_t i = 0; i < L->n; i++) {
		const hs_dom_line *l = &L->v[i];

		/* close the objects at this depth or deeper */
		while (sp && L->v[open[sp - 1]].depth >= l->depth)
			json_object_close(&j, &L->v[open[--sp]]);
		json_object_open(&j, l, pv, g, d, ds->reachable_size, o->c.split);
		open[sp++] = i;
	}
	while (sp)
		json_object_close(&j, &L->v[open[--sp]]);
	free(open);
	tj_end_array(&j);
	tj_object(&j, "unreachable");
	tj_u64(&j, "objects", ds->unreachable);
	tj_u64(&j, "shallow", ds->unreachable_size);
	tj_array(&j, "types");
	for (size_t i = 0; i < ut->n && i < 10; i++) {
		tj_object(&j, NULL);
		tj_str(&j, "type", ut->rows[i].name.ptr, ut->rows[i].name.len);
		tj_u64(&j, "count", ut->rows[i].count);
		tj_u64(&j, "shallow", ut->rows[i].shallow);
		tj_u64(&j, "classes", ut->rows[i].classes);
		tool_json_class(&j, g, ut->rows[i].key, o->c.split);
		tj_end_object(&j);
	}
	tj_end_array(&j);
	tj_end_object(&j);
	tj_finish(&j);
	return 0;
}

/* The objects to list: the one --id names, or the biggest.  @return 0,
 * HS_ENOMEM, or TOOL_ERROR (said). */
static int pick_list(uint32_t **list, size_t *nlist, const hs_graph *g,
		     const hs_dom *d, const options *o)
{
	if (o->has_id) {
		uint32_t node = hs_graph_find_id(g, o->id);

		if (node == HS_GRAPH_NONE)
			return tool_error("%s: no object with id %#" PRIx64,
					  o->c.file, o->id);
		if (!hs_dom_reachable(d, node))
			return tool_error("%s: object %#" PRIx64 " is "
					  "unreachable (no root leads to it "
					  "through strong references): it "
					  "retains nothing", o->c.file, o->id);
		*list = malloc(sizeof(**list));
		if (!*list)
			return HS_ENOMEM;
		(*list)[0] = node;
		*nlist = 1;
		return 0;
	}
	if (o->top == 0) {
		tool_step("sorting by retained size");
		return hs_dom_top(nlist, NULL, 0, list, d, o->min_retained) < 0
		       ? HS_ENOMEM : 0;
	}
	*list = malloc(o->top * sizeof(**list));
	if (!*list || hs_dom_top(nlist, *list, o->top, NULL, d,
				 o->min_retained) < 0)
		return HS_ENOMEM;
	return 0;
}

/* The previews of every listed object, one hs_graph_previews() pass.
 * @return 0, HS_ENOMEM (for the lists), or TOOL_ERROR (said). */
static int read_previews(previews *pv, hs_graph *g, const hs_dom_lines *L)
{
	uint32_t *nodes = malloc((L->n ? L->n : 1) * sizeof(*nodes));
	int rc;

	pv->e = malloc((L->n ? L->n : 1) * sizeof(*pv->e));
	if (!nodes || !pv->e) {
		free(nodes);
		return HS_ENOMEM;
	}
	for (size_t i = 0; i < L->n; i++)
		nodes[i] = L->v[i].node;
	rc = hs_graph_previews(g, nodes, L->n, pv_add, pv);
	free(nodes);
	if (rc < 0) {
		tool_step(NULL);
		return tool_error("%s", hs_error_last());
	}
	return 0;
}

/* One of dumpdom's own options into o (tool_opt_fn). */
static int parse_opt(int c, const char *arg, void *payload)
{
	options *o = payload;
	uint64_t v;

	switch (c) {
	case 'n':
	case 'k':
		if (tool_parse_u64(arg, &v) < 0 || v > SIZE_MAX / 2)
			return tool_usage_error("--%s: '%s' is not a count",
						c == 'n' ? "top" : "children",
						arg);
		if (c == 'n')
			o->top = (size_t)v;
		else
			o->children = (size_t)v;
		break;
	case 'd':
		if (tool_parse_u64(arg, &v) < 0 || v > UINT32_MAX - 1)
			return tool_usage_error("--depth: '%s' is not a depth",
						arg);
		o->depth = (uint32_t)v;
		o->has_depth = 1;
		break;
	case 'i':
		if (tool_parse_u64(arg, &o->id) < 0)
			return tool_usage_error("--id: '%s' is not an id", arg);
		o->has_id = 1;
		break;
	case 'm':
		if (tool_parse_size(arg, &o->min_retained) < 0)
			return tool_usage_error("--min-retained: '%s' is not a "
						"size", arg);
		break;
	}
	return 0;
}

/* --id lists one object: its children unless --depth says otherwise
 * (tool_args_fn). */
static int check_args(int argc, char **argv, void *payload)
{
	options *o = payload;

	if (o->has_id && !o->has_depth)
		o->depth = 1;
	return 0;
}

static const struct option own[] = {
	{ "top", required_argument, NULL, 'n' },
	{ "depth", required_argument, NULL, 'd' },
	{ "children", required_argument, NULL, 'k' },
	{ "id", required_argument, NULL, 'i' },
	{ "min-retained", required_argument, NULL, 'm' },
	{ NULL, 0, NULL, 0 }
};

static const tool_cli cli = {
	usage, "h", own, parse_opt,
	TOOL_JSON | TOOL_SPLIT | TOOL_THREADS | TOOL_MAX_RATIO |
	TOOL_SIZES | TOOL_FILE,
	NULL, NULL,
	check_args
};

int main(int argc, char **argv)
{
	options o = { .top = 20, .children = 10 };
	hs_graph *g = NULL;
	hs_dom *d = NULL;
	hs_dom_lines L = HS_DOM_LINES_INIT;
	previews pv = { NULL, 0, HS_BUF_INIT };
	hs_type_table ut = HS_TYPE_TABLE_INIT;
	hs_dom_subtree_options sub = HS_DOM_SUBTREE_OPTIONS_INIT;
	uint32_t *list = NULL;
	size_t nlist = 0;
	int rc;

	tool_init("dumpdom");
	rc = tool_getopt(&cli, &o.c, argc, argv, &o);
	if (rc != TOOL_OPT_TAKEN)
		return rc;

	rc = tool_load(&g, &d, o.c.file, 0, o.c.threads);
	if (rc)
		return rc;
	tool_warnings(g);

	rc = pick_list(&list, &nlist, g, d, &o);
	if (rc == HS_ENOMEM)
		goto nomem;
	if (rc != 0)
		goto done;
	tool_step("walking the dominator tree");
	sub.depth = o.depth;
	sub.children = o.children;
	sub.min_retained = o.min_retained;
	sub.max_lines = LINES_MAX;
	sub.count_top = o.c.json;
	for (size_t i = 0; i < nlist && !L.cut; i++)
		if (hs_dom_subtree(&L, d, list[i], &sub) < 0)
			goto nomem;
	tool_step("reading previews");
	rc = read_previews(&pv, g, &L);
	if (rc == HS_ENOMEM)
		goto nomem;
	if (rc != 0)
		goto done;
	tool_step("summarising the unreachable objects");
	if (hs_typesum(&ut, g, d, HS_TYPES_UNREACHABLE |
		       (o.c.split ? HS_TYPES_SPLIT : 0)) < 0)
		goto nomem;
	hs_type_table_sort(&ut, HS_SORT_SHALLOW);
	tool_step(NULL);
	if (o.c.json) {
		if (print_json(&L, &pv, g, d, &o, &ut) < 0)
			goto nomem;
	} else {
		print_human(&L, &pv, g, d, &o, nlist, &ut);
	}
	rc = TOOL_OK;
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = tool_error("cannot write the output");
	goto done;
nomem:
	tool_step(NULL);
	rc = tool_error("%s: out of memory", o.c.file);
done:
	hs_type_table_release(&ut);
	free(list);
	hs_dom_lines_release(&L);
	free(pv.e);
	hs_buf_release(&pv.pool);
	hs_dom_free(d);
	hs_graph_free(g);
	return rc;
}
