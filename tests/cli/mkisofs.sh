# mkisofs.sh - `glassmaster mkisofs` (issue 18), the mkisofs command line,
# against the real `xorriso -as mkisofs` given the same command lines:
# - a plain -r -J image and a debian-cd style ISOLINUX + EFI hybrid
#   (-isohybrid-mbr, -isohybrid-gpt-basdat) have the same El Torito
#   catalog, system area (MBR, GPT: xorriso's own reports, GUIDs equal
#   under SOURCE_DATE_EPOCH) and file tree (isoinfo) as xorriso's;
# - -print-size gives xorriso's number of blocks, and the size written;
# - partitions (-partition_offset, -append_partition, -appended_part_as_gpt),
#   -m, -hide, -hide-joliet, -path-list and --md5 give xorriso's structure
#   too; the MD5 tags check (xorriso -check_md5); --modification-date is
#   the PVD's dates;
# - --sort-weight puts /boot's files first; -r makes owners 0 and modes
#   r-x / r--; a leading `-as mkisofs` is skipped;
# - an option not supported (-mips-boot, -chrp-boot) stops it with the
#   option's name, status 2 and no image; -help names what grub-mkrescue
#   passes (HFS+ included) and not what is refused.
# Each command line run is printed.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

for tool in xorriso isoinfo mkfs.vfat; do
	command -v "$tool" > /dev/null || fail "$tool is not installed (sh bootstrap check)"
done
isolinux=/usr/lib/ISOLINUX/isolinux.bin
mbr=/usr/lib/ISOLINUX/isohdpfx.bin
[ -f "$isolinux" ] && [ -f "$mbr" ] || fail "no $isolinux or $mbr (Debian package isolinux)"
export SOURCE_DATE_EPOCH=1700000000

tree=$T/tree
mkdir -p "$tree/isolinux" "$tree/boot/grub" "$tree/sub dir"
cp "$isolinux" /usr/lib/syslinux/modules/bios/ldlinux.c32 "$tree/isolinux/"
mkfs.vfat -C "$tree/boot/grub/efi.img" 2880 > /dev/null || fail "mkfs.vfat"
echo "some data" > "$tree/readme.txt"
echo "more" > "$tree/sub dir/a file with a long name.txt"
head -c 100000 /dev/urandom > "$tree/sub dir/random.bin"
chmod 0640 "$tree/readme.txt"
chmod 0750 "$tree/sub dir"

# same NAME ARGS...: ours and xorriso's image of ARGS (-o given here) have
# the same El Torito and system area reports and the same tree
same() {
	name=$1
	shift
	echo "\$ glassmaster mkisofs -o $name.iso $*"
	run 0 "$GM" mkisofs -o "$T/$name.iso" "$@"
	echo "\$ xorriso -as mkisofs -o $name-x.iso $*"
	xorriso -as mkisofs -o "$T/$name-x.iso" "$@" > "$T/xorriso.log" 2>&1 ||
		{ cat "$T/xorriso.log"; fail "xorriso -as mkisofs $*"; }
	for i in "$name" "$name-x"; do
		xorriso -indev "$T/$i.iso" -report_el_torito plain -report_system_area plain \
			2> /dev/null > "$T/$i.report"
		{ isoinfo -R -l -i "$T/$i.iso"; isoinfo -J -l -i "$T/$i.iso" 2> /dev/null; } |
			sed 's/ [A-Z][a-z][a-z] [ 0-9]* [0-9]* / /' > "$T/$i.tree"
	done
	cmp "$T/$name.report" "$T/$name-x.report" || { diff "$T/$name.report" "$T/$name-x.report";
		fail "$name: El Torito or system area differ from xorriso's"; }
	cmp "$T/$name.tree" "$T/$name-x.tree" || { diff "$T/$name.tree" "$T/$name-x.tree";
		fail "$name: the file tree differs from xorriso's"; }
	[ "$(wc -c < "$T/$name.iso")" -eq "$(wc -c < "$T/$name-x.iso")" ] ||
		fail "$name: $(wc -c < "$T/$name.iso") bytes, xorriso's $(wc -c < "$T/$name-x.iso")"
}

same plain -r -J -V PLAIN "$tree"
grep -q "long name" "$T/plain.tree" || fail "the tree listing lacks the files"
same rock -R -J -joliet-long -iso-level 3 -V ROCK "$tree"
same hybrid -r -J -joliet-long -V Install -isohybrid-mbr "$mbr" \
	-b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 \
	-boot-info-table -eltorito-alt-boot -e boot/grub/efi.img -no-emul-boot \
	-isohybrid-gpt-basdat "$tree"
contains "$T/hybrid.report" "System area summary: MBR isohybrid cyl-align-on GPT"
contains "$T/hybrid.report" "El Torito boot img :   2  UEFI"
# HFS+ with an Apple partition map, as grub-mkrescue asks; debian-cd's
# -isohybrid-apm-hfsplus
same hfs -r -V HFS -hfsplus -apm-block-size 2048 -b isolinux/isolinux.bin \
	-no-emul-boot --efi-boot boot/grub/efi.img \
	-hfsplus-file-creator-type chrp tbxj /readme.txt -hfs-bless-by i /readme.txt "$tree"
contains "$T/hfs.report" "HFSPLUS"
same apm -r -V APM -isohybrid-mbr "$mbr" -b isolinux/isolinux.bin -c isolinux/boot.cat \
	-no-emul-boot -boot-load-size 4 -boot-info-table -eltorito-alt-boot \
	-e boot/grub/efi.img -no-emul-boot -isohybrid-gpt-basdat -isohybrid-apm-hfsplus "$tree"
contains "$T/apm.report" "APM"
same graft -r -graft-points "docs/read=$tree/readme.txt" "/deep/er/sub=$tree/sub dir"
same catalog -r -b isolinux/isolinux.bin -no-emul-boot -boot-info-table "$tree"
contains "$T/catalog.report" "El Torito cat path : /boot.catalog"

# partitions, exclusion, hiding, a path list, MD5 tags, the volume date
cp "$tree/boot/grub/efi.img" "$T/esp.img"
printf '%s\n' "$tree/readme.txt" "$tree/sub dir" > "$T/paths"
same parts -r -J -V PARTS -partition_offset 16 -append_partition 2 0xef "$T/esp.img" \
	-appended_part_as_gpt -m '*.bin' -hide readme.txt -hide-joliet sub\ dir --md5 \
	--modification-date=2023111422133700 "$tree"
contains "$T/parts.report" "Partition offset   : 16"
grep -q "random.bin" "$T/parts.tree" && fail "-m '*.bin' did not leave random.bin out"
same list -r -V LIST -path-list "$T/paths"
xorriso -md5 on -indev "$T/parts.iso" -check_md5 FAILURE -- > "$T/md5.log" 2>&1 ||
	{ cat "$T/md5.log"; fail "xorriso -check_md5 of -md5's tags"; }
# the PVD's creation and modification dates (bytes 813 and 830)
[ "$(dd if="$T/parts.iso" bs=1 skip=$((16 * 2048 + 813)) count=16 2> /dev/null)" = 2023111422133700 ] &&
	[ "$(dd if="$T/parts.iso" bs=1 skip=$((16 * 2048 + 830)) count=16 2> /dev/null)" = 2023111422133700 ] ||
	fail "--modification-date is not the volume's creation and modification date"

# -r: owner 0, r-x for directories and executables, r-- for the rest
isoinfo -R -l -i "$T/plain.iso" > "$T/plain.l"
grep -q -- '-r--r--r-- *1 *0 *0 .*readme.txt' "$T/plain.l" || { cat "$T/plain.l";
	fail "-r: readme.txt is not r--r--r-- owned by 0"; }
grep -q 'dr-xr-xr-x .*sub dir' "$T/plain.l" || fail "-r: 'sub dir' is not dr-xr-xr-x"
isoinfo -R -l -i "$T/rock.iso" > "$T/rock.l"
grep -q -- '-rw-r----- .*readme.txt' "$T/rock.l" || fail "-R: readme.txt lost its mode"

# -print-size: the blocks xorriso counts, the blocks written
"$GM" mkisofs -print-size -r -J "$tree" > "$T/size" || fail "-print-size"
xorriso -as mkisofs -print-size -r -J "$tree" 2> /dev/null > "$T/size-x"
cmp "$T/size" "$T/size-x" || fail "-print-size: $(cat "$T/size"), xorriso $(cat "$T/size-x")"
[ "$(cat "$T/size")" -eq $(( $(wc -c < "$T/plain.iso") / 2048 )) ] ||
	fail "-print-size $(cat "$T/size") is not the size written"

# --sort-weight: /boot's files before the others; `-as mkisofs` skipped
echo "\$ glassmaster mkisofs -as mkisofs -r --sort-weight 0 / --sort-weight 1 /boot ..."
run 0 "$GM" mkisofs -as mkisofs -o "$T/sorted.iso" -r --sort-weight 0 / \
	--sort-weight 1 /boot "$tree"
lba() {
	xorriso -indev "$2" -find "$1" -exec report_lba -- 2> /dev/null |
		awk -F, '/^File data lba/ { print $2 + 0 }'
}
[ "$(lba /boot/grub/efi.img "$T/sorted.iso")" -lt "$(lba /readme.txt "$T/sorted.iso")" ] ||
	fail "--sort-weight 1 /boot did not put /boot first"
run 0 "$GM" mkisofs -o "$T/unsorted.iso" -r --sort-weight 1 /readme.txt "$tree"
[ "$(lba /readme.txt "$T/unsorted.iso")" -lt "$(lba /boot/grub/efi.img "$T/unsorted.iso")" ] ||
	fail "--sort-weight 1 /readme.txt did not put it first"

# refusals: by name, status 2, no image
for opt in "-mips-boot x" "-chrp-boot" -no-such-option; do
	# shellcheck disable=SC2086
	run 2 "$GM" mkisofs -o "$T/refused.iso" $opt -r "$tree"
	contains "$T/err" "${opt%% *}"
	[ ! -e "$T/refused.iso" ] || fail "$opt: an image was written"
done
run 2 "$GM" mkisofs -o "$T/refused.iso" -r -sort-weight
contains "$T/err" "option '-sort-weight' needs WEIGHT PATH"
run 2 "$GM" mkisofs -o "$T/refused.iso" -no-emul-boot -r "$tree"
contains "$T/err" "without -b or -e"
run 2 "$GM" mkisofs -o "$T/refused.iso" -r -b nothere.img -no-emul-boot "$tree"
contains "$T/err" "boot image '/nothere.img' is not a file"
[ ! -e "$T/refused.iso" ] || fail "a refused boot image left an image"
run 2 "$GM" mkisofs -o "$T/refused.iso" --sort-weight 1 /nothere "$tree"
contains "$T/err" "'/nothere' is not in the image"

# -help: what grub-mkrescue passes (it looks for --grub2-boot-info), and
# not what is refused
run 0 "$GM" mkisofs -as mkisofs -help
for opt in --grub2-boot-info --grub2-mbr --efi-boot -efi-boot-part --efi-boot-image \
	--protective-msdos-label --sort-weight --modification-date -isohybrid-gpt-basdat \
	-hfsplus -apm-block-size -hfsplus-file-creator-type -hfs-bless-by; do
	contains "$T/out" "$opt"
done
lacks "$T/out" "-mips-boot"
lacks "$T/out" "-chrp-boot"
echo "mkisofs.sh: ok"
