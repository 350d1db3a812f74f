/*
 * portable.c - the portable walker: the whole heap through CPython's
 * public and unstable C API only, for a CPython whose internals the
 * version walkers do not know (3.14 and later, free-threaded builds), or
 * when asked for (HEAPSNAP_WALKER=portable).  It writes the same file as
 * the version walkers, with "portable" in the header's walker field.
 *
 * Finding objects: the gc-tracked ones from PyUnstable_GC_VisitObjects()
 * (3.12+) or the list gc.get_objects() returns (before: it is made before
 * the walk, 8 bytes an object, and adds one to every reference count,
 * which the refcount roots take back); neither lists gc.freeze()'s frozen
 * objects, which are found as referents like untracked ones.  Untracked
 * objects are found as referents, in a FIFO, as in pywalk.c.
 * References: tp_traverse, plus what it leaves out that the public
 * structures show (dict keys a dict does not visit, heap type names,
 * weak referents, static types' fields, non-gc objects' members).
 * Sizes: sys.getsizeof's: the type's C __sizeof__ called directly (never
 * one written in Python: the basicsize formula instead), plus the
 * pre-header, measured once at import (hs_portable_init()).
 * Numbering: every object but the untracked ones with one reference in
 * one address map (address -> index and referrer count), 16 bytes a
 * slot, a power of two of slots sized for 1.5 times the tracked objects,
 * at most 3/4 full, doubled when full: 21 to 43 bytes an object in it,
 * reported as map_memory; never more objects than the address space can
 * hold (a walk gone wrong fails, HS_ELIMIT, rather than take the
 * machine's memory); before 3.12 gc.get_objects()'s list adds 8 bytes a
 * tracked object.
 * What it cannot see is in capture/python/README.md ("The portable
 * walker"): the running frames, the attribute names of shared keys, code
 * fields that are not members, the instance values arrays (3.11+), 3.13's instance
 * __dict__ beside inline values, static builtin types' __subclasses__
 * (3.12+), frozen objects nothing refers to.
 *
 * Two passes as in pywalk.c (pass 0 marks the listed objects in the map).
 * The GIL is held throughout and the collector is off; what it allocates
 * during the walk is the int results of __sizeof__ (freed at once), so
 * the heap does not change under it.  The gc lists are never written.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "hs_writer.h"
#include "portable.h"

#ifndef Py_TPFLAGS_MANAGED_DICT
#define Py_TPFLAGS_MANAGED_DICT 0
#endif
#ifndef Py_TPFLAGS_MANAGED_WEAKREF
#define Py_TPFLAGS_MANAGED_WEAKREF 0
#endif
#if PY_VERSION_HEX >= 0x030C0000
#define HS_GC_VISIT 1           /* PyUnstable_GC_VisitObjects */
#endif

#define P_UNNUMBERED UINT32_MAX /* listed, not numbered yet */
#define P_LISTED 0x80000000u    /* in inc: the object is listed */
#define P_STATIC 100000000      /* as pywalk.c's: immortal counts */
#define P_PREVIEW 64

typedef struct {
	uint64_t key;           /* address; 0 = empty */
	uint32_t idx;           /* index, or P_UNNUMBERED */
	uint32_t inc;           /* referrers in the dump | P_LISTED */
} pslot;

typedef struct {
	pslot *s;
	size_t cap, n;          /* cap: 0 or a power of two */
} pmap;

typedef struct {
	uint32_t widx;          /* the writer's type index */
	PyCFunction fn;         /* the C __sizeof__, or NULL: the formula */
} ptype;

typedef struct {
	const char *s;
	uint32_t idx;
} plabel;

typedef struct pw {
	hs_writer *w;
	const hs_pywalk_options *o;
	hs_pywalk_stats *st;
	int pass, err;
	pmap map;               /* every object */
	size_t max_objects;     /* what the address space can hold */
	pmap tmap;              /* type -> index in ti */
	uint64_t next, nobjects;
	PyObject **q;           /* FIFO of found, not yet expanded objects */
	size_t qh, qt, qcap;
	PyObject **rp;          /* the current object's references */
	uint32_t *rl;
	uint8_t *rf;
	uint64_t *ri;
	size_t nr, rcap;
	ptype *ti;
	size_t nti, ticap;
	PyObject *list;         /* gc.get_objects() before 3.12 */
	plabel lc[256];         /* C-string labels, by address */
	size_t mem, peak, map_peak;
} pw;

/* measured by hs_portable_init() against sys.getsizeof */
static Py_ssize_t g_gc_pre, g_managed_pre, g_static_type_pre;
static PyObject *g_sizeof_name;

/* ---- memory ---- */

static void mem_add(pw *P, size_t add, size_t sub)
{
	P->mem += add;
	P->mem -= sub;
	if (P->mem > P->peak)
		P->peak = P->mem;
}

static int fail(pw *P, int code)
{
	if (!P->err)
		P->err = code;
	return code;
}

static int oom(pw *P, const char *what)
{
	return fail(P, hs_error_set(HS_ENOMEM, "heapsnap: out of memory for "
				    "%s (portable walker)", what));
}

/* ---- the address map ---- */

static size_t pm_home(const pmap *m, uint64_t a)
{
	return (size_t)(((a >> 4) * 0x9E3779B97F4A7C15ull) >> 20) &
	       (m->cap - 1);
}

static pslot *pm_find(const pmap *m, uint64_t a)
{
	size_t i = pm_home(m, a);

	while (m->s[i].key && m->s[i].key != a)
		i = (i + 1) & (m->cap - 1);
	return &m->s[i];
}

static pslot *pm_get(const pmap *m, const void *p)
{
	pslot *s;

	if (!m->cap)
		return NULL;
	s = pm_find(m, (uint64_t)(uintptr_t)p);
	return s->key ? s : NULL;
}

static int pm_resize(pw *P, pmap *m, size_t cap)
{
	pmap old = *m;

	m->s = calloc(cap, sizeof(*m->s));
	if (!m->s) {
		*m = old;
		return oom(P, "the address map");
	}
	/* lookups are random: huge pages spare most of them a TLB miss
	 * (a big calloc is a mapping of its own) */
	if (cap * sizeof(*m->s) >= (2u << 20))
		madvise((void *)((uintptr_t)m->s & ~(uintptr_t)4095),
			cap * sizeof(*m->s), MADV_HUGEPAGE);
	m->cap = cap;
	mem_add(P, cap * sizeof(*m->s), 0);
	for (size_t i = 0; i < old.cap; i++)
		if (old.s[i].key)
			*pm_find(m, old.s[i].key) = old.s[i];
	free(old.s);
	mem_add(P, 0, old.cap * sizeof(*m->s));
	return 0;
}

/* @return the slot of p, added (key only, idx/inc 0) if absent; *added
 * says which; NULL out of memory. */
static pslot *pm_put(pw *P, pmap *m, const void *p, int *added)
{
	pslot *s;

	if (m->n >= P->max_objects) {
		fail(P, hs_error_set(HS_ELIMIT, "heapsnap: more than %zu "
				     "objects, which the process's %zu MiB "
				     "cannot hold: the heap changed under the "
				     "walk", P->max_objects,
				     P->max_objects * 16 >> 20));
		return NULL;
	}

	if ((m->n + 1) * 4 > m->cap * 3 &&
	    pm_resize(P, m, m->cap ? m->cap * 2 : 4096) < 0)
		return NULL;
	s = pm_find(m, (uint64_t)(uintptr_t)p);
	*added = !s->key;
	if (!s->key) {
		s->key = (uint64_t)(uintptr_t)p;
		m->n++;
	}
	return s;
}

static void pm_free(pw *P, pmap *m)
{
	mem_add(P, 0, m->cap * sizeof(*m->s));
	free(m->s);
	memset(m, 0, sizeof(*m));
}

/* ---- labels: C strings (member names, fixed names), pass 2 ---- */

static uint32_t label(pw *P, const char *s)
{
	plabel *c = &P->lc[((uintptr_t)s * 0x9E3779B97F4A7C15ull) >> 56];
	uint32_t idx;
	int rc;

	if (P->pass != 2)
		return HS_NO_LABEL;
	if (c->s == s)
		return c->idx;
	rc = hs_writer_string(&idx, P->w, s, strlen(s));
	if (rc < 0) {
		fail(P, rc);
		return HS_NO_LABEL;
	}
	P->st->strings++;
	c->s = s;
	c->idx = idx;
	return idx;
}

/* ---- one object's references ---- */

static int push_ref(pw *P, PyObject *r, const char *name, uint8_t flags)
{
	if (P->nr == P->rcap) {
		size_t cap = P->rcap ? P->rcap * 2 : 256;
		PyObject **rp = realloc(P->rp, cap * sizeof(*rp));
		uint32_t *rl;
		uint8_t *rf;
		uint64_t *ri;

		if (!rp)
			return oom(P, "references");
		P->rp = rp;
		if (!(rl = realloc(P->rl, cap * sizeof(*rl))))
			return oom(P, "references");
		P->rl = rl;
		if (!(rf = realloc(P->rf, cap * sizeof(*rf))))
			return oom(P, "references");
		P->rf = rf;
		if (!(ri = realloc(P->ri, cap * sizeof(*ri))))
			return oom(P, "references");
		P->ri = ri;
		mem_add(P, (cap - P->rcap) * 21, 0);
		P->rcap = cap;
	}
	P->rp[P->nr] = r;
	P->rl[P->nr] = name ? label(P, name) : HS_NO_LABEL;
	P->rf[P->nr] = flags;
	P->nr++;
	return 0;
}

static int visit_collect(PyObject *r, void *arg)
{
	pw *P = arg;

	return r && push_ref(P, r, NULL, 0) < 0 ? -1 : 0;
}

/* Adds r unless the object refers to it already (labels it then). */
static void add_missing(pw *P, PyObject *r, const char *name)
{
	if (!r)
		return;
	for (size_t i = 0; i < P->nr; i++) {
		if (P->rp[i] == r) {
			if (P->rl[i] == HS_NO_LABEL)
				P->rl[i] = label(P, name);
			return;
		}
	}
	push_ref(P, r, name, 0);
}

/* A dict's tp_traverse visits its keys (after each value) unless they
 * are all str; its own references come last (a subclass's traverse
 * visits its fields first).  Were they visited?  u entries. */
static int dict_keys_visited(pw *P, PyObject *d, Py_ssize_t u)
{
	Py_ssize_t pos = 0, j;
	PyObject *k, *v;

	if ((Py_ssize_t)P->nr < 2 * u)
		return 0;
	j = (Py_ssize_t)P->nr - 2 * u;
	while (PyDict_Next(d, &pos, &k, &v)) {
		if (P->rp[j] != v || P->rp[j + 1] != k)
			return 0;
		j += 2;
	}
	return 1;
}

/* Object members (T_OBJECT, T_OBJECT_EX) of o's type and its bases. */
static void add_members(pw *P, PyObject *o)
{
	PyTypeObject *t = Py_TYPE(o);
	PyObject *mro = t->tp_mro;

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
			add_missing(P, *(PyObject **)((char *)o + m->offset),
				    m->name);
		}
	}
}

/* A type's __dict__, borrowed (3.12+: static builtin types keep it in
 * the interpreter, PyType_GetDict() finds it). */
static PyObject *type_dict(PyTypeObject *t)
{
#if PY_VERSION_HEX >= 0x030C0000
	PyObject *d = PyType_GetDict(t);

	Py_XDECREF(d);  /* the type holds it */
	return d;
#else
	return t->tp_dict;
#endif
}

/* tp_subclasses when it is a dict: 3.12+ keeps an index there for
 * static builtin types (their dict is the interpreter's: not seen). */
static PyObject *type_subclasses(PyTypeObject *t)
{
	uintptr_t v = (uintptr_t)t->tp_subclasses;

	return v < 4096 ? NULL : (PyObject *)t->tp_subclasses;
}

static void weak_referent(pw *P, PyObject *o)
{
#if PY_VERSION_HEX >= 0x030D0000
	PyObject *r = NULL;

	if (PyWeakref_GetRef(o, &r) > 0) {
		push_ref(P, r, "__referent__", HS_REF_WEAK);
		Py_DECREF(r);   /* held by others: the weakref is not one */
	} else {
		PyErr_Clear();
	}
#else
	PyObject *r = PyWeakref_GetObject(o);

	if (r && r != Py_None && Py_REFCNT(r) > 0)
		push_ref(P, r, "__referent__", HS_REF_WEAK);
	else if (!r)
		PyErr_Clear();
#endif
}

/* Fills P->rp with o's references (pass 2: with the labels known). */
static int collect(pw *P, PyObject *o)
{
	PyTypeObject *t = Py_TYPE(o);

	P->nr = 0;
	if (PyObject_IS_GC(o)) {
		if (t->tp_traverse)
			t->tp_traverse(o, visit_collect, P);
		if (PyDict_Check(o) && !((PyDictObject *)o)->ma_values) {
			Py_ssize_t pos = 0, u = PyDict_GET_SIZE(o);
			PyObject *k, *v;

			/* a split dict's keys are its class's: not seen */
			if (u && !dict_keys_visited(P, o, u))
				while (PyDict_Next(o, &pos, &k, &v))
					push_ref(P, k, "<key>", 0);
		}
		if (PyType_Check(o) && (((PyTypeObject *)o)->tp_flags &
					Py_TPFLAGS_HEAPTYPE)) {
			PyHeapTypeObject *et = (PyHeapTypeObject *)o;

			add_missing(P, et->ht_name, "__name__");
			add_missing(P, et->ht_qualname, "__qualname__");
			add_missing(P, et->ht_slots, "__slots__");
			add_missing(P, type_subclasses(&et->ht_type),
				    "__subclasses__");
		}
		if (PyWeakref_Check(o))
			weak_referent(P, o);
		return P->err;
	}
	if (PyType_Check(o)) {
		/* a static type: no tp_traverse to ask */
		PyTypeObject *ty = (PyTypeObject *)o;

		add_missing(P, type_dict(ty), "__dict__");
		add_missing(P, ty->tp_bases, "__bases__");
		add_missing(P, ty->tp_mro, "__mro__");
		add_missing(P, type_subclasses(ty), "__subclasses__");
		add_missing(P, ty->tp_cache, "__cache__");
		return P->err;
	}
	if (t->tp_traverse && !PyType_IS_GC(t))
		t->tp_traverse(o, visit_collect, P);
	if (t->tp_flags & Py_TPFLAGS_HEAPTYPE)
		add_missing(P, (PyObject *)t, "__class__");
	add_members(P, o);
	return P->err;
}

/* ---- types and sizes ---- */

/* The C __sizeof__ of t (found in its MRO's dicts, as the interpreter's
 * own lookup does), or NULL: none, or one written in Python, which is
 * never called. */
static PyCFunction sizeof_fn(PyTypeObject *t)
{
	PyObject *mro = t->tp_mro;

	if (!mro || !PyTuple_Check(mro))
		return NULL;
	for (Py_ssize_t b = 0; b < PyTuple_GET_SIZE(mro); b++) {
		PyObject *d = type_dict((PyTypeObject *)PyTuple_GET_ITEM(mro, b));
		PyObject *v;
		PyMethodDef *ml;

		if (!d || !PyDict_Check(d))
			continue;
		v = PyDict_GetItemWithError(d, g_sizeof_name);
		if (!v) {
			PyErr_Clear();
			continue;
		}
		if (!Py_IS_TYPE(v, &PyMethodDescr_Type))
			return NULL;
		ml = ((PyMethodDescrObject *)v)->d_method;
		return (ml->ml_flags & (METH_NOARGS | METH_VARARGS |
					METH_FASTCALL | METH_O)) == METH_NOARGS
		       ? ml->ml_meth : NULL;
	}
	return NULL;
}

static ptype *type_of(pw *P, PyTypeObject *t)
{
	pslot *s;
	ptype *ti;
	char name[512];
	uint64_t id = (uint64_t)(uintptr_t)t;
	size_t n;
	int added, rc;

	s = pm_put(P, &P->tmap, t, &added);
	if (!s)
		return NULL;
	if (!added)
		return &P->ti[s->idx];
	if (P->nti == P->ticap) {
		size_t cap = P->ticap ? P->ticap * 2 : 256;
		ptype *p = realloc(P->ti, cap * sizeof(*p));

		if (!p) {
			oom(P, "types");
			return NULL;
		}
		mem_add(P, (cap - P->ticap) * sizeof(*p), 0);
		P->ti = p;
		P->ticap = cap;
	}
	ti = &P->ti[P->nti];
	n = py_type_name(t, name, sizeof(name));
	/* exact lists and tuples: their references are their items */
	rc = hs_writer_type_flags(&ti->widx, P->w, name, n, &id,
				  t == &PyList_Type || t == &PyTuple_Type
				  ? HS_TYPE_SEQUENCE : 0);
	if (rc < 0) {
		fail(P, rc);
		return NULL;
	}
	ti->fn = sizeof_fn(t);
	P->st->types++;
	s->idx = (uint32_t)P->nti++;
	return ti;
}

/* sys.getsizeof(o), computed without running Python code. */
static uint64_t obj_size(pw *P, PyObject *o, const ptype *ti)
{
	PyTypeObject *t = Py_TYPE(o);
	Py_ssize_t n = -1;

	if (ti->fn) {
		PyObject *r = ti->fn(o, NULL);

		P->st->sizeof_calls++;
		if (r && PyLong_Check(r))
			n = PyLong_AsSsize_t(r);
		Py_XDECREF(r);
		if (n < 0)
			PyErr_Clear();
	}
	if (n < 0) {
		n = t->tp_basicsize;
		if (t->tp_itemsize > 0)
			n += Py_SIZE(o) * t->tp_itemsize;
	}
	if (PyType_Check(o) &&
	    !(((PyTypeObject *)o)->tp_flags & Py_TPFLAGS_HEAPTYPE))
		n += g_static_type_pre;
	else
		n += (PyType_IS_GC(t) ? g_gc_pre : 0) +
		     (t->tp_flags & (Py_TPFLAGS_MANAGED_DICT |
				     Py_TPFLAGS_MANAGED_WEAKREF)
		      ? g_managed_pre : 0);
	return n > 0 ? (uint64_t)n : 0;
}

/* ---- the traversal ---- */

static int enqueue(pw *P, PyObject *o)
{
	if (P->qt == P->qcap) {
		if (P->qh > P->qcap / 2) {
			memmove(P->q, P->q + P->qh,
				(P->qt - P->qh) * sizeof(*P->q));
			P->qt -= P->qh;
			P->qh = 0;
		} else {
			size_t cap = P->qcap ? P->qcap * 2 : 4096;
			PyObject **q = realloc(P->q, cap * sizeof(*q));

			if (!q)
				return oom(P, "the queue");
			mem_add(P, (cap - P->qcap) * sizeof(*q), 0);
			P->q = q;
			P->qcap = cap;
		}
	}
	P->q[P->qt++] = o;
	return 0;
}

/* Pass 1: r is numbered when first found, unless listed (numbered in
 * list order).  Pass 2: *idx = its index, the referrer counted unless
 * weak.  @return 1, 0 (not in the dump: weak only), or an error. */
static int discover(pw *P, PyObject *r, int weak, uint32_t *idx)
{
	pslot *s;
	int added;

	/* an untracked object with one reference has no other referrer:
	 * found once in each pass, at the same point, it needs no map entry
	 * (most str, int, float; as pywalk.c's discover() says) */
	if (Py_REFCNT(r) == 1 && !Py_TYPE(r)->tp_weaklistoffset &&
	    !PyObject_GC_IsTracked(r)) {
		HS_RETURN_ERROR_IF(P->next >= UINT32_MAX - 1,
				   fail(P, HS_ELIMIT),
				   "heapsnap: more than 2^32 objects");
		*idx = (uint32_t)P->next++;
		return enqueue(P, r) < 0 ? P->err : 1;
	}
	if (P->pass == 1) {
		/* found weakly first too: its one strong reference may be
		 * held from C (pywalk.c's discover() says why) */
		s = pm_put(P, &P->map, r, &added);
		if (!s)
			return P->err;
		if (!added)
			return 1;
		HS_RETURN_ERROR_IF(P->next >= UINT32_MAX - 1,
				   fail(P, HS_ELIMIT),
				   "heapsnap: more than 2^32 objects");
		s->idx = (uint32_t)P->next++;
		return enqueue(P, r) < 0 ? P->err : 1;
	}
	s = pm_get(&P->map, r);
	if (!s || s->idx == P_UNNUMBERED)
		return 0;
	*idx = s->idx;
	if (!weak && (s->inc & ~P_LISTED) != ~P_LISTED)
		s->inc++;
	if (s->idx != P->next || (s->inc & P_LISTED))
		return 1;
	P->next++;
	return enqueue(P, r) < 0 ? P->err : 1;
}

static int write_object(pw *P, PyObject *o)
{
	ptype *ti = type_of(P, Py_TYPE(o));
	char pbuf[P_PREVIEW + 8];
	hs_object obj;
	int any_label = 0, any_flag = 0, rc;

	if (!ti)
		return P->err;
	for (size_t i = 0; i < P->nr; i++) {
		any_label |= P->rl[i] != HS_NO_LABEL;
		any_flag |= P->rf[i] != 0;
	}
	obj.id = (uint64_t)(uintptr_t)o;
	obj.type = ti->widx;
	obj.size = obj_size(P, o, ti);
	obj.nrefs = P->nr;
	obj.refs = P->ri;
	obj.labels = any_label ? P->rl : NULL;
	obj.flags = any_flag ? P->rf : NULL;
	obj.preview = py_preview(o, pbuf, P_PREVIEW, P->o->redact);
	obj.site = HS_NO_SITE;
	rc = hs_writer_object(P->w, &obj);
	if (rc < 0)
		return fail(P, rc);
	P->st->objects++;
	P->st->refs += P->nr;
	P->st->shallow += obj.size;
	return 0;
}

static int expand(pw *P, PyObject *o)
{
	size_t j = 0;

	if (collect(P, o) < 0)
		return P->err;
	/* the lookups below are cache misses: start them all at once */
	for (size_t i = 0; i < P->nr; i++)
		__builtin_prefetch(&P->map.s[pm_home(&P->map, (uint64_t)
						     (uintptr_t)P->rp[i])]);
	for (size_t i = 0; i < P->nr; i++) {
		uint32_t idx = 0;
		int rc = discover(P, P->rp[i], P->rf[i] & HS_REF_WEAK, &idx);

		if (rc < 0)
			return rc;
		if (P->pass == 1)
			continue;
		if (rc == 0) {
			P->st->dropped_refs++;
			continue;
		}
		P->ri[j] = idx;
		P->rl[j] = P->rl[i];
		P->rf[j] = P->rf[i];
		j++;
	}
	if (P->pass == 1)
		return 0;
	P->nr = j;
	return write_object(P, o);
}

static int drain(pw *P)
{
	while (P->qh < P->qt)
		HS_FORWARD_IF_ERROR(expand(P, P->q[P->qh++]));
	P->qh = P->qt = 0;
	return 0;
}

/* One listed (gc-tracked) object, in list order, in pass P->pass. */
static int listed(pw *P, PyObject *o)
{
	pslot *s;
	int added;

	if (P->pass == 0) {
		s = pm_put(P, &P->map, o, &added);
		if (!s)
			return P->err;
		s->idx = P_UNNUMBERED;
		s->inc = P_LISTED;
		return 0;
	}
	s = pm_get(&P->map, o);
	HS_RETURN_ERROR_IF(!s || (P->pass == 1) != (s->idx == P_UNNUMBERED) ||
			   (P->pass == 2 && s->idx != P->next),
			   fail(P, HS_ERROR), "heapsnap: the heap changed "
			   "during the capture (%s object at %p)",
			   Py_TYPE(o)->tp_name, (void *)o);
	if (P->pass == 1) {
		HS_RETURN_ERROR_IF(P->next >= UINT32_MAX - 1,
				   fail(P, HS_ELIMIT),
				   "heapsnap: more than 2^32 objects");
		s->idx = (uint32_t)P->next;
		P->st->tracked++;
	}
	P->next++;
	HS_FORWARD_IF_ERROR(expand(P, o));
	return drain(P);
}

#ifdef HS_GC_VISIT
static int visit_listed(PyObject *o, void *arg)
{
	return listed(arg, o) == 0;
}

static int visit_count(PyObject *o, void *arg)
{
	(void)o;
	++*(size_t *)arg;
	return 1;
}
#endif

/* The map sized for the listed objects and half as many again (the
 * untracked ones with more than one reference) at 3/4 full: one allocation
 * instead of a doubling at every power of two, and no peak of old and
 * new tables together on the way. */
static int presize(pw *P)
{
	size_t n = 0, cap = 4096;

#ifdef HS_GC_VISIT
	PyUnstable_GC_VisitObjects(visit_count, &n);
#else
	n = (size_t)PyList_GET_SIZE(P->list);
#endif
	while (cap / 4 * 3 < n + n / 2)
		cap *= 2;
	return pm_resize(P, &P->map, cap);
}

/* Every object the collector lists, in its order, through listed(). */
static int each_listed(pw *P)
{
#ifdef HS_GC_VISIT
	PyUnstable_GC_VisitObjects(visit_listed, P);
#else
	for (Py_ssize_t i = 0; i < PyList_GET_SIZE(P->list) && !P->err; i++)
		listed(P, PyList_GET_ITEM(P->list, i));
#endif
	return P->err;
}

/* ---- roots ---- */

static PyObject *module_dict(const char *name)
{
	PyObject *m = PyDict_GetItemString(PyImport_GetModuleDict(), name);

	return m && PyModule_Check(m) ? PyModule_GetDict(m) : NULL;
}

/*
 * The roots' objects are found before the listed ones: gc.freeze()'s
 * frozen objects (after a pre-fork freeze, most of a program) are in no
 * list the public API gives, and are found as referents from there.  A
 * root is no referrer: pass 2 does not count it.
 */
static int from_roots(pw *P)
{
	PyObject *r[3];

	r[0] = PyImport_GetModuleDict();
	r[1] = module_dict("builtins");
	r[2] = module_dict("sys");
	for (int i = 0; i < 3; i++) {
		pslot *s = r[i] ? pm_get(&P->map, r[i]) : NULL;
		uint32_t idx;

		if (!r[i] || (s && (s->inc & P_LISTED)))
			continue;   /* listed: numbered in list order */
		HS_FORWARD_IF_ERROR(discover(P, r[i], 0, &idx));
		if (P->pass == 2 && (s = pm_get(&P->map, r[i])))
			s->inc--;
		HS_FORWARD_IF_ERROR(drain(P));
	}
	return 0;
}

static int root(pw *P, PyObject *o, const char *kind, const char *what)
{
	pslot *s = o ? pm_get(&P->map, o) : NULL;
	int rc;

	if (!s || s->idx == P_UNNUMBERED)
		return 0;
	rc = hs_writer_root(P->w, s->idx, kind, what, 0);
	if (rc < 0)
		return fail(P, rc);
	P->st->roots++;
	return 0;
}

static int write_roots(pw *P)
{
	HS_FORWARD_IF_ERROR(root(P, PyImport_GetModuleDict(), "sys.modules",
				 "sys.modules"));
	HS_FORWARD_IF_ERROR(root(P, module_dict("builtins"), "builtins",
				 "builtins"));
	HS_FORWARD_IF_ERROR(root(P, module_dict("sys"), "sys",
				 "sys.__dict__"));
	for (size_t i = 0; i < P->map.cap; i++) {
		pslot *s = &P->map.s[i];
		PyObject *o = (PyObject *)(uintptr_t)s->key;
		uint64_t inc, rc;
		int r;

		if (!s->key || s->idx == P_UNNUMBERED)
			continue;
		inc = s->inc & ~P_LISTED;
		rc = (uint64_t)Py_REFCNT(o);
		/* gc.get_objects()'s list holds one reference of its own */
		if (P->list && (s->inc & P_LISTED))
			rc--;
		if (rc < inc) {
			P->st->overcounted++;
			continue;
		}
		if (rc == inc)
			continue;
		if (rc >= P_STATIC)
			r = hs_writer_root(P->w, s->idx, "static", NULL, 0);
		else
			r = hs_writer_root(P->w, s->idx, "refcount", NULL,
					   rc - inc);
		if (r < 0)
			return fail(P, r);
		P->st->roots++;
		P->st->refcount_roots += rc < P_STATIC;
	}
	return 0;
}

/* ---- the dump ---- */

static int run(pw *P, const char *path)
{
	hs_writer_options wo = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	char ver[32];

	/* each object takes 16 bytes of the address space at least: a map
	 * that would hold more is a walk gone wrong, stopped before it
	 * takes the machine's memory */
	P->max_objects = (size_t)(py_memory(0) / 16);
	if (!P->max_objects)
		P->max_objects = SIZE_MAX;
	HS_FORWARD_IF_ERROR(presize(P));
	P->pass = 0;
	HS_FORWARD_IF_ERROR(each_listed(P));
	P->pass = 1;
	P->next = 0;
	HS_FORWARD_IF_ERROR(from_roots(P));
	HS_FORWARD_IF_ERROR(each_listed(P));
	P->nobjects = P->next;
	P->map_peak = P->map.cap * sizeof(*P->map.s);

	snprintf(ver, sizeof(ver), "%d.%d.%d", PY_MAJOR_VERSION,
		 PY_MINOR_VERSION, PY_MICRO_VERSION);
	h.runtime = "python";
	h.runtime_version = ver;
	h.pid = (uint64_t)getpid();
	h.reason = P->o->reason ? P->o->reason : "manual";
	h.rss = py_memory(1);
	h.walker = "portable";
	wo.ref_mode = HS_REFS_BY_INDEX;
	wo.level = P->o->level;
	wo.max_preview = P_PREVIEW;
	HS_FORWARD_IF_ERROR(hs_writer_open(&P->w, path, &wo, &h));
	mem_add(P, hs_writer_memory(P->w), 0);
	P->st->writer_memory = hs_writer_memory(P->w);
	P->pass = 2;
	P->next = 0;
	HS_FORWARD_IF_ERROR(from_roots(P));
	HS_FORWARD_IF_ERROR(each_listed(P));
	HS_RETURN_ERROR_IF(P->next != P->nobjects, fail(P, HS_ERROR),
			   "heapsnap: pass 2 found %llu objects, pass 1 %llu",
			   (unsigned long long)P->next,
			   (unsigned long long)P->nobjects);
	return write_roots(P);
}

/* gc.get_objects(), made before the walk (CPython before 3.12). */
static int make_list(pw *P)
{
#ifndef HS_GC_VISIT
	PyObject *gc = PyImport_ImportModule("gc");

	if (gc) {
		P->list = PyObject_CallMethod(gc, "get_objects", NULL);
		Py_DECREF(gc);
	}
	if (!P->list || !PyList_Check(P->list)) {
		PyErr_Clear();
		return fail(P, hs_error_set(HS_ERROR, "heapsnap: "
					    "gc.get_objects() failed"));
	}
	/* the list is the walk's own: not an object of the dump */
	mem_add(P, (size_t)PyList_GET_SIZE(P->list) * sizeof(PyObject *), 0);
#else
	(void)P;
#endif
	return 0;
}

int hs_portable_dump(const char *path, const hs_pywalk_options *opts,
		     hs_pywalk_stats *stats)
{
	pw P;
	struct timespec t0, t1;
	int rc, gc_was;

	memset(&P, 0, sizeof(P));
	memset(stats, 0, sizeof(*stats));
	P.o = opts;
	P.st = stats;
	stats->walker = "portable";
	clock_gettime(CLOCK_MONOTONIC, &t0);
	gc_was = PyGC_Disable();
	rc = make_list(&P);
	if (rc == 0)
		rc = run(&P, path);
	if (rc == 0 && P.err)
		rc = P.err;
	if (rc == 0)
		rc = hs_writer_close(P.w);
	else
		hs_writer_abort(P.w);
	Py_CLEAR(P.list);
	if (gc_was)
		PyGC_Enable();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	stats->peak_memory = P.peak;
	stats->map_memory = P.map_peak;
	stats->seconds = (double)(t1.tv_sec - t0.tv_sec) +
			 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	pm_free(&P, &P.map);
	pm_free(&P, &P.tmap);
	free(P.q);
	free(P.rp);
	free(P.rl);
	free(P.rf);
	free(P.ri);
	free(P.ti);
	return rc;
}

/* sys.getsizeof(x) - x.__sizeof__(), asked of the interpreter itself.
 * @return -1 with a Python exception set. */
static Py_ssize_t preheader_of(PyObject *getsizeof, PyObject *x)
{
	PyObject *a = PyObject_CallOneArg(getsizeof, x);
	PyObject *b = PyObject_CallMethod((PyObject *)Py_TYPE(x), "__sizeof__",
					  "O", x);
	Py_ssize_t d = -1;

	if (a && b)
		d = PyLong_AsSsize_t(a) - PyLong_AsSsize_t(b);
	Py_XDECREF(a);
	Py_XDECREF(b);
	if (d < 0 && !PyErr_Occurred())
		PyErr_SetString(PyExc_RuntimeError, "heapsnap: "
				"sys.getsizeof() smaller than __sizeof__()");
	return PyErr_Occurred() ? -1 : d;
}

/* Measures what sys.getsizeof adds to __sizeof__ (the gc header, the
 * managed dict and weakref pointers, a static type's), so that the walk
 * computes it without calling sys.getsizeof, on any version. */
int hs_portable_init(void)
{
	PyObject *getsizeof = PySys_GetObject("getsizeof"); /* borrowed */
	PyObject *lst, *cls, *inst = NULL;

	if (!getsizeof)
		return PyErr_Format(PyExc_RuntimeError, "heapsnap: no "
				    "sys.getsizeof"), -1;
	g_sizeof_name = PyUnicode_InternFromString("__sizeof__");
	if (!g_sizeof_name)
		return -1;
	lst = PyList_New(0);
	cls = PyObject_CallFunction((PyObject *)&PyType_Type, "s()N",
				    "_heapsnap_probe", PyDict_New());
	if (cls)
		inst = PyObject_CallNoArgs(cls);
	if (lst && inst) {
		g_gc_pre = preheader_of(getsizeof, lst);
		g_managed_pre = preheader_of(getsizeof, inst) - g_gc_pre;
		g_static_type_pre = preheader_of(getsizeof,
						 (PyObject *)&PyLong_Type);
	}
	Py_XDECREF(lst);
	Py_XDECREF(inst);
	/* a class is a cycle: cleared, it is freed now (pywalk.c says why) */
	if (cls) {
		Py_TYPE(cls)->tp_clear(cls);
		Py_DECREF(cls);
	}
	return PyErr_Occurred() ? -1 : 0;
}
