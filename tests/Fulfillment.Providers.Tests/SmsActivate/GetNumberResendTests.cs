using System.Net;
using System.Net.Sockets;
using System.Text;
using Fulfillment.Providers.SmsActivate;
using Fulfillment.Providers.Tests.Infrastructure;

namespace Fulfillment.Providers.Tests.SmsActivate;

/// <summary>
/// SocketsHttpHandler re-sends a bodyless request on a fresh connection when a reused one closes before
/// answering. For getNumber that would rent a second number behind the client's back.
/// </summary>
[Trait("Lane", "Fast")]
public sealed class GetNumberResendTests
{
    [Fact]
    public async Task A_get_number_whose_reused_connection_closes_unanswered_is_unknown_and_not_sent_again()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var requests = 0;
        using var stop = new CancellationTokenSource();
        var server = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var socket = await listener.AcceptTcpClientAsync(stop.Token);
                _ = ServeAsync(socket);
            }
        });

        async Task ServeAsync(TcpClient socket)
        {
            using (socket)
            {
                var stream = socket.GetStream();
                while (await ReadRequestAsync(stream))
                {
                    // The first request (getBalance) is answered and leaves a pooled connection; the second
                    // (getNumber) is read — the provider acts on it — and the connection drops unanswered.
                    // Any further request would be the handler's silent resend, and would rent again.
                    switch (Interlocked.Increment(ref requests))
                    {
                        case 1:
                            await WriteAsync(stream, "ACCESS_BALANCE:1.00");
                            break;
                        case 2:
                            return;
                        default:
                            await WriteAsync(stream, "ACCESS_NUMBER:2:79000000002");
                            break;
                    }
                }
            }
        }

        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/stubs/handler_api.php");
        await using var harness = new ClientHarness(url);
        var client = harness.Get<ISmsActivateClient>();

        await client.GetBalanceAsync(harness.Provider, CancellationToken.None);
        var outcome = await client.GetNumberAsync(harness.Provider, "tg", "0", CancellationToken.None);

        Assert.IsType<NumberOutcome.Unknown>(outcome);
        Assert.Equal(2, Volatile.Read(ref requests));
        await stop.CancelAsync();
        listener.Stop();
        await Assert.ThrowsAnyAsync<Exception>(() => server);
    }

    private static async Task<bool> ReadRequestAsync(NetworkStream stream)
    {
        var seen = new StringBuilder();
        var buffer = new byte[1];
        while (!seen.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(buffer) == 0)
                return false;
            seen.Append((char)buffer[0]);
        }

        return true;
    }

    private static async Task WriteAsync(NetworkStream stream, string body) =>
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\n\r\n{body}"));
}
