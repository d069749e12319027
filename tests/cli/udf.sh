# udf.sh - the UDF writer (gm_udf_write, through tests/gm-mkudf) in every
# revision it writes (1.02, 2.01, 2.50 and 2.60) checked by a structural
# checker of its own (udfcheck.py) and read back by readers that share
# nothing with it: udfinfo (udftools) for the revision, counts and layout,
# udfclient for listing and extraction, 7-Zip (on a tree of only files
# and directories, all it supports), libcdio's libudf (`glassmaster info`:
# the volume; libudf reads no Extended File Entries nor metadata
# partitions), `glassmaster verify` naming files from its own walk
# (verify/udfwalk.c), and the Linux kernel's udf driver in a QEMU
# guest (tests/qemu/guest.sh), which must show every name, type, size,
# mode, owner, mtime, link count, symlink target and MD5 of the tree.
# Images with 2048-byte extents put the 3 MB file's 1536 extents through
# Allocation Extent Descriptors (short_ads in 2.01, long_ads from the
# metadata partition in 2.50).  Two runs with one SOURCE_DATE_EPOCH give
# one SHA-256, `glassmaster master --fs udf` the same image; a file that
# changes after the scan fails the image.  Readers that are not installed
# are skipped, said so.
. "$(dirname "$0")/lib.sh"

MKUDF="$builddir/tests/gm-mkudf"
export SOURCE_DATE_EPOCH=1700000000

# The tree: nested directories, files around the embedding and block
# limits, Unicode names (8-bit and 16-bit CS0, one beyond the BMP),
# relative and absolute symlinks, a hard link, a setuid file, a FIFO.
tree=$T/tree
mkdir -p "$tree/a/b/c/d" "$tree/uni" "$tree/empty_dir"
: > "$tree/size0"
head -c 1 /dev/urandom > "$tree/size1"
head -c 1872 /dev/urandom > "$tree/size1872"
head -c 1873 /dev/urandom > "$tree/size1873"
head -c 2047 /dev/urandom > "$tree/size2047"
head -c 2048 /dev/urandom > "$tree/a/size2048"
head -c 102400 /dev/urandom > "$tree/a/b/size100k"
head -c 3145728 /dev/urandom > "$tree/a/b/c/size3m"
echo deep > "$tree/a/b/c/d/deep.txt"
echo latin > "$tree/uni/héllo wörld"
echo cjk > "$tree/uni/日本語.txt"
echo astral > "$tree/uni/😀 smile"
ln -s ../size2047 "$tree/a/rel_link"
ln -s /etc/hostname "$tree/abs_link"
ln -s "./b/../b/c/d/deep.txt" "$tree/a/dot_link"
# a directory of 200 names: its FIDs fill blocks of their own and cross
# from one block into the next
mkdir "$tree/many"
for i in $(seq 200); do
	echo "$i" > "$tree/many/file number $i of the many.txt"
done
# 130 components of 15 bytes: 1950 bytes, past a File Entry, within the
# block the kernel reads a symlink from
ln -s "$(printf 'abcdefghij/%.0s' $(seq 129))abcdefghij" "$tree/a/long_link"
ln "$tree/size2047" "$tree/a/b/hard"
chmod 4755 "$tree/size1"
chmod 0600 "$tree/a/size2048"
chmod 1777 "$tree/empty_dir"
mkfifo "$tree/fifo"
# device nodes, where we may make them
mknod "$tree/a/chardev" c 1 3 2> /dev/null && mknod "$tree/blockdev" b 7 200 2> /dev/null ||
	rm -f "$tree/a/chardev"
nodes=$(find "$tree" \( -type c -o -type b \) | wc -l)
chown 1234:5678 "$tree/a/b/size100k" 2> /dev/null || true

REVS="102 201 250 260"
# Every revision; reproducible: one SHA-256 for two runs.
for r in $REVS; do
	run 0 "$MKUDF" -V GMUDF -r $r "$T/a$r.udf" "$tree"
	contains "$T/out" "files $((217 + nodes)) dirs 8"
done
for r in 201 250; do
	run 0 "$MKUDF" -V GMUDF -r $r "$T/again.udf" "$tree"
	[ "$(sha256sum < "$T/a$r.udf")" = "$(sha256sum < "$T/again.udf")" ] ||
		fail "two runs of $r with one SOURCE_DATE_EPOCH differ"
	rm -f "$T/again.udf"
	run 0 "$MKUDF" -V GMUDF -r $r -e 2048 "$T/aed$r.udf" "$tree"
	[ "$(sha256sum < "$T/a$r.udf")" = "$(sha256sum < "$T/aed$r.udf")" ] &&
		fail "-e 2048 changed nothing in $r"
done
[ "$(sha256sum < "$T/a250.udf")" = "$(sha256sum < "$T/a260.udf")" ] &&
	fail "2.50 and 2.60 give one image"
# refusals: another revision, no image left
run 1 "$MKUDF" -r 150 "$T/x.udf" "$tree"
contains "$T/err" "UDF revision 1.50 is not supported: 1.02, 2.01, 2.50 and 2.60 are"
[ ! -e "$T/x.udf" ] || fail "a refused image was left"
run 1 "$MKUDF" "$T/a201.udf" "$tree"
# a file that changed between the scan and the write fails the image
cp -a "$tree" "$T/moving"
run 1 "$MKUDF" -t "$T/moving/a/b/size100k" "$T/x.udf" "$T/moving"
contains "$T/err" "'$T/moving/a/b/size100k' changed size while the image was made (102400 bytes when scanned, 102401 now)"
run 1 "$MKUDF" -r 250 -t "$T/moving/size1" "$T/x.udf" "$T/moving"
contains "$T/err" "'$T/moving/size1' changed size"
[ ! -e "$T/x.udf" ] || fail "a failed image was left"
rm -rf "$T/moving"

# the command: the same images as gm-mkudf, the ISO 9660 options refused
run 0 "$GM" master --fs udf --udf-symlinks keep -V GMUDF -o "$T/cmd.udf" "$tree"
contains "$T/out" "UDF, $(wc -c < "$T/a201.udf") bytes"
cmp "$T/cmd.udf" "$T/a201.udf" || fail "glassmaster master --fs udf differs from gm-mkudf"
rm -f "$T/cmd.udf"
for r in 1.02 2.50 2.60; do
	run 0 "$GM" master --fs udf --udf-symlinks keep --udf-rev $r -V GMUDF -o "$T/cmd.udf" "$tree"
	cmp "$T/cmd.udf" "$T/a$(echo $r | tr -d .).udf" ||
		fail "glassmaster master --fs udf --udf-rev $r differs from gm-mkudf"
	rm -f "$T/cmd.udf"
done
run 2 "$GM" master --fs udf --joliet -o "$T/x.udf" "$tree"
contains "$T/err" "--joliet is an ISO 9660 option: not with --fs udf"
run 2 "$GM" master --udf-rev 2.01 -o "$T/x.udf" "$tree"
contains "$T/err" "--udf-rev needs --fs udf"
run 2 "$GM" master --fs udf --udf-rev 2.00 -o "$T/x.udf" "$tree"
contains "$T/err" "UDF revision 2.00 is not supported"
run 2 "$GM" master --fs ext4 -o "$T/x.udf" "$tree"
[ ! -e "$T/x.udf" ] || fail "a refused image was left"

# ISO 9660 + UDF bridges of this tree too (master_bridge.sh reads them
# through the ISO 9660 readers and the kernel): reproducible, checked,
# each file's data once, a plain file's bytes identical through both
# (without the 1950-byte symlink: libisofs's Rock Ridge takes no such)
cp -a "$tree" "$T/btree"
rm "$T/btree/a/long_link"
for r in 102 250; do
	run 0 "$GM" master --quiet --fs iso+udf --udf-symlinks keep --udf-rev ${r%??}.${r#?} -V GMUDF -o "$T/b$r.iso" "$T/btree"
	run 0 "$GM" master --quiet --fs iso+udf --udf-symlinks keep --udf-rev ${r%??}.${r#?} -V GMUDF -o "$T/again.iso" "$T/btree"
	cmp "$T/b$r.iso" "$T/again.iso" || fail "two bridges of $r with one SOURCE_DATE_EPOCH differ"
	rm -f "$T/again.iso"
	python3 "$srcdir/tests/cli/udfcheck.py" --list "$T/list" "$T/b$r.iso" 0x0$r > "$T/check" 2>&1 ||
		fail "udfcheck b$r.iso: $(cat "$T/check")"
	contains "$T/check" "$((216 + nodes)) files, 8 directories"
	at=$(awk -F'|' '$1 == "/a/b/c/size3m" { print $2 }' "$T/list")
	[ -n "$at" ] || fail "udfcheck lists no /a/b/c/size3m in b$r.iso"
	isoinfo -R -l -i "$T/b$r.iso" > "$T/isoinfo"
	grep -q "\[ *$at 00\] *size3m *\$" "$T/isoinfo" ||
		fail "b$r.iso: size3m's UDF extent ($at) is not its ISO 9660 one: $(grep size3m "$T/isoinfo")"
	dd if="$T/b$r.iso" bs=2048 skip="$at" count=1536 status=none | cmp - "$tree/a/b/c/size3m" ||
		fail "b$r.iso: sector $at on is not size3m"
done
# the data is there once: a bridge is a plain UDF image's size plus the
# ISO 9660 directories, not twice the data
[ $(wc -c < "$T/b250.iso") -lt $(($(wc -c < "$T/a250.udf") + 1048576)) ] ||
	fail "the 2.50 bridge has $(wc -c < "$T/b250.iso") bytes, the UDF image $(wc -c < "$T/a250.udf")"
# a bridge with libisofs's MD5 tags: xorriso checks the session and each
# file, and the UDF side stays whole
run 0 "$GM" master --fs iso+udf --md5 -o "$T/x.iso" "$T/btree"
xorriso -md5 on -indev "$T/x.iso" -check_md5 FAILURE -- > "$T/md5.log" 2>&1 ||
	{ cat "$T/md5.log"; fail "a bridge's MD5 tags do not check"; }
xorriso -md5 on -indev "$T/x.iso" -check_md5_r FAILURE / -- > "$T/md5.log" 2>&1 ||
	{ cat "$T/md5.log"; fail "a bridge's file MD5s do not check"; }
python3 "$srcdir/tests/cli/udfcheck.py" "$T/x.iso" > "$T/check" 2>&1 ||
	{ cat "$T/check"; fail "udfcheck of a bridge with MD5 tags"; }
run 2 "$GM" mkisofs -udf -hfsplus -o "$T/y.iso" "$T/btree"
contains "$T/err" "cannot carry an EFI boot partition or HFS+ yet"
[ ! -e "$T/y.iso" ] || fail "a refused bridge was left"

# names UDF cannot hold are refused, names that are not UTF-8 noted
mkdir -p "$T/names"
long=$(printf '%0255d' 0)
: > "$T/names/$long"
run 1 "$MKUDF" "$T/x.udf" "$T/names"
contains "$T/err" "'/$long': the name is too long for UDF (at most 254 Latin-1 or 127 other characters)"
rm -f "$T/names/$long"
: > "$T/names/$(printf 'caf\351')"
run 0 "$MKUDF" "$T/x.udf" "$T/names"
contains "$T/out" "note: '/caf"
contains "$T/out" "is not UTF-8; its other bytes are taken as Latin-1"
python3 "$srcdir/tests/cli/udfcheck.py" "$T/x.udf" > "$T/check" 2>&1 || fail "udfcheck names: $(cat "$T/check")"
rm -rf "$T/names" "$T/x.udf"

# progress on request; a killed run or a full disk leaves nothing
mkdir "$T/kill" "$T/killsrc"
truncate -s 3G "$T/killsrc/sparse.bin"
run 0 "$GM" master --fs udf --progress -o "$T/kill/p.udf" "$tree"
contains "$T/err" "writing: "
rm -f "$T/kill/p.udf"
for sig in INT TERM KILL; do
	"$GM" master --fs udf --quiet -o "$T/kill/k.udf" "$T/killsrc" > /dev/null 2>&1 &
	pid=$!
	sleep 0.4
	if kill -s $sig $pid 2> /dev/null; then
		status=0
		wait $pid || status=$?
		[ $sig != INT ] || [ $status = 130 ] || fail "SIGINT: exit status $status, not 130"
		left=$(ls -A "$T/kill")
		[ -z "$left" ] || fail "a run killed with SIG$sig left: $left"
	else
		wait $pid || true
		echo "udf.sh: the run ended before SIG$sig: no check of a killed run"
	fi
	rm -f "$T/kill"/* "$T/kill"/.[!.]* 2> /dev/null || true
done
set +e
( ulimit -f 64; exec "$GM" master --fs udf --quiet -o "$T/kill/f.udf" "$T/killsrc" ) > "$T/out" 2> "$T/err"
got=$?
set -e
[ $got = 3 ] || { cat "$T/err"; fail "a full disk: exit status $got, not 3"; }
contains "$T/err" "f.udf"
[ -z "$(ls -A "$T/kill")" ] || fail "a full disk left: $(ls -A "$T/kill")"
rm -rf "$T/kill" "$T/killsrc"

# the structural checker (udfcheck.py, apart from the writer): tags,
# CRCs, locations, anchors, extents, unique IDs, link and LVID counts,
# the metadata partition and its mirror
for img in a102 a201 a250 a260 aed201 aed250; do
	r=${img#a}
	r=${r#ed}
	python3 "$srcdir/tests/cli/udfcheck.py" "$T/$img.udf" 0x0$r > "$T/check" 2>&1 ||
		fail "udfcheck $img.udf: $(cat "$T/check")"
	contains "$T/check" "$((217 + nodes)) files, 8 directories"
done
# ... which sees one flipped byte in the root's File Entry (sector 259;
# in 2.50 block 2 of the metadata, 32 blocks into the partition)
cp "$T/a201.udf" "$T/bad.udf"
poke "$T/bad.udf" $((259 * 2048 + 100))
run 1 python3 "$srcdir/tests/cli/udfcheck.py" "$T/bad.udf"
contains "$T/out" "File Entry of /: CRC"
cp "$T/a250.udf" "$T/bad.udf"
poke "$T/bad.udf" $(((257 + 32 + 2) * 2048 + 100))
run 1 python3 "$srcdir/tests/cli/udfcheck.py" "$T/bad.udf" 0x0250
contains "$T/out" "File Entry of /: CRC"
rm -f "$T/bad.udf"

# udfinfo: the revision, counts, label, the anchors where they belong
if command -v udfinfo > /dev/null; then
	for img in a102 a201 a250 a260 aed201 aed250; do
		r=${img#a}
		r=${r#ed}
		rev=${r%??}.${r#?}
		# 2.60 needs a 2.50 reader (the minimum read revision)
		readrev=$rev
		[ $r != 260 ] || readrev=2.50
		udfinfo "$T/$img.udf" > "$T/info" 2> "$T/info.err" || fail "udfinfo $img.udf failed: $(cat "$T/info.err")"
		[ ! -s "$T/info.err" ] || fail "udfinfo $img.udf: $(cat "$T/info.err")"
		for want in label=GMUDF udfrev=$readrev udfwriterev=$rev numfiles=$((217 + nodes)) numdirs=8 \
			integrity=closed accesstype=readonly "start=16, blocks=3, type=VRS" \
			"start=256, blocks=1, type=ANCHOR"; do
			contains "$T/info" "$want"
		done
		sectors=$(($(wc -c < "$T/$img.udf") / 2048))
		contains "$T/info" "start=$((sectors - 1)), blocks=1, type=ANCHOR"
		# (no anchor at N-256: two of three, as genisoimage and mkudffs)
		[ "$(grep -c 'type=ANCHOR' "$T/info")" -eq 2 ] ||
			fail "udfinfo $img.udf: not the two anchors at 256 and N"
	done
else
	echo "udf.sh: udfinfo not installed: skipped"
fi

# libcdio's libudf through glassmaster info: the volume of every revision
for r in $REVS; do
	run 0 "$GM" info "$T/a$r.udf"
	if [ $r = 102 ]; then
		contains "$T/out" 'UDF (NSR02) "GMUDF"'
	else
		contains "$T/out" 'UDF (NSR03) "GMUDF"'
	fi
done
# verify names the file at a changed sector from its own walk of the UDF
# (udfwalk.c): every revision, every extent (the 3 MB file of the aed
# images has 1536), and File Entries in the metadata partition
for img in a102 a201 a250 a260 aed201 aed250; do
	lba=$(python3 - "$T/$img.udf" "$tree/a/b/c/size3m" <<'PY'
import sys
image, data = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
at = image.find(data[1000 * 2048:1000 * 2048 + 8192])
assert at >= 0 and at % 2048 == 0
print(at // 2048)
PY
	) || fail "a/b/c/size3m is not in $img.udf"
	cp "$T/$img.udf" "$T/c.udf"
	poke "$T/c.udf" $((lba * 2048 + 100))
	run 1 "$GM" verify --no-hash "$T/c.udf" "$T/$img.udf"
	contains "$T/out" "mismatch LBA $lba-$lba (1 sector): /a/b/c/size3m"
	rm -f "$T/c.udf"
done
cp "$T/a250.udf" "$T/c.udf"
poke "$T/c.udf" $(((257 + 32 + 2) * 2048 + 100))
run 1 "$GM" verify --no-hash "$T/c.udf" "$T/a250.udf"
contains "$T/out" "mismatch LBA 291-291 (1 sector): /"
rm -f "$T/c.udf"

# udfclient: list the Unicode-free corners, extract the big files
if command -v udfclient > /dev/null; then
	for img in a102 a201 a250 a260 aed201 aed250 b102 b250; do
		f=$T/$img.udf
		[ -e "$f" ] || f=$T/$img.iso	# the bridges
		rm -rf "$T/uc" && mkdir "$T/uc"
		vol=$(cd "$T/uc" && printf 'ls\nquit\n' | udfclient -b 2048 "$f" 2> /dev/null |
			awk '/^d/ { print $5; exit }')
		[ -n "$vol" ] || fail "udfclient finds no volume in $img.udf"
		printf 'cd %s/a\nls\ncd b\nget size100k\ncd c\nget size3m\nquit\n' "$vol" |
			(cd "$T/uc" && udfclient -b 2048 "$f") > "$T/uc.out" 2>&1 ||
			fail "udfclient on $img.udf failed: $(cat "$T/uc.out")"
		cmp "$T/uc/size100k" "$tree/a/b/size100k" || fail "udfclient: size100k of $img.udf differs"
		cmp "$T/uc/size3m" "$tree/a/b/c/size3m" || fail "udfclient: size3m of $img.udf differs"
		grep -q -- "-rw-------.*2048  size2048" "$T/uc.out" || fail "udfclient lists: $(cat "$T/uc.out")"
	done
else
	echo "udf.sh: udfclient not installed: skipped"
fi

# 7-Zip reads only directories and files: a tree of those
if command -v 7z > /dev/null; then
	plain=$T/plain
	cp -a "$tree" "$plain"
	find "$plain" -type l -delete
	find "$plain" \( -type p -o -type c -o -type b \) -delete
	for r in $REVS; do
		run 0 "$MKUDF" -r $r "$T/plain.udf" "$plain"
		rm -rf "$T/7x"
		7z x -o"$T/7x" "$T/plain.udf" > "$T/7z.out" 2>&1 || fail "7z x of $r failed: $(cat "$T/7z.out")"
		diff -r "$plain" "$T/7x" > /dev/null || fail "7z extracts another tree from $r: $(diff -r "$plain" "$T/7x" | head)"
		rm -f "$T/plain.udf"
	done
	# the UDF side of bridges (-tudf: else 7-Zip takes the ISO 9660 one)
	for r in 1.02 2.50; do
		run 0 "$GM" master --quiet --fs iso+udf --udf-rev $r -o "$T/plain.iso" "$plain"
		rm -rf "$T/7x"
		7z x -tudf -o"$T/7x" "$T/plain.iso" > "$T/7z.out" 2>&1 || fail "7z x -tudf of the $r bridge failed: $(cat "$T/7z.out")"
		diff -r "$plain" "$T/7x" > /dev/null || fail "7z extracts another tree from the $r bridge: $(diff -r "$plain" "$T/7x" | head)"
		rm -f "$T/plain.iso"
	done
else
	echo "udf.sh: 7z not installed: skipped"
fi

# A 5 GiB file (sparse here) in extents of 2^30 - 2048 bytes, with 8 KiB
# random markers at its start, across the end of its first extent, at
# 4 GiB and at its end: its own image, for the checker and the kernel.
markers="0 $((1073739776 - 4096)) 4294967296 $((5 * 1073741824 - 8192))"
free_kb=$(df -Pk "$T" | awk 'NR == 2 { print $4 }')
huge=
if [ "${GM_MASTER_HUGE:-1}" = 0 ]; then
	echo "udf.sh: GM_MASTER_HUGE=0: no 5 GiB file this time"
elif [ "$free_kb" -ge $((12 * 1000 * 1000)) ]; then
	huge=$T/huge
	mkdir -p "$huge/big"
	truncate -s 5G "$huge/big/huge.bin"
	for off in $markers; do
		head -c 8192 /dev/urandom |
			dd of="$huge/big/huge.bin" bs=2048 seek=$((off / 2048)) conv=notrunc status=none
	done
	echo "after the big one" > "$huge/big/after.txt"
	for off in $markers; do
		dd if="$huge/big/huge.bin" bs=2048 skip=$((off / 2048)) count=4 status=none | md5sum | cut -c 1-32
	done > "$T/huge.markers"
	for r in 201 250; do
		run 0 "$MKUDF" -V HUGE -r $r "$T/huge$r.udf" "$huge"
		python3 "$srcdir/tests/cli/udfcheck.py" "$T/huge$r.udf" 0x0$r > "$T/check" 2>&1 ||
			fail "udfcheck huge$r.udf: $(cat "$T/check")"
		contains "$T/check" "2 files, 2 directories"
	done
else
	echo "udf.sh: only $((free_kb / 1000)) MB free in $T: no 5 GiB file this time"
fi

# What the tree should look like through a reader: one line a path.
expect() {
	python3 - "$1" "$SOURCE_DATE_EPOCH" <<'PY'
import hashlib, os, stat, sys
root, epoch = sys.argv[1], int(sys.argv[2])
for dirpath, dirs, files in os.walk(root):
    for name in sorted(dirs + files) + ([] if dirpath != root else []):
        p = os.path.join(dirpath, name)
        st = os.lstat(p)
        rel = os.path.relpath(p, root)
        kind = stat.S_IFMT(st.st_mode)
        mtime = min(int(st.st_mtime), epoch)
        extra = ""
        if stat.S_ISREG(st.st_mode):
            extra = "%d|%s" % (st.st_size, hashlib.md5(open(p, "rb").read()).hexdigest())
        elif stat.S_ISLNK(st.st_mode):
            extra = os.readlink(p)
        elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            extra = "%x,%x" % (os.major(st.st_rdev), os.minor(st.st_rdev))
        print("%s|%o|%o|%d|%d|%d|%d|%s" % (rel, kind >> 12, stat.S_IMODE(st.st_mode),
              st.st_uid, st.st_gid, st.st_nlink, mtime, extra))
PY
}

# The Linux kernel's udf driver in a QEMU guest: both images, mounted
# read-only; the guest lists them with busybox, the host compares.
{
	echo "markers='${huge:+$markers}'"
	cat <<'GUEST'
mkdir -p /mnt
for i in 0 1 2 3 4 5; do
	eval "sr=\$GM_SR_$i"
	mount -t udf -o ro "$sr" /mnt 2> "/out/mount$i.err" || exit 10
	cd /mnt
	find . ! -name . | while read -r p; do
		extra=
		if [ -L "$p" ]; then
			extra=$(readlink "$p")
		elif [ -f "$p" ]; then
			extra="$(stat -c %s "$p")|$(md5sum < "$p" | cut -c 1-32)"
		elif [ -c "$p" ] || [ -b "$p" ]; then
			extra=$(stat -c %t,%T "$p")
		fi
		echo "$(stat -c '%n|%f|%a|%u|%g|%h|%Y' "$p")|$extra"
	done > "/out/list$i"
	cat /proc/mounts | grep /mnt > "/out/mounts$i"
	stat -c %i /mnt/size2047 /mnt/a/b/hard > "/out/hard$i"
	cd /
	umount /mnt
done
for i in 6 7; do
	[ -n "$markers" ] || break
	eval "sr=\$GM_SR_$i"
	mount -t udf -o ro "$sr" /mnt 2> /out/mount$i.err || exit 11
	stat -c %s /mnt/big/huge.bin > /out/huge$i.size
	for off in $markers; do
		dd if=/mnt/big/huge.bin bs=2048 skip=$((off / 2048)) count=4 2> /dev/null | md5sum | cut -c 1-32
	done > /out/huge$i.markers
	cat /mnt/big/after.txt > /out/after$i.txt
	umount /mnt
done
exit 0
GUEST
} > "$T/guest.sh"
in_guest "scsi-cd:$T/a102.udf" "scsi-cd:$T/a201.udf" "scsi-cd:$T/a250.udf" \
	"scsi-cd:$T/a260.udf" "scsi-cd:$T/aed201.udf" "scsi-cd:$T/aed250.udf" \
	${huge:+scsi-cd:$T/huge201.udf scsi-cd:$T/huge250.udf}
expect "$tree" | sort > "$T/expect"
for i in 0 1 2 3 4 5; do
	contains "$T/guest/mounts$i" " udf "
	# a hard link is one inode
	[ "$(sort -u "$T/guest/hard$i" | wc -l)" = 1 ] || fail "the kernel: size2047 and a/b/hard are inodes $(cat "$T/guest/hard$i")"
	# busybox prints the raw mode in hex (%f): the type is its top nibble
	python3 - "$T/guest/list$i" <<'PY' | sort > "$T/got$i"
import sys
for line in open(sys.argv[1], encoding="utf-8", errors="surrogateescape"):
    name, raw, perm, uid, gid, nlink, mtime, extra = line.rstrip("\n").split("|", 7)
    mode = int(raw, 16)
    print("%s|%o|%s|%s|%s|%s|%s|%s" % (name[2:], mode >> 12, perm, uid, gid, nlink, mtime, extra))
PY
	diff "$T/expect" "$T/got$i" > "$T/diff" || {
		cat "$T/diff" >&2
		fail "the kernel's view of image $i differs from the tree"
	}
done
for i in 6 7; do
	[ -n "$huge" ] || break
	[ "$(cat "$T/guest/huge$i.size")" = 5368709120 ] || fail "the kernel: huge.bin of image $i has $(cat "$T/guest/huge$i.size") bytes"
	cmp "$T/guest/huge$i.markers" "$T/huge.markers" || fail "the kernel: the 5 GiB file's markers differ in image $i"
	cmp "$T/guest/after$i.txt" "$huge/big/after.txt" || fail "the kernel: the file after the 5 GiB one differs in image $i"
done

# 7-Zip refuses every UDF symlink, not only ours (which is why master
# leaves them out unless --udf-symlinks keep): the Linux kernel writes a
# file into one mkudffs image and a file and a symlink into another; 7z
# opens the first and refuses the second.
truncate -s 4M "$T/kfile.udf"
mkudffs --media-type=hd -b 2048 "$T/kfile.udf" > /dev/null 2>&1 || fail "mkudffs failed"
cp "$T/kfile.udf" "$T/klink.udf"
cat > "$T/guest.sh" <<'GUEST'
for img in kfile klink; do
	cp /files/$img.udf /out/$img.udf
	mkdir -p /mnt/$img
	mount -t udf -o loop,rw /out/$img.udf /mnt/$img || exit 1
	echo "written by the kernel" > /mnt/$img/file.txt
	[ $img = kfile ] || ln -s file.txt /mnt/$img/link || exit 1
	ls -l /mnt/$img > /out/$img.ls
	umount /mnt/$img || exit 1
done
GUEST
sh "$srcdir/tests/qemu/guest.sh" --builddir "$builddir" \
	--cache "${GM_QEMU_CACHE:-$builddir/tests/qemu-cache}" --file "$T/kfile.udf" \
	--file "$T/klink.udf" --script "$T/guest.sh" --out "$T/kguest" --timeout 240 \
	> "$T/kguest.log" 2>&1 || { cat "$T/kguest.log" "$T/kguest/guest.stderr" 2>/dev/null
	fail "the guest could not write the UDF images"; }
contains "$T/kguest/klink.ls" "link -> file.txt"
7z l "$T/kguest/kfile.udf" > "$T/7z.out" 2>&1 || fail "7z cannot open the kernel's UDF image: $(cat "$T/7z.out")"
contains "$T/7z.out" "file.txt"
! 7z l "$T/kguest/klink.udf" > "$T/7z.out" 2>&1 ||
	fail "7z opens the kernel's UDF image with a symlink: master's default may change"
contains "$T/7z.out" "Cannot open the file as"
exit 0
