#!/bin/sh
# run.sh BUILDDIR SRCDIR [SECONDS] - build every libFuzzer target
# (tests/fuzz/fuzz_<format>.c) with clang, ASan and UBSan, run each over
# its regression inputs (tests/fuzz/regress/<format>/: crashers found
# before) and then for SECONDS (default 30) from its seed corpus.  Ends
# with "N passed, N failed" (one per target).
#
# GM_FUZZ_KEEP=DIR keeps what a long run grows: each target's corpus in
# DIR/corpus-FORMAT (resumed by the next run), its crashers as
# DIR/FORMAT-*, and after the run the corpus minimized (libFuzzer's
# -merge=1) into DIR/min-FORMAT, ready to be committed as the seed corpus.
# GM_FUZZ_JOBS sets how many targets run at once (default 2);
# GM_FUZZ_TARGETS="fuzz_a fuzz_b" runs only those.
#
# The library's sources are compiled once (two at a time) and linked into
# every target; the targets run two at a time, one per core, each with a
# log of its own that is printed in order when the pair is done.
set -u
builddir=${1:?usage: run.sh BUILDDIR SRCDIR [SECONDS]}
srcdir=${2:?usage: run.sh BUILDDIR SRCDIR [SECONDS]}
seconds=${3:-30}
jobs=${GM_FUZZ_JOBS:-2}
keep=${GM_FUZZ_KEEP:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/gm-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
passed=0
failed=0

libs=$(pkg-config --libs libcdio libiso9660 libudf libcrypto zlib flac liblzma libzstd)
cflags="-g -O1 -std=c11 -D_GNU_SOURCE -pthread -fno-sanitize-recover=all
	-I$builddir -I$srcdir/formats -I$srcdir/rip -I$srcdir/fs -I$srcdir/verify -I$srcdir/serve"
export cflags work
[ -z "$keep" ] || mkdir -p "$keep" || exit 1

# The library, instrumented for the fuzzer but without its main().
mkdir "$work/obj"
ls "$srcdir"/formats/*.c "$srcdir"/rip/*.c "$srcdir"/fs/*.c "$srcdir"/verify/*.c "$srcdir"/serve/*.c |
	xargs -P "$jobs" -I{} sh -c '
		src={}
		obj=$work/obj/$(basename "$(dirname "$src")")_$(basename "$src" .c).o
		clang $cflags -fsanitize=fuzzer-no-link,address,undefined \
			-c "$src" -o "$obj" || { echo "FAIL: $src does not build"; exit 1; }'
lib_ok=$?

# run_target NAME: build, regressions, fuzzing; the verdict in NAME.verdict
run_target() {
	name=$1
	format=${name#fuzz_}
	out=$work/$name.out
	echo "== $name" > "$out"
	if [ $lib_ok -ne 0 ] ||
	   ! clang $cflags -fsanitize=fuzzer,address,undefined \
		"$srcdir/tests/fuzz/$name.c" "$work"/obj/*.o $libs \
		-o "$work/$name" >> "$out" 2>&1; then
		echo "FAIL: $name does not build" >> "$out"
		echo FAIL > "$work/$name.verdict"
		return
	fi
	ok=1
	if [ -d "$srcdir/tests/fuzz/regress/$format" ] &&
	   [ -n "$(ls "$srcdir/tests/fuzz/regress/$format")" ]; then
		"$work/$name" "$srcdir/tests/fuzz/regress/$format"/* \
			> "$work/regress-$format.log" 2>&1 ||
			{ tail -n 30 "$work/regress-$format.log" >> "$out"; ok=0; }
	fi
	store=${keep:-$work}
	mkdir -p "$store/corpus-$format"
	cp "$srcdir/tests/fuzz/corpus/$format"/* "$store/corpus-$format/"
	if [ $ok -eq 1 ]; then
		(cd "$work" && "$work/$name" -max_total_time="$seconds" -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$store/$format-" \
			"$store/corpus-$format" > "$work/fuzz-$format.log" 2>&1) ||
			{ tail -n 40 "$work/fuzz-$format.log" >> "$out"
			  ls "$store"/"$format"-* >> "$out" 2>/dev/null; ok=0; }
		grep -E '^#[0-9]+.*DONE' "$work/fuzz-$format.log" | tail -n 1 >> "$out"
		grep -E '^stat::number_of_executed_units' "$work/fuzz-$format.log" >> "$out"
	fi
	if [ -n "$keep" ]; then
		rm -rf "$keep/min-$format" && mkdir "$keep/min-$format" &&
		(cd "$work" && "$work/$name" -merge=1 -timeout=10 -rss_limit_mb=2048 \
			"$keep/min-$format" "$store/corpus-$format" \
			> "$work/merge-$format.log" 2>&1) ||
			echo "the corpus of $name was not minimized" >> "$out"
	fi
	if [ $ok -eq 1 ]; then
		echo "PASS: $name" >> "$out"
		echo PASS > "$work/$name.verdict"
	else
		echo "FAIL: $name (copy the crasher into tests/fuzz/regress/$format/)" >> "$out"
		echo FAIL > "$work/$name.verdict"
	fi
}

# report NAME...: print the logs of finished targets and count them
report() {
	for name in "$@"; do
		cat "$work/$name.out"
		if [ "$(cat "$work/$name.verdict" 2>/dev/null)" = PASS ]; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done
}

batch=""
n=0
for target in "$srcdir"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$target" .c)
	case " ${GM_FUZZ_TARGETS:-$name} " in *" $name "*) ;; *) continue ;; esac
	run_target "$name" &
	batch="$batch $name"
	n=$((n + 1))
	if [ $n -ge "$jobs" ]; then
		wait
		report $batch
		batch=""
		n=0
	fi
done
wait
report $batch
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
