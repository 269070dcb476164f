#!/usr/bin/env bash
# Detection fixtures: tests/detections/<rule-id>/<case>/ holds evidence files, an expect.json,
# and optionally an `args` file (extra scan options, one per line; @CASE@ is the case folder) and
# an `evidence` file (paths of real samples relative to the folder above the source tree, one
# per line: the case is skipped when they are absent). Files named in `args` are support files
# (configs, address lists), not evidence.
#
# expect.json is {"rule": ID, "findings": [ {severity?, entities?: {users?: [...], ips?: [...], …},
#   entities_absent?: {...}, summary_contains?, details?: {...}} ... ]} — every expected finding
# must match one finding of that rule (entities listed must be present, those in entities_absent
# must not be; details keys must be equal); the number of findings of the rule must equal the
# number of expected ones, so a benign case is "findings": [].
source "$(dirname "$0")/common.bash" "$@"
cd "$SRC/tests/detections" || exit 1
ncase=0
for case in */*/; do
    case=${case%/}
    [ -f "$case/expect.json" ] || continue
    ncase=$((ncase + 1))
    rule=$(jq -r .rule "$case/expect.json")
    args=()
    if [ -f "$case/args" ]; then
        while read -r a; do
            [ -n "$a" ] && args+=("${a//@CASE@/$case}")
        done <"$case/args"
    fi
    inputs=()
    missing=0
    if [ -f "$case/evidence" ]; then
        while read -r e; do
            [ -z "$e" ] && continue
            if [ -e "$SRC/../$e" ]; then inputs+=("$SRC/../$e"); else missing=1; fi
        done <"$case/evidence"
    fi
    if [ $missing = 1 ]; then
        echo "skipped $case: real samples absent"
        continue
    fi
    while IFS= read -r -d '' f; do
        b=$(basename "$f")
        case $b in expect.json | args | evidence) continue ;; esac
        support=0
        for a in "${args[@]}"; do [ "$a" = "$f" ] && support=1; done
        [ $support = 0 ] && inputs+=("$f")
    done < <(find "$case" -type f -print0 | sort -z)
    out=$WORK/${case//\//_}.json
    "$BIN" scan --format json --no-progress "${args[@]}" "${inputs[@]}" >"$out" 2>"$WORK/err.txt"
    rc=$?
    if [ $rc -ne 0 ]; then
        fail "$case: exit $rc"; sed 's/^/    /' "$WORK/err.txt" >&2; continue
    fi
    if [ "$(jq '.evidence.totals.skipped' "$out")" != 0 ]; then
        fail "$case: fixture has skipped records"; sed 's/^/    /' "$WORK/err.txt" >&2
    fi
    # findings.md: a summary is one line that ends with a period, whatever the logs named.
    bad=$(jq -r '.findings[].summary | select((explode | any(. < 32 or . == 127 or . == 133 or
                                                                 . == 8232 or . == 8233))
                                             or (endswith(".") | not))' "$out")
    [ -z "$bad" ] || fail "$case: a summary with a line break or no final period: $bad"
    if jq -e --arg r "$rule" '.not_evaluated[] | select(.rule == $r and (.in_part | not))' "$out" >/dev/null; then
        fail "$case: rule $rule not evaluated: $(jq -r --arg r "$rule" '.not_evaluated[] | select(.rule == $r) | .reason' "$out")"
        continue
    fi
    want=$(jq '.findings | length' "$case/expect.json")
    got=$(jq --arg r "$rule" '[.findings[] | select(.rule == $r)] | length' "$out")
    if [ "$want" != "$got" ]; then
        fail "$case: $got findings of $rule, expected $want"
        jq -c --arg r "$rule" '.findings[] | select(.rule == $r) | {severity, summary, entities}' "$out" | sed 's/^/    /' >&2
        continue
    fi
    n=0
    while [ $n -lt "$want" ]; do
        exp=$(jq -c ".findings[$n]" "$case/expect.json")
        ok=$(jq --arg r "$rule" --argjson e "$exp" '
            [.findings[] | select(.rule == $r)
             | select(($e.severity == null) or (.severity == $e.severity))
             | select(($e.summary_contains == null) or (.summary | contains($e.summary_contains)))
             | . as $f
             | select([($e.entities // {}) | to_entries[] | .key as $k | .value[] as $v | ($f.entities[$k] // []) | index($v) != null] | all)
             | select([($e.entities_absent // {}) | to_entries[] | .key as $k | .value[] as $v | ($f.entities[$k] // []) | index($v) == null] | all)
             | select([($e.details // {}) | to_entries[] | .key as $k | .value as $v | ($f.details[$k] == $v)] | all)
            ] | length' "$out")
        if [ "$ok" -ge 1 ]; then
            pass
        else
            fail "$case: no finding matches $exp"
            jq -c --arg r "$rule" '.findings[] | select(.rule == $r)' "$out" | sed 's/^/    /' >&2
        fi
        n=$((n + 1))
    done
    [ "$want" = 0 ] && pass
done
# Every registered rule has its documentation page and both kinds of fixture.
for rule in $("$BIN" rules list | awk '$2 ~ /^(info|low|medium|high|critical)$/ {print $1}'); do
    if [ -f "$SRC/docs/detections/$rule.md" ]; then pass; else fail "$rule: no docs/detections/$rule.md"; fi
    if ls -d "$rule"/pos_*/ >/dev/null 2>&1; then pass; else fail "$rule: no true-positive fixture (tests/detections/$rule/pos_*)"; fi
    if ls -d "$rule"/neg_*/ >/dev/null 2>&1; then pass; else fail "$rule: no benign near-miss fixture (tests/detections/$rule/neg_*)"; fi
    if "$BIN" rules show "$rule" >/dev/null; then pass; else fail "$rule: rules show fails"; fi
    # The rule table of docs/findings.md names every rule with exactly its techniques.
    techs=$("$BIN" rules show "$rule" | sed -n 's/^ATT&CK: //p')
    if grep -qF "| \`$rule\` |" "$SRC/docs/findings.md" && grep -F "| \`$rule\` |" "$SRC/docs/findings.md" | grep -qF "| $techs |"; then
        pass
    else
        fail "$rule: docs/findings.md rule table lacks it or its techniques ($techs)"
    fi
done
echo "$ncase detection cases"
[ $ncase -gt 0 ] || { echo "no detection cases found"; exit 77; }
finish
