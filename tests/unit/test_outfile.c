/*
 * test_outfile.c - hs_outfile: what is at PATH (nothing, a file, a link,
 * a FIFO, a directory) and at PATH.tmp decides how it is written, and
 * nothing that is not a regular file is ever replaced or removed.
 * Device nodes are left to tests/cli/outputs.sh, which makes its own in a
 * private mount namespace; here a FIFO made by the test stands for them.
 * Load: a few files of a few bytes in the test directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "hs_outfile.h"
#include "testutil.h"
#include "unit.h"

static int write_all(const char *path, const char *text, int sync)
{
	hs_outfile *f = NULL;
	hs_sink s;
	int rc = hs_outfile_open(&f, path, 0600);

	if (rc < 0)
		return rc;
	s = hs_outfile_sink(f);
	rc = s.write(text, strlen(text), s.payload);
	if (rc < 0) {
		hs_outfile_abort(f);
		return rc;
	}
	return hs_outfile_commit(f, sync);
}

static char *slurp(const char *path)
{
	unsigned char *d;
	size_t n;
	char *s;

	if (tu_read_file(path, &d, &n) < 0)
		return NULL;
	s = realloc(d, n + 1);
	if (!s) {
		free(d);
		return NULL;
	}
	s[n] = '\0';
	return s;
}

static mode_t kind(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : 0;
}

static void expect_text(const char *path, const char *want)
{
	char *got = slurp(path);

	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);
}

/* A new file, then a regular file replaced: through PATH.tmp, which is
 * gone afterwards; an abort leaves PATH as it was. */
static void test_regular(void)
{
	const char *p = tu_path("of-regular");
	char tmp[4096];
	hs_outfile *f;
	hs_sink s;

	unlink(p);
	CU_ASSERT_EQUAL(write_all(p, "one", 1), 0);
	expect_text(p, "one");
	CU_ASSERT_EQUAL(write_all(p, "two", 0), 0);
	expect_text(p, "two");
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	CU_ASSERT_FALSE(tu_exists(tmp));

	CU_ASSERT_EQUAL_FATAL(hs_outfile_open(&f, p, 0600), 0);
	CU_ASSERT_FALSE(hs_outfile_is_direct(f));
	CU_ASSERT_STRING_EQUAL(hs_outfile_name(f), tmp);
	s = hs_outfile_sink(f);
	CU_ASSERT_EQUAL(s.write("three", 5, s.payload), 0);
	CU_ASSERT_TRUE(tu_exists(tmp));
	hs_outfile_abort(f);
	CU_ASSERT_FALSE(tu_exists(tmp));
	expect_text(p, "two");
	/* a stale PATH.tmp (a killed writer's) is reused, emptied first */
	tu_write_file(tmp, "stale and longer", 16);
	CU_ASSERT_EQUAL(write_all(p, "four", 0), 0);
	expect_text(p, "four");
	CU_ASSERT_FALSE(tu_exists(tmp));
}

/* A FIFO is written in place: its reader gets the bytes, it stays a
 * FIFO, no PATH.tmp is made. */
static void test_fifo(void)
{
	const char *p = tu_path("of-fifo");
	char buf[16] = "", tmp[4096];
	hs_outfile *f;
	hs_sink s;
	int rfd;
	ssize_t n;

	unlink(p);
	CU_ASSERT_EQUAL_FATAL(mkfifo(p, 0600), 0);
	/* a reader that does not block the open below */
	rfd = open(p, O_RDONLY | O_NONBLOCK);
	CU_ASSERT_FATAL(rfd >= 0);
	CU_ASSERT_EQUAL_FATAL(hs_outfile_open(&f, p, 0600), 0);
	CU_ASSERT_TRUE(hs_outfile_is_direct(f));
	CU_ASSERT_STRING_EQUAL(hs_outfile_name(f), p);
	s = hs_outfile_sink(f);
	CU_ASSERT_EQUAL(s.write("piped", 5, s.payload), 0);
	CU_ASSERT_EQUAL(hs_outfile_commit(f, 1), 0);  /* no fsync on a FIFO */
	n = read(rfd, buf, sizeof(buf) - 1);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_STRING_EQUAL(buf, "piped");
	close(rfd);
	CU_ASSERT_EQUAL(kind(p), S_IFIFO);
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	CU_ASSERT_FALSE(tu_exists(tmp));
	/* an abort does not remove it either */
	rfd = open(p, O_RDONLY | O_NONBLOCK);
	CU_ASSERT_FATAL(rfd >= 0);
	CU_ASSERT_EQUAL_FATAL(hs_outfile_open(&f, p, 0600), 0);
	hs_outfile_abort(f);
	close(rfd);
	CU_ASSERT_EQUAL(kind(p), S_IFIFO);
	unlink(p);
}

/* A directory and a socket are refused, named in the message, left. */
static void test_refused(void)
{
	const char *d = tu_path("of-dir");
	const char *so = tu_path("of-sock");
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	hs_outfile *f = NULL;
	int fd;

	rmdir(d);
	CU_ASSERT_EQUAL_FATAL(mkdir(d, 0700), 0);
	CU_ASSERT_EQUAL(hs_outfile_open(&f, d, 0600), HS_EIO);
	CU_ASSERT_PTR_NULL(f);
	CU_ASSERT_TRUE(tu_contains(hs_error_last(), "is a directory"));
	CU_ASSERT_EQUAL(kind(d), S_IFDIR);
	CU_ASSERT_EQUAL(rmdir(d), 0);  /* still empty */

	unlink(so);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", so);
	if (strlen(so) < sizeof(a.sun_path) &&
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
		CU_ASSERT_EQUAL(write_all(so, "x", 0), HS_EIO);
		CU_ASSERT_TRUE(tu_contains(hs_error_last(), "socket"));
		CU_ASSERT_EQUAL(kind(so), S_IFSOCK);
		unlink(so);
	}
	close(fd);
	CU_ASSERT_EQUAL(hs_outfile_open(&f, "", 0600), HS_EINVAL);
}

/* A link to a file: the file is replaced and the link stays; a dangling
 * link is refused and creates nothing. */
static void test_links(void)
{
	const char *target = tu_path("of-target");
	const char *link = tu_path("of-link");
	const char *dangling = tu_path("of-dangling");
	char nowhere[4096];

	unlink(link);
	unlink(dangling);
	tu_write_file(target, "old", 3);
	CU_ASSERT_EQUAL_FATAL(symlink("of-target", link), 0);
	CU_ASSERT_EQUAL(write_all(link, "new", 0), 0);
	CU_ASSERT_EQUAL(kind(link), S_IFLNK);
	expect_text(target, "new");

	snprintf(nowhere, sizeof(nowhere), "%s", tu_path("of-nowhere"));
	unlink(nowhere);
	CU_ASSERT_EQUAL_FATAL(symlink("of-nowhere", dangling), 0);
	CU_ASSERT_EQUAL(write_all(dangling, "x", 0), HS_EIO);
	CU_ASSERT_EQUAL(kind(dangling), S_IFLNK);
	CU_ASSERT_FALSE(tu_exists(nowhere));
	unlink(link);
	unlink(dangling);
	unlink(target);
}

/* PATH.tmp planted as a link to a victim, or as a FIFO nobody reads:
 * refused at once, not written through, not removed. */
static void test_tmp_in_the_way(void)
{
	const char *p = tu_path("of-out");
	const char *victim = tu_path("of-victim");
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	unlink(p);
	unlink(tmp);
	tu_write_file(victim, "victim", 6);
	CU_ASSERT_EQUAL_FATAL(symlink(victim, tmp), 0);
	CU_ASSERT_EQUAL(write_all(p, "x", 0), HS_EIO);
	CU_ASSERT_TRUE(tu_contains(hs_error_last(), "in the way"));
	expect_text(victim, "victim");
	CU_ASSERT_EQUAL(kind(tmp), S_IFLNK);
	CU_ASSERT_FALSE(tu_exists(p));
	unlink(tmp);

	CU_ASSERT_EQUAL_FATAL(mkfifo(tmp, 0600), 0);
	CU_ASSERT_EQUAL(write_all(p, "x", 0), HS_EIO);
	CU_ASSERT_EQUAL(kind(tmp), S_IFIFO);
	CU_ASSERT_FALSE(tu_exists(p));
	unlink(tmp);
	unlink(victim);
}

HS_SUITE(outfile,
	 HS_TEST(test_regular),
	 HS_TEST(test_fifo),
	 HS_TEST(test_refused),
	 HS_TEST(test_links),
	 HS_TEST(test_tmp_in_the_way))
