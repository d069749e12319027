# interop.sh - what we write reads back the same through independent
# programs (bchunk, chdman, libcdio's cd-info and iso-info), and what they
# write, we read.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"
. "$srcdir/tests/cli/images.sh"

for tool in bchunk chdman cd-info iso-info genisoimage sox; do
	command -v "$tool" > /dev/null || fail "$tool is not installed"
done

make_iso "$T/tree" "$T/a.iso" INTEROP
run 0 "$GM" convert "$T/a.iso" "$T/a.cue"

# iso-info reads the label of our ISO -> CUE -> ISO image
run 0 "$GM" convert "$T/a.cue" "$T/back.iso"
iso-info -i "$T/back.iso" -f > "$T/isoinfo" 2>&1 || fail "iso-info failed"
grep -q "INTEROP" "$T/isoinfo" || { cat "$T/isoinfo"; fail "iso-info: no label"; }

# A single-file mixed-mode sheet without unstored gaps (bchunk and
# libcdio place tracks by file position only).
make_audio "$T/t2.raw" 4 440
make_audio "$T/t3.raw" 2 880
cat "$T/a.bin" "$T/t2.raw" "$T/t3.raw" > "$T/mm.bin"
n1=$(( $(wc -c < "$T/a.bin") / 2352 ))
n2=$(( $(wc -c < "$T/t2.raw") / 2352 ))
three_tracks "$T/mm.cue" mm.bin $n1 $n2
run 0 "$GM" convert "$T/mm.cue" "$T/ours.cue"
cmp "$T/mm.bin" "$T/ours.bin" || fail "CUE -> CUE changed the BIN"

# bchunk: bin -> iso equals our convert; bin -> wav equals our audio
(cd "$T" && bchunk -w ours.bin ours.cue bc > bchunk.log 2>&1) || fail "bchunk failed"
cmp "$T/bc01.iso" "$T/a.iso" || fail "bchunk's ISO of our BIN differs from the ISO"
# (bchunk starts a track at its INDEX 01)
tail -c +45 "$T/bc02.wav" | cmp -i 0:$((75 * 2352)) - "$T/t2.raw" ||
	fail "bchunk's WAVE of track 2 differs"
tail -c +45 "$T/bc03.wav" | cmp - "$T/t3.raw" || fail "bchunk's WAVE of track 3 differs"

# chdman: createcd from our sheet, extractcd back: same BIN; and we read
# the sheet chdman writes with the same layout as ours
chdman createcd -i "$T/ours.cue" -o "$T/ours.chd" > /dev/null 2>&1 || fail "chdman createcd"
chdman extractcd -i "$T/ours.chd" -o "$T/chd.cue" -ob "$T/chd.bin" > /dev/null 2>&1 ||
	fail "chdman extractcd"
cmp "$T/chd.bin" "$T/ours.bin" || fail "chdman's BIN differs from ours"
run 0 "$GM" info --json "$T/chd.cue"
sed 's/^{"image": "[^"]*", //' "$T/out" > "$T/chd.json"
run 0 "$GM" info --json "$T/ours.cue"
sed 's/^{"image": "[^"]*", //' "$T/out" | cmp - "$T/chd.json" ||
	fail "chdman's sheet reads differently from ours"

# libcdio's cd-info reads our sheet with the same track starts
cd-info --no-device-info --no-cddb --cue-file "$T/ours.cue" > "$T/cdinfo" 2>&1 ||
	{ cat "$T/cdinfo"; fail "cd-info failed"; }
run 0 "$GM" info --json "$T/ours.cue"
for lsn in 0 $((n1 + 75)) $((n1 + n2)); do
	grep -q "$(printf '%06d' $lsn) " "$T/cdinfo" || { cat "$T/cdinfo"; fail "cd-info lacks LSN $lsn"; }
	contains "$T/out" "\"start\": $lsn,"
done
grep -q "$(printf '%06d' $((n1 + n2 + $(wc -c < "$T/t3.raw") / 2352))) leadout" "$T/cdinfo" ||
	{ cat "$T/cdinfo"; fail "cd-info: another lead-out"; }
grep -q "ISO 9660: $n1 blocks, label .INTEROP" "$T/cdinfo" ||
	{ cat "$T/cdinfo"; fail "cd-info: no ISO 9660 in track 1"; }
