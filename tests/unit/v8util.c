/*
 * v8util.c - V8 heap snapshots for the tests (see v8util.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "v8util.h"

static const char *const ntypes[] = {
	"hidden", "array", "string", "object", "code", "closure", "regexp",
	"number", "native", "synthetic", "concatenated string",
	"sliced string", "symbol", "bigint", "object shape"
};
static const char *const etypes[] = {
	"context", "element", "property", "internal", "hidden", "shortcut",
	"weak"
};
#define NNT (sizeof(ntypes) / sizeof(ntypes[0]))
#define NET (sizeof(etypes) / sizeof(etypes[0]))

typedef struct {
	const char **s;
	size_t n, cap;
} strtab;

static unsigned intern(strtab *t, const char *s)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->s[i], s) == 0)
			return (unsigned)i;
	tu_grow((void **)&t->s, &t->cap, t->n + 1, sizeof(*t->s));
	t->s[t->n] = s;
	return (unsigned)t->n++;
}

/* The index of a type name in the layout's list (the reordered list
 * reverses them). */
static unsigned type_index(const char *const *list, size_t n, const char *t,
			   int reorder)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], t) == 0)
			return (unsigned)(reorder ? n - 1 - i : i);
	abort();
}

static void put(hs_buf *b, const char *s)
{
	hs_buf_append(b, s, strlen(s));
}

static void put_list(hs_buf *b, const char *const *list, size_t n,
		     int reorder, const char *extra)
{
	put(b, "[");
	for (size_t i = 0; i < n; i++) {
		const char *t = list[reorder ? n - 1 - i : i];

		put(b, "\"");
		hs_buf_append(b, t, strlen(t));
		hs_buf_append(b, i + 1 < n ? "\"," : "\"", i + 1 < n ? 2 : 1);
	}
	if (extra)
		hs_buf_append(b, extra, strlen(extra));
	put(b, "]");
}

static void printf_buf(hs_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void printf_buf(hs_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	hs_buf_append(b, tmp, (size_t)n);
}

static int by_from(const void *a, const void *b)
{
	const v8t_edge *x = a, *y = b;

	return x->from < y->from ? -1 : x->from > y->from;
}

static void put_meta(hs_buf *b, int reorder, int extra)
{
	put(b, "{\"snapshot\":{\"meta\":{");
	if (reorder) {
		put(b, "\"edge_types\":[\"node\",");
		put_list(b, etypes, NET, 1, extra ? ",\"future edge\"" : NULL);
		put(b, ",\"string_or_number\"],");
		printf_buf(b, "\"node_fields\":[\"id\",\"edge_count\",%s\"name\","
			   "\"self_size\",\"type\"%s],", extra ?
			   "\"detachedness\"," : "", extra ?
			   ",\"trace_node_id\",\"future\"" : "");
		printf_buf(b, "\"node_types\":[\"number\",\"number\",%s"
			   "\"string\",\"number\",", extra ? "\"number\"," : "");
		put_list(b, ntypes, NNT, 1, extra ? ",\"future node\"" : NULL);
		printf_buf(b, "%s],\"edge_fields\":[\"to_node\",\"type\","
			   "\"name_or_index\"]}", extra ?
			   ",\"number\",\"number\"" : "");
		return;
	}
	printf_buf(b, "\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\","
		   "\"edge_count\"%s],\"node_types\":[", extra ?
		   ",\"trace_node_id\",\"detachedness\"" : "");
	put_list(b, ntypes, NNT, 0, extra ? ",\"future node\"" : NULL);
	printf_buf(b, ",\"string\",\"number\",\"number\",\"number\"%s],"
		   "\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
		   "\"edge_types\":[", extra ? ",\"number\",\"number\"" : "");
	put_list(b, etypes, NET, 0, extra ? ",\"future edge\"" : NULL);
	put(b, ",\"string_or_number\",\"node\"],"
		      "\"trace_function_info_fields\":[\"function_id\"]}");
}

char *v8t_json(const v8t_node *nodes, size_t n, const v8t_edge *edges,
	       size_t ne, unsigned root, unsigned variant)
{
	int reorder = variant & V8T_REORDER, extra = variant & V8T_EXTRA;
	unsigned nf = extra ? (reorder ? 8 : 7) : 5;
	v8t_edge *es = malloc((ne ? ne : 1) * sizeof(*es));
	hs_buf b = HS_BUF_INIT;
	strtab st = { NULL, 0, 0 };
	size_t e = 0;

	if (!es)
		abort();
	memcpy(es, edges, ne * sizeof(*es));
	qsort(es, ne, sizeof(*es), by_from);
	intern(&st, "<dummy>");
	put_meta(&b, reorder, extra);
	printf_buf(&b, ",\"node_count\":%zu,\"edge_count\":%zu", n, ne);
	if (root)
		printf_buf(&b, ",\"root_index\":%u", root * nf);
	put(&b, "},\n\"nodes\":[");
	for (size_t v = 0; v < n; v++) {
		unsigned t = type_index(ntypes, NNT, nodes[v].type, reorder);
		unsigned s = intern(&st, nodes[v].name);
		size_t ec = 0;

		for (size_t k = 0; k < ne; k++)
			ec += es[k].from == v;
		if (reorder)
			printf_buf(&b, "%s%llu,%zu,%s%u,%llu,%u%s", v ? "\n," : "",
				   (unsigned long long)nodes[v].id, ec,
				   extra ? "0," : "", s,
				   (unsigned long long)nodes[v].size, t,
				   extra ? ",0,7" : "");
		else
			printf_buf(&b, "%s%u,%u,%llu,%llu,%zu%s", v ? "\n," : "",
				   t, s, (unsigned long long)nodes[v].id,
				   (unsigned long long)nodes[v].size, ec,
				   extra ? ",0,0" : "");
	}
	put(&b, "],\n\"edges\":[");
	for (e = 0; e < ne; e++) {
		unsigned t = type_index(etypes, NET, es[e].type, reorder);
		int indexed = !strcmp(es[e].type, "element") ||
			      !strcmp(es[e].type, "hidden");
		unsigned name = indexed ? es[e].index : intern(&st, es[e].name);

		if (reorder)
			printf_buf(&b, "%s%u,%u,%u", e ? "\n," : "",
				   es[e].to * nf, t, name);
		else
			printf_buf(&b, "%s%u,%u,%u", e ? "\n," : "", t, name,
				   es[e].to * nf);
	}
	put(&b, "],\n");
	if (variant & V8T_TRAILING)
		put(&b, "\"trace_function_infos\":[],\"trace_tree\":"
			      "[1,0,0,0,[2,0,0,0,[[3,{\"x\":[]},0,0,[]]]]],"
			      "\"samples\":[],\"locations\":[0,1,2,3],\n");
	put(&b, "\"strings\":[");
	for (size_t i = 0; i < st.n; i++) {
		printf_buf(&b, "%s\"", i ? ",\n" : "");
		/* the names are JSON string contents: escapes pass */
		put(&b, st.s[i]);
		put(&b, "\"");
	}
	put(&b, "]}\n");
	hs_buf_append(&b, "", 1);
	free(es);
	free(st.s);
	return (char *)b.data;
}

int v8t_import(const char *text, size_t len, const char *name,
	       const hs_v8_options *o, hs_v8_stats *st)
{
	FILE *f = fmemopen((void *)text, len ? len : 1, "r");
	int rc;

	if (!f)
		abort();
	if (!len)
		(void)fgetc(f);
	rc = hs_v8_import(f, name, tu_path(name), o, NULL, st);
	fclose(f);
	return rc;
}

hs_graph *v8t_load(const char *text, const char *name,
		   const hs_v8_options *o, hs_v8_stats *st)
{
	hs_graph_options go = HS_GRAPH_OPTIONS_INIT;
	hs_graph *g = NULL;

	if (v8t_import(text, strlen(text), name, o, st) < 0) {
		fprintf(stderr, "v8t_load: %s\n", hs_error_last());
		return NULL;
	}
	go.threads = 1;
	if (hs_graph_load(&g, tu_path(name), &go) < 0) {
		fprintf(stderr, "v8t_load: %s\n", hs_error_last());
		return NULL;
	}
	return g;
}

char *v8t_describe(hs_graph *g)
{
	tu_strv lines = { 0 };
	hs_buf storage = HS_BUF_INIT, out = HS_BUF_INIT;

	for (uint32_t v = 0; v < hs_graph_count(g); v++) {
		hs_str tn = hs_graph_type_name(g, hs_graph_type(g, v));
		hs_edges e = hs_graph_out(g, v);
		hs_value pv;
		hs_buf line = HS_BUF_INIT;

		printf_buf(&line, "%llu %.*s %llu",
			   (unsigned long long)hs_graph_id(g, v), (int)tn.len,
			   tn.ptr, (unsigned long long)hs_graph_size(g, v));
		if (hs_graph_preview(&pv, &storage, g, v) == 0 &&
		    pv.kind == HS_VALUE_STR)
			printf_buf(&line, " '%.*s'", (int)pv.v.s.len,
				   pv.v.s.ptr);
		for (size_t k = 0; k < e.n; k++) {
			hs_str l;

			if (hs_graph_label(&l, &storage, g, v, k) < 0)
				l.ptr = NULL;
			printf_buf(&line, " ->%llu:%.*s:%u",
				   (unsigned long long)hs_graph_id(g, e.node[k]),
				   l.ptr ? (int)l.len : 1, l.ptr ? l.ptr : "-",
				   e.flags[k]);
		}
		hs_buf_append(&line, "", 1);
		tu_strv_push(&lines, "%s", (char *)line.data);
		hs_buf_release(&line);
	}
	for (size_t i = 0; i < hs_graph_root_count(g); i++) {
		const hs_root *r = hs_graph_root(g, i);
		hs_str k = hs_graph_root_kind(g, r->kind);

		tu_strv_push(&lines, "root %.*s '%.*s' %llu", (int)k.len, k.ptr,
			     (int)r->label.len, r->label.ptr ? r->label.ptr : "",
			     (unsigned long long)hs_graph_id(g, r->node));
	}
	tu_strv_sort(&lines);
	for (size_t i = 0; i < lines.n; i++) {
		hs_buf_append(&out, lines.v[i], strlen(lines.v[i]));
		hs_buf_append(&out, "\n", 1);
	}
	hs_buf_append(&out, "", 1);
	tu_strv_free(&lines);
	hs_buf_release(&storage);
	return (char *)out.data;
}
