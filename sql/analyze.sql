-- analyze: ANALYZE samples a bounded number of pages, sets reltuples and
-- column statistics, and the planner's row estimates follow (#16).
\getenv sim_https UKG_SIM_HTTPS
\getenv ca_file UKG_SIM_CA_FILE
\set VERBOSITY terse
\set url_25k :sim_https '/n/25000'

CREATE SERVER ukg_25k FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url :'url_25k', ca_file :'ca_file', max_retry_wait '1s');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg_25k
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE p25k (
  employee_id text,
  company_id text,
  first_name text,
  last_name text
) SERVER ukg_25k OPTIONS (resource 'person-details');

-- the options are validated
ALTER FOREIGN TABLE p25k OPTIONS (ADD analyze_max_pages '0');
ALTER FOREIGN TABLE p25k OPTIONS (ADD analyze_max_pages 'many');
ALTER SERVER ukg_25k OPTIONS (ADD analyze_max_pages '-1');

-- a local table of two of the employees, for a join
SELECT sim('reset');
CREATE TABLE emp_local AS
  SELECT employee_id FROM p25k ORDER BY employee_id LIMIT 2;
ANALYZE emp_local;

-- before ANALYZE the foreign table looks small (1000 rows, one page): one
-- scan of it and a hash join cost less than a request per local row
EXPLAIN (COSTS OFF)
SELECT count(*) FROM emp_local l JOIN p25k p USING (employee_id);

-- never analyzed: reltuples is -1 and the estimate is the default 1000 rows,
-- or estimated_rows when set
SELECT reltuples FROM pg_class WHERE oid = 'p25k'::regclass;
EXPLAIN SELECT * FROM p25k;
ALTER FOREIGN TABLE p25k OPTIONS (ADD estimated_rows '5000');
EXPLAIN SELECT * FROM p25k;

-- ANALYZE with the defaults: page_size 10000 and analyze_max_pages 10
-- read the whole table (3 pages, 3 requests) and count it exactly
SELECT sim('reset');
SELECT ukg_fdw_stats_reset();
ANALYZE p25k;
SELECT sim_requests() AS analyze_requests;
-- they count in ukg_fdw_stats like a scan's
SELECT requests, pages, rows FROM ukg_fdw_stats WHERE server_name = 'ukg_25k';
SELECT reltuples, abs(reltuples - 25000) <= 2500 AS within_10_percent
  FROM pg_class WHERE oid = 'p25k'::regclass;

-- reltuples wins over estimated_rows once ANALYZE has run
EXPLAIN SELECT * FROM p25k;

-- column statistics from the sample (here the whole table)
SELECT attname, null_frac, n_distinct, most_common_vals IS NOT NULL AS has_mcv
  FROM pg_stats WHERE schemaname = 'public' AND tablename = 'p25k'
 ORDER BY attname;
-- and the planner uses them: 5 companies, 1/5 of the rows each
EXPLAIN SELECT * FROM p25k WHERE company_id = (SELECT min(employee_id) FROM emp_local);
EXPLAIN SELECT * FROM p25k WHERE first_name IS NULL;

-- after ANALYZE the foreign table is known to hold 25,000 rows (3 pages):
-- the plan changes to a nested loop with one filtered request per local row
EXPLAIN (COSTS OFF)
SELECT count(*) FROM emp_local l JOIN p25k p USING (employee_id);
-- and the answer is the same, from 2 requests
SELECT sim('reset');
SELECT count(*) FROM emp_local l JOIN p25k p USING (employee_id);
SELECT sim_requests();
SET enable_nestloop = off;
SELECT count(*) FROM emp_local l JOIN p25k p USING (employee_id);
RESET enable_nestloop;

-- a bounded ANALYZE: 5 pages of 700 rows are sampled (5 requests); the
-- count(*) parser then finds the last page by doubling and bisecting the
-- page number (pages 10, 20, 40, 30, 35, 37, 36: 7 requests) instead of
-- reading all 36 pages; the count is exact (35 * 700 + 500)
ALTER FOREIGN TABLE p25k OPTIONS (ADD page_size '700', ADD analyze_max_pages '5');
SELECT sim('reset');
ANALYZE VERBOSE p25k;
SELECT sim_requests() AS analyze_requests;
SELECT sim('requests-matching per_Page=700 --list') AS requests;
SELECT reltuples FROM pg_class WHERE oid = 'p25k'::regclass;
SELECT count(*) AS rows_in_stats FROM pg_stats WHERE tablename = 'p25k';

-- the server-level option applies when the table has none: pages 1-2 are
-- sampled, then pages 4, 8, 16, 32, 64, 48, 40, 36, 34 and 35 probed
ALTER FOREIGN TABLE p25k OPTIONS (DROP analyze_max_pages);
ALTER SERVER ukg_25k OPTIONS (ADD analyze_max_pages '2');
SELECT sim('reset');
ANALYZE p25k;
SELECT sim_requests() AS analyze_requests;
SELECT reltuples FROM pg_class WHERE oid = 'p25k'::regclass;

-- a resource that ignores paging is read once
CREATE FOREIGN TABLE jobs_a (job_code text) SERVER ukg OPTIONS (resource 'jobs');
SELECT sim('reset');
ANALYZE jobs_a;
SELECT sim_requests() AS analyze_requests;
SELECT reltuples = (SELECT count(*) FROM jobs_a) AS exact
  FROM pg_class WHERE oid = 'jobs_a'::regclass;

-- a resource that needs a query parameter cannot be sampled without it
CREATE FOREIGN TABLE changes_a (employee_id text)
  SERVER ukg OPTIONS (resource 'employee-changes');
ANALYZE changes_a;

-- errors from UKG fail the ANALYZE with the scan's message
SELECT sim($$fault '{"status": 500, "times": -1}'$$);
ALTER SERVER ukg_25k OPTIONS (ADD max_retries '0');
ANALYZE p25k;
SELECT sim('reset');

DROP FOREIGN TABLE jobs_a, changes_a;
DROP TABLE emp_local;
DROP FOREIGN TABLE p25k;
DROP USER MAPPING FOR CURRENT_USER SERVER ukg_25k;
DROP SERVER ukg_25k;
