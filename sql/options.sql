-- options: validation of every option level, with the error of each case
\set VERBOSITY default
SET ukg_fdw.allowed_hosts = '.ultipro.com, .ukg.net, 127.0.0.1, localhost';

-- servers
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'http://service4.ultipro.com');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://login.ultipro.com');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'not a url');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://user:pw@service4.ultipro.com');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://internal.example.com');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', auth_method 'password');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', auth_method 'hrsd');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', auth_method 'kerberos');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', password 'x');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', client_secret 'x');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', bogus '1');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', page_size '0');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', page_size '10001');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', page_size 'many');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', timeout '-1');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', timeout '5 parsecs');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', connect_timeout '0');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', max_retries '21');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', pushdown 'maybe');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', fdw_startup_cost '-5');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', prefetch '17');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', page_size '5', page_size '6');
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com',
  auth_method 'oauth2', token_url 'http://welcome-us.ukg.net/oauth/token');
-- valid: units, a path prefix, both auth methods
CREATE SERVER o1 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com/prefix/',
  timeout '90', connect_timeout '2500ms', max_response_size '64MB', page_size '500', prefetch '4',
  max_retries '0', max_pages '10', pushdown 'off', fdw_startup_cost '100', fdw_tuple_cost '0.01');
CREATE SERVER o2 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com',
  auth_method 'oauth2', token_url 'https://welcome-us.ukg.net/oauth/token', audience 'api.ukg.net',
  tenant_id 'org_1', organization 'org_1');
ALTER SERVER o1 OPTIONS (SET base_url 'https://login.ultipro.com');
-- ca_file reads a local file: superuser only
CREATE ROLE ukg_nonsuper;
GRANT USAGE ON FOREIGN DATA WRAPPER ukg_fdw TO ukg_nonsuper;
SET ROLE ukg_nonsuper;
CREATE SERVER o3 FOREIGN DATA WRAPPER ukg_fdw OPTIONS (base_url 'https://service4.ultipro.com', ca_file '/etc/passwd');
RESET ROLE;

-- user mappings
CREATE USER MAPPING FOR CURRENT_USER SERVER o1 OPTIONS (username 'u', base_url 'https://x.ultipro.com');
CREATE USER MAPPING FOR CURRENT_USER SERVER o1 OPTIONS (username '');
CREATE USER MAPPING FOR CURRENT_USER SERVER o1 OPTIONS (username 'u', password 'p');

-- foreign tables and columns
CREATE FOREIGN TABLE t1 (a text) SERVER o1 OPTIONS (resource 'no-such-thing');
CREATE FOREIGN TABLE t1 (a text) SERVER o1 OPTIONS (resource 'https://evil.example.com/x');
CREATE FOREIGN TABLE t1 (a text) SERVER o1 OPTIONS (resource 'personnel/v1/person-details?x=1');
CREATE FOREIGN TABLE t1 (a text) SERVER o1 OPTIONS (resource 'person-details', password 'x');
CREATE FOREIGN TABLE t1 (a text) SERVER o1 OPTIONS (resource 'person-details', base_url 'https://x.ultipro.com');
CREATE FOREIGN TABLE t1 (a text) SERVER o1 OPTIONS (resource 'person-details', paging 'cursor');
CREATE FOREIGN TABLE t1 (a text) SERVER o1 OPTIONS (resource 'person-details', params 'page=2');
CREATE FOREIGN TABLE t1 (a text OPTIONS (jsonkey 'x')) SERVER o1 OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE t1 (a text OPTIONS (json_key 'employeeId')) SERVER o1
  OPTIONS (resource 'person-details', page_size '100', prefetch '2', max_pages '5',
           pushdown 'true', estimated_rows '5000', params 'companyId=C0001');
CREATE FOREIGN TABLE t2 (a text) SERVER o1 OPTIONS (resource 'personnel/v1/not-in-catalog', paging 'none');
-- a table without resource fails at first use, naming the option
CREATE FOREIGN TABLE t3 (a text) SERVER o1;
SELECT * FROM t3;
-- missing mapping fields are reported at first use, never with values
DROP USER MAPPING FOR CURRENT_USER SERVER o1;
CREATE USER MAPPING FOR CURRENT_USER SERVER o1 OPTIONS (username 'u', password 'secret-do-not-show');
SELECT * FROM t1;
CREATE USER MAPPING FOR CURRENT_USER SERVER o2 OPTIONS (client_id 'c');
CREATE FOREIGN TABLE t4 (a text) SERVER o2 OPTIONS (resource 'person-details');
SELECT * FROM t4;
-- no mapping at all
DROP USER MAPPING FOR CURRENT_USER SERVER o2;
SELECT * FROM t4;
-- writes are refused
INSERT INTO t1 VALUES ('x');
UPDATE t1 SET a = 'y';
DELETE FROM t1;

DROP SERVER o1, o2 CASCADE;
REVOKE USAGE ON FOREIGN DATA WRAPPER ukg_fdw FROM ukg_nonsuper;
DROP ROLE ukg_nonsuper;
