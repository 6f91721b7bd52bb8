#!/usr/bin/env bash
# bench/peak-rss.sh CMD...: runs CMD and prints the peak RSS (VmHWM) of its process and of each
# child and grandchild (the embedded stores), sampled every 0.5 s; then the wall time and exit code.
# Example: bench/peak-rss.sh node bin/bulletin.mjs --state-dir /tmp/s ingest big.csv
"$@" &
pid=$!
declare -A peak name
start=$(date +%s%N)
while kill -0 $pid 2>/dev/null; do
  for p in $pid $(pgrep -P $pid) $(for c in $(pgrep -P $pid); do pgrep -P $c; done); do
    h=$(awk '/VmHWM/{print $2}' /proc/$p/status 2>/dev/null)
    [ -n "$h" ] || continue
    [ "${peak[$p]:-0}" -lt "$h" ] && peak[$p]=$h && name[$p]=$(tr '\0' ' ' < /proc/$p/cmdline | cut -c1-90)
  done
  sleep 0.5
done
wait $pid; rc=$?
end=$(date +%s%N)
for p in "${!peak[@]}"; do echo "peak RSS $((peak[$p]/1024)) MB  pid $p  ${name[$p]}"; done
echo "wall $(( (end - start) / 1000000 )) ms, exit $rc"
