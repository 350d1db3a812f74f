/*
 * graph_labels.c - reference labels and previews of a loaded graph, read
 * again from the file when asked for (the graph keeps neither): the file
 * is reopened on first use, and a label or preview costs the decoding of
 * the frame that holds the object, unless the reader still holds it.  A
 * label is matched to its edge by counting the references that resolve,
 * as loading did (graph_internal.h: resolve).
 *
 * Load: one reader (one decompressed frame) and LABEL_CACHE objects'
 * label indices; everything under g->lock.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "graph_internal.h"
#include "vec.h"

static const span *span_of(const hs_graph *g, uint32_t node)
{
	size_t lo = 0, hi = g->nspans;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (node < g->spans[mid].dense_first)
			hi = mid;
		else if (node >= g->spans[mid].dense_first + g->spans[mid].n)
			lo = mid + 1;
		else
			return &g->spans[mid];
	}
	return NULL;
}

/* Reads on from the reader's position to object `want` of frame s.
 * Called under g->lock. */
static int next_object(hs_record *rec, hs_graph *g, const span *s,
		       uint64_t want)
{
	int rc;

	g->cur_ok = 0;
	for (;;) {
		rc = hs_reader_next(rec, g->r);
		if (rc == 0 && rec->frame_offset != s->frame_offset)
			rc = HS_ITEROVER;
		if (rc == HS_ITEROVER)
			return hs_error_set(HS_ECORRUPT, "%s: byte %llu: object "
					    "%llu is not in its frame (the "
					    "file changed since it was "
					    "loaded?)", g->path,
					    (unsigned long long)s->frame_offset,
					    (unsigned long long)want);
		if (rc < 0)
			return rc;
		if (rec->kind == HS_REC_OBJECT && rec->u.object.index == want)
			return 0;
	}
}

/* Positions g->r on node's object record.  Called under g->lock. */
static int seek_object(hs_record *rec, hs_graph *g, uint32_t node)
{
	const hs_frame_info *fr;
	size_t nf, lo = 0, hi, fi;
	const span *s;
	uint64_t want;

	HS_RETURN_ERROR_IF(node >= g->n, HS_EINVAL, "%s: no node %u",
			   g->path, node);
	g->cur_ok = 0;
	if (!g->r)
		HS_FORWARD_IF_ERROR(hs_reader_open(&g->r, g->path, &g->ro));
	s = span_of(g, node);
	HS_RETURN_ERROR_IF(!s, HS_ERROR, "%s: node %u in no frame", g->path,
			   node);
	want = s->file_first + (node - s->dense_first);
	nf = hs_reader_frames(&fr, g->r);
	hi = nf;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fr[mid].offset < s->frame_offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	fi = lo;
	HS_RETURN_ERROR_IF(fi >= nf || fr[fi].offset != s->frame_offset,
			   HS_ECORRUPT, "%s: byte %llu: the frame of object "
			   "%llu is gone (the file changed since it was "
			   "loaded?)", g->path,
			   (unsigned long long)s->frame_offset,
			   (unsigned long long)want);
	HS_FORWARD_IF_ERROR(hs_reader_seek_object(g->r, fi, want));
	return next_object(rec, g, s, want);
}

/* Positions g->r on node's object record: read on from where the last
 * label read stopped when node comes later in that frame (no decoding),
 * else seek (which decodes nothing either when the frame is still the
 * reader's: hs_reader_seek_object).  Called under g->lock. */
static int goto_object(hs_record *rec, hs_graph *g, uint32_t node)
{
	const span *s = node < g->n ? span_of(g, node) : NULL;

	if (s && g->cur_ok && node > g->cur_node &&
	    g->cur_frame == s->frame_offset &&
	    span_of(g, g->cur_node) == s)
		return next_object(rec, g, s, s->file_first +
				   (node - s->dense_first));
	return seek_object(rec, g, node);
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int hs_graph_previews(hs_graph *g, const uint32_t *nodes, size_t n,
		      hs_preview_cb cb, void *payload)
{
	uint32_t *v;
	const span *cur = NULL;
	uint64_t last = 0;
	hs_record rec;
	int rc = 0;

	if (!n)
		return 0;
	v = malloc(n * sizeof(*v));
	HS_RETURN_ERROR_IF(!v, HS_ENOMEM, "%s: out of memory", g->path);
	memcpy(v, nodes, n * sizeof(*v));
	qsort(v, n, sizeof(*v), u32_cmp);
	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const span *s;
		uint64_t want;

		if (i && v[i] == v[i - 1])
			continue;
		s = v[i] < g->n ? span_of(g, v[i]) : NULL;
		if (!s) {
			rc = hs_error_set(HS_EINVAL, "%s: no node %u", g->path,
					  v[i]);
			break;
		}
		want = s->file_first + (v[i] - s->dense_first);
		/* objects of one frame come in order: read on */
		if (s == cur && want > last)
			rc = next_object(&rec, g, s, want);
		else
			rc = seek_object(&rec, g, v[i]);
		if (rc < 0)
			break;
		cur = s;
		last = want;
		rc = cb(v[i], &rec.u.object.obj.preview, payload);
	}
	pthread_mutex_unlock(&g->lock);
	free(v);
	return rc;
}

/* Appends the labels of k references that resolve; *seq counts the
 * unlabelled references of a HS_TYPE_SEQUENCE object (UINT64_MAX for
 * another object), those that do not resolve too: item j stays [j]. */
static int labels_append(uint64_t **v, size_t *n, size_t *cap, hs_graph *g,
			 const uint64_t *refs, const uint32_t *labels,
			 size_t k, uint64_t *seq)
{
	for (size_t i = 0; i < k; i++) {
		uint64_t l = labels ? labels[i] : HS_NO_LABEL;

		if (l == HS_NO_LABEL && *seq != UINT64_MAX)
			l = *seq < UINT32_MAX ? SEQ_LABEL | (*seq)++ : l;
		if (resolve(g, refs[i]) == HS_GRAPH_NONE)
			continue;
		if (hs_vec_grow((void **)v, cap, *n + 1, 8) < 0)
			return -1;
		(*v)[(*n)++] = l;
	}
	return 0;
}

/* The text of label l (SEQ_LABEL | j: "[j]", kept in g->seq_text), or
 * NULL for none.  Called under g->lock.
 * @return 0, HS_ENOMEM. */
static int label_text(hs_str *out, hs_graph *g, uint64_t l)
{
	uint32_t j = (uint32_t)l;
	size_t c = j / SEQ_CHUNK;
	char *t;

	out->ptr = NULL;
	out->len = 0;
	if (!(l & SEQ_LABEL)) {
		const hs_str *s = l != HS_NO_LABEL
				  ? hs_graph__string_at(g, (uint32_t)l) : NULL;

		if (s)
			*out = *s;
		return 0;
	}
	if (c >= g->nseq_text) {
		size_t cap = g->nseq_text;

		if (hs_vec_reserve((void **)&g->seq_text, &cap, c + 1,
				   sizeof(char *)) < 0)
			return hs_error_set(HS_ENOMEM, "%s: out of memory",
					    g->path);
		memset(g->seq_text + g->nseq_text, 0,
		       (c + 1 - g->nseq_text) * sizeof(char *));
		g->nseq_text = c + 1;
	}
	if (!g->seq_text[c] && !(g->seq_text[c] = calloc(SEQ_CHUNK, 16)))
		return hs_error_set(HS_ENOMEM, "%s: out of memory", g->path);
	t = g->seq_text[c] + (size_t)(j % SEQ_CHUNK) * 16;
	if (!t[0])
		snprintf(t, 16, "[%" PRIu32 "]", j);
	out->ptr = t;
	out->len = strlen(t);
	return 0;
}

/* The label string indices of node's kept edges, from rec (node's object
 * record) and the refs records that continue it, as loading attached
 * them: read on only until they are all there (an object's refs records
 * may start the next frame; reading past what is needed would decode
 * it).  *v gets one entry per kept edge.  Called under g->lock. */
static int read_labels(uint64_t **v, size_t *n, hs_record *rec, hs_graph *g,
		       uint32_t node)
{
	size_t cap = 0, want = g->off[node + 1] - g->off[node];
	uint64_t owner = g->info.ref_mode == HS_REFS_BY_INDEX
			 ? rec->u.object.index : rec->u.object.obj.id;
	uint64_t seq = g->type_flags && g->types[node] < g->ntypes &&
		       (g->type_flags[g->types[node]] & HS_TYPE_SEQUENCE)
		       ? 0 : UINT64_MAX;
	int rc = 0;

	*v = NULL;
	*n = 0;
	if (labels_append(v, n, &cap, g, rec->u.object.obj.refs,
			  rec->u.object.obj.labels,
			  rec->u.object.obj.nrefs, &seq) < 0)
		goto nomem;
	while (*n < want && (rc = hs_reader_next(rec, g->r)) == 0 &&
	       rec->kind != HS_REC_OBJECT && rec->kind != HS_REC_END) {
		if (rec->kind != HS_REC_REFS || rec->u.refs.owner != owner)
			continue;
		if (labels_append(v, n, &cap, g, rec->u.refs.refs,
				  rec->u.refs.labels, rec->u.refs.n, &seq) < 0)
			goto nomem;
	}
	if (rc < 0 && rc != HS_ITEROVER) {
		free(*v);
		*v = NULL;
		return rc;
	}
	if (*n != want) {
		free(*v);
		*v = NULL;
		return hs_error_set(HS_ECORRUPT, "%s: object %#llx has %zu "
				    "references in the file, %llu when loaded "
				    "(the file changed?)", g->path,
				    (unsigned long long)g->ids[node], *n,
				    (unsigned long long)want);
	}
	/* positioned after node's records, the next object not read yet */
	g->cur_ok = 1;
	g->cur_node = node;
	g->cur_frame = rec->frame_offset;
	if (!*v && !(*v = malloc(8)))
		goto nomem;
	return 0;
nomem:
	free(*v);
	*v = NULL;
	return hs_error_set(HS_ENOMEM, "%s: out of memory", g->path);
}

/* The label string indices of node's kept edges, cached. */
static int node_labels(const label_entry **out, hs_graph *g, uint32_t node)
{
	hs_record rec;
	uint64_t *v;
	size_t n;
	label_entry *e;

	for (unsigned i = 0; i < LABEL_CACHE; i++) {
		if (g->cache[i].labels && g->cache[i].node == node) {
			*out = &g->cache[i];
			return 0;
		}
	}
	HS_FORWARD_IF_ERROR(goto_object(&rec, g, node));
	HS_FORWARD_IF_ERROR(read_labels(&v, &n, &rec, g, node));
	e = &g->cache[g->cache_next++ % LABEL_CACHE];
	free(e->labels);
	e->labels = v;
	e->n = (uint32_t)n;
	e->node = node;
	*out = e;
	return 0;
}

typedef struct {
	uint32_t node;
	size_t i;      /* the query's place */
} label_query;

static int label_query_cmp(const void *pa, const void *pb)
{
	const label_query *a = pa, *b = pb;

	if (a->node != b->node)
		return a->node < b->node ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

int hs_graph_labels(hs_str *out, hs_graph *g, const uint32_t *nodes,
		    const size_t *edges, size_t n)
{
	label_query *q;
	hs_record rec;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		out[i].ptr = NULL;
		out[i].len = 0;
		HS_RETURN_ERROR_IF(nodes[i] >= g->n || edges[i] >=
				   g->off[nodes[i] + 1] - g->off[nodes[i]],
				   HS_EINVAL, "%s: node %u has no edge %zu",
				   g->path, nodes[i], edges[i]);
	}
	if (!n)
		return 0;
	q = malloc(n * sizeof(*q));
	HS_RETURN_ERROR_IF(!q, HS_ENOMEM, "%s: out of memory", g->path);
	for (size_t i = 0; i < n; i++) {
		q[i].node = nodes[i];
		q[i].i = i;
	}
	qsort(q, n, sizeof(*q), label_query_cmp);
	/* nodes are in file order: each frame is decoded once, and read on
	 * from one object to the next asked for */
	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < n && rc == 0;) {
		uint32_t node = q[i].node;
		uint64_t *v = NULL;
		size_t k;

		rc = goto_object(&rec, g, node);
		if (rc == 0)
			rc = read_labels(&v, &k, &rec, g, node);
		if (rc < 0)
			break;
		for (; i < n && q[i].node == node && rc == 0; i++)
			rc = label_text(&out[q[i].i], g, v[edges[q[i].i]]);
		free(v);
	}
	pthread_mutex_unlock(&g->lock);
	free(q);
	return rc;
}

int hs_graph_label(hs_str *out, hs_buf *storage, hs_graph *g, uint32_t node,
		   size_t k)
{
	const label_entry *e = NULL;
	int rc;

	out->ptr = NULL;
	out->len = 0;
	HS_RETURN_ERROR_IF(node >= g->n || k >= g->off[node + 1] - g->off[node],
			   HS_EINVAL, "%s: node %u has no edge %zu", g->path,
			   node, k);
	pthread_mutex_lock(&g->lock);
	rc = node_labels(&e, g, node);
	if (rc == 0) {
		hs_str t;
		const hs_str *text = NULL;

		rc = label_text(&t, g, e->labels[k]);
		if (rc == 0 && t.ptr)
			text = &t;
		if (text) {
			storage->len = 0;
			if (hs_buf_append(storage, text->ptr, text->len) < 0 ||
			    hs_buf_append(storage, "", 1) < 0) {
				rc = hs_error_set(HS_ENOMEM, "%s: out of "
						  "memory", g->path);
			} else {
				out->ptr = (const char *)storage->data;
				out->len = text->len;
			}
		}
	}
	pthread_mutex_unlock(&g->lock);
	return rc;
}

int hs_graph_preview(hs_value *out, hs_buf *storage, const hs_graph *g,
		     uint32_t node)
{
	hs_graph *mg = (hs_graph *)g;
	hs_record rec;
	int rc;

	memset(out, 0, sizeof(*out));
	HS_RETURN_ERROR_IF(node >= g->n, HS_EINVAL, "%s: no node %u", g->path,
			   node);
	pthread_mutex_lock(&mg->lock);
	rc = seek_object(&rec, mg, node);
	if (rc == 0) {
		*out = rec.u.object.obj.preview;
		if (out->kind == HS_VALUE_STR || out->kind == HS_VALUE_BYTES) {
			storage->len = 0;
			if (hs_buf_append(storage, out->v.s.ptr,
					  out->v.s.len) < 0 ||
			    hs_buf_append(storage, "", 1) < 0) {
				rc = hs_error_set(HS_ENOMEM, "%s: out of "
						  "memory", g->path);
				memset(out, 0, sizeof(*out));
			} else {
				out->v.s.ptr = (const char *)storage->data;
			}
		}
	}
	pthread_mutex_unlock(&mg->lock);
	return rc;
}
