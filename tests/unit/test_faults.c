/*
 * test_faults.c - allocation failure injection: the unit binary is linked
 * with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup (see
 * the Makefile), so every allocation made by libdump (and by msgpack-c's
 * inline sbuffer) goes through the wrappers below, which pass through
 * until armed and then fail exactly the Nth allocation.  For N = 1, 2, ...
 * until nothing fails: write a file and read it back, load it as a graph
 * (labels, previews, id lookups), build its dominator tree, diff it with
 * a second snapshot (by id, by path, three snapshots), convert it to
 * JSON lines and back, and report on two snapshots.  Every failure must
 * come back as HS_ENOMEM with a message, leave no PATH.tmp (nor PATH),
 * and leak nothing (the asan build's leak checker runs at exit).  zstd's own allocations happen
 * inside the shared libzstd and mmap'd arrays (bigarray.c) outside malloc:
 * neither is injected.  Load: a few hundred write/read cycles of a
 * 60-frame file, and as many loads and analyses of a 2000-object heap as
 * they make allocations.
 */
#include <errno.h>
#include <execinfo.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "hs_diff.h"
#include "hs_jsonl.h"
#include "hs_reader.h"
#include "hs_report.h"
#include "hs_synth.h"
#include "hs_writer.h"
#include "testutil.h"
#include "unit.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static atomic_long fault_at;     /* 0: off; else fail allocation no. N */
static atomic_long fault_count;  /* allocations seen since armed */
static atomic_long fault_hits;   /* failures injected */

static int fault_now(void)
{
	long at = atomic_load(&fault_at);

	if (at == 0)
		return 0;
	if (atomic_fetch_add(&fault_count, 1) + 1 != at)
		return 0;
	atomic_fetch_add(&fault_hits, 1);
	if (getenv("HS_FAULT_TRACE")) {
		/* where the injected failure happened, for debugging */
		void *bt[16];

		backtrace_symbols_fd(bt, backtrace(bt, 16), 2);
	}
	errno = ENOMEM;
	return 1;
}

void *__wrap_malloc(size_t n)
{
	return fault_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fault_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fault_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return fault_now() ? NULL : __real_strdup(s);
}

static void arm(long n)
{
	atomic_store(&fault_count, 0);
	atomic_store(&fault_hits, 0);
	atomic_store(&fault_at, n);
}

/* @return the failures injected since arm() */
static long disarm(void)
{
	atomic_store(&fault_at, 0);
	return atomic_load(&fault_hits);
}

/* The wrappers are live: a library allocation fails when armed. */
static void test_wrappers_are_linked(void)
{
	hs_buf b = HS_BUF_INIT;

	arm(1);
	CU_ASSERT_EQUAL(hs_buf_append(&b, "x", 1), HS_ENOMEM);
	CU_ASSERT_EQUAL(disarm(), 1);
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_EQUAL(hs_buf_append(&b, "x", 1), 0);
	hs_buf_release(&b);
}

/* What the write below writes. */
#define F_OBJECTS 30000

typedef struct {
	uint64_t refs[3];
	uint32_t labels[3];
} f_obj;

/* Writes F_OBJECTS objects through `path` (or into *mem when path is
 * NULL); stops at the first error.  @return 0 or the first error. */
static int fault_write(const char *path, hs_buf *mem, unsigned threads,
		       int use_abort)
{
	hs_writer_options o = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	hs_writer *w = NULL;
	uint32_t t, s, site, files[1], lines[1] = { 7 }, funcs[1];
	int rc;

	o.frame_size = 4096;
	o.level = 1;
	o.threads = threads;
	h.runtime = "faults";
	rc = path ? hs_writer_open(&w, path, &o, &h)
		  : hs_writer_open_sink(&w, hs_buf_sink(mem), "mem", &o, &h);
	if (rc < 0) {
		CU_ASSERT_PTR_NULL(w);
		return rc;
	}
	if ((rc = hs_writer_type(&t, w, "node", 4)) < 0 ||
	    (rc = hs_writer_string(&s, w, "next", 4)) < 0)
		goto fail;
	files[0] = funcs[0] = s;
	if ((rc = hs_writer_site(&site, w, files, lines, funcs, 1)) < 0)
		goto fail;
	for (uint64_t i = 0; i < F_OBJECTS; i++) {
		hs_object ob;
		uint64_t refs[3] = { i * 40 + 40, i * 40 - 40, i * 7919 };
		uint32_t labels[3] = { s, HS_NO_LABEL, s };
		uint8_t flags[3] = { 0, 1, 0 };

		memset(&ob, 0, sizeof(ob));
		ob.id = i * 40;
		ob.type = t;
		ob.size = 40;
		ob.nrefs = i % 4;
		ob.refs = refs;
		ob.labels = i % 3 ? labels : NULL;
		ob.flags = i % 5 ? NULL : flags;
		ob.site = i % 2 ? site : HS_NO_SITE;
		ob.preview.kind = i % 6 ? HS_VALUE_NONE : HS_VALUE_STR;
		ob.preview.v.s.ptr = "preview";
		ob.preview.v.s.len = 7;
		if ((rc = hs_writer_object(w, &ob)) < 0)
			goto fail;
		if (i % 1000 == 0 &&
		    ((rc = hs_writer_refs(w, refs, NULL, NULL, 2)) < 0 ||
		     (rc = hs_writer_root(w, ob.id, "global", "g", 0)) < 0))
			goto fail;
	}
	return hs_writer_close(w);
fail:
	/* both ways out must clean up after a failure */
	if (use_abort)
		hs_writer_abort(w);
	else
		CU_ASSERT_EQUAL(hs_writer_close(w), rc);
	return rc;
}

static void check_write_faults(unsigned threads)
{
	const char *path = tu_path("fault.snap");
	char tmp[600];
	long n, failures = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	for (n = 1; n < 100000; n++) {
		long hits;
		int rc;

		remove(path);
		hs_error_clear();
		arm(n);
		rc = fault_write(path, NULL, threads, (int)(n % 2));
		hits = disarm();
		CU_ASSERT(!tu_exists(tmp));
		if (hits == 0) {
			/* nothing left to fail: the write is whole */
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT(tu_exists(path));
			break;
		}
		failures++;
		if (rc != HS_ENOMEM || tu_exists(path) ||
		    !tu_contains(hs_error_last(), "memory"))
			fprintf(stderr, "\nwrite, allocation %ld failed: rc %d, "
				"'%s'%s\n", n, rc, hs_error_last(),
				tu_exists(path) ? ", PATH exists" : "");
		CU_ASSERT_EQUAL(rc, HS_ENOMEM);
		CU_ASSERT(!tu_exists(path));
		CU_ASSERT(tu_contains(hs_error_last(), "memory"));
	}
	fprintf(stderr, "\n    threads %u: %ld allocations failed in turn ",
		threads, failures);
	CU_ASSERT(failures >= 5);
	/* the file written without faults reads back whole */
	{
		hs_reader *r;
		tu_strv got = TU_STRV_INIT;
		hs_integrity in;

		CU_ASSERT_EQUAL_FATAL(hs_reader_open(&r, path, NULL), 0);
		CU_ASSERT_EQUAL(tu_read_all(r, &got, NULL), HS_ITEROVER);
		hs_reader_integrity(&in, r);
		CU_ASSERT_EQUAL(in.status, HS_INTEGRITY_COMPLETE);
		hs_reader_free(r);
		tu_strv_free(&got);
	}
}

static void test_write_faults_threaded(void)
{
	check_write_faults(1);
}

static void test_write_faults_unthreaded(void)
{
	check_write_faults(0);
}

/* Into a memory sink: buf.c's growth fails too. */
static void test_write_faults_memory_sink(void)
{
	long n, failures = 0;

	for (n = 1; n < 100000; n++) {
		hs_buf mem = HS_BUF_INIT;
		long hits;
		int rc;

		hs_error_clear();
		arm(n);
		rc = fault_write(NULL, &mem, 0, (int)(n % 2));
		hits = disarm();
		hs_buf_release(&mem);
		if (hits == 0) {
			CU_ASSERT_EQUAL(rc, 0);
			break;
		}
		failures++;
		if (rc != HS_ENOMEM)
			fprintf(stderr, "\nsink write, allocation %ld: rc %d "
				"'%s'\n", n, rc, hs_error_last());
		CU_ASSERT_EQUAL(rc, HS_ENOMEM);
		CU_ASSERT(tu_contains(hs_error_last(), "memory"));
	}
	CU_ASSERT(failures >= 5);
}

typedef struct {
	atomic_long records;
} count_cb_state;

static int count_cb(const hs_record *rec, unsigned worker, void *payload)
{
	count_cb_state *c = payload;

	(void)rec;
	(void)worker;
	atomic_fetch_add(&c->records, 1);
	return 0;
}

/* Reads a file with the Nth allocation failing: open, every record with
 * hs_reader_next, then a 2-thread scan. */
static void test_read_faults(void)
{
	const char *path = tu_path("fault-read.snap");
	long n, failures = 0;
	size_t want = 0;
	hs_reader *r;

	CU_ASSERT_EQUAL_FATAL(fault_write(path, NULL, 0, 0), 0);
	CU_ASSERT_EQUAL_FATAL(hs_reader_open(&r, path, NULL), 0);
	{
		hs_record rec;

		while (hs_reader_next(&rec, r) == 0)
			want++;
	}
	hs_reader_free(r);
	for (n = 1; n < 100000; n++) {
		long hits;
		int rc, rc_next = HS_ITEROVER, rc_scan = 0;
		size_t got = 0;
		count_cb_state c;
		hs_record rec;

		atomic_init(&c.records, 0);
		r = NULL;
		hs_error_clear();
		arm(n);
		rc = hs_reader_open(&r, path, NULL);
		if (rc == 0) {
			while ((rc_next = hs_reader_next(&rec, r)) == 0)
				got++;
			if (rc_next == HS_ITEROVER)
				rc_scan = hs_reader_scan(r, 2, count_cb, &c);
		}
		hits = disarm();
		if (hits == 0) {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_EQUAL(rc_next, HS_ITEROVER);
			CU_ASSERT_EQUAL(rc_scan, 0);
			CU_ASSERT_EQUAL(got, want);
			CU_ASSERT_EQUAL((size_t)atomic_load(&c.records), want);
			hs_reader_free(r);
			break;
		}
		failures++;
		if (rc != 0) {
			CU_ASSERT_EQUAL(rc, HS_ENOMEM);
			CU_ASSERT_PTR_NULL(r);
		} else if (rc_next != HS_ITEROVER) {
			CU_ASSERT_EQUAL(rc_next, HS_ENOMEM);
		} else {
			CU_ASSERT_EQUAL(got, want);
			CU_ASSERT_EQUAL(rc_scan, HS_ENOMEM);
		}
		if ((rc && rc != HS_ENOMEM) ||
		    (rc_next != HS_ITEROVER && rc_next != HS_ENOMEM) ||
		    (rc == 0 && rc_next == HS_ITEROVER &&
		     rc_scan != HS_ENOMEM) ||
		    !tu_contains(hs_error_last(), "memory"))
			fprintf(stderr, "\nread, allocation %ld failed: open %d"
				", next %d, scan %d, '%s'\n", n, rc, rc_next,
				rc_scan, hs_error_last());
		CU_ASSERT(tu_contains(hs_error_last(), "memory"));
		hs_reader_free(r);
	}
	fprintf(stderr, "\n    read: %ld allocations failed in turn ",
		failures);
	CU_ASSERT(failures >= 5);
}

/* The report's three texts, one after the other, into out. */
static int report_texts(hs_buf *out, hs_graph **g, hs_dom **d)
{
	hs_report *r = NULL;
	int rc = hs_report_new(&r, g[1], d[1], g[0], d[0], NULL, NULL);

	if (rc == 0)
		rc = hs_report_markdown(r, hs_buf_sink(out));
	if (rc == 0)
		rc = hs_report_html(r, hs_buf_sink(out));
	if (rc == 0)
		rc = hs_report_json(r, hs_buf_sink(out));
	hs_report_free(r);
	return rc;
}

/* A report of two snapshots (one process, a leak between them): every
 * allocation of hs_report_new() and of its three writers fails in turn.
 * Each failure comes back as HS_ENOMEM with a message, or - where the
 * code below has a fallback (bigarray's page accounting) - changes
 * nothing in the output. */
static void test_report_faults(void)
{
	hs_graph *g[2] = { NULL, NULL };
	hs_dom *d[2] = { NULL, NULL };
	hs_buf want = HS_BUF_INIT;
	long n, failures = 0;

	for (int i = 0; i < 2; i++) {
		hs_synth_options so = HS_SYNTH_OPTIONS_INIT;
		const char *path = tu_path(i ? "fault-r2.snap" : "fault-r1.snap");

		so.shape = HS_SYNTH_PYTHON;
		so.objects = 200;
		so.phase = (unsigned)i + 1;
		CU_ASSERT_FATAL(hs_synth_write_file(NULL, path, &so, NULL) == 0);
		CU_ASSERT_FATAL(hs_graph_load(&g[i], path, NULL) == 0);
		CU_ASSERT_FATAL(hs_dom_build(&d[i], g[i]) == 0);
	}
	CU_ASSERT_FATAL(report_texts(&want, g, d) == 0);
	for (n = 1; n < 100000; n++) {
		hs_buf out = HS_BUF_INIT;
		long hits;
		int rc;

		hs_error_clear();
		arm(n);
		rc = report_texts(&out, g, d);
		hits = disarm();
		if (hits == 0) {
			CU_ASSERT_EQUAL(rc, 0);
			hs_buf_release(&out);
			break;
		}
		failures++;
		if (rc == 0) {
			CU_ASSERT(out.len == want.len &&
				  memcmp(out.data, want.data, out.len) == 0);
		} else {
			if (rc != HS_ENOMEM ||
			    !tu_contains(hs_error_last(), "memory"))
				fprintf(stderr, "\nreport, allocation %ld failed: "
					"%d, '%s'\n", n, rc, hs_error_last());
			CU_ASSERT_EQUAL(rc, HS_ENOMEM);
			CU_ASSERT(tu_contains(hs_error_last(), "memory"));
		}
		hs_buf_release(&out);
	}
	fprintf(stderr, "\n    report: %ld allocations failed in turn ",
		failures);
	CU_ASSERT(failures >= 20);
	hs_buf_release(&want);
	for (int i = 0; i < 2; i++) {
		hs_dom_free(d[i]);
		hs_graph_free(g[i]);
	}
}

/* ---- past the reader: the graph, dominators, diff, JSON lines --------- */

/*
 * fault_loop() : run op(ctx) with allocation 1, 2, ... failing until a run
 * sees no failure.  A failed allocation must make op return HS_ENOMEM with
 * a message saying so; op may instead return 0 when the library worked
 * around the failure (hs_graph_find_id() searching without its table),
 * after checking its result against the figures of a run without faults.
 * op frees everything it made.
 */
static void fault_loop(const char *what, int (*op)(void *ctx), void *ctx)
{
	long n, failures = 0, around = 0;

	for (n = 1; n < 1000000; n++) {
		long hits;
		int rc;

		hs_error_clear();
		arm(n);
		rc = op(ctx);
		hits = disarm();
		if (hits == 0) {
			CU_ASSERT_EQUAL(rc, 0);
			break;
		}
		failures++;
		if (rc == 0) {
			around++;
			continue;
		}
		if (rc != HS_ENOMEM || !tu_contains(hs_error_last(), "memory"))
			fprintf(stderr, "\n%s, allocation %ld failed: rc %d, "
				"'%s'\n", what, n, rc, hs_error_last());
		CU_ASSERT_EQUAL(rc, HS_ENOMEM);
		CU_ASSERT(tu_contains(hs_error_last(), "memory"));
	}
	fprintf(stderr, "\n    %s: %ld allocations failed in turn (%ld "
		"worked around) ", what, failures, around);
	CU_ASSERT(failures >= 1);
}

/* Two phases of a synthetic Python heap (labels, previews, references by
 * index, 4 KiB frames); the second adds a known leak.  The figures are
 * those of runs without faults. */
typedef struct {
	char path[2][512], jsonl[512], out[512];
	hs_graph *g[2];
	hs_dom *d[2];
	uint64_t objects, reachable_size, new_objects, id;
	uint32_t node;           /* an object whose first reference has a
	                            label */
	hs_diff_match match;
	size_t owners;
} heap_pair;

static int count_preview(uint32_t node, const hs_value *v, void *payload)
{
	(void)node;
	(void)v;
	++*(size_t *)payload;
	return 0;
}

static void pair_open(heap_pair *p)
{
	hs_synth_options o = HS_SYNTH_OPTIONS_INIT;
	hs_writer_options wo = HS_WRITER_OPTIONS_INIT;
	hs_diff *df;
	hs_buf b = HS_BUF_INIT;
	hs_str s;

	memset(p, 0, sizeof(*p));
	o.shape = HS_SYNTH_PYTHON;
	o.objects = 2000;
	o.ref_mode = wo.ref_mode = HS_REFS_BY_INDEX;
	wo.frame_size = 4096;
	for (int k = 0; k < 2; k++) {
		snprintf(p->path[k], sizeof(p->path[k]), "%s/faults-%d.snap",
			 hs_unit_tmpdir(), k + 1);
		o.phase = (unsigned)k + 1;
		CU_ASSERT_FATAL(hs_synth_write_file(NULL, p->path[k], &o,
						    &wo) == 0);
		CU_ASSERT_FATAL(hs_graph_load(&p->g[k], p->path[k], NULL) == 0);
		CU_ASSERT_FATAL(hs_dom_build(&p->d[k], p->g[k]) == 0);
	}
	snprintf(p->jsonl, sizeof(p->jsonl), "%s/faults.jsonl",
		 hs_unit_tmpdir());
	snprintf(p->out, sizeof(p->out), "%s/faults-in.snap",
		 hs_unit_tmpdir());
	p->objects = hs_graph_count(p->g[0]);
	p->reachable_size = hs_dom_stats_get(p->d[0])->reachable_size;
	p->node = HS_GRAPH_NONE;
	for (uint32_t v = 0; v < p->objects && p->node == HS_GRAPH_NONE; v++)
		if (hs_graph_out(p->g[0], v).n &&
		    hs_graph_label(&s, &b, p->g[0], v, 0) == 0 && s.ptr)
			p->node = v;
	hs_buf_release(&b);
	CU_ASSERT_FATAL(p->node != HS_GRAPH_NONE);
	p->id = hs_graph_id(p->g[0], p->node);
	CU_ASSERT_FATAL(hs_diff_new(&df, p->g[0], p->d[0], p->g[1], p->d[1],
				    NULL) == 0);
	p->new_objects = hs_diff_totals_get(df)->new_objects;
	CU_ASSERT(p->new_objects > 0);
	hs_diff_free(df);
}

static void pair_close(heap_pair *p)
{
	for (int k = 0; k < 2; k++) {
		hs_dom_free(p->d[k]);
		hs_graph_free(p->g[k]);
	}
}

/* Loading on two threads with referrers, then what reads the file or
 * builds a table on demand: a label, previews, an id lookup. */
static int op_graph(void *ctx)
{
	heap_pair *p = ctx;
	hs_graph_options go = HS_GRAPH_OPTIONS_INIT;
	hs_graph *g = NULL;
	hs_buf b = HS_BUF_INIT;
	hs_str s;
	uint32_t nodes[3] = { 0, p->node, 7 };
	size_t seen = 0;
	int rc;

	go.threads = 2;
	rc = hs_graph_load(&g, p->path[0], &go);
	if (rc < 0) {
		CU_ASSERT_PTR_NULL(g);
		return rc;
	}
	CU_ASSERT_EQUAL(hs_graph_count(g), p->objects);
	rc = hs_graph_label(&s, &b, g, p->node, 0);
	if (rc == 0) {
		CU_ASSERT_PTR_NOT_NULL(s.ptr);
		rc = hs_graph_previews(g, nodes, 3, count_preview, &seen);
	}
	if (rc == 0) {
		CU_ASSERT_EQUAL(seen, 3);
		CU_ASSERT_EQUAL(hs_graph_find_id(g, p->id), p->node);
	}
	hs_buf_release(&b);
	hs_graph_free(g);
	return rc;
}

static int count_visit(uint32_t node, uint32_t depth, int enter,
		       void *payload)
{
	(void)node;
	(void)depth;
	*(uint64_t *)payload += enter;
	return 0;
}

/* The tree, its children index (by a walk) and the full ranking. */
static int op_dom(void *ctx)
{
	heap_pair *p = ctx;
	hs_dom *d = NULL;
	uint32_t *all = NULL;
	uint64_t visited = 0;
	size_t n = 0;
	int rc;

	rc = hs_dom_build(&d, p->g[0]);
	if (rc < 0) {
		CU_ASSERT_PTR_NULL(d);
		return rc;
	}
	CU_ASSERT_EQUAL(hs_dom_stats_get(d)->reachable_size, p->reachable_size);
	rc = hs_dom_walk(d, HS_GRAPH_SUPERROOT, count_visit, &visited);
	if (rc == 0)
		rc = hs_dom_top(&n, NULL, 0, &all, d, 0);
	if (rc == 0) {
		CU_ASSERT_EQUAL(visited, hs_dom_stats_get(d)->reachable);
		CU_ASSERT_EQUAL(n, visited);
	}
	free(all);
	hs_dom_free(d);
	return rc;
}

/* Both trees on two threads. */
static int op_dom_many(void *ctx)
{
	heap_pair *p = ctx;
	const hs_graph *g[2] = { p->g[0], p->g[1] };
	hs_dom *d[2] = { NULL, NULL };
	int rc = hs_dom_build_many(d, g, 2);

	if (rc == 0) {
		CU_ASSERT_EQUAL(hs_dom_stats_get(d[0])->reachable_size,
				p->reachable_size);
	} else {
		CU_ASSERT(d[0] == NULL && d[1] == NULL);
	}
	hs_dom_free(d[0]);
	hs_dom_free(d[1]);
	return rc;
}

/* The two-snapshot diff (by id or by path, p->match) with every owner's
 * path, then the three-snapshot one. */
static int op_diff(void *ctx)
{
	heap_pair *p = ctx;
	hs_diff_options o = HS_DIFF_OPTIONS_INIT;
	hs_diff *df = NULL;
	hs_buf path = HS_BUF_INIT;
	int rc;

	o.match = p->match;
	o.path_owners = 16;  /* each path's labels cost a frame decode */
	rc = hs_diff_new(&df, p->g[0], p->d[0], p->g[1], p->d[1], &o);
	if (rc < 0) {
		CU_ASSERT_PTR_NULL(df);
		return rc;
	}
	if (p->match == HS_DIFF_MATCH_ID)
		CU_ASSERT_EQUAL(hs_diff_totals_get(df)->new_objects,
				p->new_objects);
	for (size_t i = 0; rc == 0 && i < hs_diff_owner_count(df); i++) {
		path.len = 0;
		rc = hs_diff_owner_path(&path, df, i);
	}
	if (rc == 0 && p->owners)
		CU_ASSERT_EQUAL(hs_diff_owner_count(df), p->owners);
	hs_diff_free(df);
	df = NULL;
	if (rc == 0 && p->match == HS_DIFF_MATCH_ID) {
		rc = hs_diff_leaks(&df, p->g[0], p->d[0], p->g[1], p->g[1],
				   p->d[1], NULL);
		if (rc == 0)
			CU_ASSERT_EQUAL(hs_diff_totals_get(df)->new_objects,
					p->new_objects);
		hs_diff_free(df);
	}
	hs_buf_release(&path);
	return rc;
}

/* JSON lines out (into memory) and in (through OUT.tmp: nothing may be
 * left at OUT or OUT.tmp after a failure). */
static int op_jsonl(void *ctx)
{
	heap_pair *p = ctx;
	hs_reader *r = NULL;
	hs_buf lines = HS_BUF_INIT;
	char tmp[600];
	int rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp", p->out);
	remove(p->out);
	rc = hs_reader_open(&r, p->path[0], NULL);
	if (rc == 0)
		rc = hs_jsonl_export(r, hs_buf_sink(&lines), "mem", NULL);
	hs_reader_free(r);
	hs_buf_release(&lines);
	if (rc < 0)
		return rc;
	rc = hs_jsonl_import_file(p->jsonl, p->out, NULL, NULL);
	CU_ASSERT(!tu_exists(tmp));
	CU_ASSERT_EQUAL(tu_exists(p->out), rc == 0);
	return rc;
}

static void test_graph_faults(void)
{
	heap_pair p;

	pair_open(&p);
	fault_loop("graph", op_graph, &p);
	pair_close(&p);
}

static void test_dom_faults(void)
{
	heap_pair p;

	pair_open(&p);
	fault_loop("dominators", op_dom, &p);
	fault_loop("dominators, two at once", op_dom_many, &p);
	pair_close(&p);
}

static void test_diff_faults(void)
{
	heap_pair p;
	hs_diff_options o = HS_DIFF_OPTIONS_INIT;
	hs_diff *df;

	pair_open(&p);
	p.match = HS_DIFF_MATCH_ID;
	fault_loop("diff by id", op_diff, &p);
	o.match = HS_DIFF_MATCH_PATH;
	o.path_owners = 16;
	CU_ASSERT_FATAL(hs_diff_new(&df, p.g[0], p.d[0], p.g[1], p.d[1],
				    &o) == 0);
	p.owners = hs_diff_owner_count(df);
	CU_ASSERT(p.owners > 0);
	hs_diff_free(df);
	p.match = HS_DIFF_MATCH_PATH;
	fault_loop("diff by path", op_diff, &p);
	pair_close(&p);
}

static void test_jsonl_faults(void)
{
	heap_pair p;
	hs_reader *r;
	FILE *f;

	pair_open(&p);
	f = fopen(p.jsonl, "w");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FATAL(hs_reader_open(&r, p.path[0], NULL) == 0);
	CU_ASSERT_FATAL(hs_jsonl_export_file(r, f, p.jsonl, NULL) == 0);
	hs_reader_free(r);
	CU_ASSERT_FATAL(fclose(f) == 0);
	fault_loop("json lines", op_jsonl, &p);
	pair_close(&p);
}

HS_SUITE(faults,
	 HS_TEST(test_wrappers_are_linked),
	 HS_TEST(test_write_faults_threaded),
	 HS_TEST(test_write_faults_unthreaded),
	 HS_TEST(test_write_faults_memory_sink),
	 HS_TEST(test_read_faults),
	 HS_TEST(test_graph_faults),
	 HS_TEST(test_dom_faults),
	 HS_TEST(test_diff_faults),
	 HS_TEST(test_jsonl_faults),
	 HS_TEST(test_report_faults))
