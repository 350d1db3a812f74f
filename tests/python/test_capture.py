"""heapsnap.dump() in this process: exact objects, references, labels and
sizes of a known structure; coverage of untracked objects and of
tp_traverse's gaps; counts against a gc-based walk; the capture leaves
nothing behind; dumps while other threads mutate the heap."""
import collections
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import weakref

import heapsnap
from snaputil import Snap, type_name

UNIQ = "u%d" % os.getpid()


class Leaf:
    def __init__(self, v):
        self.v = v


class Slotted:
    __slots__ = ("left", "right")


class MyList(list):
    pass


class MyDict(dict):
    pass


def const_holder():
    # this string exists only in the code object's co_consts
    return "co-const-only-" + "marker"


class CaptureTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hs-py-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def dump(self, name="x.snap", **kw):
        path = os.path.join(self.dir, name)
        st = heapsnap.dump(path, **kw)
        return Snap(path), st

    def test_known_structure(self):
        big = 10 ** 12 + 7
        key = "key-" + UNIQ
        leaf1, leaf2 = Leaf(big), Leaf(2.5)
        tup = (1000003, "x" * 100)
        sl = Slotted()
        sl.left = leaf1
        root = {key: [leaf1, leaf2], "t": tup, 77: sl}
        snap, st = self.dump()
        self.assertEqual(st["dropped_refs"], 0)
        self.assertEqual(snap.header["runtime"], "python")
        self.assertEqual(snap.header["reason"], "manual")
        self.assertEqual(snap.header["ref_mode"], 1)

        d = snap.of(root)
        self.assertIsNotNone(d)
        self.assertEqual(snap.type_name(d), "builtins.dict")
        self.assertEqual(d["getsizeof"], sys.getsizeof(root))
        # every key and value, keys labelled "<key>", values by the key
        got = sorted((l, t["id"]) for l, t, _ in snap.edges(d))
        want = sorted([(repr(key), id(root[key])), ("<key>", id(key)),
                       ("'t'", id(tup)), ("<key>", id("t")),
                       ("77", id(sl)), ("<key>", id(77))])
        self.assertEqual(got, want)

        lst = snap.of(root[key])
        self.assertEqual(sorted((l, t["id"]) for l, t, _ in snap.edges(lst)),
                         [("[0]", id(leaf1)), ("[1]", id(leaf2))])
        self.assertEqual(lst["getsizeof"], sys.getsizeof(root[key]))

        l1 = snap.of(leaf1)
        self.assertEqual(snap.type_name(l1), type_name(Leaf))
        self.assertEqual(l1["getsizeof"], sys.getsizeof(leaf1))
        attrs = l1
        if sys.version_info < (3, 11):
            # 3.10 keeps an instance's attributes in a dict of its own
            self.assertEqual(
                sorted((l, t["id"]) for l, t, _ in snap.edges(l1)),
                sorted([("__dict__", id(leaf1.__dict__)),
                        ("__class__", id(Leaf))]))
            attrs = snap.edge(l1, "__dict__")
            self.assertEqual([(l, t["id"]) for l, t, _ in snap.edges(attrs)
                              if l != "<key>"], [("'v'", id(big))])
            vi = snap.edge(attrs, "'v'")
        else:
            self.assertEqual(
                sorted((l, t["id"]) for l, t, _ in snap.edges(l1)),
                sorted([("v", id(big)), ("__class__", id(Leaf))]))
            vi = snap.edge(l1, "v")
        self.assertEqual(snap.type_name(vi), "builtins.int")
        self.assertEqual(vi["preview"], big)
        self.assertEqual(vi["getsizeof"], sys.getsizeof(big))
        vf = (snap.edge(snap.edge(snap.of(leaf2), "__dict__"), "'v'")
              if sys.version_info < (3, 11) else snap.edge(snap.of(leaf2), "v"))
        self.assertEqual(vf["preview"], 2.5)
        self.assertEqual(vf["getsizeof"], sys.getsizeof(2.5))

        t = snap.of(tup)
        self.assertEqual(snap.type_name(t), "builtins.tuple")
        self.assertEqual(sorted((l, x["id"]) for l, x, _ in snap.edges(t)),
                         sorted([("[0]", id(tup[0])), ("[1]", id(tup[1]))]))
        s = snap.edge(t, "[1]")
        self.assertEqual(s["preview"], "x" * 64)   # cut to 64 bytes
        self.assertEqual(s["getsizeof"], sys.getsizeof(tup[1]))

        so = snap.of(sl)
        self.assertEqual(sorted((l, x["id"]) for l, x, _ in snap.edges(so)),
                         sorted([("left", id(leaf1)),
                                 ("__class__", id(Slotted))]))
        self.assertEqual(so["getsizeof"], sys.getsizeof(sl))

    def test_sizes_equal_getsizeof(self):
        objs = gc.get_objects()
        extra = [10 ** 30, -5, 0, True, "é" * 9, "\U0001F600", b"abc",
                 bytearray(b"12345"), frozenset([1, 2, 3]), set(range(50)),
                 MyList([1, 2]), MyDict(a=1), 3.25, 1j, range(10),
                 const_holder.__code__, Leaf, int, type, weakref.ref(Leaf),
                 collections.OrderedDict(a=1), collections.deque([1])]
        snap, _ = self.dump()
        bad = []
        n = 0
        for o in objs + extra:
            r = snap.of(o)
            if r is None:
                continue
            n += 1
            if r["getsizeof"] != sys.getsizeof(o) and not isinstance(
                    o, (list, dict, set)):   # may have changed since
                bad.append((type(o).__name__, r["getsizeof"], sys.getsizeof(o)))
        self.assertGreater(n, 1000)
        self.assertEqual(bad, [])
        for o in extra:
            self.assertIsNotNone(snap.of(o), repr(o))
            self.assertEqual(snap.of(o)["getsizeof"], sys.getsizeof(o), repr(o))

    def test_untracked_objects_and_gaps_are_covered(self):
        # untracked objects reached every way the program can hold them
        strs = ["s-%s-%d" % (UNIQ, i) for i in range(300)]
        ints = [10 ** 13 + i for i in range(300)]
        holder = {
            "dict_values": {i: strs[i] for i in range(0, 50)},
            # a dict with only str keys: tp_traverse skips its keys
            "dict_keys": {strs[i]: None for i in range(50, 100)},
            "tuple": tuple(strs[100:150]),
            "set": set(strs[150:200]),
            "frozen": frozenset(ints[0:50]),
            "ints_in_tuple": tuple(ints[50:100]),
        }
        leaves = [Leaf(ints[100 + i]) for i in range(100)]
        sl = []
        for i in range(100):
            s = Slotted()
            s.left = strs[200 + i]
            s.right = ints[200 + i]
            sl.append(s)
        del strs, ints
        gc.collect()   # untracks the tuples and dicts that can be
        local_only = "frame-local-" + UNIQ   # held by this frame alone
        snap, st = self.dump()
        self.assertEqual(st["dropped_refs"], 0)
        pre = "s-%s-" % UNIQ
        found_s = {o["preview"] for o in snap.objects
                   if snap.type_name(o) == "builtins.str"
                   and isinstance(o["preview"], str)
                   and o["preview"].startswith(pre)}
        self.assertEqual(len(found_s), 300)
        found_i = {o["preview"] for o in snap.objects
                   if snap.type_name(o) == "builtins.int"
                   and isinstance(o["preview"], int)
                   and 10 ** 13 <= o["preview"] < 10 ** 13 + 300}
        self.assertEqual(len(found_i), 300)
        self.assertIsNotNone(snap.of(local_only))
        # held by this frame: directly, or through a cell when a nested
        # scope (a comprehension) also uses the variable
        target = snap.of(local_only)["index"]

        def holds(o):
            return o["index"] == target or (
                snap.type_name(o) == "builtins.cell" and
                [t["index"] for t in [snap.edge(o, "cell_contents")]
                 if t] == [target])
        frame_roots = []
        for r in snap.roots:
            o = snap.objects[r[0]]
            if r[1] != "frame":
                continue
            if sys.version_info < (3, 11):
                # 3.10: the frame object is the root; its edge to the
                # local is labelled with the variable's name
                if snap.type_name(o) == "builtins.frame" and any(
                        l == "local_only" and holds(t)
                        for l, t, _ in snap.edges(o)):
                    frame_roots.append(r)
            elif holds(o):
                frame_roots.append(r)
        self.assertEqual(len(frame_roots), 1)
        if sys.version_info >= (3, 11):
            self.assertIn("local_only", frame_roots[0][2])
        self.assertIn("test_untracked_objects_and_gaps_are_covered",
                      frame_roots[0][2])
        # a constant held only by a code object
        consts = [o for o in snap.objects
                  if o["preview"] == "co-const-only-"]
        self.assertEqual(len(consts), 1)
        code = snap.of(const_holder.__code__)
        self.assertIs(snap.edge(code, "co_consts") is not None, True)
        del holder, leaves, sl

    def test_big_untracked_structure_once(self):
        # 20k untracked tuples found from one list: the FIFO grows while
        # it is consumed, and every object must come out exactly once
        holder = [tuple(("big-%s-%d" % (UNIQ, i), 10 ** 9 + i, (i, "x"))
                        for i in range(20000))]
        for _ in range(3):     # each collection untracks one more level
            gc.collect()
        self.assertFalse(gc.is_tracked(holder[0]))
        snap, st = self.dump()
        self.assertEqual(st["dropped_refs"], 0)
        pre = "big-%s-" % UNIQ
        n = sum(1 for o in snap.objects if isinstance(o["preview"], str)
                and o["preview"].startswith(pre))
        self.assertEqual(n, 20000)
        outer = snap.of(holder[0])
        self.assertEqual(len(outer["refs"]), 20000)
        del holder

    def test_weak_references_are_flagged(self):
        target = Leaf(1)
        w = weakref.ref(target)
        snap, _ = self.dump()
        wr = snap.of(w)
        weak = [(l, t["id"]) for l, t, f in snap.edges(wr) if f & 1]
        self.assertEqual(weak, [("__referent__", id(target))])

    def test_walker_is_named(self):
        # dump()'s figures and the header name the walker that ran; the
        # version walker is named after the CPython it reads; the test
        # matrix asks for one with HEAPSNAP_WALKER
        want = os.environ.get("HEAPSNAP_WALKER") or "%d.%d" % sys.version_info[:2]
        snap, st = self.dump()
        self.assertEqual(st["walker"], want)
        self.assertEqual(snap.header.get("walker"), want)
        self.assertIn(want, heapsnap.WALKERS)
        # dumpinfo shows it, human and --json
        hs_bin = os.environ.get("HS_BIN") or os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "..", "build",
            "bin")
        info = os.path.join(hs_bin, "dumpinfo")
        human = subprocess.run([info, snap.path], check=True, timeout=120,
                               stdout=subprocess.PIPE).stdout.decode()
        self.assertIn("\nwalker:", human)
        self.assertEqual([l.split()[1] for l in human.splitlines()
                          if l.startswith("walker:")], [want])
        js = json.loads(subprocess.run(
            [info, "--json", snap.path], check=True, timeout=120,
            stdout=subprocess.PIPE).stdout)
        self.assertEqual(js["walker"], want)
        old = os.environ.get("HEAPSNAP_WALKER")
        os.environ["HEAPSNAP_WALKER"] = "no-such-walker"
        try:
            with self.assertRaises(RuntimeError) as cm:
                heapsnap.dump(os.path.join(self.dir, "bad.snap"))
            self.assertIn("no-such-walker", str(cm.exception))
        finally:
            if old is None:
                del os.environ["HEAPSNAP_WALKER"]
            else:
                os.environ["HEAPSNAP_WALKER"] = old
        self.assertFalse(os.path.exists(os.path.join(self.dir, "bad.snap")))

    def test_weak_reference_to_an_object_held_from_c(self):
        # 3.13 keeps a thread-local's per-thread dummy from C only (one
        # strong reference, untracked) and the local weakly: the dummy is
        # dumped, held by a "refcount" root, and no reference is dropped
        loc = threading.local()
        loc.x = "v"
        snap, st = self.dump()
        self.assertEqual(st["dropped_refs"], 0)
        weak_targets = [t for o in snap.objects for _, t, f in snap.edges(o)
                        if f & 1]
        self.assertGreater(len(weak_targets), 0)
        self.assertTrue(all(t is not None for t in weak_targets))
        del loc

    def test_counts_equal_a_gc_walk(self):
        # a heap of the test's own types, some in unreachable cycles
        keep = [Leaf(i) for i in range(500)]
        keep += [MyList([i]) for i in range(300)]
        keep += [MyDict(k=i) for i in range(200)]
        gc.disable()
        try:
            for i in range(100):     # garbage cycles, still tracked
                a = Leaf(None)
                a.v = a
            # the gc-based walk: gc.get_objects() + gc.get_referents()
            seen = {}    # a dict: the walk's own set would be counted
            stack = gc.get_objects()
            counts = collections.Counter()
            while stack:
                o = stack.pop()
                if id(o) in seen:
                    continue
                seen[id(o)] = None
                counts[type_name(type(o))] += 1
                stack.extend(gc.get_referents(o))
            del seen, stack, o
            snap, _ = self.dump()
        finally:
            gc.enable()
        got = snap.counts()
        for t in (Leaf, MyList, MyDict, Slotted):
            n = type_name(t)
            self.assertEqual(got[n], counts[n], n)
        # every type tracked objects have only: equal counts too
        for n in ("builtins.function", "builtins.module", "builtins.cell",
                  "builtins.set", "builtins.property"):
            self.assertEqual(got[n], counts[n], n)
        # the walk sees less (no dict keys, code fields...), never more
        for n, c in counts.items():
            if n not in ("builtins.list", "builtins.dict", "builtins.tuple",
                         "builtins.int", "builtins.str", "builtins.frame",
                         "builtins.generator", "builtins.method",
                         "builtins.builtin_function_or_method"):
                self.assertGreaterEqual(got[n], c, n)
        del keep

    def test_capture_leaves_nothing_behind(self):
        p1 = os.path.join(self.dir, "a.snap")
        p2 = os.path.join(self.dir, "b.snap")
        before = sys.getrefcount(p1)
        heapsnap.dump(p1)
        heapsnap.dump(p2)
        self.assertEqual(sys.getrefcount(p1), before)
        a, b = Snap(p1), Snap(p2)
        self.assertEqual(a.counts(), b.counts())
        self.assertEqual(set(a.by_id), set(b.by_id))
        # no list as long as the heap's tracked objects (gc.get_objects)
        n = len(a.objects)
        for o in a.objects:
            if a.type_name(o) == "builtins.list":
                self.assertLess(len(o["refs"]), n // 4)

    def test_roots(self):
        snap, st = self.dump()
        kinds = collections.Counter(r[1] for r in snap.roots)
        self.assertEqual(kinds["sys.modules"], 1)
        self.assertEqual(kinds["builtins"], 1)
        self.assertGreater(kinds["frame"], 3)
        self.assertGreater(kinds["refcount"], 0)
        self.assertEqual(snap.objects[[r for r in snap.roots
                                       if r[1] == "sys.modules"][0][0]]["id"],
                         id(sys.modules))
        # a refcount root's extra is the surplus over referrers in the dump
        for idx, kind, label, extra in snap.roots:
            if kind == "refcount":
                self.assertGreater(extra, 0)
        mods = snap.of(sys.modules)
        self.assertIsNotNone(snap.edge(mods, "'heapsnap'"))
        self.assertEqual(snap.edge(mods, "'heapsnap'")["id"], id(heapsnap))

    def test_dump_while_threads_run(self):
        stop = threading.Event()

        def churn(k):
            data = {}
            i = 0
            while not stop.is_set():
                data[i % 1000] = [k, str(i), {"i": i}]
                if i % 3 == 0:
                    data.pop((i * 7) % 1000, None)
                i += 1

        threads = [threading.Thread(target=churn, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        stats = []
        try:
            for i in range(4):
                path = os.path.join(self.dir, "t%d.snap" % i)
                stats.append((path, heapsnap.dump(path)))
        finally:
            stop.set()
            for t in threads:
                t.join()
        for path, st in stats:
            self.assertEqual(st["dropped_refs"], 0)
            snap = Snap(path)
            self.assertEqual(snap.end[0], len(snap.objects))
            names = [r[2] for r in snap.roots if r[1] == "frame"]
            self.assertTrue(any("churn" in n for n in names))

    def test_running_generator_locals(self):
        path = os.path.join(self.dir, "gen.snap")

        def gen():
            held = "gen-local-" + UNIQ     # only this running frame has it
            heapsnap.dump(path)
            yield held

        value = next(gen())
        snap = Snap(path)
        r = snap.of(value)
        self.assertIsNotNone(r)
        kinds = [k for i, k, l, e in snap.roots if i == r["index"]]
        if sys.version_info >= (3, 11):
            self.assertEqual(kinds, ["frame"])
            return
        # 3.10: frames are objects: the running frame, a "frame" root,
        # holds the local
        framed = {i for i, k, l, e in snap.roots if k == "frame"}
        self.assertEqual(kinds, [])
        self.assertTrue(any(o["index"] in framed for o in snap.objects
                            if any(t is r for _, t, _ in snap.edges(o))))

    def test_allocation_sites_with_tracemalloc(self):
        import tracemalloc
        path = os.path.join(self.dir, "sites.snap")
        tracemalloc.start(4)
        try:
            made = [Leaf(i) for i in range(50)]; line = sys._getframe().f_lineno
            st = heapsnap.dump(path)
        finally:
            tracemalloc.stop()
        snap = Snap(path)
        self.assertGreater(st["sites"], 0)
        site = snap.of(made[7])["site"]
        self.assertIsNotNone(site)
        f, ln, fn = snap.sites[site][0]      # innermost frame first
        self.assertEqual(snap.strings[f], __file__)
        self.assertEqual(ln, line)
        # objects made on the same line with the same stack share the site
        self.assertEqual(snap.of(made[8])["site"], site)
        # without tracemalloc: no sites
        snap2, st2 = self.dump("nosite.snap")
        self.assertEqual(st2["sites"], 0)
        self.assertIsNone(snap2.of(made[7])["site"])

    def test_gc_lists_intact_after_dump(self):
        # the walk keeps indices in the gc headers: they must be relinked
        objs = [Leaf(i) for i in range(2000)]
        cycle = Leaf(None)
        cycle.v = cycle
        probe = weakref.ref(cycle)
        before = len(gc.get_objects())
        heapsnap.dump(os.path.join(self.dir, "g.snap"))
        self.assertEqual(len(gc.get_objects()), before)
        del objs[::2]          # frees tracked objects: unlinks them
        del cycle
        self.assertGreaterEqual(gc.collect(), 1)
        self.assertIsNone(probe())
        self.assertEqual(gc.isenabled(), True)

    def test_frozen_objects_are_dumped(self):
        frozen = Slotted()
        frozen.left = "frozen-" + UNIQ
        gc.freeze()
        try:
            snap, _ = self.dump()
        finally:
            gc.unfreeze()
        r = snap.of(frozen)
        self.assertIsNotNone(r)
        self.assertEqual(snap.edge(r, "left")["preview"], frozen.left)

    def test_errors(self):
        with self.assertRaises(OSError):
            heapsnap.dump("/nonexistent-dir/x.snap")
        with self.assertRaises(TypeError):
            heapsnap.dump(os.path.join(self.dir, "y.snap"), bogus=1)
        with self.assertRaises(TypeError):
            heapsnap.dump()
        self.assertFalse(os.path.exists(os.path.join(self.dir, "y.snap")))
        with self.assertRaises(ValueError):
            heapsnap.read_records(__file__)


if __name__ == "__main__":
    unittest.main()
