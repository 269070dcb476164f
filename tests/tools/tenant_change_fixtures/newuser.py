import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *
from consent import ual_consent_flow, entra_consent, entra_grant, GRAPH_SP
from roles import core_add, role_props_ual, ROLES

RULE = "new-user-privileged-action"
admin = User("alex.rivera", "203.0.113.20")


def ual_add_user(time, actor, u, display, seed, ip=None, extra=()):
    props = [
        ("AccountEnabled", "[\r\n  true\r\n]", "[]"),
        ("DisplayName", f"[\r\n  \"{display}\"\r\n]", "[]"),
        ("MailNickname", f"[\r\n  \"{u.upn.split('@')[0]}\"\r\n]", "[]"),
    ] + list(extra) + [
        ("StsRefreshTokensValidFrom", f"[\r\n  \"{time}Z\"\r\n]", "[]"),
        ("UserPrincipalName", f"[\r\n  \"{u.upn}\"\r\n]", "[]"),
        ("UserType", "[\r\n  \"Member\"\r\n]", "[]"),
        ("Included Updated Properties",
         "AccountEnabled, DisplayName, MailNickname, " + "".join(n + ", " for n, _, _ in extra) +
         "StsRefreshTokensValidFrom, UserPrincipalName, UserType", ""),
        ("TargetId.UserType", "Member", ""),
    ]
    return ual_aad(time, "Add user", actor, props, ual_user_target(u), "User", gid("rec:" + seed),
                   ip=ip or actor.ip, object_id=u.upn, extra_details={"UserType": "Member"})


def entra_add_user(time, actor, u, display, seed):
    return entra_item(time, "Add user", "UserManagement", actor, [
        tgt(u.id, None, "User", u.upn, [
            ("AccountEnabled", "[]", "[true]"), ("DisplayName", "[]", js([display])),
            ("MailNickname", "[]", js([u.upn.split("@")[0]])),
            ("StsRefreshTokensValidFrom", "[]", js([time + "Z"])),
            ("UserPrincipalName", "[]", js([u.upn])), ("UserType", "[]", js(["Member"])),
            ("Included Updated Properties", None,
             js("AccountEnabled, DisplayName, MailNickname, StsRefreshTokensValidFrom, UserPrincipalName, UserType")),
            ("TargetId.UserType", None, js("Member"))])],
        seed, op_type="Add", details=[{"key": "User-Agent", "value": EDGE}, {"key": "UserType", "value": "Member"}])


# 1. UAL: a helpdesk account creates a user who consents Mail.Read to a foreign app 31 minutes later.
helpdesk = User("it.helpdesk", "198.51.100.77")
newu = User("svc-mailarchive", "198.51.100.77")
app = App("ArchiveBridge", gid("app:ArchiveBridge"), gid("sp:ArchiveBridge"))
recs = [ual_add_user("2026-04-20T01:02:11", helpdesk, newu, "Mail Archive Service", "n1",
                     extra=[("PasswordPolicies", "[\r\n  \"DisablePasswordExpiration\"\r\n]", "[]")])]
recs += ual_consent_flow("2026-04-20T01:33:40", "2026-04-20T01:33:41", newu, "198.51.100.77", app,
                         "Mail.Read offline_access User.Read", seed="n1")
case(RULE, "pos_ual_new_user_consents_mail", {"audit.jsonl": recs}, [{
    "severity": "high",
    "entities": {"users": [newu.upn, helpdesk.upn], "apps": ["ArchiveBridge"],
                 "service_principals": [app.sp_id], "ips": ["198.51.100.77"]},
    "summary_contains": "31 minute(s) after its creation",
    "details": {"new_user": newu.upn, "new_user_id": newu.id, "created_by": helpdesk.upn,
                "kinds": ["consent"], "sensitive": True, "minutes_to_first_action": 31,
                "actions_total": 1}}])

# 2. Graph: created, made Global Administrator, then adds a certificate to an app's service principal.
newadm = User("cloud.ops2", "198.51.100.90")
legacy = App("Fabrikam Legacy Sync", gid("app:legsync"), gid("sp:legsync"))
items = [
    entra_add_user("2026-04-21T23:40:05", admin, newadm, "Cloud Ops 2", "n2"),
    core_add("2026-04-21T23:44:51", admin, newadm, "Global Administrator", "n2role"),
    entra_item("2026-04-22T02:15:37", "Add service principal credentials", "ApplicationManagement", newadm, [
        tgt(legacy.sp_id, legacy.name, "ServicePrincipal", None, [
            ("KeyDescription", "[]", js(["[KeyIdentifier=" + gid("key:n2") +
                                         ",KeyType=AsymmetricX509Cert,KeyUsage=Verify,DisplayName=CN=sync]"])),
            ("Included Updated Properties", None, js("KeyDescription")),
            ("TargetId.ServicePrincipalNames", None, js(legacy.app_id))])],
        "n2cred", details=[{"key": "User-Agent", "value": EDGE}, {"key": "AppId", "value": legacy.app_id}]),
]
case(RULE, "pos_graph_new_user_global_admin_and_credential", {"directoryAudits.json": graph_page(items)}, [{
    "severity": "critical",
    "entities": {"users": [newadm.upn, admin.upn], "apps": ["Fabrikam Legacy Sync"]},
    "details": {"kinds": ["role_received", "credential_added"], "sensitive": True, "actions_total": 2,
                "minutes_to_first_action": 4}}])

# 3. Log Analytics: created, registers an application the next morning (not sensitive: medium).
dev = User("contractor.dev7", "198.51.100.121")
items = [
    entra_add_user("2026-04-22T16:05:00", admin, dev, "Contractor Dev 7", "n3"),
    entra_item("2026-04-23T09:12:44", "Add application", "ApplicationManagement", dev, [
        tgt(gid("appobj:n3"), "dev7-test-client", "Application", None, [
            ("AppId", "[]", js([gid("app:n3")])), ("AvailableToOtherTenants", "[]", js([True])),
            ("DisplayName", "[]", js(["dev7-test-client"])),
            ("Included Updated Properties", None, js("AppId, AvailableToOtherTenants, DisplayName"))])],
        "n3app", op_type="Add"),
]
case(RULE, "pos_la_new_user_registers_application", {"AuditLogs.json": [la_row(i) for i in items]}, [{
    "severity": "medium",
    "entities": {"users": [dev.upn], "apps": ["dev7-test-client"]},
    "details": {"kinds": ["application_created"], "sensitive": False, "minutes_to_first_action": 1027}}])

# 4. Benign: a new hire signs in, registers MFA, signs in to a meeting app (consent to sign-in
#    scopes) and reads mail.
hire = User("nina.patel", "203.0.113.20")
items = [
    entra_add_user("2026-04-23T12:30:10", admin, hire, "Nina Patel", "n4"),
    entra_item("2026-04-23T12:35:02", "Add member to group", "GroupManagement", admin, [
        tgt(hire.id, None, "User", hire.upn, [
            ("Group.ObjectID", None, js(gid("grp:finance"))), ("Group.DisplayName", None, js("Finance")),
            ("Group.WellKnownObjectName", None, None)]),
        tgt(gid("grp:finance"), None, "Group")], "n4grp", op_type="Assign"),
    entra_item("2026-04-23T13:02:40", "User registered security info", "UserManagement", hire, [
        tgt(hire.id, None, "User", hire.upn)], "n4mfa", service="Authentication Methods", op_type="Add",
        result_reason="User registered Authenticator App with Notification and Code", details=[]),
    # Single sign-on to a meeting app: sign-in scopes only.
    entra_consent("2026-04-23T14:11:09", hire, App("Zoom", gid("app:zoom"), gid("sp:zoom")),
                  "openid profile email offline_access User.Read", "Principal", False, False, "n4sso"),
]
mail = {"AppAccessContext": {"IssuedAtTime": "2026-04-23T13:00:11", "UniqueTokenId": "Xq2b9TtRk0a8cWwQ1mZ0AA"},
        "CreationTime": "2026-04-23T13:05:48", "Id": gid("rec:n4mail"), "Operation": "MailItemsAccessed",
        "OrganizationId": TENANT, "RecordType": 50, "ResultStatus": "Succeeded", "UserKey": hire.puid,
        "UserType": 0, "Version": 1, "Workload": "Exchange", "UserId": hire.upn,
        "AppId": "9199bf20-a13f-4107-85dc-02114787ef48", "ClientAppId": "", "ClientIPAddress": "203.0.113.20",
        "ClientInfoString": "Client=OWA;Action=ViaProxy", "ExternalAccess": False, "InternalLogonType": 0,
        "LogonType": 0, "LogonUserSid": "S-1-5-21-1604390315-3345072113-2209744583-90218",
        "MailboxGuid": gid("mbx:n4"), "MailboxOwnerSid": "S-1-5-21-1604390315-3345072113-2209744583-90218",
        "MailboxOwnerUPN": hire.upn,
        "OperationProperties": [{"Name": "MailAccessType", "Value": "Bind"}, {"Name": "IsThrottled", "Value": "False"}],
        "OrganizationName": DOMAIN, "OriginatingServer": "DM6PR11MB4107 (15.20.8466.020)\r\n",
        "SessionId": gid("sess:n4"),
        "Folders": [{"FolderItems": [{"InternetMessageId": "<welcome-7731@fabrikamlab.onmicrosoft.com>",
                                      "SizeInBytes": 48211, "Id": "RgAAAAB8", "ImmutableId": "LgAAAAB8"}],
                     "Id": "LgAAAABmI", "Path": "\\Inbox"}],
        "OperationCount": 1}
case(RULE, "neg_graph_new_hire_mfa_sso_and_mail", {
    "directoryAudits.json": graph_page(items),
    "signins.json": signin_page([signin("2026-04-23T12:58:31", hire, hire.ip, "n4s")]),
    "mail.jsonl": [mail]}, [])

# 5. Benign: an admin-made service account gets Exchange Administrator three days later.
svc = User("svc-journaling", "203.0.113.20")
items = [
    entra_add_user("2026-04-24T10:00:03", admin, svc, "Journaling Service", "n5"),
    core_add("2026-04-27T10:20:19", admin, svc, "Exchange Administrator", "n5role"),
]
rows = [la_row(i) for i in items]
case(RULE, "neg_la_service_account_role_after_48h", {"AuditLogs.json": rows}, [])
# Parameter: with a 96 h window the same role grant counts.
case(RULE, "pos_la_role_after_48h_window_param", {
    "AuditLogs.json": rows, "config.yaml": "rules:\n  new-user-privileged-action:\n    window: 96h\n"}, [{
    "severity": "high", "entities": {"users": [svc.upn]},
    "details": {"kinds": ["role_received"], "created_by": admin.upn}}],
    args=["--config", "@CASE@/config.yaml"])

# Real sample: SEKOIA's Azure Monitor "Add user" (jean.dupont@usergmail.onmicrosoft.com, anonymised
# object id "user1"); alone it has no privileged follow-up.
REAL = "shared/realdata/SEKOIA-IO_intake-formats/_extracted/azure-ad_eventhub_diagnostic.jsonl"
case(RULE, "neg_realdata_sekoia_add_user_alone", {}, [], evidence=[REAL])
# The same real record, with the new account consenting two hours later (fixture in the case).
jean = User("jean.dupont@usergmail.onmicrosoft.com", "192.0.2.44")
jean.id = "8d1b7c3e-4a52-4f0e-9c61-2e7b5d9a0f13"
app2 = App("Reader Plus", gid("app:ReaderPlus"), gid("sp:ReaderPlus"))
cons = entra_consent("2019-06-24T11:40:12", jean, app2, "Mail.Read User.Read", "Principal", False, False, "n6")
rec = azmon_record(cons)
rec["tenantId"] = "11111111-1111-1111-1111-111111111111"
rec["resourceId"] = "/tenants/11111111-1111-1111-1111-111111111111/providers/Microsoft.aadiam"
rec["properties"]["tenantId"] = "11111111-1111-1111-1111-111111111111"
case(RULE, "pos_realdata_sekoia_add_user_then_consent", {"consent-PT1H.json": [{"records": [rec]}]}, [{
    "severity": "high",
    "entities": {"users": ["jean.dupont@usergmail.onmicrosoft.com"], "apps": ["Reader Plus"]},
    "details": {"new_user": "jean.dupont@usergmail.onmicrosoft.com", "created_by": "user1",
                "kinds": ["consent"], "minutes_to_first_action": 130}}], evidence=[REAL])

# 7. An administrator's onboarding at the office (both rules: privileged-role-assigned too). Alex
#    creates an IT hire from the office network six colleagues sign in from every morning, adds
#    her to the IT group and gives her a role ten minutes later; she registers MFA and signs in
#    from the office. Made and used only at the office: low (medium for a tenant-takeover role),
#    with the office in the details. The same creation whose role comes from an address nobody
#    else uses, or whose account then signs in from a cloud VM, stays high: an intruder works
#    from their own network and uses the account at once.
office_ip = "203.0.113.20"
staff = [User(n, office_ip) for n in ("ana.lopez", "ben.ito", "carla.meyer", "dev.shah", "eve.kim", "fay.ng")]


def failed_signin(time, user, ip, seed):
    s = signin(time, user, ip, seed)
    s["status"] = {"errorCode": 50126, "failureReason": "Error validating credentials due to invalid "
                   "username or password.", "additionalDetails": "The user didn't enter the right credentials."}
    s["conditionalAccessStatus"] = "notApplied"
    s["authenticationRequirement"] = "singleFactorAuthentication"
    return s


def authenticator_registered(hire, seed):
    return entra_item("2026-04-23T09:42:40", "User registered security info", "UserManagement", hire, [
        tgt(hire.id, None, "User", hire.upn)], seed + "mfa", service="Authentication Methods",
        op_type="Add", result_reason="User registered Authenticator App with Notification and Code",
        details=[])


def office_week(seed, hire, hire_ips):
    """The staff and the admin at the office every morning; the hire from hire_ips, a day each."""
    sigs = []
    for day in ("2026-04-21", "2026-04-22", "2026-04-23", "2026-04-24"):
        for i, u in enumerate(staff + [admin]):
            sigs.append(signin("%sT08:%02d:%02d" % (day, 10 + 3 * i, 7 * i), u, u.ip, seed + day + u.upn))
    for i, ip in enumerate(hire_ips):
        sigs.append(signin("2026-04-2%dT09:4%d:31" % (3 + i, i), hire, ip, seed + "hire%d" % i))
    return sigs


def onboarding(seed, role, hire_name, grant_ip=office_ip, hire_ips=(office_ip,), create_ip=office_ip,
               extra_signins=()):
    hire = User(hire_name, office_ip)
    grant_by = User("alex.rivera", grant_ip)
    items = [
        entra_add_user("2026-04-23T09:10:10", User("alex.rivera", create_ip), hire,
                       hire_name.replace(".", " ").title(), seed),
        entra_item("2026-04-23T09:12:02", "Add member to group", "GroupManagement", admin, [
            tgt(hire.id, None, "User", hire.upn, [
                ("Group.ObjectID", None, js(gid("grp:it"))), ("Group.DisplayName", None, js("IT")),
                ("Group.WellKnownObjectName", None, None)]),
            tgt(gid("grp:it"), None, "Group")], seed + "grp", op_type="Assign"),
        core_add("2026-04-23T09:20:51", grant_by, hire, role, seed + "role"),
        authenticator_registered(hire, seed),
    ]
    sigs = office_week(seed, hire, hire_ips) + list(extra_signins)
    return hire, {"directoryAudits.json": graph_page(items), "signins.json": signin_page(sigs)}


hire, files = onboarding("n7", "Exchange Administrator", "grace.obi")
case(RULE, "pos_graph_onboarding_at_the_office_low", files, [{
    "severity": "low", "entities": {"users": [hire.upn, admin.upn]},
    "summary_contains": "Made and given the role from 203.0.113.0/24, the office (8 accounts sign in from it)",
    "details": {"kinds": ["role_received"], "office_network": "203.0.113.0/24", "office_accounts": 8}}])
case("privileged-role-assigned", "pos_graph_onboarding_at_the_office_low", files, [{
    "severity": "low", "entities": {"users": [hire.upn, admin.upn]},
    "summary_contains": "all from 203.0.113.0/24, the office (8 accounts sign in from it), as an onboarding is",
    "details": {"member_new_account": True, "office_network": "203.0.113.0/24", "office_accounts": 8}}])
hire, files = onboarding("n8", "Global Administrator", "hugo.park")
case(RULE, "pos_graph_onboarding_global_admin_at_the_office_medium", files, [{
    "severity": "medium", "entities": {"users": [hire.upn]},
    "details": {"office_network": "203.0.113.0/24"}}])
case("privileged-role-assigned", "pos_graph_onboarding_global_admin_at_the_office_medium", files, [{
    "severity": "medium", "entities": {"users": [hire.upn]},
    "details": {"tier": "tenant takeover", "office_network": "203.0.113.0/24"}}])
# The role given from a residential address nobody else signs in from: high, no office.
hire, files = onboarding("n9", "Exchange Administrator", "ida.ross", grant_ip="198.51.100.203")
case(RULE, "pos_graph_made_at_the_office_role_given_from_elsewhere_high", files, [{
    "severity": "high", "entities": {"users": [hire.upn], "ips": ["198.51.100.203", office_ip]},
    "details": {"office_network": None}}])
case("privileged-role-assigned", "pos_graph_made_at_the_office_role_given_from_elsewhere_high", files, [{
    "severity": "high", "entities": {"users": [hire.upn]},
    "details": {"member_new_account": True, "office_network": None}}])
# Made and given the role at the office, but the new account signs in the next morning from an
# Azure VM (the CIDR list names its range): high.
hire, files = onboarding("n10", "Exchange Administrator", "jon.vance", hire_ips=(office_ip, "52.168.30.17"))
files["ranges.txt"] = "# Azure East US compute (ServiceTags_Public AzureCloud.eastus)\n52.168.0.0/14 AzureCloud.eastus\n"
ranges = ["--ip-ranges", "@CASE@/ranges.txt"]
case(RULE, "pos_graph_made_at_the_office_then_used_from_a_vm_high", files, [{
    "severity": "high", "entities": {"users": [hire.upn]}, "details": {"office_network": None}}], args=ranges)
case("privileged-role-assigned", "pos_graph_made_at_the_office_then_used_from_a_vm_high", files, [{
    "severity": "high", "entities": {"users": [hire.upn]}, "details": {"office_network": None}}], args=ranges)
# A password spray from one residential network guesses four passwords, Alex's among them; from
# there the account is made and given the role, and signs in. Four accounts sign in from that
# network, but twenty failed their password from it: a spray's network is no office (high).
spray_ip = "192.0.2.50"
victims = [User("user%02d" % i, spray_ip) for i in range(20)]
sprayed = [failed_signin("2026-04-23T02:%02d:11" % (2 * i), v, spray_ip, "n11f%d" % i) for i, v in enumerate(victims)]
sprayed += [signin("2026-04-23T03:0%d:40" % i, u, spray_ip, "n11s%d" % i) for i, u in enumerate(staff[:3] + [admin])]
hire, files = onboarding("n11", "Exchange Administrator", "kai.moss", grant_ip=spray_ip, hire_ips=(spray_ip,),
                         create_ip=spray_ip, extra_signins=sprayed)
case(RULE, "pos_graph_made_from_a_spraying_network_high", files, [{
    "severity": "high", "entities": {"users": [hire.upn], "ips": [spray_ip]}, "details": {"office_network": None}}])
case("privileged-role-assigned", "pos_graph_made_from_a_spraying_network_high", files, [{
    "severity": "high", "entities": {"users": [hire.upn]}, "details": {"office_network": None}}])
# Onboarded at the office, then working from home the next day and from her phone on the third:
# networks nobody else uses, but no cloud host (still low).
hire, files = onboarding("n12", "Exchange Administrator", "lea.hart",
                         hire_ips=(office_ip, "198.51.100.236", "2001:db8:5e0:41c2:18a4:9d03:2be1:7c55"))
case(RULE, "pos_graph_onboarding_hire_at_home_and_on_the_phone_low", files, [{
    "severity": "low", "entities": {"users": [hire.upn]}, "details": {"office_network": "203.0.113.0/24"}}])


# auth-policy-weakened: a new hire's first Temporary Access Pass. The account made and the pass
# issued at the office, the hire signing in with it there and registering the Authenticator app:
# low. The same pass for an account made from a residential address nobody else uses, for a new
# account then used from an Azure VM, and for an account older than the evidence: medium.
def tap_onboarding(seed, hire_name, create_ip=office_ip, tap_ip=office_ip, hire_ips=(office_ip,),
                   created=True):
    hire = User(hire_name, office_ip)
    items = []
    if created:
        items.append(entra_add_user("2026-04-23T09:10:10", User("alex.rivera", create_ip), hire,
                                    hire_name.replace(".", " ").title(), seed))
    items += [
        entra_item("2026-04-23T09:14:37", "Admin registered security info", "UserManagement",
                   User("alex.rivera", tap_ip), [
                       tgt(hire.id, None, "User", hire.upn, [
                           ("TemporaryAccessPass.Id", js(""), js(gid("tap:" + seed))),
                           ("TemporaryAccessPass.StartDateTime", js(""), js("2026-04-23T09:14:36.8812094Z")),
                           ("TemporaryAccessPass.EndDateTime", js(""), js("2026-04-23T17:14:36.8812094Z")),
                           ("TemporaryAccessPass.AccessPassUsage", js(""), js("OneTime"))])],
                   seed + "tap", service="Authentication Methods", op_type="Add",
                   result_reason="Admin registered temporary access pass method for user", details=[]),
        authenticator_registered(hire, seed),
    ]
    sigs = office_week(seed, hire, hire_ips)
    made = frac7(items[0]["activityDateTime"])[:23] + "Z" if created else None
    return hire, made, {"directoryAudits.json": graph_page(items), "signins.json": signin_page(sigs)}


AP = "auth-policy-weakened"
hire, made, files = tap_onboarding("t1", "mia.cho")
case(AP, "pos_graph_tap_for_a_new_hire_at_the_office_low", files, [{
    "severity": "low", "entities": {"users": [hire.upn, admin.upn]},
    "summary_contains": "The account was made 4 minute(s) before, both from 203.0.113.0/24, the office "
                        "(8 accounts sign in from it), and not used from a cloud host",
    "details": {"control": "temporary_access_pass", "account_created_at": made,
                "office_network": "203.0.113.0/24", "office_accounts": 8}}])
hire, made, files = tap_onboarding("t2", "noor.haddad", create_ip="198.51.100.203", tap_ip="198.51.100.203")
case(AP, "pos_graph_tap_for_a_new_account_made_elsewhere_medium", files, [{
    "severity": "medium", "entities": {"users": [hire.upn], "ips": ["198.51.100.203"]},
    "details": {"control": "temporary_access_pass", "account_created_at": made}}])
hire, made, files = tap_onboarding("t3", "otto.lind", hire_ips=(office_ip, "52.168.30.17"))
files["ranges.txt"] = "# Azure East US compute (ServiceTags_Public AzureCloud.eastus)\n52.168.0.0/14 AzureCloud.eastus\n"
case(AP, "pos_graph_tap_new_account_then_used_from_a_vm_medium", files, [{
    "severity": "medium", "entities": {"users": [hire.upn]},
    "details": {"control": "temporary_access_pass", "account_created_at": made}}],
    args=["--ip-ranges", "@CASE@/ranges.txt"])
hire, made, files = tap_onboarding("t4", "pia.sun", created=False)
case(AP, "pos_graph_tap_for_an_existing_account_at_the_office_medium", files, [{
    "severity": "medium", "entities": {"users": [hire.upn]},
    "details": {"control": "temporary_access_pass", "account_created_at": None}}])
