#!/usr/bin/env bash
# The Entra admin center's sign-in and audit log downloads as CSV (docs/formats/entra-csv.md):
# a simulated tenant with every attack, its Graph pages written out file by file as the portal
# writes its downloads (the portal's own column names, quirks included), must give the Graph
# pages' findings and events, less what the downloads do not hold; a download that cuts an
# audit record's properties is named; renamed files, bad rows and repeated downloads are
# accounted for.
source "$(dirname "$0")/common.bash" "$@"

sim=$WORK/sim
"$BIN" simulate --out "$sim" --users 40 --days 10 --seed 5 --formats ual-jsonl,graph-json \
    --scenario all -q
expect_eq "simulate" $? 0

# The interactive / non-interactive download (Date (UTC) … Federated Token Issuer, 57 columns:
# "Application ID " ends in a space, "Autonomous system  number" has two, "Incoming token type"
# comes twice). A success's error code is left blank when $blank0.
signin_columns=(
    "Date (UTC)" "Request ID" "User agent" "Correlation ID" "User ID" "User" "Username" "User type"
    "Cross tenant access type" "Incoming token type" "Authentication Protocol"
    "Unique token identifier" "Original transfer method" "Client credential type"
    "Token Protection - Sign In Session" "Token Protection - Sign In Session StatusCode"
    "Application" "Application ID " "App owner tenant ID" "Resource" "Resource ID "
    "Resource tenant ID" "Resource owner tenant ID" "Home tenant ID" "Home tenant name"
    "IP address" "Location" "Status" "Sign-in error code" "Failure reason" "Client app" "Device ID"
    "Browser" "Operating System" "Compliant" "Managed" "Join Type"
    "Multifactor authentication result" "Multifactor authentication auth method"
    "Multifactor authentication auth detail" "Authentication requirement" "Sign-in identifier"
    "Session ID" "IP address (seen by resource)" "Through Global Secure Access"
    "Global Secure Access IP address" "Autonomous system  number" "Flagged for review"
    "Token issuer type" "Incoming token type" "Token issuer name" "Latency" "Conditional Access"
    "Managed Identity type" "Associated Resource Id" "Federated Token Id" "Federated Token Issuer"
)
signin_header=$(printf '"%s",' "${signin_columns[@]}")
signin_header=${signin_header%,}
cat >"$WORK/signin.jq" <<'EOF'
def status: .status.errorCode as $c
    | if $c == 0 then "Success"
      elif ([50074, 50076, 50079, 50072, 50158] | index($c)) then "Interrupted"
      else "Failure" end;
def place: [.location.city, .location.state, .location.countryOrRegion]
    | map(select(. != null and . != "")) | join(", ");
def mfa: [.authenticationDetails[]? | select(.succeeded and .authenticationMethod != "Password")]
    | last;
def word: if . == null then "" else (.[0:1] | ascii_upcase) + .[1:] end;
def ca: {"notApplied": "Not Applied", "success": "Success", "failure": "Failure"}[. // ""] // "";
[.createdDateTime, .id, .userAgent, .correlationId, .userId, .userDisplayName,
 .userPrincipalName, (.userType | word), "None", "None", (.authenticationProtocol | word),
 .uniqueTokenIdentifier, "None", (.clientCredentialType | word), "", "", .appDisplayName, .appId,
 .appOwnerTenantId, .resourceDisplayName, .resourceId, .resourceTenantId,
 .resourceOwnerTenantId, .homeTenantId, .homeTenantName, .ipAddress, place, status,
 (if $blank0 and .status.errorCode == 0 then "" else .status.errorCode end),
 .status.failureReason, .clientAppUsed, .deviceDetail.deviceId, .deviceDetail.browser,
 .deviceDetail.operatingSystem, (.deviceDetail.isCompliant // false),
 (.deviceDetail.isManaged // false), .deviceDetail.trustType,
 (if mfa then "MFA successfully completed" else "" end),
 (mfa.authenticationMethod // ""), (mfa.authenticationMethodDetail // ""),
 (if .authenticationRequirement == "multiFactorAuthentication" then "Multifactor authentication"
  else "Single-factor authentication" end),
 .signInIdentifier, .sessionId, .ipAddressFromResourceProvider, false, "",
 .autonomousSystemNumber, (.flaggedForReview // false), .tokenIssuerType, "None",
 .tokenIssuerName, .processingTimeInMilliseconds, (.conditionalAccessStatus | ca), "", "", "", ""]
| map(if . == null then "" else . end) | @csv
EOF
# The application (service principal) download: 22 columns, no token id.
cat >"$WORK/app.jq" <<'EOF'
def place: [.location.city, .location.state, .location.countryOrRegion]
    | map(select(. != null and . != "")) | join(", ");
if $hdr then ["Date (UTC)", "Request ID", "Correlation ID", "Service principal ID",
  "Service principal name", "Credential key ID", "Credential thumbprint", "Application",
  "Application ID ", "App owner tenant ID", "Resource", "Resource ID ", "Resource tenant ID",
  "Resource owner tenant ID", "Home tenant ID", "Home tenant name", "IP address", "Location",
  "Status", "Sign-in error code", "Failure reason", "Conditional Access"]
else [.createdDateTime, .id, .correlationId, .servicePrincipalId, .servicePrincipalName,
  .servicePrincipalCredentialKeyId, .servicePrincipalCredentialThumbprint, .appDisplayName,
  .appId, .appOwnerTenantId, .resourceDisplayName, .resourceId, .resourceTenantId,
  .resourceOwnerTenantId, .homeTenantId, .homeTenantName, .ipAddress, place,
  (if .status.errorCode == 0 then "Success" else "Failure" end), .status.errorCode,
  .status.failureReason,
  ({"notApplied": "Not Applied", "success": "Success", "failure": "Failure"}
   [.conditionalAccessStatus // ""] // "")]
end | map(if . == null then "" else . end) | @csv
EOF
# The audit log download: $nt targets of $np modified properties and $nd additional details in
# numbered columns (the portal writes 3, 5 and 6).
cat >"$WORK/audit.jq" <<'EOF'
def word: if . == null then "" else (.[0:1] | ascii_upcase) + .[1:] end;
def header: ["Date (UTC)", "CorrelationId", "Service", "Category", "Activity", "Result",
             "ResultReason", "User Agent", "ActorType", "ActorDisplayName", "ActorObjectId",
             "ActorUserPrincipalName", "IPAddress", "ActorHomeTenantId", "ActorHomeTenantName",
             "ActorServicePrincipalId", "ActorServicePrincipalName"]
    + [range(1; $nt + 1) as $t | "Target\($t)Type", "Target\($t)DisplayName",
       "Target\($t)ObjectId", "Target\($t)UserPrincipalName",
       (range(1; $np + 1) as $p | "Target\($t)ModifiedProperty\($p)Name",
        "Target\($t)ModifiedProperty\($p)OldValue", "Target\($t)ModifiedProperty\($p)NewValue")]
    + [range(1; $nd + 1) as $d | "AdditionalDetail\($d)Key", "AdditionalDetail\($d)Value"];
def row: . as $a | (.initiatedBy.user // null) as $u | (.initiatedBy.app // null) as $app
    | [.activityDateTime, .correlationId, .loggedByService, .category, .activityDisplayName,
       (.result | word), .resultReason,
       ([.additionalDetails[]? | select(.key == "User-Agent") | .value] | first // ""),
       (if $u then "User" elif $app then "Application" else "" end),
       ($u.displayName // $app.displayName // ""), ($u.id // $app.servicePrincipalId // ""),
       ($u.userPrincipalName // ""), ($u.ipAddress // $app.ipAddress // ""), "", "",
       ($app.servicePrincipalId // ""), ($app.servicePrincipalName // "")]
    + [range(0; $nt) as $t | ($a.targetResources[$t] // {}) as $r
       | ($r.type // ""), ($r.displayName // ""), ($r.id // ""), ($r.userPrincipalName // ""),
         (range(0; $np) as $p | ($r.modifiedProperties[$p] // {}) as $m
          | ($m.displayName // ""), ($m.oldValue // ""), ($m.newValue // ""))]
    + [range(0; $nd) as $d | ([$a.additionalDetails[]? | select(.key != "User-Agent")][$d] // {})
       | (.key // ""), (.value // "")]
    | map(if . == null then "" else . end);
if $hdr then header else row end | @csv
EOF

# download DIR NP: each Graph file as the download the portal names after its tab; audits with
# NP modified-property columns per target.
download() {
    local out=$1 np=$2 f b d
    mkdir -p "$out"
    for f in "$sim"/entra/*.json; do
        b=$(basename "$f" .json)
        d=${b#*_}
        case $b in
        signIns_*)
            { echo "$signin_header"
              jq -c '.value[]' "$f" | jq -r --argjson blank0 true -f "$WORK/signin.jq"
            } >"$out/InteractiveSignIns_$d.csv" ;;
        nonInteractiveSignIns_*)
            { echo "$signin_header"
              jq -c '.value[]' "$f" | jq -r --argjson blank0 false -f "$WORK/signin.jq"
            } >"$out/NonInteractiveSignIns_$d.csv" ;;
        servicePrincipalSignIns_*)
            { jq -rn --argjson hdr true -f "$WORK/app.jq"
              jq -c '.value[]' "$f" | jq -r --argjson hdr false -f "$WORK/app.jq"
            } >"$out/ApplicationSignIns_$d.csv" ;;
        directoryAudits_*)
            local a=(--argjson nt 3 --argjson np "$np" --argjson nd 6)
            { jq -rn "${a[@]}" --argjson hdr true -f "$WORK/audit.jq"
              jq -c '.value[]' "$f" | jq -r "${a[@]}" --argjson hdr false -f "$WORK/audit.jq"
            } >"$out/AuditLogs_$d.csv" ;;
        esac
    done
}
for v in graph wide portal; do
    mkdir -p "$WORK/$v"
    cp -r "$sim/ual" "$WORK/$v/"
done
cp -r "$sim/entra" "$WORK/graph/"
download "$WORK/wide/entra" 12
download "$WORK/portal/entra" 5
expect_eq "downloads written" "$(ls "$WORK/portal/entra" | sed 's/_.*//' | sort -u | tr '\n' ' ')" \
    "ApplicationSignIns AuditLogs InteractiveSignIns NonInteractiveSignIns "
expect_grep "the portal's sign-in header" "$WORK/portal/entra/InteractiveSignIns_2025-08-05.csv" \
    '^"Date \(UTC\)",.*"Application ID ",.*"Autonomous system  number",.*"Incoming token type",'
expect_grep "the portal's audit header" "$WORK/portal/entra/AuditLogs_2025-08-09.csv" \
    '"Target3ModifiedProperty5NewValue","AdditionalDetail1Key"'

ranges=(--ip-ranges "$sim/enrichment/ip-ranges.txt")
for v in graph wide portal; do
    scan_shape "$v" "$WORK/$v" "${ranges[@]}"
    # Events less what no download holds: coordinates, the authentication steps (only the MFA
    # method is there), an audit's id, operation type and acting application's id, an
    # application sign-in's token id and network.
    jq -cS 'del(.format, .evidence, .location.lat, .location.lon)
            | .extra |= [(. // [])[] | select(.name != "authenticationMethod"
                                              and .name != "operationType")]
            | if .kind == "directory" then del(.actor.app_id) else . end
            | if .source == "signin-service-principal" then del(.token_id)
                  | .extra |= map(select(.name != "autonomousSystemNumber")) else . end
            | if .extra == [] then del(.extra) else . end' \
        "$WORK/$v.events" | sort >"$WORK/$v.cmp"
done
# Findings less what the audit download does not have: the records' ids, and the application id
# of an application that made a change (a finding may list it among its entities).
actor_apps=$(jq -sc '[.[] | select(.kind == "directory") | .actor.app_id // empty] | unique' \
    "$WORK/graph.events")
for v in graph wide portal; do
    jq -cS --argjson aa "$actor_apps" \
        '[.findings[] | del(.incident) | .entities.apps -= $aa
          | .evidence |= map(del(.file, .line, .offset, .record_id))] | sort_by(.rule, .summary)' \
        "$WORK/$v.json" >"$WORK/$v.fcmp"
done
expect_eq "graph events" "$([ "$(wc -l <"$WORK/graph.cmp")" -gt 5000 ] && echo yes)" yes
for v in wide portal; do
    expect_eq "$v: every record parsed" \
        "$(jq -c '.evidence.totals | [.records_read == .parsed, .skipped]' "$WORK/$v.json")" \
        '[true,0]'
    expect_eq "$v: as many records as Graph" "$(total records_read "$WORK/$v.json")" \
        "$(total records_read "$WORK/graph.json")"
    expect_eq "$v: downloads read as entra-csv" \
        "$(jq -r '[.evidence.files[] | select(.path | test("/entra/")) | .format] | unique
                  | join(",")' "$WORK/$v.json")" entra-csv
done
# Sign-ins keep all the portal shows: the interactive flag from the file name, the status from
# the code (or Success with no code), the location split, the words turned back into Graph's.
expect_eq "wide: same events, less what downloads lack" \
    "$(cmp -s "$WORK/graph.cmp" "$WORK/wide.cmp" && echo same)" same
expect_eq "wide: same findings" \
    "$(cmp -s "$WORK/graph.fcmp" "$WORK/wide.fcmp" && echo same)" same
expect_eq "wide: no message" "$(cat "$WORK/wide.err")" ""
expect_eq "non-interactive sign-ins" \
    "$(jq -s '[.[] | select(.source == "signin-noninteractive" and .is_interactive == false)]
              | length' "$WORK/wide.events")" \
    "$(jq -s '[.[] | select(.source == "signin-noninteractive")] | length' "$WORK/graph.events")"
expect_eq "application sign-ins by their service principal" \
    "$(jq -s '[.[] | select(.source == "signin-service-principal" and .actor.id != null)]
              | length' \
        "$WORK/wide.events")" \
    "$(jq -s '[.[] | select(.source == "signin-service-principal")] | length' "$WORK/graph.events")"

# The portal's 5 properties per target: a grant's ServicePrincipal.AppId (the 8th) and its
# resource's service principal names (the 10th) are cut, which is said once per file; the
# grantee's app id comes from the records that made it, the resource's from the app role, so
# the findings are still the Graph pages'.
expect_grep "cut properties named" "$WORK/portal.err" \
    'AuditLogs_2025-08-09.csv:[0-9]+: 1 audit record\(s\) fill a target.s last modified-property '\
'columns \(Target…ModifiedProperty5\)'
expect_eq "portal: only that warning" "$(grep -vc 'fill a target' "$WORK/portal.err")" 0
expect_eq "portal: same findings" \
    "$(cmp -s "$WORK/graph.fcmp" "$WORK/portal.fcmp" && echo same)" same
expect_eq "portal: the grant's holder counted" \
    "$(grep -c 'holders of mailbox-wide access' "$WORK/portal.json")" 1
expect_eq "portal: the grant's resource" \
    "$(jq -r '[.findings[] | select(.rule == "mail-app-role-granted") | .details.grants[]?
               | select(.permission == "full_access_as_app") | .resource_app_id]
              | unique | join(",")' \
        "$WORK/portal.json")" 00000002-0000-0ff1-ce00-000000000000

# The grant alone, without the records that created its grantee: named by its target.
f=$WORK/portal/entra/AuditLogs_2025-08-09.csv
{ head -1 "$f"; grep 'Add app role assignment to service principal' "$f"; } \
    >"$WORK/AuditLogs_grant.csv"
scan_json "$WORK/grant.json" "$WORK/grant.err" "$WORK/AuditLogs_grant.csv"
expect_eq "grant alone: grantee and resource named" \
    "$(jq -r '.findings[] | select(.rule == "mail-app-role-granted") | .summary' \
        "$WORK/grant.json")" \
    "NO-Legacy-Automation granted the application permission full_access_as_app on Office 365 \
Exchange Online to CloudMail Relay; granted by a service principal, not a person."

# A renamed sign-in download is read as interactive, and said so; a row whose time cannot be
# read is skipped naming its column; the same download twice is counted as duplicates.
d=$WORK/portal/entra
cp "$d/NonInteractiveSignIns_2025-08-05.csv" "$WORK/signins-export.csv"
scan_json "$WORK/renamed.json" "$WORK/renamed.err" --events "$WORK/renamed.events" \
    "$WORK/signins-export.csv"
expect_eq "renamed: exit" "$RC" 0
expect_grep "renamed: said" "$WORK/renamed.err" \
    'signins-export.csv: the file name does not say which sign-ins these are .*read as interactive'
expect_eq "renamed: read as interactive" \
    "$(jq -s '[.[] | .is_interactive] | unique | tostring' "$WORK/renamed.events")" '"[true]"'
# A renamed application download needs no name: it has no user columns.
cp "$d/ApplicationSignIns_2025-08-05.csv" "$WORK/sp-export.csv"
scan_json "$WORK/sp.json" "$WORK/sp.err" --events "$WORK/sp.events" "$WORK/sp-export.csv"
expect_eq "renamed application download: no message" "$(cat "$WORK/sp.err")" ""
expect_eq "renamed application download: service principal sign-ins" \
    "$(jq -s '[.[] | .source] | unique | tostring' "$WORK/sp.events")" \
    '"[\"signin-service-principal\"]"'
f=$d/InteractiveSignIns_2025-08-05.csv
{ head -3 "$f"
  sed -n 4p "$f" | sed 's#^"2025-08-05T[0-9:]*Z"#"28/04/2021 14:08"#'
  tail -n +5 "$f"; } >"$WORK/InteractiveSignIns_bad.csv"
scan_json "$WORK/bad.json" "$WORK/bad.err" "$WORK/InteractiveSignIns_bad.csv" "$f"
expect_grep "bad time named" "$WORK/bad.err" \
    'InteractiveSignIns_bad.csv:4: Date \(UTC\): not a valid timestamp'
n=$(($(wc -l <"$f") - 1))
expect_eq "bad row skipped, the rest kept" \
    "$(jq -c '[.evidence.files[] | [.records_read, .parsed, .skipped, .duplicates]]' \
        "$WORK/bad.json")" \
    "[[$n,$((n - 1)),1,0],[$n,1,0,$((n - 1))]]"

# Column names in another language: not taken for a download; forced, every row is skipped
# with the reason.
printf '%s\n%s\n' \
    '"Date (UTC)","ID de demande","Agent utilisateur","Nom d’utilisateur","Statut"' \
    '"2025-08-05T10:00:00Z","a","b","c@contoso.com","Succès"' >"$WORK/fr.csv"
scan_json "$WORK/fr.json" "$WORK/fr.err" "$WORK/fr.csv"
expect_eq "localised: not read" "$(jq -r '.evidence.files[0].format' "$WORK/fr.json")" null
scan_json "$WORK/fr2.json" "$WORK/fr2.err" --input-format entra-csv "$WORK/fr.csv"
expect_grep "localised, forced: reason" "$WORK/fr2.err" \
    'fr.csv:2: the header row is neither an Entra sign-in nor an audit log download'
expect_eq "localised, forced: skipped" "$(total skipped "$WORK/fr2.json")" 1

# The download's one method column is the MFA step's: "Previously satisfied" there says nothing
# of the password, so a session carried to another device is told from Graph's steps alone. The
# download still shows the sign-in as a first-days one (one sign-in in a country nobody of the
# tenant lives in, between the user's own), not as a carried session.
CARRIED=$SRC/tests/detections/anomalous-signin-location/pos_graph_first_week_session_carried_to_another_device
{ echo "$signin_header"
  jq -c '.value[]' "$CARRIED/signins.json" | jq -r --argjson blank0 true -f "$WORK/signin.jq"
} >"$WORK/InteractiveSignIns_carried.csv"
carried='[.findings[] | select(.rule == "anomalous-signin-location") | .details.new_locations[]
          | [.session_carried, .user_first_days]] | tostring'
scan_json "$WORK/carried-graph.json" "$WORK/carried.err" "$CARRIED/signins.json"
expect_eq "carried session: Graph's steps show it" "$(jq -r "$carried" "$WORK/carried-graph.json")" \
    '[[true,false]]'
scan_json "$WORK/carried.json" "$WORK/carried.err" "$WORK/InteractiveSignIns_carried.csv"
expect_eq "carried session: the download cannot, only the first days' shape" \
    "$(jq -r "$carried" "$WORK/carried.json")" '[[false,true]]'
inpart='[.not_evaluated[] | select(.rule == "anomalous-signin-location") | .in_part] | tostring'
expect_eq "carried session: the download says it could not judge it" \
    "$(jq -r "$inpart" "$WORK/carried.json")" '[true]'
expect_eq "carried session: Graph's pages judged it" "$(jq -r "$inpart" "$WORK/carried-graph.json")" '[]'
expect_eq "carried session: the download's sign-ins all read" \
    "$(jq -c '.evidence.totals | [.parsed, .skipped]' "$WORK/carried.json")" \
    "[$(jq '.value | length' "$CARRIED/signins.json"),0]"
finish
