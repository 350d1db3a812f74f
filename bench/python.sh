#!/bin/sh
# bench/python.sh - the CPython capture's figures for `make bench`: a heap
# of about 1.2M objects (200k instances of a user class with attributes,
# plus lists, dicts and strings) captured by heapsnap.dump(), beside its
# targets, for every CPython the capture supports that is on this machine
# (pyenv's 3.10-3.13 and the python3 on PATH; the extension is built for
# each with `make python PYTHON=...`, one suffix each in $B/python), with
# the walker that ran; and, on the python3 on PATH, beside a pure-Python
# gc walk and objgraph.typestats() run in the same process on the same
# heap (as ratios).
#
#   BENCH_REPEAT=R   captures timed, the best is kept (default 3)
#   BENCH_DIR=DIR    scratch directory (default build/bench)
#   BENCH_PYTHONS="P1 P2"  the interpreters (default: as above)
#
# Rows: figure, value, unit, target, "target met" / "MISSED".  Times are
# given by wall clock and by CPU time (the machine may be shared).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B=${HS_BUILD:-$top/build}
DIR=${BENCH_DIR:-$B/bench}
mkdir -p "$DIR"
[ -d "$B/python/heapsnap" ] || { echo "bench: no $B/python: make python" >&2; exit 2; }

# one interpreter per minor version, python3 on PATH first
pythons=${BENCH_PYTHONS:-"$(command -v python3) $(ls -d \
	"$(pyenv root 2>/dev/null || echo /root/.pyenv)"/versions/3.1[0-9]*/bin/python3 \
	2>/dev/null)"}
seen=" "
rc=0
first=1
for py in $pythons; do
	v=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
	case "$seen" in *" $v "*) continue ;; esac
	seen="$seen$v "
	case "$v" in 3.1[0-3]) ;; *) echo "python $v: not supported by the capture, skipped"; continue ;; esac
	if [ "$first" = 0 ] && ! make -s -C "$top" B="$B" PYTHON="$py" python >"$DIR/make-$v.log" 2>&1; then
		echo "python $v: the extension does not build (see $DIR/make-$v.log)"
		rc=1
		continue
	fi
	PYTHONPATH="$B/python${PYTHONPATH:+:$PYTHONPATH}" nice "$py" - "$DIR" \
		"${BENCH_REPEAT:-3}" "$first" <<'PY' || rc=1
import gc, os, sys, time
import heapsnap

DIR, REPEAT, COMPARE = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
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
V = "python %d.%d" % sys.version_info[:2]
print("%s capture (walker %s): %d objects (%d gc-tracked), %d references, "
      "load %.2f" % (V, st["walker"], n, st["tracked"], st["refs"],
                     os.getloadavg()[0]))
row("%s: capture time, wall (incl. zstd writing)" % V, wall, "s", "<=", 0.5)
row("%s: capture time, CPU" % V, cpu, "s", "<=", 0.5)
row("%s: extra peak memory per object (RSS)" % V, extra / n, "B/obj", "<=",
    32)
row("%s: capture's own peak memory per object" % V, st["peak_memory"] / n,
    "B/obj", "<=", 32)
row("%s: bytes per object on disk" % V, size / n, "B/obj", "<=", 8)
if not COMPARE:
    os.unlink(SNAP)
    sys.exit(0)

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
	first=0
done
exit $rc
