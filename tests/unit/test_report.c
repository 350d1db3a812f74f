/*
 * test_report.c - hs_report on a heap small enough to know by heart: the
 * embedded dominator tree and what its cut-offs sum into each node, the
 * largest retainers and their paths, the owner of growth between two
 * snapshots, --redact's previews and labels, the HTML page's data kept
 * inside its <script> element, and the Markdown summary's 5 KB limit
 * with 300 types of long names.
 */
#include <stdio.h>
#include <string.h>

#include "hs_report.h"
#include "hs_text.h"
#include "hs_writer.h"
#include "report.h"
#include "unit.h"

/* Holder H (100 B, root "app.H") -> A (Leaf, 200 B, "items") -> C (Leaf,
 * 5 B); H -> B (a hostile type, 10 B, key label 'k"ey'); D (7 B) is
 * unreachable.  Without B when with_b is 0. */
static void write_heap(const char *path, int with_b, size_t extra_types)
{
	hs_writer *w;
	hs_header h = HS_HEADER_INIT;
	uint32_t th, tl, tx, td, s_items, s_key;
	uint64_t hr[2] = { 0x200, 0x300 }, ar[1] = { 0x400 };
	uint32_t hl[2];
	hs_object o;

	h.runtime = "test";
	h.pid = 77;
	CU_ASSERT_FATAL(hs_writer_open(&w, path, NULL, &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&th, w, "Holder", 6) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&tl, w, "Leaf", 4) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&tx, w, "</script><b>x", 13) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&td, w, "Dead", 4) == 0);
	CU_ASSERT_FATAL(hs_writer_string(&s_items, w, "items", 5) == 0);
	CU_ASSERT_FATAL(hs_writer_string(&s_key, w, "'k\"ey'", 6) == 0);
	hl[0] = s_items;
	hl[1] = s_key;
	memset(&o, 0, sizeof(o));
	o.site = HS_NO_SITE;
	o.id = 0x100, o.type = th, o.size = 100, o.nrefs = with_b ? 2 : 1;
	o.refs = hr, o.labels = hl;
	CU_ASSERT_FATAL(hs_writer_object(w, &o) == 0);
	o.id = 0x200, o.type = tl, o.size = 200, o.nrefs = 1, o.refs = ar;
	o.labels = NULL;
	o.preview.kind = HS_VALUE_STR;
	o.preview.v.s.ptr = "secret </script>";
	o.preview.v.s.len = 16;
	CU_ASSERT_FATAL(hs_writer_object(w, &o) == 0);
	o.preview.kind = HS_VALUE_NONE;
	o.nrefs = 0, o.refs = NULL;
	if (with_b) {
		o.id = 0x300, o.type = tx, o.size = 10;
		CU_ASSERT_FATAL(hs_writer_object(w, &o) == 0);
	}
	o.id = 0x400, o.type = tl, o.size = 5;
	CU_ASSERT_FATAL(hs_writer_object(w, &o) == 0);
	o.id = 0x500, o.type = td, o.size = 7;
	CU_ASSERT_FATAL(hs_writer_object(w, &o) == 0);
	/* unreachable objects of many long-named types */
	for (size_t i = 0; i < extra_types; i++) {
		char name[400];
		uint32_t t;

		memset(name, 'N', sizeof(name));
		snprintf(name, 16, "%05zu", i);
		name[5] = '|';
		CU_ASSERT_FATAL(hs_writer_type(&t, w, name, sizeof(name)) == 0);
		o.id = 0x10000 + 16 * i, o.type = t, o.size = 1000 + i;
		CU_ASSERT_FATAL(hs_writer_object(w, &o) == 0);
	}
	CU_ASSERT_FATAL(hs_writer_root(w, 0x100, "global", "app.H", 0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
}

typedef struct {
	hs_graph *g;
	hs_dom *d;
} snap;

static void load(snap *s, const char *name, int with_b, size_t extra)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", hs_unit_tmpdir(), name);
	write_heap(path, with_b, extra);
	CU_ASSERT_FATAL(hs_graph_load(&s->g, path, NULL) == 0);
	CU_ASSERT_FATAL(hs_dom_build(&s->d, s->g) == 0);
}

static void unload(snap *s)
{
	hs_dom_free(s->d);
	hs_graph_free(s->g);
}

static const rep_node *tree_of(const hs_report *r, uint64_t id)
{
	for (size_t i = 1; i < r->ntree; i++)
		if (hs_graph_id(r->g, r->objs[r->tree[i].obj].node) == id)
			return &r->tree[i];
	return NULL;
}

static int text_is(const hs_report *r, uint32_t t, const char *want)
{
	size_t n;
	const char *p = rep_text_ptr(r, t, &n);

	if (n == strlen(want) && memcmp(p, want, n) == 0)
		return 1;
	fprintf(stderr, "text '%.*s', want '%s'\n", (int)n, p, want);
	return 0;
}

static void test_tree(void)
{
	snap s;
	hs_report *r;
	hs_report_options o = HS_REPORT_OPTIONS_INIT;
	const rep_node *h, *a;

	load(&s, "tree.snap", 1, 0);
	CU_ASSERT_FATAL(hs_report_new(&r, s.g, s.d, NULL, NULL, NULL, NULL) == 0);
	CU_ASSERT_EQUAL(r->ntree, 5);
	CU_ASSERT_EQUAL(r->tree[0].retained, 315);
	CU_ASSERT_EQUAL(r->tree[0].rest_n, 0);
	h = tree_of(r, 0x100);
	CU_ASSERT_FATAL(h != NULL);
	CU_ASSERT_EQUAL(h->retained, 315);
	CU_ASSERT_EQUAL(h->kids, 2);
	CU_ASSERT_EQUAL(h->rest_n, 0);
	CU_ASSERT_EQUAL(h->rest_bytes, 0);
	/* the largest retainer, its root path; A retains 205 of H's 315
	 * (under 90%): listed too */
	CU_ASSERT_FATAL(r->ntop >= 2);
	CU_ASSERT_EQUAL(hs_graph_id(r->g, r->objs[r->top[0]].node), 0x100);
	CU_ASSERT_EQUAL(hs_graph_id(r->g, r->objs[r->top[1]].node), 0x200);
	{
		const rep_path *p = &r->paths[r->objs[r->top[1]].path];

		CU_ASSERT_EQUAL(p->n, 2);
		CU_ASSERT(text_is(r, p->root_kind, "global"));
		CU_ASSERT(text_is(r, r->steps[p->first].text, "app.H"));
		CU_ASSERT(text_is(r, r->steps[p->first + 1].text, "Holder.items"));
	}
	CU_ASSERT(text_is(r, r->objs[r->top[1]].preview, "'secret </script>'"));
	CU_ASSERT_EQUAL(r->unreach.n, 1);
	CU_ASSERT_PTR_NULL(r->sites);
	hs_report_free(r);

	/* a cut-off of 11 bytes: B (10) and C (5) are summed into H and A */
	o.tree_min = 11;
	CU_ASSERT_FATAL(hs_report_new(&r, s.g, s.d, NULL, NULL, NULL, &o) == 0);
	CU_ASSERT_EQUAL(r->ntree, 3);
	h = tree_of(r, 0x100);
	a = tree_of(r, 0x200);
	CU_ASSERT_FATAL(h && a);
	CU_ASSERT_EQUAL(h->rest_n, 1);
	CU_ASSERT_EQUAL(h->rest_bytes, 10);
	CU_ASSERT_EQUAL(a->rest_n, 1);
	CU_ASSERT_EQUAL(a->rest_bytes, 5);
	/* what is left out, by type */
	CU_ASSERT_EQUAL_FATAL(h->rest_types, 1);
	CU_ASSERT(text_is(r, r->tname[r->rests[h->rest_first].type],
			  "</script><b>x"));
	CU_ASSERT_EQUAL(r->rests[h->rest_first].count, 1);
	CU_ASSERT_EQUAL(r->rests[h->rest_first].bytes, 10);
	CU_ASSERT_EQUAL(r->tree_cut, 10);
	hs_report_free(r);

	/* one node only: H, with all it dominates summed */
	o.tree_min = 0;
	o.tree_nodes = 1;
	CU_ASSERT_FATAL(hs_report_new(&r, s.g, s.d, NULL, NULL, NULL, &o) == 0);
	CU_ASSERT_EQUAL(r->ntree, 2);
	h = tree_of(r, 0x100);
	CU_ASSERT_FATAL(h != NULL);
	CU_ASSERT_EQUAL(h->rest_n, 2);
	CU_ASSERT_EQUAL(h->rest_bytes, 215);
	hs_report_free(r);

	o.version = 99;
	CU_ASSERT_EQUAL(hs_report_new(&r, s.g, s.d, NULL, NULL, NULL, &o),
			HS_EINVAL);
	CU_ASSERT_PTR_NULL(r);
	unload(&s);
}

static void test_redact(void)
{
	snap s;
	hs_report *r;
	hs_report_options o = HS_REPORT_OPTIONS_INIT;
	const char *names[2] = { "/secret/dir/tree.snap", NULL };
	int found = 0;

	load(&s, "redact.snap", 1, 0);
	o.redact = 1;
	CU_ASSERT_FATAL(hs_report_new(&r, s.g, s.d, NULL, NULL, names, &o) == 0);
	CU_ASSERT(text_is(r, r->name[0], "tree.snap"));
	for (size_t i = 0; i < r->nobjs; i++)
		CU_ASSERT_EQUAL(r->objs[i].preview, REP_NONE);
	for (size_t i = 0; i < r->nsteps; i++) {
		size_t n;
		const char *p = rep_text_ptr(r, r->steps[i].text, &n);

		CU_ASSERT(!memmem(p, n, "k\"ey", 4));
		found += n == 11 && memcmp(p, "Holder[...]", 11) == 0;
	}
	CU_ASSERT(found >= 1);
	hs_report_free(r);
	unload(&s);
}

static void test_growth(void)
{
	snap a, b;
	hs_report *r;
	const hs_diff_owner *ow;

	load(&a, "before.snap", 0, 0);
	load(&b, "after.snap", 1, 0);
	CU_ASSERT_FATAL(hs_report_new(&r, b.g, b.d, a.g, a.d, NULL, NULL) == 0);
	CU_ASSERT_FATAL(r->diff != NULL);
	CU_ASSERT_FATAL(r->nowners >= 1);
	ow = hs_diff_owner_get(r->diff, r->owners[0].i);
	CU_ASSERT_EQUAL(ow->bytes, 10);
	CU_ASSERT_EQUAL(ow->objects, 1);
	CU_ASSERT_FATAL(r->owners[0].obj != REP_NONE);
	CU_ASSERT_EQUAL(hs_graph_id(r->g, r->objs[r->owners[0].obj].node), 0x100);
	CU_ASSERT(r->objs[r->owners[0].obj].tree != REP_NONE);
	CU_ASSERT(r->objs[r->owners[0].obj].path != REP_NONE);
	CU_ASSERT(r->ndtypes >= 1);
	CU_ASSERT(text_is(r, r->dtype[0], "</script><b>x"));
	hs_report_free(r);
	unload(&a);
	unload(&b);
}

static size_t count(const hs_buf *b, const char *needle)
{
	size_t n = 0, k = strlen(needle);

	for (size_t i = 0; i + k <= b->len; i++)
		n += memcmp(b->data + i, needle, k) == 0;
	return n;
}

static void test_writers(void)
{
	snap a, b;
	hs_report *r;
	hs_buf out = HS_BUF_INIT;

	load(&a, "w1.snap", 0, 300);
	load(&b, "w2.snap", 1, 300);
	CU_ASSERT_FATAL(hs_report_new(&r, b.g, b.d, a.g, a.d, NULL, NULL) == 0);
	/* the page: only its own two script elements close */
	CU_ASSERT_FATAL(hs_report_html(r, hs_buf_sink(&out)) == 0);
	CU_ASSERT_EQUAL(count(&out, "</script"), 2);
	CU_ASSERT(count(&out, "\\u003c/script\\u003e\\u003cb\\u003ex") >= 1);
	CU_ASSERT(count(&out, "'secret \\u003c/script\\u003e'") == 1);
	out.len = 0;
	CU_ASSERT_FATAL(hs_report_json(r, hs_buf_sink(&out)) == 0);
	CU_ASSERT(out.len > 0 && out.data[0] == '{' && out.data[out.len - 2] == '}');
	CU_ASSERT(count(&out, "\"schema\":\"heapsnap.report/1\"") == 1);
	/* the summary: at most 5 KB though 300 names of 400 bytes */
	out.len = 0;
	CU_ASSERT_FATAL(hs_report_markdown(r, hs_buf_sink(&out)) == 0);
	CU_ASSERT(out.len <= HS_REPORT_MD_MAX);
	CU_ASSERT(count(&out, "app.H") >= 1);
	CU_ASSERT(count(&out, "~~~") % 2 == 0);
	CU_ASSERT(count(&out, "pid 77") == 2);
	hs_buf_release(&out);
	hs_report_free(r);
	unload(&a);
	unload(&b);
}

/* A root labelled "~~~" that is itself the largest retainer: its root
 * path is that label alone, on a line of its own inside the retainers'
 * block.  No line of the summary may be a fence (up to 3 spaces, then 3
 * or more '~' or '`') but the summary's own, at column 0, in pairs:
 * "   ~~~" would close the block and let the next names be markup. */
static void test_md_fence(void)
{
	hs_writer *w;
	hs_header h = HS_HEADER_INIT;
	hs_graph *g;
	hs_dom *d;
	hs_report *r;
	hs_buf out = HS_BUF_INIT;
	uint32_t tf, ti;
	uint64_t ref = 0x200;
	hs_object o;
	char path[512];
	int open = 0, ours = 0, bad = 0;

	snprintf(path, sizeof(path), "%s/fence.snap", hs_unit_tmpdir());
	CU_ASSERT_FATAL(hs_writer_open(&w, path, NULL, &h) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&tf, w, "~~~", 3) == 0);
	CU_ASSERT_FATAL(hs_writer_type(&ti, w, "<img src=x onerror=alert(1)>",
				       28) == 0);
	memset(&o, 0, sizeof(o));
	o.site = HS_NO_SITE;
	o.id = 0x100, o.type = tf, o.size = 5000, o.nrefs = 1, o.refs = &ref;
	CU_ASSERT_FATAL(hs_writer_object(w, &o) == 0);
	o.id = 0x200, o.type = ti, o.size = 4000, o.nrefs = 0, o.refs = NULL;
	CU_ASSERT_FATAL(hs_writer_object(w, &o) == 0);
	CU_ASSERT_FATAL(hs_writer_root(w, 0x100, "~~~", "~~~", 0) == 0);
	CU_ASSERT_FATAL(hs_writer_close(w) == 0);
	CU_ASSERT_FATAL(hs_graph_load(&g, path, NULL) == 0);
	CU_ASSERT_FATAL(hs_dom_build(&d, g) == 0);
	CU_ASSERT_FATAL(hs_report_new(&r, g, d, NULL, NULL, NULL, NULL) == 0);
	CU_ASSERT_FATAL(hs_report_markdown(r, hs_buf_sink(&out)) == 0);
	for (size_t i = 0; i < out.len;) {
		const char *line = (const char *)out.data + i;
		const char *nl = memchr(line, '\n', out.len - i);
		size_t n = nl ? (size_t)(nl - line) : out.len - i, k = 0;

		while (k < n && k < 4 && line[k] == ' ')
			k++;
		if (k < 4 && n - k >= 3 &&
		    (memcmp(line + k, "~~~", 3) == 0 ||
		     memcmp(line + k, "```", 3) == 0)) {
			if (open ? n == 3 && memcmp(line, "~~~", 3) == 0
				 : n == 7 && memcmp(line, "~~~text", 7) == 0)
				ours++, open = !open;
			else
				bad++, fprintf(stderr, "fence: '%.*s'\n",
					       (int)n, line);
		}
		i += n + 1;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(open, 0);
	CU_ASSERT(ours >= 8);
	hs_buf_release(&out);
	hs_report_free(r);
	hs_dom_free(d);
	hs_graph_free(g);
}

static int fail_write(const void *buf, size_t len, void *payload)
{
	(void)payload, (void)buf, (void)len;
	return HS_EIO;
}

static void test_sink_error(void)
{
	snap s;
	hs_report *r;
	hs_sink bad = { NULL, fail_write };

	load(&s, "sink.snap", 1, 0);
	CU_ASSERT_FATAL(hs_report_new(&r, s.g, s.d, NULL, NULL, NULL, NULL) == 0);
	CU_ASSERT_EQUAL(hs_report_html(r, bad), HS_EIO);
	CU_ASSERT_EQUAL(hs_report_markdown(r, bad), HS_EIO);
	CU_ASSERT_EQUAL(hs_report_json(r, bad), HS_EIO);
	hs_report_free(r);
	hs_report_free(NULL);
	unload(&s);
}

HS_SUITE(report, HS_TEST(test_tree), HS_TEST(test_redact),
	 HS_TEST(test_growth), HS_TEST(test_writers), HS_TEST(test_md_fence),
	 HS_TEST(test_sink_error))
