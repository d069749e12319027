# chd.sh - CHD v5 images (issue 17) made by chdman (Debian's mame-tools
# 0.251, the independent implementation) read by glassmaster.
#
# Sources: a mixed-mode cue sheet (data track, an audio track with an
# unstored PREGAP, an audio track with a stored INDEX 00), a data ISO, and
# a cdrdao TOC with RW_RAW subchannel.  chdman createcd makes CHDs of
# them with its default codecs (cdlz, cdzl, cdfl: chosen per hunk) and
# with each of -c none, cdzl, cdlz, cdfl; for each:
# - `glassmaster convert x.chd y.cue` gives the sheet and BIN that
#   `chdman extractcd` gives (the sheet equal but for the BIN's name);
# - `info` lists the tracks of the source sheet (chdman keeps neither the
#   MCN, CD-TEXT, ISRC nor INDEX 02: what they lose is not compared);
# - the subchannel CHD converted to a TOC gives chdman's BIN (sectors and
#   interleaved subchannel) byte for byte;
# - ls and extract of the ISO's CHD give the ISO's tree;
# - damaged CHDs (a byte of a hunk, of the map, of the metadata changed;
#   the file cut short; an older version) fail with status 2 and a
#   message naming the hunk, the map or the entry, leaving no output.
# (chdman 0.251 writes CHDs it cannot reopen from tiny incompressible
# inputs: these are dozens of hunks.)
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"
. "$srcdir/tests/cli/images.sh"

for tool in chdman genisoimage sox python3; do
	command -v "$tool" > /dev/null || fail "$tool is not installed (sh bootstrap check)"
done

make_iso "$T/tree" "$T/a.iso" CHDTEST
make_mixed "$T" "$T/a.iso"

# chd SOURCE OUT [CODECS]: chdman createcd
chd() {
	if [ -n "${3:-}" ]; then
		chdman createcd -f -c "$3" -i "$1" -o "$2" > "$T/chdman.log" 2>&1
	else
		chdman createcd -f -i "$1" -o "$2" > "$T/chdman.log" 2>&1
	fi || { cat "$T/chdman.log" >&2; fail "chdman createcd -i $1 ${3:+-c $3}"; }
}

# the layout lines of `info` (tracks, modes, starts, lengths, pregaps)
layout() {
	run 0 "$GM" info "$1"
	grep -E '^ +[0-9]+ +[0-9]+ ' "$T/out" | awk '{print $2, $3, $4, $5, $7, $8}'
}

layout "$T/mixed.cue" > "$T/layout.cue"
for codecs in default none cdzl cdlz cdfl; do
	c=$T/m-$codecs.chd
	if [ $codecs = default ]; then chd "$T/mixed.cue" "$c"; else chd "$T/mixed.cue" "$c" $codecs; fi
	chdman extractcd -f -i "$c" -o "$T/x-$codecs.cue" -ob "$T/x-$codecs.bin" > /dev/null 2>&1 ||
		fail "chdman extractcd of $codecs"
	echo "\$ glassmaster convert m-$codecs.chd g-$codecs.cue"
	run 0 "$GM" convert "$c" "$T/g-$codecs.cue"
	cmp "$T/g-$codecs.bin" "$T/x-$codecs.bin" ||
		fail "$codecs: our BIN of chdman's CHD differs from chdman extractcd's"
	sed "s/g-$codecs.bin/BIN/" "$T/g-$codecs.cue" > "$T/g.sheet"
	sed "s/x-$codecs.bin/BIN/" "$T/x-$codecs.cue" > "$T/x.sheet"
	cmp "$T/g.sheet" "$T/x.sheet" || {
		diff "$T/g.sheet" "$T/x.sheet" >&2
		fail "$codecs: our sheet of chdman's CHD differs from chdman extractcd's"
	}
	layout "$c" > "$T/layout.chd"
	cmp "$T/layout.chd" "$T/layout.cue" || {
		diff "$T/layout.chd" "$T/layout.cue" >&2
		fail "$codecs: info of the CHD lists other tracks than the sheet's"
	}
done
# the source's samples and sectors, whatever the codec
cat "$T/mixed (Track 1).bin" "$T/mixed (Track 2).bin" > "$T/src12.bin"
head -c "$(wc -c < "$T/src12.bin")" "$T/g-cdfl.bin" | cmp - "$T/src12.bin" ||
	fail "tracks 1 and 2 through cdfl differ from the source's"

# Mode 2 Form 1 sectors: chdman strips their sync and parity too (their
# ECC leaves the header out), which must come back the same
"$MKRAW" -m 2 -n 400 "$T/m2.bin" || fail "gm-mkraw"
printf 'FILE "m2.bin" BINARY\n  TRACK 01 MODE2/2352\n    INDEX 01 00:00:00\n' > "$T/m2.cue"
chd "$T/m2.cue" "$T/m2.chd"
echo "\$ glassmaster convert m2.chd m2back.cue"
run 0 "$GM" convert "$T/m2.chd" "$T/m2back.cue"
cmp "$T/m2back.bin" "$T/m2.bin" || fail "Mode 2 Form 1 sectors through chdman's CHD differ"

# the data ISO (TYPE MODE1: 2048-byte sectors): the same ISO, the same tree
chd "$T/a.iso" "$T/iso.chd"
echo "\$ glassmaster convert iso.chd back.iso; ls -R; extract"
run 0 "$GM" convert "$T/iso.chd" "$T/back.iso"
cmp "$T/back.iso" "$T/a.iso" || fail "the ISO through chdman's CHD differs"
run 0 "$GM" ls -R "$T/iso.chd"
mv "$T/out" "$T/ls.chd"
run 0 "$GM" ls -R "$T/a.iso"
cmp "$T/ls.chd" "$T/out" || fail "ls -R of the CHD differs from the ISO's"
run 0 "$GM" extract "$T/iso.chd" -C "$T/x.chd"
run 0 "$GM" extract "$T/a.iso" -C "$T/x.iso"
diff -r "$T/x.chd" "$T/x.iso" > /dev/null || fail "extract of the CHD differs from the ISO's"

# subchannel: a TOC with RW_RAW (from a CloneCD image of the mixed sheet)
run 0 "$GM" convert "$T/mixed.cue" "$T/s.ccd"
run 0 "$GM" convert "$T/s.ccd" "$T/s.toc"
chd "$T/s.toc" "$T/s.chd"
chdman info -v -i "$T/s.chd" > "$T/s.info" 2>&1
grep -q "SUBTYPE:RW_RAW" "$T/s.info" || fail "chdman did not keep the subchannel"
chdman extractcd -f -i "$T/s.chd" -o "$T/xs.toc" -ob "$T/xs.bin" > /dev/null 2>&1 ||
	fail "chdman extractcd -o .toc"
echo "\$ glassmaster convert s.chd gs.toc"
run 0 "$GM" convert "$T/s.chd" "$T/gs.toc"
cmp "$T/gs.bin" "$T/xs.bin" || fail "the subchannel CHD as a TOC differs from chdman's"
# its Q subchannel is the one the CloneCD image had (chdman keeps it whole)
run 0 "$GM" convert "$T/s.chd" "$T/gs.ccd"
cmp -n "$(( 366 * 96 ))" "$T/gs.sub" "$T/s.sub" ||
	fail "the data track's subchannel through the CHD differs from the CloneCD .sub"

# damage: status 2, a message naming what, no output left
field() {	# field FILE OFFSET LEN: a big-endian number of the header
	python3 -c "import sys; d=open(sys.argv[1],'rb').read(); print(int.from_bytes(d[int(sys.argv[2]):int(sys.argv[2])+int(sys.argv[3])],'big'))" "$@"
}
poke() {	# poke FILE OFFSET: its byte at OFFSET inverted
	python3 -c "
import sys
p, o = sys.argv[1], int(sys.argv[2])
d = bytearray(open(p, 'rb').read()); d[o] ^= 0xff; open(p, 'wb').write(d)" "$@"
}
broken() {	# broken NAME PATTERN: convert NAME.chd fails as it should
	echo "\$ glassmaster convert $1.chd $1.cue (damaged)"
	run 2 "$GM" convert "$T/$1.chd" "$T/$1.cue"
	grep -Eq "$2" "$T/err" || { cat "$T/err" >&2; fail "$1: no message matching '$2'"; }
	[ ! -e "$T/$1.cue" ] && [ ! -e "$T/$1.bin" ] || fail "$1: output left after a failure"
}
base=$T/m-default.chd
map=$(field "$base" 40 8)
meta=$(field "$base" 48 8)
cp "$base" "$T/hunk.chd"
poke "$T/hunk.chd" $((map / 2))
broken hunk "hunk [0-9]+ .*(does not decompress|fails its CRC)"
cp "$base" "$T/map.chd"
poke "$T/map.chd" $((map + 20))
broken map "the map"
cp "$base" "$T/meta.chd"
poke "$T/meta.chd" $((meta + 16 + 2))
broken meta "CHT2 metadata entry 1 is malformed"
head -c $((map + 10)) "$base" > "$T/short.chd"
broken short "past the end of the file"
cp "$base" "$T/v4.chd"
poke "$T/v4.chd" 15
broken v4 "version 250: only version 5"
# verify --integrity: every hunk of a whole CHD checks (and its sectors);
# the damaged hunk is named with the sectors it holds
echo "\$ glassmaster verify --integrity m-default.chd; hunk.chd"
run 0 "$GM" verify --integrity "$base"
contains "$T/out" "CHD: 122 hunks decompress and pass their CRC; the data SHA-1 matches"
contains "$T/out" "INTACT:"
# (chdman leaves the SHA-1s of a CHD without codecs zero)
run 0 "$GM" verify --integrity "$T/m-none.chd"
run 1 "$GM" verify --integrity "$T/hunk.chd"
grep -Eq "^  hunk [0-9]+ \(track [0-9], LBA [0-9]+-[0-9]+\): " "$T/out" ||
	{ cat "$T/out" >&2; fail "verify --integrity does not name the damaged hunk's sectors"; }
# ---- CHDs written by glassmaster, read by chdman ----
# ours of the mixed sheet: chdman verifies it, lists its tracks as it lists
# those of its own CHD of the sheet, with the same SHA-1s (the GMCD entry
# has no checksum flag), and extracts the BIN it extracts from its own
echo "\$ glassmaster convert mixed.cue ours.chd"
run 0 "$GM" convert "$T/mixed.cue" "$T/ours.chd"
chdman verify -i "$T/ours.chd" > "$T/verify.log" 2>&1 ||
	{ cat "$T/verify.log" >&2; fail "chdman verify of our CHD"; }
chdman info -v -i "$T/ours.chd" | grep -E "SHA1|TRACK:" > "$T/ours.info"
chdman info -v -i "$base" | grep -E "SHA1|TRACK:" > "$T/theirs.info"
cmp "$T/ours.info" "$T/theirs.info" || {
	diff "$T/ours.info" "$T/theirs.info" >&2
	fail "chdman lists our CHD of the sheet differently from its own"
}
chdman info -v -i "$T/ours.chd" | grep -q "Tag='GMCD'" || fail "no GMCD entry in our CHD"
chdman extractcd -f -i "$T/ours.chd" -o "$T/oe.cue" -ob "$T/oe.bin" > /dev/null 2>&1 ||
	fail "chdman extractcd of our CHD"
cmp "$T/oe.bin" "$T/x-default.bin" || fail "chdman extracts another BIN from our CHD"
# back: the sheet given, with what CHT2 cannot hold (MCN, CD-TEXT, FLAGS,
# ISRC, INDEX 02, which pregap is stored) from the GMCD entry
run 0 "$GM" convert --merge "$T/mixed.cue" "$T/ref.cue"
run 0 "$GM" convert "$T/ours.chd" "$T/back.cue"
sed 's/back\.bin/BIN/' "$T/back.cue" > "$T/b.sheet"
sed 's/ref\.bin/BIN/' "$T/ref.cue" > "$T/r.sheet"
cmp "$T/b.sheet" "$T/r.sheet" || { diff "$T/b.sheet" "$T/r.sheet" >&2; fail "CUE -> CHD -> CUE changed the sheet"; }
cmp "$T/back.bin" "$T/ref.bin" || fail "CUE -> CHD -> CUE changed the BIN"
# the ISO: chdman's own SHA-1s for its CHD of the same ISO; the ISO back
run 0 "$GM" convert "$T/a.iso" "$T/ours-iso.chd"
[ "$(chdman info -i "$T/ours-iso.chd" | grep SHA1)" = "$(chdman info -i "$T/iso.chd" | grep SHA1)" ] ||
	fail "our CHD of the ISO has other SHA-1s than chdman's"
run 0 "$GM" convert "$T/ours-iso.chd" "$T/iso-back.iso"
cmp "$T/iso-back.iso" "$T/a.iso" || fail "ISO -> CHD -> ISO changed the ISO"
# subchannel: CloneCD -> CHD (RW_RAW) -> CloneCD the same; chdman's TOC of
# it carries our TOC's sectors and subchannel
run 0 "$GM" convert "$T/s.ccd" "$T/ours-s.chd"
chdman verify -i "$T/ours-s.chd" > "$T/verify.log" 2>&1 || fail "chdman verify of our subchannel CHD"
chdman info -v -i "$T/ours-s.chd" | grep -q "SUBTYPE:RW_RAW" || fail "our CHD lost the subchannel"
run 0 "$GM" convert "$T/ours-s.chd" "$T/s-back.ccd"
cmp "$T/s-back.img" "$T/s.img" && cmp "$T/s-back.sub" "$T/s.sub" ||
	fail "CloneCD -> CHD -> CloneCD changed the image or its subchannel"
chdman extractcd -f -i "$T/ours-s.chd" -o "$T/os.toc" -ob "$T/os.bin" > /dev/null 2>&1 ||
	fail "chdman extractcd -o .toc of our subchannel CHD"
cmp "$T/os.bin" "$T/s.bin" || fail "chdman's TOC of our CHD has other sectors or subchannel"
# a DVD (an ISO past a CD's 405,000 sectors): 'DVD ' metadata, 2048-byte
# units; chdman verifies it, and its files and bytes come back
genisoimage -quiet -R -o "$T/dvd.iso" "$T/tree" || fail "genisoimage"
truncate -s 830M "$T/dvd.iso"
echo "\$ glassmaster convert dvd.iso dvd.chd"
run 0 "$GM" convert "$T/dvd.iso" "$T/dvd.chd"
chdman info -v -i "$T/dvd.chd" > "$T/dvd.info" 2>&1
grep -q "Tag='DVD '" "$T/dvd.info" && grep -q "Unit Size: *2,048 bytes" "$T/dvd.info" ||
	{ cat "$T/dvd.info" >&2; fail "our DVD CHD lacks the DVD tag or 2048-byte units"; }
chdman verify -i "$T/dvd.chd" > "$T/verify.log" 2>&1 || fail "chdman verify of our DVD CHD"
run 0 "$GM" info "$T/dvd.chd"
contains "$T/out" "(chd), DVD,"
run 0 "$GM" ls -R "$T/dvd.chd"
mv "$T/out" "$T/ls.dvd"
run 0 "$GM" ls -R "$T/dvd.iso"
cmp "$T/ls.dvd" "$T/out" || fail "ls of the DVD CHD differs from the ISO's"
run 0 "$GM" convert "$T/dvd.chd" "$T/dvd-back.iso"
cmp "$T/dvd-back.iso" "$T/dvd.iso" || fail "ISO -> DVD CHD -> ISO changed the ISO"
rm -f "$T/dvd.iso" "$T/dvd-back.iso"
# master -o x.chd
echo "\$ glassmaster master -o m.chd tree"
run 0 "$GM" master -o "$T/mastered.chd" "$T/tree"
[ ! -e "$T/mastered.chd.$$.iso" ] && [ "$(ls "$T" | grep -c 'mastered.chd.*iso')" -eq 0 ] ||
	fail "master left its uncompressed image"
chdman verify -i "$T/mastered.chd" > "$T/verify.log" 2>&1 || fail "chdman verify of master's CHD"
run 0 "$GM" extract "$T/mastered.chd" -C "$T/x.mastered"
diff -r "$T/x.mastered" "$T/tree" > /dev/null || fail "master's CHD does not hold the tree"
# a write that cannot finish (a damaged source) leaves no CHD behind
run 2 "$GM" convert "$T/hunk.chd" "$T/nothing.chd"
[ ! -e "$T/nothing.chd" ] && [ -z "$(ls "$T" | grep 'nothing.chd')" ] ||
	fail "a failed CHD write left a file"
# hash --dat: the redump files of the tracks inside, not the CHD's own
# bytes.  A redump-style set (tracks with stored INDEX 00 pregaps, nothing
# chdman drops) through chdman's CHD gives the set's own dat; ours of the
# mixed sheet gives the dat of the files `convert --split` writes.
mkdir "$T/rd"
cat "$T/mixed (Track 1).bin" "$T/mixed (Track 2).bin" > "$T/rd/g.bin"
sox -q "$T/mixed (Track 3).wav" -t raw - >> "$T/rd/g.bin" || fail "sox"
n1=$(( $(wc -c < "$T/mixed (Track 1).bin") / 2352 ))
n2=$(( $(wc -c < "$T/mixed (Track 2).bin") / 2352 ))
three_tracks "$T/rd/g.cue" g.bin $n1 $n2 32
run 0 "$GM" convert --split "$T/rd/g.cue" "$T/rd/Game.cue"
chd "$T/rd/Game.cue" "$T/rd/Game.chd"
echo "\$ glassmaster hash --dat Game.chd (chdman's)"
run 0 "$GM" hash --dat "$T/rd/Game.cue"
grep '<rom ' "$T/out" | grep -v 'name="Game.cue"' > "$T/rd/src.dat"
grep -q 'name="Game (Track 3).bin"' "$T/rd/src.dat" || fail "the source dat lacks track 3"
grep 'name="Game.cue"' "$T/out" > "$T/rd/src-cue.dat"
run 0 "$GM" hash --dat "$T/rd/Game.chd"
grep '<rom ' "$T/out" | grep -v 'name="Game.cue"' > "$T/rd/chd.dat"
grep 'name="Game.cue"' "$T/out" > "$T/rd/chd-cue.dat"
cmp "$T/rd/chd.dat" "$T/rd/src.dat" && cmp "$T/rd/chd-cue.dat" "$T/rd/src-cue.dat" || {
	diff "$T/rd/chd.dat" "$T/rd/src.dat" >&2
	fail "hash --dat of chdman's CHD is not the dat of its source"
}
mkdir "$T/sp"
cp "$T/ours.chd" "$T/sp/Mixed.chd"
run 0 "$GM" hash --dat "$T/sp/Mixed.chd"
grep '<rom ' "$T/out" > "$T/sp/chd.dat"
run 0 "$GM" convert --split "$T/sp/Mixed.chd" "$T/sp/Mixed.cue"
run 0 "$GM" hash --dat "$T/sp/Mixed.cue"
grep '<rom ' "$T/out" > "$T/sp/files.dat"
cmp "$T/sp/chd.dat" "$T/sp/files.dat" || { diff "$T/sp/chd.dat" "$T/sp/files.dat" >&2;
	fail "hash --dat of our CHD is not the dat of the files it splits into"; }
run 0 "$GM" info "$T/ours.chd"
contains "$T/out" "CHD SHA-1: $(chdman info -i "$T/ours.chd" | sed -n 's/^SHA1: *//p')"
# a CHD with a parent (chdman createcd -op: the child holds the hunks that
# differ and points into the parent for the rest): read with the parent
# beside it or given by --parent; refused, naming the SHA-1 it wants,
# without; a --parent of another CHD is not taken for it
mkdir "$T/par" "$T/par/away"
cp "$T/a.iso" "$T/par/b.iso"
head -c 8192 /dev/urandom | dd of="$T/par/b.iso" bs=2048 seek=40 conv=notrunc 2> /dev/null
chdman createcd -f -i "$T/a.iso" -o "$T/par/parent.chd" > /dev/null 2>&1 ||
	fail "chdman createcd (the parent)"
chdman createcd -f -i "$T/par/b.iso" -o "$T/par/child.chd" -op "$T/par/parent.chd" \
	> /dev/null 2>&1 || fail "chdman createcd -op"
[ "$(wc -c < "$T/par/child.chd")" -lt $(( $(wc -c < "$T/par/parent.chd") / 4 )) ] ||
	fail "chdman's child CHD is not much smaller than its parent (no parent hunks?)"
echo "\$ glassmaster convert child.chd back.iso (the parent beside it)"
run 0 "$GM" convert "$T/par/child.chd" "$T/par/back.iso"
cmp "$T/par/back.iso" "$T/par/b.iso" || fail "a child CHD read with its parent differs"
run 0 "$GM" verify --integrity "$T/par/child.chd"
mv "$T/par/parent.chd" "$T/par/away/p.chd"
psha=$(chdman info -i "$T/par/away/p.chd" | sed -n 's/^SHA1: *//p')
run 2 "$GM" convert "$T/par/child.chd" "$T/par/none.iso"
contains "$T/err" "child.chd' is a CHD with a parent"
contains "$T/err" "$psha"
[ ! -e "$T/par/none.iso" ] || fail "a child CHD without its parent left an output"
run 2 "$GM" info --parent "$T/m-default.chd" "$T/par/child.chd"
contains "$T/err" "neither a --parent given nor"
echo "\$ glassmaster ls --parent away/p.chd child.chd"
run 0 "$GM" ls -R --parent "$T/par/away/p.chd" "$T/par/child.chd"
[ -s "$T/out" ] || fail "ls of a child CHD with --parent listed nothing"
run 0 "$GM" convert --parent "$T/par/away/p.chd" "$T/par/child.chd" "$T/par/back2.iso"
cmp "$T/par/back2.iso" "$T/par/b.iso" || fail "a child CHD read with --parent differs"

echo "chd.sh: ok"
