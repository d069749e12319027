# bridge_boot.sh - bootable ISO 9660 + UDF bridges (issue 18): an image that
# is both file systems, each file's data stored once, boots in QEMU (TCG):
# - `master --fs iso+udf --boot --efi-boot --hybrid-mbr --md5` of an ISOLINUX
#   tree with a GRUB EFI loader in its FAT image: ISOLINUX by BIOS as a CD
#   (ETCD) and as a disk (EHDD), GRUB by EFI (OVMF) as a disk and a CD;
# - `mkisofs -udf` with grub-mkrescue's tree and GRUB's BIOS options
#   (--grub2-boot-info, --grub2-mbr, --protective-msdos-label, --efi-boot):
#   GRUB by BIOS as a CD and as a disk, and by EFI;
# and in each, the UDF tree (glassmaster ls --fs udf, udfinfo) holds
# every file the ISO 9660 tree holds (isoinfo), but the boot catalog,
# with the same bytes (glassmaster extract of both trees).
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

for tool in qemu-system-x86_64 grub-mkrescue grub-mkstandalone xorriso mcopy mkfs.vfat \
	isoinfo udfinfo; do
	command -v "$tool" > /dev/null || fail "$tool is not installed (sh bootstrap check)"
done
. "$srcdir/tests/cli/boot-lib.sh"
isolinux=/usr/lib/ISOLINUX

# trees IMAGE NAME: the files of the ISO 9660 and the UDF trees, and their
# bytes, are the same (the catalog only in ISO 9660)
trees() {
	isoinfo -R -f -i "$1" | grep -v "boot\.cat" | sort > "$T/$2.iso.files"
	run 0 "$GM" ls -R --fs udf "$1"
	sed 's|^|/|; s|/$||' "$T/out" | sort > "$T/$2.udf.files"
	cmp "$T/$2.iso.files" "$T/$2.udf.files" || { diff "$T/$2.iso.files" "$T/$2.udf.files";
		fail "$2: the UDF tree lacks files of the ISO 9660 tree"; }
	udfinfo "$1" > "$T/$2.udfinfo" 2>&1 || { cat "$T/$2.udfinfo"; fail "$2: udfinfo"; }
	run 0 "$GM" extract --fs udf "$1" -C "$T/$2.udf"
	run 0 "$GM" extract --fs rockridge "$1" -C "$T/$2.rr"
	# (extract shows the El Torito images in [BOOT], as 7-Zip does)
	rm -rf "$T/$2.rr/boot.catalog" "$T/$2.rr/isolinux/boot.cat" "$T/$2.rr/[BOOT]"
	diff -r "$T/$2.udf" "$T/$2.rr" > /dev/null || fail "$2: UDF and Rock Ridge give other bytes"
}

# --- master: ISOLINUX, and GRUB for EFI ----------------------------------
t=$T/tree
mkdir -p "$t/boot"
isolinux_tree "$t" glassmaster-bridge-isolinux
grub_cfg "$T/efi.cfg" glassmaster-bridge-grub-efi
grub_efi_image "$t/boot/efi.img" "$T/efi.cfg"
echo "data on both trees" > "$t/readme.txt"
head -c 300000 /dev/urandom > "$t/random.bin"
set -- master --fs iso+udf -o "$T/m.iso" --boot isolinux/isolinux.bin \
	--efi-boot boot/efi.img --hybrid-mbr "$isolinux/isohdpfx.bin" --md5 "$t"
echo "\$ glassmaster $*"
run 0 "$GM" "$@"
xorriso -md5 on -indev "$T/m.iso" -check_md5_r FAILURE / -- > "$T/md5.log" 2>&1 ||
	{ cat "$T/md5.log"; fail "the bootable bridge's MD5 tags do not check"; }
boot_hybrid bridge "$T/m.iso" glassmaster-bridge-isolinux glassmaster-bridge-grub-efi
trees "$T/m.iso" m
grep -q "random.bin" "$T/m.udf.files" || fail "the UDF tree lacks random.bin"

# --- mkisofs -udf: GRUB's tree and options ---------------------------------
mkdir -p "$T/g/boot/grub"
grub_cfg "$T/g/boot/grub/grub.cfg" glassmaster-bridge-grub
echo "\$ grub-mkrescue -o grub-x.iso (the real xorriso), its tree extracted"
grub-mkrescue -o "$T/grub-x.iso" "$T/g" > "$T/mkrescue.log" 2>&1 ||
	{ cat "$T/mkrescue.log"; fail "grub-mkrescue"; }
xorriso -osirrox on -indev "$T/grub-x.iso" -extract / "$T/gt" > /dev/null 2>&1 ||
	fail "xorriso -extract of grub-mkrescue's image"
chmod -R u+w "$T/gt"
rm -f "$T/gt/boot.catalog"
set -- mkisofs -udf -r -o "$T/g.iso" -b boot/grub/i386-pc/eltorito.img -no-emul-boot \
	-boot-load-size 4 -boot-info-table --grub2-boot-info \
	--grub2-mbr /usr/lib/grub/i386-pc/boot_hybrid.img --efi-boot efi.img \
	--protective-msdos-label "$T/gt"
echo "\$ glassmaster $*"
run 0 "$GM" "$@"
boot grub-bridge "$T/g.iso" cd glassmaster-bridge-grub
boot grub-bridge "$T/g.iso" hd glassmaster-bridge-grub
boot grub-bridge "$T/g.iso" efi glassmaster-bridge-grub
boot grub-bridge "$T/g.iso" efi-cd glassmaster-bridge-grub
trees "$T/g.iso" g
echo "bridge_boot.sh: ok"
