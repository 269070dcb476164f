#!/usr/bin/env bash
# SC2016: jq programs and `bash -c` scripts are single-quoted on purpose (they expand their own
# arguments).
# shellcheck disable=SC2016
# m365hunt benchmark: m365hunt against DuckDB, jq, cat and wc -l on the same simulated UAL
# JSON Lines corpus, plus m365hunt's full scan on other export formats (Purview CSV, Graph JSON
# pages, ...) and on gzip-compressed UAL against cat / wc -l / zcat floors; warm page cache.
# See bench/README.md.
#
#   bench/run.sh [--sizes 1G,2G] [--runs 3] [--jq-runs N] [--work DIR] [--bin PATH]
#                [--formats LIST] [--scenario LIST] [--threshold N] [--keep-corpora] [--fresh]
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
  --formats LIST    corpora to measure, comma list (default ual-jsonl,purview-new,graph-json,gzip):
                      ual-jsonl   UAL JSON Lines: cat, wc -l, m365hunt (2 thread settings),
                                  DuckDB, jq, the spray agreement check (the original benchmark)
                      gzip        the UAL JSON Lines corpus gzip-compressed (simulate --gzip):
                                  zcat, zcat in parallel, m365hunt (2 thread settings)
                      zip         the UAL JSON Lines corpus as one ZIP archive (zip -r -6):
                                  unzip -p, m365hunt on the archive (2 thread settings)
                      tar, tar-gz the UAL JSON Lines corpus as one tar archive, plain (tar -c)
                                  or gzip-compressed (tar -cz): cat / tar -xzO, m365hunt on
                                  the archive (2 thread settings)
                      purview-new, purview-classic, graph-json, azmon-pt1h, azmon-eventhub,
                      la-json, la-csv, ual-blob
                                  a corpus of that simulate format only: cat, wc -l,
                                  m365hunt (2 thread settings)
                      all         ual-jsonl,purview-new,graph-json,azmon-pt1h,la-json,gzip
  --scenario LIST   also pass --scenario LIST to simulate (default: none, a benign tenant)
  --threshold N     password-spray query: distinct accounts per address, at least (default 10)
  --keep-corpora    keep corpora taking more than 2.5 GiB on disk (default: deleted after
                    measuring)
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
FORMATS="ual-jsonl,purview-new,graph-json,gzip"
DUCKDB_NODE_API_VERSION=${DUCKDB_NODE_API_VERSION:-1.5.6-r.1}

while [ $# -gt 0 ]; do
  case $1 in
    --sizes) SIZES=${2:?--sizes needs a value}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
    --jq-runs) JQ_RUNS=${2:?--jq-runs needs a value}; shift 2 ;;
    --work) WORK=${2:?--work needs a value}; shift 2 ;;
    --bin) BIN=${2:?--bin needs a value}; shift 2 ;;
    --formats) FORMATS=${2:?--formats needs a value}; shift 2 ;;
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

[ "$FORMATS" = all ] && FORMATS="ual-jsonl,purview-new,graph-json,azmon-pt1h,la-json,gzip"
IFS=, read -r -a FMT_LIST <<<"$FORMATS"
[ "${#FMT_LIST[@]}" -gt 0 ] || die "--formats is empty"
declare -A SEEN_FMT
for f in "${FMT_LIST[@]}"; do
  case $f in
    ual-jsonl|gzip|zip|tar|tar-gz|purview-new|purview-classic|graph-json|azmon-pt1h|azmon-eventhub|la-json|la-csv|ual-blob) ;;
    *) die "unknown format: $f (see --help)" ;;
  esac
  [ -z "${SEEN_FMT[$f]:-}" ] || die "format given twice: $f"
  SEEN_FMT[$f]=1
done
want() { [ -n "${SEEN_FMT[$1]:-}" ]; }

tools=(jq cmake /usr/bin/time sha256sum find xargs wc awk sort du df)
want ual-jsonl && tools+=(node npm)
want gzip && tools+=(zcat)
want zip && tools+=(zip unzip)
{ want tar || want tar-gz; } && tools+=(tar)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || die "missing tool: $tool (Debian: jq nodejs npm cmake time coreutils findutils gawk gzip zip unzip)"
done
[ "${BASH_VERSINFO[0]}" -ge 5 ] || die "bash 5 needed (EPOCHREALTIME)"

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export LC_ALL=C
NCPU=$(nproc)

# --- corpora: names, disk space -------------------------------------------------------------
# size_bytes 512M -> 536870912 (simulate --size counts K/M/G as powers of 1024)
size_bytes() {
  local n=${1%?}
  case $1 in *K) echo $((n << 10)) ;; *M) echo $((n << 20)) ;; *G) echo $((n << 30)) ;; esac
}
KEEP_LIMIT=$((2 * 1024 * 1024 * 1024 + 512 * 1024 * 1024)) # corpora above this are deleted
corpus_dir() { # SIZE FORMAT: the corpus folder (the UAL JSON Lines one keeps its old name)
  local name=$1-seed$SEED${SCENARIO:+-${SCENARIO//,/+}}
  [ "$2" = ual-jsonl ] || name=$name-$2
  printf '%s\n' "$WORK/corpus/$name"
}
corpus_estimate() { # SIZE FORMAT: bytes on disk to expect, with margin (gzip: ~12% measured)
  local b
  b=$(size_bytes "$1")
  if [ "$2" = gzip ] || [ "$2" = zip ] || [ "$2" = tar-gz ]; then echo $((b / 4)); else echo $((b * 6 / 5)); fi
}
avail_bytes() { df -Pk "$WORK" | awk 'NR == 2 {printf "%.0f", $4 * 1024}'; }
gib() { awk -v b="$1" 'BEGIN {printf "%.1f GiB", b / 1073741824}'; }
# Up front: corpora not yet cached that are kept add up; those deleted after measuring (over
# 2.5 GiB, without --keep-corpora) exist one at a time, so only the largest counts. Plus the
# Release build and DuckDB (~256 MiB).
need=$((256 << 20)) transient=0
for size in "${SIZE_LIST[@]}"; do
  for f in "${FMT_LIST[@]}"; do
    d=$(corpus_dir "$size" "$f")
    [ "$FRESH" = 0 ] && [ -f "$d/.bench-complete" ] && continue
    e=$(corpus_estimate "$size" "$f")
    if [ "$KEEP_CORPORA" = 0 ] && [ "$e" -gt "$KEEP_LIMIT" ]; then
      [ "$e" -gt "$transient" ] && transient=$e
    else
      need=$((need + e))
    fi
  done
done
need=$((need + transient))
have=$(avail_bytes)
[ "$have" -ge "$need" ] ||
  die "not enough disk space in $WORK: $(gib "$have") free, about $(gib "$need") needed for the corpora (sizes $SIZES, formats $FORMATS: 1.2 x size each, gzip 0.25 x size; corpora over 2.5 GiB are deleted after measuring unless --keep-corpora). Use --work on a larger file system, fewer sizes or formats."

# --- the m365hunt binary ----------------------------------------------------------------
if [ -z "$BIN" ]; then
  log "building Release m365hunt in $WORK/build-release"
  # A build folder configured from another checkout cannot be reused: start it afresh.
  cache=$WORK/build-release/CMakeCache.txt
  if [ -f "$cache" ] && ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$(cd "$REPO" && pwd -P)" "$cache"; then
    rm -rf "$WORK/build-release"
  fi
  cmake -S "$REPO" -B "$WORK/build-release" -DCMAKE_BUILD_TYPE=Release >"$WORK/build-release.log" 2>&1 ||
    { tail -n 30 "$WORK/build-release.log" >&2; die "cmake configure failed"; }
  cmake --build "$WORK/build-release" --target m365hunt -j"$(nproc)" >>"$WORK/build-release.log" 2>&1 ||
    { tail -n 30 "$WORK/build-release.log" >&2; die "build failed"; }
  BIN=$WORK/build-release/m365hunt
fi
[ -x "$BIN" ] || die "not an executable: $BIN"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
BIN_VERSION=$("$BIN" version)

# --- DuckDB through npm, in a scratch folder of the work dir (UAL JSON Lines only) ------------
DUCK=$WORK/duckdb-node
DUCKDB_VERSION="not used (no ual-jsonl in --formats)"
if want ual-jsonl; then
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
  DUCKDB_VERSION="$(cd "$DUCK" && node query.mjs 'SELECT version()') (@duckdb/node-api $DUCKDB_NODE_API_VERSION, node $(node --version))"
fi

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

# Read before every timed run, untimed (a command and its arguments; empty: nothing). Warming
# once per block is not enough on a machine whose page cache is reclaimed in the background:
# on the VM of RESULTS.md, 690 MB of cached files fell to 197 MB in 30 idle seconds, and a run
# that started after it read part of its input from disk.
PREWARM=()

# measure KEY RUNS OUT CMD...: runs CMD (stdout to OUT) RUNS times under /usr/bin/time -v;
# appends "KEY wall rss_kib" per run to $RAW. Exit status must be 0.
measure() {
  local key=$1 runs=$2 out=$3; shift 3
  local i t0 t1 rss cpu tf=$TMPD/time.txt
  for ((i = 1; i <= runs; i++)); do
    if ((${#PREWARM[@]})); then "${PREWARM[@]}"; fi
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
  echo "duckdb:  $DUCKDB_VERSION"
  echo "jq:      $(jq --version)"
  echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
  echo "cpu:     $(lscpu 2>/dev/null | awk -F': *' '/Model name/ {print $2; exit}')"
  echo "runs:    $RUNS (jq: $JQ_RUNS); spray threshold: >= $THRESHOLD accounts per address"
  echo "sizes:   $SIZES; formats: $FORMATS; free in $WORK: $(gib "$(avail_bytes)")"
  echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$RESULTS"

# make_corpus SIZE FORMAT: simulate the corpus into CORPUS (global) unless cached. A stamp
# records the simulate command and m365hunt version.
make_corpus() {
  local size=$1 fmt=$2 sim_fmt=$2 stamp avail est
  [ "$fmt" = gzip ] && sim_fmt="ual-jsonl"
  CORPUS=$(corpus_dir "$size" "$fmt")
  local sim_args=(simulate --out "$CORPUS" --size "$size" --formats "$sim_fmt" --seed "$SEED" -q)
  [ -n "$SCENARIO" ] && sim_args+=(--scenario "$SCENARIO")
  [ "$fmt" = gzip ] && sim_args+=(--gzip)
  stamp="${sim_args[*]} | $BIN_VERSION"
  if [ "$FRESH" = 1 ] || [ ! -f "$CORPUS/.bench-complete" ] || [ "$(cat "$CORPUS/.bench-complete")" != "$stamp" ]; then
    log "simulating $size $fmt corpus into $CORPUS"
    rm -rf "$CORPUS"
    mkdir -p "$WORK/corpus"
    avail=$(avail_bytes)
    est=$(corpus_estimate "$size" "$fmt")
    log "free space in $WORK: $(gib "$avail"), this corpus needs about $(gib "$est")"
    [ "$avail" -ge "$est" ] ||
      die "not enough disk space in $WORK for the $size $fmt corpus: $(gib "$avail") free, about $(gib "$est") needed"
    "$BIN" "${sim_args[@]}" || die "simulate failed: ${sim_args[*]}"
    printf '%s\n' "$stamp" >"$CORPUS/.bench-complete"
  else
    log "using cached corpus $CORPUS"
  fi
  # the evidence folders (relative): everything but enrichment/ (and snapshot/)
  mapfile -t EVDIRS < <(find "$CORPUS" -mindepth 1 -maxdepth 1 -type d ! -name enrichment ! -name snapshot -printf '%P\n' | sort)
  [ "${#EVDIRS[@]}" -gt 0 ] || die "no evidence folder in $CORPUS"
}
# drop_corpus DIR: delete a corpus taking more than 2.5 GiB on disk, unless --keep-corpora
drop_corpus() {
  local used
  used=$(du -sb "$1" | awk '{print $1}')
  if [ "$KEEP_CORPORA" = 0 ] && [ "$used" -gt "$KEEP_LIMIT" ]; then
    log "deleting $1 ($(gib "$used") on disk, more than 2.5 GiB; --keep-corpora keeps it)"
    rm -rf "$1"
  fi
}
# check_scans KEY SIZE REPORT: the findings are identical in every run of m365hunt-scan.KEY and
# m365hunt-scan1.KEY; sets FSHA[KEY@SIZE] and writes the findings per rule to $TMPD/rules.KEY.SIZE
declare -A FSHA
check_scans() {
  local k=$1 size=$2
  sort -u "$TMPD/shas.m365hunt-scan.$k@$size" >"$TMPD/shas.u"
  [ "$(wc -l <"$TMPD/shas.u")" = 1 ] || die "m365hunt findings differ between runs at $size ($k)"
  FSHA[$k@$size]=$(cat "$TMPD/shas.u")
  [ "$(sort -u "$TMPD/shas.m365hunt-scan1.$k@$size")" = "${FSHA[$k@$size]}" ] ||
    die "m365hunt findings differ between --threads 1 and the default at $size ($k)"
  jq -r '.findings | group_by(.rule) | map("\(.[0].rule)=\(length)") | join(" ")' \
    "$3" >"$TMPD/rules.$k.$size"
}
# check_records KEY SIZE REPORT CORPUS: m365hunt read every record the simulator wrote
# (ground-truth.json totals.records), parsed = read - skipped, nothing skipped.
declare -A FRECORDS FDUPS
check_records() {
  local k=$1 size=$2 read parsed skipped dups gt
  read -r read parsed skipped dups < <(jq -r '.evidence.totals | "\(.records_read) \(.parsed) \(.skipped) \(.duplicates)"' "$3")
  gt=$(jq '.totals.records' "$4/ground-truth.json")
  [ "$read" = "$gt" ] || die "$k at $size: m365hunt read $read records, the simulator wrote $gt"
  [ "$parsed" = $((read - skipped)) ] || die "$k at $size: m365hunt read $read records, parsed $parsed, skipped $skipped"
  [ "$skipped" = 0 ] || die "$k at $size: m365hunt skipped $skipped of $read records"
  FRECORDS[$k@$size]=$read
  FDUPS[$k@$size]=$dups
}
# scan_rows KEY SIZE: m365hunt full scan of CORPUS/EVDIRS, default threads and --threads 1;
# run from the corpus folder on relative paths so that the findings hash does not depend on --work.
scan_rows() {
  local k=$1 size=$2
  measure "m365hunt-scan.$k@$size" "$RUNS" "$TMPD/report.$k.$size.json" \
    bash -c 'cd "$1" && exec "$2" scan --format json --no-progress "${@:3}"' _ "$CORPUS" "$BIN" "${EVDIRS[@]}"
  warm_all "$CORPUS" "${EVDIRS[@]}"
  measure "m365hunt-scan1.$k@$size" "$RUNS" "$TMPD/report1.$k.$size.json" \
    bash -c 'cd "$1" && exec "$2" scan --threads 1 --format json --no-progress "${@:3}"' _ "$CORPUS" "$BIN" "${EVDIRS[@]}"
  check_scans "$k" "$size" "$TMPD/report.$k.$size.json"
  check_records "$k" "$size" "$TMPD/report.$k.$size.json" "$CORPUS"
}
warm_all() { # CORPUS DIRS...: read every file once
  (cd "$1" && shift && find "$@" -type f -print0 | xargs -0 cat >/dev/null)
}

# format_block SIZE FORMAT: a corpus of one simulate format; cat, wc -l, m365hunt.
declare -A FBYTES FFILES FCBYTES
format_block() {
  local size=$1 f=$2 gtb
  make_corpus "$size" "$f"
  FFILES[$f@$size]=$(cd "$CORPUS" && find "${EVDIRS[@]}" -type f | wc -l)
  FBYTES[$f@$size]=$(cd "$CORPUS" && find "${EVDIRS[@]}" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s}')
  gtb=$(jq '.totals.bytes' "$CORPUS/ground-truth.json")
  [ "$gtb" = "${FBYTES[$f@$size]}" ] || die "$f at $size: ${FBYTES[$f@$size]} bytes on disk, ground-truth.json says $gtb"
  log "$size $f: ${FFILES[$f@$size]} files in ${EVDIRS[*]}, ${FBYTES[$f@$size]} bytes; warming the page cache"
  PREWARM=(warm_all "$CORPUS" "${EVDIRS[@]}")
  warm_all "$CORPUS" "${EVDIRS[@]}"
  warm_all "$CORPUS" "${EVDIRS[@]}"
  measure "cat.$f@$size" "$RUNS" /dev/null \
    bash -c 'cd "$1" && shift && find "$@" -type f -print0 | xargs -0 cat >/dev/null' _ "$CORPUS" "${EVDIRS[@]}"
  measure "wc.$f@$size" "$RUNS" "$TMPD/wc.$f.$size" \
    bash -c 'cd "$1" && shift && find "$@" -type f -print0 | wc -l --files0-from=- | tail -n 1' _ "$CORPUS" "${EVDIRS[@]}"
  warm_all "$CORPUS" "${EVDIRS[@]}"
  scan_rows "$f" "$size"
  {
    echo
    echo "== $size $f: ${FFILES[$f@$size]} files in ${EVDIRS[*]}/, ${FBYTES[$f@$size]} bytes, ${FRECORDS[$f@$size]} records (m365hunt = simulator's ground truth, ${FDUPS[$f@$size]} duplicates), $(awk '{print $1}' "$TMPD/wc.$f.$size") lines"
    echo "m365hunt findings by rule: $(cat "$TMPD/rules.$f.$size")"
    echo "m365hunt findings SHA-256 (jq -cS .findings | sha256sum; --threads 1 the same): ${FSHA[$f@$size]}"
    echo "load after $size $f: $(cut -d' ' -f1-3 /proc/loadavg)"
  } | tee -a "$RESULTS"
  drop_corpus "$CORPUS"
}

# zlib's own inflate (GNU gzip has its own): python3's zlib module, output discarded; every
# gzip member of every file named after the first argument, N, the number of worker processes
# (forked, files dealt round-robin: no start-up per batch).
PYTHON=$(command -v python3 || true)
# ISA-L's inflate, which m365hunt links for gzip, through its own command-line tool (Debian: isal).
IGZIP=$(command -v igzip || true)
PY_INFLATE='import os, sys, zlib
def inflate(paths):
    for p in paths:
        with open(p, "rb") as f:
            d = zlib.decompressobj(47)
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                while b:
                    d.decompress(b, 1 << 22)
                    b = d.unconsumed_tail
                    if d.eof:
                        b = d.unused_data + b
                        d = zlib.decompressobj(47)
                        if not b:
                            break
n, files = int(sys.argv[1]), sys.argv[2:]
kids = []
for i in range(n):
    pid = os.fork()
    if pid == 0:
        inflate(files[i::n])
        os._exit(0)
    kids.append(pid)
sys.exit(0 if all(os.waitpid(k, 0)[1] == 0 for k in kids) else 1)'

# same_as_plain KEY SIZE SED WHAT: KEY's findings at SIZE, the cited file names mended by SED
# (WHAT dropped from them), must hash as the plain UAL corpus's when that was measured; sets
# $same, the summary's line about it.
same_as_plain() {
  local k=$1 size=$2 fix=$3 what=$4 plain
  same="(the plain UAL corpus was not measured)"
  [ -n "${SHA[$size]:-}" ] || return 0
  plain=$(jq -cS '.findings' "$TMPD/report.$k.$size.json" | sed "$fix" | sha256sum | awk '{print $1}')
  [ "$plain" = "${SHA[$size]}" ] ||
    die "$k at $size: findings differ from the plain UAL corpus's (with $what dropped from file names: $plain, plain: ${SHA[$size]})"
  same="(with $what dropped from the cited file names: $plain, the same as the plain UAL corpus)"
}

# gzip_block SIZE: the UAL JSON Lines corpus gzip-compressed; zcat and zlib floors, m365hunt.
gzip_block() {
  local size=$1 f=gzip lines ubytes gtb batch nfiles same
  make_corpus "$size" gzip
  FFILES[$f@$size]=$(cd "$CORPUS" && find "${EVDIRS[@]}" -type f -name '*.gz' | wc -l)
  FCBYTES[$f@$size]=$(cd "$CORPUS" && find "${EVDIRS[@]}" -type f -name '*.gz' -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s}')
  log "$size gzip: ${FFILES[$f@$size]} files, ${FCBYTES[$f@$size]} bytes compressed; counting lines and bytes (zcat | wc, not timed)"
  read -r lines ubytes < <(cd "$CORPUS" && find "${EVDIRS[@]}" -type f -name '*.gz' -print0 | xargs -0 zcat | wc -lc)
  gtb=$(jq '.totals.bytes' "$CORPUS/ground-truth.json")
  [ "$gtb" = "$ubytes" ] || die "gzip at $size: zcat gives $ubytes bytes, ground-truth.json says $gtb"
  FBYTES[$f@$size]=$ubytes
  # batches of about files / (4 x CPUs): few processes, still balanced
  nfiles=${FFILES[$f@$size]}
  batch=$(( (nfiles + 4 * NCPU - 1) / (4 * NCPU) ))
  PREWARM=(warm_all "$CORPUS" "${EVDIRS[@]}")
  warm_all "$CORPUS" "${EVDIRS[@]}"
  measure "zcat.$f@$size" "$RUNS" /dev/null \
    bash -c 'cd "$1" && shift && find "$@" -type f -name "*.gz" -print0 | xargs -0 zcat >/dev/null' _ "$CORPUS" "${EVDIRS[@]}"
  measure "zcatp.$f@$size" "$RUNS" /dev/null \
    bash -c 'cd "$1" && p=$2 n=$3 && shift 3 && find "$@" -type f -name "*.gz" -print0 | xargs -0 -P "$p" -n "$n" zcat >/dev/null' \
    _ "$CORPUS" "$NCPU" "$batch" "${EVDIRS[@]}"
  if [ -n "$IGZIP" ]; then
    measure "igzip.$f@$size" "$RUNS" /dev/null \
      bash -c 'cd "$1" && z=$2 && shift 2 && find "$@" -type f -name "*.gz" -print0 | xargs -0 "$z" -dcq >/dev/null' \
      _ "$CORPUS" "$IGZIP" "${EVDIRS[@]}"
    measure "igzipp.$f@$size" "$RUNS" /dev/null \
      bash -c 'cd "$1" && z=$2 p=$3 n=$4 && shift 4 && find "$@" -type f -name "*.gz" -print0 | xargs -0 -P "$p" -n "$n" "$z" -dcq >/dev/null' \
      _ "$CORPUS" "$IGZIP" "$NCPU" "$batch" "${EVDIRS[@]}"
  fi
  if [ -n "$PYTHON" ]; then
    measure "zlib.$f@$size" "$RUNS" /dev/null \
      bash -c 'cd "$1" && py=$2 z=$3 && shift 3 && find "$@" -type f -name "*.gz" -print0 | xargs -0 "$py" -c "$z" 1' \
      _ "$CORPUS" "$PYTHON" "$PY_INFLATE" "${EVDIRS[@]}"
    measure "zlibp.$f@$size" "$RUNS" /dev/null \
      bash -c 'cd "$1" && p=$2 py=$3 z=$4 && shift 4 && find "$@" -type f -name "*.gz" -print0 | xargs -0 "$py" -c "$z" "$p"' \
      _ "$CORPUS" "$NCPU" "$PYTHON" "$PY_INFLATE" "${EVDIRS[@]}"
  fi
  warm_all "$CORPUS" "${EVDIRS[@]}"
  scan_rows "$f" "$size"
  [ "${FRECORDS[$f@$size]}" = "$lines" ] || die "gzip at $size: m365hunt read ${FRECORDS[$f@$size]} records, zcat | wc -l counts $lines lines"
  # The simulator writes the same records compressed or not: the findings must be the plain
  # corpus's, once the cited file names lose their .gz.
  same_as_plain "$f" "$size" 's/\.jsonl\.gz"/.jsonl"/g' .gz
  {
    echo
    echo "== $size gzip (UAL JSON Lines, simulate --gzip): ${FFILES[$f@$size]} files in ${EVDIRS[*]}/, ${FCBYTES[$f@$size]} bytes compressed, ${FBYTES[$f@$size]} uncompressed (ratio $(awk -v u="$ubytes" -v c="${FCBYTES[$f@$size]}" 'BEGIN {printf "%.2f", u / c}')), ${FRECORDS[$f@$size]} records (m365hunt = zcat | wc -l = ground truth)"
    echo "m365hunt findings by rule: $(cat "$TMPD/rules.$f.$size")"
    echo "m365hunt findings SHA-256 (jq -cS .findings | sha256sum; --threads 1 the same): ${FSHA[$f@$size]}"
    echo "  $same"
    echo "load after $size gzip: $(cut -d' ' -f1-3 /proc/loadavg)"
  } | tee -a "$RESULTS"
  drop_corpus "$CORPUS"
}

# zip_block SIZE: the UAL JSON Lines corpus as one ZIP archive, deflated as zip(1) and Windows'
# "Compressed (zipped) folder" write it; unzip -p (zlib) as the floor, m365hunt on the archive.
zip_block() {
  local size=$1 f=zip src stamp same
  make_corpus "$size" ual-jsonl
  src=$CORPUS
  CORPUS=$(corpus_dir "$size" zip)
  stamp="zip -q -r -6 ual.zip ual | $(cat "$src/.bench-complete")"
  if [ "$FRESH" = 1 ] || [ ! -f "$CORPUS/.bench-complete" ] || [ "$(cat "$CORPUS/.bench-complete")" != "$stamp" ]; then
    log "zipping the $size UAL JSON Lines corpus into $CORPUS/ual.zip"
    rm -rf "$CORPUS"
    mkdir -p "$CORPUS"
    (cd "$src" && zip -q -r -6 "$CORPUS/ual.zip" ual) || die "zip failed"
    cp "$src/ground-truth.json" "$CORPUS/"
    printf '%s\n' "$stamp" >"$CORPUS/.bench-complete"
  else
    log "using cached archive $CORPUS/ual.zip"
  fi
  EVDIRS=(ual.zip)
  FFILES[$f@$size]=$(find "$src/ual" -type f | wc -l)
  FCBYTES[$f@$size]=$(stat -c %s "$CORPUS/ual.zip")
  FBYTES[$f@$size]=$(find "$src/ual" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s}')
  PREWARM=(warm_all "$CORPUS" ual.zip)
  warm_all "$CORPUS" ual.zip
  measure "unzip.$f@$size" "$RUNS" /dev/null bash -c 'unzip -p "$1" >/dev/null' _ "$CORPUS/ual.zip"
  warm_all "$CORPUS" ual.zip
  scan_rows "$f" "$size"
  # The same files: the findings must be the plain corpus's once the archive leaves the names.
  same_as_plain "$f" "$size" 's|"ual\.zip/ual/|"ual/|g' ual.zip/
  {
    echo
    echo "== $size zip (UAL JSON Lines, zip -r -6): ${FFILES[$f@$size]} members, ${FCBYTES[$f@$size]} bytes compressed, ${FBYTES[$f@$size]} uncompressed, ${FRECORDS[$f@$size]} records (m365hunt = ground truth)"
    echo "m365hunt findings by rule: $(cat "$TMPD/rules.$f.$size")"
    echo "m365hunt findings SHA-256 (jq -cS .findings | sha256sum; --threads 1 the same): ${FSHA[$f@$size]}"
    echo "  $same"
    echo "load after $size zip: $(cut -d' ' -f1-3 /proc/loadavg)"
  } | tee -a "$RESULTS"
  drop_corpus "$CORPUS"
}

# tar_block SIZE FORMAT: the UAL JSON Lines corpus as one tar archive, plain (tar) or gzipped
# (tar-gz, gzip -6 as tar -z writes it); reading the archive (cat) or decompressing it
# (tar -xzO, zlib through gzip) as the floor, m365hunt on the archive.
tar_block() {
  local size=$1 f=$2 src stamp same name=ual.tar flag=-c
  [ "$f" = tar-gz ] && name=ual.tar.gz && flag=-cz
  make_corpus "$size" ual-jsonl
  src=$CORPUS
  CORPUS=$(corpus_dir "$size" "$f")
  stamp="tar $flag ual | $(cat "$src/.bench-complete")"
  if [ "$FRESH" = 1 ] || [ ! -f "$CORPUS/.bench-complete" ] || [ "$(cat "$CORPUS/.bench-complete")" != "$stamp" ]; then
    log "packing the $size UAL JSON Lines corpus into $CORPUS/$name"
    rm -rf "$CORPUS"
    mkdir -p "$CORPUS"
    tar "$flag" -f "$CORPUS/$name" -C "$src" ual || die "tar failed"
    cp "$src/ground-truth.json" "$CORPUS/"
    printf '%s\n' "$stamp" >"$CORPUS/.bench-complete"
  else
    log "using cached archive $CORPUS/$name"
  fi
  EVDIRS=("$name")
  FFILES[$f@$size]=$(find "$src/ual" -type f | wc -l)
  FCBYTES[$f@$size]=$(stat -c %s "$CORPUS/$name")
  FBYTES[$f@$size]=$(find "$src/ual" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s}')
  PREWARM=(warm_all "$CORPUS" "$name")
  warm_all "$CORPUS" "$name"
  if [ "$f" = tar ]; then
    measure "cat.$f@$size" "$RUNS" /dev/null bash -c 'cat "$1" >/dev/null' _ "$CORPUS/$name"
  else
    measure "untar.$f@$size" "$RUNS" /dev/null bash -c 'tar -xzOf "$1" >/dev/null' _ "$CORPUS/$name"
  fi
  warm_all "$CORPUS" "$name"
  scan_rows "$f" "$size"
  same_as_plain "$f" "$size" "s|\"$name/ual/|\"ual/|g" "$name/"
  {
    echo
    echo "== $size $f (UAL JSON Lines, tar $flag): ${FFILES[$f@$size]} members, ${FCBYTES[$f@$size]} bytes on disk, ${FBYTES[$f@$size]} unpacked, ${FRECORDS[$f@$size]} records (m365hunt = ground truth)"
    echo "m365hunt findings by rule: $(cat "$TMPD/rules.$f.$size")"
    echo "m365hunt findings SHA-256 (jq -cS .findings | sha256sum; --threads 1 the same): ${FSHA[$f@$size]}"
    echo "  $same"
    echo "load after $size $f: $(cut -d' ' -f1-3 /proc/loadavg)"
  } | tee -a "$RESULTS"
  drop_corpus "$CORPUS"
}

declare -A BYTES RECORDS SPRAY_ROWS SHA
for size in "${SIZE_LIST[@]}"; do
  if want ual-jsonl; then
    # --- the corpus, cached ---------------------------------------------------------------------
    make_corpus "$size" ual-jsonl
    corpus=$CORPUS
    ual=$corpus/ual
    files=$(find "$ual" -name '*.jsonl' | wc -l)
    BYTES[$size]=$(find "$ual" -name '*.jsonl' -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s}')
    log "$size: $files files, ${BYTES[$size]} bytes; warming the page cache"
    PREWARM=(warm "$ual")
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

    drop_corpus "$corpus"
  fi
  # --- other formats, then gzip --------------------------------------------------------------------
  for f in "${FMT_LIST[@]}"; do
    case $f in
      ual-jsonl) ;;
      gzip) gzip_block "$size" ;;
      zip) zip_block "$size" ;;
      tar|tar-gz) tar_block "$size" "$f" ;;
      *) format_block "$size" "$f" ;;
    esac
  done
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
    cat|cat.*) echo "cat|read every file" ;;
    wc|wc.*) echo "wc -l|count lines" ;;
    zcat.*) echo "zcat|decompress every file (xargs -0 zcat)" ;;
    zcatp.*) echo "zcat|the same, $NCPU in parallel (xargs -P $NCPU)" ;;
    igzip.*) echo "igzip|decompress every file (xargs -0 igzip -dc)" ;;
    igzipp.*) echo "igzip|the same, $NCPU in parallel (xargs -P $NCPU)" ;;
    zlib.*) echo "zlib|inflate every file (python3 zlib module)" ;;
    zlibp.*) echo "zlib|the same, $NCPU processes (fork)" ;;
    unzip.*) echo "unzip|inflate every member (unzip -p, zlib)" ;;
    untar.*) echo "tar|unpack every member to nowhere (tar -xzO, gzip -d)" ;;
    m365hunt-scan|m365hunt-scan.*) echo "m365hunt|full scan, all detections (--format json)" ;;
    m365hunt-scan1|m365hunt-scan1.*) echo "m365hunt|the same, one reading thread (--threads 1)" ;;
    m365hunt-events-spray) echo "m365hunt|spray via scan --events | grep | jq" ;;
    duckdb-start) echo "duckdb|SELECT 1 (node + DuckDB start-up)" ;;
    duckdb-spray) echo "duckdb|spray aggregation (read_json)" ;;
    jq-spray) echo "jq|spray aggregation" ;;
  esac
}
# rows SIZE BYTES BASEKEY KEY...: one table row per key; BASEKEY (without @SIZE) is the ratio's
# denominator. With CBYTES set (compressed bytes), a "GB/s gz" column is added.
rows() {
  local size=$1 bytes=$2 base w r c t tool query; shift 2
  read -r base _ < <(stats "$1@$size"); shift
  for t in "$@"; do
    read -r w r c < <(stats "$t@$size")
    IFS='|' read -r tool query < <(label "$t")
    # start-up reads no data: no throughput
    awk -v tool="$tool" -v q="$query" -v w="$w" -v r="$r" -v c="$c" -v b="$bytes" -v base="$base" -v t="$t" -v cb="${CBYTES:-}" \
      'BEGIN {gbs = t == "duckdb-start" ? "-" : sprintf("%.3f", b / w / 1e9);
              printf "%-9s %-46s %10.3f %8s", tool, q, w, gbs;
              if (cb != "") printf " %8.3f", cb / w / 1e9;
              printf " %14.1f %9.2f %8.2f\n", r / 1024, w / base, c}'
  done
}
header() {
  printf '%-9s %-46s %10s %8s' tool query "wall s" "GB/s"
  [ -n "${CBYTES:-}" ] && printf ' %8s' "GB/s gz"
  printf ' %14s %9s %8s\n' "peak RSS MiB" ratio "CPU s"
}
TOOLS=(cat wc m365hunt-scan m365hunt-scan1 m365hunt-events-spray duckdb-start duckdb-spray jq-spray)
{
  for size in "${SIZE_LIST[@]}"; do
    if want ual-jsonl; then
      echo
      echo "== results at $size (${BYTES[$size]} bytes; wall = median of runs, GB/s = 10^9 bytes / wall,"
      echo "   peak RSS = largest over runs, ratio = wall / m365hunt full-scan wall: > 1 means m365hunt is faster,
   CPU s = median user + system seconds of all processes)"
      CBYTES='' header
      CBYTES='' rows "$size" "${BYTES[$size]}" m365hunt-scan "${TOOLS[@]}"
    fi
    for f in "${FMT_LIST[@]}"; do
      case $f in
        ual-jsonl) ;;
        gzip|zip|tar|tar-gz)
          echo
          echo "== $f at $size: UAL JSON Lines, ${FCBYTES[$f@$size]} bytes compressed, ${FBYTES[$f@$size]} uncompressed"
          echo "   (GB/s = uncompressed 10^9 bytes / wall, GB/s gz = compressed; ratio = wall / m365hunt full-scan wall)"
          CBYTES=${FCBYTES[$f@$size]} header
          if [ "$f" = zip ]; then
            floors=("unzip.$f")
          elif [ "$f" = tar ]; then
            floors=("cat.$f")
          elif [ "$f" = tar-gz ]; then
            floors=("untar.$f")
          else
            floors=("zcat.$f" "zcatp.$f")
            [ -n "$IGZIP" ] && floors+=("igzip.$f" "igzipp.$f")
            [ -n "$PYTHON" ] && floors+=("zlib.$f" "zlibp.$f")
          fi
          CBYTES=${FCBYTES[$f@$size]} rows "$size" "${FBYTES[$f@$size]}" "m365hunt-scan.$f" \
            "${floors[@]}" "m365hunt-scan.$f" "m365hunt-scan1.$f"
          read -r w1 _ < <(stats "m365hunt-scan.$f@$size")
          read -r w3 _ < <(stats "m365hunt-scan1.$f@$size")
          for z in "${floors[@]}"; do
            read -r wz _ < <(stats "$z@$size")
            IFS='|' read -r tool query < <(label "$z")
            case $z in
              zcatp.*|igzipp.*|zlibp.*) awk -v a="$w1" -v b="$wz" -v t="$tool" -v n="$NCPU" 'BEGIN {
                      printf "m365hunt (default threads) / %s x %d in parallel: %.2f\n", t, n, a / b}' ;;
              cat.*) ;; # a plain tar: reading it is no floor for a scan
              *) awk -v a="$w3" -v b="$wz" -v t="$tool" 'BEGIN {
                      printf "m365hunt --threads 1 / one %s: %.2f\n", t, a / b}' ;;
            esac
          done
          [ "$f" = tar ] ||
            echo "(wall ratios; 1.00 = as fast as decompressing alone, i.e. limited by inflate)"
          ;;
        *)
          echo
          echo "== $f at $size: ${FBYTES[$f@$size]} bytes, ${FRECORDS[$f@$size]} records (ratio = wall / m365hunt full-scan wall on $f)"
          CBYTES='' header
          CBYTES='' rows "$size" "${FBYTES[$f@$size]}" "m365hunt-scan.$f" \
            "cat.$f" "wc.$f" "m365hunt-scan.$f" "m365hunt-scan1.$f"
          ;;
      esac
    done
  done
  if [ "${#SIZE_LIST[@]}" -gt 1 ]; then
    if want ual-jsonl; then
      echo
      echo "== linearity (UAL JSON Lines): wall seconds per GiB (2^30 bytes); m365hunt full scan's peak RSS"
      printf '%-8s' size
      for t in m365hunt-scan duckdb-spray jq-spray cat; do printf ' %16s' "$t"; done
      printf ' %16s %16s\n' "m365hunt MiB" "MiB per GiB"
      for size in "${SIZE_LIST[@]}"; do
        printf '%-8s' "$size"
        for t in m365hunt-scan duckdb-spray jq-spray cat; do
          read -r w _ < <(stats "$t@$size")
          awk -v w="$w" -v b="${BYTES[$size]}" 'BEGIN {printf " %16.3f", w / (b / 1073741824)}'
        done
        read -r _ r _ < <(stats "m365hunt-scan@$size")
        awk -v r="$r" -v b="${BYTES[$size]}" 'BEGIN {printf " %16.1f %16.1f\n", r / 1024, r / 1024 / (b / 1073741824)}'
      done
    fi
    others=()
    for f in "${FMT_LIST[@]}"; do [ "$f" = ual-jsonl ] || others+=("$f"); done
    if [ "${#others[@]}" -gt 0 ]; then
      echo
      echo "== linearity, other formats: m365hunt full scan (GiB = 2^30 bytes; for gzip, uncompressed bytes)"
      printf '%-8s %-16s %12s %12s %14s %12s\n' size format "wall s/GiB" "CPU s/GiB" "peak RSS MiB" "MiB per GiB"
      for f in "${others[@]}"; do
        for size in "${SIZE_LIST[@]}"; do
          read -r w r c < <(stats "m365hunt-scan.$f@$size")
          awk -v s="$size" -v f="$f" -v w="$w" -v r="$r" -v c="$c" -v b="${FBYTES[$f@$size]}" \
            'BEGIN {g = b / 1073741824; printf "%-8s %-16s %12.3f %12.3f %14.1f %12.1f\n", s, f, w / g, c / g, r / 1024, r / 1024 / g}'
        done
      done
    fi
  fi
  echo
  echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "raw runs (key wall_s peak_rss_kib cpu_s):"
  sed 's/^/  /' "$RAW"
} | tee -a "$RESULTS"
log "results written to $RESULTS"
