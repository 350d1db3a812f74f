"""heapsnap: capture the heap of this Python process into a .snap file.

    import heapsnap
    heapsnap.dump("x.snap")                 # the whole interpreter, now
    heapsnap.dump("x.snap", redact=True)    # no string content of the program
    heapsnap.enable("/var/tmp/snaps", rss_limit="2G")   # triggers

The walk is in C (heapsnap._capture); see README.md.
"""
from ._capture import dump, read_records
from ._triggers import enable, disable, parse_size

__all__ = ["dump", "read_records", "enable", "disable", "parse_size"]
