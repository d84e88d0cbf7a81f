namespace Fulfillment.Engine.Heartbeat;

/// <summary>Told after every heartbeat that reached the database (the systemd watchdog is one).</summary>
public interface IHeartbeatObserver
{
    void HeartbeatReachedDatabase(DateTimeOffset at);
}
