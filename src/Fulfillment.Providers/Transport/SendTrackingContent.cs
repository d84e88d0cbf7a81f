using System.Net;

namespace Fulfillment.Providers.Transport;

/// <summary>
/// A form body that remembers whether the handler ever started writing it. Every SMM v2 field —
/// key and action included — is in the body, so a provider cannot act on a request whose body never
/// started to go out. That is the proof behind <see cref="ExchangeResult.NotSent"/>. A GET carries an empty
/// one (<see cref="FormBody.EmptyTracked"/>): its headers only leave once the handler starts on the body.
/// </summary>
/// <remarks>
/// SocketsHttpHandler (since .NET 6) retries a request on a fresh connection only when it failed before the
/// body was sent (dotnet/runtime#86714 concerns bodyless requests), so a started body is never sent twice
/// behind our back.
/// </remarks>
internal sealed class SendTrackingContent(byte[] body) : ByteArrayContent(body)
{
    private int started;

    public bool Started => Volatile.Read(ref started) == 1;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        Volatile.Write(ref started, 1);
        return base.SerializeToStreamAsync(stream, context);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Volatile.Write(ref started, 1);
        return base.SerializeToStreamAsync(stream, context, cancellationToken);
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Volatile.Write(ref started, 1);
        base.SerializeToStream(stream, context, cancellationToken);
    }
}
