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
