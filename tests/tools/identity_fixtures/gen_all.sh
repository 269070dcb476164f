#!/usr/bin/env bash
# Regenerates the fixtures of the identity rules (tests/detections/{dormant-account-mfa-registration,
# signin-from-hosting-ip,anomalous-signin-location,legacy-auth-signin,password-spray}) from the demo tenant's records.
# The --asn-db case needs a built tests/tools/make_mmdb: M365_MAKE_MMDB=path/to/make_mmdb.
# Usage: bash tests/tools/identity_fixtures/gen_all.sh   (from anywhere)
set -euo pipefail
cd "$(dirname "$0")"
for g in gen_dormant.py gen_hosting.py gen_anomalous.py gen_legacy.py gen_spray_small.py; do
    python3 -B "$g"
done
