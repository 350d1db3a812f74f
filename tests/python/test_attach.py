"""`python3 -m heapsnap attach PID`: targets that never imported heapsnap
(sleeping, spinning in pure Python, blocked in a read, running threads,
holding the GIL in a C call) are dumped with the exact count of a known
class, then finish their work and exit 0; the errors (not CPython, no such
process, another user, a version with no matching heapsnap, a target that
exits, a timeout) are clear and leave the target running."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from snaputil import decompressed, python_env

import heapsnap
from heapsnap import _attach

HS_BIN = os.environ.get("HS_BIN") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "bin")

# The target: builds MARKERS instances of Marker and a secret, says
# "ready", waits in the given way until SIGUSR2 (or its input), then
# checks that its state is intact, says "done ..." and exits 0.
TARGET = r'''
import os, signal, sys, threading, time
mode, count = sys.argv[1], int(sys.argv[2])

class Marker:
    def __init__(self, i):
        self.i = i

class Done(Exception):
    pass

keep = [Marker(i) for i in range(count)]
secret = {"attach-secret-key": "attach-secret-value-%d" % os.getpid()}
stop = threading.Event()

def on_usr2(signum, frame):
    stop.set()
    if mode == "sleep":
        raise Done()

signal.signal(signal.SIGUSR2, on_usr2)
work = 0
if mode == "threads":
    counts = [0, 0, 0]
    def worker(k):
        junk = []
        while not stop.is_set():
            junk.append([k])
            if len(junk) > 500:
                del junk[:]
            counts[k] += 1
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(3)]
    for t in ts:
        t.start()
print("ready", flush=True)
if mode == "sleep":
    try:
        time.sleep(3600)
    except Done:
        pass
    work = 1
elif mode == "spin":
    # the loop's count, in a shared page: the test waits for it to move
    # (the loop makes no system call, so gdb finds it in none)
    import mmap
    with open("spin.count", "r+b") as f:
        page = mmap.mmap(f.fileno(), 8)
    while not stop.is_set():
        work += 1
        if not work & 1023:
            page[0:8] = work.to_bytes(8, "little")
elif mode == "read":
    data = sys.stdin.buffer.read()
    work = int(data == b"x" * 100000)
elif mode == "threads":
    for t in ts:
        t.join()
    work = int(all(counts))
elif mode == "gil":
    # a C call that holds the GIL while it blocks: ctypes.PyDLL
    import ctypes
    buf = ctypes.create_string_buffer(1)
    ctypes.PyDLL(None).read(0, buf, 1)
    work = int(buf.raw == b"g")
ok = work > 0 and len(keep) == count and \
    all(m.i == i for i, m in enumerate(keep))
print("done %s %d" % ("ok" if ok else "BROKEN", work), flush=True)
'''


def counts_of(path, name):
    r = subprocess.run([os.path.join(HS_BIN, "dumptypes"), "--json", "--top",
                        "0", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    if r.returncode:
        raise AssertionError("dumptypes %s: %s" % (path, r.stderr.decode()))
    return sum(t["count"] for t in json.loads(r.stdout)["types"]
               if t["type"] == name)


def tracer(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("TracerPid:"):
                return int(line.split()[1])
    return -1


class AttachTest(unittest.TestCase):
    def setUp(self):
        if not shutil.which("gdb") and sys.version_info < (3, 14):
            self.skipTest("no gdb (make deps installs it)")
        self.dir = tempfile.mkdtemp(prefix="hs-attach-")
        self.target_py = os.path.join(self.dir, "target.py")
        with open(self.target_py, "w") as f:
            f.write(TARGET)
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, mode, count, python=None, pre=()):
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)     # the target never sees heapsnap
        p = subprocess.Popen(list(pre) + [python or sys.executable,
                                          self.target_py, mode, str(count)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env, cwd=self.dir)
        self.procs.append(p)
        line = p.stdout.readline()
        self.assertEqual(line, b"ready\n", p.stderr.read() if not line else "")
        return p

    def attach(self, pid, *args, timeout=180, **kw):
        return subprocess.run([sys.executable, "-m", "heapsnap", "attach"] +
                              list(args) + [str(pid)], env=python_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, universal_newlines=True, **kw)

    def finish(self, p, data=None):
        if data is None:
            p.send_signal(signal.SIGUSR2)
        out, err = p.communicate(data, timeout=120)
        self.assertEqual(p.returncode, 0, err)
        self.assertTrue(out.startswith(b"done ok "), (out, err))

    def dump_of(self, mode, count, path_kind, data=None):
        if mode == "spin":
            with open(os.path.join(self.dir, "spin.count"), "wb") as f:
                f.write(bytes(8))
        p = self.start(mode, count)
        deadline = time.monotonic() + 120
        while mode == "spin" and not any(open(os.path.join(
                self.dir, "spin.count"), "rb").read()):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.01)
        out = os.path.join(self.dir, mode + ".snap")
        r = self.attach(p.pid, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("wrote %s (" % out, r.stderr)
        if sys.version_info < (3, 14):
            self.assertIn("via gdb, %s" % path_kind, r.stderr)
        self.assertEqual(counts_of(out, "__main__.Marker"), count)
        self.finish(p, data)
        return out

    def test_sleeping_target(self):
        out = self.dump_of("sleep", 1234, "thread")
        snap_header = heapsnap.read_records(out)[0]
        self.assertEqual(snap_header[0], "header")
        self.assertEqual(snap_header[1]["reason"], "attach")

    def test_spinning_target(self):
        # no thread is in a system call: the pending call
        self.dump_of("spin", 777, "pending")

    def test_target_blocked_in_read(self):
        self.dump_of("read", 555, "thread", data=b"x" * 100000)

    def test_target_running_threads(self):
        self.dump_of("threads", 999, "thread")

    def test_twice_and_redacted(self):
        p = self.start("sleep", 300)
        a, b = os.path.join(self.dir, "a.snap"), os.path.join(self.dir, "b.snap")
        self.assertEqual(self.attach(p.pid, "-o", a).returncode, 0)
        r = self.attach(p.pid, "--redact", "-o", b)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(counts_of(b, "__main__.Marker"), 300)
        secret = ("attach-secret-value-%d" % p.pid).encode()
        self.assertIn(secret, decompressed(a))
        raw = decompressed(b)
        self.assertNotIn(secret, raw)
        self.assertNotIn(b"attach-secret-key", raw)
        self.finish(p)

    def test_default_output_name(self):
        p = self.start("sleep", 10)
        r = self.attach(p.pid, cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        names = [n for n in os.listdir(self.dir) if n.endswith(".snap")]
        self.assertEqual(len(names), 1, names)
        self.assertRegex(names[0], r"^heapsnap-%d-\d{8}-\d{6}\.\d{3}-attach\.snap$"
                         % p.pid)
        self.finish(p)

    def test_timeout_leaves_the_target_running(self):
        # the target holds the GIL in a read: no Python code can run
        p = self.start("gil", 50)
        out = os.path.join(self.dir, "never.snap")
        t = time.monotonic()
        r = self.attach(p.pid, "--timeout", "3", "-o", out)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no dump from process %d after 3 s" % p.pid, r.stderr)
        self.assertIsNone(p.poll())
        self.assertLess(time.monotonic() - t, 120)
        # released, it finishes; the late script sees attach gave up
        self.finish(p, data=b"g")
        self.assertFalse(os.path.exists(out))

    def test_target_exits_during_attach(self):
        p = self.start("gil", 50)
        a = subprocess.Popen([sys.executable, "-m", "heapsnap", "attach",
                              "-o", os.path.join(self.dir, "gone.snap"),
                              str(p.pid)], env=python_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True)
        self.procs.append(a)
        # gdb is gone and the injected thread waits for the GIL: then the
        # target dies
        deadline = time.monotonic() + 120
        while len(os.listdir("/proc/%d/task" % p.pid)) < 2 or \
                tracer(p.pid) != 0:
            self.assertLess(time.monotonic(), deadline, "no attach thread")
            self.assertIsNone(a.poll(), a.stderr.read() if a.poll() else "")
            time.sleep(0.02)
        p.kill()
        p.wait()
        _, err = a.communicate(timeout=60)
        self.assertEqual(a.returncode, 2)
        self.assertIn("process %d exited before it wrote the dump" % p.pid,
                      err)

    def test_not_cpython(self):
        p = subprocess.Popen(["sleep", "60"])
        self.procs.append(p)
        r = self.attach(p.pid)
        self.assertEqual(r.returncode, 2)
        self.assertIn("is not a CPython process", r.stderr)

    def test_no_such_process(self):
        pid = 4194304 + 1       # above pid_max's limit
        r = self.attach(pid)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no process %d" % pid, r.stderr)
        r = self.attach(os.getpid(), "--timeout", "0")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--timeout", r.stderr)

    def test_other_python_version(self):
        mine = "%d.%d" % sys.version_info[:2]
        other = None
        roots = [os.path.join(os.environ.get("PYENV_ROOT", os.path.expanduser(
            "~/.pyenv")), "versions")]
        for root in roots:
            for v in sorted(os.listdir(root)) if os.path.isdir(root) else []:
                exe = os.path.join(root, v, "bin", "python3")
                if not v.startswith(mine + ".") and v.startswith("3.") and \
                        os.access(exe, os.X_OK):
                    other, ver = exe, ".".join(v.split(".")[:2])
                    break
            if other:
                break
        if not other:
            self.skipTest("no other CPython version here")
        p = self.start("sleep", 5, python=other)
        r = self.attach(p.pid)
        self.assertEqual(r.returncode, 2)
        self.assertIn("runs CPython %s and this heapsnap" % ver, r.stderr)
        self.assertIn("built for %s" % mine, r.stderr)
        r = self.attach(p.pid, "--python-path", self.dir)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--python-path %s" % self.dir, r.stderr)
        self.assertIsNone(p.poll())
        self.finish(p)

    def _as_nobody(self):
        if os.geteuid() != 0 or not shutil.which("setpriv"):
            self.skipTest("needs root and setpriv")
        nobody = ["setpriv", "--reuid=65534", "--regid=65534",
                  "--clear-groups"]
        os.chmod(self.dir, 0o755)
        if subprocess.run(nobody + [sys.executable, "-c", "pass"],
                          cwd=self.dir, stderr=subprocess.DEVNULL).returncode:
            self.skipTest("user nobody cannot run %s" % sys.executable)
        return nobody

    def test_another_users_process_without_cap_sys_ptrace(self):
        # root without CAP_SYS_PTRACE (a container's root) and a process of
        # another user: refused before anything touches the process
        nobody = self._as_nobody()
        p = self.start("sleep", 5, pre=nobody)
        nocap = ["setpriv", "--inh-caps=-sys_ptrace",
                 "--bounding-set=-sys_ptrace"]
        r = subprocess.run(nocap + [sys.executable, "-m", "heapsnap",
                                    "attach", str(p.pid)], env=python_env(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=120)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("belongs to nobody (uid 65534)", r.stderr)
        self.assertIn("CAP_SYS_PTRACE", r.stderr)
        self.finish(p)

    def test_refusals(self):
        f = _attach.ptrace_refusal
        self.assertIsNone(f(1, 0, euid=0, cap=True, scope=1))
        self.assertIsNone(f(1, 5, euid=5, cap=False, scope=0))
        self.assertIn("ptrace_scope = 3", f(1, 5, euid=5, cap=True, scope=3))
        self.assertIn("belongs to", f(1, 6, euid=5, cap=False, scope=0))
        self.assertIn("--cap-add=SYS_PTRACE",
                      f(1, 0, euid=0, cap=False, scope=2))
        self.assertIn("own descendants",
                      f(1, 5, euid=5, cap=False, scope=1, descendant=False))
        self.assertIsNone(f(1, 5, euid=5, cap=False, scope=1, descendant=True))


if __name__ == "__main__":
    unittest.main()
