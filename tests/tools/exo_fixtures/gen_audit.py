from common import *

R = 'advanced-audit-disabled'
ATT_IP = '52.168.117.42'
EWS = 'Client=WebServices;ExchangeWebServices/15.0;'
VAULT = 'b7e4a0d2-6c19-4f8a-93d5-1e2f6a8c0b47'
OWA = 'Client=OWA;Action=ViaProxy'


def change_license(t, actor, target, old, new, ip=None):
    props = [{'Name': 'AssignedLicense', 'NewValue': ual_list(new), 'OldValue': ual_list(old) if old is not None else ''},
             {'Name': 'Included Updated Properties', 'NewValue': 'AssignedLicense', 'OldValue': ''},
             {'Name': 'TargetId.UserType', 'NewValue': 'Member', 'OldValue': ''}]
    return aad_ual(t, 'Change user license.', actor, target, props, ip)


# 1. UAL: a licence change by an account that never managed licences (while Tom does), then another
#    account reads the mailbox through EWS: critical.
recs = [
    change_license('2026-03-02T12:48:22', 'tom.becker', 'noah.brooks', None,
                   [lic(*E3, ['YAMMER_ENTERPRISE'])], '203.0.113.10'),
    mail_read('2026-03-07T13:20:05', 'lucia.fernandez', 'lucia.fernandez', '198.51.100.63', OWA,
              '00000002-0000-0ff1-ce00-000000000000', 2),
    change_license('2026-03-07T14:02:41', 'svc-legacytest', 'lucia.fernandez',
                   [lic(*E5, ['YAMMER_ENTERPRISE'])],
                   [lic(*E5, ['YAMMER_ENTERPRISE', 'M365_ADVANCED_AUDITING'])], ATT_IP),
    mail_read('2026-03-07T14:31:09', 'lucia.fernandez', 'lucia.fernandez', '198.51.100.63', OWA,
              '00000002-0000-0ff1-ce00-000000000000', 1),
    mail_read('2026-03-07T14:44:51', 'lucia.fernandez', 'svc-m365sync', '40.76.173.208', EWS, VAULT, 6),
]
write(R, 'pos_ual_licence_disabled_then_read', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'critical',
        'entities': {'users': ['svc-legacytest@' + D, 'lucia.fernandez@' + D],
                     'mailboxes': ['lucia.fernandez@' + D], 'ips': [ATT_IP]},
        'summary_contains': 'svc-m365sync@contosodemo.onmicrosoft.com read lucia.fernandez',
        'details': {'users': [{'user': 'lucia.fernandez@' + D, 'disabled_at': '2026-03-07T14:02:41.000Z',
                               'reenabled_at': None,
                               'how': 'M365_ADVANCED_AUDITING disabled in licence SPE_E5',
                               'by': 'svc-legacytest@' + D, 'read_by_others_after': 1,
                               'first_read_after': '2026-03-07T14:44:51.000Z',
                               'first_reader': 'svc-m365sync@' + D}],
                    'still_disabled': True, 'actor_first_licence_or_audit_change': True}}])

# 8. The same reads 3 hours later, access_window 1h: high (no other sign).
recs = [
    change_license('2026-03-07T14:02:41', 'svc-legacytest', 'lucia.fernandez',
                   [lic(*E5, ['YAMMER_ENTERPRISE'])],
                   [lic(*E5, ['YAMMER_ENTERPRISE', 'M365_ADVANCED_AUDITING'])], ATT_IP),
    mail_read('2026-03-07T17:12:30', 'lucia.fernandez', 'svc-m365sync', '40.76.173.208', EWS, VAULT, 4),
]
write(R, 'pos_param_access_window', {'audit.jsonl': jsonl(recs),
                                      'config.yaml': config(R, {'access_window': '1h'})},
      [{'severity': 'high', 'details': {'users': [{'user': 'lucia.fernandez@' + D,
        'disabled_at': '2026-03-07T14:02:41.000Z', 'reenabled_at': None,
        'how': 'M365_ADVANCED_AUDITING disabled in licence SPE_E5', 'by': 'svc-legacytest@' + D,
        'read_by_others_after': 0}]}}],
      args=['--config', '@CASE@/config.yaml'])

# Without the parameter the same evidence is critical (proves the parameter flips it).
write(R, 'pos_access_3h_later_default', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'critical', 'details': {'still_disabled': True}}])

# 2. Graph directoryAudits: "Change user license" + "Update user" (AssignedPlan turns Deleted),
#    re-enabled 2 days later: the window is closed in details.
old_plans = [plan(AUDIT_PLAN, 'Enabled', 'ComplianceWorkbench/NA001'),
             plan('9f431833-0334-42de-a7dc-70aa40db46db', 'Enabled', 'exchange/namprd05-001-01')]
new_plans = [plan(AUDIT_PLAN, 'Deleted', 'ComplianceWorkbench/NA001', '2026-03-05T09:41:17Z'),
             plan('9f431833-0334-42de-a7dc-70aa40db46db', 'Enabled', 'exchange/namprd05-001-01')]
items = [
    graph_audit('2026-03-05T09:41:16.4312087Z', 'Change user license', 'tom.becker', 'marcus.oyelaran',
                [('AssignedLicense', entra_list([lic(*E5, [])]),
                  entra_list([lic(*E5, ['M365_ADVANCED_AUDITING'])])),
                 ('Included Updated Properties', None, '"AssignedLicense"'),
                 ('TargetId.UserType', None, '"Member"')], '198.51.100.52'),
    graph_audit('2026-03-05T09:41:17.0931554Z', 'Update user', 'tom.becker', 'marcus.oyelaran',
                [('AssignedPlan', json.dumps(old_plans), json.dumps(new_plans)),
                 ('Included Updated Properties', None, '"AssignedPlan"'),
                 ('TargetId.UserType', None, '"Member"')], '198.51.100.52'),
    graph_audit('2026-03-07T15:03:52.1187342Z', 'Change user license', 'tom.becker', 'marcus.oyelaran',
                [('AssignedLicense', entra_list([lic(*E5, ['M365_ADVANCED_AUDITING'])]),
                  entra_list([lic(*E5, [])])),
                 ('Included Updated Properties', None, '"AssignedLicense"'),
                 ('TargetId.UserType', None, '"Member"')], '203.0.113.10'),
]
items.sort(key=lambda x: x['activityDateTime'], reverse=True)
write(R, 'pos_graph_licence_window_closed', {'directoryAudits.json': graph_page(items)},
      [{'severity': 'high', 'entities': {'users': ['tom.becker@' + D, 'marcus.oyelaran@' + D]},
        'summary_contains': 'switched back on later',
        'details': {'users': [{'user': 'marcus.oyelaran@' + D, 'disabled_at': '2026-03-05T09:41:16.431Z',
                               'reenabled_at': '2026-03-07T15:03:52.118Z',
                               'how': 'M365_ADVANCED_AUDITING disabled in licence SPE_E5',
                               'by': 'tom.becker@' + D, 'reenabled_by': 'tom.becker@' + D,
                               'read_by_others_after': 0}],
                    'still_disabled': False, 'mail_access_checked': False}}])

# 3. Log Analytics AuditLogs: an application (service principal) swaps the CISO's E5 for E3; the
#    assigned plan shows the auditing plan Deleted (bracketed UAL-style entries).
app = ('3f8d2c71-9a4e-4b6d-8e15-2c7a9f0b4d63', 'CD-Legacy-Automation', '94ddb53a-c4cf-4f01-936c-a7be0ee53d4c')
br_old = '[SubscribedPlanId=6a0f2ad4-66d4-4c67-9d5e-4a1f3a2c9b10, ServiceInstance=ComplianceWorkbench/NA001, CapabilityStatus=Enabled, AssignedTimestamp=1/15/2024 9:12:44 AM, InitialState=, Capability=, ServicePlanId=2f442157-a11c-46b9-ae5b-6e39ff4e5849]'
br_new = br_old.replace('CapabilityStatus=Enabled', 'CapabilityStatus=Deleted').replace('1/15/2024 9:12:44 AM', '3/8/2026 4:17:09 AM')
rows = [
    la_auditlogs('2026-03-08T04:17:08.512Z', 'Update user', None, 'priya.raman',
                 [('AssignedLicense', entra_list([lic(*E5, [])]), entra_list([lic(*E3, [])])),
                  ('AssignedPlan', entra_list([br_old]), entra_list([br_new])),
                  ('Included Updated Properties', None, '"AssignedLicense, AssignedPlan"'),
                  ('TargetId.UserType', None, '"Member"')], app_actor=app),
]
write(R, 'pos_la_auditlogs_e5_removed_by_app', {'AuditLogs.json': jsonl(rows)},
      [{'severity': 'high', 'entities': {'users': ['priya.raman@' + D],
                                         'service_principals': ['3f8d2c71-9a4e-4b6d-8e15-2c7a9f0b4d63']},
        'details': {'actor': 'CD-Legacy-Automation',
                    'users': [{'user': 'priya.raman@' + D, 'disabled_at': '2026-03-08T04:17:08.512Z',
                               'reenabled_at': None,
                               'how': 'licence SPE_E5, which carried M365_ADVANCED_AUDITING, removed',
                               'by': 'CD-Legacy-Automation', 'read_by_others_after': 0}]}}])

# 4. UAL Exchange cmdlets: audit bypass for the attacker's account, mailbox auditing off for the
#    CEO (named by alias), unified audit log ingestion off. One actor: one finding.
tok = 'Nswt49UOcv8xCPMyNxrXMB'
recs = [
    mail_read('2026-03-06T14:10:33', 'dana.whitfield', 'dana.whitfield', '198.51.100.21',
              'Client=MSExchangeRPC', '00000002-0000-0ff1-ce00-000000000000', 2),
    cmdlet('2026-03-06T15:44:02', 'Set-MailboxAuditBypassAssociation', 'svc-legacytest',
           [('Identity', 'svc-m365sync@' + D), ('AuditBypassEnabled', 'True')], ATT_IP + ':50412',
           EXO_ORG + 'svc-m365sync', token=tok, session='43df4bc9-4f57-4071-857a-0120d3b5a532'),
    cmdlet('2026-03-06T15:46:19', 'Set-Mailbox', 'svc-legacytest',
           [('Identity', 'dana.whitfield'), ('AuditEnabled', 'False')], ATT_IP + ':50412',
           EXO_ORG + 'dana.whitfield', token=tok, session='43df4bc9-4f57-4071-857a-0120d3b5a532'),
    cmdlet('2026-03-06T15:48:55', 'Set-AdminAuditLogConfig', 'svc-legacytest',
           [('UnifiedAuditLogIngestionEnabled', 'False')], ATT_IP + ':50412',
           'Admin Audit Log Settings', token=tok, session='43df4bc9-4f57-4071-857a-0120d3b5a532'),
]
write(R, 'pos_ual_exchange_audit_settings', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'high',
        'entities': {'users': ['svc-legacytest@' + D, 'dana.whitfield@' + D, 'svc-m365sync@' + D],
                     'ips': [ATT_IP]},
        'details': {'users': [
            {'user': 'dana.whitfield@' + D, 'disabled_at': '2026-03-06T15:46:19.000Z', 'reenabled_at': None,
             'how': 'mailbox auditing turned off (Set-Mailbox -AuditEnabled $false)',
             'by': 'svc-legacytest@' + D, 'read_by_others_after': 0},
            {'user': 'svc-m365sync@' + D, 'disabled_at': '2026-03-06T15:44:02.000Z', 'reenabled_at': None,
             'how': "audit bypass enabled: the account's mailbox actions are not logged",
             'by': 'svc-legacytest@' + D, 'read_by_others_after': 0}],
            'tenant_settings': [
                {'disabled_at': '2026-03-06T15:48:55.000Z', 'reenabled_at': None,
                 'how': 'unified audit log ingestion turned off for the tenant',
                 'by': 'svc-legacytest@' + D}]}}])

# 5. OfficeActivity (Log Analytics JSON): MailItemsAccessed dropped from the owner and delegate
#    audit lists of the CFO, restored the next day.
recs = [
    cmdlet('2026-03-09T02:14:40', 'Set-Mailbox', 'tom.becker',
           [('Identity', 'marcus.oyelaran@' + D),
            ('AuditOwner', 'Update,MoveToDeletedItems,SoftDelete,HardDelete,Create'),
            ('AuditDelegate', 'Update,MoveToDeletedItems,SoftDelete,HardDelete,SendAs,SendOnBehalf,Create')],
           '40.76.173.208:61022', EXO_ORG + 'marcus.oyelaran', session='9a1c22e0-51b4-4c53-9d58-6c0f0e8f3b7d'),
    cmdlet('2026-03-09T14:05:12', 'Set-Mailbox', 'tom.becker',
           [('Identity', 'marcus.oyelaran@' + D),
            ('AuditOwner', 'Update,MoveToDeletedItems,SoftDelete,HardDelete,Create,MailItemsAccessed'),
            ('AuditDelegate', 'Update,MoveToDeletedItems,SoftDelete,HardDelete,SendAs,SendOnBehalf,Create,MailItemsAccessed')],
           '203.0.113.10:52144', EXO_ORG + 'marcus.oyelaran', session='4de2a96a-3a86-469b-82b2-770ef98d28a4'),
]
write(R, 'pos_la_officeactivity_mailitemsaccessed_dropped',
      {'OfficeActivity.json': jsonl([officeactivity(r) for r in recs])},
      [{'severity': 'high', 'entities': {'users': ['tom.becker@' + D, 'marcus.oyelaran@' + D],
                                         'ips': ['40.76.173.208']},
        'details': {'users': [{'user': 'marcus.oyelaran@' + D, 'disabled_at': '2026-03-09T02:14:40.000Z',
                               'reenabled_at': '2026-03-09T14:05:12.000Z',
                               'how': 'MailItemsAccessed removed from AuditOwner (Set-Mailbox)',
                               'by': 'tom.becker@' + D, 'reenabled_by': 'tom.becker@' + D,
                               'read_by_others_after': 0}], 'still_disabled': False}}])

# 6. Licence changes that add plans or leave auditing alone (UAL + Graph): no finding.
recs = [
    change_license('2026-03-02T12:48:22', 'tom.becker', 'noah.brooks', None,
                   [lic(*E3, ['YAMMER_ENTERPRISE'])], '203.0.113.10'),
    change_license('2026-03-03T16:02:10', 'tom.becker', 'aisha.khan', [lic(*E3, [])],
                   [lic(*E3, []), lic(*EMS, [])], '203.0.113.10'),
    change_license('2026-03-04T15:11:47', 'tom.becker', 'dana.whitfield', [lic(*E5, ['YAMMER_ENTERPRISE'])],
                   [lic(*E5, ['YAMMER_ENTERPRISE', 'SWAY'])], '203.0.113.10'),
    change_license('2026-03-04T15:20:03', 'tom.becker', 'ken.yamada', [lic(*E5, ['M365_ADVANCED_AUDITING'])],
                   [lic(*E5, [])], '203.0.113.10'),
    change_license('2026-03-05T13:37:29', 'tom.becker', 'priya.raman', [lic(*E5, []), lic(*E5C, [])],
                   [lic(*E5C, [])], '203.0.113.10'),
    change_license('2026-03-05T13:52:51', 'tom.becker', 'sarah.oneill',
                   [lic(*E3, ['M365_ADVANCED_AUDITING'])], [lic(*E3, ['M365_ADVANCED_AUDITING', 'SWAY'])],
                   '203.0.113.10'),
]
keep_plans_old = [plan(AUDIT_PLAN, 'Enabled', 'ComplianceWorkbench/NA001'),
                  plan('a23b959c-7ce8-4e57-9140-b90eb88a9e97', 'Enabled', 'Sway/NA001')]
keep_plans_new = [plan(AUDIT_PLAN, 'Enabled', 'ComplianceWorkbench/NA001'),
                  plan('a23b959c-7ce8-4e57-9140-b90eb88a9e97', 'Deleted', 'Sway/NA001', '2026-03-06T10:02:11Z')]
items = [graph_audit('2026-03-06T10:02:11.2051133Z', 'Update user', 'tom.becker', 'marcus.oyelaran',
                     [('AssignedPlan', json.dumps(keep_plans_old), json.dumps(keep_plans_new)),
                      ('Included Updated Properties', None, '"AssignedPlan"'),
                      ('TargetId.UserType', None, '"Member"')], '203.0.113.10'),
         graph_audit('2026-03-06T10:02:10.8812094Z', 'Change user license', 'tom.becker', 'marcus.oyelaran',
                     [('AssignedLicense', entra_list([lic(*E5, [])]), entra_list([lic(*E5, ['SWAY'])])),
                      ('Included Updated Properties', None, '"AssignedLicense"'),
                      ('TargetId.UserType', None, '"Member"')], '203.0.113.10')]
write(R, 'neg_licence_changes_keep_auditing',
      {'audit.jsonl': jsonl(recs), 'directoryAudits.json': graph_page(items)}, [])

# 7. Exchange's own provisioning, admins turning auditing on, quotas, a failed attempt: nothing.
recs = [
    cmdlet('2026-03-01T04:12:09', 'Set-Mailbox', SYS,
           [('Identity', D + '\\DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}'),
            ('AuditEnabled', 'False')],
           obj=EXO_ORG + 'DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}'),
    cmdlet('2026-03-01T04:12:31', 'Set-AdminAuditLogConfig', SYS,
           [('AdminAuditLogEnabled', 'False'), ('UnifiedAuditLogIngestionEnabled', 'False')],
           obj='Admin Audit Log Settings'),
    cmdlet('2026-03-03T15:20:11', 'Set-Mailbox', 'tom.becker',
           [('Identity', 'secops'), ('RetainDeletedItemsFor', '30.00:00:00'),
            ('ProhibitSendReceiveQuota', '100 GB (107,374,182,400 bytes)')],
           '203.0.113.10:52144', EXO_ORG + 'secops', session='4de2a96a-3a86-469b-82b2-770ef98d28a3'),
    cmdlet('2026-03-03T15:24:40', 'Set-Mailbox', 'tom.becker',
           [('Identity', 'noah.brooks'), ('AuditEnabled', 'True'),
            ('AuditOwner', '@{Add="MailItemsAccessed"}')],
           '203.0.113.10:52144', EXO_ORG + 'noah.brooks', session='4de2a96a-3a86-469b-82b2-770ef98d28a3'),
    cmdlet('2026-03-03T15:26:02', 'Set-OrganizationConfig', 'tom.becker',
           [('AuditDisabled', 'False')], '203.0.113.10:52144', 'contosodemo.onmicrosoft.com',
           session='4de2a96a-3a86-469b-82b2-770ef98d28a3'),
    cmdlet('2026-03-03T15:27:45', 'Set-AdminAuditLogConfig', 'tom.becker',
           [('UnifiedAuditLogIngestionEnabled', 'True')], '203.0.113.10:52144',
           'Admin Audit Log Settings', session='4de2a96a-3a86-469b-82b2-770ef98d28a3'),
    cmdlet('2026-03-04T02:31:10', 'Set-Mailbox', 'svc-legacytest',
           [('Identity', 'priya.raman'), ('AuditEnabled', 'False')], '174.85.210.54:40112',
           EXO_ORG + 'priya.raman', result='False', session='0f5ee0a2-6a3c-4a5b-8f4e-3c2b1a0d9e8f'),
]
write(R, 'neg_exchange_provisioning_and_audit_on', {'audit.jsonl': jsonl(recs)}, [])

# 9. The actor never changed licences while Tom did: critical by the actor alone (no reads);
#    with new_actor_critical false it is high.
recs = [
    change_license('2026-03-02T12:48:22', 'tom.becker', 'noah.brooks', None,
                   [lic(*E3, ['YAMMER_ENTERPRISE'])], '203.0.113.10'),
    change_license('2026-03-07T14:02:41', 'svc-legacytest', 'lucia.fernandez',
                   [lic(*E5, ['YAMMER_ENTERPRISE'])],
                   [lic(*E5, ['YAMMER_ENTERPRISE', 'M365_ADVANCED_AUDITING'])], ATT_IP),
]
write(R, 'pos_unusual_actor_critical', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'critical', 'entities': {'users': ['svc-legacytest@' + D, 'lucia.fernandez@' + D]},
        'details': {'actor_first_licence_or_audit_change': True, 'mail_access_checked': False}}])
write(R, 'pos_param_new_actor_critical_off',
      {'audit.jsonl': jsonl(recs), 'config.yaml': config(R, {'new_actor_critical': 'false'})},
      [{'severity': 'high', 'details': {'actor_first_licence_or_audit_change': True}}],
      args=['--config', '@CASE@/config.yaml'])

# 10. A leaver's offboarding: the account is disabled and its sessions revoked, the mailbox is
#     converted to shared and handed to the manager, every licence is removed ("[]"); the manager
#     reads it the next morning, while the change has not yet taken effect. Low: the licence went
#     with the account. The same evidence with an application reading the mailbox as well,
#     with the account enabled again, or disabled days after the licence went, stays critical or
#     high; a licence removed from an active account altogether is high (it was missed when the
#     new value was "[]").
OFFICE = '203.0.113.10'
HO = 'c1a7e2d4-5b39-4f60-9e8a-2d4f6b8c0a13'
R2 = 'mailbox-access-after-audit-disabled'


def enabled_prop(old, new):
    return [{'Name': 'AccountEnabled', 'NewValue': f'[\r\n  {new}\r\n]', 'OldValue': f'[\r\n  {old}\r\n]'},
            {'Name': 'Included Updated Properties', 'NewValue': 'AccountEnabled', 'OldValue': ''},
            {'Name': 'TargetId.UserType', 'NewValue': 'Member', 'OldValue': ''}]


def offboarding(disable_at='2026-03-10T17:31:02', extra=()):
    recs = []
    for day in ('2026-03-09', '2026-03-10', '2026-03-11'):
        for i, w in enumerate(('dana.whitfield', 'priya.raman', 'ken.yamada', 'sarah.oneill', 'tom.becker',
                               'marcus.oyelaran')):
            recs.append(login(f'{day}T08:{10 + 4 * i:02d}:{7 * i:02d}', w, OFFICE))
        if day != '2026-03-11':
            recs.append(login(f'{day}T08:41:12', 'lucia.fernandez', OFFICE))
            recs.append(mail_read(f'{day}T09:12:40', 'lucia.fernandez', 'lucia.fernandez', OFFICE, OWA, EXO_APP, 4))
    if disable_at:
        recs.append(aad_ual(disable_at, 'Disable account.', 'tom.becker', 'lucia.fernandez',
                            enabled_prop('true', 'false'), OFFICE))
    recs += [
        aad_ual('2026-03-10T17:31:40', 'Update user.', 'tom.becker', 'lucia.fernandez',
                [{'Name': 'StsRefreshTokensValidFrom', 'NewValue': '[\r\n  "2026-03-10T17:31:40Z"\r\n]',
                  'OldValue': '[\r\n  "2025-06-02T08:00:00Z"\r\n]'},
                 {'Name': 'Included Updated Properties', 'NewValue': 'StsRefreshTokensValidFrom', 'OldValue': ''},
                 {'Name': 'TargetId.UserType', 'NewValue': 'Member', 'OldValue': ''}], OFFICE),
        cmdlet('2026-03-10T17:35:12', 'Set-Mailbox', 'tom.becker',
               [('Identity', 'lucia.fernandez@' + D), ('Type', 'Shared')], OFFICE + ':52144',
               EXO_ORG + 'lucia.fernandez', session=HO),
        cmdlet('2026-03-10T17:36:30', 'Add-MailboxPermission', 'tom.becker',
               [('Identity', 'lucia.fernandez'), ('User', 'marcus.oyelaran@' + D),
                ('AccessRights', 'FullAccess'), ('InheritanceType', 'All')], OFFICE + ':52144',
               EXO_ORG + 'lucia.fernandez', session=HO),
        change_license('2026-03-10T17:40:02', 'tom.becker', 'lucia.fernandez',
                       [lic(*E5, ['YAMMER_ENTERPRISE'])], [], OFFICE),
        # A delegate with FullAccess: LogonType 2.
        mail_read('2026-03-11T09:02:10', 'lucia.fernandez', 'marcus.oyelaran', OFFICE, OWA, EXO_APP, 12, 2),
        mail_read('2026-03-11T09:20:44', 'lucia.fernandez', 'marcus.oyelaran', OFFICE, OWA, EXO_APP, 7, 2),
    ]
    recs += list(extra)
    recs.sort(key=lambda r: r['CreationTime'])
    return recs


LEAVER_ENTRY = {'user': 'lucia.fernandez@' + D, 'disabled_at': '2026-03-10T17:40:02.000Z', 'reenabled_at': None,
                'how': 'licence SPE_E5, which carried M365_ADVANCED_AUDITING, removed',
                'by': 'tom.becker@' + D}
recs = offboarding()
write(R, 'pos_ual_leaver_offboarding_low', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'low', 'entities': {'users': ['tom.becker@' + D, 'lucia.fernandez@' + D]},
        'entities_absent': {'users': ['marcus.oyelaran@' + D]},
        'summary_contains': 'the account had been disabled by tom.becker@contosodemo.onmicrosoft.com, as a '
                            "leaver's is",
        'details': {'users': [dict(LEAVER_ENTRY, read_by_others_after=2,
                                   first_read_after='2026-03-11T09:02:10.000Z',
                                   first_reader='marcus.oyelaran@' + D, read_by_grantees_after=2,
                                   account_disabled_at='2026-03-10T17:31:02.000Z',
                                   account_disabled_by='tom.becker@' + D)],
                    'offboarding': True, 'still_disabled': True}}])
write(R2, 'neg_ual_leaver_mailbox_read_by_the_colleague_given_it', {'audit.jsonl': jsonl(recs)}, [])

# ...and an application reads it through EWS an hour after the licence went: critical in both.
app_read = mail_read('2026-03-10T18:44:51', 'lucia.fernandez', 'svc-m365sync', '40.76.173.208', EWS, VAULT, 6)
recs = offboarding(extra=[app_read])
write(R, 'pos_ual_leaver_mailbox_read_by_an_app_critical', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'critical', 'entities': {'users': ['svc-m365sync@' + D]},
        'summary_contains': 'svc-m365sync@contosodemo.onmicrosoft.com read lucia.fernandez',
        'details': {'users': [dict(LEAVER_ENTRY, read_by_others_after=3,
                                   first_read_after='2026-03-10T18:44:51.000Z',
                                   first_reader='svc-m365sync@' + D, read_by_grantees_after=2,
                                   account_disabled_at='2026-03-10T17:31:02.000Z',
                                   account_disabled_by='tom.becker@' + D)]}}])
write(R2, 'pos_ual_leaver_mailbox_read_by_an_app', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'critical', 'entities': {'users': ['svc-m365sync@' + D], 'ips': ['40.76.173.208']},
        'entities_absent': {'users': ['marcus.oyelaran@' + D]},
        'details': {'reads_still_logged': 1, 'handed_over_reads': 2}}])

# ...the account enabled again that night: no leaver, and the manager's reads raise it.
recs = offboarding(extra=[aad_ual('2026-03-10T22:14:09', 'Enable account.', 'svc-legacytest', 'lucia.fernandez',
                                  enabled_prop('false', 'true'), ATT_IP)])
write(R, 'pos_ual_leaver_enabled_again_critical', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'critical', 'entities': {'users': ['marcus.oyelaran@' + D]},
        'summary_contains': 'marcus.oyelaran@contosodemo.onmicrosoft.com read lucia.fernandez',
        'details': {'users': [dict(LEAVER_ENTRY, read_by_others_after=2,
                                   first_read_after='2026-03-11T09:02:10.000Z',
                                   first_reader='marcus.oyelaran@' + D, read_by_grantees_after=2)]}}])
# The manager read it from the office, where his colleagues sign in too: he is named, the
# office's address is not (an incident would take every colleague's read from there).
write(R2, 'pos_ual_leaver_enabled_again', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'critical', 'entities': {'users': ['marcus.oyelaran@' + D]},
        'entities_absent': {'ips': [OFFICE]},
        'details': {'reads_still_logged': 2}}])

# ...disabled only three days after the licence went (no reads): high, no leaver.
recs = [r for r in offboarding(disable_at='2026-03-13T10:02:33') if r['Operation'] != 'MailItemsAccessed'
        or r['UserId'] == upn('lucia.fernandez')]
write(R, 'pos_ual_disabled_days_after_the_licence_high', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'high', 'details': {'users': [dict(LEAVER_ENTRY, read_by_others_after=0)]}}])

# Every licence removed from an active account: high.
recs = [change_license('2026-03-02T12:48:22', 'tom.becker', 'noah.brooks', None,
                       [lic(*E3, ['YAMMER_ENTERPRISE'])], OFFICE),
        change_license('2026-03-07T11:20:41', 'tom.becker', 'lucia.fernandez',
                       [lic(*E5, ['YAMMER_ENTERPRISE'])], [], OFFICE)]
write(R, 'pos_ual_every_licence_removed_high', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'high', 'details': {'users': [dict(LEAVER_ENTRY, disabled_at='2026-03-07T11:20:41.000Z',
                                                       read_by_others_after=0)]}}])

# Graph: the leaver deleted (the UPN rewritten with the object id) and the licence removed.
lf = U['lucia.fernandez'][0]
deleted = graph_audit('2026-03-10T17:29:51.5220431Z', 'Delete user', 'tom.becker', 'lucia.fernandez',
                      [('AccountEnabled', '[true]', '[false]'),
                       ('Included Updated Properties', None, '"AccountEnabled"'),
                       ('TargetId.UserType', None, '"Member"')], OFFICE)
deleted['operationType'] = 'Delete'
deleted['targetResources'][0]['userPrincipalName'] = lf.replace('-', '') + 'lucia.fernandez@' + D
items = [deleted,
         graph_audit('2026-03-10T17:30:08.1187342Z', 'Change user license', 'tom.becker', 'lucia.fernandez',
                     [('AssignedLicense', entra_list([lic(*E5, [])]), '[]'),
                      ('Included Updated Properties', None, '"AssignedLicense"'),
                      ('TargetId.UserType', None, '"Member"')], OFFICE)]
items.sort(key=lambda x: x['activityDateTime'], reverse=True)
write(R, 'pos_graph_leaver_deleted_low', {'directoryAudits.json': graph_page(items)},
      [{'severity': 'low', 'details': {'offboarding': True, 'users': [dict(
          LEAVER_ENTRY, disabled_at='2026-03-10T17:30:08.118Z', read_by_others_after=0,
          account_disabled_at='2026-03-10T17:29:51.522Z', account_disabled_by='tom.becker@' + D)]}}])

# Graph: the leaver disabled by Tom, the licence then removed by group-based licensing (the
# account taken out of the licence group): the licensing service is the actor, still a leaver's.
GBL = ('0b6b5b8f-7ea6-4a2b-8bb4-4b06ea4f2b8e', 'Microsoft Azure AD Group-Based Licensing',
       '6c1a2f0d-3e5b-4f7a-9c8d-2b1e0f4a7d93')
items = [graph_audit('2026-03-10T17:31:02.2051133Z', 'Disable account', 'tom.becker', 'lucia.fernandez',
                     [('AccountEnabled', '[true]', '[false]'),
                      ('Included Updated Properties', None, '"AccountEnabled"'),
                      ('TargetId.UserType', None, '"Member"')], OFFICE),
         graph_audit('2026-03-10T17:52:44.7310958Z', 'Change user license', None, 'lucia.fernandez',
                     [('AssignedLicense', entra_list([lic(*E5, [])]), '[]'),
                      ('Included Updated Properties', None, '"AssignedLicense"'),
                      ('TargetId.UserType', None, '"Member"')], app_actor=GBL)]
items.sort(key=lambda x: x['activityDateTime'], reverse=True)
write(R, 'pos_graph_leaver_licence_removed_by_group_based_licensing_low', {'directoryAudits.json': graph_page(items)},
      [{'severity': 'low', 'summary_contains': 'the account had been disabled by tom.becker@contosodemo.onmicrosoft.com',
        'details': {'offboarding': True, 'actor': 'Microsoft Azure AD Group-Based Licensing'}}])
