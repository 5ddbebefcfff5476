-- errors: HTTP statuses, OAuth token endpoint failures and the 403 hint,
-- each with its SQLSTATE, message and hint
\getenv sim_https UKG_SIM_HTTPS
\getenv ca_file UKG_SIM_CA_FILE
\set platform :sim_https '/platform'
\set token_url :sim_https '/oauth/token'
\set VERBOSITY default

-- err(q): run q, return "SQLSTATE: message" plus the hint, or 'no error'
CREATE FUNCTION err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text; msg text; hint text; detail text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                          hint = PG_EXCEPTION_HINT, detail = PG_EXCEPTION_DETAIL;
  RETURN st || ': ' || msg || coalesce(E'\n  DETAIL: ' || nullif(detail, ''), '')
            || coalesce(E'\n  HINT: ' || nullif(hint, ''), '');
END $$;

CREATE FOREIGN TABLE e_people (employee_id text)
  SERVER ukg OPTIONS (resource 'person-details', max_pages '5');

-- 400: the remote message, trimmed
SELECT sim('reset');
SELECT sim($$fault '{"path": "person-details", "status": 400, "body": "{\"title\": \"Bad Request\", \"message\": \"The value   x1 is not valid for\n dateTimeChanged.\"}"}'$$);
SELECT err('SELECT count(*) FROM e_people');
-- 401, 403, 404
SELECT sim($$fault '{"path": "person-details", "status": 401}'$$);
SELECT err('SELECT count(*) FROM e_people');
SELECT sim($$fault '{"path": "person-details", "status": 404}'$$);
SELECT err('SELECT count(*) FROM e_people');
-- 500 and 429 are retried; a single one is invisible
SELECT sim($$fault '{"path": "person-details", "status": 500}'$$);
SELECT count(*) FROM e_people;
SELECT sim('reset');

-- Basic auth with a wrong password
CREATE SERVER ukg_bad FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url :'sim_https', ca_file :'ca_file');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg_bad
  OPTIONS (username 'svc_user', password 'not-the-password', customer_api_key 'CUST1');
CREATE FOREIGN TABLE bad_people (employee_id text) SERVER ukg_bad OPTIONS (resource 'person-details');
SELECT err('SELECT count(*) FROM bad_people');

-- 403: the hint names the web service the account lacks, per resource
ALTER USER MAPPING FOR CURRENT_USER SERVER ukg_bad
  OPTIONS (SET username 'limited_user', SET password 'limited_pass');
CREATE FOREIGN TABLE bad_comp (employee_id text) SERVER ukg_bad OPTIONS (resource 'compensation-details');
CREATE FOREIGN TABLE bad_company (company_id text) SERVER ukg_bad OPTIONS (resource 'company-details');
CREATE FOREIGN TABLE bad_jobs (code text) SERVER ukg_bad OPTIONS (resource 'jobs');
SELECT err('SELECT count(*) FROM bad_comp');
SELECT err('SELECT count(*) FROM bad_company');
SELECT err('SELECT count(*) FROM bad_jobs');
SELECT count(*) FROM bad_people;
SELECT sim($$fault '{"path": "employment-details", "status": 403}'$$);
CREATE FOREIGN TABLE bad_empl (employee_id text) SERVER ukg_bad OPTIONS (resource 'employment-details');
SELECT err('SELECT count(*) FROM bad_empl');
SELECT sim('reset');

-- OAuth: token endpoint failures
CREATE SERVER ukg_oauth FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url :'platform', ca_file :'ca_file', auth_method 'oauth2',
           token_url :'token_url', audience 'api.ukg.net', tenant_id 'org_test1',
           max_retries '1', max_retry_wait '100ms');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg_oauth
  OPTIONS (client_id 'client1', client_secret 'secret1');
CREATE FOREIGN TABLE o_people (employee_id text) SERVER ukg_oauth OPTIONS (resource 'person-details');
SELECT count(*) FROM o_people;
SELECT server, username, expires_at > now() AS live, token_requests, requests FROM ukg_fdw_tokens();
SELECT sim('counters --key token_requests') AS token_requests;
-- a wrong secret: 401
ALTER USER MAPPING FOR CURRENT_USER SERVER ukg_oauth OPTIONS (SET client_secret 'nope');
SELECT err('SELECT count(*) FROM o_people');
ALTER USER MAPPING FOR CURRENT_USER SERVER ukg_oauth OPTIONS (SET client_secret 'secret1');
-- a wrong audience: 400
ALTER SERVER ukg_oauth OPTIONS (SET audience 'api.example.net');
SELECT err('SELECT count(*) FROM o_people');
ALTER SERVER ukg_oauth OPTIONS (SET audience 'api.ukg.net');
-- not JSON, no access_token, a missing expires_in
SELECT sim($$settings '{"token_body": "<html>login</html>"}'$$) IS NOT NULL;
SELECT err('SELECT count(*) FROM o_people');
SELECT sim($$settings '{"token_body": null, "token_omit_access_token": true}'$$) IS NOT NULL;
SELECT err('SELECT count(*) FROM o_people');
SELECT sim($$settings '{"token_omit_access_token": false, "token_omit_expires_in": true}'$$) IS NOT NULL;
SELECT count(*) FROM o_people;
SELECT expires_at BETWEEN now() + interval '59 minutes' AND now() + interval '61 minutes' AS assumed_one_hour
  FROM ukg_fdw_tokens();
SELECT sim('reset');
-- a token endpoint that fails after the retries
SELECT sim($$fault '{"path": "/oauth/token", "status": 503, "times": -1}'$$);
SELECT ukg_fdw_clear_tokens('ukg_oauth');
SELECT err('SELECT count(*) FROM o_people');
SELECT sim('reset');
-- a data request without the tenant: missing tenant_id is caught before
ALTER SERVER ukg_oauth OPTIONS (DROP tenant_id);
SELECT err('SELECT count(*) FROM o_people');
ALTER SERVER ukg_oauth OPTIONS (ADD tenant_id 'org_other');
SELECT err('SELECT count(*) FROM o_people');
ALTER SERVER ukg_oauth OPTIONS (SET tenant_id 'org_test1');
SELECT count(*) FROM o_people;
-- the cache listing and clearing
SELECT count(*) FROM ukg_fdw_tokens();
SELECT ukg_fdw_clear_tokens();
SELECT count(*) FROM ukg_fdw_tokens();
SELECT ukg_fdw_clear_tokens('no_such_server');

-- transport errors: nothing listens on the port
CREATE SERVER ukg_down FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url 'http://127.0.0.1:9', max_retries '0', connect_timeout '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg_down
  OPTIONS (username 'u', password 'p', customer_api_key 'k');
CREATE FOREIGN TABLE down_people (employee_id text) SERVER ukg_down OPTIONS (resource 'person-details');
SELECT regexp_replace(err('SELECT count(*) FROM down_people'), 'DETAIL: [^\n]*', 'DETAIL: (curl error)');
-- TLS verification is always on: the simulator's CA is not trusted without ca_file
CREATE SERVER ukg_noca FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url :'sim_https', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg_noca
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
CREATE FOREIGN TABLE noca_people (employee_id text) SERVER ukg_noca OPTIONS (resource 'person-details');
SELECT regexp_replace(err('SELECT count(*) FROM noca_people'), 'DETAIL: [^\n]*\n', 'DETAIL: (curl error)' || E'\n');
-- a host the superuser's allow-list no longer has
SET ukg_fdw.allowed_hosts = 'service4.ultipro.com';
SELECT err('SELECT count(*) FROM e_people');
RESET ukg_fdw.allowed_hosts;
-- only a superuser may change the allow-list
CREATE ROLE ukg_plain;
SET ROLE ukg_plain;
SET ukg_fdw.allowed_hosts = '*';
RESET ROLE;
DROP ROLE ukg_plain;

-- no secret appears in any of the messages above (the test's own output
-- is checked by the scripted tests too)
