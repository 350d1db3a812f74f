/*
 * sites.c - allocation sites from tracemalloc, when it is tracing: one
 * site record per distinct traceback (keyed by a hash of its frames in
 * W->smap).  The one place the walk allocates Python objects (see
 * site_of()).
 */
#include "walk.h"

/*
 * Pass 2, with tracemalloc tracing: o's allocation site.  tracemalloc has
 * no C API that does not build Python objects, so this is the one place
 * the walk allocates: a tuple of (filename, lineno) tuples per object,
 * freed at once (appended to and unlinked from the youngest gc list,
 * which the walk tolerates, with the collector off).  Sites are shared:
 * keyed by a hash of their frames (filename object, line).
 */
uint32_t site_of(walk *W, PyObject *o)
{
	uint32_t files[256], lines[256], funcs[256], idx = HS_NO_SITE;
	uint64_t h = 1469598103934665603ull;
	uintptr_t start = (uintptr_t)o - pv_preheader(o);
	PyObject *tb = _PyTraceMalloc_GetTraceback(0, start);
	Py_ssize_t n;
	int rc;

	if (!tb) {
		PyErr_Clear();
		return HS_NO_SITE;
	}
	if (!PyTuple_Check(tb) || PyTuple_GET_SIZE(tb) == 0)
		goto done;
	n = PyTuple_GET_SIZE(tb) < 256 ? PyTuple_GET_SIZE(tb) : 256;
	for (Py_ssize_t i = 0; i < n; i++) {
		PyObject *fr = PyTuple_GET_ITEM(tb, i);
		long line;

		if (!PyTuple_Check(fr) || PyTuple_GET_SIZE(fr) != 2)
			goto done;
		line = PyLong_AsLong(PyTuple_GET_ITEM(fr, 1));
		if (line == -1 && PyErr_Occurred()) {
			PyErr_Clear();
			line = 0;
		}
		lines[i] = (uint32_t)line;
		h = (h ^ (uint64_t)(uintptr_t)PyTuple_GET_ITEM(fr, 0)) *
		    1099511628211ull;
		h = (h ^ lines[i]) * 1099511628211ull;
	}
	h |= 1;     /* never 0, the map's empty key */
	if (am_get(&W->smap, h, &idx))
		goto done;
	for (Py_ssize_t i = 0; i < n; i++) {
		files[i] = name_label(W, PyTuple_GET_ITEM(PyTuple_GET_ITEM(tb, i),
							  0));
		funcs[i] = L(W, "");
		if (files[i] == HS_NO_LABEL || funcs[i] == HS_NO_LABEL)
			goto done;
	}
	rc = hs_writer_site(&idx, W->w, files, lines, funcs, (size_t)n);
	if (rc < 0) {
		fail(W, rc);
		idx = HS_NO_SITE;
		goto done;
	}
	W->st->sites++;
	if (am_put(W, &W->smap, h, idx, NULL) < 0)
		idx = HS_NO_SITE;
done:
	Py_DECREF(tb);
	return idx;
}
