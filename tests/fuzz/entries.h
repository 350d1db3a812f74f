/*
 * entries.h - the fuzzed entry points, one function per target, shared by
 * the fuzz targets (tests/fuzz/fuzz_*.c: LLVMFuzzerTestOneInput, run by
 * libFuzzer and by AFL++'s libFuzzer driver) and the regression suite
 * (tests/unit/test_regress.c), so that a crash found by a fuzzer replays
 * through exactly the code that found it.
 *
 * Each function takes arbitrary bytes, drives one reader entry point over
 * them to the end, touches every byte the library hands back (so that
 * ASan sees a pointer past a buffer) and checks the library's own
 * invariants, calling hs_fuzz_fail() when one is broken.  It returns 0
 * whatever the input holds: a malformed input is expected to be reported,
 * never to crash, hang or leak.
 *
 * Load per call: the reader's (one frame per thread, at most the reader's
 * frame limit) plus what the entry point keeps.
 */
#ifndef HS_FUZZ_ENTRIES_H
#define HS_FUZZ_ENTRIES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include <sys/mman.h>
#include <unistd.h>

#include "hs_dom.h"
#include "hs_graph.h"
#include "hs_jsonl.h"
#include "hs_paths.h"
#include "hs_reader.h"
#include "hs_referrers.h"
#include "hs_v8.h"

/* A broken invariant: the fuzzer sees an abort, the unit test a failure. */
#ifndef hs_fuzz_fail
#define hs_fuzz_fail(...)                                         \
	do {                                                      \
		fprintf(stderr, "fuzz invariant: " __VA_ARGS__);  \
		fputc('\n', stderr);                              \
		abort();                                          \
	} while (0)
#endif

/* Folds bytes into a sum the compiler cannot drop: every delivered byte
 * is read once, so an out-of-bounds pointer shows under ASan. */
static volatile uint64_t hs_fuzz_sink;

static void hs_fuzz_touch(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0;

	if (!p && n) {
		hs_fuzz_fail("NULL pointer with %zu bytes", n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		h = h * 31 + b[i];
	hs_fuzz_sink += h;
}

static void hs_fuzz_touch_str(hs_str s)
{
	hs_fuzz_touch(s.ptr, s.len);
}

/* Touches everything a record points at. */
static void hs_fuzz_record(const hs_record *rec)
{
	switch (rec->kind) {
	case HS_REC_HEADER:
		hs_fuzz_touch_str(rec->u.header.runtime);
		hs_fuzz_touch_str(rec->u.header.runtime_version);
		hs_fuzz_touch_str(rec->u.header.reason);
		break;
	case HS_REC_TYPE:
	case HS_REC_STRING:
		hs_fuzz_touch_str(rec->u.type.name);
		break;
	case HS_REC_OBJECT: {
		const hs_object *o = &rec->u.object.obj;

		hs_fuzz_touch(o->refs, o->nrefs * sizeof(*o->refs));
		if (o->labels)
			hs_fuzz_touch(o->labels, o->nrefs * sizeof(*o->labels));
		if (o->flags)
			hs_fuzz_touch(o->flags, o->nrefs);
		hs_fuzz_touch_str(rec->u.object.preview_str);
		break;
	}
	case HS_REC_REFS:
		hs_fuzz_touch(rec->u.refs.refs, rec->u.refs.n * 8);
		if (rec->u.refs.labels)
			hs_fuzz_touch(rec->u.refs.labels, rec->u.refs.n * 4);
		if (rec->u.refs.flags)
			hs_fuzz_touch(rec->u.refs.flags, rec->u.refs.n);
		break;
	case HS_REC_ROOT:
		hs_fuzz_touch_str(rec->u.root.kind);
		if (rec->u.root.label.ptr)
			hs_fuzz_touch_str(rec->u.root.label);
		break;
	case HS_REC_SITE:
		/* three interleaved arrays of nframes entries, stride 3 */
		if (rec->u.site.nframes)
			hs_fuzz_touch(rec->u.site.files,
				      rec->u.site.nframes * 3 * 4);
		break;
	default:
		break;
	}
}

/* After a full pass (before one, a status only reflects what open saw). */
static void hs_fuzz_integrity(const hs_reader *r)
{
	hs_integrity in;

	hs_reader_integrity(&in, r);
	if (in.status != HS_INTEGRITY_COMPLETE &&
	    in.status != HS_INTEGRITY_TRUNCATED &&
	    in.status != HS_INTEGRITY_SALVAGED)
		hs_fuzz_fail("integrity status %d", (int)in.status);
	if (memchr(in.problem, '\0', sizeof(in.problem)) == NULL)
		hs_fuzz_fail("integrity problem not NUL-terminated");
	if (in.status != HS_INTEGRITY_COMPLETE && !in.problem[0])
		hs_fuzz_fail("status %s without a problem text",
			     hs_integrity_status_name(in.status));
}

typedef struct {
	uint64_t records, objects;
} hs_fuzz_counts;

static int hs_fuzz_scan_cb(const hs_record *rec, unsigned worker,
			   void *payload)
{
	hs_fuzz_counts *c = payload;

	(void)worker;
	hs_fuzz_record(rec);
	/* two workers: count atomically */
	__atomic_add_fetch(&c->records, 1, __ATOMIC_RELAXED);
	if (rec->kind == HS_REC_OBJECT)
		__atomic_add_fetch(&c->objects, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Checks an error return: a known code and a message. */
static void hs_fuzz_check_error(int rc, const char *where)
{
	if (rc != HS_ERROR && rc != HS_ENOMEM && rc != HS_EIO &&
	    rc != HS_EINVAL && rc != HS_ECORRUPT && rc != HS_EVERSION &&
	    rc != HS_ENOTFOUND && rc != HS_ELIMIT)
		hs_fuzz_fail("%s returned %d", where, rc);
	if (!hs_error_last()[0])
		hs_fuzz_fail("%s returned %d without a message", where, rc);
}

/*
 * The record reader: open over memory (salvage mode), every record with
 * hs_reader_next(), integrity, the frame list and trailer totals, a
 * second pass with hs_reader_scan() on 2 threads (which must deliver the
 * same records: the passes are deterministic), integrity again; then the
 * same bytes in strict mode, which must fail or deliver the same.
 */
static int hs_fuzz_reader(const uint8_t *data, size_t size)
{
	hs_reader *r = NULL;
	hs_reader_options o = HS_READER_OPTIONS_INIT;
	hs_record rec;
	hs_fuzz_counts seq = { 0, 0 }, par = { 0, 0 };
	const hs_frame_info *fr;
	uint64_t totals[6];
	size_t nf;
	int rc;

	/* A 1 MiB frame limit instead of 64 MiB: the same code decides, and
	 * each call stays fast under ASan (which poisons the whole of a
	 * frame buffer when it is allocated).  tests/cli/hostile.sh checks
	 * the real limit with decompression bombs. */
	o.max_frame_bytes = 1u << 20;
	rc = hs_reader_open_mem(&r, data, size, "fuzz.snap", &o);
	if (rc < 0) {
		hs_fuzz_check_error(rc, "hs_reader_open_mem");
		if (r)
			hs_fuzz_fail("open failed but gave a reader");
		return 0;
	}
	hs_fuzz_touch(hs_reader_info(r)->header.runtime,
		      strlen(hs_reader_info(r)->header.runtime));
	hs_fuzz_touch(hs_reader_info(r)->header.reason,
		      strlen(hs_reader_info(r)->header.reason));
	nf = hs_reader_frames(&fr, r);
	for (size_t i = 0; i < nf; i++)
		if (fr[i].offset > size || fr[i].csize > size - fr[i].offset)
			hs_fuzz_fail("frame %zu outside the file", i);
	(void)hs_reader_trailer_totals(totals, r);
	while ((rc = hs_reader_next(&rec, r)) == 0) {
		hs_fuzz_record(&rec);
		seq.records++;
		if (rec.kind == HS_REC_OBJECT)
			seq.objects++;
	}
	if (rc != HS_ITEROVER)
		hs_fuzz_check_error(rc, "hs_reader_next");
	hs_fuzz_integrity(r);
	rc = hs_reader_scan(r, 2, hs_fuzz_scan_cb, &par);
	if (rc < 0)
		hs_fuzz_check_error(rc, "hs_reader_scan");
	else if (rc == 0 && (par.records != seq.records ||
			     par.objects != seq.objects))
		hs_fuzz_fail("scan delivered %llu records / %llu objects, "
			     "next %llu / %llu",
			     (unsigned long long)par.records,
			     (unsigned long long)par.objects,
			     (unsigned long long)seq.records,
			     (unsigned long long)seq.objects);
	hs_fuzz_integrity(r);
	/* the sequential pass again after a rewind */
	hs_reader_rewind(r);
	while (hs_reader_next(&rec, r) == 0)
		hs_fuzz_record(&rec);
	hs_reader_free(r);

	o.strict = 1;
	rc = hs_reader_open_mem(&r, data, size, "fuzz.snap", &o);
	if (rc < 0) {
		hs_fuzz_check_error(rc, "hs_reader_open_mem (strict)");
		return 0;
	}
	while ((rc = hs_reader_next(&rec, r)) == 0)
		hs_fuzz_record(&rec);
	if (rc != HS_ITEROVER)
		hs_fuzz_check_error(rc, "hs_reader_next (strict)");
	hs_reader_free(r);
	return 0;
}

/*
 * The record layer: the input is raw msgpack records, wrapped here into a
 * well-formed .snap (start frame, zstd data frames, optionally a trailer
 * indexing them) so that mutations reach the record parser instead of
 * dying in zstd's checks; then hs_fuzz_reader() on the result.
 *
 * Input: one control byte, then the frames' raw bytes separated by the
 * 4 bytes C1 'H' 'S' 'F' (0xc1 is never used by msgpack).
 *   control bit 0: frames declare their content size
 *   control bit 1: append a trailer (frame offsets and sizes right,
 *                  counts taken from the control byte's upper bits)
 * Load: about 3x the input (frames, compressed copy).
 */
#define HS_FUZZ_SEP "\xc1HSF"
#define HS_FUZZ_SEP_LEN 4
#define HS_FUZZ_MAX_FRAMES 64

static void hs_fuzz_put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static size_t hs_fuzz_mp_u64(unsigned char *p, uint64_t v)
{
	p[0] = 0xcf;
	for (int i = 0; i < 8; i++)
		p[1 + i] = (unsigned char)(v >> (56 - 8 * i));
	return 9;
}

/* Builds the .snap for a records-form input into *out (malloc'd; the
 * caller frees it).  @return its length, 0 for an empty input. */
static size_t hs_fuzz_wrap(unsigned char **out, const uint8_t *data,
			   size_t size)
{
	static const unsigned char start[16] = {
		0x50, 0x2a, 0x4d, 0x18, 8, 0, 0, 0,
		'H', 'S', 'N', 'A', 'P', 0, 1, 0
	};
	uint64_t off[HS_FUZZ_MAX_FRAMES], cs[HS_FUZZ_MAX_FRAMES];
	uint64_t ds[HS_FUZZ_MAX_FRAMES];
	size_t nf = 0, cap, len;
	unsigned char *file, ctrl;
	const uint8_t *p, *end;
	ZSTD_CCtx *cctx;

	*out = NULL;
	if (size < 1)
		return 0;
	ctrl = data[0];
	p = data + 1;
	end = data + size;
	cap = 16 + (HS_FUZZ_MAX_FRAMES + 1) * 64 + ZSTD_compressBound(size) +
	      HS_FUZZ_MAX_FRAMES * 128 + 64;
	file = malloc(cap);
	cctx = ZSTD_createCCtx();
	if (!file || !cctx)
		abort();
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, ctrl & 1);
	memcpy(file, start, 16);
	len = 16;
	while (p <= end && nf < HS_FUZZ_MAX_FRAMES) {
		const uint8_t *q = nf + 1 < HS_FUZZ_MAX_FRAMES
			? memmem(p, (size_t)(end - p), HS_FUZZ_SEP,
				 HS_FUZZ_SEP_LEN) : NULL;
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
		p = q + HS_FUZZ_SEP_LEN;
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
			b += hs_fuzz_mp_u64(b, off[i]);
			b += hs_fuzz_mp_u64(b, cs[i]);
			b += hs_fuzz_mp_u64(b, ds[i]);
			b += hs_fuzz_mp_u64(b, guess);
			b += hs_fuzz_mp_u64(b, guess);
			b += hs_fuzz_mp_u64(b, guess * i);
		}
		*b++ = 0x96;
		for (int i = 0; i < 6; i++)
			b += hs_fuzz_mp_u64(b, guess * nf);
		hs_fuzz_put32(file + len, 0x184D2A5Eu);
		hs_fuzz_put32(file + len + 4, (uint32_t)(b - t) + 16);
		for (unsigned char *x = t; x < b; x++) {
			h ^= *x;
			h *= 0x100000001b3ull;
		}
		hs_fuzz_put32(b, (uint32_t)h);
		hs_fuzz_put32(b + 4, (uint32_t)(h >> 32));
		hs_fuzz_put32(b + 8, (uint32_t)(b - t));
		memcpy(b + 12, "HSTR", 4);
		len = (size_t)(b + 16 - file);
	}
	ZSTD_freeCCtx(cctx);
	*out = file;
	return len;
}

static int hs_fuzz_records(const uint8_t *data, size_t size)
{
	unsigned char *file;
	size_t len = hs_fuzz_wrap(&file, data, size);

	if (len)
		hs_fuzz_reader(file, len);
	free(file);
	return 0;
}

/* ---- the graph loader and the analyses over it ------------------------ */

/* Bound on the per-node work below (labels and previews decode a frame
 * each on a cache miss). */
#define HS_FUZZ_NODES_MAX 256

static int hs_fuzz_dom_visit(uint32_t node, uint32_t depth, int enter,
			     void *payload)
{
	uint64_t *n = payload;

	(void)node;
	(void)depth;
	*n += (uint64_t)enter;
	return 0;
}

/* Everything a tool may ask of a loaded graph, checked for consistency. */
static void hs_fuzz_graph_walk(hs_graph *g)
{
	const hs_graph_stats *st = hs_graph_stats_get(g);
	uint32_t n = hs_graph_count(g), nt = hs_graph_type_count(g);
	uint32_t nk = hs_graph_root_kind_count(g);
	hs_buf storage = HS_BUF_INIT, text = HS_BUF_INIT;
	hs_dom *d = NULL;
	hs_paths *t = NULL;
	hs_pathset *ps = NULL;
	hs_referrers *rf = NULL;
	uint64_t visited = 0;
	uint32_t top[8];
	size_t ntop;

	if (st->objects != n)
		hs_fuzz_fail("stats say %llu objects, count %u",
			     (unsigned long long)st->objects, n);
	hs_fuzz_touch(hs_graph_path(g), strlen(hs_graph_path(g)));
	for (uint32_t ty = 0; ty < nt; ty++)
		hs_fuzz_touch_str(hs_graph_type_name(g, ty));
	for (uint32_t k = 0; k < nk; k++)
		hs_fuzz_touch_str(hs_graph_root_kind(g, k));
	for (size_t i = 0; i < hs_graph_root_count(g); i++) {
		const hs_root *rt = hs_graph_root(g, i);

		if (rt->node >= n || rt->kind >= nk)
			hs_fuzz_fail("root %zu: node %u of %u, kind %u of %u",
				     i, rt->node, n, rt->kind, nk);
		hs_fuzz_touch_str(rt->label);
	}
	for (uint32_t v = 0; v < n; v++) {
		hs_edges e = hs_graph_out(g, v), in = hs_graph_in(g, v);
		uint64_t id = hs_graph_id(g, v);
		uint32_t f = hs_graph_find_id(g, id);

		if (hs_graph_type(g, v) >= nt)
			hs_fuzz_fail("node %u: type %u of %u", v,
				     hs_graph_type(g, v), nt);
		if (f >= n || hs_graph_id(g, f) != id)
			hs_fuzz_fail("node %u: its id finds node %u", v, f);
		for (size_t k = 0; k < e.n; k++)
			if (e.node[k] >= n)
				hs_fuzz_fail("node %u: edge to %u of %u", v,
					     e.node[k], n);
		hs_fuzz_touch(e.flags, e.n);
		for (size_t k = 0; k < in.n; k++)
			if (in.node[k] >= n)
				hs_fuzz_fail("node %u: referrer %u of %u", v,
					     in.node[k], n);
		if (v < HS_FUZZ_NODES_MAX) {
			hs_value pv;

			if (hs_graph_preview(&pv, &storage, g, v) == 0 &&
			    (pv.kind == HS_VALUE_STR ||
			     pv.kind == HS_VALUE_BYTES))
				hs_fuzz_touch(pv.v.s.ptr, pv.v.s.len);
			for (size_t k = 0; k < e.n && k < 16; k++) {
				hs_str l;

				if (hs_graph_label(&l, &storage, g, v, k) == 0 &&
				    l.ptr)
					hs_fuzz_touch_str(l);
			}
		}
	}
	if (nt)
		(void)hs_graph_type_find(g, "str");

	if (hs_dom_build(&d, g) == 0) {
		const hs_dom_stats *ds = hs_dom_stats_get(d);

		if (ds->reachable + ds->unreachable != n)
			hs_fuzz_fail("dom: %llu reachable + %llu not != %u",
				     (unsigned long long)ds->reachable,
				     (unsigned long long)ds->unreachable, n);
		for (uint32_t v = 0; v < n; v++) {
			uint32_t id = hs_dom_idom(d, v);

			if (id != HS_GRAPH_SUPERROOT && id != HS_GRAPH_NONE &&
			    id >= n)
				hs_fuzz_fail("dom: idom of %u is %u", v, id);
			if ((id == HS_GRAPH_NONE) == hs_dom_reachable(d, v))
				hs_fuzz_fail("dom: %u reachable but no idom", v);
		}
		if (hs_dom_top(&ntop, top, 8, NULL, d, 0) < 0)
			ntop = 0;
		for (size_t i = 0; i < ntop; i++)
			if (top[i] >= n)
				hs_fuzz_fail("dom: top node %u", top[i]);
		if (hs_dom_walk(d, HS_GRAPH_SUPERROOT, hs_fuzz_dom_visit,
				&visited) == 0 && visited != ds->reachable)
			hs_fuzz_fail("dom: walk visited %llu of %llu",
				     (unsigned long long)visited,
				     (unsigned long long)ds->reachable);
	}
	if (n && hs_paths_new(&t, g, NULL) == 0) {
		for (uint32_t v = n - 1, k = 0; k < 4 && v < n; k++, v /= 2) {
			if (hs_paths_shortest(&ps, t, v) != 0)
				continue;
			for (size_t i = 0; i < hs_pathset_count(ps); i++) {
				const hs_path *p = hs_pathset_get(ps, i);

				if (!p->len || p->nodes[p->len - 1] != v)
					hs_fuzz_fail("paths: a path to %u ends "
						     "elsewhere", v);
				text.len = 0;
				(void)hs_path_format(&text, g, p);
				hs_fuzz_touch(text.data, text.len);
			}
			hs_pathset_free(ps);
			ps = NULL;
		}
		if (hs_paths_find(&ps, g, n / 2, 3, NULL) == 0)
			for (size_t i = 0; i < hs_pathset_count(ps); i++) {
				text.len = 0;
				(void)hs_path_format(&text, g,
						     hs_pathset_get(ps, i));
				hs_fuzz_touch(text.data, text.len);
			}
		hs_pathset_free(ps);
	}
	if (hs_referrers_group(&rf, g, NULL) == 0) {
		for (size_t i = 0; i < hs_referrers_count(rf) && i < 64; i++) {
			text.len = 0;
			(void)hs_referrers_format(&text, rf,
						  hs_referrers_get(rf, i));
			hs_fuzz_touch(text.data, text.len);
		}
	}
	hs_referrers_free(rf);
	hs_paths_free(t);
	hs_dom_free(d);
	hs_buf_release(&storage);
	hs_buf_release(&text);
}

/*
 * The graph loader: the input is a whole .snap when it starts with the
 * start frame's magic, else records in fuzz_records' form (wrapped into
 * a .snap by hs_fuzz_wrap, so that mutations reach the loader's id
 * tables, refs records and roots).  The file goes into a memfd (the
 * loader opens a path, and reopens it for labels and previews) and is
 * loaded with reverse references on 2 threads; then hs_fuzz_graph_walk.
 */
static int hs_fuzz_graph(const uint8_t *data, size_t size)
{
	hs_graph_options o = HS_GRAPH_OPTIONS_INIT;
	hs_graph *g = NULL;
	unsigned char *wrapped = NULL;
	char path[64];
	int fd, rc;

	if (size < 4 || memcmp(data, "\x50\x2a\x4d\x18", 4) != 0) {
		size = hs_fuzz_wrap(&wrapped, data, size);
		data = wrapped;
		if (!size) {
			free(wrapped);
			return 0;
		}
	}

	fd = memfd_create("fuzz.snap", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t w = write(fd, data + off, size - off);

		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	o.threads = 2;
	rc = hs_graph_load(&g, path, &o);
	if (rc < 0) {
		hs_fuzz_check_error(rc, "hs_graph_load");
		if (g)
			hs_fuzz_fail("load failed but gave a graph");
	} else {
		hs_fuzz_graph_walk(g);
		hs_graph_free(g);
	}
	close(fd);
	free(wrapped);
	return 0;
}

/* ---- dumpconv's JSON-lines parser -------------------------------------- */

/*
 * JSON lines in: hs_jsonl_import_sink() parses the input (a memory
 * stream) into a .snap in memory.  When that succeeds, the .snap must
 * read back (hs_fuzz_reader), a round trip - export to JSON lines,
 * import again - must keep the objects and references, and exporting
 * that must print the first export's bytes again.
 */
static int hs_fuzz_jsonl(const uint8_t *data, size_t size)
{
	hs_writer_options wo = HS_WRITER_OPTIONS_INIT;
	hs_buf snap = HS_BUF_INIT, lines = HS_BUF_INIT, snap2 = HS_BUF_INIT;
	hs_buf lines2 = HS_BUF_INIT;
	hs_jsonl_stats s1, s2, s3;
	hs_reader *r = NULL;
	FILE *in;
	int rc;

	/* fmemopen() of 0 bytes fails on some libcs: feed "" then */
	in = fmemopen(size ? (void *)data : (void *)"", size ? size : 1,
		      "r");
	if (!in)
		abort();
	if (!size)
		(void)fgetc(in);
	wo.max_preview = HS_STRING_MAX;
	wo.frame_size = 4096;  /* several frames from small inputs */
	rc = hs_jsonl_import_sink(in, "fuzz.jsonl", hs_buf_sink(&snap),
				  "fuzz.snap", &wo, &s1);
	fclose(in);
	if (rc < 0) {
		hs_fuzz_check_error(rc, "hs_jsonl_import_sink");
		goto done;
	}
	hs_fuzz_reader(snap.data, snap.len);
	rc = hs_reader_open_mem(&r, snap.data, snap.len, "fuzz.snap", NULL);
	if (rc < 0)
		hs_fuzz_fail("an imported .snap does not open: %s",
			     hs_error_last());
	if (rc < 0)
		goto done;
	rc = hs_jsonl_export(r, hs_buf_sink(&lines), "fuzz2.jsonl", &s2);
	if (rc < 0)
		hs_fuzz_fail("an imported .snap does not export: %s",
			     hs_error_last());
	if (rc < 0)
		goto done;
	in = fmemopen(lines.len ? (void *)lines.data : (void *)"",
		      lines.len ? lines.len : 1, "r");
	if (!in)
		abort();
	if (!lines.len)
		(void)fgetc(in);
	rc = hs_jsonl_import_sink(in, "fuzz2.jsonl", hs_buf_sink(&snap2),
				  "fuzz2.snap", &wo, &s3);
	fclose(in);
	if (rc < 0) {
		hs_fuzz_fail("an export does not import: %s", hs_error_last());
		goto done;
	}
	if (s3.objects != s1.objects || s3.refs != s1.refs ||
	    s2.objects != s1.objects)
		hs_fuzz_fail("round trip: %llu objects %llu refs became "
			     "%llu %llu", (unsigned long long)s1.objects,
			     (unsigned long long)s1.refs,
			     (unsigned long long)s3.objects,
			     (unsigned long long)s3.refs);
	/* from the first export on, the round trip is exact: the second
	 * export prints the same bytes as the first */
	hs_reader_free(r);
	r = NULL;
	rc = hs_reader_open_mem(&r, snap2.data, snap2.len, "fuzz2.snap", NULL);
	if (rc == 0)
		rc = hs_jsonl_export(r, hs_buf_sink(&lines2), "fuzz3.jsonl",
				     NULL);
	if (rc < 0)
		hs_fuzz_fail("a re-imported .snap does not export: %s",
			     hs_error_last());
	else if (lines2.len != lines.len ||
		 (lines.len && memcmp(lines.data, lines2.data, lines.len)))
		hs_fuzz_fail("export -> import -> export changed the lines "
			     "(%zu bytes, then %zu)", lines.len, lines2.len);
done:
	hs_reader_free(r);
	hs_buf_release(&snap);
	hs_buf_release(&lines);
	hs_buf_release(&snap2);
	hs_buf_release(&lines2);
	return 0;
}

/* ---- the V8 heap snapshot import ---------------------------------------- */

/*
 * A V8 heap snapshot (JSON, or gzip's when it starts so): imported by
 * hs_v8_import_sink() into a .snap in memory, with a small scratch bound
 * so that the release paths run too.  A failure must come with a known
 * code and a message; a success must give consistent counts and a .snap
 * that the reader and the graph loader take whole (hs_fuzz_graph's
 * checks: node indices in range, dominators, paths...).
 */
static int hs_fuzz_v8(const uint8_t *data, size_t size)
{
	hs_v8_options vo = HS_V8_OPTIONS_INIT;
	hs_writer_options wo = HS_WRITER_OPTIONS_INIT;
	hs_buf snap = HS_BUF_INIT;
	hs_v8_stats st;
	FILE *in;
	int rc;

	in = fmemopen(size ? (void *)data : (void *)"", size ? size : 1, "r");
	if (!in)
		abort();
	if (!size)
		(void)fgetc(in);
	vo.memory = 1u << 20;
	wo.frame_size = 4096;  /* several frames from small inputs */
	wo.threads = 0;
	rc = hs_v8_import_sink(in, "fuzz.heapsnapshot", hs_buf_sink(&snap),
			       "fuzz.snap", &vo, &wo, &st);
	fclose(in);
	if (rc < 0) {
		hs_fuzz_check_error(rc, "hs_v8_import_sink");
		hs_buf_release(&snap);
		return 0;
	}
	if (st.objects + 1 != st.nodes || st.refs + st.root_refs > st.edges ||
	    st.weak_refs != st.weak_edges + st.shortcuts + st.page_edges ||
	    st.unreachable >= st.nodes || st.weak_only > st.roots)
		hs_fuzz_fail("v8 stats: %llu nodes %llu objects %llu edges "
			     "%llu refs %llu root refs %llu weak %llu roots",
			     (unsigned long long)st.nodes,
			     (unsigned long long)st.objects,
			     (unsigned long long)st.edges,
			     (unsigned long long)st.refs,
			     (unsigned long long)st.root_refs,
			     (unsigned long long)st.weak_refs,
			     (unsigned long long)st.roots);
	hs_fuzz_reader(snap.data, snap.len);
	hs_fuzz_graph(snap.data, snap.len);
	hs_buf_release(&snap);
	return 0;
}

#endif
