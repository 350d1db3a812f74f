#!/bin/sh
# dumpgen.sh - the dumpgen tool: --help, bad usage exits 2 with a message,
# written files are readable (dumpinfo) and byte-identical for the same
# options, --json carries the leak's figures, phase 2 adds exactly them,
# the summary line on stderr, an unwritable path exits 2 and leaves
# nothing behind.
. "$(dirname "$0")/lib.sh"
G="$HS_BIN/dumpgen"
I="$HS_BIN/dumpinfo"

# help
expect_rc 0 "help" -- "$G" --help
expect_grep "usage: dumpgen" "$T/out" "help text"
expect_grep "leak.Session" "$T/out" "help documents the leak"
expect_grep "app.SESSIONS" "$T/out" "help names the owner's root"
expect_grep "bench4" "$T/out" "help lists the shapes"
expect_rc 0 "short help" -- "$G" -h

# bad usage: exit 2, a message naming the problem
expect_rc 2 "no arguments" -- "$G"
expect_grep "objects is required" "$T/err" "no --objects"
expect_rc 2 "no output" -- "$G" --objects 100
expect_grep "-o FILE is required" "$T/err" "no -o"
expect_rc 2 "bad count" -- "$G" --objects ten -o "$T/x.snap"
expect_grep "not a count" "$T/err" "bad count message"
expect_rc 2 "too few objects" -- "$G" --objects 15 -o "$T/x.snap"
expect_grep "not in 16" "$T/err" "too few message"
expect_rc 2 "bad shape" -- "$G" --objects 100 --shape java -o "$T/x.snap"
expect_grep "'java'" "$T/err" "bad shape names it"
expect_rc 2 "bad refs" -- "$G" --objects 100 --refs ptr -o "$T/x.snap"
expect_rc 2 "bad phase" -- "$G" --objects 100 --phase 3 -o "$T/x.snap"
expect_rc 2 "bad level" -- "$G" --objects 100 --level 20 -o "$T/x.snap"
expect_rc 2 "bad frame size" -- "$G" --objects 100 --frame-size 100 -o "$T/x.snap"
expect_rc 2 "bad seed" -- "$G" --objects 100 --seed -1 -o "$T/x.snap"
expect_rc 2 "bad leak count" -- "$G" --objects 100 --leak-count 0 -o "$T/x.snap"
expect_rc 2 "unknown option" -- "$G" --objects 100 --frobnicate -o "$T/x.snap"
expect_grep "unknown option" "$T/err" "unknown option message"
expect_rc 2 "missing value" -- "$G" --objects
expect_rc 2 "extra argument" -- "$G" --objects 100 -o "$T/x.snap" extra
if [ -e "$T/x.snap" ]; then fail "bad usage wrote a file"; else ok; fi

# an unwritable path: exit 2, the path in the message, nothing left
expect_rc 2 "unwritable" -- "$G" --objects 100 -o "$T/nodir/x.snap"
expect_grep "nodir/x.snap" "$T/err" "unwritable names the file"
if ls "$T"/nodir* >/dev/null 2>&1; then fail "unwritable left a file"; else ok; fi

# a written file is readable and complete; the summary line on stderr
expect_rc 0 "service" -- "$G" --objects 3000 --seed 4 -o "$T/s.snap"
expect_grep "3,000 objects" "$T/err" "summary counts objects"
expect_grep "bytes/object" "$T/err" "summary gives bytes/object"
expect_rc 0 "dumpinfo reads it" -- "$I" "$T/s.snap"
expect_grep "integrity: *complete" "$T/out" "complete file"
expect_grep "synthetic service" "$T/out" "runtime and shape in the header"

# the same options give the same bytes; another seed does not
expect_rc 0 "python index" -- "$G" -n 2k -s 9 --shape python --refs index -o "$T/p1.snap"
expect_rc 0 "python index again" -- "$G" -n 2k -s 9 --shape python --refs index -o "$T/p2.snap"
if cmp -s "$T/p1.snap" "$T/p2.snap"; then ok; else fail "same options, different bytes"; fi
expect_rc 0 "other seed" -- "$G" -n 2k -s 10 --shape python --refs index -o "$T/p3.snap"
if cmp -s "$T/p1.snap" "$T/p3.snap"; then fail "another seed, same bytes"; else ok; fi
expect_rc 0 "dumpinfo python" -- "$I" "$T/p1.snap"
expect_grep "ref mode: *index" "$T/out" "index mode"
expect_grep "2,000" "$T/out" "2k objects"

# options reach the writer
expect_rc 0 "small frames" -- "$G" -n 5000 --shape bench4 --frame-size 16K --level 1 -o "$T/b.snap"
expect_rc 0 "dumpinfo bench4" -- "$I" "$T/b.snap"
frames=$(sed -n 's/^frames: *\([0-9]*\).*/\1/p' "$T/out")
if [ "${frames:-0}" -ge 4 ]; then ok; else fail "16K frames: only '$frames' frames"; fi

# --json: the leak's figures; phase 2 holds exactly count more objects
expect_rc 0 "json phase 1" -- "$G" -n 4000 -s 3 --json -o "$T/l1.snap"
cp "$T/out" "$T/j1"
expect_grep '"schema":"heapsnap.dumpgen/1"' "$T/j1" "json schema"
expect_grep '"present":false' "$T/j1" "phase 1 has no leak"
expect_rc 0 "json phase 2" -- "$G" -n 4000 -s 3 --phase 2 --json -o "$T/l2.snap"
cp "$T/out" "$T/j2"
expect_grep '"present":true' "$T/j2" "phase 2 has the leak"
leak1=$(sed 's/.*"leak"://' "$T/j1" | sed 's/,"present".*//')
leak2=$(sed 's/.*"leak"://' "$T/j2" | sed 's/,"present".*//')
if [ -n "$leak1" ] && [ "$leak1" = "$leak2" ]; then ok; else
	fail "leak figures differ between phases: $leak1 / $leak2"; fi
count=$(sed -n 's/.*"leak":{.*"count":\([0-9]*\).*/\1/p' "$T/j2")
if [ "$count" = 40 ]; then ok; else fail "leak count '$count', expected 40"; fi
o1=$(sed -n 's/.*"objects":\([0-9]*\),"refs".*/\1/p' "$T/j1")
o2=$(sed -n 's/.*"objects":\([0-9]*\),"refs".*/\1/p' "$T/j2")
if [ "$o1" = 4000 ] && [ "$o2" = 4040 ]; then ok; else
	fail "objects $o1 -> $o2, expected 4000 -> 4040"; fi
s1=$(sed -n 's/.*"shallow_bytes":\([0-9]*\).*/\1/p' "$T/j1")
s2=$(sed -n 's/.*"shallow_bytes":\([0-9]*\).*/\1/p' "$T/j2")
tb=$(sed -n 's/.*"total_bytes":\([0-9]*\).*/\1/p' "$T/j2")
if [ -n "$tb" ] && [ $((s2 - s1)) = "$tb" ]; then ok; else
	fail "shallow grew by $((s2 - s1)), the leak says $tb"; fi
expect_rc 0 "dumpinfo phase 2" -- "$I" "$T/l2.snap"
expect_grep "4,040" "$T/out" "phase 2 object count"
expect_grep "dumpgen phase 2" "$T/out" "phase 2 reason"
expect_rc 0 "leak count option" -- "$G" -n 1000 --phase 2 --leak-count 7 --json -o "$T/l3.snap"
expect_grep '"count":7,' "$T/out" "chosen leak count"

finish dumpgen
