#!/bin/sh
# make demo: run samples/leaky_service.py under `python3 -m heapsnap run`,
# capture its heap twice (SIGUSR1 after 2,000 requests, then at exit after
# 6,000), analyse both dumps with the tools that are built, and end by
# writing the HTML report demo-report.html (its path printed last).
#   samples/demo.sh            (DEMO_DIR=... to keep the files elsewhere)
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
B=${HS_BUILD:-$top/build}
bin=$B/bin
out=${DEMO_DIR:-$B/demo}
rm -rf "$out"
mkdir -p "$out"
export PYTHONPATH="$B/python${PYTHONPATH:+:$PYTHONPATH}"

say() { printf '\n$ %s\n' "$*"; }
run() {		# run TOOL ARGS... if the tool is built
	if [ -x "$bin/$1" ]; then
		t=$1
		shift
		say "$t $*"
		"$bin/$t" "$@" || true
	else
		printf '\n(%s is not built yet: skipped)\n' "$1"
	fi
}
wait_for() {	# wait_for CMD...: up to 30 s
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -lt 600 ] || { echo "demo: timed out: $*" >&2; exit 1; }
		sleep 0.05
	done
}
served() { grep -q "^served $1\$" "$out/service.log"; }
dumps() { [ "$(ls "$out"/*.snap 2>/dev/null | wc -l)" -ge "$1" ]; }

say "python3 -m heapsnap run --dir $out --on-exit samples/leaky_service.py --requests 6000"
python3 -m heapsnap run --dir "$out" --on-exit \
	"$top/samples/leaky_service.py" --requests 6000 --batch 500 \
	>"$out/service.log" 2>&1 &
pid=$!
wait_for served 2000
kill -USR1 $pid
wait_for dumps 1
wait $pid
cat "$out/service.log"

first=$(ls "$out"/*-signal.snap)
last=$(ls "$out"/*-exit.snap)
cp "$first" "$out/first.snap"
cp "$last" "$out/last.snap"
cd "$out"
run dumpinfo last.snap
run dumptypes --top 8 last.snap
run dumpdom --top 5 last.snap
run dumppath last.snap --type __main__.Session --top 1
run dumpdiff --top 5 first.snap last.snap
if [ -x "$bin/dumpreport" ]; then
	say "dumpreport first.snap last.snap -o demo-report.html"
	"$bin/dumpreport" first.snap last.snap -o demo-report.html
	echo "demo: open $out/demo-report.html"
fi
