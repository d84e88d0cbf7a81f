namespace Fulfillment.Engine.Configuration;

/// <summary>One thing wrong with the configuration, named by its key (e.g. <c>Fulfillment:Jobs:Heartbeat:Cron</c>).</summary>
public sealed record ConfigProblem(string Key, string Message, bool IsWarning = false)
{
    public override string ToString() => $"{(IsWarning ? "warning" : "error")}: {Key}: {Message}";
}
