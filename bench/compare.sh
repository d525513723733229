#!/bin/sh
# Two dnshound binaries side by side on the same generated logs: a change
# against its baseline. Machines here are small and noisy, so the runs of
# the two binaries alternate (A B A B ...) and each figure is the median of
# RUNS; the ratio B/A is what to quote.
#
#   sh bench/compare.sh BASELINE_BINARY [CANDIDATE_BINARY]
#   EVENTS=2000000 RUNS=5 sh bench/compare.sh /tmp/old/dnshound build/dnshound
#
# Inputs are made once by this tree's bench/gen-dnslog (all attack scenarios,
# seed 1), so both binaries read the same bytes. Both run every detector
# (--no-state: a private history) and write detections to /dev/null.
set -eu
A=${1:?usage: compare.sh BASELINE_BINARY [CANDIDATE_BINARY]}
B=${2:-build/dnshound}
GEN=${GEN:-build/bench/gen-dnslog}
EVENTS=${EVENTS:-1000000}
OTHER_EVENTS=${OTHER_EVENTS:-200000}
CLIENTS=${CLIENTS:-50000}
DOMAINS=${DOMAINS:-500000}
RUNS=${RUNS:-3}
W=$(mktemp -d /tmp/dh-compare.XXXXXX)
trap 'rm -rf "$W"' EXIT

echo "dnshound compare: A=$A B=$B; $CLIENTS clients, $DOMAINS domains, all attacks; median of $RUNS alternating runs"
for fmt in zeek zeek-json eve; do
    n=$OTHER_EVENTS
    [ "$fmt" = zeek ] && n=$EVENTS
    "$GEN" --format "$fmt" --events "$n" --clients "$CLIENTS" --domains "$DOMAINS" \
        --attack all --seed 1 -o "$W/in.$fmt" --truth /dev/null
    /usr/bin/python3 - "$A" "$B" "$W/in.$fmt" "$RUNS" "$fmt" "$W" <<'PY'
import json, os, statistics, subprocess, sys, time
a, b, path, runs, fmt, work = sys.argv[1:7]
res = {a: ([], []), b: ([], [])}
events = {}
for _ in range(int(runs)):
    for dh in (a, b):
        stats = os.path.join(work, "stats.json")
        t0 = time.perf_counter()
        p = subprocess.Popen([dh, '-q', '--no-state', '-o', '/dev/null', '--stats', stats, path])
        _, status, ru = os.wait4(p.pid, 0)
        res[dh][0].append(time.perf_counter() - t0)
        res[dh][1].append(ru.ru_maxrss)
        if status != 0:
            sys.exit(f"{dh} exited {status}")
        st = json.load(open(stats))
        events[dh] = (st['input']['dns_events'], st['detections'])
ta, tb = (statistics.median(res[x][0]) for x in (a, b))
ma, mb = (statistics.median(res[x][1]) / 1024 for x in (a, b))
for tag, dh, t, m in (("A", a, ta, ma), ("B", b, tb, mb)):
    n, d = events[dh]
    print(f"  {fmt:9s} {tag} {n:>9d} events {n/t:>11,.0f} events/s  peak RSS {m:6.1f} MiB"
          f"  {d} detections  (median {t:.2f} s)")
print(f"  {fmt:9s} B/A time {tb/ta:.3f}  events/s {ta/tb:.3f}  RSS {mb/ma:.3f}"
      + ("" if events[a] == events[b] else "  (event or detection counts differ!)"), flush=True)
PY
    rm -f "$W/in.$fmt"
done
