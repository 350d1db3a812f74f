/*
 * v8_import.c - a V8 heap snapshot into a .snap (see hs_v8.h): after
 * v8_parse.c has streamed the JSON into scratch arrays, two walks apply
 * the dominator rules of memlab and DevTools (format/V8.md) and the
 * objects are written, references by index.
 *
 *  - page-owned nodes (memlab's flag): reached from the synthetic root's
 *    edges other than its shortcuts and its element edges to
 *    "(Document DOM trees)", through edges that are not weak;
 *  - essential edges: not weak, not a self-edge, not a shortcut unless
 *    from the root, not from a node that is not page-owned into one that
 *    is.  The others are written with the weak flag, so that heapsnap's
 *    dominators ignore them as memlab's do;
 *  - roots: the targets of the root's essential edges, then, in node
 *    order, each node that they do not reach and that has only weak or
 *    shortcut retainers (memlab and DevTools give these the root as
 *    dominator), with what it reaches.
 *
 * Load: the scratch arrays (v8.h), at most about opts.memory bytes of
 * them resident; the walks keep a stack of node ordinals in scratch too.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "timing.h"
#include "v8.h"

/* Default resident scratch bound. */
#define MEMORY_DEFAULT ((size_t)128 << 20)
/* Index labels "[k]" cached for k below this; the others are declared
 * each time they are used. */
#define INDEX_LABELS_MAX (1u << 26)
/* Sweeps of a flood before it goes depth first (see flood()). */
#define SWEEPS_MAX 16
/* Nodes written between two releases of what was read. */
#define RELEASE_NODES (1u << 16)

size_t hs_v8__scratch_all(v8_im *im, hs_scratch **out, size_t max)
{
	hs_scratch *all[] = {
		&im->ntype, &im->nname, &im->nid, &im->nsize, &im->efirst,
		&im->nflag, &im->etype, &im->ename, &im->eto, &im->smark,
		&im->stype, &im->slabel, &im->spv, &im->pv, &im->ilabel,
		&im->stack
	};
	size_t n = sizeof(all) / sizeof(all[0]);

	for (size_t i = 0; i < n && i < max; i++)
		out[i] = all[i];
	return n;
}

/* A walk: the edges read through views, a stack of node ordinals. */
typedef struct {
	v8_im *im;
	hs_scratch_view first, to;  /* efirst and eto */
	uint64_t top, high;         /* the stack's top and its high mark */
	uint64_t count;             /* nodes marked */
} walk_t;

static int push(walk_t *w, uint32_t v, uint8_t f)
{
	v8_im *im = w->im;

	V8_U8(im->nflag, v) |= f;
	w->count++;
	HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->stack, w->top + 1));
	V8_U32(im->stack, w->top++) = v;
	if (w->top > w->high)
		w->high = w->top;
	return 0;
}

static uint32_t pop(walk_t *w)
{
	v8_im *im = w->im;
	uint32_t v = V8_U32(im->stack, --w->top);

	/* the stack's pages above a much lower top leave memory */
	if (w->high - w->top > (1u << 20)) {
		hs_scratch_release(&im->stack, w->top + 1, w->high);
		w->high = w->top;
	}
	return v;
}

/* Node v's edges: [*b, *e).  @return 0 or HS_EIO. */
static int edges_of(walk_t *w, uint32_t v, uint32_t *b, uint32_t *e)
{
	const uint32_t *p = hs_scratch_at(&w->first, v), *q;

	if (!p || !(q = hs_scratch_at(&w->first, (size_t)v + 1)))
		return hs_error_prefix(HS_EIO, "%s", w->im->name);
	*b = *p;
	*e = *q;
	return 0;
}

static int flagged(v8_im *im, uint32_t v, uint8_t f)
{
	return (V8_U8(im->nflag, v) & f) != 0;
}

/* Whether edge x from v retains (memlab's isEssential). */
static int essential(v8_im *im, uint32_t v, uint32_t x)
{
	uint32_t to = x & V8_TO_MASK, c = x & V8_TO_CLASS;

	if (to == v || c == V8_TO_WEAK)
		return 0;
	if (v == im->root)
		return 1;
	if (c == V8_TO_SHORTCUT)
		return 0;
	return !(flagged(im, to, V8_F_PAGE) && !flagged(im, v, V8_F_PAGE));
}

/* Node v's edges: each target that edge's rule lets f spread to gets f
 * and, by `pend`, the pending flag (a sweep) or a place on the stack.
 * @return 1 when a target lies before v (the sweep must go again). */
static int expand(walk_t *w, uint32_t v, uint8_t f, int essential_only,
		  int pend)
{
	v8_im *im = w->im;
	uint32_t b = 0, e = 0;
	int behind = 0;

	HS_FORWARD_IF_ERROR(edges_of(w, v, &b, &e));
	for (; b < e; b++) {
		const uint32_t *p = hs_scratch_at(&w->to, b);
		uint32_t x, to;

		if (!p)
			return hs_error_prefix(HS_EIO, "%s", im->name);
		x = *p;
		to = x & V8_TO_MASK;
		if (flagged(im, to, f) ||
		    (essential_only ? !essential(im, v, x)
		     : (x & V8_TO_CLASS) == V8_TO_WEAK))
			continue;
		if (pend) {
			V8_U8(im->nflag, to) |= f | V8_F_PENDING;
			w->count++;
			behind |= to < v;
		} else {
			HS_FORWARD_IF_ERROR(push(w, to, f));
		}
	}
	return behind;
}

/* Flag f on all that the stacked nodes reach through edges that are not
 * weak (page-owned), or through essential edges.  Depth first, the walk
 * would read the edges at random, a cache miss (a pread) per node when
 * they are larger than the memory allowed; so it first sweeps the nodes
 * in order, expanding the pending ones, whose edges are then read in
 * order: what a sweep marks ahead of itself it expands in the same
 * sweep, what it marks behind, in the next.  Heaps need a few sweeps;
 * after SWEEPS_MAX, what is left goes depth first, as does all of it
 * when the edges are in memory. */
static int flood(walk_t *w, uint8_t f, int essential_only)
{
	v8_im *im = w->im;
	int again = 1, rc;

	if (!w->to.data && !w->first.data)
		again = 0;  /* the edges are in memory: depth first is best */
	while (w->top && again) {
		uint32_t v = pop(w);

		V8_U8(im->nflag, v) |= V8_F_PENDING;
	}
	for (int pass = 0; again && pass < SWEEPS_MAX; pass++) {
		again = 0;
		for (uint32_t v = 0; v < im->nnodes; v++) {
			if (!(V8_U8(im->nflag, v) & V8_F_PENDING))
				continue;
			V8_U8(im->nflag, v) &= (uint8_t)~V8_F_PENDING;
			if ((rc = expand(w, v, f, essential_only, 1)) < 0)
				return rc;
			again |= rc;
		}
	}
	for (uint32_t v = 0; again && v < im->nnodes; v++)
		if (V8_U8(im->nflag, v) & V8_F_PENDING) {
			V8_U8(im->nflag, v) &= (uint8_t)~V8_F_PENDING;
			HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->stack,
							       w->top + 1));
			V8_U32(im->stack, w->top++) = v;
		}
	while (w->top)
		HS_FORWARD_IF_ERROR(expand(w, pop(w), f, essential_only, 0));
	return 0;
}

/* Whether the root's edge e seeds the page-owned nodes (memlab's
 * flagReachableNodesFromWindow). */
static int page_seed(v8_im *im, uint32_t e)
{
	uint8_t k = im->ekind[V8_U8(im->etype, e)];
	uint32_t to = V8_U32(im->eto, e) & V8_TO_MASK;

	if (k == V8_E_SHORTCUT)
		return 0;
	if (k != V8_E_ELEMENT)
		return 1;
	return !(im->nkind[V8_U8(im->ntype, to)] == V8_N_SYNTHETIC &&
		 (V8_U8(im->smark, V8_U32(im->nname, to)) & V8_S_DOMTREES));
}

/* Page-owned nodes, then the root's reach, then the weak-only roots in
 * node order.  eto and efirst are read through views: the walk goes
 * anywhere, and they may be larger than the memory allowed. */
static int walks(v8_im *im)
{
	uint32_t r = im->root;
	walk_t w;
	int rc;

	memset(&w, 0, sizeof(w));
	w.im = im;
	rc = hs_scratch_view_init(&w.first, &im->efirst, im->memory / 4);
	if (rc == 0)
		rc = hs_scratch_view_init(&w.to, &im->eto, im->memory / 2);
	for (uint32_t e = V8_U32(im->efirst, r);
	     rc == 0 && e < V8_U32(im->efirst, r + 1); e++) {
		uint32_t to = V8_U32(im->eto, e) & V8_TO_MASK;

		if (page_seed(im, e) && !flagged(im, to, V8_F_PAGE))
			rc = push(&w, to, V8_F_PAGE);
	}
	if (rc == 0)
		rc = flood(&w, V8_F_PAGE, 0);
	w.count = 0;
	if (rc == 0)
		rc = push(&w, r, V8_F_REACHED);
	if (rc == 0)
		rc = flood(&w, V8_F_REACHED, 1);
	for (uint32_t v = 0; rc == 0 && v < im->nnodes; v++) {
		if (V8_U8(im->nflag, v) & (V8_F_REACHED | V8_F_STRONG))
			continue;
		V8_U8(im->nflag, v) |= V8_F_WEAKROOT;
		im->st->weak_only++;
		/* depth first: what one weak-only node reaches is little,
		 * and a sweep would cost a pass over all nodes */
		rc = push(&w, v, V8_F_REACHED);
		while (rc == 0 && w.top)
			rc = expand(&w, pop(&w), V8_F_REACHED, 1, 0);
	}
	im->st->unreachable = im->nnodes - w.count;
	hs_scratch_release(&im->stack, 0, im->stack.cap);
	hs_scratch_view_free(&w.first);
	hs_scratch_view_free(&w.to);
	return rc;
}

/* ---- writing ----------------------------------------------------------- */

/* What writing needs beside im: one object's references,
 * HS_REFS_PER_RECORD at a time, and views of the string maps, which are
 * read at random. */
typedef struct {
	v8_im *im;
	uint64_t refs[HS_REFS_PER_RECORD];
	uint32_t labels[HS_REFS_PER_RECORD];
	uint8_t flags[HS_REFS_PER_RECORD];
	size_t n;
	int started;         /* the object record is written */
	hs_object ob;
	hs_scratch_view stype, slabel, spv, pv;
	char text[HS_V8_PREVIEW_MAX + 1];
} wctx;

static int read_fail(wctx *w)
{
	return hs_error_prefix(HS_EIO, "%s", w->im->name);
}

/* A 32-bit map entry through a view (maps shorter than i read 0). */
static int map_get(wctx *w, hs_scratch_view *m, uint64_t i, uint32_t *out)
{
	const uint32_t *p;

	*out = 0;
	if (i >= m->a->cap)
		return 0;
	p = hs_scratch_at(m, (size_t)i);
	if (!p)
		return read_fail(w);
	*out = *p;
	return 0;
}

static int node_type(wctx *w, uint32_t v, uint32_t *out)
{
	v8_im *im = w->im;
	uint8_t t = V8_U8(im->ntype, v);
	const char *name = im->ntname[t];
	char buf[HS_V8_TYPES_MAX + 8];

	if (im->nkind[t] == V8_N_OBJECT)
		return map_get(w, &w->stype, V8_U32(im->nname, v), out);
	if (im->ntype_snap[t] == V8_NONE) {
		/* DevTools' class rule for the other types */
		if (im->nkind[t] == V8_N_HIDDEN)
			name = "(system)";
		else if (im->nkind[t] == V8_N_CODE)
			name = "(compiled code)";
		else
			name = (snprintf(buf, sizeof(buf), "(%s)", name), buf);
		HS_FORWARD_IF_ERROR(hs_writer_type(&im->ntype_snap[t], im->w,
						   name, strlen(name)));
	}
	*out = im->ntype_snap[t];
	return 0;
}

/* "[k]" as a string index. */
static int index_label(v8_im *im, uint32_t k, uint32_t *out)
{
	char buf[16];
	int n;

	if (k < INDEX_LABELS_MAX) {
		HS_FORWARD_IF_ERROR(hs_scratch_reserve(&im->ilabel, k + 1));
		if (V8_U32(im->ilabel, k)) {
			*out = V8_U32(im->ilabel, k) - 1;
			return 0;
		}
	}
	n = snprintf(buf, sizeof(buf), "[%u]", k);
	HS_FORWARD_IF_ERROR(hs_writer_string(out, im->w, buf, (size_t)n));
	if (k < INDEX_LABELS_MAX)
		V8_U32(im->ilabel, k) = *out + 1;
	return 0;
}

/* The first bytes of string s that the strings phase kept, into w->text
 * (empty when none were kept). */
static int kept_text(wctx *w, uint32_t s, size_t *len)
{
	uint32_t off;
	unsigned char n;

	*len = 0;
	w->text[0] = '\0';
	HS_FORWARD_IF_ERROR(map_get(w, &w->spv, s, &off));
	if (!off)
		return 0;
	if (!w->pv.data) {  /* in memory: no copy through the cache */
		n = V8_U8(w->im->pv, off - 1);
		memcpy(w->text, &V8_U8(w->im->pv, off), n);
	} else if (hs_scratch_read(&w->pv, off - 1, &n, 1) < 0 ||
		   hs_scratch_read(&w->pv, off, w->text, n) < 0) {
		return read_fail(w);
	}
	w->text[n] = '\0';
	*len = n;
	return 0;
}

/* The preview of a node that is not an object: its name's first bytes. */
static int node_preview(wctx *w, uint32_t v, hs_value *pv)
{
	v8_im *im = w->im;
	uint8_t kind = im->nkind[V8_U8(im->ntype, v)];
	size_t n;

	pv->kind = HS_VALUE_NONE;
	if (kind == V8_N_OBJECT || (kind == V8_N_DATA && im->o.redact))
		return 0;
	HS_FORWARD_IF_ERROR(kept_text(w, V8_U32(im->nname, v), &n));
	if (n) {
		pv->kind = HS_VALUE_STR;
		pv->v.s.ptr = w->text;
		pv->v.s.len = n;
	}
	return 0;
}

static int batch_flush(wctx *w)
{
	v8_im *im = w->im;
	int rc = 0;

	if (!w->started) {
		w->ob.nrefs = w->n;
		w->ob.refs = w->refs;
		w->ob.labels = w->labels;
		w->ob.flags = w->flags;
		rc = hs_writer_object(im->w, &w->ob);
		w->started = 1;
	} else if (w->n) {
		rc = hs_writer_refs(im->w, w->refs, w->labels, w->flags, w->n);
	}
	im->st->refs += w->n;
	w->n = 0;
	return rc;
}

/* One edge of v into the batch: the target's index (the root has none),
 * the label, the weak flag by the rules. */
static int add_edge(wctx *w, uint32_t v, uint32_t e)
{
	v8_im *im = w->im;
	uint32_t x = V8_U32(im->eto, e), to = x & V8_TO_MASK;
	uint8_t kind = im->ekind[V8_U8(im->etype, e)], f = 0;
	uint32_t name = V8_U32(im->ename, e);

	if (to == im->root) {
		im->st->root_refs++;
		return 0;
	}
	if (kind == V8_E_WEAK) {
		f = HS_REF_WEAK;
		im->st->weak_edges++;
	} else if (kind == V8_E_SHORTCUT) {
		f = HS_REF_WEAK;
		im->st->shortcuts++;
	} else if (to != v && flagged(im, to, V8_F_PAGE) &&
		   !flagged(im, v, V8_F_PAGE)) {
		f = HS_REF_WEAK;
		im->st->page_edges++;
	}
	if (kind == V8_E_ELEMENT || kind == V8_E_HIDDEN)
		HS_FORWARD_IF_ERROR(index_label(im, name, &w->labels[w->n]));
	else
		HS_FORWARD_IF_ERROR(map_get(w, &w->slabel, name,
					    &w->labels[w->n]));
	w->refs[w->n] = to - (to > im->root);
	w->flags[w->n] = f;
	im->st->weak_refs += f != 0;
	if (++w->n == HS_REFS_PER_RECORD)
		return batch_flush(w);
	return 0;
}

static int write_node(wctx *w, uint32_t v)
{
	v8_im *im = w->im;
	uint32_t e = V8_U32(im->efirst, v), end = V8_U32(im->efirst, v + 1);

	memset(&w->ob, 0, sizeof(w->ob));
	w->n = 0;
	w->started = 0;
	w->ob.id = V8_U64(im->nid, v);
	w->ob.size = V8_U64(im->nsize, v);
	w->ob.site = HS_NO_SITE;
	HS_FORWARD_IF_ERROR(node_type(w, v, &w->ob.type));
	HS_FORWARD_IF_ERROR(node_preview(w, v, &w->ob.preview));
	for (; e < end; e++)
		HS_FORWARD_IF_ERROR(add_edge(w, v, e));
	HS_FORWARD_IF_ERROR(batch_flush(w));
	im->st->objects++;
	return 0;
}

/* The root's essential edges (kind: the edge type; label: the target's
 * name), then the weak-only roots. */
static int write_roots(wctx *w)
{
	v8_im *im = w->im;
	uint32_t r = im->root;

	for (uint32_t e = V8_U32(im->efirst, r);
	     e < V8_U32(im->efirst, r + 1); e++) {
		uint32_t x = V8_U32(im->eto, e), to = x & V8_TO_MASK;
		size_t n = 0;

		if (!essential(im, r, x))
			continue;
		/* the strings phase kept the first bytes of these names */
		if (!(im->o.redact &&
		      im->nkind[V8_U8(im->ntype, to)] == V8_N_DATA))
			HS_FORWARD_IF_ERROR(kept_text(w, V8_U32(im->nname, to),
						      &n));
		HS_FORWARD_IF_ERROR(hs_writer_root(im->w, to - (to > r),
			im->etname[V8_U8(im->etype, e)], n ? w->text : NULL,
			0));
		im->st->roots++;
	}
	for (uint32_t v = 0; v < im->nnodes; v++) {
		if (!(V8_U8(im->nflag, v) & V8_F_WEAKROOT))
			continue;
		HS_FORWARD_IF_ERROR(hs_writer_root(im->w, v - (v > r),
						   "weak-only", NULL, 0));
		im->st->roots++;
	}
	return 0;
}

/* What the writing has read leaves memory: nodes [from, v), their
 * edges. */
static void release_behind(v8_im *im, uint32_t from, uint32_t v)
{
	hs_scratch *a[] = { &im->ntype, &im->nname, &im->nid, &im->nsize,
			    &im->efirst };
	uint32_t e0 = V8_U32(im->efirst, from), e1 = V8_U32(im->efirst, v);

	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		hs_scratch_release(a[i], from, v);
	hs_scratch_release(&im->etype, e0, e1);
	hs_scratch_release(&im->ename, e0, e1);
	hs_scratch_release(&im->eto, e0, e1);
}

static int write_all(v8_im *im)
{
	wctx *w = calloc(1, sizeof(*w));
	uint32_t done = 0;
	int rc;

	HS_RETURN_ERROR_IF(!w, HS_ENOMEM, "%s: out of memory", im->name);
	w->im = im;
	rc = hs_scratch_view_init(&w->stype, &im->stype, im->memory / 8);
	if (rc == 0)
		rc = hs_scratch_view_init(&w->slabel, &im->slabel,
					  im->memory / 8);
	if (rc == 0)
		rc = hs_scratch_view_init(&w->spv, &im->spv, im->memory / 8);
	if (rc == 0)
		rc = hs_scratch_view_init(&w->pv, &im->pv, im->memory / 4);
	for (uint32_t v = 0; v < im->nnodes && rc == 0; v++) {
		if (v != im->root)
			rc = write_node(w, v);
		if (v - done >= RELEASE_NODES) {
			release_behind(im, done, v);
			done = v;
		}
	}
	if (rc == 0)
		rc = write_roots(w);
	hs_scratch_view_free(&w->stype);
	hs_scratch_view_free(&w->slabel);
	hs_scratch_view_free(&w->spv);
	hs_scratch_view_free(&w->pv);
	free(w);
	return rc;
}

/* ---- entry points ------------------------------------------------------ */

static void im_free(v8_im *im)
{
	hs_scratch *all[32];
	size_t n = hs_v8__scratch_all(im, all, 32);

	for (size_t i = 0; i < n; i++) {
		if (all[i]->fd >= 0) {
			struct stat sb;

			if (fstat(all[i]->fd, &sb) == 0)
				im->st->scratch += (uint64_t)sb.st_blocks * 512;
		}
		hs_scratch_free(all[i]);
	}
	for (unsigned t = 0; t < HS_V8_TYPES_MAX; t++) {
		free(im->ntname[t]);
		free(im->etname[t]);
	}
	hs_writer_abort(im->w);
	im->w = NULL;
	hs_json_release(&im->j);
	hs_source_close(&im->src);
}

static int im_run(v8_im *im, FILE *in, const char *in_name,
		  const hs_v8_options *v8o, const hs_writer_options *wo,
		  hs_v8_stats *stats)
{
	hs_v8_options dv = HS_V8_OPTIONS_INIT;
	hs_writer_options dw = HS_WRITER_OPTIONS_INIT;
	hs_v8_stats own;
	hs_scratch *all[32];
	size_t n = hs_v8__scratch_all(im, all, 32);
	const char *tmp = getenv("TMPDIR");
	int rc;

	im->st = stats ? stats : &own;
	memset(im->st, 0, sizeof(*im->st));
	im->o = v8o ? *v8o : dv;
	im->wo = wo ? *wo : dw;
	im->wo.ref_mode = HS_REFS_BY_INDEX;
	im->name = in_name ? in_name : "(input)";
	im->memory = im->o.memory ? im->o.memory : MEMORY_DEFAULT;
	im->tmpdir = im->o.tmpdir ? im->o.tmpdir : tmp && *tmp ? tmp : "/tmp";
	memset(im->ntype_snap, 0xff, sizeof(im->ntype_snap));
	for (size_t i = 0; i < n; i++)
		hs_scratch_init(all[i], im->tmpdir, 1, "v8");
	im->nname.elem = im->efirst.elem = im->ename.elem = im->eto.elem = 4;
	im->stype.elem = im->slabel.elem = im->spv.elem = 4;
	im->ilabel.elem = im->stack.elem = 4;
	im->nid.elem = im->nsize.elem = 8;
	rc = hs_source_open(&im->src, in, im->name);
	if (rc == 0)
		rc = hs_json_init_read(&im->j, hs_source_read, &im->src,
				       im->name, HS_JSON_DOCUMENT |
				       HS_JSON_LENIENT, UINT64_MAX / 2,
				       HS_V8_NAME_MAX);
	if (rc == 0)
		rc = hs_v8__parse(im);
	im->st->gzip = im->src.gzip;
	im->st->bytes = im->src.out;
	im->st->nodes = im->nnodes;
	im->st->edges = im->nedges;
	im->st->strings = im->nstrings;
	if (rc == 0)
		rc = walks(im);
	hs_timing_step("v8", "walks", &im->t);
	if (rc == 0)
		rc = write_all(im);
	hs_timing_step("v8", "objects", &im->t);
	if (rc == 0) {
		rc = hs_writer_close(im->w);
		im->w = NULL;
	}
	hs_timing_step("v8", "close", &im->t);
	im_free(im);
	return rc;
}

int hs_v8_import(FILE *in, const char *in_name, const char *snap_path,
		 const hs_v8_options *v8o, const hs_writer_options *wo,
		 hs_v8_stats *stats)
{
	v8_im *im;
	int rc;

	HS_RETURN_ERROR_IF(!in || !snap_path || !*snap_path, HS_EINVAL,
			   "hs_v8_import: no input or no output path");
	im = calloc(1, sizeof(*im));
	HS_RETURN_ERROR_IF(!im, HS_ENOMEM, "hs_v8_import: out of memory");
	im->path = snap_path;
	rc = im_run(im, in, in_name, v8o, wo, stats);
	free(im);
	return rc;
}

int hs_v8_import_file(const char *in_path, const char *snap_path,
		      const hs_v8_options *v8o, const hs_writer_options *wo,
		      hs_v8_stats *stats)
{
	FILE *f;
	int rc = hs_source_fopen(&f, in_path, "hs_v8_import_file");

	if (rc < 0)
		return rc;
	rc = hs_v8_import(f, in_path, snap_path, v8o, wo, stats);
	fclose(f);
	return rc;
}

int hs_v8_import_sink(FILE *in, const char *in_name, hs_sink out,
		      const char *out_name, const hs_v8_options *v8o,
		      const hs_writer_options *wo, hs_v8_stats *stats)
{
	v8_im *im;
	int rc;

	HS_RETURN_ERROR_IF(!in || !out.write, HS_EINVAL,
			   "hs_v8_import_sink: no input or no sink");
	im = calloc(1, sizeof(*im));
	HS_RETURN_ERROR_IF(!im, HS_ENOMEM, "hs_v8_import: out of memory");
	im->sink = out;
	im->out_name = out_name ? out_name : "(sink)";
	rc = im_run(im, in, in_name, v8o, wo, stats);
	free(im);
	return rc;
}

int hs_v8_sniff(const void *head, size_t n)
{
	static const char key[] = "\"snapshot\"";
	const unsigned char *p = head;
	size_t i = 0;

	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return 2;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
			 p[i] == '\n'))
		i++;
	if (i >= n || p[i++] != '{')
		return 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
			 p[i] == '\n'))
		i++;
	return n - i >= sizeof(key) - 1 &&
	       memcmp(p + i, key, sizeof(key) - 1) == 0;
}
