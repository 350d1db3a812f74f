/*
 * report_html.c - the report as JSON (schema "heapsnap.report/1") and as
 * one self-contained HTML page that embeds it (see hs_report.h).
 *
 * The page is libdump/report/page.html with its styles, its script and
 * d3-hierarchy inlined at build time (build/gen/report_assets.c, made by
 * libdump/report/embed.js); the JSON goes between the two halves, inside
 * a <script type="application/json"> element, every string escaped by
 * hs_text_json() so that nothing in it can close the element.  Output
 * goes through a 64 KiB buffer to the sink.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "hs_text.h"
#include "report.h"
#include "report_assets.h"

#define FLUSH_AT (64u * 1024)

typedef struct {
	hs_sink sink;
	hs_buf b;
	int rc;                 /* the first error; later writes do nothing */
} out;

static void flush(out *o)
{
	if (o->rc == 0 && o->b.len)
		o->rc = o->sink.write(o->b.data, o->b.len, o->sink.payload);
	o->b.len = 0;
}

static void put(out *o, const char *s, size_t n)
{
	if (o->rc == 0)
		o->rc = hs_buf_append(&o->b, s, n);
	if (o->b.len >= FLUSH_AT)
		flush(o);
}

static void puts_(out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void printf_(out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void printf_(out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (o->rc == 0)
		o->rc = hs_text_vappendf(&o->b, fmt, ap);
	va_end(ap);
	if (o->b.len >= FLUSH_AT)
		flush(o);
}

/* A JSON string of raw bytes (made safe first: the page shows text). */
static void jraw(out *o, const char *s, size_t n)
{
	hs_buf safe = HS_BUF_INIT;

	if (o->rc == 0)
		o->rc = hs_text_safe(&safe, s ? s : "", s ? n : 0, REP_NAME_MAX);
	if (o->rc == 0)
		o->rc = hs_text_json(&o->b, (const char *)safe.data, safe.len);
	hs_buf_release(&safe);
	if (o->b.len >= FLUSH_AT)
		flush(o);
}

/* A JSON string of a report text, or null. */
static void jtext(out *o, const hs_report *r, uint32_t t)
{
	const char *p;
	size_t n;

	if (t == REP_NONE) {
		puts_(o, "null");
		return;
	}
	p = rep_text_ptr(r, t, &n);
	if (o->rc == 0)
		o->rc = hs_text_json(&o->b, p, n);
	if (o->b.len >= FLUSH_AT)
		flush(o);
}

static void jidx(out *o, uint32_t i)
{
	if (i == REP_NONE)
		puts_(o, "null");
	else
		printf_(o, "%" PRIu32, i);
}

static void jkey_u(out *o, const char *k, uint64_t v)
{
	printf_(o, ",\"%s\":%" PRIu64, k, v);
}

static void snapshot(out *o, const hs_report *r, int i)
{
	const hs_graph *g = i ? r->og : r->g;
	const hs_dom *d = i ? r->od : r->d;
	const hs_graph_stats *s = hs_graph_stats_get(g);
	const hs_dom_stats *ds = hs_dom_stats_get(d);
	const hs_snapinfo *in = hs_graph_info(g);
	const hs_header *h = &in->header;
	char t[40];

	puts_(o, "{\"file\":");
	jtext(o, r, r->name[i]);
	puts_(o, ",\"runtime\":");
	jraw(o, h->runtime, h->runtime ? strlen(h->runtime) : 0);
	puts_(o, ",\"runtime_version\":");
	jraw(o, h->runtime_version,
	     h->runtime_version ? strlen(h->runtime_version) : 0);
	puts_(o, ",\"reason\":");
	jraw(o, h->reason, h->reason ? strlen(h->reason) : 0);
	printf_(o, ",\"time\":\"%s\"",
		hs_text_iso8601(h->time_ms, t, sizeof(t)));
	jkey_u(o, "time_ms", h->time_ms);
	jkey_u(o, "pid", r->o.redact ? 0 : h->pid);
	jkey_u(o, "word_size", h->word_size);
	printf_(o, ",\"ref_mode\":\"%s\"",
		in->ref_mode == HS_REFS_BY_INDEX ? "index" : "id");
	jkey_u(o, "objects", s->objects);
	jkey_u(o, "references", s->refs);
	jkey_u(o, "weak_references", s->weak_refs);
	jkey_u(o, "roots", s->roots);
	jkey_u(o, "types", s->types);
	jkey_u(o, "shallow", s->shallow);
	jkey_u(o, "reachable", ds->reachable);
	jkey_u(o, "reachable_size", ds->reachable_size);
	jkey_u(o, "unreachable", ds->unreachable);
	jkey_u(o, "unreachable_size", ds->unreachable_size);
	jkey_u(o, "dominator_depth", ds->max_depth);
	jkey_u(o, "missing_references", s->missing_refs);
	jkey_u(o, "missing_roots", s->missing_roots);
	jkey_u(o, "duplicate_ids", s->duplicate_ids);
	jkey_u(o, "stray_references", s->stray_refs);
	jkey_u(o, "undeclared_types", s->bad_types);
	printf_(o, ",\"integrity\":{\"status\":\"%s\",\"trailer\":%s,"
		"\"end\":%s", hs_integrity_status_name(s->integrity.status),
		s->integrity.has_trailer ? "true" : "false",
		s->integrity.has_end ? "true" : "false");
	jkey_u(o, "frames_read", s->integrity.frames_ok);
	jkey_u(o, "frames_lost", s->integrity.frames_lost);
	jkey_u(o, "bytes_lost", s->integrity.bytes_lost);
	printf_(o, ",\"objects_lost\":%" PRId64 ",\"problem\":",
		s->integrity.objects_lost);
	jraw(o, s->integrity.problem, strlen(s->integrity.problem));
	puts_(o, "}}");
}

static void objects(out *o, const hs_report *r)
{
	puts_(o, ",\"objects\":[");
	for (size_t i = 0; i < r->nobjs; i++) {
		const rep_obj *b = &r->objs[i];

		printf_(o, "%s[\"0x%" PRIx64 "\",", i ? "," : "",
			hs_graph_id(r->g, b->node));
		jidx(o, b->type);
		printf_(o, ",%" PRIu64 ",%" PRIu64 ",",
			hs_graph_size(r->g, b->node),
			hs_dom_retained(r->d, b->node));
		jtext(o, r, b->preview);
		puts_(o, ",");
		jidx(o, b->path);
		puts_(o, ",");
		jidx(o, b->tree);
		puts_(o, "]");
	}
	puts_(o, "]");
}

static void tree(out *o, const hs_report *r)
{
	printf_(o, ",\"tree\":{\"cut\":%" PRIu64 ",\"nodes\":[",
		r->tree_cut);
	for (size_t i = 0; i < r->ntree; i++) {
		const rep_node *t = &r->tree[i];

		puts_(o, i ? ",[" : "[");
		jidx(o, t->obj);
		puts_(o, ",");
		jidx(o, t->parent);
		printf_(o, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
			t->retained, t->kids, t->rest_n, t->rest_bytes);
		if (t->rest_types) {
			puts_(o, ",[");
			for (uint32_t k = 0; k < t->rest_types; k++) {
				const rep_rest *e = &r->rests[t->rest_first + k];

				puts_(o, k ? ",[" : "[");
				jidx(o, e->type);
				printf_(o, ",%" PRIu64 ",%" PRIu64 "]", e->count,
					e->bytes);
			}
			puts_(o, "]");
		}
		puts_(o, "]");
	}
	puts_(o, "]}");
}

static void type_rows(out *o, const hs_report *r, const hs_type_table *t,
		      int retained)
{
	size_t n = t->n < r->o.types ? t->n : r->o.types;
	uint64_t c = 0, s = 0, re = 0;

	printf_(o, "{\"count\":%" PRIu64 ",\"shallow\":%" PRIu64
		",\"types\":%zu,\"rows\":[", t->count, t->shallow, t->n);
	for (size_t i = 0; i < n; i++) {
		const hs_type_row *w = &t->rows[i];

		puts_(o, i ? ",[" : "[");
		jidx(o, w->key < hs_graph_type_count(r->g) ? r->tmap[w->key]
							   : REP_NONE);
		printf_(o, ",%" PRIu64 ",%" PRIu64, w->count, w->shallow);
		if (retained)
			printf_(o, ",%" PRIu64, w->retained);
		puts_(o, "]");
	}
	for (size_t i = n; i < t->n; i++) {
		c += t->rows[i].count;
		s += t->rows[i].shallow;
		re += t->rows[i].retained;
	}
	printf_(o, "],\"more\":[%zu,%" PRIu64 ",%" PRIu64, t->n - n, c, s);
	if (retained)
		printf_(o, ",%" PRIu64, re);
	puts_(o, "]}");
}

static void paths(out *o, const hs_report *r)
{
	puts_(o, ",\"paths\":[");
	for (size_t i = 0; i < r->npaths; i++) {
		const rep_path *p = &r->paths[i];

		puts_(o, i ? ",{\"root_kind\":" : "{\"root_kind\":");
		jtext(o, r, p->root_kind);
		printf_(o, ",\"left_out\":%" PRIu64 ",\"steps\":[", p->left_out);
		for (uint32_t k = 0; k < p->n; k++) {
			const rep_step *s = &r->steps[p->first + k];

			puts_(o, k ? ",[" : "[");
			jtext(o, r, s->text);
			printf_(o, ",\"0x%" PRIx64 "\",", s->id);
			jidx(o, s->type);
			puts_(o, "]");
		}
		puts_(o, "]}");
	}
	puts_(o, "]");
}

static void pair(out *o, const char *k, const uint64_t *v)
{
	printf_(o, ",\"%s\":[%" PRIu64 ",%" PRIu64 "]", k, v[0], v[1]);
}

static void diff(out *o, const hs_report *r)
{
	const hs_diff_totals *t;

	if (!r->diff) {
		puts_(o, ",\"diff\":null");
		return;
	}
	t = hs_diff_totals_get(r->diff);
	printf_(o, ",\"diff\":{\"matched_by\":\"%s\",\"same_process\":%s,"
		"\"totals\":{\"snapshots\":%d",
		t->matched_by == HS_DIFF_MATCH_ID ? "id" : "path",
		t->same_process ? "true" : "false", t->snapshots);
	pair(o, "objects", t->objects);
	pair(o, "shallow", t->shallow);
	pair(o, "reachable", t->reachable);
	pair(o, "reachable_size", t->reachable_size);
	pair(o, "unreachable", t->unreachable);
	pair(o, "unreachable_size", t->unreachable_size);
	jkey_u(o, "survivors", t->survivors);
	jkey_u(o, "survivor_bytes", t->survivor_bytes);
	jkey_u(o, "new_objects", t->new_objects);
	jkey_u(o, "new_bytes", t->new_bytes);
	jkey_u(o, "freed_objects", t->freed_objects);
	jkey_u(o, "freed_bytes", t->freed_bytes);
	printf_(o, "},\"types\":{\"types\":%zu,\"rows\":[",
		hs_diff_type_count(r->diff));
	for (size_t i = 0; i < r->ndtypes; i++) {
		const hs_diff_type *d = hs_diff_type_get(r->diff, i);

		puts_(o, i ? ",[" : "[");
		jtext(o, r, r->dtype[i]);
		printf_(o, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			",%" PRIu64 ",%" PRIu64 "]", d->count[0], d->count[1],
			d->shallow[0], d->shallow[1], d->retained[0],
			d->retained[1]);
	}
	printf_(o, "]},\"owners\":{\"owners\":%zu,\"rows\":[",
		hs_diff_owner_count(r->diff));
	for (size_t i = 0; i < r->nowners; i++) {
		const rep_owner *w = &r->owners[i];
		const hs_diff_owner *d = hs_diff_owner_get(r->diff, w->i);

		puts_(o, i ? ",{\"obj\":" : "{\"obj\":");
		jidx(o, w->obj);
		puts_(o, ",\"type\":");
		jidx(o, w->type);
		puts_(o, ",\"text\":");
		jtext(o, r, w->text);
		printf_(o, ",\"objects\":%" PRId64 ",\"bytes\":%" PRId64,
			d->objects, d->bytes);
		pair(o, "retained", d->retained);
		puts_(o, "}");
	}
	puts_(o, "]}}");
}

static void json(out *o, const hs_report *r)
{
	printf_(o, "{\"schema\":\"heapsnap.report/1\",\"redacted\":%s,"
		"\"snapshots\":[", r->o.redact ? "true" : "false");
	snapshot(o, r, 0);
	if (r->og) {
		puts_(o, ",");
		snapshot(o, r, 1);
	}
	puts_(o, "],\"type_names\":[");
	for (size_t i = 0; i < r->ntypes; i++) {
		if (i)
			puts_(o, ",");
		jtext(o, r, r->tname[i]);
	}
	puts_(o, "]");
	objects(o, r);
	tree(o, r);
	puts_(o, ",\"retainers\":[");
	for (size_t i = 0; i < r->ntop; i++)
		printf_(o, "%s%" PRIu32, i ? "," : "", r->top[i]);
	puts_(o, "],\"types\":");
	type_rows(o, r, &r->types, 1);
	puts_(o, ",\"unreachable\":");
	type_rows(o, r, &r->unreach, 0);
	puts_(o, ",\"instances\":[");
	for (size_t i = 0; i < r->nitypes; i++) {
		const rep_insts *it = &r->itypes[i];

		printf_(o, "%s[%" PRIu32 ",[", i ? "," : "", it->type);
		for (uint32_t k = 0; k < it->n; k++)
			printf_(o, "%s%" PRIu32, k ? "," : "",
				r->inst[it->first + k]);
		puts_(o, "]]");
	}
	puts_(o, "]");
	paths(o, r);
	if (r->sites) {
		size_t n = hs_sites_count(r->sites);

		printf_(o, ",\"sites\":{\"depth\":1,\"recorded\":%" PRIu64
			",\"groups\":%zu,\"rows\":[",
			hs_sites_recorded(r->sites), n);
		if (n > r->o.types)
			n = r->o.types;
		for (size_t i = 0; i < n; i++) {
			const hs_site_group *s = hs_sites_get(r->sites, i);

			puts_(o, i ? ",[" : "[");
			jraw(o, s->key.ptr, s->key.len);
			printf_(o, ",%" PRIu64 ",%" PRIu64 "]", s->count,
				s->shallow);
		}
		puts_(o, "]}");
	} else {
		puts_(o, ",\"sites\":null");
	}
	diff(o, r);
	puts_(o, "}");
}

static int finish(out *o)
{
	flush(o);
	hs_buf_release(&o->b);
	return o->rc;
}

int hs_report_json(hs_report *r, hs_sink sink)
{
	out o = { sink, HS_BUF_INIT, 0 };

	json(&o, r);
	puts_(&o, "\n");
	return finish(&o);
}

int hs_report_html(hs_report *r, hs_sink sink)
{
	out o = { sink, HS_BUF_INIT, 0 };

	put(&o, hs_report__page_head, hs_report__page_head_len);
	json(&o, r);
	put(&o, hs_report__page_tail, hs_report__page_tail_len);
	return finish(&o);
}
