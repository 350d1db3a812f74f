#!/bin/sh
# run.sh - the browser suite: dumpreport's pages opened in Debian's
# chromium (headless, driven by playwright-core from the npm registry):
# a sample's report, the demo's two dumps, and a hostile dump whose
# strings attack the page.  Prints "browser: N passed, N failed"; skips
# with a printed line when chromium, node or playwright-core is absent.
# Screenshots of every view stay in $HS_BUILD/browser/ to look at.
top=${HS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${HS_BUILD:-$top/build}
bin=${HS_BIN:-$B/bin}
out=$B/browser
skip() { echo "browser: skipped: $*"; echo "browser: 0 passed, 0 failed"; exit 0; }
command -v node >/dev/null 2>&1 || skip "no node"
[ -x /usr/bin/chromium ] || skip "no /usr/bin/chromium (make deps installs it)"
[ -f "$top/node_modules/playwright-core/package.json" ] ||
	skip "no playwright-core (make deps installs it)"
[ -x "$bin/dumpreport" ] || skip "dumpreport is not built"

rm -rf "$out"
mkdir -p "$out"
S=$top/samples
fail=0
mk() {	# mk NAME ARGS...: a report into $out/NAME.html
	n=$1
	shift
	"$bin/dumpreport" -o "$out/$n.html" "$@" 2>"$out/$n.err" ||
		{ echo "FAIL: dumpreport $*"; cat "$out/$n.err"; fail=1; }
}
mk sample "$S/python-small.snap"
mk cut --tree-nodes 30 "$S/python-small.snap"
mk leak "$S/leak-phase1.snap" "$S/leak-phase2.snap"
python3 "$top/tests/browser/hostile.py" small "$out/hostile.jsonl" &&
	"$bin/dumpconv" "$out/hostile.jsonl" -o "$out/hostile.snap" 2>"$out/conv.err" ||
	{ echo "FAIL: making the hostile dump"; cat "$out/conv.err"; fail=1; }
mk hostile "$out/hostile.snap"
# the demo's two dumps, when the Python capture is built
if [ -d "$B/python/heapsnap" ]; then
	DEMO_DIR=$out/demo HS_BUILD=$B sh "$S/demo.sh" >"$out/demo.log" 2>&1 &&
		mk demo "$out/demo/first.snap" "$out/demo/last.snap" ||
		{ echo "FAIL: the demo's dumps"; tail -5 "$out/demo.log"; fail=1; }
fi
[ $fail = 0 ] || { echo "browser: 0 passed, 1 failed"; exit 1; }
exec node "$top/tests/browser/report.test.js" "$out"
