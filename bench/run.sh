#!/bin/sh
# bench/run.sh - `make bench`: speed and size figures of heapsnap, each
# beside its target, as one table.  Run from anywhere after `make`.
#
#   BENCH_OBJECTS=N      objects of the big heaps (default 10000000)
#   BENCH_PY_OBJECTS=N   objects of the python-shaped heap (default 1200000,
#                        at most BENCH_OBJECTS)
#   BENCH_SECTIONS="..." which sections, in order (default: all below)
#   BENCH_REPEAT=R       runs per figure, the best is kept (default 3)
#   BENCH_DIR=DIR        scratch files (default build/bench); removed at
#                        the end unless BENCH_KEEP=1
#
# Speeds are the best of BENCH_REPEAT runs: the machine is shared, and the
# fastest run is the least disturbed one.  The load average is printed
# before and after.  Each speed is given twice: by wall-clock time, and
# by CPU time (what idle cores would do: for the writer, the busier of
# its two threads; for the 2-thread scan, half the CPU time), since wall
# figures taken under a load above the core count say little.
#
# Extending: write a function section_NAME that calls row/info for its
# figures (see section_bench4), and add NAME to SECTIONS below.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
B="$top/build"
N=${BENCH_OBJECTS:-10000000}
NPY=${BENCH_PY_OBJECTS:-1200000}
[ "$NPY" -gt "$N" ] && NPY=$N
REPEAT=${BENCH_REPEAT:-3}
DIR=${BENCH_DIR:-$B/bench}
SECTIONS=${BENCH_SECTIONS:-"bench4 python python_big levels"}
HSB="$DIR/hsbench"
MISSED=0

die() { echo "bench: $*" >&2; exit 2; }

# ---- table ---------------------------------------------------------------

. "$top/bench/lib.sh"

millions() { awk -v n="$1" 'BEGIN { if (n >= 1e6) printf "%gM", n / 1e6; else printf "%gk", n / 1e3 }'; }

# ---- probes --------------------------------------------------------------

build_hsbench() {
	[ -f "$B/lib/libheapsnap.a" ] || die "build/lib/libheapsnap.a is missing: run make"
	mkdir -p "$DIR" || die "cannot create $DIR"
	if [ ! -x "$HSB" ] || [ "$top/bench/hsbench.c" -nt "$HSB" ] ||
	   [ "$B/lib/libheapsnap.a" -nt "$HSB" ]; then
		${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra \
			-I"$top/libdump/include" "$top/bench/hsbench.c" \
			"$B/lib/libheapsnap.a" \
			$(pkg-config --libs libzstd msgpack 2>/dev/null || echo -lzstd -lmsgpackc) \
			-pthread -lm -o "$HSB" || die "cannot build hsbench"
	fi
	command -v zstd >/dev/null || die "the zstd command is missing (make deps)"
}

# write_and_read NAME SHAPE OBJECTS REFS BPO_TARGET: generate, write and
# read one heap; rows for writing speed, size, reading speeds.
write_and_read() {
	name=$1 shape=$2 n=$3 refs=$4 bpo=$5
	f="$DIR/$name.snap"
	w="$DIR/$name.write" r1="$DIR/$name.next" r2="$DIR/$name.scan"
	z="$DIR/$name.zstd"
	"$HSB" write --shape "$shape" --objects "$n" --refs "$refs" \
		--repeat "$REPEAT" -o "$f" >"$w" || die "$name: writing failed"
	cat "$f" >/dev/null
	"$HSB" next "$f" --repeat "$REPEAT" >"$r1" || die "$name: reading failed"
	"$HSB" scan "$f" --threads 2 --repeat "$REPEAT" >"$r2" ||
		die "$name: scanning failed"
	"$HSB" zstd "$f" --repeat "$REPEAT" >"$z" || die "$name: zstd -dc failed"
	objs=$(get objects "$w")
	[ "$(get objects "$r1")" = "$objs" ] && [ "$(get objects "$r2")" = "$objs" ] ||
		die "$name: the readers counted $(get objects "$r1") and $(get objects "$r2") objects, the writer $objs"
	gw=$(get gen_wall "$w") ww=$(get write_wall "$w") gc=$(get gen_cpu "$w")
	tc=$(get write_caller_cpu "$w") hc=$(get write_helper_cpu "$w")
	# on idle cores the writing takes as long as the busier of its two
	# threads; without the generator, the caller thread only packs
	est=$(awk -v a="$tc" -v b="$hc" 'BEGIN { print (a > b ? a : b) }')
	alone=$(awk -v a="$tc" -v g="$gc" -v b="$hc" 'BEGIN { a -= g; print (a > b ? a : b) }')
	echo "$name ($(millions "$objs") objects, refs by $refs)"
	row "  write: generator + writer, wall" "$(div "$objs" "$ww" 1e-6)" "M obj/s" ">=" 5
	row "  write: generator + writer, CPU (busier thread)" "$(div "$objs" "$est" 1e-6)" "M obj/s" ">=" 5
	row "  write: writer alone, wall minus generator's" \
		"$(div "$objs" "$(awk -v a="$ww" -v b="$gw" 'BEGIN { print a - b }')" 1e-6)" "M obj/s" ">=" 5
	row "  write: writer alone, CPU (busier thread)" "$(div "$objs" "$alone" 1e-6)" "M obj/s" ">=" 5
	info "  write: CPU per object: pack (caller thread)" "$(div "$(awk -v a="$tc" -v g="$gc" 'BEGIN { print a - g }')" "$objs" 1e9)" "ns"
	info "  write: CPU per object: compress (helper)" "$(div "$hc" "$objs" 1e9)" "ns"
	info "  generator alone, CPU" "$(div "$objs" "$gc" 1e-6)" "M obj/s"
	row "  size" "$(div "$(get bytes "$w")" "$objs")" "B/obj" "<=" "$bpo"
	row "  read: hs_reader_next, 1 thread, wall" \
		"$(div "$objs" "$(get next_wall "$r1")" 1e-6)" "M obj/s" ">=" 10
	row "  read: hs_reader_next, 1 thread, CPU" \
		"$(div "$objs" "$(get next_cpu "$r1")" 1e-6)" "M obj/s" ">=" 10
	row "  read: hs_reader_scan, 2 threads, wall" \
		"$(div "$objs" "$(get scan_wall "$r2")" 1e-6)" "M obj/s" ">=" 18
	row "  read: hs_reader_scan, 2 threads, CPU / 2" \
		"$(div "$objs" "$(get scan_cpu "$r2")" 2e-6)" "M obj/s" ">=" 18
	info "  read: next / zstd -dc time, wall" \
		"$(div "$(get next_wall "$r1")" "$(get zstd_wall "$z")")" "x"
	info "  read: next / zstd -dc time, CPU" \
		"$(div "$(get next_cpu "$r1")" "$(get zstd_cpu "$z")")" "x"
	info "  zstd -dc FILE >/dev/null, wall" \
		"$(div "$objs" "$(get zstd_wall "$z")" 1e-6)" "M obj/s"
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -f "$f"
}

# ---- sections ------------------------------------------------------------

section_bench4() {
	write_and_read bench4 bench4 "$N" index 16
}

section_python() {
	write_and_read python python "$NPY" index 8
}

# The zstd level's price on the bench4 heap (a tenth of its size): what
# the writer's compression costs per object, and what it saves.
section_levels() {
	n=$((N / 10))
	[ "$n" -ge 100000 ] || n=100000
	echo "bench4 by zstd level ($(millions "$n") objects, refs by index)"
	for lv in 1 3 6; do
		w="$DIR/levels.write"
		"$HSB" write --shape bench4 --objects "$n" --refs index \
			--level "$lv" --repeat "$REPEAT" -o "$DIR/levels.snap" >"$w" ||
			die "levels: writing failed"
		info "  level $lv: compress CPU per object (helper)" \
			"$(div "$(get write_helper_cpu "$w")" "$n" 1e9)" "ns"
		info "  level $lv: size" "$(div "$(get bytes "$w")" "$n")" "B/obj"
	done
	rm -f "$DIR/levels.snap"
}

section_python_big() {
	[ "$N" -gt "$NPY" ] || return 0
	write_and_read python-big python "$N" index 8
}

# ---- main ----------------------------------------------------------------

build_hsbench
echo "heapsnap bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores" \
     "($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1))"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); best of $REPEAT runs per figure"
printf '%-50s %12s %-7s %2s %-9s %s\n' "figure" "measured" "unit" "" "target" "status"
for s in $SECTIONS; do
	command -v "section_$s" >/dev/null 2>&1 || die "no section '$s'"
	"section_$s"
done
# the other parts, each a script of its own (BENCH_ANALYSIS=0 and so on
# skip one); their rows count in the total below
for part in analysis diff paths python attach v8; do
	var=$(echo "BENCH_$part" | tr a-z A-Z)
	eval "want=\${$var:-1}"
	[ "$want" = 0 ] && continue
	sh "$top/bench/$part.sh" >"$DIR/$part.out" 2>&1
	rc=$?
	cat "$DIR/$part.out"
	[ $rc = 0 ] || die "bench/$part.sh failed (exit $rc)"
	MISSED=$((MISSED + $(grep -c 'MISSED$' "$DIR/$part.out")))
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$MISSED target(s) missed"
exit 0
