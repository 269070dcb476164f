import datetime as dt
import sys

from lib import *

ROOT = (sys.argv[1] if len(sys.argv) > 1 else DETECTIONS) + '/legacy-auth-signin'
D = dt.timedelta

OFFICE = PLACES['office']
PRINTER = PLACES['office2']  # the printer's address in the office's /24
INSIDE = ('203.0.113.57', 'Boston', 'Massachusetts', 'US', 42.35843, -71.05978, 7922)
SPRAY = [('172.104.214.%d' % n, 'Cedar Knolls', 'New Jersey', 'US', 40.82232, -74.44876, 63949)
         for n in (36, 41, 77, 102)]
PROXY = ('24.16.201.39', 'Seattle', 'Washington', 'US', 47.60621, -122.33207, 7922)
STAFF = ['dana.whitfield', 'tom.becker', 'ken.yamada', 'emily.tran']


def office_days(start, days, printer_from=0, printer=PRINTER):
    """Staff at the office each working day; the printer sending scans with SMTP AUTH (from day
    printer_from on)."""
    out = []
    for d in range(days):
        day = start + D(days=d)
        for i, who in enumerate(STAFF):
            out.append(signin(day + D(hours=8, minutes=4 + 9 * i, seconds=17 * i), who, OFFICE,
                              app=['officehome', 'owa', 'teams', 'officehome'][(d + i) % 4]))
            out.append(signin(day + D(hours=13, minutes=31 + 6 * i), who, OFFICE, app='teams',
                              interactive=False))
        for k, hm in enumerate(((8, 1), (10, 34), (13, 12), (15, 47))):
            if d >= printer_from:
                out.append(signin(day + D(hours=hm[0], minutes=hm[1], seconds=3 * k + d),
                                  'scanner', printer, app='exo', ua='',
                                  client='Authenticated SMTP'))
    return out


def spray(t0, places, victims=('scanner', 'alex.morgan', 'olivia.park', 'ravi.menon', 'payroll')):
    """Four rounds from a small pool, one guess per account a round (as the sweep's spray)."""
    out = []
    for r in range(4):
        for i, who in enumerate(victims):
            out.append(signin(t0 + D(minutes=3 * r, seconds=7 * i + 2), who, places[(r + i) % len(places)],
                              app='aadps', code=50126, ua='', client='Mobile Apps and Desktop clients'))
    return out


def case(name, sig):
    write(ROOT + '/' + name, {'signins.json': graph_page(
        sorted([graph_signin(s) for s in sig], key=lambda i: i['createdDateTime'], reverse=True))})


START = T('2026-03-09T00:00:00')

# A Graph export of two days that begins with a spray: the printer's first scan of the day comes
# after it, from the office network the staff sign in from. Low (an account without MFA that was
# sprayed), not high.
seed('legacy-A')
case('pos_graph_office_scanner_sprayed_at_the_export_start_low',
     spray(START + D(hours=1, minutes=50), SPRAY) + office_days(START, 2))

# The same spray from inside the office network (a compromised workstation): the failures came
# from where the successes do, so they still count.
seed('legacy-B')
case('pos_graph_office_scanner_sprayed_from_inside_high',
     spray(START + D(hours=1, minutes=50), [INSIDE]) + office_days(START, 2))

# The sprayed password then used from a residential proxy as well as by the printer: two
# networks, high.
seed('legacy-C')
case('pos_graph_sprayed_scanner_password_used_from_a_proxy_high',
     spray(START + D(hours=1, minutes=50), SPRAY) + office_days(START, 2) +
     [signin(START + D(days=1, hours=3, minutes=12, seconds=44), 'scanner', PROXY, app='exo', ua='',
             client='Authenticated SMTP')])

# A three-day export whose printer first sends on the last day (back from repair): one day of
# legacy use, not "regular", and not there when the logs start. It sends from the office network
# the staff sign in from: low, as any device of the office.
seed('legacy-D')
case('pos_graph_office_printer_first_seen_on_the_last_day_low',
     office_days(START, 3, printer_from=2))

# The same printer at a branch no other account signs in from: nothing says it is the tenant's,
# medium (the office network is what makes the one above low).
BRANCH = ('198.51.100.23', 'Worcester', 'Massachusetts', 'US', 42.26259, -71.80229, 7922)
seed('legacy-E')
case('pos_graph_printer_on_a_network_nobody_else_uses_first_seen_late_medium',
     office_days(START, 3, printer_from=2, printer=BRANCH))
