"""Generates tests/detections/password-spray*/ cases (see lib.py for the record shapes)."""
import datetime as dt
import shutil

from lib import *

PEOPLE = [('olivia.hart', 'Olivia Hart'), ('liam.chen', 'Liam Chen'), ('sofia.russo', 'Sofia Russo'),
          ('ethan.brooks', 'Ethan Brooks'), ('maya.patel', 'Maya Patel'), ('noel.garcia', 'Noel Garcia'),
          ('ava.kowalski', 'Ava Kowalski'), ('lucas.meyer', 'Lucas Meyer'), ('zoe.nguyen', 'Zoe Nguyen'),
          ('owen.doyle', 'Owen Doyle'), ('isla.moreau', 'Isla Moreau'), ('caleb.ward', 'Caleb Ward'),
          ('nina.berg', 'Nina Berg'), ('omar.haddad', 'Omar Haddad'), ('ruth.ellis', 'Ruth Ellis'),
          ('felix.wagner', 'Felix Wagner'), ('hana.sato', 'Hana Sato'), ('diego.alves', 'Diego Alves'),
          ('grace.okafor', 'Grace Okafor'), ('ivan.petrov', 'Ivan Petrov'), ('leah.cohen', 'Leah Cohen'),
          ('marco.bianchi', 'Marco Bianchi'), ('priyanka.das', 'Priyanka Das'), ('sam.fischer', 'Sam Fischer')]
SHARED = [('info', 'Contoso Info'), ('hr', 'Human Resources'), ('accounts', 'Accounts Payable'),
          ('reception', 'Reception'), ('support', 'Customer Support'), ('careers', 'Careers'),
          ('svc-backup', 'Backup Service'), ('svc-scan2mail', 'Scan to Mail')]
EVERYDAY = ['edge', 'chrome', 'chrome_mac', 'safari_mac', 'firefox', 'iphone', 'android', 'outlook']
OFFICE = ['203.0.113.10', '203.0.113.11']

# Residential proxy exits: random addresses in consumer ISP blocks (they stand for no real host).
ISP = [(73, 7922), (98, 7922), (24, 7922), (71, 701), (108, 701), (99, 7018), (76, 7922), (174, 20115),
       (47, 5650), (68, 22773), (67, 7922), (97, 209), (75, 209), (66, 7922), (50, 7922), (69, 7018),
       (72, 22773), (70, 22773), (107, 7018), (96, 7922)]


def population(ids):
    people = [User(ids, l, n, f'198.51.100.{20 + i}', 7922 if i % 4 else 701, EVERYDAY[i % len(EVERYDAY)])
              for i, (l, n) in enumerate(PEOPLE)]
    shared = [User(ids, l, n, None) for l, n in SHARED]
    return people, shared


def proxies(ids, n, avoid=()):
    out, seen = [], set(avoid)
    while len(out) < n:
        a, asn = ISP[ids.r.randrange(len(ISP))]
        ip = f'{a}.{ids.r.randint(1, 254)}.{ids.r.randint(1, 254)}.{ids.r.randint(2, 253)}'
        net = ip.rsplit('.', 1)[0]
        if net in seen:
            continue
        seen.add(net)
        out.append((ip, asn))
    return out


def at(day, h, m=0, s=0):
    return dt.datetime(2026, 4, day, h, m, s)


def workday(ids, people, day, office_share=0.6, apps=('OfficeHome', 'Microsoft Teams', 'One Outlook Web')):
    """Everybody signs in once or twice during working hours (13:00-21:00 UTC)."""
    out = []
    for u in people:
        n = ids.r.randint(1, 2)
        for _ in range(n):
            office = ids.r.random() < office_share
            out.append(S(t=at(day, ids.r.randint(13, 20), ids.r.randint(0, 59), ids.r.randint(0, 59)),
                         user=u, ip=ids.r.choice(OFFICE) if office else u.home, ua=u.ua,
                         app=ids.r.choice(apps), asn=7922 if office else u.asn,
                         city=CITIES[0] if office else u.city))
    return out


def spray(ids, targets, start, ips, ua='spray120', app='Azure Active Directory PowerShell',
          gap=(7, 22), codes=None, per_ip=None):
    """One attempt per target, gap minutes apart, rotating through the exits."""
    out, t = [], start
    order = list(range(len(ips)))
    for i, u in enumerate(targets):
        ip, asn = ips[order[i % len(order)]] if per_ip is None else ips[per_ip[i]]
        if i % len(order) == len(order) - 1:
            ids.r.shuffle(order)
        code = (codes or {}).get(u.upn if isinstance(u, User) else u, 50126)
        c = CITIES[4 + ids.r.randrange(len(CITIES) - 4)]
        out.append(S(t=t, user=u, ip=ip, ua=ua, app=app, code=code, asn=asn, city=c))
        t += dt.timedelta(minutes=ids.r.randint(*gap), seconds=ids.r.randint(0, 59))
    return out


def last_t(sigs):
    return max(s['t'] for s in sigs)


SPRAY_UA = UA['spray120']


# --- password-spray ------------------------------------------------------------------------------

def distributed_tenant(seed):
    """A Monday of work, then a night spray from 16 residential exits against 23 accounts."""
    ids = Ids(seed)
    people, shared = population(ids)
    sigs = workday(ids, people, 6)
    exits = proxies(ids, 16)
    targets = people[:16] + shared[:5] + [shared[6], 'administrator@' + DOMAIN]
    ids.r.shuffle(targets)
    codes = {shared[1].upn: 50053, shared[4].upn: 50053, 'administrator@' + DOMAIN: 50034}
    attack = spray(ids, targets, at(6, 23, 10, 41), exits, codes=codes)
    sigs += attack + workday(ids, people, 7)
    return ids, people, shared, exits, attack, sigs


def ps_pos_graph_distributed():
    ids, people, shared, exits, attack, sigs = distributed_tenant(101)
    users = sorted({s['user'].upn if isinstance(s['user'], User) else s['user'] for s in attack})
    write_case('password-spray', 'pos_graph_distributed_residential_proxies',
               {'signins.json': graph_page(ids, sigs)},
               [dict(severity='high', entities=dict(users=users[:3] + ['administrator@' + DOMAIN],
                                                    ips=sorted(ip for ip, _ in exits)[:4]),
                     summary_contains='Password spray: 23 accounts failed',
                     details=dict(forms=['distributed'], failures=23, distinct_users=23,
                                  distinct_ips=16, error_codes={'50034': 1, '50053': 2, '50126': 20}))])


def ps_pos_ual_single_source():
    ids = Ids(102)
    people, shared = population(ids)
    sigs = workday(ids, people[:16], 13)
    ip = '159.203.77.14'
    targets = people[4:14] + shared[:3] + [shared[5]]
    attack, t = [], at(13, 16, 2, 9)
    for i, u in enumerate(targets):
        code = 50057 if u.upn.startswith('careers') else 50126
        attack.append(S(t=t, user=u, ip=ip, ua='python', app='Azure Active Directory PowerShell', code=code))
        if i in (2, 6, 9):  # a second password for three of them; the second locks one out
            t += dt.timedelta(seconds=ids.r.randint(20, 50))
            attack.append(S(t=t, user=u, ip=ip, ua='python', app='Azure Active Directory PowerShell',
                            code=50053 if i == 6 else 50126))
        t += dt.timedelta(seconds=ids.r.randint(80, 170))
    sigs += attack
    write_case('password-spray', 'pos_ual_single_source_burst', {'audit.jsonl': ual_jsonl(ids, sigs)},
               [dict(severity='high', entities=dict(users=[targets[0].upn, targets[-1].upn], ips=[ip]),
                     summary_contains='14 accounts failed with a wrong password 17 times from 159.203.77.14',
                     details=dict(forms=['single_source'], distinct_users=14, failures=17,
                                  sources=[dict(level='ip', value=ip, accounts=14, failures=17)]))])


def prefix_rotation(seed, extra=()):
    ids = Ids(seed)
    people, shared = population(ids)
    sigs = workday(ids, people, 19)
    ips = [f'45.55.12.{h}' for h in (21, 37, 64, 98, 133)]
    targets = people[:9] + shared[:3]
    attack, t = [], at(20, 3, 5, 12)
    uas = ['edge', 'chrome', 'firefox', 'safari_mac']
    for i, u in enumerate(targets):
        attack.append(S(t=t, user=u, ip=ips[i % 5], ua=uas[i % 4], app='Microsoft Azure CLI', asn=14061,
                        city=CITIES[12], code=50126))
        t += dt.timedelta(seconds=ids.r.randint(170, 260))
    attack.append(S(t=t, user=targets[3], ip=ips[2], ua='chrome', app='Microsoft Azure CLI', asn=14061,
                    city=CITIES[12], code=50126))
    return ids, people, shared, ips, targets, attack, sigs + attack


def ps_pos_azmon_prefix():
    ids, people, shared, ips, targets, attack, sigs = prefix_rotation(103)
    write_case('password-spray', 'pos_azmon_rotation_within_one_prefix', {'PT1H.json': azmon_lines(ids, sigs)},
               [dict(severity='high', entities=dict(ips=ips, users=[targets[0].upn]),
                     details=dict(forms=['single_source'], distinct_users=12, distinct_ips=5, failures=13,
                                  sources=[dict(level='prefix', value='45.55.12.0/24', accounts=12,
                                                failures=13)]))])


def ps_pos_graph_asn():
    ids = Ids(104)
    people, shared = population(ids)
    sigs = workday(ids, people, 20)
    ips = ['159.65.41.17', '159.65.41.202', '167.99.143.9', '137.184.20.71', '164.90.133.5',
           '143.198.60.44', '146.190.12.88', '167.99.143.120']
    targets = people[10:19] + shared[2:4]
    attack, t = [], at(21, 9, 10, 3)
    for i, u in enumerate(targets):
        attack.append(S(t=t, user=u, ip=ips[i % len(ips)], ua=EVERYDAY[(i * 3) % 5], app='Microsoft Office',
                        asn=14061, city=CITIES[12], code=50126))
        t += dt.timedelta(seconds=ids.r.randint(240, 330))
    sigs += attack
    write_case('password-spray', 'pos_graph_rotation_within_one_asn', {'signins.json': graph_page(ids, sigs)},
               [dict(severity='high', entities=dict(ips=ips[:3]),
                     details=dict(forms=['single_source'], distinct_users=11, distinct_ips=8,
                                  sources=[dict(level='asn', asn=14061, accounts=11, failures=11)]))])


def two_waves(seed):
    ids = Ids(seed)
    people, shared = population(ids)
    sigs = workday(ids, people, 14) + workday(ids, people, 15)
    exits = proxies(ids, 18)
    accts = people[:15] + shared[:6]
    a = spray(ids, accts[:12], at(14, 21, 0, 30), exits[:9], gap=(12, 20))
    b = spray(ids, accts[8:], at(16, 6, 35, 10), exits[9:], gap=(12, 20))
    return ids, sigs + a + b, a, b


def ps_two_waves():
    ids, sigs, a, b = two_waves(105)
    files = {'AuditLog_2026-04.csv': purview_csv(ids, sigs)}
    write_case('password-spray', 'neg_purview_two_small_waves_30h_apart', files, [])
    write_case('password-spray', 'pos_purview_two_waves_joined_by_config', files,
               [dict(severity='high', details=dict(forms=['distributed'], distinct_users=21, distinct_ips=18,
                                                   failures=25))],
               args=['--config', '@CASE@/spray.yaml'],
               extra={'spray.yaml': 'rules:\n  password-spray:\n    distributed_window: 36h\n'})


def ps_seven_accounts():
    ids = Ids(106)
    people, shared = population(ids)
    sigs = workday(ids, people[:12], 22)
    ip = '91.219.236.77'
    t = at(22, 10, 0, 41)
    attack = []
    for u in people[12:19]:
        attack.append(S(t=t, user=u, ip=ip, ua='python', app='Azure Active Directory PowerShell', code=50126))
        t += dt.timedelta(minutes=ids.r.randint(2, 5))
    files = {'audit.jsonl': ual_jsonl(ids, sigs + attack)}
    write_case('password-spray', 'neg_ual_seven_accounts_from_one_ip', files, [])
    write_case('password-spray', 'pos_ual_seven_accounts_config_min_accounts', files,
               [dict(severity='high', entities=dict(ips=[ip]),
                     details=dict(forms=['single_source'], distinct_users=7, failures=7))],
               args=['--config', '@CASE@/spray.yaml'],
               extra={'spray.yaml': 'rules:\n  password-spray:\n    min_accounts: 6\n'})


def ps_guessing():
    ids = Ids(107)
    people, shared = population(ids)
    sigs = workday(ids, people[:12], 22)
    ip = '193.32.162.40'
    t = at(23, 2, 0, 5)
    attack = []
    for u in people[12:22]:
        for k in range(5):
            attack.append(S(t=t, user=u, ip=ip, ua='python', app='Azure Active Directory PowerShell',
                            code=50053 if k == 4 else 50126))
            t += dt.timedelta(seconds=ids.r.randint(25, 40))
    files = {'audit.jsonl': ual_jsonl(ids, sigs + attack)}
    write_case('password-spray', 'neg_ual_five_guesses_per_account', files, [])
    write_case('password-spray', 'pos_ual_five_guesses_config_max_avg_tries', files,
               [dict(severity='high', entities=dict(ips=[ip]),
                     details=dict(forms=['single_source'], distinct_users=10, failures=50))],
               args=['--config', '@CASE@/spray.yaml'],
               extra={'spray.yaml': 'rules:\n  password-spray:\n    max_avg_tries: 6\n'})


def ps_neg_mistyped():
    ids = Ids(108)
    people, shared = population(ids)
    sigs = workday(ids, people, 7)
    u = people[14]
    t = at(7, 21, 41, 3)
    for k in range(5):
        sigs.append(S(t=t, user=u, ip=u.home, ua=u.ua, app='OfficeHome', code=50126, asn=u.asn, city=u.city))
        t += dt.timedelta(seconds=ids.r.randint(30, 70))
    sigs.append(S(t=t + dt.timedelta(seconds=40), user=u, ip=u.home, ua=u.ua, app='OfficeHome', asn=u.asn,
                  city=u.city))
    write_case('password-spray', 'neg_graph_user_mistypes_five_times', {'signins.json': graph_page(ids, sigs)}, [])


def ps_neg_expiry():
    """Monday morning at the office: passwords expired over the weekend."""
    ids = Ids(109)
    people, shared = population(ids)
    sigs = []
    for u in people[:14]:  # the Friday before, at the office
        sigs.append(S(t=at(3, ids.r.randint(13, 20), ids.r.randint(0, 59)), user=u, ip=OFFICE[0], ua=u.ua,
                      app='OfficeHome', city=CITIES[0]))
    t = at(6, 13, 2, 11)
    for i, u in enumerate(people[:12] + people[16:19]):  # three newer staff had no Friday sign-in
        sigs.append(S(t=t, user=u, ip=OFFICE[0], ua=u.ua, app='OfficeHome', code=50055, city=CITIES[0]))
        t2 = t + dt.timedelta(minutes=ids.r.randint(2, 4), seconds=ids.r.randint(0, 59))
        if i % 3 == 0:  # mistypes the new password once
            sigs.append(S(t=t2, user=u, ip=OFFICE[0], ua=u.ua, app='OfficeHome', code=50126, city=CITIES[0]))
            t2 += dt.timedelta(seconds=ids.r.randint(20, 60))
        sigs.append(S(t=t2, user=u, ip=OFFICE[0], ua=u.ua, app='OfficeHome', city=CITIES[0]))
        t += dt.timedelta(minutes=ids.r.randint(1, 3), seconds=ids.r.randint(0, 59))
    write_case('password-spray', 'neg_graph_office_password_expiry_monday', {'signins.json': graph_page(ids, sigs)}, [])


def ps_neg_bruteforce():
    ids = Ids(110)
    people, shared = population(ids)
    sigs = workday(ids, people[:10], 7)
    u = shared[7]
    t = at(8, 3, 10, 2)
    for k in range(41):
        sigs.append(S(t=t, user=u, ip='193.32.162.9', ua='python', app='Azure Active Directory PowerShell',
                      code=50053 if k >= 36 else 50126))
        t += dt.timedelta(seconds=ids.r.randint(10, 25))
    write_case('password-spray', 'neg_ual_one_account_brute_forced', {'audit.jsonl': ual_jsonl(ids, sigs)}, [])


def scattered(ids, people, day, with_success):
    """Everyday failures over a day: each user from home, own browser, assorted codes and apps."""
    out = []
    codes = [50126, 50126, 50126, 50055, 50053, 50056, 50064, 50126]
    apps = ['OfficeHome', 'One Outlook Web', 'Microsoft Teams', 'Microsoft Office']
    for i, u in enumerate(people):
        t = at(day, 12) + dt.timedelta(minutes=ids.r.randint(0, 14 * 60))
        code = codes[i % len(codes)]
        app = apps[(i * 7) % 4]
        for _ in range(1 + ids.r.randint(0, 2) * (code == 50126)):
            out.append(S(t=t, user=u, ip=u.home, ua=u.ua, app=app, code=code, asn=u.asn, city=u.city))
            t += dt.timedelta(seconds=ids.r.randint(20, 90))
        if with_success and i % 5:
            out.append(S(t=t + dt.timedelta(minutes=ids.r.randint(1, 20)), user=u, ip=u.home, ua=u.ua, app=app,
                         asn=u.asn, city=u.city))
    return out


def ps_neg_scattered():
    ids = Ids(111)
    people, shared = population(ids)
    sigs = scattered(ids, people, 9, False)
    write_case('password-spray', 'neg_graph_scattered_failures_only_export', {'signins.json': graph_page(ids, sigs)}, [])
    ids = Ids(112)
    people, shared = population(ids)
    for u in people:  # everyone on the tenant's standard browser, failing OfficeHome
        u.ua = 'edge'
    sigs = workday(ids, people, 8) + scattered(ids, people, 9, True)
    for s in sigs:
        if s.get('code'):
            s['code'], s['app'] = 50126, 'OfficeHome'
    write_case('password-spray', 'neg_graph_everyday_mistypes_same_browser', {'signins.json': graph_page(ids, sigs)}, [])


# --- password-spray-success ----------------------------------------------------------------------

def ss_pos_graph_ip():
    ids, people, shared, exits, attack, sigs = distributed_tenant(101)
    victim = shared[6]  # svc-backup: an unused service account
    hit = [s for s in attack if s['user'] is victim][0]
    other = [s for s in attack if s['ip'] != hit['ip']][5]
    t = last_t(attack) - dt.timedelta(minutes=50)
    ok = [S(t=t, user=victim, ip=other['ip'], ua='spray120', app='Azure Active Directory PowerShell',
            asn=other['asn'], city=other['city']),
          S(t=t + dt.timedelta(minutes=7), user=victim, ip=other['ip'], ua='spray120', app='Microsoft Azure CLI',
            asn=other['asn'], city=other['city'])]
    write_case('password-spray-success', 'pos_graph_success_from_spraying_ip',
               {'signins.json': graph_page(ids, sigs + ok)},
               [dict(severity='critical', entities=dict(users=[victim.upn], ips=[other['ip']]),
                     summary_contains='a spraying address',
                     details=dict(match='ip', targeted=True, correct_password_signins=2,
                                  outcomes={'success': 2}))])
    write_case('password-spray-success', 'neg_graph_sprayed_users_sign_in_as_usual',
               {'signins.json': graph_page(Ids(101), sigs)}, [])
    return ids, people, shared, exits, attack, sigs


def ss_window():
    ids, people, shared, exits, attack, sigs = distributed_tenant(113)
    victim = [s for s in attack if isinstance(s['user'], User)][4]
    t = last_t(attack) + dt.timedelta(hours=30)

    def ok_from(ip, when):
        return [S(t=when, user=victim['user'], ip=ip, ua='spray120',
                  app='Azure Active Directory PowerShell', asn=victim['asn'], city=victim['city'])]

    # The spraying address itself comes back 30 h later: within address_window (7 d).
    files = {'signins.json': graph_page(ids, sigs + ok_from(victim['ip'], t))}
    write_case('password-spray-success', 'pos_graph_spraying_address_back_30h_later', files,
               [dict(severity='critical', entities=dict(users=[victim['user'].upn], ips=[victim['ip']]),
                     summary_contains='a spraying address', details=dict(match='ip', targeted=True))])
    # ... but not 8 days later.
    files = {'signins.json': graph_page(ids, sigs + ok_from(victim['ip'], t + dt.timedelta(days=7)))}
    write_case('password-spray-success', 'neg_graph_spraying_address_back_8d_later', files, [])
    # A neighbour of a spraying address (same /24) 30 h later: past success_window, and only the
    # address itself holds that long.
    a, b, c, d = victim['ip'].split('.')
    neighbour = f'{a}.{b}.{c}.{int(d) % 200 + 20}'
    files = {'signins.json': graph_page(ids, sigs + ok_from(neighbour, t))}
    write_case('password-spray-success', 'neg_graph_spraying_network_30h_after_spray', files, [])
    write_case('password-spray-success', 'pos_graph_success_30h_after_config_window', files,
               [dict(severity='critical', entities=dict(users=[victim['user'].upn], ips=[neighbour]),
                     details=dict(match='prefix', targeted=True))],
               args=['--config', '@CASE@/spray.yaml'],
               extra={'spray.yaml': 'rules:\n  password-spray-success:\n    success_window: 48h\n'})


def ss_pos_ual_prefix():
    ids = Ids(114)
    people, shared = population(ids)
    sigs = workday(ids, people, 13)
    ip = '159.203.77.14'
    targets = people[2:16]
    attack, t = [], at(13, 23, 2, 9)
    for u in targets:
        attack.append(S(t=t, user=u, ip=ip, ua='python', app='Azure Active Directory PowerShell', code=50126))
        t += dt.timedelta(seconds=ids.r.randint(80, 170))
    victim = targets[1]  # ethan.brooks: has a home network, MFA registered
    mfa = S(t=t + dt.timedelta(minutes=40), user=victim, ip='159.203.77.90', ua='python',
            app='Azure Active Directory PowerShell', code=50076)
    write_case('password-spray-success', 'pos_ual_mfa_required_from_spraying_prefix',
               {'audit.jsonl': ual_jsonl(ids, sigs + attack + [mfa])},
               [dict(severity='critical', entities=dict(users=[victim.upn], ips=['159.203.77.90']),
                     summary_contains='a spraying network',
                     details=dict(match='prefix', targeted=True, outcomes={'50076': 1}))])


def ss_pos_purview_ua():
    ids = Ids(115)
    people, shared = population(ids)
    sigs = workday(ids, people, 14)
    exits = proxies(ids, 16)
    targets = people[:16] + shared[:6]
    ids.r.shuffle(targets)
    attack = spray(ids, targets, at(14, 22, 40, 2), exits)
    victim = shared[2]  # accounts@: a shared mailbox nobody signs in to
    new_ip = proxies(ids, 1, avoid={ip.rsplit('.', 1)[0] for ip, _ in exits})[0][0]
    ok = S(t=last_t(attack) + dt.timedelta(hours=3), user=victim, ip=new_ip, ua='spray120', app='OfficeHome')
    write_case('password-spray-success', 'pos_purview_spray_user_agent_on_new_network',
               {'AuditLog_2026-04.csv': purview_csv(ids, sigs + attack + [ok])},
               [dict(severity='high', entities=dict(users=[victim.upn], ips=[new_ip]),
                     summary_contains="the spray's user agent",
                     details=dict(match='user_agent', targeted=True))])


def ss_pos_azmon_expired():
    ids, people, shared, ips, targets, attack, sigs = prefix_rotation(116)
    victim = targets[6]
    exp = S(t=last_t(attack) + dt.timedelta(minutes=25), user=victim, ip=ips[4], ua='firefox',
            app='Microsoft Azure CLI', code=50055, asn=14061, city=CITIES[12])
    write_case('password-spray-success', 'pos_azmon_expired_password_from_spraying_ip',
               {'PT1H.json': azmon_lines(ids, sigs + [exp])},
               [dict(severity='critical', entities=dict(users=[victim.upn], ips=[ips[4]]),
                     details=dict(match='ip', targeted=True, outcomes={'50055': 1}))])


def ss_neg_hotel():
    ids, people, shared, exits, attack, sigs = distributed_tenant(117)
    comcast = [(ip, asn) for ip, asn in exits if asn == 7922]
    assert comcast, 'need a Comcast exit'
    sprayed = [s['user'] for s in attack if isinstance(s['user'], User) and s['user'].asn == 7922][0]
    hotel = proxies(ids, 1, avoid={ip.rsplit('.', 1)[0] for ip, _ in exits})[0][0]
    hotel = '73.' + hotel.split('.', 1)[1]
    ok = S(t=last_t(attack) + dt.timedelta(hours=2), user=sprayed, ip=hotel, ua=sprayed.ua, app='OfficeHome',
           asn=7922, city=CITIES[8])
    write_case('password-spray-success', 'neg_graph_new_network_same_isp_as_spray',
               {'signins.json': graph_page(ids, sigs + [ok])}, [])


def ss_neg_everyday_ua():
    ids = Ids(118)
    people, shared = population(ids)
    for u in people:
        u.ua = 'edge'
    sigs = workday(ids, people, 6)
    exits = proxies(ids, 16)
    targets = people[:17] + shared[:5]
    attack = spray(ids, targets, at(6, 23, 5, 0), exits, ua='edge')
    traveller = people[3]
    ok = S(t=last_t(attack) + dt.timedelta(hours=5), user=traveller, ip='12.180.44.19', ua='edge',
           app='OfficeHome', asn=7018, city=CITIES[9])
    files = {'signins.json': graph_page(ids, sigs + attack + [ok] + workday(ids, people, 7))}
    write_case('password-spray-success', 'neg_graph_spray_used_everyday_browser_string', files, [])
    write_case('password-spray', 'pos_graph_spray_with_everyday_browser_string', files,
               [dict(severity='high', details=dict(forms=['distributed'], distinct_users=22, distinct_ips=16))])


def ss_pos_own_device():
    ids, people, shared, exits, attack, sigs = distributed_tenant(121)
    # A sprayed person whose phone later comes out of the same carrier address as a spray exit.
    hit = [s for s in attack if isinstance(s['user'], User)][2]
    user = [u for u in people if u.ua == 'iphone' and u is not hit['user']][0]
    user_hit = [s for s in attack if s['user'] is user]
    assert user_hit, 'the phone owner must be sprayed'
    ok = S(t=last_t(attack) + dt.timedelta(hours=6), user=user, ip=hit['ip'], ua='iphone',
           app='Microsoft Teams', asn=hit['asn'], city=hit['city'])
    home = S(t=at(6, 12, 15, 9), user=user, ip=user.home, ua='iphone', app='Microsoft Teams',
             asn=user.asn, city=user.city)
    write_case('password-spray-success', 'pos_graph_spraying_address_but_own_phone_medium',
               {'signins.json': graph_page(ids, sigs + [home, ok])},
               [dict(severity='medium', entities=dict(users=[user.upn], ips=[hit['ip']]),
                     details=dict(match='address_with_own_device', targeted=True))])


def ss_home_beside_a_spray_exit(seed, case, on_the_exit):
    """A sprayed person works from home the morning after the spray, from an address on the same
    line as one of the spray's exits (a neighbour's router in the proxy pool), with a browser not
    seen before the spray (a short export), and the phone used since before it syncs from there
    that evening: the address is the person's own (medium). On the spraying address itself the
    same is still critical."""
    ids, people, shared, exits, attack, sigs = distributed_tenant(seed)
    targeted = {s['user'].upn for s in attack if isinstance(s['user'], User)}
    user = [u for u in people if u.ua == 'iphone' and u.upn in targeted][0]
    exit_ip, exit_asn = exits[3]
    home = exit_ip if on_the_exit else exit_ip.rsplit('.', 1)[0] + '.' + str(int(exit_ip.rsplit('.', 1)[1]) % 250 + 3)
    morning = last_t(attack) + dt.timedelta(hours=9)
    work = [S(t=morning + dt.timedelta(minutes=40 * k), user=user, ip=home, ua='edge', app=app,
              asn=exit_asn, city=CITIES[1])
            for k, app in enumerate(('OfficeHome', 'Microsoft Teams', 'One Outlook Web'))]
    phone = S(t=morning + dt.timedelta(hours=10), user=user, ip=home, ua='iphone', app='Microsoft Teams',
              asn=exit_asn, city=CITIES[1])
    if on_the_exit:
        expect = [dict(severity='critical', entities=dict(users=[user.upn], ips=[home]),
                       details=dict(match='ip', matches=['ip', 'address_with_own_device'], targeted=True))]
    else:
        expect = [dict(severity='medium', entities=dict(users=[user.upn], ips=[home]),
                       summary_contains='a spraying address or network, but with the account\'s own device',
                       details=dict(match='address_with_own_device', matches=['address_with_own_device'],
                                    targeted=True, correct_password_signins=4))]
    write_case('password-spray-success', case, {'signins.json': graph_page(ids, sigs + work + [phone])}, expect)


def ss_home_beside_exits():
    ss_home_beside_a_spray_exit(125, 'pos_graph_home_on_a_spray_exits_line_with_own_phone_medium', False)
    ss_home_beside_a_spray_exit(125, 'pos_graph_spraying_address_itself_with_own_phone_still_critical', True)


def ss_export_begins_after_the_spray(case, at_the_office_first):
    """An export that begins when the spray does (pulled the morning after, or cut to a day): a
    sprayed person's first sign-in in it is at the office the next afternoon, with the browser
    they always use, and that evening they read mail from home, an address on the same line as
    one of the spray's exits. The browser was the person's at a network the spray never used
    before it came from beside the exit: a person on a neighbour's line (medium, ask the user),
    though the export shows nothing before the spray. With no sign-in at the office first, the
    same browser from there is only the spray's network: critical."""
    ids = Ids(126)
    people, shared = population(ids)
    exits = proxies(ids, 16)
    targets = people[:16] + shared[:5]
    ids.r.shuffle(targets)
    attack = spray(ids, targets, at(6, 23, 10, 41), exits)
    user = [u for u in people[:16] if u.ua == 'edge'][0]
    exit_ip, exit_asn = exits[3]
    home = exit_ip.rsplit('.', 1)[0] + '.' + str(int(exit_ip.rsplit('.', 1)[1]) % 250 + 3)
    assert last_t(attack) < at(7, 14)
    office = [S(t=at(7, 14, 12, 5), user=user, ip=OFFICE[0], ua=user.ua, app='OfficeHome', asn=7922,
                city=CITIES[0])] if at_the_office_first else []
    evening = [S(t=at(7, 22, 31, 17) + dt.timedelta(minutes=35 * k), user=user, ip=home, ua=user.ua,
                 app=app, asn=exit_asn, city=CITIES[1])
               for k, app in enumerate(('One Outlook Web', 'Microsoft Teams', 'OfficeHome'))]
    sigs = attack + workday(ids, [p for p in people if p is not user], 7) + office + evening
    if at_the_office_first:
        expect = [dict(severity='medium', entities=dict(users=[user.upn], ips=[home]),
                       summary_contains='a spraying address or network, but with the account\'s own device',
                       details=dict(match='address_with_own_device', matches=['address_with_own_device'],
                                    targeted=True, correct_password_signins=3))]
    else:
        expect = [dict(severity='critical', entities=dict(users=[user.upn], ips=[home]),
                       details=dict(match='prefix', targeted=True, correct_password_signins=3))]
    write_case('password-spray-success', case, {'signins.json': graph_page(ids, sigs)}, expect)


def ss_export_after_spray():
    ss_export_begins_after_the_spray('pos_graph_export_begins_with_the_spray_office_browser_at_home_medium', True)
    ss_export_begins_after_the_spray('pos_graph_export_begins_with_the_spray_browser_only_beside_exit_critical',
                                     False)


def ps_pos_ipv6():
    ids = Ids(122)
    people, shared = population(ids)
    sigs = workday(ids, people, 27)
    ips = [f'2a03:b0c0:3:d0::{ids.r.randint(0x100, 0xfff):x}:{ids.r.randint(0x1000, 0xffff):x}'
           for _ in range(11)]
    attack, t = [], at(28, 5, 40, 0)
    for i, u in enumerate(people[5:16]):
        attack.append(S(t=t, user=u, ip=ips[i], ua='python', app='Microsoft Azure CLI', code=50126,
                        asn=14061, city=CITIES[12]))
        t += dt.timedelta(seconds=ids.r.randint(150, 280))
    write_case('password-spray', 'pos_graph_ipv6_rotation_within_one_64',
               {'signins.json': graph_page(ids, sigs + attack)},
               [dict(severity='high', entities=dict(ips=ips[:2]),
                     details=dict(forms=['single_source'], distinct_users=11, distinct_ips=11,
                                  sources=[dict(level='prefix', value='2a03:b0c0:3:d0::/64', accounts=11,
                                                failures=11)]))])


def ss_neg_bruteforce_success():
    ids = Ids(119)
    people, shared = population(ids)
    sigs = workday(ids, people[:10], 7)
    u = shared[7]
    t = at(8, 3, 10, 2)
    for k in range(12):
        sigs.append(S(t=t, user=u, ip='193.32.162.9', ua='python', app='Azure Active Directory PowerShell',
                      code=50126))
        t += dt.timedelta(seconds=ids.r.randint(10, 25))
    sigs.append(S(t=t, user=u, ip='193.32.162.9', ua='python', app='Azure Active Directory PowerShell'))
    write_case('password-spray-success', 'neg_ual_brute_force_then_success', {'audit.jsonl': ual_jsonl(ids, sigs)}, [])


def ps_failures_only():
    ids = Ids(120)
    people, shared = population(ids)
    ip = '159.203.77.14'
    attack, t = [], at(27, 4, 12, 40)
    for u in people[3:15]:
        attack.append(S(t=t, user=u, ip=ip, ua='python', app='Azure Active Directory PowerShell', code=50126))
        t += dt.timedelta(seconds=ids.r.randint(90, 200))
    write_case('password-spray', 'pos_ual_failures_only_export_medium', {'audit.jsonl': ual_jsonl(ids, attack)},
               [dict(severity='medium', entities=dict(ips=[ip]),
                     details=dict(forms=['single_source'], distinct_users=12, own_network_check=False))])


def forty_four(ids):
    """The usual 24 people and 20 more staff: 44 accounts sign in, past the small-tenant rule."""
    people, shared = population(ids)
    staff = [User(ids, f'staff{i:02d}', f'Staff {i:02d}', f'198.51.101.{20 + i}', 7922, EVERYDAY[i % len(EVERYDAY)])
             for i in range(20)]
    return people + staff, shared


def ps_shared_exits():
    """Low and slow through few exits: 22 accounts at night from 8 residential proxies, each exit
    rotated through two or three accounts. Fewer exits than distributed_min_ips, but every one
    failed for several accounts, which no person's own address does (reported). The same shape
    from a training venue's eight addresses, each trainee typing the right password there
    minutes later in the browser, is the trainees' own (silent; reported with recovery_window
    0s: the second case)."""
    ids = Ids(113)
    people, shared = forty_four(ids)
    sigs = workday(ids, people, 20) + workday(ids, people, 21)
    exits = proxies(ids, 8)
    targets = people[:17] + shared[:5]
    ids.r.shuffle(targets)
    attack = spray(ids, targets, at(21, 23, 4, 12), exits, gap=(7, 22))
    users = sorted(u.upn for u in targets)
    write_case('password-spray', 'pos_graph_low_and_slow_through_few_shared_exits',
               {'signins.json': graph_page(ids, sigs + attack + workday(ids, people, 22))},
               [dict(severity='high', entities=dict(users=users[:3], ips=sorted(ip for ip, _ in exits)[:4]),
                     summary_contains='Password spray: 22 accounts failed',
                     details=dict(forms=['distributed'], failures=22, distinct_users=22, distinct_ips=8,
                                  max_accounts_per_ip=3))])
    ids = Ids(114)
    people, shared = forty_four(ids)
    sigs = workday(ids, people, 20)
    venue = [(f'192.0.2.{40 + k}', 64512) for k in range(8)]  # the venue's NAT pool
    trainees = people[20:42]
    t = at(21, 8, 30, 5)
    for i, u in enumerate(trainees):
        ip, asn = venue[i % len(venue)]
        # The venue laptops' Teams client with the temporary password, then the browser.
        sigs.append(S(t=t, user=u, ip=ip, ua='firefox', app='Microsoft Teams', code=50126, asn=asn, city=CITIES[0]))
        sigs.append(S(t=t + dt.timedelta(minutes=ids.r.randint(1, 6), seconds=ids.r.randint(0, 59)), user=u,
                      ip=ip, ua='edge', app='OfficeHome', asn=asn, city=CITIES[0]))
        t += dt.timedelta(minutes=ids.r.randint(2, 9), seconds=ids.r.randint(0, 59))
    files = {'signins.json': graph_page(ids, sigs + workday(ids, people, 22))}
    write_case('password-spray', 'neg_graph_training_venue_first_sign_ins', files, [])
    write_case('password-spray', 'pos_graph_training_venue_config_no_recovery', files,
               [dict(severity='high', details=dict(forms=['distributed'], distinct_users=22, distinct_ips=8))],
               args=['--config', '@CASE@/spray.yaml'],
               extra={'spray.yaml': 'rules:\n  password-spray:\n    recovery_window: 0s\n'})


if __name__ == '__main__':
    for rule in ('password-spray', 'password-spray-success'):
        shutil.rmtree(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'detections', rule), ignore_errors=True)
    ps_pos_graph_distributed()
    ps_pos_ual_single_source()
    ps_pos_azmon_prefix()
    ps_pos_graph_asn()
    ps_two_waves()
    ps_seven_accounts()
    ps_guessing()
    ps_neg_mistyped()
    ps_neg_expiry()
    ps_neg_bruteforce()
    ps_neg_scattered()
    ps_failures_only()
    ps_pos_ipv6()
    ps_shared_exits()
    ss_pos_graph_ip()
    ss_window()
    ss_pos_ual_prefix()
    ss_pos_purview_ua()
    ss_pos_azmon_expired()
    ss_neg_hotel()
    ss_neg_everyday_ua()
    ss_neg_bruteforce_success()
    ss_pos_own_device()
    ss_home_beside_exits()
    ss_export_after_spray()
