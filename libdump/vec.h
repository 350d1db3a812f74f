/*
 * vec.h - growing an array: the one place libdump sizes a realloc'd array,
 * so that no element count times element size can wrap around size_t.
 *
 * Callers keep the pointer, the count and the capacity (in elements)
 * themselves, and set the error message: they know what the array holds.
 * Arrays that may reach gigabytes use bigarray.h instead (mmap'd, pooled).
 */
#ifndef HS_VEC_H
#define HS_VEC_H

#include <stdint.h>
#include <stdlib.h>

#include "hs_common.h"

/*
 * hs_vec_reserve() : make *p hold exactly `need` elements of `elem` bytes
 * when it holds fewer (*cap of them); nothing otherwise.  For buffers whose
 * size is known (a frame of a declared size).
 * @return 0, or HS_ENOMEM (need * elem overflows, or realloc failed; *p
 *         and *cap are then unchanged).
 */
static inline int hs_vec_reserve(void **p, size_t *cap, size_t need,
				 size_t elem)
{
	void *q;

	if (need <= *cap)
		return 0;
	if (elem && need > SIZE_MAX / elem)
		return HS_ENOMEM;
	q = realloc(*p, need * elem);
	if (!q)
		return HS_ENOMEM;
	*p = q;
	*cap = need;
	return 0;
}

/*
 * hs_vec_grow() : make room for `need` elements of `elem` bytes, doubling
 * the capacity (from 16) until it holds them, so that n appends one at a
 * time cost O(n) copying.
 * @return 0, or HS_ENOMEM (the size overflows, or realloc failed; *p and
 *         *cap are then unchanged).
 */
static inline int hs_vec_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 16;

	if (need <= *cap)
		return 0;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			return HS_ENOMEM;
		c *= 2;
	}
	return hs_vec_reserve(p, cap, c, elem);
}

#endif
