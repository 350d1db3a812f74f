#!/usr/bin/env python3
"""craft.py - builds small .snap files byte by byte, valid or deliberately
hostile, for the fuzz seed corpora (tests/fuzz/corpus/) and the hostile-
input CLI tests (tests/cli/hostile.sh).

It shares no code with libdump: msgpack is packed by hand here and frames
are compressed through libzstd by ctypes, so a file it builds tests the
reader against an independent reading of FORMAT.md.  Files are tiny (a few
KiB) except where the point is size on decompression (the bombs).

    craft.py snap-cases DIR      every hostile case, one file each
    craft.py jsonl-cases DIR     hostile JSON lines for dumpconv
    craft.py seeds DIR           valid and damaged seeds per fuzz target
"""
import ctypes
import ctypes.util
import os
import struct
import sys

# ---- msgpack --------------------------------------------------------------


class Bin(bytes):
    """A value packed as msgpack bin (str otherwise, whatever its bytes)."""


class Raw(bytes):
    """Bytes copied into the stream as they are (hand-made msgpack)."""


def mp(v):
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, Raw):
        return bytes(v)
    if isinstance(v, int):
        if 0 <= v <= 0x7F:
            return bytes([v])
        if -32 <= v < 0:
            return struct.pack("b", v)
        if v >= 0:
            if v <= 0xFF:
                return b"\xcc" + struct.pack(">B", v)
            if v <= 0xFFFF:
                return b"\xcd" + struct.pack(">H", v)
            if v <= 0xFFFFFFFF:
                return b"\xce" + struct.pack(">I", v)
            return b"\xcf" + struct.pack(">Q", v)
        return b"\xd3" + struct.pack(">q", v)
    if isinstance(v, float):
        return b"\xcb" + struct.pack(">d", v)
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, Bin):
        n = len(v)
        hdr = (b"\xc4" + struct.pack(">B", n) if n <= 0xFF else
               b"\xc5" + struct.pack(">H", n) if n <= 0xFFFF else
               b"\xc6" + struct.pack(">I", n))
        return hdr + bytes(v)
    if isinstance(v, bytes):
        n = len(v)
        hdr = (bytes([0xA0 | n]) if n < 32 else
               b"\xd9" + struct.pack(">B", n) if n <= 0xFF else
               b"\xda" + struct.pack(">H", n) if n <= 0xFFFF else
               b"\xdb" + struct.pack(">I", n))
        return hdr + v
    if isinstance(v, (list, tuple)):
        n = len(v)
        hdr = (bytes([0x90 | n]) if n < 16 else
               b"\xdc" + struct.pack(">H", n) if n <= 0xFFFF else
               b"\xdd" + struct.pack(">I", n))
        return hdr + b"".join(mp(x) for x in v)
    if isinstance(v, dict):
        n = len(v)
        hdr = (bytes([0x80 | n]) if n < 16 else
               b"\xde" + struct.pack(">H", n) if n <= 0xFFFF else
               b"\xdf" + struct.pack(">I", n))
        return hdr + b"".join(mp(k) + mp(x) for k, x in v.items())
    raise TypeError(type(v))


# ---- zstd through ctypes ---------------------------------------------------

_z = ctypes.CDLL(ctypes.util.find_library("zstd") or "libzstd.so.1")
_z.ZSTD_compressBound.restype = ctypes.c_size_t
_z.ZSTD_compressBound.argtypes = [ctypes.c_size_t]
_z.ZSTD_isError.restype = ctypes.c_uint
_z.ZSTD_isError.argtypes = [ctypes.c_size_t]
_z.ZSTD_createCCtx.restype = ctypes.c_void_p
_z.ZSTD_freeCCtx.argtypes = [ctypes.c_void_p]
_z.ZSTD_CCtx_setParameter.restype = ctypes.c_size_t
_z.ZSTD_CCtx_setParameter.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
_z.ZSTD_compressStream2.restype = ctypes.c_size_t


class _Buf(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_void_p), ("size", ctypes.c_size_t),
                ("pos", ctypes.c_size_t)]


_z.ZSTD_compressStream2.argtypes = [ctypes.c_void_p, ctypes.POINTER(_Buf),
                                    ctypes.POINTER(_Buf), ctypes.c_int]
ZSTD_c_contentSizeFlag = 200
ZSTD_c_checksumFlag = 201
ZSTD_e_end = 2


def zframe(data, content_size=True, level=3, checksum=False):
    """One zstd frame of data.  Without content_size the frame header
    leaves the decompressed size out (as a streaming writer does)."""
    cctx = _z.ZSTD_createCCtx()
    try:
        _z.ZSTD_CCtx_setParameter(cctx, 100, level)  # ZSTD_c_compressionLevel
        _z.ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, int(checksum))
        cap = _z.ZSTD_compressBound(len(data)) + 64
        out = ctypes.create_string_buffer(cap)
        src = ctypes.create_string_buffer(bytes(data), len(data) or 1)
        if content_size:
            inb = _Buf(ctypes.cast(src, ctypes.c_void_p), len(data), 0)
            outb = _Buf(ctypes.cast(out, ctypes.c_void_p), cap, 0)
            rc = _z.ZSTD_compressStream2(cctx, outb, inb, ZSTD_e_end)
        else:
            # a first call with ZSTD_e_continue hides the size, as a
            # stream of unknown length does
            inb = _Buf(ctypes.cast(src, ctypes.c_void_p), len(data), 0)
            outb = _Buf(ctypes.cast(out, ctypes.c_void_p), cap, 0)
            rc = _z.ZSTD_compressStream2(cctx, outb, inb, 0)
            if not _z.ZSTD_isError(rc):
                rc = _z.ZSTD_compressStream2(cctx, outb, inb, ZSTD_e_end)
        if _z.ZSTD_isError(rc) or rc != 0:
            raise RuntimeError("zstd compression failed")
        return out.raw[:outb.pos]
    finally:
        _z.ZSTD_freeCCtx(cctx)


# ---- .snap building --------------------------------------------------------

START = struct.pack("<II", 0x184D2A50, 8) + b"HSNAP\0" + struct.pack("<H", 1)


def fnv1a64(b):
    h = 0xCBF29CE484222325
    for c in b:
        h ^= c
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def header(runtime=b"craft", version=b"1", pid=7, time_ms=1700000000000,
           reason=b"test", word=8, ref_mode=0, fmt=b"heapsnap", ver=1):
    return [1, fmt, ver, runtime, version, pid, time_ms, reason, word,
            ref_mode]


def trailer(entries, totals, name=b"heapsnap-trailer"):
    body = mp([name, 1, [list(e) for e in entries], list(totals)])
    foot = struct.pack("<QI", fnv1a64(body), len(body)) + b"HSTR"
    return struct.pack("<II", 0x184D2A5E, len(body) + 16) + body + foot


class Snap:
    """Records in frames.  Each frame gets its frame record first; the
    frame index and the end record's totals are computed from what was
    added unless the caller overrides them."""

    def __init__(self, ref_mode=0, **hdr):
        self.ref_mode = ref_mode
        self.frames = [[]]
        self.frame_first = [0]
        self.frame_objects = [0]
        self.prev_id = 0
        self.nobjects = 0
        self.totals = [0, 0, 0, 0, 0, 0]
        self.add(header(ref_mode=ref_mode, **hdr))

    def add(self, rec):
        self.frames[-1].append(rec)

    def new_frame(self):
        self.frames.append([])
        self.frame_first.append(self.nobjects)
        self.frame_objects.append(0)
        self.prev_id = 0

    def type(self, idx, name):
        self.add([3, idx, name])
        self.totals[2] += 1

    def string(self, idx, s):
        self.add([4, idx, s])
        self.totals[3] += 1

    def obj(self, oid, typ, size, refs=(), labels=None, flags=None,
            preview=None, has_preview=False, site=None):
        if self.ref_mode == 1:
            packed = [r - self.nobjects for r in refs]
        else:
            packed = list(refs)
        rec = [5, oid - self.prev_id, typ, size, packed]
        if site is not None:
            has_preview = True
        if labels is not None or flags is not None or has_preview:
            rec.append(labels)
        if flags is not None or has_preview:
            rec.append(flags)
        if has_preview:
            rec.append(preview)
        if site is not None:
            rec.append(site)
        self.prev_id = oid
        self.add(rec)
        self.nobjects += 1
        self.frame_objects[-1] += 1
        self.totals[0] += 1
        self.totals[1] += len(refs)
        self.totals[5] += size

    def raw_obj(self, raw, nrefs=0, size=0):
        """An object record given as raw bytes (counted as an object)."""
        self.add(Raw(raw))
        self.nobjects += 1
        self.frame_objects[-1] += 1
        self.totals[0] += 1
        self.totals[1] += nrefs
        self.totals[5] += size

    def root(self, ref, kind, label=None, extra=None):
        rec = [7, ref, kind, label]
        if extra is not None:
            rec.append(extra)
        self.add(rec)
        self.totals[4] += 1

    def raw_frames(self, end=True, end_totals=None):
        """The decompressed bytes of each frame."""
        out = []
        for i, recs in enumerate(self.frames):
            body = [mp([2, i, self.frame_first[i]])]
            body += [r if isinstance(r, Raw) else mp(r) for r in recs]
            if end and i == len(self.frames) - 1:
                body.append(mp([9] + list(end_totals or self.totals)))
            out.append(b"".join(body))
        return out

    def build(self, end=True, trailer_ok=True, content_size=True,
              end_totals=None, trailer_totals=None, entries_fn=None):
        data = bytearray(START)
        entries = []
        for i, raw in enumerate(self.raw_frames(end, end_totals)):
            z = zframe(raw, content_size)
            nrec = len(self.frames[i]) + 1 + (
                1 if end and i == len(self.frames) - 1 else 0)
            entries.append([len(data), len(z), len(raw), nrec,
                            self.frame_objects[i], self.frame_first[i]])
            data += z
        if trailer_ok:
            if entries_fn:
                entries = entries_fn(entries)
            data += trailer(entries, trailer_totals or self.totals)
        return bytes(data)


def small_graph(ref_mode=0, nobj=12, frames=2, names=None, labels=True):
    """A little valid graph: a root list holding nodes, a cycle, labels,
    flags and previews of every kind."""
    s = Snap(ref_mode=ref_mode)
    names = names or [b"list", b"Node", b"str", b"dict"]
    for i, n in enumerate(names):
        s.type(i, n)
    for i, n in enumerate([b"next", b"value", b"items", b"k"]):
        s.string(i, n)
    ids = [0x1000 + 64 * i for i in range(nobj)]
    key = (lambda i: i) if ref_mode == 1 else (lambda i: ids[i])
    previews = [None, 42, -7, 1.5, True, b"text", Bin(b"\x00\x01"), None]
    per = max(1, nobj // frames)
    for i in range(nobj):
        if i and i % per == 0 and len(s.frames) < frames:
            s.new_frame()
        if i == 0:
            refs = [key(j) for j in range(1, nobj)]
            s.obj(ids[i], 0, 56 + 8 * len(refs), refs,
                  labels=[2] * len(refs) if labels else None)
        else:
            refs = [key((i + 1) % nobj)] if i % 3 else [key(i - 1), key(0)]
            s.obj(ids[i], 1 + i % 3, 48, refs,
                  labels=([0] + [None] * (len(refs) - 1)) if labels else None,
                  flags=[1 if i % 5 == 0 else 0] * len(refs),
                  preview=previews[i % len(previews)], has_preview=True)
    s.root(key(0), b"global", b"app.items")
    s.root(key(nobj - 1), b"frame", None, 3)
    return s


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


# ---- hostile cases ---------------------------------------------------------

MiB = 1 << 20
# control bytes, escape sequences, NUL, invalid UTF-8, quotes, backslashes
# C1 CSI (U+009B), the Arabic letter mark U+061C and an isolate U+2067
# (bidi controls), a CSV-breaking comma and line break, a formula
EVIL = [b"\x1b[2J\x1b]0;pwned\x07", b"a\x00b", b"\xff\xfe\xc3(", b'q"uo\\te',
        b"\x1b[31mred\x1b[0m\r\n\t\x7f", b"\xe2\x80\xae\xed\xa0\x80end\xe2\x80\xa8ls\xe2\x80\xa9",
        b"../../etc/passwd", b"%s%n%x", b"\xc2\x9b2J\xd8\x9cx\xe2\x81\xa7y",
        b'a,b\r\nc,"d"']


def evil_snap():
    """Every string a tool may print holds terminal escapes, NUL, invalid
    UTF-8, quotes and backslashes."""
    s = Snap(runtime=EVIL[0] + EVIL[2], version=EVIL[3], reason=EVIL[4])
    for i, n in enumerate(EVIL):
        s.type(i, b"T" + n)
        s.string(i, b"L" + n)
    # a type name a spreadsheet would run as a formula (dumptypes --csv)
    s.type(len(EVIL), b'=HYPERLINK("http://evil","x")')
    # allocation sites in files and functions named by the strings
    for i in range(len(EVIL)):
        s.add([8, i, [i, 10 + i, (i + 1) % len(EVIL)]])
    ids = [0x2000 + 32 * i for i in range(len(EVIL) * 2 + 1)]
    for i, oid in enumerate(ids):
        nxt = [ids[i + 1]] if i + 1 < len(ids) else []
        s.obj(oid, i % (len(EVIL) + 1), 100 + i * 1000, nxt + [ids[0]],
              labels=[i % len(EVIL), (i + 3) % len(EVIL)][:len(nxt) + 1],
              preview=(EVIL[i % len(EVIL)] if i % 2 else
                       Bin(EVIL[i % len(EVIL)])), has_preview=True,
              site=i % len(EVIL))
    for i, n in enumerate(EVIL):
        s.root(ids[i], b"K" + n, b"R" + n)
    return s.build()


def bomb(zeros, content_size, valid_first):
    """A frame that expands to `zeros` bytes of zeros (not even records)."""
    data = bytearray(START)
    if valid_first:
        s = Snap()
        s.type(0, b"x")
        data += zframe(s.raw_frames(end=False)[0])
    data += zframe(bytes(zeros), content_size, level=1)
    return bytes(data)


def rle_bombs(nframes, frame_bytes, valid_first=True):
    """nframes zstd frames of RLE blocks (4 bytes per 128 KiB of zeros)
    each declaring frame_bytes, after a good frame: every one must be
    refused or stopped at its first record, not decompressed whole."""
    data = bytearray(START)
    if valid_first:
        s = Snap()
        s.type(0, b"x")
        s.obj(0x10, 0, 8, [])
        s.root(0x10, b"global")
        data += zframe(s.raw_frames(end=False)[0])
    block = 128 * 1024
    frame = bytearray(struct.pack("<I", 0xFD2FB528))
    # single segment, an 8-byte content size, no checksum
    frame += b"\xe0" + struct.pack("<Q", frame_bytes)
    left = frame_bytes
    while left:
        n = min(block, left)
        left -= n
        # block header: last flag, type 1 (RLE), size; then the byte
        frame += struct.pack("<I", (n << 3) | (1 << 1) | (left == 0))[:3]
        frame += b"\x00"
    data += bytes(frame) * nframes
    return bytes(data)


def record_bomb(nbytes):
    """A frame of nbytes of valid object records, all alike: a few KiB that
    a reader must treat as millions of objects (a legal, dense file)."""
    s = Snap(ref_mode=1)
    s.type(0, b"n")
    rec = mp([5, 64, 0, 48, [1]])  # each object points at the next
    first = b"".join(s.raw_frames(end=False))
    n = (nbytes - len(first)) // len(rec)
    raw = first + rec * n
    z = zframe(raw, True, level=1)
    # a trailer, so that the file reads as complete but for the end record
    return START + z + trailer([[16, len(z), len(raw), n + 3, n, 0]],
                               [n, n, 1, 0, 0, 48 * n])


def huge_lengths():
    """Length fields claiming billions of elements, inside records that are
    otherwise whole."""
    out = {}

    def one(raw_recs, name):
        s = Snap()
        s.type(0, b"t")
        s.obj(0x10, 0, 8, [])
        for r in raw_recs:
            s.add(Raw(r))
        s.obj(0x20, 0, 8, [0x10])
        s.root(0x20, b"global", b"g")
        out[name] = s.build()

    # an object whose refs array claims 2^32-1 entries (with 3 present)
    one([b"\x95\x05\x01\x00\x08\xdd\xff\xff\xff\xff\x01\x02\x03"],
        "len_refs_4g")
    # a type name claiming 4 GiB
    one([b"\x93\x03\x01\xdb\xff\xff\xff\xf0abc"], "len_str_4g")
    # a record (array) claiming 2^32-1 fields
    one([b"\xdd\xff\xff\xff\xff\x05\x01"], "len_record_4g")
    # a site with 2^32-1 frame fields
    one([b"\x93\x08\x00\xdd\xff\xff\xff\xff\x01\x02\x03"], "len_site_4g")
    # a map in an unknown record claiming 2^32-1 pairs
    one([b"\x92\x63\xdf\xff\xff\xff\xff\x01\x02"], "len_map_4g")
    # an object naming type 2^32-1 and size 2^64-1
    s = Snap()
    s.type(0, b"t")
    s.obj(0x10, 0, 8, [])
    s.raw_obj(mp([5, 1, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF, []]),
              size=0xFFFFFFFFFFFFFFFF)
    s.totals[5] &= 0xFFFFFFFFFFFFFFFF
    s.obj(0x20, 0, 0xFFFFFFFFFFFFFFFF, [0x10])
    s.totals[5] &= 0xFFFFFFFFFFFFFFFF
    s.root(0x20, b"global", b"g")
    out["huge_type_size"] = s.build()
    # type and string indices near 2^32 (a table sized by index would be
    # 16 GiB)
    one([mp([3, 0xFFFFFFFE, b"far"]), mp([4, 0xFFFFFFFE, b"far"])],
        "huge_indices")
    # a site naming frames with string indices near 2^32
    one([mp([8, 0xFFFFFFF0, [0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFE]])],
        "huge_site")
    # a frame's first object index near 2^64
    s = Snap()
    s.type(0, b"t")
    s.new_frame()
    s.frame_first[-1] = (1 << 64) - 2
    s.obj(0x10, 0, 8, [])
    s.obj(0x20, 0, 8, [0x10])
    s.root(0x20, b"global")
    out["huge_first_index"] = s.build()
    return out


def deep_nesting(depth):
    """Values nested `depth` deep where a reader skips unknown fields."""
    nest = b"\x91" * depth + b"\xc0"
    out = {}
    s = Snap()
    s.type(0, b"t")
    s.obj(0x10, 0, 8, [])
    s.add(Raw(b"\x93\x05\x10\x00" + nest))  # object with a nested id
    s.add(Raw(b"\x92\x63" + nest))          # unknown tag 99, nested field
    s.add(Raw(b"\x9a\x05\x10\x00\x08\x90\xc0\xc0\xc0\xc0" + nest))  # field 9
    s.obj(0x20, 0, 8, [0x10])
    s.root(0x20, b"global", b"g")
    out["deep_nesting"] = s.build()
    # the same, nesting in maps
    s = Snap()
    s.type(0, b"t")
    s.add(Raw(b"\x92\x63" + b"\x81\xc0" * depth + b"\xc0"))
    s.obj(0x10, 0, 8, [])
    s.root(0x10, b"global")
    out["deep_maps"] = s.build()
    return out


def index_bomb():
    """Tables a reader would size by the declared index: a type, a string
    and a site at index 2^24-1 and 2^32-2, used by objects and labels
    (168 bytes once cost dumptypes 8 s and 556 MB); 12345 declared by
    nothing."""
    s = Snap()
    for i in ((1 << 24) - 1, (1 << 32) - 2):
        s.type(i, b"far%d" % i)
        s.string(i, b"lab%d" % i)
        s.add([8, i, [i, 7, i]])
    s.obj(0x10, (1 << 24) - 1, 8, [0x20], labels=[(1 << 32) - 2],
          site=(1 << 32) - 2)
    s.obj(0x20, (1 << 32) - 2, 8, [0x10], labels=[(1 << 24) - 1],
          site=(1 << 24) - 1)
    s.obj(0x30, 12345, 8, [])
    s.root(0x10, b"global", b"g")
    return s


def graph_cases():
    """Valid records describing a hostile graph."""
    out = {}
    # duplicate ids: three objects share an id, with different types
    s = Snap()
    s.type(0, b"A")
    s.type(1, b"B")
    s.obj(0x10, 0, 8, [0x20])
    s.obj(0x20, 1, 16, [0x10])
    s.obj(0x20, 0, 32, [0x20])
    s.obj(0x10, 1, 64, [])
    s.root(0x10, b"global", b"g")
    s.root(0x20, b"global", b"h")
    out["duplicate_ids"] = s.build()
    # references and roots naming ids that are not in the dump
    s = Snap()
    s.type(0, b"A")
    s.obj(0x10, 0, 8, [0xdead, 0x20, 0xFFFFFFFFFFFFFFFF, 0])
    s.obj(0x20, 0, 8, [0xbeef])
    s.root(0x10, b"global", b"g")
    s.root(0x4242, b"global", b"missing")
    s.root(0xFFFFFFFFFFFFFFFF, b"frame", None, 7)
    out["missing_ids"] = s.build()
    # index mode: references to indices before 0 and far past the end
    s = Snap(ref_mode=1)
    s.type(0, b"A")
    s.obj(0x10, 0, 8, [1, 5, 1 << 40])
    s.raw_obj(mp([5, 0x10, 0, 8, [-3, -(1 << 62), 0]]), 3, 8)
    s.root(0, b"global", b"g")
    s.root(1 << 33, b"global", b"far")
    out["index_out_of_range"] = s.build()
    # undeclared types, labels and sites
    s = Snap()
    s.type(0, b"A")
    s.obj(0x10, 7, 8, [0x20], labels=[99])
    s.raw_obj(mp([5, 0x10, 3, 8, [0x10], None, None, None, 12345]), 1, 8)
    s.obj(0x30, 0, 8, [])
    s.root(0x10, b"global")
    out["undeclared_refs"] = s.build()
    # shallow sizes that sum past 2^64: a chain root -> a -> b -> c whose
    # retained sizes wrapped (a child retaining more than its parent and
    # than the heap)
    s = Snap()
    s.type(0, b"Huge")
    s.obj(0x10, 0, 1 << 63, [0x20])
    s.obj(0x20, 0, (1 << 63) + 4096, [0x30])
    s.obj(0x30, 0, 1 << 62, [0x40])
    s.obj(0x40, 0, 64, [])
    s.totals[5] &= (1 << 64) - 1
    s.root(0x10, b"global", b"g")
    out["huge_sizes"] = s.build()
    out["index_bomb"] = index_bomb().build()
    # no objects, no roots; and objects with no roots at all
    s = Snap()
    out["no_objects"] = s.build()
    s = Snap()
    s.type(0, b"A")
    s.obj(0x10, 0, 8, [0x20])
    s.obj(0x20, 0, 8, [0x10])
    out["no_roots"] = s.build()
    # a root naming an object many times over, and self references
    s = Snap()
    s.type(0, b"A")
    s.obj(0x10, 0, 8, [0x10] * 1000)
    for i in range(2000):
        s.root(0x10, b"global", b"r%d" % i)
    out["many_roots_self_refs"] = s.build()
    # many distinct root kinds
    s = Snap()
    s.type(0, b"A")
    s.obj(0x10, 0, 8, [])
    for i in range(5000):
        s.root(0x10, b"kind%d" % i, None)
    out["many_root_kinds"] = s.build()
    # a refs record with no object before it, and one naming another owner
    s = Snap()
    s.type(0, b"A")
    s.add([6, 0x10, [0x10, 0x20]])
    s.obj(0x10, 0, 8, [0x20])
    s.add([6, 0x999, [0x10]])
    s.obj(0x20, 0, 8, [])
    s.root(0x10, b"global")
    out["stray_refs_records"] = s.build()
    out["chain_1m"] = chain(1000000)
    return out


def chain(n):
    """A linked list of n objects in index mode, the head a root; ids and
    sizes vary as a heap's do (so it compresses like one, ~6 times, not
    8000), in frames of about 1 MiB; recursion over it overflows any
    stack, and a path to its far end is n steps long."""
    s = Snap(ref_mode=1)
    s.type(0, b"Link")
    s.string(0, b"next")
    variants = [mp([5, 16 * (3 + (v >> 2)), 0, 32 + 8 * (v & 3), [1], [0]])
                for v in range(64)]
    last = [mp([5, 16 * (3 + (v >> 2)), 0, 32 + 8 * (v & 3), [], []])
            for v in range(64)]
    x, shallow, per = 12345, 0, 120000
    frames, i = [], 0
    head = b"".join(s.raw_frames(end=False))
    while i < n:
        k = min(per, n - i)
        body = [head if i == 0 else mp([2, len(frames), i])]
        for j in range(k):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
            v = (x >> 16) & 63
            body.append(last[v] if i + j == n - 1 else variants[v])
            shallow += 32 + 8 * (v & 3)
        i += k
        frames.append([b"".join(body), k, i - k])
    frames[-1][0] += mp([7, 0, b"global", b"head"]) + \
        mp([9, n, n - 1, 1, 1, 1, shallow])
    data, entries = bytearray(START), []
    for f, (raw, k, first) in enumerate(frames):
        z = zframe(raw, True, level=1)
        nrec = k + 1 + (3 if f == 0 else 0) + (2 if f == len(frames) - 1
                                               else 0)
        entries.append([len(data), len(z), len(raw), nrec, k, first])
        data += z
    return bytes(data + trailer(entries, [n, n - 1, 1, 1, 1, shallow]))


def frame_cases():
    """Damage at the frame and trailer level."""
    out = {}
    base = small_graph(frames=3)
    good = base.build()
    out["valid"] = good
    # cut in the middle of the second frame, and just before the trailer
    entries = []
    base.build(entries_fn=lambda e: entries.extend(e) or e)
    mid = entries[1][0] + entries[1][1] // 2
    out["truncated_mid_frame"] = good[:mid]
    out["truncated_no_trailer"] = good[:entries[-1][0] + entries[-1][1]]
    out["truncated_in_start"] = good[:10]
    # a byte flipped inside the second frame
    b = bytearray(good)
    b[mid] ^= 0xFF
    out["flipped_frame"] = bytes(b)
    # garbage between frames
    out["garbage_between"] = (good[:entries[1][0]] + b"\x00garbage\xff" * 7 +
                              good[entries[1][0]:])
    # the trailer's totals lie (objects 4e9, refs 2^64-1...)
    out["trailer_lies_totals"] = base.build(trailer_totals=[
        4000000000, (1 << 64) - 1, 1 << 40, 1 << 40, 1 << 40, 1 << 63])
    # the end record lies
    out["end_lies_totals"] = base.build(end_totals=[
        (1 << 64) - 1, 3, 4000000000, 0, 0, 1])

    # the trailer's frame counts lie (a frame claims 2^40 objects)
    def lie_counts(e):
        e = [list(x) for x in e]
        e[1][3] = 1 << 40
        e[1][4] = 1 << 40
        e[2][5] = (1 << 64) - 1
        e[0][2] = 4 * MiB * 1024
        return e
    out["trailer_lies_counts"] = base.build(entries_fn=lie_counts)

    # offsets: a frame listed inside another, one at the start frame, one
    # past the end, overlapping, out of order, and one frame left out
    def lie(fn):
        return base.build(entries_fn=lambda e: fn([list(x) for x in e]))
    out["trailer_offset_inside"] = lie(
        lambda e: e[:1] + [[e[1][0] + 3, e[1][1] - 3] + e[1][2:]] + e[2:])
    out["trailer_offset_zero"] = lie(lambda e: [[0, 16] + e[0][2:]] + e[1:])
    out["trailer_offset_past_end"] = lie(
        lambda e: e[:2] + [[1 << 40, 100] + e[2][2:]])
    out["trailer_overlap"] = lie(
        lambda e: [[e[0][0], e[0][1] + e[1][1] // 2] + e[0][2:]] + e[1:])
    out["trailer_out_of_order"] = lie(lambda e: [e[1], e[0]] + e[2:])
    out["trailer_hides_frame"] = lie(lambda e: e[:1] + e[2:])
    out["trailer_lists_frame_twice"] = lie(lambda e: e[:2] + e[1:])
    out["trailer_no_frames"] = lie(lambda e: [])
    # a valid checksum over a table that does not match the frames: frame
    # 0 split in two (its header unreadable if believed), frame 1 split,
    # frames 1 and 2 listed as one
    def split(i):
        def fn(e):
            h = e[i][1] // 2
            return e[:i] + [[e[i][0], h] + e[i][2:],
                            [e[i][0] + h, e[i][1] - h] + e[i][2:]] + e[i + 1:]
        return fn
    out["trailer_splits_frame0"] = lie(split(0))
    out["trailer_splits_frame1"] = lie(split(1))
    out["trailer_merges_frames"] = lie(
        lambda e: e[:1] + [[e[1][0], e[1][1] + e[2][1]] + e[1][2:]])
    out["trailer_dsize_lies"] = lie(
        lambda e: [[x[0], x[1], 7] + x[3:] for x in e])
    # a trailer with a bad checksum, and a footer claiming 4 GiB
    b = bytearray(good)
    b[-20] ^= 1
    out["trailer_bad_checksum"] = bytes(b)
    b = bytearray(good)
    b[-8:-4] = struct.pack("<I", 0xFFFFFFF0)
    out["trailer_len_4g"] = bytes(b)
    # a file that is only a trailer (plus the start frame)
    out["only_trailer"] = START + trailer([], [0] * 6)
    # frames without content size in their header
    out["no_content_size"] = base.build(content_size=False)
    # a header-less file: data frames with no header record
    s = Snap()
    raw = s.raw_frames()[0]
    out["no_header"] = START + zframe(mp([2, 0, 0]) + mp([3, 0, b"t"]))
    out["header_not_first"] = START + zframe(
        mp([2, 0, 0]) + mp([3, 0, b"t"]) + raw[len(mp([2, 0, 0])):])
    out["header_wrong_format"] = Snap(fmt=b"notheapsnap").build()
    out["header_future_version"] = Snap(ver=99).build()
    out["start_future_version"] = START[:14] + struct.pack("<H", 99) + \
        good[16:]
    out["start_version_0"] = START[:14] + b"\0\0" + good[16:]
    # a frame that does not start with a frame record
    out["no_frame_record"] = START + zframe(mp(header()) + mp([9, 0, 0, 0,
                                                              0, 0, 0]))
    # a second frame record in one frame, and a frame record mid-frame
    s = Snap()
    s.add([2, 5, 1000])
    s.type(0, b"t")
    out["two_frame_records"] = s.build()
    # many tiny frames (each one record), no trailer
    s = Snap()
    for i in range(3000):
        s.new_frame()
        s.type(i, b"t%d" % i)
    out["many_frames"] = s.build(trailer_ok=False)
    # a skippable frame claiming 4 GiB in the middle
    out["skippable_4g"] = (good[:entries[1][0]] +
                           struct.pack("<II", 0x184D2A53, 0xFFFFFFFF) +
                           good[entries[1][0]:])
    return out


def other_formats():
    return {
        "empty": b"",
        "one_byte": b"\x50",
        "zip": b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40,
        "elf": b"\x7fELF\x02\x01\x01" + b"\x00" * 57,
        "json": b'{"snapshot":{"meta":{}},"nodes":[],"edges":[]}\n',
        "plain_zstd": zframe(mp(header())),
        "text": b"hello, this is not a heap snapshot\n" * 3,
        "start_only": START,
        "start_bad_size": struct.pack("<II", 0x184D2A50, 0xFFFFFFFF) +
        b"HSNAP\0\1\0",
    }


def all_cases():
    cases = {}
    cases.update(other_formats())
    cases.update(frame_cases())
    cases.update(huge_lengths())
    cases.update(deep_nesting(100000))
    cases.update(graph_cases())
    cases["evil_strings"] = evil_snap()
    cases["bomb_declared_first"] = bomb(100 * MiB, True, False)
    cases["bomb_declared_second"] = bomb(100 * MiB, True, True)
    cases["bomb_stream_first"] = bomb(100 * MiB, False, False)
    cases["bomb_stream_second"] = bomb(100 * MiB, False, True)
    cases["record_bomb_16m"] = record_bomb(16 * MiB)
    # 5.8 MB that once took every tool past 20 s
    cases["bomb_rle_3000"] = rle_bombs(3000, 60 * MiB)
    return cases


def jsonl_cases():
    """Hostile JSON lines for dumpconv's importer."""
    h = b'{"kind":"header","format":"heapsnap","version":1}\n'
    obj = b'{"kind":"object","id":1,"type":"t","size":8}\n'
    return {
        "deep": h + b'{"kind":"object","id":1,"x":' + b"[" * 100000 +
        b"]" * 100000 + b"}\n",
        "deep_objects": h + b'{"kind":"object","id":1,"x":' +
        b'{"a":' * 100000 + b"1" + b"}" * 100000 + b"}\n",
        "bad_utf8": h + b'{"kind":"type","index":0,"name":"\xff\xfe"}\n',
        "lone_surrogate": h + b'{"kind":"type","index":0,"name":"\\ud800"}\n',
        "raw_control": h + b'{"kind":"type","index":0,"name":"a\x1bb"}\n',
        "int_overflow": h + b'{"kind":"object","id":184467440737095516160,'
        b'"type":"t","size":1}\n',
        "huge_exponent": h + b'{"kind":"object","id":1,"type":"t","size":1,'
        b'"preview":1e999999999}\n',
        "long_number": h + b'{"kind":"object","id":' + b"1" * 100000 +
        b',"type":"t","size":1}\n',
        "many_refs": h + b'{"kind":"object","id":1,"type":"t","size":8,'
        b'"refs":[' + b",".join([b"1"] * 300000) + b"]}\n",
        "labels_mismatch": h + b'{"kind":"object","id":1,"type":"t","size":8,'
        b'"refs":[1,2],"labels":[0]}\n',
        "type_index_huge": h + b'{"kind":"type","index":4294967295,'
        b'"name":"x"}\n' + obj,
        "refs_before_object": h + b'{"kind":"refs","owner":1,"refs":[1]}\n',
        "no_header": obj,
        "future_version": b'{"kind":"header","format":"heapsnap",'
        b'"version":99}\n' + obj,
        "unknown_kind": h + b'{"kind":"evil"}\n',
        "nul_in_kind": h + obj + b'{"kind":"root","id":1,'
        b'"root_kind":"a\\u0000b"}\n',
        "long_string": h + b'{"kind":"type","index":0,"name":"' +
        b"x" * (1 << 20) + b'"}\n',
        "empty": b"",
        "binary": bytes(range(256)) * 4,
        "no_newline_end": h + obj.rstrip(b"\n"),
    }


# ---- seeds -----------------------------------------------------------------

SEP = b"\xc1HSF"   # 0xc1 is never used by msgpack: splits frames in seeds


def records_seed(snap, ctrl=0x03):
    """A seed for fuzz_records: a control byte, then the raw msgpack of
    each frame, frames separated by SEP."""
    return bytes([ctrl]) + SEP.join(snap.raw_frames())


def seeds(dirpath):
    os.makedirs(os.path.join(dirpath, "reader"), exist_ok=True)
    os.makedirs(os.path.join(dirpath, "records"), exist_ok=True)
    rd = os.path.join(dirpath, "reader")
    rc = os.path.join(dirpath, "records")
    n = 0
    for name, data in sorted(frame_cases().items()):
        if len(data) <= 64 * 1024:
            write(os.path.join(rd, name + ".snap"), data)
            n += 1
    for name, data in sorted(huge_lengths().items()):
        write(os.path.join(rd, name + ".snap"), data)
    write(os.path.join(rd, "evil_strings.snap"), evil_snap())
    for name, data in sorted(deep_nesting(40).items()):
        write(os.path.join(rd, name + ".snap"), data)
    for name, data in sorted(other_formats().items()):
        if data:
            write(os.path.join(rd, name + ".bin"), data)
    for mode in (0, 1):
        for frames in (1, 3):
            s = small_graph(ref_mode=mode, nobj=10, frames=frames)
            write(os.path.join(rd, "graph_m%d_f%d.snap" % (mode, frames)),
                  s.build())
            write(os.path.join(rd, "graph_m%d_f%d_nocs.snap" % (mode, frames)),
                  s.build(content_size=False, trailer_ok=False))
            for ctrl in (0, 1, 2, 3):
                write(os.path.join(rc, "graph_m%d_f%d_c%d" % (mode, frames,
                                                              ctrl)),
                      records_seed(s, ctrl))
    # every record kind, incl. a site and a refs record, in records form
    s = small_graph(nobj=6, frames=1)
    s.add([8, 0, [0, 10, 1, 2, 20, 3]])
    s.add([6, 0x1000, [0x1040, 0x1080], [1, None], [0, 1]])
    s.add([99, b"unknown", [1, {}], 2.5])
    write(os.path.join(rc, "all_kinds"), records_seed(s))
    for name, data in sorted(graph_cases().items()):
        # chain_1m is 1M records: a slow seed, left to hostile.sh
        if len(data) <= 64 * 1024 and name != "chain_1m":
            write(os.path.join(rd, name + ".snap"), data)
    # the graph target too: the declared indices tables were sized by,
    # and trailers whose table disagrees with the frames
    gd = os.path.join(dirpath, "graph")
    os.makedirs(gd, exist_ok=True)
    cases = dict(graph_cases())
    cases.update(frame_cases())
    for name in ("index_bomb", "huge_sizes", "undeclared_refs",
                 "huge_indices", "trailer_splits_frame0",
                 "trailer_splits_frame1", "trailer_merges_frames",
                 "trailer_hides_frame"):
        data = cases.get(name) or huge_lengths()[name]
        write(os.path.join(gd, name + ".snap"), data)
    for d in (rc, gd):
        write(os.path.join(d, "index_bomb"), records_seed(index_bomb()))
    return n


def main(argv):
    if len(argv) != 3 or argv[1] not in ("snap-cases", "seeds",
                                          "jsonl-cases"):
        sys.stderr.write(__doc__)
        return 2
    if argv[1] == "seeds":
        seeds(argv[2])
        return 0
    os.makedirs(argv[2], exist_ok=True)
    if argv[1] == "jsonl-cases":
        for name, data in sorted(jsonl_cases().items()):
            write(os.path.join(argv[2], name + ".jsonl"), data)
        return 0
    for name, data in sorted(all_cases().items()):
        write(os.path.join(argv[2], name + ".snap"), data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
