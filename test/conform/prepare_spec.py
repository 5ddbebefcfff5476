#!/usr/bin/python3
"""prepare_spec.py - UKG's OpenAPI document, made servable by a mock.

    /usr/bin/python3 test/conform/prepare_spec.py OUT.json [--api-dir DIR]

Reads tools/ukg-api/openapi.yaml (the in-repository copy of UKG's spec) and
writes it as JSON with three changes, and no other:

  * every `security` requirement is removed (top level and per operation),
    so that the mock accepts any Authorization header: Prism checks
    credentials only for presence and shape, and the conformance test is
    about the query string;
  * `servers` becomes "/", so that the paths are served from the root;
  * the documented real paths are added as copies of the operations the
    spec keys without their prefix: `configuration/v1/jobs`,
    `configuration/v1/locations`, every code table under
    `configuration/v1/code-tables/<name>`, and whatever path
    tools/gen_catalog.py gives a resource that differs from its spec key
    (the catalog's own path, so the wrapper requests a path the mock
    knows whichever of them the catalog uses).

Parameters, schemas, formats and patterns are untouched: they are what the
mock validates every request against.
"""

import argparse
import copy
import json
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tools"))
sys.dont_write_bytecode = True
import gen_catalog  # noqa: E402

import yaml  # noqa: E402

CONFIRMED = {"/jobs": "/configuration/v1/jobs",
             "/locations": "/configuration/v1/locations"}
CODE_TABLES = "/configuration/v1/code-tables/"


def strip_security(node):
    """Remove every `security` key of the document and its operations."""
    node.pop("security", None)
    for item in node.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict):
                op.pop("security", None)


def real_paths(doc):
    """{spec key: [real paths]} for the operations the spec keys without a
    prefix, plus the catalog's own path where it differs."""
    spec = gen_catalog.Spec(doc)
    res, _ = gen_catalog.build(spec, {}, {})
    extra = {}
    for key in doc["paths"]:
        segs = key.strip("/").split("/")
        if len(segs) != 1 or "{" in key or "get" not in doc["paths"][key]:
            continue
        if segs[0] in gen_catalog.SCHEMAS:
            continue
        extra.setdefault(key, []).append(CONFIRMED.get(key, CODE_TABLES + segs[0]))
    for r in res:
        path = "/" + r["path"]
        if path != r["key"] and path not in extra.get(r["key"], []):
            extra.setdefault(r["key"], []).append(path)
    return extra


def load_spec(api_dir):
    with open(os.path.join(api_dir, "openapi.yaml"), encoding="utf-8") as f:
        return yaml.load(f, Loader=gen_catalog.make_loader())


def prepare(api_dir):
    doc = load_spec(api_dir)
    strip_security(doc)
    doc["servers"] = [{"url": "/"}]
    for key, paths in sorted(real_paths(doc).items()):
        for path in paths:
            if path in doc["paths"]:
                continue
            # a copy, GET only: the conformance test sends nothing else
            doc["paths"][path] = {"get": copy.deepcopy(doc["paths"][key]["get"])}
    return doc


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--api-dir", default=os.path.join(TOP, "tools", "ukg-api"))
    args = ap.parse_args(argv)
    doc = prepare(args.api_dir)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
