"""Capture triggers: a signal, a memory threshold (RSS or the cgroup's
limit), an uncaught MemoryError.

Everything here runs outside the capture: the capture itself is
heapsnap._capture.dump(), which walks the heap in C.  The watchdog thread
reads two small files every `interval` seconds and allocates almost nothing,
so it can keep running in a process close to its limit.
"""
import os
import stat
import signal as _signal
import sys
import threading
import time

__all__ = ["enable", "disable", "parse_size", "memory_usage", "Trigger"]

_UNITS = {"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10,
          "M": 1 << 20, "MB": 1 << 20, "MIB": 1 << 20,
          "G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30,
          "T": 1 << 40, "TB": 1 << 40, "TIB": 1 << 40}


def parse_size(text):
    """'2G', '512M', '100k', '4096' -> bytes (binary units)."""
    if isinstance(text, int):
        return text
    s = str(text).strip().upper()
    i = len(s)
    while i and not (s[i - 1].isdigit() or s[i - 1] == "."):
        i -= 1
    num, unit = s[:i], s[i:].strip()
    if not num or unit not in _UNITS:
        raise ValueError("not a size: %r (use e.g. 512M, 2G)" % (text,))
    return int(float(num) * _UNITS[unit])


def _read_int(path):
    try:
        with open(path, "rb") as f:
            v = f.read(64).strip()
    except OSError:
        return None
    if v == b"max":
        return None
    try:
        return int(v)
    except ValueError:
        return None


def _rss():
    """Resident set size of this process, in bytes."""
    with open("/proc/self/statm", "rb") as f:
        fields = f.read().split()
    return int(fields[1]) * os.sysconf("SC_PAGE_SIZE")


def _cgroup_files():
    """(usage file, limit file) of this process's memory cgroup, v2 first
    (memory.current / memory.max), then v1 (memory.usage_in_bytes /
    memory.limit_in_bytes); None when there is none."""
    try:
        with open("/proc/self/cgroup") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3 and parts[0] == "0" and parts[1] == "":
            d = "/sys/fs/cgroup" + parts[2]
            if os.path.exists(os.path.join(d, "memory.max")):
                return (os.path.join(d, "memory.current"),
                        os.path.join(d, "memory.max"))
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3 and "memory" in parts[1].split(","):
            for root in ("/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory,cpuacct"):
                d = root + parts[2]
                if os.path.exists(os.path.join(d, "memory.limit_in_bytes")):
                    return (os.path.join(d, "memory.usage_in_bytes"),
                            os.path.join(d, "memory.limit_in_bytes"))
    return None


def memory_usage():
    """{'rss': bytes, 'cgroup_usage': bytes|None, 'cgroup_limit': bytes|None}"""
    out = {"rss": _rss(), "cgroup_usage": None, "cgroup_limit": None}
    files = _cgroup_files()
    if files:
        out["cgroup_usage"] = _read_int(files[0])
        limit = _read_int(files[1])
        # v1 reports "no limit" as a huge number
        out["cgroup_limit"] = limit if limit and limit < (1 << 60) else None
    return out


class Trigger:
    """The state of enable(): where dumps go, how many are kept."""

    def __init__(self, directory, max_dumps, redact, rearm):
        self.directory = directory
        self.max_dumps = max_dumps
        self.redact = redact
        self.rearm = rearm
        self.dumps = []          # paths written, oldest first
        # reentrant: a signal may arrive while the main thread is in fire()
        self.lock = threading.RLock()
        self.stop = threading.Event()
        self.thread = None
        self.old_signal = None
        self.signum = None
        self.old_excepthook = None
        self.old_thread_excepthook = None
        self.errors = []

    def path_for(self, reason):
        t = time.time()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(t))
        return os.path.join(self.directory, "heapsnap-%d-%s.%03d-%s.snap" % (
            os.getpid(), stamp, int(t * 1000) % 1000, reason))

    def fire(self, reason):
        """Write one dump now; keep at most max_dumps of them (the newest).
        @return the path, or None when the dump failed (recorded)."""
        with self.lock:
            path = self.path_for(reason)
            try:
                from ._capture import dump
                dump(path, redact=self.redact, reason=reason)
            except Exception as e:     # never kill the program
                self.errors.append("%s: %s" % (path, e))
                sys.stderr.write("heapsnap: %s: %s\n" % (path, e))
                return None
            self.dumps.append(path)
            while len(self.dumps) > self.max_dumps:
                old = self.dumps.pop(0)
                try:
                    # only a dump file: a FIFO or a device written in
                    # place (hs_outfile.h) is not ours to remove
                    if stat.S_ISREG(os.lstat(old).st_mode):
                        os.unlink(old)
                except OSError:
                    pass
            sys.stderr.write("heapsnap: wrote %s\n" % path)
            return path


_active = None


def _watch(trig, rss_limit, cgroup_fraction, interval):
    """Dump once per upward crossing of a threshold; re-arm when usage
    falls below rearm * threshold (hysteresis)."""
    armed = {"rss": True, "cgroup": True}
    files = _cgroup_files() if cgroup_fraction else None
    while not trig.stop.wait(interval):
        try:
            checks = []
            if rss_limit:
                checks.append(("rss", _rss(), rss_limit))
            if files:
                limit = _read_int(files[1])
                usage = _read_int(files[0])
                if limit and usage is not None and limit < (1 << 60):
                    checks.append(("cgroup", usage, limit * cgroup_fraction))
            for reason, used, threshold in checks:
                if armed[reason] and used >= threshold:
                    armed[reason] = False
                    trig.fire(reason)
                elif not armed[reason] and used < threshold * trig.rearm:
                    armed[reason] = True
        except Exception as e:      # keep watching
            trig.errors.append("watchdog: %s" % e)


def enable(directory, *, signal=_signal.SIGUSR1, rss_limit=None,
           cgroup_fraction=None, on_memory_error=False, max_dumps=5,
           redact=False, interval=0.2, rearm=0.9):
    """Turn the triggers on; dumps go to directory as
    heapsnap-PID-YYYYmmdd-HHMMSS.mmm-REASON.snap, the reason also in the
    file's header.

    signal:          dump when this signal arrives (at the next safe point
                     of the main thread); None for no signal handler.
    rss_limit:       dump when the resident set size reaches this many
                     bytes ('2G' works too).
    cgroup_fraction: dump when the memory cgroup's usage reaches this
                     fraction of its limit (v2 memory.current/memory.max,
                     v1 memory.usage_in_bytes/memory.limit_in_bytes).
    on_memory_error: dump when a MemoryError is not caught.
    max_dumps:       keep the newest this many files, delete older ones.
    redact:          write redacted dumps (no string content).
    interval:        seconds between two watchdog readings.
    rearm:           a threshold fires again only after usage fell below
                     rearm * threshold.
    @return the Trigger (also kept as the module's active one).
    """
    global _active
    disable()
    if max_dumps < 1:
        raise ValueError("max_dumps must be at least 1")
    os.makedirs(directory, exist_ok=True)
    trig = Trigger(os.path.abspath(directory), max_dumps, redact, rearm)
    if signal:
        trig.signum = signal
        trig.old_signal = _signal.signal(signal,
                                         lambda s, f: trig.fire("signal"))
    if rss_limit is not None:
        rss_limit = parse_size(rss_limit)
    if cgroup_fraction is not None and not 0 < cgroup_fraction <= 1:
        raise ValueError("cgroup_fraction must be in (0, 1]")
    if rss_limit or cgroup_fraction:
        trig.thread = threading.Thread(
            target=_watch, name="heapsnap-watchdog", daemon=True,
            args=(trig, rss_limit, cgroup_fraction, interval))
        trig.thread.start()
    if on_memory_error:
        trig.old_excepthook = sys.excepthook
        trig.old_thread_excepthook = threading.excepthook

        def hook(tp, value, tb):
            if issubclass(tp, MemoryError):
                trig.fire("memory_error")
            trig.old_excepthook(tp, value, tb)

        def thread_hook(args):
            if issubclass(args.exc_type, MemoryError):
                trig.fire("memory_error")
            trig.old_thread_excepthook(args)

        sys.excepthook = hook
        threading.excepthook = thread_hook
    _active = trig
    return trig


def disable():
    """Turn the triggers off (the files written stay)."""
    global _active
    trig, _active = _active, None
    if trig is None:
        return
    trig.stop.set()
    if trig.thread is not None:
        trig.thread.join()
    if trig.signum is not None:
        _signal.signal(trig.signum, trig.old_signal or _signal.SIG_DFL)
    if trig.old_excepthook is not None:
        sys.excepthook = trig.old_excepthook
        threading.excepthook = trig.old_thread_excepthook
