-- test/demo.sql: what a DBA, an analyst and an ETL job do with ukg_fdw, each
-- as a role of its own.  Run by test/demo.sh as the superuser postgres, with
-- psql variables sim_https (the simulator's base URL) and ca_file; the
-- simulator is driven with $UKG_SIMCTL to simulate edits in UKG.
\pset footer off
\set ON_ERROR_STOP 1

\echo '== DBA (superuser): the extension, the server, two roles with UKG accounts of their own'
CREATE EXTENSION ukg_fdw;
CREATE SERVER ukg FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url :'sim_https', ca_file :'ca_file');
CREATE ROLE etl LOGIN;
CREATE ROLE analyst LOGIN;
GRANT USAGE ON FOREIGN SERVER ukg TO etl;
-- etl: the integration account, with View on the web services it loads
CREATE USER MAPPING FOR etl SERVER ukg
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
-- analyst: a UKG account without "Employee Compensation Details" and
-- "Company Configuration Integration"
CREATE USER MAPPING FOR analyst SERVER ukg
  OPTIONS (username 'limited_user', password 'limited_pass', customer_api_key 'CUST1');
CREATE SCHEMA ukg AUTHORIZATION etl;     -- the foreign tables
CREATE SCHEMA load AUTHORIZATION etl;    -- the local copies
GRANT USAGE ON SCHEMA ukg TO analyst;

\echo '== ETL role: check the setup, import the tables, put UKG''s descriptions on them'
SET ROLE etl;
SELECT current_user, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user;
SELECT step, ok, detail
  FROM ukg_fdw_check('ukg', ARRAY['person-details', 'employment-details']);
IMPORT FOREIGN SCHEMA personnel
  LIMIT TO (person_details, employment_details, compensation_details)
  FROM SERVER ukg INTO ukg;
IMPORT FOREIGN SCHEMA configuration LIMIT TO (company_details, jobs)
  FROM SERVER ukg INTO ukg;
SELECT ukg_fdw_comment('ukg') AS comments_set;
\d+ ukg.jobs
-- the analyst reads people, their employment and the job list; nothing else
GRANT SELECT ON ukg.person_details, ukg.employment_details, ukg.jobs TO analyst;
RESET ROLE;

\echo '== Analyst: not a superuser, and its own UKG account'
SET ROLE analyst;
SELECT current_user, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user;

\echo '== Analyst: headcount by company and employment status'
SELECT e.company_id, e.employee_status_code, count(*) AS headcount
  FROM ukg.employment_details e
 GROUP BY 1, 2 ORDER BY 1, 2;

\echo '== Analyst: people with their jobs; the employee id tells namesakes apart'
SELECT p.employee_id, p.first_name, p.last_name, e.company_id, e.job_title,
       e.original_hire_date::date AS hired
  FROM ukg.person_details p
  JOIN ukg.employment_details e USING (employee_id)
 ORDER BY p.last_name, p.first_name, p.employee_id
 LIMIT 10;

\echo '== Analyst: what is sent to UKG, and what is filtered here'
EXPLAIN (VERBOSE, COSTS OFF)
SELECT first_name, last_name FROM ukg.person_details
 WHERE company_id = 'C0001' AND first_name LIKE 'A%';

\echo '== Analyst: least privilege, in PostgreSQL and in UKG'
DO $$
BEGIN
  PERFORM count(*) FROM ukg.compensation_details;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'PostgreSQL refuses: %', SQLERRM;
END $$;
DO $$
DECLARE
  hint text;
BEGIN
  PERFORM count(*) FROM ukg.jobs;
EXCEPTION WHEN insufficient_privilege THEN
  GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
  RAISE NOTICE 'UKG refuses the analyst''s account: % %', SQLERRM, hint;
END $$;
RESET ROLE;

\echo '== ETL: the first load of person_details, from a watermark kept in a local table'
SET ROLE etl;
CREATE TABLE load.person (LIKE ukg.person_details, PRIMARY KEY (employee_id));
CREATE TABLE load.etl_state (job text PRIMARY KEY, last_changed timestamp NOT NULL);
INSERT INTO load.etl_state VALUES ('person', '2000-01-01');
\ir demo_load.sql

\echo '== UKG: meanwhile, every 1000th employee is edited (the simulator''s "touch" setting)'
\! $UKG_SIMCTL settings '{"touch": {"every": 1000, "at": "2026-11-30T10:00:00"}}' >/dev/null

\echo '== ETL: the next run downloads only what changed since the watermark'
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT employee_id FROM ukg.person_details
 WHERE datetime_changed >= (SELECT last_changed FROM load.etl_state WHERE job = 'person');
\ir demo_load.sql

\echo '== ETL: a run with nothing new re-reads only the records at the watermark (>=), changing nothing'
\ir demo_load.sql
SELECT count(*) AS rows, count(DISTINCT employee_id) AS employees,
       count(*) FILTER (WHERE datetime_changed = '2026-11-30 10:00:00') AS edited
  FROM load.person;
RESET ROLE;
