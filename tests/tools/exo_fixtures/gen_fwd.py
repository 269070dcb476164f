from common import *

R = 'mail-forwarding-rule'
ATT = '52.168.117.42'
S1 = '43df4bc9-4f57-4071-857a-0120d3b5a532'
ST = '4de2a96a-3a86-469b-82b2-770ef98d28a3'
LAB = 'shared/realdata/CraigRennich_DCSA-Security-Champs-Sentinel-Workshop/Artifacts/Telemetry/'


def inbox_rule(t, op, actor, mailbox, name, params, ip, result='True', session=None):
    """New-InboxRule / Set-InboxRule as OWA logs them (AppId Exchange Online, ObjectId mailbox\\rule)."""
    base = [('AlwaysDeleteOutlookRulesBlob', 'False'), ('Force', 'False')] if op == 'New-InboxRule' else []
    p = base + ([('Name', name)] if op == 'New-InboxRule' else [('Identity', f'{local(mailbox)}\\{name}')]) + params
    return cmdlet(t, op, actor, p, ip, EXO_ORG + f'{local(mailbox)}\\{name}', result=result,
                  app='00000002-0000-0ff1-ce00-000000000000', session=session or rid(t + 'owa', 'guid'))


def outlook_rule(t, actor, mailbox, name, actions, condition, ip, op='AddMailboxRule'):
    """UpdateInboxRules (RecordType 2): a rule made in Outlook desktop, OperationProperties."""
    owner = local(mailbox)
    a = U[local(actor)]
    props = [{'Name': 'RuleOperation', 'Value': op},
             {'Name': 'RuleId', 'Value': str(int(hashlib.md5(t.encode()).hexdigest()[:15], 16))},
             {'Name': 'RuleState', 'Value': 'Enabled, ExitAfterExecution'},
             {'Name': 'RuleCondition', 'Value': condition}]
    props.append({'Name': 'RuleName', 'Value': name} if name is not None else {'Name': 'RuleName'})
    props += [{'Name': 'RuleProvider', 'Value': 'RuleOrganizer'},
              {'Name': 'RuleActions', 'Value': json.dumps(actions, separators=(',', ':'))}]
    return {'AppAccessContext': {}, 'CreationTime': t, 'Id': rid(t + 'uir' + mailbox, 'guid'),
            'Operation': 'UpdateInboxRules', 'OrganizationId': T, 'RecordType': 2,
            'ResultStatus': 'Succeeded', 'UserKey': a[1], 'UserType': 0, 'Version': 1,
            'Workload': 'Exchange', 'ClientIP': ip, 'UserId': upn(actor), 'ClientIPAddress': ip,
            'ClientInfoString': 'Client=MSExchangeRPC', 'ClientProcessName': 'OUTLOOK.EXE',
            'ClientRequestId': '{' + rid(t + 'req', 'guid').upper() + '}', 'ClientVersion': '16.0.17928.20156',
            'ExternalAccess': False, 'InternalLogonType': 0, 'LogonType': 0 if owner == local(actor) else 2,
            'LogonUserSid': SIDP + a[2], 'MailboxGuid': rid(owner + 'mbx', 'guid'),
            'MailboxOwnerMasterAccountSid': 'S-1-5-10', 'MailboxOwnerSid': SIDP + U[owner][2],
            'MailboxOwnerUPN': upn(owner), 'OperationProperties': props, 'OrganizationName': D,
            'OriginatingServer': 'SA1PR05MB8340 (15.20.8511.008)\r\n', 'SessionId': rid(t + 'mapi', 'guid'),
            'Item': {'Id': 'LgAAAAC4lQ2Ye4hSS4if7gF6ji8JAQA45WDUjdASSYqMiyC3ZEqOAAAAAAEMAAAB',
                     'ImmutableId': 'LgAAAAC4lQ2Ye4hSS4if7gF6ji8JAQA45WDUjdASSYqMiyC3ZEqOAAAAAAEMAAAB',
                     'ParentFolder': {'Id': 'LgAAAAC4lQ2Ye4hSS4if7gF6ji8JAQA45WDUjdASSYqMiyC3ZEqOAAAAAAEMAAAB',
                                      'Name': 'Inbox', 'Path': '\\Inbox'}}}


# Real samples.
write(R, 'pos_realdata_lab_junk_and_delete_rules', {},
      [{'severity': 'high', 'entities': {'mailboxes': ['adelev@contoso.onmicrosoft.com'],
                                         'ips': ['2a01:110:8068:7:9bf8:aa87:e00a:5f1f']},
        'summary_contains': "inbox rule 'rule2'", 'details': {'rules_reported': 2}}],
      evidence=LAB + 'office_activity_inbox_rule.csv')
write(R, 'pos_realdata_lab_legal_watch_rule', {},
      [{'severity': 'low', 'entities': {'users': ['adelev@m365x816222.onmicrosoft.com'],
                                        'ips': ['175.45.176.99']},
        'summary_contains': "'legal'", 'details': {'mailbox': 'adelev@m365x816222.onmicrosoft.com'}}],
      evidence=LAB + 'office_activity.csv')
write(R, 'pos_realdata_sekoia_forward_redirect', {},
      [{'severity': 'high', 'entities': {'ips': ['1.2.3.4']}, 'summary_contains': "inbox rule 'RULE_NAME'",
        'details': {'mailbox': 'bc1b1df3-f861-4aec-bf7c-40ce5b5566c1'}},
       {'severity': 'high', 'entities': {'mailboxes': ['owner@mail.fr'], 'domains': ['email.fr', 'mailbox.fr']}}],
      evidence='shared/realdata/SEKOIA-IO_intake-formats/_extracted/o365_management_activity.jsonl')

# 1. UAL: an inbox rule forwarding invoices to Gmail and deleting them (critical); mailbox
#    forwarding of the CEO to Proton without a copy (critical).
recs = [
    inbox_rule('2026-03-08T02:41:17', 'New-InboxRule', 'marcus.oyelaran', 'marcus.oyelaran', 'Invoices',
               [('SubjectOrBodyContainsWords', 'invoice;payment'),
                ('ForwardTo', 'm.oyelaran.finance@gmail.com'), ('DeleteMessage', 'True'),
                ('StopProcessingRules', 'True')], '76.104.37.166:51220'),
    cmdlet('2026-03-08T03:02:55', 'Set-Mailbox', 'svc-legacytest',
           [('Identity', 'dana.whitfield'), ('ForwardingSmtpAddress', 'smtp:dwhitfield.office@proton.me'),
            ('DeliverToMailboxAndForward', 'False')], ATT + ':50318', EXO_ORG + 'dana.whitfield', session=S1),
    mail_read('2026-03-08T13:30:02', 'dana.whitfield', 'dana.whitfield', '198.51.100.21',
              'Client=MSExchangeRPC', '00000002-0000-0ff1-ce00-000000000000', 2),
]
write(R, 'pos_ual_external_forward_and_hide', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'critical', 'entities': {'mailboxes': ['marcus.oyelaran@' + D], 'domains': ['gmail.com'],
                                             'ips': ['76.104.37.166']},
        'summary_contains': 'forwards mail to m.oyelaran.finance@gmail.com outside the tenant, deletes it',
        'details': {'mailbox': 'marcus.oyelaran@' + D, 'rules_reported': 1}},
       {'severity': 'critical', 'entities': {'users': ['svc-legacytest@' + D, 'dana.whitfield@' + D],
                                             'domains': ['proton.me']},
        'summary_contains': 'keeps no copy in the mailbox', 'details': {'mailbox': 'dana.whitfield@' + D}}])

# 2. OfficeActivity JSON: forwarding to a mail contact created just before (external behind a
#    name) and a transport rule blind-copying all mail out: two high findings.
recs = [
    cmdlet('2026-03-09T15:10:44', 'New-MailContact', 'svc-legacytest',
           [('Name', 'Archive Relay'), ('ExternalEmailAddress', 'SMTP:relay@mailvault-sync.com')],
           ATT + ':51007', EXO_ORG + 'Archive Relay', session=S1),
    cmdlet('2026-03-09T15:11:30', 'Set-Mailbox', 'svc-legacytest',
           [('Identity', 'lucia.fernandez'), ('ForwardingAddress', 'Archive Relay'),
            ('DeliverToMailboxAndForward', 'True')], ATT + ':51007', EXO_ORG + 'lucia.fernandez', session=S1),
    cmdlet('2026-03-09T15:14:02', 'New-TransportRule', 'svc-legacytest',
           [('Name', 'Compliance journal copy'), ('SentToScope', 'InOrganization'),
            ('BlindCopyTo', 'journal@mailvault-sync.com'), ('Priority', '0')],
           ATT + ':51007', 'Compliance journal copy', session=S1),
    mail_read('2026-03-09T14:02:31', 'lucia.fernandez', 'lucia.fernandez', '198.51.100.63',
              'Client=MSExchangeRPC', '00000002-0000-0ff1-ce00-000000000000', 2),
]
write(R, 'pos_la_officeactivity_contact_and_transport_rule',
      {'OfficeActivity.json': jsonl([officeactivity(r) for r in recs])},
      [{'severity': 'high', 'entities': {'mailboxes': ['lucia.fernandez@' + D], 'domains': ['mailvault-sync.com']},
        'summary_contains': 'relay@mailvault-sync.com outside the tenant',
        'details': {'mailbox': 'lucia.fernandez@' + D}},
       {'severity': 'high', 'entities': {'users': ['svc-legacytest@' + D], 'domains': ['mailvault-sync.com']},
        'summary_contains': "transport rule 'Compliance journal copy'",
        'details': {'transport_rule': 'Compliance journal copy'}}])

# 3. UAL UpdateInboxRules: an Outlook rule named "." forwarding everything outside: high.
recs = [
    outlook_rule('2026-03-07T23:48:10', 'ken.yamada', 'ken.yamada', '.',
                 [{'ActionType': 'Forward', 'Recipients': ['k.yamada.sync@outlook-mailsync.net'],
                   'ForwardFlags': 'None'}], '{(Exists(ItemClass))}', '174.85.210.54'),
]
write(R, 'pos_ual_outlook_rule_forwards_out', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'high', 'entities': {'mailboxes': ['ken.yamada@' + D], 'domains': ['outlook-mailsync.net'],
                                         'ips': ['174.85.210.54']},
        'summary_contains': "inbox rule '.'", 'details': {'mailbox': 'ken.yamada@' + D}}])

# 4. Benign: forwarding to a colleague, a newsletters rule, quotas, forwarding removed, Exchange's
#    own Set-Mailbox, an Outlook rule forwarding to an internal (legacy DN) recipient, a rule
#    disabled, a client-only Outlook rule: nothing.
recs = [
    inbox_rule('2026-03-02T15:10:02', 'New-InboxRule', 'sarah.oneill', 'sarah.oneill', 'Recruiting to James',
               [('From', 'careers@' + D), ('ForwardTo', 'james.cole@' + D)], '198.51.100.88:49210'),
    inbox_rule('2026-03-02T15:12:40', 'New-InboxRule', 'aisha.khan', 'aisha.khan', 'Newsletters',
               [('From', 'news@bloomberg.net'), ('MoveToFolder', 'aisha.khan:\\Newsletters'),
                ('MarkAsRead', 'True'), ('StopProcessingRules', 'True')], '203.0.113.10:50133'),
    inbox_rule('2026-03-03T14:00:12', 'Set-InboxRule', 'aisha.khan', 'aisha.khan', 'Newsletters',
               [('Enabled', 'False')], '203.0.113.10:50133'),
    cmdlet('2026-03-03T15:20:11', 'Set-Mailbox', 'tom.becker',
           [('Identity', 'secops'), ('ProhibitSendReceiveQuota', '100 GB (107,374,182,400 bytes)'),
            ('IssueWarningQuota', '98 GB (105,226,698,752 bytes)')],
           '203.0.113.10:52144', EXO_ORG + 'secops', session=ST),
    cmdlet('2026-03-03T15:22:48', 'Set-Mailbox', 'tom.becker',
           [('Identity', 'alex.morgan'), ('ForwardingSmtpAddress', '$null')],
           '203.0.113.10:52144', EXO_ORG + 'alex.morgan', session=ST),
    cmdlet('2026-03-03T15:23:30', 'Set-Mailbox', 'tom.becker',
           [('Identity', 'careers'), ('ForwardingSmtpAddress', 'smtp:sarah.oneill@' + D),
            ('DeliverToMailboxAndForward', 'True')],
           '203.0.113.10:52144', EXO_ORG + 'careers', session=ST),
    cmdlet('2026-03-01T04:12:09', 'Set-Mailbox', SYS,
           [('Identity', D + '\\DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}'),
            ('ProhibitSendReceiveQuota', '50 GB (53,687,091,200 bytes)')],
           obj=EXO_ORG + 'DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}'),
    outlook_rule('2026-03-04T14:31:55', 'james.cole', 'james.cole', 'Leads to Sarah',
                 [{'ActionType': 'Forward',
                   'Recipients': ['/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=09058ed0cc1d4c62a5f2daa3607fc5d7-sarah.oneill'],
                   'ForwardFlags': 'None'}],
                 '{(SubString IgnoreCase(SubjectProperty)=lead)}', '198.51.100.95'),
    outlook_rule('2026-03-04T14:40:02', 'james.cole', 'james.cole', 'Sound for boss',
                 [{'ActionType': 'DeferAction', 'LengthOfDeferData': '1453'}],
                 '{(SenderSearchKey Equal SMTP:DANA.WHITFIELD@CONTOSODEMO.ONMICROSOFT.COM)}', '198.51.100.95'),
]
write(R, 'neg_internal_forward_newsletters_quotas', {'audit.jsonl': jsonl(recs)}, [])

# 5. A rule that only deletes a sender's mail: low by default; nothing with report_hide_only false.
recs = [
    inbox_rule('2026-03-05T16:44:21', 'New-InboxRule', 'james.cole', 'james.cole', 'Block vendor spam',
               [('From', 'offers@promo-deals.example'), ('DeleteMessage', 'True')], '198.51.100.95:50812'),
]
write(R, 'pos_hide_only_low', {'audit.jsonl': jsonl(recs)},
      [{'severity': 'low', 'summary_contains': 'deletes mail', 'details': {'mailbox': 'james.cole@' + D}}])
write(R, 'neg_param_hide_only_off',
      {'audit.jsonl': jsonl(recs), 'config.yaml': config(R, {'report_hide_only': 'false'})}, [],
      args=['--config', '@CASE@/config.yaml'])

# 6. A two-letter rule moving mail to Archive: high by default (odd name + hiding);
#    short_name 1 makes "ab" an ordinary name: low (hiding only).
recs2 = [inbox_rule('2026-03-06T01:12:40', 'New-InboxRule', 'priya.raman', 'priya.raman', 'ab',
                    [('From', 'reports@vendor-portal.example'), ('MoveToFolder', 'Archive')], '174.85.210.54:39211')]
write(R, 'pos_param_short_name',
      {'audit.jsonl': jsonl(recs2), 'config.yaml': config(R, {'short_name': '1'})},
      [{'severity': 'low'}], args=['--config', '@CASE@/config.yaml'])
write(R, 'pos_short_name_default', {'audit.jsonl': jsonl(recs2)}, [{'severity': 'high'}])
