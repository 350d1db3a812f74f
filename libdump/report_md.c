/*
 * report_md.c - the report's Markdown summary (see hs_report.h): at most
 * HS_REPORT_MD_MAX bytes, for a bug report or an agent.
 *
 * Headings are ours; everything from the dump is inside fenced text
 * blocks (~~~), each line starting with our own text or with 4 spaces
 * (a root path: CommonMark takes a line of up to 3 spaces and "~~~" as
 * the closing fence, so a root labelled "~~~" would end the block and
 * make the next names markup), so no name or path can become markup,
 * and text is safe (hs_text_safe) before it is cut.
 * The summary is rendered with generous limits first, then with tighter
 * ones (shorter names and paths, fewer rows) until it fits; the last
 * level fits by construction, whatever the dump holds.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "hs_text.h"
#include "report.h"

typedef struct {
	size_t name;        /* bytes of a type name or file name */
	size_t path;        /* bytes of a root path */
	size_t types;       /* rows of the type table */
	size_t retainers;
	size_t unreach;     /* unreachable types named */
	size_t growth;      /* growth rows by type, and by owner */
	size_t text;        /* bytes of a header string (runtime...) */
} limits;

static const limits levels[] = {
	{ 96, 480, 10, 5, 5, 5, 64 },
	{ 64, 300, 10, 5, 4, 5, 48 },
	{ 48, 200, 10, 5, 3, 5, 40 },
	{ 40, 140, 10, 5, 3, 4, 32 },
	{ 32, 100, 10, 4, 2, 3, 24 },
	{ 24, 64, 8, 3, 2, 3, 16 },
	{ 16, 40, 5, 2, 1, 2, 12 },
};

typedef struct {
	hs_buf b;
	int rc;
} md;

static void add(md *m, const char *s, size_t n)
{
	if (m->rc == 0)
		m->rc = hs_buf_append(&m->b, s, n);
}

static void adds(md *m, const char *s)
{
	add(m, s, strlen(s));
}

static void addf(md *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void addf(md *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (m->rc == 0)
		m->rc = hs_text_vappendf(&m->b, fmt, ap);
	va_end(ap);
}

/* The last character boundary at or before byte i of safe text s, an
 * escape (\xNN, \n, \\) counting as one character. */
static size_t boundary(const char *s, size_t n, size_t i)
{
	size_t k = 0, last = 0;

	while (k < n && k <= i) {
		size_t step = 1;

		last = k;
		if (s[k] == '\\')
			step = k + 1 < n && s[k + 1] == 'x' ? 4 : 2;
		else if ((unsigned char)s[k] >= 0xc0)
			step = hs_text_utf8_len(s + k, n - k);
		k += step ? step : 1;
	}
	return k <= i ? k : last;
}

/* Safe text s, cut to max bytes: the start and the end kept, "..."
 * between (the end of a path names what it holds, the start its root). */
static void cut(md *m, const char *s, size_t n, size_t max)
{
	size_t head, tail;

	if (n <= max) {
		add(m, s, n);
		return;
	}
	head = boundary(s, n, max / 2 - 2);
	tail = boundary(s, n, n - (max - head - 3));
	if (tail < n - (max - head - 3))
		tail = boundary(s, n, tail + 4);  /* the next boundary */
	add(m, s, head);
	add(m, "...", 3);
	add(m, s + tail, n - tail);
}

static void text(md *m, const hs_report *r, uint32_t t, size_t max);

/* The name of report type t. */
static void type_name(md *m, const hs_report *r, uint32_t t, size_t max)
{
	text(m, r, t == REP_NONE ? REP_NONE : r->tname[t], max);
}

static void text(md *m, const hs_report *r, uint32_t t, size_t max)
{
	const char *p;
	size_t n;

	if (t == REP_NONE) {
		adds(m, "?");
		return;
	}
	p = rep_text_ptr(r, t, &n);
	cut(m, p, n, max);
}

/* A header string of the dump (raw bytes): safe, then cut. */
static void raw(md *m, const char *s, size_t max)
{
	hs_buf b = HS_BUF_INIT;

	if (m->rc == 0)
		m->rc = hs_text_safe(&b, s ? s : "", s ? strlen(s) : 0, max);
	add(m, (const char *)b.data, b.len);
	hs_buf_release(&b);
}

static const char *hum(uint64_t v, char *buf)
{
	return hs_text_human(v, buf, 24);
}

static const char *com(uint64_t v, char *buf)
{
	return hs_text_commas(v, buf, 32);
}

static double pct(uint64_t v, uint64_t total)
{
	return total ? 100.0 * (double)v / (double)total : 0.0;
}

static void sdelta(md *m, int64_t d, int human)
{
	char b[32];
	uint64_t a = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;

	addf(m, "%s%s", d < 0 ? "-" : "+", human ? hum(a, b) : com(a, b));
}

/* The root path of object o on one line: its steps joined by " -> ". */
static void path(md *m, const hs_report *r, uint32_t o, size_t max)
{
	hs_buf line = HS_BUF_INIT;
	const rep_path *p;

	if (o == REP_NONE || r->objs[o].path == REP_NONE) {
		adds(m, "(no root path)");
		return;
	}
	p = &r->paths[r->objs[o].path];
	for (uint32_t k = 0; k < p->n && m->rc == 0; k++) {
		const char *s;
		size_t n;

		s = rep_text_ptr(r, r->steps[p->first + k].text, &n);
		if (k)
			m->rc = hs_buf_append(&line, " -> ", 4);
		if (m->rc == 0 && p->left_out && k == REP_PATH_STEPS_MAX / 2)
			m->rc = hs_text_appendf(&line, "(%" PRIu64 " more) -> ",
						p->left_out);
		if (m->rc == 0)
			m->rc = hs_buf_append(&line, s, n);
	}
	cut(m, (const char *)line.data, line.len, max);
	hs_buf_release(&line);
}

static void header(md *m, const hs_report *r, const limits *l, int i)
{
	const hs_graph *g = i ? r->og : r->g;
	const hs_dom_stats *ds = hs_dom_stats_get(i ? r->od : r->d);
	const hs_graph_stats *s = hs_graph_stats_get(g);
	const hs_header *h = &hs_graph_info(g)->header;
	char a[32], b[32], c[32], e[32];

	adds(m, "file        ");
	text(m, r, r->name[i], l->name);
	addf(m, "\nruntime     ");
	raw(m, h->runtime, l->text);
	adds(m, " ");
	raw(m, h->runtime_version, l->text);
	if (!r->o.redact)
		addf(m, ", pid %" PRIu64, h->pid);
	adds(m, ", reason ");
	raw(m, h->reason, l->text);
	addf(m, ", %s\n", hs_text_iso8601(h->time_ms, a, sizeof(a)));
	addf(m, "objects     %s (%s), %s references, %s roots\n",
	     com(s->objects, a), hum(s->shallow, b), com(s->refs, c),
	     com(s->roots, e));
	addf(m, "reachable   %s objects, %s\n", com(ds->reachable, a),
	     hum(ds->reachable_size, b));
	addf(m, "unreachable %s objects, %s\n", com(ds->unreachable, a),
	     hum(ds->unreachable_size, b));
	addf(m, "integrity   %s", hs_integrity_status_name(s->integrity.status));
	if (s->integrity.status != HS_INTEGRITY_COMPLETE) {
		addf(m, ": %" PRIu64 " frames, %s lost", s->integrity.frames_lost,
		     hum(s->integrity.bytes_lost, a));
		if (s->integrity.objects_lost > 0)
			addf(m, ", %s objects",
			     com((uint64_t)s->integrity.objects_lost, b));
		adds(m, "; ");
		raw(m, s->integrity.problem, l->path);
	} else if (s->missing_refs) {
		addf(m, "; %s references to objects not in the dump",
		     com(s->missing_refs, a));
	}
	adds(m, "\n");
}

static void types(md *m, const hs_report *r, const limits *l)
{
	const hs_type_table *t = &r->types;
	uint64_t heap = hs_dom_stats_get(r->d)->reachable_size;
	char a[32], b[32], c[32];

	addf(m, "\n### Top types by retained size (%zu of %zu)\n\n~~~text\n",
	     t->n < l->types ? t->n : l->types, t->n);
	adds(m, "  retained       %    shallow        count  type\n");
	for (size_t i = 0; i < t->n && i < l->types; i++) {
		const hs_type_row *w = &t->rows[i];

		addf(m, "%10s  %5.1f%%  %9s  %11s  ", hum(w->retained, a),
		     pct(w->retained, heap), hum(w->shallow, b),
		     com(w->count, c));
		type_name(m, r, r->tmap[w->key], l->name);
		adds(m, "\n");
	}
	adds(m, "~~~\n");
}

static void retainers(md *m, const hs_report *r, const limits *l)
{
	uint64_t heap = hs_dom_stats_get(r->d)->reachable_size;
	char a[32];

	if (!r->ntop)
		return;
	adds(m, "\n### Top retainers, with their root paths\n\n~~~text\n");
	for (size_t i = 0; i < r->ntop && i < l->retainers; i++) {
		const rep_obj *o = &r->objs[r->top[i]];

		addf(m, "%zu. %s (%.1f%%) ", i + 1,
		     hum(hs_dom_retained(r->d, o->node), a),
		     pct(hs_dom_retained(r->d, o->node), heap));
		type_name(m, r, o->type, l->name);
		/* 4 spaces: a path may be a root label alone ("~~~") */
		addf(m, " 0x%" PRIx64 "\n    ", hs_graph_id(r->g, o->node));
		path(m, r, r->top[i], l->path);
		adds(m, "\n");
	}
	adds(m, "~~~\n");
}

static void unreachable(md *m, const hs_report *r, const limits *l)
{
	const hs_dom_stats *ds = hs_dom_stats_get(r->d);
	char a[32], b[32];

	addf(m, "\n### Unreachable\n\n~~~text\n%s objects, %s",
	     com(ds->unreachable, a), hum(ds->unreachable_size, b));
	for (size_t i = 0; i < r->unreach.n && i < l->unreach; i++) {
		const hs_type_row *w = &r->unreach.rows[i];

		adds(m, i ? ", " : "; by type: ");
		type_name(m, r, r->tmap[w->key], l->name);
		addf(m, " %s (%s)", com(w->count, a), hum(w->shallow, b));
	}
	if (r->unreach.n > l->unreach && l->unreach)
		adds(m, ", ...");
	adds(m, "\n~~~\n");
}

static void growth(md *m, const hs_report *r, const limits *l)
{
	const hs_diff_totals *t;
	char a[32], b[32], c[32], e[32];

	if (!r->diff)
		return;
	t = hs_diff_totals_get(r->diff);
	adds(m, "\n### Growth\n\n~~~text\n");
	header(m, r, l, 1);
	addf(m, "reachable   %s -> %s (", hum(t->reachable_size[0], a),
	     hum(t->reachable_size[1], b));
	sdelta(m, (int64_t)(t->reachable_size[1] - t->reachable_size[0]), 1);
	adds(m, "), objects ");
	sdelta(m, (int64_t)(t->objects[1] - t->objects[0]), 0);
	if (t->matched_by == HS_DIFF_MATCH_ID)
		addf(m, "\nmatched     by id: %s new objects (%s), %s freed (%s)",
		     com(t->new_objects, a), hum(t->new_bytes, b),
		     com(t->freed_objects, c), hum(t->freed_bytes, e));
	else
		adds(m, "\nmatched     by root path (different processes)");
	adds(m, "\n\ntypes by retained growth:\n");
	for (size_t i = 0, k = 0; i < r->ndtypes && k < l->growth; i++) {
		const hs_diff_type *d = hs_diff_type_get(r->diff, i);

		if (d->retained[0] == d->retained[1] && d->count[0] == d->count[1])
			continue;  /* unchanged */
		k++;
		adds(m, "  ");
		sdelta(m, (int64_t)(d->retained[1] - d->retained[0]), 1);
		adds(m, " retained, ");
		sdelta(m, (int64_t)(d->count[1] - d->count[0]), 0);
		adds(m, " objects  ");
		text(m, r, r->dtype[i], l->name);
		adds(m, "\n");
	}
	adds(m, t->matched_by == HS_DIFF_MATCH_ID ? "\nnew objects by owner:\n"
						 : "\nretainers by growth:\n");
	for (size_t i = 0; i < r->nowners && i < l->growth; i++) {
		const rep_owner *w = &r->owners[i];
		const hs_diff_owner *d = hs_diff_owner_get(r->diff, w->i);

		adds(m, "  ");
		sdelta(m, d->bytes, 1);
		adds(m, ", ");
		sdelta(m, d->objects, 0);
		adds(m, " objects  ");
		if (w->type != REP_NONE)
			type_name(m, r, w->type, l->name);
		if (w->obj != REP_NONE)
			addf(m, " 0x%" PRIx64,
			     hs_graph_id(r->g, r->objs[w->obj].node));
		adds(m, "\n    ");
		if (w->text != REP_NONE)
			text(m, r, w->text, l->path);
		else
			path(m, r, w->obj, l->path);
		adds(m, "\n");
	}
	adds(m, "~~~\n");
}

static void render(md *m, const hs_report *r, const limits *l)
{
	m->b.len = 0;
	adds(m, "### heapsnap summary\n\n~~~text\n");
	header(m, r, l, 0);
	adds(m, "~~~\n");
	types(m, r, l);
	retainers(m, r, l);
	unreachable(m, r, l);
	growth(m, r, l);
	if (r->o.redact)
		adds(m, "\n(redacted: no values, no dict keys)\n");
}

int hs_report_markdown(hs_report *r, hs_sink sink)
{
	md m = { HS_BUF_INIT, 0 };
	size_t n = sizeof(levels) / sizeof(levels[0]), i;
	int rc;

	for (i = 0; i < n; i++) {
		render(&m, r, &levels[i]);
		if (m.rc < 0 || m.b.len <= HS_REPORT_MD_MAX)
			break;
	}
	/* the last level fits by construction; should it not, a hard cut
	 * at a line keeps the limit */
	if (m.rc == 0 && m.b.len > HS_REPORT_MD_MAX) {
		static const char note[] = "(cut at 5 KB)\n";
		size_t keep = HS_REPORT_MD_MAX - sizeof(note) + 1;

		while (keep > 0 && m.b.data[keep - 1] != '\n')
			keep--;
		m.b.len = keep;
		add(&m, note, sizeof(note) - 1);
	}
	rc = m.rc;
	if (rc == 0)
		rc = sink.write(m.b.data, m.b.len, sink.payload);
	hs_buf_release(&m.b);
	return rc;
}
