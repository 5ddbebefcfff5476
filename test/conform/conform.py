#!/usr/bin/python3
"""conform.py - every request ukg_fdw can send, checked against UKG's spec.

Run by test/run_tests.sh (part "conform"), which has started a PostgreSQL
cluster with this checkout's ukg_fdw and exported PGHOST/PGPORT/UKG_TMP.

  1. Installs the pinned @stoplight/prism-cli (package.json and
     package-lock.json beside this file) with `npm ci` into
     test/conform/node_modules, unless that already holds the pinned version.
     A failed install is a failed test, never a skipped one.
  2. Serves tools/ukg-api/openapi.yaml, made servable by prepare_spec.py,
     with `prism mock --errors --dynamic`: Prism validates every request
     against the spec (parameter types, formats, patterns, required
     parameters) and answers a violation with 422 and a log line.
  3. Imports every catalog resource (IMPORT FOREIGN SCHEMA "all") and, for
     each one, reads every column, then pushes each filter the catalog
     lists: equality with a value of the right kind, a range where the
     filter takes one, an IN list where it takes a comma list, and a value
     that breaks the filter's pattern or format where it has one (which
     must not be sent: the qual stays local, or a required parameter or a
     parameter column fails with SQLSTATE HV00A).

Every request must pass validation.  Every query must succeed, or fail with
an error that doc/catalog-notes.md lists as a known deviation of the spec
for that resource (section "Known deviations", read by this script).  The
last line is "N passed, M failed": one test per resource, plus the install.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(TOP, "tools"))
sys.path.insert(0, HERE)
import gen_catalog  # noqa: E402
import prepare_spec  # noqa: E402

PRISM_PACKAGE = "@stoplight/prism-cli"
DB = "ukg_conform"
SCHEMA = "conform"
SEED = "19"
NOTES = os.path.join(TOP, "doc", "catalog-notes.md")


class Failure(Exception):
    pass


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------------------
# Prism: install, start, log
# ---------------------------------------------------------------------------

def pinned_version():
    with open(os.path.join(HERE, "package.json"), encoding="utf-8") as f:
        return json.load(f)["dependencies"][PRISM_PACKAGE]


def installed_version():
    path = os.path.join(HERE, "node_modules", "@stoplight", "prism-cli", "package.json")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return None


def install_prism():
    """Install the pinned Prism into test/conform/node_modules (cached)."""
    want = pinned_version()
    if installed_version() == want and os.path.exists(prism_bin()):
        log("prism %s: cached in test/conform/node_modules" % want)
        return
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise Failure("%s is not installed (Debian packages nodejs and npm)" % tool)
    log("installing %s@%s with npm ci" % (PRISM_PACKAGE, want))
    p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=HERE, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise Failure("npm ci failed (exit %d): %s" % (
            p.returncode, (p.stderr or p.stdout).strip()[-2000:]))
    if installed_version() != want:
        raise Failure("npm installed %s, not the pinned %s" % (installed_version(), want))


def prism_bin():
    return os.path.join(HERE, "node_modules", ".bin", "prism")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Prism:
    """A `prism mock` process and its log."""

    def __init__(self, workdir):
        self.spec = os.path.join(workdir, "spec.json")
        with open(self.spec, "w", encoding="utf-8") as f:
            json.dump(prepare_spec.prepare(os.path.join(TOP, "tools", "ukg-api")), f)
        self.log_path = os.path.join(workdir, "prism.log")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.offset = 0
        self.marks = 0
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [prism_bin(), "mock", "-h", "127.0.0.1", "-p", str(self.port),
             "--errors", "--dynamic", "--seed", SEED, "--verboseLevel", "info",
             self.spec],
            stdout=self.logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failure("prism exited with %s:\n%s" % (self.proc.returncode,
                                                             self.read_new()[-2000:]))
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                if "Prism is listening" in f.read():
                    break
            time.sleep(0.2)
        else:
            raise Failure("prism did not start within 120 s")

    def read_new(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            f.seek(self.offset)
            text = f.read()
            self.offset = f.tell()
        return text

    def settle(self):
        """The log up to now: a marker request, then everything before it."""
        self.marks += 1
        mark = "/__conform_mark_%d" % self.marks
        try:
            urllib.request.urlopen(self.url + mark, timeout=30).read()
        except Exception:           # 404 is expected: only its log line matters
            pass
        text = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            text += self.read_new()
            if mark in text:
                return text
            time.sleep(0.05)
        raise Failure("prism did not log the marker request %s" % mark)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()


VIOLATION_RE = re.compile(r"\[VALIDATOR\]\s+✖\s+error\s+(.*)")
REQUEST_RE = re.compile(r"\[HTTP SERVER\] get (\S+) ℹ\s+info\s+Request received")


def violations(text):
    return [m.group(1).strip() for m in VIOLATION_RE.finditer(text)]


def requests(text):
    return [p for p in REQUEST_RE.findall(text) if not p.startswith("/__conform_mark_")]


# ---------------------------------------------------------------------------
# Known deviations (doc/catalog-notes.md)
# ---------------------------------------------------------------------------

def known_deviations():
    """{resource name: [error text the test accepts]} from the table under
    "## Known deviations" in doc/catalog-notes.md: resource names in the
    first column, the accepted error text in the last ("—" for none)."""
    out = {}
    with open(NOTES, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^## Known deviations.*?$(.*?)(?=^## |\Z)", text, re.M | re.S)
    if not m:
        raise Failure("doc/catalog-notes.md has no \"Known deviations\" section")
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not cells[0].startswith("`"):
            continue
        error = re.fullmatch(r"`([^`]+)`", cells[-1])
        if not error:
            continue
        for name in re.findall(r"`([^`]+)`", cells[0]):
            out.setdefault(name, []).append(error.group(1))
    return out


# ---------------------------------------------------------------------------
# SQL
# ---------------------------------------------------------------------------

def psql(sql, db=DB, timeout=600):
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "VERBOSITY=verbose",
                        "-d", db], input=sql, capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def lit(value):
    return "'" + str(value).replace("'", "''") + "'"


def ident(name):
    return '"' + name.replace('"', '""') + '"'


def pattern_value(pattern, good):
    """A text that matches a spec pattern of the shapes the catalog admits
    (good) or one that does not (not good)."""
    if not good:
        return "-x-"        # no pattern of the spec allows '-'
    body = re.match(r"^\^\[(.*)\](\*|\{(?:\d+,)?(\d+)\})\$$", pattern)
    cls, count = body.group(1), body.group(3)
    rx = re.compile("^[" + cls + "]$")
    letters = "ABC" if rx.match("A") else ("abc" if rx.match("a") else "")
    digits = "123" if rx.match("1") else ""
    text = (letters + digits) or "Y"
    if count:
        text = text[:int(count)]
    assert re.match(pattern.replace("\\s", " "), text), (pattern, text)
    return text


def value_for(f, ctype, which=0):
    """An SQL literal of the right kind for filter f on a column of ctype;
    which selects a second value for IN lists and ranges."""
    if ctype == "boolean":
        return "true"
    if ctype in ("timestamp", "timestamptz", "date"):
        return lit(["2024-01-02 03:04:05", "2024-02-03 04:05:06"][which]) + "::" + ctype
    if ctype in ("integer", "bigint", "smallint", "numeric"):
        return str(7 + which)
    if f["format"] == "date-time":
        return lit(["2024-01-02T03:04:05Z", "2024-02-03T04:05:06Z"][which])
    if f["pattern"]:
        text = pattern_value(f["pattern"], True)
        return lit(text if which == 0 else text[::-1])
    return lit(["ABC", "DEF"][which])


def bad_value_for(f, ctype):
    """A value of the column's type that the filter's pattern or format
    refuses, or None."""
    if ctype == "boolean":
        return "false" if f["kind"] == "BOOLEAN" and f["pattern"] and \
            not re.match(f["pattern"], "N") else None
    if ctype != "text":
        return None
    if f["pattern"]:
        return lit(pattern_value(f["pattern"], False))
    if f["format"] == "date-time":
        return lit("01-02-2024")
    return None


class Probe:
    def __init__(self, what, sql, expect_sqlstate=None):
        self.what = what
        self.sql = sql
        self.expect_sqlstate = expect_sqlstate


def probes(r):
    """The queries for resource r: read every column, then each filter."""
    table = "%s.%s" % (SCHEMA, ident(r["table_name"]))
    types = {c["name"]: c["type"] for c in r["columns"]}
    required = [f for f in r["filters"] if f["required"]]

    def where(extra, skip=None):
        conds = ["%s = %s" % (ident(f["column"]), value_for(f, types[f["column"]]))
                 for f in required if f is not skip]
        conds += extra
        return (" WHERE " + " AND ".join(conds)) if conds else ""

    out = [Probe("read every column",
                 "SELECT count(*), count(t.*) FROM %s t%s;" % (table, where([])))]
    for f in r["filters"]:
        col = ident(f["column"])
        ctype = types[f["column"]]
        label = "%s -> %s" % (f["param"], f["column"])
        out.append(Probe("%s = value" % label, "SELECT count(t.*) FROM %s t%s;" % (
            table, where(["%s = %s" % (col, value_for(f, ctype))], skip=f))))
        if "UKG_FILTER_RANGE" in f["ops"]:
            out.append(Probe("%s range" % label, "SELECT count(t.*) FROM %s t%s;" % (
                table, where(["%s >= %s" % (col, value_for(f, ctype, 0)),
                              "%s < %s" % (col, value_for(f, ctype, 1))], skip=f))))
        if "UKG_FILTER_LIST" in f["ops"]:
            out.append(Probe("%s IN list" % label, "SELECT count(t.*) FROM %s t%s;" % (
                table, where(["%s IN (%s, %s)" % (col, value_for(f, ctype, 0),
                                                  value_for(f, ctype, 1))], skip=f))))
        bad = bad_value_for(f, ctype)
        if bad is not None:
            must_fail = f["required"] or f["is_param"]
            out.append(Probe("%s = %s (refused by the spec)" % (label, bad),
                             "SELECT count(t.*) FROM %s t%s;" % (
                                 table, where(["%s = %s" % (col, bad)], skip=f)),
                             "HV00A" if must_fail else None))
    return out


def run_probes(batch):
    """Run each probe; [(probe, sqlstate or None, message)]."""
    sql = ["\\set ON_ERROR_STOP 0", "SET client_min_messages = warning;"]
    for i, p in enumerate(batch):
        sql.append("\\warn '@@probe %d'" % i)
        sql.append(p.sql)
    sql.append("\\warn '@@probe end'")
    rc, out, err = psql("\n".join(sql) + "\n")
    parts = re.split(r"^@@probe (\d+|end)\n", err, flags=re.M)
    errors = {}
    for k in range(1, len(parts) - 1, 2):
        if parts[k] == "end":
            continue
        text = parts[k + 1]
        m = re.search(r"ERROR:\s+([0-9A-Z]{5}):\s+(.*)", text)
        if m:
            errors[int(parts[k])] = (m.group(1), m.group(2).strip())
    if "@@probe end" not in err:
        raise Failure("psql did not finish the batch: %s" % err[-2000:])
    return [(p,) + errors.get(i, (None, None)) for i, p in enumerate(batch)]


def setup_db(prism):
    rc, out, err = psql("DROP DATABASE IF EXISTS %s;" % DB, db="postgres")
    rc, out, err = psql("CREATE DATABASE %s;" % DB, db="postgres")
    if rc:
        raise Failure("cannot create database: %s" % err)
    rc, out, err = psql("""
\\set ON_ERROR_STOP 1
CREATE EXTENSION ukg_fdw;
CREATE SERVER prism FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url %s, max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER prism
  OPTIONS (username 'conform', password 'conform-pass', customer_api_key 'CONFORM');
CREATE SCHEMA %s;
IMPORT FOREIGN SCHEMA "all" FROM SERVER prism INTO %s;
SELECT count(*) FROM pg_foreign_table;
""" % (lit(prism.url), SCHEMA, SCHEMA))
    if rc:
        raise Failure("cannot set up the database: %s" % err)
    return int(out.strip())


def main():
    passed = failed = 0
    workdir = os.path.join(os.environ.get("UKG_TMP") or "/tmp", "conform")
    os.makedirs(workdir, exist_ok=True)
    try:
        install_prism()
        passed += 1
    except Failure as e:
        log("FAILED install: %s" % e)
        print("%d passed, %d failed" % (passed, failed + 1))
        return 1

    spec = gen_catalog.Spec(prepare_spec.load_spec(os.path.join(TOP, "tools", "ukg-api")))
    resources, _ = gen_catalog.build(spec, {}, {})
    prism = None
    started = time.monotonic()
    try:
        deviations = known_deviations()
        prism = Prism(workdir)
        log("prism %s on %s (%.1f s to start)" % (installed_version(), prism.url,
                                                  time.monotonic() - started))
        ntables = setup_db(prism)
        if ntables != len(resources):
            raise Failure("IMPORT FOREIGN SCHEMA made %d tables, the catalog has %d"
                          % (ntables, len(resources)))
        prism.settle()
        nqueries = nrequests = 0
        for r in resources:
            batch = probes(r)
            results = run_probes(batch)
            text = prism.settle()
            nqueries += len(batch)
            nrequests += len(requests(text))
            problems = ["request violates the spec: %s" % v
                        for v in dict.fromkeys(violations(text))]
            accepted = deviations.get(r["name"], [])
            for probe, state, msg in results:
                if probe.expect_sqlstate:
                    if state != probe.expect_sqlstate:
                        problems.append("%s: expected SQLSTATE %s, got %s %s" % (
                            probe.what, probe.expect_sqlstate, state, msg or "success"))
                elif state and not any(a in msg for a in accepted):
                    problems.append("%s: %s %s (not a documented deviation)" % (
                        probe.what, state, msg))
            if problems:
                failed += 1
                log("FAILED %s (%d queries)" % (r["name"], len(batch)))
                for p in problems:
                    log("    " + p)
            else:
                passed += 1
                log("ok     %s (%d queries)" % (r["name"], len(batch)))
        log("%d resources, %d queries, %d requests validated in %.0f s" % (
            len(resources), nqueries, nrequests, time.monotonic() - started))
    except Failure as e:
        failed += 1
        log("FAILED: %s" % e)
    finally:
        if prism:
            prism.stop()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
