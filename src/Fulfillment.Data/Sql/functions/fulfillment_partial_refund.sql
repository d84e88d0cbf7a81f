CREATE OR REPLACE FUNCTION fulfillment_partial_refund(p_charge numeric, p_remains bigint, p_units bigint)
RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT
AS $fn$
    SELECT CASE
        WHEN p_units <= 0 THEN 0::numeric
        ELSE trunc(p_charge * least(greatest(p_remains, 0), p_units)::numeric / p_units, 6)
    END;
$fn$;
