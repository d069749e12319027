#!/usr/bin/env python3
# udfcheck.py - a structural checker of UDF images, written from ECMA-167
# and OSTA UDF apart from the writer (master/udf.c): it shares no code
# with it.  It checks the volume recognition sequence at sector 16 (after
# any ISO 9660 descriptors: BEA01, NSR02 or NSR03 as the revision asks,
# TEA01), finds the anchors at 256 and N (and N-256 if any), reads both volume
# descriptor sequences (which must say the same) and the integrity
# sequence, sets up the partitions the logical volume maps (a type 1 map,
# and from UDF 2.50 a metadata partition map: the metadata file and its
# mirror, whose extents in the physical partition make the metadata
# partition's blocks), then walks the file set from the FSD: every
# descriptor's tag checksum, version, CRC (over the CRC length the tag
# gives, which must be the descriptor's length less 16) and tag location
# (absolute for volume structures, the block in its partition inside a
# partition), every File Entry's or Extended File Entry's allocation
# descriptors (short or long, through Allocation Extent Descriptors)
# within their partitions, the FIDs' unique IDs against their File
# Entries, link counts against the FIDs naming a File Entry, and the
# LVID's file and directory counts, partition sizes, revisions and next
# unique ID.
#
#   python3 udfcheck.py [--list FILE] IMAGE [REVISION]
#
# REVISION as 0x0201 (the default).  --list FILE writes a line for each
# regular file: its path, the absolute sector where its data begins (its
# File Entry's when the data is in the ICB), its size and the number of
# its extents (0 in the ICB), as "/dir/name|sector|size|extents".
#
# Below revision 0x0200 (UDF 1.02, 1.50) the descriptors are version 2,
# the partition "+NSR02" and every file has a File Entry (tag 261); from
# 0x0200 on they are version 3, "+NSR03", and a file may have a File
# Entry or an Extended File Entry (tag 266).
#
# Prints "ok: N descriptors, F files, D directories" (F: the files of the
# file set that are no directories; the metadata files are not counted)
# or the problems, one a line, and exits 1.
import binascii
import bisect
import mmap
import struct
import sys

B = 2048
MAX_EXTENT = 0x40000000 - B       # the longest extent a 30-bit length holds
FE, EFE, AED, FID, FSD, SBD, USE = 261, 266, 258, 257, 256, 264, 263
DIR = 4                           # file type of a directory (ECMA 4/14.6.6)
META_TYPES = {250: "metadata file", 251: "metadata mirror file",
              252: "metadata bitmap file"}


def crc_ccitt(data):
    """The CRC of ECMA-167 1/7.2.6: x^16 + x^12 + x^5 + 1, from 0, no
    reflection; binascii's crc_hqx is that very CRC, table-driven in C."""
    return binascii.crc_hqx(data, 0)


assert crc_ccitt(b"\x70\x6a\x77") == 0x3299   # the example of ECMA-167 1/7.2.6


def u16(d, off):
    return struct.unpack_from("<H", d, off)[0]


def u32(d, off):
    return struct.unpack_from("<I", d, off)[0]


def u64(d, off):
    return struct.unpack_from("<Q", d, off)[0]


def blocks(nbytes):
    return (nbytes + B - 1) // B


class Part:
    """A partition as the logical volume sees it: its length in blocks and
    runs (first block, blocks, absolute sector) that map its blocks."""

    def __init__(self, name, length, runs):
        self.name, self.length, self.runs = name, length, runs
        self.firsts = [r[0] for r in runs]

    def contig(self, b):
        """(absolute sector of block b, blocks from there in the same run)."""
        if b >= self.length:
            return None
        i = bisect.bisect_right(self.firsts, b) - 1
        if i < 0:
            return None
        first, count, at = self.runs[i]
        if b - first >= count:
            return None
        return at + b - first, count - (b - first)


class Checker:
    def __init__(self, path, revision):
        with open(path, "rb") as f:   # mapped: images may be GiBs
            self.img = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self.revision = revision
        self.tagver = 2 if revision < 0x0200 else 3
        self.nsr = b"NSR02" if revision < 0x0200 else b"NSR03"
        self.fe_ids = (FE,) if revision < 0x0200 else (FE, EFE)
        self.problems = []
        self.ndesc = 0
        self.files = self.dirs = 0
        if len(self.img) % B:
            self.bad("the image is not a multiple of 2048 bytes")
        self.n = len(self.img) // B - 1   # the last sector
        self.parts = {}                   # partition reference -> Part
        self.meta = None                  # the metadata partition's reference
        self.data_at = {}                 # File Entry -> (first sector of its data, size)
        self.listing = []                 # (path, sector, size) of each regular file

    def bad(self, text):
        self.problems.append(text)

    def sector(self, lba):
        return self.img[lba * B:(lba + 1) * B]

    def tag(self, data, want_id, location, what, length=None, short_crc=False):
        """Check a tag at the start of data; returns the identifier.
        want_id: an identifier, a tuple of them, or None for any."""
        if len(data) < 16:
            self.bad("%s: cut short" % what)
            return None
        ident, version, checksum, _, serial, crc, crc_len, loc = struct.unpack_from(
            "<HHBBHHHI", data)
        self.ndesc += 1
        if sum(data[0:4]) + sum(data[5:16]) & 0xff != checksum:
            self.bad("%s: tag checksum %d, the bytes sum to %d" %
                     (what, checksum, (sum(data[0:4]) + sum(data[5:16])) & 0xff))
        wants = want_id if isinstance(want_id, tuple) else (want_id,)
        if want_id is not None and ident not in wants:
            self.bad("%s: tag identifier %d, not %s" %
                     (what, ident, " or ".join(str(w) for w in wants)))
        if version != self.tagver:
            self.bad("%s: descriptor version %d, not %d (%s)" %
                     (what, version, self.tagver, self.nsr.decode()))
        if loc != location:
            self.bad("%s: tag location %d, not %d" % (what, loc, location))
        # a Space Bitmap Descriptor's CRC may cover its first 8 bytes only
        # (as mkudffs has it): its bitmap may pass the 65535 bytes a CRC
        # length can cover
        if length is not None and crc_len != length - 16 and \
                not (short_crc and crc_len in (8, 65535)):
            self.bad("%s: CRC length %d, the descriptor has %d bytes" %
                     (what, crc_len, length))
        if 16 + crc_len > len(data):
            self.bad("%s: CRC length %d past the descriptor" % (what, crc_len))
        elif crc_ccitt(data[16:16 + crc_len]) != crc:
            self.bad("%s: CRC %04x, the body's is %04x" %
                     (what, crc, crc_ccitt(data[16:16 + crc_len])))
        return ident

    # -- the volume structures -------------------------------------------

    def check_vrs(self):
        """ECMA-167 2/8.3, 3/9.1: BEA01, NSR0x, TEA01 from sector 16, after
        any ISO 9660 (CD001) volume descriptors of a bridge image."""
        at = 16
        while at <= self.n and self.sector(at)[1:6] == b"CD001":
            at += 1
        seen = []
        for s in range(at, min(at + 64, self.n + 1)):
            d = self.sector(s)
            ident = d[1:6]
            if ident not in (b"BEA01", b"NSR02", b"NSR03", b"BOOT2", b"TEA01") or \
                    (ident == b"BEA01") != (not seen):
                seen.append(ident)
                break
            if d[0] != 0 or d[6] != 1:
                self.bad("VRS sector %d (%s): structure type %d, version %d, not 0, 1" %
                         (s, ident.decode(), d[0], d[6]))
            seen.append(ident)
            if ident == b"TEA01":
                break
        if seen[:1] != [b"BEA01"]:
            self.bad("VRS: no BEA01 at sector %d (after %d ISO 9660 descriptors) but %r" %
                     (at, at - 16, seen[:1]))
            return
        if seen[-1] != b"TEA01":
            self.bad("VRS: no TEA01 after the BEA01 at %d (%r)" % (at, seen[-1]))
        nsrs = [i for i in seen if i[:3] == b"NSR"]
        if nsrs != [self.nsr]:
            self.bad("VRS: %s, not one %s (revision %04x)" %
                     (b", ".join(nsrs).decode("latin-1") or "no NSR descriptor",
                      self.nsr.decode(), self.revision))

    def run(self):
        if self.n < 257:
            self.bad("the image has %d sectors, too few for UDF" % (self.n + 1))
            return
        self.check_vrs()
        # anchors at 256 and N (ECMA-167 3/8.4.2.1 asks for two of 256,
        # N-256 and N; genisoimage and mkudffs write these two), and one at
        # N-256 where there is one
        anchors = [256, self.n]
        if self.n - 256 > 256 and struct.unpack_from("<H", self.sector(self.n - 256), 0)[0] == 2:
            anchors.insert(1, self.n - 256)
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
        for ident in sorted(set(seqs[0]["bodies"]) | set(seqs[1]["bodies"])):
            x, y = seqs[0]["bodies"].get(ident, b""), seqs[1]["bodies"].get(ident, b"")
            if x != y:
                at = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]),
                          min(len(x), len(y)))
                self.bad("the main and reserve sequences differ in descriptor %d, byte %d" %
                         (ident, 16 + at))
        part, lvd = seqs[0]["part"], seqs[0]["lvd"]
        if part is None or lvd is None:
            self.bad("no partition or logical volume descriptor")
            return
        if not self.set_partitions(part, lvd):
            return
        lvid = self.read_lvid(lvd["int_at"], lvd["int_len"])
        # the file set
        self.fes = {}        # (partition, block) -> [type, links, unique, fids naming it]
        self.max_unique = 0
        fsd_pref, fsd_block = lvd["fsd"]
        if self.meta is not None and fsd_pref != self.meta:
            self.bad("FSD: in partition %d, not the metadata partition %d" %
                     (fsd_pref, self.meta))
        if fsd_pref not in self.parts:
            self.bad("FSD: partition reference %d, the volume has %d maps" %
                     (fsd_pref, len(lvd["maps"])))
            return
        d = self.block(fsd_pref, fsd_block)
        self.tag(d, FSD, fsd_block, "FSD", 512)
        if d[416 + 1:416 + 20] != b"*OSTA UDF Compliant":
            self.bad("FSD: domain is not *OSTA UDF Compliant")
        if u16(d, 416 + 24) != self.revision:
            self.bad("FSD: domain revision is not %04x" % self.revision)
        if lvd["fsd_len"] > B:      # the FSD extent may end with a TD
            t = self.block(fsd_pref, fsd_block + 1)
            if u16(t, 0) == 8:
                self.tag(t, 8, fsd_block + 1, "TD after the FSD", 512)
        root = (u16(d, 408), u32(d, 404))
        self.walk(root, root, "/", 0)
        files = sum(1 for f in self.fes.values() if f[0] is not None and f[0] != DIR)
        dirs = sum(1 for f in self.fes.values() if f[0] == DIR)
        for key, (ftype, links, unique, named) in sorted(self.fes.items()):
            if ftype is not None and links != named:
                self.bad("File Entry at %s: link count %d, %d FIDs name it" %
                         (self.where(key), links, named))
        if lvid is not None:
            lv_files, lv_dirs, next_unique, revs, sizes = lvid
            if (lv_files, lv_dirs) != (files, dirs):
                self.bad("LVID: %d files, %d directories; the tree has %d, %d" %
                         (lv_files, lv_dirs, files, dirs))
            if next_unique <= self.max_unique or next_unique < 16:
                self.bad("LVID: next unique ID %d, %d is in use" %
                         (next_unique, self.max_unique))
            # 2.60 without pseudo-overwrite reads as 2.50 (UDF 2.60
            # 2.2.6.4): the minimum read revision may stay 0x0250
            want = [(self.revision,) * 3]
            if self.revision == 0x0260:
                want.append((0x0250, 0x0260, 0x0260))
            if revs not in want:
                self.bad("LVID: UDF revisions %s, not %04x" %
                         (tuple("%04x" % r for r in revs), self.revision))
            for pref, p in sorted(self.parts.items()):
                if pref < len(sizes) and sizes[pref] != p.length:
                    self.bad("LVID: size of partition %d is %d, the %s has %d blocks" %
                             (pref, sizes[pref], p.name, p.length))
        self.files, self.dirs = files, dirs

    def read_vds(self, at, length, name):
        out = {"part": None, "lvd": None, "ids": [], "bodies": {}}
        for k in range(length // B):
            d = self.sector(at + k)
            ident = u16(d, 0)
            lengths = {1: 512, 4: 512, 5: 512, 6: 440 + u32(d, 264),
                       7: 24 + 8 * u32(d, 20), 8: 512}
            if ident not in lengths:
                self.bad("%s VDS sector %d: descriptor %d" % (name, at + k, ident))
                break
            size = min(lengths[ident], B)
            self.tag(d, None, at + k, "%s VDS descriptor %d" % (name, ident), lengths[ident])
            out["ids"].append(ident)
            out["bodies"][ident] = d[16:size]
            if ident == 5:
                out["part"] = {"number": u16(d, 22), "access": u32(d, 184),
                               "start": u32(d, 188), "length": u32(d, 192),
                               "header": d[56:184]}
                if d[25:31] != b"+" + self.nsr:
                    self.bad("PD: contents are not +%s" % self.nsr.decode())
            elif ident == 6:
                if u32(d, 212) != B:
                    self.bad("LVD: block size is not 2048")
                if d[216 + 1:216 + 20] != b"*OSTA UDF Compliant":
                    self.bad("LVD: domain is not *OSTA UDF Compliant")
                if u16(d, 216 + 24) != self.revision:
                    self.bad("LVD: domain revision is not %04x" % self.revision)
                out["lvd"] = {"fsd_len": u32(d, 248), "fsd": (u16(d, 256), u32(d, 252)),
                              "int_len": u32(d, 432), "int_at": u32(d, 436),
                              "maps": self.read_maps(d)}
            elif ident == 8:
                break
        if sorted(out["ids"]) != [1, 4, 5, 6, 7, 8]:
            self.bad("%s VDS holds descriptors %s" % (name, out["ids"]))
        return out

    def read_maps(self, d):
        """The LVD's partition maps (ECMA 3/10.7, UDF 2.2.8-2.2.10)."""
        mt_len, count = u32(d, 264), u32(d, 268)
        maps, off = [], 440
        while off < 440 + mt_len and off + 2 <= B:
            kind, size = d[off], d[off + 1]
            if size < 2:
                break
            m = d[off:off + size]
            if kind == 1 and size == 6:
                maps.append({"type": 1, "number": u16(m, 4)})
            elif kind == 2 and size == 64:
                maps.append({"type": 2, "id": m[5:28].rstrip(b"\0").decode("latin-1"),
                             "rev": u16(m, 28), "number": u16(m, 38),
                             "file": u32(m, 40), "mirror": u32(m, 44), "bitmap": u32(m, 48),
                             "alloc": u32(m, 52), "align": u16(m, 56), "flags": m[58]})
            else:
                maps.append({"type": kind, "size": size})
            off += size
        if off != 440 + mt_len or len(maps) != count:
            self.bad("LVD: %d partition maps in %d bytes, the map table holds %d in %d" %
                     (count, mt_len, len(maps), off - 440))
        return maps

    def set_partitions(self, part, lvd):
        """Maps the partition references; False when nothing can be walked."""
        maps = lvd["maps"]
        self.nmaps = len(maps)
        start, length = part["start"], part["length"]
        if start + length > self.n:
            self.bad("the partition runs into the anchor at N")
        phys = Part("partition", length, [(0, length, start)])
        metas = []
        for i, m in enumerate(maps):
            if m["type"] == 1:
                if m["number"] != part["number"]:
                    self.bad("LVD: map %d names partition %d, the PD is number %d" %
                             (i, m["number"], part["number"]))
                self.parts[i] = phys
            elif m["type"] == 2 and m["id"] == "*UDF Metadata Partition":
                metas.append(i)
            elif m["type"] == 2:
                self.bad("LVD: partition map %d is a %s map, unknown to this checker" %
                         (i, m["id"]))
            else:
                self.bad("LVD: partition map %d of type %d, %d bytes" %
                         (i, m["type"], m.get("size", 0)))
        if not self.parts:
            self.bad("LVD: no type 1 partition map")
            return False
        if maps[0]["type"] != 1:
            self.bad("LVD: the first partition map is not of type 1")
        if len(metas) > 1:
            self.bad("LVD: %d metadata partition maps" % len(metas))
        if self.revision >= 0x0250 and not metas:
            self.bad("LVD: no metadata partition map for revision %04x" % self.revision)
        if metas and self.revision < 0x0250:
            self.bad("LVD: a metadata partition map, revision %04x is below 0250" %
                     self.revision)
        if not metas and len(maps) != 1:
            self.bad("LVD: %d partition maps, not one type 1 map" % len(maps))
        self.check_space(part, min(self.parts))
        if metas:
            self.set_metadata(metas[0], maps[metas[0]], part)
        return True

    def check_space(self, part, pref):
        """The space bitmaps and tables of the partition header (ECMA 4/14.3)."""
        h = part["header"]
        for off, name, bitmap in ((0, "unallocated space table", False),
                                  (8, "unallocated space bitmap", True),
                                  (16, "partition integrity table", None),
                                  (24, "freed space table", False),
                                  (32, "freed space bitmap", True)):
            length, pos = u32(h, off), u32(h, off + 4)
            if length == 0:
                continue
            what = "PD: the %s at %d" % (name, pos)
            if bitmap is None:
                self.bad("%s: a partition integrity table (UDF 2.3.3 forbids it)" % what)
                continue
            d = self.block(pref, pos)
            if bitmap:
                nbits, nbytes = u32(d, 16), u32(d, 20)
                self.tag(d, SBD, pos, what, 24 + nbytes, short_crc=True)
                if nbits < part["length"] or nbytes < (nbits + 7) // 8:
                    self.bad("%s: %d bits in %d bytes for %d blocks" %
                             (what, nbits, nbytes, part["length"]))
                if blocks(24 + nbytes) > blocks(length) or \
                        pos + blocks(24 + nbytes) > part["length"]:
                    self.bad("%s: %d bytes of bitmap past its extent" % (what, nbytes))
            else:
                self.tag(d, USE, pos, what, 40 + u32(d, 36))

    def set_metadata(self, pref, m, part):
        """The metadata partition (UDF 2.2.10, 2.2.13): the metadata file's
        extents in the physical partition give its blocks; the mirror file
        holds the same bytes."""
        self.meta = pref
        if m["rev"] != self.revision:
            self.bad("LVD: the metadata partition map's revision is %04x, not %04x" %
                     (m["rev"], self.revision))
        if m["number"] != part["number"]:
            self.bad("LVD: the metadata partition map names partition %d, the PD is %d" %
                     (m["number"], part["number"]))
        phys = min(self.parts)      # the physical partition's reference
        files = {}
        for ftype, loc in ((250, m["file"]), (251, m["mirror"]), (252, m["bitmap"])):
            if ftype == 252 and loc == 0xFFFFFFFF:
                continue
            what = "the %s at %d" % (META_TYPES[ftype], loc)
            fe = self.read_fe((phys, loc), what)
            if fe is None:
                continue
            if fe["ftype"] != ftype:
                self.bad("%s: file type %d, not %d" % (what, fe["ftype"], ftype))
            if fe["adtype"] not in (0, 1):
                self.bad("%s: allocation descriptor type %d, not short or long" %
                         (what, fe["adtype"]))
                continue
            ext = self.ads(fe, (phys, loc), what)
            self.check_extents(ext, fe["size"], what)
            self.check_recorded(fe, ext, what)
            for kind, n, p, pos in ext:
                if p != phys:
                    self.bad("%s: an extent in partition %d, not the physical one" % (what, p))
                elif m["align"] > 1 and pos % m["align"] and ftype != 252:
                    self.bad("%s: an extent at %d, not aligned to %d blocks" %
                             (what, pos, m["align"]))
            files[ftype] = (fe, [e for e in ext if e[2] == phys])
            if ftype == 252 and files[ftype][1]:     # a Space Bitmap Descriptor
                pos = files[ftype][1][0][3]
                d = self.block(phys, pos)
                nbits, nbytes = u32(d, 16), u32(d, 20)
                self.tag(d, SBD, pos, "%s: its bitmap" % what, 24 + nbytes, short_crc=True)
                if fe["size"] != 24 + nbytes:
                    self.bad("%s: %d bytes, its bitmap descriptor %d" %
                             (what, fe["size"], 24 + nbytes))
        if 250 not in files:
            self.bad("LVD: no metadata file: nothing in the metadata partition can be read")
            self.parts[pref] = Part("metadata file", 0, [])
            return
        fe, ext = files[250]
        runs, first = [], 0
        for kind, n, p, pos in ext:
            runs.append((first, blocks(n), part["start"] + pos))
            first += blocks(n)
        self.parts[pref] = Part("metadata file", blocks(fe["size"]), runs)
        if 251 not in files:
            if m["mirror"] != 0xFFFFFFFF:
                self.bad("LVD: no metadata mirror file")
            return
        mfe, mext = files[251]
        if mfe["size"] != fe["size"]:
            self.bad("the metadata mirror file has %d bytes, the metadata file %d" %
                     (mfe["size"], fe["size"]))
        mirror = Part("metadata mirror file", blocks(mfe["size"]), [])
        first = 0
        for kind, n, p, pos in mext:
            mirror.runs.append((first, blocks(n), part["start"] + pos))
            mirror.firsts.append(first)
            first += blocks(n)
        self.compare(self.parts[pref], mirror, min(blocks(fe["size"]), mirror.length))

    def compare(self, a, b, length):
        """Whether the first length blocks of a and b hold the same bytes."""
        blk = 0
        while blk < length:
            ca, cb = a.contig(blk), b.contig(blk)
            if ca is None or cb is None:
                self.bad("the metadata (mirror) file has no block %d" % blk)
                return
            n = min(ca[1], cb[1], length - blk, 512)
            x = self.img[ca[0] * B:(ca[0] + n) * B]
            y = self.img[cb[0] * B:(cb[0] + n) * B]
            if x != y:
                for k in range(n):
                    if x[k * B:(k + 1) * B] != y[k * B:(k + 1) * B]:
                        break
                self.bad("the metadata mirror file differs from the metadata file"
                         " at metadata block %d" % (blk + k))
                return
            blk += n

    def read_lvid(self, at, length):
        """The last LVID of the integrity sequence (ECMA 3/10.10, 3/8.4.4)."""
        last, seen = None, set()
        while length and at not in seen:
            seen.add(at)
            nxt = None
            for k in range(length // B):
                s = self.sector(at + k)
                ident = u16(s, 0)
                if ident == 9:
                    n, iu = u32(s, 72), u32(s, 76)
                    self.tag(s, 9, at + k, "LVID", 80 + 8 * n + iu)
                    last, nxt = s, (u32(s, 32), u32(s, 36))
                elif ident == 8:
                    self.tag(s, 8, at + k, "TD after the LVID", 512)
                    break
                elif ident == 0 and last is not None:
                    break
                else:
                    self.bad("integrity sequence sector %d: descriptor %d" % (at + k, ident))
                    break
            if nxt is None or nxt[0] == 0:
                break
            length, at = nxt
        d = last
        if d is None:
            self.bad("no LVID")
            return None
        if u32(d, 28) != 1:
            self.bad("LVID: not closed")
        n = u32(d, 72)
        if n != self.nmaps:
            self.bad("LVID: %d partitions in its tables, the volume has %d maps" %
                     (n, self.nmaps))
        if 80 + 8 * n + 46 > B:
            self.bad("LVID: %d partitions do not fit" % n)
            return None
        sizes = struct.unpack_from("<%dI" % n, d, 80 + 4 * n)
        imp = 80 + 8 * n
        files, dirs = struct.unpack_from("<II", d, imp + 32)
        revs = struct.unpack_from("<HHH", d, imp + 40)
        return files, dirs, u64(d, 40), revs, sizes

    # -- the file set ----------------------------------------------------

    def where(self, key):
        pref, b = key
        return "%d" % b if len(self.parts) == 1 else "%d:%d" % (pref, b)

    def block(self, pref, b):
        p = self.parts.get(pref)
        c = p.contig(b) if p is not None else None
        if c is None:
            if p is None:
                self.bad("block %d of partition %d, which the volume has not" % (b, pref))
            else:
                self.bad("block %d is past the %s" % (b, p.name))
            return bytes(B)
        return self.sector(c[0])

    def read(self, pref, b, nbytes):
        """nbytes from block b of a partition on, as far as it reaches."""
        p, out = self.parts.get(pref), []
        while nbytes > 0 and p is not None:
            c = p.contig(b)
            if c is None:
                break
            take = min(nbytes, c[1] * B)
            out.append(self.img[c[0] * B:c[0] * B + take])
            nbytes -= take
            b += blocks(take)
        return b"".join(out)

    def read_fe(self, key, what):
        """Checks the File Entry or Extended File Entry at key (ECMA 4/14.9,
        4/14.17); returns its fields, or None when it is neither."""
        pref, b = key
        d = self.block(pref, b)
        ident = u16(d, 0)
        efe = ident == EFE
        hdr, l_off = (216, 208) if efe else (176, 168)
        l_ea, l_ad = struct.unpack_from("<II", d, l_off)
        self.tag(d, self.fe_ids if len(self.fe_ids) > 1 else FE, b, what,
                 hdr + l_ea + l_ad)
        if ident not in self.fe_ids:
            return None
        if hdr + l_ea + l_ad > B:
            self.bad("%s: L_EA %d and L_AD %d pass the block" % (what, l_ea, l_ad))
            return None
        fe = {"d": d, "hdr": hdr, "l_ea": l_ea, "l_ad": l_ad, "ftype": d[27],
              "links": u16(d, 48), "size": u64(d, 56), "adtype": u16(d, 34) & 7,
              "recorded": u64(d, 72 if efe else 64),
              "unique": u64(d, 200 if efe else 160)}
        if efe and u32(d, 152) == 0 and u64(d, 64) != fe["size"]:
            self.bad("%s: object size %d, the information length %d and no streams" %
                     (what, u64(d, 64), fe["size"]))
        return fe

    def ads(self, fe, key, what):
        """The extents of an (E)FE's allocation descriptors, through AEDs:
        (extent type, length, partition, block)."""
        d, off, length = fe["d"], fe["hdr"] + fe["l_ea"], fe["l_ad"]
        home, size = key[0], 8 if fe["adtype"] == 0 else 16
        out, seen = [], set()
        while True:
            nxt = None
            for i in range(0, length - length % size, size):
                raw, pos = struct.unpack_from("<II", d, off + i)
                pref = home if size == 8 else u16(d, off + i + 8)
                kind, n = raw >> 30, raw & 0x3fffffff
                if kind == 3:
                    nxt = (pref, pos)
                    break
                if n == 0:
                    return out
                out.append((kind, n, pref, pos))
            if nxt is None or nxt in seen:
                if nxt is not None:
                    self.bad("%s: the AEDs loop" % what)
                return out
            seen.add(nxt)
            d = self.block(*nxt)
            length = u32(d, 20)
            self.tag(d, AED, nxt[1], "%s: AED" % what, 24 + length)
            off, length = 24, min(length, B - 24)

    def check_extents(self, ext, size, what):
        if sum(e[1] for e in ext) != size:
            self.bad("%s: extents of %d bytes, the size is %d" %
                     (what, sum(e[1] for e in ext), size))
        for i, (kind, n, pref, pos) in enumerate(ext):
            if n > MAX_EXTENT:
                self.bad("%s: an extent of %d bytes" % (what, n))
            if n % B and i < len(ext) - 1:
                self.bad("%s: an extent before the last is not whole blocks" % what)
            p = self.parts.get(pref)
            if kind == 2:          # neither recorded nor allocated: no place
                continue
            if p is None:
                self.bad("%s: an extent in partition %d, which the volume has not" %
                         (what, pref))
            elif pos + blocks(n) > p.length:
                self.bad("%s: extent at %d past the %s" % (what, pos, p.name))

    def check_recorded(self, fe, ext, what):
        """Logical Blocks Recorded: the blocks of the recorded extents
        (ECMA 4/14.9.11, 4/14.17.11)."""
        recorded = sum(blocks(n) for kind, n, p, pos in ext if kind == 0)
        if fe["recorded"] != recorded:
            self.bad("%s: %d logical blocks recorded, its recorded extents have %d" %
                     (what, fe["recorded"], recorded))

    def walk(self, key, parent, path, depth):
        if depth > 64:
            self.bad("%s: too deep" % path)
            return
        if key in self.fes:
            self.fes[key][3] += 1
            return
        self.fes[key] = [None, None, None, 1]
        if key[0] not in self.parts:
            self.bad("%s: its File Entry is in partition %d, which the volume has not" %
                     (path, key[0]))
            return
        if self.meta is not None and key[0] != self.meta:
            self.bad("%s: its File Entry is in partition %d, not the metadata partition" %
                     (path, key[0]))
        fe = self.read_fe(key, "File Entry of %s" % path)
        if fe is None:
            return
        ftype, size, unique = fe["ftype"], fe["size"], fe["unique"]
        self.max_unique = max(self.max_unique, unique)
        self.fes[key] = [ftype, fe["links"], unique, 1]
        if path == "/":
            self.fes[key][3] = 1 if ftype == DIR else 0
            if unique != 0:
                self.bad("the root's unique ID is %d, not 0" % unique)
        elif 0 < unique < 16:
            self.bad("%s: unique ID %d is reserved" % (path, unique))
        if ftype in META_TYPES:
            self.bad("%s: a %s in the file set" % (path, META_TYPES[ftype]))
        adtype = fe["adtype"]
        if adtype == 3:
            start = fe["hdr"] + fe["l_ea"]
            data = fe["d"][start:start + fe["l_ad"]]
            if len(data) != size:
                self.bad("%s: %d bytes in the ICB, the size is %d" % (path, len(data), size))
            if fe["recorded"] != 0:
                self.bad("%s: %d logical blocks recorded, its data is in the ICB" %
                         (path, fe["recorded"]))
            runs = [(0, key[0], key[1], 0)]     # FIDs in the ICB: its block
            self.data_at[key] = (self.parts[key[0]].contig(key[1])[0], size, 0)
        elif adtype in (0, 1):
            ext = self.ads(fe, key, path)
            self.check_extents(ext, size, path)
            self.check_recorded(fe, ext, path)
            c = self.parts[ext[0][2]].contig(ext[0][3]) \
                if ext and ext[0][2] in self.parts else None
            self.data_at[key] = (c[0] if c else 0, size,
                                 sum(1 for e in ext if e[1] > 0))
            if ftype != DIR:
                if self.meta is not None and any(e[2] == self.meta for e in ext):
                    self.bad("%s: file data in the metadata partition" % path)
                return
            runs, at, parts = [], 0, []
            for kind, n, pref, pos in ext:
                if self.meta is not None and pref != self.meta:
                    self.bad("%s: directory data in partition %d, not the metadata partition" %
                             (path, pref))
                if kind != 0:
                    self.bad("%s: a directory extent of type %d" % (path, kind))
                runs.append((at, pref, pos, n))
                parts.append(self.read(pref, pos, n).ljust(n, b"\0"))
                at += n
            data = b"".join(parts)
        else:
            self.bad("%s: allocation descriptor type %d" % (path, adtype))
            return
        if ftype == DIR:
            self.fids(data, runs, adtype == 3, key, parent, path, depth)

    def fids(self, data, runs, in_icb, key, parent, path, depth):
        """The FIDs of the directory at key (ECMA 4/14.4, UDF 2.3.4)."""
        starts = [r[0] for r in runs]
        off = 0
        while off < len(data):
            if off + 38 > len(data):
                self.bad("%s: a FID cut short at byte %d" % (path, off))
                break
            if in_icb:
                loc = key[1]
            else:
                at, pref, pos, n = runs[bisect.bisect_right(starts, off) - 1]
                loc = pos + (off - at) // B
            l_fi = data[off + 19]
            l_iu = u16(data, off + 36)
            size = (38 + l_iu + l_fi + 3) & ~3
            fid = data[off:off + size]
            self.tag(fid, FID, loc, "FID in %s" % path, size)
            if off + size > len(data):
                self.bad("%s: a FID past the end of the directory" % path)
                break
            if u16(fid, 16) != 1:
                self.bad("FID in %s: file version number %d, not 1" % (path, u16(fid, 16)))
            chars = fid[18]
            icb = (u16(fid, 28), u32(fid, 24))
            icb_unique = u32(fid, 32)
            name = fid[38 + l_iu:38 + l_iu + l_fi]
            off += size
            if chars & 4:          # deleted
                continue
            if chars & 8:
                if icb != parent:
                    self.bad("%s: the parent FID points to %s, not %s" %
                             (path, self.where(icb), self.where(parent)))
                if key != parent and parent in self.fes:
                    self.fes[parent][3] += 1
                continue
            if name[:1] == b"\x08":
                text = name[1:].decode("latin-1")
            elif name[:1] == b"\x10":
                text = name[1:].decode("utf-16-be", "replace")
            else:
                self.bad("%s: a name with compression id %r" % (path, name[:1]))
                text = "?"
            child = path + text + ("/" if chars & 2 else "")
            self.walk(icb, key, child, depth + 1)
            ftype, _, unique, _ = self.fes[icb]
            if ftype is None:
                continue
            if unique & 0xffffffff != icb_unique:
                self.bad("%s: the FID's unique ID %d, its File Entry's %d" %
                         (child, icb_unique, unique & 0xffffffff))
            if bool(chars & 2) != (ftype == DIR):
                self.bad("%s: the FID's directory bit and the file type disagree" % child)
            if ftype == 5:         # a regular file (ECMA 4/14.6.6)
                self.listing.append((child,) + self.data_at.get(icb, (0, 0, 0)))


def main():
    args, listing = sys.argv[1:], None
    if args[:1] == ["--list"]:
        listing, args = args[1], args[2:]
    if not 1 <= len(args) <= 2:
        sys.exit("usage: udfcheck.py [--list FILE] IMAGE [REVISION]")
    rev = int(args[1], 16) if len(args) > 1 else 0x0201
    c = Checker(args[0], rev)
    c.run()
    if listing is not None:     # each regular file: path|first sector|size|extents
        with open(listing, "w", encoding="utf-8", errors="replace") as f:
            for path, at, size, extents in sorted(c.listing):
                f.write("%s|%d|%d|%d\n" % (path, at, size, extents))
    if c.problems:
        for p in c.problems:
            print(p)
        sys.exit(1)
    print("ok: %d descriptors, %d files, %d directories" % (c.ndesc, c.files, c.dirs))


main()
