/*
 * report.h - the gathered report (internal): what hs_report_new() keeps
 * for the writers (report_html.c, report_md.c).  Every object the report
 * mentions is one rep_obj; the other tables refer to objects, texts and
 * types by index.  All text is safe (hs_text_safe) and bounded.
 */
#ifndef HS_REPORT_INTERNAL_H
#define HS_REPORT_INTERNAL_H

#include "hs_diff.h"
#include "imap.h"
#include "hs_paths.h"
#include "hs_report.h"
#include "hs_sites.h"
#include "hs_types.h"

#define REP_NONE UINT32_MAX

/* Longest text kept, in bytes: type names, labels, root paths... */
#define REP_NAME_MAX 200u
#define REP_PREVIEW_MAX 120u
#define REP_STEP_MAX 320u
/* Root paths longer than this keep their first and last steps. */
#define REP_PATH_STEPS_MAX 24u
/* Text past which the optional root paths (of instances and tree nodes)
 * are no longer computed: keeps a hostile dump's page to a few MB. */
#define REP_TEXT_BUDGET (3u << 19)
/* Largest retainers and diff owners kept. */
#define REP_TOP_MAX 20u
#define REP_OWNERS_MAX 50u

typedef struct {
	uint32_t off, len;      /* in hs_report.pool */
} rep_text;

/* An object the report mentions. */
typedef struct {
	uint32_t node;          /* graph node of the newest snapshot */
	uint32_t type;          /* report type index */
	uint32_t preview;       /* text, or REP_NONE */
	uint32_t path;          /* rep_path index, or REP_NONE */
	uint32_t tree;          /* rep_node index, or REP_NONE */
} rep_obj;

/* One embedded node of the dominator tree; [0] is the super-root. */
typedef struct {
	uint32_t obj;           /* rep_obj index; REP_NONE for [0] */
	uint32_t parent;        /* rep_node index; REP_NONE for [0] */
	uint64_t retained;
	uint64_t kids;          /* children it dominates, all of them */
	uint64_t rest_n;        /* of them, not embedded */
	uint64_t rest_bytes;    /* their retained sizes */
	uint32_t rest_first;    /* rep_rest entries: the not embedded */
	uint32_t rest_types;    /* children by type, largest first */
} rep_node;

/* The children of a node left out of the tree, of one type (the last
 * entry of a node, type REP_NONE, sums the types past REP_REST_TYPES). */
typedef struct {
	uint32_t type;          /* report type, or REP_NONE: other types */
	uint64_t count, bytes;  /* objects, their retained sizes */
} rep_rest;

#define REP_REST_TYPES 12u

/* One element of a root path: its text, and the object it reaches. */
typedef struct {
	uint32_t text;
	uint32_t type;          /* report type of the object */
	uint64_t id;
} rep_step;

typedef struct {
	uint32_t first, n;      /* in hs_report.steps */
	uint32_t root_kind;     /* text of the root's kind */
	uint64_t left_out;      /* steps cut from the middle */
} rep_path;

/* The biggest instances of one type. */
typedef struct {
	uint32_t type;          /* report type */
	uint32_t first, n;      /* in hs_report.inst */
} rep_insts;

/* One owner of growth (hs_diff_owner i). */
typedef struct {
	size_t i;
	uint32_t obj;           /* rep_obj, or REP_NONE for a pseudo-owner */
	uint32_t type;          /* report type (of the new or old snapshot's
	                           object), or REP_NONE */
	uint32_t text;          /* a pseudo-owner's text ("(roots)"), or
	                           REP_NONE (the object's path is its own) */
} rep_owner;

struct hs_report {
	hs_report_options o;
	hs_graph *g, *og;
	hs_dom *d, *od;
	uint32_t name[2];       /* texts: the files' names */
	uint64_t file_size[2];

	hs_buf pool;
	rep_text *texts;
	size_t ntexts, ctexts;

	/* report types: the types the report names, by name text */
	uint32_t *tmap;         /* g's type -> report type, or REP_NONE */
	uint32_t *tname;        /* report type -> text */
	size_t ntypes, ctypes;

	rep_obj *objs;
	size_t nobjs, cobjs;
	hs_imap omap;           /* node -> objs index */

	hs_type_table types;    /* reachable, by retained */
	hs_type_table unreach;  /* by shallow */

	rep_node *tree;
	size_t ntree, ctree;
	rep_rest *rests;
	size_t nrests, crests;
	uint64_t tree_min;       /* nodes retaining less are not taken */
	uint64_t tree_cut;       /* the largest retained size left out of
	                            the tree (0: nothing left out) */

	uint32_t *top;          /* rep_obj of the largest retainers */
	size_t ntop;

	rep_insts *itypes;
	size_t nitypes;
	uint32_t *inst;         /* rep_obj */
	size_t ninst;

	rep_path *paths;
	size_t npaths, cpaths;
	/* step texts by (object, reference) or root: paths share their
	 * first steps, and reading a label decodes a frame */
	uint64_t *memo_key;
	uint32_t *memo_text;
	size_t memo_mask, nmemo;
	rep_step *steps;
	size_t nsteps, csteps;

	hs_sites *sites;        /* NULL when the dump records no sites */

	hs_diff *diff;          /* NULL for one snapshot */
	uint32_t *dtype;        /* per diff type: text of its name */
	size_t ndtypes;
	rep_owner *owners;
	size_t nowners;
};

/* hs_report__text() : the bytes of text t. */
static inline const char *rep_text_ptr(const hs_report *r, uint32_t t,
				       size_t *len)
{
	*len = r->texts[t].len;
	return (const char *)r->pool.data + r->texts[t].off;
}

/* A 32-bit hash for the report's open-addressing tables. */
static inline size_t rep_hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/* report.c: texts, report types and objects */
/* hs_vec_grow() that sets the report's message */
int hs_report__grow(void **p, size_t *cap, size_t need, size_t elem);
/* A text of s made safe and cut to max bytes; *out its index. */
int hs_report__add_text(hs_report *r, uint32_t *out, const char *s, size_t n,
			size_t max);
/* The report type of g's type t (named on first use). */
int hs_report__type(hs_report *r, uint32_t *out, uint32_t t);
/* The rep_obj of node, or REP_NONE. */
uint32_t hs_report__obj_find(const hs_report *r, uint32_t node);
/* The rep_obj of node, added on first use. */
int hs_report__obj_get(hs_report *r, uint32_t *out, uint32_t node);

/* report_tree.c: the dominator tree, largest first */
int hs_report__gather_tree(hs_report *r);
/* node and its dominators in the tree, whatever their size */
int hs_report__tree_force(hs_report *r, uint32_t node);
/* what the tree leaves out of each node, by type */
int hs_report__gather_rests(hs_report *r);
/* the largest retainers */
int hs_report__gather_retainers(hs_report *r);

/* report_paths.c: object o's root path (optional ones stop at
 * REP_TEXT_BUDGET); txt and lab are scratch buffers */
int hs_report__obj_path(hs_report *r, const hs_paths *t, uint32_t o,
			int optional, hs_buf *txt, hs_buf *lab);

/* report_objects.c: the biggest instances of the largest types, and the
 * previews of every object the report mentions */
int hs_report__gather_instances(hs_report *r);
int hs_report__gather_previews(hs_report *r);

#endif
