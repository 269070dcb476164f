#!/usr/bin/env bash
# Instructions a scan executes, counted exactly (valgrind --tool=callgrind, one thread), on fixed
# slices of the bench's 1 GiB corpora: a way to compare two builds that does not depend on what
# else the machine is doing, where wall times move by a fifth between runs. See bench/README.md.
#
#   bench/instructions.sh [--work DIR] [--every N] BIN [BIN...]
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/instructions.sh [OPTIONS] BIN [BIN...]

Counts the instructions `BIN scan --threads 1` executes on slices of the corpora that
bench/run.sh made (every Nth file of WORK/corpus/1G-seed1/ual, of the graph-json corpus and of the
purview-new corpus, those present), and prints one line per binary and slice.

  --work DIR   the bench's work folder (default /tmp/m365hunt-bench)
  --every N    take every Nth file (default 20)
  -h, --help   this text
EOF
}

die() { printf 'INSTRUCTIONS FAILED: %s\n' "$*" >&2; exit 1; }

WORK=/tmp/m365hunt-bench
EVERY=20
BINS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --work) WORK=${2:?}; shift 2 ;;
    --every) EVERY=${2:?}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option $1" ;;
    *) BINS+=("$1"); shift ;;
  esac
done
[ ${#BINS[@]} -gt 0 ] || { usage >&2; die "give at least one binary"; }
[[ "$EVERY" =~ ^[1-9][0-9]*$ ]] || die "--every wants a positive number, not '$EVERY'"
command -v valgrind >/dev/null || die "valgrind is missing (Debian: valgrind)"
for b in "${BINS[@]}"; do
  [ -x "$b" ] || die "not an executable: $b"
done

# slice NAME DIR: a folder of links to every EVERY-th file of DIR (sorted by name).
SLICES=$(mktemp -d)
trap 'rm -rf "$SLICES"' EXIT
slice() {
  local name=$1 dir=$2
  [ -d "$dir" ] || return 0
  mkdir -p "$SLICES/$name"
  find "$dir" -maxdepth 1 -type f -print0 | LC_ALL=C sort -z |
    awk -v RS='\0' -v ORS='\0' -v n="$EVERY" 'NR % n == 0' |
    xargs -0 -r ln -s -t "$SLICES/$name"
}
slice ual "$WORK/corpus/1G-seed1/ual"
slice graph "$WORK/corpus/1G-seed1-graph-json/entra"
slice purview "$WORK/corpus/1G-seed1-purview-new/purview"
[ -n "$(ls -A "$SLICES")" ] || die "no corpus in $WORK/corpus: run bench/run.sh --sizes 1G first"

printf '%-10s %8s %10s %16s  %s\n' slice files MB instructions binary
for name in ual graph purview; do
  [ -d "$SLICES/$name" ] || continue
  files=$(find -L "$SLICES/$name" -type f | wc -l)
  mb=$(find -L "$SLICES/$name" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.1f", s / 1e6}')
  for b in "${BINS[@]}"; do
    out="$SLICES/callgrind.out"
    valgrind --tool=callgrind --callgrind-out-file="$out" \
      "$b" scan --no-progress --format json --threads 1 "$SLICES/$name" >/dev/null 2>"$SLICES/err" ||
      true # the scan's exit code says whether it found something
    total=$(awk '/^summary:/ {print $2}' "$out")
    [ -n "$total" ] || { cat "$SLICES/err" >&2; die "no count for $b on $name"; }
    printf '%-10s %8d %10s %16d  %s\n' "$name" "$files" "$mb" "$total" "$b"
    rm -f "$out"
  done
done
