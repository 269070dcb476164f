#!/usr/bin/env bash
# m365hunt audit: posture findings from the snapshot fixtures in tests/snapshot/ (docs/snapshot.md),
# benign controls staying quiet, the readers' shapes (Graph page, JSON Lines, Export-Csv, gzip'd
# Get-Mailbox array, Graph applications / directory roles / Conditional Access / domains /
# federation, Exchange audit bypass and management role assignments as JSON and CSV, subscribedSkus,
# owners expanded and as pages, Get-Mailbox audit lists as arrays and CSV text), exit codes.
source "$(dirname "$0")/common.bash" "$@"
SNAP=$SRC/tests/snapshot

# audit_json OUT ARGS...: sets RC
audit_json() {
    local out=$1
    shift
    "$BIN" audit --format json "$@" >"$out" 2>"$WORK/err.txt"
    RC=$?
}
# count OUT RULE [USER]: findings of RULE (naming USER)
count() {
    jq --arg r "$2" --arg u "${3:-}" '[.findings[] | select(.rule == $r)
        | select($u == "" or (.entities.users | index($u) != null))] | length' "$1"
}
sev() {
    jq -r --arg r "$2" --arg u "$3" '[.findings[] | select(.rule == $r)
        | select(.entities.users | index($u) != null) | .severity] | join(",")' "$1"
}

# --- hand-written tenant: every benign control and every finding kind ------------------------
C=$WORK/contoso.json
audit_json "$C" --config "$SNAP/contoso-posture.yaml" "$SNAP/contoso"
expect_eq "contoso exit" "$RC" 0
expect_eq "contoso kinds" "$(jq -c '[.snapshot.files[] | [.kind, .format, .records, .skipped]]' "$C")" \
    '[["appRoleAssignments","jsonl",9,0],["owners","jsonl",2,0],["applications","graph-page",4,0],["conditionalAccessPolicies","graph-page",3,0],["directoryRoles","graph-page",2,0],["domains","graph-page",2,0],["federationConfiguration","graph-page",1,0],["mailboxAuditBypassAssociation","csv",10,0],["mailboxes","csv",9,0],["managementRoleAssignments","json-array",4,0],["oauth2PermissionGrants","json-array",2,0],["directoryRoles","jsonl",2,0],["servicePrincipals","graph-page",10,0],["userRegistrationDetails","jsonl",11,0],["users","graph-page",11,0]]'
expect_eq "contoso counts" "$(jq -c '.snapshot | [.applications, .directory_role_assignments, .ca_policies, .domains, .federation_configs, .audit_bypass, .management_role_assignments]' "$C")" \
    '[4,6,3,2,1,10,4]'
expect_eq "as_of" "$(jq -r .as_of "$C")" "2026-03-10T06:00:00.000Z"
expect_eq "not evaluated" "$(jq '.not_evaluated | length' "$C")" 0
# posture-no-mfa: the dormant Global Administrator (critical: directoryRoles) and two members
expect_eq "no-mfa count" "$(count "$C" posture-no-mfa)" 3
expect_eq "no-mfa admin" "$(sev "$C" posture-no-mfa adm-legacy@contoso.com)" critical
expect_eq "no-mfa admin roles" "$(jq -c '.findings[] | select(.rule == "posture-no-mfa" and .entities.users == ["adm-legacy@contoso.com"]) | .details.directory_roles' "$C")" \
    '["Global Administrator"]'
expect_eq "no-mfa member" "$(sev "$C" posture-no-mfa bob.baker@contoso.com)" medium
expect_eq "no-mfa new hire" "$(sev "$C" posture-no-mfa nina.new@contoso.com)" medium
expect_eq "admins first" "$(jq -r '[.findings[] | select(.rule == "posture-no-mfa")][0].entities.users[0]' "$C")" \
    adm-legacy@contoso.com
# posture-dormant-account: the administrator (high), an account that never signed in (medium)
expect_eq "dormant count" "$(count "$C" posture-dormant-account)" 2
expect_eq "dormant admin" "$(sev "$C" posture-dormant-account adm-legacy@contoso.com)" high
expect_eq "dormant never" "$(jq -r '.findings[] | select(.rule == "posture-dormant-account" and .entities.users == ["nigel.never@contoso.com"]) | [.severity, (.details.last_signin | tostring)] | join(" ")' "$C")" \
    "medium null"
# posture-no-advanced-audit: one finding per reason
nad() { jq -c --arg k "$2" '[.findings[] | select(.rule == "posture-no-advanced-audit" and .details.reason == $k)
    | {severity, users: .entities.users, count: .details.count}]' "$1"; }
expect_eq "audit plan suspended" "$(nad "$C" plan-disabled)" '[{"severity":"low","users":["carol.chen@contoso.com"],"count":1}]'
expect_eq "audit mailbox off" "$(nad "$C" mailbox-audit-off)" '[{"severity":"low","users":["dave.diaz@contoso.com"],"count":1}]'
# Get-MailboxAuditBypassAssociation: Bob (joined on the mailbox Name) and a service account with
# no mailbox; Lee's bypass is left out (his account is disabled).
expect_eq "audit bypassed" "$(nad "$C" audit-bypassed)" '[{"severity":"medium","users":["bob.baker@contoso.com","svc-backup"],"count":2}]'
expect_eq "audit bypassed mailbox" "$(jq -c '.findings[] | select(.details.reason == "audit-bypassed") | .entities.mailboxes' "$C")" '["bob.baker@contoso.com"]'
expect_eq "audit not licensed" "$(nad "$C" not-licensed)" \
    '[{"severity":"info","users":["adm-legacy@contoso.com","bob.baker@contoso.com","finance@contoso.com","nigel.never@contoso.com","nina.new@contoso.com"],"count":5}]'
# Benign controls: never named by no-mfa or dormant
for quiet in lee.leaver@contoso.com breakglass01@contoso.com finance@contoso.com \
    'pat_partner.example#ext#@contoso.onmicrosoft.com' alex.admin@contoso.com; do
    expect_eq "quiet $quiet" "$(jq --arg u "$quiet" '[.findings[] | select(.rule != "posture-no-advanced-audit")
        | select(.entities.users | index($u) != null)] | length' "$C")" 0
done
expect_eq "new hire not dormant" "$(count "$C" posture-dormant-account nina.new@contoso.com)" 0
# --- applications: servicePrincipals, appRoleAssignments (JSON Lines), grants (array) ---------
expect_eq "home tenant" "$(jq -r .snapshot.home_tenant "$C")" 5e1f0c2a-7d4b-4c3e-9a61-0c0a50c0a501
expect_eq "app counts" "$(jq -c '.snapshot | [.service_principals, .app_role_assignments, .oauth2_permission_grants]' "$C")" '[10,9,2]'
app() { jq -c --arg r "$2" '[.findings[] | select(.rule == $r) | [.entities.service_principals[0], .severity]] | sort' "$1"; }
# posture-privileged-app: the legacy app with full_access_as_app and a certificate named after it
# and a new password on its application object (high), the provisioning app with a second, new
# certificate (high), the foreign mail reader (medium), the helpdesk automation holding the
# directory role User Administrator (medium: its new secret replaces one about to expire);
# Microsoft's own apps (Teams Services holds full_access_as_app, Mail.ReadWrite and
# Directory.ReadWrite.All; Defender for Cloud Apps Mail.Read) and the HR portal stay quiet.
expect_eq "privileged apps" "$(app "$C" posture-privileged-app)" \
    '[["Contoso Helpdesk Automation","medium"],["Contoso Legacy Mail Sync","high"],["Contoso Provisioning","high"],["Fabrikam MailGuard","medium"]]'
pa() { jq -c --arg a "$2" '.findings[] | select(.rule == "posture-privileged-app" and .entities.service_principals[0] == $a)
    | [.details.roles, .details.flags, .details.owner_tenant, (.details.credentials | length)]' "$1"; }
expect_eq "legacy app" "$(pa "$C" "Contoso Legacy Mail Sync")" \
    '[["full_access_as_app"],["credential-named-after-app","recent-credential","guest-owner","dormant-owner"],"5e1f0c2a-7d4b-4c3e-9a61-0c0a50c0a501",2]'
expect_eq "legacy app credentials" "$(jq -c '.findings[] | select(.rule == "posture-privileged-app" and .entities.service_principals[0] == "Contoso Legacy Mail Sync")
    | [.details.credentials[] | [.on, .display_name]]' "$C")" '[["servicePrincipal","CN=Contoso Legacy Mail Sync"],["application","sync-fallback"]]'
expect_eq "helpdesk app (rotation)" "$(jq -c '.findings[] | select(.rule == "posture-privileged-app" and .entities.service_principals[0] == "Contoso Helpdesk Automation")
    | [.details.directory_roles, .details.flags, .details.rotated_credentials, (.details.credentials | length)]' "$C")" \
    '[["User Administrator"],[],1,2]'
expect_eq "provisioning app" "$(pa "$C" "Contoso Provisioning")" \
    '[["Application.ReadWrite.All"],["several-certificates","recent-credential","service-principal-owner"],"5e1f0c2a-7d4b-4c3e-9a61-0c0a50c0a501",2]'
expect_eq "foreign mail reader" "$(pa "$C" "Fabrikam MailGuard")" \
    '[["Mail.Read"],[],"9f8e7d6c-5b4a-4392-8170-fab41ca7e001",0]'
# Owners ($expand=owners on the servicePrincipals page; applications/{id}/owners as JSON Lines
# with applicationId added): the legacy app's application object is owned by a guest and its
# service principal by an account that never signed in; the provisioning app by another service
# principal (and Alex); the helpdesk automation by Alex, who signs in daily: listed, not flagged.
own() { jq -c --arg a "$2" '.findings[] | select(.rule == "posture-privileged-app" and .entities.service_principals[0] == $a)
    | [.details.owners[] | [.on, .type, (.user_principal_name // .display_name), .flags]]' "$1"; }
expect_eq "owners: legacy app" "$(own "$C" "Contoso Legacy Mail Sync")" \
    '[["application","user","pat_partner.example#ext#@contoso.onmicrosoft.com",["guest"]],["servicePrincipal","user","nigel.never@contoso.com",["never-signed-in"]]]'
expect_eq "owners: provisioning app" "$(own "$C" "Contoso Provisioning")" \
    '[["servicePrincipal","servicePrincipal","Contoso Legacy Mail Sync",["service-principal"]],["servicePrincipal","user","alex.admin@contoso.com",[]]]'
expect_eq "owners: helpdesk app (benign)" "$(own "$C" "Contoso Helpdesk Automation")" \
    '[["application","user","alex.admin@contoso.com",[]],["servicePrincipal","user","alex.admin@contoso.com",[]]]'
expect_eq "owners: foreign app has none here" "$(own "$C" "Fabrikam MailGuard")" '[]'
expect_grep "owners in the summary" <(jq -r '.findings[] | select(.rule == "posture-privileged-app") | .summary' "$C") \
    'owned by pat_partner.example#ext#@contoso.onmicrosoft.com \(a guest\), nigel.never@contoso.com \(never signed in\)\.$'
# Without any owners export the owners are unknown (null), not "none"
mkdir -p "$WORK/noown"
cp "$SNAP/contoso/appRoleAssignments.jsonl" "$SNAP/contoso/applications.json" "$WORK/noown/"
jq '.value[] |= del(.owners)' "$SNAP/contoso/servicePrincipals.json" >"$WORK/noown/sps.json"
audit_json "$WORK/noown.json" "$WORK/noown"
expect_eq "owners unknown" "$(jq -c '[.findings[] | select(.rule == "posture-privileged-app") | .details.owners] | unique' "$WORK/noown.json")" '[null]'
expect_eq "no owner flags without owners" "$(jq -c '[.findings[] | select(.rule == "posture-privileged-app") | .details.flags[] | select(endswith("-owner"))]' "$WORK/noown.json")" '[]'
# posture-foreign-app: Fabrikam (Mail.Read: medium), Northwind (a user's delegated consent: low)
expect_eq "foreign apps" "$(app "$C" posture-foreign-app)" \
    '[["Fabrikam MailGuard","medium"],["Northwind Scheduler","low"]]'
for quiet in "Microsoft Teams Services" "Microsoft Defender for Cloud Apps" "Contoso HR Portal" \
    "Office 365 Exchange Online" "Microsoft Graph"; do
    expect_eq "quiet app $quiet" "$(jq --arg a "$quiet" '[.findings[] | select(.entities.service_principals | index($a) != null)] | length' "$C")" 0
done
# --recent-days 5: the provisioning certificate (9 days old) is no longer recent
audit_json "$WORK/r5.json" --recent-days 5 "$SNAP/contoso"
expect_eq "--recent-days" "$(pa "$WORK/r5.json" "Contoso Provisioning" | jq -c '.[1]')" '["several-certificates","service-principal-owner"]'
printf 'posture:\n  recent_days: 5\n' >"$WORK/r5.yaml"
audit_json "$WORK/r5c.json" --config "$WORK/r5.yaml" "$SNAP/contoso"
expect_eq "posture.recent_days" "$(pa "$WORK/r5c.json" "Contoso Provisioning" | jq -c '.[1]')" '["several-certificates","service-principal-owner"]'
# --tenant-id: with Fabrikam as home, Contoso's own apps become foreign and Fabrikam's is not
audit_json "$WORK/fab.json" --tenant-id 9F8E7D6C-5B4A-4392-8170-FAB41CA7E001 "$SNAP/contoso"
expect_eq "--tenant-id" "$(app "$WORK/fab.json" posture-foreign-app)" \
    '[["Contoso HR Portal","low"],["Contoso Legacy Mail Sync","high"],["Contoso Provisioning","high"],["Northwind Scheduler","low"]]'
# --- Conditional Access, Exchange RBAC, federation --------------------------------------------
# No enabled policy protects security-info registration (the only one is disabled) while three
# enabled accounts have no MFA: high.
expect_eq "mfa registration" "$(jq -c '[.findings[] | select(.rule == "posture-mfa-registration-unrestricted")
    | [.severity, .details.accounts_without_mfa, [.details.policies_considered[] | [.name, .not_counted]]]]' "$C")" \
    '[["high",3,[["Register security info from trusted locations","disabled"]]]]'
# "Block legacy authentication" is report-only: it does not count (and says so).
expect_eq "legacy auth" "$(jq -c '[.findings[] | select(.rule == "posture-legacy-auth-allowed")
    | [.severity, [.details.policies_considered[] | [.name, .state, .not_counted, .excluded]]]]' "$C")" \
    '[["medium",[["Block legacy authentication","report-only","report-only: not enforced",["breakglass01@contoso.com"]]]]]'
# ApplicationImpersonation: the user (organisation-wide, high) and the service principal (custom
# scope, medium); Organization Management's delegating assignment stays quiet.
expect_eq "impersonation" "$(jq -c '[.findings[] | select(.rule == "posture-application-impersonation")
    | [.severity, (.entities.users + .entities.service_principals), .details.assignee_type, .details.custom_recipient_write_scope]]' "$C")" \
    '[["high",["svc-ews"],"User",null],["medium",["Contoso Legacy Mail Sync"],"ServicePrincipal","Legacy Sync Mailboxes"]]'
audit_json "$WORK/imp-allow.json" --allow SVC-EWS "$SNAP/contoso"
expect_eq "impersonation --allow" "$(jq -c '[.findings[] | select(.rule == "posture-application-impersonation") | .details.assignee]' "$WORK/imp-allow.json")" \
    '["Contoso Legacy Mail Sync"]'
expect_eq "impersonation delegating quiet" "$(jq '[.findings[] | select(.details.assignment? // "" | test("Organization Management"))] | length' "$C")" 0
# contoso.com: its next signing certificate is not AD FS's rollover (another subject): high; the
# managed contoso.onmicrosoft.com is not reported.
expect_eq "federated domain" "$(jq -c '[.findings[] | select(.rule == "posture-federated-domain")
    | [.severity, .entities.domains, .details.flags, .details.signing_certificate.thumbprint, .details.next_signing_certificate.subject]]' "$C")" \
    '[["high",["contoso.com"],["next-certificate-differs","accepts-federated-mfa"],"1B0E092C68F706FDB0E007543D2F27436ECAF170","CN=ADFS Signing - adfs.contoso-sso.com"]]'

# --- benign tenant: proper Conditional Access, ordinary AD FS, Exchange's own assignments -------
B=$WORK/benign.json
audit_json "$B" "$SNAP/benign"
expect_eq "benign exit" "$RC" 0
expect_eq "benign kinds" "$(jq -c '[.snapshot.files[] | [.kind, .format, .records, .skipped]]' "$B")" \
    '[["mailboxAuditBypassAssociation","json-array",3,0],["conditionalAccessPolicies","graph-page",3,0],["domains","graph-page",3,0],["federationConfiguration","json-object",1,0],["mailboxes","csv",3,0],["managementRoleAssignments","csv",4,0]]'
expect_eq "benign CA rules evaluated" "$(jq -c '[.not_evaluated[].rule | select(test("mfa-registration|legacy|impersonation|federated"))]' "$B")" '[]'
# Only the ordinary AD FS domain (its next certificate is the usual rollover, same subject, made
# 20 days before the current one expires), at low; the JSON Lines configuration (no domain in
# it) is paired with the one federated domain.
expect_eq "benign findings" "$(jq -c '[.findings[] | [.rule, .severity, .entities.domains, .details.flags]]' "$B")" \
    '[["posture-federated-domain","low",["fabrikam.com"],["next-certificate-rollover","accepts-federated-mfa"]]]'
"$BIN" audit -q --fail-on medium "$SNAP/benign" >/dev/null
expect_eq "benign fail-on medium" $? 0
# A tenant without any Conditional Access policy: an empty page is still the export.
mkdir -p "$WORK/noca"
printf '{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies","value":[]}\n' >"$WORK/noca/ca.json"
audit_json "$WORK/noca.json" "$WORK/noca"
expect_eq "no CA policies exit" "$RC" 0
expect_eq "no CA policies" "$(jq -c '[.findings[] | [.rule, .severity]]' "$WORK/noca.json")" \
    '[["posture-legacy-auth-allowed","medium"],["posture-mfa-registration-unrestricted","medium"]]'
expect_eq "no CA policies kind" "$(jq -c '[.snapshot.files[] | [.kind, .records]]' "$WORK/noca.json")" '[["conditionalAccessPolicies",0]]'
# Without the assignments the application rules say why they did not run.
mkdir -p "$WORK/spo" && cp "$SNAP/contoso/servicePrincipals.json" "$WORK/spo/"
audit_json "$WORK/spo.json" "$WORK/spo"
expect_eq "apps-only snapshot exit" "$RC" 0
expect_eq "apps not evaluated" "$(jq -c '[.not_evaluated[].rule | select(test("app"))]' "$WORK/spo.json")" \
    '["posture-privileged-app","posture-foreign-app","posture-application-impersonation"]'
# Without the allow-list the break-glass account is reported; --allow does what the config does.
audit_json "$WORK/noallow.json" "$SNAP/contoso"
expect_eq "break-glass reported" "$(count "$WORK/noallow.json" posture-no-mfa breakglass01@contoso.com)" 1
expect_eq "break-glass dormant" "$(sev "$WORK/noallow.json" posture-dormant-account breakglass01@contoso.com)" high
audit_json "$WORK/allow.json" --allow BreakGlass01@contoso.com "$SNAP/contoso"
expect_eq "--allow" "$(jq -c '[.findings[] | {rule, severity, summary}]' "$WORK/allow.json")" \
    "$(jq -c '[.findings[] | {rule, severity, summary}]' "$C")"
# --dormant-days and --as-of
audit_json "$WORK/d300.json" --dormant-days 300 --config "$SNAP/contoso-posture.yaml" "$SNAP/contoso"
expect_eq "dormant 300 days" "$(count "$WORK/d300.json" posture-dormant-account adm-legacy@contoso.com)" 0
audit_json "$WORK/asof.json" --as-of 2026-03-20 --config "$SNAP/contoso-posture.yaml" "$SNAP/contoso"
expect_eq "--as-of" "$(jq -r .as_of "$WORK/asof.json")" "2026-03-20T00:00:00.000Z"
# jsonl: the same findings, one per line
"$BIN" audit --format jsonl --config "$SNAP/contoso-posture.yaml" "$SNAP/contoso" >"$WORK/c.jsonl"
expect_eq "jsonl" "$(jq -sc '[.[] | .rule]' "$WORK/c.jsonl")" "$(jq -c '[.findings[] | .rule]' "$C")"
# text
"$BIN" audit --config "$SNAP/contoso-posture.yaml" "$SNAP/contoso" >"$WORK/c.txt"
expect_grep "text" "$WORK/c.txt" '^  critical +posture-no-mfa +Administrator adm-legacy@contoso.com \(Global Administrator\)'
expect_grep "text counts" "$WORK/c.txt" '^  directory role holders 6, Conditional Access policies 3, domains 2, federation configurations 1$'
# Exit codes: --fail-on, usage, nothing readable
"$BIN" audit -q --fail-on high --config "$SNAP/contoso-posture.yaml" "$SNAP/contoso" >/dev/null
expect_eq "fail-on high" $? 1
"$BIN" audit -q --fail-on critical --config "$SNAP/contoso-posture.yaml" "$SNAP/contoso" >/dev/null
expect_eq "fail-on critical" $? 1
"$BIN" audit -q --fail-on critical --allow adm-legacy@contoso.com --config "$SNAP/contoso-posture.yaml" "$SNAP/contoso" >/dev/null
expect_eq "fail-on critical, GA allowed" $? 0
"$BIN" audit --format xml "$SNAP/contoso" >/dev/null 2>&1
expect_eq "bad format" $? 2
"$BIN" audit >/dev/null 2>&1
expect_eq "no path" $? 2
printf 'posture:\n  dormant_dayz: 3\n' >"$WORK/bad.yaml"
"$BIN" audit --config "$WORK/bad.yaml" "$SNAP/contoso" >/dev/null 2>"$WORK/err.txt"
expect_eq "bad config" $? 2
expect_grep "bad config message" "$WORK/err.txt" 'posture.dormant_dayz: unknown'
"$BIN" audit -q "$SRC/examples/contoso-demo" >/dev/null 2>&1
expect_eq "logs are not a snapshot" $? 3
# The scan accepts the same configuration file (posture: is the audit's section).
"$BIN" scan -q --config "$SNAP/contoso-posture.yaml" "$SRC/examples/contoso-demo" >/dev/null
expect_eq "scan with posture config" $? 0

# The scan reads snapshot files too (tests/e2e/snapshot_scan.sh): the same posture findings.
"$BIN" scan --format json --no-progress "$SNAP/sim" >"$WORK/scan-sim.json" 2>"$WORK/scan-err.txt"
expect_eq "scan of a snapshot" $? 0
expect_eq "scan reads snapshot files" "$(jq -c '[.evidence.files[] | .format]' "$WORK/scan-sim.json")" \
    '["appRoleAssignments","mailboxes","oauth2PermissionGrants","servicePrincipals","userRegistrationDetails","users"]'
audit_json "$WORK/audit-sim.json" "$SNAP/sim"
expect_eq "scan posture = audit posture" \
    "$(jq -c '[.findings[] | select(.rule | startswith("posture-")) | {rule, severity, summary}]' "$WORK/scan-sim.json")" \
    "$(jq -c '[.findings[] | {rule, severity, summary}]' "$WORK/audit-sim.json")"

# --- licences and mailbox audit lists: users without assignedPlans, subscribedSkus, Get-Mailbox
# with AuditOwner / AuditDelegate / AuditAdmin / DefaultAuditSet (ConvertTo-Json) ---------------
W=$WORK/woodgrove.json
audit_json "$W" "$SNAP/woodgrove"
expect_eq "woodgrove exit" "$RC" 0
expect_eq "woodgrove kinds" "$(jq -c '[.snapshot.files[] | [.kind, .format, .records, .skipped]]' "$W")" \
    '[["mailboxes","json-array",7,0],["subscribedSkus","graph-page",4,0],["users","graph-page",7,0]]'
# Through the tenant's SKU table: Ana's DEVELOPERPACK_E5 (no built-in skuId) carries the plan and
# she is not listed; Ben's SPE_E3 does not (a coverage gap: info); Cara's E5 has it in
# disabledPlans. The details say which export decided.
expect_eq "woodgrove not licensed" "$(nad "$W" not-licensed)" '[{"severity":"info","users":["ben.brooks@woodgrove.com"],"count":1}]'
expect_eq "woodgrove plan disabled" "$(nad "$W" plan-disabled)" '[{"severity":"low","users":["cara.cole@woodgrove.com"],"count":1}]'
expect_eq "licence source" "$(jq -c '[.findings[] | select(.details.licence_source) | [.details.reason, .details.licence_source]]' "$W")" \
    '[["plan-disabled",{"assignedPlans":0,"subscribedSkus":1,"known_sku_ids":0}],["not-licensed",{"assignedPlans":0,"subscribedSkus":1,"known_sku_ids":0}]]'
expect_eq "SKU with the plan, unknown to the built-in list" "$(jq '[.findings[] | .entities.users[] | select(. == "ana.alvarez@woodgrove.com")] | length' "$W")" 0
# Without subscribedSkus the built-in list decides: Ana's SKU is not on it.
mkdir -p "$WORK/nosku" && cp "$SNAP/woodgrove/users.json" "$SNAP/woodgrove/mailboxes.json" "$WORK/nosku/"
audit_json "$WORK/nosku.json" "$WORK/nosku"
expect_eq "built-in SKU list" "$(jq -c '[.findings[] | select(.details.reason == "not-licensed") | [.entities.users, .details.licence_source]]' "$WORK/nosku.json")" \
    '[[["ana.alvarez@woodgrove.com","ben.brooks@woodgrove.com"],{"assignedPlans":0,"subscribedSkus":0,"known_sku_ids":2}]]'
# assignedPlans, when present, wins over the SKU table (contoso's users carry it).
cp "$SNAP/woodgrove/subscribedSkus.json" "$WORK/sku-contoso.json"
audit_json "$WORK/c-sku.json" --config "$SNAP/contoso-posture.yaml" "$SNAP/contoso" "$WORK/sku-contoso.json"
expect_eq "assignedPlans wins" "$(jq -c '[.findings[] | select(.rule == "posture-no-advanced-audit") | {reason: .details.reason, users: .entities.users}]' "$WORK/c-sku.json")" \
    "$(jq -c '[.findings[] | select(.rule == "posture-no-advanced-audit") | {reason: .details.reason, users: .entities.users}]' "$C")"
# MailItemsAccessed removed: Dan's AuditOwner (Owner off the default set), Gus's AuditDelegate and
# AuditAdmin; Eve (default set), Finn (a customised AuditOwner that kept it) and Ben (E3: his
# AuditOwner is Microsoft's default, without it) stay quiet.
expect_eq "MailItemsAccessed removed" "$(nad "$W" mail-items-accessed-removed)" \
    '[{"severity":"medium","users":["dan.dietz@woodgrove.com","gus.grant@woodgrove.com"],"count":2}]'
expect_eq "removed from" "$(jq -c '.findings[] | select(.details.reason == "mail-items-accessed-removed") | .details.mailboxes' "$W")" \
    '[{"mailbox":"dan.dietz@woodgrove.com","removed_from":["AuditOwner"]},{"mailbox":"gus.grant@woodgrove.com","removed_from":["AuditDelegate","AuditAdmin"]}]'
for quiet in ana.alvarez eve.evans finn.ford; do
    expect_eq "quiet $quiet" "$(jq --arg u "$quiet@woodgrove.com" '[.findings[] | select(.entities.users | index($u) != null)] | length' "$W")" 0
done
# The scan counts those mailboxes as not auditable, with the reason.
"$BIN" scan --format json --no-progress "$SNAP/woodgrove" >"$WORK/scan-wg.json" 2>/dev/null
expect_eq "scan: not auditable" "$(jq -c '[.coverage.mailboxes[] | select(.not_auditable) | [.mailbox, .not_auditable]]' "$WORK/scan-wg.json")" \
    '[["ben.brooks@woodgrove.com","no Audit (Premium) licence"],["cara.cole@woodgrove.com","Audit (Premium) plan disabled"],["dan.dietz@woodgrove.com","MailItemsAccessed removed from AuditOwner"],["gus.grant@woodgrove.com","MailItemsAccessed removed from AuditDelegate, AuditAdmin"]]'
# Export-Csv writes the lists as text: the benign tenant's shared mailbox has Microsoft's default
# (its AuditOwner without MailItemsAccessed, Owner on DefaultAuditSet) and stays quiet (above);
# taken off the default set, it is reported.
mkdir -p "$WORK/csvmia"
sed 's/"Admin Delegate Owner","","","False","3\/2\/2022 10:15:00 AM","3\/2\/2022 10:15:00 AM"\r$/"Admin Delegate","","","False","3\/2\/2022 10:15:00 AM","3\/2\/2022 10:15:00 AM"\r/' \
    "$SNAP/benign/mailboxes.csv" >"$WORK/csvmia/mailboxes.csv"
audit_json "$WORK/csvmia.json" "$WORK/csvmia"
expect_eq "CSV lists" "$(jq -c '[.findings[] | [.details.reason, .details.mailboxes]]' "$WORK/csvmia.json")" \
    '[["mail-items-accessed-removed",[{"mailbox":"reception@fabrikam.com","removed_from":["AuditOwner"]}]]]'

# --- simulated tenant (m365hunt simulate --snapshot, seed 7, no scenario) ----------------------
S=$WORK/sim.json
audit_json "$S" "$SNAP/sim"
expect_eq "sim exit" "$RC" 0
expect_eq "sim kinds" "$(jq -c '[.snapshot.files[] | .kind]' "$S")" \
    '["appRoleAssignments","mailboxes","oauth2PermissionGrants","servicePrincipals","userRegistrationDetails","users"]'
# The home tenant owns four of the five non-Microsoft apps; the backup SaaS (VaultKeep 365,
# Mail.Read) is foreign and privileged (medium: no mail-write or directory role, no flagged
# credential); the legacy automation app can grant itself any role (medium); Graph Explorer's
# consent and the HR portal's are not reported.
expect_eq "sim home" "$(jq -r .snapshot.home_tenant "$S")" 337f6e06-7481-407f-800a-9abb6eabf87b
expect_eq "sim privileged apps" "$(app "$S" posture-privileged-app)" '[["AL-Legacy-Automation","medium"],["VaultKeep 365","medium"]]'
expect_eq "sim foreign apps" "$(app "$S" posture-foreign-app)" '[["VaultKeep 365","medium"]]'
expect_eq "sim dormant" "$(jq -c '[.findings[] | select(.rule == "posture-dormant-account") | .entities.users[0]] | sort' "$S")" \
    '["adm-onboarding@alpineski52.onmicrosoft.com","svc-archive2019@alpineski52.onmicrosoft.com","test.migration@alpineski52.onmicrosoft.com"]'
expect_eq "sim dormant GA" "$(sev "$S" posture-dormant-account test.migration@alpineski52.onmicrosoft.com)" high
expect_eq "sim no-mfa" "$(jq -c '[.findings[] | select(.rule == "posture-no-mfa") | .entities.users[0]] | sort' "$S")" \
    '["adm-onboarding@alpineski52.onmicrosoft.com","scanner@alpineski52.onmicrosoft.com","svc-archive2019@alpineski52.onmicrosoft.com","test.migration@alpineski52.onmicrosoft.com"]'
# shared mailboxes never sign in: neither dormant nor without MFA
expect_eq "sim shared quiet" "$(jq '[.findings[] | select(.rule != "posture-no-advanced-audit") | .entities.users[] | select(test("^(secops|info|hr|support|reception)@"))] | length' "$S")" 0
# E3 mailboxes (and unlicensed shared ones) are listed; E5 ones are not
expect_eq "sim E5 not listed" "$(jq '[.findings[] | select(.rule == "posture-no-advanced-audit") | .entities.users[] | select(startswith("secops@"))] | length' "$S")" 0
# Only the users page: the registration-based rule says why it did not run.
audit_json "$WORK/only-users.json" "$SNAP/sim/users.json"
expect_eq "not evaluated no-mfa" "$(jq -c '[.not_evaluated[].rule]' "$WORK/only-users.json")" \
    '["posture-no-mfa","posture-privileged-app","posture-foreign-app","posture-mfa-registration-unrestricted","posture-legacy-auth-allowed","posture-application-impersonation","posture-federated-domain","posture-mailbox-forwarding"]'
# Mailbox forwarding: outside the tenant and without a copy is high; forwarding to a colleague
# (contoso's dave.diaz, the benign tenant's assistant) is ordinary and quiet.
expect_eq "forwarding outside" "$(jq -c '[.findings[] | select(.rule == "posture-mailbox-forwarding") | [.severity, .entities.mailboxes[0], .details.forwarding_smtp_address, .details.deliver_to_mailbox_and_forward]]' "$C")" \
    '[["high","carol.chen@contoso.com","carol.chen.archive@gmail.com",false]]'
audit_json "$WORK/fwd-benign.json" "$SNAP/benign"
expect_eq "internal forwarding quiet" "$(jq '[.findings[] | select(.rule == "posture-mailbox-forwarding")] | length' "$WORK/fwd-benign.json")" 0
expect_eq "benign forwarding evaluated" "$(jq '[.not_evaluated[] | select(.rule == "posture-mailbox-forwarding")] | length' "$WORK/fwd-benign.json")" 0
# Export-Csv -UseCulture in a ';' locale (and Excel re-saves there): the same snapshot, split at
# ';', reads the same, in audit and among the logs of a scan.
mkdir -p "$WORK/semi"
cp "$SNAP/benign/"* "$WORK/semi/"
for f in mailboxes managementRoleAssignments; do
    sed 's/","/";"/g' "$SNAP/benign/$f.csv" >"$WORK/semi/$f.csv"
done
expect_eq "semicolon copies differ" "$(cmp -s "$SNAP/benign/mailboxes.csv" "$WORK/semi/mailboxes.csv" || echo yes)" yes
audit_json "$WORK/semi.json" "$WORK/semi"
audit_json "$WORK/comma.json" "$SNAP/benign"
same_snapshot() { jq -c --arg d "$2" 'del(.command) | walk(if type == "string" then sub($d; "") else . end)' "$1"; }
expect_eq "semicolon snapshot reads the same" "$(same_snapshot "$WORK/semi.json" "$WORK/semi")" \
    "$(same_snapshot "$WORK/comma.json" "$SNAP/benign")"
expect_eq "semicolon mailboxes" "$(jq -c '[.snapshot.files[] | select(.kind == "mailboxes" or .kind == "managementRoleAssignments") | [.kind, .format, .records, .skipped]]' "$WORK/semi.json")" \
    '[["mailboxes","csv",3,0],["managementRoleAssignments","csv",4,0]]'
"$BIN" scan --format json --no-progress "$SRC/examples/contoso-demo/ual" "$WORK/semi" \
    >"$WORK/semi-scan.json" 2>/dev/null
expect_eq "semicolon snapshot in a scan" "$(jq -r '.evidence.files[] | select(.path | endswith("semi/mailboxes.csv")) | .format' "$WORK/semi-scan.json")" mailboxes

# Every posture rule has its page, as every log detection does.
for rule in posture-no-advanced-audit posture-no-mfa posture-dormant-account posture-privileged-app \
    posture-foreign-app posture-mfa-registration-unrestricted posture-legacy-auth-allowed \
    posture-application-impersonation posture-federated-domain posture-mailbox-forwarding; do
    expect_eq "docs/detections/$rule.md" "$([ -f "$SRC/docs/detections/$rule.md" ] && echo yes)" yes
    expect_eq "$rule is reported by audit" "$(jq -r --arg r "$rule" '[.findings[] | select(.rule == $r)] | length > 0' "$C")" true
done

finish
