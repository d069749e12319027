# master_profiles.sh - `glassmaster master --dvd-video` and `--bdmv`.
#
# A synthetic VIDEO_TS tree (a menu-only VIDEO_TS without VIDEO_TS.VOB,
# a title set of three VOBs, one of a single small VOB, a VOB of 2^30 -
# 2048 bytes, AUDIO_TS, a file beside them) is mastered as a DVD-Video
# bridge and every layout rule is checked from the outside: UDF 1.02
# (udfinfo), the structure (udfcheck.py), VIDEO_TS's files first and in
# reading order, back to back but for 16 sectors before a BUP whose IFO
# would otherwise share its ECC block, no IFO in its BUP's 16-sector
# block, each file one extent and the same sectors through ISO 9660
# (isoinfo) and UDF; each broken rule is refused, named, and leaves no
# image.  A synthetic BDMV/CERTIFICATE tree is mastered with --bdmv as
# UDF 2.50 with a metadata partition.  The Linux kernel in a QEMU guest
# mounts the DVD as udf and iso9660 and the BD as udf and reads every
# file back.
. "$(dirname "$0")/lib.sh"

export SOURCE_DATE_EPOCH=1700000000
rnd() { head -c "$2" /dev/urandom > "$1"; }
check() { python3 "$srcdir/tests/cli/udfcheck.py" "$@"; }

# --- DVD-Video ---------------------------------------------------------------
dvd=$T/dvd
v=$dvd/VIDEO_TS
mkdir -p "$v" "$dvd/AUDIO_TS"
rnd "$v/VIDEO_TS.IFO" 12288
cp "$v/VIDEO_TS.IFO" "$v/VIDEO_TS.BUP"
rnd "$v/VTS_01_0.IFO" 20480
cp "$v/VTS_01_0.IFO" "$v/VTS_01_0.BUP"
rnd "$v/VTS_01_0.VOB" 102400
rnd "$v/VTS_01_1.VOB" 3145728
rnd "$v/VTS_01_2.VOB" 2097152
rnd "$v/VTS_02_0.IFO" 6144
cp "$v/VTS_02_0.IFO" "$v/VTS_02_0.BUP"
rnd "$v/VTS_02_1.VOB" 8192
rnd "$v/VTS_03_0.IFO" 4096
cp "$v/VTS_03_0.IFO" "$v/VTS_03_0.BUP"
truncate -s $((1073741824 - 2048)) "$v/VTS_03_1.VOB"
echo "not video" > "$dvd/README.TXT"
order="VIDEO_TS.IFO VIDEO_TS.BUP VTS_01_0.IFO VTS_01_0.VOB VTS_01_1.VOB
VTS_01_2.VOB VTS_01_0.BUP VTS_02_0.IFO VTS_02_1.VOB VTS_02_0.BUP
VTS_03_0.IFO VTS_03_1.VOB VTS_03_0.BUP"

run 0 "$GM" master --dvd-video -V MOVIE -o "$T/dvd.iso" "$dvd"
contains "$T/out" "ISO 9660 + UDF"
run 0 "$GM" master --dvd-video -V MOVIE -o "$T/again.iso" "$dvd"
cmp "$T/dvd.iso" "$T/again.iso" || fail "two DVD-Video runs with one SOURCE_DATE_EPOCH differ"
rm -f "$T/again.iso"
check --list "$T/dvd.list" "$T/dvd.iso" 0x0102 > "$T/check" 2>&1 || fail "udfcheck: $(cat "$T/check")"
contains "$T/check" "14 files, 3 directories"
if command -v udfinfo > /dev/null; then
	udfinfo "$T/dvd.iso" > "$T/info" 2>&1 || fail "udfinfo: $(cat "$T/info")"
	contains "$T/info" "udfrev=1.02"
	contains "$T/info" "label=MOVIE"
fi
isoinfo -R -l -i "$T/dvd.iso" > "$T/isoinfo" || fail "isoinfo -R -l"

# The rules, from UDF's list (path|sector|size|extents) and isoinfo's.
python3 - "$T/dvd.list" "$T/isoinfo" $order <<'PY' || fail "the DVD-Video layout breaks a rule"
import re, sys
listing, isoinfo, order = sys.argv[1], sys.argv[2], sys.argv[3:]
files = {}
for line in open(listing, encoding="utf-8"):
    path, at, size, ext = line.rstrip("\n").split("|")
    files[path] = (int(at), int(size), int(ext))
iso, d = {}, None
for line in open(isoinfo, encoding="utf-8"):
    m = re.match(r"Directory listing of (.*)", line)
    if m:
        d = m.group(1)
    m = re.search(r"\[ *(\d+) 00\]  (.*?) *$", line)
    if m and d is not None and m.group(2) not in (".", ".."):
        iso[d + m.group(2)] = int(m.group(1))
bad = []
vts = ["/VIDEO_TS/" + n for n in order]
first_other = min(at for p, (at, size, e) in files.items()
                  if not p.startswith("/VIDEO_TS/") and size > 0)
prev = None
for p in vts:
    at, size, ext = files[p]
    sectors = size // 2048
    if ext != 1:
        bad.append("%s: %d extents, not one" % (p, ext))
    if iso.get(p) != at:
        bad.append("%s: UDF says sector %d, ISO 9660 %s" % (p, at, iso.get(p)))
    if at >= first_other:
        bad.append("%s: after another file's data (sector %d)" % (p, first_other))
    if prev is not None:
        pend = prev[0] + prev[1] // 2048
        gap = at - pend
        # back to back, or 16 sectors of padding before a BUP
        if not (gap == 0 or (gap == 16 and p.endswith(".BUP"))):
            bad.append("%s: %d sectors after the previous file" % (p, gap))
    prev = (at, size)
# an IFO and its BUP never in one 16-sector ECC block; the padding only
# where it is needed
for p in vts:
    if not p.endswith(".IFO"):
        continue
    b = p[:-4] + ".BUP"
    ifo_at, ifo_size, _ = files[p]
    bup_at = files[b][0]
    if (ifo_at + ifo_size // 2048 - 1) // 16 == bup_at // 16:
        bad.append("%s and %s share the ECC block %d" % (p, b, bup_at // 16))
for p in bad:
    print(p)
sys.exit(1 if bad else 0)
PY
# the pads are there because they are needed: VIDEO_TS has no VOB
at_ifo=$(awk -F'|' '$1 == "/VIDEO_TS/VIDEO_TS.IFO" { print $2 }' "$T/dvd.list")
at_bup=$(awk -F'|' '$1 == "/VIDEO_TS/VIDEO_TS.BUP" { print $2 }' "$T/dvd.list")
[ $((at_bup - at_ifo)) = 22 ] || fail "VIDEO_TS.BUP is $((at_bup - at_ifo)) sectors after its IFO, not 6 + 16"
# the data read back through UDF's sectors is the file
dd if="$T/dvd.iso" bs=2048 skip="$at_bup" count=6 status=none | cmp - "$v/VIDEO_TS.BUP" ||
	fail "the sectors of VIDEO_TS.BUP are not the file"

# Refusals, each naming its rule; no image is left.
refuse() {
	what=$1
	shift
	run 2 "$GM" master --dvd-video -o "$T/x.iso" "$@"
	contains "$T/err" "$what"
	[ ! -e "$T/x.iso" ] || fail "a refused DVD-Video image was left"
}
bad=$T/bad
reset_bad() { rm -rf "$bad"; mkdir -p "$bad"; cp -a "$v" "$bad/VIDEO_TS"; rm "$bad/VIDEO_TS/VTS_03_1.VOB"; }
mkdir -p "$T/novts"
echo x > "$T/novts/a"
refuse "--dvd-video: the root has no VIDEO_TS directory" "$T/novts"
reset_bad
echo x > "$bad/VIDEO_TS/notes.txt"
refuse "'/VIDEO_TS/notes.txt': VIDEO_TS holds only" "$bad"
reset_bad
mv "$bad/VIDEO_TS/VTS_02_1.VOB" "$bad/VIDEO_TS/vts_02_1.vob"
refuse "'/VIDEO_TS/vts_02_1.vob': VIDEO_TS holds only" "$bad"
reset_bad
head -c 100 /dev/zero >> "$bad/VIDEO_TS/VTS_01_2.VOB"
refuse "'/VIDEO_TS/VTS_01_2.VOB' has 2097252 bytes: DVD-Video files are whole 2048-byte sectors" "$bad"
reset_bad
truncate -s 1073741824 "$bad/VIDEO_TS/VTS_01_1.VOB"
refuse "'/VIDEO_TS/VTS_01_1.VOB' has 1073741824 bytes: a DVD-Video file is one extent of at most 1073739776 bytes" "$bad"
reset_bad
rm "$bad/VIDEO_TS/VTS_02_0.BUP"
refuse "--dvd-video: VTS_02_0.IFO has no backup VTS_02_0.BUP" "$bad"
reset_bad
head -c 2048 /dev/zero >> "$bad/VIDEO_TS/VTS_01_0.BUP"
refuse "--dvd-video: VTS_01_0.IFO has 20480 bytes, its backup VTS_01_0.BUP 22528" "$bad"
reset_bad
rm "$bad/VIDEO_TS/VTS_02_0.IFO"
refuse "--dvd-video: title set 02 has no VTS_02_0.IFO" "$bad"
reset_bad
rm "$bad/VIDEO_TS/VIDEO_TS.IFO" "$bad/VIDEO_TS/VIDEO_TS.BUP"
refuse "--dvd-video: VIDEO_TS has no VIDEO_TS.IFO" "$bad"
reset_bad
rm "$bad/VIDEO_TS/VTS_01_0.VOB"
ln -s VTS_01_1.VOB "$bad/VIDEO_TS/VTS_01_0.VOB"
refuse "'/VIDEO_TS/VTS_01_0.VOB' is not a regular file" "$bad"
run 2 "$GM" master --dvd-video --fs udf -o "$T/x.iso" "$dvd"
contains "$T/err" "--dvd-video makes an ISO 9660 + UDF 1.02 bridge"
run 2 "$GM" master --dvd-video --udf-rev 2.01 -o "$T/x.iso" "$dvd"
contains "$T/err" "--dvd-video makes an ISO 9660 + UDF 1.02 bridge"
run 2 "$GM" master --dvd-video --bdmv -o "$T/x.iso" "$dvd"
contains "$T/err" "one profile at a time"
[ ! -e "$T/x.iso" ] || fail "a refused image was left"

# --- BDMV --------------------------------------------------------------------
bd=$T/bd
mkdir -p "$bd/BDMV/PLAYLIST" "$bd/BDMV/CLIPINF" "$bd/BDMV/STREAM" "$bd/BDMV/AUXDATA" \
	"$bd/BDMV/BDJO" "$bd/BDMV/JAR" "$bd/BDMV/META" "$bd/BDMV/BACKUP/PLAYLIST" \
	"$bd/BDMV/BACKUP/CLIPINF" "$bd/CERTIFICATE/BACKUP"
rnd "$bd/BDMV/index.bdmv" 120
rnd "$bd/BDMV/MovieObject.bdmv" 4000
rnd "$bd/BDMV/PLAYLIST/00000.mpls" 300
rnd "$bd/BDMV/CLIPINF/00000.clpi" 900
rnd "$bd/BDMV/STREAM/00000.m2ts" $((6144 * 500))
for f in index.bdmv MovieObject.bdmv PLAYLIST/00000.mpls CLIPINF/00000.clpi; do
	cp "$bd/BDMV/$f" "$bd/BDMV/BACKUP/$f"
done
rnd "$bd/CERTIFICATE/id.bdmv" 104
cp "$bd/CERTIFICATE/id.bdmv" "$bd/CERTIFICATE/BACKUP/id.bdmv"
run 0 "$GM" master --bdmv -V BDMOVIE -o "$T/bd.udf" "$bd"
contains "$T/out" "UDF, "
check "$T/bd.udf" 0x0250 > "$T/check" 2>&1 || fail "udfcheck of the BD: $(cat "$T/check")"
contains "$T/check" "11 files, 14 directories"
if command -v udfinfo > /dev/null; then
	udfinfo "$T/bd.udf" > "$T/info" 2>&1 || fail "udfinfo: $(cat "$T/info")"
	contains "$T/info" "udfrev=2.50"
	contains "$T/info" "label=BDMOVIE"
fi
run 0 "$GM" master --bdmv --udf-rev 2.60 -o "$T/bd260.udf" "$bd"
check "$T/bd260.udf" 0x0260 > "$T/check" 2>&1 || fail "udfcheck of the 2.60 BD: $(cat "$T/check")"
rm -f "$T/bd260.udf"
mkdir -p "$T/nobd/BDMV"
echo x > "$T/nobd/BDMV/index.bdmv"
run 2 "$GM" master --bdmv -o "$T/x.udf" "$T/nobd"
contains "$T/err" "--bdmv: BDMV has no MovieObject.bdmv"
run 2 "$GM" master --bdmv -o "$T/x.udf" "$dvd"
contains "$T/err" "--bdmv: the root has no BDMV directory"
run 2 "$GM" master --bdmv --udf-rev 2.01 -o "$T/x.udf" "$bd"
contains "$T/err" "--bdmv makes a UDF 2.50 (or 2.60) image"
run 2 "$GM" master --bdmv --fs iso -o "$T/x.udf" "$bd"
contains "$T/err" "--bdmv makes a UDF 2.50 (or 2.60) image"
[ ! -e "$T/x.udf" ] || fail "a refused BD image was left"

# --- the kernel --------------------------------------------------------------
# (the 1 GiB VOB is read back only through its size and first 64 KiB;
# the function runs on both sides)
LISTING='listing() {
	(cd "$1" && find . -type f | sort | while read -r p; do
		if [ "$(stat -c %s "$p")" -gt 100000000 ]; then
			echo "$p|$(stat -c %s "$p")|$(head -c 65536 "$p" | md5sum | cut -c 1-32)"
		else
			echo "$p|$(stat -c %s "$p")|$(md5sum < "$p" | cut -c 1-32)"
		fi
	done)
}'
eval "$LISTING"
listing "$dvd" > "$T/dvd.expect"
listing "$bd" > "$T/bd.expect"
{
	echo "$LISTING"
	cat <<'GUEST'
mkdir -p /mnt
mount -t udf -o ro "$GM_SR_0" /mnt 2> /out/mount0.err || exit 10
listing /mnt > /out/dvd.udf
umount /mnt
mount -t iso9660 -o ro "$GM_SR_0" /mnt 2> /out/mount1.err || exit 11
listing /mnt > /out/dvd.iso9660
umount /mnt
mount -t udf -o ro "$GM_SR_1" /mnt 2> /out/mount2.err || exit 12
listing /mnt > /out/bd.udf
umount /mnt
exit 0
GUEST
} > "$T/guest.sh"
in_guest "scsi-cd:$T/dvd.iso" "scsi-cd:$T/bd.udf"
diff "$T/dvd.expect" "$T/guest/dvd.udf" || fail "the kernel's UDF view of the DVD differs"
diff "$T/dvd.expect" "$T/guest/dvd.iso9660" || fail "the kernel's ISO 9660 view of the DVD differs"
diff "$T/bd.expect" "$T/guest/bd.udf" || fail "the kernel's view of the BD differs"
exit 0
