-- test/demo_load.sql: one incremental load of person_details, as README.md
-- shows it ("Incremental load").  Run by the etl role; test/demo.sql runs it
-- three times.
BEGIN;
-- what changed since the watermark: UKG filters on dateTimeChanged (a day
-- wider, then rechecked here), so only those records are downloaded
CREATE TEMP TABLE batch ON COMMIT DROP AS
SELECT * FROM ukg.person_details
 WHERE datetime_changed >= (SELECT last_changed FROM load.etl_state WHERE job = 'person');
SELECT count(*) AS fetched,
       count(*) FILTER (WHERE p.employee_id IS NULL) AS new,
       count(*) FILTER (WHERE p.record <> b.record) AS changed
  FROM batch b LEFT JOIN load.person p USING (employee_id);
-- replace those employees' rows, and move the watermark to the newest
-- change seen; one transaction, so a failed run changes nothing
DELETE FROM load.person p USING batch b WHERE p.employee_id = b.employee_id;
INSERT INTO load.person SELECT * FROM batch;
UPDATE load.etl_state SET last_changed = (SELECT max(datetime_changed) FROM batch)
 WHERE job = 'person' AND EXISTS (SELECT FROM batch);
COMMIT;
SELECT last_changed AS watermark FROM load.etl_state WHERE job = 'person';
