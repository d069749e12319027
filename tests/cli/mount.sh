# mount.sh - `glassmaster mount` through FUSE: Rock Ridge, Joliet, UDF
# 2.50, a bridge and a zisofs image mounted as they are and as BIN/CUE;
# every entry of the mount point (type, mode, links, owner, size, times,
# target, content, hard links as one inode) equals what extract restores
# and the inode numbers are ls --json's; reads at odd offsets and sizes
# equal the source's bytes; the mount is read-only; an image that is no
# file system fails before mounting.  Needs /dev/fuse and fusermount3
# (the Debian package fuse3): without them it is skipped (77).
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

[ -c /dev/fuse ] && command -v fusermount3 > /dev/null ||
	{ echo "SKIP: no /dev/fuse or fusermount3 (Debian package fuse3)"; exit 77; }
command -v genisoimage > /dev/null || fail "genisoimage is not installed"
command -v xorriso > /dev/null || fail "xorriso is not installed"

S="$T/src"
mkdir -p "$S/sub/deep" "$S/empty"
printf 'hello\n' > "$S/a.txt"
head -c 300000 /dev/urandom > "$S/sub/rand.bin"
seq 1 50000 > "$S/sub/seq.txt"
: > "$S/zero"
ln "$S/sub/seq.txt" "$S/hard"
ln -s ../a.txt "$S/sub/link"
chmod 0640 "$S/a.txt"
touch -d '2021-03-04 05:06:07 UTC' "$S/a.txt" "$S/sub/rand.bin"

genisoimage -quiet -R -J -o "$T/rr.iso" "$S" 2> /dev/null || fail "genisoimage"
xorriso -outdev "$T/z.iso" -zisofs default -map "$S" / -set_filter_r --zisofs / -- \
	-commit > /dev/null 2>&1 || fail "xorriso zisofs"
run 0 "$GM" master --quiet --fs udf --udf-rev 2.50 --udf-symlinks keep -o "$T/u250.iso" "$S"
run 0 "$GM" master --quiet --fs iso+udf -o "$T/br.iso" "$S"
run 0 "$GM" convert "$T/rr.iso" "$T/rr.cue"

M="$T/mnt"
mkdir "$M"
cleanup_mount() { fusermount3 -u "$M" 2> /dev/null || :; }
trap 'cleanup_mount; rm -rf "$T"' EXIT

# mounted HARD IMAGE [options]: mount, compare with extract, read at odd
# places; HARD 1: the tree knows hard links (not Joliet's)
mounted() {
	hard=$1 img=$2
	shift 2
	echo "\$ glassmaster mount $img $M $*"
	"$GM" mount "$img" "$M" "$@" 2> "$T/err" || { cat "$T/err"; fail "mount $img: exit $?"; }
	grep -q " $M fuse" /proc/mounts || fail "mount $img: not in /proc/mounts"
	rm -rf "$T/x"
	"$GM" extract "$img" -C "$T/x" "$@" 2> "$T/xerr" || { cat "$T/xerr"; fail "extract $img"; }
	python3 "$srcdir/tests/cli/fstree.py" compare \
		type,perm,nlink,uid,gid,size,md5,mtime,target,links disk:"$M" disk:"$T/x" \
		> "$T/cmp" 2>&1 || { cat "$T/cmp"; fail "$img: the mount differs from extract"; }
	"$GM" ls -R --json "$img" "$@" > "$T/ls.json" || fail "ls $img"
	python3 - "$M" "$T/ls.json" "$S" "$hard" <<'PY' || fail "$img: inodes or reads differ"
import json, os, random, sys
mnt, listing, src = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
hard = sys.argv[4] == "1"
for e in listing:
    st = os.lstat(mnt + e["path"])
    assert st.st_ino == e["ino"], (e["path"], st.st_ino, e["ino"])
    if e["type"] == "file":
        assert st.st_size == e["size"], e["path"]
# reads of any offset and size against the source's bytes
rng = random.Random(16)
for rel in ("sub/rand.bin", "sub/seq.txt", "a.txt"):
    want = open(os.path.join(src, rel), "rb").read()
    with open(os.path.join(mnt, rel), "rb", buffering=0) as f:
        for _ in range(200):
            off = rng.randrange(len(want) + 10)
            size = rng.choice([1, 7, 2047, 2048, 2049, 65536 + 3, 131072])
            f.seek(off)
            got = f.read(size)
            assert got == want[off:off + size], (rel, off, size)
# hard links are one inode
a, b = os.lstat(os.path.join(mnt, "hard")), os.lstat(os.path.join(mnt, "sub/seq.txt"))
assert not hard or (a.st_ino == b.st_ino and a.st_nlink == 2), (a, b)
PY
	# read-only
	if ( : > "$M/new" ) 2> /dev/null; then fail "$img: the mount took a new file"; fi
	if ( echo x >> "$M/a.txt" ) 2> /dev/null; then fail "$img: the mount was written"; fi
	fusermount3 -u "$M" || fail "fusermount3 -u $M"
	! grep -q " $M fuse" /proc/mounts || fail "$img: still mounted"
}

mounted 1 "$T/rr.iso"
mounted 0 "$T/rr.iso" --fs joliet
mounted 1 "$T/rr.cue"
mounted 1 "$T/z.iso"
mounted 1 "$T/u250.iso"
mounted 1 "$T/br.iso"
mounted 1 "$T/br.iso" --fs rockridge

# the same inode numbers in a second mount (stable)
"$GM" mount "$T/u250.iso" "$M" || fail "mount again"
ls -iR "$M" > "$T/ino1"
fusermount3 -u "$M"
"$GM" mount "$T/u250.iso" "$M" || fail "mount again"
ls -iR "$M" > "$T/ino2"
fusermount3 -u "$M"
cmp -s "$T/ino1" "$T/ino2" || fail "inode numbers changed between mounts"

# not a file system: refused before anything is mounted
head -c 1048576 /dev/zero > "$T/zeros.iso"
run 2 "$GM" mount "$T/zeros.iso" "$M"
contains "$T/err" "no ISO 9660 volume descriptor"
! grep -q " $M fuse" /proc/mounts || fail "a failed mount left a mount"
run 2 "$GM" mount "$T/rr.iso"
