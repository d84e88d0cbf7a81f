namespace Fulfillment.Data;

/// <summary>
/// SQL that migrations run verbatim (functions, triggers), kept as .sql files so it reads and
/// diffs as SQL. A file, once released in a migration, never changes: the next change is a new file.
/// </summary>
public static class EmbeddedSql
{
    public static string Read(string fileName)
    {
        var assembly = typeof(EmbeddedSql).Assembly;
        var resource = assembly.GetManifestResourceNames()
            .SingleOrDefault(n => n.EndsWith("." + fileName, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"Embedded SQL file '{fileName}' is missing from {assembly.GetName().Name}.");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
