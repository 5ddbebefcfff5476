-- pushdown: WHERE clauses to UKG query parameters, LIMIT to smaller pages,
-- parameterized joins, and EXPLAIN.  Every shape is compared with the same
-- query on a table with pushdown off.
\getenv sim_https UKG_SIM_HTTPS
\getenv ca_file UKG_SIM_CA_FILE
\set url50k :sim_https '/n/50000'
\set VERBOSITY default

CREATE FOREIGN TABLE pd_on (
  employee_id text, company_id text, first_name text, last_name text,
  address_state text, cobra_is_active boolean,
  datetime_changed timestamp, datetime_created timestamp
) SERVER ukg OPTIONS (resource 'person-details', prefetch '1');
CREATE FOREIGN TABLE pd_off (
  employee_id text, company_id text, first_name text, last_name text,
  address_state text, cobra_is_active boolean,
  datetime_changed timestamp, datetime_created timestamp
) SERVER ukg OPTIONS (resource 'person-details', prefetch '1', pushdown 'false');

-- same_rows(q): q run on pd_on and on pd_off ("%s" is the table) returns
-- the same rows; the result is the row count, or -1 if they differ
CREATE FUNCTION same_rows(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  a text[];
  b text[];
BEGIN
  EXECUTE format('SELECT array_agg(t::text ORDER BY t::text) FROM (%s) t', format(q, 'pd_on')) INTO a;
  EXECUTE format('SELECT array_agg(t::text ORDER BY t::text) FROM (%s) t', format(q, 'pd_off')) INTO b;
  IF a IS DISTINCT FROM b THEN
    RETURN -1;
  END IF;
  RETURN coalesce(cardinality(a), 0);
END $$;

-- one employee: one request carrying employeeId
SELECT sim('reset');
SELECT employee_id, first_name, last_name FROM pd_on WHERE employee_id = 'E171YA898';
SELECT sim('requests-matching person-details --list');
SELECT sim('reset');
EXPLAIN (VERBOSE, COSTS OFF) SELECT first_name FROM pd_on WHERE employee_id = 'E171YA898';
-- plain EXPLAIN made no request
SELECT sim_requests() AS requests_after_explain;

-- the value may sit on either side, or come from an immutable expression
EXPLAIN (VERBOSE, COSTS OFF) SELECT 1 FROM pd_on WHERE upper('c0002') = company_id;
-- mutable expressions and non-filterable columns stay local
EXPLAIN (VERBOSE, COSTS OFF) SELECT 1 FROM pd_on WHERE company_id = 'C000' || (random() * 0)::int;
EXPLAIN (VERBOSE, COSTS OFF) SELECT 1 FROM pd_on WHERE first_name = 'Ann';
EXPLAIN (VERBOSE, COSTS OFF) SELECT 1 FROM pd_on WHERE employee_id LIKE 'E1%';

-- IN lists: one request per value where the resource takes no comma list
SELECT sim('reset');
SELECT same_rows($$SELECT employee_id FROM %s WHERE employee_id IN ('E171YA898', 'EPQZ69WZ3', 'nobody')$$);
SELECT sim('requests-matching employeeId= --list');
-- employee-employment-details takes comma lists
CREATE FOREIGN TABLE eed (employee_id text, company_id text, employee_status_code text)
  SERVER ukg OPTIONS (resource 'employee-employment-details', prefetch '1');
SELECT sim('reset');
SELECT company_id, count(*) FROM eed WHERE company_id IN ('C0001', 'C0003') GROUP BY 1 ORDER BY 1;
SELECT sim('requests-matching employee-employment-details --list');
-- an empty IN list and a NULL need no request at all
SELECT sim('reset');
SELECT count(*) FROM pd_on WHERE employee_id = ANY ('{}'::text[]);
SELECT count(*) FROM pd_on WHERE employee_id = NULL::text;
SELECT sim_requests() AS requests;

-- booleans
SELECT sim('reset');
SELECT same_rows('SELECT employee_id FROM %s WHERE cobra_is_active');
SELECT same_rows('SELECT employee_id FROM %s WHERE NOT cobra_is_active');
SELECT same_rows('SELECT employee_id FROM %s WHERE cobra_is_active = false AND company_id = ''C0004''');
SELECT sim('requests-matching cobraIsActive --list');
CREATE FOREIGN TABLE jobs_pd (code text, is_active boolean) SERVER ukg OPTIONS (resource 'jobs');
SELECT sim('reset');
SELECT count(*) FROM jobs_pd WHERE is_active;
SELECT sim('requests-matching configuration/v1/jobs --list');

-- date ranges use UKG's operators, widened by a day, with the same rows as
-- without pushdown whether the API's bounds are inclusive or exclusive
SELECT sim('reset');
SELECT same_rows($$SELECT employee_id FROM %s WHERE datetime_changed >= '2024-06-17 14:07:36.992'$$) > 0 AS ge_same;
SELECT same_rows($$SELECT employee_id FROM %s WHERE datetime_changed > '2024-06-17'$$) > 0 AS gt_same;
SELECT same_rows($$SELECT employee_id FROM %s WHERE datetime_changed < '2018-06-01'$$) > 0 AS lt_same;
SELECT same_rows($$SELECT employee_id FROM %s WHERE datetime_changed BETWEEN '2020-01-01' AND '2020-03-31 23:59:59'$$) > 0 AS between_same;
SELECT same_rows($$SELECT employee_id FROM %s WHERE datetime_changed::date = '2024-06-17' AND datetime_changed = '2024-06-17 14:07:36.992'$$) AS eq_rows;
SELECT sim('requests-matching dateTimeChanged --list');
SELECT sim('settings ''{"date_bounds": "exclusive"}''')::jsonb->>'date_bounds' AS bounds;
SELECT same_rows($$SELECT employee_id FROM %s WHERE datetime_changed >= '2024-06-17 14:07:36.992'$$) > 0 AS ge_same;
SELECT same_rows($$SELECT employee_id FROM %s WHERE datetime_changed BETWEEN '2020-01-01' AND '2020-03-31 23:59:59'$$) > 0 AS between_same;
SELECT same_rows($$SELECT employee_id FROM %s WHERE datetime_changed <= '2018-06-01'$$) > 0 AS le_same;
SELECT sim('reset');
-- contradicting bounds need no request
SELECT count(*) FROM pd_on WHERE datetime_changed > '2021-01-01' AND datetime_changed < '2020-01-01';
SELECT sim_requests() AS requests;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT 1 FROM pd_on WHERE datetime_changed >= '2024-01-01' AND datetime_changed < '2024-02-01';

-- combinations and shapes that stay local still agree
SELECT same_rows($$SELECT employee_id FROM %s WHERE company_id = 'C0002' AND first_name = 'Ann'$$);
SELECT same_rows($$SELECT employee_id FROM %s WHERE company_id = 'C0002' OR employee_id = 'EPQZ69WZ3'$$);
SELECT same_rows($$SELECT employee_id FROM %s WHERE last_name = 'Smith' AND address_state IN ('CO', 'TX', 'CA')$$);
SELECT same_rows($$SELECT employee_id FROM %s WHERE company_id <> 'C0001' AND cobra_is_active IS NOT TRUE$$);
SELECT same_rows($$SELECT count(*) FROM %s WHERE company_id = 'c0002'$$);

-- LIMIT: a 50,000-row table, no other clause: one request of 5 rows
CREATE SERVER ukg50k FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url :'url50k', ca_file :'ca_file');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg50k
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE people50k (employee_id text, first_name text)
  SERVER ukg50k OPTIONS (resource 'person-details');
SELECT sim('reset');
SELECT count(*) FROM (SELECT * FROM people50k LIMIT 5) s;
SELECT sim('requests-matching person-details --list');
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM people50k LIMIT 5 OFFSET 2;
-- a clause that stays local: no smaller pages, and all the rows asked for
SELECT sim('reset');
SELECT count(*), bool_and(first_name = 'Ann') FROM (SELECT * FROM people50k WHERE first_name = 'Ann' LIMIT 5) s;
SELECT sim('requests-matching person-details --list');
-- ORDER BY, aggregates and joins need every row: no smaller pages
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM people50k ORDER BY employee_id LIMIT 5;
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM people50k LIMIT 5;
-- a pushed equality keeps LIMIT pushdown; the scan still pages on demand
SELECT sim('reset');
SELECT count(*) FROM (SELECT * FROM pd_on WHERE company_id = 'C0003' LIMIT 150) s;
SELECT sim('requests-matching person-details --list');

-- employee-changes needs its window: an error at plan time naming the column
CREATE FOREIGN TABLE changes_pd (employee_id text, start_date timestamp, end_date timestamp)
  SERVER ukg OPTIONS (resource 'employee-changes');
SELECT count(*) FROM changes_pd WHERE start_date = '2018-01-01';
EXPLAIN (COSTS OFF) SELECT count(*) FROM changes_pd;
SELECT count(*), min(start_date), max(end_date) FROM changes_pd
 WHERE start_date = '2018-01-01' AND end_date = '2025-01-01 00:00:00';
SELECT sim('requests-matching employee-changes --list');

-- a join with local ids: a parameterized path, one request per outer row,
-- when the table is large enough for the costs to favour it
ALTER FOREIGN TABLE pd_on OPTIONS (ADD estimated_rows '100000');
CREATE TABLE local_ids (id text PRIMARY KEY);
INSERT INTO local_ids VALUES ('E171YA898'), ('EPQZ69WZ3'), ('ECN4QAJJD'), ('nobody');
ANALYZE local_ids;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT l.id, p.first_name FROM local_ids l JOIN pd_on p ON p.employee_id = l.id;
SELECT sim('reset');
SELECT l.id, p.first_name FROM local_ids l JOIN pd_on p ON p.employee_id = l.id ORDER BY 1;
SELECT sim_requests() AS requests;
SELECT l.id, p.first_name FROM local_ids l JOIN pd_off p ON p.employee_id = l.id ORDER BY 1;
ALTER FOREIGN TABLE pd_on OPTIONS (DROP estimated_rows);

-- a prepared statement: custom plans, then the generic plan, right each time
PREPARE one(text) AS SELECT first_name FROM pd_on WHERE employee_id = $1;
SELECT sim('reset');
EXECUTE one('E171YA898');
EXECUTE one('EPQZ69WZ3');
EXECUTE one('ECN4QAJJD');
EXECUTE one('E171YA898');
EXECUTE one('EPQZ69WZ3');
EXECUTE one('ECN4QAJJD');
EXECUTE one('nobody');
SELECT sim('requests-matching employeeId= --list');
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE one('x');
-- PL/pgSQL variables and subplans
DO $$
DECLARE
  n text;
  ids text[] := ARRAY['E171YA898', 'EPQZ69WZ3'];
  i text;
BEGIN
  FOREACH i IN ARRAY ids LOOP
    SELECT first_name INTO n FROM pd_on WHERE employee_id = i;
    RAISE NOTICE '% is %', i, n;
  END LOOP;
END $$;
SELECT first_name FROM pd_on WHERE employee_id = (SELECT min(id) FROM local_ids);

-- EXPLAIN ANALYZE shows what was sent and received
SELECT sim('reset');
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT * FROM pd_on WHERE company_id = 'C0001';

-- the pushdown switch on the server turns it off for every table
ALTER SERVER ukg OPTIONS (ADD pushdown 'false');
EXPLAIN (VERBOSE, COSTS OFF) SELECT 1 FROM pd_on WHERE employee_id = 'E171YA898';
ALTER SERVER ukg OPTIONS (DROP pushdown);
