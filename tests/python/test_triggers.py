"""Triggers and processes: signal, RSS and cgroup watchdogs, MemoryError,
`python3 -m heapsnap run`, redaction, and a dump inside a process held to
a small memory budget.  Each case runs a child interpreter."""
import csv
import glob
import io
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

from snaputil import Snap, decompressed, python_env

CG_V1 = "/sys/fs/cgroup/memory"


def wait_for(pred, timeout=30.0):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    return pred()


class ChildTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hs-trig-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def script(self, body, name="child.py"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(textwrap.dedent(body))
        return path

    def snaps(self, reason=None):
        pat = "heapsnap-%s.snap" % ("*-" + reason if reason else "*")
        return sorted(glob.glob(os.path.join(self.dir, "out", pat)))

    def start(self, args, **kw):
        return subprocess.Popen([sys.executable] + args, env=python_env(),
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, **kw)

    def test_signal(self):
        s = self.script("""
            import sys, time, heapsnap
            heapsnap.enable(sys.argv[1])
            data = [str(i) for i in range(1000)]
            print("ready", flush=True)
            while True:
                time.sleep(0.01)
        """)
        p = self.start([s, os.path.join(self.dir, "out")])
        try:
            self.assertEqual(p.stdout.readline().strip(), b"ready")
            p.send_signal(signal.SIGUSR1)
            files = wait_for(lambda: self.snaps("signal"))
            self.assertEqual(len(files), 1, os.listdir(self.dir))
            snap = Snap(files[0])
            self.assertEqual(snap.header["reason"], "signal")
            self.assertEqual(snap.header["pid"], p.pid)
            self.assertIn("-%d-" % p.pid, os.path.basename(files[0]))
            p.send_signal(signal.SIGUSR1)
            self.assertEqual(len(wait_for(
                lambda: len(self.snaps("signal")) == 2 and
                self.snaps("signal"))), 2)
        finally:
            p.kill()
            p.wait()

    def test_rss_limit_fires_once_per_crossing(self):
        s = self.script("""
            import sys, time, heapsnap
            from heapsnap import _triggers
            base = _triggers.memory_usage()["rss"]
            heapsnap.enable(sys.argv[1], signal=None,
                            rss_limit=base + (60 << 20), interval=0.02)
            def wait_files(n):
                import glob
                end = time.time() + 20
                while time.time() < end:
                    if len(glob.glob(sys.argv[1] + "/*-rss.snap")) >= n:
                        return
                    time.sleep(0.02)
            big = bytearray(100 << 20)     # over the limit
            wait_files(1)
            time.sleep(0.3)                # still over: no second dump
            del big                        # back under 0.9 * limit: re-arm
            time.sleep(0.3)
            big = bytearray(100 << 20)     # over again: second dump
            wait_files(2)
            time.sleep(0.2)
            print("done", flush=True)
        """)
        out = os.path.join(self.dir, "out")
        p = self.start([s, out])
        o, e = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, e)
        files = self.snaps("rss")
        self.assertEqual(len(files), 2, (os.listdir(out), e))
        self.assertEqual(Snap(files[0]).header["reason"], "rss")

    def test_max_dumps_keeps_the_newest(self):
        s = self.script("""
            import sys, heapsnap
            t = heapsnap.enable(sys.argv[1], signal=None, max_dumps=2)
            for i in range(4):
                t.fire("manual%d" % i)
        """)
        p = self.start([s, os.path.join(self.dir, "out")])
        o, e = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, e)
        names = [os.path.basename(f) for f in self.snaps()]
        self.assertEqual(len(names), 2, names)
        self.assertTrue(names[0].endswith("-manual2.snap"), names)
        self.assertTrue(names[1].endswith("-manual3.snap"), names)

    def test_memory_error_hook(self):
        s = self.script("""
            import sys, heapsnap
            heapsnap.enable(sys.argv[1], signal=None, on_memory_error=True)
            hoard = ["x" * 100 for i in range(1000)]
            raise MemoryError("simulated")
        """)
        p = self.start([s, os.path.join(self.dir, "out")])
        o, e = p.communicate(timeout=120)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"MemoryError: simulated", e)
        files = self.snaps("memory_error")
        self.assertEqual(len(files), 1, e)
        self.assertEqual(Snap(files[0]).header["reason"], "memory_error")

    def test_classes_of_one_name_are_told_apart(self):
        # two classes both named Item, made by one function: the type
        # records carry each class's id, so dumptypes merges them into one
        # row "(2 classes)" and --split-classes shows a row each
        s = self.script("""
            import sys, heapsnap
            def make():
                class Item:
                    pass
                return Item
            A, B = make(), make()
            keep = [A() for _ in range(3)] + [B() for _ in range(5)]
            st = heapsnap.dump(sys.argv[1])
            print(st["walker"])
            print(id(A))
            print(id(B))
        """)
        out = os.path.join(self.dir, "two.snap")
        p = subprocess.run([sys.executable, s, out], env=python_env(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        walker, *ids = p.stdout.decode().split()
        self.assertEqual(walker, os.environ.get("HEAPSNAP_WALKER") or
                         "%d.%d" % sys.version_info[:2])
        hs_bin = os.environ.get("HS_BIN") or os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "..", "build",
            "bin")
        dt = os.path.join(hs_bin, "dumptypes")

        def rows(*opts):
            out_ = subprocess.run([dt, "--top", "0", "--csv"] + list(opts) +
                                  [out], check=True, stdout=subprocess.PIPE,
                                  timeout=120).stdout.decode()
            return [r for r in csv.DictReader(io.StringIO(out_))
                    if r["type"].startswith("__main__.make.<locals>.Item")]
        merged = rows()
        self.assertEqual([(int(r["count"]), r["classes"]) for r in merged],
                         [(8, "2")])
        split = rows("--split-classes")
        self.assertEqual(sorted(int(r["count"]) for r in split), [3, 5])
        # each row names its class object: the type ids are the classes'
        self.assertEqual(sorted(int(r["type_id"]) for r in split),
                         sorted([int(l) for l in ids]))

    def test_run_command(self):
        s = self.script("""
            import sys
            print("argv", sys.argv[1:], __name__, flush=True)
            keep = {"k%d" % i: [i] for i in range(100)}
        """, name="app.py")
        out = os.path.join(self.dir, "out")
        p = self.start(["-m", "heapsnap", "run", "--dir", out, "--on-exit",
                        "--signal", "none", "--rss-limit", "64G",
                        "--max-dumps", "3", s, "one", "--two"])
        o, e = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, e)
        self.assertIn(b"argv ['one', '--two'] __main__", o)
        files = self.snaps("exit")
        self.assertEqual(len(files), 1, e)
        snap = Snap(files[0])
        self.assertEqual(snap.header["reason"], "exit")
        keys = {snap.strings[l] for o in snap.objects for l in o["labels"]
                if l is not None}
        self.assertTrue("'k99'" in keys, "the script's dict is in the dump")
        p = self.start(["-m", "heapsnap", "run", "--rss-limit", "lots", s])
        o, e = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"not a size", e)
        p = self.start(["-m", "heapsnap", "run", "--help"])
        o, e = p.communicate(timeout=60)
        for opt in (b"--signal", b"--rss-limit", b"--cgroup-fraction",
                    b"--dir", b"--on-exit"):
            self.assertIn(opt, o)

    def test_run_path_is_the_scripts(self):
        """`-m heapsnap run sub/s.py` runs as `python3 sub/s.py` would:
        the script's directory first on sys.path, not the current one
        (whose textwrap.py would shadow the standard library)."""
        sub = os.path.join(self.dir, "sub")
        os.mkdir(sub)
        self.script("print('SHADOW', flush=True)\n", name="textwrap.py")
        self.script("""
            import sys, textwrap, argparse
            print("path0", sys.path[0], flush=True)
            print("cwd-on-path", any(p in ("", %r) for p in sys.path),
                  flush=True)
            print("textwrap", textwrap.__file__, flush=True)
        """ % self.dir, name="sub/s.py")
        p = self.start(["-m", "heapsnap", "run", "--signal", "none",
                        "sub/s.py"], cwd=self.dir)
        o, e = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, e)
        self.assertNotIn(b"SHADOW", o)
        self.assertIn(("path0 %s\n" % sub).encode(), o)
        self.assertIn(b"cwd-on-path False", o)
        p = self.start(["-m", "heapsnap", "dump", "x.snap", "sub/s.py"],
                       cwd=self.dir)
        o, e = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, e)
        self.assertNotIn(b"SHADOW", o)
        self.assertIn(b"cwd-on-path False", o)

    def test_redact(self):
        s = self.script("""
            import sys, heapsnap
            class Session:
                def __init__(self, token, secret):
                    self.token = token
                    self.secret = secret
            secrets = ["TOPSECRET-%d-value" % i for i in range(50)]
            by_token = {"TOKEN-%d-key" % i: Session("TOKEN-%d-key" % i,
                        secrets[i]) for i in range(50)}
            blob = b"BYTESSECRET-" * 10
            pw = "PASSWORD-hunter2-" + str(len(secrets))
            heapsnap.dump(sys.argv[1] + "/plain.snap")
            heapsnap.dump(sys.argv[1] + "/redacted.snap", redact=True)
        """)
        p = self.start([s, self.dir])
        o, e = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, e)
        plain = decompressed(os.path.join(self.dir, "plain.snap"))
        red = decompressed(os.path.join(self.dir, "redacted.snap"))
        words = [b"TOPSECRET-", b"TOKEN-", b"BYTESSECRET", b"PASSWORD-hunter2"]
        for w in words:      # the plain dump shows them: the test can fail
            self.assertIn(w, plain)
        for w in words:
            self.assertNotIn(w, red, w)
        # names of code stay: attribute names, module globals
        snap = Snap(os.path.join(self.dir, "redacted.snap"))
        labels = set(snap.strings.values())
        # 3.10 keeps the attributes in an instance dict: a dict key there
        self.assertIn("token" if sys.version_info >= (3, 11) else "'token'",
                      labels)
        self.assertIn("'by_token'", labels)
        self.assertTrue(all(o["preview"] is None for o in snap.objects))

    def _budget_child(self):
        return self.script("""
            import sys, heapsnap
            class Rec:
                def __init__(self, i):
                    self.i = i
                    self.name = "rec-%d" % i
            data = [Rec(i) for i in range(100000)]
            st = heapsnap.dump(sys.argv[1])
            print("objects", st["objects"], "peak", st["peak_memory"],
                  flush=True)
        """)

    @unittest.skipUnless(os.geteuid() == 0 and os.path.isdir(CG_V1) and
                         os.access(CG_V1, os.W_OK),
                         "needs a writable cgroup v1 memory hierarchy")
    def test_dump_in_small_memory_cgroup(self):
        cg = os.path.join(CG_V1, "heapsnap-test-%d" % os.getpid())
        os.mkdir(cg)
        try:
            s = self._budget_child()
            # measure the heap first, then hold the child to it + 24 MiB
            # the probe dumps into the test's own directory: as root a
            # dump to /dev/null once replaced the device with a file
            probe = self.start(["-c", "import resource,runpy,sys;"
                                "sys.argv=['x',%r];" %
                                os.path.join(self.dir, "probe.snap") +
                                "runpy.run_path(%r);" % s +
                                "print(resource.getrusage("
                                "resource.RUSAGE_SELF).ru_maxrss)"])
            o, e = probe.communicate(timeout=120)
            self.assertEqual(probe.returncode, 0, e)
            peak = int(o.split()[-1]) * 1024
            # the dump itself needs ~5 MiB of writer + ~25 B/object
            limit = peak + (24 << 20)
            with open(os.path.join(cg, "memory.limit_in_bytes"), "w") as f:
                f.write(str(limit))
            with open(os.path.join(cg, "memory.memsw.limit_in_bytes"), "w") as f:
                f.write(str(limit))

            def enter():
                with open(os.path.join(cg, "cgroup.procs"), "w") as f:
                    f.write(str(os.getpid()))

            out = os.path.join(self.dir, "budget.snap")
            p = self.start([s, out], preexec_fn=enter)
            o, e = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, e)
            with open(os.path.join(cg, "memory.max_usage_in_bytes")) as f:
                used = int(f.read())
            self.assertLessEqual(used, limit)
            snap = Snap(out)
            self.assertEqual(snap.counts()["__main__.Rec"], 100000)
        finally:
            for _ in range(50):
                try:
                    os.rmdir(cg)
                    break
                except OSError:
                    time.sleep(0.1)

    def test_dump_under_rlimit_as(self):
        s = self._budget_child()
        probe = self.start(["-c", "import runpy,sys;"
                            "sys.argv=['x',%r];" %
                            os.path.join(self.dir, "probe.snap") +
                            "runpy.run_path(%r);" % s +
                            "print(open('/proc/self/status').read())"])
        o, e = probe.communicate(timeout=120)
        self.assertEqual(probe.returncode, 0, e)
        vm = [l for l in o.decode().splitlines() if l.startswith("VmPeak")]
        peak = int(vm[0].split()[1]) * 1024
        limit = peak + (48 << 20)

        def cap():
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        out = os.path.join(self.dir, "rlimit.snap")
        p = self.start([s, out], preexec_fn=cap)
        o, e = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, e)
        self.assertEqual(Snap(out).counts()["__main__.Rec"], 100000)

    @unittest.skipUnless(os.geteuid() == 0 and os.path.isdir(CG_V1) and
                         os.access(CG_V1, os.W_OK),
                         "needs a writable cgroup v1 memory hierarchy")
    def test_cgroup_fraction_trigger(self):
        cg = os.path.join(CG_V1, "heapsnap-trig-%d" % os.getpid())
        os.mkdir(cg)
        try:
            with open(os.path.join(cg, "memory.limit_in_bytes"), "w") as f:
                f.write(str(400 << 20))
            s = self.script("""
                import sys, time, glob, heapsnap
                heapsnap.enable(sys.argv[1], signal=None,
                                cgroup_fraction=0.5, interval=0.02)
                big = bytearray(260 << 20)
                for i in range(0, len(big), 4096):
                    big[i] = 1
                end = time.time() + 20
                while time.time() < end and not glob.glob(
                        sys.argv[1] + "/*-cgroup.snap"):
                    time.sleep(0.02)
            """)

            def enter():
                with open(os.path.join(cg, "cgroup.procs"), "w") as f:
                    f.write(str(os.getpid()))

            p = self.start([s, os.path.join(self.dir, "out")],
                           preexec_fn=enter)
            o, e = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, e)
            files = self.snaps("cgroup")
            self.assertEqual(len(files), 1, e)
            self.assertEqual(Snap(files[0]).header["reason"], "cgroup")
        finally:
            for _ in range(50):
                try:
                    os.rmdir(cg)
                    break
                except OSError:
                    time.sleep(0.1)


if __name__ == "__main__":
    unittest.main()
