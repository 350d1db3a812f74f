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
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (!env_on("HS_NO_HUGEPAGE"))
		madvise(p, len, MADV_HUGEPAGE);
#endif
	return p;
}

/* Takes the smallest pooled mapping of at least len bytes, splitting off
 * a big enough rest.  @return it, or NULL. */
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
		set_len(p, len);
	}
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
	len = page_round(len);
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
	want = page_round(want);
	if (!p || !len) {
		/* new, or a small calloc'd block: start a mapping */
		np = hs_big_calloc(want - HDR, 1);
		if (!np)
			return -1;
		np -= HDR;
		if (p) {
			memcpy(np + HDR, p + HDR, *cap);
			free(p);
		}
	} else {
		np = mremap(p, len, want, MREMAP_MAYMOVE);
		if (np == MAP_FAILED)
			return -1;
		set_len(np, want);
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
	from = page_round(keep + HDR);
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
