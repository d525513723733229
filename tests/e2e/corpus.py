#!/usr/bin/python3
"""Corpus check: run dnshound over every log in shared/corpus and account for
every record.

For each file under zeek-tsv/, zeek-json/ and eve/:
  * exit status 0 (1 for a file that is not a log and almost all
    malformed, --max-malformed-ratio) and a --stats object whose counts add up:
    records == dns_records + skipped + malformed;
  * records equals an independent count of the file's record lines
    (non-blank lines that are not Zeek '#' headers or a zeek-cut header row);
  * zero malformed records in every clean file, and the numbers documented in
    corpus/SOURCES.md where it gives them;
  * --emit events output is valid JSON, one object per DNS event.
Usage: corpus.py DNSHOUND CORPUS_DIR WORK_DIR
"""
import gzip
import json
import os
import subprocess
import sys

DH, CORPUS, WORK = sys.argv[1:4]

# dns_records (DNS lines) per file, from corpus/SOURCES.md
EXPECTED_DNS = {
    'zeek-tsv/wrccdc-2018/wrccdc-2018-03-24-zeek-6.2.0-dns.log.gz': 53615,
    'zeek-tsv/wrccdc-2018/wrccdc-2018-03-24-zeek-6.2.0-dns.head14000.log': 14000,
    'zeek-tsv/malicious/trickbot-2018-11-09-mta-dns.log': 1534,
    'zeek-tsv/malicious/infectedpcap-2010-nbstat-escapes-dns.log': 9,
    'zeek-tsv/malicious/rita-dnscat2-dns.log': 34,
    'zeek-tsv/malicious/slips-ctu-sme-11-labeled-dns.log': 22,
    'zeek-tsv/misc/rita-proxy-home-network-dns.log': 942,
    'zeek-tsv/misc/rita-proxy-rolling-dns.16-00-00-17-00-00.log': 3189,
    'zeek-tsv/misc/rita-missing-host-2024-04-19-dns.12-00-00-13-00-00.log': 153,
    'zeek-tsv/misc/slips-test10-mixed-ipv6-dns.log': 93,
    'zeek-json/wrccdc-2018/wrccdc-2018-03-24-zeek-6.2.0-dns.json.gz': 53615,
    'zeek-json/wrccdc-2018/wrccdc-2018-03-24-zeek-6.2.0-dns.head3000.json': 3000,
    'zeek-json/malicious/rita-dnscat2-dns.json': 34,
    'zeek-json/misc/slips-test9-mixed-relative-ts-dns.json': 239,
    'zeek-json/docs/zeek-docs-reference-logs-dns-example.json': 3,
    'eve/v1/suricata-verify-2017-dns-udp-nxdomain-soa.v1.json': 3,
    'eve/v2/slips-test6-honeypot-2021-mixed.eve.json': 680,
    'eve/v2/icedid-2023-11-01-mixed.eve.json': 62,
    'eve/v2/formbook-dridex-2025-mixed.eve.json': 488,
    'eve/v2/lab-doh-canary-suricata7-mixed.eve.json': 887,
    'eve/v2/desktop-browsing-rrtype65-mixed.eve.json': 196,
    'eve/v3/nids-lab-suricata8-mixed.eve.json': 110,
    'eve/v3/lab-suricata8-tcp-dns-authorities-mixed.eve.json': 2,
}

# Files that are not clean logs, and what must hold for them instead.
NOT_CLEAN = {
    # damaged as found: rows cut short or run together (lines 29-37, 45) and
    # two lines of NUL bytes (54, 55); the 36 intact rows must still be read
    'zeek-tsv/robustness/faucet-bro-2017-nul-bytes-truncated-line-dns.log':
        lambda s: s['malformed'] == 9 and s['dns_records'] == 36,
    # the last line's event_type was replaced by "F"
    'eve/v2/formbook-dridex-2025-mixed.eve.json': lambda s: s['malformed'] == 1,
}


def not_clean_rule(rel):
    if rel in NOT_CLEAN:
        return NOT_CLEAN[rel]
    if rel.startswith('zeek-tsv/zeek-btest-master/') and '/zeek-cut/' not in rel:
        # btest canonifies ts to XXXXXXXXXX.XXXXXX: every row is malformed (bad ts)
        return lambda s: s['dns_records'] == 0 and s['malformed'] == s['records']
    if rel.startswith('eve/docs/'):
        # pretty-printed documentation fragments and a JSON Schema: not logs
        return lambda s: s['dns_records'] == 0 and s['malformed'] == s['records']
    return None


def count_record_lines(path, rel):
    opener = gzip.open if path.endswith('.gz') else open
    n = 0
    with opener(path, 'rb') as f:
        for raw in f:
            line = raw.rstrip(b'\n').rstrip(b'\r')
            if not line.strip(b' \t'):
                continue
            if rel.startswith('zeek-tsv/') and line.startswith(b'#'):
                continue
            n += 1
    if '/zeek-cut/' in rel:
        n -= 1  # the row of field names is zeek-cut's header
    return n


def run(path):
    stats = os.path.join(WORK, 'corpus-stats.json')
    events = os.path.join(WORK, 'corpus-events.jsonl')
    p = subprocess.run([DH, '-q', '--emit', 'events', '-o', events, '--stats', stats, path],
                       stderr=subprocess.PIPE)
    with open(stats) as f:
        s = json.load(f)
    with open(events, 'rb') as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines, 1):
        try:
            json.loads(line.decode('utf-8'))
        except ValueError as e:
            raise AssertionError(f"events line {i} invalid: {e}")
    return p.returncode, s, len(lines), p.stderr.decode('utf-8', 'replace')


def main():
    failures = 0
    files = 0
    for sub in ('zeek-tsv', 'zeek-json', 'eve'):
        for dirpath, _, names in sorted(os.walk(os.path.join(CORPUS, sub))):
            for name in sorted(names):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, CORPUS)
                files += 1
                problems = []
                try:
                    rc, st, n_events, err = run(path)
                except AssertionError as e:
                    print(f"    {rel}: {e}")
                    failures += 1
                    continue
                s = st['input']
                rule = not_clean_rule(rel)
                # an input almost all malformed (not a log) fails by design
                # (--max-malformed-ratio): exit 1, counted as inputs_malformed
                failed_as_malformed = rc == 1 and s.get('inputs_malformed') == 1 and rule is not None
                if rc != 0 and not failed_as_malformed:
                    problems.append(f"exit {rc}: {err.strip()[:200]}")
                if s['records'] != s['dns_records'] + s['skipped'] + s['malformed']:
                    problems.append("records != dns_records + skipped + malformed")
                want = count_record_lines(path, rel)
                if s['records'] != want:
                    problems.append(f"records {s['records']}, file has {want}")
                if n_events != s['dns_events']:
                    problems.append(f"{n_events} event lines, stats say {s['dns_events']}")
                if rule is None and s['malformed'] != 0:
                    problems.append(f"{s['malformed']} malformed in a clean file: {err.strip()[:300]}")
                if rule is not None and not rule(s):
                    problems.append(f"not-clean expectation failed: {s}")
                if rel in EXPECTED_DNS and s['dns_records'] != EXPECTED_DNS[rel]:
                    problems.append(f"dns_records {s['dns_records']}, SOURCES.md says {EXPECTED_DNS[rel]}")
                if problems:
                    failures += 1
                    print(f"    {rel}: " + "; ".join(problems))
    print(f"    corpus: {files} files, {failures} with problems")
    sys.exit(1 if failures or files == 0 else 0)


main()
