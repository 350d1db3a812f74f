/*
 * roots.c - the root records: sys.modules, builtins, sys.__dict__, the
 * threads' frames, what running frames' value stacks hold ("stack", from
 * stack.c), and every object whose reference count exceeds the
 * referrers the dump counted ("refcount" roots with the surplus: held
 * from C) or that the interpreter made immortal ("static").  Reads the gc
 * headers and the map; allocates nothing.
 */
#include "walk.h"

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

/* A container held from C that can be recognised, named for the path
 * searches: the parser's arena of a running script (the script run by
 * "python3 script.py", "-c" or exec() of a string: the parser keeps
 * each token's bytes and the names and constants made from them in a
 * list that only the arena holds, until the code has run).  Recognised
 * by its shape: a list, one reference, no referrer in the dump, whose
 * first item is a bytes and whose items (the first 64) are bytes, str
 * and other constants only. */
static const char *c_held_name(PyObject *o, uint32_t inc)
{
	Py_ssize_t n;

	if (!PyList_CheckExact(o) || inc || Py_REFCNT(o) != 1 ||
	    (n = PyList_GET_SIZE(o)) < 2 ||
	    !PyBytes_CheckExact(PyList_GET_ITEM(o, 0)))
		return NULL;
	for (Py_ssize_t i = 0; i < n && i < 64; i++) {
		PyObject *v = PyList_GET_ITEM(o, i);

		if (!PyBytes_CheckExact(v) && !PyUnicode_CheckExact(v) &&
		    !PyLong_CheckExact(v) && !PyFloat_CheckExact(v) &&
		    !PyComplex_CheckExact(v) && !PyTuple_CheckExact(v) &&
		    !PyFrozenSet_CheckExact(v) && !PyBool_Check(v) &&
		    v != Py_None && v != Py_Ellipsis)
			return NULL;
	}
	return "<the parser's arena>";
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
		r = hs_writer_root(W->w, idx, "refcount", c_held_name(o, inc),
				   (uint64_t)rc - inc);
	if (r < 0)
		return fail(W, r);
	W->st->roots++;
	W->st->refcount_roots += rc < STATIC_REFCNT;
	return 0;
}

int write_roots(walk *W)
{
	PyInterpreterState *interp = PyInterpreterState_Get();

	HS_FORWARD_IF_ERROR(root(W, PyImport_GetModuleDict(), "sys.modules",
				 "sys.modules"));
	HS_FORWARD_IF_ERROR(root(W, interp->builtins, "builtins",
				 "builtins"));
	HS_FORWARD_IF_ERROR(root(W, interp->sysdict, "sys", "sys.__dict__"));
	HS_FORWARD_IF_ERROR(each_frame(W, frame_roots));
	HS_FORWARD_IF_ERROR(each_frame(W, stack_roots));
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
