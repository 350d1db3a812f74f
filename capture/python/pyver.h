/*
 * pyver.h - what differs between the CPython versions the version walker
 * knows (3.10, 3.11, 3.12, 3.13), behind small functions: the layouts of
 * dicts, shared keys and instance attributes (managed dicts, inline
 * values), the interpreter frames, code objects, where static types keep
 * their __dict__ and __subclasses__, the size formulas of str and int and
 * the pre-header, tracemalloc's switch and the thread-list lock.  The
 * rest of the walk is the same code for every version.
 *
 * Included by walk.h only when the walk reads internals (HS_VERSION_WALKER);
 * everything here is inline or a macro and costs nothing per call.
 */
#ifndef HS_PYVER_H
#define HS_PYVER_H

#define HS_PY_MINOR ((PY_VERSION_HEX >> 16) & 0xff)

#if HS_PY_MINOR == 10
#define HS_WALKER_NAME "3.10"
#elif HS_PY_MINOR == 11
#define HS_WALKER_NAME "3.11"
#elif HS_PY_MINOR == 12
#define HS_WALKER_NAME "3.12"
#else
#define HS_WALKER_NAME "3.13"
#endif

#if HS_PY_MINOR == 10
/* 3.10 does not install Objects/dict-common.h: its keys object, as
 * 3.10.x defines it (unchanged through the 3.10 series). */
typedef struct {
	Py_hash_t me_hash;
	PyObject *me_key;
	PyObject *me_value;
} PyDictKeyEntry;

struct _dictkeysobject {
	Py_ssize_t dk_refcnt;
	Py_ssize_t dk_size;
	void *dk_lookup;
	Py_ssize_t dk_usable;
	Py_ssize_t dk_nentries;
	char dk_indices[];
};

static inline PyDictKeyEntry *pv_entries(PyDictKeysObject *k)
{
	Py_ssize_t s = k->dk_size;
	size_t ix = s <= 0xff ? 1 : s <= 0xffff ? 2 : s <= 0xffffffff ? 4 : 8;

	return (PyDictKeyEntry *)(k->dk_indices + (size_t)s * ix);
}

#define Py_TPFLAGS_MANAGED_DICT 0   /* 3.11's: none in 3.10 */

/* dict_traverse visits the keys only of dicts whose lookup function is
 * the general one (lookdict); hs_pywalk_init() finds it */
extern void *g_lookdict;
#endif

/* the member table after a heap type's PyHeapTypeObject (its __slots__) */
#define PV_HEAPTYPE_MEMBERS(t) \
	((PyMemberDef *)((char *)(t) + Py_TYPE(t)->tp_basicsize))

/* ---- dicts ---- */

static inline Py_ssize_t pv_keys_n(PyDictKeysObject *k)
{
	return k->dk_nentries;
}

/* Key i of a keys object (NULL if none). */
static inline PyObject *pv_keys_key(PyDictKeysObject *k, Py_ssize_t i)
{
#if HS_PY_MINOR == 10
	return pv_entries(k)[i].me_key;
#else
	return DK_IS_UNICODE(k) ? DK_UNICODE_ENTRIES(k)[i].me_key
				: DK_ENTRIES(k)[i].me_key;
#endif
}

/* Entry i of a dict, in dict_traverse's order: its value (NULL when the
 * slot is empty) and its key. */
static inline PyObject *pv_dict_entry(PyDictObject *mp, Py_ssize_t i,
				      PyObject **key)
{
	PyDictKeysObject *k = mp->ma_keys;

#if HS_PY_MINOR == 10
	PyDictKeyEntry *e = pv_entries(k) + i;

	*key = e->me_key;
	return mp->ma_values ? mp->ma_values[i] : e->me_value;
#else
	if (DK_IS_UNICODE(k)) {
		PyDictUnicodeEntry *e = DK_UNICODE_ENTRIES(k) + i;

		*key = e->me_key;
		return mp->ma_values ? mp->ma_values->values[i] : e->me_value;
	}
	*key = DK_ENTRIES(k)[i].me_key;
	return DK_ENTRIES(k)[i].me_value;
#endif
}

/* Does dict_traverse visit the keys (after each value)? */
static inline int pv_dict_visits_keys(PyDictObject *mp)
{
#if HS_PY_MINOR == 10
	return mp->ma_keys->dk_lookup == g_lookdict;
#else
	return !DK_IS_UNICODE(mp->ma_keys);
#endif
}

/* Does dict_traverse visit the values?  (3.13: not the values embedded
 * in an object, which the object visits itself.) */
static inline int pv_dict_visits_values(PyDictObject *mp)
{
#if HS_PY_MINOR >= 13
	return !(mp->ma_values && mp->ma_values->embedded);
#else
	(void)mp;
	return 1;
#endif
}

/* ---- instance attributes: shared keys, values, managed dicts ---- */

/*
 * The attribute values an instance keeps outside any dict object, in the
 * order subtype_traverse visits them, and the type's shared keys naming
 * them.  @return 0 when the instance has none (3.10; no values array;
 * 3.13 values no longer valid).
 */
static inline int pv_inline_values(PyObject *o, PyObject ***vals,
				   PyDictKeysObject **keys, Py_ssize_t *n)
{
	PyTypeObject *t = Py_TYPE(o);

	*keys = ((PyHeapTypeObject *)t)->ht_cached_keys;
#if HS_PY_MINOR == 10
	(void)vals;
	(void)n;
	return 0;
#else
	if (!(t->tp_flags & Py_TPFLAGS_MANAGED_DICT) || !*keys)
		return 0;
#if HS_PY_MINOR == 11
	PyDictValues *v = *_PyObject_ValuesPointer(o);

	if (!v)
		return 0;
	*n = (*keys)->dk_nentries;
#elif HS_PY_MINOR == 12
	PyDictOrValues dorv = *_PyObject_DictOrValuesPointer(o);
	PyDictValues *v;

	if (!_PyDictOrValues_IsValues(dorv))
		return 0;
	v = _PyDictOrValues_GetValues(dorv);
	*n = (*keys)->dk_nentries;
#else
	PyDictValues *v;

	if (!(t->tp_flags & Py_TPFLAGS_INLINE_VALUES))
		return 0;
	v = _PyObject_InlineValues(o);
	if (!v->valid)
		return 0;
	*n = v->capacity;
#endif
	*vals = v->values;
	return 1;
#endif
}

/* The materialised dict of an instance with a managed dict, or NULL. */
static inline PyObject *pv_managed_dict(PyObject *o)
{
#if HS_PY_MINOR == 10
	(void)o;
	return NULL;
#elif HS_PY_MINOR == 11
	return *_PyObject_ManagedDictPointer(o);
#elif HS_PY_MINOR == 12
	PyDictOrValues dorv = *_PyObject_DictOrValuesPointer(o);

	return _PyDictOrValues_IsValues(dorv) ? NULL
		: (PyObject *)_PyDictOrValues_GetDict(dorv);
#else
	return (PyObject *)_PyObject_ManagedDictPointer(o)->dict;
#endif
}

/* Does subtype_traverse visit the managed dict (when it exists), given
 * that it visited inline values or not? */
static inline int pv_managed_dict_visited(int had_values)
{
#if HS_PY_MINOR >= 13
	return !had_values;
#else
	(void)had_values;
	return 1;
#endif
}

/* The dict pointer of an instance whose type has no managed dict. */
static inline PyObject **pv_dict_ptr(PyObject *o)
{
	PyTypeObject *t = Py_TYPE(o);
	Py_ssize_t off = t->tp_dictoffset;

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

/* ---- types ---- */

/* A type's __dict__ (3.12+: static builtin types keep it in the
 * interpreter). Borrowed. */
static inline PyObject *pv_type_dict(PyTypeObject *t)
{
#if HS_PY_MINOR >= 12
	return _PyType_GetDict(t);
#else
	return t->tp_dict;
#endif
}

/* A type's __subclasses__ dict, or NULL.  3.12+: a static builtin type
 * keeps it in the interpreter, its tp_subclasses holds an index there. */
static inline PyObject *pv_type_subclasses(PyTypeObject *t)
{
#if HS_PY_MINOR >= 12
	PyInterpreterState *interp = PyInterpreterState_Get();
	size_t i = (size_t)(uintptr_t)t->tp_subclasses;

	if (t->tp_flags & _Py_TPFLAGS_STATIC_BUILTIN) {
#if HS_PY_MINOR == 12
		return i >= 1 && i <= _Py_MAX_STATIC_BUILTIN_TYPES
		       ? interp->types.builtins[i - 1].tp_subclasses : NULL;
#else
		return i >= 1 && i <= _Py_MAX_MANAGED_STATIC_BUILTIN_TYPES
		       ? interp->types.builtins.initialized[i - 1].tp_subclasses
		       : NULL;
#endif
	}
	/* 3.13's managed static extension types hold an index too */
	return i < 4096 ? NULL : (PyObject *)t->tp_subclasses;
#else
	return t->tp_subclasses;
#endif
}

/* ---- sizes ---- */

/* What sys.getsizeof adds before the object: gc header, managed dict
 * and weakref pointers. */
static inline size_t pv_preheader(PyObject *o)
{
#if HS_PY_MINOR == 10
	return _PyObject_IS_GC(o) ? sizeof(PyGC_Head) : 0;
#elif HS_PY_MINOR >= 13
	/* 3.13's sys.getsizeof adds none to a static type */
	if (Py_IS_TYPE(o, &PyType_Type) &&
	    !(((PyTypeObject *)o)->tp_flags & Py_TPFLAGS_HEAPTYPE))
		return 0;
	return _PyType_PreHeaderSize(Py_TYPE(o));
#else
	return _PyType_PreHeaderSize(Py_TYPE(o));
#endif
}

/* int.__sizeof__ */
static inline Py_ssize_t pv_int_size(PyObject *o)
{
#if HS_PY_MINOR >= 12
	Py_ssize_t d = _PyLong_DigitCount((PyLongObject *)o);

	return (Py_ssize_t)offsetof(PyLongObject, long_value.ob_digit) +
	       (d ? d : 1) * (Py_ssize_t)sizeof(digit);
#else
	Py_ssize_t d = Py_SIZE(o) < 0 ? -Py_SIZE(o) : Py_SIZE(o);

	/* 3.10 counts no digit for 0 */
	if (HS_PY_MINOR == 11 && d == 0)
		d = 1;
	return (Py_ssize_t)offsetof(PyLongObject, ob_digit) +
	       d * (Py_ssize_t)sizeof(digit);
#endif
}

/* str.__sizeof__ */
static inline Py_ssize_t pv_str_size(PyObject *s)
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
#if HS_PY_MINOR <= 11
	/* the wchar_t copy went with 3.12 (PEP 623) */
	if (a->wstr && (!a->state.ready ||
			(void *)a->wstr != PyUnicode_DATA(s)))
		size += ((compact_ascii ? len : c->wstr_length) + 1) *
			(Py_ssize_t)sizeof(wchar_t);
#endif
	if (!compact_ascii && c->utf8 && (void *)c->utf8 != PyUnicode_DATA(s))
		size += c->utf8_length + 1;
	return size;
}

static inline int pv_tracemalloc_tracing(void)
{
#if HS_PY_MINOR >= 12
	return _PyRuntime.tracemalloc.config.tracing;
#else
	return _Py_tracemalloc_config.tracing;
#endif
}

/* ---- code objects: what their (absent) tp_traverse would visit ---- */

#define PV_CODE_MAX 16

/* Fills refs/names with the code object's object fields.  @return how
 * many. */
static inline int pv_code_refs(PyCodeObject *c, PyObject **refs,
			       const char **names)
{
	int n = 0;

#define PV_CO(f, name) (refs[n] = (PyObject *)(f), names[n++] = (name))
	PV_CO(c->co_consts, "co_consts");
	PV_CO(c->co_names, "co_names");
	PV_CO(c->co_filename, "co_filename");
	PV_CO(c->co_name, "co_name");
	PV_CO(c->co_linetable, "co_linetable");
#if HS_PY_MINOR == 10
	PV_CO(c->co_code, "co_code");
	PV_CO(c->co_varnames, "co_varnames");
	PV_CO(c->co_freevars, "co_freevars");
	PV_CO(c->co_cellvars, "co_cellvars");
#else
	PV_CO(c->co_exceptiontable, "co_exceptiontable");
	PV_CO(c->co_localsplusnames, "co_localsplusnames");
	PV_CO(c->co_localspluskinds, "co_localspluskinds");
	PV_CO(c->co_qualname, "co_qualname");
#if HS_PY_MINOR == 11
	PV_CO(c->_co_code, "_co_code");
#else
	if (c->_co_cached) {
		PV_CO(c->_co_cached->_co_code, "_co_code");
		PV_CO(c->_co_cached->_co_varnames, "_co_varnames");
		PV_CO(c->_co_cached->_co_cellvars, "_co_cellvars");
		PV_CO(c->_co_cached->_co_freevars, "_co_freevars");
	}
#endif
#endif
#undef PV_CO
	return n;
}

static inline PyObject *pv_code_qualname(PyCodeObject *c)
{
#if HS_PY_MINOR == 10
	return c->co_name;
#else
	return c->co_qualname;
#endif
}

/* ---- frames ---- */

#if HS_PY_MINOR == 10
typedef PyFrameObject pv_frame;
#else
typedef _PyInterpreterFrame pv_frame;
#endif

static inline pv_frame *pv_thread_frame(PyThreadState *ts)
{
#if HS_PY_MINOR == 10
	return ts->frame;
#elif HS_PY_MINOR <= 12
	return ts->cframe ? ts->cframe->current_frame : NULL;
#else
	return ts->current_frame;
#endif
}

static inline pv_frame *pv_frame_prev(pv_frame *f)
{
#if HS_PY_MINOR == 10
	return f->f_back;
#else
	return f->previous;
#endif
}

/* The frame's code object, NULL for frames that have none (3.12+: the
 * C-stack shim frames). */
static inline PyCodeObject *pv_frame_code(pv_frame *f)
{
#if HS_PY_MINOR <= 12
#if HS_PY_MINOR == 12
	if (f->owner == FRAME_OWNED_BY_CSTACK)
		return NULL;
#endif
	return f->f_code;
#else
	if (f->owner == FRAME_OWNED_BY_CSTACK || !f->f_executable ||
	    !PyCode_Check(f->f_executable))
		return NULL;
	return (PyCodeObject *)f->f_executable;
#endif
}

/*
 * What of a frame on a thread's stack the dump must add itself:
 *  - a thread's own frame: what the frame's traverse would visit (its
 *    frame object, locals dict, function, code: *specials = 1) and its
 *    locals, cells and free variables up to the recorded stack top (a
 *    running frame has none recorded: its locals, cells and free
 *    variables);
 *  - 3.11+: a running generator's frame: its generator's traverse sees
 *    nothing of it while the stack top is unrecorded, so the locals; the
 *    rest (code, function...) the generator visits.
 * 3.10's frames are objects (the gc lists have them, their traverse
 * visits their locals): a thread's frames are "frame" roots themselves.
 * @return 0 when the frame needs nothing.
 */
static inline int pv_frame_span(pv_frame *f, int *specials, int *n)
{
	PyCodeObject *c = pv_frame_code(f);

	if (!c)
		return 0;
#if HS_PY_MINOR == 10
	/* the frame object's traverse visits its locals and stack: a second
	 * path to them would number an object with one reference twice */
	*specials = 1;
	*n = 0;
	return 1;
#else
	if (f->owner == FRAME_OWNED_BY_THREAD) {
		*specials = 1;
		*n = f->stacktop >= 0 ? f->stacktop : c->co_nlocalsplus;
		return 1;
	}
	if (f->owner == FRAME_OWNED_BY_GENERATOR && f->stacktop < 0) {
		*specials = 0;
		*n = c->co_nlocalsplus;
		return 1;
	}
	return 0;
#endif
}

/* Special reference k (0..3) of a thread's frame and its label. */
static inline PyObject *pv_frame_special(pv_frame *f, int k,
					 const char **what)
{
	static const char *const label[] = {
		"<frame object>", "<locals>", "<function>", "<code>"
	};

	*what = label[k];
	switch (k) {
#if HS_PY_MINOR == 10
	case 0: return (PyObject *)f;
	case 1: case 2: case 3: return NULL;
#else
	case 0: return (PyObject *)f->frame_obj;
	case 1: return f->f_locals;
#if HS_PY_MINOR == 11
	case 2: return (PyObject *)f->f_func;
#else
	case 2: return f->f_funcobj;
#endif
#endif
	default: return (PyObject *)pv_frame_code(f);
	}
}

#if HS_PY_MINOR == 10
/* 3.10: how many locals, cells and free variables the frame holds. */
static inline int pv_frame_nlocals(pv_frame *f, int *specials)
{
	PyCodeObject *c = f->f_code;

	*specials = 0;
	return c->co_nlocals + (int)PyTuple_GET_SIZE(c->co_cellvars) +
	       (int)PyTuple_GET_SIZE(c->co_freevars);
}
#endif

static inline PyObject *pv_frame_local(pv_frame *f, int i)
{
#if HS_PY_MINOR == 10
	return f->f_localsplus[i];
#else
	return f->localsplus[i];
#endif
}

/* The name of local i (a str), or NULL past the names (the stack). */
static inline PyObject *pv_frame_name(pv_frame *f, int i)
{
	PyCodeObject *c = pv_frame_code(f);
#if HS_PY_MINOR == 10
	PyObject *names[3] = { c->co_varnames, c->co_cellvars, c->co_freevars };
	Py_ssize_t j = i;

	for (int k = 0; k < 3; k++) {
		if (j < PyTuple_GET_SIZE(names[k]))
			return PyTuple_GET_ITEM(names[k], j);
		j -= PyTuple_GET_SIZE(names[k]);
	}
	return NULL;
#else
	PyObject *names = c->co_localsplusnames;

	return names && i < PyTuple_GET_SIZE(names)
	       ? PyTuple_GET_ITEM(names, i) : NULL;
#endif
}

static inline int pv_frame_line(pv_frame *f)
{
#if HS_PY_MINOR == 10
	return PyFrame_GetLineNumber(f);
#elif HS_PY_MINOR == 11
	return PyCode_Addr2Line(f->f_code, _PyInterpreterFrame_LASTI(f) *
				(int)sizeof(_Py_CODEUNIT));
#else
	return PyUnstable_InterpreterFrame_GetLine(f);
#endif
}

/* ---- generators, coroutines, frame objects ---- */

/* The code a generator, coroutine or async generator runs (gi_code),
 * as its traverse visits it (3.12+: through its frame), or NULL. */
static inline PyObject *pv_gen_code(PyGenObject *g)
{
#if HS_PY_MINOR <= 11
	return (PyObject *)g->gi_code;
#else
	return g->gi_frame_state < FRAME_CLEARED
	       ? (PyObject *)pv_frame_code((pv_frame *)g->gi_iframe) : NULL;
#endif
}

/* The interpreter frame a generator's traverse walks (3.11+: the one
 * inside the generator, while not cleared), or NULL (3.10: its frame is
 * an object, gi_frame, labelled by its own walk). */
static inline pv_frame *pv_gen_iframe(PyGenObject *g)
{
#if HS_PY_MINOR == 10
	(void)g;
	return NULL;
#else
	return g->gi_frame_state < FRAME_CLEARED
	       ? (pv_frame *)g->gi_iframe : NULL;
#endif
}

/* 3.10's generator frame object, NULL elsewhere. */
static inline PyObject *pv_gen_frame_object(PyGenObject *g)
{
#if HS_PY_MINOR == 10
	return (PyObject *)g->gi_frame;
#else
	(void)g;
	return NULL;
#endif
}

/* The frame data a frame object owns (a finished frame a traceback
 * keeps, 3.11+), or NULL. */
static inline pv_frame *pv_frameobject_iframe(PyFrameObject *fo)
{
#if HS_PY_MINOR == 10
	(void)fo;
	return NULL;
#else
	return fo->f_frame->owner == FRAME_OWNED_BY_FRAME_OBJECT
	       ? fo->f_frame : NULL;
#endif
}

/* How many of a frame's locals and stack slots are valid: its recorded
 * stack top, or -1 while it runs (3.11+). */
static inline int pv_frame_stacktop(pv_frame *f)
{
#if HS_PY_MINOR == 10
	return f->f_stackdepth < 0 ? -1 :
	       (int)(f->f_valuestack - f->f_localsplus) + f->f_stackdepth;
#else
	return f->stacktop;
#endif
}

/* The value stack slots of a frame whose stack top is not recorded
 * (it runs: 3.10 every frame on a thread's stack, 3.11+ the innermost
 * and those that called C), which no traversal visits: as many as the
 * code's stack size, live or stale.  @return how many (0 when the top
 * is recorded: the traversals see the stack). */
static inline int pv_frame_stack(pv_frame *f, PyObject ***slots)
{
	PyCodeObject *c = pv_frame_code(f);

	if (!c || pv_frame_stacktop(f) >= 0)
		return 0;
#if HS_PY_MINOR == 10
	*slots = f->f_valuestack;
#else
	*slots = f->localsplus + c->co_nlocalsplus;
#endif
	return c->co_stacksize;
}

/* ---- functools.lru_cache ---- */

/* The head of _functools' lru_cache_object and its list links, the same
 * in 3.10 to 3.13 (Modules/_functoolsmodule.c; not in any header): the
 * wrapper is the root of a circular list of links, each holding a key
 * and its result, most recently used last; the cache dict maps keys to
 * links (to results, unbounded caches, which keep no list). */
typedef struct pv_lru_link {
	PyObject_HEAD
	struct pv_lru_link *prev, *next;
	Py_hash_t hash;
	PyObject *key, *result;
} pv_lru_link;

typedef struct {
	pv_lru_link root;
	void *wrapper;
	int typed;
	PyObject *cache;
} pv_lru_head;

static inline pv_lru_head *pv_lru(PyObject *o)
{
	PyTypeObject *t = Py_TYPE(o);

	return t->tp_basicsize >= (Py_ssize_t)sizeof(pv_lru_head) &&
	       strcmp(t->tp_name, "functools._lru_cache_wrapper") == 0
	       ? (pv_lru_head *)o : NULL;
}

/* ---- attribute values sys.getsizeof leaves out ---- */

/*
 * Bytes of an instance's attribute values that sys.getsizeof does not
 * count.  3.11 and 3.12 allocate the values array apart from the object
 * (new_values(): a prefix, the entries' insertion order rounded up to a
 * word whose last byte says its size P, then cap pointers, P - 9 <= cap
 * <= P - 2); 3.13 keeps them inside the object, after its fields, with
 * their capacity recorded.  3.10 has none (the instance's dict is an
 * object of its own).
 */
static inline uint64_t pv_values_size(PyObject *o)
{
	PyTypeObject *t = Py_TYPE(o);

#if HS_PY_MINOR == 10
	(void)t;
	return 0;
#elif HS_PY_MINOR <= 12
	PyDictKeysObject *k = ((PyHeapTypeObject *)t)->ht_cached_keys;
	PyDictValues *vals;
	Py_ssize_t cap, p;

	if (!(t->tp_flags & Py_TPFLAGS_MANAGED_DICT) || !k)
		return 0;
#if HS_PY_MINOR == 11
	vals = *_PyObject_ValuesPointer(o);
#else
	{
		PyDictOrValues dorv = *_PyObject_DictOrValuesPointer(o);

		vals = _PyDictOrValues_IsValues(dorv)
		       ? _PyDictOrValues_GetValues(dorv) : NULL;
	}
#endif
	if (!vals)
		return 0;
	/* the keys' entries plus room now can only have shrunk since the
	 * array was made: brought into the range its prefix gives, exact
	 * once a class's keys have settled, short by at most 7 pointers
	 * for its first few dozen instances */
	p = ((uint8_t *)vals)[-1];
	cap = k->dk_nentries + k->dk_usable;
	if (cap < p - 9)
		cap = p - 9;
	if (cap > p - 2)
		cap = p - 2;
	if (cap < 1)
		cap = 1;
	return (uint64_t)p + (uint64_t)cap * sizeof(PyObject *);
#else
	size_t cap;

	if (!(t->tp_flags & Py_TPFLAGS_INLINE_VALUES))
		return 0;
	/* _PyInlineValuesSize() at allocation: the order bytes rounded up
	 * to a word, the header word and cap pointers */
	cap = _PyObject_InlineValues(o)->capacity;
	return _Py_SIZE_ROUND_UP(cap, sizeof(PyObject *)) +
	       (cap + 1) * sizeof(PyObject *);
#endif
}

/* The runtime's thread-list lock, taken without releasing the GIL (as
 * sys._current_frames does): a thread starting or ending does not need
 * the GIL to change the list. */
static inline void pv_threads_lock(void)
{
#if HS_PY_MINOR <= 12
	PyThread_acquire_lock(_PyRuntime.interpreters.mutex, WAIT_LOCK);
#else
	/* PyMutex_Lock could detach the thread state (release the GIL)
	 * while it waits: spin instead, the holder does not need the GIL */
	for (;;) {
		uint8_t unlocked = 0;

		if (_Py_atomic_compare_exchange_uint8(
			    &_PyRuntime.interpreters.mutex._bits, &unlocked, 1))
			break;
		sched_yield();
	}
#endif
}

static inline void pv_threads_unlock(void)
{
#if HS_PY_MINOR <= 12
	PyThread_release_lock(_PyRuntime.interpreters.mutex);
#else
	PyMutex_Unlock(&_PyRuntime.interpreters.mutex);
#endif
}

#endif
