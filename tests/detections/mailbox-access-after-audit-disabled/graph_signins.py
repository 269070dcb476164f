"""A Graph sign-in record copied from a real-shaped template, for this folder's fixture builders:
new ids from a serial number, the time, the account and the place patched."""
import copy


def graph_signin(tpl, n, t, upn, uid, display, place, group, token_prefix, session=False):
    """place: (ip, city, state, country, lat, lon, asn); group: the ids' second field."""
    r = copy.deepcopy(tpl)
    r["id"] = r["originalRequestId"] = "0000000f-%s-4001-8001-%012x" % (group, n)
    r["correlationId"] = "0000000f-1111-4222-8333-%012x" % n
    r["uniqueTokenIdentifier"] = "%s%04xAA" % (token_prefix, n)
    if session:
        r["sessionId"] = "0000000f-5555-4666-8777-%012x" % n
    r["createdDateTime"] = t
    r["userDisplayName"] = display
    r["userPrincipalName"] = r["signInIdentifier"] = upn
    r["userId"] = uid
    ip, city, state, country, lat, lon, asn = place
    r["ipAddress"] = ip
    loc = r["location"]
    loc["city"], loc["state"], loc["countryOrRegion"] = city, state, country
    loc["geoCoordinates"]["latitude"], loc["geoCoordinates"]["longitude"] = lat, lon
    r["autonomousSystemNumber"] = asn
    return r
