#!/bin/sh
# bench/python.sh - the CPython capture's figures for `make bench`: a heap
# of about 1.2M objects (200k instances of a user class with attributes,
# plus lists, dicts and strings) captured by heapsnap.dump(), beside its
# targets, and beside a pure-Python gc walk and objgraph.typestats() run
# in the same process on the same heap (as ratios).
#
#   BENCH_REPEAT=R   captures timed, the best is kept (default 3)
#   BENCH_DIR=DIR    scratch directory (default build/bench)
#
# Rows: figure, value, unit, target, "target met" / "MISSED".  Times are
# given by wall clock and by CPU time (the machine may be shared).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B=${HS_BUILD:-$top/build}
DIR=${BENCH_DIR:-$B/bench}
mkdir -p "$DIR"
[ -d "$B/python/heapsnap" ] || { echo "bench: no $B/python: make python" >&2; exit 2; }
PYTHONPATH="$B/python${PYTHONPATH:+:$PYTHONPATH}" exec python3 - "$DIR" "${BENCH_REPEAT:-3}" <<'PY'
import gc, os, sys, time
import heapsnap

DIR, REPEAT = sys.argv[1], int(sys.argv[2])
SNAP = os.path.join(DIR, "python-bench.snap")


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
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    return 0


def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def measure(fn):
    """(wall s, cpu s, extra peak bytes) of fn()"""
    gc.collect()
    reset_peak()
    base = status("VmRSS")
    c, t = time.process_time(), time.perf_counter()
    fn()
    t, c = time.perf_counter() - t, time.process_time() - c
    return t, c, max(0, status("VmHWM") - base)


def gc_walk():
    seen = set()
    stack = gc.get_objects()
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        stack.extend(gc.get_referents(o))
    return len(seen)


failed = 0


def row(figure, value, unit, op=None, target=None):
    global failed
    if op is None:
        st, op, tg = "(no target)", "", ""
    else:
        ok = value <= target if op == "<=" else value >= target
        st = "target met" if ok else "MISSED"
        failed += not ok
        tg = "%g" % target
    # the layout of bench/run.sh's rows
    print("%-50s %12s %-7s %2s %-9s %s" % (figure, "%.2f" % value, unit, op,
                                          tg, st), flush=True)


heap = build()
best = None
for _ in range(REPEAT):
    stats = {}
    m = measure(lambda: stats.update(heapsnap.dump(SNAP)))
    if best is None or m[0] < best[0][0]:
        best = (m, dict(stats))
(wall, cpu, extra), st = best
n = st["objects"]
size = os.path.getsize(SNAP)
print("python capture: %d objects (%d gc-tracked), %d references, "
      "load %.2f" % (n, st["tracked"], st["refs"], os.getloadavg()[0]))
row("python: capture time, wall (incl. zstd writing)", wall, "s", "<=", 0.5)
row("python: capture time, CPU", cpu, "s", "<=", 0.5)
row("python: extra peak memory per object (RSS)", extra / n, "B/obj", "<=", 32)
row("python: capture's own peak memory per object", st["peak_memory"] / n,
    "B/obj", "<=", 32)
row("python: bytes per object on disk", size / n, "B/obj", "<=", 8)

w_wall, w_cpu, w_extra = measure(gc_walk)
row("python: pure-Python gc walk, wall", w_wall, "s")
row("python: gc walk time / capture time", w_wall / wall, "x")
row("python: gc walk extra memory per object", w_extra / n, "B/obj")
sys.path.append("/usr/lib/python3/dist-packages")
try:
    import objgraph
except ImportError:
    print("python: objgraph is not importable (apt-get install "
          "python3-objgraph): skipped")
else:
    o_wall, o_cpu, o_extra = measure(lambda: objgraph.typestats())
    row("python: objgraph.typestats(), wall", o_wall, "s")
    row("python: typestats time / capture time", o_wall / wall, "x")
    row("python: typestats extra memory per object", o_extra / n, "B/obj")
os.unlink(SNAP)
sys.exit(0)
PY
