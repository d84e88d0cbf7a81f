-- Why a link cannot be taken, or NULL: an http(s) address with a host (the scheme may be left out:
-- "instagram.com/p/x"), or, for the types that take one, a bare handle. No other scheme
-- (javascript:, data:, file:), no user info, no spaces or control characters, at most 2048 characters.
CREATE OR REPLACE FUNCTION fulfillment_link_problem(p_link text, p_takes_handle boolean)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT CASE
        WHEN coalesce(p_link, '') = '' THEN 'a link is required'
        WHEN length(p_link) > 2048 THEN format('the link is %s characters long; the limit is 2048', length(p_link))
        WHEN p_link ~ '[[:space:][:cntrl:]]' THEN 'the link contains spaces or control characters'
        WHEN p_takes_handle AND p_link ~ '^@?[A-Za-z0-9_.]{1,64}$' THEN NULL
        WHEN p_link ~* '^(https?://)?[^]\[/?#@\\:.%]+(\.[^]\[/?#@\\:.%]+)+\.?(:[0-9]{1,5})?([/?#].*)?$'
             AND (p_link ~* '^https?://' OR p_link !~ '^[A-Za-z][A-Za-z0-9+.-]*:') THEN NULL
        WHEN p_takes_handle THEN 'the link is neither a web address (https://...) nor a handle (@name)'
        ELSE 'the link is not a web address (https://...)'
    END;
$fn$;
