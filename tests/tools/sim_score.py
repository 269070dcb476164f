#!/usr/bin/env python3
"""Score a scan of simulated evidence against its ground truth (m365hunt simulate).

usage: sim_score.py GROUND_TRUTH.json SCAN.json [--verbose]

Recall: an attack step counts as found when a finding of one of the step's rules cites one of
the step's records, or (steps seen as an absence of records, and findings whose evidence list
was capped) names one of the step's entities within a day of the step.
Precision: every finding above low must be explained by the attack (it cites an attack record,
names an attacker address, app or service principal (not one of Microsoft's own apps, which a
step may use too: tenant.microsoft_apps), or is of the rule of a step seen as an
absence of records and names one of its entities within a day of it: a mailbox whose auditing
the attacker switched off, cited by its owner's own earlier reads); a finding above low that
cites a near-miss record and nothing of the attack is a false alarm, as is one explained by
nothing.
Exposure: the mailboxes the incidents say were read (exposure) against the mailboxes the attack
read (those of the steps a mail-reading rule scores) and touched at all (any step's mailboxes).
A mailbox named that no step touched is a wrong exposure (a backup service's or the office's
reads taken for the attacker's).
Prints one line per missed step, false alarm and wrong exposure, then the three figures. Exit 0
always: the caller decides what is good enough.
"""
import json
import sys
from datetime import datetime

ABOVE_LOW = {"medium", "high", "critical"}
MAIL_READ_RULES = {"app-mailbox-access", "bulk-mail-access", "rare-app-mail-access",
                   "token-without-signin", "mailbox-access-after-audit-disabled"}


def ms(t):
    return datetime.strptime(t[:19], "%Y-%m-%dT%H:%M:%S").timestamp() if t else None


def ents(obj):
    out = set()
    for k, v in (obj.get("entities") or {}).items():
        for x in v or []:
            out.add((k, x.lower()))
    return out


def main():
    gt = json.load(open(sys.argv[1]))
    scan = json.load(open(sys.argv[2]))
    verbose = "--verbose" in sys.argv
    findings = scan.get("findings", [])
    for f in findings:
        f["_ids"] = {e.get("record_id") for e in f.get("evidence", []) if e.get("record_id")}
        f["_ents"] = ents(f)
        f["_t"] = (ms(f.get("first_seen")), ms(f.get("last_seen")))
    steps = gt.get("attack_steps", [])
    attack_ids, attacker = set(), set()
    for s in steps:
        s["_ids"] = {e.get("record_id") for e in s.get("evidence", []) if e.get("record_id")}
        attack_ids |= s["_ids"]
        for k, v in ents(s):
            if k in ("ips", "apps", "service_principals"):
                attacker.add((k, v))
    # A step's users include victims; the attacker's own accounts are the ones it created or took.
    near_ids = set()
    for n in gt.get("near_misses", []):
        near_ids |= {e.get("record_id") for e in n.get("evidence", []) if e.get("record_id")}
    attacker -= {(k, v) for n in gt.get("near_misses", []) for k, v in ents(n)
                 if k in ("apps", "service_principals")}
    # Microsoft's own apps (the Office client, the Graph tools) explain nothing by being named.
    for a in (gt.get("tenant") or {}).get("microsoft_apps", []):
        for v in (a.get("app_id"), a.get("name")):
            if v:
                attacker -= {("apps", v.lower()), ("service_principals", v.lower())}

    def near_in_time(f, s):
        a, b = f["_t"]
        c, d = ms(s.get("first")), ms(s.get("last"))
        if None in (a, b, c, d):
            return True
        return a <= d + 86400 and c <= b + 86400

    def absence_of(f):
        return any(s.get("kind") == "absence" and f["rule"] in s.get("rules", []) and
                   f["_ents"] & ents(s) and near_in_time(f, s) for s in steps)

    found = 0
    # Steps with no rule are context (an app's own sign-ins from Azure): not scored.
    observable = [s for s in steps if s.get("observable", True) and s.get("rules")]
    for s in observable:
        hit = False
        for f in findings:
            if f["rule"] not in s.get("rules", []):
                continue
            if f["_ids"] & s["_ids"]:
                hit = True
            elif (s.get("kind") == "absence" or f.get("evidence_total", 0) > len(f["_ids"])) \
                    and f["_ents"] & ents(s) and near_in_time(f, s):
                hit = True
            if hit:
                break
        found += hit
        if not hit:
            print(f"MISSED {s['id']} ({s.get('scenario')}): {s.get('title')} [{','.join(s.get('rules', []))}]")

    alarms, false_alarms = 0, 0
    for f in findings:
        if f["severity"] not in ABOVE_LOW:
            continue
        alarms += 1
        if f["_ids"] & attack_ids or f["_ents"] & attacker or absence_of(f):
            continue
        false_alarms += 1
        why = "cites near miss" if f["_ids"] & near_ids else "explained by no attack step"
        print(f"FALSE ALARM {f['rule']} {f['severity']} ({why}): {f.get('summary', '')[:200]}")
        if verbose:
            print(json.dumps(f.get("entities")))

    touched, read = set(), set()
    for s in steps:
        boxes = {v for k, v in ents(s) if k == "mailboxes"}
        touched |= boxes
        if s.get("observable", True) and s.get("kind", "records") == "records" and \
                MAIL_READ_RULES & set(s.get("rules", [])):
            read |= boxes
    exposed = {e["mailbox"].lower() for i in scan.get("incidents", []) for e in i.get("exposure", [])}
    for m in sorted(exposed - touched):
        print(f"WRONG EXPOSURE {m}: named as read, no attack step touched it")
    for m in sorted(read - exposed):
        print(f"EXPOSURE MISSED {m}")

    recall = found / len(observable) if observable else 1.0
    precision = (alarms - false_alarms) / alarms if alarms else 1.0
    print(f"recall {found}/{len(observable)} = {recall:.3f}")
    print(f"precision {alarms - false_alarms}/{alarms} = {precision:.3f} (findings above low)")
    print(f"exposure {len(read & exposed)}/{len(read)} read mailboxes named, "
          f"{len(exposed - touched)} wrong")


if __name__ == "__main__":
    main()
