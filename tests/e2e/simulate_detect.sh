#!/usr/bin/env bash
# Recall and precision on simulated tenants: every scenario, several seeds and format choices.
# Recall: attack steps whose rules raised a finding citing the step's records. Precision:
# findings above low that the attack explains (the near misses in the background must stay
# quiet). Exposure: the incidents name no mailbox the attack never touched, and the mailboxes it
# read. Scoring: tests/tools/sim_score.py; floors and method: docs/simulate.md.
source "$(dirname "$0")/common.bash" "$@"
RECALL_FLOOR=0.98   # aggregate; each run must reach 0.94
PRECISION_FLOOR=1.0 # every run: a false alarm above low is a bug

steps=0
found=0
alarms=0
true_alarms=0
read_boxes=0
named_boxes=0
run_case() { # seed formats [anonymised]; USERS (default 40)
    local d=$WORK/s$1-${2//,/_}${3:-}
    "$BIN" simulate --out "$d" --users "${USERS:-40}" --days 10 --seed "$1" --formats "$2" \
        --scenario all -q
    expect_eq "simulate seed $1 $2" $? 0
    if [ -n "${3:-}" ]; then
        expect_eq "session and token ids anonymised" \
            "$(python3 "$SRC/tests/tools/anonymise_ids.py" "$d" | awk '{ print ($1 > 1000) }')" 1
    fi
    local dirs=()
    for x in "$d"/*/; do
        [ "$(basename "$x")" = enrichment ] || dirs+=("$x")
    done
    "$BIN" scan --no-progress --format json --ip-ranges "$d/enrichment/ip-ranges.txt" \
        --geo-db "$d/enrichment/city.mmdb" "${dirs[@]}" \
        >"$d.json" 2>"$d.err"
    expect_eq "scan seed $1 $2" $? 0
    python3 "$SRC/tests/tools/sim_score.py" "$d/ground-truth.json" "$d.json" >"$d.score"
    sed "s/^/  seed $1 $2${3:-}: /" "$d.score"
    local r p
    r=$(sed -n 's/^recall \([0-9]*\)\/\([0-9]*\) .*/\1 \2/p' "$d.score")
    p=$(sed -n 's/^precision \([0-9]*\)\/\([0-9]*\) .*/\1 \2/p' "$d.score")
    set -- $r $p
    found=$((found + $1))
    steps=$((steps + $2))
    true_alarms=$((true_alarms + $3))
    alarms=$((alarms + $4))
    expect_eq "recall of one run at least 0.94" "$(awk -v a="$1" -v b="$2" 'BEGIN { print (b == 0 || a / b >= 0.94) ? "ok" : a "/" b }')" ok
    expect_eq "no false alarm above low" "$3" "$4"
    local e
    e=$(sed -n 's/^exposure \([0-9]*\)\/\([0-9]*\) read mailboxes named, \([0-9]*\) wrong$/\1 \2 \3/p' "$d.score")
    set -- $e
    named_boxes=$((named_boxes + $1))
    read_boxes=$((read_boxes + $2))
    expect_eq "exposure names no mailbox the attack never touched" "$3" 0
}

for seed in 1 2 3; do
    run_case "$seed" mixed
done
# Seeds a sweep found misses in: 23, a dormant account taken over in a country a colleague had
# travelled to; 38, an admin's session hijacked from a VPS on the first day of a late export.
run_case 23 mixed
run_case 38 mixed
run_case 11 la-json,la-csv
run_case 12 graph-json,azmon-pt1h,purview-new
run_case 13 ual-jsonl,graph-json
# The same evidence shared anonymised: every session and token id one placeholder
# (docs/robustness.md). The placeholders tie nothing together, so every step found before is
# found (before they did, a forged token's reads passed for ones every sign-in issued) and
# nothing benign is reported.
run_case 13 ual-jsonl,graph-json -anonymised
expect_eq "anonymised ids: the same steps missed" \
    "$(grep -h '^MISSED' "$WORK/s13-ual-jsonl_graph-json-anonymised.score")" \
    "$(grep -h '^MISSED' "$WORK/s13-ual-jsonl_graph-json.score")"
# The Unified Audit Log alone (a Management Activity API pull): every sign-in placed by --geo-db.
run_case 14 ual-jsonl
# A tenant of 70: an IT hire onboarded with a role and the support mailbox, and a leaver
# offboarded (disabled, mailbox handed to the manager, every licence removed, the manager's first
# read logged after). The leaver's licence removal is reported, at low, as an offboarding. (The
# seed is one where another admin than the hijacked one offboards: findings are per actor, and
# the hijacked admin's would be critical with the leaver in it.)
USERS=70 run_case 18 mixed
expect_eq "the 70-user tenant has a leaver" \
    "$(jq '[.near_misses[] | select(.id == "leaver-offboarding")] | length' \
        "$WORK/s18-mixed/ground-truth.json")" 1
leaver=$(jq -r '.near_misses[] | select(.id == "leaver-offboarding") | .entities.mailboxes[0]' \
    "$WORK/s18-mixed/ground-truth.json")
expect_eq "the leaver's licence removal: low, an offboarding" \
    "$(jq -r --arg m "$leaver" '[.findings[] | select(.rule == "advanced-audit-disabled" and
        (.entities.mailboxes | index($m)))] | map(.severity + " " + (.details.offboarding |
        tostring)) | join(",")' "$WORK/s18-mixed.json")" "low true"

echo "recall $found/$steps = $(awk -v a=$found -v b=$steps 'BEGIN { printf "%.3f", a / b }')"
echo "exposure $named_boxes/$read_boxes mailboxes the attack read, named"
expect_eq "exposure names every mailbox the attack read" "$named_boxes" "$read_boxes"
echo "precision $true_alarms/$alarms = $(awk -v a=$true_alarms -v b=$alarms 'BEGIN { printf "%.3f", b ? a / b : 1 }') (findings above low)"
expect_eq "aggregate recall at least $RECALL_FLOOR" \
    "$(awk -v a=$found -v b=$steps -v f=$RECALL_FLOOR 'BEGIN { print (a / b >= f) ? "ok" : "low" }')" ok
expect_eq "aggregate precision at least $PRECISION_FLOOR" \
    "$(awk -v a=$true_alarms -v b=$alarms -v f=$PRECISION_FLOOR 'BEGIN { print (b == 0 || a / b >= f) ? "ok" : "low" }')" ok
finish
