/*
 * pywalk.c - walks the whole CPython 3.11 heap and writes it through the
 * libdump writer: objects, references (by index), labels, sizes, roots.
 *
 * Load: nothing per tracked object (its index and referrer count live in
 * its own gc header during the walk) and nothing per untracked object with
 * one reference; 16 bytes per map slot (at most 3/4 full) for the other
 * untracked objects; 21 bytes per reference of the largest single object;
 * the FIFO of newly found untracked objects; the writer's ~4.5 MiB.  About
 * 10 bytes per object in all on a 1.2M-object heap.  Time: two traversals
 * of every object through tp_traverse, plus packing and zstd.
 *
 * How the walk finds objects.  Every gc-tracked object is on one of the
 * interpreter's generation lists (three generations and the permanent one
 * of gc.freeze()); the walk reads those lists in place, which allocates
 * nothing and, unlike gc.get_objects(), also sees frozen objects and
 * leaves every reference count as it was.  Untracked objects (str, int,
 * float, bytes, tuples and dicts the collector untracked, static types,
 * code objects) are found as referents: from a tracked object, or from a
 * thread's frames.  Each is numbered when first found, in a FIFO, so that
 * the order objects are numbered is the order they are written.
 *
 * Two passes: pass 1 numbers every object; pass 2 replays the same
 * deterministic traversal and writes each object with its references
 * already mapped to indices (HS_REFS_BY_INDEX).  The heap cannot change in
 * between: the GIL is held throughout, the collector is off, no Python
 * code runs, and no object is allocated, with two exceptions, both freed
 * at once and never reachable: the int results of C-level __sizeof__
 * methods of types this file does not know, and, when tracemalloc is
 * tracing, the traceback tuples of the allocation sites.
 *
 * References come from tp_traverse, which is the interpreter's own notion
 * of "who refers to whom".  Its gaps in 3.11 are covered here:
 *   - a dict whose keys are all str does not visit its keys;
 *   - heap types do not visit __name__, __qualname__, __slots__,
 *     __subclasses__, nor the shared attribute-name keys (ht_cached_keys);
 *   - weak references do not visit their referent (written with the weak
 *     flag, not counted as a reference);
 *   - objects of non-gc types have no tp_traverse: code objects (co_consts,
 *     co_names, co_filename, ...), static types (__dict__, __mro__,
 *     __bases__, __subclasses__) and any non-gc type's object members
 *     (range's start/stop/step);
 *   - a running thread's frames are not objects: their locals, cells,
 *     function and code are written as "frame" roots.
 *
 * This file reads CPython 3.11 internals (frames, gc lists, dict layouts,
 * managed instance attributes): it builds only against 3.11.
 */
#define PY_SSIZE_T_CLEAN
#define Py_BUILD_CORE 1
#include <Python.h>
#include <structmember.h>

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030C0000
#error "heapsnap's capture reads CPython 3.11 internals; this Python is not 3.11"
#endif

#include "internal/pycore_dict.h"
#include "internal/pycore_frame.h"
#include "internal/pycore_gc.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_object.h"
#include "internal/pycore_pymem.h"
#include <tracemalloc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "hs_writer.h"
#include "pywalk.h"

#define LABEL_INDEX_MAX 256   /* list/tuple items labelled [i] below this */
#define LABEL_CACHE 4096      /* direct-mapped label caches, per kind */
#define TEXT_MAX 200          /* longest label text */
#define PREVIEW_MAX 64
#define STATIC_REFCNT 100000000 /* deepfreeze gives 999999999 */

/* ---- what hs_pywalk_init() finds ---- */

static traverseproc g_subtype_traverse;
static PyObject *g_sizeof_name;   /* borrowed from object.__dict__ */

enum {
	SZ_OBJECT, SZ_LIST, SZ_DICT, SZ_SET, SZ_STR, SZ_INT, SZ_BYTEARRAY,
	SZ_CALL
};

static struct {
	PyTypeObject *type;
	int kind;
	PyCFunction meth;
} g_sizeof[] = {
	{ &PyBaseObject_Type, SZ_OBJECT, NULL },
	{ &PyList_Type, SZ_LIST, NULL },
	{ &PyDict_Type, SZ_DICT, NULL },
	{ &PySet_Type, SZ_SET, NULL },
	{ &PyFrozenSet_Type, SZ_SET, NULL },
	{ &PyUnicode_Type, SZ_STR, NULL },
	{ &PyLong_Type, SZ_INT, NULL },
	{ &PyByteArray_Type, SZ_BYTEARRAY, NULL },
	{ &PyBytes_Type, SZ_OBJECT, NULL },
	{ &PyTuple_Type, SZ_OBJECT, NULL },
};
#define N_SIZEOF (sizeof(g_sizeof) / sizeof(g_sizeof[0]))

/* ---- the walk's state ---- */

/* Open addressing over addresses (never 0), linear probing. */
typedef struct {
	uint64_t key;       /* the object's address; 0 = empty */
	uint32_t val;       /* its index (or a type's, a string's) */
	uint32_t inc;       /* pass 2: its referrers counted in the dump */
} am_slot_t;

typedef struct {
	am_slot_t *s;
	size_t cap, n;
	int mapped;         /* s came from mmap */
} addr_map;

typedef struct {
	uint32_t widx;      /* the writer's type index */
	int sz;             /* SZ_* */
	PyCFunction fn;     /* SZ_CALL: the C __sizeof__ */
} typeinfo;

typedef struct {
	uint64_t key;
	uint32_t idx;
} label_slot;

typedef struct walk {
	hs_writer *w;
	const hs_pywalk_options *o;
	hs_pywalk_stats *st;
	int pass;               /* 1 numbers, 2 writes */
	int err;                /* first HS_E* error, sticky */
	addr_map map;           /* object -> index */
	addr_map ns;            /* namespace dicts: module and type __dict__ */
	uint64_t next;          /* pass 1: next index; pass 2: found again */

	PyObject **q;           /* FIFO of found, not yet expanded objects */
	size_t qh, qt, qcap;

	PyObject **rp;          /* references of the current object */
	uint32_t *rl;           /* their labels (pass 2) */
	uint8_t *rf;            /* their flags */
	uint64_t *ri;           /* their indices (pass 2) */
	size_t nr, rcap;

	uint64_t nobjects;      /* after pass 1 */

	addr_map tmap;          /* type -> index in ti */
	PyTypeObject *last_type; /* memo: objects come in runs of one type */
	uint32_t last_ti;
	typeinfo *ti;
	size_t nti, ticap;
	addr_map cstr;          /* C-string label -> string index */
	label_slot *lc_repr;    /* dict-key label cache, by key object */
	label_slot *lc_name;    /* name label cache, by str object */
	label_slot lc_cstr[256]; /* in front of cstr */
	uint32_t idx_label[LABEL_INDEX_MAX];

	size_t mem, peak;       /* bytes held by the walk */
	int debug;              /* HEAPSNAP_DEBUG set: phases to stderr */
	int gc_touched;         /* gc headers hold indices: restore them */
	int sites;              /* tracemalloc is tracing: write sites */
	uint32_t *froots;       /* pass 2: indices of the frames' references */
	size_t nfr, frcap, frnext;
	addr_map smap;          /* traceback hash -> site index */
	double t0;
	char text[TEXT_MAX + 64];
} walk;

/* ---- memory ---- */

static void mem_add(walk *W, size_t add, size_t sub)
{
	W->mem += add;
	W->mem -= sub;
	if (W->mem > W->peak)
		W->peak = W->mem;
}

static int fail(walk *W, int code)
{
	if (!W->err)
		W->err = code;
	return code;
}

static int oom(walk *W, const char *what)
{
	return fail(W, hs_error_set(HS_ENOMEM, "heapsnap: out of memory "
				    "for %s", what));
}

/* ---- address map ---- */

/* One cache line holds four slots; a lookup usually touches one line and
 * finds the index and the referrer count together. */
static am_slot_t *am_find(const addr_map *m, uint64_t a)
{
	uint64_t h = (a >> 4) * 0x9E3779B97F4A7C15ull;
	size_t i = (size_t)(((unsigned __int128)h * m->cap) >> 64);

	while (m->s[i].key && m->s[i].key != a)
		if (++i == m->cap)
			i = 0;
	return &m->s[i];
}

/* Big maps are mapped directly and asked for huge pages: lookups are
 * random, and 4 KiB pages would make most of them a TLB miss too. */
#define AM_HUGE (2u << 20)

static int am_init(walk *W, addr_map *m, size_t cap)
{
	size_t bytes;

	if (cap < 1024)
		cap = 1024;
	bytes = cap * sizeof(*m->s);
	if (bytes >= AM_HUGE) {
		bytes = (bytes + AM_HUGE - 1) / AM_HUGE * AM_HUGE;
		cap = bytes / sizeof(*m->s);
		m->s = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m->s == MAP_FAILED)
			m->s = NULL;
		else
			madvise(m->s, bytes, MADV_HUGEPAGE);
		m->mapped = 1;
	} else {
		m->s = calloc(cap, sizeof(*m->s));
		m->mapped = 0;
	}
	if (!m->s)
		return oom(W, "the object map");
	m->cap = cap;
	m->n = 0;
	mem_add(W, bytes, 0);
	return 0;
}

static void am_free(walk *W, addr_map *m)
{
	if (m->s) {
		mem_add(W, 0, m->cap * sizeof(*m->s));
		if (m->mapped)
			munmap(m->s, m->cap * sizeof(*m->s));
		else
			free(m->s);
	}
	memset(m, 0, sizeof(*m));
}

static void am_prefetch(const addr_map *m, uint64_t a)
{
	uint64_t h = (a >> 4) * 0x9E3779B97F4A7C15ull;

	__builtin_prefetch(&m->s[(size_t)(((unsigned __int128)h * m->cap)
					  >> 64)]);
}

static int am_grow(walk *W, addr_map *m)
{
	addr_map old = *m;

	if (am_init(W, m, old.cap + old.cap / 2) < 0) {
		*m = old;
		return W->err;
	}
	for (size_t i = 0; i < old.cap; i++)
		if (old.s[i].key)
			*am_find(m, old.s[i].key) = old.s[i];
	m->n = old.n;
	am_free(W, &old);
	return 0;
}

/* @return 1 if added (with value v), 0 if present (*out = its value). */
static int am_put(walk *W, addr_map *m, uint64_t a, uint32_t v, uint32_t *out)
{
	am_slot_t *s;

	if ((m->n + 1) * 4 > m->cap * 3 && am_grow(W, m) < 0)
		return W->err;
	s = am_find(m, a);
	if (s->key) {
		if (out)
			*out = s->val;
		return 0;
	}
	s->key = a;
	s->val = v;
	s->inc = 0;
	m->n++;
	return 1;
}

static am_slot_t *am_lookup(const addr_map *m, uint64_t a)
{
	am_slot_t *s;

	if (!m->s)
		return NULL;
	s = am_find(m, a);
	return s->key ? s : NULL;
}

static int am_get(const addr_map *m, uint64_t a, uint32_t *out)
{
	am_slot_t *s = am_lookup(m, a);

	if (!s)
		return 0;
	if (out)
		*out = s->val;
	return 1;
}

static void inc_ref(am_slot_t *s)
{
	if (s->inc != UINT32_MAX)
		s->inc++;
}

/* ---- text: str objects to UTF-8 without creating any object ---- */

/* Appends s's text as UTF-8 to dst (at most cap bytes, whole characters);
 * quote escapes quotes, backslashes and control characters as a repr
 * does.  @return bytes written; *cut set if s did not fit. */
static size_t utf8_put(char *dst, size_t cap, PyObject *s, int quote, int *cut)
{
	size_t len = 0;
	Py_ssize_t n;
	const void *data;
	int kind;

	*cut = 0;
	if (!PyUnicode_IS_READY(s)) {
		*cut = 1;
		return 0;
	}
	kind = PyUnicode_KIND(s);
	data = PyUnicode_DATA(s);
	n = PyUnicode_GET_LENGTH(s);
	for (Py_ssize_t i = 0; i < n; i++) {
		Py_UCS4 c = PyUnicode_READ(kind, data, i);
		char t[8];
		size_t k;

		if (quote && (c < 0x20 || c == 0x7f)) {
			k = (size_t)snprintf(t, sizeof(t), "\\x%02x",
					     (unsigned)c);
		} else if (quote && (c == '\'' || c == '\\')) {
			t[0] = '\\';
			t[1] = (char)c;
			k = 2;
		} else if (c < 0x80) {
			t[0] = (char)c;
			k = 1;
		} else if (c < 0x800) {
			t[0] = (char)(0xC0 | (c >> 6));
			t[1] = (char)(0x80 | (c & 0x3F));
			k = 2;
		} else if (c >= 0xD800 && c < 0xE000) {
			t[0] = '?';     /* a lone surrogate has no UTF-8 */
			k = 1;
		} else if (c < 0x10000) {
			t[0] = (char)(0xE0 | (c >> 12));
			t[1] = (char)(0x80 | ((c >> 6) & 0x3F));
			t[2] = (char)(0x80 | (c & 0x3F));
			k = 3;
		} else {
			t[0] = (char)(0xF0 | (c >> 18));
			t[1] = (char)(0x80 | ((c >> 12) & 0x3F));
			t[2] = (char)(0x80 | ((c >> 6) & 0x3F));
			t[3] = (char)(0x80 | (c & 0x3F));
			k = 4;
		}
		if (len + k > cap) {
			*cut = 1;
			break;
		}
		memcpy(dst + len, t, k);
		len += k;
	}
	return len;
}

/* ---- strings and labels (pass 2 only: they are writer records) ---- */

static uint32_t declare_text(walk *W, const char *s, size_t len)
{
	uint32_t idx;
	int rc;

	if (W->err)
		return HS_NO_LABEL;
	rc = hs_writer_string(&idx, W->w, s, len);
	if (rc < 0) {
		fail(W, rc);
		return HS_NO_LABEL;
	}
	W->st->strings++;
	return idx;
}

/* A constant label: C strings of this file or of type member tables. */
static uint32_t L(walk *W, const char *s)
{
	uint32_t idx;
	int rc;

	label_slot *c;

	if (W->pass != 2 || !s)
		return HS_NO_LABEL;
	c = &W->lc_cstr[((uintptr_t)s * 0x9E3779B97F4A7C15ull) >> 56];
	if (c->key == (uint64_t)(uintptr_t)s)
		return c->idx;
	if (am_get(&W->cstr, (uint64_t)(uintptr_t)s, &idx)) {
		c->key = (uint64_t)(uintptr_t)s;
		c->idx = idx;
		return idx;
	}
	idx = declare_text(W, s, strlen(s));
	if (idx == HS_NO_LABEL)
		return idx;
	rc = am_put(W, &W->cstr, (uint64_t)(uintptr_t)s, idx, NULL);
	if (rc < 0)
		return HS_NO_LABEL;
	return idx;
}

static label_slot *lc_slot(label_slot *cache, PyObject *o)
{
	uint64_t a = (uint64_t)(uintptr_t)o;

	return &cache[((a >> 3) * 0x9E3779B97F4A7C15ull) >> 52];
}

/* A name (attribute, variable) from a str object, without quotes. */
static uint32_t name_label(walk *W, PyObject *name)
{
	label_slot *s;
	size_t len;
	int cut;

	if (W->pass != 2 || !name || !PyUnicode_Check(name))
		return HS_NO_LABEL;
	s = lc_slot(W->lc_name, name);
	if (s->key == (uint64_t)(uintptr_t)name)
		return s->idx;
	len = utf8_put(W->text, TEXT_MAX, name, 0, &cut);
	s->idx = declare_text(W, W->text, len);
	s->key = s->idx == HS_NO_LABEL ? 0 : (uint64_t)(uintptr_t)name;
	return s->idx;
}

/* The short repr of a dict key: 'text', 42, None, <tuple>. */
static size_t key_repr(walk *W, PyObject *k)
{
	char *t = W->text;
	int cut;

	if (PyUnicode_Check(k)) {
		size_t n;

		t[0] = '\'';
		n = 1 + utf8_put(t + 1, 60, k, 1, &cut);
		if (cut) {
			memcpy(t + n, "...", 3);
			n += 3;
		}
		t[n++] = '\'';
		return n;
	}
	if (PyBool_Check(k))
		return (size_t)snprintf(t, TEXT_MAX, "%s",
					k == Py_True ? "True" : "False");
	if (PyLong_Check(k)) {
		int over = 0;
		long long v = PyLong_AsLongLongAndOverflow(k, &over);

		if (v == -1 && PyErr_Occurred())
			PyErr_Clear();
		if (!over)
			return (size_t)snprintf(t, TEXT_MAX, "%lld", v);
		return (size_t)snprintf(t, TEXT_MAX, "<int>");
	}
	if (PyFloat_Check(k))
		return (size_t)snprintf(t, TEXT_MAX, "%.17g",
					PyFloat_AS_DOUBLE(k));
	if (k == Py_None)
		return (size_t)snprintf(t, TEXT_MAX, "None");
	return (size_t)snprintf(t, TEXT_MAX, "<%.100s>", Py_TYPE(k)->tp_name);
}

static uint32_t key_label(walk *W, PyObject *dict, PyObject *key)
{
	label_slot *s;
	size_t len;

	if (W->pass != 2 || !key)
		return HS_NO_LABEL;
	/* a redacted dump names the keys of namespaces only: identifiers */
	if (W->o->redact && !am_get(&W->ns, (uint64_t)(uintptr_t)dict, NULL))
		return HS_NO_LABEL;
	s = lc_slot(W->lc_repr, key);
	if (s->key == (uint64_t)(uintptr_t)key)
		return s->idx;
	len = key_repr(W, key);
	s->idx = declare_text(W, W->text, len);
	s->key = s->idx == HS_NO_LABEL ? 0 : (uint64_t)(uintptr_t)key;
	return s->idx;
}

static uint32_t index_label(walk *W, size_t i)
{
	int n;

	if (W->pass != 2 || i >= LABEL_INDEX_MAX)
		return HS_NO_LABEL;
	if (W->idx_label[i] != HS_NO_LABEL)
		return W->idx_label[i];
	n = snprintf(W->text, TEXT_MAX, "[%zu]", i);
	W->idx_label[i] = declare_text(W, W->text, (size_t)n);
	return W->idx_label[i];
}

/* ---- collecting one object's references ---- */

static int push_ref(walk *W, PyObject *r, uint32_t label, uint8_t flags)
{
	if (W->nr == W->rcap) {
		size_t cap = W->rcap ? W->rcap * 2 : 256;
		PyObject **rp = realloc(W->rp, cap * sizeof(*rp));
		uint32_t *rl;
		uint8_t *rf;
		uint64_t *ri;

		if (!rp)
			return oom(W, "references");
		W->rp = rp;
		rl = realloc(W->rl, cap * sizeof(*rl));
		if (!rl)
			return oom(W, "references");
		W->rl = rl;
		rf = realloc(W->rf, cap * sizeof(*rf));
		if (!rf)
			return oom(W, "references");
		W->rf = rf;
		ri = realloc(W->ri, cap * sizeof(*ri));
		if (!ri)
			return oom(W, "references");
		W->ri = ri;
		mem_add(W, (cap - W->rcap) * 21, 0);
		W->rcap = cap;
	}
	W->rp[W->nr] = r;
	W->rl[W->nr] = label;
	W->rf[W->nr] = flags;
	W->nr++;
	return 0;
}

static int visit_collect(PyObject *r, void *arg)
{
	walk *W = arg;

	if (!r)
		return 0;
	return push_ref(W, r, HS_NO_LABEL, 0) < 0 ? -1 : 0;
}

/* Adds r unless the object already refers to it (labels it then). */
static void add_missing(walk *W, PyObject *r, const char *label)
{
	if (!r)
		return;
	for (size_t i = 0; i < W->nr; i++) {
		if (W->rp[i] == r) {
			if (W->rl[i] == HS_NO_LABEL)
				W->rl[i] = L(W, label);
			return;
		}
	}
	push_ref(W, r, L(W, label), 0);
}

/* Labels the first unlabelled reference to r found at or after pos. */
static void label_ptr(walk *W, size_t pos, PyObject *r, const char *label)
{
	if (!r)
		return;
	for (size_t i = pos; i < W->nr; i++) {
		if (W->rp[i] == r && W->rl[i] == HS_NO_LABEL) {
			W->rl[i] = L(W, label);
			return;
		}
	}
}

/* Labels references equal to the object members of t's MRO. */
static void label_members(walk *W, PyObject *o, size_t pos)
{
	PyObject *mro = Py_TYPE(o)->tp_mro;
	Py_ssize_t basic = Py_TYPE(o)->tp_basicsize;

	size_t unlabelled = 0;

	for (size_t i = pos; i < W->nr; i++)
		unlabelled += W->rl[i] == HS_NO_LABEL;
	if (!unlabelled || !mro || !PyTuple_Check(mro) || W->nr - pos > 64)
		return;
	for (Py_ssize_t b = 0; b < PyTuple_GET_SIZE(mro); b++) {
		PyTypeObject *t = (PyTypeObject *)PyTuple_GET_ITEM(mro, b);
		PyMemberDef *m = t->tp_members;

		for (; m && m->name; m++) {
			if ((m->type != T_OBJECT && m->type != T_OBJECT_EX) ||
			    m->offset < (Py_ssize_t)sizeof(PyObject) ||
			    m->offset + (Py_ssize_t)sizeof(PyObject *) > basic)
				continue;
			label_ptr(W, pos, *(PyObject **)((char *)o + m->offset),
				  m->name);
		}
	}
}

/* Labels the dict part of a dict's references (what dict_traverse
 * visits), starting at pos; @return the position after it, or SIZE_MAX
 * when the references do not follow the expected order. */
static size_t label_dict(walk *W, PyObject *o, size_t pos)
{
	PyDictObject *mp = (PyDictObject *)o;
	PyDictKeysObject *k = mp->ma_keys;
	Py_ssize_t n = k->dk_nentries;

	if (DK_IS_UNICODE(k)) {
		PyDictUnicodeEntry *e = DK_UNICODE_ENTRIES(k);

		for (Py_ssize_t i = 0; i < n; i++) {
			PyObject *v = mp->ma_values ? mp->ma_values->values[i]
						    : e[i].me_value;
			if (!v)
				continue;
			if (pos >= W->nr || W->rp[pos] != v)
				return SIZE_MAX;
			W->rl[pos++] = key_label(W, o, e[i].me_key);
		}
	} else {
		PyDictKeyEntry *e = DK_ENTRIES(k);

		for (Py_ssize_t i = 0; i < n; i++) {
			if (!e[i].me_value)
				continue;
			if (pos + 1 >= W->nr || W->rp[pos] != e[i].me_value ||
			    W->rp[pos + 1] != e[i].me_key)
				return SIZE_MAX;
			W->rl[pos++] = key_label(W, o, e[i].me_key);
			W->rl[pos++] = L(W, "<key>");
		}
	}
	return pos;
}

/* Counts what dict_traverse visits for o. */
static size_t dict_visits(PyObject *o)
{
	PyDictObject *mp = (PyDictObject *)o;
	PyDictKeysObject *k = mp->ma_keys;
	size_t c = 0;

	if (DK_IS_UNICODE(k)) {
		PyDictUnicodeEntry *e = DK_UNICODE_ENTRIES(k);

		for (Py_ssize_t i = 0; i < k->dk_nentries; i++)
			c += (mp->ma_values ? mp->ma_values->values[i]
					    : e[i].me_value) != NULL;
	} else {
		PyDictKeyEntry *e = DK_ENTRIES(k);

		for (Py_ssize_t i = 0; i < k->dk_nentries; i++)
			c += e[i].me_value ? 2 : 0;
	}
	return c;
}

static PyObject **dict_ptr(PyObject *o)
{
	PyTypeObject *t = Py_TYPE(o);
	Py_ssize_t off = t->tp_dictoffset;

	if (t->tp_flags & Py_TPFLAGS_MANAGED_DICT)
		return _PyObject_ManagedDictPointer(o);
	if (off == 0)
		return NULL;
	if (off < 0) {
		Py_ssize_t n = Py_SIZE(o);

		if (n < 0)
			n = -n;
		off += (Py_ssize_t)_PyObject_VAR_SIZE(t, n);
	}
	return (PyObject **)((char *)o + off);
}

/* Labels what subtype_traverse visits (slots, managed attributes,
 * __dict__, __class__), in its order; *base_out = the first base with its
 * own tp_traverse.  @return the position after, or SIZE_MAX. */
static size_t label_instance(walk *W, PyObject *o, PyTypeObject **base_out)
{
	PyTypeObject *t = Py_TYPE(o), *base = t;
	size_t pos = 0;

	while (base && base->tp_traverse == g_subtype_traverse) {
		if (Py_SIZE(base)) {
			PyMemberDef *m = _PyHeapType_GET_MEMBERS(
						(PyHeapTypeObject *)base);

			for (Py_ssize_t i = 0; i < Py_SIZE(base); i++, m++) {
				PyObject *v;

				if (m->type != T_OBJECT_EX)
					continue;
				v = *(PyObject **)((char *)o + m->offset);
				if (!v)
					continue;
				if (pos >= W->nr || W->rp[pos] != v)
					return SIZE_MAX;
				W->rl[pos++] = L(W, m->name);
			}
		}
		base = base->tp_base;
	}
	*base_out = base;
	if (!base)
		return SIZE_MAX;
	if (t->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
		PyDictValues *vals = *_PyObject_ValuesPointer(o);
		PyDictKeysObject *k = ((PyHeapTypeObject *)t)->ht_cached_keys;

		if (vals && k) {
			PyDictUnicodeEntry *e = DK_UNICODE_ENTRIES(k);

			for (Py_ssize_t i = 0; i < k->dk_nentries; i++) {
				PyObject *v = vals->values[i];

				if (!v)
					continue;
				if (pos >= W->nr || W->rp[pos] != v)
					return SIZE_MAX;
				W->rl[pos++] = name_label(W, e[i].me_key);
			}
		}
	}
	if (t->tp_dictoffset != base->tp_dictoffset) {
		PyObject **dp = dict_ptr(o);

		if (dp && *dp) {
			if (pos >= W->nr || W->rp[pos] != *dp)
				return SIZE_MAX;
			W->rl[pos++] = L(W, "__dict__");
		}
	}
	if ((t->tp_flags & Py_TPFLAGS_HEAPTYPE) &&
	    (!base->tp_traverse || !(base->tp_flags & Py_TPFLAGS_HEAPTYPE))) {
		if (pos >= W->nr || W->rp[pos] != (PyObject *)t)
			return SIZE_MAX;
		W->rl[pos++] = L(W, "__class__");
	}
	return pos;
}

/* list_traverse and tupletraverse visit the items last to first; either
 * order is accepted, checked item by item. */
static void label_seq(walk *W, PyObject **items, Py_ssize_t n, size_t pos)
{
	Py_ssize_t last = n - 1;
	int backward;

	while (last >= 0 && !items[last])
		last--;
	if (last < 0 || pos >= W->nr)
		return;
	backward = W->rp[pos] == items[last] && W->rp[pos] != items[0];
	for (Py_ssize_t k = 0; k < n; k++) {
		Py_ssize_t i = backward ? n - 1 - k : k;

		if (!items[i])
			continue;
		if (pos >= W->nr || W->rp[pos] != items[i])
			return;
		W->rl[pos++] = index_label(W, (size_t)i);
	}
}

/* Pass 2: names the references tp_traverse gave, by position where the
 * order is known, by identity with known fields otherwise. */
static void label_gc(walk *W, PyObject *o)
{
	PyTypeObject *t = Py_TYPE(o), *base = t;
	size_t pos = 0;

	if (t->tp_traverse == g_subtype_traverse) {
		pos = label_instance(W, o, &base);
		if (pos == SIZE_MAX)
			return;
	}
	if (base->tp_traverse == PyList_Type.tp_traverse && PyList_Check(o)) {
		label_seq(W, ((PyListObject *)o)->ob_item, PyList_GET_SIZE(o),
			  pos);
	} else if (base->tp_traverse == PyTuple_Type.tp_traverse &&
		   PyTuple_Check(o)) {
		label_seq(W, ((PyTupleObject *)o)->ob_item,
			  PyTuple_GET_SIZE(o), pos);
	} else if (PyDict_Check(o)) {
		/* C subclasses (OrderedDict, defaultdict) visit their own
		 * fields first and the dict's last */
		size_t d = dict_visits(o);

		if (d <= W->nr - pos)
			label_dict(W, o, W->nr - d);
	} else if (PyModule_Check(o)) {
		label_ptr(W, pos, PyModule_GetDict(o), "__dict__");
	} else if (PyFunction_Check(o)) {
		PyFunctionObject *f = (PyFunctionObject *)o;

		label_ptr(W, pos, f->func_code, "__code__");
		label_ptr(W, pos, f->func_globals, "__globals__");
		label_ptr(W, pos, f->func_builtins, "__builtins__");
		label_ptr(W, pos, f->func_name, "__name__");
		label_ptr(W, pos, f->func_qualname, "__qualname__");
		label_ptr(W, pos, f->func_defaults, "__defaults__");
		label_ptr(W, pos, f->func_kwdefaults, "__kwdefaults__");
		label_ptr(W, pos, f->func_closure, "__closure__");
		label_ptr(W, pos, f->func_doc, "__doc__");
		label_ptr(W, pos, f->func_dict, "__dict__");
		label_ptr(W, pos, f->func_module, "__module__");
		label_ptr(W, pos, f->func_annotations, "__annotations__");
	} else if (PyType_Check(o)) {
		PyTypeObject *ty = (PyTypeObject *)o;

		label_ptr(W, pos, ty->tp_dict, "__dict__");
		label_ptr(W, pos, ty->tp_mro, "__mro__");
		label_ptr(W, pos, ty->tp_bases, "__bases__");
		label_ptr(W, pos, (PyObject *)ty->tp_base, "__base__");
		label_ptr(W, pos, ty->tp_cache, "__cache__");
		label_ptr(W, pos, ((PyHeapTypeObject *)ty)->ht_module,
			  "__module_object__");
	} else if (PyCell_Check(o)) {
		label_ptr(W, pos, PyCell_GET(o), "cell_contents");
	} else if (PyMethod_Check(o)) {
		label_ptr(W, pos, PyMethod_GET_FUNCTION(o), "__func__");
		label_ptr(W, pos, PyMethod_GET_SELF(o), "__self__");
	} else if (PyWeakref_Check(o)) {
		label_ptr(W, pos, ((PyWeakReference *)o)->wr_callback,
			  "__callback__");
	}
	label_members(W, o, pos);
}

/* What tp_traverse leaves out of gc objects (see the file comment). */
static void gapfill_gc(walk *W, PyObject *o)
{
	if (PyDict_Check(o)) {
		PyDictObject *mp = (PyDictObject *)o;
		PyDictKeysObject *k = mp->ma_keys;

		/* a split dict's keys are the type's (below) */
		if (DK_IS_UNICODE(k) && !mp->ma_values) {
			PyDictUnicodeEntry *e = DK_UNICODE_ENTRIES(k);

			for (Py_ssize_t i = 0; i < k->dk_nentries; i++)
				if (e[i].me_key && e[i].me_value)
					push_ref(W, e[i].me_key,
						 L(W, "<key>"), 0);
		}
	}
	if (PyType_Check(o) &&
	    (((PyTypeObject *)o)->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
		PyHeapTypeObject *et = (PyHeapTypeObject *)o;
		PyDictKeysObject *k = et->ht_cached_keys;

		add_missing(W, et->ht_name, "__name__");
		add_missing(W, et->ht_qualname, "__qualname__");
		add_missing(W, et->ht_slots, "__slots__");
		add_missing(W, et->ht_type.tp_subclasses, "__subclasses__");
		if (k && DK_IS_UNICODE(k)) {
			PyDictUnicodeEntry *e = DK_UNICODE_ENTRIES(k);

			for (Py_ssize_t i = 0; i < k->dk_nentries; i++)
				if (e[i].me_key)
					push_ref(W, e[i].me_key,
						 L(W, "<attribute name>"), 0);
		}
	}
	if (PyWeakref_Check(o)) {
		PyObject *r = PyWeakref_GET_OBJECT(o);

		if (r && r != Py_None)
			push_ref(W, r, L(W, "__referent__"), HS_REF_WEAK);
	}
}

/* Objects of non-gc types have no tp_traverse to ask. */
static void collect_nongc(walk *W, PyObject *o)
{
	PyTypeObject *t = Py_TYPE(o);
	PyObject *mro;

	if (PyType_Check(o)) {
		/* a static type (heap types are gc objects); tp_base is
		 * borrowed for static types, and reached through __mro__ */
		PyTypeObject *ty = (PyTypeObject *)o;

		add_missing(W, ty->tp_dict, "__dict__");
		add_missing(W, ty->tp_bases, "__bases__");
		add_missing(W, ty->tp_mro, "__mro__");
		add_missing(W, ty->tp_subclasses, "__subclasses__");
		add_missing(W, ty->tp_cache, "__cache__");
		if (W->pass == 1 && ty->tp_dict)
			am_put(W, &W->ns, (uint64_t)(uintptr_t)ty->tp_dict, 0,
			       NULL);
		return;
	}
	if (PyCode_Check(o)) {
		PyCodeObject *c = (PyCodeObject *)o;

		add_missing(W, c->co_consts, "co_consts");
		add_missing(W, c->co_names, "co_names");
		add_missing(W, c->co_exceptiontable, "co_exceptiontable");
		add_missing(W, c->co_localsplusnames, "co_localsplusnames");
		add_missing(W, c->co_localspluskinds, "co_localspluskinds");
		add_missing(W, c->co_filename, "co_filename");
		add_missing(W, c->co_name, "co_name");
		add_missing(W, c->co_qualname, "co_qualname");
		add_missing(W, c->co_linetable, "co_linetable");
		add_missing(W, c->_co_code, "_co_code");
		return;
	}
	if (t->tp_traverse && !PyType_IS_GC(t))
		t->tp_traverse(o, visit_collect, W);
	/* instances of heap types hold a reference to their type */
	if (t->tp_flags & Py_TPFLAGS_HEAPTYPE)
		add_missing(W, (PyObject *)t, "__class__");
	mro = t->tp_mro;
	if (!mro || !PyTuple_Check(mro))
		return;
	for (Py_ssize_t b = 0; b < PyTuple_GET_SIZE(mro); b++) {
		PyTypeObject *bt = (PyTypeObject *)PyTuple_GET_ITEM(mro, b);

		for (PyMemberDef *m = bt->tp_members; m && m->name; m++) {
			if ((m->type != T_OBJECT && m->type != T_OBJECT_EX) ||
			    m->offset < (Py_ssize_t)sizeof(PyObject) ||
			    m->offset + (Py_ssize_t)sizeof(PyObject *) >
			    t->tp_basicsize)
				continue;
			add_missing(W, *(PyObject **)((char *)o + m->offset),
				    m->name);
		}
	}
}

/* Fills W->rp (and, in pass 2, W->rl) with o's references. */
static int collect(walk *W, PyObject *o)
{
	W->nr = 0;
	if (_PyObject_IS_GC(o)) {
		if (Py_TYPE(o)->tp_traverse)
			Py_TYPE(o)->tp_traverse(o, visit_collect, W);
		if (W->err)
			return W->err;
		if (W->pass == 1) {
			if (PyModule_Check(o))
				am_put(W, &W->ns, (uint64_t)(uintptr_t)
				       PyModule_GetDict(o), 0, NULL);
			else if (PyType_Check(o) &&
				 ((PyTypeObject *)o)->tp_dict)
				am_put(W, &W->ns, (uint64_t)(uintptr_t)
				       ((PyTypeObject *)o)->tp_dict, 0, NULL);
		} else {
			label_gc(W, o);
		}
		gapfill_gc(W, o);
	} else {
		collect_nongc(W, o);
	}
	return W->err;
}

/* ---- types and sizes ---- */

static void resolve_sizeof(PyTypeObject *t, typeinfo *ti)
{
	PyObject *mro = t->tp_mro;

	ti->sz = SZ_OBJECT;
	ti->fn = NULL;
	if (!mro || !PyTuple_Check(mro) || !g_sizeof_name)
		return;
	for (Py_ssize_t b = 0; b < PyTuple_GET_SIZE(mro); b++) {
		PyTypeObject *bt = (PyTypeObject *)PyTuple_GET_ITEM(mro, b);
		PyObject *d = bt->tp_dict, *v;
		PyMethodDef *ml;

		if (!d || !PyDict_Check(d))
			continue;
		v = PyDict_GetItemWithError(d, g_sizeof_name);
		if (!v) {
			PyErr_Clear();
			continue;
		}
		/* a __sizeof__ written in Python is never called: the
		 * default formula stands in (documented) */
		if (!Py_IS_TYPE(v, &PyMethodDescr_Type))
			return;
		ml = ((PyMethodDescrObject *)v)->d_method;
		for (size_t i = 0; i < N_SIZEOF; i++) {
			if (g_sizeof[i].meth && g_sizeof[i].meth == ml->ml_meth) {
				ti->sz = g_sizeof[i].kind;
				return;
			}
		}
		if ((ml->ml_flags & (METH_NOARGS | METH_VARARGS |
				     METH_FASTCALL | METH_O)) == METH_NOARGS) {
			ti->sz = SZ_CALL;
			ti->fn = ml->ml_meth;
		}
		return;
	}
}

static size_t type_name(walk *W, PyTypeObject *t, char *buf, size_t cap)
{
	int cut;

	if (t->tp_flags & Py_TPFLAGS_HEAPTYPE) {
		PyHeapTypeObject *et = (PyHeapTypeObject *)t;
		PyObject *mod = NULL, *k, *v;
		Py_ssize_t i = 0;
		size_t n = 0;

		while (t->tp_dict && PyDict_Next(t->tp_dict, &i, &k, &v)) {
			if (PyUnicode_Check(k) &&
			    PyUnicode_CompareWithASCIIString(k, "__module__") == 0) {
				mod = v;
				break;
			}
		}
		if (mod && PyUnicode_Check(mod)) {
			n = utf8_put(buf, cap / 2, mod, 0, &cut);
			buf[n++] = '.';
		}
		if (et->ht_qualname && PyUnicode_Check(et->ht_qualname))
			return n + utf8_put(buf + n, cap - n - 1,
					    et->ht_qualname, 0, &cut);
		return n + (size_t)snprintf(buf + n, cap - n, "%s", t->tp_name);
	}
	(void)W;
	if (strchr(t->tp_name, '.'))
		return (size_t)snprintf(buf, cap, "%s", t->tp_name);
	return (size_t)snprintf(buf, cap, "builtins.%s", t->tp_name);
}

static typeinfo *type_info(walk *W, PyTypeObject *t)
{
	uint32_t i;
	typeinfo *ti;
	char name[512];
	size_t n;
	int rc;

	if (t == W->last_type)
		return &W->ti[W->last_ti];
	if (am_get(&W->tmap, (uint64_t)(uintptr_t)t, &i)) {
		W->last_type = t;
		W->last_ti = i;
		return &W->ti[i];
	}
	if (W->nti == W->ticap) {
		size_t cap = W->ticap ? W->ticap * 2 : 256;
		typeinfo *p = realloc(W->ti, cap * sizeof(*p));

		if (!p) {
			oom(W, "types");
			return NULL;
		}
		mem_add(W, (cap - W->ticap) * sizeof(*p), 0);
		W->ti = p;
		W->ticap = cap;
	}
	ti = &W->ti[W->nti];
	n = type_name(W, t, name, sizeof(name));
	rc = hs_writer_type(&ti->widx, W->w, name, n);
	if (rc < 0) {
		fail(W, rc);
		return NULL;
	}
	W->st->types++;
	resolve_sizeof(t, ti);
	if (am_put(W, &W->tmap, (uint64_t)(uintptr_t)t, (uint32_t)W->nti,
		   NULL) < 0)
		return NULL;
	return &W->ti[W->nti++];
}

static Py_ssize_t str_sizeof(PyObject *s)
{
	PyASCIIObject *a = (PyASCIIObject *)s;
	PyCompactUnicodeObject *c = (PyCompactUnicodeObject *)s;
	Py_ssize_t len = a->length, size;
	int compact_ascii = a->state.compact && a->state.ascii;

	if (compact_ascii)
		size = (Py_ssize_t)sizeof(PyASCIIObject) + len + 1;
	else if (a->state.compact)
		size = (Py_ssize_t)sizeof(PyCompactUnicodeObject) +
		       (len + 1) * a->state.kind;
	else {
		size = (Py_ssize_t)sizeof(PyUnicodeObject);
		if (((PyUnicodeObject *)s)->data.any)
			size += (len + 1) * a->state.kind;
	}
	if (a->wstr && (!a->state.ready ||
			(void *)a->wstr != PyUnicode_DATA(s)))
		size += ((compact_ascii ? len : c->wstr_length) + 1) *
			(Py_ssize_t)sizeof(wchar_t);
	if (!compact_ascii && c->utf8 && (void *)c->utf8 != PyUnicode_DATA(s))
		size += c->utf8_length + 1;
	return size;
}

static uint64_t obj_size(walk *W, PyObject *o, const typeinfo *ti)
{
	PyTypeObject *t = Py_TYPE(o);
	Py_ssize_t n = 0;

	switch (ti->sz) {
	case SZ_LIST:
		n = t->tp_basicsize + ((PyListObject *)o)->allocated *
		    (Py_ssize_t)sizeof(void *);
		break;
	case SZ_DICT:
		n = _PyDict_SizeOf((PyDictObject *)o);
		break;
	case SZ_SET: {
		PySetObject *so = (PySetObject *)o;

		n = t->tp_basicsize;
		if (so->table != so->smalltable)
			n += (so->mask + 1) * (Py_ssize_t)sizeof(setentry);
		break;
	}
	case SZ_STR:
		n = str_sizeof(o);
		break;
	case SZ_INT: {
		Py_ssize_t d = Py_SIZE(o) < 0 ? -Py_SIZE(o) : Py_SIZE(o);

		n = (Py_ssize_t)offsetof(PyLongObject, ob_digit) +
		    (d ? d : 1) * (Py_ssize_t)sizeof(digit);
		break;
	}
	case SZ_BYTEARRAY:
		n = t->tp_basicsize + ((PyByteArrayObject *)o)->ob_alloc;
		break;
	case SZ_CALL: {
		PyObject *r = ti->fn(o, NULL);

		W->st->sizeof_calls++;
		n = -1;
		if (r && PyLong_Check(r))
			n = PyLong_AsSsize_t(r);
		Py_XDECREF(r);
		if (n >= 0)
			break;
		PyErr_Clear();
	}
		/* fall through */
	default:
		n = t->tp_basicsize;
		if (t->tp_itemsize > 0)
			n += Py_SIZE(o) * t->tp_itemsize;
		break;
	}
	if (n < 0)
		n = 0;
	return (uint64_t)n + _PyType_PreHeaderSize(t);
}

static hs_value preview(walk *W, PyObject *o, char *buf)
{
	hs_value v = { HS_VALUE_NONE, { .i = 0 } };

	if (W->o->redact)
		return v;
	if (PyUnicode_Check(o)) {
		int cut;

		v.kind = HS_VALUE_STR;
		v.v.s.ptr = buf;
		v.v.s.len = utf8_put(buf, PREVIEW_MAX, o, 0, &cut);
	} else if (PyBytes_Check(o)) {
		v.kind = HS_VALUE_BYTES;
		v.v.s.ptr = PyBytes_AS_STRING(o);
		v.v.s.len = (size_t)PyBytes_GET_SIZE(o);
	} else if (PyBool_Check(o)) {
		v.kind = HS_VALUE_BOOL;
		v.v.i = o == Py_True;
	} else if (PyLong_Check(o)) {
		int over = 0;
		long long x = PyLong_AsLongLongAndOverflow(o, &over);

		if (x == -1 && PyErr_Occurred()) {
			PyErr_Clear();
		} else if (!over) {
			v.kind = HS_VALUE_INT;
			v.v.i = x;
		} else if (over > 0) {
			unsigned long long u = PyLong_AsUnsignedLongLong(o);

			if (u == (unsigned long long)-1 && PyErr_Occurred()) {
				PyErr_Clear();
			} else {
				v.kind = HS_VALUE_UINT;
				v.v.u = u;
			}
		}
	} else if (PyFloat_Check(o)) {
		v.kind = HS_VALUE_FLOAT;
		v.v.f = PyFloat_AS_DOUBLE(o);
	}
	return v;
}

/* ---- the traversal ---- */

static int enqueue(walk *W, PyObject *o)
{
	if (W->qt == W->qcap) {
		size_t live = W->qt - W->qh;

		if (W->qh > W->qcap / 2) {
			/* the consumed half is reused: slide the live part */
			memmove(W->q, W->q + W->qh, live * sizeof(*W->q));
			W->qh = 0;
			W->qt = live;
		} else {
			size_t cap = W->qcap ? W->qcap * 2 : 4096;
			PyObject **p = realloc(W->q, cap * sizeof(*p));

			if (!p)
				return oom(W, "the queue");
			mem_add(W, (cap - W->qcap) * sizeof(*p), 0);
			W->q = p;
			W->qcap = cap;
		}
	}
	W->q[W->qt++] = o;
	return 0;
}

static int is_tracked(PyObject *o)
{
	return _PyObject_IS_GC(o) && _PyObject_GC_IS_TRACKED(o);
}

/*
 * A tracked object's index and referrer count live in its gc header
 * during the walk, as the collector keeps its gc_refs there during a
 * collection: _gc_prev holds (count << 34 | index << 2 | flags), the two
 * flag bits kept.  The walk follows the lists by _gc_next only, the
 * collector is disabled, and no existing object is freed, so nothing
 * reads a _gc_prev before gc_restore() relinks every list.
 */
#define GC_INC_SHIFT 34
#define GC_INC_MAX ((1u << 30) - 1)

static void gc_set_index(PyObject *o, uint32_t idx)
{
	PyGC_Head *g = _Py_AS_GC(o);

	g->_gc_prev = ((uintptr_t)idx << 2) | (g->_gc_prev & 3);
}

static uint32_t gc_index(PyObject *o)
{
	return (uint32_t)(_Py_AS_GC(o)->_gc_prev >> 2);
}

static uint32_t gc_count(PyObject *o)
{
	return (uint32_t)(_Py_AS_GC(o)->_gc_prev >> GC_INC_SHIFT);
}

static void gc_count_ref(PyObject *o)
{
	if (gc_count(o) < GC_INC_MAX)
		_Py_AS_GC(o)->_gc_prev += (uintptr_t)1 << GC_INC_SHIFT;
}

static PyGC_Head *gc_list(PyInterpreterState *interp, int g)
{
	return g == NUM_GENERATIONS ? &interp->gc.permanent_generation.head
				    : &interp->gc.generations[g].head;
}

/* Relinks _gc_prev along _gc_next, keeping the flag bits. */
static void gc_restore(PyInterpreterState *interp)
{
	for (int g = 0; g <= NUM_GENERATIONS; g++) {
		PyGC_Head *head = gc_list(interp, g), *prev = head;

		for (PyGC_Head *h = _PyGCHead_NEXT(head); h != head;
		     h = _PyGCHead_NEXT(h)) {
			h->_gc_prev = (uintptr_t)prev | (h->_gc_prev & 3);
			prev = h;
		}
	}
}

/* o's index, from its gc header or the map; 0 if it is not in the dump. */
static int obj_index(walk *W, PyObject *o, uint32_t *idx)
{
	if (!o)
		return 0;
	if (is_tracked(o)) {
		*idx = gc_index(o);
		return 1;
	}
	return am_get(&W->map, (uint64_t)(uintptr_t)o, idx);
}

/*
 * An object seen as a referent: tracked ones are numbered when the gc
 * lists reach them, the others now.
 *
 * An untracked object with a reference count of 1 reached through a
 * strong reference has no other referrer: it is new here, and it never
 * enters the map (most str, int and float objects are such; they cost no
 * lookup at all).  Reached through a weak reference, it is not numbered
 * (its one strong referrer numbers it) and the weak reference is dropped.
 *
 * Pass 2 calls it for untracked objects only; *idx = the index.
 * @return 1 (in the dump), 0 (not), or an error.
 */
static int discover(walk *W, PyObject *r, int weak, uint32_t *idx)
{
	am_slot_t *s;
	int rc;

	if (W->pass == 1 && is_tracked(r))
		return 0;
	if (Py_REFCNT(r) == 1) {
		if (weak)
			return 0;
		HS_RETURN_ERROR_IF(W->next >= UINT32_MAX - 1, fail(W, HS_ELIMIT),
				   "heapsnap: more than 2^32 objects");
		if (idx)
			*idx = (uint32_t)W->next;
		W->next++;
		HS_FORWARD_IF_ERROR(enqueue(W, r));
		return 1;
	}
	if (W->pass == 1) {
		rc = am_put(W, &W->map, (uint64_t)(uintptr_t)r,
			    (uint32_t)W->next, NULL);
		if (rc <= 0)
			return rc;
		HS_RETURN_ERROR_IF(W->next >= UINT32_MAX - 1, fail(W, HS_ELIMIT),
				   "heapsnap: more than 2^32 objects");
		W->next++;
		HS_FORWARD_IF_ERROR(enqueue(W, r));
		return 1;
	}
	s = am_lookup(&W->map, (uint64_t)(uintptr_t)r);
	if (!s)
		return 0;
	*idx = s->val;
	if (!weak)
		inc_ref(s);
	if (s->val < W->next)
		return 1;
	HS_RETURN_ERROR_IF(s->val != W->next, fail(W, HS_ERROR),
			   "heapsnap: the heap changed during the capture "
			   "(object %u found at %llu)", s->val,
			   (unsigned long long)W->next);
	W->next++;
	HS_FORWARD_IF_ERROR(enqueue(W, r));
	return 1;
}

/* Pass 2: a reference to r, counted unless weak; *idx = its index.
 * @return 1, 0 when r is not in the dump, or an error. */
static int take_ref(walk *W, PyObject *r, int weak, uint32_t *idx)
{
	if (is_tracked(r)) {
		*idx = gc_index(r);
		if (!weak)
			gc_count_ref(r);
		return 1;
	}
	return discover(W, r, weak, idx);
}

/*
 * Pass 2, with tracemalloc tracing: o's allocation site.  tracemalloc has
 * no C API that does not build Python objects, so this is the one place
 * the walk allocates: a tuple of (filename, lineno) tuples per object,
 * freed at once (appended to and unlinked from the youngest gc list,
 * which the walk tolerates, with the collector off).  Sites are shared:
 * keyed by a hash of their frames (filename object, line).
 */
static uint32_t site_of(walk *W, PyObject *o)
{
	uint32_t files[256], lines[256], funcs[256], idx = HS_NO_SITE;
	uint64_t h = 1469598103934665603ull;
	uintptr_t start = (uintptr_t)o - _PyType_PreHeaderSize(Py_TYPE(o));
	PyObject *tb = _PyTraceMalloc_GetTraceback(0, start);
	Py_ssize_t n;
	int rc;

	if (!tb) {
		PyErr_Clear();
		return HS_NO_SITE;
	}
	if (!PyTuple_Check(tb) || PyTuple_GET_SIZE(tb) == 0)
		goto done;
	n = PyTuple_GET_SIZE(tb) < 256 ? PyTuple_GET_SIZE(tb) : 256;
	for (Py_ssize_t i = 0; i < n; i++) {
		PyObject *fr = PyTuple_GET_ITEM(tb, i);
		long line;

		if (!PyTuple_Check(fr) || PyTuple_GET_SIZE(fr) != 2)
			goto done;
		line = PyLong_AsLong(PyTuple_GET_ITEM(fr, 1));
		if (line == -1 && PyErr_Occurred()) {
			PyErr_Clear();
			line = 0;
		}
		lines[i] = (uint32_t)line;
		h = (h ^ (uint64_t)(uintptr_t)PyTuple_GET_ITEM(fr, 0)) *
		    1099511628211ull;
		h = (h ^ lines[i]) * 1099511628211ull;
	}
	h |= 1;     /* never 0, the map's empty key */
	if (am_get(&W->smap, h, &idx))
		goto done;
	for (Py_ssize_t i = 0; i < n; i++) {
		files[i] = name_label(W, PyTuple_GET_ITEM(PyTuple_GET_ITEM(tb, i),
							  0));
		funcs[i] = L(W, "");
		if (files[i] == HS_NO_LABEL || funcs[i] == HS_NO_LABEL)
			goto done;
	}
	rc = hs_writer_site(&idx, W->w, files, lines, funcs, (size_t)n);
	if (rc < 0) {
		fail(W, rc);
		idx = HS_NO_SITE;
		goto done;
	}
	W->st->sites++;
	if (am_put(W, &W->smap, h, idx, NULL) < 0)
		idx = HS_NO_SITE;
done:
	Py_DECREF(tb);
	return idx;
}

/* Pass 2: writes o, whose references are in W->ri/rl/rf. */
static int write_object(walk *W, PyObject *o)
{
	typeinfo *ti = type_info(W, Py_TYPE(o));
	char pbuf[PREVIEW_MAX + 8];
	hs_object obj;
	int any_label = 0, any_flag = 0, rc;

	if (!ti)
		return W->err;
	for (size_t i = 0; i < W->nr; i++) {
		any_label |= W->rl[i] != HS_NO_LABEL;
		any_flag |= W->rf[i] != 0;
	}
	obj.id = (uint64_t)(uintptr_t)o;
	obj.type = ti->widx;
	obj.size = obj_size(W, o, ti);
	obj.nrefs = W->nr;
	obj.refs = W->ri;
	obj.labels = any_label ? W->rl : NULL;
	obj.flags = any_flag ? W->rf : NULL;
	obj.preview = preview(W, o, pbuf);
	obj.site = W->sites ? site_of(W, o) : HS_NO_SITE;
	rc = hs_writer_object(W->w, &obj);
	if (rc < 0)
		return fail(W, rc);
	W->st->objects++;
	W->st->refs += W->nr;
	W->st->shallow += obj.size;
	return 0;
}

/* Expands o: collects its references, discovers its referents and, in
 * pass 2, writes it with the references mapped to indices (one map
 * lookup per reference, which also counts the referrer). */
static int expand(walk *W, PyObject *o)
{
	size_t j = 0;

	HS_FORWARD_IF_ERROR(collect(W, o));
	/* the lookups below are cache misses: start them all at once */
	for (size_t i = 0; i < W->nr; i++)
		am_prefetch(&W->map, (uint64_t)(uintptr_t)W->rp[i]);
	if (W->pass == 1) {
		for (size_t i = 0; i < W->nr; i++)
			HS_FORWARD_IF_ERROR(discover(W, W->rp[i],
					    W->rf[i] & HS_REF_WEAK, NULL));
		return 0;
	}
	for (size_t i = 0; i < W->nr; i++) {
		uint32_t idx;
		int rc = take_ref(W, W->rp[i], W->rf[i] & HS_REF_WEAK, &idx);

		if (rc < 0)
			return rc;
		if (rc == 0) {
			W->st->dropped_refs++;
			continue;
		}
		W->ri[j] = idx;
		W->rl[j] = W->rl[i];
		W->rf[j] = W->rf[i];
		j++;
	}
	W->nr = j;
	return write_object(W, o);
}

static int drain(walk *W)
{
	while (W->qh < W->qt) {
		PyObject *o = W->q[W->qh++];

		HS_FORWARD_IF_ERROR(expand(W, o));
	}
	W->qh = W->qt = 0;
	return 0;
}

/* A tracked object, in gc-list order: its index goes in its gc header. */
static int visit_tracked(walk *W, PyObject *o)
{
	if (W->pass == 1) {
		HS_RETURN_ERROR_IF(W->next >= UINT32_MAX - 1, fail(W, HS_ELIMIT),
				   "heapsnap: more than 2^32 objects");
		gc_set_index(o, (uint32_t)W->next);
		W->st->tracked++;
	} else {
		HS_RETURN_ERROR_IF(gc_index(o) != W->next, fail(W, HS_ERROR),
				   "heapsnap: the heap changed during the "
				   "capture (%s object %u found at %llu)",
				   Py_TYPE(o)->tp_name, gc_index(o),
				   (unsigned long long)W->next);
	}
	W->next++;
	HS_FORWARD_IF_ERROR(expand(W, o));
	return drain(W);
}

/*
 * What of a frame on a thread's stack the dump must add itself:
 *  - a thread's own frame: everything _PyFrame_Traverse would visit (its
 *    frame object, locals dict, function, code, and localsplus up to the
 *    stack top; a running frame has no recorded stack top, so its locals,
 *    cells and free variables only);
 *  - a running generator's frame: its generator's traverse sees nothing
 *    of localsplus while the stack top is unrecorded, so the locals; the
 *    rest (code, function...) the generator visits.
 * @return 0 when the frame needs nothing (a generator frame that called a
 *         Python function: its stack top is recorded and visited).
 */
static int frame_span(_PyInterpreterFrame *f, int *specials, int *n)
{
	if (!f->f_code)
		return 0;
	if (f->owner == FRAME_OWNED_BY_THREAD) {
		*specials = 1;
		*n = f->stacktop >= 0 ? f->stacktop : f->f_code->co_nlocalsplus;
		return 1;
	}
	if (f->owner == FRAME_OWNED_BY_GENERATOR && f->stacktop < 0) {
		*specials = 0;
		*n = f->f_code->co_nlocalsplus;
		return 1;
	}
	return 0;
}

/* A frame's references (frame_span says which) into W->rp; labels are
 * variable names. */
static int frame_collect(walk *W, _PyInterpreterFrame *f)
{
	PyObject *names = f->f_code->co_localsplusnames;
	int specials = 0, n = 0;

	W->nr = 0;
	if (!frame_span(f, &specials, &n))
		return 0;
	if (specials && f->frame_obj)
		push_ref(W, (PyObject *)f->frame_obj, L(W, "<frame object>"), 0);
	if (specials && f->f_locals)
		push_ref(W, f->f_locals, L(W, "<locals>"), 0);
	if (specials && f->f_func)
		push_ref(W, (PyObject *)f->f_func, L(W, "<function>"), 0);
	if (specials)
		push_ref(W, (PyObject *)f->f_code, L(W, "<code>"), 0);
	for (int i = 0; i < n; i++) {
		PyObject *v = f->localsplus[i];
		uint32_t lab = HS_NO_LABEL;

		if (!v)
			continue;
		if (W->pass == 2)
			lab = names && i < PyTuple_GET_SIZE(names)
			      ? name_label(W, PyTuple_GET_ITEM(names, i))
			      : L(W, "<stack>");
		push_ref(W, v, lab, 0);
	}
	return W->err;
}

typedef int (*frame_fn)(walk *W, PyThreadState *ts, int tno,
			_PyInterpreterFrame *f);

static int each_frame_locked(walk *W, frame_fn fn);

/* Calls fn for each frame of each thread that frame_span selects, with
 * the runtime's thread-list lock held (as sys._current_frames does): a
 * thread starting or ending does not need the GIL to change the list. */
static int each_frame(walk *W, frame_fn fn)
{
	int rc;

	PyThread_acquire_lock(_PyRuntime.interpreters.mutex, WAIT_LOCK);
	rc = each_frame_locked(W, fn);
	PyThread_release_lock(_PyRuntime.interpreters.mutex);
	return rc;
}

static int each_frame_locked(walk *W, frame_fn fn)
{
	PyInterpreterState *interp = PyInterpreterState_Get();
	int tno = 0;

	for (PyThreadState *ts = PyInterpreterState_ThreadHead(interp); ts;
	     ts = PyThreadState_Next(ts), tno++) {
		_PyInterpreterFrame *f = ts->cframe ? ts->cframe->current_frame
						    : NULL;

		for (; f; f = f->previous) {
			int specials, n;

			if (frame_span(f, &specials, &n))
				HS_FORWARD_IF_ERROR(fn(W, ts, tno, f));
		}
	}
	return 0;
}

static int push_froot(walk *W, uint32_t idx)
{
	if (W->nfr == W->frcap) {
		size_t cap = W->frcap ? W->frcap * 2 : 256;
		uint32_t *p = realloc(W->froots, cap * sizeof(*p));

		if (!p)
			return oom(W, "frame roots");
		mem_add(W, (cap - W->frcap) * sizeof(*p), 0);
		W->froots = p;
		W->frcap = cap;
	}
	W->froots[W->nfr++] = idx;
	return 0;
}

static int frame_discover(walk *W, PyThreadState *ts, int tno,
			  _PyInterpreterFrame *f)
{
	(void)ts;
	(void)tno;
	HS_FORWARD_IF_ERROR(frame_collect(W, f));
	for (size_t i = 0; i < W->nr; i++) {
		uint32_t idx = UINT32_MAX;
		int rc;

		if (W->pass == 1) {
			HS_FORWARD_IF_ERROR(discover(W, W->rp[i], 0, NULL));
			continue;
		}
		rc = take_ref(W, W->rp[i], 0, &idx);
		if (rc < 0)
			return rc;
		/* remembered for the frame roots, in this order */
		HS_FORWARD_IF_ERROR(push_froot(W, rc ? idx : UINT32_MAX));
	}
	return drain(W);
}

static int frame_roots(walk *W, PyThreadState *ts, int tno,
		       _PyInterpreterFrame *f)
{
	PyObject *names = f->f_code->co_localsplusnames;
	char head[256], label[512];
	size_t hn = 0;
	int cut, line, n = 0, specials = 0;

	line = PyCode_Addr2Line(f->f_code, _PyInterpreterFrame_LASTI(f) *
				(int)sizeof(_Py_CODEUNIT));
	hn += (size_t)snprintf(head, sizeof(head), "thread %d (%lu) ", tno,
			       (unsigned long)ts->thread_id);
	hn += utf8_put(head + hn, 100, f->f_code->co_qualname, 0, &cut);
	head[hn++] = ' ';
	hn += utf8_put(head + hn, 100, f->f_code->co_filename, 0, &cut);
	hn += (size_t)snprintf(head + hn, sizeof(head) - hn, ":%d", line);
	head[hn] = 0;
	frame_span(f, &specials, &n);
	for (int i = specials ? -4 : 0; i < n; i++) {
		PyObject *v;
		const char *what = NULL;
		uint32_t idx;
		size_t ln;
		int rc;

		switch (i) {
		case -4: v = (PyObject *)f->frame_obj; what = "<frame object>"; break;
		case -3: v = f->f_locals; what = "<locals>"; break;
		case -2: v = (PyObject *)f->f_func; what = "<function>"; break;
		case -1: v = (PyObject *)f->f_code; what = "<code>"; break;
		default: v = f->localsplus[i]; break;
		}
		if (!v)
			continue;
		/* in the order frame_discover met them in pass 2 */
		if (W->frnext >= W->nfr)
			return fail(W, hs_error_set(HS_ERROR, "heapsnap: the "
					 "frames changed during the capture"));
		idx = W->froots[W->frnext++];
		if (idx == UINT32_MAX)
			continue;
		ln = (size_t)snprintf(label, sizeof(label), "%s ", head);
		if (what)
			ln += (size_t)snprintf(label + ln, sizeof(label) - ln,
					       "%s", what);
		else if (names && i < PyTuple_GET_SIZE(names))
			ln += utf8_put(label + ln, 200,
				       PyTuple_GET_ITEM(names, i), 0, &cut);
		else
			ln += (size_t)snprintf(label + ln, sizeof(label) - ln,
					       "<stack>");
		label[ln < sizeof(label) ? ln : sizeof(label) - 1] = 0;
		rc = hs_writer_root(W->w, idx, "frame", label, 0);
		if (rc < 0)
			return fail(W, rc);
		W->st->roots++;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int walk_gc_lists(walk *W)
{
	PyInterpreterState *interp = PyInterpreterState_Get();

	for (int g = NUM_GENERATIONS; g >= 0; g--) {
		PyGC_Head *head = gc_list(interp, g);

		for (PyGC_Head *h = _PyGCHead_NEXT(head); h != head;
		     h = _PyGCHead_NEXT(h))
			HS_FORWARD_IF_ERROR(visit_tracked(W, (PyObject *)(h + 1)));
	}
	return 0;
}

static int root(walk *W, PyObject *o, const char *kind, const char *label)
{
	uint32_t idx;
	int rc;

	if (!obj_index(W, o, &idx))
		return 0;
	rc = hs_writer_root(W->w, idx, kind, label, 0);
	if (rc < 0)
		return fail(W, rc);
	W->st->roots++;
	return 0;
}

static int surplus_root(walk *W, PyObject *o, uint32_t idx, uint32_t inc)
{
	Py_ssize_t rc = Py_REFCNT(o);
	int r;

	if ((uint64_t)rc < inc) {
		W->st->overcounted++;
		if (W->debug)
			fprintf(stderr, "heapsnap: %s at %p: refcount %zd, %u "
				"referrers in the dump\n", Py_TYPE(o)->tp_name,
				(void *)o, rc, inc);
		return 0;
	}
	if ((uint64_t)rc == inc)
		return 0;
	/* deep-frozen and static objects of the interpreter carry a fixed
	 * huge count: "static", not a count to explain */
	if (rc >= STATIC_REFCNT)
		r = hs_writer_root(W->w, idx, "static", NULL, 0);
	else
		r = hs_writer_root(W->w, idx, "refcount", NULL,
				   (uint64_t)rc - inc);
	if (r < 0)
		return fail(W, r);
	W->st->roots++;
	W->st->refcount_roots += rc < STATIC_REFCNT;
	return 0;
}

static int write_roots(walk *W)
{
	PyInterpreterState *interp = PyInterpreterState_Get();

	HS_FORWARD_IF_ERROR(root(W, PyImport_GetModuleDict(), "sys.modules",
				 "sys.modules"));
	HS_FORWARD_IF_ERROR(root(W, interp->builtins, "builtins",
				 "builtins"));
	HS_FORWARD_IF_ERROR(root(W, interp->sysdict, "sys", "sys.__dict__"));
	HS_FORWARD_IF_ERROR(each_frame(W, frame_roots));
	/* what the graph cannot explain is held from C (the interpreter,
	 * an extension, a leaked reference): the surplus is the extra */
	for (int g = NUM_GENERATIONS; g >= 0; g--) {
		PyGC_Head *head = gc_list(interp, g);

		for (PyGC_Head *h = _PyGCHead_NEXT(head); h != head;
		     h = _PyGCHead_NEXT(h)) {
			PyObject *o = (PyObject *)(h + 1);

			HS_FORWARD_IF_ERROR(surplus_root(W, o, gc_index(o),
							 gc_count(o)));
		}
	}
	for (size_t i = 0; i < W->map.cap; i++) {
		const am_slot_t *s = &W->map.s[i];

		/* the objects are scattered: ask for them ahead */
		if (i + 16 < W->map.cap && W->map.s[i + 16].key)
			__builtin_prefetch((void *)(uintptr_t)
					   W->map.s[i + 16].key);
		if (s->key)
			HS_FORWARD_IF_ERROR(surplus_root(W, (PyObject *)
					(uintptr_t)s->key, s->val, s->inc));
	}
	return 0;
}

static int run(walk *W, const char *path)
{
	hs_writer_options wo = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	char ver[32];
	PyInterpreterState *interp = PyInterpreterState_Get();

	HS_RETURN_ERROR_IF(interp->gc.collecting, HS_EINVAL,
			   "heapsnap: cannot capture during a garbage "
			   "collection (from a finalizer?)");
	/* the map holds only untracked objects with more than one
	 * reference (strs used as keys and attribute names, shared ints,
	 * static types...): a few per hundred objects in a big heap; it
	 * starts at 1 MiB and grows by half when full to 3/4 */
	HS_FORWARD_IF_ERROR(am_init(W, &W->map, 65536));
	HS_FORWARD_IF_ERROR(am_init(W, &W->ns, 1024));
	HS_FORWARD_IF_ERROR(am_init(W, &W->tmap, 1024));
	HS_FORWARD_IF_ERROR(am_init(W, &W->cstr, 1024));
	W->sites = _Py_tracemalloc_config.tracing;
	if (W->sites)
		HS_FORWARD_IF_ERROR(am_init(W, &W->smap, 4096));
	W->lc_repr = calloc(LABEL_CACHE, sizeof(label_slot));
	W->lc_name = calloc(LABEL_CACHE, sizeof(label_slot));
	if (!W->lc_repr || !W->lc_name)
		return oom(W, "labels");
	mem_add(W, 2 * LABEL_CACHE * sizeof(label_slot), 0);
	for (size_t i = 0; i < LABEL_INDEX_MAX; i++)
		W->idx_label[i] = HS_NO_LABEL;

	if (W->debug)
		fprintf(stderr, "heapsnap: setup done at %.3f s\n", now_s() - W->t0);
	/* pass 1: number */
	W->pass = 1;
	W->gc_touched = 1;
	W->next = 0;
	HS_FORWARD_IF_ERROR(each_frame(W, frame_discover));
	HS_FORWARD_IF_ERROR(walk_gc_lists(W));
	W->nobjects = W->next;
	if (W->debug)
		fprintf(stderr, "heapsnap: pass1 done at %.3f s\n", now_s() - W->t0);

	/* pass 2: write */
	snprintf(ver, sizeof(ver), "%d.%d.%d", PY_MAJOR_VERSION,
		 PY_MINOR_VERSION, PY_MICRO_VERSION);
	h.runtime = "python";
	h.runtime_version = ver;
	h.pid = (uint64_t)getpid();
	h.reason = W->o->reason ? W->o->reason : "manual";
	wo.ref_mode = HS_REFS_BY_INDEX;
	wo.level = W->o->level;
	wo.max_preview = PREVIEW_MAX;
	HS_FORWARD_IF_ERROR(hs_writer_open(&W->w, path, &wo, &h));
	mem_add(W, hs_writer_memory(W->w), 0);
	W->st->writer_memory = hs_writer_memory(W->w);
	W->pass = 2;
	W->next = 0;
	HS_FORWARD_IF_ERROR(each_frame(W, frame_discover));
	HS_FORWARD_IF_ERROR(walk_gc_lists(W));
	HS_RETURN_ERROR_IF(W->next != W->nobjects, fail(W, HS_ERROR),
			   "heapsnap: pass 2 found %llu objects, pass 1 %llu",
			   (unsigned long long)W->next,
			   (unsigned long long)W->nobjects);
	if (W->debug)
		fprintf(stderr, "heapsnap: pass2 done at %.3f s; map %zu of %zu "
			"slots\n", now_s() - W->t0, W->map.n, W->map.cap);
	HS_FORWARD_IF_ERROR(write_roots(W));
	if (W->debug)
		fprintf(stderr, "heapsnap: roots done at %.3f s\n", now_s() - W->t0);
	return W->err;
}

int hs_pywalk_dump(const char *path, const hs_pywalk_options *opts,
		   hs_pywalk_stats *stats)
{
	walk W;
	struct timespec t0, t1;
	int rc, gc_was;

	memset(&W, 0, sizeof(W));
	memset(stats, 0, sizeof(*stats));
	W.o = opts;
	W.st = stats;
	W.debug = getenv("HEAPSNAP_DEBUG") != NULL;
	W.t0 = now_s();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	gc_was = PyGC_Disable();
	rc = run(&W, path);
	if (W.gc_touched)
		gc_restore(PyInterpreterState_Get());
	if (gc_was)
		PyGC_Enable();
	if (rc == 0 && W.err)
		rc = W.err;
	if (rc == 0) {
		rc = hs_writer_close(W.w);
	} else {
		hs_writer_abort(W.w);
	}
	W.w = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	stats->peak_memory = W.peak;
	stats->seconds = (double)(t1.tv_sec - t0.tv_sec) +
			 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	am_free(&W, &W.map);
	am_free(&W, &W.ns);
	am_free(&W, &W.tmap);
	am_free(&W, &W.cstr);
	am_free(&W, &W.smap);
	free(W.lc_repr);
	free(W.lc_name);
	free(W.q);
	free(W.rp);
	free(W.rl);
	free(W.rf);
	free(W.ri);
	free(W.ti);
	free(W.froots);
	return rc;
}

int hs_pywalk_init(void)
{
	PyObject *probe, *k, *v;
	Py_ssize_t i = 0;

	/* the traverse function of classes defined in Python */
	probe = PyObject_CallFunction((PyObject *)&PyType_Type, "s()N",
				      "_heapsnap_probe", PyDict_New());
	if (!probe)
		return -1;
	g_subtype_traverse = ((PyTypeObject *)probe)->tp_traverse;
	Py_DECREF(probe);
	while (PyDict_Next(PyBaseObject_Type.tp_dict, &i, &k, &v))
		if (PyUnicode_Check(k) &&
		    PyUnicode_CompareWithASCIIString(k, "__sizeof__") == 0)
			g_sizeof_name = k;
	if (!g_sizeof_name) {
		PyErr_SetString(PyExc_RuntimeError,
				"heapsnap: object has no __sizeof__");
		return -1;
	}
	for (size_t j = 0; j < N_SIZEOF; j++) {
		PyObject *d = PyDict_GetItemWithError(g_sizeof[j].type->tp_dict,
						      g_sizeof_name);

		if (d && Py_IS_TYPE(d, &PyMethodDescr_Type))
			g_sizeof[j].meth =
				((PyMethodDescrObject *)d)->d_method->ml_meth;
		PyErr_Clear();
	}
	return 0;
}
