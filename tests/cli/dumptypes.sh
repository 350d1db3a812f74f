#!/bin/sh
# dumptypes.sh - the dumptypes tool on the samples: the leak's 50
# leak.Session objects and their sizes, sorting, --top, --csv, --json
# (valid, same figures as the text), --unreachable, a truncated file
# (loads with a warning), and the errors: bad usage, not a .snap, a
# missing file (exit 2 naming the file).
. "$(dirname "$0")/lib.sh"
D="$HS_BIN/dumptypes"

expect_rc 0 "help" -- "$D" --help
expect_grep "usage: dumptypes" "$T/out" "help text"
expect_grep "Eclipse MAT" "$T/out" "help explains retained per type"

# the leak: 50 sessions, 4,912 bytes, each retaining itself only
expect_rc 0 "leak phase 2" -- "$D" "$S/leak-phase2.snap" --top 0
expect_grep "leak-phase2.snap: 5,050 objects" "$T/out" "header line"
expect_grep "missing references" "$T/out" "header reports missing refs"
expect_grep "unreachable 263 objects" "$T/out" "header reports unreachable"
if grep -Eq '^ +50 +4\.80 KiB +4\.80 KiB .* leak\.Session$' "$T/out"; then ok; else
	fail "leak.Session row"; grep Session "$T/out"; fi
expect_rc 0 "leak phase 1" -- "$D" "$S/leak-phase1.snap" --top 0
if grep -q "leak.Session" "$T/out"; then fail "phase 1 has no sessions"; else ok; fi

# sorted by retained by default, largest first; --sort count; --top
expect_rc 0 "csv" -- "$D" "$S/service-small.snap" --csv --top 0
expect_grep '^type,count,shallow,retained,percent,cumulative_percent,classes,type_index,type_id$' "$T/out" "csv header"
cp "$T/out" "$T/all.csv"
if awk -F, 'NR > 2 && $4 > prev { bad = 1 } NR > 1 { prev = $4 } END { exit bad }' "$T/all.csv"
then ok; else fail "csv not sorted by retained"; fi
expect_rc 0 "sort count" -- "$D" "$S/service-small.snap" --csv --sort count --top 0
if awk -F, 'NR > 2 && $2 > prev { bad = 1 } NR > 1 { prev = $2 } END { exit bad }' "$T/out"
then ok; else fail "csv not sorted by count"; fi
# cumulative percent of counts ends at 100
last=$(tail -1 "$T/out" | awk -F, '{ print $6 }')
case "$last" in 100.0000|99.99*) ok ;; *) fail "cumulative count ends at $last" ;; esac
sum=$(awk -F, 'NR > 1 { s += $2 } END { print s }' "$T/out")
expect_rc 0 "json" -- "$D" "$S/service-small.snap" --json --top 0
if "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "heapsnap.dumptypes/1", d["schema"]
g = d["graph"]
assert g["reachable"] + g["unreachable"] == g["objects"] == 2000
assert sum(t["count"] for t in d["types"]) == g["reachable"] == int(sys.argv[2])
assert sum(t["shallow"] for t in d["types"]) == g["reachable_shallow"]
assert all(t["retained"] >= t["shallow"] for t in d["types"])
assert all(t["retained"] <= g["reachable_shallow"] for t in d["types"])
' "$T/out" "$sum"; then ok; else fail "json figures"; fi
expect_rc 0 "top 3" -- "$D" "$S/service-small.snap" --top 3 --csv
n=$(wc -l < "$T/out")
[ "$n" = 4 ] && ok || fail "--top 3 printed $n lines"

# unreachable objects: shallow only
expect_rc 0 "unreachable" -- "$D" "$S/service-small.snap" --unreachable --json
if "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["set"] == "unreachable" and d["sort"] == "shallow"
assert sum(t["count"] for t in d["types"]) == d["graph"]["unreachable"] > 0
assert all(t["retained"] is None for t in d["types"])
' "$T/out"; then ok; else fail "unreachable json"; fi

# a truncated file loads what is there, with a warning
size=$(wc -c < "$S/service-small.snap")
head -c $((size / 2)) "$S/service-small.snap" > "$T/cut.snap"
expect_rc 0 "truncated" -- "$D" "$T/cut.snap"
expect_grep "warning: the file is truncated" "$T/err" "truncation warning"
expect_grep "file truncated" "$T/out" "header says truncated"

# errors: exit 2 and a message naming the file
expect_rc 2 "no file" -- "$D"
expect_rc 2 "two files" -- "$D" a b
expect_rc 2 "bad sort" -- "$D" --sort size "$S/service-small.snap"
expect_grep "'size'" "$T/err" "bad sort names it"
expect_rc 2 "bad top" -- "$D" --top x "$S/service-small.snap"
expect_rc 2 "json and csv" -- "$D" --json --csv "$S/service-small.snap"
expect_rc 2 "missing file" -- "$D" "$T/absent.snap"
expect_grep "absent.snap" "$T/err" "missing file named"
printf 'not a heap snapshot at all\n' > "$T/text.snap"
expect_rc 2 "not a snap" -- "$D" "$T/text.snap"
expect_grep "text.snap: byte 0" "$T/err" "offset in the message"
finish dumptypes
