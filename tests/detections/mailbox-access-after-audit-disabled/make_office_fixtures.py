#!/usr/bin/env python3
"""Builds the office-network cases of mailbox-access-after-audit-disabled from
pos_ual_signin_new_network_after_silence:
    python3 tests/detections/mailbox-access-after-audit-disabled/make_office_fixtures.py [SRC]
marcus works from home; after his MailItemsAccessed records stop, his first sign-in to Exchange
from the office network (where three colleagues sign in every day) is new to him but is the
tenant's own network, not a new place. A sign-in from a network only two colleagues use, or from
an exit node, still is."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from graph_signins import graph_signin  # noqa: E402

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../..")
OUT = os.path.join(SRC, "tests/detections/mailbox-access-after-audit-disabled")
BASE = os.path.join(OUT, "pos_ual_signin_new_network_after_silence")
RULE = "mailbox-access-after-audit-disabled"
DOMAIN = "contosodemo.onmicrosoft.com"

page = json.load(open(os.path.join(BASE, "signins.json"), encoding="utf-8"))
officehome = next(r for r in page["value"] if r["appDisplayName"] == "OfficeHome")
exchange = next(r for r in page["value"] if r["appDisplayName"] == "Office 365 Exchange Online")
audit = open(os.path.join(BASE, "audit.jsonl"), encoding="utf-8").read()

HOME = ("198.51.100.34", "Newton", 42.33704, -71.20922)
OFFICE = ("203.0.113.10", "Boston", 42.35843, -71.05978)
OFFICE_NAT2 = ("203.0.113.23", "Boston", 42.35843, -71.05978)
BRANCH = ("192.0.2.77", "Worcester", 42.26259, -71.80229)
COLLEAGUES = {
    "dana.whitfield": "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
    "ken.yamada": "a6b96773-d12c-4cc1-a490-b0c9a3312f19",
    "emily.tran": "aa6c7a76-67ab-42fa-b46d-f012d2e81af6",
}
serial = [0x700]


def signin(tpl, t, who, uid, place):
    serial[0] += 1
    ip, city, lat, lon = place
    return graph_signin(tpl, serial[0], t, "%s@%s" % (who, DOMAIN), uid, who,
                        (ip, city, "Massachusetts", "US", lat, lon, 7922), "0007",
                        "T2ZmaWNlTmV0d29yay")


MARCUS = exchange["userId"]


def case(name, owner_late, colleagues_at, expect):
    v = []
    for day in (2, 4, 6, 8):
        v.append(signin(officehome, "2026-03-%02dT13:05:00Z" % day, "marcus.oyelaran", MARCUS, HOME))
        for i, (who, uid) in enumerate(sorted(COLLEAGUES.items())):
            for j, place in enumerate(colleagues_at[i]):
                v.append(signin(officehome, "2026-03-%02dT%02d:%02d:00Z" % (day, 8 + 6 * j, 10 + 7 * i),
                                who, uid, place))
    for t, place in owner_late:
        v.append(signin(exchange, t, "marcus.oyelaran", MARCUS, place))
    v.sort(key=lambda r: r["createdDateTime"])
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "signins.json"), "w", encoding="utf-8") as f:
        json.dump({"@odata.context": page["@odata.context"], "value": v}, f, indent=1)
        f.write("\n")
    with open(os.path.join(d, "audit.jsonl"), "w", encoding="utf-8") as f:
        f.write(audit)
    with open(os.path.join(d, "expect.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps({"rule": RULE, "findings": expect}) + "\n")


# Back at the office for a meeting: three colleagues sign in from its network every day.
case("neg_ual_owner_first_at_the_office_after_silence",
     [("2026-03-07T09:42:17Z", OFFICE_NAT2)], [[OFFICE], [OFFICE], [OFFICE]], [])
# The same day, a sign-in from an exit node; and one from a branch network only two colleagues
# use: both are new places.
case("pos_ual_owner_at_the_office_and_elsewhere_after_silence",
     [("2026-03-07T03:14:09Z", ("185.220.101.47", "Frankfurt am Main", 50.11552, 8.68417)),
      ("2026-03-07T09:42:17Z", OFFICE_NAT2), ("2026-03-07T15:20:41Z", BRANCH)],
     [[OFFICE, BRANCH], [OFFICE, BRANCH], [OFFICE]],
     [{"severity": "critical",
       "entities": {"mailboxes": ["marcus.oyelaran@" + DOMAIN],
                    "ips": ["185.220.101.47", BRANCH[0]]},
       "details": {"owner_signins_from_new_networks": 2}}])
