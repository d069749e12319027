# demo.sh - the README's demo: encode the bundled sample file into a raw
# Mode 1 image with a cue sheet, show its layout and hashes, check it,
# damage two sectors, check again, and extract the user data to an ISO
# image with the damaged sectors named; then master the sample into an ISO
# image, rip it through a simulated faulty drive and verify the rip (and
# the drive) against the master.  Also run by `make check`, so the demo
# keeps working.
set -eu
builddir=${1:?usage: demo.sh BUILDDIR SRCDIR}
srcdir=${2:?usage: demo.sh BUILDDIR SRCDIR}
GM="$builddir/glassmaster"
out=$(mktemp -d "${TMPDIR:-/tmp}/gm-demo.XXXXXX")
trap 'rm -rf "$out"' EXIT INT TERM
img=$out/sample.bin

echo "== encode $srcdir/tests/sample/README.sample into 300 raw Mode 1 sectors"
"$builddir/tests/gm-mkraw" -n 300 -i "$srcdir/tests/sample/README.sample" "$img"
printf 'FILE "sample.bin" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n' > "$out/sample.cue"
ls -l "$img" | awk '{print $5 " bytes"}'

echo "== glassmaster info sample.cue"
"$GM" info "$out/sample.cue"

echo "== glassmaster hash --dat sample.cue"
"$GM" hash --dat "$out/sample.cue"

echo "== glassmaster verify --integrity sample.bin"
"$GM" verify --integrity "$img"

echo "== flip one byte of user data in LBA 123 and one byte of Q parity in LBA 200"
printf '\001' | dd of="$img" bs=1 seek=$((123 * 2352 + 500)) conv=notrunc status=none
printf '\001' | dd of="$img" bs=1 seek=$((200 * 2352 + 2300)) conv=notrunc status=none

echo "== glassmaster verify --integrity sample.bin (exit status 1 expected)"
status=0
"$GM" verify --integrity "$img" || status=$?
echo "exit status: $status"
[ "$status" -eq 1 ]
"$GM" verify --integrity --json "$img" | grep -q '"failed": 2'

echo "== glassmaster convert sample.cue sample.iso (exit status 1 expected)"
status=0
"$GM" convert "$out/sample.cue" "$out/sample.iso" || status=$?
echo "exit status: $status"
[ "$status" -eq 1 ]
head -c 11 "$out/sample.iso" | grep -q glassmaster
echo "== both damaged sectors found, nothing else"

echo "== glassmaster master: the sample and 1.3 MB of numbers into master.iso"
seq 1 200000 > "$out/numbers.txt"
SOURCE_DATE_EPOCH=1700000000 "$GM" master --quiet -V SAMPLE -o "$out/master.iso" \
	"$srcdir/tests/sample" "data/numbers.txt=$out/numbers.txt"

echo "== a drive that cannot read LBA 300-309, needs three reads of LBA 400 and"
echo "   returns wrong data once at LBA 500 (glassmaster-faults(5))"
printf '300-309 unreadable\n400 flaky 2\n500 corrupt-once\n' > "$out/faults"
cat "$out/faults"

echo "== glassmaster rip --simulate faults --retries 2 master.iso (exit status 1 expected)"
status=0
"$GM" rip --quiet --simulate "$out/faults" --retries 2 -o "$out/rip.iso" "$out/master.iso" || status=$?
echo "exit status: $status"
[ "$status" -eq 1 ]

echo "== glassmaster verify rip.iso master.iso (exit status 1 expected)"
status=0
"$GM" verify --map "$out/demo.svg" "$out/rip.iso" "$out/master.iso" > "$out/verify.txt" || status=$?
cat "$out/verify.txt"
echo "exit status: $status"
[ "$status" -eq 1 ]
grep -q '^MISMATCH' "$out/verify.txt"
grep -q 'mismatch LBA 300-309 (10 sectors): /data/numbers.txt' "$out/verify.txt"
[ "$(grep -c '^  mismatch' "$out/verify.txt")" -eq 1 ]
grep -q 'data-kind="mismatch"' "$out/demo.svg"

echo "== glassmaster verify --simulate faults master.iso master.iso: the drive itself"
status=0
"$GM" verify --simulate "$out/faults" --retries 2 "$out/master.iso" "$out/master.iso" > "$out/verify2.txt" || status=$?
cat "$out/verify2.txt"
[ "$status" -eq 1 ]
grep -q '^UNREADABLE' "$out/verify2.txt"
grep -q 'unreadable LBA 300-309 (10 sectors): /data/numbers.txt' "$out/verify2.txt"
echo "== demo done: the damage found where it was made, and nowhere else"
