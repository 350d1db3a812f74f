/*
 * synth.c - hs_synth: deterministic synthetic heaps streamed into an
 * hs_writer (the shapes are described in hs_synth.h).
 *
 * Load: everything about object j is recomputed from (seed, j) when it is
 * needed, so memory is the current object's reference arrays, a 48-byte
 * layout per region of 65536 objects and, in id mode only, one address
 * per 16 objects (plus a 4096-entry window of recent addresses, which
 * most references hit).  About 100 ns per object.
 *
 * Determinism: only splitmix64 over (seed, shape, j); no rand(), no
 * floating point in anything that decides a size or a reference, no
 * dependence on the reference mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
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

/* ---- shapes -------------------------------------------------------------- */

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

static const type_spec service_types[] = {
	{ "string", 1100, K_PLAIN, 0, 0, 24, 64, 0, 0 },
	{ "bytes", 350, K_PLAIN, 0, 0, 16, 64, 0, 0 },
	{ "Integer", 350, K_PLAIN, 0, 0, 16, 16, 0, 0 },
	{ "Long", 200, K_PLAIN, 0, 0, 24, 24, 0, 0 },
	{ "sync.Mutex", 100, K_PLAIN, 0, 0, 16, 24, 0, 0 },
	{ "io.Buffer", 50, K_BUFFER, 0, 1, 1024, 102400, 0, 0 },
	{ "HashMap.Entry", 1400, K_PLAIN, 3, 4, 32, 48, 0, 0 },
	{ "HashMap", 300, K_PLAIN, 4, 12, 48, 48, 0, 0 },
	{ "ArrayList", 300, K_PLAIN, 2, 14, 24, 40, 0, 0 },
	{ "Object[]", 400, K_ARRAY, 2, 18, 16, 0, 0, 0 },
	{ "app.Request", 300, K_PLAIN, 4, 12, 48, 96, 0, 0 },
	{ "app.Response", 250, K_PLAIN, 3, 8, 40, 80, 0, 0 },
	{ "app.User", 300, K_PLAIN, 4, 9, 48, 96, 0, 0 },
	{ "app.Session", 250, K_PLAIN, 3, 7, 40, 64, 0, 0 },
	{ "cache.Entry", 350, K_CACHE, 3, 3, 40, 40, 0, 0 },
	{ "cache.LRU", 20, K_PLAIN, 4, 8, 64, 64, 0, 0 },
	{ "log.Record", 300, K_PLAIN, 3, 8, 48, 64, 0, 0 },
	{ "db.Row", 400, K_PLAIN, 4, 12, 32, 64, 0, 0 },
	{ "db.ResultSet", 50, K_PLAIN, 4, 12, 64, 96, 0, 0 },
	{ "db.Connection", 10, K_PLAIN, 5, 9, 128, 256, 0, 0 },
	{ "json.Object", 400, K_PLAIN, 3, 11, 40, 48, 0, 0 },
	{ "json.Array", 200, K_ARRAY, 2, 10, 16, 0, 0, 0 },
	{ "json.String", 300, K_PLAIN, 1, 1, 24, 64, 0, 0 },
	{ "http.Header", 350, K_PLAIN, 2, 2, 32, 32, 0, 0 },
	{ "http.Client", 10, K_PLAIN, 4, 8, 96, 160, 0, 0 },
	{ "metrics.Counter", 100, K_PLAIN, 1, 2, 24, 32, 0, 0 },
	{ "metrics.Histogram", 30, K_PLAIN, 2, 3, 256, 1024, 0, 0 },
	{ "thread.Thread", 3, K_PLAIN, 4, 8, 256, 512, 0, 0 },
	{ "timer.Task", 100, K_PLAIN, 2, 4, 48, 48, 0, 0 },
	{ "event.Handler", 120, K_PLAIN, 2, 4, 32, 40, 0, 0 },
	{ "config.Option", 50, K_PLAIN, 2, 3, 40, 40, 0, 0 },
	{ "proto.Message", 300, K_PLAIN, 3, 11, 48, 96, 0, 0 },
	{ "tls.Session", 7, K_PLAIN, 3, 5, 256, 512, 0, 0 },
	{ "net.Socket", 10, K_PLAIN, 3, 5, 96, 160, 0, 0 },
	{ "list.Node", 0, K_NODE, 2, 2, 32, 32, 0, 0 },
	{ "HashMap.Table", 0, K_TABLE, 0, 0, 16, 0, 0, 0 },
	{ "app.SessionMap", 0, K_OWNER, 4, 8, 64, 64, 0, 0 },
};

/* Python's string records: attribute names (fixed ranges used by K_ATTRS
 * types), then instance attributes, then dict keys. */
static const char *const py_vocab[] = {
	"__code__", "__globals__", "__name__", "__defaults__",      /* 0 */
	"co_consts", "co_names", "co_filename", "co_qualname",      /* 4 */
	"cell_contents",                                            /* 8 */
	"__func__", "__self__",                                     /* 9 */
	"__dict__", "__mro__", "__base__", "__module__", "__doc__", /* 11 */
	"next", "value",                                            /* 16 */
	/* instance attributes: 18.. */
	"user", "id", "name", "email", "token", "created_at", "expires",
	"data", "payload", "headers", "body", "status", "method", "path",
	"query", "session", "cache", "config", "handler", "parent",
	"children", "items", "timeout", "retries", "logger", "db", "conn",
	"request", "response", "callback",
	/* dict keys: 48.. */
	"id", "name", "type", "value", "items", "data", "user_id", "status",
	"created", "updated", "url", "host", "port", "timeout", "version",
	"tags", "meta", "count", "total", "error", "message", "code",
	"result", "args", "kwargs", "key", "default", "enabled", "level",
	"format",
};

#define PY_VOCAB_N (sizeof(py_vocab) / sizeof(py_vocab[0]))
#define PY_LABEL_NEXT 16
#define PY_LABEL_VALUE 17
#define PY_LABEL_USER 18
#define PY_ATTR_FIRST 18
#define PY_ATTR_N 30
#define PY_KEY_FIRST 48
#define PY_KEY_N 30

static const type_spec python_types[] = {
	{ "str", 3000, K_STR, 0, 0, 49, 0, 0, 0 },
	{ "int", 1600, K_INT, 0, 0, 28, 36, 0, 0 },
	{ "float", 300, K_FLOAT, 0, 0, 24, 24, 0, 0 },
	{ "bytes", 200, K_BYTES, 0, 0, 33, 0, 0, 0 },
	{ "tuple", 900, K_ARRAY, 1, 3, 40, 0, 0, 0 },
	{ "list", 450, K_ARRAY, 0, 6, 56, 0, 0, 0 },
	{ "dict", 800, K_DICT, 1, 5, 64, 0, 0, 0 },
	{ "set", 60, K_PLAIN, 0, 4, 216, 216, 0, 0 },
	{ "function", 350, K_ATTRS, 2, 4, 152, 152, 0, 4 },
	{ "code", 300, K_ATTRS, 2, 4, 160, 400, 4, 4 },
	{ "cell", 100, K_ATTRS, 1, 1, 40, 40, 8, 1 },
	{ "method", 80, K_ATTRS, 2, 2, 48, 48, 9, 2 },
	{ "type", 30, K_ATTRS, 3, 5, 1064, 1064, 11, 5 },
	{ "module", 5, K_ATTRS, 1, 1, 72, 72, 11, 1 },
	{ "weakref", 60, K_WEAKREF, 1, 1, 80, 80, 0, 0 },
	{ "app.Session", 150, K_INST, 2, 5, 56, 56, 0, 0 },
	{ "app.User", 80, K_INST, 2, 5, 56, 56, 0, 0 },
	{ "app.Request", 80, K_INST, 3, 6, 56, 56, 0, 0 },
	{ "app.Node", 0, K_NODE, 2, 2, 56, 56, PY_LABEL_NEXT, 2 },
	{ "list", 0, K_TABLE, 0, 0, 56, 0, 0, 0 },
	{ "dict", 0, K_OWNER, 4, 8, 64, 0, 0, 0 },
};

static const type_spec bench4_types[] = {
	{ "bench.T0", 1, K_PLAIN, 3, 5, 16, 64, 0, 0 },
	{ "bench.T1", 1, K_PLAIN, 3, 5, 16, 64, 0, 0 },
	{ "bench.T2", 1, K_PLAIN, 3, 5, 16, 64, 0, 0 },
	{ "bench.T3", 1, K_PLAIN, 3, 5, 16, 64, 0, 0 },
	{ "bench.T4", 1, K_PLAIN, 3, 5, 16, 64, 0, 0 },
	{ "bench.T5", 1, K_PLAIN, 3, 5, 16, 64, 0, 0 },
	{ "bench.T6", 1, K_PLAIN, 3, 5, 16, 64, 0, 0 },
	{ "bench.T7", 1, K_PLAIN, 3, 5, 16, 64, 0, 0 },
	{ "app.SessionMap", 0, K_OWNER, 3, 5, 64, 64, 0, 0 },
};

typedef struct {
	const char *kind, *label;
	unsigned at16;     /* where: index n * at16 / 16 */
	uint64_t extra;
} root_spec;

static const root_spec service_roots[] = {
	{ "global", "app.config", 1, 0 },
	{ "thread", "main", 2, 0 },
	{ "thread", "worker-1", 5, 0 },
	{ "thread", "worker-2", 9, 0 },
	{ "stack", "main: Server.run", 11, 0 },
	{ "jni", "epoll loop", 13, 0 },
	{ "global", "metrics.registry", 15, 0 },
};

static const root_spec python_roots[] = {
	{ "module", "sys.modules['app']", 0, 0 },
	{ "module", "sys.modules['__main__']", 3, 0 },
	{ "frame", "MainThread: app.py:42 serve", 6, 0 },
	{ "frame", "Thread-1: worker.py:17 run", 10, 0 },
	{ "refcount", NULL, 12, 1 },
	{ "refcount", NULL, 14, 3 },
	{ "global", "builtins", 15, 0 },
};

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

static const shape_def shapes[] = {
	{ "service", service_types, N_OF(service_types), service_roots,
	  N_OF(service_roots), 1, 0, 1, CLAIM_LOCAL, 0x5e41ce5e41ce0001ull },
	{ "python", python_types, N_OF(python_types), python_roots,
	  N_OF(python_roots), 1, 1, 0, CLAIM_ALL, 0x9e7409e7409e0002ull },
	{ "bench4", bench4_types, N_OF(bench4_types), NULL, 0, 0, 0, 0,
	  CLAIM_NONE, 0xbe4c4be4c4be0003ull },
};

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

/* ---- the generator ------------------------------------------------------- */

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
	uint32_t vocab_base;      /* string index of py_vocab[0] */
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

static uint64_t round16(uint64_t v)
{
	return (v + 15) & ~(uint64_t)15;
}

static uint64_t base_addr(const gen *g)
{
	return 0x7f0000000000ull + ((mix64(g->key ^ 0xba5e) & 0x3ff) << 28);
}

/* The gap in front of object j (j >= 1): arenas every 4096 objects, and
 * now and then a hole where something was freed. */
static uint64_t gap_before(const gen *g, uint64_t j)
{
	uint64_t h = mix64(g->key ^ SALT_GAP ^ (j * SALT_OBJ));

	if (j % 4096 == 0)
		return 65536u * (1 + h % 16);
	if ((h & 63) == 0)
		return 16u * (1 + (h >> 6) % 64);
	return 0;
}

static void region_layout(const gen *g, uint64_t r, region *out)
{
	uint64_t R = g->R, base = r * R, n = g->n;
	rng q = { mix64(g->key ^ SALT_REGION ^ (r * SALT_OBJ)) };
	uint64_t lo, len;

	lo = base + R / 64 + rng_below(&q, R / 4);
	len = rng_range(&q, R / 32, R / 8);
	out->chain_lo = lo < n ? lo : n;
	out->chain_hi = lo + len < n ? lo + len : n;
	lo = base + R * 45 / 100 + rng_below(&q, R * 30 / 100);
	len = rng_range(&q, R / 128, R / 32);
	out->garb_lo = lo < n ? lo : n;
	out->garb_hi = lo + len < n ? lo + len : n;
	for (int k = 0; k < 2; k++) {
		uint64_t at = base + R * 80 / 100 +
			      rng_below(&q, R * 20 / 100 - 1);

		if (k == 1 && at == out->table[0])
			at++;
		out->table[k] = at < n ? at : UINT64_MAX;
	}
	/* the heap starts with a container (a module table, a registry):
	 * its references give the claims a head start (see draw_target) */
	if (r == 0)
		out->table[0] = 0;
	out->ring = (int)(r & 1);
}

static const region *region_at(const gen *g, uint64_t j)
{
	return &g->regions[j / g->R];
}

/* Where a reference to t lands instead: list interiors are held by
 * their predecessor only (a reference there goes to the head), and the
 * garbage runs are referenced from inside only. */
static uint64_t fix_target(const gen *g, uint64_t t, int from_garbage)
{
	const region *rg;

	if (!g->sh->regions)
		return t;
	rg = region_at(g, t);
	if (t > rg->chain_lo && t < rg->chain_hi)
		return rg->chain_lo;
	if (!from_garbage && t >= rg->garb_lo && t < rg->garb_hi)
		return rg->garb_hi < g->n ? rg->garb_hi : rg->garb_lo - 1;
	return t;
}

static int is_plain_spot(const gen *g, uint64_t j)
{
	const region *rg;

	if (!g->sh->regions)
		return 1;
	rg = region_at(g, j);
	return !(j >= rg->chain_lo && j < rg->chain_hi) &&
	       !(j >= rg->garb_lo && j < rg->garb_hi) &&
	       j != rg->table[0] && j != rg->table[1];
}

/* Python's dict: 64 bytes empty, then by key count as 3.11 reports. */
static uint64_t dict_size(uint32_t keys)
{
	return keys == 0 ? 64 : keys <= 5 ? 232 : keys <= 10 ? 360 : 640;
}

/* Fills d with what object j is; d->r continues with its references. */
static void describe(const gen *g, uint64_t j, desc *d)
{
	const region *rg = g->sh->regions ? region_at(g, j) : NULL;
	const type_spec *t;
	uint32_t ti;

	memset(d, 0, sizeof(*d));
	d->r.s = g->key ^ (j * SALT_OBJ);
	if (rg && j >= rg->chain_lo && j < rg->chain_hi)
		ti = g->t_node;
	else if (rg && (j == rg->table[0] || j == rg->table[1]))
		ti = g->t_table;
	else if (j == g->owner)
		ti = g->t_owner;
	else {
		uint64_t u = rng_below(&d->r, g->wsum);
		uint32_t lo = 0, hi = (uint32_t)g->sh->ntypes - 1;

		/* first type whose cumulative weight exceeds u */
		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;

			if (g->cum[mid] > u)
				hi = mid;
			else
				lo = mid + 1;
		}
		ti = lo;
	}
	t = &g->sh->types[ti];
	d->t = t;
	d->type = ti;
	d->garbage = rg && j >= rg->garb_lo && j < rg->garb_hi;
	d->nrefs = (uint32_t)rng_range(&d->r, t->rmin, t->rmax);
	/* the last node of a list that is not circular has no next */
	if (t->kind == K_NODE && j + 1 == rg->chain_hi && !rg->ring)
		d->nrefs = 1;
	switch (t->kind) {
	case K_ARRAY:
		d->size = t->smin + 8u * d->nrefs;
		break;
	case K_BUFFER: {
		uint64_t kib = 1u << rng_below(&d->r, 7);  /* 1..64 KiB */

		d->size = kib * 1024 + rng_below(&d->r, kib * 1024);
		d->size = (d->size < t->smax ? d->size : t->smax) & ~7ull;
		break;
	}
	case K_STR:
	case K_BYTES:
		/* mostly short: identifiers, keys, small payloads */
		d->text_len = (uint32_t)(rng_below(&d->r, 4) ?
					 rng_range(&d->r, 1, 16) :
					 rng_range(&d->r, 17, TEXT_MAX - 1));
		d->size = t->smin + d->text_len;
		break;
	case K_INT: {
		uint64_t c = rng_below(&d->r, 20);

		if (c < 15) {
			d->ival = (int64_t)rng_below(&d->r, 1000);
			d->size = 28;
		} else if (c < 19) {
			d->ival = (int64_t)rng_below(&d->r, 1u << 30);
			d->size = 28;
		} else {
			d->ival = (int64_t)(rng_next(&d->r) >> 2);
			d->size = d->ival < (1ll << 60) ? 32 : 36;
		}
		if (rng_below(&d->r, 8) == 0)
			d->ival = -d->ival;
		break;
	}
	case K_DICT:
		d->size = dict_size(d->nrefs);
		break;
	case K_TABLE:
		d->nrefs = (uint32_t)(j == g->regions[0].table[0] &&
				      g->R == REGION_BIG ? BIG_TABLE_REFS :
				      rng_range(&d->r, g->R / 64,
						g->R * 5 / 64));
		d->size = t->smin + 8u * d->nrefs;
		break;
	case K_OWNER:
		d->size = g->sh->labels ? dict_size(d->nrefs) : t->smin;
		break;
	default:
		d->size = t->smin + 8u * rng_below(&d->r,
					(t->smax - t->smin) / 8 + 1);
		break;
	}
}

/* ---- addresses ------------------------------------------------------------ */

/* From object j's address to object j+1's. */
static uint64_t step_after(const gen *g, uint64_t j, uint64_t size)
{
	return round16(size) + (j + 1 < g->n ? gap_before(g, j + 1) : 0);
}

static uint64_t size_of(const gen *g, uint64_t j)
{
	desc d;

	describe(g, j, &d);
	return d.size;
}

static uint64_t leak_size(const gen *g, uint64_t k)
{
	return 64 + 16 * (mix64(g->key ^ SALT_LEAK ^ (k * SALT_OBJ)) % 5);
}

static int build_blocks(gen *g)
{
	uint64_t nb = (g->n + ADDR_BLOCK - 1) / ADDR_BLOCK, a = base_addr(g);

	g->blocks = malloc(nb * sizeof(*g->blocks));
	HS_RETURN_ERROR_IF(!g->blocks, HS_ENOMEM, "synth: out of memory for "
			   "an address table of %llu entries",
			   (unsigned long long)nb);
	for (uint64_t j = 0; j < g->n; j++) {
		if (j % ADDR_BLOCK == 0)
			g->blocks[j / ADDR_BLOCK] = a;
		a += step_after(g, j, size_of(g, j));
	}
	g->end_addr = a;
	g->ring_lo = g->ring_hi = 0;
	g->ring_next = base_addr(g);
	return 0;
}

static uint64_t addr_of(const gen *g, uint64_t j)
{
	uint64_t a;

	if (j >= g->ring_lo && j < g->ring_hi)
		return g->ring[j % RING];
	a = g->blocks[j / ADDR_BLOCK];
	for (uint64_t k = j - j % ADDR_BLOCK; k < j; k++)
		a += step_after(g, k, size_of(g, k));
	return a;
}

/* id mode: keep the addresses of [i - 3095, i + 1000] in the window. */
static void ring_advance(gen *g, uint64_t i)
{
	uint64_t want = i + LOCAL_SPAN + 1 < g->n ? i + LOCAL_SPAN + 1 : g->n;

	while (g->ring_hi < want) {
		uint64_t j = g->ring_hi;

		g->ring[j % RING] = g->ring_next;
		g->ring_next += step_after(g, j, size_of(g, j));
		g->ring_hi++;
		if (g->ring_hi - g->ring_lo > RING)
			g->ring_lo++;
	}
}

/* ---- setup ---------------------------------------------------------------- */

static int check_options(const hs_synth_options *o)
{
	HS_RETURN_ERROR_IF(!o || o->version != HS_SYNTH_OPTIONS_VERSION,
			   HS_EINVAL, "synth: options version %u, expected %u",
			   o ? o->version : 0, HS_SYNTH_OPTIONS_VERSION);
	HS_RETURN_ERROR_IF((unsigned)o->shape >= N_OF(shapes), HS_EINVAL,
			   "synth: unknown shape %d", (int)o->shape);
	HS_RETURN_ERROR_IF(o->objects < HS_SYNTH_OBJECTS_MIN ||
			   o->objects > HS_SYNTH_OBJECTS_MAX, HS_EINVAL,
			   "synth: %llu objects is not in %u..%llu",
			   (unsigned long long)o->objects,
			   HS_SYNTH_OBJECTS_MIN,
			   (unsigned long long)HS_SYNTH_OBJECTS_MAX);
	HS_RETURN_ERROR_IF(o->phase != 1 && o->phase != 2, HS_EINVAL,
			   "synth: phase %u is not 1 or 2", o->phase);
	HS_RETURN_ERROR_IF(o->ref_mode != HS_REFS_BY_ID &&
			   o->ref_mode != HS_REFS_BY_INDEX, HS_EINVAL,
			   "synth: unknown reference mode %d", (int)o->ref_mode);
	HS_RETURN_ERROR_IF(o->leak_count > HS_SYNTH_LEAK_MAX, HS_EINVAL,
			   "synth: a leak of %llu objects is over %u",
			   (unsigned long long)o->leak_count,
			   HS_SYNTH_LEAK_MAX);
	return 0;
}

static void gen_release(gen *g)
{
	free(g->cum);
	free(g->regions);
	free(g->blocks);
	free(g->refs);
	free(g->labels);
	free(g->flags);
	memset(g, 0, sizeof(*g));
}

/* Type indices as declared: a repeated name ("list", "dict" in the
 * python shape) shares its first declaration's index. */
static void map_types(gen *g)
{
	uint32_t next = 0;

	for (uint32_t i = 0; i < g->sh->ntypes; i++) {
		uint32_t k = 0;

		while (strcmp(g->sh->types[k].name, g->sh->types[i].name))
			k++;
		g->tmap[i] = k < i ? g->tmap[k] : next++;
		if (g->sh->types[i].kind == K_NODE)
			g->t_node = i;
		else if (g->sh->types[i].kind == K_TABLE)
			g->t_table = i;
		else if (g->sh->types[i].kind == K_OWNER)
			g->t_owner = i;
	}
}

/* The first plain object at or after `from`, skipping `avoid`, else the
 * last one before it (a heap of 16 objects always has one). */
static uint64_t plain_spot(const gen *g, uint64_t from, uint64_t avoid)
{
	for (uint64_t j = from; j < g->n; j++)
		if (j != avoid && is_plain_spot(g, j))
			return j;
	for (uint64_t j = from; j-- > 0;)
		if (j != avoid && is_plain_spot(g, j))
			return j;
	return from;
}

static int gen_init(gen *g, const hs_synth_options *o)
{
	uint64_t acc = 0;

	memset(g, 0, sizeof(*g));
	HS_FORWARD_IF_ERROR(check_options(o));
	g->o = *o;
	g->sh = &shapes[o->shape];
	g->n = o->objects;
	g->key = mix64(o->seed ^ g->sh->salt);
	g->R = g->n >= 2 * (uint64_t)REGION_BIG ? REGION_BIG
		: g->n / 2 > 64 ? g->n / 2 : 64;
	g->leak_n = o->leak_count ? o->leak_count
		: g->n / 100 < 10 ? 10 : g->n / 100 > 1000000 ? 1000000
		: g->n / 100;
	if (g->sh->ntypes > N_OF(g->tmap))
		return hs_error_set(HS_ERROR, "synth: too many types");
	g->cum = malloc(g->sh->ntypes * sizeof(*g->cum));
	g->nregions = (g->n + g->R - 1) / g->R;
	g->regions = calloc(g->nregions, sizeof(*g->regions));
	g->refs = malloc(MAX_REFS * sizeof(*g->refs));
	g->labels = malloc(MAX_REFS * sizeof(*g->labels));
	g->flags = malloc(MAX_REFS * sizeof(*g->flags));
	if (!g->cum || !g->regions || !g->refs || !g->labels || !g->flags) {
		gen_release(g);
		return hs_error_set(HS_ENOMEM, "synth: out of memory");
	}
	for (size_t i = 0; i < g->sh->ntypes; i++) {
		acc += g->sh->types[i].weight;
		g->cum[i] = (uint32_t)acc;
	}
	g->wsum = acc;
	map_types(g);
	for (uint64_t r = 0; r < g->nregions; r++)
		region_layout(g, r, &g->regions[r]);
	/* roots, then the owner away from the first root's target */
	g->owner = UINT64_MAX;
	if (g->sh->nroots) {
		for (size_t k = 0; k < g->sh->nroots; k++)
			g->root_at[k] = fix_target(g, g->n *
						   g->sh->roots[k].at16 / 16, 0);
		g->user = g->root_at[0];
	} else {
		g->user = 0;
	}
	g->owner = plain_spot(g, g->n / 3, g->user);
	return 0;
}

/* ---- writing -------------------------------------------------------------- */

static uint64_t bench4_roots(const gen *g)
{
	uint64_t k = g->n / 1000000;

	return k < 2 ? 2 : k;
}

/* The next object nobody has claimed yet, skipping garbage runs (held
 * from inside only) and list interiors (held by their predecessor).  A
 * skipped run extends how far ahead claims may reach until the writing
 * has passed it, so that the cursor never waits at the run's end for the
 * writing to catch up (which would leave that object unclaimed). */
static uint64_t claim(gen *g, uint64_t i)
{
	for (;;) {
		uint64_t c = g->cursor, to = 0;
		const region *rg;

		if (c >= g->n)
			return UINT64_MAX;
		rg = g->sh->regions ? region_at(g, c) : NULL;
		if (rg && c > rg->chain_lo && c < rg->chain_hi)
			to = rg->chain_hi;
		else if (rg && c >= rg->garb_lo && c < rg->garb_hi)
			to = rg->garb_hi;
		if (to) {
			g->credit = (i < g->credit_until ? g->credit : 0) +
				    (to - c);
			g->credit_until = to;
			g->cursor = to;
		} else if (c == i) {
			g->cursor++;
		} else {
			return g->cursor++;
		}
	}
}

/* A target for a reference of object i: near (70%) or anywhere.  With
 * claims, a reference takes the next unclaimed object instead while that
 * one is at most CLAIM_AHEAD live objects ahead: every object but the
 * garbage then has a live referrer, as in a real heap where nearly
 * everything is reachable.  (The claimer of x is the object written when
 * the cursor passed x, a nondecreasing function of x, so claims never
 * form a cycle.) */
static uint64_t draw_target(gen *g, rng *r, uint64_t i, int garbage)
{
	int local = rng_below(r, 100) < LOCAL_PER_100;
	uint64_t t, ahead = CLAIM_AHEAD;

	if (i < g->credit_until)
		ahead += g->credit;
	if (!garbage && (g->sh->claims == CLAIM_ALL ||
			 (g->sh->claims == CLAIM_LOCAL && local)) &&
	    g->cursor < i + ahead) {
		t = claim(g, i);
		if (t != UINT64_MAX)
			return t;
	}
	if (local && g->n > 2 * LOCAL_SPAN + 1) {
		uint64_t off = rng_below(r, 2 * LOCAL_SPAN + 1);

		/* reflect at the ends so that the distance stays near */
		if (i + off < LOCAL_SPAN)
			t = i + (LOCAL_SPAN - off);
		else if (i + off - LOCAL_SPAN >= g->n)
			t = i - (off - LOCAL_SPAN);
		else
			t = i + off - LOCAL_SPAN;
	} else {
		t = rng_below(r, g->n);
	}
	return fix_target(g, t, garbage);
}

/* A label from [first, first + count): consecutive from a random start,
 * so that a dict's keys are distinct. */
static uint32_t label_of(const gen *g, uint32_t first, uint32_t count,
			 uint32_t start, uint32_t k)
{
	return g->vocab_base + first + (start + k) % count;
}

static void fill_refs(gen *g, uint64_t i, desc *d)
{
	const type_spec *t = d->t;
	uint32_t n = d->nrefs, start = 0;
	int lab = g->sh->labels;

	if (lab && (t->kind == K_DICT || t->kind == K_OWNER))
		start = (uint32_t)rng_below(&d->r, PY_KEY_N);
	else if (lab && t->kind == K_INST)
		start = (uint32_t)rng_below(&d->r, PY_ATTR_N);
	/* a node's first reference is its next node, unless it ends a list
	 * that is not circular (then it has only its value) */
	if (t->kind == K_NODE && n == 1)
		start = 1;
	for (uint32_t k = 0; k < n; k++) {
		uint64_t tgt;

		if (t->kind == K_NODE && k == 0 && n == 2) {
			const region *rg = region_at(g, i);

			tgt = i + 1 < rg->chain_hi ? i + 1 : rg->chain_lo;
		} else {
			tgt = draw_target(g, &d->r, i, d->garbage);
		}
		g->refs[k] = tgt;
		g->flags[k] = 0;
		if (g->sh->weak_256 &&
		    rng_below(&d->r, 256) < g->sh->weak_256)
			g->flags[k] = HS_REF_WEAK;
		if ((t->kind == K_CACHE && k == n - 1) || t->kind == K_WEAKREF)
			g->flags[k] = HS_REF_WEAK;
		g->labels[k] = HS_NO_LABEL;
		if (!lab)
			continue;
		switch (t->kind) {
		case K_DICT:
		case K_OWNER:
			g->labels[k] = label_of(g, PY_KEY_FIRST, PY_KEY_N,
						start, k);
			break;
		case K_INST:
			g->labels[k] = label_of(g, PY_ATTR_FIRST, PY_ATTR_N,
						start, k);
			break;
		case K_ATTRS:
		case K_NODE:
			g->labels[k] = label_of(g, t->attr_first,
						t->attr_count, start, k);
			break;
		default:
			break;
		}
	}
}

/* A str preview of exactly len bytes: words of the vocabulary joined by
 * '_', as identifiers and keys look. */
static void make_text(gen *g, rng *r, uint32_t len, int binary)
{
	uint32_t pos = 0;

	while (pos < len) {
		if (binary) {
			g->text[pos++] = (char)rng_next(r);
			continue;
		}
		const char *w = py_vocab[PY_ATTR_FIRST +
					 rng_below(r, PY_ATTR_N + PY_KEY_N)];
		size_t wl = strlen(w);

		if (wl > len - pos)
			wl = len - pos;
		memcpy(g->text + pos, w, wl);
		pos += (uint32_t)wl;
		if (pos < len)
			g->text[pos++] = '_';
	}
}

static void make_preview(gen *g, desc *d, hs_value *v)
{
	v->kind = HS_VALUE_NONE;
	switch (d->t->kind) {
	case K_STR:
	case K_BYTES:
		make_text(g, &d->r, d->text_len, d->t->kind == K_BYTES);
		v->kind = d->t->kind == K_STR ? HS_VALUE_STR : HS_VALUE_BYTES;
		v->v.s.ptr = g->text;
		v->v.s.len = d->text_len;
		break;
	case K_INT:
		v->kind = HS_VALUE_INT;
		v->v.i = d->ival;
		break;
	case K_FLOAT:
		/* timestamps and measurements */
		v->kind = HS_VALUE_FLOAT;
		v->v.f = 1.7e9 + (double)rng_below(&d->r, 100000000) / 1000.0;
		break;
	default:
		return;
	}
	g->st.previews++;
}

static void count_refs(gen *g, uint64_t i, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		uint64_t t = g->refs[k];

		if ((t > i ? t - i : i - t) <= LOCAL_SPAN)
			g->st.local_refs++;
		g->st.weak_refs += (g->flags[k] & HS_REF_WEAK) != 0;
		g->st.labelled_refs += g->labels[k] != HS_NO_LABEL;
	}
	g->st.refs += n;
}

/* In id mode, references become addresses. */
static void to_ids(gen *g, size_t n)
{
	if (g->o.ref_mode != HS_REFS_BY_ID)
		return;
	for (size_t k = 0; k < n; k++)
		g->refs[k] = addr_of(g, g->refs[k]);
}

/* The owner's extra references of phase 2, in chunks. */
static int write_leak_refs(gen *g, hs_writer *w, uint64_t leak_addr)
{
	uint64_t done = 0, a = leak_addr;

	while (done < g->leak_n) {
		size_t k = g->leak_n - done < LEAK_CHUNK
			   ? (size_t)(g->leak_n - done) : LEAK_CHUNK;

		for (size_t m = 0; m < k; m++) {
			uint64_t idx = g->n + done + m;

			if (g->o.ref_mode == HS_REFS_BY_ID) {
				g->refs[m] = a;
				a += round16(leak_size(g, done + m));
			} else {
				g->refs[m] = idx;
			}
			g->labels[m] = HS_NO_LABEL;
			g->flags[m] = 0;
		}
		if (w)
			HS_FORWARD_IF_ERROR(hs_writer_refs(w, g->refs, NULL,
							   NULL, k));
		g->st.refs += k;
		done += k;
	}
	g->st.max_refs = g->st.max_refs > g->leak_n ? g->st.max_refs
						    : g->leak_n;
	return 0;
}

static int write_types(gen *g, hs_writer *w)
{
	/* special types repeat a name ("list", "dict"): declare each name
	 * once and point the repeats at the first */
	for (size_t i = 0; i < g->sh->ntypes; i++) {
		const char *nm = g->sh->types[i].name;
		int dup = 0;

		for (size_t k = 0; k < i && !dup; k++)
			dup = strcmp(g->sh->types[k].name, nm) == 0;
		if (dup)
			continue;
		if (w)
			HS_FORWARD_IF_ERROR(hs_writer_type(NULL, w, nm,
							   strlen(nm)));
		g->st.types++;
	}
	if (g->sh->labels) {
		g->vocab_base = 0;
		for (size_t i = 0; i < PY_VOCAB_N; i++) {
			if (w)
				HS_FORWARD_IF_ERROR(hs_writer_string(NULL, w,
					py_vocab[i], strlen(py_vocab[i])));
			g->st.strings++;
		}
	}
	return 0;
}

static int write_roots(gen *g, hs_writer *w, const uint64_t *addr_at_root)
{
	size_t nr = g->sh->nroots;

	for (size_t k = 0; k < nr; k++) {
		const root_spec *rs = &g->sh->roots[k];

		if (w)
			HS_FORWARD_IF_ERROR(hs_writer_root(w, addr_at_root[k],
					    rs->kind, rs->label, rs->extra));
		g->st.roots++;
	}
	if (!nr) {
		uint64_t m = bench4_roots(g);

		for (uint64_t k = 0; k < m; k++) {
			uint64_t j = g->n * k / m;
			uint64_t ref = g->o.ref_mode == HS_REFS_BY_ID
				       ? addr_of(g, j) : j;

			if (w)
				HS_FORWARD_IF_ERROR(hs_writer_root(w, ref,
						    "global", NULL, 0));
			g->st.roots++;
		}
	}
	if (w)
		HS_FORWARD_IF_ERROR(hs_writer_root(w, g->o.ref_mode ==
				    HS_REFS_BY_ID ? addr_of(g, g->owner)
						  : g->owner, "global",
				    "app.SESSIONS", 0));
	g->st.roots++;
	return 0;
}

static int write_heap(gen *g, hs_writer *w)
{
	uint64_t addr = base_addr(g), leak_addr;
	int by_id = g->o.ref_mode == HS_REFS_BY_ID;

	HS_FORWARD_IF_ERROR(write_types(g, w));
	if (by_id)
		HS_FORWARD_IF_ERROR(build_blocks(g));
	/* only needed early in id mode (the owner names the sessions) */
	leak_addr = by_id ? g->end_addr + LEAK_GAP : 0;
	for (uint64_t i = 0; i < g->n; i++) {
		hs_object obj;
		desc d;

		describe(g, i, &d);
		if (by_id)
			ring_advance(g, i);
		fill_refs(g, i, &d);
		count_refs(g, i, d.nrefs);
		to_ids(g, d.nrefs);
		memset(&obj, 0, sizeof(obj));
		obj.id = addr;
		obj.type = g->tmap[d.type];
		obj.size = d.size;
		obj.nrefs = d.nrefs;
		obj.refs = g->refs;
		obj.labels = g->sh->labels ? g->labels : NULL;
		obj.flags = g->flags;
		obj.site = HS_NO_SITE;
		make_preview(g, &d, &obj.preview);
		if (w)
			HS_FORWARD_IF_ERROR(hs_writer_object(w, &obj));
		g->st.objects++;
		g->st.shallow += d.size;
		if (d.nrefs > g->st.max_refs)
			g->st.max_refs = d.nrefs;
		g->st.list_nodes += d.t->kind == K_NODE;
		g->st.containers += d.t->kind == K_TABLE;
		g->st.garbage += (uint64_t)d.garbage;
		if (i == g->owner && g->o.phase == 2)
			HS_FORWARD_IF_ERROR(write_leak_refs(g, w, leak_addr));
		addr += step_after(g, i, d.size);
	}
	leak_addr = addr + LEAK_GAP;
	if (g->o.phase == 2) {
		uint32_t lt = (uint32_t)g->st.types;
		uint64_t user_ref = by_id ? addr_of(g, g->user) : g->user;
		uint32_t label = g->vocab_base + PY_LABEL_USER;

		if (w)
			HS_FORWARD_IF_ERROR(hs_writer_type(&lt, w,
					    "leak.Session", 12));
		g->st.types++;
		for (uint64_t k = 0; k < g->leak_n; k++) {
			hs_object obj;

			memset(&obj, 0, sizeof(obj));
			obj.id = leak_addr;
			obj.type = lt;
			obj.size = leak_size(g, k);
			obj.nrefs = 1;
			obj.refs = &user_ref;
			obj.labels = g->sh->labels ? &label : NULL;
			obj.site = HS_NO_SITE;
			if (w)
				HS_FORWARD_IF_ERROR(hs_writer_object(w, &obj));
			g->st.objects++;
			g->st.refs++;
			g->st.labelled_refs += g->sh->labels != 0;
			g->st.shallow += obj.size;
			leak_addr += round16(obj.size);
		}
	}
	{
		uint64_t at[N_OF(g->root_at)];

		for (size_t k = 0; k < g->sh->nroots; k++)
			at[k] = by_id ? addr_of(g, g->root_at[k])
				      : g->root_at[k];
		HS_FORWARD_IF_ERROR(write_roots(g, w, at));
	}
	return 0;
}

/* ---- the public API ------------------------------------------------------- */

int hs_synth_shape_parse(hs_synth_shape *out, const char *name)
{
	for (size_t i = 0; name && i < N_OF(shapes); i++)
		if (strcmp(shapes[i].name, name) == 0) {
			*out = (hs_synth_shape)i;
			return 0;
		}
	return hs_error_set(HS_EINVAL, "synth: unknown shape \"%s\" "
			    "(service, python or bench4)", name ? name : "");
}

const char *hs_synth_shape_name(hs_synth_shape shape)
{
	return (unsigned)shape < N_OF(shapes) ? shapes[shape].name
					      : "unknown";
}

void hs_synth_header(hs_header *out, const hs_synth_options *opts)
{
	static const hs_header init = HS_HEADER_INIT;
	unsigned phase = opts && opts->phase == 2 ? 2 : 1;

	*out = init;
	out->runtime = "synthetic";
	out->runtime_version = hs_synth_shape_name(opts ? opts->shape
						   : HS_SYNTH_SERVICE);
	out->pid = 4242;
	/* fixed, so that same options give the same bytes */
	out->time_ms = 1767225600000ull + (phase - 1) * 60000ull;
	out->reason = phase == 2 ? "dumpgen phase 2" : "dumpgen phase 1";
	out->word_size = 8;
}

int hs_synth_leak_info(hs_synth_leak *out, const hs_synth_options *opts)
{
	gen g;
	desc d;
	uint64_t a;

	HS_FORWARD_IF_ERROR(gen_init(&g, opts));
	memset(out, 0, sizeof(*out));
	describe(&g, g.owner, &d);
	out->owner_index = g.owner;
	out->owner_size = d.size;
	out->owner_type = d.t->name;
	out->root_label = "app.SESSIONS";
	out->type_name = "leak.Session";
	out->count = g.leak_n;
	for (uint64_t k = 0; k < g.leak_n; k++)
		out->total_bytes += leak_size(&g, k);
	out->first_index = g.n;
	out->user_index = g.user;
	/* one pass over the sizes gives every address asked for */
	a = base_addr(&g);
	for (uint64_t j = 0; j < g.n; j++) {
		if (j == g.owner)
			out->owner_id = a;
		if (j == g.user)
			out->user_id = a;
		a += step_after(&g, j, size_of(&g, j));
	}
	out->first_id = a + LEAK_GAP;
	gen_release(&g);
	return 0;
}

int hs_synth_write(hs_synth_stats *stats, hs_writer *w,
		   const hs_synth_options *opts)
{
	gen *g = malloc(sizeof(*g));
	int rc;

	HS_RETURN_ERROR_IF(!g, HS_ENOMEM, "synth: out of memory");
	rc = gen_init(g, opts);
	if (rc < 0)
		goto done;
	rc = write_heap(g, w);
	if (rc == 0 && stats)
		*stats = g->st;
	gen_release(g);
done:
	free(g);
	return rc;
}

int hs_synth_write_file(hs_synth_stats *stats, const char *path,
			const hs_synth_options *opts,
			const hs_writer_options *wopts)
{
	hs_writer_options wo = HS_WRITER_OPTIONS_INIT;
	hs_header h;
	hs_writer *w = NULL;
	int rc;

	HS_FORWARD_IF_ERROR(check_options(opts));
	if (wopts)
		wo = *wopts;
	wo.ref_mode = opts->ref_mode;
	hs_synth_header(&h, opts);
	HS_FORWARD_IF_ERROR(hs_writer_open(&w, path, &wo, &h));
	rc = hs_synth_write(stats, w, opts);
	if (rc < 0) {
		hs_writer_abort(w);
		return rc;
	}
	return hs_writer_close(w);
}
