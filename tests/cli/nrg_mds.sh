# nrg_mds.sh - Nero NRG and Alcohol 120% MDS images, read only.  No Debian
# tool writes them, so gm-mkimage wraps a BIN (an ISO from genisoimage
# converted by us, and audio from sox) into each variant: NRG version 2
# (CUEX, DAOX) and version 1 (CUES, DAOI), disc-at-once and track-at-once
# (ETN2, ETNF), several sessions (SINF), MDS/MDF for CDs and a DVD.  Each
# must read with the layout of the cue sheet describing the same BIN, and
# convert back to that BIN byte for byte; libcdio's cd-info reads the NRG
# images with the same track starts, lead-out, MCN and CD-TEXT.  Damaged
# images are refused with the file and the byte offset.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"
. "$srcdir/tests/cli/images.sh"
MKIMAGE="$builddir/tests/gm-mkimage"

for tool in cd-info genisoimage sox od; do
	command -v "$tool" > /dev/null || fail "$tool is not installed"
done

make_iso "$T/tree" "$T/a.iso" NRG_MDS
run 0 "$GM" convert "$T/a.iso" "$T/a.cue"
make_audio "$T/t2.raw" 5 440
make_audio "$T/t3.raw" 3 660
cat "$T/a.bin" "$T/t2.raw" "$T/t3.raw" > "$T/mm.bin"
n1=$(( $(wc -c < "$T/a.bin") / 2352 ))
n2=$(( $(wc -c < "$T/t2.raw") / 2352 ))
n3=$(( $(wc -c < "$T/t3.raw") / 2352 ))
msf() { printf '%02d:%02d:%02d' $(($1 / 4500)) $(($1 / 75 % 60)) $(($1 % 75)); }

# The sheet of the disc: tracks 2 and 3 with 150 sectors of INDEX 00 in the
# BIN, an INDEX 02, MCN, ISRC, flags and CD-TEXT.
cat > "$T/full.cue" <<CUE
CATALOG 0123456789012
TITLE "Mixed Mode Disc"
PERFORMER "Glassmaster Tests"
FILE "mm.bin" BINARY
  TRACK 01 MODE1/2352
    TITLE "Data Track One"
    INDEX 01 00:00:00
  TRACK 02 AUDIO
    TITLE "Sine 440 Hertz"
    FLAGS DCP PRE
    ISRC USABC9912345
    INDEX 00 $(msf $n1)
    INDEX 01 $(msf $((n1 + 150)))
    INDEX 02 $(msf $((n1 + 225)))
  TRACK 03 AUDIO
    TITLE "Sine 660 Hertz"
    INDEX 00 $(msf $((n1 + n2)))
    INDEX 01 $(msf $((n1 + n2 + 150)))
CUE
# what a format without the metadata keeps
grep -v -e CATALOG -e TITLE -e PERFORMER -e ISRC -e 'INDEX 02' "$T/full.cue" > "$T/flags.cue"
grep -v FLAGS "$T/flags.cue" > "$T/plain.cue"
grep -v 'INDEX 02' "$T/full.cue" > "$T/noidx2.cue"
sed 's/^  TRACK 02/REM SESSION 02\n  TRACK 02/' "$T/flags.cue" > "$T/multi.cue"
# the same BIN with unstored pregaps of 150 sectors instead
cat > "$T/gap.cue" <<CUE
FILE "mm.bin" BINARY
  TRACK 01 MODE1/2352
    INDEX 01 00:00:00
  TRACK 02 AUDIO
    PREGAP 00:02:00
    INDEX 01 $(msf $n1)
  TRACK 03 AUDIO
    PREGAP 00:02:00
    INDEX 01 $(msf $((n1 + n2)))
CUE

# layout IMAGE JSON: the layout as JSON, without the image name and format
layout() {
	run 0 "$GM" info --json "$1"
	sed 's/^{"image": "[^"]*", "format": "[^"]*", //' "$T/out" > "$2"
}

# same IMAGE SHEET: IMAGE reads like SHEET and converts back to its BIN
same() {
	layout "$T/$2" "$T/want.json"
	layout "$T/$1" "$T/got.json"
	cmp -s "$T/want.json" "$T/got.json" || {
		diff "$T/want.json" "$T/got.json" >&2
		fail "$1 does not read like $2"
	}
	rm -f "$T/back.cue" "$T/back.bin"
	run 0 "$GM" convert "$T/$1" "$T/back.cue"
	cmp "$T/back.bin" "$T/mm.bin" || fail "$1 -> CUE changed the BIN"
}

trk2="audio:$n2,pre=150,idx2=75,isrc=USABC9912345,dcp,pre-emph,title=Sine 440 Hertz"
trk3="audio:$n3,pre=150,title=Sine 660 Hertz"

# NRG version 2 and 1, disc-at-once, with the 150 sectors before LBA 0
# stored as Nero does (skipped: the disc starts at LBA 0), or without.
"$MKIMAGE" -2 -c 0123456789012 -t "Mixed Mode Disc" -p "Glassmaster Tests" \
	nrg2 "$T/mm.bin" "$T/v2.nrg" "mode1:$n1,title=Data Track One" "$trk2" "$trk3" ||
	fail "gm-mkimage nrg2"
same v2.nrg full.cue
run 0 "$GM" info --json "$T/v2.nrg"
contains "$T/out" '"format": "nrg", "media": "CD"'
"$MKIMAGE" -2 -L -c 0123456789012 -t "Mixed Mode Disc" -p "Glassmaster Tests" \
	nrg1 "$T/mm.bin" "$T/v1.nrg" "mode1:$n1,title=Data Track One" "$trk2" "$trk3" ||
	fail "gm-mkimage nrg1"
same v1.nrg full.cue
run 0 "$GM" info "$T/v1.nrg"
contains "$T/out" "image: '$T/v1.nrg' (nrg), CD, 1 session, 3 tracks"
contains "$T/out" "index 02 at LBA $((n1 + 225))"

# libcdio reads the version 2 image alike (its CUEX reader takes no
# INDEX 02, and its CUES reader of version 1 does not decode the MSF).
"$MKIMAGE" -c 0123456789012 -t "Mixed Mode Disc" -p "Glassmaster Tests" \
	nrg2 "$T/mm.bin" "$T/cdio.nrg" "mode1:$n1,title=Data Track One" \
	"audio:$n2,pre=150,isrc=USABC9912345,dcp,pre-emph,title=Sine 440 Hertz" "$trk3" ||
	fail "gm-mkimage nrg2 for cd-info"
cd-info --no-device-info --no-cddb --nrg-file "$T/cdio.nrg" > "$T/cdinfo" 2>&1 ||
	{ cat "$T/cdinfo"; fail "cd-info failed"; }
layout "$T/cdio.nrg" "$T/cdio.json"
for lsn in 0 $((n1 + 150)) $((n1 + n2 + 150)); do
	grep -q "$(printf '%06d' $lsn) " "$T/cdinfo" || { cat "$T/cdinfo"; fail "cd-info lacks LSN $lsn"; }
	contains "$T/cdio.json" "\"start\": $lsn,"
done
lead=$((n1 + n2 + n3))
grep -q "$(printf '%06d' $lead) leadout" "$T/cdinfo" || { cat "$T/cdinfo"; fail "cd-info: another lead-out"; }
contains "$T/cdio.json" "\"leadout\": $lead,"
contains "$T/cdinfo" "Media Catalog Number (MCN): 0123456789012"
contains "$T/cdinfo" "TITLE: Mixed Mode Disc"
contains "$T/cdinfo" "PERFORMER: Glassmaster Tests"
contains "$T/cdinfo" "TITLE: Sine 440 Hertz"
same cdio.nrg noidx2.cue

# Unstored pregaps: the cue sheet's index 0 before the stored sectors.
"$MKIMAGE" nrg2 "$T/mm.bin" "$T/gap.nrg" "mode1:$n1" "audio:$n2,gap=150" \
	"audio:$n3,gap=150" || fail "gm-mkimage gap.nrg"
same gap.nrg gap.cue

# Track-at-once: no cue sheet; the ETNF/ETN2 starts are places in the
# file, and every track after the first has the 150-sector gap on the disc
# that the file does not hold: the layout of gap.cue, as cd-info reads it.
# (libcdio reads only TAO images of one sector size, and no raw Mode 1:
# its oracle gets an audio CD of four tracks.)
for v in 1 2; do
	"$MKIMAGE" tao$v "$T/mm.bin" "$T/tao$v.nrg" "mode1:$n1" "audio:$n2,gap=150" \
		"audio:$n3,gap=150" || fail "gm-mkimage tao$v"
	same tao$v.nrg gap.cue
done
make_audio "$T/au.bin" 4 523
a=$(( $(wc -c < "$T/au.bin") / 2352 / 4 ))
for v in 1 2; do
	"$MKIMAGE" tao$v "$T/au.bin" "$T/au$v.nrg" "audio:$a" "audio:$a,gap=150" \
		"audio:$a,gap=150" "audio:$a,gap=150" || fail "gm-mkimage au$v.nrg"
	cd-info --no-device-info --no-cddb --nrg-file "$T/au$v.nrg" > "$T/cdinfo" 2>&1 ||
		{ cat "$T/cdinfo"; fail "cd-info failed on au$v.nrg"; }
	run 0 "$GM" info --json "$T/au$v.nrg"
	for k in 0 1 2 3; do
		lsn=$((k * (a + 150)))
		grep -q "$(printf '%06d' $lsn) audio" "$T/cdinfo" ||
			{ cat "$T/cdinfo"; fail "cd-info lacks LSN $lsn in au$v.nrg"; }
		contains "$T/out" "\"start\": $lsn, \"length\": $a,"
	done
	lead=$((4 * a + 450))
	grep -q "$(printf '%06d' $lead) leadout" "$T/cdinfo" ||
		{ cat "$T/cdinfo"; fail "cd-info: another lead-out of au$v.nrg"; }
	contains "$T/out" "\"leadout\": $lead,"
done
# the gaps are generated silence in the BIN a cue is converted to, and
# the hashes of the tracks are those of gap.cue's tracks
run 0 "$GM" convert "$T/tao1.nrg" "$T/taocue.cue"
contains "$T/taocue.cue" "PREGAP 00:02:00"
run 0 "$GM" convert --force "$T/gap.cue" "$T/gapcue.cue"
cmp "$T/taocue.bin" "$T/gapcue.bin" || fail "TAO NRG and gap.cue convert to other BINs"
# a data CD of 2048-byte sectors: libcdio agrees, and the ISO comes back
"$MKIMAGE" tao1 "$T/a.bin" "$T/data.nrg" "mode1c:$n1" || fail "gm-mkimage data.nrg"
run 0 "$GM" info --json "$T/data.nrg"
contains "$T/out" "\"sector_size\": 2048, \"start\": 0, \"length\": $n1,"
cd-info --no-device-info --no-cddb --nrg-file "$T/data.nrg" > "$T/cdinfo" 2>&1 ||
	{ cat "$T/cdinfo"; fail "cd-info failed on data.nrg"; }
grep -q "000000 data" "$T/cdinfo" || { cat "$T/cdinfo"; fail "cd-info: no data track at 0"; }
grep -q "$(printf '%06d' $n1) leadout" "$T/cdinfo" || { cat "$T/cdinfo"; fail "cd-info: lead-out"; }
run 0 "$GM" convert "$T/data.nrg" "$T/data.iso"
cmp "$T/data.iso" "$T/a.iso" || fail "NRG -> ISO differs from the ISO"
run 0 "$GM" convert "$T/data.nrg" "$T/data.cue"
cmp "$T/data.bin" "$T/a.bin" || fail "cooked NRG -> CUE differs from the BIN"

# Two sessions (a SINF chunk each).
"$MKIMAGE" -s 1 nrg2 "$T/mm.bin" "$T/multi.nrg" "mode1:$n1" \
	"audio:$n2,pre=150,dcp,pre-emph" "audio:$n3,pre=150" || fail "gm-mkimage multi.nrg"
same multi.nrg multi.cue
contains "$T/got.json" '"sessions": 2'

# MDS: pregaps in the .mdf, or not; two sessions; a DVD.
"$MKIMAGE" mds "$T/mm.bin" "$T/m.mds" "mode1:$n1" "audio:$n2,pre=150,dcp,pre-emph" \
	"audio:$n3,pre=150" || fail "gm-mkimage mds"
same m.mds flags.cue
run 0 "$GM" info --json "$T/m.mds"
contains "$T/out" '"format": "mds", "media": "CD"'
"$MKIMAGE" mds "$T/mm.bin" "$T/g.mds" "mode1:$n1" "audio:$n2,gap=150" \
	"audio:$n3,gap=150" || fail "gm-mkimage g.mds"
same g.mds gap.cue
"$MKIMAGE" -s 1 mds "$T/mm.bin" "$T/ms.mds" "mode1:$n1" "audio:$n2,pre=150,dcp,pre-emph" \
	"audio:$n3,pre=150" || fail "gm-mkimage ms.mds"
same ms.mds multi.cue
"$MKIMAGE" mds-dvd "$T/a.iso" "$T/dvd.mds" || fail "gm-mkimage mds-dvd"
run 0 "$GM" info "$T/dvd.mds"
contains "$T/out" "image: '$T/dvd.mds' (mds), DVD, 1 session, 1 track"
contains "$T/out" "track 1 file systems: ISO 9660 \"NRG_MDS\""
run 0 "$GM" convert "$T/dvd.mds" "$T/dvd.iso"
cmp "$T/dvd.iso" "$T/a.iso" || fail "MDS (DVD) -> ISO differs"

# Neither is written.
run 2 "$GM" convert "$T/a.iso" "$T/x.nrg"
contains "$T/err" "cannot tell the format to write from '$T/x.nrg'"

# ------------------------------------------------------------------
# Damaged images: exit 2, the file and the byte.

u32be() { od -An -tu4 --endian=big -j "$2" -N4 "$1" | tr -d ' '; }
u32le() { od -An -tu4 --endian=little -j "$2" -N4 "$1" | tr -d ' '; }
# put FILE OFFSET BYTE...: overwrite bytes
put() {
	f=$1 at=$2
	shift 2
	s=
	for b in "$@"; do s="$s$(printf '\\%03o' "$b")"; done
	printf "$s" | dd of="$f" bs=1 seek="$at" conv=notrunc status=none
}
be32() { echo $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
le32() { echo $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
bad() {
	run 2 "$GM" info "$T/$1"
	contains "$T/err" "$2"
}

# the chunks of cdio.nrg: CUEX, DAOX, CDTX, SINF, MTYP, END!, footer
size=$(wc -c < "$T/cdio.nrg")
first=$(u32be "$T/cdio.nrg" $((size - 4)))
cuex_len=$(u32be "$T/cdio.nrg" $((first + 4)))
daox=$((first + 8 + cuex_len))
cdtx=$((daox + 8 + 22 + 3 * 42))
sinf=$((cdtx + 8 + $(u32be "$T/cdio.nrg" $((cdtx + 4)))))
head -c $((size - 100)) "$T/cdio.nrg" > "$T/trunc.nrg"
bad trunc.nrg "nrg image '$T/trunc.nrg' at byte $((size - 112)): no NER5 or NERO footer at the end of the file"
cp "$T/cdio.nrg" "$T/foot.nrg"
put "$T/foot.nrg" $((size - 4)) $(be32 $size)
bad foot.nrg "nrg image '$T/foot.nrg' at byte $((size - 8)): the footer puts the first chunk at byte $size, not before the footer at byte $((size - 12))"
cp "$T/cdio.nrg" "$T/long.nrg"
put "$T/long.nrg" $((first + 4)) $(be32 2147483392)
bad long.nrg "nrg image '$T/long.nrg' at byte $first: CUEX chunk of 2147483392 bytes runs past the end of the chunks at byte $((size - 12))"
cp "$T/cdio.nrg" "$T/count.nrg"
put "$T/count.nrg" $((daox + 8 + 21)) 4
bad count.nrg "nrg image '$T/count.nrg' at byte $daox: DAOX chunk of 148 bytes is too short for 4 tracks"
cp "$T/cdio.nrg" "$T/sinf.nrg"
put "$T/sinf.nrg" $((sinf + 8)) $(be32 5)
bad sinf.nrg "nrg image '$T/sinf.nrg' at byte $sinf: the SINF chunks count 5 tracks, the track chunks hold 3"
cp "$T/cdio.nrg" "$T/end.nrg"
entry3=$((daox + 8 + 22 + 2 * 42))
put "$T/end.nrg" $((entry3 + 38)) $(be32 $((first + 4704)))
bad end.nrg "nrg image '$T/end.nrg' at byte $entry3: track 3 ends at byte $((first + 4704)), beyond the track data, which ends at byte $first"
cp "$T/cdio.nrg" "$T/cue.nrg"
put "$T/cue.nrg" $((first + 8 + 8 * 4 + 2)) 3
bad cue.nrg "nrg image '$T/cue.nrg' at byte $((daox + 8 + 22 + 42)): track 2 has no index 1 in the CUEX chunk"
head -c 5 /dev/zero > "$T/tiny.nrg"
bad tiny.nrg "nrg image '$T/tiny.nrg' at byte 0: no NER5 or NERO footer"

# the descriptor of m.mds: header, session block at 88, then the entries
mdsize=$(wc -c < "$T/m.mds")
entries=$(u32le "$T/m.mds" $((88 + 20)))
head -c 100 "$T/m.mds" > "$T/short.mds"
bad short.mds "mds image '$T/short.mds' at byte 80: the 1 session blocks at byte 88 run past the end of the descriptor (100 bytes)"
cp "$T/m.mds" "$T/lone.mds"
bad lone.mds "'$T/lone.mds' refers to '$T/lone.mdf', which cannot be opened"
contains "$T/err" "mds image '$T/lone.mds' at byte"
cp "$T/m.mds" "$T/count.mds"
cp "$T/m.mdf" "$T/count.mdf"
put "$T/count.mds" $((88 + 14)) 4
bad count.mds "mds image '$T/count.mds' at byte 98: session 1 has 6 entries, 3 of them not tracks, for the 4 tracks 1 to 4"
cp "$T/m.mds" "$T/extra.mds"
cp "$T/m.mdf" "$T/extra.mdf"
put "$T/extra.mds" $((entries + 3 * 80 + 12)) $(le32 100000)
bad extra.mds "mds image '$T/extra.mds' at byte $((entries + 3 * 80 + 12)): the extra block of track 1 at byte 100000 runs past the end of the descriptor ($mdsize bytes)"
cp "$T/m.mds" "$T/cut.mds"
head -c 1000000 "$T/m.mdf" > "$T/cut.mdf"
bad cut.mds "mds image '$T/cut.mds' at byte $((entries + 4 * 80 + 40)): track 2 needs $((n2 - 150)) sectors of 2352 bytes from byte $(((n1 + 150) * 2352)) of '$T/cut.mdf', which is 1000000 bytes"
cp "$T/m.mds" "$T/v2.mds"
put "$T/v2.mds" 16 2
bad v2.mds "mds image '$T/v2.mds' at byte 16: version 2.3 is not supported (1.x is)"
