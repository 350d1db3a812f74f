/*
 * graph_load.c - hs_graph_load(): a .snap into a graph, in three steps:
 *  1. hs_reader_scan() decodes the frames on all cores; each worker
 *     appends the records of a frame to its arenas (ids, types, sizes,
 *     reference counts and raw targets) as one chunk, with no shared
 *     state (this file).
 *  2. The chunks, sorted into file order, are concatenated: object n of
 *     the file (counting only the frames that could be read) is node n
 *     (graph_merge.c).
 *  3. Raw targets are resolved to nodes: in HS_REFS_BY_INDEX mode a file
 *     index is the node itself when no frame was lost (else a binary
 *     search over the chunks' index ranges), in HS_REFS_BY_ID mode an
 *     open-addressing table maps ids to nodes.  A target that resolves to
 *     nothing is dropped and counted (missing_refs; graph_merge.c).
 * Then the names and roots (graph_names.c), and the reverse CSR if asked.
 *
 * A refs record continues the references of the object just before it in
 * the file (possibly in the previous frame); one naming another owner is
 * dropped and counted (stray_refs).  An object whose id was seen before
 * is a node of its own, but the id names the first one.
 *
 * Load: while loading, the decoded records wait in per-worker arenas
 * (24 B per object, 4 B per reference in index mode, 8 in id mode) that
 * go to the big-array pool (bigarray.h) for the analyses to reuse.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bigarray.h"
#include "error.h"
#include "graph_internal.h"
#include "timing.h"
#include "vec.h"

/* ---- step 1: records into chunks -------------------------------------- */

static int pool_add(worker *w, const char *s, size_t len, size_t *off)
{
	if (hs_vec_grow((void **)&w->pool, &w->pcap, w->plen + len + 1, 1) < 0)
		return -1;
	memcpy(w->pool + w->plen, s, len);
	w->pool[w->plen + len] = '\0';
	*off = w->plen;
	w->plen += len + 1;
	return 0;
}

/* The chunk of the frame rec is in (a worker gets whole frames). */
static chunk *chunk_for(worker *w, unsigned wid, const hs_record *rec)
{
	chunk *c = w->cur;

	if (c && c->frame_offset == rec->frame_offset)
		return c;
	if (hs_vec_grow((void **)&w->chunks, &w->ccap, w->nchunks + 1,
			sizeof(*w->chunks)) < 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->frame_offset = rec->frame_offset;
	c->wid = wid;
	c->obj_start = w->nobj;
	c->ref_start = w->nref;
	w->chunks[w->nchunks++] = c;
	w->cur = c;
	return c;
}

static int arena_grow(void *pp, size_t *cap, size_t need)
{
	return hs_big_grow((void **)pp, cap, need);
}

static int chunk_refs(worker *w, chunk *c, hs_ref_mode mode,
		      const uint64_t *refs, const uint8_t *flags, size_t n)
{
	size_t need = w->nref + n;
	int any = 0;

	if (need > w->rcap) {
		size_t want = need > 2 * w->rcap ? need : 2 * w->rcap;

		if (mode == HS_REFS_BY_INDEX ?
		    arena_grow(&w->t32, &w->cap_t, want * 4) < 0 :
		    arena_grow(&w->t64, &w->cap_t, want * 8) < 0)
			return -1;
		if (w->flags && arena_grow(&w->flags, &w->cap_f, want) < 0)
			return -1;
		w->rcap = want;
	}
	if (mode == HS_REFS_BY_INDEX) {
		uint32_t *t = w->t32 + w->nref;

		/* indices past the node range cannot resolve: keep them as
		 * UINT32_MAX, which never does */
		for (size_t i = 0; i < n; i++)
			t[i] = refs[i] < UINT32_MAX ? (uint32_t)refs[i]
						    : UINT32_MAX;
	} else {
		memcpy(w->t64 + w->nref, refs, n * 8);
	}
	for (size_t i = 0; flags && i < n; i++)
		any |= flags[i];
	if (any) {
		/* the flag arena's untouched pages cost nothing */
		if (!w->flags && arena_grow(&w->flags, &w->cap_f, w->rcap) < 0)
			return -1;
		memcpy(w->flags + w->nref, flags, n);
		c->has_flags = 1;
	}
	w->nref = need;
	c->nrefs += n;
	return 0;
}

static int on_record(const hs_record *rec, unsigned wid, void *payload)
{
	loader *L = payload;
	worker *w = &L->w[wid];
	chunk *c;

	switch (rec->kind) {
	case HS_REC_OBJECT: {
		const hs_object *o = &rec->u.object.obj;
		size_t i;

		c = chunk_for(w, wid, rec);
		if (!c)
			return HS_ENOMEM;
		if (w->nobj == w->ocap) {
			size_t want = w->ocap ? 2 * w->ocap : 65536;

			if (arena_grow(&w->ids, &w->cap_ids, want * 8) < 0 ||
			    arena_grow(&w->sizes, &w->cap_sizes, want * 8) < 0 ||
			    arena_grow(&w->types, &w->cap_types, want * 4) < 0 ||
			    arena_grow(&w->deg, &w->cap_deg, want * 4) < 0)
				return HS_ENOMEM;
			w->ocap = want;
		}
		if (c->nobj == 0)
			c->file_first = rec->u.object.index;
		i = w->nobj++;
		c->nobj++;
		w->ids[i] = o->id;
		w->sizes[i] = L->rt_sizes && rec->u.object.rt_size
			      ? rec->u.object.rt_size : o->size;
		w->types[i] = o->type;
		w->deg[i] = (uint32_t)o->nrefs;  /* <= the reader's 1M */
		c->last_owner = L->mode == HS_REFS_BY_INDEX
				? rec->u.object.index : o->id;
		if (o->nrefs && chunk_refs(w, c, L->mode, o->refs, o->flags,
					   o->nrefs) < 0)
			return HS_ENOMEM;
		return 0;
	}
	case HS_REC_REFS:
		c = chunk_for(w, wid, rec);
		if (!c)
			return HS_ENOMEM;
		if (c->nobj == 0) {
			if (c->lead && c->lead_owner != rec->u.refs.owner) {
				c->stray += rec->u.refs.n;
				return 0;
			}
			c->lead_owner = rec->u.refs.owner;
			c->lead += rec->u.refs.n;
		} else if (c->last_owner != rec->u.refs.owner ||
			   w->deg[w->nobj - 1] > UINT32_MAX - rec->u.refs.n) {
			c->stray += rec->u.refs.n;
			return 0;
		} else {
			w->deg[w->nobj - 1] += (uint32_t)rec->u.refs.n;
		}
		if (chunk_refs(w, c, L->mode, rec->u.refs.refs, rec->u.refs.flags,
			       rec->u.refs.n) < 0)
			return HS_ENOMEM;
		return 0;
	case HS_REC_TYPE:
	case HS_REC_STRING: {
		int is_type = rec->kind == HS_REC_TYPE;
		named **v = is_type ? &w->types_decl : &w->strings;
		size_t *n = is_type ? &w->ntypes : &w->nstrings;
		size_t *cap = is_type ? &w->tcap : &w->scap;
		named *e;

		if (rec->u.type.name.len > UINT32_MAX)
			return 0;  /* counted nowhere: the type stays unnamed */
		if (hs_vec_grow((void **)v, cap, *n + 1, sizeof(named)) < 0)
			return HS_ENOMEM;
		e = &(*v)[(*n)++];
		e->index = rec->u.type.index;
		e->len = (uint32_t)rec->u.type.name.len;
		e->has_id = is_type && rec->u.type.has_id;
		e->id = e->has_id ? rec->u.type.id : 0;
		e->flags = is_type ? rec->u.type.flags : 0;
		e->frame_offset = rec->frame_offset;
		e->offset = rec->offset;
		if (pool_add(w, rec->u.type.name.ptr, e->len, &e->off) < 0)
			return HS_ENOMEM;
		return 0;
	}
	case HS_REC_ROOT: {
		rawroot *rr;

		if (hs_vec_grow((void **)&w->roots, &w->rcap_roots,
				w->nroots + 1, sizeof(rawroot)) < 0)
			return HS_ENOMEM;
		rr = &w->roots[w->nroots++];
		memset(rr, 0, sizeof(*rr));
		rr->wid = wid;
		rr->raw = rec->u.root.ref;
		rr->extra = rec->u.root.extra;
		rr->frame_offset = rec->frame_offset;
		rr->offset = rec->offset;
		rr->kind_len = rec->u.root.kind.len;
		if (pool_add(w, rec->u.root.kind.ptr, rr->kind_len,
			     &rr->kind_off) < 0)
			return HS_ENOMEM;
		if (rec->u.root.label.ptr) {
			rr->has_label = 1;
			rr->label_len = rec->u.root.label.len;
			if (pool_add(w, rec->u.root.label.ptr, rr->label_len,
				     &rr->label_off) < 0)
				return HS_ENOMEM;
		}
		return 0;
	}
	default:
		return 0;
	}
}

/* ---- steps 2 and 3, names, roots ------------------------------------ */

static int chunk_cmp(const void *a, const void *b)
{
	const chunk *x = *(chunk *const *)a, *y = *(chunk *const *)b;

	return x->frame_offset < y->frame_offset ? -1 :
	       x->frame_offset > y->frame_offset;
}

static int root_cmp(const void *a, const void *b)
{
	const rawroot *x = *(rawroot *const *)a, *y = *(rawroot *const *)b;

	if (x->frame_offset != y->frame_offset)
		return x->frame_offset < y->frame_offset ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static void loader_release(loader *L)
{
	if (!L->w)
		return;
	for (unsigned k = 0; k < L->nw; k++) {
		worker *w = &L->w[k];

		for (size_t i = 0; i < w->nchunks; i++)
			free(w->chunks[i]);
		free(w->chunks);
		hs_big_free(w->ids);
		hs_big_free(w->sizes);
		hs_big_free(w->types);
		hs_big_free(w->deg);
		hs_big_free(w->t32);
		hs_big_free(w->t64);
		hs_big_free(w->flags);
		free(w->types_decl);
		free(w->strings);
		free(w->roots);
		free(w->pool);
	}
	free(L->w);
	L->w = NULL;
}

static int copy_info(hs_graph *g, const hs_snapinfo *in)
{
	const char *s[4] = { in->header.runtime, in->header.runtime_version,
			     in->header.reason, in->header.walker };
	size_t len[4], total = 0;
	char *p;

	for (int i = 0; i < 4; i++) {
		len[i] = s[i] ? strlen(s[i]) : 0;
		total += len[i] + 1;
	}
	g->info = *in;
	g->info_strs = p = malloc(total);
	HS_RETURN_ERROR_IF(!p, HS_ENOMEM, "%s: out of memory", g->path);
	for (int i = 0; i < 4; i++) {
		memcpy(p, s[i] ? s[i] : "", len[i] + 1);
		s[i] = p;
		p += len[i] + 1;
	}
	g->info.header.runtime = s[0];
	g->info.header.runtime_version = s[1];
	g->info.header.reason = s[2];
	g->info.header.walker = s[3];
	return 0;
}

/* A graph with its path and reader options, and the file's info; the
 * reader *r stays open for the scan. */
static int graph_open(hs_graph **out, hs_reader **r, const char *path,
		      const hs_graph_options *opts)
{
	const hs_reader_options ro = HS_READER_OPTIONS_INIT;
	hs_graph *g = calloc(1, sizeof(*g));
	int rc;

	if (!g || !(g->path = strdup(path))) {
		free(g);
		return hs_error_set(HS_ENOMEM, "%s: out of memory", path);
	}
	g->ro = ro;
	g->ro.max_ratio = opts->version >= 2 ? opts->max_ratio : 0;
	rc = hs_reader_open(r, path, &g->ro);
	if (rc < 0) {
		free(g->path);
		free(g);
		return rc;
	}
	pthread_mutex_init(&g->lock, NULL);
	*out = g;
	rc = copy_info(g, hs_reader_info(*r));
	return rc;
}

/* Step 1: every frame's records into the workers' chunks. */
static int decode(hs_graph *g, loader *L, hs_reader *r, unsigned threads,
		  double *t)
{
	int rc;

	if (threads == 0) {
		long k = sysconf(_SC_NPROCESSORS_ONLN);

		threads = k > 0 ? (unsigned)k : 1;
	}
	if (threads > HS_THREADS_MAX)
		threads = HS_THREADS_MAX;
	L->mode = g->info.ref_mode;
	L->nw = threads;
	L->w = calloc(threads, sizeof(worker));
	HS_RETURN_ERROR_IF(!L->w, HS_ENOMEM, "%s: out of memory", g->path);
	hs_timing_step("graph", NULL, t);
	rc = hs_reader_scan(r, threads, on_record, L);
	hs_timing_step("graph", "decode", t);
	if (rc < 0) {
		if (rc == HS_ENOMEM)
			hs_error_set(rc, "%s: out of memory while loading",
				     g->path);
		return rc;
	}
	hs_reader_integrity(&g->st.integrity, r);
	return 0;
}

/* Every worker's chunks in file order, each pointing into its worker's
 * arenas, and the roots in file order. */
static int gather(chunk ***cs_out, size_t *nc_out, rawroot ***rr_out,
		  size_t *nrr_out, const loader *L, const char *path)
{
	size_t nc = 0, nrr = 0;
	chunk **cs;
	rawroot **rr;

	for (unsigned k = 0; k < L->nw; k++) {
		nc += L->w[k].nchunks;
		nrr += L->w[k].nroots;
	}
	*cs_out = cs = malloc((nc ? nc : 1) * sizeof(*cs));
	*rr_out = rr = malloc((nrr ? nrr : 1) * sizeof(*rr));
	HS_RETURN_ERROR_IF(!cs || !rr, HS_ENOMEM, "%s: out of memory", path);
	nc = nrr = 0;
	for (unsigned k = 0; k < L->nw; k++) {
		for (size_t i = 0; i < L->w[k].nchunks; i++)
			cs[nc++] = L->w[k].chunks[i];
		for (size_t i = 0; i < L->w[k].nroots; i++)
			rr[nrr++] = &L->w[k].roots[i];
	}
	for (size_t i = 0; i < nc; i++) {
		chunk *c = cs[i];
		const worker *w = &L->w[c->wid];

		if (w->ids) {
			c->ids = w->ids + c->obj_start;
			c->sizes = w->sizes + c->obj_start;
			c->types = w->types + c->obj_start;
			c->deg = w->deg + c->obj_start;
		}
		c->t32 = w->t32 ? w->t32 + c->ref_start : NULL;
		c->t64 = w->t64 ? w->t64 + c->ref_start : NULL;
		c->flags = c->has_flags ? w->flags + c->ref_start : NULL;
	}
	qsort(cs, nc, sizeof(*cs), chunk_cmp);
	qsort(rr, nrr, sizeof(*rr), root_cmp);
	*nc_out = nc;
	*nrr_out = nrr;
	return 0;
}

/* Step 3, once the objects are copied: their arenas go back to the pool,
 * from which the CSR is then allocated. */
static int refs_into_csr(hs_graph *g, loader *L, chunk **cs, size_t nc)
{
	uint64_t raw = 0;

	for (size_t i = 0; i < nc; i++)
		raw += cs[i]->nrefs;
	for (unsigned k = 0; k < L->nw; k++) {
		worker *w = &L->w[k];

		hs_big_free(w->ids);
		hs_big_free(w->sizes);
		hs_big_free(w->types);
		w->ids = w->sizes = NULL;
		w->types = NULL;
	}
	return hs_graph__merge_refs(g, cs, nc, raw);
}

/* Steps 2 and 3, the names and roots, and the reverse CSR if asked. */
static int build(hs_graph *g, loader *L, chunk **cs, size_t nc,
		 rawroot **rr, size_t nrr, int reverse, double *t)
{
	HS_FORWARD_IF_ERROR(hs_graph__merge_objects(g, cs, nc));
	hs_timing_step("graph", "objects", t);
	g->st.objects = g->n;
	HS_FORWARD_IF_ERROR(hs_graph__build_lookup(g));
	hs_timing_step("graph", "idmap", t);
	HS_FORWARD_IF_ERROR(refs_into_csr(g, L, cs, nc));
	hs_timing_step("graph", "refs", t);
	HS_FORWARD_IF_ERROR(hs_graph__build_names(g, L, nrr));
	HS_FORWARD_IF_ERROR(hs_graph__build_roots(g, L, rr, nrr));
	loader_release(L);
	if (reverse) {
		HS_FORWARD_IF_ERROR(hs_graph__build_reverse(g));
		hs_timing_step("graph", "reverse", t);
	}
	return 0;
}

int hs_graph_load(hs_graph **out, const char *path,
		  const hs_graph_options *opts)
{
	static const hs_graph_options defaults = HS_GRAPH_OPTIONS_INIT;
	hs_graph *g = NULL;
	hs_reader *r = NULL;
	loader L = { 0 };
	chunk **cs = NULL;
	rawroot **rr = NULL;
	size_t nc = 0, nrr = 0;
	double t = 0;
	int rc;

	HS_RETURN_ERROR_IF(!out || !path, HS_EINVAL, "hs_graph_load: no %s",
			   out ? "path" : "out");
	*out = NULL;
	if (!opts)
		opts = &defaults;
	/* version 1 options end before max_ratio, 2 before runtime_sizes */
	HS_RETURN_ERROR_IF(opts->version < 1 ||
			   opts->version > HS_GRAPH_OPTIONS_VERSION, HS_EINVAL,
			   "%s: graph options "
			   "version %u, expected %u", path, opts->version,
			   HS_GRAPH_OPTIONS_VERSION);
	L.rt_sizes = opts->version >= 3 && opts->runtime_sizes;
	rc = graph_open(&g, &r, path, opts);
	if (rc == 0)
		rc = decode(g, &L, r, opts->threads, &t);
	/* the mapping's pages count as ours while it is mapped: unmap it
	 * before the arrays are built (labels reopen the file) */
	hs_reader_free(r);
	if (rc == 0)
		rc = gather(&cs, &nc, &rr, &nrr, &L, path);
	if (rc == 0)
		rc = build(g, &L, cs, nc, rr, nrr, opts->reverse, &t);
	loader_release(&L);
	free(cs);
	free(rr);
	if (rc < 0) {
		hs_graph_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

typedef struct {
	hs_graph **out;
	const char *path;
	const hs_graph_options *opts;
	int rc;
	char msg[512];  /* the thread's error message (they are per thread) */
} load_job;

static void *load_run(void *arg)
{
	load_job *j = arg;

	j->rc = hs_graph_load(j->out, j->path, j->opts);
	if (j->rc < 0)
		snprintf(j->msg, sizeof(j->msg), "%s", hs_error_last());
	return NULL;
}

int hs_graph_load_many(hs_graph **out, const char *const *paths,
		       const hs_graph_options *opts, size_t n)
{
	load_job job[HS_GRAPH_LOAD_MANY_MAX];
	pthread_t tid[HS_GRAPH_LOAD_MANY_MAX];
	int started[HS_GRAPH_LOAD_MANY_MAX] = { 0 };
	int rc = 0;

	HS_RETURN_ERROR_IF(n > HS_GRAPH_LOAD_MANY_MAX, HS_EINVAL,
			   "hs_graph_load_many: %zu files, at most %d", n,
			   HS_GRAPH_LOAD_MANY_MAX);
	for (size_t i = 0; i < n; i++) {
		out[i] = NULL;
		job[i].out = &out[i];
		job[i].path = paths[i];
		job[i].opts = opts;
		job[i].rc = 0;
		job[i].msg[0] = '\0';
	}
	/* the first on this thread; a thread that cannot start runs here */
	for (size_t i = 1; i < n; i++)
		started[i] = pthread_create(&tid[i], NULL, load_run,
					    &job[i]) == 0;
	if (n)
		load_run(&job[0]);
	for (size_t i = 1; i < n; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		else
			load_run(&job[i]);
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		if (job[i].rc < 0)
			rc = hs_error_set(job[i].rc, "%s", job[i].msg);
	if (rc < 0)
		for (size_t i = 0; i < n; i++) {
			hs_graph_free(out[i]);
			out[i] = NULL;
		}
	return rc;
}
