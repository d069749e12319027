#!/usr/bin/env python3
"""isoview.py - what independent readers see in an ISO 9660 image,
compared with the tree it was mastered from (tests/cli/master.sh).

  isoview.py disk DIR OUT.json
      The tree DIR as the image should show it: for every entry below
      DIR its type (f d l), size, permission bits, mtime, MD5 (files up
      to 256 MiB), symlink target and disk inode (for hard links).

  isoview.py check EXPECTED.json VIEW READER INPUT FIELDS [--ignore PATH]...
      Compare EXPECTED with what READER made of the image; print every
      difference and exit 1 if there is one.
      VIEW:   rr (Rock Ridge: names, modes, symlinks as on disk) or
              joliet (no symlinks; a name longer than 103 characters is
              cut to exactly 103, of which the first 99 are the
              original's)
      READER: dir        INPUT is a directory it extracted to
              isoinfo    INPUT holds `isoinfo -R -l` or (joliet) the
                         output of `isoinfo -j iso8859-1 -J -l`
              iso-info   INPUT holds libcdio's `iso-info -l` (joliet) or
                         `iso-info --no-joliet -l` (rr)
              guest      INPUT is the guest's directory of listings
                         (PREFIX.stat, PREFIX.md5, PREFIX.links): give
                         it as DIR/PREFIX
      FIELDS: comma-separated among size md5 mode mtime target extent
              ino (extent, ino: hard links share one data extent, one
              inode)
      --ignore PATH drops PATH (relative, no leading /) on both sides.
"""
import calendar
import hashlib
import json
import os
import re
import stat
import sys

MONTHS = {m: i for i, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
JOLIET_MAX = 103


def md5_of(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def disk(root):
    """Manifest of the tree at root (lstat: symlinks are not followed)."""
    out = {}
    for top, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(top, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            r = {"mode": stat.S_IMODE(st.st_mode), "mtime": int(st.st_mtime)}
            if stat.S_ISLNK(st.st_mode):
                r.update(type="l", target=os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                r.update(type="d")
            else:
                r.update(type="f", size=st.st_size, ino=st.st_ino,
                         nlink=st.st_nlink)
                if st.st_size <= 256 << 20:
                    r["md5"] = md5_of(p)
            out[rel] = r
    return out


# --- readers -------------------------------------------------------------

def read_dir(root):
    got = disk(root)
    for r in got.values():
        r.pop("nlink", None)
    return got


def parse_lsmode(s):
    """'drwxr-xr-x' -> (type, permission bits)."""
    t = {"d": "d", "l": "l", "-": "f"}.get(s[0], s[0])
    bits = 0
    for i, c in enumerate(s[1:10]):
        if c not in "-ST":      # S, T: set-id or sticky without x
            bits |= 1 << (8 - i)
    if s[3] in "sS":
        bits |= 0o4000
    if s[6] in "sS":
        bits |= 0o2000
    if s[9] in "tT":
        bits |= 0o1000
    return t, bits


def add_record(got, path, r):
    """Several records of one name in a row are the extents of one
    multi-extent file (ISO 9660 level 3): their sizes add up."""
    old = got.get(path)
    if old is not None and old.get("type") == "f" and r.get("type") == "f" \
            and old.get("_last"):
        old["size"] += r["size"]
        return
    for v in got.values():
        v.pop("_last", None)
    r["_last"] = True
    got[path] = r


def read_isoinfo(listing, view):
    # Directory listing of /a/b/
    # drwxr-xr-x   1    0    0   2048 Jul 15 2017 [     22 02]  name
    # (the flags of a multi-extent record's first part come out as
    # "[     34 FFFF name": the byte 0x80, sign-extended and cut)
    got = {}
    enc = "utf-8" if view == "rr" else "latin-1"
    d = None
    line_re = re.compile(
        r"^(\S{10})\s+\d+\s+\S+\s+\S+\s+(\d+)\s+\w{3} \d\d \d{4}"
        r" \[\s*(\d+) ([0-9A-F]+)\]?\s+(.*)$")
    with open(listing, encoding=enc, errors="surrogateescape") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("Directory listing of "):
                d = line[len("Directory listing of "):].strip("/")
                continue
            m = line_re.match(line)
            if not m:
                continue
            mode, size, extent, _, name = m.groups()
            name = name[:-1] if name.endswith(" ") else name
            target = None
            if mode[0] == "l" and " -> " in name:
                name, target = name.split(" -> ", 1)
            if name in (".", ".."):
                continue
            t, bits = parse_lsmode(mode)
            # (no time: isoinfo prints the recorded date without its
            # offset from GMT)
            r = {"type": t, "extent": int(extent)}
            if view == "rr":
                r["mode"] = bits
            if t == "f":
                r["size"] = int(size)
            if target is not None:
                r["target"] = target
            add_record(got, (d + "/" if d else "") + name, r)
    return got


def read_isoinfo_libcdio(listing, view):
    # /dir/:
    #   drwxr-xr-x   1 0 0 [LSN     22]      2048 Jul 15 2017 08:43:30  name   (rr)
    #   d [LSN     22]      2048 Jul 15 2017 08:43:30  name                  (joliet)
    got = {}
    d = None
    line_re = re.compile(
        r"^  (\S+)(?:\s+\d+ \S+ \S+)? \[LSN\s+(\d+)\]\s+(\d+)"
        r" (\w{3}) (\d\d) (\d{4}) (\d\d):(\d\d):(\d\d)  (.*)$")
    with open(listing, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("/") and line.endswith(":"):
                d = line[:-1].strip("/")
                continue
            m = line_re.match(line)
            if not m:
                continue
            mode, lsn, size, mon, day, year, hh, mm, ss, name = m.groups()
            target = None
            if mode.startswith("l") and " -> " in name:
                name, target = name.split(" -> ", 1)
            if name in (".", ".."):
                continue
            if len(mode) == 10:
                t, bits = parse_lsmode(mode)
            else:
                t, bits = {"d": "d", "-": "f"}.get(mode, mode), None
            mtime = calendar.timegm((int(year), MONTHS[mon], int(day),
                                     int(hh), int(mm), int(ss)))
            r = {"type": t, "mtime": mtime, "extent": int(lsn)}
            if bits is not None:
                r["mode"] = bits
            if t == "f":
                r["size"] = int(size)
            if target is not None:
                r["target"] = target
            add_record(got, (d + "/" if d else "") + name, r)
    return got


def read_guest(prefix):
    """PREFIX.stat: `find . -exec stat -c '%F|%s|%a|%Y|%i|%n'` lines;
    PREFIX.md5: md5sum lines; PREFIX.links: 'path|target' lines."""
    got = {}
    types = {"regular file": "f", "regular empty file": "f",
             "directory": "d", "symbolic link": "l"}
    with open(prefix + ".stat", encoding="utf-8",
              errors="surrogateescape") as f:
        for line in f:
            ftype, size, mode, mtime, ino, name = \
                line.rstrip("\n").split("|", 5)
            name = name[2:] if name.startswith("./") else name
            if name in (".", ""):
                continue
            t = types.get(ftype, ftype)
            r = {"type": t, "mode": int(mode, 8), "mtime": int(mtime),
                 "ino": int(ino)}
            if t == "f":
                r["size"] = int(size)
            got[name] = r
    for ext, key in ((".md5", "md5"), (".links", "target")):
        if not os.path.exists(prefix + ext):
            continue
        with open(prefix + ext, encoding="utf-8",
                  errors="surrogateescape") as f:
            for line in f:
                line = line.rstrip("\n")
                if key == "md5":
                    v, name = line.split("  ", 1)
                else:
                    name, v = line.split("|", 1)
                name = name[2:] if name.startswith("./") else name
                got.setdefault(name, {})[key] = v
    return got


# --- the comparison ------------------------------------------------------

def name_key(name, view):
    if view == "joliet" and len(name) >= JOLIET_MAX:
        return "<long>" + name[:JOLIET_MAX - 4]
    return name


def reader_name(name, reader, view):
    """How a correct Joliet name shows in a reader that cannot show it all."""
    if view != "joliet":
        return name
    if reader == "isoinfo":
        # isoinfo -j iso8859-1 writes '_' for a character beyond Latin-1
        return "".join(c if ord(c) < 256 else "_" for c in name)
    if reader == "iso-info":
        # libcdio 2.1 converts a Joliet name into a buffer of the UCS-2
        # byte length, which cuts longer UTF-8
        b = name.encode("utf-8")[:2 * len(name)]
        return b.decode("utf-8", "ignore")
    return name


def check(expected, view, reader, got, fields, ignore):
    problems = []
    exp = {}
    for path, r in expected.items():
        if view == "joliet" and r["type"] == "l":
            continue
        parts = path.split("/")
        if view == "joliet":
            parts = [p[:JOLIET_MAX] if len(p) > JOLIET_MAX else p
                     for p in parts]
        key = "/".join(name_key(reader_name(p, reader, view), view)
                       for p in parts)
        exp[key] = (path, r)
    g = {}
    for path, r in got.items():
        r.pop("_last", None)
        g["/".join(name_key(p, view) for p in path.split("/"))] = (path, r)
    for path in ignore:
        for side in (exp, g):
            for k in list(side):
                if side[k][0] == path or side[k][0].startswith(path + "/"):
                    del side[k]
    for k in sorted(set(exp) - set(g)):
        problems.append("missing: %s" % exp[k][0])
    for k in sorted(set(g) - set(exp)):
        problems.append("unexpected: %s" % g[k][0])
    for k in sorted(set(exp) & set(g)):
        path, e = exp[k]
        gp, r = g[k]
        if r.get("type") != e["type"]:
            problems.append("%s: type %s, not %s" % (path, r.get("type"),
                                                     e["type"]))
            continue
        for f in fields:
            if f in ("extent", "ino"):
                continue
            want = e.get(f)
            if want is None or (f == "mtime" and e["type"] == "l") or \
               (f in ("mode",) and e["type"] == "l"):
                continue
            if f in ("size", "md5") and e["type"] != "f":
                continue
            have = r.get(f)
            if have != want:
                if f == "mode":
                    have = oct(have) if have is not None else None
                    want = oct(want)
                problems.append("%s: %s %s, not %s" % (path, f, have, want))
    # hard links: the disk's inode groups
    groups = {}
    for k, (path, e) in exp.items():
        if e["type"] == "f" and e.get("nlink", 1) > 1 and k in g:
            groups.setdefault(e["ino"], []).append(k)
    for f in ("extent", "ino"):
        if f not in fields:
            continue
        for members in groups.values():
            vals = {g[k][1].get(f) for k in members}
            if len(vals) != 1 or None in vals:
                problems.append("hard links %s: %s %s" % (
                    ", ".join(exp[k][0] for k in members), f,
                    ", ".join(str(g[k][1].get(f)) for k in members)))
    return problems


def main(argv):
    if len(argv) >= 3 and argv[0] == "disk":
        with open(argv[2], "w") as f:
            json.dump(disk(argv[1]), f, indent=0, sort_keys=True)
        return 0
    if len(argv) >= 6 and argv[0] == "check":
        expected_file, view, reader, inp, fields = argv[1:6]
        ignore = []
        rest = argv[6:]
        while rest:
            if rest[0] == "--ignore" and len(rest) > 1:
                ignore.append(rest[1])
                rest = rest[2:]
            else:
                print(__doc__, file=sys.stderr)
                return 2
        with open(expected_file) as f:
            expected = json.load(f)
        if reader == "dir":
            got = read_dir(inp)
        elif reader == "isoinfo":
            got = read_isoinfo(inp, view)
        elif reader == "iso-info":
            got = read_isoinfo_libcdio(inp, view)
        elif reader == "guest":
            got = read_guest(inp)
        else:
            print("isoview.py: unknown reader %s" % reader, file=sys.stderr)
            return 2
        problems = check(expected, view, reader, got,
                         [f for f in fields.split(",") if f], ignore)
        for p in problems[:60]:
            print("  %s (%s, %s view)" % (p, reader, view))
        if len(problems) > 60:
            print("  ... and %d more" % (len(problems) - 60))
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
