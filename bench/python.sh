#!/bin/sh
# bench/python.sh - the CPython capture's figures for `make bench`: a heap
# of about 1.2M objects (200k instances of a user class with attributes,
# plus lists, dicts and strings) captured by heapsnap.dump(), beside its
# targets, for every CPython the capture supports that is on this machine
# (pyenv's 3.10-3.13 and the python3 on PATH; the extension is built for
# each with `make python PYTHON=...`, one suffix each in $B/python), with
# the walker that ran; and, on the python3 on PATH, beside a pure-Python
# gc walk and objgraph.typestats() run in the same process on the same
# heap (as ratios).  Each version runs its version walker and the portable
# one (public C API only; within 2x the version walker's time); a version
# the capture does not know builds and runs the portable one alone.
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
	if [ "$first" = 0 ] && ! make -s -C "$top" B="$B" PYTHON="$py" python >"$DIR/make-$v.log" 2>&1; then
		echo "python $v: the extension does not build (see $DIR/make-$v.log)"
		rc=1
		continue
	fi
	PYTHONPATH="$B/python${PYTHONPATH:+:$PYTHONPATH}" nice "$py" - "$DIR" \
		"${BENCH_REPEAT:-3}" "$first" "$top/bench" <<'PY' || rc=1
import gc, os, sys, time
import heapsnap

DIR, REPEAT, COMPARE = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
sys.path.insert(0, sys.argv[4])
import pyheap
from pyheap import measure, row
SNAP = os.path.join(DIR, "python-bench.snap")


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


heap = pyheap.build()
V = "python %d.%d" % sys.version_info[:2]
runs = {}
for walker in [w for w in heapsnap.WALKERS if w != "portable"] + ["portable"]:
    best = None
    for _ in range(REPEAT):
        stats = {}
        m = measure(lambda: stats.update(heapsnap.dump(SNAP, walker=walker)))
        if best is None or m[0] < best[0][0]:
            best = (m, dict(stats))
    runs[walker] = best
    (wall, cpu, extra), st = best
    n = st["objects"]
    size = os.path.getsize(SNAP)
    W = "%s %s" % (V, "portable" if walker == "portable" else "version")
    print("%s capture (walker %s): %d objects (%d gc-tracked), %d references, "
          "load %.2f" % (V, st["walker"], n, st["tracked"], st["refs"],
                         os.getloadavg()[0]))
    if walker == "portable":
        # within 2x the version walker's time (no version walker: no
        # target)
        ref = [r for w, r in runs.items() if w != "portable"]
        if ref:
            row("%s: capture time / version walker's, wall" % W,
                wall / ref[0][0][0], "x", "<=", 2)
            row("%s: capture time / version walker's, CPU" % W,
                cpu / ref[0][0][1], "x", "<=", 2)
        else:
            row("%s: capture time, wall" % W, wall, "s")
        row("%s: extra peak memory per object (RSS)" % W, extra / n,
            "B/obj")
        row("%s: capture's own peak memory per object" % W,
            st["peak_memory"] / n, "B/obj")
        continue
    row("%s: capture time, wall (incl. zstd writing)" % W, wall, "s", "<=",
        0.5)
    row("%s: capture time, CPU" % W, cpu, "s", "<=", 0.5)
    row("%s: extra peak memory per object (RSS)" % W, extra / n, "B/obj",
        "<=", 32)
    row("%s: capture's own peak memory per object" % W,
        st["peak_memory"] / n, "B/obj", "<=", 32)
    row("%s: bytes per object on disk" % W, size / n, "B/obj", "<=", 8)
# the comparisons below are with the version walker, where there is one
ver = [w for w in runs if w != "portable"]
(wall, cpu, extra), st = runs[ver[0] if ver else "portable"]
n = st["objects"]
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
