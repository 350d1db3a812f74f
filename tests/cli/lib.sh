# lib.sh - helpers for the CLI test scripts (sourced, not run).
# Each script: . "$(dirname "$0")/lib.sh"; then ok/fail/expect_*; finish NAME.
# HS_BIN points at the tools (build/bin or build/asan/bin).
: "${HS_BIN:=$(cd "$(dirname "$0")/../.." && pwd)/build/bin}"
: "${HS_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# the samples, and a python3 (a script may set its own S or PY)
S="$HS_TOP/samples"
PY=$(command -v python3 || echo /usr/bin/python3)
PASS=0
FAIL=0
ok()   { PASS=$((PASS + 1)); }
fail() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
# expect_rc CODE DESC -- CMD...: runs CMD (stdout to $T/out, stderr to
# $T/err) and checks its exit status.
expect_rc() {
	want=$1; desc=$2; shift 3
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" = "$want" ]; then ok; else
		fail "$desc: exit $got, expected $want"; sed 's/^/  | /' "$T/err" | head -5
	fi
}
# expect_grep PATTERN FILE DESC
expect_grep() {
	if grep -q -- "$1" "$2"; then ok; else fail "$3: no '$1' in $(basename "$2")"; fi
}
finish() { echo "$1: $PASS passed, $FAIL failed"; [ "$FAIL" = 0 ]; }
