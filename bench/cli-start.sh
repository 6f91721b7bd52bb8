#!/bin/bash
# Start-up of the command line (issue 16.4): the median (min, max) of 7 runs of `--help`,
# `--version`, `list` with no stack running (cold: the stores' process starts and stops) and
# `list` beside `bulletin serve` (warm: the running stack is used). Prints the load average
# before and after: the figures mean something only on a quiet machine.
# Usage: bench/cli-start.sh [runs]   (BULLETIN="npx bulletin" to time through npx)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-7}
read -r -a CMD <<<"${BULLETIN:-node bin/bulletin.mjs}"
STATE=$(mktemp -d)
trap 'kill $SERVE 2>/dev/null || true; rm -rf "$STATE"' EXIT
SERVE=

med() {
  for _ in $(seq "$N"); do
    /usr/bin/env time -f "%e" "$@" 2>&1 >/dev/null | tail -1
  done | sort -n | awk '{a[NR]=$1} END {printf "%.2f s (min %.2f, max %.2f)\n", a[int((NR+1)/2)], a[1], a[NR]}'
}

"${CMD[@]}" --version >/dev/null # builds the CLI if a source changed
echo "load average   $(cut -d' ' -f1-3 /proc/loadavg)"
echo "--help         $(med "${CMD[@]}" --help)"
echo "--version      $(med "${CMD[@]}" --version)"
echo "list (cold)    $(med "${CMD[@]}" --state-dir "$STATE" list)"
# The server that holds the stack runs as node itself: through npx, killing npx would leave it.
node bin/bulletin.mjs --state-dir "$STATE" serve --port 0 >/dev/null 2>&1 &
SERVE=$!
for _ in $(seq 150); do
  grep -q '"state": *"ready"' "$STATE/stack.lock" 2>/dev/null && break
  sleep 0.2
done
sleep 2
echo "list (warm)    $(med "${CMD[@]}" --state-dir "$STATE" list)"
echo "load average   $(cut -d' ' -f1-3 /proc/loadavg)"
