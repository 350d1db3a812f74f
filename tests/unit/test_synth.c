/*
 * test_synth.c - hs_synth: generated files are byte-identical run to run;
 * each shape's statistics fall in the ranges hs_synth.h documents (read
 * back with hs_reader, not taken from the generator's own counts); id-
 * and index-mode files of one seed are the same heap; phase 2 is phase 1
 * plus exactly the leak hs_synth_leak_info() describes; tiny heaps and
 * bad options.  Heaps of 20k..200k objects (a few MiB in memory).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hs_dom.h"
#include "hs_graph.h"
#include "hs_reader.h"
#include "hs_synth.h"
#include "testutil.h"
#include "unit.h"

/* ---- a heap read back into arrays ---------------------------------------- */

typedef struct {
	hs_ref_mode mode;
	uint64_t n, nrefs;
	size_t cap, rcap;
	uint64_t *id, *size, *off, *ref;
	uint32_t *type;
	uint8_t *flags;          /* per reference */
	uint8_t *pkind;          /* per object: hs_value_kind of its preview */
	uint32_t *plen;          /* str/bytes preview length */
	uint64_t labelled, bad_labels, weak, refs_records;
	tu_strv types, strings;
	uint64_t *root_ref;
	tu_strv root_kind, root_label;
	uint64_t nroots;
	size_t root_cap;
	int complete;
} heap;

static void heap_add_refs(heap *h, const uint64_t *refs, const uint32_t *lab,
			  const uint8_t *flags, size_t n)
{
	size_t c = h->rcap;

	tu_grow((void **)&h->ref, &c, h->nrefs + n, sizeof(*h->ref));
	c = h->rcap;
	tu_grow((void **)&h->flags, &c, h->nrefs + n, 1);
	h->rcap = c;
	for (size_t k = 0; k < n; k++) {
		h->ref[h->nrefs + k] = refs[k];
		h->flags[h->nrefs + k] = flags ? flags[k] : 0;
		h->weak += flags && (flags[k] & HS_REF_WEAK);
		if (lab && lab[k] != HS_NO_LABEL) {
			h->labelled++;
			h->bad_labels += lab[k] >= h->strings.n;
		}
	}
	h->nrefs += n;
}

static char *dup_str(hs_str s)
{
	char *p = malloc(s.len + 1);

	CU_ASSERT_FATAL(p != NULL);
	memcpy(p, s.ptr, s.len);
	p[s.len] = '\0';
	return p;
}

static void heap_load(heap *h, const char *path)
{
	hs_reader *r = NULL;
	hs_record rec;
	hs_integrity in;
	int rc;

	memset(h, 0, sizeof(*h));
	rc = hs_reader_open(&r, path, NULL);
	CU_ASSERT_FATAL(rc == 0);
	h->mode = hs_reader_info(r)->ref_mode;
	while ((rc = hs_reader_next(&rec, r)) == 0) {
		switch (rec.kind) {
		case HS_REC_TYPE:
			CU_ASSERT(rec.u.type.index == h->types.n);
			tu_strv_take(&h->types, dup_str(rec.u.type.name));
			break;
		case HS_REC_STRING:
			CU_ASSERT(rec.u.type.index == h->strings.n);
			tu_strv_take(&h->strings, dup_str(rec.u.type.name));
			break;
		case HS_REC_OBJECT: {
			const hs_object *o = &rec.u.object.obj;
			size_t c = h->cap;

			CU_ASSERT(rec.u.object.index == h->n);
			tu_grow((void **)&h->id, &c, h->n + 2, sizeof(*h->id));
			c = h->cap;
			tu_grow((void **)&h->size, &c, h->n + 2,
				sizeof(*h->size));
			c = h->cap;
			tu_grow((void **)&h->off, &c, h->n + 2,
				sizeof(*h->off));
			c = h->cap;
			tu_grow((void **)&h->type, &c, h->n + 2,
				sizeof(*h->type));
			c = h->cap;
			tu_grow((void **)&h->pkind, &c, h->n + 2, 1);
			c = h->cap;
			tu_grow((void **)&h->plen, &c, h->n + 2,
				sizeof(*h->plen));
			h->cap = c;
			h->id[h->n] = o->id;
			h->size[h->n] = o->size;
			h->type[h->n] = o->type;
			h->pkind[h->n] = (uint8_t)o->preview.kind;
			h->plen[h->n] = (uint32_t)rec.u.object.preview_str.len;
			h->off[h->n] = h->nrefs;
			heap_add_refs(h, o->refs, o->labels, o->flags, o->nrefs);
			h->n++;
			h->off[h->n] = h->nrefs;
			break;
		}
		case HS_REC_REFS:
			CU_ASSERT_FATAL(h->n > 0);
			CU_ASSERT(rec.u.refs.owner == (h->mode == HS_REFS_BY_INDEX
					? h->n - 1 : h->id[h->n - 1]));
			heap_add_refs(h, rec.u.refs.refs, rec.u.refs.labels,
				      rec.u.refs.flags, rec.u.refs.n);
			h->off[h->n] = h->nrefs;
			h->refs_records++;
			break;
		case HS_REC_ROOT: {
			size_t c = h->root_cap;

			tu_grow((void **)&h->root_ref, &c, h->nroots + 1,
				sizeof(*h->root_ref));
			h->root_cap = c;
			h->root_ref[h->nroots++] = rec.u.root.ref;
			tu_strv_take(&h->root_kind, dup_str(rec.u.root.kind));
			tu_strv_push(&h->root_label, "%.*s",
				     (int)rec.u.root.label.len,
				     rec.u.root.label.ptr ? rec.u.root.label.ptr
							  : "");
			break;
		}
		default:
			break;
		}
	}
	CU_ASSERT(rc == HS_ITEROVER);
	hs_reader_integrity(&in, r);
	h->complete = in.status == HS_INTEGRITY_COMPLETE;
	CU_ASSERT(h->complete);
	hs_reader_free(r);
}

static void heap_free(heap *h)
{
	free(h->id);
	free(h->size);
	free(h->off);
	free(h->ref);
	free(h->type);
	free(h->flags);
	free(h->pkind);
	free(h->plen);
	free(h->root_ref);
	tu_strv_free(&h->types);
	tu_strv_free(&h->strings);
	tu_strv_free(&h->root_kind);
	tu_strv_free(&h->root_label);
}

static const char *type_name(const heap *h, uint64_t i)
{
	return h->type[i] < h->types.n ? h->types.v[h->type[i]] : "?";
}

static long find_type(const heap *h, const char *name)
{
	for (size_t t = 0; t < h->types.n; t++)
		if (strcmp(h->types.v[t], name) == 0)
			return (long)t;
	return -1;
}

/* index of the object with this id (ids increase), or UINT64_MAX */
static uint64_t index_of_id(const heap *h, uint64_t id)
{
	uint64_t lo = 0, hi = h->n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (h->id[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < h->n && h->id[lo] == id ? lo : UINT64_MAX;
}

/* the reference as an index, whatever the file's mode */
static uint64_t ref_index(const heap *h, uint64_t k)
{
	return h->mode == HS_REFS_BY_INDEX ? h->ref[k]
					   : index_of_id(h, h->ref[k]);
}

static uint64_t root_index(const heap *h, uint64_t k)
{
	return h->mode == HS_REFS_BY_INDEX ? h->root_ref[k]
					   : index_of_id(h, h->root_ref[k]);
}

static void gen_file(const char *path, hs_synth_shape shape, uint64_t n,
		     uint64_t seed, hs_ref_mode mode, unsigned phase,
		     hs_synth_stats *st)
{
	hs_synth_options o = HS_SYNTH_OPTIONS_INIT;
	hs_writer_options wo = HS_WRITER_OPTIONS_INIT;
	int rc;

	o.shape = shape;
	o.objects = n;
	o.seed = seed;
	o.ref_mode = mode;
	o.phase = phase;
	wo.frame_size = 64 * 1024;  /* several frames even for small heaps */
	rc = hs_synth_write_file(st, path, &o, &wo);
	if (rc < 0)
		fprintf(stderr, "synth: %s\n", hs_error_last());
	CU_ASSERT_FATAL(rc == 0);
}

/* Objects reachable from the roots over strong and weak references
 * (weak ones count: "unreachable" means nothing points there at all). */
static uint64_t count_unreachable(const heap *h, uint8_t **seen_out)
{
	uint8_t *seen = calloc(h->n ? h->n : 1, 1);
	uint64_t *stack = malloc((h->nrefs + h->nroots + 1) * sizeof(*stack));
	uint64_t sp = 0, reached = 0;

	CU_ASSERT_FATAL(seen && stack);
	for (uint64_t k = 0; k < h->nroots; k++)
		stack[sp++] = root_index(h, k);
	while (sp) {
		uint64_t v = stack[--sp];

		if (v >= h->n || seen[v])
			continue;
		seen[v] = 1;
		reached++;
		for (uint64_t k = h->off[v]; k < h->off[v + 1]; k++)
			stack[sp++] = ref_index(h, k);
	}
	free(stack);
	if (seen_out)
		*seen_out = seen;
	else
		free(seen);
	return h->n - reached;
}

/* ---- determinism ------------------------------------------------------- */

static void files_equal(const char *a, const char *b, int want_equal)
{
	unsigned char *da = NULL, *db = NULL;
	size_t la = 0, lb = 0;

	CU_ASSERT_FATAL(tu_read_file(a, &da, &la) == 0);
	CU_ASSERT_FATAL(tu_read_file(b, &db, &lb) == 0);
	if (want_equal) {
		CU_ASSERT(la == lb && memcmp(da, db, la) == 0);
	} else {
		CU_ASSERT(la != lb || memcmp(da, db, la) != 0);
	}
	free(da);
	free(db);
}

static void test_deterministic(void)
{
	static const hs_synth_shape shapes[] = {
		HS_SYNTH_SERVICE, HS_SYNTH_PYTHON, HS_SYNTH_BENCH4
	};

	for (size_t s = 0; s < 3; s++) {
		const char *a = tu_path("det-a.snap"), *b = tu_path("det-b.snap");
		const char *c = tu_path("det-c.snap");

		gen_file(a, shapes[s], 30000, 7, HS_REFS_BY_ID, 2, NULL);
		gen_file(b, shapes[s], 30000, 7, HS_REFS_BY_ID, 2, NULL);
		gen_file(c, shapes[s], 30000, 8, HS_REFS_BY_ID, 2, NULL);
		files_equal(a, b, 1);
		files_equal(a, c, 0);
		gen_file(a, shapes[s], 30000, 7, HS_REFS_BY_INDEX, 1, NULL);
		gen_file(b, shapes[s], 30000, 7, HS_REFS_BY_INDEX, 1, NULL);
		files_equal(a, b, 1);
	}
}

/* The generator's own counts agree with what a reader finds, and a run
 * with no writer counts the same. */
static void test_stats_match_file(void)
{
	const char *p = tu_path("stats.snap");
	hs_synth_options o = HS_SYNTH_OPTIONS_INIT;
	hs_synth_stats st, dry;
	heap h;

	gen_file(p, HS_SYNTH_PYTHON, 40000, 3, HS_REFS_BY_INDEX, 2, &st);
	heap_load(&h, p);
	CU_ASSERT(st.objects == h.n);
	CU_ASSERT(st.refs == h.nrefs);
	CU_ASSERT(st.weak_refs == h.weak);
	CU_ASSERT(st.labelled_refs == h.labelled);
	CU_ASSERT(st.roots == h.nroots);
	CU_ASSERT(st.types == h.types.n);
	CU_ASSERT(st.strings == h.strings.n);
	{
		uint64_t shallow = 0, previews = 0;

		for (uint64_t i = 0; i < h.n; i++) {
			shallow += h.size[i];
			previews += h.pkind[i] != HS_VALUE_NONE;
		}
		CU_ASSERT(st.shallow == shallow);
		CU_ASSERT(st.previews == previews);
	}
	o.shape = HS_SYNTH_PYTHON;
	o.objects = 40000;
	o.seed = 3;
	o.ref_mode = HS_REFS_BY_INDEX;
	o.phase = 2;
	CU_ASSERT(hs_synth_write(&dry, NULL, &o) == 0);
	CU_ASSERT(memcmp(&dry, &st, sizeof(st)) == 0);
	heap_free(&h);
}

/* ---- shapes ------------------------------------------------------------ */

/* Common checks: addresses, reference ranges, root labels. */
static void check_addresses(const heap *h)
{
	uint64_t gaps = 0;

	CU_ASSERT(h->id[0] >= 0x7f0000000000ull && h->id[0] < 0x7f4000000000ull);
	for (uint64_t i = 1; i < h->n; i++) {
		uint64_t step = (h->size[i - 1] + 15) & ~15ull;

		CU_ASSERT_FATAL(h->id[i] >= h->id[i - 1] + step);
		CU_ASSERT(h->id[i] % 16 == 0);
		gaps += h->id[i] != h->id[i - 1] + step;
	}
	/* a gap after about one object in 64 */
	CU_ASSERT(gaps > h->n / 128 && gaps < h->n / 32);
}

static void test_service_shape(void)
{
	const char *p = tu_path("service.snap");
	const uint64_t n = 200000;
	heap h;
	uint64_t local = 0, small = 0, buffers = 0, maxrefs = 0, unreach;
	uint64_t *indeg;
	long node = -1, buf_t;
	uint64_t longest_list = 0, circular = 0;
	uint8_t *seen = NULL;
	uint64_t longest_dead = 0, run = 0;
	hs_synth_stats st;

	gen_file(p, HS_SYNTH_SERVICE, n, 11, HS_REFS_BY_INDEX, 1, &st);
	heap_load(&h, p);
	CU_ASSERT_FATAL(h.n == n);
	check_addresses(&h);
	/* about 4 references, 70% near, ~1% weak */
	CU_ASSERT(h.nrefs >= 35 * n / 10 && h.nrefs <= 45 * n / 10);
	for (uint64_t i = 0; i < n; i++)
		for (uint64_t k = h.off[i]; k < h.off[i + 1]; k++) {
			uint64_t t = h.ref[k];

			CU_ASSERT_FATAL(t < n);
			local += (t > i ? t - i : i - t) <= 1000;
		}
	CU_ASSERT(local >= h.nrefs * 65 / 100 && local <= h.nrefs * 75 / 100);
	CU_ASSERT(h.weak >= h.nrefs / 200 && h.weak <= h.nrefs * 3 / 100);
	CU_ASSERT(h.labelled == 0);
	/* sizes: mostly 16..64, some 1..100 KiB buffers */
	buf_t = find_type(&h, "io.Buffer");
	CU_ASSERT_FATAL(buf_t >= 0);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t d = h.off[i + 1] - h.off[i];

		small += h.size[i] >= 16 && h.size[i] <= 64;
		if (h.type[i] == (uint32_t)buf_t) {
			CU_ASSERT(h.size[i] >= 1024 && h.size[i] <= 102400);
			buffers++;
		}
		maxrefs = d > maxrefs ? d : maxrefs;
	}
	CU_ASSERT(small >= n * 70 / 100);
	CU_ASSERT(buffers >= n / 1000 && buffers <= n / 50);
	/* big containers, the first one past a refs record */
	CU_ASSERT(maxrefs == 20000);
	CU_ASSERT(h.refs_records >= 1);
	CU_ASSERT(h.types.n >= 30 && h.types.n <= 40);
	/* roots: several kinds, all labelled, app.SESSIONS among them */
	CU_ASSERT(h.nroots == 8);
	{
		int sessions = 0, kinds = 0;

		for (uint64_t k = 0; k < h.nroots; k++) {
			CU_ASSERT(h.root_label.v[k][0] != '\0');
			sessions += strcmp(h.root_label.v[k], "app.SESSIONS") == 0;
			kinds += strcmp(h.root_kind.v[k], "thread") == 0 ||
				 strcmp(h.root_kind.v[k], "jni") == 0 ||
				 strcmp(h.root_kind.v[k], "stack") == 0;
		}
		CU_ASSERT(sessions == 1);
		CU_ASSERT(kinds >= 3);
	}
	/* linked lists: runs of list.Node, each node held once, thousands
	 * long; odd regions' lists are circular */
	indeg = calloc(n, sizeof(*indeg));
	CU_ASSERT_FATAL(indeg != NULL);
	for (uint64_t k = 0; k < h.nrefs; k++)
		indeg[h.ref[k]]++;
	node = find_type(&h, "list.Node");
	CU_ASSERT_FATAL(node >= 0);
	for (uint64_t i = 0; i < n;) {
		uint64_t j = i;

		if (h.type[i] != (uint32_t)node) {
			i++;
			continue;
		}
		while (j < n && h.type[j] == (uint32_t)node)
			j++;
		for (uint64_t k = i + 1; k < j; k++) {
			CU_ASSERT(indeg[k] == 1);
			CU_ASSERT(h.ref[h.off[k - 1]] == k);
		}
		if (h.off[j - 1] < h.off[j] && h.ref[h.off[j - 1]] == i &&
		    h.off[j] - h.off[j - 1] == 2)
			circular++;
		longest_list = j - i > longest_list ? j - i : longest_list;
		i = j;
	}
	CU_ASSERT(longest_list >= 2048 && longest_list <= 8192);
	CU_ASSERT(circular >= 1);
	/* garbage: runs of hundreds of objects nothing reaches */
	/* the garbage runs, and next to nothing else (claims, see synth.c) */
	unreach = count_unreachable(&h, &seen);
	CU_ASSERT(st.garbage >= n / 100 && st.garbage <= n / 25);
	CU_ASSERT(unreach >= st.garbage && unreach <= st.garbage + n / 1000);
	for (uint64_t i = 0; i < n; i++) {
		run = seen[i] ? 0 : run + 1;
		longest_dead = run > longest_dead ? run : longest_dead;
	}
	CU_ASSERT(longest_dead >= 512);
	free(seen);
	free(indeg);
	heap_free(&h);
}

static void test_python_shape(void)
{
	static const char *const want[] = {
		"dict", "list", "str", "int", "tuple", "function", "module",
		"app.Session", "float", "bytes", "code", "weakref"
	};
	const char *p = tu_path("python.snap");
	const uint64_t n = 100000;
	heap h;
	long str_t, int_t, bytes_t;
	uint64_t strs = 0, ints = 0, dunder = 0;
	hs_synth_stats st;

	gen_file(p, HS_SYNTH_PYTHON, n, 5, HS_REFS_BY_ID, 1, &st);
	heap_load(&h, p);
	CU_ASSERT_FATAL(h.n == n);
	check_addresses(&h);
	CU_ASSERT(h.nrefs >= 11 * n / 10 && h.nrefs <= 14 * n / 10);
	CU_ASSERT(h.labelled >= h.nrefs / 3);
	CU_ASSERT(h.bad_labels == 0);
	CU_ASSERT(h.weak > 0);
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
		CU_ASSERT(find_type(&h, want[k]) >= 0);
	for (size_t s = 0; s < h.strings.n; s++)
		dunder += strcmp(h.strings.v[s], "__dict__") == 0;
	CU_ASSERT(dunder == 1);
	str_t = find_type(&h, "str");
	int_t = find_type(&h, "int");
	bytes_t = find_type(&h, "bytes");
	for (uint64_t i = 0; i < n; i++) {
		if (h.type[i] == (uint32_t)str_t) {
			strs++;
			CU_ASSERT(h.pkind[i] == HS_VALUE_STR);
			CU_ASSERT(h.size[i] == 49 + h.plen[i]);
			CU_ASSERT(h.off[i + 1] == h.off[i]);
		} else if (h.type[i] == (uint32_t)bytes_t) {
			CU_ASSERT(h.pkind[i] == HS_VALUE_BYTES);
			CU_ASSERT(h.size[i] == 33 + h.plen[i]);
		} else if (h.type[i] == (uint32_t)int_t) {
			ints++;
			CU_ASSERT(h.pkind[i] == HS_VALUE_INT ||
				  h.pkind[i] == HS_VALUE_UINT);
		}
	}
	CU_ASSERT(strs >= n / 5 && ints >= n / 10);
	{
		uint64_t unreach = count_unreachable(&h, NULL);

		/* the garbage runs, and next to nothing else */
		CU_ASSERT(st.garbage >= n / 100 && st.garbage <= n / 25);
		CU_ASSERT(unreach >= st.garbage &&
			  unreach <= st.garbage + n / 1000);
	}
	CU_ASSERT(h.nroots == 8);
	heap_free(&h);
}

static void test_bench4_shape(void)
{
	const char *p = tu_path("bench4.snap");
	const uint64_t n = 50000;
	heap h;
	uint64_t local = 0;

	gen_file(p, HS_SYNTH_BENCH4, n, 1, HS_REFS_BY_INDEX, 1, NULL);
	heap_load(&h, p);
	CU_ASSERT_FATAL(h.n == n);
	check_addresses(&h);
	CU_ASSERT(h.nrefs >= 39 * n / 10 && h.nrefs <= 41 * n / 10);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t d = h.off[i + 1] - h.off[i];

		CU_ASSERT(d >= 3 && d <= 5);
		CU_ASSERT(h.size[i] >= 16 && h.size[i] <= 64);
		for (uint64_t k = h.off[i]; k < h.off[i + 1]; k++)
			local += (h.ref[k] > i ? h.ref[k] - i
					       : i - h.ref[k]) <= 1000;
	}
	CU_ASSERT(local >= h.nrefs * 68 / 100 && local <= h.nrefs * 72 / 100);
	CU_ASSERT(h.weak == 0 && h.labelled == 0);
	CU_ASSERT(h.nroots == 3);
	heap_free(&h);
}

/* ---- modes and phases ------------------------------------------------- */

static void test_id_and_index_agree(void)
{
	const char *a = tu_path("by-id.snap"), *b = tu_path("by-index.snap");
	heap hi, hx;

	gen_file(a, HS_SYNTH_SERVICE, 20000, 9, HS_REFS_BY_ID, 2, NULL);
	gen_file(b, HS_SYNTH_SERVICE, 20000, 9, HS_REFS_BY_INDEX, 2, NULL);
	heap_load(&hi, a);
	heap_load(&hx, b);
	CU_ASSERT_FATAL(hi.n == hx.n && hi.nrefs == hx.nrefs);
	CU_ASSERT(memcmp(hi.id, hx.id, hi.n * sizeof(*hi.id)) == 0);
	CU_ASSERT(memcmp(hi.size, hx.size, hi.n * sizeof(*hi.size)) == 0);
	CU_ASSERT(memcmp(hi.type, hx.type, hi.n * sizeof(*hi.type)) == 0);
	CU_ASSERT(memcmp(hi.off, hx.off, (hi.n + 1) * sizeof(*hi.off)) == 0);
	for (uint64_t k = 0; k < hi.nrefs; k++)
		CU_ASSERT_FATAL(index_of_id(&hi, hi.ref[k]) == hx.ref[k]);
	CU_ASSERT_FATAL(hi.nroots == hx.nroots);
	for (uint64_t k = 0; k < hi.nroots; k++)
		CU_ASSERT(index_of_id(&hi, hi.root_ref[k]) == hx.root_ref[k]);
	heap_free(&hi);
	heap_free(&hx);
}

static int same_strv(const tu_strv *a, const tu_strv *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

static void check_leak(hs_synth_shape shape, hs_ref_mode mode, uint64_t n)
{
	const char *a = tu_path("phase1.snap"), *b = tu_path("phase2.snap");
	hs_synth_options o = HS_SYNTH_OPTIONS_INIT;
	hs_synth_leak lk, lk1;
	hs_synth_stats s1, s2;
	heap h1, h2;
	uint64_t total = 0, sessions_root = UINT64_MAX;
	long lt;

	o.shape = shape;
	o.objects = n;
	o.seed = 21;
	o.ref_mode = mode;
	o.phase = 2;
	CU_ASSERT_FATAL(hs_synth_leak_info(&lk, &o) == 0);
	o.phase = 1;
	CU_ASSERT_FATAL(hs_synth_leak_info(&lk1, &o) == 0);
	CU_ASSERT(memcmp(&lk, &lk1, sizeof(lk)) == 0);
	CU_ASSERT(lk.count == (n / 100 < 10 ? 10 : n / 100));
	CU_ASSERT(strcmp(lk.type_name, "leak.Session") == 0);
	CU_ASSERT(strcmp(lk.root_label, "app.SESSIONS") == 0);
	gen_file(a, shape, n, 21, mode, 1, &s1);
	gen_file(b, shape, n, 21, mode, 2, &s2);
	heap_load(&h1, a);
	heap_load(&h2, b);
	CU_ASSERT_FATAL(h1.n == n && h2.n == n + lk.count);
	CU_ASSERT(s2.objects == s1.objects + lk.count);
	CU_ASSERT(s2.refs == s1.refs + 2 * lk.count);
	CU_ASSERT(s2.shallow == s1.shallow + lk.total_bytes);
	/* the same types and strings, plus leak.Session at the end */
	CU_ASSERT_FATAL(h2.types.n == h1.types.n + 1);
	CU_ASSERT(same_strv(&h1.types, &h2.types, h1.types.n));
	CU_ASSERT(strcmp(h2.types.v[h1.types.n], "leak.Session") == 0);
	CU_ASSERT(h1.strings.n == h2.strings.n &&
		  same_strv(&h1.strings, &h2.strings, h1.strings.n));
	lt = find_type(&h2, "leak.Session");
	/* the owner */
	CU_ASSERT_FATAL(lk.owner_index < n);
	CU_ASSERT(h1.id[lk.owner_index] == lk.owner_id);
	CU_ASSERT(h1.size[lk.owner_index] == lk.owner_size);
	CU_ASSERT(strcmp(type_name(&h1, lk.owner_index), lk.owner_type) == 0);
	CU_ASSERT(h1.id[lk.user_index] == lk.user_id);
	/* phase-1 objects unchanged but for the owner's extra references */
	for (uint64_t i = 0; i < n; i++) {
		uint64_t d1 = h1.off[i + 1] - h1.off[i];
		uint64_t d2 = h2.off[i + 1] - h2.off[i];

		CU_ASSERT_FATAL(h1.id[i] == h2.id[i]);
		CU_ASSERT_FATAL(h1.size[i] == h2.size[i]);
		CU_ASSERT_FATAL(h1.type[i] == h2.type[i]);
		CU_ASSERT_FATAL(d2 == d1 + (i == lk.owner_index ? lk.count : 0));
		CU_ASSERT_FATAL(memcmp(h1.ref + h1.off[i], h2.ref + h2.off[i],
				       d1 * sizeof(uint64_t)) == 0);
		for (uint64_t k = d1; k < d2; k++)
			CU_ASSERT_FATAL(ref_index(&h2, h2.off[i] + k) ==
					n + (k - d1));
	}
	/* the sessions: ids, sizes, one reference each to the user */
	CU_ASSERT(h2.id[n] == lk.first_id);
	for (uint64_t i = n; i < h2.n; i++) {
		CU_ASSERT_FATAL(h2.type[i] == (uint32_t)lt);
		CU_ASSERT(h2.size[i] >= 64 && h2.size[i] <= 128);
		CU_ASSERT_FATAL(h2.off[i + 1] - h2.off[i] == 1);
		CU_ASSERT(ref_index(&h2, h2.off[i]) == lk.user_index);
		total += h2.size[i];
	}
	CU_ASSERT(total == lk.total_bytes);
	/* the same roots; app.SESSIONS holds the owner; the user is the
	 * first root's target */
	CU_ASSERT_FATAL(h1.nroots == h2.nroots);
	for (uint64_t k = 0; k < h1.nroots; k++) {
		CU_ASSERT(root_index(&h1, k) == root_index(&h2, k));
		CU_ASSERT(strcmp(h1.root_kind.v[k], h2.root_kind.v[k]) == 0);
		CU_ASSERT(strcmp(h1.root_label.v[k], h2.root_label.v[k]) == 0);
		if (strcmp(h1.root_label.v[k], "app.SESSIONS") == 0)
			sessions_root = root_index(&h1, k);
	}
	CU_ASSERT(sessions_root == lk.owner_index);
	CU_ASSERT(root_index(&h1, 0) == lk.user_index);
	CU_ASSERT(lk.user_index != lk.owner_index);
	heap_free(&h1);
	heap_free(&h2);
}

static void test_phase2_is_phase1_plus_leak(void)
{
	check_leak(HS_SYNTH_SERVICE, HS_REFS_BY_ID, 30000);
	check_leak(HS_SYNTH_PYTHON, HS_REFS_BY_INDEX, 30000);
	check_leak(HS_SYNTH_BENCH4, HS_REFS_BY_ID, 5000);
}

/* What hs_synth.h promises the analyses will see: the owner's retained
 * size grows by exactly the leak's bytes and no phase-1 object changes
 * its immediate dominator (checked with libdump's own graph and
 * dominator tree; the weak references of the service shape included). */
static void test_leak_retained(void)
{
	static const hs_synth_shape shapes[] = { HS_SYNTH_SERVICE,
						 HS_SYNTH_PYTHON };

	for (size_t s = 0; s < 2; s++) {
		const char *a = tu_path("ret1.snap"), *b = tu_path("ret2.snap");
		hs_synth_options o = HS_SYNTH_OPTIONS_INIT;
		hs_graph_options go = HS_GRAPH_OPTIONS_INIT;
		hs_graph *g1 = NULL, *g2 = NULL;
		hs_dom *d1 = NULL, *d2 = NULL;
		hs_synth_leak lk;
		uint32_t owner;
		uint64_t changed = 0;

		o.shape = shapes[s];
		o.objects = 50000;
		o.seed = 77;
		CU_ASSERT_FATAL(hs_synth_leak_info(&lk, &o) == 0);
		gen_file(a, shapes[s], 50000, 77, HS_REFS_BY_ID, 1, NULL);
		gen_file(b, shapes[s], 50000, 77, HS_REFS_BY_ID, 2, NULL);
		go.threads = 1;
		CU_ASSERT_FATAL(hs_graph_load(&g1, a, &go) == 0);
		CU_ASSERT_FATAL(hs_graph_load(&g2, b, &go) == 0);
		CU_ASSERT_FATAL(hs_dom_build(&d1, g1) == 0);
		CU_ASSERT_FATAL(hs_dom_build(&d2, g2) == 0);
		owner = (uint32_t)lk.owner_index;
		CU_ASSERT(hs_graph_id(g1, owner) == lk.owner_id);
		CU_ASSERT(hs_dom_retained(d2, owner) ==
			  hs_dom_retained(d1, owner) + lk.total_bytes);
		CU_ASSERT(hs_dom_retained(d2, HS_GRAPH_SUPERROOT) ==
			  hs_dom_retained(d1, HS_GRAPH_SUPERROOT) +
			  lk.total_bytes);
		for (uint32_t i = 0; i < 50000; i++)
			changed += hs_dom_idom(d1, i) != hs_dom_idom(d2, i);
		CU_ASSERT(changed == 0);
		for (uint32_t i = 50000; i < hs_graph_count(g2); i++)
			CU_ASSERT(hs_dom_idom(d2, i) == owner);
		/* the unreachable objects are the garbage runs, as the
		 * reader-based test found */
		CU_ASSERT(hs_dom_stats_get(d1)->unreachable >= 500);
		hs_dom_free(d1);
		hs_dom_free(d2);
		hs_graph_free(g1);
		hs_graph_free(g2);
	}
}

/* A leak bigger than one refs record, and a chosen K. */
static void test_big_leak(void)
{
	const char *p = tu_path("bigleak.snap");
	hs_synth_options o = HS_SYNTH_OPTIONS_INIT;
	hs_synth_leak lk;
	hs_synth_stats st;
	heap h;

	o.objects = 2000;
	o.phase = 2;
	o.leak_count = 40000;
	o.ref_mode = HS_REFS_BY_ID;
	CU_ASSERT_FATAL(hs_synth_write_file(&st, p, &o, NULL) == 0);
	CU_ASSERT_FATAL(hs_synth_leak_info(&lk, &o) == 0);
	heap_load(&h, p);
	CU_ASSERT(h.n == 42000 && lk.count == 40000);
	CU_ASSERT(h.off[lk.owner_index + 1] - h.off[lk.owner_index] >= 40000);
	CU_ASSERT(h.refs_records >= 3);
	CU_ASSERT(st.max_refs == 40000);
	for (uint64_t k = 0; k < 40000; k++)
		CU_ASSERT_FATAL(ref_index(&h, h.off[lk.owner_index + 1] -
					  40000 + k) == 2000 + k);
	heap_free(&h);
}

/* The smallest heaps of every shape are whole: references in range,
 * the owner and user distinct, everything reachable or not, no crash. */
static void test_tiny_heaps(void)
{
	static const uint64_t sizes[] = { 16, 17, 63, 100, 1000, 2003, 5000 };

	for (int s = 0; s < 3; s++)
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
			for (unsigned phase = 1; phase <= 2; phase++) {
				const char *p = tu_path("tiny.snap");
				hs_synth_stats st;
				heap h;

				gen_file(p, (hs_synth_shape)s, sizes[k],
					 sizes[k] + phase, phase == 1
					 ? HS_REFS_BY_INDEX : HS_REFS_BY_ID,
					 phase, &st);
				heap_load(&h, p);
				CU_ASSERT(h.n == st.objects);
				for (uint64_t r = 0; r < h.nrefs; r++)
					CU_ASSERT_FATAL(ref_index(&h, r) < h.n);
				for (uint64_t r = 0; r < h.nroots; r++)
					CU_ASSERT_FATAL(root_index(&h, r) < h.n);
				heap_free(&h);
			}
}

static void test_bad_options(void)
{
	hs_synth_options o = HS_SYNTH_OPTIONS_INIT;
	hs_synth_shape sh;
	hs_synth_leak lk;
	hs_header hdr;
	const char *p = tu_path("nodir/x.snap");

	o.objects = 15;
	CU_ASSERT(hs_synth_write(NULL, NULL, &o) == HS_EINVAL);
	CU_ASSERT(tu_contains(hs_error_last(), "15 objects"));
	o.objects = 1000;
	o.phase = 3;
	CU_ASSERT(hs_synth_leak_info(&lk, &o) == HS_EINVAL);
	o.phase = 1;
	o.shape = (hs_synth_shape)7;
	CU_ASSERT(hs_synth_write(NULL, NULL, &o) == HS_EINVAL);
	o.shape = HS_SYNTH_SERVICE;
	o.version = 99;
	CU_ASSERT(hs_synth_write(NULL, NULL, &o) == HS_EINVAL);
	o.version = HS_SYNTH_OPTIONS_VERSION;
	o.ref_mode = (hs_ref_mode)5;
	CU_ASSERT(hs_synth_write_file(NULL, tu_path("bad.snap"), &o, NULL) ==
		  HS_EINVAL);
	CU_ASSERT(!tu_exists(tu_path("bad.snap")));
	o.ref_mode = HS_REFS_BY_ID;
	o.leak_count = HS_SYNTH_LEAK_MAX + 1ull;
	CU_ASSERT(hs_synth_write(NULL, NULL, &o) == HS_EINVAL);
	o.leak_count = 0;
	CU_ASSERT(hs_synth_write_file(NULL, p, &o, NULL) == HS_EIO);
	CU_ASSERT(!tu_exists(p));
	CU_ASSERT(hs_synth_shape_parse(&sh, "java") == HS_EINVAL);
	CU_ASSERT(hs_synth_shape_parse(&sh, "python") == 0 &&
		  sh == HS_SYNTH_PYTHON);
	CU_ASSERT(strcmp(hs_synth_shape_name(HS_SYNTH_BENCH4), "bench4") == 0);
	CU_ASSERT(strcmp(hs_synth_shape_name((hs_synth_shape)9), "unknown") == 0);
	o.phase = 2;
	hs_synth_header(&hdr, &o);
	CU_ASSERT(strcmp(hdr.runtime, "synthetic") == 0);
	CU_ASSERT(strcmp(hdr.reason, "dumpgen phase 2") == 0);
	CU_ASSERT(hdr.time_ms != 0);
}

HS_SUITE(synth,
	 HS_TEST(test_deterministic),
	 HS_TEST(test_stats_match_file),
	 HS_TEST(test_service_shape),
	 HS_TEST(test_python_shape),
	 HS_TEST(test_bench4_shape),
	 HS_TEST(test_id_and_index_agree),
	 HS_TEST(test_phase2_is_phase1_plus_leak),
	 HS_TEST(test_leak_retained),
	 HS_TEST(test_big_leak),
	 HS_TEST(test_tiny_heaps),
	 HS_TEST(test_bad_options))
