using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Fulfillment.Providers.Tests.Infrastructure;

/// <summary>
/// A TCP relay between the client and a server, on a loopback port of its own (bound to port 0, never released): every
/// byte the client sends goes through it and is kept, exactly as it went over the wire. Tests read the HTTP requests
/// from those bytes, not from anything the server recorded after parsing (and stripping) them.
/// </summary>
public sealed class WireTap : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint target;
    private readonly CancellationTokenSource stop = new();
    private readonly List<MemoryStream> sent = [];
    private readonly List<Task> pumps = [];
    private readonly Task accepting;

    public WireTap(Uri server)
    {
        target = new IPEndPoint(IPAddress.Parse(server.Host), server.Port);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>The same URL through the tap.</summary>
    public Uri Through(Uri url) => new UriBuilder(url) { Port = Port }.Uri;

    /// <summary>Everything the client sent, connection by connection.</summary>
    public IReadOnlyList<byte[]> Sent()
    {
        lock (sent)
        {
            return sent.Select(s =>
            {
                lock (s)
                {
                    return s.ToArray();
                }
            }).ToList();
        }
    }

    /// <summary>The HTTP/1.1 requests in what the client sent: request line and headers, and the body (Content-Length or chunked).</summary>
    public IReadOnlyList<WireRequest> Requests() => Sent().SelectMany(Parse).ToList();

    private async Task AcceptAsync()
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stop.Token);
                var upstream = new TcpClient();
                await upstream.ConnectAsync(target, stop.Token);
                var record = new MemoryStream();
                lock (sent)
                {
                    sent.Add(record);
                    pumps.Add(RelayAsync(client, upstream, record));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task RelayAsync(TcpClient client, TcpClient upstream, MemoryStream record)
    {
        using (client)
        using (upstream)
        {
            var toServer = PumpAsync(client.GetStream(), upstream.GetStream(), record);
            var toClient = PumpAsync(upstream.GetStream(), client.GetStream(), null);
            await Task.WhenAny(toServer, toClient);
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, MemoryStream? record)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, stop.Token)) > 0)
            {
                if (record is not null)
                {
                    lock (record)
                    {
                        record.Write(buffer, 0, read);
                    }
                }

                await to.WriteAsync(buffer.AsMemory(0, read), stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A side closed or reset the connection: the relay ends with it.
        }
    }

    private static IEnumerable<WireRequest> Parse(byte[] bytes)
    {
        var at = 0;
        while (at < bytes.Length)
        {
            var end = IndexOf(bytes, "\r\n\r\n"u8, at);
            if (end < 0)
            {
                yield return new WireRequest(Encoding.Latin1.GetString(bytes, at, bytes.Length - at), "");
                yield break;
            }

            var head = Encoding.Latin1.GetString(bytes, at, end - at);
            at = end + 4;
            var headers = head.Split("\r\n").Skip(1).Select(h => h.Split(':', 2)).Where(h => h.Length == 2)
                .ToDictionary(h => h[0].Trim(), h => h[1].Trim(), StringComparer.OrdinalIgnoreCase);
            var body = new MemoryStream();
            if (headers.TryGetValue("Content-Length", out var length))
            {
                var n = Math.Min(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture), bytes.Length - at);
                body.Write(bytes, at, n);
                at += n;
            }
            else if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                while (at < bytes.Length)
                {
                    var line = IndexOf(bytes, "\r\n"u8, at);
                    var size = Convert.ToInt32(Encoding.Latin1.GetString(bytes, at, line - at).Split(';')[0], 16);
                    at = line + 2;
                    if (size == 0)
                    {
                        at = IndexOf(bytes, "\r\n"u8, at) + 2;
                        break;
                    }

                    body.Write(bytes, at, size);
                    at += size + 2;
                }
            }

            yield return new WireRequest(head, Encoding.Latin1.GetString(body.ToArray()));
        }
    }

    private static int IndexOf(byte[] bytes, ReadOnlySpan<byte> value, int from)
    {
        var index = bytes.AsSpan(from).IndexOf(value);
        return index < 0 ? -1 : from + index;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await accepting;
        Task[] running;
        lock (sent)
        {
            running = [.. pumps];
        }

        await Task.WhenAll(running);
        stop.Dispose();
    }
}

/// <summary>One request as it went over the wire: the request line with the headers, and the body.</summary>
public sealed record WireRequest(string Head, string Body)
{
    public string RequestLine => Head.Split("\r\n")[0];
}
