/*
 * dumpreport.c - `dumpreport [OLD.snap] FILE.snap`: one self-contained
 * HTML report to look at (treemap of the dominator tree, types, paths,
 * unreachable objects, allocation sites, and with two snapshots what
 * grew), or with --md a Markdown summary of at most 5 KB to paste into a
 * bug report.  Loads the snapshots and their dominator trees, then one
 * hs_report_new() and one writer call (hs_report.h).
 *
 * Exit status: 0 written; 2 bad usage, a file that cannot be read, or
 * an output that cannot be written (nothing is left half-written: the
 * page goes to OUT.tmp, renamed when complete; a device or a FIFO is
 * written directly and never replaced, a directory refused).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hs_outfile.h"
#include "hs_report.h"
#include "tool_graph.h"
#include "tool_opts.h"

static const char usage[] =
	"usage: dumpreport [options] FILE.snap\n"
	"       dumpreport [options] OLD.snap NEW.snap\n"
	"\n"
	"One self-contained HTML report of a heap snapshot: a zoomable\n"
	"treemap of the dominator tree, the type table with each type's\n"
	"biggest instances and their root paths, the unreachable objects, the\n"
	"allocation sites; with two snapshots, what grew and who holds it\n"
	"(owners marked in the treemap).  The page fetches nothing: it opens\n"
	"from disk in any current browser.  Or, with --md, a Markdown summary\n"
	"of at most 5 KB for a bug report or an agent.\n"
	"\n"
	"  -o, --output FILE     write the page to FILE (default: the newest\n"
	"                        snapshot's name with .html, in the current\n"
	"                        directory; - for standard output)\n"
	"  --md                  print the Markdown summary instead\n"
	"  --json                print the page's data instead (schema\n"
	"                        \"heapsnap.report/1\")\n"
	"  --redact              show no value previews, no dict keys and no\n"
	"                        directories: nothing a redacted capture\n"
	"                        would not hold\n"
	"  --tree-nodes N        dominator tree nodes in the page (default\n"
	"                        20000; the rest is summed per node)\n"
	"  --min-retained S      leave out of the tree the objects retaining\n"
	"                        less than S (K, M, G suffixes; default: no\n"
	"                        limit but --tree-nodes)\n"
	"  --threads N           decoding threads (default: one per core)\n"
	TOOL_MAX_RATIO_HELP
	"  -h, --help            this text\n"
	"\n"
	"Exit status: 0 written; 2 bad usage, a snapshot that cannot be read,\n"
	"or an output that cannot be written.\n";

typedef struct {
	const char *files[2];     /* [0] the newest, [1] the old one */
	int nfiles;
	const char *output;
	enum { HTML, MD, JSON } format;
	hs_report_options ro;
	tool_common c;            /* --threads */
} options;

/* One of dumpreport's own options into o (tool_opt_fn). */
static int parse_opt(int c, const char *arg, void *payload)
{
	options *o = payload;
	uint64_t v;

	switch (c) {
	case 'o':
		o->output = arg;
		break;
	case 'M':
	case 'J':
		if (o->format != HTML)
			return tool_usage_error("--md and --json go alone");
		o->format = c == 'M' ? MD : JSON;
		break;
	case 'R':
		o->ro.redact = 1;
		break;
	case 'N':
		if (tool_parse_u64(arg, &v) < 0 || v == 0 || v > 10000000)
			return tool_usage_error("--tree-nodes: '%s' is not "
						"1..10000000", arg);
		o->ro.tree_nodes = (size_t)v;
		break;
	case 'm':
		if (tool_parse_size(arg, &o->ro.tree_min) < 0)
			return tool_usage_error("--min-retained: '%s' is not a "
						"size", arg);
		break;
	}
	return 0;
}

/* The one or two snapshots (tool_args_fn). */
static int check_args(int argc, char **argv, void *payload)
{
	options *o = payload;

	if (argc - optind < 1 || argc - optind > 2)
		return tool_usage_error("give one snapshot, or two (OLD NEW)");
	if (o->output && o->format != HTML)
		return tool_usage_error("--output goes with the HTML report");
	o->nfiles = argc - optind;
	o->files[0] = argv[argc - 1];
	if (o->nfiles == 2)
		o->files[1] = argv[optind];
	return 0;
}

static const struct option own[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "md", no_argument, NULL, 'M' },
	{ "json", no_argument, NULL, 'J' },
	{ "redact", no_argument, NULL, 'R' },
	{ "tree-nodes", required_argument, NULL, 'N' },
	{ "min-retained", required_argument, NULL, 'm' },
	{ NULL, 0, NULL, 0 }
};

static const tool_cli cli = {
	usage, "ho:", own, parse_opt,
	TOOL_THREADS | TOOL_MAX_RATIO,
	NULL, NULL,
	check_args
};

/* The default page name: the newest snapshot's base name, .snap
 * replaced by .html, in the current directory. */
static char *default_output(const char *snap)
{
	const char *b = strrchr(snap, '/');
	size_t n;
	char *out;

	b = b ? b + 1 : snap;
	n = strlen(b);
	if (n > 5 && strcmp(b + n - 5, ".snap") == 0)
		n -= 5;
	out = malloc(n + 6);
	if (out) {
		memcpy(out, b, n);
		memcpy(out + n, ".html", 6);
	}
	return out;
}

static int file_write(const void *buf, size_t len, void *payload)
{
	return fwrite(buf, 1, len, payload) == len ? 0 : HS_EIO;
}

static void progress(const char *what, void *payload)
{
	(void)payload;
	tool_step("%s", what);
}

/* Write the page to path: through path.tmp, or directly to a device or
 * a FIFO, never over one (hs_outfile.h). */
static int write_page(hs_report *r, const char *path)
{
	hs_outfile *of = NULL;
	struct stat st;
	char b[32];
	int rc = hs_outfile_open(&of, path, 0644);

	if (rc == 0)
		rc = hs_report_html(r, hs_outfile_sink(of));
	if (rc == 0) {
		rc = hs_outfile_commit(of, 0);
		of = NULL;
	}
	hs_outfile_abort(of);
	if (rc < 0)
		return tool_error("%s", hs_error_last());
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		fprintf(stderr, "dumpreport: wrote %s (%s)\n", path,
			tool_human((uint64_t)st.st_size, b, sizeof(b)));
	else
		fprintf(stderr, "dumpreport: wrote %s\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	hs_report_options def = HS_REPORT_OPTIONS_INIT;
	options o;
	hs_graph *g[2] = { NULL, NULL };
	hs_dom *d[2] = { NULL, NULL };
	hs_report *r = NULL;
	char *out = NULL;
	int rc;

	tool_init("dumpreport");
	memset(&o, 0, sizeof(o));
	o.ro = def;
	rc = tool_getopt(&cli, &o.c, argc, argv, &o);
	if (rc != TOOL_OPT_TAKEN)
		return rc;
	if (o.format == HTML && !o.output) {
		out = default_output(o.files[0]);
		if (!out)
			return tool_error("out of memory");
		o.output = out;
	}
	/* reverse references are not needed: paths search forwards */
	for (int i = 0; i < o.nfiles; i++) {
		rc = tool_load(&g[i], NULL, o.files[i], 0, o.c.threads);
		if (rc)
			goto done;
		tool_warnings(g[i]);
	}
	tool_step("computing dominators");
	if (hs_dom_build_many(d, (const hs_graph *const *)g,
			      (size_t)o.nfiles) < 0) {
		tool_step(NULL);
		rc = tool_error("%s", hs_error_last());
		goto done;
	}
	o.ro.step = progress;
	rc = hs_report_new(&r, g[0], d[0], g[1], d[1], o.files, &o.ro);
	if (rc < 0) {
		tool_step(NULL);
		rc = tool_error("%s", hs_error_last());
		goto done;
	}
	tool_step(NULL);
	switch (o.format) {
	case HTML:
		if (strcmp(o.output, "-") == 0)
			rc = hs_report_html(r, (hs_sink){ stdout, file_write });
		else
			rc = write_page(r, o.output);
		break;
	case MD:
		rc = hs_report_markdown(r, (hs_sink){ stdout, file_write });
		break;
	case JSON:
		rc = hs_report_json(r, (hs_sink){ stdout, file_write });
		break;
	}
	if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout)))
		rc = HS_EIO;
	if (rc < 0)
		rc = tool_error("cannot write the output");
done:
	hs_report_free(r);
	for (int i = 0; i < 2; i++) {
		hs_dom_free(d[i]);
		hs_graph_free(g[i]);
	}
	free(out);
	return rc;
}
