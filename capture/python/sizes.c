/*
 * sizes.c - type records (names, the writer's type index, memoised per
 * type in W->tmap) and each object's shallow size: what sys.getsizeof
 * would say, computed in C for the builtin containers and str/int, the
 * type's own C __sizeof__ called for other C types (the one allocation of
 * the walk besides tracemalloc's: an int, freed at once), the
 * basicsize/itemsize formula otherwise; plus the value previews.
 */
#include "walk.h"

#include <stdlib.h>

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
		PyObject *d = pv_type_dict(bt), *v;
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

typeinfo *type_info(walk *W, PyTypeObject *t)
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
	n = py_type_name(t, name, sizeof(name));
	/* the type is an object of the dump too: its id (its address)
	 * tells apart classes that share a name */
	{
		uint64_t id = (uint64_t)(uintptr_t)t;

		rc = hs_writer_type_flags(&ti->widx, W->w, name, n, &id,
					  is_sequence_type(t)
					  ? HS_TYPE_SEQUENCE : 0);
	}
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

/* What o costs (sys.getsizeof, plus what it leaves out: pv_values_size());
 * *rt gets what sys.getsizeof says. */
uint64_t obj_size(walk *W, PyObject *o, const typeinfo *ti, uint64_t *rt)
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
		n = pv_str_size(o);
		break;
	case SZ_INT:
		n = pv_int_size(o);
		break;
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
	*rt = (uint64_t)n + pv_preheader(o);
	return *rt + pv_values_size(o);
}

hs_value preview(walk *W, PyObject *o, char *buf)
{
	return py_preview(o, buf, PREVIEW_MAX, W->o->redact);
}

/* Finds the C __sizeof__ methods of the builtin types sizes are computed
 * for here.  @return 0, or -1 with a Python exception set. */
int sizes_init(void)
{
	PyObject *k, *v;
	Py_ssize_t i = 0;

	while (PyDict_Next(pv_type_dict(&PyBaseObject_Type), &i, &k, &v))
		if (PyUnicode_Check(k) &&
		    PyUnicode_CompareWithASCIIString(k, "__sizeof__") == 0)
			g_sizeof_name = k;
	if (!g_sizeof_name) {
		PyErr_SetString(PyExc_RuntimeError,
				"heapsnap: object has no __sizeof__");
		return -1;
	}
	for (size_t j = 0; j < N_SIZEOF; j++) {
		PyObject *d = PyDict_GetItemWithError(pv_type_dict(g_sizeof[j].type),
						      g_sizeof_name);

		if (d && Py_IS_TYPE(d, &PyMethodDescr_Type))
			g_sizeof[j].meth =
				((PyMethodDescrObject *)d)->d_method->ml_meth;
		PyErr_Clear();
	}
	return 0;
}
