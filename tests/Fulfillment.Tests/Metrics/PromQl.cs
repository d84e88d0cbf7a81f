using System.Collections.Frozen;

namespace Fulfillment.Tests.Metrics;

/// <summary>A metric an expression selects, with the label names its matchers name (<c>{status="review"}</c>: status).</summary>
internal sealed record Selector(string Metric, IReadOnlyList<string> Labels);

/// <summary>
/// Just enough of PromQL to find the metrics an expression reads: strings, comments and ranges are skipped, functions,
/// aggregations, keywords and label lists (by, on, ...) are not metrics, and an identifier left is a metric, with the
/// label names of the matchers that follow it. A Grafana variable ($job, $__rate_interval) is never a metric.
/// </summary>
internal static class PromQl
{
    private static readonly FrozenSet<string> Keywords = new[]
    {
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk",
        "limit_ratio", "and", "or", "unless", "atan2", "offset", "bool", "inf", "nan", "start", "end",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Keywords followed by a list of label names in parentheses.</summary>
    private static readonly FrozenSet<string> LabelLists = new[] { "by", "without", "on", "ignoring", "group_left", "group_right" }
        .ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private enum Kind
    {
        Identifier,
        Open,
        Close,
        Matchers,
        Other,
    }

    private sealed record Token(Kind Kind, string Text = "", IReadOnlyList<string>? Labels = null);

    public static IReadOnlyList<Selector> Selectors(string expression)
    {
        var tokens = Tokenize(expression);
        var found = new List<Selector>();
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var next = i + 1 < tokens.Count ? tokens[i + 1] : null;
            if (token.Kind == Kind.Matchers)
            {
                found.Add(new Selector("", token.Labels!)); // a selector without a metric name
            }
            else if (token.Kind == Kind.Identifier && LabelLists.Contains(token.Text))
            {
                i = next?.Kind == Kind.Open ? Closing(tokens, i + 1) : i;
            }
            else if (token.Kind == Kind.Identifier && !Keywords.Contains(token.Text) && next?.Kind != Kind.Open)
            {
                found.Add(new Selector(token.Text, next?.Kind == Kind.Matchers ? next.Labels! : []));
                i += next?.Kind == Kind.Matchers ? 1 : 0;
            }
        }

        return found;
    }

    private static int Closing(List<Token> tokens, int open)
    {
        for (int i = open, depth = 0; i < tokens.Count; i++)
        {
            depth += tokens[i].Kind switch { Kind.Open => 1, Kind.Close => -1, _ => 0 };
            if (depth == 0)
            {
                return i;
            }
        }

        throw new FormatException("unbalanced parentheses");
    }

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            var start = i;
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '"' or '\'' or '`')
            {
                i = AfterString(text, i);
            }
            else if (c == '#')
            {
                i = text.IndexOf('\n', i) is var end and >= 0 ? end : text.Length;
            }
            else if (c == '[')
            {
                i = After(text, ']', i); // a range or subquery: durations and Grafana variables
            }
            else if (c == '{')
            {
                (i, var labels) = Matchers(text, i);
                tokens.Add(new Token(Kind.Matchers, Labels: labels));
            }
            else if (c is '(' or ')')
            {
                tokens.Add(new Token(c == '(' ? Kind.Open : Kind.Close));
                i++;
            }
            else if (char.IsAsciiLetter(c) || c is '_' or ':')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or ':'))
                {
                    i++;
                }

                tokens.Add(new Token(Kind.Identifier, text[start..i]));
            }
            else
            {
                i = AfterOther(text, i);
                tokens.Add(new Token(Kind.Other, text[start..i]));
            }
        }

        return tokens;
    }

    /// <summary>After a number or duration (0.95, 1e3, 10m), a Grafana variable ($job, ${job}), or one character (an operator, a comma).</summary>
    private static int AfterOther(string text, int start)
    {
        var i = start + 1;
        if (text[start] == '$' && i < text.Length && text[i] == '{')
        {
            return After(text, '}', i);
        }

        if (text[start] == '$' || text[start] == '.' || char.IsAsciiDigit(text[start]))
        {
            while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '.'))
            {
                i++;
            }
        }

        return i;
    }

    /// <summary>The label names of the matchers from the <c>{</c> at <paramref name="open"/>, and the index after its <c>}</c>.</summary>
    private static (int Next, List<string> Labels) Matchers(string text, int open)
    {
        var labels = new List<string>();
        var i = open + 1;
        while (i < text.Length && text[i] != '}')
        {
            if (text[i] is '"' or '\'' or '`')
            {
                i = AfterString(text, i);
            }
            else if (char.IsAsciiLetter(text[i]) || text[i] == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                labels.Add(text[start..i]);
            }
            else
            {
                i++;
            }
        }

        if (i >= text.Length)
        {
            throw new FormatException($"unclosed {{ in {text}");
        }

        return (i + 1, labels);
    }

    private static int After(string text, char close, int from) =>
        text.IndexOf(close, from) is var at and >= 0 ? at + 1 : throw new FormatException($"no {close} after position {from} in {text}");

    private static int AfterString(string text, int open)
    {
        var quote = text[open];
        for (var i = open + 1; i < text.Length; i++)
        {
            if (text[i] == '\\' && quote != '`')
            {
                i++;
            }
            else if (text[i] == quote)
            {
                return i + 1;
            }
        }

        throw new FormatException($"unclosed string in {text}");
    }
}
