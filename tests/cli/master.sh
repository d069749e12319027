# master.sh - `glassmaster master` against independent readers.
#
# A tree with what trips ISO 9660 up (more than 8 levels, names of 80 and
# 120 characters, a Joliet path over 240, Unicode, spaces, symlinks to a
# file, a directory and an absolute path, hard links, empty files and
# directories, modes 0600/0700/0755, fixed mtimes, and a 5 GiB sparse file
# that needs a multi-extent record) is mastered, then read back through
# xorriso, isoinfo, libcdio's iso-info, bsdtar, 7z and the Linux kernel's
# isofs in a QEMU guest, in the Rock Ridge and the Joliet view of each
# that has both; names, sizes, MD5s, modes, symlink targets and mtimes
# are compared with the tree (tests/cli/isoview.py).  Then the options:
# reproducibility under SOURCE_DATE_EPOCH and --date, --exclude, --hide,
# --hide-joliet, --sort, graft points, the volume ids, --md5,
# --follow-symlinks, --iso-level, --no-rock/--no-joliet, --iso1999,
# --json, --quiet; and the failures: an existing output, a missing
# source or output directory, an unreadable file, a file that changes
# size while it is written, a killed run.
#
# With GM_MASTER_FS=iso+udf (tests/cli/master_bridge.sh) the image is an
# ISO 9660 + UDF bridge (UDF 2.01) that every ISO 9660 reader above must
# read as before; then udfcheck.py and udfinfo check its UDF side, each
# file's UDF extent must be the sector where xorriso finds its ISO 9660
# data (stored once), plain UDF images of the tree in every revision are
# made too, and the guest mounts the bridge as udf as well as iso9660,
# and each UDF image; the options part is left to the plain run.
#
# The 5 GiB file is left out (with a message) when $T has less than
# 12 GB free, or with GM_MASTER_HUGE=0 (a quick run).  The QEMU part
# needs tests/qemu/guest.sh's QEMU and guest kernel; without them all
# else still runs and the test then exits 77 (skipped) saying so.
# GM_QEMU_CACHE as in qemu.sh.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

began=$(date +%s)
fs=${GM_MASTER_FS:-iso}
# (the UDF side keeps its symlinks: the readers below check them)
udflinks=
[ "$fs" = iso ] || udflinks="--udf-symlinks keep"
bridge=
[ "$fs" = iso ] || bridge=yes
REVS="102 201 250 260"
# the readers print times in the local zone; UTC makes them epoch seconds
export TZ=UTC
unset SOURCE_DATE_EPOCH
for tool in xorriso isoinfo iso-info bsdtar 7z python3; do
	command -v "$tool" > /dev/null ||
		fail "$tool is not installed (sh bootstrap check installs it)"
done
view() { python3 "$srcdir/tests/cli/isoview.py" "$@"; }
took() { echo "master.sh: $* ($(( $(date +%s) - began )) s so far)"; }
md5() { md5sum | cut -c 1-32; }
# refused WHAT CMD...: CMD must end with status 2 or 3 (bad input, I/O)
refused() {
	what=$1
	shift
	set +e
	"$@" > "$T/out" 2> "$T/err"
	got=$?
	set -e
	case $got in
	2|3) ;;
	*)
		echo "command: $*" >&2
		cat "$T/out" "$T/err" >&2
		fail "$what: exit status $got, expected 2 or 3"
		;;
	esac
	test -s "$T/err" || fail "$what: no message"
}
# says WHAT TEXT: the last command's stderr names TEXT
says() {
	grep -qF -- "$2" "$T/err" || { cat "$T/err" >&2; fail "$1: the message does not name '$2'"; }
}
# noimage WHAT FILE: no FILE was left
noimage() {
	test ! -e "$2" || fail "$1: '$2' was left behind"
}

# --- the tree --------------------------------------------------------------
tree=$T/tree
rnd() { mkdir -p "$(dirname "$1")"; head -c "$2" /dev/urandom > "$1"; }
mkdir -p "$tree"
echo "glassmaster master test tree" > "$tree/README.txt"
: > "$tree/empty.txt"
mkdir "$tree/emptydir"
for n in 1 2047 2048 2049 1048577; do
	rnd "$tree/sizes/$n.bin" $n
done
long80=$(printf '%-76s' name-of-80-characters- | tr ' ' x).txt
long120=$(printf '%-116s' name-of-120-characters- | tr ' ' y).txt
dir90=$(printf '%-90s' directory-of-90-characters- | tr ' ' z)
dir90b=$(printf '%-90s' another-directory-of-90-characters- | tr ' ' w)
echo 80 > "$tree/$long80"
echo 120 > "$tree/$long120"
mkdir -p "$tree/$dir90/$dir90b"
echo inside > "$tree/$dir90/inside.txt"
# a Joliet path of 262 characters: libisofs needs joliet_longer_paths
echo "far out" > "$tree/$dir90/$dir90b/$long80"
deep=$tree/deep/l1/l2/l3/l4/l5/l6/l7/l8/l9/l10
mkdir -p "$deep"
echo "eleven levels down" > "$deep/bottom.txt"
echo unicode > "$tree/ünïcødé ✓.txt"
mkdir "$tree/日本語"
echo japanese > "$tree/日本語/ファイル名.txt"
rnd "$tree/日本語/長い名前のファイルです.bin" 5000
mkdir "$tree/with space"
echo spaced > "$tree/with space/a file.txt"
ln -s README.txt "$tree/link-rel"
ln -s "../README.txt" "$tree/with space/up link"
ln -s /etc/hostname "$tree/link-abs"
ln -s 日本語 "$tree/link-dir"
rnd "$tree/hard/a.bin" 100000
ln "$tree/hard/a.bin" "$tree/hard/b.bin"
ln "$tree/hard/a.bin" "$tree/hard-c.bin"
mkdir -p "$tree/modes/closed"
echo private > "$tree/modes/private.txt"
chmod 0600 "$tree/modes/private.txt"
printf '#!/bin/sh\necho hi\n' > "$tree/modes/script.sh"
chmod 0755 "$tree/modes/script.sh"
echo x > "$tree/modes/closed/x"
chmod 0700 "$tree/modes/closed"

# The 5 GiB file: sparse, with 8 KiB random markers at its start, across
# the end of a first extent of 0xFFFFF800 bytes (where libisofs and
# mkisofs cut), at 4 GiB and at its end.
huge=big/huge.bin
markers="0 $((4294965248 - 4096)) 4294967296 $((5 * 1073741824 - 8192))"
free_kb=$(df -Pk "$T" | awk 'NR == 2 { print $4 }')
if [ "${GM_MASTER_HUGE:-1}" = 0 ]; then
	echo "master.sh: GM_MASTER_HUGE=0: no 5 GiB file (multi-extent) this time"
	huge=
elif [ "$free_kb" -ge $((12 * 1000 * 1000)) ]; then
	mkdir "$tree/big"
	truncate -s 5G "$tree/$huge"
	for off in $markers; do
		head -c 8192 /dev/urandom |
			dd of="$tree/$huge" bs=2048 seek=$((off / 2048)) conv=notrunc status=none
	done
	echo "after the big one" > "$tree/big/after.txt"
	for off in $markers; do
		dd if="$tree/$huge" bs=2048 skip=$((off / 2048)) count=4 status=none | md5
	done > "$T/huge.markers"
	# its MD5 (5 GiB of mostly holes) while the image is made
	md5 < "$tree/$huge" > "$T/huge.md5" &
	huge_md5_pid=$!
else
	echo "master.sh: only $((free_kb / 1000)) MB free in $T: no 5 GiB file (multi-extent) this time"
	huge=
fi

# fixed mtimes, each its own, children before their directory
find "$tree" -depth | awk '{ print NR " " $0 }' | while read -r i p; do
	touch -h -d "@$((1500000000 + i * 3607))" "$p"
done
view disk "$tree" "$T/expect.json"

# --- the image, read back --------------------------------------------------
# (made nine hours east of the readers, who must see the same times)
t0=$(date +%s)
run 0 env TZ=JST-9 "$GM" master --fs "$fs" $udflinks -o "$T/a.iso" "$tree"
took "mastered $(($(wc -c < "$T/a.iso") / 1048576)) MiB in $(( $(date +%s) - t0 )) s"
ignore=${huge:+--ignore $huge}

# xorriso: extraction of both views (the big file checked below)
xo() { xorriso -osirrox on "$@" > "$T/xorriso.log" 2>&1 || { cat "$T/xorriso.log"; fail "xorriso $*"; }; }
xo -indev "$T/a.iso" ${huge:+-rm /$huge --} -extract / "$T/x.rr" -rollback_end
view check "$T/expect.json" rr dir "$T/x.rr" size,md5,mode,mtime,target $ignore ||
	fail "xorriso's Rock Ridge view differs"
xo -read_fs norock -indev "$T/a.iso" ${huge:+-rm /$huge --} -extract / "$T/x.joliet" -rollback_end
view check "$T/expect.json" joliet dir "$T/x.joliet" size,md5,mtime $ignore ||
	fail "xorriso's Joliet view differs"
chmod -R u+w "$T/x.joliet"
rm -rf "$T/x.rr" "$T/x.joliet"
# hard links share their data
xorriso -indev "$T/a.iso" -find / -type f -exec report_lba -- 2> /dev/null |
	grep -E "'/(hard/a.bin|hard/b.bin|hard-c.bin)'" > "$T/hard.lba" || true
[ "$(wc -l < "$T/hard.lba")" -eq 3 ] && [ "$(cut -d , -f 2 "$T/hard.lba" | sort -u | wc -l)" -eq 1 ] ||
	{ cat "$T/hard.lba"; fail "xorriso: the hard links do not share one extent"; }
took "xorriso"

# isoinfo (genisoimage): listings, and a few files extracted by name (no
# times: it prints a recorded date without the record's offset from GMT)
isoinfo -R -l -i "$T/a.iso" > "$T/isoinfo.rr" || fail "isoinfo -R -l"
view check "$T/expect.json" rr isoinfo "$T/isoinfo.rr" size,mode,target,extent ||
	fail "isoinfo's Rock Ridge view differs"
isoinfo -j iso8859-1 -J -l -i "$T/a.iso" > "$T/isoinfo.joliet" || fail "isoinfo -J -l"
view check "$T/expect.json" joliet isoinfo "$T/isoinfo.joliet" size,extent ||
	fail "isoinfo's Joliet view differs"
for f in README.txt sizes/2049.bin "$long80" deep/l1/l2/l3/l4/l5/l6/l7/l8/l9/l10/bottom.txt \
	 "with space/a file.txt" "日本語/ファイル名.txt" "ünïcødé ✓.txt"; do
	isoinfo -R -i "$T/a.iso" -x "/$f" | cmp - "$tree/$f" ||
		fail "isoinfo -R -x '/$f' differs from the file"
done
for f in README.txt sizes/1048577.bin "$long80" "$dir90/inside.txt"; do
	isoinfo -J -i "$T/a.iso" -x "/$f" | cmp - "$tree/$f" ||
		fail "isoinfo -J -x '/$f' differs from the file"
done
took "isoinfo"

# libcdio's iso-info
iso-info --no-header --no-joliet -l "$T/a.iso" > "$T/iso-info.rr" 2>&1 || fail "iso-info --no-joliet -l"
view check "$T/expect.json" rr iso-info "$T/iso-info.rr" size,mode,mtime,target,extent ||
	fail "iso-info's Rock Ridge view differs"
iso-info --no-header -l "$T/a.iso" > "$T/iso-info.joliet" 2>&1 || fail "iso-info -l"
grep -q "Joliet Level: 3" "$T/iso-info.joliet" || fail "iso-info finds no Joliet level 3"
view check "$T/expect.json" joliet iso-info "$T/iso-info.joliet" size,mtime,extent ||
	fail "iso-info's Joliet view differs"
took "iso-info"

# bsdtar (libarchive) extracts the Rock Ridge view, hard links as links
mkdir "$T/x.bsdtar"
bsdtar -xf "$T/a.iso" -C "$T/x.bsdtar" ${huge:+--exclude $huge} ||
	fail "bsdtar -xf failed"
view check "$T/expect.json" rr dir "$T/x.bsdtar" size,md5,mode,mtime,target,ino $ignore ||
	fail "bsdtar's view differs"
rm -rf "$T/x.bsdtar"
took "bsdtar"

# 7z reads the Joliet tree
7z x -y -o"$T/x.7z" ${huge:+-x!$huge} "$T/a.iso" > "$T/7z.log" 2>&1 || { cat "$T/7z.log"; fail "7z x failed"; }
view check "$T/expect.json" joliet dir "$T/x.7z" size,md5,mtime $ignore ||
	fail "7z's view differs"
rm -rf "$T/x.7z"
took "7z"

# The 5 GiB file, whole through bsdtar and 7z, its markers through xorriso.
if [ -n "$huge" ]; then
	wait "$huge_md5_pid" || fail "md5sum of the 5 GiB file"
	want=$(cat "$T/huge.md5")
	[ "$(bsdtar -xOf "$T/a.iso" "$huge" | md5)" = "$want" ] ||
		fail "bsdtar: the 5 GiB file differs"
	took "bsdtar read the 5 GiB file"
	[ "$(7z x -so "$T/a.iso" "$huge" 2> "$T/7z.err" | md5)" = "$want" ] ||
		{ cat "$T/7z.err"; fail "7z: the 5 GiB file differs"; }
	took "7z read the 5 GiB file"
	i=0
	for off in $markers; do
		i=$((i + 1))
		rm -f "$T/cut"
		xo -indev "$T/a.iso" -extract_cut "/$huge" "$off" 8192 "$T/cut"
		[ "$(md5 < "$T/cut")" = "$(sed -n "${i}p" "$T/huge.markers")" ] ||
			fail "xorriso: the 5 GiB file's 8 KiB at $off differ"
	done
	# its extents: 0xFFFFF800 bytes (2097151 blocks), then the rest
	# (524289 blocks) right behind (ECMA-119 6.5.1, 9.1.6 bit 7)
	xorriso -indev "$T/a.iso" -find "/$huge" -exec report_lba -- 2> /dev/null |
		awk -F, '/^File data lba/ { sub(/.*: */, "", $1); print $1 + 0, $2 + 0, $3 + 0 }' \
		> "$T/huge.extents"
	awk 'NR == 1 { bad = $1 != 0 || $3 != 2097151; s = $2 }
	     NR == 2 { ok = $1 == 1 && $2 == s + 2097151 && $3 == 524289 }
	     END { exit !(NR == 2 && ok && !bad) }' \
		"$T/huge.extents" || { cat "$T/huge.extents"; fail "the 5 GiB file's extents"; }
	[ "$(bsdtar -xOf "$T/a.iso" big/after.txt)" = "after the big one" ] ||
		fail "bsdtar: the file after the 5 GiB one differs"
fi

# The bridge's UDF side: its structures, the counts, each file's data
# once (the UDF extent is the ISO 9660 one); UDF images of the tree in
# every revision (without the 5 GiB file: udf.sh has its own) for the
# guest.
udf_drives=
if [ -n "$bridge" ]; then
	python3 "$srcdir/tests/cli/udfcheck.py" --list "$T/udf.list" "$T/a.iso" 0x0201 > "$T/check" 2>&1 ||
		fail "udfcheck of the bridge: $(cat "$T/check")"
	files=$(find "$tree" ! -type d -printf '%i\n' | sort -u | wc -l)
	dirs=$(find "$tree" -type d | wc -l)
	contains "$T/check" "$files files, $dirs directories"
	udfinfo "$T/a.iso" > "$T/info" 2> "$T/info.err" || fail "udfinfo of the bridge: $(cat "$T/info.err")"
	[ ! -s "$T/info.err" ] || fail "udfinfo of the bridge: $(cat "$T/info.err")"
	for want in udfrev=2.01 numfiles=$files numdirs=$dirs integrity=closed; do
		contains "$T/info" "$want"
	done
	xorriso -indev "$T/a.iso" -find / -type f -exec report_lba -- 2> /dev/null |
		awk -F, "/^File data lba/ && \$4 + 0 > 0 { sub(/^ *'/, \"\", \$5); sub(/' *$/, \"\", \$5); print \$5 \"|\" \$2 + 0 }" |
		awk -F'|' '!seen[$1]++' | sort > "$T/iso.lba"
	awk -F'|' '$3 > 0 { print $1 "|" $2 }' "$T/udf.list" | sort > "$T/udf.lba"
	[ -s "$T/iso.lba" ] || fail "xorriso reports no file data"
	diff "$T/iso.lba" "$T/udf.lba" > "$T/lba.diff" ||
		{ head -20 "$T/lba.diff"; fail "the bridge's UDF extents are not its ISO 9660 ones"; }
	took "the bridge's UDF side: $(wc -l < "$T/udf.lba") files stored once"
	for r in $REVS; do
		run 0 "$GM" master --fs udf --udf-symlinks keep --udf-rev "${r%??}.${r#?}" ${huge:+--exclude "/$huge"} \
			-o "$T/u$r.udf" "$tree"
		udf_drives="$udf_drives --drive scsi-cd:$T/u$r.udf"
	done
fi

# The Linux kernel (isofs in a QEMU guest): Rock Ridge, then Joliet.
{
	echo "markers='$markers' huge='$huge' bridge='$bridge'"
	cat <<'GUEST'
# list PREFIX: stat of everything under /mnt, MD5 of each file (but the
# 5 GiB one), the target of each symlink
list() {
	cd /mnt
	find . -exec stat -c '%F|%s|%a|%Y|%i|%n' {} \; > "/out/$1.stat"
	find . -type f ! -path "./$huge" -exec md5sum {} \; > "/out/$1.md5"
	find . -type l -exec sh -c 'echo "$1|$(readlink "$1")"' _ {} \; > "/out/$1.links"
	cd /
}
mkdir -p /mnt
mount -t iso9660 -o ro "$GM_SR_0" /mnt 2> /out/mount.rr.err || exit 10
list rr
if [ -n "$huge" ]; then
	for off in $markers; do
		dd if="/mnt/$huge" bs=2048 skip=$((off / 2048)) count=4 2> /dev/null | md5sum | cut -c 1-32
	done > /out/huge.markers
fi
umount /mnt
mount -t iso9660 -o ro,norock "$GM_SR_0" /mnt 2> /out/mount.joliet.err || exit 11
list joliet
umount /mnt
if [ -n "$bridge" ]; then
	mount -t udf -o ro "$GM_SR_0" /mnt 2> /out/mount.udf.err || exit 12
	list udf
	if [ -n "$huge" ]; then
		for off in $markers; do
			dd if="/mnt/$huge" bs=2048 skip=$((off / 2048)) count=4 2> /dev/null | md5sum | cut -c 1-32
		done > /out/huge.udf.markers
	fi
	umount /mnt
	for i in 1 2 3 4; do
		eval "sr=\$GM_SR_$i"
		mount -t udf -o ro "$sr" /mnt 2> /out/mount.u$i.err || exit 13
		huge=
		list u$i
		umount /mnt
	done
fi
exit 0
GUEST
} > "$T/guest.sh"
qemu_skipped=
status=0
sh "$srcdir/tests/qemu/guest.sh" --builddir "$builddir" \
	--cache "${GM_QEMU_CACHE:-$builddir/tests/qemu-cache}" \
	--drive "ide-cd:$T/a.iso" $udf_drives --script "$T/guest.sh" --out "$T/guest" \
	--timeout 300 > "$T/guest.log" 2>&1 || status=$?
cat "$T/guest.log"
if [ $status -eq 77 ]; then
	qemu_skipped=$(tail -n 1 "$T/guest.log")
else
	[ $status -eq 0 ] || {
		cat "$T/guest/guest.stderr" "$T/guest"/mount.*.err 2> /dev/null
		fail "the guest script ended with status $status"
	}
	# (the guest hashes all but the 5 GiB file, whose size is checked)
	view check "$T/expect.json" rr guest "$T/guest/rr" size,md5,mode,mtime,target ||
		fail "the kernel's Rock Ridge view differs"
	view check "$T/expect.json" joliet guest "$T/guest/joliet" size,md5,mtime ||
		fail "the kernel's Joliet view differs"
	if [ -n "$huge" ]; then
		cmp "$T/guest/huge.markers" "$T/huge.markers" ||
			fail "the kernel: the 5 GiB file's markers differ"
	fi
	if [ -n "$bridge" ]; then
		view check "$T/expect.json" rr guest "$T/guest/udf" size,md5,mode,mtime,target ||
			fail "the kernel's UDF view of the bridge differs"
		[ -z "$huge" ] || cmp "$T/guest/huge.udf.markers" "$T/huge.markers" ||
			fail "the kernel: the 5 GiB file's markers differ through UDF"
		i=0
		for r in $REVS; do
			i=$((i + 1))
			view check "$T/expect.json" rr guest "$T/guest/u$i" size,md5,mode,mtime,target $ignore ||
				fail "the kernel's view of the UDF $r image differs"
		done
	fi
	took "the kernel"
fi
rm -f "$T/a.iso" "$T"/u*.udf
# the options are the plain run's
if [ -n "$bridge" ]; then
	if [ -n "$qemu_skipped" ]; then
		echo "master.sh: all else passed; the kernel's views were not checked"
		echo "$qemu_skipped"
		exit 77
	fi
	exit 0
fi

# --- options ---------------------------------------------------------------
# A smaller tree for the rest: the big one without its 5 GiB file.
small=$T/small
cp -a "$tree" "$small"
rm -rf "$small/big"

# Reproducible: the same bytes from the same tree, from a copy of it in
# another time zone, with --date instead of SOURCE_DATE_EPOCH; other
# bytes for another date.
sha() { sha256sum < "$1" | cut -c 1-64; }
run 0 env SOURCE_DATE_EPOCH=1700000000 "$GM" master -o "$T/r1.iso" "$small"
run 0 env SOURCE_DATE_EPOCH=1700000000 "$GM" master -o "$T/r2.iso" "$small"
[ "$(sha "$T/r1.iso")" = "$(sha "$T/r2.iso")" ] ||
	fail "two runs with SOURCE_DATE_EPOCH=1700000000 made different images"
cp -a "$small" "$T/small-copy"
run 0 env TZ=JST-9 SOURCE_DATE_EPOCH=1700000000 "$GM" master -o "$T/r3.iso" "$T/small-copy"
[ "$(sha "$T/r1.iso")" = "$(sha "$T/r3.iso")" ] ||
	fail "a copy of the tree (cp -a), mastered with TZ=JST-9, made another image"
run 0 "$GM" master --date 1700000000 -o "$T/r4.iso" "$small"
[ "$(sha "$T/r1.iso")" = "$(sha "$T/r4.iso")" ] ||
	fail "--date 1700000000 made another image than SOURCE_DATE_EPOCH=1700000000"
run 0 env SOURCE_DATE_EPOCH=1700000001 "$GM" master -o "$T/r5.iso" "$small"
[ "$(sha "$T/r1.iso")" != "$(sha "$T/r5.iso")" ] ||
	fail "SOURCE_DATE_EPOCH=1700000001 made the same image as 1700000000"
# the volume was made at SOURCE_DATE_EPOCH (the PVD's creation date,
# ECMA-119 8.4.26, and its offset from GMT in 15-minute units)
pvd_date=$(dd if="$T/r1.iso" bs=1 skip=$((16 * 2048 + 813)) count=17 status=none | od -An -c | tr -d ' \n')
[ "$pvd_date" = 2023111422132000\\0 ] || fail "the volume's creation date is $pvd_date, not 2023111422132000 GMT"
rm -rf "$T/small-copy" "$T"/r?.iso
took "reproducibility"

# --exclude, --exclude-from, --hide, --hide-joliet: by leaf name at any
# depth, or by image path when the pattern has a '/'
eh=$T/eh
mkdir -p "$eh/sub" "$eh/cache"
for f in keep.txt drop.txt skip.o secret.txt sub/skip.o sub/drop.txt \
	 sub/only-rr.txt sub/listed.txt sub/keep2.txt cache/x.txt; do
	echo "this is $f" > "$eh/$f"
done
printf 'listed.txt\n' > "$T/exclude.list"
run 0 "$GM" master -o "$T/eh.iso" --exclude '*.o' --exclude /sub/drop.txt \
	--exclude cache --exclude-from "$T/exclude.list" --hide secret.txt \
	--hide-joliet /sub/only-rr.txt "$eh"
isoinfo -R -f -i "$T/eh.iso" | sort > "$T/eh.rr"
isoinfo -J -f -i "$T/eh.iso" | sort > "$T/eh.joliet"
bsdtar -tf "$T/eh.iso" | sed 's|^|/|; s|/$||' | grep -v '^/\.$' | sort > "$T/eh.bsdtar"
printf '%s\n' /drop.txt /keep.txt /sub /sub/keep2.txt /sub/only-rr.txt > "$T/eh.want.rr"
printf '%s\n' /drop.txt /keep.txt /secret.txt /sub /sub/keep2.txt > "$T/eh.want.joliet"
diff "$T/eh.want.rr" "$T/eh.rr" || fail "exclude/hide: isoinfo's Rock Ridge view"
diff "$T/eh.want.rr" "$T/eh.bsdtar" || fail "exclude/hide: bsdtar's view"
diff "$T/eh.want.joliet" "$T/eh.joliet" || fail "exclude/hide: isoinfo's Joliet view"
[ "$(isoinfo -J -i "$T/eh.iso" -x /secret.txt)" = "this is secret.txt" ] ||
	fail "--hide: the hidden file's data is not in the Joliet view"
took "exclude and hide"

# --sort: the heaviest file comes first
st=$T/st
mkdir -p "$st/sub"
for f in a.bin m.bin z.bin sub/late.bin; do
	rnd "$st/$f" 65536
done
lbas() {
	xorriso -indev "$1" -find / -type f -exec report_lba -- 2> /dev/null |
		awk -F, '/^File data lba/ { print $2 + 0, $5 }' |
		sed "s/ *'\\(.*\\)'\$/ \\1/" | sort -n
}
run 0 "$GM" master -o "$T/st1.iso" "$st"
last=$(lbas "$T/st1.iso" | tail -n 1 | cut -d ' ' -f 2)
printf '%s 100\n/m.bin 50\n' "$last" > "$T/sort.list"
run 0 "$GM" master -o "$T/st2.iso" --sort "$T/sort.list" "$st"
lbas "$T/st2.iso" > "$T/st2.lba"
[ "$(sed -n 1p "$T/st2.lba" | cut -d ' ' -f 2)" = "$last" ] &&
[ "$(sed -n 2p "$T/st2.lba" | cut -d ' ' -f 2)" = /m.bin ] ||
	{ lbas "$T/st1.iso"; echo; cat "$T/sort.list" "$T/st2.lba"; fail "--sort did not put $last, then /m.bin first"; }
took "sort"

# Graft points: DEST=SRC for a directory and for files, parents made
mkdir -p "$T/gsrc" "$T/manual-src/pages"
echo root > "$T/gsrc/root.txt"
echo page > "$T/manual-src/pages/p1.txt"
echo notes > "$T/notes.txt"
run 0 "$GM" master -o "$T/g.iso" "$T/gsrc" docs/manual="$T/manual-src" \
	extra/deeper/notes.txt="$T/notes.txt" top.txt="$T/notes.txt"
isoinfo -R -f -i "$T/g.iso" | sort > "$T/g.rr"
printf '%s\n' /docs /docs/manual /docs/manual/pages /docs/manual/pages/p1.txt \
	/extra /extra/deeper /extra/deeper/notes.txt /root.txt /top.txt > "$T/g.want"
diff "$T/g.want" "$T/g.rr" || fail "graft points: the tree"
[ "$(bsdtar -xOf "$T/g.iso" extra/deeper/notes.txt)" = notes ] &&
[ "$(bsdtar -xOf "$T/g.iso" docs/manual/pages/p1.txt)" = page ] &&
[ "$(isoinfo -J -i "$T/g.iso" -x /top.txt)" = notes ] ||
	fail "graft points: the content"
took "graft points"

# The volume descriptor's ids; Rock Ridge and Joliet, or not
# (upper case: ECMA-119 7.4.2 a-characters, which some writers enforce)
run 0 "$GM" master -o "$T/id.iso" -V GM_TEST_VOL --publisher "GLASS PUBLISHER" \
	--preparer "TEST PREPARER" --application "GLASSMASTER TEST APP" \
	--system-id LINUX "$eh"
isoinfo -d -i "$T/id.iso" > "$T/id.d"
contains "$T/id.d" "Volume id: GM_TEST_VOL"
contains "$T/id.d" "Publisher id: GLASS PUBLISHER"
contains "$T/id.d" "Data preparer id: TEST PREPARER"
contains "$T/id.d" "Application id: GLASSMASTER TEST APP"
contains "$T/id.d" "System id: LINUX"
contains "$T/id.d" "Rock Ridge signatures version 1 found"
contains "$T/id.d" "Joliet with UCS level 3 found"
run 0 "$GM" master -o "$T/nr.iso" --no-rock "$eh"
isoinfo -d -i "$T/nr.iso" > "$T/nr.d"
lacks "$T/nr.d" "Rock Ridge signatures"
contains "$T/nr.d" "Joliet with UCS level 3 found"
run 0 "$GM" master -o "$T/nj.iso" --no-joliet "$eh"
isoinfo -d -i "$T/nj.iso" > "$T/nj.d"
contains "$T/nj.d" "Rock Ridge signatures version 1 found"
lacks "$T/nj.d" "Joliet with UCS"
# ISO 9660:1999: a volume descriptor of type 2, version 2 (ISO/IEC 9660:1999 8.5)
run 0 "$GM" master -o "$T/99.iso" --iso1999 "$eh"
python3 - "$T/99.iso" <<'PY' || fail "--iso1999: no enhanced volume descriptor"
import sys
f = open(sys.argv[1], "rb")
for n in range(16, 32):
    f.seek(n * 2048)
    d = f.read(7)
    if d[1:6] == b"CD001" and d[0] == 2 and d[6] == 2:
        sys.exit(0)
    if d[0] == 255:
        break
sys.exit(1)
PY
# --iso-level 1: 8.3 names in the plain ISO 9660 tree
run 0 "$GM" master -o "$T/l1.iso" --iso-level 1 "$small"
isoinfo -f -i "$T/l1.iso" | tr '/' '\n' | grep -v '^$' |
	grep -Ev '^[A-Z0-9_]{1,8}(\.[A-Z0-9_]{0,3})?(;1)?$' > "$T/l1.bad" &&
	{ cat "$T/l1.bad"; fail "--iso-level 1: names that are not 8.3"; }
if [ -n "$huge" ]; then
	# a file of 4 GiB or more needs level 3
	refused "--iso-level 2 with a 5 GiB file" "$GM" master -o "$T/l2.iso" --iso-level 2 \
		"huge.bin=$tree/$huge"
	noimage "--iso-level 2 with a 5 GiB file" "$T/l2.iso"
fi
took "ids and levels"

# --md5: xorriso checks the session and each file; a changed byte fails
run 0 "$GM" master --md5 -o "$T/m.iso" "$small"
xorriso -md5 on -indev "$T/m.iso" -check_md5 FAILURE -- > "$T/md5.log" 2>&1 ||
	{ cat "$T/md5.log"; fail "--md5: xorriso -check_md5 fails"; }
xorriso -md5 on -indev "$T/m.iso" -check_md5_r FAILURE / -- > "$T/md5.log" 2>&1 ||
	{ cat "$T/md5.log"; fail "--md5: xorriso -check_md5_r fails"; }
lba=$(xorriso -indev "$T/m.iso" -find /README.txt -exec report_lba -- 2> /dev/null |
	awk -F, '/^File data lba/ { print $2 + 0 }')
poke "$T/m.iso" $((lba * 2048 + 3))
if xorriso -md5 on -indev "$T/m.iso" -check_md5 FAILURE -- > "$T/md5.log" 2>&1; then
	fail "--md5: xorriso -check_md5 passes an image with a changed byte"
fi
took "md5"

# --follow-symlinks: the links become what they point to
run 0 "$GM" master --follow-symlinks -o "$T/fl.iso" "$small"
mkdir "$T/x.fl"
bsdtar -xf "$T/fl.iso" -C "$T/x.fl"
[ -f "$T/x.fl/link-rel" ] && [ ! -L "$T/x.fl/link-rel" ] &&
	cmp -s "$T/x.fl/link-rel" "$tree/README.txt" ||
	fail "--follow-symlinks: link-rel is not a copy of README.txt"
[ -d "$T/x.fl/link-dir" ] && [ ! -L "$T/x.fl/link-dir" ] &&
	cmp -s "$T/x.fl/link-dir/ファイル名.txt" "$tree/日本語/ファイル名.txt" ||
	fail "--follow-symlinks: link-dir is not a copy of the directory"
rm -rf "$T/x.fl"

# --json: one object on stdout; --quiet: nothing on stderr
mkdir -p "$T/jt/sub/deeper"
echo a > "$T/jt/a.txt"
echo b > "$T/jt/sub/b.txt"
echo c > "$T/jt/sub/deeper/c.txt"
run 0 "$GM" master --quiet --json -o "$T/j.iso" "$T/jt"
test ! -s "$T/err" || { cat "$T/err"; fail "--quiet: something on stderr"; }
python3 - "$T/out" "$T/j.iso" <<'PY' || { cat "$T/out"; fail "--json"; }
import json, os, sys
o = json.load(open(sys.argv[1]))
img = sys.argv[2]
assert o["image"] in (img, os.path.abspath(img), os.path.realpath(img)), o["image"]
assert o["size"] == os.path.getsize(img), (o["size"], os.path.getsize(img))
assert o["files"] == 3, o["files"]
# with or without the root
assert o["directories"] in (2, 3), o["directories"]
PY
took "options"

# --- failures ---------------------------------------------------------------
# an existing output is refused, and kept, unless --force
echo "not an image" > "$T/exists.iso"
run 2 "$GM" master -o "$T/exists.iso" "$T/jt"
says "an existing output" "$T/exists.iso"
[ "$(cat "$T/exists.iso")" = "not an image" ] || fail "an existing output was changed"
run 0 "$GM" master --force -o "$T/exists.iso" "$T/jt"
isoinfo -d -i "$T/exists.iso" > /dev/null || fail "--force: the output is no image"
# a missing source, a missing graft source, a missing output directory
refused "a missing source" "$GM" master -o "$T/ms.iso" "$T/no-such-dir"
says "a missing source" "$T/no-such-dir"
noimage "a missing source" "$T/ms.iso"
refused "a missing graft source" "$GM" master -o "$T/ms.iso" "$T/jt" "x.txt=$T/no-such-file"
says "a missing graft source" "$T/no-such-file"
noimage "a missing graft source" "$T/ms.iso"
refused "a missing output directory" "$GM" master -o "$T/no-dir/x.iso" "$T/jt"
says "a missing output directory" "$T/no-dir"
noimage "a missing output directory" "$T/no-dir"
# An unreadable file.  We are root, who reads anything: run without the
# capabilities that let root past a mode (the file's owner, root, has no
# permission then); skipped where setpriv cannot do that.
mkdir "$T/ur"
echo secret > "$T/ur/unreadable.txt"
chmod 000 "$T/ur/unreadable.txt"
nocap="setpriv --bounding-set=-dac_override,-dac_read_search"
if command -v setpriv > /dev/null && ! $nocap cat "$T/ur/unreadable.txt" > /dev/null 2>&1; then
	refused "an unreadable file" $nocap "$GM" master -o "$T/ur.iso" "$T/ur"
	says "an unreadable file" unreadable.txt
	noimage "an unreadable file" "$T/ur.iso"
else
	echo "master.sh: setpriv cannot take root's file access away: no unreadable-file check"
fi
# A file that changes size while it is written: /proc/version has
# st_size 0 but gives bytes.
refused "a file that changes size" "$GM" master -o "$T/proc.iso" "$T/jt" v.txt=/proc/version
grep -qF /proc/version "$T/err" || grep -qF v.txt "$T/err" ||
	{ cat "$T/err"; fail "a file that changes size: the message names neither /proc/version nor v.txt"; }
noimage "a file that changes size" "$T/proc.iso"
# A killed run leaves nothing behind: the image is written to an unnamed
# (O_TMPFILE) file, named only when complete.
mkdir "$T/kill" "$T/killsrc"
truncate -s 3G "$T/killsrc/sparse.bin"
for sig in TERM KILL; do
	"$GM" master --quiet -o "$T/kill/k.iso" "$T/killsrc" > /dev/null 2>&1 &
	pid=$!
	sleep 0.4
	if kill -s $sig $pid 2> /dev/null; then
		wait $pid || true
		noimage "a run killed with SIG$sig" "$T/kill/k.iso"
		left=$(ls -A "$T/kill")
		[ -z "$left" ] || fail "a run killed with SIG$sig left: $left"
	else
		wait $pid || true
		echo "master.sh: the run ended before SIG$sig: no check of a killed run"
	fi
	rm -f "$T/kill"/* "$T/kill"/.[!.]* 2> /dev/null || true
done
# An output that cannot grow (a file size limit, as a full disk): exit 3,
# the message names the image, and nothing is left.
mkdir "$T/fsz"
set +e
( ulimit -f 64; exec "$GM" master --quiet -o "$T/fsz/f.iso" "$T/killsrc" ) > "$T/out" 2> "$T/err"
got=$?
set -e
[ "$got" -eq 3 ] || { cat "$T/err"; fail "a file size limit: exit $got, not 3"; }
says "a file size limit" "cannot write '$T/fsz/f.iso'"
[ -z "$(ls -A "$T/fsz")" ] || fail "a file size limit left: $(ls -A "$T/fsz")"
took "failures"

if [ -n "$qemu_skipped" ]; then
	echo "master.sh: all else passed; the kernel's views were not checked"
	echo "$qemu_skipped"
	exit 77
fi
echo "master.sh: $(( $(date +%s) - began )) s in all"
