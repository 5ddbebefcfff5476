-- comment: the catalog's own words.  ukg_fdw_resources() shows each
-- resource's description from the spec, and ukg_fdw_comment(schema) puts
-- the descriptions on imported tables as COMMENT ON, for \d+.
\set VERBOSITY default

SELECT name, description FROM ukg_fdw_resources()
 WHERE name IN ('person-details', 'jobs', 'employee-changes', 'company-details')
 ORDER BY name;
SELECT count(*) AS resources, count(description) AS described FROM ukg_fdw_resources();

CREATE SCHEMA cm;
IMPORT FOREIGN SCHEMA configuration LIMIT TO (jobs, company_details)
  FROM SERVER ukg INTO cm;
IMPORT FOREIGN SCHEMA personnel LIMIT TO (employee_changes, person_details)
  FROM SERVER ukg INTO cm;
-- a hand-made table: columns matched without json_key, as the scan matches
-- them (case-insensitively, ignoring underscores); one the catalog lacks
CREATE FOREIGN TABLE cm.my_jobs (jobfamilycode text, "Title" text, mine text)
  SERVER ukg OPTIONS (resource 'configuration/v1/jobs');
-- a raw path the catalog does not know: left alone
CREATE FOREIGN TABLE cm.raw (x text) SERVER ukg OPTIONS (resource 'custom/v1/things');
COMMENT ON FOREIGN TABLE cm.raw IS 'mine';
-- not a foreign table: left alone
CREATE TABLE cm.local_t (code text);

SELECT ukg_fdw_comment('cm') AS comments_set;

SELECT c.relname, obj_description(c.oid, 'pg_class') AS comment
  FROM pg_class c WHERE c.relnamespace = 'cm'::regnamespace ORDER BY c.relname;
\d+ cm.jobs
SELECT attname, col_description(attrelid, attnum)
  FROM pg_attribute WHERE attrelid = 'cm.my_jobs'::regclass AND attnum > 0 ORDER BY attnum;
SELECT attname, col_description(attrelid, attnum)
  FROM pg_attribute WHERE attrelid = 'cm.employee_changes'::regclass
   AND attname IN ('employee_id', 'start_date', 'end_date', 'record') ORDER BY attnum;
-- person-details has no column descriptions in the spec: only the table and
-- the record column get one
SELECT count(col_description(attrelid, attnum)) AS described_columns
  FROM pg_attribute WHERE attrelid = 'cm.person_details'::regclass AND attnum > 0;

-- running it again sets the same comments
SELECT ukg_fdw_comment('cm') AS comments_set;

-- only the owner of a table may comment on it
CREATE ROLE cm_other;
GRANT USAGE ON SCHEMA cm TO cm_other;
SET ROLE cm_other;
SELECT ukg_fdw_comment('cm');
RESET ROLE;
-- a schema that does not exist
SELECT ukg_fdw_comment('no_such_schema');
-- a schema without foreign tables
CREATE SCHEMA cm_empty;
SELECT ukg_fdw_comment('cm_empty') AS comments_set;

DROP SCHEMA cm, cm_empty CASCADE;
DROP ROLE cm_other;
