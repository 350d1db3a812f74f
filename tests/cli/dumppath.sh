#!/bin/sh
# dumppath.sh - CLI tests of dumppath on a hand-written heap (JSON lines
# converted by dumpconv): the shortest path by id (hex and decimal) and by
# index, --all, --max-depth, --type --top, unreachable and missing objects
# (exit 1), --json (valid, schema, steps and labels), escaping of hostile
# labels, and bad usage (exit 2); and `dumptypes --by referrer` on the same
# heap (exact groups, reachable and unreachable).
. "$(dirname "$0")/lib.sh"
P="$HS_BIN/dumppath"
C="$HS_BIN/dumpconv"

# --- the heap ---------------------------------------------------------------
# sys.modules (root) -> dict -'app'-> module -__dict__-> dict -'CACHE'->
# dict -'user:42'-> Session -history-> list -> 4 Items (0x1900 = list[3]);
# a frame root holds a Request whose .session is the same Session (the
# shortest way); 0x1900 -> 0x1a00 under a label holding an ESC byte;
# 0x1d00 is held only by a weakref; 0x1e00 (Orphan) by nothing; list[0]
# (0x1600, 48 B) holds 8000 bytes: it retains more than 0x1900 (4800 B).
cat >"$T/app.jsonl" <<'JSON'
{"kind":"header","format":"heapsnap","version":1,"runtime":"python","runtime_version":"3.11.7","pid":4242,"time_ms":1764255600000,"reason":"manual"}
{"kind":"object","id":4096,"type":"dict","size":640,"refs":[4352],"labels":["'app'"]}
{"kind":"object","id":4352,"type":"module","size":72,"refs":[4608],"labels":["__dict__"]}
{"kind":"object","id":4608,"type":"dict","size":1200,"refs":[4864,6912],"labels":["'CACHE'","'WATCH'"]}
{"kind":"object","id":4864,"type":"dict","size":640,"refs":[5120],"labels":["'user:42'"]}
{"kind":"object","id":5120,"type":"app.Session","size":56,"refs":[5376],"labels":["history"]}
{"kind":"object","id":5376,"type":"list","size":120,"refs":[5632,5888,6144,6400]}
{"kind":"object","id":5632,"type":"app.Item","size":48,"refs":[7936],"labels":["blob"],"preview":"item-0"}
{"kind":"object","id":5888,"type":"app.Item","size":48}
{"kind":"object","id":6144,"type":"app.Item","size":48}
{"kind":"object","id":6400,"type":"app.Item","size":4800,"refs":[6656],"labels":["\u001b[31mred"]}
{"kind":"object","id":6656,"type":"app.Item","size":48}
{"kind":"object","id":6912,"type":"weakref","size":64,"refs":[7424],"flags":[1]}
{"kind":"object","id":7168,"type":"app.Request","size":96,"refs":[5120],"labels":["session"]}
{"kind":"object","id":7424,"type":"app.Item","size":96}
{"kind":"object","id":7680,"type":"Orphan","size":32}
{"kind":"object","id":7936,"type":"bytes","size":8000}
{"kind":"root","id":4096,"root_kind":"sys.modules","label":"sys.modules"}
{"kind":"root","id":7168,"root_kind":"frame","label":"thread 1 app.py:12 in handle req"}
JSON
expect_rc 0 "make the heap" -- "$C" "$T/app.jsonl" -o "$T/app.snap"
S="$T/app.snap"
# expect_line LINE DESC: $T/out holds exactly that line
expect_line() {
	if grep -qxF -- "$1" "$T/out"; then ok; else fail "$2: no line '$1'"; fi
}
SHORT="thread 1 app.py:12 in handle req -> app.Request.session -> app.Session.history -> list[3]"
LONG="sys.modules -> dict['app'] -> module.__dict__ -> dict['CACHE'] -> dict['user:42'] -> app.Session.history -> list[3]"

# --- help and usage ---------------------------------------------------------
expect_rc 0 "--help" -- "$P" --help
for w in "usage: dumppath" --index --type --top --all --max-depth --json \
	 "Exit status" "Weak references"; do
	expect_grep "$w" "$T/out" "--help mentions $w"
done
expect_rc 2 "bad id" -- "$P" "$S" xyz
expect_grep "bad id 'xyz'" "$T/err" "bad id is named"
expect_rc 2 "negative id" -- "$P" "$S" -5
expect_rc 2 "no selector" -- "$P" "$S"
expect_rc 2 "id and --type" -- "$P" "$S" 0x1900 --type app.Item
expect_rc 2 "--top without --type" -- "$P" "$S" 0x1900 --top 3
expect_rc 2 "--by without --type" -- "$P" "$S" 0x1900 --by shallow
expect_rc 2 "bad --by" -- "$P" "$S" --type app.Item --by count
expect_rc 2 "--all 0" -- "$P" "$S" 0x1900 --all 0
expect_rc 2 "--max-depth x" -- "$P" "$S" 0x1900 --max-depth x
expect_rc 2 "extra argument" -- "$P" "$S" 0x1900 0x1a00
expect_rc 2 "missing file" -- "$P" "$T/nope.snap" 0x1900
expect_grep "nope.snap" "$T/err" "missing file is named"
printf 'not a snap\n' >"$T/text.snap"
expect_rc 2 "not a .snap" -- "$P" "$T/text.snap" 0x1900
expect_grep "text.snap" "$T/err" "bad file is named"

# --- found --------------------------------------------------------------------
expect_rc 0 "by hex id" -- "$P" "$S" 0x1900
expect_line "    $SHORT" "shortest path text"
expect_grep "app.Item 0x1900 (index 9, 4.69 KiB): 1 path" "$T/out" "target line"
expect_grep "3 references from root \"thread 1 app.py:12 in handle req\" (frame)" "$T/out" "root line"
expect_grep "app.snap: 16 objects, 15.6 KiB, 14 references" "$T/out" "header line"
cp "$T/out" "$T/hex.out"
expect_rc 0 "by decimal id" -- "$P" "$S" 6400
if cmp -s "$T/out" "$T/hex.out"; then ok; else fail "decimal id differs from hex"; fi
expect_rc 0 "by index" -- "$P" "$S" --index 9
if cmp -s "$T/out" "$T/hex.out"; then ok; else fail "--index differs from id"; fi
expect_rc 0 "a root itself" -- "$P" "$S" 0x1000
expect_line "    sys.modules" "a root's path is its label"

# --all: both ways, the shorter first
expect_rc 0 "--all 5" -- "$P" "$S" 0x1900 --all 5
expect_grep ": 2 paths" "$T/out" "two distinct paths"
expect_grep "path 1 of 2: 3 references" "$T/out" "shorter first"
expect_grep "path 2 of 2: 6 references" "$T/out" "longer second"
expect_line "    $LONG" "longer path text"
expect_rc 0 "--all 5 --max-depth 3" -- "$P" "$S" 0x1900 --all 5 --max-depth 3
expect_grep ": 1 path" "$T/out" "depth limit keeps the short path"
expect_rc 1 "--max-depth 2" -- "$P" "$S" 0x1900 --max-depth 2
expect_grep "no path of at most 2 references" "$T/out" "depth limit says so"

# hostile label: escaped on the terminal
expect_rc 0 "escaped label" -- "$P" "$S" 0x1a00
expect_grep 'app.Item\[\\x1b\[31mred\]' "$T/out" "ESC shown as \\x1b"
if LC_ALL=C grep -q "$(printf '\033')" "$T/out"; then fail "raw ESC on stdout"; else ok; fi

# --- findings: exit 1 -------------------------------------------------------
expect_rc 1 "weakly held" -- "$P" "$S" 0x1d00
expect_grep "unreachable from any root" "$T/out" "weak-only is unreachable"
expect_rc 1 "weakly held, --all" -- "$P" "$S" 0x1d00 --all 3
expect_grep "unreachable from any root" "$T/out" "weak-only is unreachable (--all)"
expect_rc 1 "garbage" -- "$P" "$S" 0x1e00
expect_rc 1 "id not in the dump" -- "$P" "$S" 0x999
expect_grep "no object with id 0x999 in the dump" "$T/out" "missing id said"
expect_rc 1 "index not in the dump" -- "$P" "$S" --index 99
expect_grep "no object with index 99" "$T/out" "missing index said"
expect_rc 1 "no such type" -- "$P" "$S" --type nope
expect_rc 1 "type with no reachable instance" -- "$P" "$S" --type Orphan
expect_grep "no instance of the type is reachable" "$T/out" "orphan type said"

# a dump without roots: nothing is reachable, and a warning says why
grep -v '"kind":"root"' "$T/app.jsonl" >"$T/noroots.jsonl"
expect_rc 0 "make a heap without roots" -- "$C" "$T/noroots.jsonl" -o "$T/noroots.snap"
expect_rc 1 "no roots" -- "$P" "$T/noroots.snap" 0x1900
expect_grep "unreachable from any root" "$T/out" "no roots: unreachable"
expect_grep "the dump has no roots" "$T/err" "no roots: warned"

# --- --type --top: by retained size (default), by shallow size ------------
expect_rc 0 "--type --top 2" -- "$P" "$S" --type app.Item --top 2
expect_grep "type app.Item: 6 instances, 1 unreachable; the 2 biggest reachable by retained size" "$T/out" "instance counts"
expect_grep "app.Item 0x1600 (index 6, 48 B, retains 7.86 KiB) 'item-0': 1 path" "$T/out" "retained size and preview shown"
first=$(grep -m1 '^app.Item 0x' "$T/out" | cut -d' ' -f2)
second=$(grep '^app.Item 0x' "$T/out" | sed -n 2p | cut -d' ' -f2)
[ "$first" = 0x1600 ] && [ "$second" = 0x1900 ] && ok ||
	fail "--top by retained: got $first, $second (want 0x1600, 0x1900)"
[ "$(grep -c '^app.Item 0x' "$T/out")" = 2 ] && ok || fail "--top 2 printed another count"
expect_rc 0 "--type --by shallow" -- "$P" "$S" --type app.Item --top 2 --by shallow
first=$(grep -m1 '^app.Item 0x' "$T/out" | cut -d' ' -f2)
second=$(grep '^app.Item 0x' "$T/out" | sed -n 2p | cut -d' ' -f2)
[ "$first" = 0x1900 ] && [ "$second" = 0x1600 ] && ok ||
	fail "--top by shallow: got $first, $second (want 0x1900, 0x1600)"
expect_grep "by shallow size" "$T/out" "--by shallow said"

# --- JSON ---------------------------------------------------------------------
jcheck() {  # jcheck DESC PYTHON-EXPR (d = the document)
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/out" "$2"; then
		ok
	else
		fail "$1: $2"
	fi
}
expect_rc 0 "--json" -- "$P" "$S" 0x1900 --all 3 --json
jcheck "schema" 'd["schema"] == "heapsnap.dumppath/1"'
jcheck "totals" 'd["graph"]["objects"] == 16 and d["graph"]["roots"] == 2 and d["reached"] is None'
jcheck "query" 'd["query"]["id"] == 6400 and d["query"]["all"] == 3 and d["query"]["type"] is None'
jcheck "one target" 'len(d["targets"]) == 1 and d["targets"][0]["id"] == 6400 and d["targets"][0]["reachable"]'
jcheck "two paths" '[p["length"] for p in d["targets"][0]["paths"]] == [3, 6]'
jcheck "texts" "[p['text'] for p in d['targets'][0]['paths']] == [\"$SHORT\", \"$LONG\"]"
jcheck "root" 'd["targets"][0]["paths"][0]["root"] == {"record": 1, "rank": 0, "kind": "frame", "label": "thread 1 app.py:12 in handle req"}'
jcheck "steps" '[s["index"] for s in d["targets"][0]["paths"][0]["steps"]] == [12, 4, 5, 9]'
jcheck "labels" '[s["label"] for s in d["targets"][0]["paths"][0]["steps"]] == [None, "session", "history", None]'
jcheck "edges" '[s["edge"] for s in d["targets"][0]["paths"][0]["steps"]] == [None, 0, 0, 3]'
jcheck "no retained without --type" 'd["targets"][0]["retained"] is None'
jcheck "step fields" 'd["targets"][0]["paths"][0]["steps"][3] == {"index": 9, "id": 6400, "type": "app.Item", "size": 4800, "edge": 3, "label": None}'
expect_rc 0 "--json escaped label" -- "$P" "$S" 0x1a00 --json
jcheck "ESC label decoded" 'd["targets"][0]["paths"][0]["steps"][-1]["label"] == "\x1b[31mred"'
jcheck "tree totals" 'd["reached"] == 14 and d["not_found"] is None'
expect_rc 1 "--json unreachable" -- "$P" "$S" 0x1d00 --json
jcheck "unreachable target" 'd["targets"][0]["reachable"] is False and d["targets"][0]["paths"] == []'
expect_rc 1 "--json missing id" -- "$P" "$S" 0x999 --json
jcheck "not_found" 'd["not_found"] == "no object with id 0x999 in the dump" and d["targets"] == []'
expect_rc 0 "--json --type" -- "$P" "$S" --type app.Item --top 3 --json
jcheck "type query" 'd["ranked_by"] == "retained" and d["instances"] == 6 and d["unreachable_instances"] == 1'
jcheck "type targets" '[(t["id"], t["retained"]) for t in d["targets"]] == [(5632, 8048), (6400, 4848), (5888, 48)]'
expect_rc 0 "--json --type --by shallow" -- "$P" "$S" --type app.Item --top 3 --by shallow --json
jcheck "shallow query" 'd["ranked_by"] == "shallow" and [(t["id"], t["retained"]) for t in d["targets"]] == [(6400, None), (5632, None), (5888, None)]'

# --- a generated heap: every --type target has a valid path -----------------
G="$HS_BIN/dumpgen"
if [ -x "$G" ]; then
	expect_rc 0 "dumpgen" -- "$G" --objects 20000 --shape python --phase 2 -o "$T/gen.snap"
	expect_rc 0 "--type leak.Session" -- "$P" "$T/gen.snap" --type leak.Session --top 3 --all 2 --json
	jcheck "leak paths start at app.SESSIONS" 'len(d["targets"]) == 3 and all(t["paths"][0]["root"]["label"] == "app.SESSIONS" and t["paths"][0]["length"] == 1 for t in d["targets"])'
else
	fail "no dumpgen in $HS_BIN"
fi

# --- dumptypes --by referrer (referrers.c) on the same heap ------------------
D="$HS_BIN/dumptypes"
expect_rc 0 "dumptypes --by referrer" -- "$D" "$S" --by referrer --top 0
expect_grep "reachable objects by type and referrer types, sorted by shallow" "$T/out" "--by referrer title"
expect_grep "4 .* app.Item <- {list}\$" "$T/out" "list items grouped"
expect_grep "app.Session <- {app.Request, dict}\$" "$T/out" "two referrer types, by name"
expect_grep "app.Request <- {<root>}\$" "$T/out" "a root's pseudo-referrer"
if grep -q "weakref\|Orphan" "$T/out" && ! grep -q "weakref <- {dict}" "$T/out"; then
	fail "unreachable objects in the reachable table"; else ok; fi
expect_rc 0 "dumptypes --by referrer --json" -- "$D" "$S" --by referrer --unreachable --json
jcheck "unreachable groups" 'd["group"] == "referrer" and d["set"] == "unreachable" and [(t["type"], t["count"], t["shallow"]) for t in d["types"]] == [("app.Item <- {}", 1, 96), ("Orphan <- {}", 1, 32)]'
expect_rc 2 "dumptypes --by nonsense" -- "$D" "$S" --by nonsense

finish dumppath
