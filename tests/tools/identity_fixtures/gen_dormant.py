import datetime as dt
import json
import sys

from lib import *

ROOT = (sys.argv[1] if len(sys.argv) > 1 else DETECTIONS) + '/dormant-account-mfa-registration'
D = dt.timedelta

HOME = {
    'tom': ('198.51.100.52', 'Quincy', 'Massachusetts', 'US', 42.25288, -71.00227, 7922),
    'dana': ('198.51.100.21', 'Wellesley', 'Massachusetts', 'US', 42.37338, -71.06485, 7922),
    'sarah': ('198.51.100.88', 'Somerville', 'Massachusetts', 'US', 42.38760, -71.09950, 7922),
    'james': ('198.51.100.95', 'Worcester', 'Massachusetts', 'US', 42.44886, -71.02025, 7922),
    'alex': ('198.51.100.140', 'Newton', 'Massachusetts', 'US', 42.33704, -71.20922, 7922),
    'ravi': ('198.51.100.150', 'Brookline', 'Massachusetts', 'US', 42.33176, -71.12116, 7922),
}
OFFICE = PLACES['office']
CHARLOTTE = ('174.85.210.54', 'Charlotte', 'North Carolina', 'US', 35.22709, -80.84313, 20115)
PROXY1 = ('98.207.153.77', 'Sacramento', 'California', 'US', 38.58157, -121.4944, 7922)
PROXY2 = ('24.16.201.39', 'Seattle', 'Washington', 'US', 47.60621, -122.33207, 7922)
PROXY3 = ('71.178.62.140', 'Arlington', 'Virginia', 'US', 38.88101, -77.10428, 701)
CHICAGO_HOTEL = ('66.171.25.140', 'Chicago', 'Illinois', 'US', 41.87811, -87.62980, 19024)


def background(start, end, every_days, people, hour=14):
    """Ordinary sign-ins: each person every few days from office or home."""
    out = []
    t = start
    k = 0
    while t <= end:
        for i, (who, home) in enumerate(people):
            place = OFFICE if (k + i) % 2 == 0 else HOME[home]
            out.append(signin(t + D(minutes=7 * i + 3, seconds=11 * k % 60), who, place,
                              app=['officehome', 'owa', 'teams'][(k + i) % 3]))
        t += D(days=every_days)
        k += 1
    return out


def attack_registration(who, t0, ip, fr):
    """started, registered, all required (Graph items) and the Update user by the endpoint service."""
    corr = gid()
    return [graph_reg('User started security info registration', t0, who, ip, fr, corr),
            graph_reg('User registered security info', t0 + D(minutes=3, seconds=35), who, ip, fr + 13, corr),
            graph_reg('User registered all required security info', t0 + D(minutes=3, seconds=36), who, ip, fr + 17, corr),
            graph_sam(t0 + D(minutes=3, seconds=37), who, fr + 19, 0, 2)]


def newest_first(items, key):
    return sorted(items, key=key, reverse=True)


# A. Graph sign-ins + directoryAudits: dormant 40 days, sprayed, registers from a new network.
seed('dormant-A')
sig = background(T('2026-01-20T13:30:00'), T('2026-03-03T13:30:00'), 3, [('tom.becker', 'tom'), ('dana.whitfield', 'dana')])
sig.append(signin(T('2026-01-22T15:10:41'), 'alex.morgan', HOME['alex'], app='owa'))
sig.append(signin(T('2026-03-02T23:12:09'), 'alex.morgan', PROXY1, app='aadps', code=50126, ua=UA_ATTACK,
                  client='Mobile Apps and Desktop clients'))
sig.append(signin(T('2026-03-04T02:03:02'), 'alex.morgan', CHARLOTTE, app='mysignins', ua=UA_ATTACK))
# The attacker keeps using the account the next day: the registering session's sign-in is then
# long settled, and must still not be reported as the account's "last sign-in before".
sig.append(signin(T('2026-03-05T14:20:31'), 'alex.morgan', CHARLOTTE, app='portal', ua=UA_ATTACK))
aud = attack_registration('alex.morgan', T('2026-03-04T02:03:58'), CHARLOTTE[0], 4301000)
write(ROOT + '/pos_graph_dormant_40d_sprayed', {
    'signins.json': graph_page(newest_first([graph_signin(s) for s in sig], lambda i: i['createdDateTime'])),
    'directoryAudits.json': graph_page(newest_first(aud, lambda i: i['activityDateTime']), 'directoryAudits'),
    'expect.json': json.dumps({'rule': 'dormant-account-mfa-registration', 'findings': [{
        'severity': 'critical',
        'entities': {'users': ['alex.morgan@contosodemo.onmicrosoft.com'], 'ips': ['174.85.210.54']},
        'summary_contains': '40 days after its last successful sign-in',
        'details': {'last_successful_signin': '2026-01-22T15:10:41.000Z', 'history_shorter_than_dormancy': False,
                    'new_network': True, 'failed_signins_before': 1, 'lead_in_signins': 1,
                    'registrations': 3, 'strong_auth_methods_before': 0, 'strong_auth_methods_after': 2}}]}) + '\n',
})

# B. UAL only: five days of sign-ins, the shared payroll account sprayed then enrolled.
seed('dormant-B')
sig = background(T('2026-03-01T13:20:00'), T('2026-03-05T13:20:00'), 1, [('tom.becker', 'tom'), ('dana.whitfield', 'dana')])
sig.append(signin(T('2026-03-03T22:41:17'), 'payroll', PROXY2, app='aadps', code=50126, ua=UA_ATTACK,
                  client='Mobile Apps and Desktop clients'))
sig.append(signin(T('2026-03-04T23:05:52'), 'payroll', PROXY3, app='aadps', code=50126, ua=UA_ATTACK,
                  client='Mobile Apps and Desktop clients'))
sig.append(signin(T('2026-03-05T01:40:33'), 'payroll', PROXY3, app='aadps', ua=UA_ATTACK,
                  client='Mobile Apps and Desktop clients'))
recs = [ual_signin(s) for s in sig] + [ual_update_user_sam(T('2026-03-05T01:46:12'), 'payroll', 0, 1)]
recs.sort(key=lambda a: a['CreationTime'])
write(ROOT + '/pos_ual_update_user_short_history', {
    'audit-2026-03.jsonl': jsonl(recs),
    'expect.json': json.dumps({'rule': 'dormant-account-mfa-registration', 'findings': [{
        'severity': 'medium',
        'entities': {'users': ['payroll@contosodemo.onmicrosoft.com'], 'ips': ['71.178.62.140']},
        'summary_contains': 'no successful sign-in in the 3.5 days of sign-in history',
        'details': {'history_shorter_than_dormancy': True, 'last_successful_signin': None,
                    'strong_auth_methods_before': 0, 'strong_auth_methods_after': 1,
                    'failed_signins_before': 2, 'lead_in_signins': 1, 'new_network': None,
                    'registrations': 1}}]}) + '\n',
})

# C. Log Analytics AuditLogs JSON + SigninLogs CSV: back from five weeks of leave, at home, new phone.
seed('dormant-C')
sig = background(T('2026-01-10T13:40:00'), T('2026-03-09T13:40:00'), 5, [('tom.becker', 'tom')])
for k in range(0, 21, 2):
    sig.append(signin(T('2026-01-10T14:05:00') + D(days=k, minutes=k), 'ravi.menon', HOME['ravi'] if k % 4 else OFFICE,
                      app=['owa', 'officehome'][k % 2], frac=0))
sig.append(signin(T('2026-03-09T14:02:27'), 'ravi.menon', HOME['ravi'], app='mysignins'))
corr = gid()
aud = [graph_reg('User registered security info', T('2026-03-09T14:06:51'), 'ravi.menon', HOME['ravi'][0], 2210000, corr,
                 method='Authenticator App with Notification and Code'),
       graph_sam(T('2026-03-09T14:06:53'), 'ravi.menon', 5120000, 1, 2)]
write(ROOT + '/pos_sentinel_returning_user_low', {
    'SigninLogs.csv': la_csv(la_rows(sig)),
    'AuditLogs.json': jsonl([la_audit_from_graph(i) for i in aud]),
    'expect.json': json.dumps({'rule': 'dormant-account-mfa-registration', 'findings': [{
        'severity': 'low',
        'entities': {'users': ['ravi.menon@contosodemo.onmicrosoft.com'], 'ips': ['198.51.100.150']},
        'details': {'new_network': False, 'history_shorter_than_dormancy': False,
                    'last_successful_signin': '2026-01-30T14:25:00.000Z',
                    'strong_auth_methods_before': 1, 'strong_auth_methods_after': 2}}]}) + '\n',
})

# D. Graph: a new hire created by IT enrols on the first morning (never signed in before, 36 days
# of history): not dormant.
seed('dormant-D')
sig = background(T('2026-01-25T13:30:00'), T('2026-03-02T13:30:00'), 3, [('tom.becker', 'tom'), ('dana.whitfield', 'dana')])
sig.append(signin(T('2026-03-02T13:04:51'), 'olivia.park', OFFICE, code=50079))
sig.append(signin(T('2026-03-02T13:09:12'), 'olivia.park', OFFICE, app='mysignins'))
sig.append(signin(T('2026-03-02T13:11:40'), 'olivia.park', OFFICE))
corr = gid()
aud = [graph_add_user(T('2026-03-02T12:35:10'), 'tom.becker', 'olivia.park', 9103062),
       graph_reg('User started security info registration', T('2026-03-02T13:06:12'), 'olivia.park', OFFICE[0], 6457000, corr),
       graph_reg('User registered security info', T('2026-03-02T13:08:40'), 'olivia.park', OFFICE[0], 3541424, corr),
       graph_reg('User registered all required security info', T('2026-03-02T13:08:41'), 'olivia.park', OFFICE[0], 504000, corr),
       graph_sam(T('2026-03-02T13:08:42'), 'olivia.park', 8057033, 0, 2)]
write(ROOT + '/neg_graph_new_hire_first_day', {
    'signins.json': graph_page(newest_first([graph_signin(s) for s in sig], lambda i: i['createdDateTime'])),
    'directoryAudits.json': graph_page(newest_first(aud, lambda i: i['activityDateTime']), 'directoryAudits'),
    'expect.json': json.dumps({'rule': 'dormant-account-mfa-registration', 'findings': []}) + '\n',
})

# E. Log Analytics: an active user adds a second method from the office, right after signing in.
seed('dormant-E')
sig = background(T('2026-02-16T13:35:00'), T('2026-03-09T13:35:00'), 1, [('sarah.oneill', 'sarah'), ('tom.becker', 'tom')])
sig.append(signin(T('2026-03-09T14:05:12'), 'sarah.oneill', OFFICE, app='mysignins'))
corr = gid()
aud = [graph_reg('User started security info registration', T('2026-03-09T14:08:02'), 'sarah.oneill', OFFICE[0], 1200000, corr,
                 method='Phone'),
       graph_reg('User registered security info', T('2026-03-09T14:09:30'), 'sarah.oneill', OFFICE[0], 9512000, corr,
                 method='Phone'),
       graph_sam(T('2026-03-09T14:09:31'), 'sarah.oneill', 2033000, 1, 2)]
write(ROOT + '/neg_sentinel_active_user_second_method', {
    'SigninLogs.csv': la_csv(la_rows(sig)),
    'AuditLogs.json': jsonl([la_audit_from_graph(i) for i in aud]),
    'expect.json': json.dumps({'rule': 'dormant-account-mfa-registration', 'findings': []}) + '\n',
})

# F. Graph: an admin clears the methods of a dormant account (require re-registration): the
# StrongAuthenticationMethod list shrank, nothing was registered.
seed('dormant-F')
sig = background(T('2026-01-25T13:30:00'), T('2026-03-05T13:30:00'), 3, [('tom.becker', 'tom'), ('dana.whitfield', 'dana')])
aud = [graph_user_update(T('2026-03-05T15:12:44'), 'tom.becker', 'it.helpdesk', OFFICE[0], 4410000,
                         [('StrongAuthenticationMethod', methods_json(2), '[]')])]
write(ROOT + '/neg_graph_methods_cleared_by_admin', {
    'signins.json': graph_page(newest_first([graph_signin(s) for s in sig], lambda i: i['createdDateTime'])),
    'directoryAudits.json': graph_page(aud, 'directoryAudits'),
    'expect.json': json.dumps({'rule': 'dormant-account-mfa-registration', 'findings': []}) + '\n',
})

# G/H. Azure Monitor: last sign-in 10 days before registering from a Chicago hotel. Active under
# the default 30-day window; dormant with dormancy: 7d.
seed('dormant-G')
sig = background(T('2026-02-01T13:30:00'), T('2026-03-04T13:30:00'), 2, [('tom.becker', 'tom')])
for k in range(0, 22, 3):
    sig.append(signin(T('2026-02-01T14:20:00') + D(days=k), 'james.cole', HOME['james'] if k % 2 else OFFICE, app='owa'))
sig.append(signin(T('2026-03-04T15:01:19'), 'james.cole', CHICAGO_HOTEL, app='mysignins', ua=UA_IOS))
corr = gid()
aud = [graph_reg('User registered security info', T('2026-03-04T15:04:22'), 'james.cole', CHICAGO_HOTEL[0], 1190000, corr),
       graph_sam(T('2026-03-04T15:04:24'), 'james.cole', 6610000, 1, 2)]
lines = [azmon_line([azmon_signin(s) for s in sig[i:i + 4]]) for i in range(0, len(sig), 4)]
lines.append(azmon_line([azmon_audit_from_graph(i) for i in aud]))
files = {'PT1H.json': '\n'.join(lines) + '\n'}
write(ROOT + '/neg_azmon_active_10_days_before', dict(files, **{
    'expect.json': json.dumps({'rule': 'dormant-account-mfa-registration', 'findings': []}) + '\n'}))
write(ROOT + '/pos_azmon_config_dormancy_7d', dict(files, **{
    'dormancy.yaml': 'rules:\n  dormant-account-mfa-registration:\n    dormancy: 7d\n',
    'args': '--config\n@CASE@/dormancy.yaml\n',
    'expect.json': json.dumps({'rule': 'dormant-account-mfa-registration', 'findings': [{
        'severity': 'high',
        'entities': {'users': ['james.cole@contosodemo.onmicrosoft.com'], 'ips': ['66.171.25.140']},
        'summary_contains': '10 days after its last successful sign-in',
        'details': {'new_network': True, 'history_shorter_than_dormancy': False, 'dormancy_days': 7}}]}) + '\n'}))
