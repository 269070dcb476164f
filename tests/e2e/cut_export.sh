#!/usr/bin/env bash
# Exports cut short are named (docs/cli.md, COVERAGE). A Search-UnifiedAuditLog export: each row
# carries ResultIndex and ResultCount, and rows that stop short of the count their search
# reported mean the rest were never exported (the cmdlet gives at most 50,000 results per
# session, and collectors that page through it stall or give up there). A paged Graph export:
# every page names the next (@odata.nextLink) but the last, so pages that all name a next one
# mean the collector stopped early. Complete exports, whole or split over files, and the same
# export given twice, say nothing.
source "$(dirname "$0")/common.bash" "$@"

"$BIN" simulate -q --out "$WORK/sim" --formats purview-classic --days 3 --users 30 --seed 5 \
    --scenario password-spray
expect_eq "simulate" $? 0
rm -f "$WORK/sim/ground-truth.json"
scan_json "$WORK/whole.json" "$WORK/whole.err" "$WORK/sim"
expect_eq "complete exports: exit" "$RC" 0
expect_eq "complete exports: nothing cut" "$(jq -c '.coverage.cut_searches' "$WORK/whole.json")" "[]"
expect_eq "complete exports: nothing said" "$(grep -c 'cut short' "$WORK/whole.err")" 0

# One day's Exchange search, its last rows lost (a collector that stopped paging).
src=$(ls "$WORK"/sim/purview/*_Exchange.csv | head -1)
rows=$(($(wc -l <"$src") - 2)) # the #TYPE line and the header
total=$(sed -n 3p "$src" | python3 -c 'import csv,sys; r=next(csv.reader(sys.stdin)); print(r[7])')
expect_eq "the file's rows are its search's count" "$total" "$rows"
keep=$((rows * 3 / 5))
mkdir -p "$WORK/cut"
head -n $((keep + 2)) "$src" >"$WORK/cut/exchange.csv"
scan_json "$WORK/cut.json" "$WORK/cut.err" "$WORK/cut"
expect_eq "cut export: named in coverage" \
    "$(jq -c '.coverage.cut_searches | map([(.file | sub(".*/"; "")), .result_count, .last_index])' \
        "$WORK/cut.json")" "[[\"exchange.csv\",$total,$keep]]"
expect_grep "cut export: a warning naming the file and the numbers" "$WORK/cut.err" \
    "exchange.csv: a Search-UnifiedAuditLog export cut short: its search reported $total results \\(ResultCount\\), its rows stop at result $keep \\(ResultIndex\\): the other $((total - keep)) were never exported"
expect_eq "cut export: the rows it holds are read" "$(total parsed "$WORK/cut.json")" "$keep"
"$BIN" scan --no-progress "$WORK/cut" >"$WORK/cut.txt" 2>/dev/null
expect_grep "cut export: in the text summary's coverage" "$WORK/cut.txt" \
    "^  Search-UnifiedAuditLog exports cut short \\(1\\):$"
expect_grep "cut export: with its numbers" "$WORK/cut.txt" \
    "^      its search reported $total results, its rows stop at result $keep: $((total - keep)) never"

"$BIN" scan --no-progress --out "$WORK/cutout" "$WORK/cut" >/dev/null 2>&1
expect_grep "cut export: in the HTML report's coverage" "$WORK/cutout/report.html" \
    "<h3>Search-UnifiedAuditLog exports cut short</h3>.*exchange.csv</td><td class=\"num\">$total</td><td class=\"num\">$keep</td>"

# The same search split over two files, whole: nothing said. The second file lost: cut.
mkdir -p "$WORK/split" "$WORK/half"
head -n $((keep + 2)) "$src" >"$WORK/split/a.csv"
{ sed -n 1,2p "$src"; tail -n +$((keep + 3)) "$src"; } >"$WORK/split/b.csv"
scan_json "$WORK/split.json" "$WORK/split.err" "$WORK/split"
expect_eq "split export: all rows read" "$(total parsed "$WORK/split.json")" "$rows"
expect_eq "split export: nothing cut" "$(jq -c '.coverage.cut_searches' "$WORK/split.json")" "[]"
{ sed -n 1,2p "$src"; tail -n +$((keep + 3)) "$src"; } >"$WORK/half/b.csv"
scan_json "$WORK/half.json" "$WORK/half.err" "$WORK/half"
expect_eq "rows from the middle on, the end there: nothing cut" \
    "$(jq -c '.coverage.cut_searches' "$WORK/half.json")" "[]"

# A collector's time slices appended to one file: 40 sessions of 3 to 6 results and one of 9,
# the 23rd, losing its last row. Only it is named (sessions are told apart by their counts).
python3 - "$src" "$WORK/slices.csv" <<'EOF'
import csv, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    kind = next(f)
    rows = list(csv.reader(f))
head, rows = rows[0], rows[1:]
ix, cx = head.index("ResultIndex"), head.index("ResultCount")
out, at = [], 0
for s in range(40):
    n = 9 if s == 22 else 3 + s % 4
    take = [list(rows[(at + i) % len(rows)]) for i in range(n)]  # rows again: duplicates
    at += n
    for i, r in enumerate(take, 1):
        r[ix], r[cx] = str(i), str(n)
    out += take[:-1] if s == 22 else take
with open(sys.argv[2], 'w', newline='', encoding='utf-8') as f:
    f.write(kind)
    w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator='\r\n')
    w.writerow(head)
    w.writerows(out)
EOF
scan_json "$WORK/slices.json" "$WORK/slices.err" "$WORK/slices.csv"
expect_eq "one session of 40 cut: named alone" \
    "$(jq -c '.coverage.cut_searches | map([.result_count, .last_index])' "$WORK/slices.json")" \
    "[[9,8]]"

# Given twice (a copy beside it): one cut, named at the first file.
cp "$WORK/cut/exchange.csv" "$WORK/cut/exchange-copy.csv"
scan_json "$WORK/twice.json" "$WORK/twice.err" "$WORK/cut"
expect_eq "cut export given twice: one cut, at the first file" \
    "$(jq -c '.coverage.cut_searches | map([(.file | sub(".*/"; "")), .last_index])' "$WORK/twice.json")" \
    "[[\"exchange-copy.csv\",$keep]]"

# The cmdlet's objects as JSON (ConvertTo-Json): the same.
python3 - "$WORK/cut/exchange.csv" "$WORK/cut.ps.json" <<'EOF'
import csv, json, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    next(f)  # the #TYPE line
    rows = list(csv.DictReader(f))
for r in rows:
    r["RecordType"] = int(r["RecordType"])
    r["ResultIndex"] = int(r["ResultIndex"])
    r["ResultCount"] = int(r["ResultCount"])
    r["IsValid"] = r["IsValid"] == "True"
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(rows, f, indent=2)
EOF
scan_json "$WORK/cutjs.json" "$WORK/cutjs.err" "$WORK/cut.ps.json"
expect_eq "ConvertTo-Json export: read as such" \
    "$(jq -r '.evidence.files[0].format' "$WORK/cutjs.json")" ual-search-json
expect_eq "ConvertTo-Json export cut short: named" \
    "$(jq -c '.coverage.cut_searches | map([.result_count, .last_index])' "$WORK/cutjs.json")" \
    "[[$total,$keep]]"
# One object per line, read in parts on two threads: the parts' rows are one session.
jq -c '.[]' "$WORK/cut.ps.json" >"$WORK/cut.ps.jsonl"
scan_json "$WORK/cutjl.json" "$WORK/cutjl.err" --threads 2 --split-size 4K "$WORK/cut.ps.jsonl"
expect_eq "JSON Lines export read in parts" \
    "$("$BIN" scan -v --no-progress --threads 2 --split-size 4K "$WORK/cut.ps.jsonl" 2>&1 >/dev/null \
       | sed -n 's/.*(2 threads, \([0-9]*\) file parts).*/\1/p' | awk '{print ($1 > 1)}')" 1
expect_eq "JSON Lines export cut short, read in parts: named once" \
    "$(jq -c '.coverage.cut_searches | map([.result_count, .last_index])' "$WORK/cutjl.json")" \
    "[[$total,$keep]]"
# Graph pages: a day of non-interactive sign-ins in four pages, three naming a next one.
"$BIN" simulate -q --out "$WORK/graph" --formats graph-json --days 2 --users 150 --activity 4 \
    --seed 9
pages=$WORK/graph/entra/nonInteractiveSignIns_2025-01-06.json
expect_eq "four pages, three naming a next one" \
    "$(grep -c . "$pages") $(grep -o '"@odata.nextLink"' "$pages" | wc -l)" "4 3"
scan_json "$WORK/graph.json" "$WORK/graph.err" "$WORK/graph"
expect_eq "complete Graph export: nothing cut" "$(jq -c '.coverage.cut_pages' "$WORK/graph.json")" "[]"
expect_eq "complete Graph export: nothing said" "$(grep -c 'no last page' "$WORK/graph.err")" 0
mkdir -p "$WORK/paged"
for i in 1 2 3 4; do sed -n ${i}p "$pages" >"$WORK/paged/page-0$i.json"; done
scan_json "$WORK/paged.json" "$WORK/paged.err" "$WORK/paged"
expect_eq "page by page, the last one there: nothing cut" \
    "$(jq -c '.coverage.cut_pages' "$WORK/paged.json")" "[]"
rm "$WORK/paged/page-04.json"
scan_json "$WORK/paged3.json" "$WORK/paged3.err" "$WORK/paged"
expect_eq "page by page, stopped before the last: named" \
    "$(jq -c '.coverage.cut_pages | map([.format, .sources, (.file | sub(".*/"; "")), .pages])' \
       "$WORK/paged3.json")" '[["graph-json",["signin-noninteractive"],"page-01.json",3]]'
expect_grep "a warning naming the pages" "$WORK/paged3.err" \
    'page-01.json: a paged export with no last page: its 3 graph-json pages of signin-noninteractive each name a next page \(@odata.nextLink\), none is the last'
expect_eq "the pages' records are read" "$(total parsed "$WORK/paged3.json")" \
    "$(head -n 3 "$pages" | jq -s 'map(.value | length) | add')"
head -n 3 "$pages" >"$WORK/three-pages.json"
"$BIN" scan --no-progress --out "$WORK/pagedout" "$WORK/three-pages.json" >"$WORK/paged3.txt" 2>/dev/null
expect_grep "one file, its last page lost: in the text summary" "$WORK/paged3.txt" \
    "^    graph-json \\(signin-noninteractive\\), 3 pages from $WORK/three-pages.json\$"
expect_grep "and in the HTML report" "$WORK/pagedout/report.html" \
    '<h3>Paged exports with no last page</h3>.*<td>graph-json</td><td>signin-noninteractive</td><td class="num">3</td>'

# Exports of one format are told apart by the log sources of their records: the non-interactive
# sign-ins stopped part way beside whole exports of interactive and service principal sign-ins
# and directory audits (one file each per day, the same Graph format) are named.
mkdir -p "$WORK/mixed"
cp "$WORK"/graph/entra/*.json "$WORK/mixed/"
rm "$WORK/mixed/nonInteractiveSignIns_2025-01-05.json"
head -n 3 "$pages" >"$WORK/mixed/nonInteractiveSignIns_2025-01-06.json"
scan_json "$WORK/mixed.json" "$WORK/mixed.err" "$WORK/mixed"
expect_eq "one log source stopped beside whole ones of the same format: named" \
    "$(jq -c '.coverage.cut_pages | map([.format, .sources, (.file | sub(".*/"; "")), .pages])' \
       "$WORK/mixed.json")" \
    '[["graph-json",["signin-noninteractive"],"nonInteractiveSignIns_2025-01-06.json",3]]'
expect_eq "the other exports read" "$(jq '[.evidence.files[] | select(.parsed > 0)] | length' \
    "$WORK/mixed.json")" "$(ls "$WORK/mixed" | wc -l)"
# One export holding two sources (interactive and non-interactive sign-ins in one query) whose
# last page holds only one: its pages join the two, the last page ends it; not named.
jq -c --slurpfile i "$WORK/graph/entra/signIns_2025-01-06.json" \
    'if input_line_number == 1 then .value += $i[0].value else . end' "$pages" \
    >"$WORK/mixed/nonInteractiveSignIns_2025-01-06.json"
scan_json "$WORK/joined.json" "$WORK/joined.err" "$WORK/mixed"
expect_eq "two sources in one export, its last page of one: nothing cut" \
    "$(jq -c '.coverage.cut_pages' "$WORK/joined.json")" "[]"
# Stopped, alone: named once, with both sources. (Beside a whole export of interactive
# sign-ins, the folder's, it is not: that export's last page ends the sources it shares.)
mkdir -p "$WORK/joined"
head -n 3 "$WORK/mixed/nonInteractiveSignIns_2025-01-06.json" >"$WORK/joined/signins.json"
scan_json "$WORK/joined3.json" "$WORK/joined3.err" "$WORK/joined"
expect_eq "two sources in one export, stopped: named once, with both" \
    "$(jq -c '.coverage.cut_pages | map([.sources, .pages])' "$WORK/joined3.json")" \
    '[[["signin","signin-noninteractive"],3]]'
head -n 3 "$WORK/mixed/nonInteractiveSignIns_2025-01-06.json" \
    >"$WORK/mixed/nonInteractiveSignIns_2025-01-06.json.new"
mv "$WORK/mixed/nonInteractiveSignIns_2025-01-06.json.new" \
    "$WORK/mixed/nonInteractiveSignIns_2025-01-06.json"
scan_json "$WORK/joinedw.json" "$WORK/joinedw.err" "$WORK/mixed"
expect_eq "stopped beside a whole export of one of its sources: not named" \
    "$(jq -c '.coverage.cut_pages' "$WORK/joinedw.json")" "[]"
# A last page that kept no record may end any export of its format: it ends them all.
printf '%s\n' '{"@odata.context":"https://graph.microsoft.com/beta/$metadata#auditLogs/signIns","value":[]}' \
    >>"$WORK/mixed/nonInteractiveSignIns_2025-01-06.json"
scan_json "$WORK/emptylast.json" "$WORK/emptylast.err" "$WORK/mixed"
expect_eq "an empty last page: nothing cut" "$(jq -c '.coverage.cut_pages' "$WORK/emptylast.json")" "[]"
# Pages that kept no record, every one naming a next page, and no other page of the format
# (read as Graph by --input-format; nothing else tells): named, with no source.
mkdir -p "$WORK/empty"
for i in 1 2; do
    printf '%s\n' '{"@odata.context":"https://graph.microsoft.com/beta/$metadata#auditLogs/signIns","value":[],"@odata.nextLink":"https://graph.microsoft.com/beta/auditLogs/signIns?$skiptoken=x'$i'"}'
done >"$WORK/empty/signins.json"
scan_json "$WORK/emptynext.json" "$WORK/emptynext.err" --input-format graph-json "$WORK/empty"
expect_eq "empty pages naming a next one, nothing else: named" \
    "$(jq -c '.coverage.cut_pages | map([.format, .sources, .pages])' "$WORK/emptynext.json")" \
    '[["graph-json",[],2]]'
expect_grep "and said" "$WORK/emptynext.err" \
    'signins.json: a paged export with no last page: its 2 graph-json pages each name a next page'
finish
