#!/bin/sh
# run.sh BUILDDIR SRCDIR CLI_TEST... - run the unit tests and every
# command-line test; end with the line "N passed, N failed" and exit
# non-zero when anything failed.  A test that exits 77 is skipped (it
# lacks something this machine does not have; the last line of its log
# says what): it counts as neither, and a line "N skipped" comes before
# the totals.
set -u
builddir=$1
srcdir=$2
shift 2
passed=0
failed=0
skipped=0

out=$("$builddir/tests/unit/gm-unit" 2>&1)
status=$?
printf '%s\n' "$out"
line=$(printf '%s\n' "$out" | tail -n 1)
case $line in
*" passed, "*" failed")
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed}
	passed=$((passed + p))
	failed=$((failed + f))
	;;
*)
	echo "unit tests: the runner ended without its total (status $status)"
	failed=$((failed + 1))
	;;
esac
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
fi

for t in "$@"; do
	name=${t#tests/cli/}
	log="$builddir/tests/cli/${name%.sh}.log"
	mkdir -p "$builddir/tests/cli"
	GM_BUILDDIR=$builddir GM_SRCDIR=$srcdir \
		sh "$srcdir/$t" "$builddir" "$srcdir" > "$log" 2>&1
	status=$?
	if [ "$status" -eq 0 ]; then
		echo "PASS: $t"
		passed=$((passed + 1))
	elif [ "$status" -eq 77 ]; then
		echo "SKIP: $t (reason: $(tail -n 1 "$log"))"
		skipped=$((skipped + 1))
	else
		echo "FAIL: $t (log: $log)"
		sed 's/^/    /' "$log" | tail -n 40
		failed=$((failed + 1))
	fi
done

[ "$skipped" -eq 0 ] || echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
