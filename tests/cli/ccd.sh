# ccd.sh - CloneCD images: cue -> ccd -> cue round trips (data and
# layout), the .img holding the whole program area, the .sub copied
# byte-exact from a .ccd and generated (and decodable) from a .cue,
# ccd2iso reading our .img, refused outputs, and malformed sheets.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"
. "$srcdir/tests/cli/images.sh"

command -v ccd2iso > /dev/null || fail "ccd2iso is not installed"

make_iso "$T/tree" "$T/a.iso" CLONE_DISC
run 0 "$GM" convert "$T/a.iso" "$T/a.cue"
sectors=$(( $(wc -c < "$T/a.bin") / 2352 ))

# json FILE: info --json of an image without its name and format.
json() {
	run 0 "$GM" info --json "$1"
	sed 's/^{"image": "[^"]*", "format": "[a-z]*", //' "$T/out"
}

# --- A data-only disc: ISO -> CUE -> CCD.
run 0 "$GM" convert "$T/a.cue" "$T/a.ccd"
for f in a.ccd a.img a.sub; do
	[ -f "$T/$f" ] || fail "no $f"
done
ls "$T" | grep -q gm-part && fail "temporary files left"
cmp "$T/a.bin" "$T/a.img" || fail "the .img differs from the raw BIN"
[ "$(wc -c < "$T/a.sub")" -eq $((sectors * 96)) ] || fail "the .sub is not 96 bytes a sector"
contains "$T/a.ccd" "[CloneCD]"
contains "$T/a.ccd" "Point=0xa2"
contains "$T/a.ccd" "INDEX 1=0"
run 0 "$GM" info "$T/a.ccd"
contains "$T/out" "(ccd), CD, 1 session, 1 track, lead-out at LBA $sectors"
contains "$T/out" "track 1 file systems: ISO 9660 \"CLONE_DISC\""
json "$T/a.ccd" > "$T/a-ccd.json"
json "$T/a.cue" | cmp - "$T/a-ccd.json" || fail "the .ccd's layout differs from the .cue's"

# (4) an independent reader: ccd2iso turns our .img into the original ISO
(cd "$T" && ccd2iso a.img ccd2iso.iso > /dev/null 2>&1) || fail "ccd2iso failed"
cmp "$T/ccd2iso.iso" "$T/a.iso" || fail "ccd2iso's ISO of our .img differs from the ISO"
run 0 "$GM" convert --lossy "$T/a.ccd" "$T/back.iso"
cmp "$T/back.iso" "$T/a.iso" || fail "CCD -> ISO differs"

# (3) the generated subchannel in the .sub, CloneCD order: P is bytes 0-11
# of a record, Q bytes 12-23.  Sector 0: P clear; Q = data track, ADR 1,
# track 01, index 01, relative 00:00:00, absolute 00:02:00, and its CRC
# (CRC-16/0x1021 over the 10 bytes, inverted: 0x2832).
sub_bytes() {
	od -An -tx1 -v -j "$2" -N "$3" "$1" | tr -s ' \n' '  ' | sed 's/^ //;s/ $//'
}
[ "$(sub_bytes "$T/a.sub" 0 12)" = "00 00 00 00 00 00 00 00 00 00 00 00" ] ||
	fail "P of sector 0: $(sub_bytes "$T/a.sub" 0 12)"
[ "$(sub_bytes "$T/a.sub" 12 12)" = "41 01 01 00 00 00 00 00 02 00 28 32" ] ||
	fail "Q of sector 0: $(sub_bytes "$T/a.sub" 12 12)"
# sector 100: relative and absolute time 00:01:25 and 00:03:25 (BCD)
[ "$(sub_bytes "$T/a.sub" $((100 * 96 + 12)) 10)" = "41 01 01 00 01 25 00 00 03 25" ] ||
	fail "Q of sector 100: $(sub_bytes "$T/a.sub" $((100 * 96 + 12)) 10)"
# R-W are zero
[ "$(sub_bytes "$T/a.sub" $((100 * 96 + 24)) 72 | tr -d ' 0')" = "" ] ||
	fail "R-W of sector 100 are not zero"

# A .sub that holds nothing but what the layout generates (P, Q, R-W
# empty) is no loss to a .cue: converted without --lossy.
run 0 "$GM" convert "$T/a.ccd" "$T/gen.cue"
cmp "$T/gen.bin" "$T/a.bin" || fail "CCD (generated .sub) -> CUE changed the data"
contains "$T/gen.cue" "TRACK 01 MODE1/2352"

# (2) CCD -> CCD copies the .sub byte-exact, even a damaged Q CRC
cp "$T/a.sub" "$T/a.sub.orig"
poke "$T/a.sub" $((7 * 96 + 12 + 10))
run 0 "$GM" convert "$T/a.ccd" "$T/copy.ccd"
cmp "$T/a.sub" "$T/copy.sub" || fail "CCD -> CCD changed the .sub"
cmp "$T/a.img" "$T/copy.img" || fail "CCD -> CCD changed the .img"
sed 's/copy/a/g' "$T/copy.ccd" | cmp - "$T/a.ccd" || fail "CCD -> CCD changed the sheet"

# A .cue cannot hold the .sub: refused, then dropped with --lossy; without
# a .sub there is nothing to lose.
run 2 "$GM" convert "$T/a.ccd" "$T/x.cue"
contains "$T/err" "cannot hold the subchannel of data track 1, and in 1 of its sectors (the first at LBA 7) it is not what the layout generates: Q differs in 1 (1 with a bad CRC), P in 0, R-W carry data in 0; --lossy drops it"
[ ! -e "$T/x.cue" ] && [ ! -e "$T/x.bin" ] || fail "a refused conversion left files"
# R-W data (CD+G, CD-TEXT in R-W) and a P flag are counted by channel
cp "$T/a.sub" "$T/a.sub.q"
poke "$T/a.sub" $((30 * 96 + 24 + 5))
poke "$T/a.sub" $((31 * 96 + 24 + 70))
poke "$T/a.sub" $((40 * 96 + 3))
run 2 "$GM" convert "$T/a.ccd" "$T/x.cue"
contains "$T/err" "in 4 of its sectors (the first at LBA 7) it is not what the layout generates: Q differs in 1 (1 with a bad CRC), P in 1, R-W carry data in 2;"
cp "$T/a.sub.q" "$T/a.sub"
run 0 "$GM" convert --lossy "$T/a.ccd" "$T/x.cue"
cmp "$T/x.bin" "$T/a.bin" || fail "CCD -> CUE changed the data"
rm "$T/copy.sub"
run 0 "$GM" convert "$T/copy.ccd" "$T/y.cue"
cmp "$T/y.bin" "$T/a.bin" || fail "CCD without .sub -> CUE changed the data"
# without a .sub, subchannel is generated as for a .cue
run 0 "$GM" convert "$T/copy.ccd" "$T/gen.ccd"
poke "$T/a.sub" $((7 * 96 + 12 + 10))
cmp "$T/gen.sub" "$T/a.sub" || fail "the generated .sub differs"

# --- (1) a single-file mixed-mode sheet without unstored gaps, with every
# kind of metadata: CUE -> CCD -> CUE gives the same BIN and layout.
make_audio "$T/t2.raw" 4 440
make_audio "$T/t3.raw" 2 880
cat "$T/a.bin" "$T/t2.raw" "$T/t3.raw" > "$T/mm.bin"
n1=$sectors
n2=$(( $(wc -c < "$T/t2.raw") / 2352 ))
msf() { printf '%02d:%02d:%02d' $(($1 / 4500)) $(($1 / 75 % 60)) $(($1 % 75)); }
cat > "$T/mm.cue" <<CUE
CATALOG 0123456789012
TITLE "Clone Disc"
PERFORMER "Somebody"
FILE "mm.bin" BINARY
  TRACK 01 MODE1/2352
    INDEX 01 00:00:00
  TRACK 02 AUDIO
    TITLE "Sine 440"
    PERFORMER "Nobody in particular, with a long name"
    FLAGS DCP PRE SCMS
    ISRC USABC9912345
    INDEX 00 $(msf $n1)
    INDEX 01 $(msf $((n1 + 75)))
    INDEX 02 $(msf $((n1 + 150)))
  TRACK 03 AUDIO
    TITLE "Sine 880"
    FLAGS 4CH
    INDEX 01 $(msf $((n1 + n2)))
CUE
run 0 "$GM" convert "$T/mm.cue" "$T/mm.ccd"
cmp "$T/mm.bin" "$T/mm.img" || fail "the .img of mm.cue differs from its BIN"
contains "$T/mm.ccd" "CATALOG=0123456789012"
contains "$T/mm.ccd" "ISRC=USABC9912345"
contains "$T/mm.ccd" "FLAGS= DCP PRE SCMS"
contains "$T/mm.ccd" "INDEX 0=$n1"
contains "$T/mm.ccd" "[CDText]"
json "$T/mm.cue" > "$T/mm.json"
contains "$T/mm.json" '"title": "Sine 440"'
json "$T/mm.ccd" | cmp - "$T/mm.json" || fail "mm.ccd reads differently from mm.cue"
run 0 "$GM" convert --lossy "$T/mm.ccd" "$T/mm2.cue"
cmp "$T/mm2.bin" "$T/mm.bin" || fail "CUE -> CCD -> CUE changed the BIN"
json "$T/mm2.cue" | cmp - "$T/mm.json" || fail "CUE -> CCD -> CUE changed the layout"
# P and Q in the pregap of track 2 (index 00: P set; DCP and PRE) and in
# track 3 (4CH), in frames that carry ADR 1 (absolute frame not 25 or 75
# modulo 100)
adr1() {
	s=$1
	while [ $(( (s + 150) % 100 )) -eq 25 ] || [ $(( (s + 150) % 100 )) -eq 75 ]; do
		s=$((s + 1))
	done
	echo $s
}
off=$(( $(adr1 $((n1 + 10))) * 96 ))
[ "$(sub_bytes "$T/mm.sub" "$off" 12)" = "ff ff ff ff ff ff ff ff ff ff ff ff" ] ||
	fail "P in the pregap of track 2: $(sub_bytes "$T/mm.sub" "$off" 12)"
[ "$(sub_bytes "$T/mm.sub" $((off + 12)) 3)" = "31 02 00" ] ||
	fail "Q in the pregap of track 2: $(sub_bytes "$T/mm.sub" $((off + 12)) 3)"
off=$(( $(adr1 $((n1 + n2 + 2))) * 96 ))
[ "$(sub_bytes "$T/mm.sub" "$off" 12 | tr -d ' 0')" = "" ] || fail "P in track 3 is set"
[ "$(sub_bytes "$T/mm.sub" $((off + 12)) 3)" = "81 03 01" ] ||
	fail "Q in track 3: $(sub_bytes "$T/mm.sub" $((off + 12)) 3)"

# --- the multi-file sheet with an unstored PREGAP and a WAVE file: the .img
# holds the whole program area, the PREGAP as 150 sectors of silence.
make_mixed "$T" "$T/a.iso"
run 0 "$GM" convert "$T/mixed.cue" "$T/mixed.ccd"
head -c $((150 * 2352)) /dev/zero > "$T/gap.raw"
tail -c +45 "$T/mixed (Track 3).wav" > "$T/t3.pcm"
cat "$T/mixed (Track 1).bin" "$T/gap.raw" "$T/mixed (Track 2).bin" "$T/t3.pcm" |
	cmp - "$T/mixed.img" || fail "mixed.img is not the program area of mixed.cue"
json "$T/mixed.cue" | sed 's/"pregap_unstored": 150/"pregap_unstored": 0/' > "$T/mixed.json"
json "$T/mixed.ccd" | cmp - "$T/mixed.json" ||
	fail "mixed.ccd reads differently from mixed.cue (but for the stored pregap)"
run 0 "$GM" convert --lossy "$T/mixed.ccd" "$T/mixed2.cue"
cmp "$T/mixed2.bin" "$T/mixed.img" || fail "CCD -> CUE changed the data"
json "$T/mixed2.cue" | cmp - "$T/mixed.json" || fail "CCD -> CUE changed the layout"
run 0 "$GM" convert "$T/mixed2.cue" "$T/mixed3.ccd"
cmp "$T/mixed3.img" "$T/mixed.img" || fail "CUE -> CCD -> CUE -> CCD changed the .img"
cmp "$T/mixed3.sub" "$T/mixed.sub" || fail "CUE -> CCD -> CUE -> CCD changed the .sub"

# --- Refused outputs: existing files (any of the three, before any work),
# more than one session.
run 0 "$GM" convert "$T/a.cue" "$T/e.ccd"
rm "$T/e.ccd" "$T/e.sub"
run 2 "$GM" convert "$T/a.cue" "$T/e.ccd"
contains "$T/err" "'$T/e.img' exists; use --force to replace it"
[ ! -e "$T/e.ccd" ] && [ ! -e "$T/e.sub" ] || fail "a refused conversion wrote files"
run 0 "$GM" convert --force "$T/a.cue" "$T/e.ccd"
cmp "$T/e.img" "$T/a.bin" || fail "--force did not replace e.img"
[ -f "$T/e.ccd" ] && [ -f "$T/e.sub" ] || fail "--force wrote no .ccd or .sub"
cat > "$T/ms.cue" <<'CUE'
FILE "a.bin" BINARY
  TRACK 01 MODE1/2352
    INDEX 01 00:00:00
REM SESSION 02
  TRACK 02 MODE1/2352
    INDEX 01 00:01:00
CUE
run 2 "$GM" convert "$T/ms.cue" "$T/ms.ccd"
contains "$T/err" "writing a disc of 2 sessions to '$T/ms.ccd' is not supported"
[ ! -e "$T/ms.img" ] || fail "a refused conversion left ms.img"

# --- Malformed sheets: the file and the line, exit 2.
lo=$((sectors + 150))
cat > "$T/base.ccd" <<CCD
[CloneCD]
Version=3
[Disc]
TocEntries=4
Sessions=1
DataTracksScrambled=0
CDTextLength=0
[Session 1]
PreGapMode=1
PreGapSubC=0
[Entry 0]
Session=1
Point=0xa0
ADR=0x01
Control=0x04
PMin=1
PSec=0
PFrame=0
[Entry 1]
Session=1
Point=0xa1
ADR=0x01
Control=0x04
PMin=1
PSec=0
PFrame=0
[Entry 2]
Session=1
Point=0xa2
ADR=0x01
Control=0x04
PMin=$((lo / 4500))
PSec=$((lo / 75 % 60))
PFrame=$((lo % 75))
PLBA=$sectors
[Entry 3]
Session=1
Point=0x01
ADR=0x01
Control=0x04
PMin=0
PSec=2
PFrame=0
PLBA=0
[TRACK 1]
MODE=1
INDEX 1=0
CCD
cp "$T/a.img" "$T/base.img"
run 0 "$GM" info --json "$T/base.ccd"
contains "$T/out" "\"leadout\": $sectors,"
cp "$T/a.img" "$T/bad.img"
bad_ccd() {
	expect=$1
	sed "$2" "$T/base.ccd" > "$T/bad.ccd"
	run 2 "$GM" info "$T/bad.ccd"
	contains "$T/err" "$expect"
}
bad_ccd "clonecd sheet '$T/bad.ccd' line 1: Version= before any [section]" 1d
bad_ccd "line 2: 'Version' is neither a [section] nor key=value" '2s/.*/Version/'
bad_ccd "line 8: section header '[Sesion 1' lacks its ']'" '8s/.*/[Sesion 1/'
bad_ccd "line 4: CATALOG=123 is not a 13-digit catalog number" '3a CATALOG=123'
bad_ccd "line 6: scrambled data tracks are not supported" '6s/0/1/'
bad_ccd "line 13: Point=0xzz is not a number from 0 to 255" '13s/.*/Point=0xzz/'
bad_ccd "line 17: PSec=-1 is not a number from 0 to 255" '17s/.*/PSec=-1/'
bad_ccd "line 27: PLBA=9 is not PMin:PSec:PFrame" '35s/.*/PLBA=9/'
bad_ccd "line 27: PMin:PSec:PFrame" '33s/.*/PSec=66/'
bad_ccd "line 4: TocEntries=5, but there are 4 [Entry] sections" '4s/4/5/'
bad_ccd "line 36: [Entry 3] is beyond TocEntries=3" '4s/4/3/'
bad_ccd "line 36: [Entry 3] has no Control=" '40d'
bad_ccd "line 45: [Entry 3] given twice" '45i [Entry 3]'
bad_ccd "line 19: Point=0xa1 names track 2 as the last of session 1, but it is track 1" '24s/1/2/'
bad_ccd "line 36: the TOC names track 2, which has no [TRACK 2] section" '38s/0x01/0x02/'
bad_ccd "line 45: [TRACK 100] is not numbered from 1 to 99" '45s/1/100/'
bad_ccd "line 45: [TRACK 1] has no MODE=" '46d'
bad_ccd "line 46: MODE=7 is not a number from 0 to 2" '46s/1/7/'
bad_ccd "line 45: [TRACK 1] has no INDEX 1=" '47d'
bad_ccd "line 45: INDEX 1=5, but the TOC places track 1 at LBA 0" '47s/0/5/'
bad_ccd "line 45: INDEX 3=2 is before INDEX 2=5" '47a INDEX 2=5\nINDEX 3=2'
bad_ccd "line 45: INDEX 0=3 is after INDEX 1=0" '47a INDEX 0=3'
bad_ccd "line 48: INDEX 1 given twice in [TRACK 1]" '47a INDEX 1=0'
bad_ccd "line 45: [TRACK 1] has INDEX 3= without INDEX 2=" '47a INDEX 3=20'
bad_ccd "line 45: track 1 has no sectors from its INDEX 2 (LBA $sectors) to its end at LBA $sectors" "47a INDEX 2=$sectors"
bad_ccd "line 48: ISRC=US-123 is not an ISRC" '47a ISRC=US-123'
bad_ccd "line 48: flag 'LOUD' is unknown" '47a FLAGS=DCP LOUD'
# the .img: missing, not whole sectors, too short; the .sub: wrong size
cp "$T/base.ccd" "$T/lone.ccd"
run 2 "$GM" info "$T/lone.ccd"
contains "$T/err" "'$T/lone.ccd' refers to '$T/lone.img', which cannot be opened"
head -c 100000 "$T/a.img" > "$T/lone.img"
run 2 "$GM" info "$T/lone.ccd"
contains "$T/err" "'$T/lone.img' is 100000 bytes, not a whole number of 2352-byte sectors"
head -c $((100 * 2352)) "$T/a.img" > "$T/lone.img"
run 2 "$GM" info "$T/lone.ccd"
contains "$T/err" "'$T/lone.img' holds 100 sectors, but the tracks of '$T/lone.ccd' need $sectors"
cp "$T/a.img" "$T/lone.img"
head -c 960 "$T/a.sub" > "$T/lone.sub"
run 2 "$GM" info "$T/lone.ccd"
contains "$T/err" "'$T/lone.sub' is 960 bytes, but $sectors sectors need $((sectors * 96)) bytes"
printf '[CloneCD]\nVersion=3\n\0\n' > "$T/nul.ccd"
run 2 "$GM" info "$T/nul.ccd"
contains "$T/err" "clonecd sheet '$T/nul.ccd' has a NUL byte at byte 20"
