# serve_qemu.sh - `glassmaster serve` through a real Linux initiator: a
# QEMU guest (tests/qemu/guest.sh) whose virtio-scsi bus passes seven
# served LUNs through (QEMU's iscsi driver, scsi-generic), in one boot.
# Two targets: one plain (an ISO and a UDF image mastered by glassmaster,
# an audio BIN/CUE, a CloneCD copy of it whose .sub carries R-W data of
# its own, the ISO compressed into a CHD), one with a drive profile (vendor PLEXTOR, read offset +667)
# serving a genisoimage ISO and the same BIN/CUE.
#
# In the guest the kernel's sr driver takes each LUN as a CD-ROM (sr and
# sg nodes, the served INQUIRY identity in sysfs and `glassmaster
# drives`); each data disc reads back equal to its image through dd of
# the sr node and `glassmaster rip` of the sg node, and mounted as
# iso9660 or udf every file reads back identically.  sg_raw's READ CD
# (BEh, CD-DA, 2352 bytes and raw P-W) returns the BIN's samples exactly
# (the pregap of track 1 as silence), and 667 samples (2668 bytes) later
# through the profile; the subchannel has P set exactly in the index 00
# sectors and Q (with a good CRC) of the track layout; the CloneCD
# image's raw P-W equals its .sub, sector for sector, on the whole disc.
# `glassmaster rip` captures the audio CD through the sg node of the
# +667 LUN exactly as it does in process through the same profile.
# Exits 77 (skipped) where QEMU, its iscsi driver or the guest kernel is
# missing; fails where QEMU cannot log in to the target.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

for tool in genisoimage python3 sg_raw iscsid iscsiadm; do
	command -v $tool > /dev/null ||
		fail "$tool is not installed (genisoimage, python3, sg3-utils, open-iscsi)"
done
cache=${GM_QEMU_CACHE:-$builddir/tests/qemu-cache}
began=$(date +%s)

# The serve processes end with the test, however it ends; a failed check
# shows what the guest's kernel and the targets logged.
. "$srcdir/tests/cli/serve-lib.sh"
O=
cleanup() {
	st=$?
	for p in $pids; do
		kill $p 2> /dev/null || true
	done
	if [ $st -ne 0 ]; then
		if [ -n "$O" ]; then
			echo "--- the guest's dmesg (its end)"
			tail -n 30 "$O/guest.dmesg" || true
		fi
		echo "--- serve's stderr"
		cat "$T/plain.err" "$T/plextor.err" 2> /dev/null || true
	fi >&2
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

md5() { md5sum < "$1" | cut -c 1-32; }
# val FILE: what FILE holds, or that it is missing
val() { cat "$1" 2> /dev/null || echo "(no $(basename "$1"))"; }

# --- the images -------------------------------------------------------------
# A tree with an empty file, a file of whole sectors and nested
# directories, mastered three ways.
mkdir -p "$T/tree/sub/deeper" "$T/tree/empty_dir"
head -c 1500000 /dev/urandom > "$T/tree/random.bin"
head -c 409600 /dev/urandom > "$T/tree/sub/sectors.bin"
head -c 77777 /dev/urandom > "$T/tree/sub/deeper/odd.bin"
echo "glassmaster serve_qemu" > "$T/tree/readme.txt"
: > "$T/tree/sub/empty.txt"
run 0 "$GM" master -o "$T/master.iso" -V SERVE_ISO "$T/tree"
run 0 "$GM" master --fs udf -o "$T/udf.iso" -V SERVE_UDF "$T/tree"
genisoimage -quiet -J -R -V SERVE_GENISO -o "$T/geniso.iso" "$T/tree" ||
	fail "genisoimage failed"
(cd "$T/tree" && find . -type f | sort | xargs md5sum) > "$T/tree.md5"
(cd "$T/tree" && find . | sort) > "$T/tree.list"

# An audio disc: track 1 of 400 sectors (its pregap not stored), track 2
# with a stored pregap (INDEX 00) of 75 sectors and 300 after INDEX 01;
# pseudo-random samples, so that any shift shows.
python3 - "$T/audio.bin" <<'PY'
import random, sys
open(sys.argv[1], "wb").write(random.Random(2026).randbytes(775 * 2352))
PY
cat > "$T/audio.cue" <<'EOF'
FILE "audio.bin" BINARY
  TRACK 01 AUDIO
    INDEX 01 00:00:00
  TRACK 02 AUDIO
    INDEX 00 00:05:25
    INDEX 01 00:06:25
EOF
# its CloneCD copy, with R-W (CloneCD order: 12 bytes a channel, R-W the
# last 72) of its own, so that the drive must serve the .sub as it is
run 0 "$GM" convert "$T/audio.cue" "$T/clone.ccd"
python3 - "$T/clone.sub" <<'PY'
import sys
p = sys.argv[1]
sub = bytearray(open(p, "rb").read())
assert len(sub) == 775 * 96, len(sub)
for s in range(775):
    for i in range(72):
        sub[s * 96 + 24 + i] = (s * 7 + i * 13 + 5) & 0xff
open(p, "wb").write(sub)
PY
printf '# a Plextor PX-760A, its offset rounded up\nvendor PLEXTOR\nproduct DVDR   PX-760A\nread-offset 667\n' > "$T/plextor.profile"
# a database that knows this "Plextor" (the shipped one says +30)
cp "$T/plextor.profile" "$T/cap.db"

# --- two targets ------------------------------------------------------------
# (and the ISO as a CHD: issue 17's compressed image served as a disc)
run 0 "$GM" convert "$T/master.iso" "$T/master.chd"
serve plain "$T/master.iso" "$T/udf.iso" "$T/audio.cue" "$T/clone.ccd" "$T/master.chd"
[ "$iqn" = iqn.2026-12.org.glassmaster:master ] || fail "the default IQN is '$iqn'"
contains "$T/plain.out" "LUN 2: $T/audio.cue (CD-ROM, 2 tracks, 775 sectors)"
contains "$T/plain.out" "LUN 3: $T/clone.ccd (CD-ROM, 2 tracks, 775 sectors)"
A=iscsi://127.0.0.1:$port/$iqn
serve plextor --drive-profile "$T/plextor.profile" "$T/geniso.iso" "$T/audio.cue"
B=iscsi://127.0.0.1:$port/$iqn

# --- the guest ---------------------------------------------------------------
# Drives 0-6: master.iso, udf.iso, audio.cue, clone.ccd (plain),
# geniso.iso, audio.cue (PLEXTOR), master.chd (plain).
cat > "$T/guest.sh" <<'GUEST'
ls /sys/block > /out/block.list
for i in 0 1 2 3 4 5 6; do
	eval "sr=\$GM_SR_$i"
	d=/sys/block/${sr#/dev/}/device
	echo "$(cat $d/type)|$(sed 's/ *$//' $d/vendor)|$(sed 's/ *$//' $d/model)" > /out/sysfs$i
done
r drives glassmaster drives --json --drive-db /files/drives.db

# data: dd of sr, rip of sg, every file through the kernel's file system
for i in 0 1 4 6; do
	eval "sr=\$GM_SR_$i sg=\$GM_SG_$i"
	dd if="$sr" bs=64k 2> "/out/dd$i.err" | md5 > "/out/dd$i.md5"
	r rip$i glassmaster rip "$sg" -o "/out/rip$i.iso" --json
	md5 < "/out/rip$i.iso" > "/out/rip$i.md5"
	rm -f "/out/rip$i.iso"
	fs=iso9660
	[ $i -ne 1 ] || fs=udf
	mkdir -p "/mnt/$i"
	r mount$i mount -t $fs -o ro "$sr" "/mnt/$i"
	(cd "/mnt/$i" && find . -type f | sort | xargs md5sum) > "/out/files$i.md5"
	(cd "/mnt/$i" && find . | sort) > "/out/files$i.list"
	umount "/mnt/$i"
done

# readcd SG LBA COUNT FILE: READ CD of CD-DA sectors, 2352 bytes and raw
# P-W each, in requests of at most 24 sectors; FILE.status says how it went.
readcd() {
	lba=$2 left=$3
	: > "$4"
	while [ "$left" -gt 0 ]; do
		n=24
		[ "$left" -ge $n ] || n=$left
		a=$(( (lba + 4294967296) % 4294967296 ))
		if ! sg_raw -r $((n * 2448)) -o /out/chunk "$1" be 04 \
			$(printf '%02x %02x %02x %02x' $((a >> 24 & 255)) $((a >> 16 & 255)) $((a >> 8 & 255)) $((a & 255))) \
			00 00 $(printf %02x $n) f8 01 00 > /out/chunk.log 2>&1; then
			{ echo "READ CD of $n at $lba failed"; cat /out/chunk.log; } > "$4.status"
			return
		fi
		cat /out/chunk >> "$4"
		lba=$((lba + n)) left=$((left - n))
	done
	echo ok > "$4.status"
	rm -f /out/chunk /out/chunk.log
}
# the CD capture through the sg node of the Plextor LUN (+667), its
# offset from the database given
r cap glassmaster rip "$GM_SG_5" -o /out/cap --drive-db /files/cap.db --json
rm -f /out/cap.map.bak /out/cap.sub.map.bak
# a file system too small for the capture: it stops before reading, its
# maps saved; with room, the same command finishes it
mkdir -p /small
mount -t tmpfs -o size=1m tmpfs /small
r capfull1 glassmaster rip "$GM_SG_5" -o /small/cap --drive-db /files/cap.db --json
mount -o remount,size=16m /small
r capfull2 glassmaster rip "$GM_SG_5" -o /small/cap --drive-db /files/cap.db --json
mkdir -p /out/full
cp /small/cap.raw /small/cap.sub /small/cap.map /small/cap.sub.map /small/cap.capture /out/full/
readcd "$GM_SG_2" -150 925 /out/cue.raw
readcd "$GM_SG_5" 0 775 /out/plextor.raw
readcd "$GM_SG_3" 0 775 /out/ccd.raw

# serve --attach in the guest: its own initiator (iscsid and iscsiadm of
# open-iscsi, the kernel's iscsi_tcp) logs in to a target the guest
# serves, an sr node appears holding the image, and goes on SIGTERM
ip link set lo up 2> /dev/null || ifconfig lo 127.0.0.1 up
mkdir -p /etc/iscsi /run/lock/iscsi /var/lib/iscsi
# (iscsid asks who root is)
echo "root:x:0:0:root:/:/bin/sh" > /etc/passwd
echo "root:x:0:" > /etc/group
echo "InitiatorName=iqn.2026-12.org.glassmaster:guest" > /etc/iscsi/initiatorname.iscsi
: > /etc/iscsi/iscsid.conf
iscsid -f > /out/iscsid.log 2>&1 &
sleep 1
ls /sys/block | grep '^sr' | sort > /out/sr.before
glassmaster serve --attach --listen 127.0.0.1:3260 /files/master.iso \
	> /out/attach.out 2> /out/attach.err &
apid=$!
for i in $(seq 150); do
	grep -q '^attached' /out/attach.out && break
	kill -0 $apid 2> /dev/null || break
	sleep 0.2
done
for i in $(seq 50); do
	ls /sys/block | grep '^sr' | sort > /out/sr.after
	grep -vxFf /out/sr.before /out/sr.after > /out/attach.sr && [ -b "/dev/$(head -n 1 /out/attach.sr)" ] && break
	sleep 0.2
done
new=$(head -n 1 /out/attach.sr)
[ -z "$new" ] || dd if="/dev/$new" bs=64k 2> /out/attach.dd | md5 > /out/attach.md5
ls /sys/class/iscsi_session > /out/sessions.before 2>&1
kill -TERM $apid
wait $apid
echo $? > /out/attach.status
ls /sys/class/iscsi_session > /out/sessions.after 2>&1
ls /sys/block | grep '^sr' | sort > /out/sr.end
exit 0
GUEST

status=0
sh "$srcdir/tests/qemu/guest.sh" --builddir "$builddir" --cache "$cache" \
	--bin "$(command -v sg_raw)" --bin "$(command -v iscsid)" --bin "$(command -v iscsiadm)" \
	--file "$T/master.iso" --file "$srcdir/rip/drives.db" --file "$T/cap.db" \
	--drive "iscsi:$A/0" --drive "iscsi:$A/1" --drive "iscsi:$A/2" --drive "iscsi:$A/3" \
	--drive "iscsi:$B/0" --drive "iscsi:$B/1" --drive "iscsi:$A/4" \
	--script "$T/guest.sh" --out "$T/guest" --timeout 150 \
	> "$T/guest.log" 2>&1 || status=$?
if [ $status -eq 77 ]; then
	cat "$T/guest.log"
	echo "serve_qemu.sh: skipped: $(tail -n 1 "$T/guest.log")"
	exit 77
fi
[ $status -eq 0 ] || {
	cat "$T/guest.log" "$T/guest/guest.stderr" "$T/plain.err" "$T/plextor.err" 2> /dev/null || true
	fail "the guest script ended with status $status"
}
O=$T/guest

# is NAME STATUS: fail unless the guest command NAME ended with STATUS.
is() {
	got=$(val "$O/$1.status")
	[ "$got" = "$2" ] && return 0
	cat "$O/$1.out" "$O/$1.err" >&2 || true
	fail "in the guest, $1 ended with status $got, not $2"
}

# Seven drives, each an sr and an sg node of a CD-ROM with the served identity.
[ "$(wc -l < "$O/guest.drives")" -eq 7 ] || fail "/drives has not 7 lines: $(val "$O/guest.drives")"
while read -r i kind sr sg medium; do
	case $sr$sg in /dev/sr*/dev/sg*) ;; *) fail "drive $i ($kind $medium) has no sr and sg nodes: $sr $sg" ;; esac
	grep -qx "${sr#/dev/}" "$O/block.list" || fail "no /sys/block/${sr#/dev/}"
	want="5|GLASSMST|VIRTUAL DRIVE"
	[ $i -lt 4 ] || [ $i -eq 6 ] || want="5|PLEXTOR|DVDR   PX-760A"
	[ "$(val "$O/sysfs$i")" = "$want" ] ||
		fail "drive $i: sysfs type|vendor|model is '$(val "$O/sysfs$i")', not '$want'"
done < "$O/guest.drives"
grep -q "^0 iscsi .* iqn.2026-12.org.glassmaster:master/0$" "$O/guest.drives" ||
	fail "drive 0 in /drives: $(head -n 1 "$O/guest.drives")"
is drives 0
python3 - "$O/drives.out" "$O/guest.drives" <<'PY' || fail "drives --json: $(val "$O/drives.out")"
import json, sys
drives = {d["sr"]: d for d in json.load(open(sys.argv[1]))["drives"]}
for line in open(sys.argv[2]):
    i, kind, sr, sg, medium = line.split()
    d = drives[sr]
    assert d["sg"] == sg, (sr, d["sg"], sg)
    if int(i) < 4 or int(i) == 6:
        assert (d["vendor"], d["product"]) == ("GLASSMST", "VIRTUAL DRIVE"), d
        assert d["database"] is None, d
    else:
        assert (d["vendor"], d["product"]) == ("PLEXTOR", "DVDR   PX-760A"), d
        # the shipped drive database's record for it
        db = d["database"]
        assert db["file"] == "/files/drives.db" and db["read_offset"] == 30, d
    assert d["medium"] and d["current_profile"] == "CD-ROM", d
    assert d["features"]["cd_read"], d
PY

# The CD capture in the guest (QEMU's iscsi driver, the guest kernel's sg
# and SG_IO) is the capture in process through the same drive profile.
is cap 1
contains "$O/cap.out" '"read_offset": 667, "read_offset_source": "drive database '"'"'/files/cap.db'"'"' line 2"'
run 1 "$GM" rip --drive-profile "$T/plextor.profile" --drive-db "$T/cap.db" "$T/audio.cue" -o "$T/cap"
python3 "$srcdir/tests/cli/cdcheck.py" same "$O/cap" "$T/cap" ||
	fail "the capture in the guest differs from the capture in process"
is capfull1 3
contains "$O/capfull1.err" "cannot reserve"
is capfull2 1
contains "$O/capfull2.out" '"resumed": true'
python3 "$srcdir/tests/cli/cdcheck.py" same "$O/full/cap" "$T/cap" ||
	fail "the capture resumed after a full disk differs"
run 0 "$GM" rip "$T/audio.cue" -o "$T/plaincap"
python3 "$srcdir/tests/cli/cdcheck.py" shift "$O/cap" "$T/plaincap" 667 -150 775 ||
	fail "the guest's capture is not the disc shifted by 667 samples"

# The data discs: dd, rip and every file.
for i in 0 1 4 6; do
	case $i in 0|6) img=master.iso ;; 1) img=udf.iso ;; 4) img=geniso.iso ;; esac
	[ "$(val "$O/dd$i.md5")" = "$(md5 "$T/$img")" ] ||
		{ cat "$O/dd$i.err" || true; fail "dd of drive $i differs from $img"; }
	is rip$i 0
	contains "$O/rip$i.out" '"result": "complete"'
	[ "$(val "$O/rip$i.md5")" = "$(md5 "$T/$img")" ] || fail "the rip of drive $i differs from $img"
	is mount$i 0
	cmp "$O/files$i.md5" "$T/tree.md5" || { diff "$T/tree.md5" "$O/files$i.md5" || true; fail "the files of $img mounted in the guest differ"; }
	cmp "$O/files$i.list" "$T/tree.list" || { diff "$T/tree.list" "$O/files$i.list" || true; fail "the tree of $img mounted in the guest differs"; }
done

# The audio: samples, offset, subchannel.
for f in cue plextor ccd; do
	[ "$(val "$O/$f.raw.status")" = ok ] || fail "$(val "$O/$f.raw.status")"
done
python3 - "$T" "$O" <<'PY' || fail "READ CD through the guest: see above"
import re, sys

T, O = sys.argv[1], sys.argv[2]
RAW = 2352 + 96
N = 775                                  # sectors of the disc
bin_ = open(T + "/audio.bin", "rb").read()
errors = {}                              # the first few of each kind, and a count

def err(msg):
    kind = re.sub(r"-?[0-9]+", "#", re.sub(r"[0-9a-f]{24,}", "#", msg))
    errors.setdefault(kind, []).append(msg)

def report():
    for kind, msgs in errors.items():
        for m in msgs[:4]:
            print("serve_qemu.sh: " + m, file=sys.stderr)
        if len(msgs) > 4:
            print("serve_qemu.sh:   (and %d more like it)" % (len(msgs) - 4), file=sys.stderr)
    sys.exit(1)

def sectors(path, first, count):
    d = open(path, "rb").read()
    if len(d) != count * RAW:
        err("%s, size: %d bytes, not %d sectors of %d" % (path, len(d), count, RAW))
        report()
    return {first + i: (d[i * RAW:i * RAW + 2352], d[i * RAW + 2352:(i + 1) * RAW])
            for i in range(count)}

def deinterleave(raw):
    """Raw P-W (bit 7 P ... bit 0 W of each of 96 bytes) to CloneCD order."""
    out = bytearray(96)
    for i, sym in enumerate(raw):
        for ch in range(8):
            if sym >> (7 - ch) & 1:
                out[ch * 12 + i // 8] |= 0x80 >> (i % 8)
    return bytes(out)

def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = (crc << 1 ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xffff
    return crc ^ 0xffff

def bcd(n):
    return (n // 10) << 4 | n % 10

def msf(frames):
    return bytes((bcd(frames // 4500), bcd(frames // 75 % 60), bcd(frames % 75)))

def want_q(lba):
    """Q (ADR 1) and P of the layout: track 1 index 01 at 0 (its pregap
    -150..-1 index 00), track 2 index 00 at 400, index 01 at 475."""
    if lba < 0:
        track, index, rel = 1, 0, -lba
    elif lba < 400:
        track, index, rel = 1, 1, lba
    elif lba < 475:
        track, index, rel = 2, 0, 475 - lba
    else:
        track, index, rel = 2, 1, lba - 475
    q = bytes((0x01, bcd(track), bcd(index))) + msf(rel) + b"\0" + msf(lba + 150)
    crc = crc16(q)
    return q + bytes((crc >> 8, crc & 0xff)), b"\xff" * 12 if index == 0 else b"\0" * 12

def check_sub(name, lba, raw, rw=b"\0" * 72):
    sub = deinterleave(raw)
    q, p = want_q(lba)
    if crc16(sub[12:22]) != int.from_bytes(sub[22:24], "big"):
        err("%s, LBA %d: Q CRC bad: %s" % (name, lba, sub[12:24].hex()))
    if sub[12:24] != q:
        err("%s, LBA %d: Q %s, not %s" % (name, lba, sub[12:24].hex(), q.hex()))
    if sub[0:12] != p:
        err("%s, LBA %d: P %s, not %s" % (name, lba, sub[0:12].hex(), p.hex()))
    if sub[24:] != rw:
        err("%s, LBA %d: R-W %s, not %s" % (name, lba, sub[24:].hex(), rw.hex()))
    return sub

# Without a profile: the BIN exactly, the unstored pregap silent.
cue = sectors(O + "/cue.raw", -150, 150 + N)
for lba, (data, raw) in cue.items():
    want = b"\0" * 2352 if lba < 0 else bin_[lba * 2352:(lba + 1) * 2352]
    if data != want:
        err("no profile, LBA %d: the samples differ from the BIN" % lba)
    check_sub("no profile", lba, raw)

# +667: LBA L begins with the BIN's bytes at L x 2352 - 2668 (the audio
# comes 667 samples late), the unstored pregap's silence before LBA 0;
# the subchannel unshifted.
SHIFT = 667 * 4
PAD = 2 * 2352
padded = b"\0" * PAD + bin_ + b"\0" * PAD
plx = sectors(O + "/plextor.raw", 0, N)
for lba in range(N):
    data, raw = plx[lba]
    at = PAD + lba * 2352 - SHIFT
    if data != padded[at:at + 2352]:
        for s in range(-2940 * 4, 2940 * 4 + 1, 4):
            at = PAD + lba * 2352 - s
            if 0 <= at and data == padded[at:at + 2352]:
                err("read offset, LBA %d: the samples are %d late, not 667" % (lba, s // 4))
                break
        else:
            err("read offset, LBA %d: the samples are not the BIN's, shifted or not" % lba)
    if raw != cue[lba][1]:
        err("read offset, LBA %d: the subchannel differs from the drive without profile" % lba)

# CloneCD: the .img and the .sub, sector for sector, the whole disc.
img = open(T + "/clone.img", "rb").read()
sub = open(T + "/clone.sub", "rb").read()
if len(img) != N * 2352 or len(sub) != N * 96:
    err("CloneCD, size: clone.img or clone.sub is not %d sectors" % N)
ccd = sectors(O + "/ccd.raw", 0, N)
for lba, (data, raw) in ccd.items():
    if data != img[lba * 2352:(lba + 1) * 2352]:
        err("CloneCD, LBA %d: the samples differ from clone.img" % lba)
    got = check_sub("CloneCD", lba, raw, sub[lba * 96 + 24:(lba + 1) * 96])
    if got != sub[lba * 96:(lba + 1) * 96]:
        err("CloneCD, LBA %d: the raw P-W differs from clone.sub" % lba)
if errors:
    report()
PY

# --attach: logged in, an sr node with the image, logged out on SIGTERM
[ "$(val "$O/attach.status")" = 0 ] ||
	{ cat "$O/attach.out" "$O/attach.err" "$O/iscsid.log" >&2 || true; fail "serve --attach in the guest ended with status $(val "$O/attach.status")"; }
contains "$O/attach.out" "attached: this machine's initiator logged in to iqn.2026-12.org.glassmaster:master"
[ -s "$O/attach.sr" ] || { cat "$O/attach.err" "$O/iscsid.log" >&2 || true; fail "no sr node appeared for serve --attach"; }
[ "$(val "$O/attach.md5")" = "$(md5 "$T/master.iso")" ] ||
	{ cat "$O/attach.dd" >&2 || true; fail "the attached drive $(cat "$O/attach.sr") differs from master.iso"; }
[ -s "$O/sessions.before" ] || fail "no iSCSI session while attached"
[ ! -s "$O/sessions.after" ] || fail "an iSCSI session is left after serve --attach stopped: $(cat "$O/sessions.after")"
cmp -s "$O/sr.end" "$O/sr.before" || fail "the attached sr node is still there after logout"

for f in plain plextor; do
	lacks "$T/$f.err" "error"
done
echo "serve_qemu.sh: $(( $(date +%s) - began )) s in all"
