DROP TRIGGER IF EXISTS orders_release_held ON orders;
DROP FUNCTION IF EXISTS fulfillment_release_held();
DROP TRIGGER IF EXISTS orders_guard_active ON orders;
DROP FUNCTION IF EXISTS fulfillment_guard_active_order();
