-- soundness: pushdown never changes an answer (issue #13).
--
-- Each shape runs on a table with pushdown and on the same table with
-- pushdown 'false'; sound() prints the row count when the two answers are
-- equal, and both answers when they are not.  pushed() says whether the
-- request EXPLAIN shows carries the filter, so that each shape is known to
-- be tested pushed (or known to stay local).  Parameter columns (echoed,
-- not in the record) are NULL without pushdown, so their shapes compare two
-- spellings of the same value, both pushed, with same().
\set VERBOSITY terse

-- answer(q): q's rows as a sorted array of row texts, or its SQLSTATE
CREATE FUNCTION answer(q text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  r text[];
BEGIN
  EXECUTE format('SELECT coalesce(array_agg(t::text ORDER BY t::text), ''{}'') FROM (%s) t', q) INTO r;
  RETURN r;
EXCEPTION WHEN others THEN
  RETURN ARRAY['error ' || SQLSTATE];
END $$;

-- same(q1, q2): the row count when both queries give the same answer
CREATE FUNCTION same(q1 text, q2 text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  a text[] := answer(q1);
  b text[] := answer(q2);
BEGIN
  IF a IS DISTINCT FROM b THEN
    RETURN format('DIFFERENT: %s vs %s', left(a::text, 200), left(b::text, 200));
  END IF;
  IF cardinality(a) = 1 AND a[1] LIKE 'error %' THEN
    RETURN 'both ' || a[1];
  END IF;
  RETURN cardinality(a)::text;
END $$;

-- sound(q, t): q on table t and on t || '_off' (pushdown 'false')
CREATE FUNCTION sound(q text, t text) RETURNS text LANGUAGE sql
  AS $$ SELECT same(format(q, t), format(q, t || '_off')) $$;

-- pushed(q, param): does the UKG request of q's plan carry param?
CREATE FUNCTION pushed(q text, param text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP
    IF line LIKE '%UKG Request:%' THEN
      RETURN line ~ ('[?&, ]' || param || '[=<> ]');
    END IF;
  END LOOP;
  RETURN NULL;
END $$;

-- in_zones(q, t): sound(q, t) under several time zones and both of UKG's
-- possible date bound semantics
CREATE FUNCTION in_zones(q text, t text)
  RETURNS TABLE (zone text, bounds text, result text) LANGUAGE plpgsql AS $$
DECLARE
  old_zone text := current_setting('TimeZone');
  local_answer text[];
  pushed_answer text[];
BEGIN
  FOREACH zone IN ARRAY ARRAY['UTC', 'America/New_York', 'Pacific/Pago_Pago',
                              'Asia/Tokyo', 'Pacific/Kiritimati'] LOOP
    PERFORM set_config('TimeZone', zone, false);
    local_answer := answer(format(q, t || '_off'));
    FOREACH bounds IN ARRAY ARRAY['inclusive', 'exclusive'] LOOP
      PERFORM sim(format('settings ''{"date_bounds": "%s"}''', bounds));
      pushed_answer := answer(format(q, t));
      result := CASE WHEN pushed_answer IS NOT DISTINCT FROM local_answer
                     THEN cardinality(local_answer)::text
                     ELSE format('DIFFERENT: %s vs %s', left(pushed_answer::text, 200),
                                 left(local_answer::text, 200)) END;
      RETURN NEXT;
    END LOOP;
  END LOOP;
  PERFORM set_config('TimeZone', old_zone, false);
  PERFORM sim('reset');
END $$;

SELECT sim('reset');

-- person-details, with the date column as timestamptz
CREATE FOREIGN TABLE s_pd (employee_id text, last_name text, datetime_changed timestamptz)
  SERVER ukg OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE s_pd_off (employee_id text, last_name text, datetime_changed timestamptz)
  SERVER ukg OPTIONS (resource 'person-details', pushdown 'false');

-- 1. Collations.  A nondeterministic collation stays local, whether the
-- clause or the column has it; a deterministic one is pushed.
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
SELECT sound($$SELECT employee_id FROM %s WHERE last_name = 'garcía' COLLATE ci$$, 's_pd') AS ci_clause,
       pushed($$SELECT 1 FROM s_pd WHERE last_name = 'garcía' COLLATE ci$$, 'lastName') AS pushed;
SELECT sound($$SELECT employee_id FROM %s WHERE last_name IN ('smith' COLLATE ci, 'JONES')$$, 's_pd') AS ci_in_list,
       pushed($$SELECT 1 FROM s_pd WHERE last_name IN ('smith' COLLATE ci, 'JONES')$$, 'lastName') AS pushed;
CREATE FOREIGN TABLE s_pd_ci (employee_id text, last_name text COLLATE ci)
  SERVER ukg OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE s_pd_ci_off (employee_id text, last_name text COLLATE ci)
  SERVER ukg OPTIONS (resource 'person-details', pushdown 'false');
SELECT sound($$SELECT employee_id FROM %s WHERE last_name = 'smith'$$, 's_pd_ci') AS ci_column,
       pushed($$SELECT 1 FROM s_pd_ci WHERE last_name = 'smith'$$, 'lastName') AS pushed;
SELECT sound($$SELECT employee_id FROM %s WHERE last_name = 'Smith' COLLATE "C"$$, 's_pd_ci') AS c_clause,
       pushed($$SELECT 1 FROM s_pd_ci WHERE last_name = 'Smith' COLLATE "C"$$, 'lastName') AS pushed;
SELECT sound($$SELECT employee_id FROM %s WHERE last_name = 'García'$$, 's_pd') AS default_collation,
       pushed($$SELECT 1 FROM s_pd WHERE last_name = 'García'$$, 'lastName') AS pushed;

-- 2. Values of another type are cast to the column's type at plan time:
-- name and varchar on a text column are pushed as text
SELECT sound($$SELECT employee_id FROM %s WHERE last_name = 'García'::name$$, 's_pd') AS name_value,
       pushed($$SELECT 1 FROM s_pd WHERE last_name = 'García'::name$$, 'lastName') AS pushed;
SELECT sound($$SELECT employee_id FROM %s WHERE last_name = ANY (ARRAY['Smith', 'Jones']::name[])$$, 's_pd') AS name_array,
       pushed($$SELECT 1 FROM s_pd WHERE last_name = ANY (ARRAY['Smith', 'Jones']::name[])$$, 'lastName') AS pushed;
SELECT sound($$SELECT employee_id FROM %s WHERE last_name = 'Smith'::varchar$$, 's_pd') AS varchar_value;
CREATE FOREIGN TABLE s_pd_vc (employee_id text, last_name varchar(40))
  SERVER ukg OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE s_pd_vc_off (employee_id text, last_name varchar(40))
  SERVER ukg OPTIONS (resource 'person-details', pushdown 'false');
SELECT sound($$SELECT employee_id FROM %s WHERE last_name = 'Müller'$$, 's_pd_vc') AS varchar_column,
       pushed($$SELECT 1 FROM s_pd_vc WHERE last_name = 'Müller'$$, 'lastName') AS pushed;
-- bpchar ignores trailing blanks, UKG does not: stays local
CREATE FOREIGN TABLE s_pd_bp (employee_id text, last_name char(12))
  SERVER ukg OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE s_pd_bp_off (employee_id text, last_name char(12))
  SERVER ukg OPTIONS (resource 'person-details', pushdown 'false');
SELECT sound($$SELECT employee_id FROM %s WHERE last_name = 'Smith   '$$, 's_pd_bp') AS bpchar_column,
       pushed($$SELECT 1 FROM s_pd_bp WHERE last_name = 'Smith   '$$, 'lastName') AS pushed;

-- a domain stays local (its checks would not run on an echoed value)
CREATE DOMAIN surname AS text CHECK (VALUE <> '');
CREATE FOREIGN TABLE s_pd_dom (employee_id text, last_name surname)
  SERVER ukg OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE s_pd_dom_off (employee_id text, last_name surname)
  SERVER ukg OPTIONS (resource 'person-details', pushdown 'false');
SELECT sound($$SELECT employee_id FROM %s WHERE last_name = 'Smith'$$, 's_pd_dom') AS domain_column,
       pushed($$SELECT 1 FROM s_pd_dom WHERE last_name = 'Smith'$$, 'lastName') AS pushed;

-- 3. Integer columns on string filters stay local: UKG holds "000001"
CREATE FOREIGN TABLE s_eed (employee_id text, employee_number int, is_home_company text)
  SERVER ukg OPTIONS (resource 'employee-employment-details');
CREATE FOREIGN TABLE s_eed_off (employee_id text, employee_number int, is_home_company text)
  SERVER ukg OPTIONS (resource 'employee-employment-details', pushdown 'false');
SELECT sound($$SELECT employee_id, employee_number FROM %s WHERE employee_number = 1$$, 's_eed') AS int_eq,
       pushed($$SELECT 1 FROM s_eed WHERE employee_number = 1$$, 'employeeNumber') AS pushed;
SELECT sound($$SELECT employee_id FROM %s WHERE employee_number IN (2, 3, 4000)$$, 's_eed') AS int_in,
       pushed($$SELECT 1 FROM s_eed WHERE employee_number IN (2, 3, 4000)$$, 'employeeNumber') AS pushed;
SELECT sound($$SELECT employee_id FROM %s WHERE employee_number = 7::bigint$$, 's_eed') AS int8_value;
-- the same filter from a text column is pushed
CREATE FOREIGN TABLE s_eed_t (employee_id text, employee_number text)
  SERVER ukg OPTIONS (resource 'employee-employment-details');
CREATE FOREIGN TABLE s_eed_t_off (employee_id text, employee_number text)
  SERVER ukg OPTIONS (resource 'employee-employment-details', pushdown 'false');
SELECT sound($$SELECT employee_id FROM %s WHERE employee_number = '000001'$$, 's_eed_t') AS text_eq,
       pushed($$SELECT 1 FROM s_eed_t WHERE employee_number = '000001'$$, 'employeeNumber') AS pushed;

-- integer filters (plans only: the simulator does not serve employee-profiles):
-- a wider type, or a constant that fits; never from a text column
CREATE FOREIGN TABLE s_prof (product text, change_window int)
  SERVER ukg OPTIONS (resource 'employee-profiles');
CREATE FOREIGN TABLE s_prof_t (product text, change_window text)
  SERVER ukg OPTIONS (resource 'employee-profiles');
SELECT pushed($$SELECT 1 FROM s_prof WHERE product = 'WFM' AND change_window = 5::smallint$$, 'changeWindow') AS int2_value,
       pushed($$SELECT 1 FROM s_prof WHERE product = 'WFM' AND change_window = 5::bigint$$, 'changeWindow') AS int8_fits,
       pushed($$SELECT 1 FROM s_prof WHERE product = 'WFM' AND change_window = 5000000000$$, 'changeWindow') AS int8_too_big,
       pushed($$SELECT 1 FROM s_prof_t WHERE product = 'WFM' AND change_window = '5'$$, 'changeWindow') AS text_column;
SET plan_cache_mode = force_generic_plan;
PREPARE p_win(bigint) AS SELECT 1 FROM s_prof WHERE product = 'WFM' AND change_window = $1;
SELECT pushed('EXECUTE p_win(5)', 'changeWindow') AS int8_parameter;
DEALLOCATE p_win;
RESET plan_cache_mode;

-- 4. A parameter column takes the column's type: a name value on the text
-- parameter column is_home_company crashed the backend.  The catalog now
-- types isHomeCompany as a boolean filter whose spec pattern takes only Y
-- (#19), so a text column is not pushed at all, whatever the value: both
-- plans agree, find no rows, and do not crash.  (The plan-time cast into a
-- parameter column is exercised by employee-changes' timestamp window below,
-- with DATE and timestamptz values.)
SELECT pushed($$SELECT 1 FROM s_eed WHERE is_home_company = 'Y'::name$$, 'isHomeCompany') AS name_sent;
SELECT same($$SELECT employee_id, is_home_company FROM s_eed WHERE is_home_company = 'Y'::name$$,
            $$SELECT employee_id, is_home_company FROM s_eed WHERE is_home_company = 'Y'$$) AS name_param;
SELECT count(*), min(is_home_company) FROM s_eed WHERE is_home_company = 'Y'::name AND employee_number = 5;
SELECT pushed($$SELECT 1 FROM s_eed WHERE is_home_company = E'\x01\x01AAAAAA'::name$$, 'isHomeCompany') AS control_chars_sent;
SELECT same($$SELECT employee_id, is_home_company FROM s_eed WHERE is_home_company = E'\x01\x01AAAAAA'::name$$,
            $$SELECT employee_id, is_home_company FROM s_eed WHERE is_home_company = E'\x01\x01AAAAAA'$$) AS control_chars;
SELECT sim('reset');

-- employee-changes: DATE and timestamptz values on its timestamp window
CREATE FOREIGN TABLE s_ec (employee_id text, start_date timestamp, end_date timestamp)
  SERVER ukg OPTIONS (resource 'employee-changes');
SELECT same($$SELECT * FROM s_ec WHERE start_date = DATE '2024-01-01' AND end_date = DATE '2024-01-31'$$,
            $$SELECT * FROM s_ec WHERE start_date = '2024-01-01' AND end_date = '2024-01-31'$$) AS date_window;
SET TimeZone = 'America/New_York';
SELECT same($$SELECT * FROM s_ec WHERE start_date = TIMESTAMPTZ '2024-01-01' AND end_date = TIMESTAMPTZ '2024-01-31'$$,
            $$SELECT * FROM s_ec WHERE start_date = '2024-01-01' AND end_date = '2024-01-31'$$) AS timestamptz_window;
SELECT same($$SELECT * FROM s_ec WHERE start_date = TIMESTAMPTZ '2024-01-01 05:00+00' AND end_date = DATE '2024-01-31'$$,
            $$SELECT * FROM s_ec WHERE start_date = '2024-01-01' AND end_date = '2024-01-31'$$) AS mixed_window;
SELECT sim('reset');
SELECT count(*) FROM s_ec WHERE start_date = TIMESTAMPTZ '2024-01-01 05:00+00' AND end_date = DATE '2024-01-31';
SELECT sim('requests-matching employee-changes --list');
-- the same window declared timestamptz: a DATE is midnight in the session's zone
CREATE FOREIGN TABLE s_ec_tz (employee_id text, start_date timestamptz, end_date timestamptz)
  SERVER ukg OPTIONS (resource 'employee-changes');
SELECT same($$SELECT * FROM s_ec_tz WHERE start_date = DATE '2024-01-01' AND end_date = DATE '2024-01-31'$$,
            $$SELECT * FROM s_ec_tz WHERE start_date = '2024-01-01' AND end_date = '2024-01-31'$$) AS tz_date_window;
SELECT same($$SELECT employee_id FROM s_ec_tz WHERE start_date = DATE '2024-01-01' AND end_date = DATE '2024-01-31'$$,
            $$SELECT employee_id FROM s_ec WHERE start_date = '2024-01-01 05:00' AND end_date = '2024-01-31 05:00'$$) AS tz_vs_utc_window;
RESET TimeZone;
-- a window UKG cannot be sent is not pushed: the required filter is missing
SELECT count(*) FROM s_ec WHERE start_date = 'infinity' AND end_date = '2024-01-31';

-- 5. Date ranges on timestamptz, timestamp and date columns, in zones
-- from UTC-11 to UTC+14, with inclusive and exclusive UKG bounds.  The first
-- four ranges each hold a record stamped in UTC near a day boundary.
SELECT * FROM in_zones($$SELECT employee_id FROM %s WHERE datetime_changed >= '2018-01-17' AND datetime_changed < '2018-01-18'$$, 's_pd');
SELECT * FROM in_zones($$SELECT employee_id FROM %s WHERE datetime_changed >= '2018-02-15' AND datetime_changed < '2018-02-16'$$, 's_pd');
SELECT * FROM in_zones($$SELECT employee_id FROM %s WHERE datetime_changed > '2018-02-24 12:00' AND datetime_changed < '2018-02-24 20:00'$$, 's_pd');
SELECT * FROM in_zones($$SELECT employee_id FROM %s WHERE datetime_changed >= '2019-01-24 20:00' AND datetime_changed < '2019-01-24 23:00'$$, 's_pd');
SELECT * FROM in_zones($$SELECT employee_id FROM %s WHERE datetime_changed >= DATE '2024-06-01'$$, 's_pd');
SELECT * FROM in_zones($$SELECT employee_id FROM %s WHERE datetime_changed <= TIMESTAMP '2018-03-08 03:00'$$, 's_pd');
SELECT * FROM in_zones($$SELECT employee_id FROM %s WHERE datetime_changed = '2018-01-16 17:52:00.24+00'$$, 's_pd');
SELECT pushed($$SELECT 1 FROM s_pd WHERE datetime_changed >= DATE '2024-06-01'$$, 'dateTimeChanged') AS date_on_timestamptz,
       pushed($$SELECT 1 FROM s_pd WHERE datetime_changed <= TIMESTAMP '2018-03-08 03:00'$$, 'dateTimeChanged') AS timestamp_on_timestamptz;
-- timestamptz bounds move by 16 hours before they become UTC days
SET TimeZone = 'Pacific/Kiritimati';
SELECT sim('reset');
SELECT count(*) FROM s_pd WHERE datetime_changed >= '2018-01-17' AND datetime_changed < '2018-01-18';
SELECT sim('requests-matching dateTimeChanged --list');
RESET TimeZone;

CREATE FOREIGN TABLE s_pd_ts (employee_id text, datetime_changed timestamp)
  SERVER ukg OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE s_pd_ts_off (employee_id text, datetime_changed timestamp)
  SERVER ukg OPTIONS (resource 'person-details', pushdown 'false');
SELECT * FROM in_zones($$SELECT employee_id FROM %s WHERE datetime_changed < TIMESTAMPTZ '2019-01-25 04:00+00' AND datetime_changed > TIMESTAMPTZ '2019-01-24 04:00+00'$$, 's_pd_ts');
SELECT * FROM in_zones($$SELECT employee_id FROM %s WHERE datetime_changed >= DATE '2018-01-16' AND datetime_changed < DATE '2018-01-17'$$, 's_pd_ts');
SELECT pushed($$SELECT 1 FROM s_pd_ts WHERE datetime_changed < TIMESTAMPTZ '2019-01-25 04:00+00'$$, 'dateTimeChanged') AS timestamptz_on_timestamp;

CREATE FOREIGN TABLE s_pd_d (employee_id text, datetime_changed date)
  SERVER ukg OPTIONS (resource 'person-details');
CREATE FOREIGN TABLE s_pd_d_off (employee_id text, datetime_changed date)
  SERVER ukg OPTIONS (resource 'person-details', pushdown 'false');
SELECT * FROM in_zones($$SELECT employee_id FROM %s WHERE datetime_changed > TIMESTAMP '2018-01-15 12:00' AND datetime_changed < TIMESTAMPTZ '2018-01-16 23:00+00'$$, 's_pd_d');
SELECT * FROM in_zones($$SELECT employee_id FROM %s WHERE datetime_changed = TIMESTAMP '2018-01-16 00:00'$$, 's_pd_d');
SELECT * FROM in_zones($$SELECT employee_id FROM %s WHERE datetime_changed = TIMESTAMP '2018-01-16 00:00:01'$$, 's_pd_d');

-- 6. Infinite bounds and years UKG cannot take are not pushed, and are no
-- error; bounds that widen past year 1 or 9999 are left out
SELECT sound($$SELECT employee_id FROM %s WHERE datetime_changed > '-infinity'$$, 's_pd') AS gt_minus_infinity,
       pushed($$SELECT 1 FROM s_pd WHERE datetime_changed > '-infinity'$$, 'dateTimeChanged') AS pushed;
SELECT sound($$SELECT employee_id FROM %s WHERE datetime_changed < 'infinity'$$, 's_pd') AS lt_infinity,
       pushed($$SELECT 1 FROM s_pd WHERE datetime_changed < 'infinity'$$, 'dateTimeChanged') AS pushed;
SELECT sound($$SELECT employee_id FROM %s WHERE datetime_changed = 'infinity'$$, 's_pd') AS eq_infinity;
SELECT sound($$SELECT employee_id FROM %s WHERE datetime_changed >= DATE '-infinity' AND datetime_changed < '2019-01-01'$$, 's_pd') AS date_minus_infinity,
       pushed($$SELECT 1 FROM s_pd WHERE datetime_changed >= DATE '-infinity' AND datetime_changed < '2019-01-01'$$, 'dateTimeChanged') AS pushed;
SELECT sound($$SELECT employee_id FROM %s WHERE datetime_changed < '10000-01-01'$$, 's_pd') AS year_10000,
       pushed($$SELECT 1 FROM s_pd WHERE datetime_changed < '10000-01-01'$$, 'dateTimeChanged') AS pushed;
SELECT sound($$SELECT employee_id FROM %s WHERE datetime_changed > '0044-03-15 BC'$$, 's_pd') AS year_44_bc;
SELECT sound($$SELECT employee_id FROM %s WHERE datetime_changed > DATE '200000-01-01'$$, 's_pd') AS year_200000;
SELECT sound($$SELECT employee_id FROM %s WHERE datetime_changed > '0001-01-01 00:00+00' AND datetime_changed <= '9999-12-31'$$, 's_pd') AS years_1_to_9999;
SELECT sound($$SELECT employee_id FROM %s WHERE datetime_changed > '-infinity'$$, 's_pd_ts') AS ts_minus_infinity;
SELECT sound($$SELECT employee_id FROM %s WHERE datetime_changed < DATE 'infinity'$$, 's_pd_d') AS date_infinity;
-- the same values as parameters of a generic plan: dropped when the scan
-- starts
SET plan_cache_mode = force_generic_plan;
PREPARE p_ge(timestamptz) AS SELECT count(*) FROM s_pd WHERE datetime_changed >= $1;
PREPARE p_ge_off(timestamptz) AS SELECT count(*) FROM s_pd_off WHERE datetime_changed >= $1;
SELECT pushed('EXECUTE p_ge(''-infinity'')', 'dateTimeChanged') AS pushed;
SELECT sim('reset');
EXECUTE p_ge('-infinity');
SELECT sim('requests-matching person-details --list');
EXECUTE p_ge('20000-01-01');
EXECUTE p_ge_off('20000-01-01');
EXECUTE p_ge('2024-06-01');
EXECUTE p_ge_off('2024-06-01');
PREPARE p_date(date) AS SELECT count(*) FROM s_pd WHERE datetime_changed < $1;
EXECUTE p_date('infinity');
EXECUTE p_date('2018-06-01');
SELECT count(*) FROM s_pd_off WHERE datetime_changed < DATE '2018-06-01';
-- a parameter far past UKG's years converts without overflow (it is not sent)
EXECUTE p_date('200000-01-01');
PREPARE p_after(date) AS SELECT count(*) FROM s_pd WHERE datetime_changed > $1;
EXECUTE p_after('200000-01-01');
EXECUTE p_after('4000-01-01 BC');
SET TimeZone = 'Pacific/Pago_Pago';
PREPARE p_ts(timestamp) AS SELECT count(*) FROM s_pd WHERE datetime_changed <= $1;
EXECUTE p_ts('294276-12-31 23:00');
EXECUTE p_ts('2018-06-01 12:00');
SELECT count(*) FROM s_pd_off WHERE datetime_changed <= TIMESTAMP '2018-06-01 12:00';
RESET TimeZone;
RESET plan_cache_mode;
DEALLOCATE ALL;
