/*
 * test_mp.c - the msgpack pull decoder (libdump/mp.h, mp.c) against bytes
 * packed by msgpack-c: every type and width, cut short at every length,
 * lying lengths, nesting past the bound, the never-used byte 0xc1.
 * Load: a few MiB of packed test values, well under a second.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <msgpack.h>

#include "mp.h"
#include "unit.h"

/* A msgpack-c buffer with its packer. */
typedef struct {
	msgpack_sbuffer sb;
	msgpack_packer pk;
} pk_t;

static void pk_init(pk_t *p)
{
	msgpack_sbuffer_init(&p->sb);
	msgpack_packer_init(&p->pk, &p->sb, msgpack_sbuffer_write);
}

static void pk_clear(pk_t *p)
{
	msgpack_sbuffer_clear(&p->sb);
}

static void pk_free(pk_t *p)
{
	msgpack_sbuffer_destroy(&p->sb);
}

static hs_mp mp_of(const pk_t *p)
{
	hs_mp m = { (const unsigned char *)p->sb.data,
		    (const unsigned char *)p->sb.data + p->sb.size, 0 };
	return m;
}

static unsigned char first_byte(const pk_t *p)
{
	return (unsigned char)p->sb.data[0];
}

/* Every prefix of the value in p (shorter than the whole) must fail with
 * the cursor left in place, using `fn` which decodes one value. */
typedef int (*decode_fn)(hs_mp *m);

static int check_prefixes(const pk_t *p, decode_fn fn)
{
	int bad = 0;

	for (size_t len = 0; len < p->sb.size; len++) {
		/* a copy of exactly len bytes, so ASan sees any overread */
		unsigned char *copy = malloc(len ? len : 1);
		hs_mp m;

		memcpy(copy, p->sb.data, len);
		m.p = copy;
		m.end = copy + len;
		if (fn(&m) != -1 || m.p != copy)
			bad++;
		free(copy);
	}
	return bad;
}

static int dec_integer(hs_mp *m)
{
	uint64_t v;
	int neg;

	return hs_mp_integer(m, &v, &neg);
}

static int dec_str(hs_mp *m)
{
	const char *s;
	size_t n;
	int is_bin;

	return hs_mp_str_or_bin(m, &s, &n, 1, &is_bin);
}

static int dec_array(hs_mp *m)
{
	uint32_t n;
	const unsigned char *save = m->p;

	if (hs_mp_array(m, &n) < 0)
		return -1;
	/* the elements too: the array "value" is header + elements */
	for (uint32_t i = 0; i < n; i++)
		if (hs_mp_skip(m, 32) < 0) {
			m->p = save;
			return -1;
		}
	return 0;
}

static int dec_skip(hs_mp *m)
{
	return hs_mp_skip(m, 32);
}

static int dec_value(hs_mp *m)
{
	hs_value v;

	return hs_mp_value(m, &v);
}

/* ---- integers ------------------------------------------------------- */

static void test_unsigned_all_widths(void)
{
	static const struct { uint64_t v; unsigned char tag; } cases[] = {
		{ 0, 0x00 }, { 1, 0x01 }, { 127, 0x7f }, { 128, 0xcc },
		{ 255, 0xcc }, { 256, 0xcd }, { 65535, 0xcd }, { 65536, 0xce },
		{ UINT32_MAX, 0xce }, { (uint64_t)UINT32_MAX + 1, 0xcf },
		{ (uint64_t)INT64_MAX + 1, 0xcf }, { UINT64_MAX, 0xcf }
	};
	pk_t p;

	pk_init(&p);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t want = cases[i].v, got = 12345;
		hs_mp m;
		int neg = 7;

		pk_clear(&p);
		msgpack_pack_uint64(&p.pk, want);
		CU_ASSERT_EQUAL(first_byte(&p), cases[i].tag);
		m = mp_of(&p);
		CU_ASSERT_EQUAL(hs_mp_integer(&m, &got, &neg), 0);
		CU_ASSERT_EQUAL(got, want);
		CU_ASSERT_EQUAL(neg, 0);
		CU_ASSERT_PTR_EQUAL(m.p, m.end);
		m = mp_of(&p);
		CU_ASSERT_EQUAL(hs_mp_uint(&m, &got), 0);
		CU_ASSERT_EQUAL(got, want);
		CU_ASSERT_EQUAL(check_prefixes(&p, dec_integer), 0);

		/* u32: fails above UINT32_MAX without moving */
		{
			uint32_t u32 = 99;

			m = mp_of(&p);
			if (want <= UINT32_MAX) {
				CU_ASSERT_EQUAL(hs_mp_u32(&m, &u32), 0);
				CU_ASSERT_EQUAL(u32, want);
			} else {
				CU_ASSERT_EQUAL(hs_mp_u32(&m, &u32), -1);
				CU_ASSERT_PTR_EQUAL(m.p, (void *)p.sb.data);
			}
		}
		/* int: fails above INT64_MAX without moving */
		{
			int64_t i64 = 99;

			m = mp_of(&p);
			if (want <= INT64_MAX) {
				CU_ASSERT_EQUAL(hs_mp_int(&m, &i64), 0);
				CU_ASSERT_EQUAL(i64, (int64_t)want);
			} else {
				CU_ASSERT_EQUAL(hs_mp_int(&m, &i64), -1);
				CU_ASSERT_PTR_EQUAL(m.p, (void *)p.sb.data);
			}
		}
	}
	/* forced widths: a small value in every unsigned encoding */
	for (int w = 0; w < 4; w++) {
		static const unsigned char tags[] = { 0xcc, 0xcd, 0xce, 0xcf };
		uint64_t got;
		hs_mp m;

		pk_clear(&p);
		switch (w) {
		case 0: msgpack_pack_fix_uint8(&p.pk, 7); break;
		case 1: msgpack_pack_fix_uint16(&p.pk, 7); break;
		case 2: msgpack_pack_fix_uint32(&p.pk, 7); break;
		default: msgpack_pack_fix_uint64(&p.pk, 7); break;
		}
		CU_ASSERT_EQUAL(first_byte(&p), tags[w]);
		CU_ASSERT_EQUAL(p.sb.size, 1u + (1u << w));
		m = mp_of(&p);
		CU_ASSERT_EQUAL(hs_mp_uint(&m, &got), 0);
		CU_ASSERT_EQUAL(got, 7);
		CU_ASSERT_PTR_EQUAL(m.p, m.end);
		CU_ASSERT_EQUAL(check_prefixes(&p, dec_integer), 0);
	}
	pk_free(&p);
}

static void test_signed_all_widths(void)
{
	static const struct { int64_t v; unsigned char tag; } cases[] = {
		{ -1, 0xff }, { -32, 0xe0 }, { -33, 0xd0 }, { -128, 0xd0 },
		{ -129, 0xd1 }, { -32768, 0xd1 }, { -32769, 0xd2 },
		{ INT32_MIN, 0xd2 }, { (int64_t)INT32_MIN - 1, 0xd3 },
		{ INT64_MIN, 0xd3 }, { 5, 0x05 }, { INT64_MAX, 0xcf }
	};
	pk_t p;

	pk_init(&p);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t want = cases[i].v, got = 0;
		uint64_t u;
		hs_mp m;
		int neg;

		pk_clear(&p);
		msgpack_pack_int64(&p.pk, want);
		CU_ASSERT_EQUAL(first_byte(&p), cases[i].tag);
		m = mp_of(&p);
		CU_ASSERT_EQUAL(hs_mp_int(&m, &got), 0);
		CU_ASSERT_EQUAL(got, want);
		CU_ASSERT_PTR_EQUAL(m.p, m.end);
		m = mp_of(&p);
		CU_ASSERT_EQUAL(hs_mp_integer(&m, &u, &neg), 0);
		CU_ASSERT_EQUAL(neg, want < 0);
		CU_ASSERT_EQUAL((int64_t)u, want);
		/* uint refuses a negative and stays put */
		m = mp_of(&p);
		if (want < 0) {
			CU_ASSERT_EQUAL(hs_mp_uint(&m, &u), -1);
			CU_ASSERT_PTR_EQUAL(m.p, (void *)p.sb.data);
		}
		CU_ASSERT_EQUAL(check_prefixes(&p, dec_integer), 0);
	}
	/* forced signed widths, negative and positive */
	for (int w = 0; w < 4; w++) {
		static const unsigned char tags[] = { 0xd0, 0xd1, 0xd2, 0xd3 };

		for (int sign = 0; sign < 2; sign++) {
			int64_t want = sign ? -3 : 3, got;
			uint64_t u;
			hs_mp m;

			pk_clear(&p);
			switch (w) {
			case 0: msgpack_pack_fix_int8(&p.pk, (int8_t)want); break;
			case 1: msgpack_pack_fix_int16(&p.pk, (int16_t)want); break;
			case 2: msgpack_pack_fix_int32(&p.pk, (int32_t)want); break;
			default: msgpack_pack_fix_int64(&p.pk, want); break;
			}
			CU_ASSERT_EQUAL(first_byte(&p), tags[w]);
			m = mp_of(&p);
			CU_ASSERT_EQUAL(hs_mp_int(&m, &got), 0);
			CU_ASSERT_EQUAL(got, want);
			CU_ASSERT_PTR_EQUAL(m.p, m.end);
			/* a signed encoding of a positive value is a uint */
			m = mp_of(&p);
			CU_ASSERT_EQUAL(hs_mp_uint(&m, &u), sign ? -1 : 0);
			if (!sign)
				CU_ASSERT_EQUAL(u, 3);
			CU_ASSERT_EQUAL(check_prefixes(&p, dec_integer), 0);
		}
	}
	pk_free(&p);
}

static void test_integer_rejects_other_types(void)
{
	static const unsigned char others[] = {
		0xc0, 0xc2, 0xc3, 0xc1, 0xa1, 0x91, 0x81, 0xca, 0xcb, 0xc4,
		0xd9, 0xdc, 0xde, 0xd4, 0xc7
	};

	for (size_t i = 0; i < sizeof(others); i++) {
		unsigned char buf[16] = { others[i] };
		hs_mp m = { buf, buf + sizeof(buf), 0 };
		uint64_t v;
		int neg;

		CU_ASSERT_EQUAL(hs_mp_integer(&m, &v, &neg), -1);
		CU_ASSERT_PTR_EQUAL(m.p, buf);
	}
}

/* ---- str / bin ---------------------------------------------------------- */

static void test_str_bin_all_widths(void)
{
	static const struct { size_t len; unsigned char str, bin; } cases[] = {
		{ 0, 0xa0, 0xc4 }, { 1, 0xa1, 0xc4 }, { 31, 0xbf, 0xc4 },
		{ 32, 0xd9, 0xc4 }, { 255, 0xd9, 0xc4 }, { 256, 0xda, 0xc5 },
		{ 65535, 0xda, 0xc5 }, { 65536, 0xdb, 0xc6 },
		{ 70001, 0xdb, 0xc6 }
	};
	char *body = malloc(70001);
	pk_t p;

	for (size_t i = 0; i < 70001; i++)
		body[i] = (char)(i * 31 + 7);
	pk_init(&p);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int bin = 0; bin < 2; bin++) {
			size_t len = cases[i].len, n = 999;
			const char *s = NULL;
			hs_mp m;
			int is_bin = -1;

			pk_clear(&p);
			if (bin) {
				msgpack_pack_bin(&p.pk, len);
				msgpack_pack_bin_body(&p.pk, body, len);
			} else {
				msgpack_pack_str(&p.pk, len);
				msgpack_pack_str_body(&p.pk, body, len);
			}
			CU_ASSERT_EQUAL(first_byte(&p), bin ? cases[i].bin
							    : cases[i].str);
			m = mp_of(&p);
			CU_ASSERT_EQUAL(hs_mp_str_or_bin(&m, &s, &n, 1, &is_bin),
					0);
			CU_ASSERT_EQUAL(n, len);
			CU_ASSERT_EQUAL(is_bin, bin);
			CU_ASSERT(len == 0 || memcmp(s, body, len) == 0);
			CU_ASSERT_PTR_EQUAL(m.p, m.end);
			/* hs_mp_str takes str only */
			m = mp_of(&p);
			CU_ASSERT_EQUAL(hs_mp_str(&m, &s, &n), bin ? -1 : 0);
			CU_ASSERT_PTR_EQUAL(m.p, bin ? (const unsigned char *)
					    p.sb.data : m.end);
			/* the prefixes: a big value checks a sample of them */
			if (len <= 300)
				CU_ASSERT_EQUAL(check_prefixes(&p, dec_str), 0);
			for (size_t cut = 0; cut < 8 && len > 300; cut++) {
				size_t at = cut < 6 ? cut : p.sb.size - (8 - cut);
				hs_mp t = { (const unsigned char *)p.sb.data,
					    (const unsigned char *)p.sb.data +
					    at, 0 };

				CU_ASSERT_EQUAL(hs_mp_str_or_bin(&t, &s, &n, 1,
							&is_bin), -1);
				CU_ASSERT_PTR_EQUAL(t.p, (void *)p.sb.data);
			}
		}
	}
	pk_free(&p);
	free(body);
}

/* ---- arrays ---------------------------------------------------------- */

static void test_arrays_all_widths(void)
{
	static const struct { uint32_t n; unsigned char tag; } cases[] = {
		{ 0, 0x90 }, { 15, 0x9f }, { 16, 0xdc }, { 65535, 0xdc },
		{ 65536, 0xdd }, { 70000, 0xdd }
	};
	pk_t p;

	pk_init(&p);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t n = 0, got = 1;
		hs_mp m;

		pk_clear(&p);
		msgpack_pack_array(&p.pk, cases[i].n);
		for (uint32_t j = 0; j < cases[i].n; j++)
			msgpack_pack_uint32(&p.pk, j);
		CU_ASSERT_EQUAL(first_byte(&p), cases[i].tag);
		m = mp_of(&p);
		CU_ASSERT_EQUAL(hs_mp_array(&m, &n), 0);
		CU_ASSERT_EQUAL(n, cases[i].n);
		for (uint32_t j = 0; j < n; j++) {
			uint32_t v;

			if (hs_mp_u32(&m, &v) < 0 || v != j) {
				got = 0;
				break;
			}
		}
		CU_ASSERT_EQUAL(got, 1);
		CU_ASSERT_PTR_EQUAL(m.p, m.end);
		/* skip over the whole array */
		m = mp_of(&p);
		CU_ASSERT_EQUAL(hs_mp_skip(&m, 1), 0);
		CU_ASSERT_PTR_EQUAL(m.p, m.end);
		if (cases[i].n <= 16) {
			CU_ASSERT_EQUAL(check_prefixes(&p, dec_array), 0);
			CU_ASSERT_EQUAL(check_prefixes(&p, dec_skip), 0);
		}
		/* the header alone (no elements) cannot claim n elements */
		if (cases[i].n > 0) {
			size_t hl = cases[i].tag == 0xdc ? 3
				    : cases[i].tag == 0xdd ? 5 : 1;
			hs_mp t = { (const unsigned char *)p.sb.data,
				    (const unsigned char *)p.sb.data + hl +
				    cases[i].n - 1, 0 };

			CU_ASSERT_EQUAL(hs_mp_array(&t, &n), -1);
			CU_ASSERT_PTR_EQUAL(t.p, (void *)p.sb.data);
		}
	}
	pk_free(&p);
}

/* ---- nil, bool, float, double: hs_mp_value -------------------------------- */

static void test_scalars_and_values(void)
{
	pk_t p;
	hs_value v;
	hs_mp m;
	double d = -2.5e-300;
	uint64_t bits, got_bits;

	pk_init(&p);
	msgpack_pack_nil(&p.pk);
	msgpack_pack_true(&p.pk);
	msgpack_pack_false(&p.pk);
	msgpack_pack_float(&p.pk, 1.5f);
	msgpack_pack_double(&p.pk, d);
	msgpack_pack_double(&p.pk, -0.0);
	msgpack_pack_int64(&p.pk, -77);
	msgpack_pack_uint64(&p.pk, UINT64_MAX);
	msgpack_pack_str(&p.pk, 3);
	msgpack_pack_str_body(&p.pk, "abc", 3);
	msgpack_pack_bin(&p.pk, 2);
	msgpack_pack_bin_body(&p.pk, "\0\1", 2);
	msgpack_pack_array(&p.pk, 0);
	m = mp_of(&p);
	CU_ASSERT(hs_mp_peek_nil(&m));
	CU_ASSERT_EQUAL(hs_mp_value(&m, &v), 0);
	CU_ASSERT_EQUAL(v.kind, HS_VALUE_NONE);
	CU_ASSERT(!hs_mp_peek_nil(&m));
	CU_ASSERT_EQUAL(hs_mp_nil(&m), -1);
	CU_ASSERT_EQUAL(hs_mp_value(&m, &v), 0);
	CU_ASSERT_EQUAL(v.kind, HS_VALUE_BOOL);
	CU_ASSERT_EQUAL(v.v.i, 1);
	CU_ASSERT_EQUAL(hs_mp_value(&m, &v), 0);
	CU_ASSERT_EQUAL(v.kind, HS_VALUE_BOOL);
	CU_ASSERT_EQUAL(v.v.i, 0);
	CU_ASSERT_EQUAL(*m.p, 0xca);
	CU_ASSERT_EQUAL(hs_mp_value(&m, &v), 0);
	CU_ASSERT_EQUAL(v.kind, HS_VALUE_FLOAT);
	CU_ASSERT_EQUAL(v.v.f, 1.5);
	CU_ASSERT_EQUAL(*m.p, 0xcb);
	CU_ASSERT_EQUAL(hs_mp_value(&m, &v), 0);
	CU_ASSERT_EQUAL(v.kind, HS_VALUE_FLOAT);
	memcpy(&bits, &d, 8);
	memcpy(&got_bits, &v.v.f, 8);
	CU_ASSERT_EQUAL(got_bits, bits);
	CU_ASSERT_EQUAL(hs_mp_value(&m, &v), 0);
	CU_ASSERT(v.v.f == 0.0 && signbit(v.v.f));
	CU_ASSERT_EQUAL(hs_mp_value(&m, &v), 0);
	CU_ASSERT_EQUAL(v.kind, HS_VALUE_INT);
	CU_ASSERT_EQUAL(v.v.i, -77);
	CU_ASSERT_EQUAL(hs_mp_value(&m, &v), 0);
	CU_ASSERT_EQUAL(v.kind, HS_VALUE_UINT);
	CU_ASSERT_EQUAL(v.v.u, UINT64_MAX);
	CU_ASSERT_EQUAL(hs_mp_value(&m, &v), 0);
	CU_ASSERT_EQUAL(v.kind, HS_VALUE_STR);
	CU_ASSERT(v.v.s.len == 3 && memcmp(v.v.s.ptr, "abc", 3) == 0);
	CU_ASSERT_EQUAL(hs_mp_value(&m, &v), 0);
	CU_ASSERT_EQUAL(v.kind, HS_VALUE_BYTES);
	CU_ASSERT(v.v.s.len == 2 && memcmp(v.v.s.ptr, "\0\1", 2) == 0);
	/* an array is not a preview value */
	{
		const unsigned char *at = m.p;

		CU_ASSERT_EQUAL(hs_mp_value(&m, &v), -1);
		CU_ASSERT_PTR_EQUAL(m.p, at);
	}
	CU_ASSERT_EQUAL(hs_mp_skip(&m, 1), 0);
	CU_ASSERT_PTR_EQUAL(m.p, m.end);
	CU_ASSERT_EQUAL(hs_mp_value(&m, &v), -1);   /* nothing left */

	/* every prefix of each scalar fails */
	pk_clear(&p);
	msgpack_pack_double(&p.pk, 3.25);
	CU_ASSERT_EQUAL(check_prefixes(&p, dec_value), 0);
	CU_ASSERT_EQUAL(check_prefixes(&p, dec_skip), 0);
	pk_clear(&p);
	msgpack_pack_float(&p.pk, 3.25f);
	CU_ASSERT_EQUAL(check_prefixes(&p, dec_value), 0);
	CU_ASSERT_EQUAL(check_prefixes(&p, dec_skip), 0);
	pk_clear(&p);
	msgpack_pack_str(&p.pk, 40);
	msgpack_pack_str_body(&p.pk, "0123456789012345678901234567890123456789",
			      40);
	CU_ASSERT_EQUAL(check_prefixes(&p, dec_value), 0);
	pk_free(&p);
}

/* ---- skip ------------------------------------------------------------- */

static void pack_ext(msgpack_packer *pk, size_t len)
{
	static const char data[300];

	msgpack_pack_ext(pk, len, 42);
	msgpack_pack_ext_body(pk, data, len);
}

static void test_skip_maps_ext_nested(void)
{
	static const struct { size_t len; unsigned char tag; } exts[] = {
		{ 1, 0xd4 }, { 2, 0xd5 }, { 4, 0xd6 }, { 8, 0xd7 },
		{ 16, 0xd8 }, { 3, 0xc7 }, { 0, 0xc7 }, { 255, 0xc7 },
		{ 256, 0xc8 }
	};
	pk_t p;
	hs_mp m;

	pk_init(&p);
	/* each ext form, then a sentinel */
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		uint64_t s;

		pk_clear(&p);
		pack_ext(&p.pk, exts[i].len);
		CU_ASSERT_EQUAL(first_byte(&p), exts[i].tag);
		CU_ASSERT_EQUAL(check_prefixes(&p, dec_skip), 0);
		msgpack_pack_uint8(&p.pk, 0x55);
		m = mp_of(&p);
		CU_ASSERT_EQUAL(hs_mp_skip(&m, 0), 0);
		CU_ASSERT_EQUAL(hs_mp_uint(&m, &s), 0);
		CU_ASSERT_EQUAL(s, 0x55);
		CU_ASSERT_PTR_EQUAL(m.p, m.end);
	}
	/* ext32, by hand (msgpack-c picks ext16 below 64 KiB) */
	{
		unsigned char e[6 + 70000];

		memset(e, 0, sizeof(e));
		e[0] = 0xc9;
		e[1] = 0; e[2] = 1; e[3] = 0x11; e[4] = 0x70;  /* 70000 */
		e[5] = 1;
		m.p = e;
		m.end = e + sizeof(e);
		CU_ASSERT_EQUAL(hs_mp_skip(&m, 0), 0);
		CU_ASSERT_PTR_EQUAL(m.p, e + sizeof(e));
		m.p = e;
		m.end = e + sizeof(e) - 1;
		CU_ASSERT_EQUAL(hs_mp_skip(&m, 0), -1);
		CU_ASSERT_PTR_EQUAL(m.p, e);
	}
	/* maps: fixmap, map16, map32 of mixed values */
	{
		static const uint32_t sizes[] = { 0, 1, 15, 16, 65535, 65536 };
		static const unsigned char tags[] = { 0x80, 0x81, 0x8f, 0xde,
						      0xde, 0xdf };

		for (size_t i = 0; i < 6; i++) {
			uint64_t s;

			pk_clear(&p);
			msgpack_pack_map(&p.pk, sizes[i]);
			for (uint32_t j = 0; j < sizes[i]; j++) {
				msgpack_pack_uint32(&p.pk, j);
				if (j % 3 == 0)
					msgpack_pack_str(&p.pk, 0);
				else if (j % 3 == 1)
					msgpack_pack_nil(&p.pk);
				else
					msgpack_pack_double(&p.pk, j);
			}
			CU_ASSERT_EQUAL(first_byte(&p), tags[i]);
			if (sizes[i] <= 16)
				CU_ASSERT_EQUAL(check_prefixes(&p, dec_skip), 0);
			msgpack_pack_uint8(&p.pk, 0x66);
			m = mp_of(&p);
			CU_ASSERT_EQUAL(hs_mp_skip(&m, 1), 0);
			CU_ASSERT_EQUAL(hs_mp_uint(&m, &s), 0);
			CU_ASSERT_EQUAL(s, 0x66);
		}
	}
	/* nested: [ {"k": [1, [2, {3: ext}], bin]}, [], {}, -1, 1.5 ] */
	{
		uint64_t s;

		pk_clear(&p);
		msgpack_pack_array(&p.pk, 5);
		msgpack_pack_map(&p.pk, 1);
		msgpack_pack_str(&p.pk, 1);
		msgpack_pack_str_body(&p.pk, "k", 1);
		msgpack_pack_array(&p.pk, 3);
		msgpack_pack_uint8(&p.pk, 1);
		msgpack_pack_array(&p.pk, 2);
		msgpack_pack_uint8(&p.pk, 2);
		msgpack_pack_map(&p.pk, 1);
		msgpack_pack_uint8(&p.pk, 3);
		pack_ext(&p.pk, 5);
		msgpack_pack_bin(&p.pk, 1);
		msgpack_pack_bin_body(&p.pk, "x", 1);
		msgpack_pack_array(&p.pk, 0);
		msgpack_pack_map(&p.pk, 0);
		msgpack_pack_int8(&p.pk, -1);
		msgpack_pack_double(&p.pk, 1.5);
		CU_ASSERT_EQUAL(check_prefixes(&p, dec_skip), 0);
		msgpack_pack_uint8(&p.pk, 0x77);
		m = mp_of(&p);
		/* 5 containers deep: array > map > array > array > map */
		CU_ASSERT_EQUAL(hs_mp_skip(&m, 4), -1);
		CU_ASSERT_PTR_EQUAL(m.p, (void *)p.sb.data);
		CU_ASSERT_EQUAL(hs_mp_skip(&m, 5), 0);
		CU_ASSERT_EQUAL(hs_mp_uint(&m, &s), 0);
		CU_ASSERT_EQUAL(s, 0x77);
	}
	pk_free(&p);
}

static void test_lying_lengths(void)
{
	/* each header claims far more than the 12 bytes that follow */
	static const unsigned char heads[][6] = {
		{ 0xdb, 0xff, 0xff, 0xff, 0xff }, /* str32 4 GiB */
		{ 0xda, 0x01, 0x00 },             /* str16 256 */
		{ 0xd9, 0x20 },                   /* str8 32 */
		{ 0xbf },                         /* fixstr 31 */
		{ 0xc6, 0x7f, 0xff, 0xff, 0xff }, /* bin32 */
		{ 0xc5, 0xff, 0xff },             /* bin16 */
		{ 0xc4, 0x40 },                   /* bin8 */
		{ 0xdd, 0xff, 0xff, 0xff, 0xff }, /* array32 */
		{ 0xdc, 0x00, 0x20 },             /* array16 of 32 */
		{ 0x9f },                         /* fixarray 15 */
		{ 0xdf, 0x80, 0x00, 0x00, 0x00 }, /* map32: 2^31 * 2 */
		{ 0xdf, 0xff, 0xff, 0xff, 0xff }, /* map32 */
		{ 0xde, 0x00, 0x07 },             /* map16 of 7 = 14 values */
		{ 0x8f },                         /* fixmap 15 = 30 values */
		{ 0xc9, 0xff, 0xff, 0xff, 0xf0 }, /* ext32 */
		{ 0xc8, 0x01, 0x00 },             /* ext16 */
		{ 0xc7, 0x10 },                   /* ext8 */
		{ 0xd8 },                         /* fixext16 */
	};
	static const size_t hl[] = { 5, 3, 2, 1, 5, 3, 2, 5, 3, 1, 5, 5, 3,
				     1, 5, 3, 2, 1 };

	for (size_t i = 0; i < sizeof(hl) / sizeof(hl[0]); i++) {
		unsigned char buf[5 + 12];
		hs_mp m;
		const char *s;
		size_t n;
		uint32_t k;
		int is_bin;

		memset(buf, 0x01, sizeof(buf));  /* positive fixints */
		memcpy(buf, heads[i], hl[i]);
		m.p = buf;
		m.end = buf + hl[i] + 12;
		CU_ASSERT_EQUAL(hs_mp_skip(&m, 32), -1);
		CU_ASSERT_PTR_EQUAL(m.p, buf);
		CU_ASSERT_EQUAL(hs_mp_str_or_bin(&m, &s, &n, 1, &is_bin), -1);
		CU_ASSERT_PTR_EQUAL(m.p, buf);
		CU_ASSERT_EQUAL(hs_mp_array(&m, &k), -1);
		CU_ASSERT_PTR_EQUAL(m.p, buf);
	}
}

static void test_nesting_bound(void)
{
	pk_t p;
	hs_mp m;

	pk_init(&p);
	/* 33 nested one-element arrays around a 1: deeper than 32 */
	for (int depth = 31; depth <= 34; depth++) {
		pk_clear(&p);
		for (int i = 0; i < depth; i++)
			msgpack_pack_array(&p.pk, 1);
		msgpack_pack_uint8(&p.pk, 1);
		m = mp_of(&p);
		CU_ASSERT_EQUAL(hs_mp_skip(&m, 32), depth <= 32 ? 0 : -1);
		CU_ASSERT_PTR_EQUAL(m.p, depth <= 32 ? m.end
				    : (const unsigned char *)p.sb.data);
		/* a larger bound is clamped to 32 */
		m = mp_of(&p);
		CU_ASSERT_EQUAL(hs_mp_skip(&m, 1000), depth <= 32 ? 0 : -1);
		/* maps count as nesting too */
		pk_clear(&p);
		for (int i = 0; i < depth; i++) {
			msgpack_pack_map(&p.pk, 1);
			msgpack_pack_nil(&p.pk);
		}
		msgpack_pack_uint8(&p.pk, 1);
		m = mp_of(&p);
		CU_ASSERT_EQUAL(hs_mp_skip(&m, 32), depth <= 32 ? 0 : -1);
	}
	/* a tight bound: 3 levels with depth 2 fails, with 3 passes */
	pk_clear(&p);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_true(&p.pk);
	m = mp_of(&p);
	CU_ASSERT_EQUAL(hs_mp_skip(&m, 2), -1);
	CU_ASSERT_EQUAL(hs_mp_skip(&m, 3), 0);
	/* deep but wide: 100000 nested arrays of a hostile file stay
	 * bounded and iterative (no stack overflow) */
	{
		size_t n = 100000;
		unsigned char *deep = malloc(n + 1);

		memset(deep, 0x91, n);
		deep[n] = 0x01;
		m.p = deep;
		m.end = deep + n + 1;
		CU_ASSERT_EQUAL(hs_mp_skip(&m, 32), -1);
		CU_ASSERT_PTR_EQUAL(m.p, deep);
		free(deep);
	}
	pk_free(&p);
}

static void test_c1_never_used(void)
{
	unsigned char buf[4] = { 0xc1, 0, 0, 0 };
	unsigned char arr[3] = { 0x92, 0x01, 0xc1 };
	hs_mp m = { buf, buf + 4, 0 };
	hs_value v;
	uint64_t u;
	uint32_t k;
	const char *s;
	size_t n;
	int neg, is_bin;

	CU_ASSERT_EQUAL(hs_mp_skip(&m, 32), -1);
	CU_ASSERT_EQUAL(hs_mp_value(&m, &v), -1);
	CU_ASSERT_EQUAL(hs_mp_integer(&m, &u, &neg), -1);
	CU_ASSERT_EQUAL(hs_mp_array(&m, &k), -1);
	CU_ASSERT_EQUAL(hs_mp_str_or_bin(&m, &s, &n, 1, &is_bin), -1);
	CU_ASSERT_EQUAL(hs_mp_nil(&m), -1);
	CU_ASSERT_PTR_EQUAL(m.p, buf);
	/* inside a container too, and the cursor goes back to the start */
	m.p = arr;
	m.end = arr + 3;
	CU_ASSERT_EQUAL(hs_mp_skip(&m, 32), -1);
	CU_ASSERT_PTR_EQUAL(m.p, arr);
}

/* Every one of the 256 first bytes, followed by zeros: skip either
 * fails without moving or lands inside the buffer, on exactly the size
 * the msgpack spec gives (msgpack-c's unpacker as the reference). */
static void test_every_first_byte_vs_msgpack_c(void)
{
	for (int b = 0; b < 256; b++) {
		unsigned char buf[64];
		hs_mp m = { buf, buf + sizeof(buf), 0 };
		msgpack_unpacked u;
		size_t off = 0;
		msgpack_unpack_return ret;
		int rc;

		memset(buf, 0, sizeof(buf));
		buf[0] = (unsigned char)b;
		rc = hs_mp_skip(&m, 32);
		msgpack_unpacked_init(&u);
		ret = msgpack_unpack_next(&u, (const char *)buf, sizeof(buf),
					  &off);
		if (ret == MSGPACK_UNPACK_SUCCESS) {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_EQUAL((size_t)(m.p - buf), off);
		} else {
			CU_ASSERT_EQUAL(rc, -1);
			CU_ASSERT_PTR_EQUAL(m.p, buf);
		}
		msgpack_unpacked_destroy(&u);
	}
}

/* hs_mp_fast_int (the branch-free reference decoder) agrees with
 * hs_mp_int on every integer encoding, gives up (-1) on the rest and on
 * uint64 above INT64_MAX, and never reads a value past end. */
static void test_fast_int_agrees(void)
{
	static const int64_t vals[] = {
		0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295LL,
		4294967296LL, INT64_MAX, -1, -32, -33, -128, -129, -32768,
		-32769, INT32_MIN, (int64_t)INT32_MIN - 1, INT64_MIN
	};
	pk_t p;
	int bad = 0, fast = 0;

	pk_init(&p);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		for (int form = 0; form < 9; form++) {
			int64_t v = vals[i], a = 0, b = 0;
			unsigned char buf[16 + HS_MP_SLACK];
			const unsigned char *q;
			hs_mp m;
			int ra, rb;

			pk_clear(&p);
			switch (form) {
			case 0: msgpack_pack_int64(&p.pk, v); break;
			case 1: if (v < -128 || v > 127) continue;
				msgpack_pack_fix_int8(&p.pk, (int8_t)v); break;
			case 2: if (v < -32768 || v > 32767) continue;
				msgpack_pack_fix_int16(&p.pk, (int16_t)v); break;
			case 3: if (v < INT32_MIN || v > INT32_MAX) continue;
				msgpack_pack_fix_int32(&p.pk, (int32_t)v); break;
			case 4: msgpack_pack_fix_int64(&p.pk, v); break;
			case 5: if (v < 0 || v > 255) continue;
				msgpack_pack_fix_uint8(&p.pk, (uint8_t)v); break;
			case 6: if (v < 0 || v > 65535) continue;
				msgpack_pack_fix_uint16(&p.pk, (uint16_t)v); break;
			case 7: if (v < 0 || v > UINT32_MAX) continue;
				msgpack_pack_fix_uint32(&p.pk, (uint32_t)v); break;
			default: if (v < 0) continue;
				msgpack_pack_fix_uint64(&p.pk, (uint64_t)v); break;
			}
			/* the value, then slack of a byte that is not one */
			memset(buf, 0xc1, sizeof(buf));
			memcpy(buf, p.sb.data, p.sb.size);
			for (size_t len = 0; len <= p.sb.size; len++) {
				q = buf;
				m.p = buf;
				m.end = buf + len;
				ra = hs_mp_fast_int(&q, buf + len, &a);
				rb = hs_mp_int(&m, &b);
				if (ra == 0) {
					fast++;
					bad += rb != 0 || a != b || q != m.p ||
					       len != p.sb.size;
				} else {
					bad += q != buf;
					/* only 0xcf is left to the slow path */
					bad += rb == 0 && buf[0] != 0xcf;
				}
			}
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(fast > 40);
	/* not integers */
	{
		static const unsigned char no[] = { 0xc0, 0xc1, 0xc2, 0xca,
						    0xcb, 0xa0, 0x90, 0x80,
						    0xd4, 0xd9, 0xdc, 0xde };

		for (size_t i = 0; i < sizeof(no); i++) {
			unsigned char buf[1 + HS_MP_SLACK] = { no[i] };
			const unsigned char *q = buf;
			int64_t v;

			CU_ASSERT_EQUAL(hs_mp_fast_int(&q, buf + 9, &v), -1);
			CU_ASSERT_PTR_EQUAL(q, buf);
		}
	}
	pk_free(&p);
}

HS_SUITE(mp,
	 HS_TEST(test_unsigned_all_widths),
	 HS_TEST(test_signed_all_widths),
	 HS_TEST(test_integer_rejects_other_types),
	 HS_TEST(test_str_bin_all_widths),
	 HS_TEST(test_arrays_all_widths),
	 HS_TEST(test_scalars_and_values),
	 HS_TEST(test_skip_maps_ext_nested),
	 HS_TEST(test_lying_lengths),
	 HS_TEST(test_nesting_bound),
	 HS_TEST(test_c1_never_used),
	 HS_TEST(test_every_first_byte_vs_msgpack_c),
	 HS_TEST(test_fast_int_agrees))
