# serve.sh - `glassmaster serve`, the iSCSI target, against independent
# initiators on this machine: libiscsi's tools (iscsi-ls, iscsi-inq,
# iscsi-readcapacity16) and gm-iscsi-read (tests/iscsi_read.c, on
# libiscsi): whole-LUN reads equal the images (64 KiB and 1 MiB requests,
# 8 in flight, with and without CRC32C digests), READ CD of a CloneCD image
# returns its .img and .sub sector for sector, a +667 drive profile shifts
# the audio by exactly 667 samples, four sessions read four images at
# once, a session killed mid-transfer harms no other, CHAP, --once,
# SIGTERM; and the malformed PDUs of tests/cli/iscsi_pdu.py each get the
# login status, Reject or dropped connection RFC 7143 gives, the target
# serving on afterwards.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"
. "$srcdir/tests/cli/images.sh"

READER="$builddir/tests/gm-iscsi-read"
[ -x "$READER" ] || fail "gm-iscsi-read was not built: install libiscsi-dev and configure again"
for tool in iscsi-ls iscsi-inq iscsi-readcapacity16 python3; do
	command -v $tool > /dev/null || fail "$tool is not installed (libiscsi-bin, python3)"
done

. "$srcdir/tests/cli/serve-lib.sh"
trap 'for p in $pids; do kill $p 2> /dev/null || :; done; rm -rf "$T"' EXIT INT TERM

# stopped PID: whether PID ends within 10 s.
stopped() {
	for i in $(seq 100); do
		kill -0 "$1" 2> /dev/null || return 0
		sleep 0.1
	done
	return 1
}

# --- images: an ISO (with 3 MB more, so reads span many requests), a
# mixed-mode BIN/CUE and its CloneCD copy.
make_iso "$T/tree" "$T/a.iso" SERVE_A
head -c 3000000 /dev/urandom > "$T/tree/big.bin"
genisoimage -quiet -R -V SERVE_B -o "$T/b.iso" "$T/tree" || fail "genisoimage failed"
make_mixed "$T" "$T/a.iso"
run 0 "$GM" convert "$T/mixed.cue" "$T/m.ccd"
sectors=$(( $(wc -c < "$T/m.img") / 2352 ))

# --- libiscsi's tools: discovery, INQUIRY and its VPD pages
serve one "$T/a.iso" "$T/b.iso"
iqn=iqn.2026-12.org.glassmaster:a
contains "$T/one.out" "serving $iqn on 127.0.0.1:$port"
contains "$T/one.out" "LUN 1: $T/b.iso (CD-ROM, 1 track,"
U=iscsi://127.0.0.1:$port/$iqn
run 0 iscsi-ls -s "iscsi://127.0.0.1:$port/"
contains "$T/out" "Target:$iqn Portal:127.0.0.1:$port,1"
contains "$T/out" "Lun:0    Type:MMC"
contains "$T/out" "Lun:1    Type:MMC"
run 0 iscsi-inq "$U/0"
contains "$T/out" "Peripheral Device Type:MMC"
contains "$T/out" "Removable:1"
contains "$T/out" "Vendor:GLASSMST"
run 0 iscsi-inq -e 1 -c 128 "$U/0"
contains "$T/out" "Unit Serial Number:"
run 0 iscsi-inq -e 1 -c 131 "$U/1"
contains "$T/out" "DEVICE_IDENTIFICATION"
# an MMC device has no READ CAPACITY(16): refused, the target unharmed
run 10 iscsi-readcapacity16 "$U/0"

# --- whole LUNs through READ(10), several requests in flight
run 0 "$READER" "$U/0" "$T/r0.iso"
cmp "$T/r0.iso" "$T/a.iso" || fail "LUN 0 read back differs from a.iso"
run 0 "$READER" -b 1048576 -q 8 "$U/1" "$T/r1.iso"
cmp "$T/r1.iso" "$T/b.iso" || fail "LUN 1 read back (1 MiB requests) differs from b.iso"
run 0 "$READER" -D -q 3 -b 6144 "$U/1" "$T/r2.iso"
cmp "$T/r2.iso" "$T/b.iso" || fail "LUN 1 read back with CRC32C digests differs"
# READ(10) across the end of the disc: LOGICAL BLOCK ADDRESS OUT OF RANGE
n=$(( $(wc -c < "$T/a.iso") / 2048 ))
cdb=$(printf '28000000%04x000002000000' $((n - 1)) | cut -c 1-20)
run 0 "$READER" -x "$cdb:4096" "$U/0" "$T/edge"
contains "$T/out" "CHECK 5/21/00"

# --- the malformed: each gets its answer, and the target serves on
pdu() {
	python3 "$srcdir/tests/cli/iscsi_pdu.py" 127.0.0.1 "$port" "$iqn" "$1" > "$T/pdu.out" 2>&1 ||
		{ cat "$T/pdu.out" >&2; fail "iscsi_pdu.py $1 failed"; }
	[ "$(cat "$T/pdu.out")" = "$2" ] || fail "case $1: '$(cat "$T/pdu.out")', expected '$2'"
}
pdu truncated closed
pdu version "login 0205"
pdu before-login closed
pdu first-not-login closed
pdu target "login 0203"
pdu no-initiator "login 0207"
pdu tsih "login 020a"
pdu stage "login 0200"
pdu big-login closed
pdu bad-key "login 0200"
pdu opcode "reject 05"
pdu login-again "reject 04"
pdu segment closed
pdu window nop
pdu gap closed
pdu ahs "reject 09"
pdu lun "inquiry 7f sense 5/25/00"
pdu huge "sense 5/24/00"
pdu write "sense 5/20/00"
pdu tmf "status 00 abort 0 reset 0"
pdu logout "logout closed"
pdu discovery "TargetName=$iqn reject 04"
contains "$T/one.err" "login refused: an unsupported protocol version"
contains "$T/one.err" "opcode 0x1c not supported; rejected"
contains "$T/one.err" "a data segment of 300000 bytes, over the 262144 negotiated"
run 0 "$READER" -b 1048576 "$U/0" "$T/r3.iso"
cmp "$T/r3.iso" "$T/a.iso" || fail "after the malformed PDUs, LUN 0 reads differently"

# --- four sessions at once, one killed mid-transfer
head -c 40000000 /dev/urandom > "$T/tree/huge.bin"
genisoimage -quiet -R -V SERVE_C -o "$T/c.iso" "$T/tree" || fail "genisoimage failed"
cp "$T/c.iso" "$T/d.iso"
serve four "$T/a.iso" "$T/b.iso" "$T/c.iso" "$T/d.iso"
U4=iscsi://127.0.0.1:$port/$iqn
"$READER" -q 1 -b 2048 "$U4/3" /dev/null 2> /dev/null &
victim=$!
for l in 0 1 2; do
	"$READER" -b 1048576 "$U4/$l" "$T/four$l.iso" 2> "$T/four$l.err" &
	eval "p$l=$!"
done
sleep 0.3
kill -9 $victim
wait $victim 2> /dev/null || true
for l in 0 1 2; do
	eval "wait \$p$l" || { cat "$T/four$l.err" >&2; fail "session on LUN $l failed"; }
done
cmp "$T/four0.iso" "$T/a.iso" || fail "concurrent LUN 0 differs"
cmp "$T/four1.iso" "$T/b.iso" || fail "concurrent LUN 1 differs"
cmp "$T/four2.iso" "$T/c.iso" || fail "concurrent LUN 2 differs"
run 0 "$READER" -b 1048576 "$U4/3" "$T/four3.iso"
cmp "$T/four3.iso" "$T/d.iso" || fail "LUN 3 after the killed session differs"

# --- READ CD through the network: a CloneCD image's .img and .sub (the
# .sub de-interleaved as CloneCD stores it, interleaved again here)
serve ccd "$T/m.ccd"
Uc=iscsi://127.0.0.1:$port/iqn.2026-12.org.glassmaster:m/0
run 0 "$READER" -c "0:$sectors" "$Uc" "$T/m.read"
python3 - "$T/m.read" "$T/m.img" "$T/m.sub" <<'EOF' || fail "READ CD differs from the CloneCD image"
import sys
got = open(sys.argv[1], "rb").read()
img = open(sys.argv[2], "rb").read()
sub = open(sys.argv[3], "rb").read()
n = len(img) // 2352


def interleave(d):
    """CloneCD stores P..W one after the other, 12 bytes each; a drive
    returns them interleaved: bit 7 of byte k is P's bit k, bit 0 W's."""
    out = bytearray(96)
    for k in range(96):
        for ch in range(8):
            if d[ch * 12 + k // 8] >> (7 - k % 8) & 1:
                out[k] |= 0x80 >> ch
    return bytes(out)


assert len(got) == n * 2448, (len(got), n)
for i in range(n):
    s = got[i * 2448:(i + 1) * 2448]
    if s[:2352] != img[i * 2352:(i + 1) * 2352]:
        sys.exit("sector %d: main channel differs" % i)
    if s[2352:] != interleave(sub[i * 96:(i + 1) * 96]):
        sys.exit("sector %d: subchannel differs" % i)
EOF

# --- a drive profile of +667 samples: the audio comes 2668 bytes late
printf 'vendor PLEXTOR\nproduct DVDR PX-760A\nread-offset 667\n' > "$T/px.profile"
serve px --drive-profile "$T/px.profile" "$T/m.ccd"
Up=iscsi://127.0.0.1:$port/iqn.2026-12.org.glassmaster:m/0
run 0 iscsi-inq "$Up"
contains "$T/out" "Vendor:PLEXTOR"
audio=$(python3 - "$T/m.ccd" <<'EOF'
import sys, re
# the first audio track's start (INDEX 1) from the .ccd
text = open(sys.argv[1]).read()
starts = [int(m) for m in re.findall(r"INDEX 1=(\d+)", text)]
print(starts[1] + 20)
EOF
)
run 0 "$READER" -c "$audio:10:f8:0" "$Up" "$T/px.read"
python3 - "$T/px.read" "$T/m.img" "$audio" <<'EOF' || fail "the +667 profile does not shift by 667 samples"
import sys
got = open(sys.argv[1], "rb").read()
img = open(sys.argv[2], "rb").read()
lba = int(sys.argv[3])
want = img[lba * 2352 - 667 * 4: lba * 2352 - 667 * 4 + 10 * 2352]
assert len(got) == 10 * 2352 and got == want, "shifted audio differs"
EOF

# --- CHAP: the right secret logs in, a wrong one does not
printf 'a-secret-of-16-b\n' > "$T/secret"
chmod 600 "$T/secret"
serve chap --chap alice:"$T/secret" "$T/a.iso"
run 0 "$READER" "iscsi://alice%a-secret-of-16-b@127.0.0.1:$port/$iqn/0" "$T/chap.iso"
cmp "$T/chap.iso" "$T/a.iso" || fail "the CHAP session read differently"
run 1 "$READER" "iscsi://alice%wrong-secret-0000@127.0.0.1:$port/$iqn/0" "$T/nochap.iso"
run 1 "$READER" "iscsi://127.0.0.1:$port/$iqn/0" "$T/nochap.iso"
contains "$T/chap.err" "login refused: a wrong CHAP user or secret"
contains "$T/chap.err" "login refused: no authentication, and the target requires CHAP"
printf 'short\n' > "$T/short"
run 2 "$GM" serve --chap alice:"$T/short" "$T/a.iso"
contains "$T/err" "must have 12 to 255 bytes"

# --- --once: the first normal session's end stops serving (status 0)
serve once --once "$T/a.iso"
run 0 iscsi-ls "iscsi://127.0.0.1:$port/"
kill -0 $pid || fail "a discovery session ended --once serving"
run 0 "$READER" "iscsi://127.0.0.1:$port/$iqn/0" /dev/null
stopped $pid || fail "serve --once still serves after its session ended"
wait $pid || fail "serve --once ended with status $?"

# --- faults: damage as the script says, counted across sessions (each
# gm-iscsi-read -x is a session of its own)
cat > "$T/faults" <<'F'
10-11 unreadable
20 c2
30 subq-bad
40 subq-shift
50 slow 300ms
F
serve faults --faults "$T/faults" "$T/c.iso"
U=iscsi://127.0.0.1:$port/iqn.2026-12.org.glassmaster:c/0
x() { "$READER" -x "$1" "$U" "$T/x.out"; }
[ "$(x 28000000000a00000100:2048)" = "CHECK 3/11/00" ] || fail "READ(10) of an unreadable sector: $(x 28000000000a00000100:2048)"
[ "$(x 28000000000900000100:2048)" = "GOOD 2048" ] || fail "READ(10) of LBA 9 next to the unreadable sectors"
# c2: the first two reads flag the damaged bytes, the third is right
for i in 1 2 3; do
	[ "$(x be0000000014000001fa0000:2646)" = "GOOD 2646" ] || fail "READ CD with C2 of LBA 20"
	cp "$T/x.out" "$T/c2.$i"
done
python3 - "$T/c2.1" "$T/c2.2" "$T/c2.3" "$T/c.iso" <<'PY' || fail "the C2 fault"
import sys
good = open(sys.argv[4], "rb").read()[20 * 2048:21 * 2048]
for i, path in enumerate(sys.argv[1:4]):
    d = open(path, "rb").read()
    data, c2 = d[16:16 + 2048], d[2352:2646]
    if i < 2:
        assert data != good, "read %d: not damaged" % (i + 1)
        flagged = {k for k in range(2352) if c2[k // 8] & (0x80 >> (k % 8))}
        wrong = {16 + k for k in range(2048) if data[k] != good[k]}
        assert wrong and wrong <= flagged, "read %d: damage not flagged" % (i + 1)
    else:
        assert data == good and not any(c2), "read 3: not right"
PY
# subq-bad: formatted Q with a bad CRC twice; subq-shift: Q a sector early
crc_ok() {
	python3 - "$1" <<'PY'
import sys
q = open(sys.argv[1], "rb").read()[:12]
crc = 0
for b in q[:10]:
    crc ^= b << 8
    for _ in range(8):
        crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xffff
sys.exit(0 if crc ^ 0xffff == int.from_bytes(q[10:12], "big") else 1)
PY
}
[ "$(x be000000001e00000100020000:16)" = "GOOD 16" ] || fail "READ CD of Q at LBA 30"
! crc_ok "$T/x.out" || fail "subq-bad: the first Q of LBA 30 has a good CRC"
x be000000001e00000100020000:16 > /dev/null
x be000000001e00000100020000:16 > /dev/null
crc_ok "$T/x.out" || fail "subq-bad: the third Q of LBA 30 has a bad CRC"
x be000000002800000100020000:16 > /dev/null
crc_ok "$T/x.out" || fail "subq-shift: a bad CRC"
[ "$(od -An -tx1 -j7 -N3 "$T/x.out" | tr -d ' ')" = 000239 ] ||
	fail "subq-shift: the absolute time of LBA 40 is $(od -An -tx1 -j7 -N3 "$T/x.out"), not 00:02:39"
began=$(date +%s%N)
x 28000000003200000100:2048 > /dev/null
[ $(( ($(date +%s%N) - began) / 1000000 )) -ge 300 ] || fail "slow: LBA 50 read in under 300 ms"
# a medium that vanishes: reads fail NOT READY, MEDIUM NOT PRESENT from then
# on, INQUIRY still answers
printf 'after-reads 100 vanish
' > "$T/vanish"
serve vanish --faults "$T/vanish" "$T/c.iso"
U=iscsi://127.0.0.1:$port/iqn.2026-12.org.glassmaster:c/0
run 1 "$READER" -q 1 -b 2048 "$U" /dev/null
contains "$T/err" "sense 2/3a/00"
[ "$(x 000000000000:0)" = "CHECK 2/3a/00" ] || fail "TEST UNIT READY after the medium vanished"
[ "$(x 120000002400:36)" = "GOOD 36" ] || fail "INQUIRY after the medium vanished"
# a malformed script is refused before serving
printf '10 unreadable
20 sparkle
' > "$T/badfaults"
run 2 "$GM" serve --listen 127.0.0.1:0 --faults "$T/badfaults" "$T/c.iso"
contains "$T/err" "fault script '$T/badfaults' line 2"

# --- SIGTERM: a clean stop with status 0, also with a session open
serve term "$T/c.iso"
"$READER" -q 1 -b 2048 "iscsi://127.0.0.1:$port/iqn.2026-12.org.glassmaster:c/0" /dev/null \
	2> /dev/null &
reader=$!
sleep 0.3
kill -TERM $pid
stopped $pid || fail "serve still runs 10 s after SIGTERM"
wait $pid || fail "serve ended with status $? on SIGTERM"
wait $reader 2> /dev/null && fail "the reader finished although serving stopped"

# --- usage and bad input
run 2 "$GM" serve
contains "$T/err" "which image?"
run 2 "$GM" serve --listen 127.0.0.1:0 "$T/missing.iso"
contains "$T/err" "missing.iso"
run 2 "$GM" serve --target bogus "$T/a.iso"
contains "$T/err" "an iSCSI name"
run 2 "$GM" serve --listen 'nonsense:port' "$T/a.iso"
contains "$T/err" "bad listen address"
serve busy "$T/a.iso"
run 3 "$GM" serve --listen "127.0.0.1:$port" "$T/a.iso"
contains "$T/err" "cannot listen on 127.0.0.1:$port"
exit 0
