/*
 * portable_shared.c - what both walkers (the version walkers and the
 * portable one) take from the process with the public C API only: text
 * read in place from Python objects (no object is created, no UTF-8 cache
 * is filled in a str): a str's UTF-8, a type's module.qualname, the value
 * previews; and the process's memory from /proc/self/statm.  Cost: one
 * pass over the characters asked for; one read of statm.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hs_writer.h"
#include "portable.h"

/* Appends s's text as UTF-8 to dst (at most cap bytes, whole characters);
 * quote escapes quotes, backslashes and control characters as a repr
 * does.  @return bytes written; *cut set if s did not fit. */
size_t utf8_put(char *dst, size_t cap, PyObject *s, int quote, int *cut)
{
	size_t len = 0;
	Py_ssize_t n;
	const void *data;
	int kind;

	*cut = 0;
#if PY_VERSION_HEX < 0x030C0000
	if (!PyUnicode_IS_READY(s)) {
		*cut = 1;
		return 0;
	}
#endif
	kind = PyUnicode_KIND(s);
	data = PyUnicode_DATA(s);
	n = PyUnicode_GET_LENGTH(s);
	for (Py_ssize_t i = 0; i < n; i++) {
		Py_UCS4 c = PyUnicode_READ(kind, data, i);
		char t[8];
		size_t k;

		if (quote && (c < 0x20 || c == 0x7f)) {
			k = (size_t)snprintf(t, sizeof(t), "\\x%02x",
					     (unsigned)c);
		} else if (quote && (c == '\'' || c == '\\')) {
			t[0] = '\\';
			t[1] = (char)c;
			k = 2;
		} else if (c < 0x80) {
			t[0] = (char)c;
			k = 1;
		} else if (c < 0x800) {
			t[0] = (char)(0xC0 | (c >> 6));
			t[1] = (char)(0x80 | (c & 0x3F));
			k = 2;
		} else if (c >= 0xD800 && c < 0xE000) {
			t[0] = '?';     /* a lone surrogate has no UTF-8 */
			k = 1;
		} else if (c < 0x10000) {
			t[0] = (char)(0xE0 | (c >> 12));
			t[1] = (char)(0x80 | ((c >> 6) & 0x3F));
			t[2] = (char)(0x80 | (c & 0x3F));
			k = 3;
		} else {
			t[0] = (char)(0xF0 | (c >> 18));
			t[1] = (char)(0x80 | ((c >> 12) & 0x3F));
			t[2] = (char)(0x80 | ((c >> 6) & 0x3F));
			t[3] = (char)(0x80 | (c & 0x3F));
			k = 4;
		}
		if (len + k > cap) {
			*cut = 1;
			break;
		}
		memcpy(dst + len, t, k);
		len += k;
	}
	return len;
}

size_t py_type_name(PyTypeObject *t, char *buf, size_t cap)
{
	int cut;

	if (t->tp_flags & Py_TPFLAGS_HEAPTYPE) {
		PyHeapTypeObject *et = (PyHeapTypeObject *)t;
		PyObject *mod = NULL, *k, *v;
		Py_ssize_t i = 0;
		size_t n = 0;

		while (t->tp_dict && PyDict_Next(t->tp_dict, &i, &k, &v)) {
			if (PyUnicode_Check(k) &&
			    PyUnicode_CompareWithASCIIString(k, "__module__") == 0) {
				mod = v;
				break;
			}
		}
		if (mod && PyUnicode_Check(mod)) {
			n = utf8_put(buf, cap / 2, mod, 0, &cut);
			buf[n++] = '.';
		}
		if (et->ht_qualname && PyUnicode_Check(et->ht_qualname))
			return n + utf8_put(buf + n, cap - n - 1,
					    et->ht_qualname, 0, &cut);
		return n + (size_t)snprintf(buf + n, cap - n, "%s", t->tp_name);
	}
	if (strchr(t->tp_name, '.'))
		return (size_t)snprintf(buf, cap, "%s", t->tp_name);
	return (size_t)snprintf(buf, cap, "builtins.%s", t->tp_name);
}

/* The value preview of a str (its first cap bytes of UTF-8), bytes,
 * bool, int that fits 64 bits, float; none when redacting. */
hs_value py_preview(PyObject *o, char *buf, size_t cap, int redact)
{
	hs_value v = { HS_VALUE_NONE, { .i = 0 } };

	if (redact)
		return v;
	if (PyUnicode_Check(o)) {
		int cut;

		v.kind = HS_VALUE_STR;
		v.v.s.ptr = buf;
		v.v.s.len = utf8_put(buf, cap, o, 0, &cut);
	} else if (PyBytes_Check(o)) {
		v.kind = HS_VALUE_BYTES;
		v.v.s.ptr = PyBytes_AS_STRING(o);
		v.v.s.len = (size_t)PyBytes_GET_SIZE(o);
	} else if (PyBool_Check(o)) {
		v.kind = HS_VALUE_BOOL;
		v.v.i = o == Py_True;
	} else if (PyLong_Check(o)) {
		int over = 0;
		long long x = PyLong_AsLongLongAndOverflow(o, &over);

		if (x == -1 && PyErr_Occurred()) {
			PyErr_Clear();
		} else if (!over) {
			v.kind = HS_VALUE_INT;
			v.v.i = x;
		} else if (over > 0) {
			unsigned long long u = PyLong_AsUnsignedLongLong(o);

			if (u == (unsigned long long)-1 && PyErr_Occurred()) {
				PyErr_Clear();
			} else {
				v.kind = HS_VALUE_UINT;
				v.v.u = u;
			}
		}
	} else if (PyFloat_Check(o)) {
		v.kind = HS_VALUE_FLOAT;
		v.v.f = PyFloat_AS_DOUBLE(o);
	}
	return v;
}

uint64_t py_memory(int resident)
{
	char buf[128];
	unsigned long long pages = 0, rss = 0;
	ssize_t n;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &pages, &rss) != 2)
		return 0;
	return (uint64_t)(resident ? rss : pages) *
	       (uint64_t)sysconf(_SC_PAGESIZE);
}
