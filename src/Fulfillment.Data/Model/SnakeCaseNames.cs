using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Fulfillment.Data.Model;

internal static class SnakeCaseNames
{
    /// <summary>Tables, columns, keys and indexes in snake_case, as the contract names them; a column named by hand keeps its name.</summary>
    public static void Apply(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties().Where(p => p.FindAnnotation(RelationalAnnotationNames.ColumnName) is null))
            {
                property.SetColumnName(ToSnakeCase(property.Name));
            }

            foreach (var key in entity.GetKeys())
            {
                key.SetName($"pk_{entity.GetTableName()}");
            }

            foreach (var fk in entity.GetForeignKeys())
            {
                var columns = string.Join("_", fk.Properties.Select(p => ToSnakeCase(p.Name)));
                fk.SetConstraintName($"fk_{entity.GetTableName()}_{columns}");
            }

            foreach (var index in entity.GetIndexes().Where(i => i.GetDatabaseName() is { } n && n.StartsWith("IX_", StringComparison.Ordinal)))
            {
                var columns = string.Join("_", index.Properties.Select(p => ToSnakeCase(p.Name)));
                index.SetDatabaseName($"{(index.IsUnique ? "ux" : "ix")}_{entity.GetTableName()}_{columns}");
            }
        }
    }

    public static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
