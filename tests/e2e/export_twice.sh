#!/usr/bin/env bash
# One tenant's audit log handed over several times, through different exports: the Management
# Activity API's JSON Lines and content blobs, and a Purview search's CSV in both layouts, whose
# AuditData escapes every '/' ("Mozilla\/5.0"). Each record is read once and its other copies
# are counted as duplicates (the first in file-name order is kept), so the events and findings
# are those of one export, on one thread and on two. A copy that differs in one value is a record
# of its own.
source "$(dirname "$0")/common.bash" "$@"

sim() {
    "$BIN" simulate --quiet --out "$WORK/$1" --formats "$2" --seed 7 --days 3 \
        --scenario midnight-blizzard,audit-disable-and-collect >/dev/null || fail "simulate $2"
}
sim 1-api ual-jsonl
sim 2-blob ual-blob
sim 3-purview purview-new
sim 4-classic purview-classic
expect_grep "Purview escapes '/'" <(cat "$WORK"/3-purview/purview/*.csv) 'Mozilla\\/5\.0'
expect_eq "the API does not" "$(cat "$WORK"/1-api/ual/*.jsonl | grep -c 'Mozilla\\/')" 0

scan_shape one "$WORK/1-api"
N=$(total parsed "$WORK/one.json")
expect_eq "one export: no duplicates" "$(total duplicates "$WORK/one.json")" 0
[ "$N" -gt 1000 ] && pass || fail "one export: $N records"
[ "$(jq '.findings | length' "$WORK/one.json")" -gt 5 ] && pass || fail "one export: findings"

for threads in 1 2; do
    v=all$threads
    scan_shape $v "$WORK/4-classic" --threads $threads --split-size 4K "$WORK/2-blob" \
        "$WORK/3-purview" "$WORK/1-api"
    expect_eq "$v: accounting" \
        "$(jq -r '.evidence.totals | "\(.records_read) \(.parsed) \(.duplicates)"' "$WORK/$v.json")" \
        "$((4 * N)) $N $((3 * N))"
    expect_eq "$v: per format" \
        "$(jq -r '.evidence.formats[] | "\(.name) \(.parsed) \(.duplicates)"' "$WORK/$v.json")" \
        "ual-json $N $N
purview-csv 0 $((2 * N))"
    expect_eq "$v: the events of one export" "$(cmp "$WORK/one.ev" "$WORK/$v.ev" && echo same)" same
    expect_eq "$v: the findings of one export" \
        "$(cmp "$WORK/one.findings" "$WORK/$v.findings" && echo same)" same
    expect_eq "$v: evidence from the first copy" \
        "$(jq -r '[.findings[].evidence[].file | split("/") | .[-3]] | unique | join(" ")' \
            "$WORK/$v.json")" "1-api"
done

# One value changed in one copy: that record is read twice, every other one once.
mkdir -p "$WORK/edited"
f=$(ls "$WORK"/3-purview/purview/*Exchange.csv | head -1)
awk 'NR > 1 && !done && sub(/""ResultStatus"":""Succeeded""/, "\"\"ResultStatus\"\":\"\"PartiallySucceeded\"\"") { done = 1 } 1' \
    "$f" >"$WORK/edited/$(basename "$f")"
expect_eq "one value edited" "$(diff "$f" "$WORK/edited/$(basename "$f")" | grep -c '^>')" 1
scan_json "$WORK/edited.json" "$WORK/edited.err" "$WORK/1-api" "$WORK/edited"
R=$(jq -r '.evidence.formats[] | select(.name == "purview-csv") | .records_read' "$WORK/edited.json")
expect_eq "edited copy: accounting" \
    "$(jq -r '.evidence.totals | "\(.parsed) \(.duplicates)"' "$WORK/edited.json")" \
    "$((N + 1)) $((R - 1))"
finish
