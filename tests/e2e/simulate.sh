#!/usr/bin/env bash
# m365hunt simulate: every scenario, over two seeds and two format choices, reads back with no
# skipped record and exact accounting; the same options give the same bytes; the ground truth's
# evidence times are the records' times; an upgraded mailbox logs from its upgrade on; usage
# errors exit 2.
source "$(dirname "$0")/common.bash" "$@"

run() { "$BIN" "$@" >"$WORK/out" 2>"$WORK/err"; RC=$?; }

# These checks are about reading: every detection is switched off so that they do not depend on
# the detections' state.
CFG=$WORK/no-rules.yaml
{
    echo "rules:"
    "$BIN" rules list | awk 'NR > 1 && $2 ~ /^(info|low|medium|high|critical)$/ { print "  " $1 ":\n    enabled: false" }'
} >"$CFG"

# scan_sim DIR: scan a simulated folder; sets RC and writes $WORK/scan.json
scan_sim() {
    "$BIN" scan --format json --no-progress --config "$CFG" "$@" >"$WORK/scan.json" 2>"$WORK/scan.err"
    RC=$?
}

# Usage errors: exit 2, a message on stderr, nothing on stdout.
for args in "simulate" "simulate --out $WORK/u --scenario nope" "simulate --out $WORK/u --formats xml" \
    "simulate --out $WORK/u --users 3" "simulate --out $WORK/u --size 12Q" \
    "simulate --out $WORK/u --start 2026-02-30x" "simulate --out $WORK/u --frobnicate" \
    "simulate --out $WORK/u --activity lots" \
    "simulate --out $WORK/u extra"; do
    # shellcheck disable=SC2086
    run $args
    expect_eq "usage: $args" "$RC" 2
    expect_eq "usage stdout empty: $args" "$(wc -c <"$WORK/out")" 0
    expect_grep "usage message: $args" "$WORK/err" "^m365hunt: error: |unrecognized option"
done
mkdir -p "$WORK/full" && touch "$WORK/full/x"
run simulate --out "$WORK/full"
expect_eq "non-empty folder refused" "$RC" 2
expect_grep "non-empty folder message" "$WORK/err" "not empty"

run simulate --help
expect_eq "simulate --help" "$RC" 0
expect_grep "simulate --help text" "$WORK/out" "^Usage: m365hunt simulate --out DIR"
run simulate --list
expect_eq "simulate --list" "$RC" 0
SCENARIOS=$(awk '/^Scenarios:/ { f = 1; next } /^$/ { f = 0 } f { print $1 }' "$WORK/out")
expect_eq "scenarios listed" "$(echo "$SCENARIOS" | wc -l)" 8
run --help
expect_grep "main help lists simulate" "$WORK/out" "m365hunt simulate --out DIR"

# Every scenario alone, two seeds, two format choices.
for seed in 1 2; do
    for formats in mixed purview-csv,graph-json; do
        for sc in $SCENARIOS; do
            d=$WORK/s-$seed-${formats%%,*}-$sc
            run simulate -q --out "$d" --users 16 --days 3 --seed "$seed" --formats "$formats" \
                --scenario "$sc"
            expect_eq "simulate $sc seed $seed $formats" "$RC" 0
            scan_sim "$d"
            expect_eq "scan $sc seed $seed $formats" "$RC" 0
            expect_eq "no skipped record: $sc $seed $formats" "$(total skipped "$WORK/scan.json")" 0
            expect_eq "no duplicate: $sc $seed $formats" "$(total duplicates "$WORK/scan.json")" 0
            expect_eq "records read = records written: $sc $seed $formats" \
                "$(total records_read "$WORK/scan.json")" "$(jq .totals.records "$d/ground-truth.json")"
            expect_eq "only the ground truth and enrichment are not evidence: $sc $seed $formats" \
                "$(jq -r '[.evidence.files[] | select(.format == null) | .path | split("/") | last] | sort | join(" ")' "$WORK/scan.json")" \
                "city.mmdb ground-truth.json ip-ranges.txt"
            expect_eq "named as no evidence, not as unknown: $sc $seed $formats" \
                "$(jq -r '[.evidence.files[] | select(.format == null) | .error | startswith("not evidence: ")] | unique | join(" ")' "$WORK/scan.json")" \
                true
            expect_eq "steps of $sc are all observable ($seed $formats)" \
                "$(jq '[.attack_steps[] | select(.observable | not)] | length' "$d/ground-truth.json")" 0
            expect_eq "steps belong to $sc ($seed $formats)" \
                "$(jq --arg s "$sc" '[.attack_steps[] | select(.scenario != $s)] | length' "$d/ground-truth.json")" 0
            rm -rf "$d"
        done
    done
done

# All scenarios, gzip and snapshot: deterministic, and another seed differs.
run simulate -q --out "$WORK/a" --scenario all --gzip --snapshot --seed 9 --users 20 --days 5
expect_eq "all scenarios" "$RC" 0
run simulate -q --out "$WORK/b" --scenario all --gzip --snapshot --seed 9 --users 20 --days 5
if diff -r "$WORK/a" "$WORK/b" >/dev/null; then pass; else fail "same options, different output"; fi
run simulate -q --out "$WORK/c" --scenario all --gzip --snapshot --seed 10 --users 20 --days 5
if diff -rq "$WORK/a" "$WORK/c" >/dev/null; then fail "another seed, same output"; else pass; fi
# 64 people fill the first block of the user table exactly: Midnight Blizzard's new account
# then moved it, and the licence changes planned before pointed at freed ids (garbage bytes in
# the UAL's Target, different on every run). The table is pinned once the tenant is built.
run simulate -q --out "$WORK/p1" --scenario audit-disable-and-collect,midnight-blizzard \
    --formats ual-jsonl --seed 222 --users 64 --days 5
expect_eq "64 people" "$RC" 0
run simulate -q --out "$WORK/p2" --scenario audit-disable-and-collect,midnight-blizzard \
    --formats ual-jsonl --seed 222 --users 64 --days 5
if diff -r "$WORK/p1" "$WORK/p2" >/dev/null; then pass; else fail "64 people: different output"; fi
expect_eq "64 people: the licence changes' targets are ids" \
    "$(cat "$WORK"/p1/ual/Audit.AzureActiveDirectory_*.jsonl | jq -r 'select(.Operation == "Change user license.") | .Target[0].ID' | grep -cv '^User_[0-9a-f-]\{36\}$')" 0
rm -rf "$WORK/p1" "$WORK/p2"
expect_eq "snapshot files" "$(ls "$WORK/a/snapshot" | wc -l)" 6
expect_eq "attack steps" "$(jq '.attack_steps | length' "$WORK/a/ground-truth.json")" 39
expect_eq "near misses present" "$(jq '[.near_misses[] | select(.records > 0)] | length > 10' "$WORK/a/ground-truth.json")" true

# The ground truth's evidence is in the records, with the same times.
scan_sim --events "$WORK/ev.jsonl" "$WORK/a"
expect_eq "scan all" "$RC" 0
expect_eq "all: no skipped record" "$(total skipped "$WORK/scan.json")" 0
jq -r '[.evidence.file, (.evidence.record_id // ""), .time] | @tsv' "$WORK/ev.jsonl" |
    sed "s#^$WORK/a/##" | sort >"$WORK/ev.tsv"
jq -r '(.attack_steps[], .near_misses[]) | .evidence[] | [.file, .record_id, .time] | @tsv' \
    "$WORK/a/ground-truth.json" | sort -u >"$WORK/gt.tsv"
expect_eq "ground-truth evidence found in the events" "$(comm -23 "$WORK/gt.tsv" "$WORK/ev.tsv" | wc -l)" 0
expect_eq "ground-truth evidence not empty" "$(($(wc -l <"$WORK/gt.tsv") > 100))" 1
expect_eq "step times are their first record's" \
    "$(jq '[.attack_steps[] | select(.kind == "records" and .first != .evidence[0].time)] | length' "$WORK/a/ground-truth.json")" 0

# --size keeps adding days until the evidence is that large.
run simulate -q --out "$WORK/size" --size 3M --days 2 --users 16 --formats ual-json
expect_eq "--size" "$RC" 0
expect_eq "--size reached" "$(jq '.totals.bytes >= 3145728' "$WORK/size/ground-truth.json")" true
expect_eq "--size added days" "$(jq '.tenant.generated.days > 2' "$WORK/size/ground-truth.json")" true
# The Graph activity log goes on after the mailboxes fall silent: seed 1 draws the collection
# through Graph. Its requests are read, and the unauditable window's reads are counted from it.
run simulate -q --out "$WORK/graph" --scenario audit-disable-and-collect --formats la-json \
    --seed 1 --users 20 --days 6
expect_eq "simulate the Graph collection" "$RC" 0
expect_eq "the Graph collection step" \
    "$(jq -r '.attack_steps[] | select(.id == "audit-disable-and-collect-04") | .title' "$WORK/graph/ground-truth.json")" \
    "Graph collection from the mailboxes"
expect_eq "graph-activity written" \
    "$(jq -c '[.streams[] | select(.name == "graph-activity") | .written]' "$WORK/graph/ground-truth.json")" '[true]'
"$BIN" scan --format json --no-progress "$WORK/graph" >"$WORK/graph.json" 2>"$WORK/graph.err"
expect_eq "scan the Graph collection" "$?" 0
expect_eq "Graph collection: no skipped record" "$(total skipped "$WORK/graph.json")" 0
expect_eq "Graph requests read" \
    "$(jq '[.evidence.files[] | select(.path | test("MicrosoftGraphActivityLogs")) | .parsed] | add > 100' "$WORK/graph.json")" true
expect_eq "reads in the unauditable window counted from the Graph activity log" \
    "$(jq '[.findings[] | select(.rule == "mailbox-access-after-audit-disabled") | .details.graph_reads] | max > 0' "$WORK/graph.json")" true

# An E3 mailbox upgraded to E5 logs MailItemsAccessed from the upgrade on, whichever part of
# the day the simulator writes first (seed 4: the licence-changes near miss is an upgrade).
run simulate -q --out "$WORK/up" --seed 4 --users 30 --days 5 --formats ual-jsonl
expect_eq "simulate the upgrade" "$RC" 0
cat "$WORK"/up/ual/*.jsonl >"$WORK/up.jsonl"
up=$(jq -r 'select(.Operation == "Change user license." and
        ([.ModifiedProperties[] | select(.Name == "AssignedLicense") | .OldValue] | tostring |
         test("SPE_E3"))) | [.CreationTime, (.Target[] | select(.ID | test("@")) | .ID)] | @tsv' \
    "$WORK/up.jsonl")
expect_eq "one upgrade" "$(echo "$up" | grep -c .)" 1
read -r up_at up_user <<<"$up"
expect_eq "the upgraded mailbox logs nothing before the upgrade" \
    "$(jq -r --arg u "$up_user" --arg t "$up_at" 'select(.Operation == "MailItemsAccessed" and
        (.MailboxOwnerUPN | ascii_downcase) == ($u | ascii_downcase) and .CreationTime < $t)' \
        "$WORK/up.jsonl" | grep -c .)" 0
# The owner's own reads in the 12 hours after it: none when the user's day was written before
# the change, still E3.
expect_eq "the upgraded mailbox logs its owner's reads the same day" \
    "$(jq -r --arg u "$up_user" --arg t "$up_at" 'select(.Operation == "MailItemsAccessed" and
        (.MailboxOwnerUPN | ascii_downcase) == ($u | ascii_downcase) and
        (.UserId | ascii_downcase) == ($u | ascii_downcase) and .CreationTime > $t and
        ((.CreationTime + "Z" | fromdate) - ($t + "Z" | fromdate)) < 43200)' "$WORK/up.jsonl" |
        grep -c . | awk '{ print ($1 > 5) }')" 1
rm -rf "$WORK/up" "$WORK/up.jsonl"

expect_eq "--formats ual-json: the streams it cannot hold are named" \
    "$(jq -c '[.streams[] | select(.written | not) | .name]' "$WORK/size/ground-truth.json")" \
    '["signin-noninteractive","signin-service-principal","graph-activity"]'

finish
