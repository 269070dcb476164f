#!/usr/bin/env bash
# A tenant snapshot in scan (docs/snapshot.md, "Snapshot in scan"): snapshot files mixed with logs
# in one evidence folder are read by the snapshot reader, counted in the evidence accounting with
# their kind as the format, summarised, and their posture findings reported (never in incidents);
# the log findings stay what they are without the snapshot (the two tenants share no account or
# application); bad snapshot input is reported with file and line and never stops the scan.
source "$(dirname "$0")/common.bash" "$@"
SNAP=$SRC/tests/snapshot
CONF=$SNAP/contoso-posture.yaml

MIX=$WORK/evidence
mkdir -p "$MIX"
cp -r "$SRC/examples/contoso-demo" "$MIX/logs"
cp -r "$SNAP/contoso" "$MIX/tenant-export"

scan_json "$WORK/mix.json" "$WORK/mix.err" --config "$CONF" "$MIX"
expect_eq "mixed exit" "$RC" 0
expect_eq "mixed: no problems" "$(wc -l <"$WORK/mix.err")" 0
J=$WORK/mix.json
"$BIN" audit --format json --config "$CONF" "$SNAP/contoso" >"$WORK/audit-alone.json"
A=$WORK/audit-alone.json
# Per-file accounting: the snapshot files carry their kind (as the audit names it), objects as
# records; records read = parsed + skipped + duplicates
expect_eq "snapshot files" \
    "$(jq -c '[.evidence.files[] | select(.path | contains("tenant-export")) | [(.path | split("/") | last), .format, .records_read, .skipped, .error]]' "$J")" \
    "$(jq -c '[.snapshot.files[] | [(.path | split("/") | last), .kind, .records, .skipped, .error]]' "$A")"
expect_eq "snapshot files read" "$(jq '[.evidence.files[] | select(.path | contains("tenant-export")) | select(.format == null or .records_read == 0)] | length' "$J")" 0
expect_eq "identity per file" "$(jq '[.evidence.files[] | select(.records_read != .parsed + .skipped + .duplicates)] | length' "$J")" 0
expect_eq "identity in total" "$(jq '.evidence.totals | .records_read == .parsed + .skipped + .duplicates' "$J")" true
expect_eq "snapshot kinds as formats" "$(jq -c '[.evidence.formats[] | select(.events == 0) | .name] | sort' "$J")" \
    "$(jq -c '[.snapshot.files[] | .kind] | unique' "$A")"
# The summary: which snapshot objects were loaded (the audit's counts), its time
expect_eq "snapshot summary" "$(jq -c '.snapshot' "$J")" \
    "$(jq -c '.snapshot | del(.files, .home_tenant) | {as_of: "2026-03-10T06:00:00.000Z"} + .' "$A")"
expect_eq "snapshot summary users" "$(jq -c '.snapshot | [.users, .registrations, .mailboxes]' "$J")" '[11,11,9]'
# The home tenant is the logs' (the snapshot is another tenant's export here)
expect_eq "home tenant from the logs" "$(jq -r .tenant_id "$J")" 6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14

# Posture findings: the same as m365hunt audit gives for the scan's home tenant (here the logs',
# another tenant than the snapshot's: its own applications look foreign), with their posture
# rule ids, after the log findings, in no incident
"$BIN" audit --format json --config "$CONF" --tenant-id "$(jq -r .tenant_id "$J")" "$SNAP/contoso" >"$WORK/audit.json"
expect_eq "posture findings = audit" \
    "$(jq -c '[.findings[] | select(.rule | startswith("posture-")) | {rule, severity, summary, entities}]' "$J")" \
    "$(jq -c '[.findings[] | {rule, severity, summary, entities}]' "$WORK/audit.json")"
expect_eq "posture rules present" "$(jq -c '[.findings[] | .rule | select(startswith("posture-"))] | unique | length > 4' "$J")" true
expect_eq "posture after log findings" \
    "$(jq '[.findings | to_entries[] | select(.value.rule | startswith("posture-")) | .key] as $p
           | [.findings | to_entries[] | select(.value.rule | startswith("posture-") | not) | .key] as $l
           | ($p | min) > ($l | max)' "$J")" true
expect_eq "posture in no incident" "$(jq '[.findings[] | select(.rule | startswith("posture-")) | select(.incident != null)] | length' "$J")" 0
npost=$(jq '[.findings[] | select(.rule | startswith("posture-"))] | length' "$J")
nlog=$(jq '[.findings[] | select(.rule | startswith("posture-") | not)] | length' "$J")
expect_eq "incidents index log findings only" "$(jq --argjson n "$nlog" '[.incidents[].findings[] | select(. >= $n)] | length' "$J")" 0
# The log findings are those of the logs alone
scan_json "$WORK/logs.json" "$WORK/logs.err" "$SRC/examples/contoso-demo"
expect_eq "log findings unchanged" \
    "$(jq -c '[.findings[] | select(.rule | startswith("posture-") | not) | {rule, severity, summary, incident}]' "$J")" \
    "$(jq -c '[.findings[] | {rule, severity, summary, incident}]' "$WORK/logs.json")"
expect_eq "incidents unchanged" "$(jq -c '[.incidents[] | {severity, findings}]' "$J")" \
    "$(jq -c '[.incidents[] | {severity, findings}]' "$WORK/logs.json")"
expect_eq "no snapshot: null" "$(jq -c .snapshot "$WORK/logs.json")" null
# Alone, the snapshot's own home tenant (the owner of most non-Microsoft apps) is the scan's
scan_json "$WORK/alone.json" "$WORK/alone.err" --config "$CONF" "$SNAP/contoso"
expect_eq "snapshot alone: home tenant" "$(jq -r .tenant_id "$WORK/alone.json")" "$(jq -r .snapshot.home_tenant "$WORK/audit-alone.json")"
expect_eq "snapshot alone: posture = audit" \
    "$(jq -c '[.findings[] | {rule, severity, summary}]' "$WORK/alone.json")" \
    "$(jq -c '[.findings[] | {rule, severity, summary}]' "$WORK/audit-alone.json")"
# Coverage: the snapshot's mailboxes that cannot log reads ("you can't audit me")
expect_eq "not auditable" "$(jq -c '[.coverage.mailboxes[] | select(.not_auditable) | [.mailbox, .not_auditable]]' "$J")" \
    '[["adm-legacy@contoso.com","no Audit (Premium) licence"],["bob.baker@contoso.com","audit bypass"],["carol.chen@contoso.com","Audit (Premium) plan disabled"],["dave.diaz@contoso.com","mailbox auditing off"],["finance@contoso.com","no Audit (Premium) licence"],["nigel.never@contoso.com","no Audit (Premium) licence"],["nina.new@contoso.com","no Audit (Premium) licence"],["svc-backup","audit bypass"]]'
expect_eq "not auditable count" "$(jq .coverage.mailboxes_not_auditable "$J")" 8
# The posture rule lists the same accounts
expect_eq "coverage agrees with posture-no-advanced-audit" \
    "$(jq -c '[.coverage.mailboxes[] | select(.not_auditable) | .mailbox] | sort' "$J")" \
    "$(jq -c '[.findings[] | select(.rule == "posture-no-advanced-audit") | .entities.users[]] | unique' "$J")"

# jsonl: posture findings too; --fail-on counts them
"$BIN" scan --format jsonl --no-progress --config "$CONF" "$MIX" >"$WORK/mix.jsonl" 2>/dev/null
expect_eq "jsonl posture" "$(jq -s '[.[] | select(.rule | startswith("posture-"))] | length' "$WORK/mix.jsonl")" "$npost"
"$BIN" scan -q --fail-on medium --no-progress "$SNAP/contoso" >/dev/null 2>&1
expect_eq "fail-on counts posture findings" $? 1

# Text: the TENANT SNAPSHOT section, the kinds in the evidence table, the identity line
"$BIN" scan --no-progress --color never --config "$CONF" "$MIX" >"$WORK/mix.txt" 2>/dev/null
expect_grep "text: snapshot section" "$WORK/mix.txt" '^TENANT SNAPSHOT \(as of 2026-03-10 06:00\)$'
expect_grep "text: snapshot counts" "$WORK/mix.txt" '^  users 11, userRegistrationDetails 11, mailboxes 9, servicePrincipals [0-9]+,$'
expect_grep "text: kind rows" "$WORK/mix.txt" '^  userRegistrationDetails +1 +11 +11 +0 +0 '
expect_grep "text: identity" "$WORK/mix.txt" \
    "^  records read $(total records_read "$J") = parsed $(total parsed "$J") \\+ skipped 0 \\+ duplicates 1\$"
expect_grep "text: posture finding" "$WORK/mix.txt" 'posture-no-mfa$'
expect_grep "text: not auditable" "$WORK/mix.txt" '^  Tenant snapshot: 8 mailboxes cannot log MailItemsAccessed'
"$BIN" coverage --no-progress --color never "$MIX" >"$WORK/cov.txt" 2>/dev/null
expect_grep "coverage lists them" "$WORK/cov.txt" '^    carol.chen@contoso.com +cannot be audited: Audit \(Premium\) plan disabled$'
if grep -q "TENANT SNAPSHOT" <("$BIN" scan --no-progress "$SRC/examples/contoso-demo" 2>/dev/null); then
    fail "no snapshot, no TENANT SNAPSHOT section"
else
    pass
fi

# Bad snapshot input: a broken JSON Lines object is a warning with file and line, counted as
# skipped; the rest is read
B=$WORK/bad
mkdir -p "$B"
cp "$SRC/examples/contoso-demo/entra/directoryAudits.json" "$B/"
{ head -3 "$SNAP/contoso/userRegistrationDetails.jsonl"; echo '{"id": "x", "isMfaRegistered": tru'; tail -n +4 "$SNAP/contoso/userRegistrationDetails.jsonl"; } >"$B/reg.jsonl"
scan_json "$WORK/bad.json" "$WORK/bad.err" "$B"
expect_eq "bad snapshot line: exit" "$RC" 0
expect_grep "bad snapshot line: reported" "$WORK/bad.err" "warning: .*/reg.jsonl:4: "
expect_eq "bad snapshot line: counted" "$(jq -c '[.evidence.files[] | select(.path | endswith("reg.jsonl")) | [.format, .records_read, .parsed, .skipped]]' "$WORK/bad.json")" \
    '[["userRegistrationDetails",12,11,1]]'
# Graph objects of a kind the scan does not use (groups carry assignedLicenses too): not read,
# said why, and no snapshot to speak of
G=$WORK/groups
mkdir -p "$G"
cp "$SRC/examples/contoso-demo/entra/directoryAudits.json" "$G/"
echo '{"value":[{"id":"0f1e2d3c-0000-4000-8000-000000000001","displayName":"Finance","assignedLicenses":[]}]}' >"$G/groups.json"
scan_json "$WORK/groups.json" "$WORK/groups.err" "$G"
expect_eq "groups: exit" "$RC" 0
expect_grep "groups: why" "$WORK/groups.err" 'groups.json: not read: tenant snapshot objects of a kind the scan does not use'
expect_eq "groups: not read" "$(jq -c '[.evidence.files[] | select(.path | endswith("groups.json")) | [.format, .records_read, .error]]' "$WORK/groups.json")" \
    '[[null,0,"matches no known format"]]'
expect_eq "groups: no snapshot" "$(jq -c .snapshot "$WORK/groups.json")" null
# A snapshot file on standard input cannot be routed (it is read once): said so, not read
"$BIN" scan --no-progress - <"$SNAP/contoso/servicePrincipals.json" >/dev/null 2>"$WORK/stdin.err"
expect_eq "stdin snapshot: nothing read" $? 3
expect_grep "stdin snapshot: why" "$WORK/stdin.err" 'not read: a tenant snapshot file on standard input'
# A users page on standard input is not read as sign-ins by the Graph reader.
"$BIN" scan --no-progress --format json --events "$WORK/stdin-users.ev" - \
    <"$SNAP/contoso/users.json" >/dev/null 2>"$WORK/stdin-users.err"
expect_eq "stdin users page: nothing read" "$? $(wc -l <"$WORK/stdin-users.ev")" "3 0"
expect_grep "stdin users page: why" "$WORK/stdin-users.err" \
    'not read: a tenant snapshot file on standard input'
# --input-format reads every input as that format: a snapshot file too (no snapshot then).
scan_json "$WORK/forced.json" "$WORK/forced.err" --input-format graph-json \
    "$SRC/tests/snapshot/contoso/users.json"
expect_eq "--input-format: a snapshot file read as the format named" \
    "$(jq -c '[.snapshot, .evidence.files[0].format]' "$WORK/forced.json")" '[null,"graph-json"]'
# A bad posture: section is a configuration error for the scan too (exit 2)
printf 'posture:\n  dormant_dayz: 3\n' >"$WORK/bad.yaml"
"$BIN" scan --no-progress --config "$WORK/bad.yaml" "$MIX" >/dev/null 2>"$WORK/conf.err"
expect_eq "bad posture config" $? 2
expect_grep "bad posture config: why" "$WORK/conf.err" 'posture.dormant_dayz: unknown'
# Determinism: the same evidence, the same bytes, whatever the number of threads
for t in 1 4; do
    scan_json "$WORK/mix-$t.json" "$WORK/mix-$t.err" --threads "$t" --config "$CONF" "$MIX"
    expect_eq "deterministic ($t threads)" "$(jq -c 'del(.command)' "$WORK/mix-$t.json" | md5sum)" \
        "$(jq -c 'del(.command)' "$J" | md5sum)"
done
finish
