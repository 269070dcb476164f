import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *

RULE = "high-privilege-consent"
GRAPH_SP = gid("sp:Microsoft Graph (fabrikamlab)")


def grant_id(seed):
    return hashlib.md5(seed.encode()).hexdigest()[:43]


def perm_block(seed, client, principal, resource, ctype, scope):
    return (f"[Id: {grant_id(seed)}, ClientId: {client}, PrincipalId: {principal}, ResourceId: {resource}, "
            f"ConsentType: {ctype}, Scope:  {scope}, CreatedDateTime: , LastModifiedDateTime ]")


def permissions(old, new):
    o = "[" + ", ".join(old) + "]" if old else "[]"
    return f"{o} => [{', '.join(new)}]; "


def ual_consent_flow(t_sp, t_grant, actor, ip, app, scope, ctype="Principal", admin=False,
                     on_behalf_all=False, sp_is_new=True, result="Success", seed=""):
    """Add service principal (first consent), Add delegated permission grant, Consent to application."""
    recs = []
    principal = actor.id if ctype == "Principal" else ""
    details = {"User-Agent": "EvoSTS", "AppId": app.app_id}
    if sp_is_new:
        recs.append(ual_aad(t_sp, "Add service principal", actor, [
            ("AccountEnabled", "[\r\n  true\r\n]", "[]"),
            ("AppPrincipalId", f"[\r\n  \"{app.app_id}\"\r\n]", "[]"),
            ("DisplayName", f"[\r\n  \"{app.name}\"\r\n]", "[]"),
            ("ServicePrincipalName", f"[\r\n  \"{app.app_id}\"\r\n]", "[]"),
            ("Included Updated Properties", "AccountEnabled, AppPrincipalId, DisplayName, ServicePrincipalName", ""),
            ("TargetId.ServicePrincipalNames", app.app_id, ""),
        ], ual_sp_target(app.name, app.sp_id, app.app_id), "ServicePrincipal",
            gid("rec:sp" + seed), ip=ip, object_id=app.app_id, extra_details=details))
    if result == "Success":
        recs.append(ual_aad(t_grant, "Add delegated permission grant", actor, [
            ("DelegatedPermissionGrant.Scope", scope, ""),
            ("DelegatedPermissionGrant.ConsentType", ctype, ""),
            ("ServicePrincipal.ObjectID", app.sp_id, ""),
            ("ServicePrincipal.DisplayName", app.name, ""),
            ("ServicePrincipal.AppId", app.app_id, ""),
            ("ServicePrincipal.Name", app.app_id, ""),
            ("Included Updated Properties", "DelegatedPermissionGrant.Scope, DelegatedPermissionGrant.ConsentType", ""),
            ("TargetId.ServicePrincipalNames", GRAPH_SPNS, ""),
        ], ual_sp_target("Microsoft Graph", GRAPH_SP, "00000003-0000-0000-c000-000000000000"),
            "ServicePrincipal", gid("rec:grant" + seed), ip=ip, object_id=GRAPH_SP,
            extra_details=details))
    block = perm_block("g" + seed, app.sp_id, principal, GRAPH_SP, ctype, scope)
    props = [
        ("ConsentContext.IsAdminConsent", "True" if admin else "False", ""),
        ("ConsentContext.IsAppOnly", "False", ""),
        ("ConsentContext.OnBehalfOfAll", "True" if on_behalf_all else "False", ""),
        ("ConsentContext.Tags", "WindowsAzureActiveDirectoryIntegratedApp", ""),
        ("ConsentAction.Permissions", permissions([], [block]), ""),
        ("TargetId.ServicePrincipalNames", app.app_id, ""),
    ]
    if result != "Success":
        props.append(("ConsentAction.Reason", "Risky application detected", ""))
    c = ual_aad(t_grant, "Consent to application", actor, props,
                ual_sp_target(app.name, app.sp_id, app.app_id), "ServicePrincipal",
                gid("rec:consent" + seed), ip=ip, object_id=app.app_id, extra_details=details,
                result=result)
    # The consent is made through Azure ESTS on the user's behalf.
    c["Actor"].insert(2, {"ID": "Azure ESTS Service", "Type": 1})
    c["Actor"].insert(3, {"ID": "00000001-0000-0000-c000-000000000000", "Type": 2})
    recs.append(c)
    return recs


def entra_consent(time, actor, app, scope, ctype, admin, on_behalf_all, seed, old_scope=None):
    principal = actor.id if ctype == "Principal" else ""
    old = [perm_block("o" + seed, app.sp_id, principal, GRAPH_SP, ctype, old_scope)] if old_scope else []
    block = perm_block("g" + seed, app.sp_id, principal, GRAPH_SP, ctype, scope)
    return entra_item(time, "Consent to application", "ApplicationManagement", actor, [
        tgt(app.sp_id, app.name, "ServicePrincipal", None, [
            ("ConsentContext.IsAdminConsent", None, js("True" if admin else "False")),
            ("ConsentContext.IsAppOnly", None, js("False")),
            ("ConsentContext.OnBehalfOfAll", None, js("True" if on_behalf_all else "False")),
            ("ConsentContext.Tags", None, js("WindowsAzureActiveDirectoryIntegratedApp")),
            ("ConsentAction.Permissions", None, js(permissions(old, [block]))),
            ("TargetId.ServicePrincipalNames", None, js(app.app_id)),
        ])], "consent" + seed, op_type="Assign",
        details=[{"key": "User-Agent", "value": EDGE}, {"key": "AppId", "value": app.app_id}])


def entra_grant(time, actor, app, old_scope, scope, ctype, seed, old_ctype=None):
    return entra_item(time, "Add delegated permission grant", "ApplicationManagement", actor, [
        tgt(GRAPH_SP, "Microsoft Graph", "ServicePrincipal", None, [
            ("DelegatedPermissionGrant.Scope", js(old_scope) if old_scope is not None else None, js(scope)),
            ("DelegatedPermissionGrant.ConsentType", js(old_ctype) if old_ctype else None, js(ctype)),
            ("ServicePrincipal.ObjectID", None, js(app.sp_id)),
            ("ServicePrincipal.DisplayName", None, js(app.name)),
            ("ServicePrincipal.AppId", None, js(app.app_id)),
            ("ServicePrincipal.Name", None, js(app.app_id)),
            ("TargetId.ServicePrincipalNames", None, js(GRAPH_SPNS)),
        ]),
        tgt(app.sp_id, None, "ServicePrincipal"),
    ], "grant" + seed, op_type="Assign",
        details=[{"key": "User-Agent", "value": EDGE}])


admin = User("alex.rivera", "203.0.113.20")
maya = User("maya.chen", "198.51.100.41")
omar = User("omar.haddad", "198.51.100.58")
mailsync = App("InboxPro Sync", gid("app:InboxPro"), gid("sp:InboxPro"))
docs = App("DocuFlow Reader", gid("app:DocuFlow"), gid("sp:DocuFlow"))
cli = App("Microsoft Graph Command Line Tools", "14d82eec-204b-4c2f-b7e8-296a70dab67e",
          gid("sp:graphcli"))
notes = App("QuickNotes Web", gid("app:QuickNotes"), gid("sp:QuickNotes"))
crm = App("Fabrikam CRM Connector", gid("app:FabrikamCRM"), gid("sp:FabrikamCRM"))

# 1. UAL: one user consents Mail.ReadWrite + offline_access to an unknown multi-tenant app.
recs = ual_consent_flow("2026-04-14T09:12:03", "2026-04-14T09:12:04", maya, "198.51.100.41",
                        mailsync, "Mail.ReadWrite offline_access User.Read", seed="c1")
case(RULE, "pos_ual_user_consent_mail_offline", {"audit.jsonl": recs}, [{
    "severity": "high",
    "entities": {"users": [maya.upn], "apps": ["InboxPro Sync", mailsync.app_id],
                 "service_principals": [mailsync.sp_id], "ips": ["198.51.100.41"]},
    "summary_contains": "for their own account to InboxPro Sync",
    "details": {"scopes_added": ["Mail.ReadWrite", "User.Read", "offline_access"],
                "classes": ["mail"], "tenant_wide": False, "offline_access": True,
                "consent_types": ["Principal"], "consent_records": 1, "grant_records": 1}}])

# 2. Graph: admin grants tenant-wide file access (AllPrincipals) to a document app.
items = [
    entra_consent("2026-04-15T16:40:11", admin, docs, "Files.ReadWrite.All Sites.Read.All User.Read",
                  "AllPrincipals", True, True, "c2"),
    entra_grant("2026-04-15T16:40:11", admin, docs, None, "Files.ReadWrite.All Sites.Read.All User.Read",
                "AllPrincipals", "c2"),
]
case(RULE, "pos_graph_admin_consent_tenant_wide_files", {"directoryAudits.json": graph_page(items)}, [{
    "severity": "high",
    "entities": {"users": [admin.upn], "apps": ["DocuFlow Reader"], "service_principals": [docs.sp_id]},
    "summary_contains": "for the whole tenant",
    "details": {"classes": ["files"], "tenant_wide": True, "admin_consent": True,
                "scopes_added": ["Files.ReadWrite.All", "Sites.Read.All", "User.Read"]}}])

# 3. Log Analytics: an existing grant gains Mail.Send (only the added scope counts).
items = [entra_grant("2026-04-16T11:05:47", omar, notes, "openid profile User.Read",
                     "openid profile User.Read Mail.Send", "Principal", "c3", old_ctype="Principal")]
case(RULE, "pos_la_grant_adds_mail_send", {"AuditLogs.json": [la_row(i) for i in items]}, [{
    "severity": "medium",
    "entities": {"users": [omar.upn], "apps": ["QuickNotes Web"], "service_principals": [notes.sp_id]},
    "details": {"scopes_added": ["Mail.Send"], "classes": ["mail"], "offline_access": False,
                "tenant_wide": False}}])

# 4. Azure Monitor: an account created minutes earlier consents EWS for itself.
newbie = User("svc-exportjob", "198.51.100.77")
add_user = entra_item("2026-04-17T02:11:09", "Add user", "UserManagement", admin, [
    tgt(newbie.id, None, "User", newbie.upn, [
        ("AccountEnabled", "[]", "[true]"), ("DisplayName", "[]", js(["Export Job"])),
        ("UserPrincipalName", "[]", js([newbie.upn])), ("UserType", "[]", js(["Member"])),
        ("Included Updated Properties", None, js("AccountEnabled, DisplayName, UserPrincipalName, UserType")),
    ])], "c4user", op_type="Add")
ewsapp = App("Mailbox Archiver Pro", gid("app:MbxArch"), gid("sp:MbxArch"))
cons = entra_consent("2026-04-17T02:29:40", newbie, ewsapp,
                     "EWS.AccessAsUser.All offline_access openid", "Principal", False, False, "c4")
case(RULE, "pos_azmon_new_account_consents_ews", {
    "PT1H.json": [{"records": [azmon_record(add_user)]}, {"records": [azmon_record(cons)]}]}, [{
    "severity": "critical",
    "entities": {"users": [newbie.upn], "apps": ["Mailbox Archiver Pro"]},
    "details": {"classes": ["ews", "mail"], "new_accounts": [newbie.upn]}}])

# 5. Benign: admin consents tenant-wide to a Microsoft first-party client for sign-in scopes.
items = [
    entra_consent("2026-04-18T14:02:55", admin, cli, "openid profile email offline_access User.Read",
                  "AllPrincipals", True, True, "c5"),
    entra_grant("2026-04-18T14:02:55", admin, cli, None, "openid profile email offline_access User.Read",
                "AllPrincipals", "c5"),
]
case(RULE, "neg_graph_admin_consent_first_party_user_read", {"directoryAudits.json": graph_page(items)}, [])

# 6. Benign: a grant already holding Mail.Read gains only "profile".
items = [entra_grant("2026-04-19T10:30:02", omar, crm, "Mail.Read User.Read",
                     "Mail.Read User.Read profile", "Principal", "c6", old_ctype="Principal")]
case(RULE, "neg_la_grant_no_new_sensitive_scope", {"AuditLogs.json": [la_row(i) for i in items]}, [])

# 7. Benign: consent blocked as risky (failure): nothing was granted.
recs = ual_consent_flow(None, "2026-04-20T08:44:31", omar, "198.51.100.58", mailsync,
                        "Mail.Read offline_access", sp_is_new=False, result="Failure", seed="c7")
case(RULE, "neg_ual_consent_blocked", {"audit.jsonl": recs}, [])

# 8. Parameter: one user's consent to Files.Read.All is medium by default, silent with
#    user_consent_files: false.
recs = ual_consent_flow("2026-04-21T13:15:20", "2026-04-21T13:15:21", maya, "198.51.100.41", docs,
                        "Files.Read.All User.Read", seed="c8")
case(RULE, "pos_ual_user_consent_files", {"audit.jsonl": recs}, [{
    "severity": "medium", "entities": {"users": [maya.upn]},
    "details": {"classes": ["files"], "tenant_wide": False}}])
case(RULE, "neg_ual_user_consent_files_param", {"audit.jsonl": recs,
     "config.yaml": "rules:\n  high-privilege-consent:\n    user_consent_files: false\n"}, [],
     args=["--config", "@CASE@/config.yaml"])

# Real samples.
case(RULE, "pos_realdata_otrf_delegated_grant", {}, [{
    "severity": "high",
    "entities": {"users": ["pgustavo@simulandlabs.com"],
                 "service_principals": ["0d2f5969-011b-460d-ac74-3291d227d49f"]},
    "details": {"scopes_added": ["Mail.ReadWrite"], "tenant_wide": True,
                "consent_types": ["AllPrincipals"], "grant_records": 1}}],
    evidence=["shared/realdata/OTRF_Security-Datasets/datasets/compound/GoldenSAMLADFSMailAccess/_unzipped/AADAuditEvents.json"])
case(RULE, "neg_realdata_sekoia_offline_access_consent", {}, [],
     evidence=["shared/realdata/SEKOIA-IO_intake-formats/_extracted/o365_management_activity.jsonl"])

# 9. A Microsoft first-party client (Graph Command Line Tools) consented tenant-wide for directory
#    write: reported, one level lower than for an unknown app.
recs = ual_consent_flow(None, "2026-04-22T15:31:07", admin, admin.ip, cli,
                        "Directory.ReadWrite.All openid profile User.Read", ctype="AllPrincipals",
                        admin=True, on_behalf_all=True, sp_is_new=False, seed="c9")
case(RULE, "pos_ual_first_party_client_directory_write", {"audit.jsonl": recs}, [{
    "severity": "medium", "entities": {"users": [admin.upn], "apps": [cli.app_id]},
    "summary_contains": "Microsoft first-party client",
    "details": {"classes": ["directory"], "tenant_wide": True, "microsoft_first_party": True}}])
