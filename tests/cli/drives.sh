# drives.sh - `glassmaster drives` finds drives in a sysfs tree and says
# why one cannot be asked; `rip` of a device that is not a drive, or with
# options a device cannot take, fails clearly.  (Real drives are tested in
# the QEMU guest: qemu.sh.)
. "$(dirname "$0")/lib.sh"

sys="$T/sys"
mkdir -p "$sys/class/block/sr97/device/scsi_generic/sg95" \
	"$sys/class/block/sr96/device" "$sys/class/block/sda/device"

run 0 "$GM" drives --sysfs "$sys" --json
contains "$T/out" '{"sr": "/dev/sr96", "sg": ""'
contains "$T/out" '{"sr": "/dev/sr97", "sg": "/dev/sg95"'
contains "$T/out" "\"status\": \"cannot open '/dev/sr97': No such file or directory\""
lacks "$T/out" sda
# the JSON parses
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["drives"]) == 2' "$T/out" ||
	fail "drives --json is not the JSON expected"

run 0 "$GM" drives --sysfs "$sys"
contains "$T/out" "/dev/sr97 (/dev/sg95): "
contains "$T/out" "medium:   cannot open '/dev/sr97'"

mkdir -p "$T/empty/class/block"
run 0 "$GM" drives --sysfs "$T/empty"
contains "$T/out" "no optical drives found"
run 3 "$GM" drives --sysfs "$T/nonexistent"
contains "$T/err" "cannot list the block devices in '$T/nonexistent/class/block'"
run 2 "$GM" drives extra
contains "$T/err" "no arguments"

# a character device that is no drive
run 3 "$GM" rip -o "$T/x.iso" /dev/null
contains "$T/err" "'/dev/null' is not a SCSI generic (sg) device"
[ ! -e "$T/x.iso" ] || fail "an output was left for a source that is no drive"
run 2 "$GM" rip --simulate /dev/null -o "$T/x.iso" /dev/null
contains "$T/err" "'/dev/null' is a device: a fault script simulates a drive"
run 2 "$GM" rip --speed fast -o "$T/x.iso" /dev/null
contains "$T/err" "--speed must be 'max' or a multiple of 1x"

# --speed on an image is accepted, and the log says an image has none
dd if=/dev/urandom of="$T/small.iso" bs=2048 count=64 status=none
run 0 "$GM" rip --speed 8 -o "$T/r.iso" "$T/small.iso"
cmp "$T/r.iso" "$T/small.iso" || fail "rip with --speed changed the data"
contains "$T/r.iso.log" "drive: the image drive has no read speed to set"
