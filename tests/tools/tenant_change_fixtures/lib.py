"""Fixtures for the tenant-change detections (high-privilege-consent, new-user-privileged-action,
privileged-role-assigned, federation-modified, auth-policy-weakened).

Builders for audit records in the shapes of examples/contoso-demo and the real samples in
shared/realdata (UAL Management Activity API JSON, Graph directoryAudits pages, Log Analytics
AuditLogs JSON rows, Azure Monitor diagnostic records, Graph beta sign-ins), for a fictional
tenant "fabrikamlab". Ids are deterministic (md5 of a seed), so re-running writes the same files.

Run: python3 tests/tools/tenant_change_fixtures/gen_all.py (from anywhere)."""
import copy
import hashlib
import json
import os
import uuid

TENANT = "3f7c2a91-5d4e-4b8a-9e61-7a2c0d5b8f43"
WORKSPACE = "c81e5b2d-74a0-4f39-8d16-2b9e0a7c4f51"
DOMAIN = "fabrikamlab.onmicrosoft.com"
EDGE = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0")
GRAPH_SPNS = ("00000003-0000-0000-c000-000000000000/ags.windows.net;00000003-0000-0000-c000-000000000000;"
              "https://canary.graph.microsoft.com;https://graph.microsoft.com;https://ags.windows.net;"
              "https://graph.microsoft.us;https://graph.microsoft.com/;https://dod-graph.microsoft.us;"
              "https://canary.graph.microsoft.com/;https://graph.microsoft.us/;https://dod-graph.microsoft.us/")


def gid(seed):
    """Deterministic GUID from a seed string."""
    return str(uuid.UUID(hashlib.md5(seed.encode()).hexdigest()))


def puid(seed):
    return "1003" + hashlib.md5(seed.encode()).hexdigest()[:12].upper()


class User:
    def __init__(self, name, ip="203.0.113.20", display=None):
        self.upn = name if "@" in name else f"{name}@{DOMAIN}"
        self.id = gid("user:" + self.upn)
        self.puid = puid(self.upn)
        self.ip = ip
        self.display = display


class App:
    """An acting service principal."""

    def __init__(self, name, app_id=None, sp_id=None):
        self.name = name
        self.app_id = app_id or gid("app:" + name)
        self.sp_id = sp_id or gid("sp:" + name)


def frac7(t):
    """2026-03-05T14:20:05 + seed -> 7-digit fraction."""
    return t + "." + str(int(hashlib.md5(t.encode()).hexdigest(), 16) % 10**7).zfill(7)


def ms3(t):
    return t + "." + str(int(hashlib.md5(t.encode()).hexdigest(), 16) % 1000).zfill(3)


# ---------------------------------------------------------------- UAL (Management Activity API)

def ual_jsonish(v):
    """UAL pretty-prints JSON values with CRLF and two-space indents."""
    if isinstance(v, str):
        return v
    return json.dumps(v, indent=2).replace("\n", "\r\n")


def ual_aad(time, op, actor, props, target, ext_cat, rid, ip=None, result="Success",
            object_id=None, extra_details=None, actor_sp=None):
    """props: list of (name, new, old) already in UAL string form."""
    rec = {
        "CreationTime": time,
        "Id": rid,
        "Operation": op if op.endswith(".") or op.startswith("Update application") else op + ".",
        "OrganizationId": TENANT,
        "RecordType": 8,
        "ResultStatus": result,
    }
    if actor_sp is not None:
        rec.update({"UserKey": "Not Available", "UserType": 4, "Version": 1,
                    "Workload": "AzureActiveDirectory"})
    else:
        rec.update({"UserKey": actor.puid + "@" + DOMAIN, "UserType": 0, "Version": 1,
                    "Workload": "AzureActiveDirectory"})
    if ip:
        rec["ClientIP"] = ip
    rec["ObjectId"] = object_id or ""
    rec["UserId"] = actor.upn if actor_sp is None else "ServicePrincipal_" + actor_sp.sp_id
    rec["AzureActiveDirectoryEventType"] = 1
    details = extra_details if extra_details is not None else {}
    rec["ExtendedProperties"] = [
        {"Name": "additionalDetails", "Value": json.dumps(details, separators=(",", ":"))},
        {"Name": "extendedAuditEventCategory", "Value": ext_cat},
    ]
    rec["ModifiedProperties"] = [{"Name": n, "NewValue": nv, "OldValue": ov} for (n, nv, ov) in props]
    if actor_sp is None:
        rec["Actor"] = [{"ID": actor.upn, "Type": 5}, {"ID": actor.puid, "Type": 3},
                        {"ID": "User_" + actor.id, "Type": 2}, {"ID": actor.id, "Type": 2},
                        {"ID": "User", "Type": 2}]
    else:
        rec["Actor"] = [{"ID": actor_sp.name, "Type": 1}, {"ID": actor_sp.app_id, "Type": 2},
                        {"ID": "ServicePrincipal_" + actor_sp.sp_id, "Type": 2},
                        {"ID": actor_sp.sp_id, "Type": 2}, {"ID": actor_sp.app_id, "Type": 4},
                        {"ID": "ServicePrincipal", "Type": 2}]
    rec["ActorContextId"] = TENANT
    if ip:
        rec["ActorIpAddress"] = ip
    rec["InterSystemsId"] = gid("isid:" + rid)
    rec["IntraSystemId"] = gid("intra:" + rid)
    rec["SupportTicketId"] = ""
    rec["Target"] = target
    rec["TargetContextId"] = TENANT
    return rec


def ual_user_target(u):
    return [{"ID": "User_" + u.id, "Type": 2}, {"ID": u.id, "Type": 2}, {"ID": "User", "Type": 2},
            {"ID": u.upn, "Type": 5}, {"ID": u.puid, "Type": 3}]


def ual_sp_target(name, sp_id, app_id):
    return [{"ID": "ServicePrincipal_" + sp_id, "Type": 2}, {"ID": sp_id, "Type": 2},
            {"ID": "ServicePrincipal", "Type": 2}, {"ID": name, "Type": 1},
            {"ID": app_id, "Type": 2}, {"ID": app_id, "Type": 4}]


def ual_exchange(time, op, actor, params, rid, ip=None, object_id="", system=False):
    rec = {
        "CreationTime": time,
        "Id": rid,
        "Operation": op,
        "OrganizationId": TENANT,
        "RecordType": 1,
        "ResultStatus": "True",
        "UserKey": "NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)" if system else actor.puid,
        "UserType": 3 if system else 2,
        "Version": 1,
        "Workload": "Exchange",
    }
    if ip and not system:
        rec["ClientIP"] = ip
    rec["ObjectId"] = object_id
    rec["UserId"] = "NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)" if system else actor.upn
    if not system:
        rec["AppId"] = "fb78d390-0c51-40cd-8e17-fdbfab77341b"
        rec["ClientAppId"] = ""
    rec["ExternalAccess"] = bool(system)
    rec["OrganizationName"] = DOMAIN
    rec["OriginatingServer"] = "DM6PR11MB4107 (15.20.8466.020)"
    rec["Parameters"] = [{"Name": n, "Value": v} for (n, v) in params]
    if not system:
        rec["SessionId"] = gid("session:" + rid)
    return rec


# ---------------------------------------------------------------- Entra directory audits

def entra_item(time, op, category, actor, targets, rid_seed, service="Core Directory",
               op_type="Update", result="success", result_reason="", details=None, actor_sp=None,
               ip=None):
    corr = gid("corr:" + rid_seed)
    if service == "Core Directory":
        rid = f"Directory_{corr}_{hashlib.md5(rid_seed.encode()).hexdigest()[:5].upper()}_" \
              f"{int(hashlib.md5(rid_seed.encode()).hexdigest()[5:13], 16) % 10**9}"
    elif service == "PIM":
        rid = f"PIM_{corr}_{gid('pim:' + rid_seed)}_{int(hashlib.md5(rid_seed.encode()).hexdigest()[:15], 16) % 10**18}"
    else:
        rid = f"SSGM_{corr}_{int(hashlib.md5(rid_seed.encode()).hexdigest()[:15], 16) % 10**18}"
    if actor_sp is not None:
        by = {"app": {"appId": actor_sp.app_id, "displayName": actor_sp.name,
                      "servicePrincipalId": actor_sp.sp_id, "servicePrincipalName": None},
              "user": None}
    else:
        by = {"app": None, "user": {"id": actor.id, "displayName": actor.display,
                                    "userPrincipalName": actor.upn,
                                    "ipAddress": ip if ip is not None else actor.ip,
                                    "userType": None, "homeTenantId": None, "homeTenantName": None}}
    return {
        "id": rid,
        "category": category,
        "correlationId": corr,
        "result": result,
        "resultReason": result_reason,
        "activityDisplayName": op,
        "activityDateTime": time,  # filled per format
        "loggedByService": service,
        "operationType": op_type,
        "initiatedBy": by,
        "targetResources": targets,
        "additionalDetails": details if details is not None else [{"key": "User-Agent", "value": EDGE}],
    }


def tgt(id_, name, type_, upn=None, props=()):
    return {"id": id_, "displayName": name, "type": type_, "userPrincipalName": upn,
            "groupType": None,
            "modifiedProperties": [{"displayName": n, "oldValue": o, "newValue": nv}
                                   for (n, o, nv) in props]}


def js(v):
    """Entra modifiedProperties values are JSON text."""
    return json.dumps(v, separators=(",", ":"))


def graph_page(items):
    out = []
    for it in items:
        it = copy.deepcopy(it)
        it["activityDateTime"] = frac7(it["activityDateTime"]) + "Z"
        out.append(it)
    out.sort(key=lambda i: i["activityDateTime"], reverse=True)
    return {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits",
            "value": out}


def la_row(it):
    t = ms3(it["activityDateTime"]) + "Z"
    by = it["initiatedBy"]
    by = {k: v for k, v in by.items() if v is not None}
    if "user" in by:
        u = dict(by["user"])
        for k in ("userType", "homeTenantId", "homeTenantName"):
            u.pop(k, None)
        u["roles"] = []
        by = {"user": u}
    else:
        a = dict(by["app"])
        by = {"app": a}
    targets = []
    for tr in it["targetResources"]:
        tr = dict(tr)
        tr.pop("groupType", None)
        if tr.get("userPrincipalName") is None:
            tr.pop("userPrincipalName", None)
        tr["administrativeUnits"] = []
        targets.append(tr)
    return {
        "TenantId": WORKSPACE, "SourceSystem": "Azure AD", "TimeGenerated": t,
        "ResourceId": f"/tenants/{TENANT}/providers/Microsoft.aadiam",
        "OperationName": it["activityDisplayName"], "OperationVersion": "1.0",
        "Category": it["category"], "ResultSignature": "None", "CorrelationId": it["correlationId"],
        "Resource": "Microsoft.aadiam", "ResourceGroup": "Microsoft.aadiam", "Level": "4",
        "AdditionalDetails": json.dumps(it["additionalDetails"], separators=(",", ":")),
        "Id": it["id"], "InitiatedBy": json.dumps(by, separators=(",", ":")),
        "LoggedByService": it["loggedByService"], "Result": it["result"],
        "ResultReason": it["resultReason"],
        "TargetResources": json.dumps(targets, separators=(",", ":")),
        "AADTenantId": TENANT, "ActivityDisplayName": it["activityDisplayName"],
        "ActivityDateTime": t, "AADOperationType": it["operationType"], "Type": "AuditLogs",
    }


def azmon_record(it):
    t = frac7(it["activityDateTime"])
    by = it["initiatedBy"]
    user = by.get("user")
    props = {
        "tenantId": TENANT, "resultType": "", "resultDescription": "",
        "operationName": it["activityDisplayName"],
        "identity": user["userPrincipalName"] if user else by["app"]["displayName"],
        "tenantGeo": "EU", "id": it["id"], "category": it["category"],
        "correlationId": it["correlationId"], "result": it["result"],
        "resultReason": it["resultReason"], "activityDisplayName": it["activityDisplayName"],
        "activityDateTime": t + "+00:00", "loggedByService": it["loggedByService"],
        "operationType": it["operationType"], "userAgent": None,
    }
    if user:
        u = {k: user[k] for k in ("id", "displayName", "userPrincipalName", "ipAddress")}
        u["roles"] = []
        props["initiatedBy"] = {"user": u}
    else:
        props["initiatedBy"] = {"app": by["app"]}
    targets = []
    for tr in it["targetResources"]:
        tr = dict(tr)
        tr.pop("groupType", None)
        tr["administrativeUnits"] = []
        targets.append(tr)
    props["targetResources"] = targets
    props["additionalDetails"] = it["additionalDetails"]
    return {
        "time": t + "Z", "resourceId": f"/tenants/{TENANT}/providers/Microsoft.aadiam",
        "operationName": it["activityDisplayName"], "operationVersion": "1.0",
        "category": "AuditLogs", "tenantId": TENANT, "resultSignature": "None", "durationMs": 0,
        "callerIpAddress": (user or {}).get("ipAddress") or "<null>",
        "correlationId": it["correlationId"], "identity": props["identity"], "Level": 4,
        "properties": props,
    }


# ---------------------------------------------------------------- sign-ins (Graph beta)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
# A successful browser sign-in of the demo tenant, re-targeted per fixture.
_SIGNIN = next(s for s in json.load(open(os.path.join(SRC, "examples/contoso-demo/entra/signins-page1.json")))["value"]
               if s["status"]["errorCode"] == 0 and s["clientAppUsed"] == "Browser")


def signin(time, user, ip, seed):
    s = copy.deepcopy(_SIGNIN)
    s["id"] = gid("signin:" + seed)
    s["createdDateTime"] = time + "Z"
    s["userDisplayName"] = user.display or user.upn.split("@")[0].replace(".", " ").title()
    s["userPrincipalName"] = user.upn
    s["userId"] = user.id
    s["ipAddress"] = ip
    s["correlationId"] = gid("signin-corr:" + seed)
    s["originalRequestId"] = s["id"]
    s["resourceTenantId"] = TENANT
    s["homeTenantId"] = TENANT
    s["homeTenantName"] = "fabrikamlab"
    s["signInIdentifier"] = user.upn
    s["uniqueTokenIdentifier"] = hashlib.md5(seed.encode()).hexdigest()[:22]
    s["sessionId"] = gid("sess:" + seed)
    s["autonomousSystemNumber"] = 64500
    for k in ("appliedConditionalAccessPolicies",):
        s[k] = []
    return s


def signin_page(items):
    items = sorted(items, key=lambda i: i["createdDateTime"], reverse=True)
    return {"@odata.context": "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns",
            "value": items}


# ---------------------------------------------------------------- writing

ROOT = os.path.join(SRC, "tests", "detections")


def case(rule, name, files, expect, args=None, evidence=None):
    d = os.path.join(ROOT, rule, name)
    os.makedirs(d, exist_ok=True)
    for fn, content in files.items():
        p = os.path.join(d, fn)
        if fn.endswith(".jsonl"):
            with open(p, "w") as f:
                for r in content:
                    f.write(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n")
        elif fn.endswith(".json") and isinstance(content, dict):
            with open(p, "w") as f:
                json.dump(content, f, separators=(",", ":"), ensure_ascii=False)
                f.write("\n")
        elif fn.endswith(".json") and isinstance(content, list):
            # JSON Lines with a .json name (Log Analytics rows, Azure Monitor PT1H.json)
            with open(p, "w") as f:
                for r in content:
                    f.write(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n")
        else:
            with open(p, "w") as f:
                f.write(content)
    with open(os.path.join(d, "expect.json"), "w") as f:
        json.dump({"rule": rule, "findings": expect}, f, indent=2)
        f.write("\n")
    if args:
        with open(os.path.join(d, "args"), "w") as f:
            f.write("\n".join(args) + "\n")
    if evidence:
        with open(os.path.join(d, "evidence"), "w") as f:
            f.write("\n".join(evidence) + "\n")
