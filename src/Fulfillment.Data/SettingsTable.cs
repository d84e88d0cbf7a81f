using Fulfillment.Data.Entities;
using Npgsql;

namespace Fulfillment.Data;

/// <summary>Writes <c>fulfillment_settings</c>: the engine's settings that SQL reads too (<see cref="EngineSetting"/>).</summary>
public static class SettingsTable
{
    /// <summary>Stores <paramref name="value"/> under <paramref name="name"/>; a value already there is left untouched.</summary>
    public static async Task WriteAsync(NpgsqlDataSource db, string name, string value, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO fulfillment_settings (name, value) VALUES ($1, $2)
            ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now() WHERE fulfillment_settings.value IS DISTINCT FROM EXCLUDED.value
            """);
        command.Parameters.Add(new() { Value = name });
        command.Parameters.Add(new() { Value = value });
        await command.ExecuteNonQueryAsync(ct);
    }
}
