using Fulfillment.Providers.Smm;

namespace Fulfillment.Providers.SmsActivate;

/// <summary>
/// The sms-activate compatible protocol (GET <c>handler_api.php?api_key=...&amp;action=...</c>), for any provider
/// whose <see cref="ProviderEndpoint.ApiUrl"/> is the full handler URL. Shares the per-provider resilience
/// pipeline and the pooled connections with <see cref="ISmmClient"/>.
/// </summary>
/// <remarks>
/// <see cref="GetNumberAsync"/> and <see cref="SetStatusAsync"/> run once and never throw for a provider's
/// failure: they return an outcome in which "unknown" (the request may have been acted on) is kept apart from
/// "refused". <see cref="GetStatusAsync"/> and <see cref="GetBalanceAsync"/> are retried on transient failures
/// and throw <see cref="ProviderCallException"/> when they get no usable answer.
/// The key travels in the query string; neither the URL nor the code of an activation is ever logged.
/// </remarks>
public interface ISmsActivateClient
{
    /// <summary>Rents a number (<c>getNumber</c>). Never retried once the request may have left.</summary>
    /// <param name="serviceCode">The provider's service code (<c>tg</c>, <c>wa</c>...).</param>
    /// <param name="country">The provider's country number, as text.</param>
    Task<NumberOutcome> GetNumberAsync(ProviderEndpoint provider, string serviceCode, string country, CancellationToken cancellationToken);

    /// <summary>Where the activation stands (<c>getStatus</c>); carries the code once it arrived.</summary>
    Task<ActivationStatus> GetStatusAsync(ProviderEndpoint provider, string activationId, CancellationToken cancellationToken);

    /// <summary>
    /// Tells the provider what to do with an activation (<c>setStatus</c>); see <see cref="SmsActions"/> for the
    /// values (<see cref="SmsActions.StatusReady"/>, <see cref="SmsActions.StatusAnotherCode"/>,
    /// <see cref="SmsActions.StatusComplete"/>, <see cref="SmsActions.StatusCancel"/>). Never retried: after
    /// <see cref="SetStatusOutcome.Unknown"/>, read <see cref="GetStatusAsync"/> before sending it again.
    /// </summary>
    Task<SetStatusOutcome> SetStatusAsync(ProviderEndpoint provider, string activationId, int status, CancellationToken cancellationToken);

    /// <summary>The panel's balance at the provider (<c>getBalance</c>); the protocol sends no currency.</summary>
    Task<BalanceResult> GetBalanceAsync(ProviderEndpoint provider, CancellationToken cancellationToken);
}
