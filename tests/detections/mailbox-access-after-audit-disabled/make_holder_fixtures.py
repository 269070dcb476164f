#!/usr/bin/env python3
"""Builds the mailbox-wide-grant holder case of mailbox-access-after-audit-disabled:
    python3 tests/detections/mailbox-access-after-audit-disabled/make_holder_fixtures.py [SRC]
The audit switch-off and the intruder's read come from advanced-audit-disabled's
pos_ual_licence_disabled_then_read; the ApplicationImpersonation grant copies the demo tenant's
(examples/contoso-demo/ual/audit-2026-03-06.jsonl), given to the helpdesk's EWS migration
account days before; its sign-ins copy the demo tenant's Graph sign-ins, its own mail reads
lucia's records. In the window the holder signs in at the office as every day, reads its own
mail there, and signs in once from a VPS: both sign-ins count, only the VPS is named."""
import copy
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from graph_signins import graph_signin  # noqa: E402

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../..")
OUT = os.path.join(SRC, "tests/detections/mailbox-access-after-audit-disabled")
POS = os.path.join(SRC, "tests/detections/advanced-audit-disabled/pos_ual_licence_disabled_then_read/audit.jsonl")
DEMO_UAL = os.path.join(SRC, "examples/contoso-demo/ual/audit-2026-03-06.jsonl")
DEMO_SIGNINS = os.path.join(SRC, "examples/contoso-demo/entra/signins-page1.json")
DOMAIN = "contosodemo.onmicrosoft.com"
HOLDER = "it.helpdesk@" + DOMAIN
HOLDER_ID = "e7b3a1d5-4c92-48f0-b6ae-5d2c8f1e9a37"
OFFICE = ("203.0.113.10", "Boston", "Massachusetts", "US", 42.35843, -71.05978, 7922)
VPS = ("159.203.84.17", "North Bergen", "New Jersey", "US", 40.80427, -74.01208, 14061)

base = [json.loads(l) for l in open(POS, encoding="utf-8")]
lucia_read = next(r for r in base if r["Operation"] == "MailItemsAccessed" and
                  r["UserId"].startswith("lucia"))
grant = next(json.loads(l) for l in open(DEMO_UAL, encoding="utf-8")
             if '"New-ManagementRoleAssignment"' in l)
page = json.load(open(DEMO_SIGNINS, encoding="utf-8"))
tpl = next(r for r in page["value"] if r["status"]["errorCode"] == 0 and r["isInteractive"]
           and r["appDisplayName"] == "Office 365 Exchange Online")

grant = copy.deepcopy(grant)
grant.update({"CreationTime": "2026-03-01T10:12:44", "Id": "3f0b6c1e-8d2a-4c57-9e61-2a7d4b8c0f13",
              "ClientIP": "203.0.113.10:51022", "UserId": "tom.becker@" + DOMAIN,
              "ObjectId": "EWS-Migration-Impersonation"})
grant["AppAccessContext"] = {"IssuedAtTime": "2026-03-01T09:58:02",
                             "UniqueTokenId": "q1HkS0rE7kG2m5wX8dYbAA"}
grant["Parameters"] = [{"Name": "Role", "Value": "ApplicationImpersonation"},
                       {"Name": "User", "Value": HOLDER},
                       {"Name": "Name", "Value": "EWS-Migration-Impersonation"}]

own_read = copy.deepcopy(lucia_read)
own_read.update({"CreationTime": "2026-03-07T16:12:30", "Id": "9a4c2e71-5b0d-4f38-8c16-e2d7a3b9f054",
                 "UserId": HOLDER, "MailboxOwnerUPN": HOLDER, "ClientIPAddress": OFFICE[0],
                 "MailboxGuid": "5c8e1f3a-7d29-4b60-a4e2-9f1b3c6d8a72"})
for k in ("ClientIP",):
    if k in own_read:
        own_read[k] = OFFICE[0]

serial = [0x900]


def signin(t, place):
    serial[0] += 1
    return graph_signin(tpl, serial[0], t, HOLDER, HOLDER_ID, "IT Helpdesk", place, "0009",
                        "SGVscGRlc2tIb2xkZXI", session=True)


signins = [signin("2026-03-03T08:41:19Z", OFFICE), signin("2026-03-05T08:37:52Z", OFFICE),
           signin("2026-03-07T16:10:05Z", OFFICE), signin("2026-03-07T18:22:47Z", VPS)]

d = os.path.join(OUT, "pos_ual_impersonation_holder_at_the_office_and_from_a_vps")
os.makedirs(d, exist_ok=True)
records = sorted(base + [grant, own_read], key=lambda r: r["CreationTime"])
with open(os.path.join(d, "audit.jsonl"), "w", encoding="utf-8") as f:
    for r in records:
        f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
with open(os.path.join(d, "signins.json"), "w", encoding="utf-8") as f:
    json.dump({"@odata.context": page["@odata.context"], "value": signins}, f, indent=1)
    f.write("\n")
with open(os.path.join(d, "expect.json"), "w", encoding="utf-8") as f:
    f.write(json.dumps({"rule": "mailbox-access-after-audit-disabled", "findings": [
        {"severity": "critical",
         "entities": {"mailboxes": ["lucia.fernandez@" + DOMAIN], "users": [HOLDER],
                      "ips": [VPS[0]]},
         "details": {"mailbox_wide_grant_holder_activity": 2, "reads_still_logged": 1}}]}) + "\n")
