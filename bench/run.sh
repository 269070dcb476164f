#!/usr/bin/env bash
# SC2016: jq programs and `bash -c` scripts are single-quoted on purpose (they expand their own
# arguments).
# shellcheck disable=SC2016
# m365hunt benchmark: m365hunt against DuckDB, jq, cat and wc -l on the same simulated UAL
# JSON Lines corpus, warm page cache. See bench/README.md.
#
#   bench/run.sh [--sizes 1G,2G] [--runs 3] [--jq-runs N] [--work DIR] [--bin PATH]
#                [--scenario LIST] [--threshold N] [--keep-corpora] [--fresh]
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/run.sh [OPTIONS]

  --sizes LIST      corpus sizes for `m365hunt simulate --size` (default 1G; e.g. 1G,2G)
  --runs N          runs per measurement; wall time is the median (default 3)
  --jq-runs N       runs for jq only (default: --runs; jq takes ~20-60 s per GiB)
  --work DIR        work folder: corpora, release build, DuckDB install, results
                    (default /tmp/m365hunt-bench)
  --bin PATH        m365hunt binary to measure (default: a Release build of this checkout,
                    made or brought up to date in WORK/build-release)
  --scenario LIST   also pass --scenario LIST to simulate (default: none, a benign tenant)
  --threshold N     password-spray query: distinct accounts per address, at least (default 10)
  --keep-corpora    keep corpora larger than 2 GiB (default: deleted after measuring)
  --fresh           regenerate the corpora even when cached
  -h, --help        this text
EOF
}

die() { printf 'BENCH FAILED: %s\n' "$*" >&2; exit 1; }
log() { printf '== %s\n' "$*" >&2; }

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)

SIZES=1G
RUNS=3
JQ_RUNS=
WORK=/tmp/m365hunt-bench
BIN=
SCENARIO=
THRESHOLD=10
KEEP_CORPORA=0
FRESH=0
SEED=1
DUCKDB_NODE_API_VERSION=${DUCKDB_NODE_API_VERSION:-1.5.6-r.1}

while [ $# -gt 0 ]; do
  case $1 in
    --sizes) SIZES=${2:?--sizes needs a value}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --jq-runs) JQ_RUNS=${2:?--jq-runs needs a value}; shift 2 ;;
    --work) WORK=${2:?--work needs a value}; shift 2 ;;
    --bin) BIN=${2:?--bin needs a value}; shift 2 ;;
    --scenario) SCENARIO=${2:?--scenario needs a value}; shift 2 ;;
    --threshold) THRESHOLD=${2:?--threshold needs a value}; shift 2 ;;
    --keep-corpora) KEEP_CORPORA=1; shift ;;
    --fresh) FRESH=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done
JQ_RUNS=${JQ_RUNS:-$RUNS}
for n in "$RUNS" "$JQ_RUNS" "$THRESHOLD"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "not a positive count: $n"
done
IFS=, read -r -a SIZE_LIST <<<"$SIZES"
for s in "${SIZE_LIST[@]}"; do
  [[ $s =~ ^[0-9]+[KMG]$ ]] || die "bad size: $s (use e.g. 512M, 1G, 2G)"
done

for tool in jq node npm cmake /usr/bin/time sha256sum find xargs wc awk sort; do
  command -v "$tool" >/dev/null || die "missing tool: $tool (Debian: jq nodejs npm cmake time coreutils findutils gawk)"
done
[ "${BASH_VERSINFO[0]}" -ge 5 ] || die "bash 5 needed (EPOCHREALTIME)"

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export LC_ALL=C

# --- the m365hunt binary ----------------------------------------------------------------
if [ -z "$BIN" ]; then
  log "building Release m365hunt in $WORK/build-release"
  cmake -S "$REPO" -B "$WORK/build-release" -DCMAKE_BUILD_TYPE=Release >"$WORK/build-release.log" 2>&1 ||
    { tail -n 30 "$WORK/build-release.log" >&2; die "cmake configure failed"; }
  cmake --build "$WORK/build-release" --target m365hunt -j"$(nproc)" >>"$WORK/build-release.log" 2>&1 ||
    { tail -n 30 "$WORK/build-release.log" >&2; die "build failed"; }
  BIN=$WORK/build-release/m365hunt
fi
[ -x "$BIN" ] || die "not an executable: $BIN"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
BIN_VERSION=$("$BIN" version)

# --- DuckDB through npm, in a scratch folder of the work dir ---------------------------------
DUCK=$WORK/duckdb-node
if [ ! -f "$DUCK/node_modules/@duckdb/node-api/package.json" ]; then
  log "installing @duckdb/node-api@$DUCKDB_NODE_API_VERSION into $DUCK"
  mkdir -p "$DUCK"
  (cd "$DUCK" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    npm install --no-audit --no-fund --loglevel=error "@duckdb/node-api@$DUCKDB_NODE_API_VERSION" >/dev/null) ||
    die "npm install @duckdb/node-api failed"
fi
# query.mjs SQL: runs one statement, prints the rows tab-separated.
cat >"$DUCK/query.mjs" <<'EOF'
import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
const reader = await con.runAndReadAll(process.argv[2]);
for (const row of reader.getRows()) console.log(row.map(String).join('\t'));
EOF
DUCKDB_VERSION=$(cd "$DUCK" && node query.mjs 'SELECT version()')

# --- the queries ------------------------------------------------------------------------------
# The password-spray aggregation, the same in all tools: UAL records with
# Operation = 'UserLoginFailed', grouped by ClientIP, distinct lower-cased UserId per address,
# kept when at least THRESHOLD; output "ip<TAB>accounts<TAB>failures", sorted by ip.
spray_sql() { # DIR
  local glob="${1//\'/\'\'}/*.jsonl"
  cat <<EOF
SELECT coalesce(ClientIP, '') AS ip,
       count(DISTINCT lower(coalesce(UserId, ''))) AS accounts,
       count(*) AS failures
FROM read_json('$glob', format = 'newline_delimited',
               columns = {Operation: 'VARCHAR', ClientIP: 'VARCHAR', UserId: 'VARCHAR'})
WHERE Operation = 'UserLoginFailed'
GROUP BY ip
HAVING count(DISTINCT lower(coalesce(UserId, ''))) >= $THRESHOLD
ORDER BY ip
EOF
}
# jq on the raw UAL records.
JQ_SPRAY='reduce (inputs | select(.Operation == "UserLoginFailed")) as $r ({};
  .[$r.ClientIP // ""][($r.UserId // "") | ascii_downcase] += 1)
| to_entries[] | select((.value | length) >= $min)
| [.key, (.value | length), ([.value[]] | add)] | @tsv'
# jq on m365hunt's normalised events (docs/events.md): ip is ClientIP, actor.upn the
# lower-cased UserId, operation the UAL Operation. Findings lines (jsonl) have no .kind.
JQ_EVENTS_SPRAY='reduce (inputs | select(.kind == "signin" and .operation == "UserLoginFailed")) as $e ({};
  .[$e.ip // ""][$e.actor.upn // ""] += 1)
| to_entries[] | select((.value | length) >= $min)
| [.key, (.value | length), ([.value[]] | add)] | @tsv'

# --- measurement helpers ------------------------------------------------------------------------
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) exit 1; if (NR%2) printf "%.3f", v[(NR+1)/2]; else printf "%.3f", (v[NR/2]+v[NR/2+1])/2}'; }

warm() { # DIR: read every file once so all tools start from the page cache
  find "$1" -name '*.jsonl' -print0 | xargs -0 cat >/dev/null
}

# measure KEY RUNS OUT CMD...: runs CMD (stdout to OUT) RUNS times under /usr/bin/time -v;
# appends "KEY wall rss_kib" per run to $RAW. Exit status must be 0.
measure() {
  local key=$1 runs=$2 out=$3; shift 3
  local i t0 t1 rss cpu tf=$TMPD/time.txt
  for ((i = 1; i <= runs; i++)); do
    t0=$EPOCHREALTIME
    if ! /usr/bin/time -v -o "$tf" "$@" >"$out" 2>"$TMPD/stderr.txt"; then
      tail -n 20 "$TMPD/stderr.txt" >&2
      die "$key: command failed: $*"
    fi
    t1=$EPOCHREALTIME
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tf")
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$tf")
    awk -v k="$key" -v a="$t0" -v b="$t1" -v r="$rss" -v c="$cpu" \
      'BEGIN {printf "%s %.4f %s %s\n", k, b - a, r, c}' >>"$RAW"
    log "$key run $i/$runs: $(tail -n 1 "$RAW" | awk '{printf "%.2f s wall, %.2f s CPU, %.0f MiB", $2, $4, $3/1024}')"
    [ "$key" != "${key#m365hunt-scan}" ] && findings_sha "$out" >>"$TMPD/shas.$key"
  done
  return 0
}

# SHA-256 of the findings array of a report (jq -S: keys sorted, compact), without the
# run metadata (command line, tool version, evidence accounting, coverage).
findings_sha() { jq -cS '.findings' "$1" | sha256sum | awk '{print $1}'; }

TMPD=$(mktemp -d "$WORK/run.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT
trap 'exit 130' INT TERM
RAW=$TMPD/raw.txt
: >"$RAW"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$WORK/results-$STAMP.txt
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null | head -c1)

{
  echo "m365hunt bench $STAMP"
  echo "binary:  $BIN ($BIN_VERSION; checkout $COMMIT${DIRTY:+, uncommitted changes})"
  echo "duckdb:  $DUCKDB_VERSION (@duckdb/node-api $DUCKDB_NODE_API_VERSION, node $(node --version))"
  echo "jq:      $(jq --version)"
  echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
  echo "cpu:     $(lscpu 2>/dev/null | awk -F': *' '/Model name/ {print $2; exit}')"
  echo "runs:    $RUNS (jq: $JQ_RUNS); spray threshold: >= $THRESHOLD accounts per address"
  echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$RESULTS"

declare -A BYTES RECORDS SPRAY_ROWS SHA
for size in "${SIZE_LIST[@]}"; do
  # --- the corpus, cached ---------------------------------------------------------------------
  name=$size-seed$SEED${SCENARIO:+-${SCENARIO//,/+}}
  corpus=$WORK/corpus/$name
  sim_args=(simulate --out "$corpus" --size "$size" --formats ual-jsonl --seed "$SEED" -q)
  [ -n "$SCENARIO" ] && sim_args+=(--scenario "$SCENARIO")
  stamp="${sim_args[*]} | $BIN_VERSION"
  if [ "$FRESH" = 1 ] || [ ! -f "$corpus/.bench-complete" ] || [ "$(cat "$corpus/.bench-complete")" != "$stamp" ]; then
    log "simulating $size corpus into $corpus"
    rm -rf "$corpus"
    mkdir -p "$WORK/corpus"
    avail=$(df -Pk "$WORK" | awk 'NR==2 {print $4}')
    log "free space in $WORK: $((avail / 1048576)) GiB"
    "$BIN" "${sim_args[@]}" || die "simulate failed"
    printf '%s\n' "$stamp" >"$corpus/.bench-complete"
  else
    log "using cached corpus $corpus"
  fi
  ual=$corpus/ual
  files=$(find "$ual" -name '*.jsonl' | wc -l)
  BYTES[$size]=$(find "$ual" -name '*.jsonl' -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s}')
  log "$size: $files files, ${BYTES[$size]} bytes; warming the page cache"
  warm "$ual"

  # --- baselines ---------------------------------------------------------------------------------
  warm "$ual"
  measure "cat@$size" "$RUNS" /dev/null \
    bash -c 'find "$1" -name "*.jsonl" -print0 | xargs -0 cat >/dev/null' _ "$ual"
  measure "wc@$size" "$RUNS" "$TMPD/wc.$size" \
    bash -c 'find "$1" -name "*.jsonl" -print0 | wc -l --files0-from=- | tail -n 1' _ "$ual"
  lines=$(awk '{print $1}' "$TMPD/wc.$size")

  # --- (a) m365hunt full scan: every detection ---------------------------------------------------
  # Run from the corpus folder with the relative path `ual` so that evidence paths in the
  # findings (and so the SHA-256) do not depend on --work.
  warm "$ual"
  measure "m365hunt-scan@$size" "$RUNS" "$TMPD/report.$size.json" \
    bash -c 'cd "$1" && exec "$2" scan --format json --no-progress ual' _ "$corpus" "$BIN"
  sort -u "$TMPD/shas.m365hunt-scan@$size" >"$TMPD/shas.u"
  [ "$(wc -l <"$TMPD/shas.u")" = 1 ] || die "m365hunt findings differ between runs at $size"
  SHA[$size]=$(cat "$TMPD/shas.u")
  RECORDS[$size]=$(jq '.evidence.totals.records_read' "$TMPD/report.$size.json")
  parsed=$(jq '.evidence.totals.parsed' "$TMPD/report.$size.json")
  [ "${RECORDS[$size]}" = "$lines" ] || die "m365hunt read ${RECORDS[$size]} records, wc -l counts $lines lines"
  [ "$parsed" = "$lines" ] || die "m365hunt parsed $parsed of $lines records"
  jq -r '.findings | group_by(.rule) | map("\(.[0].rule)=\(length)") | join(" ")' \
    "$TMPD/report.$size.json" >"$TMPD/rules.$size"

  # The same scan on one reading thread: the thread scaling, and the same findings.
  warm "$ual"
  measure "m365hunt-scan1@$size" "$RUNS" "$TMPD/report1.$size.json" \
    bash -c 'cd "$1" && exec "$2" scan --threads 1 --format json --no-progress ual' _ "$corpus" "$BIN"
  [ "$(sort -u "$TMPD/shas.m365hunt-scan1@$size")" = "${SHA[$size]}" ] ||
    die "m365hunt findings differ between --threads 1 and the default at $size"

  # --- (b) DuckDB ------------------------------------------------------------------------------
  sql=$(spray_sql "$ual")
  printf '%s\n' "$sql" >"$WORK/spray.sql"
  warm "$ual"
  measure "duckdb-start@$size" "$RUNS" /dev/null bash -c 'cd "$1" && exec node query.mjs "SELECT 1"' _ "$DUCK"
  measure "duckdb-spray@$size" "$RUNS" "$TMPD/spray.duckdb.$size" \
    bash -c 'cd "$1" && exec node query.mjs "$2"' _ "$DUCK" "$sql"

  # --- (c) jq --------------------------------------------------------------------------------------
  warm "$ual"
  measure "jq-spray@$size" "$JQ_RUNS" "$TMPD/spray.jq.$size" \
    bash -c 'find "$1" -name "*.jsonl" -print0 | sort -z | xargs -0 cat | jq -n -r --argjson min "$2" "$3"' \
    _ "$ual" "$THRESHOLD" "$JQ_SPRAY"

  # --- (d) the same answer from m365hunt's normalised events -------------------------------------
  # m365hunt has no ad-hoc query language and its password-spray rule is deliberately not this
  # naive aggregation; what it can answer honestly is the same question over the events it
  # parsed: `scan --events -` (full scan, every detection, plus every event serialised), a
  # fixed-string grep to skip unrelated events, and the jq reduction above on what is left.
  warm "$ual"
  measure "m365hunt-events-spray@$size" "$RUNS" "$TMPD/spray.m365hunt.$size" \
    bash -c 'cd "$1" && "$2" scan --format jsonl --no-progress --events - ual |
             { grep -F "\"operation\":\"UserLoginFailed\"" || true; } |
             jq -n -r --argjson min "$3" "$4"' _ "$corpus" "$BIN" "$THRESHOLD" "$JQ_EVENTS_SPRAY"

  # --- agreement ------------------------------------------------------------------------------------
  for t in duckdb jq m365hunt; do sort "$TMPD/spray.$t.$size" >"$TMPD/spray.$t.$size.sorted"; done
  for t in jq m365hunt; do
    if ! diff -u "$TMPD/spray.duckdb.$size.sorted" "$TMPD/spray.$t.$size.sorted" >"$TMPD/diff.txt"; then
      cat "$TMPD/diff.txt" >&2
      die "password-spray answers differ between duckdb and $t at $size (diff above: ip, accounts, failures)"
    fi
  done
  SPRAY_ROWS[$size]=$(wc -l <"$TMPD/spray.duckdb.$size.sorted")
  {
    echo
    echo "== $size: $files files, ${BYTES[$size]} bytes, ${RECORDS[$size]} records (m365hunt = wc -l)"
    echo "password-spray query (UserLoginFailed by ClientIP, >= $THRESHOLD distinct UserId): duckdb, jq and m365hunt events agree, ${SPRAY_ROWS[$size]} address(es):"
    awk -F'\t' '{printf "  %-40s accounts %-6s failures %s\n", $1, $2, $3}' "$TMPD/spray.duckdb.$size.sorted"
    echo "m365hunt findings by rule: $(cat "$TMPD/rules.$size")"
    echo "m365hunt findings SHA-256 (jq -cS .findings | sha256sum): ${SHA[$size]}"
    echo "load after $size: $(cut -d' ' -f1-3 /proc/loadavg)"
  } | tee -a "$RESULTS"

  if [ "$KEEP_CORPORA" = 0 ] && [ "${BYTES[$size]}" -gt $((2 * 1024 * 1024 * 1024 + 512 * 1024 * 1024)) ]; then
    log "deleting $corpus (larger than 2 GiB; --keep-corpora keeps it)"
    rm -rf "$corpus"
  fi
done

# --- tables -------------------------------------------------------------------------------------------
# stats KEY -> "median_wall max_rss_kib median_cpu"
stats() {
  local w r c
  w=$(awk -v k="$1" '$1 == k {print $2}' "$RAW" | median)
  r=$(awk -v k="$1" '$1 == k && $3 > m {m = $3} END {print m + 0}' "$RAW")
  c=$(awk -v k="$1" '$1 == k {print $4}' "$RAW" | median)
  echo "$w $r $c"
}
label() {
  case $1 in
    cat) echo "cat|read every file" ;;
    wc) echo "wc -l|count lines" ;;
    m365hunt-scan) echo "m365hunt|full scan, all detections (--format json)" ;;
    m365hunt-scan1) echo "m365hunt|the same, one reading thread (--threads 1)" ;;
    m365hunt-events-spray) echo "m365hunt|spray via scan --events | grep | jq" ;;
    duckdb-start) echo "duckdb|SELECT 1 (node + DuckDB start-up)" ;;
    duckdb-spray) echo "duckdb|spray aggregation (read_json)" ;;
    jq-spray) echo "jq|spray aggregation" ;;
  esac
}
TOOLS=(cat wc m365hunt-scan m365hunt-scan1 m365hunt-events-spray duckdb-start duckdb-spray jq-spray)
{
  for size in "${SIZE_LIST[@]}"; do
    read -r base _ < <(stats "m365hunt-scan@$size")
    echo
    echo "== results at $size (${BYTES[$size]} bytes; wall = median of runs, GB/s = 10^9 bytes / wall,"
    echo "   peak RSS = largest over runs, ratio = wall / m365hunt full-scan wall: > 1 means m365hunt is faster,
   CPU s = median user + system seconds of all processes)"
    printf '%-9s %-46s %10s %8s %14s %9s %8s\n' tool query "wall s" "GB/s" "peak RSS MiB" ratio "CPU s"
    for t in "${TOOLS[@]}"; do
      read -r w r c < <(stats "$t@$size")
      IFS='|' read -r tool query < <(label "$t")
      # start-up reads no data: no throughput
      awk -v tool="$tool" -v q="$query" -v w="$w" -v r="$r" -v c="$c" -v b="${BYTES[$size]}" -v base="$base" -v t="$t" \
        'BEGIN {gbs = t == "duckdb-start" ? "-" : sprintf("%.3f", b / w / 1e9);
                printf "%-9s %-46s %10.3f %8s %14.1f %9.2f %8.2f\n", tool, q, w, gbs, r / 1024, w / base, c}'
    done
  done
  if [ "${#SIZE_LIST[@]}" -gt 1 ]; then
    echo
    echo "== linearity: wall seconds per GiB (2^30 bytes)"
    printf '%-8s' size
    for t in m365hunt-scan duckdb-spray jq-spray cat; do printf ' %16s' "$t"; done
    echo
    for size in "${SIZE_LIST[@]}"; do
      printf '%-8s' "$size"
      for t in m365hunt-scan duckdb-spray jq-spray cat; do
        read -r w _ < <(stats "$t@$size")
        awk -v w="$w" -v b="${BYTES[$size]}" 'BEGIN {printf " %16.3f", w / (b / 1073741824)}'
      done
      echo
    done
  fi
  echo
  echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "raw runs (key wall_s peak_rss_kib cpu_s):"
  sed 's/^/  /' "$RAW"
} | tee -a "$RESULTS"
log "results written to $RESULTS"
