# Record builders for the contoso-demo tenant, shaped field by field after the demo's records
# (examples/contoso-demo) and the real samples (shared/realdata).
import csv, hashlib, io, json, os, uuid
from datetime import datetime, timedelta

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'detections')
T = '6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14'
WS = '9e2d7c41-3a5b-4f08-b6e1-d04c8a2f7b93'
D = 'contosodemo.onmicrosoft.com'
EXO_ORG = 'NAMPR05A012.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contosodemo.onmicrosoft.com/'
EXO_PS = 'fb78d390-0c51-40cd-8e17-fdbfab77341b'   # Exchange REST PowerShell
EXO_APP = '00000002-0000-0ff1-ce00-000000000000'
SIDP = 'S-1-5-21-2961442807-1823374522-3371018419-'

# upn local part -> (object id, PUID, SID rid, display name)
U = {
    'dana.whitfield': ('cb0aabac-34f9-4056-886d-a98e490c9b67', '1003200A1B2C3D01', '52216601', 'Dana Whitfield'),
    'marcus.oyelaran': ('99e8ce88-b8af-4db7-ac85-12f9d594c04b', '1003200A1B2C3D02', '52216605', 'Marcus Oyelaran'),
    'priya.raman': ('9606ce50-8019-49ea-aef4-542a80058fe1', '1003AE0A4AFE9857', '52216610', 'Priya Raman'),
    'tom.becker': ('042f1068-9091-4b6f-8368-431845d5841c', '10032001F2E3A4B5', '52216614', 'Tom Becker'),
    'lucia.fernandez': ('74a251c9-2f42-4e41-9a19-40cd4e6a86fc', '1003200A1B2C3D05', '52216618', 'Lucía Fernández'),
    'ken.yamada': ('a6b96773-d12c-4cc1-a490-b0c9a3312f19', '1003200A1B2C3D06', '52216622', 'Ken Yamada'),
    'sarah.oneill': ('09058ed0-cc1d-4c62-a5f2-daa3607fc5d7', '1003200A1B2C3D07', '52216626', "Sarah O'Neill"),
    'james.cole': ('b3f6298f-a55d-44c1-a737-94de6c0680b0', '1003200A1B2C3D08', '52216630', 'James Cole'),
    'aisha.khan': ('80aef05e-f7da-464a-8dbc-0319cd3a1ce0', '1003200A1B2C3D09', '52216634', 'Aisha Khan'),
    'emily.tran': ('aa6c7a76-67ab-42fa-b46d-f012d2e81af6', '1003200A1B2C3D0A', '52216638', 'Emily Tran'),
    'noah.brooks': ('5353afd2-db70-46ca-84d5-74e84756d792', '1003200A1B2C3D0B', '52216642', 'Noah Brooks'),
    'svc-legacytest': ('8b9ec48b-fa2c-4704-a3bb-030ba4e38f23', '10031521E233F820', '52216646', 'svc-legacytest'),
    'svc-m365sync': ('0a958be3-cc4a-4532-bdc3-5aaf621969b0', '1003AD19A5C9E1B9', '79186752', 'M365 Sync Service'),
    'secops': ('3c0d2f6a-8a51-4c1e-9d0b-6f2e4a7c1b90', '1003200A1B2C3D0C', '52216650', 'Security Operations'),
}
SYS = 'NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)'


def upn(u):
    return u if '@' in u else f'{u}@{D}'


def local(u):
    return u.split('@')[0]


def rid(seed, fmt='exo'):
    h = hashlib.sha1(seed.encode()).hexdigest()
    if fmt == 'exo':
        return f'{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-08de{h[20:28]}'
    return str(uuid.UUID(h[:32]))


def iso(t):
    return t  # '2026-03-06T15:40:12'


def add_s(t, secs):
    return (datetime.strptime(t, '%Y-%m-%dT%H:%M:%S') + timedelta(seconds=secs)).strftime('%Y-%m-%dT%H:%M:%S')


def cmdlet(t, op, actor, params, ip=None, obj=None, result='True', app=EXO_PS, token=None,
           session=None):
    """UAL ExchangeAdmin record (RecordType 1), as the Management Activity API returns it."""
    system = actor == SYS
    r = {}
    if token and not system:
        r['AppAccessContext'] = {'IssuedAtTime': add_s(t, -1800), 'UniqueTokenId': token}
    r.update({'CreationTime': t, 'Id': rid(f'{t}{op}{actor}{params}'), 'Operation': op,
              'OrganizationId': T, 'RecordType': 1, 'ResultStatus': result,
              'UserKey': SYS if system else U[local(actor)][1] if local(actor) in U else '1003200A9F9F9F9F',
              'UserType': 3 if system else 2, 'Version': 1, 'Workload': 'Exchange'})
    if ip and not system:
        r['ClientIP'] = ip
    r['ObjectId'] = obj if obj is not None else ''
    r['UserId'] = SYS if system else upn(actor)
    r['AppId'] = '' if system else app
    r['ClientAppId'] = ''
    r['ExternalAccess'] = system
    r['OrganizationName'] = D
    r['OriginatingServer'] = 'BN8PR05MB6609 (15.20.8489.011)'
    r['Parameters'] = [{'Name': k, 'Value': v} for k, v in params]
    if session and not system:
        r['SessionId'] = session
    return r


def mail_read(t, mailbox, reader, ip, client, app, items=3, logon_type=None, path='\\Inbox'):
    """UAL MailItemsAccessed (RecordType 50)."""
    owner = local(mailbox)
    lt = logon_type if logon_type is not None else (0 if reader == owner else 1)
    r = {}
    if reader != owner:
        r['AppAccessContext'] = {'AADSessionId': rid(t + 'sess', 'guid'), 'ClientAppId': app,
                                 'IssuedAtTime': add_s(t, -900),
                                 'UniqueTokenId': hashlib.sha1((t + 'tok').encode()).hexdigest()[:22]}
    r.update({'CreationTime': t, 'Id': rid(f'{t}{mailbox}{reader}', 'guid'), 'Operation': 'MailItemsAccessed',
              'OrganizationId': T, 'RecordType': 50, 'ResultStatus': 'Succeeded',
              'UserKey': U[reader][1], 'UserType': 0, 'Version': 1, 'Workload': 'Exchange',
              'UserId': upn(reader), 'AppId': app, 'ClientAppId': app, 'ClientIPAddress': ip,
              'ClientInfoString': client, 'ExternalAccess': False, 'InternalLogonType': lt,
              'LogonType': lt, 'LogonUserSid': SIDP + U[reader][2],
              'MailboxGuid': rid(owner + 'mbx', 'guid'), 'MailboxOwnerSid': SIDP + U[owner][2],
              'MailboxOwnerUPN': upn(owner),
              'OperationProperties': [{'Name': 'MailAccessType', 'Value': 'Bind'},
                                      {'Name': 'IsThrottled', 'Value': 'False'}],
              'OrganizationName': D, 'OriginatingServer': 'SA1PR05MB8340 (15.20.8511.008)\r\n',
              'TokenObjectId': U[reader][0], 'TokenTenantId': T,
              'Folders': [{'FolderItems': [
                  {'InternetMessageId': f'<SA1PR05MB8340{hashlib.md5((t + str(i)).encode()).hexdigest()[:20].upper()}@SA1PR05MB8340.namprd05.prod.outlook.com>',
                   'SizeInBytes': 40000 + 7919 * i} for i in range(items)],
                  'Id': 'LgAAAABCFDsXYcwz12IWlyiMk6KXN1m+lfBWZi6m2NaiIzrUWOjLRAAAB', 'Path': path}],
              'OperationCount': items})
    return r


def aad_ual(t, op, actor, target, props, ip=None, actor_sp=None):
    """UAL AzureActiveDirectory record (RecordType 8), e.g. 'Change user license.'."""
    a = U[local(actor)] if actor else None
    tg = U[local(target)]
    r = {'CreationTime': t, 'Id': rid(f'{t}{op}{target}', 'guid'), 'Operation': op,
         'OrganizationId': T, 'RecordType': 8, 'ResultStatus': 'Success',
         'UserKey': f'{a[1]}@{D}', 'UserType': 0, 'Version': 1, 'Workload': 'AzureActiveDirectory'}
    if ip:
        r['ClientIP'] = ip
    r.update({'ObjectId': upn(target), 'UserId': upn(actor), 'AzureActiveDirectoryEventType': 1,
              'ExtendedProperties': [{'Name': 'additionalDetails', 'Value': '{"UserType":"Member"}'},
                                     {'Name': 'extendedAuditEventCategory', 'Value': 'User'}],
              'ModifiedProperties': props,
              'Actor': [{'ID': upn(actor), 'Type': 5}, {'ID': a[1], 'Type': 3},
                        {'ID': f'User_{a[0]}', 'Type': 2}, {'ID': a[0], 'Type': 2},
                        {'ID': 'User', 'Type': 2}],
              'ActorContextId': T})
    if ip:
        r['ActorIpAddress'] = ip
    r.update({'InterSystemsId': rid(t + 'isi', 'guid'), 'IntraSystemId': rid(t + 'iai', 'guid'),
              'SupportTicketId': '',
              'Target': [{'ID': f'User_{tg[0]}', 'Type': 2}, {'ID': tg[0], 'Type': 2},
                         {'ID': 'User', 'Type': 2}, {'ID': upn(target), 'Type': 5},
                         {'ID': tg[1], 'Type': 3}],
              'TargetContextId': T})
    return r


def lic(sku, skuid, disabled):
    return f'[SkuName={sku}, AccountId={T}, SkuId={skuid}, DisabledPlans=[{", ".join(disabled)}]]'


def ual_list(entries):
    """UAL pretty-printed string array value: '[\\r\\n  "…"\\r\\n]'."""
    if not entries:
        return '[]'
    return '[\r\n' + ',\r\n'.join('  ' + json.dumps(e) for e in entries) + '\r\n]'


def entra_list(entries):
    return json.dumps(entries, separators=(',', ':'))


E5 = ('SPE_E5', '06ebc4ee-1bb5-47dd-8120-11324bc54e06')
E3 = ('SPE_E3', '05e9a617-0261-4cee-bb44-138d3ef5d965')
EMS = ('EMSPREMIUM', 'b05e124f-c7cc-45a0-a6aa-8cf78c946968')
E5C = ('INFORMATION_PROTECTION_COMPLIANCE', '184efa21-98c3-4e5d-95ab-d07053a96e67')
AUDIT_PLAN = '2f442157-a11c-46b9-ae5b-6e39ff4e5849'


def plan(plan_id, status, instance, ts='2024-01-15T09:12:44Z', numeric=True):
    st = {'Enabled': 0, 'Warning': 1, 'Suspended': 2, 'Deleted': 3}[status] if numeric else status
    return {'SubscribedPlanId': rid(plan_id + instance, 'guid'), 'ServiceInstance': instance,
            'CapabilityStatus': st, 'AssignedTimestamp': ts, 'InitialState': None,
            'Capability': None, 'ServicePlanId': plan_id}


def graph_audit(t, activity, actor, target, props, ip=None, app_actor=None, category='UserManagement',
                corr=None):
    """Graph directoryAudits item (v1.0)."""
    corr = corr or rid(t + activity + target, 'guid')
    ib = {'app': None, 'user': None}
    if app_actor:
        ib['app'] = {'appId': app_actor[0], 'displayName': app_actor[1],
                     'servicePrincipalId': app_actor[2], 'servicePrincipalName': None}
    else:
        a = U[local(actor)]
        ib['user'] = {'id': a[0], 'displayName': None, 'userPrincipalName': upn(actor),
                      'ipAddress': ip, 'userType': None, 'homeTenantId': None, 'homeTenantName': None}
    tg = U[local(target)]
    return {'id': f'Directory_{corr}_{hashlib.md5(t.encode()).hexdigest()[:5].upper()}_{int(hashlib.md5(activity.encode()).hexdigest()[:7], 16)}',
            'category': category, 'correlationId': corr, 'result': 'success', 'resultReason': '',
            'activityDisplayName': activity, 'activityDateTime': t, 'loggedByService': 'Core Directory',
            'operationType': 'Update', 'initiatedBy': ib,
            'targetResources': [{'id': tg[0], 'displayName': None, 'type': 'User',
                                 'userPrincipalName': upn(target), 'groupType': None,
                                 'modifiedProperties': [{'displayName': n, 'oldValue': o, 'newValue': v}
                                                        for n, o, v in props]}],
            'additionalDetails': [{'key': 'UserType', 'value': 'Member'}]}


def graph_page(items):
    return json.dumps({'@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits',
                       'value': items}, ensure_ascii=False, separators=(',', ':')) + '\n'


def la_auditlogs(t, op, actor, target, props, ip=None, app_actor=None, category='UserManagement'):
    """Log Analytics AuditLogs row (JSON export): dynamic columns as JSON strings."""
    g = graph_audit(t, op, actor, target, props, ip, app_actor, category)
    tr = g['targetResources']
    for x in tr:
        x['administrativeUnits'] = []
        x.pop('groupType', None)
    ib = {k: v for k, v in g['initiatedBy'].items() if v}
    if 'user' in ib:
        ib['user'] = {'id': ib['user']['id'], 'displayName': None,
                      'userPrincipalName': ib['user']['userPrincipalName'],
                      'ipAddress': ib['user']['ipAddress'], 'roles': []}
    return {'TenantId': WS, 'SourceSystem': 'Azure AD', 'TimeGenerated': t,
            'ResourceId': f'/tenants/{T}/providers/Microsoft.aadiam', 'OperationName': op,
            'OperationVersion': '1.0', 'Category': category, 'ResultSignature': 'None',
            'CorrelationId': g['correlationId'], 'Resource': 'Microsoft.aadiam',
            'ResourceGroup': 'Microsoft.aadiam', 'Level': '4',
            'AdditionalDetails': json.dumps(g['additionalDetails'], separators=(',', ':')),
            'Id': g['id'], 'InitiatedBy': json.dumps(ib, separators=(',', ':'), ensure_ascii=False),
            'LoggedByService': 'Core Directory', 'Result': 'success', 'ResultReason': '',
            'TargetResources': json.dumps(tr, separators=(',', ':'), ensure_ascii=False),
            'AADTenantId': T, 'ActivityDisplayName': op, 'ActivityDateTime': t,
            'AADOperationType': 'Update', 'Type': 'AuditLogs'}


def officeactivity(rec, ws=WS):
    """A UAL record as a Log Analytics OfficeActivity row (JSON export)."""
    rt = {1: 'ExchangeAdmin', 2: 'ExchangeItem', 50: '50', 8: 'AzureActiveDirectory'}[rec['RecordType']]
    ut = {0: 'Regular', 2: 'Admin', 3: 'DcAdmin'}[rec['UserType']]
    tg = rec['CreationTime'] + 'Z'
    row = {'TenantId': ws, 'RecordType': rt, 'TimeGenerated': tg, 'Operation': rec['Operation'],
           'OrganizationId': T, 'OrganizationId_': T, 'UserType': ut, 'UserKey': rec['UserKey'],
           'OfficeWorkload': rec['Workload'], 'ResultStatus': rec['ResultStatus']}
    if 'ObjectId' in rec:
        row['OfficeObjectId'] = rec['ObjectId']
    row['UserId'] = rec['UserId']
    row['UserId_'] = rec['UserId']
    if 'ClientIP' in rec:
        row['ClientIP'] = rec['ClientIP']
        row['ClientIP_'] = rec['ClientIP']
    if 'Parameters' in rec:
        row['Parameters'] = json.dumps(rec['Parameters'], separators=(',', ':'), ensure_ascii=False)
    row['ExternalAccess'] = 'True' if rec.get('ExternalAccess') else 'False'
    row['OriginatingServer'] = rec.get('OriginatingServer', '')
    row['OrganizationName'] = D
    for k, n in (('LogonType', 'Logon_Type'),):
        if k in rec:
            row[n] = {0: 'Owner', 1: 'Admin', 2: 'Delegate'}[rec[k]]
    for k in ('InternalLogonType', 'MailboxGuid', 'MailboxOwnerUPN', 'MailboxOwnerSid',
              'LogonUserSid', 'ClientInfoString'):
        if k in rec:
            row[k] = str(rec[k]) if k == 'InternalLogonType' else rec[k]
    if 'ClientIPAddress' in rec:
        row['Client_IPAddress'] = rec['ClientIPAddress']
    if 'Item' in rec:
        row['Item'] = json.dumps(rec['Item'], separators=(',', ':'), ensure_ascii=False)
    if 'Folders' in rec:
        row['Folders'] = json.dumps(rec['Folders'], separators=(',', ':'))
    if 'OperationProperties' in rec:
        row['OperationProperties'] = json.dumps(rec['OperationProperties'], separators=(',', ':'))
    late = add_s(rec['CreationTime'], 431) + 'Z'
    row.update({'ElevationTime': late, 'SourceSystem': 'OfficeActivityManager', 'OfficeId': rec['Id'],
                'SourceRecordId': rec['Id'], 'Start_Time': late, 'OfficeTenantId': '$RestApiTenantId$',
                'OfficeTenantId_': '$RestApiTenantId$'})
    if 'AppId' in rec:
        row['AppId'] = rec['AppId']
        row['ClientAppId'] = rec.get('ClientAppId', '')
    row['Type'] = 'OfficeActivity'
    return row


def purview_csv(recs):
    """Purview audit search export (new layout), newest first, CRLF, AuditData with \\/ escapes."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator='\r\n')
    w.writerow(['RecordId', 'CreationDate', 'RecordType', 'Operation', 'UserId', 'AuditData',
                'AssociatedAdminUnits', 'AssociatedAdminUnitsNames'])
    for r in sorted(recs, key=lambda r: r['CreationTime'], reverse=True):
        dt = datetime.strptime(r['CreationTime'], '%Y-%m-%dT%H:%M:%S')
        cd = f'{dt.month}/{dt.day}/{dt.year} {(dt.hour % 12) or 12}:{dt.minute:02d}:{dt.second:02d} {"AM" if dt.hour < 12 else "PM"}'
        ad = json.dumps(r, separators=(',', ':'), ensure_ascii=False).replace('/', '\\/')
        w.writerow([r['Id'], cd, r['RecordType'], r['Operation'], r['UserId'], ad, '', ''])
    return out.getvalue()


# The demo tenant's UAL UserLoggedIn, re-targeted by login().
import copy as _copy
import csv as _csv

DEMO = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'examples', 'contoso-demo')
_LOGIN = next(json.loads(r[5]) for r in _csv.reader(open(os.path.join(DEMO, 'purview', 'AuditLog_2026-03.csv'),
                                                         newline='', encoding='utf-8'))
              if len(r) > 5 and r[3] == 'UserLoggedIn')


def login(t, who, ip):
    """UAL UserLoggedIn (RecordType 15), the demo's record re-targeted."""
    a = _copy.deepcopy(_LOGIN)
    u = U.get(who, (rid(who + 'id', 'guid'), rid(who + 'puid')[:16].upper(), '1', who))
    a.update({'CreationTime': t, 'Id': rid(t + who + ip, 'guid'), 'UserKey': u[0], 'UserId': upn(who),
              'ClientIP': ip, 'ActorIpAddress': ip, 'InterSystemsId': rid(t + who + 'isi', 'guid'),
              'IntraSystemId': rid(t + who + 'iai', 'guid'),
              'Actor': [{'ID': u[0], 'Type': 0}, {'ID': upn(who), 'Type': 5}]})
    return a


def jsonl(recs):
    return ''.join(json.dumps(r, separators=(',', ':'), ensure_ascii=False) + '\n' for r in recs)


def write(rule, case, files, expect, args=None, evidence=None):
    d = os.path.join(ROOT, rule, case)
    os.makedirs(d, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(d, name), 'w', newline='', encoding='utf-8') as f:
            f.write(text)
    with open(os.path.join(d, 'expect.json'), 'w') as f:
        f.write(json.dumps({'rule': rule, 'findings': expect}, ensure_ascii=False) + '\n')
    if args:
        with open(os.path.join(d, 'args'), 'w') as f:
            f.write('\n'.join(args) + '\n')
    if evidence:
        with open(os.path.join(d, 'evidence'), 'w') as f:
            f.write(evidence + '\n')


def config(rule, params):
    return 'rules:\n  ' + rule + ':\n' + ''.join(f'    {k}: {v}\n' for k, v in params.items())
