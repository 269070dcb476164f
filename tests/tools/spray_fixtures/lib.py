"""Fixture records for the password-spray rules, built from real-shaped contoso-demo records
(Graph beta signIns, UAL AzureActiveDirectoryStsLogon, Azure Monitor SignInLogs, Purview CSV)
with ids, times, users, addresses and codes changed."""
import copy, csv, io, json, os, random, uuid, datetime as dt

T = os.path.dirname(os.path.abspath(__file__))
GF = json.load(open(f'{T}/graph_fail.json'))
GO = json.load(open(f'{T}/graph_ok.json'))
UF = json.load(open(f'{T}/ual_fail.json'))
UO = json.load(open(f'{T}/ual_ok.json'))
AF = json.load(open(f'{T}/az_fail.json'))
AO = json.load(open(f'{T}/az_ok.json'))
TENANT = '6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14'
DOMAIN = 'contosodemo.onmicrosoft.com'

APPS = {
    'OfficeHome': ('4765445b-32c6-49b0-83e6-1d93765276ca', 'Microsoft Graph', '00000003-0000-0000-c000-000000000000', 'Browser'),
    'One Outlook Web': ('9199bf20-a13f-4107-85dc-02114787ef48', 'Office 365 Exchange Online', '00000002-0000-0ff1-ce00-000000000000', 'Browser'),
    'Microsoft Teams': ('1fec8e78-bce4-4aaf-ab1b-5451cc387264', 'Microsoft Teams Services', 'cc15fd57-2c6c-4117-a88c-83b1d56b4bbe', 'Mobile Apps and Desktop clients'),
    'Microsoft Office': ('d3590ed6-52b3-4102-aeff-aad2292ab01c', 'Office 365 Exchange Online', '00000002-0000-0ff1-ce00-000000000000', 'Mobile Apps and Desktop clients'),
    'Azure Active Directory PowerShell': ('1b730954-1685-4b74-9bfd-dac224a7b894', 'Windows Azure Active Directory', '00000002-0000-0000-c000-000000000000', 'Mobile Apps and Desktop clients'),
    'Microsoft Azure CLI': ('04b07795-8ddb-461a-bbee-02f9e1bf7b46', 'Windows Azure Service Management API', '797f4846-ba00-4fd7-ba43-dac1f8f63013', 'Mobile Apps and Desktop clients'),
}

UA = {
    'edge': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0',
    'chrome': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36',
    'chrome_mac': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36',
    'safari_mac': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Safari/605.1.15',
    'firefox': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:135.0) Gecko/20100101 Firefox/135.0',
    'iphone': 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Mobile/15E148 Safari/604.1',
    'android': 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Mobile Safari/537.36',
    'outlook': 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.18429; Pro)',
    'spray120': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    'python': 'python-requests/2.31.0',
}
UA_DEV = {  # (os, browser) for deviceDetail / UAL DeviceProperties
    'edge': ('Windows10', 'Edge 133.0.0', 'Edge'), 'chrome': ('Windows10', 'Chrome 133.0.0', 'Chrome'),
    'chrome_mac': ('MacOs', 'Chrome 133.0.0', 'Chrome'), 'safari_mac': ('MacOs', 'Safari 18.3', 'Safari'),
    'firefox': ('Windows10', 'Firefox 135.0', 'Firefox'), 'iphone': ('Ios', 'Mobile Safari 18.3', 'Mobile Safari'),
    'android': ('Android', 'Chrome Mobile 133.0.0', 'Chrome Mobile'), 'outlook': ('Windows10', '', 'Other'),
    'spray120': ('Windows10', 'Chrome 120.0.0', 'Chrome'), 'python': ('', 'Python Requests 2.31', 'Other'),
}

CODES = {  # failureReason, UAL LogonError
    0: ('Other.', None),
    50126: ('Error validating credentials due to invalid username or password.', 'InvalidUserNameOrPassword'),
    50053: ('Account is locked because user tried to sign in too many times with an incorrect user ID or password.', 'IdsLocked'),
    50055: ('Invalid password, entered expired password.', 'InvalidPasswordExpiredPassword'),
    50057: ('User account is disabled. The account has been disabled by an administrator.', 'UserAccountDisabled'),
    50034: ('The user account does not exist in the directory. An application has attempted to sign in with an account that does not exist.', 'UserAccountNotFound'),
    50056: ('Invalid or null password: password does not exist in the directory for this user.', 'InvalidPasswordNullPassword'),
    50064: ('Credential validation on username or password has failed.', 'CredentialAuthenticationError'),
    50076: ('Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.', 'UserStrongAuthClientAuthNRequired'),
    50074: ('Strong Authentication is required.', 'UserStrongAuthClientAuthNRequiredInterrupt'),
}
STEP = {0: 'Correct password', 50126: 'Invalid username or password or Invalid on-premise username or password.',
        50053: 'Account is locked', 50055: 'Password expired', 50057: 'User account is disabled',
        50034: 'User account not found', 50056: 'Invalid or null password', 50064: 'Credential validation failed',
        50076: 'Correct password', 50074: 'Correct password'}

CITIES = [('Boston', 'Massachusetts', 42.35843, -71.05978), ('Cambridge', 'Massachusetts', 42.3751, -71.10561),
          ('Quincy', 'Massachusetts', 42.25288, -71.00227), ('Newton', 'Massachusetts', 42.33704, -71.20922),
          ('Houston', 'Texas', 29.76043, -95.3698), ('Denver', 'Colorado', 39.73915, -104.9847),
          ('Atlanta', 'Georgia', 33.749, -84.38798), ('Seattle', 'Washington', 47.60621, -122.33207),
          ('Chicago', 'Illinois', 41.85003, -87.65005), ('Phoenix', 'Arizona', 33.44838, -112.07404),
          ('Charlotte', 'North Carolina', 35.22709, -80.84313), ('Omaha', 'Nebraska', 41.25654, -95.9345),
          ('New York', 'New York', 40.71427, -74.00597), ('Clifton', 'New Jersey', 40.85843, -74.16376)]


class Ids:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def uuid(self):
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def tok(self):
        a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
        return ''.join(self.r.choice(a) for _ in range(22))


class User:
    def __init__(self, ids, local, name, home, asn=7922, ua='edge', city=None):
        self.upn = f'{local}@{DOMAIN}'
        self.name = name
        self.id = ids.uuid()
        self.home = home
        self.asn = asn
        self.ua = ua
        self.city = city or CITIES[1 + sum(map(ord, local)) % 3]


def S(**kw):
    """One sign-in: t (datetime), user (User or upn str), ip, ua key or string, app name, code,
    asn, city tuple, interactive."""
    return kw


def ts_graph(t):
    return t.strftime('%Y-%m-%dT%H:%M:%SZ')


def ua_of(k):
    return UA.get(k, k)


def dev_of(k):
    return UA_DEV.get(k, ('Windows10', 'Chrome', 'Chrome'))


def _who(s):
    u = s['user']
    if isinstance(u, User):
        return u.upn, u.name, u.id
    return u, '', ''  # an account that does not exist: no object id


def graph_record(ids, s):
    code = s.get('code', 0)
    r = copy.deepcopy(GO if code == 0 else GF)
    upn, name, uid = _who(s)
    app = s.get('app', 'OfficeHome')
    appid, res, resid, cau = APPS[app]
    rid = ids.uuid()
    t = s['t']
    r['id'] = r['originalRequestId'] = rid
    r['createdDateTime'] = ts_graph(t)
    r['userDisplayName'] = name
    r['userPrincipalName'] = upn
    r['userId'] = uid
    r['signInIdentifier'] = upn
    r['appId'], r['appDisplayName'] = appid, app
    r['resourceDisplayName'], r['resourceId'] = res, resid
    r['clientAppUsed'] = s.get('client', cau)
    r['ipAddress'] = s['ip']
    r['userAgent'] = ua_of(s['ua'])
    r['correlationId'] = ids.uuid()
    r['uniqueTokenIdentifier'] = ids.tok()
    r['processingTimeInMilliseconds'] = ids.r.randint(90, 480)
    r['autonomousSystemNumber'] = s.get('asn', 7922)
    r['authenticationProtocol'] = 'ropc' if app in ('Azure Active Directory PowerShell',) else 'none'
    r['sessionId'] = ids.uuid() if code == 0 or code in (50076, 50074) else ''
    r['isInteractive'] = s.get('interactive', True)
    r['signInEventTypes'] = ['interactiveUser'] if r['isInteractive'] else ['nonInteractiveUser']
    r['status'] = {'errorCode': code, 'failureReason': CODES[code][0],
                   'additionalDetails': None if code == 0 else (
                       "The user didn't enter the right credentials. It's expected to see some number of these errors in your logs due to users making mistakes."
                       if code == 50126 else 'MFA requirement not satisfied' if code in (50076, 50074) else None)}
    os_, br, _ = dev_of(s['ua'])
    r['deviceDetail']['operatingSystem'] = os_
    r['deviceDetail']['browser'] = br
    c = s.get('city', CITIES[0])
    r['location'] = {'city': c[0], 'state': c[1], 'countryOrRegion': 'US',
                     'geoCoordinates': {'altitude': None, 'latitude': c[2], 'longitude': c[3]}}
    office = s['ip'].startswith('203.0.113.')
    r['networkLocationDetails'] = ([{'networkType': 'trustedNamedLocation', 'networkNames': ['Boston HQ']}]
                                   if office else [])
    step = r['authenticationDetails'][0]
    step['authenticationStepDateTime'] = ts_graph(t)
    step['succeeded'] = code in (0, 50076, 50074, 50055)
    step['authenticationStepResultDetail'] = STEP[code]
    if code in (50076, 50074):
        r['conditionalAccessStatus'] = 'failure'
    return r


def graph_page(ids, sigs):
    recs = [graph_record(ids, s) for s in sigs]
    recs.sort(key=lambda r: r['createdDateTime'], reverse=True)  # Graph pages are newest first
    return json.dumps({'@odata.context': 'https://graph.microsoft.com/beta/$metadata#auditLogs/signIns',
                       'value': recs}, ensure_ascii=False, separators=(',', ':')) + '\n'


def ual_record(ids, s):
    code = s.get('code', 0)
    r = copy.deepcopy(UO if code == 0 else UF)
    upn, name, uid = _who(s)
    t = s['t']
    r['CreationTime'] = t.strftime('%Y-%m-%dT%H:%M:%S')
    r['Id'] = ids.uuid()
    r['Operation'] = 'UserLoggedIn' if code == 0 else 'UserLoginFailed'
    r['UserKey'] = uid or '00000000-0000-0000-0000-000000000000'
    r['UserId'] = s.get('userid_case', upn)
    r['ClientIP'] = r['ActorIpAddress'] = s['ip']
    app = s.get('app', 'OfficeHome')
    appid, res, resid, _ = APPS[app]
    r['ApplicationId'] = appid
    r['ObjectId'] = resid
    r['Target'] = [{'ID': resid, 'Type': 0}]
    r['Actor'] = [{'ID': uid or '00000000-0000-0000-0000-000000000000', 'Type': 0},
                  {'ID': r['UserId'], 'Type': 5}]
    r['InterSystemsId'] = ids.uuid()
    r['IntraSystemId'] = ids.uuid()
    for p in r['ExtendedProperties']:
        if p['Name'] == 'UserAgent':
            p['Value'] = ua_of(s['ua'])
        if p['Name'] == 'RequestType':
            p['Value'] = 'OAuth2:Token' if app == 'Azure Active Directory PowerShell' else 'OAuth2:Authorize'
    os_, _, bt = dev_of(s['ua'])
    dp = [{'Name': 'OS', 'Value': os_}, {'Name': 'BrowserType', 'Value': bt},
          {'Name': 'IsCompliantAndManaged', 'Value': 'False'}]
    if code == 0:
        dp.append({'Name': 'SessionId', 'Value': ids.uuid()})
    r['DeviceProperties'] = dp
    r['ErrorNumber'] = str(code)
    if code == 0:
        r.pop('LogonError', None)
    else:
        r['LogonError'] = CODES[code][1]
    return r


def ual_jsonl(ids, sigs):
    recs = [ual_record(ids, s) for s in sorted(sigs, key=lambda s: s['t'])]
    return ''.join(json.dumps(r, ensure_ascii=False, separators=(',', ':')) + '\n' for r in recs)


def purview_csv(ids, sigs):
    out = io.StringIO()
    w = csv.writer(out, lineterminator='\r\n')
    w.writerow(['RecordId', 'CreationDate', 'RecordType', 'Operation', 'UserId', 'AuditData',
                'AssociatedAdminUnits', 'AssociatedAdminUnitsNames'])
    recs = [ual_record(ids, s) for s in sigs]
    recs.sort(key=lambda r: r['CreationTime'], reverse=True)  # Purview exports newest first
    for r in recs:
        t = dt.datetime.strptime(r['CreationTime'], '%Y-%m-%dT%H:%M:%S')
        h = t.hour % 12 or 12
        cd = f'{t.month}/{t.day}/{t.year} {h}:{t.minute:02d}:{t.second:02d} {"AM" if t.hour < 12 else "PM"}'
        ad = json.dumps(r, ensure_ascii=False, separators=(',', ':')).replace('/', '\\/')
        w.writerow([r['Id'], cd, '15', r['Operation'], r['UserId'], ad, '', ''])
    return out.getvalue()


def az_record(ids, s):
    code = s.get('code', 0)
    r = copy.deepcopy(AO if code == 0 else AF)
    p = r['properties']
    g = graph_record(ids, s)
    t = s['t']
    frac = ids.r.randint(0, 9999999)
    iso = t.strftime('%Y-%m-%dT%H:%M:%S') + f'.{frac:07d}'
    r['time'] = iso + 'Z'
    r['resultType'] = str(code)
    if code:
        r['resultDescription'] = CODES[code][0]
    else:
        r.pop('resultDescription', None)
    r['callerIpAddress'] = s['ip']
    r['correlationId'] = g['correlationId']
    r['identity'] = g['userDisplayName']
    for k in ('id', 'originalRequestId', 'userDisplayName', 'userPrincipalName', 'userId', 'appId',
              'appDisplayName', 'ipAddress', 'clientAppUsed', 'userAgent', 'correlationId',
              'resourceDisplayName', 'resourceId', 'uniqueTokenIdentifier', 'autonomousSystemNumber',
              'authenticationProtocol', 'sessionId', 'isInteractive', 'conditionalAccessStatus',
              'processingTimeInMilliseconds', 'signInIdentifier'):
        p[k] = g[k]
    p['alternateSignInName'] = g['userPrincipalName']
    p['createdDateTime'] = iso + '+00:00'
    p['status'] = {k: v for k, v in g['status'].items() if v is not None}
    if code == 0:
        p['status'] = {'errorCode': 0}
    p['deviceDetail']['operatingSystem'] = g['deviceDetail']['operatingSystem']
    p['deviceDetail']['browser'] = g['deviceDetail']['browser']
    c = g['location']
    p['location'] = {'city': c['city'], 'state': c['state'], 'countryOrRegion': 'US',
                     'geoCoordinates': {'latitude': c['geoCoordinates']['latitude'],
                                        'longitude': c['geoCoordinates']['longitude']}}
    p['networkLocationDetails'] = g['networkLocationDetails']
    step = p['authenticationDetails'][0]
    step['authenticationStepDateTime'] = iso + '+00:00'
    step['succeeded'] = g['authenticationDetails'][0]['succeeded']
    step['authenticationStepResultDetail'] = g['authenticationDetails'][0]['authenticationStepResultDetail']
    return r


def azmon_lines(ids, sigs, batch=4):
    recs = [az_record(ids, s) for s in sorted(sigs, key=lambda s: s['t'])]
    out = ''
    for i in range(0, len(recs), batch):
        out += json.dumps({'records': recs[i:i + batch]}, ensure_ascii=False, separators=(',', ':')) + '\n'
    return out


def write_case(rule, case, files, expect, args=None, extra=None):
    d = os.path.join(T, '..', '..', 'detections', rule, case)
    os.makedirs(d, exist_ok=True)
    for name, text in files.items():
        with open(f'{d}/{name}', 'w', encoding='utf-8', newline='') as f:
            f.write(text)
    with open(f'{d}/expect.json', 'w') as f:
        f.write(json.dumps(dict(rule=rule, findings=expect), separators=(',', ':')) + '\n')
    if args:
        with open(f'{d}/args', 'w') as f:
            f.write('\n'.join(args) + '\n')
    for name, text in (extra or {}).items():
        with open(f'{d}/{name}', 'w') as f:
            f.write(text)
