#!/bin/sh
# dumpconv_v8.sh - V8 heap snapshots against memlab: the three snapshots
# of samples/v8/leaky.tar.zst import, and heapsnap's answers equal the
# references memlab computed on them (samples/v8/README.md): the retained
# size of every node, DevTools' per-class counts and self sizes, the
# three-snapshot leak candidates; the tools read .heapsnapshot and
# .heapsnapshot.gz directly and say the same as on the converted .snap;
# bad input exits 2 with the place of the cause and leaves nothing.
. "$(dirname "$0")/lib.sh"
C="$HS_BIN/dumpconv"
S="$HS_TOP/samples/v8/leaky.tar.zst"

if ! zstd -dc --long=27 "$S" | (cd "$T" && tar xf -); then
	fail "cannot unpack $S"
	finish dumpconv_v8
	exit 1
fi

# --- help ------------------------------------------------------------------
expect_rc 0 "--help" -- "$C" --help
for w in heapsnapshot --redact --tmpdir --memory "format/V8.md"; do
	expect_grep "$w" "$T/out" "--help mentions $w"
done
expect_rc 2 "--to v8" -- "$C" --to v8 "$T/x.snap" -o "$T/y.heapsnapshot"
expect_rc 2 "V8 to JSON lines" -- "$C" "$T/baseline.heapsnapshot" -o "$T/b.jsonl"
expect_grep "converts to a .snap" "$T/err" "V8 to JSON lines says why"
expect_rc 2 "--redact on a .snap" -- "$C" --redact "$T/a.snap" -o "$T/a.jsonl"

# --- every node's retained size and every class, as memlab and DevTools ----
for f in baseline target final; do
	expect_rc 0 "import $f" -- "$C" -v "$T/$f.heapsnapshot" -o "$T/$f.snap"
	expect_grep "0 unreachable" "$T/err" "$f: -v gives the counts"
	"$HS_BIN/dumpdom" --top 0 --json "$T/$f.snap" >"$T/$f.dom.json" ||
		fail "dumpdom $f"
	"$HS_BIN/dumptypes" --top 0 --json "$T/$f.snap" >"$T/$f.types.json" ||
		fail "dumptypes $f"
	if python3 - "$T/$f.dom.json" "$T/$f.retained.txt" \
	     "$T/$f.types.json" "$T/$f.classes.txt" >"$T/cmp" 2>&1 <<'PY'
import json, sys
dom = json.load(open(sys.argv[1]))
ours = {o['id']: o['retained'] for o in dom['objects']}
ref = {}
for line in open(sys.argv[2]):
    i, r = line.split()
    ref[int(i)] = int(float(r))
bad = [(i, r, ours.get(i)) for i, r in ref.items() if ours.get(i) != r]
if bad or len(ours) != len(ref):
    print('retained: %d of %d differ, %d objects (memlab %d): %s'
          % (len(bad), len(ref), len(ours), len(ref), bad[:5]))
    sys.exit(1)
types = json.load(open(sys.argv[3]))
ours = {t['type']: (t['count'], t['shallow']) for t in types['types']}
ref = {}
for line in open(sys.argv[4]):
    count, self_size, name = line.rstrip('\n').split(' ', 2)
    ref[json.loads(name)] = (int(count), int(self_size))
if ours != ref:
    diff = sorted(set(ours.items()) ^ set(ref.items()))
    print('classes differ: %s' % diff[:6])
    sys.exit(1)
print('%d objects, %d classes' % (len(dom['objects']), len(ref)))
PY
	then ok; else fail "$f: not memlab's numbers"; sed 's/^/  | /' "$T/cmp"; fi
done

# --- the leak candidates: memlab's set, grouped by owner --------------------
expect_rc 0 "dumpdiff B T F" -- "$HS_BIN/dumpdiff" --json \
	"$T/baseline.heapsnapshot" "$T/target.heapsnapshot" \
	"$T/final.heapsnapshot"
if python3 - "$T/out" "$T/leaks.txt" >"$T/cmp" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d['totals']
rows = [l.split() for l in open(sys.argv[2])]
count, size = len(rows), sum(int(r[-1]) for r in rows)
owned = sum(o['objects'] for o in d['owners'])
top = d['owners'][0]
ok = (t['new_objects'] == count and t['new_bytes'] == size and
      owned == count and 'SESSIONS' in top['path'] and
      top['objects'] >= count * 0.99)
print('candidates %d / %d bytes (memlab %d / %d); top owner %s: %d'
      % (t['new_objects'], t['new_bytes'], count, size, top['path'],
         top['objects']))
sys.exit(0 if ok else 1)
PY
then ok; else fail "dumpdiff B T F is not memlab's set"; sed 's/^/  | /' "$T/cmp"; fi

# --- the tools read .heapsnapshot and .heapsnapshot.gz directly -------------
gzip -c "$T/baseline.heapsnapshot" >"$T/base.heapsnapshot.gz"
cp "$T/baseline.heapsnapshot" "$T/noext"
for tool in dumptypes dumpdom; do
	"$HS_BIN/$tool" "$T/baseline.snap" | tail -n +2 >"$T/want"
	for in in baseline.heapsnapshot base.heapsnapshot.gz noext; do
		expect_rc 0 "$tool $in" -- "$HS_BIN/$tool" "$T/$in"
		head -1 "$T/out" >"$T/first"
		expect_grep "^$T/$in: 41,398 objects" "$T/first" "$tool $in names its input"
		tail -n +2 "$T/out" >"$T/got"
		if cmp -s "$T/want" "$T/got"; then ok; else
			fail "$tool $in differs from the converted .snap"; fi
	done
done
expect_rc 0 "dumpinfo .heapsnapshot.gz" -- "$HS_BIN/dumpinfo" "$T/base.heapsnapshot.gz"
expect_grep "runtime: *v8" "$T/out" "dumpinfo: runtime v8"
expect_grep "base.heapsnapshot.gz" "$T/out" "dumpinfo names the .gz"
expect_rc 0 "dumppath to a Session" -- "$HS_BIN/dumppath" --type Session \
	"$T/target.heapsnapshot"
expect_grep "SESSIONS" "$T/out" "dumppath: Sessions are held by SESSIONS"
expect_rc 0 "dumpdom --json .heapsnapshot" -- "$HS_BIN/dumpdom" --json "$T/noext"
expect_grep "\"file\":\"$T/noext\"" "$T/out" "dumpdom --json names the input"
# a gzip import gives the same .snap as the plain one
expect_rc 0 "import .gz" -- "$C" "$T/base.heapsnapshot.gz" -o "$T/gz.snap"
# (but for the header's time: the files' modification times)
"$C" "$T/gz.snap" -o - | tail -n +2 >"$T/gz.jsonl"
"$C" "$T/baseline.snap" -o - | tail -n +2 >"$T/b.jsonl"
if cmp -s "$T/gz.jsonl" "$T/b.jsonl"; then ok; else fail ".gz and plain differ"; fi
# a FIFO named .heapsnapshot is a stream, as stdin is: the tools read it
# (and wait for its writer, as cat would); other FIFOs are refused at once
# (hostile.sh)
mkfifo "$T/fifo.heapsnapshot"
(cat "$T/baseline.heapsnapshot" >"$T/fifo.heapsnapshot" &)
expect_rc 0 "dumptypes from a FIFO" -- timeout 60 "$HS_BIN/dumptypes" "$T/fifo.heapsnapshot"
tail -n +2 "$T/out" >"$T/got"
"$HS_BIN/dumptypes" "$T/baseline.snap" | tail -n +2 >"$T/want"
if cmp -s "$T/want" "$T/got"; then ok; else fail "dumptypes from a FIFO differs"; fi
rm -f "$T/fifo.heapsnapshot"
# stdin, with --from v8
expect_rc 0 "stdin" -- sh -c "\"$C\" --from v8 - -o \"$T/stdin.snap\" <\"$T/base.heapsnapshot.gz\""
"$C" "$T/stdin.snap" -o - | tail -n +2 >"$T/s.jsonl"
if cmp -s "$T/s.jsonl" "$T/b.jsonl"; then ok; else fail "stdin import differs"; fi

# --- --memory: a scratch bound below the arrays' sizes reads them through
# small caches and sweeps instead of depth first: the same .snap, byte for
# byte (the header's time aside: the same file)
expect_rc 0 "--memory 1M" -- "$C" --memory 1M "$T/final.heapsnapshot" -o "$T/m1.snap"
if cmp -s "$T/m1.snap" "$T/final.snap"; then ok; else fail "--memory 1M changed the .snap"; fi
expect_rc 2 "--memory too small" -- "$C" --memory 64K "$T/final.heapsnapshot" -o "$T/m2.snap"

# --- --redact: string values go, system names stay -------------------------
expect_rc 0 "--redact" -- "$C" --redact "$T/final.heapsnapshot" -o "$T/red.snap"
"$C" "$T/red.snap" -o "$T/red.jsonl"
if grep -q 'payload of request' "$T/red.jsonl"; then
	fail "--redact kept a string value"; else ok; fi
expect_grep '"preview":"(GC roots)"' "$T/red.jsonl" "--redact keeps system names"
"$C" "$T/final.snap" -o "$T/final.jsonl"
expect_grep 'payload of request' "$T/final.jsonl" "string values are previews"

# --- hostile input: the place of the cause, nothing left behind -----------
head -c 2000000 "$T/baseline.heapsnapshot" >"$T/cut.heapsnapshot"
expect_rc 2 "truncated" -- "$C" "$T/cut.heapsnapshot" -o "$T/cut.snap"
expect_grep "cut.heapsnapshot: line [0-9]*, column [0-9]* (byte 2000000): the input ends inside an array" "$T/err" "truncated: the place"
[ ! -e "$T/cut.snap" ] && [ ! -e "$T/cut.snap.tmp" ] && ok || fail "truncated: output left behind"
head -c 300000 "$T/base.heapsnapshot.gz" >"$T/cut.heapsnapshot.gz"
expect_rc 2 "truncated gzip" -- "$HS_BIN/dumpdom" "$T/cut.heapsnapshot.gz"
expect_grep "gzip data ends early" "$T/err" "truncated gzip says so"
sed '3s/^,[0-9]*,/,99,/' "$T/baseline.heapsnapshot" >"$T/badtype.heapsnapshot"
expect_rc 2 "bad node type" -- "$C" "$T/badtype.heapsnapshot" -o "$T/bt.snap"
expect_grep "line 3, column 2 (byte [0-9]*): node type 99 is not one of the" "$T/err" "bad node type: the place"
[ ! -e "$T/bt.snap" ] && ok || fail "bad node type: output left"
ls -A "${TMPDIR:-/tmp}" | grep -c '^\.heapsnap-' >"$T/left" || true
[ "$(cat "$T/left")" = 0 ] && ok || fail "scratch files left in ${TMPDIR:-/tmp}"
expect_rc 2 "scratch dir missing" -- "$C" --tmpdir "$T/nowhere" "$T/baseline.heapsnapshot" -o "$T/nw.snap"
expect_grep "nowhere: cannot make a scratch file" "$T/err" "scratch dir: says where"

finish dumpconv_v8
