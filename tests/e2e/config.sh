#!/usr/bin/env bash
# --config and enrichment options: errors name file and line, values change behaviour.
source "$(dirname "$0")/common.bash" "$@"
cd "$SRC" || exit 1
DEMO=examples/contoso-demo
run() { "$BIN" "$@" >"$WORK/out" 2>"$WORK/err"; RC=$?; }

# Errors: exit 2 with FILE:LINE and the reason.
cfg() { printf '%b' "$1" >"$WORK/c.yaml"; run scan --no-progress --config "$WORK/c.yaml" "$DEMO"; }
cfg 'rules:\n  no-such-rule:\n    x: 1\n'
expect_eq "unknown rule exit" "$RC" 2
expect_grep "unknown rule" "$WORK/err" 'c\.yaml:3: no-such-rule\.x: unknown rule id'
cfg 'rules:\n  legacy-auth-signin:\n    regular_days: many\n'
expect_grep "bad number" "$WORK/err" 'c\.yaml:3: legacy-auth-signin\.regular_days: takes a whole number'
cfg 'rules:\n  legacy-auth-signin:\n    spray_window: 3 weeks\n'
expect_grep "bad duration" "$WORK/err" 'spray_window: takes a duration such as 90s, 60m, 24h or 7d'
cfg 'rules:\n  legacy-auth-signin:\n    nope: 1\n'
expect_grep "unknown parameter" "$WORK/err" 'legacy-auth-signin\.nope: unknown parameter'
cfg 'rulez:\n  a: 1\n'
expect_grep "unknown section" "$WORK/err" "c\.yaml:1: unknown section 'rulez'"
cfg 'rules: [1, 2\n'
expect_eq "invalid YAML exit" "$RC" 2
expect_grep "invalid YAML" "$WORK/err" 'c\.yaml:[0-9]+: '
run scan --no-progress --config "$WORK/missing.yaml" "$DEMO"
expect_eq "missing config" "$RC" 2
expect_grep "missing config message" "$WORK/err" 'missing\.yaml: cannot open: No such file'
printf '10.0.0.0/8 corp\n300.1.2.3/8 bad\n' >"$WORK/ranges.txt"
run scan --no-progress --ip-ranges "$WORK/ranges.txt" "$DEMO"
expect_eq "bad ranges exit" "$RC" 2
expect_grep "bad ranges line" "$WORK/err" "ranges\.txt:2: '300\.1\.2\.3/8' is not an address or CIDR prefix"
printf 'not a database' >"$WORK/asn.mmdb"
run scan --no-progress --asn-db "$WORK/asn.mmdb" "$DEMO"
expect_eq "bad mmdb exit" "$RC" 2
# Each database in its own option: the wrong one stops the scan and names the right option.
GEO=$SRC/tests/detections/anomalous-signin-location/pos_ual_geo_db_dormant_account_abroad
ASN=$SRC/tests/detections/signin-from-hosting-ip/pos_ual_sentinel_asn_db_only/asn.mmdb
run scan --no-progress --geo-db "$ASN" "$GEO/audit.jsonl"
expect_eq "ASN database as --geo-db exit" "$RC" 2
expect_grep "ASN database as --geo-db message" "$WORK/err" 'asn\.mmdb: a GeoLite2-ASN database: it places no address \(give it to --asn-db'
run scan --no-progress --asn-db "$GEO/city.mmdb" "$GEO/audit.jsonl"
expect_eq "city database as --asn-db exit" "$RC" 2
expect_grep "city database as --asn-db message" "$WORK/err" 'city\.mmdb: a GeoLite2-City database: it holds places, not networks \(give it to --geo-db'
run scan --no-progress --geo-db "$WORK/asn.mmdb" "$GEO/audit.jsonl"
expect_eq "bad city mmdb exit" "$RC" 2
# UAL sign-ins only: placed by geo_db from the configuration file, not judged without it.
mkdir -p "$WORK/geodir"
cp "$GEO/city.mmdb" "$WORK/geodir/GeoLite2-City.mmdb"
printf 'enrichment:\n  geo_db: GeoLite2-City.mmdb\n' >"$WORK/geodir/m365hunt.yaml"
run scan --no-progress --format json --config "$WORK/geodir/m365hunt.yaml" "$GEO/audit.jsonl"
expect_eq "geo_db in the configuration places UAL sign-ins" \
    "$(jq -r '[.findings[] | select(.rule=="anomalous-signin-location") | .details.new_locations[0].located_by] | join(",")' "$WORK/out")" geo-db
expect_eq "placed by the database: said in part" \
    "$(jq -r '.not_evaluated[] | select(.rule=="anomalous-signin-location" and .in_part) | .reason | test("^29 of the 29 successful sign-ins judged for place were placed by --geo-db")' "$WORK/out")" true
# The report records the enrichment used: each file, a database's type and build, a list's size.
printf '# egress\n203.0.113.0/24 Boston HQ\n198.51.100.0/24\n' >"$WORK/egress.txt"
run scan --no-progress --format json --geo-db "$GEO/city.mmdb" --trusted-ips "$WORK/egress.txt" "$GEO/audit.jsonl"
expect_eq "enrichment recorded in the JSON document" \
    "$(jq -c '[.enrichment[] | [.option, (.path | split("/") | last), .database_type, .built, .prefixes, .looked_up, .found, .ipv6_unheld]]' "$WORK/out")" \
    '[["geo-db","city.mmdb","GeoLite2-City","2026-03-01T00:00:00.000Z",null,4,4,0],["trusted-ips","egress.txt",null,null,2,4,3,null]]'
run scan --no-progress --geo-db "$GEO/city.mmdb" --trusted-ips "$WORK/egress.txt" "$GEO/audit.jsonl"
expect_grep "enrichment in the text summary" "$WORK/out" '^  enrichment --geo-db .*city\.mmdb \(GeoLite2-City, built 2026-03-01\): placed 4 of 4 addresses$'
expect_grep "a list's size and use in the text summary" "$WORK/out" '^  enrichment --trusted-ips .*egress\.txt \(2 prefixes\): 3 of 4 addresses in it$'
expect_eq "a trusted list that holds some: no warning" "$(grep -c 'trusted-ips holds none' "$WORK/err")" 0
# A trusted list of internal ranges holds none of the public addresses the logs see: named.
printf '10.0.0.0/8 corp LAN\n192.168.0.0/16\n' >"$WORK/internal.txt"
run scan --no-progress --trusted-ips "$WORK/internal.txt" "$GEO/audit.jsonl"
expect_grep "a trusted list that holds none is named" "$WORK/err" \
    'internal\.txt: --trusted-ips holds none of the 4 addresses looked up: the tenant.s own egress'
expect_grep "... and says so in the text summary" "$WORK/out" '^  enrichment --trusted-ips .*internal\.txt \(2 prefixes\): 0 of 4 addresses in it$'
run scan --no-progress --out "$WORK/case" --geo-db "$GEO/city.mmdb" "$GEO/audit.jsonl"
expect_grep "enrichment in the HTML report" "$WORK/case/report.html" '<td><code>--geo-db</code></td><td><code>[^<]*city\.mmdb</code></td><td>GeoLite2-City, built 2026-03-01; placed 4 of 4 addresses</td>'

# The ip-location-db city databases: flat records, IPv4 and IPv6 in two files, --geo-db twice
# (or a list of two in the configuration). Each says what it placed; the IPv4 file alone names
# the IPv6 addresses it cannot hold; a database that places nothing is named, not silent.
FLAT=$SRC/tests/detections/anomalous-signin-location/pos_ual_ip_location_db_two_files_new_country_and_travel
run scan --no-progress --format json --geo-db "$FLAT/city4.mmdb" --geo-db "$FLAT/city6.mmdb" "$FLAT/audit.jsonl"
expect_eq "two city files: both recorded with what they placed" \
    "$(jq -c '[.enrichment[] | [.option, (.path | split("/") | last), .database_type, .looked_up, .found, .ipv6_unheld]]' "$WORK/out")" \
    '[["geo-db","city4.mmdb","city ipv4",4,4,1],["geo-db","city6.mmdb","city ipv6",1,1,0]]'
expect_eq "two city files: no warning" "$(grep -c 'warning' "$WORK/err")" 0
run scan --no-progress --geo-db "$FLAT/city4.mmdb" "$FLAT/audit.jsonl"
expect_grep "IPv4 file alone: the text says what it cannot hold" "$WORK/out" \
    '^  enrichment --geo-db .*city4\.mmdb \(city ipv4, built 2026-03-01\): placed 4 of 4 addresses; 1 IPv6 address it cannot hold \(IPv4 only\)$'
expect_grep "IPv4 file alone: a warning asks for the IPv6 file" "$WORK/err" \
    'city4\.mmdb: --geo-db holds IPv4 only: 1 public IPv6 address could not be placed \(give the database.s IPv6 file as a second --geo-db\)$'
run scan --no-progress --geo-db "$FLAT/city6.mmdb" "$GEO/audit.jsonl"
expect_grep "a database that places none of the addresses is named" "$WORK/err" \
    'city6\.mmdb: --geo-db placed none of the 4 public addresses looked up in it: it holds none of them'
run scan --no-progress --geo-db "$FLAT/city4.mmdb" --geo-db "$FLAT/city6.mmdb" --geo-db "$GEO/city.mmdb" "$FLAT/audit.jsonl"
expect_eq "--geo-db three times: usage error" "$RC" 2
expect_grep "--geo-db three times: message" "$WORK/err" 'given three times'
mkdir -p "$WORK/flatdir"
cp "$FLAT/city4.mmdb" "$FLAT/city6.mmdb" "$WORK/flatdir/"
printf 'enrichment:\n  geo_db: [city4.mmdb, city6.mmdb]\n' >"$WORK/flatdir/m365hunt.yaml"
run scan --no-progress --format json --config "$WORK/flatdir/m365hunt.yaml" "$FLAT/audit.jsonl"
expect_eq "geo_db as a list of two in the configuration" \
    "$(jq -c '[[.enrichment[] | .path | split("/") | last], [.findings[] | select(.rule=="anomalous-signin-location") | .details.impossible_travel[0].from_ip]]' "$WORK/out")" \
    '[["city4.mmdb","city6.mmdb"],["2001:db8:4a1::25"]]'
printf 'enrichment:\n  geo_db: [a.mmdb, b.mmdb, c.mmdb]\n' >"$WORK/flatdir/bad.yaml"
run scan --no-progress --config "$WORK/flatdir/bad.yaml" "$FLAT/audit.jsonl"
expect_eq "geo_db list of three: exit" "$RC" 2
expect_grep "geo_db list of three: message" "$WORK/err" 'bad\.yaml:2: geo_db takes a path, or a list of two'


# Impossible travel names the end that is not the user's own place: the office Ken signed in
# from before and after Lagos is evidence, not an address of the finding (a responder blocks
# what a finding names, and the incident counts mail read from it as the attacker's).
TRAVEL=$SRC/tests/detections/anomalous-signin-location/pos_ual_geo_db_new_country_and_travel
run scan --no-progress --format json --geo-db "$TRAVEL/city.mmdb" "$TRAVEL/audit.jsonl"
expect_eq "travel: only the new end's address named" \
    "$(jq -c '[.findings[] | select(.rule=="anomalous-signin-location") | .entities.ips]' "$WORK/out")" '[["105.112.33.40"]]'
expect_eq "travel: both ends still evidence" \
    "$(jq -c '[.findings[] | select(.rule=="anomalous-signin-location") | [.evidence[].line]]' "$WORK/out")" '[[29,30,31]]'
# Both ends known (the attacker's second sign-in from a country its first made known): the end
# the user's own sign-ins rarely come from is named, not the office.
HIJACK=$SRC/tests/detections/anomalous-signin-location/pos_graph_session_hijacked_twice_then_the_office
run scan --no-progress --format json "$HIJACK/signins.json"
expect_eq "travel between two known ends: the rarer end's address alone" \
    "$(jq -c '[.findings[] | select(.rule=="anomalous-signin-location") | .entities.ips]' "$WORK/out")" '[["159.89.204.10"]]'
# Neither end known and the user's sign-ins too few to tell: the end on a network several other
# accounts sign in from (the office) is where the user was; the other alone is named.
SHARED=$SRC/tests/detections/anomalous-signin-location/pos_graph_replayed_before_the_first_day_at_a_shared_office
run scan --no-progress --format json "$SHARED/signins.json"
expect_eq "travel between two unknown ends: not the tenant's shared office" \
    "$(jq -c '[.findings[] | select(.rule=="anomalous-signin-location") | .entities.ips]' "$WORK/out")" '[["116.87.251.48"]]'
# A holder of mailbox-wide access in the window: its sign-in at the office, where it signs in
# every day, counts but is not named (an incident would take the office's reads for the
# attacker's); the VPS is; reading its own mailbox uses no grant and does not count.
HOLDER=$SRC/tests/detections/mailbox-access-after-audit-disabled/pos_ual_impersonation_holder_at_the_office_and_from_a_vps
run scan --no-progress --format json "$HOLDER/audit.jsonl" "$HOLDER/signins.json"
expect_eq "grant holder: its usual network is not named" \
    "$(jq -c '[.findings[] | select(.rule=="mailbox-access-after-audit-disabled") | .entities.ips]' "$WORK/out")" '[["159.203.84.17","40.76.173.208"]]'
run scan --no-progress --format json "$GEO/audit.jsonl"
expect_eq "without --geo-db: no place, no finding" \
    "$(jq '[.findings[] | select(.rule=="anomalous-signin-location")] | length' "$WORK/out")" 0
expect_eq "without --geo-db: the in-part reason names it" \
    "$(jq -r '.not_evaluated[] | select(.rule=="anomalous-signin-location") | .reason | test("or a city database \\(--geo-db\\) for the UAL.s, would show them")' "$WORK/out")" true

# A rule can be switched off: then it is listed as not evaluated, with the reason.
cfg 'rules:\n  legacy-auth-signin:\n    enabled: false\n'
run scan --no-progress --format json --config "$WORK/c.yaml" "$DEMO"
expect_eq "disabled rule listed" "$(jq -r '.not_evaluated[] | select(.rule=="legacy-auth-signin") | .reason' "$WORK/out")" "disabled in the configuration"
expect_eq "disabled rule silent" "$(jq '[.findings[] | select(.rule=="legacy-auth-signin")] | length' "$WORK/out")" 0

# Parameters change outcomes. The demo printer is low twice over: a regular client (3 days) and
# on the office network. With regular_days raised it is still the office's; with shared_accounts
# raised above the office's staff as well it is medium.
PRINTER='.findings[] | select(.rule=="legacy-auth-signin" and .entities.users[0]=="scanner@contosodemo.onmicrosoft.com")'
run scan --no-progress --format json "$DEMO"
expect_eq "printer low by default" "$(jq -r "$PRINTER | .severity" "$WORK/out")" low
cfg 'rules:\n  legacy-auth-signin:\n    regular_days: 30\n'
run scan --no-progress --format json --config "$WORK/c.yaml" "$DEMO"
expect_eq "printer low with regular_days 30: the office" "$(jq -r "$PRINTER | .severity" "$WORK/out")" low
expect_eq "printer's office network named" "$(jq -r "$PRINTER | .details.office_network" "$WORK/out")" 203.0.113.0/24
expect_grep "printer's summary says the office" "$WORK/out" 'scanner@contosodemo[^"]*, the office: [0-9]+ other accounts sign in from it'
cfg 'rules:\n  legacy-auth-signin:\n    regular_days: 30\n    shared_accounts: 1000\n'
run scan --no-progress --format json --config "$WORK/c.yaml" "$DEMO"
expect_eq "printer medium with regular_days 30 and shared_accounts 1000" "$(jq -r "$PRINTER | .severity" "$WORK/out")" medium

# Enrichment paths from the config file are relative to it; --trusted-ips silences the printer.
mkdir -p "$WORK/cfgdir"
printf '203.0.113.0/24 Boston HQ\n' >"$WORK/cfgdir/egress.txt"
printf 'enrichment:\n  trusted_ips: egress.txt\n' >"$WORK/cfgdir/m365hunt.yaml"
run scan --no-progress --format json --config "$WORK/cfgdir/m365hunt.yaml" "$DEMO"
expect_eq "trusted egress silences the printer" "$(jq '[.findings[] | select(.rule=="legacy-auth-signin" and .entities.users[0]=="scanner@contosodemo.onmicrosoft.com")] | length' "$WORK/out")" 0

# Rules without the evidence they need are listed as not evaluated.
run scan --no-progress --format json "$DEMO/ual/audit-2026-03-06.jsonl"
expect_grep "not evaluated without sign-ins" "$WORK/out" '"rule":"legacy-auth-signin","reason":"needs sign-in logs'

# rules list / show
run rules list
expect_grep "rules list" "$WORK/out" '^legacy-auth-signin +medium '
run rules show legacy-auth-signin
expect_grep "rules show params" "$WORK/out" '^  regular_days +count +3 '
expect_grep "rules show blind spots" "$WORK/out" '^What the logs cannot show:'
run rules show nope
expect_eq "rules show unknown" "$RC" 2

finish
