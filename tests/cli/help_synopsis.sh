# help_synopsis.sh - every command's --help usage matches the SYNOPSIS of
# its man page (rendered with mandoc), the man pages are lint-clean, and
# every command listed by --help has a page.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

command -v mandoc > /dev/null || fail "mandoc is not installed"

# synopsis PAGE: the SYNOPSIS section of PAGE as one line.
synopsis() {
	mandoc -T ascii -O width=1000 "$1" | sed 's/.\x08//g' |
		sed -n '/^SYNOPSIS/,/^[A-Z]/p' | sed '1d;$d' | tr -s ' \n' '  ' |
		sed 's/^ *//;s/ *$//'
}

# usage ARGS...: the usage lines of `glassmaster ARGS` as one line.
usage() {
	"$GM" "$@" | sed -n '/^usage:/,/^$/p' | sed 's/^usage://' |
		tr -s ' \n' '  ' | sed 's/^ *//;s/ *$//'
}

for page in "$srcdir"/man/*.1; do
	mandoc -T lint -W warning "$page" > "$T/lint" 2>&1 || true
	[ ! -s "$T/lint" ] || { cat "$T/lint"; fail "mandoc lint: $page"; }
done

[ "$(synopsis "$srcdir/man/glassmaster.1")" = "$(usage --help)" ] ||
	fail "glassmaster --help: '$(usage --help)' but glassmaster(1): '$(synopsis "$srcdir/man/glassmaster.1")'"

commands=$("$GM" --help | sed -n '/^commands:/,/^$/p' | sed '1d;$d' | awk '{print $1}')
[ -n "$commands" ] || fail "glassmaster --help lists no commands"
for cmd in $commands; do
	[ "$cmd" = help ] && continue
	page="$srcdir/man/glassmaster-$cmd.1"
	[ -f "$page" ] || fail "command $cmd has no man page $page"
	want=$(synopsis "$page")
	got=$(usage "$cmd" --help)
	[ "$want" = "$got" ] ||
		fail "glassmaster $cmd --help: '$got' but its man page: '$want'"
	got=$(usage help "$cmd")
	[ "$want" = "$got" ] || fail "glassmaster help $cmd differs: '$got'"
	grep -q "^\.Xr glassmaster-$cmd 1" "$srcdir/man/glassmaster.1" ||
		fail "glassmaster(1) does not refer to glassmaster-$cmd(1)"
done
echo "checked: $commands"
