#!/bin/sh
# run.sh BUILDDIR SRCDIR [SECONDS] - build every libFuzzer target
# (tests/fuzz/fuzz_<format>.c) with clang, ASan and UBSan, run each over
# its regression inputs (tests/fuzz/regress/<format>/: crashers found
# before) and then for SECONDS (default 30) from its seed corpus.  Ends
# with "N passed, N failed" (one per target).
set -u
builddir=${1:?usage: run.sh BUILDDIR SRCDIR [SECONDS]}
srcdir=${2:?usage: run.sh BUILDDIR SRCDIR [SECONDS]}
seconds=${3:-30}
work=$(mktemp -d "${TMPDIR:-/tmp}/gm-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
passed=0
failed=0

libs=$(pkg-config --libs libcdio libiso9660 libudf libcrypto zlib)
sources=$(ls "$srcdir"/formats/*.c "$srcdir"/rip/*.c "$srcdir"/verify/*.c)
for target in "$srcdir"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$target" .c)
	format=${name#fuzz_}
	echo "== $name"
	if ! clang -g -O1 -std=c11 -D_GNU_SOURCE -pthread \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-I"$builddir" -I"$srcdir/formats" -I"$srcdir/rip" -I"$srcdir/verify" \
		$sources "$target" $libs -o "$work/$name"; then
		echo "FAIL: $name does not build"
		failed=$((failed + 1))
		continue
	fi
	ok=1
	if [ -d "$srcdir/tests/fuzz/regress/$format" ] &&
	   [ -n "$(ls "$srcdir/tests/fuzz/regress/$format")" ]; then
		"$work/$name" "$srcdir/tests/fuzz/regress/$format"/* > "$work/regress.log" 2>&1 ||
			{ tail -n 30 "$work/regress.log"; ok=0; }
	fi
	mkdir -p "$work/corpus-$format"
	cp "$srcdir/tests/fuzz/corpus/$format"/* "$work/corpus-$format/"
	if [ $ok -eq 1 ]; then
		(cd "$work" && "$work/$name" -max_total_time="$seconds" -timeout=10 \
			-rss_limit_mb=2048 -artifact_prefix="$work/$format-" \
			"$work/corpus-$format" > "$work/fuzz.log" 2>&1) ||
			{ tail -n 40 "$work/fuzz.log"; ls "$work"/"$format"-* 2>/dev/null; ok=0; }
		grep -E '^#[0-9]+.*DONE' "$work/fuzz.log" | tail -n 1
	fi
	if [ $ok -eq 1 ]; then
		echo "PASS: $name"
		passed=$((passed + 1))
	else
		echo "FAIL: $name (copy the crasher into tests/fuzz/regress/$format/)"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
