#!/bin/sh
# dumpinfo.sh - dumpinfo on a heap whose every count is known: written
# here as JSON lines (format/JSONL.md) and turned into a .snap by
# dumpconv, with control characters in a type name, a root kind and a
# root label.  Checks the human fields, the --json schema, --frames, a
# truncated and a damaged copy (exit 1), a file that is not a .snap and a
# missing one (exit 2), and several files at once.
. "$(dirname "$0")/lib.sh"
DI=$HS_BIN/dumpinfo
CONV=$HS_BIN/dumpconv
ESC=$(printf '\033')

if [ ! -x "$DI" ] || [ ! -x "$CONV" ]; then
	fail "needs $DI and $CONV (make all)"
	finish dumpinfo
	exit 1
fi

# The heap: 2,000 objects in a ring (every 4th reference weak), sizes
# 100..109 except object 1234 (1 MiB, of the type with an ESC in its
# name), 6 roots of 4 kinds.
N=2000
awk -v n=$N 'BEGIN {
	print "{\"kind\":\"header\",\"format\":\"heapsnap\",\"version\":1,\"runtime\":\"python\",\"runtime_version\":\"3.11.7\",\"pid\":4242,\"time_ms\":1764000000123,\"reason\":\"signal\",\"word_size\":8,\"refs\":\"id\"}"
	print "{\"kind\":\"type\",\"index\":0,\"name\":\"dict\"}"
	print "{\"kind\":\"type\",\"index\":1,\"name\":\"list\"}"
	print "{\"kind\":\"type\",\"index\":2,\"name\":\"evil\\u001b[31mtype\"}"
	print "{\"kind\":\"string\",\"index\":0,\"value\":\"next\"}"
	for (i = 0; i < n; i++) {
		size = 100 + i % 10; type = i % 2
		if (i == 1234) { size = 1048576; type = 2 }
		printf "{\"kind\":\"object\",\"id\":%d,\"type\":%d,\"size\":%d,\"refs\":[%d],\"labels\":[0],\"flags\":[%d]}\n",
			4096 + 16 * i, type, size, 4096 + 16 * ((i + 1) % n), i % 4 == 0 ? 1 : 0
	}
	print "{\"kind\":\"root\",\"id\":4096,\"root_kind\":\"module\",\"label\":\"sys\",\"extra\":0}"
	print "{\"kind\":\"root\",\"id\":4112,\"root_kind\":\"module\",\"label\":\"os\",\"extra\":0}"
	print "{\"kind\":\"root\",\"id\":4128,\"root_kind\":\"frame\",\"label\":\"evil\\u001b]0;title\\u0007\",\"extra\":0}"
	print "{\"kind\":\"root\",\"id\":4144,\"root_kind\":\"refcount\",\"label\":null,\"extra\":3}"
	print "{\"kind\":\"root\",\"id\":4160,\"root_kind\":\"refcount\",\"label\":null,\"extra\":2}"
	print "{\"kind\":\"root\",\"id\":4176,\"root_kind\":\"bad\\u001bkind\",\"label\":null,\"extra\":0}"
}' >"$T/heap.jsonl"
# shallow: 2,000 x 100 + 200 x (0+...+9) - 104 (object 1234) + 1 MiB
SHALLOW=1257472

expect_rc 0 "dumpconv builds the known heap" -- \
	"$CONV" --frame-size 4K "$T/heap.jsonl" -o "$T/heap.snap"
SIZE=$(wc -c <"$T/heap.snap" | tr -d ' ')

# ---- human output ----------------------------------------------------------
expect_rc 0 "dumpinfo on a complete file" -- "$DI" "$T/heap.snap"
cp "$T/out" "$T/human"
line() {  # line LABEL VALUE: the block has "LABEL:<spaces>VALUE" exactly
	if grep -qxF -- "$(printf '%-19s%s' "$1:" "$2")" "$T/human"; then ok; else
		fail "human output: no line '$1: $2'"; sed 's/^/  | /' "$T/human" | head -40
	fi
}
line file "$T/heap.snap"
line "format version" 1
line runtime "python 3.11.7"
line pid 4242
line time 2025-11-24T16:00:00.123Z
line reason signal
line "word size" "8 bytes"
line "ref mode" id
line objects 2,000
line references "2,000 (500 weak)"
line types 3
line strings 1
line sites 0
line roots 6
line "  module" 2
line "  refcount" 2
line "  frame" 1
line "  bad\\x1bkind" 1
line "shallow size" "1.20 MiB (1,257,472 bytes)"
line "largest object" "1.00 MiB (1,048,576 bytes), evil\\x1b[31mtype, id 0x5d20, index 1234"
line integrity complete
line totals "agree with the end record and the trailer"
expect_grep "^frames: *[0-9]*, .* compressed, .* decompressed (ratio [0-9.]*)$" \
	"$T/human" "frames line"
expect_grep "^bytes per object: *[0-9.]* on disk$" "$T/human" "bytes per object"
expect_grep "^records: *1 header, [0-9]* frame, 3 type, 1 string, 2,000 object, 0 refs, 6 root, 0 site, 1 end$" \
	"$T/human" "records line"
# hostile strings come out escaped: no ESC or BEL byte reaches the terminal
if grep -q "$ESC" "$T/human" || tr -d '\n' <"$T/human" | grep -q "$(printf '\007')"; then
	fail "a raw control character on stdout"
else ok; fi

expect_grep "^size: *[0-9.]* KiB ($(printf "%s" "$SIZE" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') bytes)$" \
	"$T/human" "size in bytes"

# ---- --threads gives the same answer -------------------------------------
expect_rc 0 "--threads 1" -- "$DI" --threads 1 "$T/heap.snap"
if cmp -s "$T/out" "$T/human"; then ok; else fail "--threads 1 output differs"; fi

# ---- --json ----------------------------------------------------------------
expect_rc 0 "--json on a complete file" -- "$DI" --json "$T/heap.snap"
cp "$T/out" "$T/json"
if grep -q "$ESC" "$T/json"; then fail "raw ESC in --json"; else ok; fi
if python3 -c 'import json,sys; json.load(sys.stdin)' <"$T/json"; then ok; else
	fail "--json is not JSON"; fi
check_json() {  # check_json FILE PYTHON-EXPRESSIONS...: each must be true
	f=$1; shift
	for e in "$@"; do
		if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$f" "$e"; then ok; else
			fail "--json: not true: $e"; fi
	done
}
check_json "$T/json" \
	'list(d)[0] == "schema" and d["schema"] == "heapsnap.dumpinfo/1"' \
	"d['file'].endswith('/heap.snap') and d['file_size'] == $SIZE" \
	'd["format_version"] == 1 and d["runtime"] == "python"' \
	'd["runtime_version"] == "3.11.7" and d["pid"] == 4242' \
	'd["time_ms"] == 1764000000123 and d["time"] == "2025-11-24T16:00:00.123Z"' \
	'd["reason"] == "signal" and d["word_size"] == 8 and d["ref_mode"] == "id"' \
	"d['objects'] == $N and d['references'] == $N and d['weak_references'] == 500" \
	'd["types"] == 3 and d["strings"] == 1 and d["sites"] == 0 and d["roots"] == 6' \
	'd["roots_by_kind"] == [{"kind":"module","count":2},{"kind":"refcount","count":2},{"kind":"bad\x1bkind","count":1},{"kind":"frame","count":1}]' \
	'd["roots_other_kinds"] == 0' \
	"d['shallow_bytes'] == $SHALLOW" \
	'd["largest_object"] == {"index":1234,"id":0x5d20,"size":1048576,"type":2,"type_name":"evil\x1b[31mtype"}' \
	"abs(d['bytes_per_object'] - $SIZE / $N) < 0.001" \
	'd["records"] == {"header":1,"frame":d["frames"]["count"],"type":3,"string":1,"object":2000,"refs":0,"root":6,"site":0,"end":1,"unknown":0}' \
	"d['frames']['count'] >= 3 and d['frames']['compressed_bytes'] < $SIZE" \
	'd["frames"]["decompressed_known_frames"] == d["frames"]["count"]' \
	'abs(d["frames"]["ratio"] - d["frames"]["decompressed_bytes"] / d["frames"]["compressed_bytes"]) < 0.001' \
	'd["integrity"] == {"status":"complete","has_trailer":True,"has_end":True,"frames_ok":d["frames"]["count"],"frames_lost":0,"bytes_lost":0,"objects_lost":0,"objects_lost_estimate":0,"first_loss":None,"problem":None}' \
	'd["totals"]["check"] == "agree" and d["totals"]["disagreements"] == 0' \
	'[t["what"] for t in d["totals"]["items"]] == ["objects","references","types","strings","roots","shallow bytes"]' \
	"all(t['counted'] == t['end'] == t['trailer'] for t in d['totals']['items'])" \
	'"frame_table" not in d'

# ---- --frames ---------------------------------------------------------------
NF=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["frames"]["count"])' <"$T/json")
expect_rc 0 "--frames" -- "$DI" --frames "$T/heap.snap"
expect_grep "^ *frame  *offset  *compressed  *decompressed  *ratio  *records  *objects  *first object  *state$" \
	"$T/out" "--frames table header"
rows=$(grep -c "^ *[0-9][0-9]*  *[0-9,]*  *[0-9,]*  *[0-9,]*  *[0-9.]*  *[0-9,]*  *[0-9,]*  *[0-9,]*  ok$" "$T/out")
if [ "$rows" = "$NF" ]; then ok; else fail "--frames: $rows ok rows, expected $NF"; fi
expect_grep "^ *0  *16 " "$T/out" "the first frame follows the 16-byte start frame"
expect_rc 0 "--json --frames" -- "$DI" --json --frames "$T/heap.snap"
check_json "$T/out" \
	"len(d['frame_table']) == $NF" \
	'sum(f["objects"] for f in d["frame_table"]) == 2000' \
	'd["frame_table"][0]["offset"] == 16 and all(f["state"] == "ok" for f in d["frame_table"])' \
	'all(a["offset"] + a["compressed_bytes"] == b["offset"] for a, b in zip(d["frame_table"], d["frame_table"][1:]))'

# ---- a truncated copy: exit 1, says truncated -----------------------------
CUT=$((SIZE * 6 / 10))
head -c "$CUT" "$T/heap.snap" >"$T/cut.snap"
expect_rc 1 "a truncated copy exits 1" -- "$DI" "$T/cut.snap"
expect_grep "^integrity: *truncated at byte [0-9,]*: 1 frame (.*) lost, at least ~[0-9,]* objects lost (nothing is known past the cut)$" \
	"$T/out" "truncated integrity line"
expect_grep "^problem: .*cut.snap: byte [0-9]*: the file stops inside a frame" \
	"$T/out" "truncated problem line"
expect_grep "^totals: *not checked (frames were lost)$" "$T/out" "totals unchecked"
expect_rc 1 "a truncated copy exits 1 with --json" -- "$DI" --json "$T/cut.snap"
check_json "$T/out" \
	'd["integrity"]["status"] == "truncated" and d["integrity"]["frames_lost"] == 1' \
	"0 < d['objects'] < $N and d['roots'] == 0" \
	"0 < d['integrity']['first_loss'] < $CUT and d['integrity']['objects_lost'] is None" \
	'd["integrity"]["objects_lost_estimate"] > 0 and d["totals"]["check"] == "unchecked"'

# ---- a damaged frame: exit 1, salvaged, exact loss from the trailer --------
"$DI" --json --frames "$T/heap.snap" >"$T/ft.json"
python3 - "$T/heap.snap" "$T/ft.json" "$T/bad.snap" <<'EOF'
import json, sys
data = bytearray(open(sys.argv[1], 'rb').read())
fr = json.load(open(sys.argv[2]))["frame_table"][1]
mid = fr["offset"] + fr["compressed_bytes"] // 2
for i in range(mid, mid + 16):
    data[i] ^= 0x5a
open(sys.argv[3], 'wb').write(data)
EOF
LOST=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["frame_table"][1]["objects"])' <"$T/ft.json")
expect_rc 1 "a damaged copy exits 1" -- "$DI" "$T/bad.snap"
expect_grep "^integrity: *salvaged, first damage at byte [0-9,]*: 1 frame (.*) lost, $LOST objects lost$" \
	"$T/out" "salvaged integrity line"
expect_rc 1 "a damaged copy exits 1 with --json" -- "$DI" --json --frames "$T/bad.snap"
check_json "$T/out" \
	'd["integrity"]["status"] == "salvaged" and d["integrity"]["objects_lost"] == '"$LOST" \
	"d['objects'] == $N - $LOST and d['roots'] == 6" \
	'[f["state"] for f in d["frame_table"]][1] == "lost"'

# ---- not a .snap, missing, empty: exit 2 naming the path and byte 0 -------
printf 'hello, this is not a heap snapshot\n' >"$T/notes.txt"
expect_rc 2 "a text file exits 2" -- "$DI" "$T/notes.txt"
expect_grep "$T/notes.txt" "$T/err" "the error names the path"
expect_grep "byte 0" "$T/err" "the error names byte 0"
if [ -s "$T/out" ]; then fail "stdout not empty on error"; else ok; fi
expect_rc 2 "a text file exits 2 with --json" -- "$DI" --json "$T/notes.txt"
check_json "$T/out" \
	'list(d)[:2] == ["schema", "file"] and d["file"].endswith("/notes.txt")' \
	'"byte 0" in d["error"]'
: >"$T/empty.snap"
expect_rc 2 "an empty file exits 2" -- "$DI" "$T/empty.snap"
expect_grep "empty.snap" "$T/err" "empty file: path named"
expect_rc 2 "a missing file exits 2" -- "$DI" "$T/no/such.snap"
expect_grep "$T/no/such.snap" "$T/err" "missing file: path named"

# ---- several files: one block each, the worst status wins -----------------
expect_rc 1 "complete + truncated exits 1" -- "$DI" "$T/heap.snap" "$T/cut.snap"
n=$(grep -c "^file:" "$T/out")
if [ "$n" = 2 ]; then ok; else fail "two files: $n blocks"; fi
expect_rc 2 "complete + not a snap exits 2" -- "$DI" "$T/heap.snap" "$T/notes.txt" "$T/cut.snap"
n=$(grep -c "^file:" "$T/out")
if [ "$n" = 2 ]; then ok; else fail "the readable files are still printed ($n)"; fi
expect_rc 2 "--json over three files" -- "$DI" --json "$T/heap.snap" "$T/notes.txt" "$T/cut.snap"
n=$(python3 -c '
import json, sys
print(sum(1 for l in sys.stdin if json.loads(l)["schema"] == "heapsnap.dumpinfo/1"))' <"$T/out")
if [ "$n" = 3 ]; then ok; else fail "--json: $n JSON lines, expected 3"; fi

# ---- a file name with control characters is escaped too -------------------
weird="$T/$(printf 'a\033[2Jb').snap"
cp "$T/heap.snap" "$weird"
expect_rc 0 "an odd file name" -- "$DI" "$weird"
if grep -q "$ESC" "$T/out"; then fail "raw ESC from the file name"; else ok; fi
expect_grep 'a\\x1b\[2Jb.snap' "$T/out" "the file name escaped"

# ---- a 64 KiB type name is cut in the human output, whole in --json ------
python3 -c '
import json
print(json.dumps({"kind": "header", "format": "heapsnap", "version": 1,
    "runtime": "c", "runtime_version": "", "pid": 1, "time_ms": 1,
    "reason": "x", "word_size": 4, "refs": "index"}))
print(json.dumps({"kind": "type", "index": 0, "name": "\u00e9" * 30000}))
print(json.dumps({"kind": "object", "id": 1, "type": 0, "size": 5, "refs": []}))
' >"$T/long.jsonl"
expect_rc 0 "dumpconv: a long type name" -- "$CONV" "$T/long.jsonl" -o "$T/long.snap"
expect_rc 0 "dumpinfo: a long type name" -- "$DI" "$T/long.snap"
expect_grep "^largest object: *5 B (5 bytes), \(é\)\{100\}\.\.\.(60000 bytes), id 0x1, index 0$" \
	"$T/out" "a long type name is cut on a character boundary"
expect_grep "^time: *1970-01-01T00:00:00.001Z$" "$T/out" "time at the epoch"
expect_grep "^word size: *4 bytes$" "$T/out" "word size 4"
expect_grep "^ref mode: *index$" "$T/out" "index mode"
expect_grep "^runtime: *c$" "$T/out" "runtime without a version"
expect_rc 0 "--json: a long type name" -- "$DI" --json "$T/long.snap"
check_json "$T/out" 'd["largest_object"]["type_name"] == "\u00e9" * 30000'

# ---- usage ----------------------------------------------------------------
expect_rc 0 "--help" -- "$DI" --help
expect_grep "^usage: dumpinfo" "$T/out" "--help prints usage on stdout"
expect_grep "heapsnap.dumpinfo/1" "$T/out" "--help names the JSON schema"
expect_rc 2 "no file" -- "$DI"
expect_rc 2 "unknown option" -- "$DI" --bogus "$T/heap.snap"
expect_grep "unknown option" "$T/err" "unknown option message"
expect_rc 2 "bad --threads" -- "$DI" --threads many "$T/heap.snap"
expect_rc 2 "--threads without a value" -- "$DI" "$T/heap.snap" --threads

# ---- dumpgen heaps: dumpinfo agrees with the generator's own counts ------
if [ -x "$HS_BIN/dumpgen" ]; then
	for args in "--shape service --refs id" "--shape python --refs index" \
		    "--shape service --refs index --phase 2"; do
		# shellcheck disable=SC2086
		expect_rc 0 "dumpgen $args" -- "$HS_BIN/dumpgen" --objects 40000 \
			--frame-size 64K $args --json -o "$T/gen.snap"
		cp "$T/out" "$T/gen.json"
		expect_rc 0 "dumpinfo on dumpgen $args" -- "$DI" --json "$T/gen.snap"
		if python3 -c '
import json, sys
g = json.load(open(sys.argv[1]))
d = json.load(open(sys.argv[2]))
want = {"objects": g["objects"], "references": g["refs"],
        "weak_references": g["weak_refs"], "roots": g["roots"],
        "types": g["types"], "strings": g["strings"],
        "shallow_bytes": g["shallow_bytes"], "file_size": g["file_bytes"],
        "ref_mode": g["refs_mode"]}
bad = {k: (d[k], v) for k, v in want.items() if d[k] != v}
if d["integrity"]["status"] != "complete" or d["totals"]["check"] != "agree":
    bad["integrity"] = (d["integrity"], d["totals"])
if bad:
    print("dumpinfo vs dumpgen (dumpinfo, dumpgen):", bad)
sys.exit(1 if bad else 0)' "$T/gen.json" "$T/out"
		then ok; else fail "dumpinfo disagrees with dumpgen $args"; fi
	done
fi

finish dumpinfo
