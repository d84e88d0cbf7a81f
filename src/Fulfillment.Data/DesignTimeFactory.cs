using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Fulfillment.Data;

/// <summary>Lets `dotnet ef migrations add` build the model without a running host or database.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<PanelDbContext>
{
    public PanelDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PanelDbContext>()
            .UseNpgsql("Host=localhost;Database=design_time_only")
            .Options);
}
