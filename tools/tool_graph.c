/*
 * tool_graph.c - shared parts of the graph tools (see tool_graph.h).
 *
 * Progress: a helper thread, started with the first step when stderr is
 * a terminal, wakes once a second; a step still running then is shown
 * ("dumpdom: computing dominators...") and, when it ends, its time.
 */
#include <inttypes.h>
#include <stddef.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hs_classes.h"
#include "hs_text.h"
#include "tool_graph.h"
#include "tool_input.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	int started;
	char name[256];
	double t0;
	unsigned serial;      /* bumps at every step */
	int shown;            /* this step's name was printed */
} prog = { .lock = PTHREAD_MUTEX_INITIALIZER,
	    .cond = PTHREAD_COND_INITIALIZER };

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *prog_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&prog.lock);
	for (;;) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&prog.cond, &prog.lock, &ts);
		if (prog.name[0] && !prog.shown && now_s() - prog.t0 >= 1.0) {
			fprintf(stderr, "%s...", prog.name);
			fflush(stderr);
			prog.shown = 1;
		}
	}
	return NULL;
}

void tool_step(const char *fmt, ...)
{
	va_list ap;

	if (!tool_progress())
		return;
	pthread_mutex_lock(&prog.lock);
	if (prog.name[0] && prog.shown)
		fprintf(stderr, " %.1f s\n", now_s() - prog.t0);
	prog.name[0] = '\0';
	prog.shown = 0;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(prog.name, sizeof(prog.name), fmt, ap);
		va_end(ap);
		prog.t0 = now_s();
	}
	prog.serial++;
	if (!prog.started && fmt) {
		if (pthread_create(&prog.thread, NULL, prog_main, NULL) == 0) {
			pthread_detach(prog.thread);
			prog.started = 1;
		}
	}
	pthread_mutex_unlock(&prog.lock);
}

int tool_load(hs_graph **g, hs_dom **d, const char *path, int reverse,
	      unsigned threads)
{
	hs_graph_options go = HS_GRAPH_OPTIONS_INIT;

	*g = NULL;
	if (d)
		*d = NULL;
	go.reverse = reverse;
	go.threads = threads;
	go.max_ratio = tool_max_ratio();
	go.runtime_sizes = tool_runtime_sizes();
	if (tool_input(path, &path) != 0)
		return TOOL_ERROR;
	tool_step("loading %s", tool_input_name(path));
	if (hs_graph_load(g, path, &go) < 0) {
		tool_step(NULL);
		return tool_error("%s", hs_error_last());
	}
	if (d) {
		tool_step("computing dominators");
		if (hs_dom_build(d, *g) < 0) {
			tool_step(NULL);
			hs_graph_free(*g);
			*g = NULL;
			return tool_error("%s: %s", path, hs_error_last());
		}
	}
	tool_step(NULL);
	return 0;
}

static void *dom_job_run(void *arg)
{
	tool_dom_job *j = arg;

	j->rc = hs_dom_build(&j->d, j->g);
	if (j->rc < 0)  /* messages are per thread */
		snprintf(j->msg, sizeof(j->msg), "%s", hs_error_last());
	return NULL;
}

void tool_dom_start(tool_dom_job *j, const hs_graph *g)
{
	memset(j, 0, sizeof(*j));
	j->g = g;
	j->started = pthread_create(&j->tid, NULL, dom_job_run, j) == 0;
}

int tool_dom_finish(hs_dom **out, tool_dom_job *j)
{
	if (j->started)
		pthread_join(j->tid, NULL);
	else
		dom_job_run(j);
	*out = j->d;
	if (j->rc < 0)
		return tool_error("%s: %s", tool_graph_name(j->g), j->msg);
	return 0;
}

const char *tool_graph_name(const hs_graph *g)
{
	return tool_input_name(hs_graph_path(g));
}

void tool_header(FILE *f, const hs_graph *g, const hs_dom *d)
{
	const hs_graph_stats *s = hs_graph_stats_get(g);
	char b1[32], b2[32], b3[32], b4[32];
	const char *name = tool_graph_name(g);

	tool_print_safe(f, name, strlen(name));
	fprintf(f, ": %s objects, %s, %s references, %s roots",
		tool_commas(s->objects, b1, sizeof(b1)),
		tool_human(s->shallow, b2, sizeof(b2)),
		tool_commas(s->refs, b3, sizeof(b3)),
		tool_commas(s->roots, b4, sizeof(b4)));
	if (d) {
		const hs_dom_stats *ds = hs_dom_stats_get(d);

		fprintf(f, "; unreachable %s objects (%s)",
			tool_commas(ds->unreachable, b1, sizeof(b1)),
			tool_human(ds->unreachable_size, b2, sizeof(b2)));
	}
	fprintf(f, "; %s missing references",
		tool_commas(s->missing_refs, b1, sizeof(b1)));
	if (s->integrity.status != HS_INTEGRITY_COMPLETE)
		fprintf(f, "; file %s",
			hs_integrity_status_name(s->integrity.status));
	fputc('\n', f);
}

/* "warning: " or "warning: NAME: " on stderr */
static void warn(const char *name)
{
	fputs("warning: ", stderr);
	if (name) {
		tool_print_safe(stderr, name, strlen(name));
		fputs(": ", stderr);
	}
}

/* The counts of what a dump lacks, each warned about as "N what". */
static const struct {
	size_t offset;          /* of the count in hs_graph_stats */
	const char *what;
} counts[] = {
	{ offsetof(hs_graph_stats, missing_refs), "references name objects "
	  "that are not in the dump (dropped)" },
	{ offsetof(hs_graph_stats, missing_roots), "roots name objects that "
	  "are not in the dump" },
	{ offsetof(hs_graph_stats, duplicate_ids), "objects repeat an id "
	  "seen before (the first keeps it)" },
	{ offsetof(hs_graph_stats, stray_refs), "references follow no object "
	  "of theirs (dropped)" },
	{ offsetof(hs_graph_stats, bad_types), "objects name an undeclared "
	  "type" },
};

void tool_warnings_named(const hs_graph *g, const char *name)
{
	const hs_graph_stats *s = hs_graph_stats_get(g);
	char b1[32], b2[32];

	if (s->integrity.status != HS_INTEGRITY_COMPLETE) {
		fputs("warning: ", stderr);
		if (name)
			tool_print_safe(stderr, name, strlen(name));
		fprintf(stderr, "%s is %s: ", name ? "" : "the file",
			hs_integrity_status_name(s->integrity.status));
		tool_print_safe(stderr, s->integrity.problem,
				strlen(s->integrity.problem));
		if (s->integrity.objects_lost > 0)
			fprintf(stderr, " (%s objects lost)",
				tool_commas((uint64_t)s->integrity.objects_lost,
					    b1, sizeof(b1)));
		fputc('\n', stderr);
	}
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		uint64_t n = *(const uint64_t *)((const char *)s +
						 counts[i].offset);

		if (n) {
			warn(name);
			fprintf(stderr, "%s %s\n", tool_commas(n, b1, sizeof(b1)),
				counts[i].what);
		}
	}
	if (s->clamped_sizes) {
		uint64_t cap = s->objects ? UINT64_MAX / s->objects : 0;

		if (!cap || cap > HS_GRAPH_SIZE_MAX)
			cap = HS_GRAPH_SIZE_MAX;
		warn(name);
		fprintf(stderr, "%s objects claim impossible sizes (over 256 "
			"TiB, or summing past 2^64): counted as %s each\n",
			tool_commas(s->clamped_sizes, b1, sizeof(b1)),
			tool_human(cap, b2, sizeof(b2)));
	}
}

void tool_warnings(const hs_graph *g)
{
	tool_warnings_named(g, NULL);
}

void tool_json_graph(tool_json *j, const hs_graph *g, const hs_dom *d)
{
	const hs_graph_stats *s = hs_graph_stats_get(g);

	tj_object(j, "graph");
	tj_u64(j, "objects", s->objects);
	tj_u64(j, "shallow", s->shallow);
	tj_u64(j, "references", s->refs);
	tj_u64(j, "weak_references", s->weak_refs);
	tj_u64(j, "roots", s->roots);
	tj_u64(j, "types", s->types);
	tj_u64(j, "missing_references", s->missing_refs);
	tj_u64(j, "missing_roots", s->missing_roots);
	tj_u64(j, "duplicate_ids", s->duplicate_ids);
	tj_u64(j, "clamped_sizes", s->clamped_sizes);
	if (d) {
		const hs_dom_stats *ds = hs_dom_stats_get(d);

		tj_u64(j, "reachable", ds->reachable);
		tj_u64(j, "reachable_shallow", ds->reachable_size);
		tj_u64(j, "unreachable", ds->unreachable);
		tj_u64(j, "unreachable_shallow", ds->unreachable_size);
		tj_u64(j, "dominator_depth", ds->max_depth);
	}
	tj_cstr(j, "integrity", hs_integrity_status_name(s->integrity.status));
	tj_end_object(j);
}

void tool_print_type(FILE *f, const hs_graph *g, uint32_t type, int split,
		     uint32_t classes, size_t max)
{
	hs_buf b = HS_BUF_INIT;
	hs_str s = hs_graph_type_name(g, type);  /* if out of memory */
	size_t n;
	char c[32];

	if (hs_class_name(&b, g, type, split) == 0) {
		s.ptr = (const char *)b.data;
		s.len = b.len;
	}
	n = max && s.len > max ? max : s.len;
	tool_print_safe(f, s.ptr, n);
	if (n < s.len)
		fputs("...", f);
	if (classes > 1)
		fprintf(f, " (%s classes)", tool_commas(classes, c, sizeof(c)));
	hs_buf_release(&b);
}

void tool_json_class(tool_json *j, const hs_graph *g, uint32_t type,
		     int split)
{
	uint64_t id;

	if (!split)
		return;
	tj_u64(j, "type_index", type);
	tj_u64_if(j, "type_id", hs_graph_type_id(&id, g, type) == 0, id);
}


const char *tool_preview(const hs_value *v, char *buf, size_t size,
			 size_t max)
{
	size_t o = 0;

	buf[0] = '\0';
	switch (v->kind) {
	case HS_VALUE_NONE:
		break;
	case HS_VALUE_INT:
		snprintf(buf, size, "%" PRId64, v->v.i);
		break;
	case HS_VALUE_UINT:
		snprintf(buf, size, "%" PRIu64, v->v.u);
		break;
	case HS_VALUE_FLOAT:
		snprintf(buf, size, "%.17g", v->v.f);
		break;
	case HS_VALUE_BOOL:
		snprintf(buf, size, "%s", v->v.i ? "True" : "False");
		break;
	case HS_VALUE_STR:
	case HS_VALUE_BYTES: {
		const unsigned char *p = (const unsigned char *)v->v.s.ptr;
		size_t n = v->v.s.len, i = 0;

		if (size < 16)
			break;
		if (v->kind == HS_VALUE_BYTES)
			buf[o++] = 'b';
		buf[o++] = '\'';
		while (i < n && o + 8 < size && i < max) {
			size_t k = v->kind == HS_VALUE_STR
				   ? hs_text_char((const char *)p + i, n - i)
							   : (p[i] >= 0x20 &&
							      p[i] < 0x7f);

			if (k && p[i] != '\'' && p[i] != '\\') {
				if (o + k + 5 >= size)
					break;
				memcpy(buf + o, p + i, k);
				o += k;
				i += k;
			} else {
				o += (size_t)snprintf(buf + o, size - o,
						      "\\x%02x", p[i]);
				i++;
			}
		}
		buf[o++] = '\'';
		if (i < n && o + 4 < size) {
			memcpy(buf + o, "...", 3);
			o += 3;
		}
		buf[o] = '\0';
		break;
	}
	}
	return buf;
}
