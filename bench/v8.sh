#!/bin/sh
# bench/v8.sh - V8 heap snapshots: heapsnap beside memlab on the same
# snapshots (part of `make bench`; alone: `sh bench/v8.sh`).
#
#  1. the leak sample (samples/leaky_service.js, three snapshots made
#     fresh with node): every node's retained size, DevTools' classes and
#     the three-snapshot leak candidates against memlab's;
#  2. a ~2.4M-node snapshot (the sample with --filler): memlab's load and
#     analysis (`memlab analyze object-size`) beside `dumpconv` +
#     `dumpdom`, time and peak memory;
#  3. a ~1 GB snapshot (bench/v8_synth.py): the import's peak memory.
#
#   BENCH_V8_FILLER=N   filler records of the big snapshot (500000)
#   BENCH_V8_SYNTH=N    nodes of the synthetic one (14000000: ~1 GB; 0
#                       skips it)
#   BENCH_REPEAT=R      runs per figure, the best kept (3)
#   BENCH_DIR=DIR       where the snapshots are made and kept between runs
#                       (build/bench/v8)
#   MEMLAB_MODULES=DIR  memlab's node_modules (build/memlab/node_modules,
#                       where `make bench-deps` installs it)
#
# Without node the part is skipped, without memlab its columns, each with
# a line saying so.  Wall times under a load above the core count say
# little: CPU times are given too.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
B="$top/build/bin"
DIR=${BENCH_DIR:-$top/build/bench}/v8
REPEAT=${BENCH_REPEAT:-3}
FILLER=${BENCH_V8_FILLER:-500000}
SYNTH=${BENCH_V8_SYNTH:-14000000}
MEMLAB_MODULES=${MEMLAB_MODULES:-$top/build/memlab/node_modules}
export MEMLAB_MODULES
mkdir -p "$DIR"

echo "V8 heap snapshots, heapsnap beside memlab (load $(cut -d' ' -f1-3 /proc/loadavg))"
if ! command -v node >/dev/null 2>&1; then
	echo "  v8: node not found: skipped (apt-get install nodejs)"
	exit 0
fi
have_memlab=0
if [ -f "$MEMLAB_MODULES/@memlab/cli/bin/memlab.js" ]; then
	have_memlab=1
	echo "  memlab $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$MEMLAB_MODULES/memlab/package.json"), node $(node --version)"
else
	echo "  memlab not found in $MEMLAB_MODULES: its figures are skipped (make bench-deps)"
fi

# make_snapshots DIR [FILLER]: the sample's three snapshots, once
make_snapshots() {
	[ -f "$1/final.heapsnapshot" ] && return 0
	mkdir -p "$1"
	node --expose-gc --max-old-space-size=8192 "$top/samples/leaky_service.js" \
		"$1" ${2:+--filler "$2"} || { echo "  v8: node failed"; return 1; }
}

# ---- 1. equality on the leak sample ---------------------------------------
S="$DIR/small"
rm -rf "$S"
make_snapshots "$S" || exit 1
if [ $have_memlab = 1 ]; then
	for f in baseline target final; do
		node "$top/bench/v8_memlab.js" retained "$S/$f.heapsnapshot" >"$S/$f.ret" &&
		node "$top/bench/v8_memlab.js" classes "$S/$f.heapsnapshot" >"$S/$f.cls" &&
		"$B/dumpdom" --top 0 --json "$S/$f.heapsnapshot" >"$S/$f.dom" &&
		"$B/dumptypes" --top 0 --json "$S/$f.heapsnapshot" >"$S/$f.typ" ||
			{ echo "  v8: $f failed"; exit 1; }
	done
	node "$top/bench/v8_memlab.js" leaks "$S/baseline.heapsnapshot" \
		"$S/target.heapsnapshot" "$S/final.heapsnapshot" >"$S/leaks" &&
	"$B/dumpdiff" --json "$S/baseline.heapsnapshot" "$S/target.heapsnapshot" \
		"$S/final.heapsnapshot" >"$S/diff" || { echo "  v8: leaks failed"; exit 1; }
	python3 - "$S" >"$S/cmp" <<'PY' || { cat "$S/cmp"; exit 1; }
import json, sys
d = sys.argv[1]
bad = total = cbad = ctotal = 0
for f in ('baseline', 'target', 'final'):
    ours = {o['id']: o['retained'] for o in json.load(open('%s/%s.dom' % (d, f)))['objects']}
    for line in open('%s/%s.ret' % (d, f)):
        i, r = line.split()
        total += 1
        bad += ours.get(int(i)) != int(float(r))
    types = {t['type']: (t['count'], t['shallow'])
             for t in json.load(open('%s/%s.typ' % (d, f)))['types']}
    for line in open('%s/%s.cls' % (d, f)):
        c, s, name = line.rstrip('\n').split(' ', 2)
        ctotal += 1
        cbad += types.get(json.loads(name)) != (int(c), int(s))
rows = [l.split() for l in open(d + '/leaks')]
t = json.load(open(d + '/diff'))
print('retained_total', total)
print('retained_diff', bad)
print('classes_total', ctotal)
print('classes_diff', cbad)
print('leaks_memlab', len(rows))
print('leaks_bytes_memlab', sum(int(r[-1]) for r in rows))
print('leaks_ours', t['totals']['new_objects'])
print('leaks_bytes_ours', t['totals']['new_bytes'])
print('top_owner', t['owners'][0]['path'])
print('top_owner_objects', t['owners'][0]['objects'])
PY
	echo "leak sample (3 snapshots, $(get retained_total "$S/cmp") nodes)"
	row "  retained sizes unlike memlab's" "$(get retained_diff "$S/cmp")" "nodes" "<=" 0
	row "  classes unlike DevTools' (count, self)" "$(get classes_diff "$S/cmp")" "classes" "<=" 0
	row "  leak candidates: memlab's minus ours" \
		"$(( $(get leaks_memlab "$S/cmp") - $(get leaks_ours "$S/cmp") ))" "objects" "<=" 0
	row "  leak candidates: memlab's bytes minus ours" \
		"$(( $(get leaks_bytes_memlab "$S/cmp") - $(get leaks_bytes_ours "$S/cmp") ))" "B" "<=" 0
	info "  leak candidates (memlab: $(get leaks_memlab "$S/cmp"))" "$(get leaks_ours "$S/cmp")" "objects" \
		"$(get top_owner_objects "$S/cmp") held by $(get top_owner "$S/cmp" | sed 's/.* -> //')"
fi

# ---- 2. a 2.4M-node snapshot: time and memory -----------------------------
G="$DIR/filler-$FILLER"
make_snapshots "$G" "$FILLER" || exit 1
F="$G/baseline.heapsnapshot"
nodes=$(sed -n '1s/.*"node_count":\([0-9]*\).*/\1/p' "$F")
echo "a $(awk -v n="$nodes" 'BEGIN { printf "%.2fM", n / 1e6 }')-node snapshot ($(du -m "$F" | cut -f1) MiB, $(basename "$F"))"
best_time "$DIR/conv" "$B/dumpconv" "$F" -o "$DIR/big.snap" || exit 1
cw=$best_wall cc=$best_cpu cr=$best_rss
best_time "$DIR/dom" "$B/dumpdom" "$DIR/big.snap" || exit 1
dw=$best_wall dc=$best_cpu dr=$best_rss
hw=$(awk -v a="$cw" -v b="$dw" 'BEGIN { print a + b }')
hc=$(awk -v a="$cc" -v b="$dc" 'BEGIN { print a + b }')
hr=$(( cr > dr ? cr : dr ))
info "  dumpconv: wall / CPU" "$cw" "s" "CPU $cc s, peak $((cr / 1024)) MiB"
info "  dumpdom: wall / CPU" "$dw" "s" "CPU $dc s, peak $((dr / 1024)) MiB"
info "  dumpconv + dumpdom: wall" "$hw" "s" "CPU $hc s, peak $((hr / 1024)) MiB"
best_time "$DIR/direct" "$B/dumpdom" "$F" || exit 1
info "  dumpdom on the .heapsnapshot directly: wall" "$best_wall" "s" \
	"CPU $best_cpu s, peak $((best_rss / 1024)) MiB"
if [ $have_memlab = 1 ]; then
	REPEAT_SAVE=$REPEAT
	REPEAT=1   # a run takes 20 s and more
	best_time "$DIR/memlab" node "$MEMLAB_MODULES/@memlab/cli/bin/memlab.js" \
		analyze object-size --snapshot "$F" --work-dir "$DIR/memlab-work" || exit 1
	REPEAT=$REPEAT_SAVE
	mw=$best_wall mc=$best_cpu mr=$best_rss
	info "  memlab analyze object-size: wall" "$mw" "s" "CPU $mc s, peak $((mr / 1024)) MiB"
	row "  heapsnap / memlab time, wall" "$(div "$hw" "$mw")" "x" "<=" 0.10
	row "  heapsnap / memlab time, CPU" "$(div "$hc" "$mc")" "x" "<=" 0.10
	row "  heapsnap / memlab peak memory" "$(div "$hr" "$mr")" "x" "<=" 0.25
fi
rm -f "$DIR/big.snap"

# ---- 3. a ~1 GB snapshot: the import's memory -----------------------------
if [ "$SYNTH" -gt 0 ]; then
	Y="$DIR/synth-$SYNTH.heapsnapshot"
	[ -f "$Y" ] || python3 "$top/bench/v8_synth.py" "$SYNTH" "$Y" ||
		{ echo "  v8: v8_synth.py failed"; exit 1; }
	mib=$(du -mL "$Y" | cut -f1)
	REPEAT_SAVE=$REPEAT
	REPEAT=1
	best_time "$DIR/synth" "$B/dumpconv" -v "$Y" -o "$DIR/synth.snap" || exit 1
	REPEAT=$REPEAT_SAVE
	echo "a $mib MiB synthetic snapshot ($SYNTH nodes, bench/v8_synth.py)"
	info "  dumpconv: wall" "$best_wall" "s" "CPU $best_cpu s, $(awk -v m="$mib" -v c="$best_cpu" 'BEGIN { printf "%.0f", (c > 0 ? m / c : 0) }') MiB/s of CPU"
	row "  dumpconv: peak memory" "$(div "$best_rss" 1024)" "MiB" "<=" 200
	info "  scratch files" "$(sed -n 's/.*: \([0-9.]*\) \([KMG]iB\) of scratch.*/\1/p' "$DIR/synth.err")" \
		"$(sed -n 's/.*: [0-9.]* \([KMG]iB\) of scratch.*/\1/p' "$DIR/synth.err")"
	rm -f "$DIR/synth.snap"
fi
echo "load average after the V8 part: $(cut -d' ' -f1-3 /proc/loadavg)"
