# lib.sh - sourced by the benchmarks: timing, medians, the ratio line,
# the mastering benchmarks' trees.
set -eu
now() { date +%s%N; }
median() { printf '%s\n' $1 | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# report NAME BYTES OURS_NS THEIRS_NS PEER GOAL: print both medians and
# the ratio; exit 1 when the ratio misses the goal.
report() {
	awk -v name="$1" -v b="$2" -v o="$3" -v t="$4" -v peer="$5" -v goal="$6" 'BEGIN {
		printf "%s: %.0f MB, median of alternating rounds\n", name, b / 1e6
		printf "  glassmaster  %7.3f s  %6.0f MB/s\n", o / 1e9, b / (o / 1e9) / 1e6
		printf "  %-12s %7.3f s  %6.0f MB/s\n", peer, t / 1e9, b / (t / 1e9) / 1e6
		printf "  ratio glassmaster / %s: %.2f (goal <= %s)\n", peer, o / t, goal
		exit (o / t <= goal) ? 0 : 1
	}'
}

# tree DIR FILES DIRS MEAN BIG: FILES files of exponential sizes (mean
# MEAN bytes) spread over DIRS directories, and BIG files of 256 MiB;
# the content is slices of a seeded random pool, so every run makes the
# same tree.  Made beside DIR and renamed, so a half-made tree is never used.
tree() {
	[ -f "$1/.complete" ] && return 0
	echo "bench: making $1 (once)" >&2
	rm -rf "$1" "$1.tmp"
	python3 - "$1.tmp" "$2" "$3" "$4" "$5" <<'PY'
import os, random, sys
root, nfiles, ndirs, mean, nbig = sys.argv[1], *map(int, sys.argv[2:])
rng = random.Random(20261126)
pool = rng.randbytes(16 << 20)
for d in range(ndirs):
    os.makedirs("%s/d%04d" % (root, d))
for i in range(nfiles):
    size = min(int(rng.expovariate(1.0 / mean)), len(pool))
    off = rng.randrange(len(pool) - size + 1)
    with open("%s/d%04d/f%06d.bin" % (root, i % ndirs, i), "wb") as f:
        f.write(pool[off:off + size])
for k in range(nbig):
    chunk = pool[k * 4096:] + pool[:k * 4096]
    with open("%s/big%d.bin" % (root, k), "wb") as f:
        for _ in range(256 << 20 >> 24):
            f.write(chunk)
PY
	touch "$1.tmp/.complete"
	mv "$1.tmp" "$1"
}
