"""
scripted_ops.py - shared memory of ukg_fdw (#17): ukg_fdw_stats,
ukg_fdw_activity, the shared rate limit max_requests_per_minute, who may read
them, and what happens without shared_preload_libraries.

The main test cluster preloads ukg_fdw (test/lib.sh).  The last test starts a
second, throwaway cluster from the same private installation without it.
"""

import os
import shutil
import socket
import subprocess
import time

from scripted_tests import (test, psql, check, sqlstate, sim_reset, counters,
                            fault, settings, Failure, DB, HTTPS, HTTP, CA_FILE,
                            TMP, start_psql, wait_for_backend)


def ops_setup():
    psql("""
DROP SERVER IF EXISTS ops_srv CASCADE;
CREATE SERVER ops_srv FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{https}', ca_file '{ca}', max_retry_wait '1s', prefetch '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ops_srv
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE ops_people (employee_id text, first_name text)
  SERVER ops_srv OPTIONS (resource 'person-details', page_size '250');
""".format(https=HTTPS, ca=CA_FILE))


def stats_row(server):
    _, out, _ = psql("SELECT requests, pages, rows, bytes > 0, throttled, http_errors, "
                     "retries, token_requests, http_time_ms > 0, last_error, "
                     "last_error_time IS NOT NULL, user_name, database = current_database() "
                     "FROM ukg_fdw_stats WHERE server_name = '%s';" % server)
    return out


@test
def stats_count_a_scan_of_another_session():
    sim_reset()
    ops_setup()
    psql("SELECT ukg_fdw_stats_reset();")
    # one session scans: 4 full pages of 250 and an empty fifth
    _, out, _ = psql("SELECT count(*) FROM ops_people;")
    check(out == "1000", "the scan returns every row: %r" % out)
    data_requests = counters()["data_requests"]
    check(data_requests >= 5, "the simulator saw the five requests: %d" % data_requests)
    # another session sees its counts
    out = stats_row("ops_srv")
    check(out == "5|5|1000|t|0|0|0|0|t||f|postgres|t",
          "requests, pages, rows, bytes, no 429/errors/retries/tokens, HTTP time, "
          "no last error, the mapping's user: %r" % out)

    # a 429 and a retry, then a failure that becomes the last error
    sim_reset()
    fault(path="/personnel/v1/person-details", status=429, times=1)
    psql("SELECT count(*) FROM ops_people;")
    fault(path="/personnel/v1/person-details", status=403, times=1)
    rc, _, err = psql("SELECT count(*) FROM ops_people;", check_ok=False)
    check(rc != 0 and sqlstate(err) == "42501", "the 403 is an error: " + err)
    _, out, _ = psql("SELECT requests, rows, throttled, http_errors, retries, last_error "
                     "FROM ukg_fdw_stats WHERE server_name = 'ops_srv';")
    check(out == "12|2000|1|1|1|GET personnel/v1/person-details, page 1: HTTP status 403",
          "counts add up over three scans, the 429, the failure and its message: %r" % out)
    _, out, _ = psql("SELECT last_error_time > now() - interval '1 hour' "
                     "FROM ukg_fdw_stats WHERE server_name = 'ops_srv';")
    check(out == "t", "last_error_time is set: %r" % out)

    # a reset forgets everything
    psql("SELECT ukg_fdw_stats_reset();")
    _, out, _ = psql("SELECT count(*) FROM ukg_fdw_stats;")
    check(out == "0", "no rows after a reset: %r" % out)


@test
def stats_and_activity_are_for_pg_read_all_stats_only():
    psql("""
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ops_nobody') THEN
    CREATE ROLE ops_nobody LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ops_monitor') THEN
    CREATE ROLE ops_monitor LOGIN IN ROLE pg_read_all_stats;
  END IF;
END $$;
""")
    for sql in ("SELECT count(*) FROM ukg_fdw_stats;",
                "SELECT count(*) FROM ukg_fdw_activity;",
                "SELECT count(*) FROM ukg_fdw_stats();",
                "SELECT ukg_fdw_stats_reset();"):
        rc, _, err = psql(sql, user="ops_nobody", check_ok=False)
        check(rc != 0 and sqlstate(err) == "42501",
              "an ordinary role may not run %r: %s" % (sql, err))
    for sql in ("SELECT count(*) >= 0 FROM ukg_fdw_stats;",
                "SELECT count(*) >= 0 FROM ukg_fdw_activity;"):
        _, out, _ = psql(sql, user="ops_monitor")
        check(out == "t", "pg_read_all_stats may read: %r" % sql)
    rc, _, err = psql("SELECT ukg_fdw_stats_reset();", user="ops_monitor", check_ok=False)
    check(rc != 0 and sqlstate(err) == "42501", "only superusers reset: " + err)


@test
def activity_shows_a_slow_scan_from_another_session():
    sim_reset()
    psql("""
DROP SERVER IF EXISTS ops_slow CASCADE;
CREATE SERVER ops_slow FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{http}/d/1000', prefetch '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ops_slow
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE ops_slow_people (employee_id text)
  SERVER ops_slow OPTIONS (resource 'person-details', page_size '250');
""".format(http=HTTP))
    p = start_psql("SELECT count(*) FROM ops_slow_people", "ops_slow_scan",
                   on_error_stop=True)
    try:
        pid = wait_for_backend("ops_slow_scan")
        seen = None
        for _ in range(100):
            _, out, _ = psql("SELECT pid, database = current_database(), server_name, "
                             "foreign_table, usename, started IS NOT NULL, pages, rows, "
                             "bytes > 0, retries, wait FROM ukg_fdw_activity "
                             "WHERE pid = %s;" % pid)
            if out and int(out.split("|")[6]) >= 3 and out.endswith("|request"):
                seen = out
                break
            time.sleep(0.1)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    check(seen is not None, "the scan showed up with progress")
    f = seen.split("|")
    check(f[0] == pid and f[1:6] == ["t", "ops_slow", "ops_slow_people", "postgres", "t"],
          "pid, database, server, table, user, start time: %r" % seen)
    check(int(f[7]) >= 500 and f[8] == "t" and f[9] == "0",
          "rows and bytes of the pages read, no retries: %r" % seen)
    check(f[10] == "request", "waiting on a request to UKG: %r" % seen)
    check(out.strip() == "1000", "the scan returns every row: %r %s" % (out, err))
    _, out, _ = psql("SELECT count(*) FROM ukg_fdw_activity WHERE pid = %s;" % pid)
    check(out == "0", "the finished scan is gone from ukg_fdw_activity: %r" % out)


@test
def activity_shows_backoff_wait():
    sim_reset()
    fault(path="/personnel/v1/person-details", status=503,
          headers={"Retry-After": "30"}, times=1)
    psql("ALTER SERVER ops_srv OPTIONS (SET max_retry_wait '30s');")
    p = start_psql("SELECT count(*) FROM ops_people", "ops_backoff", on_error_stop=True)
    try:
        pid = wait_for_backend("ops_backoff")
        seen = None
        for _ in range(50):
            _, out, _ = psql("SELECT wait, retries FROM ukg_fdw_activity WHERE pid = %s;" % pid)
            if out.startswith("backoff"):
                seen = out
                break
            time.sleep(0.1)
        psql("SELECT pg_cancel_backend(%s);" % pid, db="postgres")
        p.communicate(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
        psql("ALTER SERVER ops_srv OPTIONS (SET max_retry_wait '1s');")
    check(seen == "backoff|1", "a retry sleep shows as backoff: %r" % seen)
    _, out, _ = psql("SELECT count(*) FROM ukg_fdw_activity WHERE pid = %s;" % pid)
    check(out == "0", "a cancelled scan frees its slot: %r" % out)


def two_scans(table):
    ps = [start_psql("SELECT count(*), count(DISTINCT employee_id) FROM %s" % table,
                     "ops_rl_%d" % i, on_error_stop=True) for i in range(2)]
    outs = []
    for p in ps:
        out, err = p.communicate(timeout=120)
        outs.append((p.returncode, out.strip(), err))
    return outs


@test
def shared_rate_limit_avoids_429s_for_two_concurrent_scans():
    # the tenant admits 6 data requests per 3 s window, then locks out
    psql("""
DROP SERVER IF EXISTS ops_rl CASCADE;
CREATE SERVER ops_rl FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{https}', ca_file '{ca}', max_retry_wait '2s', prefetch '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ops_rl
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE ops_rl_people (employee_id text)
  SERVER ops_rl OPTIONS (resource 'person-details', page_size '250');
""".format(https=HTTPS, ca=CA_FILE))

    # without the limit the two scans overrun the quota (so the test can fail)
    sim_reset()
    settings(quota_requests=6, quota_window_s=3.0)
    two_scans("ops_rl_people")
    before = counters()["quota_rejections"]
    check(before > 0, "without a limit the quota rejects requests: %d" % before)

    # with it, the requests of both backends are spaced 0.6 s apart: at most
    # 5 (6 with jitter) fall in any 3 s window
    sim_reset()
    settings(quota_requests=6, quota_window_s=3.0)
    psql("ALTER SERVER ops_rl OPTIONS (ADD max_requests_per_minute '100');")
    psql("SELECT ukg_fdw_stats_reset();")
    outs = two_scans("ops_rl_people")
    c = counters()
    for rc, out, err in outs:
        check(rc == 0 and out == "1000|1000", "each scan returns all its rows: %r %s" % (out, err))
    check(c["quota_rejections"] == 0 and c["status_counts"].get("429") is None,
          "zero 429s: %r" % c["status_counts"])
    check(c["data_requests"] == 10, "five requests per scan: %d" % c["data_requests"])
    _, out, _ = psql("SELECT requests, throttled, rate_limit_wait_ms > 0 FROM ukg_fdw_stats "
                     "WHERE server_name = 'ops_rl';")
    check(out == "10|0|t", "stats count the time waited for the limit: %r" % out)

    # EXPLAIN ANALYZE shows the time waited
    _, out, _ = psql("EXPLAIN (ANALYZE, SUMMARY OFF) SELECT count(*) FROM ops_rl_people;")
    check("UKG Rate Limit Wait:" in out, "EXPLAIN ANALYZE shows the wait: " + out)


@test
def rate_limit_wait_is_visible_and_interruptible():
    sim_reset()
    psql("ALTER SERVER ops_rl OPTIONS (SET max_requests_per_minute '2');")
    p = None
    try:
        # one request takes the only turn of the next 30 s; the next waits
        psql("""CREATE FOREIGN TABLE IF NOT EXISTS ops_rl_one (employee_id text)
                SERVER ops_rl OPTIONS (resource 'person-details', page_size '10000');""")
        p = start_psql("SELECT count(*) FROM ops_rl_one; SELECT count(*) FROM ops_rl_one",
                       "ops_rl_wait", on_error_stop=True)
        pid = wait_for_backend("ops_rl_wait")
        seen = None
        for _ in range(100):
            _, out, _ = psql("SELECT a.wait, s.wait_event_type FROM ukg_fdw_activity a "
                             "JOIN pg_stat_activity s USING (pid) WHERE a.pid = %s;" % pid)
            if out.startswith("rate limit|"):
                seen = out
                break
            time.sleep(0.1)
        t0 = time.time()
        psql("SELECT pg_cancel_backend(%s);" % pid, db="postgres")
        _, err = p.communicate(timeout=20)
        elapsed = time.time() - t0
    finally:
        if p is not None and p.poll() is None:
            p.kill()
            p.communicate()
        psql("ALTER SERVER ops_rl OPTIONS (DROP max_requests_per_minute);")
    check(seen == "rate limit|Extension", "the wait shows in both views: %r" % seen)
    check("57014" in err, "cancelled: " + err)
    check(elapsed < 2.0, "cancel takes effect within 2 s (%.2f s)" % elapsed)


@test
def rate_limit_option_is_checked():
    rc, _, err = psql("ALTER SERVER ops_rl OPTIONS (ADD max_requests_per_minute '-1');",
                      check_ok=False)
    check(rc != 0 and sqlstate(err) == "HV024", "negative is refused: " + err)
    rc, _, err = psql("CREATE FOREIGN TABLE ops_bad (a text) SERVER ops_rl "
                      "OPTIONS (resource 'person-details', max_requests_per_minute '5');",
                      check_ok=False)
    check(rc != 0 and sqlstate(err) == "HV00D", "a server option only: " + err)


def run_as_postgres(args, **kw):
    return subprocess.run(["runuser", "-u", "postgres", "--"] + args,
                          capture_output=True, text=True, **kw)


@test
def bounds_and_without_preloading_in_a_second_cluster():
    """A throwaway cluster from the same private installation: first
    preloaded with the smallest shared memory (one server, one scan slot),
    then restarted without preloading."""
    bindir = os.environ["UKG_PG_BIN"]
    base = os.path.join(TMP, "ops_cluster")
    data = os.path.join(base, "data")
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    shutil.chown(base, "postgres")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = str(s.getsockname()[1])
    s.close()
    r = run_as_postgres([bindir + "/initdb", "-D", data, "-A", "trust", "-U", "postgres"])
    check(r.returncode == 0, "initdb: " + r.stderr)
    with open(os.path.join(data, "postgresql.conf"), "a") as f:
        f.write("port = %s\nlisten_addresses = ''\nunix_socket_directories = '%s'\n"
                "ukg_fdw.allowed_hosts = '127.0.0.1, localhost'\nfsync = off\n"
                "shared_buffers = 16MB\nmax_connections = 10\n"
                "shared_preload_libraries = 'ukg_fdw'\n"
                "ukg_fdw.max_servers = 1\nukg_fdw.max_live_scans = 1\n" % (port, base))
    # under --asan the module needs libasan preloaded, as in test/lib.sh
    env = ["env"] + os.environ.get("UKG_ASAN_ENV", "").split()
    pg_ctl = env + [bindir + "/pg_ctl", "-D", data, "-l", os.path.join(base, "log"), "-w"]

    def q(sql, check_ok=True):
        return psql(sql, db="postgres", check_ok=check_ok,
                    env={"PGHOST": base, "PGPORT": port})

    r = run_as_postgres(pg_ctl + ["start"])
    check(r.returncode == 0, "second cluster starts: " + r.stderr)
    try:
        q("""
CREATE EXTENSION ukg_fdw;
CREATE SERVER s FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{https}', ca_file '{ca}', max_requests_per_minute '6000');
CREATE SERVER s2 FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{https}', ca_file '{ca}', max_requests_per_minute '6000');
CREATE USER MAPPING FOR CURRENT_USER SERVER s
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE USER MAPPING FOR CURRENT_USER SERVER s2
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE p (employee_id text) SERVER s OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE p2 (employee_id text) SERVER s2 OPTIONS (resource 'person-details');
""".format(https=HTTPS, ca=CA_FILE))
        sim_reset()
        _, out, _ = q("SELECT count(*) FROM p;")
        check(out == "1000", "the one rate-limited server works: %r" % out)
        rc, _, err = q("SELECT count(*) FROM p2;", check_ok=False)
        check(rc != 0 and sqlstate(err) == "53400" and "ukg_fdw.max_servers" in err,
              "a second rate-limited server is refused, naming the setting: " + err)
        # two scans live at once, one slot: the second runs unseen
        _, out, _ = q("SELECT (SELECT count(*) FROM p) + (SELECT count(*) FROM p);")
        check(out == "2000", "a scan without an activity slot still works: %r" % out)
        _, out, _ = q("SELECT rows FROM ukg_fdw_stats WHERE server_name = 's';")
        check(out == "3000", "and is counted: %r" % out)

        # restart without preloading
        q("ALTER SERVER s OPTIONS (DROP max_requests_per_minute);"
          "ALTER SERVER s2 OPTIONS (DROP max_requests_per_minute);")
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            f.write("shared_preload_libraries = ''\n")
        r = run_as_postgres(pg_ctl + ["restart"])
        if r.returncode != 0:
            with open(os.path.join(base, "log")) as f:
                raise Failure("restart failed: " + r.stderr + f.read()[-2000:])
        _, out, _ = q("SHOW shared_preload_libraries;")
        check(out == "", "nothing preloaded: %r" % out)
        for sql, what in (("SELECT * FROM ukg_fdw_stats;", "ukg_fdw_stats"),
                          ("SELECT * FROM ukg_fdw_activity;", "ukg_fdw_activity"),
                          ("SELECT ukg_fdw_stats_reset();", "ukg_fdw_stats_reset")):
            rc, _, err = q(sql, check_ok=False)
            check(rc != 0 and sqlstate(err) == "55000", "%s: 55000, got %s" % (what, err))
            check("%s needs ukg_fdw to be loaded via shared_preload_libraries" % what in err
                  and "HINT:  Add ukg_fdw to shared_preload_libraries" in err,
                  "a clear message with a hint: " + err)
        sim_reset()
        _, out, _ = q("SELECT count(*) FROM p;")
        check(out == "1000", "scans work: %r" % out)
        # the rate limit is never silently ignored: a warning when set, an
        # error (before any request) when used
        _, _, err = q("ALTER SERVER s OPTIONS (ADD max_requests_per_minute '60');")
        check("WARNING:  55000: option \"max_requests_per_minute\" needs ukg_fdw" in err,
              "a warning when the option is set: " + err)
        sim_reset()
        rc, _, err = q("SELECT count(*) FROM p;", check_ok=False)
        check(rc != 0 and sqlstate(err) == "55000" and
              "option \"max_requests_per_minute\" of server \"s\" needs ukg_fdw" in err,
              "an error when it is used: " + err)
        check(counters()["data_requests"] == 0, "no request was sent")
    finally:
        run_as_postgres([bindir + "/pg_ctl", "-D", data, "-m", "immediate", "stop"])
        shutil.rmtree(base, ignore_errors=True)
