/*
 * synth_object.c - what object j of a synthetic heap is: its type, size,
 * reference count and text (describe), the regions that place lists,
 * garbage runs and containers, and its address in id mode; all recomputed
 * from (seed, j), so nothing per object is kept.  Also the generator's
 * setup (gen_init).
 *
 * Load: a 48-byte layout per region of 65536 objects and, in id mode
 * only, one address per 16 objects (plus a 4096-entry window of recent
 * addresses, which most references hit).
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "synth_internal.h"

uint64_t hs_synth__base_addr(const gen *g)
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

const region *hs_synth__region_at(const gen *g, uint64_t j)
{
	return &g->regions[j / g->R];
}

/* Where a reference to t lands instead: list interiors are held by
 * their predecessor only (a reference there goes to the head), and the
 * garbage runs are referenced from inside only. */
uint64_t hs_synth__fix_target(const gen *g, uint64_t t, int from_garbage)
{
	const region *rg;

	if (!g->sh->regions)
		return t;
	rg = hs_synth__region_at(g, t);
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
	rg = hs_synth__region_at(g, j);
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
void hs_synth__describe(const gen *g, uint64_t j, desc *d)
{
	const region *rg = g->sh->regions ? hs_synth__region_at(g, j) : NULL;
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
uint64_t hs_synth__step_after(const gen *g, uint64_t j, uint64_t size)
{
	return round16(size) + (j + 1 < g->n ? gap_before(g, j + 1) : 0);
}

uint64_t hs_synth__size_of(const gen *g, uint64_t j)
{
	desc d;

	hs_synth__describe(g, j, &d);
	return d.size;
}

uint64_t hs_synth__leak_size(const gen *g, uint64_t k)
{
	return 64 + 16 * (mix64(g->key ^ SALT_LEAK ^ (k * SALT_OBJ)) % 5);
}

int hs_synth__build_blocks(gen *g)
{
	uint64_t nb = (g->n + ADDR_BLOCK - 1) / ADDR_BLOCK;
	uint64_t a = hs_synth__base_addr(g);

	g->blocks = malloc(nb * sizeof(*g->blocks));
	HS_RETURN_ERROR_IF(!g->blocks, HS_ENOMEM, "synth: out of memory for "
			   "an address table of %llu entries",
			   (unsigned long long)nb);
	for (uint64_t j = 0; j < g->n; j++) {
		if (j % ADDR_BLOCK == 0)
			g->blocks[j / ADDR_BLOCK] = a;
		a += hs_synth__step_after(g, j, hs_synth__size_of(g, j));
	}
	g->end_addr = a;
	g->ring_lo = g->ring_hi = 0;
	g->ring_next = hs_synth__base_addr(g);
	return 0;
}

uint64_t hs_synth__addr_of(const gen *g, uint64_t j)
{
	uint64_t a;

	if (j >= g->ring_lo && j < g->ring_hi)
		return g->ring[j % RING];
	a = g->blocks[j / ADDR_BLOCK];
	for (uint64_t k = j - j % ADDR_BLOCK; k < j; k++)
		a += hs_synth__step_after(g, k, hs_synth__size_of(g, k));
	return a;
}

/* id mode: keep the addresses of [i - 3095, i + 1000] in the window. */
void hs_synth__ring_advance(gen *g, uint64_t i)
{
	uint64_t want = i + LOCAL_SPAN + 1 < g->n ? i + LOCAL_SPAN + 1 : g->n;

	while (g->ring_hi < want) {
		uint64_t j = g->ring_hi;

		g->ring[j % RING] = g->ring_next;
		g->ring_next += hs_synth__step_after(g, j,
						     hs_synth__size_of(g, j));
		g->ring_hi++;
		if (g->ring_hi - g->ring_lo > RING)
			g->ring_lo++;
	}
}


/* ---- setup ---------------------------------------------------------------- */

int hs_synth__check_options(const hs_synth_options *o)
{
	HS_RETURN_ERROR_IF(!o || o->version != HS_SYNTH_OPTIONS_VERSION,
			   HS_EINVAL, "synth: options version %u, expected %u",
			   o ? o->version : 0, HS_SYNTH_OPTIONS_VERSION);
	HS_RETURN_ERROR_IF((unsigned)o->shape >= hs_synth__nshapes, HS_EINVAL,
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

void hs_synth__gen_release(gen *g)
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

int hs_synth__gen_init(gen *g, const hs_synth_options *o)
{
	uint64_t acc = 0;

	memset(g, 0, sizeof(*g));
	HS_FORWARD_IF_ERROR(hs_synth__check_options(o));
	g->o = *o;
	g->sh = &hs_synth__shapes[o->shape];
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
		hs_synth__gen_release(g);
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
			g->root_at[k] = hs_synth__fix_target(g, g->n *
						   g->sh->roots[k].at16 / 16, 0);
		g->user = g->root_at[0];
	} else {
		g->user = 0;
	}
	g->owner = plain_spot(g, g->n / 3, g->user);
	return 0;
}

