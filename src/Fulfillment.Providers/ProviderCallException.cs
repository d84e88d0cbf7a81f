namespace Fulfillment.Providers;

/// <summary>
/// A safe (repeatable) call — status, services, balance, refill status — got no usable answer.
/// Non-idempotent calls never throw this: they return an outcome (accepted, refused or unknown).
/// </summary>
public sealed class ProviderCallException : Exception
{
    public ProviderCallException() { }

    public ProviderCallException(string message) : base(message) { }

    public ProviderCallException(string message, Exception innerException) : base(message, innerException) { }

    public ProviderCallException(ProviderCallFailure failure, string providerName, string action, string message, Exception? innerException = null)
        : base($"{providerName} {action}: {message}", innerException)
    {
        Failure = failure;
        ProviderName = providerName;
        Action = action;
    }

    public ProviderCallFailure Failure { get; }

    public string? ProviderName { get; }

    public string? Action { get; }
}
