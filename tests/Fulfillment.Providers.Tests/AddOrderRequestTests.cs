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

    [Theory]
    [InlineData("Package", null)]
    [InlineData("package", 3)]
    [InlineData("Custom Comments Package", 7)]
    [InlineData("custom_comments_package", null)]
    public void A_package_sends_quantity_1_which_panel_scripts_require(string type, int? orderQuantity)
    {
        var form = Form(AddOrderRequest.ForType(type, "4", "https://x/p", orderQuantity, Params));

        Assert.Equal("1", form["quantity"]);
        Assert.Equal("https://x/p", form["link"]);
    }

    [Fact]
    public void Custom_comments_joins_a_list_with_newlines_and_sends_its_line_count_as_quantity()
    {
        var form = Form(AddOrderRequest.ForType("Custom Comments", "5", "https://x/p", 7, Params));

        Assert.Equal(new Dictionary<string, string> { ["service"] = "5", ["link"] = "https://x/p", ["comments"] = "nice\ngreat", ["quantity"] = "2" }, form);
    }

    [Theory]
    [InlineData("Mentions Custom List", "usernames", "2")]
    [InlineData("mentions_custom_list", "usernames", "2")]
    [InlineData("Comment Replies", "comments", "2")]
    public void A_list_type_sends_the_number_of_its_lines_as_quantity(string type, string field, string quantity)
    {
        var form = Form(AddOrderRequest.ForType(type, "6", "https://x/p", null, Params));

        Assert.Equal(quantity, form["quantity"]);
        Assert.Equal(2, form[field].Split('\n').Length);
    }

    [Fact]
    public void A_type_named_in_snake_case_is_the_same_type()
    {
        Assert.Equal(SmmServiceType.For("Custom Comments"), SmmServiceType.For("custom_comments"));
        Assert.Equal(SmmServiceType.For("Mentions User Followers"), SmmServiceType.For(" mentions-user_followers "));
        Assert.Equal(SmmServiceType.Default, SmmServiceType.For("something_new"));
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
