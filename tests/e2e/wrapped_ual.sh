#!/usr/bin/env bash
# Unified audit log records inside a collector's wrapper (docs/formats/graph-audit-json.md,
# docs/formats/ual-search-json.md): a simulated tenant with every attack, its UAL export turned
# into Graph audit log query pages and into Search-UnifiedAuditLog | ConvertTo-Json files, must
# give the same events and findings as the export itself; the wrappers' fields stand in for
# what a record lacks; a Graph audit record is never taken for a sign-in.
source "$(dirname "$0")/common.bash" "$@"

sim=$WORK/sim
"$BIN" simulate --out "$sim" --users 40 --days 10 --seed 5 --formats ual-jsonl --scenario all -q
expect_eq "simulate" $? 0
mkdir -p "$WORK/graph" "$WORK/search"
n_files=0
for f in "$sim"/ual/*.jsonl; do
    b=$(basename "$f" .jsonl)
    # As GET /security/auditLog/queries/{id}/records returns them: camelCase fields around
    # auditData, 25 records a page, the pages one after another.
    jq -c '{"@odata.type": "#microsoft.graph.security.auditLogRecord", id: .Id,
            createdDateTime: (.CreationTime + "Z"), auditLogRecordType: "exchangeItem",
            operation: .Operation, organizationId: .OrganizationId, userType: "regular",
            userId: (.UserId // ""), service: .Workload, objectId: (.ObjectId // ""),
            userPrincipalName: (.UserId // ""), clientIp: (.ClientIP // .ClientIPAddress // ""),
            administrativeUnits: [],
            auditData: ({"@odata.type": "#microsoft.graph.security.defaultAuditData"} + .)}' "$f" |
        jq -sc '_nwise(25) | {"@odata.context": "https://graph.microsoft.com/beta/$metadata#security/auditLog/queries(\u0027q1\u0027)/records",
                              value: .}' >"$WORK/graph/$b.json"
    # As ConvertTo-Json writes the cmdlet's objects: AuditData as JSON text, one array a file.
    jq -c '{RunspaceId: "0b6f6a4e-5a2c-4f5e-9d7c-2f1e3c4b5a69", RecordType: .RecordType,
            CreationDate: .CreationTime, UserIds: (.UserId // ""), Operations: .Operation,
            AuditData: tojson, ResultIndex: 1, ResultCount: 1, Identity: .Id, IsValid: true,
            ObjectState: "Unchanged"}' "$f" | jq -s . >"$WORK/search/$b.json"
    n_files=$((n_files + 1))
done
expect_eq "UAL files converted" "$([ "$n_files" -gt 3 ] && echo yes)" yes

ranges=(--ip-ranges "$sim/enrichment/ip-ranges.txt")
scan_shape ual "$sim/ual" "${ranges[@]}"
scan_shape graph "$WORK/graph" "${ranges[@]}"
scan_shape search "$WORK/search" "${ranges[@]}"
expect_eq "ual events" "$([ "$(wc -l <"$WORK/ual.ev")" -gt 1000 ] && echo yes)" yes
expect_eq "ual findings" "$([ "$(jq length "$WORK/ual.findings")" -gt 3 ] && echo yes)" yes
for v in graph search; do
    expect_eq "$v: every record parsed" \
        "$(jq -c '.evidence.totals | [.records_read, .parsed, .skipped]' "$WORK/$v.json")" \
        "$(jq -c '.evidence.totals | [.records_read, .parsed, .skipped]' "$WORK/ual.json")"
    expect_eq "$v: same events" "$(cmp -s "$WORK/ual.ev" "$WORK/$v.ev" && echo same)" same
    expect_eq "$v: same findings" "$(cmp -s "$WORK/ual.findings" "$WORK/$v.findings" && echo same)" same
done
# The export and its Search-UnifiedAuditLog or Graph twin together: AuditData is the record as
# the service wrote it (Graph's own "@odata.type" aside), and that text is compared, not the
# wrapper's, so each record is read once (docs/events.md, Duplicates), on one thread and on two.
for v in search graph; do
    for threads in 1 2; do
        scan_shape both$v$threads "$sim/ual" "${ranges[@]}" --threads $threads --split-size 4K "$WORK/$v"
        expect_eq "export and $v, $threads thread(s): accounting" \
            "$(jq -r '.evidence.totals | "\(.parsed) \(.duplicates)"' "$WORK/both$v$threads.json")" \
            "$(jq -r '.evidence.totals | "\(.parsed) \(.parsed)"' "$WORK/ual.json")"
        expect_eq "export and $v, $threads thread(s): same events" \
            "$(cmp -s "$WORK/ual.ev" "$WORK/both$v$threads.ev" && echo same)" same
        expect_eq "export and $v, $threads thread(s): same findings" \
            "$(cmp -s "$WORK/ual.findings" "$WORK/both$v$threads.findings" && echo same)" same
        expect_eq "export and $v, $threads thread(s): no overlap" \
            "$(jq -c '.evidence.overlaps' "$WORK/both$v$threads.json")" "[]"
    done
done
expect_eq "graph format" "$(jq -r '[.evidence.files[].format] | unique | join(",")' "$WORK/graph.json")" \
    graph-audit-json
expect_eq "search format" "$(jq -r '[.evidence.files[].format] | unique | join(",")' "$WORK/search.json")" \
    ual-search-json
expect_eq "graph: no sign-in made up" "$(jq -r 'select(.source != "ual") | .source' "$WORK/graph.events" | sort -u)" ""
# Read as graph-json (forced), a query record is still the UAL record it holds, not a sign-in.
scan_shape forced "$WORK/graph" "${ranges[@]}" --input-format graph-json
expect_eq "forced graph-json: same events" "$(cmp -s "$WORK/ual.ev" "$WORK/forced.ev" && echo same)" same

# The wrapper's fields stand in for what the record lacks; the record's own win.
d=$WORK/stand_in; mkdir -p "$d"
cat >"$d/records.json" <<'EOF'
{"value":[
 {"id":"5b1a3c1e-7d2f-4f0a-9c3b-1e2d3c4b5a60","createdDateTime":"2025-12-02T09:14:27Z",
  "auditLogRecordType":"exchangeItem","operation":"MailItemsAccessed",
  "organizationId":"6f3c2b1a-0e9d-4c8b-a7f6-5e4d3c2b1a09","userType":"regular",
  "userId":"megan.bowen@contoso.com","service":"Exchange","objectId":"",
  "userPrincipalName":"megan.bowen@contoso.com","clientIp":"203.0.113.77","administrativeUnits":[],
  "auditData":{"@odata.type":"#microsoft.graph.security.exchangeItemAggregatedAuditRecord",
   "RecordType":50,"ResultStatus":"Succeeded","UserType":0,"Version":1,
   "MailboxOwnerUPN":"megan.bowen@contoso.com","OperationCount":2,
   "OperationProperties":[{"Name":"MailAccessType","Value":"Bind"}],
   "Folders":[{"Path":"\\Inbox","FolderItems":[{"InternetMessageId":"<a1@contoso.com>"},
                                              {"InternetMessageId":"<a2@contoso.com>"}]}]}},
 {"id":"wrapper-id-loses","createdDateTime":"2025-12-02T09:20:00Z","auditLogRecordType":"exchangeAdmin",
  "operation":"wrapper-operation-loses","userPrincipalName":"wrapper@contoso.com","clientIp":"198.51.100.9",
  "service":"Exchange","organizationId":"6f3c2b1a-0e9d-4c8b-a7f6-5e4d3c2b1a09",
  "auditData":"{\"CreationTime\":\"2025-12-02T09:15:00\",\"Id\":\"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0\",\"Operation\":\"Set-Mailbox\",\"OrganizationId\":\"6f3c2b1a-0e9d-4c8b-a7f6-5e4d3c2b1a09\",\"RecordType\":1,\"ResultStatus\":\"True\",\"UserKey\":\"10032001A2B3C4D5\",\"UserType\":2,\"Version\":1,\"Workload\":\"Exchange\",\"ClientIP\":\"203.0.113.78:50001\",\"ObjectId\":\"megan.bowen\",\"UserId\":\"admin@contoso.com\",\"Parameters\":[{\"Name\":\"Identity\",\"Value\":\"megan.bowen\"},{\"Name\":\"AuditEnabled\",\"Value\":\"False\"}]}"},
 {"id":"9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a","createdDateTime":"2025-12-02T09:30:00Z",
  "auditLogRecordType":"exchangeItem","operation":"MailItemsAccessed",
  "userPrincipalName":"megan.bowen@contoso.com"},
 {"auditLogRecordType":"exchangeItem","auditData":null},
 {"id":"3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a","auditLogRecordType":"exchangeItem"}
]}
EOF
scan_json "$d/out.json" "$d/err.txt" --events "$d/ev.jsonl" "$d/records.json"
expect_eq "stand-in exit" "$RC" 0
expect_eq "stand-in counts" "$(jq -c '.evidence.totals | [.records_read, .parsed, .skipped]' "$d/out.json")" '[5,3,2]'
expect_eq "stand-in: wrapper fills the record" \
    "$(jq -c 'select(.operation == "MailItemsAccessed" and .mail.items > 0) | [.time, .evidence.record_id, .actor.upn, .ip, .tenant_id, .workload, .mail.items]' "$d/ev.jsonl")" \
    '["2025-12-02T09:14:27.000Z","5b1a3c1e-7d2f-4f0a-9c3b-1e2d3c4b5a60","megan.bowen@contoso.com","203.0.113.77","6f3c2b1a-0e9d-4c8b-a7f6-5e4d3c2b1a09","Exchange",2]'
expect_eq "stand-in: the record's own fields win" \
    "$(jq -c 'select(.operation == "Set-Mailbox") | [.time, .evidence.record_id, .actor.upn, .ip]' "$d/ev.jsonl")" \
    '["2025-12-02T09:15:00.000Z","0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0","admin@contoso.com","203.0.113.78"]'
# Without auditData (a query that left it out) the wrapper alone makes the event, when it can.
expect_eq "stand-in: wrapper alone" \
    "$(jq -c 'select(.evidence.record_id == "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a") | [.time, .kind, .actor.upn]' "$d/ev.jsonl")" \
    '["2025-12-02T09:30:00.000Z","mail-access","megan.bowen@contoso.com"]'
expect_grep "record without auditData" "$d/err.txt" 'records\.json:[0-9]+: AuditData: no AuditData object in the record$'
expect_grep "record without an operation" "$d/err.txt" 'records\.json:[0-9]+: Operation: no Operation field'

# Search-UnifiedAuditLog objects: CreationDate and Identity stand in for a record without them.
cat >"$d/search.json" <<'EOF'
[
    {
        "RunspaceId":  "0b6f6a4e-5a2c-4f5e-9d7c-2f1e3c4b5a69",
        "RecordType":  "ExchangeAdmin",
        "CreationDate":  "2025-12-02T09:15:00",
        "UserIds":  "admin@contoso.com",
        "Operations":  "Set-Mailbox",
        "AuditData":  "{\"Operation\":\"Set-Mailbox\",\"OrganizationId\":\"6f3c2b1a-0e9d-4c8b-a7f6-5e4d3c2b1a09\",\"RecordType\":1,\"ResultStatus\":\"True\",\"UserKey\":\"10032001A2B3C4D5\",\"UserType\":2,\"Version\":1,\"Workload\":\"Exchange\",\"ClientIP\":\"203.0.113.78:50001\",\"ObjectId\":\"megan.bowen\",\"UserId\":\"admin@contoso.com\",\"Parameters\":[{\"Name\":\"Identity\",\"Value\":\"megan.bowen\"}]}",
        "ResultIndex":  1,
        "ResultCount":  1,
        "Identity":  "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "IsValid":  true,
        "ObjectState":  "Unchanged"
    }
]
EOF
scan_json "$d/out2.json" "$d/err2.txt" --events "$d/ev2.jsonl" "$d/search.json"
expect_eq "search stand-in exit" "$RC" 0
expect_eq "search stand-in" "$(jq -c '[.format, .time, .evidence.record_id, .operation, .actor.upn]' "$d/ev2.jsonl")" \
    '["ual-search-json","2025-12-02T09:15:00.000Z","0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0","Set-Mailbox","admin@contoso.com"]'

finish
