#!/usr/bin/python3
"""
test_simulator.py -- HTTP contract tests of the UKG simulator (ukg_sim.py).

    /usr/bin/python3 test/test_simulator.py [unittest options]

Starts its own simulator on free ports in a temporary directory, or uses the
running one described by $UKG_SIM_READY_FILE (its state is reset by the
tests).  Prints "N passed, M failed" last; exits non-zero on failure.
"""

import base64
import gzip
import hashlib
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = {}                    # https_port, http_port, ca_file, pid (+ process, tmp)

PERSON = "/personnel/v1/person-details"
EMPLOYMENT = "/personnel/v1/employment-details"
EE_EMPLOYMENT = "/personnel/v1/employee-employment-details"
COMPENSATION = "/personnel/v1/compensation-details"
JOB_HISTORY = "/personnel/v1/employee-job-history-details"
CHANGES = "/personnel/v1/employee-changes"
JOBS = "/configuration/v1/jobs"


def setUpModule():
    ready = os.environ.get("UKG_SIM_READY_FILE")
    if ready:
        with open(ready) as f:
            SIM.update(json.load(f))
        return
    tmp = tempfile.TemporaryDirectory(prefix="ukg_sim_test_")
    ready = os.path.join(tmp.name, "ready.json")
    log = open(os.path.join(tmp.name, "sim.log"), "w")
    process = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "ukg_sim.py"), "--workdir", tmp.name,
         "--ready-file", ready, "--seed", "42", "--size", "1000"],
        stdout=log, stderr=subprocess.STDOUT)
    SIM.update(process=process, tmp=tmp, log=log)
    deadline = time.monotonic() + 30
    while not os.path.exists(ready):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the simulator did not start; see " + log.name)
        time.sleep(0.05)
    with open(ready) as f:
        SIM.update(json.load(f))


def tearDownModule():
    process = SIM.get("process")
    if process is None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    SIM["log"].close()
    SIM["tmp"].cleanup()


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def basic(user="svc_user", password="svc_pass", key="CUST1"):
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    headers = {"Authorization": "Basic " + token}
    if key is not None:
        headers["US-Customer-Api-Key"] = key
    return headers


SVC = basic()


class Response:
    def __init__(self, raw):
        self.status = raw.status
        self.headers = raw.headers
        self.body = raw.read()

    def json(self, **kw):
        return json.loads(self.body, **kw)


def connect(tls=False, host="127.0.0.1", timeout=60):
    if tls:
        context = ssl.create_default_context(cafile=SIM["ca_file"])
        return http.client.HTTPSConnection(host, SIM["https_port"], timeout=timeout,
                                           context=context)
    return http.client.HTTPConnection(host, SIM["http_port"], timeout=timeout)


def request(method, path, headers=None, body=None, tls=False, conn=None):
    own = conn is None
    conn = conn or connect(tls)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        return Response(conn.getresponse())
    finally:
        if own:
            conn.close()


def get(path, headers=SVC, **kw):
    return request("GET", path, headers, **kw)


def records(path, headers=SVC):
    """GET a list; assert 200 and return the parsed array (numbers as text)."""
    response = get(path, headers)
    assert response.status == 200, (path, response.status, response.body[:300])
    return response.json(parse_float=str)


def control(method, name, body=None):
    data = None if body is None else json.dumps(body)
    response = request(method, "/_control/" + name, {"Content-Type": "application/json"}, data)
    assert response.status == 200, (name, response.status, response.body)
    return response.json()


def counters():
    return control("GET", "counters")


def token_request(fields, content_type="application/x-www-form-urlencoded"):
    return request("POST", "/oauth/token", {"Content-Type": content_type},
                   urllib.parse.urlencode(fields))


GOOD_TOKEN_FIELDS = {"grant_type": "client_credentials", "client_id": "client1",
                     "client_secret": "secret1", "audience": "api.ukg.net"}


def digest_line(record, fields):
    """A record as the control digest renders it (numbers parsed as text)."""
    def text(value):
        if value is None:
            return ""
        if value is True or value is False:
            return "true" if value else "false"
        return str(value)
    return "|".join(text(record.get(f)) for f in fields)


class SimTestCase(unittest.TestCase):
    def setUp(self):
        control("POST", "reset", {})


# ---------------------------------------------------------------------------
# Authentication and permissions
# ---------------------------------------------------------------------------

class AuthTests(SimTestCase):
    def test_missing_customer_key_is_401(self):
        response = get(PERSON, basic(key=None))
        self.assertEqual(response.status, 401)
        self.assertEqual(response.json(),
                         {"message": "Authorization has been denied for this request."})

    def test_wrong_password_is_401_without_echo(self):
        response = get(PERSON, basic(password="wrong-pass"))
        self.assertEqual(response.status, 401)
        self.assertNotIn(b"wrong-pass", response.body)
        self.assertNotIn(b"svc_user", response.body)

    def test_wrong_customer_key_and_no_auth_are_401(self):
        self.assertEqual(get(PERSON, basic(key="NOPE1")).status, 401)
        self.assertEqual(get(PERSON, {}).status, 401)

    def test_user_api_key_accepted_and_checked(self):
        good = dict(SVC, **{"US-User-Api-Key": "USERKEY00001"})
        bad = dict(SVC, **{"US-User-Api-Key": "USERKEY99999"})
        self.assertEqual(get("/n/3" + PERSON, good).status, 200)
        self.assertEqual(get("/n/3" + PERSON, bad).status, 401)

    def test_limited_user_permissions(self):
        limited = basic("limited_user", "limited_pass")
        response = get("/n/3" + COMPENSATION, limited)
        self.assertEqual(response.status, 403)
        self.assertEqual(response.json(), {"message": "Forbidden"})
        self.assertEqual(get("/n/3" + JOBS, limited).status, 403)
        self.assertEqual(get("/n/3" + PERSON, limited).status, 200)
        self.assertEqual(get("/n/3" + COMPENSATION).status, 200)

    def test_account_added_by_control(self):
        control("POST", "accounts", {"username": "u2", "password": "p2",
                                     "customer_api_key": "KEY22", "deny": ["EmployeeExport"]})
        self.assertEqual(get("/n/3" + PERSON, basic("u2", "p2", "KEY22")).status, 200)
        window = "?startDate=2000-01-01T00:00:00Z&endDate=2030-01-01T00:00:00Z"
        self.assertEqual(get("/n/3" + CHANGES + window, basic("u2", "p2", "KEY22")).status, 403)

    def test_bearer_token_is_not_basic_auth(self):
        token = token_request(GOOD_TOKEN_FIELDS).json()["access_token"]
        response = get("/n/3" + PERSON, {"Authorization": "Bearer " + token,
                                         "US-Customer-Api-Key": "CUST1"})
        self.assertEqual(response.status, 401)


# ---------------------------------------------------------------------------
# Paging and response shape
# ---------------------------------------------------------------------------

class PagingTests(SimTestCase):
    def test_short_last_page_then_empty(self):
        sizes = [len(records("/n/25%s?page=%d&per_Page=10" % (PERSON, page)))
                 for page in (1, 2, 3, 4)]
        self.assertEqual(sizes, [10, 10, 5, 0])

    def test_bare_array_and_content_type(self):
        response = get("/n/5" + PERSON)
        self.assertEqual(response.status, 200)
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")
        self.assertTrue(response.body.startswith(b"[{"))
        self.assertEqual(int(response.headers["Content-Length"]), len(response.body))

    def test_page_size_capped_at_10000(self):
        rows = records("/n/12000%s?page=1&per_Page=20000" % EE_EMPLOYMENT)
        self.assertEqual(len(rows), 10000)
        rows = records("/n/12000%s?page=2&per_Page=20000" % EE_EMPLOYMENT)
        self.assertEqual(len(rows), 2000)

    def test_default_page_size_is_10000(self):
        self.assertEqual(len(records("/n/10001" + EE_EMPLOYMENT)), 10000)

    def test_quota_lockout_until_the_window_ends(self):
        control("POST", "settings", {"quota_requests": 2, "quota_window_s": 1.5})
        statuses = [get("/n/5" + PERSON).status for _ in range(4)]
        self.assertEqual(statuses, [200, 200, 429, 429])
        locked = get("/n/5" + PERSON)
        self.assertEqual(locked.status, 429)
        self.assertNotIn("Retry-After", locked.headers)
        self.assertEqual(counters()["quota_rejections"], 3)
        time.sleep(1.6)
        self.assertEqual(get("/n/5" + PERSON).status, 200)
        control("POST", "settings", {"quota_retry_after": True})
        get("/n/5" + PERSON)
        self.assertIn("Retry-After", get("/n/5" + PERSON).headers)

    def test_touch_setting_simulates_later_edits(self):
        window = "?dateTimeChanged={11-29-2026,12-01-2026}"
        self.assertEqual(records("/n/5000" + PERSON + window), [])
        control("POST", "settings", {"touch": {"every": 1000, "at": "2026-11-30T09:15:00"}})
        touched = records("/n/5000" + PERSON + window)
        self.assertEqual(len(touched), 5)                 # indices 0, 1000, ..., 4000
        self.assertTrue(all(r["datetimeChanged"].startswith("2026-11-30T09:15:00")
                            for r in touched), touched[:1])
        employment = records("/n/5000" + EMPLOYMENT + "?dateTimeChanged={11-29-2026,12-01-2026}")
        self.assertEqual(sorted(r["employeeID"] for r in employment),
                         sorted(r["employeeId"] for r in touched))
        # the employee-changes window sees the same edits
        changes = records("/n/5000" + CHANGES + "?startDate=2026-11-30T00:00:00Z"
                          "&endDate=2026-12-01T00:00:00Z&per_page=100")
        self.assertEqual(len(changes), 5)
        # untouched employees keep their generated values
        self.assertEqual(records("/n/5000" + PERSON + "?page=2&per_Page=1")[0]["datetimeChanged"][:4]
                         < "2025", True)
        for bad in ({"every": 0, "at": "2026-11-30T09:15:00"}, {"every": 2, "at": "soon"},
                    {"every": 2}, {"every": 2, "at": "2026-11-30T09:15:00+01:00"}):
            response = request("POST", "/_control/settings", {"Content-Type": "application/json"},
                               json.dumps({"touch": bad}))
            self.assertEqual(response.status, 400, bad)
        control("POST", "reset")
        self.assertEqual(records("/n/5000" + PERSON + window), [])

    def test_oversize_page_reject_setting(self):
        control("POST", "settings", {"oversize_page": "reject"})
        response = get("/n/20%s?per_Page=10001" % PERSON)
        self.assertEqual(response.status, 400)
        self.assertIn("per_Page", response.json()["errors"])

    def test_invalid_page_sizes_are_400(self):
        for query in ("per_Page=0", "per_Page=abc", "per_Page=-5", "page=0", "page=x"):
            self.assertEqual(get("/n/20%s?%s" % (PERSON, query)).status, 400, query)

    def test_employee_changes_uses_per_page(self):
        window = "startDate=2000-01-01T00:00:00Z&endDate=2030-01-01T00:00:00Z"
        lower = records("/n/30%s?%s&page=1&per_page=7" % (CHANGES, window))
        upper = records("/n/30%s?%s&page=1&per_Page=7" % (CHANGES, window))
        self.assertEqual(len(lower), 7)
        self.assertEqual(len(upper), 30)          # per_Page ignored: default size
        seen = counters()
        self.assertEqual(seen["page_size_params"], {"per_page": 1, "per_Page": 1})
        self.assertEqual(seen["ignored_params"], {"per_Page": 1})

    def test_person_details_ignores_lower_case_per_page(self):
        self.assertEqual(len(records("/n/30%s?page=1&per_page=7" % PERSON)), 30)

    def test_configuration_lists_ignore_paging(self):
        first = get(JOBS + "?page=1&per_Page=5")
        second = get(JOBS + "?page=2&per_Page=5")
        self.assertEqual(first.body, second.body)
        self.assertEqual(len(first.json()), 40)
        self.assertEqual(len(records("/configuration/v1/locations?page=9")), 25)
        self.assertEqual(len(records("/configuration/v1/org-levels?per_Page=1")), 30)

    def test_company_details_is_paged(self):
        companies = records("/configuration/v1/company-details?page=1&per_Page=3")
        self.assertEqual([c["companyID"] for c in companies], ["C0001", "C0002", "C0003"])
        self.assertEqual(len(records("/configuration/v1/company-details?page=2&per_Page=3")), 2)

    def test_past_the_end_empty_or_404(self):
        self.assertEqual(get("/n/5%s?page=2&per_Page=5" % PERSON).body, b"[]")
        control("POST", "settings", {"empty_as_404": True})
        self.assertEqual(get("/n/5%s?page=2&per_Page=5" % PERSON).status, 404)

    def test_unknown_resource_is_404_problem(self):
        response = get("/personnel/v1/no-such-thing")
        self.assertEqual(response.status, 404)
        self.assertEqual(response.json()["title"], "Not Found")
        self.assertEqual(get("/payroll/v9/nothing").status, 404)

    def test_job_history_has_two_records_per_employee(self):
        rows = records("/n/7" + JOB_HISTORY)
        self.assertEqual(len(rows), 14)
        self.assertEqual(rows[0]["employeeId"], rows[1]["employeeId"])
        self.assertEqual(len({r["systemId"] for r in rows}), 14)

    def test_object_bodies_setting(self):
        listed = records("/n/7" + JOB_HISTORY)
        control("POST", "settings", {"object_bodies": ["employee-job-history-details"]})
        # the first record of the selected page, as a bare object
        one = records("/n/7" + JOB_HISTORY + "?page=2&per_Page=3")
        self.assertIsInstance(one, dict)
        self.assertEqual(one, listed[3])
        self.assertEqual(get("/n/7" + JOB_HISTORY + "?page=9&per_Page=3").body, b"[]")
        self.assertIsInstance(records("/n/7" + PERSON), list)
        control("POST", "settings", {"object_bodies": []})
        self.assertIsInstance(records("/n/7" + JOB_HISTORY), list)


# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------

def mdy(iso):
    return "%s-%s-%s" % (iso[5:7], iso[8:10], iso[0:4])


class NeverShortTests(SimTestCase):
    """Issue #12: silent page caps, routing 404 shapes, code tables, the
    /services prefix."""

    def test_default_caps_on_employee_changes_and_pto_plans(self):
        caps = control("GET", "settings")["page_caps"]
        self.assertEqual(caps, {"employee-changes": 200, "pto-plans": 200})
        pto = "/personnel/v1/pto-plans"
        self.assertEqual(len(records("%s?page=1&per_page=10000" % pto)), 200)
        self.assertEqual(len(records("%s?page=1&per_page=50" % pto)), 50)
        self.assertEqual(len(records(pto)), 200)
        window = "startDate=2000-01-01T00:00:00&endDate=2030-01-01T00:00:00"
        self.assertEqual(len(records("%s?%s&page=2&per_page=500" % (CHANGES, window))), 200)
        # silent even when oversize pages are otherwise rejected
        control("POST", "settings", {"oversize_page": "reject"})
        self.assertEqual(len(records("%s?page=1&per_page=10000" % pto)), 200)

    def test_run_time_cap_override(self):
        control("POST", "settings", {"page_caps": {"person-details": 300}})
        sizes = [len(records("%s?page=%d&per_Page=10000" % (PERSON, page)))
                 for page in (1, 2, 3, 4, 5)]
        self.assertEqual(sizes, [300, 300, 300, 100, 0])
        # employee-changes is no longer capped once the setting replaces the map
        self.assertEqual(len(records("/personnel/v1/pto-plans?per_page=1000")), 1000)
        bad = request("POST", "/_control/settings", {"Content-Type": "application/json"},
                      json.dumps({"page_caps": {"person-details": 0}}))
        self.assertEqual(bad.status, 400)

    def test_routing_404_shapes(self):
        path = "/configuration/v1/no-such-route"
        response = get(path)
        self.assertEqual(response.status, 404)
        self.assertIn("problem+json", response.headers["Content-Type"])
        self.assertIn(b"No HTTP resource was found", response.body)
        control("POST", "settings", {"routing_404": "aspnet"})
        response = get(path)
        self.assertEqual(response.status, 404)
        self.assertTrue(response.json()["Message"].startswith(
            "No HTTP resource was found that matches the request URI"))
        control("POST", "settings", {"routing_404": "html"})
        response = get(path)
        self.assertEqual((response.status, response.headers["Content-Type"]), (404, "text/html"))
        self.assertIn(b"<html>", response.body)
        control("POST", "settings", {"routing_404": "empty"})
        response = get(path)
        self.assertEqual((response.status, response.body), (404, b""))
        self.assertIsNone(response.headers.get("Content-Type"))

    def test_no_records_404(self):
        control("POST", "settings", {"empty_as_404": True})
        response = get("%s?employeeId=nobody" % PERSON)
        self.assertEqual(response.status, 404)
        self.assertEqual(response.json(), {"message": "No records found."})

    def test_code_tables(self):
        links = records("/configuration/v1/code-tables")
        self.assertEqual(len(links), 25)
        self.assertIn({"codeTable": "careerProvider",
                       "url": "/configuration/v1/code-tables/careerProvider"}, links)
        rows = records("/configuration/v1/code-tables/careerProvider/")
        self.assertEqual(rows, records("/configuration/v1/code-tables/careerProvider"))
        self.assertTrue(rows and set(rows[0]) == {"code", "description"})
        self.assertEqual(get("/configuration/v1/careerProvider").status, 404)
        control("POST", "settings", {"code_tables": False})
        self.assertEqual(get("/configuration/v1/code-tables/careerProvider").status, 404)

    def test_rest_prefix(self):
        self.assertEqual(get("/services" + PERSON).status, 404)
        control("POST", "settings", {"rest_prefix": "/services"})
        self.assertEqual(len(records("/n/5/services" + PERSON)), 5)
        response = get("/n/5" + PERSON)
        self.assertEqual(response.status, 404)
        self.assertIn(b"No HTTP resource was found", response.body)

    def test_list_filters_where_the_spec_allows_them(self):
        rows = records("/configuration/v1/positions?companyId=C0001,C0002")
        self.assertEqual({r["companyId"] for r in rows}, {"C0001", "C0002"})


class FilterTests(SimTestCase):
    N = 300

    def all_employment(self):
        return records("/n/%d%s" % (self.N, EMPLOYMENT))

    def filtered(self, query, path=EMPLOYMENT):
        return records("/n/%d%s?%s" % (self.N, path, query))

    def test_date_greater_than(self):
        everyone = self.all_employment()
        pivot = sorted(r["dateTimeChanged"][:10] for r in everyone)[self.N // 2]
        rows = self.filtered("dateTimeChanged=" + urllib.parse.quote(">" + mdy(pivot)))
        expected = [r for r in everyone if r["dateTimeChanged"][:10] >= pivot]
        self.assertEqual([r["employeeID"] for r in rows], [r["employeeID"] for r in expected])
        self.assertTrue(0 < len(rows) < self.N)

    def test_date_less_than_and_between(self):
        everyone = self.all_employment()
        days = sorted(r["dateTimeChanged"][:10] for r in everyone)
        low, high = days[50], days[200]
        before = self.filtered("dateTimeChanged=" + urllib.parse.quote("<" + mdy(low)))
        self.assertEqual(len(before), sum(1 for d in days if d <= low))
        between = self.filtered("dateTimeChanged=" + urllib.parse.quote(
            "{%s,%s}" % (mdy(low), mdy(high))))
        self.assertEqual(len(between), sum(1 for d in days if low <= d <= high))
        on_day = self.filtered("dateTimeChanged=" + mdy(low))
        self.assertEqual(len(on_day), days.count(low))

    def test_inclusive_versus_exclusive_bounds(self):
        everyone = self.all_employment()
        days = sorted(r["dateTimeChanged"][:10] for r in everyone)
        pivot = days[100]
        query = "dateTimeChanged=" + urllib.parse.quote(">" + mdy(pivot))
        inclusive = len(self.filtered(query))
        control("POST", "settings", {"date_bounds": "exclusive"})
        exclusive = len(self.filtered(query))
        self.assertEqual(inclusive - exclusive, days.count(pivot))
        self.assertGreater(days.count(pivot), 0)

    def test_malformed_date_is_400_problem(self):
        response = get("/n/10%s?dateTimeChanged=2020-01-01" % EMPLOYMENT)
        self.assertEqual(response.status, 400)
        body = response.json()
        self.assertEqual(body["title"], "Bad Request")
        self.assertEqual(body["errors"],
                         {"dateTimeChanged": ["The value '2020-01-01' is not valid."]})

    def test_invalid_filters_ignored_when_lenient(self):
        query = "isHomeCompany=%01%01AAAAAA&companyID=C0002"
        self.assertEqual(get("/n/%d%s?%s" % (self.N, EE_EMPLOYMENT, query)).status, 400)
        control("POST", "settings", {"ignore_invalid_filters": True})
        rows = self.filtered(query, EE_EMPLOYMENT)
        self.assertEqual(len(rows), self.N // 5)
        self.assertEqual({r["companyID"] for r in rows}, {"C0002"})
        self.assertEqual(len(self.filtered("dateTimeChanged=2020-01-01")), self.N)

    def test_string_equality_is_exact_and_case_sensitive(self):
        smiths = self.filtered("lastName=Smith", PERSON)
        self.assertTrue(smiths)
        self.assertTrue(all(r["lastName"] == "Smith" for r in smiths))
        self.assertEqual(self.filtered("lastName=smith", PERSON), [])

    def test_parameter_names_match_case_insensitively(self):
        rows = self.filtered("COMPANYID=C0003")
        self.assertEqual({r["companyID"] for r in rows}, {"C0003"})
        self.assertEqual(len(rows), self.N // 5)

    def test_comma_lists_only_where_documented(self):
        rows = self.filtered("companyID=C0001,C0002", EE_EMPLOYMENT)
        self.assertEqual({r["companyID"] for r in rows}, {"C0001", "C0002"})
        self.assertEqual(len(rows), 2 * self.N // 5)
        self.assertEqual(self.filtered("companyId=C0001,C0002"), [])

    def test_employee_id_filter_on_a_million(self):
        eeid = json.loads(control_record(PERSON, 1000000, 765432))["employeeId"]
        rows = records("/n/1000000%s?employeeId=%s" % (COMPENSATION, eeid))
        self.assertEqual([r["employeeID"] for r in rows], [eeid])

    def test_boolean_filter(self):
        inactive = records(JOBS + "?isActive=FALSE")
        self.assertEqual(len(inactive), 4)
        self.assertTrue(all(j["isActive"] is False for j in inactive))
        self.assertEqual(get(JOBS + "?isActive=maybe").status, 400)

    def test_unknown_parameter_is_ignored(self):
        self.assertEqual(len(self.filtered("noSuchFilter=1", PERSON)), self.N)
        self.assertEqual(counters()["ignored_params"], {"noSuchFilter": 1})

    def test_employee_changes_window(self):
        # one page of everything: without the default 200-row cap (#12)
        control("POST", "settings", {"page_caps": {}})
        self.assertEqual(get("/n/10" + CHANGES).status, 400)
        self.assertEqual(get("/n/10%s?startDate=2020-01-01" % CHANGES).status, 400)
        self.assertEqual(get("/n/10%s?startDate=x&endDate=y" % CHANGES).status, 400)
        everything = records("/n/%d%s?startDate=2018-01-01T00:00:00Z"
                             "&endDate=2025-01-01T00:00:00Z" % (self.N, CHANGES))
        self.assertEqual(len(everything), self.N)
        recent = records("/n/%d%s?startDate=2023-01-01T00:00:00%%2B00:00"
                         "&endDate=2025-01-01T00:00:00Z" % (self.N, CHANGES))
        self.assertTrue(0 < len(recent) < self.N)


def control_record(path, n, index):
    response = request("GET", "/_control/record?" + urllib.parse.urlencode(
        {"path": path, "n": n, "index": index}))
    assert response.status == 200, response.body
    return response.body


# ---------------------------------------------------------------------------
# OAuth (UKG Pro Platform flavour)
# ---------------------------------------------------------------------------

class OAuthTests(SimTestCase):
    def bearer(self, token, tenant="org_test1"):
        headers = {"Authorization": "Bearer " + token}
        if tenant is not None:
            headers["global-tenant-id"] = tenant
        return headers

    def test_token_then_platform_call(self):
        response = token_request(GOOD_TOKEN_FIELDS)
        self.assertEqual(response.status, 200)
        body = response.json()
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["expires_in"], 3600)
        token = body["access_token"]
        self.assertEqual(len(records("/platform/n/4" + PERSON, self.bearer(token))), 4)
        self.assertEqual(get("/platform/n/4" + PERSON, self.bearer(token, None)).status, 401)
        self.assertEqual(get("/platform/n/4" + PERSON, self.bearer(token, "org_x")).status, 403)
        self.assertEqual(get("/platform/n/4" + PERSON, self.bearer("f" * 40)).status, 401)
        self.assertEqual(get("/platform/n/4" + PERSON, SVC).status, 401)

    def test_revoked_and_expired_tokens_are_401(self):
        token = token_request(GOOD_TOKEN_FIELDS).json()["access_token"]
        control("POST", "tokens", {"revoke_all": True})
        self.assertEqual(get("/platform/n/2" + PERSON, self.bearer(token)).status, 401)
        control("POST", "settings", {"token_expires_in": 1})
        token = token_request(GOOD_TOKEN_FIELDS).json()["access_token"]
        self.assertEqual(get("/platform/n/2" + PERSON, self.bearer(token)).status, 200)
        time.sleep(1.1)
        self.assertEqual(get("/platform/n/2" + PERSON, self.bearer(token)).status, 401)

    def test_token_endpoint_under_prefixes(self):
        response = request("POST", "/platform/n/25000/oauth/token",
                           {"Content-Type": "application/x-www-form-urlencoded"},
                           urllib.parse.urlencode(GOOD_TOKEN_FIELDS))
        self.assertEqual(response.status, 200)
        self.assertEqual(counters()["paths"], {"/oauth/token": 1})

    def test_token_errors(self):
        wrong_audience = token_request(dict(GOOD_TOKEN_FIELDS, audience="other.api"))
        self.assertEqual(wrong_audience.status, 400)
        self.assertEqual(wrong_audience.json()["error"], "invalid_request")
        wrong_secret = token_request(dict(GOOD_TOKEN_FIELDS, client_secret="nope"))
        self.assertEqual(wrong_secret.status, 401)
        self.assertEqual(wrong_secret.json(),
                         {"error": "access_denied", "error_description": "Unauthorized"})
        self.assertEqual(token_request(dict(GOOD_TOKEN_FIELDS, client_id="ghost")).status, 401)
        wrong_grant = token_request(dict(GOOD_TOKEN_FIELDS, grant_type="password"))
        self.assertEqual(wrong_grant.json()["error"], "unauthorized_client")
        missing = dict(GOOD_TOKEN_FIELDS)
        del missing["audience"]
        self.assertEqual(token_request(missing).status, 400)
        as_json = request("POST", "/oauth/token", {"Content-Type": "application/json"},
                          json.dumps(GOOD_TOKEN_FIELDS))
        self.assertEqual(as_json.status, 400)

    def test_token_requests_are_recorded_without_the_secret(self):
        token_request(dict(GOOD_TOKEN_FIELDS, organization="org_test1"))
        seen = counters()
        self.assertEqual(seen["token_requests"], 1)
        self.assertEqual(seen["token_requests_by_client"], {"client1": 1})
        last = seen["last_token_request"]
        self.assertNotIn("client_secret", last["fields"])
        self.assertEqual(last["fields"]["organization"], "org_test1")
        self.assertTrue(last["secret_present"])
        self.assertEqual(last["secret_sha256"], hashlib.sha256(b"secret1").hexdigest())
        self.assertNotIn("secret1", json.dumps(seen))

    def test_rotated_client_secret(self):
        control("POST", "clients", {"client_id": "client1", "client_secret": "secret2"})
        self.assertEqual(token_request(GOOD_TOKEN_FIELDS).status, 401)
        response = token_request(dict(GOOD_TOKEN_FIELDS, client_secret="secret2"))
        self.assertEqual(response.status, 200)

    def test_client_permissions(self):
        control("POST", "clients", {"client_id": "c2", "client_secret": "s2",
                                    "deny": ["Employee Person Details"]})
        token = token_request(dict(GOOD_TOKEN_FIELDS, client_id="c2",
                                   client_secret="s2")).json()["access_token"]
        self.assertEqual(get("/platform/n/2" + PERSON, self.bearer(token)).status, 403)
        self.assertEqual(get("/platform/n/2" + EMPLOYMENT, self.bearer(token)).status, 200)

    def test_token_response_settings(self):
        control("POST", "settings", {"token_omit_expires_in": True})
        body = token_request(GOOD_TOKEN_FIELDS).json()
        self.assertNotIn("expires_in", body)
        self.assertIn("access_token", body)
        control("POST", "settings", {"token_omit_access_token": True})
        self.assertNotIn("access_token", token_request(GOOD_TOKEN_FIELDS).json())
        control("POST", "settings", {"token_body": "<html>not json</html>"})
        self.assertEqual(token_request(GOOD_TOKEN_FIELDS).body, b"<html>not json</html>")


# ---------------------------------------------------------------------------
# Transport: TLS, gzip, keep-alive
# ---------------------------------------------------------------------------

class TransportTests(SimTestCase):
    def test_https_with_generated_ca(self):
        for host in ("127.0.0.1", "localhost"):
            conn = connect(tls=True, host=host)
            try:
                response = request("GET", "/n/3" + PERSON, SVC, conn=conn)
            finally:
                conn.close()
            self.assertEqual(response.status, 200)
            self.assertEqual(len(response.json()), 3)

    def test_https_rejects_unknown_ca(self):
        conn = http.client.HTTPSConnection("127.0.0.1", SIM["https_port"], timeout=10,
                                           context=ssl.create_default_context())
        with self.assertRaises(ssl.SSLError):
            conn.request("GET", "/n/3" + PERSON, headers=SVC)
        conn.close()
        deadline = time.monotonic() + 5
        while counters()["tls_handshake_failures"] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(counters()["tls_handshake_failures"], 1)
        self.assertEqual(counters()["connections"], 0)

    def test_gzip_when_asked(self):
        plain = get("/n/50" + PERSON)
        packed = get("/n/50" + PERSON, dict(SVC, **{"Accept-Encoding": "gzip"}))
        self.assertIsNone(plain.headers["Content-Encoding"])
        self.assertEqual(packed.headers["Content-Encoding"], "gzip")
        self.assertEqual(gzip.decompress(packed.body), plain.body)
        control("POST", "settings", {"gzip": False})
        again = get("/n/50" + PERSON, dict(SVC, **{"Accept-Encoding": "gzip"}))
        self.assertEqual(again.body, plain.body)

    def test_concurrent_requests(self):
        results = []
        workers = [threading.Thread(target=lambda: results.append(
            get("/d/400/n/3" + PERSON).status)) for _ in range(3)]
        started = time.monotonic()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        self.assertEqual(results, [200, 200, 200])
        self.assertLess(time.monotonic() - started, 1.1)       # served in parallel
        self.assertEqual(counters()["max_in_flight"], 3)

    def test_keep_alive_and_connection_counts(self):
        conn = connect()
        try:
            for _ in range(3):
                self.assertEqual(request("GET", "/n/2" + PERSON, SVC, conn=conn).status, 200)
        finally:
            conn.close()
        seen = counters()
        self.assertEqual(seen["connections"], 1)
        self.assertEqual(seen["connections_by_listener"], {"http": 1})
        self.assertEqual(seen["data_requests"], 3)


# ---------------------------------------------------------------------------
# Fault injection
# ---------------------------------------------------------------------------

def raw_exchange(path, headers=SVC):
    """Send one request on a raw socket; return everything received."""
    sock = socket.create_connection(("127.0.0.1", SIM["http_port"]), timeout=30)
    try:
        lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1"]
        lines += ["%s: %s" % item for item in headers.items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
    finally:
        sock.close()


class FaultTests(SimTestCase):
    def fault(self, **rule):
        control("POST", "faults", {"rules": [rule]})

    def test_429_with_retry_after_once(self):
        self.fault(path="person-details", status=429, headers={"Retry-After": "1"})
        first = get("/n/3" + PERSON)
        self.assertEqual(first.status, 429)
        self.assertEqual(first.headers["Retry-After"], "1")
        self.assertEqual(get("/n/3" + PERSON).status, 200)
        seen = counters()
        self.assertEqual(seen["faults_fired"], 1)
        self.assertEqual(seen["status_counts"], {"429": 1, "200": 1})

    def test_skip_times_and_query_match(self):
        self.fault(path="person-details", query="page=2", status=500, skip=1, times=2)
        statuses = [get("/n/30%s?page=2&per_Page=10" % PERSON).status for _ in range(4)]
        self.assertEqual(statuses, [200, 500, 500, 200])
        self.assertEqual(get("/n/30%s?page=1&per_Page=10" % PERSON).status, 200)

    def test_truncate(self):
        self.fault(kind="truncate")
        data = raw_exchange("/n/20" + PERSON)
        head, _, body = data.partition(b"\r\n\r\n")
        length = int([line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length")][0])
        self.assertEqual(len(body), length // 2)

    def test_html_scalar_object_malformed_wrong_type(self):
        self.fault(kind="html")
        html = get("/n/3" + PERSON)
        self.assertEqual((html.status, html.headers["Content-Type"].split(";")[0]),
                         (200, "text/html"))
        self.fault(kind="scalar")
        self.assertEqual(get("/n/3" + PERSON).body, b"42")
        self.fault(kind="object")
        self.assertEqual(len(get("/n/3" + PERSON).json()["items"]), 3)
        self.fault(kind="malformed")
        with self.assertRaises(ValueError):
            get("/n/3" + PERSON).json()
        self.fault(kind="wrong_content_type")
        typed = get("/n/3" + PERSON)
        self.assertTrue(typed.headers["Content-Type"].startswith("text/plain"))
        self.assertEqual(len(typed.json()), 3)

    def test_reset_closes_without_response(self):
        self.fault(kind="reset")
        with self.assertRaises((ConnectionError, http.client.HTTPException)):
            get("/n/3" + PERSON)
        self.assertEqual(get("/n/3" + PERSON).status, 200)

    def test_delay_then_normal(self):
        self.fault(delay_ms=300)
        started = time.monotonic()
        self.assertEqual(get("/n/3" + PERSON).status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.3)

    def test_url_delay_prefix(self):
        started = time.monotonic()
        self.assertEqual(get("/d/250/n/3" + PERSON).status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.25)

    def test_token_endpoint_fault(self):
        self.fault(path="/oauth/token", status=500)
        self.assertEqual(token_request(GOOD_TOKEN_FIELDS).status, 500)
        self.assertEqual(token_request(GOOD_TOKEN_FIELDS).status, 200)

    def test_faults_without_path_skip_the_token_endpoint(self):
        self.fault(status=503, times=-1)
        self.assertEqual(token_request(GOOD_TOKEN_FIELDS).status, 200)
        self.assertEqual(get("/n/3" + PERSON).status, 503)
        self.assertEqual(get("/n/3" + PERSON).status, 503)

    def test_huge_and_chunked_and_gzip_unasked(self):
        self.fault(kind="huge", size_mb=3)
        huge = get("/n/3" + PERSON)
        self.assertGreater(len(huge.body), 2 << 20)
        self.assertGreater(len(huge.json()), 100)
        self.fault(kind="chunked")
        chunked = get("/n/3" + PERSON)
        self.assertEqual(chunked.headers["Transfer-Encoding"], "chunked")
        self.assertEqual(len(chunked.json()), 3)
        self.fault(kind="gzip_unasked")
        packed = get("/n/3" + PERSON)
        self.assertEqual(packed.headers["Content-Encoding"], "gzip")
        self.assertEqual(len(json.loads(gzip.decompress(packed.body))), 3)

    def test_bad_rule_is_rejected(self):
        response = request("POST", "/_control/faults", {}, json.dumps({"kind": "explode"}))
        self.assertEqual(response.status, 400)


# ---------------------------------------------------------------------------
# Counters, log, digest, simctl
# ---------------------------------------------------------------------------

def simctl(*args):
    env = dict(os.environ, UKG_SIM_CONTROL="http://127.0.0.1:%d" % SIM["http_port"])
    done = subprocess.run([sys.executable, os.path.join(HERE, "simctl.py"), *args],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode()


class CounterTests(SimTestCase):
    def test_request_keys_keep_raw_and_decoded_queries(self):
        get("/n/9/d/1%s?per_Page=5&dateTimeChanged=%%3E01-01-2020&page=1" % EMPLOYMENT)
        seen = counters()
        self.assertEqual(seen["paths"], {EMPLOYMENT: 1})
        self.assertEqual(seen["requests"],
                         {EMPLOYMENT + "?dateTimeChanged=%3E01-01-2020&page=1&per_Page=5": 1})
        self.assertEqual(seen["requests_decoded"],
                         {EMPLOYMENT + "?dateTimeChanged=>01-01-2020&page=1&per_Page=5": 1})
        self.assertEqual(seen["sizes"], {"9": 1})

    def test_log_has_headers_status_and_query(self):
        get("/n/4%s?page=1&per_Page=2" % PERSON)
        # the entry is logged just after the reply is sent: wait for it
        for _ in range(50):
            log = control("GET", "log?last=1")
            if log:
                break
            time.sleep(0.02)
        entry = log[0]
        self.assertEqual(entry["status"], 200)
        self.assertEqual(entry["path"], PERSON)
        self.assertEqual(entry["query"], {"page": "1", "per_Page": "2"})
        self.assertEqual(entry["headers"]["US-Customer-Api-Key"], "CUST1")
        self.assertEqual(entry["bytes"], len(get("/n/4%s?page=1&per_Page=2" % PERSON).body))

    def test_control_requests_are_not_counted(self):
        counters()
        control("GET", "settings")
        self.assertEqual(counters()["paths"], {})

    def test_simctl(self):
        get("/n/4%s?page=1&per_Page=2" % PERSON)
        get("/n/4%s?page=2&per_Page=2" % PERSON)
        self.assertEqual(simctl("counters", "--key", "data_requests").strip(), "2")
        self.assertEqual(simctl("counters", "--key", "paths." + PERSON).strip(), "2")
        self.assertEqual(simctl("counters", "--key", "paths./nowhere").strip(), "0")
        self.assertEqual(simctl("requests-matching", "page=2").strip(), "1")
        self.assertEqual(simctl("requests-matching", "per_Page=2", "--list").splitlines(),
                         [PERSON + "?page=1&per_Page=2", PERSON + "?page=2&per_Page=2"])
        line = simctl("--csv", "settings")
        self.assertTrue(line.startswith('"{') and line.count("\n") == 1)
        simctl("fault", '{"status": 418}')
        self.assertEqual(get("/n/4" + PERSON).status, 418)

    def test_digest_matches_served_records(self):
        fields = ["employeeID", "companyID", "annualSalary", "hourlyPayRate",
                  "isHighlyCompensated", "numberOfPayments", "performanceReviewRating"]
        served = records("/n/120" + COMPENSATION)
        lines = sorted((r["employeeID"], digest_line(r, fields)) for r in served)
        expected = hashlib.md5("\n".join(line for _, line in lines).encode()).hexdigest()
        digest = json.loads(simctl("digest", COMPENSATION, "120", ",".join(fields),
                                   "employeeID"))
        self.assertEqual(digest, {"count": 120, "md5": expected})

    def test_filtered_digest(self):
        served = records("/n/60%s?companyId=C0002" % PERSON)
        digest = json.loads(simctl("digest", PERSON, "60", "employeeId", "employeeId",
                                   "companyId=C0002"))
        self.assertEqual(digest["count"], len(served))


# ---------------------------------------------------------------------------
# Data: field names, types, nulls, determinism, scale
# ---------------------------------------------------------------------------

class DataTests(SimTestCase):
    def test_casing_quirks(self):
        person = records("/n/2" + PERSON)[1]
        employment = records("/n/2" + EMPLOYMENT)[1]
        compensation = records("/n/2" + COMPENSATION)[1]
        ee_employment = records("/n/2" + EE_EMPLOYMENT)[1]
        self.assertIn("companyId", person)
        self.assertNotIn("companyID", person)
        self.assertIn("datetimeChanged", person)
        self.assertIn("nameSufixCode", person)
        self.assertIn("companyID", employment)
        self.assertIn("dateTimeChanged", employment)
        self.assertIn("supervisorID", employment)
        self.assertIn("supervisorId", ee_employment)
        self.assertIn("dateOfNextSalayrReview", compensation)
        self.assertIn("employeeID", compensation)
        self.assertEqual(len(person), 94)

    def test_nulls_and_missing_keys(self):
        rows = records("/n/23" + PERSON)
        self.assertIsNone(rows[7]["middleName"])
        self.assertIsNotNone(rows[8]["middleName"])
        self.assertNotIn("preferredName", rows[11])
        self.assertNotIn("preferredName", rows[22])
        self.assertIn("preferredName", rows[12])
        self.assertIsNone(rows[12]["preferredName"])
        self.assertEqual(rows[8]["cobraNotes"], "")

    def test_value_types(self):
        employment = records("/n/200" + EMPLOYMENT)
        self.assertEqual(employment[122]["employeeNumber"], "000123")
        changes = records("/n/200%s?startDate=2000-01-01&endDate=2030-01-01" % CHANGES)
        self.assertEqual(changes[122]["employeeNumber"], 123)
        self.assertTrue(all(r["employeeStatusCode"] in "ATL" for r in employment))
        self.assertEqual({r["employeeStatusCode"] for r in employment}, {"A", "T", "L"})
        compensation = records("/n/5" + COMPENSATION)
        self.assertRegex(compensation[0]["annualSalary"], r"^\d+\.\d\d$")
        self.assertRegex(compensation[0]["hourlyPayRate"], r"^\d+\.\d{4}$")
        self.assertIsInstance(compensation[0]["numberOfPayments"], int)
        self.assertIsInstance(compensation[0]["isAutoPaid"], bool)
        stamps = {r["datetimeChanged"][19:] for r in records("/n/3" + PERSON)}
        self.assertEqual({len(s) for s in stamps}, {0, 4, 10})   # '', .fff, .fff+00:00

    def test_identifiers_are_unique(self):
        rows = records("/n/2000" + PERSON)
        self.assertEqual(len({r["employeeId"] for r in rows}), 2000)
        self.assertEqual(len({r["emailAddress"] for r in rows}), 2000)
        self.assertTrue(all(len(r["employeeId"]) == 9 and r["employeeId"].isalnum()
                            for r in rows))
        self.assertEqual(len({r["companyId"] for r in rows}), 5)
        self.assertEqual(sum(r["firstName"] == "Ann" for r in rows[:1000]), 22)

    def test_determinism(self):
        first = get("/n/50%s?page=2&per_Page=10" % PERSON).body
        second = get("/n/50%s?page=2&per_Page=10" % PERSON).body
        self.assertEqual(first, second)
        same_in_bigger = json.loads(get("/n/5000%s?page=2&per_Page=10" % PERSON).body)
        self.assertEqual(json.loads(first), same_in_bigger)
        self.assertEqual(json.loads(control_record(PERSON, 50, 10)), json.loads(first)[0])

    def test_cross_resource_consistency(self):
        person = records("/n/10" + PERSON)
        employment = records("/n/10" + EMPLOYMENT)
        self.assertEqual([p["employeeId"] for p in person],
                         [e["employeeID"] for e in employment])
        supervisors = {e["supervisorID"] for e in employment[1:]}
        self.assertEqual(supervisors, {person[0]["employeeId"]})
        self.assertIsNone(employment[0]["supervisorID"])

    def test_fast_pages_differ(self):
        page1 = records("/fast/n/30000%s?page=1&per_Page=10000" % PERSON)
        started = time.monotonic()
        page2 = records("/fast/n/30000%s?page=2&per_Page=10000" % PERSON)
        self.assertLess(time.monotonic() - started, 3.0)
        ids1 = {r["employeeId"] for r in page1}
        ids2 = {r["employeeId"] for r in page2}
        self.assertEqual((len(ids1), len(ids2)), (10000, 10000))
        self.assertFalse(ids1 & ids2)
        self.assertEqual(len(page1[1]), 94)      # record 0 lacks preferredName
        normal = records("/n/30000%s?page=2501&per_Page=4" % PERSON)     # from 10000
        self.assertEqual([r["employeeId"] for r in normal],
                         [r["employeeId"] for r in page2[:4]])

    def test_million_employees_lazily(self):
        started = time.monotonic()
        rows = records("/n/1000000%s?page=100&per_Page=10" % PERSON)
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertEqual(len(rows), 10)
        last = records("/n/1000000%s?page=100000&per_Page=10" % PERSON)
        self.assertEqual(len(last), 10)
        self.assertEqual(records("/n/1000000%s?page=100001&per_Page=10" % PERSON), [])
        with open("/proc/%d/status" % SIM["pid"]) as f:
            rss_kb = int([line.split()[1] for line in f if line.startswith("VmRSS:")][0])
        self.assertLess(rss_kb, 300 * 1024)


# ---------------------------------------------------------------------------
# Spec value forms and headers (issue #19)
# ---------------------------------------------------------------------------

class SpecFormTests(SimTestCase):
    EED = EE_EMPLOYMENT

    def test_content_type_required_as_a_setting(self):
        # off by default: today's behaviour
        self.assertEqual(get("/n/3" + PERSON).status, 200)
        control("POST", "settings", {"require_content_type": True})
        response = get("/n/3" + PERSON)
        self.assertEqual(response.status, 415)
        self.assertIn("Content-Type", response.json()["message"])
        with_type = dict(SVC, **{"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(get("/n/3" + PERSON, with_type).status, 200)
        wrong = dict(SVC, **{"Content-Type": "text/plain"})
        self.assertEqual(get("/n/3" + PERSON, wrong).status, 415)
        # the control API never needs it
        self.assertEqual(request("GET", "/_control/counters").status, 200)
        self.assertEqual(counters()["data_requests"], 4)

    def test_home_company_flag_takes_y(self):
        everyone = records("/n/20" + self.EED)
        self.assertEqual(len(everyone), 20)
        for value in ("Y", "y", "true"):
            self.assertEqual(records("/n/20%s?isHomeCompany=%s" % (self.EED, value)),
                             everyone)
        for value in ("N", "false"):
            self.assertEqual(records("/n/20%s?isHomeCompany=%s" % (self.EED, value)), [])
        self.assertEqual(get("/n/20%s?isHomeCompany=yes" % self.EED).status, 400)
        # employment-details' isHomeCompany is a boolean: Y is not one
        self.assertEqual(get("/n/20%s?isHomeCompany=Y" % EMPLOYMENT).status, 400)

    def test_compensation_flags_take_y_and_n(self):
        for flag in ("isAutoPaid", "isSeasonalWorker"):
            yes = records("/n/40%s?%s=true" % (COMPENSATION, flag))
            no = records("/n/40%s?%s=false" % (COMPENSATION, flag))
            self.assertEqual(len(yes) + len(no), 40)
            self.assertEqual(records("/n/40%s?%s=Y" % (COMPENSATION, flag)), yes)
            self.assertEqual(records("/n/40%s?%s=n" % (COMPENSATION, flag)), no)
            self.assertEqual(get("/n/40%s?%s=X" % (COMPENSATION, flag)).status, 400)

    def test_window_in_rfc3339_forms(self):
        base = "/n/50%s?startDate=%s&endDate=2025-01-01T00:00:00Z"
        utc = records(base % (CHANGES, "2023-01-01T00:00:00Z"))
        self.assertTrue(0 < len(utc) < 50)
        for start in ("2023-01-01T00:00:00.000Z", "2023-01-01T01:00:00%2B01:00",
                      "2022-12-31T19:00:00-05:00"):
            self.assertEqual(records(base % (CHANGES, start)), utc, start)


# ---------------------------------------------------------------------------

def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    if len(sys.argv) > 1:
        suite = unittest.defaultTestLoader.loadTestsFromNames(sys.argv[1:],
                                                              sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - len(result.failures) - len(result.errors) \
        - len(result.skipped) - len(result.unexpectedSuccesses)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


# ---------------------------------------------------------------------------
# Request smuggling and connection ids (security tests, #14)
# ---------------------------------------------------------------------------

def raw_send(data):
    """Send raw bytes on a new plain-HTTP connection; read until it closes
    (the last request sent must say Connection: close)."""
    sock = socket.create_connection(("127.0.0.1", SIM["http_port"]), timeout=30)
    try:
        sock.sendall(data)
        received = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return received
            received += chunk
    finally:
        sock.close()


def raw_request(path, extra=b"", close=True):
    auth = "".join("%s: %s\r\n" % item for item in SVC.items()).encode()
    return (b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + (b"Connection: close\r\n" if close else b"") + auth + extra + b"\r\n")


class SmugglingTests(SimTestCase):
    def test_clean_request_counts_no_stray_cr_lf(self):
        raw_send(raw_request("/n/2" + PERSON, b"User-Agent: ukg_fdw/0.2.0 job-1\r\n"))
        seen = counters()
        self.assertEqual(seen["requests_total"], 1)
        self.assertEqual(seen["header_lines_with_cr_lf"], 0)

    def test_bare_lf_and_cr_in_header_lines_are_counted(self):
        raw_send(raw_request("/n/2" + PERSON,
                             b"User-Agent: x\nX-Injected: 1\r\nX-Other: a\rb\r\n"))
        seen = counters()
        self.assertEqual(seen["requests_total"], 1)
        # "User-Agent: x\n" ends in a bare LF; "X-Other: a\rb" holds a bare CR
        self.assertEqual(seen["header_lines_with_cr_lf"], 2)

    def test_crlf_smuggled_request_is_a_second_request(self):
        # a header value with CRLF CRLF ends the first request; the rest is
        # read as another request on the same connection, with the headers
        # (Authorization included) that followed the injected value
        smuggled = (b"User-Agent: ukg_fdw/0.2.0 x\r\n\r\nGET /n/2" + COMPENSATION.encode()
                    + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    + "".join("%s: %s\r\n" % item for item in SVC.items()).encode())
        raw_send(raw_request("/n/2" + PERSON, smuggled, close=False))
        seen = counters()
        self.assertEqual(seen["requests_total"], 2)
        self.assertEqual(seen["paths"], {PERSON: 1, COMPENSATION: 1})
        log = control("GET", "log?last=2")
        self.assertEqual(log[0]["connection"], log[1]["connection"])

    def test_control_requests_are_not_counted(self):
        control("GET", "counters")
        self.assertEqual(counters()["requests_total"], 0)

    def test_connection_ids_in_the_log(self):
        conn = connect()
        try:
            for _ in range(2):
                self.assertEqual(request("GET", "/n/2" + PERSON, SVC, conn=conn).status, 200)
        finally:
            conn.close()
        self.assertEqual(get("/n/2" + PERSON).status, 200)
        # only this test's requests: a late entry of an earlier test may
        # stand between them in the log
        log = [entry for entry in control("GET", "log?last=20")
               if entry["target"] == "/n/2" + PERSON][-3:]
        ids = [entry["connection"] for entry in log]
        self.assertEqual(len(ids), 3)
        self.assertEqual(ids[0], ids[1])
        self.assertNotEqual(ids[1], ids[2])


if __name__ == "__main__":
    sys.exit(main())
