#!/usr/bin/env bash
# CLI contract: exit codes, streams, --events, stdin, and golden outputs on the demo tenant.
# Set M365_UPDATE_GOLDEN=1 to rewrite the golden files (then review the diff).
source "$(dirname "$0")/common.bash" "$@"
cd "$SRC" || exit 1
DEMO=examples/contoso-demo
G=tests/golden

run() { "$BIN" "$@" >"$WORK/out" 2>"$WORK/err"; RC=$?; }

# Usage errors: exit 2, message on stderr, nothing on stdout.
for args in "scan" "scan --format xml $DEMO" "scan --input-format nope $DEMO" "scan --fail-on severe $DEMO" \
    "scan --max-skip-ratio 2 $DEMO" "scan --max-record-size 12Q $DEMO" "scan --color sometimes $DEMO" \
    "scan --no-such-option $DEMO" "scan --spill sometimes $DEMO" "scan --spill-resident 1K $DEMO" \
    "frobnicate"; do
    # shellcheck disable=SC2086
    run $args
    expect_eq "usage: $args" "$RC" 2
    expect_eq "usage stdout empty: $args" "$(wc -c <"$WORK/out")" 0
    expect_grep "usage message: $args" "$WORK/err" "^m365hunt: error: |unrecognized option|Try 'm365hunt --help'"
done

# Help and version go to stdout with exit 0.
run --help
expect_eq "help exit" "$RC" 0
expect_grep "help teaches the example" "$WORK/out" "m365hunt scan examples/contoso-demo/"
expect_grep "help lists exit codes" "$WORK/out" "Exit codes: 0 scan completed"
run version
expect_grep "version" "$WORK/out" "^m365hunt [0-9]+\.[0-9]+\.[0-9]+ \(finding schema [0-9]+\)$"
run formats
expect_eq "formats listed" "$(grep -cE '^(ual-json|purview-csv|graph-json|la-json|la-csv|azmon-json|graph-audit-json|ual-search-json|entra-csv|defender-json) ' "$WORK/out")" 10

# A clean scan: exit 0; --fail-on with nothing at that level stays 0.
run scan --no-progress "$DEMO"
expect_eq "demo exit" "$RC" 0
expect_eq "demo stderr quiet" "$(wc -c <"$WORK/err")" 0

# --events: one JSON object per line, one line per event, time-ordered.
run scan --no-progress --format json --events "$WORK/ev.jsonl" "$DEMO"
expect_eq "events count" "$(wc -l <"$WORK/ev.jsonl")" "$(jq '.evidence.totals.events' "$WORK/out")"
expect_eq "events are JSON" "$(jq -c . "$WORK/ev.jsonl" | wc -l)" "$(wc -l <"$WORK/ev.jsonl")"
expect_eq "no temporary file left" "$(ls "$WORK" | grep -c '\.tmp\.')" 0
run scan --no-progress --events /nonexistent-dir/ev.jsonl "$DEMO"
expect_eq "unwritable --events" "$RC" 2

# Standard input.
run scan --no-progress --format json - <"$DEMO/ual/audit-2026-03-04.jsonl"
expect_eq "stdin parsed" "$(jq '.evidence.totals.parsed' "$WORK/out")" 18
expect_eq "stdin path" "$(jq -r '.evidence.files[0].path' "$WORK/out")" "-"
zcat "$DEMO/ual/audit-2026-03-05.jsonl.gz" | gzip | "$BIN" scan --no-progress --format json - >"$WORK/out" 2>"$WORK/err"
expect_eq "gzip stdin parsed" "$(jq '.evidence.totals.parsed' "$WORK/out")" 24

# Skips: --max-skip-ratio and --strict give exit 4; the report is still printed.
mkdir -p "$WORK/skips"
cp "$DEMO/ual/audit-2026-03-04.jsonl" "$WORK/skips/"
echo '{"CreationTime":"not a time","Operation":"X"}' >>"$WORK/skips/audit-2026-03-04.jsonl"
run scan --no-progress "$WORK/skips"
expect_eq "one skip under the default ratio" "$RC" 0
run scan --no-progress --strict "$WORK/skips"
expect_eq "--strict" "$RC" 4
expect_grep "--strict report printed" "$WORK/out" "records read 19 = parsed 18 \+ skipped 1 \+ duplicates 0"
run scan --no-progress --max-skip-ratio 0.01 "$WORK/skips"
expect_eq "--max-skip-ratio" "$RC" 4
run scan --no-progress --max-skip-ratio 0.1 "$WORK/skips"
expect_eq "--max-skip-ratio not exceeded" "$RC" 0

# --format jsonl: one finding per line (none are registered yet for this evidence: empty).
run scan --no-progress --format jsonl "$DEMO"
expect_eq "jsonl lines are JSON" "$(jq -c . "$WORK/out" | wc -l)" "$(wc -l <"$WORK/out")"

# No colour and no progress when not on a terminal; --color always forces colour.
run scan "$DEMO"
expect_eq "no escape sequences off-terminal" "$(grep -c $'\033' "$WORK/out" "$WORK/err" | awk -F: '{s+=$2} END {print s}')" 0
run scan --color always "$DEMO"
expect_grep "--color always" "$WORK/out" $'\033\\[1m'

# The text summary fits an 80-column terminal.
"$BIN" scan --no-progress "$DEMO" >"$WORK/summary.txt"
expect_eq "summary lines fit 80 columns" "$(awk 'length > 80' "$WORK/summary.txt" | wc -l)" 0
"$BIN" coverage --no-progress "$DEMO" >"$WORK/coverage.txt"
expect_eq "coverage lines fit 80 columns" "$(awk 'length > 80' "$WORK/coverage.txt" | wc -l)" 0
# ... with no address cut to fit: "…onmicrosoft.co" reads as another domain.
expect_grep "a long mailbox read, whole on its own line" "$WORK/summary.txt" \
    '^      marcus\.oyelaran@contosodemo\.onmicrosoft\.com$'
expect_grep "its counts on the next" "$WORK/summary.txt" '^ +34 items  03-06 16:11 \.\. 03-10 13:46$'
expect_grep "coverage names the whole mailbox" "$WORK/summary.txt" \
    '^    priya\.raman@contosodemo\.onmicrosoft\.com audit off from 2026-03-06 15:52$'
expect_grep "busiest users whole" "$WORK/summary.txt" \
    '^  lucia\.fernandez@contosodemo\.onmicrosoft\.com +35$'
expect_grep "the whole column in the full coverage" "$WORK/coverage.txt" \
    '^    svc-m365sync@contosodemo\.onmicrosoft\.com no MailItemsAccessed records$'
expect_eq "no name in the summary ends cut" \
    "$(grep -cE 'onmicrosoft\.(c|co|o|on|onm)?( |$)|contosodemo\.o?n?[a-z]*( |$)' "$WORK/summary.txt")" 0

# Golden outputs (paths relative to the source tree, so stable).
golden() { # name file
    if [ "${M365_UPDATE_GOLDEN:-}" = 1 ]; then
        cp "$2" "$G/$1"
        pass
    elif diff -u "$G/$1" "$2" >"$WORK/$1.diff"; then
        pass
    else
        fail "golden $1 differs:"
        head -40 "$WORK/$1.diff" >&2
    fi
}
"$BIN" scan --no-progress --format json "$DEMO" >"$WORK/demo.json"
golden demo.scan.json "$WORK/demo.json"
"$BIN" scan --no-progress "$DEMO" | sed -E 's/, [0-9.]+ s$/, N s/' >"$WORK/demo.txt"
golden demo.scan.txt "$WORK/demo.txt"
"$BIN" scan --no-progress --events "$WORK/demo.events.jsonl" "$DEMO" >/dev/null
golden demo.events.jsonl "$WORK/demo.events.jsonl"

# A rule that ran but had nothing to judge part of its work on says so: the Purview export's
# sign-ins carry no location, so anomalous-signin-location judged only bursts ("in_part"); it
# holds no non-interactive sign-ins, so token-without-signin could check nothing and says how
# much. With Entra's sign-in logs beside them, locations are judged whole and only the gaps of
# the sign-in exports are counted.
"$BIN" scan --no-progress --format json "$DEMO/purview" >"$WORK/purview.json" 2>/dev/null
expect_eq "UAL sign-ins only: locations evaluated in part" \
    "$(jq -c '[.not_evaluated[] | select(.rule == "anomalous-signin-location") | .in_part]' "$WORK/purview.json")" '[true]'
expect_eq "UAL sign-ins only: the reason names what was not judged" \
    "$(jq -r '.not_evaluated[] | select(.rule == "anomalous-signin-location") | .reason | test("new countries and impossible travel were not judged")' "$WORK/purview.json")" true
expect_eq "UAL only: token-without-signin evaluated in part, nothing checkable" \
    "$(jq -r '.not_evaluated[] | select(.rule == "token-without-signin" and .in_part) | .reason | test("^no non-interactive sign-in logs .* so none of the 49 records of 8 users that no token id, session or application sign-in explained could be checked; no user.s records came from a cloud or hosting address")' "$WORK/purview.json")" true
expect_eq "other entries carry no in_part" \
    "$(jq -c '[.not_evaluated[] | select(.rule != "anomalous-signin-location" and .rule != "token-without-signin") | has("in_part")] | unique' "$WORK/purview.json")" '[false]'
# rare-app-mail-access takes every application of its baseline as normal: it says when that was
# and names the third-party ones. The demo's collection app began reading inside it.
expect_eq "rare-app-mail-access: its baseline stated, the collection app named" \
    "$(jq -r '.not_evaluated[] | select(.rule == "rare-app-mail-access" and .in_part) | .reason | test("^applications reading mail in the baseline, 2026-03-01T02:00 to 2026-03-08T02:00 .*b7e4a0d2-6c19-4f8a-93d5-1e2f6a8c0b47")' "$WORK/demo.json")" true
# token-without-signin counts what it could not check: tom's read from a hotel on 03-08 falls
# after the non-interactive export ends.
"$BIN" scan --no-progress --format json tests/detections/token-without-signin/neg_ual_outside_noninteractive_coverage \
    >"$WORK/outside.json" 2>/dev/null
expect_eq "token-without-signin: records outside coverage counted in part" \
    "$(jq -c '[.not_evaluated[] | select(.rule == "token-without-signin") | [.in_part, (.reason | test("^1 record of 1 user that no token id"))]]' "$WORK/outside.json")" '[[true,true]]'
expect_eq "whole evidence: token-without-signin checked, only the gaps counted" \
    "$(jq -r '.not_evaluated[] | select(.rule == "token-without-signin") | .reason | startswith("113 records of 8 users")' "$WORK/demo.json")" true
expect_eq "located sign-ins: evaluated whole" \
    "$(jq -c '[.not_evaluated[] | select(.rule == "anomalous-signin-location")]' "$WORK/demo.json")" '[]'
"$BIN" scan --no-progress "$DEMO/purview" >"$WORK/purview.txt" 2>/dev/null
expect_grep "text: its own heading" "$WORK/purview.txt" '^  Rules evaluated in part \(2\):$'
expect_grep "text: the rule under it" "$WORK/purview.txt" '^    anomalous-signin-location: none of the [0-9]+ sign-ins with'


# A finding on a record without a time (kept, not placed on the timeline): the incident says
# its time was not recorded instead of printing a span of dashes.
mkdir -p "$WORK/undated"
{ printf '%s\n' '{"CreationTime":"2026-03-02T10:00:00","Id":"11111111-1111-1111-1111-111111111111","Operation":"UserLoggedIn","RecordType":15,"ResultStatus":"Success","UserId":"alice@contoso.onmicrosoft.com","UserType":0,"Workload":"AzureActiveDirectory","ClientIP":"203.0.113.10"}'
  printf '%s\n' '{"Id":"5b2c1f0e-8d4a-4c3e-9f21-0a7b6c5d4e31","Operation":"Set-InboxRule","RecordType":1,"ResultStatus":"True","UserType":2,"Workload":"Exchange","ClientIP":"185.73.124.135:19823","UserId":"alice@contoso.onmicrosoft.com","AppId":"00000002-0000-0ff1-ce00-000000000000","Parameters":[{"Name":"Identity","Value":"f"},{"Name":"ForwardTo","Value":"drop@protonmail.com"}]}'
} >"$WORK/undated/audit.jsonl"
"$BIN" scan --no-progress "$WORK/undated" >"$WORK/undated.txt" 2>/dev/null
expect_grep "undated incident: time not recorded" "$WORK/undated.txt" '^  #1 [a-z]+  time not recorded  1 finding$'

# Two tenants' evidence in one scan: every tenant listed with its records, and a warning that
# the rules read them as one; one tenant's alone: listed, no warning.
"$BIN" simulate --out "$WORK/tenant-a" --users 20 --days 3 --seed 61 --formats ual-jsonl -q
"$BIN" simulate --out "$WORK/tenant-b" --users 16 --days 3 --seed 62 --formats ual-jsonl -q
scan_json "$WORK/two.json" "$WORK/two.err" "$WORK/tenant-a/ual" "$WORK/tenant-b/ual"
a=$(jq -r '.tenant.tenant_id' "$WORK/tenant-a/ground-truth.json")
b=$(jq -r '.tenant.tenant_id' "$WORK/tenant-b/ground-truth.json")
expect_eq "two tenants: both listed, most records first" \
    "$(jq -c '[.evidence.tenants[].tenant_id]' "$WORK/two.json")" "[\"$a\",\"$b\"]"
expect_eq "two tenants: the investigated one is the one most records carry" \
    "$(jq -r .tenant_id "$WORK/two.json")" "$a"
expect_grep "two tenants: warned" "$WORK/two.err" \
    "warning: --tenant-id: the evidence holds the records of 2 tenants: $a \\([0-9]+ records, the investigated tenant\\) and $b \\([0-9]+ records\\)\\. The rules read them as one tenant"
"$BIN" scan --no-progress --format json --tenant-id "$b" "$WORK/tenant-a/ual" "$WORK/tenant-b/ual" \
    >/dev/null 2>"$WORK/two-b.err"
expect_grep "two tenants, --tenant-id: the one given is the investigated one" "$WORK/two-b.err" \
    "$b \\([0-9]+ records, the investigated tenant\\)"
"$BIN" scan --no-progress "$WORK/tenant-a/ual" "$WORK/tenant-b/ual" >"$WORK/two.txt" 2>/dev/null
expect_grep "two tenants: the text report's evidence names them" "$WORK/two.txt" \
    "^  records of 2 tenants: $a \\([0-9]+ records, investigated\\), $b \\([0-9]+ records\\)$"
"$BIN" scan --no-progress --out "$WORK/two-out" "$WORK/tenant-a/ual" "$WORK/tenant-b/ual" \
    >/dev/null 2>&1
expect_grep "two tenants: the HTML report names them" "$WORK/two-out/report.html" \
    "<dt>records of several tenants</dt><dd><code>$a</code> \\([0-9]+ records\\), <code>$b</code>"
scan_json "$WORK/one.json" "$WORK/one.err" "$WORK/tenant-a/ual"
expect_eq "one tenant: listed with all its records" \
    "$(jq -c '[.evidence.tenants[] | [.tenant_id, .records == $n]]' --argjson n "$(jq .evidence.totals.events "$WORK/one.json")" "$WORK/one.json")" "[[\"$a\",true]]"
expect_eq "one tenant: no warning" "$(grep -c 'tenants:' "$WORK/one.err")" 0
"$BIN" scan --no-progress "$WORK/tenant-a/ual" >"$WORK/one.txt" 2>/dev/null
expect_eq "one tenant: no tenants line" "$(grep -c 'records of .* tenants' "$WORK/one.txt")" 0
# Placeholder token and session ids: token-without-signin says what it could not check.
C=tests/detections/token-without-signin/pos_ual_graph_redacted_tokens_explain_nothing
scan_json "$WORK/redacted.json" "$WORK/redacted.err" "$C/signins-interactive.json" \
    "$C/signins-noninteractive.json" "$C/audit-2026-03-06.jsonl"
expect_eq "placeholder ids: token-without-signin evaluated in part, and why" \
    "$(jq -c '[.not_evaluated[] | select(.rule == "token-without-signin") | [.in_part, (.reason | startswith("3 of the 3 mailbox or workload records carry a placeholder token or session id"))]]' "$WORK/redacted.json")" \
    '[[true,true]]'
expect_eq "real ids: no placeholder note" \
    "$(jq '[.not_evaluated[] | select(.reason | test("placeholder"))] | length' "$WORK/one.json")" 0
# A Log Analytics AuditLogs export whose query kept TenantId (the workspace's id) but not
# AADTenantId: the workspace is no tenant.
mkdir -p "$WORK/la-projected"
jq -c 'del(.AADTenantId)' "$DEMO/sentinel/AuditLogs.json" >"$WORK/la-projected/AuditLogs.json"
scan_json "$WORK/la-projected.json" "$WORK/la-projected.err" --events "$WORK/la-projected.ev" \
    "$WORK/la-projected"
# The same for OfficeActivity without OrganizationId: the tenant is OfficeTenantId.
mkdir -p "$WORK/oa-projected"
jq -c 'del(.OrganizationId, .OrganizationId_)' \
    tests/detections/token-without-signin/neg_la_owa_outlook_matching_signin/OfficeActivity.json \
    >"$WORK/oa-projected/OfficeActivity.json"
scan_json "$WORK/oa-projected.json" "$WORK/oa-projected.err" "$WORK/oa-projected"
expect_eq "OfficeActivity: OfficeTenantId, not the workspace id" \
    "$(jq -c '[.evidence.tenants[].tenant_id]' "$WORK/oa-projected.json")" \
    '["6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14"]'
expect_eq "workspace id: not a tenant" \
    "$(jq -c '.evidence.tenants' "$WORK/la-projected.json"),$(jq -r 'select(.tenant_id != null) | .tenant_id' "$WORK/la-projected.ev" | sort -u | wc -l)" "[],0"
finish
