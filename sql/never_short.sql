-- never_short (#12): a scan never ends early on a server that caps pages
-- silently, a 404 is an error unless it is UKG's "no records" answer, code
-- tables live under configuration/v1/code-tables, max_pages is exact
\getenv sim_https UKG_SIM_HTTPS
\getenv ca_file UKG_SIM_CA_FILE
\set VERBOSITY default

-- sqlstate, message and hint of an error, with the simulator's address
-- replaced (it changes from run to run)
CREATE FUNCTION ns_err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text; msg text; hint text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
  RETURN replace(st || ': ' || msg || coalesce(E'\n  HINT: ' || nullif(hint, ''), ''),
                 current_setting('ns.sim'), '<sim>');
END $$;
SELECT set_config('ns.sim', :'sim_https', false) IS NOT NULL AS ok;

-- simulator row count of a resource (1,000 employees)
CREATE FUNCTION sim_count(path text, fields text, q text DEFAULT NULL) RETURNS int
  LANGUAGE sql AS $$
  SELECT (sim('digest ' || path || ' 1000 ' || fields || ' ' || split_part(fields, ',', 1)
              || coalesce(' ' || quote_literal(q), ''))::jsonb->>'count')::int $$;

-- a plain IMPORT FOREIGN SCHEMA, default options everywhere
CREATE SCHEMA ns;
IMPORT FOREIGN SCHEMA personnel LIMIT TO (employee_changes, pto_plans, person_details)
  FROM SERVER ukg INTO ns;
IMPORT FOREIGN SCHEMA configuration LIMIT TO (career_provider, marital_status)
  FROM SERVER ukg INTO ns;

-- employee-changes and pto-plans: the simulator caps them at 200 rows a
-- page, as the spec says; the catalog knows, so the scan asks for 200
SELECT sim('reset');
SELECT sim('settings')::jsonb->'page_caps' AS page_caps;
SELECT count(*) AS pto_rows, sim_count('/personnel/v1/pto-plans', 'employeeId,ptoPlan') AS sim_rows
  FROM ns.pto_plans;
SELECT sim('counters --key page_size_params') AS page_size_params;
SELECT count(*) AS change_rows,
       sim_count('/personnel/v1/employee-changes', 'employeeId',
                 'startDate=2000-01-01T00:00:00&endDate=2030-01-01T00:00:00') AS sim_rows
  FROM ns.employee_changes
 WHERE start_date = '2000-01-01' AND end_date = '2030-01-01';

-- an undocumented cap set at run time: 300 rows a page on person-details.
-- Page 1 is short of the 10,000 asked for but not empty, so page 2 is
-- requested; it has rows, so 300 is the observed cap, and the 100-row page
-- 4 ends the scan.
SELECT sim('reset');
SELECT sim($$settings '{"page_caps": {"person-details": 300}}'$$)::jsonb->'page_caps' AS page_caps;
SELECT count(*) AS person_rows, count(DISTINCT employee_id) AS distinct_ids,
       sim_count('/personnel/v1/person-details', 'employeeId') AS sim_rows
  FROM ns.person_details;
SELECT sim_requests() AS requests;
-- EXPLAIN ANALYZE shows the observed cap
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT count(*) FROM ns.person_details;
-- and a DEBUG line says it
SET client_min_messages = debug1;
SELECT count(*) FROM ns.person_details;
RESET client_min_messages;
-- with page_size at the cap, no page is a surprise
CREATE FOREIGN TABLE ns.people300 (employee_id text)
  SERVER ukg OPTIONS (resource 'person-details', page_size '300', prefetch '1');
SELECT sim('reset');
SELECT sim($$settings '{"page_caps": {"person-details": 300}}'$$) IS NOT NULL AS ok;
SELECT count(*) FROM ns.people300;
SELECT sim_requests() AS requests;

-- ANALYZE under the same silent cap counts every row, not page 1's 300
SELECT sim('reset');
SELECT sim($$settings '{"page_caps": {"person-details": 300}}'$$) IS NOT NULL AS ok;
ANALYZE ns.person_details;
SELECT reltuples, reltuples = sim_count('/personnel/v1/person-details', 'employeeId') AS exact
  FROM pg_class WHERE oid = 'ns.person_details'::regclass;

-- the cost for a result that fits in one page: one extra request at most
SELECT sim('reset');
SELECT sim('record /personnel/v1/person-details 1000 7')::jsonb->>'employeeId' AS eeid \gset
SELECT count(*) FROM ns.person_details WHERE employee_id = :'eeid';
SELECT sim_requests() AS requests;
SELECT count(*) FROM ns.person_details WHERE last_name = 'Smith';
SELECT sim_requests() AS requests_after_two;
-- a resource that ignores paging: page 2 repeats page 1 and ends the scan
CREATE FOREIGN TABLE ns.jobs_paged (code text)
  SERVER ukg OPTIONS (resource 'configuration/v1/jobs', paging 'per_Page', prefetch '1');
SELECT sim('reset');
SELECT count(*), count(DISTINCT code) FROM ns.jobs_paged;
SELECT sim_requests() AS requests;

-- max_pages: exactly max_pages pages is fine, one more is an error
CREATE FOREIGN TABLE ns.people_p10 (employee_id text)
  SERVER ukg OPTIONS (resource 'person-details', page_size '100', max_pages '10');
CREATE FOREIGN TABLE ns.people_p9 (employee_id text)
  SERVER ukg OPTIONS (resource 'person-details', page_size '100', max_pages '9');
SELECT sim('reset');
SELECT count(*) FROM ns.people_p10;
SELECT ns_err('SELECT count(*) FROM ns.people_p9');

-- 404: UKG's "no records" answer is zero rows, on page 1 and past the end,
-- with or without a pushed filter
SELECT sim('reset');
SELECT sim($$settings '{"empty_as_404": true}'$$)::jsonb->'empty_as_404' AS empty_as_404;
SELECT count(*) FROM ns.person_details WHERE employee_id = 'nobody';
SELECT count(*) FROM ns.people_p10;
SELECT sim('reset');

-- any other 404 is an error: a routing 404 on page 1 ...
CREATE FOREIGN TABLE ns.nowhere (code text)
  SERVER ukg OPTIONS (resource 'configuration/v1/no-such-route');
SELECT ns_err('SELECT count(*) FROM ns.nowhere');
-- ... in ASP.NET's shape, as HTML, or with an empty body
SELECT sim($$settings '{"routing_404": "aspnet"}'$$)::jsonb->'routing_404' AS routing_404;
SELECT ns_err('SELECT count(*) FROM ns.nowhere');
SELECT sim($$settings '{"routing_404": "html"}'$$)::jsonb->'routing_404' AS routing_404;
SELECT ns_err('SELECT count(*) FROM ns.nowhere');
SELECT sim($$settings '{"routing_404": "empty"}'$$)::jsonb->'routing_404' AS routing_404;
SELECT ns_err('SELECT count(*) FROM ns.nowhere');
-- ... and on page 3, with and without a pushed filter
SELECT sim('reset');
SELECT sim($$fault '{"path": "person-details", "skip": 2, "status": 404, "body": "{\"Message\":\"No HTTP resource was found that matches the request URI.\"}"}'$$)::jsonb->'added' AS added;
SELECT ns_err('SELECT count(*) FROM ns.people_p10');
CREATE FOREIGN TABLE ns.people_f (employee_id text, company_id text)
  SERVER ukg OPTIONS (resource 'person-details', page_size '10');
-- (page 1 with a pushed filter)
SELECT sim('reset');
SELECT sim($$fault '{"path": "person-details", "status": 404, "body": "{\"Message\":\"No HTTP resource was found that matches the request URI.\"}"}'$$)::jsonb->'added' AS added;
SELECT ns_err($$SELECT count(*) FROM ns.people_f WHERE company_id = 'C0001'$$);
SELECT sim('reset');
SELECT count(*) > 20 AS three_pages FROM ns.people_f WHERE company_id = 'C0001';
SELECT sim($$fault '{"path": "person-details", "skip": 2, "status": 404, "body": "{\"Message\":\"No HTTP resource was found that matches the request URI.\"}"}'$$)::jsonb->'added' AS added;
SELECT ns_err($$SELECT count(*) FROM ns.people_f WHERE company_id = 'C0001'$$);
SELECT sim('reset');

-- base_url ending in /services (UKG's SOAP prefix): the routing 404 says
-- to try the host root
\set url_services :sim_https '/services'
CREATE SERVER ukg_services FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url :'url_services', ca_file :'ca_file');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg_services
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE ns.people_services (employee_id text)
  SERVER ukg_services OPTIONS (resource 'person-details');
SELECT ns_err('SELECT count(*) FROM ns.people_services');

-- code tables: at configuration/v1/code-tables/<name>
SELECT sim('reset');
SELECT count(*) AS career_rows FROM ns.career_provider;
SELECT count(*) AS marital_rows FROM ns.marital_status;
SELECT code, description FROM ns.marital_status ORDER BY code LIMIT 2;
SELECT sim('requests-matching configuration/v1/code-tables/careerProvider') AS career_requests,
       sim('requests-matching configuration/v1/code-tables/maritalStatus') AS marital_requests;
-- the path form, with a trailing slash, finds the catalog entry
CREATE FOREIGN TABLE ns.career_by_path (code text, description text)
  SERVER ukg OPTIONS (resource 'configuration/v1/code-tables/careerProvider/');
SELECT count(*) FROM ns.career_by_path;
-- every code table of the catalog is requested under code-tables
SELECT name, path, paging FROM ukg_fdw_resources()
 WHERE path LIKE 'configuration/v1/code-tables%' ORDER BY path;

-- IN and = ANY: each distinct value once, never a row twice; the same
-- answer as pushdown 'false'
CREATE FOREIGN TABLE ns.pd_on (employee_id text, last_name text, company_id text)
  SERVER ukg OPTIONS (resource 'person-details', prefetch '1');
CREATE FOREIGN TABLE ns.pd_off (employee_id text, last_name text, company_id text)
  SERVER ukg OPTIONS (resource 'person-details', pushdown 'false');
SELECT sim('record /personnel/v1/person-details 1000 7')::jsonb->>'employeeId' AS e7 \gset
SELECT sim('record /personnel/v1/person-details 1000 8')::jsonb->>'employeeId' AS e8 \gset
SELECT sim('reset');
SELECT count(*) AS pushed FROM ns.pd_on WHERE employee_id IN (:'e7', :'e7', :'e8', :'e7');
-- person-details takes no comma list: one request set per distinct value
SELECT sim('requests-matching person-details --list');
SELECT count(*) AS local FROM ns.pd_off WHERE employee_id IN (:'e7', :'e7', :'e8', :'e7');
SELECT count(*) AS pushed FROM ns.pd_on WHERE employee_id = ANY (ARRAY[:'e8', :'e8', :'e7']);
SELECT count(*) AS local FROM ns.pd_off WHERE employee_id = ANY (ARRAY[:'e8', :'e8', :'e7']);
PREPARE ns_any(text[]) AS SELECT count(*) FROM ns.pd_on WHERE employee_id = ANY ($1);
EXECUTE ns_any(ARRAY[:'e7', :'e7']);
DEALLOCATE ns_any;
-- values UKG could match alike (case, blanks) are not fanned out: the
-- requests could overlap; the filter is applied locally
SELECT sim('reset');
SELECT count(*) AS pushed FROM ns.pd_on WHERE last_name IN ('Smith', 'smith', 'Smith ');
SELECT sim('requests-matching person-details --list');
SELECT count(*) AS local FROM ns.pd_off WHERE last_name IN ('Smith', 'smith', 'Smith ');
-- a later set shorter than a page seen before needs no extra request: the
-- server has shown it returns more rows a page (fewer homes in NJ than in
-- TX, so only the TX set probes page 2)
CREATE FOREIGN TABLE ns.st_on (employee_id text, address_state text)
  SERVER ukg OPTIONS (resource 'person-details', prefetch '1');
CREATE FOREIGN TABLE ns.st_off (employee_id text, address_state text)
  SERVER ukg OPTIONS (resource 'person-details', pushdown 'false');
SELECT sim('reset');
SELECT address_state, count(*) FROM ns.st_on WHERE address_state IN ('TX', 'NJ')
 GROUP BY 1 ORDER BY 1;
SELECT sim('requests-matching person-details --list');
SELECT address_state, count(*) FROM ns.st_off WHERE address_state IN ('TX', 'NJ')
 GROUP BY 1 ORDER BY 1;
-- a comma list where the spec says the filter takes one: positions'
-- companyId ("Can take in multiple IDs separated by comma"), de-duplicated
CREATE FOREIGN TABLE ns.positions_on (position_code text, company_id text)
  SERVER ukg OPTIONS (resource 'positions');
CREATE FOREIGN TABLE ns.positions_off (position_code text, company_id text)
  SERVER ukg OPTIONS (resource 'positions', pushdown 'false');
SELECT sim('reset');
SELECT count(*) AS pushed FROM ns.positions_on WHERE company_id IN ('C0001', 'C0002', 'C0001');
SELECT sim('requests-matching configuration/v1/positions --list');
SELECT count(*) AS local FROM ns.positions_off WHERE company_id IN ('C0001', 'C0002', 'C0001');

DROP SCHEMA ns CASCADE;
DROP SERVER ukg_services CASCADE;
