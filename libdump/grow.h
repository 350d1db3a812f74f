/*
 * grow.h - growing a malloc'd array by doubling (internal; the JSON-lines
 * export and import).
 */
#ifndef HS_GROW_H
#define HS_GROW_H

#include <stdint.h>
#include <stdlib.h>

/* hs_grow() : make *p hold at least need elements of elem bytes, *cap
 * being how many it holds (doubling from 16).  @return 0, or -1 (out of
 * memory, or the size overflows; *p unchanged). */
static inline int hs_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need) {
		if (c > SIZE_MAX / 2 / elem)
			return -1;
		c *= 2;
	}
	q = realloc(*p, c * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

#endif
