/*
 * attach_thread.c - heapsnap/attach_thread.so, loaded into a running
 * CPython process by `python3 -m heapsnap attach` (through gdb): it starts
 * one thread that takes the GIL the way any C library's thread does
 * (PyGILState_Ensure), runs the attach script (PyRun_SimpleString),
 * releases the GIL (PyGILState_Release) and ends.
 *
 * Why a thread of its own: gdb stops the target wherever it is; running
 * Python code on a stopped thread would run it wherever that thread was
 * (inside malloc, in the middle of a bytecode).  A new thread waits for
 * the GIL until its holder releases it at a safe point, while gdb has
 * already let the target go: the dump runs in a target that is not
 * stopped, and a GIL held for long (a long C call) delays the dump, never
 * gdb's detach.
 *
 * Independent of the Python version: gdb resolves the three functions in
 * the target and passes their addresses, so the library needs no Python
 * headers and one build serves every target.
 *
 * Cost: one thread (its stack) while it runs; the library stays loaded
 * (about 16 KiB), the argument block is unmapped when the thread ends.
 */
#include <pthread.h>
#include <stddef.h>
#include <sys/mman.h>

/* The argument block, written by the attaching gdb into a private
 * mapping of map_len bytes: the functions, then the script (a C string). */
struct heapsnap_attach_args {
	int (*gil_ensure)(void);
	int (*run_string)(const char *);
	void (*gil_release)(int);
	size_t map_len;
	char script[];
};

static void *attach_main(void *p)
{
	struct heapsnap_attach_args *a = p;
	int g = a->gil_ensure();

	/* the script catches its own exceptions and reports through a file */
	(void)a->run_string(a->script);
	a->gil_release(g);
	munmap(a, a->map_len);
	return NULL;
}

/* heapsnap_attach_start() - starts the thread on the argument block p.
 * @return 0, or the error number of pthread_create() (nothing started;
 * the caller unmaps p). */
__attribute__((visibility("default")))
int heapsnap_attach_start(void *p)
{
	pthread_attr_t attr;
	pthread_t t;
	int rc = pthread_attr_init(&attr);

	if (rc)
		return rc;
	rc = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (!rc)
		rc = pthread_create(&t, &attr, attach_main, p);
	pthread_attr_destroy(&attr);
	return rc;
}
