"""Log Analytics rows for the detection fixtures' generators, with the tables' own columns in
their order: MicrosoftGraphActivityLogs requests and SigninLogs sign-ins. The caller gives what
varies per row: the time with its fraction, the ids, the sizes."""

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
