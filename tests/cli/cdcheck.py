#!/usr/bin/env python3
"""Checks of a CD capture (NAME.raw, .sub, .map, .sub.map, .capture)
against a reference, for tests/cli/cdrip.sh.  Shares no code with
glassmaster: it reads the files as the man page describes them.

  cdcheck.py bin CAP BIN
      CAP is an offset-0 capture of a one-file audio disc: LBA -150 to -1
      silent, then exactly BIN; every sample and every Q finished.
  cdcheck.py shift CAP REF N LO HI [--bad A-B ...] [--sub-bad L,...]
      CAP was read by a drive of read offset N reaching LBA LO to HI-1,
      REF is an offset-0 capture of the same disc.  A data sector (sync
      and its own address) is REF's; an audio sector at LBA L holds REF's
      samples from L*588-N on.  Every sample CAP finished must equal
      that; the samples it did not finish must be exactly those the drive
      cannot give: outside its reach, in a sector it refuses (outside LO
      to HI-1) or whose read touches a sector of a --bad range.  With
      --sub-bad, NAME.sub.map marks exactly those sectors, their Q fails
      its CRC, and every other sector's subchannel equals REF's.  With
      --all-audio every sector was read as CD-DA: data sectors are
      shifted as audio is.
  cdcheck.py user CAP ISO LBA
      the data sectors from LBA on hold ISO's 2048-byte sectors as Mode 1
      (sync, their address, EDC and ECC as the reader made them are not
      checked here: glassmaster's check is; this is the user data).
  cdcheck.py open CAP
      prints the sectors with an unfinished sample (for read budgets).
  cdcheck.py same CAP1 CAP2
      two captures are the same files (raw, sub, maps' statuses).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdrefs import crc16  # noqa: E402  (the reference discs' CRC)

RAW, SUB, SPS = 2352, 96, 588
SYNC = b"\x00" + b"\xff" * 10 + b"\x00"


def fail(msg):
    print("cdcheck: " + msg, file=sys.stderr)
    sys.exit(1)


def bcd(b):
    return (b >> 4) * 10 + (b & 15)


def read_map(path, size):
    """The statuses of a ddrescue mapfile as a list of (pos, size, st)."""
    ext, status_seen = [], False
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not status_seen:
            status_seen = True
            continue
        pos, sz, st = line.split()[:3]
        ext.append((int(pos, 0), int(sz, 0), st))
    if not ext or ext[0][0] != 0 or sum(e[1] for e in ext) != size:
        fail("%s does not cover %d bytes" % (path, size))
    return ext


def load(name):
    desc = {}
    for line in open(name + ".capture"):
        if line.startswith("#") or not line.strip():
            continue
        k, _, v = line.rstrip("\n").partition(" ")
        desc.setdefault(k, []).append(v)
    cap = {"first": int(desc["first-lba"][0]), "sectors": int(desc["sectors"][0]),
           "leadout": int(desc["leadout"][0])}
    cap["raw"] = open(name + ".raw", "rb").read()
    if len(cap["raw"]) != cap["sectors"] * RAW:
        fail("%s.raw is %d bytes, not %d sectors" % (name, len(cap["raw"]), cap["sectors"]))
    cap["map"] = read_map(name + ".map", len(cap["raw"]))
    cap["sub"] = open(name + ".sub", "rb").read()
    cap["smap"] = read_map(name + ".sub.map", len(cap["sub"]))
    return cap


def sample_open(cap):
    """A bytearray, one byte a sample: 1 where the map is not finished."""
    out = bytearray(len(cap["raw"]) // 4)
    for pos, size, st in cap["map"]:
        if pos % 4 or size % 4:
            fail("map extent %d+%d is not at sample resolution" % (pos, size))
        if st != "+":
            out[pos // 4:(pos + size) // 4] = b"\1" * (size // 4)
    return out


def sector(cap, lba):
    i = lba - cap["first"]
    if 0 <= i < cap["sectors"]:
        return cap["raw"][i * RAW:(i + 1) * RAW]
    return None


def is_data(raw, lba):
    if raw is None or raw[:12] != SYNC:
        return False
    m, s, f = bcd(raw[12]), bcd(raw[13]), bcd(raw[14])
    return (m * 60 + s) * 75 + f - 150 == lba


def q_crc_ok(sub):
    q = bytearray(12)
    for i in range(96):
        if sub[i] & 0x40:
            q[i // 8] |= 0x80 >> (i % 8)
    return crc16(q[:10]) == (q[10] << 8 | q[11])


def cmd_bin(name, binpath):
    cap = load(name)
    data = open(binpath, "rb").read()
    want = b"\0" * (-cap["first"] * RAW) + data
    if cap["raw"] != want:
        for i in range(0, min(len(want), len(cap["raw"])), RAW):
            if cap["raw"][i:i + RAW] != want[i:i + RAW]:
                fail("LBA %d differs from the BIN" % (cap["first"] + i // RAW))
        fail("the capture is %d bytes, the reference %d" % (len(cap["raw"]), len(want)))
    if any(st != "+" for _, _, st in cap["map"] + cap["smap"]):
        fail("a map of %s is not all finished" % name)
    for i in range(cap["sectors"]):
        if not q_crc_ok(cap["sub"][i * SUB:(i + 1) * SUB]):
            fail("LBA %d: Q fails its CRC" % (cap["first"] + i))


def cmd_shift(name, refname, n, lo, hi, bad, subbad, all_audio=False):
    cap, ref = load(name), load(refname)
    opened = sample_open(cap)
    flat = ref["raw"]
    base = ref["first"] * SPS   # the reference's first sample
    bad_sectors = set()
    for a, b in bad:
        bad_sectors.update(range(a, b + 1))
    wrong = missing_extra = missing_lost = 0
    first_err = None
    for i in range(cap["sectors"]):
        lba = cap["first"] + i
        got = cap["raw"][i * RAW:(i + 1) * RAW]
        refsec = sector(ref, lba)
        data = is_data(refsec, lba) and not all_audio
        if refsec is None and got[:12] == SYNC and not all_audio:
            # past the reference (overread) next to a data track: the
            # drive's own data sector there, not shifted, not compared
            if any(opened[i * SPS:(i + 1) * SPS]) and lo <= lba < hi:
                fail("LBA %d: a data sector the drive reaches is not finished" % lba)
            continue
        touched = {lba}
        if not data:
            touched.update({(lba * SPS - n) // SPS, (lba * SPS + SPS - 1 - n) // SPS})
        refused = not (lo <= lba < hi) or bool(touched & bad_sectors)
        for k in range(SPS):
            d = lba * SPS + k - (0 if data else n)
            reach = not refused and lo * SPS <= d < hi * SPS
            if not reach:
                if not opened[i * SPS + k]:
                    missing_extra += 1
                    first_err = first_err or "LBA %d sample %d: finished, but the drive cannot give it" % (lba, k)
                continue
            if opened[i * SPS + k]:
                missing_lost += 1
                first_err = first_err or "LBA %d sample %d: not finished" % (lba, k)
                continue
            at = (d - base) * 4
            want = flat[at:at + 4] if 0 <= at < len(flat) else b"\0" * 4
            if got[k * 4:k * 4 + 4] != want:
                wrong += 1
                first_err = first_err or "LBA %d sample %d: %s, the reference %s" % (
                    lba, k, got[k * 4:k * 4 + 4].hex(), want.hex())
    if wrong or missing_extra or missing_lost:
        fail("%s against %s at offset %d: %d samples wrong, %d finished beyond "
             "reach, %d reachable not finished; first: %s"
             % (name, refname, n, wrong, missing_extra, missing_lost, first_err))
    if subbad is not None:
        marked = set()
        for pos, size, st in cap["smap"]:
            if st != "+":
                marked.update(cap["first"] + p // SUB for p in range(pos, pos + size, SUB))
        refused_sectors = {cap["first"] + i for i in range(cap["sectors"])
                           if not (lo <= cap["first"] + i < hi)}
        if marked - refused_sectors != set(subbad):
            fail("sub.map marks %s, not %s" % (sorted(marked - refused_sectors)[:20], sorted(subbad)[:20]))
        for i in range(cap["sectors"]):
            lba = cap["first"] + i
            s = cap["sub"][i * SUB:(i + 1) * SUB]
            if lba in refused_sectors:
                continue
            if lba in subbad:
                if q_crc_ok(s):
                    fail("LBA %d: marked bad in sub.map, but its Q's CRC holds" % lba)
            elif s != ref["sub"][(lba - ref["first"]) * SUB:(lba - ref["first"] + 1) * SUB]:
                fail("LBA %d: the subchannel differs from the reference's" % lba)


def cmd_same(a, b):
    x, y = load(a), load(b)
    for key in ("first", "sectors", "raw", "sub"):
        if x[key] != y[key]:
            fail("%s and %s differ in %s" % (a, b, key))
    if sample_open(x) != sample_open(y):
        fail("the maps of %s and %s differ" % (a, b))
    sx = [st for _, _, st in x["smap"]]
    sy = [st for _, _, st in y["smap"]]
    if [e for e in x["smap"]] != [e for e in y["smap"]]:
        fail("the sub.maps of %s and %s differ: %s / %s" % (a, b, sx[:5], sy[:5]))


def cmd_user(name, iso, start):
    cap = load(name)
    data = open(iso, "rb").read()
    for k in range(len(data) // 2048):
        raw = sector(cap, start + k)
        if not is_data(raw, start + k) or raw[15] != 1:
            fail("LBA %d is not a Mode 1 sector of its own address" % (start + k))
        if raw[16:2064] != data[k * 2048:(k + 1) * 2048]:
            fail("LBA %d: the user data differs from the ISO's" % (start + k))


def cmd_open(name):
    cap = load(name)
    opened = sample_open(cap)
    print(sum(1 for i in range(cap["sectors"]) if any(opened[i * SPS:(i + 1) * SPS])))


def main():
    a = sys.argv[1:]
    if a[0] == "bin":
        cmd_bin(a[1], a[2])
    elif a[0] == "user":
        cmd_user(a[1], a[2], int(a[3]))
    elif a[0] == "open":
        cmd_open(a[1])
    elif a[0] == "same":
        cmd_same(a[1], a[2])
    elif a[0] == "shift":
        bad, subbad, rest, all_audio = [], None, a[6:], False
        while rest:
            if rest[0] == "--all-audio":
                all_audio = True
                rest = rest[1:]
                continue
            if rest[0] == "--bad":
                x, _, y = rest[1].partition("-")
                bad.append((int(x), int(y or x)))
            elif rest[0] == "--sub-bad":
                subbad = [int(v) for v in rest[1].split(",") if v]
            else:
                fail("unknown option " + rest[0])
            rest = rest[2:]
        cmd_shift(a[1], a[2], int(a[3]), int(a[4]), int(a[5]), bad, subbad, all_audio)
    else:
        fail("unknown command " + a[0])


main()
