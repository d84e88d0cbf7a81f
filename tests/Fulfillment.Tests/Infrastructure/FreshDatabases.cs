namespace Fulfillment.Tests.Infrastructure;

/// <summary>A fresh, migrated database per call (copied from the template), for tests of one class that must not share state; all dropped afterwards.</summary>
public sealed class FreshDatabases : IAsyncLifetime
{
    private readonly List<string> _created = [];

    public async Task<string> CreateAsync()
    {
        var (server, template) = await TestServer.GetAsync();
        var name = $"test_{Guid.NewGuid():N}";
        lock (_created)
        {
            _created.Add(name);
        }

        return await server.CreateDatabaseAsync(name, template);
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
