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

# suite NAME PATTERN COMMAND...: run it and show what it printed; a suite
# that ends without its count line (PATTERN: the name it prints) counts
# as one failure
suite() {
	name=$1 pat=$2
	shift 2
	"$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	grep -q "^$pat: [0-9]* passed, [0-9]* failed" "$out" ||
		echo "$name: 0 passed, 1 failed (exited $rc without a count)"
}

suite unit unit "$top/$B/tests/unit"
for t in "$top"/tests/cli/*.sh; do
	[ -f "$t" ] || continue
	n=$(basename "$t" .sh)
	[ "$n" = lib ] && continue  # the helpers the suites source
	suite "cli-$n" "[a-z0-9_-]*" sh "$t"
done
# the Python and browser suites: plain build only (the capture and the
# report's pages are the same under ASan)
if [ -z "$label" ]; then
	[ -x "$top/tests/python/matrix.sh" ] &&
		suite python "python[a-z0-9_.-]*" "$top/tests/python/matrix.sh"
	[ -x "$top/tests/browser/run.sh" ] &&
		suite browser browser "$top/tests/browser/run.sh"
fi
rm -f "$out"
