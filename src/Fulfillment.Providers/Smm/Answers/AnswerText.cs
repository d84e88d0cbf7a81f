using System.Net;
using System.Text.RegularExpressions;
using Fulfillment.Providers.Transport;

namespace Fulfillment.Providers.Smm.Answers;

/// <summary>Short descriptions of bodies for outcomes and exceptions: never the whole body, never the request, never a control character.</summary>
internal static partial class AnswerText
{
    /// <summary>The most of a body kept in an outcome, an exception, <c>providers.last_error</c> or an order's error.</summary>
    public const int SnippetLength = 200;

    /// <summary>How much of an HTML page is looked at for its visible text.</summary>
    private const int HtmlScanLength = 64 * 1024;

    public static string Describe(ExchangeResult.Answered answer)
    {
        var body = answer.Body.AsSpan().Trim();
        var kind = body.IsEmpty ? "empty body"
            : LooksLikeHtml(answer.Body) ? "HTML page"
            : "unreadable body";
        return $"HTTP {answer.StatusCode}, {kind}: {Snippet(answer.Body)}";
    }

    /// <summary>
    /// The start of a body, cleaned (<see cref="ProviderText.Clean"/>): it ends up in columns and events. An HTML page (an
    /// error page, a PHP warning) is reduced to what a person would read on it, its title and first message: its first
    /// characters are a <c>&lt;head&gt;</c> and a <c>&lt;style&gt;</c>, which say nothing.
    /// </summary>
    public static string Snippet(string body) =>
        ProviderText.Clean(LooksLikeHtml(body) ? VisibleText(body) : body, SnippetLength)!;

    /// <summary>Markup at the start, or an <c>&lt;html</c> or <c>&lt;br</c> anywhere near it (PHP prints warnings as HTML before its output).</summary>
    public static bool LooksLikeHtml(string body)
    {
        var head = body.AsSpan(0, Math.Min(body.Length, 512)).TrimStart();
        return head.StartsWith("<", StringComparison.Ordinal)
            || head.Contains("<html", StringComparison.OrdinalIgnoreCase)
            || head.Contains("<br", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// "Title: first message" of an HTML page, as a person would read it (the first message is its first line of text, and the
    /// next one when both are short); the title alone, or the message alone, when only one is there.
    /// </summary>
    public static string VisibleText(string html)
    {
        try
        {
            return Visible(html);
        }
        catch (RegexMatchTimeoutException)
        {
            return "(an HTML page too tangled to read)";
        }
    }

    private static string Visible(string html)
    {
        var page = html.Length > HtmlScanLength ? html[..HtmlScanLength] : html;
        var title = Words(TitleTag().Match(page) is { Success: true } m ? m.Groups[1].Value : "");
        var body = Invisible().Replace(page, " ");
        body = LineBreaks().Replace(body, "\n");
        body = Tags().Replace(body, "");
        var lines = WebUtility.HtmlDecode(body)
            .Split('\n')
            .Select(Words)
            .Where(line => line.Any(char.IsLetterOrDigit) && !line.Equals(title, StringComparison.OrdinalIgnoreCase))
            .Take(2)
            .ToList();
        // A page's first line is often a heading ("An Error Was Encountered"); the line after it says what happened.
        var message = lines.Count == 2 && lines[0].Length + lines[1].Length < 160 ? $"{lines[0]} {lines[1]}" : lines.FirstOrDefault() ?? "";
        return (title.Length, message.Length) switch
        {
            ( > 0, > 0) => $"{title}: {message}",
            ( > 0, _) => title,
            (_, > 0) => message,
            _ => "(no visible text)",
        };
    }

    private static string Words(string text) => string.Join(' ', WebUtility.HtmlDecode(text).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    [GeneratedRegex(@"<title[^>]*>(.*?)</title\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant, 200)]
    private static partial Regex TitleTag();

    /// <summary>What a browser never shows: the head (title included), scripts, styles, comments.</summary>
    [GeneratedRegex(@"<head[\s>].*?</head\s*>|<script[\s>].*?</script\s*>|<style[\s>].*?</style\s*>|<!--.*?-->|<title[^>]*>.*?</title\s*>",
        RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant, 200)]
    private static partial Regex Invisible();

    /// <summary>Tags that end a line of text: a message ends where its paragraph, heading or line does.</summary>
    [GeneratedRegex(@"<\s*(br|/?p|/?h[1-6]|/?div|/?li|/?tr|/?td|/?center|/?title|hr|/?body|/?pre)\b[^>]*>",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 200)]
    private static partial Regex LineBreaks();

    [GeneratedRegex(@"<[^>]*>", RegexOptions.CultureInvariant, 200)]
    private static partial Regex Tags();
}
