#!/usr/bin/python3
"""
bench.py -- the measurements of the ukg_fdw benchmark (run by run_bench.sh,
which starts the cluster and the simulator and exports PGHOST, PGPORT,
PGUSER, UKG_SIM_HTTP and UKG_SIM_CONTROL).

    /usr/bin/python3 test/bench/bench.py --floor PATH --out DIR
        [--records N] [--big N] [--reps R] [--quick]

Every timed figure is the median of R runs (R = 3 by default, 1 with
--quick), the runs of the configurations being interleaved; the other
figures of a row (requests, bytes, connections, RSS) are those of the run
with the median time.  Each FDW measurement uses a fresh connection: the
backend's pid comes from libpq (PQbackendPID, the value of pg_backend_pid(),
so that the measured statement is the session's first), its peak RSS from VmHWM in
/proc/<pid>/status read after the statement and before disconnecting, and
a sampler thread also records the peak of RssAnon (private memory, which,
unlike VmHWM, does not count the shared buffers the backend touched).
Requests, bytes and connections are deltas of the simulator's counters.
Seconds are wall-clock (monotonic) around the statement only, so connection
set-up is excluded; the floor and the ETL script time their own work the
same way.

Writes runs.csv (every run), summary.tsv, prefetch.tsv, rss.tsv,
connections.tsv and report.txt (the printed tables) into --out.
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import etl  # noqa: E402  (FIELDS, to check the ETL's columns)

PYTHON = "/usr/bin/python3"
MB = 1024.0 * 1024.0


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

class Sim:
    """The simulator's control API."""

    def __init__(self, control):
        self.control = control.rstrip("/")

    def _call(self, method, name, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.control + "/_control/" + name, data=data,
                                     method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    def counters(self):
        return self._call("GET", "counters")

    def settings(self, **values):
        return self._call("POST", "settings", values)


def delta(before, after):
    return {
        "requests": after["data_requests"] - before["data_requests"],
        "bytes": after["bytes_sent"] - before["bytes_sent"],
        "connections": after["connections"] - before["connections"],
    }


def proc_status(pid):
    """{field: kB} of the numeric memory fields of /proc/<pid>/status."""
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(("Vm", "Rss")):
                    name, _, rest = line.partition(":")
                    out[name] = int(rest.split()[0])
    except OSError:
        pass
    return out


class Sampler(threading.Thread):
    """Peak RssAnon and RssShmem of a process, sampled every 10 ms."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_anon = 0
        self.peak_shmem = 0
        self.done = threading.Event()

    def sample(self):
        status = proc_status(self.pid)
        self.peak_anon = max(self.peak_anon, status.get("RssAnon", 0))
        self.peak_shmem = max(self.peak_shmem, status.get("RssShmem", 0))

    def run(self):
        while not self.done.is_set():
            self.sample()
            self.done.wait(0.01)

    def stop(self):
        self.done.set()
        self.join()
        self.sample()


def kv(line):
    return {k: v for k, _, v in (item.partition("=") for item in line.split())}


def qident(name):
    return '"%s"' % name.replace('"', '""')


def qlit(text):
    return "'%s'" % text.replace("'", "''")


# ---------------------------------------------------------------------------
# the benchmark
# ---------------------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.args = args
        self.sim = Sim(os.environ["UKG_SIM_CONTROL"])
        self.http = os.environ["UKG_SIM_HTTP"].rstrip("/")
        self.admin = psycopg2.connect("")
        self.admin.autocommit = True
        self.tables = {}
        self.servers = {}
        self.runs = []
        self.columns = None

    def sql(self, text, *params):
        if self.admin.closed:               # e.g. after a backend crash
            self.admin = psycopg2.connect("")
            self.admin.autocommit = True
        with self.admin.cursor() as cur:
            cur.execute(text, params or None)
            return cur.fetchall() if cur.description else None

    def base_url(self, n, delay):
        return "%s/n/%d%s/fast" % (self.http, n, "/d/%d" % delay if delay else "")

    # -- schema --
    def setup(self):
        # the same bytes for every client: the simulator compresses only
        # when asked, and ukg_fdw always asks (the floor and urllib do not)
        self.sim.settings(gzip=False)
        module = os.environ.get("UKG_BENCH_MODULE")
        if module:
            # the wrapper alone, from the given shared library (run_bench.sh
            # pins a private copy); the extension's other SQL functions are
            # not needed here
            self.sql("DROP EXTENSION IF EXISTS ukg_fdw CASCADE")
            self.sql("DROP FOREIGN DATA WRAPPER IF EXISTS ukg_fdw CASCADE")
            self.sql("CREATE OR REPLACE FUNCTION bench_ukg_handler() RETURNS fdw_handler "
                     "AS %s, 'ukg_fdw_handler' LANGUAGE C STRICT" % qlit(module))
            self.sql("CREATE OR REPLACE FUNCTION bench_ukg_validator(text[], oid) RETURNS void "
                     "AS %s, 'ukg_fdw_validator' LANGUAGE C STRICT" % qlit(module))
            self.sql("CREATE FOREIGN DATA WRAPPER ukg_fdw HANDLER bench_ukg_handler "
                     "VALIDATOR bench_ukg_validator")
            print("using the module %s" % module, file=sys.stderr)
        else:
            self.sql("CREATE EXTENSION IF NOT EXISTS ukg_fdw")
        self.sql("DROP SCHEMA IF EXISTS bench CASCADE")
        self.sql("DROP SCHEMA IF EXISTS bench_import CASCADE")
        self.sql("CREATE SCHEMA bench")
        self.sql("CREATE SCHEMA bench_import")
        server = self.server(self.args.records, 0)
        self.sql("IMPORT FOREIGN SCHEMA personnel LIMIT TO (person_details) "
                 "FROM SERVER %s INTO bench_import" % server)
        # the imported table's typed columns, without the jsonb catch-all
        rows = self.sql("""
            SELECT a.attname, format_type(a.atttypid, a.atttypmod),
                   coalesce((SELECT string_agg(format('%I %L', split_part(o, '=', 1),
                                                      substr(o, strpos(o, '=') + 1)), ', ')
                             FROM unnest(a.attfdwoptions) o), '')
            FROM pg_attribute a
            WHERE a.attrelid = 'bench_import.person_details'::regclass
              AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""")
        typed = [r for r in rows if r[1] != "jsonb"]
        dropped = [r[0] for r in rows if r[1] == "jsonb"]
        self.columns = [r[0] for r in typed]
        self.column_ddl = ",\n  ".join(
            "%s %s%s" % (qident(name), typ, " OPTIONS (%s)" % opts if opts else "")
            for name, typ, opts in typed)
        etl_columns = [column for _, column in etl.FIELDS]
        if etl_columns != self.columns:
            print("warning: etl.py's FIELDS differ from the imported columns:\n"
                  "  only in etl.py: %s\n  only in the FDW: %s"
                  % (sorted(set(etl_columns) - set(self.columns)),
                     sorted(set(self.columns) - set(etl_columns))), file=sys.stderr)
        self.table_info = "%d typed columns (%s), without the %s catch-all" % (
            len(self.columns),
            ", ".join("%d %s" % (sum(1 for r in typed if r[1] == t), t)
                      for t in sorted({r[1] for r in typed})),
            "/".join(dropped) or "jsonb")
        proto = self.table(self.args.records, 0, None, None)
        for name in ("person_fdw", "person_py", "person_copy"):
            self.sql("CREATE UNLOGGED TABLE bench.%s (LIKE %s)" % (name, proto))

    def server(self, n, delay):
        key = (n, delay)
        if key not in self.servers:
            name = "bench_n%d_d%d" % key
            self.sql("CREATE SERVER %s FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url %s)"
                     % (name, qlit(self.base_url(n, delay))))
            self.sql("CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS "
                     "(username 'svc_user', password 'svc_pass', customer_api_key 'CUST1')"
                     % name)
            self.servers[key] = name
        return self.servers[key]

    def table(self, n, delay, page_size, prefetch):
        """A foreign table (typed columns only); None options = defaults."""
        key = (n, delay, page_size, prefetch)
        if key not in self.tables:
            name = "bench.pd_n%d_d%d_s%s_p%s" % (n, delay, page_size or "def",
                                                prefetch or "def")
            opts = ["resource 'person-details'"]
            if page_size:
                opts.append("page_size '%d'" % page_size)
            if prefetch:
                opts.append("prefetch '%d'" % prefetch)
            self.sql("CREATE FOREIGN TABLE %s (\n  %s\n) SERVER %s OPTIONS (%s)"
                     % (name, self.column_ddl, self.server(n, delay), ", ".join(opts)))
            self.tables[key] = name
        return self.tables[key]

    # -- one run of each kind --
    def run_sql(self, sql, before_sql=None, rows_from=None):
        if before_sql:
            self.sql(before_sql)
        conn = psycopg2.connect("")
        conn.autocommit = True
        try:
            cur = conn.cursor()
            # the pid libpq got at connection start (what pg_backend_pid()
            # returns), so that the measured statement is the session's
            # first and no earlier statement's state (say, the idle-stats
            # timeout it armed, which fires 10 s later) reaches into it
            pid = conn.get_backend_pid()
            start_status = proc_status(pid)
            sampler = Sampler(pid)
            c0 = self.sim.counters()
            sampler.start()
            t0 = time.monotonic()
            try:
                cur.execute(sql)
                result = cur.fetchone() if cur.description else None
            finally:
                seconds = time.monotonic() - t0
                sampler.stop()
            c1 = self.sim.counters()
            status = proc_status(pid)
            if rows_from:
                rows = rows_from(result[0])
            else:
                rows = result[0] if result else cur.rowcount
        finally:
            conn.close()
        out = {"seconds": seconds, "rows": rows, "hwm_kb": status.get("VmHWM", -1),
               "anon_kb": sampler.peak_anon, "shmem_kb": sampler.peak_shmem,
               "start_rss_kb": start_status.get("VmRSS", -1),
               "client_kb": None}
        out.update(delta(c0, c1))
        return out

    def run_floor(self, n, page_size, delay=0, gzip=False):
        c0 = self.sim.counters()
        cmd = [self.args.floor, "-s", str(page_size)] + (["-z"] if gzip else []) \
            + [self.base_url(n, delay)]
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, check=False)
        c1 = self.sim.counters()
        if done.returncode != 0:
            raise RuntimeError("floor failed: %s" % done.stderr.strip())
        r = kv(done.stdout)
        out = {"seconds": float(r["seconds"]), "rows": int(r["rows"]), "hwm_kb": None,
               "anon_kb": None, "client_kb": int(r["maxrss_kb"]), "start_rss_kb": None}
        out.update(delta(c0, c1))
        out["floor_bytes"] = int(r["bytes"])
        out["floor_connections"] = int(r["connections"])
        return out

    def run_curl(self, n, delay, page_size, parallel):
        """Transport only: curl fetching the same pages (1 .. n/page_size + 1,
        the last one empty) with up to `parallel` transfers at once, no
        parsing.  What the simulator and the loopback allow."""
        pages = n // page_size + 1
        url = "%s/personnel/v1/person-details?page=[1-%d]&per_Page=%d" % (
            self.base_url(n, delay), pages, page_size)
        cmd = ["curl", "-s", "-S", "-f", "-u", "svc_user:svc_pass",
               "-H", "US-Customer-Api-Key: CUST1", "-H", "Accept: application/json",
               "-o", "/dev/null", "-w", "%{size_download}\n"]
        if parallel > 1:
            cmd += ["-Z", "--parallel-max", str(parallel)]
        cmd.append(url)
        c0 = self.sim.counters()
        t0 = time.monotonic()
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, check=False)
        seconds = time.monotonic() - t0
        c1 = self.sim.counters()
        if done.returncode != 0:
            raise RuntimeError("curl failed: %s" % done.stderr.strip())
        out = {"seconds": seconds, "rows": n, "hwm_kb": None, "anon_kb": None,
               "client_kb": None, "start_rss_kb": None}
        out.update(delta(c0, c1))
        return out

    def run_etl(self, n, page_size):
        self.sql("TRUNCATE bench.person_py")
        c0 = self.sim.counters()
        cmd = [PYTHON, os.path.join(HERE, "etl.py"), "--base-url", self.base_url(n, 0),
               "--table", "bench.person_py", "--page-size", str(page_size)]
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, check=False)
        c1 = self.sim.counters()
        if done.returncode != 0:
            raise RuntimeError("etl.py failed: %s" % done.stderr.strip()[-2000:])
        r = kv(done.stdout.strip().splitlines()[-1])
        out = {"seconds": float(r["seconds"]), "rows": int(r["rows"]),
               "hwm_kb": int(r["backend_vmhwm_kb"]), "anon_kb": None,
               "client_kb": int(r["maxrss_kb"]), "start_rss_kb": None}
        out.update(delta(c0, c1))
        return out

    # -- repetitions --
    def measure(self, plan, reps):
        """plan: [(key, label, callable)]; runs interleaved; returns {key: run}."""
        results = {key: [] for key, _, _ in plan}
        for rep in range(reps):
            for key, label, fn in plan:
                try:
                    run = fn()
                    run["error"] = ""
                except Exception as exc:        # report, do not stop
                    run = {"seconds": float("nan"), "rows": None, "requests": None,
                           "bytes": None, "connections": None, "hwm_kb": None,
                           "anon_kb": None, "client_kb": None, "start_rss_kb": None,
                           "error": " / ".join(str(exc).strip().splitlines())[:400]}
                    print("  ERROR in %s: %s" % (label, str(exc).strip()), file=sys.stderr)
                run.update(key=key, label=label, rep=rep + 1)
                self.runs.append(run)
                results[key].append(run)
                print("  %-44s run %d: %8.3f s  rows=%s requests=%s conns=%s hwm=%s"
                      % (label, rep + 1, run["seconds"], run["rows"], run["requests"],
                         run["connections"], mb(run["hwm_kb"])), file=sys.stderr)
        return {key: median_run(runs) for key, runs in results.items()}


def median_run(runs):
    ok = [r for r in runs if r["seconds"] == r["seconds"]]
    if not ok:
        return runs[0]
    ok.sort(key=lambda r: r["seconds"])
    return ok[(len(ok) - 1) // 2]


def mb(kb):
    return "-" if kb is None or kb < 0 else "%.1f" % (kb / 1024.0)


def fmt_rate(run):
    if not run["rows"] or run["seconds"] != run["seconds"]:
        return "-"
    return "%.0f" % (run["rows"] / run["seconds"])


def ratio(a, b):
    if a is None or b is None or a != a or b != b or b == 0:
        return float("nan")
    return a / b


# ---------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--floor", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--records", type=int)
    parser.add_argument("--big", type=int)
    parser.add_argument("--reps", type=int)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    quick = args.quick
    args.records = args.records or (20000 if quick else 100000)
    args.big = args.big or (2 if quick else 4) * args.records
    args.reps = args.reps or (1 if quick else 3)
    N, BIG, reps = args.records, args.big, args.reps
    big_page = 10000
    small_page = 1000
    prefetches = [1, 4] if quick else [1, 2, 4, 8]
    delays = [0, 100]
    os.makedirs(args.out, exist_ok=True)

    load_start = os.getloadavg()
    b = Bench(args)
    b.setup()
    report = []

    def say(line=""):
        print(line)
        report.append(line)

    # warm-up: the simulator builds its /fast templates on first use, the
    # cluster loads the module
    b.run_floor(N, 10, 0)
    try:
        b.run_sql("SELECT count(*) FROM %s" % b.table(N, 0, 10, 1))
    except psycopg2.Error as exc:
        print("warm-up query failed: %s" % str(exc).strip(), file=sys.stderr)

    # 1. the main comparison -------------------------------------------------
    print("== %d records, 0 ms, page_size %d, median of %d" % (N, big_page, reps),
          file=sys.stderr)
    main_table = b.table(N, 0, big_page, None)
    plan = [
        ("floor", "floor (C: libcurl + json-c)", lambda: b.run_floor(N, big_page)),
        ("count", "FDW SELECT count(*)",
         lambda: b.run_sql("SELECT count(*) FROM %s" % main_table)),
        ("insert", "FDW INSERT INTO local SELECT *",
         lambda: b.run_sql("INSERT INTO bench.person_fdw SELECT * FROM %s" % main_table,
                           "TRUNCATE bench.person_fdw")),
        ("etl", "Python ETL (urllib+json+COPY)", lambda: b.run_etl(N, big_page)),
    ]
    if not quick:
        def explain_rows(plan):
            return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Actual Rows"]
        plan += [
            ("select_all", "FDW SELECT * discarded (info)",
             lambda: b.run_sql("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) SELECT * FROM %s"
                               % main_table, rows_from=explain_rows)),
            ("local_insert", "local INSERT SELECT * (info)",
             lambda: b.run_sql("INSERT INTO bench.person_copy SELECT * FROM bench.person_py",
                               "TRUNCATE bench.person_copy")),
        ]

        def gzipped(fn):
            b.sim.settings(gzip=True)
            try:
                return fn()
            finally:
                b.sim.settings(gzip=False)
        plan += [
            ("floor_gzip", "floor, gzip (info)",
             lambda: gzipped(lambda: b.run_floor(N, big_page, gzip=True))),
            ("count_gzip", "FDW SELECT count(*), gzip (info)",
             lambda: gzipped(lambda: b.run_sql("SELECT count(*) FROM %s" % main_table))),
        ]
    main_res = b.measure(plan, reps)
    b.sim.settings(gzip=False)

    # do the FDW and the ETL load the same data? (outside the timings)
    check = "not checked"
    try:
        b.sql("TRUNCATE bench.person_fdw")
        b.sql("INSERT INTO bench.person_fdw SELECT * FROM %s" % main_table)
        b.run_etl(N, big_page)
        only_fdw = b.sql("SELECT count(*) FROM (SELECT * FROM bench.person_fdw EXCEPT ALL "
                         "SELECT * FROM bench.person_py) x")[0][0]
        only_py = b.sql("SELECT count(*) FROM (SELECT * FROM bench.person_py EXCEPT ALL "
                        "SELECT * FROM bench.person_fdw) x")[0][0]
        if only_fdw == 0 and only_py == 0:
            check = "identical (EXCEPT ALL both ways is empty)"
        else:
            diffs = b.sql("SELECT %s FROM bench.person_fdw f JOIN bench.person_py p "
                          "USING (employee_id)" % ", ".join(
                              "count(*) FILTER (WHERE f.%s IS DISTINCT FROM p.%s)"
                              % (qident(c), qident(c)) for c in b.columns))[0]
            cols = ["%s (%d rows)" % (c, d) for c, d in zip(b.columns, diffs) if d]
            check = "DIFFERENT: %d rows only in the FDW's table, %d only in the ETL's; " \
                    "columns that differ: %s" % (only_fdw, only_py, ", ".join(cols) or "none")
    except Exception as exc:
        check = "check failed: %s" % str(exc).strip().splitlines()[0]

    # 2. prefetch --------------------------------------------------------------
    pf_res = {}
    for delay in delays:
        print("== prefetch at %d ms, page_size %d, %d pages, median of %d"
              % (delay, small_page, N // small_page, reps), file=sys.stderr)
        plan = []
        for p in prefetches:
            t = b.table(N, delay, small_page, p)
            plan.append(((delay, p), "count(*) %d ms prefetch %d" % (delay, p),
                         lambda t=t: b.run_sql("SELECT count(*) FROM %s" % t)))
            plan.append((("curl", delay, p), "curl fetch only %d ms parallel %d" % (delay, p),
                         lambda delay=delay, p=p: b.run_curl(N, delay, small_page, p)))
        pf_res.update(b.measure(plan, reps))

    # 3. memory: N vs BIG records ---------------------------------------------
    print("== peak RSS, %d vs %d records, defaults (page_size %d), %d runs each"
          % (N, BIG, big_page, reps), file=sys.stderr)
    plan = []
    for n in (N, BIG):
        t = b.table(n, 0, None, None)
        plan += [(("count", n), "count(*) %d records" % n,
                  lambda t=t: b.run_sql("SELECT count(*) FROM %s" % t)),
                 (("insert", n), "INSERT %d records" % n,
                  lambda t=t: b.run_sql("INSERT INTO bench.person_fdw SELECT * FROM %s" % t,
                                        "TRUNCATE bench.person_fdw"))]
    b.measure(plan, reps)
    rss_res = {}
    for key, _, _ in plan:
        # memory figures: the median of each over the runs
        runs = [r for r in b.runs if r["key"] == key]
        r = dict(median_run(runs))
        for field in ("hwm_kb", "anon_kb", "shmem_kb"):
            values = [x[field] for x in runs if x.get(field) is not None and x[field] >= 0]
            r[field] = statistics.median(values) if values else None
        rss_res[key] = r
    b.sql("TRUNCATE bench.person_fdw")

    # 4. connections: two full 100-page scans in one session ------------------
    print("== connections", file=sys.stderr)
    conn_rows = []
    for p in (1, None):
        t = b.table(N, 0, small_page, p)
        conn = psycopg2.connect("")
        conn.autocommit = True
        try:
            cur = conn.cursor()
            scans = []
            for _ in range(2):
                c0 = b.sim.counters()
                try:
                    cur.execute("SELECT count(*) FROM %s" % t)
                    rows = cur.fetchone()[0]
                except Exception as exc:
                    rows = "error: %s" % str(exc).strip().splitlines()[0]
                c1 = b.sim.counters()
                d = delta(c0, c1)
                scans.append((rows, d["requests"], d["connections"]))
        finally:
            conn.close()
        conn_rows.append(("default" if p is None else str(p), scans))

    # -- report -------------------------------------------------------------
    load_end = os.getloadavg()
    say("ukg_fdw benchmark: %d records of person-details (/fast, 94 fields, ~%.1f KB/record), "
        "simulator on 127.0.0.1, %d CPU cores" % (
            N, (main_res["floor"].get("bytes") or 0) / max(N, 1) / 1024.0, os.cpu_count()))
    say("foreign table: %s; local table: UNLOGGED, LIKE the foreign table; "
        "simulator gzip off for all clients unless marked gzip" % b.table_info)
    say("module: %s (tree %s); load average (1 min) %.2f at the start, %.2f at the end"
        % (os.environ.get("UKG_BENCH_MODULE") or "the installed extension",
           os.environ.get("UKG_BENCH_REV", "unknown"), load_start[0], load_end[0]))
    say("time: median of %d interleaved runs (wall clock around the work, connection "
        "set-up excluded); other columns from the median run" % reps)
    say()
    hdr = "%-36s %8s %8s %9s %5s %8s %5s %9s %9s %9s %7s" % (
        "configuration", "rows", "seconds", "rows/s", "reqs", "MB", "conns",
        "hwm MB", "anon MB", "client MB", "x floor")
    say(hdr)
    say("-" * len(hdr))
    floor_s = main_res["floor"]["seconds"]
    summary = []
    for key, r in main_res.items():
        label = r["label"]
        say("%-36s %8s %8.3f %9s %5s %8s %5s %9s %9s %9s %7.2f" % (
            label, r["rows"], r["seconds"], fmt_rate(r), r["requests"],
            "-" if r["bytes"] is None else "%.1f" % (r["bytes"] / MB), r["connections"],
            mb(r["hwm_kb"]), mb(r["anon_kb"]), mb(r["client_kb"]),
            ratio(r["seconds"], floor_s)))
        summary.append((key, label, r))
        if r.get("error"):
            say("    error: %s" % r["error"])
    say("  hwm MB = backend VmHWM (counts shared buffers it touched); anon MB = sampled peak "
        "RssAnon of the backend; client MB = peak RSS of the floor / the Python process")
    say("  (for the Python ETL, hwm MB is its COPY backend's)")
    if "select_all" in main_res:
        say("  info rows: 'SELECT * discarded' = EXPLAIN (ANALYZE, TIMING OFF) SELECT *, every "
            "column converted, no insert;")
        say("  'local INSERT' = INSERT INTO a second unlogged table SELECT * FROM the ETL's "
            "loaded table: the insert alone, no HTTP or JSON")
    say()
    cnt, ins, py = (main_res[k]["seconds"] for k in ("count", "insert", "etl"))
    # side by side, as ratios of seconds (targets of issue #15)
    ratios = [
        ("floor / floor", 1.0, "(the reference)"),
        ("Python ETL / floor", ratio(py, floor_s), "(information)"),
        ("count(*) / floor", ratio(cnt, floor_s), "<= 0.30"),
        ("INSERT / floor", ratio(ins, floor_s), "(information)"),
        ("INSERT / Python ETL", ratio(ins, py), "<= 0.33"),
        ("INSERT / count(*)", ratio(ins, cnt), "<= 1.80"),
    ]
    for p in prefetches:
        if (100, p) in pf_res and ("curl", 100, p) in pf_res:
            ratios.append(("prefetch %d / curl %d, 100 ms" % (p, p),
                           ratio(pf_res[(100, p)]["seconds"], pf_res[("curl", 100, p)]["seconds"]),
                           "<= 1.18" if p > 1 else "(information)"))
    say("ratios (seconds)")
    for name, value, target in ratios:
        say("  %-30s %6.2f   target %s" % (name, value, target))
    say("  FDW table vs ETL table: %s" % check)
    say()

    say("prefetch: count(*), page_size %d, %d records (%d pages), median of %d"
        % (small_page, N, N // small_page, reps))
    hdr = "%-8s %-9s %8s %9s %6s %6s %6s %9s %9s %8s %9s" % (
        "delay", "prefetch", "seconds", "rows/s", "reqs", "conns", "hwm MB", "speedup",
        "bound", "curl s", "curl spd")
    say(hdr)
    say("-" * len(hdr))
    pf_rows = []
    for delay in delays:
        base = pf_res[(delay, 1)]["seconds"]
        for p in prefetches:
            r = pf_res[(delay, p)]
            sp = ratio(base, r["seconds"])
            # the best prefetch could do: hide all the delay, leaving the
            # time the same scan takes at 0 ms
            bound = min(p, ratio(base, pf_res[(0, p)]["seconds"])) if delay else float("nan")
            c = pf_res[("curl", delay, p)]
            csp = ratio(pf_res[("curl", delay, 1)]["seconds"], c["seconds"])
            pf_rows.append((delay, p, r, sp, bound, c["seconds"], csp))
            say("%-8s %-9d %8.3f %9s %6s %6s %6s %8.2fx %9s %8.3f %8.2fx" % (
                "%d ms" % delay, p, r["seconds"], fmt_rate(r), r["requests"],
                r["connections"], mb(r["hwm_kb"]), sp,
                "%.2fx" % bound if bound == bound else "-", c["seconds"], csp))
            if r.get("error"):
                say("    error: %s" % r["error"])
    say("  reqs beyond %d are requests past the end: the empty page plus speculative ones;"
        % (N // small_page))
    say("  bound = min(prefetch, t(prefetch 1, this delay) / t(this prefetch, 0 ms)): the "
        "speedup if prefetch hid all it can of the delay")
    say("  curl = transport only: curl fetching the same %d pages with that many parallel "
        "transfers, no parsing (curl spd: vs curl with 1)" % (N // small_page + 1))
    say()

    say("peak backend RSS, defaults (page_size %d); memory: median of %d runs, "
        "seconds: median" % (big_page, reps))
    hdr = "%-10s %9s %8s %9s %8s %8s %9s %9s %9s" % (
        "query", "records", "seconds", "rows/s", "reqs", "hwm MB", "anon MB", "shm MB",
        "start MB")
    say(hdr)
    say("-" * len(hdr))
    rss_rows = []
    for kind in ("count", "insert"):
        for n in (N, BIG):
            r = rss_res[(kind, n)]
            rss_rows.append((kind, n, r))
            say("%-10s %9d %8.3f %9s %8s %8s %9s %9s %9s" % (
                kind, n, r["seconds"], fmt_rate(r), r["requests"], mb(r["hwm_kb"]),
                mb(r["anon_kb"]), mb(r["shmem_kb"]), mb(r["start_rss_kb"])))
            if r.get("error"):
                say("    error: %s" % r["error"])
    for kind in ("count", "insert"):
        a, c = rss_res[(kind, N)], rss_res[(kind, BIG)]
        say("  %-6s hwm %d / %d records: %.3f   anon %d / %d: %.3f   (target: within 10%%, "
            "< 256 MB)" % (kind, BIG, N, ratio(c["hwm_kb"], a["hwm_kb"]), BIG, N,
                           ratio(c["anon_kb"], a["anon_kb"])))
    say("  hwm = VmHWM; anon, shm = sampled peaks of RssAnon (private memory) and RssShmem "
        "(shared buffers touched); start = VmRSS after connecting")
    say()

    say("connections: two full scans of %d pages (page_size %d) in one session"
        % (N // small_page, small_page))
    for p, scans in conn_rows:
        say("  prefetch %-8s %s" % (p, ";  ".join(
            "scan %d: rows %s, requests %s, new connections %s" % (i + 1, s[0], s[1], s[2])
            for i, s in enumerate(scans))))
    say()

    # -- files ----------------------------------------------------------------
    fields = ["key", "label", "rep", "seconds", "rows", "requests", "bytes", "connections",
              "hwm_kb", "anon_kb", "shmem_kb", "client_kb", "start_rss_kb", "error"]
    with open(os.path.join(args.out, "runs.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in b.runs:
            w.writerow(dict(r, key=str(r["key"])))
    with open(os.path.join(args.out, "summary.tsv"), "w") as f:
        f.write("key\tlabel\tseconds\trows\trows_per_s\trequests\tbytes\tconnections"
                "\thwm_kb\tanon_kb\tclient_kb\tx_floor\n")
        for key, label, r in summary:
            f.write("%s\t\"%s\"\t%.6f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.4f\n" % (
                key, label, r["seconds"], r["rows"], fmt_rate(r), r["requests"], r["bytes"],
                r["connections"], r["hwm_kb"], r["anon_kb"], r["client_kb"],
                ratio(r["seconds"], floor_s)))
    with open(os.path.join(args.out, "ratios.tsv"), "w") as f:
        f.write("ratio\tvalue\ttarget\n")
        for name, value, target in ratios:
            f.write("\"%s\"\t%.4f\t\"%s\"\n" % (name, value, target))
    with open(os.path.join(args.out, "chart.tsv"), "w") as f:
        f.write("label\trows_per_s\n")
        for key, label, r in summary:
            if key in ("floor", "count", "insert", "etl"):
                f.write("\"%s\"\t%s\n" % (label, fmt_rate(r)))
    with open(os.path.join(args.out, "prefetch.tsv"), "w") as f:
        f.write("delay_ms\tprefetch\tseconds\trows_per_s\trequests\tconnections\thwm_kb"
                "\tspeedup\tbound\tcurl_seconds\tcurl_speedup\n")
        for delay, p, r, sp, bound, cs, csp in pf_rows:
            f.write("%d\t%d\t%.6f\t%s\t%s\t%s\t%s\t%.4f\t%.4f\t%.6f\t%.4f\n" % (
                delay, p, r["seconds"], fmt_rate(r), r["requests"], r["connections"],
                r["hwm_kb"], sp, bound, cs, csp))
    with open(os.path.join(args.out, "rss.tsv"), "w") as f:
        f.write("query\trecords\tseconds\trows_per_s\trequests\thwm_kb\tanon_kb\tshmem_kb\n")
        for kind, n, r in rss_rows:
            f.write("%s\t%d\t%.6f\t%s\t%s\t%s\t%s\t%s\n" % (
                kind, n, r["seconds"], fmt_rate(r), r["requests"], r["hwm_kb"], r["anon_kb"],
                r["shmem_kb"]))
    with open(os.path.join(args.out, "connections.tsv"), "w") as f:
        f.write("prefetch\tscan\trows\trequests\tnew_connections\n")
        for p, scans in conn_rows:
            for i, s in enumerate(scans):
                f.write("%s\t%d\t%s\t%s\t%s\n" % (p, i + 1, s[0], s[1], s[2]))
    with open(os.path.join(args.out, "meta.gp"), "w") as f:
        f.write("records = %d\nsmall_page = %d\nbig_page = %d\nreps = %d\n"
                % (N, small_page, big_page, reps))
    with open(os.path.join(args.out, "report.txt"), "w") as f:
        f.write("\n".join(report) + "\n")
    b.admin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
