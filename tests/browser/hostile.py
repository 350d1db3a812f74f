#!/usr/bin/env python3
"""hostile.py - JSON lines of a small heap whose every string attacks the
report: type names, reference labels, root labels and kinds, previews and
header strings carry markup, script terminators, javascript: URLs, quotes,
bidirectional controls, line separators and control bytes.

    hostile.py small OUT.jsonl    the heap the browser test opens
    hostile.py huge OUT.jsonl     60,000-byte names, 5,000 types, a
                                  5,000-long chain (for the 5 KB limit
                                  of the Markdown summary)

Convert with `dumpconv OUT.jsonl -o OUT.snap`.  Every object is reachable
and retains something, so each string shows in every view.
"""
import json
import sys

ATTACKS = [
    '<script>alert("type")</script>',
    '</script><script>alert(2)</script>',
    '<img src=x onerror=alert(3)>',
    'javascript:alert(4)',
    '"\'quoted\'" & <b>bold</b> <!-- comment',
    '\u202egnp.exe\u202c evil\u2066rtl\u2069',
    'line\u2028sep\u2029para\nnew\ttab\x00nul\x1b[31mred',
    '<svg onload=alert(5)>',
]


def small(out):
    w = lambda rec: out.write(json.dumps(rec) + "\n")
    w({"kind": "header", "format": "heapsnap", "version": 1,
       "runtime": '<script>alert("runtime")</script>',
       "runtime_version": '</script><img src=x onerror=alert(6)>',
       "pid": 4242, "time_ms": 1764255600000,
       "reason": 'javascript:alert(7) \u202ebidi', "refs": "id"})
    oid = 0x1000
    holder = oid
    kids = []
    for k, a in enumerate(ATTACKS):
        kids.append(oid + 16 * (k + 1))
    # one holder retaining a chain per attack: type, label and preview
    w({"kind": "object", "id": holder, "type": ATTACKS[0], "size": 4096,
       "refs": kids, "labels": ATTACKS, "preview": ATTACKS[1]})
    for k, a in enumerate(ATTACKS):
        leaf = kids[k] + 8
        w({"kind": "object", "id": kids[k], "type": a, "size": 1000 + 100 * k,
           "refs": [leaf], "labels": [ATTACKS[(k + 1) % len(ATTACKS)]],
           "preview": a})
        w({"kind": "object", "id": leaf, "type": ATTACKS[(k + 2) % len(ATTACKS)],
           "size": 500 + 10 * k, "preview": ATTACKS[(k + 3) % len(ATTACKS)]})
    # garbage: unreachable objects of hostile types
    for k, a in enumerate(ATTACKS):
        w({"kind": "object", "id": 0x9000 + 16 * k, "type": a, "size": 64})
    w({"kind": "root", "id": holder, "root_kind": '<img src=x onerror=alert(8)>',
       "label": '</script><script>alert(9)</script>'})


def huge(out):
    w = lambda rec: out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    w({"kind": "header", "format": "heapsnap", "version": 1,
       "runtime": "r" * 60000, "runtime_version": "v" * 60000,
       "reason": "\u202e" * 20000, "refs": "index"})
    n = 5000
    # a chain: every object retains the next, so every type retains; the
    # first 20 names are 60,000 bytes long, the others 600
    unit = "\u202e<x>|`~"   # 9 bytes in UTF-8
    names = ["%05d%s" % (i, unit * (6600 if i < 20 else 66)) for i in range(n)]
    for i in range(n):
        rec = {"kind": "object", "id": 0x100000 + 16 * i, "type": names[i],
               "size": 1000, "preview": "p" * 60000 if i < 20 else "p"}
        if i + 1 < n:
            rec["refs"] = [i + 1]
            rec["labels"] = ["`" * 3 + "~" * 3 + "L" * (60000 if i < 20 else 100)]
        w(rec)
    w({"kind": "root", "id": 0, "root_kind": "k" * 60000, "label": "l" * 60000})


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("small", "huge"):
        sys.exit("usage: hostile.py small|huge OUT.jsonl")
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        {"small": small, "huge": huge}[sys.argv[1]](f)
