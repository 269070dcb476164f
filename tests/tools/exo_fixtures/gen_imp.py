from common import *

R = 'application-impersonation-assigned'
ATT = '52.168.117.42'
S1 = '43df4bc9-4f57-4071-857a-0120d3b5a532'

# 1. UAL: scoped assignment to a new archiving account (created in the evidence).
add_user = aad_ual('2026-03-08T13:58:40', 'Add user.', 'svc-legacytest', 'svc-m365sync',
                   [{'Name': 'AccountEnabled', 'NewValue': '[\r\n  true\r\n]', 'OldValue': '[]'},
                    {'Name': 'DisplayName', 'NewValue': '[\r\n  "Mail Archive Service"\r\n]', 'OldValue': '[]'},
                    {'Name': 'UserPrincipalName', 'NewValue': '[\r\n  "svc-m365sync@contosodemo.onmicrosoft.com"\r\n]', 'OldValue': '[]'},
                    {'Name': 'Included Updated Properties', 'NewValue': 'AccountEnabled, DisplayName, UserPrincipalName', 'OldValue': ''}],
                   ATT)
recs = [
    add_user,
    cmdlet('2026-03-08T14:12:09', 'New-ManagementRoleAssignment', 'svc-legacytest',
           [('Name', 'Archive-Impersonation'), ('Role', 'ApplicationImpersonation'),
            ('User', 'svc-m365sync@' + D), ('CustomRecipientWriteScope', 'Executive Mailboxes')],
           ATT + ':50877', 'Archive-Impersonation', token='Qm9ndXNUb2tlbjAwMDAx', session=S1),
]
write(R, 'pos_ual_scoped_assignment_to_new_account', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'high', 'entities': {'users': ['svc-legacytest@' + D, 'svc-m365sync@' + D], 'ips': [ATT]},
        'summary_contains': 'within a management scope',
        'details': {'assignee': 'svc-m365sync@' + D, 'assignee_type': 'user', 'organisation_wide': False,
                    'assignments': [{'operation': 'New-ManagementRoleAssignment', 'at': '2026-03-08T14:12:09.000Z',
                                     'by': 'svc-legacytest@' + D, 'ip': ATT, 'name': 'Archive-Impersonation',
                                     'scope': {'CustomRecipientWriteScope': 'Executive Mailboxes'},
                                     'result': 'success'}]}}])

# 2. OfficeActivity JSON: a role group holding the role, then a member added to it.
recs = [
    cmdlet('2026-03-09T15:02:31', 'New-RoleGroup', 'svc-legacytest',
           [('Name', 'EWS Sync Operators'), ('Roles', 'ApplicationImpersonation'),
            ('Description', 'Mailbox sync service')], ATT + ':51120', 'EWS Sync Operators', session=S1),
    cmdlet('2026-03-09T15:03:12', 'Add-RoleGroupMember', 'svc-legacytest',
           [('Identity', 'EWS Sync Operators'), ('Member', 'svc-m365sync')], ATT + ':51120',
           'EWS Sync Operators', session=S1),
    mail_read('2026-03-09T15:20:44', 'marcus.oyelaran', 'svc-m365sync', '40.76.173.208',
              'Client=WebServices;ExchangeWebServices/15.0;', 'b7e4a0d2-6c19-4f8a-93d5-1e2f6a8c0b47', 5),
]
write(R, 'pos_la_officeactivity_role_group', {'OfficeActivity.json': jsonl([officeactivity(r) for r in recs])},
      [{'severity': 'high', 'entities': {'users': ['svc-legacytest@' + D, 'svc-m365sync@' + D]},
        'summary_contains': 'through role group EWS Sync Operators',
        'details': {'assignee': 'svc-m365sync@' + D, 'organisation_wide': True}},
       {'severity': 'high', 'details': {'assignee': 'EWS Sync Operators', 'assignee_type': 'group'}}])

# 3. Purview CSV: the role given to an application's service principal (Exchange RBAC for apps).
recs = [
    cmdlet('2026-03-07T16:40:57', 'New-ManagementRoleAssignment', 'svc-legacytest',
           [('App', 'a180a517-d1dc-49cd-840f-d8ed6d18c848'), ('Role', 'ApplicationImpersonation'),
            ('Name', 'MailVault-Impersonation')], ATT + ':50233', 'MailVault-Impersonation', session=S1),
    cmdlet('2026-03-07T16:38:02', 'New-ServicePrincipal', 'svc-legacytest',
           [('AppId', 'b7e4a0d2-6c19-4f8a-93d5-1e2f6a8c0b47'), ('ObjectId', 'a180a517-d1dc-49cd-840f-d8ed6d18c848'),
            ('DisplayName', 'MailVault Sync')], ATT + ':50233', 'a180a517-d1dc-49cd-840f-d8ed6d18c848', session=S1),
]
write(R, 'pos_purview_app_assignment', {'AuditLog.csv': purview_csv(recs)},
      [{'severity': 'high', 'entities': {'users': ['svc-legacytest@' + D],
                                         'service_principals': ['a180a517-d1dc-49cd-840f-d8ed6d18c848']},
        'details': {'assignee': 'a180a517-d1dc-49cd-840f-d8ed6d18c848', 'assignee_type': 'app',
                    'organisation_wide': True}}])

# 4. Other roles, role groups without the role, Exchange's own provisioning: nothing.
recs = [
    cmdlet('2026-03-01T04:20:55', 'New-ManagementRoleAssignment', SYS,
           [('Name', 'ApplicationImpersonation-Organization Management-Delegating'),
            ('Role', 'ApplicationImpersonation'), ('SecurityGroup', 'Organization Management'),
            ('Delegating', 'True')], obj='ApplicationImpersonation-Organization Management-Delegating'),
    cmdlet('2026-03-03T15:31:18', 'New-ManagementRoleAssignment', 'tom.becker',
           [('Name', 'Helpdesk-MailRecipients'), ('Role', 'Mail Recipients'), ('SecurityGroup', 'IT Helpdesk')],
           '203.0.113.10:52144', 'Helpdesk-MailRecipients', session='4de2a96a-3a86-469b-82b2-770ef98d28a3'),
    cmdlet('2026-03-03T15:33:40', 'Add-RoleGroupMember', 'tom.becker',
           [('Identity', 'Recipient Management'), ('Member', 'ken.yamada')],
           '203.0.113.10:52144', 'Recipient Management', session='4de2a96a-3a86-469b-82b2-770ef98d28a3'),
    cmdlet('2026-03-03T15:35:02', 'Add-RoleGroupMember', 'tom.becker',
           [('Identity', 'Organization Management'), ('Member', 'ken.yamada')],
           '203.0.113.10:52144', 'Organization Management', session='4de2a96a-3a86-469b-82b2-770ef98d28a3'),
]
write(R, 'neg_other_roles_and_provisioning', {'audit.jsonl': jsonl(recs)}, [])

# 5./6. A failed attempt: medium by default, nothing with report_failed false.
recs = [
    cmdlet('2026-03-06T15:38:51', 'New-ManagementRoleAssignment', 'noah.brooks',
           [('Role', 'ApplicationImpersonation'), ('User', 'noah.brooks@' + D)],
           '98.207.153.77:33012', '', result='False', session='77b0e5e1-3bb6-4b43-9d0e-2a9f5c6e1d20'),
]
write(R, 'pos_failed_attempt_medium', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'medium', 'summary_contains': 'tried to give',
        'details': {'assignee': 'noah.brooks@' + D}}])
write(R, 'neg_param_failed_not_reported',
      {'audit.jsonl': jsonl(recs), 'config.yaml': config(R, {'report_failed': 'false'})}, [],
      args=['--config', '@CASE@/config.yaml'])
