#!/bin/sh
# Runs the CPython capture's tests (tests/python/test_*.py, plain unittest)
# against the extension built in $HS_BUILD/python (default build/python)
# with the python3 first on PATH; prints "python: N passed, N failed".
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${HS_BUILD:-$top/build}
if [ ! -d "$B/python/heapsnap" ]; then
	echo "python: 0 passed, 1 failed (no $B/python/heapsnap: run make python)"
	exit 1
fi
PYTHONPATH="$B/python${PYTHONPATH:+:$PYTHONPATH}" HS_BIN=${HS_BIN:-$B/bin} \
	exec python3 "$top/tests/python/runner.py" "$@"
