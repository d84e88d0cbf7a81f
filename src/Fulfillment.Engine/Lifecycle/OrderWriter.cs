using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Fulfillment.Engine.Lifecycle;

/// <summary>
/// The one writer of order transitions: adds to a batch, as sets, the statements that apply a list of
/// <see cref="OrderChange"/> records, each kind one statement, each guarded by the state its move leaves
/// (<see cref="OrderLifecycle"/>), so an order that moved on meanwhile is left alone. Every stage writes
/// through it; finishing goes through fulfillment_finish_orders, where the money rule is written once.
/// </summary>
public static class OrderWriter
{
    public static void AddTo(NpgsqlBatch batch, IReadOnlyCollection<OrderChange> changes, DateTimeOffset now)
    {
        foreach (var change in changes)
        {
            OrderChange.EnsureAllowed(change);
        }

        // Progress first: an activation's code is written on the order in the same batch that then finishes it,
        // and so is what the provider charged for an order that finishes.
        ProgressWrites.Progressed(batch, [.. changes.OfType<OrderChange.Progressed>()], now);
        ProgressWrites.FinishCosts(batch, [.. changes.OfType<OrderChange.Finished>().Select(f => f.Finish)
            .Where(f => f.ProviderCharge is not null || f.ProviderCurrency is not null)]);
        // A move at claim comes before the claim's own write (or the wait).
        foreach (var group in changes.OfType<OrderChange.Rerouted>().GroupBy(r => r.Leaving))
        {
            DispatchWrites.Rerouted(batch, [.. group], group.Key, now);
        }

        DispatchWrites.Claimed(batch, [.. changes.OfType<OrderChange.Claimed>()], now);
        DispatchWrites.Accepted(batch, [.. changes.OfType<OrderChange.Accepted>()], now);
        DispatchWrites.Retracked(batch, [.. changes.OfType<OrderChange.Retracked>()], now);
        // Emulated drip-feeds (before finishing: a parent's last progress is written on it, then it finishes).
        RunWriter.AddTo(batch, changes, now);
        OrderFinisher.AddTo(batch, [.. changes.OfType<OrderChange.Finished>().Select(f => f.Finish)], now);
        DispatchWrites.Deferred(batch, [.. changes.OfType<OrderChange.Deferred>()], now);
        DispatchWrites.HeldAtProvider(batch, [.. changes.OfType<OrderChange.HeldAtProvider>()], now);
        DispatchWrites.HeldBehind(batch, [.. changes.OfType<OrderChange.HeldBehind>()], now);
        DispatchWrites.Waiting(batch, [.. changes.OfType<OrderChange.Waiting>()], now);
        DispatchWrites.ReleasedUnsent(batch, [.. changes.OfType<OrderChange.ReleasedUnsent>()], now);
        foreach (var group in changes.OfType<OrderChange.ToReview>().GroupBy(r => r.Leaving))
        {
            OrderReviews.AddTo(batch, [.. group], group.Key, now);
        }
    }

    /// <summary>One statement of a batch; an <see cref="NpgsqlParameter"/> is passed as it is.</summary>
    public static void Add(NpgsqlBatch batch, string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        batch.BatchCommands.Add(command);
    }

    /// <summary>An audit event with a detail object, serialised here.</summary>
    public static void Event(NpgsqlBatch batch, long orderId, string kind, DateTimeOffset at, object detail) =>
        Add(batch, "INSERT INTO order_events (order_id, at, kind, detail) VALUES ($1, $2, $3, $4)", orderId, at, kind,
            new NpgsqlParameter { Value = JsonSerializer.Serialize(detail), NpgsqlDbType = NpgsqlDbType.Jsonb });

    internal static NpgsqlParameter Jsonb(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb };

    internal static NpgsqlParameter Bigints(IEnumerable<long?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };

    internal static NpgsqlParameter Ints(IEnumerable<int?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer };

    internal static NpgsqlParameter Decimals(IEnumerable<decimal?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Numeric };

    internal static NpgsqlParameter Texts(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    internal static NpgsqlParameter Uuids(IEnumerable<Guid?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid };
}
