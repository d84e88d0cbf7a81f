using System.Net;
using System.Net.Sockets;

namespace Fulfillment.Providers.Tests.Infrastructure;

/// <summary>
/// A loopback port bound to port 0 and held, never listening: a connection to it is refused, and no other process can
/// take the port meanwhile (unlike a port probed, released, and hoped to stay free).
/// </summary>
public sealed class ClosedPort : IDisposable
{
    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosedPort()
    {
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public Uri Url(string path) => new($"http://127.0.0.1:{Port}/{path.TrimStart('/')}");

    public void Dispose() => socket.Dispose();
}
