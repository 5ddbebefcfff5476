#!/usr/bin/python3
"""Generate ukg_fdw's compiled-in resource catalog.

Reads UKG's OpenAPI document (openapi.yaml) plus the machine-extracted
endpoint catalog (catalog.md) and the research notes (FACTS.md) that sit
beside it, and writes

    src/catalog_data.c      the UkgResourceDef table (see src/ukg_catalog.h)
    doc/catalog-notes.md    how the catalog is derived, every spec defect
                            worked around, and the table of resources

Usage (from anywhere; paths are relative to the repository root):

    /usr/bin/python3 tools/gen_catalog.py [--api-dir DIR] [--check]

--api-dir defaults to $UKG_API_DIR, else tools/ukg-api in this repository
(a copy of UKG's spec and the notes the generator reads, kept in the
repository so that a clean clone can regenerate and check the catalog).
--check regenerates in memory and exits 1 if either output is stale.

The spec is the source of types, formats, parameters and summaries; the
permission ("View" role on a UKG web service) is parsed from the operation
description, cross-checked against catalog.md and FACTS.md section 2, which
fill in when the spec text has none.  Everything that deviates from the
spec is listed in the OVERRIDES section below and reported in
doc/catalog-notes.md.

Output is deterministic: no timestamps, ordered by schema then name.
Needs Python 3.9+ and PyYAML (Debian: python3-yaml).
"""

import argparse
import hashlib
import os
import re
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_C = os.path.join("src", "catalog_data.c")
OUT_DOC = os.path.join("doc", "catalog-notes.md")

SCHEMAS = ("personnel", "configuration", "payroll")

# ---------------------------------------------------------------------------
# OVERRIDES: every place the generator does not simply follow the spec.
# Each one is reported in doc/catalog-notes.md.
# ---------------------------------------------------------------------------

# Paths the merged spec keys without their "configuration/v1/" prefix whose
# real path integrators confirm (FACTS.md 2.1).
CONFIRMED_PREFIX = {
    "jobs": "configuration/v1/jobs",
    "locations": "configuration/v1/locations",
}
# Every other single-segment GET path in the spec is a configuration code
# table (/allergy, /awardType, ...).  UKG's developer reference serves them
# at configuration/v1/code-tables/<name> (e.g. GET
# https://{hostname}/configuration/v1/code-tables/careerProvider/), the
# route the code-tables resource links to (FACTS.md 2.1, issue #12).
CODE_PREFIX = "configuration/v1/code-tables/"

# Query-parameter names that drive paging (never filters, never columns).
PAGING_PARAMS = {"page": None, "per_Page": "UKG_PAGING_PER_PAGE_UPPER",
                 "per_page": "UKG_PAGING_PER_PAGE_LOWER"}
# Paging echoes found in record schemas: dropped from the columns.
PAGING_ECHO_KEYS = {"page", "per_Page", "per_page", "pagesCount"}

# Record schemas that (partly) echo the query parameters instead of
# describing the record.
#   "replace": take the columns of another resource, renaming keys.
#   "drop":    drop these keys (an echo block appended to a real record).
#   "keep":    no better source; keep the echo fields, flag as uncertain.
ECHO_SCHEMAS = {
    "personnel/v1/employee-employment-details": {
        "action": "replace",
        "source": "personnel/v1/employment-details",
        # this resource's own id spellings (its query parameters)
        "rename": {"companyID": "companyID", "employeeID": "employeeID",
                   "supervisorID": "supervisorId"},
    },
    "personnel/v1/emp-deductions": {
        "action": "drop",
        "keys": ["employeeId", "companyId", "dedCode", "benStatus",
                 "endDateTime", "page", "per_Page"],
    },
    "personnel/v1/employee-contract-details": {
        "action": "keep",
    },
}

# Query parameters that filter a record field spelled differently (beyond
# case): (path, param) -> json key.
FILTER_ALIASES = {
    ("personnel/v1/emp-deductions", "dedCode"): "deductionCode",
    ("personnel/v1/emp-deductions", "benStatus"): "benefitStatus",
    ("personnel/v1/audit-details", "tableName"): "audTableName",
    ("personnel/v1/audit-details", "fieldName"): "audFieldName",
    ("personnel/v1/audit-details", "action"): "audAction",
}

# Window parameters that take RFC 3339 timestamps (UKG_FILTER_KIND_DATETIME,
# equality only) rather than UKG's MM-DD-YYYY date operators.
DATETIME_PARAMS = {
    ("personnel/v1/employee-changes", "startDate"),
    ("personnel/v1/employee-changes", "endDate"),
    ("personnel/v1/audit-details", "startDateTime"),
    ("personnel/v1/audit-details", "endDateTime"),
    ("personnel/v1/open-enrollment-dep-deductions", "startDateTime"),
    ("personnel/v1/open-enrollment-dep-deductions", "endDateTime"),
    ("personnel/v1/open-enrollment-emp-deductions", "startDateTime"),
    ("personnel/v1/open-enrollment-emp-deductions", "endDateTime"),
}

# UKG's date operators (`=<d`, `=>d`, `={a,b}`, FACTS.md 3) are documented
# per operation, in its description ("Correct syntax when using date-time
# parameters ...").  Only the date filters of such an operation get
# UKG_FILTER_RANGE; a date filter on a record column of any other operation
# is not pushed at all (its value form is undocumented), and a date-time
# parameter column takes an exact RFC 3339 value.
RANGE_DOC_RE = re.compile(r"less\s+than\s+\(=<\)", re.I)

# Spec patterns of the shape a one-letter flag takes: a parameter with one
# is a boolean filter, sent as "Y" (a false value cannot be sent).
YES_PATTERN_RE = re.compile(r"^\^\[yY\](\{1\})?\$$")

# The only pattern shapes the spec uses, and so the only ones the generator
# passes on: ^[class]*$ and ^[class]{n}$ with a class of letters, digits,
# ranges, `*`, `,`, `\s`, `\[` and `\]`.  ukg_fdw evaluates them with
# PostgreSQL's regular expressions, whose syntax agrees with ECMA-262 (the
# dialect of OpenAPI patterns) on exactly these.  A string parameter's
# minLength/maxLength is folded into its ^[class]*$ pattern as {min,max}, so
# that one pattern carries every constraint on the value's text.
PATTERN_SHAPE_RE = re.compile(
    r"^\^\[(?:[A-Za-z0-9*,]|[A-Za-z0-9]-[A-Za-z0-9]|\\[s\[\]])+\]"
    r"(?:\*|\{\d+(?:,\d+)?\})\$$")


def param_pattern(qs):
    """The pattern a string parameter's value must match (the spec's, with
    minLength/maxLength folded in), or None."""
    pattern = qs.get("pattern")
    lo, hi = qs.get("minLength"), qs.get("maxLength")
    if qs.get("type") != "string" or (lo is None and hi is None):
        return pattern
    m = re.match(r"^\^(\[.*\])\*\$$", pattern or "")
    if not m:
        raise GenError("length limits without a ^[class]*$ pattern: %r" % qs)
    return "^%s{%d,%s}$" % (m.group(1), lo or 0, "" if hi is None else hi)

# Parameters the API requires although the spec marks them optional.
REQUIRED_PARAMS = {
    ("personnel/v1/employee-changes", "startDate"): "FACTS.md 3/7",
    ("personnel/v1/employee-changes", "endDate"): "FACTS.md 3/7",
}

# Parameters that accept a comma-separated list (UKG_FILTER_LIST) are
# derived from the spec (issue #12), never guessed: see spec_list_source().
# An IN list on any other filter is sent as one request per value.

# Numeric-typed keys that are really identifiers (leading zeros matter).
ID_SUFFIX_RE = re.compile(r"(Id|ID|Code|Number)$")
ID_KEYS = {"employeeNumber"}

DESC_MAX = 120

# PostgreSQL 15 keywords that cannot be bare column names
# (RESERVED_KEYWORD and TYPE_FUNC_NAME_KEYWORD in parser/kwlist.h).
PG_RESERVED = set("""
all analyse analyze and any array as asc asymmetric both case cast check
collate column constraint create current_catalog current_date current_role
current_time current_timestamp current_user default deferrable desc distinct
do else end except false fetch for foreign from grant group having in
initially intersect into lateral leading limit localtime localtimestamp not
null offset on only or order placing primary references returning select
session_user some symmetric table then to trailing true union unique user
using variadic when where window with
authorization binary collation concurrently cross current_schema freeze full
ilike inner is isnull join left like natural notnull outer overlaps right
similar tablesample verbose
""".split())


class GenError(Exception):
    pass


# ---------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------

def make_loader():
    """A safe YAML loader that keeps dates as strings and only true/false as
    booleans, so property names and examples stay as written."""
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):
        pass

    Loader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v
            if tag not in ("tag:yaml.org,2002:timestamp",
                           "tag:yaml.org,2002:bool")]
        for k, v in base.yaml_implicit_resolvers.items()}
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    return Loader


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def parse_catalog_md(path):
    """{ "/path": permission or None } for GET operations in catalog.md."""
    perms = {}
    cur = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^### (\w+) (\S+)", line)
            if m:
                cur = m.group(2) if m.group(1) == "GET" else None
                continue
            m = re.match(r"^- permission: (.*)$", line)
            if m and cur is not None:
                v = m.group(1).strip()
                perms[cur] = None if v in ("", "?") else v
    return perms


def parse_facts(path):
    """{ "path-without-slash": permission or None } from FACTS.md section 2."""
    perms = {}
    if not os.path.exists(path):
        return perms
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not re.match(r"^\| \d+ \| `GET ", line):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            m = re.match(r"`GET (/[^\s`]+)", cells[1])
            if not m or len(cells) < 7:
                continue
            p = m.group(1).lstrip("/")
            v = cells[5]
            if re.match(r"(?i)(none|not) stated|^-$|^—$|^\?$", v):
                v = None
            perms[p] = v
    return perms


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def snake(s):
    s = s.replace("-", "_")
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = re.sub(r"_+", "_", s).strip("_").lower()
    return s


def clean_text(s, limit=None):
    if not s:
        return None
    s = re.sub(r"<[^>]*>", " ", str(s))
    s = re.sub(r"\s+", " ", s).strip()
    if not s:
        return None
    if limit and len(s) > limit:
        cut = s[:limit - 3]
        sp = cut.rfind(" ")
        if sp > limit // 2:
            cut = cut[:sp]
        s = cut.rstrip(" ,;:.") + "..."
    return s


def c_str(s):
    """A C string literal (or NULL).  Non-ASCII bytes become octal escapes;
    '?' after '?' is escaped so no trigraph can form."""
    if s is None:
        return "NULL"
    out = ['"']
    prev = ""
    for b in s.encode("utf-8"):
        ch = chr(b)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "?" and prev == "?":
            out.append("\\?")
        elif 0x20 <= b < 0x7f:
            out.append(ch)
        else:
            out.append("\\%03o" % b)
        prev = ch
    out.append('"')
    return "".join(out)


PERM_RE = re.compile(
    r"""["']?View\\?["']?\s+role\s+for\s+(?:the\s+)?\\?["']?"""
    r"""([A-Za-z][A-Za-z ]*?)\\?["']?\s+(?:Web\s+Service|Api\s+endpoints)""",
    re.I)


def spec_permission(desc):
    if not desc:
        return None
    found = sorted(set(m.group(1).strip() for m in PERM_RE.finditer(desc)))
    if len(found) > 1:
        raise GenError("several permissions in one description: %r" % found)
    return found[0] if found else None


class Spec:
    def __init__(self, doc):
        self.doc = doc
        self.schemas = doc.get("components", {}).get("schemas", {})

    def deref(self, s):
        seen = set()
        while isinstance(s, dict) and "$ref" in s:
            ref = s["$ref"]
            if ref in seen or not ref.startswith("#/components/schemas/"):
                raise GenError("bad $ref %r" % ref)
            seen.add(ref)
            s = self.schemas[ref.split("/")[-1]]
        return s


def pg_type(spec, key, prop, notes):
    """PostgreSQL type for one record property."""
    p = spec.deref(prop)
    t = p.get("type")
    fmt = p.get("format")
    if any(k in p for k in ("allOf", "oneOf", "anyOf")):
        return "jsonb"
    if t is None:
        notes.append("untyped in spec -> jsonb")
        return "jsonb"
    if t in ("object", "array"):
        return "jsonb"
    if t == "string":
        if p.get("properties"):
            notes.append("typed string but has properties -> jsonb")
            return "jsonb"
        if fmt == "date-time":
            return "timestamp"
        if fmt == "date":
            return "date"
        return "text"
    if t in ("integer", "number"):
        if key in ID_KEYS or ID_SUFFIX_RE.search(key):
            notes.append("typed %s%s but an identifier -> text"
                         % (t, "/" + fmt if fmt else ""))
            return "text"
        if t == "integer":
            return "integer" if fmt == "int32" else "bigint"
        return "numeric"
    if t == "boolean":
        return "boolean"
    raise GenError("unknown type %r for %s" % (t, key))


def record_schema(spec, op):
    """(record schema, how) for the 2xx response of a GET op, or (None, why)."""
    resp = None
    for code in sorted(op.get("responses", {})):
        if str(code).startswith("2"):
            resp = op["responses"][code]
            break
    if resp is None or "content" not in resp:
        return None, "no 2xx response body"
    content = resp["content"]
    ct = "application/json" if "application/json" in content \
        else sorted(content)[0]
    sch = spec.deref(content[ct].get("schema", {}))
    if sch.get("type") == "array":
        item = spec.deref(sch.get("items", {}))
        if item.get("type") == "object" or item.get("properties"):
            return item, "array"
        return None, "array of %s, not records" % item.get("type")
    if sch.get("type") == "object" or sch.get("properties"):
        if not sch.get("properties"):
            return None, "object without properties"
        return sch, "object"
    return None, "response is %s" % sch.get("type")


# ---------------------------------------------------------------------------
# Build the catalog
# ---------------------------------------------------------------------------

def spec_list_source(op, q, qs, names):
    """Why the spec says query parameter q takes a comma list, or None:
    "pattern" when its schema pattern allows a comma; "wording" when q is
    the parameter a sentence of the operation description names last
    before "separated by comma" (UKG writes "ex: [id1, id2]"), or its own
    description says so; "example" when an example URL of the description
    gives it a comma list that is not a {date,date} range
    (deductionCode={dedCode1,dedCode2}).  names: all the operation's query
    parameters."""
    def name_re(n):
        spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", n)
        return re.compile(r"\b(%s|%s)\b" % (re.escape(n), re.escape(spaced)), re.I)

    name = q["name"]
    pat = qs.get("pattern")
    if isinstance(pat, str) and "," in pat:
        return "pattern"
    own = " ".join(re.sub(r"<[^>]+>", " ", q.get("description") or "").split())
    if re.search(r"separated by com+a", own, re.I):
        return "wording"
    flat = " ".join(re.sub(r"<[^>]+>", " ", op.get("description") or "").split())
    res = {n: name_re(n) for n in names}
    for sentence in re.split(r"(?<=\.)\s+", flat):
        m = re.search(r"separated by com+a", sentence, re.I)
        if not m:
            continue
        head = sentence[:m.start()]
        last = max(((mm.start(), n) for n, r in res.items()
                    for mm in r.finditer(head)), default=None)
        if last and last[1] == name:
            return "wording"
    date = r"\d{2}-\d{2}-\d{4}"
    for m in re.finditer(r"[?&]%s=([\[{][^&\s]*,[^&\s]*[\]}])" % re.escape(name), flat, re.I):
        if not re.fullmatch(r"[\[{]%s,%s[\]}]" % (date, date), m.group(1)):
            return "example"
    return None


def spec_page_cap(spec, q):
    """The largest page size the spec gives a per_Page/per_page parameter:
    its maxLength (the spec's spelling of a maximum on these numbers) or a
    maximum below int32's; 0 when the spec gives none."""
    qs = spec.deref(q.get("schema", {}))
    caps = [v for v in (qs.get("maxLength"), qs.get("maximum"))
            if isinstance(v, int) and 0 < v < 2147483647]
    return min(caps) if caps else 0


def build(spec, catalog_perms, facts_perms):
    paths = spec.doc["paths"]
    log = {
        "excluded": [], "object_slips": [], "unprefixed": [],
        "collisions": [], "renames": [], "type_notes": [],
        "perm_source": [], "perm_conflicts": [], "echo": [],
        "aliases": [], "param_cols": [], "date_text": [], "perm_agree": 0,
        "yes_flags": [], "date_local": [], "length_folded": [],
        "page_caps": [], "lists": [],
    }

    # -- select -------------------------------------------------------------
    selected = []
    for key in sorted(paths):
        item = paths[key]
        if "get" not in item:
            continue
        segs = key.strip("/").split("/")
        if "{" in key:
            continue                    # scoped variants / single records
        if segs[0] in SCHEMAS:
            schema = segs[0]
            path = key.strip("/")
            how_path = None
        elif len(segs) == 1:
            schema = "configuration"
            if segs[0] in CONFIRMED_PREFIX:
                path = CONFIRMED_PREFIX[segs[0]]
                how_path = "confirmed"
            else:
                path = CODE_PREFIX + segs[0]
                how_path = "code-table"
        else:
            continue                    # time, simpleschedule, talent, ...
        op = item["get"]
        rec, how = record_schema(spec, op)
        if rec is None:
            log["excluded"].append((key, how))
            continue
        selected.append(dict(key=key, schema=schema, path=path, op=op,
                             rec=rec, how=how, how_path=how_path))

    # -- names --------------------------------------------------------------
    by_name = {}
    for r in selected:
        r["name"] = r["path"].rsplit("/", 1)[1]
        by_name.setdefault(r["name"], []).append(r)
    for name, group in sorted(by_name.items()):
        if len(group) < 2:
            continue
        group.sort(key=lambda r: r["path"])
        for r in group[1:]:
            m = re.search(r"/(v\d+)/", "/" + r["path"] + "/")
            cand = "%s-%s" % (name, m.group(1)) if m else None
            if not cand or cand in by_name:
                cand = "%s-%s" % (name, r["schema"])
            log["collisions"].append((r["path"], name, cand, group[0]["path"]))
            r["name"] = cand
    names = [r["name"] for r in selected]
    if len(set(names)) != len(names):
        raise GenError("resource names still collide")
    for r in selected:
        r["table_name"] = snake(r["name"])
    tnames = [r["table_name"] for r in selected]
    if len(set(tnames)) != len(tnames):
        raise GenError("table names collide: %r" % tnames)

    by_path = {r["path"]: r for r in selected}

    # -- per resource -------------------------------------------------------
    out = []
    for r in selected:
        path, op = r["path"], r["op"]
        if r["how"] == "object":
            log["object_slips"].append(path)
        if r["how_path"]:
            log["unprefixed"].append((r["key"], path, r["how_path"]))

        # paging + query params
        paging = "UKG_PAGING_NONE"
        page_cap = 0
        params = []
        for q in op.get("parameters", []):
            q = spec.deref(q)
            if q.get("in") != "query":
                raise GenError("%s: non-query parameter %s" % (path, q))
            if q["name"] in PAGING_PARAMS:
                if PAGING_PARAMS[q["name"]]:
                    paging = PAGING_PARAMS[q["name"]]
                    page_cap = spec_page_cap(spec, q)
                    if page_cap:
                        log["page_caps"].append((path, q["name"], page_cap))
                continue
            params.append(q)

        # permission
        perm = spec_permission(op.get("description"))
        src = "spec"
        cperm = catalog_perms.get(r["key"])
        fperm = facts_perms.get(path)
        for other, oname in ((cperm, "catalog.md"), (fperm, "FACTS.md")):
            if perm and other and other != perm:
                log["perm_conflicts"].append((path, perm, oname, other))
        if perm is None:
            if cperm:
                perm, src = cperm, "catalog.md"
            elif fperm:
                perm, src = fperm, "FACTS.md"
            else:
                src = None
        log["perm_source"].append((path, src))
        if perm and (cperm == perm or fperm == perm):
            log["perm_agree"] += 1

        # record columns
        echo = ECHO_SCHEMAS.get(path)
        rec = r["rec"]
        rename = {}
        dropped = set(PAGING_ECHO_KEYS)
        if echo and echo["action"] == "replace":
            src_r = by_path[echo["source"]]
            log["echo"].append((path, "replaced by the record of %s"
                                % echo["source"]))
            rec = src_r["rec"]
            rename = echo["rename"]
        elif echo and echo["action"] == "drop":
            dropped |= set(echo["keys"])
            log["echo"].append((path, "dropped echo keys " +
                                ", ".join(echo["keys"])))
        elif echo and echo["action"] == "keep":
            log["echo"].append((path, "schema is the query echo; kept its "
                                "non-paging fields as the columns "
                                "(uncertain)"))
        columns = []
        colnames = {}
        props = rec.get("properties", {})
        for k, prop in props.items():
            if not isinstance(k, str):
                raise GenError("%s: non-string key %r" % (path, k))
            if k in dropped:
                if k in PAGING_ECHO_KEYS and not echo:
                    log["echo"].append((path, "dropped paging echo " + k))
                continue
            jk = rename.get(k, k)
            if jk != k:
                log["renames"].append((path, k, jk))
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", jk):
                raise GenError("%s: odd key %r" % (path, jk))
            cname = snake(jk)
            if cname in colnames:
                log["collisions"].append(
                    (path, jk, cname, colnames[cname]["json_key"]))
                continue
            notes = []
            ctype = pg_type(spec, jk, prop, notes)
            for n in notes:
                log["type_notes"].append((path, jk, n))
            desc = clean_text(spec.deref(prop).get("description"), DESC_MAX)
            col = dict(json_key=jk, name=cname, type=ctype, description=desc)
            colnames[cname] = col
            columns.append(col)
        if not columns:
            raise GenError("%s: no columns" % path)

        # filters
        lists = {}
        for q in params:
            why = spec_list_source(op, q, spec.deref(q.get("schema", {})),
                                   [p["name"] for p in params])
            if why:
                lists[q["name"]] = why
        lower = {}
        for c in columns:
            if c["json_key"]:
                lower.setdefault(c["json_key"].lower(), c)
        filters = []
        range_doc = bool(RANGE_DOC_RE.search(op.get("description") or ""))
        for q in params:
            pn = q["name"]
            qs = spec.deref(q.get("schema", {}))
            qt, qf = qs.get("type"), qs.get("format")
            pattern = param_pattern(qs)
            if pattern != qs.get("pattern"):
                log["length_folded"].append((path, pn, qs.get("pattern"), pattern))
            if pattern is not None and not PATTERN_SHAPE_RE.match(pattern):
                raise GenError("%s: parameter %s has a pattern of a shape "
                               "ukg_fdw does not evaluate: %r"
                               % (path, pn, pattern))
            yes_flag = pattern is not None and bool(YES_PATTERN_RE.match(pattern))
            if yes_flag:
                log["yes_flags"].append((path, pn, pattern))
            alias = FILTER_ALIASES.get((path, pn))
            col = None
            if alias:
                col = lower.get(alias.lower())
                if col is None:
                    raise GenError("%s: alias %s->%s has no field"
                                   % (path, pn, alias))
                log["aliases"].append((path, pn, col["json_key"]))
            else:
                col = lower.get(pn.lower())
            is_param = col is None
            if is_param:
                if qf == "date-time":
                    ptype = "timestamp"
                elif qt == "boolean" or yes_flag:
                    ptype = "boolean"
                elif qt == "integer":
                    ptype = "integer" if qf == "int32" else "bigint"
                else:
                    ptype = "text"
                cname = snake(pn)
                if cname in colnames:
                    cname += "_param"
                    if cname in colnames:
                        raise GenError("%s: cannot name param column %s"
                                       % (path, pn))
                pdesc = clean_text(q.get("description"), DESC_MAX - 40)
                desc = "Request parameter %s, echoed (not in the record)%s" % (
                    pn, ": " + pdesc if pdesc else "")
                col = dict(json_key=None, name=cname, type=ptype,
                           description=clean_text(desc, DESC_MAX))
                colnames[cname] = col
                columns.append(col)
                log["param_cols"].append((path, pn, cname, ptype))
            ctype = col["type"]
            # kind
            if (path, pn) in DATETIME_PARAMS:
                kind = "DATETIME"
            elif qt == "boolean" or ctype == "boolean" or yes_flag:
                kind = "BOOLEAN"
            elif qt in ("integer", "number"):
                kind = "INTEGER"
            elif "date" in pn.lower() or qf == "date-time":
                kind = "DATE"
            else:
                kind = "STRING"
            if kind == "DATE" and ctype == "text":
                # a date filter on a field the spec types as plain string:
                # no typed value to compare, so equality on the raw string.
                log["date_text"].append((path, pn, col["name"]))
                kind = "STRING"
            # ops
            if kind == "STRING":
                ops = ["UKG_FILTER_EQ"]
                if pn in lists and not is_param:
                    ops.append("UKG_FILTER_LIST")
                    log["lists"].append((path, pn, lists[pn]))
            elif kind == "DATE" and is_param:
                ops = ["UKG_FILTER_EQ"]
            elif kind == "DATE" and range_doc:
                ops = ["UKG_FILTER_EQ", "UKG_FILTER_RANGE"]
            elif kind == "DATE":
                # the operation documents no value form for this filter:
                # listed, never pushed, filtered locally
                ops = []
                log["date_local"].append((path, pn, col["name"]))
            elif kind == "DATETIME":
                ops = ["UKG_FILTER_EQ"]
            elif kind == "BOOLEAN":
                ops = ["UKG_FILTER_EQ", "UKG_FILTER_BOOL"]
            else:
                ops = ["UKG_FILTER_EQ"]
            required = bool(q.get("required")) or (path, pn) in REQUIRED_PARAMS
            if required and not ops:
                raise GenError("%s: required parameter %s cannot be pushed"
                               % (path, pn))
            if "UKG_FILTER_RANGE" in ops and (qf or pattern):
                # UKG's operator forms (>d, {a,b}) are checked against
                # neither; the spec must constrain them by no format or pattern
                raise GenError("%s: range filter %s has a format or pattern"
                               % (path, pn))
            filters.append(dict(param=pn, column=col["name"], kind=kind,
                                ops=ops, required=required,
                                is_param=is_param, format=qf,
                                pattern=pattern))
        for (p, pn) in list(REQUIRED_PARAMS) + list(DATETIME_PARAMS):
            if p == path and pn not in [f["param"] for f in filters]:
                raise GenError("%s: override for missing param %s" % (p, pn))

        out.append(dict(
            name=r["name"], table_name=r["table_name"], schema=r["schema"],
            path=path, paging=paging, page_cap=page_cap, permission=perm,
            summary=clean_text(op.get("summary")) or clean_text(
                op.get("description"), DESC_MAX),
            columns=columns, filters=filters, key=r["key"], how=r["how"],
            how_path=r["how_path"]))

    for (p, _pn) in list(FILTER_ALIASES) + list(DATETIME_PARAMS):
        if p not in by_path:
            raise GenError("override for unknown resource %s" % p)
    for p in list(ECHO_SCHEMAS):
        if p not in by_path:
            raise GenError("override for unknown resource %s" % p)
    # every record schema with a paging echo must be known
    for r in out:
        if r["path"] in ECHO_SCHEMAS:
            continue
        keys = set(by_path[r["path"]]["rec"].get("properties", {}))
        if keys & PAGING_ECHO_KEYS:
            raise GenError("%s: record schema echoes paging params; add it "
                           "to ECHO_SCHEMAS" % r["path"])

    order = {s: i for i, s in enumerate(SCHEMAS)}
    out.sort(key=lambda r: (order[r["schema"]], r["name"]))
    return out, log


# ---------------------------------------------------------------------------
# Output: C
# ---------------------------------------------------------------------------

KIND_C = {k: "UKG_FILTER_KIND_" + k for k in
          ("STRING", "DATE", "DATETIME", "BOOLEAN", "INTEGER")}


def emit_c(res, inputs):
    L = []
    a = L.append
    a("/*-------------------------------------------------------------------------")
    a(" *")
    a(" * catalog_data.c")
    a(" *\t\t  UKG Pro resource catalog compiled into ukg_fdw.")
    a(" *")
    a(" * GENERATED FILE - DO NOT EDIT BY HAND.")
    a(" * Generated by tools/gen_catalog.py from:")
    for name, digest in inputs:
        a(" *   %-13s sha256 %s" % (name, digest))
    a(" * (UKG Pro OpenAPI document from konfig-sdks/ukg-java-sdk api/openapi.yaml,")
    a(" * the catalog.md endpoint catalog and the FACTS.md research notes).")
    a(" * Regenerate with: /usr/bin/python3 tools/gen_catalog.py")
    a(" * Derivation rules and spec defects: doc/catalog-notes.md")
    a(" *")
    a(" * %d resources, %d columns, %d filters."
      % (len(res), sum(len(r["columns"]) for r in res),
         sum(len(r["filters"]) for r in res)))
    a(" *")
    a(" * IDENTIFICATION")
    a(" *\t\t  src/catalog_data.c")
    a(" *")
    a(" *-------------------------------------------------------------------------")
    a(" */")
    a('#include "postgres.h"')
    a("")
    a('#include "ukg_catalog.h"')
    for r in res:
        ident = r["table_name"]
        a("")
        a("/* %s: GET %s */" % (r["name"], r["path"]))
        a("static const UkgColumnDef %s_columns[] = {" % ident)
        for c in r["columns"]:
            a("\t{%s, %s, %s, %s}," % (c_str(c["json_key"]), c_str(c["name"]),
                                       c_str(c["type"]),
                                       c_str(c["description"])))
        a("};")
        if r["filters"]:
            a("")
            a("static const UkgFilterDef %s_filters[] = {" % ident)
            for f in r["filters"]:
                a("\t{%s, %s, %s, %s, %s, %s, %s, %s}," % (
                    c_str(f["param"]), c_str(f["column"]), KIND_C[f["kind"]],
                    " | ".join(f["ops"]) or "0",
                    "true" if f["required"] else "false",
                    "true" if f["is_param"] else "false",
                    c_str(f["format"]), c_str(f["pattern"])))
            a("};")
    a("")
    a("const UkgResourceDef ukg_resources[] = {")
    for r in res:
        ident = r["table_name"]
        a("\t{")
        a("\t\t.name = %s," % c_str(r["name"]))
        a("\t\t.table_name = %s," % c_str(r["table_name"]))
        a("\t\t.schema = %s," % c_str(r["schema"]))
        a("\t\t.path = %s," % c_str(r["path"]))
        a("\t\t.paging = %s," % r["paging"])
        if r["page_cap"]:
            a("\t\t.page_cap = %d," % r["page_cap"])
        a("\t\t.permission = %s," % c_str(r["permission"]))
        a("\t\t.summary = %s," % c_str(r["summary"]))
        a("\t\t.columns = %s_columns," % ident)
        a("\t\t.ncolumns = lengthof(%s_columns)," % ident)
        if r["filters"]:
            a("\t\t.filters = %s_filters," % ident)
            a("\t\t.nfilters = lengthof(%s_filters)," % ident)
        else:
            a("\t\t.filters = NULL,")
            a("\t\t.nfilters = 0,")
        if r["how"] == "object":
            # the spec types the answer as one object: a bare object is
            # read as one record (json_scan.c)
            a("\t\t.single_object = true,")
        a("\t},")
    a("};")
    a("")
    a("const int\tukg_nresources = lengthof(ukg_resources);")
    return "\n".join(L) + "\n"


# ---------------------------------------------------------------------------
# Output: Markdown notes
# ---------------------------------------------------------------------------

PAGING_MD = {"UKG_PAGING_NONE": "none",
             "UKG_PAGING_PER_PAGE_UPPER": "`per_Page`",
             "UKG_PAGING_PER_PAGE_LOWER": "`per_page`"}
OPS_MD = {"UKG_FILTER_EQ": "eq", "UKG_FILTER_LIST": "list",
          "UKG_FILTER_RANGE": "range", "UKG_FILTER_BOOL": "bool"}


def md_cell(s):
    return s.replace("|", "\\|")


def filter_md(f):
    col = f["column"] + (" *(param)*" if f["is_param"] else "")
    tags = ["+".join(OPS_MD[o] for o in f["ops"]) or "local"]
    kind = {"DATE": "date", "DATETIME": "iso", "INTEGER": "int"}.get(f["kind"])
    if kind:
        tags.append(kind)
    if f["format"]:
        tags.append(f["format"])
    if f["pattern"]:
        tags.append("`%s`" % f["pattern"])
    if f["required"]:
        tags.append("**required**")
    if f["param"] == f["column"] and not f["is_param"]:
        return "`%s` (%s)" % (f["param"], ", ".join(tags))
    return "`%s`→%s (%s)" % (f["param"], col, ", ".join(tags))


def summary_line(res):
    counts = {s: 0 for s in SCHEMAS}
    for r in res:
        counts[r["schema"]] += 1
    return "catalog: %d resources (%s)" % (
        len(res), ", ".join("%s %d" % (s, counts[s]) for s in SCHEMAS))


def emit_deviations(res, log, a):
    """The "Known deviations" section: each remaining difference between
    the spec and the documented API, how ukg_fdw handles it, and the error
    test/conform/conform.py accepts for it (it reads this table)."""
    name_of = {r["path"]: r["name"] for r in res}

    def names(paths):
        return ", ".join("`%s`" % name_of[p] for p in sorted(set(paths)))

    a("## Known deviations of the spec")
    a("")
    a("Where UKG's spec and the API as documented (FACTS.md) differ. "
      "`test/conform/conform.py` serves the spec with Stoplight Prism, which "
      "validates every request ukg_fdw sends, and reads every resource and "
      "pushes every filter: a query may fail only with the error in the "
      "last column, for the resources in the first (it reads this table). "
      "No request may violate the spec.")
    a("")
    a("| Resources | Deviation | How ukg_fdw handles it | Conformance test accepts |")
    a("|---|---|---|---|")
    rows = []
    rows.append((
        names(log["object_slips"]),
        "The spec types the 2xx body as one object; the operations are "
        "lists by their wording, and job history and contacts are known "
        "slips (FACTS.md 2.1).",
        "The catalog marks them `single_object`: a bare object body is read "
        "as one row, an array as usual (see *Records typed as a single "
        "object*).",
        "—"))
    rows.append((
        "`employee-employment-details`",
        "The record schema is the query echo: the dates are plain strings, "
        "and Prism fills them with random words.",
        "The columns are the employment-details record's (see *Record "
        "schemas that echo the query parameters*), dates typed `timestamp`; "
        "a value that is not a date fails with SQLSTATE `22007`.",
        "`invalid input syntax for type timestamp`"))
    rows.append((
        ", ".join("`%s`" % name_of[p] for _, p, _ in sorted(log["unprefixed"])),
        "The spec keys jobs, locations and the code tables without their "
        "`configuration/v1/` prefix (`/jobs`, `/termType`).",
        "Requests the documented paths (the *Paths missing their prefix* "
        "table); the conformance test serves the spec's operations there "
        "too (`test/conform/prepare_spec.py`).",
        "—"))
    rows.append((
        names(p for p, _, _ in log["date_local"]),
        "Date filters whose operation documents no value form (no UKG "
        "operators; `format: date-time` or none).",
        "Not pushed: the condition is checked locally (`local` in the "
        "table below).",
        "—"))
    loc = [(p, pn) for r in res for f in r["filters"]
           for p, pn in [(r["path"], f["param"])]
           if f["kind"] == "STRING" and f["format"] == "date-time"]
    if loc:
        rows.append((
            names(p for p, _ in loc),
            "The operation documents UKG's MM-DD-YYYY operators for %s, "
            "but the spec types them `format: date-time`." % ", ".join(
                "`%s`" % pn for _, pn in loc),
            "The columns are `text` (the record types them as plain "
            "strings): equality only, pushed only when the value is an "
            "RFC 3339 date-time; no operators.",
            "—"))
    rows.append((
        names(p for p, _, _ in log["yes_flags"]),
        "`isHomeCompany` is a `^[yY]{1}$` flag, not a boolean (it is one on "
        "employment-details).",
        "A `boolean` parameter column: `true` is sent as `Y`; `false` "
        "cannot be sent, and as a parameter column it fails with SQLSTATE "
        "`HV00A`.",
        "—"))
    rows.append((
        names(p for p, _, _, _ in log["length_folded"]),
        "Boolean fields filtered by one-letter parameters (`^[a-zA-Z]*$`, "
        "`maxLength: 1`): %s." % ", ".join(
            "`%s`" % pn for _, pn, _, _ in sorted(log["length_folded"])),
        "Sent as `Y`/`N`.",
        "—"))
    rows.append((
        names(p for p, _ in REQUIRED_PARAMS),
        "`startDate`/`endDate` are required by the API (FACTS.md 3/7), "
        "optional in the spec.",
        "Required: a query without both fails at plan time (SQLSTATE "
        "`HV002`).",
        "—"))
    rows.append((
        names(p for p, _ in DATETIME_PARAMS),
        "Window parameters typed `format: date-time`; integrators send "
        "ISO 8601 with `Z` (FACTS.md 3).",
        "Sent in RFC 3339 with an explicit `Z` offset.",
        "—"))
    for row in rows:
        a("| %s |" % " | ".join(md_cell(c) for c in row))
    a("")


def emit_doc(res, log, inputs):
    L = []
    a = L.append
    a("# UKG Pro resource catalog: how it is generated")
    a("")
    a("<!-- GENERATED by tools/gen_catalog.py - do not edit by hand; edit the "
      "generator and rerun it. -->")
    a("")
    a("`src/catalog_data.c` is the table of UKG Pro REST resources compiled "
      "into ukg_fdw (types in `src/ukg_catalog.h`). It and this file are "
      "generated; do not edit either by hand.")
    a("")
    a("## Regenerating")
    a("")
    a("```sh")
    a("/usr/bin/python3 tools/gen_catalog.py            # writes src/catalog_data.c and doc/catalog-notes.md")
    a("/usr/bin/python3 tools/gen_catalog.py --check    # exit 1 if either is stale")
    a("```")
    a("")
    a("Inputs are read from `--api-dir` (default `$UKG_API_DIR`, else "
      "`tools/ukg-api/` in this repository). Needs Debian's `python3-yaml`. The output is "
      "deterministic (no timestamps; resources ordered by schema then name). "
      "Inputs used for the current output:")
    a("")
    a("| File | sha256 |")
    a("|---|---|")
    for name, digest in inputs:
        a("| `%s` | `%s` |" % (name, digest))
    a("")
    a("* `openapi.yaml`: UKG Pro's OpenAPI document as bundled in "
      "konfig-sdks/ukg-java-sdk (`api/openapi.yaml`). Source of paths, "
      "parameters, response schemas, types, formats, summaries and the "
      "permission text.")
    a("* `catalog.md`: machine-extracted endpoint catalog; its `permission:` "
      "lines cross-check (and would fill in) the permission.")
    a("* `FACTS.md`: research notes; section 2 permissions cross-check, and "
      "sections 2.1, 3 and 4 are the basis of the overrides below.")
    a("")
    a("## Rules")
    a("")
    a("**Scope.** Every `GET` operation in the spec whose path has no "
      "`{path parameter}` and whose 2xx body is records (an array of "
      "objects, or a single object where the spec evidently slipped), under "
      "`personnel/`, `configuration/` and `payroll/`, plus the configuration "
      "resources the spec keys without a prefix (`/jobs`, `/locations`, "
      "`/allergy`, ...). Excluded: recruiting/onboarding (`/{tenant-alias}`, "
      "`/tenants`, `/talent`), `time/`, `simpleschedule/`, POST-only lookups "
      "(`employee-ids`, pay statements, import tools), and scoped variants "
      "with path parameters (`/companies/{companyId}/...`, `/{employeeId}`).")
    a("")
    a("**Resource.** `name` is the last path segment; `table_name` its "
      "snake_case (`-`→`_`, camelCase split: `awardType`→`award_type`); "
      "`schema` is the first path segment (`configuration` for the "
      "unprefixed ones); `path` has no leading slash; `summary` is the spec "
      "summary. `paging` is `per_Page` (UKG_PAGING_PER_PAGE_UPPER) or "
      "`per_page` (UKG_PAGING_PER_PAGE_LOWER) as the operation spells it, "
      "else none. `permission` is the web service named in the operation "
      "description (\"must have \\\"View\\\" role for the \\\"X\\\" Web "
      "Service\", in its quoting variants), else catalog.md, else FACTS.md, "
      "else NULL.")
    a("")
    a("**Columns.** The properties of the 2xx record schema, in spec order, "
      "`$ref`s followed. `json_key` is the key exactly as the spec spells it; "
      "`name` its snake_case: lower/upper boundaries and the end of an "
      "upper-case run split (`employeeID`→`employee_id`, "
      "`ethnicIDCode`→`ethnic_id_code`, `previousSSN`→`previous_ssn`, "
      "`dateOfI9Expiration`→`date_of_i9_expiration`, "
      "`w2IsDeceased`→`w2_is_deceased`, `isOrgchange`→`is_orgchange`). If two "
      "keys of one record give the same name the first wins. Types: string → "
      "`text` (`date-time` → `timestamp`, `date` → `date`, `uuid` → `text`); "
      "integer/int32 → `integer`, integer/int64 or no format → `bigint`; "
      "number (any format) → `numeric`; boolean → `boolean`; object, array, "
      "untyped, or a string with properties → `jsonb`. Identifiers stay "
      "`text` even when the spec types them as numbers: `employeeNumber` and "
      "any numeric key ending in `Id`, `ID`, `Code` or `Number`. "
      "`description` is the property description, HTML stripped, whitespace "
      "collapsed, cut to %d characters." % DESC_MAX)
    a("")
    a("**Filters.** Every query parameter except `page`/`per_Page`/`per_page`. "
      "`column` is the record field it filters, matched case-insensitively "
      "(`dateTimeChanged` → field `datetimeChanged` → `datetime_changed`; "
      "`companyID` ↔ `companyId`), or an explicit alias (below). With no "
      "field, the filter gets a *parameter column* (`is_param`, `json_key` "
      "NULL, named after the parameter, typed `timestamp` for date-time, "
      "`boolean`/`integer`/`bigint` for those parameter types, else `text`); "
      "the FDW echoes the pushed value into it. `required` is the spec's "
      "`required`, plus the overrides below. Kinds and operators:")
    a("")
    a("| Kind | When | Ops |")
    a("|---|---|---|")
    a("| DATETIME | the ISO window parameters listed below | eq |")
    a("| BOOLEAN | parameter typed boolean, or the column it filters is boolean, or a `^[yY]{1}$` flag pattern | bool, eq |")
    a("| INTEGER | parameter typed integer/number | eq |")
    a("| DATE | name contains `date` (any case) or format date-time, and the column is a date/timestamp | eq, range where the operation documents UKG's operators; parameter columns: eq; otherwise none (local) |")
    a("| STRING | everything else | eq, plus list for the comma-list parameters below (never on parameter columns) |")
    a("")
    a("**Page caps.** `page_cap` is the largest page size the spec gives "
      "the operation's `per_Page`/`per_page` parameter: its `maxLength` (the "
      "spec's spelling of a maximum on these numbers) or a `maximum` below "
      "int32's, else 0 (unknown: the documented default/max 10,000 applies). "
      "ukg_fdw asks for at most that many rows per page, and still treats a "
      "shorter page as possibly capped (README, Paging). Resources with a cap:")
    a("")
    for (p, pn, cap) in sorted(log["page_caps"]):
        a("* `%s` (`%s`): %d" % (p, pn, cap))
    a("")
    a("DATE filters use UKG's MM-DD-YYYY operators (`=<d`, `=>d`, "
      "`={a,b}`, FACTS.md 3), but only where the operation's description "
      "documents them (\"Correct syntax when using date-time parameters ...\"); "
      "a date filter on a record column of any other operation has no "
      "operator at all (`local` in the table below): it is listed, never "
      "pushed, and filtered locally, because its value form is undocumented. "
      "Parameter columns take equality only: the FDW can only echo one pushed "
      "value, and a range would leave nothing to echo (a local recheck of the "
      "echoed column would then drop every row).")
    a("")
    a("**Formats and patterns.** Each filter carries the spec's `format` "
      "and `pattern` of its parameter (`format`, `pattern` in "
      "`UkgFilterDef`); `src/pushdown.c` obeys them in one place:")
    a("")
    a("* `format: date-time`: the value is sent in RFC 3339 with an explicit "
      "offset: `2024-01-02T03:04:05Z` (timestamptz in UTC; date and "
      "timestamp, which carry no zone, taken as UTC; a fraction only when "
      "there is one). A text value is sent only if it already is such a "
      "date-time.")
    a("* `pattern`: the value, as it would be sent, must match, else it is "
      "not sent: the condition stays local (it is checked locally anyway), "
      "or, for a required parameter or a parameter column, whose condition "
      "no local test can replace, the query fails with SQLSTATE `HV00A`. A "
      "constant is checked at plan time (EXPLAIN shows what is sent), a "
      "value known only at execution then. A comma list the pattern refuses "
      "is sent one value per request instead.")
    a("* Booleans are sent as `true`/`false`, or as `Y`/`N` when the pattern "
      "refuses `true` but takes `Y`.")
    a("* Patterns are evaluated with PostgreSQL's regular expressions in the "
      "C collation; the generator admits only the shapes the spec uses "
      "(`^[class]*$`, `^[class]{n}$`, `^[class]{m,n}$`), on which they mean "
      "what ECMA-262 patterns mean, and fails on any other. A string "
      "parameter's `minLength`/`maxLength` is folded into its pattern as "
      "`{min,max}`.")
    a("")

    # --- decisions & defects --------------------------------------------
    a("## Spec defects worked around and decisions")
    a("")
    a("### Paths missing their prefix")
    a("")
    a("The merged spec keys some configuration resources without their base "
      "path (FACTS.md 2.1). `/jobs` and `/locations` are really "
      "`configuration/v1/jobs` and `configuration/v1/locations` (confirmed by "
      "integrators). The code tables (`/allergy`, `/careerProvider`, ...) "
      "are served under the generic code-table route: "
      "`GET configuration/v1/code-tables` lists `{codeTable, url}` links, and "
      "UKG's developer reference documents each table at "
      "`GET configuration/v1/code-tables/<name>` (for example "
      "`GET https://{hostname}/configuration/v1/code-tables/careerProvider/`). "
      "Decision (issue #12): catalog every code table the spec lists at "
      "`configuration/v1/code-tables/<name>` with the spec's spelling, no "
      "paging, permission NULL (their descriptions name none; *Company "
      "Configuration Integration* is likely but unconfirmed). The catalog "
      "name (`careerProvider`) and table name (`career_provider`) stay as "
      "before; a `resource` option given as the path may end in a slash.")
    a("")
    a("| Spec key | Catalog path | Status |")
    a("|---|---|---|")
    for key, path, how in sorted(log["unprefixed"]):
        a("| `%s` | `%s` | %s |" % (key, path, how))
    a("")
    a("### Records typed as a single object")
    a("")
    a("These operations declare a single object as their 2xx body, not an "
      "array. Job history and contacts are the known slips (FACTS.md 2.1); "
      "the others are list operations too by their wording (\"Get all ...\", "
      "paged, \"If no pagination parameters specified, the default/max is "
      "applied\"), except `custom-fields-schema`, which is unpaged and "
      "presumably lists the custom fields of a class (**uncertain**). The "
      "columns come from that object. The catalog marks these resources "
      "`single_object`: the FDW reads a bare object body as one row, and an "
      "array as usual.")
    a("")
    for p in sorted(log["object_slips"]):
        a("* `%s`" % p)
    a("")
    a("### Record schemas that echo the query parameters")
    a("")
    a("* `personnel/v1/employee-employment-details`: the spec's 200 schema "
      "is just its query parameters (incl. `page`, `per_Page`). Workaround: "
      "its columns are the `personnel/v1/employment-details` record, with "
      "this resource's own id spellings `companyID`, `employeeID`, "
      "`supervisorId` (employment-details spells `supervisorID`); `page` "
      "and `per_Page` are dropped. Integrators confirm the record "
      "resembles employment-details (FACTS.md 2.1); verify against a "
      "tenant.")
    a("* `personnel/v1/emp-deductions`: a real record with an echo of the "
      "query parameters appended (`employeeId`, `companyId`, `dedCode`, "
      "`benStatus`, `endDateTime`, `page`, `per_Page`). The echo block is "
      "dropped (the record already has `employeeID`/`companyID`); `dedCode` "
      "and `benStatus` are aliased to the `deductionCode` and "
      "`benefitStatus` fields, `endDateTime` becomes a parameter column.")
    a("* `personnel/v1/employee-contract-details`: the schema is only the "
      "query echo (`companyId`, `employeeId`, `contractNumber`, "
      "`contractTypeCode`, `effectiveDate`, `dateTimeCreated`, "
      "`rowLastChanged`, `page`, `per_Page`, `pagesCount`) and no better "
      "description exists. **Uncertain:** the non-paging echo fields are "
      "kept as the columns (all `text`, as the spec types them); the real "
      "record surely has more fields, reachable only through a raw-path "
      "table until a tenant response is seen.")
    extra = [e for e in log["echo"] if e[0] not in ECHO_SCHEMAS]
    for p, what in extra:
        a("* `%s`: %s." % (p, what))
    a("")
    a("### Filter aliases")
    a("")
    a("Parameters that filter a field spelled differently beyond case:")
    a("")
    for p, pn, jk in sorted(set(log["aliases"])):
        a("* `%s`: `%s` → field `%s`" % (p, pn, jk))
    a("")
    a("### Timestamp windows, required parameters, comma lists")
    a("")
    a("* DATETIME (RFC 3339 with offset, equality) window parameters: " + ", ".join(
        "`%s` %s" % (p, pn) for p, pn in sorted(DATETIME_PARAMS)) + ". "
      "employee-changes and audit-details are the documented ones "
      "(FACTS.md 3); the open-enrollment deduction windows are typed the "
      "same way (required `date-time` `startDateTime`/`endDateTime`) and are "
      "treated alike.")
    a("* Required although the spec says optional: " + ", ".join(
        "`%s` %s (%s)" % (p, pn, why)
        for (p, pn), why in sorted(REQUIRED_PARAMS.items())) + ".")
    a("* Comma-list parameters (UKG_FILTER_LIST), derived from the spec "
      "(issue #12): *pattern* = the parameter's schema pattern allows a "
      "comma; *wording* = a sentence of the description names the parameter "
      "and says \"separated by comma\" (\"ex: [id1, id2]\"); *example* = an "
      "example URL gives it a comma list. An `IN` list on any other filter "
      "is sent as one request per distinct value.")
    bypath = {}
    for p, pn, why in log["lists"]:
        bypath.setdefault(p, []).append("`%s` (%s)" % (pn, why))
    for p in sorted(bypath):
        a("  * `%s`: %s" % (p, ", ".join(bypath[p])))
    a("  Parameter columns never get LIST (user-defined-fields `companyId` is "
      "one: the record has no company field).")
    a("")
    if log["date_text"]:
        a("### Date filters on plain-string fields")
        a("")
        a("These date-like parameters filter a field the spec types as plain "
          "`string` (no format), so the column is `text` and the filter is "
          "STRING/eq (no range):")
        a("")
        for p, pn, cn in sorted(log["date_text"]):
            a("* `%s`: `%s` → %s" % (p, pn, cn))
        a("")
    a("### Casing inconsistencies and typos (kept as spelled)")
    a("")
    a("JSON keys are kept exactly as the spec spells them, per resource: "
      "`companyId` vs `companyID`, `employeeId` vs `employeeID`, "
      "`supervisorID` (employment-details) vs `supervisorId` "
      "(employee-employment-details, job history), `datetimeChanged` "
      "(person-details, emp-deductions) vs `dateTimeChanged` (employment), "
      "`ethnicIDCode` vs `ethnicIdCode`, `dateOfCobraEvent` vs "
      "`dateOfCOBRAEvent`, `personId` vs `personID`. Typos are kept as-is "
      "because they are the wire names: `nameSufixCode` (person-details), "
      "`dateOfNextSalayrReview` (compensation-details), "
      "`includeInShiftDiffrential` (earnings), `isSupplimentalWages`, "
      "`employeeCalculaitonRule`, `wageGarnishmentAmountExemtFromGarn`, "
      "`isOrgchange` (job history; its filter is spelled `isOrgChange`). "
      "The FDW should still match JSON keys case-insensitively as a fallback.")
    a("")
    a("### Numbers that are identifiers")
    a("")
    a("`employeeNumber` is typed `number` in employee-changes but has leading "
      "zeros in practice (FACTS.md 2.1); it and every numeric key ending in "
      "`Id`/`ID`/`Code`/`Number` are `text`. Other type notes:")
    a("")
    for p, k, n in sorted(log["type_notes"]):
        a("* `%s` `%s`: %s" % (p, k, n))
    a("")
    a("### Name collisions")
    a("")
    res_coll = [c for c in log["collisions"] if "/" in c[3]]
    col_coll = [c for c in log["collisions"] if "/" not in c[3]]
    if res_coll:
        for p, name, new, first in res_coll:
            a("* resource `%s`: name `%s` already taken by `%s`; renamed `%s`"
              % (p, name, first, new))
    else:
        a("* Resource names: none collide in this spec (`general-ledger` "
          "exists only as `payroll/v2/general-ledger`). Should two ever share "
          "a last segment, the later one by path gets `-vN` from its path "
          "(e.g. `general-ledger-v2`), else `-<schema>`.")
    for p, jk, cname, first in col_coll:
        a("* `%s`: key `%s` → `%s` collides with `%s`; the first is kept"
          % (p, jk, cname, first))
    a("")
    a("### Permissions")
    a("")
    a("Parsed from the spec text; catalog.md's extractor missed the "
      "backslash-quoted, single-quoted and unquoted variants, so the spec "
      "parse supersedes its `?`. %d resources' permissions agree with "
      "catalog.md and/or FACTS.md section 2; conflicts would be listed "
      "below. No value came from a fallback unless listed here."
      % log["perm_agree"])
    a("")
    for p, src in sorted(log["perm_source"]):
        if src not in ("spec",):
            a("* `%s`: %s" % (p, "unknown (NULL)" if src is None
                              else "from " + src))
    for p, mine, oname, other in sorted(log["perm_conflicts"]):
        a("* `%s`: spec says %s, %s says %s (spec kept)"
          % (p, mine, oname, other))
    a("")
    a("### Excluded GET operations without path parameters")
    a("")
    for key, why in sorted(log["excluded"]):
        a("* `%s`: %s" % (key, why))
    a("")
    reserved = sorted(set((r["name"], c["name"]) for r in res
                          for c in r["columns"] if c["name"] in PG_RESERVED))
    if reserved:
        a("### Column names that need quoting")
        a("")
        a("These column names are PostgreSQL reserved words; DDL built from "
          "the catalog must use `quote_identifier()`: " + ", ".join(
              "%s.`%s`" % x for x in reserved) + ".")
        a("")

    emit_deviations(res, log, a)

    # --- table -------------------------------------------------------------
    a("## Resources")
    a("")
    a(summary_line(res) + ".")
    a("")
    a("Filters: `param`→column (operators, kind); *(param)* marks a "
      "parameter column; `date` = MM-DD-YYYY value with UKG's operators, "
      "`iso` = RFC 3339 timestamp, `int` = integer, `local` = listed but "
      "never pushed, then the spec's format and pattern; `bool` filters take "
      "true/false (or Y/N where the pattern asks). Paths marked (code table) "
      "are the code tables the spec keys without a prefix.")
    a("")
    a("| Schema | Name | Path | Paging | Cols | Pushable filters | Permission |")
    a("|---|---|---|---|---|---|---|")
    for r in res:
        fl = "<br>".join(filter_md(f) for f in r["filters"]) or "—"
        path = "`%s`" % r["path"]
        if r["how_path"] == "code-table":
            path += " (code table)"
        a("| %s | `%s` | %s | %s | %d | %s | %s |" % (
            r["schema"], r["name"], path, PAGING_MD[r["paging"]],
            len(r["columns"]), md_cell(fl),
            md_cell(r["permission"]) if r["permission"] else "?"))
    a("")
    return "\n".join(L) + "\n"


# ---------------------------------------------------------------------------

def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--api-dir", default=os.environ.get(
        "UKG_API_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "ukg-api")))
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if the outputs are not up to date")
    ap.add_argument("-q", "--quiet", action="store_true",
                    help="print only the summary line")
    args = ap.parse_args(argv)

    spec_path = os.path.join(args.api_dir, "openapi.yaml")
    cat_path = os.path.join(args.api_dir, "catalog.md")
    facts_path = os.path.join(args.api_dir, "FACTS.md")
    with open(spec_path, encoding="utf-8") as f:
        doc = yaml.load(f, Loader=make_loader())
    spec = Spec(doc)
    inputs = [("openapi.yaml", sha256(spec_path)),
              ("catalog.md", sha256(cat_path))]
    if os.path.exists(facts_path):
        inputs.append(("FACTS.md", sha256(facts_path)))
    res, log = build(spec, parse_catalog_md(cat_path),
                     parse_facts(facts_path))
    c_text = emit_c(res, inputs)
    md_text = emit_doc(res, log, inputs)

    stale = []
    for rel, text in ((OUT_C, c_text), (OUT_DOC, md_text)):
        full = os.path.join(REPO, rel)
        old = None
        if os.path.exists(full):
            with open(full, encoding="utf-8") as f:
                old = f.read()
        if old == text:
            continue
        stale.append(rel)
        if not args.check:
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)

    print(summary_line(res))
    if not args.quiet:
        ncol = sum(len(r["columns"]) for r in res)
        nfil = sum(len(r["filters"]) for r in res)
        npar = sum(1 for r in res for f in r["filters"] if f["is_param"])
        nlist = sum(1 for r in res for f in r["filters"]
                    if "UKG_FILTER_LIST" in f["ops"])
        nreq = sum(1 for r in res for f in r["filters"] if f["required"])
        print("columns: %d, filters: %d (parameter columns %d, list %d, "
              "required %d)" % (ncol, nfil, npar, nlist, nreq))
        for r in res:
            print("  %-13s %-46s %-60s %-5s cols=%-3d filters=%-2d perm=%s" % (
                r["schema"], r["name"], r["path"],
                {"UKG_PAGING_NONE": "none",
                 "UKG_PAGING_PER_PAGE_UPPER": "per_Page",
                 "UKG_PAGING_PER_PAGE_LOWER": "per_page"}[r["paging"]],
                len(r["columns"]), len(r["filters"]),
                r["permission"] or "?"))
    if args.check:
        if stale:
            print("stale: " + ", ".join(stale), file=sys.stderr)
            return 1
        print("up to date")
    else:
        print("wrote " + ", ".join((OUT_C, OUT_DOC)) +
              ("" if stale else " (unchanged)"))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except GenError as e:
        print("gen_catalog: error: %s" % e, file=sys.stderr)
        sys.exit(2)
