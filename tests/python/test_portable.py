"""The portable walker (capture/python/portable.c: CPython's public C API
only) against the version walker on the same heap: the same objects,
references, sizes (sys.getsizeof's) and retained sizes, except what the
README lists it cannot see, each of which is checked here to be unseen
for the reason given and for no other.  Run for every Python version by
tests/python/matrix.sh (the rest of the suite runs the version walker)."""
import collections
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

import heapsnap
from snaputil import Snap

HS_BIN = os.environ.get("HS_BIN") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "bin")
VERSION = "%d.%d" % sys.version_info[:2]
HAS_VERSION_WALKER = VERSION in heapsnap.WALKERS

# references the version walker writes and the portable one cannot see,
# by the version walker's label (README, "The portable walker")
BLIND_LABELS = {"<attribute name>", "co_localsplusnames",
                "co_localspluskinds", "_co_code", "_co_varnames",
                "_co_cellvars", "_co_freevars"}
if sys.version_info >= (3, 12):
    BLIND_LABELS.add("__subclasses__")     # of a static builtin type
if sys.version_info >= (3, 13):
    BLIND_LABELS.add("__dict__")           # beside an instance's inline values

# the heap both walkers dump, one after the other (portable first: it
# creates nothing that stays); its blind spots are built in on purpose
CHILD = textwrap.dedent("""
    import gc, json, sys
    import heapsnap

    class Node:
        def __init__(self, i):
            self.items = list(range(i % 7))
            self.name = "node-%d" % i
            self.pair = (i, str(i))
            self.meta = {"k%d" % i: i * 1.5}

    holder = [Node(i) for i in range(300)]
    table = {("t", i): Node(i) for i in range(50)}
    # a name only the class's shared keys hold
    probe = Node(0)
    setattr(probe, "".join(["zz_attr_", "only"]), 1)
    # a variable name only its code object holds (3.11+: co_localsplusnames)
    def fn():
        zz_local_only = 1
        return zz_local_only
    # frozen garbage: a cycle only the permanent generation holds
    g = ["".join(["zz_frozen_", "garbage"])]
    g.append(g)
    del g
    frozen = {id(o) for o in gc.get_objects()}
    gc.freeze()
    # 3.13: a __dict__ made beside inline values (not frozen)
    withdict = Node(1)
    withdict.__dict__

    def run(p, v):
        # a str only this running frame holds
        mine = "".join(["zz_frame_", "only"])
        heapsnap.dump(p, walker="portable")
        heapsnap.dump(v, walker="version")
        return mine

    run(sys.argv[1], sys.argv[2])
    print(json.dumps({"holder": id(holder), "table": id(table),
                      "probe_class": id(Node), "withdict": id(withdict),
                      "object": id(object), "frozen": sorted(frozen)}))
""")


def label(snap, o, i):
    lab = o["labels"][i]
    return snap.strings.get(lab) if lab is not None else None


def edges(snap, o):
    """(target id, flags, label) of each reference of o."""
    return [(snap.objects[r]["id"], o["flags"][i], label(snap, o, i))
            for i, r in enumerate(o["refs"])]


def preview_ids(snap, text):
    return {o["id"] for o in snap.objects if o["preview"] == text}


@unittest.skipUnless(HAS_VERSION_WALKER and "portable" in heapsnap.WALKERS,
                     "needs the version walker to compare with")
class PortableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hs-portable-")
        cls.p_path = os.path.join(cls.dir, "p.snap")
        cls.v_path = os.path.join(cls.dir, "v.snap")
        r = subprocess.run([sys.executable, "-c", CHILD, cls.p_path,
                            cls.v_path], stdout=subprocess.PIPE,
                           universal_newlines=True, timeout=300, check=True)
        cls.ids = json.loads(r.stdout.splitlines()[-1])
        cls.ids["frozen"] = set(cls.ids["frozen"])
        cls.P = Snap(cls.p_path)
        cls.V = Snap(cls.v_path)

    @classmethod
    def tearDownClass(cls):
        # the loaded dumps are big: the tests after this one dump this
        # process's heap, which must not hold them
        del cls.P, cls.V, cls.ids
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_header_names_the_walker(self):
        self.assertEqual(self.P.header["walker"], "portable")
        self.assertEqual(self.V.header["walker"], VERSION)

    def test_objects_types_and_sizes(self):
        P, V = self.P, self.V
        self.assertLessEqual(set(P.by_id), set(V.by_id),
                             "objects the version walker did not see")
        for oid, po in P.by_id.items():
            vo = V.by_id[oid]
            self.assertEqual(P.types[po["type"]], V.types[vo["type"]])
            # sys.getsizeof's figure (3.11: the values array apart)
            self.assertEqual(po["size"], vo["getsizeof"],
                             (V.types[vo["type"]], oid))
        # nearly all of them: what is missing is listed below
        self.assertGreater(len(P.objects), 0.8 * len(V.objects))

    def test_references_are_the_version_walkers_less_the_blind_ones(self):
        P, V = self.P, self.V
        unexplained = collections.Counter()
        for oid, po in P.by_id.items():
            vo = V.by_id[oid]
            pe = collections.Counter((t, f) for t, f, _ in edges(P, po))
            ve = collections.Counter((t, f) for t, f, _ in edges(V, vo))
            self.assertEqual(pe - ve, collections.Counter(),
                             "references the version walker does not have")
            missing = ve - pe
            for t, f, lab in edges(V, vo):
                if missing[(t, f)] and lab not in BLIND_LABELS:
                    unexplained[(V.types[vo["type"]], lab)] += 1
        self.assertEqual(unexplained, collections.Counter())

    def test_every_missing_object_is_explained(self):
        # each object only the version walker has is reached, within the
        # objects the portable walker misses, from a blind reference, a
        # running frame, or frozen garbage
        P, V = self.P, self.V
        only_v = set(V.by_id) - set(P.by_id)
        start = set()
        for oid in P.by_id:
            for t, _, lab in edges(V, V.by_id[oid]):
                if t in only_v and lab in BLIND_LABELS:
                    start.add(t)
        start |= {V.objects[i]["id"] for i, kind, _, _ in V.roots
                  if kind in ("frame", "stack")} & only_v
        # gc.freeze()'s objects nothing in the dump refers to (held
        # from C, or garbage) and what only they hold
        start |= only_v & self.ids["frozen"]
        seen, todo = set(start), list(start)
        while todo:
            o = V.by_id[todo.pop()]
            for t, _, _ in edges(V, o):
                if t in only_v and t not in seen:
                    seen.add(t)
                    todo.append(t)
        for oid in only_v - seen:
            o = V.by_id[oid]
            self.fail("%s %#x: not seen by the portable walker, and not "
                      "a listed blind spot" % (V.types[o["type"]], oid))

    def test_roots(self):
        P = self.P
        kinds = collections.Counter(k for _, k, _, _ in P.roots)
        self.assertEqual(kinds["sys.modules"], 1)
        self.assertEqual(kinds["builtins"], 1)
        self.assertEqual(kinds["frame"], 0)    # blind: running frames
        self.assertEqual(kinds["stack"], 0)
        self.assertGreater(kinds["refcount"], 0)

    def dom(self, path, oid):
        r = subprocess.run([os.path.join(HS_BIN, "dumpdom"), "--json",
                            "--sizes", "getsizeof", "--id", str(oid), path],
                           stdout=subprocess.PIPE, check=True, timeout=300)
        return json.loads(r.stdout)["objects"][0]["retained"]

    def test_retained_sizes(self):
        # structures of the program: the same retained size from both
        for name in ("holder", "table"):
            self.assertEqual(self.dom(self.p_path, self.ids[name]),
                             self.dom(self.v_path, self.ids[name]), name)

    # ---- each blind spot, seen by the version walker only ----

    def test_blind_running_frame(self):
        v = preview_ids(self.V, "zz_frame_only")
        self.assertEqual(len(v), 1)
        self.assertEqual(preview_ids(self.P, "zz_frame_only"), set())

    def test_blind_shared_keys(self):
        cls = self.ids["probe_class"]
        vt = {self.V.by_id[t]["preview"] for t, _, lab in
              edges(self.V, self.V.by_id[cls]) if lab == "<attribute name>"}
        self.assertIn("zz_attr_only", vt)
        pt = {self.P.by_id[t]["preview"] for t, _, _ in
              edges(self.P, self.P.by_id[cls])}
        self.assertNotIn("zz_attr_only", pt)

    def test_blind_code_fields(self):
        # 3.10's code objects have co_varnames as a member: seen
        seen = bool(preview_ids(self.P, "zz_local_only"))
        self.assertEqual(seen, sys.version_info < (3, 11))
        self.assertTrue(preview_ids(self.V, "zz_local_only"))

    def test_blind_frozen_garbage(self):
        self.assertTrue(preview_ids(self.V, "zz_frozen_garbage"))
        self.assertEqual(preview_ids(self.P, "zz_frozen_garbage"), set())

    def test_blind_inline_values_dict(self):
        o = self.ids["withdict"]
        v = [lab for _, _, lab in edges(self.V, self.V.by_id[o])]
        p = [t for t, _, _ in edges(self.P, self.P.by_id[o])]
        self.assertIn("__dict__", v)
        dict_id = [t for t, _, lab in edges(self.V, self.V.by_id[o])
                   if lab == "__dict__"][0]
        # the dict is dumped (it is gc-tracked) either way
        self.assertTrue(dict_id in self.P.by_id)
        self.assertEqual(dict_id in p, sys.version_info < (3, 13))

    def test_blind_static_subclasses(self):
        o = self.ids["object"]
        v = [t for t, _, lab in edges(self.V, self.V.by_id[o])
             if lab == "__subclasses__"]
        p = {t for t, _, _ in edges(self.P, self.P.by_id[o])}
        self.assertEqual(len(v), 1)
        self.assertEqual(v[0] in p, sys.version_info < (3, 12))


@unittest.skipUnless("portable" in heapsnap.WALKERS, "no portable walker")
class PortableInProcessTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hs-portable-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_environment_selects_it(self):
        path = os.path.join(self.dir, "e.snap")
        old = os.environ.get("HEAPSNAP_WALKER")
        os.environ["HEAPSNAP_WALKER"] = "portable"
        try:
            st = heapsnap.dump(path)
        finally:
            if old is None:
                del os.environ["HEAPSNAP_WALKER"]
            else:
                os.environ["HEAPSNAP_WALKER"] = old
        self.assertEqual(st["walker"], "portable")
        js = json.loads(subprocess.run(
            [os.path.join(HS_BIN, "dumpinfo"), "--json", path], check=True,
            timeout=120, stdout=subprocess.PIPE).stdout)
        self.assertEqual(js["walker"], "portable")
        # the address map: reported, within the capture's peak, at most
        # 16 bytes a slot at 3/8 fill (and its 4096-slot start)
        self.assertGreater(st["map_memory"], 0)
        self.assertLessEqual(st["map_memory"], st["peak_memory"])
        self.assertLessEqual(st["map_memory"],
                             max(16 * 4096, 16 * st["objects"] * 8 // 3))
        with self.assertRaises(RuntimeError):
            heapsnap.dump(os.path.join(self.dir, "x.snap"),
                          walker="no-such-walker")
        self.assertFalse(os.path.exists(os.path.join(self.dir, "x.snap")))

    def test_gc_lists_intact_and_repeatable(self):
        # it never writes a gc header: the collector finds what it
        # found before, and two dumps in a row hold the same objects
        junk = [[i] for i in range(1000)]
        a, b = (os.path.join(self.dir, n) for n in ("a.snap", "b.snap"))
        heapsnap.dump(a, walker="portable")
        heapsnap.dump(b, walker="portable")
        self.assertEqual(len(Snap(a).objects), len(Snap(b).objects))
        cyc = []
        cyc.append(cyc)
        del cyc
        self.assertGreaterEqual(gc.collect(), 1)
        self.assertTrue(all(gc.is_tracked(x) for x in junk))


if __name__ == "__main__":
    unittest.main()
