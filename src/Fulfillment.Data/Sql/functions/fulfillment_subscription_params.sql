-- A subscription's params as the add sends them, or an error naming the field (docs/domain.md, "Type-specific
-- add fields"). The charge is computed from these very numbers, so what is sent is what was paid for:
--   username: the account's handle (letters, digits, _ and ., at most 64), sent without a leading @; a link
--             that is itself a handle stands in when username is absent;
--   max:      the order's quantity (place_order's quantity argument); a max in the params must equal it;
--   min:      from the service's min up to max;
--   posts:    1 to 1000 new posts; required (an open-ended subscription is refused);
--   old_posts: absent or 0 (posts already published would be delivered beyond what the charge covers);
--   delay:    minutes from the protocol's list; optional;
--   expiry:   d/m/Y, after p_today and at most 366 days ahead; optional; written dd/mm/yyyy.
CREATE OR REPLACE FUNCTION fulfillment_subscription_params(
    p_params jsonb, p_link text, p_max integer, p_service_min integer, p_today date)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
AS $fn$
DECLARE
    v_params jsonb := coalesce(p_params, '{}'::jsonb);
    v_handle constant text := '^@?[A-Za-z0-9_.]{1,64}$';
    v_username text;
    v_min bigint;
    v_max bigint;
    v_posts bigint;
    v_old_posts bigint;
    v_delay bigint;
    v_expiry_text text;
    v_parts text[];
    v_expiry date;
    v_result jsonb;
BEGIN
    v_username := CASE jsonb_typeof(v_params -> 'username')
        WHEN 'string' THEN btrim(v_params ->> 'username')
        WHEN 'number' THEN (v_params -> 'username')::text
        ELSE '' END;
    IF v_username = '' AND coalesce(p_link, '') ~ v_handle THEN
        v_username := p_link;
    END IF;
    IF v_username = '' THEN
        RAISE EXCEPTION 'invalid_params: a Subscriptions order needs username, the account''s handle (or a handle as its link)';
    END IF;
    IF v_username !~ v_handle THEN
        RAISE EXCEPTION 'invalid_params: username must be a handle (letters, digits, _ and ., at most 64 characters), not %', left(v_username, 80);
    END IF;

    v_max := fulfillment_param_int(v_params, 'max');
    IF v_max IS NOT NULL AND v_max <> p_max THEN
        RAISE EXCEPTION 'quantity_mismatch: quantity % is the subscription''s max, but params.max is %', p_max, v_max;
    END IF;
    v_min := fulfillment_param_int(v_params, 'min');
    IF v_min IS NULL THEN
        RAISE EXCEPTION 'invalid_params: a Subscriptions order needs min, the least to deliver per post';
    END IF;
    IF v_min < p_service_min OR v_min > p_max THEN
        RAISE EXCEPTION 'quantity_out_of_range: min % must be from the service''s minimum % up to max %', v_min, p_service_min, p_max;
    END IF;

    v_posts := fulfillment_param_int(v_params, 'posts');
    IF v_posts IS NULL THEN
        RAISE EXCEPTION 'invalid_params: a Subscriptions order needs posts (1 to 1000): an open-ended subscription has no price to charge up front';
    END IF;
    IF v_posts < 1 OR v_posts > 1000 THEN
        RAISE EXCEPTION 'invalid_params: posts must be from 1 to 1000, not %', v_posts;
    END IF;
    v_old_posts := fulfillment_param_int(v_params, 'old_posts');
    IF coalesce(v_old_posts, 0) <> 0 THEN
        RAISE EXCEPTION 'invalid_params: old_posts is not offered: the charge covers new posts only';
    END IF;

    v_delay := fulfillment_param_int(v_params, 'delay');
    IF v_delay IS NOT NULL AND v_delay NOT IN (0, 5, 10, 15, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 360, 420, 480, 540, 600) THEN
        RAISE EXCEPTION 'invalid_params: delay must be one of 0, 5, 10, 15, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 360, 420, 480, 540, 600 minutes, not %', v_delay;
    END IF;

    IF v_params -> 'expiry' IS NOT NULL AND jsonb_typeof(v_params -> 'expiry') <> 'null' THEN
        v_expiry_text := CASE jsonb_typeof(v_params -> 'expiry') WHEN 'string' THEN btrim(v_params ->> 'expiry') END;
        v_parts := regexp_match(coalesce(v_expiry_text, ''), '^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$');
        IF v_parts IS NULL THEN
            RAISE EXCEPTION 'invalid_params: expiry must be a date written d/m/Y (31/12/2026), not %', left(coalesce(v_expiry_text, (v_params -> 'expiry')::text), 40);
        END IF;
        BEGIN
            v_expiry := make_date(v_parts[3]::int, v_parts[2]::int, v_parts[1]::int);
        EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
            RAISE EXCEPTION 'invalid_params: expiry % is not a date', v_expiry_text;
        END;
        IF v_expiry <= p_today OR v_expiry > p_today + 366 THEN
            RAISE EXCEPTION 'invalid_params: expiry % must be after today (%) and at most 366 days ahead', v_expiry_text, to_char(p_today, 'DD/MM/YYYY');
        END IF;
    END IF;

    v_result := (v_params - 'username' - 'min' - 'max' - 'posts' - 'old_posts' - 'delay' - 'expiry')
        || jsonb_build_object('username', ltrim(v_username, '@'), 'min', v_min, 'max', p_max, 'posts', v_posts);
    IF v_delay IS NOT NULL THEN
        v_result := v_result || jsonb_build_object('delay', v_delay);
    END IF;
    IF v_expiry IS NOT NULL THEN
        v_result := v_result || jsonb_build_object('expiry', to_char(v_expiry, 'DD/MM/YYYY'));
    END IF;
    RETURN v_result;
END;
$fn$;
