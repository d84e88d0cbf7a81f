namespace Fulfillment.Providers.Tests;

/// <summary>The one cleaning rule for provider text, and the one rule for provider ids.</summary>
[Trait("Lane", "Fast")]
public sealed class ProviderTextTests
{
    public static TheoryData<string?, int, string?> Cleaned => new()
    {
        { null, 500, null },
        { "Incorrect order ID", 500, "Incorrect order ID" },
        { "\0Incorrect\u0000 order ID\u001b[31m\u0007", 500, "Incorrect order ID[31m" },
        { "line one\r\nline two\tend\n", 500, "line one line two end" },
        { "   padded   ", 500, "padded" },
        { "a\ud800b\udc00", 500, "a\uFFFDb\uFFFD" },
        { "ok \ud83d\ude00", 500, "ok \ud83d\ude00" },
        { "\u202Egnp.exe\u202C", 500, "gnp.exe" },
        { "del\u007f c1\u0085x\u009b", 500, "del c1 x" },
        { new string('x', 600), 500, new string('x', 499) + "…" },
        { "a\ud83d\ude00bc", 3, "a…" },
        { "abc\ud83d\ude00d", 4, "abc…" },
    };

    [Theory]
    [MemberData(nameof(Cleaned))]
    public void Clean_drops_control_characters_replaces_lone_surrogates_and_cuts(string? text, int max, string? expected)
    {
        var cleaned = ProviderText.Clean(text, max);

        Assert.Equal(expected, cleaned);
        if (cleaned is not null)
            AssertStorable(cleaned, max);
    }

    [Fact]
    public void Clean_text_comes_back_as_the_same_instance()
    {
        const string text = "Not enough funds on balance";

        Assert.Same(text, ProviderText.Clean(text, 500));
    }

    [Theory]
    [InlineData("23501")]
    [InlineData("a1B2-c3_d4.e5:f6")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123")]
    public void A_printable_bounded_id_is_usable(string id) => Assert.Null(ProviderText.IdProblem(id));

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("12,13", "comma")]
    [InlineData("12\u0000", "control character")]
    [InlineData("12\t", "control character")]
    [InlineData("12 13", "whitespace")]
    [InlineData("12\u00a013", "whitespace")]
    [InlineData("12;13", "';'")]
    [InlineData("12&key=1", "'&'")]
    [InlineData("١٢", "'١'")]
    [InlineData("12\ud800", "'\uFFFD'")]
    [InlineData("01234567890123456789012345678901234567890123456789012345678901234", "65 characters long")]
    public void An_id_the_engine_cannot_use_later_says_why(string? id, string problem)
    {
        Assert.Contains(problem, ProviderText.IdProblem(id), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unusable_id_is_shown_escaped_and_cut()
    {
        Assert.Equal("\"12\\u0000,3\"", ProviderText.Quote("12\0,3"));
        Assert.Equal("\"1 \\u00e9\\ud800\"", ProviderText.Quote("1 é\ud800"));
        var quoted = ProviderText.Quote(new string('7', 500));
        Assert.True(quoted.Length <= 82, quoted);
        AssertStorable(quoted, 82);
    }

    /// <summary>What PostgreSQL text and jsonb accept, within the length asked for.</summary>
    internal static void AssertStorable(string? text, int maxLength)
    {
        if (text is null)
            return;
        Assert.True(text.Length <= maxLength, $"{text.Length} characters, more than {maxLength}");
        for (var i = 0; i < text.Length; i++)
        {
            Assert.False(char.IsControl(text[i]), $"control character U+{(int)text[i]:X4} at {i} in {ProviderText.Quote(text)}");
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else
                Assert.False(char.IsSurrogate(text[i]), $"lone surrogate at {i} in {ProviderText.Quote(text)}");
        }
    }
}
