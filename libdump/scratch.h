/*
 * scratch.h - big temporary arrays backed by unlinked files (internal;
 * used by the V8 import, v8_*.c).
 *
 * An importer that must not hold its input in memory still needs arrays
 * proportional to it: a V8 snapshot's nodes and edges arrive before the
 * strings that name them.  A scratch array is a shared mapping of a file
 * of its own that has no name (O_TMPFILE in the scratch directory, or a
 * file unlinked as soon as it is made), so nothing is left on disk
 * whatever happens to the process.  It reads and writes at memory speed
 * while the page cache holds it; its pages are the kernel's to write
 * back and evict, and hs_scratch_release() takes them out of the
 * process's resident memory, which is what bounds an import's memory.
 *
 * Growing keeps the content (ftruncate then mremap: no copy); new
 * elements read as zero.  Pointers into an array are valid until it
 * grows.  One array is used by one thread.
 */
#ifndef HS_SCRATCH_H
#define HS_SCRATCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	unsigned char *p;   /* the elements (NULL before the first grow) */
	size_t elem;        /* bytes per element */
	size_t cap;         /* elements the file holds */
	size_t bytes;       /* mapped bytes (cap * elem, rounded up) */
	int fd;             /* -1 before the first grow */
	const char *dir;    /* the caller's; must outlive the array */
	const char *what;   /* names the array in messages */
	size_t keep;        /* the resident bound (see hs_scratch_touch) */
	size_t touched;     /* bytes touched since the last release */
} hs_scratch;

/** hs_scratch_init() : an empty array of elem-byte elements whose file
 *  will be made in dir; pair with hs_scratch_free().  Allocates nothing. */
void hs_scratch_init(hs_scratch *a, const char *dir, size_t elem,
		     const char *what);

/**
 * hs_scratch_reserve() : make the array hold at least n elements (new
 * ones zero), growing by doubling.
 * @return 0, HS_EIO (cannot make, extend or map the file: the message
 *         names the directory), HS_ELIMIT (n * elem overflows).
 */
int hs_scratch__grow(hs_scratch *a, size_t n);

static inline int hs_scratch_reserve(hs_scratch *a, size_t n)
{
	return n <= a->cap ? 0 : hs_scratch__grow(a, n);
}

/** hs_scratch_release() : drop the mapped pages of elements [from, to)
 *  from resident memory (their content stays in the file); pages that
 *  hold elements outside the range are kept. */
void hs_scratch_release(hs_scratch *a, size_t from, size_t to);

/**
 * hs_scratch_touch() : account for about `bytes` of the array touched;
 * once more than a->keep bytes were touched since the last release, the
 * whole array is released.  A caller walking an array at random calls it
 * once per access with the page size (or per batch), so that at most
 * keep bytes of the array stay resident.  keep = 0 (the default)
 * releases nothing.
 */
void hs_scratch__release_all(hs_scratch *a);

static inline void hs_scratch_touch(hs_scratch *a, size_t bytes)
{
	if (a->keep && (a->touched += bytes) > a->keep)
		hs_scratch__release_all(a);
}

/** hs_scratch_free() : unmap and close (the file goes with it).
 *  NULL-safe; the array may be used again after hs_scratch_init. */
void hs_scratch_free(hs_scratch *a);

#endif
