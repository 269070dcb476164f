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

# Within one file, records escaped one way and the other, in turn (the fingerprint starts with
# the way the last record needed): each still a copy of the API's.
mkdir -p "$WORK/turns"
cat "$WORK"/1-api/ual/*.jsonl | awk 'NR % 3 == 0 { gsub("/", "\\/") } 1' >"$WORK/turns/turns.jsonl"
expect_eq "records in turns: some escaped" "$([ "$(grep -c '\\/' "$WORK/turns/turns.jsonl")" -gt 100 ] && echo yes)" yes
scan_json "$WORK/turns.json" "$WORK/turns.err" "$WORK/1-api" "$WORK/turns"
expect_eq "records in turns: all copies" \
    "$(jq -r '.evidence.totals | "\(.parsed) \(.duplicates)"' "$WORK/turns.json")" "$N $N"

expect_eq "UAL exports: no overlap" "$(jq -c '.evidence.overlaps' "$WORK/all1.json")" "[]"
expect_eq "UAL exports: no warning" "$(grep -c 'written another way' "$WORK/all1.err")" 0

# The same sign-ins and directory audits from Graph and from Log Analytics: written differently
# (Graph's times to the second, Log Analytics' other names and fields), so both copies are kept,
# and the scan says so: on stderr, in the text EVIDENCE section and in report.json. UAL
# UserLoggedIn records that share a sign-in's id are another log: no overlap there.
sim 5-graph graph-json
sim 6-la la-json
G=$("$BIN" scan --format json --no-progress "$WORK/5-graph" | jq '.evidence.totals.parsed')
scan_json "$WORK/shapes.json" "$WORK/shapes.err" "$WORK/6-la" "$WORK/5-graph"
expect_eq "two shapes: overlap" \
    "$(jq -c '.evidence.overlaps[] | [.formats, .records, (.file | split("/") | .[-3]), .line]' "$WORK/shapes.json")" \
    "[[\"graph-json\",\"la-json\"],$G,\"6-la\",1]"
id=$(jq -r '.evidence.overlaps[0].record_id' "$WORK/shapes.json")
expect_eq "two shapes: the record named is in both" \
    "$(grep -rlF -- "$id" "$WORK/5-graph" | wc -l | tr -d ' ') $(grep -rlF -- "$id" "$WORK/6-la" | wc -l | tr -d ' ')" \
    "1 1"
expect_grep "two shapes: warned" "$WORK/shapes.err" \
    "6-la/.*: $G records read as la-json have the id of one read as graph-json, written another way .*give one export of each log"
"$BIN" scan --no-progress --color never "$WORK/6-la" "$WORK/5-graph" >"$WORK/shapes.txt" 2>/dev/null
expect_grep "two shapes: in the text report" "$WORK/shapes.txt" \
    "^  $G records read as la-json have the id of one read as graph-json, written another way:"
# Both shapes name the same resource (Log Analytics' ResourceId is the directory's Azure path,
# not the resource: ResourceIdentity is) and say the same of interactivity (Log Analytics'
# service principal table has no IsInteractive column; Graph says false).
"$BIN" scan --no-progress --events "$WORK/shapes.ev" "$WORK/6-la" "$WORK/5-graph" >/dev/null 2>&1
expect_eq "two shapes: one resource and interactivity per sign-in" \
    "$(jq -r 'select(.kind == "signin") | "\(.evidence.record_id) \(.resource_id) \(.is_interactive)"' \
        "$WORK/shapes.ev" | sort -u | awk '{print $1}' | uniq -d | wc -l | tr -d ' ')" 0
expect_eq "two shapes: resources are ids" \
    "$(jq -r 'select(.kind == "signin") | .resource_id' "$WORK/shapes.ev" | grep -vc '^[0-9a-f-]\{36\}$')" 0
scan_json "$WORK/ual-graph.json" "$WORK/ual-graph.err" "$WORK/1-api" "$WORK/5-graph"
expect_eq "UAL and sign-in logs: ids shared, no overlap" \
    "$(jq -c '.evidence.overlaps' "$WORK/ual-graph.json")" "[]"

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
