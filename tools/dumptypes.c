/*
 * dumptypes.c - `dumptypes FILE`: what uses the memory, per type: count,
 * shallow and retained sizes, % of the total and cumulative %, sorted.
 *
 * Load: the graph and its dominator tree (hs_graph_load, hs_dom_build),
 * then one hs_typesum() pass.  A grouping other than by type (--by ...)
 * fills the same hs_type_table; see group_table().
 *
 * Exit status: 0 printed; 2 bad usage or unreadable file (the message
 * names the file, the byte offset and the problem).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_referrers.h"
#include "hs_sites.h"
#include "hs_types.h"
#include "tool_graph.h"
#include "tool_json.h"
#include "tool_opts.h"

#define SCHEMA "heapsnap.dumptypes/1"
#define NAME_MAX_SHOWN 60

static const char usage[] =
	"usage: dumptypes [options] FILE\n"
	"\n"
	"Per type: how many objects, their shallow size, what they retain,\n"
	"and the share of the total, largest first.\n"
	"\n"
	"  --sort KEY      retained (default), shallow or count\n"
	"  --top N         show the first N rows (default 20; 0 = all)\n"
	"  --by referrer   group objects by their type and the set of the\n"
	"                  types that refer to them (\"dict <- {app.Session,\n"
	"                  list}\"; weak references left out, \"<root>\" for\n"
	"                  a root, at most 8 types a set), sorted by shallow\n"
	"                  size; no retained column (--by type: the default)\n"
	"  --by site       group objects by their allocation site: the\n"
	"                  file:line of the innermost frame of the traceback\n"
	"                  the capture recorded (Python: while tracemalloc\n"
	"                  traces), sorted by shallow size; no retained\n"
	"  --site-depth N  frames in a site's key with --by site (default 1)\n"
	"  --unreachable   summarise the objects no root reaches instead\n"
	"                  (garbage or cycles awaiting collection)\n"
	"  --split-classes a row per class: types that share a name (a class\n"
	"                  or namedtuple made per call) are one row by\n"
	"                  default, \"NAME (1,200 classes)\"; split, each is\n"
	"                  NAME@0xID (its class object) or NAME#INDEX\n"
	"  --json          JSON (schema \"" SCHEMA "\", see dumptypes(1))\n"
	"  --csv           CSV: type,count,shallow,retained,percent,\n"
	"                  cumulative_percent,classes,type_index,type_id\n"
	"  --threads N     decoding threads (default: one per core)\n"
	TOOL_SIZES_HELP
	TOOL_MAX_RATIO_HELP
	"  -h, --help      this text\n"
	"\n"
	"Retained per type counts each object once: an object dominated by\n"
	"another of its own type (or, merged, its name) is not added again\n"
	"(as Eclipse MAT does).\n"
	"Retained sizes of different types nest, so their percentages (of\n"
	"the reachable heap) add up to more than 100 and have no cumulative\n"
	"column.\n"
	"\n"
	"Exit status: 0 ok; 2 bad usage or a file that cannot be read.\n";

/* How rows are grouped.  A new grouping adds a value here, its option
 * in main() and its case in group_table(). */
typedef enum {
	GROUP_TYPE = 0,
	GROUP_REFERRER,   /* hs_referrers.h */
	GROUP_SITE        /* hs_sites.h */
} grouping;

typedef struct {
	tool_common c;         /* --json, --split-classes, --threads, FILE */
	hs_sort_key sort;
	size_t top;
	int unreachable, csv;
	grouping group;
	unsigned site_depth;
} options;

static const char *sort_name(hs_sort_key k)
{
	return k == HS_SORT_COUNT ? "count" : k == HS_SORT_SHALLOW ? "shallow"
								     : "retained";
}

static int is_reachable(uint32_t node, const void *d)
{
	return hs_dom_reachable(d, node);
}

static int is_unreachable(uint32_t node, const void *d)
{
	return !hs_dom_reachable(d, node);
}

/* One group of a grouping other than by type: appends its name to names
 * and gives its count and shallow size. */
typedef int (*group_fn)(hs_buf *names, uint64_t *count, uint64_t *shallow,
			const void *groups, size_t i, const hs_graph *g);

/* Fills t with n groups named in *names (which must outlive t); no
 * retained sizes: groups are not objects, and they may nest. */
static int named_rows(hs_type_table *t, hs_buf *names, size_t n, group_fn fn,
		      const void *groups, const hs_graph *g, hs_dom *d)
{
	size_t *end = malloc((n ? n : 1) * sizeof(*end));
	int rc = 0;

	t->rows = calloc(n ? n : 1, sizeof(*t->rows));
	if (!t->rows || !end) {
		rc = HS_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		hs_type_row *r = &t->rows[i];

		rc = fn(names, &r->count, &r->shallow, groups, i, g);
		if (rc < 0)
			goto done;
		end[i] = names->len;
		r->key = (uint32_t)i;
		t->count += r->count;
		t->shallow += r->shallow;
	}
	for (size_t i = 0; i < n; i++) {  /* names->data is final now */
		size_t start = i ? end[i - 1] : 0;

		t->rows[i].name.ptr = (const char *)names->data + start;
		t->rows[i].name.len = end[i] - start;
	}
	t->n = n;
	t->heap = hs_dom_stats_get(d)->reachable_size;
	t->has_retained = 0;
done:
	free(end);
	return rc;
}

static int referrer_row(hs_buf *names, uint64_t *count, uint64_t *shallow,
			const void *groups, size_t i, const hs_graph *g)
{
	const hs_referrer_group *grp = hs_referrers_get(groups, i);

	*count = grp->count;
	*shallow = grp->shallow;
	return hs_referrers_format(names, groups, grp);
}

/* --by referrer: one row per hs_referrers group, named by its key. */
static int referrer_table(hs_type_table *t, const options *o,
			  const hs_graph *g, hs_dom *d, hs_buf *names)
{
	hs_referrers_options ro = HS_REFERRERS_OPTIONS_INIT;
	hs_referrers *r = NULL;
	int rc;

	ro.include = o->unreachable ? is_unreachable : is_reachable;
	ro.payload = d;
	ro.split_classes = o->c.split;
	rc = hs_referrers_group(&r, g, &ro);
	if (rc == 0)
		rc = named_rows(t, names, hs_referrers_count(r), referrer_row,
				r, g, d);
	hs_referrers_free(r);
	return rc;
}

static int site_row(hs_buf *names, uint64_t *count, uint64_t *shallow,
		    const void *groups, size_t i, const hs_graph *g)
{
	const hs_site_group *grp = hs_sites_get(groups, i);

	(void)g;
	*count = grp->count;
	*shallow = grp->shallow;
	return hs_buf_append(names, grp->key.ptr, grp->key.len);
}

/* --by site: one row per allocation-site group (hs_sites). */
static int site_table(hs_type_table *t, const options *o, hs_graph *g,
		      hs_dom *d, hs_buf *names)
{
	hs_sites *s = NULL;
	int rc;

	rc = hs_sites_group(&s, g, o->site_depth, o->unreachable
			    ? is_unreachable : is_reachable, d);
	if (rc < 0)
		return rc;
	if (!hs_sites_recorded(s))
		fprintf(stderr, "dumptypes: %s has no allocation sites (for "
			"Python: capture while tracemalloc is tracing)\n",
			o->c.file);
	rc = named_rows(t, names, hs_sites_count(s), site_row, s, g, d);
	hs_sites_free(s);
	return rc;
}

static int group_table(hs_type_table *t, const options *o, hs_graph *g,
		       hs_dom *d, hs_buf *names)
{
	switch (o->group) {
	case GROUP_TYPE:
		return hs_typesum(t, g, d, (o->unreachable
					    ? HS_TYPES_UNREACHABLE
					    : HS_TYPES_REACHABLE) |
				  (o->c.split ? HS_TYPES_SPLIT : 0));
	case GROUP_REFERRER:
		return referrer_table(t, o, g, d, names);
	case GROUP_SITE:
		return site_table(t, o, g, d, names);
	}
	return HS_EINVAL;
}

static double pct(uint64_t v, uint64_t total)
{
	return total ? 100.0 * (double)v / (double)total : 0.0;
}

/* Says how many classes were merged by name, if any, and how to split
 * them. */
static void print_merged(const hs_type_table *t)
{
	uint64_t names = 0, classes = 0;
	char a[32], b[32];

	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].classes > 1) {
			names++;
			classes += t->rows[i].classes;
		}
	if (names)
		printf("%s classes share %s name%s, one row per name "
		       "(--split-classes: a row per class)\n",
		       tool_commas(classes, a, sizeof(a)),
		       tool_commas(names, b, sizeof(b)), names > 1 ? "s" : "");
}

static void print_human(const hs_type_table *t, const options *o,
			const hs_graph *g, const hs_dom *d, size_t shown)
{
	char b[4][32];
	uint64_t total = hs_type_table_total(t, o->sort), cum = 0;
	int ret = t->has_retained;
	const char *what = o->unreachable ? "unreachable" : "reachable";

	tool_header(stdout, g, d);
	printf("%s objects by %s, sorted by %s:\n", what,
	       o->group == GROUP_REFERRER ? "type and referrer types"
	       : o->group == GROUP_SITE ? "allocation site" : "type",
	       sort_name(o->sort));
	printf("%12s %11s %11s %6s %6s  %s\n", "COUNT", "SHALLOW",
	       ret ? "RETAINED" : "", "%", "CUM%",
	       o->group == GROUP_SITE ? "SITE" : o->group == GROUP_REFERRER
	       ? "TYPE <- REFERRER TYPES" : "TYPE");
	for (size_t i = 0; i < shown; i++) {
		const hs_type_row *r = &t->rows[i];
		uint64_t v = hs_type_row_value(r, o->sort);
		size_t n = r->name.len < NAME_MAX_SHOWN ? r->name.len
							 : NAME_MAX_SHOWN;

		cum += v;
		if (o->sort == HS_SORT_RETAINED)
			snprintf(b[3], sizeof(b[3]), "-");
		else
			snprintf(b[3], sizeof(b[3]), "%.2f", pct(cum, total));
		printf("%12s %11s %11s %6.2f %6s  ",
		       tool_commas(r->count, b[0], sizeof(b[0])),
		       tool_human(r->shallow, b[1], sizeof(b[1])),
		       ret ? tool_human(r->retained, b[2], sizeof(b[2])) : "",
		       pct(v, total), b[3]);
		if (o->group == GROUP_TYPE) {
			tool_print_type(stdout, g, r->key, o->c.split,
					r->classes, NAME_MAX_SHOWN);
		} else {
			tool_print_safe(stdout, r->name.ptr, n);
			if (n < r->name.len)
				printf("...");
		}
		putchar('\n');
	}
	printf("%zu of %zu types shown; %s objects, %s", shown, t->n,
	       tool_commas(t->count, b[0], sizeof(b[0])),
	       tool_human(t->shallow, b[1], sizeof(b[1])));
	if (ret)
		printf(" (reachable heap %s)",
		       tool_human(t->heap, b[2], sizeof(b[2])));
	putchar('\n');
	if (o->group != GROUP_SITE)
		print_merged(t);
}

static void print_json(const hs_type_table *t, const options *o,
		       const hs_graph *g, const hs_dom *d, size_t shown)
{
	uint64_t total = hs_type_table_total(t, o->sort), cum = 0;
	tool_json j;

	tj_begin(&j, stdout);
	tj_cstr(&j, "schema", SCHEMA);
	tj_cstr(&j, "file", tool_graph_name(g));
	tj_cstr(&j, "set", o->unreachable ? "unreachable" : "reachable");
	tj_cstr(&j, "group", o->group == GROUP_REFERRER ? "referrer"
		: o->group == GROUP_SITE ? "site" : "type");
	tj_cstr(&j, "sort", sort_name(o->sort));
	tj_bool(&j, "split_classes", o->c.split);
	tool_json_graph(&j, g, d);
	tj_object(&j, "totals");
	tj_u64(&j, "types", t->n);
	tj_u64(&j, "count", t->count);
	tj_u64(&j, "shallow", t->shallow);
	tj_u64(&j, "heap", t->heap);
	tj_end_object(&j);
	tj_array(&j, "types");
	for (size_t i = 0; i < shown; i++) {
		const hs_type_row *r = &t->rows[i];
		uint64_t v = hs_type_row_value(r, o->sort);

		cum += v;
		tj_object(&j, NULL);
		tj_str(&j, "type", r->name.ptr, r->name.len);
		tj_u64(&j, "count", r->count);
		tj_u64(&j, "shallow", r->shallow);
		tj_u64_if(&j, "retained", t->has_retained, r->retained);
		tj_fixed(&j, "percent", pct(v, total), 4);
		if (o->sort == HS_SORT_RETAINED)
			tj_null(&j, "cumulative_percent");
		else
			tj_fixed(&j, "cumulative_percent", pct(cum, total), 4);
		tj_u64_if(&j, "classes", o->group != GROUP_SITE, r->classes);
		if (o->group == GROUP_TYPE)
			tool_json_class(&j, g, r->key, o->c.split);
		tj_end_object(&j);
	}
	tj_end_array(&j);
	tj_finish(&j);
}

static void print_csv(const hs_type_table *t, const options *o,
		      const hs_graph *g, size_t shown)
{
	uint64_t total = hs_type_table_total(t, o->sort), cum = 0;

	printf("type,count,shallow,retained,percent,cumulative_percent,"
	       "classes,type_index,type_id\n");
	for (size_t i = 0; i < shown; i++) {
		const hs_type_row *r = &t->rows[i];
		uint64_t v = hs_type_row_value(r, o->sort);

		cum += v;
		tool_csv_str(stdout, r->name.ptr, r->name.len);
		printf(",%" PRIu64 ",%" PRIu64 ",", r->count, r->shallow);
		if (t->has_retained)
			printf("%" PRIu64, r->retained);
		printf(",%.4f,", pct(v, total));
		if (o->sort != HS_SORT_RETAINED)
			printf("%.4f", pct(cum, total));
		putchar(',');
		if (o->group != GROUP_SITE)
			printf("%" PRIu32, r->classes);
		if (o->group == GROUP_TYPE && o->c.split) {
			uint64_t id;

			printf(",%" PRIu32 ",", r->key);
			if (hs_graph_type_id(&id, g, r->key) == 0)
				printf("%" PRIu64, id);
		} else {
			fputs(",,", stdout);
		}
		putchar('\n');
	}
}

/* One of dumptypes' own options into o (tool_opt_fn). */
static int parse_opt(int c, const char *arg, void *payload)
{
	options *o = payload;
	uint64_t v;

	switch (c) {
	case 's':
		if (strcmp(arg, "retained") == 0)
			o->sort = HS_SORT_RETAINED;
		else if (strcmp(arg, "shallow") == 0)
			o->sort = HS_SORT_SHALLOW;
		else if (strcmp(arg, "count") == 0)
			o->sort = HS_SORT_COUNT;
		else
			return tool_usage_error("--sort: '%s' is not count, "
						"shallow or retained", arg);
		break;
	case 'n':
		if (tool_parse_u64(arg, &v) < 0 || v > SIZE_MAX)
			return tool_usage_error("--top: '%s' is not a count",
						arg);
		o->top = (size_t)v;
		break;
	case 'u':
		o->unreachable = 1;
		break;
	case 'b':
		if (strcmp(arg, "type") == 0)
			o->group = GROUP_TYPE;
		else if (strcmp(arg, "referrer") == 0)
			o->group = GROUP_REFERRER;
		else if (strcmp(arg, "site") == 0)
			o->group = GROUP_SITE;
		else
			return tool_usage_error("--by: '%s' is not type, "
						"referrer or site", arg);
		break;
	case 'D':
		if (tool_parse_u64(arg, &v) < 0 || v < 1 || v > 64)
			return tool_usage_error("--site-depth: '%s' is not "
						"1..64", arg);
		o->site_depth = (unsigned)v;
		break;
	case 'c':
		o->csv = 1;
		break;
	}
	return 0;
}

/* The options that exclude each other (tool_args_fn). */
static int check_args(int argc, char **argv, void *payload)
{
	const options *o = payload;

	if (o->c.json && o->csv)
		return tool_usage_error("--json and --csv exclude each other");
	if (o->c.split && o->group == GROUP_SITE)
		return tool_usage_error("--split-classes: --by site groups by "
					"site, not by type");
	return 0;
}

static const struct option own[] = {
	{ "sort", required_argument, NULL, 's' },
	{ "top", required_argument, NULL, 'n' },
	{ "unreachable", no_argument, NULL, 'u' },
	{ "by", required_argument, NULL, 'b' },
	{ "site-depth", required_argument, NULL, 'D' },
	{ "csv", no_argument, NULL, 'c' },
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
	options o = { .sort = HS_SORT_RETAINED, .top = 20,
		      .group = GROUP_TYPE, .site_depth = 1 };
	hs_graph *g = NULL;
	hs_dom *d = NULL;
	hs_type_table t = HS_TYPE_TABLE_INIT;
	hs_buf names = HS_BUF_INIT;  /* row names of --by referrer, site */
	size_t shown;
	int rc;

	tool_init("dumptypes");
	rc = tool_getopt(&cli, &o.c, argc, argv, &o);
	if (rc != TOOL_OPT_TAKEN)
		return rc;

	rc = tool_load(&g, &d, o.c.file, o.group == GROUP_REFERRER, o.c.threads);
	if (rc)
		return rc;
	tool_warnings(g);
	tool_step("summarising types");
	rc = group_table(&t, &o, g, d, &names);
	tool_step(NULL);
	if (rc < 0) {
		rc = tool_error("%s: %s", o.c.file, hs_error_last());
		goto done;
	}
	/* unreachable objects have no retained size: sort them by shallow */
	hs_type_table_sort(&t, o.sort == HS_SORT_RETAINED && !t.has_retained
			       ? HS_SORT_SHALLOW : o.sort);
	if (o.sort == HS_SORT_RETAINED && !t.has_retained)
		o.sort = HS_SORT_SHALLOW;
	shown = o.top && o.top < t.n ? o.top : t.n;
	if (o.c.json)
		print_json(&t, &o, g, d, shown);
	else if (o.csv)
		print_csv(&t, &o, g, shown);
	else
		print_human(&t, &o, g, d, shown);
	rc = TOOL_OK;
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = tool_error("cannot write the output");
done:
	hs_type_table_release(&t);
	hs_buf_release(&names);
	hs_dom_free(d);
	hs_graph_free(g);
	return rc;
}
