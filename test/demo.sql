-- test/demo.sql: what a DBA, an analyst and an ETL job do with ukg_fdw.
\pset footer off
\echo '== DBA: server, user mapping, least privilege'
CREATE EXTENSION ukg_fdw;
CREATE SERVER ukg FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url :'sim_https', ca_file :'ca_file');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
SELECT step, ok, detail FROM ukg_fdw_check('ukg', ARRAY['person-details', 'employment-details']);

\echo '== Analyst: import the personnel and configuration resources'
CREATE SCHEMA ukg;
IMPORT FOREIGN SCHEMA personnel
  LIMIT TO (person_details, employment_details, compensation_details)
  FROM SERVER ukg INTO ukg;
IMPORT FOREIGN SCHEMA configuration LIMIT TO (company_details, jobs, locations)
  FROM SERVER ukg INTO ukg;
SELECT foreign_table_name FROM information_schema.foreign_tables
 WHERE foreign_table_schema = 'ukg' ORDER BY 1;

\echo '== Analyst: headcount by company and employment status'
SELECT e.company_id, e.employee_status_code, count(*) AS headcount
  FROM ukg.employment_details e
 GROUP BY 1, 2 ORDER BY 1, 2;

\echo '== Analyst: one person, pushed down to the API (see the UKG Request line)'
EXPLAIN (VERBOSE, COSTS OFF)
SELECT first_name, last_name FROM ukg.person_details WHERE employee_id = 'X';

\echo '== Analyst: people joined with their employment details'
SELECT p.first_name, p.last_name, e.job_title, e.original_hire_date::date
  FROM ukg.person_details p
  JOIN ukg.employment_details e USING (employee_id)
 ORDER BY p.last_name, p.first_name
 LIMIT 10;

\echo '== ETL: full load into a local table, all or nothing'
CREATE TABLE person_snapshot AS
  SELECT * FROM ukg.person_details WHERE false;
INSERT INTO person_snapshot SELECT * FROM ukg.person_details;
SELECT count(*) AS loaded, count(DISTINCT employee_id) AS employees FROM person_snapshot;

\echo '== ETL: incremental load of what changed since the last run'
SELECT count(*) AS changed_recently
  FROM ukg.person_details
 WHERE datetime_changed >= (SELECT max(datetime_changed) - interval '30 days' FROM person_snapshot);
