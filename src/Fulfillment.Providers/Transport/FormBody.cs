using System.Net.Http.Headers;
using System.Text;

namespace Fulfillment.Providers.Transport;

/// <summary>How a call's fields are put into a request: a form body, or a query string behind an empty tracked body.</summary>
internal static class FormBody
{
    private static readonly MediaTypeHeaderValue FormUrlEncoded = new("application/x-www-form-urlencoded");

    /// <summary>Encodes fields once, so the tracking content has a length and is never chunked.</summary>
    public static SendTrackingContent Create(IEnumerable<KeyValuePair<string, string>> fields)
    {
        var content = new SendTrackingContent(Encoding.UTF8.GetBytes(Encode(fields)));
        content.Headers.ContentType = FormUrlEncoded;
        return content;
    }

    /// <summary>
    /// A zero-length body for a GET (sent as <c>Content-Length: 0</c>). It is there for two reasons. With a
    /// null body, SocketsHttpHandler writes a GET on a reused connection and, if that connection turns out to
    /// be closed, silently sends it again on a fresh one (RequestRetryType.RetryOnConnectionFailure) — a
    /// rented number twice. With any body, it never does. And the handler writes request headers into a buffer
    /// that is only flushed once it starts copying the body, so <see cref="SendTrackingContent.Started"/> is set
    /// before the first byte of the request line (which carries the query) leaves: the same "never sent" proof
    /// as a form POST.
    /// </summary>
    public static SendTrackingContent EmptyTracked() => new([]);

    /// <summary>The URL with <paramref name="fields"/> appended to its query, keeping any query it already has.</summary>
    public static Uri AppendQuery(Uri url, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var builder = new UriBuilder(url);
        var existing = builder.Query.TrimStart('?');
        var added = Encode(fields);
        builder.Query = existing.Length == 0 ? added : $"{existing}&{added}";
        return builder.Uri;
    }

    private static string Encode(IEnumerable<KeyValuePair<string, string>> fields)
    {
        var builder = new StringBuilder();
        foreach (var (name, value) in fields)
        {
            if (builder.Length > 0)
                builder.Append('&');
            builder.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return builder.ToString();
    }
}
