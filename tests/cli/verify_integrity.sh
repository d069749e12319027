# verify_integrity.sh - `verify --integrity` finds exactly the damaged
# sectors of raw images, in Mode 1, Mode 2 Form 1 and with subchannel,
# and rejects bad input with status 2.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

# A clean Mode 1 image at LBA 0: intact, exit 0.
"$MKRAW" -n 600 -r 3 "$T/m1.bin"
cp "$T/m1.bin" "$T/m1.orig"
run 0 "$GM" verify --integrity "$T/m1.bin"
contains "$T/out" "INTACT: '$T/m1.bin': 600 sectors checked"
contains "$T/out" "LBA 0-599"
contains "$T/out" "mode 1: 600"

# One byte in each region of sector 417: user data and EDC give bad EDC,
# the P and Q parity bad ECC, the sync bad sync (the header still says
# it is a data sector at that address), the header a wrong address.
for case in 100:EDC 2065:EDC 2100:ECC 2300:ECC 5:SYNC 13:ADDR; do
	off=${case%%:*}
	cp "$T/m1.orig" "$T/m1.bin"
	poke "$T/m1.bin" $((417 * 2352 + off))
	run 1 "$GM" verify --integrity "$T/m1.bin"
	contains "$T/out" "DAMAGED: '$T/m1.bin': 1 of 600 sectors failed their check"
	case ${case#*:} in
	EDC) contains "$T/out" "LBA 417: bad EDC (mode 1)" ;;
	ECC) contains "$T/out" "LBA 417: bad ECC (mode 1)" ;;
	SYNC) contains "$T/out" "LBA 417: bad sync (mode 1)" ;;
	ADDR) contains "$T/out" "LBA 417: wrong header address (mode 1)" ;;
	esac
	[ "$(grep -c '^LBA ' "$T/out")" -eq 1 ] || fail "more than one bad sector listed"
done

# The original is untouched by every check (opened read-only).
cp "$T/m1.orig" "$T/ro.bin"
chmod 0444 "$T/ro.bin"
run 0 "$GM" verify --integrity "$T/ro.bin"
cmp "$T/ro.bin" "$T/m1.orig" || fail "the image changed"

# JSON: verdict, counts and the bad sector.
cp "$T/m1.orig" "$T/m1.bin"
poke "$T/m1.bin" $((9 * 2352 + 700))
run 1 "$GM" verify --integrity --json "$T/m1.bin"
contains "$T/out" '"verdict": "DAMAGED"'
contains "$T/out" '"failed": 1'
contains "$T/out" '{"lba": 9, "index": 9, "mode": "mode 1", "status": "bad EDC", "q_crc_bad": false, "files": []}'

# Mode 2 Form 1 at LBA 1000 with subchannel (2448-byte sectors).
"$MKRAW" -m 2 -s 1000 -n 300 -q "$T/f1.img"
run 0 "$GM" verify --integrity "$T/f1.img"
contains "$T/out" "sector size 2448, LBA 1000-1299"
contains "$T/out" "mode 2 form 1: 300"
contains "$T/out" "Q subchannel CRC errors: 0"
# damage the Q channel of sector 20 (bit 6 of a subchannel symbol)
poke "$T/f1.img" $((20 * 2448 + 2352 + 40))
run 1 "$GM" verify --integrity "$T/f1.img"
contains "$T/out" "LBA 1020: bad Q subchannel CRC (mode 2 form 1)"

# The first LBA can be given, and a wrong one shows as wrong addresses.
run 1 "$GM" verify --integrity --first-lba 5 "$T/m1.orig"
contains "$T/out" "LBA 5: wrong header address (mode 1)"

# Bad input: missing file, a directory, a truncated image.
run 2 "$GM" verify --integrity "$T/missing.bin"
contains "$T/err" "glassmaster: verify: cannot open '$T/missing.bin': No such file or directory"
run 2 "$GM" verify --integrity "$T"
contains "$T/err" "is not a regular file"
head -c 100000 "$T/m1.orig" > "$T/short.bin"
run 2 "$GM" verify --integrity --sector-size 2352 "$T/short.bin"
contains "$T/err" "'$T/short.bin' is 100000 bytes, not a whole number of 2352-byte raw sectors"
: > "$T/empty.bin"
run 2 "$GM" verify --integrity "$T/empty.bin"
contains "$T/err" "is 0 bytes"

# Any image glassmaster reads, through its sector source: a cue sheet names
# the damaged sector at its LBA; a CloneCD image with its .sub gets its Q
# CRCs checked too; a mixed-mode sheet counts its audio; an ISO image,
# user data only, has nothing to check (exit 2).
cp "$T/m1.orig" "$T/c1.bin"
printf 'FILE "c1.bin" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n' > "$T/c1.cue"
poke "$T/c1.bin" $((123 * 2352 + 700))
run 1 "$GM" verify --integrity "$T/c1.cue"
contains "$T/out" "DAMAGED: '$T/c1.cue': 1 of 600 sectors failed their check"
contains "$T/out" "LBA 123: bad EDC (mode 1)"
cp "$T/m1.orig" "$T/c2.bin"
printf 'FILE "c2.bin" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n' > "$T/c2.cue"
run 0 "$GM" convert "$T/c2.cue" "$T/c2.ccd"
run 0 "$GM" verify --integrity "$T/c2.ccd"
contains "$T/out" "INTACT"
contains "$T/out" "Q subchannel CRC errors: 0"
# a flipped Q bit in the .sub (deinterleaved: Q is bytes 12-23 of each
# sector's 96)
poke "$T/c2.sub" $((200 * 96 + 15))
run 1 "$GM" verify --integrity "$T/c2.ccd"
contains "$T/out" "LBA 200: bad Q subchannel CRC"
head -c $((64 * 2048)) /dev/urandom > "$T/u.iso"
run 2 "$GM" verify --integrity "$T/u.iso"
contains "$T/err" "stores user data only"

# A bad sector inside a file of the image's ISO 9660 file system is named
# with the file's Rock Ridge path (read through the sector source: libcdio
# 2.1 cannot walk raw images)
mkdir -p "$T/fs/Some Dir"
head -c 100000 /dev/urandom > "$T/fs/Some Dir/data file.bin"
genisoimage -quiet -R -o "$T/fs.iso" "$T/fs"
lba=$(isoinfo -R -l -i "$T/fs.iso" | sed -n 's/.*\[ *\([0-9]*\) 00\]  data file.bin *$/\1/p')
[ -n "$lba" ] || fail "isoinfo does not show data file.bin"
run 0 "$GM" convert "$T/fs.iso" "$T/fs.cue"
poke "$T/fs.bin" $(((lba + 10) * 2352 + 1000))
run 1 "$GM" verify --integrity "$T/fs.cue"
contains "$T/out" "LBA $((lba + 10)): bad EDC (mode 1): /Some Dir/data file.bin"
run 1 "$GM" verify --integrity --json "$T/fs.cue"
contains "$T/out" '"files": ["/Some Dir/data file.bin"]'

# The file systems' descriptors: sane for a whole image; an image cut short
# of the volume its primary descriptor claims is damaged even where every
# sector is good; a UDF bridge's anchor and descriptor sequence are checked
head -c $((lba * 2352)) "$T/fs.bin" > "$T/cut.bin"
printf 'FILE "cut.bin" BINARY\n  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n' > "$T/cut.cue"
run 1 "$GM" verify --integrity "$T/cut.cue"
contains "$T/out" "DAMAGED: '$T/cut.cue': every sector is good, but the file system's descriptors are not"
contains "$T/out" "file systems: ISO 9660; structures: faulty"
contains "$T/out" "fault: ISO 9660: the volume claims"
genisoimage -quiet -udf -o "$T/udf.iso" "$T/fs"
run 0 "$GM" convert "$T/udf.iso" "$T/udf.cue"
run 0 "$GM" verify --integrity --json "$T/udf.cue"
contains "$T/out" '"file_systems": {"iso9660": true, "udf": true, "faults": 0, "problems": []}'
