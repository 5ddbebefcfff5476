"""scripted_conform.py - the spec's value forms against our simulator (#19).

Each pushdown value form the spec asks for (RFC 3339 date-times, Y/N flags,
values checked against the parameter's pattern, date filters left local
where the operation documents no form) gives the same rows as the same
query with pushdown 'false' (or, for the required employee-changes window,
as the simulator's own selection), and the request carries the value in
that form.  Imported by scripted_tests.py.
"""

import time
import urllib.parse

from scripted_tests import test, psql, check, sqlstate, control, sim_reset, settings

PERSONNEL = ("compensation_details", "employee_employment_details", "employee_changes",
             "person_details")


def setup_c19():
    """Schemas c19 (pushdown on) and c19_local (pushdown 'false') with the
    imported tables these tests use."""
    sql = ["SET client_min_messages = warning;",
           "DROP SCHEMA IF EXISTS c19 CASCADE;", "DROP SCHEMA IF EXISTS c19_local CASCADE;"]
    for schema in ("c19", "c19_local"):
        sql.append("CREATE SCHEMA %s;" % schema)
        sql.append("IMPORT FOREIGN SCHEMA personnel LIMIT TO (%s) FROM SERVER ukg INTO %s;"
                   % (", ".join(PERSONNEL), schema))
        sql.append("IMPORT FOREIGN SCHEMA payroll LIMIT TO (pay_register) FROM SERVER ukg "
                   "INTO %s;" % schema)
    for table in PERSONNEL + ("pay_register",):
        sql.append("ALTER FOREIGN TABLE c19_local.%s OPTIONS (ADD pushdown 'false');" % table)
    psql("\n".join(sql))


def logged():
    """The simulator's log entries of the data requests since the last
    reset.  It logs a request after answering it: wait until every request
    it counted is logged."""
    for _ in range(100):
        begun = control("counters")["data_requests"]
        entries = [e for e in control("log?last=1000")
                   if e["path"].startswith(("/personnel/", "/configuration/", "/payroll/"))]
        if len(entries) >= begun:
            break
        time.sleep(0.05)
    return entries


def sent(path_part):
    """The decoded query parameters of the data requests since the last
    reset whose path contains path_part."""
    return [e["query"] for e in logged() if path_part in e["path"]]


def same_rows(sql_template, path_part):
    """Run sql_template on c19 and on c19_local; check the rows agree and
    return (rows, query parameters sent by the pushed run)."""
    sim_reset()
    _, pushed, _ = psql(sql_template.format(t="c19"))
    queries = sent(path_part)
    _, local, _ = psql(sql_template.format(t="c19_local"))
    check(pushed == local, "pushed and local answers differ for %s:\n%s\n---\n%s"
          % (sql_template, pushed[:500], local[:500]))
    return pushed, queries


@test
def spec_flags_sent_as_y_and_n():
    setup_c19()
    counts = {}
    for cond, want in (("is_auto_paid", "Y"), ("is_auto_paid = false", "N"),
                       ("NOT is_seasonal_worker", "N")):
        rows, queries = same_rows(
            "SELECT employee_id FROM {t}.compensation_details WHERE %s ORDER BY 1;" % cond,
            "compensation-details")
        counts[cond] = len(rows.splitlines())
        param = "isSeasonalWorker" if "seasonal" in cond else "isAutoPaid"
        check(queries and all(q.get(param) == want for q in queries),
              "%s: expected %s=%s in every request, got %r" % (cond, param, want, queries))
    check(all(counts.values()) and counts["is_auto_paid"] + counts["is_auto_paid = false"]
          == 1000, "both values select rows, together all: %r" % counts)


@test
def spec_home_company_flag():
    setup_c19()
    sim_reset()
    _, pushed, _ = psql("SELECT employee_id FROM c19.employee_employment_details "
                        "WHERE is_home_company ORDER BY 1;")
    queries = sent("employee-employment-details")
    # every simulated employee is in their home company: all rows
    _, everyone, _ = psql("SELECT employee_id FROM c19_local.employee_employment_details "
                          "ORDER BY 1;")
    check(pushed == everyone and len(pushed.splitlines()) == 1000,
          "is_home_company = true gives every employee")
    check(queries and all(q.get("isHomeCompany") == "Y" for q in queries),
          "sent as Y: %r" % queries)
    _, echoed, _ = psql("SELECT DISTINCT is_home_company FROM c19.employee_employment_details "
                        "WHERE is_home_company;")
    check(echoed == "t", "the parameter column echoes true, got %r" % echoed)
    # false cannot be sent (^[yY]{1}$) and a parameter column cannot be
    # tested locally: an error, and no request
    sim_reset()
    rc, _, err = psql("SELECT count(*) FROM c19.employee_employment_details "
                      "WHERE NOT is_home_company;", check_ok=False)
    check(rc != 0 and sqlstate(err) == "HV00A", "HV00A expected, got %r" % err)
    check("isHomeCompany" in err and "^[yY]{1}$" in err, "names the parameter and pattern")
    check(sent("employee-employment-details") == [], "no request for an unsendable value")


@test
def spec_patterns_keep_refused_values_local():
    setup_c19()
    # ^[0-9]*$: a real employee number is pushed, a value with letters is not
    rows, queries = same_rows("SELECT employee_id, employee_number FROM "
                              "{t}.employee_employment_details "
                              "WHERE employee_number = '000007';",
                              "employee-employment-details")
    check(len(rows.splitlines()) == 1, "one employee 000007, got %r" % rows)
    check(queries and all(q.get("employeeNumber") == "000007" for q in queries),
          "pushed: %r" % queries)
    rows, queries = same_rows("SELECT count(*) FROM {t}.employee_employment_details "
                              "WHERE employee_number = 'E7';", "employee-employment-details")
    check(rows == "0", "no employee number E7")
    check(queries and not any("employeeNumber" in q for q in queries),
          "a value the pattern refuses is not sent: %r" % queries)
    _, plan, _ = psql("EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM c19.employee_employment_details "
                      "WHERE employee_number = 'E7';")
    check("employeeNumber" not in plan, "EXPLAIN shows it is not sent:\n" + plan)
    # a value known only at execution: checked then
    rows, queries = same_rows("""
SET plan_cache_mode = force_generic_plan;
PREPARE q(text) AS SELECT count(*) FROM {t}.employee_employment_details
  WHERE employee_number = $1;
EXECUTE q('E7');
EXECUTE q('000009');
""", "employee-employment-details")
    check(rows.split() == ["0", "1"], "generic plan answers, got %r" % rows)
    check([q.get("employeeNumber") for q in queries if q.get("page") == "1"] == [None, "000009"],
          "only the matching value is sent: %r" % queries)


@test
def spec_window_in_rfc3339():
    setup_c19()
    sim_reset()
    _, pushed, _ = psql("SELECT count(*), md5(string_agg(employee_id, E'\\n' ORDER BY employee_id)) "
                        "FROM c19.employee_changes WHERE start_date = '2023-01-01 00:00' "
                        "AND end_date = '2025-01-01 12:30:15.25';")
    queries = sent("employee-changes")
    check(queries and all(q.get("startDate") == "2023-01-01T00:00:00Z" and
                          q.get("endDate") == "2025-01-01T12:30:15.25Z" for q in queries),
          "RFC 3339 with Z: %r" % queries)
    # pushdown 'false' cannot run a required window: compare with the
    # simulator's own selection for the same window
    digest = control("digest?" + urllib.parse.urlencode({
        "path": "/personnel/v1/employee-changes", "fields": "employeeId",
        "sort": "employeeId",
        "query": "startDate=2023-01-01T00:00:00&endDate=2025-01-01T12:30:15.25"}))
    count, md5 = pushed.split("|")
    check(int(count) == digest["count"] and 0 < digest["count"] < 1000,
          "same rows as the simulator's selection: %s vs %r" % (pushed, digest))
    check(md5 == digest["md5"], "same employees as the simulator's selection")


@test
def spec_undocumented_date_filters_stay_local():
    setup_c19()
    rows, queries = same_rows("SELECT check_id, pay_date FROM {t}.pay_register "
                              "WHERE pay_date >= '2019-01-01' AND pay_date < '2024-12-27' "
                              "ORDER BY 1, 2;", "pay-register")
    check(rows and queries and not any("payDate" in q for q in queries),
          "pay-register documents no date operators: payDate not sent: %r" % queries[:3])
    # person-details documents them: still pushed, same rows
    rows, queries = same_rows("SELECT employee_id FROM {t}.person_details "
                              "WHERE datetime_changed >= '2024-01-01' ORDER BY 1;",
                              "person-details")
    check(rows and queries and all(q.get("dateTimeChanged", "").startswith(">") or
                                   q.get("datetimeChanged", "").startswith(">")
                                   for q in queries),
          "person-details dates pushed with UKG's operator: %r" % queries[:3])


@test
def spec_content_type_on_every_request():
    sim_reset()
    settings(require_content_type=True)
    _, out, _ = psql("SELECT count(*) FROM people;")
    check(out == "1000", "reads with the simulator requiring Content-Type, got %r" % out)
    entries = [e for e in logged() if "person-details" in e["path"]]
    check(entries and all(e["headers"].get("Content-Type") == "application/json"
                          for e in entries), "Content-Type: application/json sent")
    sim_reset()
