#!/usr/bin/env bash
# The committed simulated example (make demo) is exactly what `m365hunt simulate` writes with
# the arguments recorded in examples/README.md, and it scans to one incident with no false alarm.
source "$(dirname "$0")/common.bash" "$@"
cd "$SRC" || exit 1
EX=examples/simulated-midnight-blizzard

"$BIN" simulate --out "$WORK/sim" --users 40 --days 10 --seed 2024 --scenario midnight-blizzard \
    --activity low --gzip -q
expect_eq "simulate exit" $? 0
# gzip bytes depend on the zlib version: compare the decompressed content of every file.
(cd "$EX" && find . -type f | sort) >"$WORK/committed.lst"
(cd "$WORK/sim" && find . -type f | sort) >"$WORK/fresh.lst"
expect_eq "same files" "$(diff "$WORK/committed.lst" "$WORK/fresh.lst" >/dev/null && echo same)" same
diffs=0
while read -r f; do
    if [ -f "$WORK/sim/$f" ] && ! cmp -s <(gzip -dcf "$EX/$f") <(gzip -dcf "$WORK/sim/$f"); then
        echo "differs: $f" >&2
        diffs=$((diffs + 1))
    fi
done <"$WORK/committed.lst"
expect_eq "committed example equals a fresh simulation" "$diffs" 0

scan_json "$WORK/scan.json" "$WORK/err" --ip-ranges "$EX/enrichment/ip-ranges.txt" \
    --geo-db "$EX/enrichment/city.mmdb" \
    "$EX/azmon" "$EX/entra" "$EX/purview" "$EX/sentinel" "$EX/ual"
expect_eq "scan exit" "$RC" 0
expect_eq "nothing skipped" "$(total skipped "$WORK/scan.json")" 0
expect_eq "one incident" "$(jq '.incidents | length' "$WORK/scan.json")" 1
expect_eq "critical" "$(jq -r '.incidents[0].severity' "$WORK/scan.json")" critical
python3 "$SRC/tests/tools/sim_score.py" "$EX/ground-truth.json" "$WORK/scan.json" >"$WORK/score"
cat "$WORK/score"
expect_grep "no false alarm" "$WORK/score" "^precision ([0-9]+)/\1 "
finish
