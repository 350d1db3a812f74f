/*
 * scratch.c - big temporary arrays in unlinked files (see scratch.h).
 *
 * Load: nothing but the mappings; a growth costs an ftruncate and an
 * mremap, never a copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "error.h"
#include "scratch.h"

#define PAGE 4096u

void hs_scratch_init(hs_scratch *a, const char *dir, size_t elem,
		     const char *what)
{
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->dir = dir;
	a->elem = elem;
	a->what = what;
}

/* A file with no name in dir: O_TMPFILE, else a name unlinked at once. */
static int open_nameless(const char *dir)
{
	char path[4096];
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR &&
			errno != EINVAL))
		return fd;
	if ((size_t)snprintf(path, sizeof(path), "%s/.heapsnap-XXXXXX",
			     dir) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

int hs_scratch__grow(hs_scratch *a, size_t n)
{
	size_t cap = a->cap ? a->cap : (1u << 20) / a->elem + 1, bytes;
	void *p;

	while (cap < n) {
		if (cap > SIZE_MAX / 2)
			break;
		cap *= 2;
	}
	if (cap < n || cap > (SIZE_MAX - PAGE) / a->elem)
		return hs_error_set(HS_ELIMIT, "scratch %s: %zu elements of "
				    "%zu bytes do not fit", a->what, n,
				    a->elem);
	bytes = (cap * a->elem + PAGE - 1) / PAGE * PAGE;
	if (a->fd < 0) {
		a->fd = open_nameless(a->dir);
		if (a->fd < 0)
			return hs_error_set(HS_EIO, "%s: cannot make a scratch "
					    "file: %s", a->dir,
					    strerror(errno));
	}
	if (ftruncate(a->fd, (off_t)bytes) < 0)
		return hs_error_set(HS_EIO, "%s: cannot grow a scratch file "
				    "to %zu bytes: %s", a->dir, bytes,
				    strerror(errno));
	if (a->p)
		p = mremap(a->p, a->bytes, bytes, MREMAP_MAYMOVE);
	else
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
			 a->fd, 0);
	if (p == MAP_FAILED)
		return hs_error_set(HS_EIO, "%s: cannot map %zu bytes of "
				    "scratch: %s", a->dir, bytes,
				    strerror(errno));
	a->p = p;
	a->bytes = bytes;
	a->cap = cap;
	return 0;
}

void hs_scratch_release(hs_scratch *a, size_t from, size_t to)
{
	size_t lo, hi;

	if (!a->p || from >= to)
		return;
	if (to > a->cap)
		to = a->cap;
	lo = (from * a->elem + PAGE - 1) / PAGE * PAGE;
	hi = to * a->elem / PAGE * PAGE;
	if (hi > lo)
		madvise(a->p + lo, hi - lo, MADV_DONTNEED);
}

int hs_scratch_view_init(hs_scratch_view *v, hs_scratch *a, size_t bytes)
{
	memset(v, 0, sizeof(*v));
	v->a = a;
	if (a->bytes <= bytes || bytes < HS_SCRATCH_BLOCK)
		return 0;  /* small: through the mapping */
	v->nslots = 1;
	while (v->nslots * 2 * HS_SCRATCH_BLOCK <= bytes)
		v->nslots *= 2;
	v->data = malloc(v->nslots * HS_SCRATCH_BLOCK);
	v->tags = calloc(v->nslots, sizeof(*v->tags));
	if (!v->data || !v->tags) {
		hs_scratch_view_free(v);
		return hs_error_set(HS_ENOMEM, "scratch %s: out of memory for "
				    "its cache", a->what);
	}
	/* from now on read through the cache: the mapping leaves memory */
	hs_scratch_release(a, 0, a->cap);
	return 0;
}

const unsigned char *hs_scratch__block(hs_scratch_view *v, uint64_t off)
{
	uint64_t blk = off / HS_SCRATCH_BLOCK;
	size_t slot = (size_t)(blk & (v->nslots - 1));
	unsigned char *d = v->data + slot * HS_SCRATCH_BLOCK;

	if (v->tags[slot] != blk + 1) {
		uint64_t at = blk * HS_SCRATCH_BLOCK;
		size_t n = HS_SCRATCH_BLOCK;
		ssize_t got;

		if (at + n > v->a->bytes)
			n = (size_t)(v->a->bytes - at);
		got = pread(v->a->fd, d, n, (off_t)at);
		if (got != (ssize_t)n) {
			hs_error_set(HS_EIO, "scratch %s: cannot read it back: "
				     "%s", v->a->what, got < 0 ?
				     strerror(errno) : "short read");
			return NULL;
		}
		v->tags[slot] = blk + 1;
		v->misses++;
	}
	return d;
}

int hs_scratch_read(hs_scratch_view *v, uint64_t off, void *out, size_t n)
{
	unsigned char *o = out;

	while (n) {
		size_t in = HS_SCRATCH_BLOCK - off % HS_SCRATCH_BLOCK;
		const unsigned char *b;

		if (in > n)
			in = n;
		if (!v->data) {
			memcpy(o, v->a->p + off, in);
		} else {
			if (!(b = hs_scratch__block(v, off)))
				return HS_EIO;
			memcpy(o, b + off % HS_SCRATCH_BLOCK, in);
		}
		o += in;
		off += in;
		n -= in;
	}
	return 0;
}

void hs_scratch_view_free(hs_scratch_view *v)
{
	if (!v)
		return;
	free(v->data);
	free(v->tags);
	v->data = NULL;
	v->tags = NULL;
}

void hs_scratch_free(hs_scratch *a)
{
	if (!a)
		return;
	if (a->p)
		munmap(a->p, a->bytes);
	if (a->fd >= 0)
		close(a->fd);
	a->p = NULL;
	a->fd = -1;
	a->cap = a->bytes = 0;
}
