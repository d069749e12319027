# accuraterip.sh - what a CD's audio is known by, held against
# independent implementations: AccurateRip v1 and v2 of every audio track
# of four reference discs (first and last tracks, a mixed-mode disc whose
# audio begins at track 2, a hidden track one audio, a CD-Extra) against
# whipper's accuraterip-checksum on WAV files sox makes from the
# reference BINs, cut at the layouts cdrefs.py wrote; the MusicBrainz disc
# id and the freedb id against libdiscid; and a capture through a drive of
# read offset +667 giving the reference's values once split; verify
# --accuraterip against dBAR files made from accuraterip-checksum's values,
# a wrong read offset found by the offset search.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

command -v accuraterip-checksum > /dev/null || fail "accuraterip-checksum (whipper) is not installed"
command -v sox > /dev/null || fail "sox is not installed"
/usr/bin/python3 -c "import libdiscid" 2> /dev/null || fail "python3-libdiscid is not installed"
R="$T/ref"
python3 "$srcdir/tests/cli/cdrefs.py" "$R" || fail "cdrefs.py"

# check DISC BIN FIRST_LBA STARTS END: the disc's --accuraterip JSON against
# accuraterip-checksum of each range [start, next start) of BIN (whose
# first sector is FIRST_LBA), the last to END
check() {
	run 0 "$GM" hash --json --accuraterip "$R/$1.cue"
	cp "$T/out" "$T/$1.json"
	python3 - "$T/$1.json" "$R/$2" "$3" "$4" "$5" "$T" <<'PY' || fail "$1: AccurateRip differs from accuraterip-checksum"
import json, subprocess, sys
j = json.load(open(sys.argv[1]))["accuraterip"]
bin_, first, starts, end, tmp = sys.argv[2], int(sys.argv[3]), [int(s) for s in sys.argv[4].split(",")], int(sys.argv[5]), sys.argv[6]
data = open(bin_, "rb").read()
assert len(j["tracks"]) == len(starts), j["tracks"]
bounds = starts + [end]
for k, t in enumerate(j["tracks"]):
    a, b = bounds[k], bounds[k + 1]
    assert (t["start"], t["end"]) == (a, b), (k, t)
    open(tmp + "/t.raw", "wb").write(data[(a - first) * 2352:(b - first) * 2352])
    subprocess.run(["sox", "-t", "raw", "-r", "44100", "-b", "16", "-c", "2", "-e", "signed",
                    "-L", tmp + "/t.raw", tmp + "/t.wav"], check=True)
    for v, key in (("--accuraterip-v1", "v1"), ("--accuraterip-v2", "v2")):
        want = subprocess.run(["accuraterip-checksum", v, tmp + "/t.wav", str(k + 1),
                               str(len(starts))], capture_output=True, text=True,
                              check=True).stdout.strip().lower()
        assert t[key] == want, (k + 1, key, t[key], want)
PY
}
check audio4 audio4.bin 0 0,450,620,975 1160
check mixed mixed.bin 400 550,750 1000
check htoa htoa.bin 0 375,450 700
check extra extra.bin 0 0,300 500

# the disc ids against libdiscid (MusicBrainz; freedb where libdiscid's
# TOC is the whole disc's, which a CD-Extra's is not)
ids() {
	/usr/bin/python3 - "$T/$1.json" "$2" "$3" "$4" "$5" "$6" <<'PY' || fail "$1: the disc ids differ from libdiscid's"
import json, sys, libdiscid
j = json.load(open(sys.argv[1]))
first, last, sectors, offsets, freedb = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), [int(o) for o in sys.argv[5].split(",")], sys.argv[6] == "yes"
d = libdiscid.put(first, last, sectors, offsets)
assert j["musicbrainz"] == d.id, (j["musicbrainz"], d.id)
if freedb:
    assert j["accuraterip"]["cddb"] == d.freedb_id, (j["accuraterip"]["cddb"], d.freedb_id)
PY
}
ids audio4 1 4 1310 150,600,770,1125 yes
ids mixed 1 3 1150 150,700,900 yes
ids htoa 1 2 850 525,600 yes
ids extra 1 2 650 150,450 no
contains "$T/extra.json" '"leadout": 500,'

# a capture through a drive of read offset +667 that cannot overread:
# its last 667 samples are lost, inside the 2940 AccurateRip leaves out,
# so once split (the offset taken back) the values are the reference's
printf 'vendor GMTEST\nproduct P667\nread-offset 667\n' > "$T/p667.profile"
cp "$T/p667.profile" "$T/drives.db"
st=0
"$GM" rip --quiet --json --drive-profile "$T/p667.profile" --drive-db "$T/drives.db" \
	"$R/audio4.cue" -o "$T/cap" > "$T/out" 2> "$T/err" || st=$?
[ $st = 1 ] || { cat "$T/err"; fail "the capture: exit $st"; }
python3 - "$T/out" "$T/audio4.json" <<'PY' || fail "the capture's AccurateRip values are not the disc's"
import json, sys
rip, ref = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
got = rip["split"]["accuraterip"]
want = ref["accuraterip"]
for a, b in zip(got["tracks"], want["tracks"]):
    assert (a["v1"], a["v2"]) == (b["v1"], b["v2"]), (a, b)
assert (got["id1"], got["id2"], got["cddb"]) == (want["id1"], want["id2"], want["cddb"])
assert rip["split"]["musicbrainz"] == ref["musicbrainz"]
# the lost samples are listed, in the last track
nc = rip["split"]["not_captured"]
assert nc and all(r["track"] == 4 for r in nc), nc
PY

# --- verify --accuraterip: a dBAR file made here from accuraterip-checksum's
# values (response 1: v1, confidence 5; response 2: v2, confidence 12)
python3 - "$T" "$R/audio4.bin" "$T/audio4.json" <<'PY' || fail "making the dBAR files"
import json, struct, subprocess, sys, random
tmp, bin_, js = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))["accuraterip"]
data = open(bin_, "rb").read()
bounds = [0, 450, 620, 975, 1160]
crcs = {}
for v in ("v1", "v2"):
    crcs[v] = []
    for k in range(4):
        open(tmp + "/t.raw", "wb").write(data[bounds[k] * 2352:bounds[k + 1] * 2352])
        subprocess.run(["sox", "-t", "raw", "-r", "44100", "-b", "16", "-c", "2", "-e", "signed",
                        "-L", tmp + "/t.raw", tmp + "/t.wav"], check=True)
        out = subprocess.run(["accuraterip-checksum", "--accuraterip-" + v, tmp + "/t.wav",
                              str(k + 1), "4"], capture_output=True, text=True, check=True)
        crcs[v].append(int(out.stdout, 16))
def response(ids, conf, values):
    b = struct.pack("<BLLL", 4, *ids)
    for c in values:
        b += struct.pack("<BLL", conf, c, 0)
    return b
ids = (int(js["id1"], 16), int(js["id2"], 16), int(js["cddb"], 16))
open(tmp + "/good.bin", "wb").write(response(ids, 5, crcs["v1"]) + response(ids, 12, crcs["v2"]))
open(tmp + "/v1.bin", "wb").write(response(ids, 7, crcs["v1"]))
rng = random.Random(3)
open(tmp + "/other.bin", "wb").write(response(ids, 3, [rng.getrandbits(32) for _ in range(4)]))
open(tmp + "/cut.bin", "wb").write(response(ids, 3, crcs["v1"])[:40])
PY
run 0 "$GM" verify --accuraterip "$T/good.bin" "$R/audio4.cue"
contains "$T/out" "ACCURATE: '$R/audio4.cue': 4 of 4 tracks accurate (2 responses in '$T/good.bin', 2 for this disc id)"
contains "$T/out" "track  1: accurate (v2, confidence 12, response 2)"
contains "$T/out" "track  4: accurate (v2, confidence 12, response 2)"
run 0 "$GM" verify --accuraterip "$T/v1.bin" "$R/audio4.cue"
contains "$T/out" "track  3: accurate (v1, confidence 7, response 1)"
run 1 "$GM" verify --json --accuraterip "$T/other.bin" "$R/audio4.cue"
contains "$T/out" '"verdict": "not accurate"'
contains "$T/out" '{"number": 2, "status": "not found"'
run 2 "$GM" verify --accuraterip "$T/cut.bin" "$R/audio4.cue"
contains "$T/err" "dBAR file '$T/cut.bin' byte 0: a response of 4 tracks is cut short"
# a capture whose drive database says +600 for a drive of +667: every
# track found 67 samples further on, so the read offset was 67 short
printf 'vendor GMTEST\nproduct P667\nread-offset 600\n' > "$T/wrong.db"
"$GM" rip --quiet --no-split --drive-profile "$T/p667.profile" --drive-db "$T/wrong.db" \
	"$R/audio4.cue" -o "$T/wrong" > /dev/null 2>&1 || :
run 1 "$GM" verify --accuraterip "$T/v1.bin" "$T/wrong.capture"
for n in 1 2 3 4; do
	contains "$T/out" "track  $n: accurate at offset +67 (v1, confidence 7, response 1): the read offset was 67 samples short"
done
# a capture lacking sectors inside track 2: that track is not accurate,
# whatever its checksum, and the others are
printf '500-501 unreadable\n' > "$T/hole.faults"
"$GM" rip --quiet --no-split --retries 0 --simulate "$T/hole.faults" "$R/audio4.cue" \
	-o "$T/hole" > /dev/null 2>&1 || :
run 1 "$GM" verify --json --accuraterip "$T/good.bin" "$T/hole.capture"
python3 - "$T/out" <<'PY' || fail "the capture's missing sectors"
import json, sys
t = {x["number"]: x["status"] for x in json.load(open(sys.argv[1]))["accuraterip"]["tracks"]}
assert t == {1: "accurate", 2: "not captured", 3: "accurate", 4: "accurate"}, t
PY
# one verdict with the dat of the split redump files, and the integrity
"$GM" rip --quiet --no-split "$R/audio4.cue" -o "$T/plain" > /dev/null 2>&1 || :
run 0 "$GM" split --quiet -o "$T/red" "$T/plain"
run 0 "$GM" verify --json --accuraterip "$T/good.bin" --dat "$T/red/plain.dat" "$T/red/plain.cue"
contains "$T/out" '"verdict": "accurate"'
contains "$T/out" '"integrity": {"sectors": 1160, "bad": 0, "q_bad": 0}'
contains "$T/out" '"dat": {"file": "'"$T/red/plain.dat"'", "match": true'
printf 'X' | dd of="$T/red/plain (Track 2).bin" bs=1 seek=376320 conv=notrunc status=none
run 1 "$GM" verify --accuraterip "$T/good.bin" --dat "$T/red/plain.dat" "$T/red/plain.cue"
contains "$T/out" "dat '$T/red/plain.dat': does not match"
contains "$T/out" "track  2: not found"
# the CTDB CRC
crc=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['ctdb']['crc'])" "$T/audio4.json")
run 0 "$GM" verify --accuraterip "$T/good.bin" --ctdb-crc "$crc" "$R/audio4.cue"
contains "$T/out" "CTDB CRC $crc: matches"
run 1 "$GM" verify --accuraterip "$T/good.bin" --ctdb-crc 00000000 "$R/audio4.cue"
contains "$T/out" "CTDB CRC $crc: differs"
exit 0
