#!/bin/sh
# bench/paths.sh - the paths' part of `make bench` (bench/run.sh calls
# it; it also runs alone after `make`): `dumppath` to the far end of a
# chain of BENCH_CHAIN_OBJECTS (default 1M) objects, each reference
# labelled, in a file made by tests/fuzz/craft.py (ids and sizes vary as
# a heap's do, so it compresses like one): the load, the search and the
# million labels of the path, read in one pass over the frames.  Target:
# under 2 s.  Human output to /dev/null, and --json.
#
#   BENCH_REPEAT=R   runs, the best is kept (default 3)
#   BENCH_DIR=DIR    scratch (default build/bench); BENCH_KEEP=1 keeps it
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
B="$top/build"
N=${BENCH_CHAIN_OBJECTS:-1000000}
REPEAT=${BENCH_REPEAT:-3}
DIR=${BENCH_DIR:-$B/bench}/paths
MISSED=0

die() { echo "bench/paths: $*" >&2; exit 2; }

. "$top/bench/lib.sh"

[ -x "$B/bin/dumppath" ] || die "run make first"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (make bench-deps installs 'time')"
mkdir -p "$DIR" || die "cannot create $DIR"
f="$DIR/chain.snap"
python3 - "$top/tests/fuzz" "$N" "$f" <<'PY' || die "cannot craft the chain"
import sys
sys.path.insert(0, sys.argv[1])
import craft
open(sys.argv[3], "wb").write(craft.chain(int(sys.argv[2])))
PY
cat "$f" >/dev/null
echo "dumppath along a chain ($N objects, $(wc -c <"$f") bytes)"
for form in human json; do
	opt=""
	[ "$form" = json ] && opt=--json
	# shellcheck disable=SC2086
	best_time "$DIR/out" "$B/bin/dumppath" $opt "$f" --index $((N - 1)) ||
		die "dumppath failed"
	grep -q "$((N - 1)) references\|\"length\":$((N - 1))" "$DIR/out" ||
		die "dumppath did not find the path of $((N - 1)) references"
	row "  path to the far end ($form), wall" "$best_wall" "s" "<=" 2
	row "  path to the far end ($form), CPU" "$best_cpu" "s" "<=" 2
	info "  path to the far end ($form), peak RSS" "$((best_rss / 1024))" "MiB"
done
[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$DIR"
exit 0
