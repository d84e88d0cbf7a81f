using Npgsql;
using NpgsqlTypes;
using static Fulfillment.Data.Entities.OrderStatus;

namespace Fulfillment.Engine.Lifecycle;

/// <summary>
/// The part of <see cref="OrderWriter"/> that writes emulated drip-feeds: a parent started, its runs created, its
/// progress aggregated. Each kind is one statement guarded by the state its move leaves, like every other change.
/// </summary>
internal static class RunWriter
{
    public static void AddTo(NpgsqlBatch batch, IReadOnlyCollection<OrderChange> changes, DateTimeOffset now)
    {
        var started = changes.OfType<OrderChange.RunsStarted>().ToList();
        Started(batch, started, now);
        // Run 1 is created with its parent, in the same transaction: a parent never runs without it.
        Created(batch, [.. started.Select(s => new OrderChange.RunCreated(s.OrderId, 1)), .. changes.OfType<OrderChange.RunCreated>()], now);
        Progressed(batch, changes.OfType<OrderChange.RunsProgressed>().ToList(), now);
    }

    private static void Started(NpgsqlBatch batch, List<OrderChange.RunsStarted> started, DateTimeOffset now)
    {
        if (started.Count == 0)
        {
            return;
        }

        OrderWriter.Add(batch, $"""
            WITH moved AS (
                UPDATE orders o SET status = '{InProgress}', emulated_runs = s.runs, provider_id = sv.provider_id, dispatched_at = $3, link_key = NULL,
                    next_attempt_at = $3, claimed_by = NULL, error = NULL, updated_at = $3
                FROM unnest($1::bigint[], $2::int[]) AS s(id, runs), services sv
                WHERE o.id = s.id AND sv.id = o.service_id AND o.status IN {OrderLifecycle.StartRuns.FromSql}
                RETURNING o.id, s.runs)
            INSERT INTO order_events (order_id, at, kind, detail)
            SELECT id, $3, 'runs_started', jsonb_build_object('runs', runs) FROM moved
            """, started.Select(s => s.OrderId).ToArray(), started.Select(s => s.Runs).ToArray(), now);
    }

    /// <summary>
    /// A run is the parent's add as a plain order: same user, service, link and quantity, its params without runs and
    /// interval, no charge of its own (the parent carries it). ON CONFLICT: a run number exists once, whatever retried.
    /// </summary>
    private static void Created(NpgsqlBatch batch, List<OrderChange.RunCreated> created, DateTimeOffset now)
    {
        if (created.Count == 0)
        {
            return;
        }

        OrderWriter.Add(batch, $"""
            WITH created AS (
                INSERT INTO orders (user_id, service_id, link, quantity, charge, charged_units, params, status, parent_id, run_number, created_at, updated_at)
                SELECT p.user_id, p.service_id, p.link, p.quantity, 0, p.quantity, p.params - 'runs' - 'interval', '{Pending}', p.id, r.n, $3, $3
                FROM unnest($1::bigint[], $2::int[]) AS r(parent, n)
                JOIN orders p ON p.id = r.parent
                WHERE p.status IN {OrderLifecycle.CreateRun.FromSql} AND p.emulated_runs IS NOT NULL AND r.n BETWEEN 1 AND p.emulated_runs
                ORDER BY r.parent, r.n
                ON CONFLICT (parent_id, run_number) WHERE parent_id IS NOT NULL DO NOTHING
                RETURNING id, parent_id, run_number),
            events AS (
                INSERT INTO order_events (order_id, at, kind, detail)
                SELECT id, $3, 'placed', jsonb_build_object('parent_id', parent_id, 'run', run_number) FROM created
                UNION ALL
                SELECT parent_id, $3, 'run_created', jsonb_build_object('order_id', id, 'run', run_number) FROM created)
            SELECT count(pg_notify('{Database.NotifyChannels.Orders}', id::text)) FROM created
            """, created.Select(c => c.OrderId).ToArray(), created.Select(c => c.RunNumber).ToArray(), now);
    }

    private static void Progressed(NpgsqlBatch batch, List<OrderChange.RunsProgressed> progress, DateTimeOffset now)
    {
        if (progress.Count == 0)
        {
            return;
        }

        OrderWriter.Add(batch, $"""
            UPDATE orders o SET remains = p.remains, start_count = coalesce(p.start_count, o.start_count), next_attempt_at = p.next_look_at,
                error = p.error, result = coalesce(o.result, jsonb_build_object()) || p.progress, updated_at = $7
            FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::text[], $6::jsonb[])
                AS p(id, remains, start_count, next_look_at, error, progress)
            WHERE o.id = p.id AND o.status IN {OrderLifecycle.RunsProgress.FromSql} AND o.emulated_runs IS NOT NULL
            """, progress.Select(p => p.OrderId).ToArray(), progress.Select(p => p.Remains).ToArray(),
            new NpgsqlParameter { Value = progress.Select(p => p.StartCount).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
            progress.Select(p => p.NextLookAt).ToArray(),
            new NpgsqlParameter { Value = progress.Select(p => p.Error).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            new NpgsqlParameter { Value = progress.Select(p => p.ProgressJson).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
            now);
    }
}
