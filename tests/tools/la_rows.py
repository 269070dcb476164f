"""Log Analytics rows for the detection fixtures' generators, with the tables' own columns in
their order: MicrosoftGraphActivityLogs requests and SigninLogs sign-ins. The caller gives what
varies per row: the time with its fraction, the ids, the sizes. Also the Contoso demo tenant the
Graph fixtures share (its people: name, object id, home address) and a case writer."""
import json
import os

OUTLOOK_AGENT = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)"
EDGE_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.66")


def graph_activity_row(tenant, workspace, time, rid, ip, uri, app, token, sp=None, user=None,
                       status=200, method="GET", agent=OUTLOOK_AGENT, location="East US",
                       duration=200, size=20480):
    return {"TenantId": workspace, "TimeGenerated": time, "Location": location, "RequestId": rid,
            "OperationId": rid, "ClientRequestId": rid, "ApiVersion": "v1.0",
            "RequestMethod": method, "ResponseStatusCode": status, "AadTenantId": tenant,
            "IPAddress": ip, "UserAgent": agent, "RequestUri": uri, "DurationMs": duration,
            "ResponseSizeBytes": size, "SignInActivityId": token,
            "Roles": "Mail.Read" if sp else "", "TokenIssuedAt": time[:14] + "00:00.0000000Z",
            "AppId": app, "UserId": user or "", "ServicePrincipalId": sp or "",
            "Scopes": "" if sp else "Mail.ReadWrite User.Read", "IdentityProvider": "",
            "ClientAuthMethod": 2 if sp else 0, "Wids": "", "SourceSystem": "Azure",
            "Type": "MicrosoftGraphActivityLogs"}


def signin_row(tenant, workspace, time, rid, upn, oid, name, ip, token, city, country,
               app="4765445b-32c6-49b0-83e6-1d93765276ca", app_name="OfficeHome",
               resource="Office 365 Exchange Online", agent=EDGE_AGENT):
    """A successful interactive SigninLogs row of a user (oid: the object id), single-factor
    satisfied by a previous multi-factor claim, as an everyday browser sign-in is."""
    return {"TenantId": workspace, "SourceSystem": "Azure", "TimeGenerated": time,
            "ResourceId": f"/tenants/{tenant}/providers/Microsoft.aadiam",
            "OperationName": "Sign-in activity", "OperationVersion": "1.0",
            "Category": "SignInLogs", "ResultType": "0", "ResultSignature": "None",
            "ResultDescription": "", "DurationMs": "0", "CorrelationId": rid, "Level": "4",
            "Location": country, "AppDisplayName": app_name, "AppId": app,
            "AuthenticationRequirement": "singleFactorAuthentication",
            "ClientAppUsed": "Browser", "ConditionalAccessStatus": "notApplied",
            "Identity": name, "IPAddress": ip, "IsInteractive": True,
            "LocationDetails": {"city": city, "state": "", "countryOrRegion": country},
            "ResourceDisplayName": resource,
            "Status": {"errorCode": 0, "additionalDetails": "MFA requirement satisfied by claim "
                                                           "in the token"},
            "UserAgent": agent, "UserDisplayName": name, "UserId": oid,
            "UserPrincipalName": upn, "AADTenantId": tenant, "UserType": "Member",
            "Id": rid, "UniqueTokenIdentifier": token, "TokenIssuerType": "AzureAD",
            "IncomingTokenType": "none", "Type": "SigninLogs"}


TENANT = "6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14"
WORKSPACE = "0f2d8c61-3b7a-4e95-a1c4-9d6e2b8f7a30"
DOMAIN = "contosodemo.onmicrosoft.com"
PEOPLE = [("dana.whitfield", "1c4f7a92-6e3b-4d08-a5c1-93b7e2f0d461", "73.162.41.19"),
          ("ken.yamada", "2d5a8b03-7f4c-4e19-b6d2-a4c8f3e1e572", "98.207.153.40"),
          ("lucia.fernandez", "3e6b9c14-8a5d-4f2a-87e3-b5d9a4f2f683", "24.16.201.77"),
          ("marcus.oyelaran", "4f7cad25-9b6e-4a3b-98f4-c6eab5a3a794", "71.178.62.15"),
          ("priya.raman", "5a8dbe36-ac7f-4b4c-a905-d7fbc6b4b8a5", "66.31.127.20"),
          ("tom.becker", "6b9ecf47-bd8a-4c5d-ba16-e8acd7c5c9b6", "203.0.113.10")]
OFFICE_APP = "d3590ed6-52b3-4102-aeff-aad2292ab01c"  # Microsoft Office
BACKUP = "5d2a8f6e-1b3c-4e7d-9f04-a6c8e2b1d359"      # the tenant's backup application
BACKUP_SP = "c41e7a93-2f68-4d0b-95a7-e8b3d1f6c209"


def jsonl(rows):
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows)


def write_case(out, rule, name, graph, expect, audit=None):
    """A fixture folder: audit.jsonl (text) when given, the Graph rows in time order and
    expect.json; its path."""
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    if audit:
        with open(os.path.join(d, "audit.jsonl"), "w", encoding="utf-8") as f:
            f.write(audit)
    with open(os.path.join(d, "MicrosoftGraphActivityLogs.json"), "w", encoding="utf-8") as f:
        f.write(jsonl(sorted(graph, key=lambda r: r["TimeGenerated"])))
    with open(os.path.join(d, "expect.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps({"rule": rule, "findings": expect}) + "\n")
    return d


def owners_and_backup(request, day, d, graph, backup=True):
    """Day d's everyday Graph traffic, through the generator's request(t, ip, uri, app, …): each
    person's Outlook asks for the inbox at 8, 13 and 17 h from home; the backup product reads each
    mailbox at night, app-only, from its vendor's address."""
    rows = []
    for i, (name, oid, home) in enumerate(PEOPLE):
        for k, hour in enumerate((8, 13, 17)):
            rows.append(request(f"{day}T{hour:02d}:{(7 * i + 11 * k + d) % 60:02d}:"
                                f"{(13 * i + k) % 60:02d}", home,
                                f"{graph}/me/mailFolders/inbox/messages?$top=25", OFFICE_APP,
                                user=oid))
        if backup:
            rows.append(request(f"{day}T02:{3 + i:02d}:{(17 * i + d) % 60:02d}", "192.0.2.25",
                                f"{graph}/users/{oid}/messages/delta", BACKUP, sp=BACKUP_SP,
                                agent="BackupVault/4.2"))
    return rows


def numbered_requests(rid, token, frac, duration, size, location="East US", sp_agent=None):
    """A generator's request(t, ip, uri, app, sp=, user=, status=, method=, agent=): the n-th
    request's id (rid % n), token id (token % n), time fraction, duration and size come from n, by
    each generator's own formulas, so that every fixture keeps its rows."""
    n = 0

    def request(t, ip, uri, app, sp=None, user=None, status=200, method="GET", agent=None):
        nonlocal n
        n += 1
        return graph_activity_row(TENANT, WORKSPACE, t + ".%07dZ" % (n * frac % 10000000),
                                  rid % n, ip, uri, app, token % n, sp=sp, user=user,
                                  status=status, method=method,
                                  agent=agent or (sp_agent if sp and sp_agent else OUTLOOK_AGENT),
                                  location=location, duration=duration(n), size=size(n))
    return request
