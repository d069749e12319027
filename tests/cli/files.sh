# files.sh - `glassmaster ls` and `glassmaster extract` (issue 16) against
# independent readers.
#
# One source tree (files of 0 and 1 byte, 2 KiB, 100 KiB and 3 MiB, a
# compressible one, directories eleven levels deep, relative, absolute and
# dangling symlinks, a hard link pair in two directories, a name of 124
# characters, UTF-8 names, modes 0600/0755/0444, fixed mtimes; as root a
# setuid file, a FIFO and a character device) is made into images by
# genisoimage (-R -J, -R, -J, -l), xorriso (-as mkisofs -R -J, and zisofs
# compression), `glassmaster master` (ISO 9660, UDF 1.02/2.01/2.50/2.60,
# the ISO 9660 + UDF bridge), mkudffs (empty: the kernel that would fill
# it is used only where `mount -o loop` works) and El Torito images with
# one and three boot entries.  For each image `ls -R --json`, `ls -R`,
# `ls` and `ls -l -R` must agree with each other (tests/cli/fstree.py
# lscheck) and, view by view, with bsdtar -tvf (Rock Ridge), 7z l -slt
# (Joliet, UDF, plain ISO 9660, the [BOOT] names), isoinfo -l -R / -J /
# plain (names, sizes, modes, symlink targets, extents); `extract` must
# give the tree that bsdtar -xf or 7z x give (contents, modes, mtimes,
# symlinks, hard links as one inode) and, where the view holds it all,
# the source tree itself; `extract` restores the atimes `ls` lists.  The
# ISO as BIN/CUE, CloneCD, cdrdao TOC (`glassmaster convert`), NRG and MDS
# (tests/gm-mkimage) lists the same; PATH arguments of ls and extract.
#
# Peer quirks this test normalises (tests/cli/fstree.py has the parsers):
# - bsdtar -tv prints "." first, a hard link's second name as
#   "NAME link to OTHER" with size 0, only the date of old files (mtimes
#   come from its extraction), and hides genisoimage's rr_moved;
#   genisoimage's PN of a device (high 0, low 0x100003 for 1,3: a 20-bit
#   minor) reads as 0,1048579 there (xorriso too) and bsdtar -x fails on
#   it, so the device is left out of bsdtar's part for genisoimage.
# - isoinfo -l -R follows no relocation: the moved directory is listed
#   under /rr_moved and a size-0 directory without listing stands at its
#   place; it prints no s/t bits and no time of day (times not compared),
#   -J only Latin-1 ("_" beyond), plain names with ";1" and "B2048.".
# - 7z reads Joliet before Rock Ridge, Rock Ridge names without the
#   relocation (rr_moved/d7, and deep/.../d7 a file of 0 bytes), zisofs
#   data undecompressed (size 692 for 200000), so it is not used on -R-only
#   and zisofs images; it cannot open a UDF image holding a symlink, FIFO
#   or device (it falls back to the ISO 9660 side of a bridge); it names
#   boot images "[BOOT]/Boot-NoEmul.img" or, several, "[BOOT]/1-Boot-
#   NoEmul.img", "[BOOT]/2-...", a no-emulation one of its load size (4
#   sectors of 512 bytes: 2048 bytes for a 4096-byte boot.img); it prints
#   local time (TZ=UTC here), UDF times with microseconds.
# - Readers of a tree without Rock Ridge invent modes (bsdtar 0700/0400,
#   isoinfo none): modes are compared only where recorded.
# - An empty top-level rr_moved is dropped everywhere (the kernel and ls
#   show it, bsdtar does not); "[BOOT]" is dropped but where boot is
#   checked.  genisoimage gives a symlink's ISO 9660/Joliet record the
#   mtime of its target: Joliet times of symlinks are not the source's.
# - Reading a file right after an extraction moves its atime (relatime:
#   atime <= ctime), for all its names: fstree.py stats before it reads.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

began=$(date +%s)
export TZ=UTC LC_ALL=C.UTF-8
unset SOURCE_DATE_EPOCH
MKIMAGE="$builddir/tests/gm-mkimage"
for tool in genisoimage xorriso isoinfo bsdtar 7z udfinfo mkudffs python3; do
	command -v "$tool" > /dev/null ||
		fail "$tool is not installed (sh bootstrap check installs it)"
done
[ -x "$MKIMAGE" ] || fail "no $MKIMAGE (make check builds it)"
for cmd in ls extract; do
	set +e
	"$GM" $cmd --help > "$T/out" 2>&1
	got=$?
	set -e
	[ "$got" -eq 0 ] || {
		cat "$T/out" >&2
		fail "'glassmaster $cmd' is missing or broken ('$GM $cmd --help' exits $got): issue 16's commands are not built"
	}
done

took() { echo "files.sh: $* ($(( $(date +%s) - began )) s so far)"; }
# say CMD...: log a command line (the log is what a failure shows)
say() { printf '$ %s\n' "$*"; }
# peer OUT CMD...: run another program, its stdout to OUT; fail with its
# command line and stderr unless it exits 0
peer() {
	p_out=$1
	shift
	say "$*"
	set +e
	"$@" > "$p_out" 2> "$T/peer.err"
	p_got=$?
	set -e
	[ "$p_got" -eq 0 ] || {
		echo "command: $*" >&2
		cat "$T/peer.err" >&2
		fail "$1 exited with status $p_got"
	}
}
# gm OUT ARGS...: glassmaster ARGS, which must exit 0 (ls and extract
# saying nothing on stderr); its stdout to OUT
gm() {
	g_out=$1
	shift
	say "glassmaster $*"
	run 0 "$GM" "$@"
	case $1 in
	ls|extract)
		[ ! -s "$T/err" ] || {
			echo "command: glassmaster $*" >&2
			cat "$T/err" >&2
			fail "glassmaster $1 exited 0 but warned"
		}
		;;
	esac
	[ "$g_out" = "$T/out" ] || mv "$T/out" "$g_out"
}
# has JSON PATH...: the ls --json listing JSON has each PATH
has() {
	python3 - "$@" <<'EOF' || fail "$1 lacks an entry (above)"
import json, sys
paths = {e["path"] for e in json.load(open(sys.argv[1]))}
miss = [p for p in sys.argv[2:] if p not in paths]
for p in miss:
    print("%s has no %s" % (sys.argv[1], p))
sys.exit(bool(miss))
EOF
}
fstree() { python3 "$srcdir/tests/cli/fstree.py" "$@"; }
# same WHAT FIELDS A B [OPTIONS]: two views of a tree agree (fstree.py)
same() {
	s_what=$1
	shift
	say "fstree.py compare $*"
	fstree compare "$@" > "$T/cmp" 2>&1 || {
		head -n 25 "$T/cmp" >&2
		echo "command: fstree.py compare $*" >&2
		fail "$s_what"
	}
}

# listing IMAGE NAME [OPTIONS]: the listings of IMAGE in $T/NAME.json
# (ls -R --json), checked against ls -R, ls and ls -l -R
listing() {
	l_img=$1 l_name=$2
	shift 2
	gm "$T/$l_name.json" ls -R --json "$@" "$l_img"
	gm "$T/$l_name.lsR" ls -R "$@" "$l_img"
	gm "$T/$l_name.ls" ls "$@" "$l_img"
	gm "$T/$l_name.lsl" ls -l -R "$@" "$l_img"
	say "fstree.py lscheck $l_name"
	fstree lscheck "$T/$l_name.json" "$T/$l_name.lsR" "$T/$l_name.ls" "$T/$l_name.lsl" > "$T/cmp" 2>&1 ||
		{ cat "$T/cmp" >&2; fail "$l_name: the listings of '$l_img' disagree or are malformed"; }
}
# unpack IMAGE DIR [OPTIONS]: glassmaster extract IMAGE -C DIR
unpack() {
	u_img=$1 u_dir=$2
	shift 2
	rm -rf "$u_dir"
	gm "$T/out.x" extract "$u_img" -C "$u_dir" "$@"
}
# bsdtar_x IMAGE DIR [OPTIONS]
bsdtar_x() {
	b_img=$1 b_dir=$2
	shift 2
	rm -rf "$b_dir"
	mkdir "$b_dir"
	peer "$T/out.x" bsdtar -xf "$b_img" -C "$b_dir" "$@"
}
# z7_x IMAGE DIR
z7_x() {
	rm -rf "$2"
	peer "$T/out.x" 7z x -y -o"$2" "$1"
}
# z7_type LISTING: what 7z opened the image as (Iso, Udf)
z7_type() { sed -n 's/^Type = //p' "$1" | head -n 1; }

# what each kind of comparison looks at
ALL=type,perm,nlink,uid,gid,size,mtime,target,links,rdev
BSDTAR=type,perm,nlink,uid,gid,size,target,links,rdev
DISK=type,perm,nlink,uid,gid,size,md5,mtime,target,links,rdev

# --- the tree ----------------------------------------------------------------
src=$T/src
mkdir -p "$src/sub" "$src/日本" "$src/deep/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10"
: > "$src/empty"
printf x > "$src/one"
head -c 2048 /dev/urandom > "$src/b2048"
head -c 102400 /dev/urandom > "$src/k100"
head -c 3145728 /dev/urandom > "$src/m3"
yes "glassmaster compresses" | head -c 200000 > "$src/compressible.txt"
echo "eleven levels down" > "$src/deep/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/bottom.txt"
echo hard > "$src/hard-a"
ln "$src/hard-a" "$src/sub/hard-b"
long=$(printf '%0120d' 0 | tr 0 L).txt
echo long > "$src/$long"
echo cafe > "$src/café"
echo nihon > "$src/日本/ファイル.txt"
echo spaced > "$src/with space.txt"
ln -s one "$src/rel-link"
ln -s /etc/hostname "$src/abs-link"
ln -s nowhere/missing "$src/dangling"
ln -s ../k100 "$src/sub/up-link"
echo private > "$src/p600"
chmod 0600 "$src/p600"
printf '#!/bin/sh\necho hi\n' > "$src/x755"
chmod 0755 "$src/x755"
echo "read only" > "$src/r444"
chmod 0444 "$src/r444"
if [ "$(id -u)" -eq 0 ]; then
	echo setuid > "$src/suid"
	chmod 4755 "$src/suid"
	mkfifo "$src/fifo"
	mknod "$src/chr" c 1 3
else
	echo "files.sh: not root: no setuid file, FIFO or device in the tree"
fi
# fixed mtimes (and atimes), each its own, children before their directory
find "$src" -mindepth 1 -depth | awk '{ print NR " " $0 }' | while read -r i p; do
	touch -h -d "@$((1500000000 + i * 3607))" "$p"
done
# the tree without what 7-Zip cannot open in UDF (the directories'
# mtimes put back)
tree7=$T/src7
cp -a "$src" "$tree7"
find "$tree7" -type l -delete
rm -f "$tree7/fifo" "$tree7/chr"
find "$tree7" -type d | while read -r d; do
	touch -d "@$(stat -c %Y "$src${d#"$tree7"}")" "$d"
done

# --- the images ----------------------------------------------------------------
gi() { out=$1; shift; peer "$T/gi.log" genisoimage -quiet -input-charset utf-8 -o "$out" "$@"; }
# (genisoimage -R -J nine hours east: the records carry the offset)
peer "$T/gi.log" env TZ=JST-9 genisoimage -quiet -input-charset utf-8 \
	-o "$T/g-rj.iso" -R -J "$src"
gi "$T/g-r.iso" -R "$src"
gi "$T/g-j.iso" -J "$src"
gi "$T/g-l.iso" -l -D "$src"
peer "$T/xo.log" xorriso -as mkisofs -R -J -o "$T/x-rj.iso" "$src"
peer "$T/xo.log" xorriso -outdev "$T/x-z.iso" -zisofs default -map "$src" / \
	-set_filter_r --zisofs / -- -commit
gm "$T/out" master --quiet -o "$T/gm.iso" "$src"
gm "$T/out" master --quiet --fs iso+udf --udf-symlinks keep -o "$T/gm-br.iso" "$src"
for r in 1.02 2.01 2.50 2.60; do
	gm "$T/out" master --quiet --fs udf --udf-rev $r --udf-symlinks keep -o "$T/u$r.udf" "$src"
	gm "$T/out" master --quiet --fs udf --udf-rev $r -o "$T/u7-$r.udf" "$tree7"
done
took "images made"

# Every image: the listings agree with each other; no error.
for img in g-rj.iso g-r.iso g-j.iso g-l.iso x-rj.iso x-z.iso gm.iso gm-br.iso \
	u1.02.udf u2.01.udf u2.50.udf u2.60.udf; do
	listing "$T/$img" "$img"
done

# --- Rock Ridge: bsdtar, isoinfo -R, the source -------------------------------
# rr IMAGE: the Rock Ridge view of IMAGE (the default but for a bridge)
# against bsdtar's, isoinfo's and the source's, its extraction against
# bsdtar's and the source.  genisoimage's device number (PN high 0, low 0x100003 for 1,3: 20 bits
# of minor) reads as 0,1048579 in bsdtar, whose -x then fails on it:
# the device is left out of bsdtar's part for genisoimage's images.
rr() {
	img=$1
	bdrop=
	case $img in
	g-*) bdrop="--drop chr" ;;
	esac
	view=$img
	case $img in
	*-br.iso)
		view=$img.rr
		listing "$T/$img" "$view" --fs rockridge
		;;
	esac
	peer "$T/$img.bsdtar" bsdtar -tvf "$T/$img"
	same "$img: bsdtar's view differs" $BSDTAR "gm:$T/$view.json" "bsdtar:$T/$img.bsdtar" $bdrop
	peer "$T/$img.isoinfo" isoinfo -l -R -i "$T/$img"
	same "$img: isoinfo's Rock Ridge view differs" type,perm9,nlink,uid,gid,size,target,extent \
		"gm:$T/$view.json" "isoinfo-rr:$T/$img.isoinfo"
	same "$img: the Rock Ridge view differs from the source" $ALL \
		"gm:$T/$view.json" "disk:$src"
	fs=
	[ "$view" = "$img" ] || fs="--fs rockridge"
	unpack "$T/$img" "$T/x.gm" $fs
	# (first, before reading the files moves their atimes; those are the
	# image's, the source's moved when it was read)
	same "$img: the extracted atimes are not the listed ones" atime "gm:$T/$view.json" "disk:$T/x.gm"
	bsdtar_x "$T/$img" "$T/x.bsdtar" ${bdrop:+--exclude chr}
	same "$img: extract differs from bsdtar -x" $DISK "disk:$T/x.gm" "disk:$T/x.bsdtar" $bdrop
	same "$img: extract differs from the source" $DISK "disk:$T/x.gm" "disk:$src"
}
rr g-rj.iso
rr g-r.iso
rr x-rj.iso
rr gm.iso
rr gm-br.iso
took "Rock Ridge"

# The tree genisoimage relocated (-R: deep/.../d6/d7 went to rr_moved)
# is back in place, and no rr_moved is left with anything in it.
for img in g-rj.iso g-r.iso; do
	grep -q '^Directory listing of /rr_moved/d7/' "$T/$img.isoinfo" ||
		fail "genisoimage did not relocate deep/d1/.../d7 in $img: the test needs it"
	has "$T/$img.json" /deep/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/bottom.txt
done

# zisofs: xorriso really compressed compressible.txt (isoinfo shows the
# stored size), ls shows the file's size and "zisofs": true, bsdtar and
# extract give the data.
peer "$T/x-z.isoinfo" isoinfo -l -R -i "$T/x-z.iso"
stored=$(awk '$NF == "compressible.txt" { print $5 }' "$T/x-z.isoinfo")
[ -n "$stored" ] && [ "$stored" -lt 100000 ] ||
	{ cat "$T/x-z.isoinfo"; fail "xorriso did not compress compressible.txt (stored: '$stored' bytes)"; }
python3 - "$T/x-z.iso.json" <<'EOF' || fail "x-z.iso: ls does not show compressible.txt as zisofs of 200000 bytes"
import json, sys
e = {x["path"]: x for x in json.load(open(sys.argv[1]))}
c = e["/compressible.txt"]
sys.exit(not (c.get("zisofs") is True and c["size"] == 200000 and
              not e["/m3"].get("zisofs")))
EOF
peer "$T/x-z.bsdtar" bsdtar -tvf "$T/x-z.iso"
same "x-z.iso: bsdtar's view differs" $BSDTAR "gm:$T/x-z.iso.json" "bsdtar:$T/x-z.bsdtar"
same "x-z.iso: isoinfo's view differs" type,perm9,nlink,uid,gid,target,extent \
	"gm:$T/x-z.iso.json" "isoinfo-rr:$T/x-z.isoinfo"
same "x-z.iso: the view differs from the source" $ALL "gm:$T/x-z.iso.json" "disk:$src"
unpack "$T/x-z.iso" "$T/x.gm"
bsdtar_x "$T/x-z.iso" "$T/x.bsdtar"
same "x-z.iso: extract differs from bsdtar -x" $DISK "disk:$T/x.gm" "disk:$T/x.bsdtar"
same "x-z.iso: extract differs from the source" $DISK "disk:$T/x.gm" "disk:$src"
took "zisofs"

# --- Joliet: 7z, isoinfo -J ------------------------------------------------------
# joliet IMAGE: the Joliet view against 7z's and isoinfo's; extract
# --fs joliet against 7z x
joliet() {
	img=$1
	view=$img
	fs=
	if [ "$img" != g-j.iso ]; then
		view=$img.joliet
		fs="--fs joliet"
		listing "$T/$img" "$view" $fs
	fi
	peer "$T/$img.isoinfo.j" isoinfo -j iso8859-1 -l -J -i "$T/$img"
	same "$img: isoinfo's Joliet view differs" type,size,extent \
		"gm:$T/$view.json" "isoinfo-joliet:$T/$img.isoinfo.j" --latin1
	peer "$T/$img.7z" 7z l -slt "$T/$img"
	z7=$(z7_type "$T/$img.7z")
	if [ "$z7" != Iso ]; then
		# (a 7-Zip that reads the bridge's UDF side with its symlinks)
		[ "$img" = gm-br.iso ] || fail "$img: 7z opened it as '$z7', not Iso"
		echo "files.sh: note: 7z reads $img as $z7: its Joliet tree is not compared with 7z"
		return 0
	fi
	same "$img: 7z's Joliet view differs" type,size,mtime "gm:$T/$view.json" "7z:$T/$img.7z"
	unpack "$T/$img" "$T/x.gm" $fs
	z7_x "$T/$img" "$T/x.7z"
	same "$img: extract $fs differs from 7z x" type,size,md5,mtime "disk:$T/x.gm" "disk:$T/x.7z"
}
for img in g-rj.iso g-j.iso x-rj.iso gm.iso gm-br.iso; do
	joliet $img
done
# bsdtar reads the Joliet tree of a Joliet-only image (modes made up)
peer "$T/g-j.bsdtar" bsdtar -tvf "$T/g-j.iso"
same "g-j.iso: bsdtar's view differs" type,size "gm:$T/g-j.iso.json" "bsdtar:$T/g-j.bsdtar"
bsdtar_x "$T/g-j.iso" "$T/x.bsdtar"
unpack "$T/g-j.iso" "$T/x.gm"
same "g-j.iso: extract differs from bsdtar -x" type,size,md5,mtime "disk:$T/x.gm" "disk:$T/x.bsdtar"
took "Joliet"

# --- plain ISO 9660: 7z, isoinfo, bsdtar -------------------------------------------
peer "$T/g-l.7z" 7z l -slt "$T/g-l.iso"
same "g-l.iso: 7z's view differs" type,size,mtime "gm:$T/g-l.iso.json" "7z:$T/g-l.7z"
peer "$T/g-l.isoinfo" isoinfo -l -i "$T/g-l.iso"
same "g-l.iso: isoinfo's view differs" type,size,extent "gm:$T/g-l.iso.json" "isoinfo-iso:$T/g-l.isoinfo"
peer "$T/g-l.bsdtar" bsdtar -tvf "$T/g-l.iso"
same "g-l.iso: bsdtar's view differs" type,size "gm:$T/g-l.iso.json" "bsdtar:$T/g-l.bsdtar"
unpack "$T/g-l.iso" "$T/x.gm"
z7_x "$T/g-l.iso" "$T/x.7z"
same "g-l.iso: extract differs from 7z x" type,size,md5,mtime "disk:$T/x.gm" "disk:$T/x.7z"
# --fs iso9660 of a Rock Ridge image: the primary names, RR_MOVED as it
# is, the relocated directory's place a file of 0 bytes (as isoinfo shows)
listing "$T/g-rj.iso" g-rj.iso.iso --fs iso9660
peer "$T/g-rj.isoinfo.iso" isoinfo -l -i "$T/g-rj.iso"
same "g-rj.iso: --fs iso9660 differs from isoinfo's plain view" type,size,extent \
	"gm:$T/g-rj.iso.iso.json" "isoinfo-iso:$T/g-rj.isoinfo.iso"
took "plain ISO 9660"

# --- UDF: the source, udfinfo, 7z ----------------------------------------------
# udfcount JSON INFO: udfinfo's counts (numfiles counts each non-directory
# inode, numdirs the root too) match the listing
udfcount() {
	python3 - "$1" "$2" <<'EOF' || fail "$1: udfinfo counts other files and directories"
import json, sys
e = json.load(open(sys.argv[1]))
info = dict(l.strip().split("=", 1) for l in open(sys.argv[2]) if "=" in l)
files = len({x["ino"] for x in e if x["type"] != "dir"})
dirs = sum(x["type"] == "dir" for x in e) + 1
print("udfinfo: numfiles=%s numdirs=%s; ls: %d, %d" % (info.get("numfiles"), info.get("numdirs"), files, dirs))
sys.exit(not (info.get("numfiles") == str(files) and info.get("numdirs") == str(dirs)))
EOF
}
for r in 1.02 2.01 2.50 2.60; do
	img=u$r.udf
	same "$img: the UDF view differs from the source" $ALL "gm:$T/$img.json" "disk:$src"
	peer "$T/$img.info" udfinfo "$T/$img"
	udfcount "$T/$img.json" "$T/$img.info"
	unpack "$T/$img" "$T/x.gm"
	same "$img: the extracted atimes are not the listed ones" atime "gm:$T/$img.json" "disk:$T/x.gm"
	same "$img: extract differs from the source" $DISK "disk:$T/x.gm" "disk:$src"
	# 7-Zip on the tree of files and directories only
	img=u7-$r.udf
	listing "$T/$img" "$img"
	peer "$T/$img.7z" 7z l -slt "$T/$img"
	[ "$(z7_type "$T/$img.7z")" = Udf ] || fail "$img: 7z opened it as '$(z7_type "$T/$img.7z")', not Udf"
	# (atime, ctime and link counts where this 7-Zip prints them: 7-Zip
	# 26 does, as "Accessed", "Metadata Changed", "Links")
	f7=type,size,mtime
	! grep -q '^Accessed = ' "$T/$img.7z" || f7=$f7,atime
	! grep -q '^Metadata Changed = ' "$T/$img.7z" || f7=$f7,ctime
	! grep -q '^Links = ' "$T/$img.7z" || f7=$f7,nlink
	same "$img: 7z's view differs" $f7 "gm:$T/$img.json" "7z:$T/$img.7z"
	same "$img: the UDF view differs from the source" $ALL "gm:$T/$img.json" "disk:$tree7"
	unpack "$T/$img" "$T/x.gm"
	z7_x "$T/$img" "$T/x.7z"
	same "$img: extract differs from 7z x" type,size,md5,mtime "disk:$T/x.gm" "disk:$T/x.7z"
done
# The bridge reads as UDF by default, the same tree as its Rock Ridge
# side, each file's data where the ISO 9660 side has it.
same "gm-br.iso: the UDF view differs from the source" $ALL "gm:$T/gm-br.iso.json" "disk:$src"
same "gm-br.iso: UDF and Rock Ridge views differ" $ALL,extent \
	"gm:$T/gm-br.iso.json" "gm:$T/gm-br.iso.rr.json"
[ "$(grep -c '"type"' "$T/gm-br.iso.json")" -eq "$(grep -c '"type"' "$T/gm-br.iso.rr.json")" ] ||
	fail "gm-br.iso: the UDF and Rock Ridge listings have other lengths"
unpack "$T/gm-br.iso" "$T/x.gm"
same "gm-br.iso: extract differs from the source" $DISK "disk:$T/x.gm" "disk:$src"
took "UDF"

# mkudffs: an empty file system of another writer lists as nothing; with
# a kernel that mounts it, filled by the kernel, as the source.
truncate -s 8M "$T/mk.udf"
peer "$T/mk.log" mkudffs --blocksize=2048 --media-type=hd "$T/mk.udf"
listing "$T/mk.udf" mk.udf
[ "$(tr -d ' \n' < "$T/mk.udf.json")" = "[]" ] ||
	{ cat "$T/mk.udf.json"; fail "mk.udf: an empty UDF does not list as []"; }
mkdir "$T/mnt"
if [ "$(id -u)" -eq 0 ] && mount -t udf -o loop "$T/mk.udf" "$T/mnt" 2> "$T/mount.err"; then
	say "mount -t udf -o loop mk.udf; cp -a src/. mnt/"
	cp -a "$src/." "$T/mnt/" && sync || { umount "$T/mnt"; fail "cp -a into the mounted mkudffs image"; }
	umount "$T/mnt" || fail "umount of the mkudffs image"
	listing "$T/mk.udf" mk.udf
	same "mk.udf (kernel-filled): the view differs from the source" $ALL "gm:$T/mk.udf.json" "disk:$src"
	unpack "$T/mk.udf" "$T/x.gm"
	same "mk.udf (kernel-filled): extract differs from the source" $DISK "disk:$T/x.gm" "disk:$src"
	took "mkudffs + kernel"
else
	echo "files.sh: note: no kernel UDF through mount -o loop here ($(head -n 1 "$T/mount.err" 2> /dev/null)): the kernel-filled mkudffs image is not checked"
fi

# --- El Torito: [BOOT] as 7-Zip names it ---------------------------------------
bt=$T/bt
mkdir "$bt"
head -c 4096 /dev/urandom > "$bt/boot.img"
head -c 8192 /dev/urandom > "$bt/efi.img"
head -c 1474560 /dev/urandom > "$bt/floppy.img"
echo hello > "$bt/hello.txt"
gi "$T/boot3.iso" -R -J -b boot.img -no-emul-boot -boot-load-size 4 -c boot.cat \
	-eltorito-alt-boot -e efi.img -no-emul-boot -eltorito-alt-boot -b floppy.img "$bt"
gm "$T/out" master --quiet --boot boot.img -o "$T/boot1.iso" "$bt"
for img in boot3.iso boot1.iso; do
	listing "$T/$img" "$img"
	peer "$T/$img.7z" 7z l -slt "$T/$img"
	say "fstree.py boot $img"
	fstree boot "$T/$img.json" "$T/$img.7z" > "$T/cmp" 2>&1 ||
		{ cat "$T/cmp" >&2; fail "$img: the [BOOT] entries are not 7-Zip's"; }
	listing "$T/$img" "$img.joliet" --fs joliet
	fstree boot "$T/$img.joliet.json" "$T/$img.7z" > "$T/cmp" 2>&1 ||
		{ cat "$T/cmp" >&2; fail "$img: the [BOOT] entries of --fs joliet are not 7-Zip's"; }
	same "$img: the tree but [BOOT] differs from the source" type,size \
		"gm:$T/$img.json" "disk:$bt" --drop boot.cat
	# the boot images' bytes are 7-Zip's
	unpack "$T/$img" "$T/x.gm"
	z7_x "$T/$img" "$T/x.7z"
	for f in "$T/x.7z/[BOOT]"/*; do
		cmp "$f" "$T/x.gm/[BOOT]/${f##*/}" ||
			fail "$img: extract's [BOOT]/${f##*/} differs from 7z's"
	done
done
has "$T/boot3.iso.json" "/[BOOT]" "/[BOOT]/1-Boot-NoEmul.img" "/[BOOT]/2-Boot-NoEmul.img" \
	"/[BOOT]/3-Boot-1.44M.img"
has "$T/boot1.iso.json" "/[BOOT]/Boot-NoEmul.img"
took "El Torito"

# --- other containers of the same ISO --------------------------------------------
gm "$T/out" convert "$T/g-rj.iso" "$T/c.cue"
gm "$T/out" convert "$T/g-rj.iso" "$T/k.ccd"
gm "$T/out" convert "$T/g-rj.iso" "$T/t.toc"
n=$(( $(wc -c < "$T/c.bin") / 2352 ))
peer "$T/mk.log" "$MKIMAGE" nrg2 "$T/c.bin" "$T/c.nrg" "mode1:$n"
peer "$T/mk.log" "$MKIMAGE" tao1 "$T/c.bin" "$T/cooked.nrg" "mode1c:$n"
peer "$T/mk.log" "$MKIMAGE" mds "$T/c.bin" "$T/c.mds" "mode1:$n"
for c in c.cue k.ccd t.toc c.nrg cooked.nrg c.mds; do
	gm "$T/$c.json" ls -R --json "$T/$c"
	say "fstree.py json-eq g-rj.iso.json $c.json"
	fstree json-eq "$T/g-rj.iso.json" "$T/$c.json" > "$T/cmp" 2>&1 ||
		{ cat "$T/cmp" >&2; fail "$c lists otherwise than the ISO it holds"; }
done
unpack "$T/c.cue" "$T/x.cue"
unpack "$T/g-rj.iso" "$T/x.gm"
same "c.cue: extract differs from the ISO's" $DISK "disk:$T/x.cue" "disk:$T/x.gm"
# the bridge (UDF) as a DVD in an MDS
peer "$T/mk.log" "$MKIMAGE" mds-dvd "$T/gm-br.iso" "$T/br.mds"
gm "$T/br.mds.json" ls -R --json "$T/br.mds"
fstree json-eq "$T/gm-br.iso.json" "$T/br.mds.json" > "$T/cmp" 2>&1 ||
	{ cat "$T/cmp" >&2; fail "br.mds lists otherwise than the bridge it holds"; }
took "containers"

# --- PATH arguments ------------------------------------------------------------------
# ls IMAGE DIR: its entries; ls -R --json IMAGE DIR: the subtree; extract
# IMAGE PATH: that subtree at its own path, nothing else.
gm "$T/sub.ls" ls "$T/gm.iso" /sub
sort "$T/sub.ls" > "$T/sub.sorted"
printf 'hard-b\nup-link\n' | cmp -s - "$T/sub.sorted" ||
	{ cat "$T/sub.ls"; fail "ls gm.iso /sub lists other entries than hard-b, up-link"; }
gm "$T/hard-b.ls" ls "$T/gm.iso" /sub/hard-b
[ "$(cat "$T/hard-b.ls")" = /sub/hard-b ] || { cat "$T/hard-b.ls"; fail "ls gm.iso /sub/hard-b does not show that path alone"; }
gm "$T/deep.json" ls -R --json "$T/gm.iso" /deep
gm "$T/deep.lsR" ls -R "$T/gm.iso" /deep
python3 - "$T/gm.iso.json" "$T/deep.json" "$T/deep.lsR" <<'EOF' || fail "ls -R (--json) gm.iso /deep is not the subtree of the whole listing"
import json, sys
full = [e for e in json.load(open(sys.argv[1])) if e["path"].startswith("/deep/")]
text = [l.rstrip("\n") for l in open(sys.argv[3], encoding="utf-8")]
want = [e["path"][len("/deep/"):] + ("/" if e["type"] == "dir" else "") for e in full]
if sorted(text) != sorted(want):
    print("ls -R gm.iso /deep:", text)
    print("expected:", want)
    sys.exit(1)
sub = json.load(open(sys.argv[2]))
key = lambda e: e["path"]
if sorted(full, key=key) != sorted(sub, key=key):
    print("whole:", sorted(e["path"] for e in full))
    print("/deep:", sorted(e["path"] for e in sub))
    sys.exit(1)
EOF
rm -rf "$T/x.sub"
gm "$T/out" extract "$T/gm.iso" /sub 日本 -C "$T/x.sub"
[ "$(ls -A "$T/x.sub" | sort | tr '\n' ' ')" = "sub 日本 " ] ||
	fail "extract gm.iso /sub 日本 made: $(ls -A "$T/x.sub" | tr '\n' ' ')"
same "extract of /sub differs from the source's" type,perm,size,md5,mtime,target \
	"disk:$T/x.sub/sub" "disk:$src/sub"
same "extract of 日本 differs from the source's" $DISK "disk:$T/x.sub/日本" "disk:$src/日本"
took "PATH arguments"

# --- multisession: a BIN/CUE of two sessions (genisoimage -C puts the
# second's extents after the first session, its lead-out and the next
# lead-in and pregap: LBA n1 + 6750 + 4500 + 150); the last session is
# read by default, --session 1 the first, --session 3 is no session
mkdir -p "$T/ms/d1" "$T/ms/d2"
echo one > "$T/ms/d1/a.txt"
echo newer > "$T/ms/d2/a.txt"
echo two > "$T/ms/d2/b.txt"
echo "\$ genisoimage -quiet -R -o $T/ms/s1.iso $T/ms/d1"
genisoimage -quiet -R -o "$T/ms/s1.iso" "$T/ms/d1" || fail "genisoimage (session 1)"
n1=$(( $(wc -c < "$T/ms/s1.iso") / 2048 ))
cat > "$T/ms/ms.cue" <<EOF
REM SESSION 01
FILE "s1.iso" BINARY
  TRACK 01 MODE1/2048
    INDEX 01 00:00:00
REM SESSION 02
FILE "s2.iso" BINARY
  TRACK 02 MODE1/2048
    PREGAP 00:02:00
    INDEX 01 00:00:00
EOF
s2=$(( n1 + 6750 + 4500 + 150 ))
echo "\$ genisoimage -quiet -R -C $n1,$s2 -o $T/ms/s2.iso $T/ms/d2"
genisoimage -quiet -R -C "$n1,$s2" -o "$T/ms/s2.iso" "$T/ms/d2" 2> /dev/null ||
	fail "genisoimage (session 2)"
gm "$T/ms/last" ls -R "$T/ms/ms.cue"
[ "$(sort "$T/ms/last" | tr '\n' ' ')" = "a.txt b.txt " ] ||
	fail "ls of the last session shows: $(cat "$T/ms/last")"
gm "$T/ms/first" ls -R --session 1 "$T/ms/ms.cue"
[ "$(cat "$T/ms/first")" = "a.txt" ] || fail "ls --session 1 shows: $(cat "$T/ms/first")"
gm "$T/out" extract "$T/ms/ms.cue" -C "$T/ms/x2"
[ "$(cat "$T/ms/x2/a.txt" "$T/ms/x2/b.txt" | tr '\n' ' ')" = "newer two " ] ||
	fail "extract of the last session gave other files"
gm "$T/out" extract --session 1 "$T/ms/ms.cue" -C "$T/ms/x1"
[ "$(cat "$T/ms/x1/a.txt")" = one ] || fail "extract --session 1 gave another a.txt"
echo "\$ glassmaster ls --session 3 $T/ms/ms.cue"
st=0
"$GM" ls --session 3 "$T/ms/ms.cue" > /dev/null 2> "$T/ms/err" || st=$?
[ $st -eq 2 ] && grep -q "no data track in session 3" "$T/ms/err" ||
	fail "ls --session 3: exit $st: $(cat "$T/ms/err")"
took "multisession"

# A write that fails stops extract with status 3 and removes the file it
# was writing; every file left is whole.  A file-size limit fails the
# write (EFBIG, with SIGXFSZ ignored) as a full disk does (ENOSPC), with
# no file system to fill: 1 MiB, below m3's 3 MiB.
echo "\$ (ulimit -f 2048; glassmaster extract $T/gm.iso -C $T/x.full)"
st=0
( trap '' XFSZ; ulimit -f 2048; exec "$GM" extract "$T/gm.iso" -C "$T/x.full" ) \
	> /dev/null 2> "$T/full.err" || st=$?
[ $st -eq 3 ] && grep -q "cannot write '/m3': File too large" "$T/full.err" ||
	fail "extract past a size limit: exit $st (3 expected): $(cat "$T/full.err")"
[ ! -e "$T/x.full/m3" ] || fail "extract left the m3 it could not write whole"
torn=$(cd "$T/x.full" && find . -type f | while read -r f; do
	cmp -s "$f" "$src/$f" || echo "$f"
done)
[ -z "$torn" ] || fail "extract past a size limit left files not whole: $torn"
took "a failed write"

echo "files.sh: $(( $(date +%s) - began )) s in all"
