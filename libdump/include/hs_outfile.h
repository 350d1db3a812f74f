/*
 * hs_outfile.h - opening an output path without ever replacing what is
 * not a regular file.
 *
 * What PATH is decides how it is written:
 *
 *   does not exist, or a regular file   PATH.tmp is written, then renamed
 *                                       to PATH by hs_outfile_commit();
 *                                       on failure PATH is left as it was
 *   a symbolic link to a regular file   the same, for the file it points
 *                                       to: the link stays a link
 *   a character device or a FIFO        written directly (no .tmp, no
 *                                       rename, never removed): a dump to
 *                                       /dev/null stays /dev/null; a
 *                                       FIFO waits for its reader
 *   a directory, a socket, a block      refused (HS_EIO): nothing is
 *   device, a dangling symbolic link    opened, created or removed
 *
 * PATH.tmp itself must be absent or a regular file: a symbolic link, a
 * device or a FIFO in its place is refused, never written through.  The
 * tools' -o, hs_writer_open() and the Python capture all write through
 * this, so none of them can turn /dev/null into a regular file.
 *
 * Not thread-safe: one thread at a time per hs_outfile.
 */
#ifndef HS_OUTFILE_H
#define HS_OUTFILE_H

#include "hs_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hs_outfile hs_outfile;

/**
 * hs_outfile_open() : open PATH for writing as described above.
 * @param[out] out  pair with hs_outfile_commit() or hs_outfile_abort().
 * @param mode      permissions of a file it creates (e.g. 0600).
 * @return 0, HS_EIO (cannot create, or PATH or PATH.tmp is something it
 *         must not write: the message says what), HS_EINVAL, HS_ENOMEM.
 */
HS_API int hs_outfile_open(hs_outfile **out, const char *path, unsigned mode);

/** hs_outfile_sink() : a sink writing every byte to the file; a failed
 *  write sets "NAME: write failed at byte N: cause" and returns HS_EIO. */
HS_API hs_sink hs_outfile_sink(hs_outfile *f);

/** hs_outfile_name() : the path bytes go to (PATH.tmp, or PATH when it
 *  is written directly), for messages. */
HS_API const char *hs_outfile_name(const hs_outfile *f);

/** hs_outfile_is_direct() : 1 when PATH is written directly (a device or
 *  a FIFO), 0 when through PATH.tmp. */
HS_API int hs_outfile_is_direct(const hs_outfile *f);

/**
 * hs_outfile_commit() : close the file and, unless it is written
 * directly, rename PATH.tmp to PATH (after fsync() when sync is set; a
 * device or a FIFO is not synced).  Frees f, also on error (PATH.tmp is
 * then removed).  NULL-safe.
 * @return 0, HS_EIO.
 */
HS_API int hs_outfile_commit(hs_outfile *f, int sync);

/** hs_outfile_abort() : close, remove PATH.tmp (never PATH), free.
 *  NULL-safe. */
HS_API void hs_outfile_abort(hs_outfile *f);

#ifdef __cplusplus
}
#endif
#endif
