#!/bin/sh
# guest.sh - run a shell script inside a Linux guest under QEMU that has
# emulated optical drives, and bring back what it wrote.
#
#   sh tests/qemu/guest.sh --builddir B --cache DIR --script FILE --out DIR
#       [--drive KIND:IMAGE]... [--file PATH]... [--bin PATH]... [--ram MB]
#       [--timeout S]
#
# KIND is ide-cd (ATAPI on the PIIX IDE controller, at most 4) or scsi-cd
# (virtio-scsi); IMAGE is a file or "none" for a drive with no medium.
# KIND iscsi passes an iSCSI LUN through to the guest: IMAGE is its URL,
# iscsi://HOST:PORT/IQN/LUN, which QEMU's iscsi block driver (Debian
# package qemu-block-extra) opens when it starts, and the LUN becomes a
# scsi-generic device on the virtio-scsi bus, so the guest's commands go
# to the target as they are (an MMC LUN gets an sr node as well as sg).
# The guest is the host's Debian cloud kernel (/boot/vmlinuz-*-cloud-amd64
# and its modules; GM_QEMU_KERNEL names another vmlinuz) with an initramfs
# of busybox, the SCSI/ATA/virtio/sr/sg/iscsi_tcp/fuse modules, and B's glassmaster with
# every library ldd lists, at the host's absolute paths; each --bin PATH
# is copied the same way, as /bin/ and PATH's base name.  The initramfs is
# cached in DIR, keyed on everything in it; so is the verdict of a one-time
# KVM probe (KVM when a guest boots with it, else TCG; GM_QEMU_ACCEL=tcg or
# kvm skips the probe).
#
# In the guest, FILE runs under busybox sh in /out (a tmpfs), with the
# busybox applets and glassmaster on PATH, after the helpers of
# tests/qemu/guest-lib.sh (r NAME CMD: CMD's output and status in /out;
# md5: of stdin).  /drives has a line per --drive,
# in order: "INDEX KIND /dev/srN /dev/sgN MEDIUM" (MEDIUM the image's base
# name or none, or an iscsi drive's IQN/LUN; "-" for a node that never
# appeared); GM_SR_<INDEX> and
# GM_SG_<INDEX> hold the same paths.  The drives are awaited up to 30 s.
# A script may mount tmpfs file systems of its own (mount -t tmpfs -o
# size=4m tmpfs /small).  Each --file is copied to /files/ under its base
# name (through the initramfs, so in the guest's RAM: keep them small);
# the loop driver is there to mount one (mount -o loop).
# --ram is the guest's memory in MB (default 512); --timeout bounds the
# whole run in seconds (default 180; the script gets three quarters).
#
# Afterwards DIR/out (--out) holds the files the script left in /out, and
# guest.status (its exit status), guest.stdout, guest.stderr, guest.drives,
# guest.init.log (module loading, device waiting), guest.times (uptime at
# /init, with the drives ready, at the script's start and end),
# guest.dmesg, and the serial console as console.log.
#
# Exit status: the guest script's; 77 when QEMU, the kernel, its modules or
# busybox cannot be found or the guest cannot start (the reason on stderr:
# the caller skips; also when QEMU has no iscsi driver and an iscsi drive
# is asked for); 1 when QEMU cannot open an iscsi drive's LUN or hangs
# opening it (the target's fault, not this machine's; QEMU's message on
# stderr); 125 when
# the guest never reported (timeout or crash; the console's end on
# stderr); 2 for a usage error.  OUTDIR/guest.status exists exactly when
# the script ran.
set -eu

me=guest.sh
usage() {
	echo "usage: sh guest.sh --builddir B --cache DIR --script FILE --out DIR [--drive ide-cd|scsi-cd:IMAGE|none]... [--drive iscsi:URL]... [--file PATH]... [--bin PATH]... [--ram MB] [--timeout S]" >&2
	exit 2
}
die() { echo "$me: $*" >&2; exit 2; }
skip() { echo "$me: $*" >&2; exit 77; }

builddir= cache= script= out= ram=512 timeout=180 files="" bins=""
drives=""	# one "KIND IMAGE" a line
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--builddir) builddir=$2 ;;
	--cache) cache=$2 ;;
	--script) script=$2 ;;
	--out) out=$2 ;;
	--ram) ram=$2 ;;
	--timeout) timeout=$2 ;;
	--file)
		[ -f "$2" ] || die "--file: no such file '$2'"
		files="$files$2
"
		;;
	--bin)
		[ -f "$2" ] && [ -x "$2" ] || die "--bin: no such program '$2'"
		bins="$bins $2"
		;;
	--drive)
		kind=${2%%:*}
		image=${2#*:}
		case $kind in ide-cd|scsi-cd|iscsi) ;; *) die "--drive $2: the kind is ide-cd, scsi-cd or iscsi" ;; esac
		[ "$image" != "$2" ] && [ -n "$image" ] || die "--drive $2: no image (give a file or none)"
		case $kind:$image in
		iscsi:iscsi://*/*/*) ;;
		iscsi:*) die "--drive $2: an iscsi drive's image is iscsi://HOST:PORT/IQN/LUN" ;;
		*) [ "$image" = none ] || [ -f "$image" ] || die "--drive $2: no such file '$image'" ;;
		esac
		drives="$drives$kind $image
"
		;;
	*) usage ;;
	esac
	shift 2
done
[ -n "$builddir" ] && [ -n "$cache" ] && [ -n "$script" ] && [ -n "$out" ] || usage
[ -f "$script" ] || die "no such script '$script'"
case $ram$timeout in *[!0-9]*) die "--ram and --timeout take whole numbers" ;; esac

# Everything the guest needs, or the reason it cannot run here.
qemu=${GM_QEMU:-$(command -v qemu-system-x86_64 || true)}
[ -n "$qemu" ] || skip "qemu-system-x86_64 not found (Debian package qemu-system-x86)"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || skip "busybox not found (Debian package busybox-static)"
case $drives in
iscsi\ *|*"
iscsi "*)
	# without the block module QEMU knows no such driver; with it, it
	# wants the driver's options
	if "$qemu" -machine none -nodefaults -no-user-config -display none \
		-drive driver=iscsi,if=none,id=probe 2>&1 | grep -q "Unknown driver"; then
		skip "QEMU has no iscsi block driver (Debian package qemu-block-extra)"
	fi
	;;
esac
kernel=${GM_QEMU_KERNEL:-}
if [ -z "$kernel" ]; then
	# the newest cloud kernel that has the modules, then any other
	for k in $(ls -1 /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -rV) \
		 $(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -rV); do
		v=${k#/boot/vmlinuz-}
		if [ -r "$k" ] && [ -d "/lib/modules/$v/kernel/drivers/scsi" ]; then
			kernel=$k
			break
		fi
	done
fi
[ -n "$kernel" ] || skip "no kernel with modules under /boot (Debian package linux-image-cloud-amd64)"
[ -r "$kernel" ] || skip "cannot read the kernel '$kernel'"
kver=${kernel##*/vmlinuz-}
moddir=${GM_QEMU_MODULES:-/lib/modules/$kver}
[ -d "$moddir/kernel" ] || skip "no modules for '$kernel' in '$moddir'"

# The real glassmaster ELF: libtool keeps it in .libs behind a wrapper.
gm=$builddir/glassmaster
[ -f "$gm" ] || die "no glassmaster in '$builddir'"
if [ "$(head -c 4 "$gm" | od -An -c | tr -d ' ')" != '177ELF' ]; then
	if [ -f "$builddir/.libs/lt-glassmaster" ]; then
		gm=$builddir/.libs/lt-glassmaster
	elif [ -f "$builddir/.libs/glassmaster" ]; then
		gm=$builddir/.libs/glassmaster
	else
		die "'$builddir/glassmaster' is a libtool wrapper and .libs has no program"
	fi
fi
gm=$(cd "$(dirname "$gm")" && pwd)/$(basename "$gm")
libpath=$(cd "$builddir" && pwd)/.libs

mkdir -p "$cache" "$out"
cache=$(cd "$cache" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/gm-qemu.XXXXXX")
# GM_QEMU_KEEP=1 keeps the work directory (initrd, disk, console) to look at
if [ "${GM_QEMU_KEEP:-0}" = 1 ]; then
	echo "$me: keeping $work" >&2
else
	trap 'rm -rf "$work"' EXIT
fi
# stopping this script stops QEMU (timeout passes the signal on)
q_pid=
trap '[ -z "$q_pid" ] || kill "$q_pid" 2>/dev/null; exit 130' INT TERM HUP

# --- the initramfs -------------------------------------------------------
# Its files are listed as "GUEST-PATH HOST-PATH" in $work/files.

# libs ELF: every library the dynamic ELF needs, and its loader.
libs() {
	LD_LIBRARY_PATH=$libpath${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} ldd "$1" 2>/dev/null |
	while read -r a b c d; do
		case "$a $b $c" in
		*"not found"*) echo "$me: '$1' needs $a, which ldd does not find" >&2; echo MISSING ;;
		*" => /"*) echo "$c" ;;
		/*) echo "$a" ;;
		esac
	done
}

# The modules, dependencies first (from each module's own modinfo, since
# modules.dep may be missing); a module built into the kernel is skipped.
modlist=$work/modules
: > "$modlist"
add_module() {
	name=$(echo "$1" | tr - _)
	grep -qx "$name" "$modlist" && return 0
	f=$(find "$moddir/kernel" \( -name "$name.ko*" -o -name "$(echo "$name" | tr _ -).ko*" \) | head -n 1)
	if [ -z "$f" ]; then
		tr - _ < "$moddir/modules.builtin" 2>/dev/null | grep -q "/$name\.ko" && return 0
		skip "module $name not found in '$moddir' nor built in"
	fi
	case $f in
	*.ko) cp "$f" "$work/m.ko" ;;
	*.ko.xz) xz -dc "$f" > "$work/m.ko" || skip "cannot decompress '$f'" ;;
	*.ko.zst) zstd -qdc "$f" > "$work/m.ko" || skip "cannot decompress '$f'" ;;
	*.ko.gz) gzip -dc "$f" > "$work/m.ko" || skip "cannot decompress '$f'" ;;
	*) skip "module '$f' has an unknown compression" ;;
	esac
	mkdir -p "$work/root/lib/modules/gm"
	mv "$work/m.ko" "$work/root/lib/modules/gm/$name.ko"
	deps=$(tr '\0' '\n' < "$work/root/lib/modules/gm/$name.ko" | sed -n 's/^depends=//p' | tr , ' ')
	for d in $deps; do
		add_module "$d"
	done
	# (the calls above changed $name: sh has no local variables)
	echo "$1" | tr - _ >> "$modlist"
}
mkdir -p "$work/root"
for m in scsi_mod sr_mod sg libata ata_piix virtio_pci virtio_scsi virtio_blk isofs udf loop \
	iscsi_tcp; do
	add_module "$m"
done
# FUSE (`glassmaster mount` in the guest) where it is a module; a kernel
# without it at all still boots
[ -z "$(find "$moddir/kernel" -name 'fuse.ko*' | head -n 1)" ] || add_module fuse
cp "$modlist" "$work/root/lib/modules/gm/order"

{
	echo "/bin/busybox $busybox"
	echo "/bin/glassmaster $gm"
	for b in $bins; do
		echo "/bin/${b##*/} $(cd "$(dirname "$b")" && pwd)/${b##*/}"
	done
	for f in $(libs "$busybox") $(libs "$gm"); do
		echo "$f $f"
	done
	for b in $bins; do
		for f in $(libs "$b"); do
			echo "$f $f"
		done
	done
} | sort -u > "$work/files"
! grep -q MISSING "$work/files" || die "glassmaster or a --bin cannot be copied into the guest"

# /init: everything that varies with a run comes in /run, appended as a
# second cpio archive, so the cached part serves every script.
cat > "$work/root/init" <<'INIT'
#!/bin/busybox sh
# /init of the glassmaster QEMU guest, written by tests/qemu/guest.sh.
/bin/busybox --install -s /bin
PATH=/bin
export PATH
mkdir -p /proc /sys /dev /out /gm /tmp
ln -s /run/files /files
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
up() { cut -d ' ' -f 1 /proc/uptime; }
echo "GM-GUEST: init at $(up) s"
if [ -e /run/probe ]; then
	echo "GM-GUEST: probe ok"
	poweroff -f
fi
echo "init $(up)" > /gm/guest.times
log=/gm/guest.init.log
. /run/env
for m in $(cat /lib/modules/gm/order); do
	insmod "/lib/modules/gm/$m.ko" >> $log 2>&1 || echo "insmod $m failed" >> $log
done

# Which srN is the drive on ATA port P unit U, or virtio-scsi target T:
# the sysfs path of srN's SCSI device says.  Its sg node hangs below it.
map_drives() {
	found=0
	: > /gm/guest.drives
	while read -r i kind bus target medium; do
		sr=- sg=-
		for d in /sys/block/sr*; do
			[ -e "$d/device" ] || continue
			p=$(readlink -f "$d/device")
			case $p in
			*/$bus/host*/target*/*:0:$target:0)
				[ -b "/dev/${d##*/}" ] && sr=/dev/${d##*/}
				for g in "$d"/device/scsi_generic/sg*; do
					[ -c "/dev/${g##*/}" ] && sg=/dev/${g##*/}
				done
				;;
			esac
		done
		[ "$sr" != - ] && [ "$sg" != - ] && found=$((found + 1))
		echo "$i $kind $sr $sg $medium" >> /gm/guest.drives
	done < /run/drives.conf
}
want=$(wc -l < /run/drives.conf)
n=0
while :; do
	map_drives
	[ "$found" -eq "$want" ] && [ -b /dev/vda ] && break
	n=$((n + 1))
	if [ $n -ge 300 ]; then
		echo "after 30 s: $found of $want drives found; /dev/vda: $(ls /dev/vda 2>&1)" >> $log
		# the console shows it too, for a guest that cannot report
		cat $log /gm/guest.drives
		ls -l /sys/block /sys/class/scsi_generic
		break
	fi
	usleep 100000
done
echo "drives $(up)" >> /gm/guest.times
cp /gm/guest.drives /drives
while read -r i kind sr sg medium; do
	export "GM_SR_$i=$sr" "GM_SG_$i=$sg"
done < /drives
echo "GM-GUEST: drives ready at $(up) s"

mount -t tmpfs -o mode=0755 tmpfs /out
cd /out
echo "script $(up)" >> /gm/guest.times
set +e
timeout "$GUEST_TIMEOUT" sh /run/script.sh > /gm/guest.stdout 2> /gm/guest.stderr < /dev/null
echo $? > /gm/guest.status
echo "end $(up)" >> /gm/guest.times
cd /
dmesg > /gm/guest.dmesg
# out/ first: the host takes the directory names off both.
tar cf /dev/vda out gm
sync
echo "GM-GUEST: done at $(up) s, status $(cat /gm/guest.status)"
poweroff -f
INIT
chmod 755 "$work/root/init"

# The cache key: this script (it wrote /init), the module list and the
# content of every file.
key=$({
	cat "$0"
	cat "$modlist"
	find "$work/root" -type f | sort | xargs md5sum | sed "s|$work/root||"
	while read -r g h; do
		echo "$g $(md5sum < "$h")"
	done < "$work/files"
} | md5sum | cut -c 1-16)
base=$cache/initrd-$key.cpio
if [ ! -f "$base" ]; then
	while read -r g h; do
		mkdir -p "$work/root${g%/*}"
		cp -L "$h" "$work/root$g"
	done < "$work/files"
	(cd "$work/root" && find . | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) > "$base.tmp.$$"
	mv "$base.tmp.$$" "$base"
	for f in "$cache"/initrd-*.cpio; do
		[ "$f" = "$base" ] || rm -f "$f"
	done
fi

# --- running QEMU --------------------------------------------------------

# start_qemu ACCEL TIMEOUT RUNDIR [QEMU ARGS]: boot the base initramfs
# plus RUNDIR (as /run) in the background, as $q_pid; the console goes to
# $work/console.log, QEMU's own messages to $work/qemu.err.
# run_qemu: the same, and return QEMU's (or timeout's) status.
start_qemu() {
	q_accel=$1 q_limit=$2 q_rundir=$3
	shift 3
	(cd "$q_rundir" && find run | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) > "$work/run.cpio"
	cat "$base" "$work/run.cpio" > "$work/initrd"
	: > "$work/console.log"
	timeout -k 5 "$q_limit" "$qemu" -machine pc -accel "$q_accel" -m "$ram" -smp 1 \
		-nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$work/console.log" \
		-kernel "$kernel" -initrd "$work/initrd" \
		-append "console=ttyS0 panic=-1 quiet mitigations=off" \
		"$@" > "$work/qemu.err" 2>&1 &
	q_pid=$!
}
run_qemu() {
	start_qemu "$@"
	q_rc=0
	wait "$q_pid" || q_rc=$?
	q_pid=
	return $q_rc
}

# KVM when it boots a guest here (once per cache), else TCG.
accel=${GM_QEMU_ACCEL:-}
if [ -z "$accel" ] && [ -f "$cache/accel" ]; then
	accel=$(cat "$cache/accel")
fi
if [ -z "$accel" ]; then
	accel=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		mkdir -p "$work/probe/run"
		touch "$work/probe/run/probe"
		# A guest that KVM cannot run may stop with an internal error
		# or hang; give it 10 s (TCG itself boots this guest in 2).
		start_qemu kvm 15 "$work/probe"
		n=0
		while [ $n -lt 50 ] && kill -0 "$q_pid" 2>/dev/null &&
		      ! grep -q "GM-GUEST: probe ok" "$work/console.log" &&
		      ! grep -q "KVM internal error" "$work/qemu.err"; do
			sleep 0.2
			n=$((n + 1))
		done
		kill "$q_pid" 2>/dev/null || true
		wait "$q_pid" || true
		q_pid=
		if grep -q "GM-GUEST: probe ok" "$work/console.log"; then
			accel=kvm
		else
			why=$(grep -m 1 "KVM internal error" "$work/qemu.err" || true)
			echo "$me: KVM did not boot the guest${why:+ ($why)}; using TCG" >&2
		fi
	fi
	echo "$accel" > "$cache/accel"
fi

# The run: its script, its drives, its environment.
mkdir -p "$work/r/run/files"
cat "$(dirname "$0")/guest-lib.sh" "$script" > "$work/r/run/script.sh"
printf '%s' "$files" | while IFS= read -r f; do
	cp "$f" "$work/r/run/files/"
done
{
	echo "GUEST_TIMEOUT=$((timeout * 3 / 4))"
	echo "LD_LIBRARY_PATH=$libpath"
	echo "export LD_LIBRARY_PATH"
	# a sanitizer build's options travel along (LSan works in the guest)
	echo "ASAN_OPTIONS='${ASAN_OPTIONS:-}'"
	echo "UBSAN_OPTIONS='${UBSAN_OPTIONS:-}'"
	echo "export ASAN_OPTIONS UBSAN_OPTIONS"
} > "$work/r/run/env"
set -- -drive "if=none,id=results,file=$work/results.img,format=raw" \
	-device virtio-blk-pci,drive=results
: > "$work/r/run/drives.conf"
i=0 ide=0 scsi=0
while read -r kind image; do
	[ -n "$kind" ] || continue
	if [ "$kind" = iscsi ]; then
		drive="if=none,id=cd$i,format=raw,file=$(echo "$image" | sed 's/,/,,/g')"
		medium=$(echo "${image#iscsi://*/}" | tr ' ' _)
	elif [ "$image" = none ]; then
		drive="if=none,id=cd$i,media=cdrom"
		medium=none
	else
		file=$(cd "$(dirname "$image")" && pwd)/$(basename "$image")
		drive="if=none,id=cd$i,media=cdrom,readonly=on,format=raw,file=$(echo "$file" | sed 's/,/,,/g')"
		medium=$(basename "$image" | tr ' ' _)
	fi
	case $kind in
	ide-cd)
		# two channels (ATA ports 1 and 2) of two units each
		[ $ide -lt 4 ] || die "at most 4 ide-cd drives"
		set -- "$@" -drive "$drive" -device "ide-cd,drive=cd$i,bus=ide.$((ide / 2)),unit=$((ide % 2))"
		echo "$i $kind ata$((ide / 2 + 1)) $((ide % 2)) $medium" >> "$work/r/run/drives.conf"
		ide=$((ide + 1))
		;;
	scsi-cd|iscsi)
		[ $scsi -gt 0 ] || set -- "$@" -device virtio-scsi-pci,id=scsi0
		# an iscsi LUN is the device itself: QEMU only passes commands on
		dev=scsi-cd
		[ $kind = scsi-cd ] || dev=scsi-generic
		set -- "$@" -drive "$drive" -device "$dev,drive=cd$i,bus=scsi0.0,scsi-id=$scsi,lun=0"
		echo "$i $kind virtio[0-9]* $scsi $medium" >> "$work/r/run/drives.conf"
		scsi=$((scsi + 1))
		;;
	esac
	i=$((i + 1))
done <<EOF
$drives
EOF
# the results disk holds the tar of /out, which lives in the guest's RAM
truncate -s "$((ram + 64))M" "$work/results.img"

start=$(date +%s)
rc=0
run_qemu "$accel" "$timeout" "$work/r" "$@" || rc=$?
took=$(( $(date +%s) - start ))
cp "$work/console.log" "$out/console.log"

if ! grep -q "GM-GUEST: init" "$work/console.log"; then
	reason=$(grep -v warning "$work/qemu.err" | tail -n 1)
	sed 's/^/    /' "$work/qemu.err" >&2
	tail -n 20 "$work/console.log" | sed 's/^/    /' >&2
	if grep -q "iSCSI" "$work/qemu.err"; then
		echo "$me: QEMU could not open an iscsi drive: $reason" >&2
		exit 1
	fi
	# QEMU opens iscsi drives before the guest starts: killed with an
	# empty console, it hung on a target that stopped answering
	if grep -q "^[0-9]* iscsi " "$work/r/run/drives.conf" 2>/dev/null &&
	   [ ! -s "$work/console.log" ] && { [ $rc -eq 124 ] || [ $rc -eq 137 ]; }; then
		echo "$me: QEMU hung opening an iscsi drive (killed after $timeout s, nothing on the console)" >&2
		exit 1
	fi
	skip "the guest did not start ($accel, QEMU status $rc)${reason:+: $reason}"
fi
tar xf "$work/results.img" -C "$out" --strip-components=1 2>/dev/null || true
if [ ! -f "$out/guest.status" ]; then
	tail -n 30 "$work/console.log" | sed 's/^/    /' >&2
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "$me: the guest never reported: killed after $timeout s ($accel)" >&2
	else
		echo "$me: the guest never reported: QEMU ended with status $rc after $took s ($accel)" >&2
	fi
	exit 125
fi
status=$(cat "$out/guest.status")
t() { sed -n "s/^$1 //p" "$out/guest.times"; }
echo "$me: $accel, kernel $kver: /init at $(t init) s, drives ready at $(t drives) s," \
	"script $(t script)-$(t end) s, QEMU $took s in all; script status $status" >&2
exit "$status"
