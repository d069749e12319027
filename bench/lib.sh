# lib.sh - sourced by the benchmarks: timing, medians, the ratio line.
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
