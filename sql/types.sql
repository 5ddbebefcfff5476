-- types: JSON values to every supported column type, NULLs, missing keys,
-- and a clear error for each value that does not convert.
\set VERBOSITY default
SELECT sim('reset');

-- person-details record 1 as the simulator serves it is the expected value
CREATE TEMP TABLE expected AS
  SELECT sim('record /personnel/v1/person-details 1000 1')::jsonb AS j;

CREATE FOREIGN TABLE person_types (
  employee_id text,
  first_name varchar(40),
  last_name varchar,
  name_initial char(1) OPTIONS (json_key 'gender'),
  health_weight float4,
  address_latitude float8,
  latitude_numeric numeric OPTIONS (json_key 'addressLatitude'),
  is_smoker boolean,
  date_of_birth date,
  birth_timestamp timestamp OPTIONS (json_key 'dateOfBirth'),
  datetime_changed timestamp,
  datetime_created timestamptz,
  address_id uuid,
  person_id uuid,
  middle_name text,
  preferred_name text,
  ssn_is_suppressed bool,
  whole jsonb OPTIONS (json_key '*'),
  whole_text text OPTIONS (json_key '*')
) SERVER ukg OPTIONS (resource 'personnel/v1/person-details');

-- every referenced column matches the record the simulator serves
SELECT t.first_name = e.j->>'firstName' AS first_name,
       t.last_name = e.j->>'lastName' AS last_name,
       t.name_initial = e.j->>'gender' AS name_initial,
       t.health_weight = (e.j->>'healthWeight')::float4 AS health_weight,
       t.address_latitude = (e.j->>'addressLatitude')::float8 AS address_latitude,
       t.latitude_numeric = (e.j->>'addressLatitude')::numeric AS latitude_numeric,
       t.latitude_numeric::text = e.j->>'addressLatitude' AS numeric_text_exact,
       t.is_smoker = (e.j->'isSmoker')::boolean AS is_smoker,
       t.date_of_birth = (e.j->>'dateOfBirth')::date AS date_of_birth,
       t.birth_timestamp = (e.j->>'dateOfBirth')::timestamp AS birth_timestamp,
       t.datetime_changed = (e.j->>'datetimeChanged')::timestamp AS datetime_changed,
       t.datetime_created = (e.j->>'datetimeCreated')::timestamptz AS datetime_created,
       t.address_id = (e.j->>'addressId')::uuid AS address_id,
       t.person_id = (e.j->>'personId')::uuid AS person_id,
       t.whole = e.j AS whole_record,
       t.whole_text::jsonb = e.j AS whole_record_text
  FROM person_types t, expected e
 WHERE t.employee_id = e.j->>'employeeId';

-- JSON null and missing keys give NULL (middleName is null for i % 7 = 0,
-- preferredName is missing for i % 11 = 0)
SELECT count(*) AS rows,
       count(*) FILTER (WHERE middle_name IS NULL) AS null_middle,
       count(*) FILTER (WHERE preferred_name IS NULL AND NOT whole ? 'preferredName') AS missing_preferred,
       count(*) FILTER (WHERE whole ? 'preferredName' AND whole->'preferredName' = 'null'
                          AND preferred_name IS NULL) AS null_preferred,
       count(*) FILTER (WHERE (middle_name IS NULL) <> (whole->'middleName' = 'null')) AS mismatched_nulls
  FROM person_types;

-- integers and JSON objects (compensation-details, locations)
CREATE FOREIGN TABLE comp_types (
  employee_id text,
  number_of_payments int2,
  payments_int int4 OPTIONS (json_key 'numberOfPayments'),
  payments_big int8 OPTIONS (json_key 'numberOfPayments'),
  annual_salary numeric(12,2),
  is_auto_paid boolean
) SERVER ukg OPTIONS (resource 'compensation-details');
SELECT count(*) AS rows,
       count(*) FILTER (WHERE number_of_payments = payments_int AND payments_int = payments_big) AS same_ints,
       sum(annual_salary) > 0 AS salaries
  FROM comp_types;
SELECT c.number_of_payments = (r.j->>'numberOfPayments')::int2 AS payments,
       c.annual_salary = (r.j->>'annualSalary')::numeric AS salary
  FROM comp_types c,
       (SELECT sim('record /personnel/v1/compensation-details 1000 0')::jsonb AS j) r
 WHERE c.employee_id = r.j->>'employeeID';

CREATE FOREIGN TABLE location_types (
  location_code text,
  country jsonb,
  state json,
  is_active boolean
) SERVER ukg OPTIONS (resource 'locations');
SELECT location_code, country->>'code' AS country, state->>'code' AS state, is_active
  FROM location_types ORDER BY location_code LIMIT 3;

-- controlled bodies: arrays, numbers as strings, booleans as strings
CREATE FOREIGN TABLE raw_types (
  employee_id text,
  tags text[],
  codes text[],
  n_text int4,
  f_text float8,
  b_text boolean,
  b_int boolean,
  d_offset timestamptz,
  d_fraction timestamp,
  nested jsonb,
  list jsonb,
  num_as_text text,
  bool_as_text text,
  obj_as_text text
) SERVER ukg OPTIONS (resource 'personnel/v1/person-details', params 'raw=1', page_size '10');
SELECT sim($$fault '{"query": "raw=1", "status": 200, "times": -1, "body": "[{\"employeeId\": \"A1\", \"tags\": [\"x\", \"y\", null], \"codes\": \"{p,q}\", \"nText\": \"12\", \"fText\": \"2.5\", \"bText\": \"true\", \"bInt\": 0, \"dOffset\": \"2020-05-01T10:00:00.123-05:00\", \"dFraction\": \"2020-05-01T10:00:00.5\", \"nested\": {\"a\": [1, {\"b\": null}]}, \"list\": [1, 2], \"numAsText\": 1.50, \"boolAsText\": false, \"objAsText\": {\"k\": 1}}, {\"employeeId\": \"A2\"}]"}'$$);
SELECT employee_id, tags, codes, n_text, f_text, b_text, b_int,
       d_offset AT TIME ZONE 'UTC' AS d_offset_utc, d_fraction, nested, list,
       num_as_text, bool_as_text, obj_as_text
  FROM raw_types ORDER BY employee_id;

-- values that do not fit: each error names the table, the column, the key
-- and the value
CREATE FOREIGN TABLE bad_types (
  employee_id text,
  small int2,
  whole int4,
  flag boolean,
  day date,
  id uuid,
  short varchar(3),
  ratio float4
) SERVER ukg OPTIONS (resource 'personnel/v1/person-details', params 'bad=1', page_size '10');
SELECT sim($$fault '{"query": "bad=1", "status": 200, "body": "[{\"small\": 70000}]"}'$$);
SELECT small FROM bad_types;
SELECT sim($$fault '{"query": "bad=1", "status": 200, "body": "[{\"whole\": 1.5}]"}'$$);
SELECT whole FROM bad_types;
SELECT sim($$fault '{"query": "bad=1", "status": 200, "body": "[{\"whole\": \"twelve\"}]"}'$$);
SELECT whole FROM bad_types;
SELECT sim($$fault '{"query": "bad=1", "status": 200, "body": "[{\"whole\": [1]}]"}'$$);
SELECT whole FROM bad_types;
SELECT sim($$fault '{"query": "bad=1", "status": 200, "body": "[{\"flag\": \"perhaps\"}]"}'$$);
SELECT flag FROM bad_types;
SELECT sim($$fault '{"query": "bad=1", "status": 200, "body": "[{\"flag\": 7}]"}'$$);
SELECT flag FROM bad_types;
SELECT sim($$fault '{"query": "bad=1", "status": 200, "body": "[{\"day\": \"2020-13-45\"}]"}'$$);
SELECT day FROM bad_types;
SELECT sim($$fault '{"query": "bad=1", "status": 200, "body": "[{\"id\": \"not-a-uuid\"}]"}'$$);
SELECT id FROM bad_types;
SELECT sim($$fault '{"query": "bad=1", "status": 200, "body": "[{\"short\": \"toolong\"}]"}'$$);
SELECT short FROM bad_types;
SELECT sim($$fault '{"query": "bad=1", "status": 200, "body": "[{\"ratio\": 1e300}]"}'$$);
SELECT ratio FROM bad_types;
SELECT sim($$fault '{"query": "bad=1", "status": 200, "body": "[{\"employeeId\": \"a\\u0000b\"}]"}'$$);
SELECT employee_id FROM bad_types;
-- columns that are not referenced are not converted: count(*) succeeds
SELECT sim($$fault '{"query": "bad=1", "status": 200, "times": -1, "body": "[{\"small\": 70000, \"day\": \"x\"}]"}'$$);
SELECT count(*) FROM bad_types;
-- a whole-record column must be json, jsonb or text
CREATE FOREIGN TABLE bad_whole (r int OPTIONS (json_key '*'))
  SERVER ukg OPTIONS (resource 'person-details');
SELECT * FROM bad_whole;
