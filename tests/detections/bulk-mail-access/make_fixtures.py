#!/usr/bin/env python3
"""Builds bulk-mail-access's backup and scripting-client cases from real-shaped records:
    python3 tests/detections/bulk-mail-access/make_fixtures.py [SRC]
The backup product's nightly Graph reads copy the demo tenant's backup-app record
(examples/contoso-demo/ual/audit-2026-03-04.jsonl), one per mailbox and night; the intruder's
bind copies the demo's attack Bind record, made by an application of its own. A migrated mailbox (nadia.karim's, moved in on
2026-03-06) is taken in whole by the backup on the night after: every folder synchronised, then
its items bound, until Exchange throttles the mailbox's logging. The scripting-client cases
bind mail through the Microsoft Graph command-line tools, as the demo's attack does."""
import base64
import copy
import hashlib
import json
import os
import sys
import uuid

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../..")
DEMO = os.path.join(SRC, "examples/contoso-demo/ual/audit-2026-03-04.jsonl")
OUT = os.path.join(SRC, "tests/detections/bulk-mail-access")
BACKUP = "5d2a8f6e-1b3c-4e7d-9f04-a6c8e2b1d359"
DEMO_ATTACK = "14d82eec-204b-4c2f-b7e8-296a70dab67e"  # the demo's attack: Graph PowerShell
INTRUDER = "8f3c2a71-5e94-4d0b-b6a8-2c1e7d9f4a36"  # a third-party app no night showed
D = "contosodemo.onmicrosoft.com"

demo = [json.loads(l) for l in open(DEMO, encoding="utf-8")]
template = next(r for r in demo if r.get("ClientAppId") == BACKUP)
bind_template = next(r for r in demo if r.get("ClientAppId") == DEMO_ATTACK and
                     r["OperationProperties"][0]["Value"] == "Bind")


def owner_fields(upn):
    """The demo's identifiers of a mailbox, or stable made-up ones for the migrated one."""
    r = next((r for r in demo if r.get("MailboxOwnerUPN") == upn and r.get("UserId") == upn), None)
    if r:
        return {k: r[k] for k in ("MailboxGuid", "MailboxOwnerSid", "UserKey")}
    h = hashlib.sha256(upn.encode()).hexdigest()
    return {"MailboxGuid": str(uuid.UUID(h[:32], version=4)),
            "MailboxOwnerSid": "S-1-5-21-2961442807-1823374522-3371018419-%d" % (int(h[:7], 16)),
            "UserKey": "1003" + h[7:19].upper()}


OWNERS = ["dana.whitfield", "ken.yamada", "lucia.fernandez", "marcus.oyelaran", "priya.raman",
          "tom.becker"]
MIGRATED = "nadia.karim"
seq = [0]


def rid():
    seq[0] += 1
    return str(uuid.UUID(int=0x7b21c4e05a3f4d18b6e29c0400000000 + seq[0], version=4))


def at(day, sec):
    return "2026-03-%02dT%02d:%02d:%02d" % (day, sec // 3600, sec // 60 % 60, sec % 60)


def backup_record(t, issued, user, folders, access="Sync", throttled=False, items=None):
    r = copy.deepcopy(template)
    r["Id"] = rid()
    r["CreationTime"] = t
    r["AppAccessContext"]["IssuedAtTime"] = issued
    r["AppAccessContext"]["UniqueTokenId"] = base64.urlsafe_b64encode(
        hashlib.sha256(issued.encode()).digest()[:16]).decode().rstrip("=")
    upn = "%s@%s" % (user, D)
    f = owner_fields(upn)
    r["UserId"] = r["MailboxOwnerUPN"] = upn
    r["MailboxGuid"] = f["MailboxGuid"]
    r["MailboxOwnerSid"] = r["LogonUserSid"] = f["MailboxOwnerSid"]
    r["UserKey"] = f["UserKey"]
    r["OperationProperties"] = [{"Name": "MailAccessType", "Value": access},
                                {"Name": "IsThrottled", "Value": "True" if throttled else "False"}]
    r["Folders"] = []
    for i, path in enumerate(folders):
        folder = {"Id": "LgAAAAB" + hashlib.sha256((upn + path).encode()).hexdigest()[:44] + "AAAB",
                  "Path": path}
        if items:
            folder = {"FolderItems": items[i], **folder}
        r["Folders"].append(folder)
    r["OperationCount"] = sum(len(x) for x in items) if items else len(folders)
    return r


def nightly(days):
    """The backup's incremental run: Inbox and Sent Items of every mailbox, a minute apart."""
    out = []
    for day in days:
        start = 2 * 3600 + 14
        issued = at(day, start)
        for i, user in enumerate(OWNERS + ([MIGRATED] if day >= 8 else [])):
            out.append(backup_record(at(day, start + 34 + 61 * i), issued, user,
                                     ["\\Inbox", "\\Sent Items"]))
    return out


TOP = ["Inbox", "Sent Items", "Archive", "Projects", "Clients", "Finance", "HR", "Travel"]
SUB = ["2019", "2020", "2021", "2022", "2023", "2024", "2025", "Old"]
NADIA_FOLDERS = ["\\" + t for t in TOP] + ["\\%s\\%s" % (t, s) for t in TOP[2:] for s in SUB]


def take_in(day, throttle):
    """The night after the move: every folder of the migrated mailbox, four to a record, then
    (throttle) its items bound a hundred to a record until Exchange throttles its logging."""
    out = []
    start = 2 * 3600 + 14
    issued = at(day, start)
    t = start + 34 + 61 * len(OWNERS)
    for k in range(0, len(NADIA_FOLDERS), 4):
        t += 19
        out.append(backup_record(at(day, t), issued, MIGRATED, NADIA_FOLDERS[k:k + 4]))
    if throttle:
        for k in range(11):
            t += 71
            items = [[{"InternetMessageId": "<SA1PR05MB%04d%08X@SA1PR05MB8340.namprd05.prod.outlook"
                                           ".com>" % (k, n),
                       "SizeInBytes": 18000 + (n * 7919) % 240000}
                      for n in range(k * 100, k * 100 + 100)]]
            out.append(backup_record(at(day, t), issued, MIGRATED,
                                     ["\\Archive\\%s" % SUB[k % 8]], "Bind", k == 10, items))
    return out


def binds(day, sec, n_records, box="ken.yamada", app=INTRUDER, user=None):
    """Sixty items a record, a record every 97 seconds, over EWS from an Azure VM: an
    application no night showed binding ken.yamada's mail by default; with app=DEMO_ATTACK, the
    Graph command-line tools in a delegated session (of user, the owner unless given)."""
    out = []
    upn = "%s@%s" % (box, D)
    f = owner_fields(upn)
    caller = owner_fields("%s@%s" % (user, D)) if user else f
    for k in range(n_records):
        r = copy.deepcopy(bind_template)
        r["Id"] = rid()
        r["CreationTime"] = at(day, sec + 97 * k)
        r["MailboxOwnerUPN"] = upn
        r["MailboxGuid"] = f["MailboxGuid"]
        r["MailboxOwnerSid"] = f["MailboxOwnerSid"]
        r["LogonUserSid"] = caller["MailboxOwnerSid"]
        r["UserKey"] = caller["UserKey"]
        r["UserId"] = "%s@%s" % (user or box, D)
        if app == DEMO_ATTACK:  # as the demo's record: Graph, the session's token
            r["AppAccessContext"]["IssuedAtTime"] = at(day, sec - 40)
            r["LogonType"] = r["InternalLogonType"] = 1 if user else 0
        else:
            r["AppAccessContext"] = {"ClientAppId": app, "IssuedAtTime": at(day, sec - 40),
                                     "UniqueTokenId": "m0Qx7Lr2TvKc9fWb4HzN1g"}
            r["AppId"] = r["ClientAppId"] = app
            r["ClientInfoString"] = "Client=WebServices;ExchangeWebServices/15.0;"
        r["Folders"] = [{"FolderItems": [
            {"InternetMessageId": "<MN2PR05MB7021%04d%06X@MN2PR05MB7021.namprd05.prod.outlook.com>"
                                  % (k, n), "SizeInBytes": 9000 + (n * 104729) % 900000}
            for n in range(k * 60, k * 60 + 60)], "Id": r["Folders"][0]["Id"], "Path": "\\Inbox"}]
        r["OperationCount"] = 60
        out.append(r)
    return out


def case(name, records, expect):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    records = sorted(records, key=lambda r: (r["CreationTime"], r["Id"]))
    with open(os.path.join(d, "audit.jsonl"), "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
    with open(os.path.join(d, "expect.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps({"rule": "bulk-mail-access", "findings": expect}) + "\n")


NIGHTS = [4, 5, 6, 7, 8, 9]
# The backup, reading every mailbox since the records begin, takes in the migrated mailbox: 56
# folders in 5 minutes is bulk, and ordinary.
case("neg_ual_backup_takes_in_a_migrated_mailbox", nightly(NIGHTS) + take_in(7, False), [])
# The same with its items, until Exchange throttles the mailbox's logging: the throttling is a
# blind spot worth knowing (reads of nadia's mailbox by anyone go unlogged for 24 hours), at low.
BLIND = {"severity": "low",
         "entities": {"mailboxes": ["%s@%s" % (MIGRATED, D)], "apps": [BACKUP]},
         "summary_contains": "a backup product's pattern",
         "details": {"throttled": True, "established_application": True,
                     "peak_items_in_window": 1100}}
case("neg_ual_backup_throttled_taking_in_a_migrated_mailbox",
     nightly(NIGHTS) + take_in(7, True), [BLIND])
# Beside it, an application no night showed binds 600 of ken's messages in 15 minutes.
case("pos_ual_new_app_bulk_beside_backup",
     nightly(NIGHTS) + take_in(7, True) + binds(8, 14 * 3600 + 610, 10),
     [BLIND, {"severity": "high",
              "entities": {"mailboxes": ["ken.yamada@%s" % D], "apps": [INTRUDER]},
              "details": {"established_application": False, "peak_items_in_window": 600}}])
# Evidence that begins the night of the take-in: the backup has no earlier night to show, so
# nothing tells it from an intruder's collection tool, and its bulk reads are reported.
case("pos_ual_backup_first_seen_the_night_of_its_bulk_reads",
     nightly([7, 8, 9]) + take_in(7, False),
     [{"severity": "high", "entities": {"mailboxes": ["%s@%s" % (MIGRATED, D)], "apps": [BACKUP]},
       "details": {"established_application": False, "peak_folders_in_window": 56}}])

# The Graph command-line tools bind 600 of svc-legacytest's own messages in 15 minutes from an
# Azure VM: a Microsoft client, but a scripting one, not a mail client; the owner's script, or
# whoever holds the account's session (as in the demo), at medium. (The owner's new Outlook
# syncing a whole mailbox stays quiet: neg_ual_owner_new_device.)
case("pos_ual_owner_mailbox_through_graph_command_line_tools",
     nightly(NIGHTS) + binds(8, 14 * 3600 + 610, 10, "svc-legacytest", DEMO_ATTACK),
     [{"severity": "medium", "entities": {"mailboxes": ["svc-legacytest@%s" % D],
                                          "apps": [DEMO_ATTACK]},
       "summary_contains": "via Microsoft Graph Command Line Tools (14d82eec-204b-4c2f-b7e8-"
                           "296a70dab67e) read up to 600 items and 0 "
                           "folders within 60 minutes across 1 mailbox. That is a scripting "
                           "client, not a mail client",
       "details": {"scripting_client": True, "owner_through_microsoft_client": False,
                   "peak_items_in_window": 600}}])
# The same tools in svc-legacytest's session reading ken's mailbox (Mail.Read.Shared): high.
case("pos_ual_other_mailbox_through_graph_command_line_tools",
     nightly(NIGHTS) + binds(8, 14 * 3600 + 610, 10, "ken.yamada", DEMO_ATTACK, "svc-legacytest"),
     [{"severity": "high", "entities": {"mailboxes": ["ken.yamada@%s" % D],
                                        "users": ["svc-legacytest@%s" % D]},
       "details": {"scripting_client": True, "peak_items_in_window": 600}}])

OUTLOOK_MOBILE = "27922004-5251-4030-b22d-91ecd9a37ea4"


def outlook_mobile(records, session, token):
    """The records made by the owner's Outlook for iOS (REST through the Outlook service) in one
    session with one token."""
    for r in records:
        r["AppId"] = r["ClientAppId"] = OUTLOOK_MOBILE
        r["ClientInfoString"] = "Client=OutlookService;Outlook-iOS/2.0;"
        r["ClientIPAddress"] = "172.58.141.27"
        r["AppAccessContext"] = {"AADSessionId": session, "ClientAppId": OUTLOOK_MOBILE,
                                 "IssuedAtTime": r["AppAccessContext"]["IssuedAtTime"],
                                 "UniqueTokenId": token}
        r["SessionId"] = session
    return records


# An export anonymised for sharing writes one placeholder into every record's session and token
# ids ("ANONYMIZED", as real samples do). Dana's Graph command-line script reads 60 of her own
# messages (quiet: far below the threshold); Ken's new phone syncs 600 of his own (quiet: the
# owner's Microsoft mail client). Before, the placeholder made them one session, whose 660 reads
# by a scripting client were reported as Dana's script reading two mailboxes in bulk (medium).
def anonymised(records):
    for r in records:
        r["AppAccessContext"]["AADSessionId"] = r["AppAccessContext"]["UniqueTokenId"] = \
            r["SessionId"] = "ANONYMIZED"
    return records


case("neg_ual_anonymised_sessions_are_not_one_reader",
     nightly(NIGHTS) + anonymised(binds(8, 13 * 3600 + 120, 1, "dana.whitfield", DEMO_ATTACK)) +
     outlook_mobile(binds(8, 14 * 3600 + 610, 10, "ken.yamada", DEMO_ATTACK),
                    "ANONYMIZED", "ANONYMIZED"), [])


# Outlook for Windows (MSExchangeRPC, no session id) synchronising folders one record each, from
# the office: the owner's mailbox, or (delegate) a mailbox the user holds FullAccess on, as
# Outlook adds it to the profile and syncs it beside the user's own.
rpc_template = next(r for r in demo if r.get("ClientInfoString") == "Client=MSExchangeRPC")


def outlook_sync(day, sec, user, box, paths):
    out = []
    me = owner_fields("%s@%s" % (user, D))
    f = owner_fields("%s@%s" % (box, D))
    for k, path in enumerate(paths):
        r = copy.deepcopy(rpc_template)
        r["Id"] = rid()
        r["CreationTime"] = at(day, sec + 53 * k)
        r["UserId"] = "%s@%s" % (user, D)
        r["UserKey"] = me["UserKey"]
        r["LogonUserSid"] = me["MailboxOwnerSid"]
        r["MailboxOwnerUPN"] = "%s@%s" % (box, D)
        r["MailboxGuid"] = f["MailboxGuid"]
        r["MailboxOwnerSid"] = f["MailboxOwnerSid"]
        r["LogonType"] = r["InternalLogonType"] = 0 if box == user else 1
        r["Folders"] = [{"Id": "LgAAAAB" + hashlib.sha256((box + path).encode()).hexdigest()[:44]
                               + "AAAB", "Path": path}]
        r["OperationCount"] = 1
        out.append(r)
    return out


LUCIA = ["\\" + t for t in TOP] + ["\\%s\\%s" % (t, y) for t in TOP[2:] for y in SUB[:6]]
SECOPS = ["\\Inbox", "\\Inbox\\Alerts", "\\Inbox\\Phishing reports", "\\Sent Items",
          "\\Cases", "\\Cases\\2026", "\\Cases\\2025", "\\Vendors", "\\Vendors\\Defender",
          "\\Vendors\\Proofpoint", "\\Archive", "\\Deleted Items"]
# An analyst's new Outlook profile syncs her own mailbox (44 folders) and the shared secops
# mailbox she reads as a delegate every day (12): 56 folders within the hour, but 12 of them
# someone else's. Her own sync is a new device's (no finding), and her reads of secops are far
# from bulk: quiet. (Before, the two made one principal, reported high as reading two mailboxes
# in bulk.)
case("neg_ual_delegate_outlook_syncs_own_and_shared_mailbox",
     nightly(NIGHTS) + outlook_sync(8, 9 * 3600 + 312, "lucia.fernandez", "lucia.fernandez", LUCIA)
     + outlook_sync(8, 9 * 3600 + 338, "lucia.fernandez", "secops", SECOPS), [])
# The same Outlook syncing the whole of a colleague's mailbox (FullAccess newly held): 56 folders
# of someone else's within the hour, high.
case("pos_ual_delegate_outlook_syncs_a_whole_other_mailbox",
     nightly(NIGHTS) + outlook_sync(8, 9 * 3600 + 312, "lucia.fernandez", "lucia.fernandez",
                                    LUCIA[:6])
     + outlook_sync(8, 9 * 3600 + 338, "lucia.fernandez", MIGRATED, NADIA_FOLDERS),
     [{"severity": "high", "entities": {"users": ["lucia.fernandez@%s" % D],
                                        "mailboxes": ["%s@%s" % (MIGRATED, D)]},
       "details": {"owner_through_microsoft_client": False, "peak_folders_in_window": 56}}])
# A token forged for Ken is used through the intruder's application on the evening of the
# records' first day (one read of his mail, 20 hours after they begin: "from the start" by the
# clock), and two days later the same application binds 600 of Marcus's messages in 15 minutes.
# A backup reads every mailbox from its first night; this application had read one: not
# established, high. (Before, its first read within established_within of the records' start,
# 12 hours before the bulk reads, made it a backup's: no finding.)
case("pos_ual_app_first_seen_on_one_mailbox_early_then_bulk_on_another",
     nightly(NIGHTS) + binds(4, 22 * 3600 + 5, 1, "ken.yamada") +
     binds(6, 3600 + 610, 10, "marcus.oyelaran"),
     [{"severity": "high", "entities": {"mailboxes": ["marcus.oyelaran@%s" % D],
                                        "apps": [INTRUDER]},
       "details": {"established_application": False, "peak_items_in_window": 600}}])
# The same application reading two victims on that first evening (Ken's and Dana's mail), in a
# tenant whose records show eleven mailboxes read (the six the backup reads nightly, the migrated
# one, four more whose owners' Outlook syncs them). Two of eleven is no backup's night: high on
# the bulk download of Marcus's mail. The backup, which read six of them from its first night,
# stays established: its take-in of the migrated mailbox is still no finding.
COLLEAGUES = ["alex.morgan", "olivia.park", "ravi.menon", "sofia.lind"]
case("pos_ual_app_reads_two_mailboxes_early_then_bulk_on_a_third",
     nightly(NIGHTS) + take_in(7, False) +
     [r for k, u in enumerate(COLLEAGUES) for r in
      outlook_sync(5, 9 * 3600 + 600 * k, u, u, ["\\Inbox", "\\Sent Items"])] +
     binds(4, 22 * 3600 + 5, 1, "ken.yamada") + binds(4, 22 * 3600 + 400, 1, "dana.whitfield") +
     binds(6, 3600 + 610, 10, "marcus.oyelaran"),
     [{"severity": "high", "entities": {"mailboxes": ["marcus.oyelaran@%s" % D],
                                        "apps": [INTRUDER]},
       "details": {"established_application": False, "peak_items_in_window": 600}}])
