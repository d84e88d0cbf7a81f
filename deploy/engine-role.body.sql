-- The body of deploy/engine-role.sql: plain SQL, run inside the caller's transaction, reading its
-- parameters from the transaction-local settings fulfillment_setup.* (db, owner_role, owner_password,
-- engine_role, engine_password, panel_role, panel_password, quartz_prefix, lock_public, adopt).
-- engine-role.sql sets them from psql variables; the role tests set them with set_config().

-- ---------------------------------------------------------------------------------------------
-- 1. Roles: created if missing, attributes and passwords brought in line if present.
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
    v_owner  text := current_setting('fulfillment_setup.owner_role');
    v_engine text := current_setting('fulfillment_setup.engine_role');
    v_panel  text := current_setting('fulfillment_setup.panel_role');
    v_role   text;
    v_pass   text;
    v_attrs  constant text := 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
BEGIN
    IF v_engine = '' OR v_engine = v_owner OR v_engine = v_panel THEN
        RAISE EXCEPTION 'engine_role must be set and differ from owner_role and panel_role';
    END IF;
    IF v_panel <> '' AND v_panel = v_owner THEN
        RAISE EXCEPTION 'panel_role must differ from owner_role: the write API runs with the owner''s rights';
    END IF;

    FOREACH v_role IN ARRAY ARRAY[v_owner, v_engine, v_panel] LOOP
        CONTINUE WHEN v_role = '';
        v_pass := CASE v_role
            WHEN v_owner  THEN current_setting('fulfillment_setup.owner_password')
            WHEN v_engine THEN current_setting('fulfillment_setup.engine_password')
            ELSE current_setting('fulfillment_setup.panel_password') END;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
            EXECUTE format('CREATE ROLE %I %s', v_role, v_attrs);
            RAISE NOTICE 'created role %', v_role;
            IF v_pass = '' THEN
                RAISE NOTICE 'role % has no password: fine for peer or certificate authentication, otherwise set one (\password %)', v_role, v_role;
            END IF;
        ELSIF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role
                      AND (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls OR NOT rolcanlogin)) THEN
            -- Only when something differs: naming SUPERUSER at all in ALTER ROLE needs a superuser.
            EXECUTE format('ALTER ROLE %I %s', v_role, v_attrs);
            RAISE NOTICE 'reset the attributes of role % to %', v_role, v_attrs;
        END IF;
        IF v_pass <> '' THEN
            EXECUTE format('ALTER ROLE %I PASSWORD %L', v_role, v_pass);
        END IF;
    END LOOP;

    -- A runtime role that is a member of the owner would inherit ownership: DDL on everything, and the
    -- write API's rights without its checks.
    FOREACH v_role IN ARRAY ARRAY[v_engine, v_panel] LOOP
        CONTINUE WHEN v_role = '';
        IF pg_has_role(v_role, v_owner, 'MEMBER') THEN
            RAISE EXCEPTION 'role % is a member of the owner role %; revoke that membership first', v_role, v_owner;
        END IF;
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- 2. No runtime role may create objects in schema public: one that can could add an overload of
--    place_order or deposit that the panel's calls resolve to. Managed PostgreSQL services often make
--    the application role the database's owner, and the database's owner owns schema public
--    (PostgreSQL 15 and later) or may create schemas. Refused, saying why; -v adopt=on hands the
--    database (or the schema) to the owner role and revokes the CREATE granted to the role.
--    CREATE held through PUBLIC is revoked in step 4 in any case.
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
    v_db       text := current_setting('fulfillment_setup.db');
    v_owner    text := current_setting('fulfillment_setup.owner_role');
    v_adopt    boolean := current_setting('fulfillment_setup.adopt') IN ('on', 'true', '1', 'yes');
    v_role     text;
    v_db_owner text;
    v_ns_owner text;
    v_oid      oid;
    v_through  text;
    v_problems text[] := '{}';
    v_cannot   text[] := '{}';
BEGIN
    SELECT pg_get_userbyid(datdba) INTO v_db_owner FROM pg_database WHERE datname = v_db;
    SELECT pg_get_userbyid(nspowner) INTO v_ns_owner FROM pg_namespace WHERE nspname = 'public';

    FOREACH v_role IN ARRAY ARRAY[current_setting('fulfillment_setup.engine_role'), current_setting('fulfillment_setup.panel_role')] LOOP
        CONTINUE WHEN v_role = '';
        SELECT oid INTO v_oid FROM pg_roles WHERE rolname = v_role;

        IF pg_has_role(v_role, v_db_owner, 'MEMBER') THEN
            IF v_adopt THEN
                BEGIN
                    EXECUTE format('ALTER DATABASE %I OWNER TO %I', v_db, v_owner);
                EXCEPTION WHEN insufficient_privilege THEN
                    RAISE EXCEPTION 'cannot hand database % to %: % (the role running this file must be a member of % and of %, and have CREATEDB)',
                        v_db, v_owner, SQLERRM, v_db_owner, v_owner;
                END;
                RAISE NOTICE 'database % now belongs to % instead of %', v_db, v_owner, v_db_owner;
                v_db_owner := v_owner;
            ELSE
                v_problems := v_problems || format('role %s owns database %s%s (managed PostgreSQL services often make the application role the '
                    || 'owner), so it can create objects in schema public: run this file with -v adopt=on to hand the database to %s',
                    v_role, v_db, CASE WHEN v_role <> v_db_owner THEN format(' (it is a member of %s, the owner)', v_db_owner) ELSE '' END, v_owner);
            END IF;
        END IF;

        -- PostgreSQL 15 and later: schema public belongs to pg_database_owner, the database's owner, dealt with above.
        IF v_ns_owner <> 'pg_database_owner' AND pg_has_role(v_role, v_ns_owner, 'MEMBER') THEN
            IF v_adopt THEN
                EXECUTE format('ALTER SCHEMA public OWNER TO %I', v_owner);
                RAISE NOTICE 'schema public now belongs to % instead of %', v_owner, v_ns_owner;
                v_ns_owner := v_owner;
            ELSE
                v_problems := v_problems || format('role %s owns schema public%s, so it can create objects there: run this file with -v adopt=on to hand '
                    || 'the schema to %s', v_role, CASE WHEN v_role <> v_ns_owner THEN format(' (it is a member of %s, the owner)', v_ns_owner) ELSE '' END,
                    v_owner);
            END IF;
        END IF;

        IF EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) a
                   WHERE n.nspname = 'public' AND a.grantee = v_oid AND a.grantee <> n.nspowner AND a.privilege_type = 'CREATE') THEN
            IF v_adopt THEN
                EXECUTE format('REVOKE CREATE ON SCHEMA public FROM %I CASCADE', v_role);
                RAISE NOTICE 'revoked CREATE on schema public from %', v_role;
            ELSE
                v_problems := v_problems || format('role %s holds CREATE on schema public, so it can create objects there: run this file with '
                    || '-v adopt=on to revoke it', v_role);
            END IF;
        END IF;

        -- Granted to another role it is a member of: that membership or that grant is someone else's to undo.
        SELECT string_agg(DISTINCT pg_get_userbyid(a.grantee), ', ') INTO v_through
        FROM pg_namespace n, aclexplode(n.nspacl) a
        WHERE n.nspname = 'public' AND a.privilege_type = 'CREATE' AND a.grantee NOT IN (0, n.nspowner, v_oid)
          AND pg_has_role(v_role, a.grantee, 'MEMBER');
        IF v_through IS NOT NULL THEN
            v_cannot := v_cannot || format('role %s holds CREATE on schema public through its membership in %s: end that membership or revoke '
                || 'that CREATE (REVOKE CREATE ON SCHEMA public FROM %s), then run this file again; -v adopt=on does not change other roles',
                v_role, v_through, v_through);
        END IF;
    END LOOP;

    IF cardinality(v_problems || v_cannot) > 0 THEN
        RAISE EXCEPTION '%', array_to_string(v_problems || v_cannot, E'\n');
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- 3. Adoption (-v adopt=on): every object of schema public to the owner role, for a database that
--    was migrated by a superuser or another role before these roles existed.
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
    v_owner text := current_setting('fulfillment_setup.owner_role');
    v_item  record;
BEGIN
    IF current_setting('fulfillment_setup.adopt') NOT IN ('on', 'true', '1', 'yes') THEN
        RETURN;
    END IF;
    FOR v_item IN
        SELECT format('ALTER %s %s OWNER TO %I', CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                      c.oid::regclass, v_owner) AS ddl
        FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND c.relowner <> v_owner::regrole
          -- Identity and serial sequences follow their table.
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
        UNION ALL
        SELECT format('ALTER FUNCTION %s OWNER TO %I', p.oid::regprocedure, v_owner)
        FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> v_owner::regrole
    LOOP
        EXECUTE v_item.ddl;
    END LOOP;
    RAISE NOTICE 'every object of schema public now belongs to %', v_owner;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- 4. Database and schema: CONNECT for the three roles; CREATE on schema public for the owner only.
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
    v_db     text := current_setting('fulfillment_setup.db');
    v_owner  text := current_setting('fulfillment_setup.owner_role');
    v_engine text := current_setting('fulfillment_setup.engine_role');
    v_panel  text := current_setting('fulfillment_setup.panel_role');
    v_role   text;
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', v_db, v_owner);
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA public TO %I', v_owner);
    FOREACH v_role IN ARRAY ARRAY[v_engine, v_panel] LOOP
        CONTINUE WHEN v_role = '';
        EXECUTE format('REVOKE ALL ON DATABASE %I FROM %I', v_db, v_role);
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', v_db, v_role);
        EXECUTE format('REVOKE ALL ON SCHEMA public FROM %I', v_role);
        EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', v_role);
    END LOOP;

    -- A role that can create functions in public can add an overload of place_order or deposit that a
    -- panel's call resolves to: nobody but the owner creates objects there (PostgreSQL 15's default;
    -- older versions granted it to PUBLIC).
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;

    -- Whatever step 2 did not name (a grant made by a role other than the schema's owner outlives the revokes above).
    FOREACH v_role IN ARRAY ARRAY[v_engine, v_panel] LOOP
        CONTINUE WHEN v_role = '';
        IF has_schema_privilege(v_role, 'public', 'CREATE') THEN
            RAISE EXCEPTION 'role % still holds CREATE on schema public (its privileges: %): revoke it and run this file again',
                v_role, (SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public');
        END IF;
    END LOOP;

    -- TEMPORARY cannot reach the engine's functions (their search path puts pg_temp last), but a
    -- panel has no use for it either. Revoking what PUBLIC holds on the database affects every other
    -- role that uses it, so it is opt-in.
    IF current_setting('fulfillment_setup.lock_public') IN ('on', 'true', '1', 'yes') THEN
        EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', v_db);
        RAISE NOTICE 'revoked PUBLIC''s CONNECT and TEMPORARY on %', v_db;
    ELSIF has_database_privilege('public', v_db, 'TEMPORARY') THEN
        RAISE NOTICE 'PUBLIC still has CONNECT/TEMPORARY on %; -v lock_public=on revokes them once every role that needs the database has CONNECT', v_db;
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- 5. The engine role: exactly what the engine's SQL uses (src/Fulfillment.Engine).
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
    v_owner  text := current_setting('fulfillment_setup.owner_role');
    v_engine text := current_setting('fulfillment_setup.engine_role');
    v_panel  text := current_setting('fulfillment_setup.panel_role');
    v_prefix text := current_setting('fulfillment_setup.quartz_prefix');
    v_grant  record;
    v_table  text;
    v_fn     record;
    v_count  int := 0;
BEGIN
    IF to_regclass('public.orders') IS NULL THEN
        RAISE NOTICE 'the schema is not there yet: run `fulfillment migrate` as % and run this file again', v_owner;
        RETURN;
    END IF;

    -- The write API runs with its owner's rights: that owner must be the owner role, never a runtime
    -- role (which could then redefine it) and never a superuser (every bug would be a superuser's).
    FOR v_fn IN
        SELECT p.oid::regprocedure AS signature, pg_get_userbyid(p.proowner) AS owner, r.rolsuper
        FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner
        WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef
    LOOP
        IF v_fn.owner IN (v_engine, v_panel) THEN
            RAISE EXCEPTION '% is owned by the runtime role %; run this file with -v adopt=on', v_fn.signature, v_fn.owner;
        ELSIF v_fn.owner <> v_owner THEN
            RAISE WARNING '% runs with the rights of % (%), not of %; run this file with -v adopt=on',
                v_fn.signature, v_fn.owner, CASE WHEN v_fn.rolsuper THEN 'a superuser' ELSE 'another role' END, v_owner;
        END IF;
    END LOOP;

    -- Start from nothing, so a second run leaves exactly the grants below.
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', v_engine);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', v_engine);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM %I', v_engine);

    -- SELECT ... FOR UPDATE / FOR NO KEY UPDATE needs UPDATE privilege: retention locks the rows of
    -- activity_log, support_tickets and notifications before deleting them, hence UPDATE there.
    -- Foreign-key cascades (support_messages, order_events, order_requests when an order or a ticket
    -- goes) run with the table owner's rights and need nothing here.
    FOR v_grant IN
        SELECT * FROM (VALUES
            ('users',                 'SELECT, UPDATE'),                 -- balances (refund, forfeit), block handling, notices, anonymisation
            ('providers',             'SELECT, UPDATE'),                 -- balance, pause, last error
            ('services',              'SELECT, UPDATE'),                 -- disable vanished services, flags, upstream rate
            ('orders',                'SELECT, INSERT, UPDATE, DELETE'), -- the whole lifecycle; INSERT: drip-feed runs; DELETE: retention of unreferenced orders
            ('order_attempts',        'SELECT, INSERT, UPDATE'),         -- one row per add or getNumber sent, its outcome; scrubbed by retention
            ('ledger',                'SELECT, INSERT'),                 -- refund and forfeit rows; never UPDATE/DELETE
            ('order_requests',        'SELECT, INSERT, UPDATE'),         -- cancel/refill processing, provider cancels after block_user
            ('order_events',          'SELECT, INSERT, UPDATE'),         -- the audit trail; UPDATE: anonymisation clears free text
            ('notifications',         'SELECT, INSERT, UPDATE, DELETE'), -- outcomes and notices; retention of sent ones
            ('activity_log',          'SELECT, UPDATE, DELETE'),         -- retention only
            ('support_tickets',       'SELECT, UPDATE, DELETE'),         -- retention only
            ('support_messages',      'SELECT'),                         -- retention reads the last message
            ('erasure_requests',      'SELECT, UPDATE'),                 -- completed_at
            ('engine_instances',      'SELECT, INSERT, UPDATE, DELETE'), -- heartbeat rows and the stale sweep
            ('provider_services',     'SELECT, INSERT, UPDATE, DELETE'), -- each provider's service list
            ('service_routes',        'SELECT'),                         -- the further routes of a service (failover)
            ('currency_rates',        'SELECT'),                         -- the price guard converts upstream rates
            ('__EFMigrationsHistory', 'SELECT'),                         -- `run` refuses to start on a schema behind it
            ('fulfillment_sql_scripts', 'SELECT'),                       -- ... or on SQL functions of another version
            ('fulfillment_settings',  'SELECT, INSERT, UPDATE'),         -- the panel's currency, written at start for order_margins
            ('operator_alerts',       'SELECT, INSERT, UPDATE'),         -- alerts raised and cleared
            ('route_quarantines',     'SELECT, INSERT, UPDATE'),         -- routes put in quarantine
            ('price_changes',         'SELECT, INSERT, UPDATE'),         -- upstream rate changes and what they did to sale rates
            ('service_stats',         'SELECT, INSERT, UPDATE')          -- average times
        ) AS g(tab, privs)
    LOOP
        IF to_regclass(format('public.%I', v_grant.tab)) IS NULL THEN
            RAISE WARNING 'table % is missing; is the schema migrated?', v_grant.tab;
            CONTINUE;
        END IF;
        EXECUTE format('GRANT %s ON TABLE public.%I TO %I', v_grant.privs, v_grant.tab, v_engine);
    END LOOP;

    -- The internal helpers it calls (fulfillment_finish_orders, fulfillment_post_ledger and what they
    -- call). Trigger functions need no EXECUTE to fire. The engine calls none of the write API
    -- functions, so it gets no EXECUTE on them. Two helpers run with the owner's rights, as the write
    -- API does: fulfillment_add_event_partitions and fulfillment_drop_event_partitions add and drop
    -- the month partitions of order_events, the only DDL the engine needs and nothing else.
    FOR v_fn IN
        SELECT p.oid::regprocedure AS signature FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'fulfillment\_%' AND p.prokind = 'f'
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', v_fn.signature, v_engine);
    END LOOP;

    -- The scheduler's tables, created by `migrate`.
    FOR v_table IN
        SELECT c.relname FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND left(c.relname, length(v_prefix)) = v_prefix
    LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.%I TO %I', v_table, v_engine);
        v_count := v_count + 1;
    END LOOP;
    IF v_count = 0 THEN
        RAISE NOTICE 'no %* tables yet: run `fulfillment migrate` as % (it creates them) and run this file again', v_prefix, v_owner;
    END IF;

    -- Objects the owner does not own cannot be altered by a later `migrate` run as the owner.
    SELECT count(*) INTO v_count FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'S', 'i') AND pg_get_userbyid(c.relowner) <> v_owner;
    IF v_count > 0 THEN
        RAISE WARNING '% relation(s) in schema public are not owned by %; `migrate` as % will fail on them (-v adopt=on)', v_count, v_owner, v_owner;
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- 6. The panel role (only with -v panel_role=...): reads the contract, writes what a panel writes,
--    and moves money, orders and requests only through the seven write API functions.
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
    v_panel  text := current_setting('fulfillment_setup.panel_role');
    v_grant  record;
    v_table  text;
    v_fn     regprocedure;
BEGIN
    IF v_panel = '' OR to_regclass('public.orders') IS NULL THEN
        RETURN;
    END IF;

    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', v_panel);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', v_panel);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM %I', v_panel);

    -- Read everything the contract names (the admin pages show orders, ledger, engine health, ...).
    FOREACH v_table IN ARRAY ARRAY['users', 'providers', 'services', 'orders', 'ledger', 'order_requests',
        'order_events', 'notifications', 'activity_log', 'support_tickets', 'support_messages',
        'erasure_requests', 'engine_instances', 'provider_services', 'service_routes', 'currency_rates', 'order_margins', 'order_attempts', 'operator_alerts', 'route_quarantines', 'price_changes', 'service_stats'] LOOP
        IF to_regclass(format('public.%I', v_table)) IS NOT NULL THEN
            EXECUTE format('GRANT SELECT ON TABLE public.%I TO %I', v_table, v_panel);
        END IF;
    END LOOP;

    -- Write what a panel writes, column by column: never a balance, an order's status or money, a
    -- ledger row, or the engine's own columns (block handling, provider health, flags).
    FOR v_grant IN
        SELECT * FROM (VALUES
            ('users',            'INSERT (username, email, status, created_at, last_active_at, deleted_at), '
                              || 'UPDATE (username, email, status, last_active_at, deleted_at)'),
            ('providers',        'INSERT (name, kind, api_url, api_key, enabled, min_balance, alert_balance), '
                              || 'UPDATE (name, kind, api_url, api_key, enabled, min_balance, alert_balance)'),
            ('services',         'INSERT (name, type, provider_id, provider_service_id, rate, min, max, dripfeed, dripfeed_mode, refill, cancel, enabled, markup_percent), '
                              || 'UPDATE (name, type, provider_id, provider_service_id, rate, min, max, dripfeed, dripfeed_mode, refill, cancel, enabled, markup_percent)'),
            ('service_routes',   'INSERT, UPDATE, DELETE'), -- a service's further routes
            ('currency_rates',   'INSERT, UPDATE, DELETE'), -- what a provider currency is worth in the panel's (order_margins)
            ('orders',           'UPDATE (link)'),        -- the link of a pending order may be corrected (order_locked otherwise)
            ('notifications',    'UPDATE (sent_at)'),
            ('operator_alerts',  'UPDATE (acknowledged_at)'),
            ('activity_log',     'INSERT'),
            ('support_tickets',  'INSERT, UPDATE'),
            ('support_messages', 'INSERT')
        ) AS g(tab, privs)
    LOOP
        EXECUTE format('GRANT %s ON TABLE public.%I TO %I', v_grant.privs, v_grant.tab, v_panel);
    END LOOP;

    -- The write API only: its functions run as the owner, so the panel needs no privilege they use.
    FOR v_fn IN
        SELECT p.oid::regprocedure FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f'
          AND p.proname IN ('place_order', 'deposit', 'request_cancel', 'request_refill', 'block_user', 'request_erasure', 'release_order',
                            'lift_quarantine', 'decide_price_change')
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', v_fn, v_panel);
    END LOOP;
END
$$;
