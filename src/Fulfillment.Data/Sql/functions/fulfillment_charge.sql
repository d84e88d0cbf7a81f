CREATE OR REPLACE FUNCTION fulfillment_charge(p_service_type text, p_rate numeric, p_units bigint)
RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT
AS $fn$
    SELECT CASE
        WHEN (fulfillment_service_type(p_service_type)).measure = 'unit' THEN round(p_rate, 6)
        ELSE round(p_rate * p_units / 1000, 6)
    END;
$fn$;
