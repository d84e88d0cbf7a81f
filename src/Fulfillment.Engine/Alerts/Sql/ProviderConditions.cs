using Npgsql;

namespace Fulfillment.Engine.Alerts.Sql;

/// <summary>The providers in trouble now, as alerts of their kind (subject: the provider's id). A disabled provider is in none.</summary>
public static class ProviderConditions
{
    /// <summary>A known balance below <c>alert_balance</c>, or twice <c>min_balance</c> when that is not set.</summary>
    public static Task<IReadOnlyList<AlertCondition>> BalanceLowAsync(NpgsqlDataSource db, CancellationToken ct) => ReadAsync(db, """
        SELECT p.id::text, format('Provider %s''s balance %s%s is below its alert level %s: top it up before it runs dry (dispatch to it pauses below %s).',
                   p.name, p.balance, coalesce(' ' || p.currency, ''), coalesce(p.alert_balance, 2 * p.min_balance), p.min_balance),
               jsonb_build_object('balance', p.balance, 'currency', p.currency, 'alert_balance', coalesce(p.alert_balance, 2 * p.min_balance),
                   'min_balance', p.min_balance)
        FROM providers p
        WHERE p.enabled AND p.balance IS NOT NULL AND p.balance < coalesce(p.alert_balance, 2 * p.min_balance)
        ORDER BY p.id
        """, ct);

    /// <summary>The key or the account refused since <c>auth_failed_at</c> (its words in <c>last_error</c>), until a call succeeds.</summary>
    public static Task<IReadOnlyList<AlertCondition>> AuthFailedAsync(NpgsqlDataSource db, CancellationToken ct) => ReadAsync(db, """
        SELECT p.id::text, format('Provider %s has refused the engine''s API key or account since %s (%s): check providers.api_key with the provider.',
                   p.name, to_char(p.auth_failed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS"Z"'), coalesce(p.last_error, 'no error recorded')),
               jsonb_build_object('auth_failed_at', p.auth_failed_at, 'last_error', p.last_error)
        FROM providers p
        WHERE p.enabled AND p.auth_failed_at IS NOT NULL
        ORDER BY p.id
        """, ct);

    /// <summary>Every call failing since <c>unreachable_since</c>, for a reason other than a refused key (that is provider_auth_failed).</summary>
    public static Task<IReadOnlyList<AlertCondition>> UnreachableAsync(NpgsqlDataSource db, CancellationToken ct) => ReadAsync(db, """
        SELECT p.id::text, format('Provider %s has failed every call since %s (%s): check that it is up and that its api_url is right.',
                   p.name, to_char(p.unreachable_since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS"Z"'), coalesce(p.last_error, 'no error recorded')),
               jsonb_build_object('unreachable_since', p.unreachable_since, 'last_error', p.last_error)
        FROM providers p
        WHERE p.enabled AND p.unreachable_since IS NOT NULL AND p.auth_failed_at IS NULL
        ORDER BY p.id
        """, ct);

    /// <summary>The enabled providers' ids: the subjects these checks looked at.</summary>
    public static async Task<IReadOnlyList<string>> AllAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var command = db.CreateCommand("SELECT id::text FROM providers ORDER BY id");
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    internal static async Task<IReadOnlyList<AlertCondition>> ReadAsync(NpgsqlDataSource db, string sql, CancellationToken ct, params object[] values)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var found = new List<AlertCondition>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found.Add(new AlertCondition(reader.GetString(0), reader.GetString(1), System.Text.Json.JsonDocument.Parse(reader.GetString(2)).RootElement.Clone()));
        }

        return found;
    }
}
