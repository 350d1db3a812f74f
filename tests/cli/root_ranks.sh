# root_ranks.sh - paths go through the program's roots: a real Python
# child defines module constants, which the parser's arena (a list held
# from C, a `refcount` root) also holds, one reference away.  dumppath and
# dumpdiff's owner paths must show the path from the module or frame,
# however long, and a refcount root only for what nothing else holds.
. "$(dirname "$0")/lib.sh"
B=$HS_BIN
PY=${HS_TOP}/build/python

cat >"$T/consts.py" <<'PY'
import collections, sys
import heapsnap
NAME = "a-constant-string-of-the-script"
FOLDED = 123456789 + 1           # the parser's 123456789 is left in its arena
def f():
    return "another-constant"
KEEP = []
def make(i):
    Rec = collections.namedtuple("Rec", "a b")   # tuple.__subclasses__ grows
    return Rec(i, i)
for i in range(50):
    KEEP.append(make(i))
heapsnap.dump(sys.argv[1])
for i in range(500):
    KEEP.append(make(i))
heapsnap.dump(sys.argv[2])
PY
if PYTHONPATH=$PY python3 "$T/consts.py" "$T/a.snap" "$T/b.snap" 2>"$T/err"
then ok; else fail "capture"; cat "$T/err"; fi
# the objects' indices, by their previews
"$B/dumpconv" "$T/b.snap" -o "$T/b.jsonl" >/dev/null 2>&1 && ok || fail "dumpconv"
python3 - "$T/b.jsonl" >"$T/idx" <<'PY' && ok || fail "find the constants"
import json, sys
want = {"a-constant-string-of-the-script": "name",
        "another-constant": "func", 123456789: "arena"}
i, found = 0, {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["kind"] != "object":
        continue
    k = want.get(r.get("preview")) if not isinstance(r.get("preview"), dict) else None
    if k and k not in found:
        found[k] = i
    i += 1
assert set(found) == set(want.values()), found
for k, v in found.items():
    print(k, v)
PY
idx() { sed -n "s/^$1 //p" "$T/idx"; }

for what in name func; do
	expect_rc 0 "dumppath $what" -- "$B/dumppath" --index "$(idx $what)" \
		"$T/b.snap"
	if grep -q "<refcount>" "$T/out"; then
		fail "$what: a path through a refcount root"
		sed 's/^/  | /' "$T/out" | head -8
	else ok; fi
	expect_grep "from root \".*consts\.py.*\" (frame)" "$T/out" \
		"$what: the path starts at the script's frame"
done
# the function's constant is one reference from the arena, four from the
# frame: paths from the program's roots come first, by length
expect_rc 0 "dumppath --all" -- "$B/dumppath" --index "$(idx func)" \
	--all 10 --json "$T/b.snap"
python3 - "$T/out" <<'PY' && ok || fail "--all: real roots first, by length"
import json, sys
d = json.load(open(sys.argv[1]))
paths = d["targets"][0]["paths"]
keys = [(p["root"]["rank"], p["length"]) for p in paths]
assert keys == sorted(keys), keys
assert keys[0][0] == 0 and keys[0][1] > 1, keys
PY
# what only the arena holds: the refcount path, said to be one
expect_rc 0 "dumppath arena" -- "$B/dumppath" --index "$(idx arena)" \
	"$T/b.snap"
expect_grep "from root \"<the parser's arena>\" (refcount)" "$T/out" \
	"arena: a refcount root, named"
expect_grep "held from outside the dump" "$T/out" "arena: said so"
expect_grep "<the parser's arena> -> builtins\.list\[" "$T/out" \
	"arena: the list, named"
# --max-depth: the bounded search keeps the ranking
expect_rc 0 "dumppath --max-depth" -- "$B/dumppath" --index "$(idx func)" \
	--max-depth 8 "$T/b.snap"
if grep -q "<refcount>" "$T/out"; then fail "max-depth: refcount path"
else ok; fi

# dumpdiff: the owner of the new classes' entries in tuple.__subclasses__
# is named from builtins, not from a refcount root
expect_rc 0 "dumpdiff" -- "$B/dumpdiff" --top 0 "$T/a.snap" "$T/b.snap"
expect_grep "builtins\.type\.__subclasses__" "$T/out" "the subclasses owner"
if grep -q "<refcount>" "$T/out"; then
	fail "dumpdiff: an owner path through a refcount root"
	grep "<refcount>" "$T/out" | sed 's/^/  | /' | head -5
else ok; fi
finish root_ranks
