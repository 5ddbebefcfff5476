"""
scripted_async.py - asynchronous foreign scans (#16): an Append over
ukg_fdw tables on two servers runs their requests concurrently.

Loaded by scripted_tests.py.  Every test compares the async plan's rows with
the plan PostgreSQL makes with enable_async_append off.
"""

import subprocess
import time

from scripted_tests import (test, psql, check, sqlstate, control, sim_reset,
                            counters, fault, Failure, DB, HTTPS, HTTP, CA_FILE)

_ready = []

UNION = ("SELECT employee_id, company_id FROM async_a "
         "UNION ALL SELECT employee_id, company_id FROM async_b")


def objects():
    """Two servers (two tenants: 250 and 330 employees), a table on each, and
    slow variants on a third and fourth server (each data response 3 s)."""
    if _ready:
        return
    psql("""
DROP SERVER IF EXISTS ukg_async1, ukg_async2, ukg_async3, ukg_async_slow1, ukg_async_slow2
  CASCADE;
CREATE SERVER ukg_async1 FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{https}/n/250', ca_file '{ca}', max_retry_wait '1s', page_size '100');
CREATE SERVER ukg_async2 FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{https}/n/330', ca_file '{ca}', max_retry_wait '1s', page_size '100');
CREATE SERVER ukg_async_slow1 FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{http}/d/3000', max_retries '0');
CREATE SERVER ukg_async_slow2 FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{http}/d/3000', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg_async1
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg_async2
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg_async_slow1
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg_async_slow2
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE async_a (employee_id text, company_id text)
  SERVER ukg_async1 OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE async_b (employee_id text, company_id text)
  SERVER ukg_async2 OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE async_slow_a (employee_id text)
  SERVER ukg_async_slow1 OPTIONS (resource 'person-details', page_size '77');
CREATE FOREIGN TABLE async_slow_b (employee_id text)
  SERVER ukg_async_slow2 OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE async_denied (employee_id text)
  SERVER ukg_async2 OPTIONS (resource 'employment-details');
CREATE SERVER ukg_async3 FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{http}/n/330/d/200', page_size '50', prefetch '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg_async3
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE async_steady (employee_id text)
  SERVER ukg_async3 OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE async_throttled (employee_id text)
  SERVER ukg_async1 OPTIONS (resource 'employment-details');
""".format(https=HTTPS, http=HTTP, ca=CA_FILE))
    _ready.append(True)


def both_ways(sql):
    """sql's output with async Append, then with enable_async_append off."""
    _, on, _ = psql(sql)
    _, off, _ = psql("SET enable_async_append = off;\n" + sql)
    return on, off


@test
def async_union_all_plan_and_rows():
    objects()
    _, plan, _ = psql("EXPLAIN (COSTS OFF) " + UNION + ";")
    check(plan.count("Async Foreign Scan on async_") == 2,
          "both branches are Async Foreign Scans:\n" + plan)
    _, plan, _ = psql("SET enable_async_append = off; EXPLAIN (COSTS OFF) " + UNION + ";")
    check("Async" not in plan, "no async scan with enable_async_append off:\n" + plan)

    q = ("SELECT count(*), count(DISTINCT employee_id), "
         "md5(string_agg(employee_id || '/' || company_id, ',' ORDER BY employee_id, company_id)) "
         "FROM (%s) u;" % UNION)
    sim_reset()
    _, on, _ = psql(q)
    c_on = counters()
    sim_reset()
    _, off, _ = psql("SET enable_async_append = off;\n" + q)
    c_off = counters()
    check(on == off, "async rows equal the non-async rows: %r vs %r" % (on, off))
    check(on.startswith("580|"), "250 + 330 rows: %r" % on)
    # 3 + 4 pages, plus at most prefetch (2) speculative pages past the end
    # per tenant (the pipeline is refilled as each page arrives; they are
    # cancelled when the short page arrives, possibly before they were
    # sent), either way
    for c in (c_on, c_off):
        check(int(c["sizes"].get("250", 0)) in (3, 4, 5) and
              int(c["sizes"].get("330", 0)) in (4, 5, 6),
              "3 (+2) and 4 (+2) requests to the two tenants: %r" % c["sizes"])

    # EXPLAIN ANALYZE works on the async plan and counts the pages
    _, out, _ = psql("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + UNION + ";")
    check("Async Foreign Scan on async_b" in out and "UKG Pages: 4" in out,
          "EXPLAIN ANALYZE of the async plan:\n" + out)


@test
def async_capable_option():
    objects()
    rc, _, err = psql("ALTER SERVER ukg_async1 OPTIONS (ADD async_capable 'maybe');",
                      check_ok=False)
    check(rc != 0 and "async_capable" in err, "the option is validated: " + err)
    try:
        psql("ALTER SERVER ukg_async1 OPTIONS (ADD async_capable 'false');")
        _, plan, _ = psql("EXPLAIN (COSTS OFF) " + UNION + ";")
        check("Async Foreign Scan on async_b" in plan and
              "Async Foreign Scan on async_a" not in plan,
              "the server's option turns async off for its tables:\n" + plan)
        psql("ALTER FOREIGN TABLE async_a OPTIONS (ADD async_capable 'true');")
        _, plan, _ = psql("EXPLAIN (COSTS OFF) " + UNION + ";")
        check(plan.count("Async Foreign Scan") == 2, "the table's option wins:\n" + plan)
    finally:
        psql("ALTER SERVER ukg_async1 OPTIONS (DROP async_capable);")
        psql("ALTER FOREIGN TABLE async_a OPTIONS (DROP async_capable);", check_ok=False)


@test
def async_rescan_with_parameters():
    objects()
    # the correlated subquery rescans the Append for every company, with a
    # new value of the pushed companyId filter each time
    q = ("SELECT c.id, (SELECT count(*) FROM (%s) u WHERE u.company_id = c.id) "
         "FROM (SELECT DISTINCT company_id AS id FROM async_a) c ORDER BY 1;" % UNION)
    _, plan, _ = psql("EXPLAIN (COSTS OFF) " + q)
    check(plan.count("Async Foreign Scan") == 2, "async under a SubPlan:\n" + plan)
    on, off = both_ways(q)
    check(on == off, "rescanned async rows equal non-async: %r vs %r" % (on, off))
    total = sum(int(line.split("|")[1]) for line in on.splitlines())
    check(len(on.splitlines()) == 5 and total == 580, "5 companies, 580 rows: %r" % on)


@test
def async_limit():
    objects()
    for n in (5, 150, 579, 580, 1000):
        q = "SELECT count(*) FROM (SELECT * FROM (%s) u LIMIT %d) l;" % (UNION, n)
        on, off = both_ways(q)
        check(on == str(min(n, 580)) and on == off, "LIMIT %d: %r vs %r" % (n, on, off))
    # a LIMIT met by the first rows leaves transfers in flight: they are
    # cancelled, and the session goes on working
    _, out, _ = psql("SELECT employee_id FROM (%s) u LIMIT 1; SELECT count(*) FROM (%s) u;"
                     % (UNION, UNION))
    check(out.splitlines()[-1] == "580", "the next query is complete: %r" % out)


@test
def async_error_in_one_branch_cancels_the_other():
    objects()
    sim_reset()
    fault(path="employment-details", status=403, times=-1)
    sql = """\\set ON_ERROR_STOP 0
SELECT extract(epoch FROM clock_timestamp());
SELECT count(*) FROM (SELECT employee_id FROM async_slow_a
                      UNION ALL SELECT employee_id FROM async_denied) u;
SELECT extract(epoch FROM clock_timestamp());
SELECT pg_sleep(3.5);
SELECT count(*) FROM (%s) u;
SELECT 'alive';
""" % UNION
    _, plan, _ = psql("EXPLAIN (COSTS OFF) SELECT employee_id FROM async_slow_a "
                      "UNION ALL SELECT employee_id FROM async_denied;")
    check(plan.count("Async Foreign Scan") == 2, "both branches async:\n" + plan)
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-d", DB, "-v", "VERBOSITY=verbose"],
                       input=sql, capture_output=True, text=True, timeout=60)
    out, err = p.stdout, p.stderr
    slow = control("requests?match=per_Page=77")["count"]
    sim_reset()
    check(sqlstate(err) == "42501" and "permission denied" in err,
          "the failing branch's error: " + err)
    check(slow == 1, "the slow branch's request was in flight: %r" % slow)
    # the slow branch's transfer was abandoned with the query: had it stayed
    # in the backend's multi handle, the next query would have driven it into
    # freed memory when its answer came (ASan runs the suite too)
    lines = out.split()
    check(len(lines) == 4 and lines[-2:] == ["580", "alive"],
          "the session works after the error: %r" % out)
    took = float(lines[1]) - float(lines[0])
    print("       the error came after %.2f s" % took)
    check(took < 2.5, "the error did not wait for the 3 s branch (%.2f s)" % took)


@test
def async_cancel_during_wait():
    objects()
    q = ("SELECT count(*) FROM (SELECT employee_id FROM async_slow_a "
         "UNION ALL SELECT employee_id FROM async_slow_b) u")
    _, plan, _ = psql("EXPLAIN (COSTS OFF) %s;" % q)
    check(plan.count("Async Foreign Scan") == 2, "both branches async:\n" + plan)
    sim_reset()
    fault(delay_ms=30000, times=-1)
    p = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-d", DB,
                          "-v", "VERBOSITY=verbose",
                          "-c", "SET application_name = 'async_victim'",
                          "-c", q,
                          "-c", "SELECT 'alive'"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        pid = None
        for _ in range(100):
            _, out, _ = psql("SELECT pid FROM pg_stat_activity WHERE application_name = "
                             "'async_victim' AND state = 'active' "
                             "AND wait_event = 'AppendReady';", db="postgres")
            if out:
                pid = out.splitlines()[0]
                break
            time.sleep(0.1)
        if pid is None:
            raise Failure("the query never waited in the async Append (AppendReady)")
        _, sent, _ = psql("SELECT pg_cancel_backend(%s);" % pid, db="postgres")
        t0 = time.time()
        out, err = p.communicate(timeout=30)
        elapsed = time.time() - t0
    finally:
        if p.poll() is None:
            p.kill()
        sim_reset()
    check("57014" in err and "canceling statement due to user request" in err,
          "PostgreSQL's cancel error: " + err)
    print("       cancel took %.2f s" % elapsed)
    check(sent == "t", "the cancel was sent")
    check(elapsed < 1.0, "cancelled within 1 s (took %.2f s)" % elapsed)
    check("alive" in out, "the backend stays usable: %r" % out)


@test
def async_multi_tenant_view_and_company_partitions():
    objects()
    # the README's examples: a UNION ALL view across tenants, with a column
    # naming the tenant, and a table partitioned by company over one tenant
    psql("""
CREATE OR REPLACE VIEW all_tenants AS
  SELECT 'north' AS tenant, employee_id, company_id FROM async_a
  UNION ALL
  SELECT 'south' AS tenant, employee_id, company_id FROM async_b;
DROP TABLE IF EXISTS people_by_company;
CREATE TABLE people_by_company (employee_id text, company_id text)
  PARTITION BY LIST (company_id);
CREATE FOREIGN TABLE people_c1 PARTITION OF people_by_company FOR VALUES IN ('C0001')
  SERVER ukg_async2 OPTIONS (resource 'person-details', params 'companyId=C0001');
CREATE FOREIGN TABLE people_c2 PARTITION OF people_by_company FOR VALUES IN ('C0002')
  SERVER ukg_async2 OPTIONS (resource 'person-details', params 'companyId=C0002');
""")
    q = "SELECT tenant, count(*) FROM all_tenants GROUP BY tenant ORDER BY tenant;"
    _, plan, _ = psql("EXPLAIN (COSTS OFF) " + q)
    check(plan.count("Async Foreign Scan") == 2, "the view's branches are async:\n" + plan)
    on, off = both_ways(q)
    check(on == off == "north|250\nsouth|330", "rows per tenant: %r vs %r" % (on, off))

    q = ("SELECT company_id, count(*) FROM people_by_company "
         "GROUP BY company_id ORDER BY company_id;")
    _, plan, _ = psql("EXPLAIN (COSTS OFF) " + q)
    check(plan.count("Async Foreign Scan") == 2, "the partitions are async:\n" + plan)
    on, off = both_ways(q)
    _, direct, _ = psql("SELECT company_id, count(*) FROM async_b WHERE company_id IN "
                        "('C0001', 'C0002') GROUP BY 1 ORDER BY 1;")
    check(on == off == direct and len(direct.splitlines()) == 2,
          "rows per company: %r vs %r vs %r" % (on, off, direct))
    # ANALYZE of the partitioned table samples its foreign partitions too
    _, out, _ = psql("ANALYZE people_by_company; SELECT relname, reltuples FROM pg_class "
                     "WHERE relname IN ('people_c1', 'people_c2') ORDER BY 1;")
    check(out.replace("people_c", "C000") == direct,
          "each partition's reltuples is its row count: %r vs %r" % (out, direct))
    # pruning leaves one partition, scanned as usual
    _, plan, _ = psql("EXPLAIN (COSTS OFF) SELECT * FROM people_by_company "
                      "WHERE company_id = 'C0002';")
    check("people_c2" in plan and "people_c1" not in plan, "pruned:\n" + plan)


@test
def async_retry_back_off_does_not_stop_the_other_branch():
    objects()
    q = ("SELECT count(*), count(DISTINCT employee_id) FROM "
         "(SELECT employee_id FROM async_throttled UNION ALL "
         "SELECT employee_id FROM async_steady) u;")
    _, plan, _ = psql("EXPLAIN (COSTS OFF) " + q)
    check(plan.count("Async Foreign Scan") == 2, "both branches async:\n" + plan)
    _, off, _ = psql("SET enable_async_append = off; " + q)
    sim_reset()
    # the throttled branch's first request gets 429 with Retry-After: 2
    fault(path="employment-details", status=429, headers={"Retry-After": "2"}, times=1)
    _, on, _ = psql(q)
    log = control("log?last=100")
    sim_reset()
    check(on == off and on.startswith("580|"), "rows as without async: %r vs %r" % (on, off))
    throttled = [e for e in log if "employment-details" in e["target"]]
    statuses = [e["status"] for e in throttled]
    check(statuses[:2] == [429, 200] and statuses.count(429) == 1,
          "one 429, then the retry and the rest: %r" % statuses)
    back_off_from = throttled[0]["time"]
    retry_started = throttled[1]["time"] - throttled[1]["duration_ms"] / 1000
    during = [e for e in log if "person-details" in e["target"]
              and back_off_from < e["time"] < retry_started]
    # 7 pages at 200 ms fit in the 2 s back-off; a scan that slept in its
    # back-off would let at most the one request already in flight finish
    check(len(during) >= 3, "the other branch kept paging during the back-off: %d requests"
          % len(during))


@test
def async_oauth_and_basic_servers():
    # the suite's OAuth server and Basic server in one Append: a token is
    # fetched for one branch while the other pages
    q = ("SELECT count(*), count(DISTINCT employee_id) FROM "
         "(SELECT employee_id FROM oauth_people UNION ALL SELECT employee_id FROM people) u;")
    _, plan, _ = psql("EXPLAIN (COSTS OFF) " + q)
    check(plan.count("Async Foreign Scan") == 2, "both branches async:\n" + plan)
    sim_reset(tokens=True)
    _, on, _ = psql("SELECT ukg_fdw_clear_tokens(); " + q)
    tokens = counters()["token_requests"]
    _, off, _ = psql("SET enable_async_append = off; " + q)
    check(on.splitlines()[-1] == off == "2000|1000", "rows as without async: %r vs %r" % (on, off))
    check(tokens == 1, "one token request: %r" % tokens)


@test
def async_curl_timeouts_fire_while_waiting():
    # no socket activity while the server sits on both requests: only curl's
    # timer (the timerfd in the event set) can end the wait at the 1 s timeout
    objects()
    q = ("SELECT count(*) FROM (SELECT employee_id FROM async_slow_a "
         "UNION ALL SELECT employee_id FROM async_slow_b) u;")
    sim_reset()
    fault(delay_ms=20000, times=-1)
    try:
        psql("ALTER SERVER ukg_async_slow1 OPTIONS (ADD timeout '1s');")
        t0 = time.time()
        rc, _, err = psql(q, check_ok=False)
        elapsed = time.time() - t0
    finally:
        psql("ALTER SERVER ukg_async_slow1 OPTIONS (DROP timeout);")
        sim_reset()
    check(rc != 0 and sqlstate(err) == "HV00N" and "timed out" in err.lower(),
          "the transfer timed out: " + err)
    print("       the timeout ended the query after %.2f s" % elapsed)
    check(elapsed < 10.0, "long before the 20 s answer (%.2f s)" % elapsed)
