-- A list parameter as the add sends it: a string as it is, an array's elements one per line
-- (nested arrays flattened, numbers as written, anything else dropped), as AddOrderRequest does.
CREATE OR REPLACE FUNCTION fulfillment_list_text(p_value jsonb)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    RETURN CASE jsonb_typeof(p_value)
        WHEN 'string' THEN p_value #>> '{}'
        WHEN 'number' THEN p_value::text
        WHEN 'array' THEN (
            SELECT string_agg(t.line, E'\n' ORDER BY a.n)
            FROM jsonb_array_elements(p_value) WITH ORDINALITY AS a(e, n)
            CROSS JOIN LATERAL (SELECT fulfillment_list_text(a.e) AS line) t
            WHERE t.line IS NOT NULL)
    END;
END;
$fn$;
