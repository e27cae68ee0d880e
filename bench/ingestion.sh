#!/usr/bin/env bash
# Durable ingestion of one or more mqlgate binaries, each on a fresh data
# directory: a 3 s warm-up, two 10 s single-event runs (wrk -t1 -c64) and
# two 10 s batch runs (1,000 events per request, -c4), with event ids of
# their own on every run; events stored are read from /metrics.
#   bench/ingestion.sh [BINARY ...]     default .build/release/mqlgate
# Comparing two builds: run them back to back, then in the other order.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$#" -gt 0 ] || set -- .build/release/mqlgate
port=18190
. bench/lib.sh

run_id() { echo "$1-$(date +%s%N)"; }

for binary in "$@"; do
  rm -rf "$work/data"
  sleep 5   # writeback from the previous binary's runs shares the disk
  "$binary" serve --port "$port" --data-dir "$work/data" >/dev/null 2>&1 &
  server=$!
  wait_for_port
  wrk -t1 -c64 -d3s -s bench/wrk/event.lua "http://127.0.0.1:$port" -- "$(run_id warm)" >/dev/null
  for _ in 1 2; do
    before=$(stored)
    figures=$(wrk -t1 -c64 -d10s --latency -s bench/wrk/event.lua "http://127.0.0.1:$port" -- "$(run_id single)" |
      awk '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {printf "%s req/s, p50 %s, p99 %s", r, p50, p99}')
    echo "$binary single events: $figures, $(( ($(stored) - before) / 10 )) events stored/s"
  done
  for _ in 1 2; do
    before=$(stored)
    wrk -t1 -c4 -d10s -s bench/wrk/batch.lua "http://127.0.0.1:$port" -- "$(run_id batch)" >/dev/null
    echo "$binary batches of 1,000: $(( ($(stored) - before) / 10 )) events stored/s"
  done
  kill "$server"; wait "$server" 2>/dev/null || true
done
