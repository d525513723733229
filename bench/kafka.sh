#!/bin/sh
# Events per second through Kafka end to end, on librdkafka's mock cluster
# (no real broker here): kcat produces a generated Zeek log (keyed by client)
# into a 4-partition topic; dnshound consumes it in a group with -e, runs all
# detectors and publishes to a detections topic (idempotent producer,
# delivery reports awaited before the final commit). Printed: the wall time
# of the dnshound run, which includes the mock's ~3 s first group join, and
# the rate with that join subtracted (both medians of RUNS). The file path on
# the same log runs beside it as the baseline.
#   sh bench/kafka.sh [BUILD_DIR]      (EVENTS=25000 RUNS=3)
set -eu
BUILD=${1:-build}
EVENTS=${EVENTS:-25000}
RUNS=${RUNS:-3}
. tests/kafka/lib.sh
MOCKBROKER=$BUILD/tests/mockbroker
W=$(mktemp -d /tmp/dh-kbench.XXXXXX)
KAFKA_ON_EXIT='rm -rf "$W"'
# 25 000 rows are ~5 MB: the mock keeps only ~5 MiB per partition
"$BUILD/bench/gen-dnslog" --events "$EVENTS" --clients 2000 --domains 20000 --attack all --seed 9 \
    --truth /dev/null > "$W/log"
grep -v '^#' "$W/log" | awk -F '\t' '{ print $3 "|" $0 }' > "$W/rows"
kafka_start --topic raw:4
kcat_produce raw "$W/rows" "|"
/usr/bin/python3 - "$BUILD/dnshound" "$KAFKA_BOOTSTRAP" "$W" "$RUNS" "$KAFKA_TEST_PROPS" <<'PY'
import json, os, shlex, statistics, subprocess, sys, time
dh, boot, w, runs, props = sys.argv[1:6]
def run(args):
    t0 = time.perf_counter()
    subprocess.run(args, check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0
kt, ft = [], []
for i in range(int(runs)):
    kt.append(run([dh, '-q', '--no-state', '-b', boot, *shlex.split(props), '-G', f'bench{i}', '-e',
                   '--stats', f'{w}/s.json', '-o', f'kafka:det{i}', 'kafka:raw']))
    ft.append(run([dh, '-q', '--no-state', '-o', '/dev/null', f'{w}/log']))
s = json.load(open(f'{w}/s.json'))
n = s['kafka']['messages']
k, f = statistics.median(kt), statistics.median(ft)
print(f"kafka end to end: {n} events, {s['detections']} detections, median {k:.2f} s "
      f"({n/k:,.0f} events/s; {n/max(k-3.0, 0.01):,.0f} events/s without the ~3 s first join)")
print(f"file path, same log: median {f:.2f} s ({n/f:,.0f} events/s)")
PY
