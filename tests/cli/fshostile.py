#!/usr/bin/env python3
# fshostile.py - writes hostile ISO 9660 / Rock Ridge / Joliet / UDF images
# for the reader of `glassmaster ls`, `extract` and `mount` (issue 16;
# files_hostile.sh runs them).  Each image is a real image (genisoimage or
# xorriso -as mkisofs for ISO 9660, `glassmaster master --fs udf` for UDF)
# whose bytes are then edited: directory records rewritten (both-endian
# fields kept consistent, a directory that outgrows its extent moved to
# the end of the image with every record, "." / ".." and path table entry
# naming it updated), Rock Ridge entries replaced, continuation areas
# appended; UDF descriptors rewritten with their tag checksum and CRC
# recomputed, so that what is tested is the damage and not a bad checksum.
#
#   python3 fshostile.py OUTDIR [--abs DIR] [--gm GLASSMASTER]
#
# --abs DIR: the absolute directory the absolute symlinks and the absolute
#   names point into (default /tmp; the test gives an empty trap
#   directory of its own and checks that it stays empty).
# --gm: the glassmaster that writes the UDF images (without it, or when it
#   cannot write UDF, the UDF images are left out with a note).
#
# Every image holds the same small tree besides its damage (a.txt, d/...);
# files named gm-hostile-canary are what a naive extractor writes through
# a symlink.  The images (NAME.iso in OUTDIR), with what each checks:
#
# Rock Ridge (genisoimage -R -J; auto reads Rock Ridge):
#   rr_names_slash      NM names "../../evil" and "ABS/evil" (names with
#                       '/': extracted with '_', a warning naming "evil")
#   rr_names_dots       in /dots: NM names ".", "..", "" (empty), an NM
#                       with the PARENT flag and one with the CURRENT flag
#                       (all refused)
#   rr_name_nul         NM name "nul\0byte" (a NUL in a name)
#   rr_names_dup        two entries named "same" ("one", "two"), and
#                       "Readme" / "README" (both must be extracted, none
#                       overwritten: renamed same~2)
#   rr_link_abs         symlink "link" -> ABS followed by a directory also
#                       named "link" holding gm-hostile-canary
#   rr_link_rel         the same with "link" -> "../.." (from DIR/link that
#                       is two levels above DIR)
#   rr_cl_loop          in /d/e, "back": a Rock Ridge CL (child link) to
#                       /d, and "top": a CL to the root (loops)
#   iso_dir_self        /d/self: a directory record whose extent is /d's own
#   iso_dir_parent      /d/up: a directory record whose extent is the root's
#   rr_sl_10000         symlink "longlink": 10,000 ".." components in 80 SL
#                       entries (CONTINUE flag) through 12 chained CE areas
#   rr_ce_loop          "celoop": its NM (CONTINUE flag) in a CE area whose
#                       CE points at itself; "celoop2": two areas pointing
#                       at each other
#   iso_extent_past_end far.bin's extent and fardir's extent lie past the
#                       end of the image
#   iso_size_ffffffff   huge.bin: data length 0xFFFFFFFF (its extent runs
#                       past the end of the image)
#   iso_multiextent_endless  multi.bin: 300 records with the multi-extent
#                       flag (0x80), the last of the directory too: the file
#                       never ends
# Joliet (genisoimage -J, no Rock Ridge; auto reads Joliet):
#   joliet_names        UCS-2 names "../../jevil;1", "ABS/jevil;1" and in
#                       /jdots ".", "..", ";1" (empty once the version is
#                       dropped), "..;1"
# UDF 2.01 (glassmaster master --fs udf; symlinks kept, and the tree has
# them only in udf_link_dir, as 7-Zip opens no UDF image with a symlink):
#   udf_fid_self        /d/self: a FID whose ICB is /d's own File Entry
#   udf_fid_parent      /d/up: a FID whose ICB is the root's File Entry
#   udf_aed_loop        aed.bin: its second extent an Allocation Extent
#                       Descriptor whose only extent continues at itself
#   udf_len_huge        len63.bin information length 2^63, len64.bin 2^64-1
#   udf_fid_overrun     /fidrun/zlast: the last FID's L_FI 255, running past
#                       the end of the directory
#   udf_extent_outside  far.bin: its extent past the end of the partition
#   udf_link_dir        symlink "link" -> ABS then a directory "link" holding
#                       gm-hostile-canary; the same with "rlink" -> "../.."
#   udf_names           FIDs named "../../evil", "ABS/evil", "nul\0byte",
#                       "same" twice ("one", "two"), "Readme"/"README", and
#                       in /udots ".", "..", "" (L_FI 0)
#   udf_dir_data_self   /dirself: a directory whose data is its own File
#                       Entry (no FIDs, a File Entry tag where one is read)
#
# Prints the names of the images written, one a line.
import binascii
import os
import shutil
import struct
import subprocess
import sys
import tempfile

B = 2048
CANARY = "gm-hostile-canary"


def both16(v):
    return struct.pack("<H", v) + struct.pack(">H", v)


def both32(v):
    return struct.pack("<I", v) + struct.pack(">I", v)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# -- ISO 9660 ---------------------------------------------------------------

class Rec:
    """A directory record (ECMA-119 9.1), its System Use area parsed into
    SUSP entries [signature, version, data]."""

    def __init__(self, raw):
        self.ext_attr = raw[1]
        self.lba = struct.unpack_from("<I", raw, 2)[0]
        self.size = struct.unpack_from("<I", raw, 10)[0]
        self.date = bytes(raw[18:25])
        self.flags, self.unit, self.gap = raw[25], raw[26], raw[27]
        self.volseq = bytes(raw[28:32])
        n = raw[32]
        self.name = bytes(raw[33:33 + n])
        su = raw[33 + n + (1 - n % 2):]
        self.su = []
        i = 0
        while i + 4 <= len(su):
            ln = su[i + 2]
            if ln < 4 or i + ln > len(su):
                break
            self.su.append([bytes(su[i:i + 2]), su[i + 3], bytes(su[i + 4:i + ln])])
            i += ln

    def copy(self):
        r = Rec.__new__(Rec)
        r.__dict__.update(self.__dict__)
        r.su = [list(e) for e in self.su]
        return r

    def bytes(self):
        su = b"".join(sig + bytes([4 + len(data), ver]) + data
                      for sig, ver, data in self.su)
        if len(su) % 2:
            su += b"\0"
        n = len(self.name)
        ln = 33 + n + (1 - n % 2) + len(su)
        assert ln <= 255, (self.name, ln)
        return (bytes([ln, self.ext_attr]) + both32(self.lba) + both32(self.size) +
                self.date + bytes([self.flags, self.unit, self.gap]) + self.volseq +
                bytes([n]) + self.name + b"\0" * (1 - n % 2) + su)

    def nm(self):
        names = [data[1:] for sig, ver, data in self.su if sig == b"NM"]
        return b"".join(names) if names else None

    def set_nm(self, name, flags=0):
        self.su = [e for e in self.su if e[0] != b"NM"]
        self.su.append([b"NM", 1, bytes([flags]) + name])

    def entry(self, sig):
        for e in self.su:
            if e[0] == sig:
                return e
        return None


def susp(sig, data, ver=1):
    return [sig, ver, data]


def ce(block, offset, length):
    return susp(b"CE", both32(block) + both32(offset) + both32(length))


def nm(name, flags=0):
    return susp(b"NM", bytes([flags]) + name)


def px_dir(template):
    """A PX entry like template's with the mode of a directory 0755."""
    data = bytearray(template[2])
    data[0:8] = both32(0o40755)
    return [b"PX", template[1], bytes(data)]


class Iso:
    def __init__(self, data):
        self.d = bytearray(data)
        self.vds = []                  # (sector, type) of PVD and SVDs
        s = 16
        while (s + 1) * B <= len(self.d) and self.d[s * B + 1:s * B + 6] == b"CD001":
            t = self.d[s * B]
            if t == 255:
                break
            if t in (1, 2):
                self.vds.append((s, t))
            s += 1
        self.joliet = None
        for s, t in self.vds:
            if t == 2 and self.d[s * B + 88:s * B + 90] == b"%/" and \
                    self.d[s * B + 90] in b"@CE":
                self.joliet = s

    def root(self, joliet=False):
        s = self.joliet if joliet else 16
        return Rec(self.d[s * B + 156:s * B + 190])

    def read_dir(self, lba, size):
        recs = []
        for s in range(lba, lba + (size + B - 1) // B):
            if (s + 1) * B > len(self.d):
                break
            off = 0
            while off < B:
                ln = self.d[s * B + off]
                if ln == 0 or off + ln > B:
                    break
                recs.append(Rec(self.d[s * B + off:s * B + off + ln]))
                off += ln
        return recs

    @staticmethod
    def rname(rec, joliet):
        """The name a reader shows: Rock Ridge NM, the Joliet name or the
        ISO name without ";1" and a trailing "."."""
        if rec.name in (b"\0", b"\1"):
            return rec.name
        if joliet:
            return rec.name.decode("utf-16-be", "replace").split(";")[0].encode()
        n = rec.nm()
        if n is not None:
            return n
        return rec.name.split(b";")[0].rstrip(b".").lower()

    def lookup(self, path, joliet=False):
        """(the records of the directory holding path's last component, the
        index of that record; path "/" gives the root's "." record)."""
        cur = self.root(joliet)
        recs = self.read_dir(cur.lba, cur.size)
        parts = [p for p in path.split("/") if p]
        if not parts:
            return recs, 0
        for k, p in enumerate(parts):
            i = [j for j, r in enumerate(recs) if self.rname(r, joliet) == p.encode()]
            if not i:
                raise KeyError(path)
            if k == len(parts) - 1:
                return recs, i[0]
            cur = recs[i[0]]
            recs = self.read_dir(cur.lba, cur.size)

    def dir(self, path, joliet=False):
        recs, i = self.lookup(path, joliet)
        r = recs[i]
        return self.read_dir(r.lba, r.size)

    def append(self, nsect):
        lba = len(self.d) // B
        self.d += bytes(nsect * B)
        for s, t in self.vds:
            self.d[s * B + 80:s * B + 88] = both32(len(self.d) // B)
        return lba

    def put_dir(self, recs, joliet=False):
        """Writes the records of a directory (recs[0] its "."), in its extent
        when they fit, else in sectors appended to the image, everything
        naming it updated."""
        def pack():
            out = [b""]
            for r in recs:
                b = r.bytes()
                if len(out[-1]) + len(b) > B:
                    out.append(b"")
                out[-1] += b
            return out
        old, size = recs[0].lba, recs[0].size
        sectors = pack()
        need = len(sectors) * B
        if need <= size:
            lba = old
        else:
            lba = self.append(len(sectors))
            for r in recs:
                if r.lba == old and r.flags & 2:
                    r.lba, r.size = lba, need
            sectors = pack()
        for k, s in enumerate(sectors):
            self.d[(lba + k) * B:(lba + k + 1) * B] = s + bytes(B - len(s))
        for k in range(len(sectors), (size + B - 1) // B if lba == old else 0):
            self.d[(lba + k) * B:(lba + k + 1) * B] = bytes(B)
        if lba != old:
            self.moved(old, lba, need)
        return lba

    def moved(self, old, new, size):
        """Every directory record, root record and path table entry naming
        the directory at old now names new."""
        for s, t in self.vds:
            at = s * B + 156
            if struct.unpack_from("<I", self.d, at + 2)[0] == old:
                self.d[at + 2:at + 10] = both32(new)
                self.d[at + 10:at + 18] = both32(size)
            ptsize = struct.unpack_from("<I", self.d, s * B + 132)[0]
            for field, fmt in ((140, "<I"), (148, ">I")):
                pt = struct.unpack_from(fmt, self.d, s * B + field)[0]
                i = pt * B
                while i < pt * B + ptsize:
                    ln = self.d[i]
                    if ln == 0:
                        break
                    if struct.unpack_from(fmt, self.d, i + 2)[0] == old:
                        struct.pack_into(fmt, self.d, i + 2, new)
                    i += 8 + ln + ln % 2
        seen = set()
        todo = [self.root(False).lba] + ([self.root(True).lba] if self.joliet else [])
        while todo:
            lba = todo.pop()
            if lba in seen or (lba + 1) * B > len(self.d):
                continue
            seen.add(lba)
            s, off = lba, 0
            # walk the records in place (one directory may span sectors)
            first = Rec(self.d[s * B:s * B + self.d[s * B]]) if self.d[s * B] else None
            if first is None:
                continue
            for s in range(lba, lba + (first.size + B - 1) // B):
                off = 0
                while off < B and (s + 1) * B <= len(self.d):
                    ln = self.d[s * B + off]
                    if ln == 0:
                        break
                    at = s * B + off
                    r = Rec(self.d[at:at + ln])
                    if r.flags & 2:
                        if r.lba == old:
                            self.d[at + 2:at + 10] = both32(new)
                            self.d[at + 10:at + 18] = both32(size)
                            r.lba = new
                        if r.name not in (b"\0", b"\1"):
                            todo.append(r.lba)
                    off += ln


def mkiso(src, out, rock=True, joliet=True):
    for tool in (["genisoimage"], ["xorriso", "-as", "mkisofs"]):
        if shutil.which(tool[0]):
            cmd = tool + (["-R"] if rock else []) + (["-J"] if joliet else []) + \
                ["-quiet", "-V", "HOSTILE", "-o", out, src]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            with open(out, "rb") as f:
                return f.read()
    raise SystemExit("fshostile.py: neither genisoimage nor xorriso found")


def name_clashes(f):
    """The files both trees rename into a NUL name, duplicates and a
    case-folding pair."""
    for name, data in (("nul", b"nul\n"), ("same1", b"one\n"), ("same2", b"two\n"),
                       ("Readme", b"lower\n"), ("README", b"upper\n")):
        f(name, data)


def rr_tree(src, absdir):
    def f(path, data):
        write(os.path.join(src, path), data)
    f("a.txt", b"a\n")
    f("d/f1.txt", b"f1\n")
    f("d/e/f2.txt", b"f2\n")
    f("slash1", b"slash\n")
    f("slash2", b"slash\n")
    for k in range(1, 6):
        f("dots/p%d" % k, b"dot\n")
    name_clashes(f)
    os.symlink(absdir, os.path.join(src, "link"))
    f("linkdir/" + CANARY, b"canary\n")
    os.symlink("../..", os.path.join(src, "rlink"))
    f("rlinkdir/" + CANARY, b"canary\n")
    os.symlink("x", os.path.join(src, "longlink"))
    f("celoop", b"celoop\n")
    f("celoop2", b"celoop2\n")
    f("far.bin", b"far\n" * 512)
    f("fardir/inside", b"inside\n")
    f("huge.bin", b"huge\n")
    f("multi.bin", b"m" * B)


def rename(iso, dirpath, old, new, flags=0):
    recs = iso.dir(dirpath)
    r = [r for r in recs if Iso.rname(r, False) == old][0]
    r.set_nm(new, flags)
    iso.put_dir(recs)
    return recs


def rr_names_slash(iso, absdir):
    rename(iso, "/", b"slash1", b"../../evil")
    rename(iso, "/", b"slash2", absdir.encode() + b"/evil")


def rr_names_dots(iso, absdir):
    recs = iso.dir("/dots")
    names = {b"p1": (b".", 0), b"p2": (b"..", 0), b"p3": (b"", 0),
             b"p4": (b"", 4), b"p5": (b"", 2)}
    for r in recs:
        n = Iso.rname(r, False)
        if n in names:
            r.set_nm(*names[n])
    iso.put_dir(recs)


def rr_name_nul(iso, absdir):
    rename(iso, "/", b"nul", b"nul\0byte")


def rr_names_dup(iso, absdir):
    rename(iso, "/", b"same1", b"same")
    rename(iso, "/", b"same2", b"same")


def link_dir(iso, link, linkdir):
    """The directory linkdir renamed "link" and put right after the symlink
    link, also renamed "link" (any other "link" becomes "alink"), so that
    a naive extractor makes the symlink, then writes the directory's
    files through it."""
    recs = iso.dir("/")
    s = [r for r in recs if Iso.rname(r, False) == link][0]
    d = [r for r in recs if Iso.rname(r, False) == linkdir][0]
    for r in recs:
        if Iso.rname(r, False) == b"link" and r is not s:
            r.set_nm(b"alink")
    recs.remove(d)
    s.set_nm(b"link")
    d.set_nm(b"link")
    recs.insert(recs.index(s) + 1, d)
    iso.put_dir(recs)


def rr_link_abs(iso, absdir):
    link_dir(iso, b"link", b"linkdir")


def rr_link_rel(iso, absdir):
    link_dir(iso, b"rlink", b"rlinkdir")


def rr_cl_loop(iso, absdir):
    recs = iso.dir("/d/e")
    d_recs, i = iso.lookup("/d")
    target_d = d_recs[i]
    root = iso.root()
    tmpl = [r for r in recs if Iso.rname(r, False) == b"f2.txt"][0]
    for name, isoname, target in ((b"back", b"BACK.;1", target_d), (b"top", b"TOP.;1", root)):
        r = tmpl.copy()
        r.name = isoname
        r.flags = 0
        r.lba, r.size = target.lba, 0
        r.su = [e for e in r.su if e[0] not in (b"NM", b"PX")]
        r.su.insert(0, px_dir(tmpl.entry(b"PX")))
        r.su.append(nm(name))
        r.su.append(susp(b"CL", both32(target.lba)))
        recs.append(r)
    iso.put_dir(recs)


def dir_alias(iso, name, isoname, target):
    recs = iso.dir("/d")
    e = [r for r in recs if Iso.rname(r, False) == b"e"][0]
    r = e.copy()
    r.name = isoname
    r.lba, r.size = target.lba, target.size
    r.set_nm(name)
    recs.append(r)
    iso.put_dir(recs)


def iso_dir_self(iso, absdir):
    recs, i = iso.lookup("/d")
    dir_alias(iso, b"self", b"SELF", recs[i])


def iso_dir_parent(iso, absdir):
    dir_alias(iso, b"up", b"UP", iso.root())


def rr_sl_10000(iso, absdir):
    recs = iso.dir("/")
    r = [r for r in recs if Iso.rname(r, False) == b"longlink"][0]
    per_entry, entries, per_area = 125, 80, 7        # 125 * 80 = 10,000
    sls = [susp(b"SL", bytes([1 if k < entries - 1 else 0]) + b"\x04\x00" * per_entry)
           for k in range(entries)]
    areas = [sls[k:k + per_area] for k in range(0, entries, per_area)]
    first = iso.append(len(areas))
    length = 0                          # of the area after this one
    for k in reversed(range(len(areas))):
        a = areas[k] + ([ce(first + k + 1, 0, length)] if k < len(areas) - 1 else [])
        blob = b"".join(sig + bytes([4 + len(data), ver]) + data for sig, ver, data in a)
        assert len(blob) <= B
        iso.d[(first + k) * B:(first + k) * B + len(blob)] = blob
        length = len(blob)
    r.su = [e for e in r.su if e[0] != b"SL"] + [ce(first, 0, length)]
    iso.put_dir(recs)


def rr_ce_loop(iso, absdir):
    recs = iso.dir("/")
    a = iso.append(3)
    b, c = a + 1, a + 2

    def area(at, entries):
        blob = b"".join(sig + bytes([4 + len(data), ver]) + data
                        for sig, ver, data in entries)
        iso.d[at * B:at * B + len(blob)] = blob
        return len(blob)

    ln = area(a, [nm(b"celoop", 1), ce(a, 0, 0)])
    area(a, [nm(b"celoop", 1), ce(a, 0, ln)])          # itself
    lb = area(b, [nm(b"x", 1), ce(c, 0, 0)])
    lc = area(c, [nm(b"y", 1), ce(b, 0, lb)])          # back to b
    area(b, [nm(b"x", 1), ce(c, 0, lc)])
    for r in recs:
        if Iso.rname(r, False) == b"celoop":
            r.su = [e for e in r.su if e[0] != b"NM"] + [ce(a, 0, ln)]
        elif Iso.rname(r, False) == b"celoop2":
            r.su = [e for e in r.su if e[0] != b"NM"] + [ce(b, 0, lb)]
    iso.put_dir(recs)


def iso_extent_past_end(iso, absdir):
    recs = iso.dir("/")
    end = len(iso.d) // B
    for r in recs:
        if Iso.rname(r, False) == b"far.bin":
            r.lba = end + 1000
        elif Iso.rname(r, False) == b"fardir":
            r.lba = end + 2000
    iso.put_dir(recs)


def iso_size_ffffffff(iso, absdir):
    recs = iso.dir("/")
    for r in recs:
        if Iso.rname(r, False) == b"huge.bin":
            r.size = 0xFFFFFFFF
    iso.put_dir(recs)


def iso_multiextent_endless(iso, absdir):
    recs = iso.dir("/")
    m = [r for r in recs if Iso.rname(r, False) == b"multi.bin"][0]
    recs.remove(m)
    m.flags |= 0x80
    recs += [m.copy() for k in range(300)]      # the last one too: no end
    iso.put_dir(recs)


def joliet_tree(src):
    def f(path, data):
        write(os.path.join(src, path), data)
    f("a.txt", b"a\n")
    f("j1", b"jslash\n")
    f("j2", b"jslash\n")
    for k in range(1, 5):
        f("jdots/q%d" % k, b"jdot\n")


def joliet_names(iso, absdir):
    def u(s):
        return s.encode("utf-16-be")
    recs = iso.dir("/", joliet=True)
    for r in recs:
        n = Iso.rname(r, True)
        if n == b"j1":
            r.name = u("../../jevil;1")
        elif n == b"j2":
            r.name = u(absdir + "/jevil;1")
    iso.put_dir(recs, joliet=True)
    recs = iso.dir("/jdots", joliet=True)
    new = {b"q1": ".", b"q2": "..", b"q3": ";1", b"q4": "..;1"}
    for r in recs:
        n = Iso.rname(r, True)
        if n in new:
            r.name = u(new[n])
    iso.put_dir(recs, joliet=True)


# -- UDF --------------------------------------------------------------------

def retag(d, off, length):
    """Tag checksum and CRC (ECMA-167 3/7.2) of the descriptor of length
    bytes at off."""
    struct.pack_into("<H", d, off + 10, length - 16)
    struct.pack_into("<H", d, off + 8, binascii.crc_hqx(bytes(d[off + 16:off + length]), 0))
    d[off + 4] = (sum(d[off:off + 4]) + sum(d[off + 5:off + 16])) & 0xff


class Fid:
    def __init__(self, raw):
        self.raw = bytearray(raw)
        self.chars = raw[18]
        lfi, liu = raw[19], struct.unpack_from("<H", raw, 36)[0]
        self.icb = bytes(raw[20:36])
        self.iu = bytes(raw[38:38 + liu])
        self.ident = bytes(raw[38 + liu:38 + liu + lfi])
        self.lfi = None                 # a forced L_FI

    @property
    def block(self):
        return struct.unpack_from("<I", self.icb, 4)[0]

    @block.setter
    def block(self, b):
        self.icb = self.icb[:4] + struct.pack("<I", b) + self.icb[8:]

    def name(self):
        if not self.ident:
            return b""
        if self.ident[0] == 16:
            return self.ident[1:].decode("utf-16-be").encode("utf-8", "surrogateescape")
        return self.ident[1:]

    def set_name(self, name):
        try:
            self.ident = b"\x08" + name.decode("utf-8").encode("latin-1")
        except UnicodeError:
            self.ident = b"\x10" + name.decode("utf-8").encode("utf-16-be")

    def bytes(self, location):
        body = bytearray(self.raw[:16])
        body += self.raw[16:18] + bytes([self.chars])
        body += bytes([len(self.ident) if self.lfi is None else self.lfi])
        body += self.icb + struct.pack("<H", len(self.iu)) + self.iu + self.ident
        body += bytes(-len(body) % 4)
        struct.pack_into("<I", body, 12, location)
        return body


class Udf:
    def __init__(self, data):
        self.d = bytearray(data)
        vlen, vloc = struct.unpack_from("<II", self.d, 256 * B + 16)
        for s in range(vloc, vloc + vlen // B):
            t = struct.unpack_from("<H", self.d, s * B)[0]
            if t == 5:
                self.pstart, self.plen = struct.unpack_from("<II", self.d, s * B + 188)
            elif t == 6:
                fsd = struct.unpack_from("<I", self.d, s * B + 252)[0]
            elif t == 8:
                break
        self.root = struct.unpack_from("<I", self.d, self.off(fsd) + 404)[0]

    def off(self, block):
        return (self.pstart + block) * B

    def fe(self, block):
        """(offset, tag id, where the EAs start, L_EA, L_AD, AD type)."""
        o = self.off(block)
        t = struct.unpack_from("<H", self.d, o)[0]
        base, lea_at = (176, 168) if t == 261 else (216, 208)
        lea, lad = struct.unpack_from("<II", self.d, o + lea_at)
        return o, t, base, lea, lad, struct.unpack_from("<H", self.d, o + 34)[0] & 7

    def fe_retag(self, block):
        o, t, base, lea, lad, adt = self.fe(block)
        retag(self.d, o, base + lea + lad)

    def dir_fids(self, block):
        """The FIDs of the directory whose File Entry is at block."""
        o, t, base, lea, lad, adt = self.fe(block)
        size = struct.unpack_from("<Q", self.d, o + 56)[0]
        if adt == 3:
            data = self.d[o + base + lea:o + base + lea + lad]
        else:
            assert adt == 0
            ln, pos = struct.unpack_from("<II", self.d, o + base + lea)
            data = self.d[self.off(pos):self.off(pos) + size]
        fids, i = [], 0
        while i + 38 <= len(data):
            lfi, liu = data[i + 19], struct.unpack_from("<H", data, i + 36)[0]
            n = (38 + liu + lfi + 3) & ~3
            fids.append(Fid(data[i:i + n]))
            i += n
        return fids

    def put_fids(self, block, fids):
        """Writes the FIDs of the directory at block back (in its File Entry
        or in its one extent), retagged, its length updated."""
        o, t, base, lea, lad, adt = self.fe(block)
        if adt == 3:
            at, loc = o + base + lea, block
        else:
            ln, pos = struct.unpack_from("<II", self.d, o + base + lea)
            at, loc = self.off(pos), pos
        data = bytearray()
        for f in fids:
            b = f.bytes(loc + (at % B + len(data)) // B)
            n = (38 + len(f.iu) + len(f.ident) + 3) & ~3     # the real length
            retag(b, 0, n)
            data += b
        size = sum((38 + len(f.iu) + len(f.ident) + 3) & ~3 for f in fids)
        if adt == 3:
            assert base + lea + size <= B
            self.d[at:at + max(size, lad)] = data + bytes(max(0, lad - size))
            struct.pack_into("<I", self.d, o + base - 4, size)   # L_AD
        else:
            room = ((ln & 0x3fffffff) + B - 1) // B * B
            assert size <= room
            self.d[at:at + max(size, ln & 0x3fffffff)] = data + bytes(max(0, (ln & 0x3fffffff) - size))
            struct.pack_into("<I", self.d, o + base + lea, size)
        struct.pack_into("<Q", self.d, o + 56, size)
        if t == 266:
            struct.pack_into("<Q", self.d, o + 64, size)
        self.fe_retag(block)

    def lookup(self, path):
        """(the File Entry block of the directory holding path, that
        directory's FIDs, the index of path's FID)."""
        parts = [p.encode() for p in path.split("/") if p]
        cur = self.root
        for k, p in enumerate(parts):
            fids = self.dir_fids(cur)
            i = [j for j, f in enumerate(fids) if not f.chars & 8 and f.name() == p][0]
            if k == len(parts) - 1:
                return cur, fids, i
            cur = fids[i].block

    def block_of(self, path):
        if path == "/":
            return self.root
        dirb, fids, i = self.lookup(path)
        return fids[i].block


def udf_tree(src, absdir, links):
    """The UDF tree; the symlinks only with links (7-Zip opens no UDF image
    that holds one, and only udf_link_dir needs them)."""
    def f(path, data):
        write(os.path.join(src, path), data)
    f("a.txt", b"a\n")
    f("d/f.txt", b"f\n")
    os.makedirs(os.path.join(src, "d/self"))
    os.makedirs(os.path.join(src, "d/up"))
    f("aed.bin", b"A" * 3 * B)
    f("pad.bin", b"P" * 2 * B)
    f("len63.bin", b"6" * 2 * B)
    f("len64.bin", b"6" * 2 * B)
    f("far.bin", b"F" * 2 * B)
    if links:
        os.symlink(absdir, os.path.join(src, "link"))
        f("linx/" + CANARY, b"canary\n")
        os.symlink("../..", os.path.join(src, "rlink"))
        f("rlinx/" + CANARY, b"canary\n")
    f("e1", b"slash\n")
    f("e2", b"slash\n")
    name_clashes(f)
    for k in range(1, 4):
        f("udots/n%d" % k, b"dot\n")
    f("fidrun/zlast", b"z\n")
    os.makedirs(os.path.join(src, "dirself"))


def udf_retarget(u, path, target):
    dirb, fids, i = u.lookup(path)
    block = u.block_of(target)
    o, t = u.fe(block)[:2]
    unique = struct.unpack_from("<I", u.d, o + (160 if t == 261 else 200))[0]
    f = fids[i]
    f.block = block
    f.icb = f.icb[:12] + struct.pack("<I", unique)     # the UDF unique ID too
    u.put_fids(dirb, fids)


def udf_fid_self(u, absdir):
    udf_retarget(u, "/d/self", "/d")


def udf_fid_parent(u, absdir):
    udf_retarget(u, "/d/up", "/")


def short_ads(u, path):
    block = u.block_of(path)
    o, t, base, lea, lad, adt = u.fe(block)
    assert adt == 0, (path, adt)
    return block, o, base + lea, lad


def udf_aed_loop(u, absdir):
    block, o, at, lad = short_ads(u, "/aed.bin")
    ln, pos = struct.unpack_from("<II", u.d, o + at)
    pblock, po, pat, plad = short_ads(u, "/pad.bin")
    aed = struct.unpack_from("<I", u.d, po + pat + 4)[0]   # pad.bin's first block
    a = u.off(aed)
    u.d[a:a + B] = bytes(B)
    version = struct.unpack_from("<H", u.d, o + 2)[0]         # the File Entry's
    struct.pack_into("<HH", u.d, a, 258, version)
    struct.pack_into("<IIII", u.d, a + 12, aed, 0, 8, (3 << 30) | B)
    struct.pack_into("<I", u.d, a + 28, aed)                   # continues at itself
    retag(u.d, a, 24 + 8)
    struct.pack_into("<IIII", u.d, o + at, B, pos, (3 << 30) | B, aed)
    struct.pack_into("<I", u.d, o + at - 4, 16)                # L_AD
    u.fe_retag(block)


def udf_len_huge(u, absdir):
    for path, size in (("/len63.bin", 1 << 63), ("/len64.bin", (1 << 64) - 1)):
        block = u.block_of(path)
        o, t, base, lea, lad, adt = u.fe(block)
        struct.pack_into("<Q", u.d, o + 56, size)
        if t == 266:
            struct.pack_into("<Q", u.d, o + 64, size)
        u.fe_retag(block)


def udf_fid_overrun(u, absdir):
    block = u.block_of("/fidrun")
    fids = u.dir_fids(block)
    o, t, base, lea, lad, adt = u.fe(block)
    # the last FID: L_FI 255 (its CRC over the 255 bytes, most of them past
    # the directory); the directory keeps its length
    last = sum((38 + len(f.iu) + len(f.ident) + 3) & ~3 for f in fids[:-1])
    if adt == 3:
        at = o + base + lea + last
    else:
        at = u.off(struct.unpack_from("<I", u.d, o + base + lea + 4)[0]) + last
    u.d[at + 19] = 255
    n = (38 + len(fids[-1].iu) + 255 + 3) & ~3
    retag(u.d, at, n)
    u.fe_retag(block)


def udf_extent_outside(u, absdir):
    block, o, at, lad = short_ads(u, "/far.bin")
    struct.pack_into("<I", u.d, o + at + 4, u.plen + 1000)
    u.fe_retag(block)


def udf_link_dir(u, absdir):
    fids = u.dir_fids(u.root)
    for link, linx in ((b"link", b"linx"), (b"rlink", b"rlinx")):
        d = [f for f in fids if f.name() == linx][0]
        fids.remove(d)
        d.set_name(link)
        i = [k for k, f in enumerate(fids) if f.name() == link][0]
        fids.insert(i + 1, d)
    u.put_fids(u.root, fids)


def udf_names(u, absdir):
    fids = u.dir_fids(u.root)
    new = {b"e1": b"../../evil", b"e2": absdir.encode() + b"/evil",
           b"nul": b"nul\0byte", b"same1": b"same", b"same2": b"same"}
    for f in fids:
        if f.name() in new:
            f.set_name(new[f.name()])
    u.put_fids(u.root, fids)
    block = u.block_of("/udots")
    fids = u.dir_fids(block)
    new = {b"n1": b".", b"n2": b"..", b"n3": b""}
    for f in fids:
        if f.name() in new and not f.chars & 8:
            f.set_name(new[f.name()])
            if f.ident == b"\x08":
                f.ident = b""                              # L_FI 0
    u.put_fids(block, fids)


def udf_dir_data_self(u, absdir):
    block = u.block_of("/dirself")
    o, t, base, lea, lad, adt = u.fe(block)
    u.d[o + base + lea:o + base + lea + lad] = bytes(lad)
    flags = struct.unpack_from("<H", u.d, o + 34)[0]
    struct.pack_into("<H", u.d, o + 34, flags & ~7)          # short_ads
    struct.pack_into("<II", u.d, o + base + lea, B, block)  # its own block
    struct.pack_into("<I", u.d, o + base - 4, 8)
    struct.pack_into("<Q", u.d, o + 56, B)
    if t == 266:
        struct.pack_into("<Q", u.d, o + 64, B)
    u.fe_retag(block)


ISO_IMAGES = [rr_names_slash, rr_names_dots, rr_name_nul, rr_names_dup,
              rr_link_abs, rr_link_rel, rr_cl_loop, iso_dir_self, iso_dir_parent,
              rr_sl_10000, rr_ce_loop, iso_extent_past_end, iso_size_ffffffff,
              iso_multiextent_endless]
UDF_IMAGES = [udf_fid_self, udf_fid_parent, udf_aed_loop, udf_len_huge,
              udf_fid_overrun, udf_extent_outside, udf_link_dir, udf_names,
              udf_dir_data_self]


def main(argv):
    args = argv[1:]
    out, absdir, gm = None, "/tmp", None
    while args:
        a = args.pop(0)
        if a == "--abs":
            absdir = args.pop(0)
        elif a == "--gm":
            gm = args.pop(0)
        else:
            out = a
    if out is None or not absdir.startswith("/"):
        raise SystemExit("usage: fshostile.py OUTDIR [--abs DIR] [--gm GLASSMASTER]")
    os.makedirs(out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="fshostile.")
    try:
        rr_tree(os.path.join(tmp, "rr"), absdir)
        base = mkiso(os.path.join(tmp, "rr"), os.path.join(tmp, "rr.iso"))
        for fn in ISO_IMAGES:
            iso = Iso(base)
            fn(iso, absdir)
            write(os.path.join(out, fn.__name__ + ".iso"), iso.d)
            print(fn.__name__)
        joliet_tree(os.path.join(tmp, "j"))
        iso = Iso(mkiso(os.path.join(tmp, "j"), os.path.join(tmp, "j.iso"), rock=False))
        joliet_names(iso, absdir)
        write(os.path.join(out, "joliet_names.iso"), iso.d)
        print("joliet_names")
        if gm is None:
            print("fshostile.py: no --gm: the UDF images are left out", file=sys.stderr)
            return 0
        bases = {}
        for links in (False, True):
            src = os.path.join(tmp, "udf%d" % links)
            udf_tree(src, absdir, links)
            r = subprocess.run([gm, "master", src, "-o", src + ".iso", "--fs", "udf",
                                "--udf-rev", "2.01", "--udf-symlinks", "keep", "--quiet",
                                "--date", "1700000000"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if r.returncode:
                sys.stderr.write(r.stderr.decode(errors="replace"))
                raise SystemExit("fshostile.py: glassmaster master --fs udf failed")
            with open(src + ".iso", "rb") as f:
                bases[links] = f.read()
        for fn in UDF_IMAGES:
            u = Udf(bases[fn is udf_link_dir])
            fn(u, absdir)
            write(os.path.join(out, fn.__name__ + ".iso"), u.d)
            print(fn.__name__)
    finally:
        shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
