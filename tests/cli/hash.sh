# hash.sh - `hash` agrees with md5sum, sha1sum, sha256sum and gzip's CRC-32
# for every file of an image, and --dat is well-formed Logiqx XML.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"
. "$srcdir/tests/cli/images.sh"

make_iso "$T/tree" "$T/a.iso" HASHES
make_mixed "$T" "$T/a.iso"

# gzip's trailer holds the CRC-32 of its input, little-endian
crc32_of() {
	gzip -c < "$1" | tail -c 8 | head -c 4 | od -An -tx1 |
		awk '{printf "%s%s%s%s", $4, $3, $2, $1}'
}

run 0 "$GM" hash --json "$T/mixed.cue"
for f in "mixed (Track 1).bin" "mixed (Track 2).bin" "mixed (Track 3).wav" mixed.cue; do
	p=$T/$f
	contains "$T/out" "{\"name\": \"$f\", \"path\": \"$p\", \"size\": $(wc -c < "$p"), \"crc32\": \"$(crc32_of "$p")\", \"md5\": \"$(md5sum < "$p" | cut -c1-32)\", \"sha1\": \"$(sha1sum < "$p" | cut -c1-40)\", \"sha256\": \"$(sha256sum < "$p" | cut -c1-64)\"}"
done
[ "$(grep -o '"name"' "$T/out" | wc -l)" -eq 4 ] || fail "not 4 files hashed"

# an .iso is its own one file; text output
run 0 "$GM" hash "$T/a.iso"
contains "$T/out" "  md5     $(md5sum < "$T/a.iso" | cut -c1-32)"
[ "$(grep -c '^  sha256' "$T/out")" -eq 1 ] || fail "an .iso is one file"

# --dat: Logiqx XML, one rom per file, redump's attributes
run 0 "$GM" hash --dat "$T/mixed.cue"
cp "$T/out" "$T/mixed.dat"
xmllint --noout "$T/mixed.dat" || fail "the dat is not well-formed XML"
contains "$T/mixed.dat" "<game name=\"mixed\">"
contains "$T/mixed.dat" "<rom name=\"mixed (Track 2).bin\" size=\"$(wc -c < "$T/mixed (Track 2).bin")\" crc=\"$(crc32_of "$T/mixed (Track 2).bin")\" md5=\"$(md5sum < "$T/mixed (Track 2).bin" | cut -c1-32)\" sha1=\"$(sha1sum < "$T/mixed (Track 2).bin" | cut -c1-40)\"/>"
[ "$(grep -c '<rom ' "$T/mixed.dat")" -eq 4 ] || fail "not 4 roms"

# a name that needs escaping in XML
cp "$T/a.iso" "$T/R&D <1>.iso"
run 0 "$GM" hash --dat "$T/R&D <1>.iso"
xmllint --noout "$T/out" || fail "an escaped name broke the XML"
contains "$T/out" 'rom name="R&amp;D &lt;1&gt;.iso"'

# a sheet naming a missing file: named, exit 2, nothing hashed
printf 'FILE "gone.bin" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n' > "$T/gone.cue"
run 2 "$GM" hash "$T/gone.cue"
contains "$T/err" "refers to '$T/gone.bin', which cannot be opened"
run 2 "$GM" hash --dat --json "$T/a.iso"
