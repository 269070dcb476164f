import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *

RULE = "privileged-role-assigned"
ROLES = {
    "Global Administrator": ("62e90394-69f5-4237-9190-012177145e10", "TenantAdmins"),
    "Application Administrator": ("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "ApplicationAdministrators"),
    "Privileged Role Administrator": ("e8611ab8-c189-46e8-94e1-60213ab1f814", "PrivilegedRoleAdmins"),
    "Exchange Administrator": ("29232cdf-9323-42fd-ade2-1d097af3e4de", "ExchangeServiceAdmins"),
    "Reports Reader": ("4a5d8f65-41da-4de4-8968-e035b65339cf", "ReportsReaders"),
    "Message Center Reader": ("790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b", "MessageCenterReaders"),
}
MS_PIM = App("MS-PIM", "01fc33a7-78ba-4d2f-a4b7-768e336e890e", gid("sp:ms-pim"))


def role_props_entra(role, remove=False):
    tmpl, wk = ROLES[role]
    obj = gid("roleobj:" + role)
    vals = [("Role.ObjectID", js(obj)), ("Role.DisplayName", js(role)),
            ("Role.TemplateId", js(tmpl)), ("Role.WellKnownObjectName", js(wk))]
    return [(n, v, None) if remove else (n, None, v) for (n, v) in vals]


def role_props_ual(role, remove=False):
    tmpl, wk = ROLES[role]
    obj = gid("roleobj:" + role)
    vals = [("Role.ObjectID", obj), ("Role.DisplayName", role), ("Role.TemplateId", tmpl),
            ("Role.WellKnownObjectName", wk)]
    return [(n, "", v) if remove else (n, v, "") for (n, v) in vals]


def core_add(time, actor, member, role, seed, op="Add member to role", actor_sp=None, sp_member=None):
    if sp_member:
        t = tgt(sp_member.sp_id, sp_member.name, "ServicePrincipal", None, role_props_entra(role))
    else:
        t = tgt(member.id, None, "User", member.upn, role_props_entra(role))
    return entra_item(time, op, "RoleManagement", actor, [t], seed, op_type="Assign",
                      actor_sp=actor_sp,
                      details=[] if actor_sp else [{"key": "User-Agent", "value": EDGE}])


def pim_item(time, op, actor, member, role, seed, op_type="Assign", justification="",
             start=None, reason=""):
    tmpl, _ = ROLES[role]
    req = gid("req:" + seed)
    targets = [
        tgt(tmpl, role, "Role", None, [("RoleDefinitionOriginId", js(""), js(tmpl)),
                                        ("RoleDefinitionOriginType", js(""), js("BuiltInRole")),
                                        ("TemplateId", js(""), js(tmpl))]),
        tgt(req, None, "Request"),
        tgt(member.id, member.display, "User", member.upn),
        tgt(TENANT, "Fabrikam Lab", "Directory"),
        tgt(gid("sched:" + seed), None, "Other"),
    ]
    details = [
        {"key": "RoleDefinitionOriginId", "value": tmpl},
        {"key": "RoleDefinitionOriginType", "value": "BuiltInRole"},
        {"key": "TemplateId", "value": tmpl},
        {"key": "StartTime", "value": (start or time) + ".0000000Z"},
        {"key": "Justification", "value": justification},
        {"key": "oid", "value": actor.id},
        {"key": "tid", "value": TENANT},
        {"key": "ipaddr", "value": actor.ip},
        {"key": "RequestId", "value": req},
    ]
    return entra_item(time, op, "RoleManagement", actor, targets, seed, service="PIM",
                      op_type=op_type, result_reason=reason or justification, details=details)


admin = User("alex.rivera", "203.0.113.20")
others = [User(n, f"198.51.100.{30 + i}") for i, n in enumerate(
    ["maya.chen", "omar.haddad", "li.wei", "sofia.rossi", "daniel.kim"])]
dormant = User("svc-migration2019", "198.51.100.200")

# 1. Graph: Global Administrator given to an account with no sign-in in ten days of sign-in logs.
signins = []
for d in range(1, 12):
    for i, u in enumerate(others):
        t = f"2026-04-{d:02d}T{13 + i}:{(7 * d + 11 * i) % 60:02d}:{(13 * d) % 60:02d}"
        signins.append(signin(t, u, u.ip, f"s{d}{i}"))
signins.append(signin("2026-04-11T19:40:02", admin, admin.ip, "sadmin"))
assign = core_add("2026-04-11T20:05:31", admin, dormant, "Global Administrator", "r1")
files = {"directoryAudits.json": graph_page([assign]), "signins.json": signin_page(signins)}
case(RULE, "pos_graph_global_admin_to_dormant_account", files, [{
    "severity": "critical",
    "entities": {"users": [dormant.upn, admin.upn]},
    "summary_contains": "never signed in before",
    "details": {"role": "Global Administrator", "member_dormant": True, "assignment": "active",
                "assigned_by": [admin.upn], "removed": False}}])
# Parameter: sign-in logs must reach 30 days back to judge dormancy -> not judged, medium.
files["config.yaml"] = "rules:\n  privileged-role-assigned:\n    dormant_history: 30d\n"
case(RULE, "pos_graph_dormant_history_param", files, [{
    "severity": "medium", "entities": {"users": [dormant.upn]},
    "details": {"member_dormant": None, "role": "Global Administrator"}}],
    args=["--config", "@CASE@/config.yaml"])

# 2. UAL: Application Administrator given to a service principal.
automation = App("Fabrikam Deploy Automation", gid("app:deploy"), gid("sp:deploy"))
rec = ual_aad("2026-04-12T22:14:09", "Add member to role", admin, role_props_ual("Application Administrator"),
              ual_sp_target(automation.name, automation.sp_id, automation.app_id), "Role",
              gid("rec:r2"), ip="198.51.100.77", object_id=automation.app_id)
case(RULE, "pos_ual_application_admin_to_service_principal", {"audit.jsonl": [rec]}, [{
    "severity": "high",
    "entities": {"service_principals": [automation.sp_id], "users": [admin.upn],
                 "ips": ["198.51.100.77"]},
    "details": {"role": "Application Administrator", "member_is_service_principal": True,
                "tier": "high"}}])

# 3. Log Analytics: PIM eligibility for Privileged Role Administrator, removed the next day.
priya = User("priya.shah", "198.51.100.61", "Priya Shah")
items = [
    pim_item("2026-04-13T15:02:44", "Add eligible member to role in PIM completed (permanent)", admin,
             priya, "Privileged Role Administrator", "r3a", justification="Quarterly access review"),
    pim_item("2026-04-14T09:31:10", "Remove eligible member from role in PIM completed (permanent)", admin,
             priya, "Privileged Role Administrator", "r3b", op_type="Delete"),
]
case(RULE, "pos_la_pim_eligible_privileged_role_admin", {"AuditLogs.json": [la_row(i) for i in items]}, [{
    "severity": "medium",
    "entities": {"users": [priya.upn, admin.upn]},
    "details": {"role": "Privileged Role Administrator", "assignment": "eligible", "via_pim": True,
                "removed": True, "removed_at": ms3("2026-04-14T09:31:10") + "Z"}}])

# 4. Azure Monitor: an account created and made Global Administrator five minutes later.
newadm = User("admin-breakglass3", "203.0.113.20")
add_user = entra_item("2026-04-15T03:10:55", "Add user", "UserManagement", admin, [
    tgt(newadm.id, None, "User", newadm.upn, [
        ("AccountEnabled", "[]", "[true]"), ("DisplayName", "[]", js(["Break Glass 3"])),
        ("UserPrincipalName", "[]", js([newadm.upn])), ("UserType", "[]", js(["Member"])),
        ("Included Updated Properties", None, js("AccountEnabled, DisplayName, UserPrincipalName, UserType"))])],
    "r4user", op_type="Add", ip="198.51.100.77")
assign = core_add("2026-04-15T03:16:02", admin, newadm, "Global Administrator", "r4")
assign["initiatedBy"]["user"]["ipAddress"] = "198.51.100.77"
case(RULE, "pos_azmon_global_admin_to_new_account", {
    "PT1H.json": [{"records": [azmon_record(add_user), azmon_record(assign)]}]}, [{
    "severity": "critical",
    "entities": {"users": [newadm.upn]},
    "details": {"member_new_account": True, "role": "Global Administrator"}}])

# 5. Benign: reader roles.
recs = [
    ual_aad("2026-04-16T14:20:31", "Add member to role", admin, role_props_ual("Reports Reader"),
            ual_user_target(others[0]), "Role", gid("rec:r5a"), ip=admin.ip, object_id=others[0].upn),
    ual_aad("2026-04-16T14:21:07", "Add member to role", admin, role_props_ual("Message Center Reader"),
            ual_user_target(others[1]), "Role", gid("rec:r5b"), ip=admin.ip, object_id=others[1].upn),
]
case(RULE, "neg_ual_reader_roles", {"audit.jsonl": recs}, [])

# 6. Benign: an eligible Exchange administrator activates the role through PIM (PIM's record and
#    the Core Directory record written by MS-PIM).
sofia = others[3]
items = [
    pim_item("2026-04-17T13:45:12", "Add member to role completed (PIM activation)", sofia, sofia,
             "Exchange Administrator", "r6", op_type="Assign", justification="CHG0041277 mailbox migration",
             reason="RoleAssignmentScheduleRequest activated"),
    core_add("2026-04-17T13:45:14", None, sofia, "Exchange Administrator", "r6core", actor_sp=MS_PIM),
]
case(RULE, "neg_la_pim_activation_exchange_admin", {"AuditLogs.json": [la_row(i) for i in items]}, [])

# Real sample: SEKOIA UAL "Add member to role." (Global Administrator) and its removal.
case(RULE, "pos_realdata_sekoia_global_admin", {}, [{
    "severity": "medium",
    "entities": {"users": ["john.doe@example.com"]},
    "details": {"role": "Global Administrator", "removed": True, "member_dormant": None}}],
    evidence=["shared/realdata/SEKOIA-IO_intake-formats/_extracted/o365_management_activity.jsonl"])
