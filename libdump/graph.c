/*
 * graph.c - hs_graph: a .snap loaded into compact arrays (see hs_graph.h).
 *
 * Load: per object an id (8 bytes), type (4), shallow size (4; sizes of
 * 4 GiB and more in a side table) and CSR offset (4); per reference a
 * uint32 target and a flag byte (whose pages stay untouched while every
 * flag is 0); the reverse CSR, when asked for, 4 + 5 more.  So 20 B per
 * object and 4-5 B per reference; in id mode 8 B per object more for the
 * id table.  While loading, the decoded records wait in per-worker arenas
 * (24 B per object, 4 B per reference in index mode, 8 in id mode) that
 * go to the big-array pool (bigarray.h) for the analyses to reuse.
 * Labels and previews stay in the file: hs_graph_label() decodes one
 * frame.
 *
 * Loading runs in three steps:
 *  1. hs_reader_scan() decodes the frames on all cores; each worker
 *     appends the records of a frame to its arenas (ids, types, sizes,
 *     reference counts and raw targets) as one chunk, with no shared
 *     state.
 *  2. The chunks, sorted into file order, are concatenated: object n of
 *     the file (counting only the frames that could be read) is node n.
 *  3. Raw targets are resolved to nodes: in HS_REFS_BY_INDEX mode a file
 *     index is the node itself when no frame was lost (else a binary
 *     search over the chunks' index ranges), in HS_REFS_BY_ID mode an
 *     open-addressing table maps ids to nodes.  A target that resolves to
 *     nothing is dropped and counted (missing_refs).
 *
 * A refs record continues the references of the object just before it in
 * the file (possibly in the previous frame); one naming another owner is
 * dropped and counted (stray_refs).  An object whose id was seen before
 * is a node of its own, but the id names the first one.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bigarray.h"
#include "error.h"
#include "hs_graph.h"
#include "timing.h"
#include "vec.h"

#define LABEL_CACHE 8

/* A name declared by a type or string record. */
typedef struct {
	uint32_t index;
	uint32_t len;
	size_t off;    /* in the worker's pool; in g->names once merged */
	int has_id;    /* a type record gave its object's id */
	uint64_t id;
	uint64_t frame_offset, offset;  /* file order: the first one wins */
} named;

typedef struct {
	uint64_t raw, extra;
	uint64_t frame_offset, offset;  /* file order */
	size_t kind_off, kind_len, label_off, label_len;
	int has_label;
	unsigned wid;                   /* whose pool holds the text */
} rawroot;

/* The objects and references of one frame, in file order: a span of
 * its worker's arenas. */
typedef struct {
	uint64_t frame_offset;
	uint64_t file_first;     /* file index of its first object */
	unsigned wid;
	size_t obj_start, nobj;  /* in the worker's object arenas */
	size_t ref_start, nrefs; /* in the worker's reference arenas */
	int has_flags;
	size_t lead;             /* leading refs of the previous frame's
	                            last object */
	uint64_t lead_owner;
	uint64_t last_owner;     /* owner key of the last object */
	uint64_t stray;
	uint64_t dense_first;    /* set when merging */
	/* pointers into the arenas, set when decoding is over */
	const uint64_t *ids, *sizes;
	const uint32_t *types, *deg;
	const uint32_t *t32;     /* raw targets, index mode */
	const uint64_t *t64;     /* raw targets, id mode */
	const uint8_t *flags;    /* NULL when every flag is 0 */
} chunk;

/* One decoding thread's output.  The arenas are big arrays grown in
 * place (hs_big_grow), so a 1 MiB frame costs no allocation of its own,
 * and are given back to the big-array pool for the analyses. */
typedef struct {
	chunk **chunks;
	size_t nchunks, ccap;
	chunk *cur;
	uint64_t *ids, *sizes;
	uint32_t *types, *deg;
	size_t nobj, ocap, cap_ids, cap_sizes, cap_types, cap_deg;
	uint32_t *t32;
	uint64_t *t64;
	uint8_t *flags;
	size_t nref, rcap, cap_t, cap_f;
	named *types_decl, *strings;
	size_t ntypes, tcap, nstrings, scap;
	rawroot *roots;
	size_t nroots, rcap_roots;
	char *pool;
	size_t plen, pcap;
} worker;

typedef struct {
	hs_ref_mode mode;
	worker *w;
	unsigned nw;
} loader;

/* ---- the graph ------------------------------------------------------- */

typedef struct {
	uint64_t dense_first, file_first, n;
	uint64_t frame_offset;
} span;

typedef struct {
	uint32_t node;
	uint32_t n;
	uint32_t *labels;
} label_entry;

struct hs_graph {
	char *path;
	hs_reader_options ro;    /* for every reading of the file */
	hs_snapinfo info;
	char *info_strs;
	hs_graph_stats st;
	uint32_t n;

	uint64_t *ids;
	uint32_t *sizes;         /* UINT32_MAX: look in big[] */
	struct big_size {
		uint32_t node;
		uint64_t size;
	} *big;                  /* sizes of 4 GiB and more, by node */
	size_t nbig, bigcap;
	uint32_t *types;
	uint32_t *off;
	uint32_t *node;
	uint8_t *flags;
	uint64_t nedges;

	uint32_t *in_off;
	uint32_t *in_node;
	uint8_t *in_flags;

	uint32_t *root_nodes;    /* the super-root's edges, each node once */
	uint8_t *root_flags;
	size_t nroot_nodes;
	uint8_t *is_root;        /* bit per node */
	hs_root *roots;
	size_t nroots;
	hs_str *kinds;
	uint32_t nkinds;

	hs_str *type_names;
	uint32_t ntypes;
	uint64_t *type_ids;      /* per type: its object's id, if given;
	                            both NULL when no type gives one */
	uint8_t *type_has_id;
	uint32_t *type_first;    /* per type: the first type of its name */
	uint32_t *type_classes;  /* per first type: types of that name */
	hs_str *strings;         /* the declared strings, by index */
	uint32_t *string_index;  /* their indices, ascending */
	uint32_t nstrings;
	char *names;             /* type, string, kind and root label text */

	/* index-mode resolution when some frame was lost */
	span *spans;             /* chunks in file order */
	size_t nspans;
	int identity;            /* file index == node */
	span *by_index;          /* spans sorted by file index, clipped */
	size_t nby_index;

	/* id -> node table (id mode: built at load; index mode: on demand) */
	uint32_t *idtab;
	uint64_t idmask;
	int idbits;

	/* labels and previews: the file, reopened on demand */
	pthread_mutex_t lock;
	hs_reader *r;
	label_entry cache[LABEL_CACHE];
	unsigned cache_next;
	uint32_t cur_node;       /* the reader stopped after this node's */
	uint64_t cur_frame;      /* ... references, in the frame at this
	                            offset: reading on from there to a later
	                            object of that frame decodes nothing */
	int cur_ok;
};

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
		w->sizes[i] = o->size;
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

/* ---- resolution ------------------------------------------------------ */

static inline uint64_t id_hash(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdull;
	id ^= id >> 33;
	return id;
}

/* Builds g->idtab over every node; the first node with an id keeps it.
 * @return the number of duplicates, or -1 (out of memory). */
static int64_t idtab_build(hs_graph *g)
{
	uint64_t cap = 16, dups = 0;
	int bits = 4;

	while (cap < (uint64_t)g->n * 2) {
		cap *= 2;
		bits++;
	}
	g->idtab = hs_big_calloc(cap, 4);
	if (!g->idtab)
		return -1;
	memset(g->idtab, 0xff, cap * 4);
	g->idmask = cap - 1;
	g->idbits = bits;
	for (uint32_t v = 0; v < g->n; v++) {
		uint64_t id = g->ids[v], h = id_hash(id) & g->idmask;

		for (;;) {
			uint32_t s = g->idtab[h];

			if (s == UINT32_MAX) {
				g->idtab[h] = v;
				break;
			}
			if (g->ids[s] == id) {
				dups++;
				break;
			}
			h = (h + 1) & g->idmask;
		}
	}
	return (int64_t)dups;
}

static inline uint32_t idtab_find(const hs_graph *g, uint64_t id)
{
	uint64_t h = id_hash(id) & g->idmask;

	for (;;) {
		uint32_t s = g->idtab[h];

		if (s == UINT32_MAX)
			return HS_GRAPH_NONE;
		if (g->ids[s] == id)
			return s;
		h = (h + 1) & g->idmask;
	}
}

/* A file index -> node, when frames were lost or overlap. */
static uint32_t index_find(const hs_graph *g, uint64_t fi)
{
	size_t lo = 0, hi = g->nby_index;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const span *s = &g->by_index[mid];

		if (fi < s->file_first)
			hi = mid;
		else if (fi >= s->file_first + s->n)
			lo = mid + 1;
		else
			return (uint32_t)(s->dense_first + (fi - s->file_first));
	}
	return HS_GRAPH_NONE;
}

/* A raw reference (id or file index) -> node, or HS_GRAPH_NONE.  Loading
 * and hs_graph_label() must agree on it: a label is matched to its edge by
 * counting the references that resolve. */
static inline uint32_t resolve(const hs_graph *g, uint64_t raw)
{
	if (g->info.ref_mode == HS_REFS_BY_INDEX) {
		if (g->identity)
			return raw < g->n ? (uint32_t)raw : HS_GRAPH_NONE;
		return index_find(g, raw);
	}
	return idtab_find(g, raw);
}

static int span_cmp_index(const void *a, const void *b)
{
	const span *x = a, *y = b;

	return x->file_first < y->file_first ? -1 :
	       x->file_first > y->file_first ? 1 :
	       x->dense_first < y->dense_first ? -1 : 1;
}

/* Index mode: the file-index ranges of the chunks, sorted and clipped so
 * that an index names the first object (in file order) that claims it. */
static int build_index_map(hs_graph *g)
{
	size_t k = 0;

	g->identity = 1;
	for (size_t i = 0; i < g->nspans; i++)
		if (g->spans[i].file_first != g->spans[i].dense_first)
			g->identity = 0;
	if (g->identity)
		return 0;
	g->by_index = malloc((g->nspans ? g->nspans : 1) * sizeof(span));
	HS_RETURN_ERROR_IF(!g->by_index, HS_ENOMEM, "%s: out of memory",
			   g->path);
	memcpy(g->by_index, g->spans, g->nspans * sizeof(span));
	qsort(g->by_index, g->nspans, sizeof(span), span_cmp_index);
	for (size_t i = 0; i < g->nspans; i++) {
		span s = g->by_index[i];

		if (k) {
			const span *p = &g->by_index[k - 1];
			uint64_t end = p->file_first + p->n;

			if (s.file_first < end) {
				uint64_t cut = end - s.file_first;

				cut = cut < s.n ? cut : s.n;
				g->st.duplicate_ids += cut;
				s.file_first += cut;
				s.dense_first += cut;
				s.n -= cut;
			}
		}
		if (s.n)
			g->by_index[k++] = s;
	}
	g->nby_index = k;
	return 0;
}

/* ---- step 2 and 3: merge -------------------------------------------- */

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

static int merge_objects(hs_graph *g, chunk **cs, size_t nc)
{
	uint64_t n = 0, raw = 0, size_max;

	for (size_t i = 0; i < nc; i++) {
		cs[i]->dense_first = n;
		n += cs[i]->nobj;
		raw += cs[i]->nrefs;
	}
	HS_RETURN_ERROR_IF(n > (uint64_t)UINT32_MAX - 2, HS_ELIMIT,
			   "%s: %llu objects, more than this library's limit "
			   "of 2^32-2", g->path, (unsigned long long)n);
	g->n = (uint32_t)n;
	g->ids = hs_big_calloc(n + 1, 8);
	/* offsets and sizes are 32-bit: 8 bytes less per object */
	HS_RETURN_ERROR_IF(raw > (uint64_t)UINT32_MAX - 2, HS_ELIMIT,
			   "%s: %llu references, more than this library's "
			   "limit of 2^32-2", g->path, (unsigned long long)raw);
	g->sizes = hs_big_calloc(n + 1, 4);
	g->types = hs_big_calloc(n + 1, 4);
	g->off = hs_big_calloc(n + 1, 4);
	g->spans = malloc((nc ? nc : 1) * sizeof(span));
	HS_RETURN_ERROR_IF(!g->ids || !g->sizes || !g->types || !g->off ||
			   !g->spans, HS_ENOMEM,
			   "%s: out of memory for %llu objects and %llu "
			   "references", g->path, (unsigned long long)n,
			   (unsigned long long)raw);
	/* no sum of shallow sizes may wrap: each counts as at most
	 * HS_GRAPH_SIZE_MAX, and at most what keeps the heap's total under
	 * 2^64 (n <= 2^32, so never below 2^32: the 32-bit fast path below
	 * needs no clamp) */
	size_max = n ? UINT64_MAX / n : UINT64_MAX;
	if (size_max > HS_GRAPH_SIZE_MAX)
		size_max = HS_GRAPH_SIZE_MAX;
	for (size_t i = 0; i < nc; i++) {
		chunk *c = cs[i];
		uint64_t d = c->dense_first;

		if (c->nobj) {
			memcpy(g->ids + d, c->ids, c->nobj * 8);
			memcpy(g->types + d, c->types, c->nobj * 4);
		}
		for (size_t j = 0; j < c->nobj; j++) {
			uint64_t sz = c->sizes[j];

			if (sz < UINT32_MAX) {
				g->st.shallow += sz;
				g->sizes[d + j] = (uint32_t)sz;
				continue;
			}
			if (sz > size_max) {
				sz = size_max;
				g->st.clamped_sizes++;
			}
			g->st.shallow += sz;
			g->sizes[d + j] = UINT32_MAX;
			if (hs_vec_grow((void **)&g->big, &g->bigcap,
					g->nbig + 1, sizeof(*g->big)) < 0)
				return hs_error_set(HS_ENOMEM, "%s: out of "
						    "memory", g->path);
			g->big[g->nbig].node = (uint32_t)(d + j);
			g->big[g->nbig].size = sz;
			g->nbig++;
		}
		if (c->nobj) {
			span *s = &g->spans[g->nspans++];

			s->dense_first = d;
			s->file_first = c->file_first;
			s->n = c->nobj;
			s->frame_offset = c->frame_offset;
		}
	}
	return 0;
}

/* Appends chunk c's raw targets [from, to) to the CSR at *w. */
static void resolve_run(hs_graph *g, const chunk *c, size_t from, size_t to,
			uint64_t *w)
{
	uint64_t k = *w;

	for (size_t j = from; j < to; j++) {
		uint32_t t = c->t32 ? resolve(g, c->t32[j])
				    : resolve(g, c->t64[j]);

		if (t == HS_GRAPH_NONE) {
			g->st.missing_refs++;
			continue;
		}
		g->node[k] = t;
		if (c->flags && c->flags[j]) {
			g->flags[k] = c->flags[j];
			if (c->flags[j] & HS_REF_WEAK)
				g->st.weak_refs++;
		}
		k++;
	}
	*w = k;
}

static int merge_refs(hs_graph *g, chunk **cs, size_t nc, uint64_t raw)
{
	uint64_t w = 0, last_owner = 0;
	int have_last = 0;

	g->node = hs_big_calloc(raw + 1, 4);
	g->flags = hs_big_calloc(raw + 1, 1);
	HS_RETURN_ERROR_IF(!g->node || !g->flags, HS_ENOMEM, "%s: out of "
			   "memory for %llu references", g->path,
			   (unsigned long long)raw);

	for (size_t i = 0; i < nc; i++) {
		chunk *c = cs[i];
		size_t pos = c->lead;

		g->st.stray_refs += c->stray;
		if (c->lead) {
			if (have_last && c->lead_owner == last_owner)
				resolve_run(g, c, 0, c->lead, &w);
			else
				g->st.stray_refs += c->lead;
		}
		for (size_t j = 0; j < c->nobj; j++) {
			uint64_t v = c->dense_first + j;

			g->off[v] = (uint32_t)w;
			resolve_run(g, c, pos, pos + c->deg[j], &w);
			pos += c->deg[j];
		}
		if (c->nobj) {
			have_last = 1;
			last_owner = c->last_owner;
		}
	}
	g->off[g->n] = (uint32_t)w;
	g->nedges = w;
	g->st.refs = w;
	hs_big_shrink(g->node, w * 4);
	hs_big_shrink(g->flags, w);
	return 0;
}

static int build_reverse(hs_graph *g)
{
	uint64_t n = g->n;

	g->in_off = hs_big_calloc(n + 1, 4);
	g->in_node = hs_big_calloc(g->nedges + 1, 4);
	g->in_flags = hs_big_calloc(g->nedges + 1, 1);
	HS_RETURN_ERROR_IF(!g->in_off || !g->in_node || !g->in_flags,
			   HS_ENOMEM, "%s: out of memory for the referrers "
			   "of %llu references", g->path,
			   (unsigned long long)g->nedges);
	for (uint64_t e = 0; e < g->nedges; e++)
		g->in_off[g->node[e] + 1]++;
	for (uint64_t v = 0; v < n; v++)
		g->in_off[v + 1] += g->in_off[v];
	/* fill with in_off[t] as the cursor, then shift it back */
	for (uint64_t v = 0; v < n; v++) {
		for (uint64_t e = g->off[v]; e < g->off[v + 1]; e++) {
			uint32_t k = g->in_off[g->node[e]]++;

			g->in_node[k] = (uint32_t)v;
			g->in_flags[k] = g->flags[e];
		}
	}
	for (uint64_t v = n; v > 0; v--)
		g->in_off[v] = g->in_off[v - 1];
	g->in_off[0] = 0;
	return 0;
}

static uint64_t name_hash(hs_str s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < s.len; i++)
		h = (h ^ (unsigned char)s.ptr[i]) * 0x100000001b3ull;
	return h ^ h >> 31;
}

/* Types that share a name (a Python class made per call gives one type
 * record per class): type_first[t] is the lowest type index with t's name,
 * type_classes[] counts the types of each name at its first type.  One
 * pass with an open-addressing table over the ndecl names that type
 * records declared (run before the index gaps are named: each gap, and
 * the "(undeclared)" type after the last, is a type of its own). */
static int group_types(hs_graph *g, size_t ndecl)
{
	size_t nslots = 16;
	uint32_t *slot;

	while (nslots < ndecl * 2)
		nslots *= 2;
	g->type_first = malloc(((size_t)g->ntypes + 1) * sizeof(uint32_t));
	g->type_classes = malloc(((size_t)g->ntypes + 1) * sizeof(uint32_t));
	slot = malloc(nslots * sizeof(*slot));
	if (!g->type_first || !g->type_classes || !slot) {
		free(slot);
		return hs_error_set(HS_ENOMEM, "%s: out of memory for %u "
				    "types", g->path, g->ntypes);
	}
	memset(slot, 0xff, nslots * sizeof(*slot));
	for (uint32_t t = 0; t <= g->ntypes; t++) {
		g->type_first[t] = t;
		g->type_classes[t] = 1;
	}
	for (uint32_t t = 0; t < g->ntypes; t++) {
		hs_str n = g->type_names[t];
		size_t i = name_hash(n) & (nslots - 1);

		if (!n.ptr)  /* a gap */
			continue;
		while (slot[i] != UINT32_MAX) {
			hs_str m = g->type_names[slot[i]];

			if (m.len == n.len &&
			    (!n.len || memcmp(m.ptr, n.ptr, n.len) == 0))
				break;
			i = (i + 1) & (nslots - 1);
		}
		if (slot[i] == UINT32_MAX) {
			slot[i] = t;
		} else {
			g->type_first[t] = slot[i];
			g->type_classes[slot[i]]++;
		}
	}
	free(slot);
	return 0;
}

static int named_cmp(const void *pa, const void *pb)
{
	const named *a = pa, *b = pb;

	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	if (a->frame_offset != b->frame_offset)
		return a->frame_offset < b->frame_offset ? -1 : 1;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

/* Every worker's type (or string) declarations in one array sorted by
 * index, the first in file order kept for an index declared twice; offs
 * rebased into g->names.  Sized by the records read, never by the
 * indices they declare (a type at index 2^32-2 costs one entry). */
static named *gather_names(size_t *out_n, const loader *L,
			   const size_t *base_of, int types)
{
	size_t n = 0, k = 0;
	named *v;

	for (unsigned w = 0; w < L->nw; w++)
		n += types ? L->w[w].ntypes : L->w[w].nstrings;
	v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (unsigned w = 0; w < L->nw; w++) {
		const named *src = types ? L->w[w].types_decl : L->w[w].strings;
		size_t m = types ? L->w[w].ntypes : L->w[w].nstrings;

		for (size_t i = 0; i < m; i++) {
			v[k] = src[i];
			v[k++].off += base_of[w];
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), named_cmp);
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (!k || v[i].index != v[k - 1].index)
			v[k++] = v[i];
	*out_n = k;
	return v;
}

/* Position of index in the ascending keys[0..n), or n. */
static uint32_t declared_find(const uint32_t *keys, uint32_t n, uint32_t index)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (keys[mid] < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && keys[lo] == index ? lo : n;
}

static int u32_sort_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The graph's types: the declared type indices, and the index gaps below
 * the last declared one that objects use (a gap is a type of its own,
 * named "?N"), numbered densely in index order; an object naming an index
 * past the last declared one is "(undeclared)", the type after them.  So
 * the tables hold what the file holds, whatever its indices (a type at
 * index 2^32-2 is one row, not 2^32), and a file that declares 0..T-1 (any
 * writer's) keeps its indices.  keys[] gets the file index of each type
 * (declared and gaps, ascending), *ngaps the gaps' count, and every
 * object's type is renumbered.
 */
static int remap_types(hs_graph *g, uint32_t **keys, size_t *nkeys,
		       size_t *ngaps, const named *decl, size_t nd,
		       uint64_t *undeclared)
{
	uint32_t *k, *direct = NULL, last = nd ? decl[nd - 1].index : 0;
	size_t nk = nd, cap = nd + 1;
	uint64_t bad = 0;
	int dense = !nd || last == nd - 1;

	*keys = k = malloc(cap * sizeof(*k));
	HS_RETURN_ERROR_IF(!k, HS_ENOMEM, "%s: out of memory for %zu types",
			   g->path, nd);
	for (size_t i = 0; i < nd; i++)
		k[i] = decl[i].index;
	/* gaps that objects use: none when the indices are 0..T-1 */
	for (uint32_t v = 0; v < g->n && !dense; v++) {
		uint32_t t = g->types[v];

		if (t >= last || declared_find(k, (uint32_t)nd, t) < nd)
			continue;
		if (hs_vec_grow((void **)&k, &cap, nk + 1, sizeof(*k)) < 0) {
			free(k);
			*keys = NULL;
			return hs_error_set(HS_ENOMEM, "%s: out of memory for "
					    "types", g->path);
		}
		*keys = k;
		k[nk++] = t;
	}
	if (nk > nd) {
		/* declared and used gaps in index order, each gap once */
		size_t m = 0;

		qsort(k, nk, sizeof(*k), u32_sort_cmp);
		for (size_t i = 0; i < nk; i++)
			if (!m || k[i] != k[m - 1])
				k[m++] = k[i];
		nk = m;
	}
	*nkeys = nk;
	*ngaps = nk - nd;
	if (!dense && k[nk - 1] < 4 * (uint64_t)nk + 4096) {
		direct = malloc(((size_t)k[nk - 1] + 1) * sizeof(*direct));
		HS_RETURN_ERROR_IF(!direct, HS_ENOMEM, "%s: out of memory for "
				   "%zu types", g->path, nk);
		for (uint32_t i = 0; i <= k[nk - 1]; i++)
			direct[i] = (uint32_t)nk;
		for (uint32_t t = 0; t < nk; t++)
			direct[k[t]] = t;
	}
	for (uint32_t v = 0; v < g->n; v++) {
		uint32_t t = g->types[v];

		if (dense)
			t = t < nk ? t : (uint32_t)nk;
		else if (direct)
			t = t <= k[nk - 1] ? direct[t] : (uint32_t)nk;
		else
			t = declared_find(k, (uint32_t)nk, t);
		bad += t == nk;
		g->types[v] = t;
	}
	free(direct);
	*undeclared = bad;
	return 0;
}

/* Copies every name into one allocation and fills the tables. */
static int build_names(hs_graph *g, loader *L, size_t nrr)
{
	size_t total = 1, at = 1, nd = 0, ns = 0, nt = 0, ngaps = 0;
	size_t base_of[64];
	named *types = NULL, *strings = NULL;
	uint32_t *keys = NULL;
	uint64_t undeclared = 0;
	int anyid = 0, rc = 0;

	for (unsigned k = 0; k < L->nw; k++) {
		base_of[k] = total;
		total += L->w[k].plen;
	}
	types = gather_names(&nd, L, base_of, 1);
	strings = gather_names(&ns, L, base_of, 0);
	if (!types || !strings) {
		rc = hs_error_set(HS_ENOMEM, "%s: out of memory for names",
				  g->path);
		goto done;
	}
	rc = remap_types(g, &keys, &nt, &ngaps, types, nd, &undeclared);
	if (rc < 0)
		goto done;
	for (size_t i = 0; i < nd; i++)
		anyid |= types[i].has_id;
	/* room for "(undeclared)" and the gaps' "?N" names */
	total += 16 + ngaps * 12;
	g->names = malloc(total);
	g->type_names = calloc(nt + 2, sizeof(hs_str));
	if (anyid) {
		g->type_ids = calloc(nt + 2, sizeof(uint64_t));
		g->type_has_id = calloc(nt + 2, 1);
	}
	g->strings = calloc(ns + 1, sizeof(hs_str));
	g->string_index = malloc((ns + 1) * sizeof(uint32_t));
	g->kinds = calloc(nrr + 1, sizeof(hs_str));
	g->roots = calloc(nrr + 1, sizeof(hs_root));
	if (!g->names || !g->type_names || !g->strings ||
	    (anyid && (!g->type_ids || !g->type_has_id)) ||
	    !g->string_index || !g->kinds || !g->roots) {
		rc = hs_error_set(HS_ENOMEM, "%s: out of memory for names",
				  g->path);
		goto done;
	}
	g->names[0] = '\0';
	for (unsigned k = 0; k < L->nw; k++) {
		if (L->w[k].plen)
			memcpy(g->names + at, L->w[k].pool, L->w[k].plen);
		at += L->w[k].plen;
	}
	/* declared types by their place among keys; the gaps unnamed while
	 * types are grouped by name (a gap is a type of its own) */
	for (size_t i = 0, t = 0; i < nd; i++, t++) {
		while (keys[t] != types[i].index)
			t++;
		g->type_names[t].ptr = g->names + types[i].off;
		g->type_names[t].len = types[i].len;
		if (anyid) {
			g->type_has_id[t] = (uint8_t)types[i].has_id;
			g->type_ids[t] = types[i].id;
		}
	}
	for (size_t i = 0; i < ns; i++) {
		g->string_index[i] = strings[i].index;
		g->strings[i].ptr = g->names + strings[i].off;
		g->strings[i].len = strings[i].len;
	}
	g->ntypes = (uint32_t)nt;
	g->nstrings = (uint32_t)ns;
	rc = group_types(g, nd);
	if (rc < 0)
		goto done;
	for (uint32_t t = 0; t < g->ntypes; t++) {
		if (!g->type_names[t].ptr) {
			int len = snprintf(g->names + at, 12, "?%u", keys[t]);

			g->type_names[t].ptr = g->names + at;
			g->type_names[t].len = (size_t)len;
			at += (size_t)len + 1;
		}
	}
	if (undeclared) {
		memcpy(g->names + at, "(undeclared)", 13);
		g->type_names[g->ntypes].ptr = g->names + at;
		g->type_names[g->ntypes].len = 12;
		g->ntypes++;
		g->st.bad_types = undeclared;
	}
	g->st.types = g->ntypes;
	g->st.strings = g->nstrings;
done:
	free(types);
	free(strings);
	free(keys);
	return rc;
}

/* The declared string of a label's string index, or NULL. */
static const hs_str *string_at(const hs_graph *g, uint32_t index)
{
	uint32_t i = declared_find(g->string_index, g->nstrings, index);

	return i < g->nstrings ? &g->strings[i] : NULL;
}

static int build_roots(hs_graph *g, loader *L, rawroot **rr, size_t nrr)
{
	size_t base_of[64];
	size_t at = 1, kslots = 16;
	uint32_t *kslot;

	/* worker k's pool was copied to g->names + base_of[k] */
	for (unsigned k = 0; k < L->nw; k++) {
		base_of[k] = at;
		at += L->w[k].plen;
	}
	/* kinds found by hash: a file may give every root a kind of its
	 * own, and a scan of the kinds per root was quadratic */
	while (kslots < 2 * (nrr + 1))
		kslots *= 2;
	kslot = malloc(kslots * sizeof(*kslot));
	g->is_root = calloc((size_t)g->n / 8 + 1, 1);
	g->root_nodes = malloc((nrr + 1) * 4);
	g->root_flags = calloc(nrr + 1, 1);
	if (!kslot || !g->is_root || !g->root_nodes || !g->root_flags) {
		free(kslot);
		return hs_error_set(HS_ENOMEM, "%s: out of memory for roots",
				    g->path);
	}
	memset(kslot, 0xff, kslots * sizeof(*kslot));
	for (size_t i = 0; i < nrr; i++) {
		const rawroot *x = rr[i];
		unsigned k = x->wid;
		const char *kind, *label;
		uint32_t v, kk;
		hs_root *out;

		kind = g->names + base_of[k] + x->kind_off;
		label = x->has_label ? g->names + base_of[k] + x->label_off
				     : NULL;
		v = resolve(g, x->raw);
		if (v == HS_GRAPH_NONE) {
			g->st.missing_roots++;
			continue;
		}
		{
			hs_str ks = { kind, x->kind_len };
			size_t j = name_hash(ks) & (kslots - 1);

			while ((kk = kslot[j]) != UINT32_MAX &&
			       !(g->kinds[kk].len == x->kind_len &&
				 memcmp(g->kinds[kk].ptr, kind,
					x->kind_len) == 0))
				j = (j + 1) & (kslots - 1);
			if (kk == UINT32_MAX) {
				kk = g->nkinds++;
				kslot[j] = kk;
				g->kinds[kk] = ks;
			}
		}
		out = &g->roots[g->nroots++];
		out->node = v;
		out->kind = kk;
		out->label.ptr = label;
		out->label.len = x->has_label ? x->label_len : 0;
		out->extra = x->extra;
		if (!(g->is_root[v / 8] & (1u << (v % 8)))) {
			g->is_root[v / 8] |= (uint8_t)(1u << (v % 8));
			g->root_nodes[g->nroot_nodes++] = v;
		}
	}
	g->st.roots = g->nroots;
	free(kslot);
	return 0;
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
	const char *s[3] = { in->header.runtime, in->header.runtime_version,
			     in->header.reason };
	size_t len[3], total = 0;
	char *p;

	for (int i = 0; i < 3; i++) {
		len[i] = s[i] ? strlen(s[i]) : 0;
		total += len[i] + 1;
	}
	g->info = *in;
	g->info_strs = p = malloc(total);
	HS_RETURN_ERROR_IF(!p, HS_ENOMEM, "%s: out of memory", g->path);
	for (int i = 0; i < 3; i++) {
		memcpy(p, s[i] ? s[i] : "", len[i] + 1);
		s[i] = p;
		p += len[i] + 1;
	}
	g->info.header.runtime = s[0];
	g->info.header.runtime_version = s[1];
	g->info.header.reason = s[2];
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
	unsigned threads;
	double t = 0;
	int rc;

	HS_RETURN_ERROR_IF(!out || !path, HS_EINVAL, "hs_graph_load: no %s",
			   out ? "path" : "out");
	*out = NULL;
	if (!opts)
		opts = &defaults;
	/* version 1 options end before max_ratio */
	HS_RETURN_ERROR_IF(opts->version != HS_GRAPH_OPTIONS_VERSION &&
			   opts->version != 1, HS_EINVAL, "%s: graph options "
			   "version %u, expected %u", path, opts->version,
			   HS_GRAPH_OPTIONS_VERSION);
	g = calloc(1, sizeof(*g));
	if (!g || !(g->path = strdup(path))) {
		free(g);
		return hs_error_set(HS_ENOMEM, "%s: out of memory", path);
	}
	{
		const hs_reader_options ro = HS_READER_OPTIONS_INIT;

		g->ro = ro;
		g->ro.max_ratio = opts->version >= 2 ? opts->max_ratio : 0;
	}
	rc = hs_reader_open(&r, path, &g->ro);
	if (rc < 0) {
		free(g->path);
		free(g);
		return rc;
	}
	pthread_mutex_init(&g->lock, NULL);
	rc = copy_info(g, hs_reader_info(r));
	if (rc < 0)
		goto done;

	threads = opts->threads;
	if (threads == 0) {
		long k = sysconf(_SC_NPROCESSORS_ONLN);

		threads = k > 0 ? (unsigned)k : 1;
	}
	if (threads > HS_THREADS_MAX)
		threads = HS_THREADS_MAX;
	L.mode = g->info.ref_mode;
	L.nw = threads;
	L.w = calloc(threads, sizeof(worker));
	if (!L.w) {
		rc = hs_error_set(HS_ENOMEM, "%s: out of memory", path);
		goto done;
	}
	hs_timing_step("graph", NULL, &t);
	rc = hs_reader_scan(r, threads, on_record, &L);
	hs_timing_step("graph", "decode", &t);
	if (rc < 0) {
		if (rc == HS_ENOMEM)
			hs_error_set(rc, "%s: out of memory while loading",
				     path);
		goto done;
	}
	hs_reader_integrity(&g->st.integrity, r);
	/* the mapping's pages count as ours while it is mapped: unmap it
	 * before the arrays are built (labels reopen the file) */
	hs_reader_free(r);
	r = NULL;

	for (unsigned k = 0; k < L.nw; k++) {
		nc += L.w[k].nchunks;
		nrr += L.w[k].nroots;
	}
	cs = malloc((nc ? nc : 1) * sizeof(*cs));
	rr = malloc((nrr ? nrr : 1) * sizeof(*rr));
	if (!cs || !rr) {
		rc = hs_error_set(HS_ENOMEM, "%s: out of memory", path);
		goto done;
	}
	nc = nrr = 0;
	for (unsigned k = 0; k < L.nw; k++) {
		for (size_t i = 0; i < L.w[k].nchunks; i++)
			cs[nc++] = L.w[k].chunks[i];
		for (size_t i = 0; i < L.w[k].nroots; i++)
			rr[nrr++] = &L.w[k].roots[i];
	}
	for (size_t i = 0; i < nc; i++) {
		chunk *c = cs[i];
		const worker *w = &L.w[c->wid];

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

	rc = merge_objects(g, cs, nc);
	if (rc < 0)
		goto done;
	hs_timing_step("graph", "objects", &t);
	g->st.objects = g->n;
	if (g->info.ref_mode == HS_REFS_BY_INDEX) {
		rc = build_index_map(g);
	} else {
		int64_t d = idtab_build(g);

		rc = d < 0 ? hs_error_set(HS_ENOMEM, "%s: out of memory for "
					  "the id table", path) : 0;
		g->st.duplicate_ids += d > 0 ? (uint64_t)d : 0;
	}
	if (rc < 0)
		goto done;
	hs_timing_step("graph", "idmap", &t);
	{
		/* the objects are copied: their arenas go back to the pool,
		 * from which the CSR is then allocated */
		uint64_t raw = 0;

		for (size_t i = 0; i < nc; i++)
			raw += cs[i]->nrefs;
		for (unsigned k = 0; k < L.nw; k++) {
			worker *w = &L.w[k];

			hs_big_free(w->ids);
			hs_big_free(w->sizes);
			hs_big_free(w->types);
			w->ids = w->sizes = NULL;
			w->types = NULL;
		}
		rc = merge_refs(g, cs, nc, raw);
	}
	if (rc < 0)
		goto done;
	hs_timing_step("graph", "refs", &t);
	rc = build_names(g, &L, nrr);
	if (rc < 0)
		goto done;
	rc = build_roots(g, &L, rr, nrr);
	if (rc < 0)
		goto done;
	loader_release(&L);
	if (opts->reverse) {
		rc = build_reverse(g);
		if (rc < 0)
			goto done;
		hs_timing_step("graph", "reverse", &t);
	}
done:
	loader_release(&L);
	free(cs);
	free(rr);
	/* the file is reopened for labels: its mapping would otherwise stay
	 * resident through the analyses */
	hs_reader_free(r);
	if (rc < 0) {
		hs_graph_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

void hs_graph_free(hs_graph *g)
{
	if (!g)
		return;
	hs_big_free(g->ids);
	hs_big_free(g->sizes);
	free(g->big);
	hs_big_free(g->types);
	hs_big_free(g->off);
	hs_big_free(g->node);
	hs_big_free(g->flags);
	hs_big_free(g->in_off);
	hs_big_free(g->in_node);
	hs_big_free(g->in_flags);
	hs_big_free(g->idtab);
	free(g->root_nodes);
	free(g->root_flags);
	free(g->is_root);
	free(g->roots);
	free(g->kinds);
	free(g->type_names);
	free(g->type_ids);
	free(g->type_has_id);
	free(g->type_first);
	free(g->type_classes);
	free(g->strings);
	free(g->string_index);
	free(g->names);
	free(g->spans);
	free(g->by_index);
	for (unsigned i = 0; i < LABEL_CACHE; i++)
		free(g->cache[i].labels);
	hs_reader_free(g->r);
	if (g->path)
		pthread_mutex_destroy(&g->lock);
	free(g->info_strs);
	free(g->path);
	free(g);
}

/* ---- accessors ------------------------------------------------------- */

const hs_graph_stats *hs_graph_stats_get(const hs_graph *g)
{
	return &g->st;
}

const hs_snapinfo *hs_graph_info(const hs_graph *g)
{
	return &g->info;
}

const char *hs_graph_path(const hs_graph *g)
{
	return g->path;
}

int hs_graph_reader_open(hs_reader **out, const hs_graph *g)
{
	return hs_reader_open(out, g->path, &g->ro);
}

uint32_t hs_graph_count(const hs_graph *g)
{
	return g->n;
}

uint64_t hs_graph_id(const hs_graph *g, uint32_t node)
{
	return node < g->n ? g->ids[node] : 0;
}

uint32_t hs_graph_type(const hs_graph *g, uint32_t node)
{
	return node < g->n ? g->types[node] : HS_GRAPH_NONE;
}

uint64_t hs_graph_size(const hs_graph *g, uint32_t node)
{
	size_t lo = 0, hi;

	if (node >= g->n)
		return 0;
	if (g->sizes[node] != UINT32_MAX)
		return g->sizes[node];
	hi = g->nbig;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->big[mid].node < node)
			lo = mid + 1;
		else if (g->big[mid].node > node)
			hi = mid;
		else
			return g->big[mid].size;
	}
	return UINT32_MAX;  /* exactly 2^32-1 bytes */
}

const uint32_t *hs_graph_types(const hs_graph *g)
{
	return g->types;
}

void hs_graph_csr(const uint32_t **off, const uint32_t **node,
		  const uint8_t **flags, const hs_graph *g)
{
	*off = g->off;
	*node = g->node;
	*flags = g->flags;
}

uint32_t hs_graph_type_count(const hs_graph *g)
{
	return g->ntypes;
}

hs_str hs_graph_type_name(const hs_graph *g, uint32_t type)
{
	hs_str none = { "", 0 };

	return type < g->ntypes ? g->type_names[type] : none;
}

uint32_t hs_graph_type_first(const hs_graph *g, uint32_t type)
{
	return type < g->ntypes ? g->type_first[type] : type;
}

uint32_t hs_graph_type_classes(const hs_graph *g, uint32_t type)
{
	return type < g->ntypes ? g->type_classes[g->type_first[type]] : 0;
}

int hs_graph_type_id(uint64_t *out, const hs_graph *g, uint32_t type)
{
	*out = 0;
	if (type >= g->ntypes || !g->type_has_id || !g->type_has_id[type])
		return HS_ENOTFOUND;
	*out = g->type_ids[type];
	return 0;
}

uint32_t hs_graph_type_find(const hs_graph *g, const char *name)
{
	size_t len = strlen(name);

	for (uint32_t t = 0; t < g->ntypes; t++)
		if (g->type_names[t].len == len &&
		    memcmp(g->type_names[t].ptr, name, len) == 0)
			return t;
	return HS_GRAPH_NONE;
}

uint32_t hs_graph_find_id(const hs_graph *g, uint64_t id)
{
	hs_graph *mg = (hs_graph *)g;
	uint32_t v;

	/* index mode builds the table on first use: most analyses never
	 * look an id up */
	pthread_mutex_lock(&mg->lock);
	if (!g->idtab && g->n) {
		int64_t d = idtab_build(mg);

		if (d > 0)
			mg->st.duplicate_ids += (uint64_t)d;
		if (d < 0) {
			hs_big_free(mg->idtab);
			mg->idtab = NULL;
			pthread_mutex_unlock(&mg->lock);
			for (v = 0; v < g->n; v++)
				if (g->ids[v] == id)
					return v;
			return HS_GRAPH_NONE;
		}
	}
	pthread_mutex_unlock(&mg->lock);
	return g->n ? idtab_find(g, id) : HS_GRAPH_NONE;
}

hs_edges hs_graph_out(const hs_graph *g, uint32_t node)
{
	hs_edges e = { NULL, NULL, 0 };

	if (node == HS_GRAPH_SUPERROOT) {
		e.node = g->root_nodes;
		e.flags = g->root_flags;
		e.n = g->nroot_nodes;
	} else if (node < g->n) {
		e.node = g->node + g->off[node];
		e.flags = g->flags + g->off[node];
		e.n = (size_t)(g->off[node + 1] - g->off[node]);
	}
	return e;
}

int hs_graph_has_referrers(const hs_graph *g)
{
	return g->in_off != NULL;
}

hs_edges hs_graph_in(const hs_graph *g, uint32_t node)
{
	hs_edges e = { NULL, NULL, 0 };

	if (g->in_off && node < g->n) {
		e.node = g->in_node + g->in_off[node];
		e.flags = g->in_flags + g->in_off[node];
		e.n = (size_t)(g->in_off[node + 1] - g->in_off[node]);
	}
	return e;
}

int hs_graph_is_root(const hs_graph *g, uint32_t node)
{
	return node < g->n && (g->is_root[node / 8] >> (node % 8) & 1);
}

size_t hs_graph_root_count(const hs_graph *g)
{
	return g->nroots;
}

const hs_root *hs_graph_root(const hs_graph *g, size_t i)
{
	return i < g->nroots ? &g->roots[i] : NULL;
}

uint32_t hs_graph_root_kind_count(const hs_graph *g)
{
	return g->nkinds;
}

hs_str hs_graph_root_kind(const hs_graph *g, uint32_t kind)
{
	hs_str none = { "", 0 };

	return kind < g->nkinds ? g->kinds[kind] : none;
}

/* ---- labels and previews, from the file ------------------------------ */

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

static int labels_append(uint32_t **v, size_t *n, size_t *cap, hs_graph *g,
			 const uint64_t *refs, const uint32_t *labels,
			 size_t k)
{
	for (size_t i = 0; i < k; i++) {
		if (resolve(g, refs[i]) == HS_GRAPH_NONE)
			continue;
		if (hs_vec_grow((void **)v, cap, *n + 1, 4) < 0)
			return -1;
		(*v)[(*n)++] = labels ? labels[i] : HS_NO_LABEL;
	}
	return 0;
}

/* The label string indices of node's kept edges, from rec (node's object
 * record) and the refs records that continue it, as loading attached
 * them: read on only until they are all there (an object's refs records
 * may start the next frame; reading past what is needed would decode
 * it).  *v gets one entry per kept edge.  Called under g->lock. */
static int read_labels(uint32_t **v, size_t *n, hs_record *rec, hs_graph *g,
		       uint32_t node)
{
	size_t cap = 0, want = g->off[node + 1] - g->off[node];
	uint64_t owner = g->info.ref_mode == HS_REFS_BY_INDEX
			 ? rec->u.object.index : rec->u.object.obj.id;
	int rc = 0;

	*v = NULL;
	*n = 0;
	if (labels_append(v, n, &cap, g, rec->u.object.obj.refs,
			  rec->u.object.obj.labels,
			  rec->u.object.obj.nrefs) < 0)
		goto nomem;
	while (*n < want && (rc = hs_reader_next(rec, g->r)) == 0 &&
	       rec->kind != HS_REC_OBJECT && rec->kind != HS_REC_END) {
		if (rec->kind != HS_REC_REFS || rec->u.refs.owner != owner)
			continue;
		if (labels_append(v, n, &cap, g, rec->u.refs.refs,
				  rec->u.refs.labels, rec->u.refs.n) < 0)
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
	if (!*v && !(*v = malloc(4)))
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
	uint32_t *v;
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
		uint32_t node = q[i].node, *v = NULL;
		size_t k;

		rc = goto_object(&rec, g, node);
		if (rc == 0)
			rc = read_labels(&v, &k, &rec, g, node);
		if (rc < 0)
			break;
		for (; i < n && q[i].node == node; i++) {
			const hs_str *t = v[edges[q[i].i]] != HS_NO_LABEL
					  ? string_at(g, v[edges[q[i].i]])
					  : NULL;

			if (t)
				out[q[i].i] = *t;
		}
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
		const hs_str *text = e->labels[k] != HS_NO_LABEL
				     ? string_at(g, e->labels[k]) : NULL;

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
