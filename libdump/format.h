/*
 * format.h - the .snap format's constants, shared by the writer's and
 * the reader's files (internal).  format/FORMAT.md is the normative
 * text; every number here appears there.
 */
#ifndef HS_FORMAT_H
#define HS_FORMAT_H

#include <stdint.h>

/* zstd frame magics (RFC 8878) */
#define HS_ZSTD_MAGIC 0xFD2FB528u
#define HS_SKIP_MAGIC_MIN 0x184D2A50u
#define HS_SKIP_MAGIC_MAX 0x184D2A5Fu

/* The start frame: skippable frame 0x184D2A50 holding 8 bytes,
 * "HSNAP\0" and the format version as u16 little-endian. */
#define HS_START_MAGIC 0x184D2A50u
#define HS_START_SIZE 16u
#define HS_START_TEXT "HSNAP"

/* The trailer: skippable frame 0x184D2A5E holding the msgpack trailer
 * and a 16-byte footer: u64 LE FNV-1a of the msgpack bytes, u32 LE their
 * length, the 4 bytes "HSTR". */
#define HS_TRAILER_MAGIC 0x184D2A5Eu
#define HS_FOOTER_SIZE 16u
#define HS_FOOTER_TEXT "HSTR"
#define HS_TRAILER_NAME "heapsnap-trailer"
#define HS_FORMAT_NAME "heapsnap"

/* record tags: hs_record_kind in hs_record.h */

/* Reader limits (FORMAT.md, "Limits") */
#define HS_READER_FRAME_MAX (4u * (16u << 20))  /* decompressed bytes */
#define HS_READER_NEST_MAX 32                   /* skipped values */
#define HS_READER_TRAILER_MAX (64u << 20)       /* trailer bytes */

static inline uint64_t hs_fnv1a64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static inline uint32_t hs_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t hs_le64(const unsigned char *p)
{
	return (uint64_t)hs_le32(p) | (uint64_t)hs_le32(p + 4) << 32;
}

static inline void hs_put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static inline void hs_put_le64(unsigned char *p, uint64_t v)
{
	hs_put_le32(p, (uint32_t)v);
	hs_put_le32(p + 4, (uint32_t)(v >> 32));
}

#endif
