#!/usr/bin/env bash
# An incident's exposure names the mailboxes its attacker read. Reads through one of its addresses
# count while the attacker holds the address: up to 7 days after the incident's last finding, and
# on while each read follows the last one counted within 7 days. A residential proxy's exit that
# reads mail five weeks later is someone else's, and so is a stray read from the same address in
# another year (the realdata samples share the placeholder 1.2.3.4 across unrelated tenants).
# A session or a token the attacker used from one of the incident's addresses is theirs from any
# address; each mailbox lists the addresses it was read from.
source "$(dirname "$0")/common.bash" "$@"
ORG=3c9a1e57-0b4d-4f8e-a2d6-71f05b8c9e21
D=fabrikamlabs.onmicrosoft.com
IP=185.220.101.47
N=0

# read WHEN OWNER IP ITEMS [SESSION [TOKEN]]: a MailItemsAccessed record of OWNER's own mailbox
# (Outlook on the web), in SESSION (SessionId and AppAccessContext.AADSessionId) and with TOKEN
# (AppAccessContext.UniqueTokenId) when given ("" for none)
read_mail() {
    N=$((N + 1))
    local items="" i aac="" extra=""
    [ -n "${5:-}" ] && aac+="\"AADSessionId\":\"$5\","
    [ -n "${6:-}" ] && aac+="\"UniqueTokenId\":\"$6\","
    [ -n "${5:-}" ] && extra+=",\"SessionId\":\"$5\""
    [ -n "$aac" ] && extra+=",\"AppAccessContext\":{$aac\"IssuedAtTime\":\"$1\"}"
    for i in $(seq 1 "$4"); do
        [ -n "$items" ] && items+=","
        items+=$(printf '{"InternetMessageId":"<DB9PR08MB7%03d%04dAB@DB9PR08MB7241.eurprd08.prod.outlook.com>","SizeInBytes":%d}' "$N" "$i" $((21000 + 977 * i)))
    done
    printf '{"CreationTime":"%s","Id":"5b1e0c7a-2f4d-4c1b-9e0a-%012d","Operation":"MailItemsAccessed","OrganizationId":"%s","RecordType":50,"ResultStatus":"Succeeded","UserKey":"10032003C1D2E3%02d","UserType":0,"Version":1,"Workload":"Exchange","UserId":"%s@%s","AppId":"00000002-0000-0ff1-ce00-000000000000","ClientAppId":"00000002-0000-0ff1-ce00-000000000000","ClientIPAddress":"%s","ClientInfoString":"Client=OWA;Action=ViaProxy","ExternalAccess":false,"InternalLogonType":0,"LogonType":0,"MailboxGuid":"0f6b2c1d-8e4a-4b7c-a3d9-5e2f1a0c%04d","MailboxOwnerUPN":"%s@%s","OperationProperties":[{"Name":"MailAccessType","Value":"Bind"},{"Name":"IsThrottled","Value":"False"}],"OrganizationName":"%s","OriginatingServer":"DB9PR08MB7241 (15.20.8632.025)\\r\\n","Folders":[{"FolderItems":[%s],"Id":"LgAAAAB8fQ2kT1Pz02JvXyiMk6KXAQBWZi6m2NaiIzrUWOjLRAAAB","Path":"\\\\Inbox"}],"OperationCount":%d%s}\n' \
        "$1" "$N" "$ORG" "$N" "$2" "$D" "$3" "$N" "$2" "$D" "$D" "$items" "$4" "$extra"
}

# signin WHEN USER IP SESSION OPERATION: a UAL Entra sign-in (UserLoggedIn or UserLoginFailed),
# its session in DeviceProperties as Entra writes it
signin() {
    N=$((N + 1))
    local err='"ErrorNumber":"0"'
    [ "$5" = UserLoginFailed ] && err='"ErrorNumber":"50126","LogonError":"InvalidUserNameOrPassword"'
    printf '{"CreationTime":"%s","Id":"9a7c31e2-5d08-4b6f-8e21-%012d","Operation":"%s","OrganizationId":"%s","RecordType":15,"ResultStatus":"Success","UserKey":"7f3b2c10-4e5d-4a69-9b1c-2d8e6f0a%04d","UserType":0,"Version":1,"Workload":"AzureActiveDirectory","ClientIP":"%s","ObjectId":"00000002-0000-0ff1-ce00-000000000000","UserId":"%s@%s","AzureActiveDirectoryEventType":1,"ExtendedProperties":[{"Name":"ResultStatusDetail","Value":"Success"},{"Name":"UserAgent","Value":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36"},{"Name":"RequestType","Value":"Login:login"}],"ModifiedProperties":[],"Actor":[{"ID":"7f3b2c10-4e5d-4a69-9b1c-2d8e6f0a%04d","Type":0},{"ID":"%s@%s","Type":5}],"ActorContextId":"%s","ActorIpAddress":"%s","InterSystemsId":"c1d2e3f4-0a1b-4c2d-8e3f-%012d","IntraSystemId":"5d4c3b2a-1f0e-4d9c-8b7a-%012d","SupportTicketId":"","Target":[{"ID":"00000002-0000-0ff1-ce00-000000000000","Type":0}],"TargetContextId":"%s","ApplicationId":"4765445b-32c6-49b0-83e6-1d93765276ca","DeviceProperties":[{"Name":"OS","Value":"Windows10"},{"Name":"BrowserType","Value":"Chrome"},{"Name":"IsCompliantAndManaged","Value":"False"},{"Name":"SessionId","Value":"%s"}],%s}\n' \
        "$1" "$N" "$5" "$ORG" "$N" "$3" "$2" "$D" "$N" "$2" "$D" "$ORG" "$3" "$N" "$N" "$ORG" "$4" "$err"
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

# A residential proxy pool changes exit within one session: reads in a session the attacker
# used from the incident's address count from any address, via the session.
S_RULE=a41f0c9e-6d2b-4e83-b7c5-19e0d4f2a6b8
S_OMAR=e7c25d1a-08f3-4b6e-9a41-3c5f2d7e8b90
S_FAIL=0b9e4f27-63a1-4d8c-b5e2-f17a9c3d6e04
S_LATE=6d3a8e15-2b9f-4c07-a1e6-85f0d2c4b739
cp "$WORK/audit.jsonl" "$WORK/session.jsonl"
{
    # The rule's session, from another exit two days on: lena's mailbox again.
    read_mail 2026-04-04T22:16:40 lena.berg 185.220.101.52 2 "$S_RULE"
    # The attacker signs in as omar through the proxy, then reads his mailbox from other exits.
    signin 2026-04-06T10:02:11 omar.haddad "$IP" "$S_OMAR" UserLoggedIn
    read_mail 2026-04-06T10:03:27 omar.haddad 185.220.101.52 3 "$S_OMAR"
    read_mail 2026-04-06T10:41:02 omar.haddad 109.70.100.23 2 "${S_OMAR^^}"
    # Not the attacker's: a failed sign-in from the proxy opens no session; nina's own session
    # from her own address is hers.
    signin 2026-04-05T08:12:40 nina.kraus "$IP" "$S_FAIL" UserLoginFailed
    read_mail 2026-04-05T08:30:19 nina.kraus 88.10.2.3 4 "$S_FAIL"
    # The proxy five weeks on is someone else's, and so is the session they used through it.
    read_mail 2026-05-20T16:31:08 james.obi "$IP" 1 "$S_LATE"
    read_mail 2026-05-21T09:12:44 james.obi 62.4.13.77 2 "$S_LATE"
    # No session, another exit: not reached.
    read_mail 2026-04-06T11:00:00 tarik.sen 185.220.101.52 3
    # Exports anonymised for sharing write one placeholder for every session, and some records
    # the empty GUID: they join nothing.
    read_mail 2026-04-07T13:20:00 sofia.marin "$IP" 1 ANONYMIZED
    read_mail 2026-04-07T15:45:10 paul.weber 93.184.216.34 2 ANONYMIZED
    read_mail 2026-04-07T16:02:37 sofia.marin "$IP" 1 00000000-0000-0000-0000-000000000000
    read_mail 2026-04-07T16:40:52 paul.weber 93.184.216.34 2 00000000-0000-0000-0000-000000000000
} >>"$WORK/session.jsonl"
scan_json "$WORK/sess.json" "$WORK/sess.err" --events "$WORK/sess.events" "$WORK/session.jsonl"
expect_eq "session scan exit" "$RC" 0
expect_eq "session records parsed" "$(total parsed "$WORK/sess.json")" 23
expect_eq "a UAL sign-in's session (DeviceProperties SessionId)" \
    "$(jq -r 'select(.operation == "UserLoggedIn") | .session_id' "$WORK/sess.events")" "$S_OMAR"
expect_eq "exposure through the attacker's sessions" \
    "$(jq -r '[.incidents[0].exposure[] | "\(.mailbox)=\(.items)/\(.via | join(","))"] | join(" ")' "$WORK/sess.json")" \
    "lena.berg@$D=5/$IP,session $S_RULE omar.haddad@$D=9/$IP,session $S_OMAR sofia.marin@$D=7/$IP"
expect_eq "the addresses each mailbox was read from: the attacker's other exits" \
    "$(jq -r '[.incidents[0].exposure[] | "\(.mailbox | split("@")[0])=\(.ips | join(","))"] | join(" ")' "$WORK/sess.json")" \
    "lena.berg=185.220.101.47,185.220.101.52 omar.haddad=109.70.100.23,185.220.101.47,185.220.101.52 sofia.marin=185.220.101.47"
expect_eq "the second incident's unchanged" \
    "$(jq -r '[.incidents[1].exposure[] | "\(.mailbox)=\(.items)/\(.via | join(","))"] | join(" ")' "$WORK/sess.json")" \
    "omar.haddad@$D=7/45.142.120.15"

# A token lifted or forged (Storm-0558) is used from the incident's address, then from others, with
# no session: its reads count via the token. Not: a token first used from the proxy after it
# passed on, a redacted token of zeros.
T_STOLEN=Xq3vN8kPzE2bW7hR1mYc5A
T_LATE=pL9sD4fGh6JkT2wQ8zXc1B
T_ZERO=AAAAAAAAAAAAAAAAAAAAAA
cp "$WORK/audit.jsonl" "$WORK/token.jsonl"
{
    read_mail 2026-04-03T01:12:40 amir.qureshi "$IP" 2 "" "$T_STOLEN"
    read_mail 2026-04-03T01:44:05 amir.qureshi 20.69.151.7 5 "" "$T_STOLEN"
    read_mail 2026-05-20T17:02:31 james.obi "$IP" 1 "" "$T_LATE"
    read_mail 2026-05-20T18:10:12 james.obi 62.4.13.77 3 "" "$T_LATE"
    read_mail 2026-04-03T02:00:00 sofia.marin "$IP" 1 "" "$T_ZERO"
    read_mail 2026-04-03T02:30:00 paul.weber 93.184.216.34 2 "" "$T_ZERO"
} >>"$WORK/token.jsonl"
scan_json "$WORK/tok.json" "$WORK/tok.err" "$WORK/token.jsonl"
expect_eq "token scan exit" "$RC" 0
expect_eq "exposure through the attacker's token" \
    "$(jq -r '[.incidents[0].exposure[] | "\(.mailbox | split("@")[0])=\(.items)/\(.via | join(","))/\(.ips | join(","))"] | join(" ")' "$WORK/tok.json")" \
    "amir.qureshi=7/$IP,token $T_STOLEN/185.220.101.47,20.69.151.7 lena.berg=3/$IP/$IP omar.haddad=4/$IP/$IP sofia.marin=6/$IP/$IP"

# A session taken over whole (a stolen cookie) is the owner's too: paul keeps reading in it from
# his office, which signed people in for days before the attacker took the session. Those reads
# are his, set aside and named; the attacker's other exit counts, and so does an address first
# seen signing in the day before (too new to be anyone's own).
S_PAUL=3f8d2a61-c47e-4b09-9e15-a2b7d0c8f364
OFFICE=194.25.0.68
cp "$WORK/audit.jsonl" "$WORK/whole.jsonl"
{
    signin 2026-03-27T07:58:12 ida.lund "$OFFICE" 8c1e5b40-2d7a-4f93-b6e0-91a4c3f5d2e7 UserLoggedIn
    signin 2026-03-28T08:02:40 paul.weber "$OFFICE" "$S_PAUL" UserLoggedIn
    signin 2026-04-02T06:40:31 paul.weber 176.3.90.14 "$S_PAUL" UserLoggedIn
    read_mail 2026-04-03T03:05:19 paul.weber "$IP" 2 "$S_PAUL"
    read_mail 2026-04-03T08:15:44 paul.weber "$OFFICE" 3 "$S_PAUL"
    read_mail 2026-04-03T09:02:08 paul.weber 109.70.100.23 1 "$S_PAUL"
    read_mail 2026-04-03T10:30:51 finance "$OFFICE" 4 "$S_PAUL"
    read_mail 2026-04-03T12:11:26 paul.weber 176.3.90.14 1 "$S_PAUL"
    # Before the attacker took it, the session was paul's alone.
    read_mail 2026-04-02T11:47:03 paul.weber 176.3.90.14 2 "$S_PAUL"
} >>"$WORK/whole.jsonl"
scan_json "$WORK/whole.json" "$WORK/whole.err" "$WORK/whole.jsonl"
expect_eq "whole-session scan exit" "$RC" 0
expect_eq "exposure: the attacker's reads in the session taken whole" \
    "$(jq -r '[.incidents[0].exposure[] | "\(.mailbox | split("@")[0])=\(.items)/\(.ips | join(","))"] | join(" ")' "$WORK/whole.json")" \
    "lena.berg=3/$IP omar.haddad=4/$IP paul.weber=4/109.70.100.23,176.3.90.14,$IP sofia.marin=5/$IP"
expect_eq "the owner's reads set aside" \
    "$(jq -c '.incidents[0].exposure_set_aside' "$WORK/whole.json")" \
    "{\"records\":2,\"items\":7,\"ips\":[\"$OFFICE\"]}"
expect_grep "the story says so" <(jq -r '.incidents[0].story' "$WORK/whole.json") \
    'Not counted: 2 mail reads in the sessions or with the tokens the attacker took'
"$BIN" scan --no-progress --out "$WORK/whole.out" "$WORK/whole.jsonl" >/dev/null 2>&1
expect_grep "the HTML report names the owner's address" "$WORK/whole.out/report.html" \
    "Not counted: 2 mail reads \\(7 items\\) in the sessions or with the tokens the attacker took, .*: $OFFICE\\.</p>"
expect_eq "none set aside where no session was taken" \
    "$(jq -c '[.incidents[].exposure_set_aside.records] | add' "$J")" 0

# Graph requests that read mail (MicrosoftGraphActivityLogs, here a Log Analytics export) count
# as reads, logged whatever the mailbox's auditing: /me/messages is the caller's mailbox, named by
# its object id and resolved to the UPN a sign-in ties it to; /users/{UPN}/ the UPN's; an id no
# sign-in names stays an id. Not reads: a refused request, a POST, a request for files, the list
# of mail folders (names and counts, no message).
U_OMAR=2c7e9f14-5a83-4d6b-b0e1-7f4a3c9d8e25
U_GONE=8f3a61d2-04be-4c97-a5e8-2d1b7c9f0e43
GRAPH=https://graph.microsoft.com
# graph_req WHEN IP METHOD STATUS URI USERID [RESPONSE_BYTES]
graph_req() {
    N=$((N + 1))
    printf '{"TenantId":"9d2f6a41-7c3e-4b58-a1d0-6e8f2c4b7a19","TimeGenerated":"%s.%07dZ","Type":"MicrosoftGraphActivityLogs","AadTenantId":"%s","RequestId":"0e4b7c21-93a6-4f58-b2d1-%012d","OperationId":"0e4b7c21-93a6-4f58-b2d1-%012d","ApiVersion":"v1.0","RequestMethod":"%s","ResponseStatusCode":%d,"IPAddress":"%s","UserAgent":"python-requests/2.31.0","RequestUri":"%s","DurationMs":412,"ResponseSizeBytes":%d,"SignInActivityId":"kT3vQ9xZb0aD7eLm2nPq1w","Roles":"","TokenIssuedAt":"2026-04-02T10:01:40.0000000Z","AppId":"d3590ed6-52b3-4102-aeff-aad2292ab01c","UserId":"%s","ServicePrincipalId":"","Scopes":"Mail.Read Mail.Send Files.Read User.Read","ClientAuthMethod":0,"Location":"West Europe","SourceSystem":"Azure"}\n' \
        "$1" "$N" "$ORG" "$N" "$N" "$3" "$4" "$2" "$5" "${7:-48213}" "$6"
}
cp "$WORK/audit.jsonl" "$WORK/graph.jsonl"
{
    printf '{"TenantId":"9d2f6a41-7c3e-4b58-a1d0-6e8f2c4b7a19","TimeGenerated":"2026-03-25T08:02:11.4820000Z","Type":"SigninLogs","Category":"SignInLogs","OperationName":"Sign-in activity","ResultType":"0","Id":"6a1f3c2e-9b47-4d10-8e25-c0b7f1a4d962","UserPrincipalName":"omar.haddad@%s","UserId":"%s","AppId":"4765445b-32c6-49b0-83e6-1d93765276ca","AppDisplayName":"OfficeHome","IPAddress":"81.2.69.160","IsInteractive":true,"AADTenantId":"%s"}\n' \
        "$D" "$U_OMAR" "$ORG"
    graph_req 2026-04-02T10:05:12 "$IP" GET 200 "$GRAPH/v1.0/me/messages?\$top=50&\$select=subject,from" "$U_OMAR"
    graph_req 2026-04-02T10:07:40 "$IP" GET 200 "$GRAPH/v1.0/users/sofia.marin%40$D/mailFolders('Inbox')/messages" "$U_OMAR"
    # The next page: the same mailbox, caller and everything but what it returned.
    graph_req 2026-04-02T10:08:15 "$IP" GET 200 "$GRAPH/v1.0/users/sofia.marin%40$D/mailFolders('Inbox')/messages?\$skip=10" "$U_OMAR" 20480
    graph_req 2026-04-02T10:09:03 "$IP" GET 200 "$GRAPH/beta/users('$U_GONE')/messages/AAMkAGI2T/attachments" "$U_OMAR"
    graph_req 2026-04-02T10:10:21 "$IP" GET 403 "$GRAPH/v1.0/users/james.obi@$D/messages" "$U_OMAR"
    graph_req 2026-04-02T10:11:45 "$IP" POST 202 "$GRAPH/v1.0/me/sendMail" "$U_OMAR"
    graph_req 2026-04-02T10:12:30 "$IP" GET 200 "$GRAPH/v1.0/users/tarik.sen@$D/drive/root/children" "$U_OMAR"
    graph_req 2026-04-02T10:13:02 "$IP" GET 200 "$GRAPH/v1.0/users/tarik.sen@$D/mailFolders?\$top=100" "$U_OMAR"
} >"$WORK/graph-la.json"
# The same log from Azure Monitor (a storage account's PT1H.json): an application's own request,
# no user, from the proxy.
printf '{"time":"2026-04-02T10:20:02.5531875Z","resourceId":"/TENANTS/%s/PROVIDERS/MICROSOFT.AADIAM","operationName":"Microsoft Graph Activity","operationVersion":"v1.0","category":"MicrosoftGraphActivityLogs","resultSignature":"200","durationMs":"318","callerIpAddress":"%s","correlationId":"5b9e2d70-1c4a-4e83-9f16-a2c7d0e4b851","level":"Informational","location":"West Europe","properties":{"timeGenerated":"2026-04-02T10:20:02.5531875Z","location":"West Europe","requestId":"5b9e2d70-1c4a-4e83-9f16-a2c7d0e4b851","operationId":"5b9e2d70-1c4a-4e83-9f16-a2c7d0e4b851","apiVersion":"v1.0","requestMethod":"GET","responseStatusCode":200,"tenantId":"%s","durationMs":318,"responseSizeBytes":91733,"signInActivityId":"Qm8rT2vX5kLp9sNb3cYd0A","roles":"Mail.Read","appId":"7c1d9e42-6b3f-4a85-9e27-d0f4a8c2b613","servicePrincipalId":"e2a5c831-7f4d-4b69-8c10-3d9b6f2e7a54","scopes":"","clientAuthMethod":"2","C_Idtyp":"app","ipAddress":"%s","userAgent":"Microsoft Graph PowerShell","requestUri":"https://graph.microsoft.com/v1.0/users/lena.berg@%s/messages?$top=999"},"tenantId":"%s"}\n' \
    "$ORG" "$IP" "$ORG" "$IP" "$D" "$ORG" >"$WORK/PT1H.json"
scan_json "$WORK/graph.json" "$WORK/graph.err" --events "$WORK/graph.events" "$WORK/graph.jsonl" "$WORK/graph-la.json" \
    "$WORK/PT1H.json"
expect_eq "graph scan exit" "$RC" 0
expect_eq "Graph activity rows parsed" \
    "$(jq -r '[.evidence.formats[] | select(.name == "la-json") | .parsed, .skipped] | join(",")' "$WORK/graph.json")" "9,0"
# Items, records, Graph requests and the bytes they returned (ResponseSizeBytes: the log counts
# no items, so this is the one measure of what a Graph read took).
expect_eq "exposure with the Graph reads" \
    "$(jq -r '[.incidents[0].exposure[] | "\(.mailbox | split("@")[0])=\(.items)/\(.records)/\(.graph_requests)/\(.graph_bytes)"] | join(" ")' "$WORK/graph.json")" \
    "$U_GONE=0/1/1/48213 lena.berg=3/2/1/91733 omar.haddad=4/2/1/48213 sofia.marin=5/3/2/68693"
expect_grep "the story counts requests apart from items, with what they returned" \
    <(jq -r '.incidents[0].story' "$WORK/graph.json") \
    'Exposure: 4 mailboxes read \(12 items, 5 Graph requests returning 256\.9 kB\)'
"$BIN" scan --no-progress "$WORK/graph.jsonl" "$WORK/graph-la.json" "$WORK/PT1H.json" >"$WORK/graph.txt" 2>/dev/null
expect_grep "the summary: a mailbox read only through Graph has requests" "$WORK/graph.txt" \
    '^ +1 reqs   04-02 10:09 \.\. 04-02 10:09$'
expect_eq "its Graph requests said once" "$(grep -c '^        [12] Graph requests\? ' "$WORK/graph.txt")" 3
expect_grep "two pages of one mailbox: both requests, both sizes" "$WORK/graph.txt" \
    '^        2 Graph requests returning 68\.7 kB; via 185\.220\.101\.47; from$'
expect_grep "and says how many of a mailbox's reads were Graph requests, and their size" \
    "$WORK/graph.txt" '^        1 Graph request returning 91\.7 kB; via 185\.220\.101\.47; from$'
expect_grep "a mailbox read only through Graph: what the requests returned" "$WORK/graph.txt" \
    '^        returning 48\.2 kB; via 185\.220\.101\.47; from 185\.220\.101\.47$'
expect_eq "an application's own Graph read: no caller, its service principal" \
    "$(jq -r 'select(.format == "azmon-json") | "\(.actor.type)/\(.actor.id)/\(.mail.mailbox)/\(.mail.response_bytes)"' "$WORK/graph.events")" \
    "service-principal/e2a5c831-7f4d-4b69-8c10-3d9b6f2e7a54/lena.berg@$D/91733"
expect_eq "an Azure Monitor Graph record is cited by its requestId (it has no id)" \
    "$(jq -r 'select(.format == "azmon-json") | .evidence.record_id' "$WORK/graph.events")" \
    "5b9e2d70-1c4a-4e83-9f16-a2c7d0e4b851"
"$BIN" coverage --no-progress "$WORK/graph.jsonl" "$WORK/graph-la.json" >"$WORK/graph-cov.txt" 2>/dev/null
expect_grep "coverage names the Graph activity log's days" "$WORK/graph-cov.txt" \
    '^    Graph activity log 2026-04-02 \.\. 2026-04-02: Graph reads of any mailbox'
"$BIN" coverage --no-progress "$WORK/audit.jsonl" >"$WORK/nograph-cov.txt" 2>/dev/null
expect_eq "and says nothing of it without one" "$(grep -c '^ *Graph activity log [0-9]' "$WORK/nograph-cov.txt")" 0
"$BIN" scan --no-progress --out "$WORK/graph.out" "$WORK/graph.jsonl" "$WORK/graph-la.json" >/dev/null 2>&1
expect_grep "so does the HTML report" "$WORK/graph.out/report.html" \
    '<p>The Graph activity log covers 2026-04-02 10:05:12 &ndash; 2026-04-02 10:13:02 UTC: Graph reads'
expect_grep "and its exposure table counts the Graph requests" "$WORK/graph.out/report.html" \
    '<td class="num">2 \(1 Graph request, 48\.2 kB\)</td>'

# The Log Analytics portal's CSV download of the same rows.
jq -r -s 'map(select(.Type == "MicrosoftGraphActivityLogs")) | (.[0] | keys_unsorted |
    map(if . == "TimeGenerated" then "TimeGenerated [UTC]" else . end)), (.[] | [.[]]) | @csv' \
    "$WORK/graph-la.json" >"$WORK/graph-la.csv"
"$BIN" scan --no-progress --events "$WORK/csv.events" "$WORK/graph-la.csv" >/dev/null 2>&1
expect_eq "the CSV download: each request's mailbox read, or none, and the response's size" \
    "$(jq -r '"\(.format)/\(.error_code)/\(.mail.mailbox // "-" | split("@")[0])/\(.mail.response_bytes // "-")"' "$WORK/csv.events" | tr '\n' ' ')" \
    "la-csv/200/$U_OMAR/48213 la-csv/200/sofia.marin/48213 la-csv/200/sofia.marin/20480 la-csv/200/$U_GONE/48213 la-csv/403/james.obi/48213 la-csv/202/-/- la-csv/200/-/- la-csv/200/-/- "

# A size that is not a byte count is said, naming the file, line and field, and the request is
# kept without it; an empty one is no size, and not a warning.
expect_eq "the everyday rows give no size warning" "$(grep -c 'ResponseSizeBytes' "$WORK/graph.err")" 0
sed -e '2s/"ResponseSizeBytes":48213/"ResponseSizeBytes":"48 kB"/' \
    -e '3s/"ResponseSizeBytes":48213/"ResponseSizeBytes":""/' "$WORK/graph-la.json" >"$WORK/size.json"
scan_json "$WORK/size.out" "$WORK/size.err" "$WORK/graph.jsonl" "$WORK/size.json"
expect_eq "size scan exit" "$RC" 0
expect_eq "every request kept" \
    "$(jq -r '[.evidence.formats[] | select(.name == "la-json") | .parsed, .skipped] | join(",")' "$WORK/size.out")" "9,0"
expect_eq "one warning, for the value that is not a byte count" \
    "$(grep -c 'ResponseSizeBytes' "$WORK/size.err")" 1
expect_grep "naming file, line and field" "$WORK/size.err" \
    "warning: $WORK/size.json:2: ResponseSizeBytes: not a byte count"
expect_eq "neither size counted" \
    "$(jq -r '[.incidents[0].exposure[] | select(.mailbox | test("omar|sofia")) | "\(.mailbox | split("@")[0])=\(.graph_requests)/\(.graph_bytes)"] | join(" ")' "$WORK/size.out")" \
    "omar.haddad=1/0 sofia.marin=2/20480"
# So is a status that is not an HTTP status: the request is kept, its outcome unknown, so it is
# not counted as a read; a null one is no status, and not a warning.
sed -e '5s/"ResponseStatusCode":200/"ResponseStatusCode":"OK"/' \
    -e '6s/"ResponseStatusCode":403/"ResponseStatusCode":null/' "$WORK/graph-la.json" >"$WORK/status.json"
scan_json "$WORK/status.out" "$WORK/status.err" "$WORK/graph.jsonl" "$WORK/status.json"
expect_eq "status scan exit" "$RC" 0
expect_eq "every request kept, whatever its status" \
    "$(jq -r '[.evidence.formats[] | select(.name == "la-json") | .parsed, .skipped] | join(",")' "$WORK/status.out")" "9,0"
expect_eq "one warning, for the status that is not one" "$(grep -c 'ResponseStatusCode' "$WORK/status.err")" 1
expect_grep "naming its file, line and field" "$WORK/status.err" \
    "warning: $WORK/status.json:5: ResponseStatusCode: not an HTTP status"
expect_eq "a request of unknown outcome is not counted as a read" \
    "$(jq -r '[.incidents[0].exposure[].mailbox | split("@")[0]] | join(" ")' "$WORK/status.out")" \
    "lena.berg omar.haddad sofia.marin"
PT1H_BAD=$(sed 's/"responseStatusCode":200/"responseStatusCode":"200 OK"/' "$WORK/PT1H.json")
printf '%s\n' "$PT1H_BAD" >"$WORK/status-PT1H.json"
scan_json "$WORK/status2.out" "$WORK/status2.err" "$WORK/status-PT1H.json"
expect_grep "Azure Monitor's record: the same warning, its field named" "$WORK/status2.err" \
    "warning: $WORK/status-PT1H.json:1: properties.responseStatusCode: not an HTTP status"

# The late read joins when it follows within 7 days of the others.
sed -i 's/2026-05-20T16:05:44/2026-04-20T16:05:44/' "$WORK/audit.jsonl"
scan_json "$WORK/out2.json" "$WORK/err2" "$WORK/audit.jsonl"
expect_eq "chained read counts" \
    "$(jq -r '[.incidents[0].exposure[].mailbox] | join(",")' "$WORK/out2.json")" \
    "james.obi@$D,lena.berg@$D,omar.haddad@$D,sofia.marin@$D"
# A Graph request names the mailbox it read by its owner's object id. A shared mailbox never
# signs in, so no sign-in gives its UPN: a directory change naming it, or the tenant snapshot's
# Get-Mailbox export (ExternalDirectoryObjectId), does. Without either the id is all there is.
SHARED=$SRC/tests/detections/token-without-signin/pos_la_graph_forged_token_shared_mailbox
SECOPS_ID=3c1f7a52-9e0d-4b6a-8f21-6d4e0b9c7a13
mkdir -p "$WORK/shared"
cp "$SHARED"/SigninLogs.csv "$SHARED"/AADNonInteractiveUserSignInLogs.json \
    "$SHARED"/MicrosoftGraphActivityLogs.json "$WORK/shared/"
TAGS_ARG=(--ip-ranges "$SHARED/ServiceTags_Public_20260302.json")
shared_names() { # the exposure's mailboxes and the token finding's user
    jq -r '([.incidents[].exposure[].mailbox] + [.findings[] | select(.rule == "token-without-signin") | .entities.users[]]) | join(" ")' "$1"
}
scan_json "$WORK/shared-none.json" "$WORK/shared-none.err" "${TAGS_ARG[@]}" "$WORK/shared"
expect_eq "a shared mailbox nothing names: its object id" "$(shared_names "$WORK/shared-none.json")" \
    "$SECOPS_ID $SECOPS_ID"
scan_json "$WORK/shared-snap.json" "$WORK/shared-snap.err" "${TAGS_ARG[@]}" "$WORK/shared" \
    "$SHARED/mailboxes.json"
expect_eq "named by the snapshot's Get-Mailbox export" "$(shared_names "$WORK/shared-snap.json")" \
    "secops@contosodemo.onmicrosoft.com secops@contosodemo.onmicrosoft.com"
printf '{"TenantId":"9e2d7c41-3a5b-4f08-b6e1-d04c8a2f7b93","SourceSystem":"Azure AD","TimeGenerated":"2026-03-09T09:41:17.208Z","ResourceId":"/tenants/6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14/providers/Microsoft.aadiam","OperationName":"Update user","OperationVersion":"1.0","Category":"UserManagement","ResultSignature":"None","CorrelationId":"5d0e3b8a-71c2-4f96-a4d8-2b9e6c1f7a35","Level":"4","AdditionalDetails":"[{\\"key\\":\\"UserType\\",\\"value\\":\\"Member\\"}]","Id":"Directory_5d0e3b8a-71c2-4f96-a4d8-2b9e6c1f7a35_4KQ2P_118204731","InitiatedBy":"{\\"user\\":{\\"id\\":\\"042f1068-9091-4b6f-8368-431845d5841c\\",\\"userPrincipalName\\":\\"tom.becker@contosodemo.onmicrosoft.com\\",\\"ipAddress\\":\\"203.0.113.10\\"}}","LoggedByService":"Core Directory","Result":"success","ResultReason":"","TargetResources":"[{\\"id\\":\\"%s\\",\\"displayName\\":null,\\"type\\":\\"User\\",\\"userPrincipalName\\":\\"secops@contosodemo.onmicrosoft.com\\",\\"modifiedProperties\\":[{\\"displayName\\":\\"DisplayName\\",\\"oldValue\\":\\"[\\\\\\"SecOps\\\\\\"]\\",\\"newValue\\":\\"[\\\\\\"Security Operations\\\\\\"]\\"}],\\"administrativeUnits\\":[]}]","AADTenantId":"6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14","ActivityDisplayName":"Update user","ActivityDateTime":"2026-03-09T09:41:17.208Z","AADOperationType":"Update","Type":"AuditLogs"}\n' \
    "$SECOPS_ID" >"$WORK/shared/AuditLogs.json"
scan_json "$WORK/shared-dir.json" "$WORK/shared-dir.err" "${TAGS_ARG[@]}" "$WORK/shared"
expect_eq "the directory change's target row is read" \
    "$(jq -r '[.evidence.files[] | select(.path | test("AuditLogs")) | .parsed] | add' "$WORK/shared-dir.json")" 1
expect_eq "named by a directory change's target" "$(shared_names "$WORK/shared-dir.json")" \
    "secops@contosodemo.onmicrosoft.com secops@contosodemo.onmicrosoft.com"
# An export of two days: an address that five accounts had signed in from before the first
# finding naming it is the office, however recent (the 48 hours that make an address someone's
# own cannot pass in two days). ben sets a forwarding rule from the office: the reads of his
# colleagues there are not the incident's. Where the five sign in only after the rule, nothing
# says the address was the tenant's before the finding, and the reads count.
OFFICE2=194.25.0.90
office_day() { # office_day FIRST_SIGNIN_HOUR
    local u i=0
    for u in anna.lind ben.roth carl.ek dora.vik emil.sund; do
        signin "2026-07-06T$1:0$i:14" "$u" "$OFFICE2" "6d2a0c4e-81f3-4b57-9e0d-3a7c5f1b2e8$i" UserLoggedIn
        i=$((i + 1))
    done
    printf '{"CreationTime":"2026-07-06T09:14:26","Id":"2e8f4a61-0c7d-4b93-a5e2-6f1d08c3b7a9","Operation":"New-InboxRule","OrganizationId":"%s","RecordType":1,"ResultStatus":"True","UserKey":"10032003C1D2E3B1","UserType":0,"Version":1,"Workload":"Exchange","ClientIP":"%s:50883","ObjectId":"DB9PR08A004.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/%s/ben.roth\\\\Weiterleitung","UserId":"ben.roth@%s","AppId":"00000002-0000-0ff1-ce00-000000000000","ClientAppId":"","ExternalAccess":false,"OrganizationName":"%s","OriginatingServer":"DB9PR08MB7241 (15.20.8632.025)","Parameters":[{"Name":"AlwaysDeleteOutlookRulesBlob","Value":"False"},{"Name":"Force","Value":"False"},{"Name":"Name","Value":"Weiterleitung"},{"Name":"ForwardTo","Value":"ben.roth.privat@gmail.com"},{"Name":"StopProcessingRules","Value":"False"}],"SessionId":"b7e3d9a0-5c21-4f86-8e4b-d02a6f1c9e35"}\n' \
        "$ORG" "$OFFICE2" "$D" "$D" "$D"
    read_mail 2026-07-06T10:02:51 anna.lind "$OFFICE2" 2
    read_mail 2026-07-06T11:40:07 carl.ek "$OFFICE2" 3
    read_mail 2026-07-07T08:55:33 dora.vik "$OFFICE2" 1
}
office_day 08 >"$WORK/office.jsonl"
scan_json "$WORK/office.json" "$WORK/office.err" "$WORK/office.jsonl"
expect_eq "office scan exit" "$RC" 0
expect_eq "the rule is found, high" \
    "$(jq -r '[.findings[] | "\(.rule)/\(.severity)"] | join(",")' "$WORK/office.json")" \
    mail-forwarding-rule/high
expect_eq "the office's reads are not its exposure" \
    "$(jq -c '[.incidents[].exposure[].mailbox]' "$WORK/office.json")" '[]'
office_day 10 >"$WORK/office-late.jsonl"
scan_json "$WORK/office-late.json" "$WORK/office-late.err" "$WORK/office-late.jsonl"
expect_eq "signed in from only after the finding: its reads count" \
    "$(jq -r '[.incidents[].exposure[].mailbox | split("@")[0]] | join(",")' "$WORK/office-late.json")" \
    anna.lind,carl.ek,dora.vik
finish
