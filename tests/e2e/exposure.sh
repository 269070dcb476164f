#!/usr/bin/env bash
# An incident's exposure names the mailboxes its attacker read. Reads through one of its addresses
# count while the attacker holds the address: up to 7 days after the incident's last finding, and
# on while each read follows the last one counted within 7 days. A residential proxy's exit that
# reads mail five weeks later is someone else's, and so is a stray read from the same address in
# another year (the realdata samples share the placeholder 1.2.3.4 across unrelated tenants).
source "$(dirname "$0")/common.bash" "$@"
ORG=3c9a1e57-0b4d-4f8e-a2d6-71f05b8c9e21
D=fabrikamlabs.onmicrosoft.com
IP=185.220.101.47
N=0

# read WHEN OWNER IP ITEMS: a MailItemsAccessed record of OWNER's own mailbox (Outlook on the web)
read_mail() {
    N=$((N + 1))
    local items="" i
    for i in $(seq 1 "$4"); do
        [ -n "$items" ] && items+=","
        items+=$(printf '{"InternetMessageId":"<DB9PR08MB7%03d%04dAB@DB9PR08MB7241.eurprd08.prod.outlook.com>","SizeInBytes":%d}' "$N" "$i" $((21000 + 977 * i)))
    done
    printf '{"CreationTime":"%s","Id":"5b1e0c7a-2f4d-4c1b-9e0a-%012d","Operation":"MailItemsAccessed","OrganizationId":"%s","RecordType":50,"ResultStatus":"Succeeded","UserKey":"10032003C1D2E3%02d","UserType":0,"Version":1,"Workload":"Exchange","UserId":"%s@%s","AppId":"00000002-0000-0ff1-ce00-000000000000","ClientAppId":"00000002-0000-0ff1-ce00-000000000000","ClientIPAddress":"%s","ClientInfoString":"Client=OWA;Action=ViaProxy","ExternalAccess":false,"InternalLogonType":0,"LogonType":0,"MailboxGuid":"0f6b2c1d-8e4a-4b7c-a3d9-5e2f1a0c%04d","MailboxOwnerUPN":"%s@%s","OperationProperties":[{"Name":"MailAccessType","Value":"Bind"},{"Name":"IsThrottled","Value":"False"}],"OrganizationName":"%s","OriginatingServer":"DB9PR08MB7241 (15.20.8632.025)\\r\\n","Folders":[{"FolderItems":[%s],"Id":"LgAAAAB8fQ2kT1Pz02JvXyiMk6KXAQBWZi6m2NaiIzrUWOjLRAAAB","Path":"\\\\Inbox"}],"OperationCount":%d}\n' \
        "$1" "$N" "$ORG" "$N" "$2" "$D" "$3" "$N" "$2" "$D" "$D" "$items" "$4"
}

{
    # Before the incident: lena reads her mail from home.
    read_mail 2026-03-30T07:41:09 lena.berg 81.2.69.142 2
    # The finding: a rule forwarding lena's invoices out, set from the proxy.
    printf '{"CreationTime":"2026-04-02T09:14:26","Id":"7d2c9e14-3b6a-4f0e-8c51-08de71a4c2f9","Operation":"New-InboxRule","OrganizationId":"%s","RecordType":1,"ResultStatus":"True","UserKey":"10032003C1D2E300","UserType":0,"Version":1,"Workload":"Exchange","ClientIP":"%s:50211","ObjectId":"DB9PR08A004.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/%s/lena.berg\\\\Rechnungen","UserId":"lena.berg@%s","AppId":"00000002-0000-0ff1-ce00-000000000000","ClientAppId":"","ExternalAccess":false,"OrganizationName":"%s","OriginatingServer":"DB9PR08MB7241 (15.20.8632.025)","Parameters":[{"Name":"AlwaysDeleteOutlookRulesBlob","Value":"False"},{"Name":"Force","Value":"False"},{"Name":"Name","Value":"Rechnungen"},{"Name":"SubjectOrBodyContainsWords","Value":"Rechnung;invoice;IBAN"},{"Name":"ForwardTo","Value":"l.berg.buchhaltung@gmail.com"},{"Name":"MarkAsRead","Value":"True"},{"Name":"StopProcessingRules","Value":"True"}],"SessionId":"a41f0c9e-6d2b-4e83-b7c5-19e0d4f2a6b8"}\n' \
        "$ORG" "$IP" "$D" "$D" "$D"
    # Through the proxy: lena's mailbox at once, omar's 6 1/2 days after the finding, sofia's
    # 12 days after it but 5 1/2 after omar's, then nothing for five weeks.
    read_mail 2026-04-02T09:20:51 lena.berg "$IP" 3
    read_mail 2026-04-08T21:02:13 omar.haddad "$IP" 4
    read_mail 2026-04-14T08:47:30 sofia.marin "$IP" 5
    read_mail 2026-05-20T16:05:44 james.obi "$IP" 6
    # lena back at home: her own address, not the incident's.
    read_mail 2026-04-03T07:55:02 lena.berg 81.2.69.142 1
    # A second incident two months on, from another address: omar's rule, and his mailbox read
    # from there; it is not the first incident's, and the first's reads are not its.
    printf '{"CreationTime":"2026-06-10T18:22:40","Id":"c3e8a0f1-94b2-4d6e-a7f3-08de9b12e4c7","Operation":"New-InboxRule","OrganizationId":"%s","RecordType":1,"ResultStatus":"True","UserKey":"10032003C1D2E3A0","UserType":0,"Version":1,"Workload":"Exchange","ClientIP":"45.142.120.15:61044","ObjectId":"DB9PR08A004.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/%s/omar.haddad\\\\.","UserId":"omar.haddad@%s","AppId":"00000002-0000-0ff1-ce00-000000000000","ClientAppId":"","ExternalAccess":false,"OrganizationName":"%s","OriginatingServer":"DB9PR08MB7241 (15.20.8632.025)","Parameters":[{"Name":"AlwaysDeleteOutlookRulesBlob","Value":"False"},{"Name":"Force","Value":"False"},{"Name":"Name","Value":"."},{"Name":"ForwardTo","Value":"o.haddad.archive@outlook.com"},{"Name":"StopProcessingRules","Value":"True"}],"SessionId":"5e0b7c2a-1f83-4d96-b0e4-7a2c9f61d358"}\n' \
        "$ORG" "$D" "$D" "$D"
    read_mail 2026-06-11T02:10:05 omar.haddad 45.142.120.15 7
    # Before the second incident began, from its address: neither incident's.
    read_mail 2026-06-09T11:31:50 sofia.marin 45.142.120.15 2
} >"$WORK/audit.jsonl"

scan_json "$WORK/out.json" "$WORK/err" "$WORK/audit.jsonl"
expect_eq "scan exit" "$RC" 0
J=$WORK/out.json
expect_eq "records parsed" "$(total parsed "$J")" 10
expect_eq "two findings" "$(jq -r '[.findings[].rule] | join(",")' "$J")" mail-forwarding-rule,mail-forwarding-rule
expect_eq "two incidents" "$(jq '.incidents | length' "$J")" 2
expect_eq "the second's exposure: its own read" \
    "$(jq -r '[.incidents[1].exposure[] | "\(.mailbox)=\(.items)/\(.via | join(","))"] | join(" ")' "$J")" \
    "omar.haddad@$D=7/45.142.120.15"
expect_eq "the incident holds the proxy" "$(jq -r '.incidents[0].entities.ips | join(",")' "$J")" "$IP"
expect_eq "exposure: the mailboxes read while the proxy was the attacker's" \
    "$(jq -r '[.incidents[0].exposure[] | "\(.mailbox)=\(.items)/\(.first_access)"] | join(" ")' "$J")" \
    "lena.berg@$D=3/2026-04-02T09:20:51.000Z omar.haddad@$D=4/2026-04-08T21:02:13.000Z sofia.marin@$D=5/2026-04-14T08:47:30.000Z"
expect_eq "every read via the proxy" \
    "$(jq -r '[.incidents[0].exposure[].via[]] | unique | join(",")' "$J")" "$IP"
expect_grep "the story counts them" <(jq -r '.incidents[0].story' "$J") 'Exposure: 3 mailboxes read \(12 items\)'

# The text summary names them whole within 80 columns: counts on a line of their own under
# addresses this long, on the same line under short ones (and the busiest tables side by side).
"$BIN" scan --no-progress "$WORK/audit.jsonl" >"$WORK/summary.txt" 2>/dev/null
expect_grep "long address whole" "$WORK/summary.txt" "^      sofia\.marin@$D\$"
expect_grep "its counts below" "$WORK/summary.txt" '^ +5 items  04-14 08:47 \.\. 04-14 08:47$'
expect_grep "busiest users whole, one table under the other" "$WORK/summary.txt" \
    "^  lena\.berg@$D +[0-9]+\$"
sed "s/$D/fab.de/g" "$WORK/audit.jsonl" >"$WORK/short.jsonl"
"$BIN" scan --no-progress "$WORK/short.jsonl" >"$WORK/short.txt" 2>/dev/null
expect_grep "short address and counts on one line" "$WORK/short.txt" \
    '^      omar\.haddad@fab\.de  +4 items  04-08 21:02 \.\. 04-08 21:02$'
expect_grep "busiest side by side" "$WORK/short.txt" '^  lena\.berg@fab\.de +[0-9]+ +185\.220\.101\.47 +[0-9]+$'
expect_eq "summaries fit 80 columns" "$(cat "$WORK/summary.txt" "$WORK/short.txt" | awk 'length > 80' | wc -l)" 0

# The late read joins when it follows within 7 days of the others.
sed -i 's/2026-05-20T16:05:44/2026-04-20T16:05:44/' "$WORK/audit.jsonl"
scan_json "$WORK/out2.json" "$WORK/err2" "$WORK/audit.jsonl"
expect_eq "chained read counts" \
    "$(jq -r '[.incidents[0].exposure[].mailbox] | join(",")' "$WORK/out2.json")" \
    "james.obi@$D,lena.berg@$D,omar.haddad@$D,sofia.marin@$D"
finish
