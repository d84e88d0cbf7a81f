CREATE OR REPLACE FUNCTION block_user(p_user_id bigint, p_reason text)
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_status text;
BEGIN
    IF p_reason IS NULL OR btrim(p_reason) = '' THEN
        RAISE EXCEPTION 'invalid_reason: blocking a user needs a reason';
    END IF;
    SELECT status INTO v_status FROM users WHERE id = p_user_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user_not_found: user % does not exist', p_user_id;
    END IF;
    IF v_status = 'deleted' THEN
        RAISE EXCEPTION 'user_not_active: user % is deleted', p_user_id;
    END IF;
    IF v_status = 'blocked' THEN
        RETURN;
    END IF;
    UPDATE users
    SET status = 'blocked', blocked_reason = p_reason, blocked_at = now(), block_handled_at = NULL
    WHERE id = p_user_id;
    PERFORM pg_notify('fulfillment_users', p_user_id::text);
END;
$fn$;
