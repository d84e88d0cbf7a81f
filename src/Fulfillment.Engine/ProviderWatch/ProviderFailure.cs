using Fulfillment.Providers;

namespace Fulfillment.Engine.ProviderWatch;

/// <summary>What a failed call says about its provider, as <see cref="ProviderStore.RecordUnreachableAsync"/> records it.</summary>
public enum ProviderFailure
{
    /// <summary>No usable answer: down, a timeout, an HTTP error, an unreadable body, an error for the whole call.</summary>
    Unreachable,

    /// <summary>The key or the account is refused (auth_failed_at): every call fails until someone fixes it.</summary>
    AuthenticationFailed,

    /// <summary>A redirect, not followed (redirected_at): sending to the provider pauses until a call to it succeeds.</summary>
    Redirected,
}

/// <summary>How a safe call's failure is recorded.</summary>
public static class ProviderFailures
{
    public static ProviderFailure Of(Exception failure) => failure switch
    {
        ProviderCallException { Failure: ProviderCallFailure.AuthenticationFailed } => ProviderFailure.AuthenticationFailed,
        ProviderCallException { Failure: ProviderCallFailure.Redirected } => ProviderFailure.Redirected,
        _ => ProviderFailure.Unreachable,
    };
}
