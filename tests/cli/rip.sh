# rip.sh - the rescue engine through the simulated faulty drive: every
# fault kind, ddrescuelog agreeing with our mapfile, resuming after SIGKILL
# at random moments, a failure at every read N, a vanishing drive, and an
# output that cannot grow.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

command -v ddrescuelog > /dev/null || fail "ddrescuelog (gddrescue) is not installed"

# A 50 MB ISO: read as a CD with raw sectors by the image and sim drives.
mkdir -p "$T/tree"
head -c 52000000 /dev/urandom > "$T/tree/big.bin"
genisoimage -quiet -V RIPTEST -o "$T/src.iso" "$T/tree" || fail "genisoimage"
sectors=$(( $(wc -c < "$T/src.iso") / 2048 ))

cat > "$T/faults" <<'F'
# every fault kind
1000-1009 unreadable
2000 flaky 3
3000-3004 c2
4000 corrupt-once
5000-5019 slow 1ms
seed 42
F
run 1 "$GM" rip --retries 3 --simulate "$T/faults" -o "$T/out.iso" "$T/src.iso"
contains "$T/out" "INCOMPLETE: '$T/out.iso': $(( (sectors - 10) * 2048 )) of $((sectors * 2048)) bytes rescued, 20480 bytes in 1 areas not"
contains "$T/out" "read raw, every sector's EDC/ECC checked"
contains "$T/out" "  LBA 1000-1009: bad"
# the image is the source with the unreadable sectors zero
cp "$T/src.iso" "$T/expect.iso"
dd if=/dev/zero of="$T/expect.iso" bs=2048 seek=1000 count=10 conv=notrunc status=none
cmp "$T/out.iso" "$T/expect.iso" || fail "the rescued image differs from the source"
# ddrescuelog reads our map and finds the same bad size
ddrescuelog -t "$T/out.iso.map" > "$T/dl" 2>&1 || { cat "$T/dl"; fail "ddrescuelog rejects the map"; }
grep -Eq "bad-sector: +20480 B" "$T/dl" || grep -Eq "bad areas:.*20480 B" "$T/dl" ||
	{ cat "$T/dl"; fail "ddrescuelog reports another bad size"; }
ddrescuelog -l- -b 2048 "$T/out.iso.map" > "$T/badlist" 2>&1 || fail "ddrescuelog -l-"
[ "$(tr '\n' ' ' < "$T/badlist")" = "1000 1001 1002 1003 1004 1005 1006 1007 1008 1009 " ] ||
	{ cat "$T/badlist"; fail "ddrescuelog lists other bad sectors"; }
contains "$T/out.iso.log" "LBA 4000: read without error but bad EDC"
contains "$T/out.iso.dat" "<rom name=\"out.iso\" size=\"$((sectors * 2048))\""
contains "$T/out.iso.dat" "md5=\"$(md5sum < "$T/out.iso" | cut -c1-32)\""

# The same faults on the medium of the emulated drive, read by the MMC back
# end as a real drive is: whole commands fail, C2 comes as C2 pointers; the
# rescue must end the same.
printf 'vendor PLEXTOR\nproduct DVDR   PX-760A\nread-offset 30\n' > "$T/px.profile"
run 1 "$GM" rip --retries 3 --drive-profile "$T/px.profile" --simulate "$T/faults" \
	-o "$T/emu.iso" "$T/src.iso"
contains "$T/out" "  LBA 1000-1009: bad"
contains "$T/out" "read raw, every sector's EDC/ECC checked"
cmp "$T/emu.iso" "$T/expect.iso" || fail "the rescue through the emulated drive differs"
contains "$T/emu.iso.log" "drive: PLEXTOR DVDR   PX-760A"
contains "$T/emu.iso.log" "LBA 4000: read without error but bad EDC"
contains "$T/emu.iso.log" "C2 pointers"
ddrescuelog -l- -b 2048 "$T/emu.iso.map" > "$T/badlist" 2>&1 || fail "ddrescuelog -l-"
[ "$(tr '\n' ' ' < "$T/badlist")" = "1000 1001 1002 1003 1004 1005 1006 1007 1008 1009 " ] ||
	{ cat "$T/badlist"; fail "ddrescuelog lists other bad sectors (emulated drive)"; }
# a plain profile, no faults: the image itself; a device is refused
run 0 "$GM" rip --drive-profile "$T/px.profile" -o "$T/emu2.iso" "$T/src.iso"
cmp "$T/emu2.iso" "$T/src.iso" || fail "a clean rip through the emulated drive differs"
printf 'vendor PLEXTOR\nc2 297\n' > "$T/bad.profile"
run 2 "$GM" rip --drive-profile "$T/bad.profile" -o "$T/emu3.iso" "$T/src.iso"
contains "$T/err" "bad.profile"
run 2 "$GM" rip --drive-profile "$T/px.profile" -o "$T/emu3.iso" /dev/null
contains "$T/err" "is a device: a drive profile emulates a drive from an image"

# every shipped drive profile loads and rips (rip/profiles/)
head -c $((300 * 2048)) "$T/src.iso" > "$T/p.iso"
for prof in "$srcdir"/rip/profiles/*.profile; do
	run 0 "$GM" rip --quiet --drive-profile "$prof" -o "$T/p-rip.iso" "$T/p.iso"
	cmp "$T/p-rip.iso" "$T/p.iso" || fail "a rip through $prof differs"
	contains "$T/p-rip.iso.log" "drive: $(sed -n 's/^vendor //p' "$prof")"
	rm -f "$T/p-rip.iso"*
done

# An existing output without a map is refused; with its map the rip resumes
# and reads nothing that is finished.
rm "$T/out.iso.map"
run 2 "$GM" rip -o "$T/out.iso" "$T/src.iso"
contains "$T/err" "'$T/out.iso' exists and has no mapfile '$T/out.iso.map': use --force"
run 0 "$GM" rip --force --json -o "$T/out.iso" "$T/src.iso"
contains "$T/out" '"result": "complete"'
contains "$T/out" "\"reads\": $sectors,"
cmp "$T/out.iso" "$T/src.iso" || fail "a clean rip differs from the source"
run 0 "$GM" rip --json -o "$T/out.iso" "$T/src.iso"
contains "$T/out" '"resumed": true, "reads": 0,'

# SIGKILL at random moments of a slowed rip; each resume goes on, and the
# end result equals the source.  No sector the saved map calls finished is
# read again: a resumed run reads at most what its map left unfinished.
small=3000
head -c $((small * 2048)) "$T/src.iso" > "$T/small.iso"
printf '0-%d slow 2ms\n' $((small - 1)) > "$T/slow"
i=0
while [ $i -lt 20 ]; do
	"$GM" rip --map-interval 0 --quiet --simulate "$T/slow" -o "$T/k.iso" "$T/small.iso" \
		> /dev/null 2>&1 &
	pid=$!
	sleep "0.$(( (i * 37 + 11) % 9 + 1 ))"
	kill -9 $pid 2> /dev/null || true
	wait $pid 2> /dev/null || true
	i=$((i + 1))
done
if [ -f "$T/k.iso.map" ]; then
	left=$(ddrescuelog -t "$T/k.iso.map" | sed -n 's/.*non-tried: *\([0-9]*\) B.*/\1/p')
else
	left=$((small * 2048))
fi
run 0 "$GM" rip --json -o "$T/k.iso" "$T/small.iso"
reads=$(sed -n 's/.*"reads": \([0-9]*\).*/\1/p' "$T/out")
[ "$reads" -le $(( ${left:-0} / 2048 + 0 )) ] || [ -z "$left" ] ||
	fail "the resumed rip read $reads sectors; its map left $left bytes"
cmp "$T/k.iso" "$T/small.iso" || fail "killed and resumed rip differs"

# SIGINT (and SIGTERM) stop a rip with its map saved and exit 130; the
# same command resumes.
printf '0-%d slow 20ms\n' $((small - 1)) > "$T/slower"
for sig in INT TERM; do
	rm -f "$T/s.iso" "$T/s.iso.map"
	"$GM" rip --quiet --simulate "$T/slower" -o "$T/s.iso" "$T/small.iso" > "$T/out" 2> "$T/err" &
	pid=$!
	sleep 0.5
	kill -$sig $pid
	status=0
	wait $pid || status=$?
	[ $status -eq 130 ] || { cat "$T/err"; fail "SIG$sig gave exit $status, not 130"; }
	contains "$T/err" "interrupted; '$T/s.iso.map' is saved: run the same command again to resume"
	[ "$(ddrescuelog -t "$T/s.iso.map" | sed -n 's/.*rescued: *\([0-9]*\).*/\1/p')" != 0 ] ||
		fail "the map saved on SIG$sig has nothing rescued"
	run 0 "$GM" rip -o "$T/s.iso" "$T/small.iso"
	cmp "$T/s.iso" "$T/small.iso" || fail "resume after SIG$sig differs"
done

# A failure at every read N (the drive vanishes after N - 1 reads; a clean
# rip of this image makes $tiny): exit 3, state saved, and the resumed rip
# completes identically.
tiny=40
head -c $((tiny * 2048)) "$T/src.iso" > "$T/tiny.iso"
n=0
while [ $n -lt $tiny ]; do
	rm -f "$T/t.iso" "$T/t.iso.map" "$T/t.iso.map.bak"
	printf 'after-reads %d vanish\n' $n > "$T/vanish"
	run 3 "$GM" rip --map-interval 0 --simulate "$T/vanish" -o "$T/t.iso" "$T/tiny.iso"
	contains "$T/err" "is gone at LBA"
	run 0 "$GM" rip -o "$T/t.iso" "$T/tiny.iso"
	cmp "$T/t.iso" "$T/tiny.iso" || fail "resume after a failure at read $n differs"
	n=$((n + 1))
done

# An output that cannot grow: a clear error, exit 3, a consistent map, and
# the rip completes once it can.
rm -f "$T/f.iso" "$T/f.iso.map"
( ulimit -f 100; "$GM" rip -o "$T/f.iso" "$T/tiny.iso" ) > "$T/out" 2> "$T/err" && fail "a rip beyond the file size limit succeeded"
contains "$T/err" "cannot make '$T/f.iso' $((tiny * 2048)) bytes long: File too large"
run 0 "$GM" rip -o "$T/f.iso" "$T/tiny.iso"
cmp "$T/f.iso" "$T/tiny.iso" || fail "resume after a full output differs"

# a malformed fault script names its line
printf '10 unreadable\n20 sparkle\n' > "$T/badfaults"
run 2 "$GM" rip --simulate "$T/badfaults" -o "$T/b.iso" "$T/tiny.iso"
contains "$T/err" "fault script '$T/badfaults' line 2"

# A mixed-mode CD: the data track is ripped, the audio after it is left out
# (and said so in the log); an audio CD is refused.
. "$srcdir/tests/cli/images.sh"
make_iso "$T/mtree" "$T/m.iso" MIXED
make_mixed "$T" "$T/m.iso"
run 0 "$GM" rip -o "$T/mixed-rip.iso" "$T/mixed.cue"
cmp "$T/mixed-rip.iso" "$T/m.iso" || fail "the data track of the mixed disc differs"
contains "$T/mixed-rip.iso.log" "are not part of a data image"
printf 'FILE "mixed (Track 2).bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n' > "$T/audio.cue"
run 2 "$GM" rip -o "$T/audio.iso" "$T/audio.cue"
contains "$T/err" "has no data track at LBA 0: ripping audio is not supported yet"
