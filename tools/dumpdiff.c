/*
 * dumpdiff.c - `dumpdiff OLD NEW [FINAL]`: what grew between snapshots and
 * who holds it.  Loads each snapshot, builds its dominator tree, and
 * prints hs_diff's totals, per-type growth and owners of growth.
 *
 * Exit status: 0 done (no gate, or growth within it); 1 --fail-if-growth
 * tripped; 2 error.  A partial (truncated or salvaged) snapshot is named
 * on stderr and in the JSON, and the diff goes on with what was read.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_diff.h"
#include "tool.h"
#include "tool_graph.h"
#include "tool_json.h"
#include "tool_opts.h"
#include "tool_input.h"

#define SCHEMA "heapsnap.dumpdiff/1"

static const char usage[] =
	"usage: dumpdiff [options] OLD.snap NEW.snap\n"
	"       dumpdiff [options] BASE.snap TARGET.snap FINAL.snap\n"
	"\n"
	"What grew between two snapshots, and who holds it: totals, types by\n"
	"retained growth, and the new objects grouped by their owner (the\n"
	"nearest dominator that already existed), with its root path.\n"
	"\n"
	"Snapshots of one process (same pid and runtime) are matched object\n"
	"by object by id and type; of different processes, owners (the largest\n"
	"retainers) are matched by their labelled root path and type.\n"
	"With three snapshots (as memlab does): the objects new in TARGET that\n"
	"are still alive in FINAL, by owner: what an action left behind.\n"
	"\n"
	"  --top N               rows per table (default 20; 0 = all)\n"
	"  --match auto|id|path  how to match snapshots (default auto)\n"
	"  --path-owners K       retainers per snapshot matched by path\n"
	"                        (default 500)\n"
	"  --fail-if-growth G    exit 1 when growth exceeds G: a size (10M,\n"
	"                        1.5GiB) or a percentage of OLD's reachable\n"
	"                        size (5%); growth is the reachable size's\n"
	"                        change (three snapshots: the leak\n"
	"                        candidates' bytes)\n"
	"  --per-owner           apply --fail-if-growth to each owner's growth\n"
	"                        instead of the total\n"
	"  --split-classes       a row per class, not per name: classes made\n"
	"                        per call share a name and are one row by\n"
	"                        default (\"NAME (1,200 classes)\"); split,\n"
	"                        a class is matched by its class object's id\n"
	"                        (one process only), shown NAME@0xID\n"
	"  --json                JSON (schema \"" SCHEMA "\", see dumpdiff(1))\n"
	TOOL_SIZES_HELP
	TOOL_MAX_RATIO_HELP
	"  -h, --help            this text\n"
	"\n"
	"Exit status: 0 done, growth within the gate; 1 the gate tripped;\n"
	"2 error (unreadable snapshot, bad usage).\n";

typedef struct {
	size_t top;
	hs_diff_match match;
	size_t path_owners;
	int gate;              /* --fail-if-growth given */
	int gate_pct;
	double pct;
	uint64_t limit;
	int per_owner;
	tool_common c;         /* --json, --split-classes */
	const char *files[3];
	int nfiles;
} options;

typedef struct {
	hs_graph *g;
	hs_dom *d;
} snapshot;

/* One of dumpdiff's own options into o (tool_opt_fn). */
static int parse_opt(int c, const char *arg, void *payload)
{
	options *o = payload;
	uint64_t v;
	size_t n;
	char *end;

	switch (c) {
	case 't':
		if (tool_parse_u64(arg, &v) < 0)
			return tool_usage_error("--top takes a count, not '%s'",
						arg);
		o->top = (size_t)v;
		break;
	case 'm':
		if (strcmp(arg, "auto") == 0)
			o->match = HS_DIFF_MATCH_AUTO;
		else if (strcmp(arg, "id") == 0)
			o->match = HS_DIFF_MATCH_ID;
		else if (strcmp(arg, "path") == 0)
			o->match = HS_DIFF_MATCH_PATH;
		else
			return tool_usage_error("--match takes auto, id or "
						"path, not '%s'", arg);
		break;
	case 'P':
		if (tool_parse_u64(arg, &v) < 0 || v == 0 || v > 1000000)
			return tool_usage_error("--path-owners takes "
						"1..1000000");
		o->path_owners = (size_t)v;
		break;
	case 'g':
		n = strlen(arg);
		o->gate = 1;
		if (n > 1 && arg[n - 1] == '%') {
			o->gate_pct = 1;
			o->pct = strtod(arg, &end);
			if (end != arg + n - 1 || o->pct < 0)
				return tool_usage_error("bad percentage '%s'",
							arg);
		} else if (tool_parse_size(arg, &o->limit) < 0) {
			return tool_usage_error("--fail-if-growth takes a size "
						"or N%%, not '%s'", arg);
		}
		break;
	case 'o':
		o->per_owner = 1;
		break;
	}
	return 0;
}

/* The two or three snapshots (tool_args_fn). */
static int check_args(int argc, char **argv, void *payload)
{
	options *o = payload;

	if (argc - optind < 2 || argc - optind > 3)
		return tool_usage_error("give two or three snapshots");
	if (o->per_owner && !o->gate)
		return tool_usage_error("--per-owner goes with "
					"--fail-if-growth");
	o->nfiles = argc - optind;
	for (int i = 0; i < o->nfiles; i++)
		o->files[i] = argv[optind + i];
	return 0;
}

static const struct option own[] = {
	{ "top", required_argument, NULL, 't' },
	{ "match", required_argument, NULL, 'm' },
	{ "path-owners", required_argument, NULL, 'P' },
	{ "fail-if-growth", required_argument, NULL, 'g' },
	{ "per-owner", no_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 }
};

static const tool_cli cli = {
	usage, "h", own, parse_opt,
	TOOL_JSON | TOOL_SPLIT | TOOL_MAX_RATIO | TOOL_SIZES,
	NULL, NULL,
	check_args
};

/* Loads the snapshots at once (one thread each): s[0] old/base, s[1]
 * new/final, s[2] target (three snapshots). */
static int load(snapshot *s, const options *o)
{
	hs_graph_options go = HS_GRAPH_OPTIONS_INIT;
	const char *path[3] = { o->files[0], o->files[o->nfiles - 1],
				o->files[1] };
	const char *snap[3];
	hs_graph *g[3];
	size_t n = o->nfiles == 3 ? 3 : 2;

	go.reverse = 0;
	go.max_ratio = tool_max_ratio();
	go.runtime_sizes = tool_runtime_sizes();
	for (size_t i = 0; i < n; i++) {
		if (tool_input(path[i], &snap[i]) != 0)
			return TOOL_ERROR;
		if (tool_progress())
			fprintf(stderr, "dumpdiff: loading %s\n", path[i]);
	}
	if (hs_graph_load_many(g, snap, &go, n) < 0)
		return tool_error("%s", hs_error_last());
	for (size_t i = 0; i < n; i++) {
		s[i].g = g[i];
		tool_warnings_named(g[i], path[i]);
	}
	return 0;
}

static const char *sdelta(int64_t d, char *buf, size_t size)
{
	char h[24];

	tool_human((uint64_t)(d < 0 ? -d : d), h, sizeof(h));
	snprintf(buf, size, "%s%s", d < 0 ? "-" : d > 0 ? "+" : "", h);
	return buf;
}

static const char *cdelta(int64_t d, char *buf, size_t size)
{
	char c[28];

	tool_commas((uint64_t)(d < 0 ? -d : d), c, sizeof(c));
	snprintf(buf, size, "%s%s", d < 0 ? "-" : d > 0 ? "+" : "", c);
	return buf;
}

static int64_t growth_total(const hs_diff_totals *t)
{
	return t->snapshots == 3 ? (int64_t)t->new_bytes
				 : (int64_t)(t->reachable_size[1] -
					     t->reachable_size[0]);
}

/* 1 when g exceeds the gate. */
static int over(const options *o, const hs_diff_totals *t, int64_t g)
{
	if (o->gate_pct)
		return (double)g > o->pct / 100.0 *
				   (double)t->reachable_size[0];
	return g > 0 && (uint64_t)g > o->limit;
}

/* The owner's root path into path (replacing what it held). */
static void owner_desc(hs_diff *df, size_t i, hs_buf *path)
{
	path->len = 0;
	if (hs_diff_owner_path(path, df, i) < 0) {
		path->len = 0;
		hs_buf_append(path, "(path unavailable)", 18);
	}
}

/* The owner's snapshot and type: the new one, or for an owner that is
 * gone the old one; NULL for the roots and the unreachable. */
static const hs_graph *owner_type(const snapshot *s, const hs_diff_owner *o,
				  uint32_t *type)
{
	if (o->node < HS_GRAPH_NONE) {
		*type = hs_graph_type(s[1].g, o->node);
		return s[1].g;
	}
	if (o->node == HS_GRAPH_NONE && o->old_node != HS_GRAPH_NONE) {
		*type = hs_graph_type(s[0].g, o->old_node);
		return s[0].g;
	}
	return NULL;
}

/* A type row's name: merged classes as "NAME (1,200 classes)" or, when
 * their number changed, "NAME (3 -> 1,200 classes)"; a split class as
 * NAME@0xID. */
static void print_type_row(const hs_diff_type *r)
{
	char a[32], b[32];

	tool_print_safe(stdout, r->name.ptr, r->name.len);
	if (r->has_id)
		printf("@0x%" PRIx64, r->id);
	if (r->classes[0] > 1 || r->classes[1] > 1) {
		if (r->classes[0] == r->classes[1])
			printf(" (%s classes)",
			       tool_commas(r->classes[1], b, sizeof(b)));
		else
			printf(" (%s -> %s classes)",
			       tool_commas(r->classes[0], a, sizeof(a)),
			       tool_commas(r->classes[1], b, sizeof(b)));
	}
}

static void print_human(const options *o, hs_diff *df, snapshot *s)
{
	const hs_diff_totals *t = hs_diff_totals_get(df);
	char a[32], b[32], c[32];
	size_t nt = hs_diff_type_count(df), no = hs_diff_owner_count(df);
	size_t kt = o->top && o->top < nt ? o->top : nt;
	size_t ko = o->top && o->top < no ? o->top : no;
	hs_buf path = HS_BUF_INIT;

	printf("dumpdiff: %s -> %s%s%s\n", o->files[0], o->files[1],
	       o->nfiles == 3 ? " -> " : "", o->nfiles == 3 ? o->files[2] : "");
	printf("matching: %s (%s)\n",
	       t->matched_by == HS_DIFF_MATCH_ID ? "objects by id and type"
						 : "owners by root path and type",
	       t->same_process ? "one process" : "different processes");
	printf("\n%-18s %16s %16s %16s\n", "", o->nfiles == 3 ? "base" : "before",
	       o->nfiles == 3 ? "final" : "after", "change");
	printf("%-18s %16s %16s %16s\n", "objects",
	       tool_commas(t->objects[0], a, sizeof(a)),
	       tool_commas(t->objects[1], b, sizeof(b)),
	       cdelta((int64_t)(t->objects[1] - t->objects[0]), c, sizeof(c)));
	printf("%-18s %16s %16s %16s\n", "reachable size",
	       tool_human(t->reachable_size[0], a, sizeof(a)),
	       tool_human(t->reachable_size[1], b, sizeof(b)),
	       sdelta((int64_t)(t->reachable_size[1] - t->reachable_size[0]),
		      c, sizeof(c)));
	printf("%-18s %16s %16s %16s\n", "unreachable size",
	       tool_human(t->unreachable_size[0], a, sizeof(a)),
	       tool_human(t->unreachable_size[1], b, sizeof(b)),
	       sdelta((int64_t)(t->unreachable_size[1] -
				t->unreachable_size[0]), c, sizeof(c)));
	if (t->matched_by == HS_DIFF_MATCH_ID && t->snapshots == 2) {
		printf("\nsurvivors:         %s objects, %s\n",
		       tool_commas(t->survivors, a, sizeof(a)),
		       tool_human(t->survivor_bytes, b, sizeof(b)));
		printf("new objects:       %s objects, %s\n",
		       tool_commas(t->new_objects, a, sizeof(a)),
		       tool_human(t->new_bytes, b, sizeof(b)));
		printf("freed objects:     %s objects, %s\n",
		       tool_commas(t->freed_objects, a, sizeof(a)),
		       tool_human(t->freed_bytes, b, sizeof(b)));
	} else if (t->snapshots == 3) {
		printf("\nleak candidates:   %s objects, %s (new in %s, "
		       "alive in %s)\n",
		       tool_commas(t->new_objects, a, sizeof(a)),
		       tool_human(t->new_bytes, b, sizeof(b)), o->files[1],
		       o->files[2]);
	}
	printf("\ntypes by retained growth (%zu of %zu):\n", kt, nt);
	printf("%14s %12s %12s %12s  %s\n", "count", "shallow", "retained",
	       "retained now", "type");
	for (size_t i = 0; i < kt; i++) {
		const hs_diff_type *r = hs_diff_type_get(df, i);
		char d1[32], d2[32], d3[32], d4[32];

		printf("%14s %12s %12s %12s  ",
		       cdelta((int64_t)(r->count[1] - r->count[0]), d1, sizeof(d1)),
		       sdelta((int64_t)(r->shallow[1] - r->shallow[0]), d2,
			      sizeof(d2)),
		       sdelta((int64_t)(r->retained[1] - r->retained[0]), d3,
			      sizeof(d3)),
		       tool_human(r->retained[1], d4, sizeof(d4)));
		print_type_row(r);
		if (!r->count[0])
			fputs("  (new type)", stdout);
		else if (!r->count[1])
			fputs("  (gone)", stdout);
		putchar('\n');
	}

	printf("\n%s (%zu of %zu):\n", t->snapshots == 3
	       ? "leak candidates by owner" : t->matched_by == HS_DIFF_MATCH_ID
	       ? "new objects by owner" : "retainers by growth", ko, no);
	printf("%14s %12s %23s  %s\n", "objects", "bytes",
	       "owner retained", "owner");
	for (size_t i = 0; i < ko; i++) {
		const hs_diff_owner *ow = hs_diff_owner_get(df, i);
		char d1[32], d2[32], r0[32], r1[32], rr[64];
		const hs_graph *tg;
		uint32_t ty;

		snprintf(rr, sizeof(rr), "%s -> %s",
			 tool_human(ow->retained[0], r0, sizeof(r0)),
			 tool_human(ow->retained[1], r1, sizeof(r1)));
		printf("%14s %12s %23s  ",
		       cdelta(ow->objects, d1, sizeof(d1)),
		       sdelta(ow->bytes, d2, sizeof(d2)),
		       ow->node < HS_GRAPH_NONE || ow->old_node != HS_GRAPH_NONE
		       ? rr : "-");
		owner_desc(df, i, &path);
		tool_print_safe(stdout, (const char *)path.data, path.len);
		tg = owner_type(s, ow, &ty);
		fputs(" (", stdout);
		if (tg)
			tool_print_type(stdout, tg, ty, o->c.split, 0, 0);
		else
			fputs("-", stdout);
		if (ow->node < HS_GRAPH_NONE)
			printf(" 0x%" PRIx64, hs_graph_id(s[1].g, ow->node));
		fputs(")\n", stdout);
	}
	hs_buf_release(&path);
}

/* "k":[before,after] */
static void json_pair(tool_json *j, const char *k, uint64_t v0, uint64_t v1)
{
	tj_array(j, k);
	tj_u64(j, NULL, v0);
	tj_u64(j, NULL, v1);
	tj_end_array(j);
}

static void json_totals(tool_json *j, const hs_diff_totals *t)
{
	tj_object(j, "totals");
	json_pair(j, "objects", t->objects[0], t->objects[1]);
	json_pair(j, "shallow", t->shallow[0], t->shallow[1]);
	json_pair(j, "reachable", t->reachable[0], t->reachable[1]);
	json_pair(j, "reachable_size", t->reachable_size[0],
		  t->reachable_size[1]);
	json_pair(j, "unreachable", t->unreachable[0], t->unreachable[1]);
	json_pair(j, "unreachable_size", t->unreachable_size[0],
		  t->unreachable_size[1]);
	tj_u64(j, "survivors", t->survivors);
	tj_u64(j, "survivor_bytes", t->survivor_bytes);
	tj_u64(j, "new_objects", t->new_objects);
	tj_u64(j, "new_bytes", t->new_bytes);
	tj_u64(j, "freed_objects", t->freed_objects);
	tj_u64(j, "freed_bytes", t->freed_bytes);
	tj_i64(j, "growth", growth_total(t));
	tj_end_object(j);
}

static void json_types(tool_json *j, const options *o, hs_diff *df,
		       size_t kt)
{
	tj_array(j, "types");
	for (size_t i = 0; i < kt; i++) {
		const hs_diff_type *r = hs_diff_type_get(df, i);

		tj_object(j, NULL);
		tj_str(j, "type", r->name.ptr, r->name.len);
		json_pair(j, "classes", r->classes[0], r->classes[1]);
		if (o->c.split)
			tj_u64_if(j, "type_id", r->has_id, r->id);
		json_pair(j, "count", r->count[0], r->count[1]);
		json_pair(j, "shallow", r->shallow[0], r->shallow[1]);
		json_pair(j, "retained", r->retained[0], r->retained[1]);
		tj_end_object(j);
	}
	tj_end_array(j);
}

static void json_owners(tool_json *j, const options *o, hs_diff *df,
			snapshot *s, size_t ko)
{
	hs_buf path = HS_BUF_INIT;

	tj_array(j, "owners");
	for (size_t i = 0; i < ko; i++) {
		const hs_diff_owner *ow = hs_diff_owner_get(df, i);
		const hs_graph *tg;
		uint32_t ty;

		tj_object(j, NULL);
		tj_u64_if(j, "id", ow->node < HS_GRAPH_NONE,
			  ow->node < HS_GRAPH_NONE
			  ? hs_graph_id(s[1].g, ow->node) : 0);
		tj_cstr(j, "kind", ow->node == HS_GRAPH_SUPERROOT ? "roots"
			: ow->node == HS_GRAPH_NONE &&
			  ow->old_node == HS_GRAPH_NONE ? "unreachable"
			: ow->node == HS_GRAPH_NONE ? "gone" : "object");
		tg = owner_type(s, ow, &ty);
		if (tg) {
			hs_str n = hs_graph_type_name(tg, ty);

			tj_str(j, "type", n.ptr, n.len);
			tool_json_class(j, tg, ty, o->c.split);
		} else {
			tj_cstr(j, "type", "-");
		}
		tj_i64(j, "objects", ow->objects);
		tj_i64(j, "bytes", ow->bytes);
		json_pair(j, "retained", ow->retained[0], ow->retained[1]);
		owner_desc(df, i, &path);
		tj_str(j, "path", (const char *)path.data, path.len);
		tj_end_object(j);
	}
	tj_end_array(j);
	hs_buf_release(&path);
}

static void print_json(const options *o, hs_diff *df, snapshot *s,
		       int tripped)
{
	const hs_diff_totals *t = hs_diff_totals_get(df);
	size_t nt = hs_diff_type_count(df), no = hs_diff_owner_count(df);
	tool_json j;

	tj_begin(&j, stdout);
	tj_cstr(&j, "schema", SCHEMA);
	tj_array(&j, "files");
	for (int i = 0; i < o->nfiles; i++) {
		const hs_graph_stats *st = hs_graph_stats_get(
			s[i == 0 ? 0 : i == o->nfiles - 1 ? 1 : 2].g);

		tj_object(&j, NULL);
		tj_cstr(&j, "path", o->files[i]);
		tj_cstr(&j, "integrity",
			hs_integrity_status_name(st->integrity.status));
		tj_end_object(&j);
	}
	tj_end_array(&j);
	tj_cstr(&j, "matched_by", t->matched_by == HS_DIFF_MATCH_ID ? "id"
								    : "path");
	tj_bool(&j, "same_process", t->same_process);
	tj_bool(&j, "split_classes", o->c.split);
	json_totals(&j, t);
	tj_object(&j, "gate");
	tj_bool(&j, "given", o->gate);
	tj_bool(&j, "tripped", tripped);
	tj_end_object(&j);
	json_types(&j, o, df, o->top && o->top < nt ? o->top : nt);
	json_owners(&j, o, df, s, o->top && o->top < no ? o->top : no);
	tj_finish(&j);
}

int main(int argc, char **argv)
{
	options o;
	snapshot s[3] = { { NULL, NULL }, { NULL, NULL }, { NULL, NULL } };
	hs_diff_options dopt = HS_DIFF_OPTIONS_INIT;
	hs_diff *df = NULL;
	int rc, tripped = 0;

	tool_init("dumpdiff");
	memset(&o, 0, sizeof(o));
	o.top = 20;
	rc = tool_getopt(&cli, &o.c, argc, argv, &o);
	if (rc != TOOL_OPT_TAKEN)
		return rc;
	dopt.match = o.match;
	dopt.path_owners = o.path_owners;
	dopt.split_classes = o.c.split;
	rc = load(s, &o);
	if (rc)
		goto done;
	{
		/* old's and new's trees at once: the step is single-threaded */
		const hs_graph *gs[2] = { s[0].g, s[1].g };
		hs_dom *ds[2];

		if (hs_dom_build_many(ds, gs, 2) < 0) {
			rc = tool_error("%s", hs_error_last());
			goto done;
		}
		s[0].d = ds[0];
		s[1].d = ds[1];
	}
	if (o.nfiles == 3)
		rc = hs_diff_leaks(&df, s[0].g, s[0].d, s[2].g, s[1].g, s[1].d,
				   &dopt);
	else
		rc = hs_diff_new(&df, s[0].g, s[0].d, s[1].g, s[1].d, &dopt);
	if (rc < 0) {
		rc = tool_error("%s", hs_error_last());
		goto done;
	}
	for (int i = 0; i < 2; i++) {
		char c[32];

		if (hs_diff_totals_get(df)->unsplit[i])
			fprintf(stderr, "dumpdiff: note: %s: %s classes share "
				"a name and give no class id, so they stay "
				"merged by name\n",
				o.files[i ? o.nfiles - 1 : 0],
				tool_commas(hs_diff_totals_get(df)->unsplit[i],
					    c, sizeof(c)));
	}
	if (o.gate) {
		const hs_diff_totals *t = hs_diff_totals_get(df);

		if (o.per_owner) {
			for (size_t i = 0; i < hs_diff_owner_count(df); i++)
				tripped |= over(&o, t,
						hs_diff_owner_get(df, i)->bytes);
		} else {
			tripped = over(&o, t, growth_total(t));
		}
	}
	if (o.c.json)
		print_json(&o, df, s, tripped);
	else
		print_human(&o, df, s);
	if (tripped && !o.c.json)
		fprintf(stderr, "dumpdiff: growth exceeds --fail-if-growth\n");
	rc = tripped ? TOOL_FINDING : TOOL_OK;
done:
	hs_diff_free(df);
	for (int i = 0; i < 3; i++) {
		hs_dom_free(s[i].d);
		hs_graph_free(s[i].g);
	}
	return rc;
}
