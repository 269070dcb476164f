#!/usr/bin/env python3
"""Builds the backup-service cases of mailbox-access-after-audit-disabled from real-shaped records:
    python3 tests/detections/mailbox-access-after-audit-disabled/make_backup_fixtures.py [SRC]
The audit switch-off and the intruder's read come from advanced-audit-disabled's
pos_ual_licence_disabled_then_read; the backup service's nightly Graph reads copy the demo
tenant's backup-app record (examples/contoso-demo/ual/audit-2026-03-04.jsonl), moved to lucia's
mailbox and to other nights."""
import copy
import json
import os
import sys
import uuid

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../..")
POS = os.path.join(SRC, "tests/detections/advanced-audit-disabled/pos_ual_licence_disabled_then_read/audit.jsonl")
DEMO = os.path.join(SRC, "examples/contoso-demo/ual/audit-2026-03-04.jsonl")
OUT = os.path.join(SRC, "tests/detections/mailbox-access-after-audit-disabled")
BACKUP = "5d2a8f6e-1b3c-4e7d-9f04-a6c8e2b1d359"

base = [json.loads(l) for l in open(POS, encoding="utf-8")]
lucia = next(r for r in base if r.get("MailboxOwnerUPN", "").startswith("lucia") and
             r["UserId"].startswith("lucia"))
intruder = next(r for r in base if r["Operation"] == "MailItemsAccessed" and
                not r["UserId"].startswith("lucia"))
template = next(json.loads(l) for l in open(DEMO, encoding="utf-8")
                if '"ClientAppId":"%s"' % BACKUP in l)


def backup_read(t, n):
    r = copy.deepcopy(template)
    r["Id"] = str(uuid.UUID(int=0x4016927c573f4b3cac8f138c00000000 + n, version=4))
    r["CreationTime"] = t
    r["AppAccessContext"]["IssuedAtTime"] = t[:14] + "00:14"
    r["AppAccessContext"]["UniqueTokenId"] = "Hpo30GJV3q9dfY64h-y8%02dg" % n
    for k in ("UserId", "MailboxOwnerUPN", "MailboxGuid", "MailboxOwnerSid", "LogonUserSid",
              "UserKey"):
        r[k] = lucia[k]
    r["TokenObjectId"] = lucia.get("TokenObjectId", r["TokenObjectId"])
    return r


nights = ["2026-03-04T02:03:11", "2026-03-05T02:02:47", "2026-03-06T02:04:05",
          "2026-03-08T02:03:36"]
reads = [backup_read(t, i + 1) for i, t in enumerate(nights)]


def case(name, records, expect):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    records = sorted(records, key=lambda r: r["CreationTime"])
    with open(os.path.join(d, "audit.jsonl"), "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
    with open(os.path.join(d, "expect.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps({"rule": "mailbox-access-after-audit-disabled", "findings": expect}) + "\n")


# The nightly backup keeps reading lucia's mailbox after her Audit (Premium) plan is removed:
# routine, not a sign of access.
case("neg_ual_backup_service_reads_on", [r for r in base if r is not intruder] + reads, [])
# The same, and the intruder's read: the finding names the intruder's app, not the backup's.
case("pos_ual_intruder_beside_backup_service", base + reads,
     [{"severity": "critical",
       "entities": {"mailboxes": ["lucia.fernandez@contosodemo.onmicrosoft.com"],
                    "apps": [intruder["ClientAppId"]], "ips": [intruder["ClientIPAddress"]]},
       "details": {"reads_still_logged": 1, "routine_reads": 1,
                   "apps_that_read_it_before": [BACKUP]}}])
# Evidence of one day and a half: the mail records begin the night before the switch-off, so no
# reader can have read lucia's mailbox on two days before it. The backup's one night before makes
# it as regular as the evidence can show: the finding still names the intruder, not the backup
# (which would make the incident count every mailbox it backs up as read).
short = [backup_read("2026-03-07T02:03:11", 11), backup_read("2026-03-08T02:03:36", 12)]
case("pos_ual_intruder_beside_backup_service_short_evidence",
     [r for r in base if r["CreationTime"] >= "2026-03-07"] + short,
     [{"severity": "critical",
       "entities": {"mailboxes": ["lucia.fernandez@contosodemo.onmicrosoft.com"],
                    "apps": [intruder["ClientAppId"]], "ips": [intruder["ClientIPAddress"]]},
       "details": {"reads_still_logged": 1, "routine_reads": 1,
                   "apps_that_read_it_before": [BACKUP]}}])
