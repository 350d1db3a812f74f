/*
 * frames.c - the threads' frames: a running frame is not an object, so
 * what it holds (locals, cells, its function and code, its frame object)
 * is discovered from here and written as "frame" roots labelled with the
 * thread, function, file:line and variable name.  Memory: 4 bytes per
 * frame reference (W->froots), to write the roots in pass 2's order.
 */
#include "walk.h"

#include <stdlib.h>

/* A frame's references (pv_frame_span says which) into W->rp; labels
 * are variable names. */
static int frame_collect(walk *W, pv_frame *f)
{
	int specials = 0, n = 0;

	W->nr = 0;
	if (!pv_frame_span(f, &specials, &n))
		return 0;
	for (int k = 0; specials && k < 4; k++) {
		const char *what;
		PyObject *v = pv_frame_special(f, k, &what);

		if (v)
			push_ref(W, v, L(W, what), 0);
	}
	for (int i = 0; i < n; i++) {
		PyObject *v = pv_frame_local(f, i), *name;
		uint32_t lab = HS_NO_LABEL;

		if (!v)
			continue;
		if (W->pass == 2) {
			name = pv_frame_name(f, i);
			lab = name ? name_label(W, name) : L(W, "<stack>");
		}
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

	pv_threads_lock();
	rc = each_frame_locked(W, fn);
	pv_threads_unlock();
	return rc;
}

static int each_frame_locked(walk *W, frame_fn fn)
{
	PyInterpreterState *interp = PyInterpreterState_Get();
	int tno = 0;

	for (PyThreadState *ts = PyInterpreterState_ThreadHead(interp); ts;
	     ts = PyThreadState_Next(ts), tno++) {
		for (pv_frame *f = pv_thread_frame(ts); f; f = pv_frame_prev(f)) {
			int specials, n;

			if (pv_frame_span(f, &specials, &n))
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

int frame_discover(walk *W, PyThreadState *ts, int tno, pv_frame *f)
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

/* An instance attribute, borrowed, read from the values the instance
 * keeps outside a dict object (pv_inline_values: 3.11 to 3.13), its
 * managed dict or its instance dict, without materialising either. */
static PyObject *inst_attr(PyObject *o, const char *name)
{
	PyObject **vals, **dp;
	PyDictKeysObject *k;
	Py_ssize_t n = 0;

	if (pv_inline_values(o, &vals, &k, &n)) {
		for (Py_ssize_t i = 0; i < n && i < pv_keys_n(k); i++) {
			PyObject *key = pv_keys_key(k, i);

			if (key && PyUnicode_Check(key) &&
			    PyUnicode_CompareWithASCIIString(key, name) == 0)
				return vals[i];
		}
		return NULL;
	}
	if (Py_TYPE(o)->tp_flags & Py_TPFLAGS_MANAGED_DICT)
		return dict_get_ascii(pv_managed_dict(o), name);
	dp = pv_dict_ptr(o);
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
#if HS_PY_MINOR >= 11
	n += (size_t)snprintf(buf + n, cap - n, "(native %lu, ident %lu) ",
			      (unsigned long)ts->native_thread_id,
			      (unsigned long)ts->thread_id);
#else
	/* 3.10's thread states do not keep the kernel's id */
	n += (size_t)snprintf(buf + n, cap - n, "(ident %lu) ",
			      (unsigned long)ts->thread_id);
#endif
	return n < cap ? n : cap - 1;
}

/* "thread ... QUALNAME FILE:LINE": the head of a frame's root labels.
 * @return its length (< cap). */
size_t frame_head(walk *W, PyThreadState *ts, pv_frame *f, char *buf,
		  size_t cap)
{
	PyCodeObject *code = pv_frame_code(f);
	size_t hn = 0;
	int cut;

	hn += thread_head(W, ts, buf, cap < 130 ? cap : 130);
	hn += utf8_put(buf + hn, 100, pv_code_qualname(code), 0, &cut);
	buf[hn++] = ' ';
	hn += utf8_put(buf + hn, 100, code->co_filename, 0, &cut);
	hn += (size_t)snprintf(buf + hn, cap - hn, ":%d", pv_frame_line(f));
	if (hn >= cap)
		hn = cap - 1;
	buf[hn] = 0;
	return hn;
}

int frame_roots(walk *W, PyThreadState *ts, int tno, pv_frame *f)
{
	char head[400], label[512];
	int cut, n = 0, specials = 0;

	(void)tno;
	frame_head(W, ts, f, head, sizeof(head));
	pv_frame_span(f, &specials, &n);
	for (int i = specials ? -4 : 0; i < n; i++) {
		PyObject *v, *name = NULL;
		const char *what = NULL;
		uint32_t idx;
		size_t ln;
		int rc;

		if (i < 0) {
			v = pv_frame_special(f, i + 4, &what);
		} else {
			v = pv_frame_local(f, i);
			name = pv_frame_name(f, i);
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
		else if (name)
			ln += utf8_put(label + ln, 200, name, 0, &cut);
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
