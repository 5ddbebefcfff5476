"""
scripted_soundness.py - pushdown soundness that pg_regress cannot test
(issue #13): a database whose encoding is not UTF8.

Loaded by scripted_tests.py, which runs the tests registered with @test.
"""

import urllib.parse

from scripted_tests import test, psql, check, control, sim_reset, HTTPS, CA_FILE

LATIN1_DB = "ukg_sound_latin1"

# Up to 37 employees the simulator's last names are all in LATIN1 (García
# is employee 5; Nguyễn, employee 37, is not), so a scan without pushdown can
# filter every row locally
LATIN1_SETUP = """
CREATE EXTENSION ukg_fdw;
CREATE SERVER ukg37 FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{https}/n/37', ca_file '{ca}', prefetch '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg37
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE people_on (employee_id text, last_name text)
  SERVER ukg37 OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE people_off (employee_id text, last_name text)
  SERVER ukg37 OPTIONS (resource 'person-details', pushdown 'false');
"""

UTF8 = {"PGCLIENTENCODING": "UTF8"}


def sent(fragment):
    """How many requests the simulator saw whose raw target contains
    fragment (as sent, percent-encoded)."""
    return control("requests?match=" + urllib.parse.quote(fragment, safe=""))["count"]


def rows(sql, db):
    _, out, _ = psql(sql, db=db, env=UTF8)
    return out


@test
def latin1_database_pushes_utf8_values():
    psql("""
SET client_min_messages = warning;
DROP DATABASE IF EXISTS {db};
CREATE DATABASE {db} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
""".format(db=LATIN1_DB), db="postgres")
    psql(LATIN1_SETUP.format(https=HTTPS, ca=CA_FILE), db=LATIN1_DB)
    check(rows("SHOW server_encoding;", LATIN1_DB) == "LATIN1", "the database is LATIN1")

    query = ("SELECT string_agg(employee_id || ':' || last_name, ',' ORDER BY employee_id)"
             " FROM %s WHERE last_name = 'García';")
    sim_reset()
    local = rows(query % "people_off", LATIN1_DB)
    check(local.count("García") == 1, "local filtering finds García: %r" % local)
    pushed = rows(query % "people_on", LATIN1_DB)
    check(pushed == local, "pushed %r, local %r" % (pushed, local))
    # UKG got the name in UTF-8, never in LATIN1
    # (with page 1's short answer and the probe of page 2, see #12)
    check(sent("lastName=Garc%C3%ADa&page=1&") == 1, "lastName=Garc%C3%ADa was sent once")
    check(sent("Garc%ED") == 0, "no LATIN1 byte was sent")

    # an IN list goes out the same way, value by value or as a list
    query = ("SELECT string_agg(employee_id || ':' || last_name, ',' ORDER BY employee_id)"
             " FROM %s WHERE last_name IN ('García', 'Smith', 'Gómez');")
    local = rows(query % "people_off", LATIN1_DB)
    pushed = rows(query % "people_on", LATIN1_DB)
    check(local.count(":") == 2 and "García" in local, "local IN list: %r" % local)
    check(pushed == local, "pushed IN list %r, local %r" % (pushed, local))
    check(sent("G%C3%B3mez") == 1, "Gómez went out in UTF-8")

    # the UTF8 database finds the same rows
    utf8 = rows("""
CREATE SERVER ukg37 FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url '{https}/n/37', ca_file '{ca}', prefetch '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg37
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE people37 (employee_id text, last_name text)
  SERVER ukg37 OPTIONS (resource 'person-details');
SELECT string_agg(employee_id || ':' || last_name, ',' ORDER BY employee_id)
  FROM people37 WHERE last_name IN ('García', 'Smith', 'Gómez');
DROP FOREIGN TABLE people37;
DROP SERVER ukg37 CASCADE;
""".format(https=HTTPS, ca=CA_FILE), "ukg_scripted")
    check(utf8 == local, "UTF8 database %r, LATIN1 database %r" % (utf8, local))
    psql("SET client_min_messages = warning; DROP DATABASE {db};".format(db=LATIN1_DB),
         db="postgres")
