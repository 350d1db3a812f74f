/*
 * pyselect.h - which walkers a build of the capture has, from the
 * headers of the CPython it is compiled against: the version walker for
 * the default (GIL) builds of 3.10 to 3.13, whose internals it reads
 * (HS_VERSION_WALKER); the portable walker (public C API only) always.
 * HS_PORTABLE_ONLY (make HEAPSNAP_PORTABLE_ONLY=1, or that variable in
 * pip's environment) builds the portable walker alone, as a CPython the
 * capture does not know gets it.
 *
 * The one place that decides: the C files read it, and the Makefile and
 * the build backend ask the preprocessor (cc -E -dM) whether
 * HS_VERSION_WALKER is defined before they compile the version walker's
 * files.  Reads patchlevel.h and pyconfig.h only.
 */
#ifndef HS_PYSELECT_H
#define HS_PYSELECT_H

#include <patchlevel.h>
#include <pyconfig.h>

#if PY_VERSION_HEX >= 0x030A0000 && PY_VERSION_HEX < 0x030E0000 && \
    !defined(Py_GIL_DISABLED) && !defined(HS_PORTABLE_ONLY)
#define HS_VERSION_WALKER 1
#endif

#endif
