#!/bin/sh
# hostile.sh - hostile .snap files through every tool that reads one
# (doc/hostile-input.md).  The files are crafted byte by byte by
# tests/fuzz/craft.py (independent of libdump): other formats, an empty
# file, decompression bombs, lengths claiming billions of elements, deep
# nesting, duplicate and missing ids, trailers lying about counts and
# offsets, truncation, flipped bytes, strings full of escape sequences.
#
# Then hostile JSON lines (deep nesting, bad UTF-8, huge numbers, ...)
# through dumpconv's importer.
#
# Every tool, human output and --json, on every file must:
#   - finish within 60 s and exit 0, 1 or 2 (never a signal, never a
#     sanitizer report);
#   - exit 2 for a file that is not a readable .snap, naming the file,
#     the byte offset and the cause on stderr;
#   - for a damaged file, either exit 2 likewise, or exit 0/1 and say
#     what was wrong (stdout or stderr);
#   - stay under 300 MB of RSS (the dense record bomb excepted: its 2.4M
#     objects in 3 KiB are legal, so memory is bounded per object);
#   - never write a terminal escape (byte 0x1b) anywhere, nor any other
#     control or bidi character in human or CSV output (--csv is also
#     parsed as RFC 4180), print valid JSON with --json,
#     and create no file the command line did not name.
# Under ASan (HS_BIN .../asan/bin) the RSS bounds and the record bomb
# are left out.
. "$(dirname "$0")/lib.sh"

CASES=$T/cases
CWD=$T/cwd
mkdir -p "$CWD"
if ! python3 "$HS_TOP/tests/fuzz/craft.py" snap-cases "$CASES" 2>"$T/craft.err"; then
	fail "craft.py could not build the cases"; sed 's/^/  | /' "$T/craft.err"
	finish hostile; exit 1
fi
case $HS_BIN in */asan/*) ASAN=1 ;; *) ASAN=0 ;; esac
TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=""

# Files that are not a readable .snap at all: exit 2.
NOT_SNAP="empty one_byte zip elf json plain_zstd text start_only \
start_bad_size truncated_in_start start_future_version start_version_0 \
header_future_version header_wrong_format no_header header_not_first \
no_frame_record only_trailer bomb_declared_first \
bomb_stream_first"
# Damaged files: exit 2 with a message, or 0/1 naming the damage.
DAMAGED="truncated_mid_frame truncated_no_trailer flipped_frame \
garbage_between trailer_bad_checksum trailer_len_4g trailer_offset_inside \
trailer_offset_zero trailer_offset_past_end trailer_overlap \
trailer_out_of_order trailer_lies_counts bomb_declared_second \
trailer_splits_frame0 trailer_splits_frame1 trailer_merges_frames \
trailer_lists_frame_twice \
bomb_stream_second len_refs_4g len_str_4g len_record_4g len_site_4g \
len_map_4g deep_nesting deep_maps two_frame_records skippable_4g \
many_frames record_bomb_16m trailer_no_frames bomb_rle_3000"
DAMAGE_WORDS='truncat|salvag|damage|lost|cut short|without its|limit'
# Odd but well-formed graphs: any of 0/1/2, what they lack reported by
# the graph tools.
GRAPHS="valid evil_strings duplicate_ids missing_ids index_out_of_range \
undeclared_refs stray_refs_records no_objects no_roots \
many_roots_self_refs many_root_kinds huge_type_size huge_indices \
huge_site huge_first_index end_lies_totals trailer_lies_totals \
trailer_dsize_lies trailer_hides_frame no_content_size chain_1m huge_sizes \
index_bomb"

# graph-level reports the graph tools must make (case:regex)
graph_words() {
	case $1 in
	duplicate_ids) echo 'repeat an id|duplicate' ;;
	missing_ids|index_out_of_range) echo 'not in the dump|missing' ;;
	stray_refs_records) echo 'follow no object' ;;
	huge_sizes|huge_type_size) echo 'impossible sizes' ;;
	*) echo '' ;;
	esac
}

# bytes no human output may hold: C0 controls but \t \n \r, DEL, C1
# controls (U+0080..9F), Unicode's Bidi_Control set (U+061C, U+200E/F,
# U+202A..E, U+2066..9)
RAW_CONTROL='[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8\xa9\xaa-\xae]|\xe2\x81[\xa6-\xa9]'

# run NAME ARGS...: runs a tool in $CWD with a timeout, memory measured;
# leaves rc in $rc, RSS (KiB) in $rss, output in $T/out and $T/err.
run() {
	tool=$1; shift
	if [ -n "$TIME" ]; then
		(cd "$CWD" && timeout 60 "$TIME" -f %M -o "$T/rss" \
			"$HS_BIN/$tool" "$@" >"$T/out" 2>"$T/err")
		rc=$?
		rss=$(tail -1 "$T/rss" 2>/dev/null | tr -cd 0-9)
	else
		(cd "$CWD" && timeout 60 "$HS_BIN/$tool" "$@" >"$T/out" 2>"$T/err")
		rc=$?
		rss=0
	fi
	: "${rss:=0}"
}

# check CASE KIND DESC: the common checks after run
check() {
	c=$1; kind=$2; desc=$3; json=$4
	if [ "$rc" -ge 124 ]; then
		fail "$desc: exit $rc (timeout or signal)"; sed 's/^/  | /' "$T/err" | tail -5
		return
	fi
	if grep -q -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/err"; then
		fail "$desc: sanitizer report"; grep -m3 -E 'ERROR|runtime error' "$T/err" | sed 's/^/  | /'
		return
	fi
	case $rc in 0|1|2) ok ;; *) fail "$desc: exit $rc"; return ;; esac
	if LC_ALL=C grep -q "$(printf '\033')" "$T/out" "$T/err"; then
		fail "$desc: a raw ESC byte was printed"
	else ok; fi
	# human output and CSV: no raw control character (C0 but tab and
	# line breaks, DEL, C1) nor Unicode bidi control either
	if [ -z "$json" ] && LC_ALL=C grep -q -a -P "$RAW_CONTROL" "$T/out" "$T/err"; then
		fail "$desc: a raw control or bidi character was printed"
		LC_ALL=C grep -a -o -P ".{0,10}($RAW_CONTROL).{0,10}" "$T/out" "$T/err" |
			head -2 | od -c | sed 's/^/  | /' | head -4
	else ok; fi
	if [ "$rc" = 2 ]; then
		# the error names the file and says where or what
		if grep -q -E "$c\.(snap|jsonl)" "$T/err" &&
		   grep -q -E 'byte [0-9]|empty file|not a regular|line [0-9]' "$T/err"; then ok; else
			fail "$desc: exit 2 without file and offset:"; sed 's/^/  | /' "$T/err" | head -3
		fi
	fi
	case $kind in
	not_snap)
		[ "$rc" = 2 ] && ok || fail "$desc: exit $rc for a file that is not a .snap" ;;
	damaged)
		if [ "$rc" != 2 ]; then
			if grep -q -i -E "$DAMAGE_WORDS" "$T/out" "$T/err"; then ok; else
				fail "$desc: exit $rc and the damage is not reported"
			fi
		fi ;;
	esac
	if [ -n "$json" ] && [ "$rc" != 2 ]; then
		# checked in one batch at the end (one python start)
		njson=$((njson + 1))
		cp "$T/out" "$T/json/$njson"
		printf '%s\t%s\n' "$njson" "$desc" >> "$T/json/index"
	fi
	if [ "$ASAN" = 0 ] && [ -n "$TIME" ]; then
		limit=307200
		if [ "$c" = record_bomb_16m ]; then
			# 2.4M objects: ~65 B each today; bound 120 B per
			# object
			limit=281250
		fi
		if [ "$rss" -le "$limit" ]; then ok; else
			fail "$desc: max RSS ${rss} KiB over ${limit} KiB"
		fi
	fi
}

# each tool's invocations: human and JSON (J marks the JSON ones)
invocations() {
	f=$1
	printf '%s\n' \
	"dumpinfo	-	$f" "dumpinfo	J	--json $f" \
	"dumptypes	-	$f" "dumptypes	J	--json $f" \
	"dumptypes	-	--by referrer $f" \
	"dumptypes	-	--by site $f" "dumptypes	-	--csv $f" \
	"dumptypes	-	--by site --csv $f" \
	"dumpdom	-	$f" "dumpdom	J	--json $f" \
	"dumppath	-	$f --index 0" "dumppath	J	--json $f --index 1" \
	"dumppath	-	--all 3 $f --index 2" \
	"dumpdiff	-	$CASES/valid.snap $f" \
	"dumpdiff	J	--json $f $f" \
	"dumpconv	-	--salvage $f -o $CWD/x.jsonl"
}
# the two files of a million objects or more: the tools that load them
# once, human and JSON (a JSON-lines copy or a diff would only add time)
invocations_big() {
	f=$1
	printf '%s\n' \
	"dumpinfo	J	--json $f" "dumptypes	-	$f" \
	"dumpdom	J	--json $f" "dumppath	-	$f --index 0"
}

n_cases=0
njson=0
mkdir -p "$T/json"
: > "$T/json/index"
for c in $NOT_SNAP $DAMAGED $GRAPHS; do
	[ -f "$CASES/$c.snap" ] || { fail "case $c was not crafted"; continue; }
	if [ "$ASAN" = 1 ] && [ "$c" = record_bomb_16m ]; then
		continue
	fi
	kind=graph
	case " $(echo $NOT_SNAP) " in *" $c "*) kind=not_snap ;; esac
	case " $(echo $DAMAGED) " in *" $c "*) kind=damaged ;; esac
	n_cases=$((n_cases + 1))
	words=$(graph_words "$c")
	case $c in
	# the record bomb is past the default decompression limit (1024 x
	# its size): checked past it too, where it costs what its objects do
	record_bomb_16m) { invocations_big "$CASES/$c.snap"
			   invocations_big "$CASES/$c.snap --max-ratio 0"; } > "$T/inv" ;;
	# and the path to the chain's far end: a million labelled steps, each
	# frame read once (a frame per step took minutes)
	chain_1m) { invocations_big "$CASES/$c.snap"
		    printf 'dumppath\t-\t%s --index 999999\n' "$CASES/$c.snap"
		  } > "$T/inv" ;;
	*) invocations "$CASES/$c.snap" > "$T/inv" ;;
	esac
	[ -n "${HS_HOSTILE_TIMES:-}" ] && date +"%s.%N $c" >&2
	while IFS='	' read -r tool j args; do
		[ -x "$HS_BIN/$tool" ] || continue
		# shellcheck disable=SC2086
		run "$tool" $args
		json=""; [ "$j" = J ] && json=1
		check "$c" "$kind" "$tool $args" "$json"
		case $tool in dumpinfo|dumpconv) continue ;; esac
		if [ -n "$words" ] && [ "$rc" != 2 ]; then
			if grep -q -i -E "$words" "$T/out" "$T/err"; then ok; else
				fail "$tool $args: does not report ($words)"
			fi
		fi
	done < "$T/inv"
	rm -f "$CWD/x.jsonl" "$CWD/x.jsonl.tmp"
	# nothing else may appear in the working directory
	if [ -z "$(ls -A "$CWD")" ]; then ok; else
		fail "$c: tools created files: $(ls -A "$CWD" | head -3)"
		rm -rf "${CWD:?}"/* "${CWD:?}"/.[!.]* 2>/dev/null
	fi
done

# every --json output: JSON values (dumpinfo prints one per line and
# file) in valid UTF-8
python3 - "$T/json" > "$T/jcheck" 2>&1 <<'PY'
import json, os, sys
d = sys.argv[1]
dec = json.JSONDecoder()
for line in open(os.path.join(d, "index")):
    n, desc = line.rstrip("\n").split("\t", 1)
    try:
        text = open(os.path.join(d, n), "rb").read().decode("utf-8")
        i, values = 0, 0
        while True:
            while i < len(text) and text[i] in " \t\r\n":
                i += 1
            if i == len(text):
                break
            _, i = dec.raw_decode(text, i)
            values += 1
        print("ok" if values else "FAIL: %s: --json printed nothing" % desc)
    except ValueError as e:
        print("FAIL: %s: --json output is not valid UTF-8 JSON: %s" % (desc, e))
PY
if [ "$njson" -gt 0 ] && [ "$(grep -c '^ok$' "$T/jcheck")" = "$njson" ]; then
	PASS=$((PASS + njson))
else
	n_ok=$(grep -c '^ok$' "$T/jcheck")
	PASS=$((PASS + n_ok))
	FAIL=$((FAIL + njson - n_ok))
	grep -v '^ok$' "$T/jcheck" | head -10
	[ "$njson" -gt 0 ] || fail "no --json output was checked"
fi

# --csv: RFC 4180, one line per row of its fields whatever the names
# (quotes doubled, line breaks and controls escaped), and a name a
# spreadsheet would run as a formula kept as text
for by in type site; do
	run dumptypes --by "$by" --csv "$CASES/evil_strings.snap"
	[ "$rc" = 0 ] && ok || fail "dumptypes --by $by --csv evil_strings: exit $rc"
	if python3 - "$T/out" "$by" >"$T/csvcheck" 2>&1 <<'PY'
import csv, sys
text = open(sys.argv[1], encoding="utf-8", newline="").read()
lines = text.split("\n")
assert lines[-1] == "", "no final line break"
rows = list(csv.reader(text.splitlines(True)))
assert len(rows) == len(lines) - 1, "a field spans lines"
assert rows[0][:6] == ["type", "count", "shallow", "retained", "percent",
                       "cumulative_percent"], rows[0]
assert len(rows) > 8, "too few rows"
for r in rows:
    assert len(r) == len(rows[0]), r
names = [r[0] for r in rows[1:]]
assert any('"d"' in n for n in names), "no doubled quote read back"
assert any("\\x1b" in n for n in names), "ESC not escaped"
assert not any(n[:1] in "=+-@" for n in names if n), "a formula"
if sys.argv[2] == "type":
    assert any(n.startswith("'=HYPERLINK") for n in names), names
PY
	then ok; else
		fail "dumptypes --by $by --csv evil_strings: not safe CSV"
		sed 's/^/  | /' "$T/csvcheck" | tail -3
	fi
done

# sizes summing past 2^64: clamped, so no retained size wraps (a child
# retaining more than its parent, or more than the heap)
run dumpdom --json "$CASES/huge_sizes.snap"
if python3 - "$T/out" >"$T/hcheck" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
heap = d["graph"]["reachable_shallow"]
assert d["graph"]["clamped_sizes"] == 3, d["graph"]
ret = {o["id"]: o["retained"] for o in d["objects"]}
for o in d["objects"]:
    assert o["retained"] <= heap and o["percent"] <= 100, o
    assert o["retained"] >= o["shallow"], o
    if o["idom"] is not None:
        assert ret[o["idom"]] >= o["retained"], o
PY
then ok; else
	fail "dumpdom huge_sizes: retained sizes wrap"; sed 's/^/  | /' "$T/hcheck" | tail -3
fi

# the evil strings survive the JSON-lines export as valid JSON per line,
# and a .snap made from them reads back with the same type names
if [ -x "$HS_BIN/dumpconv" ]; then
	run dumpconv "$CASES/evil_strings.snap" -o "$T/evil.jsonl"
	[ "$rc" = 0 ] && ok || fail "dumpconv evil_strings: exit $rc"
	if python3 -c '
import json, sys
for line in open(sys.argv[1], "rb"):
    json.loads(line.decode("utf-8"))' "$T/evil.jsonl" 2>"$T/jerr"; then ok; else
		fail "dumpconv: JSON lines of evil_strings are not valid UTF-8 JSON"
	fi
	LC_ALL=C grep -q "$(printf '\033')" "$T/evil.jsonl" &&
		fail "dumpconv: raw ESC in JSON lines" || ok
	# back to .snap: root kinds and labels with a NUL byte cannot be
	# written (hs_writer_root takes C strings), and import says so
	run dumpconv "$T/evil.jsonl" -o "$T/evil2.snap"
	if [ "$rc" = 0 ]; then
		run dumpconv "$T/evil2.snap" -o "$T/evil2.jsonl"
		cmp -s "$T/evil.jsonl" "$T/evil2.jsonl" && ok ||
			fail "dumpconv: evil_strings round trip changed the lines"
	elif [ "$rc" = 2 ] && grep -q 'line [0-9]*, column [0-9]*: .*NUL' "$T/err"; then
		ok
	else
		fail "dumpconv evil back to .snap: exit $rc"; sed 's/^/  | /' "$T/err" | head -3
	fi
fi

# names from the dump never become paths: a dump full of "../../etc"
# type names converted into a fresh directory leaves only what -o named
if [ -x "$HS_BIN/dumpconv" ]; then
	mkdir -p "$T/only"
	(cd "$T/only" && "$HS_BIN/dumpconv" "$CASES/evil_strings.snap" -o out.jsonl \
		>/dev/null 2>&1)
	[ "$(ls -A "$T/only")" = out.jsonl ] && ok ||
		fail "dumpconv wrote more than out.jsonl: $(ls -A "$T/only")"
fi

# hostile JSON lines into dumpconv: exit 2 naming line and column, and
# nothing left at OUT (or OUT.tmp); the two well-formed ones convert
if [ -x "$HS_BIN/dumpconv" ]; then
	python3 "$HS_TOP/tests/fuzz/craft.py" jsonl-cases "$T/jl"
	n_jl=0
	for f in "$T"/jl/*.jsonl; do
		c=$(basename "$f" .jsonl)
		n_jl=$((n_jl + 1))
		run dumpconv "$f" -o "$T/jl.snap"
		check "$c" jsonl "dumpconv $c.jsonl" ""
		case $c in
		many_refs|no_newline_end)
			[ "$rc" = 0 ] && [ -f "$T/jl.snap" ] && ok ||
				fail "dumpconv $c.jsonl: exit $rc, expected 0" ;;
		*)
			if [ "$rc" = 2 ] && grep -q "$c.jsonl: line [0-9]*, column [0-9]*: " "$T/err"; then
				ok
			else
				fail "dumpconv $c.jsonl: exit $rc, expected 2 with line and column"
				sed 's/^/  | /' "$T/err" | head -2
			fi
			[ ! -e "$T/jl.snap" ] && [ ! -e "$T/jl.snap.tmp" ] && ok ||
				fail "dumpconv $c.jsonl: left an output behind" ;;
		esac
		rm -f "$T/jl.snap"
	done
	[ "$n_jl" -ge 20 ] && ok || fail "only $n_jl JSON-lines cases ran"
fi

# inputs that are not regular files: a FIFO nobody writes to (named
# .snap, or not, when a tool would sniff it for a V8 snapshot) and a
# directory are refused at once (a blocking open() of the FIFO hung every
# tool), by every invocation
mkfifo "$T/fifo.snap" "$T/fifo"
mkdir "$T/dir.snap"
for f in "$T/fifo.snap" "$T/fifo" "$T/dir.snap"; do
	invocations "$f" > "$T/inv"
	while IFS='	' read -r tool j args; do
		[ -x "$HS_BIN/$tool" ] || continue
		# dumpconv reads JSON lines from a pipe: a FIFO not named .snap
		# is one (and waits for its writer, as cat would)
		[ "$tool" = dumpconv ] && [ "$f" = "$T/fifo" ] && continue
		# shellcheck disable=SC2086
		(cd "$CWD" && timeout 10 "$HS_BIN/$tool" $args >"$T/out" 2>"$T/err")
		rc=$?
		if [ "$rc" = 2 ] && grep -q "$f: .*not a regular file" "$T/err"; then ok; else
			fail "$tool $args: exit $rc, expected 2 'not a regular file'"
			sed 's/^/  | /' "$T/err" | head -2
		fi
	done < "$T/inv"
	rm -f "$CWD/x.jsonl" "$CWD/x.jsonl.tmp"
done

[ "$n_cases" -gt 60 ] && ok || fail "only $n_cases cases ran"
finish hostile
