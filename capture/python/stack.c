/*
 * stack.c - what running frames hold on their value stacks.  A frame
 * that is running (the dumping thread's, another thread's blocked in a
 * C call, a running generator's; in 3.10 every frame on a thread's
 * stack) does not record its stack top, so no traversal sees what its
 * value stack holds: a temporary (the bytes passed to os.write, an
 * argument being built) held by nothing else would be absent.  Its
 * slots (pv_frame_stack: as many as the code's stack size) are read
 * conservatively: a slot's value is taken for an object when its memory
 * reads as a live one (a reference count of 1 to 2^32, a type that reads
 * as a ready type object), read with process_vm_readv() on ourselves, so
 * that a stale pointer into memory given back costs an EFAULT, not a
 * crash.  Such objects are written as "stack" roots; a non-NULL slot
 * that does not read as one is counted (stack_unchecked).  A slot above
 * the real top may still point to a live object: when that object has
 * more referrers counted than its reference count, the slot is taken
 * for stale and makes no root; otherwise it makes a root the frame may
 * no longer hold (the scan errs towards showing), and the path searches
 * rank "stack" roots below the roots of the code.
 *
 * It runs first in each pass: an untracked object with a reference
 * count of 1 found here is marked (W->stk) and goes through the address
 * map, so that its other referrer, if the slot was stale, does not
 * number it a second time.  Every frame's marks are made (stack_mark)
 * before pass 1 numbers anything: marked late, an object reached
 * earlier from another frame's slot would be numbered twice in pass 1
 * and found out of order in pass 2.  Memory: 4 bytes per stack root and W->stk
 * (16 bytes a slot, made only when needed).  Time: a few syscalls per
 * non-NULL slot of the running frames' stacks.
 */
#include "walk.h"

#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

/* Reads n bytes at addr into buf without faulting.  @return 1 if read. */
static int safe_read(const void *addr, void *buf, size_t n)
{
	static pid_t self;
	struct iovec l = { buf, n }, r = { (void *)(uintptr_t)addr, n };

	if (!self)
		self = getpid();
	return process_vm_readv(self, &l, 1, &r, 1, 0) == (ssize_t)n;
}

/* Does t read as a ready type object (of type type or of a metaclass)? */
static int plausible_type(PyTypeObject *t)
{
	PyTypeObject ty, meta;

	if (!t || ((uintptr_t)t & 7) || !safe_read(t, &ty, sizeof(ty)))
		return 0;
	if (Py_TYPE((PyObject *)&ty) != &PyType_Type &&
	    (!safe_read(Py_TYPE((PyObject *)&ty), &meta, sizeof(meta)) ||
	     Py_TYPE((PyObject *)&meta) != &PyType_Type ||
	     !(meta.tp_flags & Py_TPFLAGS_TYPE_SUBCLASS)))
		return 0;
	return (ty.tp_flags & Py_TPFLAGS_READY) && ty.tp_name &&
	       ty.tp_basicsize >= (Py_ssize_t)sizeof(PyObject) &&
	       ty.tp_basicsize <= (1 << 20);
}

/* Does p read as a live object? */
static int plausible(PyObject *p)
{
	struct {
		Py_ssize_t rc;
		PyTypeObject *t;
	} h;
	PyGC_Head g;

	if ((uintptr_t)p < 4096 || ((uintptr_t)p & 7) ||
	    !safe_read(p, &h, sizeof(h)))
		return 0;
	if (h.rc < 1 || h.rc > ((Py_ssize_t)1 << 32) || !plausible_type(h.t))
		return 0;
	/* a gc object's header is read as well */
	return !(h.t->tp_flags & Py_TPFLAGS_HAVE_GC) ||
	       safe_read((PyGC_Head *)p - 1, &g, sizeof(g));
}

static int push_sroot(walk *W, uint32_t idx)
{
	if (W->nsr == W->srcap) {
		size_t cap = W->srcap ? W->srcap * 2 : 64;
		uint32_t *p = realloc(W->sroots, cap * sizeof(*p));

		if (!p)
			return oom(W, "stack roots");
		mem_add(W, (cap - W->srcap) * sizeof(*p), 0);
		W->sroots = p;
		W->srcap = cap;
	}
	W->sroots[W->nsr++] = idx;
	return 0;
}

/* Before pass 1: marks the untracked objects with a reference count of
 * 1 that the slots hold (on_stack), and counts the slots that do not
 * read as objects. */
int stack_mark(walk *W, PyThreadState *ts, int tno, pv_frame *f)
{
	PyObject **slots;
	int n;

	(void)ts;
	(void)tno;
	n = pv_frame_stack(f, &slots);
	for (int i = 0; i < n; i++) {
		PyObject *p = slots[i];

		if (!p)
			continue;
		if (!plausible(p)) {
			W->st->stack_unchecked++;
			continue;
		}
		if (is_tracked(p) || Py_REFCNT(p) != 1)
			continue;
		if (!W->stk.s)
			HS_FORWARD_IF_ERROR(am_init(W, &W->stk, 64));
		HS_FORWARD_IF_ERROR(am_put(W, &W->stk, (uint64_t)(uintptr_t)p,
					   0, NULL));
	}
	return 0;
}

/* Pass 1: numbers what the slots hold; pass 2: finds them again, in the
 * same order, and remembers their indices for the roots. */
int stack_discover(walk *W, PyThreadState *ts, int tno, pv_frame *f)
{
	PyObject **slots;
	int n;

	(void)ts;
	(void)tno;
	n = pv_frame_stack(f, &slots);
	for (int i = 0; i < n; i++) {
		PyObject *p = slots[i];
		uint32_t idx = UINT32_MAX;
		int rc;

		if (!p || !plausible(p))
			continue;
		if (W->pass == 1) {
			if (is_tracked(p))
				continue;      /* numbered from the gc lists */
			HS_FORWARD_IF_ERROR(discover(W, p, 0, NULL));
			continue;
		}
		rc = take_ref(W, p, 0, &idx);
		if (rc < 0)
			return rc;
		HS_FORWARD_IF_ERROR(push_sroot(W, rc ? idx : UINT32_MAX));
	}
	return drain(W);
}

/* Does the slot look stale, its object having more referrers counted
 * than references (the frame popped it, something else took it)?  Then
 * the count the slot added is taken back, and it makes no root. */
static int stale(walk *W, PyObject *p)
{
	am_slot_t *s;

	if (is_tracked(p)) {
		if (gc_count(p) <= (uint64_t)Py_REFCNT(p))
			return 0;
		_Py_AS_GC(p)->_gc_prev -= (uintptr_t)1 << GC_INC_SHIFT;
		return 1;
	}
	s = am_lookup(&W->map, (uint64_t)(uintptr_t)p);
	if (!s || s->inc <= (uint64_t)Py_REFCNT(p))
		return 0;
	s->inc--;
	return 1;
}

/* The "stack" roots, in stack_discover's pass-2 order; before the
 * "refcount" roots, whose surplus is over counts final here.  Not the
 * interpreter's static and immortal objects (None, small ints): their
 * own roots say what they are. */
int stack_roots(walk *W, PyThreadState *ts, int tno, pv_frame *f)
{
	PyObject **slots;
	char label[512];
	size_t hn = 0;
	int n = pv_frame_stack(f, &slots);

	(void)tno;
	for (int i = 0; i < n; i++) {
		uint32_t idx;
		int rc;

		if (!slots[i] || !plausible(slots[i]))
			continue;
		if (W->srnext >= W->nsr)
			return fail(W, hs_error_set(HS_ERROR, "heapsnap: the "
					 "stacks changed during the capture"));
		idx = W->sroots[W->srnext++];
		if (idx == UINT32_MAX || Py_REFCNT(slots[i]) >= STATIC_REFCNT ||
		    stale(W, slots[i]))
			continue;
		if (!hn)
			hn = frame_head(W, ts, f, label, sizeof(label) - 32);
		snprintf(label + hn, sizeof(label) - hn, " <stack %d>", i);
		rc = hs_writer_root(W->w, idx, "stack", label, 0);
		if (rc < 0)
			return fail(W, rc);
		W->st->roots++;
		W->st->stack_roots++;
	}
	return 0;
}
