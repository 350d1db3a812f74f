"""heapsnap_build - the in-tree PEP 517 build backend of heapsnap.

`pip install .` and `pip wheel .` from a checkout (or from the sdist this
module writes) need no network and no setuptools: this module compiles, for
the interpreter that runs it,

    heapsnap/_capture<EXT_SUFFIX>   capture/python/*.c + libdump, linked
                                    with zstd, msgpack-c and zlib
    heapsnap/attach_thread.so       capture/python/attach/attach_thread.c
                                    (loaded into a target by `attach`)
    the tools                       tools/*.c + libdump, installed as
                                    scripts into the environment's bin

with the compiler flags and libraries of the Makefile (read from it: one
place says how heapsnap is compiled), and writes a wheel (METADATA, WHEEL,
entry_points.txt, RECORD with sha256 hashes).

Objects are cached under build/pep517/ of the source tree (when it is
writable; HEAPSNAP_BUILD_CACHE=DIR elsewhere), named by a hash of what
they are compiled from: the
Python-independent ones (libdump, the tools) are compiled once for every
Python version, so a wheel for a second interpreter compiles only the
extension.  Compilation runs on every core.

Cost: about 45 s of CPU for a first wheel, a few seconds for the next
interpreter's.
"""
import base64
import concurrent.futures
import hashlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile

NAME = "heapsnap"
SUMMARY = ("Capture the heap of a running CPython process into a .snap file, "
           "and the tools that analyse it offline")
REQUIRES_PYTHON = ">=3.10"
DEB_PACKAGES = "gcc pkg-config libzstd-dev libmsgpack-dev zlib1g-dev"
# an sdist carries the report page, generated with node and d3-hierarchy
# from npm, so that building from it needs neither
SDIST_ASSETS = "gen/report_assets.c"


class BuildError(Exception):
    """A build that cannot go on; the message says why and what to do."""


def _log(msg):
    sys.stderr.write("heapsnap_build: %s\n" % msg)
    sys.stderr.flush()


# ---- the source tree ------------------------------------------------------

def _top():
    """The source tree: PEP 517 runs the backend in it."""
    top = os.getcwd()
    if not os.path.isfile(os.path.join(top, "libdump", "include", "hs_common.h")):
        raise BuildError("%s is not a heapsnap source tree (no "
                         "libdump/include/hs_common.h)" % top)
    return top


def version(top=None):
    """libheapsnap's version, from hs_common.h (as the Makefile reads it)."""
    top = top or _top()
    with open(os.path.join(top, "libdump", "include", "hs_common.h")) as f:
        text = f.read()
    parts = []
    for p in ("MAJOR", "MINOR", "PATCH"):
        m = re.search(r"^#define HS_VERSION_%s +([0-9]+)" % p, text, re.M)
        if not m:
            raise BuildError("hs_common.h: no HS_VERSION_%s" % p)
        parts.append(m.group(1))
    return ".".join(parts)


def make_vars(top):
    """The Makefile's simple assignments (VAR := / = / ?= value, with
    continuation lines), unexpanded.  The backend uses CC, CFLAGS_BASE,
    OPT and PKGS, which hold no make expansion; one that appears is an
    error here rather than a silently different build."""
    out = {}
    with open(os.path.join(top, "Makefile")) as f:
        text = f.read().replace("\\\n", " ")
    for line in text.splitlines():
        m = re.match(r"^([A-Z_]+)\s*(\?=|:=|=)\s*(.*)$", line)
        if m and m.group(1) not in out:
            out[m.group(1)] = m.group(3).strip()
    for v in ("CFLAGS_BASE", "OPT", "PKGS"):
        if v not in out or "$" in out[v]:
            raise BuildError("Makefile: %s is missing or not a plain value"
                             % v)
    return out


def _glob(top, d, pattern=r".*\.c$"):
    p = os.path.join(top, d)
    return sorted(os.path.join(d, f) for f in os.listdir(p)
                  if re.match(pattern, f) and os.path.isfile(os.path.join(p, f)))


# ---- metadata -------------------------------------------------------------

def _dist_info(ver):
    return "%s-%s.dist-info" % (NAME, ver)


def _metadata(top, ver):
    with open(os.path.join(top, "capture", "python", "README.md")) as f:
        readme = f.read()
    return ("Metadata-Version: 2.1\n"
            "Name: %s\n"
            "Version: %s\n"
            "Summary: %s\n"
            "Requires-Python: %s\n"
            "Classifier: Programming Language :: C\n"
            "Classifier: Programming Language :: Python :: Implementation :: CPython\n"
            "Classifier: Operating System :: POSIX :: Linux\n"
            "Description-Content-Type: text/markdown\n"
            "\n%s" % (NAME, ver, SUMMARY, REQUIRES_PYTHON, readme))


ENTRY_POINTS = "[console_scripts]\nheapsnap = heapsnap.__main__:main\n"


def wheel_tag():
    """interpreter-abi-platform of the running interpreter: cp312-cp312-
    linux_x86_64 (cp313-cp313t-... for a free-threaded build)."""
    if sys.implementation.name != "cpython":
        raise BuildError("heapsnap captures CPython heaps; this is %s"
                         % sys.implementation.name)
    if sys.version_info < (3, 10):
        raise BuildError("heapsnap needs CPython %s; this is %d.%d"
                         % (REQUIRES_PYTHON, *sys.version_info[:2]))
    py = "cp%d%d" % sys.version_info[:2]
    soabi = sysconfig.get_config_var("SOABI") or ""
    m = re.match(r"cpython-([0-9]+[a-z]*)", soabi)
    abi = "cp" + m.group(1) if m else py
    plat = re.sub(r"[-.]", "_", sysconfig.get_platform())
    return "%s-%s-%s" % (py, abi, plat)


def _wheel_file(tag):
    return ("Wheel-Version: 1.0\n"
            "Generator: heapsnap_build %s\n"
            "Root-Is-Purelib: false\n"
            "Tag: %s\n" % (version(), tag))


def _write_metadata_dir(directory, top, ver, tag):
    d = os.path.join(directory, _dist_info(ver))
    os.makedirs(d, exist_ok=True)
    for name, text in (("METADATA", _metadata(top, ver)),
                       ("WHEEL", _wheel_file(tag)),
                       ("entry_points.txt", ENTRY_POINTS)):
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    return os.path.basename(d)


# ---- the compiler ---------------------------------------------------------

class _Compiler:
    """cc with the Makefile's flags, a content-addressed object cache and a
    pool of one job per core."""

    def __init__(self, top, cache):
        mv = make_vars(top)
        self.top = top
        self.cache = cache
        self.cc = shlex.split(os.environ.get("CC") or "cc")
        # as the Makefile: CFLAGS += $(OPT) $(CFLAGS_BASE) -fPIC
        self.cflags = (shlex.split(os.environ.get("CFLAGS", "")) +
                       shlex.split(os.environ.get("OPT") or mv["OPT"]) +
                       shlex.split(mv["CFLAGS_BASE"]) + ["-fPIC"])
        self.pkgs = mv["PKGS"].split()
        if not shutil.which(self.cc[0]):
            raise BuildError(
                "no C compiler: '%s' is not on PATH; heapsnap compiles its "
                "capture and tools from C (Debian: apt-get install %s)"
                % (self.cc[0], DEB_PACKAGES))
        r = subprocess.run(self.cc + ["--version"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        self.ident = r.stdout.decode("utf-8", "replace").splitlines()[:1]
        self.libs = self._libs()
        self.used = set()

    def _libs(self):
        pc = shutil.which("pkg-config")
        if pc:
            r = subprocess.run([pc, "--libs"] + self.pkgs,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if r.returncode == 0:
                return r.stdout.decode().split() + ["-pthread", "-lm"]
        return ["-lzstd", "-lmsgpackc", "-lz", "-pthread", "-lm"]

    def check_headers(self, py_includes):
        """Each library header the sources include, and Python.h, compiled
        alone: a missing one is named with the package that has it."""
        probes = [("zstd.h", "libzstd-dev", []),
                  ("msgpack.h", "libmsgpack-dev", []),
                  ("zlib.h", "zlib1g-dev", [])]
        if py_includes is not None:
            probes.append(("Python.h", "python%d.%d-dev"
                           % sys.version_info[:2], py_includes))
        jobs = []
        with concurrent.futures.ThreadPoolExecutor(len(probes)) as ex:
            for h, pkg, inc in probes:
                cmd = self.cc + ["-fsyntax-only", "-x", "c", "-"] + \
                    ["-I" + i for i in inc]
                jobs.append((h, pkg, ex.submit(
                    subprocess.run, cmd, input=("#include <%s>\n" % h).encode(),
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
        missing = [(h, pkg) for h, pkg, j in jobs if j.result().returncode]
        if missing:
            raise BuildError(
                "missing C headers: %s (Debian: apt-get install %s)"
                % (", ".join(h for h, _ in missing),
                   " ".join(p for _, p in missing)))

    def _run(self, cmd, what):
        r = subprocess.run(cmd, cwd=self.top, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if r.returncode:
            raise BuildError("%s failed:\n$ %s\n%s" % (
                what, " ".join(shlex.quote(c) for c in cmd),
                r.stdout.decode("utf-8", "replace")))
        return r

    def objects(self, sources, extra, key, headers, label=""):
        """Compiles sources (paths relative to the tree, or absolute) with
        extra flags; returns their objects' paths.  key and headers (paths
        whose content any source may include) go into each object's name
        (a hash); label before the source's name keeps one object per
        interpreter where objects depend on it."""
        h = hashlib.sha256()
        for part in self.cc + self.ident + self.cflags + extra + [key]:
            h.update(part.encode() + b"\0")
        for path in sorted(headers):
            with open(os.path.join(self.top, path), "rb") as f:
                h.update(path.encode() + b"\0" + f.read())
        base = h.digest()
        os.makedirs(self.cache, exist_ok=True)

        def one(src):
            with open(os.path.join(self.top, src), "rb") as f:
                digest = hashlib.sha256(base + f.read()).hexdigest()[:20]
            name = os.path.basename(src) if os.path.isabs(src) else src
            obj = os.path.join(self.cache, "%s%s-%s.o" % (
                label, name.replace(os.sep, "_")[:-2], digest))
            self.used.add(obj)
            if os.path.exists(obj):
                return obj
            tmp = "%s.%d.tmp" % (obj, os.getpid())
            self._run(self.cc + self.cflags + extra +
                      ["-c", src, "-o", tmp], "compiling " + src)
            os.replace(tmp, obj)
            return obj

        with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as ex:
            return list(ex.map(one, sources))

    def link(self, out, inputs, extra=(), libs=None):
        self._run(self.cc + self.cflags + list(extra) + ["-o", out] +
                  list(inputs) + (self.libs if libs is None else libs),
                  "linking " + os.path.basename(out))

    def archive(self, out, objs):
        ar = os.environ.get("AR") or "ar"
        if os.path.exists(out):
            os.unlink(out)
        self._run([ar, "rcs", out] + list(objs), "archiving libheapsnap.a")

    def prune(self):
        """Drops cached objects of a source compiled this time under
        another hash (an older version of it); other interpreters'
        extension objects stay."""
        if not os.path.isdir(self.cache):
            return
        keep = {os.path.basename(o).rsplit("-", 1)[0] for o in self.used}
        for f in os.listdir(self.cache):
            p = os.path.join(self.cache, f)
            if (f.endswith(".o") and p not in self.used and
                    f.rsplit("-", 1)[0] in keep):
                os.unlink(p)


def _cache_dir(top):
    """HEAPSNAP_BUILD_CACHE, else build/pep517 of the tree, else (a tree
    that cannot be written) a temporary directory, removed after."""
    d = os.environ.get("HEAPSNAP_BUILD_CACHE") or os.path.join(
        top, "build", "pep517")
    try:
        os.makedirs(d, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=d)
        probe.close()
        return d, None
    except OSError:
        tmp = tempfile.mkdtemp(prefix="heapsnap-build-")
        return tmp, tmp


def _report_assets(top, workdir):
    """The report page as C: the sdist's copy, or generated as the
    Makefile does it (node, libdump/report/embed.js, d3-hierarchy from
    node_modules)."""
    pre = os.path.join(top, SDIST_ASSETS)
    if os.path.isfile(pre):
        return pre
    d3 = os.path.join(top, "node_modules", "d3-hierarchy")
    node = shutil.which("node") or shutil.which("nodejs")
    if not node or not os.path.isfile(os.path.join(d3, "dist",
                                                   "d3-hierarchy.min.js")):
        raise BuildError(
            "dumpreport's page inlines d3-hierarchy, which a checkout gets "
            "from npm: run `make` (or `npm ci`) once in %s, or install from "
            "an sdist (`make sdist`), which carries the generated page%s"
            % (top, "" if node else "; node is missing too (apt-get install "
               "nodejs)"))
    out = os.path.join(workdir, "report_assets.c")
    rep = os.path.join(top, "libdump", "report")
    r = subprocess.run([node, os.path.join(rep, "embed.js"), out,
                        os.path.join(rep, "page.html"),
                        os.path.join(rep, "page.css"),
                        os.path.join(rep, "page.js"),
                        os.path.join(d3, "dist", "d3-hierarchy.min.js"),
                        os.path.join(d3, "LICENSE")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode:
        raise BuildError("generating the report page failed:\n"
                         + r.stdout.decode("utf-8", "replace"))
    return out


def capture_sources(cc, top, py_inc, defs):
    """The extension's C files: capture/python/*.c when pyselect.h gives
    this Python the version walker (the preprocessor is asked, as the
    Makefile does), else module.c and the portable walker's portable*.c:
    a CPython the capture does not know gets the portable walker alone."""
    r = subprocess.run(cc.cc + ["-E", "-dM"] + defs +
                       ["-I" + i for i in py_inc] +
                       ["-include", os.path.join(top, "capture", "python",
                                                 "pyselect.h"),
                        "-x", "c", os.devnull],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    src = _glob(top, "capture/python")
    if r.returncode == 0 and re.search(rb"^#define HS_VERSION_WALKER ",
                                       r.stdout, re.M):
        return src
    _log("CPython %d.%d: the portable walker only" % sys.version_info[:2])
    return [s for s in src if os.path.basename(s) == "module.c" or
            os.path.basename(s).startswith("portable")]


def tools(top):
    """The command-line tools: tools/NAME.c that are not tool_*.c."""
    return [os.path.basename(s)[:-2] for s in _glob(top, "tools")
            if not os.path.basename(s).startswith("tool_")]


def build_binaries(top, outdir):
    """Compiles everything into outdir: heapsnap/_capture<suffix>,
    heapsnap/attach_thread.so, bin/<tool>.  Returns their paths."""
    cache, tmp_cache = _cache_dir(top)
    work = tempfile.mkdtemp(prefix="heapsnap-build-")
    t0 = time.time()
    try:
        cc = _Compiler(top, cache)
        py_inc = [sysconfig.get_paths()["include"]]
        plat = sysconfig.get_paths().get("platinclude")
        if plat and plat not in py_inc:
            py_inc.append(plat)
        cc.check_headers(py_inc)
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        if not suffix:
            raise BuildError("this interpreter names no EXT_SUFFIX")

        lib_h = (_glob(top, "libdump", r".*\.h$") +
                 _glob(top, "libdump/include", r".*\.h$"))
        assets = _report_assets(top, work)
        if assets.startswith(top + os.sep):
            assets = os.path.relpath(assets, top)
        hidden = ["-fvisibility=hidden"]     # as the Makefile's libdump
        lib_objs = cc.objects(_glob(top, "libdump") + [assets], hidden,
                              "lib", lib_h)
        tool_h = lib_h + _glob(top, "tools", r".*\.h$")
        tool_src = _glob(top, "tools")
        tool_objs = dict(zip(tool_src, cc.objects(tool_src, [], "tools",
                                                  tool_h)))
        # HEAPSNAP_PORTABLE_ONLY=1: the portable walker alone (pyselect.h)
        defs = (["-DHS_PORTABLE_ONLY"]
                if os.environ.get("HEAPSNAP_PORTABLE_ONLY") == "1" else [])
        cap_src = capture_sources(cc, top, py_inc, defs)
        cap_h = lib_h + _glob(top, "capture/python", r".*\.h$")
        # the interpreter's headers: by path and version, not content
        key = "py %s %s %s %s" % (sys.version,
                                  sysconfig.get_config_var("SOABI"),
                                  " ".join(py_inc), " ".join(defs))
        label = "py%s-" % hashlib.sha256(key.encode()).hexdigest()[:8]
        cap_objs = cc.objects(cap_src, defs + ["-I" + i for i in py_inc],
                              key, cap_h, label)

        lib_a = os.path.join(work, "libheapsnap.a")
        cc.archive(lib_a, lib_objs)
        os.makedirs(os.path.join(outdir, "heapsnap"))
        os.makedirs(os.path.join(outdir, "bin"))
        out = {}
        ext = os.path.join(outdir, "heapsnap", "_capture" + suffix)
        cc.link(ext, cap_objs + [lib_a], ["-shared"])
        out["ext"] = ext
        helper = os.path.join(outdir, "heapsnap", "attach_thread.so")
        cc.link(helper, [os.path.join("capture", "python", "attach",
                                      "attach_thread.c")], ["-shared"],
                ["-pthread"])
        out["helper"] = helper
        common = [o for s, o in tool_objs.items()
                  if os.path.basename(s).startswith("tool_")]
        jobs = []
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as ex:
            for t in tools(top):
                exe = os.path.join(outdir, "bin", t)
                jobs.append(ex.submit(cc.link, exe, [tool_objs["tools/%s.c" % t]]
                                      + common + [lib_a]))
                out[t] = exe
            for j in jobs:
                j.result()
        cc.prune()
        _log("compiled for %s in %.1f s" % (wheel_tag(), time.time() - t0))
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if tmp_cache:
            shutil.rmtree(tmp_cache, ignore_errors=True)


# ---- the wheel ------------------------------------------------------------

def _zip_time():
    t = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))
    return time.gmtime(max(t, 315532800))[:6]


class _Wheel:
    def __init__(self, path):
        self.zf = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        self.record = []

    def add(self, arcname, data, mode=0o644):
        zi = zipfile.ZipInfo(arcname, _zip_time())
        zi.external_attr = (0o100000 | mode) << 16
        zi.compress_type = zipfile.ZIP_DEFLATED
        self.zf.writestr(zi, data)
        digest = base64.urlsafe_b64encode(
            hashlib.sha256(data).digest()).rstrip(b"=").decode()
        self.record.append("%s,sha256=%s,%d" % (arcname, digest, len(data)))

    def close(self, record_name):
        self.record.append("%s,," % record_name)
        zi = zipfile.ZipInfo(record_name, _zip_time())
        zi.external_attr = 0o100644 << 16
        zi.compress_type = zipfile.ZIP_DEFLATED
        self.zf.writestr(zi, "\n".join(self.record) + "\n")
        self.zf.close()


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _hook(fn, *args):
    """Runs a PEP 517 hook: a BuildError is its message on stderr and a
    failed build, as pip shows it."""
    try:
        return fn(*args)
    except BuildError as e:
        _log("error: %s" % e)
        raise SystemExit("heapsnap_build: %s" % e)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _hook(_build_wheel, wheel_directory)


def _build_wheel(wheel_directory):
    top = _top()
    ver = version(top)
    tag = wheel_tag()
    name = "%s-%s-%s.whl" % (NAME, ver, tag)
    os.makedirs(wheel_directory, exist_ok=True)
    out = tempfile.mkdtemp(prefix="heapsnap-wheel-")
    try:
        built = build_binaries(top, out)
        tmp = os.path.join(wheel_directory, name + ".tmp")
        w = _Wheel(tmp)
        pkg = os.path.join("capture", "python", "heapsnap")
        for f in _glob(top, pkg, r".*\.py$"):
            w.add("heapsnap/" + os.path.basename(f), _read(os.path.join(top, f)))
        w.add("heapsnap/" + os.path.basename(built["ext"]), _read(built["ext"]),
              0o755)
        w.add("heapsnap/attach_thread.so", _read(built["helper"]), 0o755)
        data = "%s-%s.data" % (NAME, ver)
        for t in tools(top):
            w.add("%s/scripts/%s" % (data, t), _read(built[t]), 0o755)
        md = tempfile.mkdtemp(prefix="heapsnap-md-")
        try:
            di = _write_metadata_dir(md, top, ver, tag)
            for f in ("METADATA", "WHEEL", "entry_points.txt"):
                w.add("%s/%s" % (di, f), _read(os.path.join(md, di, f)))
        finally:
            shutil.rmtree(md)
        w.close("%s/RECORD" % di)
        os.replace(tmp, os.path.join(wheel_directory, name))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    _log("wrote %s" % os.path.join(wheel_directory, name))
    return name


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    return _hook(_prepare_metadata, metadata_directory)


def _prepare_metadata(metadata_directory):
    top = _top()
    return _write_metadata_dir(metadata_directory, top, version(top),
                               wheel_tag())


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


# ---- the sdist ------------------------------------------------------------

def _sdist_files(top):
    """The tree's files: in a checkout, git's (tracked, and new ones it
    does not ignore), else every file but build products."""
    if os.path.exists(os.path.join(top, ".git")):
        r = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard"], cwd=top,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode == 0:
            return sorted(f for f in r.stdout.decode().split("\0")
                          if f and os.path.isfile(os.path.join(top, f)))
    files = []
    for d, dirs, names in os.walk(top):
        rel = os.path.relpath(d, top)
        dirs[:] = [x for x in dirs if not (
            rel == "." and (x in ("node_modules", ".git") or
                            re.match(r"build[0-9]*$", x)))]
        files += [os.path.normpath(os.path.join(rel, n)) for n in names
                  if not n.endswith(".tmp")]
    return sorted(f for f in files if f not in ("PKG-INFO",))


def build_sdist(sdist_directory, config_settings=None):
    return _hook(_build_sdist, sdist_directory)


def _build_sdist(sdist_directory):
    top = _top()
    ver = version(top)
    base = "%s-%s" % (NAME, ver)
    name = base + ".tar.gz"
    os.makedirs(sdist_directory, exist_ok=True)
    work = tempfile.mkdtemp(prefix="heapsnap-sdist-")
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))
    try:
        assets = _report_assets(top, work)
        tmp = os.path.join(sdist_directory, name + ".tmp")
        with tarfile.open(tmp, "w:gz", format=tarfile.PAX_FORMAT) as tf:
            def add(arc, data, mode):
                ti = tarfile.TarInfo("%s/%s" % (base, arc))
                ti.size, ti.mode, ti.mtime = len(data), mode, mtime
                tf.addfile(ti, io.BytesIO(data))
            for f in _sdist_files(top):
                if f == SDIST_ASSETS:
                    continue
                st = os.stat(os.path.join(top, f))
                add(f, _read(os.path.join(top, f)),
                    0o755 if st.st_mode & 0o111 else 0o644)
            add(SDIST_ASSETS, _read(assets), 0o644)
            add("PKG-INFO", _metadata(top, ver).encode(), 0o644)
        os.replace(tmp, os.path.join(sdist_directory, name))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _log("wrote %s" % os.path.join(sdist_directory, name))
    return name


if __name__ == "__main__":
    # make wheel / make sdist: python3 heapsnap_build.py wheel|sdist DIR
    if len(sys.argv) != 3 or sys.argv[1] not in ("wheel", "sdist"):
        sys.exit("usage: heapsnap_build.py wheel|sdist DIR")
    (build_wheel if sys.argv[1] == "wheel" else build_sdist)(sys.argv[2])
