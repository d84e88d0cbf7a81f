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
}
