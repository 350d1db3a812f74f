/*
 * addrmap.c - the walk's address maps and its memory accounting: open
 * addressing over addresses (never 0) with linear probing, 16 bytes per
 * slot, at most 3/4 full, grown by half.  Maps of 2 MiB and more are
 * mmap'd and asked for huge pages.  The lookups are inline in walk.h.
 */
#include "walk.h"

#include <stdlib.h>
#include <sys/mman.h>


int oom(walk *W, const char *what)
{
	return fail(W, hs_error_set(HS_ENOMEM, "heapsnap: out of memory "
				    "for %s", what));
}

/* Big maps are mapped directly and asked for huge pages: lookups are
 * random, and 4 KiB pages would make most of them a TLB miss too. */
#define AM_HUGE (2u << 20)

int am_init(walk *W, addr_map *m, size_t cap)
{
	size_t bytes;

	if (cap < 1024)
		cap = 1024;
	bytes = cap * sizeof(*m->s);
	if (bytes >= AM_HUGE) {
		bytes = (bytes + AM_HUGE - 1) / AM_HUGE * AM_HUGE;
		cap = bytes / sizeof(*m->s);
		m->s = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m->s == MAP_FAILED)
			m->s = NULL;
		else
			madvise(m->s, bytes, MADV_HUGEPAGE);
		m->mapped = 1;
	} else {
		m->s = calloc(cap, sizeof(*m->s));
		m->mapped = 0;
	}
	if (!m->s)
		return oom(W, "the object map");
	m->cap = cap;
	m->n = 0;
	mem_add(W, bytes, 0);
	return 0;
}

void am_free(walk *W, addr_map *m)
{
	if (m->s) {
		mem_add(W, 0, m->cap * sizeof(*m->s));
		if (m->mapped)
			munmap(m->s, m->cap * sizeof(*m->s));
		else
			free(m->s);
	}
	memset(m, 0, sizeof(*m));
}

static int am_grow(walk *W, addr_map *m)
{
	addr_map old = *m;

	if (am_init(W, m, old.cap + old.cap / 2) < 0) {
		*m = old;
		return W->err;
	}
	for (size_t i = 0; i < old.cap; i++)
		if (old.s[i].key)
			*am_find(m, old.s[i].key) = old.s[i];
	m->n = old.n;
	am_free(W, &old);
	return 0;
}

int am_put(walk *W, addr_map *m, uint64_t a, uint32_t v, uint32_t *out)
{
	am_slot_t *s;

	if ((m->n + 1) * 4 > m->cap * 3 && am_grow(W, m) < 0)
		return W->err;
	s = am_find(m, a);
	if (s->key) {
		if (out)
			*out = s->val;
		return 0;
	}
	s->key = a;
	s->val = v;
	s->inc = 0;
	m->n++;
	return 1;
}
