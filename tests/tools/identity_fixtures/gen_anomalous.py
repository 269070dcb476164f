import datetime as dt
import json
import os
import subprocess
import sys

from lib import *

ROOT = (sys.argv[1] if len(sys.argv) > 1 else DETECTIONS) + '/anomalous-signin-location'
D = dt.timedelta
RULE = 'anomalous-signin-location'

OFFICE = PLACES['office']
OFFICE_POOL = [('203.0.113.%d' % n, 'Boston', 'Massachusetts', 'US', 42.35843, -71.05978, 7922) for n in range(10, 16)]
HOME = {
    'ken': ('198.51.100.71', 'Cambridge', 'Massachusetts', 'US', 42.3751, -71.10561, 7922),
    'tom': ('198.51.100.52', 'Quincy', 'Massachusetts', 'US', 42.25288, -71.00227, 7922),
    'emily': ('198.51.100.117', 'Malden', 'Massachusetts', 'US', 42.42510, -71.06616, 7922),
    'marcus': ('198.51.100.34', 'Newton', 'Massachusetts', 'US', 42.33704, -71.20922, 7922),
    'aisha': ('198.51.100.102', 'Medford', 'Massachusetts', 'US', 42.41843, -71.10616, 7922),
    'ravi': ('198.51.100.150', 'Brookline', 'Massachusetts', 'US', 42.33176, -71.12116, 7922),
    'dana': ('198.51.100.21', 'Wellesley', 'Massachusetts', 'US', 42.37338, -71.06485, 7922),
}
LAGOS = ('105.112.33.40', 'Lagos', 'Lagos', 'NG', 6.45407, 3.39467, 36873)
FRANKFURT = ('91.64.120.7', 'Frankfurt am Main', 'Hesse', 'DE', 50.11552, 8.68417, 3209)
AMSTERDAM = ('77.166.40.12', 'Amsterdam', 'North Holland', 'NL', 52.37403, 4.88969, 1136)
VZW_BOSTON = ('174.192.3.15', 'Boston', 'Massachusetts', 'US', 42.35843, -71.05978, 22394)
VZW_SF = ('174.205.77.9', 'San Francisco', 'California', 'US', 37.77493, -122.41942, 22394)
TMO_FRAMINGHAM = ('172.58.12.40', 'Framingham', 'Massachusetts', 'US', 42.27926, -71.41617, 21928)
TMO_NYC = ('172.58.200.9', 'New York', 'New York', 'US', 40.71427, -74.00597, 21928)
# Residential exits a proxy service picked in the victim's metro area: six ISPs, six networks.
BOSTON_PROXIES = [
    ('73.61.22.190', 'Boston', 'Massachusetts', 'US', 42.35843, -71.05978, 7922),
    ('108.20.77.14', 'Waltham', 'Massachusetts', 'US', 42.37649, -71.23561, 701),
    ('99.40.153.62', 'Quincy', 'Massachusetts', 'US', 42.25288, -71.00227, 7018),
    ('146.115.9.201', 'Lowell', 'Massachusetts', 'US', 42.63342, -71.31617, 6079),
    ('24.61.140.33', 'Lynn', 'Massachusetts', 'US', 42.46676, -70.94949, 7015),
    ('208.127.41.8', 'Brockton', 'Massachusetts', 'US', 42.08343, -71.01838, 3356),
]


def expect(findings):
    return json.dumps({'rule': RULE, 'findings': findings}) + '\n'


def new_place(who, ip, summary, severity='medium'):
    """The expected finding of who's one new location (a country or network) at ip."""
    return {'severity': severity,
            'entities': {'users': [user(who)['upn']], 'ips': [ip]},
            'summary_contains': summary,
            'details': {'counts': {'new_locations': 1, 'impossible_travel': 0, 'ip_bursts': 0}}}


def routine(who, home, start, days, extra=(), app_cycle=('officehome', 'owa', 'teams')):
    """Working-day sign-ins from the office and home (and any extra places, e.g. a phone)."""
    out = []
    places = [OFFICE, HOME[home]] + list(extra)
    for d in range(days):
        t = start + D(days=d, minutes=(d * 13) % 50)
        out.append(signin(t, who, places[d % len(places)], app=app_cycle[d % len(app_cycle)]))
    return out


def dana_and_marcus(days, marcus_days=None):
    """The colleagues active from the export's first day (2026-02-20), at the office and home."""
    return (routine('dana.whitfield', 'dana', T('2026-02-20T14:05:00'), days) +
            routine('marcus.oyelaran', 'marcus', T('2026-02-20T13:50:00'), marcus_days or days))


def graph_file(sig):
    return graph_page(sorted([graph_signin(s) for s in sig], key=lambda i: i['createdDateTime'], reverse=True))


def ken_to_lagos():
    """Two weeks in Boston, then Lagos 40 minutes after a sign-in at the office."""
    sig = routine('ken.yamada', 'ken', T('2026-02-20T13:40:00'), 15)
    sig.append(signin(T('2026-03-06T13:30:05'), 'ken.yamada', OFFICE, app='teams'))
    sig.append(signin(T('2026-03-06T14:10:44'), 'ken.yamada', LAGOS, app='officehome', ua=UA_ATTACK))
    return sig + routine('dana.whitfield', 'dana', T('2026-02-20T14:05:00'), 15)


# A. Graph: after two weeks in Boston, a sign-in from Lagos 40 minutes after one at the office:
# new country, new ASN and impossible travel.
seed('anom-A')
sig = ken_to_lagos()
write(ROOT + '/pos_graph_new_country_and_travel', {
    'signins.json': graph_file(sig),
    'expect.json': expect([{'severity': 'high',
                            'entities': {'users': ['ken.yamada@contosodemo.onmicrosoft.com'], 'ips': ['105.112.33.40']},
                            'summary_contains': 'signed in from Lagos (NG)',
                            # Ken's own sign-in at 14:12 from the office makes a second hop back.
                            'details': {'counts': {'new_locations': 1, 'impossible_travel': 2, 'ip_bursts': 0},
                                        'countries_seen': ['NG', 'US'], 'asns_seen': [7922, 36873]}}]),
})

# B. Log Analytics CSV: a user with two days of history (no baseline yet) signs in from Frankfurt
# 35 minutes after Boston: impossible travel only.
seed('anom-B')
sig = [signin(T('2026-03-04T13:12:40'), 'olivia.park', OFFICE, app='officehome'),
       signin(T('2026-03-05T14:00:21'), 'olivia.park', OFFICE, app='owa'),
       signin(T('2026-03-05T14:35:02'), 'olivia.park', FRANKFURT, app='owa', ua=UA_ATTACK)]
sig += routine('marcus.oyelaran', 'marcus', T('2026-03-01T13:50:00'), 6)
write(ROOT + '/pos_sentinel_impossible_travel', {
    'SigninLogs.csv': la_csv(la_rows(sig)),
    'expect.json': expect([{'severity': 'medium',
                            'entities': {'users': ['olivia.park@contosodemo.onmicrosoft.com'], 'ips': ['91.64.120.7']},
                            'summary_contains': 'signed in from Frankfurt am Main (DE)',
                            'details': {'counts': {'new_locations': 0, 'impossible_travel': 1, 'ip_bursts': 0}}}]),
})

# C. Azure Monitor: six residential exits around Boston in eight minutes (a geo-targeted proxy
# pool): no travel, no new country, a burst of networks.
seed('anom-C')
sig = routine('aisha.khan', 'aisha', T('2026-03-02T13:55:00'), 3)
t0 = T('2026-03-04T02:11:09')
for i, p in enumerate(BOSTON_PROXIES):
    sig.append(signin(t0 + D(seconds=83 * i + 7 * (i % 2)), 'aisha.khan', p, app=['owa', 'officehome'][i % 2], ua=UA_ATTACK))
sig += routine('emily.tran', 'emily', T('2026-03-02T14:20:00'), 3)
sig.sort(key=lambda s: s['t'])
lines = [azmon_line([azmon_signin(s) for s in sig[i:i + 3]]) for i in range(0, len(sig), 3)]
write(ROOT + '/pos_azmon_proxy_rotation_burst', {
    'PT1H.json': '\n'.join(lines) + '\n',
    'expect.json': expect([{'severity': 'medium',
                            'entities': {'users': ['aisha.khan@contosodemo.onmicrosoft.com'],
                                         'ips': [p[0] for p in BOSTON_PROXIES]},
                            'summary_contains': 'used 6 networks within',
                            'details': {'counts': {'new_locations': 0, 'impossible_travel': 0, 'ip_bursts': 1}}}]),
})

# D/E. Graph: a domestic flight Boston -> San Francisco on the phone (same carrier as always),
# 578 km/h: not impossible. With max_speed_kmh 500 it is.
seed('anom-D')
sig = routine('tom.becker', 'tom', T('2026-02-20T13:35:00'), 14, extra=[VZW_BOSTON])
sig.append(signin(T('2026-03-06T11:58:31'), 'tom.becker', VZW_BOSTON, app='outlookmobile', ua=UA_IOS,
                  client='Mobile Apps and Desktop clients'))
sig.append(signin(T('2026-03-06T19:28:10'), 'tom.becker', VZW_SF, app='outlookmobile', ua=UA_IOS,
                  client='Mobile Apps and Desktop clients'))
files = {'signins.json': graph_file(sig)}
write(ROOT + '/neg_graph_domestic_flight', dict(files, **{'expect.json': expect([])}))
write(ROOT + '/pos_graph_config_max_speed_500', dict(files, **{
    'speed.yaml': 'rules:\n  anomalous-signin-location:\n    max_speed_kmh: 500\n',
    'args': '--config\n@CASE@/speed.yaml\n',
    'expect.json': expect([{'severity': 'medium',
                            'entities': {'users': ['tom.becker@contosodemo.onmicrosoft.com'], 'ips': ['174.205.77.9']},
                            'details': {'counts': {'new_locations': 0, 'impossible_travel': 1, 'ip_bursts': 0}}}])}))

# F. Graph: laptop at the office, phone on T-Mobile geolocated to Framingham (30 km) and to the
# carrier's New York gateway (306 km), alternating within minutes: two devices, not travel.
seed('anom-F')
sig = routine('emily.tran', 'emily', T('2026-02-20T13:45:00'), 12, extra=[TMO_FRAMINGHAM, TMO_NYC])
day = T('2026-03-05T13:02:00')
for i, p in enumerate([OFFICE, TMO_FRAMINGHAM, OFFICE, TMO_NYC, OFFICE, TMO_FRAMINGHAM]):
    phone = p is not OFFICE
    sig.append(signin(day + D(minutes=4 * i, seconds=17 * i), 'emily.tran', p,
                      app='outlookmobile' if phone else 'owa', ua=UA_IOS if phone else UA_EDGE,
                      client='Mobile Apps and Desktop clients' if phone else 'Browser'))
write(ROOT + '/neg_graph_phone_and_laptop_nearby', {'signins.json': graph_file(sig), 'expect.json': expect([])})

# G. Log Analytics CSV: the office NAT pool hands one user six addresses in five minutes.
seed('anom-G')
sig = routine('marcus.oyelaran', 'marcus', T('2026-02-20T13:50:00'), 12)
t0 = T('2026-03-04T14:01:12')
for i, p in enumerate(OFFICE_POOL):
    sig.append(signin(t0 + D(seconds=49 * i), 'marcus.oyelaran', p, app=['owa', 'teams', 'officehome'][i % 3]))
write(ROOT + '/neg_sentinel_office_nat_pool', {'SigninLogs.csv': la_csv(la_rows(sig)), 'expect.json': expect([])})

# H/I. Graph: a user seen for two days signs in from Amsterdam (two days later, so no travel):
# no baseline yet, no finding. With baseline 1d / 2 sign-ins, a new country.
seed('anom-H')
sig = [signin(T('2026-03-03T13:20:31'), 'ravi.menon', OFFICE, app='officehome'),
       signin(T('2026-03-03T17:02:12'), 'ravi.menon', HOME['ravi'], app='owa'),
       signin(T('2026-03-04T13:31:50'), 'ravi.menon', OFFICE, app='teams'),
       signin(T('2026-03-06T09:14:27'), 'ravi.menon', AMSTERDAM, app='owa')]
sig += routine('dana.whitfield', 'dana', T('2026-02-25T14:05:00'), 10)
files = {'signins.json': graph_file(sig)}
write(ROOT + '/neg_graph_new_user_no_baseline', dict(files, **{'expect.json': expect([])}))
write(ROOT + '/pos_graph_config_short_baseline', dict(files, **{
    'baseline.yaml': 'rules:\n  anomalous-signin-location:\n    baseline: 1d\n    baseline_signins: 2\n',
    'args': '--config\n@CASE@/baseline.yaml\n',
    'expect.json': expect([new_place('ravi.menon', '77.166.40.12',
                                     'signed in from new country NL / AS1136 (77.166.40.12)')])}))

# J/K. Graph: the tenant signs in every day from 02-20; svc-archive, silent until 03-05, signs in
# for the first time from Amsterdam, where nobody in the tenant ever signed in (a dormant account
# taken over). Its first sign-in from the office instead: nothing.
seed('anom-J')
sig = dana_and_marcus(14)
dormant = [signin(T('2026-03-05T02:41:07'), 'svc-archive', AMSTERDAM, app='owa'),
           signin(T('2026-03-05T03:10:44'), 'svc-archive', AMSTERDAM, app='owa')]
write(ROOT + '/pos_graph_dormant_account_first_signin_abroad', {
    'signins.json': graph_file(sig + dormant),
    'expect.json': expect([new_place('svc-archive', '77.166.40.12',
                                     'a country no account of the tenant had signed in from')])})
at_office = [signin(T('2026-03-05T14:41:07'), 'svc-archive', OFFICE, app='owa')]
write(ROOT + '/neg_graph_dormant_account_back_at_the_office', {
    'signins.json': graph_file(sig + at_office), 'expect.json': expect([])})

# L. The same dormant account, seen first in the Unified Audit Log, which has no locations: the
# password is right from Amsterdam (50079, asked to enrol in MFA), the account signs in there
# after enrolling, and only a day later does a located Graph sign-in show the country. The
# finding cites the first right password from that address too.
seed('anom-L')
sig = dana_and_marcus(14)
ual = [signin(T('2026-03-04T22:14:31'), 'svc-archive', AMSTERDAM, app='owa', code=50079),
       signin(T('2026-03-04T22:31:02'), 'svc-archive', AMSTERDAM, app='owa')]
located = [signin(T('2026-03-05T23:40:12'), 'svc-archive', AMSTERDAM, app='owa')]
write(ROOT + '/pos_ual_graph_dormant_account_password_first_right_unlocated', {
    'signins.json': graph_file(sig + located),
    'audit.jsonl': jsonl([ual_signin(s) for s in ual]),
    'expect.json': expect([{'severity': 'medium',
                            'entities': {'users': ['svc-archive@contosodemo.onmicrosoft.com'], 'ips': ['77.166.40.12']},
                            'summary_contains': 'a country no account of the tenant had signed in from',
                            'details': {'counts': {'new_locations': 1, 'impossible_travel': 0, 'ip_bursts': 0},
                                        'new_locations': [{
                                            'time': '2026-03-05T23:40:12.000Z', 'ip': '77.166.40.12',
                                            'city': 'Amsterdam', 'country': 'NL', 'new_country': True,
                                            'asn': 1136, 'new_asn': False, 'new_to_tenant': True,
                                            'tenant_visited': False,
                                            'mfa_enrolment_asked': True,
                                            'user_first_days': False,
                                            'stay': False, 'stay_signins': 1, 'stay_hours': 0,
                                            'session_carried': False,
                                            'first_signin_from_address': {
                                                'time': '2026-03-04T22:14:31.000Z', 'error_code': 50079}}]}}])})


# M-P. The Unified Audit Log alone (a Purview search, the Management Activity API): its
# sign-ins carry no location, so places come from a city database (--geo-db). city.mmdb is built
# from city.txt by tests/tools/make_mmdb -c (M365_MAKE_MMDB=path/to/make_mmdb).
CITY_DB = ('# GeoLite2-City style test database: CIDR COUNTRY LATITUDE LONGITUDE RADIUS_KM CITY\n'
           '203.0.113.0/24 US 42.3584 -71.0598 10 Boston\n'
           '198.51.100.0/24 US 42.3601 -71.0589 50 Boston\n'
           '77.166.40.0/24 NL 52.3740 4.8897 20 Amsterdam\n'
           '105.112.0.0/16 NG 6.4541 3.3947 100 Lagos\n'
           '# carriers: T-Mobile by city, Verizon by country only (the point is the middle of the US)\n'
           '172.58.12.0/24 US 42.2793 -71.4162 20 Framingham\n'
           '172.58.200.0/24 US 40.7143 -74.0060 50 New York\n'
           '174.192.0.0/12 US 37.751 -97.822 1000\n'
           '# a San Francisco hotel, and Exchange Online in Dublin (Outlook Mobile\'s sync service)\n'
           '64.71.12.0/24 US 37.7749 -122.4194 20 San Francisco\n'
           '52.96.0.0/14 IE 53.3498 -6.2603 200 Dublin\n')
GEO_ARGS = '--geo-db\n@CASE@/city.mmdb\n'
SF_HOTEL = ('64.71.12.88', 'San Francisco', 'California', 'US', 37.77493, -122.41942, 6939)
EXO_DUBLIN = ('52.97.133.21', 'Dublin', 'Dublin', 'IE', 53.34980, -6.26031, 8075)


def geo_case(case, files):
    write(case, dict(files, **{'city.txt': CITY_DB, 'args': GEO_ARGS}))
    mk = os.environ.get('M365_MAKE_MMDB')
    if mk:
        with open(case + '/city.txt') as f:
            subprocess.run([mk, '-c', case + '/city.mmdb'], stdin=f, check=True)
    elif not os.path.exists(case + '/city.mmdb'):
        sys.exit('set M365_MAKE_MMDB to a built tests/tools/make_mmdb to create %s/city.mmdb' % case)


def ual_file(sig):
    return jsonl(sorted([ual_signin(s) for s in sig], key=lambda a: a['CreationTime']))


# M. L without Entra's logs: the dormant account's right password and sign-in from Amsterdam are
# in the UAL only. --geo-db places them: a country no account of the tenant signed in from.
seed('anom-M')
sig = dana_and_marcus(14)
sig += [signin(T('2026-03-04T22:14:31'), 'svc-archive', AMSTERDAM, app='owa', code=50079),
        signin(T('2026-03-04T22:31:02'), 'svc-archive', AMSTERDAM, app='owa')]
geo_case(ROOT + '/pos_ual_geo_db_dormant_account_abroad', {
    'audit.jsonl': ual_file(sig),
    'expect.json': expect([{'severity': 'medium',
                            'entities': {'users': ['svc-archive@contosodemo.onmicrosoft.com'], 'ips': ['77.166.40.12']},
                            'summary_contains': 'signed in from new country NL (77.166.40.12, placed by --geo-db), '
                                                'a country no account of the tenant had signed in from',
                            'details': {'counts': {'new_locations': 1, 'impossible_travel': 0, 'ip_bursts': 0},
                                        'new_locations': [{
                                            'time': '2026-03-04T22:31:02.000Z', 'ip': '77.166.40.12',
                                            'city': 'Amsterdam', 'country': 'NL', 'located_by': 'geo-db',
                                            'new_country': True, 'asn': None, 'new_asn': False,
                                            'new_to_tenant': True,
                                            'tenant_visited': False,
                                            'mfa_enrolment_asked': True,
                                            'user_first_days': False,
                                            'stay': False, 'stay_signins': 1, 'stay_hours': 0,
                                            'session_carried': False,
                                            'first_signin_from_address': {
                                                'time': '2026-03-04T22:14:31.000Z', 'error_code': 50079}}]}}])})

def lagos_by_geo_db(office_ip):
    """N's details: Ken at the office (office_ip), in Lagos 40 minutes later, back at 14:12."""
    return {'counts': {'new_locations': 1, 'impossible_travel': 2, 'ip_bursts': 0},
            'countries_seen': ['NG', 'US'], 'asns_seen': [],
            'impossible_travel': [{
                'from_time': '2026-03-06T13:30:05.000Z', 'from_ip': office_ip,
                'from_city': 'Boston', 'from_country': 'US', 'from_located_by': 'geo-db',
                'to_time': '2026-03-06T14:10:44.000Z', 'to_ip': '105.112.33.40',
                'to_city': 'Lagos', 'to_country': 'NG', 'to_located_by': 'geo-db',
                'km': 8249, 'hours': 0.68, 'kmh': 12176}, {
                'from_time': '2026-03-06T14:10:44.000Z', 'from_ip': '105.112.33.40',
                'from_city': 'Lagos', 'from_country': 'NG', 'from_located_by': 'geo-db',
                'to_time': '2026-03-06T14:12:00.000Z', 'to_ip': '203.0.113.10',
                'to_city': 'Boston', 'to_country': 'US', 'to_located_by': 'geo-db',
                'km': 8249, 'hours': 0.02, 'kmh': 390746}]}


# N. A without Entra's logs: Ken in the UAL at the office, then from Lagos 40 minutes later.
seed('anom-N')
sig = ken_to_lagos()
geo_case(ROOT + '/pos_ual_geo_db_new_country_and_travel', {
    'audit.jsonl': ual_file(sig),
    'expect.json': expect([{'severity': 'high',
                            'entities': {'users': ['ken.yamada@contosodemo.onmicrosoft.com'], 'ips': ['105.112.33.40']},
                            'summary_contains': 'signed in from Lagos (NG)',
                            'details': lagos_by_geo_db('203.0.113.10')}])})

# O. Ordinary days, UAL only, with --geo-db: a phone on T-Mobile placed in Framingham and at the
# New York gateway minutes after the office; a phone on Verizon, which the database places only
# by country (the middle of the US, 2,300 km away); a flight to San Francisco; Outlook Mobile's
# sync service signing in from Exchange Online's Dublin addresses. Nothing.
seed('anom-O')
sig = routine('emily.tran', 'emily', T('2026-02-20T13:45:00'), 12, extra=[TMO_FRAMINGHAM, TMO_NYC])
day = T('2026-03-05T13:02:00')
for i, p in enumerate([OFFICE, TMO_FRAMINGHAM, OFFICE, TMO_NYC, OFFICE, TMO_FRAMINGHAM]):
    phone = p is not OFFICE
    sig.append(signin(day + D(minutes=4 * i, seconds=17 * i), 'emily.tran', p,
                      app='owa', ua=UA_IOS if phone else UA_EDGE))
sig += routine('tom.becker', 'tom', T('2026-02-20T13:35:00'), 14, extra=[VZW_BOSTON])
day = T('2026-03-04T12:10:00')
for i, p in enumerate([OFFICE, VZW_BOSTON, OFFICE, VZW_BOSTON]):
    sig.append(signin(day + D(minutes=3 * i, seconds=11 * i), 'tom.becker', p, app='owa',
                      ua=UA_IOS if p is VZW_BOSTON else UA_EDGE))
sig.append(signin(T('2026-03-06T11:58:31'), 'tom.becker', OFFICE, app='teams'))
sig.append(signin(T('2026-03-06T19:28:10'), 'tom.becker', SF_HOTEL, app='owa'))
sig += routine('dana.whitfield', 'dana', T('2026-02-20T14:05:00'), 14)
sig += [signin(T('2026-03-05T15:20:44') + D(hours=6 * i), 'dana.whitfield', EXO_DUBLIN, app='outlookmobile',
               ua='Outlook-iOS/2.0', client='Mobile Apps and Desktop clients') for i in range(3)]
geo_case(ROOT + '/neg_ual_geo_db_phones_flight_and_sync_service', {
    'audit.jsonl': ual_file(sig), 'expect.json': expect([])})

# P. Entra's sign-ins and the UAL's copies of them: this database puts Emily's T-Mobile address
# in Chicago, where Microsoft says New York (1,150 km). Inside the span of the Entra log the UAL's
# copies are not placed by --geo-db: one sign-in, one place, and no hop between the two.
seed('anom-P')
sig = routine('emily.tran', 'emily', T('2026-02-20T13:45:00'), 12, extra=[TMO_NYC])
day = T('2026-03-05T13:02:00')
for i, p in enumerate([OFFICE, TMO_NYC, OFFICE, TMO_NYC]):
    sig.append(signin(day + D(minutes=30 * i, seconds=17 * i), 'emily.tran', p, app='owa',
                      ua=UA_IOS if p is TMO_NYC else UA_EDGE))
sig += routine('dana.whitfield', 'dana', T('2026-02-20T14:05:00'), 12)
copies = [dict(s, t=s['t'] + D(seconds=2)) for s in sig]
case = ROOT + '/neg_ual_graph_geo_db_two_sources_disagree'
geo_case(case, {'signins.json': graph_file(sig), 'audit.jsonl': ual_file(copies), 'expect.json': expect([])})
with open(case + '/city.txt', 'w') as f:
    f.write(CITY_DB.replace('172.58.200.0/24 US 40.7143 -74.0060 50 New York',
                            '172.58.200.0/24 US 41.8500 -87.6500 50 Chicago'))
mk = os.environ.get('M365_MAKE_MMDB')
if mk:
    with open(case + '/city.txt') as f:
        subprocess.run([mk, '-c', case + '/city.mmdb'], stdin=f, check=True)

# Q. Graph: Microsoft geolocates one carrier address to New York, then, twelve minutes later,
# the very same address to Chicago. One address is one place: no travel.
seed('anom-Q')
TMO_CHICAGO_SAME_IP = (TMO_NYC[0], 'Chicago', 'Illinois', 'US', 41.85003, -87.65005, 21928)
sig = routine('emily.tran', 'emily', T('2026-02-20T13:45:00'), 12, extra=[TMO_NYC])
sig.append(signin(T('2026-03-05T13:02:11'), 'emily.tran', TMO_NYC, app='owa', ua=UA_IOS))
sig.append(signin(T('2026-03-05T13:14:52'), 'emily.tran', TMO_CHICAGO_SAME_IP, app='owa', ua=UA_IOS))
write(ROOT + '/neg_graph_one_address_two_places', {'signins.json': graph_file(sig), 'expect.json': expect([])})

# R. Two Graph exports with two days missing between them, and the UAL for the whole period
# (its copies of the exported sign-ins 2 s later). The dormant account signs in from Amsterdam in
# the gap: only the UAL has it, and --geo-db places it. The copies inside the exports are not
# placed (Microsoft's place is in the export).
seed('anom-R')
sig = dana_and_marcus(16)
gap_lo, gap_hi = T('2026-03-03T00:00:00'), T('2026-03-05T00:00:00')
dormant = [signin(T('2026-03-04T22:14:31'), 'svc-archive', AMSTERDAM, app='owa', code=50079),
           signin(T('2026-03-04T22:31:02'), 'svc-archive', AMSTERDAM, app='owa')]
exported = [x for x in sig if not gap_lo <= x['t'] < gap_hi]
copies = [dict(x, t=x['t'] + D(seconds=2)) for x in sig] + dormant
geo_case(ROOT + '/pos_ual_graph_geo_db_dormant_account_in_export_gap', {
    'signins_2026-02-20_2026-03-02.json': graph_file([x for x in exported if x['t'] < gap_lo]),
    'signins_2026-03-05_2026-03-07.json': graph_file([x for x in exported if x['t'] >= gap_hi]),
    'audit.jsonl': ual_file(copies),
    'expect.json': expect([new_place('svc-archive', '77.166.40.12',
                                     'signed in from new country NL (77.166.40.12, placed by --geo-db)')])})

# S/T. Graph, with --ip-ranges: a country the tenant appears in only through cloud addresses is
# not where its people are. S: Marcus works through a jump box on an Azure VM in Amsterdam, every
# few days from the start; svc-archive, dormant, then signs in from a home ISP in Amsterdam: a
# country no person of the tenant signed in from. T: everyone works through Azure Virtual
# Desktop in Amsterdam, and so does svc-archive when it wakes up: nothing.
AZ_AMS = ('20.61.15.4', 'Amsterdam', 'North Holland', 'NL', 52.37403, 4.88969, 8075)
AZ_RANGES = '# ServiceTags, reduced: AzureCloud.westeurope\n20.61.0.0/16 AzureCloud.westeurope\n'
seed('anom-S')
sig = routine('dana.whitfield', 'dana', T('2026-02-20T14:05:00'), 14)
sig += routine('marcus.oyelaran', 'marcus', T('2026-02-20T13:50:00'), 14, extra=[AZ_AMS])
dormant = [signin(T('2026-03-05T02:41:07'), 'svc-archive', AMSTERDAM, app='owa'),
           signin(T('2026-03-05T03:10:44'), 'svc-archive', AMSTERDAM, app='owa')]
write(ROOT + '/pos_graph_dormant_account_country_seen_only_from_cloud', {
    'signins.json': graph_file(sig + dormant),
    'ranges.txt': AZ_RANGES,
    'args': '--ip-ranges\n@CASE@/ranges.txt\n',
    'expect.json': expect([new_place('svc-archive', '77.166.40.12',
                                     'a country no account of the tenant had signed in from')])})
seed('anom-T')
sig = routine('dana.whitfield', 'dana', T('2026-02-20T14:05:00'), 14, extra=[AZ_AMS])
sig += routine('marcus.oyelaran', 'marcus', T('2026-02-20T13:50:00'), 14, extra=[AZ_AMS])
at_desktop = [signin(T('2026-03-05T14:41:07'), 'svc-archive', AZ_AMS, app='owa')]
write(ROOT + '/neg_graph_dormant_account_through_the_tenants_cloud_desktop', {
    'signins.json': graph_file(sig + at_desktop),
    'ranges.txt': AZ_RANGES,
    'args': '--ip-ranges\n@CASE@/ranges.txt\n',
    'expect.json': expect([])})

# U/V. Graph: a new country after two weeks at home, travel or not. U: Aisha flies to London and
# signs in from her hotel for two days, from nowhere else, then is back at the office: a stay,
# which is what travel looks like (low). V: Ravi's session is replayed from London three times
# over a day while he keeps signing in at the office in between (no hop is too fast for a
# plane): no stay (medium).
LONDON_HOTEL = ('81.2.69.160', 'London', 'England', 'GB', 51.50853, -0.12574, 2856)
seed('anom-U')
sig = routine('aisha.khan', 'aisha', T('2026-02-20T13:35:00'), 15)
sig.append(signin(T('2026-03-06T13:02:40'), 'aisha.khan', OFFICE, app='teams'))
trip = ['2026-03-07T08:10:12', '2026-03-07T12:41:55', '2026-03-07T18:05:31', '2026-03-08T07:55:02',
        '2026-03-08T13:20:47', '2026-03-08T21:10:19', '2026-03-09T08:30:12']
sig += [signin(T(t), 'aisha.khan', LONDON_HOTEL, app=('owa', 'teams', 'officehome')[i % 3])
        for i, t in enumerate(trip)]
sig.append(signin(T('2026-03-11T13:30:08'), 'aisha.khan', OFFICE, app='teams'))
write(ROOT + '/pos_graph_business_trip_low', {
    'signins.json': graph_file(sig),
    'expect.json': expect([new_place('aisha.khan', '81.2.69.160',
                                     'signed in from new country GB / AS2856 (81.2.69.160), then '
                                     'stayed: 7 sign-ins over 48 h from there alone', 'low')])})
seed('anom-V')
sig = routine('ravi.menon', 'ravi', T('2026-02-20T13:25:00'), 15)
sig.append(signin(T('2026-03-06T19:04:10'), 'ravi.menon', HOME['ravi'], app='owa'))
for t, place in (('2026-03-07T02:30:44', LONDON_HOTEL), ('2026-03-07T13:10:05', OFFICE),
                 ('2026-03-07T23:45:31', LONDON_HOTEL), ('2026-03-08T03:10:02', LONDON_HOTEL),
                 ('2026-03-08T13:05:57', OFFICE)):
    sig.append(signin(T(t), 'ravi.menon', place, app='owa',
                      ua=UA_ATTACK if place is LONDON_HOTEL else UA_EDGE))
write(ROOT + '/pos_graph_session_replayed_abroad_between_office_days', {
    'signins.json': graph_file(sig),
    'expect.json': expect([new_place('ravi.menon', '81.2.69.160',
                                     'signed in from new country GB / AS2856 (81.2.69.160).')])})

# W/X. Graph: a dormant account's first sign-in, from a home ISP in Amsterdam, where accounts of
# the tenant had signed in before. W: only Dana had, on a three-day trip (a stay: low): nobody
# lives there, so the country is new to the tenant (medium). X: Marcus works from Amstelveen
# every day from the start; the dormant account is his rarely used admin account: nothing.
AMS_HOTEL = ('145.53.10.20', 'Amsterdam', 'North Holland', 'NL', 52.37403, 4.88969, 1136)
MARCUS_NL = ('62.45.100.8', 'Amstelveen', 'North Holland', 'NL', 52.30083, 4.86389, 1136)


def dana_in_amsterdam():
    """Dana's three days at an Amsterdam hotel (W, AS, AT)."""
    return [signin(T(t), 'dana.whitfield', AMS_HOTEL, app=('owa', 'teams', 'officehome')[i % 3])
            for i, t in enumerate(['2026-03-03T08:12:40', '2026-03-03T15:40:02', '2026-03-04T08:05:51',
                                   '2026-03-04T16:22:13', '2026-03-05T07:58:30'])]


def archive_taken_over_from_amsterdam():
    """The dormant svc-archive's first sign-ins, from a home ISP in Amsterdam (W, AS, AT)."""
    return [signin(T('2026-03-06T21:44:09'), 'svc-archive', AMSTERDAM, app='owa'),
            signin(T('2026-03-06T22:03:31'), 'svc-archive', AMSTERDAM, app='owa')]


def expect_new_where_only_visited():
    return expect([new_place('svc-archive', '77.166.40.12',
                             'signed in from new country NL (77.166.40.12), a country '
                             'accounts of the tenant had signed in from but none lives in')])


def new_where_dana_only_visited(name, marcus_start, marcus_days, dana):
    """Marcus at the office and home, Dana's sign-ins around her Amsterdam trip (dana(), called
    after Marcus's days are made), and the dormant svc-archive taken over from Amsterdam: new
    there, for Dana only visited (AS, AT, AY)."""
    sig = routine('marcus.oyelaran', 'marcus', T(marcus_start), marcus_days)
    sig += dana()
    write(ROOT + '/' + name, {
        'signins.json': graph_file(sig + archive_taken_over_from_amsterdam()),
        'expect.json': expect_new_where_only_visited()})


seed('anom-W')
sig = dana_and_marcus(10, 14)
sig += dana_in_amsterdam()
sig.append(signin(T('2026-03-07T14:02:11'), 'dana.whitfield', OFFICE, app='teams'))
dormant = archive_taken_over_from_amsterdam()
write(ROOT + '/pos_graph_dormant_account_where_a_colleague_travelled', {
    'signins.json': graph_file(sig + dormant),
    'expect.json': expect([new_place('svc-archive', '77.166.40.12',
                                     'signed in from new country NL (77.166.40.12), a country '
                                     'accounts of the tenant had signed in from but none lives in'),
                           new_place('dana.whitfield', '145.53.10.20',
                                     'then stayed: 5 sign-ins over 48 h from there alone', 'low')])})
seed('anom-X')
sig = routine('dana.whitfield', 'dana', T('2026-02-20T14:05:00'), 14)
sig += [signin(T('2026-02-20T08:10:00') + D(days=d, minutes=(d * 17) % 45), 'marcus.oyelaran', MARCUS_NL,
               app=('owa', 'teams', 'officehome')[d % 3]) for d in range(14)]
dormant = [signin(T('2026-03-06T09:14:52'), 'adm-marcus', MARCUS_NL, app='portal'),
           signin(T('2026-03-06T09:31:20'), 'adm-marcus', MARCUS_NL, app='portal')]
write(ROOT + '/neg_graph_dormant_admin_account_in_the_country_its_owner_lives_in', {
    'signins.json': graph_file(sig + dormant),
    'expect.json': expect([])})

# Y. Graph: two dormant accounts taken over from Amsterdam a day apart. The first makes the
# country known to the tenant, but a late account does not live anywhere for the tenant: both
# are new there.
seed('anom-Y')
sig = dana_and_marcus(15)
dormant = [signin(T('2026-03-05T02:41:07'), 'svc-archive', AMSTERDAM, app='owa'),
           signin(T('2026-03-05T03:10:44'), 'svc-archive', AMSTERDAM, app='owa'),
           signin(T('2026-03-06T01:12:30'), 'payroll', AMSTERDAM, app='owa'),
           signin(T('2026-03-06T01:40:02'), 'payroll', AMSTERDAM, app='owa')]
write(ROOT + '/pos_graph_two_dormant_accounts_from_one_country', {
    'signins.json': graph_file(sig + dormant),
    'expect.json': expect([{'severity': 'medium',
                            'entities': {'users': ['svc-archive@contosodemo.onmicrosoft.com'], 'ips': ['77.166.40.12']},
                            'summary_contains': 'a country no account of the tenant had signed in from'},
                           {'severity': 'medium',
                            'entities': {'users': ['payroll@contosodemo.onmicrosoft.com'], 'ips': ['77.166.40.12']},
                            'summary_contains': 'a country accounts of the tenant had signed in from but none '
                                                'lives in'}])})

# Z. Graph: Ken's session hijacked from a VPS in Frankfurt, twice within twenty minutes, under
# five hours before he signs in at the office. His second sign-in from Frankfurt finds Germany
# already known, so both ends of the hop to Boston are known: the end whose country his own
# sign-ins rarely come from (two, from the VPS, against ten from home and the office) is named,
# not the office (a responder would block it, and the incident would count his reads from there
# as the attacker's).
DO_FRA = ('159.89.204.10', 'Frankfurt am Main', 'Hesse', 'DE', 50.11552, 8.68417, 14061)
seed('anom-Z')
sig = routine('ken.yamada', 'ken', T('2026-02-20T13:40:00'), 9)
sig += [signin(T('2026-02-24T08:44:33'), 'ken.yamada', DO_FRA, app='portal', ua=UA_ATTACK),
        signin(T('2026-02-24T09:05:03'), 'ken.yamada', DO_FRA, app='exops', ua=UA_ATTACK),
        signin(T('2026-02-24T14:03:37'), 'ken.yamada', HOME['ken'], app='owa')]
write(ROOT + '/pos_graph_session_hijacked_twice_then_the_office', {
    'signins.json': graph_file(sig),
    'expect.json': expect([{'severity': 'medium',
                            'entities': {'users': ['ken.yamada@contosodemo.onmicrosoft.com'], 'ips': ['159.89.204.10']},
                            'summary_contains': 'signed in from Boston (US) 5897 km and 4.6 h after Frankfurt',
                            'details': {'counts': {'new_locations': 0, 'impossible_travel': 1, 'ip_bursts': 0}}}])})

# AA/AB. Token refreshes in a new country's run. AA: Tom signs in once from a London hotel,
# then his laptop refreshes its tokens there from the same address for fourteen hours: a stay
# (low). AB: Emily's session is replayed from London once, then refreshed from the same address
# for fourteen hours, while her laptop at home refreshes its own tokens: the first of those ends
# the run (medium).
seed('anom-AA')
sig = routine('tom.becker', 'tom', T('2026-02-20T13:30:00'), 15)
sig.append(signin(T('2026-03-07T08:10:12'), 'tom.becker', LONDON_HOTEL, app='officehome'))
sig += [signin(T('2026-03-07T08:40:00') + D(minutes=90 * k), 'tom.becker', LONDON_HOTEL,
               app=('office', 'teams')[k % 2], interactive=False) for k in range(10)]
sig.append(signin(T('2026-03-09T13:30:08'), 'tom.becker', OFFICE, app='teams'))
write(ROOT + '/pos_graph_business_trip_one_signin_then_refreshes_low', {
    'signins.json': graph_file(sig),
    'expect.json': expect([new_place('tom.becker', '81.2.69.160',
                                     'then stayed: 11 sign-ins over 14 h from there alone', 'low')])})
seed('anom-AB')
sig = routine('emily.tran', 'emily', T('2026-02-20T13:45:00'), 15)
sig.append(signin(T('2026-03-06T19:04:10'), 'emily.tran', HOME['emily'], app='owa'))
sig.append(signin(T('2026-03-07T02:30:44'), 'emily.tran', LONDON_HOTEL, app='owa', ua=UA_ATTACK))
sig += [signin(T('2026-03-07T03:00:00') + D(minutes=90 * k), 'emily.tran', LONDON_HOTEL,
               app='owa', ua=UA_ATTACK, interactive=False) for k in range(10)]
sig += [signin(T('2026-03-07T06:20:00') + D(minutes=120 * k), 'emily.tran', HOME['emily'],
               app=('office', 'teams')[k % 2], interactive=False) for k in range(6)]
write(ROOT + '/pos_graph_session_replayed_while_the_laptop_refreshes_at_home', {
    'signins.json': graph_file(sig),
    'expect.json': expect([new_place('emily.tran', '81.2.69.160',
                                     'signed in from new country GB / AS2856 (81.2.69.160).')])})

# AC-AG: a session carried to another device. Single sign-on alone ("Previously satisfied") is
# what a device that already holds the user's token does; on a device the user had never signed
# in with, from a country new to them, at an address where no credential was given, the token
# was made elsewhere: a stolen session, in the user's first week too (no baseline yet).
BT_LONDON = ('86.146.73.108', 'London', 'England', 'GB', 51.50853, -0.12574, 2856)
ATTACK_DEV = ('Windows10', 'Chrome 121.0.0', '')
CARRIED = 'by single sign-on alone on a device the user had not signed in with (Windows10, Chrome 121.0.0): a token made elsewhere'


def first_week(who, home, start):
    """Five working days at the office and at home on the laptop (Windows10, Edge 133), the
    password typed each morning and single sign-on after it."""
    sig = []
    for d in range(5):
        t = start + D(days=d, minutes=(d * 13) % 50)
        p = (OFFICE, HOME[home])[d % 2]
        sig.append(signin(t, who, p, app='officehome'))
        sig.append(signin(t + D(hours=2, minutes=7), who, p, app=('owa', 'teams')[d % 2], sso=True))
    return sig


# AC. Ken's fourth day in the evidence: a sign-in from London at 02:30 by single sign-on alone,
# on Windows10 / Chrome 121 (his laptop runs Edge 133): medium, though he has no baseline.
seed('anom-AC')
sig = first_week('ken.yamada', 'ken', T('2026-03-02T13:40:00'))
sig.append(signin(T('2026-03-05T02:31:17'), 'ken.yamada', BT_LONDON, app='owa', ua=UA_ATTACK,
                  sso=True, dev=ATTACK_DEV))
sig += first_week('dana.whitfield', 'dana', T('2026-03-02T14:05:00'))
write(ROOT + '/pos_graph_first_week_session_carried_to_another_device', {
    'signins.json': graph_file(sig),
    'expect.json': expect([{'severity': 'medium',
                            'entities': {'users': ['ken.yamada@contosodemo.onmicrosoft.com'], 'ips': ['86.146.73.108']},
                            # No baseline yet: the new ASN is not reported, the country is.
                            'summary_contains': 'signed in from new country GB (86.146.73.108), ' + CARRIED,
                            'details': {'counts': {'new_locations': 1, 'impossible_travel': 0, 'ip_bursts': 0},
                                        'new_locations': [{
                                            'time': '2026-03-05T02:31:17.000Z', 'ip': '86.146.73.108',
                                            'city': 'London', 'country': 'GB', 'new_country': True,
                                            'asn': 2856, 'new_asn': False, 'new_to_tenant': False,
                                            'tenant_visited': False,
                                            'mfa_enrolment_asked': False,
                                            'user_first_days': False,
                                            'stay': False, 'stay_signins': 1, 'stay_hours': 0,
                                            'session_carried': True,
                                            'device': {'os': 'Windows10', 'browser': 'Chrome 121.0.0'},
                                            'first_signin_from_address': None}]}}])})

# AD. Tom's first week: a trip to London, where his laptop signs in by single sign-on alone. Edge
# updated itself to 134 on the way: the same device, at a later version.
seed('anom-AD')
sig = first_week('tom.becker', 'tom', T('2026-03-02T13:30:00'))
sig += [signin(T('2026-03-07T08:10:12') + D(hours=3 * k), 'tom.becker', LONDON_HOTEL,
               app=('owa', 'teams')[k % 2], sso=True, dev=('Windows10', 'Edge 134.0.0', ''))
        for k in range(2)]
write(ROOT + '/neg_graph_first_week_trip_laptop_updated_single_sign_on', {
    'signins.json': graph_file(sig), 'expect.json': expect([])})

# AE. Emily's first week: on Saturday in Amsterdam she opens Outlook on the web on her phone, registered with
# the tenant (a device id), by single sign-on alone; she had only used her laptop before.
seed('anom-AE')
sig = first_week('emily.tran', 'emily', T('2026-03-02T13:45:00'))
sig.append(signin(T('2026-03-07T09:02:40'), 'emily.tran', AMSTERDAM, app='owa', ua=UA_IOS, sso=True,
                  dev=('Ios', 'Mobile Safari 17.3', '6f1c2e4a-93b7-4d0e-8a51-2c7d9e0b4f18')))
write(ROOT + '/neg_graph_first_week_trip_registered_phone_single_sign_on', {
    'signins.json': graph_file(sig), 'expect.json': expect([])})

# AF. Marcus's first week: on Saturday in Frankfurt, on a borrowed MacBook, he types his password
# in Safari and is asked "keep me signed in?" (50140); the sign-in that completes it is single
# sign-on with the token just made there.
seed('anom-AF')
sig = first_week('marcus.oyelaran', 'marcus', T('2026-03-02T13:20:00'))
mac = ('MacOs', 'Safari 18.3', '')
ua_mac = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Safari/605.1.15'
sig.append(signin(T('2026-03-07T08:15:03'), 'marcus.oyelaran', FRANKFURT, app='owa', code=50140, ua=ua_mac, dev=mac))
sig.append(signin(T('2026-03-07T08:15:09'), 'marcus.oyelaran', FRANKFURT, app='owa', ua=ua_mac, sso=True, dev=mac))
write(ROOT + '/neg_graph_first_week_trip_new_device_password_typed', {
    'signins.json': graph_file(sig), 'expect.json': expect([])})

# AG. After a baseline: Ravi's session carried to London on a Saturday, used five times over
# fifteen hours while his laptop is shut. A traveller's stay would be low; his own device is not
# there, so it stays medium.
seed('anom-AG')
sig = routine('ravi.menon', 'ravi', T('2026-02-20T13:50:00'), 15)
sig += [signin(T('2026-03-07T01:12:09') + D(hours=3, minutes=41) * k, 'ravi.menon', BT_LONDON,
               app=('owa', 'officehome')[k % 2], ua=UA_ATTACK, sso=True, dev=ATTACK_DEV)
        for k in range(5)]
sig.append(signin(T('2026-03-09T13:31:40'), 'ravi.menon', OFFICE, app='teams'))
write(ROOT + '/pos_graph_session_carried_to_another_device_not_a_stay', {
    'signins.json': graph_file(sig),
    'expect.json': expect([new_place('ravi.menon', '86.146.73.108',
                                     'signed in from new country GB / AS2856 (86.146.73.108), ' + CARRIED)])})

# AH. A two-day export whose first sign-in of Ken's is a session replayed from Singapore; five
# hours later he signs in at the office, where four colleagues sign in too. Neither end was his
# before the hop, and his sign-ins from each are too few to tell: the office, a network the
# tenant's accounts share, is where he was, so only Singapore's address is named (config.sh
# checks the list: a responder blocks what a finding names, and an incident would count the
# office's mail reads as the attacker's).
SINGAPORE = ('116.87.251.48', 'Singapore', 'Central Singapore', 'SG', 1.28967, 103.85007, 9506)
seed('anom-AH')
sig = [signin(T('2026-03-09T03:12:40'), 'ken.yamada', SINGAPORE, app='owa', ua=UA_ATTACK, sso=True,
              dev=ATTACK_DEV),
       signin(T('2026-03-09T13:41:05'), 'ken.yamada', OFFICE, app='officehome'),
       signin(T('2026-03-10T13:52:30'), 'ken.yamada', OFFICE_POOL[1], app='teams', sso=True)]
for k, who in enumerate(('dana.whitfield', 'emily.tran', 'tom.becker', 'marcus.oyelaran')):
    sig += [signin(T('2026-03-09T13:20:00') + D(days=d, minutes=7 * k), who, OFFICE_POOL[(k + d) % 6],
                   app=('officehome', 'teams')[d]) for d in range(2)]
write(ROOT + '/pos_graph_replayed_before_the_first_day_at_a_shared_office', {
    'signins.json': graph_file(sig),
    'expect.json': expect([{'severity': 'medium',
                            'entities': {'users': ['ken.yamada@contosodemo.onmicrosoft.com'], 'ips': ['116.87.251.48']},
                            'summary_contains': 'signed in from Boston (US)',
                            'details': {'counts': {'new_locations': 0, 'impossible_travel': 1, 'ip_bursts': 0}}}])})

# AI. N's story placed by the free ip-location-db city databases: flat records (country_code,
# city, latitude, longitude) in two files, IPv4 and IPv6, both given to --geo-db. Ken's sign-in
# at the office before Lagos comes over its IPv6 network, which only the second file holds.
FLAT4_DB = ('# ip-location-db style IPv4 file (make_mmdb -f -4): CIDR COUNTRY LAT LON RADIUS CITY\n'
            '203.0.113.0/24 US 42.3584 -71.0598 0 Boston\n'
            '198.51.100.0/24 US 42.3601 -71.0589 0 Boston\n'
            '105.112.0.0/16 NG 6.4541 3.3947 0 Lagos\n')
FLAT6_DB = ('# ip-location-db style IPv6 file (make_mmdb -f): CIDR COUNTRY LAT LON RADIUS CITY\n'
            '2001:db8:4a1::/48 US 42.3584 -71.0598 0 Boston\n')
OFFICE6 = ('2001:db8:4a1::25', 'Boston', 'Massachusetts', 'US', 42.35843, -71.05978, 7922)
seed('anom-AI')
sig = routine('ken.yamada', 'ken', T('2026-02-20T13:40:00'), 15)
sig.append(signin(T('2026-03-06T13:30:05'), 'ken.yamada', OFFICE6, app='teams'))
sig.append(signin(T('2026-03-06T14:10:44'), 'ken.yamada', LAGOS, app='officehome', ua=UA_ATTACK))
sig += routine('dana.whitfield', 'dana', T('2026-02-20T14:05:00'), 15)
case = ROOT + '/pos_ual_ip_location_db_two_files_new_country_and_travel'
write(case, {'city4.txt': FLAT4_DB, 'city6.txt': FLAT6_DB,
             'args': '--geo-db\n@CASE@/city4.mmdb\n--geo-db\n@CASE@/city6.mmdb\n',
             'audit.jsonl': ual_file(sig),
             'expect.json': expect([{
                 'severity': 'high',
                 'entities': {'users': ['ken.yamada@contosodemo.onmicrosoft.com'], 'ips': ['105.112.33.40']},
                 'summary_contains': 'signed in from Lagos (NG)',
                 'details': lagos_by_geo_db('2001:db8:4a1::25')}])})
mk = os.environ.get('M365_MAKE_MMDB')
for name, flags in (('city4', ['-f', '-4']), ('city6', ['-f'])):
    if mk:
        with open('%s/%s.txt' % (case, name)) as f:
            subprocess.run([mk] + flags + ['%s/%s.mmdb' % (case, name)], stdin=f, check=True)
    elif not os.path.exists('%s/%s.mmdb' % (case, name)):
        sys.exit('set M365_MAKE_MMDB to a built tests/tools/make_mmdb to create %s/%s.mmdb' % (case, name))

# AJ/AK. Token refreshes before the first sign-in from a new country. AJ: Marcus's phone (Outlook
# for iOS, which syncs from home every evening) refreshes its tokens from a Paris hotel from 02:20,
# his laptop signs in there with his password and MFA at 16:25 and refreshes until 21:40, and he
# is back the next day: the phone was there fourteen hours before the laptop, nothing came from
# anywhere else in between, so the stay is 19 hours (low). From the laptop's sign-in alone it
# would be five (medium). AK: the same refreshes and sign-in come from a client Marcus never used
# (a scripted token replay): they do not start the stay (medium).
PARIS_HOTEL = ('90.35.131.217', 'Paris', 'Ile-de-France', 'FR', 48.85341, 2.3488, 3215)
UA_OUTLOOK_IOS = 'Outlook-iOS/2.0'
for tag, phone_ua, name, sev, summary in (
        ('AJ', UA_OUTLOOK_IOS, 'pos_graph_trip_phone_syncs_at_the_hotel_before_the_laptop_low', 'low',
         'then stayed: 9 sign-ins over 19 h from there alone'),
        ('AK', 'python-requests/2.31.0', 'pos_graph_refreshes_by_a_new_client_before_a_sign_in_abroad', 'medium',
         'signed in from new country FR / AS3215 (90.35.131.217).')):
    seed('anom-' + tag)
    sig = routine('marcus.oyelaran', 'marcus', T('2026-02-20T13:20:00'), 15)
    sig += [signin(T('2026-02-20T20:05:00') + D(days=k), 'marcus.oyelaran', HOME['marcus'], app='outlookmobile',
                   ua=UA_OUTLOOK_IOS, client='Mobile Apps and Desktop clients', interactive=False)
            for k in range(15)]
    sig += [signin(T('2026-03-07T02:20:14') + D(minutes=95 * k), 'marcus.oyelaran', PARIS_HOTEL,
                   app='outlookmobile' if phone_ua == UA_OUTLOOK_IOS else 'office', ua=phone_ua,
                   client='Mobile Apps and Desktop clients', interactive=False) for k in range(4)]
    sig.append(signin(T('2026-03-07T16:25:19'), 'marcus.oyelaran', PARIS_HOTEL, app='owa'))
    sig += [signin(T('2026-03-07T17:40:00') + D(minutes=80 * k), 'marcus.oyelaran', PARIS_HOTEL,
                   app=('office', 'teams')[k % 2], interactive=False) for k in range(4)]
    sig.append(signin(T('2026-03-08T14:02:51'), 'marcus.oyelaran', OFFICE, app='teams'))
    write(ROOT + '/' + name, {
        'signins.json': graph_file(sig),
        'expect.json': expect([{'severity': sev,
                                'entities': {'users': ['marcus.oyelaran@contosodemo.onmicrosoft.com'], 'ips': ['90.35.131.217']},
                                'summary_contains': summary,
                                'details': {'counts': {'new_locations': 1, 'impossible_travel': 0, 'ip_bursts': 0}}}])})

# AL. AJ's trip the other way round: Marcus's laptop signs in at the Paris hotel at 16:25 and
# refreshes until 21:40; his phone's Outlook syncs from the same address through the night and
# the next morning, and he is back the day after. The phone at the very address extends the
# stay (Outlook Mobile's service, which signs in from Microsoft's addresses, never would): 15 h
# (low).
seed('anom-AL')
sig = routine('marcus.oyelaran', 'marcus', T('2026-02-20T13:20:00'), 15)
sig += [signin(T('2026-02-20T20:05:00') + D(days=k), 'marcus.oyelaran', HOME['marcus'], app='outlookmobile',
               ua=UA_OUTLOOK_IOS, client='Mobile Apps and Desktop clients', interactive=False) for k in range(15)]
sig.append(signin(T('2026-03-07T16:25:19'), 'marcus.oyelaran', PARIS_HOTEL, app='owa'))
sig += [signin(T('2026-03-07T17:40:00') + D(minutes=80 * k), 'marcus.oyelaran', PARIS_HOTEL,
               app=('office', 'teams')[k % 2], interactive=False) for k in range(4)]
sig += [signin(T('2026-03-08T01:10:33') + D(minutes=100 * k), 'marcus.oyelaran', PARIS_HOTEL, app='outlookmobile',
               ua=UA_OUTLOOK_IOS, client='Mobile Apps and Desktop clients', interactive=False) for k in range(5)]
sig.append(signin(T('2026-03-09T14:02:51'), 'marcus.oyelaran', OFFICE, app='teams'))
write(ROOT + '/pos_graph_trip_phone_syncs_at_the_hotel_after_the_laptop_low', {
    'signins.json': graph_file(sig),
    'expect.json': expect([new_place('marcus.oyelaran', '90.35.131.217',
                                     'then stayed: 10 sign-ins over 15 h from there alone', 'low')])})

# AM. An account without an MFA method, early in the evidence: svc-archive's password is proved
# from Amsterdam a day after the export begins, and Entra asks it to enrol in MFA (50079); it
# signs in there six minutes later and again the next night. A day is too soon to call it
# dormant by its silence (tenant_baseline, 3 days), but no account in everyday use of a tenant
# that asks for MFA lacks a method: judged as a dormant one, once every sign-in is read. Ravi,
# asked to enrol at the office that morning (the helpdesk reset his phone), is where the tenant
# lives: quiet.
seed('anom-AM')
sig = dana_and_marcus(15)
sig += [signin(T('2026-02-21T08:58:12'), 'ravi.menon', OFFICE, code=50079),
        signin(T('2026-02-21T09:03:40'), 'ravi.menon', OFFICE, app='mysignins')]
sig += routine('ravi.menon', 'ravi', T('2026-02-22T13:35:00'), 12)
sig += [signin(T('2026-02-21T02:41:07'), 'svc-archive', AMSTERDAM, code=50079, ua=UA_ATTACK),
        signin(T('2026-02-21T02:47:31'), 'svc-archive', AMSTERDAM, app='mysignins', ua=UA_ATTACK),
        signin(T('2026-02-22T01:12:30'), 'svc-archive', AMSTERDAM, app='owa', ua=UA_ATTACK)]
write(ROOT + '/pos_graph_account_without_mfa_first_signin_abroad_early', {
    'signins.json': graph_file(sig),
    'expect.json': expect([new_place('svc-archive', '77.166.40.12',
                                     'signed in from new country NL (77.166.40.12), a country no account '
                                     'of the tenant had signed in from, with no sign-in history of its own '
                                     'and no MFA method (asked to enrol first)')])})

# AN. A new hire abroad: Olivia, created on the export's second day to work from Lisbon, where
# nobody of the tenant signs in, is asked to enrol in MFA at her first sign-in there and signs
# in from Lisbon every day after. Being asked to enrol is what a new account is ("Add user" in
# the directory audit log, a day before): quiet, as AM's account would be were it created then.
LISBON = ('85.240.14.60', 'Lisbon', 'Lisbon', 'PT', 38.71667, -9.13333, 3243)
seed('anom-AN')
sig = dana_and_marcus(15)
sig += [signin(T('2026-02-22T09:05:51'), 'olivia.park', LISBON, code=50079),
        signin(T('2026-02-22T09:11:02'), 'olivia.park', LISBON, app='mysignins')]
sig += [signin(T('2026-02-22T13:20:00') + D(days=d, minutes=(d * 11) % 40), 'olivia.park', LISBON,
               app=('owa', 'teams', 'officehome')[d % 3]) for d in range(10)]
aud = [graph_add_user(T('2026-02-21T16:12:40'), 'tom.becker', 'olivia.park', 2830417)]
write(ROOT + '/neg_graph_new_hire_abroad_asked_to_enrol', {
    'signins.json': graph_file(sig),
    'directoryAudits.json': graph_page(aud, 'directoryAudits'),
    'expect.json': expect([])})
# The same evidence with new_account set to an hour: Olivia, created 17 hours before she is asked
# to enrol, is no longer a new hire, and her first place is judged as an unenrolled account's.
write(ROOT + '/pos_graph_config_new_account_1h_new_hire_abroad', {
    'signins.json': graph_file(sig),
    'directoryAudits.json': graph_page(aud, 'directoryAudits'),
    'new_account.yaml': 'rules:\n  anomalous-signin-location:\n    new_account: 1h\n',
    'args': '--config\n@CASE@/new_account.yaml\n',
    'expect.json': expect([{'severity': 'medium',
                            'entities': {'users': ['olivia.park@contosodemo.onmicrosoft.com'], 'ips': ['85.240.14.60']},
                            'summary_contains': 'signed in from new country PT (85.240.14.60), a country no account '
                                                'of the tenant had signed in from, with no sign-in history of its own '
                                                'and no MFA method (asked to enrol first)'}])})
# The same new hire where the directory audit log was not exported but a tenant snapshot was:
# the snapshot's createdDateTime says she is new.
olivia = user('olivia.park')
users = {'@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users(id,displayName,'
                           'userPrincipalName,accountEnabled,userType,createdDateTime,signInActivity)',
         'value': [{'id': olivia['id'], 'displayName': olivia['name'], 'userPrincipalName': olivia['upn'],
                    'accountEnabled': True, 'userType': 'Member', 'createdDateTime': '2026-02-21T16:12:40Z',
                    'signInActivity': {'lastSignInDateTime': '2026-03-03T13:42:00Z',
                                       'lastSignInRequestId': gid(),
                                       'lastNonInteractiveSignInDateTime': '2026-03-03T21:10:14Z',
                                       'lastNonInteractiveSignInRequestId': gid(),
                                       'lastSuccessfulSignInDateTime': '2026-03-03T13:42:00Z',
                                       'lastSuccessfulSignInRequestId': gid()}}]}
write(ROOT + '/neg_graph_new_hire_abroad_created_per_snapshot', {
    'signins.json': graph_file(sig),
    'users.json': json.dumps(users, indent=1) + '\n',
    'expect.json': expect([])})


def replay_and_a_trip(day0, days, tom_days, replay, lisbon, tom_back, tom_back_days):
    """Dana, Marcus and Ken at the office and home for days from day0, Ken's session replayed
    from London at replay; Tom there for tom_days, in Lisbon at the two times lisbon, back at
    tom_back for tom_back_days."""
    sig = []
    for who, home, hm in (('dana.whitfield', 'dana', '14:05'), ('marcus.oyelaran', 'marcus', '13:50'),
                          ('ken.yamada', 'ken', '13:40')):
        sig += routine(who, home, T('%sT%s:00' % (day0, hm)), days)
    sig += routine('tom.becker', 'tom', T(day0 + 'T13:30:00'), tom_days)
    sig += [signin(T(replay), 'ken.yamada', BT_LONDON, app='owa', ua=UA_ATTACK, dev=ATTACK_DEV),
            signin(T(lisbon[0]), 'tom.becker', LISBON, app='owa'),
            signin(T(lisbon[1]), 'tom.becker', LISBON, app='teams')]
    return sig + routine('tom.becker', 'tom', T(tom_back + 'T13:30:00'), tom_back_days)


# AO. A session replayed abroad in the user's first days: Ken's sign-ins begin with the export
# (2026-02-20); on the fifth day, before dawn in Boston, his phished session signs in from
# London, where nobody of the tenant signs in, password and MFA passed by the phishing proxy;
# six hours later he signs in at the office. No baseline of his own yet (7 days), but nobody of
# the tenant lives in Britain: new to him as it would be with one. Tom, also in his
# first days, flies to Lisbon for two days and signs in there twice: a traveller, away longer
# than stay_span, is not reported without a baseline of his own.
seed('anom-AO')
sig = replay_and_a_trip('2026-02-20', 12, 4, '2026-02-24T02:31:17', ('2026-02-24T19:05:40', '2026-02-25T09:12:03'),
                        '2026-02-27', 5)
write(ROOT + '/pos_graph_first_days_session_replayed_abroad_between_office_days', {
    'signins.json': graph_file(sig),
    'expect.json': expect([new_place('ken.yamada', '86.146.73.108',
                                     'signed in from new country GB (86.146.73.108), a country no account '
                                     'of the tenant signs in from, in the user\'s first days in the evidence')])})

# AP. An export of two days that begins with the attacker: Ken's first sign-ins of the evidence
# are his phished session's, from Frankfurt before dawn in Boston; four hours later he signs in
# at the office, where Dana, Marcus and Tom sign in too. Impossible travel, and the end new to
# Ken is the office, but it is the network the tenant signs in from: the finding names the
# Frankfurt address, not the office (a responder blocks what a finding names, and the incident
# reads mail through it).
seed('anom-AP')
sig = []
for who in ('dana.whitfield', 'marcus.oyelaran', 'tom.becker'):
    sig += [signin(T('2026-03-09T13:05:00') + D(days=d, minutes=7 * d), who, OFFICE, app='owa')
            for d in range(2)]
sig += [signin(T('2026-03-09T08:31:12'), 'ken.yamada', FRANKFURT, app='owa', ua=UA_ATTACK, dev=ATTACK_DEV),
        signin(T('2026-03-09T10:10:37'), 'ken.yamada', FRANKFURT, app='officehome', ua=UA_ATTACK, dev=ATTACK_DEV),
        signin(T('2026-03-09T14:02:21'), 'ken.yamada', OFFICE, app='owa'),
        signin(T('2026-03-10T13:44:02'), 'ken.yamada', OFFICE, app='teams')]
write(ROOT + '/pos_graph_export_begins_with_the_attacker_names_the_attacker_end', {
    'signins.json': graph_file(sig),
    'expect.json': expect([{'entities': {'users': ['ken.yamada@contosodemo.onmicrosoft.com'], 'ips': ['91.64.120.7']},
                            'entities_absent': {'ips': ['203.0.113.10']},
                            'details': {'counts': {'new_locations': 0, 'impossible_travel': 1, 'ip_bursts': 0}}}])})

# AQ. A Sydney office on Telstra (AS1221), whose staff's phones are on Telstra too: Ken's phone
# syncs at 08:22 from an address Telstra's records place in Melbourne, and at 08:39 he signs in
# at the office in Sydney, 713 km away. One provider's addresses in one country are placed at
# whichever of its gateways: no journey, no finding. (Before, impossible travel at 2,501 km/h.)
SYD_OFFICE = ('203.0.113.109', 'Sydney', 'New South Wales', 'AU', -33.86785, 151.20732, 1221)
TELSTRA_MEL = ('1.125.77.77', 'Melbourne', 'Victoria', 'AU', -37.814, 144.96332, 1221)
OPTUS_MEL = ('49.180.20.33', 'Melbourne', 'Victoria', 'AU', -37.814, 144.96332, 4804)


def sydney_days(phone):
    out = []
    for d in range(6):
        day = T('2026-03-09T21:30:00') + D(days=d)
        for i, who in enumerate(('dana.whitfield', 'marcus.oyelaran', 'tom.becker', 'ken.yamada')):
            out.append(signin(day + D(minutes=11 * i + d), who, SYD_OFFICE, app=['owa', 'teams'][(d + i) % 2]))
    out.append(signin(T('2026-03-13T21:22:36'), 'ken.yamada', phone, app='outlookmobile', ua=UA_OUTLOOK_IOS))
    out.append(signin(T('2026-03-13T21:39:42'), 'ken.yamada', SYD_OFFICE, app='officehome'))
    return out


seed('anom-AQ')
write(ROOT + '/neg_graph_phone_on_the_office_carrier_placed_at_another_gateway', {
    'signins.json': graph_file(sydney_days(TELSTRA_MEL)),
    'expect.json': expect([])})
# The same phone on another provider (Optus), placed in Melbourne: nothing says the two places
# are one network's gateways, and the hop is reported as before (medium).
seed('anom-AR')
write(ROOT + '/pos_graph_phone_on_another_provider_placed_at_another_city', {
    'signins.json': graph_file(sydney_days(OPTUS_MEL)),
    'expect.json': expect([{'severity': 'medium',
                            'entities': {'users': ['ken.yamada@contosodemo.onmicrosoft.com']},
                            'details': {'counts': {'new_locations': 0, 'impossible_travel': 1, 'ip_bursts': 0}}}])})

# Q. Graph: a remote worker who lives in Atlanta turns on the corporate VPN, whose exit is the
# Boston office's network (five colleagues sign in from it): home -> office -> home in 75 minutes
# is the VPN, not travel. The same hop from an Atlanta address the user had never signed in
# from (an attacker's residential proxy while the user is at the office) is still impossible
# travel.
seed('anom-Q')
ATLANTA_HOME = ('24.10.224.53', 'Atlanta', 'Georgia', 'US', 33.749, -84.38798, 7922)
ATLANTA_PROXY = ('68.58.141.77', 'Atlanta', 'Georgia', 'US', 33.749, -84.38798, 7922)
sig = []
for i, (who, home) in enumerate((('tom.becker', 'tom'), ('emily.tran', 'emily'), ('marcus.oyelaran', 'marcus'),
                                 ('aisha.khan', 'aisha'), ('dana.whitfield', 'dana'))):
    for d in range(8):
        t = T('2026-03-02T13:%02d:00' % (5 + 7 * i)) + D(days=d)
        sig.append(signin(t, who, OFFICE_POOL[i], app=('officehome', 'owa', 'teams')[d % 3]))
        sig.append(signin(t + D(hours=9), who, HOME[home], app='owa'))
for d in range(8):
    sig.append(signin(T('2026-03-02T14:12:00') + D(days=d), 'ravi.menon', ATLANTA_HOME,
                      app=('officehome', 'owa', 'teams')[d % 3]))
vpn = [signin(T('2026-03-09T17:18:47'), 'ravi.menon', ATLANTA_HOME, app='owa'),
       signin(T('2026-03-09T18:09:06'), 'ravi.menon', OFFICE_POOL[5], app='officehome'),
       signin(T('2026-03-09T18:33:06'), 'ravi.menon', ATLANTA_HOME, app='teams')]
write(ROOT + '/neg_graph_remote_worker_on_the_office_vpn', {
    'signins.json': graph_file(sig + vpn), 'expect.json': expect([])})
proxy = [signin(T('2026-03-09T14:02:10'), 'tom.becker', OFFICE_POOL[0], app='owa'),
         signin(T('2026-03-09T14:41:52'), 'tom.becker', ATLANTA_PROXY, app='owa', ua=UA_ATTACK)]
write(ROOT + '/pos_graph_office_then_an_address_new_far_away', {
    'signins.json': graph_file(sig + proxy),
    'expect.json': expect([{'severity': 'medium',
                            'entities': {'users': ['tom.becker@contosodemo.onmicrosoft.com'],
                                         'ips': [ATLANTA_PROXY[0]]},
                            'entities_absent': {'ips': [OFFICE_POOL[0][0]]},
                            'details': {'counts': {'new_locations': 0, 'impossible_travel': 1,
                                                   'ip_bursts': 0}}}])})

# AQ. A session replayed abroad on a Friday evening in the user's first days: Ken's sign-ins
# begin on Monday 2026-02-23 (Dana's and Marcus's with the export, on the 20th); on Friday the
# 27th, at 18:48 in Boston, his phished session signs in once from London, and Ken himself does
# not sign in again before Monday. A traveller is away longer and signs in where he is more than
# once (Tom, case AO); one sign-in and then the weekend is the session's shape. It was dropped as
# a traveller's before, for Ken was not seen elsewhere within stay_span.
seed('anom-AQ')
sig = dana_and_marcus(12)
sig += routine('ken.yamada', 'ken', T('2026-02-23T13:40:00'), 5)
sig += [signin(T('2026-02-27T23:48:31'), 'ken.yamada', BT_LONDON, app='owa', ua=UA_ATTACK, dev=ATTACK_DEV)]
sig += routine('ken.yamada', 'ken', T('2026-03-02T13:40:00'), 3)
write(ROOT + '/pos_graph_first_days_session_replayed_abroad_before_a_weekend', {
    'signins.json': graph_file(sig),
    'expect.json': expect([{'severity': 'medium',
                            'entities': {'users': ['ken.yamada@contosodemo.onmicrosoft.com'],
                                         'ips': [BT_LONDON[0]]},
                            'summary_contains': 'in the user\'s first days in the evidence',
                            'details': {'counts': {'new_locations': 1, 'impossible_travel': 0,
                                                   'ip_bursts': 0}}}])})

# AR. The UAL alone, with --geo-db: the UAL logs few of a user's sign-ins (a phone's Outlook
# signs in through Microsoft's service, whose sign-ins are left out). Olivia reads her mail on
# her phone every day from 02-20, yet her first sign-in in the export is on 03-04, from a hotel
# in Amsterdam (MFA, then Outlook and the browser for a day and a half): a user travelling, not
# a dormant account. svc-archive, whose mailbox only the backup application and Exchange's own
# assistants touch, is still dormant: its first sign-in from Amsterdam is reported (case M).
seed('anom-AR')
EXO_MOBILE = ['2603:10b6:510:ca::23', '2603:10b6:208:3cb::1c', '2603:10b6:806:114::2c']
BACKUP_APP = ('0f2c6e41-8a7b-4d95-b3e0-5c91d7a4e628', '52.183.30.118')  # Veeam-style, app-only


def ual_mail_read(t, who, ip, client, app, client_app=None, actor=None, logon_type=0):
    """A UAL MailItemsAccessed record (RecordType 50) of who's mailbox."""
    u = user(who)
    a = user(actor) if actor else u
    rec = {'CreationTime': ual_time(t), 'Id': gid(), 'Operation': 'MailItemsAccessed',
           'OrganizationId': '6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14', 'RecordType': 50, 'ResultStatus': 'Succeeded',
           'UserKey': a['id'], 'UserType': 0, 'Version': 1, 'Workload': 'Exchange',
           'UserId': a['upn'], 'AppId': app, 'ClientAppId': client_app or app,
           'ClientIPAddress': ip, 'ClientInfoString': client, 'ExternalAccess': False,
           'InternalLogonType': logon_type, 'LogonType': logon_type,
           'LogonUserSid': 'S-1-5-21-2961442807-1823374522-3371018419-%d' % (70000 + sum(map(ord, a['upn']))),
           'MailboxGuid': gid(),
           'MailboxOwnerSid': 'S-1-5-21-2961442807-1823374522-3371018419-%d' % (70000 + sum(map(ord, u['upn']))),
           'MailboxOwnerUPN': u['upn'],
           'OperationProperties': [{'Name': 'MailAccessType', 'Value': 'Bind'},
                                   {'Name': 'IsThrottled', 'Value': 'False'}],
           'OrganizationName': DOMAIN, 'OriginatingServer': 'SA1PR05MB8340 (15.20.8511.008)\r\n',
           'Folders': [{'FolderItems': [{'InternetMessageId': '<%s@SA1PR05MB8340.namprd05.prod.outlook.com>' % gid()}],
                        'Id': 'LgAAAABCFDsXYcwz12IWlyiMk6KXN1m+lfBWZi6m2NaiIzrUWOjLRAAAB', 'Path': '\\Inbox'}],
           'OperationCount': 1}
    if client_app:
        rec['AppAccessContext'] = {'ClientAppId': client_app, 'IssuedAtTime': ual_time(t - D(minutes=20)),
                                   'UniqueTokenId': tokid()}
    return rec


base = routine('dana.whitfield', 'dana', T('2026-02-20T14:05:00'), 14)
base += routine('marcus.oyelaran', 'marcus', T('2026-02-20T13:50:00'), 14)
reads = []
for d in range(12):
    for k, h in enumerate((12, 16, 21)):
        reads.append(ual_mail_read(T('2026-02-20T%02d:%02d:11' % (h, (d * 7 + k * 13) % 60)) + D(days=d),
                                   'olivia.park', EXO_MOBILE[(d + k) % 3], 'Client=OutlookService;Outlook-iOS/2.0;',
                                   APPS['outlookmobile'][0]))
OLIVIA_TRIP = [signin(T('2026-03-04T21:33:09'), 'olivia.park', AMSTERDAM, app='office', code=50074),
               signin(T('2026-03-04T21:33:36'), 'olivia.park', AMSTERDAM, app='office'),
               signin(T('2026-03-05T07:35:25'), 'olivia.park', AMSTERDAM, app='officehome'),
               signin(T('2026-03-05T13:02:56'), 'olivia.park', AMSTERDAM, app='office'),
               signin(T('2026-03-05T19:45:20'), 'olivia.park', AMSTERDAM, app='officehome'),
               signin(T('2026-03-06T05:13:01'), 'olivia.park', AMSTERDAM, app='office')]
geo_case(ROOT + '/neg_ual_geo_db_traveller_seen_before_only_at_her_mailbox', {
    'audit.jsonl': ual_file(base + OLIVIA_TRIP),
    'exchange.jsonl': jsonl(sorted(reads, key=lambda r: r['CreationTime'])),
    'expect.json': expect([])})

# The backup application reads svc-archive's mailbox every night with its own token (app-only,
# the owner's name in UserId): that is not the owner using the account.
backup = [ual_mail_read(T('2026-02-20T02:10:00') + D(days=d, minutes=3 * d), 'svc-archive', BACKUP_APP[1],
                        'Client=REST;Client=RESTSystem;;', '00000003-0000-0000-c000-000000000000',
                        client_app=BACKUP_APP[0])
          for d in range(13)]
attack = [signin(T('2026-03-04T22:14:31'), 'svc-archive', AMSTERDAM, app='owa', code=50079),
          signin(T('2026-03-04T22:31:02'), 'svc-archive', AMSTERDAM, app='owa')]
geo_case(ROOT + '/pos_ual_geo_db_dormant_account_read_only_by_the_backup', {
    'audit.jsonl': ual_file(base + attack),
    'exchange.jsonl': jsonl(sorted(backup, key=lambda r: r['CreationTime'])),
    'expect.json': expect([new_place('svc-archive', '77.166.40.12',
                                     'a country no account of the tenant had signed in from')])})

# AS. W where the export holds none of Dana's interactive sign-ins before her trip: her laptop
# only refreshes its tokens at the office from the export's first day (non-interactive sign-ins:
# no location judged), and her only interactive sign-ins are from the Amsterdam hotel. Her
# refreshes say the account is in use (not a dormant one: no finding for her), and where an
# account lives is where it was first seen: Dana was at the office before Amsterdam, so five of
# five placed sign-ins there do not make her live there, and the dormant account taken over from
# Amsterdam is new there (medium).
seed('anom-AS')
new_where_dana_only_visited(
    'pos_graph_dormant_account_where_a_colleague_seen_only_refreshing_at_home_travelled', '2026-02-20T13:50:00', 14,
    lambda: [signin(T('2026-02-20T13:10:00') + D(days=d // 3, minutes=150 * (d % 3)), 'dana.whitfield',
                    PLACES['office'], app=('office', 'teams')[d % 2], interactive=False)
             for d in range(24)] + dana_in_amsterdam())

# AT. AS with Dana's phone instead of her laptop: before the trip the export holds only Outlook
# Mobile refreshing from her home broadband (its ASN a home ISP's, not Microsoft's sync
# service). The phone's own address places her at home first.
seed('anom-AT')
new_where_dana_only_visited(
    'pos_graph_dormant_account_where_a_colleague_seen_only_by_her_phone_at_home_travelled', '2026-02-20T13:50:00', 14,
    lambda: [signin(T('2026-02-20T18:40:00') + D(days=d // 2, minutes=170 * (d % 2)), 'dana.whitfield',
                    HOME['dana'], app='outlookmobile', ua=UA_IOS, client='Mobile Apps and Desktop clients',
                    interactive=False)
             for d in range(24)] + dana_in_amsterdam())

# AU. An account without an MFA method (asked to enrol: judged as a dormant one however early)
# signs in from Amsterdam on the export's second day; a colleague first turns up half a day
# later, from Amsterdam, and signs in from there every day after. Nobody of the tenant was there
# when the account came: it is new there. (Her later days must not vouch for it.)
seed('anom-AU')
sig = routine('marcus.oyelaran', 'marcus', T('2026-02-20T13:50:00'), 14)
sig += [signin(T('2026-02-22T08:30:00') + D(days=d, minutes=(d * 11) % 40), 'dana.whitfield', AMS_HOTEL,
               app=('owa', 'teams', 'officehome')[d % 3]) for d in range(10)]
unenrolled = [signin(T('2026-02-21T22:14:31'), 'svc-archive', AMSTERDAM, app='owa', code=50079),
              signin(T('2026-02-21T22:31:02'), 'svc-archive', AMSTERDAM, app='owa')]
write(ROOT + '/pos_graph_unenrolled_account_before_a_colleague_first_turns_up_there', {
    'signins.json': graph_file(sig + unenrolled),
    'expect.json': expect([new_place('svc-archive', '77.166.40.12',
                                     'and no MFA method (asked to enrol first)')])})

# AV. A session replayed abroad on the export's second day: Ken's sign-ins begin with the export
# (Monday 2026-03-09), and on Tuesday before dawn in Boston his phished session signs in from
# London, where nobody of the tenant signs in; six hours later he is at the office. Who lives
# where is judged once every sign-in is in, so the tenant's first days need no wait of their
# own (it was quiet before: the tenant's countries were not "known" until three days in). Tom
# flies to Lisbon the same Tuesday and signs in there twice over a day and a half: a traveller,
# away longer than stay_span, is not reported.
seed('anom-AV')
sig = replay_and_a_trip('2026-03-09', 6, 1, '2026-03-10T07:12:40', ('2026-03-10T19:05:40', '2026-03-12T07:12:03'),
                        '2026-03-13', 2)
write(ROOT + '/pos_graph_first_days_session_replayed_abroad_on_the_exports_second_day', {
    'signins.json': graph_file(sig),
    'expect.json': expect([new_place('ken.yamada', BT_LONDON[0],
                                     'signed in from new country GB (86.146.73.108), a country no account '
                                     'of the tenant signs in from, in the user\'s first days in the evidence')])})

# AW. A week's export (Entra ID Free keeps seven days): svc-archive, dormant, is taken over from
# London on the fifth day, and the next night Ken's phished session signs in from another London
# address, between his days at the office. The dormant account made London a country the tenant
# had signed in from, but nobody of the tenant lives there: Ken's sign-in is new there too (it
# was quiet before, the country "known" to the tenant).
LONDON_2 = ('86.151.22.90', 'London', 'England', 'GB', 51.50853, -0.12574, 2856)
seed('anom-AW')
sig = []
for who, home, start in (('dana.whitfield', 'dana', '2026-02-20T14:05:00'),
                         ('marcus.oyelaran', 'marcus', '2026-02-20T13:50:00'),
                         ('ken.yamada', 'ken', '2026-02-20T13:40:00')):
    sig += routine(who, home, T(start), 7)
sig += [signin(T('2026-02-24T02:41:07'), 'svc-archive', BT_LONDON, app='owa'),
        signin(T('2026-02-24T03:10:44'), 'svc-archive', BT_LONDON, app='owa'),
        signin(T('2026-02-25T03:12:19'), 'ken.yamada', LONDON_2, app='owa', ua=UA_ATTACK, dev=ATTACK_DEV)]
write(ROOT + '/pos_graph_first_days_session_replayed_where_a_dormant_account_was_taken_over', {
    'signins.json': graph_file(sig),
    'expect.json': expect([new_place('svc-archive', BT_LONDON[0],
                                     'a country no account of the tenant had signed in from'),
                           new_place('ken.yamada', LONDON_2[0],
                                     'signed in from new country GB (86.151.22.90), a country accounts of the '
                                     'tenant had signed in from but none lives in, in the user\'s first days in '
                                     'the evidence')])})

# AX. The tenant's London office opens the week after Ken's visit begins: the export starts on
# Saturday 2026-03-07 with the Boston staff at home; Ken flies over on Sunday night, signs in
# once at the London office on Monday morning and is back in Boston on Tuesday. Marcus and Emily
# work at the London office every day from Monday, after Ken's sign-in there: quiet, for who lives
# where is judged once every sign-in is in.
LONDON_OFFICE = ('81.2.69.142', 'London', 'England', 'GB', 51.50853, -0.12574, 20712)
seed('anom-AX')
sig = routine('dana.whitfield', 'dana', T('2026-03-07T14:05:00'), 7)
sig += [signin(T('2026-03-07T15:20:00'), 'ken.yamada', HOME['ken'], app='owa'),
        signin(T('2026-03-08T14:02:00'), 'ken.yamada', HOME['ken'], app='teams'),
        signin(T('2026-03-09T09:10:31'), 'ken.yamada', LONDON_OFFICE, app='officehome')]
sig += routine('ken.yamada', 'ken', T('2026-03-10T13:40:00'), 4)
for i, who in enumerate(('marcus.oyelaran', 'emily.tran')):
    sig += [signin(T('2026-03-09T09:30:00') + D(days=d, minutes=9 * i + (d * 7) % 30), who, LONDON_OFFICE,
                   app=('owa', 'teams', 'officehome')[(d + i) % 3]) for d in range(5)]
write(ROOT + '/neg_graph_first_days_visit_to_an_office_abroad_that_signs_in_later', {
    'signins.json': graph_file(sig),
    'expect.json': expect([])})

# AY. The export begins on Dana's trip: her first five sign-ins are from the Amsterdam hotel,
# then she is back at the office and at home for three. Five of eight is most, and she was in
# Amsterdam when first seen, but by the end she is home: a traveller, not a resident. The
# dormant account taken over from Amsterdam after her trip is new there (medium; it was quiet
# before, Dana taken to live in Amsterdam).
seed('anom-AY')
new_where_dana_only_visited(
    'pos_graph_dormant_account_where_the_export_began_on_a_colleagues_trip', '2026-03-03T13:50:00', 8,
    lambda: dana_in_amsterdam() + [signin(T(t), 'dana.whitfield', p, app=a) for t, p, a in
                                   (('2026-03-06T13:12:09', OFFICE, 'owa'),
                                    ('2026-03-07T19:40:30', HOME['dana'], 'teams'),
                                    ('2026-03-09T13:31:44', OFFICE, 'officehome'))])

# AZ. A resident abroad at the export's end: Marcus signs in from his home in Amstelveen every
# day, his dormant admin account signs in there on 03-02 (case X), and from 03-04 Marcus is in
# London, where only his laptop's Teams refreshes its tokens. His last place is London, but all
# his sign-ins are from Amstelveen: he lives there, and his admin account is not new there.
seed('anom-AZ')
sig = routine('dana.whitfield', 'dana', T('2026-02-20T14:05:00'), 14)
sig += [signin(T('2026-02-20T08:10:00') + D(days=d, minutes=(d * 17) % 45), 'marcus.oyelaran', MARCUS_NL,
               app=('owa', 'teams', 'officehome')[d % 3]) for d in range(12)]
sig += [signin(T('2026-03-02T09:14:52'), 'adm-marcus', MARCUS_NL, app='portal'),
        signin(T('2026-03-02T09:31:20'), 'adm-marcus', MARCUS_NL, app='portal')]
sig += [signin(T('2026-03-04T07:40:00') + D(hours=5 * i), 'marcus.oyelaran', LONDON_HOTEL,
               app=('office', 'teams')[i % 2], interactive=False) for i in range(10)]
write(ROOT + '/neg_graph_dormant_admin_account_where_its_owner_lives_though_abroad_at_the_end', {
    'signins.json': graph_file(sig),
    'expect.json': expect([])})
