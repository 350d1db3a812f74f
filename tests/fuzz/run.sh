#!/bin/sh
# run.sh - builds the fuzz targets (tests/fuzz/fuzz_*.c) twice, for
# libFuzzer (clang) and for AFL++ (afl-clang-fast and its libFuzzer
# driver, which calls the same LLVMFuzzerTestOneInput), both with ASan and
# UBSan, and runs each target under each engine for SECONDS seconds.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     (make fuzz FUZZ_SECONDS=N)
#
# SECONDS 0 only builds the targets.  FUZZ_ENGINES="libfuzzer afl" (the
# default) chooses the engines; `make fuzz` installs afl++ (make
# fuzz-deps), and without afl-clang-fast the AFL++ half fails.
#
# libFuzzer: objects and binaries in build/fuzz/, each target's growing
# corpus in build/fuzz/corpus/TARGET (the seeds in tests/fuzz/corpus/TARGET
# are only read), its log in build/fuzz/TARGET.log.
# AFL++: objects and binaries in build/fuzz/afl/; each target starts from
# the seeds plus libFuzzer's corpus (so the engines feed each other: what
# AFL++ finds new is copied back into build/fuzz/corpus/TARGET), its
# state in build/fuzz/afl/out/TARGET, its log build/fuzz/afl/TARGET.log.
# Findings of both go to build/fuzz/artifacts/TARGET/ (libFuzzer's
# crash-*, leak-*, timeout-*, oom-*; AFL++'s afl-crash-*, afl-hang-*).
# A finding becomes a regression case: copy it to
# tests/fuzz/regress/TARGET-NAME and `make check` replays it
# (tests/unit/test_regress.c).
#
# Same limits for both engines: inputs up to 64 KiB, 10 s per input,
# 2 GiB of memory.  Leaks are libFuzzer's to find (AFL++ runs many inputs
# per process and LeakSanitizer only looks at exit).  Runs are one after
# the other at nice 10.  At the end a table gives each target's
# executions, coverage and findings per engine (libFuzzer: cov = edges,
# ft = features; AFL++: cov = edges found, ft = the share of the map
# covered); the exit status is 1 if a run found something or a target
# did not build.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
secs=${1:-60}
[ $# -gt 0 ] && shift
want="$*"
engines=${FUZZ_ENGINES:-libfuzzer afl}
B=build/fuzz
CC=${FUZZ_CC:-clang}
AFL_CC=${FUZZ_AFL_CC:-afl-clang-fast}
mkdir -p "$B/obj" "$B/corpus" "$B/artifacts"

for e in $engines; do
	case $e in
	libfuzzer)
		command -v "$CC" >/dev/null 2>&1 || {
			echo "fuzz: $CC not found (apt-get install clang)"; exit 2; } ;;
	afl)
		command -v "$AFL_CC" >/dev/null 2>&1 &&
		command -v afl-fuzz >/dev/null 2>&1 || {
			echo "fuzz: $AFL_CC or afl-fuzz not found (make fuzz-deps, or apt-get install afl++)"
			exit 2; } ;;
	*)
		echo "fuzz: unknown engine '$e' (libfuzzer, afl)"; exit 2 ;;
	esac
done

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-std=c11 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -Wall -Wextra \
 -Wno-unused-parameter -Wno-unused-function -Ilibdump/include -Ilibdump \
 -pthread $SAN"
LIBS="$(pkg-config --libs libzstd msgpack zlib 2>/dev/null || echo -lzstd -lmsgpackc -lz) -pthread -lm"

# build_lib DIR CC FLAGS: libdump, instrumented for coverage, into
# DIR/libdump-fuzz.a; a file that does not compile (someone's work in
# progress) is left out and named: only targets that need it fail to link.
build_lib() {
	d=$1 cc=$2 extra=$3
	mkdir -p "$d/obj"
	objs=""
	broken=""
	for src in libdump/*.c; do
		o="$d/obj/$(basename "$src" .c).o"
		if [ ! -f "$o" ] || [ "$src" -nt "$o" ] ||
		   [ -n "$(find libdump -name '*.h' -newer "$o" 2>/dev/null)" ]; then
			# shellcheck disable=SC2086
			if ! AFL_QUIET=1 $cc $CFLAGS $extra -c "$src" -o "$o" \
			     2>"$o.err"; then
				broken="$broken $src"
				rm -f "$o"
				continue
			fi
		fi
		objs="$objs $o"
	done
	[ -n "$broken" ] && echo "fuzz: left out (does not compile):$broken"
	rm -f "$d/libdump-fuzz.a"
	# shellcheck disable=SC2086
	ar rcs "$d/libdump-fuzz.a" $objs
}

# build_target DIR CC T: DIR/fuzz_T, linked with -fsanitize=fuzzer (for
# afl-clang-fast that means its libFuzzer driver, libAFLDriver.a).
build_target() {
	d=$1 cc=$2 t=$3
	# shellcheck disable=SC2086
	if ! AFL_QUIET=1 $cc $CFLAGS -fsanitize=fuzzer -o "$d/fuzz_$t" \
	     "tests/fuzz/fuzz_$t.c" "$d/libdump-fuzz.a" $LIBS \
	     2>"$d/fuzz_$t.build.log"; then
		echo "fuzz: $t does not build with $cc:"
		sed 's/^/  | /' "$d/fuzz_$t.build.log" | head -20
		return 1
	fi
}

# run_libfuzzer T: sets execs cov ft found rc
run_libfuzzer() {
	t=$1
	seeds=tests/fuzz/corpus/$t
	[ -d "$seeds" ] || seeds=""
	dict=""
	[ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
	echo "fuzz: libfuzzer $t for ${secs}s (log $B/$t.log)"
	before=$(ls "$B/artifacts/$t" | wc -l)
	# shellcheck disable=SC2086
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1 \
	nice -n 10 "$B/fuzz_$t" -max_total_time="$secs" -max_len=65536 \
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
		echo "fuzz: libfuzzer $t exited $rc with $found new finding(s):"
		grep -E 'ERROR|SUMMARY|runtime error|invariant' "$B/$t.log" |
			head -10 | sed 's/^/  | /'
		ls "$B/artifacts/$t" | sed 's/^/  artifact: /'
	fi
}

# afl_stat OUT KEY: a value from AFL++'s fuzzer_stats
afl_stat() {
	sed -n "s/^$2 *: *//p" "$1/default/fuzzer_stats" 2>/dev/null | tail -1
}

# run_afl T: sets execs cov ft found rc
run_afl() {
	t=$1
	A=$B/afl
	qin=$A/in/$t
	out=$A/out/$t
	# a fresh queue each run, from the seeds and what libFuzzer kept;
	# AFL++ wants inputs up to its -G bound
	rm -rf "$qin" "$out"
	mkdir -p "$qin" "$A/out" "$B/corpus/$t"
	for f in tests/fuzz/corpus/$t/* "$B/corpus/$t"/*; do
		[ -f "$f" ] && [ "$(wc -c <"$f")" -le 65536 ] &&
			cp "$f" "$qin/$(basename "$f")" 2>/dev/null
	done
	[ -n "$(ls "$qin")" ] || printf x >"$qin/empty"
	dict=""
	[ -f "tests/fuzz/$t.dict" ] && dict="-x tests/fuzz/$t.dict"
	echo "fuzz: afl $t for ${secs}s (log $A/$t.log)"
	# AFL++ needs abort_on_error and symbolize=0 when the options are set
	# shellcheck disable=SC2086
	AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 \
	AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CRASHES=1 \
	ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0:allocator_may_return_null=1:hard_rss_limit_mb=2048 \
	UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:symbolize=0 \
	nice -n 10 afl-fuzz -i "$qin" -o "$out" -V "$secs" -t 10000 -m none \
		-G 65536 $dict -- "$A/fuzz_$t" >"$A/$t.log" 2>&1
	rc=$?
	execs=$(afl_stat "$out" execs_done)
	cov=$(afl_stat "$out" edges_found)
	ft=$(afl_stat "$out" bitmap_cvg)
	found=0
	for f in "$out"/default/crashes/id:* "$out"/default/hangs/id:*; do
		[ -f "$f" ] || continue
		case $f in */crashes/*) k=crash ;; *) k=hang ;; esac
		n=$(basename "$f" | sed 's/^id:\([0-9]*\).*/\1/')
		cp "$f" "$B/artifacts/$t/afl-$k-$(date +%s)-$n"
		found=$((found + 1))
	done
	# what AFL++ found new feeds libFuzzer's next run
	for f in "$out"/default/queue/id:*; do
		[ -f "$f" ] || continue
		case $f in *orig:*) continue ;; esac
		cp "$f" "$B/corpus/$t/afl-$(basename "$f" | cut -c4-9)-$(cksum <"$f" | cut -d' ' -f1)"
	done
	if [ "$rc" != 0 ] || [ "$found" != 0 ]; then
		echo "fuzz: afl $t exited $rc with $found finding(s):"
		tail -5 "$A/$t.log" | sed 's/^/  | /'
		ls "$B/artifacts/$t" | grep '^afl-' | sed 's/^/  artifact: /'
	fi
}

for e in $engines; do
	case $e in
	libfuzzer) build_lib "$B" "$CC" -fsanitize=fuzzer-no-link ;;
	afl) build_lib "$B/afl" "$AFL_CC" "" ;;
	esac
done

results=""
status=0
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	t=${t#fuzz_}
	if [ -n "$want" ]; then
		case " $want " in *" $t "*) ;; *) continue ;; esac
	fi
	mkdir -p "$B/corpus/$t" "$B/artifacts/$t"
	for e in $engines; do
		case $e in
		libfuzzer) d=$B cc=$CC ;;
		afl) d=$B/afl cc=$AFL_CC ;;
		esac
		if ! build_target "$d" "$cc" "$t"; then
			results="$results$t $e build-failed - - - 1
"
			status=1
			continue
		fi
		if [ "$secs" = 0 ]; then
			results="$results$t $e built - - - 0
"
			continue
		fi
		"run_$e" "$t"
		[ "$rc" != 0 ] || [ "$found" != 0 ] && status=1
		run=ok
		[ "$rc" = 0 ] || run="exit-$rc"
		results="$results$t $e $run ${execs:-?} ${cov:-?} ${ft:-?} $found
"
	done
done
printf '\n%-10s %-10s %-13s %12s %8s %8s %9s\n' target engine run \
	executions cov ft findings
printf '%s' "$results" | while read -r t e b x c f n; do
	[ -n "$t" ] && printf '%-10s %-10s %-13s %12s %8s %8s %9s\n' \
		"$t" "$e" "$b" "$x" "$c" "$f" "$n"
done
exit $status
