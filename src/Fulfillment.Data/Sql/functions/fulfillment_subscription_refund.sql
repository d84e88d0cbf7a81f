-- A subscription that ends with posts left is refunded the unserved posts' share of its charge:
-- charge x (posts - served) / posts, served clamped to 0..posts, rounded DOWN to 6 places by the partial
-- refund's own rule (the unserved posts are its "remains"), so it never refunds more than it charged.
CREATE OR REPLACE FUNCTION fulfillment_subscription_refund(p_charge numeric, p_posts integer, p_served integer)
RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT
AS $fn$
    SELECT fulfillment_partial_refund(p_charge, p_posts::bigint - least(greatest(p_served, 0), greatest(p_posts, 0)), p_posts::bigint);
$fn$;
