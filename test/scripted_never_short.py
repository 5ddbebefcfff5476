"""
scripted_never_short.py - issue #12 tests that need timing, signals or more
than one session: quota lockouts with the default retry budget, cancel
during the waits, and ukg_fdw_check with both base_url forms.
"""

import os
import re
import subprocess
import time

from scripted_tests import (test, psql, check, sqlstate, control, sim_reset, counters,
                            settings, Failure, DB, HTTPS, CA_FILE, TOP)

NS_SETUP = """
DROP SERVER IF EXISTS ns_default CASCADE;
CREATE SERVER ns_default FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{https}', ca_file '{ca}');
CREATE USER MAPPING FOR CURRENT_USER SERVER ns_default
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE ns_people (employee_id text, first_name text)
  SERVER ns_default OPTIONS (resource 'person-details', page_size '250');
"""


def ns_setup():
    psql(NS_SETUP.format(https=HTTPS, ca=CA_FILE))


def header_default(name):
    """An integer #define of src/ukg_fdw.h."""
    with open(os.path.join(TOP, "src", "ukg_fdw.h")) as f:
        m = re.search(r"^#define\s+%s\s+(\d+)\s*$" % name, f.read(), re.M)
    if not m:
        raise Failure("no #define %s in src/ukg_fdw.h" % name)
    return int(m.group(1))


@test
def default_retry_budget_outlasts_a_one_minute_lockout():
    # the back-off of src/http.c without Retry-After: 1 s doubling per
    # attempt, jitter -25%..+25%, each wait capped at max_retry_wait.  Even
    # with the unluckiest jitter the default waits add up to more than the
    # 60 s UKG locks a client out for ("normally 1 minute").
    retries = header_default("UKG_DEFAULT_MAX_RETRIES")
    cap = header_default("UKG_DEFAULT_RETRY_WAIT_MS") / 1000.0
    least = sum(min(0.75 * 2 ** (k - 1), cap) for k in range(1, retries + 1))
    most = sum(min(1.25 * 2 ** (k - 1), cap) for k in range(1, retries + 1))
    check(least > 60.0, "the default budget waits at least %.1f s, not > 60 s" % least)
    check(most <= 120.0, "the default budget stays bounded (%.1f s at most)" % most)
    # and the README states that worst case
    with open(os.path.join(TOP, "README.md")) as f:
        readme = f.read()
    check("%d s" % round(most) in readme, "README gives the worst-case wait (%d s)" % round(most))


def scan_through_lockouts(quota_requests, quota_window_s):
    """count(*) of ns_people (default retry options) against a tenant quota
    that answers 429 without Retry-After until its window ends: every row
    must come back exactly once, and the quota must have locked the scan
    out at least once."""
    ns_setup()
    sim_reset()
    settings(quota_requests=quota_requests, quota_window_s=quota_window_s,
             quota_retry_after=False)
    try:
        _, out, _ = psql("SELECT count(*), count(DISTINCT employee_id) FROM ns_people;",
                         timeout=400)
        c = counters()
    finally:
        sim_reset()
    check(out == "1000|1000", "every row exactly once, got %r" % out)
    check(c.get("quota_rejections", 0) >= 1, "the quota locked the scan out: %r"
          % c.get("quota_rejections"))


@test
def quota_lockout_without_retry_after_returns_every_row_once():
    # 2 calls per 3 s window: several short lockouts in one scan
    scan_through_lockouts(2, 3.0)


@test
def default_options_survive_a_sixty_second_lockout():
    # the case as a tenant has it: "normally 1 minute" windows and
    # ukg_fdw's default retry options (the server and table set neither
    # max_retries nor max_retry_wait).  The first window's 4 calls go to the
    # first pages; the next page waits out the rest of the minute.
    scan_through_lockouts(4, 60.0)


@test
def cancel_during_quota_lockout_waits():
    ns_setup()
    sim_reset()
    settings(quota_requests=1, quota_window_s=600.0, quota_retry_after=False)
    p = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-d", DB,
                          "-v", "VERBOSITY=verbose",
                          "-c", "SET application_name = 'ns_victim'",
                          "-c", "SELECT count(*) FROM ns_people",
                          "-c", "SELECT 'alive'"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        pid = None
        for _ in range(100):
            _, out, _ = psql("SELECT pid FROM pg_stat_activity WHERE application_name = "
                             "'ns_victim' AND state = 'active';", db="postgres")
            if out and counters().get("quota_rejections", 0) >= 2:
                pid = out.splitlines()[0]
                break
            time.sleep(0.1)
        check(pid is not None, "the scan reached the lockout waits")
        time.sleep(0.5)
        t0 = time.time()
        psql("SELECT pg_cancel_backend(%s);" % pid, db="postgres")
        out, err = p.communicate(timeout=30)
        elapsed = time.time() - t0
    finally:
        if p.poll() is None:
            p.kill()
        sim_reset()
    check("57014" in err, "PostgreSQL's cancel error: " + err)
    check(elapsed < 2.0, "cancelled within 2 s (took %.2f s)" % elapsed)
    check("alive" in out, "the backend stays usable: %r" % out)


def check_rows(server):
    """ukg_fdw_check's rows as (step, ok, detail, hint) tuples."""
    _, out, _ = psql("SELECT * FROM ukg_fdw_check('%s');" % server)
    rows = []
    for line in out.splitlines():
        parts = line.split("|")
        rows.append((parts[0], parts[1], parts[2] if len(parts) > 2 else "",
                     "|".join(parts[3:]) if len(parts) > 3 else ""))
    return rows


@test
def base_url_with_or_without_services():
    sim_reset()
    psql("""
DROP SERVER IF EXISTS ns_services CASCADE;
CREATE SERVER ns_services FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{https}/services/', ca_file '{ca}');
CREATE USER MAPPING FOR CURRENT_USER SERVER ns_services
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE ns_people_services (employee_id text)
  SERVER ns_services OPTIONS (resource 'person-details');
""".format(https=HTTPS, ca=CA_FILE))
    ns_setup()
    try:
        # REST at the host root (the simulator's default): a base_url ending
        # in /services gets a routing 404 on every scan, with a hint to drop
        # /services, and ukg_fdw_check finds the form that answers
        rc, _, err = psql("SELECT count(*) FROM ns_people_services;", check_ok=False)
        check(rc != 0 and sqlstate(err) == "HV00R", "a routing 404 is an error: " + err)
        check("personnel/v1/person-details" in err, "names the path: " + err)
        check("try base_url '%s'" % HTTPS in err, "hints at the host root: " + err)
        rows = check_rows("ns_services")
        form = [r for r in rows if r[0].startswith("base_url form")]
        check(len(form) == 1 and "answers under '%s'" % HTTPS in form[0][2]
              and "Set the server's base_url to '%s'." % HTTPS in form[0][3],
              "check says the host root answers: %r" % rows)
        # REST only under /services: that form works, the root form gets the
        # routing 404 with the opposite hint, and check says so
        settings(rest_prefix="/services")
        _, out, _ = psql("SELECT count(*) FROM ns_people_services;")
        check(out == "1000", "base_url with /services works when the tenant serves it: %r" % out)
        rc, _, err = psql("SELECT count(*) FROM ns_people;", check_ok=False)
        check(rc != 0 and sqlstate(err) == "HV00R", "a routing 404 is an error: " + err)
        check("try base_url '%s/services'" % HTTPS in err, "hints at /services: " + err)
        rows = check_rows("ns_default")
        form = [r for r in rows if r[0].startswith("base_url form")]
        check(len(form) == 1 and "answers under '%s/services'" % HTTPS in form[0][2],
              "check says the /services form answers: %r" % rows)
    finally:
        sim_reset()
