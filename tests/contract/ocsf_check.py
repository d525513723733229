#!/usr/bin/env python3
"""ocsf_check.py - validate JSON lines against the OCSF schema's source files.

The schema is not pre-compiled: a class is resolved here from the files of
ocsf/ocsf-schema (tests/data/ocsf/, see SOURCES.md) the way the OCSF server
compiles them:

  * a class or object inherits its parent's attributes ("extends"), and
    its own entries are merged over them (an "enum" is merged value by value);
  * "$include" brings in a profile's attributes, tagged with the profile:
    they count only when the record names that profile in
    metadata.profiles (an own entry with "profile": null untags one);
    the "datetime" profile adds X_dt (datetime_t) for each timestamp_t X;
  * every attribute takes its type, is_array, sibling and base enum from
    dictionary.json; an object-typed attribute is resolved recursively;
  * dictionary types are followed down to the primitive (string_t,
    integer_t, long_t, float_t, boolean_t, json_t, object) with their regex,
    range, max_len and values.

Each record is checked: class_uid/category_uid/type_uid consistent with the
class, required attributes present, no attribute unknown to its class or
object (unmapped is the schema's own free-form object), every value of the
right type, every *_id value one of its enum's, a caption sibling equal to
its id's caption, the at_least_one / just_one constraints.

Usage: ocsf_check.py [--schema DIR] [--class UID]... [--values PATH]... [--quiet]
                     FILE.jsonl...
  --class UID    every record must be of one of these classes
  --values PATH  after the check, print "PATH<TAB>value" for each distinct
                 value at the dotted PATH (lists are walked), for coverage checks
  --list-files   print the schema files the given classes need (relative to
                 DIR), then exit: what tests/data/ocsf/ must hold
Exit 0 when every record is valid, 1 otherwise (each error printed as
FILE:LINE: path: reason), 2 on a usage or schema error.
"""
import copy
import ipaddress
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMA = os.path.join(HERE, "..", "data", "ocsf")
PRIMITIVES = {"string_t", "integer_t", "long_t", "float_t", "boolean_t", "json_t"}
INT_LIMITS = {"integer_t": (-(2 ** 31), 2 ** 31 - 1), "long_t": (-(2 ** 63), 2 ** 63 - 1)}


class SchemaError(Exception):
    pass


def merge(base, over):
    """over's entries over base's; enums merge value by value."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if k == "enum" and isinstance(out.get(k), dict):
            out[k] = {**out[k], **copy.deepcopy(v)}
        else:
            out[k] = copy.deepcopy(v)
    return out


class Schema:
    def __init__(self, root):
        self.root = root
        self.used = set()
        self.dictionary = self._load("dictionary.json")
        self.attrs = self.dictionary["attributes"]
        self.types = self.dictionary["types"]["attributes"]
        cats = self._load("categories.json")["attributes"]
        self.categories = {name: c["uid"] for name, c in cats.items()}
        self.raw = {}  # event name -> its file's JSON, to find a class by uid unresolved
        self.events = self._index("events")
        self.by_uid = None
        self.objects = self._index("objects")
        self.cache = {}

    def _load(self, rel):
        path = os.path.join(self.root, rel)
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise SchemaError(f"{path}: {e}")
        self.used.add(rel)
        return data

    def _index(self, sub):
        """name -> relative path of every definition under sub/."""
        index = {}
        for d, _, files in os.walk(os.path.join(self.root, sub)):
            for fn in sorted(files):
                if not fn.endswith(".json"):
                    continue
                rel = os.path.relpath(os.path.join(d, fn), self.root)
                with open(os.path.join(self.root, rel), encoding="utf-8") as f:
                    raw = json.load(f)
                if raw.get("name"):
                    index[raw["name"]] = rel
                    if sub == "events":
                        self.raw[raw["name"]] = raw
        return index

    def _own_attributes(self, definition):
        """The definition's attributes with its $include'd profiles merged under them."""
        own = dict(definition.get("attributes", {}))
        merged = {}
        for inc in own.pop("$include", []):
            part = self._load(inc)
            tag = part.get("name") if part.get("meta") == "profile" else None
            for name, a in part.get("attributes", {}).items():
                a = dict(a)
                if tag and "profile" not in a:
                    a["profile"] = tag
                merged[name] = merge(merged.get(name, {}), a)
        for name, a in own.items():
            merged[name] = merge(merged.get(name, {}), a)
        return merged

    def _resolve(self, kind, name):
        key = (kind, name)
        if key in self.cache:
            return self.cache[key]
        index = self.events if kind == "event" else self.objects
        if name not in index:
            raise SchemaError(f"{kind} '{name}' is not in {self.root}")
        definition = self._load(index[name])
        parent = definition.get("extends")
        if parent:
            base = self._resolve(kind, parent)
            attrs = {n: dict(a) for n, a in base["attributes"].items()}
            constraints = dict(base.get("constraints", {}))
            category = base.get("category")
        else:
            attrs, constraints, category = {}, {}, None
        for n, a in self._own_attributes(definition).items():
            attrs[n] = merge(attrs.get(n, {}), a)
        constraints.update(definition.get("constraints", {}))
        category = definition.get("category", category)
        resolved = {"name": name, "attributes": attrs, "constraints": constraints,
                    "category": category, "uid": definition.get("uid")}
        self.cache[key] = resolved
        return resolved

    def attribute(self, name, entry):
        """The dictionary's definition of name with the class/object entry over it."""
        if name not in self.attrs:
            raise SchemaError(f"attribute '{name}' is not in dictionary.json")
        return merge(self.attrs[name], entry)

    def final_attributes(self, resolved):
        """{name: complete definition} of a resolved class or object, made once."""
        if "final" not in resolved:
            resolved["final"] = {n: self.attribute(n, e) for n, e in resolved["attributes"].items()}
        return resolved["final"]

    def object(self, name):
        resolved = self._resolve("object", name)
        if name == "observable" and not resolved.get("observable_types"):
            self._observable_types(resolved)
        return resolved

    def _observable_types(self, resolved):
        """observable.type_id's enum is the schema's, as the OCSF server makes
        it: 0 and 99, plus every dictionary type, dictionary attribute and
        object that declares an "observable" number."""
        enum = {}
        for group in (self.types, self.attrs):
            for t in group.values():
                if "observable" in t:
                    enum[str(t["observable"])] = {"caption": t.get("caption")}
        for name, rel in self.objects.items():
            with open(os.path.join(self.root, rel), encoding="utf-8") as f:
                o = json.load(f)
            if "observable" in o:
                enum[str(o["observable"])] = {"caption": o.get("caption")}
        entry = resolved["attributes"].setdefault("type_id", {})
        entry["enum"] = {**enum, **entry.get("enum", {})}
        resolved["observable_types"] = True

    def event_class(self, name):
        c = self._resolve("event", name)
        if c["uid"] is None or c["category"] not in self.categories:
            raise SchemaError(f"'{name}' is not a concrete class")
        c["category_uid"] = self.categories[c["category"]]
        c["class_uid"] = c["category_uid"] * 1000 + c["uid"]
        return c

    def class_for_uid(self, class_uid):
        """The resolved class of that uid, or None (only that class is resolved)."""
        if self.by_uid is None:
            self.by_uid = {}
            for name in self.events:
                raw, category = self.raw[name], None
                while raw is not None and category is None:
                    category = raw.get("category")
                    raw = self.raw.get(raw.get("extends"))
                if self.raw[name].get("uid") is not None and category in self.categories:
                    self.by_uid[self.categories[category] * 1000 + self.raw[name]["uid"]] = name
        name = self.by_uid.get(class_uid)
        return self.event_class(name) if name else None

    def primitive(self, type_name):
        """(primitive, [constraint dicts from the most derived type down])."""
        chain = []
        t = type_name
        while t not in PRIMITIVES:
            if t not in self.types:
                return t, chain  # an object
            chain.append(self.types[t])
            t = self.types[t].get("type", t if t in PRIMITIVES else None)
            if t is None:
                raise SchemaError(f"type '{type_name}' has no base type")
        return t, chain

    def close_over(self, class_name):
        """Resolve a class and every object it reaches (for --list-files)."""
        seen = set()

        def walk(attributes):
            for n, entry in attributes.items():
                a = self.attribute(n, entry)
                prim, _ = self.primitive(a.get("type", "string_t"))
                if prim not in PRIMITIVES and prim != "object" and prim not in seen:
                    seen.add(prim)
                    walk(self.object(prim)["attributes"])

        self.object("object")
        walk(self.event_class(class_name)["attributes"])


class Checker:
    def __init__(self, schema):
        self.s = schema
        self.errors = []
        self.where = ""

    def err(self, path, msg):
        self.errors.append(f"{self.where}: {path or '(record)'}: {msg}")

    def check_record(self, rec, allowed_classes):
        if not isinstance(rec, dict):
            return self.err("", "not a JSON object")
        uid = rec.get("class_uid")
        c = self.s.class_for_uid(uid) if isinstance(uid, int) else None
        if c is None:
            return self.err("class_uid", f"{uid!r} is no class of this schema")
        if allowed_classes and uid not in allowed_classes:
            return self.err("class_uid", f"{uid} is not one of {sorted(allowed_classes)}")
        meta = rec.get("metadata")
        profiles = set(meta.get("profiles", [])) if isinstance(meta, dict) else set()
        if rec.get("category_uid") != c["category_uid"]:
            self.err("category_uid", f"{rec.get('category_uid')!r}, the class says {c['category_uid']}")
        act = rec.get("activity_id")
        if isinstance(act, int) and rec.get("type_uid") != uid * 100 + act:
            self.err("type_uid", f"{rec.get('type_uid')!r}, class_uid*100+activity_id is {uid * 100 + act}")
        fixed = {"class_uid", "category_uid", "type_uid"}  # checked above, not by enum
        self.check_object(rec, c, "", profiles, fixed)

    def check_object(self, value, resolved, path, profiles, skip_enum=()):
        final = self.s.final_attributes(resolved)
        attrs = {n: a for n, a in final.items()
                 if a.get("profile") is None or a["profile"] in profiles}
        if "datetime" in profiles:
            for n in list(attrs):
                if attrs[n].get("type") == "timestamp_t" and n + "_dt" in self.s.attrs:
                    attrs.setdefault(n + "_dt", self.s.attribute(n + "_dt", {}))
        for n, a in attrs.items():
            if a.get("requirement") == "required" and n not in value:
                self.err(join(path, n), "required attribute missing")
        for n, v in value.items():
            if n not in attrs:
                self.err(join(path, n), f"unknown to {resolved['name']}")
                continue
            a = attrs[n]
            self.check_value(v, a, join(path, n), profiles, n in skip_enum)
            self.check_sibling(value, n, a, path)
        cons = resolved.get("constraints", {})
        if "at_least_one" in cons and not any(k in value for k in cons["at_least_one"]):
            self.err(path, f"needs at least one of {cons['at_least_one']}")
        if "just_one" in cons and sum(k in value for k in cons["just_one"]) != 1:
            self.err(path, f"needs exactly one of {cons['just_one']}")

    def check_sibling(self, obj, name, a, path):
        sib = a.get("sibling")
        enum = a.get("enum")
        v = obj.get(name)
        if not sib or not enum or sib not in obj or str(v) not in enum or v == 99:
            return
        if obj[sib] != enum[str(v)].get("caption"):
            self.err(join(path, sib), f"{obj[sib]!r}, the caption of {name} {v} is "
                                      f"{enum[str(v)].get('caption')!r}")

    def check_value(self, v, a, path, profiles, skip_enum):
        if a.get("is_array"):
            if not isinstance(v, list):
                return self.err(path, "not an array")
            for i, e in enumerate(v):
                self.check_scalar(e, a, f"{path}[{i}]", profiles, skip_enum)
        else:
            self.check_scalar(v, a, path, profiles, skip_enum)

    def check_scalar(self, v, a, path, profiles, skip_enum):
        prim, chain = self.s.primitive(a.get("type", "string_t"))
        if prim == "json_t":
            return
        if prim == "object":
            if not isinstance(v, dict):
                self.err(path, "not an object")
            return
        if prim not in PRIMITIVES:
            if not isinstance(v, dict):
                return self.err(path, f"not an object ({prim})")
            return self.check_object(v, self.s.object(prim), path, profiles)
        if not self.type_ok(v, prim):
            return self.err(path, f"{v!r} is not {a.get('type')}")
        for t in chain:
            self.constraints_ok(v, t, a.get("type"), path)
        if a.get("type") == "ip_t" and not valid_ip(v):
            self.err(path, f"{v!r} is not an IP address")
        enum = a.get("enum")
        if enum and not skip_enum and str(v) not in enum:
            self.err(path, f"{v!r} is not one of its enum values {sorted(enum, key=enum_key)}")

    @staticmethod
    def type_ok(v, prim):
        if prim == "string_t":
            return isinstance(v, str)
        if prim == "boolean_t":
            return isinstance(v, bool)
        if prim in INT_LIMITS:
            lo, hi = INT_LIMITS[prim]
            return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi
        if prim == "float_t":
            return isinstance(v, (int, float)) and not isinstance(v, bool)
        return False

    def constraints_ok(self, v, t, tname, path):
        if "regex" in t and isinstance(v, str) and not re.search(t["regex"], v):
            self.err(path, f"{v!r} does not match the {tname} pattern")
        if "max_len" in t and isinstance(v, str) and len(v) > t["max_len"]:
            self.err(path, f"longer than {t['max_len']} ({tname})")
        if "range" in t and not t["range"][0] <= v <= t["range"][1]:
            self.err(path, f"{v} is outside {t['range']} ({tname})")
        if "values" in t and v not in t["values"]:
            self.err(path, f"{v!r} is not one of {t['values']} ({tname})")


def join(path, name):
    return f"{path}.{name}" if path else name


def enum_key(k):
    return (0, int(k)) if k.lstrip("-").isdigit() else (1, k)


def valid_ip(v):
    try:
        ipaddress.ip_address(v.split("%")[0])
        return True
    except ValueError:
        return False


def values_at(rec, dotted):
    cur = [rec]
    for part in dotted.split("."):
        nxt = []
        for c in cur:
            if isinstance(c, dict) and part in c:
                x = c[part]
                nxt.extend(x if isinstance(x, list) else [x])
        cur = nxt
    return cur


def main(argv):
    schema_dir, classes, value_paths, quiet, list_files, files = DEFAULT_SCHEMA, set(), [], False, False, []
    it = iter(argv)
    for a in it:
        if a == "--schema":
            schema_dir = next(it)
        elif a == "--class":
            classes.add(int(next(it)))
        elif a == "--values":
            value_paths.append(next(it))
        elif a == "--quiet":
            quiet = True
        elif a == "--list-files":
            list_files = True
        elif a.startswith("-") and a != "-":
            print(__doc__, file=sys.stderr)
            return 2
        else:
            files.append(a)
    try:
        schema = Schema(schema_dir)
        if list_files:
            for uid in sorted(classes):
                c = schema.class_for_uid(uid)
                if c is None:
                    raise SchemaError(f"no class {uid}")
                schema.close_over(c["name"])
            for rel in sorted(schema.used):
                print(rel)
            return 0
        checker = Checker(schema)
        seen = {p: set() for p in value_paths}
        n = 0
        for fn in files:
            f = sys.stdin if fn == "-" else open(fn, encoding="utf-8")
            for no, line in enumerate(f, 1):
                if not line.strip():
                    continue
                checker.where = f"{fn}:{no}"
                n += 1
                try:
                    rec = json.loads(line)
                except ValueError as e:
                    checker.err("", f"not JSON: {e}")
                    continue
                checker.check_record(rec, classes)
                for p in value_paths:
                    seen[p].update(json.dumps(x) if not isinstance(x, str) else x
                                   for x in values_at(rec, p))
    except SchemaError as e:
        print(f"ocsf_check: schema: {e}", file=sys.stderr)
        return 2
    for e in checker.errors:
        print(e)
    for p in value_paths:
        for x in sorted(seen[p]):
            print(f"{p}\t{x}")
    if not quiet or checker.errors:
        print(f"ocsf_check: {n} records, {len(checker.errors)} errors "
              f"(OCSF {schema_version(schema_dir)})", file=sys.stderr)
    if n == 0:
        print("ocsf_check: no records", file=sys.stderr)
        return 1
    return 1 if checker.errors else 0


def schema_version(root):
    try:
        with open(os.path.join(root, "version.json"), encoding="utf-8") as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return "?"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
