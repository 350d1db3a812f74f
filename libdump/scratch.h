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
 * grows.  One array is used by one thread at a time.  Arrays written in
 * order are released behind the writer (hs_scratch_release); arrays read
 * at random afterwards are read through a view (below), which keeps the
 * resident set bounded.
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
 * hs_scratch_view : reading an array at random with a bounded resident
 * set.  A page of a mapping, once touched, stays resident until it is
 * released, and releasing the pages of an array read at random only to
 * fault them in again costs far more than reading them (a walk over a
 * 200 MB array took 100 s so); a view reads blocks with pread(2) into a
 * direct-mapped cache of its own instead, and what is mapped of the
 * array is released when the view starts.  An array no larger than the
 * cache is read through its mapping.  Only for arrays that are no longer
 * written; one thread.
 */
typedef struct {
	const hs_scratch *a;
	unsigned char *data;      /* nslots blocks, or NULL: direct */
	uint64_t *tags;           /* block number + 1 per slot */
	size_t nslots;            /* a power of two */
	uint64_t misses;
} hs_scratch_view;

#define HS_SCRATCH_BLOCK 8192u

/** hs_scratch_view_init() : a view of a with a cache of about `bytes`;
 *  pair with hs_scratch_view_free().  @return 0 or HS_ENOMEM. */
int hs_scratch_view_init(hs_scratch_view *v, hs_scratch *a, size_t bytes);

/** The block of byte offset off, read in when missing; NULL on a read
 *  error (the file went away: the message is set). */
const unsigned char *hs_scratch__block(hs_scratch_view *v, uint64_t off);

/** hs_scratch_at() : element i (elem bytes that do not cross a block:
 *  the element size divides HS_SCRATCH_BLOCK), or NULL on a read error. */
static inline const void *hs_scratch_at(hs_scratch_view *v, size_t i)
{
	uint64_t off = (uint64_t)i * v->a->elem;
	const unsigned char *b;

	if (!v->data)
		return v->a->p + off;
	b = hs_scratch__block(v, off);
	return b ? b + off % HS_SCRATCH_BLOCK : NULL;
}

/** hs_scratch_read() : n bytes from byte offset off (which may cross
 *  blocks) into out.  @return 0 or HS_EIO. */
int hs_scratch_read(hs_scratch_view *v, uint64_t off, void *out, size_t n);

/** hs_scratch_view_free() : NULL-safe. */
void hs_scratch_view_free(hs_scratch_view *v);

/** hs_scratch_free() : unmap and close (the file goes with it).
 *  NULL-safe; the array may be used again after hs_scratch_init. */
void hs_scratch_free(hs_scratch *a);

#endif
