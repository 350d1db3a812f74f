#!/bin/sh
# make.sh - regenerates the damaged samples in samples/bad/ from a
# deterministic dumpgen snapshot (dumpgen gives byte-identical files for
# the same options, so this is reproducible).  Run from anywhere:
#   sh samples/bad/make.sh
# tests/unit/test_reader.c (test_bad_samples) checks what a reader
# reports for each file; README.md lists it.
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
make -s build/lib/libheapsnap.a build/bin/dumpgen
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Ilibdump/include -Ilibdump \
	-o "$tmp/mkbad" samples/bad/mkbad.c build/lib/libheapsnap.a \
	$(pkg-config --libs libzstd msgpack) -pthread -lm
build/bin/dumpgen --objects 1500 --seed 11 --shape python --frame-size 4K \
	--level 3 -o "$tmp/good.snap" 2>/dev/null
"$tmp/mkbad" "$tmp/good.snap" samples/bad
