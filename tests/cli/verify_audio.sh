# verify_audio.sh - `glassmaster verify` of audio tracks: the read offset
# of a shifted copy is found (either way, to the sample) and the copy
# matches; a changed sample is reported in its sector; a mixed-mode disc
# compares its data track by user data and its audio tracks raw, also
# across formats; audio through the simulated drive is refused.
. "$(dirname "$0")/lib.sh"
. "$srcdir/tests/cli/images.sh"

cue() {
	printf 'FILE "%s" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n' "$2" > "$T/$1"
}
# 4 s: 300 sectors, a tone then half a second of (dithered) quiet
sox -q -n -r 44100 -c 2 -b 16 -e signed -L -t raw "$T/a.bin" synth 3.5 sine 440 pad 0 0.5 ||
	fail "sox failed"
size=$(wc -c < "$T/a.bin")
cue a.cue a.bin

# the same audio read 37 samples late (what the drive gives first is
# silence from before the track)
{ head -c $((37 * 4)) /dev/zero; head -c $((size - 37 * 4)) "$T/a.bin"; } > "$T/late.bin"
cue late.cue late.bin
run 0 "$GM" verify --no-hash "$T/late.cue" "$T/a.cue"
contains "$T/out" "MATCH: '$T/late.cue' matches '$T/a.cue'"
contains "$T/out" "track 1 (audio, LBA 0-299): read offset +37 samples, 0 sectors differ"

# read 1234 samples early (more than two sectors)
{ tail -c +$((1234 * 4 + 1)) "$T/a.bin"; head -c $((1234 * 4)) /dev/zero; } > "$T/early.bin"
cue early.cue early.bin
run 0 "$GM" verify --no-hash --json "$T/early.cue" "$T/a.cue"
contains "$T/out" '"offset_samples": -1234'
contains "$T/out" '"verdict": "MATCH"'

# one sample changed: its sector, in master LBAs, and nothing else
cp "$T/late.bin" "$T/bad.bin"
poke "$T/bad.bin" $((200 * 2352 + 37 * 4 + 1000))
cue bad.cue bad.bin
run 1 "$GM" verify --no-hash "$T/bad.cue" "$T/a.cue"
contains "$T/out" "MISMATCH"
contains "$T/out" "read offset +37 samples, 1 sector differs"
contains "$T/out" "  mismatch LBA 200-200 (1 sector)"

# mixed mode: the data track by user data, the audio raw; a CloneCD
# conversion of the disc matches its cue sheet
genisoimage -quiet -R -o "$T/data.iso" "$srcdir/tests/sample"
mkdir "$T/mx"
make_mixed "$T/mx" "$T/data.iso"
run 0 "$GM" convert "$T/mx/mixed.cue" "$T/mx/conv.ccd"
run 0 "$GM" verify "$T/mx/conv.ccd" "$T/mx/mixed.cue"
contains "$T/out" "MATCH"
contains "$T/out" "track 2 (audio"
contains "$T/out" "track 3 (audio"
# each audio track's hash is that of its BIN file (the unstored PREGAP of
# track 2 left out)
contains "$T/out" "md5 $(md5sum < "$T/mx/mixed (Track 2).bin" | cut -c 1-32)"

# audio is compared from images: not through the simulated drive (yet)
printf '10 unreadable\n' > "$T/faults"
run 2 "$GM" verify --simulate "$T/faults" "$T/a.cue" "$T/a.cue"
contains "$T/err" "they are compared from images only"

# a redump-style dat of the mixed disc: each file against the rom of its
# name; one changed track file is named, the others match
run 0 "$GM" hash --dat "$T/mx/mixed.cue"
cp "$T/out" "$T/mixed.dat"
run 0 "$GM" verify "$T/mx/mixed.cue" "$T/mixed.dat"
contains "$T/out" "MATCH: '$T/mx/mixed.cue' matches '$T/mixed.dat' (4 files)"
contains "$T/out" "mixed (Track 2).bin: matches its rom"
poke "$T/mx/mixed (Track 2).bin" 5000
run 1 "$GM" verify --json "$T/mx/mixed.cue" "$T/mixed.dat"
contains "$T/out" '"verdict": "MISMATCH"'
contains "$T/out" '{"name": "mixed (Track 2).bin", "status": "differs"'
contains "$T/out" '{"name": "mixed (Track 1).bin", "status": "match"'
