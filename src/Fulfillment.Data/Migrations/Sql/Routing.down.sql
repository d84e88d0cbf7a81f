DROP VIEW IF EXISTS order_margins;
