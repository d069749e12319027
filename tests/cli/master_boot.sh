# master_boot.sh - bootable images from `glassmaster master`: a tree with
# ISOLINUX (from the Debian packages isolinux and syslinux-common) whose
# only label runs poweroff.c32, mastered with --boot, boots in QEMU from
# the CD-ROM drive: SeaBIOS runs ISOLINUX, whose banner shows on the
# serial port, and the machine powers itself off.  With --hybrid-mbr the
# same image boots as a hard disk.  With --efi-boot the boot catalog has
# a second, UEFI (platform 0xEF) entry for a FAT image in the tree, and
# with --hybrid-mbr as well an MBR and a GPT partition cover exactly that
# image's extent; the boot info table, the load size and the catalog's
# path are checked too.  Exits 77 (skipped) without QEMU or ISOLINUX.
# The accelerator: GM_QEMU_ACCEL, else the verdict tests/qemu/guest.sh
# cached in GM_QEMU_CACHE (default BUILDDIR/tests/qemu-cache), else tcg.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

began=$(date +%s)
skip() { echo "master_boot.sh: $*"; exit 77; }
qemu=${GM_QEMU:-$(command -v qemu-system-x86_64 || true)}
[ -n "$qemu" ] || skip "qemu-system-x86_64 not found (Debian package qemu-system-x86)"
isolinux=/usr/lib/ISOLINUX/isolinux.bin
mbr=/usr/lib/ISOLINUX/isohdpfx.bin
c32=/usr/lib/syslinux/modules/bios
[ -f "$isolinux" ] && [ -f "$mbr" ] || skip "no $isolinux or $mbr (Debian package isolinux)"
[ -f "$c32/ldlinux.c32" ] && [ -f "$c32/poweroff.c32" ] ||
	skip "no $c32/ldlinux.c32 or poweroff.c32 (Debian package syslinux-common)"
for tool in xorriso isoinfo mkfs.vfat mcopy mdir fdisk python3; do
	command -v "$tool" > /dev/null ||
		fail "$tool is not installed (sh bootstrap check installs it)"
done
cache=${GM_QEMU_CACHE:-$builddir/tests/qemu-cache}
accel=${GM_QEMU_ACCEL:-$(cat "$cache/accel" 2> /dev/null || echo tcg)}

# The tree: ISOLINUX, which talks on the serial port and powers off
tree=$T/tree
mkdir -p "$tree/isolinux" "$tree/boot"
cp "$isolinux" "$c32/ldlinux.c32" "$c32/poweroff.c32" "$tree/isolinux/"
cat > "$tree/isolinux/isolinux.cfg" <<'CFG'
SERIAL 0 115200
PROMPT 0
TIMEOUT 0
DEFAULT off
LABEL off
  SAY glassmaster boot test: powering off
  COM32 poweroff.c32
CFG
echo "a file on the ESP" > "$T/hello.txt"
mkfs.vfat -C "$tree/boot/efi.img" 2880 > /dev/null || fail "mkfs.vfat failed"
mcopy -i "$tree/boot/efi.img" "$T/hello.txt" ::/hello.txt || fail "mcopy failed"
echo "some data" > "$tree/readme.txt"

# lba PATH IMAGE: the first block of the file at PATH in IMAGE
lba() {
	xorriso -indev "$2" -find "$1" -exec report_lba -- 2> /dev/null |
		awk -F, '/^File data lba/ { print $2 + 0 }'
}
# boot NAME IMAGE cd|hd: boot IMAGE as a CD-ROM or a hard disk; it must
# show ISOLINUX's banner with the way it was loaded (ETCD: El Torito,
# EHDD: isohybrid MBR) and our SAY on the serial port, and power off by
# itself within 60 s
boot() {
	case $3 in
	cd) media="-cdrom $2 -boot d" how=ETCD ;;
	hd) media="-drive file=$2,format=raw,if=ide -boot c" how=EHDD ;;
	esac
	log=$T/$1.serial
	t0=$(date +%s)
	status=0
	# shellcheck disable=SC2086
	timeout -k 5 60 "$qemu" -accel "$accel" -nographic -monitor none \
		-serial "file:$log" -nic none $media -m 256 -no-reboot \
		< /dev/null > "$T/$1.qemu" 2>&1 || status=$?
	echo "master_boot.sh: $1 ($3, $accel): QEMU ended with status $status after $(( $(date +%s) - t0 )) s"
	# SeaBIOS moves the cursor with ANSI sequences: without them, the text
	tr -d '\r' < "$log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' > "$log.txt"
	sed 's/^/    /' "$log.txt"
	echo
	[ $status -ne 124 ] && [ $status -ne 137 ] ||
		fail "$1: the machine did not power off within 60 s"
	[ $status -eq 0 ] || { cat "$T/$1.qemu"; fail "$1: QEMU ended with status $status"; }
	grep -q "^ISOLINUX .* $how Copyright" "$log.txt" ||
		fail "$1: no ISOLINUX banner with $how on the serial port"
	grep -q "glassmaster boot test" "$log.txt" ||
		fail "$1: ISOLINUX did not run the label of isolinux.cfg"
}

# --- BIOS, from the CD-ROM drive -----------------------------------------
run 0 "$GM" master -o "$T/cd.iso" --boot isolinux/isolinux.bin "$tree"
xorriso -indev "$T/cd.iso" -report_el_torito plain > "$T/cd.torito" 2> /dev/null
contains "$T/cd.torito" "El Torito cat path : /isolinux/boot.cat"
contains "$T/cd.torito" "El Torito img path :   1  /isolinux/isolinux.bin"
bin_lba=$(lba /isolinux/isolinux.bin "$T/cd.iso")
grep -Eq "^El Torito boot img : +1 +BIOS +y +none +0x0000 +0x00 +4 +$bin_lba$" "$T/cd.torito" ||
	{ cat "$T/cd.torito"; fail "the BIOS entry is not no-emulation, load size 4, at LBA $bin_lba"; }
isoinfo -R -f -i "$T/cd.iso" > "$T/cd.files"
contains "$T/cd.files" /isolinux/boot.cat
# the boot info table (El Torito no-emulation, as mkisofs -boot-info-table
# writes it): at byte 8, the PVD's LBA, the file's LBA, its length and the
# 32-bit sum of its words from byte 64
python3 - "$T/cd.iso" "$bin_lba" "$(wc -c < "$isolinux")" "$isolinux" <<'PY' ||
import struct, sys
iso, lba, size, orig = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
f = open(iso, "rb")
f.seek(lba * 2048)
data = f.read(size)
pvd, file_lba, length, csum = struct.unpack_from("<4I", data, 8)
data64 = data[64:] + b"\0" * (-len(data[64:]) % 4)
want = sum(struct.unpack("<%dI" % (len(data64) // 4), data64)) & 0xffffffff
assert (pvd, file_lba, length, csum) == (16, lba, size, want), \
    (pvd, file_lba, length, csum, "want", 16, lba, size, want)
# the rest is the file as it is
o = open(orig, "rb").read()
assert data[:8] == o[:8] and data[64:] == o[64:], "isolinux.bin changed beyond its boot info table"
PY
	fail "the boot info table of isolinux.bin"
boot cd "$T/cd.iso" cd

# --- the same as a hard disk (isohybrid MBR) -------------------------------
run 0 "$GM" master -o "$T/hd.iso" --boot isolinux/isolinux.bin --hybrid-mbr "$mbr" "$tree"
[ "$(od -An -tx1 -j 510 -N 2 "$T/hd.iso" | tr -d ' ')" = 55aa ] ||
	fail "--hybrid-mbr: no MBR signature"
cmp -n 432 "$T/hd.iso" "$mbr" || fail "--hybrid-mbr: the MBR's code is not isohdpfx.bin's"
fdisk -l "$T/hd.iso" > "$T/hd.fdisk" 2>&1 || { cat "$T/hd.fdisk"; fail "fdisk -l"; }
boot hd "$T/hd.iso" hd

# --- UEFI: a second boot entry, an MBR and a GPT partition for the ESP -----
run 0 "$GM" master -o "$T/efi.iso" --boot isolinux/isolinux.bin \
	--boot-catalog isolinux/catalog.bin --efi-boot boot/efi.img "$tree"
xorriso -indev "$T/efi.iso" -report_el_torito plain > "$T/efi.torito" 2> /dev/null
efi_lba=$(lba /boot/efi.img "$T/efi.iso")
contains "$T/efi.torito" "El Torito cat path : /isolinux/catalog.bin"
grep -Eq "^El Torito boot img : +2 +UEFI +y +none +0x0000 +0x00 +[0-9]+ +$efi_lba$" "$T/efi.torito" ||
	{ cat "$T/efi.torito"; fail "no UEFI (0xEF) entry for boot/efi.img at LBA $efi_lba"; }
contains "$T/efi.torito" "El Torito img path :   2  /boot/efi.img"
# and the catalog itself: the section header for platform 0xEF (El Torito 2.4)
cat_lba=$(awk '/^El Torito catalog/ { print $5 }' "$T/efi.torito")
dd if="$T/efi.iso" bs=2048 skip="$cat_lba" count=1 status=none | od -An -tx1 -v |
	tr -s ' \n' ' ' > "$T/efi.catalog"
grep -Eq '^ 01 00 ' "$T/efi.catalog" || fail "the boot catalog has no validation entry at LBA $cat_lba"
grep -q ' 9[01] ef ' "$T/efi.catalog" || fail "the boot catalog has no section header for platform 0xef"
boot efi-cd "$T/efi.iso" cd

run 0 "$GM" master -o "$T/efi-hd.iso" --boot isolinux/isolinux.bin --efi-boot boot/efi.img \
	--hybrid-mbr "$mbr" "$tree"
efi_lba=$(lba /boot/efi.img "$T/efi-hd.iso")
start=$((efi_lba * 4))
sectors=$(( ($(wc -c < "$tree/boot/efi.img") + 511) / 512 ))
# fdisk reads the MBR: a partition of type 0xef over the FAT image
fdisk -l "$T/efi-hd.iso" > "$T/efi-hd.fdisk" 2>&1 || { cat "$T/efi-hd.fdisk"; fail "fdisk -l"; }
grep -Eq "^[^ ]+ +$start +$((start + sectors - 1)) +$sectors +[^ ]+ +ef " "$T/efi-hd.fdisk" ||
	{ cat "$T/efi-hd.fdisk"; fail "fdisk: no MBR partition of type ef at sectors $start-$((start + sectors - 1))"; }
# the GPT, read here (sgdisk refuses a GPT that overlaps the hybrid MBR's
# partition): valid header and entry CRCs, a backup header at the end, and
# an entry of type EFI System over the FAT image (libisofs writes Basic
# Data; glassmaster marks it)
python3 - "$T/efi-hd.iso" "$start" "$sectors" <<'PY' || fail "the GPT"
import struct, sys, zlib
iso, start, sectors = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = open(iso, "rb").read()
total = len(data) // 512
def header(lba):
    h = data[lba * 512:lba * 512 + 512]
    assert h[:8] == b"EFI PART", "no GPT header at sector %d" % lba
    size = struct.unpack_from("<I", h, 12)[0]
    crc = struct.unpack_from("<I", h, 16)[0]
    hh = bytearray(h[:size])
    hh[16:20] = b"\0\0\0\0"
    assert zlib.crc32(bytes(hh)) == crc, "header CRC at sector %d" % lba
    return h
h = header(1)
my, alt = struct.unpack_from("<QQ", h, 24)
assert my == 1 and alt == total - 1, ("header LBAs", my, alt, total)
header(alt)
entries_lba, n, esize, ecrc = struct.unpack_from("<QIII", h, 72)
arr = data[entries_lba * 512:entries_lba * 512 + n * esize]
assert zlib.crc32(arr) == ecrc, "entry array CRC"
ESP = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
BASIC = "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7"
def guid(b):
    a, b2, c = struct.unpack_from("<IHH", b)
    return "%08x-%04x-%04x-%s-%s" % (a, b2, c, b[8:10].hex(), b[10:16].hex())
found = []
for i in range(n):
    e = arr[i * esize:(i + 1) * esize]
    t = guid(e[:16])
    if t == "00000000-0000-0000-0000-000000000000":
        continue
    first, last = struct.unpack_from("<QQ", e, 32)
    name = e[56:128].decode("utf-16-le").rstrip("\0")
    found.append((t, first, last, name))
    if first == start and last == start + sectors - 1:
        assert t == ESP, "the partition over the FAT image has type %s%s" % (
            t, " (Basic Data)" if t == BASIC else "")
        print("GPT entry %d over the FAT image: %s, type %s" %
              (i + 1, name, "EFI System" if t == ESP else "Basic Data"))
        sys.exit(0)
print("no GPT entry over sectors %d-%d:" % (start, start + sectors - 1), found)
sys.exit(1)
PY
# mtools reads the FAT file system where the partition starts
mdir -i "$T/efi-hd.iso@@$((start * 512))" :: > "$T/efi-hd.mdir" 2>&1 ||
	{ cat "$T/efi-hd.mdir"; fail "mdir cannot read the ESP at sector $start"; }
contains "$T/efi-hd.mdir" hello
boot efi-hd "$T/efi-hd.iso" hd

echo "master_boot.sh: $(( $(date +%s) - began )) s in all"
