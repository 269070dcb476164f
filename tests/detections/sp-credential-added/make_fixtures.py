#!/usr/bin/env python3
"""Fixtures of the application rules: sp-credential-added, sp-address-changed,
mail-app-role-granted, foreign-app-privileged (one script for the four, they share records).

Records copy, field by field, the shapes of examples/contoso-demo (UAL Management API JSON,
Purview CSV AuditData, Graph directoryAudits, Log Analytics AuditLogs, Azure Monitor AuditLogs)
and of the SEKOIA / OTRF real samples, for a fictional tenant "fabrikamlab"; ids are stable
(uuid5, shaped as version 4), so re-running gives the same bytes.

    python3 tests/detections/sp-credential-added/make_fixtures.py [TESTS_DETECTIONS_DIR]
"""
import csv, io, json, os, uuid, sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))
TENANT = '4f2a9c31-7d58-4e2b-9a16-c3e8b5d0f742'
WORKSPACE = 'b1e7d3c5-2a94-4f60-8d1e-7c3a9f5b2e08'
DOM = 'fabrikamlab.onmicrosoft.com'
EDGE = ('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) '
        'Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0')
PWSH = 'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.22621.4391'


def gid(name):
    # Deterministic, but shaped like the random (version 4) GUIDs Entra issues.
    b = uuid.uuid5(uuid.NAMESPACE_URL, 'fabrikamlab/' + name).bytes
    return str(uuid.UUID(bytes=b, version=4))


def puid(name):
    return uuid.uuid5(uuid.NAMESPACE_DNS, name).hex[:16].upper()


def corr_id(name):
    u = gid('corr/' + name)
    tail = uuid.uuid5(uuid.NAMESPACE_OID, name).hex
    code = ''.join(c for c in tail.upper() if c.isalnum())[:5]
    num = int(tail[:8], 16) % 900000000 + 100000000
    return u, 'Directory_%s_%s_%d' % (u, code, num)


USERS = {
    'alice': ('alice.nguyen@' + DOM, gid('user/alice')),
    'bob': ('bob.sato@' + DOM, gid('user/bob')),
    'dev': ('dev.patel@' + DOM, gid('user/dev')),
    'mallory': ('svc-reporting@' + DOM, gid('user/svc-reporting')),
}
APPS = {}


def app(key, name):
    a = {'name': name, 'app_id': gid('appid/' + key), 'obj': gid('appobj/' + key),
         'sp': gid('sp/' + key)}
    APPS[key] = a
    return a


app('runner', 'Fabrikam Report Runner')
app('hrsync', 'HR Sync')
app('ledger', 'Ledger Export')
app('portal', 'Partner Portal')
app('graphmail', 'Graph Mail Archiver')
app('vendor', 'Contoso Insights Connector')
app('saml', 'Workday')
app('msft', 'Microsoft Teams Services')
EXO = {'name': 'Office 365 Exchange Online', 'app_id': '00000002-0000-0ff1-ce00-000000000000',
       'sp': gid('sp/exo')}
GRAPH = {'name': 'Microsoft Graph', 'app_id': '00000003-0000-0000-c000-000000000000',
         'sp': gid('sp/graph')}
EXO_SPN = ('00000002-0000-0ff1-ce00-000000000000/outlook.office365.com;'
           '00000002-0000-0ff1-ce00-000000000000/outlook.office.com;https://outlook.office365.com/;'
           'https://outlook.office.com/;https://ps.outlook.com;Office 365 Exchange Online;'
           'Microsoft.Exchange')
GRAPH_SPN = ('00000003-0000-0000-c000-000000000000/ags.windows.net;00000003-0000-0000-c000-000000000000;'
             'https://canary.graph.microsoft.com;https://graph.microsoft.com;https://ags.windows.net;'
             'https://graph.microsoft.us;https://graph.microsoft.com/')


def key(kid, ktype, name, usage='Verify'):
    return '[KeyIdentifier=%s,KeyType=%s,KeyUsage=%s,DisplayName=%s]' % (kid, ktype, usage, name)


def addrs(*urls):
    return [{'AddressType': 0, 'Address': u, 'ReplyAddressClientType': 1, 'ReplyAddressIndex': None,
             'IsReplyAddressDefault': False} for u in urls]


# --- UAL (Management Activity API JSON, AzureActiveDirectory) ------------------------------------

def ual_actor_user(u, ip):
    upn, oid = USERS[u]
    p = puid(upn)
    return {'UserKey': '%s@%s' % (p, DOM), 'UserType': 0, 'UserId': upn, 'ClientIP': ip,
            'Actor': [{'ID': upn, 'Type': 5}, {'ID': p, 'Type': 3}, {'ID': 'User_' + oid, 'Type': 2},
                      {'ID': oid, 'Type': 2}, {'ID': 'User', 'Type': 2}], 'ActorIpAddress': ip}


def ual_actor_sp(a, ip):
    return {'UserKey': 'Not Available', 'UserType': 4, 'UserId': 'ServicePrincipal_' + a['sp'],
            'ClientIP': ip,
            'Actor': [{'ID': a['name'], 'Type': 1}, {'ID': a['app_id'], 'Type': 2},
                      {'ID': 'ServicePrincipal_' + a['sp'], 'Type': 2}, {'ID': a['sp'], 'Type': 2},
                      {'ID': 'ServicePrincipal', 'Type': 2}], 'ActorIpAddress': ip}


def ual_pretty(v):
    """UAL ModifiedProperties values: JSON arrays pretty-printed with CRLF."""
    if v is None:
        return ''
    if isinstance(v, str):
        return v
    return json.dumps(v, indent=2).replace('\n', '\r\n')


def ual(time, op, actor, target_kind, a, props, details_appid=None, ua=EDGE, rid=None):
    """target_kind: 'Application' or 'ServicePrincipal'; props: [(name, new, old)]."""
    obj = a['obj'] if target_kind == 'Application' else a['sp']
    rec = {'CreationTime': time, 'Id': rid or gid('ual/' + op + time), 'Operation': op,
           'OrganizationId': TENANT, 'RecordType': 8, 'ResultStatus': 'Success'}
    rec['UserKey'] = actor['UserKey']
    rec['UserType'] = actor['UserType']
    rec['Version'] = 1
    rec['Workload'] = 'AzureActiveDirectory'
    rec['ClientIP'] = actor['ClientIP']
    rec['ObjectId'] = ('Application_' + obj) if target_kind == 'Application' else a['app_id']
    rec['UserId'] = actor['UserId']
    rec['AzureActiveDirectoryEventType'] = 1
    det = {}
    if ua:
        det['User-Agent'] = ua
    det['AppId'] = details_appid or a['app_id']
    rec['ExtendedProperties'] = [
        {'Name': 'additionalDetails', 'Value': json.dumps(det, separators=(',', ':'))},
        {'Name': 'extendedAuditEventCategory', 'Value': target_kind}]
    rec['ModifiedProperties'] = [{'Name': n, 'NewValue': ual_pretty(nv), 'OldValue': ual_pretty(ov)}
                                 for n, nv, ov in props]
    rec['Actor'] = actor['Actor']
    rec['ActorContextId'] = TENANT
    rec['ActorIpAddress'] = actor['ActorIpAddress']
    rec['InterSystemsId'] = gid('isid/' + op + time)
    rec['IntraSystemId'] = gid('intra/' + op + time)
    rec['SupportTicketId'] = ''
    rec['Target'] = [{'ID': '%s_%s' % (target_kind, obj), 'Type': 2}, {'ID': obj, 'Type': 2},
                     {'ID': target_kind, 'Type': 2}, {'ID': a['name'], 'Type': 1},
                     {'ID': a['app_id'], 'Type': 2}, {'ID': a['app_id'], 'Type': 4}]
    rec['TargetContextId'] = TENANT
    return rec


def ual_grant(time, actor, res, res_spn, grantee, role_id, role_value, role_name, extra_props=()):
    rec = ual(time, 'Add app role assignment to service principal.', actor, 'ServicePrincipal',
              {'name': res['name'], 'app_id': res['app_id'], 'obj': res['sp'], 'sp': res['sp']},
              [('AppRole.Id', role_id, None), ('AppRole.Value', role_value, None),
               ('AppRole.DisplayName', role_name, None),
               ('AppRoleAssignment.CreatedDateTime', time + '.1842257Z', None),
               ('AppRoleAssignment.LastModifiedDateTime', time + '.1842257Z', None),
               ('ServicePrincipal.ObjectID', grantee['sp'], None),
               ('ServicePrincipal.DisplayName', grantee['name'], None),
               ('ServicePrincipal.AppId', grantee['app_id'], None),
               ('ServicePrincipal.Name', grantee['app_id'], None)] + list(extra_props) +
              [('TargetId.ServicePrincipalNames', res_spn, None)],
              details_appid=(actor.get('_app_id') or grantee['app_id']), ua=None)
    rec['ObjectId'] = res['app_id']
    for p in rec['ModifiedProperties']:
        if p['OldValue'] == '':
            pass
    return rec


# --- Entra directory audit (Graph / Log Analytics / Azure Monitor) -------------------------------

def ev(v):
    """Entra modifiedProperties values: JSON text (strings quoted)."""
    if v is None:
        return None
    if isinstance(v, str):
        return json.dumps(v)
    return json.dumps(v, separators=(',', ':'))


def entra_item(time7, op, category, actor, ip, target_kind, a, props, op_type='Update',
               ua=EDGE, details_appid=None, spn=None):
    """A directoryAudit object as Graph returns it. actor: ('user', key) or ('app', appdict)."""
    corr, rid = corr_id(op + time7)
    if actor[0] == 'user':
        upn, oid = USERS[actor[1]]
        by = {'app': None, 'user': {'id': oid, 'displayName': None, 'userPrincipalName': upn,
                                    'ipAddress': ip, 'userType': None, 'homeTenantId': None,
                                    'homeTenantName': None}}
    else:
        s = actor[1]
        by = {'app': {'appId': s['app_id'], 'displayName': s['name'], 'servicePrincipalId': s['sp'],
                      'servicePrincipalName': None}, 'user': None}
    obj = a['obj'] if target_kind == 'Application' else a['sp']
    mps = [{'displayName': n, 'oldValue': ev(ov), 'newValue': ev(nv)} for n, nv, ov in props]
    mps.append({'displayName': 'Included Updated Properties', 'oldValue': None,
                'newValue': json.dumps(', '.join(n for n, _, _ in props))})
    if spn:
        mps.append({'displayName': 'TargetId.ServicePrincipalNames', 'oldValue': None,
                    'newValue': json.dumps(spn)})
    det = []
    if ua:
        det.append({'key': 'User-Agent', 'value': ua})
    det.append({'key': 'AppId', 'value': details_appid or a['app_id']})
    return {'id': rid, 'category': category, 'correlationId': corr, 'result': 'success',
            'resultReason': '', 'activityDisplayName': op, 'activityDateTime': time7,
            'loggedByService': 'Core Directory', 'operationType': op_type, 'initiatedBy': by,
            'targetResources': [{'id': obj, 'displayName': a['name'], 'type': target_kind,
                                 'userPrincipalName': None, 'groupType': None,
                                 'modifiedProperties': mps}],
            'additionalDetails': det}


def graph_page(items):
    return json.dumps({'@odata.context':
                       'https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits',
                       'value': items}, ensure_ascii=False) + '\n'


def la_row(item):
    """Log Analytics AuditLogs row: InitiatedBy / TargetResources / AdditionalDetails as JSON
    strings (demo sentinel/AuditLogs.json shape)."""
    t = item['activityDateTime']
    ms = t[:23] + 'Z'
    by = item['initiatedBy']
    init = {'user': {k: v for k, v in by['user'].items() if k in ('id', 'displayName',
            'userPrincipalName', 'ipAddress')} | {'roles': []}} if by.get('user') else \
        {'app': by['app']}
    trs = [{'id': tr['id'], 'displayName': tr['displayName'], 'type': tr['type'],
            'modifiedProperties': tr['modifiedProperties'], 'administrativeUnits': []}
           for tr in item['targetResources']]
    row = {'TenantId': WORKSPACE, 'SourceSystem': 'Azure AD', 'TimeGenerated': ms,
           'ResourceId': '/tenants/%s/providers/Microsoft.aadiam' % TENANT,
           'OperationName': item['activityDisplayName'], 'OperationVersion': '1.0',
           'Category': item['category'], 'ResultSignature': 'None',
           'CorrelationId': item['correlationId'], 'Resource': 'Microsoft.aadiam',
           'ResourceGroup': 'Microsoft.aadiam', 'Level': '4',
           'AdditionalDetails': json.dumps(item['additionalDetails'], separators=(',', ':')),
           'Id': item['id'], 'InitiatedBy': json.dumps(init, separators=(',', ':')),
           'LoggedByService': 'Core Directory', 'Result': 'success', 'ResultReason': '',
           'TargetResources': json.dumps(trs, separators=(',', ':')), 'AADTenantId': TENANT,
           'ActivityDisplayName': item['activityDisplayName'], 'ActivityDateTime': ms,
           'AADOperationType': item['operationType'], 'Type': 'AuditLogs'}
    return json.dumps(row, separators=(',', ':'), ensure_ascii=False) + '\n'


def azmon_line(items):
    """One Event Hub message of AuditLogs records (demo azmon/PT1H.json shape)."""
    recs = []
    for item in items:
        t = item['activityDateTime']
        by = item['initiatedBy']
        ip = (by.get('user') or by.get('app') or {}).get('ipAddress')
        init = {'user': {k: v for k, v in by['user'].items() if k in ('id', 'displayName',
                'userPrincipalName', 'ipAddress')} | {'roles': []}} if by.get('user') else \
            {'app': by['app']}
        ident = by['user']['userPrincipalName'] if by.get('user') else by['app']['displayName']
        props = {'tenantId': TENANT, 'resultType': '', 'resultDescription': '',
                 'operationName': item['activityDisplayName'], 'identity': ident,
                 'tenantGeo': 'NA', 'id': item['id'], 'category': item['category'],
                 'correlationId': item['correlationId'], 'result': 'success', 'resultReason': '',
                 'activityDisplayName': item['activityDisplayName'],
                 'activityDateTime': t[:-1] + '+00:00', 'loggedByService': 'Core Directory',
                 'operationType': item['operationType'], 'userAgent': None, 'initiatedBy': init,
                 'targetResources': [{'id': tr['id'], 'displayName': tr['displayName'],
                                      'type': tr['type'],
                                      'modifiedProperties': tr['modifiedProperties'],
                                      'administrativeUnits': []}
                                     for tr in item['targetResources']],
                 'additionalDetails': item['additionalDetails']}
        rec = {'time': t, 'resourceId': '/tenants/%s/providers/Microsoft.aadiam' % TENANT,
               'operationName': item['activityDisplayName'], 'operationVersion': '1.0',
               'category': 'AuditLogs', 'tenantId': TENANT, 'resultSignature': 'None',
               'durationMs': 0}
        if ip:
            rec['callerIpAddress'] = ip
        rec['correlationId'] = item['correlationId']
        rec['identity'] = ident
        rec['Level'] = 4
        rec['properties'] = props
        recs.append(rec)
    return json.dumps({'records': recs}, ensure_ascii=False) + '\n'


def entra_grant(time7, actor, ip, res, res_spn, grantee, role_id, role_value, role_name,
                extra_props=()):
    item = entra_item(time7, 'Add app role assignment to service principal', 'ApplicationManagement',
                      actor, ip, 'ServicePrincipal',
                      {'name': res['name'], 'app_id': res['app_id'], 'obj': res['sp'],
                       'sp': res['sp']},
                      [], op_type='Assign', details_appid=grantee['app_id'])
    stamp = time7[:-1] + 'Z'
    mps = [{'displayName': n, 'oldValue': None, 'newValue': json.dumps(v)} for n, v in
           [('AppRole.Id', role_id), ('AppRole.Value', role_value),
            ('AppRole.DisplayName', role_name), ('AppRoleAssignment.CreatedDateTime', stamp),
            ('AppRoleAssignment.LastModifiedDateTime', stamp),
            ('ServicePrincipal.ObjectID', grantee['sp']),
            ('ServicePrincipal.DisplayName', grantee['name']),
            ('ServicePrincipal.AppId', grantee['app_id']),
            ('ServicePrincipal.Name', grantee['app_id'])] + list(extra_props) +
           [('TargetId.ServicePrincipalNames', res_spn)]]
    item['targetResources'][0]['modifiedProperties'] = mps
    item['targetResources'].append({'id': grantee['sp'], 'displayName': grantee['app_id'],
                                    'type': 'ServicePrincipal', 'userPrincipalName': None,
                                    'groupType': None, 'modifiedProperties': []})
    return item


# --- writing cases --------------------------------------------------------------------------------

def case(rule, name, files, expect, args=None, evidence=None, extra=None):
    d = os.path.join(ROOT, rule, name)
    os.makedirs(d, exist_ok=True)
    for fn, text in files.items():
        with open(os.path.join(d, fn), 'w', newline='') as f:
            f.write(text)
    with open(os.path.join(d, 'expect.json'), 'w') as f:
        f.write(json.dumps({'rule': rule, 'findings': expect}, ensure_ascii=False) + '\n')
    if args:
        with open(os.path.join(d, 'args'), 'w') as f:
            f.write('\n'.join(args) + '\n')
    if evidence:
        with open(os.path.join(d, 'evidence'), 'w') as f:
            f.write('\n'.join(evidence) + '\n')
    for fn, text in (extra or {}).items():
        with open(os.path.join(d, fn), 'w') as f:
            f.write(text)


def jsonl(recs):
    return ''.join(json.dumps(r, separators=(',', ':'), ensure_ascii=False) + '\n' for r in recs)


def config(rule, **kv):
    return 'rules:\n  %s:\n' % rule + ''.join('    %s: %s\n' % (k, v) for k, v in kv.items())


U = lambda k: USERS[k][0]
A = APPS
CRAIG = 'shared/realdata/CraigRennich_DCSA-Security-Champs-Sentinel-Workshop/Artifacts/Telemetry/AuditLogs_Hunting.csv'
OTRF = 'shared/realdata/OTRF_Security-Datasets/datasets/compound/GoldenSAMLADFSMailAccess/_unzipped/AADAuditEvents.json'
SEK_AAD = 'shared/realdata/SEKOIA-IO_intake-formats/_extracted/azure-ad_eventhub_diagnostic.jsonl'
SEK_O365 = 'shared/realdata/SEKOIA-IO_intake-formats/_extracted/o365_management_activity.jsonl'


# ===================================== cases ====================================================

AZ_IP = '20.83.44.17'        # Azure East US (hosting)
AZ_IP2 = '52.170.96.213'     # Azure East US
OFFICE = '203.0.113.40'
HOME_BOB = '198.51.100.77'
HOME_DEV = '198.51.100.91'
MAIL_READ = '810c84a8-4a9e-49e6-bf7d-12d183f40d01'
MAIL_RW = 'e2a3a72e-5f79-4c64-b1b1-878b674786c9'
FULL = 'dc890d15-9560-4a4c-9b7f-a736ec74ec40'
USER_READ_ALL = 'df021288-bdef-4463-88db-98f22de89214'
USER_READ = 'e1fe6dd8-ba31-4d61-89e7-88639da4683d'
VENDOR_TENANT = '2c7e9b15-6d4a-4e83-a1f0-5b8d3c6e9a27'
MSFT_TENANT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a'


def purview_csv(recs):
    """Purview audit search export (new layout), newest first, CRLF (demo purview/ shape)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator='\r\n')
    w.writerow(['RecordId', 'CreationDate', 'RecordType', 'Operation', 'UserId', 'AuditData',
                'AssociatedAdminUnits', 'AssociatedAdminUnitsNames'])
    for r in sorted(recs, key=lambda r: r['CreationTime'], reverse=True):
        y, mo, d = r['CreationTime'][:10].split('-')
        hh, mm, ss = r['CreationTime'][11:19].split(':')
        h = int(hh)
        date = '%d/%d/%s %d:%s:%s %s' % (int(mo), int(d), y, (h % 12) or 12, mm, ss,
                                        'AM' if h < 12 else 'PM')
        data = json.dumps(r, separators=(',', ':'), ensure_ascii=False).replace('/', '\\/')
        w.writerow([r['Id'], date, r['RecordType'], r['Operation'], r['UserId'], data, '', ''])
    return out.getvalue()


R = A['runner']
HR = A['hrsync']
LE = A['ledger']
PP = A['portal']
GM = A['graphmail']
VD = A['vendor']
WD = A['saml']
MS = A['msft']

k_runner_cert = gid('key/runner-cert')
k_hr_old = gid('key/hr-old')
k_hr_new = gid('key/hr-new')
k_le_old = gid('key/ledger-old')
k_le_new = gid('key/ledger-new')
k_wd_sign = gid('key/wd-sign')
k_wd_verify = gid('key/wd-verify')

# ===================================== sp-credential-added ======================================
RULE = 'sp-credential-added'

runner_cert = entra_item(
    '2026-04-14T09:12:03.1187342Z', 'Add service principal credentials', 'ApplicationManagement',
    ('user', 'mallory'), AZ_IP, 'ServicePrincipal', R,
    [('KeyDescription', [key(k_runner_cert, 'AsymmetricX509Cert', 'CN=Fabrikam Report Runner')],
      [])], spn=R['app_id'] + ';https://reports.fabrikamlab.com')
runner_addr = entra_item(
    '2026-04-14T09:14:51.6021558Z', 'Update application', 'ApplicationManagement',
    ('user', 'mallory'), AZ_IP, 'Application', R,
    [('AppAddress', addrs('https://reports.fabrikamlab.com/auth/callback',
                          'https://reportrunner-sync.azurewebsites.net/signin-oidc'),
      addrs('https://reports.fabrikamlab.com/auth/callback'))])
case(RULE, 'pos_la_certificate_named_after_app', {'AuditLogs.json': la_row(runner_cert)},
     [{'severity': 'critical', 'entities': {'users': [U('mallory')], 'ips': [AZ_IP],
                                            'apps': [R['app_id']],
                                            'service_principals': [R['sp']]},
       'summary_contains': 'named after the application',
       'details': {'first_credential': True, 'named_after_app': True,
                   'key_types': ['certificate'], 'privileged_target': False}}])

hr_grant = ual_grant('2026-04-13T15:02:11', ual_actor_user('alice', OFFICE), GRAPH, GRAPH_SPN, HR,
                     MAIL_READ, 'Mail.Read', 'Read mail in all mailboxes')
hr_secret = ual('2026-04-15T22:47:09', 'Update application – Certificates and secrets management ',
                ual_actor_user('bob', HOME_BOB), 'Application', HR,
                [('KeyDescription', [key(k_hr_old, 'Password', 'hrsync-2025'),
                                     key(k_hr_new, 'Password', 'backup')],
                  [key(k_hr_old, 'Password', 'hrsync-2025')]),
                 ('Included Updated Properties', 'KeyDescription', None)])
case(RULE, 'pos_ual_secret_on_mail_app_new_actor', {'audit.jsonl': jsonl([hr_grant, hr_secret])},
     [{'severity': 'high', 'entities': {'users': [U('bob')], 'apps': [HR['app_id']]},
       'summary_contains': 'holding Mail.Read',
       'details': {'privileged_target': True, 'privileged_permissions': ['Mail.Read'],
                   'actor_new_to_object': True, 'object_managed_by_others_before': True,
                   'first_credential': False, 'key_types': ['secret']}}])

le_rot = entra_item('2026-04-16T11:05:27.4410932Z',
                    'Update application – Certificates and secrets management ',
                    'ApplicationManagement', ('user', 'dev'), HOME_DEV, 'Application', LE,
                    [('KeyDescription', [key(k_le_old, 'Password', 'ledger-prod'),
                                         key(k_le_new, 'Password', 'ledger-prod')],
                      [key(k_le_old, 'Password', 'ledger-prod')])])
case(RULE, 'pos_graph_rotation_lookalike_by_new_actor', {'directoryAudits.json': graph_page([le_rot])},
     [{'severity': 'low', 'entities': {'users': [U('dev')], 'apps': [LE['app_id']]},
       'summary_contains': 'looks like a secret rotation',
       'details': {'rotation': True, 'actor_new_to_object': True}}])

# Owner rotation: bob managed the app before (RequiredResourceAccess change in the UAL), adds a
# second prod-rotation secret (Purview export) and removes the old one (Graph).
le_rra = ual('2026-04-02T14:10:44', 'Update application.', ual_actor_user('bob', OFFICE),
             'Application', LE,
             [('RequiredResourceAccess',
               [{'ResourceAppId': GRAPH['app_id'], 'RequiredAppPermissions': [
                   {'EntitlementId': USER_READ, 'DirectAccessGrant': False,
                    'ImpersonationAccessGrants': [20]}], 'EncodingVersion': 1}], '[]'),
              ('Included Updated Properties', 'RequiredResourceAccess', None)])
le_add = ual('2026-04-16T16:14:37', 'Update application – Certificates and secrets management ',
             ual_actor_user('bob', OFFICE), 'Application', LE,
             [('KeyDescription', [key(k_le_old, 'Password', 'prod-rotation'),
                                  key(k_le_new, 'Password', 'prod-rotation')],
               [key(k_le_old, 'Password', 'prod-rotation')]),
              ('Included Updated Properties', 'KeyDescription', None)])
le_del = entra_item('2026-04-16T16:40:05.0734898Z',
                    'Update application – Certificates and secrets management ',
                    'ApplicationManagement', ('user', 'bob'), OFFICE, 'Application', LE,
                    [('KeyDescription', [key(k_le_new, 'Password', 'prod-rotation')],
                      [key(k_le_old, 'Password', 'prod-rotation'),
                       key(k_le_new, 'Password', 'prod-rotation')])])
case(RULE, 'neg_owner_rotates_prod_secret',
     {'audit.jsonl': jsonl([le_rra]), 'AuditLog_2026-04.csv': purview_csv([le_add]),
      'directoryAudits.json': graph_page([le_del])}, [])
# The same rotation by someone with no history on the app: completed within rotation_window.
case(RULE, 'neg_completed_rotation_new_actor',
     {'AuditLog_2026-04.csv': purview_csv([le_add]), 'directoryAudits.json': graph_page([le_del])},
     [])
case(RULE, 'pos_param_rotation_window_short',
     {'AuditLog_2026-04.csv': purview_csv([le_add]), 'directoryAudits.json': graph_page([le_del])},
     [{'severity': 'low', 'entities': {'users': [U('bob')]}, 'details': {'rotation': True}}],
     args=['--config', '@CASE@/config.yaml'],
     extra={'config.yaml': config(RULE, rotation_window='10m')})

wd_saml = entra_item('2026-04-09T13:20:48.9012233Z', 'Add service principal credentials',
                     'ApplicationManagement', ('user', 'alice'), OFFICE, 'ServicePrincipal', WD,
                     [('KeyDescription',
                       [key(k_wd_sign, 'AsymmetricX509Cert',
                            'CN=Microsoft Azure Federated SSO Certificate', 'Sign'),
                        key(k_wd_verify, 'AsymmetricX509Cert',
                            'CN=Microsoft Azure Federated SSO Certificate', 'Verify')], [])],
                     spn=WD['app_id'] + ';https://www.workday.com')
case(RULE, 'neg_la_saml_signing_certificate', {'AuditLogs.json': la_row(wd_saml)}, [])
case(RULE, 'pos_param_signing_certificates_included', {'AuditLogs.json': la_row(wd_saml)},
     [{'severity': 'high', 'entities': {'users': [U('alice')], 'service_principals': [WD['sp']]},
       'details': {'first_credential': True, 'key_types': ['certificate']}}],
     args=['--config', '@CASE@/config.yaml'],
     extra={'config.yaml': config(RULE, ignore_signing_certificates='false')})

fic = {'Name': 'deploy-main', 'Issuer': 'https://token.actions.githubusercontent.com',
       'Subject': 'repo:fabrikam-lab/partner-portal:ref:refs/heads/main', 'Description': None,
       'Audiences': ['api://AzureADTokenExchange']}
pp_fic = entra_item('2026-04-07T18:03:19.2260417Z', 'Update application', 'ApplicationManagement',
                    ('user', 'dev'), HOME_DEV, 'Application', PP,
                    [('FederatedIdentityCredentials', [fic], [])])
case(RULE, 'pos_azmon_federated_credential', {'PT1H.json': azmon_line([pp_fic])},
     [{'severity': 'medium', 'entities': {'users': [U('dev')], 'apps': [PP['app_id']]},
       'summary_contains': 'federated identity credential',
       'details': {'key_types': ['federated'], 'first_credential': False}}])

case(RULE, 'pos_realdata_craig_secrets', {},
     [{'severity': 'medium', 'entities': {'apps': ['EntApp01'],
                                          'users': ['vadimj@buildseccxpninja.onmicrosoft.com']},
       'details': {'first_credential': True}},
      {'severity': 'medium', 'entities': {'apps': ['EntApp02']}},
      {'severity': 'medium', 'entities': {'apps': ['EntApp03']}},
      {'severity': 'medium', 'entities': {'apps': ['EntApp04']}},
      {'severity': 'low', 'entities': {'apps': ['purview-spn-user099'],
                                       'users': ['victim@buildseccxpninja.onmicrosoft.com']},
       'summary_contains': '"key 2"', 'details': {'first_credential': False}}],
     evidence=[CRAIG])
case(RULE, 'pos_realdata_otrf_simuland_secret', {},
     [{'severity': 'medium', 'entities': {'apps': ['SimuLandApp'],
                                          'users': ['pgustavo@simulandlabs.com']},
       'summary_contains': 'SimuLandCreds', 'details': {'first_credential': True}}],
     evidence=[OTRF])

# ===================================== sp-address-changed =======================================
RULE = 'sp-address-changed'
case(RULE, 'pos_la_linked_to_certificate_same_actor',
     {'AuditLogs.json': la_row(runner_addr) + la_row(runner_cert)},
     [{'severity': 'high',
       'entities': {'users': [U('mallory')], 'apps': [R['app_id']],
                    'domains': ['reportrunner-sync.azurewebsites.net']},
       'summary_contains': 'by the same actor',
       'details': {'linked_credential': True, 'same_actor': True,
                   'addresses_added': ['https://reportrunner-sync.azurewebsites.net/signin-oidc'],
                   'credential_key_type': 'certificate'}}])

hr_addr = ual('2026-04-15T10:31:56', 'Update application.', ual_actor_user('bob', OFFICE),
              'Application', HR,
              [('AppAddress', addrs('https://hrsync.fabrikamlab.com/callback',
                                    'https://hr-sync-portal.fabrikam-partners.com/auth'),
                addrs('https://hrsync.fabrikamlab.com/callback')),
               ('Included Updated Properties', 'AppAddress', None)])
case(RULE, 'pos_ual_reply_url_unlinked', {'audit.jsonl': jsonl([hr_addr])},
     [{'severity': 'low', 'entities': {'users': [U('bob')], 'apps': [HR['app_id'], HR['name']],
                                       'domains': ['hr-sync-portal.fabrikam-partners.com']},
       'details': {'linked_credential': False, 'properties': ['AppAddress']}}])

# The secret comes 29 h after the address change: the link works both ways.
le_secret = entra_item('2026-04-12T22:05:48.5519023Z',
                       'Update application – Certificates and secrets management ',
                       'ApplicationManagement', ('user', 'alice'), OFFICE, 'Application', LE,
                       [('KeyDescription', [key(k_le_old, 'Password', 'ledger-prod'),
                                            key(k_le_new, 'Password', 'ledger-ci')],
                         [key(k_le_old, 'Password', 'ledger-prod')])])
le_addr = entra_item('2026-04-11T16:33:40.0087211Z', 'Update application', 'ApplicationManagement',
                     ('user', 'bob'), HOME_BOB, 'Application', LE,
                     [('AppAddress', addrs('https://ledger.fabrikamlab.com/signin-oidc',
                                           'https://ledger-export.fabrikam-finance.net/signin-oidc'),
                       addrs('https://ledger.fabrikamlab.com/signin-oidc'))])
case(RULE, 'pos_graph_linked_other_actor', {'directoryAudits.json': graph_page([le_addr, le_secret])},
     [{'severity': 'medium', 'entities': {'users': [U('bob')], 'apps': [LE['app_id']]},
       'summary_contains': 'hours before a client secret was added to it',
       'details': {'linked_credential': True, 'same_actor': False,
                   'credential_before_change': False}}])
case(RULE, 'pos_param_link_window_24h',
     {'directoryAudits.json': graph_page([le_addr, le_secret])},
     [{'severity': 'low', 'entities': {'users': [U('bob')]},
       'details': {'linked_credential': False}}],
     args=['--config', '@CASE@/config.yaml'],
     extra={'config.yaml': config(RULE, link_window='24h')})

pp_local = ual('2026-04-07T17:48:02', 'Update application.', ual_actor_user('dev', HOME_DEV),
               'Application', PP,
               [('AppAddress', addrs('https://partners.fabrikamlab.com/signin-oidc',
                                     'http://localhost:5173/auth/callback'),
                 addrs('https://partners.fabrikamlab.com/signin-oidc')),
                ('Included Updated Properties', 'AppAddress', None)])
case(RULE, 'neg_ual_localhost_redirect', {'audit.jsonl': jsonl([pp_local])}, [])

pp_new = entra_item('2026-04-06T15:20:11.7300914Z', 'Add application', 'ApplicationManagement',
                    ('user', 'dev'), OFFICE, 'Application', PP,
                    [('AppId', PP['app_id'], None), ('AppAddress',
                      addrs('https://partners.fabrikamlab.com/signin-oidc'), None),
                     ('AvailableToOtherTenants', [False], None), ('DisplayName', PP['name'], None),
                     ('SignInAudience', 'AzureADMyOrg', None)], op_type='Add')
case(RULE, 'neg_graph_app_registered_with_reply_url', {'directoryAudits.json': graph_page([pp_new])},
     [])
case(RULE, 'pos_realdata_sekoia_wildcard_at_creation', {},
     [{'severity': 'low', 'entities': {'apps': ['Adobe Identity Management (SAML)'],
                                       'domains': ['services.adobe.com']},
       'summary_contains': 'wildcard', 'details': {'wildcard': True, 'set_at_creation': True}}],
     evidence=[SEK_O365])

# ==================================== mail-app-role-granted =====================================
RULE = 'mail-app-role-granted'
runner_actor = ual_actor_sp(R, AZ_IP2)
runner_actor['_app_id'] = R['app_id']
gm_full = ual_grant('2026-04-14T10:02:44', runner_actor, EXO, EXO_SPN, GM, FULL,
                    'full_access_as_app', 'Use Exchange Web Services with full access to all mailboxes')
case(RULE, 'pos_ual_full_access_granted_by_service_principal', {'audit.jsonl': jsonl([gm_full])},
     [{'severity': 'critical',
       'entities': {'service_principals': [R['sp'], GM['sp'], EXO['sp']],
                    'apps': [GM['app_id'], EXO['app_id']], 'ips': [AZ_IP2]},
       'summary_contains': 'granted by a service principal',
       'details': {'granted_by_service_principal': True,
                   'permissions_granted': ['full_access_as_app']}}])

hr_grant_entra = entra_grant('2026-04-13T15:02:11.6612094Z', ('user', 'alice'), OFFICE, GRAPH,
                             GRAPH_SPN, HR, MAIL_READ, 'Mail.Read', 'Read mail in all mailboxes')
case(RULE, 'pos_azmon_admin_grants_mail_read', {'PT1H.json': azmon_line([hr_grant_entra])},
     [{'severity': 'high', 'entities': {'users': [U('alice')], 'apps': [HR['app_id']],
                                        'service_principals': [HR['sp']]},
       'details': {'permissions_granted': ['Mail.Read'], 'granted_by_service_principal': False,
                   'grantee_new': False}}])

gm_sp = entra_item('2026-04-08T19:44:02.3381190Z', 'Add service principal', 'ApplicationManagement',
                   ('user', 'bob'), HOME_BOB, 'ServicePrincipal', GM,
                   [('AccountEnabled', [True], None), ('AppPrincipalId', GM['app_id'], None),
                    ('DisplayName', GM['name'], None), ('ServicePrincipalName', [GM['app_id']], None)],
                   op_type='Add', spn=GM['app_id'])
gm_rw = entra_grant('2026-04-09T14:12:30.1178832Z', ('user', 'alice'), OFFICE, GRAPH, GRAPH_SPN, GM,
                    MAIL_RW, 'Mail.ReadWrite', 'Read and write mail in all mailboxes')
case(RULE, 'pos_la_grant_to_new_app', {'AuditLogs.json': la_row(gm_rw) + la_row(gm_sp)},
     [{'severity': 'critical', 'entities': {'users': [U('alice')], 'apps': [GM['app_id']]},
       'summary_contains': 'created 18 hour(s) earlier',
       'details': {'grantee_new': True, 'permissions_granted': ['Mail.ReadWrite']}}])
case(RULE, 'pos_param_new_app_window_12h', {'AuditLogs.json': la_row(gm_rw) + la_row(gm_sp)},
     [{'severity': 'high', 'details': {'grantee_new': False}}],
     args=['--config', '@CASE@/config.yaml'],
     extra={'config.yaml': config(RULE, new_app_window='12h')})

vd_rra = ual('2026-04-12T20:41:09', 'Update application.', ual_actor_user('dev', HOME_DEV),
             'Application', PP,
             [('RequiredResourceAccess',
               [{'ResourceAppId': GRAPH['app_id'], 'RequiredAppPermissions': [
                   {'EntitlementId': USER_READ, 'DirectAccessGrant': False,
                    'ImpersonationAccessGrants': [20]}], 'EncodingVersion': 1},
                {'ResourceAppId': EXO['app_id'], 'RequiredAppPermissions': [
                    {'EntitlementId': FULL, 'DirectAccessGrant': True,
                     'ImpersonationAccessGrants': []}], 'EncodingVersion': 1}],
               [{'ResourceAppId': GRAPH['app_id'], 'RequiredAppPermissions': [
                   {'EntitlementId': USER_READ, 'DirectAccessGrant': False,
                    'ImpersonationAccessGrants': [20]}], 'EncodingVersion': 1}]),
              ('Included Updated Properties', 'RequiredResourceAccess', None)])
case(RULE, 'pos_ual_registration_requests_full_access', {'audit.jsonl': jsonl([vd_rra])},
     [{'severity': 'medium', 'entities': {'users': [U('dev')], 'apps': [PP['app_id']]},
       'summary_contains': 'requests; it is not granted yet',
       'details': {'permissions_requested': ['full_access_as_app'], 'permissions_granted': []}}])
case(RULE, 'neg_param_requests_off', {'audit.jsonl': jsonl([vd_rra])}, [],
     args=['--config', '@CASE@/config.yaml'],
     extra={'config.yaml': config(RULE, report_requests='false')})

hr_userread = entra_grant('2026-04-13T15:40:02.0081233Z', ('user', 'alice'), OFFICE, GRAPH,
                          GRAPH_SPN, HR, USER_READ_ALL, 'User.Read.All', "Read all users' full profiles")
pp_rra_userread = entra_item('2026-04-13T15:46:19.7719005Z', 'Update application',
                             'ApplicationManagement', ('user', 'alice'), OFFICE, 'Application', PP,
                             [('RequiredResourceAccess',
                               [{'ResourceAppId': GRAPH['app_id'], 'RequiredAppPermissions': [
                                   {'EntitlementId': USER_READ, 'DirectAccessGrant': False,
                                    'ImpersonationAccessGrants': [20]}], 'EncodingVersion': 1}],
                               [])])
case(RULE, 'neg_graph_user_read_grants',
     {'directoryAudits.json': graph_page([pp_rra_userread, hr_userread])}, [])
case(RULE, 'pos_realdata_sekoia_smtp_sendasapp', {},
     [{'severity': 'medium', 'entities': {'users': ['jdoe-aad@example.onmicrosoft.com'],
                                          'apps': ['77777777-7777-7777-7777-777777777777']},
       'details': {'permissions_granted': ['SMTP.SendAsApp']}}],
     evidence=[SEK_AAD])
case(RULE, 'pos_realdata_otrf_mail_scope_requested', {},
     [{'severity': 'low', 'entities': {'users': ['pgustavo@simulandlabs.com'],
                                       'apps': ['SimuLandApp']},
       'details': {'permissions_requested': ['Mail.ReadWrite']}}],
     evidence=[OTRF])

# ==================================== foreign-app-privileged ====================================
RULE = 'foreign-app-privileged'
le_multi = ual('2026-04-12T09:55:31', 'Update application.', ual_actor_user('dev', HOME_DEV),
               'Application', LE,
               [('AvailableToOtherTenants', [True], [False]),
                ('Included Updated Properties', 'AvailableToOtherTenants', None)])
case(RULE, 'pos_ual_switched_to_multitenant', {'audit.jsonl': jsonl([le_multi])},
     [{'severity': 'medium', 'entities': {'users': [U('dev')], 'apps': [LE['app_id']]},
       'summary_contains': 'opened', 'details': {'privileged_in_evidence': False}}])

hr_grant_la = entra_grant('2026-04-13T15:02:11.6612094Z', ('user', 'alice'), OFFICE, GRAPH,
                          GRAPH_SPN, HR, MAIL_READ, 'Mail.Read', 'Read mail in all mailboxes')
hr_aud = entra_item('2026-04-16T21:08:45.3391127Z', 'Update application', 'ApplicationManagement',
                    ('user', 'bob'), HOME_BOB, 'Application', HR,
                    [('SignInAudience', 'AzureADMultipleOrgs', 'AzureADMyOrg')])
case(RULE, 'pos_la_audience_opened_on_mail_app',
     {'AuditLogs.json': la_row(hr_aud) + la_row(hr_grant_la)},
     [{'severity': 'high', 'entities': {'users': [U('bob')], 'apps': [HR['app_id']]},
       'summary_contains': 'holds mail or directory permissions',
       'details': {'privileged_in_evidence': True}}])

vd_grant = entra_grant('2026-04-11T13:30:07.8823310Z', ('user', 'alice'), OFFICE, EXO, EXO_SPN, VD,
                       FULL, 'full_access_as_app',
                       'Use Exchange Web Services with full access to all mailboxes',
                       extra_props=[('ServicePrincipal.AppOwnerTenantId', VENDOR_TENANT)])
case(RULE, 'pos_azmon_foreign_app_granted_full_access', {'PT1H.json': azmon_line([vd_grant])},
     [{'severity': 'critical', 'entities': {'users': [U('alice')], 'apps': [VD['app_id']]},
       'summary_contains': 'owned by another tenant',
       'details': {'owner_tenant': VENDOR_TENANT, 'foreign_owner': True}}])

ms_grant = entra_grant('2026-04-11T13:31:40.1022317Z', ('user', 'alice'), OFFICE, GRAPH, GRAPH_SPN,
                       MS, MAIL_READ, 'Mail.Read', 'Read mail in all mailboxes',
                       extra_props=[('ServicePrincipal.AppOwnerTenantId', MSFT_TENANT)])
home_grant = entra_grant('2026-04-11T13:33:12.5540981Z', ('user', 'alice'), OFFICE, GRAPH,
                         GRAPH_SPN, HR, MAIL_READ, 'Mail.Read', 'Read mail in all mailboxes',
                         extra_props=[('ServicePrincipal.AppOwnerTenantId', TENANT)])
case(RULE, 'neg_graph_owned_by_microsoft_or_home',
     {'directoryAudits.json': graph_page([home_grant, ms_grant, pp_new])}, [])

pp_multi_new = entra_item('2026-04-06T15:20:11.7300914Z', 'Add application', 'ApplicationManagement',
                          ('user', 'dev'), OFFICE, 'Application', PP,
                          [('AppId', PP['app_id'], None), ('AppAddress',
                            addrs('https://partners.fabrikamlab.com/signin-oidc'), None),
                           ('AvailableToOtherTenants', [True], None),
                           ('DisplayName', PP['name'], None),
                           ('SignInAudience', 'AzureADMultipleOrgs', None)], op_type='Add')
case(RULE, 'pos_graph_registered_multitenant', {'directoryAudits.json': graph_page([pp_multi_new])},
     [{'severity': 'low', 'entities': {'users': [U('dev')], 'apps': [PP['app_id']]},
       'summary_contains': 'as a multi-tenant application'}])
case(RULE, 'neg_param_multitenant_creation_off',
     {'directoryAudits.json': graph_page([pp_multi_new])}, [],
     args=['--config', '@CASE@/config.yaml'],
     extra={'config.yaml': config(RULE, report_multitenant_creation='false')})
case(RULE, 'neg_realdata_sekoia_single_tenant_app', {}, [], evidence=[SEK_O365])

# ============================ more sp-credential-added cases =====================================
RULE = 'sp-credential-added'
SA = app('syncagent', 'Fabrikam Sync Agent')
sa_sp = ual('2026-04-08T11:26:53', 'Add service principal.', ual_actor_user('bob', OFFICE),
            'ServicePrincipal', SA,
            [('AccountEnabled', [True], '[]'),
             ('AppAddress', addrs('https://sync.fabrikamlab.com/oauth2/callback'), '[]'),
             ('AppPrincipalId', [SA['app_id']], '[]'), ('DisplayName', [SA['name']], '[]'),
             ('ServicePrincipalName', [SA['app_id']], '[]'),
             ('Credential', [{'CredentialType': 2, 'KeyStoreId': gid('keystore/sa'),
                              'KeyGroupId': gid('keygroup/sa')}], '[]'),
             ('Included Updated Properties',
              'AccountEnabled, AppAddress, AppPrincipalId, DisplayName, ServicePrincipalName, '
              'Credential', None),
             ('TargetId.ServicePrincipalNames', SA['app_id'], None)], ua=PWSH)
case(RULE, 'pos_ual_service_principal_created_with_credential', {'audit.jsonl': jsonl([sa_sp])},
     [{'severity': 'low', 'entities': {'users': [U('bob')], 'service_principals': [SA['sp']]},
       'details': {'key_types': ['other'], 'first_credential': True, 'set_up_by_creator': True}}])
case(RULE, 'neg_realdata_sekoia_failed_service_principal', {}, [], evidence=[SEK_AAD])

NA = app('newapp', 'Expense Scanner')
na_add = entra_item('2026-04-09T16:02:31.5013308Z', 'Add application', 'ApplicationManagement',
                    ('user', 'dev'), OFFICE, 'Application', NA,
                    [('AppId', NA['app_id'], None), ('AvailableToOtherTenants', [False], None),
                     ('DisplayName', NA['name'], None), ('SignInAudience', 'AzureADMyOrg', None)],
                    op_type='Add')
na_key = gid('key/newapp')
na_secret = entra_item('2026-04-09T16:07:12.9050017Z',
                       'Update application – Certificates and secrets management ',
                       'ApplicationManagement', ('user', 'dev'), OFFICE, 'Application', NA,
                       [('KeyDescription', [key(na_key, 'Password', 'expense-scanner-dev')], [])])
case(RULE, 'pos_graph_creator_sets_up_new_app_low', {'directoryAudits.json': graph_page([na_secret, na_add])},
     [{'severity': 'low', 'entities': {'users': [U('dev')], 'apps': [NA['app_id']]},
       'details': {'first_credential': True, 'set_up_by_creator': True}}])
case(RULE, 'pos_param_setup_window_1m', {'directoryAudits.json': graph_page([na_secret, na_add])},
     [{'severity': 'medium', 'details': {'first_credential': True, 'set_up_by_creator': False}}],
     args=['--config', '@CASE@/config.yaml'],
     extra={'config.yaml': config(RULE, setup_window='1m')})

# Exchange RBAC for applications: New-ManagementRoleAssignment -App makes the app privileged.
RULE = 'sp-credential-added'
AR = app('archiver', 'Legal Hold Archiver')
k_ar_old = gid('key/ar-old')
k_ar_new = gid('key/ar-new')
exo_role = {'AppAccessContext': {'IssuedAtTime': '2026-04-10T13:55:40',
                                 'UniqueTokenId': 'q3VwZk9sTUtYeUdPbjJ3Qk1iRnB'},
            'CreationTime': '2026-04-10T14:02:18', 'Id': gid('exo/role-archiver'),
            'Operation': 'New-ManagementRoleAssignment', 'OrganizationId': TENANT,
            'RecordType': 1, 'ResultStatus': 'True', 'UserKey': puid(U('alice')), 'UserType': 2,
            'Version': 1, 'Workload': 'Exchange', 'ClientIP': OFFICE + ':51544',
            'ObjectId': 'Legal Hold Archiver-Application Mail.Read',
            'UserId': U('alice'), 'AppId': 'fb78d390-0c51-40cd-8e17-fdbfab77341b', 'ClientAppId': '',
            'ExternalAccess': False, 'OrganizationName': DOM,
            'OriginatingServer': 'CH2PR11MB4402 (15.20.8632.025)',
            'Parameters': [{'Name': 'App', 'Value': AR['sp']},
                           {'Name': 'Role', 'Value': 'Application Mail.Read'},
                           {'Name': 'CustomResourceScope', 'Value': 'Legal Hold Mailboxes'}],
            'SessionId': gid('exo/session-alice')}
exo_sp = dict(exo_role)
exo_sp.update({'CreationTime': '2026-04-10T13:58:51', 'Id': gid('exo/sp-archiver'),
               'Operation': 'New-ServicePrincipal', 'ObjectId': AR['name'],
               'Parameters': [{'Name': 'AppId', 'Value': AR['app_id']},
                              {'Name': 'ObjectId', 'Value': AR['sp']},
                              {'Name': 'DisplayName', 'Value': AR['name']}]})
ar_secret = ual('2026-04-17T03:12:55', 'Update application – Certificates and secrets management ',
                ual_actor_user('mallory', AZ_IP), 'Application', AR,
                [('KeyDescription', [key(k_ar_old, 'Password', 'archiver-2026'),
                                     key(k_ar_new, 'Password', 'archiver-2026b')],
                  [key(k_ar_old, 'Password', 'archiver-2026')]),
                 ('Included Updated Properties', 'KeyDescription', None)])
case(RULE, 'pos_ual_secret_on_app_with_exchange_role',
     {'exchange.jsonl': jsonl([exo_sp, exo_role]), 'audit.jsonl': jsonl([ar_secret])},
     [{'severity': 'medium', 'entities': {'users': [U('mallory')], 'apps': [AR['app_id']]},
       'summary_contains': 'holding Application Mail.Read',
       'details': {'privileged_target': True, 'exchange_app_roles': ['Application Mail.Read']}}])

# Identifier URI added to a service principal (Azure Monitor).
RULE = 'sp-address-changed'
pp_spn = entra_item('2026-04-13T11:40:27.0932215Z', 'Update service principal',
                    'ApplicationManagement', ('user', 'alice'), OFFICE, 'ServicePrincipal', PP,
                    [('ServicePrincipalName',
                      [PP['app_id'], 'api://partner-portal',
                       'https://partnerportal-auth.fabrikam-partners.net'],
                      [PP['app_id'], 'api://partner-portal'])],
                    spn=PP['app_id'] + ';api://partner-portal')
case(RULE, 'pos_azmon_identifier_uri_on_service_principal', {'PT1H.json': azmon_line([pp_spn])},
     [{'severity': 'low', 'entities': {'users': [U('alice')], 'service_principals': [PP['sp']],
                                       'domains': ['partnerportal-auth.fabrikam-partners.net']},
       'summary_contains': 'identifier URI',
       'details': {'properties': ['ServicePrincipalName'],
                   'addresses_added': ['https://partnerportal-auth.fabrikam-partners.net']}}])
