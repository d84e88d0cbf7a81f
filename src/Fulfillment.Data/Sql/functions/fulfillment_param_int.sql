-- A whole number from an order's params: NULL when absent, invalid_params when it is not one.
CREATE OR REPLACE FUNCTION fulfillment_param_int(p_params jsonb, p_name text)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE
AS $fn$
DECLARE
    v_value jsonb := p_params -> p_name;
    v_text text;
BEGIN
    IF v_value IS NULL OR jsonb_typeof(v_value) = 'null' THEN
        RETURN NULL;
    END IF;
    v_text := CASE jsonb_typeof(v_value) WHEN 'number' THEN v_value::text WHEN 'string' THEN btrim(v_value #>> '{}') END;
    IF v_text IS NULL OR v_text !~ '^[0-9]{1,9}$' THEN
        RAISE EXCEPTION 'invalid_params: % must be a whole number, not %', p_name, left(v_value::text, 40);
    END IF;
    RETURN v_text::bigint;
END;
$fn$;
