/*
 * reflabels.c - pass 2: names the references tp_traverse gave (in
 * W->rp), by position where the type's traverse order is known (dicts,
 * instances of Python classes, lists, tuples), by identity with known
 * fields otherwise (functions, types, modules, cells, methods, member
 * tables).  Allocates nothing; a reference it cannot place stays
 * unlabelled.  In both passes, seq_forward() puts a list's or tuple's
 * items in index order, unlabelled: the reader names them [j].
 */
#include "walk.h"

/* Labels what _PyFrame_Traverse visits of a frame that is not a thread's
 * (a generator's, a coroutine's, a finished one a traceback keeps): its
 * frame object, locals dict, function and code, then each local by its
 * name and the value stack up to its recorded top as <stack>.  (3.10's
 * frames are objects, labelled as such.) */
static void label_iframe(walk *W, size_t pos, pv_frame *f,
			 const char *frame_obj, const char *code)
{
	static const char *const names[4] = {
		NULL, "f_locals", "<function>", NULL
	};
	int top = pv_frame_stacktop(f);

	for (int k = 0; k < 4; k++) {
		const char *what;
		PyObject *v = pv_frame_special(f, k, &what);

		label_ptr(W, pos, v, k == 0 ? frame_obj : k == 3 ? code
				     : names[k]);
	}
	for (int i = 0; i < top; i++) {
		PyObject *v = pv_frame_local(f, i), *name;

		if (!v)
			continue;
		for (size_t j = pos; j < W->nr; j++) {
			if (W->rp[j] != v || W->rl[j] != HS_NO_LABEL)
				continue;
			name = pv_frame_name(f, i);
			W->rl[j] = name ? name_label(W, name) : L(W, "<stack>");
			pos = j + 1;
			break;
		}
	}
}

/* Labels an lru_cache wrapper's references: each cached result, which
 * its traverse visits in the list's order, by its key's short repr (as
 * the cache dict would label it: 'alpha', 7, (2, 3)), and the cache. */
static void label_lru(walk *W, size_t pos, pv_lru_head *c)
{
	pv_lru_link *root = &c->root, *l = root->next;

	if (!c->cache || !PyDict_Check(c->cache))
		return;
	label_ptr(W, pos, c->cache, "<cache>");
	/* bounded by the references: a list longer is not one */
	for (size_t k = 0; l && l != root && k < W->nr; k++, l = l->next) {
		for (size_t j = pos; j < W->nr; j++) {
			if (W->rp[j] != l->result || W->rl[j] != HS_NO_LABEL)
				continue;
			W->rl[j] = key_label(W, c->cache, l->key);
			pos = j + 1;
			break;
		}
	}
}

/* Labels the dict part of a dict's references (what dict_traverse
 * visits), starting at pos; @return the position after it, or SIZE_MAX
 * when the references do not follow the expected order. */
static size_t label_dict(walk *W, PyObject *o, size_t pos)
{
	PyDictObject *mp = (PyDictObject *)o;
	Py_ssize_t n = pv_keys_n(mp->ma_keys);
	int keys = pv_dict_visits_keys(mp);

	if (!pv_dict_visits_values(mp))
		return pos;
	for (Py_ssize_t i = 0; i < n; i++) {
		PyObject *k, *v = pv_dict_entry(mp, i, &k);

		if (!v)
			continue;
		if (pos + (size_t)keys >= W->nr || W->rp[pos] != v ||
		    (keys && W->rp[pos + 1] != k))
			return SIZE_MAX;
		W->rl[pos++] = key_label(W, o, k);
		if (keys)
			W->rl[pos++] = L(W, "<key>");
	}
	return pos;
}

/* Counts what dict_traverse visits for o. */
static size_t dict_visits(PyObject *o)
{
	PyDictObject *mp = (PyDictObject *)o;
	Py_ssize_t n = pv_keys_n(mp->ma_keys);
	size_t c = 0, per = pv_dict_visits_keys(mp) ? 2 : 1;

	if (!pv_dict_visits_values(mp))
		return 0;
	for (Py_ssize_t i = 0; i < n; i++) {
		PyObject *k;

		c += pv_dict_entry(mp, i, &k) ? per : 0;
	}
	return c;
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
			PyMemberDef *m = PV_HEAPTYPE_MEMBERS(base);

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
		PyObject **vals, *d;
		PyDictKeysObject *k;
		Py_ssize_t n;
		int inl = pv_inline_values(o, &vals, &k, &n);

		for (Py_ssize_t i = 0; inl && i < n; i++) {
			if (!vals[i])
				continue;
			if (pos >= W->nr || W->rp[pos] != vals[i])
				return SIZE_MAX;
			W->rl[pos++] = i < pv_keys_n(k)
				       ? attr_label(W, pv_keys_key(k, i))
				       : HS_NO_LABEL;
		}
		d = pv_managed_dict(o);
		if (d && pv_managed_dict_visited(inl)) {
			if (pos >= W->nr || W->rp[pos] != d)
				return SIZE_MAX;
			W->rl[pos++] = L(W, "__dict__");
		}
	} else if (t->tp_dictoffset != base->tp_dictoffset) {
		PyObject **dp = pv_dict_ptr(o);

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

#if HS_PY_MINOR == 10
/* As label_ptr, with a label made from a str object (a variable name). */
static void label_name(walk *W, size_t pos, PyObject *r, PyObject *name)
{
	if (!r || !name)
		return;
	for (size_t i = pos; i < W->nr; i++) {
		if (W->rp[i] == r && W->rl[i] == HS_NO_LABEL) {
			W->rl[i] = name_label(W, name);
			return;
		}
	}
}
#endif


/* A list or tuple whose references are its items (list_traverse or
 * tupletraverse, directly or after subtype_traverse's slots and
 * attributes): its type record says HS_TYPE_SEQUENCE, its items are
 * written in index order and unlabelled, and a reader names item j
 * "[j]" (FORMAT.md 4.3) -- every item of a list of any length, with no
 * string per index.  structseq types (os.stat_result) visit more than
 * their items and are not sequences here. */
int is_sequence_type(PyTypeObject *t)
{
	PyTypeObject *b = t;

	if (!(t->tp_flags & (Py_TPFLAGS_LIST_SUBCLASS |
			     Py_TPFLAGS_TUPLE_SUBCLASS)))
		return 0;
	while (b && b->tp_traverse == g_subtype_traverse &&
	       (b->tp_flags & Py_TPFLAGS_HEAPTYPE))
		b = b->tp_base;
	return b && (b->tp_traverse == PyList_Type.tp_traverse ||
		     b->tp_traverse == PyTuple_Type.tp_traverse);
}

/* Both passes: a sequence's items, which list_traverse and
 * tupletraverse visit last to first and last of all the object's
 * references, are put in index order (the order numbers untracked
 * objects in, so both passes must do it).  When they are not what
 * tp_traverse gave (an item NULL while a tuple is built: it is not
 * visited), the object's references stay as given and each gets a
 * label "<?>" in pass 2, so that none reads as an item it is not. */
void seq_forward(walk *W, PyObject *o)
{
	PyObject **items = PyList_Check(o) ? ((PyListObject *)o)->ob_item
					   : ((PyTupleObject *)o)->ob_item;
	Py_ssize_t n = PyList_Check(o) ? PyList_GET_SIZE(o)
				       : PyTuple_GET_SIZE(o);
	size_t pos = W->nr - (size_t)n;
	Py_ssize_t i, j;

	W->seq_bad = 0;
	if (n == 0)
		return;
	if ((size_t)n > W->nr) {
		W->seq_bad = 1;
		return;
	}
	/* last to first (3.11), or already first to last */
	for (i = 0; i < n; i++)
		if (!items[i] || W->rp[pos + (size_t)(n - 1 - i)] != items[i])
			break;
	for (j = 0; i < n && j < n; j++)
		if (W->rp[pos + (size_t)j] != items[j])
			break;
	if (i < n && j < n) {
		W->seq_bad = 1;
		return;
	}
	for (i = 0; i < n; i++)
		W->rp[pos + (size_t)i] = items[i];
	/* flags are 0 for every item: tp_traverse gives no weak ones */
}

/* Pass 2: names the references tp_traverse gave, by position where the
 * order is known, by identity with known fields otherwise. */
void label_gc(walk *W, PyObject *o)
{
	PyTypeObject *t = Py_TYPE(o), *base = t;
	size_t pos = 0;

	if (t->tp_traverse == g_subtype_traverse)
		pos = label_instance(W, o, &base);
	if (is_sequence_type(t)) {
		/* the items, last, stay unlabelled: a reader names them [j];
		 * any other reference must not read as one */
		size_t n = W->seq_bad ? 0 : (size_t)Py_SIZE(o);

		for (size_t i = 0; i < W->nr - n; i++)
			if (W->rl[i] == HS_NO_LABEL)
				W->rl[i] = L(W, "<?>");
		return;
	}
	if (pos == SIZE_MAX)
		return;
	if (PyDict_Check(o)) {
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

		label_ptr(W, pos, pv_type_dict(ty), "__dict__");
		label_ptr(W, pos, ty->tp_mro, "__mro__");
		label_ptr(W, pos, ty->tp_bases, "__bases__");
		label_ptr(W, pos, (PyObject *)ty->tp_base, "__base__");
		label_ptr(W, pos, ty->tp_cache, "__cache__");
		label_ptr(W, pos, ((PyHeapTypeObject *)ty)->ht_module,
			  "__module_object__");
	} else if (PyGen_Check(o) || PyCoro_CheckExact(o) ||
		   PyAsyncGen_CheckExact(o)) {
		/* one layout (_PyGenObject_HEAD) for the three */
		PyGenObject *g = (PyGenObject *)o;
		int coro = PyCoro_CheckExact(o), ag = PyAsyncGen_CheckExact(o);
		const char *code = coro ? "cr_code" : ag ? "ag_code" : "gi_code";
		const char *frame = coro ? "cr_frame" : ag ? "ag_frame"
				    : "gi_frame";
		pv_frame *f = pv_gen_iframe(g);

		label_ptr(W, pos, pv_gen_code(g), code);
		label_ptr(W, pos, pv_gen_frame_object(g), frame);
		label_ptr(W, pos, g->gi_name, "__name__");
		label_ptr(W, pos, g->gi_qualname, "__qualname__");
		if (f)
			label_iframe(W, pos, f, frame, "f_code");
		label_ptr(W, pos, g->gi_exc_state.exc_value, "<exception>");
#if HS_PY_MINOR >= 11
	} else if (PyFrame_Check(o)) {
		PyFrameObject *fo = (PyFrameObject *)o;
		pv_frame *f = pv_frameobject_iframe(fo);

		label_ptr(W, pos, (PyObject *)fo->f_back, "f_back");
		label_ptr(W, pos, fo->f_trace, "f_trace");
		if (f)
			label_iframe(W, pos, f, "<frame object>", "f_code");
#endif
	} else if (PyTraceBack_Check(o)) {
		PyTracebackObject *tb = (PyTracebackObject *)o;

		label_ptr(W, pos, (PyObject *)tb->tb_next, "tb_next");
		label_ptr(W, pos, (PyObject *)tb->tb_frame, "tb_frame");
	} else if (PyExceptionInstance_Check(o)) {
		PyBaseExceptionObject *e = (PyBaseExceptionObject *)o;

		label_ptr(W, pos, e->dict, "__dict__");
		label_ptr(W, pos, e->args, "args");
#if HS_PY_MINOR >= 11
		label_ptr(W, pos, e->notes, "__notes__");
#endif
		label_ptr(W, pos, e->traceback, "__traceback__");
		label_ptr(W, pos, e->cause, "__cause__");
		label_ptr(W, pos, e->context, "__context__");
#if HS_PY_MINOR == 10
	} else if (PyFrame_Check(o)) {
		/* 3.10's frames are objects: their locals by name */
		PyFrameObject *f = (PyFrameObject *)o;
		int specials, n = 0;

		label_ptr(W, pos, (PyObject *)f->f_back, "f_back");
		label_ptr(W, pos, (PyObject *)f->f_code, "f_code");
		label_ptr(W, pos, f->f_globals, "f_globals");
		label_ptr(W, pos, f->f_builtins, "f_builtins");
		label_ptr(W, pos, f->f_locals, "f_locals");
		if (pv_frame_code(f))
			n = pv_frame_nlocals(f, &specials);
		for (int i = 0; i < n; i++)
			label_name(W, pos, f->f_localsplus[i],
				   pv_frame_name(f, i));
#endif
	} else if (PyCell_Check(o)) {
		label_ptr(W, pos, PyCell_GET(o), "cell_contents");
	} else if (pv_lru(o)) {
		label_lru(W, pos, pv_lru(o));
	} else if (PyMethod_Check(o)) {
		label_ptr(W, pos, PyMethod_GET_FUNCTION(o), "__func__");
		label_ptr(W, pos, PyMethod_GET_SELF(o), "__self__");
	} else if (PyWeakref_Check(o)) {
		label_ptr(W, pos, ((PyWeakReference *)o)->wr_callback,
			  "__callback__");
	}
	label_members(W, o, pos);
}
