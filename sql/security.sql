-- security (#14): control characters in options, the user_agent_suffix
-- check hook, paging names in params, and the ca_file rule for server owners
\getenv sim_https UKG_SIM_HTTPS
\getenv ca_file UKG_SIM_CA_FILE
\set VERBOSITY default

-- a control character in any option is refused; the error names the
-- option, never the value (which holds a secret on a user mapping).  (The
-- failing statements use dummy secrets: PostgreSQL logs a failing
-- statement's text, and the suite checks the log for real ones.)
CREATE SERVER sec1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url :'sim_https', ca_file :'ca_file');
CREATE USER MAPPING FOR CURRENT_USER SERVER sec1
  OPTIONS (username 'u', password 'p', customer_api_key E'K\r\nX-Smuggled: 1');
CREATE USER MAPPING FOR CURRENT_USER SERVER sec1
  OPTIONS (username 'u', password 'p', customer_api_key 'K', user_api_key E'UK\n');
CREATE USER MAPPING FOR CURRENT_USER SERVER sec1
  OPTIONS (username E'u\tv', password 'p', customer_api_key 'K');
CREATE USER MAPPING FOR CURRENT_USER SERVER sec1
  OPTIONS (username 'u', password E'p\x7fq', customer_api_key 'K');
CREATE USER MAPPING FOR CURRENT_USER SERVER sec1
  OPTIONS (client_id 'c', client_secret E's\r\n');
CREATE USER MAPPING FOR CURRENT_USER SERVER sec1
  OPTIONS (username 'u', password 'p', customer_api_key 'K');
ALTER USER MAPPING FOR CURRENT_USER SERVER sec1 OPTIONS (ADD user_api_key E'K\r\nGET / HTTP/1.1');
ALTER SERVER sec1 OPTIONS (ADD tenant_id E'org_test1\r\nX-Smuggled: 1');
ALTER SERVER sec1 OPTIONS (ADD audience E'api.ukg.net\x01');
ALTER SERVER sec1 OPTIONS (ADD organization E'org\n');
ALTER SERVER sec1 OPTIONS (SET base_url E'https://127.0.0.1/\r\nX: 1');
CREATE FOREIGN TABLE sec_t (a text) SERVER sec1 OPTIONS (resource E'personnel/v1/person-details\r\n');
CREATE FOREIGN TABLE sec_t (a text) SERVER sec1 OPTIONS (resource 'person-details', params E'x=1\r\n');
CREATE FOREIGN TABLE sec_t (a text OPTIONS (json_key E'a\nb')) SERVER sec1 OPTIONS (resource 'person-details');
SELECT count(*) AS mappings FROM pg_user_mappings WHERE srvname = 'sec1';

-- ukg_fdw.user_agent_suffix: printable ASCII only, checked at SET
SET ukg_fdw.user_agent_suffix = E'x\r\n\r\nGET /personnel/v1/compensation-details HTTP/1.1\r\nHost: x';
SET ukg_fdw.user_agent_suffix = E'job\x01';
SET ukg_fdw.user_agent_suffix = E'caf\u00e9';
SET ukg_fdw.user_agent_suffix = 'nightly-load (etl 42)';
SHOW ukg_fdw.user_agent_suffix;
SELECT set_config('ukg_fdw.user_agent_suffix', repeat('x', 257), false);
RESET ukg_fdw.user_agent_suffix;

-- page and per_page in params, in any case and percent-encoded
CREATE FOREIGN TABLE sec_t (a text) SERVER sec1 OPTIONS (resource 'person-details', params 'PER_PAGE=5');
CREATE FOREIGN TABLE sec_t (a text) SERVER sec1 OPTIONS (resource 'person-details', params 'companyId=C1&Page=2');
CREATE FOREIGN TABLE sec_t (a text) SERVER sec1 OPTIONS (resource 'person-details', params 'per%5Fpage=5');
CREATE FOREIGN TABLE sec_t (a text) SERVER sec1 OPTIONS (resource 'person-details', params 'per_Page');
CREATE FOREIGN TABLE sec_t (a text) SERVER sec1 OPTIONS (resource 'person-details', params 'homepage=x&pageant=1');
DROP FOREIGN TABLE sec_t;

-- resource: percent escapes and backslashes are refused too
CREATE FOREIGN TABLE sec_t (a text) SERVER sec1 OPTIONS (resource 'personnel/v1/%2e%2e/x');
CREATE FOREIGN TABLE sec_t (a text) SERVER sec1 OPTIONS (resource 'personnel\v1\x');

-- ca_file: a non-superuser owner may ALTER other options of a server whose
-- ca_file a superuser set, and may keep that ca_file, but not name another
CREATE ROLE sec_owner;
GRANT USAGE ON FOREIGN DATA WRAPPER ukg_fdw TO sec_owner;
ALTER SERVER sec1 OWNER TO sec_owner;
SET ROLE sec_owner;
ALTER SERVER sec1 OPTIONS (ADD timeout '30');
ALTER SERVER sec1 OPTIONS (SET timeout '45', ADD prefetch '2');
ALTER SERVER sec1 OPTIONS (SET ca_file :'ca_file');
ALTER SERVER sec1 OPTIONS (SET ca_file '/etc/passwd');
CREATE SERVER sec2 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url :'sim_https', ca_file '/etc/passwd');
ALTER SERVER sec1 OPTIONS (DROP ca_file);
ALTER SERVER sec1 OPTIONS (ADD ca_file :'ca_file');
RESET ROLE;
SELECT array_agg(k ORDER BY k) AS options
  FROM (SELECT split_part(o, '=', 1) AS k
          FROM pg_foreign_server, unnest(srvoptions) o WHERE srvname = 'sec1') s;
DROP SERVER sec1 CASCADE;
DROP OWNED BY sec_owner;
DROP ROLE sec_owner;
