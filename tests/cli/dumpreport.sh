#!/bin/sh
# dumpreport.sh - the report tool: usage errors, the page written whole
# under its default name, the JSON's tree consistent, the leak's owner
# named with its exact growth, a truncated dump's integrity, --redact,
# and every string of a hostile dump kept inside the page's data (no
# "</script", no "<", no U+2028 there); the Markdown summary at most
# 5,120 bytes for hostile and huge dumps, one and two snapshots.
. "$(dirname "$0")/lib.sh"
R="$HS_BIN/dumpreport"

expect_rc 2 "no snapshot" -- "$R"
expect_rc 2 "three snapshots" -- "$R" "$S/leak-phase1.snap" "$S/leak-phase1.snap" "$S/leak-phase2.snap"
expect_rc 2 "--md with -o" -- "$R" --md -o "$T/x.html" "$S/python-small.snap"
expect_rc 2 "--md and --json" -- "$R" --md --json "$S/python-small.snap"
expect_rc 2 "bad --tree-nodes" -- "$R" --tree-nodes 0 "$S/python-small.snap"
expect_rc 2 "missing file" -- "$R" "$T/none.snap"
expect_grep "none.snap" "$T/err" "names the missing file"
expect_rc 2 "not a snap" -- "$R" --md "$S/bad/not-a-snap.snap"
expect_rc 2 "unwritable output" -- "$R" -o "$T/no/dir/x.html" "$S/python-small.snap"
[ ! -e "$T/no" ] && ok || fail "an unwritable output left files"

# the default name, in the current directory, written whole
(cd "$T" && "$R" "$S/python-small.snap") >"$T/out" 2>"$T/err" && ok || fail "default output"
[ -s "$T/python-small.html" ] && [ ! -e "$T/python-small.html.tmp" ] && ok ||
	fail "python-small.html not written whole"
expect_grep "wrote python-small.html" "$T/err" "says where it wrote"
head -c 15 "$T/python-small.html" | grep -q '<!DOCTYPE html>' && ok || fail "page starts with a doctype"
expect_rc 0 "page on stdout" -- "$R" -o - "$S/service-small.snap"
head -c 15 "$T/out" | grep -q '<!DOCTYPE html>' && ok || fail "-o - prints the page"
# nothing that a browser would fetch
if grep -Eq '(src|href)=["'"'"']?(https?:)?//' "$T/python-small.html"; then
	fail "the page names a network resource"; else ok; fi

# the JSON: the tree adds up, objects are consistent
expect_rc 0 "json" -- "$R" --json "$S/service-small.snap"
"$PY" - "$T/out" <<'PY' && ok || fail "json tree and objects"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "heapsnap.report/1"
s = d["snapshots"][0]
nodes, objs = d["tree"]["nodes"], d["objects"]
assert nodes[0][0] is None and nodes[0][2] == s["reachable_size"]
kids = {}
for i, n in enumerate(nodes[1:], 1):
    assert n[1] < i, "parent before child"
    assert objs[n[0]][6] == i and objs[n[0]][3] == n[2]
    kids.setdefault(n[1], []).append(n[2])
for i, n in enumerate(nodes):
    own = 0 if i == 0 else objs[n[0]][2]
    assert own + sum(kids.get(i, [])) + n[5] == n[2], ("adds up", i)
    assert len(kids.get(i, [])) + n[4] == n[3], ("children", i)
assert sum(r[1] for r in d["types"]["rows"]) == s["reachable"]
assert d["unreachable"]["count"] == s["unreachable"]
assert d["retainers"] and all(objs[i][5] is not None for i in d["retainers"])
for t, insts in d["instances"]:
    sizes = [objs[i][3] for i in insts]
    assert sizes == sorted(sizes, reverse=True)
    assert all(objs[i][1] == t for i in insts)
PY

# a tree cut at 30 nodes: what is left out adds up, by type
expect_rc 0 "json cut tree" -- "$R" --json --tree-nodes 30 "$S/service-small.snap"
"$PY" - "$T/out" <<'PY' && ok || fail "json cut tree"
import json, sys
d = json.load(open(sys.argv[1]))
nodes = d["tree"]["nodes"]
assert len(nodes) == 31 and d["tree"]["cut"] > 0
cut = [n for n in nodes if n[4]]
assert cut
for n in cut:
    rest = n[6]
    assert sum(e[1] for e in rest) == n[4] and sum(e[2] for e in rest) == n[5]
    assert len(rest) <= 12 and all(e[2] <= d["tree"]["cut"] * e[1] for e in rest)
PY

# the leak: its owner, exact growth, root path; in the tree
expect_rc 0 "leak json" -- "$R" --json "$S/leak-phase1.snap" "$S/leak-phase2.snap"
"$PY" - "$T/out" <<'PY' && ok || fail "leak owner in json"
import json, sys
d = json.load(open(sys.argv[1]))
o = d["diff"]["owners"]["rows"][0]
obj = d["objects"][o["obj"]]
assert obj[0] == "0x7f3900027970" and o["bytes"] == 4912 and o["objects"] == 50
assert obj[6] is not None, "the owner is in the tree"
steps = d["paths"][obj[5]]["steps"]
assert steps[0][0] == "app.SESSIONS" and d["paths"][obj[5]]["root_kind"] == "global"
assert d["diff"]["types"]["rows"][0][0] == "leak.Session"
PY
expect_rc 0 "leak md" -- "$R" --md "$S/leak-phase1.snap" "$S/leak-phase2.snap"
expect_grep "+4.80 KiB, +50 objects  dict 0x7f3900027970" "$T/out" "md owner"
expect_grep "^    app.SESSIONS$" "$T/out" "md owner path"
expect_grep "+4.80 KiB retained, +50 objects  leak.Session" "$T/out" "md type growth"
expect_grep "^integrity   complete" "$T/out" "md integrity"

# two classes of one name are one type, as in dumptypes
cat >"$T/cls.jsonl" <<'EOF2'
{"kind":"header","format":"heapsnap","version":1}
{"kind":"type","name":"C"}
{"kind":"type","name":"C"}
{"kind":"type","name":"list"}
{"kind":"object","id":1,"type":2,"size":72,"refs":[2,3]}
{"kind":"object","id":2,"type":0,"size":100}
{"kind":"object","id":3,"type":1,"size":50}
{"kind":"root","id":1,"root_kind":"global","label":"items"}
EOF2
"$HS_BIN/dumpconv" "$T/cls.jsonl" -o "$T/cls.snap" 2>"$T/err" && ok || fail "classes dump"
expect_rc 0 "classes json" -- "$R" --json "$T/cls.snap"
"$PY" - "$T/out" <<'PY' && ok || fail "classes of one name are one type"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["type_names"].count("C") == 1, d["type_names"]
c = d["type_names"].index("C")
row = [r for r in d["types"]["rows"] if r[0] == c]
assert len(row) == 1 and row[0][1] == 2
inst = dict((t, i) for t, i in d["instances"])[c]
assert len(inst) == 2 and all(d["objects"][i][1] == c for i in inst)
PY

# a truncated dump: the report is made, and says so
expect_rc 0 "truncated" -- "$R" --md "$S/bad/truncated-mid-frame.snap"
expect_grep "^integrity   truncated: 1 frames" "$T/out" "md names the truncation"
expect_rc 0 "truncated json" -- "$R" --json "$S/bad/truncated-mid-frame.snap"
expect_grep '"status":"truncated"' "$T/out" "json names the truncation"

# --redact: no previews, no pid, no directories, only public labels
expect_rc 0 "redact json" -- "$R" --json --redact "$S/python-small.snap"
"$PY" - "$T/out" <<'PY' && ok || fail "redacted json"
import json, re, sys
d = json.load(open(sys.argv[1]))
assert d["redacted"] and d["snapshots"][0]["pid"] == 0
assert d["snapshots"][0]["file"] == "python-small.snap"
assert all(o[4] is None for o in d["objects"])
ok = re.compile(r"^(\d+|\.\.\.|'[A-Za-z_]\w*'|\"[A-Za-z_]\w*\"|<.*>)$")
n = 0
for p in d["paths"]:
    for text, _, _ in p["steps"][1:]:
        m = re.search(r"\[(.*)\]$", text)
        if m:
            n += 1
            assert ok.match(m.group(1)), text
assert n > 0
PY
expect_rc 0 "plain json" -- "$R" --json "$S/python-small.snap"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(o[4] for o in d["objects"])' "$T/out" &&
	ok || fail "python-small has previews unredacted"
expect_rc 0 "redact md" -- "$R" --md --redact "$S/leak-phase2.snap"
if grep -q "pid" "$T/out"; then fail "redacted md names the pid"; else ok; fi

# a hostile dump: every string stays inside the page's data
"$PY" "$HS_TOP/tests/browser/hostile.py" small "$T/h.jsonl" &&
	"$HS_BIN/dumpconv" "$T/h.jsonl" -o "$T/h.snap" 2>"$T/err" && ok || fail "hostile dump"
expect_rc 0 "hostile page" -- "$R" -o "$T/h.html" "$T/h.snap"
"$PY" - "$T/h.html" <<'PY' && ok || fail "hostile strings escaped in the page"
import json, sys
page = open(sys.argv[1], encoding="utf-8").read()
open_tag = '<script type="application/json" id="hs-data">'
a = page.index(open_tag) + len(open_tag)
b = page.index("</script>", a)
data = page[a:b]
assert "<" not in data and ">" not in data and "&" not in data
assert "\u2028" not in data and "\u2029" not in data
assert page.count("</script") == 2 and page.lower().count("<script") == 2
d = json.loads(data)
names = "".join(d["type_names"])
assert '<script>alert("type")</script>' in names
assert "\\xe2\\x80\\xaegnp.exe" in names, "bidi escaped"
assert '</script><img src=x onerror=alert(6)>' in d["snapshots"][0]["runtime_version"]
PY

# the Markdown summary stays within 5,120 bytes, whatever the dump holds
"$PY" "$HS_TOP/tests/browser/hostile.py" huge "$T/huge.jsonl" &&
	"$HS_BIN/dumpconv" "$T/huge.jsonl" -o "$T/huge.snap" 2>"$T/err" && ok || fail "huge dump"
rm -f "$T/huge.jsonl"
for args in "$T/h.snap" "$T/h.snap $T/h.snap" "$T/huge.snap" "$T/huge.snap $T/huge.snap" \
	    "$S/leak-phase1.snap $S/leak-phase2.snap" "$S/service-small.snap $S/python-small.snap"; do
	# shellcheck disable=SC2086
	expect_rc 0 "md $args" -- "$R" --md $args
	n=$(wc -c <"$T/out")
	[ "$n" -le 5120 ] && ok || fail "md of $args is $n bytes"
	# our fences only: every line inside a block starts with our text
	f=$(grep -c '^~~~' "$T/out")
	[ $((f % 2)) = 0 ] && [ "$f" -ge 6 ] && ok || fail "md of $args: $f fence lines"
	if grep -q '^[<`|]' "$T/out"; then fail "md of $args: a line starts with dump text"; else ok; fi
	# no closing fence of the dump's making: up to 3 spaces, then ~~~
	if grep -Eq '^ {1,3}(~~~|```)' "$T/out"; then fail "md of $args: a fence of the dump's"; else ok; fi
done
# a root labelled ~~~ that is the largest retainer: its path line must
# not close the block (the next retainer's name would become markup)
printf '%s\n' '{"kind":"header","format":"heapsnap","version":1}' \
	'{"kind":"object","id":1,"type":"~~~","size":5000,"refs":[2]}' \
	'{"kind":"object","id":2,"type":"<img src=x onerror=alert(1)>","size":4000}' \
	'{"kind":"root","id":1,"root_kind":"~~~","label":"~~~"}' >"$T/fence.jsonl"
"$HS_BIN/dumpconv" "$T/fence.jsonl" -o "$T/fence.snap" 2>"$T/err" && ok || fail "fence dump"
expect_rc 0 "fence md" -- "$R" --md "$T/fence.snap"
n=$(grep -Ec '^ {1,3}~~~' "$T/out")
[ "$n" = 0 ] && ok || fail "fence md: $n lines close the block early"
expect_grep "^    ~~~$" "$T/out" "fence md: the root path, indented 4"
expect_rc 0 "huge md" -- "$R" --md "$T/huge.snap"
expect_grep "Top types by retained size (10 of 5000)" "$T/out" "huge: the ten largest of 5,000 types"

finish cli-dumpreport
