/*
 * mp.c - the out-of-line parts of the msgpack pull decoder: skipping any
 * value (bounded nesting, no recursion deeper than the bound) and reading
 * a preview value.  See mp.h.
 */
#include "mp.h"

/* GNU range designators: gcc and clang both take them */
const unsigned char hs_mp_int_len[256] = {
	[0xcc] = 1, [0xcd] = 2, [0xce] = 4, [0xcf] = 8,
	[0xd0] = 1, [0xd1] = 2, [0xd2] = 4, [0xd3] = 8,
};

/* uint64 (0xcf) may exceed INT64_MAX: left to the generic path (4) */
const unsigned char hs_mp_int_kind[256] = {
	[0x00 ... 0x7f] = 0, [0x80 ... 0xcb] = 4,
	[0xcc ... 0xce] = 2, [0xcf] = 4, [0xd0 ... 0xd3] = 3,
	[0xd4 ... 0xdf] = 4, [0xe0 ... 0xff] = 1,
};

/* Bytes of payload after the type byte for fixed-size types, or -1. */
static int fixed_size(unsigned char b)
{
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
		return 0;
	switch (b) {
	case 0xcc: case 0xd0: return 1;
	case 0xcd: case 0xd1: return 2;
	case 0xca: case 0xce: case 0xd2: return 4;
	case 0xcb: case 0xcf: case 0xd3: return 8;
	case 0xd4: return 2;  /* fixext 1: type + 1 */
	case 0xd5: return 3;
	case 0xd6: return 5;
	case 0xd7: return 9;
	case 0xd8: return 17;
	default: return -1;
	}
}

int hs_mp_skip(hs_mp *m, int depth)
{
	const unsigned char *save = m->p;
	/* Remaining elements per open container; a map counts 2 per entry.
	 * An explicit stack keeps the skip iterative. */
	uint64_t stack[33];
	int top = 0;

	if (depth > 32)
		depth = 32;
	stack[0] = 1;
	while (top >= 0) {
		unsigned char b;
		size_t left = hs_mp_left(m);
		uint64_t n = 0;
		int is_container = 0, fs;

		if (stack[top] == 0) {
			top--;
			continue;
		}
		stack[top]--;
		if (!left)
			goto short_data;
		b = *m->p;
		fs = fixed_size(b);
		if (fs >= 0) {
			if ((size_t)fs + 1 > left)
				goto short_data;
			m->p += fs + 1;
			continue;
		}
		if ((b & 0xe0) == 0xa0 || b == 0xd9 || b == 0xda || b == 0xdb ||
		    b == 0xc4 || b == 0xc5 || b == 0xc6) {
			const char *s;
			size_t len;
			int is_bin;

			if (hs_mp_str_or_bin(m, &s, &len, 1, &is_bin) < 0)
				goto bad;
			continue;
		}
		if (b == 0xc7 || b == 0xc8 || b == 0xc9) {  /* ext 8/16/32 */
			size_t hl = b == 0xc7 ? 2 : b == 0xc8 ? 3 : 5;

			if (left < hl + 1)
				goto short_data;
			n = b == 0xc7 ? m->p[1] : b == 0xc8 ? hs_mp_be16(m->p + 1)
							     : hs_mp_be32(m->p + 1);
			if (n > left - hl - 1)
				goto short_data;
			m->p += hl + 1 + n;
			continue;
		}
		if ((b & 0xf0) == 0x90 || b == 0xdc || b == 0xdd) {
			uint32_t k;

			if (hs_mp_array(m, &k) < 0)
				goto bad;
			n = k;
			is_container = 1;
		} else if ((b & 0xf0) == 0x80 || b == 0xde || b == 0xdf) {
			size_t hl = (b & 0xf0) == 0x80 ? 1 : b == 0xde ? 3 : 5;

			if (left < hl)
				goto short_data;
			n = (b & 0xf0) == 0x80 ? (uint64_t)(b & 0x0f)
			    : b == 0xde ? hs_mp_be16(m->p + 1)
					: hs_mp_be32(m->p + 1);
			n *= 2;
			if (n > left - hl)
				goto short_data;
			m->p += hl;
			is_container = 1;
		} else {
			goto bad;  /* 0xc1, never used */
		}
		if (is_container && n) {
			if (top + 1 > depth)
				goto bad;
			stack[++top] = n;
		}
	}
	return 0;
short_data:
	m->eod = 1;
bad:
	m->p = save;
	return -1;
}

int hs_mp_value(hs_mp *m, hs_value *v)
{
	const unsigned char *p = m->p;
	uint64_t u;
	int neg, is_bin;

	if (!hs_mp_left(m))
		return hs_mp_short(m);
	switch (*p) {
	case 0xc0:
		v->kind = HS_VALUE_NONE;
		m->p++;
		return 0;
	case 0xc2: case 0xc3:
		v->kind = HS_VALUE_BOOL;
		v->v.i = *p == 0xc3;
		m->p++;
		return 0;
	case 0xca:
		if (hs_mp_left(m) < 5)
			return hs_mp_short(m);
		{
			uint32_t bits = hs_mp_be32(p + 1);
			float f;

			memcpy(&f, &bits, 4);
			v->kind = HS_VALUE_FLOAT;
			v->v.f = f;
		}
		m->p += 5;
		return 0;
	case 0xcb:
		if (hs_mp_left(m) < 9)
			return hs_mp_short(m);
		{
			uint64_t bits = hs_mp_be64(p + 1);

			memcpy(&v->v.f, &bits, 8);
			v->kind = HS_VALUE_FLOAT;
		}
		m->p += 9;
		return 0;
	default:
		break;
	}
	if (hs_mp_integer(m, &u, &neg) == 0) {
		if (neg) {
			v->kind = HS_VALUE_INT;
			v->v.i = (int64_t)u;
		} else {
			v->kind = HS_VALUE_UINT;
			v->v.u = u;
		}
		return 0;
	}
	if (hs_mp_str_or_bin(m, &v->v.s.ptr, &v->v.s.len, 1, &is_bin) == 0) {
		v->kind = is_bin ? HS_VALUE_BYTES : HS_VALUE_STR;
		return 0;
	}
	return -1;
}
