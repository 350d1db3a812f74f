"""What a user sees of a dump is what their code holds: list and tuple
items by their true index, no object of the capture's own, redaction of
keys that are not identifiers, sizes that are what objects cost (with
sys.getsizeof kept beside them) and the process's RSS, thread names.
Each case is built in a child interpreter and its dump checked here."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

from snaputil import Snap, decompressed, python_env


def tool(name):
    top = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    return os.path.join(os.environ.get("HS_BIN") or
                        os.path.join(top, "build", "bin"), name)


class FidelityTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hs-fid-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def only_on(self, versions, what):
        """Skips, saying why, on a CPython where the capture does not do
        what (capture/python/README.md: read on 3.11's layout only)."""
        if sys.version_info[:2] not in versions:
            why = "%s: not done on CPython %d.%d" % ((what,) +
                                                      sys.version_info[:2])
            print("skip: " + why, file=sys.stderr)
            self.skipTest(why)

    def child(self, body, *args):
        """Runs body with sys.argv[1] = a dump path in the temp dir;
        returns (stdout lines, dump path)."""
        path = os.path.join(self.dir, "child.py")
        with open(path, "w") as f:
            f.write(textwrap.dedent(body))
        out = os.path.join(self.dir, "x.snap")
        p = subprocess.run([sys.executable, path, out] + list(args),
                           env=python_env(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        return p.stdout.decode().split("\n"), out

    def run_tool(self, *args):
        p = subprocess.run([tool(args[0])] + list(args[1:]),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        return p.stdout.decode()

    def test_list_and_tuple_items_by_true_index(self):
        lines, path = self.child("""
            import sys, heapsnap
            class InLong: pass
            class InOdd: pass
            class InTuple: pass
            class InSub: pass
            class Tagged(list): pass
            LONG = [None] * 1000
            LONG[900] = InLong()
            ODD = [None, InOdd(), "small", None]
            TUP = tuple([0] * 300 + [InTuple()] + [0] * 699)
            SUB = Tagged([1, 2, InSub()])
            SUB.tag = "t"
            print(id(LONG), id(ODD), id(TUP), id(SUB), id(LONG[900]))
            heapsnap.dump(sys.argv[1])
        """)
        ids = [int(x) for x in lines[0].split()]
        snap = Snap(path)
        want = {ids[0]: ("[900]", "__main__.InLong"),
                ids[1]: ("[1]", "__main__.InOdd"),
                ids[2]: ("[300]", "__main__.InTuple"),
                ids[3]: ("[2]", "__main__.InSub")}
        for oid, (label, tname) in want.items():
            o = snap.by_id[oid]
            got = [l for l, t, _ in snap.edges(o)
                   if snap.type_name(t) == tname]
            self.assertEqual(got, [label], tname)
        sub = snap.by_id[ids[3]]
        labels = [l for l, _, _ in snap.edges(sub)]
        self.assertTrue({"tag", "__dict__"} & set(labels), labels)
        self.assertEqual([l for l in labels if l and l.startswith("[")],
                         ["[0]", "[1]", "[2]"])
        # every item of the long list, in order
        long_labels = [l for l, _, _ in snap.edges(snap.by_id[ids[0]])]
        self.assertEqual(long_labels, ["[%d]" % i for i in range(1000)])
        # the tools read the same labels
        out = self.run_tool("dumppath", path, "0x%x" % ids[4])
        self.assertIn("builtins.list[900]", out)

    def test_no_probe_class_of_the_capture(self):
        lines, path = self.child("""
            import gc, sys
            gc.disable()          # what the import left would stay
            import heapsnap
            heapsnap.dump(sys.argv[1])
        """)
        snap = Snap(path)
        self.assertFalse([n for n in snap.types.values() if "probe" in n])
        self.assertFalse(b"_heapsnap_probe" in decompressed(path))

    def test_redaction_hashes_keys_that_are_not_identifiers(self):
        lines, path = self.child("""
            import sys, heapsnap
            class Holder: pass
            h = Holder()
            setattr(h, "apikey-ZZZ-999", 1)
            h.plain_name = 2
            globals()["token-SECRET-42"] = 1
            globals()["x" * 100] = 3        # an identifier, but long
            heapsnap.dump(sys.argv[1], redact=True)
            heapsnap.dump(sys.argv[1] + ".2", redact=True)
            heapsnap.dump(sys.argv[1] + ".plain")
        """)
        plain = decompressed(path + ".plain")
        red = decompressed(path)
        for secret in (b"ZZZ-999", b"SECRET-42", b"x" * 50):
            self.assertTrue(secret in plain)     # the test can fail
            self.assertFalse(secret in red, secret)
        labels = set(Snap(path).strings.values())
        # 3.10 keeps the attributes in the instance's dict: the label is
        # the key's repr there
        self.assertIn("'plain_name'" if sys.version_info < (3, 11)
                      else "plain_name", labels)
        hashed = sorted(l for l in labels if re.match(r"^<key#[0-9a-f]{6}>$",
                                                       l or ""))
        self.assertGreaterEqual(len(hashed), 3)
        # stable: a second dump names them alike
        again = set(Snap(path + ".2").strings.values())
        self.assertTrue(set(hashed) <= again)

    def test_instance_size_is_what_it_costs(self):
        lines, path = self.child("""
            import sys, tracemalloc, heapsnap
            class P:
                def __init__(self, i):
                    self.a = self.b = self.c = self.d = None
            P(0)                  # the class's shared keys settle
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            ps = [P(i) for i in range(20000)]
            cost = (tracemalloc.get_traced_memory()[0] - before
                    - sys.getsizeof(ps)) / len(ps)
            tracemalloc.stop()
            with open("/proc/self/statm") as f:
                rss = int(f.read().split()[1]) * 4096
            print(id(ps[-1]), sys.getsizeof(ps[-1]), cost, rss)
            heapsnap.dump(sys.argv[1])
        """)
        oid, gso, cost, rss = lines[0].split()
        snap = Snap(path)
        o = snap.by_id[int(oid)]
        if sys.version_info < (3, 11):
            # 3.10: the instance and its __dict__, two objects at
            # their sys.getsizeof
            self.assertEqual(o["size"], int(gso))
            d = snap.edge(o, "__dict__")
            self.assertIsNotNone(d, list(snap.edges(o)))
            self.assertLess(abs(o["size"] + d["size"] -
                                float(cost)), 1.0, (o, cost))
        else:
            # tracemalloc: the object and its values array (3.11, 3.12:
            # allocated apart; 3.13: inside the object), 96 to 104 B
            # where sys.getsizeof says 48 to 56; within 1 B of the
            # average (the first instances of a class have longer
            # arrays)
            self.assertGreater(o["size"], int(gso))
            self.assertLess(abs(o["size"] - float(cost)), 1.0, (o, cost))
            self.assertEqual(o["getsizeof"], int(gso))
        h = snap.header["rss"]
        self.assertGreater(h, int(rss) // 2)
        self.assertLess(h, int(rss) * 2)
        out = self.run_tool("dumpinfo", path)
        self.assertIn("process RSS", out)
        if sys.version_info >= (3, 11):     # 3.10: no difference
            self.assertIn("runtime's sizes", out)
        a = self.run_tool("dumptypes", "--json", "--top", "0", path)
        g = self.run_tool("dumptypes", "--json", "--top", "0", "--sizes",
                          "getsizeof", path)
        pa = re.search(r'"type":"__main__.P"[^}]*"shallow":(\d+)', a)
        pg = re.search(r'"type":"__main__.P"[^}]*"shallow":(\d+)', g)
        self.assertIsNotNone(pa, a[:300])
        self.assertEqual(int(pg.group(1)), 20000 * int(gso))
        if sys.version_info >= (3, 11):
            self.assertGreater(int(pa.group(1)), int(pg.group(1)))

    def test_generator_coroutine_traceback_labels(self):
        lines, path = self.child("""
            import sys, heapsnap
            class InGen: pass
            class InCoro: pass
            class InTb: pass
            def gen():
                gen_local = InGen()
                yield 1
            G = gen()
            next(G)
            class Aw:
                def __await__(self):
                    yield
            async def co():
                coro_local = InCoro()
                await Aw()
            C = co()
            C.send(None)
            def fails():
                tb_local = InTb()
                raise RuntimeError("x")
            try:
                fails()
            except RuntimeError as e:
                ERR = e
            print(id(G), id(C), id(ERR))
            heapsnap.dump(sys.argv[1])
        """)
        g, c, err = (int(x) for x in lines[0].split())
        snap = Snap(path)

        def step(o, label):
            t = snap.edge(o, label)
            self.assertIsNotNone(t, (label, [l for l, _, _ in
                                              snap.edges(o)]))
            return t

        def local(o, frame, name):
            # 3.10: a generator's frame is an object of its own
            if sys.version_info < (3, 11):
                o = step(o, frame)
                self.assertEqual(snap.type_name(o), "builtins.frame")
            return step(o, name)

        self.assertEqual(snap.type_name(local(snap.by_id[g], "gi_frame",
                                              "gen_local")),
                         "__main__.InGen")
        self.assertEqual(snap.type_name(step(snap.by_id[g], "gi_code")),
                         "builtins.code")
        self.assertEqual(snap.type_name(local(snap.by_id[c], "cr_frame",
                                              "coro_local")),
                         "__main__.InCoro")
        step(snap.by_id[c], "cr_code")
        tb = step(snap.by_id[err], "__traceback__")
        self.assertEqual(snap.type_name(tb), "builtins.traceback")
        fr = step(step(tb, "tb_next"), "tb_frame")
        self.assertEqual(snap.type_name(fr), "builtins.frame")
        self.assertEqual(snap.type_name(step(fr, "tb_local")),
                         "__main__.InTb")

    def test_value_stack_temporaries(self):
        """Objects held only by running frames' value stacks: a bytes
        another thread passes to a blocked os.write, and an argument the
        dumping frame has built when dump() runs."""
        lines, path = self.child("""
            import fcntl, os, struct, sys, termios, threading, time
            import heapsnap
            r, w = os.pipe()
            def writer():
                os.write(w, bytes(40000000))   # blocks: nobody reads
            t = threading.Thread(target=writer, name="blocked-writer",
                                 daemon=True)
            t.start()
            while struct.unpack("i", fcntl.ioctl(r, termios.FIONREAD,
                                                 b"1234"))[0] < 65536:
                time.sleep(0.01)
            def held(a, b):
                return b
            st = held(bytes(30000000), heapsnap.dump(sys.argv[1]))
            print(st["stack_roots"], st["stack_unchecked"])
            sys.stdout.flush()
            os._exit(0)
        """)
        found, unchecked = (int(x) for x in lines[0].split())
        snap = Snap(path)
        big = {o["size"] // 1000000: o for o in snap.objects
               if snap.type_name(o) == "builtins.bytes" and
               o["size"] >= 30000000}
        self.assertEqual(sorted(big), [30, 40], sorted(big))
        roots = {}
        for idx, kind, label, _ in snap.roots:
            roots.setdefault(idx, []).append((kind, label or ""))
        for mb, thread in ((40, "blocked-writer"), (30, "MainThread")):
            mine = roots.get(snap.objects.index(big[mb]), [])
            self.assertTrue([l for k, l in mine if k == "stack" and
                             thread in l and "<stack" in l], mine)
        self.assertGreaterEqual(found, 2)
        self.assertGreaterEqual(unchecked, 0)
        # the path a user asks for names the thread and the frame
        out = self.run_tool("dumppath", path, "0x%x" % big[40]["id"])
        self.assertIn("blocked-writer", out)
        self.assertIn("writer", out)

    def test_lru_cache_results_by_key(self):
        lines, path = self.child("""
            import functools, sys, heapsnap
            class Res: pass
            @functools.lru_cache(maxsize=64)
            def bounded(*args):
                return Res()
            @functools.lru_cache(maxsize=None)
            def unbounded(key):
                return Res()
            bounded("k-alpha-1")
            bounded(7)
            bounded(2, "x")
            unbounded("beta")
            print(id(bounded), id(unbounded))
            heapsnap.dump(sys.argv[1])
            heapsnap.dump(sys.argv[1] + ".red", redact=True)
        """)
        b, u = (int(x) for x in lines[0].split())
        snap = Snap(path)
        got = sorted(l for l, t, _ in snap.edges(snap.by_id[b])
                     if snap.type_name(t) == "__main__.Res")
        self.assertEqual(got, ["'k-alpha-1'", "(2, 'x')", "7"])
        cache = snap.edge(snap.by_id[u], "<cache>")
        self.assertIsNotNone(cache, snap.edges(snap.by_id[u]))
        self.assertEqual(snap.type_name(snap.edge(cache, "'beta'")),
                         "__main__.Res")
        out = self.run_tool("dumppath", path, "--type", "__main__.Res")
        self.assertIn("'k-alpha-1'", out)
        # a redacted dump names no key
        self.assertTrue(b"k-alpha-1" in decompressed(path))
        self.assertFalse(b"k-alpha-1" in decompressed(path + ".red"))

    def test_thread_names_and_native_ids(self):
        self.only_on([(3, 11), (3, 12), (3, 13)],
                     "the native thread id (3.10's thread states lack it)")
        lines, path = self.child("""
            import sys, threading, heapsnap
            ev = threading.Event()
            def work():
                held_by_worker = ["w"] * 3
                ev.wait()
            t = threading.Thread(target=work, name="worker-seven")
            t.start()
            print(t.native_id, threading.main_thread().native_id)
            heapsnap.dump(sys.argv[1])
            ev.set()
            t.join()
        """)
        native, main_native = lines[0].split()
        labels = [r[2] or "" for r in Snap(path).roots if r[1] == "frame"]
        worker = [l for l in labels if "held_by_worker" in l]
        self.assertTrue(worker, labels[:5])
        self.assertIn("worker-seven", worker[0])
        self.assertIn(native, worker[0])
        self.assertTrue(any("MainThread" in l and main_native in l
                            for l in labels), labels[:5])


if __name__ == "__main__":
    unittest.main()
