#!/usr/bin/env bash
# --out DIR: the five report files, their golden copies, the HTML in a real browser (headless
# Chromium: no console error, no request, the counts of report.json), and hostile log fields.
# Set M365_UPDATE_GOLDEN=1 to rewrite the golden files (then review the diff).
source "$(dirname "$0")/common.bash" "$@"
cd "$SRC" || exit 1
DEMO=examples/contoso-demo
G=tests/golden
OUT=$WORK/out

"$BIN" scan --no-progress --out "$OUT" "$DEMO" >"$WORK/stdout.txt" 2>"$WORK/stderr.txt"
expect_eq "scan with --out" "$?" 0
for f in findings.jsonl report.json timeline.csv report.html attack-layer.json; do
    if [ -s "$OUT/$f" ]; then pass; else fail "$f missing or empty"; fi
done
expect_eq "no temporary files left" "$(ls -a "$OUT" | grep -c '\.tmp\.')" 0

# Consistency between the files.
nf=$(jq '.findings | length' "$OUT/report.json")
ni=$(jq '.incidents | length' "$OUT/report.json")
expect_eq "findings.jsonl = report.json findings" "$(wc -l <"$OUT/findings.jsonl")" "$nf"
expect_eq "findings.jsonl is JSON" "$(jq -c . "$OUT/findings.jsonl" | wc -l)" "$nf"
"$BIN" scan --no-progress --format json "$DEMO" >"$WORK/report2.json"
expect_eq "report.json = --format json (but the command and the digests --out computes)" \
    "$(jq -c 'del(.command) | del(.evidence.files[].sha256)' "$OUT/report.json")" \
    "$(jq -c 'del(.command) | del(.evidence.files[].sha256)' "$WORK/report2.json")"
expect_eq "report.json: each file's SHA-256 is sha256sum's" \
    "$(jq -r '.evidence.files[] | "\(.sha256)  \(.path)"' "$OUT/report.json")" \
    "$(jq -r '.evidence.files[].path' "$OUT/report.json" | xargs sha256sum)"
expect_eq "--format json without --out: no digest" \
    "$(jq -c '[.evidence.files[].sha256] | unique' "$WORK/report2.json")" '[null]'
expect_eq "timeline header" "$(head -1 "$OUT/timeline.csv")" "time,source,operation,actor,ip,app,target,result,rule_ids,incident"
expect_eq "layer is JSON" "$(jq -r .domain "$OUT/attack-layer.json")" "enterprise-attack"
expect_eq "layer techniques = finding techniques" "$(jq -r '.techniques[].techniqueID' "$OUT/attack-layer.json" | tr '\n' ' ')" \
    "$(jq -r '[.findings[].techniques[]] | unique | .[]' "$OUT/report.json" | tr '\n' ' ')"
expect_eq "sha256 of evidence in the HTML" "$(grep -c "$(sha256sum "$DEMO/azmon/PT1H.json" | cut -c1-64)" "$OUT/report.html")" 1
expect_eq "--timeline all: one row per event" "$("$BIN" scan --no-progress --timeline all --out "$WORK/all" "$DEMO" >/dev/null; python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(open('$WORK/all/timeline.csv')))-1)")" \
    "$(jq '.evidence.totals.events' "$OUT/report.json")"

# Golden copies, with what changes from run to run normalised.
norm() { sed -e "s#$OUT#OUT#g" -e 's#<dt>elapsed</dt><dd>[0-9.]* s#<dt>elapsed</dt><dd>N s#' "$1"; }
golden() {
    if [ "${M365_UPDATE_GOLDEN:-}" = 1 ]; then norm "$OUT/$2" >"$G/$1"; pass; return; fi
    if diff -u "$G/$1" <(norm "$OUT/$2") >"$WORK/$1.diff"; then pass; else fail "golden $1 differs"; head -30 "$WORK/$1.diff" >&2; fi
}
golden demo.report.html report.html
golden demo.timeline.csv timeline.csv
golden demo.attack-layer.json attack-layer.json
golden demo.findings.jsonl findings.jsonl

# The page in a browser.
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    echo "chromium is not installed: browser checks skipped (make deps installs it)"
    fail "chromium missing"
    finish
fi
browse() { # html log dom [screenshot]
    local shot=()
    [ -n "${4:-}" ] && shot=(--screenshot="$4" --window-size=1200,3000)
    timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$WORK/chromium-profile" --enable-logging=stderr --v=0 \
        --virtual-time-budget=3000 "${shot[@]}" --dump-dom "file://$1" >"$3" 2>"$2"
}
problems() { grep -E 'CONSOLE|Uncaught|Refused to|ERR_|net::' "$1" | grep -v -E 'dbus|Fontconfig|sandbox|GPU|gcm|viz' || true; }
browse "$OUT/report.html" "$WORK/chromium.log" "$WORK/dom.html" "$WORK/report.png"
expect_eq "browser: no console error or blocked request" "$(problems "$WORK/chromium.log")" ""
expect_eq "browser: incidents shown = report.json" "$(grep -o '<article class="incident"' "$WORK/dom.html" | wc -l)" "$ni"
expect_eq "browser: findings shown = report.json" "$(grep -o '<article class="finding"' "$WORK/dom.html" | wc -l)" "$nf"
if [ -s "$WORK/report.png" ]; then pass; else fail "no screenshot"; fi
echo "screenshot: $WORK/report.png"
# The detector itself must see a violation: a page that requests something must be caught.
sed 's#</main>#<img src="http://198.51.100.1/x.png"></main>#' "$OUT/report.html" >"$WORK/canary.html"
browse "$WORK/canary.html" "$WORK/canary.log" "$WORK/canary-dom.html"
if [ -n "$(problems "$WORK/canary.log")" ]; then pass; else fail "canary: a blocked request was not seen in the browser log"; fi
# Nothing in the page points outside it.
expect_eq "no external references" "$(grep -o -E '(src|href)="[a-z]+:[^"#]*"|url\([a-z]+:' "$OUT/report.html" | grep -v -E 'data:|http://www.w3.org/2000/svg' | wc -l)" 0

# Hostile log fields: markup, formulas, terminal escapes.
H=$WORK/hostile
mkdir -p "$H"
esc=$'\033'
good='{"CreationTime":"2026-03-05T13:10:02","Id":"a0000000-0000-4000-8000-000000000001","Operation":"UserLoggedIn","RecordType":15,"ResultStatus":"Success","UserId":"x@evil.example","UserType":0,"Workload":"AzureActiveDirectory","ClientIP":"198.51.100.9","ExtendedProperties":[{"Name":"UserAgent","Value":"Mozilla/5.0"}]}'
{
    echo "$good" | jq -c '.UserId = "<script>alert(1)</script>@evil.example"'
    echo "$good" | jq -c --arg e "$esc" '.Id="a0000000-0000-4000-8000-000000000002" | .CreationTime="2026-03-06T03:41:19" | .UserId = "<script>alert(1)</script>@evil.example" | .ClientIP="20.81.111.85" | .ExtendedProperties=[{"Name":"UserAgent","Value":"BAV2ROPC"}] | .ObjectId=("=HYPERLINK(\"http://198.51.100.1/x\",\"click\")" )'
    echo "$good" | jq -c --arg e "$esc" '.Id="a0000000-0000-4000-8000-000000000003" | .CreationTime="2026-03-06T04:00:00" | .Operation=("=HYPERLINK(\"http://198.51.100.1\",\"x\")" + $e + "[31mred" + $e + "]0;title\u0007") | .RecordType=8 | .UserId=("bob" + $e + "[2J@evil.example")'
} >"$H/audit.jsonl"
"$BIN" scan --no-progress --timeline all --out "$WORK/hout" "$H" >"$WORK/h.txt" 2>"$WORK/h.err"
expect_eq "hostile: scan ok" "$?" 0
expect_eq "hostile: a finding names the hostile user" "$(jq -r '.findings[].entities.users[]' "$WORK/hout/report.json" | grep -c '<script>')" 1
expect_eq "hostile: no raw markup in the HTML" "$(grep -c -i '<script' "$WORK/hout/report.html")" 0
expect_grep "hostile: markup escaped in the HTML" "$WORK/hout/report.html" '&lt;script&gt;alert\(1\)&lt;/script&gt;@evil\.example'
expect_grep "hostile: formula neutralised in the CSV" "$WORK/hout/timeline.csv" ",\"'=HYPERLINK\(\"\"http"
expect_eq "hostile: no escape byte in the terminal output" "$(grep -c "$esc" "$WORK/h.txt" "$WORK/h.err" | awk -F: '{s+=$2} END {print s}')" 0
expect_eq "hostile: no escape byte in the CSV" "$(grep -c "$esc" "$WORK/hout/timeline.csv")" 0
expect_eq "hostile: JSON outputs parse" "$(jq -c . "$WORK/hout/report.json" "$WORK/hout/findings.jsonl" >/dev/null && echo ok)" ok
browse "$WORK/hout/report.html" "$WORK/hostile.log" "$WORK/hostile-dom.html"
expect_eq "hostile: no script ran, nothing requested" "$(problems "$WORK/hostile.log")" ""

finish
