#!/bin/sh
# Runs the CPython capture's tests (tests/python/test_*.py) against
# heapsnap as a user installs it: `pip install --no-index .` of this tree
# into a fresh venv of each CPython found here (Debian's /usr/bin first,
# then pyenv's).  Each version prints its own line
# "python-3.12: N passed, N failed" for tests/summary.sh; a version that
# is not here prints a "skipped" line.
#
#   HS_PY_VERSIONS="3.12"    only these versions (default 3.10 to 3.13)
#
# The portable walker's tests (test_portable.py) are part of the suite;
# the backend's tests that do not depend on the interpreter run with the
# first version only (HS_PY_ONCE=1).  A venv gets no pip of its own when
# its base Python has one (--without-pip --system-site-packages: the
# base's pip installs into the venv; ensurepip costs ~7 s of CPU a
# version).
# A version the capture supports (SUPPORTED) that is here but fails to
# build or install is a failure, never a skip.
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${HS_BUILD:-$top/build}
VERSIONS=${HS_PY_VERSIONS:-"3.10 3.11 3.12 3.13"}
# the versions with a version walker (issue 11); the suite's
# test_portable.py runs the portable walker on each
SUPPORTED="3.10 3.11 3.12 3.13"

# find_python VERSION: the interpreter to test for VERSION, or nothing
find_python() {
	for p in "/usr/bin/python$1" "/usr/local/bin/python$1"; do
		[ -x "$p" ] && { echo "$p"; return; }
	done
	# pyenv's newest patch release of VERSION
	ls -d "${PYENV_ROOT:-$HOME/.pyenv}/versions/$1".*/bin/"python$1" \
		2>/dev/null | sort -V | tail -n 1
}

# suite NAME VENV [TEST...]: one run of the suite, its line last
suite() {
	name=$1 venv=$2
	shift 2
	t0=$(date +%s)
	(cd "$top/tests/python" && env -u PYTHONPATH HS_SUITE="$name" \
		HS_PY_ONCE="${once:-1}" \
		HS_BIN="$venv/bin" "$venv/bin/python" runner.py "$@")
	rc=$?
	[ $rc -gt 1 ] && echo "$name: 0 passed, 1 failed (runner exited $rc)"
	echo "$name: took $(($(date +%s) - t0)) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
}

mkdir -p "$B/pyvenv" || exit 1
for v in $VERSIONS; do
	case " $SUPPORTED " in
	*" $v "*) ;;
	*) echo "python-$v: skipped (the capture has no walker for CPython $v yet)"
	   continue ;;
	esac
	py=$(find_python "$v")
	if [ -z "$py" ]; then
		echo "python-$v: skipped (no CPython $v on this machine)"
		continue
	fi
	venv="$B/pyvenv/$v" log="$B/pyvenv/$v.log"
	rm -rf "$venv"
	echo "python-$v: $py, venv $venv"
	start=$(date +%s)
	if "$py" -m pip --version >/dev/null 2>&1; then
		mkvenv="--without-pip --system-site-packages"
	else
		mkvenv=""
	fi
	# shellcheck disable=SC2086
	if ! "$py" -m venv $mkvenv "$venv" >"$log" 2>&1; then
		echo "python-$v: 0 passed, 1 failed (python -m venv failed: $log)"
		continue
	fi
	if ! (cd "$top" && "$venv/bin/python" -m pip install --no-index \
		--no-cache-dir --disable-pip-version-check .) >>"$log" 2>&1; then
		tail -n 20 "$log"
		echo "python-$v: 0 passed, 1 failed (pip install . failed: $log)"
		continue
	fi
	echo "python-$v: venv and pip install took $(($(date +%s) - start)) s"
	suite "python-$v" "$venv"
	once=0
done
