/*
 * pywalk.h - the CPython heap walk behind heapsnap.dump(): every object of
 * the interpreter, written through the libdump writer.
 *
 * The walk holds the GIL from start to end, runs no Python code and
 * allocates no Python object (see pywalk.c for the two documented
 * exceptions: C-level __sizeof__ methods of unknown types, tracemalloc's
 * tracebacks).  Its own memory is malloc'd and bounded; hs_pywalk_stats
 * reports it.
 */
#ifndef HS_PYWALK_H
#define HS_PYWALK_H

#include <stddef.h>
#include <stdint.h>

#include "hs_writer.h"

typedef struct {
	unsigned version;      /* HS_PYWALK_OPTIONS_VERSION */
	int redact;            /* no previews, no dict-key text */
	int level;             /* zstd level */
	const char *reason;    /* header reason, "manual" if NULL */
} hs_pywalk_options;

#define HS_PYWALK_OPTIONS_VERSION 1
#define HS_PYWALK_OPTIONS_INIT { HS_PYWALK_OPTIONS_VERSION, 0, 1, NULL }

typedef struct {
	uint64_t objects;        /* object records written */
	uint64_t tracked;        /* of which gc-tracked */
	uint64_t refs;           /* references written */
	uint64_t roots;          /* root records written */
	uint64_t refcount_roots; /* of which "refcount" roots */
	uint64_t stack_roots;    /* of which "stack" roots (running frames'
				    value stacks, read conservatively) */
	uint64_t stack_unchecked; /* slots of those stacks that did not read
				     as an object: not in the dump */
	uint64_t shallow;        /* sum of shallow sizes */
	uint64_t types, strings; /* type and string records */
	uint64_t sites;          /* site records (tracemalloc tracing) */
	uint64_t dropped_refs;   /* references to objects not in the dump */
	uint64_t overcounted;    /* objects with more referrers than refcount */
	uint64_t sizeof_calls;   /* C __sizeof__ methods called */
	uint64_t peak_memory;    /* bytes the capture held at most */
	uint64_t map_memory;     /* of which its object map, at most */
	uint64_t writer_memory;  /* of which the writer's buffers */
	double seconds;          /* wall time of the walk and the writing */
	const char *walker;      /* the walker that ran: "3.12", "portable" */
} hs_pywalk_stats;

/**
 * hs_pywalk_init() : find the interpreter's function pointers the walk
 * compares against (subtype_traverse, the builtin __sizeof__ methods).
 * Call once with the GIL held, at module import.
 * @return 0, or -1 with a Python exception set.
 */
int hs_pywalk_init(void);

/**
 * hs_pywalk_walker() : the name of the walker this build has, for the
 * CPython it was built for ("3.10" .. "3.13"): what the dump's header and
 * hs_pywalk_stats.walker say.
 */
const char *hs_pywalk_walker(void);

/**
 * hs_pywalk_dump() : write the whole heap to path (PATH.tmp renamed in
 * place).  GIL held by the caller.
 * @param[out] stats  filled in on success.
 * @return 0, or a negative HS_E* code with hs_error_last() set (no Python
 *         exception is set).
 */
int hs_pywalk_dump(const char *path, const hs_pywalk_options *opts,
		   hs_pywalk_stats *stats);

#endif
