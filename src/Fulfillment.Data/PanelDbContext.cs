using Fulfillment.Data.Entities;
using Fulfillment.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Fulfillment.Data;

/// <summary>
/// The panel database as the engine sees it. The schema is the public contract of
/// docs/contract.md: tables and columns are snake_case, money is numeric(20,6).
/// </summary>
public sealed class PanelDbContext(DbContextOptions<PanelDbContext> options) : DbContext(options)
{
    public const string MoneyType = "numeric(20,6)";

    public DbSet<User> Users => Set<User>();
    public DbSet<Provider> Providers => Set<Provider>();
    public DbSet<Service> Services => Set<Service>();
    public DbSet<Order> Orders => Set<Order>();
    public DbSet<OrderAttempt> OrderAttempts => Set<OrderAttempt>();
    public DbSet<LedgerEntry> Ledger => Set<LedgerEntry>();
    public DbSet<OrderRequest> OrderRequests => Set<OrderRequest>();
    public DbSet<OrderEvent> OrderEvents => Set<OrderEvent>();
    public DbSet<Notification> Notifications => Set<Notification>();
    public DbSet<ActivityLogEntry> ActivityLog => Set<ActivityLogEntry>();
    public DbSet<SupportTicket> SupportTickets => Set<SupportTicket>();
    public DbSet<SupportMessage> SupportMessages => Set<SupportMessage>();
    public DbSet<ErasureRequest> ErasureRequests => Set<ErasureRequest>();
    public DbSet<EngineInstance> EngineInstances => Set<EngineInstance>();
    public DbSet<ProviderService> ProviderServices => Set<ProviderService>();
    public DbSet<ServiceRoute> ServiceRoutes => Set<ServiceRoute>();
    public DbSet<CurrencyRate> CurrencyRates => Set<CurrencyRate>();
    public DbSet<EngineSetting> EngineSettings => Set<EngineSetting>();
    public DbSet<OperatorAlert> OperatorAlerts => Set<OperatorAlert>();
    public DbSet<RouteQuarantine> RouteQuarantines => Set<RouteQuarantine>();
    public DbSet<PriceChange> PriceChanges => Set<PriceChange>();
    public DbSet<ServiceStat> ServiceStats => Set<ServiceStat>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<User>(AccountModel.ConfigureUsers);
        modelBuilder.Entity<LedgerEntry>(AccountModel.ConfigureLedger);
        modelBuilder.Entity<Provider>(ProviderModel.ConfigureProviders);
        modelBuilder.Entity<Service>(ProviderModel.ConfigureServices);
        modelBuilder.Entity<Order>(OrderModel.ConfigureOrders);
        modelBuilder.Entity<OrderAttempt>(OrderModel.ConfigureAttempts);
        modelBuilder.Entity<OrderRequest>(OrderModel.ConfigureOrderRequests);
        ActivityModel.Configure(modelBuilder);
        modelBuilder.Entity<OperatorAlert>(AlertModel.ConfigureAlerts);
        modelBuilder.Entity<RouteQuarantine>(AlertModel.ConfigureQuarantines);
        modelBuilder.Entity<PriceChange>(AlertModel.ConfigurePriceChanges);
        modelBuilder.Entity<ServiceStat>(AlertModel.ConfigureServiceStats);
        ProviderModel.ConfigureLists(modelBuilder);
        SnakeCaseNames.Apply(modelBuilder);
    }

    internal static string InList(string column, IEnumerable<string> values) =>
        $"{column} IN ({string.Join(", ", values.Select(v => $"'{v}'"))})";
}
