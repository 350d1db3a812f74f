/*
 * traverse.c - the traversal: the gc lists in place (tracked objects,
 * numbered in their gc header), the FIFO of untracked objects found as
 * referents (numbered in W->map unless their reference count is 1), and
 * expanding each object: collect its references, discover the referents,
 * and in pass 2 write it with its references mapped to indices.  Memory:
 * the FIFO (8 bytes per queued object) and the map.
 */
#include "walk.h"

#include <stdlib.h>

static int enqueue(walk *W, PyObject *o)
{
	if (W->qt == W->qcap) {
		size_t live = W->qt - W->qh;

		if (W->qh > W->qcap / 2) {
			/* the consumed half is reused: slide the live part */
			memmove(W->q, W->q + W->qh, live * sizeof(*W->q));
			W->qh = 0;
			W->qt = live;
		} else {
			size_t cap = W->qcap ? W->qcap * 2 : 4096;
			PyObject **p = realloc(W->q, cap * sizeof(*p));

			if (!p)
				return oom(W, "the queue");
			mem_add(W, (cap - W->qcap) * sizeof(*p), 0);
			W->q = p;
			W->qcap = cap;
		}
	}
	W->q[W->qt++] = o;
	return 0;
}

PyGC_Head *gc_list(PyInterpreterState *interp, int g)
{
	return g == NUM_GENERATIONS ? &interp->gc.permanent_generation.head
				    : &interp->gc.generations[g].head;
}

/* Relinks _gc_prev along _gc_next, keeping the flag bits. */
void gc_restore(PyInterpreterState *interp)
{
	for (int g = 0; g <= NUM_GENERATIONS; g++) {
		PyGC_Head *head = gc_list(interp, g), *prev = head;

		for (PyGC_Head *h = _PyGCHead_NEXT(head); h != head;
		     h = _PyGCHead_NEXT(h)) {
			h->_gc_prev = (uintptr_t)prev | (h->_gc_prev & 3);
			prev = h;
		}
	}
}

/* o's index, from its gc header or the map; 0 if it is not in the dump. */
int obj_index(walk *W, PyObject *o, uint32_t *idx)
{
	if (!o)
		return 0;
	if (is_tracked(o)) {
		*idx = gc_index(o);
		return 1;
	}
	return am_get(&W->map, (uint64_t)(uintptr_t)o, idx);
}

/*
 * An object seen as a referent: tracked ones are numbered when the gc
 * lists reach them, the others now.
 *
 * An untracked object with a reference count of 1 reached through a
 * strong reference has no other referrer: it is new here, and it never
 * enters the map (most str, int and float objects are such; they cost no
 * lookup at all).  Unless weak references can reach it too: its one
 * strong reference may be held from C, where no walk finds it (3.13's
 * thread-local dummies), so an object whose type takes weak references
 * goes through the map, whichever reference finds it first; and so does
 * one a running frame's value stack may hold (stack.c).
 *
 * Pass 2 calls it for untracked objects only; *idx = the index.
 * @return 1 (in the dump), 0 (not), or an error.
 */
int discover(walk *W, PyObject *r, int weak, uint32_t *idx)
{
	am_slot_t *s;
	int rc;

	if (W->pass == 1 && is_tracked(r))
		return 0;
	if (Py_REFCNT(r) == 1 && !Py_TYPE(r)->tp_weaklistoffset &&
	    !on_stack(W, r)) {
		if (weak)
			return 0;
		HS_RETURN_ERROR_IF(W->next >= UINT32_MAX - 1, fail(W, HS_ELIMIT),
				   "heapsnap: more than 2^32 objects");
		if (idx)
			*idx = (uint32_t)W->next;
		W->next++;
		HS_FORWARD_IF_ERROR(enqueue(W, r));
		return 1;
	}
	if (W->pass == 1) {
		rc = am_put(W, &W->map, (uint64_t)(uintptr_t)r,
			    (uint32_t)W->next, NULL);
		if (rc <= 0)
			return rc;
		HS_RETURN_ERROR_IF(W->next >= UINT32_MAX - 1, fail(W, HS_ELIMIT),
				   "heapsnap: more than 2^32 objects");
		W->next++;
		HS_FORWARD_IF_ERROR(enqueue(W, r));
		return 1;
	}
	s = am_lookup(&W->map, (uint64_t)(uintptr_t)r);
	if (!s)
		return 0;
	*idx = s->val;
	if (!weak)
		inc_ref(s);
	if (s->val < W->next)
		return 1;
	HS_RETURN_ERROR_IF(s->val != W->next, fail(W, HS_ERROR),
			   "heapsnap: the heap changed during the capture "
			   "(object %u found at %llu)", s->val,
			   (unsigned long long)W->next);
	W->next++;
	HS_FORWARD_IF_ERROR(enqueue(W, r));
	return 1;
}

/* Pass 2: a reference to r, counted unless weak; *idx = its index.
 * @return 1, 0 when r is not in the dump, or an error. */
int take_ref(walk *W, PyObject *r, int weak, uint32_t *idx)
{
	if (is_tracked(r)) {
		*idx = gc_index(r);
		if (!weak)
			gc_count_ref(r);
		return 1;
	}
	return discover(W, r, weak, idx);
}


/* Pass 2: writes o, whose references are in W->ri/rl/rf. */
static int write_object(walk *W, PyObject *o)
{
	typeinfo *ti = type_info(W, Py_TYPE(o));
	char pbuf[PREVIEW_MAX + 8];
	hs_object obj;
	uint64_t rt_size;
	int any_label = 0, any_flag = 0, rc;

	if (!ti)
		return W->err;
	for (size_t i = 0; i < W->nr; i++) {
		any_label |= W->rl[i] != HS_NO_LABEL;
		any_flag |= W->rf[i] != 0;
	}
	obj.id = (uint64_t)(uintptr_t)o;
	obj.type = ti->widx;
	obj.size = obj_size(W, o, ti, &rt_size);
	obj.nrefs = W->nr;
	obj.refs = W->ri;
	obj.labels = any_label ? W->rl : NULL;
	obj.flags = any_flag ? W->rf : NULL;
	obj.preview = preview(W, o, pbuf);
	obj.site = W->sites ? site_of(W, o) : HS_NO_SITE;
	rc = hs_writer_object_sized(W->w, &obj, rt_size);
	if (rc < 0)
		return fail(W, rc);
	W->st->objects++;
	W->st->refs += W->nr;
	W->st->shallow += obj.size;
	return 0;
}

/* Expands o: collects its references, discovers its referents and, in
 * pass 2, writes it with the references mapped to indices (one map
 * lookup per reference, which also counts the referrer). */
static int expand(walk *W, PyObject *o)
{
	size_t j = 0;

	HS_FORWARD_IF_ERROR(collect(W, o));
	/* the lookups below are cache misses: start them all at once */
	for (size_t i = 0; i < W->nr; i++)
		am_prefetch(&W->map, (uint64_t)(uintptr_t)W->rp[i]);
	if (W->pass == 1) {
		for (size_t i = 0; i < W->nr; i++)
			HS_FORWARD_IF_ERROR(discover(W, W->rp[i],
					    W->rf[i] & HS_REF_WEAK, NULL));
		return 0;
	}
	for (size_t i = 0; i < W->nr; i++) {
		uint32_t idx;
		int rc = take_ref(W, W->rp[i], W->rf[i] & HS_REF_WEAK, &idx);

		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (W->debug)
				fprintf(stderr, "heapsnap: dropped a reference "
					"from %s at %p to %s at %p (refcount "
					"%zd)\n", Py_TYPE(o)->tp_name,
					(void *)o, Py_TYPE(W->rp[i])->tp_name,
					(void *)W->rp[i], Py_REFCNT(W->rp[i]));
			W->st->dropped_refs++;
			continue;
		}
		W->ri[j] = idx;
		W->rl[j] = W->rl[i];
		W->rf[j] = W->rf[i];
		j++;
	}
	W->nr = j;
	return write_object(W, o);
}

int drain(walk *W)
{
	while (W->qh < W->qt) {
		PyObject *o = W->q[W->qh++];

		HS_FORWARD_IF_ERROR(expand(W, o));
	}
	W->qh = W->qt = 0;
	return 0;
}

/* A tracked object, in gc-list order: its index goes in its gc header. */
static int visit_tracked(walk *W, PyObject *o)
{
	if (W->pass == 1) {
		HS_RETURN_ERROR_IF(W->next >= UINT32_MAX - 1, fail(W, HS_ELIMIT),
				   "heapsnap: more than 2^32 objects");
		gc_set_index(o, (uint32_t)W->next);
		W->st->tracked++;
	} else {
		HS_RETURN_ERROR_IF(gc_index(o) != W->next, fail(W, HS_ERROR),
				   "heapsnap: the heap changed during the "
				   "capture (%s object %u found at %llu)",
				   Py_TYPE(o)->tp_name, gc_index(o),
				   (unsigned long long)W->next);
	}
	W->next++;
	HS_FORWARD_IF_ERROR(expand(W, o));
	return drain(W);
}

int walk_gc_lists(walk *W)
{
	PyInterpreterState *interp = PyInterpreterState_Get();

	for (int g = NUM_GENERATIONS; g >= 0; g--) {
		PyGC_Head *head = gc_list(interp, g);

		for (PyGC_Head *h = _PyGCHead_NEXT(head); h != head;
		     h = _PyGCHead_NEXT(h))
			HS_FORWARD_IF_ERROR(visit_tracked(W, (PyObject *)(h + 1)));
	}
	return 0;
}
