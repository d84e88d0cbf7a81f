using System.Net.Sockets;
using System.Text;

namespace Fulfillment.Tests.Infrastructure;

/// <summary>
/// What systemd listens on for sd_notify messages (READY=1, WATCHDOG=1, ...): a Unix datagram socket whose
/// path goes to the engine in NOTIFY_SOCKET. Every message is recorded in arrival order, by a thread of
/// its own so that a busy thread pool cannot delay the record.
/// </summary>
public sealed class NotifySocket : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly List<string> _messages = [];
    private readonly Thread _receiver;
    private volatile bool _disposed;

    public NotifySocket()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ff-notify-{Guid.NewGuid().ToString("N")[..12]}.sock");
        _socket.Bind(new UnixDomainSocketEndPoint(Path));
        _socket.ReceiveTimeout = 200;
        _receiver = new Thread(Receive) { IsBackground = true, Name = "notify-socket" };
        _receiver.Start();
    }

    public string Path { get; }

    /// <summary>How many messages have arrived so far, to count from later with <see cref="CountSince"/>.</summary>
    public int Received
    {
        get
        {
            lock (_messages)
            {
                return _messages.Count;
            }
        }
    }

    public int CountSince(int start, string message)
    {
        lock (_messages)
        {
            return _messages.Skip(start).Count(m => m.Split('\n').Contains(message));
        }
    }

    public int Count(string message) => CountSince(0, message);

    public void Dispose()
    {
        _disposed = true;
        _receiver.Join();
        _socket.Dispose();
        File.Delete(Path);
    }

    private void Receive()
    {
        var buffer = new byte[4096];
        while (!_disposed)
        {
            try
            {
                var length = _socket.Receive(buffer);
                lock (_messages)
                {
                    _messages.Add(Encoding.UTF8.GetString(buffer, 0, length));
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TimedOut)
            {
                // Looks at _disposed again.
            }
        }
    }
}
