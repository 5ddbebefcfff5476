-- import: IMPORT FOREIGN SCHEMA from the compiled-in catalog
\set VERBOSITY default

-- the catalog: every GET list resource of personnel, configuration, payroll
SELECT schema, count(*) FROM ukg_fdw_resources() GROUP BY 1 ORDER BY 1;
SELECT count(*) AS resources FROM ukg_fdw_resources();
SELECT name, path, paging, permission, columns FROM ukg_fdw_resources()
 WHERE name IN ('person-details', 'employment-details', 'compensation-details',
                'company-details', 'employee-changes', 'jobs', 'pay-register')
 ORDER BY name;
SELECT filters FROM ukg_fdw_resources() WHERE name = 'person-details';
-- a date filter whose operation documents no value form is listed but local (#19)
SELECT filters FROM ukg_fdw_resources() WHERE name = 'pay-register';

CREATE SCHEMA imp_personnel;
CREATE SCHEMA imp_config;
CREATE SCHEMA imp_payroll;
CREATE SCHEMA imp_all;
IMPORT FOREIGN SCHEMA personnel FROM SERVER ukg INTO imp_personnel;
IMPORT FOREIGN SCHEMA configuration FROM SERVER ukg INTO imp_config;
IMPORT FOREIGN SCHEMA payroll FROM SERVER ukg INTO imp_payroll;
IMPORT FOREIGN SCHEMA "all" FROM SERVER ukg INTO imp_all;
SELECT foreign_table_schema, count(*) FROM information_schema.foreign_tables
 WHERE foreign_table_schema LIKE 'imp_%' GROUP BY 1 ORDER BY 1;
-- each schema imports as many tables as the catalog lists for it
SELECT (SELECT count(*) FROM information_schema.foreign_tables WHERE foreign_table_schema = 'imp_all')
     = (SELECT count(*) FROM ukg_fdw_resources()) AS all_imported;

-- column names and types
SELECT table_name, column_name, data_type
  FROM information_schema.columns
 WHERE table_schema = 'imp_personnel' AND table_name = 'person_details'
   AND column_name IN ('employee_id', 'company_id', 'first_name', 'date_of_birth',
                       'datetime_changed', 'address_latitude', 'is_smoker',
                       'ethnic_id_code', 'name_sufix_code', 'record')
 ORDER BY column_name;
SELECT table_name, column_name, data_type
  FROM information_schema.columns
 WHERE table_schema = 'imp_personnel' AND table_name = 'employment_details'
   AND column_name IN ('employee_id', 'company_id', 'employee_number', 'original_hire_date',
                       'supervisor_id', 'is_home_company', 'record')
 ORDER BY column_name;
SELECT table_name, column_name, data_type
  FROM information_schema.columns
 WHERE table_schema = 'imp_personnel' AND table_name = 'compensation_details'
   AND column_name IN ('employee_id', 'annual_salary', 'number_of_payments',
                       'is_auto_paid', 'date_of_next_salayr_review')
 ORDER BY column_name;
SELECT table_name, column_name, data_type
  FROM information_schema.columns
 WHERE table_schema = 'imp_config' AND table_name = 'company_details'
 ORDER BY ordinal_position;
SELECT column_name, data_type FROM information_schema.columns
 WHERE table_schema = 'imp_personnel' AND table_name = 'employee_changes'
   AND column_name IN ('start_date', 'end_date', 'employee_number')
 ORDER BY 1;
-- json_key options keep UKG's exact spelling
SELECT attname, attfdwoptions FROM pg_attribute
 WHERE attrelid = 'imp_personnel.employment_details'::regclass
   AND attname IN ('company_id', 'supervisor_id', 'record')
 ORDER BY 1;

-- LIMIT TO, EXCEPT and the import options
CREATE SCHEMA imp_some;
IMPORT FOREIGN SCHEMA personnel LIMIT TO (person_details, compensation_details)
  FROM SERVER ukg INTO imp_some;
IMPORT FOREIGN SCHEMA configuration EXCEPT (jobs, locations, org_levels, code_tables)
  FROM SERVER ukg INTO imp_some OPTIONS (record_column 'none');
SELECT count(*) FILTER (WHERE foreign_table_name = 'person_details') AS person,
       count(*) FILTER (WHERE foreign_table_name = 'jobs') AS jobs,
       count(*) FILTER (WHERE foreign_table_name = 'company_details') AS company
  FROM information_schema.foreign_tables WHERE foreign_table_schema = 'imp_some';
SELECT count(*) AS record_columns FROM information_schema.columns
 WHERE table_schema = 'imp_some' AND column_name = 'record';
CREATE SCHEMA imp_named;
IMPORT FOREIGN SCHEMA configuration LIMIT TO ("org-levels")
  FROM SERVER ukg INTO imp_named OPTIONS (name_style 'resource', record_column 'raw');
SELECT foreign_table_name FROM information_schema.foreign_tables WHERE foreign_table_schema = 'imp_named';
SELECT count(*) > 0 AS has_raw FROM imp_named."org-levels" WHERE raw ? 'code';

-- errors
IMPORT FOREIGN SCHEMA recruiting FROM SERVER ukg INTO imp_some;
IMPORT FOREIGN SCHEMA personnel FROM SERVER ukg INTO imp_some OPTIONS (colour 'red');
IMPORT FOREIGN SCHEMA personnel FROM SERVER ukg INTO imp_some OPTIONS (name_style 'camel');

-- every imported table the simulator serves scans, and values round-trip
SELECT sim('reset');
SELECT count(*) FROM imp_personnel.person_details;
SELECT count(*) FROM imp_personnel.employment_details;
SELECT count(*) FROM imp_personnel.employee_employment_details;
SELECT count(*) FROM imp_personnel.compensation_details;
SELECT count(*) FROM imp_personnel.employee_job_history_details;
SELECT count(*) FROM imp_personnel.employee_demographic_details;
SELECT count(*) FROM imp_personnel.pto_plans;
SELECT count(*) FROM imp_personnel.employee_changes
 WHERE start_date = '2018-01-01' AND end_date = '2025-01-01';
SELECT count(*) FROM imp_config.company_details;
SELECT count(*) FROM imp_config.jobs;
SELECT count(*) FROM imp_config.locations;
SELECT count(*) FROM imp_config.org_levels;
SELECT count(*) FROM imp_config.positions;
SELECT count(*) FROM imp_payroll.pay_register;
-- SELECT * converts every column of every row
SELECT count(t.*) FROM imp_personnel.person_details t;
SELECT count(t.*) FROM imp_personnel.employment_details t;
SELECT count(t.*) FROM imp_personnel.compensation_details t;
SELECT count(t.*) FROM imp_personnel.employee_job_history_details t;
SELECT count(t.*) FROM imp_config.company_details t;
SELECT count(t.*) FROM imp_config.locations t;
SELECT count(t.*) FROM imp_config.org_levels t;
SELECT count(t.*) FROM imp_config.positions t;
SELECT count(t.*) FROM imp_payroll.pay_register t;
-- spot checks: every typed column equals the record's value of the same key
CREATE FUNCTION roundtrip(tbl regclass, path text, idx int, keycol text, jkey text)
RETURNS TABLE (columns_checked int, mismatches text[]) LANGUAGE plpgsql AS $$
DECLARE
  rec jsonb := sim(format('record %s 1000 %s', path, idx))::jsonb;
  row jsonb;
BEGIN
  EXECUTE format('SELECT to_jsonb(t) FROM %s t WHERE %I = $1', tbl, keycol)
    INTO row USING rec->>jkey;
  RETURN QUERY
  SELECT count(*)::int,
         array_agg(a.attname::text ORDER BY a.attname) FILTER (WHERE
           CASE
             WHEN rec->(o.key) IS NULL OR rec->(o.key) = 'null' THEN row->a.attname <> 'null'
             WHEN format_type(a.atttypid, a.atttypmod) LIKE 'timestamp%' THEN
               (row->>a.attname)::timestamp <> (rec->>(o.key))::timestamp
             WHEN format_type(a.atttypid, a.atttypmod) = 'numeric' THEN
               (row->>a.attname)::numeric <> (rec->>(o.key))::numeric
             ELSE row->a.attname <> rec->(o.key)
           END)
    FROM pg_attribute a
    CROSS JOIN LATERAL (SELECT substr(opt, 10) AS key FROM unnest(a.attfdwoptions) opt
                         WHERE opt LIKE 'json_key=%') o
   WHERE a.attrelid = tbl AND a.attnum > 0 AND o.key <> '*';
END $$;
SELECT * FROM roundtrip('imp_personnel.person_details', '/personnel/v1/person-details', 1, 'employee_id', 'employeeId');
SELECT * FROM roundtrip('imp_personnel.employment_details', '/personnel/v1/employment-details', 3, 'employee_id', 'employeeID');
SELECT * FROM roundtrip('imp_personnel.compensation_details', '/personnel/v1/compensation-details', 7, 'employee_id', 'employeeID');
SELECT * FROM roundtrip('imp_config.company_details', '/configuration/v1/company-details', 2, 'company_id', 'companyId');
-- the whole record is kept, so fields UKG adds later are not lost
SELECT count(*) = count(record) AS every_record_kept,
       bool_and(record->>'employeeId' = employee_id) AS consistent
  FROM imp_personnel.person_details;

