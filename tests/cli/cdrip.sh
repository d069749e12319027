# cdrip.sh - the CD capture through the emulated drive (issue 14): five
# reference discs made by tests/cli/cdrefs.py (not by glassmaster), read
# by drives of read offsets +6, +667 and -472 with and without overread,
# C2 errors flagged and silent, Q with bad CRCs, a cache, unreadable
# sectors, SIGKILL at 20 moments; every capture checked sample by sample
# by tests/cli/cdcheck.py against an offset-0 capture and the BIN files.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

command -v ddrescuelog > /dev/null || fail "ddrescuelog (gddrescue) is not installed"
CHECK="python3 $srcdir/tests/cli/cdcheck.py"
R="$T/ref"
python3 "$srcdir/tests/cli/cdrefs.py" "$R" || fail "cdrefs.py"
DB="$T/drives.db"
: > "$DB"

# drive NAME PRODUCT OFFSET OVERREAD-IN OVERREAD-OUT [KEY VALUE...]: a
# drive profile for the emulated drive, and the same keys as a record of
# the drive database the capture looks the drive up in
drive() {
	name=$1 product=$2 offset=$3 oin=$4 oout=$5
	shift 5
	{
		printf 'vendor GMTEST\nproduct %s\nread-offset %s\n' "$product" "$offset"
		printf 'overread-leadin %s\noverread-leadout %s\n' "$oin" "$oout"
		while [ $# -ge 2 ]; do printf '%s %s\n' "$1" "$2"; shift 2; done
	} > "$T/$name.profile"
	{ cat "$T/$name.profile"; echo; } >> "$DB"
}
drive p6 "PLUS SIX" 6 0 100
drive p667 "PLUS 667" 667 0 0
drive m472 "MINUS 472" -472 20 0
drive c2 "C2 DRIVE" 667 0 0 c2 296 c2-offset 12 cache 500

# json FIELD: a field of the last command's JSON output
json() {
	python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$T/out" "$1"
}

# --- offset 0, no database record: each disc; the audio discs are their
# BIN files exactly, the data tracks their ISO's sectors
for d in audio4 htoa extra mixed data; do
	run 0 "$GM" rip --drive-db "$DB" "$R/$d.cue" -o "$T/c-$d"
	contains "$T/out" "COMPLETE: '$T/c-$d.raw'"
	contains "$T/out" "read offset +0 (not in the drive database: offsets not corrected), not applied"
	contains "$T/c-$d.log" "no record of GLASSMST VIRTUAL DRIVE"
	[ -s "$T/c-$d.toc" ] || fail "$d: no NAME.toc"
done
$CHECK bin "$T/c-audio4" "$R/audio4.bin" || fail "audio4 differs from its BIN"
$CHECK bin "$T/c-htoa" "$R/htoa.bin" || fail "htoa differs from its BIN"
$CHECK user "$T/c-data" "$R/data.iso" 0 || fail "the data disc's sectors"
$CHECK user "$T/c-mixed" "$R/data.iso" 0 || fail "the mixed-mode disc's data track"
$CHECK user "$T/c-extra" "$R/data.iso" 11750 || fail "the CD-Extra's data session"
# the raw full TOC: two sessions for the CD-Extra; CD-TEXT as the packs
python3 - "$T/c-extra.toc" "$T/c-audio4.toc" <<'EOF' || fail "NAME.toc"
import sys
extra, audio = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
assert (extra[0] << 8 | extra[1]) + 2 == len(extra) and (len(extra) - 4) % 11 == 0
assert extra[3] == 2, "the CD-Extra's last session is %d" % extra[3]
points = {(extra[4 + i * 11], extra[4 + i * 11 + 3]) for i in range((len(extra) - 4) // 11)}
assert (2, 3) in points and (1, 0xB0) in points, points
assert audio[3] == 1
EOF
cmp "$T/c-audio4.cdtext" "$R/audio4.cdt" || fail "NAME.cdtext is not the disc's CD-TEXT packs"
[ ! -e "$T/c-htoa.cdtext" ] || fail "a disc without CD-TEXT got NAME.cdtext"
# ddrescuelog reads the sample-resolution map
ddrescuelog -t "$T/c-audio4.map" > "$T/dl" 2>&1 || { cat "$T/dl"; fail "ddrescuelog rejects NAME.map"; }
ddrescuelog -t "$T/c-audio4.sub.map" > "$T/dl" 2>&1 || { cat "$T/dl"; fail "ddrescuelog rejects NAME.sub.map"; }
# done is done: running it again reads nothing
run 0 "$GM" rip --json --drive-db "$DB" "$R/audio4.cue" -o "$T/c-audio4"
[ "$(json resumed)" = True ] && [ "$(json reads)" = 0 ] || { cat "$T/out"; fail "a finished capture was read again"; }

# --- read offsets, overread: every disc through every drive; what the
# drive cannot reach is exactly what the map leaves open
for p in p6 p667 m472; do
	case $p in
	p6) n=6 lo=-150 hi=100 ;;
	p667) n=667 lo=-150 hi=0 ;;
	m472) n=-472 lo=-170 hi=0 ;;
	esac
	for d in audio4 htoa extra mixed data; do
		leadout=$(sed -n 's/^leadout //p' "$T/c-$d.capture")
		st=0
		"$GM" rip --json --drive-db "$DB" --drive-profile "$T/$p.profile" "$R/$d.cue" \
			-o "$T/$p-$d" > "$T/out" 2> "$T/err" || st=$?
		[ $st -le 1 ] || { cat "$T/err"; fail "$p $d: exit $st"; }
		[ "$(json read_offset)" = "$n" ] || fail "$p $d: read offset $(json read_offset), not $n"
		contains "$T/out" "\"read_offset_source\": \"drive database '$DB' line"
		$CHECK shift "$T/$p-$d" "$T/c-$d" $n $lo $((leadout + hi)) ||
			fail "$p $d: the capture is not the disc shifted by $n samples"
	done
done
contains "$T/p667-audio4.log" "LBA $((1160 + 1)): refused by the drive (out of its range): not readable by this drive"
# --read-offset overrides the database, and is only recorded
run 1 "$GM" rip --json --read-offset -30 --drive-db "$DB" --drive-profile "$T/p6.profile" \
	"$R/htoa.cue" -o "$T/ro"
[ "$(json read_offset)" = -30 ] && [ "$(json read_offset_source)" = "--read-offset" ] ||
	fail "--read-offset is not the offset used"
contains "$T/ro.capture" "read-offset -30"

# --- the sector order a drive has (the subchannel before the C2 field)
# is found when the drive is opened; a database record's read method
# reads every sector as CD-DA, data sectors shifted as audio is
drive order "SUB FIRST" 0 0 0 c2 294 sector-order sub-c2
grep -v sector-order "$T/order.profile" > "$T/order.db"
run 0 "$GM" rip --drive-db "$T/order.db" --drive-profile "$T/order.profile" \
	"$R/audio4.cue" -o "$T/order"
contains "$T/order.log" "puts the subchannel first (sector order sub-c2)"
$CHECK shift "$T/order" "$T/c-audio4" 0 -150 1160 --sub-bad "" || fail "sub-c2 order"
drive cdda "AS CDDA" 30 0 0 cdda-data yes read-method cdda
st=0
"$GM" rip --json --drive-db "$DB" --drive-profile "$T/cdda.profile" "$R/mixed.cue" \
	-o "$T/cdda" > "$T/out" 2> "$T/err" || st=$?
[ $st = 1 ] || { cat "$T/err"; fail "cdda read method: exit $st"; }
contains "$T/cdda.log" "READ CD: every sector as CD-DA (sector type 1)"
contains "$T/cdda.capture" "read-method cdda"
$CHECK shift "$T/cdda" "$T/c-mixed" 30 -150 1000 --all-audio || fail "the CD-DA read method"

# --- C2: flagged errors (296-byte field, a C2 offset, a cache the
# database knows) are reread and end right
printf '400-404 c2\n700 c2\nseed 7\n' > "$T/c2.faults"
st=0
"$GM" rip --json --drive-db "$DB" --drive-profile "$T/c2.profile" --simulate "$T/c2.faults" \
	"$R/audio4.cue" -o "$T/f-c2" > "$T/out" 2> "$T/err" || st=$?
[ $st = 1 ] || { cat "$T/err"; fail "C2 capture: exit $st"; }
$CHECK shift "$T/f-c2" "$T/c-audio4" 667 -150 1160 || fail "C2-flagged samples did not end right"
contains "$T/f-c2.log" "retrying sectors with C2 errors"
# silent damage: wrong without --secure, right with it
printf '500-505 c2-silent\n' > "$T/cs.faults"
"$GM" rip --quiet --drive-db "$DB" --drive-profile "$T/c2.profile" --simulate "$T/cs.faults" \
	"$R/audio4.cue" -o "$T/f-cs" > /dev/null 2>&1 || :
! $CHECK shift "$T/f-cs" "$T/c-audio4" 667 -150 1160 2> /dev/null ||
	fail "c2-silent damage was caught without --secure: the test is not testing"
st=0
"$GM" rip --secure --json --drive-db "$DB" --drive-profile "$T/c2.profile" \
	--simulate "$T/cs.faults" "$R/audio4.cue" -o "$T/f-css" > "$T/out" 2> "$T/err" || st=$?
[ $st = 1 ] || { cat "$T/err"; fail "secure capture: exit $st"; }
[ "$(json secure)" = True ] || fail "JSON lacks secure"
$CHECK shift "$T/f-css" "$T/c-audio4" 667 -150 1160 || fail "--secure missed c2-silent damage"
# unrecoverable sectors: exactly the stream sectors whose reads touch them
printf '600-601 unreadable\n' > "$T/ur.faults"
st=0
"$GM" rip --retries 2 --json --drive-db "$DB" --drive-profile "$T/p667.profile" \
	--simulate "$T/ur.faults" "$R/audio4.cue" -o "$T/f-ur" > "$T/out" 2> "$T/err" || st=$?
[ $st = 1 ] || { cat "$T/err"; fail "unreadable: exit $st"; }
$CHECK shift "$T/f-ur" "$T/c-audio4" 667 -150 1160 --bad 600-601 ||
	fail "the unrecovered samples are not exactly the unreadable sectors'"
contains "$T/out" '{"first_lba": 600, "first_sample": 0, "last_lba": 603, "last_sample": 587, "status": "bad"}'
ddrescuelog -t "$T/f-ur.map" > "$T/dl" 2>&1 || fail "ddrescuelog rejects a map with bad samples"
# a cache the database does not know: rereads come from it with the same
# damage, and the same-damage rule stops them
drive cachy "CACHY" 0 0 0 cache 0
printf 'vendor GMTEST\nproduct CACHY\nread-offset 0\ncache 2000\n' > "$T/cachy.profile"
printf '300 c2\n' > "$T/one.faults"
"$GM" rip --quiet --retries 8 --drive-db "$DB" --drive-profile "$T/cachy.profile" \
	--simulate "$T/one.faults" "$R/htoa.cue" -o "$T/f-cache" > /dev/null 2>&1 || :
contains "$T/f-cache.log" "LBA 300: the same damage 3 reads in a row: not read again"
contains "$T/f-cache.log" "1 sector given up by the same-damage rule (--same-damage 3)"

# --- subchannel: Q with bad CRCs is reread --sub-retries times and kept
# as read; NAME.sub.map marks exactly the sectors it stayed bad in
drive subq "SUBQ" 0 0 0 subq-bad 97
printf '300-302 subq-bad\n' > "$T/sq.faults"
run 0 "$GM" rip --sub-retries 0 --json --drive-db "$DB" --drive-profile "$T/subq.profile" \
	--simulate "$T/sq.faults" "$R/audio4.cue" -o "$T/f-sq0"
bad=-97,0,97,194,291,300,301,302,388,485,582,679,776,873,970,1067
$CHECK shift "$T/f-sq0" "$T/c-audio4" 0 -150 1160 --sub-bad $bad || fail "--sub-retries 0"
[ "$(json sub_bad_sectors)" = 16 ] || fail "sub_bad_sectors $(json sub_bad_sectors), not 16"
run 0 "$GM" rip --json --drive-db "$DB" --drive-profile "$T/subq.profile" \
	--simulate "$T/sq.faults" "$R/audio4.cue" -o "$T/f-sq"
$CHECK shift "$T/f-sq" "$T/c-audio4" 0 -150 1160 --sub-bad -97,0,97,194,291,388,485,582,679,776,873,970,1067 ||
	fail "rereading Q did not recover the faults' sectors"

# --- SIGKILL at 20 moments, resumed: the same capture as one run, and
# no finished sample read again
printf '0-1159 slow 25ms\n100-103 c2\n' > "$T/slow.faults"
"$GM" rip --quiet --drive-db "$DB" --drive-profile "$T/c2.profile" --simulate "$T/slow.faults" \
	"$R/audio4.cue" -o "$T/k-ref" > /dev/null 2>&1 || :
i=0
while [ $i -lt 20 ]; do
	"$GM" rip --quiet --map-interval 0 --drive-db "$DB" --drive-profile "$T/c2.profile" \
		--simulate "$T/slow.faults" "$R/audio4.cue" -o "$T/k" > /dev/null 2>&1 &
	pid=$!
	sleep "0.$(( (i * 37 + 11) % 9 + 1 ))"
	kill -9 $pid 2> /dev/null || :
	wait $pid 2> /dev/null || :
	i=$((i + 1))
done
open=$($CHECK open "$T/k")
st=0
"$GM" rip --json --drive-db "$DB" --drive-profile "$T/c2.profile" --simulate "$T/slow.faults" \
	"$R/audio4.cue" -o "$T/k" > "$T/out" 2> "$T/err" || st=$?
[ $st = 1 ] || { cat "$T/err"; fail "the last resume: exit $st"; }
[ "$(json resumed)" = True ] || fail "the capture did not resume"
# each open sector: a read, a cache-emptying read and up to 8 retries of both
reads=$(json reads)
[ "$reads" -le $((open * 18 + 64)) ] || fail "the resume read $reads sectors for $open open ones"
$CHECK same "$T/k" "$T/k-ref" || fail "killed and resumed, the capture differs from one run"

# --- a drive that vanishes halfway: exit 3, state saved; the same
# command without the fault finishes the same capture as one run
printf 'after-reads 600 vanish\n' > "$T/gone.faults"
run 3 "$GM" rip --drive-db "$DB" --simulate "$T/gone.faults" "$R/audio4.cue" -o "$T/gone"
contains "$T/err" "is gone at LBA"
run 0 "$GM" rip --json --drive-db "$DB" "$R/audio4.cue" -o "$T/gone"
[ "$(json resumed)" = True ] || fail "the capture after the vanished drive did not resume"
[ "$(json reads)" -le 720 ] || fail "the resume read $(json reads) sectors of 1310"
$CHECK same "$T/gone" "$T/c-audio4" || fail "the resumed capture differs from one run"

# --- refusals: an existing capture without a map, a bad offset, a
# corrupt description
rm "$T/k.map"
run 2 "$GM" rip --drive-db "$DB" "$R/audio4.cue" -o "$T/k"
contains "$T/err" "'$T/k.raw' exists and has no mapfile '$T/k.map': use --force"
run 2 "$GM" rip --read-offset 3000 "$R/audio4.cue" -o "$T/x"
contains "$T/err" "--read-offset must be a number of samples from -2940 to 2940"
sed -i 's/^sectors .*/sectors lots/' "$T/c-htoa.capture"
run 2 "$GM" rip --drive-db "$DB" "$R/htoa.cue" -o "$T/c-htoa"
contains "$T/err" "capture description '$T/c-htoa.capture' line 6: sectors: invalid value"
exit 0
