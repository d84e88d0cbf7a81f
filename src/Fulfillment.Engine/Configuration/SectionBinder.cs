using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Fulfillment.Engine.Configuration;

/// <summary>Binds option sections for validation, naming the key of every problem.</summary>
public static class SectionBinder
{
    /// <summary>
    /// Binds a section, reporting unknown keys and values that do not convert, each by key.
    /// Returns null only when a value does not convert, so the known values are still checked.
    /// </summary>
    public static T? Bind<T>(IConfiguration configuration, string sectionPath, List<ConfigProblem> problems)
        where T : class, new()
    {
        var section = configuration.GetSection(sectionPath);
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToArray();
        var ok = true;
        foreach (var child in section.GetChildren())
        {
            if (!properties.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                var suggestion = properties.OrderBy(p => Distance(p.ToUpperInvariant(), child.Key.ToUpperInvariant())).First();
                problems.Add(new(child.Path, $"unknown setting; did you mean {suggestion}? Settings here: {string.Join(", ", properties)}"));
            }
        }

        foreach (var name in properties)
        {
            var child = section.GetSection(name);
            if (!child.Exists())
            {
                continue;
            }

            // Bind each setting alone so that every bad value is reported, not only the first.
            var alone = new ConfigurationBuilder().AddInMemoryCollection(
                child.AsEnumerable().Select(kv => new KeyValuePair<string, string?>(kv.Key[(sectionPath.Length + 1)..], kv.Value))).Build();
            try
            {
                alone.Bind(new T());
            }
            catch (InvalidOperationException)
            {
                problems.Add(new(child.Path, $"'{child.Value}' is not a valid {Describe(typeof(T).GetProperty(name)!.PropertyType)}"));
                ok = false;
            }
        }

        if (!ok)
        {
            return null;
        }

        var result = new T();
        section.Bind(result);
        return result;
    }

    public static string Describe(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(TimeSpan) ? "duration (hh:mm:ss)"
            : t == typeof(bool) ? "boolean (true or false)"
            : t == typeof(int) ? "whole number"
            : t.Name;
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }

        return d[a.Length, b.Length];
    }

}
