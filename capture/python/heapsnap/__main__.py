"""python3 -m heapsnap: run a script with the capture triggers on, dump
this interpreter's heap of a small test script, or dump a running process.

    python3 -m heapsnap run [--signal USR1] [--rss-limit 2G]
                            [--cgroup-fraction 0.9] [--dir DIR] [--on-exit]
                            [--on-memory-error] [--max-dumps N] [--redact]
                            script.py args...
    python3 -m heapsnap attach [-o OUT.snap] [--redact] [--timeout S]
                               [--python-path DIR] PID
"""
import os
import sys

if (__name__ == "__main__" and not hasattr(sys, "orig_argv") and
        sys.path[:1] in ([""], [os.getcwd()])):
    del sys.path[0]     # before 3.10 the package cannot tell -m (__init__)

import argparse
import atexit
import signal

from . import _triggers
from ._capture import dump


def _signal_number(name):
    if name.lower() in ("none", "off", ""):
        return None
    if name.isdigit():
        return int(name)
    name = name.upper()
    if not name.startswith("SIG"):
        name = "SIG" + name
    try:
        return getattr(signal, name)
    except AttributeError:
        raise argparse.ArgumentTypeError("unknown signal %r" % name)


def _fraction(text):
    v = float(text)
    if not 0 < v <= 1:
        raise argparse.ArgumentTypeError("a fraction in (0, 1] expected")
    return v


def _size(text):
    try:
        return _triggers.parse_size(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e))


def _parser():
    p = argparse.ArgumentParser(
        prog="python3 -m heapsnap",
        description="Capture the heap of a Python program into .snap files.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser(
        "run", help="run a script with the capture triggers on",
        description="Run SCRIPT as __main__ with heapsnap's triggers on. "
        "Dumps are named heapsnap-PID-TIME-REASON.snap.")
    r.add_argument("--signal", type=_signal_number, default=signal.SIGUSR1,
                   metavar="SIG", help="dump when this signal arrives "
                   "(default USR1; 'none' for no handler)")
    r.add_argument("--rss-limit", type=_size, metavar="SIZE",
                   help="dump when the resident set size reaches SIZE "
                   "(512M, 2G, ...)")
    r.add_argument("--cgroup-fraction", type=_fraction, metavar="F",
                   help="dump when the memory cgroup's usage reaches F of "
                   "its limit (cgroup v2 or v1)")
    r.add_argument("--dir", default=".", help="where dumps go (default .)")
    r.add_argument("--on-exit", action="store_true",
                   help="also dump when the script ends")
    r.add_argument("--on-memory-error", action="store_true",
                   help="dump on an uncaught MemoryError")
    r.add_argument("--max-dumps", type=int, default=5, metavar="N",
                   help="keep the newest N dumps (default 5)")
    r.add_argument("--redact", action="store_true",
                   help="write dumps without the program's string content")
    r.add_argument("--interval", type=float, default=0.2, metavar="S",
                   help="seconds between two memory readings (default 0.2)")
    r.add_argument("script", help="the Python script to run")
    r.add_argument("args", nargs=argparse.REMAINDER,
                   help="the script's arguments")
    d = sub.add_parser("dump", help="dump the heap after running a script",
                       description="Run SCRIPT, then write its heap to OUT.")
    d.add_argument("--redact", action="store_true")
    d.add_argument("out")
    d.add_argument("script")
    d.add_argument("args", nargs=argparse.REMAINDER)
    a = sub.add_parser(
        "attach", help="dump a running Python process",
        description="Dump the heap of the running CPython process PID, "
        "which need not have imported heapsnap: the process writes the "
        "dump itself and goes on running.  Through sys.remote_exec() on "
        "CPython 3.14+, through gdb before.  Needs the right to trace PID "
        "(its owner, or root).")
    a.add_argument("-o", "--output", metavar="OUT.snap",
                   help="where the dump goes (default "
                   "./heapsnap-PID-TIME-attach.snap)")
    a.add_argument("--redact", action="store_true",
                   help="write the dump without the program's string content")
    a.add_argument("--timeout", type=_seconds, default=60.0, metavar="S",
                   help="give up after S seconds (default 60); the process "
                   "goes on running")
    a.add_argument("--python-path", metavar="DIR",
                   help="a directory holding a heapsnap package built for "
                   "the process's Python version, when this one is not")
    a.add_argument("pid", type=_pid, help="the process")
    return p


def _seconds(text):
    v = float(text)
    if not v > 0:
        raise argparse.ArgumentTypeError("a positive number of seconds")
    return v


def _pid(text):
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError("not a process id: %r" % text)
    return int(text)


def main(argv=None):
    a = _parser().parse_args(argv)
    if a.command == "attach":
        from . import _attach
        return _attach.main(a)
    if not os.path.exists(a.script):
        sys.stderr.write("heapsnap: %s: no such file\n" % a.script)
        return 2
    sys.argv = [a.script] + a.args
    # as `python3 script.py` would: the script's directory first (the
    # package dropped the current directory that -m put there), nothing
    # with -P or -I
    if not getattr(sys.flags, "safe_path", False):
        sys.path.insert(0, os.path.dirname(os.path.abspath(a.script)))
    if a.command == "dump":
        try:
            _run_script(a.script)
        except SystemExit:
            pass
        st = dump(a.out, redact=a.redact, reason="manual")
        sys.stderr.write("heapsnap: wrote %s (%d objects)\n"
                         % (a.out, st["objects"]))
        return 0
    trig = _triggers.enable(
        a.dir, signal=a.signal, rss_limit=a.rss_limit,
        cgroup_fraction=a.cgroup_fraction,
        on_memory_error=a.on_memory_error, max_dumps=a.max_dumps,
        redact=a.redact, interval=a.interval)
    if a.on_exit:
        atexit.register(trig.fire, "exit")
    _run_script(a.script)
    return 0


def _run_script(path):
    """Runs path as the __main__ module, as `python3 path` would, and
    leaves that module in sys.modules: its globals stay reachable for a
    dump at exit, also when the script ends with sys.exit()."""
    import builtins
    import types
    with open(path, "rb") as f:
        code = compile(f.read(), path, "exec")
    mod = types.ModuleType("__main__")
    mod.__file__ = path
    mod.__builtins__ = builtins
    sys.modules["__main__"] = mod
    exec(code, mod.__dict__)


if __name__ == "__main__":
    sys.exit(main())
