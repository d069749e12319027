# demo.sh - the README's demo: encode the bundled sample file into a raw
# Mode 1 image with a cue sheet, show its layout and hashes, check it,
# damage two sectors, check again, and extract the user data to an ISO
# image with the damaged sectors named.  Also run by `make check`, so the
# demo keeps working.
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
echo "== demo done: both damaged sectors found, nothing else"
