#!/usr/bin/env python3
"""ecs_check.py - check JSON lines against the Elastic Common Schema, strictly.

usage: ecs_check.py [--allow-namespace NAME]... [--fields-out FILE]
                    ECS_FLAT.yml[.gz] FILE.jsonl...

ECS_FLAT is ECS's generated/ecs/ecs_flat.yml (tests/data/ecs/ holds 9.4.0).
Every line of every FILE must be a JSON object whose leaf fields all exist in
ECS, with values of the field's ECS type:

  keyword, constant_keyword, wildcard, text, match_only_text  -> string
  ip                        -> string that parses as an IPv4/IPv6 address
  date                      -> RFC 3339 string (date, time, zone)
  long, integer, short, byte, unsigned_long -> integer within the type's range
  float, double, scaled_float, half_float   -> number
  boolean                   -> true / false
  object, flattened         -> object (an object with ECS sub-fields, such as
                               dns.answers, has its members checked too)
  nested                    -> array of objects, members checked as parent.child
  geo_point                 -> {"lat": number, "lon": number}

An array is accepted only where ECS says `normalize: [array]` (or the field is
nested). A value of a field with `allowed_values` (event.kind, event.category,
event.type, event.outcome...) or `expected_values` (dns.header_flags,
threat.indicator.type...) must be one of them, and each event.type must be one
of the expected_event_types of at least one event.category of the same line.
null is not a value: a field without one is left out. The fields ECS marks
required (@timestamp, ecs.version) must be there.

The only namespaces outside ECS accepted are `dnshound.*` (our own) and those
given with --allow-namespace (e.g. `zeek`, `suricata`: the names Filebeat's
modules give the sensors' own fields); everything under them is accepted.

--fields-out FILE writes every ECS field seen, with its ECS type, one
`name<TAB>type` a line (sorted): what the Elasticsearch template must map.

Exit status: 0 when every line passes, 1 with one `file:line: field: reason`
line per violation on stdout, 2 on a usage or I/O error.
"""
import argparse
import gzip
import ipaddress
import json
import re
import sys

import yaml

OWN_NAMESPACE = "dnshound"

STRING_TYPES = {"keyword", "constant_keyword", "wildcard", "text", "match_only_text"}
INTEGER_RANGES = {
    "byte": (-2**7, 2**7 - 1),
    "short": (-2**15, 2**15 - 1),
    "integer": (-2**31, 2**31 - 1),
    "long": (-2**63, 2**63 - 1),
    "unsigned_long": (0, 2**64 - 1),
}
NUMBER_TYPES = {"float", "double", "scaled_float", "half_float"}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def load_ecs(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        fields = yaml.load(f, Loader=loader)
    if not isinstance(fields, dict) or "@timestamp" not in fields:
        raise ValueError(f"{path}: not an ECS ecs_flat.yml")
    return fields


class Schema:
    """The fields of ecs_flat, with the prefixes that have sub-fields."""

    def __init__(self, fields):
        self.fields = fields
        self.parents = set()
        for name in fields:
            parts = name.split(".")
            for i in range(1, len(parts)):
                self.parents.add(".".join(parts[:i]))
        self.required = sorted(n for n, spec in fields.items() if spec.get("required"))
        self.category_types = {}
        for v in fields["event.category"].get("allowed_values", []):
            self.category_types[v["name"]] = set(v.get("expected_event_types", []))

    def allowed(self, name):
        """The values a field may take, or None when any value fits."""
        spec = self.fields[name]
        if "allowed_values" in spec:
            return {v["name"] for v in spec["allowed_values"]}
        if "expected_values" in spec:
            return set(spec["expected_values"])
        return None


def scalar_problem(ecs_type, value):
    """Why a non-array value does not fit an ECS leaf type, or None."""
    if value is None:
        return "null (leave the field out instead)"
    if ecs_type in STRING_TYPES:
        return None if isinstance(value, str) else f"{ecs_type} needs a string, got {json.dumps(value)}"
    if ecs_type == "ip":
        if not isinstance(value, str):
            return f"ip needs a string, got {json.dumps(value)}"
        try:
            ipaddress.ip_address(value)
        except ValueError:
            return f"ip needs an IP address, got {json.dumps(value)}"
        return None
    if ecs_type == "date":
        if isinstance(value, str) and RFC3339.match(value):
            return None
        return f"date needs an RFC 3339 string, got {json.dumps(value)}"
    if ecs_type in INTEGER_RANGES:
        lo, hi = INTEGER_RANGES[ecs_type]
        if isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi:
            return None
        return f"{ecs_type} needs an integer in [{lo}, {hi}], got {json.dumps(value)}"
    if ecs_type in NUMBER_TYPES:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return None
        return f"{ecs_type} needs a number, got {json.dumps(value)}"
    if ecs_type == "boolean":
        return None if isinstance(value, bool) else f"boolean needs true/false, got {json.dumps(value)}"
    if ecs_type == "geo_point":
        if isinstance(value, dict) and set(value) == {"lat", "lon"} and all(
                isinstance(value[k], (int, float)) and not isinstance(value[k], bool) for k in value):
            return None
        return f"geo_point needs {{\"lat\": number, \"lon\": number}}, got {json.dumps(value)}"
    return f"ECS type {ecs_type} is not known to this checker"


class Checker:
    def __init__(self, schema, namespaces):
        self.schema = schema
        self.namespaces = {OWN_NAMESPACE} | set(namespaces)
        self.seen = {}          # ECS field -> type, of every field met
        self.problems = []      # (where, field, reason)
        self.where = ""

    def report(self, field, reason):
        self.problems.append((self.where, field, reason))

    def check_line(self, where, line):
        self.where = where
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as e:
            self.report("-", f"not JSON: {e}")
            return
        if not isinstance(doc, dict):
            self.report("-", "not a JSON object")
            return
        self.walk("", doc)
        self.check_event_types(doc)
        self.check_required(doc)

    def walk(self, prefix, obj):
        for key, value in obj.items():
            name = f"{prefix}.{key}" if prefix else key
            if not prefix and name.split(".")[0] in self.namespaces:
                continue
            if name in self.schema.fields:
                self.field(name, value)
            elif isinstance(value, dict) and name in self.schema.parents:
                self.walk(name, value)
            else:
                self.report(name, "not an ECS field")

    def field(self, name, value):
        spec = self.schema.fields[name]
        ecs_type = spec["type"]
        self.seen[name] = ecs_type
        if ecs_type == "nested":
            if not isinstance(value, list) or not value:
                self.report(name, f"nested needs a non-empty array of objects, got {json.dumps(value)}")
                return
            for member in value:
                if isinstance(member, dict):
                    self.walk(name, member)
                else:
                    self.report(name, f"nested needs objects, got a member {json.dumps(member)}")
            return
        values = value if isinstance(value, list) else [value]
        if isinstance(value, list):
            if "array" not in spec.get("normalize", []):
                self.report(name, "an array where ECS has no normalize: [array]")
                return
            if not value:
                self.report(name, "an empty array (leave the field out instead)")
                return
        for v in values:
            self.value(name, ecs_type, v)

    def value(self, name, ecs_type, v):
        if ecs_type in ("object", "flattened"):
            if not isinstance(v, dict):
                self.report(name, f"{ecs_type} needs an object, got {json.dumps(v)}")
            elif ecs_type == "object" and name in self.schema.parents:
                self.walk(name, v)  # e.g. dns.answers: its members are ECS fields too
            return
        problem = scalar_problem(ecs_type, v)
        if problem:
            self.report(name, problem)
            return
        allowed = self.schema.allowed(name)
        if allowed is not None and v not in allowed:
            self.report(name, f"{json.dumps(v)} is not one of the ECS values {sorted(allowed)}")

    def check_required(self, doc):
        for name in self.schema.required:
            node = doc
            if name in doc:
                continue
            for part in name.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                self.report(name, "missing (ECS marks it required)")

    def check_event_types(self, doc):
        event = doc.get("event")
        flat = {k: v for k, v in doc.items() if k.startswith("event.")}
        types = flat.get("event.type", event.get("type") if isinstance(event, dict) else None)
        if types is None:
            return
        cats = flat.get("event.category", event.get("category") if isinstance(event, dict) else None)
        types = types if isinstance(types, list) else [types]
        cats = cats if isinstance(cats, list) else ([cats] if cats is not None else [])
        expected = set()
        for c in cats:
            expected |= self.schema.category_types.get(c, set())
        for t in types:
            if t not in expected:
                self.report("event.type", f"{json.dumps(t)} is not an expected type of the categories "
                            f"{cats} (expected: {sorted(expected)})")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--allow-namespace", action="append", default=[], metavar="NAME",
                    help="a top-level namespace outside ECS to accept (repeatable); dnshound always is")
    ap.add_argument("--fields-out", metavar="FILE", help="write the ECS fields seen, with their types")
    ap.add_argument("ecs_flat")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args(argv)
    try:
        schema = Schema(load_ecs(args.ecs_flat))
    except (OSError, ValueError, yaml.YAMLError) as e:
        print(f"ecs_check: {e}", file=sys.stderr)
        return 2
    for ns in args.allow_namespace:
        if ns in schema.parents or ns in schema.fields or "." in ns:
            print(f"ecs_check: --allow-namespace {ns}: an ECS name, not a namespace of its own",
                  file=sys.stderr)
            return 2
    checker = Checker(schema, args.allow_namespace)
    lines = 0
    for path in args.files:
        try:
            with open(path, encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    if line.strip():
                        lines += 1
                        checker.check_line(f"{path}:{n}", line)
        except (OSError, UnicodeDecodeError) as e:
            print(f"ecs_check: {path}: {e}", file=sys.stderr)
            return 2
    for where, field, reason in checker.problems:
        print(f"{where}: {field}: {reason}")
    if args.fields_out:
        with open(args.fields_out, "w", encoding="utf-8") as f:
            for name in sorted(checker.seen):
                f.write(f"{name}\t{checker.seen[name]}\n")
    print(f"ecs_check: {lines} line(s), {len(checker.seen)} ECS field(s), "
          f"{len(checker.problems)} violation(s)", file=sys.stderr)
    return 1 if checker.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
