-- How a service type measures its add (docs/domain.md, "Type-specific add fields"), one row per type the
-- engine knows; an unknown type is measured like Default. A name is read as SmmServiceType (Fulfillment.Providers)
-- reads it: case aside, underscores and hyphens as spaces, runs of spaces as one (SmartPanel lists custom_comments).
-- SmmServiceType sends exactly these fields; ServiceTypeRuleTests keeps the two in step.
--   unit: one order is one unit whatever its size (Package, Activation): the rate is its price;
--   lines: the amount is the number of non-empty lines of list_field, and the add sends no quantity;
--   list_field: the param the add sends as a list, one item per line (a package of custom comments too);
--   subscription: max per post for each of posts;
--   quantity: the quantity, times runs for a drip-feed (only Default sends runs and interval).
CREATE OR REPLACE FUNCTION fulfillment_service_type(
    p_type text, OUT measure text, OUT list_field text, OUT dripfeed boolean, OUT takes_handle boolean)
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT coalesce(t.measure, 'quantity'), t.list_field, coalesce(t.dripfeed, true), coalesce(t.takes_handle, false)
    FROM (SELECT btrim(regexp_replace(translate(lower(coalesce(p_type, '')), '_-', '  '), '\s+', ' ', 'g')) AS name) k
    LEFT JOIN (VALUES
        ('default',                 'quantity',     NULL,        true,  false),
        ('package',                 'unit',         NULL,        false, false),
        ('activation',              'unit',         NULL,        false, false),
        ('custom comments',         'lines',        'comments',  false, false),
        ('custom comments package', 'unit',         'comments',  false, false),
        ('comment replies',         'lines',        'comments',  false, false),
        ('mentions custom list',    'lines',        'usernames', false, false),
        ('mentions',                'quantity',     NULL,        false, false),
        ('mentions with hashtags',  'quantity',     NULL,        false, false),
        ('mentions hashtag',        'quantity',     NULL,        false, false),
        ('mentions user followers', 'quantity',     NULL,        false, true),
        ('mentions media likers',   'quantity',     NULL,        false, false),
        ('comment likes',           'quantity',     NULL,        false, false),
        ('poll',                    'quantity',     NULL,        false, false),
        ('invites from groups',     'quantity',     NULL,        false, false),
        ('subscriptions',           'subscription', NULL,        false, true)
    ) AS t(name, measure, list_field, dripfeed, takes_handle) ON t.name = k.name;
$fn$;
