# files_qemu.sh - ls, extract and mount on drives, against the Linux
# kernel, in one QEMU guest (tests/qemu/guest.sh).  Three images of one
# small tree (nested directories, one relocated by genisoimage past depth
# 8, relative/absolute/directory symlinks, a hard link, a FIFO, setuid,
# sticky and 0700/0640 modes, another owner, set mtimes) go in as CD
# drives: a Rock Ridge + Joliet ISO (genisoimage -R -J, ATAPI), a UDF 2.50
# image (glassmaster master, virtio-scsi) and an ISO 9660 + UDF bridge
# (glassmaster master, ATAPI).  In the guest, for each drive:
#   - the kernel mounts it (isofs: Rock Ridge; udf; the bridge both ways)
#     and its view comes back twice: stat of every entry (mode, links,
#     owner, size, mtime, inode; readlink) and a busybox tar of the mount;
#   - glassmaster ls -R --json /dev/srN (and /dev/sgN) and extract
#     /dev/srN -C /out/x-N read the drive through MMC commands;
#   - glassmaster mount /dev/srN (FUSE) is read the same way as the
#     kernel's mount, and so is a mount of the ISO as a file in the guest.
# On the host (fstree.py): the kernel's stat = `ls -R --json` of the image
# file on the host, the kernel's tar = our extract in the guest (contents
# by MD5 too), that extract = the host's listing, the guest's listing of
# the drive = the host's listing of the file (every key, extents and
# inode numbers included), and each FUSE mount = the listing (inode
# numbers too) and = the extract.
# Fields, and why some are left out where they are:
#   - isofs gives an entry the inode number of its directory record's
#     place, so the two names of a hard link are two inodes (each with
#     Rock Ridge's link count, 2): for the kernel's ISO 9660 views nlink
#     is compared from stat but the link groups ("links") are not, and
#     its tar (which splits them into two files) is compared without
#     nlink and links.
#   - the udf driver takes the File Entry's uid/gid unless they are -1
#     or uid=/gid= options say otherwise (none are given): the writer
#     records the real owners, so owners are compared there too.
#   - atime/ctime are not compared (the tmpfs and tar transport keep no
#     atime; ctime cannot be restored).
# Without QEMU or the guest kernel the test is skipped (77).  Without
# FUSE in the guest (no fuse module for its kernel, no /dev/fuse) the
# mount part is left out with a note; it is not a failure.
. "$(dirname "$0")/lib.sh"

command -v genisoimage > /dev/null || fail "genisoimage is not installed"
FSTREE="$srcdir/tests/cli/fstree.py"
unset SOURCE_DATE_EPOCH
say() { echo "\$ $*"; }
# same FIELDS A B WHAT
same() {
	echo "\$ fstree.py compare $1 $(echo "$2" | sed "s|$T/||") $(echo "$3" | sed "s|$T/||")"
	python3 "$FSTREE" compare "$1" "$2" "$3" || fail "$4"
}

# Owners only where the host kept them (tar unpacks them as root)
own=uid,gid,
[ "$(id -u)" = 0 ] || { own=; echo "files_qemu.sh: not root: owners not compared"; }

# --- the tree and its images ----------------------------------------------
S=$T/src
mkdir -p "$S/a/b/c/d/e/f/g/h/i" "$S/empty" "$S/sub"
printf 'hello\n' > "$S/hello.txt"
head -c 70000 /dev/urandom > "$S/a/rand.bin"
seq 1 3000 > "$S/sub/seq.txt"
: > "$S/zero"
echo deep > "$S/a/b/c/d/e/f/g/h/i/deep.txt"
ln "$S/sub/seq.txt" "$S/a/hard"
ln -s ../hello.txt "$S/sub/rel"
ln -s /etc/hostname "$S/abs"
ln -s b/c "$S/a/dirlink"
mkfifo "$S/fifo"
chmod 0640 "$S/hello.txt"
chmod 4755 "$S/a/rand.bin"
chmod 1777 "$S/empty"
chown 1234:5678 "$S/sub/seq.txt" 2> /dev/null || echo "files_qemu.sh: not root: every owner is $(id -u)"
touch -d '2021-03-04 05:06:07 UTC' "$S/hello.txt" "$S/a/rand.bin"
touch -h -d '2019-01-02 03:04:05 UTC' "$S/sub/rel" "$S/abs"
touch -d '2018-05-06 07:08:09 UTC' "$S/a/b/c/d/e/f/g/h/i/deep.txt" "$S/a/b/c/d/e/f/g/h/i"
touch -d '2020-06-07 08:09:10 UTC' "$S/a/b/c" "$S/a" "$S/empty"
chmod 0700 "$S/sub"
touch -d '2017-01-01 00:00:01 UTC' "$S/sub" "$S"

say genisoimage -quiet -R -J -o rr.iso src
genisoimage -quiet -R -J -o "$T/rr.iso" "$S" || fail "genisoimage failed"
say glassmaster master --quiet --fs udf --udf-rev 2.50 --udf-symlinks keep -o u250.udf src
run 0 "$GM" master --quiet --fs udf --udf-rev 2.50 --udf-symlinks keep -o "$T/u250.udf" "$S"
say glassmaster master --quiet --fs iso+udf --udf-symlinks keep -o br.iso src
run 0 "$GM" master --quiet --fs iso+udf --udf-symlinks keep -o "$T/br.iso" "$S"

# The host's listings of the image files: what everything is held to.
for v in rr:rr.iso: udf:u250.udf: br:br.iso: br-iso:br.iso:--fs=rockridge; do
	name=${v%%:*} rest=${v#*:}
	img=${rest%%:*} opt=$(echo "${rest#*:}" | tr = ' ')
	say glassmaster ls -R --json $opt "$img"
	run 0 "$GM" ls -R --json $opt "$T/$img"
	cp "$T/out" "$T/$name.host.json"
	[ -s "$T/$name.host.json" ] || fail "ls -R --json $img printed nothing"
done

# The premise: each listing is the source tree (nothing below compares
# empty or foreign trees)
for n in rr udf br br-iso; do
	same "type,perm,nlink,${own}size,mtime,target,links" "gm:$T/$n.host.json" "disk:$S" \
		"ls -R --json of the $n image is not the tree it was made of"
done

# --- the guest ---------------------------------------------------------------
# Drive 0 rr.iso (ide-cd), 1 u250.udf (scsi-cd), 2 br.iso (ide-cd);
# /files/rr.iso for a FUSE mount of a file.
cat > "$T/guest.sh" <<'GUEST'
# x CMD...: show CMD on the guest's stdout, run it
x() { echo "guest\$ $*"; "$@"; }
# rx NAME CMD...: x, with r's NAME.out/.err/.status
rx() { rx_name=$1; shift; echo "guest\$ $*"; r "$rx_name" "$@"; }
# view NAME DIR: stat and readlink of everything below DIR, and a tar
view() {
	(cd "$2" && find . -exec stat -c '%f|%h|%u|%g|%s|%Y|%i|%n' {} \;) > "/out/$1.stat" 2> "/out/$1.view.err"
	(cd "$2" && find . -type l -exec sh -c 'echo "$1|$(readlink "$1")"' _ {} \;) > "/out/$1.links" 2>> "/out/$1.view.err"
	tar -C "$2" -cf "/out/$1.tar" . 2>> "/out/$1.view.err"
	echo $? > "/out/$1.view.status"
}
cat /drives
mkdir -p /mnt/k /mnt/f

# kernel: NAME DEVICE FSTYPE
kernel() {
	rx "mount-$1" mount -t "$3" -o ro "$2" /mnt/k
	if [ "$(cat "/out/mount-$1.status")" = 0 ]; then
		view "k-$1" /mnt/k
		x umount /mnt/k
	fi
}
kernel rr "$GM_SR_0" iso9660
kernel udf "$GM_SR_1" udf
kernel br "$GM_SR_2" udf
kernel br-iso "$GM_SR_2" iso9660

# ours, on the drives
for d in rr:0 udf:1 br:2; do
	n=${d%:*}
	eval "sr=\$GM_SR_${d#*:}"
	rx "ls-$n" glassmaster ls -R --json "$sr"
	eval "sg=\$GM_SG_${d#*:}"
	rx "lsg-$n" glassmaster ls -R --json "$sg"
	rx "x-$n" glassmaster extract "$sr" -C "/out/x-$n"
done

# FUSE: the module is in the harness's list when the kernel has it as one;
# devtmpfs makes /dev/fuse when it loads
if ! grep -qw fuse /proc/filesystems; then
	echo "the guest kernel has no fuse file system" > /out/fuse.none
else
	[ -c /dev/fuse ] || x mknod /dev/fuse c 10 229
	for d in rr:$GM_SR_0 udf:$GM_SR_1 br:$GM_SR_2 file:/files/rr.iso; do
		n=${d%%:*}
		rx "fmount-$n" glassmaster mount "${d#*:}" /mnt/f
		if [ "$(cat "/out/fmount-$n.status")" = 0 ]; then
			grep " /mnt/f " /proc/mounts > "/out/fmount-$n.mounts"
			view "f-$n" /mnt/f
			rx "fumount-$n" umount /mnt/f
			# the daemon ends with its mount
			i=0
			while pidof glassmaster > /dev/null && [ $i -lt 50 ]; do
				usleep 100000
				i=$((i + 1))
			done
			pidof glassmaster > "/out/fumount-$n.left"
		fi
	done
fi
uptime
exit 0
GUEST

say sh tests/qemu/guest.sh ... --drive ide-cd:rr.iso --drive scsi-cd:u250.udf --drive ide-cd:br.iso --file rr.iso
start=$(date +%s)
status=0
sh "$srcdir/tests/qemu/guest.sh" --builddir "$builddir" \
	--cache "${GM_QEMU_CACHE:-$builddir/tests/qemu-cache}" \
	--drive "ide-cd:$T/rr.iso" --drive "scsi-cd:$T/u250.udf" --drive "ide-cd:$T/br.iso" \
	--file "$T/rr.iso" --script "$T/guest.sh" --out "$T/guest" --timeout 240 \
	> "$T/guest.log" 2>&1 || status=$?
if [ $status -eq 77 ]; then
	echo "$(basename "$0"): the kernel: skipped: $(tail -n 1 "$T/guest.log")"
	exit 77
fi
G=$T/guest
cat "$T/guest.log"
cat "$G/guest.stdout" 2> /dev/null || :
[ $status -eq 0 ] || {
	cat "$G/guest.stderr" "$G"/*.err 2> /dev/null
	fail "the guest script ended with status $status"
}
echo "files_qemu.sh: the guest: $(( $(date +%s) - start )) s"

# ok NAME WHAT: the guest's command NAME exited 0
ok() {
	[ -f "$G/$1.status" ] || fail "the guest did not run $2"
	[ "$(cat "$G/$1.status")" = 0 ] ||
		{ cat "$G/$1.err"; fail "in the guest, $2 exited with $(cat "$G/$1.status")"; }
	[ ! -f "$G/$1.err" ] || [ ! -s "$G/$1.err" ] || { echo "--- $2 said:"; cat "$G/$1.err"; }
}
# viewed NAME WHAT: the view NAME came back whole; its tar unpacked in $T/NAME
viewed() {
	[ "$(cat "$G/$1.view.status" 2> /dev/null)" = 0 ] && [ ! -s "$G/$1.view.err" ] ||
		{ cat "$G/$1.view.err" 2> /dev/null; fail "$2: reading it in the guest failed"; }
	mkdir "$T/$1"
	tar --numeric-owner -xpf "$G/$1.tar" -C "$T/$1" || fail "$2: its tar does not unpack"
	python3 - "$G/$1.stat" "$G/$1.links" > "$T/$1.json" <<'PY' || fail "$2: cannot read its stat listing"
import json, stat, sys
TYPES = {stat.S_IFREG: "file", stat.S_IFDIR: "dir", stat.S_IFLNK: "symlink",
         stat.S_IFCHR: "char", stat.S_IFBLK: "block", stat.S_IFIFO: "fifo",
         stat.S_IFSOCK: "socket"}
targets = {}
for line in open(sys.argv[2], encoding="utf-8"):
    p, t = line.rstrip("\n").split("|", 1)
    targets[p] = t
out = []
for line in open(sys.argv[1], encoding="utf-8"):
    mode, nlink, uid, gid, size, mtime, ino, p = line.rstrip("\n").split("|", 7)
    mode = int(mode, 16)
    e = {"path": p[1:] or "/", "type": TYPES[stat.S_IFMT(mode)], "mode": mode,
         "nlink": int(nlink), "uid": int(uid), "gid": int(gid),
         "size": int(size), "mtime": int(mtime), "ino": int(ino)}
    if p in targets:
        e["target"] = targets[p]
    out.append(e)
json.dump(out, sys.stdout)
PY
}
ALL=type,perm,nlink,${own}size,mtime,target,links
for n in rr udf br; do
	ok "ls-$n" "glassmaster ls -R --json on the $n drive"
	ok "x-$n" "glassmaster extract of the $n drive"
	cp "$G/ls-$n.out" "$T/$n.guest.json"
	# the drive through MMC = the image file, to the last key
	echo "\$ fstree.py json-eq $n.host.json $n.guest.json"
	python3 "$FSTREE" json-eq "$T/$n.host.json" "$T/$n.guest.json" ||
		fail "ls -R --json of the $n drive in the guest differs from the image file's on the host"
	ok "lsg-$n" "glassmaster ls -R --json on the $n drive's sg node"
	cp "$G/lsg-$n.out" "$T/$n.guest-sg.json"
	echo "\$ fstree.py json-eq $n.host.json $n.guest-sg.json"
	python3 "$FSTREE" json-eq "$T/$n.host.json" "$T/$n.guest-sg.json" ||
		fail "ls -R --json of the $n drive's sg node in the guest differs from the image file's on the host"
	same "$ALL" "gm:$T/$n.host.json" "disk:$G/x-$n" \
		"extract of the $n drive in the guest differs from ls -R --json of the file"
	same "type,perm,nlink,${own}size,md5,mtime,target,links" "disk:$S" "disk:$G/x-$n" \
		"extract of the $n drive in the guest is not the tree the image was made of"
done

# The kernel's views
for v in rr:rr:iso udf:udf:udf br:br:udf br-iso:br:iso; do
	n=${v%%:*} x=${v#*:} kind=${v##*:}
	x=${x%:*}
	ok "mount-$n" "the kernel's mount of the $n drive"
	viewed "k-$n" "the kernel's $n view"
	if [ $kind = iso ]; then
		statf=type,perm,nlink,${own}size,mtime,target
		tarf=type,perm,${own}size,md5,mtime,target
	else
		statf=$ALL
		tarf=type,perm,nlink,${own}size,md5,mtime,target,links
	fi
	same "$statf" "gm:$T/k-$n.json" "gm:$T/$n.host.json" \
		"the kernel's $n view (stat) differs from ls -R --json of the file"
	same "$tarf" "disk:$T/k-$n" "disk:$G/x-$x" \
		"the kernel's $n view (its files) differs from our extract of the drive"
done

# FUSE
if [ -f "$G/fuse.none" ]; then
	echo "files_qemu.sh: NOTE: no FUSE in the guest ($(cat "$G/fuse.none")): glassmaster mount not checked"
else
	for v in rr:rr udf:udf br:br file:rr; do
		n=${v%:*} x=${v#*:}
		ok "fmount-$n" "glassmaster mount of $n"
		grep -q " fuse" "$G/fmount-$n.mounts" || fail "mount of $n: /mnt/f is no FUSE mount: $(cat "$G/fmount-$n.mounts")"
		viewed "f-$n" "the FUSE mount of $n"
		ok "fumount-$n" "umount of the FUSE mount of $n"
		[ ! -s "$G/fumount-$n.left" ] ||
			fail "glassmaster mount of $n: its process ($(cat "$G/fumount-$n.left")) was still there 5 s after umount"
		same "$ALL" "gm:$T/f-$n.json" "gm:$T/$x.host.json" \
			"the FUSE mount of $n (stat) differs from ls -R --json of the file"
		same "type,perm,nlink,${own}size,md5,mtime,target,links" "disk:$T/f-$n" "disk:$G/x-$x" \
			"the FUSE mount of $n (its files) differs from our extract of the drive"
		# the mount's inode numbers are the listing's
		python3 - "$T/f-$n.json" "$T/$x.host.json" <<'PY' || fail "the FUSE mount of $n: inode numbers are not ls's"
import json, sys
m = {e["path"]: e["ino"] for e in json.load(open(sys.argv[1]))}
bad = [(e["path"], m.get(e["path"]), e["ino"]) for e in json.load(open(sys.argv[2]))
       if e["path"] != "/" and m.get(e["path"]) != e["ino"]]
for b in bad[:20]:
    print("  %s: ino %s in the mount, %s in ls --json" % b)
sys.exit(1 if bad else 0)
PY
	done
fi
echo "files_qemu.sh: passed"
