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
SELECT step, ok, hint FROM ukg_fdw_check('chk',
  ARRAY['person-details', 'compensation-details', 'employment-details', 'company-details']);

-- bad credentials
ALTER USER MAPPING FOR CURRENT_USER SERVER chk OPTIONS (SET password 'wrong-password-99');
SELECT step, ok, detail, hint FROM ukg_fdw_check('chk') WHERE NOT ok;

-- a missing mapping field, and no mapping at all
ALTER USER MAPPING FOR CURRENT_USER SERVER chk OPTIONS (DROP customer_api_key);
SELECT step, ok, detail, hint FROM ukg_fdw_check('chk') WHERE NOT ok;
DROP USER MAPPING FOR CURRENT_USER SERVER chk;
SELECT step, ok, detail FROM ukg_fdw_check('chk') WHERE NOT ok;

-- an unreachable host
CREATE SERVER chk_down FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url 'http://127.0.0.1:9', connect_timeout '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER chk_down
  OPTIONS (username 'u', password 'p', customer_api_key 'k');
SELECT step, ok, hint FROM ukg_fdw_check('chk_down');

-- the login host: CREATE SERVER refuses it; a server that has it anyway
-- (made before the check existed) is reported by ukg_fdw_check
CREATE SERVER chk_login FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://login.ultipro.com');
CREATE SERVER chk_login FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url :'sim_https');
UPDATE pg_foreign_server SET srvoptions = '{base_url=https://login.ultipro.com}' WHERE srvname = 'chk_login';
SELECT step, ok, detail, hint FROM ukg_fdw_check('chk_login');

-- OAuth: the token step
CREATE SERVER chk_oauth FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url :'platform', ca_file :'ca_file', auth_method 'oauth2',
           token_url :'token_url', audience 'api.ukg.net', tenant_id 'org_test1', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER chk_oauth
  OPTIONS (client_id 'client1', client_secret 'secret1');
SELECT step, ok, detail FROM ukg_fdw_check('chk_oauth');
ALTER USER MAPPING FOR CURRENT_USER SERVER chk_oauth OPTIONS (SET client_secret 'wrong-secret-77');
SELECT step, ok, detail, hint FROM ukg_fdw_check('chk_oauth') WHERE NOT ok;

-- no secret in any detail or hint
SELECT count(*) AS rows_with_secrets FROM (
  SELECT * FROM ukg_fdw_check('chk_oauth')
  UNION ALL SELECT * FROM ukg_fdw_check('ukg')
) c WHERE concat(detail, hint) ~ '(secret1|wrong-secret-77|svc_pass|CUST1|limited_pass|wrong-password-99)';

-- the first column is "step", not the reserved word "check"
SELECT step FROM ukg_fdw_check('ukg') WHERE step = 'base_url';

-- resource names: catalog names or relative paths only, refused before any
-- request
SELECT step, ok FROM ukg_fdw_check('ukg', ARRAY['personnel/v1/person-details']) WHERE step LIKE 'resource%';
SELECT * FROM ukg_fdw_check('ukg', ARRAY['https://evil.example.com/x']);
SELECT * FROM ukg_fdw_check('ukg', ARRAY['personnel/v1/../../admin']);
SELECT * FROM ukg_fdw_check('ukg', ARRAY['personnel/v1/person-details?per_Page=100000']);
SELECT * FROM ukg_fdw_check('ukg', ARRAY['personnel/v1/%2e%2e/admin']);
SELECT * FROM ukg_fdw_check('ukg', ARRAY[E'personnel/v1/person-details\r\nX-Evil: 1']);
SELECT * FROM ukg_fdw_check('ukg', ARRAY['no-such-resource']);

-- USAGE on the server is required; a role's mapping may be checked by a
-- superuser or a member of that role, not by others
CREATE ROLE chk_nousage;
CREATE ROLE chk_user;
CREATE ROLE chk_other;
GRANT USAGE ON FOREIGN SERVER chk TO chk_user, chk_other;
CREATE USER MAPPING FOR chk_user SERVER chk
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1');
SET ROLE chk_nousage;
SELECT * FROM ukg_fdw_check('chk');
SET ROLE chk_other;
SELECT * FROM ukg_fdw_check('chk', NULL, 'chk_user');
RESET ROLE;
SELECT step, ok, detail FROM ukg_fdw_check('chk', ARRAY['jobs'], 'chk_user');
SELECT * FROM ukg_fdw_check('chk', NULL, 'no_such_role');
SELECT step, ok, hint FROM ukg_fdw_check('chk', NULL, 'chk_other') WHERE step = 'user mapping';
GRANT chk_user TO chk_other;
SET ROLE chk_other;
SELECT step, ok FROM ukg_fdw_check('chk', ARRAY['jobs'], role => 'chk_user');
RESET ROLE;
DROP USER MAPPING FOR chk_user SERVER chk;
DROP OWNED BY chk_nousage, chk_user, chk_other;
DROP ROLE chk_nousage, chk_user, chk_other;

-- versions
SELECT extension, libcurl ~ '^[0-9]+\.[0-9]+' AS libcurl, json_c ~ '^[0-9]+\.[0-9]+' AS json_c
  FROM ukg_fdw_version();
SELECT ukg_fdw_check(NULL);
SELECT * FROM ukg_fdw_check('no_such_server');
