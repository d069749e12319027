set -e
# oracle.sh - glassmaster info against libcdio's cd-info (and cdrdao's own
# parser for TOC files) over cue, TOC and NRG images of every kind the
# tests make: the same track starts (index 01) and lead-out for each.
#
# Not compared: multi-file (redump-style) cue sheets, which libcdio 2.1's
# cue driver cannot open (it looks for a BIN named after the sheet); TOC
# files whose last track has a pregap, with cd-info (libcdio puts their
# lead-out the pregap's length late; cdrdao is their oracle); and sheets
# with PREGAP or POSTGAP.  A cue sheet's PREGAP adds
# sectors to the disc that the file does not hold (CDRWIN's meaning, and
# cdrdao's for TOC files); libcdio ignores it and places the track by its
# position in the file, 150 sectors a PREGAP early.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"
. "$srcdir/tests/cli/images.sh"
MKIMAGE="$builddir/tests/gm-mkimage"

for tool in cd-info cdrdao sox genisoimage python3; do
	command -v "$tool" > /dev/null || fail "$tool is not installed"
done

# theirs KIND IMAGE: "TRACK LSN" a track and "leadout LSN", from cd-info
theirs() {
	(cd "$(dirname "$2")" && cd-info --no-device-info --no-cddb --no-disc-mode \
		--"$1"-file "$(basename "$2")") > "$T/cdinfo" 2>&1 ||
		{ cat "$T/cdinfo" >&2; fail "cd-info cannot read $2"; }
	awk '$1 ~ /^[0-9]+:$/ && $3 ~ /^[0-9]+$/ {
		t = $1; sub(":", "", t); t += 0
		if (t == 170) print "leadout " $3 + 0; else print t " " $3 + 0 }' "$T/cdinfo"
}

# ours IMAGE: the same lines from glassmaster info --json
ours() {
	run 0 "$GM" info --json "$1"
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for t in d["tracks"]:
    print(t["number"], t["start"])
print("leadout", d["leadout"])' "$T/out"
}

# same KIND IMAGE: cd-info and glassmaster agree on IMAGE
checked=0
same() {
	theirs "$1" "$2" > "$T/theirs"
	ours "$2" > "$T/ours"
	[ -s "$T/theirs" ] || { cat "$T/cdinfo" >&2; fail "cd-info lists no tracks of $2"; }
	cmp -s "$T/theirs" "$T/ours" || {
		paste "$T/theirs" "$T/ours" >&2
		fail "cd-info (left) and glassmaster (right) disagree on $2"
	}
	checked=$((checked + 1))
}

# cdrdao_same TOC: cdrdao show-toc's starts and end against ours
cdrdao_same() {
	(cd "$(dirname "$1")" && cdrdao show-toc "$(basename "$1")") > "$T/show" 2>&1 ||
		{ cat "$T/show" >&2; fail "cdrdao show-toc $1 failed"; }
	awk '/^TRACK/ { n++ } $1 == "START" { gsub(/[()]/, " "); print n, $3 + 0 }
	     $1 == "END" { gsub(/[()]/, " "); end = $3 + 0 } END { print "leadout", end }' \
		"$T/show" > "$T/theirs"
	ours "$1" > "$T/ours"
	cmp -s "$T/theirs" "$T/ours" || {
		paste "$T/theirs" "$T/ours" >&2
		fail "cdrdao (left) and glassmaster (right) disagree on $1"
	}
	checked=$((checked + 1))
}

# Audio: four tracks, two with a stored INDEX 00.
make_audio "$T/au.bin" 12 440
printf 'FILE "au.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n  TRACK 02 AUDIO\n    INDEX 00 00:02:00\n    INDEX 01 00:03:00\n  TRACK 03 AUDIO\n    INDEX 01 00:06:10\n  TRACK 04 AUDIO\n    INDEX 00 00:08:00\n    INDEX 01 00:09:74\n' > "$T/au.cue"
same cue "$T/au.cue"
run 0 "$GM" convert "$T/au.cue" "$T/au2.toc"
cdrdao_same "$T/au2.toc"
# (cd-info only where the last track has no pregap: libcdio 2.1 puts the
# lead-out a whole FILE length after the last START, 149 sectors late
# here; cdrdao, whose format it is, agrees with us)
head -n 8 "$T/au.cue" > "$T/au3.cue"
run 0 "$GM" convert "$T/au3.cue" "$T/au3.toc"
same toc "$T/au3.toc"
cdrdao_same "$T/au3.toc"

# Data: an ISO as a raw Mode 1 track, cue and TOC; a mixed-mode disc.
make_iso "$T/tree" "$T/a.iso" ORACLE
run 0 "$GM" convert "$T/a.iso" "$T/data.cue"
same cue "$T/data.cue"
run 0 "$GM" convert "$T/data.cue" "$T/datat.toc"
cdrdao_same "$T/datat.toc"
n1=$(( $(wc -c < "$T/data.bin") / 2352 ))
cat "$T/data.bin" "$T/au.bin" > "$T/mixed.bin"
printf 'FILE "mixed.bin" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n  TRACK 02 AUDIO\n    INDEX 00 %s\n    INDEX 01 %s\n  TRACK 03 AUDIO\n    INDEX 01 %s\n' \
	"$(printf '%02d:%02d:%02d' $((n1 / 4500)) $((n1 / 75 % 60)) $((n1 % 75)))" \
	"$(printf '%02d:%02d:%02d' $(((n1 + 150) / 4500)) $(((n1 + 150) / 75 % 60)) $(((n1 + 150) % 75)))" \
	"$(printf '%02d:%02d:%02d' $(((n1 + 400) / 4500)) $(((n1 + 400) / 75 % 60)) $(((n1 + 400) % 75)))" \
	> "$T/mixed.cue"
same cue "$T/mixed.cue"
run 0 "$GM" convert "$T/mixed.cue" "$T/mixedt.toc"
cdrdao_same "$T/mixedt.toc"

# Sheets whose files are named otherwise (issue 19): the same layout.
mkdir "$T/case"
cp "$T/au.bin" "$T/case/au.bin"
sed 's/"au.bin"/"AU.BIN"/' "$T/au.cue" > "$T/case/au.cue"
same cue "$T/case/au.cue"
mkdir "$T/ren"
cp "$T/au.bin" "$T/ren/p1.bin"
sed 's/"au.bin"/"BOING.BIN"/' "$T/au.cue" > "$T/ren/p1.cue"
same cue "$T/ren/p1.cue"

# Nero: disc-at-once of both versions, track-at-once of both versions.
a=$(( $(wc -c < "$T/au.bin") / 2352 / 4 ))
for v in 1 2; do
	"$MKIMAGE" nrg$v "$T/au.bin" "$T/dao$v.nrg" "audio:$a" "audio:$a,pre=150" \
		"audio:$a" "audio:$a,pre=75" || fail "gm-mkimage nrg$v"
	"$MKIMAGE" tao$v "$T/au.bin" "$T/tao$v.nrg" "audio:$a" "audio:$a,gap=150" \
		"audio:$a,gap=150" "audio:$a,gap=150" || fail "gm-mkimage tao$v"
	same nrg "$T/tao$v.nrg"
done
# (libcdio's CUES reader, version 1, does not decode its MSF: version 2)
same nrg "$T/dao2.nrg"
"$MKIMAGE" tao1 "$T/data.bin" "$T/data.nrg" "mode1c:$n1" ||
	fail "gm-mkimage data.nrg"
same nrg "$T/data.nrg"
echo "oracle.sh: $checked images, the same layout"
