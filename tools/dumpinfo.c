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
#include "tool_json.h"
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
	tool_common c;         /* --json; threads */
	int frames;
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

static void json_header(tool_json *j, const hs_summary *s)
{
	const hs_header *h = &s->info.header;
	char b[32];

	tj_cstr(j, "schema", SCHEMA);
	tj_cstr(j, "file", s->path);
	tj_u64(j, "file_size", s->file_size);
	tj_u64(j, "format_version", s->info.version);
	tj_str(j, "runtime", s->runtime, s->runtime_len);
	tj_str(j, "runtime_version", s->runtime_version,
	       s->runtime_version_len);
	tj_u64(j, "pid", h->pid);
	tj_u64(j, "time_ms", h->time_ms);
	tj_cstr(j, "time", tool_iso8601(h->time_ms, b, sizeof(b)));
	tj_str(j, "reason", s->reason, s->reason_len);
	if (s->walker_len)
		tj_str(j, "walker", s->walker, s->walker_len);
	tj_u64(j, "word_size", h->word_size);
	tj_cstr(j, "ref_mode", ref_mode_name(s->info.ref_mode));
}

static void json_counts(tool_json *j, const hs_summary *s)
{
	tj_u64(j, "objects", s->objects);
	tj_u64(j, "references", s->refs);
	tj_u64(j, "weak_references", s->weak_refs);
	tj_u64(j, "types", s->types);
	tj_u64(j, "strings", s->strings);
	tj_u64(j, "sites", s->sites);
	tj_u64(j, "roots", s->roots);
	tj_array(j, "roots_by_kind");
	for (size_t i = 0; i < s->nkinds; i++) {
		tj_object(j, NULL);
		tj_str(j, "kind", s->kinds[i].name, s->kinds[i].len);
		tj_u64(j, "count", s->kinds[i].count);
		tj_end_object(j);
	}
	tj_end_array(j);
	tj_u64(j, "roots_other_kinds", s->roots_other);
	tj_u64(j, "shallow_bytes", s->shallow);
	tj_u64(j, "runtime_shallow_bytes", s->rt_shallow);
	tj_u64(j, "runtime_sized_objects", s->rt_sized);
	tj_u64_if(j, "rss_bytes", s->info.header.rss != 0,
		  s->info.header.rss);
	if (s->has_largest) {
		tj_object(j, "largest_object");
		tj_u64(j, "index", s->largest_index);
		tj_u64(j, "id", s->largest_id);
		tj_u64(j, "size", s->largest_size);
		tj_u64(j, "type", s->largest_type);
		tj_str(j, "type_name", s->largest_type_name,
		       s->largest_type_len);
		tj_end_object(j);
	} else {
		tj_null(j, "largest_object");
	}
	if (s->objects)
		tj_fixed(j, "bytes_per_object",
			 ratio(s->file_size, s->objects), 3);
	else
		tj_null(j, "bytes_per_object");
}

static void json_records_frames(tool_json *j, const hs_summary *s)
{
	tj_object(j, "records");
	for (int k = HS_REC_HEADER; k <= HS_REC_END; k++)
		tj_u64(j, hs_record_kind_name(k), s->records[k]);
	tj_u64(j, "unknown", s->records[0]);
	tj_end_object(j);
	tj_object(j, "frames");
	tj_u64(j, "count", s->nframes);
	tj_u64(j, "compressed_bytes", s->compressed);
	tj_u64(j, "decompressed_bytes", s->decompressed);
	tj_u64(j, "decompressed_known_frames", s->dsize_known);
	if (s->dsize_known)
		tj_fixed(j, "ratio", ratio(s->decompressed,
					   s->compressed_known), 3);
	else
		tj_null(j, "ratio");
	tj_end_object(j);
}

static void json_integrity(tool_json *j, const hs_summary *s)
{
	const hs_integrity *in = &s->integrity;

	tj_object(j, "integrity");
	tj_cstr(j, "status", hs_integrity_status_name(in->status));
	tj_bool(j, "has_trailer", in->has_trailer);
	tj_bool(j, "has_end", in->has_end);
	tj_u64(j, "frames_ok", in->frames_ok);
	tj_u64(j, "frames_lost", in->frames_lost);
	tj_u64(j, "bytes_lost", in->bytes_lost);
	if (in->objects_lost >= 0)
		tj_i64(j, "objects_lost", in->objects_lost);
	else
		tj_null(j, "objects_lost");
	tj_i64(j, "objects_lost_estimate", s->objects_lost_estimate);
	tj_u64_if(j, "first_loss", in->status != HS_INTEGRITY_COMPLETE,
		  in->frames_lost ? in->first_loss
		  : in->status == HS_INTEGRITY_TRUNCATED ? s->file_size
		  : in->first_loss);
	tj_cstr(j, "problem", in->problem[0] ? in->problem : NULL);
	tj_end_object(j);
}

static void json_totals(tool_json *j, const hs_summary *s)
{
	tj_object(j, "totals");
	tj_cstr(j, "check", hs_summary_check_name(s->check));
	tj_bool(j, "has_end", s->has_end);
	tj_bool(j, "has_trailer", s->has_trailer);
	tj_u64(j, "disagreements", s->disagreements);
	tj_array(j, "items");
	for (int i = 0; i < 6; i++) {
		const hs_summary_total *t = &s->totals[i];

		tj_object(j, NULL);
		tj_cstr(j, "what", t->what);
		tj_u64(j, "counted", t->counted);
		tj_u64_if(j, "end", s->has_end, t->end);
		tj_u64_if(j, "trailer", s->has_trailer, t->trailer);
		tj_end_object(j);
	}
	tj_end_array(j);
	tj_end_object(j);
}

static void json_frame_table(tool_json *j, const hs_summary *s)
{
	tj_array(j, "frame_table");
	for (size_t i = 0; i < s->nframes; i++) {
		const hs_summary_frame *f = &s->frames[i];

		tj_object(j, NULL);
		tj_u64(j, "offset", f->info.offset);
		tj_u64(j, "compressed_bytes", f->info.csize);
		tj_u64_if(j, "decompressed_bytes", f->info.dsize != 0,
			  f->info.dsize);
		tj_u64(j, "records", f->records);
		tj_u64(j, "objects", f->objects);
		tj_u64(j, "first_object", f->info.first_object);
		tj_cstr(j, "state", frame_state(f));
		tj_end_object(j);
	}
	tj_end_array(j);
}

static void print_json(const hs_summary *s, const options *o)
{
	tool_json j;

	tj_begin(&j, stdout);
	json_header(&j, s);
	json_counts(&j, s);
	json_records_frames(&j, s);
	json_integrity(&j, s);
	json_totals(&j, s);
	if (o->frames)
		json_frame_table(&j, s);
	tj_finish(&j);
}

static void print_json_error(const char *path, const char *msg)
{
	tool_json j;

	tj_begin(&j, stdout);
	tj_cstr(&j, "schema", SCHEMA);
	tj_cstr(&j, "file", path);
	tj_cstr(&j, "error", msg);
	tj_finish(&j);
}

/* Summarises one file; @return its exit status. */
static int info_file(const char *path, const options *o, int first)
{
	hs_summary s;
	hs_summary_options so = HS_SUMMARY_OPTIONS_INIT;
	const char *snap;
	int rc, status;

	so.threads = o->c.threads;
	so.max_ratio = tool_max_ratio();
	if (tool_input(path, &snap) != 0) {
		if (o->c.json)
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
		if (o->c.json)
			print_json_error(path, hs_error_last());
		return TOOL_ERROR;
	}
	if (o->c.json) {
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
		o->c.threads = (unsigned)n;
		break;
	}
	return 0;
}

static const struct option own[] = {
	{ "frames", no_argument, NULL, 'F' },
	{ "threads", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 }
};

static const tool_cli cli = {
	usage, ":ht:", own, parse_opt,
	TOOL_JSON | TOOL_MAX_RATIO | TOOL_QUIET | TOOL_OPTOPT,
	"unknown option '%s'", "option '%s' needs a value", NULL
};

int main(int argc, char **argv)
{
	options o = { { 0, 0, 0, NULL }, 0 };
	int rc, status = TOOL_OK;

	tool_init("dumpinfo");
	rc = tool_getopt(&cli, &o.c, argc, argv, &o);
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
