CREATE OR REPLACE FUNCTION request_erasure(p_user_id bigint)
RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_id bigint;
BEGIN
    PERFORM 1 FROM users WHERE id = p_user_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user_not_found: user % does not exist', p_user_id;
    END IF;
    SELECT id INTO v_id FROM erasure_requests WHERE user_id = p_user_id AND completed_at IS NULL;
    IF FOUND THEN
        RETURN v_id;
    END IF;
    INSERT INTO erasure_requests (user_id) VALUES (p_user_id) RETURNING id INTO v_id;
    RETURN v_id;
END;
$fn$;
