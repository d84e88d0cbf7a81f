using Npgsql;

namespace Fulfillment.Engine.Database;

/// <summary>Reading a row's columns by name, never by position: a column added to a query cannot shift the others.</summary>
public static class ColumnReader
{
    /// <summary>A column that is never NULL.</summary>
    public static T Value<T>(this NpgsqlDataReader reader, string column) => reader.GetFieldValue<T>(reader.GetOrdinal(column));

    /// <summary>A nullable value column.</summary>
    public static T? Maybe<T>(this NpgsqlDataReader reader, string column)
        where T : struct
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
    }

    /// <summary>A nullable text column.</summary>
    public static string? Text(this NpgsqlDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
    }
}
