#!/bin/sh
# outputs.sh - an output path that is not a regular file is never replaced
# (libdump/include/hs_outfile.h), whoever writes it: every tool's -o and
# heapsnap.dump().
#   - a character device or a FIFO is written directly and stays what it
#     was (a dump to a full device fails with exit 2 / OSError);
#   - a directory, a socket, a block device, a dangling symbolic link are
#     refused with exit 2 / OSError and left alone;
#   - a symbolic link to a file: the file is replaced, the link stays;
#   - OUT.tmp planted as a symbolic link or a FIFO is refused, not
#     written through, and nothing hangs.
# The device cases run as root in a private mount namespace (unshare -m)
# on a tmpfs with device nodes made by mknod: the machine's own /dev/null
# and /dev/full are never named.  Without root or namespaces they are
# skipped, saying so; the rest still runs.
. "$(dirname "$0")/lib.sh"

if [ -z "$HS_OUTPUTS_NS" ] && [ "$(id -u)" = 0 ] &&
   unshare -m true 2>/dev/null; then
	rm -rf "$T"
	HS_OUTPUTS_NS=1 exec unshare -m sh "$0" "$@"
fi
D=$T/dev
mkdir -p "$D"
DEVICES=0
if [ -n "$HS_OUTPUTS_NS" ] && mount -t tmpfs -o size=1m,mode=755 hs-outputs "$D"; then
	# umount before rm: the namespace's tmpfs, not the disk under it
	trap 'umount "$D" 2>/dev/null; rm -rf "$T"' EXIT
	mknod -m 666 "$D/null" c 1 3 && mknod -m 666 "$D/full" c 1 7 &&
		mknod -m 600 "$D/block" b 240 0 && DEVICES=1
fi

"$HS_BIN/dumpgen" --objects 200 -o "$T/in.snap" 2>/dev/null || fail "dumpgen"
"$HS_BIN/dumpconv" "$T/in.snap" -o "$T/in.jsonl" || fail "dumpconv"

# kind PATH: c (char device), b (block), p (FIFO), s (socket), d, l, f
kind() {
	if [ -L "$1" ]; then echo l; elif [ -c "$1" ]; then echo c
	elif [ -b "$1" ]; then echo b; elif [ -p "$1" ]; then echo p
	elif [ -S "$1" ]; then echo s; elif [ -d "$1" ]; then echo d
	elif [ -f "$1" ]; then echo f; else echo -; fi
}
# same_kind WHAT PATH KIND: PATH is still KIND and no PATH.tmp was left
same_kind() {
	k=$(kind "$2")
	if [ "$k" = "$3" ]; then ok; else fail "$1: $2 is now '$k', was '$3'"; fi
	if [ -e "$2.tmp" ] || [ -L "$2.tmp" ]; then fail "$1: left $2.tmp"; else ok; fi
}

# Every way of writing OUT: the tools with -o (one not named below is
# run as `TOOL in.snap -o OUT`), and heapsnap.dump() when the capture is
# built in $HS_BUILD.
WRITERS="dumpgen dumpconv-jsonl dumpconv-snap"
for tool in "$HS_BIN"/*; do
	n=$(basename "$tool")
	case $n in dumpgen|dumpconv) continue ;; esac
	"$tool" --help 2>/dev/null | grep -q -- '-o, --output' &&
		WRITERS="$WRITERS $n"
done
[ -d "$HS_BUILD/python/heapsnap" ] && WRITERS="$WRITERS python"

# run WRITER OUT: exit status in $rc (an OSError from Python counts as
# 2), stderr in $T/err; bounded by a timeout, since a FIFO could hang
run() {
	case $1 in
	dumpgen) set -- "$HS_BIN/dumpgen" --objects 200 -o "$2" ;;
	dumpconv-jsonl) set -- "$HS_BIN/dumpconv" "$T/in.snap" --to jsonl -o "$2" ;;
	dumpconv-snap) set -- "$HS_BIN/dumpconv" "$T/in.jsonl" --to snap -o "$2" ;;
	python) set -- env PYTHONPATH="$HS_BUILD/python" python3 -c \
		'import sys, heapsnap; heapsnap.dump(sys.argv[1])' "$2" ;;
	*) set -- "$HS_BIN/$1" "$T/in.snap" -o "$2" ;;
	esac
	timeout 60 "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = 1 ] && grep -q '^OSError' "$T/err" && rc=2
}
expect_exit() {  # WHAT WANT
	if [ "$rc" = "$2" ]; then ok; else
		fail "$1: exit $rc, expected $2"; sed 's/^/  | /' "$T/err" | head -3
	fi
}

for w in $WRITERS; do
	# a FIFO: read to its end by cat; the bytes are a whole output
	mkfifo "$T/fifo"
	cat "$T/fifo" >"$T/fifo.out" &
	reader=$!
	run "$w" "$T/fifo"
	expect_exit "$w -o FIFO" 0
	# cat ends when the writer closes the FIFO; a writer that replaced
	# the FIFO instead never opened it, and cat would wait forever
	i=0
	while kill -0 "$reader" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill "$reader" 2>/dev/null
	wait "$reader"
	same_kind "$w -o FIFO" "$T/fifo" p
	if [ -s "$T/fifo.out" ]; then ok; else fail "$w -o FIFO: nothing came out"; fi
	rm -f "$T/fifo" "$T/fifo.out"

	# a directory and a socket: refused, left alone
	mkdir "$T/dir"
	run "$w" "$T/dir"
	expect_exit "$w -o DIR" 2
	expect_grep "is a directory" "$T/err" "$w -o DIR says why"
	same_kind "$w -o DIR" "$T/dir" d
	[ -z "$(ls -A "$T/dir")" ] && ok || fail "$w -o DIR: wrote into it"
	rmdir "$T/dir"
	python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$T/sock"
	run "$w" "$T/sock"
	expect_exit "$w -o SOCKET" 2
	same_kind "$w -o SOCKET" "$T/sock" s
	rm -f "$T/sock"

	# a symbolic link to a file: the file is replaced, the link stays
	echo old >"$T/target"
	ln -s target "$T/link"
	run "$w" "$T/link"
	expect_exit "$w -o LINK" 0
	same_kind "$w -o LINK" "$T/link" l
	if [ "$(cat "$T/target")" != old ] && [ -s "$T/target" ]; then ok; else
		fail "$w -o LINK: the link's file was not written"; fi
	rm -f "$T/link" "$T/target" "$T/target.tmp"
	# a dangling one: refused, left
	ln -s nowhere "$T/dangling"
	run "$w" "$T/dangling"
	expect_exit "$w -o DANGLING-LINK" 2
	same_kind "$w -o DANGLING-LINK" "$T/dangling" l
	[ -e "$T/nowhere" ] && fail "$w: created a dangling link's target" || ok
	rm -f "$T/dangling"

	# OUT.tmp in the way: a link to a victim, a FIFO nobody reads
	echo victim >"$T/victim"
	ln -s victim "$T/o.tmp"
	run "$w" "$T/o"
	expect_exit "$w -o OUT, OUT.tmp a link" 2
	[ "$(cat "$T/victim")" = victim ] && ok || fail "$w: wrote through OUT.tmp"
	[ -L "$T/o.tmp" ] && ok || fail "$w: OUT.tmp is no longer a link"
	[ -e "$T/o" ] && fail "$w: wrote OUT though OUT.tmp was a link" || ok
	rm -f "$T/o.tmp" "$T/victim"
	mkfifo "$T/o.tmp"
	run "$w" "$T/o"
	expect_exit "$w -o OUT, OUT.tmp a FIFO" 2
	[ -p "$T/o.tmp" ] && ok || fail "$w: OUT.tmp is no longer a FIFO"
	rm -f "$T/o.tmp" "$T/o"

	[ "$DEVICES" = 1 ] || continue
	# devices of our own tmpfs, made again for each writer (one that
	# replaced them must not fail the next): null takes all, full
	# refuses all
	rm -rf "${D:?}/null" "$D/full" "$D/block"
	mknod -m 666 "$D/null" c 1 3 && mknod -m 666 "$D/full" c 1 7 &&
		mknod -m 600 "$D/block" b 240 0 || fail "mknod in $D"
	run "$w" "$D/null"
	expect_exit "$w -o NULL-DEVICE" 0
	same_kind "$w -o NULL-DEVICE" "$D/null" c
	run "$w" "$D/full"
	expect_exit "$w -o FULL-DEVICE" 2
	expect_grep "No space left" "$T/err" "$w -o FULL-DEVICE says why"
	same_kind "$w -o FULL-DEVICE" "$D/full" c
	# (major 240 is for local use: no such device, nothing to write to)
	run "$w" "$D/block"
	expect_exit "$w -o BLOCK-DEVICE" 2
	expect_grep "block device" "$T/err" "$w -o BLOCK-DEVICE says why"
	same_kind "$w -o BLOCK-DEVICE" "$D/block" b
done

if [ "$DEVICES" = 1 ]; then ok; else
	echo "outputs: device cases skipped (need root and unshare -m)"
fi
finish outputs
