# files_hostile.sh - `glassmaster ls` and `extract` on hostile images
# (issue 16): the images fshostile.py writes (Rock Ridge names that
# escape, "." / ".." / empty / NUL names, duplicates, a symlink followed
# by a directory of its name, Joliet names with "/" and "..", directory
# loops through CL records, directory records, UDF FIDs, CE and AED
# chains that loop, a 10,000-component symlink, extents past the image
# or the partition, sizes of 0xFFFFFFFF, 2^63 and 2^64-1, endless
# multi-extent files, FIDs past their directory; see fshostile.py).  For
# each, `ls -R`, `ls -R --json`, `extract -C $T/x/out` (and for the ISO
# 9660 ones `ls -R --fs iso9660`) each under `timeout 20` must:
#   - end with 0, 1 or 2 (124 is a hang, over 128 a crash); extract with
#     1, as every image gets it a warning; --json must parse;
#   - write nothing outside out/: $T (its images, the trap directory the
#     absolute symlinks and names point at, the siblings of out/) is the
#     same before and after, no gm-hostile-canary is found outside out/
#     (one is what a naive extractor writes through a symlink "link"),
#     out/ stays under 100 MiB (no 4 GiB or 2^63 files of zeros);
#   - say on stderr what is wrong where: a line matching the image's
#     WHERE (its path, or a sector) and WHAT ("loop", "refused",
#     "renamed", "outside" ...); for the images marked "ls" the line
#     from `ls -R` too;
#   - extract what can be: duplicates and the directory named like the
#     symlink renamed (both copies there), names with "/" under "_"
#     names, refused names nowhere.
# Every problem is listed before the test fails.
. "$(dirname "$0")/lib.sh"

command -v genisoimage > /dev/null || command -v xorriso > /dev/null || {
	echo "$(basename "$0"): skipped: neither genisoimage nor xorriso"
	exit 77
}

mkdir "$T/img" "$T/trap" "$T/log"
python3 "$srcdir/tests/cli/fshostile.py" "$T/img" --abs "$T/trap" --gm "$GM" \
	> "$T/log/images" 2> "$T/log/fshostile.err" ||
	fail "fshostile.py: $(cat "$T/log/fshostile.err")"
[ "$(wc -l < "$T/log/images")" -ge 24 ] || fail "fshostile.py wrote: $(cat "$T/log/images")"

# IMAGE WHERE WHAT [ls]: extract's stderr (and ls -R's with "ls") has a
# line matching the extended regular expressions WHERE and WHAT (case
# ignored).
expectations() {
	cat <<'EOF'
rr_names_slash evil warning
rr_names_dots /dots refused
rr_name_nul nul refused|renamed|NUL
rr_names_dup same renamed
rr_link_abs link renamed
rr_link_rel link renamed
rr_cl_loop d/e/back|d/e/top|sector|block loop ls
iso_dir_self d/self|sector|block loop ls
iso_dir_parent d/up|sector|block loop ls
rr_sl_10000 longlink long|limit|too.many|component
rr_ce_loop celoop|sector|block loop|limit|too.many|continuation ls
iso_extent_past_end far outside|past|beyond|end ls
iso_size_ffffffff huge outside|past|beyond|end
iso_multiextent_endless multi extent
joliet_names jevil warning
joliet_names /jdots refused
udf_fid_self d/self|sector|block loop ls
udf_fid_parent d/up|sector|block loop ls
udf_aed_loop aed|sector|block loop|limit|too.many|allocation
udf_len_huge len63 size|length|outside|past|beyond|extent
udf_len_huge len64 size|length|outside|past|beyond|extent
udf_fid_overrun fidrun|zlast|sector|block past|outside|beyond|overrun|truncated|end|identifier ls
udf_extent_outside far outside|past|beyond|end
udf_link_dir link renamed
udf_names evil warning
udf_names /udots refused
udf_names same renamed
udf_names nul refused|renamed|NUL
udf_dir_data_self dirself|sector|block tag|descriptor|FID|damaged|identifier|directory ls
EOF
}

: > "$T/log/problems"
problem() {
	echo "$img: $*" >> "$T/log/problems"
}

# gm TAG CMD...: run glassmaster under timeout 20, output in
# $T/log/IMG.TAG.{out,err}; its status in $st, checked to be 0, 1 or 2.
gm() {
	tag=$1
	shift
	set +e
	timeout 20 "$GM" "$@" > "$T/log/$img.$tag.out" 2> "$T/log/$img.$tag.err"
	st=$?
	set -e
	if [ $st -eq 124 ]; then
		problem "glassmaster $*: hangs (killed after 20 s)"
	elif [ $st -gt 128 ]; then
		problem "glassmaster $*: crashes (status $st, signal $((st - 128))): $(tail -n 3 "$T/log/$img.$tag.err")"
	elif [ $st -gt 2 ]; then
		problem "glassmaster $*: exit status $st: $(tail -n 3 "$T/log/$img.$tag.err")"
	fi
}

# what is in $T but the logs and out/: names, types, link targets, the
# sizes of all but directories
snapshot() {
	find "$T" \( -path "$T/x/out" -o -path "$T/log" \) -prune -o \
		\( -type d -printf '%y %p\n' \) -o -printf '%y %s %p -> %l\n' |
		LC_ALL=C sort
}

# said TAG WHERE WHAT: a line of $T/log/IMG.TAG.err matches WHERE and WHAT
said() {
	grep -Ei -- "$2" "$T/log/$img.$1.err" | grep -Eiq -- "$3"
}

# has CONTENT: some file below out/ holds the line CONTENT alone; count
# CONTENT: how many
count() {
	find "$T/x/out" -type f -exec grep -lx -- "$1" {} + 2> /dev/null | wc -l
}

for img in $(cat "$T/log/images"); do
	I=$T/img/$img.iso
	# a fresh x/ and trap/, and nothing left of an earlier escape
	for f in "$T"/* "$T"/.[!.]*; do
		case ${f##*/} in
		img | log | '.[!.]*') ;;
		*) rm -rf "$f" ;;
		esac
	done
	mkdir -p "$T/trap" "$T/x/sib"
	echo keep > "$T/x/keep"
	snapshot > "$T/log/$img.before"

	gm ls ls -R "$I"
	ls_st=$st
	gm json ls -R --json "$I"
	if [ $st -le 1 ] &&
		! python3 -c 'import json, sys; json.load(open(sys.argv[1], "rb"))' \
			"$T/log/$img.json.out" 2> "$T/log/$img.json.check"; then
		problem "ls -R --json: not JSON: $(tail -n 1 "$T/log/$img.json.check")"
	fi
	case $img in
	udf_*) ;;
	*) gm iso ls -R --fs iso9660 "$I" ;;
	esac
	gm extract extract "$I" -C "$T/x/out"
	[ $st -eq 1 ] || [ $st -gt 2 ] ||
		problem "extract: exit status $st, not 1 (a warning is due): $(head -n 3 "$T/log/$img.extract.err")"

	# nothing outside out/
	snapshot > "$T/log/$img.after"
	diff "$T/log/$img.before" "$T/log/$img.after" > "$T/log/$img.diff" ||
		problem "extract wrote outside out/: $(grep '^[<>]' "$T/log/$img.diff" | tr '\n' ' ')"
	escaped=$(find "$T" -path "$T/x/out" -prune -o -name 'gm-hostile-canary*' -print)
	[ -z "$escaped" ] || problem "written through a symlink: $escaped"
	if [ -d "$T/x/out" ]; then
		kib=$(du -sk "$T/x/out" | cut -f1)
		[ "$kib" -lt 102400 ] || problem "out/ holds $kib KiB"
	fi

	# the messages
	expectations | while read -r name where what on; do
		[ "$name" = "$img" ] || continue
		said extract "$where" "$what" ||
			problem "extract says nothing matching '$where' and '$what': $(head -n 5 "$T/log/$img.extract.err")"
		if [ "${on:-}" = ls ]; then
			said ls "$where" "$what" ||
				problem "ls -R says nothing matching '$where' and '$what': $(head -n 5 "$T/log/$img.ls.err")"
			[ $ls_st -eq 1 ] || [ $ls_st -gt 2 ] ||
				problem "ls -R: exit status $ls_st, not 1 (the file system is damaged)"
		fi
	done

	# what must be extracted
	[ -d "$T/x/out" ] || continue
	case $img in
	rr_names_slash | udf_names)
		n=$(count slash)
		[ "$n" -eq 2 ] || problem "$n of the 2 files with '/' in their names extracted"
		;;
	joliet_names)
		n=$(count jslash)
		[ "$n" -eq 2 ] || problem "$n of the 2 files with '/' in their names extracted"
		;;
	esac
	case $img in
	rr_names_dup | udf_names)
		for c in one two lower upper; do
			[ "$(count $c)" -eq 1 ] || problem "the file holding '$c' (of two named alike) extracted $(count $c) times"
		done
		;;
	esac
	case $img in
	rr_names_dots | udf_names | joliet_names)
		[ "$(count dot)$(count jdot)" = 00 ] || problem "a '.', '..' or empty name extracted: $(find "$T/x/out" -type f -exec grep -lx 'j*dot' {} + | tr '\n' ' ')"
		;;
	esac
	case $img in
	rr_link_abs | rr_link_rel | udf_link_dir)
		n=$(find "$T/x/out" -name 'gm-hostile-canary*' -type f | wc -l)
		[ "$n" -eq 2 ] || problem "$n of the 2 gm-hostile-canary files extracted"
		links=$(find "$T/x/out" -maxdepth 1 -type l -name 'link*' | wc -l)
		[ "$links" -ge 1 ] || problem "no symlink link extracted"
		;;
	esac
done

if [ -s "$T/log/problems" ]; then
	cat "$T/log/problems" >&2
	fail "$(wc -l < "$T/log/problems") problems with the hostile images"
fi
exit 0
