#!/bin/sh
# Runs every test suite against one build directory (build/ or
# build/asan/) and prints each suite's "NAME: N passed, N failed" line.
#   tests/run_suites.sh BUILD_DIR LABEL
# Suites: the CUnit binary, then every tests/cli/*.sh with HS_BIN set to
# BUILD_DIR/bin, then tests/python/matrix.sh (the Python suite on each
# CPython version, from pip-installed wheels) and tests/browser/run.sh
# (build/ only).
B=$1
label=${2:+$2-}
top=$(cd "$(dirname "$0")/.." && pwd)
export HS_BIN="$top/$B/bin" HS_TOP="$top" HS_BUILD="$top/$B"
out=$(mktemp)
"$top/$B/tests/unit" >"$out" 2>&1
rc=$?
cat "$out"
grep -q '^unit: [0-9]* passed, [0-9]* failed' "$out" ||
	echo "unit: 0 passed, 1 failed (the unit runner exited $rc)"
for t in "$top"/tests/cli/*.sh; do
	[ -f "$t" ] || continue
	n=$(basename "$t" .sh)
	[ "$n" = lib ] && continue  # the helpers the suites source
	sh "$t" >"$out" 2>&1
	rc=$?
	cat "$out"
	grep -q "^[a-z0-9_-]*: [0-9]* passed, [0-9]* failed" "$out" ||
		echo "cli-$n: 0 passed, 1 failed (exited $rc without a count)"
done
if [ -x "$top/tests/python/matrix.sh" ] && [ -z "$label" ]; then
	"$top/tests/python/matrix.sh" >"$out" 2>&1
	rc=$?
	cat "$out"
	grep -q "^python[a-z0-9_.-]*: [0-9]* passed, [0-9]* failed" "$out" ||
		echo "python: 0 passed, 1 failed (exited $rc without a count)"
fi
# the browser suite: plain build only (its pages are the same under ASan)
if [ -x "$top/tests/browser/run.sh" ] && [ -z "$label" ]; then
	"$top/tests/browser/run.sh" >"$out" 2>&1
	rc=$?
	cat "$out"
	grep -q "^browser: [0-9]* passed, [0-9]* failed" "$out" ||
		echo "browser: 0 passed, 1 failed (exited $rc without a count)"
fi
rm -f "$out"
