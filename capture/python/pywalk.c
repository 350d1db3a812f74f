/*
 * pywalk.c - walks the whole CPython heap (3.10-3.13) and writes it
 * through the libdump writer: objects, references (by index), labels,
 * sizes, roots.
 *
 * Load: nothing per tracked object (its index and referrer count live in
 * its own gc header during the walk) and nothing per untracked object with
 * one reference; 16 bytes per map slot (at most 3/4 full) for the other
 * untracked objects; 21 bytes per reference of the largest single object;
 * the FIFO of newly found untracked objects; the writer's ~4.5 MiB.  About
 * 10 bytes per object in all on a 1.2M-object heap.  Time: two traversals
 * of every object through tp_traverse, plus packing and zstd.
 *
 * How the walk finds objects.  Every gc-tracked object is on one of the
 * interpreter's generation lists (three generations and the permanent one
 * of gc.freeze()); the walk reads those lists in place, which allocates
 * nothing and, unlike gc.get_objects(), also sees frozen objects and
 * leaves every reference count as it was.  Untracked objects (str, int,
 * float, bytes, tuples and dicts the collector untracked, static types,
 * code objects) are found as referents: from a tracked object, or from a
 * thread's frames.  Each is numbered when first found, in a FIFO, so that
 * the order objects are numbered is the order they are written.
 *
 * Two passes: pass 1 numbers every object; pass 2 replays the same
 * deterministic traversal and writes each object with its references
 * already mapped to indices (HS_REFS_BY_INDEX).  The heap cannot change in
 * between: the GIL is held throughout, the collector is off, no Python
 * code runs, and no object is allocated, with two exceptions, both freed
 * at once and never reachable: the int results of C-level __sizeof__
 * methods of types this file does not know, and, when tracemalloc is
 * tracing, the traceback tuples of the allocation sites.
 *
 * References come from tp_traverse, which is the interpreter's own notion
 * of "who refers to whom".  Its gaps are covered here (per version in
 * capture/python/README.md):
 *   - a dict whose keys are all str does not visit its keys;
 *   - heap types do not visit __name__, __qualname__, __slots__,
 *     __subclasses__, nor the shared attribute-name keys (ht_cached_keys);
 *   - weak references do not visit their referent (written with the weak
 *     flag, not counted as a reference);
 *   - objects of non-gc types have no tp_traverse: code objects (co_consts,
 *     co_names, co_filename, ...), static types (__dict__, __mro__,
 *     __bases__, __subclasses__) and any non-gc type's object members
 *     (range's start/stop/step);
 *   - a running thread's frames are not objects (3.11+): their locals,
 *     cells, function and code are written as "frame" roots;
 *   - a running frame does not record its stack top: its value stack is
 *     scanned conservatively (stack.c), "stack" roots.
 *
 * The walk's files (state shared through walk.h): pywalk.c drives the two
 * passes; traverse.c walks and numbers; refs.c and reflabels.c collect
 * and name one object's references; labels.c makes label text; sizes.c
 * types and sizes; frames.c and roots.c the roots; sites.c tracemalloc's
 * sites; addrmap.c the maps.  They read CPython internals (frames, gc
 * lists, dict layouts, managed instance attributes) of 3.10 to 3.13;
 * pyver.h holds what differs between those versions.
 */
#include "walk.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

traverseproc g_subtype_traverse;
#if HS_PY_MINOR == 10
void *g_lookdict;
#endif

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int run(walk *W, const char *path)
{
	hs_writer_options wo = HS_WRITER_OPTIONS_INIT;
	hs_header h = HS_HEADER_INIT;
	char ver[32];
	PyInterpreterState *interp = PyInterpreterState_Get();

	HS_RETURN_ERROR_IF(interp->gc.collecting, HS_EINVAL,
			   "heapsnap: cannot capture during a garbage "
			   "collection (from a finalizer?)");
	/* the map holds only untracked objects with more than one
	 * reference (strs used as keys and attribute names, shared ints,
	 * static types...): a few per hundred objects in a big heap; it
	 * starts at 1 MiB and grows by half when full to 3/4 */
	HS_FORWARD_IF_ERROR(am_init(W, &W->map, 65536));
	HS_FORWARD_IF_ERROR(am_init(W, &W->ns, 1024));
	HS_FORWARD_IF_ERROR(am_init(W, &W->tmap, 1024));
	HS_FORWARD_IF_ERROR(am_init(W, &W->cstr, 1024));
	W->sites = pv_tracemalloc_tracing();
	if (W->sites)
		HS_FORWARD_IF_ERROR(am_init(W, &W->smap, 4096));
	W->lc_repr = calloc(LABEL_CACHE, sizeof(label_slot));
	W->lc_name = calloc(LABEL_CACHE, sizeof(label_slot));
	if (!W->lc_repr || !W->lc_name)
		return oom(W, "labels");
	mem_add(W, 2 * LABEL_CACHE * sizeof(label_slot), 0);

	if (W->debug)
		fprintf(stderr, "heapsnap: setup done at %.3f s\n", now_s() - W->t0);
	/* pass 1: number */
	W->pass = 1;
	W->gc_touched = 1;
	W->next = 0;
	HS_FORWARD_IF_ERROR(each_frame(W, stack_mark));
	HS_FORWARD_IF_ERROR(each_frame(W, stack_discover));
	HS_FORWARD_IF_ERROR(each_frame(W, frame_discover));
	HS_FORWARD_IF_ERROR(walk_gc_lists(W));
	W->nobjects = W->next;
	W->st->map_memory = W->map.cap * sizeof(*W->map.s);
	if (W->debug)
		fprintf(stderr, "heapsnap: pass1 done at %.3f s\n", now_s() - W->t0);

	/* pass 2: write */
	snprintf(ver, sizeof(ver), "%d.%d.%d", PY_MAJOR_VERSION,
		 PY_MINOR_VERSION, PY_MICRO_VERSION);
	h.runtime = "python";
	h.runtime_version = ver;
	h.pid = (uint64_t)getpid();
	h.rss = py_memory(1);
	h.reason = W->o->reason ? W->o->reason : "manual";
	h.walker = HS_WALKER_NAME;
	wo.ref_mode = HS_REFS_BY_INDEX;
	wo.level = W->o->level;
	wo.max_preview = PREVIEW_MAX;
	HS_FORWARD_IF_ERROR(hs_writer_open(&W->w, path, &wo, &h));
	mem_add(W, hs_writer_memory(W->w), 0);
	W->st->writer_memory = hs_writer_memory(W->w);
	W->pass = 2;
	W->next = 0;
	HS_FORWARD_IF_ERROR(each_frame(W, stack_discover));
	HS_FORWARD_IF_ERROR(each_frame(W, frame_discover));
	HS_FORWARD_IF_ERROR(walk_gc_lists(W));
	HS_RETURN_ERROR_IF(W->next != W->nobjects, fail(W, HS_ERROR),
			   "heapsnap: pass 2 found %llu objects, pass 1 %llu",
			   (unsigned long long)W->next,
			   (unsigned long long)W->nobjects);
	if (W->debug)
		fprintf(stderr, "heapsnap: pass2 done at %.3f s; map %zu of %zu "
			"slots\n", now_s() - W->t0, W->map.n, W->map.cap);
	HS_FORWARD_IF_ERROR(write_roots(W));
	if (W->debug)
		fprintf(stderr, "heapsnap: roots done at %.3f s\n", now_s() - W->t0);
	return W->err;
}

int hs_pywalk_dump(const char *path, const hs_pywalk_options *opts,
		   hs_pywalk_stats *stats)
{
	walk W;
	struct timespec t0, t1;
	int rc, gc_was;

	memset(&W, 0, sizeof(W));
	memset(stats, 0, sizeof(*stats));
	W.o = opts;
	W.st = stats;
	stats->walker = HS_WALKER_NAME;
	W.debug = getenv("HEAPSNAP_DEBUG") != NULL;
	W.t0 = now_s();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	gc_was = PyGC_Disable();
	rc = run(&W, path);
	if (W.gc_touched)
		gc_restore(PyInterpreterState_Get());
	if (gc_was)
		PyGC_Enable();
	if (rc == 0 && W.err)
		rc = W.err;
	if (rc == 0) {
		rc = hs_writer_close(W.w);
	} else {
		hs_writer_abort(W.w);
	}
	W.w = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	stats->peak_memory = W.peak;
	stats->seconds = (double)(t1.tv_sec - t0.tv_sec) +
			 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	am_free(&W, &W.map);
	am_free(&W, &W.ns);
	am_free(&W, &W.tmap);
	am_free(&W, &W.cstr);
	am_free(&W, &W.smap);
	am_free(&W, &W.stk);
	free(W.lc_repr);
	free(W.lc_name);
	free(W.q);
	free(W.rp);
	free(W.rl);
	free(W.rf);
	free(W.ri);
	free(W.ti);
	free(W.froots);
	free(W.sroots);
	return rc;
}

const char *hs_pywalk_walker(void)
{
	return HS_WALKER_NAME;
}

int hs_pywalk_init(void)
{
	PyObject *probe;

	/* the traverse function of classes defined in Python */
	probe = PyObject_CallFunction((PyObject *)&PyType_Type, "s()N",
				      "_heapsnap_probe", PyDict_New());
	if (!probe)
		return -1;
	g_subtype_traverse = ((PyTypeObject *)probe)->tp_traverse;
	/* a class is a cycle (its __mro__, its __dict__'s descriptors):
	 * cleared, it is freed here and not left to the next collection,
	 * which would show it in dumps until then as unreachable objects */
	Py_TYPE(probe)->tp_clear(probe);
	Py_DECREF(probe);
#if HS_PY_MINOR == 10
	/* the general lookup function: a dict with a non-str key has it */
	probe = Py_BuildValue("{i:i}", 1, 1);
	if (!probe)
		return -1;
	g_lookdict = ((PyDictObject *)probe)->ma_keys->dk_lookup;
	Py_DECREF(probe);
#endif
	return sizes_init();
}
