#!/usr/bin/env python3
"""fstree.py - normalised listings of a file tree as glassmaster and
independent readers show it (tests/cli/files.sh).

  fstree.py compare FIELDS A B [--drop PATH]... [--latin1]
      Compare two listings, print every difference, exit 1 if any.
      A, B are READER:INPUT with READER one of
        gm              INPUT holds `glassmaster ls -R --json` output
        disk            INPUT is a directory (lstat: nothing followed)
        bsdtar          INPUT holds `bsdtar -tvf` output
        7z              INPUT holds `7z l -slt` output
        isoinfo-rr      INPUT holds `isoinfo -l -R` output; Rock Ridge
                        relocations (CL/RE, which isoinfo does not follow)
                        are put back
        isoinfo-joliet  INPUT holds `isoinfo -j iso8859-1 -l -J` output
        isoinfo-iso     INPUT holds `isoinfo -l` output (";N" and then a
                        trailing "." cut from names)
      Every listing drops a top-level "[BOOT]" (El Torito) and an empty
      top-level rr_moved/RR_MOVED/.rr_moved directory.
      FIELDS, comma-separated; each is compared where it applies:
        type    file dir symlink char block fifo socket
        perm    the 12 permission bits (not for symlinks)
        perm9   the 9 rwx bits only (isoinfo prints no s/t)
        nlink   link count of non-directories
        uid gid
        size    regular files
        mtime atime ctime   seconds (atime: regular files only)
        target  symlinks
        links   the other paths sharing the entry's inode (non-dirs)
        rdev    major,minor of devices
        extent  first LBA of regular files with data
        md5     regular files (disk only)
      --drop PATH  leaves PATH (relative) and what is below it out of both
      --latin1     A's names as `isoinfo -j iso8859-1` shows a correct
                   Joliet name: characters beyond U+00FF become "_"

  fstree.py show READER:INPUT
      Print the normalised listing (for logs).

  fstree.py lscheck JSON LS_R LS_ROOT LS_L
      Check glassmaster's `ls -R --json` (JSON) for form (keys, types,
      parents before children, nothing damaged) and that `ls -R` (LS_R),
      `ls` (LS_ROOT, the root directory) and `ls -l -R` (LS_L) show the
      same entries and values.

  fstree.py boot JSON 7Z
      The "[BOOT]" entries of the `ls -R --json` listing against 7-Zip's
      (`7z l -slt`): the same names and sizes.

  fstree.py json-eq JSON JSON
      Two `ls -R --json` listings hold the same objects (exit 1, showing
      the first differences, if not).
"""
import calendar
import hashlib
import json
import os
import re
import stat
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from isoview import parse_lsmode  # noqa: E402

TYPES = {stat.S_IFREG: "file", stat.S_IFDIR: "dir", stat.S_IFLNK: "symlink",
         stat.S_IFCHR: "char", stat.S_IFBLK: "block", stat.S_IFIFO: "fifo",
         stat.S_IFSOCK: "socket"}
LSCHAR = {"-": "file", "d": "dir", "l": "symlink", "c": "char", "b": "block",
          "p": "fifo", "f": "fifo", "s": "socket"}
RR_MOVED = ("rr_moved", ".rr_moved")
MONTHS = {m: i for i, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


class Bad(Exception):
    pass


def md5_of(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def lsmode(s):
    """'drwsr-xr-x' -> (type, permission bits), the bits as isoview.py
    reads them"""
    return LSCHAR.get(s[0], "?" + s[0]), parse_lsmode(s)[1]


def utc(text):
    """'2017-07-14 07:40:35[.ffff]' (UTC) -> seconds"""
    m = re.match(r"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)", text)
    if not m:
        return None
    return calendar.timegm(tuple(int(x) for x in m.groups()))


# --- readers: each returns {relative path: {field: value}} ---------------

def rdev(v):
    """ls --json's rdev: [major, minor] (or a dev_t)"""
    if isinstance(v, list):
        return tuple(v)
    return (os.major(v), os.minor(v))


def read_gm(path):
    with open(path, encoding="utf-8") as f:
        entries = json.load(f)
    if not isinstance(entries, list):
        raise Bad("%s: not a JSON array" % path)
    got = {}
    for e in entries:
        p = e["path"].strip("/")
        if p == "":
            continue
        r = {"type": e.get("type"), "uid": e.get("uid"), "gid": e.get("gid"),
             "nlink": e.get("nlink"), "mtime": e.get("mtime"),
             "atime": e.get("atime"), "ctime": e.get("ctime"),
             "ino": e.get("ino")}
        if "mode" in e:
            r["perm"] = stat.S_IMODE(e["mode"])
        if e.get("type") == "file":
            r["size"] = e.get("size")
            ext = e.get("extents") or []
            if ext and e.get("size"):
                r["extent"] = ext[0][0]
        if "target" in e:
            r["target"] = e["target"]
        if "rdev" in e:
            r["rdev"] = rdev(e["rdev"])
        got[p] = r
    return got


def read_disk(root):
    """(every lstat before any read: reading a file can move the atime of
    all its names, and right after an extraction, under relatime, does)"""
    got = {}
    for top, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(top, name)
            st = os.lstat(p)
            t = TYPES.get(stat.S_IFMT(st.st_mode), "?")
            r = {"type": t, "perm": stat.S_IMODE(st.st_mode),
                 "nlink": st.st_nlink, "uid": st.st_uid, "gid": st.st_gid,
                 "mtime": int(st.st_mtime), "atime": int(st.st_atime),
                 "ctime": int(st.st_ctime), "ino": (st.st_dev, st.st_ino)}
            if t == "file":
                r["size"] = st.st_size
            elif t == "symlink":
                r["target"] = os.readlink(p)
            elif t in ("char", "block"):
                r["rdev"] = (os.major(st.st_rdev), os.minor(st.st_rdev))
            got[os.path.relpath(p, root)] = r
    for p, r in got.items():
        if r["type"] == "file":
            r["md5"] = md5_of(os.path.join(root, p))
    return got


def read_bsdtar(path):
    # drwxr-xr-x  2 0      0        2048 Jul 14  2017 sub
    # -rw-r--r--  2 0      0           0 Jul 14  2017 hard-a link to sub/hard-b
    # crw-r--r--  1 0      0         1,3 Jul 14  2017 chr
    # lrwxrwxrwx  1 0      0           0 Jul 14  2017 rel-link -> one
    # (the date is "Mon DD HH:MM" within six months: no mtime here)
    got = {}
    links = []
    line_re = re.compile(r"^(\S{10})\s+(\d+)\s+(\S+)\s+(\S+)\s+(\d+|\d+,\d+)"
                         r" \w{3} [ \d]\d  ?(?:\d{4}|\d\d:\d\d) (.*)$")
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            line = line.rstrip("\n")
            m = line_re.match(line)
            if not m:
                raise Bad("bsdtar: cannot read the line: %r" % line)
            mode, nlink, uid, gid, size, name = m.groups()
            t, bits = lsmode(mode)
            r = {"type": t, "perm": bits, "nlink": int(nlink),
                 "uid": int(uid), "gid": int(gid)}
            if t == "symlink":
                name, r["target"] = name.split(" -> ", 1)
            elif t == "file" and " link to " in name:
                # the second name of a hard link (its size shows as 0)
                name, other = name.split(" link to ", 1)
                links.append((name, other))
            elif t in ("char", "block"):
                r["rdev"] = tuple(int(x) for x in size.split(","))
            if t == "file":
                r["size"] = int(size)
            name = name[2:] if name.startswith("./") else name
            name = name.rstrip("/")
            if name in (".", ""):
                continue
            got[name] = r
    n = 0
    for name, other in links:
        o = got.get(other)
        if o is None:
            raise Bad("bsdtar: '%s' is a link to '%s', which is not listed"
                      % (name, other))
        ino = o.setdefault("ino", "bsdtar-%d" % n)
        n += 1
        got[name]["ino"] = ino
        got[name]["size"] = o["size"]
    return got


def read_7z(path):
    got = {}
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    if "\n----------\n" not in text:
        raise Bad("7z: no listing in %s" % path)
    body = text.split("\n----------\n", 1)[1]
    for block in body.split("\n\n"):
        kv = {}
        for line in block.splitlines():
            if " = " in line:
                k, v = line.split(" = ", 1)
                kv[k] = v
            elif line.endswith(" ="):
                kv[line[:-2]] = ""
        if "Path" not in kv:
            continue
        r = {"type": "dir" if kv.get("Folder") == "+" else "file"}
        if r["type"] == "file" and kv.get("Size", "") != "":
            r["size"] = int(kv["Size"])
        for k, f in (("Modified", "mtime"), ("Accessed", "atime"),
                     ("Metadata Changed", "ctime")):
            if kv.get(k):
                r[f] = utc(kv[k])
        if kv.get("Links"):
            r["nlink"] = int(kv["Links"])
        got[kv["Path"]] = r
    return got


def read_isoinfo(path, view):
    # Directory listing of /a/b/
    # drwxr-xr-x   1    0    0   2048 Jul 15 2017 [     22 02]  name
    # lrwxrwxrwx   1    0    0      0 Jul 14 2017 [    160 00]  x -> y
    enc = "utf-8" if view == "rr" else "latin-1"
    line_re = re.compile(r"^(\S{10})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)"
                         r" \w{3} [ \d]\d \d{4} \[\s*(\d+) ([0-9A-F]+)\]?\s+(.*)$")
    got = {}
    listed = set()
    d = None
    with open(path, encoding=enc, errors="surrogateescape") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("Directory listing of "):
                d = line[len("Directory listing of "):].strip("/")
                listed.add(d)
                continue
            if not line.strip():
                continue
            m = line_re.match(line)
            if not m:
                raise Bad("isoinfo: cannot read the line: %r" % line)
            mode, nlink, uid, gid, size, extent, _, name = m.groups()
            name = name[:-1] if name.endswith(" ") else name
            if name in (".", ".."):
                continue
            t, bits = lsmode(mode)
            r = {"type": t}
            if view == "rr":
                r.update(perm=bits, nlink=int(nlink), uid=int(uid),
                         gid=int(gid))
                if t == "symlink":
                    name, r["target"] = name.split(" -> ", 1)
            elif view == "iso":
                name = re.sub(r";\d+$", "", name)
                if name.endswith(".") and t == "file":
                    name = name[:-1]
            if t == "file":
                r["size"] = int(size)
                if int(size):
                    r["extent"] = int(extent)
            p = (d + "/" if d else "") + name
            if p in got:
                # (a multi-extent file: the records' sizes add up)
                got[p]["size"] += r.get("size", 0)
                continue
            got[p] = r
    if view == "rr":
        relocate(got, listed)
    return got


def relocate(got, listed):
    """Put back what genisoimage moved to rr_moved: isoinfo lists the
    moved directory there, and at its place a directory entry (the CL
    record) that it does not descend into."""
    moved = [p for p in got if p.lower() in RR_MOVED]
    for top in moved:
        for p in [p for p in got if p.startswith(top + "/") and
                  p.count("/") == 1]:
            name = p.split("/", 1)[1]
            spots = [q for q in got if got[q]["type"] == "dir" and
                     q.split("/")[-1] == name and q not in listed and
                     not q.startswith(top + "/")]
            if len(spots) != 1:
                raise Bad("isoinfo: '%s' was relocated, but from where? %s"
                          % (p, spots))
            spot = spots[0]
            for q in [q for q in got if q == p or q.startswith(p + "/")]:
                got[spot + q[len(p):]] = got.pop(q)


def read(spec):
    reader, _, inp = spec.partition(":")
    if reader == "gm":
        got = read_gm(inp)
    elif reader == "disk":
        got = read_disk(inp)
    elif reader == "bsdtar":
        got = read_bsdtar(inp)
    elif reader == "7z":
        got = read_7z(inp)
    elif reader in ("isoinfo-rr", "isoinfo-joliet", "isoinfo-iso"):
        got = read_isoinfo(inp, reader.split("-")[1])
    else:
        raise Bad("unknown reader %s" % reader)
    # El Torito images and an empty relocation directory are no files
    for p in list(got):
        if p == "[BOOT]" or p.startswith("[BOOT]/"):
            del got[p]
    for p in list(got):
        if p.lower() in RR_MOVED and got[p]["type"] == "dir" and \
                not any(q.startswith(p + "/") for q in got):
            del got[p]
    # hard links: the other names of each inode
    groups = {}
    for p, r in got.items():
        if r.get("type") not in ("dir", None) and r.get("ino") is not None:
            groups.setdefault(r["ino"], []).append(p)
    for p, r in got.items():
        if r.get("type") not in ("dir", None):
            if r.get("ino") is not None:
                r["links"] = sorted(q for q in groups[r["ino"]] if q != p)
    return got


def applies(field, r):
    t = r.get("type")
    if field == "extent":
        return t == "file" and bool(r.get("size"))
    if field in ("size", "md5", "atime"):
        return t == "file"
    if field == "target":
        return t == "symlink"
    if field == "rdev":
        return t in ("char", "block")
    if field in ("nlink", "links"):
        return t != "dir"
    if field in ("perm", "perm9"):
        return t != "symlink"
    return True


def show_value(field, v):
    if field in ("perm", "perm9") and isinstance(v, int):
        return oct(v)
    return repr(v)


def compare(fields, a_spec, b_spec, drops, latin1):
    a = read(a_spec)
    b = read(b_spec)
    if latin1:
        a = {"".join(c if ord(c) < 256 else "_" for c in p): r
             for p, r in a.items()}
    for d in drops:
        for side in (a, b):
            for p in list(side):
                if p == d or p.startswith(d + "/"):
                    del side[p]
    problems = []
    an, bn = (sp.split(":", 1)[0] + " " +
              os.path.basename(sp.split(":", 1)[1].rstrip("/"))
              for sp in (a_spec, b_spec))
    for p in sorted(set(a) - set(b)):
        problems.append("'%s': %s lists it, %s does not" % (p, an, bn))
    for p in sorted(set(b) - set(a)):
        problems.append("'%s': %s lists it, %s does not" % (p, bn, an))
    for p in sorted(set(a) & set(b)):
        ra, rb = a[p], b[p]
        if ra.get("type") != rb.get("type"):
            problems.append("'%s': type %s in %s, %s in %s"
                            % (p, ra.get("type"), an, rb.get("type"), bn))
            continue
        for f in fields:
            if f == "type" or not applies(f, ra):
                continue
            key = "perm" if f == "perm9" else f
            va, vb = ra.get(key), rb.get(key)
            if f == "perm9":
                va = None if va is None else va & 0o777
                vb = None if vb is None else vb & 0o777
            if f == "links" and (va is None) != (vb is None):
                va = va or []
                vb = vb or []
            if va is None or vb is None or va != vb:
                problems.append("'%s': %s %s in %s, %s in %s"
                                % (p, f, show_value(f, va), an,
                                   show_value(f, vb), bn))
    return problems


# --- checks of the ls output ----------------------------------------------

REQUIRED = ("path", "type", "mode", "nlink", "uid", "gid", "size", "mtime",
            "atime", "ctime", "ino", "extents", "damaged")


def lscheck(json_file, ls_r, ls_root, ls_l):
    problems = []
    with open(json_file, encoding="utf-8") as f:
        entries = json.load(f)
    seen = {}
    for i, e in enumerate(entries):
        miss = [k for k in REQUIRED if k not in e]
        if miss:
            problems.append("json entry %d (%s) lacks %s"
                            % (i, e.get("path"), ", ".join(miss)))
            continue
        p = e["path"]
        if not p.startswith("/") or p.endswith("/") or "//" in p:
            problems.append("json: path %r is not absolute and clean" % p)
        if p in seen:
            problems.append("json: %s listed twice" % p)
        parent = p.rsplit("/", 1)[0]
        if parent and parent not in seen:
            problems.append("json: %s comes before its directory" % p)
        seen[p] = e
        if TYPES.get(stat.S_IFMT(e["mode"])) != e["type"]:
            problems.append("json: %s: type %s but mode %o"
                            % (p, e["type"], e["mode"]))
        if ("target" in e) != (e["type"] == "symlink"):
            problems.append("json: %s: a target iff a symlink" % p)
        if ("rdev" in e) != (e["type"] in ("char", "block")):
            problems.append("json: %s: rdev iff a device" % p)
        if e["damaged"] is not False:
            problems.append("json: %s is damaged" % p)
        if "zisofs" in e and e["zisofs"] is not True:
            problems.append("json: %s: zisofs is there only when true" % p)
        for x in e["extents"]:
            if len(x) != 2 or not all(isinstance(v, int) and v >= 0
                                      for v in x):
                problems.append("json: %s: extent %r" % (p, x))
        if e["type"] == "file":
            have = sum(c for _, c in e["extents"]) * 2048
            if not e.get("zisofs") and have < e["size"] and e["extents"]:
                problems.append("json: %s: %d bytes in extents of %d sectors"
                                % (p, e["size"], have // 2048))
    want = ["%s%s" % (p[1:], "/" if e["type"] == "dir" else "")
            for p, e in seen.items()]
    with open(ls_r, encoding="utf-8", errors="surrogateescape") as f:
        have = [line.rstrip("\n") for line in f if line.strip()]
    if sorted(have) != sorted(want):
        for x in sorted(set(want) - set(have))[:20]:
            problems.append("ls -R lacks %r (in --json)" % x)
        for x in sorted(set(have) - set(want))[:20]:
            problems.append("ls -R has %r (not in --json)" % x)
        if len(have) != len(set(have)):
            problems.append("ls -R lists a name twice")
    pos = {x.rstrip("/"): i for i, x in enumerate(have)}
    for x, i in pos.items():
        if "/" in x and pos.get(x.rsplit("/", 1)[0], -1) > i:
            problems.append("ls -R: %r comes before its directory" % x)
    top = sorted(w for w in want if "/" not in w.rstrip("/"))
    with open(ls_root, encoding="utf-8", errors="surrogateescape") as f:
        have = sorted(line.rstrip("\n") for line in f if line.strip())
    if have != top:
        problems.append("ls (the root) shows %r, --json %r" % (have, top))
    # MODE NLINK UID GID SIZE YYYY-MM-DD HH:MM:SS NAME [-> TARGET] [EXTENTS]
    # (SIZE "MAJOR, MINOR" for a device; EXTENTS "[LBA+N ...]" or, for
    # data in a UDF File Entry, "[embedded]")
    line_re = re.compile(r"^(\S{10})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+|\d+,\s*\d+)\s+"
                         r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (.*?)"
                         r"(?:\s+\[((?:\d+\+\d+[ ,]*)*|embedded)\])?$")
    n = 0
    with open(ls_l, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            m = line_re.match(line)
            if not m:
                problems.append("ls -l: cannot read %r" % line)
                continue
            mode, nlink, uid, gid, size, when, name, ext = m.groups()
            target = None
            if mode.startswith("l") and " -> " in name:
                name, target = name.split(" -> ", 1)
            e = seen.get("/" + name.rstrip("/"))
            if e is None:
                problems.append("ls -l -R: %r is not in --json" % name)
                continue
            n += 1
            want = (stat.filemode(e["mode"]), e["nlink"], e["uid"], e["gid"],
                    e["size"], utc(when) == e["mtime"], e.get("target"))
            if "," in size:
                # a device: "MAJOR, MINOR" as ls -l shows it
                size = e["size"] if tuple(int(x) for x in size.split(",")) \
                    == rdev(e.get("rdev", [-1, -1])) else -1
            got = (mode, int(nlink), int(uid), int(gid), int(size), True,
                   target)
            if want != got:
                problems.append("ls -l -R: %r, but --json says %s %d %d %d "
                                "%d %s%s" % (line, want[0], e["nlink"],
                                             e["uid"], e["gid"], e["size"],
                                             e["mtime"],
                                             " -> " + e["target"]
                                             if "target" in e else ""))
            if ext == "embedded":
                if e["extents"]:
                    problems.append("ls -l -R: %s: embedded, --json has "
                                    "extents %s" % (name, e["extents"]))
            elif ext is not None:
                xs = [[int(v) for v in x.split("+")]
                      for x in re.findall(r"\d+\+\d+", ext)]
                if xs != e["extents"]:
                    problems.append("ls -l -R: %s: extents %s, --json %s"
                                    % (name, xs, e["extents"]))
    if n != len(seen):
        problems.append("ls -l -R shows %d entries, --json %d"
                        % (n, len(seen)))
    return problems


def boot(json_file, z):
    with open(json_file, encoding="utf-8") as f:
        entries = json.load(f)
    gm = {e["path"].strip("/"): e.get("size") for e in entries
          if e["path"].strip("/").startswith("[BOOT]/")}
    sz = {p: r.get("size") for p, r in read_7z(z).items()
          if p.startswith("[BOOT]/")}
    problems = []
    if not sz:
        problems.append("7z lists no [BOOT] entries")
    if gm != sz:
        problems.append("[BOOT]: glassmaster %s, 7-Zip %s"
                        % (sorted(gm.items()), sorted(sz.items())))
    return problems


def json_eq(x, y):
    with open(x, encoding="utf-8") as f:
        a = json.load(f)
    with open(y, encoding="utf-8") as f:
        b = json.load(f)
    key = lambda e: e.get("path", "")
    a = sorted(a, key=key)
    b = sorted(b, key=key)
    problems = []
    if len(a) != len(b):
        problems.append("%d entries, not %d" % (len(b), len(a)))
    for ea, eb in zip(a, b):
        if ea != eb:
            problems.append("%s\n    is %s" % (json.dumps(ea, sort_keys=True,
                                                          ensure_ascii=False),
                                               json.dumps(eb, sort_keys=True,
                                                          ensure_ascii=False)))
    return problems


def main(argv):
    try:
        if len(argv) >= 4 and argv[0] == "compare":
            fields = [f for f in argv[1].split(",") if f]
            drops, latin1 = [], False
            rest = argv[4:]
            while rest:
                if rest[0] == "--drop" and len(rest) > 1:
                    drops.append(rest[1].strip("/"))
                    rest = rest[2:]
                elif rest[0] == "--latin1":
                    latin1 = True
                    rest = rest[1:]
                else:
                    raise Bad("unknown option %s" % rest[0])
            problems = compare(fields, argv[2], argv[3], drops, latin1)
        elif len(argv) == 2 and argv[0] == "show":
            for p, r in sorted(read(argv[1]).items()):
                r.pop("md5", None)
                print(p, json.dumps(r, sort_keys=True, default=str,
                                    ensure_ascii=False))
            return 0
        elif len(argv) == 5 and argv[0] == "lscheck":
            problems = lscheck(*argv[1:])
        elif len(argv) == 3 and argv[0] == "boot":
            problems = boot(*argv[1:])
        elif len(argv) == 3 and argv[0] == "json-eq":
            problems = json_eq(*argv[1:])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (Bad, OSError, ValueError, KeyError, TypeError) as e:
        print("  fstree.py: %s: %s" % (type(e).__name__, e))
        return 1
    for p in problems[:60]:
        print("  " + p)
    if len(problems) > 60:
        print("  ... and %d more" % (len(problems) - 60))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
