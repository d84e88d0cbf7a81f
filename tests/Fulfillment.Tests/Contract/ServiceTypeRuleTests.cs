using Fulfillment.Providers.Smm;
using Fulfillment.Tests.Infrastructure;

namespace Fulfillment.Tests.Contract;

/// <summary>
/// The SQL rules of a service type (fulfillment_service_type, what place_order checks and charges) and the client's (SmmServiceType,
/// what the add sends) tell the same story, whatever spelling a panel gives the type; and a list's lines reach the provider as the
/// lines that were paid for.
/// </summary>
public sealed class ServiceTypeRuleTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private readonly Panel _panel = new(fixture.DataSource);

    /// <summary>The SQL measure of each type and the client's whitelist of what it sends must tell the same story.</summary>
    [Fact]
    public async Task The_sql_type_rules_match_what_the_client_sends_for_every_known_type()
    {
        foreach (var type in SmmServiceType.All)
        {
            var measure = await _panel.ScalarAsync<string>("SELECT measure FROM fulfillment_service_type($1)", type.Name);
            var dripfeed = await _panel.ScalarAsync<bool>("SELECT dripfeed FROM fulfillment_service_type($1)", type.Name);
            var listField = await _panel.ScalarAsync<string?>("SELECT list_field FROM fulfillment_service_type($1)", type.Name);

            Assert.True(type.SendsQuantity == (measure == "quantity"), $"{type.Name}: sends quantity {type.SendsQuantity}, measured by {measure}");
            Assert.True(type.AllowsDripFeed == dripfeed, $"{type.Name}: drip-feed {type.AllowsDripFeed} in the client, {dripfeed} in SQL");
            Assert.True(listField is null || type.Fields.Contains(listField), $"{type.Name}: counts {listField}, which it does not send");
        }

        Assert.Equal("quantity", await _panel.ScalarAsync<string>("SELECT measure FROM fulfillment_service_type('Something New')"));
        Assert.Equal("unit", await _panel.ScalarAsync<string>("SELECT measure FROM fulfillment_service_type('Activation')"));
    }

    /// <summary>SmartPanel lists <c>custom_comments</c>: both sides read a name with underscores, hyphens and odd spacing alike.</summary>
    [Fact]
    public async Task The_sql_and_the_client_read_every_spelling_of_a_type_name_alike()
    {
        foreach (var type in SmmServiceType.All)
        {
            var words = type.Name.Split(' ');
            string[] spellings =
            [
                string.Join('_', words).ToLowerInvariant(), string.Join('-', words).ToUpperInvariant(), "  " + string.Join("  ", words) + " ",
                string.Join("_ ", words),
            ];
            var expected = await _panel.ScalarAsync<string>("SELECT measure || '/' || coalesce(list_field, '-') FROM fulfillment_service_type($1)", type.Name);
            foreach (var spelling in spellings)
            {
                Assert.Same(type, SmmServiceType.For(spelling));
                Assert.Equal(expected, await _panel.ScalarAsync<string>(
                    "SELECT measure || '/' || coalesce(list_field, '-') FROM fulfillment_service_type($1)", spelling));
            }
        }

        Assert.Equal("lines", await _panel.ScalarAsync<string>("SELECT measure FROM fulfillment_service_type('custom_comments')"));
    }

    [Theory]
    [InlineData("Custom Comments", "comments", 3, """{"comments": "nice\ngreat | wow\nok"}""")]
    [InlineData("custom_comments", "comments", 2, """{"comments": ["nice", "a|b"]}""")]
    [InlineData("Comment Replies", "comments", 2, """{"username": "someone", "comments": "fine\n|"}""")]
    [InlineData("Mentions Custom List", "usernames", 2, """{"usernames": "alice\nbob|carol"}""")]
    [InlineData("Custom Comments Package", "comments", 1, """{"comments": "one\ntwo | three"}""")]
    public async Task A_list_line_containing_a_pipe_is_refused_naming_the_line(string type, string field, int quantity, string @params)
    {
        var provider = await _panel.CreateProviderAsync();
        var service = await _panel.CreateServiceAsync(provider, rate: 10m, min: 1, max: 100, type: type);
        var user = await _panel.CreateUserAsync(deposit: 100m);
        var before = await _panel.SnapshotAsync();

        var refused = await PostgresAssert.FailsWithCodeAsync("invalid_params", () =>
            _panel.ScalarAsync<long>("SELECT place_order($1, $2, 'https://instagram.com/p/pipe', $3, $4::jsonb)", user, service, quantity, @params));

        Assert.Contains($"line 2 of {field}", refused.MessageText, StringComparison.Ordinal);
        Assert.Contains("\"|\"", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal(before, await _panel.SnapshotAsync());
        await _panel.ScalarAsync<long>("SELECT place_order($1, $2, 'https://instagram.com/p/pipe', $3, $4::jsonb)", user, service, quantity,
            @params.Replace("|", "/", StringComparison.Ordinal));
    }
}
