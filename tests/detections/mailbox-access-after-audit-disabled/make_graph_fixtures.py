#!/usr/bin/env python3
"""Builds the Graph activity cases of mailbox-access-after-audit-disabled:
    python3 tests/detections/mailbox-access-after-audit-disabled/make_graph_fixtures.py [SRC]
The audit switch-off comes from advanced-audit-disabled's pos_ual_licence_disabled_then_read,
without the intruder's MailItemsAccessed read: once lucia's Audit (Premium) plan is gone, the
Graph activity log (a Log Analytics export of MicrosoftGraphActivityLogs, the table's own
columns) is where an application's reads of her mail still show. A SigninLogs row ties lucia's
object id to her UPN, as a Sentinel query over both tables gives it."""
import json
import os
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../..")
POS = os.path.join(SRC, "tests/detections/advanced-audit-disabled/pos_ual_licence_disabled_then_read/audit.jsonl")
OUT = os.path.join(SRC, "tests/detections/mailbox-access-after-audit-disabled")
sys.path.insert(0, os.path.join(SRC, "tests/tools"))
from la_rows import numbered_requests  # noqa: E402
TENANT = "6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14"
WORKSPACE = "0f2d8c61-3b7a-4e95-a1c4-9d6e2b8f7a30"
LUCIA = "lucia.fernandez@contosodemo.onmicrosoft.com"
LUCIA_ID = "5a8e2c17-9d4b-4f06-b3e1-7c2a9f0d4e68"
BACKUP = "5d2a8f6e-1b3c-4e7d-9f04-a6c8e2b1d359"      # the tenant's backup application
BACKUP_SP = "c41e7a93-2f68-4d0b-95a7-e8b3d1f6c209"
INTRUDER = "b7e4a0d2-6c19-4f8a-93d5-1e2f6a8c0b47"    # MailVault Sync, the intruder's app
INTRUDER_SP = "94ddb53a-c4cf-4f01-936c-a7be0ee53d4c"
OFFICE_APP = "d3590ed6-52b3-4102-aeff-aad2292ab01c"  # Microsoft Office
GRAPH = "https://graph.microsoft.com"

base = [json.loads(l) for l in open(POS, encoding="utf-8")]
base = [r for r in base if not (r["Operation"] == "MailItemsAccessed" and
                                 not r["UserId"].startswith("lucia"))]
# An application's own request (sp) or a user's (user).
request = numbered_requests("7e3c91a0-5b2d-4f84-a6c9-%012d", "Zq%02dWk3vT9bLx7cN2mRp4A", 31337,
                            lambda n: 287 + n * 13, lambda n: 40961 + n * 977,
                            location="West Europe", sp_agent="Microsoft Graph PowerShell")


SIGNIN = {"TenantId": WORKSPACE, "SourceSystem": "Azure", "TimeGenerated": "2026-03-05T08:14:52.3310000Z",
          "OperationName": "Sign-in activity", "Category": "SignInLogs", "ResultType": "0",
          "Id": "2b6f0e94-8c13-4a7d-b5e2-91d4c7a3f068", "UserPrincipalName": LUCIA,
          "UserId": LUCIA_ID, "UserDisplayName": "Lucía Fernández", "AppId": "4765445b-32c6-49b0-83e6-1d93765276ca",
          "AppDisplayName": "OfficeHome", "IPAddress": "198.51.100.63", "IsInteractive": True,
          "ClientAppUsed": "Browser", "AADTenantId": TENANT,
          "UserAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
          "Type": "SigninLogs"}

# The backup application reads lucia's inbox every night, before and after the switch-off.
backup = [request(t, "192.0.2.25", f"{GRAPH}/v1.0/users/{LUCIA_ID}/mailFolders/inbox/messages/delta",
                  BACKUP, sp=BACKUP_SP)
          for t in ("2026-03-04T02:03:11", "2026-03-05T02:02:47", "2026-03-06T02:04:05",
                    "2026-03-08T02:03:36")]
# lucia reads her own mail in Outlook, which asks Graph for it, after the switch-off.
own = [request("2026-03-07T16:40:18", "198.51.100.63", f"{GRAPH}/v1.0/me/messages?$top=25",
               OFFICE_APP, user=LUCIA_ID),
       request("2026-03-08T09:12:55", "198.51.100.63",
               f"{GRAPH}/v1.0/users/{LUCIA}/mailFolders('Inbox')/messages?$select=subject",
               OFFICE_APP, user=LUCIA_ID)]
# The intruder's application, with full_access_as_app, pages through her mail from an Azure VM;
# a first request for another mailbox was refused.
intruder = [request("2026-03-07T16:05:41", "40.76.173.208",
                    f"{GRAPH}/v1.0/users/{LUCIA_ID}/mailFolders/inbox/messages?$top=999", INTRUDER,
                    sp=INTRUDER_SP),
            request("2026-03-07T16:06:02", "40.76.173.208",
                    f"{GRAPH}/v1.0/users/{LUCIA.replace('@', '%40')}/messages?$top=999&$skip=999",
                    INTRUDER, sp=INTRUDER_SP)]
# Exchange Online's own service principal reads her inbox as itself (a Microsoft service's
# housekeeping): not someone reading her mail.
refused = [request("2026-03-07T19:30:44", "52.96.12.40",
                   f"{GRAPH}/v1.0/users/{LUCIA_ID}/mailFolders/inbox/messages?$top=10",
                   "00000002-0000-0ff1-ce00-000000000000", sp="a180a517-d1dc-49cd-840f-d8ed6d18c848",
                   agent="Exchange/15.20"),
           request("2026-03-07T16:04:12", "40.76.173.208",
                   f"{GRAPH}/v1.0/users/{LUCIA_ID}/messages", INTRUDER, sp=INTRUDER_SP,
                   status=403)]
# (The service principal's read and the refused request go in both cases.)


def case(name, audit, graph, expect):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "audit.jsonl"), "w", encoding="utf-8") as f:
        for r in sorted(audit, key=lambda r: r["CreationTime"]):
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
    with open(os.path.join(d, "graph-activity.json"), "w", encoding="utf-8") as f:
        for r in sorted(graph, key=lambda r: r["TimeGenerated"]):
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
    with open(os.path.join(d, "expect.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps({"rule": "mailbox-access-after-audit-disabled", "findings": expect}) + "\n")


# The backup's nightly reads and lucia's own reading go on after the switch-off; an intruder's
# request was refused: nothing reached her mail unseen.
case("neg_la_graph_backup_and_owner_read_on", base, [SIGNIN] + backup + own + refused, [])
# The same, and the intruder's application reads her mail through Graph: the Graph activity log
# shows what MailItemsAccessed no longer does.
case("pos_la_graph_app_reads_after_licence_removed", base, [SIGNIN] + backup + own + refused + intruder,
     [{"severity": "critical",
       "entities": {"mailboxes": [LUCIA], "apps": [INTRUDER], "ips": ["40.76.173.208"]},
       "details": {"reads_still_logged": 0, "graph_reads": 2, "routine_reads": 1,
                   "apps_that_read_it_before": [BACKUP]}}])
# Evidence whose Exchange records begin the night before the switch-off (as
# pos_ual_intruder_beside_backup_service_short_evidence), beside a Graph activity log that begins
# five days earlier with another user's Outlook: the backup's one night before the window is as
# regular as the log that shows its reads can tell; the finding still names the intruder alone.
SHORT = os.path.join(OUT, "pos_ual_intruder_beside_backup_service_short_evidence")
short_audit = [json.loads(l) for l in open(os.path.join(SHORT, "audit.jsonl"), encoding="utf-8")]
TOM_ID = "9c3e5a17-4b2d-4f80-a6e1-d7b2c9f0e354"
tom_signin = dict(SIGNIN, UserPrincipalName="tom.becker@contosodemo.onmicrosoft.com", UserId=TOM_ID,
                  Id="4d7a1e95-3c28-4b6f-a0d3-62e8f1b9c574", TimeGenerated="2026-03-02T07:58:40.1120000Z",
                  IPAddress="203.0.113.10", UserDisplayName="Tom Becker")
tom = [request(f"2026-03-0{d}T{h}:1{d}:2{d}", "203.0.113.10", f"{GRAPH}/v1.0/me/messages?$top=25",
               OFFICE_APP, user=TOM_ID) for d in range(2, 9) for h in ("08", "13")]
case("pos_la_ual_graph_log_begins_before_the_mail_log_short_evidence", short_audit,
     [tom_signin] + tom, json.load(open(os.path.join(SHORT, "expect.json")))["findings"])
