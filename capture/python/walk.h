/*
 * walk.h - the state of one heap walk, shared by the files of the walk
 * (pywalk.c drives it; see its comment for how the walk works and what it
 * costs), and the few small functions every one of them calls on the hot
 * path (address map lookups, gc header numbering), inline here.
 *
 * Not a public header: it includes CPython's internal headers
 * (Py_BUILD_CORE) and is compiled only into the capture extension.
 */
#ifndef HS_WALK_H
#define HS_WALK_H

#define PY_SSIZE_T_CLEAN
/* the version walker reads the internals of the CPython versions it
 * knows (pyselect.h says which); pyver.h isolates what differs between
 * them */
#include "pyselect.h"
#ifndef HS_VERSION_WALKER
#error "the version walker reads CPython 3.10-3.13 internals: the build compiles its files only when pyselect.h selects it"
#endif
#define Py_BUILD_CORE 1
#include <Python.h>
#include <structmember.h>

#include "internal/pycore_gc.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_object.h"
#include "internal/pycore_pymem.h"
#include "internal/pycore_runtime.h"
#if PY_VERSION_HEX >= 0x030B0000
#include "internal/pycore_dict.h"
#include "internal/pycore_frame.h"
#endif
#if PY_VERSION_HEX >= 0x030C0000
#include "internal/pycore_long.h"
#include "internal/pycore_typeobject.h"
#endif
#if PY_VERSION_HEX >= 0x030D0000
#include "internal/pycore_tracemalloc.h"
#else
#include <tracemalloc.h>
#endif
#if PY_VERSION_HEX < 0x030B0000
#include <frameobject.h>
#endif
#include <sched.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "hs_writer.h"
#include "portable.h"
#include "pywalk.h"

/* the walk's functions are the extension's own: calls between its files
 * bind inside it, and nothing of them is exported */
#pragma GCC visibility push(hidden)

#define LABEL_CACHE 4096      /* direct-mapped label caches, per kind */
#define TEXT_MAX 200          /* longest label text */
#define PREVIEW_MAX 64
#define STATIC_REFCNT 100000000 /* deepfreeze gives 999999999 */

#include "pyver.h"

/* ---- what hs_pywalk_init() finds ---- */

extern traverseproc g_subtype_traverse;

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
	int sz;             /* SZ_* (sizes.c) */
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
	addr_map ns;            /* redaction: module and type __dict__s */
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

	size_t mem, peak;       /* bytes held by the walk */
	int debug;              /* HEAPSNAP_DEBUG set: phases to stderr */
	int gc_touched;         /* gc headers hold indices: restore them */
	int sites;              /* tracemalloc is tracing: write sites */
	int seq_bad;            /* the sequence collected is not its items */
	uint32_t *froots;       /* pass 2: indices of the frames' references */
	size_t nfr, frcap, frnext;
	addr_map stk;           /* untracked objects of count 1 on a stack */
	uint32_t *sroots;       /* pass 2: indices of the stack roots */
	size_t nsr, srcap, srnext;
	addr_map smap;          /* traceback hash -> site index */
	double t0;
	char text[TEXT_MAX + 64];
} walk;

/* ---- memory and errors ---- */

static inline void mem_add(walk *W, size_t add, size_t sub)
{
	W->mem += add;
	W->mem -= sub;
	if (W->mem > W->peak)
		W->peak = W->mem;
}

static inline int fail(walk *W, int code)
{
	if (!W->err)
		W->err = code;
	return code;
}

/* ---- address map (addrmap.c) ---- */

/* One cache line holds four slots; a lookup usually touches one line and
 * finds the index and the referrer count together. */
static inline am_slot_t *am_find(const addr_map *m, uint64_t a)
{
	uint64_t h = (a >> 4) * 0x9E3779B97F4A7C15ull;
	size_t i = (size_t)(((unsigned __int128)h * m->cap) >> 64);

	while (m->s[i].key && m->s[i].key != a)
		if (++i == m->cap)
			i = 0;
	return &m->s[i];
}

static inline void am_prefetch(const addr_map *m, uint64_t a)
{
	uint64_t h = (a >> 4) * 0x9E3779B97F4A7C15ull;

	__builtin_prefetch(&m->s[(size_t)(((unsigned __int128)h * m->cap)
					  >> 64)]);
}

static inline am_slot_t *am_lookup(const addr_map *m, uint64_t a)
{
	am_slot_t *s;

	if (!m->s)
		return NULL;
	s = am_find(m, a);
	return s->key ? s : NULL;
}

static inline int am_get(const addr_map *m, uint64_t a, uint32_t *out)
{
	am_slot_t *s = am_lookup(m, a);

	if (!s)
		return 0;
	if (out)
		*out = s->val;
	return 1;
}

static inline void inc_ref(am_slot_t *s)
{
	if (s->inc != UINT32_MAX)
		s->inc++;
}

int oom(walk *W, const char *what);
int am_init(walk *W, addr_map *m, size_t cap);
void am_free(walk *W, addr_map *m);
/* @return 1 if added (with value v), 0 if present (*out = its value). */
int am_put(walk *W, addr_map *m, uint64_t a, uint32_t v, uint32_t *out);

/* ---- numbering in the gc header (traverse.c) ---- */

static inline int is_tracked(PyObject *o)
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

static inline void gc_set_index(PyObject *o, uint32_t idx)
{
	PyGC_Head *g = _Py_AS_GC(o);

	g->_gc_prev = ((uintptr_t)idx << 2) | (g->_gc_prev & 3);
}

static inline uint32_t gc_index(PyObject *o)
{
	return (uint32_t)(_Py_AS_GC(o)->_gc_prev >> 2);
}

static inline uint32_t gc_count(PyObject *o)
{
	return (uint32_t)(_Py_AS_GC(o)->_gc_prev >> GC_INC_SHIFT);
}

static inline void gc_count_ref(PyObject *o)
{
	if (gc_count(o) < GC_INC_MAX)
		_Py_AS_GC(o)->_gc_prev += (uintptr_t)1 << GC_INC_SHIFT;
}

PyGC_Head *gc_list(PyInterpreterState *interp, int g);
void gc_restore(PyInterpreterState *interp);
int obj_index(walk *W, PyObject *o, uint32_t *idx);
int discover(walk *W, PyObject *r, int weak, uint32_t *idx);
int take_ref(walk *W, PyObject *r, int weak, uint32_t *idx);
int drain(walk *W);
int walk_gc_lists(walk *W);

/* ---- labels (labels.c; pass 2 only: they are writer records) ---- */

uint32_t L(walk *W, const char *s);
uint32_t name_label(walk *W, PyObject *name);
uint32_t attr_label(walk *W, PyObject *name);
uint32_t key_label(walk *W, PyObject *dict, PyObject *key);
int is_sequence_type(PyTypeObject *t);
void seq_forward(walk *W, PyObject *o);

/* ---- one object's references (refs.c, reflabels.c) ---- */

int push_ref(walk *W, PyObject *r, uint32_t label, uint8_t flags);
void label_ptr(walk *W, size_t pos, PyObject *r, const char *label);
void label_members(walk *W, PyObject *o, size_t pos);
void label_gc(walk *W, PyObject *o);
int collect(walk *W, PyObject *o);

/* ---- types, sizes, previews (sizes.c) ---- */

int sizes_init(void);
typeinfo *type_info(walk *W, PyTypeObject *t);
uint64_t obj_size(walk *W, PyObject *o, const typeinfo *ti, uint64_t *rt);
hs_value preview(walk *W, PyObject *o, char *buf);

/* ---- allocation sites (sites.c) ---- */

uint32_t site_of(walk *W, PyObject *o);

/* ---- thread frames (frames.c) ---- */

typedef int (*frame_fn)(walk *W, PyThreadState *ts, int tno, pv_frame *f);

int each_frame(walk *W, frame_fn fn);
int frame_discover(walk *W, PyThreadState *ts, int tno, pv_frame *f);
int frame_roots(walk *W, PyThreadState *ts, int tno, pv_frame *f);
size_t frame_head(walk *W, PyThreadState *ts, pv_frame *f, char *buf,
		  size_t cap);

/* ---- running frames' value stacks (stack.c) ---- */

int stack_mark(walk *W, PyThreadState *ts, int tno, pv_frame *f);
int stack_discover(walk *W, PyThreadState *ts, int tno, pv_frame *f);
int stack_roots(walk *W, PyThreadState *ts, int tno, pv_frame *f);

/* Was o found on a value stack with a reference count of 1 (its one
 * referrer may be a stale slot, so it goes through the map)? */
static inline int on_stack(const walk *W, PyObject *o)
{
	return W->stk.n && am_lookup(&W->stk, (uint64_t)(uintptr_t)o);
}

/* ---- roots (roots.c) ---- */

int write_roots(walk *W);

#pragma GCC visibility pop

#endif
