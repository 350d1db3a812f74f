#!/bin/sh
# bench/diff.sh - dumpdiff's part of `make bench` (bench/run.sh calls it;
# it also runs alone after `make`): wall time, CPU time and peak RSS of
# `dumpdiff A B --top 20` (two loads, two dominator trees, the diff,
# the owners' root paths) on
#   - two python-shaped snapshots (BENCH_PY_OBJECTS, default 1.2M objects;
#     phase 2 adds dumpgen's leak): target <= 0.6 s
#   - two bench4 snapshots (BENCH_OBJECTS, default 10M objects, ~40M
#     references): targets <= 12 s and <= 2 GiB peak RSS
# and checks that the diff names dumpgen's leak owner; the last run's
# steps (HS_TIMING: loads, dominators, the diff's own) follow each pair.
#
#   BENCH_REPEAT=R   runs per figure, the best is kept (default 3)
#   BENCH_DIR=DIR    scratch (default build/bench); BENCH_KEEP=1 keeps it
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
B="$top/build"
N=${BENCH_OBJECTS:-10000000}
NPY=${BENCH_PY_OBJECTS:-1200000}
[ "$NPY" -gt "$N" ] && NPY=$N
REPEAT=${BENCH_REPEAT:-3}
DIR=${BENCH_DIR:-$B/bench}/diff
. "$top/bench/lib.sh"

die() { echo "bench/diff: $*" >&2; exit 2; }

[ -x "$B/bin/dumpdiff" ] && [ -x "$B/bin/dumpgen" ] || die "run make first"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (make bench-deps installs 'time')"
mkdir -p "$DIR" || die "cannot create $DIR"

# pair NAME SHAPE OBJECTS WALL_TARGET RSS_TARGET_MIB
pair() {
	for p in 1 2; do
		"$B/bin/dumpgen" --objects "$3" --seed 3 --shape "$2" --refs index \
			--phase $p --json -o "$DIR/$1-$p.snap" >"$DIR/$1-$p.json" 2>/dev/null ||
			die "$1: dumpgen failed"
	done
	HS_TIMING=1 best_time "$DIR/out" "$B/bin/dumpdiff" --json --top 20 "$DIR/$1-1.snap" "$DIR/$1-2.snap" ||
		die "$1: dumpdiff failed"
	grep '^timing:' "$DIR/out.err" >"$DIR/$1.steps"
	python3 - "$DIR/out" "$DIR/$1-2.json" <<'PY' || echo "-- $1: the diff did NOT name dumpgen's leak owner"
import json, sys
d = json.load(open(sys.argv[1])); g = json.load(open(sys.argv[2]))
o = d["owners"][0]
assert o["id"] == g["leak"]["owner_id"] and o["bytes"] == g["leak"]["total_bytes"], (o, g["leak"])
PY
	echo "-- $1: two snapshots of $3 objects (shape $2), leak of $(python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["leak"]; print(l["count"], "objects,", l["total_bytes"], "bytes")' "$DIR/$1-2.json")"
	row "dumpdiff ($1): wall" "$best_wall" "s" "<=" "$4"
	info "dumpdiff ($1): CPU (user+sys)" "$best_cpu" "s"
	rss_mib=$(div "$best_rss" 1024)
	if [ -n "$5" ]; then
		row "dumpdiff ($1): peak RSS" "$rss_mib" "MiB" "<=" "$5"
	else
		info "dumpdiff ($1): peak RSS" "$rss_mib" "MiB"
	fi
	# the last run's steps (HS_TIMING): both loads and both trees run
	# at once, so their lines interleave; wall, and CPU of the step's
	# thread
	while read -r _ what step wall _ _ _ _ _ tcpu _; do
		info "  step $what $step: wall" "$wall" "s" "(CPU ${tcpu#(} s on its thread)"
	done <"$DIR/$1.steps"
}

pair python python "$NPY" 0.6 ""
pair bench4 bench4 "$N" 12 2048
[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$DIR"
exit 0
