#!/usr/bin/python3
"""
scripted_tests.py - ukg_fdw tests that need more than one session, timing,
signals, the server log or generated input, so pg_regress cannot run them.

Run by test/run_tests.sh, which exports PGHOST/PGPORT/PGUSER and the
simulator's addresses (UKG_SIM_*).  Each test asserts on results, request
counts, SQLSTATEs and messages.  The last line is "N passed, M failed".
"""

import base64
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import traceback
import urllib.request

DB = "ukg_scripted"
CONTROL = os.environ["UKG_SIM_CONTROL"]
HTTPS = os.environ["UKG_SIM_HTTPS"]
HTTP = os.environ["UKG_SIM_HTTP"]
CA_FILE = os.environ["UKG_SIM_CA_FILE"]
TMP = os.environ["UKG_TMP"]
SERVER_LOG = os.path.join(TMP, "server.log")
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# every secret the tests put in a user mapping; none may ever be logged
# (sql/*.sql and this file; the server logs the whole suite at debug5)
SECRETS = ["svc_pass", "CUST1", "USERKEY00001", "secret1", "secret2", "limited_pass",
           "wrong-secret-42", "rotated-secret-7", "wrong-secret-77", "not-the-password",
           "wrong-password-99", "secret-do-not-show",
           # what Basic auth puts on the wire for the accounts above
           base64.b64encode(b"svc_user:svc_pass").decode(),
           base64.b64encode(b"limited_user:limited_pass").decode()]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def psql(sql, db=DB, user=None, check_ok=True, timeout=120, env=None):
    """Run sql in a fresh psql session; returns (rc, stdout, stderr)."""
    cmd = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
           "-v", "VERBOSITY=verbose", "-d", db]
    if user:
        cmd += ["-U", user]
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run(cmd, input=sql, capture_output=True, text=True,
                       timeout=timeout, env=e)
    if check_ok and p.returncode != 0:
        raise Failure("psql failed: %s\n--- sql:\n%s" % (p.stderr.strip(), sql))
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def sqlstate(stderr):
    m = re.search(r"ERROR:\s+([0-9A-Z]{5}):", stderr)
    return m.group(1) if m else None


def control(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(CONTROL + "/_control/" + path, data=data,
                                 method="GET" if body is None else "POST")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def sim_reset(tokens=False):
    control("reset", {"tokens": tokens} if tokens else {})


def counters():
    return control("counters")


def fault(**rule):
    control("faults", {"rules": [rule]})


def settings(**kw):
    control("settings", kw)


SETUP = """
SET client_min_messages = warning;
DROP DATABASE IF EXISTS {db};
CREATE DATABASE {db};
"""


def setup_database():
    psql(SETUP.format(db=DB), db="postgres")
    psql("""
CREATE EXTENSION ukg_fdw;
CREATE SERVER ukg FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{https}', ca_file '{ca}', max_retry_wait '2s', prefetch '1');
CREATE SERVER ukg_slow FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{http}/d/60000', max_retries '0');
CREATE SERVER ukg_oauth FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{https}/platform', ca_file '{ca}', auth_method 'oauth2',
           token_url '{https}/oauth/token', audience 'api.ukg.net',
           tenant_id 'org_test1', prefetch '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg_slow
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg_oauth
  OPTIONS (client_id 'client1', client_secret 'secret1');
CREATE FOREIGN TABLE people (employee_id text, first_name text, company_id text)
  SERVER ukg OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE people_500 (employee_id text, first_name text)
  SERVER ukg OPTIONS (resource 'person-details', page_size '100');
CREATE FOREIGN TABLE slow_people (employee_id text)
  SERVER ukg_slow OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE oauth_people (employee_id text, first_name text)
  SERVER ukg_oauth OPTIONS (resource 'person-details');
""".format(https=HTTPS, http=HTTP, ca=CA_FILE))


# ---------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


@test
def retries_429_without_retry_after():
    sim_reset()
    fault(path="/personnel/v1/person-details", status=429, times=3)
    _, out, _ = psql("SELECT count(*), count(DISTINCT employee_id) FROM people_500;")
    c = counters()
    check(out == "1000|1000", "every row exactly once, got %r" % out)
    check(c["status_counts"].get("429") == 3, "three 429s served: %r" % c["status_counts"])


@test
def retries_429_with_retry_after():
    sim_reset()
    fault(path="/personnel/v1/person-details", status=429,
          headers={"Retry-After": "1"}, times=2)
    t0 = time.time()
    _, out, _ = psql("SELECT count(*), count(DISTINCT employee_id) FROM people_500;")
    elapsed = time.time() - t0
    check(out == "1000|1000", "every row exactly once, got %r" % out)
    # Retry-After: 1 was honoured twice (a behavioural lower bound)
    check(elapsed >= 2.0, "waited for Retry-After (%.2f s)" % elapsed)


@test
def retries_exhausted_is_an_error_and_insert_is_rolled_back():
    sim_reset()
    psql("DROP TABLE IF EXISTS target; CREATE TABLE target (employee_id text);")
    fault(path="/personnel/v1/person-details", status=503, times=-1, skip=2)
    rc, _, err = psql("""
ALTER SERVER ukg OPTIONS (ADD max_retries '2');
INSERT INTO target SELECT employee_id FROM people_500;
""", check_ok=False)
    psql("ALTER SERVER ukg OPTIONS (DROP max_retries);")
    sim_reset()
    check(rc != 0, "the scan failed")
    check(sqlstate(err) == "HV000", "SQLSTATE HV000, got %s" % sqlstate(err))
    check("HTTP status 503 after 3 attempts" in err, "names the attempts: " + err)
    _, out, _ = psql("SELECT count(*) FROM target;")
    check(out == "0", "target table unchanged, got %s rows" % out)


@test
def statement_timeout_cancels_a_slow_page():
    sim_reset()
    t0 = time.time()
    rc, _, err = psql("SET statement_timeout = '2s'; SELECT count(*) FROM slow_people;",
                      check_ok=False)
    elapsed = time.time() - t0
    check(rc != 0 and sqlstate(err) == "57014", "query_canceled, got " + err)
    check("statement timeout" in err, "PostgreSQL's own message: " + err)
    check(elapsed < 4.0, "cancelled within 4 s (took %.2f s)" % elapsed)


def start_psql(sql, appname, on_error_stop=False):
    """Start a psql session in the background, running sql; returns Popen."""
    return subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-d", DB,
                             "-v", "VERBOSITY=verbose"] +
                            (["-v", "ON_ERROR_STOP=1"] if on_error_stop else []) +
                            ["-c", "SET application_name = '%s'" % appname,
                             "-c", sql],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_backend(appname):
    for _ in range(100):
        _, out, _ = psql("SELECT pid FROM pg_stat_activity WHERE application_name = '%s' "
                         "AND state = 'active';" % appname, db="postgres")
        if out:
            return out.splitlines()[0]
        time.sleep(0.1)
    raise Failure("session %s never became active" % appname)


@test
def statement_timeout_cancels_a_slow_token_request():
    sim_reset(tokens=True)
    fault(path="/oauth/token", delay_ms=60000, times=1)
    t0 = time.time()
    rc, out, err = psql("SELECT ukg_fdw_clear_tokens(); SET statement_timeout = '2s'; "
                        "SELECT count(*) FROM oauth_people;", check_ok=False)
    elapsed = time.time() - t0
    sim_reset()
    check(rc != 0 and sqlstate(err) == "57014", "query_canceled, got " + err)
    check(elapsed < 4.0, "cancelled within 4 s (took %.2f s)" % elapsed)
    _, out, _ = psql("SELECT count(*) FROM oauth_people;")
    check(out == "1000", "the next scan gets a token and works: %r" % out)


@test
def pg_cancel_backend_during_retry_sleep_then_backend_works():
    sim_reset()
    fault(path="/personnel/v1/person-details", status=503,
          headers={"Retry-After": "30"}, times=-1)
    psql("ALTER SERVER ukg OPTIONS (SET max_retry_wait '60s');")
    p = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-d", DB,
                          "-v", "VERBOSITY=verbose",
                          "-c", "SET application_name = 'victim'",
                          "-c", "SELECT count(*) FROM people",
                          "-c", "SELECT 'alive'"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        pid = wait_for_backend("victim")
        time.sleep(1.5)          # inside the 30 s Retry-After sleep by now
        t0 = time.time()
        psql("SELECT pg_cancel_backend(%s);" % pid, db="postgres")
        sim_reset()              # let the next query through
        out, err = p.communicate(timeout=20)
        elapsed = time.time() - t0
    finally:
        if p.poll() is None:
            p.kill()
        psql("ALTER SERVER ukg OPTIONS (SET max_retry_wait '2s');")
    check("57014" in err and "canceling statement due to user request" in err,
          "PostgreSQL's cancel error: " + err)
    check(elapsed < 4.0, "cancelled within 4 s (took %.2f s)" % elapsed)
    check("alive" in out, "the backend stays usable: %r" % out)


@test
def harmless_interrupts_do_not_abort_a_transfer():
    # pg_log_backend_memory_contexts interrupts the backend without ending
    # its query; the transfer in progress must go on and succeed
    sim_reset()
    psql("""CREATE FOREIGN TABLE IF NOT EXISTS people_3s (employee_id text)
            SERVER ukg OPTIONS (resource 'person-details', page_size '10000');""")
    fault(path="/personnel/v1/person-details", delay_ms=3000, times=1)
    p = start_psql("SELECT count(*) FROM people_3s", "interrupted")
    try:
        pid = wait_for_backend("interrupted")
        time.sleep(1)
        for _ in range(3):
            psql("SELECT pg_log_backend_memory_contexts(%s);" % pid, db="postgres")
            time.sleep(0.3)
        out, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
    check(out.strip() == "1000", "the scan succeeds: %r %s" % (out, err))
    # page 1 once (page 2 follows: a short page may be capped, #12)
    check(control("requests?match=page%3D1%26")["count"] == 1, "no second attempt was needed")


@test
def wait_event_visible_during_request():
    sim_reset()
    p = start_psql("SET statement_timeout = '8s'; SELECT count(*) FROM slow_people;", "waiter")
    try:
        seen = None
        for _ in range(60):
            _, out, _ = psql("SELECT wait_event_type || ':' || coalesce(wait_event, '') "
                             "FROM pg_stat_activity WHERE application_name = 'waiter' "
                             "AND state = 'active';", db="postgres")
            if out.startswith("Extension"):
                seen = out
                break
            time.sleep(0.1)
    finally:
        p.kill()
        p.communicate()
    check(seen is not None, "wait event of type Extension seen during the request")


@test
def progress_notices_only_when_enabled():
    sim_reset()
    psql("""CREATE FOREIGN TABLE IF NOT EXISTS slowish (employee_id text)
            SERVER ukg OPTIONS (resource 'person-details', page_size '100');""")
    psql("ALTER SERVER ukg OPTIONS (SET base_url '%s/d/700');" % HTTPS)
    try:
        _, out, err_on = psql("SET ukg_fdw.progress_interval = '1s'; "
                              "SELECT count(*) FROM slowish;")
        _, out2, err_off = psql("SELECT count(*) FROM slowish;")
    finally:
        psql("ALTER SERVER ukg OPTIONS (SET base_url '%s');" % HTTPS)
    check(out == "1000" and out2 == "1000", "rows: %r %r" % (out, out2))
    check(re.search(r"NOTICE:.*slowish.*pages.*rows.*bytes", err_on),
          "a progress NOTICE when on: " + err_on)
    check("NOTICE" not in err_off, "no NOTICE when off: " + err_off)


@test
def oauth_twenty_scans_one_token():
    sim_reset(tokens=True)
    psql("SELECT ukg_fdw_clear_tokens();")
    sql = "".join("SELECT count(*) FROM oauth_people;\n" for _ in range(20))
    _, out, _ = psql(sql)
    check(out.split() == ["1000"] * 20, "20 scans return all rows")
    check(counters()["token_requests"] == 1, "1 token request, got %d" % counters()["token_requests"])


@test
def oauth_expired_token_is_refreshed():
    sim_reset(tokens=True)
    settings(token_expires_in=2)
    try:
        _, out, _ = psql("SELECT count(*) FROM oauth_people; SELECT pg_sleep(2.5); "
                         "SELECT count(*) FROM oauth_people;")
    finally:
        settings(token_expires_in=3600)
    check(out.split() == ["1000", "1000"], "both scans succeed: %r" % out)
    check(counters()["token_requests"] == 2, "one new token after expiry, got %d"
          % counters()["token_requests"])


@test
def oauth_rotation_takes_effect_in_same_session():
    sim_reset(tokens=True)
    control("clients", {"client_id": "client1", "client_secret": "rotated-secret-7",
                        "audience": "api.ukg.net", "tenant": "org_test1"})
    try:
        # old secret still cached as a token: rotate in the same session
        rc, out, err = psql("""
\\set ON_ERROR_STOP 0
SELECT count(*) FROM oauth_people;
ALTER USER MAPPING FOR CURRENT_USER SERVER ukg_oauth OPTIONS (SET client_secret 'rotated-secret-7');
SELECT count(*) FROM oauth_people;
ALTER USER MAPPING FOR CURRENT_USER SERVER ukg_oauth OPTIONS (SET client_secret 'wrong-secret-42');
SELECT count(*) FROM oauth_people;
""", check_ok=False)
    finally:
        control("clients", {"client_id": "client1", "client_secret": "secret1",
                            "audience": "api.ukg.net", "tenant": "org_test1"})
        psql("ALTER USER MAPPING FOR CURRENT_USER SERVER ukg_oauth OPTIONS (SET client_secret 'secret1');")
    lines = out.split()
    # the first scan fails: the simulator only knows the rotated secret now
    check(lines == ["1000"], "only the rotated-secret scan succeeds: %r / %s" % (out, err))
    check(err.count("28000") == 2, "two auth errors (old and wrong secret): " + err)
    c = counters()
    check(c["token_requests"] == 3, "a token request per attempt, got %d" % c["token_requests"])
    for s in SECRETS:
        check(s not in err, "no secret in errors")


@test
def oauth_revoked_token_replaced_once():
    sim_reset(tokens=True)
    psql("SELECT ukg_fdw_clear_tokens();")
    # one session: scan, sleep while the simulator revokes the token, scan
    p = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-d", DB, "-v", "VERBOSITY=verbose",
                          "-c", "SELECT count(*) FROM oauth_people",
                          "-c", "SELECT pg_sleep(2)",
                          "-c", "SELECT count(*) FROM oauth_people"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    control("tokens", {"revoke_all": True})
    out, err = p.communicate(timeout=60)
    check(out.split() == ["1000", "1000"], "both scans succeed: %r %s" % (out, err))
    c = counters()
    check(c["token_requests"] == 2, "one replacement token, got %d" % c["token_requests"])
    check(c["status_counts"].get("401") == 1, "one 401: %r" % c["status_counts"])


@test
def two_users_get_different_tokens():
    sim_reset(tokens=True)
    psql("""
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ukg_alice') THEN CREATE ROLE ukg_alice LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ukg_bob') THEN CREATE ROLE ukg_bob LOGIN; END IF;
END $$;
GRANT USAGE ON FOREIGN SERVER ukg_oauth TO ukg_alice, ukg_bob;
GRANT SELECT ON oauth_people TO ukg_alice, ukg_bob;
DROP USER MAPPING IF EXISTS FOR ukg_alice SERVER ukg_oauth;
DROP USER MAPPING IF EXISTS FOR ukg_bob SERVER ukg_oauth;
CREATE USER MAPPING FOR ukg_alice SERVER ukg_oauth OPTIONS (client_id 'client1', client_secret 'secret1');
CREATE USER MAPPING FOR ukg_bob SERVER ukg_oauth OPTIONS (client_id 'client2', client_secret 'secret2');
""")
    control("clients", {"client_id": "client2", "client_secret": "secret2",
                        "audience": "api.ukg.net", "tenant": "org_test1"})
    _, out, _ = psql("""
SET ROLE ukg_alice; SELECT count(*) FROM oauth_people; SELECT username FROM ukg_fdw_tokens();
RESET ROLE;
SET ROLE ukg_bob; SELECT count(*) FROM oauth_people;
RESET ROLE;
SELECT string_agg(username, ',' ORDER BY username) FROM ukg_fdw_tokens();
""")
    lines = out.split()
    check(lines[0] == "1000" and lines[2] == "1000", "both users read: %r" % out)
    check(lines[-1] == "ukg_alice,ukg_bob", "one token per mapping: %r" % out)
    by_client = counters()["token_requests_by_client"]
    check(by_client.get("client1") == 1 and by_client.get("client2") == 1,
          "each user used its own client: %r" % by_client)
    # the listing never shows a token
    _, out, _ = psql("SELECT row_to_json(t)::text FROM ukg_fdw_tokens() t;")
    log = control("log?last=50")
    tokens = set()
    for entry in log:
        auth = {k.lower(): v for k, v in entry.get("headers", {}).items()}.get("authorization", "")
        if auth.startswith("Bearer "):
            tokens.add(auth[7:])
    check(tokens, "bearer tokens were sent")
    for t in tokens:
        check(t not in out, "token not listed")


@test
def bad_bodies_get_clean_errors():
    cases = [
        ("malformed", "invalid JSON in UKG API response"),
        ("truncate", "truncated"),
        ("object", "is not a JSON array"),
        ("scalar", "is not a JSON array"),
        ("html", "is not JSON"),
        ("wrong_content_type", "is not JSON"),
    ]
    for kind, message in cases:
        sim_reset()
        fault(path="/personnel/v1/person-details", kind=kind, times=-1)
        rc, _, err = psql("SELECT count(*) FROM people;", check_ok=False)
        check(rc != 0, "%s: an error" % kind)
        check(message in err, "%s: %r in %s" % (kind, message, err))
        check('"people"' in err, "%s: names the table: %s" % (kind, err))
    sim_reset()
    fault(path="/personnel/v1/person-details", kind="huge", size_mb=3, times=-1)
    rc, _, err = psql("ALTER SERVER ukg OPTIONS (ADD max_response_size '1MB');"
                      "SELECT count(*) FROM people;", check_ok=False)
    psql("ALTER SERVER ukg OPTIONS (DROP max_response_size);")
    check(sqlstate(err) == "54000" and "max_response_size" in err, "oversized body: " + err)
    sim_reset()
    fault(path="/personnel/v1/person-details", kind="gzip_unasked", times=-1)
    _, out, _ = psql("SELECT count(*) FROM people;")
    check(out == "1000", "a gzip body is decoded: %r" % out)
    sim_reset()


@test
def fuzz_bodies_never_crash():
    rnd = random.Random(20261129)
    good = json.dumps([{"employeeId": "E%d" % i, "firstName": "Ann", "companyId": "C1"}
                       for i in range(5)])
    bodies = []
    edge_numbers = ["9223372036854775808", "-9223372036854775809", "123456789012345678901",
                    "1e400", "-1e400", "-0", "1.0e2", "4.9e-325", "1E+2", "0.0000001",
                    "01", "1.", "1e", "-", "+1", ".5", "0x10", "NaN", "Infinity"]
    edge_strings = [b'"\xc0\xaf"', b'"\xed\xa0\x80"', b'"\xf4\x90\x80\x80"', b'"\xf8\x88\x80\x80\x80"',
                    b'"\xe2\x82"', b'"\x80"', b'"\\ud800"', b'"\\udc00"', b'"\\ud800\\u0041"',
                    b'"\\ud83d\\ude00"', b'"\\u0000"', b'"a\\u0000"', b'"\xc3\xa9"', b'"\xe2\x82\xac"',
                    b'"\xf0\x9f\x98\x80"', b'"\xef\xbf\xbf"', b'"\\u00e9"']
    for i in range(600):
        k = i % 8
        if k == 0:
            b = good[:rnd.randrange(len(good))]
        elif k == 1:
            b = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 200))).decode("latin-1")
        elif k == 2:
            d = rnd.randrange(1, 3000)
            b = "[" + "[" * d + "]" * d + "]"
        elif k == 3:
            b = json.dumps([{"employeeId": "x" * rnd.randrange(1, 200000)}])
        elif k == 4:
            b = json.dumps([{"employeeId": rnd.choice([1, 2.5, True, None, [], {}, "s"]),
                             "firstName": rnd.choice([{"a": [1]}, -1e308, "\u0000x", "é"]),
                             "companyId": rnd.choice([None, 7])}])
        elif k == 5:
            lst = list(good)
            for _ in range(rnd.randrange(1, 5)):
                lst[rnd.randrange(len(lst))] = chr(rnd.randrange(32, 127))
            b = "".join(lst)
        elif k == 6:
            # number edge cases, valid or not, in typed and untyped keys
            b = '[{"employeeId": "E1", "companyId": %s, "firstName": %s, "x": %s}]' % (
                rnd.choice(edge_numbers), rnd.choice(edge_numbers), rnd.choice(edge_numbers))
        else:
            # encoding edge cases: raw bytes and escapes, valid or not
            b = b'[{"employeeId": ' + rnd.choice(edge_strings) + b', "firstName": "A", "y": ' + \
                rnd.choice(edge_strings) + b'}]'
        bodies.append(b if isinstance(b, bytes) else b.encode("utf-8", "surrogatepass"))

    def strict_json(body):
        """RFC 8259 JSON in well-formed UTF-8, with no unpaired surrogate."""
        def no_constant(name):
            raise ValueError(name)

        def walk(v):
            if isinstance(v, str):
                v.encode("utf-8")           # raises on a lone surrogate
            elif isinstance(v, list):
                for e in v:
                    walk(e)
            elif isinstance(v, dict):
                for key, e in v.items():
                    walk(key)
                    walk(e)
        try:
            walk(json.loads(body.decode("utf-8"), parse_constant=no_constant))
            return True
        except ValueError:
            return False
    # each body is read three times: typed columns, the whole record as
    # json, and count(*) (records are only validated); the last two must
    # agree on every body, except that a \u0000 is valid JSON (count(*))
    # but refused in any column (22P05)
    psql("""
CREATE FOREIGN TABLE IF NOT EXISTS fuzz (employee_id text, first_name text, company_id int)
  SERVER ukg OPTIONS (resource 'person-details', page_size '10', max_pages '3');
CREATE FOREIGN TABLE IF NOT EXISTS fuzz_json (whole json OPTIONS (json_key '*'))
  SERVER ukg OPTIONS (resource 'person-details', page_size '10', max_pages '3');
CREATE OR REPLACE FUNCTION try_count(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE q INTO n;
  RETURN n::text;
EXCEPTION WHEN OTHERS THEN
  IF SQLSTATE NOT IN ('HV00M', '22P02', '22003', '22021', '22P05', '54000') THEN
    RETURN 'unexpected ' || SQLSTATE || ': ' || SQLERRM;
  END IF;
  RETURN 'error ' || SQLSTATE;
END $$;
""")
    answers = 0
    for i in range(0, len(bodies), 50):
        sim_reset()
        # page 1 gets the body; page 2, asked for after a short page (#12), is empty
        control("faults", {"rules": [{"path": "/personnel/v1/person-details",
                                      "query": "page=2&", "status": 200, "body": "[]",
                                      "times": -1}]})
        for b in bodies[i:i + 50]:
            control("faults", {"rules": [{"path": "/personnel/v1/person-details",
                                          "query": "page=1&",
                                          "kind": "random", "status": 200,
                                          "body_b64": base64.b64encode(b).decode(),
                                          "times": 3}]})
        script = "SELECT try_count('SELECT count(employee_id || first_name || company_id) FROM fuzz'), " \
                 "try_count('SELECT count(whole) FROM fuzz_json'), " \
                 "try_count('SELECT count(*) FROM fuzz_json');\n"
        _, out, _ = psql(script * 50, timeout=300)
        for n, line in enumerate(out.splitlines()):
            typed, whole, counted = line.split("|")
            body = bodies[i + n]
            if (i + n) % 8 >= 6:
                # the edge cases: count(*) accepts exactly the strict JSON
                check((counted == "1") == strict_json(body),
                      "count(*) validates strictly: %r gives %s" % (body, counted))
            answers += 1
            check("unexpected" not in line, "only clean errors: %s" % line)
            check(whole == counted or (whole == "error 22P05" and counted.isdigit()),
                  "count(*) and the whole record agree: %s" % line)
    sim_reset()
    check(answers == 600, "every body answered (%d)" % answers)
    _, out, _ = psql("SELECT 1;")
    check(out == "1", "server alive")
    with open(SERVER_LOG) as f:
        check("terminated by signal" not in f.read(), "no crashed backend")


def peak_rss_kb(table, expected_pages):
    """Scan every column of table in a fresh backend; returns its VmHWM."""
    _, out, _ = psql("""
SELECT count(t.*) FROM %s t;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON) SELECT count(t.*) FROM %s t;
SELECT substring(pg_read_file('/proc/self/status') FROM 'VmHWM:\\s*([0-9]+)');
""" % (table, table))
    lines = out.splitlines()
    plan = json.loads("\n".join(lines[1:-1]))
    pages = plan[0]["Plan"]["Plans"][0]["UKG Pages"]
    check(pages == expected_pages, "%s: %d pages, expected %d" % (table, pages, expected_pages))
    return int(lines[0]), int(lines[-1])


@test
def memory_stays_flat_as_the_table_grows():
    # full person-details records (94 fields), every column converted
    psql("""
CREATE SERVER IF NOT EXISTS fast10k FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url '{http}/n/10000/fast');
CREATE SERVER IF NOT EXISTS fast100k FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url '{http}/n/100000/fast');
DO $$ BEGIN
  CREATE USER MAPPING FOR CURRENT_USER SERVER fast10k OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
  CREATE USER MAPPING FOR CURRENT_USER SERVER fast100k OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
  CREATE SCHEMA f10k; CREATE SCHEMA f100k;
EXCEPTION WHEN duplicate_object OR duplicate_schema THEN NULL; END $$;
IMPORT FOREIGN SCHEMA personnel LIMIT TO (person_details) FROM SERVER fast10k INTO f10k;
IMPORT FOREIGN SCHEMA personnel LIMIT TO (person_details) FROM SERVER fast100k INTO f100k;
ALTER FOREIGN TABLE f10k.person_details OPTIONS (ADD page_size '1000');
ALTER FOREIGN TABLE f100k.person_details OPTIONS (ADD page_size '1000');
""".format(http=HTTP))
    rows_small, small = peak_rss_kb("f10k.person_details", 11)
    rows_large, large = peak_rss_kb("f100k.person_details", 101)
    print("       peak backend RSS: %d kB for 10 pages, %d kB for 100 pages" % (small, large))
    check(rows_small == 10000 and rows_large == 100000, "row counts %d %d" % (rows_small, rows_large))
    # ten times the pages (10 + 1 and 100 + 1 with the empty last page), the same peak (10% and 2 MB of slack for noise)
    check(large <= small * 1.10 + 2048, "peak RSS grew: %d kB -> %d kB" % (small, large))


@test
def pg_dump_and_restore():
    psql("""
SET client_min_messages = warning;
DROP DATABASE IF EXISTS ukg_dump_src; DROP DATABASE IF EXISTS ukg_dump_dst;
CREATE DATABASE ukg_dump_src; CREATE DATABASE ukg_dump_dst;
""", db="postgres")
    psql("""
CREATE EXTENSION ukg_fdw;
CREATE SERVER ukg FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url '{https}', ca_file '{ca}');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE SCHEMA ukg;
IMPORT FOREIGN SCHEMA personnel LIMIT TO (person_details, employment_details)
  FROM SERVER ukg INTO ukg;
""".format(https=HTTPS, ca=CA_FILE), db="ukg_dump_src")
    dump = subprocess.run(["pg_dump", "-d", "ukg_dump_src"], capture_output=True, text=True)
    check(dump.returncode == 0, "pg_dump: " + dump.stderr)
    psql(dump.stdout, db="ukg_dump_dst")
    _, out, _ = psql("SELECT count(*), count(DISTINCT employee_id) FROM ukg.person_details;",
                     db="ukg_dump_dst")
    check(out == "1000|1000", "restored table scans: %r" % out)
    psql("SET client_min_messages = warning; DROP DATABASE ukg_dump_src; DROP DATABASE ukg_dump_dst;",
         db="postgres")


@test
def no_secret_in_server_log_at_debug5():
    sim_reset(tokens=True)
    # one more session with request logging, exercising both auth methods;
    # the log holds the whole suite (test/run_tests.sh runs it at debug5)
    psql("""
SET log_min_messages = debug5;
SET ukg_fdw.debug = on;
SELECT count(*) FROM people;
SELECT ukg_fdw_clear_tokens();
SELECT count(*) FROM oauth_people;
""")
    with open(SERVER_LOG, errors="replace") as f:
        text = f.read()
    check("DEBUG:" in text, "the server log is at a debug level")
    tokens = []
    for entry in control("log?last=1000"):
        auth = {k.lower(): v for k, v in entry.get("headers", {}).items()}.get("authorization", "")
        if auth:
            tokens.append(auth.split(" ", 1)[-1])
    check("ukg_fdw: GET" in text, "the debug log has ukg_fdw's request lines")
    for s in SECRETS + tokens:
        check(s not in text, "secret %r... not in the server log" % s[:4])


def load_test_modules():
    """Import test/scripted_*.py: each registers more tests with @test and
    may add to SECRETS.  They import this file as the module scripted_tests,
    which is this same running module."""
    import glob
    import importlib
    sys.modules.setdefault("scripted_tests", sys.modules[__name__])
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    for path in sorted(glob.glob(os.path.join(here, "scripted_*.py"))):
        name = os.path.basename(path)[:-3]
        if name != "scripted_tests":
            importlib.import_module(name)
    # the server-log check reads what every other test made the server log
    TESTS.remove(no_secret_in_server_log_at_debug5)
    TESTS.append(no_secret_in_server_log_at_debug5)


def main():
    load_test_modules()
    setup_database()
    passed = failed = 0
    # names of tests to run, from the arguments or $UKG_SCRIPTED (comma or
    # space separated); none: all of them
    only = sys.argv[1:] or os.environ.get("UKG_SCRIPTED", "").replace(",", " ").split()
    unknown = [name for name in only if name not in [fn.__name__ for fn in TESTS]]
    if unknown:
        print("unknown test(s): %s" % " ".join(unknown))
        failed += len(unknown)
    for fn in TESTS:
        if only and fn.__name__ not in only:
            continue
        t0 = time.time()
        try:
            fn()
            passed += 1
            print("ok     %-60s %6.2f s" % (fn.__name__, time.time() - t0))
        except Exception as e:
            failed += 1
            print("FAILED %-60s %6.2f s" % (fn.__name__, time.time() - t0))
            if isinstance(e, Failure):
                print("       " + str(e).replace("\n", "\n       "))
            else:
                traceback.print_exc(file=sys.stdout)
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
