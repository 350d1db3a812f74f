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

void hs_scratch__release_all(hs_scratch *a)
{
	if (a->p)
		madvise(a->p, a->bytes, MADV_DONTNEED);
	a->touched = 0;
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
