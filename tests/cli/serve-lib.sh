# serve-lib.sh - for the tests of `glassmaster serve`, sourced after lib.sh.
#
# serve NAME ARGS...: start `glassmaster serve ARGS` on a free port of
# 127.0.0.1, its output in $T/NAME.out and .err, and wait until it
# listens; sets pid, port and iqn, and adds pid to pids (which the test
# kills when it ends).
pids=""
serve() {
	name=$1
	shift
	"$GM" serve --listen 127.0.0.1:0 "$@" > "$T/$name.out" 2> "$T/$name.err" &
	pid=$!
	pids="$pids $pid"
	for i in $(seq 100); do
		grep -q '^serving' "$T/$name.out" 2> /dev/null && break
		kill -0 $pid 2> /dev/null || { cat "$T/$name.err" >&2; fail "serve $* ended"; }
		sleep 0.1
	done
	port=$(sed -n 's/^serving .* on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$T/$name.out")
	iqn=$(sed -n 's/^serving \([^ ]*\) on .*/\1/p' "$T/$name.out")
	[ -n "$port" ] || { cat "$T/$name.out" "$T/$name.err" >&2; fail "serve $* did not listen"; }
}
