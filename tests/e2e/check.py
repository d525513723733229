#!/usr/bin/python3
"""Assertions the end-to-end tests make on dnshound's output files.

  check.py schema OUT.jsonl SCHEMA.json   every line is a detection valid against SCHEMA
  check.py jsonl OUT.jsonl                every line is valid JSON (an object)
  check.py stats STATS.json EXPR...       each EXPR (Python, names: the stats keys flattened
                                          with '_', e.g. input_records) is true
  check.py count OUT.jsonl RULE MIN       at least MIN detections of rule.name RULE
Exit 0 when all hold, 1 with a message otherwise.
"""
import json
import sys


def load_lines(path):
    with open(path, 'rb') as f:
        for n, raw in enumerate(f, 1):
            try:
                text = raw.decode('utf-8')
            except UnicodeDecodeError as e:
                sys.exit(f"{path}:{n}: not UTF-8: {e}")
            try:
                obj = json.loads(text)
            except ValueError as e:
                sys.exit(f"{path}:{n}: invalid JSON: {e}")
            if not isinstance(obj, dict):
                sys.exit(f"{path}:{n}: not an object")
            yield n, obj


def flatten(obj, prefix=''):
    out = {}
    for k, v in obj.items():
        if isinstance(v, dict):
            out.update(flatten(v, prefix + k + '_'))
        else:
            out[prefix + k] = v
    return out


def main():
    cmd = sys.argv[1]
    if cmd == 'schema':
        import jsonschema
        with open(sys.argv[3]) as f:
            schema = json.load(f)
        validator = jsonschema.Draft202012Validator(schema)
        count = 0
        for n, obj in load_lines(sys.argv[2]):
            errors = sorted(validator.iter_errors(obj), key=str)
            if errors:
                sys.exit(f"{sys.argv[2]}:{n}: {errors[0].message}")
            count += 1
        print(count)
    elif cmd == 'jsonl':
        print(sum(1 for _ in load_lines(sys.argv[2])))
    elif cmd == 'stats':
        with open(sys.argv[2]) as f:
            stats = flatten(json.load(f))
        for expr in sys.argv[3:]:
            if not eval(expr, {}, dict(stats)):
                sys.exit(f"stats: {expr} is false ({ {k: v for k, v in stats.items() if k in expr} })")
    elif cmd == 'count':
        n = sum(1 for _, o in load_lines(sys.argv[2]) if o.get('rule', {}).get('name') == sys.argv[3])
        if n < int(sys.argv[4]):
            sys.exit(f"{sys.argv[2]}: {n} {sys.argv[3]} detections, expected at least {sys.argv[4]}")
        print(n)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == '__main__':
    main()
