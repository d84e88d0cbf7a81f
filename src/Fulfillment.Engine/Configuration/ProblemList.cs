namespace Fulfillment.Engine.Configuration;

/// <summary>The small checks every configuration rule makes, each problem named by its key.</summary>
public static class ProblemList
{
    public static void Require(this List<ConfigProblem> problems, string section, string key, bool condition, string message)
    {
        if (!condition)
        {
            problems.Add(new($"{section}:{key}", message));
        }
    }

    public static void Range(this List<ConfigProblem> problems, string section, string key, int value, int min, int max) =>
        problems.Require(section, key, value >= min && value <= max, $"must be between {min} and {max}, not {value}");

    public static void Positive(this List<ConfigProblem> problems, string section, string key, TimeSpan value) =>
        problems.Require(section, key, value > TimeSpan.Zero, $"must be a positive duration, not {value}");
}
