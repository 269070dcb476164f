from common import *

R = 'mailbox-delegation-granted'
ATT = '52.168.117.42'
S1 = '43df4bc9-4f57-4071-857a-0120d3b5a532'
ST = '4de2a96a-3a86-469b-82b2-770ef98d28a3'
READ = 'ReadAny, Create, EditOwned, DeleteOwned, EditAny, DeleteAny, Visible, FreeBusySimple, FreeBusyDetailed'


def folder_perm(t, op, actor, mailbox, folder, member, rights, ip, member_sid=None, client='Client=OWA;Action=ViaProxy'):
    """UAL ExchangeItem folder permission record (AddFolderPermissions / ModifyFolderPermissions)."""
    owner = local(mailbox)
    a = U[local(actor)] if local(actor) in U else None
    path = '\\' + folder if folder else '\\'
    return {'CreationTime': t, 'Id': rid(f'{t}{op}{mailbox}{member}', 'guid'), 'Operation': op,
            'OrganizationId': T, 'RecordType': 2, 'ResultStatus': 'Succeeded',
            'UserKey': a[1] if a else actor, 'UserType': 0, 'Version': 1, 'Workload': 'Exchange',
            'ClientIP': ip, 'UserId': upn(actor) if a else actor,
            'AppId': '00000002-0000-0ff1-ce00-000000000000', 'ClientAppId': '',
            'ClientIPAddress': ip, 'ClientInfoString': client, 'ExternalAccess': False,
            'InternalLogonType': 0, 'LogonType': 0 if owner == local(actor) else 1,
            'LogonUserSid': SIDP + (a[2] if a else '0'), 'MailboxGuid': rid(owner + 'mbx', 'guid'),
            'MailboxOwnerSid': SIDP + U[owner][2], 'MailboxOwnerUPN': upn(owner),
            'OrganizationName': D, 'OriginatingServer': 'SA1PR05MB8340 (15.20.8511.008)\r\n',
            'SessionId': rid(t + 'owa', 'guid'),
            'Item': {'Id': 'LgAAAACRWujRwNJ9RKSKOkph68UvAQDQUEVAC21wS7ULV3upjkXiAAAAAAEMAAAC',
                     'ParentFolder': {'Id': 'LgAAAACRWujRwNJ9RKSKOkph68UvAQDQUEVAC21wS7ULV3upjkXiAAAAAAEMAAAC',
                                      'MemberRights': rights,
                                      'MemberSid': member_sid or (SIDP + U[local(member)][2] if local(member) in U else 'S-1-1-0'),
                                      'MemberUpn': member, 'Name': folder or 'Top of Information Store',
                                      'Path': path}}}


# 1. UAL: a new account created, then FullAccess and SendAs on the CFO's mailbox: high.
add_user = aad_ual('2026-03-08T13:58:40', 'Add user.', 'svc-legacytest', 'svc-m365sync',
                   [{'Name': 'AccountEnabled', 'NewValue': '[\r\n  true\r\n]', 'OldValue': '[]'},
                    {'Name': 'DisplayName', 'NewValue': '[\r\n  "Mail Archive Service"\r\n]', 'OldValue': '[]'},
                    {'Name': 'Included Updated Properties', 'NewValue': 'AccountEnabled, DisplayName', 'OldValue': ''}],
                   ATT)
recs = [
    add_user,
    cmdlet('2026-03-10T14:22:05', 'Add-MailboxPermission', 'svc-legacytest',
           [('Identity', 'marcus.oyelaran'), ('User', 'svc-m365sync@' + D), ('AccessRights', 'FullAccess'),
            ('InheritanceType', 'All'), ('AutoMapping', 'False')],
           ATT + ':50912', EXO_ORG + 'marcus.oyelaran', session=S1),
    cmdlet('2026-03-10T14:22:49', 'Add-RecipientPermission', 'svc-legacytest',
           [('Identity', 'marcus.oyelaran'), ('Trustee', 'svc-m365sync@' + D), ('AccessRights', 'SendAs'),
            ('Confirm', 'False')],
           ATT + ':50912', EXO_ORG + 'marcus.oyelaran', session=S1),
    mail_read('2026-03-10T14:40:12', 'marcus.oyelaran', 'marcus.oyelaran', '198.51.100.34',
              'Client=MSExchangeRPC', '00000002-0000-0ff1-ce00-000000000000', 2),
]
expect_new = {'severity': 'high',
              'entities': {'users': ['svc-legacytest@' + D, 'svc-m365sync@' + D, 'marcus.oyelaran@' + D],
                           'mailboxes': ['marcus.oyelaran@' + D], 'ips': [ATT]},
              'details': {'mailbox': 'marcus.oyelaran@' + D, 'grantee': 'svc-m365sync@' + D,
                          'rights': 'FullAccess, SendAs',
                          'why': 'the grantee is an account created shortly before'}}
write(R, 'pos_ual_fullaccess_sendas_to_new_account', {'audit.jsonl': jsonl(recs)}, [expect_new])

# 6. The same, with new_account_window 1d: the grant came two days after creation: medium.
write(R, 'pos_param_new_account_window',
      {'audit.jsonl': jsonl(recs), 'config.yaml': config(R, {'new_account_window': '1d'})},
      [{'severity': 'medium', 'details': {'grantee': 'svc-m365sync@' + D,
                                          'why': 'a delegation grant: check it was requested'}}],
      args=['--config', '@CASE@/config.yaml'])

# 2. OfficeActivity JSON: the CEO's Inbox shared with everyone (ModifyFolderPermissions, Default,
#    ReadAny), and Reviewer on the General Counsel's Inbox for the assistant (cmdlet): high + medium.
recs = [
    folder_perm('2026-03-07T20:14:33', 'ModifyFolderPermissions', 'dana.whitfield', 'dana.whitfield',
                'Inbox', 'Default', READ.replace(', FreeBusySimple, FreeBusyDetailed', ''),
                '174.85.210.54', member_sid='S-1-1-0'),
    cmdlet('2026-03-07T20:31:50', 'Add-MailboxFolderPermission', 'tom.becker',
           [('Identity', 'lucia.fernandez:\\Inbox'), ('User', 'emily.tran'), ('AccessRights', 'Reviewer')],
           '203.0.113.10:52144', EXO_ORG + 'lucia.fernandez', session=ST),
    mail_read('2026-03-07T13:02:55', 'emily.tran', 'emily.tran', '198.51.100.117',
              'Client=OWA;Action=ViaProxy', '00000002-0000-0ff1-ce00-000000000000', 1),
    mail_read('2026-03-07T14:12:19', 'lucia.fernandez', 'lucia.fernandez', '198.51.100.63',
              'Client=MSExchangeRPC', '00000002-0000-0ff1-ce00-000000000000', 3),
]
write(R, 'pos_la_officeactivity_inbox_shared',
      {'OfficeActivity.json': jsonl([officeactivity(r) for r in recs])},
      [{'severity': 'high', 'entities': {'users': ['dana.whitfield@' + D], 'ips': ['174.85.210.54']},
        'details': {'mailbox': 'dana.whitfield@' + D, 'grantee': 'Everyone', 'rights': 'read (Inbox)',
                    'why': 'granted to everyone in the organisation'}},
       {'severity': 'medium', 'details': {'mailbox': 'lucia.fernandez@' + D, 'grantee': 'emily.tran@' + D,
                                          'rights': 'read (Inbox)'}}])

# 3. UAL folder-permission records and cmdlets: an admin granting himself FullAccess to the
#    CEO's mailbox (high), send-on-behalf for the CEO's assistant (low).
recs = [
    mail_read('2026-03-09T13:15:40', 'dana.whitfield', 'dana.whitfield', '198.51.100.21',
              'Client=MSExchangeRPC', '00000002-0000-0ff1-ce00-000000000000', 2),
    mail_read('2026-03-09T13:21:07', 'emily.tran', 'emily.tran', '198.51.100.117',
              'Client=OWA;Action=ViaProxy', '00000002-0000-0ff1-ce00-000000000000', 1),
    cmdlet('2026-03-09T21:47:03', 'Add-MailboxPermission', 'tom.becker',
           [('Identity', 'dana.whitfield'), ('User', 'tom.becker@' + D), ('AccessRights', 'FullAccess'),
            ('InheritanceType', 'All')],
           '71.178.62.140:40233', EXO_ORG + 'dana.whitfield', session='b1e07f0e-37a1-4c1e-bb7e-5d2f0c6d8e11'),
    cmdlet('2026-03-09T14:10:22', 'Set-Mailbox', 'tom.becker',
           [('Identity', 'dana.whitfield'), ('GrantSendOnBehalfTo', 'emily.tran')],
           '203.0.113.10:52144', EXO_ORG + 'dana.whitfield', session=ST),
]
write(R, 'pos_ual_self_grant_and_send_on_behalf', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'high', 'entities': {'users': ['tom.becker@' + D], 'ips': ['71.178.62.140']},
        'details': {'mailbox': 'dana.whitfield@' + D, 'grantee': 'tom.becker@' + D, 'rights': 'FullAccess',
                    'why': 'the actor granted itself access to another mailbox'}},
       {'severity': 'low', 'details': {'mailbox': 'dana.whitfield@' + D, 'grantee': 'emily.tran@' + D,
                                       'rights': 'SendOnBehalf'}}])

# 4. Calendar and contacts sharing, Exchange provisioning, non-reading rights, a subfolder: nothing.
recs = [
    cmdlet('2026-03-05T09:30:02', 'Add-MailboxPermission', SYS,
           [('Identity', 'SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}'), ('User', 'NT AUTHORITY\\SYSTEM'),
            ('AccessRights', 'FullAccess'), ('InheritanceType', 'All')],
           obj=EXO_ORG + 'SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}'),
    cmdlet('2026-03-04T14:05:40', 'Add-MailboxFolderPermission', 'tom.becker',
           [('Identity', 'dana.whitfield:\\Calendar'), ('User', 'emily.tran'), ('AccessRights', 'Editor'),
            ('SharingPermissionFlags', 'Delegate')],
           '203.0.113.10:52144', EXO_ORG + 'dana.whitfield', session=ST),
    cmdlet('2026-03-04T14:06:12', 'Set-MailboxFolderPermission', 'tom.becker',
           [('Identity', 'dana.whitfield:\\Contacts'), ('User', 'emily.tran'), ('AccessRights', 'Reviewer')],
           '203.0.113.10:52144', EXO_ORG + 'dana.whitfield', session=ST),
    cmdlet('2026-03-04T14:08:51', 'Add-MailboxFolderPermission', 'tom.becker',
           [('Identity', 'secops:\\Inbox\\Alerts'), ('User', 'ken.yamada'), ('AccessRights', 'Reviewer')],
           '203.0.113.10:52144', EXO_ORG + 'secops', session=ST),
    cmdlet('2026-03-04T14:09:30', 'Add-MailboxFolderPermission', 'tom.becker',
           [('Identity', 'secops:\\Inbox'), ('User', 'ken.yamada'), ('AccessRights', 'Contributor')],
           '203.0.113.10:52144', EXO_ORG + 'secops', session=ST),
    cmdlet('2026-03-04T14:11:02', 'Add-MailboxPermission', 'tom.becker',
           [('Identity', 'secops'), ('User', 'ken.yamada'), ('AccessRights', 'ReadPermission')],
           '203.0.113.10:52144', EXO_ORG + 'secops', session=ST),
    folder_perm('2026-03-04T14:23:06', 'ModifyFolderPermissions', 'S-1-5-18', 'secops', 'Calendar',
                'Owner@local', READ, '::1', member_sid='S-1-8-4046924902-1173936816-1952374663-64576300-0',
                client='Client=WebServices;Action=ConfigureGroupMailbox'),
    folder_perm('2026-03-04T15:02:44', 'AddFolderPermissions', 'dana.whitfield', 'dana.whitfield', 'Calendar',
                'emily.tran@' + D, READ, '198.51.100.21'),
    folder_perm('2026-03-04T15:04:10', 'AddFolderPermissions', 'dana.whitfield', 'dana.whitfield', 'Inbox',
                'emily.tran@' + D, 'Visible, FreeBusySimple', '198.51.100.21'),
    cmdlet('2026-03-04T15:20:11', 'Set-Mailbox', 'tom.becker',
           [('Identity', 'secops'), ('ProhibitSendReceiveQuota', '100 GB (107,374,182,400 bytes)')],
           '203.0.113.10:52144', EXO_ORG + 'secops', session=ST),
]
write(R, 'neg_calendar_contacts_and_provisioning', {'audit.jsonl': jsonl(recs)}, [])

# 5. The training lab's real ModifyFolderPermissions records (a group mailbox's Calendar set up by
#    S-1-5-18): no finding.
write(R, 'neg_realdata_lab_group_calendar', {}, [],
      evidence='shared/realdata/CraigRennich_DCSA-Security-Champs-Sentinel-Workshop/Artifacts/Telemetry/office_activity.csv')

# 7. Grants an administrator makes at the office. Tom, from the office network five colleagues
#    sign in from (UAL sign-ins), creates Nadia (IT support) and gives her FullAccess on the support
#    team's shared mailbox twenty minutes later; she signs in at the office, then from home the
#    next day: an onboarding, low (high on b79cc9c: "created shortly before"). The same day he
#    gives Emily FullAccess on the support mailbox: an everyday grant made at the office, low.
#    The same grant on the CFO's mailbox listed in --vip stays medium; the onboarding whose account
#    signs in from an Azure VM the next morning stays high.
U['nadia.cruz'] = ('5f0e9b1c-2d47-4a8e-b6c3-7e1d9a4f2c58', '1003200A1B2C3D21', '52216701', 'Nadia Cruz')
OFFICE = '203.0.113.10'


def office_day(day):
    return [login(f'{day}T08:{10 + 4 * i:02d}:{7 * i:02d}', w, OFFICE)
            for i, w in enumerate(('dana.whitfield', 'priya.raman', 'ken.yamada', 'sarah.oneill', 'james.cole',
                                   'tom.becker'))]


def onboarding_recs(hire_next_ip):
    return office_day('2026-03-09') + office_day('2026-03-10') + [
        aad_ual('2026-03-10T09:10:40', 'Add user.', 'tom.becker', 'nadia.cruz',
                [{'Name': 'AccountEnabled', 'NewValue': '[\r\n  true\r\n]', 'OldValue': '[]'},
                 {'Name': 'DisplayName', 'NewValue': '[\r\n  "Nadia Cruz"\r\n]', 'OldValue': '[]'},
                 {'Name': 'Included Updated Properties', 'NewValue': 'AccountEnabled, DisplayName', 'OldValue': ''}],
                OFFICE),
        cmdlet('2026-03-10T09:31:12', 'Add-MailboxPermission', 'tom.becker',
               [('Identity', 'support'), ('User', 'nadia.cruz@' + D), ('AccessRights', 'FullAccess'),
                ('InheritanceType', 'All')], OFFICE + ':52144', EXO_ORG + 'support', session=ST),
        login('2026-03-10T09:44:02', 'nadia.cruz', OFFICE),
        login('2026-03-11T08:02:19', 'nadia.cruz', hire_next_ip),
    ]


onboard = {'severity': 'low', 'entities': {'users': ['nadia.cruz@' + D, 'tom.becker@' + D], 'ips': [OFFICE]},
           'details': {'grantee': 'nadia.cruz@' + D, 'rights': 'FullAccess', 'office_network': '203.0.113.0/24',
                       'office_accounts': 7,
                       'why': 'the grantee is an account created shortly before, both at the office, as an '
                              'onboarding is: check it was requested'}}
write(R, 'pos_ual_onboarding_given_the_support_mailbox_at_the_office_low',
      {'audit.jsonl': jsonl(onboarding_recs('198.51.100.90'))}, [onboard])
colleague = cmdlet('2026-03-10T11:02:40', 'Add-MailboxPermission', 'tom.becker',
                   [('Identity', 'support'), ('User', 'emily.tran@' + D), ('AccessRights', 'FullAccess'),
                    ('InheritanceType', 'All')], OFFICE + ':52144', EXO_ORG + 'support', session=ST)
cfo = cmdlet('2026-03-10T11:05:13', 'Add-MailboxPermission', 'tom.becker',
             [('Identity', 'marcus.oyelaran@' + D), ('User', 'emily.tran@' + D), ('AccessRights', 'FullAccess'),
              ('InheritanceType', 'All')], OFFICE + ':52144', EXO_ORG + 'marcus.oyelaran', session=ST)
write(R, 'pos_ual_grants_at_the_office_low_on_a_vip_mailbox_medium',
      {'audit.jsonl': jsonl(onboarding_recs('198.51.100.90') + [colleague, cfo]),
       'vip.txt': '# executives\nmarcus.oyelaran@' + D + '\n'},
      [onboard,
       {'severity': 'low', 'details': {'mailbox': 'support', 'grantee': 'emily.tran@' + D,
                                       'why': 'made at the office: check it was requested',
                                       'office_network': '203.0.113.0/24'}},
       {'severity': 'medium', 'details': {'mailbox': 'marcus.oyelaran@' + D, 'grantee': 'emily.tran@' + D,
                                          'why': 'made at the office: check it was requested'}}],
      args=['--vip', '@CASE@/vip.txt'])
write(R, 'pos_ual_onboarded_account_used_from_a_vm_high',
      {'audit.jsonl': jsonl(onboarding_recs(ATT)),
       'ranges.txt': '# Azure East US compute (ServiceTags_Public AzureCloud.eastus)\n52.168.0.0/14 AzureCloud.eastus\n'},
      [{'severity': 'high', 'details': {'grantee': 'nadia.cruz@' + D, 'office_network': None,
                                        'why': 'the grantee is an account created shortly before'}}],
      args=['--ip-ranges', '@CASE@/ranges.txt'])
