/* ukg_fdw--0.1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION ukg_fdw" to load this file. \quit

CREATE FUNCTION ukg_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

COMMENT ON FUNCTION ukg_fdw_handler()
IS 'returns the callbacks of the ukg_fdw foreign-data wrapper';

CREATE FUNCTION ukg_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

COMMENT ON FUNCTION ukg_fdw_validator(text[], oid)
IS 'validates the options of ukg_fdw servers, user mappings, foreign tables and columns';

CREATE FOREIGN DATA WRAPPER ukg_fdw
  HANDLER ukg_fdw_handler
  VALIDATOR ukg_fdw_validator;

COMMENT ON FOREIGN DATA WRAPPER ukg_fdw
IS 'foreign-data wrapper for the UKG Pro REST APIs';

CREATE FUNCTION ukg_fdw_version(
    OUT extension text, OUT libcurl text, OUT json_c text)
RETURNS record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

COMMENT ON FUNCTION ukg_fdw_version()
IS 'versions of ukg_fdw and of the libcurl and json-c it runs with';

CREATE FUNCTION ukg_fdw_tokens(
    OUT server name, OUT username name, OUT expires_at timestamptz,
    OUT token_requests bigint, OUT requests bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

COMMENT ON FUNCTION ukg_fdw_tokens()
IS 'OAuth tokens cached by this session (never the tokens themselves)';

CREATE FUNCTION ukg_fdw_clear_tokens(server name DEFAULT NULL)
RETURNS integer
AS 'MODULE_PATHNAME'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION ukg_fdw_clear_tokens(name)
IS 'forgets the OAuth tokens cached by this session, for one server or all; returns how many';

CREATE FUNCTION ukg_fdw_check(server name, resources text[] DEFAULT NULL,
    OUT "check" text, OUT ok boolean, OUT detail text, OUT hint text)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION ukg_fdw_check(name, text[])
IS 'checks a ukg_fdw server and the current user''s mapping, step by step, as the UKG onboarding checklist does';

CREATE FUNCTION ukg_fdw_resources(
    OUT schema text, OUT name text, OUT table_name text, OUT path text,
    OUT paging text, OUT permission text, OUT columns integer,
    OUT filters text)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT IMMUTABLE;

COMMENT ON FUNCTION ukg_fdw_resources()
IS 'the UKG Pro resource catalog compiled into ukg_fdw, with pushable filters and required permissions';

