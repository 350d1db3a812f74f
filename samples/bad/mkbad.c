/*
 * mkbad.c - makes the damaged samples of samples/bad/ from a good .snap
 * (samples/bad/make.sh builds and runs it): each file shows one kind of
 * damage a reader must survive and report.  Load: one small file in
 * memory.
 *
 * Usage: mkbad GOOD.snap OUTDIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <zstd.h>

#include "format.h"
#include "hs_reader.h"

static unsigned char *data;
static size_t size;

static int put(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
		perror(path);
		return -1;
	}
	printf("%s: %zu bytes\n", name, n);
	return 0;
}

/* the good file's trailer, rewritten with frame 1 holding 3 objects more
 * than it does and the totals to match: the checksum is right, the
 * counts lie */
static int lying_trailer(const char *dir, const hs_frame_info *fr, size_t n,
			 const uint64_t totals[6])
{
	size_t end = fr[n - 1].offset + fr[n - 1].csize;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	unsigned char head[8], foot[HS_FOOTER_SIZE], *out;
	int rc;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_str(&pk, strlen(HS_TRAILER_NAME));
	msgpack_pack_str_body(&pk, HS_TRAILER_NAME, strlen(HS_TRAILER_NAME));
	msgpack_pack_uint32(&pk, HS_FORMAT_VERSION);
	msgpack_pack_array(&pk, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		msgpack_pack_array(&pk, 6);
		msgpack_pack_uint64(&pk, fr[i].offset);
		msgpack_pack_uint64(&pk, fr[i].csize);
		msgpack_pack_uint64(&pk, fr[i].dsize);
		msgpack_pack_uint64(&pk, fr[i].records);
		msgpack_pack_uint64(&pk, fr[i].objects + (i == 1 ? 3 : 0));
		msgpack_pack_uint64(&pk, fr[i].first_object + (i > 1 ? 3 : 0));
	}
	msgpack_pack_array(&pk, 6);
	for (int i = 0; i < 6; i++)
		msgpack_pack_uint64(&pk, totals[i] + (i == 0 ? 3 : 0));
	hs_put_le32(head, HS_TRAILER_MAGIC);
	hs_put_le32(head + 4, (uint32_t)(sb.size + HS_FOOTER_SIZE));
	hs_put_le64(foot, hs_fnv1a64(sb.data, sb.size));
	hs_put_le32(foot + 8, (uint32_t)sb.size);
	memcpy(foot + 12, HS_FOOTER_TEXT, 4);
	out = malloc(end + 8 + sb.size + sizeof(foot));
	if (!out)
		return -1;
	memcpy(out, data, end);
	memcpy(out + end, head, 8);
	memcpy(out + end + 8, sb.data, sb.size);
	memcpy(out + end + 8 + sb.size, foot, sizeof(foot));
	rc = put(dir, "lying-trailer.snap", out, end + 8 + sb.size +
		 sizeof(foot));
	free(out);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

int main(int argc, char **argv)
{
	static const char text[] = "this is a text file compressed with "
				   "zstd, not a heap snapshot\n";
	hs_reader *r;
	const hs_frame_info *f;
	hs_frame_info *fr;
	uint64_t totals[6];
	unsigned char *copy, z[256];
	size_t n, mid, cut, zn;
	FILE *in;
	int rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: mkbad GOOD.snap OUTDIR\n");
		return 2;
	}
	in = fopen(argv[1], "rb");
	if (!in || fseek(in, 0, SEEK_END) != 0 ||
	    (size = (size_t)ftell(in)) == 0 || fseek(in, 0, SEEK_SET) != 0 ||
	    !(data = malloc(size)) || fread(data, 1, size, in) != size) {
		perror(argv[1]);
		return 2;
	}
	fclose(in);
	if (hs_reader_open_mem(&r, data, size, argv[1], NULL) < 0 ||
	    hs_reader_trailer_totals(totals, r) < 0) {
		fprintf(stderr, "%s\n", hs_error_last());
		return 2;
	}
	n = hs_reader_frames(&f, r);
	if (n < 5) {
		fprintf(stderr, "%s: %zu frames, want 5 or more\n", argv[1], n);
		return 2;
	}
	fr = malloc(n * sizeof(*fr));
	copy = malloc(size);
	if (!fr || !copy)
		return 2;
	memcpy(fr, f, n * sizeof(*fr));
	hs_reader_free(r);
	mid = n / 2;

	/* cut halfway through the middle frame */
	cut = fr[mid].offset + fr[mid].csize / 2;
	rc |= put(argv[2], "truncated-mid-frame.snap", data, cut);
	/* one byte inverted halfway through the middle frame */
	memcpy(copy, data, size);
	copy[cut] ^= 0xff;
	rc |= put(argv[2], "flipped-middle-frame.snap", copy, size);
	/* everything but the trailer */
	rc |= put(argv[2], "no-trailer.snap", data,
		  fr[n - 1].offset + fr[n - 1].csize);
	rc |= lying_trailer(argv[2], fr, n, totals);
	/* another format: zstd of text, and nothing at all */
	zn = ZSTD_compress(z, sizeof(z), text, sizeof(text) - 1, 3);
	if (ZSTD_isError(zn))
		return 2;
	rc |= put(argv[2], "not-a-snap.snap", z, zn);
	rc |= put(argv[2], "empty.snap", "", 0);
	free(copy);
	free(fr);
	free(data);
	return rc ? 2 : 0;
}
