#!/usr/bin/env bash
# Regenerates the fixtures of the mail-collection rules (tests/detections/{app-mailbox-access,
# rare-app-mail-access,bulk-mail-access,mail-audit-stopped,mailbox-access-after-audit-disabled}).
# Records are derived from the demo tenant's real-shaped records (examples/contoso-demo) and the
# OTRF OfficeActivity sample shape, with ids, times, users and addresses changed.
# Usage: bash tests/tools/gen_mail_fixtures.sh   (from the source tree)
set -euo pipefail
cd "$(dirname "$0")/../.."
T=tests/detections
TEN=6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14
DOM=contosodemo.onmicrosoft.com
SIDP=S-1-5-21-2961442807-1823374522-3371018419

# Templates.
MIA=$(grep -h '"MailItemsAccessed"' examples/contoso-demo/ual/audit-2026-03-06.jsonl | jq -c 'select(.ClientAppId=="b7e4a0d2-6c19-4f8a-93d5-1e2f6a8c0b47")' | sed -n 1p)
GSI=$(jq -c '.value[] | select(.clientAppUsed=="Browser" and .status.errorCode==0)' examples/contoso-demo/entra/signins-page1.json | sed -n 1p)

sid() { printf '%s-%d' "$SIDP" "$1"; }
uuid() { printf '%08x-%04x-4%03x-8%03x-%012x' "$1" "$2" "$(($3 % 4096))" "$(($4 % 4096))" "$5"; }

# mia ID TIME MAILBOX OWNER_RID ACTOR LOGON_RID APPID CLIENTAPPID IP CLIENTINFO ACCESS THROTTLED FOLDER NITEMS LOGONTYPE SESSION
mia() {
    echo "$MIA" | jq -c --arg id "$1" --arg t "$2" --arg mb "$3" --arg osid "$(sid "$4")" --arg actor "$5" \
        --arg lsid "$(sid "$6")" --arg app "$7" --arg capp "$8" --arg ip "$9" --arg ci "${10}" --arg at "${11}" \
        --arg thr "${12}" --arg folder "${13}" --argjson n "${14}" --argjson lt "${15}" --arg sess "${16}" '
      .Id=$id | .CreationTime=$t | .MailboxOwnerUPN=$mb | .MailboxOwnerSid=$osid | .UserId=$actor | .LogonUserSid=$lsid
      | (if $app == "" then del(.AppId) else .AppId=$app end)
      | (if $capp == "" then del(.ClientAppId) | del(.AppAccessContext.ClientAppId) else .ClientAppId=$capp | .AppAccessContext.ClientAppId=$capp end)
      | .ClientIPAddress=$ip | .ClientInfoString=$ci | .LogonType=$lt | .InternalLogonType=$lt
      | .OperationProperties=[{"Name":"MailAccessType","Value":$at},{"Name":"IsThrottled","Value":$thr}]
      | .AppAccessContext.AADSessionId=$sess | .AppAccessContext.IssuedAtTime=$t
      | .AppAccessContext.UniqueTokenId=($id | gsub("-";"") | .[0:22])
      | .MailboxGuid=($id | .[0:8] + "-aaaa-4bbb-8ccc-" + .[24:36])
      | .OperationCount=(if $at == "Sync" then 1 else $n end)
      | .Folders=(if $at == "Sync" then [{"Id":("LgAAAAAj" + ($id|.[0:8])), "Path":$folder}]
                  else [{"Id":("LgAAAAAj" + ($id|.[0:8])), "Path":$folder,
                         "FolderItems":[range(0; $n) as $k | {"Id":("RgAAAAD" + ($id|.[0:8]) + ($k|tostring)),
                           "InternetMessageId":("<" + ($id|.[0:8]) + ($k|tostring) + "@CH3PR05MB7781.namprd05.prod.outlook.com>"),
                           "SizeInBytes":(12000 + $k * 731)}]}] end)'
}

# Log Analytics OfficeActivity row (JSON) from a UAL MailItemsAccessed record.
la_row() {
    jq -c '{TenantId:"9e2d7c41-3a5b-4f08-b6e1-d04c8a2f7b93", RecordType:"50", TimeGenerated:(.CreationTime + "Z"),
        Operation:.Operation, OrganizationId:.OrganizationId, OrganizationId_:.OrganizationId, UserType:"Regular",
        UserKey:.UserKey, OfficeWorkload:"Exchange", ResultStatus:"Succeeded", ResultReasonType:"Succeeded",
        UserId:.UserId, UserId_:.UserId, ExternalAccess:"False", OriginatingServer:.OriginatingServer,
        OrganizationName:.OrganizationName, Logon_Type:(if .LogonType == 0 then "Owner" elif .LogonType == 1 then "Admin" else "Delegate" end),
        MailboxGuid:.MailboxGuid, MailboxOwnerUPN:.MailboxOwnerUPN, MailboxOwnerSid:.MailboxOwnerSid,
        LogonUserSid:.LogonUserSid, ClientInfoString:.ClientInfoString, Client_IPAddress:.ClientIPAddress,
        AppId:(.AppId // ""), ClientAppId:(.ClientAppId // ""), OperationProperties:(.OperationProperties|tojson),
        Folders:(.Folders|tojson), SourceSystem:"OfficeActivityManager", OfficeId:.Id, SourceRecordId:.Id,
        Start_Time:(.CreationTime + "Z"), OfficeTenantId:.OrganizationId, OfficeTenantId_:.OrganizationId,
        Type:"OfficeActivity"}'
}

# Graph sign-in: ID TIME UPN OID IP APPID APPNAME
gsi() {
    echo "$GSI" | jq -c --arg id "$1" --arg t "$2" --arg u "$3" --arg oid "$4" --arg ip "$5" --arg app "$6" --arg an "$7" '
      .id=$id | .originalRequestId=$id | .createdDateTime=$t | .userPrincipalName=$u | .signInIdentifier=$u
      | .userId=$oid | .userDisplayName=($u|split("@")[0]) | .ipAddress=$ip | .appId=$app | .appDisplayName=$an
      | .resourceId="00000002-0000-0ff1-ce00-000000000000" | .resourceDisplayName="Office 365 Exchange Online"
      | .authenticationDetails[0].authenticationStepDateTime=$t | .networkLocationDetails=[]
      | .correlationId=($id|.[0:8] + "-1111-4222-8333-" + .[24:36]) | .sessionId=($id|.[0:8] + "-5555-4666-8777-" + .[24:36])
      | .uniqueTokenIdentifier=($id|gsub("-";"")|.[2:24])'
}
page() { jq -sc '{"@odata.context":"https://graph.microsoft.com/beta/$metadata#auditLogs/signIns","value":.}'; }

EWS="Client=WebServices;ExchangeWebServices/15.0;"
REST="Client=REST;Client=RESTSystem;;"
OUTLOOK="Client=MSExchangeRPC"
GRAPH=00000003-0000-0000-c000-000000000000
EXO=00000002-0000-0ff1-ce00-000000000000
BACKUP=5d2a8f6e-1b3c-4e7d-9f04-a6c8e2b1d359
EVIL=c81f5a2e-9d47-4b10-a6e3-7f2b9c4d1e08
CRM=4a7d1c9e-2b36-4f85-9e01-8c5b3a6d7f24
users=(dana.whitfield marcus.oyelaran priya.raman lucia.fernandez ken.yamada secops tom.becker)
rid() { echo $((64387690 + $1 * 1117)); }

reset() { rm -rf "$T/$1/$2"; mkdir -p "$T/$1/$2"; }

# ---- app-mailbox-access -----------------------------------------------------------------------
R=app-mailbox-access
# Owners reading their own mail from day 1, then an EWS application impersonating an account
# across four mailboxes from an Azure address (UAL JSON Lines).
reset $R pos_ual_ews_impersonation
{
    for i in 0 1 2 3; do mia "$(uuid 1 1 $i $i $((100 + i)))" 2026-03-02T1$i:05:11 "${users[$i]}@$DOM" $i "${users[$i]}@$DOM" $i "" "" 203.0.113.10 "$OUTLOOK" Sync False '\Inbox' 0 0 ""; done
    for i in 0 1 2 3; do mia "$(uuid 1 2 $i $i $((200 + i)))" 2026-03-06T16:0$i:11 "${users[$i]}@$DOM" $i "svc-sync@$DOM" 90 $EVIL $EVIL 40.76.173.208 "$EWS" Bind False '\Inbox' $((4 + i)) 1 40995f02-f5de-4866-a842-3829afd3c0e7; done
} >"$T/$R/pos_ual_ews_impersonation/audit.jsonl"
echo '{"rule":"app-mailbox-access","findings":[{"severity":"critical","entities":{"apps":["'$EVIL'"],"users":["svc-sync@'$DOM'"],"ips":["40.76.173.208"],"mailboxes":["dana.whitfield@'$DOM'","priya.raman@'$DOM'"]},"details":{"impersonation":true,"items":22,"peak_mailboxes_in_window":4}}]}' >"$T/$R/pos_ual_ews_impersonation/expect.json"
# A CRM connector reading one VIP mailbox through Graph (Log Analytics OfficeActivity JSON).
reset $R pos_la_graph_vip
{
    mia "$(uuid 2 1 0 0 300)" 2026-03-02T09:15:00 "tom.becker@$DOM" 6 "tom.becker@$DOM" 6 "" "" 203.0.113.10 "$OUTLOOK" Sync False '\Inbox' 0 0 "" | la_row
    mia "$(uuid 2 2 0 0 301)" 2026-03-05T11:42:10 "priya.raman@$DOM" 2 "priya.raman@$DOM" 2 $GRAPH $CRM 52.170.33.18 "$REST" Bind False '\Inbox\Board' 6 0 "" | la_row
} >"$T/$R/pos_la_graph_vip/OfficeActivity.json"
printf '# executives and security\npriya.raman@%s\nsecops@%s\n' $DOM $DOM >"$T/$R/pos_la_graph_vip/vip.txt"
printf -- '--vip\n@CASE@/vip.txt\n' >"$T/$R/pos_la_graph_vip/args"
echo '{"rule":"app-mailbox-access","findings":[{"severity":"high","entities":{"apps":["'$CRM'"],"mailboxes":["priya.raman@'$DOM'"]},"details":{"vip_mailbox":true,"impersonation":false}}]}' >"$T/$R/pos_la_graph_vip/expect.json"
# A backup product reading every mailbox through Graph every night since the start: baseline.
reset $R neg_ual_backup_since_start
for d in 1 2 3 4 5 6; do for i in 0 1 2 3 4 5 6; do mia "$(uuid 3 $d $i $i $((400 + d * 10 + i)))" 2026-03-0${d}T02:0$i:14 "${users[$i]}@$DOM" $i "${users[$i]}@$DOM" $i $GRAPH $BACKUP 192.0.2.25 "$REST" Sync False '\Inbox' 0 0 ""; done; done >"$T/$R/neg_ual_backup_since_start/audit.jsonl"
echo '{"rule":"app-mailbox-access","findings":[]}' >"$T/$R/neg_ual_backup_since_start/expect.json"
# Owners through Outlook / OWA / mobile and a delegate through OWA: Microsoft clients.
reset $R neg_ual_owners_and_delegate
{
    for i in 0 1 2 3 4; do mia "$(uuid 4 1 $i $i $((500 + i)))" 2026-03-03T1$i:20:00 "${users[$i]}@$DOM" $i "${users[$i]}@$DOM" $i $EXO "" 203.0.113.10 "Client=OWA;Action=ViaProxy" Bind False '\Inbox' 2 0 ""; done
    for i in 0 1 2; do mia "$(uuid 4 2 $i $i $((510 + i)))" 2026-03-03T2$i:40:00 "${users[$i]}@$DOM" $i "${users[$i]}@$DOM" $i 27922004-5251-4030-b22d-91ecd9a37ea4 27922004-5251-4030-b22d-91ecd9a37ea4 2603:10b6:806:1f4::7 "Client=OutlookService;Outlook-iOS/2.0;" Bind False '\Inbox' 1 0 ""; done
    mia "$(uuid 4 3 0 0 520)" 2026-03-04T15:46:00 "dana.whitfield@$DOM" 0 "emily.tran@$DOM" 77 $EXO "" 203.0.113.11 "Client=OWA;Action=ViaProxy" Bind False '\Calendar' 2 2 ""
} >"$T/$R/neg_ual_owners_and_delegate/audit.jsonl"
echo '{"rule":"app-mailbox-access","findings":[]}' >"$T/$R/neg_ual_owners_and_delegate/expect.json"
# Parameter: an app reading three mailboxes (no VIP, as the owner) fires at the default of 3 …
reset $R pos_ual_three_mailboxes
{
    mia "$(uuid 5 1 0 0 600)" 2026-03-02T08:00:00 "tom.becker@$DOM" 6 "tom.becker@$DOM" 6 "" "" 203.0.113.10 "$OUTLOOK" Sync False '\Inbox' 0 0 ""
    for i in 0 1 3; do mia "$(uuid 5 2 $i $i $((610 + i)))" 2026-03-05T10:1$i:00 "${users[$i]}@$DOM" $i "${users[$i]}@$DOM" $i $GRAPH $CRM 52.170.33.18 "$REST" Bind False '\Inbox' 3 0 ""; done
} >"$T/$R/pos_ual_three_mailboxes/audit.jsonl"
echo '{"rule":"app-mailbox-access","findings":[{"severity":"high","entities":{"apps":["'$CRM'"]},"details":{"peak_mailboxes_in_window":3}}]}' >"$T/$R/pos_ual_three_mailboxes/expect.json"
# … and not with min_mailboxes raised to 5.
reset $R neg_ual_three_mailboxes_min5
cp "$T/$R/pos_ual_three_mailboxes/audit.jsonl" "$T/$R/neg_ual_three_mailboxes_min5/"
printf 'rules:\n  app-mailbox-access:\n    min_mailboxes: 5\n' >"$T/$R/neg_ual_three_mailboxes_min5/m365hunt.yaml"
printf -- '--config\n@CASE@/m365hunt.yaml\n' >"$T/$R/neg_ual_three_mailboxes_min5/args"
echo '{"rule":"app-mailbox-access","findings":[]}' >"$T/$R/neg_ual_three_mailboxes_min5/expect.json"

# ---- rare-app-mail-access ---------------------------------------------------------------------
R=rare-app-mail-access
reset $R pos_ual_new_app_after_baseline
{
    for d in 1 2 3 4 5 6 7 8 9; do mia "$(uuid 6 $d 0 0 $((700 + d)))" 2026-03-0${d}T02:01:00 "dana.whitfield@$DOM" 0 "dana.whitfield@$DOM" 0 $GRAPH $BACKUP 192.0.2.25 "$REST" Sync False '\Inbox' 0 0 ""; done
    mia "$(uuid 6 9 1 1 790)" 2026-03-09T23:12:40 "marcus.oyelaran@$DOM" 1 "marcus.oyelaran@$DOM" 1 $GRAPH $EVIL 20.81.111.85 "$REST" Bind False '\Inbox' 9 0 ""
} >"$T/$R/pos_ual_new_app_after_baseline/audit.jsonl"
echo '{"rule":"rare-app-mail-access","findings":[{"severity":"high","entities":{"apps":["'$EVIL'"],"mailboxes":["marcus.oyelaran@'$DOM'"]},"details":{"first_party":false,"items":9}}]}' >"$T/$R/pos_ual_new_app_after_baseline/expect.json"
# The same in Log Analytics OfficeActivity JSON, with a Microsoft client id seen for the first time
# (the Storm-0558 shape: a first-party id, no sign-in): medium.
reset $R pos_la_first_party_id
{
    for d in 1 2 3 4 5 6 7 8 9; do mia "$(uuid 7 $d 0 0 $((800 + d)))" 2026-03-0${d}T13:31:00 "lucia.fernandez@$DOM" 3 "lucia.fernandez@$DOM" 3 $EXO "" 203.0.113.10 "Client=OWA;Action=ViaProxy" Bind False '\Inbox' 2 0 "" | la_row; done
    mia "$(uuid 7 9 1 1 890)" 2026-03-09T19:02:11 "lucia.fernandez@$DOM" 3 "lucia.fernandez@$DOM" 3 $GRAPH 14d82eec-204b-4c2f-b7e8-296a70dab67e 98.207.12.66 "$REST" Bind False '\Inbox' 5 0 "" | la_row
} >"$T/$R/pos_la_first_party_id/OfficeActivity.json"
echo '{"rule":"rare-app-mail-access","findings":[{"severity":"medium","entities":{"apps":["14d82eec-204b-4c2f-b7e8-296a70dab67e","Microsoft Graph Command Line Tools"]},"details":{"first_party":true}}]}' >"$T/$R/pos_la_first_party_id/expect.json"
# Every application already reading mail during the baseline.
reset $R neg_ual_all_apps_in_baseline
for d in 1 2 3 4 5 6 7 8 9; do
    mia "$(uuid 8 $d 0 0 $((900 + d)))" 2026-03-0${d}T02:01:00 "dana.whitfield@$DOM" 0 "dana.whitfield@$DOM" 0 $GRAPH $BACKUP 192.0.2.25 "$REST" Sync False '\Inbox' 0 0 ""
    mia "$(uuid 8 $d 1 1 $((950 + d)))" 2026-03-0${d}T14:01:00 "dana.whitfield@$DOM" 0 "dana.whitfield@$DOM" 0 27922004-5251-4030-b22d-91ecd9a37ea4 27922004-5251-4030-b22d-91ecd9a37ea4 2603:10b6:806:1f4::7 "Client=OutlookService;Outlook-iOS/2.0;" Bind False '\Inbox' 1 0 ""
done >"$T/$R/neg_ual_all_apps_in_baseline/audit.jsonl"
echo '{"rule":"rare-app-mail-access","findings":[]}' >"$T/$R/neg_ual_all_apps_in_baseline/expect.json"

# ---- bulk-mail-access -------------------------------------------------------------------------
R=bulk-mail-access
# An application syncing 60 folders of several mailboxes within the hour, then throttled (UAL).
reset $R pos_ual_app_sync_throttled
for k in $(seq 0 59); do
    i=$((k % 4)); thr=False; [ "$k" = 59 ] && thr=True
    mia "$(uuid 9 1 $k $i $((1000 + k)))" "$(date -u -d "2026-03-07T01:00:00Z + $k minutes" +%Y-%m-%dT%H:%M:%S)" "${users[$i]}@$DOM" $i "svc-sync@$DOM" 90 $EVIL $EVIL 40.76.173.208 "$EWS" Sync $thr "\\Inbox\\Folder$k" 0 1 6a1b2c3d-0000-4000-8000-00000000bulk
done >"$T/$R/pos_ual_app_sync_throttled/audit.jsonl"
echo '{"rule":"bulk-mail-access","findings":[{"severity":"high","entities":{"users":["svc-sync@'$DOM'"],"apps":["'$EVIL'"]},"details":{"throttled":true,"peak_folders_in_window":60}}]}' >"$T/$R/pos_ual_app_sync_throttled/expect.json"
# A session binding 600 items of one mailbox within 30 minutes as a delegate (Log Analytics).
reset $R pos_la_bind_items
for k in $(seq 0 11); do
    mia "$(uuid 10 1 $k 0 $((1100 + k)))" "$(date -u -d "2026-03-08T22:00:00Z + $((k * 2)) minutes" +%Y-%m-%dT%H:%M:%S)" "priya.raman@$DOM" 2 "ken.yamada@$DOM" 4 $EXO "" 98.207.12.66 "Client=OWA;Action=ViaProxy" Bind False '\Inbox' 50 2 77aa0011-2233-4455-8899-aabbccddeeff | la_row
done >"$T/$R/pos_la_bind_items/OfficeActivity.json"
echo '{"rule":"bulk-mail-access","findings":[{"severity":"high","entities":{"users":["ken.yamada@'$DOM'"],"mailboxes":["priya.raman@'$DOM'"]},"details":{"peak_items_in_window":600,"throttled":false}}]}' >"$T/$R/pos_la_bind_items/expect.json"
# The owner's new laptop syncing 80 folders of their own mailbox through Outlook: ordinary.
reset $R neg_ual_owner_new_device
for k in $(seq 0 79); do
    mia "$(uuid 11 1 $k 0 $((1200 + k)))" "$(date -u -d "2026-03-03T14:00:00Z + $((k / 4)) minutes" +%Y-%m-%dT%H:%M:%S)" "lucia.fernandez@$DOM" 3 "lucia.fernandez@$DOM" 3 "" "" 203.0.113.10 "$OUTLOOK" Sync False "\\Inbox\\Project $k" 0 0 ""
done >"$T/$R/neg_ual_owner_new_device/audit.jsonl"
echo '{"rule":"bulk-mail-access","findings":[]}' >"$T/$R/neg_ual_owner_new_device/expect.json"

# ---- mail-audit-stopped -----------------------------------------------------------------------
R=mail-audit-stopped
# Marcus's mailbox logs every day until the 4th, then nothing; other mailboxes keep logging and
# Marcus keeps signing in (UAL + Graph sign-ins).
reset $R pos_ual_mailbox_silent
for d in 1 2 3 4 5 6 7 8 9; do
    for i in 0 1; do
        [ $i = 1 ] && [ $d -gt 4 ] && continue
        mia "$(uuid 12 $d $i $i $((1300 + d * 10 + i)))" 2026-03-0${d}T1$i:30:00 "${users[$i]}@$DOM" $i "${users[$i]}@$DOM" $i $EXO "" 203.0.113.10 "Client=OWA;Action=ViaProxy" Bind False '\Inbox' 2 0 ""
    done
done >"$T/$R/pos_ual_mailbox_silent/audit.jsonl"
for d in 2 6 8; do gsi "$(uuid 13 $d 1 1 $((1400 + d)))" 2026-03-0${d}T13:05:00Z "marcus.oyelaran@$DOM" 2c9e7a41-5b3d-4f86-9e02-7d1c8b4a6f35 203.0.113.10 4765445b-32c6-49b0-83e6-1d93765276ca OfficeHome; done | page >"$T/$R/pos_ual_mailbox_silent/signins.json"
echo '{"rule":"mail-audit-stopped","findings":[{"severity":"medium","entities":{"mailboxes":["marcus.oyelaran@'$DOM'"]},"details":{"days_with_records_before":4,"tenant_days_logging_after":5}}]}' >"$T/$R/pos_ual_mailbox_silent/expect.json"
# The same silence in Log Analytics OfficeActivity JSON.
reset $R pos_la_mailbox_silent
jq -c . "$T/$R/pos_ual_mailbox_silent/audit.jsonl" | while read -r r; do echo "$r" | la_row; done >"$T/$R/pos_la_mailbox_silent/OfficeActivity.json"
cp "$T/$R/pos_ual_mailbox_silent/signins.json" "$T/$R/pos_la_mailbox_silent/"
cp "$T/$R/pos_ual_mailbox_silent/expect.json" "$T/$R/pos_la_mailbox_silent/"
# On holiday: the owner stops signing in too.
reset $R neg_ual_owner_on_holiday
cp "$T/$R/pos_ual_mailbox_silent/audit.jsonl" "$T/$R/neg_ual_owner_on_holiday/"
gsi "$(uuid 14 2 1 1 1502)" 2026-03-02T13:05:00Z "marcus.oyelaran@$DOM" 2c9e7a41-5b3d-4f86-9e02-7d1c8b4a6f35 203.0.113.10 4765445b-32c6-49b0-83e6-1d93765276ca OfficeHome | page >"$T/$R/neg_ual_owner_on_holiday/signins.json"
echo '{"rule":"mail-audit-stopped","findings":[]}' >"$T/$R/neg_ual_owner_on_holiday/expect.json"

# A two-day export, too short for days of silence. Dana's mailbox logs all day on both days;
# she signs in hourly (and once at night from her phone). Marcus signs in from 08:00 to 16:00 on
# both days; his mailbox logs in each hour he signs in on the first morning, the last record at
# 12:20, then nothing: not for the rest of that afternoon (one session) nor in the six hours he
# works the next morning (a fresh session). Medium, on his own hours.
# short_export CASE THROTTLED DAY2_AUDIT MARCUS_READ_HOURS DAY2_SIGNIN_HOURS
short_export() {
    reset $R "$1"
    {
        for d in 2 3; do
            [ "$d" = 3 ] && [ "$3" = no ] && continue
            for h in $(seq 7 22); do
                mia "$(uuid 30 $d 0 $h $((3000 + d * 100 + h)))" "2026-03-0${d}T$(printf %02d $h):40:00" "${users[0]}@$DOM" 0 "${users[0]}@$DOM" 0 "" "" 203.0.113.10 "$OUTLOOK" Sync False '\Inbox' 0 0 ""
            done
        done
        local last=${4##* }
        for h in $4; do
            local thr=False
            [ "$h" = "$last" ] && thr=$2
            mia "$(uuid 31 2 1 $h $((3100 + h)))" "2026-03-02T$(printf %02d $h):20:00" "${users[1]}@$DOM" 1 "${users[1]}@$DOM" 1 "" "" 203.0.113.10 "$OUTLOOK" Sync "$thr" '\Inbox' 0 0 ""
        done
    } >"$T/$R/$1/audit.jsonl"
    {
        for d in 2 3; do
            gsi "$(uuid 32 $d 0 3 $((3200 + d)))" "2026-03-0${d}T03:05:00Z" "${users[0]}@$DOM" 7d1e5a92-3c48-4b06-8f21-9a4c6e0b3d57 198.51.100.23 27922004-5251-4030-b22d-91ecd9a37ea4 "Outlook Mobile"
            for h in $(seq 7 22); do
                gsi "$(uuid 33 $d 0 $h $((3300 + d * 100 + h)))" "2026-03-0${d}T$(printf %02d $h):05:00Z" "${users[0]}@$DOM" 7d1e5a92-3c48-4b06-8f21-9a4c6e0b3d57 203.0.113.10 d3590ed6-52b3-4102-aeff-aad2292ab01c "Microsoft Office"
            done
        done
        for h in $(seq 8 16); do
            gsi "$(uuid 34 2 1 $h $((3400 + h)))" "2026-03-02T$(printf %02d $h):05:00Z" "marcus.oyelaran@$DOM" 2c9e7a41-5b3d-4f86-9e02-7d1c8b4a6f35 203.0.113.10 d3590ed6-52b3-4102-aeff-aad2292ab01c "Microsoft Office"
        done
        for h in $5; do
            gsi "$(uuid 34 3 1 $h $((3500 + h)))" "2026-03-03T$(printf %02d $h):05:00Z" "marcus.oyelaran@$DOM" 2c9e7a41-5b3d-4f86-9e02-7d1c8b4a6f35 203.0.113.10 d3590ed6-52b3-4102-aeff-aad2292ab01c "Microsoft Office"
        done
    } | jq -sc 'sort_by(.createdDateTime) | .[]' | page >"$T/$R/$1/signins.json"
}
short_export pos_ual_short_export_silent_next_morning False yes "8 9 10 11 12" "$(seq 8 13)"
echo '{"rule":"mail-audit-stopped","findings":[{"severity":"medium","entities":{"mailboxes":["marcus.oyelaran@'$DOM'"]},"details":{"basis":"owner_hours","owner_hours_before":5,"owner_hours_before_with_records":5,"owner_hours_after_without_records":6,"throttled":false}}]}' >"$T/$R/pos_ual_short_export_silent_next_morning/expect.json"
# The same, Marcus's phone refreshing its token every hour through the night (non-interactive
# sign-ins): no six hours without a sign-in, but the night's refreshes begin no working session;
# his first interactive sign-in the next morning does.
short_export pos_ual_short_export_phone_refreshing_all_night False yes "8 9 10 11 12" "$(seq 8 13)"
{
    jq -c '.value[]' "$T/$R/pos_ual_short_export_phone_refreshing_all_night/signins.json"
    for h in $(seq 17 31); do
        d=$((2 + h / 24)); hh=$((h % 24))
        gsi "$(uuid 35 $d 1 $hh $((3600 + h)))" "2026-03-0${d}T$(printf %02d $hh):47:00Z" "marcus.oyelaran@$DOM" 2c9e7a41-5b3d-4f86-9e02-7d1c8b4a6f35 198.51.100.41 27922004-5251-4030-b22d-91ecd9a37ea4 "Outlook Mobile" |
            jq -c '.isInteractive=false | .signInEventTypes=["nonInteractiveUser"] | .clientAppUsed="Mobile Apps and Desktop clients"'
    done
} | jq -sc 'sort_by(.createdDateTime) | .[]' | page >"$T/$R/pos_ual_short_export_phone_refreshing_all_night/signins.new"
mv "$T/$R/pos_ual_short_export_phone_refreshing_all_night/signins.new" "$T/$R/pos_ual_short_export_phone_refreshing_all_night/signins.json"
cp "$T/$R/pos_ual_short_export_silent_next_morning/expect.json" "$T/$R/pos_ual_short_export_phone_refreshing_all_night/"
# An administrator's next day: one morning hour of portal work, then only her phone refreshing
# its token in the evening, ten hours and more after, reading no mail. The phone on its own is
# not the owner at work: one quiet hour, no finding.
short_export neg_ual_short_export_admin_morning_then_phone_only False yes "8 9 10 11 12" "9"
{
    jq -c '.value[]' "$T/$R/neg_ual_short_export_admin_morning_then_phone_only/signins.json"
    for h in 19 20 21 22; do
        gsi "$(uuid 36 3 1 $h $((3700 + h)))" "2026-03-03T$h:12:00Z" "marcus.oyelaran@$DOM" 2c9e7a41-5b3d-4f86-9e02-7d1c8b4a6f35 198.51.100.41 27922004-5251-4030-b22d-91ecd9a37ea4 "Outlook Mobile" |
            jq -c '.isInteractive=false | .signInEventTypes=["nonInteractiveUser"] | .clientAppUsed="Mobile Apps and Desktop clients"'
    done
} | jq -sc 'sort_by(.createdDateTime) | .[]' | page >"$T/$R/neg_ual_short_export_admin_morning_then_phone_only/signins.new"
mv "$T/$R/neg_ual_short_export_admin_morning_then_phone_only/signins.new" "$T/$R/neg_ual_short_export_admin_morning_then_phone_only/signins.json"
echo '{"rule":"mail-audit-stopped","findings":[]}' >"$T/$R/neg_ual_short_export_admin_morning_then_phone_only/expect.json"
# The export cut at the end of the first day, his last record at 11:20: four quiet hours that
# afternoon, in the session that read mail, are no silence.
short_export neg_ual_short_export_rest_of_the_afternoon False yes "8 9 10 11" ""
echo '{"rule":"mail-audit-stopped","findings":[]}' >"$T/$R/neg_ual_short_export_rest_of_the_afternoon/expect.json"
# Marcus reads mail now and then (08:20 and 16:20 on the first day): six quiet hours the next
# morning are what he does anyway.
short_export neg_ual_short_export_owner_reads_mail_seldom False yes "8 16" "$(seq 8 13)"
echo '{"rule":"mail-audit-stopped","findings":[]}' >"$T/$R/neg_ual_short_export_owner_reads_mail_seldom/expect.json"
# His last record says the mailbox was throttled: Exchange logs nothing for it for 24 hours.
short_export neg_ual_short_export_throttled True yes "8 9 10 11 12" "$(seq 8 13)"
echo '{"rule":"mail-audit-stopped","findings":[]}' >"$T/$R/neg_ual_short_export_throttled/expect.json"
# The audit log was exported a day before the sign-ins: no mailbox logs on the second day.
short_export neg_ual_short_export_audit_log_ends_first "False" no "8 9 10 11 12" "$(seq 8 13)"
echo '{"rule":"mail-audit-stopped","findings":[]}' >"$T/$R/neg_ual_short_export_audit_log_ends_first/expect.json"

# ---- mailbox-access-after-audit-disabled ------------------------------------------------------
R=mailbox-access-after-audit-disabled
# After Marcus's mailbox goes silent, Marcus "signs in" to Exchange Online from a network he
# never used (UAL + Graph sign-ins).
reset $R pos_ual_signin_new_network_after_silence
cp "tests/detections/mail-audit-stopped/pos_ual_mailbox_silent/audit.jsonl" "$T/$R/pos_ual_signin_new_network_after_silence/"
{
    for d in 2 6; do gsi "$(uuid 15 $d 1 1 $((1600 + d)))" 2026-03-0${d}T13:05:00Z "marcus.oyelaran@$DOM" 2c9e7a41-5b3d-4f86-9e02-7d1c8b4a6f35 203.0.113.10 4765445b-32c6-49b0-83e6-1d93765276ca OfficeHome; done
    gsi "$(uuid 15 7 1 1 1607)" 2026-03-07T03:14:09Z "marcus.oyelaran@$DOM" 2c9e7a41-5b3d-4f86-9e02-7d1c8b4a6f35 185.220.101.47 $EXO "Office 365 Exchange Online"
    gsi "$(uuid 15 8 1 1 1608)" 2026-03-08T13:05:00Z "marcus.oyelaran@$DOM" 2c9e7a41-5b3d-4f86-9e02-7d1c8b4a6f35 203.0.113.10 4765445b-32c6-49b0-83e6-1d93765276ca OfficeHome
} | page >"$T/$R/pos_ual_signin_new_network_after_silence/signins.json"
echo '{"rule":"mailbox-access-after-audit-disabled","findings":[{"severity":"critical","entities":{"mailboxes":["marcus.oyelaran@'$DOM'"],"ips":["185.220.101.47"]},"details":{"owner_signins_from_new_networks":1,"how":"MailItemsAccessed records stopped"}}]}' >"$T/$R/pos_ual_signin_new_network_after_silence/expect.json"
# Silent mailbox, the owner signing in only from the office as before: nothing to report.
reset $R neg_ual_silence_usual_signins
cp "tests/detections/mail-audit-stopped/pos_ual_mailbox_silent/"{audit.jsonl,signins.json} "$T/$R/neg_ual_silence_usual_signins/"
echo '{"rule":"mailbox-access-after-audit-disabled","findings":[]}' >"$T/$R/neg_ual_silence_usual_signins/expect.json"
echo "fixtures written"
