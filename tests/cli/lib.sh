# lib.sh - sourced by the command-line tests.  Each test is run as
# `sh tests/cli/NAME.sh BUILDDIR SRCDIR`; it exits 0 when it passes and
# prints what went wrong otherwise.
set -u
builddir=${1:?usage: $0 BUILDDIR SRCDIR}
srcdir=${2:?usage: $0 BUILDDIR SRCDIR}
GM="$builddir/glassmaster"
MKRAW="$builddir/tests/gm-mkraw"
T=$(mktemp -d "${TMPDIR:-/tmp}/gm-test.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# run STATUS CMD...: run CMD with stdout to $T/out and stderr to $T/err,
# and fail unless it exits with STATUS.
run() {
	want=$1
	shift
	set +e
	"$@" > "$T/out" 2> "$T/err"
	got=$?
	set -e
	if [ "$got" -ne "$want" ]; then
		echo "command: $*" >&2
		echo "--- stdout" >&2; cat "$T/out" >&2
		echo "--- stderr" >&2; cat "$T/err" >&2
		fail "exit status $got, expected $want"
	fi
}

# contains FILE TEXT: fail unless FILE has the fixed string TEXT.
contains() {
	grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "'$1' lacks: $2"; }
}

# lacks FILE TEXT: fail if FILE has the fixed string TEXT.
lacks() {
	! grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "'$1' has: $2"; }
}

# in_guest DRIVE...: run $T/guest.sh in the QEMU guest (tests/qemu/guest.sh)
# with the drives (KIND:IMAGE), its results in $T/guest.  Without QEMU or
# the guest kernel the test ends with 77, saying so; a failing script
# shows its logs and fails the test.
in_guest() {
	status=0
	drives=
	for d in "$@"; do
		drives="$drives --drive $d"
	done
	# (the image paths are in $T: no spaces)
	sh "$srcdir/tests/qemu/guest.sh" --builddir "$builddir" \
		--cache "${GM_QEMU_CACHE:-$builddir/tests/qemu-cache}" $drives \
		--script "$T/guest.sh" --out "$T/guest" --timeout 240 > "$T/guest.log" 2>&1 ||
		status=$?
	if [ $status -eq 77 ]; then
		echo "$(basename "$0"): the kernel: skipped: $(tail -n 1 "$T/guest.log")"
		exit 77
	fi
	[ $status -eq 0 ] || {
		cat "$T/guest.log" "$T/guest/guest.stderr" "$T/guest"/mount*.err 2> /dev/null
		fail "the guest script ended with status $status"
	}
}

# kernel_reads DRIVE DIR: the guest's kernel mounts the disc of DRIVE (a
# guest.sh --drive: ide-cd:IMAGE, iscsi:URL) as iso9660 and reads every
# file with the bytes of DIR's.
kernel_reads() {
	cat > "$T/guest.sh" <<'GUEST'
mkdir -p /mnt
mount -t iso9660 -o ro "$GM_SR_0" /mnt 2> /out/mount.err || exit 10
cd /mnt
find . -type f -exec md5sum {} \; | sort -k 2 > /out/md5
cd /
umount /mnt
exit 0
GUEST
	in_guest "$1"
	cat "$T/guest.log"
	(cd "$2" && find . -type f -exec md5sum {} \; | sort -k 2) > "$T/want.md5"
	cmp "$T/guest/md5" "$T/want.md5" || { diff "$T/guest/md5" "$T/want.md5";
		fail "the kernel reads other files from $1 than $2 holds"; }
}

# poke FILE OFFSET: flip the bits of one byte of FILE in place.
poke() {
	old=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	new=$((old ^ 0xff))
	printf "$(printf '\\%03o' "$new")" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
set -e
