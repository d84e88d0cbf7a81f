-- One order: the set function with one element. Returns false, changing nothing, when the
-- order is already terminal.
CREATE OR REPLACE FUNCTION fulfillment_finish_order(
    p_order_id bigint, p_status text, p_remains bigint, p_error text, p_at timestamptz, p_detail jsonb DEFAULT '{}'::jsonb,
    p_reason text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN EXISTS (SELECT 1 FROM fulfillment_finish_orders(ARRAY[p_order_id], ARRAY[p_status], ARRAY[p_remains], ARRAY[p_error], p_at,
                                                           ARRAY[p_detail], NULL, NULL, ARRAY[p_reason]));
END;
$fn$;
