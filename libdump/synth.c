/*
 * synth.c - hs_synth: deterministic synthetic heaps streamed into an
 * hs_writer (the shapes are described in hs_synth.h).  This file writes
 * them; synth_internal.h lists the others.
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
#include "synth_internal.h"

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
		rg = g->sh->regions ? hs_synth__region_at(g, c) : NULL;
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
	return hs_synth__fix_target(g, t, garbage);
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
			const region *rg = hs_synth__region_at(g, i);

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
		const char *w = hs_synth__py_vocab[PY_ATTR_FIRST +
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
		g->refs[k] = hs_synth__addr_of(g, g->refs[k]);
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
				a += round16(hs_synth__leak_size(g, done + m));
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
		for (size_t i = 0; i < hs_synth__py_vocab_n; i++) {
			if (w)
				HS_FORWARD_IF_ERROR(hs_writer_string(NULL, w,
					hs_synth__py_vocab[i],
					strlen(hs_synth__py_vocab[i])));
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
				       ? hs_synth__addr_of(g, j) : j;

			if (w)
				HS_FORWARD_IF_ERROR(hs_writer_root(w, ref,
						    "global", NULL, 0));
			g->st.roots++;
		}
	}
	if (w)
		HS_FORWARD_IF_ERROR(hs_writer_root(w, g->o.ref_mode ==
				    HS_REFS_BY_ID
				    ? hs_synth__addr_of(g, g->owner) : g->owner,
				    "global", "app.SESSIONS", 0));
	g->st.roots++;
	return 0;
}

static int write_heap(gen *g, hs_writer *w)
{
	uint64_t addr = hs_synth__base_addr(g), leak_addr;
	int by_id = g->o.ref_mode == HS_REFS_BY_ID;

	HS_FORWARD_IF_ERROR(write_types(g, w));
	if (by_id)
		HS_FORWARD_IF_ERROR(hs_synth__build_blocks(g));
	/* only needed early in id mode (the owner names the sessions) */
	leak_addr = by_id ? g->end_addr + LEAK_GAP : 0;
	for (uint64_t i = 0; i < g->n; i++) {
		hs_object obj;
		desc d;

		hs_synth__describe(g, i, &d);
		if (by_id)
			hs_synth__ring_advance(g, i);
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
		addr += hs_synth__step_after(g, i, d.size);
	}
	leak_addr = addr + LEAK_GAP;
	if (g->o.phase == 2) {
		uint32_t lt = (uint32_t)g->st.types;
		uint64_t user_ref = by_id ? hs_synth__addr_of(g, g->user)
					  : g->user;
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
			obj.size = hs_synth__leak_size(g, k);
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
			at[k] = by_id ? hs_synth__addr_of(g, g->root_at[k])
				      : g->root_at[k];
		HS_FORWARD_IF_ERROR(write_roots(g, w, at));
	}
	return 0;
}


/* ---- the public API ------------------------------------------------------- */

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

	HS_FORWARD_IF_ERROR(hs_synth__gen_init(&g, opts));
	memset(out, 0, sizeof(*out));
	hs_synth__describe(&g, g.owner, &d);
	out->owner_index = g.owner;
	out->owner_size = d.size;
	out->owner_type = d.t->name;
	out->root_label = "app.SESSIONS";
	out->type_name = "leak.Session";
	out->count = g.leak_n;
	for (uint64_t k = 0; k < g.leak_n; k++)
		out->total_bytes += hs_synth__leak_size(&g, k);
	out->first_index = g.n;
	out->user_index = g.user;
	/* one pass over the sizes gives every address asked for */
	a = hs_synth__base_addr(&g);
	for (uint64_t j = 0; j < g.n; j++) {
		if (j == g.owner)
			out->owner_id = a;
		if (j == g.user)
			out->user_id = a;
		a += hs_synth__step_after(&g, j, hs_synth__size_of(&g, j));
	}
	out->first_id = a + LEAK_GAP;
	hs_synth__gen_release(&g);
	return 0;
}

int hs_synth_write(hs_synth_stats *stats, hs_writer *w,
		   const hs_synth_options *opts)
{
	gen *g = malloc(sizeof(*g));
	int rc;

	HS_RETURN_ERROR_IF(!g, HS_ENOMEM, "synth: out of memory");
	rc = hs_synth__gen_init(g, opts);
	if (rc < 0)
		goto done;
	rc = write_heap(g, w);
	if (rc == 0 && stats)
		*stats = g->st;
	hs_synth__gen_release(g);
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

	HS_FORWARD_IF_ERROR(hs_synth__check_options(opts));
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
