# Shared by the ingestion benchmarks: source it after setting $port. It
# gives the script a scratch directory, $work, removed on exit together
# with any server the script left running.
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# Events mqlgate has stored so far (duplicates and rejections are not counted).
stored() { python3 -c "import urllib.request; print(next(int(float(l.split()[1])) for l in urllib.request.urlopen('http://127.0.0.1:$port/metrics').read().decode().splitlines() if l.startswith('mqlgate_events_ingested_total ')))"; }

# Waits until something listens on $port (up to 10 s).
wait_for_port() { for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && return; sleep 0.1; done; }
