#!/usr/bin/env python3
"""Builds the Graph activity cases of rare-app-mail-access:
    python3 tests/detections/rare-app-mail-access/make_graph_fixtures.py [SRC]
A tenant whose mailboxes log no MailItemsAccessed (no Audit (Premium) licence) but whose Entra
diagnostic settings send MicrosoftGraphActivityLogs to Log Analytics, two working weeks of it:
six people read their own mail in Outlook, which asks Graph for it; the backup application reads
every mailbox each night from the first night; a third-party add-in is adopted on the third day;
a manager's assistant reads his mailbox; Exchange Online's own service principal reads mail from
the ninth day. Rows have the table's own columns (tests/tools/la_rows.py)."""
import json
import os
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../..")
OUT = os.path.join(SRC, "tests/detections/rare-app-mail-access")
sys.path.insert(0, os.path.join(SRC, "tests/tools"))
from la_rows import (BACKUP, DOMAIN, OFFICE_APP, PEOPLE, TENANT, WORKSPACE, jsonl,  # noqa: E402
                     numbered_requests, owners_and_backup, signin_row, write_case)

ADDIN = "7c3e9a51-2d84-4b6f-a0e7-5f19c8d2b643"       # a meeting-notes add-in, delegated
EXO = "00000002-0000-0ff1-ce00-000000000000"         # Office 365 Exchange Online
EXO_SP = "e2a7c4f1-6b90-4d35-8c1e-a4f7b2d90c56"
FORGED = "9f3b6d20-e85c-4a17-b2d4-70c1e6a9f385"      # no app of the tenant's: a forged token's
GRAPH_CLI = "14d82eec-204b-4c2f-b7e8-296a70dab67e"   # Microsoft Graph Command Line Tools
ARCHIVE = "8e4f2b17-c3a6-4d90-b5e8-1a7d9c2f6e04"     # an archiving product, EWS then Graph
GRAPH = "https://graph.microsoft.com/v1.0"
DAYS = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06",
        "2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12", "2026-03-13"]
request = numbered_requests("3f8b2e61-9a4c-4d17-8e05-%012d", "Rb%04dXk8wU2cMy5dP7nQs", 69061,
                            lambda n: 160 + n % 350, lambda n: 18432 + n * 257)


def everyday(days):
    rows = []
    for d, day in enumerate(days):
        rows += owners_and_backup(request, day, d, GRAPH)
        if d >= 2:  # the add-in, from the third day: within the baseline
            rows.append(request(f"{day}T10:{30 + d:02d}:05", PEOPLE[2][2],
                                f"{GRAPH}/me/messages?$filter=isRead eq false&$top=10", ADDIN,
                                user=PEOPLE[2][1], agent="MeetingNotes/3.1 (Outlook add-in)"))
        # Ken's assistant (Priya) reads his mailbox in Outlook, as a delegate, every day.
        rows.append(request(f"{day}T09:{20 + d:02d}:41", PEOPLE[4][2],
                            f"{GRAPH}/users/{PEOPLE[1][0]}@{DOMAIN}/mailFolders('Inbox')/messages",
                            OFFICE_APP, user=PEOPLE[4][1]))
        if d >= 8:  # Exchange's own service principal, app-only: the platform, not a client
            rows.append(request(f"{day}T04:{11 + d:02d}:19", "52.96.40.17",
                                f"{GRAPH}/users/{PEOPLE[0][1]}/messages?$select=id", EXO,
                                sp=EXO_SP, agent="Microsoft Exchange"))
    return rows


def case(name, graph, expect, audit=None):
    return write_case(OUT, "rare-app-mail-access", name, graph, expect,
                      jsonl(audit) if audit else None)


rows = everyday(DAYS)
# Everyday traffic: no application reads mail for the first time after the first seven days but
# Exchange's own service principal.
case("neg_la_graph_established_clients", rows, [])

# Storm-0558's shape: owner-looking delegated reads of two mailboxes, on the ninth working day,
# through a client id the tenant never used, from a VPS; a third mailbox's request was refused.
forged = [request(f"2026-03-12T{h}", "185.225.73.18",
                  f"{GRAPH}/me/mailFolders('Inbox')/messages?$top=50&$skip={50 * k}", FORGED,
                  user=PEOPLE[who][1], agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
                  "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36")
          for k, (h, who) in enumerate([("21:14:07", 0), ("21:14:39", 0), ("21:16:52", 3),
                                        ("21:17:30", 3), ("21:18:04", 3)])]
refused = [request("2026-03-12T21:20:11", "185.225.73.18",
                   f"{GRAPH}/users/{PEOPLE[5][0]}@{DOMAIN}/messages", "0b8e3f72-4a19-4c6d-9e25-"
                   "d1f7a3c8b046", user=PEOPLE[3][1], status=403, agent="python-requests/2.31.0")]
case("pos_la_graph_forged_token_new_client", rows + forged + refused,
     [{"severity": "high",
       "entities": {"apps": [FORGED], "ips": ["185.225.73.18"],
                    "mailboxes": [PEOPLE[0][1], PEOPLE[3][1]],
                    "users": [PEOPLE[0][1], PEOPLE[3][1]]},
       "summary_contains": "made 5 Graph requests for the mail of 2 mailboxes",
       "details": {"first_party": False, "graph_requests": 5, "items": 0, "mailboxes": 2}}])

# A hijacked session pages through Tom's mail with the Graph command-line tools on the eighth
# working day: a Microsoft client id, never seen reading mail here.
cli = [request(f"2026-03-11T19:{m:02d}:{s:02d}", "20.84.109.33",
               f"{GRAPH}/users/{PEOPLE[5][0]}@{DOMAIN}/messages?$top=999", GRAPH_CLI,
               user=PEOPLE[5][1], agent="Microsoft Graph PowerShell/2.15.0")
       for m, s in ((2, 41), (3, 5), (3, 37))]
case("pos_la_graph_cli_after_baseline", rows + cli,
     [{"severity": "medium", "entities": {"apps": [GRAPH_CLI, "Microsoft Graph Command Line Tools"],
                                           "mailboxes": [f"tom.becker@{DOMAIN}"]},
       "details": {"first_party": True, "graph_requests": 3}}])

# The mail records (Audit Premium on Dana's mailbox) begin a day before the Graph activity log.
# The archiving product reads her mailbox over EWS from their first night; after its upgrade it
# reads every mailbox through Graph from the eighth working day. It is not new: the mail records'
# baseline shows it, and the Graph log's own baseline does not have to. The export writes its id
# in capitals, the Graph log in lower case.
base = os.path.join(OUT, "neg_ual_all_apps_in_baseline/audit.jsonl")
audit = [json.loads(line) for line in open(base, encoding="utf-8")]
for r in audit:
    if r.get("ClientAppId") == BACKUP:
        r["AppId"] = EXO
        r["ClientAppId"] = r["AppAccessContext"]["ClientAppId"] = ARCHIVE.upper()
        r["ClientInfoString"] = "Client=WebServices;ArchiveVault/6.0;"
upgraded = [request(f"{day}T01:{10 + i:02d}:{(11 * i + 3) % 60:02d}", "192.0.2.61",
                    f"{GRAPH}/users/{oid}/messages/delta", ARCHIVE, sp="5b0c8e34-7f21-4a96-"
                    "bd3e-29f6a1c7e480", agent="ArchiveVault/7.0")
            for day in DAYS[7:] for i, (name, oid, home) in enumerate(PEOPLE)]
case("neg_la_ual_app_in_mail_records_baseline_new_in_graph", rows + upgraded, [], audit=audit)


def dana_signins():
    """Dana signs in to Office in the browser each working morning: SigninLogs rows that carry her
    object id and her UPN."""
    name, oid, home = PEOPLE[0]
    return [signin_row(TENANT, WORKSPACE, f"{day}T07:{40 + d:02d}:1{d}.{4410000 + d * 1301}Z",
                       "c7d41e90-5a2b-4f63-9e18-%012d" % (d + 1), f"{name}@{DOMAIN}", oid,
                       "Dana Whitfield", home, "Vh%02dQm4tR8yKz1pWx6bNc" % d, "Seattle", "US")
            for d, day in enumerate(DAYS)]


def marcus_title_changed():
    """An administrator changes Marcus's job title on the fourth day: an AuditLogs row whose
    target names his object id and UPN (he signs in nowhere in this evidence)."""
    name, oid, home = PEOPLE[3]
    target = [{"id": oid, "displayName": None, "type": "User",
               "userPrincipalName": f"{name}@{DOMAIN}",
               "modifiedProperties": [{"displayName": "JobTitle", "oldValue": "[\"Analyst\"]",
                                       "newValue": "[\"Senior Analyst\"]"},
                                      {"displayName": "Included Updated Properties",
                                       "oldValue": None, "newValue": "\"JobTitle\""},
                                      {"displayName": "TargetId.UserType", "oldValue": None,
                                       "newValue": "\"Member\""}],
               "administrativeUnits": []}]
    by = {"user": {"id": "0d9e4c72-31f8-4b5a-a6e2-c8f17b3d9a05", "displayName": None,
                   "userPrincipalName": f"it.admin@{DOMAIN}", "ipAddress": "203.0.113.77",
                   "roles": []}}
    return {"TenantId": WORKSPACE, "SourceSystem": "Azure AD",
            "TimeGenerated": "2026-03-05T11:02:37.219Z",
            "ResourceId": f"/tenants/{TENANT}/providers/Microsoft.aadiam",
            "OperationName": "Update user", "OperationVersion": "1.0",
            "Category": "UserManagement", "ResultSignature": "None",
            "CorrelationId": "5e1a9c37-8d24-4b6f-a0c3-7f2e91d4b850", "Resource": "Microsoft.aadiam",
            "ResourceGroup": "Microsoft.aadiam", "Level": "4",
            "AdditionalDetails": json.dumps([{"key": "UserType", "value": "Member"}],
                                            separators=(",", ":")),
            "Id": "Directory_5e1a9c37-8d24-4b6f-a0c3-7f2e91d4b850_4QX2M_118406952",
            "InitiatedBy": json.dumps(by, separators=(",", ":")),
            "LoggedByService": "Core Directory", "Result": "success", "ResultReason": "",
            "TargetResources": json.dumps(target, separators=(",", ":")),
            "AADTenantId": TENANT, "ActivityDisplayName": "Update user",
            "ActivityDateTime": "2026-03-05T11:02:37.219Z", "AADOperationType": "Update",
            "Type": "AuditLogs"}


# The forged-token reads again, with Dana's sign-ins and Marcus's directory change in the
# evidence: the two callers and mailboxes go by their UPNs, not by the ids the requests give.
named = case("pos_la_graph_forged_token_callers_named", rows + forged + refused,
     [{"severity": "high",
       "entities": {"apps": [FORGED],
                    "mailboxes": [f"dana.whitfield@{DOMAIN}", f"marcus.oyelaran@{DOMAIN}"],
                    "users": [f"dana.whitfield@{DOMAIN}", f"marcus.oyelaran@{DOMAIN}"]},
       "details": {"graph_requests": 5, "mailboxes": 2}}])
with open(os.path.join(named, "SigninLogs.json"), "w", encoding="utf-8") as f:
    f.write(jsonl(dana_signins()))
with open(os.path.join(named, "AuditLogs.json"), "w", encoding="utf-8") as f:
    f.write(json.dumps(marcus_title_changed(), ensure_ascii=False, separators=(",", ":")) + "\n")
