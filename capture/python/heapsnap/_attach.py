"""python3 -m heapsnap attach PID: dump a running CPython process that never
imported heapsnap.

The dump is written by the target itself: a short script runs in it,
imports a heapsnap built for the target's Python (this one, when the
versions match) and calls heapsnap.dump(OUT).  The script gets in

- on CPython 3.14+ (this interpreter and the target alike): through
  sys.remote_exec() (PEP 768), which runs it at the target's next safe
  point; untested here (no 3.14 on the machine it was written on);
- before: through gdb, which stops the target for a few calls and lets it
  go (_attach_gdb.py says which calls and why they are safe); the script
  then runs on a thread of the target that holds the GIL as any thread
  does.

attach waits for the script's report (a file in a private directory),
then says where the dump is and its size, or why there is none.  When
the target cannot reach a point where Python code runs within the
timeout (a C call holding the GIL all that time), attach removes that
directory, which tells the script, should it run later, to do nothing:
the target goes on running and no dump appears.

Cost in the target: heapsnap stays imported; on the gdb path
attach_thread.so stays loaded, and when no thread of the target was
blocked in a system call, the script's page (4 KiB or so) stays mapped.
"""
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

CAP_SYS_PTRACE = 19


class AttachError(Exception):
    """attach failed; the message says why and what to do."""


# ---- the target ------------------------------------------------------------

def _status(pid):
    """/proc/PID/status as a dict, or None when the process is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return None
    except ProcessLookupError:
        return None
    out = {}
    for line in lines:
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def alive(pid):
    st = _status(pid)
    return st is not None and not st.get("State", "").startswith(("Z", "X"))


def _user(uid):
    try:
        import pwd
        return "%s (uid %d)" % (pwd.getpwuid(uid).pw_name, uid)
    except (ImportError, KeyError):
        return "uid %d" % uid


def _has_cap(bit):
    st = _status(os.getpid()) or {}
    try:
        return bool(int(st.get("CapEff", "0"), 16) >> bit & 1)
    except ValueError:
        return False


def _ptrace_scope():
    try:
        with open("/proc/sys/kernel/yama/ptrace_scope") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def _descendant(pid):
    """Is pid a descendant of this process?"""
    me = os.getpid()
    for _ in range(4096):
        st = _status(pid)
        if st is None:
            return False
        try:
            pid = int(st.get("PPid", "0"))
        except ValueError:
            return False
        if pid == me:
            return True
        if pid <= 1:
            return False
    return False


def ptrace_refusal(pid, target_uid, euid=None, cap=None, scope=None,
                   descendant=None):
    """Why the kernel will not let this process ptrace pid, or None when
    it should: another user's process, kernel.yama.ptrace_scope, or no
    CAP_SYS_PTRACE (a container started without it).  The keyword
    arguments stand in for this process's own values (tests)."""
    euid = os.geteuid() if euid is None else euid
    cap = _has_cap(CAP_SYS_PTRACE) if cap is None else cap
    scope = _ptrace_scope() if scope is None else scope
    who = "process %d" % pid
    if scope == 3:
        return ("ptrace is disabled on this machine (kernel.yama.ptrace_scope"
                " = 3, which only a reboot undoes): no process can be "
                "attached to")
    if target_uid != euid and not cap:
        return ("%s belongs to %s and this is %s: attach as that user, or as "
                "root with CAP_SYS_PTRACE" % (who, _user(target_uid),
                                              _user(euid)))
    if scope == 2 and not cap:
        return ("kernel.yama.ptrace_scope = 2 lets only CAP_SYS_PTRACE "
                "attach: run as root%s" % (
                    " (this root has no CAP_SYS_PTRACE: a container needs "
                    "--cap-add=SYS_PTRACE)" if euid == 0 else ""))
    if scope == 1 and not cap:
        if descendant is None:
            descendant = _descendant(pid)
        if not descendant:
            return ("kernel.yama.ptrace_scope = 1 lets a process attach only "
                    "to its own descendants: run as root, or set "
                    "kernel.yama.ptrace_scope = 0 (sysctl)")
    return None


_LIBPYTHON = re.compile(r"/libpython(3\.[0-9]+)([a-z]*)\.so")
_EXENAME = re.compile(r"python(3\.[0-9]+)([a-z]*)$")


def _exe_is_cpython(path):
    """Does the executable export CPython's C API (a statically linked
    interpreter: Debian's python3)?"""
    try:
        with open(path, "rb") as f:
            tail = b""
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    return False
                if b"\0PyGILState_Ensure\0" in tail + chunk:
                    return True
                tail = chunk[-32:]
    except OSError:
        return False


class Target:
    """What /proc says of the process: its executable, its owner, the
    CPython version it runs ("3.12", "3.13t"; None when only the running
    interpreter can tell)."""

    def __init__(self, pid):
        self.pid = pid
        st = _status(pid)
        if st is None:
            raise AttachError("no process %d" % pid)
        if st.get("State", "").startswith(("Z", "X")):
            raise AttachError("process %d has exited" % pid)
        self.name = st.get("Name", "?")
        try:
            self.uid = int(st["Uid"].split()[1])     # effective
            self.gid = int(st["Gid"].split()[1])
        except (KeyError, IndexError, ValueError):
            raise AttachError("/proc/%d/status: no Uid" % pid)
        refusal = ptrace_refusal(pid, self.uid)
        if refusal:
            raise AttachError("cannot attach to process %d: %s"
                              % (pid, refusal))
        try:
            self.exe = os.readlink("/proc/%d/exe" % pid)
            with open("/proc/%d/maps" % pid) as f:
                maps = f.read()
        except FileNotFoundError:
            raise AttachError("process %d has exited" % pid)
        except PermissionError:
            raise AttachError("cannot read /proc/%d (permission denied): "
                              "attach as its owner %s or as root"
                              % (pid, _user(self.uid)))
        except OSError as e:
            raise AttachError("cannot read /proc/%d: %s" % (pid, e.strerror))
        self.version = None
        m = _LIBPYTHON.search(maps)
        if m:
            self.version = m.group(1) + m.group(2)
        else:
            if not _exe_is_cpython("/proc/%d/exe" % pid):
                raise AttachError("process %d (%s) is not a CPython process: "
                                  "neither its executable nor a library it "
                                  "loaded is CPython's" % (pid, self.exe))
            m = _EXENAME.search(os.path.basename(self.exe))
            if m:
                self.version = m.group(1) + m.group(2)


def this_python():
    return "%d.%d%s" % (sys.version_info[0], sys.version_info[1],
                        getattr(sys, "abiflags", ""))


def package_for(target, path=None):
    """(the directory to put on the target's sys.path, attach_thread.so)
    of a heapsnap built for the target's Python: this one when the versions
    match, else the one under path (--python-path)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    helper = os.path.join(here, "heapsnap", "attach_thread.so")
    if path is None:
        if target.version not in (None, this_python()):
            raise AttachError(
                "process %d runs CPython %s and this heapsnap (%s) is built "
                "for %s: attach with a Python %s that has heapsnap installed "
                "(python%s -m pip install heapsnap-source-dir, then python%s "
                "-m heapsnap attach %d), or give --python-path DIR, a "
                "directory holding a heapsnap package built for %s"
                % (target.pid, target.version, here, this_python(),
                   target.version, target.version, target.version,
                   target.pid, target.version))
        return here, helper, this_python() if target.version is None \
            else target.version
    path = os.path.abspath(path)
    want = target.version or this_python()
    tag = "cpython-%s%s-" % (want.split(".")[0], want.split(".")[1])
    pkg = os.path.join(path, "heapsnap")
    try:
        names = os.listdir(pkg)
    except OSError as e:
        raise AttachError("--python-path %s: %s" % (
            path, e.strerror or e))
    if not any(n.startswith("_capture.") and tag in n for n in names):
        found = sorted(n for n in names if n.startswith("_capture."))
        raise AttachError("--python-path %s: %s has no extension for CPython "
                          "%s (it holds %s)" % (path, pkg, want,
                                                ", ".join(found) or "none"))
    if not os.path.exists(os.path.join(pkg, "attach_thread.so")):
        pkg_helper = helper        # the helper fits every version
    else:
        pkg_helper = os.path.join(pkg, "attach_thread.so")
    return path, pkg_helper, want


# ---- the script run in the target -----------------------------------------

_SCRIPT = r'''
import os
def report(text):
    tmp = os.path.join(WORK, "status.tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, os.path.join(WORK, "status"))
if os.path.isdir(WORK):     # else attach gave up: do nothing
    try:
        import sys
        added = PKG not in sys.path
        if added:
            sys.path.insert(0, PKG)
        try:
            import heapsnap
        finally:
            if added and PKG in sys.path:
                sys.path.remove(PKG)
        st = heapsnap.dump(OUT, redact=REDACT, reason="attach")
        report("ok %d %d %r" % (st["objects"], os.path.getsize(OUT),
                                st.get("seconds", 0.0)))
    except BaseException as e:
        try:
            report("error %s: %s" % (type(e).__name__, e))
        except BaseException:
            pass
'''


def script(work, pkg, out, redact):
    """The code run in the target (by PyRun_SimpleString or remote_exec):
    one exec() of the script in a namespace of its own, so that nothing
    is left in the target's __main__; the script catches every exception
    (an exception out of a pending call would be raised in whatever the
    main thread was running)."""
    body = ("WORK = %r\nPKG = %r\nOUT = %r\nREDACT = %r\n" %
            (work, pkg, out, bool(redact))) + _SCRIPT
    return "exec(compile(%r, '<heapsnap attach>', 'exec'), {})\n" % body


# ---- the two ways in -------------------------------------------------------

def _via_remote_exec(pid, work, code):
    path = os.path.join(work, "attach.py")
    with open(path, "w") as f:
        f.write(code)
    try:
        sys.remote_exec(pid, path)
    except PermissionError as e:
        raise AttachError("sys.remote_exec(%d): %s" % (pid, e))
    except (OSError, RuntimeError, ValueError) as e:
        raise AttachError("sys.remote_exec(%d): %s (the target may have "
                          "remote debugging off: -X disable_remote_debug, "
                          "PYTHON_DISABLE_REMOTE_DEBUG)" % (pid, e))
    return "remote_exec"


def _no_core():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _via_gdb(target, work, code, helper, version, deadline):
    gdb = shutil.which("gdb")
    if not gdb:
        raise AttachError("attaching to CPython before 3.14 needs gdb "
                          "(Debian: apt-get install gdb)")
    path = os.path.join(work, "attach.py")
    with open(path, "w") as f:
        f.write(code)
    env = dict(os.environ, HEAPSNAP_ATTACH_SCRIPT=path,
               HEAPSNAP_ATTACH_HELPER=helper,
               HEAPSNAP_ATTACH_VERSION=version or "")
    for k in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"):
        env.pop(k, None)       # gdb's own Python is not ours
    cmd = [gdb, "-nx", "-batch", "--readnever",
           "-iex", "set debuginfod enabled off",
           "-iex", "set auto-load off",
           "-iex", "set pagination off",
           "-iex", "set confirm off",
           "-ex", "set unwindonsignal on",
           "-ex", "handle all nostop noprint pass",
           "-p", str(target.pid),
           "-x", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "_attach_gdb.py")]
    # gdb's calls take a fraction of a second: they are not cut short by
    # a short --timeout (that could leave the target stopped in one)
    limit = max(deadline - time.monotonic(), 60.0)
    try:
        # gdb aborts on a target that vanishes under it: no core file
        # in the user's directory
        r = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           preexec_fn=_no_core,
                           timeout=limit)
    except subprocess.TimeoutExpired:
        raise AttachError("gdb did not finish its calls in process %d within "
                          "%g s; check that the process still runs"
                          % (target.pid, limit))
    out = r.stdout.decode("utf-8", "replace")
    err = r.stderr.decode("utf-8", "replace")
    m = re.search(r"^heapsnap-gdb: (ok|error) ?(.*)$", out, re.M)
    if m and m.group(1) == "ok":
        return "gdb, " + m.group(2)
    if not alive(target.pid):
        raise AttachError("process %d exited during the attach"
                          % target.pid)
    if m:
        raise AttachError("process %d: %s" % (target.pid, m.group(2)))
    if "Operation not permitted" in err:
        raise AttachError(
            "gdb may not attach to process %d (ptrace: operation not "
            "permitted): run as its owner or as root; in a container, "
            "root needs CAP_SYS_PTRACE (--cap-add=SYS_PTRACE) and a seccomp "
            "profile that allows ptrace" % target.pid)
    if "No such process" in err:
        raise AttachError("process %d exited during the attach"
                          % target.pid)
    lines = [l for l in (err + out).splitlines() if l.strip()]
    raise AttachError("gdb failed on process %d (exit %d): %s" % (
        target.pid, r.returncode, " / ".join(lines[-3:]) or "no output"))


# ---- attach ----------------------------------------------------------------

def default_path(pid):
    t = time.time()
    return "heapsnap-%d-%s.%03d-attach.snap" % (
        pid, time.strftime("%Y%m%d-%H%M%S", time.gmtime(t)),
        int(t * 1000) % 1000)


def attach(pid, out=None, redact=False, timeout=60.0, python_path=None):
    """Dumps process pid into out; returns a dict: path, size, objects,
    seconds (the dump's own), attach_seconds (all of it), via."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    if pid == os.getpid():
        raise AttachError("process %d is this one: call heapsnap.dump()"
                          % pid)
    target = Target(pid)
    pkg, helper, version = package_for(target, python_path)
    out = os.path.abspath(out or default_path(pid))
    work = tempfile.mkdtemp(prefix="heapsnap-attach-")
    try:
        if target.uid != os.geteuid():
            # the target's owner writes its report here
            os.chown(work, target.uid, target.gid)
        code = script(work, pkg, out, redact)
        ours = this_python()
        if (sys.version_info >= (3, 14) and hasattr(sys, "remote_exec") and
                (target.version or ours) == ours):
            via = _via_remote_exec(pid, work, code)
        else:
            via = _via_gdb(target, work, code, helper, version, deadline)
        status = os.path.join(work, "status")
        while not os.path.exists(status):
            if not alive(pid):
                raise AttachError("process %d exited before it wrote the dump"
                                  % pid)
            if time.monotonic() > deadline:
                raise AttachError(
                    "no dump from process %d after %g s: it never reached a "
                    "point where Python code can run (a long C call holding "
                    "the GIL?); it goes on running and will write nothing"
                    % (pid, timeout))
            time.sleep(0.01)
        with open(status) as f:
            text = f.read()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not text.startswith("ok "):
        raise AttachError("process %d could not write %s: %s" % (
            pid, out, text[6:] if text.startswith("error ") else text))
    _, objects, size, seconds = text.split(" ", 3)
    return {"path": out, "size": int(size), "objects": int(objects),
            "seconds": float(seconds), "via": via,
            "attach_seconds": time.monotonic() - t0}


def _human(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return ("%d %s" % (n, unit)) if unit == "B" else \
                "%.1f %s" % (n, unit)
        n /= 1024.0


def main(a):
    """`python3 -m heapsnap attach` (arguments parsed by __main__)."""
    try:
        r = attach(a.pid, a.output, redact=a.redact, timeout=a.timeout,
                   python_path=a.python_path)
    except AttachError as e:
        sys.stderr.write("heapsnap attach: %s\n" % e)
        return 2
    sys.stderr.write("heapsnap attach: process %d wrote %s (%s, %d objects; "
                     "dump %.2f s, attach %.2f s, via %s)\n"
                     % (a.pid, r["path"], _human(r["size"]), r["objects"],
                        r["seconds"], r["attach_seconds"], r["via"]))
    return 0
