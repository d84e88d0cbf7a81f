using System.Text;
using Fulfillment.Engine.Conflicts;

namespace Fulfillment.Tests.Conflicts;

[Trait("Lane", "Fast")]
public sealed class LinkNormalizerTests
{
    public static TheoryData<string, string> SameTarget => new()
    {
        // Scheme, host case, www., default port, userinfo, trailing slash, fragment.
        { "https://www.instagram.com/p/Cabc123xyz/", "instagram.com/p/Cabc123xyz" },
        { "HTTP://INSTAGRAM.COM/p/Cabc123xyz", "https://instagram.com/p/Cabc123xyz/#comments" },
        { "https://instagram.com:443/p/Cabc123xyz", "//instagram.com/p/Cabc123xyz" },
        { "  https://instagram.com/p/Cabc123xyz\t\n", "https://user:pass@instagram.com/p/Cabc123xyz" },
        // Instagram: one post under /p/, /reel/, /reels/, /tv/, /USER/p/; tracking dropped; usernames lower-case.
        { "https://www.instagram.com/p/Cabc123xyz/?igshid=MzRlODBiNWFlZA==", "https://instagram.com/reel/Cabc123xyz/?igsh=abc&utm_source=ig_web_copy_link" },
        { "https://www.instagram.com/reels/Cabc123xyz/", "https://instagram.com/tv/Cabc123xyz" },
        { "https://www.instagram.com/some.user/p/Cabc123xyz/?hl=en", "https://instagram.com/p/Cabc123xyz" },
        { "https://m.instagram.com/p/Cabc123xyz/?img_index=2", "https://instagr.am/p/Cabc123xyz/" },
        { "https://www.instagram.com/Some.User/", "instagram.com/some.user?igshid=xyz" },
        { "https://www.instagram.com/some.user/reels/", "https://instagram.com/some.user" },
        { "https://instagram.com/p/C%61bc123xyz", "https://instagram.com/p/Cabc123xyz" },
        // TikTok: video and photo posts by id whatever the user; usernames lower-case.
        { "https://www.tiktok.com/@someuser/video/7234567890123456789?is_from_webapp=1&sender_device=pc", "tiktok.com/@SomeUser/video/7234567890123456789" },
        { "https://m.tiktok.com/v/7234567890123456789.html", "https://www.tiktok.com/@other/video/7234567890123456789" },
        { "https://www.tiktok.com/@someuser/photo/7234567890123456789", "https://www.tiktok.com/embed/v2/7234567890123456789" },
        { "https://www.tiktok.com/@SomeUser?lang=en", "https://tiktok.com/@someuser/" },
        { "https://vm.tiktok.com/ZMabcDEF/", "vm.tiktok.com/ZMabcDEF" },
        { "https://vt.tiktok.com/ZSabcDEF/", "https://www.tiktok.com/t/ZSabcDEF/" },
        // Telegram: t.me, telegram.me, telegram.dog, /s/ preview, NAME.t.me; names lower-case; query dropped.
        { "https://t.me/durov/123", "https://telegram.me/Durov/123?single" },
        { "https://t.me/s/durov/123", "telegram.dog/durov/123?comment=456" },
        { "https://t.me/durov", "https://durov.t.me/" },
        { "https://t.me/Durov", "tg://resolve?domain=durov" },
        { "https://t.me/durov/123", "tg://resolve?domain=durov&post=123" },
        { "https://t.me/c/1234567890/55", "https://t.me/c/1234567890/55?thread=1" },
        { "https://t.me/+AbCdEfGhIjK12345", "https://t.me/joinchat/AbCdEfGhIjK12345" },
        { "https://t.me/+AbCdEfGhIjK12345", "https://t.me/%2BAbCdEfGhIjK12345" },
        { "https://t.me/somegroup/12/345", "https://t.me/somegroup/345" },
        { "https://t.me/SomeBot?start=ref42", "t.me/somebot?start=ref42&utm_source=x" },
        // X/Twitter: any user part, /statuses/, /i/web/status/, mobile, media suffixes, tracking.
        { "https://twitter.com/jack/status/20", "https://x.com/jack/status/20?s=20&t=abcDEF" },
        { "https://mobile.twitter.com/jack/status/20", "https://x.com/i/web/status/20" },
        { "https://twitter.com/someoneelse/statuses/20", "https://x.com/jack/status/20/photo/1" },
        { "https://twitter.com/#!/jack/status/20", "https://fxtwitter.com/jack/status/20" },
        { "https://x.com/Jack", "https://twitter.com/jack?ref_src=twsrc%5Egoogle" },
        { "https://x.com/jack/media", "https://mobile.x.com/jack/" },
        { "https://twitter.com/intent/user?screen_name=Jack", "x.com/jack" },
        // YouTube: one video key for every address form; nothing else of the query.
        { "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ?si=AbCdEf" },
        { "https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=42s", "https://m.youtube.com/watch?v=dQw4w9WgXcQ&list=PL123&pp=ygU" },
        { "https://www.youtube.com/shorts/dQw4w9WgXcQ?feature=share", "https://www.youtube.com/embed/dQw4w9WgXcQ?start=10" },
        { "https://www.youtube.com/live/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" },
        { "https://music.youtube.com/watch?v=dQw4w9WgXcQ&si=x", "https://www.youtube.com/v/dQw4w9WgXcQ" },
        { "youtu.be/dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ#t=1m" },
        { "https://www.youtube.com/@MrBeast", "https://m.youtube.com/@mrbeast/videos" },
        { "https://www.youtube.com/channel/UCX6OQ3DkcsbYNE6H8uQQuVA", "https://youtube.com/channel/UCX6OQ3DkcsbYNE6H8uQQuVA/featured?view_as=subscriber" },
        { "https://www.youtube.com/c/SomeName", "https://www.youtube.com/somename" },
        { "https://www.youtube.com/user/PewDiePie", "https://youtube.com/user/pewdiepie/" },
        { "https://www.youtube.com/playlist?list=PLabc123", "https://www.youtube.com/playlist?si=xx&list=PLabc123" },
        // Facebook: a post, video or photo by id whatever its path; page names lower-case; only identifying parameters.
        { "https://www.facebook.com/SomePage/posts/1234567890", "https://m.facebook.com/permalink.php?story_fbid=1234567890&id=100064" },
        { "https://www.facebook.com/story.php?story_fbid=1234567890&id=100064&mibextid=abc", "https://web.facebook.com/somepage/posts/1234567890/?__cft__[0]=x&__tn__=R" },
        { "https://www.facebook.com/watch/?v=987654321", "https://fb.com/SomePage/videos/987654321/" },
        { "https://www.facebook.com/SomePage/videos/a-title/987654321", "https://www.facebook.com/reel/987654321?rdid=xyz&share_url=abc" },
        { "https://www.facebook.com/photo/?fbid=555&set=a.1", "https://m.facebook.com/photo.php?fbid=555" },
        { "https://www.facebook.com/profile.php?id=100012345", "https://facebook.com/100012345" },
        { "https://www.facebook.com/SomePage", "https://mbasic.facebook.com/somepage/about" },
        { "https://www.facebook.com/groups/somegroup/posts/777/", "https://www.facebook.com/groups/SomeGroup/permalink/777" },
        { "https://fb.watch/aBcDeF/", "fb.watch/aBcDeF?mibextid=x" },
        // Twitch: channels lower-case; one clip under both hosts; videos with or without the v.
        { "https://www.twitch.tv/SomeStreamer", "https://m.twitch.tv/somestreamer/videos" },
        { "https://clips.twitch.tv/FunnyClipSlug-abc", "https://www.twitch.tv/somestreamer/clip/FunnyClipSlug-abc?filter=clips" },
        { "https://www.twitch.tv/videos/123456789", "https://player.twitch.tv/?video=v123456789&parent=example.com" },
        // Spotify: intl- prefix, embed, URIs, tracking.
        { "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC?si=abc123", "https://open.spotify.com/intl-de/track/4uLU6hMCjMI75M1A2tKUQC" },
        { "spotify:track:4uLU6hMCjMI75M1A2tKUQC", "https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC?utm_source=generator" },
        { "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M?si=x&nd=1", "https://open.spotify.com/user/spotify/playlist/37i9dQZF1DXcBWIGoYBM5M" },
        // Generic: host case, www., tracking parameters, parameter order, escapes of unreserved characters, dot segments.
        { "https://Example.com/Some/Path/?b=2&a=1", "http://www.example.com/Some/Path?a=1&b=2&utm_source=x&fbclid=y" },
        { "https://example.com/path#section", "example.com/path/" },
        { "https://example.com/a/./b/../c", "https://example.com/a/c" },
        { "https://example.com/%7Euser/caf%c3%a9", "https://example.com/~user/café" },
        { "https://пример.рф/путь", "https://xn--e1afmkfd.xn--p1ai/%D0%BF%D1%83%D1%82%D1%8C" },
        { "https://shop.example.com/item?id=5&gclid=abc&yclid=1", "https://shop.example.com/item?id=5" },
        // Text that is not a web address: trimmed, lower-case, a leading @ ignored.
        { "@Durov", "durov" },
        { "  +79991234567 ", "+79991234567" },
    };

    public static TheoryData<string, string> DifferentTargets => new()
    {
        // Case-sensitive ids.
        { "https://instagram.com/p/Cabc123xyz", "https://instagram.com/p/CABC123XYZ" },
        { "https://youtu.be/dQw4w9WgXcQ", "https://youtu.be/dqw4w9wgxcq" },
        { "https://t.me/+AbCdEfGhIjK12345", "https://t.me/+abcdefghijk12345" },
        { "https://clips.twitch.tv/FunnyClipSlug", "https://clips.twitch.tv/funnyclipslug" },
        { "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC", "https://open.spotify.com/track/4ulu6hmcjmi75m1a2tkuqc" },
        { "https://vm.tiktok.com/ZMabcDEF/", "https://vm.tiktok.com/zmabcdef/" },
        { "https://www.youtube.com/channel/UCX6OQ3DkcsbYNE6H8uQQuVA", "https://www.youtube.com/channel/ucx6oq3dkcsbyne6h8uqquva" },
        { "https://example.com/Path", "https://example.com/path" },
        // Different ids.
        { "https://youtu.be/dQw4w9WgXcQ", "https://youtu.be/aaaaaaaaaaa" },
        { "https://t.me/durov/123", "https://t.me/durov/124" },
        { "https://x.com/jack/status/20", "https://x.com/jack/status/21" },
        { "https://www.tiktok.com/@u/video/7234567890123456789", "https://www.tiktok.com/@u/video/7234567890123456788" },
        // Same name, different platforms.
        { "https://instagram.com/durov", "https://t.me/durov" },
        { "https://x.com/durov", "https://instagram.com/durov" },
        { "https://www.tiktok.com/@durov", "https://www.youtube.com/@durov" },
        { "https://www.twitch.tv/durov", "https://www.facebook.com/durov" },
        { "https://instagram.com/durov", "durov" },
        // A post is not its author's profile, a channel is not its post, a comment is not its post.
        { "https://x.com/jack/status/20", "https://x.com/jack" },
        { "https://t.me/durov/123", "https://t.me/durov" },
        { "https://instagram.com/p/Cabc123xyz", "https://instagram.com/p/Cabc123xyz/c/17900000000000000" },
        { "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube.com/playlist?list=PLabc123" },
        { "https://www.facebook.com/SomePage/posts/123", "https://www.facebook.com/SomePage" },
        { "https://www.facebook.com/watch/?v=123", "https://www.facebook.com/photo/?fbid=123" },
        { "https://www.twitch.tv/somestreamer", "https://www.twitch.tv/somestreamer/clip/SomeSlug" },
        { "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC", "https://open.spotify.com/album/4uLU6hMCjMI75M1A2tKUQC" },
        { "https://t.me/c/1234567890/55", "https://t.me/c/1234567890/56" },
        { "https://t.me/SomeBot?start=ref42", "https://t.me/SomeBot?start=ref43" },
        { "https://t.me/SomeBot?start=ref42", "https://t.me/SomeBot" },
        { "https://vm.tiktok.com/ZMabcDEF/", "https://www.tiktok.com/@u/video/7234567890123456789" },
        // Generic: meaningful query values, hosts, ports, subdomains and paths differ.
        { "https://example.com/item?id=5", "https://example.com/item?id=6" },
        { "https://example.com/item?id=5", "https://example.com/item" },
        { "https://example.com/page", "https://example.org/page" },
        { "https://example.com/page", "https://example.com:8080/page" },
        { "https://m.example.com/page", "https://example.com/page" },
        { "https://example.com/a/b", "https://example.com/a" },
        { "https://example.com/item?a=1&a=2", "https://example.com/item?a=2&a=1" },
        { "https://shop.example.com/item", "https://example.com/shop/item" },
        { "durov", "pavel" },
    };

    [Theory]
    [MemberData(nameof(SameTarget))]
    public void Links_to_the_same_target_get_the_same_key(string first, string second)
    {
        var key = LinkNormalizer.Normalize(first);
        Assert.NotNull(key);
        Assert.Equal(key, LinkNormalizer.Normalize(second));
    }

    [Theory]
    [MemberData(nameof(DifferentTargets))]
    public void Links_to_different_targets_get_different_keys(string first, string second)
    {
        var firstKey = LinkNormalizer.Normalize(first);
        var secondKey = LinkNormalizer.Normalize(second);
        Assert.NotNull(firstKey);
        Assert.NotNull(secondKey);
        Assert.NotEqual(firstKey, secondKey);
    }

    [Theory]
    [InlineData("https://www.instagram.com/reel/Cabc123xyz/?igsh=x", "instagram:p/Cabc123xyz")]
    [InlineData("https://www.instagram.com/Some.User/", "instagram:@some.user")]
    [InlineData("https://youtu.be/dQw4w9WgXcQ?si=x", "youtube:video/dQw4w9WgXcQ")]
    [InlineData("https://www.youtube.com/@MrBeast", "youtube:@mrbeast")]
    [InlineData("https://t.me/s/Durov/123", "telegram:durov/123")]
    [InlineData("https://t.me/Durov", "telegram:@durov")]
    [InlineData("https://t.me/joinchat/AbC_d-1", "telegram:+AbC_d-1")]
    [InlineData("https://twitter.com/jack/status/1234567890", "x:status/1234567890")]
    [InlineData("https://www.tiktok.com/@u/video/7234567890123456789", "tiktok:video/7234567890123456789")]
    [InlineData("https://vm.tiktok.com/ZMabcDEF/", "tiktok:short/ZMabcDEF")]
    [InlineData("https://www.facebook.com/permalink.php?story_fbid=pfbid02AbC&id=1", "facebook:post/pfbid02AbC")]
    [InlineData("https://www.twitch.tv/SomeStreamer", "twitch:@somestreamer")]
    [InlineData("spotify:track:4uLU6hMCjMI75M1A2tKUQC", "spotify:track/4uLU6hMCjMI75M1A2tKUQC")]
    [InlineData("https://WWW.Example.com/Path/?utm_source=x&b=2&a=1#top", "generic:example.com/Path?a=1&b=2")]
    [InlineData("https://www.instagram.com/accounts/login/?next=%2Fp%2Fx", "generic:instagram.com/accounts/login?next=%2Fp%2Fx")]
    [InlineData("  @Durov ", "text:durov")]
    public void Keys_read_as_documented(string link, string key)
    {
        Assert.Equal(key, LinkNormalizer.Normalize(link));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\r\n")]
    [InlineData("\u200B\uFEFF")]
    [InlineData("https://")]
    [InlineData("https:///path")]
    [InlineData("http://:80/x")]
    public void Empty_or_hostless_links_have_no_key(string? link)
    {
        Assert.Null(LinkNormalizer.Normalize(link));
    }

    private const string Punctuation = "/?#&=%.@:+[]-_!";

    /// <summary>Long, malformed and random inputs (lone surrogates and control characters included).</summary>
    private static List<string> Garbage()
    {
        var random = new Random(20240605);
        var data = new List<string>
        {
            new string('a', 10_000),
            "https://example.com/" + new string('/', 10_000),
            "https://example.com/?" + string.Concat(Enumerable.Repeat("a=1&", 2_500)),
            "https://" + new string('.', 5_000) + "/x",
            "https://www.youtube.com/watch?v=" + new string('%', 5_000),
            "https://instagram.com/" + string.Concat(Enumerable.Repeat("../", 3_000)),
            "https://[::1/x",
            "https://[zz]:99/x",
            "https://example.com:99999999999/x",
            "https://exa mple.com/x",
            "http://\u0000\u0001\u0002/\u0007",
            "https://\uD800.com/\uDFFF?\uD800=\uDC00",
            "https://xn--.com/x",
            "https://" + new string('я', 300) + ".рф/",
            "tg://resolve?domain=",
            "tg://privatepost?channel=1&post=",
            "spotify:::::",
            "spotify:user:x:playlist:",
            "https://t.me/+",
            "https://t.me/%2B",
            "https://x.com/#!/",
            "https://twitter.com/#!/i/web/status",
            "@",
            "%",
            "?#&=",
            "//",
            "https://youtu.be/",
            "https://www.facebook.com/groups/",
        };

        for (var i = 0; i < 200; i++)
        {
            var text = new StringBuilder(i % 2 == 0 ? "https://" : "");
            for (var c = random.Next(1, 300); c > 0; c--)
            {
                text.Append(random.Next(4) switch
                {
                    0 => (char)random.Next(0, 0x80),
                    1 => Punctuation[random.Next(Punctuation.Length)],
                    2 => (char)random.Next(0x80, 0xFFFF),
                    _ => (char)random.Next('a', 'z' + 1),
                });
            }

            data.Add(text.ToString());
        }

        return data;
    }

    [Fact]
    public void Never_throws_on_garbage_and_answers_the_same_twice()
    {
        // One fact rather than a theory: xunit cannot serialise strings holding lone surrogates as test cases.
        foreach (var link in Garbage())
        {
            string? key = null;
            var thrown = Record.Exception(() => key = LinkNormalizer.Normalize(link));
            Assert.True(thrown is null, $"{thrown} for input of length {link.Length}: {link[..Math.Min(link.Length, 80)]}");
            Assert.Equal(key, LinkNormalizer.Normalize(link));
        }
    }
}
