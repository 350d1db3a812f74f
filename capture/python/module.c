/*
 * module.c - heapsnap._capture, the extension module: dump() over the walk
 * of pywalk.c, and read_records(), a small .snap reader over libdump's
 * hs_reader for tests and scripts.
 *
 * Load: dump() as pywalk.c says; read_records() builds one Python tuple
 * per record, so it is meant for small files.
 */
#define PY_SSIZE_T_CLEAN
#include "pyselect.h"
#include <Python.h>

#include <string.h>

#include "hs_reader.h"
#include "portable.h"
#include "pywalk.h"

typedef int (*walker_fn)(const char *path, const hs_pywalk_options *opts,
			 hs_pywalk_stats *stats);

/* The walker a name asks for (HEAPSNAP_WALKER, dump(walker=)): "auto",
 * "" or NULL the version walker where this build has one, else the
 * portable one; "version", the version walker's own name ("3.12"),
 * "portable".  NULL when this build has no such walker. */
static walker_fn pick_walker(const char *want)
{
	int any = !want || !*want || strcmp(want, "auto") == 0;

#ifdef HS_VERSION_WALKER
	if (any || strcmp(want, "version") == 0 ||
	    strcmp(want, hs_pywalk_walker()) == 0)
		return hs_pywalk_dump;
#else
	if (any)
		return hs_portable_dump;
#endif
	return strcmp(want, "portable") == 0 ? hs_portable_dump : NULL;
}

static int g_dumping;   /* dump() is not re-entrant (GIL-protected) */

static int kw_is(PyObject *name, const char *s)
{
	return PyUnicode_Check(name) &&
	       PyUnicode_CompareWithASCIIString(name, s) == 0;
}

static PyObject *stats_dict(const hs_pywalk_stats *s)
{
	return Py_BuildValue(
		"{s:s,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,"
		"s:K,s:K,s:K,s:d}",
		"walker", s->walker ? s->walker : "",
		"objects", (unsigned long long)s->objects,
		"tracked", (unsigned long long)s->tracked,
		"refs", (unsigned long long)s->refs,
		"roots", (unsigned long long)s->roots,
		"refcount_roots", (unsigned long long)s->refcount_roots,
		"stack_roots", (unsigned long long)s->stack_roots,
		"stack_unchecked", (unsigned long long)s->stack_unchecked,
		"shallow", (unsigned long long)s->shallow,
		"types", (unsigned long long)s->types,
		"strings", (unsigned long long)s->strings,
		"sites", (unsigned long long)s->sites,
		"dropped_refs", (unsigned long long)s->dropped_refs,
		"overcounted", (unsigned long long)s->overcounted,
		"sizeof_calls", (unsigned long long)s->sizeof_calls,
		"peak_memory", (unsigned long long)s->peak_memory,
		"map_memory", (unsigned long long)s->map_memory,
		"writer_memory", (unsigned long long)s->writer_memory,
		"seconds", s->seconds);
}

/* dump(path, *, redact=False, reason="manual", level=1, walker=None)
 * -> stats dict.
 * Parsed by hand from the vector call so that no argument tuple or
 * keyword dict is created for the call. */
static PyObject *cap_dump(PyObject *self, PyObject *const *args,
			  Py_ssize_t nargs, PyObject *kwnames)
{
	hs_pywalk_options o = HS_PYWALK_OPTIONS_INIT;
	hs_pywalk_stats st;
	PyObject *bpath = NULL, *reason = NULL, *walker = NULL;
	char reason_buf[64] = "manual";
	const char *want = getenv("HEAPSNAP_WALKER");
	walker_fn fn;
	int rc;

	(void)self;
	if (nargs != 1) {
		PyErr_SetString(PyExc_TypeError,
				"dump() takes one positional argument: path");
		return NULL;
	}
	for (Py_ssize_t i = 0; kwnames && i < PyTuple_GET_SIZE(kwnames); i++) {
		PyObject *k = PyTuple_GET_ITEM(kwnames, i), *v = args[nargs + i];

		if (kw_is(k, "redact")) {
			o.redact = PyObject_IsTrue(v);
			if (o.redact < 0)
				return NULL;
		} else if (kw_is(k, "reason")) {
			reason = v;
		} else if (kw_is(k, "walker")) {
			walker = v;
		} else if (kw_is(k, "level")) {
			o.level = (int)PyLong_AsLong(v);
			if (o.level == -1 && PyErr_Occurred())
				return NULL;
		} else {
			PyErr_Format(PyExc_TypeError, "dump() got an unexpected "
				     "keyword argument '%U'", k);
			return NULL;
		}
	}
	if (reason) {
		const char *r;
		Py_ssize_t n;

		if (!PyUnicode_Check(reason)) {
			PyErr_SetString(PyExc_TypeError, "reason must be a str");
			return NULL;
		}
		r = PyUnicode_AsUTF8AndSize(reason, &n);
		if (!r)
			return NULL;
		if (n >= (Py_ssize_t)sizeof(reason_buf)) {
			PyErr_SetString(PyExc_ValueError, "reason is too long");
			return NULL;
		}
		memcpy(reason_buf, r, (size_t)n + 1);
	}
	o.reason = reason_buf;
	if (walker && walker != Py_None) {
		want = PyUnicode_Check(walker) ? PyUnicode_AsUTF8(walker) : NULL;
		if (!want) {
			if (!PyErr_Occurred())
				PyErr_SetString(PyExc_TypeError,
						"walker must be a str");
			return NULL;
		}
	}
	fn = pick_walker(want);
	if (!fn) {
		PyErr_Format(PyExc_RuntimeError, "heapsnap: walker %s: this "
			     "build has %s (heapsnap.WALKERS)", want,
#ifdef HS_VERSION_WALKER
			     "the version walker and the portable one"
#else
			     "the portable walker only"
#endif
			     );
		return NULL;
	}
	if (!PyUnicode_FSConverter(args[0], &bpath))
		return NULL;
	if (g_dumping) {
		Py_DECREF(bpath);
		PyErr_SetString(PyExc_RuntimeError,
				"heapsnap.dump() is already running");
		return NULL;
	}
	g_dumping = 1;
	hs_error_clear();
	rc = fn(PyBytes_AS_STRING(bpath), &o, &st);
	g_dumping = 0;
	Py_DECREF(bpath);
	if (rc == HS_ENOMEM)
		return PyErr_NoMemory();
	if (rc < 0) {
		PyErr_Format(rc == HS_EIO ? PyExc_OSError : PyExc_RuntimeError,
			     "%s", hs_error_last());
		return NULL;
	}
	return stats_dict(&st);
}

static PyObject *str_obj(hs_str s)
{
	if (!s.ptr)
		Py_RETURN_NONE;
	return PyUnicode_DecodeUTF8(s.ptr, (Py_ssize_t)s.len, "replace");
}

static PyObject *u64_list(const uint64_t *a, size_t n)
{
	PyObject *l = PyList_New((Py_ssize_t)n);

	for (size_t i = 0; l && i < n; i++) {
		PyObject *v = PyLong_FromUnsignedLongLong(a[i]);

		if (!v) {
			Py_CLEAR(l);
			break;
		}
		PyList_SET_ITEM(l, (Py_ssize_t)i, v);
	}
	return l;
}

static PyObject *label_list(const uint32_t *a, size_t n)
{
	PyObject *l;

	if (!a)
		Py_RETURN_NONE;
	l = PyList_New((Py_ssize_t)n);
	for (size_t i = 0; l && i < n; i++) {
		PyObject *v;

		if (a[i] == HS_NO_LABEL) {
			v = Py_None;
			Py_INCREF(v);
		} else {
			v = PyLong_FromUnsignedLong(a[i]);
		}
		if (!v) {
			Py_CLEAR(l);
			break;
		}
		PyList_SET_ITEM(l, (Py_ssize_t)i, v);
	}
	return l;
}

static PyObject *flag_list(const uint8_t *a, size_t n)
{
	PyObject *l;

	if (!a)
		Py_RETURN_NONE;
	l = PyList_New((Py_ssize_t)n);
	for (size_t i = 0; l && i < n; i++) {
		PyObject *v = PyLong_FromLong(a[i]);

		if (!v) {
			Py_CLEAR(l);
			break;
		}
		PyList_SET_ITEM(l, (Py_ssize_t)i, v);
	}
	return l;
}

static PyObject *preview_obj(const hs_record *r)
{
	const hs_value *v = &r->u.object.obj.preview;

	switch (v->kind) {
	case HS_VALUE_STR:
		return str_obj(r->u.object.preview_str);
	case HS_VALUE_BYTES:
		return PyBytes_FromStringAndSize(r->u.object.preview_str.ptr,
				(Py_ssize_t)r->u.object.preview_str.len);
	case HS_VALUE_INT: return PyLong_FromLongLong(v->v.i);
	case HS_VALUE_UINT: return PyLong_FromUnsignedLongLong(v->v.u);
	case HS_VALUE_FLOAT: return PyFloat_FromDouble(v->v.f);
	case HS_VALUE_BOOL: return PyBool_FromLong(v->v.i != 0);
	default: Py_RETURN_NONE;
	}
}

static PyObject *record_obj(const hs_record *r)
{
	switch (r->kind) {
	case HS_REC_HEADER:
		return Py_BuildValue("(s{s:I,s:N,s:N,s:N,s:K,s:K,s:I,s:i,s:K,s:N})",
			"header", "version", r->u.header.version,
			"runtime", str_obj(r->u.header.runtime),
			"runtime_version", str_obj(r->u.header.runtime_version),
			"reason", str_obj(r->u.header.reason),
			"pid", (unsigned long long)r->u.header.pid,
			"time_ms", (unsigned long long)r->u.header.time_ms,
			"word_size", r->u.header.word_size,
			"ref_mode", (int)r->u.header.ref_mode,
			"rss", (unsigned long long)r->u.header.rss,
			"walker", str_obj(r->u.header.walker));
	case HS_REC_TYPE:
		return Py_BuildValue("(sINI)", "type", r->u.type.index,
				     str_obj(r->u.type.name),
				     (unsigned)r->u.type.flags);
	case HS_REC_STRING:
		return Py_BuildValue("(sIN)", "string", r->u.type.index,
				     str_obj(r->u.type.name));
	case HS_REC_OBJECT: {
		const hs_object *o = &r->u.object.obj;

		PyObject *site;

		if (o->site == HS_NO_SITE) {
			site = Py_None;
			Py_INCREF(site);
		} else {
			site = PyLong_FromUnsignedLong(o->site);
		}
		return Py_BuildValue("(sKKIKNNNNNK)", "object",
			(unsigned long long)r->u.object.index,
			(unsigned long long)o->id, o->type,
			(unsigned long long)o->size,
			u64_list(o->refs, o->nrefs),
			label_list(o->labels, o->nrefs),
			flag_list(o->flags, o->nrefs), preview_obj(r), site,
			(unsigned long long)r->u.object.rt_size);
	}
	case HS_REC_REFS:
		return Py_BuildValue("(sKNNN)", "refs",
			(unsigned long long)r->u.refs.owner,
			u64_list(r->u.refs.refs, r->u.refs.n),
			label_list(r->u.refs.labels, r->u.refs.n),
			flag_list(r->u.refs.flags, r->u.refs.n));
	case HS_REC_ROOT:
		return Py_BuildValue("(sKNNK)", "root",
			(unsigned long long)r->u.root.ref,
			str_obj(r->u.root.kind), str_obj(r->u.root.label),
			(unsigned long long)r->u.root.extra);
	case HS_REC_SITE: {
		PyObject *frames = PyList_New((Py_ssize_t)r->u.site.nframes);

		for (size_t i = 0; frames && i < r->u.site.nframes; i++) {
			PyObject *f = Py_BuildValue("(III)", r->u.site.files[i],
						    r->u.site.lines[i],
						    r->u.site.funcs[i]);

			if (!f) {
				Py_CLEAR(frames);
				break;
			}
			PyList_SET_ITEM(frames, (Py_ssize_t)i, f);
		}
		return Py_BuildValue("(sIN)", "site", r->u.site.index, frames);
	}
	case HS_REC_END:
		return Py_BuildValue("(sKKKKKK)", "end",
			(unsigned long long)r->u.end.objects,
			(unsigned long long)r->u.end.refs,
			(unsigned long long)r->u.end.types,
			(unsigned long long)r->u.end.strings,
			(unsigned long long)r->u.end.roots,
			(unsigned long long)r->u.end.shallow);
	default:
		return Py_BuildValue("(si)", "unknown", (int)r->kind);
	}
}

/* read_records(path) -> list of tuples, one per record, in file order:
 *   ("header", {...}), ("type", i, name, flags), ("string", i, text),
 *   ("site", i, [(file string, line, function string), ...]),
 *   ("object", index, id, type, size, refs, labels|None, flags|None,
 *    preview, site|None, rt_size: 0 when as size),
 *   ("refs", owner, refs, labels, flags),
 *   ("root", ref, kind, label|None, extra), ("end", objects, refs, types,
 *   strings, roots, shallow).  Raises ValueError on a damaged file. */
static PyObject *cap_read_records(PyObject *self, PyObject *arg)
{
	hs_reader_options ro = HS_READER_OPTIONS_INIT;
	hs_reader *r = NULL;
	PyObject *bpath = NULL, *out = NULL;
	hs_record rec;
	int rc;

	(void)self;
	if (!PyUnicode_FSConverter(arg, &bpath))
		return NULL;
	ro.strict = 1;
	rc = hs_reader_open(&r, PyBytes_AS_STRING(bpath), &ro);
	Py_DECREF(bpath);
	if (rc < 0) {
		PyErr_Format(PyExc_ValueError, "%s", hs_error_last());
		return NULL;
	}
	out = PyList_New(0);
	while (out && (rc = hs_reader_next(&rec, r)) == 0) {
		PyObject *t = record_obj(&rec);

		if (!t || PyList_Append(out, t) < 0) {
			Py_XDECREF(t);
			Py_CLEAR(out);
			break;
		}
		Py_DECREF(t);
	}
	if (out && rc != HS_ITEROVER) {
		PyErr_Format(PyExc_ValueError, "%s", hs_error_last());
		Py_CLEAR(out);
	}
	hs_reader_free(r);
	return out;
}

static PyMethodDef cap_methods[] = {
	{ "dump", (PyCFunction)(void (*)(void))cap_dump,
	  METH_FASTCALL | METH_KEYWORDS,
	  "dump(path, *, redact=False, reason='manual', level=1, walker=None)"
	  " -> dict\n\n"
	  "Write a .snap of the whole interpreter to path; return figures." },
	{ "read_records", cap_read_records, METH_O,
	  "read_records(path) -> list of record tuples (small files)" },
	{ NULL, NULL, 0, NULL }
};

static struct PyModuleDef cap_module = {
	PyModuleDef_HEAD_INIT, "heapsnap._capture",
	"The C half of heapsnap: the heap walk and a .snap reader.", -1,
	cap_methods, NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__capture(void)
{
	PyObject *m;

#ifdef HS_VERSION_WALKER
	if (hs_pywalk_init() < 0)
		return NULL;
#endif
	if (hs_portable_init() < 0)
		return NULL;
	m = PyModule_Create(&cap_module);
	/* WALKERS: the walkers dump() can run (HEAPSNAP_WALKER) */
	if (m && PyModule_AddObject(m, "WALKERS",
#ifdef HS_VERSION_WALKER
				    Py_BuildValue("(ss)", hs_pywalk_walker(),
						  "portable")
#else
				    Py_BuildValue("(s)", "portable")
#endif
				    ) < 0) {
		Py_DECREF(m);
		return NULL;
	}
	return m;
}
