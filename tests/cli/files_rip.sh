# files_rip.sh - `rip --used-only` and `rip --files-first` (issue 16,
# section 3): the rescue engine reading a disc through its file systems.
#
# 1. --used-only of an ISO 9660 + Rock Ridge + Joliet image (genisoimage
#    -pad), a UDF 2.01 and a UDF 2.50 image and an ISO 9660 + UDF bridge
#    (`glassmaster master`), each of one tree of 40 files.  Every sector
#    past 16 that no `ls -R --json` extent holds and that is zero in the
#    image is first filled with random bytes, so that "left zero" and "read"
#    can be told apart.  Checked by $T/fscheck.py, which reads the image
#    itself (it shares nothing with fs/): every sector the map calls
#    finished is one of the first 16, one of UDF's anchor places (256,
#    N-257, N-1: the rip reads them whatever the disc), inside an extent
#    that `ls -R --json` of some tree lists, or a structure: the volume
#    recognition sequence from 16 and the one sector after it (the probe
#    reads it), the root directories and path tables of the ISO 9660
#    volume descriptors, Rock Ridge continuation areas (CE), the volume
#    descriptor sequences and integrity sequence the anchors point at, and
#    any sector holding a valid UDF descriptor tag.  Every sector of every
#    file and directory extent (and ISO 9660 root) is finished; the map
#    holds only finished and non-tried sectors; the JSON "reads" equals the
#    finished sectors, "unused_sectors" the non-tried ones; non-tried
#    sectors are zero in the output and finished ones the source's.
#    `extract --map` of the output gives, tree by tree, what extract of the
#    source gives; a second rip without the flag reads exactly the
#    non-tried sectors and completes the image byte for byte.
# 2. --files-first through the simulated drive, on the UDF 2.01 image (its
#    sectors 32-255 are free, but for the two volume descriptor sequences
#    and the integrity sequence): sectors never readable in the free space
#    and in one file, /a/b/h5.  `extract --map` names exactly that file
#    damaged (exit 1), with zeros just in its bad sector, and gives every
#    other file as the source has it.
# 3. The order: the drive vanishes after N sector reads, N being the
#    sectors the file system uses (a --used-only rip's) and 64 more.
#    --files-first must have every file but /a/b/h5 whole by then; a plain
#    rip (which spends reads on the free sectors 32-255 before any file)
#    must leave more files damaged than that.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

export LC_ALL=C
for tool in genisoimage python3; do
	command -v "$tool" > /dev/null || fail "$tool is not installed"
done

# Failed checks are collected (each with the command that failed) so that
# one run shows them all; the test fails at the end.
failed=0
problem() {
	echo "FAIL: $*" >&2
	failed=1
}
# check WHAT CMD...: CMD must exit 0; otherwise show it and its output.
check() {
	what=$1
	shift
	if ! "$@" > "$T/chk" 2>&1; then
		echo "command: $*" >&2
		cat "$T/chk" >&2
		problem "$what"
	fi
}
# field NAME FILE: a number of the JSON object in FILE
field() {
	sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" "$2"
}

# ---------------------------------------------------------------------
# The checker: it reads the images, maps and listings itself.
cat > "$T/fscheck.py" <<'PY'
import json, os, random, struct, sys

S = 2048

def nsectors(img):
    return os.path.getsize(img) // S

def rd(f, lba):
    f.seek(lba * S)
    return f.read(S)

def ls_extents(jsons):
    """Sectors of the extents `ls -R --json` lists: all, files', dirs'."""
    alls, files, dirs = set(), set(), set()
    for j in jsons:
        for e in json.load(open(j)):
            for lba, cnt in e.get("extents", []):
                r = set(range(lba, lba + cnt))
                alls |= r
                if e["type"] == "file":
                    files |= r
                elif e["type"] == "dir":
                    dirs |= r
    return alls, files, dirs

def tag(b):
    """The identifier of a valid ECMA-167 descriptor tag, or None."""
    tid = struct.unpack_from("<H", b, 0)[0]
    if not (1 <= tid <= 9 or 256 <= tid <= 266):
        return None
    if struct.unpack_from("<H", b, 2)[0] not in (2, 3):
        return None
    return tid if (sum(b[0:4]) + sum(b[5:16])) & 0xff == b[4] else None

VRS = (b"CD001", b"BEA01", b"NSR02", b"NSR03", b"TEA01", b"BOOT2", b"CDW02")

def span(first, nbytes):
    return set(range(first, first + (nbytes + S - 1) // S))

def structures(img, dirs):
    """(structure sectors, ISO 9660 root directory sectors)"""
    n = nsectors(img)
    st, roots = set(), set()
    with open(img, "rb") as f:
        s = 16
        while s < n and rd(f, s)[1:6] in VRS:
            b = rd(f, s)
            st.add(s)
            if b[1:6] == b"CD001" and b[0] in (1, 2):
                roots |= span(struct.unpack_from("<I", b, 158)[0],
                              struct.unpack_from("<I", b, 166)[0])
                ptsize = struct.unpack_from("<I", b, 132)[0]
                for off, fmt in ((140, "<I"), (144, "<I"), (148, ">I"), (152, ">I")):
                    p = struct.unpack_from(fmt, b, off)[0]
                    if p:
                        st |= span(p, ptsize)
            s += 1
        st.add(s)
        # Rock Ridge continuation areas named by any directory record
        skip = 0
        for d in sorted(dirs | roots):
            b = rd(f, d)
            i = 0
            while i < S - 33 and b[i]:
                ln, fi = b[i], b[i + 32]
                su = i + 33 + fi + (1 - fi % 2)
                if fi == 1 and b[i + 33] == 0 and b[su:su + 2] == b"SP":
                    skip = b[su + 6]
                su += skip
                while su + 4 <= i + ln and b[su + 2] >= 4:
                    if b[su:su + 2] == b"CE":
                        blk, off, cl = (struct.unpack_from("<I", b, su + k)[0]
                                        for k in (4, 12, 20))
                        st |= span(blk, off + cl)
                    su += b[su + 2]
                i += ln
        # UDF: what the anchors point at, and every tagged sector
        for a in (256, n - 257, n - 1):
            if 0 <= a < n and tag(rd(f, a)) == 2:
                b = rd(f, a)
                for lo in (16, 24):
                    ln, loc = struct.unpack_from("<II", b, lo)
                    st |= span(loc, ln)
                    for k in span(loc, ln):
                        v = rd(f, k)
                        if tag(v) == 6:
                            il, iloc = struct.unpack_from("<II", v, 432)
                            st |= span(iloc, il)
        for k in range(16, n):
            if tag(rd(f, k)) is not None:
                st.add(k)
    return st, roots

def readmap(path):
    """[(first, count, status)] of a ddrescue mapfile"""
    rows = [l.split() for l in open(path) if l.strip() and not l.startswith("#")]
    return [(int(p, 16) // S, int(z, 16) // S, st) for p, z, st in rows[1:]]

def scramble(img, jsons):
    alls = ls_extents(jsons)[0]
    rnd = random.Random(16)
    done = 0
    with open(img, "r+b") as f:
        for k in range(16, nsectors(img)):
            if k not in alls and rd(f, k) == bytes(S):
                f.seek(k * S)
                f.write(rnd.randbytes(S))
                done += 1
    print(done)
    return 0 if done else 1

def used_only(src, out, mp, rip, jsons):
    n = nsectors(src)
    alls, files, dirs = ls_extents(jsons)
    st, roots = structures(src, dirs)
    allowed = set(range(16)) | {256, n - 257, n - 1} | alls | st | roots
    fin, untried, other = set(), set(), []
    for lba, cnt, status in readmap(mp):
        r = set(range(lba, lba + cnt))
        if status == "+":
            fin |= r
        elif status == "?":
            untried |= r
        else:
            other.append((lba, cnt, status))
    err = []
    if other:
        err.append("map areas neither finished nor non-tried: %s" % other)
    if len(fin) + len(untried) != n:
        err.append("the map covers %d of %d sectors" % (len(fin) + len(untried), n))
    extra = sorted(fin - allowed)
    if extra:
        err.append("%d finished sectors that no file system uses: %s"
                   % (len(extra), extra[:40]))
    miss = sorted((files | dirs | roots) - fin)
    if miss:
        err.append("%d file or directory sectors not finished: %s" % (len(miss), miss[:40]))
    j = json.load(open(rip))
    if j["reads"] != len(fin):
        err.append('"reads": %d, but %d sectors are finished' % (j["reads"], len(fin)))
    if j.get("unused_sectors") != len(untried):
        err.append('"unused_sectors": %s, but %d sectors are non-tried'
                   % (j.get("unused_sectors"), len(untried)))
    if j["result"] != "complete" or j["bad"] != 0:
        err.append('"result": %s, "bad": %d' % (j["result"], j["bad"]))
    nz = 0
    with open(src, "rb") as a, open(out, "rb") as b:
        if os.path.getsize(out) != n * S:
            err.append("the output has %d bytes, not %d" % (os.path.getsize(out), n * S))
        for k in range(n):
            want = rd(a, k) if k in fin else bytes(S)
            if rd(b, k) != want:
                err.append("sector %d of the output is not %s"
                           % (k, "the source's" if k in fin else "zero"))
                break
        nz = sum(1 for k in untried if rd(a, k) != bytes(S))
    for e in err:
        print(e)
    print("%d sectors: %d read (%d in file extents, %d of directories), \"reads\" %d, "
          "%d non-tried (%d of them not zero in the source), \"unused_sectors\" %s"
          % (n, len(fin), len(files), len(dirs | roots), j["reads"], len(untried), nz,
             j.get("unused_sectors")))
    return 1 if err else 0

def status(mp, want):
    """the LBAs whose status is in want, space-separated"""
    print(" ".join(str(k) for lba, cnt, st in readmap(mp) if st in want
                   for k in range(lba, lba + cnt)))
    return 0

def extent(jsonf, path):
    """FIRST COUNT of the first extent of path"""
    for e in json.load(open(jsonf)):
        if e["path"] == path:
            print(*e["extents"][0])
            return 0
    return 1

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "scramble":
    sys.exit(scramble(args[0], args[1:]))
if cmd == "used-only":
    sys.exit(used_only(args[0], args[1], args[2], args[3], args[4:]))
if cmd == "status":
    sys.exit(status(args[0], args[1]))
if cmd == "extent":
    sys.exit(extent(args[0], args[1]))
sys.exit(2)
PY
CHECK="python3 $T/fscheck.py"

# The tree: 40 files of 7 bytes to 40 KB (some in UDF's ICB) in 4 directories.
mkdir -p "$T/tree/a/b" "$T/tree/c"
i=1
while [ $i -le 12 ]; do
	head -c $((i * 3000)) /dev/urandom > "$T/tree/f$i"
	head -c $((i * 1500 + 7)) /dev/urandom > "$T/tree/a/g$i"
	if [ $i -le 8 ]; then
		head -c $((i * 5000)) /dev/urandom > "$T/tree/a/b/h$i"
		echo "text $i" > "$T/tree/c/t$i"
	fi
	i=$((i + 1))
done

genisoimage -quiet -R -J -pad -o "$T/g.iso" "$T/tree" 2> "$T/err" || { cat "$T/err"; fail "genisoimage"; }
run 0 "$GM" master --quiet --date 1700000000 --fs udf -o "$T/u201.iso" "$T/tree"
run 0 "$GM" master --quiet --date 1700000000 --fs udf --udf-rev 2.50 -o "$T/u250.iso" "$T/tree"
run 0 "$GM" master --quiet --date 1700000000 --fs iso+udf -o "$T/br.iso" "$T/tree"

# lists NAME IMAGE: `ls -R --json` of every tree IMAGE has into
# $T/NAME.TREE.json; $trees the files.
lists() {
	trees=
	for fs in udf rockridge joliet iso9660; do
		set +e
		"$GM" ls -R --json --fs $fs "$2" > "$T/$1.$fs.json" 2> "$T/err"
		st=$?
		set -e
		case $st in
		0) trees="$trees $T/$1.$fs.json" ;;
		2) rm -f "$T/$1.$fs.json" ;;
		*) cat "$T/err" >&2; fail "ls -R --json --fs $fs '$2': exit $st" ;;
		esac
	done
	[ -n "$trees" ] || fail "'$2' has no tree"
}

# --------------------------------------------------------------------- 1.
for name in g u201 u250 br; do
	lists "$name" "$T/$name.iso"
	check "$name: filling the free sectors" $CHECK scramble "$T/$name.iso" $trees
	lists "$name" "$T/$name.iso"
	run 0 "$GM" rip --used-only --json -o "$T/$name.out.iso" "$T/$name.iso"
	cp "$T/out" "$T/$name.rip.json"
	cp "$T/$name.out.iso.map" "$T/$name.used.map"
	check "$name: rip --used-only read what it should not, or not what it should" \
		$CHECK used-only "$T/$name.iso" "$T/$name.out.iso" "$T/$name.out.iso.map" \
		"$T/$name.rip.json" $trees
	echo "$name: $(tail -n 1 "$T/chk")"
	for t in $trees; do
		fs=${t%.json}
		fs=${fs##*.}
		rm -rf "$T/x1" "$T/x2"
		run 0 "$GM" extract "$T/$name.iso" --fs "$fs" -C "$T/x1"
		run 0 "$GM" extract "$T/$name.out.iso" --fs "$fs" --map "$T/$name.out.iso.map" -C "$T/x2"
		check "$name: extract --fs $fs --map of the --used-only rip differs from the source's" \
			diff -r "$T/x1" "$T/x2"
	done
	untried=$($CHECK status "$T/$name.out.iso.map" '?' | wc -w)
	run 0 "$GM" rip --json -o "$T/$name.out.iso" "$T/$name.iso"
	[ "$(field reads "$T/out")" = "$untried" ] || {
		echo "command: $GM rip --json -o $T/$name.out.iso $T/$name.iso" >&2
		cat "$T/out" >&2
		problem "$name: completing the rip read $(field reads "$T/out") sectors; $untried were non-tried"
	}
	check "$name: the completed rip differs from the source" cmp "$T/$name.out.iso" "$T/$name.iso"
done

# --------------------------------------------------------------------- 2.
# The UDF 2.01 image: sectors 100 and 150-151 are free (non-tried after
# --used-only), and the fourth sector of /a/b/h5 never reads either.
src=$T/u201.iso
h5ext=$($CHECK extent "$T/u201.udf.json" /a/b/h5) || fail "ls lists no /a/b/h5 in '$src'"
set -- $h5ext
h5=$(($1 + 3))
[ "$2" -gt 4 ] || fail "/a/b/h5 has an extent of $2 sectors"
free=" $($CHECK status "$T/u201.used.map" '?') "
for k in 100 150 151; do
	case $free in
	*" $k "*) ;;
	*) fail "sector $k of '$src' is used: pick other free sectors" ;;
	esac
done
used=$(( $(field rescued "$T/u201.rip.json") / 2048 ))
total=$(( $(wc -c < "$src") / 2048 ))
printf '100 unreadable\n150-151 unreadable\n%d unreadable\n' $h5 > "$T/faults"

run 1 "$GM" rip --files-first --json --simulate "$T/faults" -o "$T/ff.iso" "$src"
[ "$($CHECK status "$T/ff.iso.map" '*/-')" = "100 150 151 $h5" ] || {
	echo "command: $GM rip --files-first --json --simulate $T/faults -o $T/ff.iso $src" >&2
	cat "$T/faults" "$T/ff.iso.map" >&2
	problem "--files-first: the bad sectors are not exactly 100 150 151 $h5"
}
# damaged: the files `extract --map` names damaged, one a line
damaged() {
	sed -n "s/^.*warning: '\([^']*\)': damaged.*/\1/p" "$T/err" | sort | tr '\n' ' '
}
rm -rf "$T/x"
run 1 "$GM" extract "$T/ff.iso" --map "$T/ff.iso.map" -C "$T/x"
[ "$(damaged)" = "/a/b/h5 " ] || {
	echo "command: $GM extract $T/ff.iso --map $T/ff.iso.map -C $T/x" >&2
	cat "$T/err" >&2
	problem "extract --map after --files-first names damaged: $(damaged), not just /a/b/h5"
}
contains "$T/err" "1 file damaged"
check "extract --map after --files-first: the files but /a/b/h5 differ from the source" \
	diff -r -x h5 "$T/tree" "$T/x"
cp "$T/tree/a/b/h5" "$T/h5"
dd if=/dev/zero of="$T/h5" bs=2048 seek=3 count=1 conv=notrunc status=none
check "extract --map after --files-first: /a/b/h5 is not the source with sector 3 zero" \
	cmp "$T/h5" "$T/x/a/b/h5"

# --------------------------------------------------------------------- 3.
# The margin of 64 reads: the READ CD that fails at /a/b/h5's bad sector
# counts the sectors before it in its command (up to 31), trimming reads
# them again one by one (about as many), and the bad one a few times.  A
# plain rip, in LBA order, spends about 200 reads on the free sectors
# 38-47, 54-63 and 66-255 before the first file (LBA 307).
n=$((used + 64))
printf 'after-reads %d vanish\n' $n >> "$T/faults"
for how in files_first plain; do
	rm -f "$T/v.iso" "$T/v.iso.map"
	flag=--files-first
	[ $how = files_first ] || flag=
	run 3 "$GM" rip $flag --map-interval 0 --simulate "$T/faults" -o "$T/v.iso" "$src"
	contains "$T/err" "is gone at LBA"
	rm -rf "$T/x"
	run 1 "$GM" extract "$T/v.iso" --map "$T/v.iso.map" -C "$T/x"
	eval "damaged_$how=\"\$(damaged)\""
	cp "$T/v.iso.map" "$T/v-$how.map"
done
echo "u201: $total sectors, $used used; the drive vanishes after $n reads:" \
	"--files-first leaves damaged: $damaged_files_first; a plain rip: $damaged_plain"
[ "$damaged_files_first" = "/a/b/h5 " ] || {
	echo "command: $GM rip --files-first --map-interval 0 --simulate $T/faults -o $T/v.iso $src" >&2
	cat "$T/faults" "$T/v-files_first.map" >&2
	problem "--files-first, the drive gone after $n reads ($used used): damaged $damaged_files_first, not just /a/b/h5"
}
[ $(echo "$damaged_plain" | wc -w) -gt $(echo "$damaged_files_first" | wc -w) ] || {
	echo "command: $GM rip --map-interval 0 --simulate $T/faults -o $T/v.iso $src" >&2
	cat "$T/faults" "$T/v-plain.map" >&2
	problem "a plain rip, the drive gone after $n reads, leaves no more files damaged ($damaged_plain) than --files-first ($damaged_files_first)"
}

[ $failed -eq 0 ] || exit 1
