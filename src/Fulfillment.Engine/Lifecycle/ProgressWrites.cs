using Npgsql;
using static Fulfillment.Engine.Lifecycle.OrderWriter;

namespace Fulfillment.Engine.Lifecycle;

/// <summary>The part of <see cref="OrderWriter"/> that records what a provider says about an order in progress.</summary>
internal static class ProgressWrites
{
    /// <summary>
    /// The provider's latest words (verbatim), and the next check. The cost is what the answer said: a charge in the answer's
    /// currency, or, when it named none, the provider's balance currency (never an earlier answer's). The count of answers in a
    /// row that did not know the order is set when the decision gave one.
    /// </summary>
    public static void Progressed(NpgsqlBatch batch, List<OrderChange.Progressed> progress, DateTimeOffset now)
    {
        if (progress.Count == 0)
        {
            return;
        }

        Add(batch, $"""
            UPDATE orders o SET provider_status = coalesce(p.status, o.provider_status), start_count = coalesce(p.start_count, o.start_count),
                remains = coalesce(p.remains, o.remains), next_check_at = p.next_check_at, error = p.error, updated_at = $7,
                result = coalesce(p.result, o.result), posts_served = greatest(o.posts_served, p.posts_served),
                provider_charge = coalesce(p.charge, o.provider_charge), unknown_answers = coalesce(p.unknown_answers, o.unknown_answers),
                provider_currency = CASE WHEN p.charge IS NULL THEN o.provider_currency
                    ELSE coalesce(p.currency, (SELECT pr.currency FROM providers pr WHERE pr.id = o.provider_id)) END
            FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::text[], $8::jsonb[], $9::int[], $10::numeric[], $11::text[],
                        $12::int[])
                AS p(id, status, start_count, remains, next_check_at, error, result, posts_served, charge, currency, unknown_answers)
            WHERE o.id = p.id AND o.status IN {OrderLifecycle.Progress.FromSql}
            """, progress.Select(p => p.OrderId).ToArray(), progress.Select(p => p.ProviderStatus).ToArray(), Bigints(progress.Select(p => p.StartCount)),
            Bigints(progress.Select(p => p.Remains)), progress.Select(p => p.NextCheckAt).ToArray(), Texts(progress.Select(p => p.Error)), now,
            Jsonb(progress.Select(p => p.ResultJson)), Ints(progress.Select(p => p.PostsServed)), Decimals(progress.Select(p => p.ProviderCharge)),
            Texts(progress.Select(p => p.ProviderCurrency)), Ints(progress.Select(p => p.UnknownAnswers)));
    }

    /// <summary>What the provider charged for orders that finish now, written before they finish (the finish leaves in_progress).</summary>
    public static void FinishCosts(NpgsqlBatch batch, List<Finish> finishes)
    {
        if (finishes.Count == 0)
        {
            return;
        }

        Add(batch, $"""
            UPDATE orders o SET provider_charge = coalesce(c.charge, o.provider_charge),
                provider_currency = CASE WHEN c.charge IS NULL THEN o.provider_currency
                    ELSE coalesce(c.currency, (SELECT p.currency FROM providers p WHERE p.id = o.provider_id)) END
            FROM unnest($1::bigint[], $2::numeric[], $3::text[]) AS c(id, charge, currency)
            WHERE o.id = c.id AND o.status IN {OrderLifecycle.Progress.FromSql}
            """, finishes.Select(f => f.OrderId).ToArray(), Decimals(finishes.Select(f => f.ProviderCharge)), Texts(finishes.Select(f => f.ProviderCurrency)));
    }
}
