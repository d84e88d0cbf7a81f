using System.Net.Http.Headers;
using System.Text;

namespace Fulfillment.Providers.Transport;

internal static class FormBody
{
    private static readonly MediaTypeHeaderValue FormUrlEncoded = new("application/x-www-form-urlencoded");

    /// <summary>Encodes fields once, so the tracking content has a length and is never chunked.</summary>
    public static SendTrackingContent Create(IEnumerable<KeyValuePair<string, string>> fields)
    {
        var builder = new StringBuilder();
        foreach (var (name, value) in fields)
        {
            if (builder.Length > 0)
                builder.Append('&');
            builder.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        var content = new SendTrackingContent(Encoding.UTF8.GetBytes(builder.ToString()));
        content.Headers.ContentType = FormUrlEncoded;
        return content;
    }
}
