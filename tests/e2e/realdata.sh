#!/usr/bin/env bash
# Golden test over the public real samples in ../shared/realdata (skipped when absent).
# Expected values were checked by hand against the raw files and their MANIFEST.md.
source "$(dirname "$0")/common.bash" "$@"
R=$SRC/../shared/realdata
if [ ! -d "$R" ]; then
    echo "realdata folder absent: skipped"
    exit 77
fi
scan_json "$WORK/out.json" "$WORK/err.txt" --events "$WORK/ev.jsonl" "$R"
O=$WORK/out.json
E=$WORK/ev.jsonl
expect_eq "exit code" "$RC" 0

# Accounting per format and in total. The MANIFEST states no file holds a record twice, but the
# three OTRF archives (.Zip, read member by member) sit beside their _unzipped/ copies: the
# copies' records are duplicates of the members' (the archive's path sorts first).
fmt() { jq -r ".evidence.formats[] | select(.name==\"$1\") | \"\(.files) \(.records_read) \(.parsed) \(.skipped) \(.duplicates)\"" "$O"; }
expect_eq "ual-json"   "$(fmt ual-json)"   "1 73 73 0 0"
expect_eq "graph-json" "$(fmt graph-json)" "1 79 79 0 0"
expect_eq "azmon-json" "$(fmt azmon-json)" "3 27 27 0 0"
expect_eq "la-json"    "$(fmt la-json)"    "4 10 5 0 5"
expect_eq "la-csv"     "$(fmt la-csv)"     "6 334 333 1 0"
# MANIFEST: Microsoft365DefenderEvents.json, 9 advanced hunting rows, one CloudAppEvents
# MailItemsAccessed with its UAL record in RawEventData; the other 8 rows hold none (twice: the
# archive and its copy).
expect_eq "defender-json" "$(fmt defender-json)" "2 18 1 16 1"
expect_eq "totals" "$(jq -r '.evidence.totals | "\(.records_read) \(.parsed) \(.skipped) \(.duplicates)"' "$O")" "541 518 17 6"
expect_eq "read = parsed + skipped + duplicates, per file" \
    "$(jq '[.evidence.files[] | select(.records_read != .parsed + .skipped + .duplicates)] | length' "$O")" 0

# Files that are not evidence are named, with a reason (archives, docs, watchlists, test wrappers).
otrf=GoldenSAMLADFSMailAccess
expect_eq "OTRF archives read member by member" \
    "$(jq -r ".evidence.files[] | select(.path | contains(\"$otrf/\")) | select(.compression == \"zip\")
              | \"\(.path | sub(\".*$otrf/\"; \"\")) \(.format) \(.records_read) \(.duplicates)\"" "$O")" \
    "AADAuditEvents.Zip/AADAuditEvents.json la-json 4 0
Microsoft365DefenderEvents.Zip/Microsoft365DefenderEvents.json defender-json 9 0
OfficeActivityEvents.Zip/OfficeActivityEvents.json la-json 1 0"
expect_eq "their _unzipped copies: duplicates" \
    "$(jq -r ".evidence.files[] | select(.path | contains(\"$otrf/_unzipped/\"))
              | \"\(.records_read - .duplicates - .skipped)\"" "$O" | sort -u)" 0
expect_grep "watchlist named" "$WORK/err.txt" 'HighRiskApps\.csv: not read: text whose header matches no known CSV export'
expect_grep "query summary row skipped" "$WORK/err.txt" 'signinLogs\.csv:2: UserPrincipalName: not a sign-in record'
expect_grep "untimed rows reported" "$WORK/err.txt" 'AuditLogs_Hunting\.csv: 5 record\(s\) carry no timestamp'

sel() { jq -r "select(.evidence.file|endswith(\"$1\")) | $2" "$E"; }
# MANIFEST: sign-in_adelete.csv holds ResultType 0 x53, 16000 x2, 50058 x1, all from 175.45.176.99.
expect_eq "adelete codes" "$(sel sign-in_adelete.csv '.error_code // 0' | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')" "0:53 16000:2 50058:1 "
expect_eq "adelete ips" "$(sel sign-in_adelete.csv .ip | sort -u)" "175.45.176.99"
expect_eq "adelete interrupt result" "$(sel sign-in_adelete.csv 'select(.error_code==16000) | .result' | sort -u)" "interrupted"
# Portal CSV time "4/28/2021, 2:08:45.221 PM" in column "CreatedDateTime [UTC]".
expect_eq "portal csv time" "$(sel sign-in_adelete.csv 'select(.evidence.record_id=="cfb68155-70f5-4e28-b046-0a3a7086c401") | .time')" "2021-04-28T14:08:45.221Z"
# disable_accounts.csv has no time column: times come from authenticationStepDateTime.
expect_eq "disabled account attempts" "$(sel disable_accounts.csv '"\(.time) \(.error_code) \(.result) \(.actor.upn)"' | head -1)" \
    "2021-04-19T12:13:19.483Z 50057 failure johns@m365x816222.onmicrosoft.com"
# MANIFEST: office_activity.csv has 266 records, 3 of them MailItemsAccessed.
expect_eq "office activity rows" "$(sel /office_activity.csv .operation | wc -l)" 266
expect_eq "office activity mail reads" "$(sel /office_activity.csv 'select(.kind=="mail-access") | .operation' | wc -l)" 3
# IPv6 with brackets and port -> bare address.
expect_eq "inbox rule ip" "$(sel office_activity_inbox_rule.csv .ip | sort -u)" "2a01:110:8068:7:9bf8:aa87:e00a:5f1f"
expect_eq "inbox rule time (Start_Time fallback)" "$(sel office_activity_inbox_rule.csv 'select(.evidence.record_id=="d28096ba-03b1-4c2a-1503-08d908826606") | .time')" "2021-04-26T07:17:10.000Z"
expect_eq "inbox rule params" "$(sel office_activity_inbox_rule.csv 'select(.evidence.record_id=="d28096ba-03b1-4c2a-1503-08d908826606") | [.parameters[] | select(.name=="MoveToFolder" or .name=="SubjectContainsWords") | .value] | join("|")')" "Junk Email|do not open"
# En dash and trailing space: normalised operation, raw kept.
expect_eq "credential op normalised" "$(sel AuditLogs_Hunting.csv .operation | sort -u)" "Update application - Certificates and secrets management"
expect_eq "credential op raw" "$(sel AuditLogs_Hunting.csv .operation_raw | sort -u)" "Update application – Certificates and secrets management "
expect_eq "credential actor ip" "$(sel AuditLogs_Hunting.csv 'select(.actor.upn|startswith("victim")) | "\(.actor.upn) \(.ip)"' | sort -u)" "victim@buildseccxpninja.onmicrosoft.com 45.153.160.2"
expect_grep "KeyDescription decoded" <(sel AuditLogs_Hunting.csv '.modified_properties[] | select(.name=="KeyDescription") | .new') 'KeyType=Password,KeyUsage=Verify'
# OTRF: JSON-in-string values parsed once more; Graph mail read by the attacker app.
expect_eq "delegated scope decoded" "$(sel AADAuditEvents.json 'select(.operation=="Add delegated permission grant") | .modified_properties[] | select(.name=="DelegatedPermissionGrant.Scope") | .new')" "User.Read Mail.ReadWrite"
# The same read through Defender's CloudAppEvents: the record in RawEventData, its
# OperationProperties and Folders flattened by the collector's ConvertTo-Json (said once).
expect_eq "defender mail read" "$(sel Microsoft365DefenderEvents.json '"\(.time) \(.kind) \(.client_app_id) \(.mail.mailbox) \(.mail.operation_count) \(.evidence.record_id)"')" \
    "2021-08-02T13:32:07.000Z mail-access 5a95e683-08ad-424e-a441-1d1aec52c02c pgustavo@simulandlabs.com 7 699e0b10-1c53-403e-976f-ce0847a92b44"
# SharePoint and OneDrive name their client (ApplicationDisplayName);
# one whose "name" is its id again (FileMalwareDetected by f482d5ab-…) names nothing.
expect_eq "sharepoint clients named" \
    "$(sel _extracted/o365_management_activity.jsonl 'select(.app_name) | "\(.operation) \(.app_name)"' | sort | tr '\n' ';')" \
    "AddedToSecureLink Microsoft Teams;FileDownloaded MeTA;FileMalwareDetected AntiVirusScanningHighVolumeWriteJob;FileModifiedExtended WebExcel;"
# The row's account is the app that read (AccountObjectId = ClientAppId): its name is kept, and
# the mail rules name the app with it ("SimuLandApp (5a95e683-…)"), as no UAL record does.
expect_eq "defender row names the app" \
    "$(sel Microsoft365DefenderEvents.json '.extra[] | select(.name=="AccountDisplayName") | .value')" "SimuLandApp"
expect_eq "the app named in the mail rule's summary" \
    "$(jq -r '.findings[] | select(.rule=="rare-app-mail-access") | .summary' "$O" | grep -c 'Application SimuLandApp (5a95e683-08ad-424e-a441-1d1aec52c02c)')" 1
expect_grep "defender device rows named" "$WORK/err.txt" \
    'Microsoft365DefenderEvents\.json:1: RawEventData: no audit record in this row \(ActionType "LdapSearch"\)'
expect_grep "defender depth limit named" "$WORK/err.txt" \
    'Microsoft365DefenderEvents\.json: 3 value\(s\) are PowerShell.s text for an object .*the first at line 8'
expect_eq "graph mail read" "$(sel OfficeActivityEvents.json '"\(.kind) \(.app_id) \(.client_app_id) \(.mail.mailbox) \(.mail.items) \(.mail.access_type)"')" \
    "mail-access 00000003-0000-0000-c000-000000000000 5a95e683-08ad-424e-a441-1d1aec52c02c pgustavo@simulandlabs.com 7 Bind"
# Log Analytics' ResourceId is the Azure path of the directory ("/tenants/…/providers/
# Microsoft.aadiam"); the resource a sign-in was for is ResourceIdentity.
expect_eq "LA sign-in resource ids" \
    "$(sel sign-in_adelete.csv 'select(.kind=="signin" and .resource_id != null) | .resource_id' | grep -vc '^[0-9a-f-]\{36\}$')" 0
expect_eq "LA sign-ins to Graph" \
    "$(sel sign-in_adelete.csv 'select(.resource_name=="Microsoft Graph") | .resource_id' | sort | uniq -c | xargs)" \
    "12 00000003-0000-0000-c000-000000000000"
# One OTRF mail read is in two shapes: Defender's CloudAppEvents and the OfficeActivity table.
# Ids reused within one format (anonymised SEKOIA records, the OTRF rows below) are no overlap.
expect_eq "one record in two shapes" \
    "$(jq -c '[.evidence.overlaps[] | [.formats, .records, .record_id]]' "$O")" \
    '[[["defender-json","la-json"],1,"699e0b10-1c53-403e-976f-ce0847a92b44"]]'
# Two OTRF rows share Id and time but differ in content: both kept (not duplicates).
expect_eq "same id, different content kept" "$(sel AADAuditEvents.json 'select(.operation|startswith("Update application -")) | .evidence.record_id' | wc -l)" 2
# UAL UserLoginFailed keeps ResultStatus "Success": the operation decides.
expect_eq "UserLoginFailed" "$(jq -r 'select(.operation=="UserLoginFailed") | "\(.result) \(.error_code) \(.result_detail)"' "$E")" "failure 500121 AuthenticationFailedSasError"
# Azure Monitor: 7-digit fraction, KMSI interrupt.
expect_eq "azmon signin" "$(sel signinlogs.log '"\(.time) \(.result) \(.error_code) \(.location.country)"')" "2019-10-18T09:45:48.072Z interrupted 50140 FR"
# Categories in the Event Hub sample (MANIFEST: 6 SignInLogs, 1 non-interactive, 1 SP, 3 Graph, 3 risk).
expect_eq "event hub sources" "$(sel azure-ad_eventhub_diagnostic.jsonl .source | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')" \
    "directory-audit:11 graph-activity:3 risk:3 signin:6 signin-noninteractive:1 signin-service-principal:1 "
# Graph directoryAudits export: 78 audits and one signIn.
expect_eq "graph kinds" "$(sel entraid-graphapi.jsonl .kind | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')" "directory:78 signin:1 "
# Events come out in time order (untimed first).
expect_eq "time order" "$(jq -rs '[.[].time | select(. != null)] | . == sort' "$E")" "true"

finish
