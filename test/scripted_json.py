"""
scripted_json.py - JSON reading and conversion tests that need their own
database or simulator settings (issue #13's conversion half, and the bare
JSON object bodies of issue #12).  Loaded by scripted_tests.py.
"""

import base64
import json
import urllib.parse

from scripted_tests import test, psql, check, sqlstate, control, sim_reset, counters, \
    settings, HTTPS, CA_FILE

LATIN1_DB = "ukg_json_latin1"


def serve(body):
    """The next data request of the query conv=1 answers body (bytes)."""
    control("faults", {"rules": [{"query": "conv=1", "kind": "random", "status": 200,
                                  "body_b64": base64.b64encode(body).decode()}]})


@test
def latin1_database_gets_converted_text_in_every_column():
    psql("""
SET client_min_messages = warning;
DROP DATABASE IF EXISTS {db};
CREATE DATABASE {db} TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C';
""".format(db=LATIN1_DB), db="postgres")
    psql("""
CREATE EXTENSION ukg_fdw;
CREATE SERVER ukg FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url '{https}', ca_file '{ca}');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE people (employee_id text, last_name text)
  SERVER ukg OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE raw (employee_id text, first_name text, last_name varchar(40), tags text[], num int4,
                          rec jsonb OPTIONS (json_key '*'), rec_json json OPTIONS (json_key '*'),
                          rec_text text OPTIONS (json_key '*'))
  SERVER ukg OPTIONS (resource 'person-details', params 'conv=1');
""".format(https=HTTPS, ca=CA_FILE), db=LATIN1_DB)
    # records with accented letters, raw UTF-8 and \u escapes
    names = ["Jos\u00e9", "Ren\u00e9e", "Zo\u00eb", "Nu\u00f1ez", "M\u00fcller", "\u00c5sa", "Plain"]
    recs = []
    for i, n in enumerate(names):
        recs.append('{"employeeId": "E%d", "firstName": "%s", "lastName": %s}'
                    % (i, n.encode("ascii", "backslashreplace").decode().replace("\\x", "\\u00"),
                       json.dumps(n, ensure_ascii=False)))
    serve(("[" + ", ".join(recs) + "]").encode("utf-8"))
    _, out, _ = psql("""
SET client_encoding = 'UTF8';
SELECT count(*),
       count(*) FILTER (WHERE first_name IN ('José', 'Renée', 'Zoë', 'Nuñez', 'Müller', 'Åsa')),
       count(*) FILTER (WHERE first_name = last_name),
       count(*) FILTER (WHERE rec->>'firstName' = first_name AND rec->>'lastName' = last_name),
       count(*) FILTER (WHERE rec_json->>'firstName' = first_name AND rec_json->>'lastName' = last_name),
       count(*) FILTER (WHERE (rec_text::jsonb)->>'lastName' = last_name)
  FROM raw;
""", db=LATIN1_DB)
    check(out == "7|6|7|7|7|7", "json, jsonb and text columns agree in LATIN1: %r" % out)

    # the simulator's names include Nguyễn, which LATIN1 lacks: an error
    # naming the column, not mojibake or a silent '?'
    sim_reset()
    rc, _, err = psql("SELECT count(last_name) FROM people;", db=LATIN1_DB, check_ok=False)
    check(rc != 0 and sqlstate(err) == "22P05" and
          'column "last_name" of foreign table "people"' in err, "Nguyễn in LATIN1: %s" % err)

    # escapes and raw UTF-8 both arrive as LATIN1, in text, text[] and jsonb
    serve('[{"employeeId": "X1", "firstName": "Jos\\u00e9", "tags": ["Ren\\u00e9e", "Zo\u00eb"]}]'
          .encode("utf-8"))
    _, out, _ = psql("""
SET client_encoding = 'UTF8';
SELECT first_name, first_name = 'José', tags = ARRAY['Renée', 'Zoë'],
       rec->>'firstName' = first_name, rec->'tags'->>1 = 'Zoë', octet_length(first_name)
  FROM raw;
""", db=LATIN1_DB)
    check(out == "José|t|t|t|t|4", "escapes and raw UTF-8 converted to LATIN1: %r" % out)

    # a character LATIN1 lacks is an error naming the column, in each type
    # (and the error context line, which names it too, raises nothing itself)
    for column, value in (("first_name", '"\u20ac"'), ("first_name", '"\\u20ac"'),
                          ("tags", '["\u20ac"]'), ("rec", '"\u20ac"'), ("num", '"\u20ac1"')):
        key = {"first_name": "firstName", "rec": "firstName"}.get(column, column)
        serve(('[{"employeeId": "X1", "%s": %s}]' % (key, value)).encode("utf-8"))
        rc, _, err = psql("SELECT %s FROM raw;" % column, db=LATIN1_DB, check_ok=False)
        check(rc != 0 and sqlstate(err) == "22P05", "%s %s: %s" % (column, value, err))
        check('column "%s" of foreign table "raw"' % column in err,
              "the error names the column: %s" % err)
    sim_reset()
    psql("SET client_min_messages = warning; DROP DATABASE %s;" % LATIN1_DB, db="postgres")


@test
def bare_object_body_is_one_row_where_the_catalog_says_so():
    sim_reset()
    psql("""
CREATE FOREIGN TABLE IF NOT EXISTS job_history (employee_id text, system_id text,
                                                rec jsonb OPTIONS (json_key '*'))
  SERVER ukg OPTIONS (resource 'employee-job-history-details');
""")
    _, first, _ = psql("SELECT rec FROM job_history LIMIT 1;")
    settings(object_bodies=["employee-job-history-details", "person-details"])
    before = counters()["data_requests"]
    _, out, _ = psql("SELECT count(*), count(rec), bool_and(rec = '%s'::jsonb), "
                     "bool_and(system_id = rec->>'systemId') FROM job_history;"
                     % first.replace("'", "''"))
    check(out == "1|1|t|t", "one row, the object served: %r" % out)
    check(counters()["data_requests"] - before == 1, "one request")
    _, out, _ = psql("SELECT count(*) FROM job_history;")
    check(out == "1", "count(*) of a bare object: %r" % out)
    # person-details is a list in the catalog: a bare object stays an error
    rc, _, err = psql("SELECT count(*) FROM people;", check_ok=False)
    check(rc != 0 and "is not a JSON array" in err, "no guess for a list resource: %s" % err)
    sim_reset()
