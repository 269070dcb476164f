#!/usr/bin/env python3
"""Builds tests/detections/token-without-signin/*/ from record templates of examples/contoso-demo:
    python3 tests/detections/token-without-signin/make_fixtures.py [SOURCE_DIR]
Every record is a copy of a real-shaped record of the demo tenant (same fields, same layout)
with ids, times, users, addresses and apps changed."""
import base64
import copy
import csv
import io
import json
import os
import random
import shutil
import sys
import uuid
from datetime import datetime, timedelta

SRC = sys.argv[1] if len(sys.argv) > 1 else "/work/main"
DEMO = os.path.join(SRC, "examples/contoso-demo")
OUT = os.path.join(SRC, "tests/detections/token-without-signin")
R = random.Random(558)
TENANT = "6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14"
WORKSPACE = "9e2d7c41-3a5b-4f08-b6e1-d04c8a2f7b93"


def guid():
    return str(uuid.UUID(int=R.getrandbits(128), version=4))


def tokid():
    return base64.urlsafe_b64encode(R.getrandbits(128).to_bytes(16, "big")).decode().rstrip("=")


USERS = {
    "dana": ("dana.whitfield", "Dana Whitfield", "cb0aabac-34f9-4056-886d-a98e490c9b67",
             "10030AC8DB5B4818", "e355ea34-3bf9-40bc-a572-9e97614e0a00",
             "S-1-5-21-2961442807-1823374522-3371018419-64387690"),
    "marcus": ("marcus.oyelaran", "Marcus Oyelaran", "99e8ce88-b8af-4db7-ac85-12f9d594c04b",
               "1003FCFF9B958F96", "a8b084fe-a7b1-4daf-b644-b31be93e609a",
               "S-1-5-21-2961442807-1823374522-3371018419-76656494"),
    "lucia": ("lucia.fernandez", "Lucía Fernández", "74a251c9-2f42-4e41-9a19-40cd4e6a86fc",
              "1003F406C5489968", "48814dda-74d6-44e5-9506-b36817ff4fd6",
              "S-1-5-21-2961442807-1823374522-3371018419-30202410"),
    "ken": ("ken.yamada", "Ken Yamada", "a6b96773-d12c-4cc1-a490-b0c9a3312f19",
            "1003C0B8B04BB0CC", "ac9fe0c9-cad7-449c-8b2e-0c43502b1a3d",
            "S-1-5-21-2961442807-1823374522-3371018419-39856411"),
    "tom": ("tom.becker", "Tom Becker", "042f1068-9091-4b6f-8368-431845d5841c",
            "1003A09DBAB77FA4", "e5861a86-8535-41b3-8c19-334c901f5882",
            "S-1-5-21-2961442807-1823374522-3371018419-54117257"),
    "priya": ("priya.raman", "Priya Raman", "9606ce50-8019-49ea-aef4-542a80058fe1",
              "1003AE0A4AFE9857", "c58d41bb-be9a-4c56-b8f8-5478d174b1f3",
              "S-1-5-21-2961442807-1823374522-3371018419-52216610"),
    "secops": ("secops", "Security Operations", "3c1f7a52-9e0d-4b6a-8f21-6d4e0b9c7a13",
               "1003B4E03827CE03", "b3f15450-6313-4861-a5f1-4f61100253d3",
               "S-1-5-21-2961442807-1823374522-3371018419-87135437"),
}


def upn(u):
    return USERS[u][0] + "@contosodemo.onmicrosoft.com"


# Places: address -> (city, state, lat, lon, asn)
PLACES = {
    "203.0.113.10": ("Boston", "Massachusetts", 42.35843, -71.05978, 7922),
    "203.0.113.11": ("Boston", "Massachusetts", 42.35843, -71.05978, 7922),
    "198.51.100.21": ("Wellesley", "Massachusetts", 42.29649, -71.29256, 7922),
    "198.51.100.34": ("Newton", "Massachusetts", 42.33704, -71.20922, 7922),
    "198.51.100.63": ("Brookline", "Massachusetts", 42.33176, -71.12116, 7922),
    "198.51.100.71": ("Somerville", "Massachusetts", 42.38760, -71.09950, 7922),
    "198.51.100.52": ("Quincy", "Massachusetts", 42.25288, -71.00227, 7922),
    "172.58.141.27": ("Boston", "Massachusetts", 42.35843, -71.05978, 21928),
    "66.176.204.19": ("Miami", "Florida", 25.77427, -80.19366, 7922),
    "192.0.2.25": ("Ashburn", "Virginia", 39.0438, -77.4874, 64512),
}

APPS = {
    "owa": ("9199bf20-a13f-4107-85dc-02114787ef48", "One Outlook Web",
            "00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online",
            "334274d5-24bc-4c05-b548-58250049204c", "Browser",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0", "Windows10", "Edge 133.0.0"),
    "office": ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office",
               "00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online",
               "334274d5-24bc-4c05-b548-58250049204c", "Mobile Apps and Desktop clients",
               "Mozilla/5.0 (Windows NT 10.0; Win64; x64; WebView/3.0) Microsoft Office/16.0 "
               "(Windows NT 10.0; Microsoft Outlook 16.0.18526; Pro)", "Windows10", ""),
    "officehome": ("4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome",
                   "00000003-0000-0000-c000-000000000000", "Microsoft Graph",
                   "5f8df5bc-36fb-4d65-85a2-6981af775a66", "Browser",
                   "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                   "Gecko) Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0", "Windows10",
                   "Edge 133.0.0"),
    "teams": ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams",
              "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", "Microsoft Teams Services",
              "2e7832e4-f287-43ac-918d-cb679b33bd1a", "Mobile Apps and Desktop clients",
              "Mozilla/5.0 (Windows NT 10.0; Win64; x64; WebView/3.0) Microsoft Office/16.0 "
              "(Windows NT 10.0; Microsoft Outlook 16.0.18526; Pro)", "Windows10", ""),
    "mobile": ("27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile",
               "00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online",
               "334274d5-24bc-4c05-b548-58250049204c", "Mobile Apps and Desktop clients",
               "Outlook-iOS/2.0", "Ios", ""),
    "officegraph": ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office",
                    "00000003-0000-0000-c000-000000000000", "Microsoft Graph",
                    "5f8df5bc-36fb-4d65-85a2-6981af775a66", "Mobile Apps and Desktop clients",
                    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 "
                    "(KHTML, like Gecko) Mobile/15E148 Microsoft Office/16.0", "Ios", ""),
}


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


PAGE1 = load_json(os.path.join(DEMO, "entra/signins-page1.json"))
GRAPH_T = next(v for v in PAGE1["value"] if v["id"] == "514bddcf-706d-4047-8e69-9f1d0d03dc1a")
AZMON = [json.loads(l) for l in open(os.path.join(DEMO, "azmon/PT1H.json"), encoding="utf-8")]
AZ_NI_T = next(r for l in AZMON for r in l["records"] if r["category"] == "NonInteractiveUserSignInLogs")
AZ_SP_T = next(r for l in AZMON for r in l["records"] if r["category"] == "ServicePrincipalSignInLogs")
AZ_SI_T = next(r for l in AZMON for r in l["records"]
               if r["category"] == "SignInLogs" and r["resultType"] == "0")
UAL = {}
for name in ("audit-2026-03-04.jsonl", "audit-2026-03-06.jsonl"):
    for line in open(os.path.join(DEMO, "ual", name), encoding="utf-8"):
        rec = json.loads(line)
        UAL[rec["Id"]] = rec
UAL_GRAPH_T = UAL["58ce2c73-cc09-4b0b-a9da-aed08d5ac100"]  # REST read with AppAccessContext
UAL_OWA_T = UAL["1dfd5dcd-a6dd-414b-a5a8-524487cb70a4"]
UAL_IOS_T = UAL["43131935-8dce-4583-bccd-53abdd1d7b4f"]
UAL_RPC_T = UAL["0e502c81-1509-4f75-b02f-b89ef756e079"]
UAL_ARC_T = next(r for r in UAL.values() if r.get("ClientAppId") == "5d2a8f6e-1b3c-4e7d-9f04-a6c8e2b1d359")
with open(os.path.join(DEMO, "purview/AuditLog_2026-03.csv"), newline="", encoding="utf-8-sig") as f:
    UAL_SIGNIN_T = next(json.loads(r["AuditData"]) for r in csv.DictReader(f)
                        if r["RecordId"] == "13a92736-c10f-43af-9933-2e27e734c909")
with open(os.path.join(DEMO, "sentinel/SigninLogs.csv"), newline="", encoding="utf-8-sig") as f:
    _rows = list(csv.reader(f))
CSV_HEADER = _rows[0]
CSV_T = dict(zip(CSV_HEADER, next(r for r in _rows[1:] if r[CSV_HEADER.index("Id")] == "0f7eb694-dafb-43d4-a1cc-a116e1a3eb36")))


def iso(t):
    return t + "Z"  # t: "2026-03-05T13:41:22"


def frac7(t):
    return t + "." + "%07d" % R.randrange(10 ** 7)


def later(t, lo=40, hi=150):
    """Diagnostic records reach the log 40 to 150 s after the sign-in."""
    d = datetime.strptime(t, "%Y-%m-%dT%H:%M:%S") + timedelta(seconds=R.randrange(lo, hi))
    return frac7(d.strftime("%Y-%m-%dT%H:%M:%S")) + "Z"


# --- Entra sign-ins -------------------------------------------------------------------------

class SignIn:
    def __init__(self, t, user, app, ip, interactive=True, session=None, token=None, mfa=False,
                 caller=None):
        self.t, self.user, self.app, self.ip, self.interactive = t, user, app, ip, interactive
        self.session = session if session is not None else guid()
        self.token = token or tokid()
        self.mfa, self.id, self.corr = mfa, guid(), guid()


def graph_item(s):
    v = copy.deepcopy(GRAPH_T)
    appid, appname, resid, resname, ressp, cau, ua, os_, browser = APPS[s.app]
    city, state, lat, lon, asn = PLACES[s.ip]
    name, disp, oid = USERS[s.user][0], USERS[s.user][1], USERS[s.user][2]
    v.update({
        "id": s.id, "createdDateTime": iso(s.t), "userDisplayName": disp,
        "userPrincipalName": upn(s.user), "userId": oid, "appId": appid,
        "appDisplayName": appname, "ipAddress": s.ip, "clientAppUsed": cau, "userAgent": ua,
        "correlationId": s.corr, "originalRequestId": s.id, "isInteractive": s.interactive,
        "processingTimeInMilliseconds": R.randrange(40, 400), "resourceDisplayName": resname,
        "resourceId": resid, "signInIdentifier": upn(s.user) if s.interactive else "",
        "signInEventTypes": ["interactiveUser" if s.interactive else "nonInteractiveUser"],
        "autonomousSystemNumber": asn, "uniqueTokenIdentifier": s.token,
        "incomingTokenType": "none" if s.interactive else "refreshToken",
        "resourceServicePrincipalId": ressp, "sessionId": s.session,
        "authenticationRequirement": "multiFactorAuthentication" if s.mfa else "singleFactorAuthentication",
    })
    v["status"] = {"errorCode": 0, "failureReason": "Other.", "additionalDetails": None}
    v["deviceDetail"] = dict(v["deviceDetail"], operatingSystem=os_, browser=browser)
    v["location"] = {"city": city, "state": state, "countryOrRegion": "US",
                     "geoCoordinates": {"altitude": None, "latitude": lat, "longitude": lon}}
    if not s.ip.startswith("203.0.113."):
        v["networkLocationDetails"] = []
    if s.interactive:
        v["authenticationDetails"] = [{
            "authenticationStepDateTime": iso(s.t), "authenticationMethod": "Password",
            "authenticationMethodDetail": "Password in the cloud", "succeeded": True,
            "authenticationStepResultDetail": "Correct password",
            "authenticationStepRequirement": "Primary authentication"}]
    else:
        v["authenticationDetails"] = [{
            "authenticationStepDateTime": iso(s.t), "authenticationMethod": "Previously satisfied",
            "authenticationMethodDetail": None, "succeeded": True,
            "authenticationStepResultDetail": "First factor requirement satisfied by claim in the token",
            "authenticationStepRequirement": "Primary authentication"}]
    return v


def ual_signin(s):
    """An interactive sign-in as the Unified Audit Log writes it (UserLoggedIn, RecordType 15):
    its session in DeviceProperties."""
    r = copy.deepcopy(UAL_SIGNIN_T)
    appid, appname, resid, resname, ressp, cau, ua, os_, browser = APPS[s.app]
    name, disp, oid = USERS[s.user][0], USERS[s.user][1], USERS[s.user][2]
    r.update({"CreationTime": s.t, "Id": s.id, "UserKey": oid, "ClientIP": s.ip,
              "ObjectId": resid, "UserId": upn(s.user), "ActorIpAddress": s.ip,
              "ApplicationId": appid, "InterSystemsId": s.corr, "IntraSystemId": guid()})
    r["Actor"] = [{"ID": oid, "Type": 0}, {"ID": upn(s.user), "Type": 5}]
    r["Target"] = [{"ID": resid, "Type": 0}]
    for e in r["ExtendedProperties"]:
        if e["Name"] == "UserAgent":
            e["Value"] = ua
    for e in r["DeviceProperties"]:
        if e["Name"] == "SessionId":
            e["Value"] = s.session
        elif e["Name"] == "OS":
            e["Value"] = os_
    return r


def graph_page(signins, path):
    items = [graph_item(s) for s in sorted(signins, key=lambda s: s.t, reverse=True)]
    doc = {"@odata.context": PAGE1["@odata.context"], "value": items}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


def azmon_signin(s):
    """NonInteractiveUserSignInLogs / SignInLogs diagnostic record."""
    r = copy.deepcopy(AZ_NI_T if not s.interactive else AZ_SI_T)
    p = r["properties"]
    appid, appname, resid, resname, ressp, cau, ua, os_, browser = APPS[s.app]
    city, state, lat, lon, asn = PLACES[s.ip]
    created = frac7(s.t)
    r.update({"time": created + "Z" if s.interactive else later(s.t),
              "callerIpAddress": s.ip, "correlationId": s.corr, "identity": USERS[s.user][1]})
    p.update({"id": s.id, "createdDateTime": created + "+00:00", "userDisplayName": USERS[s.user][1],
              "userPrincipalName": upn(s.user), "userId": USERS[s.user][2], "appId": appid,
              "appDisplayName": appname, "ipAddress": s.ip, "clientAppUsed": cau, "userAgent": ua,
              "correlationId": s.corr, "originalRequestId": s.id, "resourceDisplayName": resname,
              "resourceId": resid, "resourceServicePrincipalId": ressp,
              "uniqueTokenIdentifier": s.token, "sessionId": s.session,
              "autonomousSystemNumber": asn, "alternateSignInName": upn(s.user),
              "signInIdentifier": upn(s.user)})
    p["location"] = {"city": city, "state": state, "countryOrRegion": "US",
                     "geoCoordinates": {"latitude": lat, "longitude": lon}}
    p["deviceDetail"] = dict(p["deviceDetail"], operatingSystem=os_)
    for d in p.get("authenticationDetails", []):
        d["authenticationStepDateTime"] = created + "+00:00"
    return r


def azmon_sp(t, ip, token):
    r = copy.deepcopy(AZ_SP_T)
    p = r["properties"]
    created = frac7(t)
    corr, rid = guid(), guid()
    r.update({"time": later(t), "callerIpAddress": ip,
              "correlationId": corr})
    p.update({"id": rid, "createdDateTime": created + "+00:00", "ipAddress": ip,
              "correlationId": corr, "uniqueTokenIdentifier": token})
    return r


def azmon_file(batches, path):
    """batches: list of lists of records, each one Event Hub message of one category."""
    with open(path, "w", encoding="utf-8") as f:
        for b in batches:
            f.write(json.dumps({"records": b}, ensure_ascii=False, separators=(",", ":")) + "\n")


# --- Log Analytics sign-ins -----------------------------------------------------------------

def csv_time(t):
    # "2026-03-05T13:41:22" -> "3/5/2026, 1:41:22.498 PM"
    d, tm = t.split("T")
    y, mo, da = d.split("-")
    h, mi, se = (int(x) for x in tm.split(":"))
    ampm = "AM" if h < 12 else "PM"
    h12 = h % 12 or 12
    return "%d/%d/%s, %d:%02d:%02d.%03d %s" % (int(mo), int(da), y, h12, mi, se, R.randrange(1000), ampm)


def la_csv_row(s):
    r = dict(CSV_T)
    appid, appname, resid, resname, ressp, cau, ua, os_, browser = APPS[s.app]
    city, state, lat, lon, asn = PLACES[s.ip]
    stamp = s.t + ".%07d+00:00" % R.randrange(10 ** 7)
    r.update({
        "CorrelationId": s.corr, "Identity": USERS[s.user][1], "AppDisplayName": appname,
        "AppId": appid,
        "AuthenticationDetails": CSV_T["AuthenticationDetails"].replace("2026-03-10T14:25:23.5245410+00:00", stamp),
        "ClientAppUsed": cau, "CreatedDateTime [UTC]": csv_time(s.t),
        "DeviceDetail_dynamic": json.dumps({"operatingSystem": os_, "deviceId": "", "browser": browser}, separators=(",", ":")),
        "Id": s.id, "IPAddress": s.ip,
        "LocationDetails_dynamic": json.dumps({"countryOrRegion": "US", "geoCoordinates": {"longitude": lon, "latitude": lat}, "state": state, "city": city}, separators=(",", ":"), ensure_ascii=False),
        "NetworkLocationDetails": CSV_T["NetworkLocationDetails"] if s.ip.startswith("203.0.113.") else "[]",
        "OriginalRequestId": s.id, "ProcessingTimeInMilliseconds": str(R.randrange(40, 400)),
        "ResourceDisplayName": resname, "ResourceIdentity": resid, "UserAgent": ua,
        "UserDisplayName": USERS[s.user][1], "UserId": USERS[s.user][2],
        "UserPrincipalName": upn(s.user), "AutonomousSystemNumber": str(asn),
        "SessionId": s.session, "UniqueTokenIdentifier": s.token,
    })
    return r


def la_csv_file(signins, path):
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    for s in sorted(signins, key=lambda s: s.t, reverse=True):
        r = la_csv_row(s)
        w.writerow([r[h] for h in CSV_HEADER])
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        f.write(buf.getvalue())


def la_ni_row(s):
    """AADNonInteractiveUserSignInLogs row as `az monitor log-analytics query` returns it:
    dynamic columns are JSON text."""
    c = la_csv_row(s)
    stamp = s.t + ".%03dZ" % R.randrange(1000)
    return {
        "TenantId": WORKSPACE, "SourceSystem": "Azure AD", "TimeGenerated": stamp,
        "ResourceId": c["ResourceId"], "OperationName": "Sign-in activity", "OperationVersion": "1.0",
        "Category": "NonInteractiveUserSignInLogs", "ResultType": "0", "ResultSignature": "SUCCESS",
        "ResultDescription": "", "DurationMs": "0", "CorrelationId": c["CorrelationId"],
        "Resource": "Microsoft.aadiam", "ResourceGroup": "Microsoft.aadiam", "ResourceProvider": "",
        "Identity": c["Identity"], "Level": "4", "Location": "US",
        "AlternateSignInName": upn(s.user), "AppDisplayName": c["AppDisplayName"], "AppId": c["AppId"],
        "AuthenticationContextClassReferences": "[]",
        "AuthenticationDetails": json.dumps([{
            "authenticationStepDateTime": s.t + "Z", "authenticationMethod": "Previously satisfied",
            "succeeded": True,
            "authenticationStepResultDetail": "First factor requirement satisfied by claim in the token",
            "authenticationStepRequirement": "Primary authentication", "StatusSequence": 0,
            "RequestSequence": 0}], separators=(",", ":")),
        "AuthenticationProcessingDetails": "[{\"key\":\"Legacy TLS (TLS 1.0, 1.1, 3DES)\",\"value\":\"False\"},{\"key\":\"Is CAE Token\",\"value\":\"False\"}]",
        "AuthenticationRequirement": "singleFactorAuthentication",
        "AuthenticationRequirementPolicies": "[]", "AutonomousSystemNumber": c["AutonomousSystemNumber"],
        "ClientAppUsed": c["ClientAppUsed"],
        "ConditionalAccessPolicies": CSV_T["ConditionalAccessPolicies_dynamic"],
        "ConditionalAccessStatus": "notApplied", "CreatedDateTime": stamp,
        "CrossTenantAccessType": "none", "DeviceDetail": c["DeviceDetail_dynamic"],
        "HomeTenantId": TENANT, "Id": s.id, "IncomingTokenType": "refreshToken",
        "IPAddress": s.ip, "IsInteractive": False, "IsRisky": None,
        "LocationDetails": c["LocationDetails_dynamic"], "MfaDetail": "{}",
        "NetworkLocationDetails": c["NetworkLocationDetails"], "OriginalRequestId": s.id,
        "ProcessingTimeInMilliseconds": c["ProcessingTimeInMilliseconds"],
        "ResourceDisplayName": c["ResourceDisplayName"], "ResourceIdentity": c["ResourceIdentity"],
        "ResourceServicePrincipalId": APPS[s.app][4], "ResourceTenantId": TENANT,
        "RiskDetail": "none", "RiskEventTypes": "[]", "RiskEventTypes_V2": "[]",
        "RiskLevelAggregated": "none", "RiskLevelDuringSignIn": "none", "RiskState": "none",
        "ServicePrincipalId": "", "SessionId": s.session, "SignInIdentifier": upn(s.user),
        "SignInIdentifierType": "", "Status": "{\"errorCode\":0}", "TokenIssuerName": "",
        "TokenIssuerType": "AzureAD", "UniqueTokenIdentifier": s.token, "UserAgent": c["UserAgent"],
        "UserDisplayName": c["UserDisplayName"], "UserId": c["UserId"],
        "UserPrincipalName": upn(s.user), "UserType": "Member",
        "AADTenantId": TENANT, "Type": "AADNonInteractiveUserSignInLogs",
    }


def jsonl(rows, path):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")


# --- mailbox activity -----------------------------------------------------------------------

def msgid(server):
    return "<%s%s@%s.namprd05.prod.outlook.com>" % (server, "".join(R.choice("0123456789ABCDEF") for _ in range(28)), server)


def folders(spec):
    out = []
    for path, n in spec:
        items = [{"InternetMessageId": msgid(R.choice(["BN8PR05MB6609", "MN2PR05MB7021", "SA1PR05MB8340"])),
                  "SizeInBytes": R.randrange(9000, 2500000)} for _ in range(n)]
        out.append({"FolderItems": items,
                    "Id": "LgAAAAB" + base64.b64encode(R.getrandbits(360).to_bytes(45, "big")).decode()[:50] + "AAAB",
                    "Path": path})
    return out


def ual_mail(template, t, user, ip, access="Bind", spec=(("\\Inbox", 3),), client_app=None,
             aac=None, session=None, app=None):
    r = copy.deepcopy(template)
    name, disp, oid, key, mbx, sid = USERS[user]
    r.update({"CreationTime": t, "Id": guid(), "UserId": upn(user), "UserKey": key,
              "ClientIPAddress": ip, "LogonUserSid": sid, "MailboxGuid": mbx, "MailboxOwnerSid": sid,
              "MailboxOwnerUPN": upn(user)})
    r["OperationProperties"] = [{"Name": "MailAccessType", "Value": access},
                                {"Name": "IsThrottled", "Value": "False"}]
    if access == "Bind":
        f = folders(spec)
        r["Folders"] = f
        r["OperationCount"] = sum(len(x["FolderItems"]) for x in f)
    else:
        r["Folders"] = [{"FolderItems": [], "Id": x["Id"], "Path": x["Path"]} for x in folders(spec)]
        r["OperationCount"] = len(spec)
    if app is not None:
        r["AppId"] = app
    if client_app is not None:
        r["ClientAppId"] = client_app
    if aac is not None:
        r["AppAccessContext"] = aac
        r["TokenObjectId"] = oid
        r["TokenTenantId"] = TENANT
    elif "AppAccessContext" in r:
        del r["AppAccessContext"]
        r.pop("TokenObjectId", None)
        r.pop("TokenTenantId", None)
    if session is not None:
        r["SessionId"] = session
    # Keys in the order the API writes them: AppAccessContext first, then the common schema.
    order = ["AppAccessContext", "CreationTime", "Id", "Operation", "OrganizationId", "RecordType",
             "ResultStatus", "UserKey", "UserType", "Version", "Workload", "UserId"]
    return {k: r[k] for k in order if k in r} | {k: v for k, v in r.items() if k not in order}


def aac(client, issued, token=None, session=None):
    a = {}
    if session:
        a["AADSessionId"] = session
    a["ClientAppId"] = client
    a["IssuedAtTime"] = issued
    if token:
        a["UniqueTokenId"] = token
    return a


def officeactivity(t, user, ip, client_info, access, spec, app=None, client_app=None):
    """OfficeActivity row (Log Analytics JSON), columns as in the Sentinel training-lab export."""
    name, disp, oid, key, mbx, sid = USERS[user]
    f = folders(spec)
    rid = guid()
    row = {
        "TenantId": WORKSPACE, "RecordType": "50", "TimeGenerated": t + "Z",
        "Operation": "MailItemsAccessed", "OrganizationId": TENANT, "OrganizationId_": TENANT,
        "UserType": "Regular", "UserKey": key, "OfficeWorkload": "Exchange",
        "ResultStatus": "Succeeded", "ResultReasonType": "Succeeded", "UserId": upn(user),
        "UserId_": upn(user), "ExternalAccess": "False",
        "OriginatingServer": R.choice(["BN8PR05MB6609", "MN2PR05MB7021", "SA1PR05MB8340"]) + " (15.20.8489.011)\r\n",
        "OrganizationName": "contosodemo.onmicrosoft.com", "Logon_Type": "Owner",
        "InternalLogonType": "0", "MailboxGuid": mbx, "MailboxOwnerUPN": upn(user),
        "MailboxOwnerSid": sid, "LogonUserSid": sid, "ClientInfoString": client_info,
        "Client_IPAddress": ip,
        "Folders": json.dumps(f if access == "Bind" else
                              [{"FolderItems": [], "Id": x["Id"], "Path": x["Path"]} for x in f]),
        "ElevationTime": t + "Z", "SourceSystem": "OfficeActivityManager", "OfficeId": rid,
        "SourceRecordId": rid, "Start_Time": t + "Z", "OfficeTenantId": TENANT,
        "OfficeTenantId_": TENANT,
        "OperationProperties": json.dumps([{"Name": "MailAccessType", "Value": access},
                                           {"Name": "IsThrottled", "Value": "False"}],
                                          separators=(",", ":")),
        "Type": "OfficeActivity",
    }
    if app:
        row["AppId"] = app
    if client_app:
        row["ClientAppId"] = client_app
    return row


def case(name, expect, files, args=None, config=None):
    d = os.path.join(OUT, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    for fname, writer in files:
        writer(os.path.join(d, fname))
    with open(os.path.join(d, "expect.json"), "w") as f:
        f.write(json.dumps(dict(rule="token-without-signin", findings=expect), ensure_ascii=False) + "\n")
    if config:
        with open(os.path.join(d, "config.yaml"), "w") as f:
            f.write("rules:\n  token-without-signin:\n")
            for k, v in config.items():
                f.write("    %s: %s\n" % (k, v))
        args = (args or []) + ["--config", "@CASE@/config.yaml"]
    if args:
        with open(os.path.join(d, "args"), "w") as f:
            f.write("\n".join(args) + "\n")


TAGS = os.path.join(SRC, "tests/detections/legacy-auth-signin/pos_ual_basic_auth_from_azure/ServiceTags_Public_20260302.json")
GRAPH_EXPLORER = "de8bc8b5-d9f9-48b1-a8ad-b748da725064"
GRAPH = "00000003-0000-0000-c000-000000000000"
EXO = "00000002-0000-0ff1-ce00-000000000000"
ARC = "5d2a8f6e-1b3c-4e7d-9f04-a6c8e2b1d359"


def forged_graph_reads(token, session):
    """Marcus's mail read twice through Graph Explorer from an Azure VM with a forged token."""
    return [
        ual_mail(UAL_GRAPH_T, "2026-03-06T16:21:40", "marcus", "20.81.111.85",
                 spec=(("\\Inbox", 4), ("\\Finance\\Board", 2)), app=GRAPH,
                 client_app=GRAPH_EXPLORER,
                 aac=aac(GRAPH_EXPLORER, "2026-03-06T16:02:11", token, session)),
        ual_mail(UAL_GRAPH_T, "2026-03-06T16:24:02", "marcus", "20.81.111.85",
                 spec=(("\\Sent Items", 5),), app=GRAPH, client_app=GRAPH_EXPLORER,
                 aac=aac(GRAPH_EXPLORER, "2026-03-06T16:02:11", token, session)),
    ]


def forged_from_azure_case(name, inter, ni, ual, unmatched_tokens):
    """The forged reads reported high: from an Azure address and a client app no sign-in used."""
    case(name,
         [{"severity": "high",
           "entities": {"users": [upn("marcus")], "ips": ["20.81.111.85"],
                        "apps": [GRAPH_EXPLORER], "mailboxes": [upn("marcus")]},
           "summary_contains": "no sign-in from 20.81.111.85",
           "details": {"records": 2, "full_coverage": True, "from_hosting": True,
                       "unmatched_token_ids": unmatched_tokens,
                       "client_apps_never_signed_in": [GRAPH_EXPLORER]}}],
         [("signins-interactive.json", lambda p: graph_page(inter, p)),
          ("signins-noninteractive.json", lambda p: graph_page(ni, p)),
          ("audit-2026-03-06.jsonl", lambda p: jsonl(ual, p)),
          ("ServiceTags_Public_20260302.json", lambda p: shutil.copy(TAGS, p))],
         args=["--ip-ranges", "@CASE@/ServiceTags_Public_20260302.json"])


# ---------------------------------------------------------------------------------------------
# pos_ual_graph_forged_token_from_azure: UAL JSON Lines + Graph beta signIns (both categories).
def build_pos_ual_graph():
    inter = [
        SignIn("2026-03-05T12:58:10", "ken", "officehome", "203.0.113.10"),
        SignIn("2026-03-05T13:41:22", "marcus", "owa", "203.0.113.11"),
        SignIn("2026-03-05T13:43:05", "marcus", "office", "203.0.113.11"),
        SignIn("2026-03-05T21:12:40", "marcus", "office", "198.51.100.34"),
        SignIn("2026-03-06T13:36:51", "marcus", "owa", "203.0.113.11"),
        SignIn("2026-03-06T17:48:02", "ken", "teams", "203.0.113.10"),
    ]
    mob = guid()
    ni = [
        SignIn("2026-03-05T12:10:44", "dana", "mobile", "198.51.100.21", False),
        SignIn("2026-03-05T14:44:09", "marcus", "office", "203.0.113.11", False, inter[2].session),
        SignIn("2026-03-05T23:15:31", "marcus", "mobile", "198.51.100.34", False, mob),
        SignIn("2026-03-06T06:02:57", "marcus", "mobile", "198.51.100.34", False, mob),
        SignIn("2026-03-06T14:40:18", "marcus", "office", "203.0.113.11", False, inter[2].session),
        SignIn("2026-03-06T17:55:40", "dana", "mobile", "198.51.100.21", False),
    ]
    forged_sess, forged_tok = guid(), tokid()
    ual = [
        ual_mail(UAL_OWA_T, "2026-03-06T13:52:17", "marcus", "203.0.113.11", session=guid()),
        ual_mail(UAL_RPC_T, "2026-03-06T14:05:33", "marcus", "203.0.113.11", access="Sync",
                 spec=(("\\Inbox", 0),)),
    ] + forged_graph_reads(forged_tok, forged_sess)
    # SharePoint's own service identity previews a file the user just uploaded: "app@sharepoint"
    # never signs in as a user and is not a user's token.
    ual.append({
        "CreationTime": "2026-03-06T16:30:12", "Id": guid(), "Operation": "FilePreviewed",
        "OrganizationId": TENANT, "RecordType": 6,
        "UserKey": "i:0i.t|00000003-0000-0ff1-ce00-000000000000|app@sharepoint", "UserType": 0,
        "Version": 1, "Workload": "OneDrive", "ClientIP": "20.190.151.70",
        "ObjectId": "https://contosodemo-my.sharepoint.com/personal/marcus_oyelaran_contosodemo_onmicrosoft_com/Documents/Q1 forecast.xlsx",
        "UserId": "app@sharepoint", "ApplicationId": "4345a7b9-9a63-4910-a426-35363201d503",
        "CorrelationId": guid(), "DoNotDistributeEvent": "True", "EventSource": "SharePoint",
        "ItemType": "File", "ListId": guid(), "ListItemUniqueId": guid(), "Site": guid(),
        "UserAgent": "OneDriveMpc-Transform_Thumbnail/1.0", "WebId": guid(),
        "HighPriorityMediaProcessing": "False", "SourceFileExtension": "xlsx",
        "SiteUrl": "https://contosodemo-my.sharepoint.com/personal/marcus_oyelaran_contosodemo_onmicrosoft_com/",
        "SourceFileName": "Q1 forecast.xlsx", "SourceRelativeUrl": "Documents"})
    forged_from_azure_case("pos_ual_graph_forged_token_from_azure", inter, ni, ual, [forged_tok])


# pos_la_officeactivity_owa_unknown_ip: OfficeActivity JSON + SigninLogs CSV + AADNonInteractive JSON.
def la_world(user, home, day0, day1):
    inter = [
        SignIn(day0 + "T12:47:03", "tom", "officehome", "203.0.113.10", mfa=True),
        SignIn(day0 + "T13:20:45", user, "officehome", "203.0.113.10"),
        SignIn(day0 + "T13:21:30", user, "owa", "203.0.113.10"),
        SignIn(day0 + "T22:05:12", user, "office", home),
        SignIn(day1 + "T13:02:19", user, "owa", "203.0.113.10"),
        SignIn(day1 + "T19:58:44", "tom", "teams", "203.0.113.10"),
    ]
    ni = [
        SignIn(day0 + "T12:30:06", "dana", "mobile", "198.51.100.21", False),
        SignIn(day0 + "T14:21:55", user, "owa", "203.0.113.10", False, inter[2].session),
        SignIn(day0 + "T23:06:40", user, "office", home, False, inter[3].session),
        SignIn(day1 + "T14:03:27", user, "owa", "203.0.113.10", False, inter[4].session),
        SignIn(day1 + "T20:10:02", "dana", "mobile", "198.51.100.21", False),
    ]
    return inter, ni


def build_pos_la():
    inter, ni = la_world("lucia", "198.51.100.63", "2026-03-08", "2026-03-09")
    rows = [
        officeactivity("2026-03-09T13:10:44", "lucia", "203.0.113.10", "Client=OWA;Action=ViaProxy",
                       "Bind", (("\\Inbox", 2),), app=EXO),
        officeactivity("2026-03-09T15:47:09", "lucia", "45.153.160.138", "Client=OWA;Action=ViaProxy",
                       "Bind", (("\\Inbox", 3), ("\\Legal\\Litigation", 4)), app=EXO),
        officeactivity("2026-03-09T15:49:31", "lucia", "45.153.160.138", "Client=OWA;Action=ViaProxy",
                       "Bind", (("\\Sent Items", 2),), app=EXO),
    ]
    case("pos_la_officeactivity_owa_unknown_ip",
         [{"severity": "medium",
           "entities": {"users": [upn("lucia")], "ips": ["45.153.160.138"], "mailboxes": [upn("lucia")]},
           "summary_contains": "no sign-in from 45.153.160.138",
           "details": {"records": 2, "full_coverage": True, "ips_without_signin": ["45.153.160.138"],
                       "client_apps": []}}],
         [("SigninLogs.csv", lambda p: la_csv_file(inter, p)),
          ("AADNonInteractiveUserSignInLogs.json", lambda p: jsonl([la_ni_row(s) for s in ni], p)),
          ("OfficeActivity.json", lambda p: jsonl(rows, p))])


# neg_la_owa_outlook_matching_signin: OWA and Outlook desktop from the addresses the user signed
# in from. OfficeActivity rows carry no token or session id: only the address can match.
def build_neg_la():
    PLACES["198.51.100.47"] = ("Cambridge", "Massachusetts", 42.3751, -71.10561, 7922)
    inter, ni = la_world("priya", "198.51.100.47", "2026-03-08", "2026-03-09")
    rows = [
        officeactivity("2026-03-08T22:31:15", "priya", "198.51.100.47", "Client=MSExchangeRPC",
                       "Sync", (("\\Inbox", 0),)),
        officeactivity("2026-03-09T13:10:44", "priya", "203.0.113.10", "Client=OWA;Action=ViaProxy",
                       "Bind", (("\\Inbox", 2),), app=EXO),
        officeactivity("2026-03-09T16:02:51", "priya", "203.0.113.10", "Client=OWA;Action=ViaProxy",
                       "Bind", (("\\Inbox", 1), ("\\Security\\Incidents", 3)), app=EXO),
    ]
    case("neg_la_owa_outlook_matching_signin", [],
         [("SigninLogs.csv", lambda p: la_csv_file(inter, p)),
          ("AADNonInteractiveUserSignInLogs.json", lambda p: jsonl([la_ni_row(s) for s in ni], p)),
          ("OfficeActivity.json", lambda p: jsonl(rows, p))])


# neg_ual_mobile_ip_changed_session_match: reads from a carrier address; the session (or the
# token) is the one the user's own sign-ins from home hold.
def build_neg_mobile():
    inter = [
        SignIn("2026-03-06T12:31:40", "ken", "officehome", "203.0.113.10"),
        SignIn("2026-03-06T13:05:12", "dana", "officehome", "203.0.113.11"),
        SignIn("2026-03-06T21:40:03", "dana", "officegraph", "198.51.100.21"),
        SignIn("2026-03-07T18:30:10", "ken", "teams", "198.51.100.71"),
    ]
    ni = [
        SignIn("2026-03-06T12:12:54", "ken", "office", "203.0.113.10", False),
        SignIn("2026-03-06T22:41:19", "dana", "officegraph", "198.51.100.21", False, inter[2].session),
        SignIn("2026-03-07T07:45:02", "dana", "officegraph", "198.51.100.21", False, inter[2].session),
        SignIn("2026-03-07T18:44:37", "ken", "office", "198.51.100.71", False),
    ]
    d = "d3590ed6-52b3-4102-aeff-aad2292ab01c"
    ual = [
        # session only: the access token came from a refresh on home Wi-Fi, used on the train.
        ual_mail(UAL_GRAPH_T, "2026-03-07T08:12:26", "dana", "172.58.141.27",
                 spec=(("\\Inbox", 3),), app=GRAPH, client_app=d,
                 aac=aac(d, "2026-03-07T07:45:02", None, inter[2].session)),
        # token id of the 07:45 refresh, from the carrier address.
        ual_mail(UAL_GRAPH_T, "2026-03-07T08:20:51", "dana", "172.58.141.27",
                 spec=(("\\Inbox", 1), ("\\Board", 2)), app=GRAPH, client_app=d,
                 aac=aac(d, "2026-03-07T07:45:02", ni[2].token, None)),
    ]
    case("neg_ual_mobile_ip_changed_session_match", [],
         [("signins-interactive.json", lambda p: graph_page(inter, p)),
          ("signins-noninteractive.json", lambda p: graph_page(ni, p)),
          ("audit-2026-03-07.jsonl", lambda p: jsonl(ual, p))])


# neg_azmon_backup_app_sp_signins: a backup SaaS reads every mailbox through Graph with its own
# application credentials; the reads carry no token id, the app signs in as itself.
def build_neg_backup():
    sp = azmon_sp("2026-03-08T02:30:05", "192.0.2.25", tokid())
    inter = [SignIn("2026-03-08T02:14:45", "tom", "officehome", "198.51.100.52", mfa=True)]
    ni = [SignIn("2026-03-08T02:01:12", "dana", "mobile", "198.51.100.21", False),
          SignIn("2026-03-08T02:51:12", "marcus", "mobile", "198.51.100.34", False)]
    ual = []
    t = ["02:30:52", "02:32:03", "02:33:21", "02:35:40", "02:37:09", "02:38:30"]
    for tm, u in zip(t, ["dana", "marcus", "priya", "tom", "lucia", "secops"]):
        ual.append(ual_mail(UAL_ARC_T, "2026-03-08T" + tm, u, "192.0.2.25", access="Sync",
                            spec=(("\\Inbox", 0), ("\\Sent Items", 0))))
    case("neg_azmon_backup_app_sp_signins", [],
         [("PT1H.json", lambda p: azmon_file([[azmon_signin(ni[0])], [azmon_signin(inter[0])],
                                              [sp], [azmon_signin(ni[1])]], p)),
          ("audit-2026-03-08.jsonl", lambda p: jsonl(ual, p))])


# neg_ual_outside_noninteractive_coverage: interactive sign-ins cover the whole week, the
# non-interactive export only 03-06; a read from a hotel on 03-08 cannot be checked.
def build_neg_outside():
    inter = [
        SignIn("2026-03-05T13:10:02", "tom", "officehome", "203.0.113.10", mfa=True),
        SignIn("2026-03-06T13:22:41", "tom", "owa", "203.0.113.10"),
        SignIn("2026-03-07T23:55:18", "tom", "officehome", "198.51.100.52", mfa=True),
        SignIn("2026-03-08T20:14:09", "ken", "teams", "198.51.100.71"),
    ]
    ni = [
        SignIn("2026-03-06T00:12:40", "dana", "mobile", "198.51.100.21", False),
        SignIn("2026-03-06T14:22:58", "tom", "owa", "203.0.113.10", False, inter[1].session),
        SignIn("2026-03-06T23:40:11", "marcus", "mobile", "198.51.100.34", False),
    ]
    ual = [
        ual_mail(UAL_OWA_T, "2026-03-06T14:30:12", "tom", "203.0.113.10", session=guid()),
        ual_mail(UAL_OWA_T, "2026-03-08T15:03:44", "tom", "66.176.204.19",
                 spec=(("\\Inbox", 2),), session=guid()),
    ]
    case("neg_ual_outside_noninteractive_coverage", [],
         [("signins-interactive.json", lambda p: graph_page(inter, p)),
          ("signins-noninteractive-0306.json", lambda p: graph_page(ni, p)),
          ("audit.jsonl", lambda p: jsonl(ual, p))])


# neg_ual_outlook_mobile_service_address: Outlook for iOS reads through Microsoft's service,
# whose IPv6 address is never the phone's; the user's Outlook Mobile refreshes explain it.
def build_neg_ios():
    inter = [SignIn("2026-03-07T12:40:05", "ken", "officehome", "203.0.113.10"),
             SignIn("2026-03-07T13:15:44", "marcus", "owa", "203.0.113.11"),
             SignIn("2026-03-07T19:02:36", "ken", "teams", "203.0.113.10")]
    mob = guid()
    ni = [SignIn("2026-03-07T12:02:11", "marcus", "mobile", "198.51.100.34", False, mob),
          SignIn("2026-03-07T15:48:20", "marcus", "mobile", "172.58.141.27", False, mob),
          SignIn("2026-03-07T19:20:47", "dana", "mobile", "198.51.100.21", False)]
    ual = [ual_mail(UAL_IOS_T, "2026-03-07T" + tm, "marcus", ip, spec=(("\\Inbox", n),))
           for tm, ip, n in (("12:05:41", "2603:10b6:510:2b9::12", 2),
                             ("16:00:15", "2603:10b6:806:1f4::7", 1),
                             ("18:34:02", "2603:10b6:208:4e0::1a", 3))]
    case("neg_ual_outlook_mobile_service_address", [],
         [("signins.json", lambda p: graph_page(inter + ni, p)),
          ("audit.jsonl", lambda p: jsonl(ual, p))])


# Parameter token_lifetime: Outlook desktop holds a continuous-access-evaluation token (up to
# 28 h) and syncs from the hotel 26 h after signing in there. Default 24 h: medium;
# token_lifetime 28h: explained.
def lifetime_world():
    PLACES["66.176.204.19"] = ("Miami", "Florida", 25.77427, -80.19366, 7922)
    inter = [SignIn("2026-03-05T12:05:30", "ken", "office", "66.176.204.19"),
             SignIn("2026-03-05T12:40:00", "tom", "officehome", "203.0.113.10", mfa=True),
             SignIn("2026-03-06T19:12:48", "tom", "teams", "203.0.113.10")]
    ni = [SignIn("2026-03-05T07:30:17", "dana", "mobile", "198.51.100.21", False),
          SignIn("2026-03-06T19:40:05", "marcus", "mobile", "198.51.100.34", False)]
    ual = [ual_mail(UAL_RPC_T, "2026-03-06T14:02:10", "ken", "66.176.204.19", access="Sync",
                    spec=(("\\Inbox", 0), ("\\Calendar", 0)))]
    return [("signins.json", lambda p: graph_page(inter + ni, p)),
            ("audit.jsonl", lambda p: jsonl(ual, p))]


# Parameter min_coverage: non-interactive logs cover only 20 minutes before the read.
def coverage_world():
    inter = [SignIn("2026-03-09T09:00:12", "ken", "officehome", "203.0.113.10"),
             SignIn("2026-03-09T13:05:40", "lucia", "owa", "203.0.113.10"),
             SignIn("2026-03-09T11:59:51", "tom", "officehome", "203.0.113.10", mfa=True)]
    ni = [SignIn("2026-03-09T10:00:03", "dana", "mobile", "198.51.100.21", False),
          SignIn("2026-03-09T10:41:27", "marcus", "mobile", "198.51.100.34", False)]
    ual = [ual_mail(UAL_OWA_T, "2026-03-09T10:20:09", "lucia", "91.92.251.103",
                    spec=(("\\Inbox", 4),), session=guid())]
    return [("signins-interactive.json", lambda p: graph_page(inter, p)),
            ("signins-noninteractive.json", lambda p: graph_page(ni, p)),
            ("audit.jsonl", lambda p: jsonl(ual, p))]


# pos_ual_graph_new_client_app_low: from the office address, but through a client app that none
# of the user's sign-ins used.
def build_pos_low():
    inter = [SignIn("2026-03-09T12:10:33", "ken", "officehome", "203.0.113.10"),
             SignIn("2026-03-09T13:30:07", "tom", "officehome", "203.0.113.10", mfa=True),
             SignIn("2026-03-09T19:45:55", "ken", "teams", "203.0.113.10")]
    ni = [SignIn("2026-03-09T12:00:19", "dana", "mobile", "198.51.100.21", False),
          SignIn("2026-03-09T14:30:40", "tom", "officehome", "203.0.113.10", False, inter[1].session),
          SignIn("2026-03-09T20:02:08", "dana", "mobile", "198.51.100.21", False)]
    client = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
    tok = tokid()
    ual = [ual_mail(UAL_GRAPH_T, "2026-03-09T15:12:40", "tom", "203.0.113.10",
                    spec=(("\\Inbox", 6),), app=GRAPH, client_app=client,
                    aac=aac(client, "2026-03-09T15:09:58", tok, guid()))]
    case("pos_ual_graph_new_client_app_low",
         [{"severity": "low", "entities": {"users": [upn("tom")], "apps": [client]},
           "summary_contains": "appears in none of the user's sign-ins",
           "details": {"records": 1, "ips_without_signin": [], "client_apps_never_signed_in": [client]}}],
         [("signins.json", lambda p: graph_page(inter + ni, p)),
          ("audit.jsonl", lambda p: jsonl(ual, p))])


def main():
    os.makedirs(OUT, exist_ok=True)
    build_pos_ual_graph()
    build_pos_la()
    build_neg_la()
    build_neg_mobile()
    build_neg_backup()
    build_neg_outside()
    build_neg_ios()
    build_pos_low()
    w = lifetime_world()
    case("pos_ual_signin_from_ip_older_than_lifetime",
         [{"severity": "medium", "entities": {"users": [upn("ken")], "ips": ["66.176.204.19"]},
           "details": {"records": 1, "full_coverage": True, "lookback_minutes": 1440}}], w)
    w = lifetime_world()
    case("neg_param_token_lifetime_28h", [], w, config={"token_lifetime": "28h"})
    w = coverage_world()
    case("neg_short_noninteractive_coverage", [], w)
    w = coverage_world()
    case("pos_param_min_coverage_10m",
         [{"severity": "medium", "entities": {"users": [upn("lucia")], "ips": ["91.92.251.103"]},
           "details": {"records": 1, "full_coverage": False,
                       "coverage_minutes": {"interactive": 79, "non-interactive": 20}}}],
         w, config={"min_coverage": "10m"})
    build_neg_ual_signin_session()
    build_pos_unverified()
    build_neg_cloud_vpn_outside()
    build_pos_ual_only()
    build_neg_ual_only()


# neg_ual_signin_session_device_properties: the interactive sign-ins are the Unified Audit Log's
# (a Purview export), which name their session in DeviceProperties; a read on the train carries
# that session (AADSessionId), from a carrier address and with a token no export holds.
def build_neg_ual_signin_session():
    inter = [
        SignIn("2026-03-09T07:02:18", "dana", "officegraph", "198.51.100.21"),
        SignIn("2026-03-09T09:14:51", "marcus", "owa", "198.51.100.34"),
    ]
    ni = [
        SignIn("2026-03-09T06:40:33", "ken", "office", "198.51.100.71", False),
        SignIn("2026-03-09T08:51:07", "lucia", "office", "198.51.100.63", False),
        SignIn("2026-03-09T10:26:40", "ken", "office", "198.51.100.71", False),
    ]
    d = "d3590ed6-52b3-4102-aeff-aad2292ab01c"
    ual = [ual_signin(x) for x in inter] + [
        ual_mail(UAL_GRAPH_T, "2026-03-09T08:05:37", "dana", "172.58.141.27",
                 spec=(("\\Inbox", 2),), app=GRAPH, client_app=d,
                 aac=aac(d, "2026-03-09T07:58:02", tokid(), inter[0].session)),
    ]
    case("neg_ual_signin_session_device_properties", [],
         [("signins-noninteractive.json", lambda p: graph_page(ni, p)),
          ("audit-2026-03-09.jsonl", lambda p: jsonl(ual, p))])


# The sign-in exports end on 03-06 at night (both categories); the Unified Audit Log runs on.
def exports_until_0306():
    inter = [
        SignIn("2026-03-05T13:02:44", "marcus", "owa", "203.0.113.11"),
        SignIn("2026-03-05T13:20:19", "tom", "office", "203.0.113.10", mfa=True),
        SignIn("2026-03-06T13:11:08", "marcus", "officehome", "203.0.113.11"),
        SignIn("2026-03-06T21:47:30", "ken", "teams", "198.51.100.71"),
    ]
    ni = [
        SignIn("2026-03-05T14:03:51", "tom", "office", "203.0.113.10", False, inter[1].session),
        SignIn("2026-03-05T22:30:12", "marcus", "mobile", "198.51.100.34", False),
        SignIn("2026-03-06T23:58:02", "dana", "mobile", "198.51.100.21", False),
    ]
    return inter, ni


# Those exports, the audit log of 03-08 and Azure's ranges (given with --ip-ranges: TAGS_ARGS).
def exports_files(inter, ni, ual):
    return [("signins-interactive.json", lambda p: graph_page(inter, p)),
            ("signins-noninteractive.json", lambda p: graph_page(ni, p)),
            ("audit-2026-03-08.jsonl", lambda p: jsonl(ual, p)),
            ("ServiceTags_Public_20260302.json", lambda p: shutil.copy(TAGS, p))]


TAGS_ARGS = ["--ip-ranges", "@CASE@/ServiceTags_Public_20260302.json"]


# pos_ual_graph_forged_token_after_signin_exports_low: on 03-08, after the sign-in exports end,
# Graph reads marcus's mail from Azure through Graph Explorer, which none of his sign-ins used.
# Nothing can show the missing sign-in; the rule says so at low instead of keeping quiet.
def build_pos_unverified():
    inter, ni = exports_until_0306()
    tok, sess = tokid(), guid()
    ual = [ual_mail(UAL_OWA_T, "2026-03-06T13:40:27", "marcus", "203.0.113.11", session=guid()),
           ual_mail(UAL_GRAPH_T, "2026-03-08T02:14:09", "marcus", "20.81.111.85",
                    spec=(("\\Inbox", 7), ("\\Finance\\Board", 3)), app=GRAPH,
                    client_app=GRAPH_EXPLORER, aac=aac(GRAPH_EXPLORER, "2026-03-08T01:58:40", tok, sess)),
           ual_mail(UAL_GRAPH_T, "2026-03-08T02:19:51", "marcus", "20.81.111.85",
                    spec=(("\\Sent Items", 4),), app=GRAPH, client_app=GRAPH_EXPLORER,
                    aac=aac(GRAPH_EXPLORER, "2026-03-08T01:58:40", tok, sess))]
    case("pos_ual_graph_forged_token_after_signin_exports_low",
         [{"severity": "low",
           "entities": {"users": [upn("marcus")], "ips": ["20.81.111.85"],
                        "apps": [GRAPH_EXPLORER], "mailboxes": [upn("marcus")]},
           "summary_contains": "whether a sign-in issued their token cannot be checked",
           "details": {"records": 2, "unverified": True, "full_coverage": False,
                       "from_hosting": True, "records_outside_coverage": 2,
                       "client_apps_never_signed_in": [GRAPH_EXPLORER]}}],
         exports_files(inter, ni, ual), args=TAGS_ARGS)


SPARK = "2d4d3d8e-2be3-4bef-9f87-7875a61c29de"  # a third-party mail client (Spark)


# neg_ual_cloud_vpn_outside_coverage: after the exports end, tom reads his mail through a VPN
# that leaves from Azure, in Outlook on the web and in the desktop Outlook his sign-ins show,
# then at home in a mail app new to him: a hosting address alone, or a new app alone, outside
# the exports, says nothing.
def tom_vpn_and_new_phone_reads():
    office = APPS["office"][0]
    return [ual_mail(UAL_OWA_T, "2026-03-05T15:10:12", "tom", "203.0.113.10", session=guid()),
            ual_mail(UAL_OWA_T, "2026-03-08T09:12:40", "tom", "20.81.111.140",
                     spec=(("\\Inbox", 2),), session=guid()),
            ual_mail(UAL_GRAPH_T, "2026-03-08T09:31:05", "tom", "20.81.111.140",
                     spec=(("\\Inbox", 5),), app=GRAPH, client_app=office,
                     aac=aac(office, "2026-03-08T09:30:12", tokid(), guid())),
            # and at home that evening, a mail app he never used before (a new phone)
            ual_mail(UAL_GRAPH_T, "2026-03-08T19:44:18", "tom", "198.51.100.52",
                     spec=(("\\Inbox", 3),), app=GRAPH, client_app=SPARK,
                     aac=aac(SPARK, "2026-03-08T19:43:57", tokid(), guid()))]


def build_neg_cloud_vpn_outside():
    inter, ni = exports_until_0306()
    case("neg_ual_cloud_vpn_outside_coverage", [],
         exports_files(inter, ni, tom_vpn_and_new_phone_reads()), args=TAGS_ARGS)



# The Unified Audit Log alone (a Purview search): its interactive sign-ins, no non-interactive
# log at all, so no record can be checked; the look-alikes of a forged token are said at low.
def ual_only_files(inter, ual):
    return [("audit-signins.jsonl", lambda p: jsonl([ual_signin(x) for x in inter], p)),
            ("audit-2026-03-08.jsonl", lambda p: jsonl(ual, p)),
            ("ServiceTags_Public_20260302.json", lambda p: shutil.copy(TAGS, p))]


# marcus's mail read from Azure three times from one address, one token, through the clients
# given (one per read), and his own reading at the office two days before: the sign-ins and
# the UAL records.
def forged_reads_from_azure(clients):
    inter, _ = exports_until_0306()
    tok, sess = tokid(), guid()
    ual = [ual_mail(UAL_OWA_T, "2026-03-06T13:40:27", "marcus", "203.0.113.11", session=guid())]
    for (t, spec), client in zip((("2026-03-08T02:14:09", (("\\Inbox", 7),)),
                                  ("2026-03-08T02:19:51", (("\\Sent Items", 4),)),
                                  ("2026-03-08T02:26:33", (("\\Finance\\Board", 3),))), clients):
        ual.append(ual_mail(UAL_GRAPH_T, t, "marcus", "20.81.111.85", spec=spec, app=GRAPH,
                            client_app=client,
                            aac=aac(client, "2026-03-08T01:58:40", tok, sess)))
    return inter, ual


# pos_ual_only_forged_token_from_azure_low: marcus's mail read from Azure through Graph Explorer,
# three times from one address (kept as one example, counted as three).
def build_pos_ual_only():
    inter, ual = forged_reads_from_azure([GRAPH_EXPLORER] * 3)
    case("pos_ual_only_forged_token_from_azure_low",
         [{"severity": "low",
           "entities": {"users": [upn("marcus")], "ips": ["20.81.111.85"],
                        "apps": [GRAPH_EXPLORER], "mailboxes": [upn("marcus")]},
           "summary_contains": "3 MailItemsAccessed record(s) by " + upn("marcus"),
           "details": {"records": 3, "unverified": True, "full_coverage": False,
                       "from_hosting": True, "records_outside_coverage": 3,
                       "client_apps_never_signed_in": [GRAPH_EXPLORER]}}],
         ual_only_files(inter, ual), args=TAGS_ARGS)


# pos_ual_only_forged_tokens_two_client_apps_low: pos_ual_only_forged_token_from_azure_low's
# reads, the last through the Graph command-line tools: the summary names both client apps.
def build_pos_ual_only_two_clients():
    graph_cli = "14d82eec-204b-4c2f-b7e8-296a70dab67e"
    inter, ual = forged_reads_from_azure([GRAPH_EXPLORER, GRAPH_EXPLORER, graph_cli])
    case("pos_ual_only_forged_tokens_two_client_apps_low",
         [{"severity": "low",
           "entities": {"users": [upn("marcus")], "ips": ["20.81.111.85"],
                        "apps": [graph_cli, GRAPH_EXPLORER], "mailboxes": [upn("marcus")]},
           "summary_contains": "came from a hosting provider through client apps Microsoft "
                               "Graph Command Line Tools (" + graph_cli + ") and Graph "
                               "Explorer (" + GRAPH_EXPLORER + "), which none of the user's "
                               "sign-ins used",
           "details": {"records": 3, "unverified": True,
                       "client_apps_never_signed_in": [graph_cli, GRAPH_EXPLORER]}}],
         ual_only_files(inter, ual), args=TAGS_ARGS)


# neg_ual_only_cloud_vpn_and_new_phone: the reads of neg_ual_cloud_vpn_outside_coverage (a VPN
# leaving from Azure in apps tom signs in with, a new mail app at home), the UAL alone.
def build_neg_ual_only():
    inter, _ = exports_until_0306()
    case("neg_ual_only_cloud_vpn_and_new_phone", [],
         ual_only_files(inter, tom_vpn_and_new_phone_reads()), args=TAGS_ARGS)


# --- Microsoft Graph activity logs ------------------------------------------------------------

FORGED_APP = "8f1c6a2d-4b7e-4e93-a05c-2d9b1e7f3c48"   # an application id no sign-in ever used
OFFICE_APP = APPS["office"][0]


def graph_request(t, user, ip, uri, app, token, status=200, sp=None, session=None):
    """A MicrosoftGraphActivityLogs row (Log Analytics JSON, the table's columns): a user's
    request (user) or an application's own (sp)."""
    rid = guid()
    return {"TenantId": WORKSPACE, "TimeGenerated": t + ".%07dZ" % R.randrange(10 ** 7),
            "Location": "East US", "RequestId": rid, "OperationId": rid, "ClientRequestId": guid(),
            "ApiVersion": "beta" if "/beta/" in uri else "v1.0", "RequestMethod": "GET",
            "ResponseStatusCode": status, "AadTenantId": TENANT, "IPAddress": ip,
            "UserAgent": "python-requests/2.31.0" if app == FORGED_APP else APPS["office"][6],
            "RequestUri": uri, "DurationMs": R.randrange(80000, 900000),
            "ResponseSizeBytes": R.randrange(900, 90000), "SignInActivityId": token or "",
            "Roles": "Mail.Read" if sp else "", "TokenIssuedAt": t[:14] + "00:00.0000000Z",
            "AppId": app, "UserId": USERS[user][2] if user else "", "ServicePrincipalId": sp or "",
            "Scopes": "" if sp else "Mail.ReadWrite Mail.Read.Shared User.Read offline_access",
            "IdentityProvider": "https://sts.windows.net/%s/" % TENANT,
            "ClientAuthMethod": 2 if sp else 0, "Wids": "", "SessionId": session or "",
            "SourceSystem": "Azure AD", "Type": "MicrosoftGraphActivityLogs"}


def graph_world():
    """la_world for lucia, plus her Outlook add-in's token to Graph (officegraph) at the office."""
    inter, ni = la_world("lucia", "198.51.100.63", "2026-03-08", "2026-03-09")
    addin = SignIn("2026-03-09T13:05:31", "lucia", "officegraph", "203.0.113.10", False)
    shared = SignIn("2026-03-09T13:06:02", "tom", "officegraph", "203.0.113.10", False)
    return inter, ni + [addin, shared], addin, shared


G = "https://graph.microsoft.com"


def graph_files(inter, ni, rows):
    """Sign-ins of both kinds, the Graph activity log and the service tags that place Azure."""
    return [("SigninLogs.csv", lambda p: la_csv_file(inter, p)),
            ("AADNonInteractiveUserSignInLogs.json",
             lambda p: jsonl([la_ni_row(s) for s in ni], p)),
            ("MicrosoftGraphActivityLogs.json", lambda p: jsonl(rows, p)),
            ("ServiceTags_Public_20260302.json", lambda p: shutil.copy(TAGS, p))]


# pos_la_graph_forged_token_reads_mail: an E3 mailbox (no MailItemsAccessed) read through Graph
# with a delegated token no sign-in issued, from Azure, by an app lucia never signed in to; the
# first read comes before her first sign-in of the export (kept by object id, then named).
def build_pos_la_graph():
    inter, ni, addin, shared = graph_world()
    lucia = USERS["lucia"][2]
    forged = tokid()
    rows = [
        graph_request("2026-03-08T13:18:10", "lucia", "20.81.111.85",
                      G + "/v1.0/me/mailFolders('inbox')/messages?$top=50", FORGED_APP, forged),
        graph_request("2026-03-09T13:07:44", "lucia", "203.0.113.10",
                      G + "/v1.0/me/messages?$top=25&$select=subject,from", OFFICE_APP, addin.token),
        graph_request("2026-03-09T15:47:09", "lucia", "20.81.111.85",
                      G + "/v1.0/users/%s/mailFolders/Inbox/childFolders/AAMkAGQ1/messages?$top=50" % lucia,
                      FORGED_APP, forged),
        graph_request("2026-03-09T15:49:31", "lucia", "20.81.111.85",
                      G + "/v1.0/users/%s/messages?$top=100" % upn("lucia"), FORGED_APP, forged),
        # Refused, and not mail: neither is a read.
        graph_request("2026-03-09T15:50:02", "lucia", "20.81.111.85",
                      G + "/v1.0/users/%s/messages" % upn("priya"), FORGED_APP, forged, status=403),
        graph_request("2026-03-09T15:51:40", "lucia", "20.81.111.85",
                      G + "/v1.0/me/drive/root/children", FORGED_APP, forged),
    ]
    case("pos_la_graph_forged_token_reads_mail",
         [{"severity": "high",
           "entities": {"users": [upn("lucia")], "ips": ["20.81.111.85"], "apps": [FORGED_APP],
                        "mailboxes": [upn("lucia")]},
           "summary_contains": "3 Graph request(s) for mail by %s carry a token" % upn("lucia"),
           "details": {"records": 3, "graph_requests": 3,
                       "coverage_minutes": {"interactive": 31, "non-interactive": 48},
                       "full_coverage": False, "from_hosting": True, "unmatched_token_ids": [forged],
                       "operations": ["Microsoft Graph Activity"],
                       "client_apps_never_signed_in": [FORGED_APP]}}],
         graph_files(inter, ni, rows), args=TAGS_ARGS)


# neg_la_graph_reads_with_signed_in_tokens: Graph reads of mail by the owner's Outlook add-in and
# by a colleague reading a shared mailbox (from an address none of his sign-ins used), each with
# the token of a sign-in; one read whose row
# has no SignInActivityId, from an address and through an app the user signed in with; the
# backup application reading every mailbox as itself (app-only: not a user's token).
def build_neg_la_graph():
    inter, ni, addin, shared = graph_world()
    rows = [
        graph_request("2026-03-09T13:07:44", "lucia", "203.0.113.10",
                      G + "/v1.0/me/messages?$top=25&$select=subject,from", OFFICE_APP, addin.token),
        # From his phone's carrier address, which no sign-in of his used: the token is the one
        # his add-in got at the office.
        graph_request("2026-03-09T13:09:12", "tom", "172.58.141.27",
                      G + "/v1.0/users/%s/mailFolders('inbox')/messages" % upn("secops"),
                      OFFICE_APP, shared.token),
        graph_request("2026-03-09T14:32:50", "lucia", "203.0.113.10",
                      G + "/v1.0/me/mailFolders/inbox/messages?$top=10", OFFICE_APP, None),
        graph_request("2026-03-09T02:14:07", None, "192.0.2.25",
                      G + "/v1.0/users/%s/mailFolders/inbox/messages/delta" % USERS["lucia"][2],
                      ARC, tokid(), sp="c41e7a93-2f68-4d0b-95a7-e8b3d1f6c209"),
    ]
    case("neg_la_graph_reads_with_signed_in_tokens", [],
         graph_files(inter, ni, rows), args=TAGS_ARGS)


# pos_la_graph_forged_token_shared_mailbox: the shared security mailbox, which never signs in,
# read through Graph with a token no sign-in issued. Its object id is named by the tenant
# snapshot's Get-Mailbox export (ExternalDirectoryObjectId), so the finding names the mailbox.
def build_pos_la_graph_shared():
    inter, ni, addin, shared = graph_world()
    secops_id = USERS["secops"][2]
    forged = tokid()
    rows = [graph_request(t, "secops", "20.81.111.85",
                          G + "/v1.0/me/mailFolders('inbox')/messages?$top=100", FORGED_APP, forged)
            for t in ("2026-03-09T16:02:51", "2026-03-09T16:04:13")]
    mailboxes = [{"Name": "secops", "UserPrincipalName": upn("secops"),
                  "PrimarySmtpAddress": upn("secops"), "ExchangeObjectId": USERS["secops"][4],
                  "ExternalDirectoryObjectId": secops_id, "RecipientTypeDetails": "SharedMailbox",
                  "AuditEnabled": True, "WhenCreatedUTC": "2024-06-11T09:14:27Z"}]

    def write_mailboxes(p):
        with open(p, "w", encoding="utf-8") as f:
            f.write(json.dumps(mailboxes, indent=2) + "\n")

    case("pos_la_graph_forged_token_shared_mailbox",
         [{"severity": "high",
           "entities": {"users": [upn("secops")], "ips": ["20.81.111.85"], "apps": [FORGED_APP],
                        "mailboxes": [upn("secops")]},
           "summary_contains": "2 Graph request(s) for mail by %s" % upn("secops"),
           "details": {"records": 2, "graph_requests": 2, "unmatched_token_ids": [forged]}}],
         graph_files(inter, ni, rows) + [("mailboxes.json", write_mailboxes)], args=TAGS_ARGS)


def main_graph():
    build_pos_la_graph()
    build_neg_la_graph()
    build_pos_la_graph_shared()


# The storage account's hourly blobs, as diagnostic settings name them: each holds its hour's
# records of one category, one per line.
def azmon_blob(category, hour):
    d = datetime.strptime(hour, "%Y-%m-%dT%H")
    return ("insights-logs-%s/resourceId=/tenants/%s/providers/Microsoft.aadiam/"
            "y=%04d/m=%02d/d=%02d/h=%02d/m=00/PT1H.json"
            % (category, TENANT, d.year, d.month, d.day, d.hour))


def azmon_lines(signins):
    def write(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        jsonl([azmon_signin(x) for x in signins], path)
    return write


# pos_azmon_hour_blobs_cover_the_night: marcus's mail read from Azure at 02:14-02:26 with a
# token no sign-in issued, in a night whose sign-in blobs hold one or two records an hour (a
# colleague's phone refreshing, another working late). Each blob covers its hour: the reads
# are checked and reported (before, only the minutes between a blob's first and last record
# counted, and the reads fell outside: low, unverified).
def build_pos_azmon_hour_blobs():
    inter, ual = forged_reads_from_azure([GRAPH_EXPLORER] * 3)
    night_inter = {"2026-03-08T01": [SignIn("2026-03-08T01:47:12", "ken", "teams", "198.51.100.71")],
                   "2026-03-08T02": [SignIn("2026-03-08T02:03:31", "ken", "owa", "198.51.100.71")]}
    night_ni = {"2026-03-08T01": [SignIn("2026-03-08T01:22:05", "dana", "mobile", "198.51.100.21", False)],
                "2026-03-08T02": [SignIn("2026-03-08T02:40:18", "dana", "mobile", "198.51.100.21", False)]}
    files = [(azmon_blob("signinlogs", h), azmon_lines(v)) for h, v in night_inter.items()]
    files += [(azmon_blob("noninteractiveusersigninlogs", h), azmon_lines(v))
              for h, v in night_ni.items()]
    files += [("audit-2026-03-08.jsonl", lambda p: jsonl(ual, p)),
              ("ServiceTags_Public_20260302.json", lambda p: shutil.copy(TAGS, p))]
    case("pos_azmon_hour_blobs_cover_the_night",
         [{"severity": "high",
           "entities": {"users": [upn("marcus")], "ips": ["20.81.111.85"],
                        "apps": [GRAPH_EXPLORER], "mailboxes": [upn("marcus")]},
           "summary_contains": "no sign-in from 20.81.111.85",
           "details": {"records": 3, "from_hosting": True,
                       "coverage_minutes": {"interactive": 74, "non-interactive": 74},
                       "records_outside_coverage": 1,  # his own read at the office, 03-06
                       "client_apps_never_signed_in": [GRAPH_EXPLORER]}}],
         files, args=TAGS_ARGS)


# pos_la_graph_forged_token_named_by_exchange: the shared security mailbox read with a token no
# sign-in issued, as in pos_la_graph_forged_token_shared_mailbox, but with no tenant snapshot:
# nothing names its object id but Exchange's MailItemsAccessed records of the same two reads,
# which carry the same token (AppAccessContext.UniqueTokenId) under the mailbox's UPN. One
# finding names the mailbox, with both logs' records; before, the Graph requests made a second
# finding under the bare object id.
def build_pos_la_graph_named_by_exchange():
    inter, ni, addin, shared = graph_world()
    forged = tokid()
    times = ("2026-03-09T16:02:51", "2026-03-09T16:04:13")
    rows = [graph_request(t, "secops", "20.81.111.85",
                          G + "/v1.0/me/mailFolders('inbox')/messages?$top=100", FORGED_APP, forged)
            for t in times]
    ual = [ual_mail(UAL_GRAPH_T, t, "secops", "20.81.111.85", client_app=FORGED_APP,
                    aac=aac(FORGED_APP, "2026-03-09T15:58:40", token=forged))
           for t in times]
    case("pos_la_graph_forged_token_named_by_exchange",
         [{"severity": "high",
           "entities": {"users": [upn("secops")], "ips": ["20.81.111.85"], "apps": [FORGED_APP],
                        "mailboxes": [upn("secops")]},
           "summary_contains": "2 MailItemsAccessed record(s) and 2 Graph request(s) for mail by %s"
                               % upn("secops"),
           "details": {"records": 4, "graph_requests": 2, "unmatched_token_ids": [forged]}}],
         graph_files(inter, ni, rows) + [("audit-2026-03-09.jsonl", lambda p: jsonl(ual, p))],
         args=TAGS_ARGS)


# pos_la_graph_placeholder_token_names_nobody: the same two Graph reads of the shared security
# mailbox, and Tom's own reads in Exchange, in an export whose token ids were redacted to one
# placeholder. A token id shared that way ties no record to another: the Graph requests are not
# taken for Tom's (before: named by his records, the finding said Tom read the security
# mailbox); nothing else names the mailbox's id, so the finding keeps it.
def build_pos_la_graph_placeholder_token():
    inter, ni, addin, shared = graph_world()
    placeholder = "AAAAAAAAAAAAAAAAAAAAAA"
    secops_id = USERS["secops"][2]
    times = ("2026-03-09T16:02:51", "2026-03-09T16:04:13")
    rows = [graph_request(t, "secops", "20.81.111.85",
                          G + "/v1.0/me/mailFolders('inbox')/messages?$top=100", FORGED_APP,
                          placeholder)
            for t in times]
    ual = [ual_mail(UAL_GRAPH_T, t, "tom", "20.81.111.85", client_app=FORGED_APP,
                    aac=aac(FORGED_APP, "2026-03-09T15:58:40", token=placeholder))
           for t in times]
    case("pos_la_graph_placeholder_token_names_nobody",
         [{"severity": "high", "entities": {"users": [secops_id], "mailboxes": [secops_id]},
           "summary_contains": "2 Graph request(s) for mail by %s" % secops_id},
          {"severity": "high", "entities": {"users": [upn("tom")], "mailboxes": [upn("tom")]},
           "summary_contains": "2 MailItemsAccessed record(s) by %s" % upn("tom")}],
         graph_files(inter, ni, rows) + [("audit-2026-03-09.jsonl", lambda p: jsonl(ual, p))],
         args=TAGS_ARGS)


# pos_ual_graph_redacted_tokens_explain_nothing: pos_ual_graph_forged_token_from_azure's tenant in
# an export whose token and session ids were redacted to one value each in every sign-in and
# every mailbox record ("aaaa...", "9999...-9999...", as vendors' samples write them). Before,
# the forged token's two reads were explained by every sign-in's placeholders and nothing was
# reported; now the placeholder explains nothing,
# the reads from an address and a client app no sign-in used are reported, and Marcus's own OWA
# read from the office stays explained by his sign-ins there.
def build_pos_ual_graph_redacted():
    tok, ses = "a" * 22, "99999999-9999-9999-9999-999999999999"
    inter = [
        SignIn("2026-03-05T13:41:22", "marcus", "owa", "203.0.113.11", token=tok, session=ses),
        SignIn("2026-03-05T13:43:05", "marcus", "office", "203.0.113.11", token=tok, session=ses),
        SignIn("2026-03-06T13:36:51", "marcus", "owa", "203.0.113.11", token=tok, session=ses),
        SignIn("2026-03-06T17:48:02", "ken", "teams", "203.0.113.10", token=tok, session=ses),
    ]
    ni = [
        SignIn("2026-03-05T14:44:09", "marcus", "office", "203.0.113.11", False, ses, tok),
        SignIn("2026-03-06T14:40:18", "marcus", "office", "203.0.113.11", False, ses, tok),
        SignIn("2026-03-06T17:55:40", "dana", "mobile", "198.51.100.21", False, ses, tok),
    ]
    ual = [ual_mail(UAL_OWA_T, "2026-03-06T13:52:17", "marcus", "203.0.113.11", session=ses)]
    ual += forged_graph_reads(tok, ses)
    forged_from_azure_case("pos_ual_graph_redacted_tokens_explain_nothing", inter, ni, ual, [])


main()
main_graph()
build_pos_ual_only_two_clients()  # the cases before it keep their random draws
build_pos_azmon_hour_blobs()  # last, for the same reason
build_pos_la_graph_named_by_exchange()  # after them all, for the same reason
build_pos_la_graph_placeholder_token()  # after them all, for the same reason
build_pos_ual_graph_redacted()  # after them all, for the same reason


# pos_ual_graph_forged_token_beside_a_new_phone: Marcus's forged Graph reads from an Azure VM,
# and in the same day a read by Outlook for iOS, whose refresh the export does not hold (a new
# phone, or one whose sign-ins fell before the export): one finding, high for the forged reads.
# The phone's record carries the address of Microsoft's service, never the phone's: it is not
# named as an address of the finding (a responder blocks what a finding names; the incident would
# count other users' phone reads through Microsoft's service as the attacker's).
def build_pos_ual_graph_beside_new_phone():
    inter = [SignIn("2026-03-05T12:58:10", "ken", "officehome", "203.0.113.10"),
             SignIn("2026-03-05T13:41:22", "marcus", "owa", "203.0.113.11"),
             SignIn("2026-03-06T13:36:51", "marcus", "owa", "203.0.113.11"),
             SignIn("2026-03-06T17:48:02", "ken", "teams", "203.0.113.10")]
    ni = [SignIn("2026-03-05T12:10:44", "dana", "mobile", "198.51.100.21", False),
          SignIn("2026-03-05T14:44:09", "marcus", "owa", "203.0.113.11", False, inter[1].session),
          SignIn("2026-03-06T14:40:18", "marcus", "owa", "203.0.113.11", False, inter[2].session),
          SignIn("2026-03-06T17:55:40", "dana", "mobile", "198.51.100.21", False)]
    forged_sess, forged_tok = guid(), tokid()
    ual = [ual_mail(UAL_OWA_T, "2026-03-06T13:52:17", "marcus", "203.0.113.11", session=guid()),
           ual_mail(UAL_IOS_T, "2026-03-06T15:07:29", "marcus", "2603:10b6:510:2b9::12",
                    spec=(("\\Inbox", 2),))] + forged_graph_reads(forged_tok, forged_sess)
    case("pos_ual_graph_forged_token_beside_a_new_phone",
         [{"severity": "high",
           "entities": {"users": [upn("marcus")], "ips": ["20.81.111.85"]},
           "entities_absent": {"ips": ["2603:10b6:510:2b9::12"]},
           "details": {"records": 3, "from_hosting": True}}],
         [("signins-interactive.json", lambda p: graph_page(inter, p)),
          ("signins-noninteractive.json", lambda p: graph_page(ni, p)),
          ("audit-2026-03-06.jsonl", lambda p: jsonl(ual, p)),
          ("ServiceTags_Public_20260302.json", lambda p: shutil.copy(TAGS, p))],
         args=["--ip-ranges", "@CASE@/ServiceTags_Public_20260302.json"])


build_pos_ual_graph_beside_new_phone()  # after them all, for the same reason
