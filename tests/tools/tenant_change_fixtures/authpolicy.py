import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *

RULE = "auth-policy-weakened"
admin = User("alex.rivera", "203.0.113.20")
rogue = User("j.morrow", "198.51.100.77")
maya = User("maya.chen", "198.51.100.41")
omar = User("omar.haddad", "198.51.100.58")
ADMINS_GROUP = gid("grp:cloud-admins")
BREAKGLASS = gid("user:breakglass1@" + DOMAIN)
TRUSTED_LOC = gid("loc:hq")


def ca_policy(pid, name, state, include_users=("All",), exclude_users=(BREAKGLASS,), exclude_groups=(),
              include_roles=(), exclude_locations=(), controls=("mfa",), client_apps=("all",),
              modified="2026-05-10T09:00:00.0000000Z"):
    return {
        "id": pid, "displayName": name, "createdDateTime": "2025-11-03T17:21:09.4511221Z",
        "modifiedDateTime": modified, "state": state,
        "conditions": {
            "applications": {"includeApplications": ["All"], "excludeApplications": [],
                             "includeUserActions": [], "includeAuthenticationContextClassReferences": []},
            "users": {"includeUsers": list(include_users), "excludeUsers": list(exclude_users),
                      "includeGroups": [], "excludeGroups": list(exclude_groups),
                      "includeRoles": list(include_roles), "excludeRoles": []},
            "locations": {"includeLocations": ["All"], "excludeLocations": list(exclude_locations)},
            "clientAppTypes": list(client_apps), "servicePrincipalRiskLevels": [], "signInRiskLevels": [],
            "userRiskLevels": []},
        "grantControls": {"operator": "OR", "builtInControls": list(controls),
                          "customAuthenticationFactors": [], "termsOfUse": []},
        "sessionControls": None,
    }


def ca_item(time, op, actor, old, new, seed, op_type="Update"):
    pol = new or old
    return entra_item(time, op, "Policy", actor, [
        tgt(pol["id"], pol["displayName"], "Policy", None,
            [("ConditionalAccessPolicy", js(old) if old else None, js(new) if new else None)])],
        seed, service="Conditional Access", op_type=op_type)


CA001 = gid("ca:001")
CA002 = gid("ca:002")
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"

# 1. Graph: MFA-for-admins disabled; the actor excludes itself from the legacy-auth block.
ca1_old = ca_policy(CA001, "CA001: Require MFA for administrators", "enabled", include_users=(),
                    include_roles=(GLOBAL_ADMIN,))
ca1_new = dict(ca1_old, state="disabled", modifiedDateTime="2026-05-11T02:14:40.1182240Z")
ca2_old = ca_policy(CA002, "CA002: Block legacy authentication", "enabled", controls=("block",),
                    client_apps=("exchangeActiveSync", "other"))
ca2_new = ca_policy(CA002, "CA002: Block legacy authentication", "enabled", controls=("block",),
                    client_apps=("exchangeActiveSync", "other"), exclude_users=(BREAKGLASS, rogue.id),
                    modified="2026-05-11T02:16:03.5510118Z")
items = [ca_item("2026-05-11T02:14:40", "Update conditional access policy", rogue, ca1_old, ca1_new, "a1a"),
         ca_item("2026-05-11T02:16:03", "Update conditional access policy", rogue, ca2_old, ca2_new, "a1b")]
for it in items:
    it["initiatedBy"]["user"]["ipAddress"] = "198.51.100.77"
case(RULE, "pos_graph_ca_disabled_and_self_exclusion", {"directoryAudits.json": graph_page(items)}, [
    {"severity": "high", "entities": {"users": [rogue.upn], "ips": ["198.51.100.77"]},
     "summary_contains": "CA001: Require MFA for administrators",
     "details": {"control": "conditional_access", "changes": ["state enabled -> disabled"],
                 "state_before": "enabled", "actor_excluded_itself": False}},
    {"severity": "high", "entities": {"users": [rogue.upn]},
     "details": {"object": "CA002: Block legacy authentication", "changes": ["1 excluded users added"],
                 "exclusions_added": [rogue.id], "actor_excluded_itself": True}}])

# 2. UAL: per-user MFA disabled for two accounts (the direct operation, and via Update user).
SAR = ("[\r\n  {\r\n    \"RelyingParty\": \"*\",\r\n    \"State\": 1,\r\n"
       "    \"RememberDevicesNotIssuedBefore\": \"2025-09-14T08:02:51.0770000Z\"\r\n  }\r\n]")
recs = [
    ual_aad("2026-05-12T21:05:44", "Disable Strong Authentication", rogue, [
        ("StrongAuthenticationRequirement", "[]", SAR),
        ("Included Updated Properties", "StrongAuthenticationRequirement", ""),
        ("TargetId.UserType", "Member", "")], ual_user_target(maya), "User", gid("rec:a2a"),
        ip="198.51.100.77", object_id=maya.upn, extra_details={"UserType": "Member"}),
    ual_aad("2026-05-12T21:07:10", "Update user", rogue, [
        ("StrongAuthenticationRequirement", "[]", SAR),
        ("Included Updated Properties", "StrongAuthenticationRequirement", ""),
        ("TargetId.UserType", "Member", "")], ual_user_target(omar), "User", gid("rec:a2b"),
        ip="198.51.100.77", object_id=omar.upn, extra_details={"UserType": "Member"}),
]
case(RULE, "pos_ual_per_user_mfa_disabled", {"audit.jsonl": recs}, [
    {"severity": "medium", "entities": {"users": [maya.upn, rogue.upn]},
     "details": {"control": "mfa_disabled", "changes": ["per-user MFA disabled"]}},
    {"severity": "medium", "entities": {"users": [omar.upn, rogue.upn]},
     "details": {"control": "mfa_disabled", "changes": ["StrongAuthenticationRequirement cleared"]}}])

# 3. Log Analytics: security defaults turned off; users allowed to consent to any app.
GRANT_OLD = ["ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team",
             "ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-chat"]
items = [
    entra_item("2026-05-13T01:40:09", "Update policy", "Policy", rogue, [
        tgt(gid("pol:secdefaults"), "Security Defaults Policy", "Policy", None,
            [("IsEnabled", js(True), js(False)), ("Included Updated Properties", None, js("IsEnabled"))])],
        "a3a"),
    entra_item("2026-05-13T01:42:55", "Update authorization policy", "Policy", rogue, [
        tgt("authorizationPolicy", "Authorization Policy", "Policy", None,
            [("PermissionGrantPolicyIdsAssignedToDefaultUserRole", js(GRANT_OLD),
              js(["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"] + GRANT_OLD)),
             ("Included Updated Properties", None, js("PermissionGrantPolicyIdsAssignedToDefaultUserRole"))])],
        "a3b"),
]
for it in items:
    it["initiatedBy"]["user"]["ipAddress"] = "198.51.100.77"
case(RULE, "pos_la_security_defaults_off_and_user_consent", {"AuditLogs.json": [la_row(i) for i in items]}, [
    {"severity": "high", "entities": {"users": [rogue.upn]},
     "details": {"control": "security_defaults", "changes": ["security defaults disabled"]}},
    {"severity": "high", "entities": {"users": [rogue.upn]},
     "details": {"control": "user_consent",
                 "policies_added": ["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"]}}])

# 4. Azure Monitor: an admin issues a Temporary Access Pass for someone else; a trusted named
#    location is added.
tap = entra_item("2026-05-14T03:03:43", "Admin registered security info", "UserManagement", rogue, [
    tgt(maya.id, None, "User", maya.upn, [
        ("TemporaryAccessPass.Id", js(""), js(gid("tap:a4"))),
        ("TemporaryAccessPass.StartDateTime", js(""), js("2026-05-14T03:03:42.4474495Z")),
        ("TemporaryAccessPass.EndDateTime", js(""), js("2026-05-14T04:03:42.4474495Z")),
        ("TemporaryAccessPass.AccessPassUsage", js(""), js("Multiple"))])],
    "a4a", service="Authentication Methods", op_type="Add",
    result_reason="Admin registered temporary access pass method for user", details=[])
loc = {"@odata.type": "#microsoft.graph.ipNamedLocation", "id": gid("loc:vpn"), "displayName": "Branch VPN",
       "modifiedDateTime": "2026-05-14T03:10:19.0000000Z", "createdDateTime": "2026-05-14T03:10:19.0000000Z",
       "isTrusted": True, "ipRanges": [
           {"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "198.51.100.0/24"},
           {"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "192.0.2.128/25"}]}
named = entra_item("2026-05-14T03:10:19", "Add named location", "Policy", rogue, [
    tgt(loc["id"], "Branch VPN", "Policy", None, [("NamedLocation", None, js(loc))])],
    "a4b", service="Conditional Access", op_type="Add")
for it in (tap, named):
    it["initiatedBy"]["user"]["ipAddress"] = "198.51.100.77"
case(RULE, "pos_azmon_tap_for_other_user_and_trusted_location", {
    "PT1H.json": [{"records": [azmon_record(tap)]}, {"records": [azmon_record(named)]}]}, [
    {"severity": "medium", "entities": {"users": [maya.upn, rogue.upn]},
     "summary_contains": "Temporary Access Pass",
     "details": {"control": "temporary_access_pass"}},
    {"severity": "medium", "entities": {"users": [rogue.upn]},
     "details": {"control": "trusted_location", "object": "Branch VPN",
                 "ranges_added": ["192.0.2.128/25", "198.51.100.0/24"]}}])

# 5. Benign: a new policy in report-only, a rename, exclusions on a disabled policy, deleting a
#    report-only policy.
ca3 = ca_policy(gid("ca:003"), "CA003: Require compliant device (pilot)", "enabledForReportingButNotEnforced",
                controls=("compliantDevice",))
ca1_renamed = dict(ca1_old, displayName="CA001: Require MFA for all administrators",
                   modifiedDateTime="2026-05-15T14:20:07.0000000Z")
ca4_old = ca_policy(gid("ca:004"), "CA004: Old travel block (retired)", "disabled", controls=("block",))
ca4_new = ca_policy(gid("ca:004"), "CA004: Old travel block (retired)", "disabled", controls=("block",),
                    exclude_users=(BREAKGLASS, maya.id, omar.id))
ca5 = ca_policy(gid("ca:005"), "CA005: Sign-in frequency test", "enabledForReportingButNotEnforced")
items = [
    ca_item("2026-05-15T14:10:31", "Add conditional access policy", admin, None, ca3, "a5a", op_type="Add"),
    ca_item("2026-05-15T14:20:07", "Update conditional access policy", admin, ca1_old, ca1_renamed, "a5b"),
    ca_item("2026-05-15T14:31:55", "Update conditional access policy", admin, ca4_old, ca4_new, "a5c"),
    ca_item("2026-05-15T14:40:12", "Delete conditional access policy", admin, ca5, None, "a5d", op_type="Delete"),
]
case(RULE, "neg_graph_report_only_rename_and_disabled_policies", {"directoryAudits.json": graph_page(items)}, [])

# 6. Benign: an admin registers a phone for a user; an untrusted country location; a user's own
#    security info registration.
phone = entra_item("2026-05-16T13:22:01", "Admin registered security info", "UserManagement", admin, [
    tgt(omar.id, None, "User", omar.upn)], "a6a", service="Authentication Methods", op_type="Add",
    result_reason="Admin registered phone method for user", details=[])
cloc = {"@odata.type": "#microsoft.graph.countryNamedLocation", "id": gid("loc:blocked"),
        "displayName": "Blocked countries", "modifiedDateTime": "2026-05-16T13:30:40.0000000Z",
        "createdDateTime": "2026-05-16T13:30:40.0000000Z", "countriesAndRegions": ["KP", "IR"],
        "includeUnknownCountriesAndRegions": False, "countryLookupMethod": "clientIpAddress"}
country = entra_item("2026-05-16T13:30:40", "Add named location", "Policy", admin, [
    tgt(cloc["id"], "Blocked countries", "Policy", None, [("NamedLocation", None, js(cloc))])],
    "a6b", service="Conditional Access", op_type="Add")
own = entra_item("2026-05-16T13:40:12", "User registered security info", "UserManagement", maya, [
    tgt(maya.id, None, "User", maya.upn)], "a6c", service="Authentication Methods", op_type="Add",
    result_reason="User registered Authenticator App with Notification and Code", details=[])
case(RULE, "neg_azmon_phone_method_and_country_location", {
    "PT1H.json": [{"records": [azmon_record(phone), azmon_record(country)]}, {"records": [azmon_record(own)]}]}, [])

# 7. Parameter: one excluded group on an enforced policy is medium by default and silent with
#    min_exclusions_added: 2.
ca6_old = ca_policy(gid("ca:006"), "CA006: Require MFA off-network", "enabled", exclude_locations=("AllTrusted",))
ca6_new = ca_policy(gid("ca:006"), "CA006: Require MFA off-network", "enabled", exclude_locations=("AllTrusted",),
                    exclude_groups=(gid("grp:contractors"),))
items = [ca_item("2026-05-17T10:05:33", "Update conditional access policy", admin, ca6_old, ca6_new, "a7")]
case(RULE, "pos_graph_group_excluded_from_policy", {"directoryAudits.json": graph_page(items)}, [
    {"severity": "medium", "entities": {"users": [admin.upn]},
     "details": {"changes": ["1 excluded groups added"], "exclusions_added": [gid("grp:contractors")]}}])
case(RULE, "neg_graph_group_excluded_min_param", {
    "directoryAudits.json": graph_page(items),
    "config.yaml": "rules:\n  auth-policy-weakened:\n    min_exclusions_added: 2\n"}, [],
    args=["--config", "@CASE@/config.yaml"])
