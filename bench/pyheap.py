"""bench/pyheap.py - what the Python benches (bench/python.sh,
bench/attach.sh) share: the benchmark heap of about 1.2M objects (200k
instances of a user class with attributes, plus lists, dicts and
strings), the process's memory figures, and the table row of
bench/run.sh.  Imports nothing of heapsnap: attach's target, which must
never have imported it, builds its heap from here too."""
import gc
import time


class Item:
    def __init__(self, i):
        self.id = i + 100000
        self.name = "item-%d" % i
        self.tags = [i + 1000000]
        self.parent = None


def build():
    items = [Item(i) for i in range(200000)]
    dicts = [{"key": "value-%d" % i} for i in range(50000)]
    strs = ["s%07d" % i for i in range(100000)]
    return items, dicts, strs


def status(name):
    """A /proc/self/status figure in bytes (VmRSS, VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    return 0


def measure(fn):
    """(wall s, cpu s, extra peak RSS bytes) of fn()."""
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")            # resets VmHWM to VmRSS
    base = status("VmRSS")
    c, t = time.process_time(), time.perf_counter()
    fn()
    t, c = time.perf_counter() - t, time.process_time() - c
    return t, c, max(0, status("VmHWM") - base)


failed = 0


def row(figure, value, unit, op=None, target=None):
    """One figure, against its target when there is one (op "<=" or
    ">="); a missed target counts in failed."""
    global failed
    if op is None:
        st, op, tg = "(no target)", "", ""
    else:
        ok = value <= target if op == "<=" else value >= target
        st = "target met" if ok else "MISSED"
        failed += not ok
        tg = "%g" % target
    print("%-50s %12s %-7s %2s %-9s %s" % (figure, "%.2f" % value, unit, op,
                                          tg, st), flush=True)
