# split.sh - from a CD capture to files (issue 15): the reference discs of
# tests/cli/cdrefs.py captured through the emulated drive and split; the
# redump cue sheets equal hand-written ones (three layouts), the BIN files
# the disc's bytes, the layout survives 1 % of Q frames with bad CRCs;
# drives of read offsets +667 and +6 give the same files for a disc with
# a write offset, which is found from silent pregaps or a data track's
# sync; other readers take the outputs (libcdio's cd-info, cdrdao, bchunk,
# ccd2iso).
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

for tool in cd-info cdrdao bchunk ccd2iso chdman soxi flac metaflac; do
	command -v $tool > /dev/null || fail "$tool is not installed (libcdio-utils, cdrdao, bchunk, ccd2iso, mame-tools, sox, flac)"
done
R="$T/ref"
python3 "$srcdir/tests/cli/cdrefs.py" "$R" || fail "cdrefs.py"

# capture NAME DISC [rip options]: a capture of the reference disc, not split
capture() {
	name=$1 disc=$2
	shift 2
	st=0
	"$GM" rip --quiet --no-split "$@" "$R/$disc.cue" -o "$T/$name" > "$T/out" 2> "$T/err" || st=$?
	[ $st -le 1 ] || { cat "$T/err"; fail "capture of $disc: exit $st"; }
}

for d in audio4 extra mixed data htoa; do
	capture $d $d
	[ ! -e "$T/$d.cue" ] || fail "rip --no-split split the capture"
	mkdir "$T/s-$d"
	run 0 "$GM" split -o "$T/s-$d" "$T/$d"
	contains "$T/out" "SPLIT: '$T/s-$d/$d.cue' (redump)"
done

# --- the redump cue sheets, as written by hand from cdrefs.py's layouts
cat > "$T/audio4.want" <<'EOF'
CDTEXTFILE "audio4.cdt"
CATALOG 0123456789012
TITLE "Reference Disc"
PERFORMER "Glassmaster"
FILE "audio4 (Track 1).bin" BINARY
  TRACK 01 AUDIO
    TITLE "One"
    PERFORMER "A"
    ISRC GBGMA2600001
    INDEX 01 00:00:00
FILE "audio4 (Track 2).bin" BINARY
  TRACK 02 AUDIO
    TITLE "Two"
    PERFORMER "B"
    ISRC GBGMA2600002
    INDEX 00 00:00:00
    INDEX 01 00:02:00
FILE "audio4 (Track 3).bin" BINARY
  TRACK 03 AUDIO
    TITLE "Three"
    PERFORMER "C"
    FLAGS PRE
    ISRC GBGMA2600003
    INDEX 01 00:00:00
    INDEX 02 00:01:25
FILE "audio4 (Track 4).bin" BINARY
  TRACK 04 AUDIO
    TITLE "Four"
    PERFORMER "D"
    ISRC GBGMA2600004
    INDEX 00 00:00:00
    INDEX 01 00:01:00
EOF
cat > "$T/extra.want" <<'EOF'
FILE "extra (Track 1).bin" BINARY
REM SESSION 01
  TRACK 01 AUDIO
    INDEX 01 00:00:00
FILE "extra (Track 2).bin" BINARY
  TRACK 02 AUDIO
    INDEX 00 00:00:00
    INDEX 01 00:00:50
FILE "extra (Track 3).bin" BINARY
REM SESSION 02
  TRACK 03 MODE1/2352
    INDEX 00 00:00:00
    INDEX 01 00:02:00
EOF
cat > "$T/mixed.want" <<'EOF'
FILE "mixed (Track 1).bin" BINARY
  TRACK 01 MODE1/2352
    INDEX 01 00:00:00
FILE "mixed (Track 2).bin" BINARY
  TRACK 02 AUDIO
    INDEX 00 00:00:00
    INDEX 01 00:02:00
FILE "mixed (Track 3).bin" BINARY
  TRACK 03 AUDIO
    INDEX 01 00:00:00
EOF
for d in audio4 extra mixed; do
	diff "$T/$d.want" "$T/s-$d/$d.cue" > "$T/diff" || { cat "$T/diff"; fail "$d.cue is not the expected sheet"; }
done
cmp "$T/s-audio4/audio4.cdt" "$R/audio4.cdt" || fail "audio4.cdt is not the disc's CD-TEXT"
# every CD-TEXT block decoded: ISO 8859-1 and MS-JIS to UTF-8, the TAB rule,
# the languages of the size information, a pack with a wrong CRC left out
run 0 "$GM" split --json --force -o "$T/s-audio4" "$T/audio4"
python3 - "$T/out" <<'PY' || fail "the CD-TEXT blocks"
import json, sys
j = json.load(open(sys.argv[1]))
b = {x["block"]: x for x in j["cdtext"]}
assert [b[k]["language"] for k in (0, 1, 2)] == [9, 8, 0x69], b
assert b[1]["charset"] == "ISO-8859-1" and b[2]["charset"] == "MS-JIS"
t = {x["number"]: x for x in b[1]["tracks"]}
assert t[0]["title"] == "Referenzscheibe" and t[1]["performer"] == "\u00c4" and t[4]["performer"] == "\u00df", t
t = {x["number"]: x for x in b[2]["tracks"]}
assert t[0]["title"] == "\u53c2\u7167\u30c7\u30a3\u30b9\u30af", t[0]
assert t[2]["performer"] == t[1]["performer"] == "\u6b4c\u624b" and t[4]["performer"] == "\u540c\u3058", t
assert j["cdtext_packs"] == 25 and j["cdtext_bad_crc"] == 0, j["cdtext_packs"]
PY
python3 - "$T/audio4.cdtext" <<'PY'
import sys
p = bytearray(open(sys.argv[1], "rb").read())
p[18 + 5] ^= 0x20          # the second pack's text, its CRC now wrong
open(sys.argv[1], "wb").write(p)
PY
run 0 "$GM" split --json --force -o "$T/s-audio4" "$T/audio4"
contains "$T/out" '"cdtext_packs": 25, "cdtext_bad_crc": 1,'
# without size information (every 0x8F pack gone) the text still decodes:
# no languages, single-byte ISO 8859-1 but for the double-byte packs
python3 - "$R/audio4.cdt" "$T/audio4.cdtext" <<'PY'
import sys
p = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(b"".join(p[i:i + 18] for i in range(0, len(p), 18) if p[i] != 0x8F))
PY
run 0 "$GM" split --json --force -o "$T/s-audio4" "$T/audio4"
python3 - "$T/out" <<'PY' || fail "CD-TEXT without size information"
import json, sys
b = {x["block"]: x for x in json.load(open(sys.argv[1]))["cdtext"]}
assert not any(x["size_info"] for x in b.values()) and all(x["language"] == 0 for x in b.values())
assert b[2]["charset"] == "MS-JIS" and b[0]["tracks"][0]["title"] == "Reference Disc", b
PY
cp "$R/audio4.cdt" "$T/audio4.cdtext"
contains "$T/s-audio4/audio4.dat" '<rom name="audio4 (Track 3).bin" size="658560"'
# the BIN files are the disc's bytes: audio as in the reference BIN,
# data as Mode 1 sectors of the reference ISO at their LBA
cat "$T/s-audio4/audio4 (Track "*").bin" | cmp - "$R/audio4.bin" || fail "audio4's BINs differ from its BIN"
cat "$T/s-extra/extra (Track 1).bin" "$T/s-extra/extra (Track 2).bin" | cmp - "$R/extra.bin" ||
	fail "extra's audio differs"
cat "$T/s-mixed/mixed (Track 2).bin" "$T/s-mixed/mixed (Track 3).bin" | cmp - "$R/mixed.bin" ||
	fail "mixed's audio differs"
python3 - "$T/s-mixed/mixed (Track 1).bin" "$T/s-extra/extra (Track 3).bin" "$R/data.iso" <<'PY' || fail "the data tracks"
import sys
iso = open(sys.argv[3], "rb").read()
for path, lba in ((sys.argv[1], 0), (sys.argv[2], 11750)):
    b = open(path, "rb").read()
    assert len(b) == len(iso) // 2048 * 2352, (path, len(b))
    for k in range(len(iso) // 2048):
        s = b[k * 2352:(k + 1) * 2352]
        m, sec, f = lba + k + 150, 0, 0
        assert s[12:15] == bytes(int("%02d" % v, 16) for v in (m // 4500, m // 75 % 60, m % 75)), (path, k)
        assert s[15] == 1 and s[16:2064] == iso[k * 2048:(k + 1) * 2048], (path, k)
PY
[ "$(ls "$T/s-data")" = "$(printf 'data.bin\ndata.cue\ndata.dat')" ] ||
	fail "one track is not NAME.bin: $(ls "$T/s-data")"
# HTOA: track 1's INDEX 00 of 5 s from LBA 0, kept in its file
grep -q "INDEX 01 00:05:00" "$T/s-htoa/htoa.cue" || { cat "$T/s-htoa/htoa.cue"; fail "htoa.cue"; }

# --- the other formats, read by other programs
run 0 "$GM" split --format cue --format toc --format ccd -o "$T/o" "$T/audio4"
cd-info --no-device-info --no-cddb --cue-file "$T/o/audio4.cue" > "$T/ci" 2>&1 ||
	{ cat "$T/ci"; fail "cd-info rejects the cue sheet"; }
for l in "  1: 00:02:00  000000 audio" "  2: 00:08:00  000450 audio" \
	"  3: 00:10:20  000620 audio  false  no    2        yes" "  4: 00:15:00  000975 audio" \
	"170: 00:17:35  001160 leadout" "Media Catalog Number (MCN): 0123456789012"; do
	contains "$T/ci" "$l"
done
cdrdao show-toc "$T/o/audio4.cdrdao.toc" > "$T/st" 2>&1 || { cat "$T/st"; fail "cdrdao rejects the TOC"; }
contains "$T/st" "CATALOG NUMBER: 0123456789012"
contains "$T/st" "ISRC GB GMA 26 00003"
# RW_RAW: each sector of the BIN followed by the captured P-W
grep -c "TRACK AUDIO RW_RAW" "$T/o/audio4.cdrdao.toc" | grep -qx 4 || fail "the TOC's tracks are not RW_RAW"
python3 - "$T/o/audio4.cdrdao.bin" "$T/audio4.sub" "$R/audio4.bin" <<'PY' || fail "the RW_RAW BIN"
import sys
b, sub, ref = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()[150 * 96:], open(sys.argv[3], "rb").read()
assert len(b) == 1160 * 2448, len(b)
for k in range(1160):
    s = b[k * 2448:(k + 1) * 2448]
    assert s[2352:] == sub[k * 96:(k + 1) * 96], k
    want = ref[k * 2352:(k + 1) * 2352]
    assert s[:2352] == bytes(x for i in range(0, 2352, 2) for x in (want[i + 1], want[i])), k
PY
(cd "$T/o" && bchunk -w audio4.bin audio4.cue bc > "$T/bc" 2>&1) || { cat "$T/bc"; fail "bchunk"; }
[ "$(ls "$T/o"/bc*.wav | wc -l)" = 4 ] || fail "bchunk did not find 4 tracks"
python3 - "$T/o/audio4.sub" "$T/audio4.sub" <<'PY' || fail "the CloneCD .sub is not the captured subchannel"
import sys
ccd, cap = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()[150 * 96:]
assert len(ccd) == 1160 * 96, len(ccd)
for k in range(1160):
    raw = cap[k * 96:(k + 1) * 96]
    want = bytearray(96)   # CloneCD order: 12 bytes of P, of Q, ... of W
    for i in range(96):
        for ch in range(8):
            if raw[i] & (0x80 >> ch):
                want[ch * 12 + i // 8] |= 0x80 >> (i % 8)
    assert ccd[k * 96:(k + 1) * 96] == bytes(want), k
PY
run 0 "$GM" split --format ccd --format iso -o "$T/o" "$T/data"
ccd2iso "$T/o/data.img" "$T/o/ccd2iso.iso" > /dev/null 2>&1 || fail "ccd2iso"
cmp "$T/o/ccd2iso.iso" "$R/data.iso" || fail "ccd2iso's ISO differs"
cmp "$T/o/data.iso" "$R/data.iso" || fail "split --format iso differs"

# WAVs cut as music rippers cut tracks (INDEX 01 to INDEX 01), a hidden
# track one audio as track 0; sox reads them
run 0 "$GM" split --format wav -o "$T/w" "$T/audio4"
run 0 "$GM" split --format wav -o "$T/w" "$T/htoa"
python3 - "$T/w" "$R" <<'PY' || fail "the WAV files"
import sys
w, r = sys.argv[1], sys.argv[2]
a4, ht = open(r + "/audio4.bin", "rb").read(), open(r + "/htoa.bin", "rb").read()
for name, data, a, b in (("audio4 (Track 1)", a4, 0, 450), ("audio4 (Track 2)", a4, 450, 620),
                         ("audio4 (Track 3)", a4, 620, 975), ("audio4 (Track 4)", a4, 975, 1160),
                         ("htoa (Track 0)", ht, 0, 375), ("htoa (Track 1)", ht, 375, 450),
                         ("htoa (Track 2)", ht, 450, 700)):
    f = open("%s/%s.wav" % (w, name), "rb").read()
    assert f[:4] == b"RIFF" and f[8:16] == b"WAVEfmt " and f[36:40] == b"data", name
    assert f[44:] == data[a * 2352:b * 2352], name
PY
for f in "$T/w/"*.wav; do
	[ "$(soxi -s "$f")" -gt 0 ] || fail "sox cannot read $f"
done
# FLAC through libFLAC: flac -t passes, decodes to the WAVs' samples,
# metaflac finds the tags from CD-TEXT, the ISRC and the MCN
run 0 "$GM" split --format flac -o "$T/f" "$T/audio4"
flac -s -t "$T/f/"*.flac || fail "flac -t rejects the FLAC files"
for n in 1 2 3 4; do
	flac -s -d --force-raw-format --endian=little --sign=signed -o "$T/f/$n.raw" \
		"$T/f/audio4 (Track $n).flac" || fail "flac -d track $n"
	tail -c +45 "$T/w/audio4 (Track $n).wav" | cmp - "$T/f/$n.raw" ||
		fail "track $n decodes to other samples than its WAV"
done
metaflac --export-tags-to=- "$T/f/audio4 (Track 3).flac" > "$T/tags"
for l in TITLE=Three ARTIST=C ISRC=GBGMA2600003 TRACKNUMBER=3 TRACKTOTAL=4 \
	"ALBUM=Reference Disc" CATALOGNUMBER=0123456789012; do
	grep -qx "$l" "$T/tags" || { cat "$T/tags"; fail "metaflac lacks $l"; }
done
# chdman (MAME) takes the one-BIN sheet and gives the same BIN back
run 0 "$GM" split --format cue -o "$T/chd" "$T/audio4"
chdman createcd -i "$T/chd/audio4.cue" -o "$T/chd/a.chd" > "$T/chdman" 2>&1 || { cat "$T/chdman"; fail "chdman createcd"; }
chdman extractcd -i "$T/chd/a.chd" -o "$T/chd/back.cue" -ob "$T/chd/back.bin" > "$T/chdman" 2>&1 ||
	{ cat "$T/chdman"; fail "chdman extractcd"; }
cmp "$T/chd/back.bin" "$T/chd/audio4.bin" || fail "chdman's BIN differs"
grep -c "TRACK" "$T/chd/back.cue" | grep -qx 4 || fail "chdman found other tracks"

# --- 1 % of Q frames with bad CRCs, kept as read: the same layout, the
# repaired frames counted (LBA -97 to 1067, every 97th: 13)
printf 'vendor GMTEST\nproduct BADQ\nsubq-bad 97\n' > "$T/badq.profile"
capture badq audio4 --drive-profile "$T/badq.profile" --sub-retries 0
run 0 "$GM" split --json -o "$T/s-badq" "$T/badq"
contains "$T/out" "13 frames repaired from their neighbours"
sed 's/audio4/badq/g' "$T/audio4.want" | diff - "$T/s-badq/badq.cue" > "$T/diff" ||
	{ cat "$T/diff"; fail "bad Q frames moved the layout"; }

# --- a disc pressed with a write offset of -12 samples, read by drives of
# read offsets +667 and +6 (both overreading): the same files
python3 - "$R" <<'PY'
import sys
r = sys.argv[1]
b = open(r + "/audio4.bin", "rb").read()
open(r + "/w12.bin", "wb").write(b[48:] + b"\0" * 48)   # 12 samples early
open(r + "/w12.cue", "w").write(open(r + "/audio4.cue").read().replace("audio4.bin", "w12.bin"))
PY
printf 'vendor GMTEST\nproduct P667 OVER\nread-offset 667\noverread-leadout 100\n' > "$T/p667.profile"
printf 'vendor GMTEST\nproduct P6 OVER\nread-offset 6\noverread-leadout 100\n' > "$T/p6.profile"
{ cat "$T/p667.profile"; echo; cat "$T/p6.profile"; } > "$T/drives.db"
capture w667 w12 --drive-profile "$T/p667.profile" --drive-db "$T/drives.db"
capture w6 w12 --drive-profile "$T/p6.profile" --drive-db "$T/drives.db"
run 0 "$GM" split --offset -12 --json -o "$T/s-w667" "$T/w667"
contains "$T/out" '"read_offset": 667,'
contains "$T/out" '"write_offset": -12, "combined_offset": 655,'
run 0 "$GM" split --offset -12 -o "$T/s-w6" "$T/w6"
for n in 1 2 3 4; do
	cmp "$T/s-w667/w667 (Track $n).bin" "$T/s-w6/w6 (Track $n).bin" ||
		fail "track $n differs between the +667 and the +6 drive"
done
# and they are the audio as mastered (the write offset taken back; its
# first 12 samples were written before the disc's LBA 0: silence now)
cat "$T/s-w6/w6 (Track "*").bin" > "$T/w6.all"
cmp -i 48 "$T/w6.all" "$R/audio4.bin" || fail "the write offset was not taken back"
cmp -n 48 "$T/w6.all" /dev/zero || fail "the samples before LBA 0 are not silence"

# --- pre-emphasis in Q only: a CloneCD copy whose .sub sets PRE in track
# 2's Q while its TOC does not; the split keeps Q's flag and says the two
# disagree
run 0 "$GM" split --format ccd -o "$T/pre" "$T/audio4"
python3 - "$T/pre/audio4.sub" "$srcdir/tests/cli" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from cdrefs import crc16
sub = bytearray(open(sys.argv[1], "rb").read())
for lba in range(300, 620):              # track 2, its pregap included
    q = sub[lba * 96 + 12:lba * 96 + 24]
    q[0] |= 0x10                          # CONTROL bit 0: pre-emphasis
    c = crc16(q[:10])
    q[10], q[11] = c >> 8, c & 0xFF
    sub[lba * 96 + 12:lba * 96 + 24] = q
open(sys.argv[1], "wb").write(sub)
PY
st=0
"$GM" rip --quiet --no-split --sub-retries 0 "$T/pre/audio4.ccd" -o "$T/preq" > "$T/out" 2> "$T/err" || st=$?
[ $st -le 1 ] || { cat "$T/err"; fail "capture of the CloneCD copy: exit $st"; }
run 0 "$GM" split --json -o "$T/s-preq" "$T/preq"
contains "$T/out" "track 2: CONTROL 1 in Q, 0 in the TOC"
awk '/TRACK 02/,/INDEX 01/' "$T/s-preq/preq.cue" | grep -q "FLAGS PRE" ||
	{ cat "$T/s-preq/preq.cue"; fail "track 2's pre-emphasis from Q is not in the sheet"; }

# --- the write offset found: a disc whose pregaps are digital silence,
# pressed 37 samples early, read by the +667 drive: the one shift that
# puts every pregap in silence is -37
python3 - "$R" <<'PY'
import random, sys
r = sys.argv[1]
rng = random.Random(37)
lens = [(0, 300), (150, 250), (75, 200), (100, 260)]     # (pregap, rest)
audio = bytearray()
for pre, rest in lens:
    audio += b"\0" * (pre * 2352)
    audio += bytes(rng.getrandbits(8) | 1 for _ in range(rest * 2352))
open(r + "/silent.bin", "wb").write(bytes(audio))
open(r + "/pressed.bin", "wb").write(bytes(audio[148:]) + b"\0" * 148)
cue, at = 'FILE "pressed.bin" BINARY\n', 0
for n, (pre, rest) in enumerate(lens):
    msf = lambda l: "%02d:%02d:%02d" % (l // 4500, l // 75 % 60, l % 75)
    cue += "  TRACK %02d AUDIO\n" % (n + 1)
    if pre:
        cue += "    INDEX 00 %s\n" % msf(at)
    cue += "    INDEX 01 %s\n" % msf(at + pre)
    at += pre + rest
open(r + "/pressed.cue", "w").write(cue)
PY
capture pressed pressed --drive-profile "$T/p667.profile" --drive-db "$T/drives.db"
run 0 "$GM" split --json -o "$T/s-pressed" "$T/pressed"
contains "$T/out" '"write_offset": -37, "combined_offset": 630,'
contains "$T/out" "write offset -37 samples: the one shift that puts every pregap in digital silence"
cat "$T/s-pressed/pressed (Track "*").bin" > "$T/pressed.all"
cmp -i 148 "$T/pressed.all" "$R/silent.bin" || fail "the found write offset was not taken back"
# --offset overrides it; a disc with noise in its pregaps has none found
run 0 "$GM" split --json --offset 5 --force -o "$T/s-pressed" "$T/pressed"
contains "$T/out" '"write_offset": 5, "combined_offset": 672,'
run 0 "$GM" split --force -o "$T/s-audio4" "$T/audio4"
contains "$T/out" "write +0 (none detected)"
# a capture read as CD-DA: the write offset from the data track's sync
printf 'vendor GMTEST\nproduct AS CDDA\nread-offset 30\ncdda-data yes\nread-method cdda\n' > "$T/cdda.profile"
capture cdda mixed --drive-profile "$T/cdda.profile" --drive-db "$T/cdda.profile"
run 0 "$GM" split --json -o "$T/s-cdda" "$T/cdda"
contains "$T/out" '"write_offset": 0, "combined_offset": 30,'
contains "$T/out" "write offset +0 samples: the sync of LBA "
cmp "$T/s-cdda/cdda (Track 2).bin" "$T/s-mixed/mixed (Track 2).bin" ||
	fail "the CD-DA capture's audio differs"

# --- a drive that overreads into the lead-in and lead-out: what it read
# there becomes (Track 0) and (Track AA) when it is not silence (the data
# disc's are sectors of the data track's mode), listed in the dat
printf 'vendor GMTEST\nproduct EDGES\noverread-leadin 20\noverread-leadout 100\n' > "$T/edges.profile"
capture edata data --drive-profile "$T/edges.profile" --drive-db "$T/edges.profile"
run 0 "$GM" split -o "$T/s-edata" "$T/edata"
[ "$(wc -c < "$T/s-edata/edata (Track 0).bin")" = $((20 * 2352)) ] || fail "no lead-in file"
[ "$(wc -c < "$T/s-edata/edata (Track AA).bin")" = $((100 * 2352)) ] || fail "no lead-out file"
contains "$T/s-edata/edata.dat" '<rom name="edata (Track AA).bin" size="235200"'
capture eaudio audio4 --drive-profile "$T/edges.profile" --drive-db "$T/edges.profile"
run 0 "$GM" split -o "$T/s-eaudio" "$T/eaudio"
[ ! -e "$T/s-eaudio/eaudio (Track AA).bin" ] || fail "a silent lead-out got a file"

# --- rip splits a capture at its end
run 0 "$GM" rip --quiet "$R/htoa.cue" -o "$T/r"
contains "$T/out" "SPLIT: '$T/r.cue' (redump)"
test -f "$T/r (Track 1).bin" -a -f "$T/r.dat" || fail "rip did not split"
# --- rip -o NAME.chd: the capture split into a CHD alone, which keeps the
# subchannel (chdman sees RW_RAW and verifies it), the sheet's CD-TEXT,
# ISRCs, MCN and INDEX 02, and the redump hashes of the same capture's
# split; a DVD is refused before anything is written
mkdir "$T/c"
echo "\$ glassmaster rip audio4.cue -o c/audio4.chd"
run 0 "$GM" rip --quiet "$R/audio4.cue" -o "$T/c/audio4.chd"
contains "$T/out" "SPLIT: '$T/c/audio4.chd' (chd)"
[ ! -e "$T/c/audio4.cue" ] && [ ! -e "$T/c/audio4 (Track 1).bin" ] ||
	fail "rip -o NAME.chd wrote redump files too"
chdman verify -i "$T/c/audio4.chd" > "$T/c/verify" 2>&1 || { cat "$T/c/verify";
	fail "chdman verify of rip's CHD"; }
chdman info -v -i "$T/c/audio4.chd" > "$T/c/info" 2>&1
grep -q "SUBTYPE:RW_RAW" "$T/c/info" || fail "rip's CHD has no subchannel"
run 0 "$GM" split -o "$T/c/s" "$T/c/audio4"
run 0 "$GM" hash --dat "$T/c/audio4.chd"
grep 'Track [1-9][0-9]*).bin' "$T/out" > "$T/c/chd.dat"
grep 'Track [1-9][0-9]*).bin' "$T/c/s/audio4.dat" > "$T/c/files.dat"
[ "$(wc -l < "$T/c/files.dat")" -eq 4 ] || fail "the split of audio4 has not 4 tracks"
cmp "$T/c/chd.dat" "$T/c/files.dat" || { diff "$T/c/chd.dat" "$T/c/files.dat" >&2;
	fail "hash --dat of rip's CHD is not the dat of the capture's redump split"; }
run 0 "$GM" convert "$T/c/audio4.chd" "$T/c/back.cue"
for line in "CATALOG 0123456789012" "ISRC GBGMA2600001" "INDEX 02" "TITLE \"Reference Disc\""; do
	contains "$T/c/back.cue" "$line"
done
truncate -s 900M "$T/c/dvd.iso"
run 2 "$GM" rip --quiet "$T/c/dvd.iso" -o "$T/c/dvd.chd"
contains "$T/err" "is a DVD: a CHD is written from a CD capture"
[ -z "$(ls "$T/c" | grep '^dvd\.\|^dvd$' | grep -v '^dvd.iso$')" ] || fail "a refused rip -o x.chd wrote files"
run 2 "$GM" rip --no-split "$R/audio4.cue" -o "$T/c/x.chd"
contains "$T/err" "--no-split contradicts it"

# refusals
run 2 "$GM" split --format redump --format cue "$T/audio4"
contains "$T/err" "redump and cue both write NAME.cue"
run 2 "$GM" split "$T/nothing"
contains "$T/err" "'$T/nothing.capture'"
exit 0
