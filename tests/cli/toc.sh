# toc.sh - cdrdao TOC files: CUE -> TOC -> CUE byte-exact with the same
# layout, big-endian audio in the BIN we write, cdrdao's own programs
# (toc2cue, cdrdao show-toc) reading our TOC files, a TOC file written the
# way cdrdao read-cd writes them, refused losses, existing outputs and
# malformed TOC files.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"
. "$srcdir/tests/cli/images.sh"

for tool in cdrdao toc2cue genisoimage sox; do
	command -v "$tool" > /dev/null || fail "$tool is not installed"
done

msf() { printf '%02d:%02d:%02d' $(($1 / 4500)) $(($1 / 75 % 60)) $(($1 % 75)); }

# json IMAGE FILE: the layout of IMAGE without its name and format.
json() {
	run 0 "$GM" info --json "$1"
	sed 's/^{"image": "[^"]*", "format": "[a-z]*", //' "$T/out" > "$2"
}

# ours IMAGE: our layout as "PREGAP n", "START lba", "INDEX lba", "END lba"
# lines, in the order cdrdao show-toc prints them.
ours() {
	run 0 "$GM" info "$1"
	awk '$3 ~ /^(AUDIO|MODE1|MODE2|CDI)$/ && $1 ~ /^[0-9]+$/ {
		if (n++) print "END " end
		if ($8 > 0) print "PREGAP " $8
		print "START " $5; end = $5 + $7 }
	$1 == "index" && $4 == "LBA" { print "INDEX " $5 }
	END { print "END " end }' "$T/out"
}

# cdrdao_layout TOC: the same lines from cdrdao's own parser.
cdrdao_layout() {
	# (cdrdao opens the data files relative to the current directory)
	(cd "$(dirname "$1")" && cdrdao show-toc "$(basename "$1")") > "$T/show-toc" 2>&1 ||
		{ cat "$T/show-toc" >&2; fail "cdrdao show-toc $1 failed"; }
	sed -n 's/^ *\(PREGAP\|START\|END\) *[0-9:]*( *\([0-9]*\)).*/\1 \2/p
		s/^ *INDEX *[0-9]* *[0-9:]*( *\([0-9]*\)).*/INDEX \1/p' "$T/show-toc"
}

make_iso "$T/tree" "$T/a.iso" TOC_DISC
make_mixed "$T" "$T/a.iso"
# One BIN: a data track; audio with an unstored PREGAP, INDEX 02, ISRC,
# FLAGS DCP PRE and a TITLE; audio with a stored INDEX 00; CATALOG, TITLE.
run 0 "$GM" convert --merge "$T/mixed.cue" "$T/one.cue"
n1=$(( $(wc -c < "$T/mixed (Track 1).bin") / 2352 ))
n2=$(( $(wc -c < "$T/mixed (Track 2).bin") / 2352 ))
n3=$(( ($(wc -c < "$T/mixed (Track 3).wav") - 44) / 2352 ))
json "$T/one.cue" "$T/one.json"

# (1) CUE -> TOC -> CUE: the BIN byte-exact, the layout the same.
run 0 "$GM" convert "$T/one.cue" "$T/a.toc"
[ -f "$T/a.bin" ] || fail "no a.bin"
contains "$T/a.toc" 'CATALOG "0123456789012"'
contains "$T/a.toc" 'TRACK MODE1_RAW'
contains "$T/a.toc" "DATAFILE \"a.bin\" $(msf $n1)"
contains "$T/a.toc" "FILE \"a.bin\" $(msf $n1) $(msf $n2)"
contains "$T/a.toc" 'PREGAP 00:02:00'
contains "$T/a.toc" 'ISRC "USABC9912345"'
contains "$T/a.toc" 'START 00:00:50'
contains "$T/a.toc" 'INDEX 00:01:00'
contains "$T/a.toc" 'TITLE "Mixed Disc"'
json "$T/a.toc" "$T/a.json"
cmp "$T/one.json" "$T/a.json" || fail "the TOC reads back with another layout"
run 0 "$GM" convert "$T/a.toc" "$T/back.cue"
cmp "$T/one.bin" "$T/back.bin" || fail "CUE -> TOC -> CUE changed the BIN"
json "$T/back.cue" "$T/back.json"
cmp "$T/one.json" "$T/back.json" || fail "CUE -> TOC -> CUE changed the layout"
# TOC -> TOC: the same file but for the BIN's name
run 0 "$GM" convert "$T/a.toc" "$T/again.toc"
sed 's/"again\.bin"/"a.bin"/' "$T/again.toc" | cmp - "$T/a.toc" ||
	fail "TOC -> TOC changed the TOC file"
cmp "$T/a.bin" "$T/again.bin" || fail "TOC -> TOC changed the BIN"

# (2) The data track is stored as it is; the audio big-endian: the cue's
# BIN swapped by dd.
head -c $((n1 * 2352)) "$T/one.bin" > "$T/data.part"
head -c $((n1 * 2352)) "$T/a.bin" | cmp - "$T/data.part" ||
	fail "the data track differs in the TOC's BIN"
dd if="$T/one.bin" of="$T/swapped" bs=2352 skip=$n1 conv=swab status=none
tail -c +$((n1 * 2352 + 1)) "$T/a.bin" | cmp - "$T/swapped" ||
	fail "the audio in the TOC's BIN is not the cue's audio byte-swapped"
tail -c +$((n1 * 2352 + 1)) "$T/one.bin" | cmp -s - "$T/swapped" &&
	fail "the audio is a palindrome: the byte order is not tested"

# (3) cdrdao's own parser reads our TOC file with our layout, and toc2cue
# turns it into a sheet we read with the same track starts.  This toc2cue
# (cdrdao 1.2.4) keeps PREGAP, START (as INDEX 00/01) and COPY (as DCP),
# but drops INDEX 02, ISRC, PRE_EMPHASIS and CD-TEXT, and its BINARY file
# holds the audio big-endian: only starts, lengths and pregaps can agree.
ours "$T/a.toc" > "$T/ours"
cdrdao_layout "$T/a.toc" > "$T/theirs"
cmp "$T/ours" "$T/theirs" || { diff "$T/ours" "$T/theirs"; fail "cdrdao show-toc reads another layout"; }
contains "$T/ours" "INDEX $((n1 + 150 + 75))"
(cd "$T" && toc2cue a.toc t2c.cue > t2c.log 2>&1) || { cat "$T/t2c.log"; fail "toc2cue failed"; }
contains "$T/t2c.cue" 'PREGAP 00:02:00'
json "$T/t2c.cue" "$T/t2c.json"
starts='"start": [0-9]*, "length": [0-9]*, "pregap": [0-9]*, "pregap_unstored": [0-9]*'
grep -o "$starts" "$T/t2c.json" > "$T/t2c.starts"
grep -o "$starts" "$T/a.json" | cmp - "$T/t2c.starts" ||
	fail "toc2cue's sheet has other track starts"
[ "$(wc -l < "$T/t2c.starts")" -eq 3 ] || fail "toc2cue's sheet lacks tracks"

# (4) A TOC file as cdrdao read-cd writes them (cdrdao cannot write one
# here without a drive): comments, NO COPY, DATAFILE lengths in MSF, FILE
# with a byte offset and samples, a track in two FILE pieces, SWAP
# (little-endian samples), a WAVE file, SILENCE before START, a ZERO
# post-gap, CD-TEXT with a binary item and a second language.  cdrdao
# show-toc and we read the same layout.
cat > "$T/cd.toc" <<TOC
CD_ROM
CATALOG "0123456789012"
CD_TEXT {
  LANGUAGE_MAP {
    0 : EN
    1 : 7
  }
  LANGUAGE 0 {
    TITLE "Disc \"Q\" \101"
    PERFORMER ""
    SIZE_INFO { 0, 1, 2 }
  }
  LANGUAGE 1 { TITLE "Autre" }
}


// Track 1
TRACK MODE1_RAW
NO COPY
DATAFILE "one.bin" $(msf $n1) // length in bytes: $((n1 * 2352))
ZERO MODE1_RAW 00:02:00


// Track 2
TRACK AUDIO
COPY
NO PRE_EMPHASIS
FOUR_CHANNEL_AUDIO
ISRC "USABC9912345"
SILENCE 00:01:00
FILE "one.bin" SWAP #$((n1 * 2352)) 0 00:03:00
FILE "one.bin" SWAP #$((n1 * 2352)) 00:03:00 $(( (n2 - 225) * 588 ))
START 00:01:50
INDEX 00:02:00


// Track 3
TRACK AUDIO
NO COPY
NO PRE_EMPHASIS
TWO_CHANNEL_AUDIO
FILE "mixed (Track 3).wav" 0
TOC
ours "$T/cd.toc" > "$T/ours"
cdrdao_layout "$T/cd.toc" > "$T/theirs"
cmp "$T/ours" "$T/theirs" || { diff "$T/ours" "$T/theirs"; fail "cdrdao show-toc reads cd.toc otherwise"; }
contains "$T/ours" "START $((n1 + 150 + 125))"
run 0 "$GM" info --json "$T/cd.toc"
contains "$T/out" '"cdtext": {"title": "Disc \"Q\" A", "performer": ""}'
contains "$T/out" '"pregap": 125, "pregap_unstored": 75, "postgap": 0, "flags": "DCP,4CH", "isrc": "USABC9912345"'
contains "$T/out" '"number": 1, "mode": "MODE1", "sector_size": 2352, "start": 0, "length": '$((n1 + 150))', "pregap": 0, "pregap_unstored": 0, "postgap": 150'
# SWAP audio and the WAVE are little-endian: the cue's BIN holds them as
# one.bin does
run 0 "$GM" convert "$T/cd.toc" "$T/cd.cue"
cmp "$T/cd.bin" "$T/one.bin" || fail "cd.toc's tracks differ from one.bin"
run 0 "$GM" convert "$T/cd.toc" "$T/cd2.toc"
cmp "$T/cd2.bin" "$T/a.bin" || fail "cd.toc -> TOC differs from one.cue -> TOC"
ours "$T/cd2.toc" > "$T/ours2"
cmp "$T/ours" "$T/ours2" || fail "cd.toc -> TOC changed the layout"
cdrdao_layout "$T/cd2.toc" | cmp - "$T/ours2" || fail "cdrdao reads cd2.toc otherwise"

# (5) What a TOC file cannot hold is refused, and nothing is left behind.
sed 's/^  TRACK 03/REM SESSION 02\n&/' "$T/one.cue" > "$T/ms.cue"
run 2 "$GM" convert "$T/ms.cue" "$T/ms.toc"
contains "$T/err" "'$T/ms.toc' holds one session: the later sessions (from track 3 on) would be lost"
[ ! -e "$T/ms.toc" ] && [ ! -e "$T/ms.bin" ] || fail "a refused conversion left files"
ls "$T" | grep -q gm-part && fail "temporary files left"
run 0 "$GM" convert --lossy "$T/ms.cue" "$T/ms.toc"
[ "$(grep -c '^TRACK' "$T/ms.toc")" -eq 2 ] || fail "--lossy did not keep the first session"
sed 's/FLAGS DCP PRE/FLAGS DCP PRE SCMS/' "$T/one.cue" > "$T/scms.cue"
run 2 "$GM" convert "$T/scms.cue" "$T/scms.toc"
contains "$T/err" "cannot hold the SCMS flag of track 2"

# Existing outputs are refused without --force, the TOC before any work.
run 2 "$GM" convert "$T/one.cue" "$T/a.toc"
contains "$T/err" "'$T/a.toc' exists; use --force to replace it"
run 0 "$GM" convert --force "$T/one.cue" "$T/a.toc"
: > "$T/b.bin"
run 2 "$GM" convert "$T/one.cue" "$T/b.toc"
contains "$T/err" "'$T/b.bin' exists; use --force to replace it"
[ ! -e "$T/b.toc" ] && [ ! -s "$T/b.bin" ] || fail "a refused conversion wrote"

# (6) Malformed TOC files: the file and the line, exit 2.
bad_toc() {
	expect=$1
	shift
	printf '%s\n' "$@" > "$T/bad.toc"
	run 2 "$GM" info "$T/bad.toc"
	contains "$T/err" "$expect"
}
head -c $((4 * 2352)) "$T/one.bin" > "$T/ok.bin"
bad_toc "toc file '$T/bad.toc' line 3: 'FROB' is not a toc file keyword" \
	'CD_ROM' 'TRACK MODE1_RAW' 'FROB' 'DATAFILE "ok.bin"'
bad_toc "toc file '$T/bad.toc' line 3: '00:61:00' is not a time mm:ss:ff" \
	'TRACK MODE1_RAW' '// a comment' 'DATAFILE "ok.bin" 00:61:00'
bad_toc "toc file '$T/bad.toc' line 2: '$T/bad.toc' refers to '$T/nope.bin', which cannot be opened" \
	'TRACK MODE1_RAW' 'DATAFILE "nope.bin"'
bad_toc "toc file '$T/bad.toc' line 2: 11760 bytes from byte 0 run beyond the end of '$T/ok.bin' (9408 bytes)" \
	'TRACK MODE1_RAW' 'DATAFILE "ok.bin" 00:00:05'
bad_toc "line 2: offset 9408 is at or beyond the end of '$T/ok.bin'" \
	'TRACK MODE1_RAW' 'DATAFILE "ok.bin" #9408'
bad_toc "line 1: 'MODE3' is not a track mode" 'TRACK MODE3' 'DATAFILE "ok.bin"'
bad_toc "line 1: DATAFILE before any TRACK" 'DATAFILE "ok.bin"' 'TRACK AUDIO'
bad_toc "line 2: unterminated quoted string" 'TRACK MODE1_RAW' 'DATAFILE "ok.bin'
bad_toc "line 2: 'USABC99' is not an ISRC" 'TRACK AUDIO' 'ISRC "USABC99"' 'FILE "ok.bin" 0'
bad_toc "line 1: packed R-W sub-channel (RW) is not supported" 'TRACK AUDIO RW' 'DATAFILE "ok.bin"'
bad_toc "line 2: INDEX before the track's data" 'TRACK AUDIO' 'INDEX 00:00:01' 'FILE "ok.bin" 0'
bad_toc "line 4: SILENCE or ZERO between the data of track 1" \
	'TRACK AUDIO' 'FILE "ok.bin" 0 00:00:02' 'SILENCE 00:00:01' 'FILE "ok.bin" 00:00:02'
bad_toc "line 2: track 1 begins with 1 sectors of SILENCE or ZERO but index 01 (START) is at sector 0" \
	'TRACK AUDIO' 'SILENCE 00:00:01' 'FILE "ok.bin" 0'
bad_toc "line 3: INDEX 00:00:04 is at or beyond the end of track 1" \
	'TRACK AUDIO' 'FILE "ok.bin" 0' 'INDEX 00:00:04'
bad_toc "line 2: the data of track 1 in '$T/ok.bin' is 4000 bytes, not a whole number of 2352-byte sectors" \
	'TRACK AUDIO' 'FILE "ok.bin" 0 1000'
bad_toc "toc file '$T/bad.toc' has no TRACK" 'CD_DA' 'CATALOG "0123456789012"'

# An index in the unstored postgap (cdrdao's END after the data) has no
# place in a cue sheet: refused, dropped with --lossy.
cat > "$T/end.toc" <<TOC
CD_ROM
TRACK MODE1_RAW
DATAFILE "one.bin" $(msf $n1)
ZERO MODE1_RAW 00:02:00
END $(msf $n1)
TOC
run 2 "$GM" convert "$T/end.toc" "$T/end.cue"
contains "$T/err" "cannot hold index 2 of track 1: it lies in the unstored postgap; --lossy drops it"
[ ! -e "$T/end.cue" ] && [ ! -e "$T/end.bin" ] || fail "a refused conversion left files"
run 0 "$GM" convert --lossy "$T/end.toc" "$T/end.cue"
lacks "$T/end.cue" "INDEX 02"
contains "$T/end.cue" "POSTGAP 00:02:00"

# A sheet's CDTEXTFILE has no place in a TOC file: refused, or dropped.
printf 'raw CD-TEXT packs' > "$T/one.cdt"
(echo 'CDTEXTFILE "one.cdt"'; cat "$T/one.cue") > "$T/cdt.cue"
run 2 "$GM" convert "$T/cdt.cue" "$T/cdt.toc"
contains "$T/err" "cannot refer to a CDTEXTFILE: '$T/one.cdt' would be lost"
run 0 "$GM" convert --lossy "$T/cdt.cue" "$T/cdt.toc"

# libcdio's cd-info (which opens data files from the current directory)
# reads our TOC file of an audio disc with our track
# starts and lead-out (its reader misplaces a first DATAFILE track, so the
# mixed disc is left to cdrdao show-toc above).
make_audio "$T/au-src.bin" 3 330
printf 'FILE "au-src.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n  TRACK 02 AUDIO\n    INDEX 00 00:01:00\n    INDEX 01 00:01:30\n  TRACK 03 AUDIO\n    INDEX 01 00:02:10\n' > "$T/au.cue"
run 0 "$GM" convert "$T/au.cue" "$T/au.toc"
(cd "$T" && cd-info --no-device-info --no-cddb --toc-file au.toc) > "$T/cdinfo" 2>&1 ||
	{ cat "$T/cdinfo"; fail "cd-info cannot read our TOC file"; }
for lsn in 000000 000105 000160; do
	grep -q " $lsn audio" "$T/cdinfo" || { cat "$T/cdinfo"; fail "cd-info lacks a track at $lsn"; }
done
grep -q "000225 leadout" "$T/cdinfo" || { cat "$T/cdinfo"; fail "cd-info: another lead-out"; }

# A track of nothing but SILENCE (or ZERO) is a track: cdrdao's layout,
# and the same layout through a cue sheet (which stores its sectors) and a
# TOC file of ours (which generates them again).
make_audio "$T/silsrc.bin" 4 300
cat > "$T/sil.toc" <<'TOC'
CD_DA
TRACK AUDIO
FILE "silsrc.bin" 0
TRACK AUDIO
SILENCE 00:03:00
START 00:02:00
TRACK AUDIO
ZERO 00:01:00
TRACK AUDIO
FILE "silsrc.bin" 00:01:00 00:01:00
TOC
ours "$T/sil.toc" > "$T/ours-sil"
cdrdao_layout "$T/sil.toc" | cmp - "$T/ours-sil" ||
	{ cat "$T/ours-sil"; fail "cdrdao reads sil.toc otherwise"; }
contains "$T/ours-sil" "START 450"
run 0 "$GM" convert "$T/sil.toc" "$T/sil.cue"
ours "$T/sil.cue" > "$T/ours-silcue"
cmp "$T/ours-sil" "$T/ours-silcue" || fail "the cue of sil.toc has another layout"
# every sector of the silent tracks from INDEX 01 on is in the BIN, zero
[ "$(wc -c < "$T/sil.bin")" -eq $(( (300 + 75 + 75 + 75) * 2352 )) ] ||
	fail "sil.bin is $(wc -c < "$T/sil.bin") bytes"
cmp -n $((150 * 2352)) -i $((300 * 2352)):0 "$T/sil.bin" /dev/zero ||
	fail "the silent tracks are not silence in sil.bin"
run 0 "$GM" convert "$T/sil.cue" "$T/sil2.toc"
cdrdao_layout "$T/sil2.toc" | cmp - "$T/ours-sil" || fail "cdrdao reads our sil2.toc otherwise"
