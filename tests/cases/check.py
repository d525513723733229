#!/usr/bin/python3
"""Compare one case's output with its expect file (see tests/cases/README.md).

  check.py EXPECT OUT.jsonl STATS.json

Each expect line is "FIELD VALUE" (the value is the last word; "#" starts a comment):
  lines N                  output lines (detections, or events with --emit events)
  detections.RULE N        output records whose rule.name is RULE
  count:PATH=VALUE N       output records whose dotted PATH equals VALUE (as text)
  stats.PATH VALUE         the --stats value at dotted PATH (list items by index)
Prints one line per mismatch; exit 0 when every line holds, 1 otherwise.
"""
import json
import sys


def dig(obj, path):
    for part in path.split('.'):
        if isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        elif isinstance(obj, dict) and part in obj:
            obj = obj[part]
        else:
            return None
    return obj


def text(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    return str(v)


def actual(field, records, stats):
    if field == 'lines':
        return len(records)
    if field.startswith('detections.'):
        rule = field[len('detections.'):]
        return sum(1 for r in records if dig(r, 'rule.name') == rule)
    if field.startswith('count:') and '=' in field:
        path, want = field[len('count:'):].split('=', 1)
        return sum(1 for r in records if text(dig(r, path)) == want)
    if field.startswith('stats.'):
        return dig(stats, field[len('stats.'):])
    raise ValueError(f"unknown field {field}")


def main():
    expect, out, stats_path = sys.argv[1:4]
    with open(out, encoding='utf-8') as f:
        records = [json.loads(line) for line in f if line.strip()]
    with open(stats_path, encoding='utf-8') as f:
        stats = json.load(f)
    bad = 0
    with open(expect, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            field, want = line.rsplit(None, 1)  # a field may hold spaces, a value not
            try:
                got = actual(field, records, stats)
            except ValueError as e:
                print(f"    {expect}:{n}: {e}")
                bad += 1
                continue
            if got is None or text(got) != want:
                print(f"    {expect}:{n}: {field}: expected {want}, got {text(got) if got is not None else '(none)'}")
                bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
