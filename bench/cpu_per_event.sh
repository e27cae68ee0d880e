#!/usr/bin/env bash
# CPU time per stored event, by mqlgate thread, for each binary: one 10 s
# batch run (1,000 events per request, -c4) and one 10 s single-event run
# (-c64), each on a fresh data directory after a 3 s warm-up. On a machine
# whose throughput moves 2x between minutes, CPU µs per event moves far
# less, so it shows what a change saved where req/s cannot.
#   bench/cpu_per_event.sh [BINARY ...]     default .build/release/mqlgate
# Compare two builds in the order A B B A.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$#" -gt 0 ] || set -- .build/release/mqlgate
port=18192
. bench/lib.sh

# "name ticks" per thread; event-loop threads are summed as http1.loop.
snapshot() {
  for task in /proc/"$1"/task/*; do
    name=$(cat "$task/comm"); case $name in http1.loop.*) name=loops;; mqlgate.*) ;; *) name=other;; esac
    echo "$name $(awk '{print $14 + $15}' "$task/stat")"
  done | awk '{t[$1] += $2} END {for (n in t) print n, t[n]}' | sort
}

for binary in "$@"; do
  for load in batch event; do
    if [ "$load" = batch ]; then clients=4; else clients=64; fi
    rm -rf "$work/data"
    sleep 3   # writeback from the previous run shares the disk
    "$binary" serve --port "$port" --data-dir "$work/data" >/dev/null 2>&1 &
    server=$!
    wait_for_port
    wrk -t1 -c$clients -d3s -s bench/wrk/$load.lua "http://127.0.0.1:$port" -- "warm-$(date +%s%N)" >/dev/null
    before=$(stored); snapshot $server > "$work/before"
    figures=$(wrk -t1 -c$clients -d10s --latency -s bench/wrk/$load.lua "http://127.0.0.1:$port" -- "run-$(date +%s%N)" |
      awk '/^ +99%/ {p99=$2} END {printf "p99 %s", p99}')
    snapshot $server > "$work/after"; events=$(( $(stored) - before ))
    ticks=$(getconf CLK_TCK)
    costs=$(join "$work/before" "$work/after" | awk -v n=$events -v hz=$ticks \
      '{c = ($3 - $2) / hz * 1e6 / (n > 0 ? n : 1); all += c; if (c >= 0.05) printf " %s %.1f", $1, c} END {printf ", all %.1f", all}')
    echo "$binary $load: $(( events / 10 )) events stored/s, $figures | CPU µs per event:$costs"
    kill "$server"; wait "$server" 2>/dev/null || true
  done
done
