using System.Text.Json;
using Fulfillment.Providers.Smm;

namespace Fulfillment.Providers.Tests;

[Trait("Lane", "Fast")]
public sealed class AddOrderRequestTests
{
    private static readonly JsonElement Params = JsonDocument.Parse("""
        {"comments":["nice","great"],"usernames":"a\nb","answer_number":2,"username":"bob","min":"10","max":"20",
         "email":"user@example.com","user_id":42,"ip":"10.0.0.1"}
        """).RootElement;

    private static Dictionary<string, string> Form(AddOrderRequest request) => request.FormFields().ToDictionary();

    [Fact]
    public void Default_sends_quantity_and_drip_feed_but_no_extra_fields()
    {
        var form = Form(AddOrderRequest.ForType("Default", "1", "https://x/p", 100, Params, runs: 5, interval: 30));

        Assert.Equal(new Dictionary<string, string> { ["service"] = "1", ["link"] = "https://x/p", ["quantity"] = "100", ["runs"] = "5", ["interval"] = "30" }, form);
    }

    [Fact]
    public void Package_sends_only_the_link()
    {
        var form = Form(AddOrderRequest.ForType("Package", "4", "https://x/p", 1, Params));

        Assert.Equal(["link", "service"], form.Keys.Order());
    }

    [Fact]
    public void Custom_comments_joins_a_list_with_newlines_and_sends_no_quantity()
    {
        var form = Form(AddOrderRequest.ForType("Custom Comments", "5", "https://x/p", 2, Params));

        Assert.Equal(new Dictionary<string, string> { ["service"] = "5", ["link"] = "https://x/p", ["comments"] = "nice\ngreat" }, form);
    }

    [Fact]
    public void Poll_sends_quantity_and_answer_number()
    {
        var form = Form(AddOrderRequest.ForType("poll", "7", "https://t.me/c/1", 100, Params));

        Assert.Equal(["answer_number", "link", "quantity", "service"], form.Keys.Order());
        Assert.Equal("2", form["answer_number"]);
    }

    [Fact]
    public void Subscriptions_send_their_own_fields_only()
    {
        var form = Form(AddOrderRequest.ForType("Subscriptions", "8", "https://x/bob", null, Params));

        Assert.Equal(["link", "max", "min", "service", "username"], form.Keys.Order());
    }

    [Fact]
    public void Fields_outside_every_types_whitelist_are_never_sent()
    {
        var request = new AddOrderRequest("1", "https://x/p", 10, Fields: new Dictionary<string, string> { ["email"] = "u@example.com", ["comments"] = "x" });

        Assert.Equal(["comments", "link", "quantity", "service"], Form(request).Keys.Order());
    }
}
