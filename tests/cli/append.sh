# append.sh - appended sessions (issue 18): `master --append OLD` and
# `mkisofs -M OLD [-C LAST,NEXT]`, libisofs's growing of an image.
# - The grown image is OLD's bytes (but the volume descriptors at 16-31),
#   then the new session; its tree (isoinfo, xorriso, glassmaster extract,
#   and the Linux kernel in the QEMU guest, which mounts the newest
#   session) is OLD's with the sources merged in: a replaced file has its
#   new bytes, a file only in OLD keeps its old ones, a directory merges,
#   --remove takes a path out.
# - --session-only --msinfo 0,NEXT (and mkisofs -M -C) writes the session
#   alone; burnt at NEXT after OLD (made here by dd), xorriso loads it at
#   that superblock (-load sbsector NEXT) with the same tree and bytes.
# - Refusals: the output is OLD; a NEXT inside OLD; --msinfo without
#   --append.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

for tool in xorriso isoinfo; do
	command -v "$tool" > /dev/null || fail "$tool is not installed (sh bootstrap check)"
done
mkdir -p "$T/s1/d" "$T/s2/d"
echo one > "$T/s1/a.txt"
echo "old only" > "$T/s1/c.txt"
echo "to be removed" > "$T/s1/gone.txt"
echo e > "$T/s1/d/e.txt"
head -c 200000 /dev/urandom > "$T/s1/old.bin"
echo "new a" > "$T/s2/a.txt"
echo two > "$T/s2/b.txt"
echo f > "$T/s2/d/f.txt"
# what the new session holds
mkdir -p "$T/want"
cp -r "$T/s1/." "$T/want/"
cp -r "$T/s2/." "$T/want/"
rm "$T/want/gone.txt"

run 0 "$GM" master -o "$T/old.iso" "$T/s1"
echo "\$ glassmaster master --append old.iso --remove /gone.txt -o new.iso s2"
run 0 "$GM" master --append "$T/old.iso" --remove /gone.txt -o "$T/new.iso" "$T/s2"
contains "$T/err" "1 entries of the old session replaced"
old=$(wc -c < "$T/old.iso")
[ "$(wc -c < "$T/new.iso")" -gt "$old" ] || fail "the grown image is not bigger than the old"
# the old bytes stay but for the volume descriptors (16-31)
cmp -n $((16 * 2048)) "$T/old.iso" "$T/new.iso" || fail "the system area changed"
cmp -i $((32 * 2048)) -n $((old - 32 * 2048)) "$T/old.iso" "$T/new.iso" ||
	fail "the old session's bytes changed"
isoinfo -R -f -i "$T/new.iso" | sort > "$T/new.files"
(cd "$T/want" && find . -mindepth 1 | sed 's|^\.||' | sort) > "$T/want.files"
cmp "$T/new.files" "$T/want.files" || { diff "$T/new.files" "$T/want.files";
	fail "the grown image's tree is not the merged one"; }
xorriso -osirrox on -indev "$T/new.iso" -extract / "$T/x" > /dev/null 2>&1 ||
	fail "xorriso -extract of the grown image"
diff -r "$T/x" "$T/want" > /dev/null || fail "xorriso reads other bytes from the grown image"
run 0 "$GM" extract "$T/new.iso" -C "$T/g"
diff -r "$T/g" "$T/want" > /dev/null || fail "glassmaster extract of the grown image differs"

# the session alone, for a disc: burnt at NEXT after the old session
next=$(( (old / 2048 + 31) / 32 * 32 + 32 ))
echo "\$ glassmaster master --append old.iso --msinfo 0,$next --session-only -o sess.iso s2"
run 0 "$GM" master --append "$T/old.iso" --msinfo 0,$next --session-only -o "$T/sess.iso" "$T/s2"
[ "$(wc -c < "$T/sess.iso")" -lt "$(wc -c < "$T/new.iso")" ] ||
	fail "the session alone is not smaller than the grown image"
cp "$T/old.iso" "$T/disc.iso"
dd if="$T/sess.iso" of="$T/disc.iso" bs=2048 seek=$next conv=notrunc 2> /dev/null
mkdir -p "$T/want2"
cp -r "$T/s1/." "$T/want2/"
cp -r "$T/s2/." "$T/want2/"
xorriso -osirrox on -indev "$T/disc.iso" -load sbsector $next -extract / "$T/x2" \
	> "$T/x2.log" 2>&1 || { cat "$T/x2.log"; fail "xorriso -load sbsector $next"; }
diff -r "$T/x2" "$T/want2" > /dev/null || fail "the burnt session reads other bytes"
echo "\$ glassmaster mkisofs -M old.iso -C 0,$next -r -o msess.iso s2"
run 0 "$GM" mkisofs -M "$T/old.iso" -C 0,$next -r -o "$T/msess.iso" "$T/s2"
cp "$T/old.iso" "$T/disc2.iso"
dd if="$T/msess.iso" of="$T/disc2.iso" bs=2048 seek=$next conv=notrunc 2> /dev/null
xorriso -osirrox on -indev "$T/disc2.iso" -load sbsector $next -extract / "$T/x3" \
	> "$T/x3.log" 2>&1 || { cat "$T/x3.log"; fail "xorriso -load sbsector of mkisofs -M -C"; }
[ "$(cat "$T/x3/a.txt")" = "new a" ] && [ "$(cat "$T/x3/c.txt")" = "old only" ] ||
	fail "mkisofs -M -C: not the merged tree"

# refusals
run 2 "$GM" master --append "$T/old.iso" -o "$T/old.iso" --force "$T/s2"
contains "$T/err" "the output is the image appended to"
run 2 "$GM" master --append "$T/old.iso" --msinfo 0,3 -o "$T/bad.iso" "$T/s2"
contains "$T/err" "cannot start at sector 3, inside"
run 2 "$GM" master --msinfo 0,$next -o "$T/bad.iso" "$T/s2"
contains "$T/err" "need --append OLD"
[ ! -e "$T/bad.iso" ] || fail "a refused append left an image"

# the Linux kernel mounts the grown image's newest session
kernel_reads "ide-cd:$T/new.iso" "$T/want"

# a two-session disc: -o NEW.cue (session 1 a copy of OLD, session 2 the
# new one behind the lead-out, lead-in and pregap); info shows both
# sessions, ls and extract the newest tree; verify compares the second
# session too; served as a CD, the guest's kernel mounts the last session
echo "\$ glassmaster master --append old.iso -o disc/ms.cue s2"
mkdir "$T/disc"
run 0 "$GM" master --append "$T/old.iso" --remove /gone.txt -o "$T/disc/ms.cue" "$T/s2"
contains "$T/disc/ms.cue" "REM SESSION 02"
cmp "$T/disc/ms (Session 1).iso" "$T/old.iso" || fail "session 1 is not OLD"
run 0 "$GM" info "$T/disc/ms.cue"
contains "$T/out" "2 sessions, 2 tracks"
s2=$(( (old / 2048) + 11400 ))
grep -Eq "^ +2 +2 +MODE1 +2048 +$s2 " "$T/out" || { cat "$T/out"; fail "session 2 does not start at $s2"; }
run 0 "$GM" extract "$T/disc/ms.cue" -C "$T/gd"
diff -r "$T/gd" "$T/want" > /dev/null || fail "extract of the two-session disc differs"
run 0 "$GM" convert "$T/disc/ms.cue" "$T/copy.cue"
run 0 "$GM" verify "$T/copy.cue" "$T/disc/ms.cue"
contains "$T/out" "MATCH"
poke "$T/copy (Track 2).bin" $((2352 * 20 + 100))
run 1 "$GM" verify "$T/copy.cue" "$T/disc/ms.cue"
contains "$T/out" "mismatch LBA $((s2 + 20))-$((s2 + 20)) (1 sector)"
run 2 "$GM" master --append "$T/old.iso" --msinfo 0,100 -o "$T/disc/bad.cue" "$T/s2"
contains "$T/err" "in a cue sheet session 2 starts at sector $s2"
. "$srcdir/tests/cli/serve-lib.sh"
trap 'for p in $pids; do kill $p 2> /dev/null || :; done; rm -rf "$T"' EXIT INT TERM
serve ms "$T/disc/ms.cue"
kernel_reads "iscsi:iscsi://127.0.0.1:$port/$iqn/0" "$T/want"
echo "append.sh: ok"
