namespace Fulfillment.Tests.Infrastructure;

/// <summary>Creates empty (unmigrated) databases on the shared server, and drops them afterwards.</summary>
public sealed class EmptyDatabaseFixture : IAsyncLifetime
{
    private readonly List<string> _created = [];

    public async Task<string> CreateAsync()
    {
        var (server, _) = await TestServer.GetAsync();
        var name = $"empty_{Guid.NewGuid():N}";
        _created.Add(name);
        return await server.CreateDatabaseAsync(name);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_created.Count == 0)
        {
            return; // nothing to drop, and no server to start for it
        }

        var (server, _) = await TestServer.GetAsync();
        foreach (var name in _created)
        {
            await server.DropDatabaseAsync(name);
        }
    }
}
