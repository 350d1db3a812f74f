/*
 * bigarray.h - allocation of the analyses' big per-node and per-edge
 * arrays (internal to graph.c and dominators.c).
 *
 * Arrays of 4 MiB and more are mapped directly and advised
 * MADV_HUGEPAGE: their access pattern is random (a reference's target, a
 * dominator's label), and with 2 MiB pages one TLB entry covers 512 times
 * more of them.  Building the 41M-reference CSR of the bench heap was 2-4x
 * faster with it in the probe (bench/analysis.sh measures it:
 * HS_NO_HUGEPAGE=1 turns it off).  Mapped memory is zeroed, which the
 * flag arrays rely on; untouched pages cost nothing.
 */
#ifndef HS_BIGARRAY_H
#define HS_BIGARRAY_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HS_BIG_MIN (4u << 20)

/* A header before the data keeps the mapping's length, so that
 * hs_big_free() needs only the pointer; 64 bytes keep the alignment. */
#define HS_BIG_HDR 64u

static inline int hs_big_no_thp(void)
{
	static int cached = -1;

	if (cached < 0) {
		const char *e = getenv("HS_NO_HUGEPAGE");

		cached = e && *e && *e != '0';
	}
	return cached;
}

/* hs_big_calloc() : n * size zeroed bytes, or NULL (also on overflow).
 * Pair with hs_big_free(). */
static inline void *hs_big_calloc(size_t n, size_t size)
{
	size_t len;
	unsigned char *p;

	if (size && n > (SIZE_MAX - 2 * HS_BIG_HDR) / size)
		return NULL;
	len = n * size + HS_BIG_HDR;
	if (len < HS_BIG_MIN) {
		p = calloc(1, len);
		if (!p)
			return NULL;
		memcpy(p, &(size_t){ 0 }, sizeof(size_t));
		return p + HS_BIG_HDR;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (!hs_big_no_thp())
		madvise(p, len, MADV_HUGEPAGE);
#endif
	memcpy(p, &len, sizeof(len));
	return p + HS_BIG_HDR;
}

/* hs_big_free() : NULL-safe. */
static inline void hs_big_free(void *q)
{
	unsigned char *p;
	size_t len;

	if (!q)
		return;
	p = (unsigned char *)q - HS_BIG_HDR;
	memcpy(&len, p, sizeof(len));
	if (len)
		munmap(p, len);
	else
		free(p);
}

/* hs_big_shrink() : give back the pages past the first `keep` bytes (the
 * array keeps its address). */
static inline void hs_big_shrink(void *q, size_t keep)
{
	unsigned char *p;
	size_t len, from;

	if (!q)
		return;
	p = (unsigned char *)q - HS_BIG_HDR;
	memcpy(&len, p, sizeof(len));
	if (!len)
		return;
	from = (keep + HS_BIG_HDR + 4095) & ~(size_t)4095;
	if (from < len) {
		munmap(p + from, len - from);
		len = from;
		memcpy(p, &len, sizeof(len));
	}
}

#endif
