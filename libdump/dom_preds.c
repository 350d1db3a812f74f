/*
 * dom_preds.c - the predecessor lists of the dominator computation (the
 * graph's strong references reversed) and the ring through which the
 * second thread hands them, in preorder numbers, to the semi pass just
 * before it reads them (see dominators.c).
 *
 * Load: 4 bytes per node and per strong reference (the lists), 4 MiB
 * (the ring).  Time: one pass over the references to count, one to fill,
 * then one random read per reference (its source's preorder number).
 */
#include <sched.h>
#include <stdio.h>

#include "bigarray.h"
#include "dom_steps.h"
#include "error.h"
#include "timing.h"

static int helper_fail(build *b, int rc)
{
	snprintf(b->helper_msg, sizeof(b->helper_msg), "%s", hs_error_last());
	atomic_store(&b->helper_rc, rc);
	return rc;
}

/* The strong references reversed, in node numbers: count, then fill
 * (a transpose); the counters' next lines are asked for ahead. */
int dom_preds_build(build *b)
{
	const uint32_t *off = b->off, *tg = b->tg;
	const uint8_t *fl = b->fl;
	uint32_t n = b->n, *in_off, *in_src;
	uint64_t ne = off[n], total = 0;
	const uint64_t ahead = 32;

	in_off = hs_big_calloc((size_t)n + 2, 4);
	HS_RETURN_ERROR_IF(!in_off, HS_ENOMEM, "out of memory for the "
			   "predecessors of %u objects", n);
	for (uint64_t x = 0; x < ne; x++) {
		if (x + ahead < ne)
			__builtin_prefetch(&in_off[tg[x + ahead] + 1], 1);
		if (!b->weak || !(fl[x] & HS_REF_WEAK))
			in_off[tg[x] + 1]++;
	}
	for (uint32_t v = 0; v <= n; v++) {
		total += in_off[v + 1];
		in_off[v + 1] = (uint32_t)total;  /* < 2^32: checked */
	}
	in_src = hs_big_calloc(total + 1, 4);
	if (!in_src) {
		hs_big_free(in_off);
		return hs_error_set(HS_ENOMEM, "out of memory for %llu "
				    "predecessors", (unsigned long long)total);
	}
	/* in_off[t] is the cursor of t's list while filling: shift back */
	for (uint32_t v = 0; v < n; v++) {
		for (uint32_t x = off[v]; x < off[v + 1]; x++) {
			if (x + ahead < ne)
				__builtin_prefetch(&in_off[tg[x + ahead]], 1);
			if (!b->weak || !(fl[x] & HS_REF_WEAK))
				in_src[in_off[tg[x]]++] = v;
		}
	}
	for (uint32_t v = n + 1; v > 0; v--)
		in_off[v] = in_off[v - 1];
	in_off[0] = 0;
	b->in_off = in_off;
	b->in_src = in_src;
	return 0;
}

/* Writes predecessors into the ring up to entry `limit`, from where it
 * stopped (b->pw, b->pq), asking ahead for the preorder numbers of a
 * later node's predecessors. */
static void ring_fill(build *b, uint64_t limit)
{
	const hs_dom *d = b->d;
	const uint32_t *vert = d->vert, *pre = d->pre;
	const uint32_t *in_off = b->in_off, *in_src = b->in_src;
	uint32_t *ring = b->ring;
	uint64_t wp = b->wp;
	uint32_t w = b->pw, q = b->pq;
	const uint32_t ahead = 16;

	while (w >= 1 && wp < limit) {
		uint32_t x = vert[w];

		if (q == NONE) {
			/* three nodes ahead, at three distances: the offsets
			 * of one, the list of a nearer one, the preorder
			 * numbers in a nearer one's list */
			if (w > 3 * ahead)
				__builtin_prefetch(&in_off[vert[w - 3 * ahead]]);
			if (w > 2 * ahead)
				__builtin_prefetch(
					&in_src[in_off[vert[w - 2 * ahead]]]);
			if (w > ahead) {
				uint32_t y = vert[w - ahead];

				for (uint32_t k = in_off[y]; k < in_off[y + 1];
				     k++)
					__builtin_prefetch(&pre[in_src[k]]);
			}
			q = in_off[x];
			if (hs_graph_is_root(b->g, x)) {
				ring[wp++ % RING] = 0;
				continue;
			}
		}
		for (; q < in_off[x + 1] && wp < limit; q++) {
			uint32_t p = pre[in_src[q]];

			if (p != NONE)
				ring[wp++ % RING] = p;
		}
		if (q == in_off[x + 1] && wp < limit) {
			ring[wp++ % RING] = NONE;
			w--;
			q = NONE;
		}
	}
	b->wp = wp;
	b->pw = w;
	b->pq = q;
}

/* The helper's share of the semi pass: the ring, kept full. */
static void ring_produce(build *b)
{
	uint64_t rp = 0;
	unsigned spins = 0;

	while (b->pw >= 1) {
		uint64_t limit = rp + RING, chunk = b->wp + RING / 16;

		if (b->wp == limit) {
			/* full: wait for the semi pass to read on */
			rp = atomic_load_explicit(&b->rpos,
						  memory_order_acquire);
			if (atomic_load(&b->stop))
				return;
			if (b->wp == rp + RING && ++spins > 64)
				sched_yield();
			continue;
		}
		spins = 0;
		ring_fill(b, chunk < limit ? chunk : limit);
		atomic_store_explicit(&b->wpos, b->wp, memory_order_release);
	}
}

/* The helper: predecessor lists while the DFS runs, then the ring.  On
 * error it sets helper_rc and stops. */
void *dom_helper_run(void *arg)
{
	build *b = arg;
	double t = 0;
	int over;

	hs_timing_step("dom", NULL, &t);
	if (dom_preds_build(b) < 0) {
		helper_fail(b, HS_ENOMEM);
		return NULL;
	}
	hs_timing_step("dom", "preds", &t);
	pthread_mutex_lock(&b->mu);
	while (!b->dfs_over)
		pthread_cond_wait(&b->cv, &b->mu);
	over = b->dfs_over;
	pthread_mutex_unlock(&b->mu);
	if (over < 0)
		return NULL;  /* the DFS failed */
	ring_produce(b);
	return NULL;
}

/* More of the ring to read from entry r: waits for the helper, or
 * (alone) fills it.  @return how far it may be read, or 0 (the helper
 * failed). */
uint64_t dom_ring_more(build *b, uint64_t r)
{
	uint64_t w;
	unsigned spins = 0;

	if (!b->threaded) {
		ring_fill(b, r + RING);
		return b->wp;
	}
	atomic_store_explicit(&b->rpos, r, memory_order_release);
	while ((w = atomic_load_explicit(&b->wpos, memory_order_acquire)) <= r) {
		if (atomic_load(&b->helper_rc) < 0)
			return 0;
		if (++spins > 64)
			sched_yield();
	}
	return w;
}
