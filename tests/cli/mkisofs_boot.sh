# mkisofs_boot.sh - `glassmaster mkisofs` driven by real callers (issue 18):
# - grub-mkrescue --xorriso=WRAPPER (the wrapper execs glassmaster mkisofs,
#   and logs the command lines grub-mkrescue passes): the image boots GRUB
#   in QEMU (TCG) by BIOS as a CD and as a disk, and by EFI (OVMF) as a
#   disk and as a CD; GRUB runs the grub.cfg given to grub-mkrescue,
#   which says so on the serial port and halts;
# - the same grub-mkrescue run with the real xorriso makes an image of the
#   same structure: El Torito entries, MBR, GPT and Apple partition map
#   (xorriso's own reports, without the addresses and GUIDs), file tree;
# - Debian's ISOLINUX + EFI hybrid (the debian-cd command line) boots
#   ISOLINUX by BIOS as a CD (ETCD) and as a disk (EHDD), and GRUB by EFI
#   from the GPT partition -isohybrid-gpt-basdat makes and from the CD.
# Each command line run is printed.  The accelerator: GM_QEMU_ACCEL, else
# the verdict tests/qemu/guest.sh cached, else tcg (tests/cli/boot-lib.sh).
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

ovmf=/usr/share/ovmf/OVMF.fd
for tool in qemu-system-x86_64 grub-mkrescue grub-mkstandalone xorriso mformat mcopy \
	mkfs.vfat isoinfo; do
	command -v "$tool" > /dev/null || fail "$tool is not installed (sh bootstrap check)"
done
for f in /usr/lib/grub/i386-pc/boot_hybrid.img /usr/lib/grub/x86_64-efi/kernel.img "$ovmf" \
	/usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/poweroff.c32; do
	[ -f "$f" ] || fail "$f is missing (grub-pc-bin, grub-efi-amd64-bin, ovmf, isolinux, syslinux-common)"
done
. "$srcdir/tests/cli/boot-lib.sh"

# structure IMAGE: El Torito, partitions and tree, without addresses
structure() {
	xorriso -indev "$1" -report_el_torito plain -report_system_area plain 2> /dev/null |
		awk '/catalog  :|ISO image size|disk GUID|partition GUID|lba range/ { next }
		     /boot img :|MBR partition +:/ { $NF = "" }
		     /start and size/ { $NF = ""; $(NF - 1) = "" }
		     { print }'
	isoinfo -R -f -i "$1" | sort
}

# --- grub-mkrescue through glassmaster, and through xorriso -------------
mkdir -p "$T/grub/boot/grub"
grub_cfg "$T/grub/boot/grub/grub.cfg" glassmaster-grub-booted
echo "a file" > "$T/grub/readme.txt"
cat > "$T/xorriso" <<EOF2
#!/bin/sh
printf '%s\n' "\$*" >> "$T/xorriso.args"
exec "$GM" mkisofs "\$@"
EOF2
chmod +x "$T/xorriso"
echo "\$ grub-mkrescue --xorriso=$T/xorriso -o grub.iso grub"
grub-mkrescue --xorriso="$T/xorriso" -o "$T/grub.iso" "$T/grub" > "$T/mkrescue.log" 2>&1 ||
	{ cat "$T/mkrescue.log"; fail "grub-mkrescue through glassmaster mkisofs"; }
echo "grub-mkrescue ran: xorriso $(tail -1 "$T/xorriso.args")"
grep -q -- "--grub2-boot-info" "$T/xorriso.args" ||
	fail "grub-mkrescue did not find --grub2-boot-info in our -help"
boot grub "$T/grub.iso" cd glassmaster-grub-booted
boot grub "$T/grub.iso" hd glassmaster-grub-booted
boot grub "$T/grub.iso" efi glassmaster-grub-booted
boot grub "$T/grub.iso" efi-cd glassmaster-grub-booted
echo "\$ grub-mkrescue -o grub-x.iso grub (the real xorriso)"
grub-mkrescue -o "$T/grub-x.iso" "$T/grub" > "$T/mkrescue-x.log" 2>&1 ||
	{ cat "$T/mkrescue-x.log"; fail "grub-mkrescue with xorriso"; }
structure "$T/grub.iso" > "$T/grub.structure"
structure "$T/grub-x.iso" > "$T/grub-x.structure"
cmp "$T/grub.structure" "$T/grub-x.structure" || {
	diff "$T/grub.structure" "$T/grub-x.structure"
	fail "grub-mkrescue's image through glassmaster differs in structure from xorriso's"
}
for want in "UEFI" "grub2-boot-info" "MBR protective-msdos-label grub2-mbr" "GPT APM" \
	"EFI boot partition" "HFSPLUS" /boot/grub/i386-pc/eltorito.img; do
	contains "$T/grub.structure" "$want"
done

# --- Debian's ISOLINUX + EFI hybrid ----------------------------------------
d=$T/dcd
mkdir -p "$d/boot/grub"
isolinux_tree "$d" glassmaster-isolinux-booted
grub_cfg "$T/efi.cfg" glassmaster-grub-efi-booted
grub_efi_image "$d/boot/grub/efi.img" "$T/efi.cfg"
set -- -r -J -joliet-long -cache-inodes -V "Debian test" -o "$T/dcd.iso" \
	-isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin -b isolinux/isolinux.bin \
	-c isolinux/boot.cat -boot-load-size 4 -boot-info-table -no-emul-boot \
	-eltorito-alt-boot -e boot/grub/efi.img -no-emul-boot -isohybrid-gpt-basdat "$d"
echo "\$ glassmaster mkisofs $*"
run 0 "$GM" mkisofs "$@"
boot_hybrid dcd "$T/dcd.iso" glassmaster-isolinux-booted glassmaster-grub-efi-booted
echo "mkisofs_boot.sh: ok"
