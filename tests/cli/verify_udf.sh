# verify_udf.sh - `glassmaster verify` names the files of a UDF master:
# a genisoimage UDF bridge whose ISO 9660 primary descriptor is wiped is
# a UDF-only master (verify's own UDF walk reads it, libiso9660 does not);
# a byte changed in a file's data is reported in that file.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/tree/sub"
head -c 300000 /dev/urandom > "$T/tree/sub/data.bin"
head -c 5000 /dev/urandom > "$T/tree/small.bin"
genisoimage -quiet -udf -o "$T/m.iso" "$T/tree" || fail "genisoimage failed"
dd if=/dev/zero of="$T/m.iso" bs=2048 seek=16 count=1 conv=notrunc status=none
# where sub/data.bin's bytes are in the image
lba=$(python3 - "$T/m.iso" "$T/tree/sub/data.bin" <<'PY'
import sys
image, data = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
at = image.find(data[:8192])
assert at >= 0 and at % 2048 == 0
print(at // 2048)
PY
) || fail "sub/data.bin is not in the image"
cp "$T/m.iso" "$T/c.iso"
poke "$T/c.iso" $(((lba + 3) * 2048 + 100))
run 1 "$GM" verify --no-hash "$T/c.iso" "$T/m.iso"
contains "$T/out" "mismatch LBA $((lba + 3))-$((lba + 3)) (1 sector): /sub/data.bin"
lacks "$T/err" "WARN"
cp "$T/m.iso" "$T/c.iso"
run 0 "$GM" verify --no-hash "$T/c.iso" "$T/m.iso"
contains "$T/out" "MATCH"
# every sector of the master is compared: a source with 150 more
# sectors matches, the extra counted beyond the image
cp "$T/m.iso" "$T/p.iso"
head -c $((150 * 2048)) /dev/urandom >> "$T/p.iso"
run 0 "$GM" verify --no-hash "$T/p.iso" "$T/m.iso"
contains "$T/out" "150 sectors beyond the image (not compared)"
