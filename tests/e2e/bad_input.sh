#!/usr/bin/env bash
# Bad input: every case gets a one-line message with file and line, the record is counted as
# skipped, the scan goes on, and records read = parsed + skipped + duplicates.
source "$(dirname "$0")/common.bash" "$@"

ok1='{"CreationTime":"2026-03-02T10:00:00","Id":"11111111-1111-1111-1111-111111111111","Operation":"UserLoggedIn","RecordType":15,"ResultStatus":"Success","UserId":"alice@contoso.com","UserType":0,"Workload":"AzureActiveDirectory","ClientIP":"203.0.113.10"}'
ok2='{"CreationTime":"2026-03-02T10:05:00","Id":"22222222-2222-2222-2222-222222222222","Operation":"UserLoginFailed","RecordType":15,"ResultStatus":"Success","UserId":"bob@contoso.com","UserType":0,"Workload":"AzureActiveDirectory","ClientIP":"198.51.100.7","ErrorNumber":"50126","LogonError":"InvalidUserNameOrPassword"}'

check_counts() { # name json parsed skipped
    local read parsed skipped dups
    read=$(total records_read "$2"); parsed=$(total parsed "$2"); skipped=$(total skipped "$2"); dups=$(total duplicates "$2")
    expect_eq "$1 parsed" "$parsed" "$3"
    expect_eq "$1 skipped" "$skipped" "$4"
    expect_eq "$1 read = parsed + skipped + duplicates" "$read" "$((parsed + skipped + dups))"
}

# 1. Truncated JSON Lines file: the last record is cut mid-way.
d=$WORK/truncated; mkdir -p "$d/in"
{ echo "$ok1"; echo "$ok2"; printf '%s' "${ok1:0:80}"; } >"$d/in/audit.jsonl"
scan_json "$d/out.json" "$d/err.txt" "$d/in"
expect_eq "truncated exit" "$RC" 0
check_counts truncated "$d/out.json" 2 1
expect_grep "truncated message" "$d/err.txt" '^m365hunt: warning: .*/audit\.jsonl:3: invalid JSON: '

# 2. Truncated JSON array (a Management API blob cut off inside a record).
d=$WORK/truncated_array; mkdir -p "$d/in"
printf '[%s,\n%s,\n%s' "$ok1" "$ok2" "${ok2:0:100}" >"$d/in/blob.json"
scan_json "$d/out.json" "$d/err.txt" "$d/in"
check_counts truncated_array "$d/out.json" 2 1
expect_grep "truncated array message" "$d/err.txt" 'blob\.json:3: truncated record: the file ends inside it'

# 3. Invalid JSON in the middle of a file; the following record is still read.
d=$WORK/invalid_json; mkdir -p "$d/in"
{ echo "$ok1"; echo '{"CreationTime":"2026-03-02T10:01:00","Operation": oops}'; echo "$ok2"; } >"$d/in/audit.jsonl"
scan_json "$d/out.json" "$d/err.txt" "$d/in"
check_counts invalid_json "$d/out.json" 2 1
expect_grep "invalid JSON message" "$d/err.txt" 'audit\.jsonl:2: invalid JSON: '

# 3b. A line cut short (unbalanced braces) in the middle of JSON Lines: only that line is lost.
d=$WORK/cut_line; mkdir -p "$d/in"
{ echo "$ok1"; printf '%s\n' "${ok2:0:90}"; echo "$ok2"; echo "${ok1/11111111-1111/44444444-1111}"; } >"$d/in/audit.jsonl"
scan_json "$d/out.json" "$d/err.txt" "$d/in"
check_counts cut_line "$d/out.json" 3 1
expect_grep "cut line message" "$d/err.txt" 'audit\.jsonl:2: invalid JSON: '

# 4. Invalid UTF-8 inside a string (UTF-8 text with a broken byte; Windows-1252 text: 10c).
d=$WORK/invalid_utf8; mkdir -p "$d/in"
{ echo "$ok1"; printf '{"CreationTime":"2026-03-02T10:02:00","Operation":"UserLoggedIn","UserId":"\xc3\xa9\xff\xfe@contoso.com","Workload":"AzureActiveDirectory","RecordType":15}\n'; echo "$ok2"; } >"$d/in/audit.jsonl"
scan_json "$d/out.json" "$d/err.txt" "$d/in"
check_counts invalid_utf8 "$d/out.json" 2 1
expect_grep "invalid UTF-8 message" "$d/err.txt" 'audit\.jsonl:2: invalid JSON: .*UTF-8'

# 5. A bad timestamp names the field.
d=$WORK/bad_time; mkdir -p "$d/in"
{ echo "$ok1"; echo '{"CreationTime":"2026-02-30T10:02:00","Id":"x","Operation":"UserLoggedIn","UserId":"carol@contoso.com","Workload":"AzureActiveDirectory","RecordType":15}'; } >"$d/in/audit.jsonl"
scan_json "$d/out.json" "$d/err.txt" "$d/in"
check_counts bad_time "$d/out.json" 1 1
expect_grep "bad time message" "$d/err.txt" 'audit\.jsonl:2: CreationTime: not a valid timestamp'

# 6. CSV: quoted cells with embedded newlines parse; an unterminated quote is reported.
d=$WORK/csv; mkdir -p "$d/in"
aud1=$(printf '%s' "$ok1" | sed 's/"/""/g')
aud2=$(printf '%s' "$ok2" | sed 's/"/""/g')
{
    printf 'RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames\r\n'
    printf '11111111-1111-1111-1111-111111111111,3/2/2026 10:00:00 AM,15,UserLoggedIn,alice@contoso.com,"%s","multi\nline\ncell",\r\n' "$aud1"
    printf '22222222-2222-2222-2222-222222222222,3/2/2026 10:05:00 AM,15,UserLoginFailed,bob@contoso.com,"%s",,\r\n' "$aud2"
    printf '33333333-3333-3333-3333-333333333333,3/2/2026 10:06:00 AM,15,UserLoginFailed,bob@contoso.com,"{""CreationTime"":""2026-03-02T10:06:00"",\r\n'
} >"$d/in/AuditLog.csv"
scan_json "$d/out.json" "$d/err.txt" "$d/in"
check_counts csv "$d/out.json" 2 1
expect_grep "csv unterminated message" "$d/err.txt" 'AuditLog\.csv:6: AuditData: '

# 7. A 50 MB single line: over the 16 MiB record limit, skipped, the next record still read.
d=$WORK/huge_line; mkdir -p "$d/in"
{
    printf '{"CreationTime":"2026-03-02T10:03:00","Operation":"UserLoggedIn","Pad":"'
    head -c $((50 * 1024 * 1024)) /dev/zero | tr '\0' 'a'
    printf '"}\n'
    echo "$ok2"
} >"$d/in/audit.jsonl"
scan_json "$d/out.json" "$d/err.txt" "$d/in"
check_counts huge_line "$d/out.json" 1 1
expect_grep "huge line message" "$d/err.txt" 'audit\.jsonl:1: record larger than the maximum record size'
# The limit is configurable: raised, the same record parses.
scan_json "$d/out2.json" "$d/err2.txt" --max-record-size 64M "$d/in"
check_counts huge_line_raised "$d/out2.json" 2 0

# 8. An empty file alongside good evidence: named, not fatal; alone: exit 3.
d=$WORK/empty; mkdir -p "$d/in"
: >"$d/in/empty.json"
echo "$ok1" >"$d/in/good.jsonl"
scan_json "$d/out.json" "$d/err.txt" "$d/in"
expect_eq "empty beside good exit" "$RC" 0
expect_grep "empty message" "$d/err.txt" 'empty\.json: not read: file is empty'
scan_json "$d/out2.json" "$d/err2.txt" "$d/in/empty.json"
expect_eq "empty alone exit" "$RC" 3

# 9. A gzip bomb: stopped by the decompression limits, reported, the scan goes on.
d=$WORK/bomb; mkdir -p "$d/in"
{ echo "$ok1"; head -c $((300 * 1024 * 1024)) /dev/zero; } | gzip -9 >"$d/in/bomb.jsonl.gz"
echo "$ok2" | gzip >"$d/in/good.jsonl.gz"
scan_json "$d/out.json" "$d/err.txt" "$d/in"
expect_grep "bomb ratio message" "$d/err.txt" 'bomb\.jsonl\.gz: reading stopped: decompression ratio exceeds 250:1'
expect_eq "bomb: good file still read" "$(jq -r '.evidence.files[] | select(.path|endswith("good.jsonl.gz")) | .parsed' "$d/out.json")" 1
expect_eq "bomb: file error in report" "$(jq -r '.evidence.files[] | select(.path|endswith("bomb.jsonl.gz")) | .error' "$d/out.json")" "limit reached"
scan_json "$d/out2.json" "$d/err2.txt" --max-decompressed 10M "$d/in/bomb.jsonl.gz"
expect_grep "bomb size message" "$d/err2.txt" 'decompressed size exceeds the limit of 10485760 bytes'

# 10. Files that match no format are named with the reason, never skipped silently.
d=$WORK/unknown; mkdir -p "$d/in"
echo "$ok1" >"$d/in/good.jsonl"
printf 'AppName,HighRisk,permissions\nEntApp01,No,User.Read\n' >"$d/in/watchlist.csv"
printf '{"input":{"message":"x"},"expected":{"a":1}}\n' >"$d/in/other.json"
printf '\x00\x01\x02binary' >"$d/in/blob.bin"
scan_json "$d/out.json" "$d/err.txt" "$d/in"
expect_grep "unknown csv" "$d/err.txt" 'watchlist\.csv: not read: text whose header matches no known CSV export'
expect_grep "unknown json" "$d/err.txt" 'other\.json: not read: JSON, but not'
expect_grep "unknown binary" "$d/err.txt" 'blob\.bin: not read: binary data'
expect_eq "unknown files listed" "$(jq -r '[.evidence.files[] | select(.error != null)] | length' "$d/out.json")" 3
# Archives and other files that end up in evidence folders are named, with what to do.
d=$WORK/known_binary; mkdir -p "$d/in"
echo "$ok1" >"$d/in/good.jsonl"
printf 'PK\x03\x04\x14\x00\x00\x00\x08\x00ual/audit.jsonl' >"$d/in/evidence.zip"
cp "$d/in/evidence.zip" "$d/in/evidence.download"
printf 'PK\x03\x04\x14\x00\x06\x00\x08\x00[Content_Types].xml' >"$d/in/AuditLog.xlsx"
printf '7z\xbc\xaf\x27\x1c\x00\x04' >"$d/in/evidence.7z"
printf 'Rar!\x1a\x07\x01\x00' >"$d/in/evidence.rar"
printf 'BZh91AY&SY\x00' >"$d/in/audit.jsonl.bz2"
printf '\xfd7zXZ\x00\x00' >"$d/in/audit.jsonl.xz"
printf '\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00' >"$d/in/AuditLog.xls"
printf 'ElfFile\x00\x00\x00' >"$d/in/Security.evtx"
printf '!BDN\x00\x00' >"$d/in/mail.pst"
printf 'SQLite format 3\x00\x10' >"$d/in/cache.db"
printf '%%PDF-1.7\n' >"$d/in/report.pdf"
# Files beside the logs that are no evidence: an address range list, Microsoft's Service Tags.
printf '# egress\n40.76.0.0/14 AzureCloud.eastus\n\n2603:1030::/32,AzureCloud\n' >"$d/in/ranges.txt"
printf '{\n  "changeNumber": 288,\n  "cloud": "Public",\n  "values": [{"name": "AzureCloud",
  "properties": {"addressPrefixes": ["4.145.74.52/30"]}}]\n}\n' >"$d/in/ServiceTags_Public.json"
# A range and then text is not a range list.
printf '10.0.0.0/8 internal\ncollected by the helpdesk on Monday\n' >"$d/in/notes.txt"
scan_json "$d/out.json" "$d/err.txt" "$d/in"
expect_eq "known binary beside good exit" "$RC" 0
expect_grep "zip cut short" "$d/err.txt" \
    'evidence\.zip: ZIP archive cannot be read: its directory, at the end of the file, is missing'
expect_grep "zip not named .zip" "$d/err.txt" \
    'evidence\.download: not read: a ZIP archive whose name does not end in \.zip, found in a folder'
expect_grep "xlsx" "$d/err.txt" 'AuditLog\.xlsx: not read: an Office document \(an Excel workbook\?\)'
expect_grep "7z" "$d/err.txt" 'evidence\.7z: 7-Zip archive cannot be read: damaged or cut short at its start'
expect_grep "rar" "$d/err.txt" 'evidence\.rar: not read: a RAR archive: extract it and scan the folder'
expect_grep "bz2" "$d/err.txt" 'audit\.jsonl\.bz2: not read: bzip2- or xz-compressed'
expect_grep "xz" "$d/err.txt" 'audit\.jsonl\.xz: not read: bzip2- or xz-compressed'
expect_grep "xls" "$d/err.txt" 'AuditLog\.xls: not read: an Office 97-2003 file'
expect_grep "evtx" "$d/err.txt" 'Security\.evtx: not read: a Windows event log'
expect_grep "pst" "$d/err.txt" 'mail\.pst: not read: an Outlook data file'
expect_grep "sqlite" "$d/err.txt" 'cache\.db: not read: an SQLite database'
expect_grep "pdf" "$d/err.txt" 'report\.pdf: not read: a PDF document'
expect_eq "no evidence: named in the file list" \
    "$(jq -r '.evidence.files[] | select(.error | tostring | startswith("not evidence")) | "\(.path | split("/") | last): \(.error)"' "$d/out.json" | sort)" \
    "ServiceTags_Public.json: not evidence: Microsoft's Azure IP ranges and service tags (give it with --ip-ranges)
ranges.txt: not evidence: a list of address ranges (give it with --ip-ranges or --trusted-ips)"
expect_eq "no evidence: no error, no warning" "$(grep -Ec 'ranges\.txt|ServiceTags' "$d/err.txt")" 0
expect_grep "a range then text: unknown" "$d/err.txt" \
    '^m365hunt: error: .*notes\.txt: not read: text whose header matches no known CSV export'
"$BIN" scan -v --no-progress "$d/in/ranges.txt" >"$d/ranges.txt.out" 2>"$d/ranges.err"
expect_grep "no evidence: a note with -v" "$d/ranges.err" \
    '^m365hunt: note: .*ranges\.txt: not read: not evidence: a list of address ranges'
expect_grep "no evidence: the text report says so" "$d/ranges.txt.out" \
    '^  .*ranges\.txt: not evidence: a list of address ranges \(give it with --ip-ranges'
expect_eq "known binary listed" "$(jq -r '[.evidence.files[] | select(.error != null)] | length' "$d/out.json")" 15
# Screenshots beside the logs: three named, the rest of the folder's in one line, on stderr and
# in the text report; a file not read for another reason is still named on its own.
d2=$WORK/shots; mkdir -p "$d2/in"
echo "$ok1" >"$d2/in/audit.jsonl"
for i in 1 2 3 4 5 6; do printf '%%PDF-1.7\n%d\n' "$i" >"$d2/in/shot$i.pdf"; done
printf 'SQLite format 3\x00\x10' >"$d2/in/z-cache.db"
scan_json "$d2/out.json" "$d2/err.txt" --threads 2 "$d2/in"
expect_eq "a folder's files not read alike: three named, then one line" \
    "$(grep -c 'shot[0-9].pdf: not read: a PDF document' "$d2/err.txt") $(grep -c 'in: 3 more files in this folder after these were not read, for the same reason (each listed in the report): a PDF document' "$d2/err.txt")" \
    "3 1"
expect_grep "another reason: named on its own" "$d2/err.txt" 'z-cache\.db: not read: an SQLite database'
expect_eq "a folder's files not read alike: every one in the report" \
    "$(jq '[.evidence.files[] | select(.error)] | length' "$d2/out.json")" 7
"$BIN" scan --no-progress "$d2/in" >"$d2/out.txt" 2>/dev/null
expect_eq "text report: three, one line for the rest, the other on its own" \
    "$(sed -n '/^NOT READ/,/^$/p' "$d2/out.txt" | grep -c '^  ')" 5
expect_grep "text report: the rest counted" "$d2/out.txt" '^  .*/in: 3 more files, matches no known format$'

# Given by path, a file that starts as a ZIP archive is opened as one whatever its name (this
# one is cut short, and said so); an Office document is still named for what it is.
scan_json "$d/byname.json" "$d/byname.err" "$d/in/evidence.download" "$d/in/AuditLog.xlsx"
expect_grep "zip not named .zip, given by path: opened" "$d/byname.err" \
    'evidence\.download: ZIP archive cannot be read: its directory, at the end of the file'
expect_grep "xlsx given by path" "$d/byname.err" \
    'AuditLog\.xlsx: not read: an Office document \(an Excel workbook\?\)'

# 10b. Format detection looks past the start of a file (docs/cli.md): blank lines beyond the
# first 64 KiB, plain, gzip and UTF-16; a JSON Lines file whose first line was cut or damaged;
# never past binary data; white space alone is named for what it is.
d=$WORK/detect_past; mkdir -p "$d/in" "$d/gz" "$d/u16"
blanks() { head -c "$1" /dev/zero | tr '\0' '\n'; }
{ blanks 100000; echo "$ok1"; echo "$ok2"; } >"$d/in/blank_start.jsonl"
gzip -c "$d/in/blank_start.jsonl" >"$d/gz/blank_start.jsonl.gz"
{ printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE "$d/in/blank_start.jsonl"; } \
    >"$d/u16/blank_start.jsonl"
for v in in gz u16; do
    scan_json "$d/out_$v.json" "$d/err_$v.txt" --events "$d/ev_$v.jsonl" "$d/$v"
    expect_eq "blank start ($v) exit" "$RC" 0
    check_counts "blank start ($v)" "$d/out_$v.json" 2 0
    expect_eq "blank start ($v) lines and offsets" \
        "$(jq -r '"\(.evidence.line)@\(.evidence.offset)"' "$d/ev_$v.jsonl" | tr '\n' ' ')" \
        "100001@100000 100002@$((100000 + ${#ok1} + 1)) "
done
# Cut at its start (the file begins mid-record) or damaged: that line is skipped, the rest read,
# on one thread and in parts, line by line (a line with unbalanced braces costs only itself).
{ printf '%s\n' "${ok1:70}"
  for i in $(seq 1 40); do
      echo "$ok2" | sed "s/2222-2222-2222-222222222222/2222-2222-2222-$(printf %012d "$i")/"
      [ "$i" = 20 ] && echo '{"CreationTime":"2026-03-02T10:01:00","Operation":{'
  done; } >"$d/cut.jsonl"
{ echo '{"CreationTime": }'; echo "$ok1"; } >"$d/damaged.jsonl"
for t in 1 2; do
    scan_json "$d/out_cut$t.json" "$d/err_cut$t.txt" --threads $t --split-size 4K "$d/cut.jsonl"
    expect_eq "cut first line ($t threads) exit" "$RC" 0
    check_counts "cut first line ($t threads)" "$d/out_cut$t.json" 40 2
    expect_grep "cut first line ($t threads) message" "$d/err_cut$t.txt" \
        '^m365hunt: warning: .*/cut\.jsonl:1: text outside any JSON value$'
done
scan_json "$d/out_dmg.json" "$d/err_dmg.txt" "$d/damaged.jsonl"
check_counts "damaged first line" "$d/out_dmg.json" 1 1
expect_grep "damaged first line message" "$d/err_dmg.txt" 'damaged\.jsonl:1: invalid JSON: '
# Binary data is not read, whatever text follows; nor white space alone, told apart by length.
{ printf '\x00\x01binary\n'; echo "$ok1"; } >"$d/binary.jsonl"
blanks 1000 >"$d/blank_small.jsonl"
blanks $((17 * 1024 * 1024)) >"$d/blank_big.jsonl"
{ blanks $((17 * 1024 * 1024)); echo "$ok1"; } >"$d/blank_then_record.jsonl"
for f in binary blank_small blank_big blank_then_record; do
    scan_json "$d/out_$f.json" "$d/err_$f.txt" "$d/$f.jsonl"
    expect_eq "$f: exit" "$RC" 3
done
expect_grep "binary message" "$d/err_binary.txt" 'binary\.jsonl: not read: binary data'
expect_grep "blank small message" "$d/err_blank_small.txt" \
    'blank_small\.jsonl: not read: file holds only white space$'
for f in blank_big blank_then_record; do
    expect_grep "$f message" "$d/err_$f.txt" "$f\\.jsonl: not read: no text in its first 16 MiB, \
only white space \\(not looked at further\\)$"
done

# 10c. Windows-1252 text (Excel's "CSV (Comma delimited)", Windows PowerShell's -Encoding
# Default): records with accented names are read, not skipped, and the file is named once; UTF-8
# with a broken byte is still skipped, not guessed at.
d=$WORK/cp1252; mkdir -p "$d/ual" "$d/purview" "$d/la" "$d/broken"
w_ok1=$(printf '%s' "$ok1" | sed 's/alice@contoso.com/j\xfcrgen.m\xfcller@contoso.com/')
printf '%s\n' "$w_ok1" "$ok2" >"$d/ual/audit.jsonl"
{ printf 'CreationDate,UserIds,Operations,AuditData\r\n'
  printf '2026-03-02T10:00:00,j\xfcrgen.m\xfcller@contoso.com,UserLoggedIn,"%s"\r\n' \
      "$(printf '%s' "$w_ok1" | sed 's/"/""/g')"; } >"$d/purview/AuditLog.csv"
{ printf 'TimeGenerated [UTC],UserPrincipalName,UserDisplayName,IPAddress,ResultType,'
  printf 'AppDisplayName,Id,Type\r\n'
  printf '2026-03-02T10:00:00Z,j\xfcrgen.m\xfcller@contoso.com,J\xfcrgen M\xfcller \x96 Finanzen,'
  printf '203.0.113.10,0,Office 365,5e0c1d2a-6b7f-4c3e-9a8d-1f2e3d4c5b6a,SigninLogs\r\n'; } \
    >"$d/la/SigninLogs.csv"
broken=$(printf '%s' "$ok1" | sed 's/alice@contoso.com/\xc3\xa9lise.\xfc@contoso.com/')
printf '%s\n' "$broken" "$ok2" >"$d/broken/audit.jsonl"
for v in ual purview la broken; do
    scan_json "$d/out_$v.json" "$d/err_$v.txt" --events "$d/ev_$v.jsonl" "$d/$v"
done
check_counts "cp1252 ual" "$d/out_ual.json" 2 0
check_counts "cp1252 purview" "$d/out_purview.json" 1 0
check_counts "cp1252 la" "$d/out_la.json" 1 0
check_counts "broken UTF-8" "$d/out_broken.json" 1 1
for v in ual purview la; do
    expect_eq "cp1252 $v: the name in UTF-8" \
        "$(jq -r 'select(.actor.upn | startswith("j")) | .actor.upn' "$d/ev_$v.jsonl")" \
        "jürgen.müller@contoso.com"
    expect_grep "cp1252 $v: named once" "$d/err_$v.txt" \
        ': 1 record\(s\) are not UTF-8 and were read as Windows-1252 '
done
expect_eq "cp1252 la: display name" "$(jq -r '.actor.name' "$d/ev_la.jsonl")" \
    "Jürgen Müller – Finanzen"
expect_grep "broken UTF-8 skipped" "$d/err_broken.txt" \
    'audit\.jsonl:1: invalid JSON: The input is not valid UTF-8'

# 10e. Files saved from a spreadsheet: a CSV opened in Excel and saved again has every cell longer
# than 32,767 characters cut there. A Purview row whose AuditData was cut (a MailItemsAccessed
# record listing 400 folders) is skipped, saying why; a Log Analytics AuditLogs row whose
# TargetResources was cut is read without it. Each file says how many and where the first was.
d=$WORK/cut; mkdir -p "$d/purview" "$d/la"
python3 - "$d" "$ok1" <<'EOF'
import csv, json, sys
d, ok1 = sys.argv[1], sys.argv[2]
CELL = 32767
mia = {"CreationTime": "2026-03-02T11:00:00", "Id": "33333333-3333-3333-3333-333333333333",
       "Operation": "MailItemsAccessed", "RecordType": 50, "ResultStatus": "Succeeded",
       "UserId": "alice@contoso.com", "UserType": 0, "Workload": "Exchange",
       "ClientIPAddress": "203.0.113.10", "MailAccessType": "Bind",
       "Folders": [{"Path": "\\Inbox\\Project %03d" % i,
                    "FolderItems": [{"InternetMessageId": "<m%03d.%d@contoso.com>" % (i, k)}
                                    for k in range(3)]} for i in range(400)]}
with open(d + "/purview/AuditLog.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["CreationDate", "UserIds", "Operations", "AuditData"])
    w.writerow(["2026-03-02T10:00:00", "alice@contoso.com", "UserLoggedIn", ok1])
    w.writerow(["2026-03-02T11:00:00", "alice@contoso.com", "MailItemsAccessed",
                json.dumps(mia)[:CELL]])
targets = [{"id": "8d4e2b71-5a3f-4c90-b1e6-7f2a9c3d5e%02d" % i, "displayName": "App %d" % i,
            "type": "ServicePrincipal", "modifiedProperties": [
                {"displayName": "AppAddress", "oldValue": "[]",
                 "newValue": json.dumps([{"Address": "https://app%d.contoso.com/%s" % (i, "x" * 200)}])}]}
           for i in range(99)]
with open(d + "/la/AuditLogs.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["TimeGenerated [UTC]", "OperationName", "Category", "Result", "Id",
                "InitiatedBy", "TargetResources", "AADTenantId", "Type"])
    w.writerow(["2026-03-02T12:00:00Z", "Update service principal", "ApplicationManagement",
                "success", "Directory_0c3e5a7b-2d4f-4b8e-9a1c-6f0e2d4b8a13_ABCDE_12345",
                json.dumps({"user": {"userPrincipalName": "tom@contoso.com",
                                     "ipAddress": "203.0.113.10"}}),
                json.dumps(targets)[:CELL], "6b1f4c2e-8d3a-4f57-9c21-3e0a5d7b9f14", "AuditLogs"])
EOF
for v in purview:3 la:2; do
    line=${v#*:} v=${v%:*}
    scan_json "$d/out_$v.json" "$d/err_$v.txt" --events "$d/ev_$v.jsonl" "$d/$v"
    expect_eq "cut $v exit" "$RC" 0
    expect_grep "cut $v: said once per file, with where" "$d/err_$v.txt" \
        ": 1 value\\(s\\) end at 32,767 characters, the most a spreadsheet cell holds, with their JSON unfinished \\(the first at line $line\\): the file was opened and saved in Excel"
done
check_counts "cut purview" "$d/out_purview.json" 1 1
expect_grep "cut purview: the record skipped, saying why" "$d/err_purview.txt" \
    'AuditLog\.csv:3: AuditData: AuditData is cut at 32,767 characters, the most a spreadsheet cell holds \(the file was saved from Excel\): '
check_counts "cut la" "$d/out_la.json" 1 0
expect_eq "cut la: read without the cut targets" \
    "$(jq -c '[.operation, .actor.upn, (.targets | length)]' "$d/ev_la.jsonl")" \
    '["Update service principal","tom@contoso.com",0]'
# A detail held as JSON text that does not parse, and was not cut: the row is read without it,
# and the file says so once.
mkdir -p "$d/badjson"
{ printf 'TimeGenerated [UTC],OperationName,Category,Result,Id,InitiatedBy,TargetResources,Type\r\n'
  printf '2026-03-02T12:00:00Z,Update user,UserManagement,success,Directory_1d4f6b8c-3e5a-4c9f-8b2d-7a1e3c5f9b24_QWERT_67890,'
  printf '"{""user"":{""userPrincipalName"":""tom@contoso.com""}}","[{""id"":""5b8e2f17-9c3a-4d61-8e0f-a47b2c9d1e63"",""type"":""User"",",AuditLogs\r\n'; } \
    >"$d/badjson/AuditLogs.csv"
scan_json "$d/out_badjson.json" "$d/err_badjson.txt" --events "$d/ev_badjson.jsonl" "$d/badjson"
check_counts "bad JSON detail" "$d/out_badjson.json" 1 0
expect_eq "bad JSON detail: read without it" \
    "$(jq -c '[.operation, .actor.upn, (.targets | length)]' "$d/ev_badjson.jsonl")" \
    '["Update user","tom@contoso.com",0]'
expect_grep "bad JSON detail: said once, with where" "$d/err_badjson.txt" \
    'AuditLogs\.csv: 1 value\(s\) hold JSON text that does not parse \(the first at line 2\): what they held'
expect_eq "bad JSON detail: one message" "$(wc -l <"$d/err_badjson.txt")" 1
# Excel also writes its display of a date, to the minute: the records are read, and the file
# says its times lost their seconds (a time at a whole minute that has them says nothing).
mkdir -p "$d/minutes"
{ printf 'TimeGenerated [UTC],UserPrincipalName,IPAddress,ResultType,AppDisplayName,Id,Type\r\n'
  printf '3/2/2026 10:05,alice@contoso.com,203.0.113.10,0,Office 365,5e0c1d2a-6b7f-4c3e-9a8d-1f2e3d4c5b6a,SigninLogs\r\n'
  printf '2026-03-02T10:06:00Z,bob@contoso.com,203.0.113.11,0,Office 365,6f1d2e3b-7c8a-4d4f-8b9e-2a3f4e5d6c7b,SigninLogs\r\n'
  printf '3/2/2026 10:07,carol@contoso.com,203.0.113.12,0,Office 365,7a2e3f4c-8d9b-4e5a-9caf-3b4a5f6e7d8c,SigninLogs\r\n'; } \
    >"$d/minutes/SigninLogs.csv"
scan_json "$d/out_minutes.json" "$d/err_minutes.txt" --events "$d/ev_minutes.jsonl" "$d/minutes"
check_counts "minutes" "$d/out_minutes.json" 3 0
expect_eq "minutes: the times" "$(jq -r .time "$d/ev_minutes.jsonl" | tr '\n' ' ')" \
    "2026-03-02T10:05:00.000Z 2026-03-02T10:06:00.000Z 2026-03-02T10:07:00.000Z "
expect_grep "minutes: said once, with where" "$d/err_minutes.txt" \
    'SigninLogs\.csv: 2 value\(s\) are times to the minute only \("3/2/2026 10:05"\) \(the first at line 2\): a spreadsheet.s display of a date'
expect_eq "minutes: one message" "$(wc -l <"$d/err_minutes.txt")" 1

# 10d. Exports joined together (cat, Get-Content | Set-Content): the byte-order mark of each
# joined file is not a record, in JSON Lines and between arrays; CSV files joined repeat their
# header (and PowerShell's #TYPE line): each repeat is named, and no data row is lost.
d=$WORK/joined; mkdir -p "$d"
bom=$'\xef\xbb\xbf'
ok3=${ok1//11111111-1111-1111-1111-111111111111/33333333-3333-3333-3333-333333333333}
ok4=${ok2//22222222-2222-2222-2222-222222222222/44444444-4444-4444-4444-444444444444}
# Four lines, three starting with '{': read line by line (the mark before line 4 cost it).
printf '%s%s\n%s\n%s\n%s%s\n%s' "$bom" "$ok1" "$ok2" "$ok3" "$bom" "$ok4" "$bom" \
    >"$d/joined.jsonl"
printf '%s[%s]\r\n%s[\n%s\n]\r\n' "$bom" "$ok1" "$bom" "$ok2" >"$d/joined-arrays.json"
scan_json "$d/out_jsonl.json" "$d/err_jsonl.txt" "$d/joined.jsonl"
check_counts "joined JSON Lines" "$d/out_jsonl.json" 4 0
scan_json "$d/out_arrays.json" "$d/err_arrays.txt" "$d/joined-arrays.json"
check_counts "joined arrays" "$d/out_arrays.json" 2 0
expect_eq "joined JSON: no message" "$(cat "$d/err_jsonl.txt" "$d/err_arrays.txt")" ""
quoted1=$(printf '%s' "$ok1" | sed 's/"/""/g')
quoted2=$(printf '%s' "$ok2" | sed 's/"/""/g')
{ printf '%s#TYPE Deserialized.Microsoft.Exchange.Management.UnifiedAuditLogRecord\r\n' "$bom"
  printf '"CreationDate","UserIds","Operations","AuditData"\r\n'
  printf '"2026-03-02T10:00:00","alice@contoso.com","UserLoggedIn","%s"\r\n' "$quoted1"
  printf '%s#TYPE Deserialized.Microsoft.Exchange.Management.UnifiedAuditLogRecord\r\n' "$bom"
  printf '"CreationDate","UserIds","Operations","AuditData"\r\n'
  printf '"2026-03-02T10:05:00","bob@contoso.com","UserLoginFailed","%s"\r\n' "$quoted2"
} >"$d/joined.csv"
scan_json "$d/out_csv.json" "$d/err_csv.txt" "$d/joined.csv"
check_counts "joined CSV" "$d/out_csv.json" 2 2
expect_eq "joined CSV: each repeat named" \
    "$(grep -o 'joined\.csv:[0-9]*: a header line again (exports joined together?): not a record' \
        "$d/err_csv.txt" | cut -d: -f2 | tr '\n' ' ')" "4 5 "

# 10e. Sign-ins saved with Windows PowerShell's ConvertTo-Json at its default depth: the objects
# past it are PowerShell's text ("@{errorCode=50126; ...}"), the failures unreadable. The file is
# named once with what to do; a full export of the same sign-ins says nothing.
d=$WORK/ps_depth; mkdir -p "$d"
cat >"$d/signins.json" <<'JSON'
[
    {
        "id":  "7f3a0001-1c2b-4d5e-8f90-a1b2c3d4e5f6",
        "createdDateTime":  "2025-12-02T09:01:11Z",
        "userPrincipalName":  "megan.bowen@contoso.com",
        "appId":  "1b730954-1685-4b74-9bfd-dac224a7b894",
        "appDisplayName":  "Azure Active Directory PowerShell",
        "ipAddress":  "198.51.100.10",
        "isInteractive":  true,
        "status":  "@{errorCode=50126; failureReason=Error validating credentials due to invalid username or password.; additionalDetails=}",
        "location":  "@{city=Ashburn; state=Virginia; countryOrRegion=US; geoCoordinates=}",
        "authenticationDetails":  [
                                      "Microsoft.Graph.PowerShell.Models.MicrosoftGraphAuthenticationDetail"
                                  ]
    }
]
JSON
scan_json "$d/out.json" "$d/err.txt" "$d/signins.json"
check_counts "ConvertTo-Json depth" "$d/out.json" 1 0
expect_grep "ConvertTo-Json depth named" "$d/err.txt" \
    "signins\\.json: 2 value\\(s\\) are PowerShell's text for an object .*\\(the first at line 2\\): ConvertTo-Json stopped at its depth limit .* export again with -Depth 10$"
sed -e 's/"@{errorCode=50126; failureReason=\([^;]*\); additionalDetails=}"/{"errorCode": 50126, "failureReason": "\1"}/' \
    -e 's/"@{city=Ashburn; state=Virginia; countryOrRegion=US; geoCoordinates=}"/{"city": "Ashburn", "countryOrRegion": "US"}/' \
    -e 's/"Microsoft.Graph.PowerShell.Models.MicrosoftGraphAuthenticationDetail"/{"succeeded": false}/' \
    "$d/signins.json" >"$d/full.json"
scan_json "$d/out_full.json" "$d/err_full.txt" --events "$d/ev_full.jsonl" "$d/full.json"
expect_eq "full depth: no message" "$(cat "$d/err_full.txt")" ""
expect_eq "full depth: the failure read" "$(jq -c '[.result, .error_code]' "$d/ev_full.jsonl")" '["failure",50126]'

# 13. Limits (docs/robustness.md): a record over one is skipped and counted with a message
# naming file and line; the records around it are read.
# 13a. More distinct values than --max-distinct-values: the records needing new ones are skipped.
d=$WORK/distinct; mkdir -p "$d/in"
for i in $(seq 1 300); do
    printf '{"CreationTime":"2026-03-02T10:%02d:%02d","Id":"%08d-1111-4111-8111-111111111111","Operation":"UserLoggedIn","RecordType":15,"ResultStatus":"Success","UserId":"user%d@contoso.com","UserType":0,"Workload":"AzureActiveDirectory","ClientIP":"198.51.%d.%d"}\n' \
        $((i / 60)) $((i % 60)) "$i" "$i" $((i / 200)) $((i % 200))
done >"$d/in/audit.jsonl"
scan_json "$d/out.json" "$d/err.txt" --max-distinct-values 256 --max-skip-ratio 1 "$d/in"
expect_eq "distinct-values exit" "$RC" 0
read_=$(total records_read "$d/out.json"); parsed=$(total parsed "$d/out.json"); skipped=$(total skipped "$d/out.json")
expect_eq "distinct-values: every record read" "$read_" 300
expect_eq "distinct-values: read = parsed + skipped" "$read_" "$((parsed + skipped))"
if [ "$skipped" -gt 0 ] && [ "$parsed" -gt 50 ]; then pass; else fail "distinct-values: parsed $parsed skipped $skipped"; fi
expect_grep "distinct-values message" "$d/err.txt" 'audit\.jsonl:[0-9]*: the scan already holds 256 distinct values'
# Threads race for the last free values, so which records are skipped is not fixed: the scan
# says so when it reads on several threads, and one thread gives the same result every time.
scan_json "$d/out_t2.json" "$d/err_t2.txt" --threads 2 --max-distinct-values 256 --max-skip-ratio 1 "$d/in"
expect_grep "distinct-values: several threads, said" "$d/err_t2.txt" \
    '^m365hunt: warning: --max-distinct-values: the scan reached this limit \(256 distinct values\) on 2 threads: which records were skipped for it can differ'
scan_json "$d/out_t1.json" "$d/err_t1.txt" --threads 1 --max-distinct-values 256 --max-skip-ratio 1 "$d/in"
expect_eq "distinct-values: one thread, not said" "$(grep -c 'can differ from one run' "$d/err_t1.txt")" 0
scan_json "$d/out_t1b.json" "$d/err_t1b.txt" --threads 1 --max-distinct-values 256 --max-skip-ratio 1 "$d/in"
expect_eq "distinct-values: one thread, the same records skipped each time" \
    "$(cmp -s "$d/err_t1.txt" "$d/err_t1b.txt" && echo same)" same
scan_json "$d/out2.json" "$d/err2.txt" "$d/in"
expect_eq "default limit: nothing skipped" "$(total skipped "$d/out2.json")" 0
# Values unique to each record or sign-in (record, correlation and token ids) are copied, not
# held as distinct values: 2000 audit records and 2000 Graph sign-ins of one user from one
# address fit a limit of 1024.
d=$WORK/distinct_ids; mkdir -p "$d/in"
for i in $(seq 1 2000); do
    printf '{"CreationTime":"2026-03-02T10:%02d:%02d","Id":"%08d-1111-4111-8111-111111111111","CorrelationId":"%08d-2222-4222-8222-222222222222","Operation":"MailItemsAccessed","RecordType":50,"ResultStatus":"Succeeded","UserId":"user@contoso.com","UserType":0,"Workload":"Exchange","ClientIP":"198.51.100.7","MailboxOwnerUPN":"user@contoso.com","AppAccessContext":{"UniqueTokenId":"tOk%08dAAAAAAAAAAAAA","ClientAppId":"00000002-0000-0ff1-ce00-000000000000"}}\n' \
        $((i / 60 % 60)) $((i % 60)) "$i" "$i" "$i"
done >"$d/in/audit.jsonl"
{
    printf '{"value":['
    for i in $(seq 1 2000); do
        [ "$i" -gt 1 ] && printf ','
        printf '{"id":"%08d-3333-4333-8333-333333333333","createdDateTime":"2026-03-02T09:%02d:%02dZ","userPrincipalName":"user@contoso.com","userId":"cb0aabac-34f9-4056-886d-a98e490c9b67","appId":"1fec8e78-bce4-4aaf-ab1b-5451cc387264","appDisplayName":"Microsoft Teams","ipAddress":"198.51.100.7","clientAppUsed":"Browser","correlationId":"%08d-4444-4444-8444-444444444444","isInteractive":true,"uniqueTokenIdentifier":"sIgN%08dBBBBBBBBBBBBB","status":{"errorCode":0}}' \
            "$i" $((i / 60 % 60)) $((i % 60)) "$i" "$i"
    done
    printf ']}\n'
} >"$d/in/signins.json"
scan_json "$d/out.json" "$d/err.txt" --max-distinct-values 1024 "$d/in"
expect_eq "unique ids: exit" "$RC" 0
expect_eq "unique ids: nothing skipped" "$(total skipped "$d/out.json")" 0
expect_eq "unique ids: every record parsed" "$(total parsed "$d/out.json")" 4000

# 13b. A value longer than 1 MiB, and more than 4096 parameters in one record.
d=$WORK/field_limits; mkdir -p "$d/in"
big=$(head -c 1100000 /dev/zero | tr '\0' 'A')
params=$(for i in $(seq 1 4100); do printf '{"Name":"P%d","Value":"v"},' "$i"; done)
{
    echo "$ok1"
    printf '{"CreationTime":"2026-03-02T10:02:00","Id":"33333333-3333-3333-3333-333333333333","Operation":"UserLoggedIn","RecordType":15,"ResultStatus":"Success","UserId":"carol@contoso.com","Workload":"AzureActiveDirectory","ClientIP":"203.0.113.5","ExtendedProperties":[{"Name":"UserAgent","Value":"%s"}]}\n' "$big"
    printf '{"CreationTime":"2026-03-02T10:03:00","Id":"44444444-4444-4444-4444-444444444444","Operation":"Set-Mailbox","RecordType":1,"ResultStatus":"True","UserId":"dave@contoso.com","Workload":"Exchange","ClientIP":"203.0.113.6","Parameters":[%s{"Name":"Identity","Value":"dave"}]}\n' "$params"
    echo "$ok2"
} >"$d/in/audit.jsonl"
scan_json "$d/out.json" "$d/err.txt" "$d/in"
check_counts field_limits "$d/out.json" 2 2
expect_grep "value limit message" "$d/err.txt" 'audit\.jsonl:2: a value longer than 1 MiB: record skipped'
expect_grep "items limit message" "$d/err.txt" 'audit\.jsonl:3: more than 4096 targets, properties, parameters or folders: record skipped'

# 13c. A CSV row wider than 1024 cells: the extra cells are ignored, said once per file.
d=$WORK/wide_csv; mkdir -p "$d/in"
extra=$(printf ',x%.0s' $(seq 1 1100))
{
    echo 'RecordId,CreationDate,RecordType,Operation,UserId,AuditData'
    printf '%s,3/2/2026 10:00:00 AM,15,UserLoggedIn,alice@contoso.com,"%s"%s\n' r1 "$(printf '%s' "$ok1" | sed 's/"/""/g')" "$extra"
    printf '%s,3/2/2026 10:05:00 AM,15,UserLoginFailed,bob@contoso.com,"%s"%s\n' r2 "$(printf '%s' "$ok2" | sed 's/"/""/g')" "$extra"
} >"$d/in/purview.csv"
scan_json "$d/out.json" "$d/err.txt" "$d/in"
check_counts wide_csv "$d/out.json" 2 0
expect_eq "wide row said once" "$(grep -c 'more than 1024 cells' "$d/err.txt")" 1
expect_grep "wide row message" "$d/err.txt" 'purview\.csv:2: row has more than 1024 cells'

# 13d. Under an address-space limit (ulimit -v 1 GiB): the scan reserves less address space for
# its events and reads the same. Skipped where the binary cannot start under such a limit at all
# (sanitizer builds reserve terabytes of shadow memory).
if (ulimit -v 1048576 && "$BIN" version >/dev/null 2>&1); then
    "$BIN" scan --no-progress --format json "$SRC/examples/contoso-demo" >"$WORK/nolimit.json" 2>/dev/null
    (ulimit -v 1048576 && "$BIN" scan --no-progress --format json "$SRC/examples/contoso-demo" \
        >"$WORK/limit.json" 2>"$WORK/limit.err")
    expect_eq "ulimit -v: exit" "$?" 0
    expect_eq "ulimit -v: same findings" "$(jq -c .findings "$WORK/limit.json")" \
        "$(jq -c .findings "$WORK/nolimit.json")"
    expect_eq "ulimit -v: same records" "$(total parsed "$WORK/limit.json")" \
        "$(total parsed "$WORK/nolimit.json")"
fi

# 11. Every message is one line that starts with the program name.
for f in "$WORK"/*/err*.txt; do
    if grep -qv '^m365hunt: ' "$f"; then fail "multi-line or unprefixed message in $f"; else pass; fi
done

# 12. Nonexistent path: error line, exit 3.
scan_json "$WORK/out_missing.json" "$WORK/err_missing.txt" "$WORK/does-not-exist"
expect_eq "missing path exit" "$RC" 3
expect_grep "missing path message" "$WORK/err_missing.txt" 'does-not-exist: cannot read: No such file or directory'

finish
