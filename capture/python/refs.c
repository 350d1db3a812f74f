/*
 * refs.c - one object's references, into W->rp/rl/rf: what tp_traverse
 * visits, plus the gaps it leaves (dict keys of str-keyed dicts, heap
 * type names and cached keys, weak referents; non-gc objects, which have
 * no tp_traverse: code objects, static types, object members), as
 * pywalk.c's comment lists them.  Pass 2 labels them (reflabels.c).
 * Memory: 21 bytes per reference of the largest single object.
 */
#include "walk.h"

#include <stdlib.h>

int push_ref(walk *W, PyObject *r, uint32_t label, uint8_t flags)
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
void label_ptr(walk *W, size_t pos, PyObject *r, const char *label)
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
void label_members(walk *W, PyObject *o, size_t pos)
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


/* What tp_traverse leaves out of gc objects (see the file comment). */
static void gapfill_gc(walk *W, PyObject *o)
{
	if (PyDict_Check(o)) {
		PyDictObject *mp = (PyDictObject *)o;

		/* a split dict's keys are the type's (below) */
		if (!pv_dict_visits_keys(mp) && !mp->ma_values) {
			Py_ssize_t n = pv_keys_n(mp->ma_keys);

			for (Py_ssize_t i = 0; i < n; i++) {
				PyObject *k, *v = pv_dict_entry(mp, i, &k);

				if (k && v)
					push_ref(W, k, L(W, "<key>"), 0);
			}
		}
	}
	if (PyType_Check(o) &&
	    (((PyTypeObject *)o)->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
		PyHeapTypeObject *et = (PyHeapTypeObject *)o;
		PyDictKeysObject *k = et->ht_cached_keys;

		add_missing(W, et->ht_name, "__name__");
		add_missing(W, et->ht_qualname, "__qualname__");
		add_missing(W, et->ht_slots, "__slots__");
		add_missing(W, pv_type_subclasses(&et->ht_type),
			    "__subclasses__");
		for (Py_ssize_t i = 0; k && i < pv_keys_n(k); i++) {
			PyObject *key = pv_keys_key(k, i);

			if (key)
				push_ref(W, key, L(W, "<attribute name>"), 0);
		}
	}
	if (Py_TYPE(o)->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
		PyObject **vals, *d = pv_managed_dict(o);
		PyDictKeysObject *k;
		Py_ssize_t n;

		/* 3.13: an instance whose values are inline visits them,
		 * not the dict made for its __dict__ */
		if (d && pv_inline_values(o, &vals, &k, &n) &&
		    !pv_managed_dict_visited(1))
			add_missing(W, d, "__dict__");
	}
	if (PyWeakref_Check(o)) {
		PyObject *r = ((PyWeakReference *)o)->wr_object;

		if (r && r != Py_None && Py_REFCNT(r) > 0)
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

		PyObject *d = pv_type_dict(ty);

		add_missing(W, d, "__dict__");
		add_missing(W, ty->tp_bases, "__bases__");
		add_missing(W, ty->tp_mro, "__mro__");
		add_missing(W, pv_type_subclasses(ty), "__subclasses__");
		add_missing(W, ty->tp_cache, "__cache__");
		if (W->pass == 1 && W->o->redact && d)
			am_put(W, &W->ns, (uint64_t)(uintptr_t)d, 0, NULL);
		return;
	}
	if (PyCode_Check(o)) {
		PyObject *refs[PV_CODE_MAX];
		const char *names[PV_CODE_MAX];
		int n = pv_code_refs((PyCodeObject *)o, refs, names);

		for (int i = 0; i < n; i++)
			add_missing(W, refs[i], names[i]);
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
int collect(walk *W, PyObject *o)
{
	W->nr = 0;
	if (_PyObject_IS_GC(o)) {
		if (Py_TYPE(o)->tp_traverse)
			Py_TYPE(o)->tp_traverse(o, visit_collect, W);
		if (W->err)
			return W->err;
		if (is_sequence_type(Py_TYPE(o)))
			seq_forward(W, o);
		if (W->pass == 1) {
			/* the namespaces, for redaction only (key_label()) */
			if (!W->o->redact)
				;
			else if (PyModule_Check(o))
				am_put(W, &W->ns, (uint64_t)(uintptr_t)
				       PyModule_GetDict(o), 0, NULL);
			else if (PyType_Check(o) &&
				 pv_type_dict((PyTypeObject *)o))
				am_put(W, &W->ns, (uint64_t)(uintptr_t)
				       pv_type_dict((PyTypeObject *)o), 0, NULL);
#if HS_PY_MINOR == 10
			/* 3.10 keeps attributes in an instance dict: its keys
			 * are attribute names, which redaction keeps.  A split
			 * one (the class's shared keys) key_label() knows as
			 * such: only the others take a map entry (one each
			 * would cost 16-32 bytes an instance) */
			else if (Py_TYPE(o)->tp_traverse == g_subtype_traverse &&
				 pv_dict_ptr(o) && *pv_dict_ptr(o) &&
				 !((PyDictObject *)*pv_dict_ptr(o))->ma_values)
				am_put(W, &W->ns, (uint64_t)(uintptr_t)
				       *pv_dict_ptr(o), 0, NULL);
#endif
		} else {
			label_gc(W, o);
		}
		gapfill_gc(W, o);
	} else {
		collect_nongc(W, o);
	}
	return W->err;
}
