/*
 * v8.h - the V8 import's state, shared by its two halves (internal):
 * v8_parse.c streams the JSON into scratch arrays and declares the names
 * as the strings go by; v8_import.c applies the dominator rules to the
 * arrays and writes the objects.  format/V8.md describes the mapping.
 *
 * Per node: ntype (1 byte), nname (4), nid (8), nsize (8), efirst (4),
 * nflag (1); per edge: etype (1), ename (4), eto (4); per string: smark
 * (1) and, for the strings used, stype, slabel, spv (4 each) and up to
 * 65 bytes of preview.  All in scratch arrays (scratch.h).
 */
#ifndef HS_V8_INTERNAL_H
#define HS_V8_INTERNAL_H

#include "hs_v8.h"
#include "json.h"
#include "scratch.h"
#include "source.h"

/* What a node type means to the import (v8_im.nkind). */
enum {
	V8_N_OTHER = 0,   /* class "(type)"; its name is the preview */
	V8_N_OBJECT,      /* object, native: the name is the class */
	V8_N_HIDDEN,      /* class "(system)" */
	V8_N_CODE,        /* class "(compiled code)" */
	V8_N_SYNTHETIC,   /* class "(synthetic)" */
	V8_N_DATA         /* string, number...: the name is the program's
	                     data, left out with redact */
};

/* What an edge type means (v8_im.ekind). */
enum {
	V8_E_NAMED = 0,   /* context, property, internal...: a string name */
	V8_E_ELEMENT,     /* labelled [index] */
	V8_E_HIDDEN,      /* labelled [index] */
	V8_E_SHORTCUT,    /* named; retains only from the root */
	V8_E_WEAK         /* named; never retains */
};

/* eto[] entries: the target's ordinal and the edge's class. */
#define V8_TO_BITS 29
#define V8_TO_MASK ((1u << V8_TO_BITS) - 1)
#define V8_TO_STRONG 0u
#define V8_TO_SHORTCUT (1u << V8_TO_BITS)
#define V8_TO_WEAK (2u << V8_TO_BITS)
#define V8_TO_CLASS (7u << V8_TO_BITS)

/* nflag[] bits. */
#define V8_F_PAGE 0x1     /* memlab's page-owned: reached from the root's
                             edges but its shortcuts and the DOM trees */
#define V8_F_REACHED 0x2  /* reached through essential edges */
#define V8_F_STRONG 0x4   /* a retainer edge neither weak nor a shortcut */
#define V8_F_WEAKROOT 0x8 /* unreached with only weak retainers: a root */
#define V8_F_PENDING 0x10 /* a walk's sweep still has to expand it */

/* smark[] bits: what a string is used for. */
#define V8_S_TYPE 0x1     /* an object or native node's name */
#define V8_S_LABEL 0x2    /* a named edge's name */
#define V8_S_PREVIEW 0x4  /* another node's name */
#define V8_S_ROOTNAME 0x8 /* the name of a target of the root's edges */
#define V8_S_DOMTREES 0x10 /* "(Document DOM trees)" */

#define V8_NONE UINT32_MAX
/* Bytes a random access counts against a scratch array's share. */
#define V8_PAGE 4096u
/* Rows between two releases of what the parse wrote. */
#define V8_RELEASE_ROWS (1u << 18)

typedef struct {
	/* input */
	hs_source src;
	hs_json j;
	const char *name;
	hs_v8_options o;
	hs_v8_stats *st;
	const char *tmpdir;
	/* output */
	const char *path;          /* or NULL: into sink */
	hs_sink sink;
	const char *out_name;
	hs_writer_options wo;
	hs_writer *w;
	/* snapshot.meta */
	unsigned nf, ef;           /* fields per node, per edge */
	int nf_type, nf_name, nf_id, nf_size, nf_edges;
	int ef_type, ef_name, ef_to;
	unsigned nntypes, netypes;
	uint8_t nkind[HS_V8_TYPES_MAX], ekind[HS_V8_TYPES_MAX];
	char *ntname[HS_V8_TYPES_MAX], *etname[HS_V8_TYPES_MAX];
	uint32_t ntype_snap[HS_V8_TYPES_MAX]; /* .snap type, or V8_NONE */
	uint64_t root_index;       /* snapshot.root_index: a node offset */
	uint32_t root;             /* its ordinal, once the nodes are read */
	/* what was read */
	uint64_t nnodes, nedges, nstrings;
	uint64_t announced;        /* edges the nodes' edge_count promise */
	uint64_t name_max;         /* the largest string index used... */
	hs_json_pos name_max_pos;  /* ...first seen there */
	int have_names;
	hs_scratch ntype, nname, nid, nsize, efirst, nflag;
	hs_scratch etype, ename, eto;
	hs_scratch smark, stype, slabel, spv, pv, ilabel, stack;
	uint64_t pvlen;            /* bytes in pv */
	size_t memory;             /* the resident scratch bound */
	double t;                  /* HS_TIMING's clock */
} v8_im;

/** hs_v8__parse() : the whole JSON into the arrays; the types and labels
 *  declared into im->w (opened on the way).  @return 0 or an error. */
int hs_v8__parse(v8_im *im);

/** hs_v8__nodes(), hs_v8__edges() : the nodes and the edges arrays
 *  (v8_arrays.c), tok being their first token.  @return 0 or an error. */
int hs_v8__nodes(v8_im *im, int tok);
int hs_v8__edges(v8_im *im, int tok);

/** hs_v8__fail_at() : an error at pos in the JSON. */
int hs_v8__fail_at(v8_im *im, const hs_json_pos *pos, int code,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/** hs_v8__scratch_all() : every scratch array of im, for init and free. */
size_t hs_v8__scratch_all(v8_im *im, hs_scratch **out, size_t max);

/* Element accessors. */
#define V8_U8(a, i) (((uint8_t *)(a).p)[i])
#define V8_U32(a, i) (((uint32_t *)(a).p)[i])
#define V8_U64(a, i) (((uint64_t *)(a).p)[i])

#endif
