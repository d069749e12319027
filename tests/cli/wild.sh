set -e
# wild.sh - images as other programs and users leave them: sheets naming
# their files in another case or under an old name, ambiguous names, and
# the same for CloneCD and TOC files.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"
. "$srcdir/tests/cli/images.sh"

# (1) File names.  A Windows sheet names CDDA.BIN beside cdda.bin (this
# file system is case-sensitive: check that first).
mkdir "$T/case"
touch "$T/case/x" "$T/case/X"
[ "$(ls "$T/case" | wc -l)" -eq 2 ] || fail "this file system ignores case"
rm "$T/case/x" "$T/case/X"
make_audio "$T/case/cdda.bin" 2 440
printf 'FILE "CDDA.BIN" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n' > "$T/case/disc.cue"
run 0 "$GM" info --json "$T/case/disc.cue"
contains "$T/err" "glassmaster: info: warning: '$T/case/disc.cue' names 'CDDA.BIN': using '$T/case/cdda.bin' (the same name in another case)"
contains "$T/out" '"leadout": 150,'
contains "$T/out" "\"warnings\": [\"'$T/case/disc.cue' names 'CDDA.BIN': using '$T/case/cdda.bin'"
run 0 "$GM" hash --json "$T/case/disc.cue"
contains "$T/out" "\"path\": \"$T/case/cdda.bin\""
contains "$T/out" '"warnings": ["'
# converted, the sheet names its file exactly
run 0 "$GM" convert "$T/case/disc.cue" "$T/case/out.cue"
contains "$T/err" "warning: '$T/case/disc.cue' names 'CDDA.BIN'"
contains "$T/case/out.cue" 'FILE "out.bin" BINARY'
cmp "$T/case/out.bin" "$T/case/cdda.bin" || fail "the converted BIN differs"
# a sheet that finds its file exactly says nothing
run 0 "$GM" info "$T/case/out.cue"
[ ! -s "$T/err" ] || fail "notes for a sheet naming its file: $(cat "$T/err")"
# two names that differ only in case: ambiguous, both listed
cp "$T/case/cdda.bin" "$T/case/Cdda.bin"
run 2 "$GM" info "$T/case/disc.cue"
contains "$T/err" "cue sheet '$T/case/disc.cue' line 1: '$T/case/disc.cue' refers to '$T/case/CDDA.BIN', which is not there, and its name in another case is ambiguous:"
contains "$T/err" "'cdda.bin'"
contains "$T/err" "'Cdda.bin'"
rm "$T/case/Cdda.bin"

# A renamed pair: p1.cue still names BOING.BIN; the file is p1.bin.
mkdir "$T/ren"
cp "$T/case/cdda.bin" "$T/ren/p1.bin"
printf 'FILE "BOING.BIN" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n' > "$T/ren/p1.cue"
run 0 "$GM" info "$T/ren/p1.cue"
contains "$T/err" "warning: '$T/ren/p1.cue' names 'BOING.BIN', which is not there: using '$T/ren/p1.bin' (the sheet's own name)"
contains "$T/out" "lead-out at LBA 150"
# the sheet's own name with the file's extension first
cp "$T/ren/p1.bin" "$T/ren/p1.img"
sed 's/BOING.BIN/BOING.IMG/' "$T/ren/p1.cue" > "$T/ren/p1.tmp" && mv "$T/ren/p1.tmp" "$T/ren/p1.cue"
run 0 "$GM" info "$T/ren/p1.cue"
contains "$T/err" "using '$T/ren/p1.img' (the sheet's own name)"
# nothing fits: every name tried is listed
rm "$T/ren/p1.bin" "$T/ren/p1.img"
run 2 "$GM" info "$T/ren/p1.cue"
contains "$T/err" "'$T/ren/p1.cue' refers to '$T/ren/BOING.IMG', which cannot be opened (tried 'BOING.IMG' in any case, 'p1.IMG', 'p1.bin' beside the sheet)"
# a sheet of two files gets no stand-in for a missing one
cp "$T/case/cdda.bin" "$T/ren/p1.bin"
cp "$T/case/cdda.bin" "$T/ren/two.bin"
printf 'FILE "BOING.BIN" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\nFILE "two.bin" BINARY\n  TRACK 02 AUDIO\n    INDEX 01 00:00:00\n' > "$T/ren/p1.cue"
run 2 "$GM" info "$T/ren/p1.cue"
contains "$T/err" "'$T/ren/p1.cue' refers to 'BOING.BIN', which is not there; the sheet's own name stands in only for the one file of a sheet, and this one names 2"

# CloneCD: DISC.IMG and DISC.SUB beside disc.ccd are found, with a note.
make_iso "$T/tree" "$T/a.iso" WILD
mkdir "$T/ccd"
run 0 "$GM" convert "$T/a.iso" "$T/ccd/disc.ccd"
run 0 "$GM" info --json "$T/ccd/disc.ccd"
cp "$T/out" "$T/ccd.json"
mv "$T/ccd/disc.img" "$T/ccd/DISC.IMG"
mv "$T/ccd/disc.sub" "$T/ccd/DISC.SUB"
run 0 "$GM" info "$T/ccd/disc.ccd"
contains "$T/err" "'$T/ccd/disc.ccd' names 'disc.img': using '$T/ccd/DISC.IMG'"
contains "$T/err" "'$T/ccd/disc.ccd' names 'disc.sub': using '$T/ccd/DISC.SUB'"
run 0 "$GM" hash "$T/ccd/disc.ccd"
contains "$T/out" "DISC.SUB"

# TOC files: a FILE in another case, and a renamed pair.
mkdir "$T/toc"
cp "$T/case/cdda.bin" "$T/toc/Audio.bin"
printf 'CD_DA\nTRACK AUDIO\nFILE "AUDIO.BIN" 0\n' > "$T/toc/a.toc"
run 0 "$GM" info "$T/toc/a.toc"
contains "$T/err" "'$T/toc/a.toc' names 'AUDIO.BIN': using '$T/toc/Audio.bin'"
contains "$T/out" "lead-out at LBA 150"
mv "$T/toc/Audio.bin" "$T/toc/a.bin"
run 0 "$GM" info "$T/toc/a.toc"
contains "$T/err" "using '$T/toc/a.bin' (the sheet's own name)"

# (4) An ISO cut 1000 bytes short: shown with a warning, the partial
# sector missing against its master, hashed as the file is.
n=$(( $(wc -c < "$T/a.iso") / 2048 ))
head -c $(( n * 2048 - 1000 )) "$T/a.iso" > "$T/cut.iso"
run 0 "$GM" info "$T/cut.iso"
contains "$T/err" "warning: '$T/cut.iso' is $(( n * 2048 - 1000 )) bytes, not a whole number of 2048-byte sectors: sector $((n - 1)) has only 1048 bytes (1000 are missing) and is left out"
contains "$T/out" 'ISO 9660 "WILD"'
run 1 "$GM" verify "$T/cut.iso" "$T/a.iso"
contains "$T/out" "missing"
contains "$T/out" "$((n - 1))"
run 0 "$GM" hash --json "$T/cut.iso"
contains "$T/out" "\"sha256\": \"$(sha256sum < "$T/cut.iso" | cut -d' ' -f1)\""
contains "$T/out" "\"size\": $(( n * 2048 - 1000 ))"

# (11) A bare raw image without its sheet: one track, its mode from the
# first sector, the guess said; convert gives back the ISO it holds.
mkdir "$T/bare"
run 0 "$GM" convert "$T/a.iso" "$T/bare/x.cue"
mv "$T/bare/x.bin" "$T/bare/game.bin"
rm "$T/bare/x.cue"
run 0 "$GM" info --json "$T/bare/game.bin"
contains "$T/err" "warning: '$T/bare/game.bin' has no sheet: its layout is guessed as one track of $n 2352-byte sectors from LBA 0 (its first sector's header: Mode 1)"
contains "$T/out" '"format": "raw"'
contains "$T/out" "\"warnings\": [\"'$T/bare/game.bin' has no sheet"
contains "$T/out" "\"mode\": \"MODE1\", \"sector_size\": 2352, \"start\": 0, \"length\": $n,"
run 0 "$GM" convert "$T/bare/game.bin" "$T/bare/game.iso"
cmp "$T/bare/game.iso" "$T/a.iso" || fail "the ISO of a bare raw image differs"
run 0 "$GM" hash "$T/bare/game.bin"
contains "$T/out" "$(md5sum < "$T/bare/game.bin" | cut -d' ' -f1)"
run 0 "$GM" verify --integrity "$T/bare/game.bin"
# a sheet beside it is named
printf 'FILE "game.bin" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n' > "$T/bare/GAME.cue"
run 0 "$GM" info "$T/bare/game.bin"
contains "$T/err" "warning: '$T/bare/GAME.cue' is beside it and says more: open that instead"
# audio (no sync) only from a raw name; Mode 2 from its header
make_audio "$T/bare/song.bin" 1 440
run 0 "$GM" info "$T/bare/song.bin"
contains "$T/err" "(no sync in its first sector: audio)"
contains "$T/out" "AUDIO    2352"
cp "$T/bare/song.bin" "$T/bare/song.dat"
run 2 "$GM" info "$T/bare/song.dat"
contains "$T/err" "is not an image format glassmaster reads"
head -c $((2352 * 10 + 5)) "$T/bare/game.bin" > "$T/bare/odd.bin"
run 2 "$GM" info "$T/bare/odd.bin"
contains "$T/err" "as a bare raw image it would be $((2352 * 10 + 5)) bytes, not a whole number of 2352-byte sectors"

# A UDF volume of 512-byte blocks is a hard disk's: refused as such.
command -v mkudffs > /dev/null || fail "mkudffs (udftools) is not installed"
truncate -s 4M "$T/hd.udf"
mkudffs --media-type=hd -b 512 "$T/hd.udf" > /dev/null 2>&1 || fail "mkudffs failed"
run 2 "$GM" info "$T/hd.udf"
contains "$T/err" "'$T/hd.udf' is a UDF volume of 512-byte blocks (a hard disk's, as mkudffs --media-type=hd writes), not a disc image"

# (8) Every sector of a master is compared: a hybrid image's partition
# appended after its ISO 9660 volume (as installer images carry their EFI
# system partition), damaged in a copy, is a mismatch at its LBA.
mkdir "$T/hy" "$T/hy/tree"
echo hybrid > "$T/hy/tree/a.txt"
head -c $((200 * 2048)) /dev/urandom > "$T/hy/esp.img"
xorriso -as mkisofs -quiet -o "$T/hy/h.iso" -append_partition 2 0xef "$T/hy/esp.img" \
	"$T/hy/tree" > /dev/null 2>&1 || fail "xorriso -append_partition failed"
vol=$(isoinfo -d -i "$T/hy/h.iso" | sed -n 's/^Volume size is: //p')
# the partition's start (MBR entry 2, in 512-byte blocks) and a sector in it
p2=$(od -An -tu4 -j $((446 + 16 + 8)) -N4 "$T/hy/h.iso" | tr -d ' ')
bad=$((p2 / 4 + 57))
[ "$bad" -gt "$vol" ] || fail "the appended partition ($p2) is not beyond the volume ($vol)"
cp "$T/hy/h.iso" "$T/hy/c.iso"
poke "$T/hy/c.iso" $((bad * 2048 + 100))
run 1 "$GM" verify "$T/hy/c.iso" "$T/hy/h.iso"
contains "$T/out" "mismatch LBA $bad-$bad (1 sector)"
contains "$T/out" "$(( $(wc -c < "$T/hy/h.iso") / 2048 - vol )) sectors of the master beyond its ISO 9660 volume (compared)"
run 0 "$GM" verify "$T/hy/h.iso" "$T/hy/h.iso"
# a copy that ends at the volume's end misses the partition
head -c $((vol * 2048)) "$T/hy/h.iso" > "$T/hy/short.iso"
run 1 "$GM" verify "$T/hy/short.iso" "$T/hy/h.iso"
contains "$T/out" "missing LBA $vol-"

# (9) Mode 2 stored as 2336-byte sectors (a Video CD's tracks, cue
# MODE2/2336): subheader, EDC and ECC are there and checked.
"$MKRAW" -m 2 -n 300 "$T/m2raw.bin" > /dev/null || fail "gm-mkraw -m 2 failed"
python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(b"".join(d[i + 16:i + 2352] for i in range(0, len(d), 2352)))
' "$T/m2raw.bin" "$T/m2.bin"
printf 'FILE "m2.bin" BINARY\n  TRACK 01 MODE2/2336\n    INDEX 01 00:00:00\n' > "$T/m2.cue"
run 0 "$GM" verify --integrity "$T/m2.cue"
contains "$T/out" "INTACT"
contains "$T/out" "mode 2 form 1: 300"
cp "$T/m2.bin" "$T/m2.orig"
poke "$T/m2.bin" $((123 * 2336 + 8 + 500))
run 1 "$GM" verify --integrity "$T/m2.cue"
contains "$T/out" "DAMAGED: '$T/m2.cue': 1 of 300 sectors failed their check"
contains "$T/out" "LBA 123: bad EDC (mode 2 form 1)"
cp "$T/m2.orig" "$T/m2.bin"
poke "$T/m2.bin" $((200 * 2336 + 5))
run 1 "$GM" verify --integrity "$T/m2.cue"
contains "$T/out" "LBA 200: subheader copies differ"

# (5) verify --integrity of ISO and UDF images: their structures.
# Sound images of other writers and ours: INTACT, saying what cannot be
# checked.
run 0 "$GM" verify --integrity "$T/a.iso"
contains "$T/out" "INTACT: '$T/a.iso': its file system structures are sound"
contains "$T/out" "the image stores user data only: without EDC/ECC its $n sectors' contents cannot be checked"
mkdir -p "$T/ut/d"
echo one > "$T/ut/d/one.txt"
head -c 100000 /dev/urandom > "$T/ut/two.bin"
ln -s d/one.txt "$T/ut/link"
for rev in 1.02 2.01 2.50 2.60; do
	run 0 "$GM" master --fs udf --udf-rev $rev -o "$T/u$rev.udf" "$T/ut"
	run 0 "$GM" verify --integrity "$T/u$rev.udf"
	contains "$T/out" "file systems: UDF; structures: sane"
done
xorriso -as mkisofs -quiet -R -J -o "$T/x.iso" "$T/ut" > /dev/null 2>&1 || fail "xorriso failed"
run 0 "$GM" verify --integrity "$T/x.iso"
truncate -s 8M "$T/mk.udf"
mkudffs --media-type=dvd -b 2048 "$T/mk.udf" > /dev/null 2>&1 || fail "mkudffs failed"
run 0 "$GM" verify --integrity --json "$T/mk.udf"
contains "$T/out" '"structure_only": true, "file_systems": {"iso9660": false, "udf": true, "faults": 0, "problems": []}'
# the root directory of x.iso (its PVD's root record, ECMA-119 8.4.18)
root=$(od -An -tu4 -j $((16 * 2048 + 156 + 2)) -N4 "$T/x.iso" | tr -d ' ')
# a damaged directory record (a name longer than the record)
cp "$T/x.iso" "$T/dr.iso"
# the third record of the root (after "." and ".."): its offset
r1=$(od -An -tu1 -j $((root * 2048)) -N1 "$T/x.iso" | tr -d ' ')
r2=$(od -An -tu1 -j $((root * 2048 + r1)) -N1 "$T/x.iso" | tr -d ' ')
printf '\372' | dd of="$T/dr.iso" bs=1 seek=$((root * 2048 + r1 + r2 + 32)) conv=notrunc status=none
run 1 "$GM" verify --integrity "$T/dr.iso"
contains "$T/out" "DAMAGED: '$T/dr.iso':"
contains "$T/out" "fault: ISO 9660: '/': the directory record at sector $root, byte $((r1 + r2)) is malformed"
contains "$T/out" "name length 250)"
# an extent past the end: the third record's extent (both byte orders)
cp "$T/x.iso" "$T/ex.iso"
python3 -c '
import struct, sys
f = open(sys.argv[1], "r+b"); at = int(sys.argv[2])
f.seek(at + 2); f.write(struct.pack("<I", 999999) + struct.pack(">I", 999999))
' "$T/ex.iso" $((root * 2048 + r1 + r2))
run 1 "$GM" verify --integrity --json "$T/ex.iso"
contains "$T/out" "at sector 999999 runs past the volume ($(( $(wc -c < "$T/x.iso") / 2048 )) sectors)"
contains "$T/out" '"verdict": "DAMAGED"'
# a damaged UDF tag: the root's File Entry checksum in a 2.01 image
cp "$T/u2.01.udf" "$T/tag.udf"
python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
# the first Extended File Entry (tag 266) after the partition start
for s in range(257, len(d) // 2048):
    if struct.unpack_from("<H", d, s * 2048)[0] == 266:
        f = open(sys.argv[1], "r+b"); f.seek(s * 2048 + 4); f.write(bytes([d[s * 2048 + 4] ^ 0x5a])); print(s); break
' "$T/tag.udf" > "$T/tagsec"
[ -s "$T/tagsec" ] || fail "no Extended File Entry found in the UDF image"
run 1 "$GM" verify --integrity "$T/tag.udf"
contains "$T/out" "fault: UDF: '/': File Entry at block"
contains "$T/out" "bad tag checksum"
# a damaged UDF directory: a File Identifier Descriptor's tag identifier
cp "$T/u2.01.udf" "$T/fid.udf"
python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
# the third FID (tag 257) of the image: "." is the first of the root
n = 0
for at in range(257 * 2048, len(d) - 2, 4):
    if struct.unpack_from("<H", d, at)[0] == 257 and struct.unpack_from("<I", d, at + 12)[0] == at // 2048 - 257:
        n += 1
        if n == 3:
            f = open(sys.argv[1], "r+b"); f.seek(at); f.write(b"\x77\x77"); print(at); break
' "$T/fid.udf" > "$T/fidat"
[ -s "$T/fidat" ] || fail "no File Identifier Descriptor found in the UDF image"
run 1 "$GM" verify --integrity "$T/fid.udf"
contains "$T/out" "the directory is damaged at byte"
contains "$T/out" "(not a File Identifier Descriptor)"

# cut images: the volume claims more than the image holds
head -c $(( $(wc -c < "$T/x.iso") - 4096 )) "$T/x.iso" > "$T/xcut.iso"
run 1 "$GM" verify --integrity "$T/xcut.iso"
contains "$T/out" "is truncated by 2 sectors"
head -c $(( $(wc -c < "$T/u2.50.udf") - 40 * 2048 )) "$T/u2.50.udf" > "$T/ucut.udf"
run 1 "$GM" verify --integrity "$T/ucut.udf"
contains "$T/out" "fault: UDF: the partition ends at sector"
contains "$T/out" "it is truncated by"

# (6) UDF and 7-Zip: symlinks are left out by default (with a note), so
# that 7-Zip opens the image; kept, 7-Zip refuses the whole image (its
# reader takes only directories and files); followed, the target's data
# is stored under the link's name.
mkdir -p "$T/sl/d"
echo "the target" > "$T/sl/d/target.txt"
head -c 5000 /dev/urandom > "$T/sl/data.bin"
ln -s d/target.txt "$T/sl/link"
for rev in 1.02 2.01 2.50 2.60; do
	run 0 "$GM" master --fs udf --udf-rev $rev -o "$T/sl$rev.udf" "$T/sl"
	contains "$T/err" "symlink '/link' left out of UDF (7-Zip cannot open a UDF image holding one; --udf-symlinks keep writes it)"
	7z l "$T/sl$rev.udf" > "$T/7z.out" 2>&1 || fail "7z l of the $rev image: $(cat "$T/7z.out")"
	contains "$T/7z.out" "d/target.txt"
	lacks "$T/7z.out" "link"
	rm -rf "$T/7x"
	7z x -o"$T/7x" "$T/sl$rev.udf" > "$T/7z.out" 2>&1 || fail "7z x of the $rev image: $(cat "$T/7z.out")"
	cmp "$T/7x/data.bin" "$T/sl/data.bin" || fail "7z extracts another data.bin from $rev"
	run 0 "$GM" master --fs udf --udf-rev $rev --udf-symlinks keep -o "$T/kl$rev.udf" "$T/sl"
	lacks "$T/err" "left out"
	! 7z l "$T/kl$rev.udf" > "$T/7z.out" 2>&1 || fail "7z now opens a UDF image with a symlink: the default may change"
	contains "$T/7z.out" "Cannot open the file as"
	run 0 "$GM" master --fs udf --udf-rev $rev --udf-symlinks follow -o "$T/fl$rev.udf" "$T/sl"
	rm -rf "$T/7x"
	7z x -o"$T/7x" "$T/fl$rev.udf" > "$T/7z.out" 2>&1 || fail "7z x of the followed $rev image: $(cat "$T/7z.out")"
	cmp "$T/7x/link" "$T/sl/d/target.txt" || fail "the followed link of $rev is not its target"
done
# the UDF side of a bridge too; its Rock Ridge tree keeps the link
run 0 "$GM" master --fs iso+udf -o "$T/slb.iso" "$T/sl"
7z l -tudf "$T/slb.iso" > "$T/7z.out" 2>&1 || fail "7z l -tudf of the bridge: $(cat "$T/7z.out")"
isoinfo -R -l -i "$T/slb.iso" > "$T/isoinfo"
contains "$T/isoinfo" "link -> d/target.txt"
run 2 "$GM" master --udf-symlinks keep -o "$T/x.iso" "$T/sl"
contains "$T/err" "--udf-symlinks needs --fs udf or iso+udf"
run 2 "$GM" master --fs udf --udf-symlinks drop -o "$T/x.udf" "$T/sl"
contains "$T/err" "--udf-symlinks must be follow, skip or keep, not 'drop'"
