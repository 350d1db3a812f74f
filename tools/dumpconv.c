/*
 * dumpconv.c - `dumpconv IN -o OUT`: converts a .snap to its JSON-lines
 * form (format/JSONL.md) and back, through hs_jsonl.h.
 *
 * The direction comes from the file names (or --from/--to).  Output goes
 * to OUT.tmp first and is renamed to OUT when complete, so a failed
 * conversion leaves OUT as it was.  The only paths written are OUT and
 * OUT.tmp, both from the command line, never from the input's content.
 * Memory: see hs_jsonl.h (a few MiB plus the largest object's references).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hs_jsonl.h"
#include "hs_reader.h"
#include "tool.h"

static const char usage[] =
	"usage: dumpconv [options] IN -o OUT\n"
	"\n"
	"Convert a .snap heap snapshot to its JSON-lines form (one JSON\n"
	"object per record, format/JSONL.md) or JSON lines back to a .snap.\n"
	"A .snap -> JSON lines -> .snap round trip keeps every record.\n"
	"\n"
	"The direction comes from the names: IN or OUT ending in .snap is a\n"
	".snap; ending in .jsonl, .ndjson or .json is JSON lines; '-' is\n"
	"JSON lines on stdin or stdout.  An IN with another name is\n"
	"recognized by its first bytes; OUT defaults to the other form.\n"
	"\n"
	"  -o, --output OUT    where to write (required); '-' = stdout\n"
	"                      (JSON lines only).  Written as OUT.tmp and\n"
	"                      renamed, so OUT is untouched on failure\n"
	"      --to FORM       output form: jsonl or snap (overrides OUT's\n"
	"                      name)\n"
	"      --from FORM     input form: jsonl or snap (overrides IN's name)\n"
	"      --level N       zstd level 1..19 for .snap output (default 3)\n"
	"      --frame-size S  record bytes per zstd frame for .snap output,\n"
	"                      4K..16M (default 1M); K, M suffixes allowed\n"
	"      --salvage       convert what a damaged or truncated .snap still\n"
	"                      holds (default: refuse it); exit status 1 then\n"
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

enum { FORM_UNKNOWN = 0, FORM_SNAP, FORM_JSONL };

typedef struct {
	const char *in, *out;
	int from, to;
	int level;
	size_t frame_size;
	int salvage, verbose;
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
	return FORM_UNKNOWN;
}

/* A .snap starts with the skippable frame magic 0x184D2A50 (LE). */
static int sniff(const char *path, int *form)
{
	unsigned char b[4];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return tool_error("%s: cannot open: %s", path, strerror(errno));
	n = fread(b, 1, 4, f);
	fclose(f);
	if (n == 4 && b[0] == 0x50 && b[1] == 0x2a && b[2] == 0x4d &&
	    b[3] == 0x18)
		*form = FORM_SNAP;
	else
		*form = FORM_JSONL;
	return 0;
}

static int parse_args(options *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "to", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'f' },
		{ "level", required_argument, NULL, 'l' },
		{ "frame-size", required_argument, NULL, 's' },
		{ "salvage", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->level = 3;
	o->frame_size = 1u << 20;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:vh", longopts, NULL)) != -1) {
		uint64_t v;

		switch (c) {
		case 'o': o->out = optarg; break;
		case 't':
		case 'f':
			if (form_arg(optarg) == FORM_UNKNOWN)
				return tool_usage_error("--%s: '%s' is not "
					"jsonl or snap", c == 't' ? "to"
					: "from", optarg);
			if (c == 't')
				o->to = form_arg(optarg);
			else
				o->from = form_arg(optarg);
			break;
		case 'l':
			if (tool_parse_u64(optarg, &v) < 0 || v < 1 || v > 19)
				return tool_usage_error("--level: '%s' is not "
							"in 1..19", optarg);
			o->level = (int)v;
			break;
		case 's':
			if (tool_parse_size(optarg, &v) < 0 || v < 4096 ||
			    v > (16u << 20))
				return tool_usage_error("--frame-size: '%s' is "
					"not a size in 4K..16M", optarg);
			o->frame_size = (size_t)v;
			break;
		case 'S': o->salvage = 1; break;
		case 'v': o->verbose = 1; break;
		case 'h':
			fputs(usage, stdout);
			exit(TOOL_OK);
		case ':':
			return tool_usage_error("option '%s' needs a value",
						argv[optind - 1]);
		default:
			return tool_usage_error("unknown option '%s'",
						argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return tool_usage_error(optind == argc ? "no input file"
					: "more than one input file");
	o->in = argv[optind];
	if (!o->out)
		return tool_usage_error("no output: give -o OUT ('-' for "
					"stdout)");
	return 0;
}

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
	FILE *f = NULL;
	char *tmp = NULL;
	int rc, ret = TOOL_ERROR, to_stdout = strcmp(o->out, "-") == 0;

	ro.strict = !o->salvage;
	if (hs_reader_open(&r, o->in, &ro) < 0)
		return tool_error("%s", hs_error_last());
	if (to_stdout) {
		f = stdout;
	} else {
		size_t n = strlen(o->out);
		int fd;

		tmp = malloc(n + 5);
		if (!tmp) {
			tool_error("out of memory");
			goto done;
		}
		memcpy(tmp, o->out, n);
		memcpy(tmp + n, ".tmp", 5);
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || !(f = fdopen(fd, "w"))) {
			tool_error("%s: cannot create: %s", tmp,
				   strerror(errno));
			if (fd >= 0)
				close(fd);
			free(tmp);
			tmp = NULL;
			goto done;
		}
	}
	rc = hs_jsonl_export_file(r, f, to_stdout ? "(stdout)" : tmp, &st);
	if (rc < 0) {
		tool_error("%s", hs_error_last());
		goto done;
	}
	if (!to_stdout) {
		FILE *g = f;

		f = NULL;
		if (fclose(g) != 0) {
			tool_error("%s: write failed: %s", tmp, strerror(errno));
			goto done;
		}
		if (rename(tmp, o->out) < 0) {
			tool_error("%s: cannot rename to %s: %s", tmp, o->out,
				   strerror(errno));
			goto done;
		}
		free(tmp);
		tmp = NULL;
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
	if (f && f != stdout)
		fclose(f);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
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

int main(int argc, char **argv)
{
	options o;
	int from, to;

	tool_init("dumpconv");
	if (parse_args(&o, argc, argv) != 0)
		return TOOL_ERROR;
	from = o.from ? o.from : form_of_name(o.in);
	if (!from && sniff(o.in, &from) != 0)
		return TOOL_ERROR;
	to = o.to ? o.to : form_of_name(o.out);
	if (!to)
		to = from == FORM_SNAP ? FORM_JSONL : FORM_SNAP;
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
	return from == FORM_SNAP ? to_jsonl(&o) : to_snap(&o);
}
