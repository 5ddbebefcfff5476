-- setup: the extension, servers, user mappings and helpers used by the
-- other tests.  The simulator's addresses come from the environment.
\getenv sim_https UKG_SIM_HTTPS
\getenv sim_http UKG_SIM_HTTP
\getenv ca_file UKG_SIM_CA_FILE
\set VERBOSITY terse

CREATE EXTENSION ukg_fdw;
SELECT extension FROM ukg_fdw_version();
SELECT count(*) > 0 AS has_comment
  FROM pg_description d JOIN pg_foreign_data_wrapper w ON d.objoid = w.oid
 WHERE w.fdwname = 'ukg_fdw';

-- sim(cmd): run test/simctl.py on the server; returns its one-line output
CREATE FUNCTION sim(cmd text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r text;
BEGIN
  PERFORM set_config('client_min_messages', 'warning', true);
  CREATE TEMP TABLE IF NOT EXISTS sim_out (line text);
  TRUNCATE sim_out;
  EXECUTE format($f$COPY sim_out FROM PROGRAM %L WITH (FORMAT csv, DELIMITER E'\x02', QUOTE E'\x01')$f$,
                 '$UKG_SIMCTL ' || cmd);
  SELECT string_agg(line, E'\n') INTO r FROM sim_out;
  RETURN r;
END $$;

-- data requests the simulator saw since the last reset
CREATE FUNCTION sim_requests() RETURNS int LANGUAGE sql
  AS $$ SELECT sim('counters --key data_requests')::int $$;

-- the HTTPS server with Basic auth
CREATE SERVER ukg FOREIGN DATA WRAPPER ukg_fdw
  OPTIONS (base_url :'sim_https', ca_file :'ca_file', max_retry_wait '1s');
CREATE USER MAPPING FOR CURRENT_USER SERVER ukg
  OPTIONS (username 'svc_user', password 'svc_pass', customer_api_key 'CUST1',
           user_api_key 'USERKEY00001');

SELECT sim('reset');
CREATE FOREIGN TABLE person_details (
  employee_id text,
  company_id text,
  first_name text,
  last_name text
) SERVER ukg OPTIONS (resource 'person-details');

SELECT count(*) FROM person_details;

-- the request carried what UKG documents, and a User-Agent
SELECT sim_requests();
SELECT h->>'Authorization' LIKE 'Basic %' AS basic_auth,
       h->>'Authorization' = 'Basic ' || encode('svc_user:svc_pass', 'base64') AS credentials,
       h->>'US-Customer-Api-Key' = 'CUST1' AS customer_key,
       h->>'US-User-Api-Key' = 'USERKEY00001' AS user_key,
       h->>'Accept' AS accept,
       h->>'User-Agent' AS user_agent
  FROM (SELECT sim('log 1')::jsonb->0->'headers' AS h) l;
SET ukg_fdw.user_agent_suffix = 'nightly-etl';
SELECT count(*) FROM person_details;
SELECT sim('log 1')::jsonb->0->'headers'->>'User-Agent' AS user_agent;
RESET ukg_fdw.user_agent_suffix;
