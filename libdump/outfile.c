/*
 * outfile.c - hs_outfile: an output path written through PATH.tmp and a
 * rename, or directly when it is a device or a FIFO (see hs_outfile.h).
 *
 * Load: one file descriptor and two paths.  Every decision is taken from
 * lstat()/fstat() of what is there, before and after opening, so that a
 * device, a FIFO or a symbolic link planted at PATH or PATH.tmp is never
 * renamed over, truncated through or unlinked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "hs_outfile.h"

struct hs_outfile {
	int fd;
	int direct;         /* written in place: a device or a FIFO */
	char *path;         /* what is renamed to (a link's target) */
	char *tmppath;      /* NULL when direct */
	uint64_t written;   /* bytes, for messages */
};

/* What a file type is called in messages. */
static const char *kind_of(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISSOCK(m) ? "a socket"
	       : S_ISBLK(m) ? "a block device" : S_ISCHR(m)
	       ? "a character device" : S_ISFIFO(m) ? "a FIFO"
	       : S_ISLNK(m) ? "a symbolic link" : "not a regular file";
}

static void outfile_free(hs_outfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	free(f->tmppath);
	free(f);
}

/* Opens a character device or FIFO in place.  O_NOCTTY: a terminal
 * given as the output must not become our controlling terminal. */
static int open_direct(hs_outfile *f, const char *path, mode_t want)
{
	struct stat st;

	do
		f->fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	while (f->fd < 0 && errno == EINTR);
	HS_RETURN_ERROR_IF(f->fd < 0, HS_EIO, "%s: cannot open: %s", path,
			   strerror(errno));
	/* swapped for something else between lstat() and open() */
	HS_RETURN_ERROR_IF(fstat(f->fd, &st) < 0 ||
			   (st.st_mode & S_IFMT) != (want & S_IFMT), HS_EIO,
			   "%s: changed while it was being opened; not written",
			   path);
	f->direct = 1;
	return 0;
}

/* Creates PATH.tmp: never through a symbolic link (O_NOFOLLOW), never
 * blocking on a FIFO planted there (O_NONBLOCK), and only if what was
 * opened is a regular file. */
static int open_tmp(hs_outfile *f, unsigned mode)
{
	size_t n = strlen(f->path);
	struct stat st;
	int fl;

	f->tmppath = malloc(n + 5);
	HS_RETURN_ERROR_IF(!f->tmppath, HS_ENOMEM, "%s: out of memory",
			   f->path);
	memcpy(f->tmppath, f->path, n);
	memcpy(f->tmppath + n, ".tmp", 5);
	do
		f->fd = open(f->tmppath, O_WRONLY | O_CREAT | O_NOFOLLOW |
			     O_NONBLOCK | O_NOCTTY | O_CLOEXEC, (mode_t)mode);
	while (f->fd < 0 && errno == EINTR);
	if (f->fd < 0) {
		int e = errno;

		free(f->tmppath);
		f->tmppath = NULL;  /* not ours: never unlinked */
		if (e == ELOOP || e == ENXIO)
			return hs_error_set(HS_EIO, "%s.tmp: %s is in the way; "
					    "not written", f->path, e == ELOOP
					    ? "a symbolic link" : "a FIFO");
		return hs_error_set(HS_EIO, "%s.tmp: cannot create: %s",
				    f->path, strerror(e));
	}
	if (fstat(f->fd, &st) < 0)
		st.st_mode = 0;
	if (!S_ISREG(st.st_mode)) {
		int rc = hs_error_set(HS_EIO, "%s: %s is in the way; not "
				      "written", f->tmppath,
				      kind_of(st.st_mode));

		free(f->tmppath);
		f->tmppath = NULL;
		return rc;
	}
	/* a regular file: safe to empty now */
	HS_RETURN_ERROR_IF(ftruncate(f->fd, 0) < 0, HS_EIO,
			   "%s: cannot truncate: %s", f->tmppath,
			   strerror(errno));
	fl = fcntl(f->fd, F_GETFL);
	if (fl >= 0)
		fcntl(f->fd, F_SETFL, fl & ~O_NONBLOCK);
	return 0;
}

int hs_outfile_open(hs_outfile **out, const char *path, unsigned mode)
{
	hs_outfile *f;
	struct stat st;
	int rc;

	HS_RETURN_ERROR_IF(!out, HS_EINVAL, "hs_outfile_open: no output");
	*out = NULL;
	HS_RETURN_ERROR_IF(!path || !*path, HS_EINVAL,
			   "hs_outfile_open: no path");
	f = calloc(1, sizeof(*f));
	HS_RETURN_ERROR_IF(!f, HS_ENOMEM, "%s: out of memory", path);
	f->fd = -1;
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT) {
			rc = hs_error_set(HS_EIO, "%s: %s", path,
					  strerror(errno));
			goto fail;
		}
		st.st_mode = S_IFREG;  /* created through PATH.tmp */
		f->path = strdup(path);
	} else if (S_ISLNK(st.st_mode)) {
		/* follow it: the target decides, and a regular target is
		 * what gets replaced (renaming onto the link would turn it
		 * into a file) */
		char *target;

		if (stat(path, &st) < 0) {
			rc = hs_error_set(HS_EIO, "%s: a symbolic link to %s; "
					  "not written", path,
					  errno == ENOENT ? "nothing"
					  : strerror(errno));
			goto fail;
		}
		target = realpath(path, NULL);
		if (!target) {
			rc = hs_error_set(errno == ENOMEM ? HS_ENOMEM : HS_EIO,
					  "%s: cannot resolve the link: %s",
					  path, strerror(errno));
			goto fail;
		}
		f->path = S_ISREG(st.st_mode) ? target : strdup(path);
		if (f->path != target)
			free(target);
	} else {
		f->path = strdup(path);
	}
	if (!f->path) {
		rc = hs_error_set(HS_ENOMEM, "%s: out of memory", path);
		goto fail;
	}
	if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
		rc = open_direct(f, f->path, st.st_mode);
	else if (S_ISREG(st.st_mode))
		rc = open_tmp(f, mode);
	else
		rc = hs_error_set(HS_EIO, "%s: is %s; not written (give a "
				  "file name)", path, kind_of(st.st_mode));
	if (rc < 0)
		goto fail;
	*out = f;
	return 0;
fail:
	if (f->tmppath && f->fd >= 0)
		unlink(f->tmppath);
	outfile_free(f);
	return rc;
}

static int outfile_write(const void *data, size_t len, void *payload)
{
	hs_outfile *f = payload;
	const char *p = data;

	while (len) {
		ssize_t n = write(f->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return hs_error_set(HS_EIO, "%s: write failed at byte "
					    "%llu: %s", hs_outfile_name(f),
					    (unsigned long long)f->written,
					    n < 0 ? strerror(errno)
						  : "no progress");
		p += n;
		len -= (size_t)n;
		f->written += (uint64_t)n;
	}
	return 0;
}

hs_sink hs_outfile_sink(hs_outfile *f)
{
	hs_sink s = { f, outfile_write };

	return s;
}

const char *hs_outfile_name(const hs_outfile *f)
{
	return f->tmppath ? f->tmppath : f->path;
}

int hs_outfile_is_direct(const hs_outfile *f)
{
	return f->direct;
}

int hs_outfile_commit(hs_outfile *f, int sync)
{
	struct stat st;
	int rc = 0, fd;

	if (!f)
		return 0;
	if (sync && !f->direct && fsync(f->fd) < 0)
		rc = hs_error_set(HS_EIO, "%s: fsync: %s", hs_outfile_name(f),
				  strerror(errno));
	fd = f->fd;
	f->fd = -1;
	if (close(fd) < 0 && rc == 0)
		rc = hs_error_set(HS_EIO, "%s: close: %s", hs_outfile_name(f),
				  strerror(errno));
	/* PATH may have become something else while we wrote */
	if (rc == 0 && !f->direct && lstat(f->path, &st) == 0 &&
	    !S_ISREG(st.st_mode))
		rc = hs_error_set(HS_EIO, "%s: became %s while it was being "
				  "written; %s not renamed over it", f->path,
				  kind_of(st.st_mode), f->tmppath);
	if (rc == 0 && !f->direct && rename(f->tmppath, f->path) < 0)
		rc = hs_error_set(HS_EIO, "%s: cannot rename to %s: %s",
				  f->tmppath, f->path, strerror(errno));
	if (rc < 0) {
		hs_outfile_abort(f);
		return rc;
	}
	outfile_free(f);
	return 0;
}

void hs_outfile_abort(hs_outfile *f)
{
	if (!f)
		return;
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
	if (f->tmppath)
		unlink(f->tmppath);
	outfile_free(f);
}
