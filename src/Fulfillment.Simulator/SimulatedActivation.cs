namespace Fulfillment.Simulator;

/// <summary>
/// A rented number at the simulated SMS provider. Like <see cref="SimulatedOrder"/>, its state at any instant is
/// a function of the clock and of the setStatus calls it received: no timers, no background work.
/// </summary>
public sealed class SimulatedActivation
{
    private readonly Lock gate = new();
    private readonly Func<string> newCode;
    private DateTimeOffset codeAskedAt;
    private string nextCode;
    private string? previousCode;
    private SimulatedActivationState? finished;
    private DateTimeOffset finishedAt = DateTimeOffset.MaxValue;
    private int refunded;

    internal SimulatedActivation(
        long id, string service, string country, string phone, decimal price, DateTimeOffset createdAt,
        TimeSpan? codeAfter, TimeSpan lifetime, Func<string> newCode)
    {
        Id = id;
        Service = service;
        Country = country;
        Phone = phone;
        Price = price;
        CreatedAt = createdAt;
        CodeAfter = codeAfter;
        ExpiresAt = createdAt + lifetime;
        this.newCode = newCode;
        codeAskedAt = createdAt;
        nextCode = newCode();
    }

    public long Id { get; }

    public string Service { get; }

    public string Country { get; }

    public string Phone { get; }

    public decimal Price { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>How long a code takes to arrive after it is asked for; null when it never will.</summary>
    public TimeSpan? CodeAfter { get; }

    /// <summary>When the provider finishes the activation itself: completed after a code, canceled and refunded without.</summary>
    public DateTimeOffset ExpiresAt { get; }

    public SimulatedActivationState StateAt(DateTimeOffset now)
    {
        lock (gate)
            return StateLocked(now);
    }

    /// <summary>The latest code received by <paramref name="now"/>, or null.</summary>
    public string? CodeAt(DateTimeOffset now)
    {
        lock (gate)
            return CodeArrived(now) ? nextCode : previousCode;
    }

    /// <summary>The <c>getStatus</c> answer.</summary>
    internal string Status(DateTimeOffset now)
    {
        lock (gate)
        {
            return StateLocked(now) switch
            {
                SimulatedActivationState.Canceled => "STATUS_CANCEL",
                _ when CodeArrived(now) => $"STATUS_OK:{nextCode}",
                _ when previousCode is not null => $"STATUS_WAIT_RETRY:{previousCode}",
                _ => "STATUS_WAIT_CODE",
            };
        }
    }

    /// <summary>The <c>setStatus</c> answer, applying the change.</summary>
    internal string SetStatus(int status, DateTimeOffset now, TimeSpan earlyCancelWindow)
    {
        lock (gate)
        {
            if (StateLocked(now) is SimulatedActivationState.Completed or SimulatedActivationState.Canceled)
                return "BAD_STATUS";

            var codeReceived = CodeArrived(now) || previousCode is not null;
            switch (status)
            {
                case 1:
                    return "ACCESS_READY";
                case 3 when CodeArrived(now):
                    previousCode = nextCode;
                    nextCode = newCode();
                    codeAskedAt = now;
                    return "ACCESS_RETRY_GET";
                case 6 when codeReceived:
                    (finished, finishedAt) = (SimulatedActivationState.Completed, now);
                    return "ACCESS_ACTIVATION";
                case 8 when codeReceived:
                    // A number that got its code is paid for: it can be completed, not canceled.
                    return "BAD_STATUS";
                case 8 when now - CreatedAt < earlyCancelWindow:
                    return "EARLY_CANCEL_DENIED";
                case 8:
                    (finished, finishedAt) = (SimulatedActivationState.Canceled, now);
                    return "ACCESS_CANCEL";
                default:
                    return "BAD_STATUS";
            }
        }
    }

    /// <summary>True once, for the caller that must put <see cref="Price"/> back on the balance.</summary>
    internal bool TakeRefund(DateTimeOffset now) =>
        StateAt(now) == SimulatedActivationState.Canceled && Interlocked.Exchange(ref refunded, 1) == 0;

    private SimulatedActivationState StateLocked(DateTimeOffset now)
    {
        if (finished is { } state)
            return state;
        if (now >= ExpiresAt)
            return CodeArrived(now) || previousCode is not null ? SimulatedActivationState.Completed : SimulatedActivationState.Canceled;
        return CodeArrived(now) || previousCode is not null ? SimulatedActivationState.CodeSent : SimulatedActivationState.WaitCode;
    }

    /// <summary>Whether the code asked for last has arrived by <paramref name="now"/>; nothing arrives once the activation is over.</summary>
    private bool CodeArrived(DateTimeOffset now)
    {
        var until = now < finishedAt ? now : finishedAt;
        if (until > ExpiresAt)
            until = ExpiresAt;
        return CodeAfter is { } after && until >= codeAskedAt + after;
    }
}
