-- paging: page/per_Page requests, the stop rules, exact page boundaries,
-- resources that ignore paging, the max_pages guard and a 25,000-row load
\getenv sim_https UKG_SIM_HTTPS
\getenv ca_file UKG_SIM_CA_FILE
\set url25k :sim_https '/n/25000'
\set url20k :sim_https '/n/20000'
\set VERBOSITY default

-- prefetch is pinned to 1 so request counts are exact
CREATE SERVER ukg25k FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url :'url25k', ca_file :'ca_file', prefetch '1');
CREATE SERVER ukg20k FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url :'url20k', ca_file :'ca_file', prefetch '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg25k
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg20k
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');

CREATE FOREIGN TABLE people25k (employee_id text, first_name text, last_name text)
  SERVER ukg25k OPTIONS (resource 'person-details', page_size '10000');
CREATE FOREIGN TABLE people20k (employee_id text)
  SERVER ukg20k OPTIONS (resource 'person-details', page_size '10000');

-- 25,000 rows at page_size 10000: pages of 10000, 10000 and 5000
SELECT sim('reset');
SELECT count(*) FROM people25k;
SELECT sim_requests() AS requests;
SELECT sim('requests-matching person-details --list');

-- 20,000 rows: two full pages, then an empty one (the exact boundary)
SELECT sim('reset');
SELECT count(*), count(DISTINCT employee_id) FROM people20k;
SELECT sim_requests() <= 3 AS at_most_3_requests;

-- the same at page_size 100 on 1,000 rows: 10 full pages and an empty one
CREATE FOREIGN TABLE people_p100 (employee_id text)
  SERVER ukg OPTIONS (resource 'person-details', page_size '100', prefetch '1');
SELECT sim('reset');
SELECT count(*), count(DISTINCT employee_id) FROM people_p100;
SELECT sim_requests() AS requests;

-- employee-changes spells it per_page
CREATE FOREIGN TABLE changes (employee_id text, start_date timestamp, end_date timestamp)
  SERVER ukg OPTIONS (resource 'employee-changes', page_size '400', prefetch '1');
SELECT sim('reset');
SELECT count(*) FROM changes
 WHERE start_date = '2018-01-01' AND end_date = '2025-01-01';
SELECT sim('counters --key page_size_params');

-- INSERT ... SELECT of 25,000 rows: count and checksum match the simulator
CREATE TABLE loaded (employee_id text, first_name text, last_name text);
INSERT INTO loaded SELECT * FROM people25k;
SELECT count(*) AS loaded,
       md5(string_agg(concat_ws('|', employee_id, first_name, last_name), E'\n'
                      ORDER BY employee_id COLLATE "C"))
         = (sim('digest /personnel/v1/person-details 25000 employeeId,firstName,lastName employeeId')::jsonb->>'md5')
         AS checksum_matches
  FROM loaded;
SELECT (sim('digest /personnel/v1/person-details 25000 employeeId,firstName,lastName employeeId')::jsonb->>'count')::int
       AS simulator_count;

-- configuration code resources ignore paging: the catalog knows, one request
CREATE FOREIGN TABLE jobs (code text, title text, is_active boolean)
  SERVER ukg OPTIONS (resource 'jobs');
SELECT sim('reset');
SELECT count(*), count(DISTINCT code) FROM jobs;
SELECT sim_requests() AS requests;
SELECT sim('requests-matching configuration/v1/jobs --list');

-- a raw path that ignores paging: page 2 is identical to page 1, so the
-- scan stops there, with no duplicates
CREATE FOREIGN TABLE jobs_raw (code text)
  SERVER ukg OPTIONS (resource 'configuration/v1/jobs', paging 'per_Page', page_size '10', prefetch '1');
SELECT sim('reset');
SELECT count(*), count(DISTINCT code) FROM jobs_raw;
SELECT sim_requests() AS requests;

-- a page past the end that answers 404 instead of [] also ends the scan
SELECT sim('reset');
SELECT sim('settings ''{"empty_as_404": true}''')::jsonb->'empty_as_404' AS empty_as_404;
SELECT count(*) FROM people20k;
SELECT sim('reset');

-- max_pages: an error, never a silent truncation
CREATE FOREIGN TABLE people_capped (employee_id text)
  SERVER ukg OPTIONS (resource 'person-details', page_size '100', max_pages '3');
SELECT count(*) FROM people_capped;

-- prefetch returns the same rows in the same order as prefetch 1
CREATE FOREIGN TABLE people_pf1 (employee_id text)
  SERVER ukg OPTIONS (resource 'person-details', page_size '50', prefetch '1');
CREATE FOREIGN TABLE people_pf4 (employee_id text)
  SERVER ukg OPTIONS (resource 'person-details', page_size '50', prefetch '4');
SELECT (SELECT array_agg(employee_id) FROM people_pf1)
     = (SELECT array_agg(employee_id) FROM people_pf4) AS same_rows_same_order;
-- speculative requests past the end stay within prefetch (the pipeline is
-- refilled as each page arrives, before it is read)
SELECT sim('reset');
SELECT count(*) FROM people_pf4;
SELECT sim_requests() BETWEEN 21 AND 21 + 4 AS within_bound;
