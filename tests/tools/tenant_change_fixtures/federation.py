import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *

RULE = "federation-modified"
admin = User("alex.rivera", "203.0.113.20")
rogue = User("j.morrow", "198.51.100.77")
CERT1 = ("MIIC8DCCAdigAwIBAgIQHk3pX2m7Yb5Jr0c8m1qXqTANBgkqhkiG9w0BAQsFADA0MTIwMAYDVQQDEylBREZTIFNpZ25pbmcg"
         "LSBzdHMuZmFicmlrYW0tc3NvLmNvbTAeFw0yNjA0MDEwMDAwMDBaFw0yNzA0MDEwMDAwMDBa")
CERT2 = ("MIIC8DCCAdigAwIBAgIQXv0qL4cX1U6o9m2dQ7kYbDANBgkqhkiG9w0BAQsFADA0MTIwMAYDVQQDEylBREZTIFNpZ25pbmcg"
         "LSBzdHMuZmFicmlrYW1sYWIuY29tMB4XDTI2MDQwMTAwMDAwMFoXDTI3MDQwMTAwMDAwMFo=")


def dom_item(time, op, actor, domain, props, seed, op_type="Update", actor_sp=None):
    return entra_item(time, op, "DirectoryManagement", actor, [
        {"id": None, "displayName": domain, "type": None, "userPrincipalName": None, "groupType": None,
         "modifiedProperties": [{"displayName": n, "oldValue": o, "newValue": nv} for (n, o, nv) in props]}],
        seed, op_type=op_type, actor_sp=actor_sp)


# 1. Graph: a new domain added, verified, switched to federated, federation settings pointing at
#    an attacker-run IdP.
D = "fabrikam-sso.com"
items = [
    dom_item("2026-05-02T01:10:04", "Add unverified domain", rogue, D,
             [("Name", js([""]), js([D])), ("LiveType", js(["None"]), js(["Managed"])),
              ("Included Updated Properties", None, js("Name,LiveType"))], "f1a", op_type="Add"),
    dom_item("2026-05-02T01:22:40", "Verify domain", rogue, D,
             [("Included Updated Properties", None, js(""))], "f1b"),
    dom_item("2026-05-02T01:25:13", "Set domain authentication", rogue, D,
             [("LiveType", js(["Managed"]), js(["Federated"])),
              ("Included Updated Properties", None, js("LiveType"))], "f1c"),
    dom_item("2026-05-02T01:25:14", "Set federation settings on domain", rogue, D,
             [("IssuerUri", js([""]), js(["http://sts.fabrikam-sso.com/adfs/services/trust"])),
              ("PassiveLogOnUri", js([""]), js(["https://sts.fabrikam-sso.com/adfs/ls/"])),
              ("SigningCertificate", js([""]), js([CERT1])),
              ("FederationBrandName", js([""]), js(["Fabrikam SSO"])),
              ("Included Updated Properties", None,
               js("IssuerUri,PassiveLogOnUri,SigningCertificate,FederationBrandName"))], "f1d"),
]
for it in items:
    it["initiatedBy"]["user"]["ipAddress"] = "198.51.100.77"
case(RULE, "pos_graph_new_domain_federated", {"directoryAudits.json": graph_page(items)}, [{
    "severity": "high",
    "entities": {"domains": [D], "users": [rogue.upn], "ips": ["198.51.100.77"]},
    "summary_contains": "switched to federated authentication",
    "details": {"added": True, "verified": True, "federated": True, "signing_certificate_changed": True,
                "issuer_uri_new": "http://sts.fabrikam-sso.com/adfs/services/trust",
                "properties_changed": ["IssuerUri", "PassiveLogOnUri", "SigningCertificate"]}}])

# 2. UAL: a service principal sets a new next signing certificate on the federated domain.
tool = App("Fabrikam Ops Tooling", gid("app:opstool"), gid("sp:opstool"))
D2 = "fabrikamlab.com"
rec = ual_aad("2026-05-03T03:47:18", "Set federation settings on domain", None, [
    ("NextSigningCertificate", f"[\r\n  \"{CERT2}\"\r\n]", "[]"),
    ("Included Updated Properties", "NextSigningCertificate", ""),
], [{"ID": D2, "Type": 1}], "Domain", gid("rec:f2"), ip="198.51.100.77", object_id=D2,
    actor_sp=tool)
case(RULE, "pos_ual_next_signing_certificate_by_service_principal", {"audit.jsonl": [rec]}, [{
    "severity": "critical",
    "entities": {"domains": [D2], "service_principals": [tool.sp_id]},
    "details": {"next_signing_certificate_changed": True, "by_service_principal": True,
                "properties_changed": ["NextSigningCertificate"]}}])

# 3. Log Analytics: a new domain added and verified (medium).
D3 = "fabrikam-partners.net"
items = [
    dom_item("2026-05-04T15:02:11", "Add unverified domain", admin, D3,
             [("Name", js([""]), js([D3])), ("LiveType", js(["None"]), js(["Managed"])),
              ("Included Updated Properties", None, js("Name,LiveType"))], "f3a", op_type="Add"),
    dom_item("2026-05-04T15:40:57", "Verify domain", admin, D3,
             [("Included Updated Properties", None, js(""))], "f3b"),
]
case(RULE, "pos_la_domain_added_and_verified", {"AuditLogs.json": [la_row(i) for i in items]}, [{
    "severity": "medium",
    "entities": {"domains": [D3], "users": [admin.upn]},
    "details": {"added": True, "verified": True, "federated": False}}])

# 4. UAL Exchange: the federation trust gets a new certificate; an accepted domain is added.
recs = [
    ual_exchange("2026-05-05T20:11:35", "Set-FederationTrust", rogue, [
        ("Identity", "Microsoft Federation Gateway"),
        ("Thumbprint", "3F1A9C04B7E26D58C0A1F49E6B2D7C8815A0E3F4")], gid("rec:f4a"),
        ip="198.51.100.77:52144", object_id="Microsoft Federation Gateway"),
    ual_exchange("2026-05-05T20:14:02", "New-AcceptedDomain", rogue, [
        ("Name", "fabrikam-mail.org"), ("DomainName", "fabrikam-mail.org"),
        ("DomainType", "Authoritative")], gid("rec:f4b"), ip="198.51.100.77:52151",
        object_id="fabrikam-mail.org"),
]
case(RULE, "pos_ual_exchange_federation_trust_and_accepted_domain", {"exchange.jsonl": recs}, [
    {"severity": "high", "entities": {"users": [rogue.upn]},
     "details": {"federation_trust": "Microsoft Federation Gateway", "signing_certificate_changed": True,
                 "exchange_cmdlets": ["Set-FederationTrust"]}},
    {"severity": "low", "entities": {"domains": ["fabrikam-mail.org"]},
     "details": {"exchange_cmdlets": ["New-AcceptedDomain"], "verified": False}}])

# 5. Benign: a mistyped domain added and removed again without verification.
items = [
    dom_item("2026-05-06T14:00:31", "Add unverified domain", admin, "fabrkamlab.com",
             [("Name", js([""]), js(["fabrkamlab.com"])), ("LiveType", js(["None"]), js(["Managed"])),
              ("Included Updated Properties", None, js("Name,LiveType"))], "f5a", op_type="Add"),
    dom_item("2026-05-06T14:03:12", "Remove unverified domain", admin, "fabrkamlab.com", [], "f5b",
             op_type="Delete"),
]
case(RULE, "neg_graph_typo_domain_added_and_removed", {"directoryAudits.json": graph_page(items)}, [])

# 6. Benign: a domain moved back from federated to managed (cloud authentication), and Exchange's
#    own service creating the accepted domain for it.
recs = [
    ual_aad("2026-05-07T18:30:02", "Set domain authentication", admin, [
        ("LiveType", "[\r\n  \"Managed\"\r\n]", "[\r\n  \"Federated\"\r\n]"),
        ("Included Updated Properties", "LiveType", ""),
    ], [{"ID": "fabrikamlab.com", "Type": 1}], "Domain", gid("rec:f6a"), ip=admin.ip,
        object_id="fabrikamlab.com"),
    ual_exchange("2026-05-07T18:41:55", "New-AcceptedDomain", None, [
        ("Name", "fabrikamlab.com"), ("DomainName", "fabrikamlab.com"), ("DomainType", "Authoritative")],
        gid("rec:f6b"), object_id="fabrikamlab.com", system=True),
]
case(RULE, "neg_ual_defederation_and_exchange_system", {"audit.jsonl": recs}, [])

# Real sample: SEKOIA Azure Monitor "Add unverified domain" (never verified: low), and the
# parameter that turns such findings off.
REAL = "shared/realdata/SEKOIA-IO_intake-formats/_extracted/azure-ad_eventhub_diagnostic.jsonl"
case(RULE, "pos_realdata_sekoia_unverified_domain", {}, [{
    "severity": "low", "entities": {"domains": ["examplecorp.onmicrosoft.com"], "users": ["user1"]},
    "summary_contains": "never verified",
    "details": {"added": True, "verified": False}}], evidence=[REAL])
case(RULE, "neg_realdata_sekoia_unverified_domain_param", {
    "config.yaml": "rules:\n  federation-modified:\n    report_unverified_domains: false\n"}, [],
    args=["--config", "@CASE@/config.yaml"], evidence=[REAL])
