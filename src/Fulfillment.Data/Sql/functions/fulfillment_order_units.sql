-- The units of an order, which fulfillment_charge prices: what the add asks the provider to deliver. A subscription
-- asks for max (its quantity) on each of posts new posts (place_order has checked posts and written it into the
-- params): the charge covers the most it can deliver, and one that ends with posts left is refunded the unserved
-- posts' share (fulfillment_subscription_refund).
CREATE OR REPLACE FUNCTION fulfillment_order_units(p_type text, p_quantity integer, p_params jsonb)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE
AS $fn$
DECLARE
    v_type record := fulfillment_service_type(p_type);
    v_params jsonb := coalesce(p_params, '{}'::jsonb);
    v_posts bigint;
BEGIN
    CASE v_type.measure
        WHEN 'unit' THEN
            RETURN 1;
        WHEN 'lines' THEN
            RETURN fulfillment_line_count(fulfillment_list_text(v_params -> v_type.list_field));
        WHEN 'subscription' THEN
            v_posts := fulfillment_param_int(v_params, 'posts');
            IF v_posts IS NULL THEN
                RAISE EXCEPTION 'invalid_params: a % order needs posts: an open-ended subscription has no price to charge up front', p_type;
            END IF;
            RETURN p_quantity::bigint * v_posts;
        ELSE
            RETURN p_quantity::bigint * coalesce(CASE WHEN v_type.dripfeed THEN fulfillment_param_int(v_params, 'runs') END, 1);
    END CASE;
END;
$fn$;
