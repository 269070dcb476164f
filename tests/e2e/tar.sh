#!/usr/bin/env bash
# Tar and 7-Zip archives as evidence (docs/cli.md, "Tar and 7-Zip archives"): a .tar, plain or
# compressed, and a .7z are read member by member, each as a file of its own named
# archive/member. A simulated tenant in every such shape must give the folder's events and
# findings, on one thread and on two; a plain tar is read where it lies (no temporary file),
# a compressed one is unpacked once to an unlinked temporary file; a ZIP archive inside is
# opened (one level); links, macOS attribute files, other archives inside, damage, limits,
# encryption and misnamed archives are named.
source "$(dirname "$0")/common.bash" "$@"

sim=$WORK/sim
"$BIN" simulate --out "$sim" --users 40 --days 10 --seed 11 --scenario all --snapshot -q
expect_eq "simulate" $? 0
rm -f "$sim/ground-truth.json"
nfiles=$(find "$sim" -type f | wc -l)

# 1. The tenant in each shape = the folder, whatever the threads.
tar -cf "$WORK/tenant.tar" -C "$sim" .
tar --format=pax -cf "$WORK/pax.tar" -C "$sim" .
tar -czf "$WORK/tenant.tar.gz" -C "$sim" .
cp "$WORK/tenant.tar.gz" "$WORK/tenant.tgz"
tar --zstd -cf "$WORK/tenant.tar.zst" -C "$sim" .
tar -cJf "$WORK/tenant.tar.xz" -C "$sim" .
tar -cjf "$WORK/tenant.tar.bz2" -C "$sim" .
(cd "$sim" && 7zz a -bd -bso0 "$WORK/tenant.7z" . >/dev/null)
expect_eq "7z written" "$(test -s "$WORK/tenant.7z" && echo yes)" yes

scan_shape folder "$sim" --threads 1
expect_eq "findings found" "$(jq '.findings | length > 5' "$WORK/folder.json")" true
expect_eq "snapshot files in the folder, read" \
    "$(jq '[.evidence.files[] | select(.path | contains("/snapshot/")) | .parsed] | add > 0' \
        "$WORK/folder.json")" true
for a in tenant.tar pax.tar tenant.tar.gz tenant.tgz tenant.tar.zst tenant.tar.xz tenant.tar.bz2 \
         tenant.7z; do
    for t in 1 2; do
        v=${a//./_}$t
        scan_shape "$v" "$WORK/$a" --threads $t --split-size 4K
        expect_eq "$a, $t thread(s): events as the folder's" \
            "$(cmp -s "$WORK/folder.ev" "$WORK/$v.ev" && echo same)" same
        expect_eq "$a, $t thread(s): findings as the folder's" \
            "$(cmp -s "$WORK/folder.findings" "$WORK/$v.findings" && echo same)" same
        for f in records_read parsed skipped duplicates events; do
            expect_eq "$a, $t thread(s): totals.$f as the folder's" \
                "$(total $f "$WORK/$v.json")" "$(total $f "$WORK/folder.json")"
        done
    done
    expect_eq "$a: every member listed as archive/member, with the file's format and bytes" \
        "$(jq -r '.evidence.files[] | "\(.path) \(.format) \(.bytes)"' "$WORK/${a//./_}1.json" \
           | sed "s|^$WORK/$a/||")" \
        "$(jq -r '.evidence.files[] | "\(.path) \(.format) \(.bytes)"' "$WORK/folder.json" \
           | sed "s|^$sim/||")"
    expect_eq "$a: events point into the archive" \
        "$(jq -r '.evidence.file' "$WORK/${a//./_}1.events" | grep -vc "^$WORK/$a/")" 0
    expect_eq "$a: one thread and two, the same bytes of events" \
        "$(cmp -s "$WORK/${a//./_}1.events" "$WORK/${a//./_}2.events" && echo same)" same
done
# A ZIP archive inside a tar or 7-Zip archive (a client's zipped export, tarred with the rest):
# opened, one level, as one inside a ZIP archive is.
mkdir -p "$WORK/z"
(cd "$sim" && zip -q -r "$WORK/z/tenant.zip" .)
tar -czf "$WORK/zip-in.tar.gz" -C "$WORK/z" tenant.zip
(cd "$WORK/z" && 7zz a -bd -bso0 "$WORK/zip-in.7z" tenant.zip >/dev/null)
for a in zip-in.tar.gz zip-in.7z; do
    v=${a//[.-]/_}
    scan_shape "$v" "$WORK/$a" --threads 2 --split-size 4K
    expect_eq "$a: events as the folder's" "$(cmp -s "$WORK/folder.ev" "$WORK/$v.ev" && echo same)" same
    expect_eq "$a: findings as the folder's" \
        "$(cmp -s "$WORK/folder.findings" "$WORK/$v.findings" && echo same)" same
    expect_eq "$a: both archives listed" \
        "$(jq -r '[.evidence.archives[].path | sub(".*/"; "")] | join(" ")' "$WORK/$v.json")" \
        "$a tenant.zip"
    expect_eq "$a: members named archive/tenant.zip/member" \
        "$(jq -r '.evidence.files[].path' "$WORK/$v.json" | grep -vc "^$WORK/$a/tenant.zip/")" 0
done

# A large JSON Lines member is read in parts on several threads, as the same file in a folder
# is: the same parts, wherever its bytes lie (in the archive, or unpacked).
parts() { "$BIN" scan -v --no-progress --threads 2 --split-size 4K "$1" 2>&1 >/dev/null \
              | sed -n 's/.*read [0-9.]* s (2 threads, \([0-9]*\) file parts).*/\1/p'; }
folder_parts=$(parts "$sim")
expect_eq "the folder is read in more parts than files" \
    "$([ "${folder_parts:-0}" -gt "$nfiles" ] && echo yes)" yes
for a in tenant.tar tenant.tar.gz tenant.7z; do
    expect_eq "$a: members read in the folder's parts" "$(parts "$WORK/$a")" "$folder_parts"
done
kind_of() { jq -r --arg k "$2" '[.evidence.files[] | .compression // $k] | unique | join(",")' "$1"; }
expect_eq "tar members say tar (a .gz inside says gzip)" \
    "$(jq -r '[.evidence.files[].compression] | unique | join(",")' "$WORK/tenant_tar1.json")" \
    "$(kind_of "$WORK/folder.json" tar)"
expect_eq "7-Zip members say 7z" \
    "$(jq -r '[.evidence.files[].compression] | unique | join(",")' "$WORK/tenant_7z1.json")" \
    "$(kind_of "$WORK/folder.json" 7z)"

# A plain tar is read where it lies: no temporary file, so none is needed. A compressed one is
# unpacked to one, and without a place for it the archive is named, not read.
TMPDIR=$WORK/nowhere scan_json "$WORK/notmp.json" "$WORK/notmp.err" "$WORK/tenant.tar"
expect_eq "plain tar without a temporary folder: read" "$(total parsed "$WORK/notmp.json")" \
    "$(total parsed "$WORK/folder.json")"
TMPDIR=$WORK/nowhere scan_json "$WORK/notmpz.json" "$WORK/notmpz.err" "$WORK/tenant.tar.gz" \
    "$WORK/tenant.tar"
expect_grep "compressed tar without a temporary folder: named" "$WORK/notmpz.err" \
    "tenant.tar.gz: its files cannot be unpacked to a temporary file in $WORK/nowhere \(No such file or directory\): extract it and scan the folder"
expect_eq "compressed tar without a temporary folder: listed, cannot be opened" \
    "$(jq -r '.evidence.files[] | select(.path | endswith("tenant.tar.gz")) | .error' \
        "$WORK/notmpz.json")" "cannot be opened"
expect_eq "the other archive read" "$(total parsed "$WORK/notmpz.json")" \
    "$(total parsed "$WORK/folder.json")"
expect_eq "no temporary file left behind" \
    "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'm365hunt-temp-*' 2>/dev/null | wc -l)" 0

# Chain of custody: each member's SHA-256 is the extracted file's; the archive's own is listed
# with its size and the number of files taken from it.
"$BIN" scan --no-progress --threads 2 --out "$WORK/report" "$WORK/tenant.tar.gz" >/dev/null 2>&1
expect_eq "every member's SHA-256 in report.json: the extracted file's" \
    "$(jq -r '.evidence.files[] | "\(.sha256)  \(.path)"' "$WORK/report/report.json" \
       | sed "s|  $WORK/tenant.tar.gz/|  |" | sort -k2)" \
    "$(cd "$sim" && find . -type f | sed 's|^\./||' | sort | xargs sha256sum | sort -k2)"
expect_eq "the archive: path, size, files, SHA-256" \
    "$(jq -r '.evidence.archives[] | "\(.path) \(.bytes) \(.members) \(.sha256)"' \
        "$WORK/report/report.json")" \
    "$WORK/tenant.tar.gz $(stat -c %s "$WORK/tenant.tar.gz") $nfiles $(sha256sum "$WORK/tenant.tar.gz" | cut -c1-64)"

# The folder and its archive together: every record of the archive is a duplicate.
scan_json "$WORK/both.json" "$WORK/both.err" "$sim" "$WORK/tenant.tar"
expect_eq "folder + archive: the archive's log records are duplicates" \
    "$(total duplicates "$WORK/both.json")" "$(total events "$WORK/folder.json")"

# 2. An archive as responders receive them: macOS's attribute files, a link, a ZIP and a tar
# inside, a gzip file and UTF-16 text (the same records: duplicates once decoded).
m=$WORK/mixed
mkdir -p "$m/logs/2025"
ual=$(find "$sim" -name '*.jsonl' | sort | head -1)
cp "$ual" "$m/logs/2025/audit.jsonl"
printf '\0\5\26\7\0\2\0\0Mac OS X' >"$m/logs/2025/._audit.jsonl"
ln -s 2025/audit.jsonl "$m/logs/latest.jsonl"
iconv -f UTF-8 -t UTF-16 "$ual" >"$m/logs/audit-utf16.json"
gzip -c "$ual" >"$m/logs/audit.jsonl.gz"
(cd "$sim" && zip -q -r "$m/logs/inner.zip" ual)
cp "$m/logs/inner.zip" "$m/logs/packed.dat"
cp "$WORK/tenant.tar" "$m/logs/inner.tar"
tar -cf "$WORK/mixed.tar" -C "$m" .
scan_json "$WORK/mixed.json" "$WORK/mixed.err" -v "$WORK/mixed.tar"
expect_eq "mixed archive: exit" "$RC" 0
expect_grep "attribute files named" "$WORK/mixed.err" \
    'mixed.tar: 1 macOS attribute file \(._name, __MACOSX/\) not scanned'
expect_grep "link named" "$WORK/mixed.err" \
    'mixed.tar: 1 link \(another name for a file\) and 0 other entries that are no files \(devices, pipes\) not scanned'
"$BIN" scan --no-progress --out "$WORK/mixedout" "$WORK/mixed.tar" >/dev/null 2>&1
expect_eq "a ZIP archive inside: opened, listed with its size, files and own SHA-256" \
    "$(jq -r '.evidence.archives[] | select(.path | endswith("/mixed.tar/logs/inner.zip"))
              | "\(.bytes) \(.members) \(.sha256)"' "$WORK/mixedout/report.json")" \
    "$(stat -c %s "$m/logs/inner.zip") $(ls "$sim/ual" | wc -l) $(sha256sum <"$m/logs/inner.zip" | cut -c1-64)"
expect_eq "a ZIP archive inside: its files read as archive/inner.zip/member, every record" \
    "$(jq -r '[.evidence.files[] | select(.path | contains("/mixed.tar/logs/inner.zip/ual/"))
               | .parsed + .duplicates] | "\(length) \(add)"' "$WORK/mixed.json")" \
    "$(ls "$sim/ual" | wc -l) $(jq '[.evidence.files[] | select(.path | contains("/ual/"))
                                    | .records_read] | add' "$WORK/folder.json")"
expect_grep "a ZIP archive not named .zip, inside: named" "$WORK/mixed.err" \
    'mixed.tar/logs/packed.dat: not read: a ZIP archive inside a tar or 7-Zip archive, not opened \(members named \*\.zip are\)'
expect_grep "a tar archive inside: named" "$WORK/mixed.err" \
    'mixed.tar/logs/inner.tar: not read: a tar or 7-Zip archive inside an archive, not opened'
expect_eq "plain, gzip and UTF-16 members read" \
    "$(jq -c '[.evidence.files[] | select(.records_read > 0 and (.path | contains("/inner.zip/") | not))
               | [(.path | sub(".*/mixed.tar/"; "")), .compression, .parsed, .duplicates]]' \
        "$WORK/mixed.json")" \
    "$(jq -c --argjson n "$(wc -l <"$ual")" -n '[["logs/2025/audit.jsonl", "tar", $n, 0],
        ["logs/audit-utf16.json", "tar", 0, $n], ["logs/audit.jsonl.gz", "gzip", 0, $n]]')"

# 3. Damage: a compressed archive cut short is read up to the cut and named; so is a plain one.
size=$(stat -c %s "$WORK/tenant.tar.gz")
head -c $((size / 2)) "$WORK/tenant.tar.gz" >"$WORK/cut.tar.gz"
scan_json "$WORK/cut.json" "$WORK/cut.err" "$WORK/cut.tar.gz"
expect_grep "cut compressed archive named" "$WORK/cut.err" \
    'cut.tar.gz: (cannot be unpacked at .+: it and|damaged after .+:) the rest of the archive (is|are) not read'
expect_eq "cut compressed archive: what came before is read" \
    "$(jq '.evidence.totals | .parsed > 0 and .records_read == .parsed + .skipped + .duplicates' \
        "$WORK/cut.json")" true
head -c $(( $(stat -c %s "$WORK/tenant.tar") / 2 )) "$WORK/tenant.tar" >"$WORK/cut.tar"
scan_json "$WORK/cutp.json" "$WORK/cutp.err" "$WORK/cut.tar"
expect_grep "cut plain archive named" "$WORK/cutp.err" \
    'cut.tar: (cannot be unpacked at .+: it and|damaged after .+:) the rest of the archive (is|are) not read'
expect_eq "cut plain archive: what came before is read" \
    "$(jq '.evidence.totals | .parsed > 0 and .records_read == .parsed + .skipped + .duplicates' \
        "$WORK/cutp.json")" true

# 4. Limits: unpacking stops past --max-decompressed; what came before is read.
scan_json "$WORK/lim.json" "$WORK/lim.err" --max-decompressed 200000 "$WORK/tenant.tar.gz"
expect_grep "limit named" "$WORK/lim.err" \
    'tenant.tar.gz: unpacking stopped at .+: the unpacked size exceeds the limit \(--max-decompressed, --max-ratio\): it and the rest of the archive are not read'
expect_eq "limit: fewer files, some read" \
    "$(jq --argjson n "$nfiles" '.evidence.files | length < $n and length > 0' "$WORK/lim.json")" \
    true

# 5. Encrypted 7-Zip: the files are named, not read; with encrypted names, the archive is.
mkdir -p "$WORK/secret"
cp "$ual" "$WORK/secret/a.jsonl"
(cd "$WORK/secret" && 7zz a -bd -bso0 -psecret "$WORK/enc.7z" a.jsonl >/dev/null)
scan_json "$WORK/enc.json" "$WORK/enc.err" "$WORK/enc.7z" "$ual"
expect_grep "encrypted 7-Zip files named" "$WORK/enc.err" \
    'enc.7z: 1 file encrypted, not read \(a 7-Zip password is not taken here\): extract it with 7z x'
expect_eq "encrypted 7-Zip: the other file read" "$(total parsed "$WORK/enc.json")" \
    "$(wc -l <"$ual")"
(cd "$WORK/secret" && 7zz a -bd -bso0 -psecret -mhe=on "$WORK/enchdr.7z" a.jsonl >/dev/null)
scan_json "$WORK/enchdr.json" "$WORK/enchdr.err" "$WORK/enchdr.7z"
expect_grep "7-Zip with encrypted names: named" "$WORK/enchdr.err" \
    'enchdr.7z: encrypted, names and all: not read \(a 7-Zip password is not taken here\)'
expect_eq "7-Zip with encrypted names: listed, not opened" \
    "$(jq -r '.evidence.files[] | "\(.path | sub(".*/"; "")) \(.error)"' "$WORK/enchdr.json")" \
    "enchdr.7z encrypted: not opened"

# 5b. A 7-Zip header claiming 30 million files (the fuzz seed): libarchive asks for 2.64 GB,
# never touched, before the header ends; the archive is named and the scan goes on. Where the
# machine refuses the mapping, libarchive says so and the archive is named the same way (not
# under ASan, which cannot start within a ulimit -v).
claim=$SRC/fuzz/corpus/fuzz_tar/file-count-30m.7z
scan_json "$WORK/claim.json" "$WORK/claim.err" "$claim" "$ual"
expect_eq "7-Zip claiming 30 million files: exit" "$RC" 0
expect_grep "7-Zip claiming 30 million files: named" "$WORK/claim.err" \
    'file-count-30m.7z: 7-Zip archive cannot be read: Damaged 7-Zip archive'
expect_eq "7-Zip claiming 30 million files: listed, not opened" \
    "$(jq -r '.evidence.files[] | select(.path | endswith(".7z")) | .error' "$WORK/claim.json")" \
    "cannot be opened"
expect_eq "7-Zip claiming 30 million files: the other file read" \
    "$(total parsed "$WORK/claim.json")" "$(wc -l <"$ual")"
if ! grep -qa __asan_init "$BIN"; then
    (ulimit -v 1048576 && "$BIN" scan --format json --no-progress "$claim" "$ual" \
        >"$WORK/claim1g.json" 2>"$WORK/claim1g.err")
    expect_eq "7-Zip claiming 30 million files, 1 GiB of address space: exit" $? 0
    expect_grep "7-Zip claiming 30 million files, 1 GiB of address space: named" \
        "$WORK/claim1g.err" 'file-count-30m.7z: 7-Zip archive cannot be read: Couldn.t allocate memory \(its header lists more files than this machine has memory for: damaged, or millions of files; extract it with 7z x and scan the folder\)'
    expect_eq "7-Zip claiming 30 million files, 1 GiB of address space: the other file read" \
        "$(total parsed "$WORK/claim1g.json")" "$(wc -l <"$ual")"
fi

# 6. Misnamed: given by path, an archive is one whatever its name; found in a folder, named.
mkdir -p "$WORK/dl"
cp "$WORK/tenant.tar.gz" "$WORK/dl/evidence-download"
scan_json "$WORK/misnamed.json" "$WORK/misnamed.err" "$WORK/dl/evidence-download"
expect_eq "misnamed archive given by path: read" "$(total parsed "$WORK/misnamed.json")" \
    "$(total parsed "$WORK/folder.json")"
scan_json "$WORK/infolder.json" "$WORK/infolder.err" "$WORK/dl"
expect_grep "misnamed archive in a folder: named" "$WORK/infolder.err" \
    'evidence-download: not read: a tar or 7-Zip archive not named .tar, .tar.gz, .tgz, .tar.zst, .tar.xz, .tar.bz2 or .7z, found in a folder'

# 7. Not an archive after all: a file named .tar holding a log is read as the log.
cp "$ual" "$WORK/log.tar"
scan_json "$WORK/notar.json" "$WORK/notar.err" "$WORK/log.tar"
expect_eq "a log named .tar: read as a log" "$(total parsed "$WORK/notar.json")" \
    "$(wc -l <"$ual")"

# 8. Tenant snapshot files (Graph users, Get-Mailbox…) in an archive: the folder's report, by
# scan and by audit, for a plain tar (read in place) and a compressed one (unpacked).
mkdir -p "$WORK/snap"
cp "$SRC"/tests/snapshot/contoso/* "$WORK/snap/"
cp "$ual" "$WORK/snap/audit.jsonl"
tar -cf "$WORK/snap.tar" -C "$WORK/snap" .
tar -czf "$WORK/snap.tgz" -C "$WORK/snap" .
(cd "$WORK/snap" && zip -q -r "$WORK/snap.zip" .)
tar -czf "$WORK/snap.zip.tgz" -C "$WORK" snap.zip
unplace() {
    jq -S 'del(.command)
           | walk(if type == "string" then sub(".*/snap(\\.tar|\\.tgz|\\.zip\\.tgz/snap\\.zip)?/"; "")
                  else . end)
           | if .evidence then .evidence.files |= map(del(.compression))
                               | del(.evidence.archives) else . end' "$1"
}
same() { [ -s "$1" ] && cmp -s "$1" "$2" && echo same; }
scan_json "$WORK/snapdir.json" "$WORK/snapdir.err" --threads 2 "$WORK/snap"
unplace "$WORK/snapdir.json" >"$WORK/snapdir.cmp"
"$BIN" audit --format json "$WORK/snap" >"$WORK/audit-dir.json" 2>"$WORK/audit-dir.err"
unplace "$WORK/audit-dir.json" >"$WORK/audit-dir.cmp"
expect_eq "snapshot read from the folder" \
    "$(jq '[.snapshot.users > 0, .snapshot.mailboxes > 0,
            ([.findings[] | select(.rule | startswith("posture-"))] | length > 0)]
           | all' "$WORK/snapdir.json")" true
for a in snap.tar snap.tgz snap.zip.tgz; do
    scan_json "$WORK/$a.json" "$WORK/$a.err" --threads 2 "$WORK/$a"
    unplace "$WORK/$a.json" >"$WORK/$a.cmp"
    expect_eq "snapshot in $a: the folder's report" "$(same "$WORK/snapdir.cmp" "$WORK/$a.cmp")" same
    expect_eq "snapshot in $a: no file left unread, nothing said" \
        "$(jq '[.evidence.files[] | select(.error)] | length' "$WORK/$a.json") $(grep -c . "$WORK/$a.err")" \
        "0 0"
    "$BIN" audit --format json "$WORK/$a" >"$WORK/audit-$a.json" 2>"$WORK/audit-$a.err"
    expect_eq "audit of $a exit" $? 0
    unplace "$WORK/audit-$a.json" >"$WORK/audit-$a.cmp"
    expect_eq "audit of $a: the folder's report" \
        "$(same "$WORK/audit-dir.cmp" "$WORK/audit-$a.cmp")" same
done

finish
