"""The gdb half of `python3 -m heapsnap attach` (CPython before 3.14).

Run by gdb's own Python (`gdb -p PID -x _attach_gdb.py`), never imported
by heapsnap.  gdb has stopped every thread of the target; this script
makes a few short calls in it and detaches at once:

1. Picks a thread blocked in a system call (read, sleep, poll, a lock
   wait...), the main thread first.  Such a thread holds no lock of malloc
   or of the dynamic loader, so calling dlopen() on it is safe.  On it:
   mmap() a block, write the argument block (the addresses of
   PyGILState_Ensure, PyRun_SimpleString, PyGILState_Release and the
   script) into it, dlopen() heapsnap/attach_thread.so and call its
   heapsnap_attach_start(), which starts a thread of the target that takes
   the GIL, runs the script and releases the GIL (attach_thread.c).
2. Else (every thread is running code: a busy pure-Python loop): mmap()
   a block holding the script and call Py_AddPendingCall(
   PyRun_SimpleString, script): the interpreter's main thread runs it at
   its next safe point, between two bytecodes.  mmap() and
   Py_AddPendingCall() may be called from anywhere (the latter is meant
   for signal handlers); the block stays mapped (one page or two).

Parameters come in the environment: HEAPSNAP_ATTACH_SCRIPT (a file
holding the script), HEAPSNAP_ATTACH_HELPER (attach_thread.so),
HEAPSNAP_ATTACH_VERSION ("3.12": the version the script's heapsnap is
built for).  It prints one line "heapsnap-gdb: ok thread|pending" or
"heapsnap-gdb: error TEXT".
"""
import os
import re
import struct

import gdb  # noqa: F401 (only inside gdb)

# system calls that block (or have just returned from blocking) with no
# lock of the C library held: read, write, sleep, poll, futex waits...
BLOCKING = {
    "i386:x86-64": (b"\x0f\x05", "orig_rax", {
        0, 1, 7, 17, 19, 23, 34, 35, 42, 43, 44, 45, 46, 47, 61, 73, 128,
        130, 202, 208, 220, 230, 232, 247, 270, 271, 281, 288, 299, 441,
        449}),
    "aarch64": (b"\x01\x00\x00\xd4", "x8", {
        4, 22, 32, 63, 64, 65, 67, 72, 73, 95, 98, 101, 115, 133, 137, 202,
        203, 206, 207, 211, 212, 242, 260, 441, 449}),
}
PROT_RW, MAP_PRIVATE_ANON = 3, 0x22


class Fail(Exception):
    pass


def ev(expr):
    try:
        return gdb.parse_and_eval(expr)
    except gdb.error as e:
        raise Fail("%s: %s" % (expr, e))


def addr(sym, required=True):
    try:
        return int(gdb.parse_and_eval("(long)&%s" % sym))
    except gdb.error:
        if required:
            raise Fail("the target has no symbol %s: is it CPython?" % sym)
        return 0


def call(fn, sig, *args):
    """Calls the function at address fn, of C type sig (without the
    name), with integer arguments; returns an int."""
    ret, params = sig.split("(", 1)
    v = ev("((%s (*)(%s)%d)(%s)" % (ret, params, fn,
                                    ", ".join("%d" % a for a in args)))
    return int(v)


def blocked_in_syscall(thread, arch):
    if arch not in BLOCKING:
        return False
    insn, reg, nrs = BLOCKING[arch]
    thread.switch()
    frame = gdb.newest_frame()
    pc = int(frame.pc())
    try:
        before = gdb.selected_inferior().read_memory(pc - len(insn),
                                                     len(insn)).tobytes()
        nr = int(frame.read_register(reg))
    except (gdb.error, gdb.MemoryError):
        return False
    return before == insn and nr in nrs


def target_version():
    v = addr("Py_Version", required=False)
    if v:
        hexv = struct.unpack("<I", gdb.selected_inferior().read_memory(
            v, 4).tobytes())[0]
        return "%d.%d" % (hexv >> 24, (hexv >> 16) & 0xff)
    p = call(addr("Py_GetVersion"), "long(void)")
    text = gdb.selected_inferior().read_memory(p, 16).tobytes()
    m = re.match(rb"(\d+)\.(\d+)", text)
    return "%s.%s" % (m.group(1).decode(), m.group(2).decode()) if m else "?"


def mapping(data):
    """A private read-write mapping in the target holding data."""
    size = (len(data) + 4095) // 4096 * 4096
    p = call(addr("mmap"), "long(long, long, int, int, int, long)",
             0, size, PROT_RW, MAP_PRIVATE_ANON, -1, 0)
    if p == -1 or p == 0:
        raise Fail("mmap() in the target failed")
    gdb.selected_inferior().write_memory(p, data)
    return p, size


def main():
    with open(os.environ["HEAPSNAP_ATTACH_SCRIPT"], "rb") as f:
        script = f.read() + b"\0"
    helper = os.environ["HEAPSNAP_ATTACH_HELPER"].encode() + b"\0"
    want = os.environ.get("HEAPSNAP_ATTACH_VERSION", "")
    inf = gdb.selected_inferior()
    threads = sorted(inf.threads(), key=lambda t: t.ptid[1] != inf.pid)
    if not threads:
        raise Fail("the target has no threads (it exited)")
    arch = gdb.newest_frame().architecture().name()
    threads[0].switch()
    ensure = addr("PyGILState_Ensure")
    run = addr("PyRun_SimpleString")
    release = addr("PyGILState_Release")
    if not call(addr("Py_IsInitialized"), "int(void)"):
        raise Fail("the target's interpreter is not initialized (it is "
                   "starting or exiting)")
    have = target_version()
    if want and have != want.rstrip("abcdefghijklmnopqrstuvwxyz"):
        raise Fail("the target runs CPython %s, not %s" % (have, want))

    chosen = None
    if arch in BLOCKING and addr("dlopen", required=False):
        chosen = next((t for t in threads if blocked_in_syscall(t, arch)),
                      None)
    if chosen is not None:
        chosen.switch()
        head = struct.pack("<QQQQ", ensure, run, release, 0)
        block = head + script
        symbol = b"heapsnap_attach_start\0"
        p, size = mapping(block + helper + symbol)
        inf.write_memory(p + 24, struct.pack("<Q", size))
        munmap = addr("munmap")
        h = call(addr("dlopen"), "long(long, int)", p + len(block), 2)
        if not h:
            err = addr("dlerror", required=False)
            e = call(err, "long(void)") if err else 0
            msg = inf.read_memory(e, 200).tobytes().split(b"\0")[0].decode(
                "utf-8", "replace") if e else "dlopen() failed"
            call(munmap, "int(long, long)", p, size)
            raise Fail("the target could not load %s: %s"
                       % (helper[:-1].decode(), msg))
        start = call(addr("dlsym"), "long(long, long)", h,
                     p + len(block) + len(helper))
        if not start:
            call(munmap, "int(long, long)", p, size)
            raise Fail("%s has no heapsnap_attach_start" % helper[:-1].decode())
        rc = call(start, "int(long)", p)
        if rc:
            call(munmap, "int(long, long)", p, size)
            raise Fail("the target could not start a thread (error %d)" % rc)
        print("heapsnap-gdb: ok thread %d" % chosen.ptid[1])
        return
    threads[0].switch()
    p, _ = mapping(script)
    rc = call(addr("Py_AddPendingCall"), "int(long, long)", run, p)
    if rc:
        raise Fail("the interpreter's queue of pending calls is full")
    print("heapsnap-gdb: ok pending")


def _run():
    try:
        main()
    except Fail as e:
        print("heapsnap-gdb: error %s" % e)
    except gdb.error as e:
        print("heapsnap-gdb: error %s" % e)
    finally:
        try:
            gdb.execute("detach", to_string=True)
        except gdb.error:
            pass


_run()
