"""
scripted_newcomer.py - what a newcomer meets first: the README's quick start,
run as written, and the promises around it (roles, mappings, the files and
commands the README names), plus META.json's version.

Imported by scripted_tests.py, which runs the tests decorated with @test.
"""

import json
import os
import re
import subprocess

from scripted_tests import test, psql, check, sqlstate, sim_reset, counters, \
    Failure, HTTPS, CA_FILE, SECRETS

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QS_DB = "ukg_quickstart"

# what the quick start says -> what the simulator needs; each must occur
# exactly once in the block, so a README edit that breaks the substitution
# fails the test instead of silently running something else
QS_SUBSTITUTIONS = [
    ("OPTIONS (base_url 'https://service4.ultipro.com')",
     "OPTIONS (base_url '%s', ca_file '%s')" % (HTTPS, CA_FILE)),
    ("username 'svc-account'", "username 'svc_user'"),
    ("password 'its-password'", "password 'svc_pass'"),
    ("customer_api_key 'ABCDE'", "customer_api_key 'CUST1'"),
    ("user_api_key 'ABCDEFGHIJKL'", "user_api_key 'USERKEY00001'"),
]


def readme():
    with open(os.path.join(TOP, "README.md"), encoding="utf-8") as f:
        return f.read()


def quickstart_block():
    """The SQL between the README's quickstart markers."""
    m = re.search(r"<!-- quickstart:begin -->\s*```sql\n(.*?)```\s*<!-- quickstart:end -->",
                  readme(), re.S)
    check(m is not None, "README.md has no quickstart block between its markers")
    return m.group(1)


def drop_quickstart():
    psql("""
SET client_min_messages = warning;
DROP DATABASE IF EXISTS %s;
DROP ROLE IF EXISTS etl;
DROP ROLE IF EXISTS qs_analyst;
DROP ROLE IF EXISTS qs_other;
""" % QS_DB, db="postgres")


def quickstart_sql():
    """The README's quick start with the simulator's URL, CA and accounts
    (test/package_test.sh runs it too, in a fresh cluster)."""
    sql = quickstart_block()
    for old, new in QS_SUBSTITUTIONS:
        check(sql.count(old) == 1, "quick start: %r occurs %d times, expected once"
              % (old, sql.count(old)))
        sql = sql.replace(old, new)
    return sql


@test
def readme_quickstart_runs_as_written():
    sql = quickstart_sql()
    drop_quickstart()
    psql("CREATE DATABASE %s" % QS_DB, db="postgres")
    try:
        sim_reset()
        # as a superuser, in one psql session, stopping at the first error
        _, out, err = psql(sql, db=QS_DB)
        check("ERROR" not in err, "quick start printed an error: %s" % err)
        lines = out.splitlines()
        # the checklist: every step ok (step|ok|detail|hint)
        steps = [l.split("|") for l in lines
                 if len(l.split("|")) == 4 and l.split("|")[1] in ("t", "f")]
        check(len(steps) >= 4, "ukg_fdw_check gave too few rows: %r" % out)
        check(all(s[1] == "t" for s in steps), "a check step failed: %r" % steps)
        # ukg_fdw_comment set comments
        check(any(re.fullmatch(r"[1-9][0-9]*", l) for l in lines),
              "ukg_fdw_comment returned no count: %r" % out)
        # the final query: company_id|employee_status_code|count rows
        rows = [l for l in lines if re.fullmatch(r"C[0-9]{4}\|[A-Z]\|[1-9][0-9]*", l)]
        check(len(rows) >= 2, "the headcount query returned no rows: %r" % out)
        total = sum(int(r.split("|")[2]) for r in rows)
        check(counters()["data_requests"] >= 2, "no data requests reached the simulator")

        # what was built fits together: etl owns the schema and the tables
        _, owners, _ = psql("""
SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c
 WHERE c.relnamespace = 'ukg'::regnamespace AND c.relkind = 'f';
SELECT count(*) FROM pg_class c
 WHERE c.relnamespace = 'ukg'::regnamespace AND c.relkind = 'f';
SELECT count(*) FROM ukg_fdw_resources() WHERE schema IN ('personnel', 'configuration');
""", db=QS_DB)
        o = owners.splitlines()
        check(o[0] == "etl", "the imported tables are not etl's: %r" % o)
        check(o[1] == o[2], "imported %s tables, the catalog has %s" % (o[1], o[2]))
        # etl logging in directly (not via SET ROLE) sees the same
        _, n, _ = psql("SELECT count(*) FROM ukg.employment_details", db=QS_DB, user="etl")
        check(int(n) == total, "etl counts %s employment rows, the quick start %d" % (n, total))

        # the README's notes on other roles: SELECT without a mapping fails ...
        psql("CREATE ROLE qs_analyst LOGIN; GRANT USAGE ON SCHEMA ukg TO qs_analyst;",
             db=QS_DB)
        psql("GRANT SELECT ON ukg.jobs TO qs_analyst", db=QS_DB, user="etl")
        rc, _, err = psql("SELECT count(*) FROM ukg.jobs", db=QS_DB, user="qs_analyst",
                          check_ok=False)
        check(rc != 0 and sqlstate(err) == "42704" and "user mapping not found" in err,
              "a role without a mapping: %s" % err)
        # ... and ukg_fdw_check, for a role with USAGE, says so in a row
        psql("GRANT USAGE ON FOREIGN SERVER ukg TO qs_analyst", db=QS_DB)
        _, out, _ = psql("SELECT ok FROM ukg_fdw_check('ukg') t(step, ok, detail, hint)"
                         " WHERE detail LIKE '%%no user mapping%%'", db=QS_DB,
                         user="qs_analyst")
        check(out == "f", "ukg_fdw_check for a role without a mapping: %r" % out)
        # a PUBLIC mapping serves every role without one of its own
        psql("""CREATE USER MAPPING FOR PUBLIC SERVER ukg
  OPTIONS (username 'limited_user', password 'limited_pass', customer_api_key 'CUST1');""",
             db=QS_DB)
        # limited_user may not read configuration: the analyst's query of
        # jobs fails with 403, proving it used the PUBLIC mapping
        rc, _, err = psql("SELECT count(*) FROM ukg.jobs", db=QS_DB, user="qs_analyst",
                          check_ok=False)
        check(rc != 0 and sqlstate(err) == "42501",
              "the analyst did not use the PUBLIC mapping: %s" % err)
        # while etl still uses its own mapping, which may
        _, n, _ = psql("SELECT count(*) > 0 FROM ukg.jobs", db=QS_DB, user="etl")
        check(n == "t", "etl lost its own mapping to PUBLIC")
        # IMPORT FOREIGN SCHEMA needs USAGE on the server
        psql("CREATE ROLE qs_other LOGIN; CREATE SCHEMA qs AUTHORIZATION qs_other;",
             db=QS_DB)
        rc, _, err = psql("IMPORT FOREIGN SCHEMA configuration LIMIT TO (jobs)"
                          " FROM SERVER ukg INTO qs", db=QS_DB, user="qs_other",
                          check_ok=False)
        check(rc != 0 and sqlstate(err) == "42501" and "foreign server ukg" in err,
              "IMPORT without USAGE: %s" % err)
    finally:
        drop_quickstart()


def git_ignored(path):
    """Does the repository's .gitignore cover path (existing or not)?  A
    path that does not exist is also tried as a directory, which patterns
    ending in a slash need."""
    for candidate in (path, path.rstrip("/") + "/"):
        try:
            if subprocess.run(["git", "-C", TOP, "check-ignore", "--no-index", "-q", candidate],
                              capture_output=True).returncode == 0:
                return True
        except OSError:
            return False
    return False


@test
def readme_names_only_files_that_exist():
    text = readme()
    check("DESIGN.md" not in text, "README.md refers to DESIGN.md, which is not in the repository")
    paths = set(re.findall(r"`((?:test|tools|doc|src|debian|sql|expected)/[A-Za-z0-9_./-]+)`", text))
    paths |= set(re.findall(r"\]\(((?:test|tools|doc|src|debian)/[A-Za-z0-9_./-]+)\)", text))
    for name in ("META.json", "CHANGELOG.md", "SECURITY.md"):
        if name in text:
            paths.add(name)
    # what the tests and the benchmark make at run time (ignored by git,
    # e.g. test/conform/node_modules) need not exist in a clean clone
    missing = sorted(p for p in paths
                     if not os.path.exists(os.path.join(TOP, p)) and not git_ignored(p))
    check(not missing, "README.md names files that do not exist: %s" % missing)
    check(len(paths) >= 5, "found too few paths in README.md: %s" % sorted(paths))


@test
def meta_json_matches_the_control_file():
    with open(os.path.join(TOP, "ukg_fdw.control")) as f:
        control_version = re.search(r"default_version\s*=\s*'([^']+)'", f.read()).group(1)
    with open(os.path.join(TOP, "META.json")) as f:
        meta = json.load(f)
    check(meta.get("meta-spec", {}).get("version") == "1.0.0", "META.json is not PGXN spec 1.0.0")
    for key in ("name", "abstract", "version", "maintainer", "license", "provides"):
        check(key in meta, "META.json lacks %s" % key)
    check(meta["version"] == control_version,
          "META.json version %s, control file %s" % (meta["version"], control_version))
    ext = meta["provides"].get("ukg_fdw", {})
    check(ext.get("version") == control_version,
          "META.json provides ukg_fdw %s, control file %s" % (ext.get("version"), control_version))
    check(os.path.exists(os.path.join(TOP, ext.get("file", ""))),
          "META.json provides.file %r does not exist" % ext.get("file"))
    check(re.fullmatch(r"\d+\.\d+\.\d+", meta["version"]) is not None,
          "META.json version is not semantic: %s" % meta["version"])
    # the CHANGELOG has a section for it
    with open(os.path.join(TOP, "CHANGELOG.md")) as f:
        check(re.search(r"^## %s\b" % re.escape(control_version), f.read(), re.M),
              "CHANGELOG.md has no section for %s" % control_version)


DEMO_DB = "ukg_demo_test"


def drop_demo():
    psql("""
SET client_min_messages = warning;
DROP DATABASE IF EXISTS %s;
DROP ROLE IF EXISTS etl;
DROP ROLE IF EXISTS analyst;
""" % DEMO_DB, db="postgres")


@test
def demo_shows_what_it_claims():
    """test/demo.sql runs without an error and shows employee ids, roles that
    are not superusers, least privilege, and an incremental load whose
    second run downloads only the changes."""
    drop_demo()
    psql("CREATE DATABASE %s" % DEMO_DB, db="postgres")
    try:
        sim_reset()
        p = subprocess.run(
            ["psql", "-X", "-d", DEMO_DB, "-v", "ON_ERROR_STOP=1",
             "-v", "sim_https=%s/n/5000" % HTTPS, "-v", "ca_file=%s" % CA_FILE,
             "-f", os.path.join(TOP, "test", "demo.sql")],
            capture_output=True, text=True, timeout=600)
        out = p.stdout
        check(p.returncode == 0, "demo.sql failed: %s" % p.stderr[-2000:])
        check("ERROR" not in p.stderr, "demo.sql printed an error: %s" % p.stderr)
        # the roles it runs as are not superusers
        check(re.search(r"^ etl\s+\| f$", out, re.M) and re.search(r"^ analyst\s+\| f$", out, re.M),
              "the demo does not show etl and analyst as non-superusers")
        # the join shows employee ids: ten distinct ones
        join = out.split("namesakes apart")[1].split("==")[0]
        ids = re.findall(r"^ (E[0-9A-Z]{8}) +\|", join, re.M)
        check(len(ids) == 10 and len(set(ids)) == 10, "the join shows no employee ids: %r" % join)
        # least privilege: PostgreSQL and UKG each refuse the analyst
        check("PostgreSQL refuses: permission denied for foreign table compensation_details"
              in p.stderr, "no PostgreSQL refusal in: %s" % p.stderr)
        check(re.search(r"UKG refuses the analyst's account: .*Company Configuration Integration",
                        p.stderr), "no UKG refusal in: %s" % p.stderr)
        # the three loads (fetched | new | changed) and the final tally
        loads = [tuple(int(x) for x in m) for m in
                 re.findall(r"^ +(\d+) \| +(\d+) \| +(\d+)$", out, re.M)]
        check(len(loads) == 4, "expected three loads and a tally: %r" % loads)
        first, second, third, tally = loads
        check(first == (5000, 5000, 0), "first load: %r" % (first,))
        # 5 edits (every 1000th of 5000), plus what sat at the old watermark
        check(second[1] == 0 and second[2] == 5 and 5 <= second[0] <= 7,
              "second load: %r" % (second,))
        check(third == (5, 0, 0), "third load: %r" % (third,))
        check(tally == (5000, 5000, 5), "final tally: %r" % (tally,))
        # the second run's scan received only a few dozen records, not 5000
        received = [int(x) for x in re.findall(r"UKG Rows Received: (\d+)", out)]
        check(len(received) == 1 and received[0] < 100, "rows received: %r" % received)
        check("UKG Filters (rechecked locally): (person_details.datetime_changed >= $0)" in out,
              "the incremental EXPLAIN shows no pushed filter")
    finally:
        sim_reset()
        drop_demo()


@test
def readme_incremental_load_is_the_demos():
    m = re.search(r"<!-- incremental:begin -->\s*```sql\n(.*?)```\s*<!-- incremental:end -->",
                  readme(), re.S)
    check(m is not None, "README.md has no incremental block between its markers")
    with open(os.path.join(TOP, "test", "demo_load.sql")) as f:
        demo = f.read()
    strip = lambda text: [l for l in text.splitlines() if l.strip() and not l.startswith("--")]
    check(strip(m.group(1)) == strip(demo),
          "README.md's incremental load differs from test/demo_load.sql")


@test
def update_replaces_ukg_fdw_resources_with_a_description_column():
    """ALTER EXTENSION UPDATE to 0.2.0 gives ukg_fdw_resources() its
    description column; a view over the old function blocks it, as the
    CHANGELOG says."""
    db = "ukg_resources_update"
    psql("SET client_min_messages = warning; DROP DATABASE IF EXISTS %s; CREATE DATABASE %s;"
         % (db, db), db="postgres")
    try:
        psql("CREATE EXTENSION ukg_fdw VERSION '0.1.0';"
             "CREATE VIEW catalog_names AS SELECT name FROM ukg_fdw_resources();", db=db)
        rc, _, err = psql("ALTER EXTENSION ukg_fdw UPDATE TO '0.2.0'", db=db, check_ok=False)
        check(rc != 0 and sqlstate(err) == "2BP01", "update with a dependent view: %s" % err)
        psql("DROP VIEW catalog_names; ALTER EXTENSION ukg_fdw UPDATE TO '0.2.0';", db=db)
        _, out, _ = psql("SELECT description FROM ukg_fdw_resources() WHERE name = 'jobs'",
                         db=db)
        check(out == "Retrieve all jobs configurations", "description after update: %r" % out)
    finally:
        psql("SET client_min_messages = warning; DROP DATABASE IF EXISTS %s;" % db, db="postgres")
