/*
 * dumpconv.c - `dumpconv IN -o OUT`: converts a .snap to its JSON-lines
 * form (format/JSONL.md) and back, through hs_jsonl.h, and imports V8
 * heap snapshots (format/V8.md) through hs_v8.h.
 *
 * The direction comes from the file names (or --from/--to).  Output goes
 * to OUT.tmp first and is renamed to OUT when complete, so a failed
 * conversion leaves OUT as it was; a device or a FIFO is written directly
 * and a directory refused (hs_outfile.h).  The only paths written are OUT
 * and OUT.tmp, both from the command line, never from the input's
 * content.  Memory: see hs_jsonl.h (a few MiB plus the largest object's
 * references) and hs_v8.h (bounded by --memory whatever the input).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hs_jsonl.h"
#include "hs_outfile.h"
#include "hs_reader.h"
#include "hs_v8.h"
#include "tool.h"
#include "tool_input.h"
#include "tool_opts.h"

static const char usage[] =
	"usage: dumpconv [options] IN -o OUT\n"
	"\n"
	"Convert a .snap heap snapshot to its JSON-lines form (one JSON\n"
	"object per record, format/JSONL.md) or JSON lines back to a .snap.\n"
	"A .snap -> JSON lines -> .snap round trip keeps every record.\n"
	"Import a V8 heap snapshot (Chrome DevTools, Node, memlab; plain or\n"
	"gzip-compressed) into a .snap (format/V8.md).\n"
	"\n"
	"The direction comes from the names: IN or OUT ending in .snap is a\n"
	".snap; ending in .jsonl, .ndjson or .json is JSON lines; '-' is\n"
	"JSON lines on stdin or stdout; IN ending in .heapsnapshot,\n"
	".heapsnapshot.gz or .heaptimeline is a V8 snapshot.  An IN with\n"
	"another name is recognized by its first bytes; OUT defaults to the\n"
	"other form (.snap for a V8 snapshot).  JSON lines may come from a\n"
	"pipe or FIFO (read as a stream); a .snap must be a regular file.\n"
	"\n"
	"  -o, --output OUT    where to write (required); '-' = stdout\n"
	"                      (JSON lines only).  Written as OUT.tmp and\n"
	"                      renamed, so OUT is untouched on failure; a\n"
	"                      device or FIFO is written directly, a\n"
	"                      directory or socket refused\n"
	"      --to FORM       output form: jsonl or snap (overrides OUT's\n"
	"                      name)\n"
	"      --from FORM     input form: jsonl, snap or v8 (overrides IN's\n"
	"                      name; '-' with v8 reads stdin)\n"
	"      --level N       zstd level 1..19 for .snap output (default 3;\n"
	"                      1 from a V8 snapshot)\n"
	"      --frame-size S  record bytes per zstd frame for .snap output,\n"
	"                      4K..16M (default 1M); K, M suffixes allowed\n"
	"      --salvage       convert what a damaged or truncated .snap still\n"
	"                      holds (default: refuse it); exit status 1 then\n"
	"      --redact        V8: leave out the previews that hold the\n"
	"                      program's data (string, number, bigint, regexp\n"
	"                      and symbol values)\n"
	"      --tmpdir DIR    V8: scratch files there (default $TMPDIR, else\n"
	"                      /tmp; about 30 bytes per node and 9 per edge,\n"
	"                      without names: nothing is left behind)\n"
	"      --memory S      V8: scratch kept in memory for reading at\n"
	"                      random (default 128M; K, M, G suffixes)\n"
	TOOL_MAX_RATIO_HELP
	"  -v, --verbose       print counts on stderr when done\n"
	"  -h, --help          this text\n"
	"\n"
	"Reference mode (ids or indices) and previews are kept as they are;\n"
	"previews are never cut on import.  Errors name the file and the\n"
	"byte offset (.snap) or the line and column (JSON lines).\n"
	"\n"
	"Exit status: 0 converted; 1 converted with --salvage from a damaged\n"
	"file (the output lacks what was lost); 2 bad usage, bad input or an\n"
	"I/O error (nothing is written to OUT).\n";

enum { FORM_UNKNOWN = 0, FORM_SNAP, FORM_JSONL, FORM_V8 };

typedef struct {
	const char *in, *out;
	int from, to;
	int level;
	size_t frame_size;
	int salvage, verbose, redact, level_set;
	const char *tmpdir;
	size_t memory;
} options;

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

static int form_of_name(const char *path)
{
	if (strcmp(path, "-") == 0)
		return FORM_JSONL;
	if (ends_with(path, ".heapsnapshot") ||
	    ends_with(path, ".heapsnapshot.gz") ||
	    ends_with(path, ".heaptimeline"))
		return FORM_V8;
	if (ends_with(path, ".snap"))
		return FORM_SNAP;
	if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson") ||
	    ends_with(path, ".json"))
		return FORM_JSONL;
	return FORM_UNKNOWN;
}

static int form_arg(const char *s)
{
	if (strcmp(s, "snap") == 0)
		return FORM_SNAP;
	if (strcmp(s, "jsonl") == 0 || strcmp(s, "json") == 0 ||
	    strcmp(s, "ndjson") == 0)
		return FORM_JSONL;
	if (strcmp(s, "v8") == 0 || strcmp(s, "heapsnapshot") == 0)
		return FORM_V8;
	return FORM_UNKNOWN;
}

/* A .snap starts with the skippable frame magic 0x184D2A50 (LE); a V8
 * snapshot with {"snapshot" or gzip's magic; the rest is JSON lines.
 * Only a regular file is sniffed: reading a pipe's first bytes would lose
 * them (and wait for a writer), and a .snap is never read from a pipe, so
 * anything else is JSON lines. */
static int sniff(const char *path, int *form)
{
	unsigned char b[64];
	struct stat st;
	FILE *f;
	size_t n;

	*form = FORM_JSONL;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return 0;
	f = fopen(path, "rb");
	if (!f)
		return tool_error("%s: cannot open: %s", path, strerror(errno));
	n = fread(b, 1, sizeof(b), f);
	fclose(f);
	if (n >= 4 && b[0] == 0x50 && b[1] == 0x2a && b[2] == 0x4d &&
	    b[3] == 0x18)
		*form = FORM_SNAP;
	else if (hs_v8_sniff(b, n))
		*form = FORM_V8;
	return 0;
}

/* One of dumpconv's own options into o (tool_opt_fn). */
static int parse_opt(int c, const char *arg, void *payload)
{
	options *o = payload;
	uint64_t v;

	switch (c) {
	case 'o': o->out = arg; break;
	case 't':
	case 'f':
		if (form_arg(arg) == FORM_UNKNOWN ||
		    (c == 't' && form_arg(arg) == FORM_V8))
			return tool_usage_error("--%s: '%s' is not jsonl or "
						"snap%s", c == 't' ? "to"
						: "from", arg, c == 't' ? ""
						: " or v8");
		if (c == 't')
			o->to = form_arg(arg);
		else
			o->from = form_arg(arg);
		break;
	case 'l':
		if (tool_parse_u64(arg, &v) < 0 || v < 1 || v > 19)
			return tool_usage_error("--level: '%s' is not in 1..19",
						arg);
		o->level = (int)v;
		o->level_set = 1;
		break;
	case 's':
		if (tool_parse_size(arg, &v) < 0 || v < 4096 ||
		    v > (16u << 20))
			return tool_usage_error("--frame-size: '%s' is not a "
						"size in 4K..16M", arg);
		o->frame_size = (size_t)v;
		break;
	case 'S': o->salvage = 1; break;
	case 'r': o->redact = 1; break;
	case 'T': o->tmpdir = arg; break;
	case 'M':
		if (tool_parse_size(arg, &v) < 0 || v < (1u << 20))
			return tool_usage_error("--memory: '%s' is not a size "
						"of 1M or more", arg);
		o->memory = (size_t)v;
		break;
	case 'v': o->verbose = 1; break;
	}
	return 0;
}

/* IN, and an output (tool_args_fn). */
static int check_args(int argc, char **argv, void *payload)
{
	options *o = payload;

	if (optind + 1 != argc)
		return tool_usage_error(optind == argc ? "no input file"
					: "more than one input file");
	o->in = argv[optind];
	if (!o->out)
		return tool_usage_error("no output: give -o OUT ('-' for "
					"stdout)");
	return 0;
}

static const struct option own[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "to", required_argument, NULL, 't' },
	{ "from", required_argument, NULL, 'f' },
	{ "level", required_argument, NULL, 'l' },
	{ "frame-size", required_argument, NULL, 's' },
	{ "salvage", no_argument, NULL, 'S' },
	{ "redact", no_argument, NULL, 'r' },
	{ "tmpdir", required_argument, NULL, 'T' },
	{ "memory", required_argument, NULL, 'M' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 }
};

static const tool_cli cli = {
	usage, ":o:vh", own, parse_opt,
	TOOL_MAX_RATIO | TOOL_QUIET,
	"unknown option '%s'", "option '%s' needs a value",
	check_args
};

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (strcmp(a, "-") == 0 || strcmp(b, "-") == 0)
		return 0;
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void report(const options *o, const hs_jsonl_stats *st)
{
	char a[32], b[32], c[32];

	if (!o->verbose)
		return;
	fprintf(stderr, "dumpconv: %s -> %s: %s lines, %s objects, %s "
		"references\n", o->in, o->out, tool_commas(st->lines, a,
		sizeof(a)), tool_commas(st->objects, b, sizeof(b)),
		tool_commas(st->refs, c, sizeof(c)));
	if (st->skipped)
		fprintf(stderr, "dumpconv: %llu records of unknown kinds were "
			"not converted\n", (unsigned long long)st->skipped);
}

/* .snap -> JSON lines */
static int to_jsonl(const options *o)
{
	hs_reader_options ro = HS_READER_OPTIONS_INIT;
	hs_jsonl_stats st;
	hs_integrity in;
	hs_reader *r = NULL;
	hs_outfile *of = NULL;
	int rc, ret = TOOL_ERROR;

	ro.strict = !o->salvage;
	ro.max_ratio = tool_max_ratio();
	if (hs_reader_open(&r, o->in, &ro) < 0)
		return tool_error("%s", hs_error_last());
	if (strcmp(o->out, "-") == 0) {
		rc = hs_jsonl_export_file(r, stdout, "(stdout)", &st);
	} else {
		rc = hs_outfile_open(&of, o->out, 0600);
		if (rc == 0)
			rc = hs_jsonl_export(r, hs_outfile_sink(of),
					     hs_outfile_name(of), &st);
		if (rc == 0) {
			rc = hs_outfile_commit(of, 0);
			of = NULL;
		}
	}
	if (rc < 0) {
		tool_error("%s", hs_error_last());
		goto done;
	}
	report(o, &st);
	hs_reader_integrity(&in, r);
	ret = TOOL_OK;
	if (in.status != HS_INTEGRITY_COMPLETE) {
		fprintf(stderr, "dumpconv: %s: %s (%s); the output lacks what "
			"was lost\n", o->in, hs_integrity_status_name(in.status),
			in.problem[0] ? in.problem : "no details");
		ret = TOOL_FINDING;
	}
done:
	hs_outfile_abort(of);
	hs_reader_free(r);
	return ret;
}

/* JSON lines -> .snap */
static int to_snap(const options *o)
{
	hs_writer_options wo = HS_WRITER_OPTIONS_INIT;
	hs_jsonl_stats st;
	int rc, from_stdin = strcmp(o->in, "-") == 0;

	if (strcmp(o->out, "-") == 0)
		return tool_usage_error("a .snap is not written to stdout: "
					"give -o FILE.snap");
	wo.level = o->level;
	wo.frame_size = o->frame_size;
	wo.max_preview = HS_STRING_MAX;
	if (from_stdin)
		rc = hs_jsonl_import(stdin, "(stdin)", o->out, &wo, &st);
	else
		rc = hs_jsonl_import_file(o->in, o->out, &wo, &st);
	if (rc < 0)
		return tool_error("%s", hs_error_last());
	report(o, &st);
	return TOOL_OK;
}

static void report_v8(const options *o, const hs_v8_stats *st)
{
	char b[8][32];

	if (!o->verbose)
		return;
	fprintf(stderr, "dumpconv: %s -> %s: %s nodes, %s edges, %s strings "
		"(%s of JSON%s)\n", o->in, o->out,
		tool_commas(st->nodes, b[0], sizeof(b[0])),
		tool_commas(st->edges, b[1], sizeof(b[1])),
		tool_commas(st->strings, b[2], sizeof(b[2])),
		tool_human(st->bytes, b[3], sizeof(b[3])),
		st->gzip ? ", gunzipped" : "");
	fprintf(stderr, "dumpconv: %s objects, %s references (%s weak: %s "
		"weak edges, %s shortcuts, %s into page-owned nodes), %s "
		"roots (%llu weak-only), %llu unreachable\n",
		tool_commas(st->objects, b[0], sizeof(b[0])),
		tool_commas(st->refs, b[1], sizeof(b[1])),
		tool_commas(st->weak_refs, b[2], sizeof(b[2])),
		tool_commas(st->weak_edges, b[3], sizeof(b[3])),
		tool_commas(st->shortcuts, b[4], sizeof(b[4])),
		tool_commas(st->page_edges, b[5], sizeof(b[5])),
		tool_commas(st->roots, b[6], sizeof(b[6])),
		(unsigned long long)st->weak_only,
		(unsigned long long)st->unreachable);
	fprintf(stderr, "dumpconv: %s of scratch files\n",
		tool_human(st->scratch, b[0], sizeof(b[0])));
}

/* V8 heap snapshot -> .snap */
static int v8_to_snap(const options *o)
{
	hs_writer_options wo = HS_WRITER_OPTIONS_INIT;
	hs_v8_options vo = HS_V8_OPTIONS_INIT;
	hs_v8_stats st;
	int rc;

	if (strcmp(o->out, "-") == 0)
		return tool_usage_error("a .snap is not written to stdout: "
					"give -o FILE.snap");
	/* level 1 unless asked: the import is bound by the CPU, and the
	 * .snap is a tenth of the JSON at any level (+5% at 1 against 3) */
	wo.level = o->level_set ? o->level : 1;
	wo.frame_size = o->frame_size;
	vo.redact = o->redact;
	vo.tmpdir = o->tmpdir;
	vo.memory = o->memory;
	if (strcmp(o->in, "-") == 0) {
		rc = hs_v8_import(stdin, "(stdin)", o->out, &vo, &wo, &st);
	} else {
		tool_v8_header(o->in, &vo);
		rc = hs_v8_import_file(o->in, o->out, &vo, &wo, &st);
	}
	if (rc < 0)
		return tool_error("%s", hs_error_last());
	report_v8(o, &st);
	return TOOL_OK;
}

int main(int argc, char **argv)
{
	options o;
	int from, to, rc;

	tool_init("dumpconv");
	memset(&o, 0, sizeof(o));
	o.level = 3;
	o.frame_size = 1u << 20;
	rc = tool_getopt(&cli, NULL, argc, argv, &o);
	if (rc != TOOL_OPT_TAKEN)
		return rc;
	from = o.from ? o.from : form_of_name(o.in);
	if (!from && sniff(o.in, &from) != 0)
		return TOOL_ERROR;
	to = o.to ? o.to : form_of_name(o.out);
	if (!to || to == FORM_V8)
		to = from == FORM_SNAP ? FORM_JSONL : FORM_SNAP;
	if (from == FORM_V8 && to != FORM_SNAP)
		return tool_usage_error("a V8 snapshot converts to a .snap "
					"(then dumpconv X.snap -o X.jsonl)");
	if ((o.redact || o.tmpdir || o.memory) && from != FORM_V8)
		return tool_usage_error("--redact, --tmpdir and --memory are "
					"for V8 snapshots");
	if (from == to)
		return tool_usage_error("%s and %s are both %s: nothing to "
					"convert (see --from, --to)", o.in,
					o.out, from == FORM_SNAP ? "snap"
								 : "JSON lines");
	if (from == FORM_SNAP && strcmp(o.in, "-") == 0)
		return tool_usage_error("a .snap is not read from stdin");
	if (same_file(o.in, o.out))
		return tool_usage_error("%s: the input and the output are the "
					"same file", o.out);
	if (from == FORM_V8)
		return v8_to_snap(&o);
	return from == FORM_SNAP ? to_jsonl(&o) : to_snap(&o);
}
