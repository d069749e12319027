# qemu.sh - glassmaster against emulated optical drives in a QEMU guest
# (tests/qemu/guest.sh), in one boot: an ATAPI and a virtio-scsi drive
# holding an 8 MB ISO, an ATAPI drive holding an image bigger than a CD
# (which QEMU calls a DVD-ROM) and an ATAPI drive with no medium.  Exits 77
# (skipped) where QEMU or the guest kernel is missing.
#
# It checks the harness with busybox (the drives' nodes and models, dd of
# each drive against the ISO), then glassmaster's MMC back end: `drives`
# with each medium's profile, rips of the ATAPI drive through its sr node
# (libcdio) and sg node (SG_IO) and of the virtio-scsi one equal the ISO
# and log what the drive could not do right, the DVD-sized image rips
# whole, the empty drive is refused, and a rip into a file system too
# small for it stops with its map and completes once there is room.
# GM_QEMU_CACHE moves the initramfs cache (default
# BUILDDIR/tests/qemu-cache).
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

cache=${GM_QEMU_CACHE:-$builddir/tests/qemu-cache}
began=$(date +%s)

# 8 MB of random files, and a tiny ISO grown past 737,280,000 bytes, the
# most a CD holds (sparse, so cheap here).
mkdir -p "$T/tree/sub" "$T/tree2"
head -c 6000000 /dev/urandom > "$T/tree/a.bin"
head -c 2000000 /dev/urandom > "$T/tree/sub/b.bin"
genisoimage -quiet -J -R -V QEMUSMALL -o "$T/small.iso" "$T/tree" || fail "genisoimage failed"
echo "bigger than a CD" > "$T/tree2/readme.txt"
genisoimage -quiet -V QEMUBIG -o "$T/big.iso" "$T/tree2" || fail "genisoimage failed"
truncate -s 740M "$T/big.iso"
md5() { md5sum | cut -c 1-32; }
small_md5=$(md5 < "$T/small.iso")
big_size=$(wc -c < "$T/big.iso")
big_tail_md5=$(dd if="$T/big.iso" bs=1M skip=739 status=none | md5)

# Drives 0-3 in the order of --drive below; the guest script keeps each
# command's stdout, stderr and status in /out for the checks here.
{
	cat <<'GUEST'
ls /sys/class/scsi_generic > /out/sg.list
for i in 0 1 2 3; do
	eval "sr=\$GM_SR_$i"
	sed 's/ *$//' "/sys/block/${sr#/dev/}/device/model" > "/out/model$i"
done
glassmaster --version > /out/version
for i in 0 1; do
	eval "sr=\$GM_SR_$i"
	dd if="$sr" bs=64k 2> "/out/dd$i.err" | md5 > "/out/dd$i.md5"
done
blockdev --getsize64 "$GM_SR_2" > /out/big.size
dd if="$GM_SR_2" bs=1M skip=739 2> /dev/null | md5 > /out/big.tail.md5
r empty.dd dd if="$GM_SR_3" of=/dev/null bs=2048 count=1
r empty.rip glassmaster rip "$GM_SR_3" -o /out/empty.iso
dd if="$GM_SR_0" of=/out/copy.iso bs=64k 2> /dev/null
r info glassmaster info copy.iso
rm -f /out/copy.iso
# an output file system that fills up, then grows
mkdir /small
mount -t tmpfs -o size=4m tmpfs /small
r full.dd1 dd if="$GM_SR_0" of=/small/dd.iso bs=64k
mount -o remount,size=64m /small
r full.dd2 dd if="$GM_SR_0" of=/small/dd.iso bs=64k
md5 < /small/dd.iso > /out/full.dd.md5
umount /small

r drives glassmaster drives --json
r drives.text glassmaster drives
r rip0 glassmaster rip "$GM_SR_0" -o /out/rip0.iso --json
r rip1 glassmaster rip --speed max "$GM_SR_1" -o /out/rip1.iso --json
r ripsg glassmaster rip --speed 4 "$GM_SG_0" -o /out/ripsg.iso --json
# the drive against the master, with the read speed on the map
r verify0 glassmaster verify --map /out/v0.svg "$GM_SR_0" /files/small.iso
# the big image is ripped in the guest; only its MD5, map and log come back
mkdir /big
mount -t tmpfs -o size=800m tmpfs /big
r rip2 glassmaster rip --no-hash "$GM_SR_2" -o /big/rip2.iso --json
md5 < /big/rip2.iso > /out/rip2.md5
cp /big/rip2.iso.map /big/rip2.iso.log /out/
cp /big/rip2.physical /big/rip2.manufacturer /big/rip2.bca /out/ 2> /dev/null
umount /big
r rip3 glassmaster rip "$GM_SR_3" -o /out/rip3.iso --json
mount -t tmpfs -o size=4m tmpfs /small
r full1 glassmaster rip "$GM_SR_0" -o /small/full.iso --json
cp /small/full.iso.map /out/full1.map
mount -o remount,size=64m /small
r full2 glassmaster rip "$GM_SR_0" -o /small/full.iso --json
cp /small/full.iso /out/full.iso
# the checks are made on the host, from what /out holds
exit 0
GUEST
} > "$T/guest.sh"

status=0
sh "$srcdir/tests/qemu/guest.sh" --builddir "$builddir" --cache "$cache" \
	--drive "ide-cd:$T/small.iso" --drive "scsi-cd:$T/small.iso" \
	--drive "ide-cd:$T/big.iso" --drive ide-cd:none --file "$T/small.iso" \
	--script "$T/guest.sh" --out "$T/out" --ram 1280 --timeout 240 \
	> "$T/guest.log" 2>&1 || status=$?
cat "$T/guest.log"
if [ $status -eq 77 ]; then
	tail -n 1 "$T/guest.log"
	exit 77
fi
[ $status -eq 0 ] || { cat "$T/out/guest.stderr" 2> /dev/null; fail "the guest script ended with status $status"; }
O=$T/out

# is NAME STATUS...: fail unless the guest command NAME ended with one of them.
is() {
	name=$1
	shift
	got=$(cat "$O/$name.status")
	for want; do
		[ "$got" = "$want" ] && return 0
	done
	cat "$O/$name.out" "$O/$name.err" >&2
	fail "in the guest, $name ended with status $got, not $*"
}
# same FILE TEXT: fail unless FILE holds the line TEXT.
same() {
	[ "$(cat "$1")" = "$2" ] || fail "'$(basename "$1")' has '$(cat "$1")', not '$2'"
}

# The harness: four drives, each with its sr and sg node, in the order given.
[ "$(wc -l < "$O/guest.drives")" -eq 4 ] || fail "/drives has not 4 lines"
while read -r i kind sr sg medium; do
	case $sr$sg in */dev/sr*/dev/sg*) ;; *) fail "drive $i ($kind $medium) has no nodes: $sr $sg" ;; esac
done < "$O/guest.drives"
[ "$(grep -c '^sg' "$O/sg.list")" -eq 4 ] || fail "/sys/class/scsi_generic: $(cat "$O/sg.list")"
grep -q '^0 ide-cd .* small.iso$' "$O/guest.drives" || fail "drive 0 in /drives"
grep -q '^3 ide-cd .* none$' "$O/guest.drives" || fail "drive 3 in /drives"
same "$O/model0" "QEMU DVD-ROM"
same "$O/model1" "QEMU CD-ROM"
same "$O/model3" "QEMU DVD-ROM"
same "$O/dd0.md5" "$small_md5"
same "$O/dd1.md5" "$small_md5"
same "$O/big.size" "$big_size"
same "$O/big.tail.md5" "$big_tail_md5"
is empty.dd 1
contains "$O/empty.dd.err" "No medium found"
same "$O/full.dd1.status" 1
contains "$O/full.dd1.err" "No space left on device"
is full.dd2 0
same "$O/full.dd.md5" "$small_md5"

# glassmaster runs in the guest: the same program as here, and it reads
# what the drive gave.  A drive with no medium is refused as such.
same "$O/version" "$("$GM" --version)"
cp "$T/small.iso" "$T/copy.iso"
gm=$(cd "$builddir" && pwd)/glassmaster
(cd "$T" && "$gm" info copy.iso) > "$T/info.host"
is info 0
cmp "$O/info.out" "$T/info.host" || fail "glassmaster info differs in the guest"
is empty.rip 2 3
grep -qi "no medium" "$O/empty.rip.err" || fail "no 'no medium' in: $(cat "$O/empty.rip.err")"

# glassmaster drives: every drive, with the profile of its medium
is drives 0
python3 - "$O/drives.out" "$O/guest.drives" <<'PY' || fail "drives --json: $(cat "$O/drives.out")"
import json, sys
drives = {d["sr"]: d for d in json.load(open(sys.argv[1]))["drives"]}
want = {"small.iso": "CD-ROM", "big.iso": "DVD-ROM", "none": None}
for line in open(sys.argv[2]):
    i, kind, sr, sg, medium = line.split()
    d = drives[sr]
    assert d["sg"] == sg, (sr, d["sg"], sg)
    assert d["vendor"] == "QEMU", d
    assert d["current_profile"] == want[medium], (sr, d["current_profile"])
    assert d["medium"] == (medium != "none"), d
    assert "CD-ROM" in d["profiles"] and "DVD-ROM" in d["profiles"], d
    assert d["features"]["cd_read"] and d["features"]["dvd_read"], d
    if medium == "none":
        assert "medium not present" in d["status"], d
PY
is drives.text 0
contains "$O/drives.text.out" "medium:   NOT READY 02/3A/00: medium not present"
# rips through ATAPI (sr: libcdio; sg: SG_IO) and virtio-scsi equal the ISO
for i in 0 1 sg; do
	is rip$i 0
	contains "$O/rip$i.out" '"result": "complete"'
	contains "$O/rip$i.out" '"checked": false'
	cmp "$O/rip$i.iso" "$T/small.iso" || fail "the rip of drive $i differs from the ISO"
	test -f "$O/rip$i.iso.map" || fail "no map for the rip of drive $i"
	contains "$O/rip$i.iso.log" "reading user data: the drive cannot read raw"
done
# ... and their logs say what each drive could not do right
for i in 0 sg; do
	contains "$O/rip$i.iso.log" "READ CD raw succeeds but its sectors have a binary instead of BCD header address"
	contains "$O/rip$i.iso.log" "full TOC: 4 entries, 1 session (asked for in byte 9, SFF-8020i"
	contains "$O/rip$i.iso.log" "sessions 1-1; the first track of the last session is given as 0, which is none (asked for in byte 9, SFF-8020i)"
	contains "$O/rip$i.iso.log" "READ TRACK INFORMATION of track 1: ILLEGAL REQUEST 05/20/00"
done
contains "$O/ripsg.iso.log" "drive /dev/sg"
contains "$O/rip1.iso.log" "READ CD raw (probe): ILLEGAL REQUEST 05/20/00: invalid command operation code"
contains "$O/rip1.iso.log" "full TOC: 4 entries, 1 session"
contains "$O/rip1.iso.log" "READ TOC format 1: the answer (2 bytes) is not session information"
lacks "$O/rip1.iso.log" "full TOC: 4 entries, 1 session (asked for in byte 9"
contains "$O/rip1.iso.log" "GET PERFORMANCE (read): ILLEGAL REQUEST 05/20/00"
grep -q "read speed set with\|the read speed could not be set" "$O/rip1.iso.log" ||
	fail "rip --speed max logs nothing of the speed"
# verify reads the drive against the master: a match, and the map has
# the read speed over the position
is verify0 0
contains "$O/verify0.out" "MATCH: '$(sed -n 's/^0 ide-cd \([^ ]*\) .*/\1/p' "$O/guest.drives")' matches '/files/small.iso'"
xmllint --noout "$O/v0.svg" || fail "the map of verify is not XML"
contains "$O/v0.svg" "read speed"
# the DVD-sized one, compared by MD5
is rip2 0
contains "$O/rip2.out" '"result": "complete"'
same "$O/rip2.md5" "$(md5 < "$T/big.iso")"
test -f "$O/rip2.iso.map" || fail "no map for the rip of drive 2"
contains "$O/rip2.iso.log" "medium: DVD-ROM (profile 0010h)"
# its physical format information beside it, as QEMU's drive answered
# (QEMU's data area starts at PSN 0, not 30000h as on a real DVD)
python3 - "$O/rip2.physical" "$big_size" <<'PY' || fail "rip2.physical is not QEMU's PFI"
import sys
pfi = open(sys.argv[1], "rb").read()
assert len(pfi) >= 4 + 17 and (pfi[0] << 8 | pfi[1]) + 2 == len(pfi), len(pfi)
assert pfi[4] >> 4 == 0, "book type %d, not DVD-ROM" % (pfi[4] >> 4)
first, last = int.from_bytes(pfi[9:12], "big"), int.from_bytes(pfi[13:16], "big")
assert last - first + 1 == int(sys.argv[2]) // 2048, pfi[8:16].hex()
PY
# no medium
is rip3 3
contains "$O/rip3.err" "no medium in '$(sed -n 's/^3 ide-cd \([^ ]*\) .*/\1/p' "$O/guest.drives")'"
test ! -e "$O/rip3.iso" || fail "a rip of an empty drive left an output"
# a file system too small for the image stops the rip before it reads, its
# map saved; once there is room, the same command finishes it
is full1 3
contains "$O/full1.err" "No space left on device"
test -f "$O/full1.map" || fail "no map after the output did not fit"
is full2 0
contains "$O/full2.out" '"resumed": true'
cmp "$O/full.iso" "$T/small.iso" || fail "the resumed rip differs from the ISO"
echo "qemu.sh: $(( $(date +%s) - began )) s in all"
