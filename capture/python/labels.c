/*
 * labels.c - the text of edge labels: str objects to UTF-8 without
 * creating any object, dict-key reprs, attribute and variable names, list
 * indices.  Labels are string records of the writer, so they exist in
 * pass 2 only (pass 1 gets HS_NO_LABEL).  Direct-mapped caches (4096
 * slots per kind, keyed by the key or name object) and a map of C-string
 * labels keep each text declared once in the common case.
 */
#include "walk.h"

static uint32_t declare_text(walk *W, const char *s, size_t len)
{
	uint32_t idx;
	int rc;

	if (W->err)
		return HS_NO_LABEL;
	rc = hs_writer_string(&idx, W->w, s, len);
	if (rc < 0) {
		fail(W, rc);
		return HS_NO_LABEL;
	}
	W->st->strings++;
	return idx;
}

/* A constant label: C strings of this file or of type member tables. */
uint32_t L(walk *W, const char *s)
{
	uint32_t idx;
	int rc;

	label_slot *c;

	if (W->pass != 2 || !s)
		return HS_NO_LABEL;
	c = &W->lc_cstr[((uintptr_t)s * 0x9E3779B97F4A7C15ull) >> 56];
	if (c->key == (uint64_t)(uintptr_t)s)
		return c->idx;
	if (am_get(&W->cstr, (uint64_t)(uintptr_t)s, &idx)) {
		c->key = (uint64_t)(uintptr_t)s;
		c->idx = idx;
		return idx;
	}
	idx = declare_text(W, s, strlen(s));
	if (idx == HS_NO_LABEL)
		return idx;
	rc = am_put(W, &W->cstr, (uint64_t)(uintptr_t)s, idx, NULL);
	if (rc < 0)
		return HS_NO_LABEL;
	return idx;
}

static label_slot *lc_slot(label_slot *cache, PyObject *o)
{
	uint64_t a = (uint64_t)(uintptr_t)o;

	return &cache[((a >> 3) * 0x9E3779B97F4A7C15ull) >> 52];
}

/* A name (attribute, variable) from a str object, without quotes. */
uint32_t name_label(walk *W, PyObject *name)
{
	label_slot *s;
	size_t len;
	int cut;

	if (W->pass != 2 || !name || !PyUnicode_Check(name))
		return HS_NO_LABEL;
	s = lc_slot(W->lc_name, name);
	if (s->key == (uint64_t)(uintptr_t)name)
		return s->idx;
	len = utf8_put(W->text, TEXT_MAX, name, 0, &cut);
	s->idx = declare_text(W, W->text, len);
	s->key = s->idx == HS_NO_LABEL ? 0 : (uint64_t)(uintptr_t)name;
	return s->idx;
}

/* Redaction keeps a name only when it is one of the code: a str that
 * is an identifier and not long.  Anything else may be data used as a
 * name (globals()["token-SECRET"], setattr(o, "apikey-...", v)). */
#define NAME_KEPT_MAX 40

static int name_is_code(PyObject *k)
{
	return PyUnicode_Check(k) && PyUnicode_GET_LENGTH(k) <= NAME_KEPT_MAX &&
	       PyUnicode_IsIdentifier(k) == 1;
}

/* "<key#1a2b3c>": 24 bits of FNV-1a over a str's code points (read in
 * place: asking for its UTF-8 would cache a copy in the object) or over
 * the text of another key's repr; the same key gives the same label in
 * every dump, and the label tells keys apart without their text. */
static size_t key_hashed(walk *W, PyObject *k, size_t repr_len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	if (PyUnicode_Check(k)) {
		int kind = PyUnicode_KIND(k);
		const void *data = PyUnicode_DATA(k);

		for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(k); i++) {
			Py_UCS4 c = PyUnicode_READ(kind, data, i);

			for (int b = 0; b < 4; b++, c >>= 8)
				h = (h ^ (c & 0xff)) * 0x100000001b3ull;
		}
	} else {
		for (size_t i = 0; i < repr_len; i++)
			h = (h ^ (unsigned char)W->text[i]) * 0x100000001b3ull;
	}
	return (size_t)snprintf(W->text, TEXT_MAX, "<key#%06x>",
				(unsigned)((h ^ (h >> 32)) & 0xffffff));
}

/* An attribute's name: as name_label(), and in a redacted dump hashed
 * when it is not a name of the code.  Cached with the dict keys' labels
 * (a str object is either). */
uint32_t attr_label(walk *W, PyObject *name)
{
	label_slot *s;
	size_t len;

	if (!W->o->redact || W->pass != 2 || !name || name_is_code(name))
		return name_label(W, name);
	s = lc_slot(W->lc_repr, name);
	if (s->key == (uint64_t)(uintptr_t)name)
		return s->idx;
	len = key_hashed(W, name, 0);
	s->idx = declare_text(W, W->text, len);
	s->key = s->idx == HS_NO_LABEL ? 0 : (uint64_t)(uintptr_t)name;
	return s->idx;
}

/* The short repr of a scalar into t (at least 100 bytes): 'text' (its
 * first smax bytes), 42, 1.5, None, True, or <type>. */
static size_t scalar_repr(char *t, PyObject *k, size_t smax)
{
	int cut;

	if (PyUnicode_Check(k)) {
		size_t n;

		t[0] = '\'';
		n = 1 + utf8_put(t + 1, smax, k, 1, &cut);
		if (cut) {
			memcpy(t + n, "...", 3);
			n += 3;
		}
		t[n++] = '\'';
		return n;
	}
	if (PyBool_Check(k))
		return (size_t)snprintf(t, 8, "%s",
					k == Py_True ? "True" : "False");
	if (PyLong_Check(k)) {
		int over = 0;
		long long v = PyLong_AsLongLongAndOverflow(k, &over);

		if (v == -1 && PyErr_Occurred())
			PyErr_Clear();
		if (!over)
			return (size_t)snprintf(t, 24, "%lld", v);
		return (size_t)snprintf(t, 8, "<int>");
	}
	if (PyFloat_Check(k))
		return (size_t)snprintf(t, 32, "%.17g", PyFloat_AS_DOUBLE(k));
	if (k == Py_None)
		return (size_t)snprintf(t, 8, "None");
	return (size_t)snprintf(t, 64, "<%.60s>", Py_TYPE(k)->tp_name);
}

/* The short repr of a dict key: 'text', 42, None, a tuple of such
 * ((2, 'x'): an lru_cache's key for several arguments), <type>. */
static size_t key_repr(walk *W, PyObject *k)
{
	char *t = W->text;
	size_t n = 0;
	Py_ssize_t i;

	if (!PyTuple_CheckExact(k))
		return scalar_repr(t, k, 60);
	t[n++] = '(';
	for (i = 0; i < PyTuple_GET_SIZE(k) && n < TEXT_MAX - 110; i++) {
		if (i)
			n += (size_t)snprintf(t + n, 3, ", ");
		n += scalar_repr(t + n, PyTuple_GET_ITEM(k, i), 24);
	}
	if (i < PyTuple_GET_SIZE(k))
		n += (size_t)snprintf(t + n, 8, ", ...");
	else if (i == 1)
		t[n++] = ',';
	t[n++] = ')';
	return n;
}

uint32_t key_label(walk *W, PyObject *dict, PyObject *key)
{
	label_slot *s;
	size_t len;

	if (W->pass != 2 || !key)
		return HS_NO_LABEL;
	/* a redacted dump names the keys of namespaces only: identifiers
	 * (3.10: a split dict is an instance's, keyed by attribute names) */
	if (W->o->redact && !am_get(&W->ns, (uint64_t)(uintptr_t)dict, NULL)
#if HS_PY_MINOR == 10
	    && !((PyDictObject *)dict)->ma_values
#endif
	    )
		return HS_NO_LABEL;
	s = lc_slot(W->lc_repr, key);
	if (s->key == (uint64_t)(uintptr_t)key)
		return s->idx;
	len = key_repr(W, key);
	if (W->o->redact && !name_is_code(key))
		len = key_hashed(W, key, len);
	s->idx = declare_text(W, W->text, len);
	s->key = s->idx == HS_NO_LABEL ? 0 : (uint64_t)(uintptr_t)key;
	return s->idx;
}
