set -e
# mapfile.sh - our mapfiles are ddrescue's: GNU ddrescuelog reads a map
# gm-mapcheck saved and counts the same bytes and areas of each status, and
# we read the maps ddrescuelog and ddrescue write.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"
MAPCHECK="$builddir/tests/gm-mapcheck"
command -v ddrescuelog > /dev/null || fail "ddrescuelog (Debian package gddrescue) is missing"

# field STATUS: our "STATUS BYTES AREAS" line for a status
ours() {
	awk -v s="$1" '$1 == s { print $2, $3 }' "$T/ours"
}

# ddrescuelog's count of 2048-byte blocks with the given status
blocks_of() {
	ddrescuelog -b 2048 -l"$1" "$T/a.map" | wc -l | tr -d ' '
}

# ddrescuelog's area count for a line of -t ("rescued", "bad-sector", ...)
areas_of() {
	awk -v n="$1:" '$1 == n { for (i = 1; i < NF; i++) if ($i == "in") print $(i + 1) }' "$T/status"
}

for seed in 1 2 3; do
	run 0 "$MAPCHECK" -r "$seed" -n 3000 -k 400 "$T/a.map"
	cp "$T/out" "$T/ours"
	contains "$T/a.map" "# Mapfile. Created by glassmaster version"
	contains "$T/a.map" "0x002EE000     *               2"
	run 0 ddrescuelog -b 2048 -t "$T/a.map"
	cp "$T/out" "$T/status"
	for pair in "?:non-tried" "*:non-trimmed" "/:non-scraped" "-:bad-sector" "+:rescued"; do
		st=${pair%%:*}
		name=${pair#*:}
		set -- $(ours "$st")
		[ "$(($(blocks_of "$st") * 2048))" -eq "$1" ] ||
			fail "seed $seed: ddrescuelog counts $(blocks_of "$st") blocks of '$st', we $1 bytes"
		[ "$(areas_of "$name")" -eq "$2" ] ||
			fail "seed $seed: ddrescuelog counts $(areas_of "$name") $name areas, we $2"
	done
	[ "$(awk '$1 == "mapfile" { print $(NF - 1) }' "$T/status")" -eq "$(awk '$1 == "areas" { print $2 }' "$T/ours")" ] ||
		{ cat "$T/status" >&2; fail "seed $seed: the number of areas differs"; }

	# and we read our own map back the same
	run 0 "$MAPCHECK" -l -s $((3000 * 2048)) "$T/a.map"
	cmp -s "$T/out" "$T/ours" || { diff "$T/ours" "$T/out" >&2; fail "seed $seed: reloaded map differs"; }
done

# the second save kept the first map as a.map.bak, which ddrescuelog reads
[ -f "$T/a.map.bak" ] || fail "no a.map.bak after the second save"
run 0 ddrescuelog -t "$T/a.map.bak"
[ ! -e "$T/a.map.tmp" ] || fail "a.map.tmp left behind"

# a map ddrescuelog creates: blocks 0-9 and 20 finished, the rest bad
printf '%s\n' 0 1 2 3 4 5 6 7 8 9 20 | ddrescuelog -b 2048 -s $((32 * 2048)) -c "$T/c.map" ||
	fail "ddrescuelog -c failed"
run 0 "$MAPCHECK" -l -s $((32 * 2048)) "$T/c.map"
contains "$T/out" "+ $((11 * 2048)) 2"
contains "$T/out" "- $((21 * 2048)) 2"

# a map ddrescue writes for a rescue that finished
head -c 100000 /dev/urandom > "$T/in"
ddrescue -q "$T/in" "$T/copy" "$T/d.map" || fail "ddrescue failed"
run 0 "$MAPCHECK" -l -s 100000 "$T/d.map"
contains "$T/out" "+ 100000 1"
contains "$T/out" "areas 1"

# a malformed map: refused naming its line
printf '0x0 + 1\n0x0 0x800 +\n0x1000 0x800 -\n' > "$T/bad.map"
run 2 "$MAPCHECK" -l "$T/bad.map"
contains "$T/err" "mapfile '$T/bad.map' line 3: gap of 2048 bytes before the block"
