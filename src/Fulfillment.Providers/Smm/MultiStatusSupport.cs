using System.Collections.Concurrent;

namespace Fulfillment.Providers.Smm;

/// <summary>
/// The providers known to have no multi-status call: the PHP panel script reads only <c>order</c> and answers "Order not found."
/// for the whole call. Once single calls have answered what the multi-status call said it did not know, that provider (at that
/// URL) is asked one id a call for <see cref="RememberFor"/>, without trying multi-status first; then it is tried again, in case
/// the software changed. In memory, per process: a restart costs one multi-status call per provider.
/// </summary>
internal sealed class MultiStatusSupport(ProviderClock clock)
{
    public static readonly TimeSpan RememberFor = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<(long Id, string Url), DateTimeOffset> _lacking = new();

    public bool Lacks(ProviderEndpoint provider)
    {
        if (!_lacking.TryGetValue(Key(provider), out var until))
            return false;
        if (until > clock.Time.GetUtcNow())
            return true;
        _lacking.TryRemove(new(Key(provider), until));
        return false;
    }

    public void RememberLacking(ProviderEndpoint provider) => _lacking[Key(provider)] = clock.Time.GetUtcNow() + RememberFor;

    private static (long, string) Key(ProviderEndpoint provider) => (provider.Id, provider.ApiUrl.ToString());
}
