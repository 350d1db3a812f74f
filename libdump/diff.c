/*
 * diff.c - hs_diff: per-type and per-owner growth between snapshots (see
 * hs_diff.h).
 *
 * Load: the type table (one row per type name), and while computing, per
 * object of the newest snapshot its match in the other (4 bytes), a
 * presence byte, an owner (4 bytes) and, per owner, a count (4) and bytes
 * (8).  Objects are matched by id with a merge of the two snapshots' ids
 * in order: ids mostly come in address order already, and a radix sort
 * puts the others in order (16 bytes per object while matching), where
 * hashing cost a random lookup per object.  The per-object arrays are
 * big arrays (bigarray.h): they reuse the memory the dominator trees'
 * computation left in the pool.
 */
#include <stdlib.h>
#include <string.h>

#include "bigarray.h"
#include "error.h"
#include "hs_diff.h"
#include "hs_paths.h"
#include "vec.h"

typedef struct {
	hs_diff_type *rows;
	size_t n, cap;
	uint32_t *slots;      /* open addressing over rows, by key */
	size_t nslots;
	int split;            /* keys: (name, class id) where known */
} type_table;

struct hs_diff {
	hs_graph *g[2];       /* [0] old/base, [1] new/final */
	hs_dom *d[2];
	hs_diff_totals totals;
	type_table types;
	hs_diff_owner *owners;
	size_t nowners;
	hs_buf paths;         /* owner path texts (path matching) */
	hs_paths *tree;       /* over g[1], built on first owner_path */
};

/* A row's key: its name, and split, the class's id when it has one. */
static uint64_t key_hash(hs_str s, int has_id, uint64_t id)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < s.len; i++)
		h = (h ^ (unsigned char)s.ptr[i]) * 0x100000001b3ull;
	if (has_id)
		h = (h ^ id) * 0x100000001b3ull;
	return h ^ h >> 29;
}

static int str_eq(hs_str a, hs_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static void table_release(type_table *t)
{
	free(t->rows);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* The row of a key, added if new. @return the row, or -1 (ENOMEM). */
static int64_t table_row(type_table *t, hs_str name, int has_id, uint64_t id)
{
	size_t i;

	if ((t->n + 1) * 2 > t->nslots) {
		size_t ns = t->nslots ? t->nslots * 2 : 256;
		uint32_t *s = malloc(ns * sizeof(*s));

		if (!s)
			return -1;
		memset(s, 0xff, ns * sizeof(*s));
		for (size_t r = 0; r < t->n; r++) {
			i = key_hash(t->rows[r].name, t->rows[r].has_id,
				     t->rows[r].id) & (ns - 1);
			while (s[i] != UINT32_MAX)
				i = (i + 1) & (ns - 1);
			s[i] = (uint32_t)r;
		}
		free(t->slots);
		t->slots = s;
		t->nslots = ns;
	}
	i = key_hash(name, has_id, id) & (t->nslots - 1);
	while (t->slots[i] != UINT32_MAX) {
		const hs_diff_type *r = &t->rows[t->slots[i]];

		if (str_eq(r->name, name) && r->has_id == has_id &&
		    r->id == id)
			return t->slots[i];
		i = (i + 1) & (t->nslots - 1);
	}
	if (hs_vec_grow((void **)&t->rows, &t->cap, t->n + 1,
			sizeof(*t->rows)) < 0)
		return -1;
	memset(&t->rows[t->n], 0, sizeof(t->rows[0]));
	t->rows[t->n].name = name;
	t->rows[t->n].has_id = has_id;
	t->rows[t->n].id = id;
	t->slots[i] = (uint32_t)t->n;
	return (int64_t)t->n++;
}

/* rowmap[type of g] = row in the table; *unsplit counts the types that
 * a split could not tell apart (a shared name, no id). */
static int map_types(uint32_t **out, type_table *t, const hs_graph *g,
		     uint64_t *unsplit)
{
	uint32_t nt = hs_graph_type_count(g);
	uint32_t *m = malloc((nt ? nt : 1) * sizeof(*m));

	HS_RETURN_ERROR_IF(!m, HS_ENOMEM, "diff: out of memory");
	for (uint32_t i = 0; i < nt; i++) {
		uint64_t id = 0;
		int has_id = 0;
		int64_t r;

		if (t->split && hs_graph_type_classes(g, i) > 1) {
			has_id = hs_graph_type_id(&id, g, i) == 0;
			if (!has_id && unsplit)
				(*unsplit)++;
		}
		r = table_row(t, hs_graph_type_name(g, i), has_id, id);

		if (r < 0) {
			free(m);
			return hs_error_set(HS_ENOMEM, "diff: out of memory");
		}
		m[i] = (uint32_t)r;
	}
	*out = m;
	return 0;
}

/* ---- retained size per type, each object once ------------------------ */

typedef struct {
	const hs_graph *g;
	hs_dom *d;
	const uint32_t *rowmap;
	uint32_t *active;      /* per row: ancestors of this type on the walk */
	hs_diff_type *rows;
	int side;
} type_walk;

static int type_visit(uint32_t node, uint32_t depth, int enter, void *payload)
{
	type_walk *w = payload;
	uint32_t r = w->rowmap[hs_graph_type(w->g, node)];

	(void)depth;
	if (enter) {
		if (w->active[r]++ == 0)
			w->rows[r].retained[w->side] += hs_dom_retained(w->d, node);
	} else {
		w->active[r]--;
	}
	return 0;
}

/* count, shallow and retained per type of snapshot `side`. */
static int tally_types(hs_diff *df, int side, const uint32_t *rowmap)
{
	const hs_graph *g = df->g[side];
	uint32_t n = hs_graph_count(g);
	type_walk w = { g, df->d[side], rowmap, NULL, df->types.rows, side };
	uint8_t *seen = calloc((size_t)hs_graph_type_count(g) + 1, 1);
	int rc;

	HS_RETURN_ERROR_IF(!seen, HS_ENOMEM, "diff: out of memory");
	for (uint32_t v = 0; v < n; v++) {
		uint32_t t = hs_graph_type(g, v);
		hs_diff_type *row = &df->types.rows[rowmap[t]];

		row->count[side]++;
		row->shallow[side] += hs_graph_size(g, v);
		if (!seen[t]) {  /* one more class with objects in the row */
			seen[t] = 1;
			row->classes[side]++;
		}
	}
	free(seen);
	w.active = calloc(df->types.n ? df->types.n : 1, sizeof(uint32_t));
	HS_RETURN_ERROR_IF(!w.active, HS_ENOMEM, "diff: out of memory");
	rc = hs_dom_walk(df->d[side], HS_GRAPH_SUPERROOT, type_visit, &w);
	free(w.active);
	return rc;
}

static int cmp_type(const void *pa, const void *pb);

/* Sorts the rows by growth and drops those that neither side has. */
static void finish_types(type_table *t)
{
	size_t k = 0;

	if (t->n > 1)  /* rows is NULL when empty: qsort(NULL) is UB */
		qsort(t->rows, t->n, sizeof(*t->rows), cmp_type);
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].count[0] || t->rows[i].count[1])
			t->rows[k++] = t->rows[i];
	t->n = k;
}

static int cmp_type(const void *pa, const void *pb)
{
	const hs_diff_type *a = pa, *b = pb;
	int64_t ra = (int64_t)(a->retained[1] - a->retained[0]);
	int64_t rb = (int64_t)(b->retained[1] - b->retained[0]);
	int64_t sa = (int64_t)(a->shallow[1] - a->shallow[0]);
	int64_t sb = (int64_t)(b->shallow[1] - b->shallow[0]);
	size_t l = a->name.len < b->name.len ? a->name.len : b->name.len;
	int c;

	if (ra != rb)
		return ra > rb ? -1 : 1;
	if (sa != sb)
		return sa > sb ? -1 : 1;
	c = l ? memcmp(a->name.ptr, b->name.ptr, l) : 0;
	if (c)
		return c;
	if (a->name.len != b->name.len)
		return a->name.len < b->name.len ? -1 : 1;
	if (a->has_id != b->has_id)
		return a->has_id < b->has_id ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* ---- matching objects by id ------------------------------------------ */

typedef struct {
	uint64_t id;
	uint32_t node;
} id_node;

/* g's nodes by id, ties in node order, in *out (n entries, from
 * hs_big_calloc), or *out = NULL when the ids already ascend with the
 * nodes (writers mostly walk memory in order): else an LSD radix sort of
 * the bits in which the ids differ, 11 at a time. */
static int id_order(id_node **out, const hs_graph *g)
{
	uint32_t n = hs_graph_count(g);
	id_node *a, *b;
	uint64_t lo = UINT64_MAX, hi = 0, prev = 0;
	int sorted = 1, bits = 0;

	*out = NULL;
	for (uint32_t v = 0; v < n; v++) {
		uint64_t id = hs_graph_id(g, v);

		if (v && id < prev)
			sorted = 0;
		prev = id;
		lo = id < lo ? id : lo;
		hi = id > hi ? id : hi;
	}
	if (sorted)
		return 0;
	a = hs_big_calloc((size_t)n, sizeof(*a));
	b = hs_big_calloc((size_t)n, sizeof(*b));
	if (!a || !b) {
		hs_big_free(a);
		hs_big_free(b);
		return hs_error_set(HS_ENOMEM, "diff: out of memory for the ids "
				    "of %u objects", n);
	}
	for (uint32_t v = 0; v < n; v++) {
		a[v].id = hs_graph_id(g, v);
		a[v].node = v;
	}
	while (bits < 64 && (hi - lo) >> bits)
		bits++;
	for (int shift = 0; shift < bits; shift += 11) {
		size_t cnt[2048] = { 0 }, at = 0;
		id_node *t;

		for (uint32_t v = 0; v < n; v++)
			cnt[(a[v].id - lo) >> shift & 2047]++;
		for (size_t k = 0; k < 2048; k++) {
			size_t c = cnt[k];

			cnt[k] = at;
			at += c;
		}
		for (uint32_t v = 0; v < n; v++)
			b[cnt[(a[v].id - lo) >> shift & 2047]++] = a[v];
		t = a;
		a = b;
		b = t;
	}
	hs_big_free(b);
	*out = a;
	return 0;
}

/* The i-th object of g in id order (ord from id_order), and its id. */
static inline uint32_t ord_node(const id_node *ord, uint32_t i)
{
	return ord ? ord[i].node : i;
}

static inline uint64_t ord_id(const id_node *ord, const hs_graph *g,
			      uint32_t i)
{
	return ord ? ord[i].id : hs_graph_id(g, i);
}

/*
 * Matches the objects of g and other by id and type name, as a merge of
 * the two id orders: an object matches the first object of the other
 * snapshot with its id (the one hs_graph_find_id() names) when that has
 * the same type name.  match[v] is that object for node v of g (or
 * HS_GRAPH_NONE); present[u] = 1 when node u of other matches (either may
 * be NULL).
 */
static int match_ids(uint32_t *match, unsigned char *present,
		     const hs_graph *g, const uint32_t *rowmap,
		     const hs_graph *other, const uint32_t *other_rowmap)
{
	uint32_t na = hs_graph_count(g), nb = hs_graph_count(other);
	id_node *a = NULL, *b = NULL;
	uint32_t i = 0, j = 0;
	int rc;

	rc = id_order(&a, g);
	if (rc == 0)
		rc = id_order(&b, other);
	if (rc < 0)
		goto done;
	if (match)
		for (uint32_t v = 0; v < na; v++)
			match[v] = HS_GRAPH_NONE;
	if (present)
		memset(present, 0, nb);
	while (i < na && j < nb) {
		uint64_t id = ord_id(a, g, i), idb = ord_id(b, other, j);
		uint32_t ie = i, je = j, fa, fb;

		if (idb < id) {
			j++;
			continue;
		}
		if (idb > id) {
			i++;
			continue;
		}
		while (ie < na && ord_id(a, g, ie) == id)
			ie++;
		while (je < nb && ord_id(b, other, je) == id)
			je++;
		/* the first of each run is the lowest node with the id */
		fa = ord_node(a, i);
		fb = ord_node(b, j);
		for (; match && i < ie; i++)
			if (rowmap[hs_graph_type(g, ord_node(a, i))] ==
			    other_rowmap[hs_graph_type(other, fb)])
				match[ord_node(a, i)] = fb;
		for (; present && j < je; j++)
			present[ord_node(b, j)] =
				other_rowmap[hs_graph_type(other,
							   ord_node(b, j))] ==
				rowmap[hs_graph_type(g, fa)];
		i = ie;
		j = je;
	}
done:
	hs_big_free(a);
	hs_big_free(b);
	return rc;
}

/* ---- owners by id ---------------------------------------------------- */

typedef struct {
	hs_dom *d;
	const uint32_t *old_of;  /* per node of the new snapshot: its match
	                            in the old one, or HS_GRAPH_NONE */
	uint32_t *own;       /* nearest surviving dominator-or-self */
} owner_walk;

static int owner_visit(uint32_t node, uint32_t depth, int enter, void *payload)
{
	owner_walk *w = payload;
	uint32_t up;

	(void)depth;
	if (!enter)
		return 0;
	up = hs_dom_idom(w->d, node);
	w->own[node] = w->old_of[node] != HS_GRAPH_NONE ? node
		       : up == HS_GRAPH_SUPERROOT ? HS_GRAPH_SUPERROOT
						  : w->own[up];
	return 0;
}

static int cmp_owner(const void *pa, const void *pb)
{
	const hs_diff_owner *a = pa, *b = pb;

	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	if (a->objects != b->objects)
		return a->objects > b->objects ? -1 : 1;
	return a->node < b->node ? -1 : a->node > b->node;
}

/* Groups the new objects (is_new) of the new snapshot by their nearest
 * surviving dominator (old_of: as match_ids gives it, against df->g[0]). */
static int owners_by_id(hs_diff *df, const uint32_t *old_of,
			const unsigned char *is_new)
{
	const hs_graph *g = df->g[1];
	hs_dom *d = df->d[1];
	uint32_t n = hs_graph_count(g);
	/* counts and bytes per owner: nodes, then the roots, then none */
	uint32_t *own = hs_big_calloc((size_t)n + 1, sizeof(*own));
	uint32_t *cnt = hs_big_calloc((size_t)n + 2, sizeof(*cnt));
	uint64_t *bytes = hs_big_calloc((size_t)n + 2, sizeof(*bytes));
	owner_walk w = { d, old_of, own };
	size_t k = 0;
	int rc;

	if (!own || !cnt || !bytes) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory for %u "
				  "objects' owners", n);
		goto done;
	}
	rc = hs_dom_walk(d, HS_GRAPH_SUPERROOT, owner_visit, &w);
	if (rc < 0)
		goto done;
	for (uint32_t v = 0; v < n; v++) {
		size_t slot;

		if (!is_new[v])
			continue;
		if (!hs_dom_reachable(d, v)) {
			slot = (size_t)n + 1;
		} else {
			uint32_t up = hs_dom_idom(d, v);
			uint32_t o = up == HS_GRAPH_SUPERROOT ? up : own[up];

			slot = o == HS_GRAPH_SUPERROOT ? n : o;
		}
		cnt[slot]++;
		bytes[slot] += hs_graph_size(g, v);
		df->totals.new_objects++;
		df->totals.new_bytes += hs_graph_size(g, v);
	}
	for (size_t s = 0; s < (size_t)n + 2; s++)
		k += cnt[s] != 0;
	df->owners = calloc(k ? k : 1, sizeof(*df->owners));
	if (!df->owners) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory");
		goto done;
	}
	for (size_t s = 0; s < (size_t)n + 2; s++) {
		hs_diff_owner *o;

		if (!cnt[s])
			continue;
		o = &df->owners[df->nowners++];
		o->node = s < n ? (uint32_t)s : s == n ? HS_GRAPH_SUPERROOT
						      : HS_GRAPH_NONE;
		o->objects = cnt[s];
		o->bytes = (int64_t)bytes[s];
		o->old_node = HS_GRAPH_NONE;
		if (s < n) {
			o->old_node = old_of[o->node];
			o->retained[1] = hs_dom_retained(d, o->node);
			if (o->old_node != HS_GRAPH_NONE)
				o->retained[0] = hs_dom_retained(df->d[0],
								 o->old_node);
		}
	}
	if (df->nowners > 1)  /* owners may be NULL when empty */
		qsort(df->owners, df->nowners, sizeof(*df->owners),
		      cmp_owner);
	rc = 0;
done:
	hs_big_free(own);
	hs_big_free(cnt);
	hs_big_free(bytes);
	return rc;
}

/* ---- owners by path -------------------------------------------------- */

typedef struct {
	uint32_t node;
	uint32_t resolved;    /* new side: its old counterpart found by
	                         following its path, or HS_GRAPH_NONE */
	uint64_t objects;     /* nodes it dominates, itself included */
	size_t path_off, path_len;  /* in hs_diff.paths */
	uint32_t row;         /* its type's row */
} top_entry;

typedef struct {
	hs_dom *d;
	uint32_t *count;
	uint32_t *stack;
} count_walk;

/* Objects each node dominates: added up on the way out of the walk. */
static int count_visit(uint32_t node, uint32_t depth, int enter, void *payload)
{
	count_walk *w = payload;
	uint32_t up;

	(void)depth;
	if (enter)
		return 0;
	w->count[node]++;
	up = hs_dom_idom(w->d, node);
	if (up != HS_GRAPH_SUPERROOT && up != HS_GRAPH_NONE)
		w->count[up] += w->count[node];
	return 0;
}

static int name_eq(const hs_graph *a, uint32_t na, const hs_graph *b,
		   uint32_t nb)
{
	return str_eq(hs_graph_type_name(a, hs_graph_type(a, na)),
		      hs_graph_type_name(b, hs_graph_type(b, nb)));
}

/* The old snapshot's root object with the same root kind, label and type
 * as root record ri of the new one, or HS_GRAPH_NONE. */
static uint32_t resolve_root(const hs_graph *og, const hs_graph *ng, size_t ri)
{
	const hs_root *nr = hs_graph_root(ng, ri);
	hs_str nk = hs_graph_root_kind(ng, nr->kind);

	for (size_t i = 0; i < hs_graph_root_count(og); i++) {
		const hs_root *r = hs_graph_root(og, i);

		if (str_eq(r->label, nr->label) &&
		    str_eq(hs_graph_root_kind(og, r->kind), nk) &&
		    name_eq(og, r->node, ng, nr->node))
			return r->node;
	}
	return HS_GRAPH_NONE;
}

/* Out-edges looked at per step when resolving a path: a huge container
 * is searched this far for the label. */
#define RESOLVE_SCAN_MAX 100000

/*
 * Follows the new snapshot's path p in the old one: the same root, then at
 * each step the reference with the same label (or, unlabelled, the same
 * position) to an object of the same type.  @return the old node, or
 * HS_GRAPH_NONE when some step has no counterpart.
 */
static uint32_t resolve_path(hs_diff *df, const hs_path *p)
{
	hs_graph *og = df->g[0], *ng = df->g[1];
	hs_buf ob = HS_BUF_INIT;
	uint32_t u = resolve_root(og, ng, p->root);
	/* the new path's labels in one pass over its frames; the old side's
	 * are read step by step, each step depending on the last */
	hs_str *labels = calloc(p->len, sizeof(*labels));

	if (!labels || hs_path_labels(labels, ng, p) < 0)
		u = HS_GRAPH_NONE;
	for (size_t i = 0; i + 1 < p->len && u != HS_GRAPH_NONE; i++) {
		hs_edges e = hs_graph_out(og, u);
		uint32_t next = HS_GRAPH_NONE;
		hs_str l = labels[i];
		size_t k;

		if (!l.ptr) {
			k = p->edges[i];
			if (k < e.n && name_eq(og, e.node[k], ng, p->nodes[i + 1]))
				next = e.node[k];
		}
		for (k = 0; l.ptr && k < e.n && k < RESOLVE_SCAN_MAX; k++) {
			hs_str ol;

			if (!name_eq(og, e.node[k], ng, p->nodes[i + 1]) ||
			    hs_graph_label(&ol, &ob, og, u, k) < 0)
				continue;
			if (ol.ptr && str_eq(ol, l)) {
				next = e.node[k];
				break;
			}
		}
		u = next;
	}
	hs_buf_release(&ob);
	free(labels);
	return u;
}

/* Fills t[0..m) for the retainers nodes[], with their shortest paths'
 * text in df->paths: the labels of all m paths read in one pass over the
 * frames they live in (hs_graph_labels), not one frame per step. */
static int owner_paths(hs_diff *df, hs_graph *g, const hs_paths *tree,
		       top_entry *t, const uint32_t *nodes, size_t m,
		       const uint32_t *count, const uint32_t *rowmap)
{
	hs_pathset **ps = calloc(m ? m : 1, sizeof(*ps));
	uint32_t *sn = NULL;
	size_t *se = NULL, steps = 0, at = 0;
	hs_str *labels = NULL;
	int rc = 0;

	if (!ps)
		return hs_error_set(HS_ENOMEM, "diff: out of memory");
	for (size_t i = 0; i < m && rc == 0; i++) {
		rc = hs_paths_shortest(&ps[i], tree, nodes[i]);
		if (rc == 0 && hs_pathset_count(ps[i]))
			steps += hs_pathset_get(ps[i], 0)->len - 1;
	}
	if (rc < 0)
		goto done;
	sn = malloc((steps ? steps : 1) * sizeof(*sn));
	se = malloc((steps ? steps : 1) * sizeof(*se));
	labels = malloc((steps ? steps : 1) * sizeof(*labels));
	if (!sn || !se || !labels) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory");
		goto done;
	}
	for (size_t i = 0; i < m; i++) {
		const hs_path *p = hs_pathset_count(ps[i])
				   ? hs_pathset_get(ps[i], 0) : NULL;

		for (size_t k = 0; p && k + 1 < p->len; k++, at++) {
			sn[at] = p->nodes[k];
			se[at] = p->edges[k];
		}
	}
	rc = hs_graph_labels(labels, g, sn, se, steps);
	at = 0;
	for (size_t i = 0; i < m && rc == 0; i++) {
		const hs_path *p = hs_pathset_count(ps[i])
				   ? hs_pathset_get(ps[i], 0) : NULL;

		t[i].node = nodes[i];
		t[i].resolved = HS_GRAPH_NONE;
		t[i].objects = count[nodes[i]];
		t[i].row = rowmap[hs_graph_type(g, nodes[i])];
		t[i].path_off = df->paths.len;
		if (p) {
			rc = hs_path_format_labels(&df->paths, g, p,
						   labels + at);
			at += p->len - 1;
		}
		t[i].path_len = df->paths.len - t[i].path_off;
	}
done:
	for (size_t i = 0; i < m; i++)
		hs_pathset_free(ps[i]);
	free(ps);
	free(sn);
	free(se);
	free(labels);
	return rc;
}

/* The k largest retainers of snapshot side, with their paths; on the new
 * side, also their counterparts found by following the path in the old
 * snapshot, with count0 the old snapshot's dominated-object counts. */
static int top_owners(top_entry **out, size_t *nout, hs_diff *df, int side,
		      size_t k, const uint32_t *rowmap, uint32_t **counts)
{
	hs_graph *g = df->g[side];
	uint32_t n = hs_graph_count(g);
	uint32_t *nodes = malloc(k * sizeof(*nodes));
	uint32_t *count = hs_big_calloc((size_t)n + 1, sizeof(*count));
	count_walk cw = { df->d[side], count, NULL };
	hs_paths *tree = NULL;
	top_entry *t = NULL;
	size_t m = 0;
	int rc;

	*out = NULL;
	*nout = 0;
	if (!nodes || !count) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory");
		goto done;
	}
	rc = hs_dom_walk(df->d[side], HS_GRAPH_SUPERROOT, count_visit, &cw);
	if (rc < 0)
		goto done;
	rc = hs_dom_top(&m, nodes, k, NULL, df->d[side], 0);
	if (rc < 0)
		goto done;
	t = calloc(m ? m : 1, sizeof(*t));
	if (!t) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory");
		goto done;
	}
	rc = hs_paths_new(&tree, g, NULL);
	if (rc < 0)
		goto done;
	rc = owner_paths(df, g, tree, t, nodes, m, count, rowmap);
	if (rc < 0)
		goto done;
	*out = t;
	*nout = m;
	t = NULL;
	if (side == 1 && !df->tree) {  /* kept for resolving and owner paths */
		df->tree = tree;
		tree = NULL;
	}
	if (counts) {
		*counts = count;
		count = NULL;
	}
	rc = 0;
done:
	hs_paths_free(tree);
	free(nodes);
	hs_big_free(count);
	free(t);
	return rc;
}

/* node's counterpart in the old snapshot, found along its shortest path
 * in the new one (df->tree), or HS_GRAPH_NONE. */
static uint32_t resolve(hs_diff *df, uint32_t node)
{
	hs_pathset *ps = NULL;
	uint32_t u = HS_GRAPH_NONE;

	if (hs_paths_shortest(&ps, df->tree, node) == 0 &&
	    hs_pathset_count(ps))
		u = resolve_path(df, hs_pathset_get(ps, 0));
	hs_pathset_free(ps);
	return u;
}

static int same_key(const hs_diff *df, const top_entry *a, const top_entry *b)
{
	return a->row == b->row && a->path_len == b->path_len &&
	       memcmp(df->paths.data + a->path_off,
		      df->paths.data + b->path_off, a->path_len) == 0;
}

static int owners_by_path(hs_diff *df, size_t k, const uint32_t *rowmap0,
			  const uint32_t *rowmap1)
{
	top_entry *t0 = NULL, *t1 = NULL;
	size_t n0 = 0, n1 = 0;
	unsigned char *used = NULL;
	uint32_t *count0 = NULL;
	int rc;

	rc = top_owners(&t0, &n0, df, 0, k, rowmap0, &count0);
	if (rc == 0)
		rc = top_owners(&t1, &n1, df, 1, k, rowmap1, NULL);
	if (rc < 0)
		goto done;
	used = calloc(n0 ? n0 : 1, 1);
	df->owners = calloc(n0 + n1 ? n0 + n1 : 1, sizeof(*df->owners));
	if (!used || !df->owners) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory");
		goto done;
	}
	/* K is small (hundreds): pairwise comparison is cheap enough */
	for (size_t i = 0; i < n1; i++) {
		hs_diff_owner *o = &df->owners[df->nowners++];
		size_t j;

		for (j = 0; j < n0; j++)
			if (!used[j] && same_key(df, &t1[i], &t0[j]))
				break;
		o->node = t1[i].node;
		o->old_node = HS_GRAPH_NONE;
		o->retained[1] = hs_dom_retained(df->d[1], t1[i].node);
		o->objects = (int64_t)t1[i].objects;
		o->path.len = t1[i].path_len;
		o->path.ptr = (const char *)(uintptr_t)t1[i].path_off;
		if (j < n0) {
			used[j] = 1;
			o->old_node = t0[j].node;
			o->objects -= (int64_t)t0[j].objects;
		} else if ((t1[i].resolved = resolve(df, t1[i].node)) !=
			   HS_GRAPH_NONE) {
			/* small before, among the largest now: the growth */
			o->old_node = t1[i].resolved;
			for (j = 0; j < n0; j++)
				if (t0[j].node == o->old_node)
					used[j] = 1;
			o->objects -= (int64_t)count0[o->old_node];
		}
		if (o->old_node != HS_GRAPH_NONE)
			o->retained[0] = hs_dom_retained(df->d[0], o->old_node);
		o->bytes = (int64_t)(o->retained[1] - o->retained[0]);
	}
	/* retainers that vanished: shrinkage, at the end of the sort */
	for (size_t j = 0; j < n0; j++) {
		hs_diff_owner *o;

		if (used[j])
			continue;
		o = &df->owners[df->nowners++];
		o->node = HS_GRAPH_NONE;
		o->old_node = t0[j].node;
		o->retained[0] = hs_dom_retained(df->d[0], t0[j].node);
		o->objects = -(int64_t)t0[j].objects;
		o->bytes = -(int64_t)o->retained[0];
		o->path.len = t0[j].path_len;
		o->path.ptr = (const char *)(uintptr_t)t0[j].path_off;
	}
	/* path offsets become pointers once the buffer stops moving */
	for (size_t i = 0; i < df->nowners; i++)
		df->owners[i].path.ptr = (const char *)df->paths.data +
					 (uintptr_t)df->owners[i].path.ptr;
	if (df->nowners > 1)  /* owners may be NULL when empty */
		qsort(df->owners, df->nowners, sizeof(*df->owners),
		      cmp_owner);
	rc = 0;
done:
	free(t0);
	free(t1);
	free(used);
	hs_big_free(count0);
	return rc;
}

/* ---- entry points ---------------------------------------------------- */

static int same_process(const hs_graph *a, const hs_graph *b)
{
	const hs_snapinfo *x = hs_graph_info(a), *y = hs_graph_info(b);

	return x->header.pid == y->header.pid &&
	       strcmp(x->header.runtime, y->header.runtime) == 0 &&
	       strcmp(x->header.runtime_version, y->header.runtime_version) == 0;
}

static void fill_totals(hs_diff *df, int side)
{
	const hs_graph_stats *s = hs_graph_stats_get(df->g[side]);
	const hs_dom_stats *ds = hs_dom_stats_get(df->d[side]);
	hs_diff_totals *t = &df->totals;

	t->objects[side] = hs_graph_count(df->g[side]);
	t->shallow[side] = s->shallow;
	t->reachable[side] = ds->reachable;
	t->reachable_size[side] = ds->reachable_size;
	t->unreachable[side] = ds->unreachable;
	t->unreachable_size[side] = ds->unreachable_size;
}

static int diff_init(hs_diff **out, hs_graph *g0, hs_dom *d0, hs_graph *g1,
		     hs_dom *d1, const hs_diff_options *opts,
		     uint32_t **rowmap0, uint32_t **rowmap1)
{
	hs_diff *df;
	int rc;

	*out = NULL;
	HS_RETURN_ERROR_IF(opts && opts->version != HS_DIFF_OPTIONS_VERSION,
			   HS_EINVAL, "diff: options version %u, expected %u",
			   opts->version, HS_DIFF_OPTIONS_VERSION);
	HS_RETURN_ERROR_IF(opts && opts->match > HS_DIFF_MATCH_PATH, HS_EINVAL,
			   "diff: unknown matching %d", (int)opts->match);
	HS_RETURN_ERROR_IF(opts && opts->split_classes &&
			   !same_process(g0, g1), HS_EINVAL,
			   "diff: classes are split by their objects' ids, "
			   "which only snapshots of one process share (same "
			   "pid and runtime)");
	df = calloc(1, sizeof(*df));
	HS_RETURN_ERROR_IF(!df, HS_ENOMEM, "diff: out of memory");
	df->g[0] = g0;
	df->g[1] = g1;
	df->d[0] = d0;
	df->d[1] = d1;
	df->totals.same_process = same_process(g0, g1);
	df->types.split = opts && opts->split_classes;
	fill_totals(df, 0);
	fill_totals(df, 1);
	rc = map_types(rowmap0, &df->types, g0, &df->totals.unsplit[0]);
	if (rc == 0)
		rc = map_types(rowmap1, &df->types, g1,
			       &df->totals.unsplit[1]);
	if (rc == 0)
		rc = tally_types(df, 0, *rowmap0);
	if (rc == 0)
		rc = tally_types(df, 1, *rowmap1);
	if (rc < 0) {
		hs_diff_free(df);
		return rc;
	}
	*out = df;
	return 0;
}

/* The end of both entry points: a finished diff into *out, or none. */
static int diff_done(hs_diff **out, hs_diff *df, int rc)
{
	if (rc == 0 && df) {
		finish_types(&df->types);
	} else {
		hs_diff_free(df);
		df = NULL;
	}
	*out = df;
	return rc;
}

int hs_diff_new(hs_diff **out, hs_graph *old_g, hs_dom *old_d,
		hs_graph *new_g, hs_dom *new_d, const hs_diff_options *opts)
{
	static const hs_diff_options defaults = HS_DIFF_OPTIONS_INIT;
	uint32_t *map0 = NULL, *map1 = NULL, *old_of = NULL;
	uint32_t n0 = hs_graph_count(old_g), n1 = hs_graph_count(new_g);
	unsigned char *in_new = NULL, *is_new = NULL;
	hs_diff *df = NULL;
	int rc;

	if (!opts)
		opts = &defaults;
	rc = diff_init(&df, old_g, old_d, new_g, new_d, opts, &map0, &map1);
	if (rc < 0)
		goto done;
	df->totals.snapshots = 2;
	df->totals.matched_by = opts->match != HS_DIFF_MATCH_AUTO ? opts->match
		: df->totals.same_process ? HS_DIFF_MATCH_ID
					  : HS_DIFF_MATCH_PATH;
	if (df->totals.matched_by == HS_DIFF_MATCH_PATH) {
		rc = owners_by_path(df, opts->path_owners ? opts->path_owners
							  : 500, map0, map1);
		goto done;
	}
	old_of = hs_big_calloc((size_t)n1 + 1, sizeof(*old_of));
	in_new = hs_big_calloc((size_t)n0 + 1, 1);
	is_new = hs_big_calloc((size_t)n1 + 1, 1);
	if (!old_of || !in_new || !is_new) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory");
		goto done;
	}
	rc = match_ids(old_of, in_new, new_g, map1, old_g, map0);
	if (rc < 0)
		goto done;
	for (uint32_t v = 0; v < n1; v++) {
		is_new[v] = old_of[v] == HS_GRAPH_NONE;
		if (!is_new[v]) {
			df->totals.survivors++;
			df->totals.survivor_bytes += hs_graph_size(new_g, v);
		}
	}
	for (uint32_t u = 0; u < n0; u++)
		if (!in_new[u]) {
			df->totals.freed_objects++;
			df->totals.freed_bytes += hs_graph_size(old_g, u);
		}
	rc = owners_by_id(df, old_of, is_new);
done:
	free(map0);
	free(map1);
	hs_big_free(old_of);
	hs_big_free(in_new);
	hs_big_free(is_new);
	return diff_done(out, df, rc);
}

int hs_diff_leaks(hs_diff **out, hs_graph *base_g, hs_dom *base_d,
		  hs_graph *target_g, hs_graph *final_g, hs_dom *final_d,
		  const hs_diff_options *opts)
{
	uint32_t *map0 = NULL, *map1 = NULL, *mapt = NULL, *m = NULL;
	uint32_t n = hs_graph_count(final_g);
	unsigned char *is_new = NULL;
	hs_diff *df = NULL;
	int rc;

	*out = NULL;
	HS_RETURN_ERROR_IF(!same_process(base_g, target_g) ||
			   !same_process(base_g, final_g), HS_EINVAL,
			   "three snapshots must come from one process (same "
			   "pid and runtime): objects are matched by id");
	rc = diff_init(&df, base_g, base_d, final_g, final_d, opts, &map0,
		       &map1);
	if (rc < 0)
		goto done;  /* the type maps may have been made */
	df->totals.snapshots = 3;
	df->totals.matched_by = HS_DIFF_MATCH_ID;
	/* target's types, mapped into the same table so names compare as
	 * rows; rows only target has get no counts and are dropped below */
	rc = map_types(&mapt, &df->types, target_g, NULL);
	if (rc < 0)
		goto done;
	m = hs_big_calloc((size_t)n + 1, sizeof(*m));
	is_new = hs_big_calloc((size_t)n + 1, 1);
	if (!m || !is_new) {
		rc = hs_error_set(HS_ENOMEM, "diff: out of memory");
		goto done;
	}
	/* leak candidates: in final, were in target, not in base */
	rc = match_ids(m, NULL, final_g, map1, target_g, mapt);
	if (rc < 0)
		goto done;
	for (uint32_t v = 0; v < n; v++)
		is_new[v] = m[v] != HS_GRAPH_NONE;
	rc = match_ids(m, NULL, final_g, map1, base_g, map0);
	if (rc < 0)
		goto done;
	for (uint32_t v = 0; v < n; v++)
		is_new[v] = is_new[v] && m[v] == HS_GRAPH_NONE;
	rc = owners_by_id(df, m, is_new);
done:
	free(map0);
	free(map1);
	free(mapt);
	hs_big_free(m);
	hs_big_free(is_new);
	return diff_done(out, df, rc);
}

void hs_diff_free(hs_diff *d)
{
	if (!d)
		return;
	table_release(&d->types);
	free(d->owners);
	hs_buf_release(&d->paths);
	hs_paths_free(d->tree);
	free(d);
}

const hs_diff_totals *hs_diff_totals_get(const hs_diff *d)
{
	return &d->totals;
}

size_t hs_diff_type_count(const hs_diff *d)
{
	return d->types.n;
}

const hs_diff_type *hs_diff_type_get(const hs_diff *d, size_t i)
{
	return i < d->types.n ? &d->types.rows[i] : NULL;
}

size_t hs_diff_owner_count(const hs_diff *d)
{
	return d->nowners;
}

const hs_diff_owner *hs_diff_owner_get(const hs_diff *d, size_t i)
{
	return i < d->nowners ? &d->owners[i] : NULL;
}

int hs_diff_owner_path(hs_buf *out, hs_diff *d, size_t i)
{
	const hs_diff_owner *o = hs_diff_owner_get(d, i);
	hs_pathset *ps = NULL;
	int rc;

	HS_RETURN_ERROR_IF(!o, HS_EINVAL, "diff: no owner %zu", i);
	if (o->path.len || d->totals.matched_by == HS_DIFF_MATCH_PATH)
		return hs_buf_append(out, o->path.ptr, o->path.len);
	if (o->node == HS_GRAPH_SUPERROOT)
		return hs_buf_append(out, "(roots)", 7);
	if (o->node == HS_GRAPH_NONE)
		return hs_buf_append(out, "(unreachable)", 13);
	if (!d->tree)
		HS_FORWARD_IF_ERROR(hs_paths_new(&d->tree, d->g[1], NULL));
	rc = hs_paths_shortest(&ps, d->tree, o->node);
	if (rc == 0 && hs_pathset_count(ps))
		rc = hs_path_format(out, d->g[1], hs_pathset_get(ps, 0));
	hs_pathset_free(ps);
	return rc;
}
