# dumpdiff: the synthetic leak is named with its exact figures, the CI
# gate's exit codes, three snapshots, --json, a partial snapshot named.
. "$(dirname "$0")/lib.sh"
B=$HS_BIN
"$B/dumpgen" --objects 20000 --seed 5 -o "$T/p1.snap" 2>/dev/null
"$B/dumpgen" --objects 20000 --seed 5 --phase 2 --json -o "$T/p2.snap" >"$T/gen.json" 2>/dev/null
count=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["leak"]["count"])' <"$T/gen.json")
bytes=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["leak"]["total_bytes"])' <"$T/gen.json")

expect_rc 0 "diff" -- "$B/dumpdiff" "$T/p1.snap" "$T/p2.snap"
expect_grep "objects by id and type (one process)" "$T/out" "matching line"
expect_grep "leak.Session  (new type)" "$T/out" "leaked type first"
expect_grep "app.SESSIONS (app.SessionMap 0x" "$T/out" "owner with root path"

expect_rc 0 "json" -- "$B/dumpdiff" --json "$T/p1.snap" "$T/p2.snap"
python3 - "$T/out" "$count" "$bytes" <<'PY' && ok || fail "json figures"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "heapsnap.dumpdiff/1"
o = d["owners"][0]
assert o["objects"] == int(sys.argv[2]) and o["bytes"] == int(sys.argv[3]), o
assert o["path"].startswith("app.SESSIONS") and o["type"] == "app.SessionMap"
assert d["totals"]["new_objects"] == int(sys.argv[2])
assert d["totals"]["growth"] == int(sys.argv[3])
assert d["types"][0]["type"] == "leak.Session"
PY

# the CI gate: over, under, percentage, per owner
expect_rc 1 "gate over" -- "$B/dumpdiff" --fail-if-growth 1K "$T/p1.snap" "$T/p2.snap"
expect_grep "exceeds --fail-if-growth" "$T/err" "gate message"
expect_rc 0 "gate under" -- "$B/dumpdiff" --fail-if-growth 10M "$T/p1.snap" "$T/p2.snap"
expect_rc 0 "gate pct under" -- "$B/dumpdiff" --fail-if-growth 50% "$T/p1.snap" "$T/p2.snap"
expect_rc 1 "gate pct over" -- "$B/dumpdiff" --fail-if-growth 0.01% "$T/p1.snap" "$T/p2.snap"
expect_rc 1 "per owner" -- "$B/dumpdiff" --per-owner --fail-if-growth 1K "$T/p1.snap" "$T/p2.snap"
expect_rc 0 "no growth" -- "$B/dumpdiff" --fail-if-growth 0 "$T/p1.snap" "$T/p1.snap"

# three snapshots: the leak is new in target and alive in final
expect_rc 0 "three" -- "$B/dumpdiff" "$T/p1.snap" "$T/p2.snap" "$T/p2.snap"
expect_grep "leak candidates:   $(printf "%'d" "$count" 2>/dev/null || echo "$count")" "$T/out" "leak candidates"
expect_grep "app.SESSIONS" "$T/out" "three: owner"
expect_rc 0 "three, nothing left" -- "$B/dumpdiff" "$T/p1.snap" "$T/p1.snap" "$T/p2.snap"
expect_grep "leak candidates:   0 objects" "$T/out" "nothing new in target"

# matching by path (as for two processes)
expect_rc 0 "by path" -- "$B/dumpdiff" --match path --path-owners 100 "$T/p1.snap" "$T/p2.snap"
expect_grep "owners by root path and type" "$T/out" "path matching line"

# a truncated snapshot is named, and the diff still runs
# (small frames, so that the cut leaves some whole)
"$B/dumpgen" --objects 20000 --seed 5 --phase 2 --frame-size 16K -o "$T/p2s.snap" 2>/dev/null
size=$(stat -c %s "$T/p2s.snap")
head -c $((size * 2 / 3)) "$T/p2s.snap" >"$T/cut.snap"
expect_rc 0 "partial" -- "$B/dumpdiff" "$T/p1.snap" "$T/cut.snap"
expect_grep "warning: $T/cut.snap is truncated" "$T/err" "partial side named"
expect_rc 0 "partial json" -- "$B/dumpdiff" --json "$T/p1.snap" "$T/cut.snap"
expect_grep '"integrity":"truncated"' "$T/out" "partial in json"

# errors
expect_rc 2 "one file" -- "$B/dumpdiff" "$T/p1.snap"
expect_rc 2 "bad gate" -- "$B/dumpdiff" --fail-if-growth lots "$T/p1.snap" "$T/p2.snap"
expect_rc 2 "per-owner alone" -- "$B/dumpdiff" --per-owner "$T/p1.snap" "$T/p2.snap"
printf 'not a snap' >"$T/junk"
expect_rc 2 "junk" -- "$B/dumpdiff" "$T/p1.snap" "$T/junk"
expect_grep "junk: byte 0" "$T/err" "junk named with offset"
finish dumpdiff
