/* ukg_fdw--0.1.0--0.2.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "ALTER EXTENSION ukg_fdw UPDATE TO '0.2.0'" to load this file. \quit

-- CREATE EXTENSION ukg_fdw installs 0.1.0 and then runs this script, so a
-- fresh install and an update end with the same objects.  Each part below
-- belongs to one change of 0.2.0; keep COMMENT ON next to each object.

-- ---------------------------------------------------------------------------
-- Shared statistics, live scans and the shared rate limit (#17).
-- These need shared_preload_libraries = 'ukg_fdw'; without it the functions
-- raise SQLSTATE 55000 with a hint.  Who may read them: like the statistics
-- views of PostgreSQL that show other sessions' work, they are not for
-- PUBLIC: superusers and members of pg_read_all_stats read them, and only
-- superusers reset them (an administrator may GRANT more).
-- ---------------------------------------------------------------------------

CREATE FUNCTION ukg_fdw_stats(
    OUT dbid oid,
    OUT serverid oid,
    OUT server_name text,
    OUT umid oid,
    OUT user_name text,
    OUT requests bigint,
    OUT pages bigint,
    OUT rows bigint,
    OUT bytes bigint,
    OUT throttled bigint,
    OUT http_errors bigint,
    OUT retries bigint,
    OUT token_requests bigint,
    OUT http_time_ms double precision,
    OUT rate_limit_wait_ms double precision,
    OUT last_error text,
    OUT last_error_time timestamptz,
    OUT stats_since timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ukg_fdw_stats'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

COMMENT ON FUNCTION ukg_fdw_stats() IS
'statistics of ukg_fdw per database, server and user mapping since the last reset (the ukg_fdw_stats view shows them with names)';

CREATE VIEW ukg_fdw_stats AS
  SELECT d.datname AS database, s.*
    FROM ukg_fdw_stats() s
    LEFT JOIN pg_catalog.pg_database d ON d.oid = s.dbid;

COMMENT ON VIEW ukg_fdw_stats IS
'one row per ukg_fdw server and user mapping: requests, pages, rows, bytes, 429 answers, failed requests, retries, token requests, time spent on UKG and the last error, since the last ukg_fdw_stats_reset()';

CREATE FUNCTION ukg_fdw_stats_reset()
RETURNS void
AS 'MODULE_PATHNAME', 'ukg_fdw_stats_reset'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

COMMENT ON FUNCTION ukg_fdw_stats_reset() IS
'forgets the statistics of ukg_fdw_stats for every database, server and user mapping';

CREATE FUNCTION ukg_fdw_activity(
    OUT pid integer,
    OUT dbid oid,
    OUT serverid oid,
    OUT server_name text,
    OUT relid oid,
    OUT foreign_table text,
    OUT userid oid,
    OUT started timestamptz,
    OUT requests bigint,
    OUT pages bigint,
    OUT rows bigint,
    OUT bytes bigint,
    OUT retries bigint,
    OUT wait text,
    OUT wait_started timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ukg_fdw_activity'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

COMMENT ON FUNCTION ukg_fdw_activity() IS
'the ukg_fdw foreign scans running now in any session (the ukg_fdw_activity view shows them with names)';

CREATE VIEW ukg_fdw_activity AS
  SELECT a.pid, d.datname AS database, a.server_name, a.foreign_table,
         pg_catalog.pg_get_userbyid(a.userid) AS usename,
         a.started, a.requests, a.pages, a.rows, a.bytes, a.retries,
         a.wait, a.wait_started, a.dbid, a.serverid, a.relid, a.userid
    FROM ukg_fdw_activity() a
    LEFT JOIN pg_catalog.pg_database d ON d.oid = a.dbid;

COMMENT ON VIEW ukg_fdw_activity IS
'one row per ukg_fdw foreign scan running now in any session: pid, server, foreign table, progress, and what it waits for (request, backoff or rate limit)';

REVOKE ALL ON FUNCTION ukg_fdw_stats() FROM PUBLIC;
REVOKE ALL ON FUNCTION ukg_fdw_stats_reset() FROM PUBLIC;
REVOKE ALL ON FUNCTION ukg_fdw_activity() FROM PUBLIC;
REVOKE ALL ON ukg_fdw_stats FROM PUBLIC;
REVOKE ALL ON ukg_fdw_activity FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ukg_fdw_stats() TO pg_read_all_stats;
GRANT EXECUTE ON FUNCTION ukg_fdw_activity() TO pg_read_all_stats;
GRANT SELECT ON ukg_fdw_stats TO pg_read_all_stats;
GRANT SELECT ON ukg_fdw_activity TO pg_read_all_stats;

-- ---------------------------------------------------------------------------
-- Security (#14): ukg_fdw_check requires USAGE on the server, takes an
-- optional role (superusers and members of that role may check its
-- mapping), and names its first output column "step" ("check" is a
-- reserved word).  A changed signature: drop the 0.1.0 function.
-- ---------------------------------------------------------------------------
DROP FUNCTION ukg_fdw_check(name, text[]);

CREATE FUNCTION ukg_fdw_check(server name, resources text[] DEFAULT NULL,
    role name DEFAULT NULL,
    OUT step text, OUT ok boolean, OUT detail text, OUT hint text)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION ukg_fdw_check(name, text[], name)
IS 'checks a ukg_fdw server and a user mapping (the current user''s, or the given role''s), step by step, as the UKG onboarding checklist does; needs USAGE on the server';

-- ---------------------------------------------------------------------------
-- The catalog's descriptions (#18).  ukg_fdw_resources() gains a
-- "description" column (the spec's summary of each resource); its result
-- type changes, so the function is dropped and created again.
-- ukg_fdw_comment() puts the descriptions on imported tables.
-- ---------------------------------------------------------------------------

DROP FUNCTION ukg_fdw_resources();

CREATE FUNCTION ukg_fdw_resources(
    OUT schema text, OUT name text, OUT table_name text, OUT path text,
    OUT paging text, OUT permission text, OUT columns integer,
    OUT filters text, OUT description text)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT IMMUTABLE;

COMMENT ON FUNCTION ukg_fdw_resources()
IS 'the UKG Pro resource catalog compiled into ukg_fdw, with pushable filters, required permissions and descriptions';

CREATE FUNCTION ukg_fdw_comment(schema name)
RETURNS bigint
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

COMMENT ON FUNCTION ukg_fdw_comment(name)
IS 'puts the catalog''s descriptions on the ukg_fdw foreign tables of a schema (COMMENT ON FOREIGN TABLE and COMMENT ON COLUMN); returns how many comments it set';
