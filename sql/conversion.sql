-- conversion: numbers from their JSON text (exact or an error, never a
-- clamp), strings validated as UTF-8, \u0000 refused in every column.
-- Each value is served alone in a one-record page; conv() reads it into a
-- column of the given type and returns the text of the result, or the
-- error's SQLSTATE, message and the context line that names the column.
\set VERBOSITY default
SELECT sim('reset');

CREATE FUNCTION conv_table(typ text) RETURNS text LANGUAGE sql
  AS $$ SELECT 'conv_' || regexp_replace(replace(typ, '[]', '_array'), '\W', '', 'g') $$;
CREATE FUNCTION conv(body bytea, typ text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r text;
  m text;
  c text;
BEGIN
  -- each call makes exactly one request (one record, a short page), which
  -- takes its rule
  PERFORM sim(format($f$fault '{"query": "conv=1", "kind": "random", "status": 200, "body_b64": "%s"}'$f$,
                     translate(encode(body, 'base64'), E'\n', '')));
  EXECUTE format('SELECT v::text FROM %I', conv_table(typ)) INTO r;
  RETURN coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, c = PG_EXCEPTION_CONTEXT;
  RETURN SQLSTATE || ' ' || m ||
         coalesce(' | ' || substring(c FROM '(column "[^"]*" of foreign table "[^"]*")'), '');
END $$;
-- the page [{"v": <json>}]
CREATE FUNCTION page(v text) RETURNS bytea LANGUAGE sql
  AS $$ SELECT convert_to('[{"v": ', 'UTF8') || convert_to(v, 'UTF8') || convert_to('}]', 'UTF8') $$;
CREATE FUNCTION page_hex(v_hex text) RETURNS bytea LANGUAGE sql
  AS $$ SELECT convert_to('[{"v": ', 'UTF8') || decode(v_hex, 'hex') || convert_to('}]', 'UTF8') $$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['int2', 'int4', 'int8', 'float4', 'float8', 'numeric',
                           'jsonb', 'json', 'text', 'text[]', 'varchar(10)',
                           'date', 'timestamp', 'timestamp(0)', 'timestamptz']
  LOOP
    EXECUTE format($f$CREATE FOREIGN TABLE %I (v %s) SERVER ukg
                     OPTIONS (resource 'personnel/v1/person-details', params 'conv=1', page_size '10')$f$,
                   conv_table(t), t);
  END LOOP;
END $$;

-- numbers: every numeric type gets the exact value or an error naming the
-- column; json, jsonb and text get the original digits
SELECT n AS json_number, t AS type, conv(page(n), t) AS result
  FROM unnest(ARRAY['9223372036854775807', '9223372036854775808', '-9223372036854775809',
                    '123456789012345678901', '1e400', '-0', '1.0e2', '2.5', '4.9e-325'])
       WITH ORDINALITY AS n(n, i),
       unnest(ARRAY['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'jsonb', 'json', 'text'])
       WITH ORDINALITY AS t(t, j)
 ORDER BY i, j;

-- jsonb holds what PostgreSQL's own jsonb input makes of the same text
SELECT n AS json_number, conv(page(n), 'jsonb')::jsonb = n::jsonb AS same_as_jsonb_in
  FROM unnest(ARRAY['9223372036854775808', '123456789012345678901', '1e400', '-0', '1.0e2']) n;

-- strings: invalid UTF-8 (overlong, an encoded surrogate, above U+10FFFF,
-- a stray continuation byte), unpaired surrogate escapes and \u0000 are
-- errors naming the column, in text, text[], json and jsonb
SELECT v AS json_value, t AS type, conv(page_hex(v), t) AS result
  FROM unnest(ARRAY['22c0af22', '22eda08022', '22f490808022', '22618022', '5b2261c0af225d',
                    '225c756438303022', '225c756463303022', '225c75303030307822', '5b2261222c225c7530303030225d',
                    '7b226b223a225c7530303030227d'])
       WITH ORDINALITY AS v(v, i),
       unnest(ARRAY['text', 'text[]', 'json', 'jsonb', 'varchar(10)'])
       WITH ORDINALITY AS t(t, j)
 ORDER BY i, j;

-- valid text: escapes, a surrogate pair, raw UTF-8, NULL elements
SELECT v AS json_value, t AS type, conv(page(v), t) AS result
  FROM unnest(ARRAY['"caf\u00e9 \ud83d\ude00"', '"José €"', '["x", null, "\u00e9", 7, {"a": 1}]', '"tab\there"'])
       WITH ORDINALITY AS v(v, i),
       unnest(ARRAY['text', 'text[]', 'json', 'jsonb'])
       WITH ORDINALITY AS t(t, j)
 ORDER BY i, j;

-- the same invalid bytes in a key nobody reads still fail the page: the
-- scanner validates every record, read or not
SELECT conv(convert_to('[{"v": 1, "other": "', 'UTF8') || decode('c0af', 'hex') || convert_to('"}]', 'UTF8'), 'int4');
-- ... but a \u0000 there is valid JSON and harmless
SELECT conv(convert_to('[{"v": 1, "other": "\u0000"}]', 'UTF8'), 'int4');

-- dates and timestamps: UKG's strict ISO forms take a fast path; every
-- value, on it or not, gives what the type's input function gives (the
-- value, or an error with the same SQLSTATE)
CREATE FUNCTION local_cast(v text, typ text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE format('SELECT %L::%s::text', v, typ) INTO r;
  RETURN r;
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT v AS json_string, t AS type, r AS result,
       CASE WHEN l ~ '^[0-9A-Z]{5} ' THEN left(r, 5) = left(l, 5) ELSE r = l END AS same_as_input_function
  FROM unnest(ARRAY['2024-02-29T23:59:59.123456', '2024-02-29', '2023-02-29T00:00:00', '2023-02-29',
                    '2020-05-01T24:00:00', '2020-05-01T10:00:00Z', '2020-05-01T10:00:00-05:00',
                    '0001-01-01T00:00:00', '9999-12-31T23:59:59.999999', '2020-05-01T10:00:00.1234567',
                    '2020-05-01T10:00:60', '2020-05-01 10:00:00', '2020-5-1', '2020-05-01T10:00:00.',
                    '2020-05-01T10:00:00.5', '0000-01-01'])
       WITH ORDINALITY AS v(v, i),
       unnest(ARRAY['date', 'timestamp', 'timestamp(0)', 'timestamptz']) WITH ORDINALITY AS t(t, j),
       LATERAL (SELECT conv(page(to_json(v)::text), t) AS r, local_cast(v, t) AS l) x
 ORDER BY i, j;

-- the full errors, as a user sees them
CREATE FUNCTION serve(body bytea) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM sim('reset');
  PERFORM sim(format($f$fault '{"query": "conv=1", "kind": "random", "status": 200, "body_b64": "%s"}'$f$,
                     translate(encode(body, 'base64'), E'\n', '')));
END $$;
SELECT serve(page('9223372036854775808'));
SELECT v FROM conv_int8;
SELECT serve(page('1e400'));
SELECT v FROM conv_int4;
SELECT serve(page_hex('22c0af22'));
SELECT v FROM conv_text;
SELECT serve(page('{"a": "\u0000"}'));
SELECT v FROM conv_jsonb;
SELECT serve(page('["ok", "\ud800x"]'));
SELECT v FROM conv_text_array;

SELECT sim('reset');
