#!/bin/sh
# Detection quality of dnshound (issue 11): per input, the expected category,
# whether dnshound reports it (rules and ATT&CK ids on the attacking client),
# the estimated payload of dns_exfil, and false alerts per 1,000 benign hosts.
#
#   sh bench/quality.sh [BUILD_DIR] [CORPUS_DIR]
#
# Inputs:
#   * captures: tests/data/captures/*.{zeek.log,zeek.json,eve.json}[.gz], real
#     iodine / dns2tcp / benign traffic (see tests/data/captures/README.md),
#     each capture in the three formats; MANIFEST there gives the category and
#     the tunnel client of each capture.
#   * the generator's planted scenarios: bench/gen-dnslog --attack all in the
#     three formats (GEN_EVENTS, GEN_CLIENTS, GEN_DOMAINS; seed 1), scored
#     against its --truth lines.
#   * the corpus (../shared/corpus) when it is there: no ground truth, so it
#     gives the rules fired on the files under a malicious/ folder, and for the
#     others (mostly benign, but some EVE files are malware captures) each file
#     that raised anything and the hosts with any alert per 1,000 hosts.
# The last column counts hosts with at least one alert (not alerts) among the
# hosts that are not a planted or listed attacker.
# Every input is read with a fresh state (--no-state) and the shipped rules.
set -eu
BUILD=${1:-build}
CORPUS=${2:-../shared/corpus}
DH=$BUILD/dnshound
GEN=$BUILD/bench/gen-dnslog
CAPS=${CAPS:-tests/data/captures}
GEN_EVENTS=${GEN_EVENTS:-200000}
GEN_CLIENTS=${GEN_CLIENTS:-2000}
GEN_DOMAINS=${GEN_DOMAINS:-50000}
W=$(mktemp -d /tmp/dh-quality.XXXXXX)
trap 'rm -rf "$W"' EXIT

for fmt in zeek zeek-json eve; do
    "$GEN" --format "$fmt" --events "$GEN_EVENTS" --clients "$GEN_CLIENTS" --domains "$GEN_DOMAINS" \
        --attack all --seed 1 -o "$W/gen.$fmt" --truth "$W/gen.truth"
done
[ -d "$CORPUS" ] || echo "quality: no corpus at $CORPUS: its rows are skipped" >&2

exec /usr/bin/python3 - "$DH" "$CAPS" "$W" "$CORPUS" <<'PY'
import collections
import json
import os
import re
import subprocess
import sys

DH, CAPS, W, CORPUS = sys.argv[1:5]
FORMATS = (('zeek-tsv', '.zeek.log'), ('zeek-json', '.zeek.json'), ('eve', '.eve.json'))
# the rules that count as reporting each category
EXPECT = {'tunnel': {'dns_tunnel', 'dns_exfil'}, 'exfil': {'dns_exfil'}, 'beacon': {'dns_beacon'},
          'dga': {'dga'}, 'fastflux': {'fast_flux'}, 'recon': {'dns_recon'}, 'lookalike': {'lookalike_domain'},
          'intel': {'threat_intel'}, 'doh': {'doh_evasion'}, 'benign': set()}
GEN_CATEGORY = {'iodine': 'tunnel', 'dnscat2': 'tunnel', 'exfil': 'exfil', 'beacon': 'beacon', 'dga': 'dga',
                'fastflux': 'fastflux', 'recon': 'recon', 'lookalike': 'lookalike', 'intel': 'intel', 'doh': 'doh'}


def run(path):
    """(detections, set of client IPs) of one input."""
    out = subprocess.run([DH, '-q', '--no-state', path], capture_output=True, text=True, check=True).stdout
    dets = [json.loads(l) for l in out.splitlines() if l.strip()]
    ev = subprocess.run([DH, '-q', '--no-state', '--emit', 'events', path], capture_output=True, text=True,
                        check=True).stdout
    hosts = {json.loads(l).get('source', {}).get('ip') for l in ev.splitlines() if l.strip()} - {None}
    return dets, hosts


def client(d):
    return d.get('source', {}).get('ip')


def attack_ids(d):
    t = d.get('threat', {}).get('technique', {})
    return t.get('subtechnique', {}).get('id') or t.get('id') or []


def fired(dets, ip):
    """'rule (ids)' list and max dns_exfil payload for the detections on client ip."""
    rules, payload = {}, None
    for d in dets:
        if client(d) != ip:
            continue
        rules.setdefault(d['rule']['name'], set()).update(attack_ids(d))
        if d['rule']['name'] == 'dns_exfil':
            p = d['dnshound'].get('evidence', {}).get('estimated_payload_bytes')
            if p is not None:
                payload = max(payload or 0, p)
    return rules, payload


def fmt_rules(rules):
    return ', '.join(f"{r} ({'/'.join(sorted(i))})" for r, i in sorted(rules.items())) or '-'


def false_rate(dets, hosts, attackers, skip=lambda d: False):
    benign = hosts - attackers
    bad = collections.Counter(client(d) for d in dets if client(d) in benign and not skip(d))
    n = len(benign)
    rate = f"{1000 * len(bad) / n:.1f}" if n else '-'
    alerts = sum(bad.values())
    return n, rate, alerts


ROWS = []


def row(*cells):
    ROWS.append([str(c) for c in cells])


def captures():
    manifest = os.path.join(CAPS, 'MANIFEST')
    if not os.path.exists(manifest):
        print(f"quality: no {manifest}: capture rows skipped", file=sys.stderr)
        return
    for line in open(manifest):
        if not line.strip() or line.startswith('#'):
            continue
        name, cat, ip = line.split()[:3]
        for fmt, ext in FORMATS:
            path = os.path.join(CAPS, name + ext)
            if not os.path.exists(path):
                path += '.gz'
            if not os.path.exists(path):
                continue
            dets, hosts = run(path)
            rules, payload = fired(dets, ip) if ip != '-' else ({}, None)
            hit = 'yes' if EXPECT[cat] & set(rules) else ('n/a' if cat == 'benign' else 'NO')
            n, rate, alerts = false_rate(dets, hosts, {ip})
            row(f"capture {name}", fmt, cat, hit, fmt_rules(rules), payload if payload is not None else '-',
                n, rate if n else '-')


def generator():
    truth = []
    for l in open(os.path.join(W, 'gen.truth')):
        m = re.search(r'scenario=(\S+) client=(\S+) domain=(\S+)', l)
        if m:
            truth.append(m.groups())
    for fmt, name in (('zeek-tsv', 'zeek'), ('zeek-json', 'zeek-json'), ('eve', 'eve')):
        dets, hosts = run(os.path.join(W, 'gen.' + name))
        attackers = {ip for _, ip, _ in truth if not ip.startswith('multiple')}
        flux = [dom for s, ip, dom in truth if s == 'fastflux']

        def flux_hit(d):
            q = d.get('dns', {}).get('question', {})
            return any(f in (q.get('registered_domain'), q.get('name')) for f in flux)
        for scen, ip, dom in truth:
            cat = GEN_CATEGORY.get(scen, scen)
            if ip.startswith('multiple'):
                rules = {}
                for d in dets:
                    if flux_hit(d):
                        rules.setdefault(d['rule']['name'], set()).update(attack_ids(d))
                payload = None
            else:
                rules, payload = fired(dets, ip)
            hit = 'yes' if EXPECT.get(cat, set()) & set(rules) else 'NO'
            row(f"gen {scen}", fmt, cat, hit, fmt_rules(rules), payload if payload is not None else '-', '', '')
        n, rate, alerts = false_rate(dets, hosts, attackers, flux_hit)
        row("gen benign background", fmt, 'benign', 'n/a', f"{alerts} alerts", '-', n, rate)


def corpus():
    if not os.path.isdir(CORPUS):
        return
    groups = collections.OrderedDict()
    for sub, fmt in (('zeek-tsv', 'zeek-tsv'), ('zeek-json', 'zeek-json'), ('eve', 'eve')):
        for dirpath, _, names in sorted(os.walk(os.path.join(CORPUS, sub))):
            for fn in sorted(names):
                if fn.endswith('.md') or 'docs' in dirpath.split(os.sep) or 'schema' in fn:
                    continue
                path = os.path.join(dirpath, fn)
                try:
                    dets, hosts = run(path)
                except subprocess.CalledProcessError:
                    continue
                if 'malicious' in path.split(os.sep):
                    rules = collections.Counter(d['rule']['name'] for d in dets)
                    row(f"corpus {os.path.relpath(path, CORPUS)}", fmt, 'malicious (no truth)', '',
                        ', '.join(f"{r} {c}" for r, c in sorted(rules.items())) or '-', '-', len(hosts), '')
                    continue
                if dets:  # each file that raised anything, then the totals
                    rules = collections.Counter(d['rule']['name'] for d in dets)
                    bad = {client(d) for d in dets if client(d)}
                    row(f"corpus {os.path.relpath(path, CORPUS)}", fmt, 'benign or unlabelled', '',
                        ', '.join(f"{r} {c}" for r, c in sorted(rules.items())), '-', len(hosts),
                        f"{1000 * len(bad) / len(hosts):.1f}" if hosts else '-')
                g = groups.setdefault(fmt, [0, set(), set(), 0, collections.Counter()])
                g[0] += 1
                g[1].update((path, h) for h in hosts)
                g[2].update((path, client(d)) for d in dets if client(d))
                g[3] += len(dets)
                g[4].update(d['rule']['name'] for d in dets)
    for fmt, (files, hosts, bad, alerts, rules) in groups.items():
        rate = f"{1000 * len(bad) / len(hosts):.1f}" if hosts else '-'
        row(f"corpus: all {files} files not named malicious", fmt, 'benign or unlabelled', 'n/a',
            ', '.join(f"{r} {c}" for r, c in rules.most_common()) or '-', '-', len(hosts), rate)


captures()
generator()
corpus()
head = ['input', 'format', 'expected', 'reported', 'rules (ATT&CK) on the attacking client', 'dns_exfil payload B',
        'benign hosts', 'false-alert hosts /1k']
print('| ' + ' | '.join(head) + ' |')
print('|' + '---|' * len(head))
for r in ROWS:
    print('| ' + ' | '.join(r) + ' |')
PY
