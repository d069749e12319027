# basics.sh - global options, the command table and its errors.
. "${GM_SRCDIR:-$2}/tests/cli/lib.sh"

run 0 "$GM" --version
contains "$T/out" "glassmaster "
run 0 "$GM" --help
contains "$T/out" "usage: glassmaster"
contains "$T/out" "verify"
run 0 "$GM" help
contains "$T/out" "commands:"
run 0 "$GM" help verify
contains "$T/out" "usage: glassmaster verify"

# no command, unknown command, unknown option: usage errors (2)
run 2 "$GM"
contains "$T/err" "usage: glassmaster"
run 2 "$GM" frobnicate
contains "$T/err" "glassmaster: 'frobnicate' is not a glassmaster command"
run 2 "$GM" --frobnicate
contains "$T/err" "unknown option '--frobnicate'"
run 2 "$GM" help frobnicate
contains "$T/err" "glassmaster: help: unknown command 'frobnicate'"
run 2 "$GM" verify --integrity --bogus x.bin
contains "$T/err" "glassmaster: verify: option '--bogus' is unknown"
run 2 "$GM" verify --integrity --sector-size 2048 x.bin
contains "$T/err" "--sector-size must be 2352 or 2448, not '2048'"
run 2 "$GM" verify --integrity
contains "$T/err" "IMAGE is missing"
