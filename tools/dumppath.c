/*
 * dumppath.c - `dumppath FILE ID`, `dumppath FILE --index N`,
 * `dumppath FILE --type NAME [--top K]`: why is this object alive.  The
 * shortest path(s) from a root to the object, each step labelled with the
 * field, key or index the file records (hs_paths.h does the work).
 *
 * Load: the graph (hs_graph_load; referrers only with --all N > 1), then
 * 4 bytes per object for the breadth-first tree, or, with --all, 8 bytes
 * per object and the partial paths of one search per target.
 *
 * Exit status: 0 every object asked about has a path; 1 a finding: an
 * object that no root reaches (or none within --max-depth), an id or
 * index that is not in the dump, a type with no reachable instance; 2 an
 * error (bad usage, unreadable file).  Strings from the dump are escaped
 * on the terminal and in the JSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_classes.h"
#include "hs_dom.h"
#include "hs_graph.h"
#include "hs_paths.h"
#include "tool.h"
#include "tool_graph.h"
#include "tool_json.h"
#include "tool_opts.h"

#define SCHEMA "heapsnap.dumppath/1"

static const char usage[] =
	"usage: dumppath [options] FILE ID\n"
	"       dumppath [options] FILE --index N\n"
	"       dumppath [options] FILE --type NAME [--top K]\n"
	"\n"
	"Why is this object alive: print the shortest path from a root to\n"
	"it, each step labelled with its field, key or index, e.g.\n"
	"  sys.modules -> dict['app'] -> module.__dict__ -> dict['CACHE'] ->"
	" list[3]\n"
	"Weak references are not followed: they keep nothing alive.  Paths\n"
	"from the program's roots (modules, frames, builtins...) come before\n"
	"paths from \"static\" roots and from \"refcount\" roots (objects\n"
	"held from outside the dump, such as the parser's arena), whatever\n"
	"their length.\n"
	"\n"
	"  ID             the object's id (its address), decimal or 0x hex\n"
	"  --index N      the object at dense index N (file order, from 0)\n"
	"  --type NAME    the biggest reachable objects of type NAME: of\n"
	"                 every class of that name (classes made per call\n"
	"                 share one), or of one class, NAME@0xID or\n"
	"                 NAME#INDEX as --split-classes shows them\n"
	"  --top K        with --type: how many objects (default 5)\n"
	"  --by SIZE      with --type: rank by retained (default; computes\n"
	"                 the dominator tree) or shallow size\n"
	"  --all N        up to N distinct paths per object, shortest first\n"
	"                 (distinct: another root object, or another\n"
	"                 reference in at least one step)\n"
	"  --max-depth D  only paths of at most D references\n"
	"  --split-classes  show each object's class (NAME@0xID or\n"
	"                 NAME#INDEX) where several types share its name\n"
	"  --json         one JSON object (schema \"" SCHEMA "\",\n"
	"                 see dumppath(1))\n"
	"  --threads N    decoding threads (default: one per core)\n"
	TOOL_MAX_RATIO_HELP
	"  -h, --help     this text\n"
	"\n"
	"Exit status: 0 every object has a path from a root; 1 some object\n"
	"is unreachable from every root (or within --max-depth), or the id,\n"
	"index or type is not in the dump; 2 error or bad usage.\n";

typedef struct {
	tool_common c;         /* --json, --split-classes; threads, FILE */
	int have_id, have_index;
	uint64_t id, index;
	const char *type;
	uint64_t top;
	int have_top, have_by;
	int by_shallow;
	uint64_t all;
	uint64_t max_depth;
} options;

/* ---- small printing helpers -------------------------------------------- */

static void print_str(hs_str s)
{
	tool_print_safe(stdout, s.ptr ? s.ptr : "", s.ptr ? s.len : 0);
}

static void json_str(tool_json *j, const char *key, hs_str s)
{
	tj_str(j, key, s.ptr ? s.ptr : "", s.ptr ? s.len : 0);
}

static hs_str type_of(const hs_graph *g, uint32_t node)
{
	return hs_graph_type_name(g, hs_graph_type(g, node));
}

static int pad(size_t w, size_t col)
{
	return w < col ? (int)(col - w) : 1;
}

/* ---- one target ---------------------------------------------------------- */

typedef struct {
	uint32_t node;
	hs_pathset *paths;
} target;

static int find_paths(target *t, hs_graph *g, const hs_paths *tree,
		      const options *o)
{
	hs_paths_options po = HS_PATHS_OPTIONS_INIT;

	po.max_depth = (uint32_t)o->max_depth;
	if (o->all > 1)
		return hs_paths_find(&t->paths, g, t->node, (size_t)o->all, &po);
	return hs_paths_shortest(&t->paths, tree, t->node);
}

static int print_path_human(hs_graph *g, const hs_path *p, size_t i,
			    size_t n, int split, const hs_str *labels)
{
	const hs_root *r = hs_graph_root(g, p->root);
	hs_buf b = HS_BUF_INIT;
	char h[32], num[32];
	int rc;

	if (n > 1)
		printf("  path %zu of %zu: ", i + 1, n);
	else
		printf("  path: ");
	printf("%zu reference%s from root ", p->len - 1,
	       p->len == 2 ? "" : "s");
	if (r->label.len) {
		putchar('"');
		print_str(r->label);
		printf("\" ");
	}
	putchar('(');
	print_str(hs_graph_root_kind(g, r->kind));
	printf(")\n");
	/* a worse-ranked root is shown only when no better one reaches */
	switch (hs_paths_root_rank(g, p->root)) {
	case 2:
		printf("    (held from outside the dump: C code, the runtime or "
		       "a leaked reference; no root of the program reaches "
		       "it%s)\n", n > 1 && i ? " this way" : "");
		break;
	case 1:
		printf("    (held by the runtime's static objects; no root of "
		       "the program reaches it%s)\n", n > 1 && i ? " this way"
							      : "");
		break;
	}
	printf("    ");
	rc = hs_path_format_labels(&b, g, p, labels);
	if (rc < 0)
		goto done;
	tool_print_safe(stdout, (const char *)b.data, b.len);
	printf("\n      %6s  %-18s%10s  %s\n", "step", "id", "size", "type");
	for (size_t k = 0; k < p->len; k++) {
		uint32_t v = p->nodes[k];
		int w;

		w = snprintf(num, sizeof(num), "%#llx",
			     (unsigned long long)hs_graph_id(g, v));
		printf("      %6zu  %s%*s%10s  ", k, num, pad((size_t)w, 18),
		       "", tool_human(hs_graph_size(g, v), h, sizeof(h)));
		tool_print_type(stdout, g, hs_graph_type(g, v), split, 0, 0);
		putchar('\n');
	}
done:
	hs_buf_release(&b);
	return rc;
}

static int print_target_human(hs_graph *g, const target *t,
			      const options *o, const hs_dom *dom)
{
	hs_buf st = HS_BUF_INIT;
	hs_value pv;
	char h[32], pb[128];
	size_t n = hs_pathset_count(t->paths);
	hs_str *labels = NULL;
	int rc;

	tool_print_type(stdout, g, hs_graph_type(g, t->node), o->c.split, 0, 0);
	printf(" %#llx (index %u, %s", (unsigned long long)hs_graph_id(g,
								 t->node),
	       t->node, tool_human(hs_graph_size(g, t->node), h, sizeof(h)));
	if (dom)
		printf(", retains %s", tool_human(hs_dom_retained(dom, t->node),
						  h, sizeof(h)));
	printf(")");
	if (hs_graph_preview(&pv, &st, g, t->node) == 0 &&
	    pv.kind != HS_VALUE_NONE)
		printf(" %s", tool_preview(&pv, pb, sizeof(pb), 60));
	hs_buf_release(&st);
	printf(": ");
	if (n == 0) {
		if (hs_pathset_capped(t->paths))
			printf("no path found before the search limit\n");
		else if (o->max_depth)
			printf("no path of at most %llu references from a "
			       "root\n", (unsigned long long)o->max_depth);
		else
			printf("unreachable from any root\n");
		return 0;
	}
	printf("%zu path%s\n", n, n == 1 ? "" : "s");
	rc = hs_pathset_labels(&labels, g, t->paths);
	for (size_t i = 0, at = 0; i < n && rc == 0; i++) {
		const hs_path *p = hs_pathset_get(t->paths, i);

		rc = print_path_human(g, p, i, n, o->c.split, labels + at);
		at += p->len - 1;
	}
	free(labels);
	if (rc < 0)
		return rc;
	if (hs_pathset_capped(t->paths))
		printf("  (the search stopped at its limit of partial paths: "
		       "more may exist)\n");
	return 0;
}

/* One path as JSON; labs: its steps' labels (hs_pathset_labels). */
static int print_path_json(tool_json *j, hs_graph *g, const hs_path *p,
			   int split, const hs_str *labs)
{
	const hs_root *r = hs_graph_root(g, p->root);
	hs_buf text = HS_BUF_INIT;
	int rc = hs_path_format_labels(&text, g, p, labs);

	if (rc < 0)
		goto done;
	tj_object(j, NULL);
	tj_u64(j, "length", p->len - 1);
	tj_str(j, "text", (const char *)text.data, text.len);
	tj_object(j, "root");
	tj_u64(j, "record", p->root);
	tj_u64(j, "rank", hs_paths_root_rank(g, p->root));
	json_str(j, "kind", hs_graph_root_kind(g, r->kind));
	if (r->label.len)
		json_str(j, "label", r->label);
	else
		tj_null(j, "label");
	tj_end_object(j);
	tj_array(j, "steps");
	for (size_t k = 0; k < p->len; k++) {
		uint32_t v = p->nodes[k];

		tj_object(j, NULL);
		tj_u64(j, "index", v);
		tj_u64(j, "id", hs_graph_id(g, v));
		json_str(j, "type", type_of(g, v));
		tool_json_class(j, g, hs_graph_type(g, v), split);
		tj_u64(j, "size", hs_graph_size(g, v));
		tj_u64_if(j, "edge", k > 0, k ? p->edges[k - 1] : 0);
		tj_str(j, "label", k ? labs[k - 1].ptr : NULL,
		       k ? labs[k - 1].len : 0);
		tj_end_object(j);
	}
	tj_end_array(j);
	tj_end_object(j);
done:
	hs_buf_release(&text);
	return rc;
}

static int print_target_json(tool_json *j, hs_graph *g, const target *t,
			     const hs_dom *dom, int split)
{
	size_t n = hs_pathset_count(t->paths);
	hs_str *labels = NULL;
	int rc;

	tj_object(j, NULL);
	tj_u64(j, "index", t->node);
	tj_u64(j, "id", hs_graph_id(g, t->node));
	json_str(j, "type", type_of(g, t->node));
	tool_json_class(j, g, hs_graph_type(g, t->node), split);
	tj_u64(j, "size", hs_graph_size(g, t->node));
	tj_u64_if(j, "retained", dom != NULL,
		  dom ? hs_dom_retained(dom, t->node) : 0);
	tj_bool(j, "reachable", n != 0);
	tj_bool(j, "capped", hs_pathset_capped(t->paths));
	tj_array(j, "paths");
	rc = hs_pathset_labels(&labels, g, t->paths);
	for (size_t i = 0, at = 0; i < n && rc == 0; i++) {
		const hs_path *p = hs_pathset_get(t->paths, i);

		rc = print_path_json(j, g, p, split, labels + at);
		at += p->len - 1;
	}
	free(labels);
	if (rc < 0)
		return rc;
	tj_end_array(j);
	tj_end_object(j);
	return 0;
}

static uint64_t retained_of(uint32_t node, const void *payload)
{
	return hs_dom_retained(payload, node);
}

/* ---- main ------------------------------------------------------------------ */

/* One of dumppath's own options into o (tool_opt_fn). */
static int parse_opt(int c, const char *arg, void *payload)
{
	options *o = payload;
	uint64_t v;

	switch (c) {
	case 'i':
		if (tool_parse_u64(arg, &o->index) < 0)
			return tool_usage_error("bad index '%s'", arg);
		o->have_index = 1;
		break;
	case 'T':
		o->type = arg;
		break;
	case 'k':
		if (tool_parse_u64(arg, &o->top) < 0 || !o->top)
			return tool_usage_error("bad --top '%s'", arg);
		o->have_top = 1;
		break;
	case 'b':
		if (strcmp(arg, "retained") && strcmp(arg, "shallow"))
			return tool_usage_error("bad --by '%s' (retained or "
						"shallow)", arg);
		o->by_shallow = !strcmp(arg, "shallow");
		o->have_by = 1;
		break;
	case 'a':
		if (tool_parse_u64(arg, &o->all) < 0 || !o->all ||
		    o->all > 1000000)
			return tool_usage_error("bad --all '%s' (1 to 1000000)",
						arg);
		break;
	case 'd':
		if (tool_parse_u64(arg, &o->max_depth) < 0 || !o->max_depth ||
		    o->max_depth >= UINT32_MAX)
			return tool_usage_error("bad --max-depth '%s'", arg);
		break;
	case 't':
		if (tool_parse_u64(arg, &v) < 0 || v > 1024)
			return tool_usage_error("bad --threads '%s'", arg);
		o->c.threads = (unsigned)v;
		break;
	}
	return 0;
}

/* FILE and ID, and the options that go together (tool_args_fn). */
static int check_args(int argc, char **argv, void *payload)
{
	options *o = payload;

	if (optind >= argc)
		return tool_usage_error("no FILE");
	o->c.file = argv[optind++];
	if (optind < argc) {
		if (tool_parse_u64(argv[optind], &o->id) < 0)
			return tool_usage_error("bad id '%s' (decimal or 0x "
						"hex)", argv[optind]);
		o->have_id = 1;
		optind++;
	}
	if (optind < argc)
		return tool_usage_error("unexpected argument '%s'",
					argv[optind]);
	if (o->have_id + o->have_index + (o->type != NULL) != 1)
		return tool_usage_error("give one of ID, --index N or "
					"--type NAME");
	if ((o->have_top || o->have_by) && !o->type)
		return tool_usage_error("--%s goes with --type",
					o->have_top ? "top" : "by");
	return 0;
}

static const struct option own[] = {
	{ "index", required_argument, NULL, 'i' },
	{ "type", required_argument, NULL, 'T' },
	{ "top", required_argument, NULL, 'k' },
	{ "by", required_argument, NULL, 'b' },
	{ "all", required_argument, NULL, 'a' },
	{ "max-depth", required_argument, NULL, 'd' },
	{ "threads", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 }
};

static const tool_cli cli = {
	usage, "h", own, parse_opt,
	TOOL_JSON | TOOL_SPLIT | TOOL_MAX_RATIO | TOOL_QUIET,
	"unknown or incomplete option '%s'", NULL,
	check_args
};

static void json_header(tool_json *j, const hs_graph *g, const options *o,
			const hs_paths *tree, const hs_dom *dom)
{
	tj_cstr(j, "schema", SCHEMA);
	tj_cstr(j, "file", o->c.file);
	tool_json_graph(j, g, dom);
	tj_u64_if(j, "reached", tree != NULL,
		  tree ? hs_paths_reached(tree) : 0);
	tj_object(j, "query");
	tj_u64_if(j, "id", o->have_id, o->id);
	tj_u64_if(j, "index", o->have_index, o->index);
	tj_cstr(j, "type", o->type);
	tj_u64_if(j, "top", o->type != NULL, o->top);
	tj_u64(j, "all", o->all);
	tj_u64_if(j, "max_depth", o->max_depth != 0, o->max_depth);
	tj_end_object(j);
}

/* What main works on, from the search to the output. */
typedef struct {
	hs_graph *g;
	hs_paths *tree;
	hs_dom *dom;
	target *ts;
	size_t nts;
	uint32_t *top, classes;
	uint8_t *sel;           /* --type: the types selected */
	uint64_t unreached, instances;
	const char *miss;       /* why nothing is printed: a finding */
	char missbuf[160];
} run;

/* The objects to find paths to: --type's biggest instances, or the one
 * object named (R->miss says why there are none).  trc is
 * hs_class_select()'s result.  @return 0, or TOOL_ERROR (said). */
static int pick_targets(run *R, const options *o, int trc)
{
	uint32_t v;

	if (o->type) {
		if (trc == HS_ENOTFOUND) {
			R->miss = "no type of that name in the dump";
			return 0;
		}
		if (hs_paths_top(&R->top, &R->nts, &R->instances,
				 &R->unreached, R->tree, R->sel, (size_t)o->top,
				 R->dom ? retained_of : NULL, R->dom) < 0)
			return tool_error("%s", hs_error_last());
		if (!R->nts)
			R->miss = o->max_depth
				  ? "no instance of the type is within "
				    "--max-depth references of a root"
				  : "no instance of the type is reachable "
				    "from a root";
		return 0;
	}
	v = o->have_index ? (o->index < hs_graph_count(R->g)
			     ? (uint32_t)o->index : HS_GRAPH_NONE)
			  : hs_graph_find_id(R->g, o->id);
	if (v == HS_GRAPH_NONE) {
		snprintf(R->missbuf, sizeof(R->missbuf), o->have_index
			 ? "no object with index %llu in the dump"
			 : "no object with id %#llx in the dump",
			 (unsigned long long)(o->have_index ? o->index
							    : o->id));
		R->miss = R->missbuf;
		return 0;
	}
	R->top = malloc(sizeof(*R->top));
	if (!R->top)
		return tool_error("out of memory");
	R->top[0] = v;
	R->nts = 1;
	return 0;
}

/* The JSON document.  @return 0, or TOOL_ERROR (said). */
static int print_json(const run *R, const options *o)
{
	int counts = o->type && !R->miss;
	tool_json j;

	tj_begin(&j, stdout);
	json_header(&j, R->g, o, R->tree, R->dom);
	tj_cstr(&j, "ranked_by", !o->type ? NULL : o->by_shallow ? "shallow"
							       : "retained");
	tj_u64_if(&j, "instances", counts, R->instances);
	tj_u64_if(&j, "unreachable_instances", counts, R->unreached);
	tj_u64_if(&j, "classes", counts, R->classes);
	tj_cstr(&j, "not_found", R->miss);
	tj_array(&j, "targets");
	for (size_t i = 0; i < R->nts; i++)
		if (print_target_json(&j, R->g, &R->ts[i], R->dom,
				      o->c.split) < 0)
			return tool_error("%s", hs_error_last());
	tj_end_array(&j);
	tj_finish(&j);
	return 0;
}

/* The text output.  @return 0, or TOOL_ERROR (said). */
static int print_human(const run *R, const options *o)
{
	tool_header(stdout, R->g, R->dom);
	putchar('\n');
	if (o->type && !R->miss) {
		char a[32], b[32];

		printf("type ");
		tool_print_safe(stdout, o->type, strlen(o->type));
		if (R->classes > 1)
			printf(" (%s classes)",
			       tool_commas(R->classes, a, sizeof(a)));
		printf(": %s instances, %s ",
		       tool_commas(R->instances, a, sizeof(a)),
		       tool_commas(R->unreached, b, sizeof(b)));
		if (o->max_depth)
			printf("not within %llu references of a root",
			       (unsigned long long)o->max_depth);
		else
			printf("unreachable");
		printf("; the %zu biggest reachable by %s size:\n\n",
		       R->nts, o->by_shallow ? "shallow" : "retained");
	}
	if (R->miss)
		printf("%s\n", R->miss);
	for (size_t i = 0; i < R->nts; i++) {
		if (i)
			putchar('\n');
		if (print_target_human(R->g, &R->ts[i], o, R->dom) < 0)
			return tool_error("%s", hs_error_last());
	}
	return 0;
}

/* The paths to every target.  @return TOOL_OK, TOOL_FINDING (a target
 * with none), or TOOL_ERROR (said). */
static int find_all(run *R, const options *o)
{
	int status = TOOL_OK;

	if (R->nts) {
		R->ts = calloc(R->nts, sizeof(*R->ts));
		if (!R->ts)
			return tool_error("out of memory");
	}
	for (size_t i = 0; i < R->nts; i++) {
		R->ts[i].node = R->top[i];
		tool_step("searching paths to object %u", R->top[i]);
		if (find_paths(&R->ts[i], R->g, R->tree, o) < 0)
			return tool_error("%s", hs_error_last());
		if (!hs_pathset_count(R->ts[i].paths))
			status = TOOL_FINDING;
	}
	return status;
}

int main(int argc, char **argv)
{
	options o;
	run R;
	hs_paths_options po = HS_PATHS_OPTIONS_INIT;
	int rc, trc = 0, status = TOOL_OK, need_tree, dom_started = 0;
	tool_dom_job job;

	tool_init("dumppath");
	memset(&o, 0, sizeof(o));
	memset(&R, 0, sizeof(R));
	o.top = 5;
	o.all = 1;
	rc = tool_getopt(&cli, &o.c, argc, argv, &o);
	if (rc != TOOL_OPT_TAKEN)
		return rc;

	if (tool_load(&R.g, NULL, o.c.file, o.all > 1, o.c.threads) != 0)
		return TOOL_ERROR;
	tool_warnings(R.g);
	if (hs_graph_root_count(R.g) == 0)
		fprintf(stderr, "warning: the dump has no roots, so nothing is "
			"reachable%s\n", hs_graph_stats_get(R.g)->integrity.status
			!= HS_INTEGRITY_COMPLETE ? " (the file is incomplete: "
			"its roots may have been lost)" : "");

	/* the tree answers single paths and "is it reachable" for --type;
	 * the instances of a type are ranked by retained size, whose
	 * dominators are computed beside the search */
	need_tree = o.all == 1 || o.type;
	po.max_depth = (uint32_t)o.max_depth;
	if (o.type) {
		trc = hs_class_select(&R.sel, &R.classes, R.g, o.type);
		if (trc < 0 && trc != HS_ENOTFOUND) {
			status = tool_error("%s", hs_error_last());
			goto done;
		}
		if (trc == 0 && !o.by_shallow) {
			tool_dom_start(&job, R.g);
			dom_started = 1;
		}
	}
	tool_step(dom_started ? "searching from the roots, computing "
		  "dominators" : "searching from the roots");
	if (need_tree && hs_paths_new(&R.tree, R.g, &po) < 0) {
		status = tool_error("%s", hs_error_last());
		goto done;
	}
	if (dom_started) {
		dom_started = 0;
		if (tool_dom_finish(&R.dom, &job) != 0) {
			status = TOOL_ERROR;
			goto done;
		}
	}
	status = pick_targets(&R, &o, trc);
	if (status == TOOL_OK)
		status = find_all(&R, &o);
	if (status == TOOL_ERROR)
		goto done;
	if (R.miss)
		status = TOOL_FINDING;
	tool_step(NULL);
	rc = o.c.json ? print_json(&R, &o) : print_human(&R, &o);
	if (rc != 0)
		status = rc;
	else if (fflush(stdout) != 0)
		status = tool_error("cannot write the output");
done:
	/* an error while the dominators were being computed: wait for them */
	if (dom_started && tool_dom_finish(&R.dom, &job) != 0)
		status = TOOL_ERROR;
	tool_step(NULL);
	for (size_t i = 0; R.ts && i < R.nts; i++)
		hs_pathset_free(R.ts[i].paths);
	free(R.ts);
	free(R.top);
	free(R.sel);
	hs_paths_free(R.tree);
	hs_dom_free(R.dom);
	hs_graph_free(R.g);
	return status;
}
