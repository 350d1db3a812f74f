/*
 * summary.c - hs_summary: counts, totals, roots by kind, the largest
 * object, frames and integrity of a .snap in one hs_reader_scan() pass.
 *
 * Load: one accumulator per decoding thread (counters, a table of at most
 * HS_SUMMARY_KINDS_MAX root kinds, and up to HS_SUMMARY_TYPE_CACHE bytes
 * of type names so that the largest object's type can be named without a
 * second pass), plus 64 bytes per frame.  Nothing grows with the number
 * of objects.  Each frame is decoded by one thread, which alone updates
 * that frame's counters, so the pass takes no lock.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hs_summary.h"

/* Bytes of type names one thread remembers.  A Python heap has a few
 * thousand types of 10-30 bytes; past the budget the largest object's
 * type is found by a second, sequential pass that stops at the object. */
#define HS_SUMMARY_TYPE_CACHE (1u << 20)

typedef struct {
	uint64_t objects, refs, weak, types, strings, sites, roots, shallow;
	uint64_t rt_shallow, rt_sized;
	uint64_t records[HS_SUMMARY_RECORD_KINDS];

	int has_largest;
	uint64_t l_index, l_id, l_size;
	uint32_t l_type;

	hs_summary_kind kinds[HS_SUMMARY_KINDS_MAX];
	size_t nkinds;
	uint64_t other;

	/* the first header record this thread saw, by file position */
	int has_header;
	uint64_t h_frame, h_off;
	hs_str h_str[4];       /* copies, malloc'd */
	uint64_t h_pid, h_time;

	int has_end;
	uint64_t end[6];

	/* type names: entries of [u32 index][u32 len][len bytes] */
	hs_buf names;
	int names_full;

	size_t last_frame;     /* a cache for frame_of() */
} acc;

typedef struct {
	acc *acc;
	hs_summary_frame *frames;
	size_t nframes;
} scan_state;

static const char *const total_names[6] = {
	"objects", "references", "types", "strings", "roots", "shallow bytes"
};

const char *hs_summary_check_name(hs_summary_check c)
{
	switch (c) {
	case HS_SUMMARY_AGREE: return "agree";
	case HS_SUMMARY_DISAGREE: return "disagree";
	case HS_SUMMARY_UNCHECKED: return "unchecked";
	}
	return "unknown";
}

/* Index of the frame at file offset off (frames are sorted by offset), or
 * nframes if none is. */
static size_t frame_of(const scan_state *st, acc *a, uint64_t off)
{
	size_t lo = 0, hi = st->nframes;

	if (a->last_frame < st->nframes &&
	    st->frames[a->last_frame].info.offset == off)
		return a->last_frame;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->frames[mid].info.offset < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < st->nframes && st->frames[lo].info.offset == off) {
		a->last_frame = lo;
		return lo;
	}
	return st->nframes;
}

static uint64_t count_weak(const uint8_t *flags, size_t n)
{
	uint64_t k = 0;

	for (size_t i = 0; flags && i < n; i++)
		k += (flags[i] & HS_REF_WEAK) != 0;
	return k;
}

/* Copies a string into malloc'd storage with a NUL after it. */
static int str_copy(hs_str *dst, const char *p, size_t len)
{
	char *c = malloc(len + 1);

	if (!c)
		return -1;
	if (len)
		memcpy(c, p, len);
	c[len] = '\0';
	dst->ptr = c;
	dst->len = len;
	return 0;
}

static int count_root(acc *a, hs_str kind)
{
	size_t i;

	if (kind.len > HS_SUMMARY_KIND_LEN_MAX) {
		a->other++;
		return 0;
	}
	for (i = 0; i < a->nkinds; i++)
		if (a->kinds[i].len == kind.len &&
		    (kind.len == 0 ||
		     memcmp(a->kinds[i].name, kind.ptr, kind.len) == 0)) {
			a->kinds[i].count++;
			return 0;
		}
	if (a->nkinds == HS_SUMMARY_KINDS_MAX) {
		a->other++;
		return 0;
	}
	{
		hs_str c;

		if (str_copy(&c, kind.ptr, kind.len) < 0)
			return HS_ENOMEM;
		a->kinds[i].name = (char *)c.ptr;
		a->kinds[i].len = c.len;
		a->kinds[i].count = 1;
		a->nkinds++;
	}
	return 0;
}

static int remember_type(acc *a, uint32_t index, hs_str name)
{
	unsigned char head[8];

	if (a->names_full)
		return 0;
	if (name.len > HS_SUMMARY_TYPE_CACHE ||
	    a->names.len + 8 + name.len > HS_SUMMARY_TYPE_CACHE) {
		a->names_full = 1;
		return 0;
	}
	memcpy(head, &index, 4);
	{
		uint32_t len = (uint32_t)name.len;

		memcpy(head + 4, &len, 4);
	}
	if (hs_buf_append(&a->names, head, 8) < 0 ||
	    hs_buf_append(&a->names, name.ptr, name.len) < 0)
		return HS_ENOMEM;
	return 0;
}

static int take_header(acc *a, const hs_record *rec)
{
	const hs_str *src[4] = { &rec->u.header.runtime,
				 &rec->u.header.runtime_version,
				 &rec->u.header.reason,
				 &rec->u.header.walker };

	if (a->has_header && (a->h_frame < rec->frame_offset ||
			      (a->h_frame == rec->frame_offset &&
			       a->h_off < rec->offset)))
		return 0;
	for (int i = 0; i < 4; i++) {
		hs_str c;

		if (str_copy(&c, src[i]->ptr, src[i]->len) < 0)
			return HS_ENOMEM;
		free((char *)a->h_str[i].ptr);
		a->h_str[i] = c;
	}
	a->has_header = 1;
	a->h_frame = rec->frame_offset;
	a->h_off = rec->offset;
	a->h_pid = rec->u.header.pid;
	a->h_time = rec->u.header.time_ms;
	return 0;
}

static int on_record(const hs_record *rec, unsigned worker, void *payload)
{
	scan_state *st = payload;
	acc *a = &st->acc[worker];
	unsigned tag = rec->kind >= HS_REC_HEADER && rec->kind <= HS_REC_END
		       ? (unsigned)rec->kind : 0;
	size_t f = frame_of(st, a, rec->frame_offset);

	a->records[tag]++;
	if (f < st->nframes)
		st->frames[f].records++;
	switch (rec->kind) {
	case HS_REC_HEADER:
		return take_header(a, rec);
	case HS_REC_TYPE:
		a->types++;
		return remember_type(a, rec->u.type.index, rec->u.type.name);
	case HS_REC_STRING:
		a->strings++;
		break;
	case HS_REC_SITE:
		a->sites++;
		break;
	case HS_REC_OBJECT: {
		const hs_object *o = &rec->u.object.obj;
		uint64_t index = rec->u.object.index;

		a->objects++;
		if (f < st->nframes)
			st->frames[f].objects++;
		a->shallow += o->size;
		a->rt_shallow += rec->u.object.rt_size ? rec->u.object.rt_size
						       : o->size;
		a->rt_sized += rec->u.object.rt_size != 0;
		a->refs += o->nrefs;
		a->weak += count_weak(o->flags, o->nrefs);
		if (!a->has_largest || o->size > a->l_size ||
		    (o->size == a->l_size && index < a->l_index)) {
			a->has_largest = 1;
			a->l_size = o->size;
			a->l_index = index;
			a->l_id = o->id;
			a->l_type = o->type;
		}
		break;
	}
	case HS_REC_REFS:
		a->refs += rec->u.refs.n;
		a->weak += count_weak(rec->u.refs.flags, rec->u.refs.n);
		break;
	case HS_REC_ROOT:
		a->roots++;
		return count_root(a, rec->u.root.kind);
	case HS_REC_END:
		if (!a->has_end) {
			a->has_end = 1;
			memcpy(a->end, &rec->u.end.objects, sizeof(a->end));
		}
		break;
	default:
		break;
	}
	return 0;
}

static void acc_release(acc *a)
{
	for (size_t i = 0; i < a->nkinds; i++)
		free(a->kinds[i].name);
	for (int i = 0; i < 4; i++)
		free((char *)a->h_str[i].ptr);
	hs_buf_release(&a->names);
}

/* Adds a's root kinds into out's table, moving the names. */
static void merge_kinds(hs_summary *out, acc *a)
{
	for (size_t i = 0; i < a->nkinds; i++) {
		hs_summary_kind *k = &a->kinds[i];
		size_t j;

		for (j = 0; j < out->nkinds; j++)
			if (out->kinds[j].len == k->len &&
			    memcmp(out->kinds[j].name, k->name, k->len) == 0)
				break;
		if (j < out->nkinds) {
			out->kinds[j].count += k->count;
		} else if (out->nkinds < HS_SUMMARY_KINDS_MAX) {
			out->kinds[out->nkinds++] = *k;
			k->name = NULL;
		} else {
			out->roots_other += k->count;
		}
		free(k->name);
		k->name = NULL;
	}
	a->nkinds = 0;
	out->roots_other += a->other;
}

static int kind_cmp(const void *pa, const void *pb)
{
	const hs_summary_kind *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	c = n ? memcmp(a->name, b->name, n) : 0;
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* Finds type index t in a's cached names; @return 1 and sets *name. */
static int find_cached_type(const acc *a, uint32_t t, hs_str *name)
{
	size_t pos = 0;

	while (pos + 8 <= a->names.len) {
		uint32_t index, len;

		memcpy(&index, a->names.data + pos, 4);
		memcpy(&len, a->names.data + pos + 4, 4);
		if (index == t) {
			name->ptr = (const char *)a->names.data + pos + 8;
			name->len = len;
			return 1;
		}
		pos += 8 + (size_t)len;
	}
	return 0;
}

/* The largest object's type name when no thread's cache held it: read
 * records in file order up to that object (a writer declares a type
 * before its first object).  Rewinds the reader. */
static int lookup_type(hs_summary *out, hs_reader *r)
{
	hs_record rec;
	int rc;

	hs_reader_rewind(r);
	while ((rc = hs_reader_next(&rec, r)) == 0) {
		if (rec.kind == HS_REC_TYPE &&
		    rec.u.type.index == out->largest_type) {
			hs_str c;

			if (str_copy(&c, rec.u.type.name.ptr,
				     rec.u.type.name.len) < 0) {
				rc = HS_ENOMEM;
				break;
			}
			out->largest_type_name = (char *)c.ptr;
			out->largest_type_len = c.len;
			break;
		}
		if (rec.kind == HS_REC_OBJECT &&
		    rec.u.object.index >= out->largest_index)
			break;
	}
	hs_reader_rewind(r);
	return rc == HS_ENOMEM ? hs_error_set(HS_ENOMEM, "%s: out of memory",
					      out->path) : 0;
}

/* Fills in the header fields, from the header record the pass saw first
 * or, failing that, from what hs_reader_open() read. */
static int take_info(hs_summary *out, hs_reader *r, acc *best)
{
	const hs_snapinfo *info = hs_reader_info(r);
	hs_str s[4];

	out->info = *info;
	if (best) {
		for (int i = 0; i < 4; i++) {
			s[i] = best->h_str[i];
			best->h_str[i].ptr = NULL;
		}
		out->info.header.pid = best->h_pid;
		out->info.header.time_ms = best->h_time;
	} else {
		const char *src[4] = { info->header.runtime,
				       info->header.runtime_version,
				       info->header.reason,
				       info->header.walker };

		for (int i = 0; i < 4; i++) {
			if (str_copy(&s[i], src[i] ? src[i] : "",
				     src[i] ? strlen(src[i]) : 0) < 0) {
				for (int j = 0; j < i; j++)
					free((char *)s[j].ptr);
				return hs_error_set(HS_ENOMEM, "%s: out of "
						    "memory", out->path);
			}
		}
	}
	out->runtime = (char *)s[0].ptr;
	out->runtime_len = s[0].len;
	out->runtime_version = (char *)s[1].ptr;
	out->runtime_version_len = s[1].len;
	out->reason = (char *)s[2].ptr;
	out->reason_len = s[2].len;
	out->info.header.runtime = out->runtime;
	out->info.header.runtime_version = out->runtime_version;
	out->walker = (char *)s[3].ptr;
	out->walker_len = s[3].len;
	out->info.header.reason = out->reason;
	out->info.header.walker = out->walker;
	return 0;
}

/* Compares the declared totals with the counts, when the counts are
 * complete enough for the comparison to mean something. */
static void cross_check(hs_summary *out, hs_reader *r, const uint64_t end[6])
{
	uint64_t trailer[6];
	const uint64_t counted[6] = { out->objects, out->refs, out->types,
				      out->strings, out->roots, out->shallow };

	out->has_trailer = hs_reader_trailer_totals(trailer, r) == 0;
	for (int i = 0; i < 6; i++) {
		out->totals[i].what = total_names[i];
		out->totals[i].counted = counted[i];
		out->totals[i].end = out->has_end ? end[i] : 0;
		out->totals[i].trailer = trailer[i];
	}
	if (out->integrity.frames_lost || (!out->has_end && !out->has_trailer)) {
		out->check = HS_SUMMARY_UNCHECKED;
		return;
	}
	for (int i = 0; i < 6; i++)
		if ((out->has_end && end[i] != counted[i]) ||
		    (out->has_trailer && trailer[i] != counted[i]))
			out->disagreements++;
	out->check = out->disagreements ? HS_SUMMARY_DISAGREE
					: HS_SUMMARY_AGREE;
}

static void estimate_loss(hs_summary *out)
{
	const hs_integrity *in = &out->integrity;
	uint64_t read_bytes = 0;

	if (in->objects_lost >= 0) {
		out->objects_lost_estimate = in->objects_lost;
		return;
	}
	for (size_t i = 0; i < out->nframes; i++)
		if (out->frames[i].records)
			read_bytes += out->frames[i].info.csize;
	/* the lost bytes held objects at about the density of the rest */
	if (read_bytes) {
		double e = (double)in->bytes_lost * (double)out->objects /
			   (double)read_bytes + 0.5;

		/* a hostile file can claim any density: stay in range */
		out->objects_lost_estimate = e < 9.0e18 ? (int64_t)e
							: INT64_MAX;
	}
}

/* Every worker's counts into out; the end record's totals into end.
 * @return the worker that read the header record first in the file (or
 * NULL). */
static acc *merge_workers(hs_summary *out, acc *accs, uint64_t end[6],
			  int *names_full)
{
	acc *best = NULL;

	for (unsigned w = 0; w < HS_THREADS_MAX; w++) {
		acc *a = &accs[w];

		out->objects += a->objects;
		out->refs += a->refs;
		out->weak_refs += a->weak;
		out->types += a->types;
		out->strings += a->strings;
		out->sites += a->sites;
		out->roots += a->roots;
		out->shallow += a->shallow;
		out->rt_shallow += a->rt_shallow;
		out->rt_sized += a->rt_sized;
		for (int k = 0; k < HS_SUMMARY_RECORD_KINDS; k++)
			out->records[k] += a->records[k];
		merge_kinds(out, a);
		if (a->has_largest &&
		    (!out->has_largest || a->l_size > out->largest_size ||
		     (a->l_size == out->largest_size &&
		      a->l_index < out->largest_index))) {
			out->has_largest = 1;
			out->largest_size = a->l_size;
			out->largest_index = a->l_index;
			out->largest_id = a->l_id;
			out->largest_type = a->l_type;
		}
		if (a->has_header &&
		    (!best || a->h_frame < best->h_frame ||
		     (a->h_frame == best->h_frame && a->h_off < best->h_off)))
			best = a;
		if (a->has_end && !out->has_end) {
			out->has_end = 1;
			memcpy(end, a->end, 6 * sizeof(*end));
		}
		*names_full |= a->names_full;
	}
	return best;
}

/* The largest object's type name: from a worker's cache of type names,
 * else (when a cache was full) looked up in the file. */
static int name_largest(hs_summary *out, hs_reader *r, acc *accs,
			int names_full)
{
	hs_str tname = { NULL, 0 }, c;
	int found = 0;

	for (unsigned w = 0; w < HS_THREADS_MAX && !found; w++)
		found = find_cached_type(&accs[w], out->largest_type, &tname);
	if (!found)
		return names_full ? lookup_type(out, r) : 0;
	HS_RETURN_ERROR_IF(str_copy(&c, tname.ptr, tname.len) < 0, HS_ENOMEM,
			   "%s: out of memory", out->path);
	out->largest_type_name = (char *)c.ptr;
	out->largest_type_len = c.len;
	return 0;
}

int hs_summary_scan(hs_summary *out, hs_reader *r,
		    const hs_summary_options *opts)
{
	static const hs_summary_options defaults = HS_SUMMARY_OPTIONS_INIT;
	const hs_frame_info *fi;
	scan_state st = { NULL, NULL, 0 };
	acc *best;
	uint64_t end[6] = { 0 };
	int rc = 0, names_full = 0;

	memset(out, 0, sizeof(*out));
	if (!opts)
		opts = &defaults;
	/* version 1 options end before max_ratio */
	HS_RETURN_ERROR_IF(opts->version != HS_SUMMARY_OPTIONS_VERSION &&
			   opts->version != 1,
			   HS_EINVAL, "%s: summary options version %u, "
			   "expected %u", hs_reader_name(r), opts->version,
			   HS_SUMMARY_OPTIONS_VERSION);
	out->path = strdup(hs_reader_name(r));
	out->file_size = hs_reader_file_size(r);
	out->nframes = hs_reader_frames(&fi, r);
	out->frames = calloc(out->nframes ? out->nframes : 1,
			     sizeof(*out->frames));
	out->kinds = calloc(HS_SUMMARY_KINDS_MAX, sizeof(*out->kinds));
	st.acc = calloc(HS_THREADS_MAX, sizeof(*st.acc));
	if (!out->path || !out->frames || !out->kinds || !st.acc) {
		rc = hs_error_set(HS_ENOMEM, "%s: out of memory",
				  hs_reader_name(r));
		goto done;
	}
	for (size_t i = 0; i < out->nframes; i++) {
		out->frames[i].info = fi[i];
		out->compressed += fi[i].csize;
		if (fi[i].dsize) {
			out->decompressed += fi[i].dsize;
			out->compressed_known += fi[i].csize;
			out->dsize_known++;
		}
	}
	st.frames = out->frames;
	st.nframes = out->nframes;

	rc = hs_reader_scan(r, opts->threads, on_record, &st);
	if (rc < 0)
		goto done;
	hs_reader_integrity(&out->integrity, r);
	/* without a trailer, the pass is what tells each frame's first
	 * object and object count */
	if (hs_reader_frames(&fi, r) == out->nframes)
		for (size_t i = 0; i < out->nframes; i++)
			out->frames[i].info = fi[i];

	best = merge_workers(out, st.acc, end, &names_full);
	qsort(out->kinds, out->nkinds, sizeof(*out->kinds), kind_cmp);
	for (size_t i = 0; i < out->nframes; i++)
		if (out->frames[i].records) {
			out->frames[i].records++;  /* its frame record */
			out->records[HS_REC_FRAME]++;
		}

	rc = take_info(out, r, best);
	if (rc < 0)
		goto done;
	cross_check(out, r, end);
	estimate_loss(out);

	if (out->has_largest) {
		rc = name_largest(out, r, st.acc, names_full);
		if (rc < 0)
			goto done;
	}
	hs_reader_rewind(r);
done:
	if (st.acc) {
		for (unsigned w = 0; w < HS_THREADS_MAX; w++)
			acc_release(&st.acc[w]);
		free(st.acc);
	}
	if (rc < 0)
		hs_summary_release(out);
	return rc;
}

int hs_summary_read(hs_summary *out, const char *path,
		    const hs_summary_options *opts)
{
	hs_reader_options ro = HS_READER_OPTIONS_INIT;
	hs_reader *r = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (opts && opts->version >= 2)
		ro.max_ratio = opts->max_ratio;
	rc = hs_reader_open(&r, path, &ro);
	if (rc < 0)
		return rc;
	rc = hs_summary_scan(out, r, opts);
	hs_reader_free(r);
	return rc;
}

void hs_summary_release(hs_summary *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->runtime);
	free(s->runtime_version);
	free(s->reason);
	free(s->walker);
	for (size_t i = 0; s->kinds && i < s->nkinds; i++)
		free(s->kinds[i].name);
	free(s->kinds);
	free(s->largest_type_name);
	free(s->frames);
	memset(s, 0, sizeof(*s));
}
