#!/bin/sh
# Throughput and peak memory of dnshound on generated logs (bench/gen-dnslog,
# all attack scenarios injected). Machines here are small and noisy: each
# figure is the median of RUNS runs, and a baseline without detectors
# (--emit events to /dev/null: parse, normalize and serialize every event)
# runs beside the detection run so the two can be compared.
#
#   sh bench/run.sh [BUILD_DIR]
#   EVENTS=5000000 CLIENTS=50000 DOMAINS=500000 RUNS=3 OTHER_EVENTS=1000000 sh bench/run.sh
#
# The main figure is Zeek TSV at EVENTS; Zeek JSON and EVE run at OTHER_EVENTS
# (their files are 2-5 times larger per event).
set -eu
BUILD=${1:-build}
DH=$BUILD/dnshound
GEN=$BUILD/bench/gen-dnslog
EVENTS=${EVENTS:-5000000}
OTHER_EVENTS=${OTHER_EVENTS:-1000000}
CLIENTS=${CLIENTS:-50000}
DOMAINS=${DOMAINS:-500000}
RUNS=${RUNS:-3}
W=$(mktemp -d /tmp/dh-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

measure() { # format file
    for mode in events detections; do
        /usr/bin/python3 - "$DH" "$2" "$mode" "$RUNS" "$1" "$W/stats.json" <<'PY'
import json, os, statistics, subprocess, sys, time
dh, path, mode, runs, fmt, stats = sys.argv[1:7]
times, peaks = [], []
for _ in range(int(runs)):
    t0 = time.perf_counter()
    p = subprocess.Popen([dh, '-q', '--no-state', '--emit', mode, '-o', '/dev/null', '--stats', stats, path])
    _, status, ru = os.wait4(p.pid, 0)
    times.append(time.perf_counter() - t0)
    peaks.append(ru.ru_maxrss)
    if status != 0:
        sys.exit(f"dnshound exited {status}")
st = json.load(open(stats))
s = st['input']
size = os.path.getsize(path) / 1e6
t = statistics.median(times)
label = "emit events" if mode == "events" else "all detectors"
extra = ''
if 'state' in st:
    extra = (f"  state peak {st['state']['peak_bytes']/2**20:.1f} MiB, {st['detections']} detections")
print(f"  {fmt:9s} {label:13s} {s['dns_events']:>9d} events {s['dns_events']/t:>11,.0f} events/s"
      f" {size/t:7.1f} MB/s  peak RSS {statistics.median(peaks)/1024:6.1f} MiB"
      f"  (median of {runs}: {t:.2f} s){extra}", flush=True)
PY
    done
}

echo "dnshound bench: $CLIENTS clients, $DOMAINS registered domains, all attack scenarios; median of $RUNS runs"
for fmt in zeek zeek-json eve; do
    n=$OTHER_EVENTS
    [ "$fmt" = zeek ] && n=$EVENTS
    "$GEN" --format "$fmt" --events "$n" --clients "$CLIENTS" --domains "$DOMAINS" \
        --attack all --seed 1 -o "$W/in.$fmt" --truth /dev/null
    measure "$fmt" "$W/in.$fmt"
    rm -f "$W/in.$fmt"
done
