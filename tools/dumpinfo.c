/*
 * dumpinfo.c - `dumpinfo [--json] [--frames] FILE...`: what a .snap holds
 * and whether it is whole, from one hs_summary pass per file (constant
 * memory, frames decoded on all cores).
 *
 * Exit status: 0 every file was read completely and its totals agree;
 * 1 some file is truncated or salvaged, or its counts disagree with its
 * end record or trailer (the data is partial or inconsistent: a finding);
 * 2 some file could not be read at all (not a .snap, unreadable, newer
 * format) or the command line is wrong.  Every string that comes from a
 * dump is escaped before it reaches the terminal or the JSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_summary.h"
#include "tool.h"
#include "tool_input.h"
#include "tool_opts.h"

#define SCHEMA "heapsnap.dumpinfo/1"
#define LABEL_W 19  /* "bytes per object:  " */

static const char usage[] =
	"usage: dumpinfo [--json] [--frames] [--threads N] [--max-ratio R] FILE...\n"
	"\n"
	"Print what each .snap file holds: header, counts, roots by kind,\n"
	"sizes, frames and compression, and whether the file is complete.\n"
	"\n"
	"  --json         one JSON object per file and line (schema\n"
	"                 \"" SCHEMA "\", see dumpinfo(1))\n"
	"  --frames       also list the frame table\n"
	"  --threads N    decoding threads (default: one per core)\n"
	TOOL_MAX_RATIO_HELP
	"  -h, --help     this text\n"
	"\n"
	"Exit status: 0 every file is complete; 1 a file is truncated or\n"
	"salvaged, or its counts disagree with its end record or trailer\n"
	"(what is printed is partial); 2 a file cannot be read or bad usage.\n";

typedef struct {
	int json;
	int frames;
	unsigned threads;
} options;

static void label(const char *name)
{
	int n = printf("%s:", name);

	printf("%*s", n < LABEL_W ? LABEL_W - n : 1, "");
}

/* Human output shows at most this many bytes of a string from the dump
 * (a type name may be 64 KiB); --json has them all. */
#define SHOW_MAX 200

static void print_str(const char *s, size_t n)
{
	size_t cut = n;

	if (n > SHOW_MAX) {
		cut = SHOW_MAX;
		/* do not split a UTF-8 character */
		while (cut > SHOW_MAX - 4 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	tool_print_safe(stdout, s, cut);
	if (cut < n)
		printf("...(%zu bytes)", n);
}

static const char *ref_mode_name(hs_ref_mode m)
{
	return m == HS_REFS_BY_INDEX ? "index" : "id";
}

static double ratio(uint64_t d, uint64_t c)
{
	return c ? (double)d / (double)c : 0.0;
}

/* "ok", "partial" or "lost": what the pass got out of frame f. */
static const char *frame_state(const hs_summary_frame *f)
{
	if (!f->records)
		return "lost";
	if (f->info.records && f->records != f->info.records)
		return "partial";
	return "ok";
}

static int is_finding(const hs_summary *s)
{
	return s->integrity.status != HS_INTEGRITY_COMPLETE ||
	       s->check == HS_SUMMARY_DISAGREE;
}

/* ---- human output ------------------------------------------------------ */

static void print_integrity(const hs_summary *s)
{
	const hs_integrity *in = &s->integrity;
	char b1[32], b2[32];
	int exact = in->objects_lost >= 0;

	label("integrity");
	if (in->status == HS_INTEGRITY_COMPLETE) {
		puts("complete");
		return;
	}
	if (in->status == HS_INTEGRITY_TRUNCATED) {
		printf("truncated at byte %s",
		       tool_commas(in->frames_lost ? in->first_loss
						   : s->file_size, b1,
				   sizeof(b1)));
	} else {
		printf("salvaged, first damage at byte %s",
		       tool_commas(in->first_loss, b1, sizeof(b1)));
	}
	if (in->frames_lost)
		printf(": %llu frame%s (%s) lost",
		       (unsigned long long)in->frames_lost,
		       in->frames_lost == 1 ? "" : "s",
		       tool_human(in->bytes_lost, b2, sizeof(b2)));
	else
		printf(": no frame lost");
	if (in->status == HS_INTEGRITY_TRUNCATED && !s->has_end &&
	    (s->objects_lost_estimate > 0 || !exact))
		/* only the bytes still in the file can be estimated: what was
		 * written after the cut left no trace */
		printf(", at least %s%s objects lost (nothing is known past "
		       "the cut)", exact ? "" : "~",
		       tool_commas((uint64_t)s->objects_lost_estimate, b1,
				   sizeof(b1)));
	else if (s->objects_lost_estimate > 0 || !exact)
		printf(", %s%s objects lost", exact ? "" : "~",
		       tool_commas((uint64_t)s->objects_lost_estimate, b1,
				   sizeof(b1)));
	else if (in->status == HS_INTEGRITY_TRUNCATED && !s->has_end)
		printf(", objects after the cut unknown (no end record)");
	putchar('\n');
}

static void print_frames(const hs_summary *s)
{
	char c[32], d[32], r[32], o[32], fo[32], off[32];

	printf("\n%6s %14s %12s %14s %6s %10s %10s %12s  %s\n", "frame",
	       "offset", "compressed", "decompressed", "ratio", "records",
	       "objects", "first object", "state");
	for (size_t i = 0; i < s->nframes; i++) {
		const hs_summary_frame *f = &s->frames[i];

		printf("%6zu %14s %12s %14s ", i,
		       tool_commas(f->info.offset, off, sizeof(off)),
		       tool_commas(f->info.csize, c, sizeof(c)),
		       f->info.dsize ? tool_commas(f->info.dsize, d, sizeof(d))
				     : "-");
		if (f->info.dsize)
			printf("%6.2f ", ratio(f->info.dsize, f->info.csize));
		else
			printf("%6s ", "-");
		printf("%10s %10s %12s  %s\n",
		       tool_commas(f->records, r, sizeof(r)),
		       tool_commas(f->objects, o, sizeof(o)),
		       f->records ? tool_commas(f->info.first_object, fo,
						sizeof(fo)) : "-",
		       frame_state(f));
	}
}

/* file, size, header */
static void print_header(const hs_summary *s)
{
	char b1[32], b2[32];
	const hs_header *h = &s->info.header;

	label("file");
	tool_print_safe(stdout, s->path, strlen(s->path));
	putchar('\n');
	label("size");
	printf("%s (%s bytes)\n", tool_human(s->file_size, b1, sizeof(b1)),
	       tool_commas(s->file_size, b2, sizeof(b2)));
	label("format version");
	printf("%u\n", s->info.version);
	label("runtime");
	print_str(s->runtime, s->runtime_len);
	if (s->runtime_version_len) {
		putchar(' ');
		print_str(s->runtime_version, s->runtime_version_len);
	}
	putchar('\n');
	label("pid");
	printf("%llu\n", (unsigned long long)h->pid);
	label("time");
	printf("%s\n", tool_iso8601(h->time_ms, b1, sizeof(b1)));
	label("reason");
	print_str(s->reason, s->reason_len);
	putchar('\n');
	if (s->walker_len) {
		label("walker");
		print_str(s->walker, s->walker_len);
		putchar('\n');
	}
	label("word size");
	printf("%u bytes\n", h->word_size);
	label("ref mode");
	printf("%s\n", ref_mode_name(s->info.ref_mode));
}

/* what the file holds: counts, roots by kind, sizes */
static void print_counts(const hs_summary *s)
{
	const uint64_t rss = s->info.header.rss;  /* 0: not recorded */
	char b1[32], b2[32];

	label("objects");
	printf("%s\n", tool_commas(s->objects, b1, sizeof(b1)));
	label("references");
	printf("%s (%s weak)\n", tool_commas(s->refs, b1, sizeof(b1)),
	       tool_commas(s->weak_refs, b2, sizeof(b2)));
	label("types");
	printf("%s\n", tool_commas(s->types, b1, sizeof(b1)));
	label("strings");
	printf("%s\n", tool_commas(s->strings, b1, sizeof(b1)));
	label("sites");
	printf("%s\n", tool_commas(s->sites, b1, sizeof(b1)));
	label("roots");
	printf("%s\n", tool_commas(s->roots, b1, sizeof(b1)));
	for (size_t i = 0; i < s->nkinds; i++) {
		size_t w = tool_safe_width(s->kinds[i].name, s->kinds[i].len);

		printf("  ");
		print_str(s->kinds[i].name, s->kinds[i].len);
		printf(":%*s%s\n", w + 3 < LABEL_W ? (int)(LABEL_W - 3 - w) : 1,
		       "", tool_commas(s->kinds[i].count, b1, sizeof(b1)));
	}
	if (s->roots_other)
		printf("  (other kinds):   %s\n",
		       tool_commas(s->roots_other, b1, sizeof(b1)));
	label("shallow size");
	printf("%s (%s bytes)\n", tool_human(s->shallow, b1, sizeof(b1)),
	       tool_commas(s->shallow, b2, sizeof(b2)));
	if (s->rt_sized) {
		label("runtime's sizes");
		printf("%s (%s objects sized otherwise by the runtime)\n",
		       tool_human(s->rt_shallow, b1, sizeof(b1)),
		       tool_commas(s->rt_sized, b2, sizeof(b2)));
	}
	if (rss) {
		label("process RSS");
		printf("%s at capture; the objects are %.1f%% of it\n",
		       tool_human(rss, b1, sizeof(b1)),
		       100.0 * (double)s->shallow / (double)rss);
	}
	if (s->has_largest) {
		label("largest object");
		printf("%s (%s bytes), ",
		       tool_human(s->largest_size, b1, sizeof(b1)),
		       tool_commas(s->largest_size, b2, sizeof(b2)));
		if (s->largest_type_name)
			print_str(s->largest_type_name, s->largest_type_len);
		else
			printf("type %u (undeclared)", s->largest_type);
		printf(", id %#llx, index %llu\n",
		       (unsigned long long)s->largest_id,
		       (unsigned long long)s->largest_index);
	}
	label("bytes per object");
	if (s->objects)
		printf("%.1f on disk\n", ratio(s->file_size, s->objects));
	else
		puts("-");
}

/* frames, records, integrity */
static void print_file(const hs_summary *s)
{
	char b1[32], b2[32], b3[32];

	label("frames");
	printf("%zu, %s compressed", s->nframes,
	       tool_human(s->compressed, b1, sizeof(b1)));
	if (s->dsize_known)
		printf(", %s decompressed (ratio %.2f%s)",
		       tool_human(s->decompressed, b2, sizeof(b2)),
		       ratio(s->decompressed, s->compressed_known),
		       s->dsize_known < s->nframes ? ", frames of known size"
						   : "");
	putchar('\n');
	label("records");
	{
		const char *sep = "";

		for (int k = HS_REC_HEADER; k <= HS_REC_END; k++) {
			printf("%s%s %s", sep, tool_commas(s->records[k], b3,
							  sizeof(b3)),
			       hs_record_kind_name(k));
			sep = ", ";
		}
		if (s->records[0])
			printf(", %s unknown", tool_commas(s->records[0], b3,
							    sizeof(b3)));
		putchar('\n');
	}
	print_integrity(s);
	if (s->integrity.problem[0]) {
		label("problem");
		print_str(s->integrity.problem, strlen(s->integrity.problem));
		putchar('\n');
	}
}

/* the counts against the end record's and the trailer's */
static void print_totals(const hs_summary *s)
{
	char b1[32], b2[32], b3[32];

	label("totals");
	switch (s->check) {
	case HS_SUMMARY_AGREE:
		printf("agree with the %s\n", s->has_end && s->has_trailer
		       ? "end record and the trailer" : s->has_end
		       ? "end record" : "trailer");
		break;
	case HS_SUMMARY_UNCHECKED:
		puts(s->integrity.frames_lost ? "not checked (frames were lost)"
		     : "not checked (no end record, no trailer)");
		break;
	case HS_SUMMARY_DISAGREE: {
		const char *sep = "";

		printf("DISAGREE: ");
		for (int i = 0; i < 6; i++) {
			const hs_summary_total *t = &s->totals[i];
			int bad_end = s->has_end && t->end != t->counted;
			int bad_tr = s->has_trailer && t->trailer != t->counted;

			if (!bad_end && !bad_tr)
				continue;
			printf("%s%s counted %s", sep, t->what,
			       tool_commas(t->counted, b1, sizeof(b1)));
			if (bad_end)
				printf(", end record says %s",
				       tool_commas(t->end, b2, sizeof(b2)));
			if (bad_tr)
				printf(", trailer says %s",
				       tool_commas(t->trailer, b3, sizeof(b3)));
			sep = "; ";
		}
		putchar('\n');
		break;
	}
	}
}

static void print_human(const hs_summary *s, const options *o)
{
	print_header(s);
	print_counts(s);
	print_file(s);
	print_totals(s);
	if (o->frames)
		print_frames(s);
}

/* ---- JSON output (schema heapsnap.dumpinfo/1, doc/man/dumpinfo.1.md) ------- */

static void jkey(const char *k)
{
	printf(",\"%s\":", k);
}

static void ju64(const char *k, uint64_t v)
{
	jkey(k);
	printf("%llu", (unsigned long long)v);
}

static void jstr(const char *k, const char *s, size_t n)
{
	jkey(k);
	tool_json_str(stdout, s, n);
}

static void json_header(const hs_summary *s)
{
	const hs_header *h = &s->info.header;
	char b[32];

	printf("{\"schema\":\"" SCHEMA "\"");
	jstr("file", s->path, strlen(s->path));
	ju64("file_size", s->file_size);
	ju64("format_version", s->info.version);
	jstr("runtime", s->runtime, s->runtime_len);
	jstr("runtime_version", s->runtime_version, s->runtime_version_len);
	ju64("pid", h->pid);
	ju64("time_ms", h->time_ms);
	tool_iso8601(h->time_ms, b, sizeof(b));
	jstr("time", b, strlen(b));
	jstr("reason", s->reason, s->reason_len);
	if (s->walker_len)
		jstr("walker", s->walker, s->walker_len);
	ju64("word_size", h->word_size);
	jkey("ref_mode");
	printf("\"%s\"", ref_mode_name(s->info.ref_mode));
}

static void json_counts(const hs_summary *s)
{
	ju64("objects", s->objects);
	ju64("references", s->refs);
	ju64("weak_references", s->weak_refs);
	ju64("types", s->types);
	ju64("strings", s->strings);
	ju64("sites", s->sites);
	ju64("roots", s->roots);
	jkey("roots_by_kind");
	putchar('[');
	for (size_t i = 0; i < s->nkinds; i++) {
		printf("%s{\"kind\":", i ? "," : "");
		tool_json_str(stdout, s->kinds[i].name, s->kinds[i].len);
		printf(",\"count\":%llu}",
		       (unsigned long long)s->kinds[i].count);
	}
	putchar(']');
	ju64("roots_other_kinds", s->roots_other);
	ju64("shallow_bytes", s->shallow);
	ju64("runtime_shallow_bytes", s->rt_shallow);
	ju64("runtime_sized_objects", s->rt_sized);
	jkey("rss_bytes");
	if (s->info.header.rss)
		printf("%llu", (unsigned long long)s->info.header.rss);
	else
		fputs("null", stdout);
	jkey("largest_object");
	if (s->has_largest) {
		printf("{\"index\":%llu,\"id\":%llu,\"size\":%llu,\"type\":%u,"
		       "\"type_name\":", (unsigned long long)s->largest_index,
		       (unsigned long long)s->largest_id,
		       (unsigned long long)s->largest_size, s->largest_type);
		tool_json_str(stdout, s->largest_type_name,
			      s->largest_type_len);
		putchar('}');
	} else {
		printf("null");
	}
	jkey("bytes_per_object");
	if (s->objects)
		printf("%.3f", ratio(s->file_size, s->objects));
	else
		printf("null");
}

static void json_records_frames(const hs_summary *s)
{
	jkey("records");
	printf("{");
	for (int k = HS_REC_HEADER; k <= HS_REC_END; k++)
		printf("\"%s\":%llu,", hs_record_kind_name(k),
		       (unsigned long long)s->records[k]);
	printf("\"unknown\":%llu}", (unsigned long long)s->records[0]);
	jkey("frames");
	printf("{\"count\":%zu,\"compressed_bytes\":%llu,"
	       "\"decompressed_bytes\":%llu,\"decompressed_known_frames\":%zu,"
	       "\"ratio\":", s->nframes, (unsigned long long)s->compressed,
	       (unsigned long long)s->decompressed, s->dsize_known);
	if (s->dsize_known)
		printf("%.3f}", ratio(s->decompressed, s->compressed_known));
	else
		printf("null}");
}

static void json_integrity(const hs_summary *s)
{
	const hs_integrity *in = &s->integrity;

	jkey("integrity");
	printf("{\"status\":\"%s\",\"has_trailer\":%s,\"has_end\":%s,"
	       "\"frames_ok\":%llu,\"frames_lost\":%llu,\"bytes_lost\":%llu,"
	       "\"objects_lost\":", hs_integrity_status_name(in->status),
	       in->has_trailer ? "true" : "false",
	       in->has_end ? "true" : "false",
	       (unsigned long long)in->frames_ok,
	       (unsigned long long)in->frames_lost,
	       (unsigned long long)in->bytes_lost);
	if (in->objects_lost >= 0)
		printf("%lld", (long long)in->objects_lost);
	else
		printf("null");
	printf(",\"objects_lost_estimate\":%lld,\"first_loss\":",
	       (long long)s->objects_lost_estimate);
	if (in->status != HS_INTEGRITY_COMPLETE)
		printf("%llu", (unsigned long long)(in->frames_lost
			       ? in->first_loss : in->status ==
			       HS_INTEGRITY_TRUNCATED ? s->file_size
			       : in->first_loss));
	else
		printf("null");
	printf(",\"problem\":");
	if (in->problem[0])
		tool_json_str(stdout, in->problem, strlen(in->problem));
	else
		printf("null");
	putchar('}');
}

static void json_totals(const hs_summary *s)
{
	jkey("totals");
	printf("{\"check\":\"%s\",\"has_end\":%s,\"has_trailer\":%s,"
	       "\"disagreements\":%u,\"items\":[",
	       hs_summary_check_name(s->check), s->has_end ? "true" : "false",
	       s->has_trailer ? "true" : "false", s->disagreements);
	for (int i = 0; i < 6; i++) {
		const hs_summary_total *t = &s->totals[i];

		printf("%s{\"what\":\"%s\",\"counted\":%llu,\"end\":", i ? ","
		       : "", t->what, (unsigned long long)t->counted);
		if (s->has_end)
			printf("%llu", (unsigned long long)t->end);
		else
			printf("null");
		printf(",\"trailer\":");
		if (s->has_trailer)
			printf("%llu}", (unsigned long long)t->trailer);
		else
			printf("null}");
	}
	printf("]}");
}

static void json_frame_table(const hs_summary *s)
{
	jkey("frame_table");
	putchar('[');
	for (size_t i = 0; i < s->nframes; i++) {
		const hs_summary_frame *f = &s->frames[i];

		printf("%s{\"offset\":%llu,\"compressed_bytes\":%llu,"
		       "\"decompressed_bytes\":", i ? "," : "",
		       (unsigned long long)f->info.offset,
		       (unsigned long long)f->info.csize);
		if (f->info.dsize)
			printf("%llu", (unsigned long long)f->info.dsize);
		else
			printf("null");
		printf(",\"records\":%llu,\"objects\":%llu,"
		       "\"first_object\":%llu,\"state\":\"%s\"}",
		       (unsigned long long)f->records,
		       (unsigned long long)f->objects,
		       (unsigned long long)f->info.first_object,
		       frame_state(f));
	}
	putchar(']');
}

static void print_json(const hs_summary *s, const options *o)
{
	json_header(s);
	json_counts(s);
	json_records_frames(s);
	json_integrity(s);
	json_totals(s);
	if (o->frames)
		json_frame_table(s);
	printf("}\n");
}

static void print_json_error(const char *path, const char *msg)
{
	printf("{\"schema\":\"" SCHEMA "\",\"file\":");
	tool_json_str(stdout, path, strlen(path));
	printf(",\"error\":");
	tool_json_str(stdout, msg, strlen(msg));
	printf("}\n");
}

/* Summarises one file; @return its exit status. */
static int info_file(const char *path, const options *o, int first)
{
	hs_summary s;
	hs_summary_options so = HS_SUMMARY_OPTIONS_INIT;
	const char *snap;
	int rc, status;

	so.threads = o->threads;
	so.max_ratio = tool_max_ratio();
	if (tool_input(path, &snap) != 0) {
		if (o->json)
			print_json_error(path, "cannot import the V8 snapshot");
		return TOOL_ERROR;
	}
	rc = hs_summary_read(&s, snap, &so);
	if (rc == 0 && snap != path) {
		/* a V8 snapshot: name it, not its temporary .snap */
		char *name = strdup(path);

		if (name) {
			free(s.path);
			s.path = name;
		}
	}
	if (rc < 0) {
		/* the library's message names the path, offset and problem */
		tool_error("%s", hs_error_last());
		if (o->json)
			print_json_error(path, hs_error_last());
		return TOOL_ERROR;
	}
	if (o->json) {
		print_json(&s, o);
	} else {
		if (!first)
			putchar('\n');
		print_human(&s, o);
	}
	status = is_finding(&s) ? TOOL_FINDING : TOOL_OK;
	hs_summary_release(&s);
	return status;
}

/* One of dumpinfo's own options into o (tool_opt_fn). */
static int parse_opt(int c, const char *arg, void *payload)
{
	options *o = payload;
	uint64_t n;

	switch (c) {
	case 'F': o->frames = 1; break;
	case 't':
		if (tool_parse_u64(arg, &n) < 0 || n > HS_THREADS_MAX)
			return tool_usage_error("--threads wants 0..%d, not "
						"'%s'", HS_THREADS_MAX, arg);
		o->threads = (unsigned)n;
		break;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option own[] = {
		{ "frames", no_argument, NULL, 'F' },
		{ "threads", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	options o = { 0, 0, 0 };
	const tool_cli cli = {
		usage, ":ht:", own, parse_opt,
		TOOL_MAX_RATIO | TOOL_QUIET | TOOL_OPTOPT, &o.json, NULL, NULL,
		"unknown option '%s'", "option '%s' needs a value"
	};
	int rc, status = TOOL_OK;

	tool_init("dumpinfo");
	rc = tool_getopt(&cli, argc, argv, &o);
	if (rc != TOOL_OPT_TAKEN)
		return rc;
	if (optind >= argc)
		return tool_usage_error("no file given");
	for (int i = optind; i < argc; i++) {
		rc = info_file(argv[i], &o, i == optind);

		if (rc > status)
			status = rc;
		fflush(stdout);
	}
	return status;
}
