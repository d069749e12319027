# guest-lib.sh - helpers for guest scripts, put before each script by
# tests/qemu/guest.sh.
# r NAME CMD...: run CMD, keeping NAME.out, NAME.err and NAME.status.
r() {
	name=$1
	shift
	"$@" > "/out/$name.out" 2> "/out/$name.err"
	echo $? > "/out/$name.status"
}
md5() { md5sum | cut -c 1-32; }
