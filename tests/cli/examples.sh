#!/bin/sh
# examples.sh - the programs of examples/ (built by `make check` against the
# public headers only) run and write what they say: write_dump's linked
# list reads back complete, with its labelled path and retained sizes; a
# path it cannot create fails with a message and leaves nothing.
. "$(dirname "$0")/lib.sh"
: "${HS_BUILD:=$HS_TOP/build}"
X="$HS_BUILD/examples"

expect_rc 0 "write_dump writes" -- "$X/write_dump" "$T/list.snap"
if [ -e "$T/list.snap.tmp" ]; then fail "write_dump left its .tmp"; else ok; fi
expect_rc 0 "dumpinfo reads it" -- "$HS_BIN/dumpinfo" "$T/list.snap"
expect_grep "^objects: *2$" "$T/out" "two objects"
expect_grep "^roots: *1$" "$T/out" "one root"
expect_grep "^integrity: *complete" "$T/out" "complete"
expect_rc 0 "dumppath to the tail" -- "$HS_BIN/dumppath" "$T/list.snap" 0x2000
expect_grep "my_list -> node.next" "$T/out" "the labelled path"
expect_rc 0 "dumpdom" -- "$HS_BIN/dumpdom" "$T/list.snap"
expect_grep "96 B 100.00%  *48 B  0x1000 *node" "$T/out" "the head retains the list"

expect_rc 1 "unwritable path" -- "$X/write_dump" "$T/no/such/dir/x.snap"
expect_grep "write_dump: .*cannot create" "$T/err" "message names the problem"
if [ -e "$T/no" ]; then fail "a failed write left something"; else ok; fi
expect_rc 2 "no argument" -- "$X/write_dump"
expect_grep "usage: write_dump" "$T/err" "usage"

finish examples
