#!/usr/bin/env python3
# udfcheck.py - a structural checker of UDF images, written from ECMA-167
# and OSTA UDF apart from the writer (master/udf.c): it shares no code
# with it.  It finds the anchors at 256, N-256 and N, reads both volume
# descriptor sequences and the integrity sequence, then walks the file set
# from the FSD: every descriptor's tag checksum, CRC (over the CRC length
# the tag gives, which must be the descriptor's length less 16) and tag
# location (absolute for volume structures, partition-relative inside the
# partition), every File Entry's allocation descriptors (through
# Allocation Extent Descriptors) within the partition, the FIDs' unique
# IDs against their File Entries, link counts against the FIDs naming a
# File Entry, and the LVID's file and directory counts and next unique ID.
#
#   python3 udfcheck.py IMAGE [REVISION]     (REVISION as 0x0201)
#
# Prints "ok: N descriptors, F files, D directories" or the problems, one
# a line, and exits 1.
import mmap
import struct
import sys

B = 2048


def crc_ccitt(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xffff
    return crc


class Checker:
    def __init__(self, path, revision):
        with open(path, "rb") as f:   # mapped: images may be GiBs
            self.img = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self.revision = revision
        self.problems = []
        self.ndesc = 0
        if len(self.img) % B:
            self.bad("the image is not a multiple of 2048 bytes")
        self.n = len(self.img) // B - 1   # the last sector

    def bad(self, text):
        self.problems.append(text)

    def sector(self, lba):
        return self.img[lba * B:(lba + 1) * B]

    def tag(self, data, want_id, location, what, length=None):
        """Check a tag at the start of data; returns the identifier."""
        if len(data) < 16:
            self.bad("%s: cut short" % what)
            return None
        ident, version, checksum, _, serial, crc, crc_len, loc = struct.unpack_from(
            "<HHBBHHHI", data)
        self.ndesc += 1
        if sum(data[0:4]) + sum(data[5:16]) & 0xff != checksum:
            self.bad("%s: tag checksum %d, the bytes sum to %d" %
                     (what, checksum, (sum(data[0:4]) + sum(data[5:16])) & 0xff))
        if want_id is not None and ident != want_id:
            self.bad("%s: tag identifier %d, not %d" % (what, ident, want_id))
        if version != 3:
            self.bad("%s: descriptor version %d, not 3 (NSR03)" % (what, version))
        if loc != location:
            self.bad("%s: tag location %d, not %d" % (what, loc, location))
        if length is not None and crc_len != length - 16:
            self.bad("%s: CRC length %d, the descriptor has %d bytes" %
                     (what, crc_len, length))
        if 16 + crc_len > len(data):
            self.bad("%s: CRC length %d past the descriptor" % (what, crc_len))
        elif crc_ccitt(data[16:16 + crc_len]) != crc:
            self.bad("%s: CRC %04x, the body's is %04x" %
                     (what, crc, crc_ccitt(data[16:16 + crc_len])))
        return ident

    def run(self):
        anchors = [256, self.n - 256, self.n]
        vds = None
        for at in anchors:
            d = self.sector(at)
            self.tag(d, 2, at, "AVDP at %d" % at, 512)
            this = struct.unpack_from("<IIII", d, 16)
            if vds is not None and this != vds:
                self.bad("AVDP at %d points elsewhere than the one at 256" % at)
            vds = vds or this
        main_len, main_at, res_len, res_at = vds
        if main_len < 16 * B or res_len < 16 * B:
            self.bad("a volume descriptor sequence extent under 16 sectors")
        seqs = [self.read_vds(main_at, main_len, "main"),
                self.read_vds(res_at, res_len, "reserve")]
        if seqs[0] != seqs[1]:
            self.bad("the main and reserve sequences differ")
        part, lvd = seqs[0]["part"], seqs[0]["lvd"]
        if part is None or lvd is None:
            self.bad("no partition or logical volume descriptor")
            return
        self.part_start, self.part_len = part
        if self.part_start + self.part_len > self.n - 256:
            self.bad("the partition runs into the anchor at N-256")
        fsd_block, int_len, int_at = lvd
        lvid = self.read_lvid(int_at, int_len)
        # the file set
        self.fes = {}        # block -> [type, links, unique, fids naming it]
        self.max_unique = 0
        d = self.block(fsd_block)
        self.tag(d, 256, fsd_block, "FSD", 512)
        if d[416 + 1:416 + 20] != b"*OSTA UDF Compliant":
            self.bad("FSD: domain is not *OSTA UDF Compliant")
        if struct.unpack_from("<H", d, 416 + 24)[0] != self.revision:
            self.bad("FSD: domain revision is not %04x" % self.revision)
        root_len, root = struct.unpack_from("<II", d, 400)
        self.walk(root, root, "/", 0)
        files = sum(1 for f in self.fes.values() if f[0] != 4)
        dirs = sum(1 for f in self.fes.values() if f[0] == 4)
        for block, (ftype, links, unique, named) in sorted(self.fes.items()):
            if links != named:
                self.bad("File Entry at %d: link count %d, %d FIDs name it" %
                         (block, links, named))
        if lvid is not None:
            lv_files, lv_dirs, next_unique, revs = lvid
            if (lv_files, lv_dirs) != (files, dirs):
                self.bad("LVID: %d files, %d directories; the tree has %d, %d" %
                         (lv_files, lv_dirs, files, dirs))
            if next_unique <= self.max_unique or next_unique < 16:
                self.bad("LVID: next unique ID %d, %d is in use" %
                         (next_unique, self.max_unique))
            if revs != (self.revision,) * 3:
                self.bad("LVID: UDF revisions %s" % (revs,))
        self.files, self.dirs = files, dirs

    def read_vds(self, at, length, name):
        out = {"part": None, "lvd": None, "ids": []}
        for k in range(length // B):
            d = self.sector(at + k)
            ident = struct.unpack_from("<H", d)[0]
            lengths = {1: 512, 4: 512, 5: 512, 6: 446, 7: 24 + 8 *
                       struct.unpack_from("<I", d, 20)[0], 8: 512}
            if ident not in lengths:
                self.bad("%s VDS sector %d: descriptor %d" % (name, at + k, ident))
                break
            self.tag(d, None, at + k, "%s VDS descriptor %d" % (name, ident),
                     lengths[ident])
            out["ids"].append(ident)
            if ident == 5:
                out["part"] = struct.unpack_from("<II", d, 188)
                if d[25:31] != b"+NSR03":
                    self.bad("PD: contents are not +NSR03")
            elif ident == 6:
                if struct.unpack_from("<I", d, 212)[0] != B:
                    self.bad("LVD: block size is not 2048")
                if struct.unpack_from("<H", d, 216 + 24)[0] != self.revision:
                    self.bad("LVD: domain revision is not %04x" % self.revision)
                if d[440:446] != bytes([1, 6, 1, 0, 0, 0]):
                    self.bad("LVD: not one type 1 partition map")
                out["lvd"] = (struct.unpack_from("<I", d, 252)[0],) + \
                    struct.unpack_from("<II", d, 432)
            elif ident == 8:
                break
        if sorted(out["ids"]) != [1, 4, 5, 6, 7, 8]:
            self.bad("%s VDS holds descriptors %s" % (name, out["ids"]))
        return out

    def read_lvid(self, at, length):
        d = self.sector(at)
        n = struct.unpack_from("<I", d, 72)[0]
        iu = struct.unpack_from("<I", d, 76)[0]
        self.tag(d, 9, at, "LVID", 80 + 8 * n + iu)
        if struct.unpack_from("<I", d, 28)[0] != 1:
            self.bad("LVID: not closed")
        if length > B:
            self.tag(self.sector(at + 1), 8, at + 1, "TD after the LVID", 512)
        imp = 80 + 8 * n
        files, dirs = struct.unpack_from("<II", d, imp + 32)
        revs = struct.unpack_from("<HHH", d, imp + 40)
        return files, dirs, struct.unpack_from("<Q", d, 40)[0], revs

    def block(self, b):
        if b >= self.part_len:
            self.bad("block %d is past the partition" % b)
            return bytes(B)
        return self.sector(self.part_start + b)

    def extents(self, fe, d, ad_off, ad_len, what):
        """The data extents of a File Entry: (length, block) pairs."""
        out = []
        while True:
            for i in range(0, ad_len - ad_len % 8, 8):
                raw, pos = struct.unpack_from("<II", d, ad_off + i)
                kind, length = raw >> 30, raw & 0x3fffffff
                if kind == 3:
                    d = self.block(pos)
                    self.tag(d, 258, pos, "%s: AED" % what,
                             24 + struct.unpack_from("<I", d, 20)[0])
                    ad_off, ad_len = 24, struct.unpack_from("<I", d, 20)[0]
                    break
                if length == 0:
                    return out
                if length > 0x40000000 - B:
                    self.bad("%s: an extent of %d bytes" % (what, length))
                if pos + (length + B - 1) // B > self.part_len:
                    self.bad("%s: extent at %d past the partition" % (what, pos))
                out.append((length, pos))
            else:
                return out

    def walk(self, block, parent, path, depth):
        if depth > 64:
            self.bad("%s: too deep" % path)
            return
        d = self.block(block)
        l_ea, l_ad = struct.unpack_from("<II", d, 168)
        self.tag(d, 261, block, "File Entry of %s" % path, 176 + l_ea + l_ad)
        ftype = d[27]
        links = struct.unpack_from("<H", d, 48)[0]
        size = struct.unpack_from("<Q", d, 56)[0]
        unique = struct.unpack_from("<Q", d, 160)[0]
        self.max_unique = max(self.max_unique, unique)
        if block in self.fes:
            self.fes[block][3] += 1
            return
        self.fes[block] = [ftype, links, unique, 1]
        if path == "/":
            self.fes[block][3] = 1 if ftype == 4 else 0
            if unique != 0:
                self.bad("the root's unique ID is %d, not 0" % unique)
        elif 0 < unique < 16:
            self.bad("%s: unique ID %d is reserved" % (path, unique))
        adtype = struct.unpack_from("<H", d, 34)[0] & 7
        if adtype == 3:
            data = d[176 + l_ea:176 + l_ea + l_ad]
            if len(data) != size:
                self.bad("%s: %d bytes in the ICB, the size is %d" % (path, len(data), size))
        elif adtype == 0:
            ext = self.extents(block, d, 176 + l_ea, l_ad, path)
            if sum(e[0] for e in ext) != size:
                self.bad("%s: extents of %d bytes, the size is %d" %
                         (path, sum(e[0] for e in ext), size))
            for length, pos in ext[:-1]:
                if length % B:
                    self.bad("%s: an extent before the last is not whole blocks" % path)
            data = None
            if ftype == 4:
                data = b"".join(self.img[(self.part_start + p) * B:
                                         (self.part_start + p) * B + n] for n, p in ext)
                fid_blocks = [(p, n) for n, p in ext]
        else:
            self.bad("%s: allocation descriptor type %d" % (path, adtype))
            return
        if ftype != 4:
            return
        off = 0
        while off < len(data):
            if adtype == 3:
                loc = block
            else:
                loc, rem = None, off
                for p, n in fid_blocks:
                    if rem < n:
                        loc = p + rem // B
                        break
                    rem -= n
            l_fi = data[off + 19]
            l_iu = struct.unpack_from("<H", data, off + 36)[0]
            size = (38 + l_iu + l_fi + 3) & ~3
            fid = data[off:off + size]
            self.tag(fid, 257, loc, "FID in %s" % path, size)
            chars = fid[18]
            icb_block = struct.unpack_from("<I", fid, 24)[0]
            icb_unique = struct.unpack_from("<I", fid, 32)[0]
            name = fid[38 + l_iu:38 + l_iu + l_fi]
            if chars & 8:
                if icb_block != parent:
                    self.bad("%s: the parent FID points to %d, not %d" %
                             (path, icb_block, parent))
                if block != parent:
                    self.fes[parent][3] += 1
            else:
                if name[:1] == b"\x08":
                    text = name[1:].decode("latin-1")
                elif name[:1] == b"\x10":
                    text = name[1:].decode("utf-16-be")
                else:
                    self.bad("%s: a name with compression id %r" % (path, name[:1]))
                    text = "?"
                child = path + text + ("/" if chars & 2 else "")
                self.walk(icb_block, block, child, depth + 1)
                cu = self.fes[icb_block][2] & 0xffffffff
                if cu != icb_unique:
                    self.bad("%s: the FID's unique ID %d, its File Entry's %d" %
                             (child, icb_unique, cu))
                if bool(chars & 2) != (self.fes[icb_block][0] == 4):
                    self.bad("%s: the FID's directory bit and the file type disagree" % child)
            off += size


def main():
    rev = int(sys.argv[2], 16) if len(sys.argv) > 2 else 0x0201
    c = Checker(sys.argv[1], rev)
    c.run()
    if c.problems:
        for p in c.problems:
            print(p)
        sys.exit(1)
    print("ok: %d descriptors, %d files, %d directories" % (c.ndesc, c.files, c.dirs))


main()
