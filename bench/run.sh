#!/bin/sh
# Throughput and peak memory of dnshound on generated logs, one line of
# figures per format and mode. Machines here are small and noisy: each figure
# is the median of RUNS runs, and the parse-only baseline (--emit events to
# /dev/null) is printed beside the detection run so ratios can be compared.
#
#   sh bench/run.sh [BUILD_DIR]        (EVENTS, CLIENTS, DOMAINS, RUNS override)
set -eu
BUILD=${1:-build}
DH=$BUILD/dnshound
GEN=$BUILD/bench/gen-dnslog
EVENTS=${EVENTS:-1000000}
CLIENTS=${CLIENTS:-50000}
DOMAINS=${DOMAINS:-500000}
RUNS=${RUNS:-3}
W=$(mktemp -d /tmp/dh-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

echo "dnshound bench: $EVENTS events, $CLIENTS clients, $DOMAINS domains, median of $RUNS runs"
for fmt in zeek zeek-json eve; do
    "$GEN" --format "$fmt" --events "$EVENTS" --clients "$CLIENTS" --domains "$DOMAINS" \
        --attack all --seed 1 -o "$W/in.$fmt" --truth /dev/null
    for mode in events detections; do
        /usr/bin/python3 - "$DH" "$W/in.$fmt" "$mode" "$RUNS" "$fmt" "$W/stats.json" <<'PY'
import json, os, resource, statistics, subprocess, sys, time
dh, path, mode, runs, fmt, stats = sys.argv[1:7]
times, peaks = [], []
for _ in range(int(runs)):
    t0 = time.perf_counter()
    p = subprocess.Popen([dh, '-q', '--emit', mode, '-o', '/dev/null', '--stats', stats, path])
    _, status, ru = os.wait4(p.pid, 0)
    times.append(time.perf_counter() - t0)
    peaks.append(ru.ru_maxrss)
    if status != 0:
        sys.exit(f"dnshound exited {status}")
s = json.load(open(stats))['input']
size = os.path.getsize(path) / 1e6
t = statistics.median(times)
print(f"  {fmt:9s} {mode:10s} {s['dns_events']:>9d} events  {s['dns_events']/t:>11,.0f} events/s"
      f"  {size/t:7.1f} MB/s  peak RSS {statistics.median(peaks)/1024:6.1f} MiB  (median {t:.2f} s)")
PY
    done
    rm -f "$W/in.$fmt"
done
