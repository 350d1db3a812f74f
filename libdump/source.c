/*
 * source.c - an input file's bytes, gunzipped when it is gzip's (see
 * source.h).
 *
 * Load: 64 KiB and zlib's inflate state; zlib runs at about 300 MB/s of
 * output on the machines measured, so a gzipped snapshot imports at
 * that speed at best.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "source.h"

#define IBUF (64u * 1024)

/* Refills ibuf when it is empty.  @return 0 or HS_EIO. */
static int refill(hs_source *s)
{
	size_t got;

	if (s->ipos < s->ilen || s->ieof)
		return 0;
	got = fread(s->ibuf, 1, IBUF, s->in);
	s->ipos = 0;
	s->ilen = got;
	s->raw += got;
	if (got == 0) {
		if (ferror(s->in))
			return hs_error_set(HS_EIO, "%s: read error: %s",
					    s->name, strerror(errno));
		s->ieof = 1;
	}
	return 0;
}

int hs_source_fopen(FILE **out, const char *path, const char *fn)
{
	HS_RETURN_ERROR_IF(!path, HS_EINVAL, "%s: no input path", fn);
	*out = fopen(path, "rb");
	HS_RETURN_ERROR_IF(!*out, HS_EIO, "%s: cannot open: %s", path,
			   strerror(errno));
	return 0;
}

int hs_source_open(hs_source *s, FILE *in, const char *name)
{
	memset(s, 0, sizeof(*s));
	s->in = in;
	s->name = name ? name : "(input)";
	s->ibuf = malloc(IBUF);
	HS_RETURN_ERROR_IF(!s->ibuf, HS_ENOMEM, "%s: out of memory", s->name);
	/* two bytes decide; a short first read (a pipe) is read on */
	while (s->ilen < 2 && !s->ieof) {
		size_t got = fread(s->ibuf + s->ilen, 1, IBUF - s->ilen, in);

		s->ilen += got;
		s->raw += got;
		if (got == 0) {
			if (ferror(in))
				return hs_error_set(HS_EIO, "%s: read error: "
						    "%s", s->name,
						    strerror(errno));
			s->ieof = 1;
		}
	}
	s->gzip = s->ilen >= 2 && s->ibuf[0] == 0x1f && s->ibuf[1] == 0x8b;
	if (s->gzip) {
		/* 16: a gzip wrapper, never zlib's or raw deflate */
		if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK)
			return hs_error_set(HS_ENOMEM, "%s: out of memory for "
					    "gzip", s->name);
		s->zinit = 1;
	}
	return 0;
}

/* After a member ended: another member, the end, or trailing bytes. */
static int next_member(hs_source *s)
{
	HS_FORWARD_IF_ERROR(refill(s));
	if (s->ipos == s->ilen)
		return 0;  /* the end */
	if (s->ibuf[s->ipos] != 0x1f)
		return hs_error_set(HS_ECORRUPT, "%s: bytes after the gzip "
				    "data (compressed byte %llu)", s->name,
				    (unsigned long long)(s->raw - s->ilen +
							 s->ipos));
	if (inflateReset(&s->z) != Z_OK)
		return hs_error_set(HS_ECORRUPT, "%s: gzip: cannot start the "
				    "next member", s->name);
	s->member_end = 0;
	return 1;
}

static long gz_read(hs_source *s, unsigned char *buf, size_t n)
{
	s->z.next_out = buf;
	s->z.avail_out = n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
	while (s->z.next_out == buf) {  /* until some output */
		int zr;

		if (s->member_end) {
			int more = next_member(s);

			if (more <= 0)
				return more;
		}
		HS_FORWARD_IF_ERROR(refill(s));
		if (s->ipos == s->ilen)
			return hs_error_set(HS_ECORRUPT, "%s: the gzip data "
					    "ends early (a truncated file?)",
					    s->name);
		s->z.next_in = s->ibuf + s->ipos;
		s->z.avail_in = (unsigned)(s->ilen - s->ipos);
		zr = inflate(&s->z, Z_NO_FLUSH);
		s->ipos = s->ilen - s->z.avail_in;
		if (zr == Z_STREAM_END)
			s->member_end = 1;
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return hs_error_set(HS_ECORRUPT, "%s: corrupt gzip data "
					    "near compressed byte %llu: %s",
					    s->name, (unsigned long long)
					    (s->raw - s->ilen + s->ipos),
					    s->z.msg ? s->z.msg : "inflate "
					    "failed");
	}
	return (long)(s->z.next_out - buf);
}

long hs_source_read(void *payload, void *buf, size_t n)
{
	hs_source *s = payload;
	long got;

	if (s->gzip) {
		got = gz_read(s, buf, n);
	} else if (s->ipos == s->ilen && !s->ieof) {
		/* straight into the caller's buffer: no copy */
		size_t k = fread(buf, 1, n, s->in);

		s->raw += k;
		if (k == 0 && ferror(s->in))
			return hs_error_set(HS_EIO, "%s: read error: %s",
					    s->name, strerror(errno));
		if (k == 0)
			s->ieof = 1;
		got = (long)k;
	} else {
		got = (long)(s->ilen - s->ipos < n ? s->ilen - s->ipos : n);
		memcpy(buf, s->ibuf + s->ipos, (size_t)got);
		s->ipos += (size_t)got;
	}
	if (got > 0)
		s->out += (uint64_t)got;
	return got;
}

void hs_source_close(hs_source *s)
{
	if (!s)
		return;
	if (s->zinit)
		inflateEnd(&s->z);
	free(s->ibuf);
	s->ibuf = NULL;
	s->zinit = 0;
}
