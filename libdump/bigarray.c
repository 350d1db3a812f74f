/*
 * bigarray.c - mapped, pooled big arrays (see bigarray.h for why).
 *
 * Load: nothing of its own beyond the pool, a table of 64 mappings and at
 * most HS_BIG_POOL_MAX bytes of memory freed and not yet reused.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bigarray.h"

/* Each block starts with this header; 64 bytes keep the data aligned. */
#define HDR 64u
#define PAGE 4096u
#define HUGE ((size_t)2 << 20)  /* a transparent huge page */
#define POOL_SLOTS 64

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	unsigned char *base;
	size_t len;
} pool[POOL_SLOTS];
static size_t pool_n, pool_bytes;

static int env_on(const char *name)
{
	const char *e = getenv(name);

	return e && *e && *e != '0';
}

static size_t page_round(size_t n)
{
	return (n + PAGE - 1) & ~(size_t)(PAGE - 1);
}

/* Mappings of a huge page and more are whole huge pages, at huge page
 * boundaries: pieces of them then move between mappings as whole huge
 * pages (see pool_take). */
static size_t block_round(size_t n)
{
	return n < HUGE ? page_round(n) : (n + HUGE - 1) & ~(HUGE - 1);
}

static void set_len(unsigned char *base, size_t len)
{
	memcpy(base, &len, sizeof(len));
}

static size_t get_len(const unsigned char *base)
{
	size_t len;

	memcpy(&len, base, sizeof(len));
	return len;
}

static unsigned char *map_new(size_t len)
{
	size_t pad = len >= HUGE ? HUGE : 0, lead;
	unsigned char *p = mmap(NULL, len + pad, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (pad) {
		lead = (HUGE - (uintptr_t)p % HUGE) % HUGE;
		if (lead)
			munmap(p, lead);
		if (pad - lead)
			munmap(p + lead + len, pad - lead);
		p += lead;
	}
#ifdef MADV_HUGEPAGE
	if (!env_on("HS_NO_HUGEPAGE"))
		madvise(p, len, MADV_HUGEPAGE);
#endif
	return p;
}

/* Moves pooled pages into a new mapping of len bytes, largest blocks
 * first, with mremap: page tables move, and with them the pages that were
 * resident, so no page is faulted in or copied; what the pool cannot
 * fill stays fresh.  Under pool_lock.  @return the mapping, or NULL. */
static unsigned char *pool_gather(size_t len)
{
	unsigned char *p = map_new(len);
	size_t at = 0;

	if (!p)
		return NULL;
	while (at < len) {
		size_t bi = pool_n, take;
		unsigned char *q;

		for (size_t i = 0; i < pool_n; i++)
			if (pool[i].len >= HUGE &&
			    (bi == pool_n || pool[i].len > pool[bi].len))
				bi = i;
		if (bi == pool_n)
			break;
		take = pool[bi].len < len - at ? pool[bi].len : len - at;
		q = mremap(pool[bi].base, take, take,
			   MREMAP_MAYMOVE | MREMAP_FIXED, p + at);
		if (q == MAP_FAILED)
			break;
		pool_bytes -= take;
		pool[bi].base += take;
		pool[bi].len -= take;
		if (pool[bi].len < HS_BIG_MIN) {
			if (pool[bi].len)
				munmap(pool[bi].base, pool[bi].len);
			pool_bytes -= pool[bi].len;
			pool[bi] = pool[--pool_n];
		}
		at += take;
	}
	return p;
}

/* Takes the smallest pooled mapping of at least len bytes, splitting off
 * a big enough rest; else, when the pool holds huge pages, a mapping made
 * of them (pool_gather).  @return it, or NULL (map a new one). */
static unsigned char *pool_take(size_t len)
{
	unsigned char *p = NULL;
	size_t best = SIZE_MAX, bi = 0;

	pthread_mutex_lock(&pool_lock);
	for (size_t i = 0; i < pool_n; i++) {
		if (pool[i].len >= len && pool[i].len < best) {
			best = pool[i].len;
			bi = i;
		}
	}
	if (best != SIZE_MAX) {
		p = pool[bi].base;
		if (best - len >= HS_BIG_MIN) {
			pool[bi].base = p + len;
			pool[bi].len = best - len;
			pool_bytes -= len;
		} else {
			len = best;
			pool[bi] = pool[--pool_n];
			pool_bytes -= best;
		}
	} else if (pool_bytes >= HUGE) {
		p = pool_gather(len);
	}
	if (p)
		set_len(p, len);
	pthread_mutex_unlock(&pool_lock);
	return p;
}

void *hs_big_calloc(size_t n, size_t size)
{
	size_t len;
	unsigned char *p;

	if (size && n > (SIZE_MAX - 2 * HDR - PAGE) / size)
		return NULL;
	len = n * size + HDR;
	if (len < HS_BIG_MIN) {
		p = calloc(1, len);
		if (!p)
			return NULL;
		set_len(p, 0);
		return p + HDR;
	}
	len = block_round(len);
	p = pool_take(len);
	if (p) {
		memset(p + HDR, 0, n * size);
		return p + HDR;
	}
	p = map_new(len);
	if (!p)
		return NULL;
	set_len(p, len);
	return p + HDR;
}

/* The block's length up to its last resident page (rounded up to a huge
 * page): what a growable array never reached is cut off before pooling,
 * so that the pool holds memory that costs no fault to reuse, and no
 * more address space than that. */
static size_t resident_len(unsigned char *p, size_t len)
{
	size_t pages = len / PAGE, last = 0;
	unsigned char *vec = malloc(pages ? pages : 1);

	if (!vec)
		return len;
	if (mincore(p, len, vec) != 0) {
		free(vec);
		return len;
	}
	for (size_t i = pages; i-- > 0;) {
		if (vec[i] & 1) {
			last = i + 1;
			break;
		}
	}
	free(vec);
	return block_round(last * PAGE > HDR ? last * PAGE : HDR);
}

void hs_big_free(void *q)
{
	unsigned char *p;
	size_t len;

	if (!q)
		return;
	p = (unsigned char *)q - HDR;
	len = get_len(p);
	if (!len) {
		free(p);
		return;
	}
	if (!env_on("HS_NO_BIGPOOL")) {
		size_t keep = resident_len(p, len);

		if (keep + HS_BIG_MIN <= len) {
			munmap(p + keep, len - keep);
			len = keep;
		}
		pthread_mutex_lock(&pool_lock);
		if (pool_n < POOL_SLOTS && pool_bytes + len <= HS_BIG_POOL_MAX) {
			pool[pool_n].base = p;
			pool[pool_n].len = len;
			pool_n++;
			pool_bytes += len;
			p = NULL;
		}
		pthread_mutex_unlock(&pool_lock);
	}
	if (p)
		munmap(p, len);
}

int hs_big_grow(void **pp, size_t *cap, size_t need)
{
	unsigned char *p = *pp ? (unsigned char *)*pp - HDR : NULL;
	size_t len, want;
	unsigned char *np;

	if (need <= *cap && p)
		return 0;
	if (need > SIZE_MAX / 2 - HDR)
		return -1;
	want = need + HDR;
	if (want < 2u * HS_BIG_MIN)
		want = 2u * HS_BIG_MIN;
	len = p ? get_len(p) : 0;
	if (want < 2 * len)
		want = 2 * len;
	want = block_round(want);
	if (p && len) {
		np = mremap(p, len, want, MREMAP_MAYMOVE);
		if (np != MAP_FAILED) {
			set_len(np, want);
			*pp = np + HDR;
			*cap = want - HDR;
			return 0;
		}
		/* a mapping pool_gather made of several cannot grow in place */
	}
	/* new, a small calloc'd block, or one that could not grow: copy */
	np = hs_big_calloc(want - HDR, 1);
	if (!np)
		return -1;
	np -= HDR;
	if (p) {
		memcpy(np + HDR, p + HDR, *cap);
		hs_big_free(p + HDR);
	}
	*pp = np + HDR;
	*cap = get_len(np) - HDR;
	return 0;
}

void hs_big_shrink(void *q, size_t keep)
{
	unsigned char *p;
	size_t len, from;

	if (!q)
		return;
	p = (unsigned char *)q - HDR;
	len = get_len(p);
	if (!len)
		return;
	from = block_round(keep + HDR);
	if (from + HS_BIG_MIN <= len) {
		munmap(p + from, len - from);
		set_len(p, from);
	}
}

void hs_big_trim(void)
{
	pthread_mutex_lock(&pool_lock);
	for (size_t i = 0; i < pool_n; i++)
		munmap(pool[i].base, pool[i].len);
	pool_n = 0;
	pool_bytes = 0;
	pthread_mutex_unlock(&pool_lock);
}
