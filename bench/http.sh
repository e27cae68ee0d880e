#!/usr/bin/env bash
# HTTP benchmark on this machine, wrk -t1 keep-alive against 127.0.0.1:
#  1. GET /healthz on mqlgate, on a Hummingbird 2 peer and on nginx (return 204),
#     -c64, in interleaved rounds (the machine's load drifts; medians are printed);
#  2. the memory cost of 10,000 idle keep-alive connections to mqlgate;
#  3. POST /v1/events, one small event per request, -c64: mqlgate durable and
#     scored vs the Hummingbird peer decoding the JSON and answering 202, in
#     interleaved rounds (who goes first alternates; medians are printed);
#  4. batched ingestion: 1,000 events per request, -c4, durable (events/s),
#     in rounds on the same growing store (the median is printed).
# Every wrk run gets event_ids of its own, and ingestion figures count the
# events mqlgate stored (mqlgate_events_ingested_total), not requests, so a
# duplicate can never pass for an ingested event.
#   bench/http.sh [seconds per run] [rounds]     defaults 10 and 3
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
rounds="${2:-3}"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

for tool in wrk nginx python3; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install wrk nginx-light)"; exit 1; }
done
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [ -z "${BENCH_SKIP_BUILD:-}" ]; then   # set it to reuse release binaries already built
  echo "building mqlgate and the Hummingbird peer (release)..."
  swift build -c release --product mqlgate >/dev/null
  (cd bench/hummingbird-peer && swift build -c release >/dev/null)
fi

wait_port() { for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened"; exit 1; }
rate() { wrk -t1 -c64 -d"${duration}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
# "req/s p50-ms p99-ms non-2xx" of one scripted run; $4 names the run's event ids
scripted() {
  wrk -t1 -c"$2" -d"${duration}s" --latency -s "$3" "$1" -- "$4" | awk '
    function ms(v) { if (v ~ /us$/) {sub(/us/,"",v); return v/1000} if (v ~ /ms$/) {sub(/ms/,"",v); return v} sub(/s/,"",v); return v*1000 }
    /Requests\/sec/ {rps=$2}
    /^ +50%/ {p50=ms($2)}
    /^ +99%/ {p99=ms($2)}
    /Non-2xx/ {errors=$NF}
    END {printf "%s %s %s %s\n", rps, p50, p99, (errors == "" ? 0 : errors)}'
}
# a counter from mqlgate's /metrics
metric() { python3 -c "import sys,urllib.request; print(next((l.split()[1] for l in urllib.request.urlopen('http://127.0.0.1:18180/metrics').read().decode().splitlines() if l.startswith(sys.argv[1] + ' ')), '0'))" "$1"; }
run_id() { echo "$1-$(date +%s%N)"; }

# All three servers up at once; only the one under load uses the CPU.
.build/release/mqlgate serve --port 18180 --data-dir "$work/data" >/dev/null 2>&1 &
mqlgate_pid=$!
bench/hummingbird-peer/.build/release/HummingbirdPeer 18181 >/dev/null 2>&1 &
mkdir -p "$work/tmp"
sed -e "s|__DIR__|$work|g" -e "s|__PORT__|18182|g" bench/nginx.conf > "$work/nginx.conf"
nginx -c "$work/nginx.conf" -p "$work" 2>/dev/null &
for port in 18180 18181 18182; do wait_port "$port"; done
for url in http://127.0.0.1:18180/healthz http://127.0.0.1:18181/healthz http://127.0.0.1:18182/; do rate "$url" >/dev/null; done

m=(); h=(); n=()
for round in $(seq "$rounds"); do
  m+=("$(rate http://127.0.0.1:18180/healthz)")
  h+=("$(rate http://127.0.0.1:18181/healthz)")
  n+=("$(rate http://127.0.0.1:18182/)")
  echo "  round $round: mqlgate ${m[-1]}  hummingbird ${h[-1]}  nginx ${n[-1]}"
done
mqlgate=$(median "${m[@]}"); hummingbird=$(median "${h[@]}"); nginx_rate=$(median "${n[@]}")

idle=$(python3 bench/idle_connections.py "$mqlgate_pid" 18180 10000)

sleep 5   # let writeback from earlier runs settle: the disk is shared
scripted http://127.0.0.1:18180 64 bench/wrk/event.lua "$(run_id warm)" >/dev/null
# One round: "req/s p50 p99 non-2xx" for mqlgate, then the same for the peer, then events mqlgate stored.
event_round() {
  local before mine peer
  before=$(metric mqlgate_events_ingested_total)
  if [ $(( $1 % 2 )) = 1 ]; then
    mine=$(scripted http://127.0.0.1:18180 64 bench/wrk/event.lua "$(run_id single)")
    peer=$(scripted http://127.0.0.1:18181 64 bench/wrk/event.lua "$(run_id peer)")
  else
    peer=$(scripted http://127.0.0.1:18181 64 bench/wrk/event.lua "$(run_id peer)")
    mine=$(scripted http://127.0.0.1:18180 64 bench/wrk/event.lua "$(run_id single)")
  fi
  echo "$mine $peer $(( $(metric mqlgate_events_ingested_total | cut -d. -f1) - ${before%.*} ))"
}
er=(); ep50=(); ep99=(); hr=(); hp50=(); hp99=(); events_errors=0; hb_errors=0; stored_single=0
for round in $(seq "$rounds"); do
  read -r r1 a1 b1 e1 r2 a2 b2 e2 stored < <(event_round "$round")
  er+=("$r1"); ep50+=("$a1"); ep99+=("$b1"); hr+=("$r2"); hp50+=("$a2"); hp99+=("$b2")
  events_errors=$(( events_errors + e1 )); hb_errors=$(( hb_errors + e2 )); stored_single=$(( stored_single + stored ))
  echo "  events round $round: mqlgate $r1 req/s (p99 $b1 ms, $stored stored)  hummingbird $r2 req/s (p99 $b2 ms)"
done
events_rps=$(median "${er[@]}"); events_p50=$(median "${ep50[@]}"); events_p99=$(median "${ep99[@]}")
hb_events_rps=$(median "${hr[@]}"); hb_events_p50=$(median "${hp50[@]}"); hb_events_p99=$(median "${hp99[@]}")
# Batches in rounds too: one run alone is at the mercy of the host's moment.
br=(); duplicates=0
for round in $(seq "$rounds"); do
  stored_before=$(metric mqlgate_events_ingested_total)
  duplicates_before=$(metric mqlgate_event_duplicates_total)
  wrk -t1 -c4 -d"${duration}s" -s bench/wrk/batch.lua http://127.0.0.1:18180 -- "$(run_id batch)" >/dev/null
  stored_batch=$(( $(metric mqlgate_events_ingested_total | cut -d. -f1) - ${stored_before%.*} ))
  duplicates=$(( duplicates + $(metric mqlgate_event_duplicates_total | cut -d. -f1) - ${duplicates_before%.*} ))
  br+=("$(( stored_batch / duration ))")
  echo "  batch round $round: mqlgate ${br[-1]} events/s stored"
done
batch=$(median "${br[@]}")

printf '\nGET /healthz, wrk -t1 -c64 -d%ss, keep-alive, median of %s rounds\n' "$duration" "$rounds"
printf '  %-22s %12s req/s\n' mqlgate "$mqlgate" "Hummingbird 2" "$hummingbird" "nginx (return 204)" "$nginx_rate"
awk -v m="$mqlgate" -v h="$hummingbird" -v n="$nginx_rate" 'BEGIN {
  printf "  mqlgate / Hummingbird = %.2fx (target >= 2.0x)\n", m / h
  printf "  mqlgate / nginx       = %.2fx (target >= 0.6x)\n", m / n }'
echo "  $idle"
printf '\nPOST /v1/events, one event per request, wrk -t1 -c64 -d%ss, median of %s rounds\n' "$duration" "$rounds"
printf '  %-36s %10s req/s  p50 %s ms  p99 %s ms  (all rounds: non-2xx %s, events stored %s)\n' \
  "mqlgate (durable, scored, synced)" "$events_rps" "$events_p50" "$events_p99" "$events_errors" "$stored_single" \
  "Hummingbird 2 (decode JSON, 202)" "$hb_events_rps" "$hb_events_p50" "$hb_events_p99" "$hb_errors" "none"
awk -v m="$events_rps" -v h="$hb_events_rps" 'BEGIN { printf "  mqlgate / Hummingbird = %.2fx (target >= 1.0x, p99 <= 10 ms)\n", m / h }'
printf '\nPOST /v1/events, 1,000 events per request, wrk -t1 -c4 -d%ss, median of %s rounds\n' "$duration" "$rounds"
printf '  mqlgate durable batched ingestion: %s events/s stored (target >= 200,000; duplicates: %s)\n' "$batch" "$duplicates"
