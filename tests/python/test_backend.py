"""The in-tree PEP 517 backend (capture/python/backend/heapsnap_build.py):
the wheel it writes for this interpreter (tag, METADATA, RECORD hashes,
the package, the extension, the tools as scripts), the metadata hook, the
sdist and a wheel built from it without node, and its errors (no
compiler, missing headers, a Python too old).  `pip install .` itself is
what tests/python/matrix.sh runs for every version."""
import base64
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import unittest
import zipfile

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BACKEND = os.path.join(TOP, "capture", "python", "backend")
TOOLS = sorted(os.path.basename(p)[:-2] for p in glob.glob(
    os.path.join(TOP, "tools", "*.c"))
    if not os.path.basename(p).startswith("tool_"))


def version():
    with open(os.path.join(TOP, "libdump", "include", "hs_common.h")) as f:
        t = f.read()
    return ".".join(re.search(r"#define HS_VERSION_%s +(\d+)" % k, t).group(1)
                    for k in ("MAJOR", "MINOR", "PATCH"))


def hook(name, arg, cwd=TOP, python=None, env=None):
    """Runs one backend hook in a fresh interpreter, as pip does."""
    code = ("import sys; sys.path.insert(0, %r); import heapsnap_build as b; "
            "print(b.%s(%r))" % (BACKEND, name, arg))
    e = dict(os.environ)
    e.pop("PYTHONPATH", None)
    # the objects the matrix's `pip install .` compiled are reused
    e.setdefault("HEAPSNAP_BUILD_CACHE", os.path.join(
        os.environ.get("HS_BUILD") or os.path.join(TOP, "build"), "pep517"))
    e.update(env or {})
    return subprocess.run([python or sys.executable, "-c", code], cwd=cwd,
                          env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=900)


# tests/python/matrix.sh runs the suite once per Python version: what
# does not depend on the interpreter runs with the first one only
ONCE = os.environ.get("HS_PY_ONCE", "1") == "1"
once = unittest.skipUnless(ONCE, "does not depend on the interpreter: "
                           "run with the matrix's first Python")


class BackendTest(unittest.TestCase):
    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "built", None):
            shutil.rmtree(cls.built[0], ignore_errors=True)

    def the_wheel(self):
        """This interpreter's wheel, built once for the tests that read
        it."""
        cls = type(self)
        if not getattr(cls, "built", None):
            d = tempfile.mkdtemp(prefix="hs-backend-")
            r = hook("build_wheel", d)
            self.assertEqual(r.returncode, 0, r.stderr[-3000:])
            cls.built = (d, r.stdout.strip().splitlines()[-1])
        d, name = cls.built
        return name, zipfile.ZipFile(os.path.join(d, name))

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hs-backend-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def wheel(self, cwd=TOP, env=None):
        r = hook("build_wheel", self.dir, cwd=cwd, env=env)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        name = r.stdout.strip().splitlines()[-1]
        self.assertTrue(os.path.exists(os.path.join(self.dir, name)))
        return name, zipfile.ZipFile(os.path.join(self.dir, name))

    def test_wheel(self):
        name, z = self.the_wheel()
        py = "cp%d%d" % sys.version_info[:2]
        abi = "cp" + re.match(r"cpython-(\w+?)-", sysconfig.get_config_var(
            "SOABI")).group(1)
        tag = "%s-%s-%s" % (py, abi, sysconfig.get_platform().replace(
            "-", "_").replace(".", "_"))
        ver = version()
        self.assertEqual(name, "heapsnap-%s-%s.whl" % (ver, tag))
        di = "heapsnap-%s.dist-info" % ver
        names = set(z.namelist())
        ext = "heapsnap/_capture" + sysconfig.get_config_var("EXT_SUFFIX")
        want = {ext, "heapsnap/attach_thread.so", di + "/METADATA",
                di + "/WHEEL", di + "/RECORD", di + "/entry_points.txt"}
        want |= {"heapsnap/" + os.path.basename(p) for p in glob.glob(
            os.path.join(TOP, "capture", "python", "heapsnap", "*.py"))}
        want |= {"heapsnap-%s.data/scripts/%s" % (ver, t) for t in TOOLS}
        self.assertEqual(names, want)
        self.assertEqual(len(TOOLS), 8)
        wheel = z.read(di + "/WHEEL").decode()
        self.assertIn("Tag: %s\n" % tag, wheel)
        self.assertIn("Root-Is-Purelib: false\n", wheel)
        md = z.read(di + "/METADATA").decode()
        self.assertTrue(md.startswith("Metadata-Version: 2.1\nName: heapsnap\n"
                                      "Version: %s\n" % ver), md[:200])
        self.assertIn("heapsnap = heapsnap.__main__:main",
                      z.read(di + "/entry_points.txt").decode())
        # RECORD: every other file once, with its sha256 and size
        rows = [l.split(",") for l in z.read(di + "/RECORD").decode()
                .splitlines()]
        self.assertEqual({r[0] for r in rows}, names)
        for path, digest, size in rows:
            if path == di + "/RECORD":
                self.assertEqual((digest, size), ("", ""))
                continue
            data = z.read(path)
            self.assertEqual(size, str(len(data)), path)
            self.assertEqual(digest, "sha256=" + base64.urlsafe_b64encode(
                hashlib.sha256(data).digest()).rstrip(b"=").decode(), path)
        # the tools and the libraries are executable; the tools run
        for info in z.infolist():
            mode = info.external_attr >> 16
            exe = "/scripts/" in info.filename or info.filename.endswith(".so")
            self.assertEqual(bool(mode & 0o111), exe, info.filename)
        z.extract("heapsnap-%s.data/scripts/dumpinfo" % ver, self.dir)
        tool = os.path.join(self.dir, "heapsnap-%s.data" % ver, "scripts",
                            "dumpinfo")
        os.chmod(tool, 0o755)
        r = subprocess.run([tool, os.path.join(TOP, "samples",
                                               "python-small.snap")],
                           stdout=subprocess.PIPE, universal_newlines=True)
        self.assertEqual(r.returncode, 0)
        self.assertIn("runtime:", r.stdout)

    def test_portable_only_build(self):
        # HEAPSNAP_PORTABLE_ONLY=1 builds what a CPython the capture does
        # not know gets (pyselect.h): the portable walker alone, which
        # then runs by default
        name, z = self.wheel(env={"HEAPSNAP_PORTABLE_ONLY": "1"})
        site = os.path.join(self.dir, "site")
        z.extractall(site)
        out = os.path.join(self.dir, "p.snap")
        code = ("import heapsnap, json; st = heapsnap.dump(%r); "
                "print(json.dumps([heapsnap.WALKERS, st['walker'], "
                "st['objects'], st['dropped_refs']]))" % out)
        env = dict(os.environ, PYTHONPATH=site)
        env.pop("HEAPSNAP_WALKER", None)
        r = subprocess.run([sys.executable, "-c", code], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        walkers, walker, objects, dropped = json.loads(r.stdout)
        self.assertEqual(walkers, ["portable"])
        self.assertEqual(walker, "portable")
        self.assertGreater(objects, 1000)
        self.assertEqual(dropped, 0)
        env["HEAPSNAP_WALKER"] = "version"
        r = subprocess.run([sys.executable, "-c", code], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=300)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("the portable walker only", r.stderr)

    def test_metadata_hook_matches_the_wheel(self):
        md = os.path.join(self.dir, "md")
        os.mkdir(md)
        r = hook("prepare_metadata_for_build_wheel", md)
        self.assertEqual(r.returncode, 0, r.stderr)
        di = r.stdout.strip()
        self.assertEqual(di, "heapsnap-%s.dist-info" % version())
        self.assertEqual(sorted(os.listdir(os.path.join(md, di))),
                         ["METADATA", "WHEEL", "entry_points.txt"])
        _, z = self.the_wheel()
        for f in ("METADATA", "WHEEL", "entry_points.txt"):
            with open(os.path.join(md, di, f), "rb") as fh:
                self.assertEqual(fh.read(), z.read(di + "/" + f), f)

    @once
    def test_sdist_builds_without_node(self):
        r = hook("build_sdist", self.dir)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        name = r.stdout.strip().splitlines()[-1]
        base = "heapsnap-%s" % version()
        self.assertEqual(name, base + ".tar.gz")
        with tarfile.open(os.path.join(self.dir, name)) as tf:
            names = tf.getnames()
            for f in ("PKG-INFO", "pyproject.toml", "Makefile",
                      "gen/report_assets.c", "libdump/include/hs_common.h",
                      "capture/python/backend/heapsnap_build.py",
                      "capture/python/attach/attach_thread.c"):
                self.assertTrue(base + "/" + f in names, f)
            self.assertFalse([n for n in names if n.startswith(
                (base + "/build/", base + "/node_modules/"))])
            tf.extractall(self.dir)
        # a PATH with no node: the sdist's page is used
        bare = os.path.join(self.dir, "bin")
        os.mkdir(bare)
        for t in ("cc", "gcc", "ar", "ld", "as", "pkg-config", "git"):
            p = shutil.which(t)
            if p:
                os.symlink(p, os.path.join(bare, t))
        src = os.path.join(self.dir, base)
        out = os.path.join(self.dir, "out")
        os.mkdir(out)
        r = hook("build_wheel", out, cwd=src, env={"PATH": bare})
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        whl = os.path.join(out, r.stdout.strip().splitlines()[-1])
        self.assertIn("heapsnap-%s.data/scripts/dumpreport" % version(),
                      zipfile.ZipFile(whl).namelist())

    @once
    def test_no_compiler(self):
        r = hook("build_wheel", self.dir, env={"CC": "/nonexistent/cc"})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no C compiler: '/nonexistent/cc' is not on PATH",
                      r.stderr)
        self.assertIn("apt-get install gcc", r.stderr)

    @once
    def test_missing_headers(self):
        # -nostdinc: as if libzstd-dev, libmsgpack-dev... were missing
        r = hook("build_wheel", self.dir, env={"CC": "cc -nostdinc"})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("missing C headers: zstd.h, msgpack.h, zlib.h",
                      r.stderr)
        self.assertIn("apt-get install libzstd-dev libmsgpack-dev zlib1g-dev",
                      r.stderr)
        self.assertEqual(os.listdir(self.dir), [])

    @once
    def test_refuses_an_old_python(self):
        old = sorted(glob.glob(os.path.join(os.environ.get(
            "PYENV_ROOT", os.path.expanduser("~/.pyenv")),
            "versions", "3.[89].*", "bin", "python3")))
        if not old:
            self.skipTest("no CPython 3.8 or 3.9 here")
        r = hook("build_wheel", self.dir, python=old[-1])
        self.assertNotEqual(r.returncode, 0)
        self.assertRegex(r.stderr, r"heapsnap needs CPython >=3\.10; this "
                         r"is 3\.[89]")


if __name__ == "__main__":
    unittest.main()
