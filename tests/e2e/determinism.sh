#!/usr/bin/env bash
# Same evidence, same output: whatever the order of the paths, the read size, or files given
# twice. And for every file of every fixture and corpus: records read = parsed + skipped +
# duplicates.
source "$(dirname "$0")/common.bash" "$@"
cd "$SRC" || exit 1
D=examples/contoso-demo
files=("$D"/ual/*.json* "$D"/purview/*.csv "$D"/entra/*.json "$D"/sentinel/* "$D"/azmon/*)

run() { # name args...
    local name=$1
    shift
    "$BIN" scan --no-progress --format json "$@" | jq -S 'del(.command)' >"$WORK/$name.json"
    "$BIN" scan --no-progress --format jsonl "$@" >"$WORK/$name.jsonl"
}
run ref "${files[@]}"
run reversed $(printf '%s\n' "${files[@]}" | sort -r)
run shuffled $(printf '%s\n' "${files[@]}" | sort -R --random-source=<(yes 42))
run folder "$D"
run chunk7 --read-chunk 7 "${files[@]}"
run chunk4096 --read-chunk 4096 "${files[@]}"
# same WHAT A B [A B …]: each pair of files byte for byte; else fail, showing the first that differ.
same() {
    local what=$1
    shift
    while [ $# -ge 2 ]; do
        if ! cmp -s "$1" "$2"; then
            fail "$what"
            diff "$1" "$2" | head -10 >&2
            return
        fi
        shift 2
    done
    pass
}
for v in reversed shuffled folder chunk7 chunk4096; do
    same "output differs for $v" "$WORK/ref.json" "$WORK/$v.json" "$WORK/ref.jsonl" "$WORK/$v.jsonl"
done
# The same files given twice: every record of the second copy is a duplicate, findings unchanged.
run twice "${files[@]}" "$D"
expect_eq "twice: findings unchanged" "$(cat "$WORK/twice.jsonl" | md5sum)" "$(cat "$WORK/ref.jsonl" | md5sum)"
expect_eq "twice: every record of the second copy is a duplicate" \
    "$(jq '.evidence.totals | "\(.parsed) \(.duplicates)"' "$WORK/twice.json")" \
    "$(jq '.evidence.totals | "\(.parsed) \(.duplicates + .records_read)"' "$WORK/ref.json")"

# Threads: one thread, or several with large JSON Lines files read in parts, give the same
# findings, report, events and messages (line numbers included).
sim=$WORK/sim
"$BIN" simulate -q --out "$sim" --seed 3 --scenario all \
    --formats ual-jsonl,graph-json,purview-new,la-json
big=$(ls -S "$sim"/*/*.jsonl "$sim"/*/*.json | head -1) # JSON Lines (la-json), the largest
# A damaged copy of the largest file: a byte-order mark, broken and blank lines throughout.
{ printf '\xef\xbb\xbf'; awk 'NR % 4 == 2 { print "{\"CreationTime\": broken" } NR % 29 == 3 { print "" } { print }' "$big"; } >"$sim/damaged-copy.jsonl"
threads_run() { # name args...
    local name=$1
    shift
    "$BIN" scan --no-progress --format json --events "$WORK/t-$name.events" "$@" "$sim" \
        2>"$WORK/t-$name.err" | jq -S 'del(.command)' >"$WORK/t-$name.json"
}
threads_run 1 --threads 1
expect_eq "threads: the reference has findings" "$(jq '.findings | length > 10' "$WORK/t-1.json")" true
expect_eq "threads: the reference has line-numbered warnings" \
    "$(grep -c 'damaged-copy.jsonl:[0-9]*:' "$WORK/t-1.err")" 50
same_as_one_thread() { # name what: t-NAME.* equal t-1.* byte for byte
    local ext
    for ext in json events err; do
        if cmp -s "$WORK/t-1.$ext" "$WORK/t-$1.$ext"; then
            pass
        else
            fail "$2: $ext differs from one thread in memory"
            diff "$WORK/t-1.$ext" "$WORK/t-$1.$ext" | head -6 >&2
        fi
    done
}
for v in "2 4K" "3 16K" "8 4K" "2 64M"; do
    set -- $v
    threads_run "$1-$2" --threads "$1" --split-size "$2"
    same_as_one_thread "$1-$2" "--threads $1 --split-size $2"
done

# The event table in a file (--spill always), its pages let go at every look (the testing aid
# --spill-resident 4K): the same bytes again.
threads_run spilled --threads 2 --split-size 16K --spill always --spill-resident 4K
same_as_one_thread spilled "--spill always"

# The file-order tables grow as files are read, from a first size guessed from the input's
# bytes: the same evidence gzip-compressed under the same names (a guess too small for its
# events, so the tables grow while files are read) gives the same report but for the files'
# compression and sizes, and the same events.
gz=$WORK/sim-gz
(cd "$sim" && find . -type f) | while read -r f; do
    mkdir -p "$gz/$(dirname "$f")"
    gzip -c "$sim/$f" >"$gz/$f"
done
expect_eq "gzip: the compressed copy is under 4096 events' worth of bytes (512 each)" \
    "$(($(du -sb "$gz" | cut -f1) < 4096 * 512))" 1
strip='del(.command) | .evidence.files[] |= del(.compression, .bytes)'
for t in 1 2; do
    (cd "$sim" && "$BIN" scan --no-progress --format json --threads $t --events "$WORK/plain.events" .) \
        2>/dev/null | jq -S "$strip" >"$WORK/plain.json"
    (cd "$gz" && "$BIN" scan --no-progress --format json --threads $t --events "$WORK/gz.events" .) \
        2>/dev/null | jq -S "$strip" >"$WORK/gz.json"
    expect_eq "gzip, $t thread(s): more events than the first guess" \
        "$(jq '.evidence.totals.events > 4096' "$WORK/gz.json")" true
    same "gzip, $t thread(s): report or events differ from the plain files'" \
        "$WORK/plain.json" "$WORK/gz.json" "$WORK/plain.events" "$WORK/gz.events"
done

# Accounting, file by file, over every fixture and corpus we have.
dirs=(examples tests/detections)
[ -d fuzz/corpus ] && dirs+=(fuzz/corpus)
[ -d fuzz/regressions ] && dirs+=(fuzz/regressions)
[ -d ../shared/realdata ] && dirs+=(../shared/realdata)
"$BIN" scan --no-progress --format json "${dirs[@]}" >"$WORK/all.json" 2>/dev/null
expect_eq "accounting holds for every file" \
    "$(jq '[.evidence.files[] | select(.records_read != .parsed + .skipped + .duplicates)] | length' "$WORK/all.json")" 0
expect_eq "accounting holds in total" \
    "$(jq '.evidence.totals | .records_read == .parsed + .skipped + .duplicates' "$WORK/all.json")" true
echo "files checked: $(jq '.evidence.files | length' "$WORK/all.json")"
finish
