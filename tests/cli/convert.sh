# convert.sh - info and convert on ISO images and cue sheets: byte-exact
# round trips, multi-file <-> single-file, refused losses, bad sectors,
# existing outputs, and malformed cue sheets.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"
. "$srcdir/tests/cli/images.sh"

make_iso "$T/tree" "$T/a.iso" SAMPLE_DISC
make_mixed "$T" "$T/a.iso"

# ISO -> CUE -> ISO is byte-exact; the BIN is raw Mode 1 with good EDC/ECC.
run 0 "$GM" info "$T/a.iso"
contains "$T/out" "track 1 file systems: ISO 9660 \"SAMPLE_DISC\""
run 0 "$GM" convert "$T/a.iso" "$T/b.cue"
[ -f "$T/b.bin" ] || fail "no b.bin"
[ "$(wc -c < "$T/b.bin")" -eq $(( $(wc -c < "$T/a.iso") / 2048 * 2352 )) ] ||
	fail "b.bin is not 2352 bytes a sector"
contains "$T/b.cue" "TRACK 01 MODE1/2352"
run 0 "$GM" verify --integrity "$T/b.bin"
run 0 "$GM" info "$T/b.cue"
contains "$T/out" "ISO 9660 \"SAMPLE_DISC\""
run 0 "$GM" convert "$T/b.cue" "$T/c.iso"
cmp "$T/a.iso" "$T/c.iso" || fail "ISO -> CUE -> ISO differs"
# --sync only waits for the disk: the same bytes, the files named
run 0 "$GM" convert --sync "$T/b.cue" "$T/d.iso"
cmp "$T/a.iso" "$T/d.iso" || fail "convert --sync wrote other bytes"
run 0 "$GM" convert --sync "$T/a.iso" "$T/e.cue"
cmp "$T/b.bin" "$T/e.bin" || fail "convert --sync wrote another BIN"
rm -f "$T/d.iso" "$T/e.cue" "$T/e.bin"
# A write that fails part way through (a file size limit with SIGXFSZ
# ignored: write() says EFBIG) stops the convert with status 3 and the
# output named, and leaves nothing behind.  The ISO is written by a second
# thread while the next sectors are read: its error has to come back.
"$MKRAW" -n 3000 -r 5 "$T/big.bin"
printf 'FILE "big.bin" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n' > "$T/big.cue"
(trap '' XFSZ; ulimit -f 4096; run 3 "$GM" convert "$T/big.cue" "$T/big.iso")
contains "$T/err" "cannot write '$T/big.iso'"
contains "$T/err" "File too large"
[ -z "$(find "$T" -name '*big.iso*')" ] || fail "a failed convert left $(find "$T" -name '*big.iso*')"
run 0 "$GM" convert "$T/big.cue" "$T/big.iso"
[ "$(wc -c < "$T/big.iso")" -eq $((3000 * 2048)) ] || fail "big.iso is not 3000 sectors"
rm -f "$T/big.bin" "$T/big.cue" "$T/big.iso"

# The mixed-mode multi-file sheet: layout as written.
run 0 "$GM" info --json "$T/mixed.cue"
contains "$T/out" '"mcn": "0123456789012"'
contains "$T/out" '"number": 2, "mode": "AUDIO", "sector_size": 2352'
contains "$T/out" '"pregap": 150, "pregap_unstored": 150'
contains "$T/out" '"flags": "DCP,PRE", "isrc": "USABC9912345"'
cp "$T/out" "$T/mixed.json"

# multi-file -> single-file -> multi-file: every BIN byte-exact, same layout
run 0 "$GM" convert --merge "$T/mixed.cue" "$T/one.cue"
[ "$(grep -c '^FILE' "$T/one.cue")" -eq 1 ] || fail "--merge made several files"
run 0 "$GM" convert "$T/one.cue" "$T/again.cue"
[ "$(grep -c '^FILE' "$T/again.cue")" -eq 1 ] || fail "a single-file input was split"
run 0 "$GM" convert --split "$T/one.cue" "$T/split.cue"
cmp "$T/mixed (Track 1).bin" "$T/split (Track 1).bin" || fail "track 1 differs"
cmp "$T/mixed (Track 2).bin" "$T/split (Track 2).bin" || fail "track 2 differs"
tail -c +45 "$T/mixed (Track 3).wav" | cmp - "$T/split (Track 3).bin" ||
	fail "track 3 (WAVE) differs"
for c in one again split; do
	run 0 "$GM" info --json "$T/$c.cue"
	sed 's/^{"image": "[^"]*", "format": "cue", //' "$T/out" > "$T/$c.json"
	sed 's/^{"image": "[^"]*", "format": "cue", //' "$T/mixed.json" | cmp - "$T/$c.json" ||
		fail "the layout of $c.cue differs from mixed.cue"
done
# a multi-file input stays multi-file by default
run 0 "$GM" convert "$T/split.cue" "$T/split2.cue"
[ "$(grep -c '^FILE' "$T/split2.cue")" -eq 3 ] || fail "a multi-file input was merged"
cmp -s "$T/split.cue" "$T/split2.cue" ||
	sed 's/split2/split/' "$T/split2.cue" | cmp - "$T/split.cue" ||
	fail "CUE -> CUE changed the sheet"

# What an .iso cannot hold is refused, and nothing is left behind.
run 2 "$GM" convert "$T/mixed.cue" "$T/m.iso"
contains "$T/err" "cannot hold audio: track 2 (525 sectors) would be lost"
[ ! -e "$T/m.iso" ] || fail "a refused conversion left m.iso"
ls "$T" | grep -q gm-part && fail "temporary files left"
run 0 "$GM" convert --lossy "$T/mixed.cue" "$T/m.iso"
cmp "$T/m.iso" "$T/a.iso" || fail "--lossy did not write the data track"

# Raw -> ISO checks EDC/ECC and names the bad sectors; the image is written.
cp "$T/b.bin" "$T/bad.bin"
sed 's/b\.bin/bad.bin/' "$T/b.cue" > "$T/bad.cue"
poke "$T/bad.bin" $((100 * 2352 + 700))
poke "$T/bad.bin" $((200 * 2352 + 2200))
run 1 "$GM" convert "$T/bad.cue" "$T/bad.iso"
contains "$T/err" "LBA 100: EDC/ECC or header check failed"
contains "$T/err" "LBA 200: EDC/ECC or header check failed"
contains "$T/err" "'$T/bad.iso' is written, but 2 sectors failed their EDC/ECC check"
[ -f "$T/bad.iso" ] || fail "bad.iso not written"

# Existing outputs are refused without --force, replaced with it.
run 2 "$GM" convert "$T/a.iso" "$T/b.cue"
contains "$T/err" "'$T/b.cue' exists; use --force to replace it"
run 0 "$GM" convert --force "$T/a.iso" "$T/b.cue"
run 2 "$GM" convert "$T/a.iso" "$T/x.img"
contains "$T/err" "cannot tell the format to write from '$T/x.img'"

# An output directory that cannot be written: exit 2 or 3, nothing left.
mkdir "$T/ro"
chmod 0555 "$T/ro"
if [ "$(id -u)" -ne 0 ]; then
	run 3 "$GM" convert "$T/a.iso" "$T/ro/x.cue"
	contains "$T/err" "cannot create a file beside '$T/ro/x.bin'"
fi
run 2 "$GM" convert "$T/a.iso" "$T/missing/x.cue"
contains "$T/err" "cannot create a file beside '$T/missing/x.bin'"
[ -z "$(ls "$T/ro")" ] || fail "files left in a read-only directory"

# Malformed cue sheets: the file and the line, exit 2.
bad_cue() {
	expect=$1
	shift
	printf '%s\n' "$@" > "$T/bad.cue"
	run 2 "$GM" info "$T/bad.cue"
	contains "$T/err" "$expect"
}
cp "$T/b.bin" "$T/ok.bin"
rm "$T/bad.bin"	# (else it would stand in for a missing file)
bad_cue "cue sheet '$T/bad.cue' line 2: TRACK before any FILE" \
	'REM hello' 'TRACK 01 MODE1/2352' 'INDEX 01 00:00:00'
bad_cue "cue sheet '$T/bad.cue' line 3: '00:61:00' is not a time mm:ss:ff" \
	'FILE "ok.bin" BINARY' 'TRACK 01 MODE1/2352' 'INDEX 01 00:61:00'
bad_cue "cue sheet '$T/bad.cue' line 1: '$T/bad.cue' refers to '$T/nope.bin', which cannot be opened" \
	'FILE "nope.bin" BINARY' 'TRACK 01 MODE1/2352' 'INDEX 01 00:00:00'
bad_cue "line 2: track type 'MODE3/2352' is unknown" \
	'FILE "ok.bin" BINARY' 'TRACK 01 MODE3/2352' 'INDEX 01 00:00:00'
bad_cue "line 2: track 1 has no INDEX 01" \
	'FILE "ok.bin" BINARY' 'TRACK 01 MODE1/2352' 'INDEX 00 00:00:00'
bad_cue "line 4: 'FROB' is not a cue sheet command" \
	'FILE "ok.bin" BINARY' 'TRACK 01 MODE1/2352' 'INDEX 01 00:00:00' 'FROB 1'
bad_cue "line 1: unterminated quoted string" \
	'FILE "ok.bin BINARY' 'TRACK 01 MODE1/2352' 'INDEX 01 00:00:00'
bad_cue "line 4: track 3 follows track 1" \
	'FILE "ok.bin" BINARY' 'TRACK 01 MODE1/2352' 'INDEX 01 00:00:00' 'TRACK 03 AUDIO'
bad_cue "line 3: 'USABC99' is not an ISRC" \
	'FILE "ok.bin" BINARY' 'TRACK 01 MODE1/2352' 'ISRC USABC99' 'INDEX 01 00:00:00'
head -c 100000 "$T/b.bin" > "$T/short.bin"
bad_cue "is 100000 bytes: from track 1 on that is not a whole number of 2352-byte sectors" \
	'FILE "short.bin" BINARY' 'TRACK 01 MODE1/2352' 'INDEX 01 00:00:00'
head -c 5000 /dev/urandom > "$T/noise.iso"
run 0 "$GM" info "$T/noise.iso"
contains "$T/err" "warning: '$T/noise.iso' is 5000 bytes, not a whole number of 2048-byte sectors: sector 2 has only 904 bytes (1144 are missing) and is left out"
head -c 2000 /dev/urandom > "$T/noise.iso"
run 2 "$GM" info "$T/noise.iso"
contains "$T/err" "'$T/noise.iso' is 2000 bytes, less than one 2048-byte sector"
run 2 "$GM" info "$T/none.cue"
contains "$T/err" "cannot open '$T/none.cue'"

# A CD+G track (audio with subchannel, 2448-byte sectors) stays CDG and
# byte-exact; the CD-TEXT file of a sheet is carried beside the new sheet.
head -c $((2448 * 300)) /dev/urandom > "$T/karaoke.bin"
printf 'CDTEXTFILE "karaoke.cdt"\nFILE "karaoke.bin" BINARY\n  TRACK 01 CDG\n    INDEX 01 00:00:00\n' > "$T/karaoke.cue"
printf 'not really CD-TEXT, but carried byte for byte' > "$T/karaoke.cdt"
run 0 "$GM" convert "$T/karaoke.cue" "$T/k2.cue"
contains "$T/k2.cue" "TRACK 01 CDG"
contains "$T/k2.cue" 'CDTEXTFILE "k2.cdt"'
cmp "$T/karaoke.bin" "$T/k2.bin" || fail "the CDG track changed"
cmp "$T/karaoke.cdt" "$T/k2.cdt" || fail "the CD-TEXT file changed"
run 0 "$GM" info "$T/k2.cue"
contains "$T/out" "AUDIO    2448"
rm "$T/karaoke.cdt"
run 2 "$GM" info "$T/karaoke.cue"
contains "$T/err" "cue sheet '$T/karaoke.cue' line 1: CDTEXTFILE '$T/karaoke.cdt' cannot be read"

# UDF: an ISO 9660 + UDF bridge made by genisoimage shows both, with labels
genisoimage -quiet -udf -J -R -V BRIDGE -o "$T/u.iso" "$T/tree" || fail "genisoimage -udf"
run 0 "$GM" info "$T/u.iso"
contains "$T/out" "ISO 9660 \"BRIDGE\""
contains "$T/out" "UDF (NSR02) \"BRIDGE\""
