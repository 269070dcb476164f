# Fixture builder for the identity rules: the demo tenant's real-shaped records (Graph, Azure
# Monitor, Log Analytics, UAL) are the templates; identities, times, addresses and locations are
# patched. Deterministic: every case seeds its own random ids.
import base64
import copy
import csv
import datetime as dt
import gzip
import io
import json
import os
import random
import uuid

DEMO = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'examples', 'contoso-demo')
TENANT = '6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14'
WORKSPACE = '9e2d7c41-3a5b-4f08-b6e1-d04c8a2f7b93'
DETECTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'detections')
DOMAIN = 'contosodemo.onmicrosoft.com'

_rng = random.Random(1)


def seed(s):
    global _rng
    _rng = random.Random(s)


def gid():
    return str(uuid.UUID(int=_rng.getrandbits(128), version=4))


def tokid():
    return base64.urlsafe_b64encode(_rng.getrandbits(128).to_bytes(16, 'big')).decode().rstrip('=')


def T(s):
    return dt.datetime.strptime(s, '%Y-%m-%dT%H:%M:%S').replace(tzinfo=dt.timezone.utc)


def iso_z(t):  # Graph sign-ins: 2026-03-03T14:57:44Z
    return t.strftime('%Y-%m-%dT%H:%M:%SZ')


def iso7(t, frac, z=True):  # 2026-03-04T02:03:02.1801640Z or +00:00
    s = t.strftime('%Y-%m-%dT%H:%M:%S') + '.%07d' % frac
    return s + ('Z' if z else '+00:00')


def la_time(t, ms):  # 3/10/2026, 4:05:05.933 PM
    h = t.hour % 12 or 12
    return '%d/%d/%d, %d:%02d:%02d.%03d %s' % (t.month, t.day, t.year, h, t.minute, t.second, ms,
                                               'AM' if t.hour < 12 else 'PM')


def ual_time(t):
    return t.strftime('%Y-%m-%dT%H:%M:%S')


# --- people, places, apps ---------------------------------------------------------------------

USERS = {
    'dana.whitfield': ('cb0aabac-34f9-4056-886d-a98e490c9b67', 'Dana Whitfield'),
    'marcus.oyelaran': ('99e8ce88-b8af-4db7-ac85-12f9d594c04b', 'Marcus Oyelaran'),
    'tom.becker': ('042f1068-9091-4b6f-8368-431845d5841c', 'Tom Becker'),
    'ken.yamada': ('a6b96773-d12c-4cc1-a490-b0c9a3312f19', 'Ken Yamada'),
    'james.cole': ('b3f6298f-a55d-44c1-a737-94de6c0680b0', 'James Cole'),
    'aisha.khan': ('80aef05e-f7da-464a-8dbc-0319cd3a1ce0', 'Aisha Khan'),
    'emily.tran': ('aa6c7a76-67ab-42fa-b46d-f012d2e81af6', 'Emily Tran'),
    'sarah.oneill': ('09058ed0-cc1d-4c62-a5f2-daa3607fc5d7', "Sarah O'Neill"),
    'alex.morgan': ('3d0c5b8e-71a2-4f3e-9b64-c2a81e5f7d90', 'Alex Morgan'),
    'payroll': ('6f2a9c41-0d8b-4e57-a3c6-9b1e4d7f2a08', 'Payroll'),
    'it.helpdesk': ('e7b3a1d5-4c92-48f0-b6ae-5d2c8f1e9a37', 'IT Helpdesk'),
    'olivia.park': ('5b8e2f17-9c3a-4d61-8e0f-a47b2c9d1e63', 'Olivia Park'),
    'ravi.menon': ('c1f7e3a9-2b5d-4086-9ea4-6d3b8f0c2a15', 'Ravi Menon'),
    'svc-archive': ('8d4e2b71-5a3f-4c90-b1e6-7f2a9c3d5e84', 'Archive Service (2019 migration)'),
    'adm-marcus': ('2e9d4f60-7b1c-4a85-93f2-c6a0e8b5d174', 'Marcus Oyelaran (admin)'),
    'scanner': ('4a7c1e93-2f5b-4d08-9b6e-81c3f0a2d5e7', 'Multifunction Printer 3rd Floor'),
    'svc-o365connector': ('7d3f0b2a-9e41-4c68-a5d7-3b8e6f1c2a94', 'Office 365 Connector'),
}


def user(name):
    uid, disp = USERS[name]
    return {'upn': name + '@' + DOMAIN, 'id': uid, 'name': disp}


# (ip, city, state, country, lat, lon, asn)
PLACES = {
    'office': ('203.0.113.10', 'Boston', 'Massachusetts', 'US', 42.35843, -71.05978, 7922),
    'office2': ('203.0.113.11', 'Boston', 'Massachusetts', 'US', 42.35843, -71.05978, 7922),
}

APPS = {
    'officehome': ('4765445b-32c6-49b0-83e6-1d93765276ca', 'OfficeHome', '00000003-0000-0000-c000-000000000000', 'Microsoft Graph'),
    'owa': ('9199bf20-a13f-4107-85dc-02114787ef48', 'One Outlook Web', '00000002-0000-0ff1-ce00-000000000000', 'Office 365 Exchange Online'),
    'portal': ('c44b4083-3bb0-49c1-b47d-974e53cbdf3c', 'Azure Portal', '797f4846-ba00-4fd7-ba43-dac1f8f63013', 'Windows Azure Service Management API'),
    'mysignins': ('19db86c3-b2b9-44cc-b339-36da233a3be2', 'My Signins', '00000003-0000-0000-c000-000000000000', 'Microsoft Graph'),
    'teams': ('1fec8e78-bce4-4aaf-ab1b-5451cc387264', 'Microsoft Teams', 'cc15fd57-2c6c-4117-a88c-83b1d56b4bbe', 'Microsoft Teams Services'),
    'office': ('d3590ed6-52b3-4102-aeff-aad2292ab01c', 'Microsoft Office', '00000002-0000-0ff1-ce00-000000000000', 'Office 365 Exchange Online'),
    'aadps': ('1b730954-1685-4b74-9bfd-dac224a7b894', 'Azure Active Directory PowerShell', '00000002-0000-0000-c000-000000000000', 'Windows Azure Active Directory'),
    'exops': ('fb78d390-0c51-40cd-8e17-fdbfab77341b', 'Microsoft Exchange REST API Based Powershell', '00000002-0000-0ff1-ce00-000000000000', 'Office 365 Exchange Online'),
    'exo': ('00000002-0000-0ff1-ce00-000000000000', 'Office 365 Exchange Online', '00000002-0000-0ff1-ce00-000000000000', 'Office 365 Exchange Online'),
    'outlookmobile': ('27922004-5251-4030-b22d-91ecd9a37ea4', 'Outlook Mobile', '00000002-0000-0ff1-ce00-000000000000', 'Office 365 Exchange Online'),
}

UA_EDGE = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0'
UA_ATTACK = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36'
UA_IOS = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1'

# --- templates ---------------------------------------------------------------------------------


def _graph_items():
    v = []
    for f in ('signins-page1.json', 'signins-page2.json'):
        v += json.load(open(os.path.join(DEMO, 'entra', f)))['value']
    return v


_G = _graph_items()


def _pick(pred):
    for it in _G:
        if pred(it):
            return it
    raise KeyError


G_OK = _pick(lambda i: i['status']['errorCode'] == 0 and i['authenticationRequirement'] == 'singleFactorAuthentication' and i['clientAppUsed'] == 'Browser')
G_FAIL = _pick(lambda i: i['status']['errorCode'] == 50126 and i['appDisplayName'] == 'One Outlook Web')
G_SPRAY = _pick(lambda i: i['status']['errorCode'] == 50126 and i['appDisplayName'] == 'Azure Active Directory PowerShell')
G_MFAREG = _pick(lambda i: i['status']['errorCode'] == 50079)
# The "keep me signed in?" interrupt after a correct password (the demo has none: built from G_OK).
G_KMSI = copy.deepcopy(G_OK)
G_KMSI['status'] = {'errorCode': 50140, 'failureReason': "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.",
                    'additionalDetails': None}
G_KMSI['conditionalAccessStatus'] = 'notApplied'

_AZ = [json.loads(l) for l in open(os.path.join(DEMO, 'azmon', 'PT1H.json'))]


def _azpick(pred):
    for o in _AZ:
        for r in o['records']:
            if pred(r):
                return r
    raise KeyError


AZ_OK = _azpick(lambda r: r['category'] == 'SignInLogs' and r['properties']['status']['errorCode'] == 0)
AZ_FAIL = _azpick(lambda r: r['category'] == 'SignInLogs' and r['properties']['status']['errorCode'] == 50126)
AZ_NONINT = _azpick(lambda r: r['category'] == 'NonInteractiveUserSignInLogs')
AZ_AUDIT = {r['operationName']: r for o in _AZ for r in o['records'] if r['category'] == 'AuditLogs'}

_DA = json.load(open(os.path.join(DEMO, 'entra', 'directoryAudits.json')))['value']
DA = {}
for it in _DA:
    DA.setdefault(it['activityDisplayName'], it)
DA_SAM = [i for i in _DA if i['activityDisplayName'] == 'Update user' and i['initiatedBy']['app'] and i['initiatedBy']['app']['displayName'] == 'Azure Credential Configuration Endpoint Service'][0]
DA_SUBSTRATE = [i for i in _DA if i['activityDisplayName'] == 'Update user' and i['initiatedBy']['app'] and i['initiatedBy']['app']['displayName'] == 'Microsoft Substrate Management'][0]
DA_USERUPD = [i for i in _DA if i['activityDisplayName'] == 'Update user' and i['initiatedBy']['user']][0]

_LA_ROWS = list(csv.reader(open(os.path.join(DEMO, 'sentinel', 'SigninLogs.csv'), newline='', encoding='utf-8-sig')))
LA_HEAD = _LA_ROWS[0]
LA_OK = dict(zip(LA_HEAD, [r for r in _LA_ROWS[1:] if dict(zip(LA_HEAD, r))['ResultType'] == '0' and dict(zip(LA_HEAD, r))['ClientAppUsed'] == 'Browser'][0]))
LA_FAIL = dict(zip(LA_HEAD, [r for r in _LA_ROWS[1:] if dict(zip(LA_HEAD, r))['ResultType'] == '50126'][0]))
LA_AUDIT = [json.loads(l) for l in open(os.path.join(DEMO, 'sentinel', 'AuditLogs.json'))]


def _purview():
    out = {}
    for r in list(csv.reader(open(os.path.join(DEMO, 'purview', 'AuditLog_2026-03.csv'), newline='', encoding='utf-8')))[1:]:
        a = json.loads(r[5])
        out.setdefault(a['Operation'], a)
        if a['Operation'] == 'Set-Mailbox' and a.get('UserType') == 3:
            out['system-cmdlet'] = a
    return out


UAL = _purview()
UAL_ADDUSER = json.loads(gzip.open(os.path.join(DEMO, 'ual', 'audit-2026-03-05.jsonl.gz'), 'rt').readline())
UAL_CMDLET = json.loads(open(os.path.join(DEMO, 'ual', 'audit-2026-03-06.jsonl')).readlines()[13])

# --- sign-ins ----------------------------------------------------------------------------------


def signin(t, who, place, app='officehome', code=0, ua=UA_EDGE, client='Browser', frac=None,
           interactive=True, sso=False, dev=None):
    """An abstract sign-in; rendered by the format functions below. sso: single sign-on alone
    (every authentication step "Previously satisfied"); dev: (operatingSystem, browser,
    deviceId) for Graph's deviceDetail, the template's Windows10 / Edge 133.0.0 otherwise."""
    s = {'t': t, 'u': user(who) if isinstance(who, str) else who, 'p': place, 'app': APPS[app],
         'code': code, 'ua': ua, 'client': client,
         'frac': frac if frac is not None else _rng.randrange(10**7), 'inter': interactive}
    if sso:
        s['sso'] = True
    if dev:
        s['dev'] = dev
    return s


def _patch_common(it, s, tstr):
    ip, city, state, country, lat, lon, asn = s['p']
    u = s['u']
    aid, aname, rid, rname = s['app']
    rid_ = gid()
    it['id'] = rid_
    it['originalRequestId'] = rid_
    it['createdDateTime'] = tstr
    it['userDisplayName'] = u['name']
    it['userPrincipalName'] = u['upn']
    it['userId'] = u['id']
    for k in ('signInIdentifier', 'alternateSignInName'):
        if k in it:
            it[k] = u['upn']
    it['appId'] = aid
    it['appDisplayName'] = aname
    it['resourceId'] = rid
    it['resourceDisplayName'] = rname
    it['ipAddress'] = ip
    it['clientAppUsed'] = s['client']
    it['userAgent'] = s['ua']
    it['correlationId'] = gid()
    it['uniqueTokenIdentifier'] = tokid()
    if 'sessionId' in it:
        it['sessionId'] = gid() if s['code'] == 0 else ''
    it['autonomousSystemNumber'] = asn
    it['isInteractive'] = s['inter']
    loc = it['location']
    loc['city'], loc['state'], loc['countryOrRegion'] = city, state, country
    loc['geoCoordinates']['latitude'], loc['geoCoordinates']['longitude'] = lat, lon
    it['networkLocationDetails'] = ([{'networkType': 'trustedNamedLocation', 'networkNames': ['Boston HQ']}]
                                    if ip.startswith('203.0.113.') else [])
    for st in it.get('authenticationDetails', []):
        st['authenticationStepDateTime'] = tstr
    if 'resourceServicePrincipalId' in it:
        it['resourceServicePrincipalId'] = gid()


def graph_signin(s):
    tpl = {0: G_OK, 50126: G_FAIL if s['app'][1] != 'Azure Active Directory PowerShell' else G_SPRAY,
           50079: G_MFAREG, 50140: G_KMSI}[s['code']]
    it = copy.deepcopy(tpl)
    _patch_common(it, s, iso_z(s['t']))
    if s.get('sso'):
        it['authenticationRequirement'] = 'multiFactorAuthentication'
        it['authenticationDetails'] = [
            {'authenticationStepDateTime': iso_z(s['t']), 'authenticationMethod': 'Previously satisfied',
             'authenticationMethodDetail': None, 'succeeded': True,
             'authenticationStepResultDetail': detail, 'authenticationStepRequirement': 'Primary authentication'}
            for detail in ('First factor requirement satisfied by claim in the token',
                           'MFA requirement satisfied by claim in the token')]
        it['status']['additionalDetails'] = 'MFA requirement satisfied by claim in the token'
    if s.get('dev'):
        d = it['deviceDetail']
        d['operatingSystem'], d['browser'], d['deviceId'] = s['dev']
        if d['deviceId']:
            d['displayName'], d['trustType'] = s['u']['name'].split()[0] + '-PHONE', 'Workplace'
    return it


def graph_page(items, kind='signIns'):
    ctx = {'signIns': 'https://graph.microsoft.com/beta/$metadata#auditLogs/signIns',
           'directoryAudits': 'https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits'}[kind]
    return json.dumps({'@odata.context': ctx, 'value': items}, ensure_ascii=False)


def azmon_signin(s):
    tpl = {0: AZ_OK, 50126: AZ_FAIL}[s['code']]
    r = copy.deepcopy(tpl)
    p = r['properties']
    _patch_common(p, s, iso7(s['t'], s['frac'], z=False))
    r['time'] = iso7(s['t'], s['frac'])
    r['callerIpAddress'] = p['ipAddress']
    r['correlationId'] = p['correlationId']
    r['identity'] = p['userDisplayName']
    r['location'] = p['location']['countryOrRegion']
    if not s['inter']:
        r['category'] = 'NonInteractiveUserSignInLogs'
    return r


def azmon_line(records):
    return json.dumps({'records': records}, ensure_ascii=False)


def _crlf_pretty(v):
    return json.dumps(v, indent=2, ensure_ascii=False).replace('\n', '\r\n')


def la_signin(s):
    tpl = {0: LA_OK, 50126: LA_FAIL}[s['code']]
    d = dict(tpl)
    ip, city, state, country, lat, lon, asn = s['p']
    u = s['u']
    aid, aname, rid, rname = s['app']
    ms = s['frac'] // 10000
    t7 = iso7(s['t'], s['frac'], z=False)
    rq = gid()
    d.update({
        'CorrelationId': gid(), 'Identity': u['name'], 'Location': country, 'AppDisplayName': aname,
        'AppId': aid, 'CreatedDateTime [UTC]': la_time(s['t'], ms), 'Id': rq, 'OriginalRequestId': rq,
        'IPAddress': ip, 'ClientAppUsed': s['client'], 'UserAgent': s['ua'],
        'LocationDetails_dynamic': json.dumps({'countryOrRegion': country, 'geoCoordinates': {'longitude': lon, 'latitude': lat}, 'state': state, 'city': city}, separators=(',', ':')),
        'NetworkLocationDetails': '[{"networkType":"trustedNamedLocation","networkNames":["Boston HQ"]}]' if ip.startswith('203.0.113.') else '[]',
        'ResourceDisplayName': rname, 'ResourceIdentity': rid, 'UserDisplayName': u['name'],
        'UserId': u['id'], 'UserPrincipalName': u['upn'], 'AutonomousSystemNumber': str(asn),
        'SessionId': gid() if s['code'] == 0 else '', 'UniqueTokenIdentifier': tokid(),
        'IsInteractive': 'TRUE' if s['inter'] else 'FALSE',
    })
    ad = json.loads(d['AuthenticationDetails'])
    for st in ad:
        st['authenticationStepDateTime'] = t7
    d['AuthenticationDetails'] = _crlf_pretty(ad)
    return d


def la_csv(rows):
    """Newest first, BOM, CRLF, as the portal exports."""
    rows = sorted(rows, key=lambda d: d['_t'] if '_t' in d else 0, reverse=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator='\r\n')
    w.writerow(LA_HEAD)
    for d in rows:
        w.writerow([d.get(k, '') for k in LA_HEAD])
    return '\ufeff' + buf.getvalue()


def la_rows(sigs):
    out = []
    for s in sigs:
        d = la_signin(s)
        d['_t'] = s['t']
        out.append(d)
    return out


def ual_signin(s):
    ok = s['code'] == 0
    a = copy.deepcopy(UAL['UserLoggedIn' if ok else 'UserLoginFailed'])
    u = s['u']
    a['CreationTime'] = ual_time(s['t'])
    a['Id'] = gid()
    a['UserKey'] = u['id']
    a['ClientIP'] = s['p'][0]
    a['ActorIpAddress'] = s['p'][0]
    a['UserId'] = u['upn']
    a['Actor'] = [{'ID': u['id'], 'Type': 0}, {'ID': u['upn'], 'Type': 5}]
    a['InterSystemsId'] = gid()
    a['IntraSystemId'] = gid()
    a['ApplicationId'] = s['app'][0]
    a['ObjectId'] = s['app'][2]
    a['Target'] = [{'ID': s['app'][2], 'Type': 0}]
    for e in a['ExtendedProperties']:
        if e['Name'] == 'UserAgent':
            e['Value'] = s['ua']
    for e in a['DeviceProperties']:
        if e['Name'] == 'SessionId':
            e['Value'] = gid()
    if not ok:
        a['ErrorNumber'] = str(s['code'])
        a['LogonError'] = UAL_LOGON_ERRORS.get(s['code'], a['LogonError'])
    return a


# UserLoginFailed's LogonError per ErrorNumber, as the Unified Audit Log writes them.
UAL_LOGON_ERRORS = {50126: 'InvalidUserNameOrPassword', 50079: 'UserStrongAuthEnrollmentRequired',
                    50074: 'UserStrongAuthClientAuthNRequiredInterrupt', 50053: 'IdsLocked'}


def jsonl(objs):
    return ''.join(json.dumps(o, separators=(',', ':'), ensure_ascii=False) + '\n' for o in objs)


# --- directory audits ---------------------------------------------------------------------------


def _dir_id(prefix, corr):
    return '%s_%s_%s_%d' % (prefix, corr, ''.join(_rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ0123456789') for _ in range(5)),
                            _rng.randrange(10**8, 10**9))


def graph_reg(op, t, who, ip, frac, corr, method='Authenticator App with Notification and Code'):
    """'User started security info registration', 'User registered security info',
    'User registered all required security info'."""
    it = copy.deepcopy(DA[op])
    u = user(who)
    it['id'] = 'SSGM_%s_%d' % (corr, _rng.randrange(10**17, 10**18))
    it['correlationId'] = corr
    it['activityDateTime'] = iso7(t, frac)
    it['initiatedBy']['user'].update({'id': u['id'], 'userPrincipalName': u['upn'], 'ipAddress': ip})
    it['targetResources'][0].update({'id': u['id'], 'userPrincipalName': u['upn']})
    if op == 'User registered security info':
        it['resultReason'] = 'User registered ' + method
    elif op == 'User started security info registration':
        it['resultReason'] = 'User started the registration for ' + method
    return it


def methods_json(n):
    types = [6, 7, 1, 0]
    return json.dumps([{'MethodType': types[i], 'Default': i == n - 1} for i in range(n)], separators=(',', ':'))


def graph_sam(t, who, frac, before, after):
    """'Update user' by Azure Credential Configuration Endpoint Service: StrongAuthenticationMethod."""
    it = copy.deepcopy(DA_SAM)
    u = user(who)
    corr = gid()
    it['id'] = _dir_id('Directory', corr)
    it['correlationId'] = corr
    it['activityDateTime'] = iso7(t, frac)
    tr = it['targetResources'][0]
    tr.update({'id': u['id'], 'userPrincipalName': u['upn']})
    tr['modifiedProperties'][0]['oldValue'] = methods_json(before) if before else '[]'
    tr['modifiedProperties'][0]['newValue'] = methods_json(after) if after else '[]'
    return it


def graph_add_user(t, admin, who, frac):
    it = copy.deepcopy(DA['Add user'])
    a, u = user(admin), user(who)
    corr = gid()
    it['id'] = _dir_id('Directory', corr)
    it['correlationId'] = corr
    it['activityDateTime'] = iso7(t, frac)
    it['initiatedBy']['user'].update({'id': a['id'], 'userPrincipalName': a['upn']})
    tr = it['targetResources'][0]
    tr.update({'id': u['id'], 'userPrincipalName': u['upn']})
    for mp in tr['modifiedProperties']:
        if mp['displayName'] == 'DisplayName':
            mp['newValue'] = json.dumps([u['name']])
        elif mp['displayName'] == 'MailNickname':
            mp['newValue'] = json.dumps([who])
        elif mp['displayName'] == 'UserPrincipalName':
            mp['newValue'] = json.dumps([u['upn']])
        elif mp['displayName'] == 'StsRefreshTokensValidFrom':
            mp['newValue'] = json.dumps([iso_z(t)])
    return it


def graph_user_update(t, admin, who, ip, frac, props):
    """'Update user' by an admin (props: [(name, old, new)])."""
    it = copy.deepcopy(DA_USERUPD)
    a, u = user(admin), user(who)
    corr = gid()
    it['id'] = _dir_id('Directory', corr)
    it['correlationId'] = corr
    it['activityDateTime'] = iso7(t, frac)
    it['initiatedBy']['user'].update({'id': a['id'], 'userPrincipalName': a['upn'], 'ipAddress': ip})
    tr = it['targetResources'][0]
    tr.update({'id': u['id'], 'userPrincipalName': u['upn']})
    mps = [{'displayName': n, 'oldValue': o, 'newValue': nv} for n, o, nv in props]
    mps.append({'displayName': 'Included Updated Properties', 'oldValue': None,
                'newValue': json.dumps(', '.join(n for n, _, _ in props))})
    mps.append({'displayName': 'TargetId.UserType', 'oldValue': None, 'newValue': '"Member"'})
    tr['modifiedProperties'] = mps
    return it


def la_audit_from_graph(it, frac_ms=None):
    """A Log Analytics AuditLogs row with the same content as a Graph directoryAudits item."""
    base = copy.deepcopy(LA_AUDIT[6])
    t = it['activityDateTime']
    tg = t[:23] + 'Z'  # ms precision, as the Sentinel export
    init = {}
    if it['initiatedBy'].get('user'):
        uu = it['initiatedBy']['user']
        init['user'] = {'id': uu['id'], 'displayName': None, 'userPrincipalName': uu['userPrincipalName'],
                        'ipAddress': uu['ipAddress'], 'roles': []}
    else:
        ap = it['initiatedBy']['app']
        init['app'] = {'appId': ap['appId'], 'displayName': ap['displayName'],
                       'servicePrincipalId': ap['servicePrincipalId'], 'servicePrincipalName': None}
    trs = []
    for tr in it['targetResources']:
        trs.append({'id': tr['id'], 'displayName': tr['displayName'], 'type': tr['type'],
                    'userPrincipalName': tr['userPrincipalName'],
                    'modifiedProperties': tr['modifiedProperties'], 'administrativeUnits': []})
    base.update({
        'TimeGenerated': tg, 'OperationName': it['activityDisplayName'], 'Category': it['category'],
        'CorrelationId': it['correlationId'], 'Id': it['id'],
        'AdditionalDetails': json.dumps(it['additionalDetails'], separators=(',', ':')),
        'InitiatedBy': json.dumps(init, separators=(',', ':')),
        'LoggedByService': it['loggedByService'], 'Result': it['result'], 'ResultReason': it['resultReason'],
        'TargetResources': json.dumps(trs, separators=(',', ':')),
        'ActivityDisplayName': it['activityDisplayName'], 'ActivityDateTime': tg,
        'AADOperationType': it['operationType'],
    })
    return base


def azmon_audit_from_graph(it):
    """Azure Monitor AuditLogs record with the same content as a Graph directoryAudits item, in
    the diagnostic-setting shape (identity, tenantGeo, roles, administrativeUnits, '<null>')."""
    key = it['activityDisplayName'] if it['activityDisplayName'] in AZ_AUDIT else 'Update user'
    r = copy.deepcopy(AZ_AUDIT[key])
    p = r['properties']
    ib = it['initiatedBy']
    if ib.get('user'):
        uu = ib['user']
        init = {'user': {'id': uu['id'], 'displayName': None, 'userPrincipalName': uu['userPrincipalName'],
                         'ipAddress': uu['ipAddress'], 'roles': []}}
        ident, ip = uu['userPrincipalName'], uu['ipAddress']
    else:
        ap = ib['app']
        init = {'app': {'appId': ap['appId'], 'displayName': ap['displayName'],
                        'servicePrincipalId': ap['servicePrincipalId'], 'servicePrincipalName': None}}
        ident, ip = ap['displayName'], None
    p.update({
        'operationName': it['activityDisplayName'], 'identity': ident, 'id': it['id'],
        'category': it['category'], 'correlationId': it['correlationId'], 'result': it['result'],
        'resultReason': it['resultReason'], 'activityDisplayName': it['activityDisplayName'],
        'activityDateTime': it['activityDateTime'][:-1] + '+00:00',
        'loggedByService': it['loggedByService'], 'operationType': it['operationType'],
        'initiatedBy': init,
        'targetResources': [{'id': tr['id'], 'displayName': tr['displayName'], 'type': tr['type'],
                             'userPrincipalName': tr['userPrincipalName'],
                             'modifiedProperties': tr['modifiedProperties'], 'administrativeUnits': []}
                            for tr in it['targetResources']],
        'additionalDetails': it['additionalDetails'],
    })
    r.update({'time': it['activityDateTime'], 'operationName': it['activityDisplayName'],
              'correlationId': it['correlationId'], 'identity': ident,
              'callerIpAddress': ip if ip else '<null>'})
    return r


def ual_update_user_sam(t, who, before, after, sp_name='Azure Credential Configuration Endpoint Service',
                        sp_id='6967ab66-a9b3-47da-a43c-67bf68892f70'):
    """UAL 'Update user.' whose StrongAuthenticationMethod changed (self-service registration)."""
    u = user(who)
    a = copy.deepcopy(UAL_ADDUSER)
    a.update({
        'CreationTime': ual_time(t), 'Id': gid(), 'Operation': 'Update user.',
        'UserKey': 'Not Available', 'UserType': 4, 'ClientIP': '', 'ObjectId': u['upn'],
        'UserId': 'ServicePrincipal_' + sp_id,
        'ExtendedProperties': [{'Name': 'additionalDetails', 'Value': '{"UserType":"Member"}'},
                               {'Name': 'extendedAuditEventCategory', 'Value': 'User'}],
        'ModifiedProperties': [
            {'Name': 'StrongAuthenticationMethod', 'NewValue': methods_json(after) if after else '[]',
             'OldValue': methods_json(before) if before else '[]'},
            {'Name': 'Included Updated Properties', 'NewValue': 'StrongAuthenticationMethod', 'OldValue': ''},
            {'Name': 'TargetId.UserType', 'NewValue': 'Member', 'OldValue': ''}],
        'Actor': [{'ID': sp_name, 'Type': 1}, {'ID': 'ServicePrincipal_' + sp_id, 'Type': 2},
                  {'ID': sp_id, 'Type': 2}, {'ID': 'ServicePrincipal', 'Type': 2}],
        'ActorIpAddress': '', 'InterSystemsId': gid(), 'IntraSystemId': gid(),
        'Target': [{'ID': 'User_' + u['id'], 'Type': 2}, {'ID': u['id'], 'Type': 2}, {'ID': 'User', 'Type': 2},
                   {'ID': u['upn'], 'Type': 5}, {'ID': '1003%012X' % _rng.getrandbits(48), 'Type': 3}],
    })
    return a


def ual_cmdlet(t, who, ip, op, params, app_id='fb78d390-0c51-40cd-8e17-fdbfab77341b', obj=''):
    u = user(who)
    a = copy.deepcopy(UAL_CMDLET)
    a.pop('AppAccessContext', None)
    a.update({'CreationTime': ual_time(t), 'Id': gid(), 'Operation': op, 'UserId': u['upn'],
              'UserKey': '1003%012X' % _rng.getrandbits(48), 'ClientIP': ip, 'ObjectId': obj,
              'AppId': app_id, 'Parameters': [{'Name': k, 'Value': v} for k, v in params],
              'SessionId': gid()})
    return a


def write(case, files):
    os.makedirs(case, exist_ok=True)
    for name, data in files.items():
        mode = 'wb' if isinstance(data, bytes) else 'w'
        with open(os.path.join(case, name), mode, **({} if mode == 'wb' else {'newline': ''})) as f:
            f.write(data)
