#!/usr/bin/env bash
# The whole Midnight Blizzard chain of the demo tenant, spread over six log formats, must come
# out as one incident whose exposure lists exactly the mailboxes the attacker read
# (examples/README.md is the ground truth), with the benign controls left out of it.
source "$(dirname "$0")/common.bash" "$@"
cd "$SRC" || exit 1
DEMO=examples/contoso-demo
D=contosodemo.onmicrosoft.com

scan_json "$WORK/out.json" "$WORK/err" --ip-ranges examples/contoso-demo-enrichment/azure-ranges.txt "$DEMO"
expect_eq "scan exit" "$RC" 0
J=$WORK/out.json

# The evidence really is spread over every format.
expect_eq "six formats with events" \
    "$(jq '[.evidence.formats[] | select(.events > 0)] | length' "$J")" 6

expect_eq "one incident" "$(jq '.incidents | length' "$J")" 1
expect_eq "incident is critical" "$(jq -r '.incidents[0].severity' "$J")" critical

# Exposure: the six mailboxes read over EWS by MailVault Sync plus svc-legacytest's own mailbox
# read with the token no sign-in issued. Not the mailboxes ArcBackup reads every night, not the
# delegates' reads, not the accounts the spray merely failed against.
expect_eq "exposure is exactly the mailboxes read" \
    "$(jq -r '[.incidents[0].exposure[].mailbox] | sort | join(",")' "$J")" \
    "dana.whitfield@$D,ken.yamada@$D,lucia.fernandez@$D,marcus.oyelaran@$D,priya.raman@$D,secops@$D,svc-legacytest@$D"
expect_eq "EWS reads attributed to MailVault Sync" \
    "$(jq -r '[.incidents[0].exposure[] | select(.via | index("b7e4a0d2-6c19-4f8a-93d5-1e2f6a8c0b47")) | .mailbox] | length' "$J")" 6
expect_eq "priya.raman is named not auditable" \
    "$(jq -r '[.incidents[0].not_auditable[] | tostring | select(test("priya.raman"))] | length' "$J")" 1

# Every step of the chain is in the incident.
for rule in password-spray password-spray-success dormant-account-mfa-registration legacy-auth-signin \
    signin-from-hosting-ip token-without-signin new-user-privileged-action high-privilege-consent \
    sp-credential-added sp-address-changed mail-app-role-granted application-impersonation-assigned \
    advanced-audit-disabled app-mailbox-access mailbox-access-after-audit-disabled; do
    expect_eq "$rule in incident 1" \
        "$(jq -r --arg r "$rule" '[.findings[] | select(.rule == $r and .incident == 1)] | length > 0' "$J")" true
done

# Benign controls stay out: nothing outside the incident above low, and no incident for them.
expect_eq "nothing above low outside the incident" \
    "$(jq '[.findings[] | select(.incident != 1 and (.severity | IN("medium","high","critical")))] | length' "$J")" 0
# The spray failed against scanner too; being targeted does not pull its printer's SMTP
# sign-ins (a low legacy-auth-signin finding) into the incident.
expect_eq "spray targets do not join the incident" \
    "$(jq -r '[.findings[] | select(.rule == "legacy-auth-signin" and (.entities.users | index("scanner@'$D'"))) | .incident] | tostring' "$J")" "[null]"

# The story opens with the initial access and ends with collection.
expect_eq "story starts with initial access" \
    "$(jq -r '.incidents[0].story | if type == "array" then .[0] else . end | tostring | test("^Initial access|initial_access|Initial access")' "$J")" true

finish
