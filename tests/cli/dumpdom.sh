#!/bin/sh
# dumpdom.sh - the dumpdom tool on the samples: the leak's owner retains
# exactly 4,912 bytes more in phase 2 (--id, --json), its subtree lists
# the sessions (--depth), --top and --min-retained bound the list, the
# JSON tree is consistent (children sorted, dominated by their parent),
# --top 0 lists every reachable object, and the errors exit 2.
. "$(dirname "$0")/lib.sh"
D="$HS_BIN/dumpdom"
OWNER=0x7f3900027970

expect_rc 0 "top 20" -- "$D" "$S/leak-phase2.snap"
expect_grep "leak-phase2.snap: 5,050 objects" "$T/out" "header line"
expect_grep "^reachable: 4,787 objects" "$T/out" "reachable line"
expect_grep "^unreachable: 263 objects" "$T/out" "unreachable line"
expect_grep "20 of 4,787 reachable objects listed" "$T/out" "count line"
n=$(grep -c '  0x7f39' "$T/out")
[ "$n" = 20 ] && ok || fail "top 20 printed $n objects"

# the owner of the leak grows by exactly the sessions' 4,912 bytes
for p in 1 2; do
	expect_rc 0 "owner phase $p" -- "$D" "$S/leak-phase$p.snap" --id $OWNER --json
	"$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["objects"][0]["retained"])' "$T/out" > "$T/r$p"
done
r1=$(cat "$T/r1"); r2=$(cat "$T/r2")
[ $((r2 - r1)) = 4912 ] && ok || fail "owner grew by $((r2 - r1)), not 4912"
expect_rc 0 "owner tree" -- "$D" "$S/leak-phase2.snap" --id $OWNER --children 0
n=$(grep -c 'leak\.Session' "$T/out")
[ "$n" = 50 ] && ok || fail "owner's subtree shows $n sessions, not 50"
expect_grep "dominated by: the roots only" "$T/out" "dominator chain"

# the JSON tree: schema, children below their parent, largest first
expect_rc 0 "json depth 3" -- "$D" "$S/service-small.snap" --top 5 --depth 3 --children 4 --json
if "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "heapsnap.dumpdom/1"
assert len(d["objects"]) == 5
heap = d["graph"]["reachable_shallow"]
rets = [o["retained"] for o in d["objects"]]
assert rets == sorted(rets, reverse=True)
def check(o, depth):
    assert o["shallow"] <= o["retained"] <= heap
    kids = o["children"]
    assert len(kids) <= 4 and (depth < 3 or not kids)
    assert sum(k["retained"] for k in kids) + o["shallow"] <= o["retained"]
    if "more" in o:
        assert len(kids) + o["more"]["count"] == o["dominated"]
        assert sum(k["retained"] for k in kids) + o["more"]["retained"] + o["shallow"] == o["retained"]
    r = [k["retained"] for k in kids]
    assert r == sorted(r, reverse=True)
    for k in kids:
        assert k["idom"] == o["id"]
        check(k, depth + 1)
for o in d["objects"]:
    check(o, 0)
' "$T/out"; then ok; else fail "json tree"; fi

# --top 0 lists every reachable object; --min-retained bounds it
expect_rc 0 "top 0" -- "$D" "$S/service-small.snap" --top 0 --json
if "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["objects"]) == d["graph"]["reachable"]
assert len({o["id"] for o in d["objects"]}) == len(d["objects"])
' "$T/out"; then ok; else fail "--top 0 lists every reachable object"; fi
expect_rc 0 "min retained" -- "$D" "$S/service-small.snap" --top 0 --min-retained 4K --json
if "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["objects"] and all(o["retained"] >= 4096 for o in d["objects"])
assert len(d["objects"]) < d["graph"]["reachable"]
' "$T/out"; then ok; else fail "--min-retained"; fi

# errors
expect_rc 2 "no file" -- "$D"
expect_rc 2 "bad depth" -- "$D" --depth -1 "$S/service-small.snap"
expect_rc 2 "bad size" -- "$D" --min-retained lots "$S/service-small.snap"
expect_rc 2 "bad id" -- "$D" --id zz "$S/service-small.snap"
expect_rc 2 "unknown id" -- "$D" --id 0x1 "$S/service-small.snap"
expect_grep "no object with id 0x1" "$T/err" "unknown id message"
expect_rc 2 "missing file" -- "$D" "$T/absent.snap"
expect_grep "absent.snap" "$T/err" "missing file named"
head -c 100 "$S/service-small.snap" > "$T/stub.snap"
expect_rc 2 "no data frame" -- "$D" "$T/stub.snap"
expect_grep "stub.snap" "$T/err" "damaged file named"
finish dumpdom
