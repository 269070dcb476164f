import datetime as dt
import sys

from lib import *

ROOT = (sys.argv[1] if len(sys.argv) > 1 else DETECTIONS) + '/password-spray'
D = dt.timedelta

OFFICE = PLACES['office']
STAFF = ['dana.whitfield', 'marcus.oyelaran', 'tom.becker', 'ken.yamada', 'james.cole', 'aisha.khan',
         'emily.tran', 'sarah.oneill', 'alex.morgan', 'olivia.park', 'ravi.menon', 'it.helpdesk']
# Residential exits of a proxy service, one or two guesses each (as the sweep's tenants see).
EXITS = [('73.162.41.%d' % (20 + 11 * i), 'Ashburn', 'Virginia', 'US', 39.04372, -77.48749, 7922)
         for i in range(10)]
CARRIER = [('172.58.%d.%d' % (40 + i, 17 + 3 * i), 'Boston', 'Massachusetts', 'US', 42.35843,
            -71.05978, 21928) for i in range(9)]
UA_OUTLOOK_IOS = 'Outlook-iOS/2.0'


def workdays(start, days, app='officehome', ua=UA_EDGE, client='Browser'):
    out = []
    for d in range(days):
        for i, who in enumerate(STAFF):
            out.append(signin(start + D(days=d, hours=8, minutes=3 + 4 * i, seconds=7 * i), who,
                              OFFICE, app=app, ua=ua, client=client))
    return out


def case(name, sig, expect):
    write(ROOT + '/' + name, {
        'signins.json': graph_page(sorted([graph_signin(s) for s in sig],
                                          key=lambda i: i['createdDateTime'], reverse=True)),
        'expect.json': json.dumps({'rule': 'password-spray', 'findings': expect}) + '\n'})


START = T('2026-03-09T00:00:00')

# Twelve staff sign in every day; overnight, ten of them are tried once each from ten
# residential exits over three hours. Twenty accounts cannot be reached in this tenant: a
# campaign over half of it, from as many exits, is a spray.
seed('spray-small-A')
spray = [signin(START + D(days=1, hours=1, minutes=7 + 17 * i, seconds=13 * i), STAFF[i], EXITS[i],
                app='aadps', code=50126, ua='', client='Mobile Apps and Desktop clients')
         for i in range(10)]
case('pos_graph_small_tenant_distributed_spray', workdays(START, 3) + spray,
     [{'severity': 'high', 'entities': {'users': ['%s@%s' % (w, DOMAIN) for w in STAFF[:10]],
                                        'ips': [e[0] for e in EXITS]},
       'summary_contains': '12 accounts signed in correctly in the evidence: a small tenant',
       'details': {'forms': ['distributed'], 'distinct_users': 10, 'distinct_ips': 10,
                   'small_tenant': {'accounts_signing_in': 12, 'min_accounts': 8,
                                    'min_exits': 8}}}])

# The same small tenant on the morning after a forced password change: nine phones on the
# carrier's network fail once with the old password in Outlook for iOS, and their owners fix
# it in the app an hour later. Everyone signs in with that app: an everyday client, not a spray.
seed('spray-small-B')
stale = []
for i in range(9):
    t = START + D(days=1, hours=6, minutes=40 + 6 * i, seconds=11 * i)
    stale.append(signin(t, STAFF[i], CARRIER[i], app='outlookmobile', code=50126, ua=UA_OUTLOOK_IOS,
                        client='Mobile Apps and Desktop clients'))
    stale.append(signin(t + D(minutes=75), STAFF[i], OFFICE, app='outlookmobile', ua=UA_OUTLOOK_IOS,
                        client='Mobile Apps and Desktop clients'))
case('neg_graph_small_tenant_password_change_morning',
     workdays(START, 3) + workdays(START + D(hours=4), 3, app='outlookmobile', ua=UA_OUTLOOK_IOS,
                                   client='Mobile Apps and Desktop clients') + stale, [])
