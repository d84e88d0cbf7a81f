using Fulfillment.Worker.Cli;

namespace Fulfillment.Tests.Contract;

/// <summary>The committed deploy script, generated from the migrations without a database.</summary>
[Trait("Lane", "Fast")]
public sealed class DeployScriptTests
{
    [Fact]
    public void Committed_deploy_script_matches_the_migrations()
    {
        var committed = File.ReadAllText(Path.Combine(Repository.Root, "deploy", "schema.sql")).ReplaceLineEndings("\n");
        var generated = SchemaMigrator.GenerateIdempotentScript("qrtz_").ReplaceLineEndings("\n");

        Assert.True(committed == generated,
            "deploy/schema.sql is stale. Regenerate it: dotnet run --project src/Fulfillment.Worker -- migrate --script $PWD/deploy/schema.sql");
    }

    [Fact]
    public void The_deploy_script_holds_each_function_once()
    {
        var script = File.ReadAllText(Path.Combine(Repository.Root, "deploy", "schema.sql"));
        var definitions = System.Text.RegularExpressions.Regex.Matches(script, @"CREATE OR REPLACE FUNCTION (\w+)\(")
            .Select(m => m.Groups[1].Value).ToList();

        Assert.NotEmpty(definitions);
        Assert.Equal(definitions.Distinct().Count(), definitions.Count);
    }
}
