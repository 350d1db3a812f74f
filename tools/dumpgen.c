/*
 * dumpgen.c - `dumpgen --objects N --seed S [...] -o FILE`: write a
 * deterministic synthetic .snap (hs_synth_write_file) for tests and
 * benchmarks, and say what was written.
 *
 * Thin over libdump: options, one hs_synth_write_file() call (plus
 * hs_synth_leak_info() for phase 2), a one-line summary on stderr, and
 * with --json a summary object on stdout.  Memory: the writer's few MiB,
 * plus 0.5 byte per object in --refs id mode.
 * Exit status: 0 written; 2 bad usage or the file could not be written.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hs_synth.h"
#include "tool.h"
#include "tool_json.h"
#include "tool_opts.h"

#define SCHEMA "heapsnap.dumpgen/1"

static const char usage[] =
	"usage: dumpgen --objects N [--seed S] [--shape SHAPE] [--refs id|index]\n"
	"               [--phase 1|2] [--leak-count K] [--level L]\n"
	"               [--frame-size BYTES] [--json] -o FILE\n"
	"\n"
	"Write a deterministic synthetic heap snapshot: the same options give\n"
	"a byte-identical file.  A one-line summary goes to stderr.\n"
	"\n"
	"  -n, --objects N      objects of phase 1, 16..4294967296; k, M and G\n"
	"                       suffixes are decimal (10M = 10000000)\n"
	"  -s, --seed S         seed, decimal or 0x hex (default 1)\n"
	"      --shape SHAPE    service (default): generic server heap, ~4 refs\n"
	"                         per object, sizes mostly 16..64 bytes, 1..100 KiB\n"
	"                         buffers, big containers, linked lists of\n"
	"                         thousands of nodes, cycles, weak refs, garbage\n"
	"                       python: Python-like heap, ~1.2 refs per object,\n"
	"                         labelled refs (dict keys, attribute names),\n"
	"                         str/bytes/int/float previews\n"
	"                       bench4: the benchmark heap, 3..5 refs per object\n"
	"                       In every shape 70% of references go to objects\n"
	"                       within +-1000 positions in the file, 30% anywhere.\n"
	"      --refs MODE      id (default): references are addresses;\n"
	"                       index: references are object indices (smaller)\n"
	"      --phase P        1 (default) or 2: phase 2 is phase 1 plus a leak\n"
	"      --leak-count K   leaked objects in phase 2 (default objects/100,\n"
	"                       at least 10, at most 1000000)\n"
	"      --level L        zstd level 1..19 (default 3)\n"
	"      --frame-size B   record bytes per frame (default 1M; 4K..16M)\n"
	"      --json           print the summary, leak included, as JSON on\n"
	"                       stdout (schema \"" SCHEMA "\")\n"
	"  -o, --output FILE    the .snap to write (replaced atomically); a\n"
	"                       device or FIFO is written directly (file_bytes\n"
	"                       null), a directory refused\n"
	"  -h, --help           this text\n"
	"\n"
	"The leak (phase 2 = phase 1 + exactly this):\n"
	"  K objects of type \"leak.Session\", 64..128 bytes each, at indices\n"
	"  N..N+K-1 after all phase-1 objects, each referencing the first root's\n"
	"  target; the owner, a \"dict\" (python) or \"app.SessionMap\" (service,\n"
	"  bench4) held by the root labelled \"app.SESSIONS\" in both phases,\n"
	"  references them after its own references.  Nothing else changes: the\n"
	"  owner's retained size grows by exactly the sessions' total bytes.\n"
	"  The summary (and --json) gives the owner's index and id, K and the\n"
	"  total bytes, for any phase.\n"
	"\n"
	"Exit status: 0 written; 2 bad usage or the file could not be written.\n";

enum { OPT_SHAPE = 256, OPT_REFS, OPT_PHASE, OPT_LEAK, OPT_LEVEL,
       OPT_FRAME };

/* A count with an optional decimal suffix: "2000", "10k", "10M", "1G". */
static int parse_count(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'k': case 'K': mul = 1000; end++; break;
	case 'm': case 'M': mul = 1000000; end++; break;
	case 'g': case 'G': mul = 1000000000; end++; break;
	default: break;
	}
	if (*end || v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static void print_json(const char *path, const hs_synth_options *o,
		       const hs_synth_stats *st, uint64_t bytes,
		       const hs_synth_leak *lk)
{
	tool_json j;

	tj_begin(&j, stdout);
	tj_cstr(&j, "schema", SCHEMA);
	tj_cstr(&j, "file", path);
	tj_cstr(&j, "shape", hs_synth_shape_name(o->shape));
	tj_u64(&j, "seed", o->seed);
	tj_u64(&j, "phase", o->phase);
	tj_cstr(&j, "refs_mode", o->ref_mode == HS_REFS_BY_INDEX ? "index"
								 : "id");
	tj_u64(&j, "objects", st->objects);
	tj_u64(&j, "refs", st->refs);
	tj_u64(&j, "weak_refs", st->weak_refs);
	tj_u64(&j, "labelled_refs", st->labelled_refs);
	tj_u64(&j, "local_refs", st->local_refs);
	tj_u64(&j, "roots", st->roots);
	tj_u64(&j, "types", st->types);
	tj_u64(&j, "strings", st->strings);
	tj_u64(&j, "shallow_bytes", st->shallow);
	tj_u64(&j, "list_nodes", st->list_nodes);
	tj_u64(&j, "garbage_run_objects", st->garbage);
	tj_u64(&j, "containers", st->containers);
	/* null when FILE is a device or a FIFO: nothing says how much */
	if (bytes == UINT64_MAX) {
		tj_null(&j, "file_bytes");
		tj_null(&j, "bytes_per_object");
	} else {
		tj_u64(&j, "file_bytes", bytes);
		tj_fixed(&j, "bytes_per_object", st->objects ?
			 (double)bytes / (double)st->objects : 0.0, 3);
	}
	tj_object(&j, "leak");
	tj_u64(&j, "owner_index", lk->owner_index);
	tj_u64(&j, "owner_id", lk->owner_id);
	tj_u64(&j, "owner_size", lk->owner_size);
	tj_cstr(&j, "owner_type", lk->owner_type);
	tj_cstr(&j, "root_label", lk->root_label);
	tj_cstr(&j, "type", lk->type_name);
	tj_u64(&j, "count", lk->count);
	tj_u64(&j, "total_bytes", lk->total_bytes);
	tj_u64(&j, "first_index", lk->first_index);
	tj_u64(&j, "first_id", lk->first_id);
	tj_u64(&j, "user_index", lk->user_index);
	tj_u64(&j, "user_id", lk->user_id);
	tj_bool(&j, "present", o->phase == 2);
	tj_end_object(&j);
	tj_finish(&j);
}

/* What the command line asks for. */
typedef struct {
	hs_synth_options so;
	hs_writer_options wo;
	const char *out;
	tool_common c;          /* --json */
	int have_n;             /* --objects given */
} args;

/* One of dumpgen's own options into a (tool_opt_fn). */
static int parse_opt(int c, const char *arg, void *payload)
{
	args *a = payload;
	uint64_t v;

	switch (c) {
	case 'n':
		if (parse_count(arg, &a->so.objects) < 0)
			return tool_usage_error("--objects: '%s' is not a "
						"count", arg);
		a->have_n = 1;
		break;
	case 's':
		if (tool_parse_u64(arg, &a->so.seed) < 0)
			return tool_usage_error("--seed: '%s' is not an "
						"integer", arg);
		break;
	case OPT_SHAPE:
		if (hs_synth_shape_parse(&a->so.shape, arg) < 0)
			return tool_usage_error("--shape: '%s' is not service, "
						"python or bench4", arg);
		break;
	case OPT_REFS:
		if (strcmp(arg, "id") == 0)
			a->so.ref_mode = HS_REFS_BY_ID;
		else if (strcmp(arg, "index") == 0)
			a->so.ref_mode = HS_REFS_BY_INDEX;
		else
			return tool_usage_error("--refs: '%s' is not id or "
						"index", arg);
		break;
	case OPT_PHASE:
		if (strcmp(arg, "1") && strcmp(arg, "2"))
			return tool_usage_error("--phase: '%s' is not 1 or 2",
						arg);
		a->so.phase = (unsigned)(arg[0] - '0');
		break;
	case OPT_LEAK:
		if (parse_count(arg, &a->so.leak_count) < 0 ||
		    a->so.leak_count == 0 ||
		    a->so.leak_count > HS_SYNTH_LEAK_MAX)
			return tool_usage_error("--leak-count: '%s' is not in "
						"1..%u", arg,
						HS_SYNTH_LEAK_MAX);
		break;
	case OPT_LEVEL:
		if (tool_parse_u64(arg, &v) < 0 || v < 1 || v > 19)
			return tool_usage_error("--level: '%s' is not in 1..19",
						arg);
		a->wo.level = (int)v;
		break;
	case OPT_FRAME:
		if (tool_parse_size(arg, &v) < 0 || v < 4096 ||
		    v > HS_FRAME_SIZE_MAX)
			return tool_usage_error("--frame-size: '%s' is not in "
						"4K..16M", arg);
		a->wo.frame_size = (size_t)v;
		break;
	case 'o':
		a->out = arg;
		break;
	}
	return 0;
}

/* No operand; what must be given (tool_args_fn). */
static int check_args(int argc, char **argv, void *payload)
{
	const args *a = payload;

	if (optind < argc)
		return tool_usage_error("unexpected argument '%s'",
					argv[optind]);
	if (!a->have_n)
		return tool_usage_error("--objects is required");
	if (!a->out)
		return tool_usage_error("-o FILE is required");
	if (a->so.objects < HS_SYNTH_OBJECTS_MIN ||
	    a->so.objects > HS_SYNTH_OBJECTS_MAX)
		return tool_usage_error("--objects: %llu is not in %u..%llu",
					(unsigned long long)a->so.objects,
					HS_SYNTH_OBJECTS_MIN,
					(unsigned long long)HS_SYNTH_OBJECTS_MAX);
	return 0;
}

static const struct option own[] = {
	{ "objects", required_argument, NULL, 'n' },
	{ "seed", required_argument, NULL, 's' },
	{ "shape", required_argument, NULL, OPT_SHAPE },
	{ "refs", required_argument, NULL, OPT_REFS },
	{ "phase", required_argument, NULL, OPT_PHASE },
	{ "leak-count", required_argument, NULL, OPT_LEAK },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "frame-size", required_argument, NULL, OPT_FRAME },
	{ "output", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 }
};

static const tool_cli cli = {
	usage, ":n:s:o:h", own, parse_opt,
	TOOL_JSON | TOOL_QUIET,
	"unknown option '%s'", "%s needs a value",
	check_args
};

int main(int argc, char **argv)
{
	args a = { HS_SYNTH_OPTIONS_INIT, HS_WRITER_OPTIONS_INIT, NULL,
		   { 0, 0, 0, NULL }, 0 };
	const hs_synth_options *so = &a.so;
	const char *out;
	hs_synth_stats st;
	hs_synth_leak lk;
	struct stat sb;
	uint64_t bytes;
	char b1[32], b2[32], b3[32];
	int rc;

	tool_init("dumpgen");
	rc = tool_getopt(&cli, &a.c, argc, argv, &a);
	if (rc != TOOL_OPT_TAKEN)
		return rc;
	out = a.out;

	if (hs_synth_write_file(&st, out, so, &a.wo) < 0)
		return tool_error("%s", hs_error_last());
	if (stat(out, &sb) < 0)
		return tool_error("%s: cannot stat the written file: %s", out,
				  strerror(errno));
	bytes = S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : UINT64_MAX;
	if (hs_synth_leak_info(&lk, so) < 0)
		return tool_error("%s", hs_error_last());
	fprintf(stderr, "dumpgen: %s: %s %s heap, phase %u: %s objects, %s "
		"refs", out, hs_synth_shape_name(so->shape),
		so->ref_mode == HS_REFS_BY_INDEX ? "index" : "id", so->phase,
		tool_commas(st.objects, b1, sizeof(b1)),
		tool_commas(st.refs, b2, sizeof(b2)));
	if (bytes != UINT64_MAX)
		fprintf(stderr, ", %s bytes, %.2f bytes/object",
			tool_commas(bytes, b3, sizeof(b3)),
			(double)bytes / (double)st.objects);
	fprintf(stderr, "; leak%s: %llu leak.Session, %llu bytes, owner "
		"index %llu id %#llx\n", so->phase == 2 ? "" : " (phase 2)",
		(unsigned long long)lk.count,
		(unsigned long long)lk.total_bytes,
		(unsigned long long)lk.owner_index,
		(unsigned long long)lk.owner_id);
	if (a.c.json)
		print_json(out, so, &st, bytes, &lk);
	return TOOL_OK;
}
