import copy
import datetime as dt
import json
import os
import subprocess
import sys

from lib import *

ROOT = (sys.argv[1] if len(sys.argv) > 1 else DETECTIONS) + '/signin-from-hosting-ip'
D = dt.timedelta
RULE = 'signin-from-hosting-ip'

OFFICE = PLACES['office']
HOME = {
    'dana': ('198.51.100.21', 'Wellesley', 'Massachusetts', 'US', 42.37338, -71.06485, 7922),
    'ken': ('198.51.100.71', 'Cambridge', 'Massachusetts', 'US', 42.3751, -71.10561, 7922),
    'emily': ('198.51.100.117', 'Malden', 'Massachusetts', 'US', 42.42510, -71.06616, 7922),
    'marcus': ('198.51.100.34', 'Newton', 'Massachusetts', 'US', 42.33704, -71.20922, 7922),
    'tom': ('198.51.100.52', 'Quincy', 'Massachusetts', 'US', 42.25288, -71.00227, 7922),
}
AZ_VM = ('52.168.30.17', 'Boydton', 'Virginia', 'US', 36.66769, -78.3875, 8075)
AZ_VM2 = ('40.76.12.9', 'Boydton', 'Virginia', 'US', 36.66769, -78.3875, 8075)
AVD = ('40.76.201.5', 'Boydton', 'Virginia', 'US', 36.66769, -78.3875, 8075)
EGRESS = ('52.168.200.10', 'Boydton', 'Virginia', 'US', 36.66769, -78.3875, 8075)
DO_VM = ('159.203.84.17', 'North Bergen', 'New Jersey', 'US', 40.80427, -74.01208, 14061)
OUTLOOK_SVC = ('52.168.44.3', 'Boydton', 'Virginia', 'US', 36.66769, -78.3875, 8075)
CONNECTOR_IP = '40.71.11.85'

AZURE_LIST = ('# Azure East US compute (ServiceTags_Public AzureCloud.eastus), two of its prefixes\n'
              '52.168.0.0/14 AzureCloud.eastus\n'
              '40.76.0.0/14 AzureCloud.eastus\n')


def service_tags(extra=()):
    values = [
        {'name': 'AzureCloud', 'id': 'AzureCloud', 'properties': {
            'changeNumber': 290, 'region': '', 'regionId': 0, 'platform': 'Azure', 'systemService': '',
            'addressPrefixes': ['40.64.0.0/10', '52.160.0.0/11'], 'networkFeatures': ['API', 'NSG', 'UDR', 'FW']}},
        {'name': 'AzureCloud.eastus', 'id': 'AzureCloud.eastus', 'properties': {
            'changeNumber': 118, 'region': 'eastus', 'regionId': 32, 'platform': 'Azure', 'systemService': '',
            'addressPrefixes': ['40.71.0.0/16', '40.76.0.0/14', '52.168.0.0/14', '2603:1030:210::/47'],
            'networkFeatures': ['API', 'NSG', 'UDR', 'FW']}},
    ] + list(extra)
    return json.dumps({'changeNumber': 381, 'cloud': 'Public', 'values': values}, indent=2) + '\n'


CONNECTORS = {'name': 'AzureConnectors.EastUS', 'id': 'AzureConnectors.EastUS', 'properties': {
    'changeNumber': 14, 'region': 'eastus', 'regionId': 32, 'platform': 'Azure',
    'systemService': 'AzureConnectors',
    'addressPrefixes': ['40.71.11.80/28', '40.71.249.139/32', '40.71.249.205/32'],
    'networkFeatures': ['API', 'NSG', 'UDR', 'FW']}}


def role_added(t, frac, admin, who, ip, role='Global Administrator',
               template='62e90394-69f5-4237-9190-012177145e10'):
    """Graph directoryAudits 'Add member to role' (shape of the demo's 'Add member to group')."""
    it = copy.deepcopy(DA['Add member to group'])
    corr = gid()
    a, u = user(admin), user(who)
    role_id = gid()
    it.update({'id': 'Directory_%s_RM4QX_%d' % (corr, 500000000 + frac % 100000000), 'category': 'RoleManagement',
               'correlationId': corr, 'activityDisplayName': 'Add member to role',
               'activityDateTime': iso7(t, frac), 'operationType': 'Assign'})
    it['initiatedBy']['user'].update({'id': a['id'], 'userPrincipalName': a['upn'], 'ipAddress': ip})
    it['targetResources'] = [{'id': u['id'], 'displayName': None, 'type': 'User', 'userPrincipalName': u['upn'],
                              'groupType': None, 'modifiedProperties': [
                                  {'displayName': 'Role.ObjectID', 'oldValue': None, 'newValue': json.dumps(role_id)},
                                  {'displayName': 'Role.DisplayName', 'oldValue': None, 'newValue': json.dumps(role)},
                                  {'displayName': 'Role.TemplateId', 'oldValue': None, 'newValue': json.dumps(template)},
                                  {'displayName': 'Role.WellKnownObjectName', 'oldValue': None, 'newValue': '"TenantAdmins"'}]},
                             {'id': role_id, 'displayName': None, 'type': 'Role', 'userPrincipalName': None,
                              'groupType': None, 'modifiedProperties': []}]
    it['additionalDetails'] = [{'key': 'User-Agent', 'value': UA_ATTACK}]
    return it


def expect(findings):
    return json.dumps({'rule': RULE, 'findings': findings}) + '\n'


def daily(start, days, people, hour_min=(13, 40)):
    out = []
    for d in range(days):
        for i, (who, home) in enumerate(people):
            t = start + D(days=d, minutes=9 * i + (d * 7) % 40)
            place = OFFICE if (d + i) % 3 else HOME[home]
            out.append(signin(t, who, place, app=['officehome', 'owa', 'teams'][(d + i) % 3]))
    return out


def azure_graph_case(case, sig, expected):
    """A Graph sign-in export, newest first, scanned with the Azure ranges list."""
    write(ROOT + case, {
        'signins.json': graph_page(sorted([graph_signin(s) for s in sig], key=lambda i: i['createdDateTime'], reverse=True)),
        'azure-ranges.txt': AZURE_LIST,
        'args': '--ip-ranges\n@CASE@/azure-ranges.txt\n',
        'expect.json': expected,
    })


# A. Log Analytics SigninLogs CSV, CIDR list: a user signs in to the Azure Portal from an Azure VM.
seed('hosting-A')
sig = daily(T('2026-03-01T13:40:00'), 7, [('dana.whitfield', 'dana'), ('emily.tran', 'emily')])
sig.append(signin(T('2026-03-05T15:12:41'), 'dana.whitfield', AZ_VM, app='portal', ua=UA_ATTACK))
write(ROOT + '/pos_sentinel_portal_from_azure_vm', {
    'SigninLogs.csv': la_csv(la_rows(sig)),
    'azure-ranges.txt': AZURE_LIST,
    'args': '--ip-ranges\n@CASE@/azure-ranges.txt\n',
    'expect.json': expect([{'severity': 'medium',
                            'entities': {'users': ['dana.whitfield@contosodemo.onmicrosoft.com'], 'ips': ['52.168.30.17'],
                                         'apps': ['Azure Portal']},
                            'summary_contains': 'from hosting address 52.168.30.17 (AzureCloud.eastus)',
                            'details': {'signins': 1, 'admin_actions': 0, 'hosting_ips': ['52.168.30.17']}}]),
})

# B. UAL JSON Lines, ServiceTags JSON: sign-in and an Exchange admin cmdlet from an Azure VM.
seed('hosting-B')
sig = daily(T('2026-03-01T13:40:00'), 5, [('marcus.oyelaran', 'marcus'), ('tom.becker', 'tom')])
sig.append(signin(T('2026-03-04T03:02:10'), 'it.helpdesk', AZ_VM2, app='exops', ua=UA_ATTACK,
                  client='Mobile Apps and Desktop clients'))
recs = [ual_signin(s) for s in sig]
recs.append(ual_cmdlet(T('2026-03-03T15:20:11'), 'tom.becker', '203.0.113.10:52144', 'Set-Mailbox',
                       [('Identity', 'secops'), ('RetainDeletedItemsFor', '30.00:00:00')],
                       obj='NAMPR05A012.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contosodemo.onmicrosoft.com/secops'))
recs.append(ual_cmdlet(T('2026-03-04T03:05:44'), 'it.helpdesk', AZ_VM2[0] + ':50811', 'Add-MailboxPermission',
                       [('Identity', 'marcus.oyelaran@contosodemo.onmicrosoft.com'),
                        ('User', 'it.helpdesk@contosodemo.onmicrosoft.com'), ('AccessRights', 'FullAccess'),
                        ('InheritanceType', 'All')],
                       obj='NAMPR05A012.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contosodemo.onmicrosoft.com/marcus.oyelaran'))
recs.sort(key=lambda a: a['CreationTime'])
write(ROOT + '/pos_ual_cmdlet_from_azure_vm', {
    'audit.jsonl': jsonl(recs),
    'ServiceTags_Public_20260302.json': service_tags(),
    'args': '--ip-ranges\n@CASE@/ServiceTags_Public_20260302.json\n',
    'expect.json': expect([{'severity': 'high',
                            'entities': {'users': ['it.helpdesk@contosodemo.onmicrosoft.com'], 'ips': ['40.76.12.9'],
                                         'apps': ['Microsoft Exchange REST API Based PowerShell']},
                            'details': {'signins': 1, 'admin_actions': 1, 'operations': ['Add-MailboxPermission']}}]),
})

# C. Graph sign-ins + directoryAudits, a CIDR list naming a non-Azure provider: role assignment
# from a DigitalOcean droplet.
seed('hosting-C')
sig = daily(T('2026-03-01T13:40:00'), 6, [('tom.becker', 'tom'), ('ken.yamada', 'ken')])
sig.append(signin(T('2026-03-06T01:14:02'), 'tom.becker', DO_VM, app='portal', ua=UA_ATTACK))
g = [graph_signin(s) for s in sig]
it = role_added(T('2026-03-06T01:19:37'), 1182204, 'tom.becker', 'ken.yamada', DO_VM[0])
write(ROOT + '/pos_graph_role_assignment_from_droplet', {
    'signins.json': graph_page(sorted(g, key=lambda i: i['createdDateTime'], reverse=True)),
    'directoryAudits.json': graph_page([it], 'directoryAudits'),
    'hosting.txt': '# hosting providers seen in threat intel\n159.203.0.0/16 DigitalOcean\n',
    'args': '--ip-ranges\n@CASE@/hosting.txt\n',
    'expect.json': expect([{'severity': 'high',
                            'entities': {'users': ['tom.becker@contosodemo.onmicrosoft.com'], 'ips': ['159.203.84.17']},
                            'summary_contains': '(DigitalOcean)',
                            'details': {'signins': 1, 'admin_actions': 1, 'operations': ['Add member to role']}}]),
})

# D/E. Graph: a user on the company's Azure Virtual Desktop every day from three hours after the
# logs start. Established under the default 24 h; with established_within 1h it is reported.
seed('hosting-D')
sig = daily(T('2026-03-02T13:40:00'), 6, [('dana.whitfield', 'dana')])
for d in range(6):
    sig.append(signin(T('2026-03-02T16:41:00') + D(days=d, minutes=3 * d), 'ken.yamada', AVD,
                      app=['officehome', 'teams', 'owa'][d % 3]))
files = {'signins.json': graph_page(sorted([graph_signin(s) for s in sig], key=lambda i: i['createdDateTime'], reverse=True)),
         'azure-ranges.txt': AZURE_LIST}
write(ROOT + '/neg_graph_virtual_desktop_from_the_start', dict(files, **{
    'args': '--ip-ranges\n@CASE@/azure-ranges.txt\n',
    'expect.json': expect([])}))
write(ROOT + '/pos_graph_config_established_within_1h', dict(files, **{
    'established.yaml': 'rules:\n  signin-from-hosting-ip:\n    established_within: 1h\n',
    'args': '--ip-ranges\n@CASE@/azure-ranges.txt\n--config\n@CASE@/established.yaml\n',
    'expect.json': expect([{'severity': 'medium', 'entities': {'users': ['ken.yamada@contosodemo.onmicrosoft.com']},
                            'details': {'signins': 6, 'admin_actions': 0}}])}))

# F. UAL + Azure Monitor, ServiceTags with a connector tag: Microsoft's own traffic from Azure.
seed('hosting-F')
sig = daily(T('2026-03-02T13:40:00'), 3, [('dana.whitfield', 'dana')])
# Outlook for iOS syncing through Microsoft's service: UAL cannot say it was non-interactive.
sig.append(signin(T('2026-03-03T22:40:31'), 'dana.whitfield', OUTLOOK_SVC, app='outlookmobile',
                  ua='Outlook-iOS/2.0', client='Mobile Apps and Desktop clients'))
recs = [ual_signin(s) for s in sig]
sysc = copy.deepcopy(UAL['system-cmdlet'])
sysc.update({'CreationTime': '2026-03-03T04:12:09', 'Id': gid()})
recs.append(sysc)
# Microsoft Substrate Management updating a user from an Azure address (service principal actor).
sub = ual_update_user_sam(T('2026-03-03T18:30:51'), 'dana.whitfield', 0, 0, sp_name='Microsoft Substrate Management',
                          sp_id='16e93bb4-5a8d-4eb5-8828-a63845456018')
sub['ModifiedProperties'] = [{'Name': 'Included Updated Properties', 'NewValue': '', 'OldValue': ''},
                             {'Name': 'TargetId.UserType', 'NewValue': 'Member', 'OldValue': ''}]
sub['ClientIP'] = '52.168.61.20'
sub['ActorIpAddress'] = '52.168.61.20'
recs.append(sub)
# A Power Automate flow setting Dana's automatic replies: the cmdlet runs as Dana from a connector.
recs.append(ual_cmdlet(T('2026-03-04T16:00:03'), 'dana.whitfield', CONNECTOR_IP, 'Set-MailboxAutoReplyConfiguration',
                       [('Identity', 'dana.whitfield@contosodemo.onmicrosoft.com'), ('AutoReplyState', 'Enabled')],
                       app_id='7ab7862c-4c57-491e-8a45-d52a7e023983',
                       obj='NAMPR05A012.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/contosodemo.onmicrosoft.com/dana.whitfield'))
recs.sort(key=lambda a: a['CreationTime'])
nonint = signin(T('2026-03-04T02:15:09'), 'dana.whitfield', OUTLOOK_SVC, app='outlookmobile',
                ua='Outlook-iOS/2.0', client='Mobile Apps and Desktop clients', interactive=False)
write(ROOT + '/neg_ual_microsoft_service_traffic', {
    'audit.jsonl': jsonl(recs),
    'PT1H.json': azmon_line([azmon_signin(nonint)]) + '\n',
    'ServiceTags_Public_20260302.json': service_tags([CONNECTORS]),
    'args': '--ip-ranges\n@CASE@/ServiceTags_Public_20260302.json\n',
    'expect.json': expect([]),
})

# G. Log Analytics CSV: the tenant's own cloud egress (listed in --trusted-ips) is Azure too.
seed('hosting-G')
sig = daily(T('2026-03-01T13:40:00'), 6, [('emily.tran', 'emily')])
sig.append(signin(T('2026-03-05T14:31:07'), 'emily.tran', EGRESS, app='owa'))
sig.append(signin(T('2026-03-06T13:55:40'), 'emily.tran', EGRESS, app='officehome'))
write(ROOT + '/neg_sentinel_trusted_cloud_egress', {
    'SigninLogs.csv': la_csv(la_rows(sig)),
    'azure-ranges.txt': AZURE_LIST,
    'egress.txt': '# contoso-demo egress: Boston HQ and the Azure-hosted secure web gateway\n'
                  '203.0.113.0/24 Boston HQ\n52.168.200.0/28 Contoso SWG (Azure East US)\n',
    'args': '--ip-ranges\n@CASE@/azure-ranges.txt\n--trusted-ips\n@CASE@/egress.txt\n',
    'expect.json': expect([]),
})

# H. UAL sign-ins + Log Analytics AuditLogs, --asn-db only (no ranges, no ASN in the records):
# the Azure VM is recognised by its AS8075.
seed('hosting-H')
AZ_VM3 = ('40.76.88.20', 'Boydton', 'Virginia', 'US', 36.66769, -78.3875, 8075)
sig = daily(T('2026-03-01T13:40:00'), 5, [('marcus.oyelaran', 'marcus'), ('emily.tran', 'emily')])
sig.append(signin(T('2026-03-04T04:10:52'), 'marcus.oyelaran', AZ_VM3, app='portal', ua=UA_ATTACK))
def asn_mmdb(case):
    """The case's asn.mmdb, built from its asn.txt by tests/tools/make_mmdb."""
    mk = os.environ.get('M365_MAKE_MMDB')
    if mk:
        with open(case + '/asn.txt') as f:
            subprocess.run([mk, case + '/asn.mmdb'], stdin=f, check=True)
    elif not os.path.exists(case + '/asn.mmdb'):
        sys.exit('set M365_MAKE_MMDB to a built tests/tools/make_mmdb to create %s/asn.mmdb' % case)


def sentinel_role_change_case(name, sig, when, ip, asn_lines, exp):
    """UAL sign-ins, a Log Analytics AuditLogs row (Marcus adds Emily to a role from ip at
    when) and a GeoLite2-ASN style --asn-db."""
    case = ROOT + '/' + name
    write(case, {
        'audit.jsonl': jsonl(sorted([ual_signin(s) for s in sig], key=lambda a: a['CreationTime'])),
        'AuditLogs.json': jsonl([la_audit_from_graph(role_added(T(when), 3310000, 'marcus.oyelaran',
                                                               'emily.tran', ip))]),
        'asn.txt': '# GeoLite2-ASN style test database (asn.mmdb is built from this by tests/tools/make_mmdb)\n'
                   + asn_lines,
        'args': '--asn-db\n@CASE@/asn.mmdb\n',
        'expect.json': exp,
    })
    asn_mmdb(case)


sentinel_role_change_case('pos_ual_sentinel_asn_db_only', sig, '2026-03-04T04:14:09', AZ_VM3[0],
                          '40.76.0.0/14 8075 MICROSOFT-CORP-MSN-AS-BLOCK\n52.168.0.0/14 8075 MICROSOFT-CORP-MSN-AS-BLOCK\n'
                          '203.0.113.0/24 7922 COMCAST-7922\n198.51.100.0/24 7922 COMCAST-7922\n',
                          expect([{'severity': 'high',
                                   'entities': {'users': ['marcus.oyelaran@contosodemo.onmicrosoft.com'], 'ips': ['40.76.88.20']},
                                   'summary_contains': '(AS8075)',
                                   'details': {'signins': 1, 'admin_actions': 1, 'operations': ['Add member to role'],
                                               'ip_ranges_loaded': False, 'asn_db_loaded': True}}]))

# I/J. A UAL search for the first days (03-01 to 03-04) beside a Log Analytics SigninLogs export
# of the last two. I: Dana signs in from an Azure VM an hour and a half after the export begins;
# the UAL recorded her signing in for four days before, never from there: no habit, reported.
# J: the UAL search was for Emily alone, and Dana works on the company's Azure Virtual Desktop
# from the export's first hour: nothing recorded her before, so the desktop predates the
# evidence (silent).
seed('hosting-I')
early = daily(T('2026-03-01T13:40:00'), 4, [('dana.whitfield', 'dana'), ('emily.tran', 'emily')])
late = daily(T('2026-03-05T13:40:00'), 2, [('dana.whitfield', 'dana'), ('emily.tran', 'emily')])
late.append(signin(T('2026-03-05T15:12:41'), 'dana.whitfield', AZ_VM, app='portal', ua=UA_ATTACK))
write(ROOT + '/pos_ual_sentinel_vm_on_the_first_day_of_a_late_export', {
    'audit.jsonl': jsonl(sorted([ual_signin(s) for s in early], key=lambda a: a['CreationTime'])),
    'SigninLogs.csv': la_csv(la_rows(late)),
    'azure-ranges.txt': AZURE_LIST,
    'args': '--ip-ranges\n@CASE@/azure-ranges.txt\n',
    'expect.json': expect([{'severity': 'medium',
                            'entities': {'users': ['dana.whitfield@contosodemo.onmicrosoft.com'], 'ips': ['52.168.30.17']},
                            'summary_contains': 'from hosting address 52.168.30.17 (AzureCloud.eastus)',
                            'details': {'signins': 1, 'admin_actions': 0}}]),
})
seed('hosting-J')
early = daily(T('2026-03-01T13:40:00'), 4, [('emily.tran', 'emily')])
late = daily(T('2026-03-05T13:40:00'), 2, [('emily.tran', 'emily')])
late += [signin(T('2026-03-05T13:52:10') + D(days=d, minutes=7 * d), 'dana.whitfield', AVD,
                app=['officehome', 'teams'][d % 2]) for d in range(2)]
write(ROOT + '/neg_ual_sentinel_virtual_desktop_user_outside_the_ual_search', {
    'audit.jsonl': jsonl(sorted([ual_signin(s) for s in early], key=lambda a: a['CreationTime'])),
    'SigninLogs.csv': la_csv(la_rows(late)),
    'azure-ranges.txt': AZURE_LIST,
    'args': '--ip-ranges\n@CASE@/azure-ranges.txt\n',
    'expect.json': expect([]),
})

# K/L. Graph exports of a few days. K: Dana's session is hijacked from an Azure VM two hours after
# the export begins: one sign-in among her eight from the office and home is no habit, though it
# comes in the export's first hours (reported). L: on the one day an export covers, Ken works from
# the company's jump host for four of his seven sign-ins: a third or more of his own is a habit
# (silent).
seed('hosting-K')
sig = daily(T('2026-03-09T08:40:00'), 4, [('dana.whitfield', 'dana'), ('emily.tran', 'emily')])
sig += daily(T('2026-03-09T14:05:00'), 4, [('dana.whitfield', 'dana'), ('emily.tran', 'emily')])
sig.append(signin(T('2026-03-09T02:10:24'), 'dana.whitfield', AZ_VM, app='portal', ua=UA_ATTACK))
azure_graph_case('/pos_graph_session_hijacked_in_the_first_hours_of_a_short_export', sig, expect([{'severity': 'medium',
                            'entities': {'users': ['dana.whitfield@contosodemo.onmicrosoft.com'], 'ips': ['52.168.30.17']},
                            'details': {'signins': 1, 'admin_actions': 0}}]))
# K2: the same export, but the attacker comes back from the provider's range on the next two days,
# each time after Dana's first sign-in of the day: three of her eleven, on three days, none of
# them her first of the evidence. Still no habit (reported).
seed('hosting-K2')
sig = daily(T('2026-03-09T08:40:00'), 4, [('dana.whitfield', 'dana'), ('emily.tran', 'emily')])
sig += daily(T('2026-03-09T14:05:00'), 4, [('dana.whitfield', 'dana'), ('emily.tran', 'emily')])
sig += [signin(T('2026-03-09T10:12:07') + D(days=d, minutes=41 * d), 'dana.whitfield', vm, app='portal',
               ua=UA_ATTACK) for d, vm in enumerate((AZ_VM, AZ_VM2, AZ_VM))]
azure_graph_case('/pos_graph_session_hijacked_and_back_on_the_next_days', sig, expect([{'severity': 'medium',
                            'entities': {'users': ['dana.whitfield@contosodemo.onmicrosoft.com'],
                                         'ips': ['52.168.30.17', '40.76.12.9']},
                            'details': {'signins': 3, 'admin_actions': 0}}]))
seed('hosting-L')
sig = daily(T('2026-03-09T08:40:00'), 1, [('dana.whitfield', 'dana'), ('ken.yamada', 'ken')])
sig += [signin(T('2026-03-09T09:02:11') + D(minutes=97 * k), 'ken.yamada', AZ_VM2,
               app=['portal', 'portal', 'officehome', 'portal'][k]) for k in range(4)]
sig += [signin(T('2026-03-09T11:20:45') + D(hours=2 * k), 'ken.yamada', OFFICE, app=['owa', 'teams'][k])
        for k in range(2)]
azure_graph_case('/neg_graph_jump_host_admin_in_a_one_day_export', sig, expect([]))

# M. A Graph export of two days: an account made by the attacker an hour into it signs in from
# the Azure VM at once, every sign-in it has. An account created in the evidence has no habit
# from before it (reported), though all its sign-ins come from there.
seed('hosting-M')
sig = daily(T('2026-03-09T08:40:00'), 2, [('dana.whitfield', 'dana'), ('emily.tran', 'emily')])
sig += [signin(T('2026-03-09T01:47:12') + D(minutes=23 * k), 'svc-o365connector', AZ_VM,
               app=['portal', 'officehome', 'portal'][k], ua=UA_ATTACK) for k in range(3)]
aud = [graph_add_user(T('2026-03-09T01:12:30'), 'dana.whitfield', 'svc-o365connector', 4120331)]
write(ROOT + '/pos_graph_account_created_in_the_evidence_on_an_azure_vm', {
    'signins.json': graph_page(sorted([graph_signin(s) for s in sig], key=lambda i: i['createdDateTime'], reverse=True)),
    'directoryAudits.json': graph_page(aud, 'directoryAudits'),
    'azure-ranges.txt': AZURE_LIST,
    'args': '--ip-ranges\n@CASE@/azure-ranges.txt\n',
    'expect.json': expect([{'severity': 'medium',
                            'entities': {'users': ['svc-o365connector@contosodemo.onmicrosoft.com'],
                                         'ips': ['52.168.30.17']},
                            'details': {'signins': 3}}]),
})

# N. A three-day Graph export: the legacy archive account is sprayed from residential exits, the
# password is found from one of them, and twenty minutes later the account signs in to the Azure
# Portal from an Azure VM: one of its two sign-ins, not its first. One sign-in is no habit, though
# it is a third of the account's (reported; silent when a single sign-in that shares enough was a
# habit).
SPRAY_EXITS = [('86.133.97.61', 'Leeds', 'England', 'GB', 53.79648, -1.54785, 2856),
               ('31.55.154.114', 'Leeds', 'England', 'GB', 53.79648, -1.54785, 2856),
               ('81.101.22.40', 'Manchester', 'England', 'GB', 53.48095, -2.23743, 5089)]
seed('hosting-N')
sig = daily(T('2026-03-09T08:40:00'), 3, [('dana.whitfield', 'dana'), ('emily.tran', 'emily')])
sig += [signin(T('2026-03-09T01:40:14') + D(minutes=37 * k), 'svc-archive', SPRAY_EXITS[k], app='aadps',
               code=50126, ua=UA_ATTACK, client='Mobile Apps and Desktop clients') for k in range(3)]
sig.append(signin(T('2026-03-09T03:49:48'), 'svc-archive', SPRAY_EXITS[1], app='aadps', ua=UA_ATTACK,
                  client='Mobile Apps and Desktop clients'))
sig.append(signin(T('2026-03-09T04:10:48'), 'svc-archive', AZ_VM, app='portal', ua=UA_ATTACK))
azure_graph_case('/pos_graph_sprayed_account_once_on_an_azure_vm_in_a_short_export', sig, expect([{'severity': 'medium',
                            'entities': {'users': ['svc-archive@contosodemo.onmicrosoft.com'], 'ips': ['52.168.30.17']},
                            'details': {'signins': 1, 'admin_actions': 0}}]))

# O. A one-day export of virtual-desktop users: Emily signs in once from home, then twice from the
# company's Azure Virtual Desktop; Tom's one sign-in of the day is from the virtual desktop. Two
# of three, and a user's first and only one, are the habit (silent).
seed('hosting-O')
sig = daily(T('2026-03-09T08:40:00'), 1, [('dana.whitfield', 'dana')])
sig.append(signin(T('2026-03-09T12:31:02'), 'emily.tran', HOME['emily'], app='teams'))
sig += [signin(T('2026-03-09T13:05:40') + D(hours=3 * k), 'emily.tran', AVD, app=['owa', 'officehome'][k])
        for k in range(2)]
sig.append(signin(T('2026-03-09T14:12:19'), 'tom.becker', AVD, app='owa'))
azure_graph_case('/neg_graph_virtual_desktop_users_in_a_one_day_export', sig, expect([]))

# P. H's story from Microsoft's corporate network: Marcus, a partner engineer, signs in and adds
# Emily to a role from a Microsoft office (2001:4898::/32 and 131.107.0.0/16 are AS3598, Microsoft
# Corporation's own network, in GeoLite2-ASN). No one rents a machine there: not hosting (silent).
# The same role change from an Azure VM (AS8075, also "Microsoft Corporation") is H.
seed('hosting-P')
MSFT_CORP = ('2001:4898:e0:3f::1c4', 'Redmond', 'Washington', 'US', 47.67399, -122.12151, 3598)
MSFT_CORP4 = ('131.107.147.38', 'Redmond', 'Washington', 'US', 47.67399, -122.12151, 3598)
sig = daily(T('2026-03-01T13:40:00'), 5, [('marcus.oyelaran', 'marcus'), ('emily.tran', 'emily')])
sig.append(signin(T('2026-03-04T17:10:52'), 'marcus.oyelaran', MSFT_CORP, app='portal'))
sig.append(signin(T('2026-03-05T16:02:11'), 'marcus.oyelaran', MSFT_CORP4, app='owa'))
sentinel_role_change_case('neg_ual_sentinel_asn_db_microsoft_corporate_network', sig, '2026-03-04T17:14:09',
                          MSFT_CORP[0],
                          '40.76.0.0/14 8075 Microsoft Corporation\n52.168.0.0/14 8075 Microsoft Corporation\n'
                          '131.107.0.0/16 3598 Microsoft Corporation\n2001:4898::/32 3598 Microsoft Corporation\n'
                          '203.0.113.0/24 7922 COMCAST-7922\n198.51.100.0/24 7922 COMCAST-7922\n',
                          expect([]))

# N. A Graph export of three days and a quiet administrator: Dana signs in at the office on the
# first morning, then her stolen session is replayed from an Azure VM sixteen hours later, in the
# night (the portal, Exchange PowerShell, the Graph tools within half an hour), within the first
# 24 hours of the export; she goes on from the office and home. Three of her nine sign-ins, a
# third, but in one visit: no habit (a jump host is used over hours, or on days), reported. (It
# was taken for one.)
seed('hosting-N')
sig = daily(T('2026-03-09T08:40:00'), 3, [('dana.whitfield', 'dana'), ('emily.tran', 'emily')])
sig += daily(T('2026-03-10T12:10:00'), 2, [('dana.whitfield', 'dana'), ('emily.tran', 'emily')])
sig += [signin(T('2026-03-10T00:59:44') + D(minutes=m), 'dana.whitfield', AZ_VM, app=a, ua=UA_ATTACK)
        for m, a in ((0, 'portal'), (7, 'portal'), (35, 'officehome'))]
sig += [signin(T('2026-03-10T15:31:02'), 'dana.whitfield', OFFICE, app='teams')]
azure_graph_case('/pos_graph_session_replayed_in_one_night_visit_a_third_of_a_quiet_admins_signins', sig,
                 expect([{'severity': 'medium',
                          'entities': {'users': ['dana.whitfield@contosodemo.onmicrosoft.com'], 'ips': ['52.168.30.17']},
                          'details': {'signins': 3, 'admin_actions': 0}}]))
