using System.Net;
using System.Text;

namespace Fulfillment.Providers.Tests.Infrastructure;

/// <summary>Plays recorded answer bodies back to the real client, and counts what reached it.</summary>
public sealed class StubHandler : HttpMessageHandler
{
    private readonly Func<int, string, Task<HttpResponseMessage>> respond;
    private int calls;

    private StubHandler(Func<int, string, Task<HttpResponseMessage>> respond) => this.respond = respond;

    /// <summary>Requests whose body was read, i.e. that "reached the provider".</summary>
    public int Calls => Volatile.Read(ref calls);

    public List<string> Bodies { get; } = [];

    public static StubHandler Answer(HttpStatusCode status, string body, string contentType = "application/json") =>
        new((_, _) => Task.FromResult(Response(status, body, contentType)));

    public static StubHandler Sequence(params (HttpStatusCode Status, string Body)[] answers) =>
        new((n, _) => Task.FromResult(Response(answers[Math.Min(n, answers.Length) - 1].Status, answers[Math.Min(n, answers.Length) - 1].Body, "application/json")));

    /// <summary>The body goes out, then the connection breaks before an answer.</summary>
    public static StubHandler ResetAfterSending() =>
        new((_, _) => throw new HttpRequestException("An error occurred while sending the request.", new IOException("Connection reset by peer")));

    public static StubHandler Custom(Func<int, string, Task<HttpResponseMessage>> respond) => new(respond);

    public static HttpResponseMessage Response(HttpStatusCode status, string body, string contentType = "application/json") =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, contentType) };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var n = Interlocked.Increment(ref calls);
        lock (Bodies)
            Bodies.Add(body);
        return await respond(n, body).WaitAsync(cancellationToken);
    }
}
