/*
 * graph_internal.h - what the graph's files share (not installed):
 * struct hs_graph, the loader's per-thread arenas, and the lookup of a
 * raw reference (id or file index) to a node, inline for the loops that
 * resolve every reference.
 *
 *   graph.c         lifetime and accessors
 *   graph_load.c    hs_graph_load: the steps, and step 1 (records into
 *                   per-thread chunks)
 *   graph_merge.c   steps 2 and 3: chunks into the node arrays and the
 *                   CSR, the id table, the reverse CSR
 *   graph_names.c   types, strings, root kinds and roots
 *   graph_labels.c  labels and previews, read again from the file
 */
#ifndef HS_GRAPH_INTERNAL_H
#define HS_GRAPH_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "hs_graph.h"

#define LABEL_CACHE 8

/* ---- the loader ------------------------------------------------------ */

typedef struct {
	uint32_t index;
	uint32_t len;
	size_t off;    /* in the worker's pool; in g->names once merged */
	int has_id;    /* a type record gave its object's id */
	uint64_t id;
	uint32_t flags; /* HS_TYPE_* of a type record */
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
	int rt_sizes;   /* hs_graph_options.runtime_sizes */
	worker *w;
	unsigned nw;
} loader;

/* ---- the graph ------------------------------------------------------- */

typedef struct {
	uint64_t dense_first, file_first, n;
	uint64_t frame_offset;
} span;

/* An edge's label as read: a string index, HS_NO_LABEL, or SEQ_LABEL | j
 * for the j-th unlabelled reference of a HS_TYPE_SEQUENCE object ("[j]"). */
#define SEQ_LABEL (1ull << 32)
#define SEQ_CHUNK 1024   /* "[j]" texts per chunk of seq_text */

typedef struct {
	uint32_t node;
	uint32_t n;
	uint64_t *labels;
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
	uint8_t *type_flags;     /* per type: HS_TYPE_* bits; NULL if none */
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
	char **seq_text;         /* "[j]" labels computed so far, 16 bytes
	                            each, by chunks of SEQ_CHUNK: they live
	                            as long as the graph (hs_graph_labels) */
	size_t nseq_text;
	uint32_t cur_node;       /* the reader stopped after this node's */
	uint64_t cur_frame;      /* ... references, in the frame at this
	                            offset: reading on from there to a later
	                            object of that frame decodes nothing */
	int cur_ok;
};

/* ---- ids and file indices to nodes ----------------------------------- */

static inline uint64_t id_hash(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdull;
	id ^= id >> 33;
	return id;
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
static inline uint32_t index_find(const hs_graph *g, uint64_t fi)
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

/* graph_merge.c */
/* Builds g->idtab over every node; the first node with an id keeps it.
 * @return the number of duplicates, or -1 (out of memory). */
int64_t hs_graph__idtab_build(hs_graph *g);
/* Index mode: the map of file indices to nodes; id mode: the id table. */
int hs_graph__build_lookup(hs_graph *g);
/* Step 2: the chunks' objects, in file order, into the node arrays. */
int hs_graph__merge_objects(hs_graph *g, chunk **cs, size_t nc);
/* Step 3: the chunks' raw targets (raw in all), resolved, into the CSR. */
int hs_graph__merge_refs(hs_graph *g, chunk **cs, size_t nc, uint64_t raw);
/* The reverse CSR (referrers), from the forward one. */
int hs_graph__build_reverse(hs_graph *g);

/* graph_names.c */
/* Every name into one allocation (g->names) and the type and string
 * tables; the types renumbered densely (remap_types). */
int hs_graph__build_names(hs_graph *g, loader *L, size_t nrr);
/* The roots rr[0..nrr) (in file order) resolved, and their kinds. */
int hs_graph__build_roots(hs_graph *g, loader *L, rawroot **rr, size_t nrr);
/* The declared string of a label's string index, or NULL. */
const hs_str *hs_graph__string_at(const hs_graph *g, uint32_t index);

#endif
