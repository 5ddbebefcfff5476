-- explain: EXPLAIN VERBOSE separates what is sent to UKG ("UKG Request",
-- and the pushed conditions under "UKG Filters (rechecked locally)") from
-- what is filtered locally only ("Filter"), as postgres_fdw separates
-- "Remote SQL" from "Filter".  The recheck of pushed conditions is real:
-- it removes the rows a widened date range brings in.
\set VERBOSITY default

CREATE FOREIGN TABLE ex_on (
  employee_id text, company_id text, first_name text, last_name text,
  datetime_changed timestamp
) SERVER ukg OPTIONS (resource 'person-details', prefetch '1');
CREATE FOREIGN TABLE ex_off (
  employee_id text, company_id text, first_name text, last_name text,
  datetime_changed timestamp
) SERVER ukg OPTIONS (resource 'person-details', prefetch '1', pushdown 'false');

-- a pushed and a local condition: each on its own line
EXPLAIN (VERBOSE, COSTS OFF)
SELECT employee_id FROM ex_on WHERE company_id = 'C0001' AND first_name LIKE 'A%';
-- nothing pushed: no UKG Filters line, everything under Filter
EXPLAIN (VERBOSE, COSTS OFF)
SELECT employee_id FROM ex_off WHERE company_id = 'C0001' AND first_name LIKE 'A%';
-- only pushed conditions: no Filter line
EXPLAIN (VERBOSE, COSTS OFF)
SELECT employee_id FROM ex_on WHERE company_id = 'C0001';
-- the same rows either way
SELECT (SELECT array_agg(employee_id ORDER BY employee_id) FROM ex_on
         WHERE company_id = 'C0001' AND first_name LIKE 'A%')
     = (SELECT array_agg(employee_id ORDER BY employee_id) FROM ex_off
         WHERE company_id = 'C0001' AND first_name LIKE 'A%') AS same_rows;

-- a date range is sent widened by a day on each side; the recheck removes
-- the extra rows, and EXPLAIN ANALYZE counts them
SELECT sim('reset');
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT employee_id FROM ex_on
 WHERE datetime_changed >= '2024-03-01' AND datetime_changed < '2024-03-08'
   AND last_name <> 'nobody';
SELECT sim_requests() AS requests;
SELECT count(*) FROM ex_on
 WHERE datetime_changed >= '2024-03-01' AND datetime_changed < '2024-03-08';
SELECT count(*) FROM ex_off
 WHERE datetime_changed >= '2024-03-01' AND datetime_changed < '2024-03-08';

-- structured formats carry the same properties
EXPLAIN (VERBOSE, COSTS OFF, FORMAT JSON)
SELECT employee_id FROM ex_on WHERE employee_id = 'E171YA898' AND first_name <> 'x';

DROP FOREIGN TABLE ex_on, ex_off;
