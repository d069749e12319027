# boot-lib.sh - booting images in QEMU for the tests (sourced after
# lib.sh): boot NAME IMAGE cd|hd|efi|efi-cd MARKER boots IMAGE as a CD-ROM
# or a hard disk by SeaBIOS, or as a hard disk or a CD-ROM (El Torito's
# EFI entry) by OVMF (ovmf=... overrides
# /usr/share/ovmf/OVMF.fd), within 90 s; MARKER must show on the serial
# port, and the machine must stop by itself.  $log.txt keeps what the
# serial port said.  grub_cfg FILE MARKER writes a grub.cfg that says
# MARKER on the serial port and halts; grub_efi_image FAT CFG makes FAT, a
# FAT image with a GRUB EFI loader whose embedded grub.cfg is CFG;
# isolinux_tree DIR MARKER puts ISOLINUX in DIR/isolinux, configured to
# say MARKER on the serial port and power off; boot_hybrid boots an
# ISOLINUX + GRUB EFI image every way.
ovmf=${ovmf:-/usr/share/ovmf/OVMF.fd}
cache=${GM_QEMU_CACHE:-$builddir/tests/qemu-cache}
accel=${GM_QEMU_ACCEL:-$(cat "$cache/accel" 2> /dev/null || echo tcg)}

# boot NAME IMAGE cd|hd|efi|efi-cd MARKER: IMAGE boots and MARKER shows on the
# serial port, and the machine stops by itself within 90 s
boot() {
	case $3 in
	cd) media="-cdrom $2 -boot d" ;;
	hd) media="-drive file=$2,format=raw,if=ide -boot c" ;;
	efi) media="-bios $ovmf -drive file=$2,format=raw,if=ide" ;;
	efi-cd) media="-bios $ovmf -cdrom $2" ;;
	esac
	log=$T/$1-$3.serial
	t0=$(date +%s)
	status=0
	echo "\$ qemu-system-x86_64 -accel $accel -nographic -serial file:$1-$3.serial $media -m 256 -no-reboot"
	# shellcheck disable=SC2086
	timeout -k 5 90 qemu-system-x86_64 -accel "$accel" -nographic -monitor none \
		-serial "file:$log" -nic none $media -m 256 -no-reboot \
		< /dev/null > "$T/qemu.log" 2>&1 || status=$?
	tr -d '\r' < "$log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' > "$log.txt"
	echo "$1 ($3, $accel): status $status after $(( $(date +%s) - t0 )) s"
	[ $status -ne 124 ] && [ $status -ne 137 ] ||
		{ tail -20 "$log.txt"; fail "$1 ($3): the machine did not stop within 90 s"; }
	[ $status -eq 0 ] || { cat "$T/qemu.log"; fail "$1 ($3): QEMU ended with status $status"; }
	grep -aq "$4" "$log.txt" || { tail -20 "$log.txt"; fail "$1 ($3): no '$4' on the serial port"; }
}


grub_efi_image() {
	grub-mkstandalone -O x86_64-efi -o "$T/bootx64.efi" \
		--install-modules="normal echo halt serial terminal configfile" --locales="" \
		--fonts="" --themes="" "boot/grub/grub.cfg=$2" || fail "grub-mkstandalone"
	mkfs.vfat -C "$1" 2880 > /dev/null || fail "mkfs.vfat"
	mmd -i "$1" ::/EFI ::/EFI/BOOT || fail "mmd"
	mcopy -i "$1" "$T/bootx64.efi" ::/EFI/BOOT/BOOTX64.EFI || fail "mcopy"
}

grub_cfg() {
	printf 'serial --unit=0 --speed=115200\nterminal_output serial\necho %s\nhalt\n' \
		"$2" > "$1"
}

isolinux_tree() {
	mkdir -p "$1/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 \
		/usr/lib/syslinux/modules/bios/poweroff.c32 "$1/isolinux/" || fail "copying ISOLINUX"
	printf 'SERIAL 0 115200\nPROMPT 0\nTIMEOUT 0\nDEFAULT off\nLABEL off\n  SAY %s: powering off\n  COM32 poweroff.c32\n' \
		"$2" > "$1/isolinux/isolinux.cfg"
}

# boot_hybrid NAME IMAGE ISOLINUX-MARKER GRUB-MARKER: an ISOLINUX + GRUB EFI
# hybrid boots ISOLINUX by BIOS as a CD (El Torito: ETCD) and as a disk
# (the isohybrid MBR: EHDD), which runs its label, and GRUB by EFI as a
# disk and as a CD
boot_hybrid() {
	boot "$1" "$2" cd "ISOLINUX .* ETCD Copyright"
	grep -aq "$3" "$log.txt" || fail "$1: ISOLINUX did not run its label (CD)"
	boot "$1" "$2" hd "ISOLINUX .* EHDD Copyright"
	grep -aq "$3" "$log.txt" || fail "$1: ISOLINUX did not run its label (disk)"
	boot "$1" "$2" efi "$4"
	boot "$1" "$2" efi-cd "$4"
}
