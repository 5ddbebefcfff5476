#!/usr/bin/python3
"""
bench_async.py -- the asynchronous Append figure of #16: a UNION ALL of two
ukg_fdw tables on two servers (two tenants), each answering every request
after DELAY ms and holding PAGES pages, timed with enable_async_append on
and off.  Run by test/bench/run_bench_async.sh, which starts the cluster and
the simulator (test/lib.sh); prints a table and the ratio.  Figures only:
nothing here asserts a timing.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys

DB = "ukg_bench_async"


def psql(sql, db=DB):
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db],
                       input=sql, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        sys.exit("psql failed: %s\n%s" % (p.stderr, sql))
    return p.stdout


def timed(sql):
    """Milliseconds the statement took (psql's \\timing), and its output."""
    out = psql("\\timing on\n" + sql)
    times = re.findall(r"^Time: ([0-9.]+) ms", out, re.M)
    rows = [line for line in out.splitlines() if line and not line.startswith("Time:")]
    return float(times[-1]), rows[-1] if rows else ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay", type=int, default=300, help="ms per request")
    ap.add_argument("--pages", type=int, default=5, help="pages per server")
    ap.add_argument("--page-size", type=int, default=20)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--same-host", action="store_true",
                    help="both servers on 127.0.0.1 (default: the second on localhost)")
    args = ap.parse_args()

    http = os.environ["UKG_SIM_HTTP"].rstrip("/")
    # two tenants are two hosts: the simulator as 127.0.0.1 and as localhost
    hosts = {1: http, 2: http.replace("127.0.0.1", "localhost")}
    if args.same_host:
        hosts[2] = http
    # PAGES pages: PAGES - 1 full ones and a short last one
    n = args.page_size * (args.pages - 1) + args.page_size // 2
    psql("DROP DATABASE IF EXISTS %s; CREATE DATABASE %s;" % (DB, DB), db="postgres")
    ddl = ["CREATE EXTENSION ukg_fdw;"]
    for s in (1, 2):
        ddl.append("""
CREATE SERVER tenant{s} FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{http}/n/{n}/d/{d}/fast', page_size '{ps}');
CREATE USER MAPPING FOR CURRENT_USER SERVER tenant{s}
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE people{s} (employee_id text, company_id text)
  SERVER tenant{s} OPTIONS (resource 'person-details');
""".format(s=s, http=hosts[s], n=n, d=args.delay, ps=args.page_size))
    psql("".join(ddl))

    query = ("SELECT count(*) FROM (SELECT employee_id FROM people1 "
             "UNION ALL SELECT employee_id FROM people2) u;")
    plan = psql("EXPLAIN (COSTS OFF) " + query)
    if plan.count("Async Foreign Scan") != 2:
        sys.exit("the plan is not asynchronous:\n" + plan)

    print("UNION ALL of two servers (%s), %d pages of %d rows each (%d rows), %d ms per request"
          % ("one host" if args.same_host else "two hosts", args.pages, args.page_size, n,
             args.delay))
    print("%-10s %-26s %12s %12s %8s" % ("prefetch", "plan", "median ms", "rows", "ratio"))
    for prefetch in (1, 2):
        psql("ALTER SERVER tenant1 OPTIONS (ADD prefetch '%d'); "
             "ALTER SERVER tenant2 OPTIONS (ADD prefetch '%d');" % (prefetch, prefetch))
        results = {}
        for label, setting in (("async", "on"), ("sync", "off")):
            runs = []
            rows = None
            for _ in range(args.reps):
                ms, rows = timed("SET enable_async_append = %s;\n%s" % (setting, query))
                runs.append(ms)
            results[label] = (statistics.median(runs), rows)
        ratio = results["async"][0] / results["sync"][0]
        for label, setting in (("async", "on"), ("sync", "off")):
            print("%-10d %-26s %12.0f %12s %8s" % (
                prefetch, "enable_async_append %s" % setting, results[label][0],
                results[label][1], "%.2f" % ratio if label == "async" else ""))
        psql("ALTER SERVER tenant1 OPTIONS (DROP prefetch); "
             "ALTER SERVER tenant2 OPTIONS (DROP prefetch);")
    psql("DROP DATABASE %s;" % DB, db="postgres")


if __name__ == "__main__":
    main()
