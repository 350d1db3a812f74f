#!/bin/sh
# run.sh - builds the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang,
# ASan and UBSan, and runs each for SECONDS seconds from its seed corpus.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     (make fuzz FUZZ_SECONDS=N)
#
# SECONDS 0 only builds the targets.
#
# Objects and binaries go to build/fuzz/; each target's growing corpus to
# build/fuzz/corpus/TARGET (the seeds in tests/fuzz/corpus/TARGET are only
# read), its log to build/fuzz/TARGET.log and anything it finds (crash-*,
# leak-*, timeout-*, oom-*) to build/fuzz/artifacts/TARGET/.  A finding
# becomes a regression case: copy it to tests/fuzz/regress/TARGET-NAME and
# `make check` replays it (tests/unit/test_regress.c).
#
# Targets run one after the other at nice 10.  At the end a table gives
# each target's executions, coverage (cov: edges, ft: features) and
# findings; the exit status is 1 if a target found something or did not
# build.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
secs=${1:-60}
[ $# -gt 0 ] && shift
want="$*"
B=build/fuzz
CC=${FUZZ_CC:-clang}
mkdir -p "$B/obj" "$B/corpus" "$B/artifacts"

command -v "$CC" >/dev/null 2>&1 || {
	echo "fuzz: $CC not found (apt-get install clang)"; exit 2; }

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-std=c11 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -Wall -Wextra \
 -Wno-unused-parameter -Wno-unused-function -Ilibdump/include -Ilibdump \
 -pthread $SAN"
LIBS="$(pkg-config --libs libzstd msgpack zlib 2>/dev/null || echo -lzstd -lmsgpackc -lz) -pthread -lm"

# libdump, instrumented for coverage (fuzzer-no-link); a file that does
# not compile (someone's work in progress) is left out and named: only
# targets that need it fail to link.
objs=""
broken=""
for src in libdump/*.c; do
	o="$B/obj/$(basename "$src" .c).o"
	if [ ! -f "$o" ] || [ "$src" -nt "$o" ] ||
	   [ -n "$(find libdump -name '*.h' -newer "$o" 2>/dev/null)" ]; then
		if ! $CC $CFLAGS -fsanitize=fuzzer-no-link -c "$src" -o "$o" \
		     2>"$o.err"; then
			broken="$broken $src"
			rm -f "$o"
			continue
		fi
	fi
	objs="$objs $o"
done
[ -n "$broken" ] && echo "fuzz: left out (does not compile):$broken"
rm -f "$B/libdump-fuzz.a"
# shellcheck disable=SC2086
ar rcs "$B/libdump-fuzz.a" $objs

results=""
status=0
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	t=${t#fuzz_}
	if [ -n "$want" ]; then
		case " $want " in *" $t "*) ;; *) continue ;; esac
	fi
	bin="$B/fuzz_$t"
	if ! $CC $CFLAGS -fsanitize=fuzzer -o "$bin" "$src" \
	     "$B/libdump-fuzz.a" $LIBS 2>"$B/fuzz_$t.build.log"; then
		echo "fuzz: $t does not build:"
		sed 's/^/  | /' "$B/fuzz_$t.build.log" | head -20
		results="$results$t build-failed - - - 1
"
		status=1
		continue
	fi
	if [ "$secs" = 0 ]; then
		results="$results$t built - - - 0
"
		continue
	fi
	mkdir -p "$B/corpus/$t" "$B/artifacts/$t"
	seeds=tests/fuzz/corpus/$t
	[ -d "$seeds" ] || seeds=""
	dict=""
	[ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
	echo "fuzz: $t for ${secs}s (log $B/$t.log)"
	before=$(ls "$B/artifacts/$t" | wc -l)
	# shellcheck disable=SC2086
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1 \
	nice -n 10 "$bin" -max_total_time="$secs" -max_len=65536 \
		-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$B/artifacts/$t/" $dict \
		"$B/corpus/$t" $seeds >"$B/$t.log" 2>&1
	rc=$?
	after=$(ls "$B/artifacts/$t" | wc -l)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/$t.log" | tail -1)
	last=$(grep -E '^#[0-9]+' "$B/$t.log" | tail -1)
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	found=$((after - before))
	if [ "$rc" != 0 ] || [ "$found" != 0 ]; then
		status=1
		echo "fuzz: $t exited $rc with $found new finding(s):"
		grep -E 'ERROR|SUMMARY|runtime error|invariant' "$B/$t.log" | head -10 |
			sed 's/^/  | /'
		ls "$B/artifacts/$t" | sed 's/^/  artifact: /'
	fi
	results="$results$t ok ${execs:-?} ${cov:-?} ${ft:-?} $found
"
done
printf '\n%-10s %-13s %12s %8s %8s %9s\n' target build executions cov ft findings
printf '%s' "$results" | while read -r t b e c f n; do
	[ -n "$t" ] && printf '%-10s %-13s %12s %8s %8s %9s\n' "$t" "$b" "$e" "$c" "$f" "$n"
done
exit $status
