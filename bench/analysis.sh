#!/bin/sh
# bench/analysis.sh - the analyses' part of `make bench` (bench/run.sh
# calls it; it also runs alone after `make`): wall time, CPU time and
# peak RSS of `dumpdom FILE --top 20` (load + dominators + retained sizes
# + output) on
#   - the python-shaped heap (BENCH_PY_OBJECTS, default 1.2M objects):
#     target <= 0.3 s
#   - the bench4 heap (BENCH_OBJECTS, default 10M objects, ~40M refs):
#     targets <= 6 s and <= 1 GiB peak RSS; there also dumptypes and
#     dumppath --type T, each <= 1.2x dumpdom's time
#   - a deep heap (BENCH_DEEP_OBJECTS, default 2M objects in one chain
#     with back references: a dominator tree 1M levels deep)
#   - the huge heap (BENCH_HUGE_OBJECTS, default 100M objects of the
#     bench4 shape, ~400M refs; one run): targets <= 90 s, <= 10 GiB and
#     <= 100 bytes of peak RSS per object, with each step's time beside
#     its time on bench4 (a step that grows faster than the heap shows)
# with memory per object and per reference, and, on the same graphs,
# Boost Graph's lengauer_tarjan_dominator_tree (all three heaps) and
# networkx.immediate_dominators (the python heap only) as ratios to
# heapsnap's own dominator step.  The three programs' idoms are compared
# through a checksum; a difference is reported as DIFFER.
#
#   BENCH_REPEAT=R   runs of dumpdom per heap, the best is kept (default 3)
#   BENCH_HEAPS="python deep bench4 huge"  which heaps, in order
#   BENCH_DIR=DIR    scratch (default build/bench); BENCH_KEEP=1 keeps it
#   BENCH_NX=0       skip networkx (slow: 38 s at 100k objects here)
#   BENCH_NX_TIMEOUT=S  give networkx at most S seconds (default 900); a
#                    timeout is reported as a lower bound
#
# Wall figures under a load above the core count say little: the CPU
# time (user + system) is printed beside each.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
B="$top/build"
N=${BENCH_OBJECTS:-10000000}
NPY=${BENCH_PY_OBJECTS:-1200000}
NDEEP=${BENCH_DEEP_OBJECTS:-2000000}
REPEAT=${BENCH_REPEAT:-3}
DIR=${BENCH_DIR:-$B/bench}/analysis
NX=${BENCH_NX:-1}
HEAPS=${BENCH_HEAPS:-"python deep bench4 huge"}
NHUGE=${BENCH_HUGE_OBJECTS:-100000000}
NXTIMEOUT=${BENCH_NX_TIMEOUT:-900}
MISSED=0
TIME=/usr/bin/time
NXPY=/usr/bin/python3

die() { echo "bench/analysis: $*" >&2; exit 2; }

. "$top/bench/lib.sh"

[ -x "$B/bin/dumpdom" ] && [ -x "$B/bin/dumpgen" ] || die "run make first"
[ -x "$TIME" ] || die "$TIME is missing (make bench-deps installs 'time')"
mkdir -p "$DIR" || die "cannot create $DIR"
DC="$DIR/domcheck"
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -I"$top/libdump/include" \
	"$top/bench/domcheck.c" "$B/lib/libheapsnap.a" \
	$(pkg-config --libs libzstd msgpack 2>/dev/null || echo -lzstd -lmsgpackc) \
	-pthread -lm -o "$DC" || die "cannot build domcheck"
BOOST=""
if ${CXX:-g++} -O2 -o "$DIR/boost_dom" "$top/bench/boost_dom.cpp" 2>"$DIR/boost.err"; then
	BOOST="$DIR/boost_dom"
else
	echo "(Boost Graph comparison skipped: cannot build bench/boost_dom.cpp; make bench-deps)"
fi
if [ "$NX" = 1 ] && ! "$NXPY" -c 'import networkx' 2>/dev/null; then
	echo "(networkx comparison skipped: $NXPY cannot import networkx; make bench-deps)"
	NX=0
fi

# dumpdom_best NAME FILE: best of REPEAT runs of dumpdom --top 20 (the
# fastest wall time with its CPU time; the smallest peak RSS); the last
# run's HS_TIMING steps are kept in $DIR/NAME.steps
dumpdom_best() {
	HS_TIMING=1 best_time "$DIR/out" "$B/bin/dumpdom" "$2" --top 20 ||
		die "$1: dumpdom failed"
	grep '^timing:' "$DIR/out.err" >"$DIR/$1.steps"
}

# step_rows NAME [BASE]: NAME's HS_TIMING steps, wall and the main
# thread's CPU; with BASE, each step's times as multiples of BASE's
step_rows() {
	while read -r _ what step wall _ _ _ _ _ tcpu _; do
		tcpu=${tcpu#(}
		note="(CPU $tcpu s on its thread)"
		if [ -n "${2:-}" ] && [ -f "$DIR/$2.steps" ]; then
			note=$(awk -v w="$what" -v s="$step" -v wall="$wall" -v cpu="$tcpu" '
				$2 == w && $3 == s { bw = $4; bc = $10; sub(/^\(/, "", bc) }
				END { if (bw > 0 && bc > 0)
					printf "CPU %s s; %.1fx, CPU %.1fx %s\n", cpu, wall / bw, cpu / bc, "'"$2"'"
				      else printf "CPU %s s\n", cpu }' "$DIR/$2.steps")
		fi
		info "  step $what $step: wall" "$wall" "s" "$note"
	done <"$DIR/$1.steps"
}

# tool_vs_dom NAME FILE TOOL ARGS...: best time of another analysis on
# the heap, and its ratio to dumpdom's (best_wall / best_cpu of the heap's
# dumpdom run, saved by the caller in dom_wall / dom_cpu)
tool_vs_dom() {
	name=$1; file=$2; tool=$3; shift 3
	best_time "$DIR/out" "$B/bin/$tool" "$file" "$@" || die "$name: $tool failed"
	row "$tool${*:+ $*} ($name): wall / dumpdom's" "$(div "$best_wall" "$dom_wall")" "x" "<=" 1.2
	info "$tool${*:+ $*} ($name): CPU / dumpdom's" "$(div "$best_cpu" "$dom_cpu")" "x" \
		"$best_wall s wall, $best_cpu s CPU, $(awk -v k="$best_rss" 'BEGIN { printf "%.0f", k / 1024 }') MiB"
}

# huge FILE: one run of dumpdom on the 100M-object heap
huge() {
	REPEAT=1 dumpdom_best huge "$1"
	echo "-- huge: $NHUGE objects of the bench4 shape ($(awk -v a="$NHUGE" -v b="$N" 'BEGIN { printf "%g", a / b }') times bench4's), one run; steps beside bench4's"
	row "dumpdom --top 20 (huge): wall" "$best_wall" "s" "<=" 90
	info "dumpdom --top 20 (huge): CPU (user+sys)" "$best_cpu" "s"
	row "dumpdom --top 20 (huge): peak RSS" "$(div "$best_rss" 1024)" "MiB" "<=" 10240
	row "  peak RSS per object, all in" "$(div "$best_rss" "$NHUGE" 1024)" "B" "<=" 100
	step_rows huge bench4
}

# heap NAME FILE WALL_TARGET RSS_TARGET_MIB NX
heap() {
	name=$1; file=$2
	"$DC" export "$file" "$DIR/$name.edges" >"$DIR/$name.ours" ||
		die "$name: domcheck export failed"
	objs=$(get objects "$DIR/$name.ours"); refs=$(get refs "$DIR/$name.ours")
	dumpdom_best "$name" "$file"
	echo "-- $name: $(printf "%s objects, %s references, %s reachable, dominator tree %s deep" \
		"$objs" "$refs" "$(get reachable "$DIR/$name.ours")" "$(get depth "$DIR/$name.ours")")"
	if [ -n "$3" ]; then
		row "dumpdom --top 20 ($name): wall" "$best_wall" "s" "<=" "$3"
	else
		info "dumpdom --top 20 ($name): wall" "$best_wall" "s"
	fi
	info "dumpdom --top 20 ($name): CPU (user+sys)" "$best_cpu" "s"
	rss_mib=$(div "$best_rss" 1024)
	if [ -n "$4" ]; then
		row "dumpdom --top 20 ($name): peak RSS" "$rss_mib" "MiB" "<=" "$4"
	else
		info "dumpdom --top 20 ($name): peak RSS" "$rss_mib" "MiB"
	fi
	info "  peak RSS per object" "$(div "$best_rss" "$objs" 1024)" "B"
	info "  peak RSS per reference" "$(div "$best_rss" "$refs" 1024)" "B"
	ours=$(get dom_s "$DIR/$name.ours")
	info "  heapsnap: load (hs_graph_load)" "$(get load_s "$DIR/$name.ours")" "s"
	info "  heapsnap: dominators + retained (hs_dom_build)" "$ours" "s"
	step_rows "$name"
	if [ -n "$BOOST" ]; then
		brc=0
		$TIME -f '%M' -o "$DIR/btime" "$BOOST" "$DIR/$name.edges" >"$DIR/$name.boost" 2>"$DIR/err"
		brc=$?
		if [ $brc != 0 ]; then
			# Boost's path compression recurses: a deep dominator
			# tree overflows the 8 MiB stack; say so, and measure it
			# again with an unlimited stack
			info "  Boost lengauer_tarjan_dominator_tree" 0 "s" \
				"FAILED (exit $brc: its recursion overflows the stack)"
			(ulimit -s unlimited && $TIME -f '%M' -o "$DIR/btime" \
				"$BOOST" "$DIR/$name.edges") >"$DIR/$name.boost" \
				2>"$DIR/err" || { rm -f "$DIR/$name.edges"; return 0; }
		fi
		same=DIFFER
		[ "$(get checksum "$DIR/$name.boost")" = "$(get checksum "$DIR/$name.ours")" ] && same="same idoms"
		[ $brc != 0 ] && same="$same, with ulimit -s unlimited"
		info "  Boost lengauer_tarjan_dominator_tree" "$(get dom_s "$DIR/$name.boost")" "s" "$same"
		info "  Boost / heapsnap (dominator step)" \
			"$(div "$(get dom_s "$DIR/$name.boost")" "$ours")" "x"
		info "  Boost: graph build (peak RSS in status)" \
			"$(get build_s "$DIR/$name.boost")" "s" \
			"$(awk -v k="$(cat "$DIR/btime")" 'BEGIN { printf "%.1f MiB", k / 1024 }')"
	fi
	if [ "$5" = 1 ] && [ "$NX" = 1 ]; then
		$TIME -f '%M' -o "$DIR/ntime" timeout "$NXTIMEOUT" "$NXPY" \
			"$top/bench/nx_dom.py" "$DIR/$name.edges" >"$DIR/$name.nx" 2>"$DIR/err"
		nrc=$?
		if [ $nrc = 124 ]; then
			info "  networkx immediate_dominators" "$NXTIMEOUT" "s" \
				"timed out: more than this"
			info "  networkx / heapsnap (dominator step)" \
				"$(div "$NXTIMEOUT" "$ours")" "x" "at least"
			rm -f "$DIR/$name.edges"
			return 0
		fi
		[ $nrc = 0 ] || die "$name: nx_dom.py failed"
		same=DIFFER
		[ "$(get checksum "$DIR/$name.nx")" = "$(get checksum "$DIR/$name.ours")" ] && same="same idoms"
		info "  networkx immediate_dominators" "$(get dom_s "$DIR/$name.nx")" "s" "$same"
		info "  networkx / heapsnap (dominator step)" \
			"$(div "$(get dom_s "$DIR/$name.nx")" "$ours")" "x"
		info "  networkx: graph build (peak RSS in status)" \
			"$(get build_s "$DIR/$name.nx")" "s" \
			"$(awk -v k="$(tail -1 "$DIR/ntime")" 'BEGIN { printf "%.1f MiB", k / 1024 }')"
	fi
	rm -f "$DIR/$name.edges"
}

echo "heapsnap analyses bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores;" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg); best of $REPEAT runs"
printf '%-50s %12s %-7s %2s %-9s %s\n' "figure" "measured" "unit" "" "target" "status"

for h in $HEAPS; do
	case $h in
	python)
		"$B/bin/dumpgen" --objects "$NPY" --shape python --refs index \
			-o "$DIR/python.snap" 2>/dev/null || die "dumpgen python failed"
		heap python "$DIR/python.snap" 0.3 "" 1 ;;
	deep)
		"$DC" deep "$NDEEP" "$DIR/deep.snap" || die "domcheck deep failed"
		heap deep "$DIR/deep.snap" "" "" 0 ;;
	bench4)
		"$B/bin/dumpgen" --objects "$N" --shape bench4 --refs index \
			-o "$DIR/bench4.snap" 2>/dev/null || die "dumpgen bench4 failed"
		heap bench4 "$DIR/bench4.snap" 6 1024 0
		dom_wall=$best_wall dom_cpu=$best_cpu
		tool_vs_dom bench4 "$DIR/bench4.snap" dumptypes
		tool_vs_dom bench4 "$DIR/bench4.snap" dumppath --type bench.T3 ;;
	huge)
		"$B/bin/dumpgen" --objects "$NHUGE" --shape bench4 --refs index \
			-o "$DIR/huge.snap" 2>/dev/null || die "dumpgen huge failed"
		huge "$DIR/huge.snap" ;;
	*) die "no heap '$h' (python, deep, bench4, huge)" ;;
	esac
	rm -f "$DIR/$h.snap"
done

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); $MISSED analysis target(s) missed"
[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$DIR"
exit 0
