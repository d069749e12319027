# master_bridge.sh - master.sh's tree and readers through an ISO 9660 +
# UDF bridge image (`glassmaster master --fs iso+udf`), its UDF side and
# plain UDF images of the same tree in every revision (see master.sh).
GM_MASTER_FS=iso+udf
. "${GM_SRCDIR:-$2}/tests/cli/master.sh"
