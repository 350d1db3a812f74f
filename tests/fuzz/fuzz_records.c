/*
 * fuzz_records.c - libFuzzer target for the record layer: the input is
 * raw msgpack records, which this harness wraps into a well-formed .snap
 * (start frame, zstd data frames, optionally a trailer indexing them) so
 * that mutations reach the record parser instead of dying in zstd's
 * checks.  Then the same checks as fuzz_reader (hs_fuzz_reader).
 *
 * Input: one control byte, then the frames' raw bytes separated by the
 * 4 bytes C1 'H' 'S' 'F' (0xc1 is never used by msgpack).
 *   control bit 0: frames declare their content size
 *   control bit 1: append a trailer (frame offsets and sizes right,
 *                  counts taken from the control byte's upper bits)
 * Load: about 3x the input (frames, compressed copy).
 */
#include <zstd.h>

#include "entries.h"

#define SEP "\xc1HSF"
#define SEP_LEN 4
#define MAX_FRAMES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static size_t mp_u64(unsigned char *p, uint64_t v)
{
	p[0] = 0xcf;
	for (int i = 0; i < 8; i++)
		p[1 + i] = (unsigned char)(v >> (56 - 8 * i));
	return 9;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char start[16] = {
		0x50, 0x2a, 0x4d, 0x18, 8, 0, 0, 0,
		'H', 'S', 'N', 'A', 'P', 0, 1, 0
	};
	uint64_t off[MAX_FRAMES], cs[MAX_FRAMES], ds[MAX_FRAMES];
	size_t nf = 0, pos, cap, len;
	unsigned char *file, ctrl;
	const uint8_t *p, *end;
	ZSTD_CCtx *cctx;

	if (size < 1)
		return 0;
	ctrl = data[0];
	p = data + 1;
	end = data + size;
	cap = 16 + (MAX_FRAMES + 1) * 64 + ZSTD_compressBound(size) +
	      MAX_FRAMES * 128 + 64;
	file = malloc(cap);
	cctx = ZSTD_createCCtx();
	if (!file || !cctx)
		abort();
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, ctrl & 1);
	memcpy(file, start, 16);
	len = 16;
	while (p <= end && nf < MAX_FRAMES) {
		const uint8_t *q = nf + 1 < MAX_FRAMES
			? memmem(p, (size_t)(end - p), SEP, SEP_LEN) : NULL;
		size_t n = q ? (size_t)(q - p) : (size_t)(end - p), c;

		c = ZSTD_compress2(cctx, file + len, cap - len, p, n);
		if (ZSTD_isError(c))
			abort();
		off[nf] = len;
		cs[nf] = c;
		ds[nf] = n;
		nf++;
		len += c;
		if (!q)
			break;
		p = q + SEP_LEN;
	}
	if (ctrl & 2) {
		/* ["heapsnap-trailer", 1, [[off, csize, dsize, rec, obj,
		 * first]...], [6 totals]] then the footer */
		unsigned char *t = file + len + 8, *b = t;
		uint64_t h = 0xcbf29ce484222325ull;
		uint64_t guess = ctrl >> 2;

		*b++ = 0x94;
		*b++ = 0xb0;
		memcpy(b, "heapsnap-trailer", 16);
		b += 16;
		*b++ = 1;
		*b++ = 0xdc;
		*b++ = (unsigned char)(nf >> 8);
		*b++ = (unsigned char)nf;
		for (size_t i = 0; i < nf; i++) {
			*b++ = 0x96;
			b += mp_u64(b, off[i]);
			b += mp_u64(b, cs[i]);
			b += mp_u64(b, ds[i]);
			b += mp_u64(b, guess);
			b += mp_u64(b, guess);
			b += mp_u64(b, guess * i);
		}
		*b++ = 0x96;
		for (int i = 0; i < 6; i++)
			b += mp_u64(b, guess * nf);
		put32(file + len, 0x184D2A5Eu);
		put32(file + len + 4, (uint32_t)(b - t) + 16);
		for (unsigned char *x = t; x < b; x++) {
			h ^= *x;
			h *= 0x100000001b3ull;
		}
		put32(b, (uint32_t)h);
		put32(b + 4, (uint32_t)(h >> 32));
		put32(b + 8, (uint32_t)(b - t));
		memcpy(b + 12, "HSTR", 4);
		len = (size_t)(b + 16 - file);
	}
	ZSTD_freeCCtx(cctx);
	hs_fuzz_reader(file, len);
	free(file);
	return 0;
}
