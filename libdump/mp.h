/*
 * mp.h - a small bounds-checked msgpack pull decoder (internal).
 *
 * The reader decodes records with this rather than msgpack-c's unpacker:
 * it allocates nothing (msgpack_unpacker_next allocates a zone per record,
 * which cost 135 ns a record in a probe against about 26 ns here), it
 * cannot be made to allocate by a length field, and it bounds the nesting
 * of the values it skips.  msgpack-c still packs every record.
 *
 * Each function returns 0 and advances, or -1 and leaves the cursor where
 * it was, when the bytes there are not of the asked type or run past end.
 * A failure because the bytes ran out (more of them could have made it
 * succeed) also sets eod: a reader that decompresses a frame piece by
 * piece decompresses more and tries again only then, and otherwise stops
 * at the first bad record.
 */
#ifndef HS_MP_H
#define HS_MP_H

#include <stdint.h>
#include <string.h>

#include "hs_writer.h"

/* The record decoder calls these per field: inlining them all doubled the
 * reading speed (gcc would otherwise call hs_mp_integer out of line). */
#define HS_MP_INLINE static inline __attribute__((always_inline))

typedef struct {
	const unsigned char *p;
	const unsigned char *end;
	int eod;  /* set (never cleared) by a failure at the end of the data */
} hs_mp;

HS_MP_INLINE uint16_t hs_mp_be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

HS_MP_INLINE uint32_t hs_mp_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

HS_MP_INLINE uint64_t hs_mp_be64(const unsigned char *p)
{
	return (uint64_t)hs_mp_be32(p) << 32 | hs_mp_be32(p + 4);
}

HS_MP_INLINE size_t hs_mp_left(const hs_mp *m)
{
	return (size_t)(m->end - m->p);
}

HS_MP_INLINE int hs_mp_nil(hs_mp *m)
{
	if (m->p < m->end && *m->p == 0xc0) {
		m->p++;
		return 0;
	}
	if (m->p >= m->end)
		m->eod = 1;
	return -1;
}

/* Fails, noting that the data ran out. */
HS_MP_INLINE int hs_mp_short(hs_mp *m)
{
	m->eod = 1;
	return -1;
}

HS_MP_INLINE int hs_mp_peek_nil(const hs_mp *m)
{
	return m->p < m->end && *m->p == 0xc0;
}

/* Any msgpack integer; *neg tells a negative value (then *v holds it as
 * two's complement int64). */
HS_MP_INLINE int hs_mp_integer(hs_mp *m, uint64_t *v, int *neg)
{
	const unsigned char *p = m->p;
	size_t left = hs_mp_left(m);

	if (!left)
		return hs_mp_short(m);
	*neg = 0;
	if (*p <= 0x7f) {
		*v = *p;
		m->p += 1;
		return 0;
	}
	if (*p >= 0xe0) {
		*v = (uint64_t)(int64_t)(int8_t)*p;
		*neg = 1;
		m->p += 1;
		return 0;
	}
	switch (*p) {
	case 0xcc: if (left < 2) return hs_mp_short(m); *v = p[1]; m->p += 2; return 0;
	case 0xcd: if (left < 3) return hs_mp_short(m); *v = hs_mp_be16(p + 1); m->p += 3; return 0;
	case 0xce: if (left < 5) return hs_mp_short(m); *v = hs_mp_be32(p + 1); m->p += 5; return 0;
	case 0xcf: if (left < 9) return hs_mp_short(m); *v = hs_mp_be64(p + 1); m->p += 9; return 0;
	case 0xd0: if (left < 2) return hs_mp_short(m);
		*v = (uint64_t)(int64_t)(int8_t)p[1]; break;
	case 0xd1: if (left < 3) return hs_mp_short(m);
		*v = (uint64_t)(int64_t)(int16_t)hs_mp_be16(p + 1); break;
	case 0xd2: if (left < 5) return hs_mp_short(m);
		*v = (uint64_t)(int64_t)(int32_t)hs_mp_be32(p + 1); break;
	case 0xd3: if (left < 9) return hs_mp_short(m);
		*v = hs_mp_be64(p + 1); break;
	default: return -1;
	}
	*neg = (int64_t)*v < 0;
	m->p += ((size_t)1 << (*p - 0xd0)) + 1;
	return 0;
}

/* A non-negative integer. */
HS_MP_INLINE int hs_mp_uint(hs_mp *m, uint64_t *v)
{
	const unsigned char *save = m->p;
	int neg;

	if (hs_mp_integer(m, v, &neg) < 0)
		return -1;
	if (neg) {
		m->p = save;
		return -1;
	}
	return 0;
}

HS_MP_INLINE int hs_mp_u32(hs_mp *m, uint32_t *v)
{
	const unsigned char *save = m->p;
	uint64_t u;

	if (hs_mp_uint(m, &u) < 0)
		return -1;
	if (u > UINT32_MAX) {
		m->p = save;
		return -1;
	}
	*v = (uint32_t)u;
	return 0;
}

/* A signed integer that fits int64 (uint64 above INT64_MAX fails). */
HS_MP_INLINE int hs_mp_int(hs_mp *m, int64_t *v)
{
	const unsigned char *save = m->p;
	uint64_t u;
	int neg;

	if (hs_mp_integer(m, &u, &neg) < 0)
		return -1;
	if (!neg && u > INT64_MAX) {
		m->p = save;
		return -1;
	}
	*v = (int64_t)u;
	return 0;
}

/* An array header; the length is checked against the bytes left (each
 * element takes at least one byte). */
HS_MP_INLINE int hs_mp_array(hs_mp *m, uint32_t *n)
{
	const unsigned char *p = m->p;
	size_t left = hs_mp_left(m), hl;

	if (!left)
		return hs_mp_short(m);
	if ((*p & 0xf0) == 0x90) {
		*n = *p & 0x0f;
		hl = 1;
	} else if (*p == 0xdc) {
		if (left < 3)
			return hs_mp_short(m);
		*n = hs_mp_be16(p + 1);
		hl = 3;
	} else if (*p == 0xdd) {
		if (left < 5)
			return hs_mp_short(m);
		*n = hs_mp_be32(p + 1);
		hl = 5;
	} else {
		return -1;
	}
	if (*n > left - hl)
		return hs_mp_short(m);
	m->p += hl;
	return 0;
}

/* A str (bin too when bin_ok); the bytes stay in the buffer. */
HS_MP_INLINE int hs_mp_str_or_bin(hs_mp *m, const char **s, size_t *len,
				   int bin_ok, int *is_bin)
{
	const unsigned char *p = m->p;
	size_t left = hs_mp_left(m), hl, n;

	if (!left)
		return hs_mp_short(m);
	*is_bin = 0;
	if ((*p & 0xe0) == 0xa0)
		hl = 1;
	else if (*p == 0xd9 || (bin_ok && *p == 0xc4))
		hl = 2;
	else if (*p == 0xda || (bin_ok && *p == 0xc5))
		hl = 3;
	else if (*p == 0xdb || (bin_ok && *p == 0xc6))
		hl = 5;
	else
		return -1;
	if (left < hl)
		return hs_mp_short(m);
	n = hl == 1 ? (size_t)(*p & 0x1f) : hl == 2 ? p[1]
	    : hl == 3 ? hs_mp_be16(p + 1) : hs_mp_be32(p + 1);
	if (n > left - hl)
		return hs_mp_short(m);
	*is_bin = *p >= 0xc4 && *p <= 0xc6;
	*s = (const char *)p + hl;
	*len = n;
	m->p += hl + n;
	return 0;
}

HS_MP_INLINE int hs_mp_str(hs_mp *m, const char **s, size_t *len)
{
	int is_bin;

	return hs_mp_str_or_bin(m, s, len, 0, &is_bin);
}

/* Bytes a buffer decoded with hs_mp_fast_int must have readable past its
 * end: the fast path loads 8 bytes at once. */
#define HS_MP_SLACK 16

/* For each first byte: payload bytes, and how to read them (0 positive
 * fixint, 1 negative fixint, 2 unsigned, 3 signed, 4 not an integer or
 * an integer that may not fit int64). */
extern const unsigned char hs_mp_int_len[256];
extern const unsigned char hs_mp_int_kind[256];

/*
 * hs_mp_fast_int() : an integer that fits int64, decoded without
 * data-dependent branches (references are a random mix of encodings, and
 * mispredicted branches were most of the reading time).  *pp must point
 * into a buffer with HS_MP_SLACK readable bytes past end.
 * @return 0 and advances *pp, or -1 (let the generic decoder decide).
 */
HS_MP_INLINE int hs_mp_fast_int(const unsigned char **pp,
				const unsigned char *end, int64_t *v)
{
	const unsigned char *p = *pp;
	unsigned b, n, kind, sh;
	uint64_t x, u;
	int64_t s;

	if (p >= end)
		return -1;
	b = *p;
	n = hs_mp_int_len[b];
	kind = hs_mp_int_kind[b];
	if (kind == 4 || (size_t)(end - p) < 1 + n)
		return -1;
	memcpy(&x, p + 1, 8);
	x = __builtin_bswap64(x);
	sh = 64 - 8 * n;           /* n is 0, 1, 2, 4 or 8 */
	u = n ? x >> (sh & 63) : 0;
	s = n ? (int64_t)(u << (sh & 63)) >> (sh & 63) : 0;
	*v = kind == 0 ? (int64_t)b : kind == 1 ? (int64_t)(int8_t)b
		: kind == 2 ? (int64_t)u : s;
	*pp = p + 1 + n;
	return 0;
}

/* Skips one value of any type, nested at most depth levels. */
int hs_mp_skip(hs_mp *m, int depth);

/* A preview: nil, str, bin, int, float or bool. */
int hs_mp_value(hs_mp *m, hs_value *v);

#endif
