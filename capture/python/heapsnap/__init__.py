"""heapsnap: capture the heap of this Python process into a .snap file.

    import heapsnap
    heapsnap.dump("x.snap")                 # the whole interpreter, now
    heapsnap.dump("x.snap", redact=True)    # no string content of the program
    heapsnap.enable("/var/tmp/snaps", rss_limit="2G")   # triggers

The walk is in C (heapsnap._capture); see README.md.
"""
import os as _os
import sys as _sys


def _started_as_m():
    """True while `python3 [options] -m heapsnap ...` is locating its
    __main__ (sys.argv[0] is "-m" then): the interpreter has put the
    current directory first on sys.path, where a textwrap.py or a
    threading.py of the user's would shadow the standard library, for
    heapsnap's own imports and for the script it runs."""
    argv = getattr(_sys, "orig_argv", None)    # 3.10 and later
    if _sys.argv[:1] != ["-m"] or not argv:
        return False
    for i, a in enumerate(argv[1:], 1):
        if a == "-m":
            return argv[i + 1:i + 2] == ["heapsnap"]
        if a.startswith("-m"):
            return a == "-mheapsnap"
        if not a.startswith("-"):
            return False
    return False


if _started_as_m() and _sys.path and _sys.path[0] in ("", _os.getcwd()):
    del _sys.path[0]
from ._capture import dump, read_records, WALKERS
from ._triggers import enable, disable, parse_size

__all__ = ["dump", "read_records", "enable", "disable", "parse_size",
           "WALKERS"]
