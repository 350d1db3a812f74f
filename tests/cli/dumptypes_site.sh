# dumptypes --by site: a Python heap captured while tracemalloc traces is
# grouped by the file:line that allocated each object.
. "$(dirname "$0")/lib.sh"
B=$HS_BIN
PY=${HS_TOP}/build/python
cat >"$T/site.py" <<'PY'
import sys, tracemalloc
tracemalloc.start(4)
import heapsnap
KEEP = []
def make():
    for i in range(3000):
        KEEP.append(bytearray(100))
make()
heapsnap.dump(sys.argv[1])
PY
if PYTHONPATH=$PY python3 "$T/site.py" "$T/site.snap" 2>"$T/err"; then ok; else fail "capture with tracemalloc"; cat "$T/err"; fi
expect_rc 0 "by site" -- "$B/dumptypes" --by site --top 0 "$T/site.snap"
grep -q "^ *3,000 .*site.py:7\$" "$T/out" && ok || fail "3,000 objects at site.py:7"
expect_rc 0 "depth 2" -- "$B/dumptypes" --by site --site-depth 2 --top 0 --json "$T/site.snap"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(r["type"].endswith("site.py:7 < " + sys.argv[2] + ":8") and r["count"]==3000 for r in d["types"])' "$T/out" "$T/site.py" && ok || fail "two frames in the key"
expect_rc 0 "json" -- "$B/dumptypes" --by site --json "$T/site.snap"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["group"]=="site"; assert any(r["type"].endswith("site.py:7") and r["count"]==3000 for r in d["types"])' "$T/out" && ok || fail "json rows"
# a file without sites says so and groups everything under "(no site)"
expect_rc 0 "no sites" -- "$B/dumptypes" --by site "$HS_TOP/samples/python-small.snap"
expect_grep "has no allocation sites" "$T/err" "no-site note"
expect_grep "(no site)" "$T/out" "no-site group"
expect_rc 2 "bad depth" -- "$B/dumptypes" --by site --site-depth 0 "$T/site.snap"
finish dumptypes_site
