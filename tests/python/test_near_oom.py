"""A process that grows toward its memory limit is dumped by the heapsnap
watchdog at 90% of the limit, and the capture itself, working in the last
10%, neither gets the process killed nor leaves an unreadable file.

The child runs inside a fresh cgroup v1 memory group (root, writable
/sys/fs/cgroup/memory); where that is not possible, under RLIMIT_AS with
the RSS watchdog at 90% of the address-space budget.  The test is skipped,
with the reason printed, only when neither can be set up.
HS_NEAR_OOM_MODE=cgroup|rlimit forces one of the two."""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

from snaputil import python_env

CG_V1 = "/sys/fs/cgroup/memory"
LIMIT = 256 << 20          # the child's memory budget
FRACTION = float(os.environ.get("HS_NEAR_OOM_FRACTION", "0.9"))

CHILD = r'''
import json, os, sys, time
mode, cg, out, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
fraction = float(sys.argv[5])
if mode == "cgroup":
    # enter the group before anything grows
    with open(os.path.join(cg, "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))
import heapsnap

def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0

if mode == "cgroup":
    trig = heapsnap.enable(out, signal=None, cgroup_fraction=fraction,
                           interval=0.02)
    def usage():
        with open(os.path.join(cg, "memory.usage_in_bytes")) as f:
            return int(f.read())
    budget_base = 0
else:
    import resource
    # the budget is address space above what the interpreter (and the
    # watchdog thread, started first) already holds; the RSS watchdog
    # fires at `fraction` of it
    rss0 = status("VmRSS")
    trig = heapsnap.enable(out, signal=None,
                           rss_limit=rss0 + int(fraction * limit),
                           interval=0.02)
    time.sleep(0.1)
    vm = status("VmSize")
    resource.setrlimit(resource.RLIMIT_AS, (vm + limit, vm + limit))
    usage = lambda: status("VmRSS") - rss0
    budget_base = rss0

class Item:
    def __init__(self, i):
        self.i = i
        self.name = "item-%d" % i
        self.payload = "x" * 200 + str(i)
        self.tags = [i % 7, self.name]

heap, n, peak = [], 0, 0
start = time.time()
reason = "dumped"
try:
    while not trig.dumps:
        if trig.errors:
            reason = "capture error"
            break
        heap.append([Item(n + k) for k in range(1000)])
        n += 1000
        u = usage()
        peak = max(peak, u)
        if u > max(0.98, fraction + 0.05) * limit:
            reason = "grew past the threshold without a dump"
            break
        if time.time() - start > 120:
            reason = "timeout"
            break
        time.sleep(0.001)
except MemoryError:
    reason = "MemoryError while growing"
heapsnap.disable()
print(json.dumps({"reason": reason, "items": n, "peak_usage": peak,
                  "dumps": trig.dumps, "errors": trig.errors,
                  "limit": limit}), flush=True)
del heap
'''


def cgroup_usable():
    if os.geteuid() != 0:
        return "not root"
    if not os.path.isdir(CG_V1):
        return "no cgroup v1 memory hierarchy at " + CG_V1
    if not os.access(CG_V1, os.W_OK):
        return CG_V1 + " is not writable"
    return None


class NearOomTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hs-oom-")
        self.cg = None

    def tearDown(self):
        if self.cg:
            for _ in range(100):
                try:
                    os.rmdir(self.cg)
                    break
                except OSError:
                    time.sleep(0.1)
        shutil.rmtree(self.dir, ignore_errors=True)

    def make_cgroup(self):
        cg = os.path.join(CG_V1, "hs-test-oom-%d" % os.getpid())
        os.mkdir(cg)
        self.cg = cg
        for name in ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes"):
            p = os.path.join(cg, name)
            if os.path.exists(p):
                with open(p, "w") as f:
                    f.write(str(LIMIT))
        return cg

    def oom_kills(self):
        with open(os.path.join(self.cg, "memory.oom_control")) as f:
            for line in f:
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
        return 0

    def test_watchdog_dump_near_oom(self):
        mode = os.environ.get("HS_NEAR_OOM_MODE")
        why = cgroup_usable()
        if mode is None:
            mode = "cgroup" if why is None else "rlimit"
        if mode == "cgroup" and why is not None:
            self.skipTest("cgroup mode asked for, but " + why)
        cg = self.make_cgroup() if mode == "cgroup" else "-"
        out = os.path.join(self.dir, "out")
        child = os.path.join(self.dir, "grow.py")
        with open(child, "w") as f:
            f.write(textwrap.dedent(CHILD))
        p = subprocess.run([sys.executable, child, mode, cg, out, str(LIMIT),
                            str(FRACTION)], env=python_env(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=300)
        err = p.stderr.decode(errors="replace")
        if mode == "rlimit" and p.returncode != 0 and \
                "setrlimit" in err:
            self.skipTest("neither a cgroup (%s) nor RLIMIT_AS: %s" %
                          (why, err.strip().splitlines()[-1]))
        # the process was not killed (SIGKILL from the OOM killer is -9)
        self.assertEqual(p.returncode, 0,
                         "child exited %d: %s" % (p.returncode, err[-2000:]))
        if mode == "cgroup":
            self.assertEqual(self.oom_kills(), 0, "the OOM killer ran")
            with open(os.path.join(cg, "memory.max_usage_in_bytes")) as f:
                max_usage = int(f.read())
        res = json.loads(p.stdout.decode().strip().splitlines()[-1])
        self.assertEqual(res["reason"], "dumped", res)
        self.assertEqual(res["errors"], [])
        self.assertEqual(len(res["dumps"]), 1, res)
        path = res["dumps"][0]
        self.assertTrue(path.endswith("-%s.snap" %
                                      ("cgroup" if mode == "cgroup" else "rss")))
        # nothing half-written is left beside it
        self.assertEqual(glob.glob(os.path.join(out, "*.tmp")), [])
        # the watchdog fired near the threshold, not early
        self.assertGreaterEqual(res["peak_usage"], 0.8 * FRACTION * LIMIT, res)
        # the dump is complete and analysable
        hs_bin = os.environ.get("HS_BIN") or os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "..",
            "build", "bin")
        info = subprocess.run([os.path.join(hs_bin, "dumpinfo"), "--json",
                               path], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=120)
        self.assertEqual(info.returncode, 0, info.stderr.decode())
        doc = json.loads(info.stdout.decode().splitlines()[0])
        text = json.dumps(doc)
        self.assertIn("complete", text)
        # every Item is in it: items x (Item + dict? + name + payload +
        # tags list) objects at least
        objects = doc.get("objects", doc.get("counts", {}).get("objects"))
        self.assertIsNotNone(objects, text[:500])
        self.assertGreaterEqual(objects, res["items"] * 4)
        sys.stdout.write("\n  near-oom (%s): %d items, peak %.0f MiB of %d "
                         "MiB%s, dump %.1f MiB, %d objects\n" % (
                             mode, res["items"], res["peak_usage"] / 2**20,
                             LIMIT >> 20,
                             ", cgroup max usage %.0f MiB" % (max_usage / 2**20)
                             if mode == "cgroup" else "",
                             os.path.getsize(path) / 2**20, objects))

    def test_instances_cost_the_capture_nothing(self):
        # the headroom a dump needs near the limit must not grow with the
        # heap's instances: tracked objects and objects with one referrer
        # take no memory of the capture (3.10 gave each instance's
        # __dict__ an entry of a map of namespaces: 16-32 bytes each,
        # which made the watchdog's dump above be killed)
        import heapsnap

        class Inst:
            def __init__(self, i):
                self.n = i + 1000
                self.text = "t" * 20 + str(i)
                self.items = [i + 2000]

        def peak(n, redact):
            # in lists of 1000: the capture holds the references of
            # the largest single object (21 bytes each) at once
            heap = [[Inst(i + j) for j in range(1000)]
                    for i in range(0, n, 1000)]
            st = heapsnap.dump(os.path.join(self.dir, "m.snap"),
                               redact=redact, walker="version")
            self.assertGreaterEqual(st["objects"], 4 * n)
            del heap
            return st["peak_memory"]

        for redact in (False, True):
            small, big = peak(20000, redact), peak(120000, redact)
            # 100,000 instances more (300,000 tracked objects and as
            # many with one referrer): the peak grows by less than 2
            # bytes an instance (the writer's buffers vary a little)
            self.assertLess(big - small, 200000,
                            "redact=%s: %d -> %d bytes" % (redact, small,
                                                            big))


if __name__ == "__main__":
    unittest.main()
