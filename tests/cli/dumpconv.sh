#!/bin/sh
# dumpconv.sh - CLI tests of dumpconv: JSON lines -> .snap -> JSON lines
# gives the same text, the direction follows the names (or --from/--to),
# bad input exits 2 naming the file and the line/column or byte offset and
# leaves OUT untouched, --salvage exits 1, and every samples/*.jsonl twin
# converts back to itself and matches its samples/*.snap.
. "$(dirname "$0")/lib.sh"
C="$HS_BIN/dumpconv"

# --- help and usage -------------------------------------------------------
expect_rc 0 "--help" -- "$C" --help
for w in --to --from --level --frame-size --salvage "Exit status"; do
	expect_grep "$w" "$T/out" "--help mentions $w"
done
expect_rc 2 "no -o" -- "$C" "$T/x.jsonl"
expect_rc 2 "no input" -- "$C" -o "$T/x.snap"
expect_rc 2 "bad --level" -- "$C" --level 20 "$T/x.jsonl" -o "$T/x.snap"
expect_rc 2 "bad --frame-size" -- "$C" --frame-size 1K "$T/x.jsonl" -o "$T/x.snap"
expect_rc 2 "bad --to" -- "$C" --to xml "$T/x.jsonl" -o "$T/x.snap"
expect_rc 2 "unknown option" -- "$C" --frobnicate "$T/x.jsonl" -o "$T/x.snap"
expect_rc 2 "same form" -- "$C" "$T/a.jsonl" -o "$T/b.json"
expect_grep "nothing to convert" "$T/err" "same form says why"

# --- a hand-written input: every kind of record and value ---------------
cat >"$T/in.jsonl" <<'JSON'
{"kind":"header","format":"heapsnap","version":1,"runtime":"c","runtime_version":"1","pid":42,"time_ms":1700000000000,"reason":"test","word_size":8,"refs":"id"}
{"kind":"type","index":0,"name":"dict"}
{"kind":"type","name":{"hex":"6e6f7420ff7574662d38"}}
{"kind":"string","value":"k\u0000\"\\\n"}
{"kind":"site","frames":[["app.py",12,"main"],[0,1,0]]}
{"kind":"object","id":18446744073709551615,"type":0,"size":64,"refs":[1,2,3],"labels":[0,"x",null],"flags":[0,1,0],"preview":"h\u00e9","site":0}
{"kind":"object","id":1,"type":1,"size":8,"preview":{"hex":"ff00"}}
{"kind":"object","id":2,"type":"float","size":24,"preview":0.1}
{"kind":"object","id":3,"type":"float","size":24,"preview":{"float":"-inf"}}
{"kind":"object","id":4,"type":"int","size":24,"preview":-9223372036854775808}
{"kind":"object","id":5,"type":"bytes","size":24,"preview":{"bin":"00ff"},"producer_note":[{"a":[1,{}]}]}
{"kind":"object","id":6,"type":"bool","size":24,"preview":false}

{"kind":"root","id":1,"root_kind":"module","label":null}
{"kind":"root","id":2,"root_kind":"refcount","label":"x","extra":3}
JSON
expect_rc 0 "jsonl -> snap" -- "$C" "$T/in.jsonl" -o "$T/a.snap"
expect_rc 0 "snap -> jsonl" -- "$C" "$T/a.snap" -o "$T/a.jsonl"
expect_rc 0 "jsonl -> snap again" -- "$C" "$T/a.jsonl" -o "$T/b.snap"
expect_rc 0 "snap -> jsonl again" -- "$C" "$T/b.snap" -o "$T/b.jsonl"
if cmp -s "$T/a.jsonl" "$T/b.jsonl"; then ok; else fail "round trip changed the JSON lines"; fi
expect_grep '"name":{"hex":"6e6f7420ff7574662d38"}' "$T/a.jsonl" "non-UTF-8 name kept as hex"
expect_grep '"value":"k\\u0000\\"\\\\\\n"' "$T/a.jsonl" "escapes kept"
expect_grep '"labels":\[0,3,null\]' "$T/a.jsonl" "label text interned"
expect_grep '"preview":{"float":"-inf"}' "$T/a.jsonl" "-inf kept"
expect_grep '"preview":-9223372036854775808' "$T/a.jsonl" "INT64_MIN kept"
expect_grep '"id":18446744073709551615' "$T/a.jsonl" "64-bit id exact"
expect_grep '"preview":false' "$T/a.jsonl" "bool kept"
if grep -q producer_note "$T/a.jsonl"; then fail "unknown key exported"; else ok; fi
[ "$(wc -l <"$T/a.jsonl")" -eq 21 ] && ok || fail "expected 21 lines, got $(wc -l <"$T/a.jsonl")"
if [ "$(stat -c %a "$T/a.jsonl")" = 600 ]; then ok; else fail "JSON lines not mode 0600"; fi

# -o - and the override and sniffing of names
expect_rc 0 "-o -" -- "$C" "$T/a.snap" -o -
if cmp -s "$T/out" "$T/a.jsonl"; then ok; else fail "-o - differs from the file"; fi
cp "$T/a.snap" "$T/a.dat"
expect_rc 0 "sniffed .snap" -- "$C" "$T/a.dat" -o "$T/s.txt"
if cmp -s "$T/s.txt" "$T/a.jsonl"; then ok; else fail "a .snap named .dat did not export"; fi
cp "$T/a.jsonl" "$T/j.txt"
expect_rc 0 "--from/--to" -- "$C" --from jsonl --to snap "$T/j.txt" -o "$T/j.out"
expect_rc 0 "--to jsonl" -- "$C" --to jsonl "$T/j.out" -o "$T/j2.out"
if cmp -s "$T/j2.out" "$T/a.jsonl"; then ok; else fail "--from/--to round trip differs"; fi
expect_rc 0 "stdin" -- sh -c "'$C' - -o '$T/stdin.snap' <'$T/a.jsonl'"
expect_rc 0 "stdin back" -- "$C" "$T/stdin.snap" -o "$T/stdin.jsonl"
if cmp -s "$T/stdin.jsonl" "$T/a.jsonl"; then ok; else fail "stdin round trip differs"; fi
expect_rc 2 "snap to stdout refused" -- "$C" "$T/a.jsonl" --to snap -o -
expect_rc 2 "input is output" -- "$C" --to snap "$T/j.txt" -o "$T/j.txt"

# --- a big object (refs records), index mode, --level/--frame-size -------
awk 'BEGIN {
	print "{\"kind\":\"header\",\"format\":\"heapsnap\",\"version\":1,\"time_ms\":7,\"refs\":\"index\"}"
	printf "{\"kind\":\"object\",\"id\":1,\"type\":\"big\",\"size\":8,\"refs\":["
	for (i = 0; i < 40000; i++) printf "%s%d", (i ? "," : ""), i % 997
	printf "],\"flags\":["
	for (i = 0; i < 40000; i++) printf "%s%d", (i ? "," : ""), (i > 30000)
	print "]}"
	for (i = 0; i < 2000; i++)
		printf "{\"kind\":\"object\",\"id\":%d,\"type\":\"t%d\",\"size\":%d,\"refs\":[0],\"labels\":[\"x%d\"]}\n", i + 2, i % 7, i, i % 13
}' >"$T/big.jsonl"
expect_rc 0 "big -> snap (4K frames)" -- "$C" --frame-size 4K --level 1 "$T/big.jsonl" -o "$T/big1.snap"
expect_rc 0 "big -> snap (default frames)" -- "$C" --level 19 "$T/big.jsonl" -o "$T/big2.snap"
if cmp -s "$T/big1.snap" "$T/big2.snap"; then fail "--frame-size/--level had no effect"; else ok; fi
expect_rc 0 "big1 -> jsonl" -- "$C" "$T/big1.snap" -o "$T/big1.jsonl"
expect_rc 0 "big2 -> jsonl" -- "$C" "$T/big2.snap" -o "$T/big2.jsonl"
if cmp -s "$T/big1.jsonl" "$T/big2.jsonl"; then ok; else fail "frame size changed the JSON lines"; fi
[ "$(grep -c '"kind":"object"' "$T/big1.jsonl")" -eq 2001 ] && ok || fail "big object not folded into one line"
expect_grep '"refs":"index"' "$T/big1.jsonl" "index mode kept"

# --- bad input: exit 2, where and why, OUT untouched ----------------------
printf '%s\n' '{"kind":"header","format":"heapsnap","version":1}' \
	'{"kind":"type","name":"t"}' \
	'{"kind":"object","id":1,"type":0,"size":1,"refs":[1,2}' >"$T/bad.jsonl"
echo keep >"$T/keep.snap"
expect_rc 2 "malformed jsonl" -- "$C" "$T/bad.jsonl" -o "$T/keep.snap"
expect_grep "bad.jsonl: line 3, column 54: \"refs\": expected ',' or ']', got '}'" "$T/err" "line and column named"
[ "$(cat "$T/keep.snap")" = keep ] && ok || fail "OUT changed on failure"
[ -e "$T/keep.snap.tmp" ] && fail "OUT.tmp left behind" || ok
printf '{"kind":"header","format":"heapsnap","version":1}\n{"kind":"type","name":"\\q"}\n' >"$T/esc.jsonl"
expect_rc 2 "bad escape" -- "$C" "$T/esc.jsonl" -o "$T/esc.snap"
expect_grep "esc.jsonl: line 2, column 24: bad escape" "$T/err" "bad escape located"
[ -e "$T/esc.snap" ] && fail "a .snap was written from bad input" || ok

head -c $(($(wc -c <"$T/big1.snap") / 2)) "$T/big1.snap" >"$T/trunc.snap"
echo keep >"$T/keep.jsonl"
expect_rc 2 "truncated snap" -- "$C" "$T/trunc.snap" -o "$T/keep.jsonl"
expect_grep "trunc.snap: byte [0-9]*:" "$T/err" "byte offset named"
[ "$(cat "$T/keep.jsonl")" = keep ] && ok || fail "OUT changed on failure"
expect_rc 1 "--salvage" -- "$C" --salvage "$T/trunc.snap" -o "$T/salv.jsonl"
expect_grep "truncated" "$T/err" "--salvage says what happened"
if [ -s "$T/salv.jsonl" ] && head -1 "$T/salv.jsonl" | grep -q '"kind":"header"'; then ok; else fail "--salvage wrote nothing useful"; fi
printf 'not a snap at all' >"$T/junk.snap"
expect_rc 2 "not a snap" -- "$C" "$T/junk.snap" -o "$T/junk.jsonl"
expect_grep "junk.snap: byte 0:" "$T/err" "junk located"
expect_rc 2 "missing input" -- "$C" "$T/nope.jsonl" -o "$T/nope.snap"
expect_grep "nope.jsonl: cannot open" "$T/err" "missing input named"

# --- samples: each twin converts back to itself and to its .snap ---------
for j in "$HS_TOP"/samples/*.jsonl; do
	[ -e "$j" ] || continue
	n=$(basename "$j" .jsonl)
	expect_rc 0 "sample $n -> snap" -- "$C" "$j" -o "$T/$n.snap"
	expect_rc 0 "sample $n -> jsonl" -- "$C" "$T/$n.snap" -o "$T/$n.jsonl"
	if cmp -s "$j" "$T/$n.jsonl"; then ok; else fail "sample $n: round trip differs"; fi
	if [ -e "$HS_TOP/samples/$n.snap" ]; then
		expect_rc 0 "sample $n.snap -> jsonl" -- "$C" "$HS_TOP/samples/$n.snap" -o "$T/$n.from-snap.jsonl"
		if cmp -s "$j" "$T/$n.from-snap.jsonl"; then ok; else fail "samples/$n.jsonl is not the twin of samples/$n.snap (regenerate it: build/bin/dumpconv samples/$n.snap -o samples/$n.jsonl)"; fi
	fi
done

finish dumpconv
