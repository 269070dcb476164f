#!/usr/bin/env bash
# Sign-ins and directory audits saved through the Graph PowerShell SDK
# (Get-MgAuditLogSignIn / Get-MgAuditLogDirectoryAudit | ConvertTo-Json -Depth 10): PascalCase
# names, AdditionalProperties, IPAddress, and under Windows PowerShell "\/Date(ms)\/" times. They
# must read as the Graph pages they came from (docs/formats/graph-json.md).
source "$(dirname "$0")/common.bash" "$@"

src=$SRC/examples/contoso-demo/entra
mkdir -p "$WORK/graph" "$WORK/ps7" "$WORK/ps5"
cp "$src"/*.json "$WORK/graph/"
# The SDK's objects as ConvertTo-Json writes them: every name PascalCase, "@odata" names gone.
pascal='def pascal: if type == "object" then
            (with_entries(select(.key | startswith("@") | not)
                | .key |= (if . == "ipAddress" then "IPAddress"
                           else (.[0:1] | ascii_upcase) + .[1:] end)
                | .value |= pascal)) + {AdditionalProperties: {}}
        elif type == "array" then map(pascal) else . end;'
# Windows PowerShell writes a DateTime as milliseconds since 1970: /Date(ms)/.
msdate='def msdate: capture("^(?<b>[^.Z]+)(\\.(?<f>[0-9]+))?Z$") as $m
            | (($m.b + "Z") | fromdateiso8601) * 1000
              + (if $m.f then ($m.f + "000")[0:3] | tonumber else 0 end)
            | "/Date(\(.))/";'
for f in "$src"/*.json; do
    b=$(basename "$f")
    jq "$pascal [.value[] | pascal]" "$f" >"$WORK/ps7/$b"
    jq "$pascal $msdate [.value[] | pascal
        | if .CreatedDateTime then .CreatedDateTime |= msdate else . end
        | if .ActivityDateTime then .ActivityDateTime |= msdate else . end]" "$f" |
        sed 's#"/Date(\([0-9]*\))/"#"\\/Date(\1)\\/"#g' >"$WORK/ps5/$b"
done
expect_grep "PowerShell 5 dates" "$WORK/ps5/signins-page1.json" '"CreatedDateTime": "\\/Date\([0-9]+\)\\/"'
expect_grep "PascalCase names" "$WORK/ps7/directoryAudits.json" '"ActivityDisplayName":'

for v in graph ps7 ps5; do
    scan_shape "$v" "$WORK/$v"
done
expect_eq "graph events" "$(wc -l <"$WORK/graph.ev")" 68
for v in ps7 ps5; do
    expect_eq "$v: every record parsed" \
        "$(jq -c '.evidence.totals | [.records_read, .parsed, .skipped]' "$WORK/$v.json")" '[68,68,0]'
    expect_eq "$v: read as graph-json" \
        "$(jq -r '[.evidence.files[].format] | unique | join(",")' "$WORK/$v.json")" graph-json
    expect_eq "$v: same events" "$(cmp -s "$WORK/graph.ev" "$WORK/$v.ev" && echo same)" same
    expect_eq "$v: same findings" \
        "$(cmp -s "$WORK/graph.findings" "$WORK/$v.findings" && echo same)" same
    expect_eq "$v: no message" "$(cat "$WORK/$v.err")" ""
done
finish
