# Shared helpers for end-to-end tests: sourced by tests/e2e/*.sh.
# Usage in a test: source "$(dirname "$0")/lib.sh" "$@"
set -u
export LC_ALL=C
BIN=$1
SRC=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
FAILS=0
PASSES=0

pass() { PASSES=$((PASSES + 1)); }
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }

# expect_eq WHAT ACTUAL EXPECTED
expect_eq() {
    if [ "$2" = "$3" ]; then pass; else fail "$1: got '$2', expected '$3'"; fi
}

# expect_grep WHAT FILE PATTERN (extended regex)
expect_grep() {
    if grep -Eq -- "$3" "$2"; then pass; else fail "$1: no line matching '$3' in $2:"; sed 's/^/    /' "$2" >&2; fi
}

# scan_json OUT ERR ARGS...: run a scan with --format json; sets RC
scan_json() {
    local out=$1 err=$2
    shift 2
    "$BIN" scan --format json --no-progress "$@" >"$out" 2>"$err"
    RC=$?
}

# scan_shape NAME DIR ARGS...: scan DIR (with ARGS) into $WORK/NAME.json, .events and .err, and
# write $WORK/NAME.ev (the events without the format and place they were read from) and
# $WORK/NAME.findings (the findings without their evidence's places), each in one order
# whatever the files: one export read in several shapes must give the same two files.
scan_shape() {
    local v=$1 dir=$2
    shift 2
    "$BIN" scan --no-progress --format json "$@" --events "$WORK/$v.events" "$dir" \
        >"$WORK/$v.json" 2>"$WORK/$v.err"
    expect_eq "$v scan exit" $? 0
    jq -cS 'del(.format, .evidence)' "$WORK/$v.events" | sort >"$WORK/$v.ev"
    jq -cS '[.findings[] | del(.incident) | .evidence |= map(del(.file, .line, .offset))]
            | sort_by(.rule, .summary)' "$WORK/$v.json" >"$WORK/$v.findings"
}

# total FIELD JSONFILE: evidence.totals.FIELD
total() { jq -r ".evidence.totals.$1" "$2"; }

finish() {
    echo "$PASSES passed, $FAILS failed"
    [ "$FAILS" -eq 0 ]
    exit $?
}
