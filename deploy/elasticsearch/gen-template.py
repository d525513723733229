#!/usr/bin/env python3
"""gen-template.py - the Elasticsearch index template of dnshound detections.

usage: gen-template.py [--check] [ECS_FLAT.yml.gz [FIELDS.txt [OUTDIR]]]

Writes three files to OUTDIR (default: this script's directory):

  component-ecs.json       component template dnshound-detections-ecs: the
                           mapping of every ECS field of FIELDS.txt (one flat
                           name a line, '#' comments; the ECS fields dnshound
                           writes in detections), each with the type,
                           ignore_above, multi-fields and scaling factor that
                           ECS_FLAT (ECS's generated/ecs/ecs_flat.yml) gives
                           it: made from the ECS reference, so it cannot drift
  component-dnshound.json  component template dnshound-detections-dnshound:
                           dnshound.* (below)
  index-template.json      composable index template dnshound-detections for
                           the data streams dnshound-detections-*: both
                           components, @timestamp a date, no ILM policy

--check writes nothing: it exits 1 naming each file that differs from what
it would write (tests/e2e/run.sh runs it, so the committed files stay
generated). The defaults are the repository's files.
"""
import argparse
import gzip
import json
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ECS_VERSION = "9.4.0"
DEFAULT_FLAT = os.path.join(ROOT, "tests", "data", "ecs", f"ecs_flat-{ECS_VERSION}.yml.gz")
DEFAULT_FIELDS = os.path.join(HERE, "fields.txt")
NAME = "dnshound-detections"

# dnshound.*: the members every detection has get explicit types; the
# evidence is one `flattened` field. Why: each detector writes its own
# evidence (over 200 distinct member paths across the 10 detectors, nested
# objects and lists included) that changes with the detectors; explicit
# mappings would have to follow every change, and dynamic mapping breaks:
# the same member name holds a boolean in one detector's evidence and a count
# in another's ("resolved"), and the first document indexed would fix the
# type and reject the others. A flattened field indexes every leaf as a
# keyword (term, prefix and lexicographic range queries, aggregations on
# dnshound.evidence.KEY) with one mapping; the numbers people rank by have
# typed fields (event.risk_score, event.severity, dnshound.confidence).
KEYWORD = {"type": "keyword", "ignore_above": 1024}
DNSHOUND = {
    "properties": {
        "kind": KEYWORD,  # finding, incident or host_risk (src/incidents.h)
        "attack_version": KEYWORD,
        "detection_strategy": KEYWORD,
        "confidence": {"type": "float"},
        "client_is_resolver": {"type": "boolean"},
        "early": {"type": "boolean"},
        "update": {"type": "boolean"},
        "occurrences": {"type": "long"},
        "pivot": {"properties": {"zeek_uids": KEYWORD, "suricata_flow_ids": KEYWORD}},
        "evidence": {"type": "flattened", "ignore_above": 1024, "depth_limit": 20},
    }
}


def load_flat(path):
    with gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_fields(path):
    with open(path, encoding="utf-8") as f:
        names = [l.split("#", 1)[0].strip() for l in f]
    return sorted({n for n in names if n})


def leaf_mapping(spec):
    """The Elasticsearch mapping of one ECS field, as ECS's own templates
    write it (generated/elasticsearch/composable/component/), less their
    synthetic_source_keep, which only matters for synthetic _source."""
    m = {"type": spec["type"]}
    for key in ("ignore_above", "scaling_factor"):
        if key in spec:
            m[key] = spec[key]
    if spec.get("multi_fields"):
        m["fields"] = {}
        for mf in spec["multi_fields"]:
            sub = {"type": mf["type"]}
            if "ignore_above" in mf:
                sub["ignore_above"] = mf["ignore_above"]
            m["fields"][mf["name"]] = sub
    return m


def ecs_properties(flat, fields):
    """The nested "properties" tree of the fields; a prefix that ECS types
    as nested or object (threat.enrichments) carries that type."""
    root = {}
    for name in fields:
        if name not in flat:
            raise SystemExit(f"gen-template: {name}: not a field of ECS {ECS_VERSION}")
        spec = flat[name]
        parts = name.split(".")
        node = root
        for i, part in enumerate(parts[:-1]):
            prefix = ".".join(parts[: i + 1])
            entry = node.setdefault(part, {})
            if prefix in flat and flat[prefix]["type"] in ("nested", "object"):
                entry["type"] = flat[prefix]["type"]
            node = entry.setdefault("properties", {})
        if spec["type"] in ("nested", "object"):
            node.setdefault(parts[-1], {})["type"] = spec["type"]
        else:
            node[parts[-1]] = leaf_mapping(spec)
    return root


def templates(flat, fields):
    meta = {"ecs_version": ECS_VERSION, "generated_by": "deploy/elasticsearch/gen-template.py"}
    ecs = {
        "_meta": dict(meta, description="ECS fields of dnshound detections"),
        "template": {"mappings": {"properties": ecs_properties(flat, fields)}},
    }
    own = {
        "_meta": dict(meta, description="dnshound.* of dnshound detections (evidence: flattened)"),
        "template": {"mappings": {"properties": {"dnshound": DNSHOUND}}},
    }
    index = {
        "_meta": dict(meta, description="dnshound detections, one data stream per namespace"),
        "index_patterns": [f"{NAME}-*"],
        "data_stream": {},
        "composed_of": [f"{NAME}-ecs", f"{NAME}-dnshound"],
        "priority": 200,
        "template": {
            # no settings, no index.lifecycle.name: shards, replicas and
            # retention are the operator's choice
            "mappings": {
                # a field outside the template is kept in _source, not indexed:
                # no mapping grows from the data (tests/e2e checks that every
                # field dnshound writes is mapped here)
                "dynamic": False,
                "date_detection": False,
            },
        },
    }
    return {"component-ecs.json": ecs, "component-dnshound.json": own, "index-template.json": index}


def render(doc):
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with OUTDIR, write nothing")
    ap.add_argument("ecs_flat", nargs="?", default=DEFAULT_FLAT)
    ap.add_argument("fields", nargs="?", default=DEFAULT_FIELDS)
    ap.add_argument("outdir", nargs="?", default=HERE)
    args = ap.parse_args(argv)
    docs = templates(load_flat(args.ecs_flat), load_fields(args.fields))
    stale = []
    for name, doc in docs.items():
        path = os.path.join(args.outdir, name)
        text = render(doc)
        if args.check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != text:
                        stale.append(path)
            except OSError:
                stale.append(path)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    for path in stale:
        print(f"gen-template: {path} differs from what {os.path.basename(__file__)} writes "
              f"(run it to regenerate)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
