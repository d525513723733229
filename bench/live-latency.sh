#!/bin/sh
# bench/live-latency.sh - wall-clock latency of live findings: from the write
# of the record that completes a finding to its line on dnshound's stdout,
# for a FIFO and a pipe, a single-record finding (a threat-intel match) and
# a windowed one (a dnscat2 tunnel crossing the encoded anchor), with early
# alerts as a live run has them by default (--early-alerts auto).
#
#   sh bench/live-latency.sh [DNSHOUND] [RUNS]     (defaults: build/dnshound, 5)
#
# The records are written one at a time, PACE seconds apart (default 0.05:
# 20 records a second), through a writer that stays open until the finding
# came out. The completing record is the one whose time is the finding's
# @timestamp (an early alert fires at the event that crossed). Prints a
# Markdown table of the median, minimum and maximum of RUNS runs; runs at most
# a few seconds each, so it is no load on a shared machine.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DH=${1:-$ROOT/build/dnshound}
RUNS=${2:-5}
PACE=${PACE:-0.05}
W=$(mktemp -d /tmp/dh-live-latency.XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM

# the windowed case: the demo's dnscat2 client (10.1.0.20 -> fe-3i.com, TXT)
grep '^#' "$ROOT/samples/demo-zeek-dns.log" | grep -v '^#close' > "$W/tunnel.log"
grep -F '	10.1.0.20	' "$ROOT/samples/demo-zeek-dns.log" | head -n 40 >> "$W/tunnel.log"
# the single-record case: ordinary lookups, one of an IP-lookup service
# listed in rules/intel/ip-lookup-services.txt, ordinary lookups again
/usr/bin/python3 - "$W/tunnel.log" "$W/intel.log" <<'PY'
import sys
src, dst = sys.argv[1:3]
lines = open(src).read().splitlines()
head = [l for l in lines if l.startswith('#')]
row = 'C{uid}\t10.1.0.{c}\t40000\t10.0.1.53\t53\tudp\t{t}\t0.001\t{q}\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t192.0.2.{c}\t60.000000\tF'
with open(dst, 'w') as f:
    f.write('\n'.join(head) + '\n')
    for i in range(41):
        q = 'api.2ip.me' if i == 30 else f'www.site{i % 7}.example.org'
        f.write(f'{1699430413 + i}.000000\t' + row.format(uid=i, c=5 + i % 3, t=i, q=q) + '\n')
PY

/usr/bin/python3 - "$DH" "$RUNS" "$PACE" "$W" <<'PY'
import datetime, json, os, statistics, subprocess, sys, threading, time
dh, runs, pace, w = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]

def epoch(ts):  # "2023-11-08T11:19:29.534418Z" -> seconds
    d = datetime.datetime.strptime(ts, '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=datetime.timezone.utc)
    return round(d.timestamp(), 6)

def run_once(kind, log, rule):
    fifo = os.path.join(w, 'in.fifo')
    if kind == 'fifo':
        if os.path.exists(fifo):
            os.unlink(fifo)
        os.mkfifo(fifo)
        p = subprocess.Popen([dh, '--no-state', '-q', fifo], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        out = open(fifo, 'wb', buffering=0)
    else:
        p = subprocess.Popen([dh, '--no-state', '-q', '-'], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
        out = p.stdin
    got = []
    def read():
        for line in p.stdout:
            got.append((time.monotonic(), json.loads(line)))
    t = threading.Thread(target=read, daemon=True)
    t.start()
    written = {}
    def hit():
        return next(((at, d) for at, d in got if d['rule']['name'] == rule), None)
    for line in open(log, 'rb').read().splitlines(keepends=True):
        if not line.startswith(b'#'):
            time.sleep(pace)
            written[round(float(line.split(b'\t', 1)[0]), 6)] = time.monotonic()
        out.write(line)
        if hit():
            break
    deadline = time.monotonic() + 15
    while not hit() and time.monotonic() < deadline:
        time.sleep(0.01)
    found = hit()
    out.close()
    p.wait()
    t.join()
    if not found:
        raise SystemExit(f'{kind} {rule}: no finding within 15 s of the last record')
    at, d = found
    return (at - written[epoch(d['@timestamp'])]) * 1000, bool(d['dnshound'].get('early'))

cases = [('FIFO', 'fifo', 'intel.log', 'threat_intel', 'single record (threat-intel match)'),
         ('FIFO', 'fifo', 'tunnel.log', 'dns_tunnel', 'windowed (dnscat2 tunnel, 5-min window)'),
         ('pipe', 'pipe', 'intel.log', 'threat_intel', 'single record (threat-intel match)'),
         ('pipe', 'pipe', 'tunnel.log', 'dns_tunnel', 'windowed (dnscat2 tunnel, 5-min window)')]
print(f'| input | finding | median ms | min ms | max ms | runs |')
print(f'|---|---|---:|---:|---:|---:|')
for name, kind, log, rule, what in cases:
    ms = []
    for _ in range(runs):
        lat, early = run_once(kind, os.path.join(w, log), rule)
        assert early, f'{kind} {rule}: not an early alert'
        ms.append(lat)
    print(f'| {name} | {what} | {statistics.median(ms):.1f} | {min(ms):.1f} | {max(ms):.1f} | {runs} |')
PY
