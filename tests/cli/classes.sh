# classes.sh - classes that share a name (a namedtuple or class made per
# call, the classic leak): a real Python child makes 1,200 of them; every
# tool merges them into one row by name that says how many classes it
# holds, --split-classes gives a row per class, and --type NAME selects
# them all.  Split rows are matched across snapshots by the class object's
# id, checked on JSON-lines dumps that give it.
. "$(dirname "$0")/lib.sh"
B=$HS_BIN
PY=${HS_TOP}/build/python

cat >"$T/per_call.py" <<'PY'
import collections, gc, sys
import heapsnap
KEEP = []
def make(i):
    Rec = collections.namedtuple("Rec", "a b")
    return Rec(i, str(i))
def garbage():
    class Tmp:
        pass
    t = Tmp()
    t.me = t              # a cycle: unreachable until collected
gc.disable()
for i in range(200):
    KEEP.append(make(i))
heapsnap.dump(sys.argv[1])
for i in range(1000):
    KEEP.append(make(i))
for i in range(50):
    garbage()
heapsnap.dump(sys.argv[2])
PY
if PYTHONPATH=$PY python3 "$T/per_call.py" "$T/a.snap" "$T/b.snap" 2>"$T/err"
then ok; else fail "capture"; cat "$T/err"; fi

# dumptypes: one row, among the top 20, that counts the classes
expect_rc 0 "dumptypes" -- "$B/dumptypes" "$T/b.snap"
grep -q "^ *1,200 .*  __main__\.Rec (1,200 classes)\$" "$T/out" && ok ||
	fail "one __main__.Rec row of 1,200 classes in the top 20"
expect_grep "classes share" "$T/out" "note on merged classes"
expect_rc 0 "dumptypes --split-classes" -- "$B/dumptypes" --split-classes \
	--top 0 "$T/b.snap"
n=$(grep -cE "  __main__\.Rec[#@][0-9a-fx]+\$" "$T/out")
[ "$n" = 1200 ] && ok || fail "split: 1,200 rows __main__.Rec#N or @0xID, got $n"
expect_rc 0 "dumptypes --json" -- "$B/dumptypes" --json --top 0 "$T/b.snap"
python3 - "$T/out" <<'PY' && ok || fail "json: classes field"
import json, sys
d = json.load(open(sys.argv[1]))
rows = [r for r in d["types"] if r["type"] == "__main__.Rec"]
assert len(rows) == 1 and rows[0]["classes"] == 1200 and rows[0]["count"] == 1200, rows
assert "type_index" not in rows[0] and d["split_classes"] is False
PY
expect_rc 0 "dumptypes --json --split-classes" -- "$B/dumptypes" --json \
	--split-classes --top 0 "$T/b.snap"
python3 - "$T/out" <<'PY' && ok || fail "json split: a row per class"
import json, sys
d = json.load(open(sys.argv[1]))
rows = [r for r in d["types"] if r["type"] == "__main__.Rec"]
assert len(rows) == 1200 and all(r["classes"] == 1 and r["count"] == 1 for r in rows)
assert len({r["type_index"] for r in rows}) == 1200
PY
expect_rc 0 "dumptypes --csv" -- "$B/dumptypes" --csv --top 0 "$T/b.snap"
expect_grep '^"__main__.Rec",1200,[0-9]*,[0-9]*,[0-9.]*,,1200,,$' "$T/out" \
	"csv: classes column"
# retained by name counts each object once: not more than the heap
python3 - "$T/b.snap" "$B" <<'PY' && ok || fail "merged retained <= sum of split"
import json, subprocess, sys
snap, b = sys.argv[1], sys.argv[2]
m = json.loads(subprocess.check_output([b + "/dumptypes", "--json", "--top", "0", snap]))
s = json.loads(subprocess.check_output([b + "/dumptypes", "--json", "--top", "0", "--split-classes", snap]))
merged = [r["retained"] for r in m["types"] if r["type"] == "__main__.Rec"][0]
split = sum(r["retained"] for r in s["types"] if r["type"] == "__main__.Rec")
assert 0 < merged <= split, (merged, split)
PY
expect_rc 0 "by referrer" -- "$B/dumptypes" --by referrer --top 0 "$T/b.snap"
expect_grep "  __main__\.Rec (1,200 classes) <- {builtins\.list}\$" "$T/out" \
	"referrer row of the merged classes"
if grep -q "__main__\.Rec.*__main__\.Rec" "$T/out"; then
	fail "a referrer key names __main__.Rec twice"; else ok; fi
expect_rc 0 "unreachable" -- "$B/dumptypes" --unreachable "$T/b.snap"
expect_grep "  __main__\.garbage\.<locals>\.Tmp (50 classes)\$" "$T/out" \
	"unreachable merged row"
expect_rc 2 "split with --by site" -- "$B/dumptypes" --by site \
	--split-classes "$T/b.snap"

# dumpdom: the unreachable summary merges them too
expect_rc 0 "dumpdom" -- "$B/dumpdom" --top 3 "$T/b.snap"
expect_grep "__main__\.garbage\.<locals>\.Tmp (50 classes) 50 " "$T/out" \
	"dumpdom unreachable row"

# dumppath --type NAME: every class of the name
expect_rc 0 "dumppath --type" -- "$B/dumppath" --type __main__.Rec --top 2 \
	--by shallow "$T/b.snap"
expect_grep "^type __main__\.Rec (1,200 classes): 1,200 instances, 0 unreachable" \
	"$T/out" "dumppath counts every class"
one=$("$B/dumptypes" --split-classes --top 0 "$T/b.snap" |
      grep -oE "__main__\.Rec[#@][0-9a-fx]+\$" | head -1)
expect_rc 0 "dumppath --type one class" -- "$B/dumppath" --type "$one" \
	--split-classes "$T/b.snap"
expect_grep "^type $one: 1 instances" "$T/out" "one class selected"
expect_grep "^$one 0x" "$T/out" "split: the object shows its class"
expect_rc 0 "dumppath --json" -- "$B/dumppath" --json --type __main__.Rec \
	--top 1 "$T/b.snap"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["classes"]==1200 and d["instances"]==1200' \
	"$T/out" && ok || fail "dumppath json classes"

# dumpdiff: one row by name, with the class count on both sides
expect_rc 0 "dumpdiff" -- "$B/dumpdiff" --top 0 "$T/a.snap" "$T/b.snap"
grep -q "^ *+1,000 .*  __main__\.Rec (200 -> 1,200 classes)\$" "$T/out" && ok ||
	fail "dumpdiff: __main__.Rec (200 -> 1,200 classes)"
expect_rc 0 "dumpdiff --json" -- "$B/dumpdiff" --json --top 0 "$T/a.snap" \
	"$T/b.snap"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=[t for t in d["types"] if t["type"]=="__main__.Rec"]; assert len(r)==1 and r[0]["classes"]==[200,1200] and r[0]["count"]==[200,1200]' \
	"$T/out" && ok || fail "dumpdiff json classes"
# split: a capture that records class ids splits them; one that does not
# says why they stay merged
expect_rc 0 "dumpdiff --split-classes" -- "$B/dumpdiff" --split-classes \
	--top 0 "$T/a.snap" "$T/b.snap"
if grep -q "give no class id" "$T/err"; then ok
elif [ "$(grep -c '__main__\.Rec@0x' "$T/out")" = 1200 ]; then ok
else fail "dumpdiff split: neither 1,200 class rows nor a note"; fi

# JSON lines that give the class objects' ids: split rows match by id
mk() {  # mk FILE PID NCLASSES
	{
		echo '{"kind":"header","format":"heapsnap","version":1,"runtime":"t","pid":'"$2"'}'
		echo '{"kind":"type","index":0,"name":"list"}'
		i=0; refs=""
		while [ $i -lt "$3" ]; do
			echo '{"kind":"type","index":'$((i + 1))',"name":"Rec","id":'$((4096 + 16 * i))'}'
			refs="$refs${refs:+,}$((8192 + 16 * i))"
			i=$((i + 1))
		done
		echo '{"kind":"object","id":100,"type":0,"size":64,"refs":['"$refs"']}'
		i=0
		while [ $i -lt "$3" ]; do
			echo '{"kind":"object","id":'$((8192 + 16 * i))',"type":'$((i + 1))',"size":56}'
			i=$((i + 1))
		done
		echo '{"kind":"root","id":100,"root_kind":"global","label":"L"}'
	} >"$T/$1.jsonl"
	"$B/dumpconv" "$T/$1.jsonl" -o "$T/$1.snap" >/dev/null 2>&1
}
mk k1 7 2 && mk k2 7 5 && mk k3 8 5 && ok || fail "dumpconv of the class dumps"
expect_rc 0 "split with ids" -- "$B/dumptypes" --split-classes "$T/k2.snap"
expect_grep "  Rec@0x1040\$" "$T/out" "a class shown by its object's id"
expect_rc 0 "dumpdiff split by id" -- "$B/dumpdiff" --split-classes --top 0 \
	"$T/k1.snap" "$T/k2.snap"
expect_grep "^ *+1 .*  Rec@0x1040  (new type)\$" "$T/out" "a new class"
expect_grep "^ *0 .*  Rec@0x1000\$" "$T/out" "a class in both"
expect_rc 0 "dumpdiff by name" -- "$B/dumpdiff" --top 0 "$T/k1.snap" \
	"$T/k2.snap"
expect_grep "^ *+3 .*  Rec (2 -> 5 classes)\$" "$T/out" "merged diff row"
expect_rc 2 "split across processes" -- "$B/dumpdiff" --split-classes \
	"$T/k1.snap" "$T/k3.snap"
expect_grep "one process" "$T/err" "split across processes: why"
finish classes
