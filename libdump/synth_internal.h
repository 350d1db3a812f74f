/*
 * synth_internal.h - what the synthetic heap generator's files share (not
 * installed): the randomness, the shapes' tables, and the generator's
 * state.
 *
 *   synth_shapes.c  the shapes: types, vocabulary, roots
 *   synth_object.c  what object j is (type, size, references' count,
 *                   address), recomputed from (seed, j); the setup
 *   synth.c         writing a heap into an hs_writer; the public API
 */
#ifndef HS_SYNTH_INTERNAL_H
#define HS_SYNTH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hs_synth.h"

/* ---- randomness ---------------------------------------------------------- */

static inline uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* splitmix64: one stream per object, seeded from (key, index) */
typedef struct {
	uint64_t s;
} rng;

static inline uint64_t rng_next(rng *r)
{
	r->s += 0x9e3779b97f4a7c15ull;
	return mix64(r->s);
}

/* uniform in [0, n) for n >= 1 (Lemire's multiply; the tiny bias does
 * not matter here, the determinism does) */
static inline uint64_t rng_below(rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

static inline uint64_t rng_range(rng *r, uint64_t lo, uint64_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

#define SALT_OBJ 0xd1b54a32d192ed03ull
#define SALT_GAP 0x8cb92ba72f3d8dd7ull
#define SALT_REGION 0xa0761d6478bd642full
#define SALT_LEAK 0xe7037ed1a0b428dbull

/* ---- shapes (synth_shapes.c) ------------------------------------------- */

/* how a type sizes itself and labels its references */
enum {
	K_PLAIN,   /* size uniform in [smin, smax] by 8 */
	K_ARRAY,   /* size smin + 8 * nrefs */
	K_BUFFER,  /* 1..100 KiB */
	K_STR,     /* size smin + text length, str preview */
	K_BYTES,   /* size smin + length, bytes preview */
	K_INT,     /* 28/32/36 bytes, int preview */
	K_FLOAT,   /* float preview */
	K_DICT,    /* size by key count, labels: dict keys */
	K_ATTRS,   /* labels: the type's fixed attribute names, in order */
	K_INST,    /* labels: attribute names */
	K_WEAKREF, /* its one reference is weak */
	K_CACHE,   /* its last reference is weak */
	K_NODE,    /* a linked-list node (placed by regions only) */
	K_TABLE,   /* a big container (placed by regions only) */
	K_OWNER    /* the leak's owner (placed once) */
};

typedef struct {
	const char *name;
	uint16_t weight;          /* among normal objects, per ~10000 */
	uint8_t kind;
	uint8_t rmin, rmax;       /* references */
	uint32_t smin, smax;      /* bytes */
	uint8_t attr_first, attr_count;  /* K_ATTRS: vocabulary range */
} type_spec;

typedef struct {
	const char *kind, *label;
	unsigned at16;     /* where: index n * at16 / 16 */
	uint64_t extra;
} root_spec;

/* Which references claim the next unclaimed object (see draw_target) */
enum { CLAIM_NONE, CLAIM_LOCAL, CLAIM_ALL };
typedef struct {
	const char *name;
	const type_spec *types;
	size_t ntypes;
	const root_spec *roots;
	size_t nroots;
	int regions;         /* lists, garbage runs, containers */
	int labels;          /* references carry labels */
	unsigned weak_256;   /* random references weak, per 256 */
	int claims;          /* CLAIM_*: how references claim objects */
	uint64_t salt;
} shape_def;

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

extern const shape_def hs_synth__shapes[];
extern const size_t hs_synth__nshapes;

/* Python's string records (hs_synth__py_vocab, hs_synth__py_vocab_n):
 * attribute names, instance attributes, dict keys, at these places. */
extern const char *const hs_synth__py_vocab[];
extern const size_t hs_synth__py_vocab_n;
#define PY_LABEL_NEXT 16
#define PY_LABEL_VALUE 17
#define PY_LABEL_USER 18
#define PY_ATTR_FIRST 18
#define PY_ATTR_N 30
#define PY_KEY_FIRST 48
#define PY_KEY_N 30
#define LOCAL_SPAN 1000u         /* "near" references: +-1000 positions */
#define LOCAL_PER_100 70u        /* ... are 70% of them */
#define CLAIM_AHEAD 256u          /* claims reach this far ahead */
#define REGION_BIG 65536u
#define BIG_TABLE_REFS 20000u    /* the first container of big heaps */
#define ADDR_BLOCK 16u           /* id mode: one address per 16 objects */
#define RING 4096u               /* id mode: window of recent addresses */
#define LEAK_GAP (1u << 20)
#define LEAK_CHUNK 16384u        /* leak references per hs_writer_refs() */
#define MAX_REFS (BIG_TABLE_REFS + 64u)
#define TEXT_MAX 64u
/* ---- the generator (synth_object.c) ------------------------------------- */

static inline uint64_t round16(uint64_t v)
{
	return (v + 15) & ~(uint64_t)15;
}

typedef struct {
	uint64_t chain_lo, chain_hi;  /* list nodes [lo, hi), hi may be lo */
	uint64_t garb_lo, garb_hi;    /* garbage run */
	uint64_t table[2];            /* containers (UINT64_MAX: none) */
	int ring;                     /* the list is circular */
} region;

typedef struct {
	const type_spec *t;
	uint32_t type;        /* index in the shape's table */
	uint64_t size;
	uint32_t nrefs;
	int garbage;
	uint32_t text_len;    /* K_STR / K_BYTES */
	int64_t ival;         /* K_INT */
	rng r;                /* continues with the references */
} desc;

typedef struct {
	hs_synth_options o;
	const shape_def *sh;
	uint64_t n, key, R;
	uint64_t leak_n;
	uint32_t *cum;            /* cumulative weights of normal types */
	uint64_t wsum;
	region *regions;
	uint64_t nregions;
	uint64_t owner, user;     /* indices */
	uint64_t cursor;          /* the next object to claim */
	uint64_t credit, credit_until;  /* skipped runs ahead of the writing */
	uint64_t root_at[16];     /* targets of the shape's roots */
	uint32_t vocab_base;      /* string index of hs_synth__py_vocab[0] */
	uint32_t tmap[64];        /* shape's type -> declared index */
	uint32_t t_node, t_table, t_owner;
	/* id mode */
	uint64_t *blocks;         /* addr(16 b) */
	uint64_t ring[RING];
	uint64_t ring_lo, ring_hi, ring_next;
	uint64_t end_addr;        /* addr(n - 1) + its rounded size */
	/* the object being written */
	uint64_t *refs;
	uint32_t *labels;
	uint8_t *flags;
	char text[TEXT_MAX];
	hs_synth_stats st;
} gen;

int hs_synth__check_options(const hs_synth_options *o);
/* Sets g up for opts: its regions, roots and leak owner.  Pairs with
 * hs_synth__gen_release(). */
int hs_synth__gen_init(gen *g, const hs_synth_options *o);
void hs_synth__gen_release(gen *g);
uint64_t hs_synth__base_addr(const gen *g);
const region *hs_synth__region_at(const gen *g, uint64_t j);
/* Where a reference to t lands instead (list interiors, garbage runs). */
uint64_t hs_synth__fix_target(const gen *g, uint64_t t, int from_garbage);
/* Fills d with what object j is; d->r continues with its references. */
void hs_synth__describe(const gen *g, uint64_t j, desc *d);
/* From object j's address to object j+1's. */
uint64_t hs_synth__step_after(const gen *g, uint64_t j, uint64_t size);
uint64_t hs_synth__size_of(const gen *g, uint64_t j);
uint64_t hs_synth__leak_size(const gen *g, uint64_t k);
/* id mode: the address table (one per ADDR_BLOCK objects). */
int hs_synth__build_blocks(gen *g);
uint64_t hs_synth__addr_of(const gen *g, uint64_t j);
/* id mode: keep the addresses of [i - 3095, i + 1000] in the window. */
void hs_synth__ring_advance(gen *g, uint64_t i);

#endif
