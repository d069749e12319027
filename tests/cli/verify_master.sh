# verify_master.sh - `verify SOURCE MASTER` compares a source with a master
# sector by sector: an identical copy matches; a byte flipped at a random
# place (in a file, a directory, the system area or the padding) is one
# mismatching sector with the right LBA and file; unreadable and flaky
# sectors of the simulated drive; a source longer or shorter than the
# master; the SVG map; a dat as master; .cue sources; bad input.
# The expected extents come from isoinfo, not from glassmaster.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

for tool in genisoimage isoinfo xmllint python3; do
	command -v "$tool" > /dev/null ||
		fail "$tool is not installed (sh bootstrap check installs it)"
done
seed=${GM_TEST_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "verify_master.sh: seed $seed (GM_TEST_SEED=$seed repeats this run)"

md5() { md5sum < "$1" | cut -c 1-32; }
sha1() { sha1sum < "$1" | cut -c 1-40; }
# gzip's trailer holds the CRC-32 of its input, little-endian
crc32() {
	gzip -c < "$1" | tail -c 8 | head -c 4 | od -An -tx1 |
		awk '{printf "%s%s%s%s", $4, $3, $2, $1}'
}
first_line() {
	case $(head -n 1 "$T/out") in
	"$1"*) ;;
	*) cat "$T/out" >&2; fail "the first line does not start with $1" ;;
	esac
}
# the bad-range lines of $T/out, normalised: "LBA N-N" as "LBA N", "(1
# sectors)" as "(1 sector)", no blank after a comma or at the end, and no
# slash after a directory's name
ranges() {
	grep -E '^  (mismatch|unreadable|missing) LBA ' "$T/out" |
		sed -e 's/ *$//' -e 's/LBA \([0-9]*\)-\1 /LBA \1 /' \
			-e 's/(1 sectors)/(1 sector)/' -e 's/, /,/g' \
			-e 's|\([^ ]\)/$|\1|' -e 's|\([^ ]\)/,|\1,|g' || true
}
# one_range LINE: the only bad range of $T/out is LINE (normalised)
one_range() {
	[ "$(ranges)" = "$1" ] ||
		{ cat "$T/out" >&2; fail "expected the one range '$1' (seed $seed)"; }
}

# jcheck FILE EXPR ARG...: the Python expression EXPR holds for the JSON
# object d in FILE; a is the list of ARGs.  R(kind, first, last, files)
# makes a range (files comma-separated, "" for none) as rs() lists d's.
cat > "$T/jcheck.py" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a = sys.argv[3:]
def norm(f):
    return f[:-1] if len(f) > 1 and f.endswith("/") else f
def R(kind, first, last, files):
    return (kind, int(first), int(last), [f for f in files.split(",") if f])
def rs():
    return [(r["kind"], r["first_lba"], r["last_lba"], [norm(f) for f in r["files"]])
            for r in d["ranges"]]
if not eval("(" + sys.argv[2] + ")"):
    print(json.dumps(d, indent=1), file=sys.stderr)
    sys.exit(1)
PY
jcheck() {
	python3 "$T/jcheck.py" "$@" || fail "JSON of $1: $2 $(shift 2; echo "$*")"
}
# svgcheck FILE KIND FIRST LAST: FILE is XML with an element of these
# data-kind, data-first and data-last
svgcheck() {
	xmllint --noout "$1" || fail "the map '$1' is not well-formed XML"
	python3 - "$@" <<'PY' || fail "the map '$1' has no $2 range $3-$4"
import sys, xml.etree.ElementTree as ET
f, kind, first, last = sys.argv[1:]
sys.exit(not any(e.get("data-kind") == kind and e.get("data-first") == first and
                 e.get("data-last") == last for e in ET.parse(f).iter()))
PY
}

# The master: genisoimage -R -J of 121 files (one empty) of 2 KB to 250 KB
# with names ISO 9660 cannot hold, in subdirectories; about 15 MB.
mkdir -p "$T/tree/docs/deep" "$T/tree/media" "$T/tree/data"
i=0
while [ $i -lt 120 ]; do
	case $((i % 4)) in 0) d=docs ;; 1) d=media ;; 2) d=docs/deep ;; 3) d=. ;; esac
	head -c $((2000 + (i * 7919) % 250000)) /dev/urandom > "$T/tree/$d/file-$i.long name.bin"
	i=$((i + 1))
done
: > "$T/tree/empty.txt"
genisoimage -quiet -R -J -V VTEST -o "$T/master.iso" "$T/tree" || fail "genisoimage"
M=$T/master.iso
sectors=$(isoinfo -d -i "$M" | sed -n 's/^Volume size is: //p')
[ $((sectors * 2048)) -eq "$(wc -c < "$M")" ] || fail "the master is not $sectors sectors"

# Its extents through isoinfo's Rock Ridge listing, one line each (tab-
# separated): f or d, first and last LBA, size, path; a directory is its
# "." record.  An empty file (e) covers no sector.
isoinfo -R -l -i "$M" | awk '
/^Directory listing of / { dir = substr($0, 22); next }
/\[ *[0-9]+ +[0-9]+\]/ {
	rest = substr($0, index($0, "[") + 1); sub(/^ +/, "", rest)
	split(rest, x, / +/)
	name = substr($0, index($0, "]  ") + 3); sub(/ $/, "", name)
	n = int(($5 + 2047) / 2048)
	if (substr($1, 1, 1) == "d") {
		if (name != ".") next
		p = dir; if (p != "/") sub(/\/$/, "", p)
		printf "d\t%d\t%d\t%d\t%s\n", x[1], x[1] + n - 1, $5, p
	} else if (n > 0)
		printf "f\t%d\t%d\t%d\t%s\n", x[1], x[1] + n - 1, $5, dir name
	else
		printf "e\t%d\t%d\t0\t%s\n", x[1], x[1] - 1, dir name
}' | sort -t "$(printf '\t')" -k2,2n > "$T/extents"
[ "$(grep -c '^f' "$T/extents")" -eq 120 ] || { cat "$T/extents"; fail "not 120 file extents"; }
[ "$(grep -c '^d' "$T/extents")" -eq 5 ] || { cat "$T/extents"; fail "not 5 directories"; }
grep -qF '/docs/deep/file-2.long name.bin' "$T/extents" ||
	fail "isoinfo does not show the Rock Ridge names"
# after the last extent, genisoimage's padding up to the volume size
pad=$(awk -F '\t' '$3 >= m { m = $3 + 1 } END { print m }' "$T/extents")
[ "$pad" -lt $((sectors - 16)) ] || fail "no padding after LBA $pad"
dd if="$M" bs=2048 skip="$pad" status=none | tr -d '\0' | cmp -s - /dev/null ||
	fail "the padding from LBA $pad is not zeros"

# An identical copy matches, hashes of the source over the master's
# extent; --json; --no-hash; --quiet.
cp "$M" "$T/copy.iso"
run 0 "$GM" verify "$T/copy.iso" "$M"
first_line MATCH
contains "$T/out" "'$T/copy.iso'"
contains "$T/out" "$sectors"
lacks "$T/out" "beyond"
[ -z "$(ranges)" ] || fail "a copy has bad ranges"
contains "$T/out" "$(crc32 "$M")"
contains "$T/out" "$(md5 "$M")"
contains "$T/out" "$(sha1 "$M")"
run 0 "$GM" verify --json "$T/copy.iso" "$M"
jcheck "$T/out" 'd["verdict"] == "MATCH" and d["source"] == a[0] and d["master"] == a[1]
	and d["sectors"] == int(a[2]) and d["extra_sectors"] == 0 and d["ranges"] == []
	and d["recovered"] == 0
	and d["hashes"] == {"crc32": a[3], "md5": a[4], "sha1": a[5]}' \
	"$T/copy.iso" "$M" "$sectors" "$(crc32 "$M")" "$(md5 "$M")" "$(sha1 "$M")"
run 0 "$GM" verify --no-hash --json "$T/copy.iso" "$M"
jcheck "$T/out" '"hashes" not in d and d["verdict"] == "MATCH"'
run 0 "$GM" verify --no-hash "$T/copy.iso" "$M"
lacks "$T/out" "$(md5 "$M")"
run 0 "$GM" verify --quiet "$T/copy.iso" "$M"
[ ! -s "$T/err" ] || { cat "$T/err"; fail "--quiet wrote to stderr"; }
cmp "$T/copy.iso" "$M" || fail "verify changed its source"

# One byte flipped, 20 times on fresh copies: 14 in file data, 2 in the
# system area, 2 in a directory of the ISO 9660 tree, 2 in the padding.
# Each is one mismatching sector at offset / 2048 naming that file, that
# directory or nothing.
awk -F '\t' -v seed="$seed" -v pad="$pad" -v sectors="$sectors" '
{ k[NR] = $1; lo[NR] = $2; hi[NR] = $3; sz[NR] = $4; p[NR] = $5
  if ($1 == "f") f[++nf] = NR; else if ($1 == "d") d[++nd] = NR }
END {
	srand(seed)
	for (t = 0; t < 20; t++) {
		w = t % 10
		if (w < 7) {
			e = f[1 + int(rand() * nf)]
			off = lo[e] * 2048 + int(rand() * sz[e]); path = p[e]
		} else if (w == 7) {
			off = int(rand() * 16 * 2048); path = ""
		} else if (w == 8) {
			e = d[1 + int(rand() * nd)]
			off = lo[e] * 2048 + int(rand() * (hi[e] - lo[e] + 1) * 2048); path = p[e]
		} else {
			off = pad * 2048 + int(rand() * (sectors - pad) * 2048); path = ""
		}
		printf "%d\t%d\t%s\n", off, int(off / 2048), path
	}
}' "$T/extents" > "$T/trials"
tab=$(printf '\t')
t=0
while IFS=$tab read -r off lba path <&3; do
	cp "$M" "$T/flip.iso"
	poke "$T/flip.iso" "$off"
	run 1 "$GM" verify --no-hash "$T/flip.iso" "$M"
	first_line MISMATCH
	one_range "  mismatch LBA $lba (1 sector)${path:+: $path}"
	run 1 "$GM" verify --no-hash --json "$T/flip.iso" "$M"
	cp "$T/out" "$T/trial$t.json"
	t=$((t + 1))
done 3< "$T/trials"
[ $t -eq 20 ] || fail "$t trials, not 20"
python3 - "$T" <<'PY' || fail "the JSON of the flipped bytes (seed $seed)"
import json, sys
T = sys.argv[1]
bad = 0
for t, line in enumerate(open(T + "/trials").read().splitlines()):
    off, lba, path = line.split("\t")
    d = json.load(open("%s/trial%d.json" % (T, t)))
    got = [(r["kind"], r["first_lba"], r["last_lba"],
            [f[:-1] if len(f) > 1 and f.endswith("/") else f for f in r["files"]])
           for r in d["ranges"]]
    want = [("mismatch", int(lba), int(lba), [path] if path else [])]
    if d["verdict"] != "MISMATCH" or got != want or "hashes" in d:
        print("byte %s: %s, expected %s" % (off, json.dumps(d), want), file=sys.stderr)
        bad += 1
sys.exit(bad > 0)
PY

# The empty file has no sector, though isoinfo gives it an extent (that of
# the next file's data): a byte flipped there names only the file whose
# data it is.
e=$(awk -F '\t' '$1 == "e" { print $2 }' "$T/extents")
[ -n "$e" ] || fail "isoinfo shows no empty file"
path=$(awk -F '\t' -v e="$e" '$1 != "e" && $2 <= e && e <= $3 { print $5 }' "$T/extents")
cp "$M" "$T/flip.iso"
poke "$T/flip.iso" $((e * 2048 + 7))
run 1 "$GM" verify --no-hash "$T/flip.iso" "$M"
one_range "  mismatch LBA $e (1 sector)${path:+: $path}"

# The master through the simulated drive: 10 unreadable sectors inside
# a file, 6 across the end of one file and the start of the next, one
# sector failing 50 reads (beyond --retries 3), and 3 flaky sectors that
# read on the third try.  The unreadable ones are ranges of their files,
# the flaky ones are recovered and not reported.
sel=$(awk -F '\t' '
$1 == "f" { n++; lo[n] = $2; hi[n] = $3; p[n] = $5 }
END {
	for (i = 1; i <= n; i++) {
		len = hi[i] - lo[i] + 1
		if (!x && len >= 30) { x = i; continue }
		if (!b && i < n && len >= 6 && hi[i+1] - lo[i+1] >= 5 &&
		    lo[i+1] == hi[i] + 1) { b = i; i++; continue }
		if (x && b && !y && len >= 10) { y = i; continue }
		if (y && !z && len >= 3) { z = i; continue }
		if (z && !v && len >= 4) { v = i }
	}
	if (!v) exit 1
	printf "xa=%d xb=%d xf=\047%s\047\n", lo[x] + 10, lo[x] + 19, p[x]
	printf "ba=%d bb=%d bf=\047%s,%s\047\n", hi[b] - 2, hi[b] + 3, p[b], p[b+1]
	printf "ya=%d yb=%d\n", lo[y] + 3, lo[y] + 5
	printf "za=%d zf=\047%s\047\n", lo[z] + 1, p[z]
	printf "va=%d vf=\047%s\047\n", lo[v] + 2, p[v]
}' "$T/extents") || fail "no files fit the fault script"
eval "$sel"
cat > "$T/faults" <<F
# a scratch inside a file and one across two files
$xa-$xb unreadable
$ba-$bb unreadable
$ya-$yb flaky 2
$za flaky 50
F
# unreadable_ranges WHAT: the text report lists exactly those three ranges
unreadable_ranges() {
	first_line UNREADABLE
	[ "$(ranges | sort -k3,3n)" = "$(printf '%s\n' \
		"  unreadable LBA $xa-$xb (10 sectors): $xf" \
		"  unreadable LBA $ba-$bb (6 sectors): $bf" \
		"  unreadable LBA $za (1 sector): $zf" | sort -k3,3n)" ] ||
		{ cat "$T/faults" "$T/out" >&2; fail "the unreadable ranges$1"; }
}
run 1 "$GM" verify --retries 3 --simulate "$T/faults" "$M" "$M"
unreadable_ranges ""
run 1 "$GM" verify --retries 3 --simulate "$T/faults" --json "$M" "$M"
jcheck "$T/out" 'd["verdict"] == "UNREADABLE" and d["recovered"] >= 3
	and sorted(rs()) == sorted([R("unreadable", a[0], a[1], a[2]),
		R("unreadable", a[3], a[4], a[5]), R("unreadable", a[6], a[6], a[7])])' \
	"$xa" "$xb" "$xf" "$ba" "$bb" "$bf" "$za" "$zf"

# The same through the emulated drive of a profile and the MMC back end:
# the same unreadable ranges, a failed READ CD failing its whole request.
printf 'vendor PLEXTOR\nproduct DVDR   PX-760A\n' > "$T/px.profile"
run 1 "$GM" verify --retries 3 --drive-profile "$T/px.profile" --simulate "$T/faults" "$M" "$M"
unreadable_ranges " (a profile's drive)"
run 0 "$GM" verify --drive-profile "$T/px.profile" "$M" "$M"
first_line MATCH
run 2 "$GM" verify --integrity --drive-profile "$T/px.profile" "$M"
contains "$T/err" "not with --integrity"

# The map, with both kinds (mismatch wins the verdict): the scratch read
# through the drive from a copy with a flipped byte.
cp "$M" "$T/flip.iso"
poke "$T/flip.iso" $((va * 2048 + 1000))
printf '%d-%d unreadable\n' "$xa" "$xb" > "$T/scratch"
run 1 "$GM" verify --simulate "$T/scratch" --map "$T/map.svg" "$T/flip.iso" "$M"
first_line MISMATCH
[ "$(ranges | sort -k3,3n)" = "$(printf '%s\n' \
	"  unreadable LBA $xa-$xb (10 sectors): $xf" \
	"  mismatch LBA $va (1 sector): $vf" | sort -k3,3n)" ] ||
	{ cat "$T/out" >&2; fail "the ranges of the map's run"; }
svgcheck "$T/map.svg" unreadable "$xa" "$xb"
svgcheck "$T/map.svg" mismatch "$va" "$va"

# A source 150 sectors longer matches, the extra noted and not hashed;
# one 10 sectors shorter is a mismatch, the rest missing.
cp "$M" "$T/long.iso"
head -c $((150 * 2048)) /dev/urandom >> "$T/long.iso"
run 0 "$GM" verify "$T/long.iso" "$M"
first_line MATCH
grep 'beyond the image' "$T/out" | grep -q 150 ||
	{ cat "$T/out" >&2; fail "no 150 sectors beyond the image"; }
[ -z "$(ranges)" ] || fail "a longer copy has bad ranges"
contains "$T/out" "$(md5 "$M")"
run 0 "$GM" verify --json "$T/long.iso" "$M"
jcheck "$T/out" 'd["verdict"] == "MATCH" and d["sectors"] == int(a[0])
	and d["extra_sectors"] == 150 and d["ranges"] == []
	and d["hashes"]["md5"] == a[1] and d["hashes"]["sha1"] == a[2]' \
	"$sectors" "$(md5 "$M")" "$(sha1 "$M")"
head -c $(((sectors - 10) * 2048)) "$M" > "$T/short.iso"
run 1 "$GM" verify --map "$T/short.svg" "$T/short.iso" "$M"
first_line MISMATCH
grep "missing LBA $((sectors - 10))-$((sectors - 1)) " "$T/out" |
	grep -q 'beyond the end of the source' ||
	{ cat "$T/out" >&2; fail "no missing range at the end"; }
[ "$(ranges | wc -l)" -eq 1 ] || { cat "$T/out" >&2; fail "not one range"; }
svgcheck "$T/short.svg" missing $((sectors - 10)) $((sectors - 1))
run 1 "$GM" verify --json --no-hash "$T/short.iso" "$M"
jcheck "$T/out" 'd["verdict"] == "MISMATCH" and d["extra_sectors"] == 0
	and rs() == [R("missing", a[0], a[1], "")]' $((sectors - 10)) $((sectors - 1))

# A .cue source (raw Mode 1 sectors): the copy matches; a flipped copy
# converted to .cue (its EDC made anew) mismatches in that sector.
"$GM" convert "$T/copy.iso" "$T/copy.cue" > /dev/null || fail "ISO -> CUE"
run 0 "$GM" verify "$T/copy.cue" "$M"
first_line MATCH
"$GM" convert "$T/flip.iso" "$T/flip.cue" > /dev/null || fail "ISO -> CUE"
run 1 "$GM" verify --no-hash "$T/flip.cue" "$M"
one_range "  mismatch LBA $va (1 sector): $vf"

# A dat as master (its rom named like the source's file).
"$GM" hash --dat "$M" > "$T/master.dat" || fail "hash --dat"
mkdir "$T/dat"
cp "$M" "$T/dat/master.iso"
run 0 "$GM" verify "$T/dat/master.iso" "$T/master.dat"
first_line MATCH
poke "$T/dat/master.iso" $((va * 2048 + 1000))
run 1 "$GM" verify "$T/dat/master.iso" "$T/master.dat"
first_line MISMATCH

# A drive that goes away: exit 3.
printf 'after-reads 100 vanish\n' > "$T/vanish"
run 3 "$GM" verify --simulate "$T/vanish" "$M" "$M"
contains "$T/err" "is gone at LBA"

# Bad input: exit 2, naming what is wrong.
run 2 "$GM" verify "$T/nothing.iso" "$M"
contains "$T/err" "$T/nothing.iso"
run 2 "$GM" verify "$T/copy.iso" "$T/nothing.dat"
contains "$T/err" "$T/nothing.dat"
run 2 "$GM" verify "$T/copy.iso"
run 2 "$GM" verify --retries many "$T/copy.iso" "$M"
printf '10 unreadable\n20 sparkle\n' > "$T/badfaults"
run 2 "$GM" verify --simulate "$T/badfaults" "$M" "$M"
contains "$T/err" "fault script '$T/badfaults' line 2"
