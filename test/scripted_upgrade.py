"""
scripted_upgrade.py - ALTER EXTENSION ukg_fdw UPDATE from every earlier
release, with user objects in place, ends with the same extension objects
as a fresh CREATE EXTENSION, and the objects keep working.

Loaded by scripted_tests.py, which runs the tests registered here.
"""

import glob
import os
import re

from scripted_tests import CA_FILE, HTTPS, TOP, check, psql, test

# every object that belongs to the extension, with what defines it: the
# identity of functions and their result (OUT columns included), the
# definition of views, the handler and validator of the wrapper
OBJECTS = r"""
SELECT pg_describe_object(d.classid, d.objid, d.objsubid)
       || coalesce(' -> ' || pg_get_function_result(p.oid), '')
       || coalesce(' ' || pg_get_viewdef(c.oid), '')
       || coalesce(' ' || w.fdwhandler::regproc || ' ' || w.fdwvalidator::regproc, '')
       || coalesce(' ' || obj_description(d.objid, d.classid::regclass::name), '')
  FROM pg_depend d
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'ukg_fdw'
  LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
  LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
  LEFT JOIN pg_foreign_data_wrapper w
         ON d.classid = 'pg_foreign_data_wrapper'::regclass AND w.oid = d.objid
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
 ORDER BY 1;
"""


def versions():
    """(default version, [versions that have an install script])"""
    with open(os.path.join(TOP, "ukg_fdw.control")) as f:
        default = re.search(r"default_version\s*=\s*'([^']+)'", f.read()).group(1)
    base = sorted(m.group(1) for m in
                  (re.match(r"ukg_fdw--([0-9.]+)\.sql$", os.path.basename(p))
                   for p in glob.glob(os.path.join(TOP, "ukg_fdw--*.sql"))) if m)
    return default, base


def fresh_db(name):
    psql("SET client_min_messages = warning; DROP DATABASE IF EXISTS %s; CREATE DATABASE %s;"
         % (name, name), db="postgres")


@test
def alter_extension_update_matches_a_fresh_install():
    default, bases = versions()
    check(bases, "at least one install script ukg_fdw--X.sql")
    _, paths, _ = psql("SELECT source || '>' || target FROM pg_extension_update_paths('ukg_fdw') "
                       "WHERE path IS NOT NULL AND target = '%s' ORDER BY 1;" % default,
                       db="postgres")
    fresh_db("ukg_fresh")
    psql("CREATE EXTENSION ukg_fdw;", db="ukg_fresh")
    _, version, _ = psql("SELECT extversion FROM pg_extension WHERE extname = 'ukg_fdw';",
                         db="ukg_fresh")
    check(version == default, "fresh install is at %s: %r" % (default, version))
    _, fresh_objects, _ = psql(OBJECTS, db="ukg_fresh")
    check(len(fresh_objects.splitlines()) >= 8, "objects of a fresh install: %r" % fresh_objects)

    olds = [v for v in bases if v != default]
    check(olds, "an earlier release to update from")
    for old in olds:
        check("%s>%s" % (old, default) in paths.split(),
              "an update path %s -> %s (%r)" % (old, default, paths))
        fresh_db("ukg_upgrade")
        # an installation of the old release in use: a server, a mapping,
        # a foreign table and a view over it
        psql("""
CREATE EXTENSION ukg_fdw VERSION '{old}';
CREATE SERVER ukg FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url '{https}', ca_file '{ca}');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE people (employee_id text, first_name text)
  SERVER ukg OPTIONS (resource 'person-details');
CREATE VIEW people_names AS SELECT employee_id, first_name FROM people;
""".format(old=old, https=HTTPS, ca=CA_FILE), db="ukg_upgrade")
        _, before, _ = psql("SELECT count(*), count(DISTINCT employee_id) FROM people_names;",
                            db="ukg_upgrade")
        check(before == "1000|1000", "the %s install scans: %r" % (old, before))
        psql("ALTER EXTENSION ukg_fdw UPDATE;", db="ukg_upgrade")
        _, version, _ = psql("SELECT extversion FROM pg_extension WHERE extname = 'ukg_fdw';",
                             db="ukg_upgrade")
        check(version == default, "updated from %s to %s: %r" % (old, default, version))
        _, objects, _ = psql(OBJECTS, db="ukg_upgrade")
        if objects != fresh_objects:
            a, b = set(objects.splitlines()), set(fresh_objects.splitlines())
            raise AssertionError("objects after updating from %s differ from a fresh install:\n"
                                 "only after the update: %s\nonly in a fresh install: %s"
                                 % (old, sorted(a - b), sorted(b - a)))
        _, after, _ = psql("SELECT count(*), count(DISTINCT employee_id) FROM people_names;",
                           db="ukg_upgrade")
        check(after == before, "the view still scans after the update: %r" % after)
    psql("SET client_min_messages = warning; DROP DATABASE ukg_fresh; DROP DATABASE ukg_upgrade;",
         db="postgres")
