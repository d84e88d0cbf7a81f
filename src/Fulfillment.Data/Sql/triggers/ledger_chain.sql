-- Each ledger row continues its user's chain (balance_after = previous balance_after + amount),
-- and after every INSERT statement each user's last balance_after equals users.balance. With the
-- deferred check on users this keeps "balance = sum of ledger" an invariant the database enforces.
-- Checked per statement over the statement's new rows, so one INSERT may add several rows for
-- one user (a batch of refunds, fulfillment_finish_orders) after moving the balance once.
CREATE OR REPLACE FUNCTION fulfillment_ledger_chain_check()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_bad record;
BEGIN
    SELECT n.user_id, n.amount, n.balance_after, n.previous INTO v_bad
    FROM (SELECT r.user_id, r.amount, r.balance_after,
                 coalesce(lag(r.balance_after) OVER (PARTITION BY r.user_id ORDER BY r.id),
                          (SELECT l.balance_after FROM ledger l WHERE l.user_id = r.user_id AND l.id < r.id ORDER BY l.id DESC LIMIT 1),
                          0) AS previous
          FROM new_rows r) n
    WHERE n.balance_after IS DISTINCT FROM n.previous + n.amount
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger_mismatch: ledger row for user % does not continue the balance chain (previous %, amount %, balance_after %)',
            v_bad.user_id, v_bad.previous, v_bad.amount, v_bad.balance_after;
    END IF;

    SELECT u.id, u.balance, last.balance_after INTO v_bad
    FROM (SELECT DISTINCT user_id FROM new_rows) n
    JOIN users u ON u.id = n.user_id
    CROSS JOIN LATERAL (SELECT l.balance_after FROM ledger l WHERE l.user_id = n.user_id ORDER BY l.id DESC LIMIT 1) last
    WHERE u.balance IS DISTINCT FROM last.balance_after
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger_mismatch: ledger for user % ends at % but users.balance is %; move the balance first, then write the ledger row',
            v_bad.id, v_bad.balance_after, v_bad.balance;
    END IF;
    RETURN NULL;
END;
$fn$;

DROP TRIGGER IF EXISTS ledger_chain ON ledger;

CREATE TRIGGER ledger_chain AFTER INSERT ON ledger
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION fulfillment_ledger_chain_check();
