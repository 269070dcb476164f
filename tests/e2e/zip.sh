#!/usr/bin/env bash
# ZIP archives as evidence (docs/cli.md, "Inputs"): an archive named *.zip is read member by
# member, each as a file of its own named archive/member. A simulated tenant zipped must give
# the folder's events and findings, on one thread and on two, and so must the same archive
# encrypted, given its password; damaged, nested and encrypted members without their password,
# resource forks, bombs and misnamed archives are named, and the rest is read.
source "$(dirname "$0")/common.bash" "$@"

# zipdir ZIP DIR [stored|reversed]: every file under DIR, named relative to DIR, deflated or
# stored, with folder entries; reversed: the members in reverse name order.
zipdir() {
    python3 - "$1" "$2" "${3:-deflated}" <<'EOF'
import os, sys, zipfile
out, top, how = sys.argv[1:4]
method = zipfile.ZIP_STORED if how == "stored" else zipfile.ZIP_DEFLATED
entries = []
for root, dirs, files in os.walk(top):
    rel = os.path.relpath(root, top)
    if rel != ".":
        entries.append((root, rel + "/"))  # folder entries, as Explorer's "Send to" writes them
    for f in files:
        entries.append((os.path.join(root, f), os.path.normpath(os.path.join(rel, f))))
entries.sort(key=lambda e: e[1], reverse=(how == "reversed"))
with zipfile.ZipFile(out, "w", method) as z:
    for src, name in entries:
        z.write(src, name)
EOF
}

# damage ZIP MEMBER PERCENT: flips a byte of the member's packed data, PERCENT of the way in.
damage() {
    python3 - "$@" <<'EOF'
import sys, zipfile
p, name, pct = sys.argv[1], sys.argv[2], int(sys.argv[3])
info = zipfile.ZipFile(p).getinfo(name)
b = bytearray(open(p, "rb").read())
at = info.header_offset + 30 + len(info.filename) + len(info.extra)
b[at + info.compress_size * pct // 100] ^= 0xFF
open(p, "wb").write(b)
EOF
}

sim=$WORK/sim
"$BIN" simulate --out "$sim" --users 40 --days 10 --seed 11 --scenario all -q
expect_eq "simulate" $? 0
rm -f "$sim/ground-truth.json"

# 1. The tenant zipped (formats mixed, .gz files inside) = the folder, whatever the threads.
zipdir "$WORK/tenant.zip" "$sim"
scan_shape folder "$sim" --threads 1
for t in 1 2; do
    scan_shape zip$t "$WORK/tenant.zip" --threads $t --split-size 4K
    expect_eq "zip, $t thread(s): events as the folder's" \
        "$(cmp -s "$WORK/folder.ev" "$WORK/zip$t.ev" && echo same)" same
    expect_eq "zip, $t thread(s): findings as the folder's" \
        "$(cmp -s "$WORK/folder.findings" "$WORK/zip$t.findings" && echo same)" same
done
expect_eq "findings found" "$(jq '.findings | length > 5' "$WORK/folder.json")" true
for f in records_read parsed skipped duplicates events; do
    expect_eq "totals.$f as the folder's" "$(total $f "$WORK/zip1.json")" \
        "$(total $f "$WORK/folder.json")"
done
expect_eq "every member listed, as archive/member" \
    "$(jq -r '.evidence.files[].path' "$WORK/zip1.json" | sed "s|^$WORK/tenant.zip/||" | sort)" \
    "$(cd "$sim" && find . -type f | sed 's|^\./||' | sort)"
expect_eq "events point into the archive" \
    "$(jq -r '.evidence.file' "$WORK/zip1.events" | grep -vc "^$WORK/tenant.zip/")" 0
expect_eq "each member's bytes: the file's (unpacked from the archive)" \
    "$(jq -r '.evidence.files[] | "\(.path) \(.bytes)"' "$WORK/zip1.json" \
       | sed "s|^$WORK/tenant.zip/||")" \
    "$(jq -r '.evidence.files[] | "\(.path) \(.bytes)"' "$WORK/folder.json" | sed "s|^$sim/||")"
expect_eq "deflated members say zip" \
    "$(jq -r '.evidence.files[].compression' "$WORK/zip1.json" | sort -u)" zip
expect_eq "one thread and two: the same bytes of events" \
    "$(cmp -s "$WORK/zip1.events" "$WORK/zip2.events" && echo same)" same
# Whatever order the archive holds its members in, they are read in the folder's file order.
zipdir "$WORK/reversed.zip" "$sim" reversed
scan_shape rev "$WORK/reversed.zip" --threads 2
expect_eq "members in the folder's order" \
    "$(jq -r '.evidence.files[].path' "$WORK/rev.json" | sed "s|^$WORK/reversed.zip/||")" \
    "$(jq -r '.evidence.files[].path' "$WORK/folder.json" | sed "s|^$sim/||")"
expect_eq "reversed archive: the same events, in the same order" \
    "$(sed "s|$WORK/reversed.zip/|$WORK/tenant.zip/|g" "$WORK/rev.events" \
       | cmp -s - "$WORK/zip1.events" && echo same)" same

# The report's file list gives each member the SHA-256 of its unpacked bytes: the extracted
# file's; the archive itself, as handed over, has its own (chain of custody), its size and the
# number of files taken from it, on one thread and on two.
for t in 1 2; do
    "$BIN" scan --no-progress --threads $t --out "$WORK/report$t" "$WORK/tenant.zip" >/dev/null 2>&1
done
for f in $(cd "$sim" && find . -type f -name '*.json*' | sort | head -3); do
    expect_grep "member SHA-256: $f" "$WORK/report1/report.html" \
        "$(sha256sum "$sim/$f" | cut -c1-64)"
done
expect_eq "every member's SHA-256 in report.json: the extracted file's" \
    "$(jq -r '.evidence.files[] | "\(.sha256)  \(.path)"' "$WORK/report1/report.json" \
       | sed "s|  $WORK/tenant.zip/|  |" | sort -k2)" \
    "$(cd "$sim" && find . -type f | sed 's|^\./||' | sort | xargs sha256sum | sort -k2)"
expect_eq "the archive: path, size, files, SHA-256" \
    "$(jq -r '.evidence.archives[] | "\(.path) \(.bytes) \(.members) \(.sha256)"' \
        "$WORK/report1/report.json")" \
    "$WORK/tenant.zip $(stat -c %s "$WORK/tenant.zip") $(find "$sim" -type f | wc -l) $(sha256sum "$WORK/tenant.zip" | cut -c1-64)"
expect_eq "the archive's SHA-256: one thread and two" \
    "$(jq -c .evidence.archives "$WORK/report1/report.json")" \
    "$(jq -c .evidence.archives "$WORK/report2/report.json")"
expect_grep "the archive's SHA-256 in report.html" "$WORK/report1/report.html" \
    "<th>evidence archive</th>.*$(sha256sum "$WORK/tenant.zip" | cut -c1-64)"
"$BIN" scan --no-progress --out "$WORK/report-text" "$WORK/tenant.zip" >"$WORK/report.txt" 2>/dev/null
expect_grep "text report: the archive, its files and SHA-256" "$WORK/report.txt" \
    "^  from the archive $WORK/tenant.zip: $(find "$sim" -type f | wc -l) files \\([0-9.]+ MiB packed\\), SHA-256 $(sha256sum "$WORK/tenant.zip" | cut -c1-64)$"
expect_eq "without --out: the archive listed, no digests computed" \
    "$(jq -c '[.evidence.archives[] | [.members, .sha256]], [.evidence.files[].sha256] | unique' \
        "$WORK/zip1.json" | tr '\n' ' ')" \
    "[[$(find "$sim" -type f | wc -l),null]] [null] "

# 2. The folder and its archive together: every record of the archive is a duplicate.
scan_json "$WORK/both.json" "$WORK/both.err" "$sim" "$WORK/tenant.zip"
expect_eq "folder + archive: events as the folder's" "$(total events "$WORK/both.json")" \
    "$(total events "$WORK/folder.json")"
expect_eq "folder + archive: the archive's records are duplicates" \
    "$(total duplicates "$WORK/both.json")" \
    "$(( $(total parsed "$WORK/folder.json") + $(total duplicates "$WORK/folder.json") ))"

# 3. An archive as responders receive them: stored members, folders, a macOS resource fork, an
# archive inside it not named .zip (not opened: section 9 reads those named so), a gzip file,
# UTF-16 text (the same records: duplicates once decoded).
m=$WORK/mixed
mkdir -p "$m/logs/2025" "$m/__MACOSX/logs"
ual=$(find "$sim" -name '*.jsonl' | sort | head -1)
cp "$ual" "$m/logs/2025/audit.jsonl"
printf '\0\0\0\x02Mac OS X' >"$m/__MACOSX/logs/._audit.jsonl"
iconv -f UTF-8 -t UTF-16 "$ual" >"$m/logs/audit-utf16.json"
cp "$WORK/tenant.zip" "$m/logs/inner.zip.bak"
gzip -c "$ual" >"$m/logs/audit.jsonl.gz"
printf 'PK\x03\x04\x14\x00\x06\x00\x08\x00[Content_Types].xml' >"$m/logs/AuditLog.xlsx"
zipdir "$WORK/mixed.zip" "$m" stored
scan_json "$WORK/mixed.json" "$WORK/mixed.err" -v "$WORK/mixed.zip"
expect_eq "mixed archive: exit" "$RC" 0
expect_grep "nested archive not named .zip: named" "$WORK/mixed.err" \
    'mixed.zip/logs/inner.zip.bak: not read: a ZIP archive inside the archive, not opened \(members named \*.zip are\): extract the outer one'
expect_grep "a workbook inside: named as a workbook, not as an archive" "$WORK/mixed.err" \
    'mixed.zip/logs/AuditLog.xlsx: not read: an Office document \(an Excel workbook\?\)'
expect_grep "resource forks named" "$WORK/mixed.err" \
    'mixed.zip: 1 macOS resource fork \(__MACOSX/\) not scanned'
expect_eq "stored, gzip and UTF-16 members read" \
    "$(jq -c '[.evidence.files[] | select(.records_read > 0)
               | [(.path | sub(".*/mixed.zip/"; "")), .compression, .parsed, .duplicates]]' \
        "$WORK/mixed.json")" \
    "$(jq -c --argjson n "$(wc -l <"$ual")" -n '[["logs/2025/audit.jsonl", "zip", $n, 0],
        ["logs/audit-utf16.json", "zip", 0, $n], ["logs/audit.jsonl.gz", "gzip", 0, $n]]')"

# 4. Damage: a truncated archive, a member whose data is corrupt, an encrypted member.
head -c 3000 "$WORK/tenant.zip" >"$WORK/cut.zip"
scan_json "$WORK/cut.json" "$WORK/cut.err" "$WORK/cut.zip" "$ual"
expect_grep "truncated archive named" "$WORK/cut.err" \
    'cut.zip: ZIP archive cannot be read: its directory, at the end of the file, is missing'
expect_eq "truncated archive: the other file read" "$(total parsed "$WORK/cut.json")" \
    "$(wc -l <"$ual")"
expect_eq "truncated archive: listed with its error" \
    "$(jq -r '.evidence.files[] | select(.path | endswith("cut.zip")) | .error' "$WORK/cut.json")" \
    "cannot be opened"

mkdir -p "$WORK/two"
cp "$ual" "$WORK/two/a.jsonl"
cp "$ual" "$WORK/two/b.jsonl"
sed -i 's/"Workload"/"workload"/' "$WORK/two/b.jsonl" # b's records differ from a's
zipdir "$WORK/two.zip" "$WORK/two"
damage "$WORK/two.zip" a.jsonl 50
scan_json "$WORK/crc.json" "$WORK/crc.err" "$WORK/two.zip"
expect_grep "corrupt member named" "$WORK/crc.err" \
    'two.zip/a.jsonl: (not read|reading stopped): ZIP member is damaged \(.+\)'
expect_eq "corrupt member: its error" \
    "$(jq -r '.evidence.files[] | select(.path | endswith("a.jsonl")) | .error' "$WORK/crc.json")" \
    "cannot be decoded"
expect_eq "corrupt member: the next one read whole" \
    "$(jq -r '.evidence.files[] | select(.path | endswith("b.jsonl")) | .parsed' \
        "$WORK/crc.json")" \
    "$(wc -l <"$ual")"
expect_eq "corrupt member: records add up" \
    "$(jq '.evidence.totals | .records_read == .parsed + .skipped + .duplicates' \
        "$WORK/crc.json")" \
    true

# Damage past the first read (1 MiB): what came before it is read, then the reading stops.
mkdir -p "$WORK/big"
find "$sim" -name '*.jsonl' | sort | xargs cat >"$WORK/big/all.jsonl"
zipdir "$WORK/big.zip" "$WORK/big"
damage "$WORK/big.zip" all.jsonl 90
scan_json "$WORK/late.json" "$WORK/late.err" "$WORK/big.zip"
expect_grep "late damage named" "$WORK/late.err" \
    'big.zip/all.jsonl: reading stopped: ZIP member is damaged \(.+\)'
expect_eq "late damage: what came before is read" \
    "$(jq '.evidence.files[0] | .parsed > 500 and .error == "cannot be fully decoded"' \
        "$WORK/late.json")" true

if command -v zip >/dev/null; then
    (cd "$WORK/two" && zip -q -P secret "$WORK/enc.zip" a.jsonl && zip -q "$WORK/enc.zip" b.jsonl)
    scan_json "$WORK/enc.json" "$WORK/enc.err" "$WORK/enc.zip"
    expect_grep "encrypted member named" "$WORK/enc.err" \
        'enc.zip/a.jsonl: cannot open: encrypted: give its password with --zip-password'
    expect_eq "encrypted member: the other read" "$(total parsed "$WORK/enc.json")" \
        "$(wc -l <"$ual")"
else
    fail "zip (Debian package zip) is needed to write an encrypted member"
fi

# 5. Limits: a member that unpacks past --max-decompressed is stopped and named.
scan_json "$WORK/lim.json" "$WORK/lim.err" --max-decompressed 4K "$WORK/two.zip"
expect_grep "bomb limit named" "$WORK/lim.err" \
    'two.zip/b.jsonl: not read: decompressed size exceeds the limit of 4096 bytes'
expect_eq "bomb limit: status" \
    "$(jq -r '.evidence.files[] | select(.path | endswith("b.jsonl")) | .error' "$WORK/lim.json")" \
    "cannot be decoded"

# 6. Names: an archive not named .zip is opened when given by path, and named with what to do
# when found in a folder or on standard input; a file named .zip that is not an archive is read
# as what it is; an empty archive is said to be empty; a line break in a member's name does not
# reach the diagnostics.
cp "$WORK/tenant.zip" "$WORK/evidence.zip.infected"
scan_shape misnamed "$WORK/evidence.zip.infected" --threads 2
expect_eq "archive not named .zip, given by path: the folder's events" \
    "$(cmp -s "$WORK/folder.ev" "$WORK/misnamed.ev" && echo same)" same
expect_eq "archive not named .zip, given by path: members named archive/member" \
    "$(jq -r '.evidence.files[0].path' "$WORK/misnamed.json" | grep -c '/evidence.zip.infected/')" 1
mkdir -p "$WORK/bindir"
cp "$WORK/two.zip" "$WORK/bindir/evidence.bin"
scan_json "$WORK/bin.json" "$WORK/bin.err" "$WORK/bindir"
expect_grep "archive not named .zip in a folder: named" "$WORK/bin.err" \
    'evidence.bin: not read: a ZIP archive whose name does not end in .zip, found in a folder .+ give its path'
"$BIN" scan --no-progress --format json - <"$WORK/two.zip" >/dev/null 2>"$WORK/stdin.err"
expect_grep "archive on standard input: named" "$WORK/stdin.err" \
    '^m365hunt: error: -: not read: a ZIP archive whose name does not end in .zip'
cp "$ual" "$WORK/really-jsonl.ZIP"
scan_json "$WORK/nz.json" "$WORK/nz.err" "$WORK/really-jsonl.ZIP"
expect_eq "a .ZIP that is JSON Lines: read" "$(total parsed "$WORK/nz.json")" "$(wc -l <"$ual")"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "w").close()' "$WORK/empty.zip"
scan_json "$WORK/empty.json" "$WORK/empty.err" "$WORK/empty.zip"
expect_grep "empty archive" "$WORK/empty.err" 'empty.zip: ZIP archive holds no files'
python3 - "$WORK/nl.zip" "$ual" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.write(sys.argv[2], "bad\nname.jsonl")
    z.writestr("notes.txt", "collected by the helpdesk\n")
EOF
scan_json "$WORK/nl.json" "$WORK/nl.err" "$WORK/nl.zip"
expect_eq "control characters in member names" \
    "$(jq -r '.evidence.files[0].path' "$WORK/nl.json" | sed 's|.*/nl.zip/||')" "bad?name.jsonl"
expect_grep "other member named" "$WORK/nl.err" 'nl.zip/notes.txt: not read'
expect_eq "no line break in diagnostics" "$(grep -c '^name.jsonl' "$WORK/nl.err")" 0

# Members not read for one reason, one after another (screenshots zipped with the logs): three
# named, the rest counted in one line on the archive, on one thread as on two; a member read in
# between starts the count again.
python3 - "$WORK/shots.zip" "$ual" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for i in range(1, 8):
        z.writestr("screens/shot%d.pdf" % i, "%%PDF-1.7\n%d\n" % i)
    z.write(sys.argv[2], "screens/t.jsonl")
    for i in range(1, 4):
        z.writestr("screens/u%d.pdf" % i, "%%PDF-1.7\n%d\n" % i)
EOF
for t in 1 2; do
    scan_json "$WORK/shots$t.json" "$WORK/shots$t.err" --threads $t "$WORK/shots.zip"
done
expect_eq "members not read alike: three named, then one line for the rest" \
    "$(grep -c 'shots.zip/screens/shot[0-9].pdf: not read: a PDF document' "$WORK/shots1.err") $(grep -c 'shots.zip: 4 more members after these were not read, for the same reason (each listed in the report): a PDF document' "$WORK/shots1.err")" \
    "3 1"
expect_eq "a member read in between: the next run named anew" \
    "$(grep -c 'shots.zip/screens/u[0-9].pdf: not read' "$WORK/shots1.err") $(grep -c 'more members after these' "$WORK/shots1.err")" \
    "3 1"
expect_eq "members not read alike: one thread and two say the same" \
    "$(cmp -s "$WORK/shots1.err" "$WORK/shots2.err" && echo same)" same
expect_eq "members not read alike: every one in the report" \
    "$(jq '[.evidence.files[] | select(.error == "matches no known format")] | length' "$WORK/shots1.json")" 10

# 7. Tenant snapshot files (Graph users, Get-Mailbox…) in an archive are read by the snapshot
# reader, as in a folder: the same snapshot, posture findings and coverage; by audit as well.
mkdir -p "$WORK/snap"
cp "$SRC"/tests/snapshot/contoso/* "$WORK/snap/"
cp "$ual" "$WORK/snap/audit.jsonl"
zipdir "$WORK/snap.zip" "$WORK/snap"
scan_json "$WORK/snapdir.json" "$WORK/snapdir.err" --threads 2 "$WORK/snap"
scan_json "$WORK/snap.json" "$WORK/snap.err" --threads 2 "$WORK/snap.zip"
# The report without the command, and with the files named alike.
unplace() {
    jq -S 'del(.command)
           | walk(if type == "string" then sub(".*/snap(-locked|-download)?(\\.zip)?/"; "") else . end)
           | if .evidence then .evidence.files |= map(del(.compression))
                               | del(.evidence.archives) else . end' "$1"
}
# same A B: "same" when both files hold the same report (and not nothing).
same() { [ -s "$1" ] && cmp -s "$1" "$2" && echo same; }
unplace "$WORK/snapdir.json" >"$WORK/snapdir.cmp"
unplace "$WORK/snap.json" >"$WORK/snap.cmp"
expect_eq "snapshot in an archive: the folder's report" \
    "$(same "$WORK/snapdir.cmp" "$WORK/snap.cmp")" same
expect_eq "snapshot in an archive: users, mailboxes and posture findings read" \
    "$(jq '[.snapshot.users > 0, .snapshot.mailboxes > 0,
            ([.findings[] | select(.rule | startswith("posture-"))] | length > 0)]
           | all' "$WORK/snap.json")" true
expect_eq "snapshot in an archive: no file left unread" \
    "$(jq '[.evidence.files[] | select(.error)] | length' "$WORK/snap.json") $(grep -c . "$WORK/snap.err")" \
    "0 0"
# audit reads the archive too: the folder's posture report; encrypted, with its password.
"$BIN" audit --format json "$WORK/snap" >"$WORK/audit-dir.json" 2>"$WORK/audit-dir.err"
"$BIN" audit --format json "$WORK/snap.zip" >"$WORK/audit-zip.json" 2>"$WORK/audit-zip.err"
expect_eq "audit of the archive exit" $? 0
unplace "$WORK/audit-dir.json" >"$WORK/audit-dir.cmp"
unplace "$WORK/audit-zip.json" >"$WORK/audit-zip.cmp"
expect_eq "audit of the archive: the folder's report" \
    "$(same "$WORK/audit-dir.cmp" "$WORK/audit-zip.cmp")" same
expect_eq "audit of the archive: posture findings" \
    "$(jq '.findings | length > 5' "$WORK/audit-zip.json")" true
cp "$WORK/snap.zip" "$WORK/snap-download"
"$BIN" audit --format json "$WORK/snap-download" >"$WORK/audit-dl.json" 2>"$WORK/audit-dl.err"
unplace "$WORK/audit-dl.json" >"$WORK/audit-dl.cmp"
expect_eq "audit of an archive given by path without .zip: the folder's report" \
    "$(same "$WORK/audit-dir.cmp" "$WORK/audit-dl.cmp")" same
if command -v zip >/dev/null; then
    (cd "$WORK/snap" && zip -q -r -P infected "$WORK/snap-locked.zip" .)
    "$BIN" audit --format json --zip-password infected "$WORK/snap-locked.zip" \
        >"$WORK/audit-locked.json" 2>"$WORK/audit-locked.err"
    unplace "$WORK/audit-locked.json" >"$WORK/audit-locked.cmp"
    expect_eq "audit of an encrypted archive: the folder's report" \
        "$(same "$WORK/audit-dir.cmp" "$WORK/audit-locked.cmp")" same
    expect_eq "audit: the command recorded without the password" \
        "$(jq -c '.command[3:5]' "$WORK/audit-locked.json")" '["--zip-password","(hidden)"]'
    "$BIN" audit "$WORK/snap-locked.zip" >"$WORK/audit-nopw.txt" 2>/dev/null
    expect_eq "audit: nothing read without the password" $? 3
    expect_grep "audit: encrypted member named" "$WORK/audit-nopw.txt" \
        'snap-locked.zip/users.json: not read: encrypted: give its password with --zip-password'
fi

# 8. Encrypted with a password (zip -P, the traditional method; AES in test_zip_input): given
# with --zip-password or M365HUNT_ZIP_PASSWORD, the archive is the folder. A wrong one is named.
# The reports record the command line without it.
if command -v zip >/dev/null; then
    pw='Case 42: evidence!'
    (cd "$sim" && zip -q -r -P "$pw" "$WORK/locked.zip" .)
    scan_shape locked "$WORK/locked.zip" --threads 2 --zip-password wrong --zip-password "$pw" \
        --out "$WORK/locked-out"
    expect_eq "encrypted archive: events as the folder's" \
        "$(cmp -s "$WORK/folder.ev" "$WORK/locked.ev" && echo same)" same
    expect_eq "encrypted archive: findings as the folder's" \
        "$(cmp -s "$WORK/folder.findings" "$WORK/locked.findings" && echo same)" same
    expect_eq "encrypted archive: records as the folder's" \
        "$(total records_read "$WORK/locked.json")" "$(total records_read "$WORK/folder.json")"
    expect_eq "encrypted archive: the command recorded without the passwords" \
        "$(jq -c '.command[1:7]' "$WORK/locked.json")" \
        '["--no-progress","--format","json","--threads","2","--zip-password"]'
    expect_eq "no password in any report" \
        "$(grep -rlF -e "$pw" -e '"wrong"' "$WORK/locked.json" "$WORK/locked-out" | wc -l)" 0
    expect_eq "(hidden) in its place" \
        "$(jq -r '.command | map(select(. == "(hidden)")) | length' "$WORK/locked.json")" 2
    M365HUNT_ZIP_PASSWORD=$pw scan_json "$WORK/env.json" "$WORK/env.err" --zip-pass="$pw" \
        "$WORK/locked.zip"
    expect_eq "password from the environment" "$(total parsed "$WORK/env.json")" \
        "$(total parsed "$WORK/folder.json")"
    expect_eq "--zip-pass=… recorded hidden" \
        "$(jq -r '.command[4]' "$WORK/env.json")" "--zip-password=(hidden)"
    M365HUNT_ZIP_PASSWORD=$pw scan_json "$WORK/env2.json" "$WORK/env2.err" "$WORK/locked.zip"
    expect_eq "password from the environment alone" "$(total parsed "$WORK/env2.json")" \
        "$(total parsed "$WORK/folder.json")"
    scan_json "$WORK/wrong.json" "$WORK/wrong.err" --zip-password nope "$WORK/locked.zip"
    expect_grep "wrong password named" "$WORK/wrong.err" \
        'locked.zip/.+: cannot open: encrypted: the password given does not open it'
    expect_eq "wrong password: nothing read, every member listed" \
        "$(total parsed "$WORK/wrong.json") $(jq '.evidence.files | length' "$WORK/wrong.json")" \
        "0 $(jq '.evidence.files | length' "$WORK/folder.json")"
    # Without the password: three members named, the rest in one message on the archive (not
    # one line each); every member still listed in the report; the same on one thread and two.
    members=$(jq '.evidence.files | length' "$WORK/folder.json")
    for t in 1 2; do
        "$BIN" scan --no-progress --threads $t --split-size 4K --format json "$WORK/locked.zip" \
            >"$WORK/nopw$t.json" 2>"$WORK/nopw$t.err"
    done
    expect_eq "no password: three members named" \
        "$(grep -c 'locked.zip/.*: cannot open: encrypted: give its password' "$WORK/nopw1.err")" 3
    expect_grep "no password: the rest counted, on the archive" "$WORK/nopw1.err" \
        "locked.zip: $((members - 3)) more members after these cannot be opened, for the same reason \\(each listed in the report\\): encrypted: give its password"
    expect_eq "no password: four lines, not one per member" \
        "$(grep -c 'locked.zip' "$WORK/nopw1.err")" 4
    expect_eq "no password: one thread and two say the same" \
        "$(cmp -s "$WORK/nopw1.err" "$WORK/nopw2.err" && echo same)" same
    expect_eq "no password: every member listed as encrypted" \
        "$(jq '[.evidence.files[] | select(.error == "encrypted: not opened")] | length' \
            "$WORK/nopw1.json")" "$members"
    "$BIN" scan --no-progress "$WORK/locked.zip" >"$WORK/nopw.txt" 2>/dev/null
    expect_grep "no password: text report counts the rest" "$WORK/nopw.txt" \
        "^  .*locked.zip: $((members - 3)) more members, encrypted: not opened$"
    expect_eq "no password: text report names three" \
        "$(grep -c '^  .*locked.zip/.*: encrypted: not opened$' "$WORK/nopw.txt")" 3
    "$BIN" scan --zip-password 2>"$WORK/noarg.err" >/dev/null
    expect_eq "--zip-password without a value: usage" $? 2
else
    fail "zip (Debian package zip) is needed to write an encrypted archive"
fi

# 9. Archives inside an archive (a client's collection of downloads, zipped again): a member
# named *.zip is unpacked to an unlinked temporary file and read as an archive, one level deep;
# the events are the folder's, each archive is listed with its own SHA-256, nothing is left in
# the temporary folder; deeper ones, and ones past the limits, are named.
python3 - "$WORK/collection.zip" "$WORK/tenant.zip" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.write(sys.argv[2], "downloads/tenant.zip")
    z.writestr("notes.txt", "collected by the helpdesk\n")
EOF
mkdir -p "$WORK/tmp"
for t in 1 2; do
    TMPDIR=$WORK/tmp scan_shape nested$t "$WORK/collection.zip" --threads $t --split-size 4K \
        --out "$WORK/nested-out$t"
    expect_eq "archive in an archive, $t thread(s): events as the folder's" \
        "$(cmp -s "$WORK/folder.ev" "$WORK/nested$t.ev" && echo same)" same
    expect_eq "archive in an archive, $t thread(s): findings as the folder's" \
        "$(cmp -s "$WORK/folder.findings" "$WORK/nested$t.findings" && echo same)" same
done
expect_eq "archive in an archive: both archives, each with its SHA-256" \
    "$(jq -r '.evidence.archives[] | "\(.path) \(.members) \(.sha256)"' "$WORK/nested-out1/report.json")" \
    "$WORK/collection.zip 2 $(sha256sum "$WORK/collection.zip" | cut -c1-64)
$WORK/collection.zip/downloads/tenant.zip $(find "$sim" -type f | wc -l) $(sha256sum "$WORK/tenant.zip" | cut -c1-64)"
expect_eq "archive in an archive: members named outer/inner/member" \
    "$(jq -r '.evidence.files[] | select(.format) | .path' "$WORK/nested1.json" \
       | grep -vc "^$WORK/collection.zip/downloads/tenant.zip/")" 0
expect_eq "archive in an archive: nothing left in the temporary folder" \
    "$(find "$WORK/tmp" -mindepth 1 | wc -l)" 0
if command -v zip >/dev/null; then
    (cd "$WORK" && zip -q -P "$pw" collection-locked.zip tenant.zip)
    scan_shape nested-locked "$WORK/collection-locked.zip" --zip-password "$pw"
    expect_eq "encrypted archive of archives, with its password: two levels read" \
        "$(cmp -s "$WORK/folder.ev" "$WORK/nested-locked.ev" && echo same)" same
fi
python3 - "$WORK/deep.zip" "$WORK/collection.zip" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.write(sys.argv[2], "collection.zip")
EOF
scan_json "$WORK/deep.json" "$WORK/deep.err" "$WORK/deep.zip"
expect_grep "three levels: the third named" "$WORK/deep.err" \
    'deep.zip/collection.zip/downloads/tenant.zip: not read: a ZIP archive inside an archive inside an archive'
scan_json "$WORK/nlim.json" "$WORK/nlim.err" --max-decompressed 64K "$WORK/collection.zip"
expect_grep "inner archive past the limit: named" "$WORK/nlim.err" \
    'collection.zip/downloads/tenant.zip: an archive inside the archive, not opened: unpacked size exceeds the limit'
expect_eq "inner archive past the limit: listed" \
    "$(jq -r '.evidence.files[] | select(.path | endswith("tenant.zip")) | .error' "$WORK/nlim.json")" \
    "limit reached"
TMPDIR=$WORK/no-such-dir scan_json "$WORK/notmp.json" "$WORK/notmp.err" "$WORK/collection.zip"
expect_grep "no temporary folder: named" "$WORK/notmp.err" \
    'tenant.zip: an archive inside the archive cannot be unpacked to a temporary file in .*no-such-dir'
expect_eq "no temporary folder: listed, not read" \
    "$(jq -r '.evidence.files[] | select(.path | endswith("tenant.zip")) | .error' "$WORK/notmp.json")" \
    "cannot be unpacked"
# A snapshot inside an archive inside an archive: the folder's report.
(cd "$WORK" && python3 -c 'import sys, zipfile; z = zipfile.ZipFile("nest-snap.zip", "w"); z.write("snap.zip"); z.close()')
scan_json "$WORK/nest-snap.json" "$WORK/nest-snap.err" --threads 2 "$WORK/nest-snap.zip"
unplace "$WORK/nest-snap.json" >"$WORK/nest-snap.cmp"
expect_eq "snapshot two archives deep: the folder's report" \
    "$(same "$WORK/snapdir.cmp" "$WORK/nest-snap.cmp")" same
"$BIN" audit --format json "$WORK/nest-snap.zip" >"$WORK/audit-nest.json" 2>"$WORK/audit-nest.err"
unplace "$WORK/audit-nest.json" >"$WORK/audit-nest.cmp"
expect_eq "audit, snapshot two archives deep: the folder's report" \
    "$(same "$WORK/audit-dir.cmp" "$WORK/audit-nest.cmp")" same

finish
