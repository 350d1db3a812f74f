/*
 * tool_input.c - V8 heap snapshots as the tools' input (see
 * tool_input.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"
#include "tool_graph.h"
#include "tool_input.h"

/* dumpdiff opens three; room for a few more */
#define INPUTS_MAX 8

static struct {
	char snap[32];        /* /proc/self/fd/N */
	const char *path;     /* the user's */
	int fd;
} inputs[INPUTS_MAX];
static int ninputs;

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

int tool_is_v8(const char *path)
{
	unsigned char head[64];
	struct stat st;
	size_t n;
	FILE *f;

	if (!path || strcmp(path, "-") == 0)
		return 0;
	if (ends_with(path, ".heapsnapshot") ||
	    ends_with(path, ".heapsnapshot.gz") ||
	    ends_with(path, ".heaptimeline"))
		return 1;
	if (ends_with(path, ".snap"))
		return 0;
	/* only a regular file is sniffed: opening a FIFO waits for a writer,
	 * and reading a pipe's first bytes would lose them (the reader then
	 * refuses it at once, as it refuses every input but a file) */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return 0;
	f = fopen(path, "rb");
	if (!f)
		return 0;
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	return hs_v8_sniff(head, n) != 0;
}

void tool_v8_header(const char *path, hs_v8_options *o)
{
	const char *base = strrchr(path, '/');
	struct stat sb;
	unsigned long long pid = 0;
	int k = 0;

	base = base ? base + 1 : path;
	/* Heap.20241202.060900.12345.0.001.heapsnapshot */
	if (sscanf(base, "Heap.%*8[0-9].%*6[0-9].%llu.%*u.%*u.%n", &pid,
		   &k) == 1 && k > 0 && strncmp(base + k, "heapsnapshot", 12)
	    == 0)
		o->pid = pid;
	if (stat(path, &sb) == 0)
		o->time_ms = (uint64_t)sb.st_mtim.tv_sec * 1000 +
			     (uint64_t)sb.st_mtim.tv_nsec / 1000000;
}

static int write_errno;  /* the temporary file's write error */

static int fd_write(const void *buf, size_t len, void *payload)
{
	int fd = *(int *)payload;
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			write_errno = w < 0 ? errno : ENOSPC;
			return HS_EIO;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* A file with no name in $TMPDIR (or /tmp). */
static int nameless(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	snprintf(path, sizeof(path), "%s/.heapsnap-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

int tool_input(const char *path, const char **snap)
{
	hs_v8_options vo = HS_V8_OPTIONS_INIT;
	hs_writer_options wo = HS_WRITER_OPTIONS_INIT;
	FILE *in;
	int fd, rc;

	*snap = path;
	if (!tool_is_v8(path))
		return 0;
	if (ninputs == INPUTS_MAX)
		return tool_error("%s: more than %d V8 snapshots", path,
				  INPUTS_MAX);
	in = fopen(path, "rb");
	if (!in)
		return tool_error("%s: cannot open: %s", path,
				  strerror(errno));
	fd = nameless();
	if (fd < 0) {
		fclose(in);
		return tool_error("cannot make a temporary file for %s: %s",
				  path, strerror(errno));
	}
	tool_v8_header(path, &vo);
	wo.level = 1;  /* read once: speed over size */
	tool_step("importing %s", path);
	write_errno = 0;
	rc = hs_v8_import_sink(in, path, (hs_sink){ &fd, fd_write },
			       "(temporary .snap)", &vo, &wo, NULL);
	tool_step(NULL);
	fclose(in);
	if (rc < 0) {
		close(fd);
		if (write_errno)
			return tool_error("%s: cannot write the temporary "
					  ".snap: %s", path,
					  strerror(write_errno));
		return tool_error("%s", hs_error_last());
	}
	inputs[ninputs].fd = fd;
	inputs[ninputs].path = path;
	snprintf(inputs[ninputs].snap, sizeof(inputs[ninputs].snap),
		 "/proc/self/fd/%d", fd);
	*snap = inputs[ninputs++].snap;
	return 0;
}

const char *tool_input_name(const char *snap)
{
	for (int i = 0; i < ninputs; i++)
		if (strcmp(inputs[i].snap, snap) == 0)
			return inputs[i].path;
	return snap;
}
