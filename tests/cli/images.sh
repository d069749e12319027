# images.sh - sourced by tests that need disc images: each function makes
# one from scratch with independent tools (genisoimage, sox).

# make_iso DIR ISO LABEL: a small tree in DIR mastered by genisoimage.
make_iso() {
	mkdir -p "$1/sub"
	head -c 300000 /dev/urandom > "$1/random.bin"
	head -c 70000 /dev/urandom > "$1/sub/more.bin"
	echo "glassmaster test tree" > "$1/readme.txt"
	genisoimage -quiet -J -R -V "$3" -o "$2" "$1" ||
		fail "genisoimage failed"
}

# msf SECTORS: MM:SS:FF of a cue sheet
msf() { printf '%02d:%02d:%02d' $(($1 / 4500)) $(($1 / 75 % 60)) $(($1 % 75)); }

# three_tracks CUE BIN N1 N2 [PRE3]: a one-BIN sheet of a MODE1/2352 track
# of N1 sectors, an audio track of N2 with a stored 75-sector INDEX 00,
# and an audio track to the end (with a stored INDEX 00 of PRE3 sectors)
three_tracks() {
	{
		printf 'FILE "%s" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n' "$2"
		printf '  TRACK 02 AUDIO\n    INDEX 00 %s\n    INDEX 01 %s\n' \
			"$(msf "$3")" "$(msf $(($3 + 75)))"
		printf '  TRACK 03 AUDIO\n'
		[ -z "${5:-}" ] || printf '    INDEX 00 %s\n' "$(msf $(($3 + $4)))"
		printf '    INDEX 01 %s\n' "$(msf $(($3 + $4 + ${5:-0})))"
	} > "$1"
}

# make_audio FILE SECONDS FREQ: raw 16-bit stereo 44.1 kHz little-endian.
make_audio() {
	sox -q -n -r 44100 -c 2 -b 16 -e signed -L -t raw "$1" synth "$2" sine "$3" ||
		fail "sox failed"
}

# make_mixed DIR ISO: a redump-style multi-file mixed-mode sheet
# DIR/mixed.cue: track 1 the ISO as MODE1/2352, track 2 audio with an
# unstored PREGAP and an INDEX 02, track 3 audio as WAVE with a stored
# INDEX 00; MCN, CD-TEXT, FLAGS and ISRC.
make_mixed() {
	"$GM" convert --force "$2" "$1/mixed-data.cue" > /dev/null ||
		fail "ISO -> CUE failed"
	mv "$1/mixed-data.bin" "$1/mixed (Track 1).bin"
	rm -f "$1/mixed-data.cue"
	make_audio "$1/mixed (Track 2).bin" 5 440
	sox -q -n -r 44100 -c 2 -b 16 -e signed "$1/mixed (Track 3).wav" synth 3 sine 660 ||
		fail "sox failed"
	cat > "$1/mixed.cue" <<'CUE'
CATALOG 0123456789012
TITLE "Mixed Disc"
PERFORMER "Someone"
FILE "mixed (Track 1).bin" BINARY
  TRACK 01 MODE1/2352
    INDEX 01 00:00:00
FILE "mixed (Track 2).bin" BINARY
  TRACK 02 AUDIO
    TITLE "Sine 440"
    FLAGS DCP PRE
    ISRC USABC9912345
    PREGAP 00:02:00
    INDEX 01 00:00:00
    INDEX 02 00:01:00
FILE "mixed (Track 3).wav" WAVE
  TRACK 03 AUDIO
    INDEX 00 00:00:00
    INDEX 01 00:00:50
CUE
}
