/*
 * source.h - the bytes of an input file, gunzipped when it is gzip's
 * (internal; used by the V8 import, which must read .heapsnapshot.gz as
 * people attach them).
 *
 * The first bytes decide: gzip's magic (1f 8b) means gzip members, one
 * after another (as `cat a.gz b.gz` makes them), inflated with zlib;
 * anything else is passed through.  Memory: a 64 KiB input buffer and
 * zlib's inflate state (about 44 KiB); nothing depends on the input.
 */
#ifndef HS_SOURCE_H
#define HS_SOURCE_H

#include <stdint.h>
#include <stdio.h>
#include <zlib.h>

typedef struct {
	FILE *in;
	const char *name;      /* for messages */
	int gzip;              /* the input is gzip's */
	z_stream z;
	int zinit;             /* z holds inflate state */
	int member_end;        /* a member ended; another may follow */
	unsigned char *ibuf;   /* raw input not consumed yet */
	size_t ipos, ilen;
	int ieof;              /* the stream has no more bytes */
	uint64_t raw;          /* bytes read from the stream */
	uint64_t out;          /* bytes handed out */
} hs_source;

/** hs_source_fopen() : *out = path opened for reading, for an importer's
 *  _file() entry point fn (named in the message when path is NULL).
 *  @return 0, HS_EINVAL (no path) or HS_EIO (cannot open), said. */
int hs_source_fopen(FILE **out, const char *path, const char *fn);

/** hs_source_open() : read the first bytes of in and choose; pair with
 *  hs_source_close().  @return 0, HS_EIO, HS_ENOMEM, HS_ECORRUPT. */
int hs_source_open(hs_source *s, FILE *in, const char *name);

/** hs_source_read() : an hs_json_read_fn: up to n bytes into buf.
 *  @return the count (0 at the end), or HS_EIO / HS_ECORRUPT (corrupt or
 *  truncated gzip data) with a message naming the input. */
long hs_source_read(void *payload, void *buf, size_t n);

/** hs_source_close() : free the buffers (in stays open).  NULL-safe. */
void hs_source_close(hs_source *s);

#endif
