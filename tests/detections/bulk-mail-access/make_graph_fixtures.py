#!/usr/bin/env python3
"""Builds bulk-mail-access's Graph activity cases:
    python3 tests/detections/bulk-mail-access/make_graph_fixtures.py [SRC]
The tenant of app-mailbox-access's Graph cases (tests/tools/la_rows.py): no Audit (Premium), so
no MailItemsAccessed, but MicrosoftGraphActivityLogs in Log Analytics. Six people's Outlook asks
Graph for their inbox three times a working day; the backup application reads every mailbox each
night from the first night. A Graph request names the mailbox it read and how many bytes it
returned, never how many messages: collection shows as many requests for one mailbox's messages
(a script fetching them one by one) or as large pages of them (`$top=999`)."""
import json
import os
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../..")
OUT = os.path.join(SRC, "tests/detections/bulk-mail-access")
sys.path.insert(0, os.path.join(SRC, "tests/tools"))
from la_rows import (BACKUP, BACKUP_SP, DOMAIN, OFFICE_APP, PEOPLE, TENANT,  # noqa: E402
                     WORKSPACE, graph_activity_row, numbered_requests, owners_and_backup,
                     signin_row, write_case)
GRAPH = "https://graph.microsoft.com/v1.0"
GRAPH_CLI = "14d82eec-204b-4c2f-b7e8-296a70dab67e"  # Microsoft Graph Command Line Tools
PS_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/7.4.1")
INTRUDER = "c3f81d27-94ab-4e6c-b015-7d2e9a4f6b18"  # a third-party app no night showed
INTRUDER_SP = "e92b4c70-1d85-4a3f-8e67-0b5c2d9f7a41"
everyday_request = numbered_requests("6e2c9b41-7d05-4a8f-9c13-%012d", "Qb%04dRm7xW2pLs9kV4nT",
                                     37199, lambda n: 160 + n % 300, lambda n: 18432 + n * 257)
# The burst's rows: their own ids, times to the second from a start, sizes given per row.
burst_n = [0]


def burst(start, step, count, ip, uri, app, size, user=None, sp=None, status=200,
          agent=PS_AGENT, token="Zt7pQ2mVx9bLc4nR8sKd"):
    """count requests from start ("2026-03-05T14:10:00") every step seconds (the k-th may say
    its own uri(k) and size(k)); the row's token id is the session's (SignInActivityId)."""
    rows = []
    day, clock = start.split("T")
    h, m, s = (int(x) for x in clock.split(":"))
    t0 = h * 3600 + m * 60 + s
    for k in range(count):
        burst_n[0] += 1
        n = burst_n[0]
        t = t0 + int(k * step)
        rows.append(graph_activity_row(
            TENANT, WORKSPACE, "%sT%02d:%02d:%02d.%07dZ" % (day, t // 3600, t // 60 % 60, t % 60,
                                                            n * 48611 % 10000000),
            "d47a0c85-2e19-4b6f-a3d8-%012d" % n, ip, uri(k), app, token, sp=sp, user=user,
            status=status(k) if callable(status) else status, agent=agent,
            duration=90 + n % 200, size=size(k)))
    return rows


def everyday():
    rows = []
    for d, day in enumerate(["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05",
                             "2026-03-06"]):
        rows += owners_and_backup(everyday_request, day, d, GRAPH)
    return rows


rows = everyday()
DANA, KEN, LUCIA, MARCUS, PRIYA, TOM = PEOPLE
upn = lambda p: f"{p[0]}@{DOMAIN}"  # noqa: E731


def message_id(k):
    return "AAMkADk0ZjE3YmE4LTJhNDAtNGM4ZS1iZmQ2LTQxM2E4YzA5ZDcyMgBGAAAAAAB%06dAAA=" % (k * 7919)


def case(name, graph, expect, signins=()):
    d = write_case(OUT, "bulk-mail-access", name, graph, expect)
    if signins:
        with open(os.path.join(d, "SigninLogs.json"), "w", encoding="utf-8") as f:
            for r in signins:
                f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")


def signin_of(person, time, k, ip=None, city="Seattle"):
    name, oid, home = person
    return signin_row(TENANT, WORKSPACE, time, "b83e51c6-0a2d-4f97-8e14-%012d" % (k + 1),
                      f"{name}@{DOMAIN}", oid, name.replace(".", " ").title(), ip or home,
                      "Hk%02dVw4pNq8sLc3mTe7b" % k, city, "US")


# Everyday Graph traffic alone: no finding.
case("neg_la_graph_owners_and_backup", rows, [])

# Dana's stolen session: from a residential proxy, the Graph command-line tools fetch Ken's
# messages one at a time for 40 minutes (340 requests, a few KiB each). Dana's morning sign-in
# names her id; the mailbox is another person's, so the script is not its owner's: high.
stolen = burst("2026-03-05T14:10:05", 7.1, 340, "91.132.137.84",
               lambda k: f"{GRAPH}/users/{upn(KEN)}/messages/{message_id(k)}"
                         "?$select=subject,from,toRecipients,receivedDateTime,body",
               GRAPH_CLI, lambda k: 3100 + k * 37 % 6000, user=DANA[1])
case("pos_la_graph_script_fetches_another_mailbox_message_by_message", rows + stolen,
     [{"severity": "high",
       "entities": {"users": [upn(DANA)], "apps": [GRAPH_CLI], "ips": ["91.132.137.84"],
                    "mailboxes": [upn(KEN)]},
       "summary_contains": f"{upn(DANA)} via Microsoft Graph Command Line Tools ({GRAPH_CLI}) "
                           "made up to 340 Graph requests for messages (2.0 MB returned) "
                           "within 60 minutes across 1 mailbox. That is a scripting client, not "
                           "a mail client: a script of the signed-in user",
       "details": {"peak_graph_requests_in_window": 340, "peak_items_in_window": 0,
                   "scripting_client": True, "established_application": False}}],
     signins=[signin_of(DANA, "2026-03-05T08:02:41.5520000Z", 0)])

# The same requests with no sign-in naming Dana's id: the caller is her object id, and a UPN in
# the URI is not taken for someone else's mailbox when nothing says whose id that is: medium, the
# scripting-client floor.
case("pos_la_graph_script_unnamed_caller", rows + stolen,
     [{"severity": "medium", "entities": {"users": [DANA[1]], "mailboxes": [upn(KEN)]},
       "details": {"peak_graph_requests_in_window": 340, "scripting_client": True}}])

# Marcus's own mailbox through the Graph command-line tools, /me, 320 pages of 10 in an hour
# from home: someone's script on their own mail (his, or his session's thief's): medium.
own = burst("2026-03-04T19:05:00", 10.5, 320, MARCUS[2],
            lambda k: f"{GRAPH}/me/messages?$top=10&$skip={10 * k}", GRAPH_CLI,
            lambda k: 61000 + k * 131 % 40000, user=MARCUS[1])
case("pos_la_graph_own_mailbox_through_graph_command_line_tools", rows + own,
     [{"severity": "medium", "entities": {"users": [MARCUS[1]], "mailboxes": [MARCUS[1]]},
       "summary_contains": "made up to 320 Graph requests for messages (25.6 MB returned) within "
                           "60 minutes across 1 mailbox. That is a scripting client, not a mail "
                           "client: a script of the mailbox's owner",
       "details": {"peak_graph_requests_in_window": 320, "scripting_client": True}}])

# A third-party application, app-only from an Azure VM, takes Priya's and Tom's mail in six pages
# of 999 messages (about 13 MB each): few requests, much mail. Two mailboxes are below
# app-mailbox-access's three; the bytes make it bulk: high.
pages = burst("2026-03-05T16:20:00", 95, 6, "40.76.173.208",
              lambda k: f"{GRAPH}/users/{(PRIYA if k < 4 else TOM)[1]}/messages?$top=999"
                        + (f"&$skip={999 * (k % 4)}" if k % 4 else ""),
              INTRUDER, lambda k: 12_400_000 + k * 733_000, sp=INTRUDER_SP,
              agent="python-requests/2.31.0")
case("pos_la_graph_new_app_takes_mail_in_large_pages", rows + pages,
     [{"severity": "high",
       "entities": {"apps": [INTRUDER], "ips": ["40.76.173.208"],
                    "mailboxes": [PRIYA[1], TOM[1]]},
       "summary_contains": "made up to 6 Graph requests for messages (85.4 MB returned) within "
                           "60 minutes across 2 mailboxes.",
       "details": {"peak_graph_requests_in_window": 6, "peak_graph_bytes_in_window": 85395000,
                   "established_application": False, "scripting_client": False}}])

# The backup product, reading every mailbox since the first night, takes in Lucia's mailbox
# whole on the fourth night after a restore (420 delta pages): bulk, but its routine.
takein = burst("2026-03-05T02:20:00", 6.0, 420, "192.0.2.25",
               lambda k: f"{GRAPH}/users/{LUCIA[1]}/messages/delta?$skiptoken=LnQ{k:05d}",
               BACKUP, lambda k: 240000 + k * 97 % 20000, sp=BACKUP_SP, agent="BackupVault/4.2")
case("neg_la_graph_backup_takes_in_a_restored_mailbox", rows + takein, [])

# Lucia's mailbox through Graph with the Microsoft Office client's token: 450 requests in half an
# hour from her home address. Microsoft's mail clients do not sync mail through Graph (a new
# device's first sync, ordinary in MailItemsAccessed, is not this); a tool holding a token of
# that client does (GraphRunner, TokenTactics): medium, her own mailbox.
newdev = burst("2026-03-03T09:30:00", 4.0, 450, LUCIA[2],
               lambda k: f"{GRAPH}/me/mailFolders/inbox/messages?$top=50&$skip={50 * k}",
               OFFICE_APP, lambda k: 180000 + k * 53 % 90000, user=LUCIA[1],
               agent="Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)")
case("pos_la_graph_own_mailbox_through_the_microsoft_office_client", rows + newdev,
     [{"severity": "medium", "entities": {"users": [LUCIA[1]], "apps": [OFFICE_APP]},
       "summary_contains": "Microsoft's mail clients do not read mail through Graph: a script of "
                           "the mailbox's owner with this client's token",
       "details": {"peak_graph_requests_in_window": 450, "scripting_client": False,
                   "microsoft_client_through_graph": True,
                   "owner_through_microsoft_client": False}}])

# Tom's script asks for another mailbox 450 times, and is refused 300 times (403: no
# delegation); what Graph returned were 150 small reads of his own mailbox. Refused requests
# read nothing, and 150 is below the threshold: no finding.
refused = burst("2026-03-06T11:00:00", 6.5, 450, TOM[2],
                lambda k: f"{GRAPH}/users/{upn(KEN)}/messages?$top=5" if k % 3
                else f"{GRAPH}/me/messages?$top=5",
                GRAPH_CLI, lambda k: 9000 if k % 3 == 0 else 210, user=TOM[1],
                status=lambda k: 403 if k % 3 else 200)
case("neg_la_graph_script_refused_reads_nothing", rows + refused, [],
     signins=[signin_of(TOM, "2026-03-06T08:40:12.1130000Z", 1)])
