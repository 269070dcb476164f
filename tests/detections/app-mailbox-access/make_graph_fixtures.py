#!/usr/bin/env python3
"""Builds the Graph activity cases of app-mailbox-access:
    python3 tests/detections/app-mailbox-access/make_graph_fixtures.py [SRC]
A tenant whose mailboxes log no MailItemsAccessed (no Audit (Premium) licence) but whose Entra
diagnostic settings send MicrosoftGraphActivityLogs to Log Analytics: six people read their own
mail in Outlook, which asks Graph for it, every working day; the backup application reads every
mailbox each night from the first night of the export. Rows have the table's own columns."""
import json
import os
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../..")
OUT = os.path.join(SRC, "tests/detections/app-mailbox-access")
sys.path.insert(0, os.path.join(SRC, "tests/tools"))
from la_rows import OUTLOOK_AGENT, graph_activity_row, signin_row  # noqa: E402
TENANT = "6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14"
WORKSPACE = "0f2d8c61-3b7a-4e95-a1c4-9d6e2b8f7a30"
DOMAIN = "contosodemo.onmicrosoft.com"
PEOPLE = [("dana.whitfield", "1c4f7a92-6e3b-4d08-a5c1-93b7e2f0d461", "73.162.41.19"),
          ("ken.yamada", "2d5a8b03-7f4c-4e19-b6d2-a4c8f3e1e572", "98.207.153.40"),
          ("lucia.fernandez", "3e6b9c14-8a5d-4f2a-87e3-b5d9a4f2f683", "24.16.201.77"),
          ("marcus.oyelaran", "4f7cad25-9b6e-4a3b-98f4-c6eab5a3a794", "71.178.62.15"),
          ("priya.raman", "5a8dbe36-ac7f-4b4c-a905-d7fbc6b4b8a5", "66.31.127.20"),
          ("tom.becker", "6b9ecf47-bd8a-4c5d-ba16-e8acd7c5c9b6", "203.0.113.10")]
OFFICE_APP = "d3590ed6-52b3-4102-aeff-aad2292ab01c"  # Microsoft Office
BACKUP = "5d2a8f6e-1b3c-4e7d-9f04-a6c8e2b1d359"
BACKUP_SP = "c41e7a93-2f68-4d0b-95a7-e8b3d1f6c209"
INTRUDER = "b7e4a0d2-6c19-4f8a-93d5-1e2f6a8c0b47"
INTRUDER_SP = "94ddb53a-c4cf-4f01-936c-a7be0ee53d4c"
GRAPH = "https://graph.microsoft.com/v1.0"
n_req = 0


def request(t, ip, uri, app, sp=None, user=None, status=200, agent=None):
    global n_req
    n_req += 1
    return graph_activity_row(TENANT, WORKSPACE, t + ".%07dZ" % (n_req * 48271 % 10000000),
                              "8a1d5f72-3c9e-4b06-b4f8-%012d" % n_req, ip, uri, app,
                              "Ka%04dWk3vT9bLx7cN2mRp" % n_req, sp=sp, user=user, status=status,
                              agent=agent or OUTLOOK_AGENT, duration=190 + n_req % 400,
                              size=20480 + n_req * 311)


def everyday(days, backup=True):
    rows = []
    for d, day in enumerate(days):
        for i, (name, oid, home) in enumerate(PEOPLE):
            for k, hour in enumerate((8, 13, 17)):
                rows.append(request(f"{day}T{hour:02d}:{(7 * i + 11 * k + d) % 60:02d}:"
                                    f"{(13 * i + k) % 60:02d}", home,
                                    f"{GRAPH}/me/mailFolders/inbox/messages?$top=25", OFFICE_APP,
                                    user=oid))
            # The backup product, app-only, from its vendor's address; from the first night on.
            if backup:
                rows.append(request(f"{day}T02:{3 + i:02d}:{(17 * i + d) % 60:02d}", "192.0.2.25",
                                    f"{GRAPH}/users/{oid}/messages/delta", BACKUP, sp=BACKUP_SP,
                                    agent="BackupVault/4.2"))
    return rows


rows = everyday(["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"])
# The intruder's application pages through four mailboxes from an Azure VM on the fourth day,
# by UPN and by object id; a fifth request was refused.
intruder = [request("2026-03-05T16:05:41", "40.76.173.208",
                    f"{GRAPH}/users/{PEOPLE[0][1]}/messages?$top=999", INTRUDER, sp=INTRUDER_SP,
                    agent="python-requests/2.31.0"),
            request("2026-03-05T16:07:02", "40.76.173.208",
                    f"{GRAPH}/users/{PEOPLE[1][0]}%40{DOMAIN}/mailFolders('Inbox')/messages?$top=999",
                    INTRUDER, sp=INTRUDER_SP, agent="python-requests/2.31.0"),
            request("2026-03-05T16:08:30", "40.76.173.208",
                    f"{GRAPH}/users/{PEOPLE[3][1]}/messages?$top=999", INTRUDER, sp=INTRUDER_SP,
                    agent="python-requests/2.31.0"),
            request("2026-03-05T16:09:51", "40.76.173.208",
                    f"{GRAPH}/users/{PEOPLE[4][0]}@{DOMAIN}/messages?$top=999", INTRUDER,
                    sp=INTRUDER_SP, agent="python-requests/2.31.0"),
            request("2026-03-05T16:10:12", "40.76.173.208",
                    f"{GRAPH}/users/{PEOPLE[5][0]}@{DOMAIN}/messages?$top=999", INTRUDER,
                    sp=INTRUDER_SP, status=403, agent="python-requests/2.31.0")]


def case(name, graph, expect, audit=None):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    if audit:
        with open(os.path.join(d, "audit.jsonl"), "w", encoding="utf-8") as f:
            f.write(audit)
    with open(os.path.join(d, "MicrosoftGraphActivityLogs.json"), "w", encoding="utf-8") as f:
        for r in sorted(graph, key=lambda r: r["TimeGenerated"]):
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
    with open(os.path.join(d, "expect.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps({"rule": "app-mailbox-access", "findings": expect}) + "\n")


# Everyday Graph traffic: the owners' Outlook and the backup from the first night: no finding.
case("neg_la_graph_owners_and_backup_since_start", rows, [])
# The intruder's application reads four mailboxes in one afternoon: the Graph activity log is the
# only record of it in a tenant without MailItemsAccessed.
case("pos_la_graph_new_app_reads_four_mailboxes", rows + intruder,
     [{"severity": "high",
       "entities": {"apps": [INTRUDER], "ips": ["40.76.173.208"],
                    "mailboxes": [PEOPLE[0][1], PEOPLE[3][1], f"ken.yamada@{DOMAIN}",
                                  f"priya.raman@{DOMAIN}"]},
       "details": {"access_paths": ["Graph"], "peak_mailboxes_in_window": 4,
                   "impersonation": False}}])
# The Graph activity log begins four days before the Exchange mail records, whose backup
# product reads over EWS from their first night: it is baseline in the log that shows its reads,
# however much earlier another log begins.
early = everyday(["2026-02-25", "2026-02-26", "2026-02-27", "2026-02-28", "2026-03-01"], backup=False)
case("neg_la_ual_graph_log_begins_before_the_mail_log", early, [],
     audit=open(os.path.join(OUT, "neg_ual_backup_since_start/audit.jsonl"), encoding="utf-8").read())
# The intruder's reads again, with Dana's and Marcus's browser sign-ins in the evidence: the
# mailboxes the requests name by object id go by the UPNs the sign-ins give those ids.
case("pos_la_graph_mailboxes_named_by_signins", rows + intruder,
     [{"severity": "high",
       "entities": {"apps": [INTRUDER],
                    "mailboxes": [f"dana.whitfield@{DOMAIN}", f"marcus.oyelaran@{DOMAIN}",
                                  f"ken.yamada@{DOMAIN}", f"priya.raman@{DOMAIN}"]},
       "details": {"peak_mailboxes_in_window": 4}}])
with open(os.path.join(OUT, "pos_la_graph_mailboxes_named_by_signins/SigninLogs.json"), "w",
          encoding="utf-8") as f:
    for k, (who, city) in enumerate([(0, "Seattle"), (3, "Arlington")]):
        name, oid, home = PEOPLE[who]
        f.write(json.dumps(signin_row(TENANT, WORKSPACE, f"2026-03-05T08:{12 + k:02d}:3{k}.52{k}Z",
                                      "e4b07a19-6c3d-4f82-9a51-%012d" % (k + 1),
                                      f"{name}@{DOMAIN}", oid, name.replace(".", " ").title(),
                                      home, "Tp%02dLc7vB3nYq9sKd2wMe" % k, city, "US"),
                           ensure_ascii=False, separators=(",", ":")) + "\n")
