using Npgsql;

namespace Fulfillment.Tests.Infrastructure;

/// <summary>A fresh, migrated database for one test class, copied from the template.</summary>
public class DatabaseFixture : IAsyncLifetime
{
    private string? _name;
    private Fulfillment.LocalPostgres.PostgresServer? _server;

    public string ConnectionString { get; private set; } = "";
    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        var (server, template) = await TestServer.GetAsync();
        _server = server;
        _name = $"test_{Guid.NewGuid():N}";
        ConnectionString = await server.CreateDatabaseAsync(_name, template);
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        if (_server is not null && _name is not null)
        {
            await _server.DropDatabaseAsync(_name);
        }
    }
}
