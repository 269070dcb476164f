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
from la_rows import (DOMAIN, PEOPLE, TENANT, WORKSPACE, numbered_requests,  # noqa: E402
                     owners_and_backup, signin_row, write_case)
INTRUDER = "b7e4a0d2-6c19-4f8a-93d5-1e2f6a8c0b47"
INTRUDER_SP = "94ddb53a-c4cf-4f01-936c-a7be0ee53d4c"
GRAPH = "https://graph.microsoft.com/v1.0"
request = numbered_requests("8a1d5f72-3c9e-4b06-b4f8-%012d", "Ka%04dWk3vT9bLx7cN2mRp", 48271,
                            lambda n: 190 + n % 400, lambda n: 20480 + n * 311)


def everyday(days, backup=True):
    rows = []
    for d, day in enumerate(days):
        rows += owners_and_backup(request, day, d, GRAPH, backup)
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
    write_case(OUT, "app-mailbox-access", name, graph, expect, audit)


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
