/*
 * imap.c - hs_imap: uint32 -> uint32 by open addressing (see imap.h).
 *
 * Load: 16 bytes per entry at most (8-byte slots, half full at most);
 * a put or a get is one multiplication and a short probe.
 */
#include <stdlib.h>
#include <string.h>

#include "imap.h"

#define EMPTY UINT64_MAX

static size_t slot_of(uint32_t key, size_t cap)
{
	/* Fibonacci hashing: the top bits of key * 2^64/phi */
	return (size_t)(((uint64_t)key * 0x9e3779b97f4a7c15ull) >> 32) &
	       (cap - 1);
}

void hs_imap_init(hs_imap *m)
{
	m->slots = NULL;
	m->cap = m->n = 0;
}

void hs_imap_release(hs_imap *m)
{
	free(m->slots);
	hs_imap_init(m);
}

static int rehash(hs_imap *m, size_t cap)
{
	uint64_t *old = m->slots, *s;
	size_t oldcap = m->cap;

	if (cap > SIZE_MAX / sizeof(*s))
		return -1;
	s = malloc(cap * sizeof(*s));
	if (!s)
		return -1;
	memset(s, 0xff, cap * sizeof(*s));
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;

		if (old[i] == EMPTY)
			continue;
		j = slot_of((uint32_t)(old[i] >> 32), cap);
		while (s[j] != EMPTY)
			j = (j + 1) & (cap - 1);
		s[j] = old[i];
	}
	free(old);
	m->slots = s;
	m->cap = cap;
	return 0;
}

int hs_imap_put(hs_imap *m, uint32_t key, uint32_t value)
{
	size_t j;

	if (value == HS_IMAP_NONE)
		return -1;
	if (2 * (m->n + 1) > m->cap &&
	    rehash(m, m->cap ? 2 * m->cap : 64) < 0)
		return -1;
	j = slot_of(key, m->cap);
	while (m->slots[j] != EMPTY) {
		if ((uint32_t)(m->slots[j] >> 32) == key)
			return 0;
		j = (j + 1) & (m->cap - 1);
	}
	m->slots[j] = (uint64_t)key << 32 | value;
	m->n++;
	return 1;
}

uint32_t hs_imap_get(const hs_imap *m, uint32_t key)
{
	size_t j;

	if (!m->cap)
		return HS_IMAP_NONE;
	j = slot_of(key, m->cap);
	while (m->slots[j] != EMPTY) {
		if ((uint32_t)(m->slots[j] >> 32) == key)
			return (uint32_t)m->slots[j];
		j = (j + 1) & (m->cap - 1);
	}
	return HS_IMAP_NONE;
}
