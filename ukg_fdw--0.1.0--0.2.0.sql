/* ukg_fdw--0.1.0--0.2.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "ALTER EXTENSION ukg_fdw UPDATE TO '0.2.0'" to load this file. \quit

-- CREATE EXTENSION ukg_fdw installs 0.1.0 and then runs this script, so a
-- fresh install and an update end with the same objects.  Each part below
-- belongs to one change of 0.2.0; keep COMMENT ON next to each object.
