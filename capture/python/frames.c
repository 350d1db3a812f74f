/*
 * frames.c - the threads' frames: a running frame is not an object, so
 * what it holds (locals, cells, its function and code, its frame object)
 * is discovered from here and written as "frame" roots labelled with the
 * thread, function, file:line and variable name.  Memory: 4 bytes per
 * frame reference (W->froots), to write the roots in pass 2's order.
 */
#include "walk.h"

#include <stdlib.h>

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

static int each_frame_locked(walk *W, frame_fn fn);

/* Calls fn for each frame of each thread that frame_span selects, with
 * the runtime's thread-list lock held (as sys._current_frames does): a
 * thread starting or ending does not need the GIL to change the list. */
int each_frame(walk *W, frame_fn fn)
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

int frame_discover(walk *W, PyThreadState *ts, int tno,
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

/* d[name] for a str key given as ASCII, borrowed, without making a str
 * object (a lookup by a C string would) or running code. */
static PyObject *dict_get_ascii(PyObject *d, const char *name)
{
	Py_ssize_t i = 0;
	PyObject *k, *v;

	if (!d || !PyDict_Check(d))
		return NULL;
	while (PyDict_Next(d, &i, &k, &v))
		if (PyUnicode_Check(k) &&
		    PyUnicode_CompareWithASCIIString(k, name) == 0)
			return v;
	return NULL;
}

/* An instance attribute, borrowed, read from the values array (3.11's
 * managed dict) or the instance dict without materialising either. */
static PyObject *inst_attr(PyObject *o, const char *name)
{
	PyTypeObject *t = Py_TYPE(o);
	PyObject **dp;

	if (t->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
		PyDictValues *vals = *_PyObject_ValuesPointer(o);
		PyDictKeysObject *k = ((PyHeapTypeObject *)t)->ht_cached_keys;

		if (vals && k && DK_IS_UNICODE(k)) {
			PyDictUnicodeEntry *e = DK_UNICODE_ENTRIES(k);

			for (Py_ssize_t i = 0; i < k->dk_nentries; i++)
				if (e[i].me_key && PyUnicode_CompareWithASCIIString(
						e[i].me_key, name) == 0)
					return vals->values[i];
			return NULL;
		}
	}
	dp = dict_ptr(o);
	return dp ? dict_get_ascii(*dp, name) : NULL;
}

/* "thread 'NAME' (native N, ident N)": the name a threading.Thread gave
 * it (threading._active[ident].name, read in place), and the kernel's
 * id that top, ps and py-spy show. */
static size_t thread_head(walk *W, PyThreadState *ts, char *buf, size_t cap)
{
	PyObject *mod = dict_get_ascii(PyImport_GetModuleDict(), "threading");
	PyObject *active = NULL, *th = NULL, *name = NULL, *k, *v;
	Py_ssize_t i = 0;
	size_t n;
	int cut;

	if (mod && PyModule_Check(mod))
		active = dict_get_ascii(PyModule_GetDict(mod), "_active");
	while (active && PyDict_Check(active) &&
	       PyDict_Next(active, &i, &k, &v)) {
		unsigned long id;

		if (!PyLong_Check(k))
			continue;
		id = PyLong_AsUnsignedLong(k);
		if (id == (unsigned long)-1 && PyErr_Occurred()) {
			PyErr_Clear();
			continue;
		}
		if (id == ts->thread_id) {
			th = v;
			break;
		}
	}
	if (th)
		name = inst_attr(th, "_name");
	n = (size_t)snprintf(buf, cap, "thread ");
	if (name && PyUnicode_Check(name)) {
		buf[n++] = '\'';
		n += utf8_put(buf + n, 60, name, 0, &cut);
		buf[n++] = '\'';
		buf[n++] = ' ';
	}
	(void)W;
	n += (size_t)snprintf(buf + n, cap - n, "(native %lu, ident %lu) ",
			      (unsigned long)ts->native_thread_id,
			      (unsigned long)ts->thread_id);
	return n < cap ? n : cap - 1;
}

int frame_roots(walk *W, PyThreadState *ts, int tno,
		       _PyInterpreterFrame *f)
{
	PyObject *names = f->f_code->co_localsplusnames;
	char head[256], label[512];
	size_t hn = 0;
	int cut, line, n = 0, specials = 0;

	line = PyCode_Addr2Line(f->f_code, _PyInterpreterFrame_LASTI(f) *
				(int)sizeof(_Py_CODEUNIT));
	(void)tno;
	hn += thread_head(W, ts, head, 130);
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
