#!/usr/bin/env bash
# Defender XDR CloudAppEvents (docs/formats/defender-json.md): a simulated tenant with every
# attack, its unified audit log records turned into advanced hunting rows (RawEventData = the
# record), and into Sentinel's copy of the table as Log Analytics JSON and CSV exports, must give
# the same events and findings as the UAL export itself; rows of other tables and other apps are
# counted as skipped with the reason; a saved API response is named.
source "$(dirname "$0")/common.bash" "$@"

sim=$WORK/sim
"$BIN" simulate --out "$sim" --users 40 --days 10 --seed 5 --formats ual-jsonl --scenario all -q
expect_eq "simulate" $? 0
mkdir -p "$WORK/defender" "$WORK/lajson" "$WORK/lacsv"
# A CloudAppEvents row as advanced hunting returns it (the columns a query's results carry).
row='{Timestamp: ((.CreationTime | sub("(\\.[0-9]+)?$"; "")) + "Z"), ActionType: .Operation,
      Application: ({"Exchange": "Microsoft Exchange Online",
                     "SharePoint": "Microsoft SharePoint Online",
                     "OneDrive": "Microsoft OneDrive for Business"}[.Workload] // "Office 365"),
      ApplicationId: ({"Exchange": 20893, "SharePoint": 20892, "OneDrive": 15600}[.Workload]
                      // 11161),
      AccountObjectId: (.UserKey // ""), AccountDisplayName: (.UserId // ""),
      AccountId: (.UserKey // ""), AccountType: "Regular", IsExternalUser: 0,
      IsImpersonated: 0, IsAdminOperation: 0, DeviceType: "", OSPlatform: "",
      IPAddress: (.ClientIP // .ClientIPAddress // ""), IsAnonymousProxy: 0, CountryCode: "",
      City: "", ISP: "", UserAgent: "", ActivityType: "Run", ActivityObjects: [],
      ObjectName: (.ObjectId // ""), ObjectType: "", ObjectId: "", IPTags: null,
      IPCategory: "", UserAgentTags: null, AuditSource: "Defender for Cloud Apps access control",
      ReportId: ("106830890_20893_" + .Id), RawEventData: ., AdditionalFields: {}}'
n_files=0
for f in "$sim"/ual/*.jsonl; do
    b=$(basename "$f" .jsonl)
    jq -c "$row" "$f" >"$WORK/defender/$b.json"
    # Sentinel's copy: the same columns, TimeGenerated, TenantId and Type added.
    jq -c "$row"' + {TimeGenerated: .Timestamp, TenantId: "6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14",
                     SourceSystem: "RestAPI", Type: "CloudAppEvents"}' "$f" \
        >"$WORK/lajson/$b.json"
    # The portal's Export to CSV of that table: dynamic columns as JSON text.
    { echo '"TenantId","TimeGenerated [UTC]","ActionType","Application","IPAddress",'\
'"ReportId","RawEventData","Type"'
      jq -r '[.TenantId, .TimeGenerated, .ActionType, .Application, .IPAddress, .ReportId,
              (.RawEventData | tojson), .Type] | @csv' "$WORK/lajson/$b.json"
    } >"$WORK/lacsv/$b.csv"
    n_files=$((n_files + 1))
done
expect_eq "UAL files converted" "$([ "$n_files" -gt 3 ] && echo yes)" yes

ranges=(--ip-ranges "$sim/enrichment/ip-ranges.txt")
scan_shape ual "$sim/ual" "${ranges[@]}"
expect_eq "ual events" "$([ "$(wc -l <"$WORK/ual.ev")" -gt 1000 ] && echo yes)" yes
for v in defender lajson lacsv; do
    scan_shape "$v" "$WORK/$v" "${ranges[@]}"
    expect_eq "$v: every record parsed" \
        "$(jq -c '.evidence.totals | [.records_read == .parsed, .skipped]' "$WORK/$v.json")" \
        '[true,0]'
    expect_eq "$v: as many records as the UAL export" "$(total records_read "$WORK/$v.json")" \
        "$(total records_read "$WORK/ual.json")"
    expect_eq "$v: same events" "$(cmp -s "$WORK/ual.ev" "$WORK/$v.ev" && echo same)" same
    expect_eq "$v: same findings" \
        "$(cmp -s "$WORK/ual.findings" "$WORK/$v.findings" && echo same)" same
    expect_eq "$v: no message" "$(cat "$WORK/$v.err")" ""
done
expect_eq "read as defender-json" \
    "$(jq -r '[.evidence.files[].format] | unique | join(",")' "$WORK/defender.json")" \
    defender-json
expect_eq "Sentinel's copy read as la-json, la-csv" \
    "$(jq -r '[.evidence.files[].format] | unique | join(",")' "$WORK/lajson.json" \
        "$WORK/lacsv.json" | tr '\n' ' ')" "la-json la-csv "

# A union of tables, as a hunting query over several returns: rows of other tables and
# CloudAppEvents of other cloud apps hold no audit record; each is skipped, named.
first=$(ls "$WORK/defender" | head -1)
mkdir -p "$WORK/mixed"
{ jq -nc '{Timestamp: "2025-08-05T10:00:00Z", DeviceId: "3f1c2b7a9e",
            DeviceName: "ws-014.northwind77.com", ActionType: "LdapSearch", ReportId: "4511",
            InitiatingProcessFileName: "powershell.exe", AdditionalFields: {}}'
  jq -nc '{Timestamp: "2025-08-05T10:01:00Z", ActionType: "Download file", Application: "Box",
            ApplicationId: 10489, ReportId: "106830890_10489_5",
            RawEventData: {event_type: "DOWNLOAD", source: {name: "q3.xlsx"}}}'
  cat "$WORK/defender/$first"; } >"$WORK/mixed/$first"
scan_json "$WORK/mixed.json" "$WORK/mixed.err" "$WORK/mixed"
n=$(wc -l <"$WORK/defender/$first")
expect_eq "mixed: accounted" \
    "$(jq -c '.evidence.files[0] | [.format, .records_read, .parsed, .skipped]' \
        "$WORK/mixed.json")" \
    "[\"defender-json\",$((n + 2)),$n,2]"
expect_grep "mixed: device row named" "$WORK/mixed.err" \
    ':1: RawEventData: no audit record in this row \(ActionType "LdapSearch"\): a row of '\
'another Defender table'
expect_grep "mixed: other app named" "$WORK/mixed.err" \
    ':2: RawEventData: not a unified audit log record: an event of another cloud app \(Box\)'

# Sentinel's rows of the table queried without RawEventData: named as such.
head -1 "$WORK/lajson/$first" | jq -c 'del(.RawEventData)' >"$WORK/projected.json"
scan_json "$WORK/proj.out" "$WORK/proj.err" --input-format la-json "$WORK/projected.json"
expect_grep "projected row named" "$WORK/proj.err" \
    'projected\.json:1: RawEventData: no audit record in this row'

# A record without its own time, address or operation (cut by a collector): the row's
# Timestamp, IPAddress and ActionType stand in.
head -1 "$WORK/defender/$first" |
    jq -c '.RawEventData |= del(.CreationTime, .ClientIP, .ClientIPAddress, .Operation)
           | .Timestamp = "2025-08-05T10:02:03Z" | .IPAddress = "203.0.113.77"' \
        >"$WORK/cut.json"
scan_json "$WORK/cut.out" "$WORK/cut.err" --events "$WORK/cut.events" "$WORK/cut.json"
expect_eq "stand-ins" "$(jq -r '"\(.time) \(.ip) \(.operation)"' "$WORK/cut.events")" \
    "2025-08-05T10:02:03.000Z 203.0.113.77 $(head -1 "$WORK/defender/$first" | jq -r .ActionType)"

# The API's response saved whole (the MDE API's {Stats, Schema, Results}; Graph
# runHuntingQuery's {@odata.context, schema, results}; two pages one after the other): its rows
# are read, and give the events the same rows give one per line.
head -5 "$WORK/defender/$first" >"$WORK/rows.jsonl"
nrows=$(wc -l <"$WORK/rows.jsonl")
scan_json "$WORK/rows.json" "$WORK/rows.err" --events "$WORK/rows.events" "$WORK/rows.jsonl"
schema='[{"Name":"Timestamp","Type":"DateTime"},{"Name":"ActionType","Type":"String"}]'
{ printf '{"Stats":{"ExecutionTime":0.51,"resource_usage":{"cpu":{"total":"00:00:00"}}},'
  printf '"Schema":%s,\n"Results":[\n' "$schema"
  paste -sd, - <"$WORK/rows.jsonl"
  printf ']}\n'; } >"$WORK/response.json"
{ printf '{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.'
  printf 'security.huntingQueryResults","schema":%s,"results":[' "${schema,,}"
  head -2 "$WORK/rows.jsonl" | paste -sd, -
  printf ']}\n{"@odata.context":"x","schema":[],"results":['
  tail -n +3 "$WORK/rows.jsonl" | paste -sd, -
  printf ']}\n'; } >"$WORK/graph-hunting.json"
for r in response graph-hunting; do
    scan_json "$WORK/$r.out" "$WORK/$r.err" --events "$WORK/$r.events" "$WORK/$r.json"
    expect_eq "$r: read as defender-json" \
        "$(jq -r '.evidence.files[0] | "\(.format) \(.records_read) \(.parsed + .skipped)"' \
            "$WORK/$r.out")" "defender-json $nrows $nrows"
    expect_eq "$r: the rows' events" \
        "$(jq -cS 'del(.evidence, .format)' "$WORK/$r.events")" \
        "$(jq -cS 'del(.evidence, .format)' "$WORK/rows.events")"
done
expect_eq "response: each row's line" \
    "$(jq -r '.evidence.line' "$WORK/response.events" | sort -u)" 3
expect_eq "rows: at least three" "$((nrows >= 3))" 1
# A response whose rows no reader knows (a query that projected the columns away): named.
{ printf '{"Schema":[{"Name":"AccountId","Type":"String"}],"Results":['
  printf '{"AccountId":"x%s"},' 1 2 3
  printf '{"AccountId":"y"}]}\n'; } >"$WORK/projected-response.json"
scan_json "$WORK/pr.json" "$WORK/pr.err" "$WORK/projected-response.json"
expect_grep "projected response named" "$WORK/pr.err" \
    'projected-response\.json: not read: a Defender advanced hunting response whose rows are not'
finish
