# zisofs.sh - `master --zisofs` and `mkisofs -z` (issue 18): compressible
# files are stored zisofs-compressed (the image is smaller), random data,
# small files and --zisofs-exclude'd ones stay plain, and a file that
# already carries zisofs headers (as mkzftree writes them; made here by
# tests/cli/zisofs.sh's own writer, mkzftree is not in Debian 12) is
# marked, not compressed twice.  Read back uncompressed, equal to the
# source, by:
# - the Linux kernel in the QEMU guest (Debian's cloud kernel; its config
#   must have CONFIG_ZISOFS=y, which is checked and printed),
# - xorriso -osirrox (which decompresses ZF files as it extracts),
# - glassmaster extract.
# zisofs with --no-rock or a UDF bridge is refused.  A file of 4 GiB and
# more gets zisofs2, read back through xorriso and glassmaster extract.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

for tool in xorriso python3; do
	command -v "$tool" > /dev/null || fail "$tool is not installed (sh bootstrap check)"
done
src=$T/src
mkdir -p "$src/docs/deeper"
python3 - "$src" <<'PY' || fail "making the tree"
import os, random, struct, sys, zlib
src = sys.argv[1]
r = random.Random(18)
words = "optical disc sector session track lead-in subchannel parity".split()
def text(n):
    return " ".join(r.choice(words) for _ in range(n)).encode()
open(os.path.join(src, "big.txt"), "wb").write(text(300000))
open(os.path.join(src, "docs/deeper/mid.txt"), "wb").write(text(30000))
open(os.path.join(src, "docs/notes.log"), "wb").write(text(30000))
open(os.path.join(src, "small.txt"), "wb").write(b"a small file\n")
open(os.path.join(src, "random.bin"), "wb").write(r.randbytes(200000))
open(os.path.join(src, "empty"), "wb").close()
# a zisofs file as mkzftree writes it: 16-byte header (magic, size,
# header size / 4, log2 of the block size), block pointers, zlib blocks;
# the kernel and xorriso give back `plain`
plain = text(50000)
bs = 1 << 15
blocks = [zlib.compress(plain[i:i + bs], 9) for i in range(0, len(plain), bs)]
header = bytes([0x37, 0xe4, 0x53, 0x96, 0xc9, 0xdb, 0xd6, 0x07]) + \
    struct.pack("<IBBxx", len(plain), 4, 15)
at = len(header) + 4 * (len(blocks) + 1)
ptrs = []
for b in blocks:
    ptrs.append(at)
    at += len(b)
ptrs.append(at)
open(os.path.join(src, "pre.z"), "wb").write(header + struct.pack("<%dI" % len(ptrs), *ptrs) + b"".join(blocks))
open(os.path.join(os.path.dirname(src), "pre.plain"), "wb").write(plain)
PY
# what each file reads as from the image: pre.z uncompressed
cp -r "$src" "$T/want"
cp "$T/pre.plain" "$T/want/pre.z"

echo "\$ glassmaster master -o z.iso --zisofs --zisofs-exclude '*.log' --zisofs-min 100 src"
run 0 "$GM" master -o "$T/z.iso" --zisofs --zisofs-exclude '*.log' --zisofs-min 100 "$src"
contains "$T/err" "zisofs: 2 files compressed, 1 already compressed (mkzftree)"
run 0 "$GM" master -o "$T/plain.iso" "$src"
[ "$(wc -c < "$T/z.iso")" -lt $(( $(wc -c < "$T/plain.iso") / 2 )) ] ||
	fail "the zisofs image ($(wc -c < "$T/z.iso") bytes) is not under half the plain one's"
# which files carry ZF entries (xorriso's view): the two compressed and
# the one that came compressed
xorriso -indev "$T/z.iso" -find / -type f -has_filter -- 2> /dev/null | sort > "$T/filtered"
xorriso -indev "$T/z.iso" -find / -type f -exec lsdl -- 2> /dev/null > "$T/lsdl"
printf "'/big.txt'\n'/docs/deeper/mid.txt'\n'/pre.z'\n" > "$T/filtered.want"
cmp "$T/filtered" "$T/filtered.want" || { cat "$T/filtered"; fail "not the files expected are compressed"; }

# xorriso and glassmaster give the files back as they were
echo "\$ xorriso -osirrox on -indev z.iso -extract / x"
xorriso -osirrox on -indev "$T/z.iso" -extract / "$T/x" > "$T/xorriso.log" 2>&1 ||
	{ cat "$T/xorriso.log"; fail "xorriso -extract"; }
diff -r "$T/x" "$T/want" > /dev/null || fail "xorriso's extraction differs from the source"
echo "\$ glassmaster extract z.iso -C g"
run 0 "$GM" extract "$T/z.iso" -C "$T/g"
diff -r "$T/g" "$T/want" > /dev/null || fail "glassmaster extract differs from the source"

# mkisofs -z: the same compression
echo "\$ glassmaster mkisofs -z -r -o m.iso src"
run 0 "$GM" mkisofs -z -r -o "$T/m.iso" "$src"
xorriso -indev "$T/m.iso" -find / -type f -has_filter -- 2> /dev/null | sort > "$T/m.filtered"
grep -q "big.txt" "$T/m.filtered" || fail "mkisofs -z did not compress big.txt"

# refusals
run 2 "$GM" master -o "$T/no.iso" --zisofs --no-rock "$src"
contains "$T/err" "zisofs needs Rock Ridge"
run 2 "$GM" master -o "$T/no.iso" --zisofs --fs iso+udf "$src"
contains "$T/err" "zisofs and an ISO 9660 + UDF bridge exclude each other"
[ ! -e "$T/no.iso" ] || fail "a refused zisofs image was written"

# the Linux kernel, in the QEMU guest
kver=$(ls /boot/vmlinuz-*-cloud-amd64 2> /dev/null | sed 's|.*/vmlinuz-||' | sort -V | tail -1)
[ -n "$kver" ] || fail "no Debian cloud kernel in /boot (sh bootstrap check)"
grep -q '^CONFIG_ZISOFS=y' "/boot/config-$kver" ||
	fail "the guest kernel $kver is built without CONFIG_ZISOFS"
echo "zisofs.sh: the guest kernel $kver has CONFIG_ZISOFS=y"
kernel_reads "ide-cd:$T/z.iso" "$T/want"

# zisofs2: a file of 4 GiB and more, whose size zisofs cannot hold (sparse,
# random 8 KiB at its start and past 4 GiB); xorriso decodes it as zisofs2
# ("PZ"), its bytes past 4 GiB come back through xorriso, and the whole
# file through glassmaster extract (Linux reads no zisofs2).  Left out with
# GM_MASTER_HUGE=0 or under 9 GB free, as master.sh's 5 GiB file.
free_kb=$(df -Pk "$T" | awk 'NR == 2 { print $4 }')
if [ "${GM_MASTER_HUGE:-1}" = 0 ] || [ "$free_kb" -lt $((9 * 1000 * 1000)) ]; then
	echo "zisofs.sh: GM_MASTER_HUGE=0 or $((free_kb / 1000)) MB free: no zisofs2 file this time"
else
	mkdir "$T/z2"
	truncate -s $((4096 * 1048576 + 1048576)) "$T/z2/huge.bin"
	head -c 8192 /dev/urandom | dd of="$T/z2/huge.bin" conv=notrunc status=none
	head -c 8192 /dev/urandom > "$T/marker"
	dd if="$T/marker" of="$T/z2/huge.bin" bs=1048576 seek=4096 conv=notrunc status=none
	echo "\$ glassmaster master --zisofs -o z2.iso z2 (a 4 GiB + 1 MiB file)"
	run 0 "$GM" master --zisofs -o "$T/z2.iso" "$T/z2"
	contains "$T/err" "zisofs: 1 files compressed"
	xorriso -indev "$T/z2.iso" -find /huge.bin -exec show_stream -- 2> /dev/null > "$T/stream"
	contains "$T/stream" "zisofs-decode:PZ"
	xorriso -osirrox on -indev "$T/z2.iso" -extract_cut /huge.bin $((4096 * 1048576)) 8192 \
		"$T/cut" > /dev/null 2>&1 || fail "xorriso -extract_cut of the zisofs2 file"
	cmp "$T/cut" "$T/marker" || fail "the zisofs2 file's bytes past 4 GiB differ (xorriso)"
	run 0 "$GM" extract "$T/z2.iso" -C "$T/z2x"
	cmp "$T/z2x/huge.bin" "$T/z2/huge.bin" || fail "glassmaster extract of the zisofs2 file differs"
	rm -rf "$T/z2x" "$T/z2"
fi
echo "zisofs.sh: ok"
