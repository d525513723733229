#!/usr/bin/python3
"""Detections per corpus file, by rule: every finding on these mostly benign
logs is a possible false positive to explain (or a true positive to keep).

    python3 bench/corpus-detections.py [build/dnshound] [../shared/corpus] [RULES_DIR]

RULES_DIR lets a variant run, e.g. new_domain with warmup_days: 0 to see what
it would call new when every domain of a file is new (each file is read with
a fresh history: --no-state).

Prints one line per file that raised anything (and a total), then each
detection's rule, client, domain and the anchors/evidence that fired.
"""
import collections
import json
import os
import subprocess
import sys

DH = sys.argv[1] if len(sys.argv) > 1 else 'build/dnshound'
CORPUS = sys.argv[2] if len(sys.argv) > 2 else '../shared/corpus'
RULES = ['--rules', sys.argv[3]] if len(sys.argv) > 3 else []


def summary(e):
    keys = ('anchors', 'score', 'estimated_payload_bytes', 'nxdomain_names', 'median_interval_s',
            'kinds', 'kind', 'signals', 'family', 'brand', 'indicator', 'indicator_file')
    return {k: e[k] for k in keys if k in e}


def main():
    total = collections.Counter()
    files = 0
    for sub in ('zeek-tsv', 'zeek-json', 'eve'):
        for dirpath, _, names in sorted(os.walk(os.path.join(CORPUS, sub))):
            for name in sorted(names):
                path = os.path.join(dirpath, name)
                files += 1
                out = subprocess.run([DH, '-q', '--no-state', *RULES, path], capture_output=True, text=True).stdout
                dets = [json.loads(l) for l in out.splitlines() if l.strip()]
                if not dets:
                    continue
                by_rule = collections.Counter(d['rule']['name'] for d in dets)
                total.update(by_rule)
                print(f"{os.path.relpath(path, CORPUS)}: " +
                      ", ".join(f"{r} {n}" for r, n in sorted(by_rule.items())))
                for d in dets:
                    q = d.get('dns', {}).get('question', {})
                    print(f"    {d['rule']['name']:11s} {d.get('source', {}).get('ip', '-'):>15s} "
                          f"{q.get('registered_domain', q.get('name', '-'))} "
                          f"{'update ' if d['dnshound'].get('update') else ''}"
                          f"{json.dumps(summary(d['dnshound']['evidence']))}")
    print(f"{files} files; detections: " +
          (", ".join(f"{r} {n}" for r, n in sorted(total.items())) or "none"))


main()
