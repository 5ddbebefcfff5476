-- check: ukg_fdw_check walks the onboarding checklist; a failing step is a
-- row with ok = false, never an error, and never shows a secret
\getenv sim_https UKG_SIM_HTTPS
\getenv ca_file UKG_SIM_CA_FILE
\set platform :sim_https '/platform'
\set token_url :sim_https '/oauth/token'
\set VERBOSITY default

-- all passing, for two resources
SELECT * FROM ukg_fdw_check('ukg', ARRAY['person-details', 'jobs']);

-- a 403 on one resource while the others pass
CREATE SERVER chk FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url :'sim_https', ca_file :'ca_file');
CREATE USER MAPPING FOR CURRENT_USER SERVER chk
  OPTIONS (username 'limited_user', password 'limited_pass', customer_api_key 'CUST1');
SELECT "check", ok, hint FROM ukg_fdw_check('chk',
  ARRAY['person-details', 'compensation-details', 'employment-details', 'company-details']);

-- bad credentials
ALTER USER MAPPING FOR CURRENT_USER SERVER chk OPTIONS (SET password 'wrong-password-99');
SELECT "check", ok, detail, hint FROM ukg_fdw_check('chk') WHERE NOT ok;

-- a missing mapping field, and no mapping at all
ALTER USER MAPPING FOR CURRENT_USER SERVER chk OPTIONS (DROP customer_api_key);
SELECT "check", ok, detail, hint FROM ukg_fdw_check('chk') WHERE NOT ok;
DROP USER MAPPING FOR CURRENT_USER SERVER chk;
SELECT "check", ok, detail FROM ukg_fdw_check('chk') WHERE NOT ok;

-- an unreachable host
CREATE SERVER chk_down FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url 'http://127.0.0.1:9', connect_timeout '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER chk_down
  OPTIONS (username 'u', password 'p', customer_api_key 'k');
SELECT "check", ok, hint FROM ukg_fdw_check('chk_down');

-- the login host: CREATE SERVER refuses it; a server that has it anyway
-- (made before the check existed) is reported by ukg_fdw_check
CREATE SERVER chk_login FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://login.ultipro.com');
CREATE SERVER chk_login FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url :'sim_https');
UPDATE pg_foreign_server SET srvoptions = '{base_url=https://login.ultipro.com}' WHERE srvname = 'chk_login';
SELECT "check", ok, detail, hint FROM ukg_fdw_check('chk_login');

-- OAuth: the token step
CREATE SERVER chk_oauth FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url :'platform', ca_file :'ca_file', auth_method 'oauth2',
           token_url :'token_url', audience 'api.ukg.net', tenant_id 'org_test1', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER chk_oauth
  OPTIONS (client_id 'client1', client_secret 'secret1');
SELECT "check", ok, detail FROM ukg_fdw_check('chk_oauth');
ALTER USER MAPPING FOR CURRENT_USER SERVER chk_oauth OPTIONS (SET client_secret 'wrong-secret-77');
SELECT "check", ok, detail, hint FROM ukg_fdw_check('chk_oauth') WHERE NOT ok;

-- no secret in any detail or hint
SELECT count(*) AS rows_with_secrets FROM (
  SELECT * FROM ukg_fdw_check('chk_oauth')
  UNION ALL SELECT * FROM ukg_fdw_check('ukg')
) c WHERE concat(detail, hint) ~ '(secret1|wrong-secret-77|svc_pass|CUST1|limited_pass|wrong-password-99)';

-- versions
SELECT extension, libcurl ~ '^[0-9]+\.[0-9]+' AS libcurl, json_c ~ '^[0-9]+\.[0-9]+' AS json_c
  FROM ukg_fdw_version();
SELECT ukg_fdw_check(NULL);
SELECT * FROM ukg_fdw_check('no_such_server');
