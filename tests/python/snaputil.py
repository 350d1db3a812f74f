"""Reading a .snap back in tests, through heapsnap.read_records()."""
import collections
import os
import subprocess

import heapsnap


class Snap:
    """A small .snap, loaded whole: header, types, strings, objects (by
    index and by id, references absolute and merged with refs records),
    roots."""

    def __init__(self, path):
        self.path = path
        self.header = None
        self.types = {}
        self.seq_types = set()  # HS_TYPE_SEQUENCE: items unlabelled, [j]
        self.strings = {}
        self.objects = []       # index -> dict
        self.roots = []         # (index, kind, label, extra)
        self.sites = {}         # index -> [(file string, line, func string)]
        self.end = None
        for r in heapsnap.read_records(path):
            tag = r[0]
            if tag == "header":
                self.header = r[1]
            elif tag == "type":
                self.types[r[1]] = r[2]
                if r[3] & 1:
                    self.seq_types.add(r[1])
            elif tag == "string":
                self.strings[r[1]] = r[2]
            elif tag == "object":
                (_, index, oid, t, size, refs, labels, flags, preview, site,
                 rt_size) = r
                assert index == len(self.objects), (index, len(self.objects))
                self.objects.append({
                    "index": index, "id": oid, "type": t, "size": size,
                    "refs": list(refs),
                    "labels": list(labels) if labels else [None] * len(refs),
                    "flags": list(flags) if flags else [0] * len(refs),
                    "preview": preview, "site": site,
                    "getsizeof": rt_size or size})
            elif tag == "site":
                self.sites[r[1]] = r[2]
            elif tag == "refs":
                o = self.objects[r[1]]
                o["refs"] += r[2]
                o["labels"] += r[3] if r[3] else [None] * len(r[2])
                o["flags"] += r[4] if r[4] else [0] * len(r[2])
            elif tag == "root":
                self.roots.append((r[1], r[2], r[3], r[4]))
            elif tag == "end":
                self.end = r[1:]
        self.by_id = {o["id"]: o for o in self.objects}
        # each object once
        assert len(self.by_id) == len(self.objects), "duplicate object ids"

    def type_name(self, o):
        return self.types[o["type"]]

    def counts(self):
        return collections.Counter(self.type_name(o) for o in self.objects)

    def of(self, obj):
        """The record of a live object, or None."""
        return self.by_id.get(id(obj))

    def label_texts(self, o):
        """o's labels as text (None for none): an unlabelled item of a
        sequence type (a list, a tuple) is "[j]", j counting them."""
        out, j = [], 0
        seq = o["type"] in self.seq_types
        for l in o["labels"]:
            if l is not None:
                out.append(self.strings.get(l))
            elif seq:
                out.append("[%d]" % j)
                j += 1
            else:
                out.append(None)
        return out

    def edges(self, o):
        """[(label text or None, target record, flags)]"""
        return [(l, self.objects[r], f)
                for r, l, f in zip(o["refs"], self.label_texts(o),
                                   o["flags"])]

    def edge(self, o, label):
        for l, t, _ in self.edges(o):
            if l == label:
                return t
        return None


def type_name(t):
    return "%s.%s" % (t.__module__, t.__qualname__)


def decompressed(path):
    """The raw record bytes of a .snap (zstd -dc)."""
    return subprocess.run(["zstd", "-dcq", path], check=True,
                          stdout=subprocess.PIPE).stdout


def python_env():
    """The environment for child interpreters: same PYTHONPATH."""
    env = dict(os.environ)
    import heapsnap as h
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(h.__file__)))
    env["PYTHONPATH"] = pkg + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env
