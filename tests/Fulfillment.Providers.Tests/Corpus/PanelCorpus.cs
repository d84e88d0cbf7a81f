namespace Fulfillment.Providers.Tests.Corpus;

/// <summary>
/// One answer a deployed panel script sends, as its source code writes it: HTTP status, content type and body, for one
/// action, with what the client must read from it (<see cref="Expect"/>, see <see cref="CorpusTests"/> for the grammar).
/// </summary>
/// <param name="Source">The repository and path of the code that writes this body (and of the words it uses).</param>
public sealed record CorpusAnswer(string Family, string Source, string Action, string Case, int Status, string ContentType, string Body, string Expect,
    string? Location = null)
{
    public override string ToString() => $"{Family} {Action}: {Case}";
}

/// <summary>
/// The conformance corpus: every answer shape of the SMM v2 protocol that three families of panel software produce, read
/// from their public source. Bodies are written as the code prints them: SmartPanel's <c>echo_json_string</c> pretty-prints
/// (<c>JSON_PRETTY_PRINT</c>) and its validation helper <c>ms</c> does not; PHP's <c>json_encode</c> escapes <c>/</c>; values
/// read from MariaDB are strings, money with the column's four decimals.
/// </summary>
public static class PanelCorpus
{
    public const string SmartPanel = "SmartPanel";
    public const string PanelScript = "SMM panel script";
    public const string Laravel = "Laravel reseller hub";

    private const string Php = "text/html; charset=UTF-8";
    private const string Json = "application/json";

    // SmartPanel 4.0 (CodeIgniter, /api/v1). Words from app/language/data/en_lang.php of the same repository.
    private const string Sp = "shadiew/smartpanel_4_0:app/modules/api/controllers/api.php";
    private const string SpModel = "shadiew/smartpanel_4_0:app/modules/api/models/api_model.php";
    private const string SpCsrf =
        "shadiew/smartpanel_4_0:app/config/config.php (CSRF checks off for api/v1 only) and app/views/errors/html/error_general.php";

    // A later SmartPanel build: same-link rule through _validation(), refill, the panel's currency.
    private const string SpLater = "kkoss89/ss1:app/modules/api/controllers/api.php";

    // The PHP "SMM panel script" sold under many names: numbered statuses, print_r(json_encode(...)).
    private const string Ps = "benshandd/BoostedSMM:app/controller/api.php";

    // A Laravel panel's API v2: errors are HTTP 200 {"error": ...}.
    private const string Lv = "hiddenxcel/smm-reseller-hub-laravel:";
    private const string LvAuth = Lv + "app/Http/Middleware/AuthenticateApiKey.php";
    private const string LvController = Lv + "app/Http/Controllers/Api/ApiV2Controller.php";

    private const string SpAuth = "{\n    \"error\": \"API is Disable for this user or User Not Found! Contact the Support\"\n}";
    private const string SpInvalidAction = "{\n    \"error\": \"This action is Invalid\"\n}";
    private const string SpOrder = "{\n    \"order\": \"1234\",\n    \"status\": \"Pending\",\n    \"charge\": \"0.2800\",\n    \"start_count\": \"0\",\n    \"remains\": \"0\",\n    \"currency\": \"USD\"\n}";

    private const string SpForbidden =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n<style type=\"text/css\">\n" +
        "::selection { background-color: #E13300; color: white; }\nbody { background-color: #fff; margin: 40px; font: 13px/20px normal Helvetica, Arial, sans-serif; color: #4F5155; }\n" +
        "#container { margin: 10px; border: 1px solid #D0D0D0; box-shadow: 0 0 8px #D0D0D0; }\n</style>\n</head>\n<body>\n\t<div id=\"container\">\n" +
        "\t\t<h1>An Error Was Encountered</h1>\n\t\t<p>The action you have requested is not allowed.</p>\t</div>\n</body>\n</html>";

    public static IReadOnlyList<CorpusAnswer> All { get; } =
    [
        // ---- add ----
        new(SmartPanel, Sp, "add", "accepted", 200, Php, "{\n    \"status\": \"success\",\n    \"order\": 1234\n}", "accepted:1234"),
        new(SmartPanel, Sp, "add", "wrong or disabled key", 200, Php, SpAuth, "refused:Temporary:AuthenticationFailed"),
        new(SmartPanel, Sp, "add", "drip-feed interval it does not allow (ms helper)", 200, Php,
            """{"status":"error","message":"Invalid Interval in minutes"}""", "refused:Temporary:Other"),
        new(SmartPanel, Sp, "add", "unknown service", 200, Php, "{\n    \"error\": \"Service ID does not exists\"\n}", "refused:Permanent:UnknownService"),
        new(SmartPanel, Sp, "add", "no quantity (a Package sent without one)", 200, Php, "{\n    \"error\": \"Quantity is required\"\n}",
            "refused:Permanent:QuantityOutOfRange"),
        new(SmartPanel, Sp, "add", "below the minimum", 200, Php,
            "{\n    \"error\": \"Quantity must to be greater than or equal to minimum amount 100\"\n}", "refused:Permanent:QuantityOutOfRange"),
        new(SmartPanel, Sp, "add", "no link", 200, Php, "{\n    \"error\": \"Bad Link\"\n}", "refused:Permanent:BadLink"),
        new(SmartPanel, Sp, "add", "funds", 200, Php, "{\n    \"error\": \"Not enough funds on balance\"\n}", "refused:Temporary:InsufficientFunds"),
        new(SmartPanel, Sp, "add", "no drip-feed on this service", 200, Php,
            "{\n    \"error\": \"This services does not support Dripfeed feature!\"\n}", "refused:Temporary:Other"),
        new(SmartPanel, Sp, "add", "a failed insert", 200, Php,
            "{\n    \"error\": \"There was an error processing your request. Please try again later\"\n}", "refused:Temporary:Other"),
        new(SmartPanel, Sp, "add", "order inserted, balance update touched no row: nothing printed", 200, Php, "", "unknown"),
        new(SmartPanel, SpCsrf, "add", "sent to /api/v2: CodeIgniter's CSRF check refuses the POST", 403, Php, SpForbidden,
            "refused:Temporary:Misconfigured"),
        new(SmartPanel, SpLater, "add", "the same-link rule, through _validation('error', ...)", 200, Php,
            """{"status":"error","message":"You have already an active order for this link on this service id, Wait until it is completed or cancelled, You can still order other services types for this link but not this kind of service type or id."}""",
            "refused:Temporary:DuplicateLink"),
        new(SmartPanel, SpLater, "add", "a link it cannot parse", 200, Php,
            "{\n    \"error\": \"The provided url is not valid please check the url and try again\"\n}", "refused:Permanent:BadLink"),
        new(PanelScript, Ps, "add", "accepted", 200, Php, """{"status":100,"order":"5821"}""", "accepted:5821"),
        new(PanelScript, Ps, "add", "no key or action", 200, Php, """{"error":"Missing data","status":"101"}""", "refused:Temporary:Other"),
        new(PanelScript, Ps, "add", "wrong key", 200, Php, """{"error":"API key invalid","status":"102"}""", "refused:Temporary:AuthenticationFailed"),
        new(PanelScript, Ps, "add", "inactive account", 200, Php, """{"error":"Your account is inactive","status":"103"}""",
            "refused:Temporary:AuthenticationFailed"),
        new(PanelScript, Ps, "add", "unknown or inactive service", 200, Php, """{"error":"Service not found or inactive","status":"105"}""",
            "refused:Permanent:UnknownService"),
        new(PanelScript, Ps, "add", "a required field missing", 200, Php, """{"error":"You must fill in the required fields.","status":107}""",
            "refused:Temporary:Other"),
        new(PanelScript, Ps, "add", "below the minimum", 200, Php, """{"error":"Enter a value above the minimum number.","status":108}""",
            "refused:Permanent:QuantityOutOfRange"),
        new(PanelScript, Ps, "add", "above the maximum", 200, Php, """{"error":"Maximum number exceed.","status":109}""",
            "refused:Permanent:QuantityOutOfRange"),
        new(PanelScript, Ps, "add", "the same-link rule", 200, Php,
            """{"error":"You cannot start a new order with the same link that is active processing order.","status":113}""", "refused:Temporary:DuplicateLink"),
        new(PanelScript, Ps, "add", "funds", 200, Php, """{"error":"Your balance is insufficient.","status":113}""", "refused:Temporary:InsufficientFunds"),
        new(PanelScript, Ps, "add", "a private profile", 200, Php, """{"error":"Instagram profile is hidden.","status":114}""", "refused:Temporary:Other"),
        new(PanelScript, Ps, "add", "a failed insert", 200, Php, """{"error":"There was an error while creating your order.","status":114}""",
            "refused:Temporary:Other"),
        new(PanelScript, Ps, "add", "PHP 8.2 with display_errors on: a warning printed before the answer", 200, Php,
            "<br />\n<b>Warning</b>:  Undefined array key \"refill\" in <b>/home/panel/public_html/app/controller/api.php</b> on line 42<br />\n" +
            """{"status":100,"order":"5822"}""", "unknown"),
        new(PanelScript, Ps, "add", "any path but /api/v2: header(\"Location:\" . site_url())", 302, Php, "", "unknown:redirect",
            Location: "https://panel.example/"),
        new(Laravel, Lv + "app/Services/Api/Actions/AddAction.php", "add", "accepted", 200, Json, """{"order":42}""", "accepted:42"),
        new(Laravel, LvAuth, "add", "wrong or revoked key", 200, Json, """{"error":"Invalid API key"}""", "refused:Temporary:AuthenticationFailed"),
        new(Laravel, LvAuth, "add", "an address the key does not allow", 200, Json, """{"error":"This IP address is not allowed to use this key"}""",
            "refused:Temporary:AuthenticationFailed"),
        new(Laravel, LvAuth, "add", "throttled", 200, Json, """{"error":"Too many requests"}""", "refused:Temporary:RateLimited"),
        new(Laravel, LvAuth, "add", "a suspended shop", 200, Json, """{"error":"This shop is not accepting orders"}""", "refused:Temporary:AuthenticationFailed"),
        new(Laravel, LvAuth, "add", "a blocked customer", 200, Json, """{"error":"This account cannot place orders"}""", "refused:Temporary:AuthenticationFailed"),
        new(Laravel, Lv + "app/Services/Api/Actions/AddAction.php", "add", "validation (no quantity)", 200, Json, """{"error":"The quantity field is required."}""",
            "refused:Permanent:QuantityOutOfRange"),
        new(Laravel, Lv + "app/Services/Api/Actions/AddAction.php", "add", "unknown service", 200, Json, """{"error":"Invalid service"}""",
            "refused:Permanent:UnknownService"),
        new(Laravel, Lv + "app/Services/Api/Actions/AddAction.php", "add", "a paused service", 200, Json, """{"error":"This service is not available right now"}""",
            "refused:Temporary:Other"),
        new(Laravel, Lv + "app/Services/Api/Actions/AddAction.php", "add", "out of bounds", 200, Json, """{"error":"Quantity must be between 100 and 10000"}""",
            "refused:Permanent:QuantityOutOfRange"),
        new(Laravel, Lv + "app/Services/Api/Actions/AddAction.php", "add", "funds", 200, Json, """{"error":"Not enough balance"}""",
            "refused:Temporary:InsufficientFunds"),
        new(Laravel, Lv + "app/Services/Api/Actions/AddAction.php", "add", "a concurrent debit", 200, Json,
            """{"error":"Could not charge your balance, please try again"}""", "refused:Temporary:Other"),
        new(Laravel, LvController, "add", "an exception in the action", 200, Json, """{"error":"Something went wrong, please try again"}""",
            "refused:Temporary:Other"),

        // ---- status (one order) ----
        new(SmartPanel, Sp, "status", "a new order: remains is the column's 0", 200, Php, SpOrder, "state:Pending:remains=none"),
        new(SmartPanel, Sp, "status", "running", 200, Php,
            "{\n    \"order\": \"1234\",\n    \"status\": \"In progress\",\n    \"charge\": \"0.2800\",\n    \"start_count\": \"3572\",\n    \"remains\": \"157\",\n    \"currency\": \"USD\"\n}",
            "state:InProgress:remains=157"),
        new(SmartPanel, Sp, "status", "a drip-feed parent", 200, Php,
            "{\n    \"status\": \"In progress\",\n    \"runs\": \"5\",\n    \"orders\": [\n        \"1240\",\n        \"1241\"\n    ]\n}", "state:InProgress:remains=none"),
        new(SmartPanel, Sp, "status", "a subscription", 200, Php,
            "{\n    \"status\": \"Active\",\n    \"expiry\": true,\n    \"posts\": \"3\",\n    \"orders\": [\n        \"1250\"\n    ]\n}", "state:Active:remains=none"),
        new(SmartPanel, Sp, "status", "an order it does not know", 200, Php, "{\n    \"error\": \"Incorrect order ID\"\n}", "unknown-order:Incorrect order ID"),
        new(SmartPanel, Sp, "status", "wrong key", 200, Php, SpAuth, "throws:AuthenticationFailed"),
        new(PanelScript, Ps, "status", "a new order", 200, Php,
            """{"charge":"0.9000","start_count":"0","status":"Pending","remains":"0","currency":"USD"}""", "state:Pending:remains=none"),
        new(PanelScript, Ps, "status", "running (ucfirst of its own word)", 200, Php,
            """{"charge":"0.9000","start_count":"120","status":"Inprogress","remains":"400","currency":"USD"}""", "state:InProgress:remains=400"),
        new(PanelScript, Ps, "status", "an order it does not know", 200, Php, """{"error":"Order not found.","status":"104"}""", "unknown-order:Order not found."),
        new(PanelScript, Ps, "status", "wrong key", 200, Php, """{"error":"API key invalid","status":"102"}""", "throws:AuthenticationFailed"),
        new(Laravel, Lv + "app/Services/Api/OrderView.php", "status", "a new order", 200, Json,
            """{"charge":"1.2","start_count":"0","status":"Pending","remains":"0","currency":"USD"}""", "state:Pending:remains=none"),
        new(Laravel, Lv + "app/Services/Api/OrderView.php", "status", "finished", 200, Json,
            """{"charge":"1.2","start_count":"0","status":"Completed","remains":"0","currency":"USD"}""", "state:Completed:remains=0"),
        new(Laravel, Lv + "app/Services/Api/Actions/StatusAction.php", "status", "an order it does not know", 200, Json, """{"error":"Incorrect order ID"}""",
            "unknown-order:Incorrect order ID"),
        new(Laravel, LvAuth, "status", "wrong key", 200, Json, """{"error":"Invalid API key"}""", "throws:AuthenticationFailed"),

        // ---- status (many orders: ids 1234 and 99) ----
        new(SmartPanel, Sp, "multi-status", "a known order and a bare string for one it does not know", 200, Php,
            "{\n    \"1234\": {\n        \"order\": \"1234\",\n        \"status\": \"Completed\",\n        \"charge\": \"0.2800\",\n        \"start_count\": \"3572\",\n" +
            "        \"remains\": \"0\",\n        \"currency\": \"USD\"\n    },\n    \"99\": \"Incorrect order ID\"\n}",
            "1234=state:Completed:remains=0;99=unknown-order:Incorrect order ID"),
        new(SmartPanel, Sp, "multi-status", "wrong key", 200, Php, SpAuth, "throws:AuthenticationFailed"),
        // No multi-status: orders is not read, order is empty. The client then asks each id alone (here the same body answers those).
        new(PanelScript, Ps, "multi-status", "no multi-status: orders is not read, order is empty", 200, Php, """{"error":"Order not found.","status":"104"}""",
            "1234=unknown-order:Order not found.;99=unknown-order:Order not found."),
        new(Laravel, Lv + "app/Services/Api/Actions/OrdersAction.php", "multi-status", "a known order and an error object", 200, Json,
            """{"1234":{"charge":"1.2","start_count":"0","status":"In progress","remains":"50","currency":"USD"},"99":{"error":"Incorrect order ID"}}""",
            "1234=state:InProgress:remains=50;99=unknown-order:Incorrect order ID"),

        // ---- refill ----
        new(SmartPanel, Sp, "refill", "not an action of 4.0", 200, Php, SpInvalidAction, "refused"),
        new(PanelScript, Ps, "refill", "accepted (lastInsertId, a string)", 200, Php, """{"refill":"17"}""", "accepted:17"),
        new(PanelScript, Ps, "refill", "the upstream refused", 200, Php, """{"error":"Refill not allowed"}""", "refused"),
        new(PanelScript, Ps, "refill", "an order it does not know", 200, Php, """{"error":"Incorrect order ID"}""", "refused"),
        new(Laravel, Lv + "app/Services/Api/Actions/RefillAction.php", "refill", "accepted (the order's id as refill id)", 200, Json, """{"refill":"42"}""",
            "accepted:42"),
        new(Laravel, Lv + "app/Services/Api/Actions/RefillAction.php", "refill", "not refillable", 200, Json, """{"error":"This order cannot be refilled"}""",
            "refused"),

        // ---- refill_status ----
        new(SmartPanel, Sp, "refill_status", "not an action of 4.0", 200, Php, SpInvalidAction, "throws:ProviderError"),
        new(PanelScript, Ps, "refill_status", "pending", 200, Php, """{"status":"Pending"}""", "state:Pending"),
        new(PanelScript, Ps, "refill_status", "unknown refill", 200, Php, """{"error":"Refill not found"}""", "error:Refill not found"),
        new(Laravel, LvController, "refill_status", "not an action", 200, Json, """{"error":"Invalid action"}""", "throws:ProviderError"),

        // ---- cancel ----
        new(SmartPanel, Sp, "cancel", "not an action", 200, Php, SpInvalidAction, "refused"),
        new(PanelScript, Ps, "cancel", "no such action: $output stays null", 200, Php, "null", "unknown"),
        new(Laravel, LvController, "cancel", "not an action", 200, Json, """{"error":"Invalid action"}""", "refused"),

        // ---- balance ----
        new(SmartPanel, Sp, "balance", "four-decimal money", 200, Php,
            "{\n    \"status\": \"success\",\n    \"balance\": \"12.3456\",\n    \"currency\": \"USD\"\n}", "balance:12.3456:USD"),
        new(SmartPanel, SpLater, "balance", "the panel's own currency", 200, Php,
            "{\n    \"status\": \"success\",\n    \"balance\": \"830.5000\",\n    \"currency\": \"INR\"\n}", "balance:830.5000:INR"),
        new(SmartPanel, Sp, "balance", "wrong key", 200, Php, SpAuth, "throws:AuthenticationFailed"),
        new(PanelScript, Ps, "balance", "ok", 200, Php, """{"balance":"25.5000","currency":"USD"}""", "balance:25.5000:USD"),
        new(PanelScript, Ps, "balance", "inactive account", 200, Php, """{"error":"Your account is inactive","status":"103"}""", "throws:AuthenticationFailed"),
        new(Laravel, Lv + "app/Services/Api/Actions/BalanceAction.php", "balance", "ok", 200, Json, """{"balance":"10.5","currency":"USD"}""", "balance:10.5:USD"),
        new(Laravel, LvAuth, "balance", "wrong key", 200, Json, """{"error":"Invalid API key"}""", "throws:AuthenticationFailed"),

        // ---- services: the first entry's refill, cancel and dripfeed ----
        new(SmartPanel, SpModel, "services", "no refill or cancel fields; type in snake case; dripfeed 0/1", 200, Php,
            "[\n    {\n        \"service\": \"1\",\n        \"name\": \"Instagram Followers\",\n        \"category\": \"Instagram\",\n        \"rate\": \"0.8000\",\n" +
            "        \"min\": \"100\",\n        \"max\": \"10000\",\n        \"type\": \"custom_comments\",\n        \"desc\": \"\",\n        \"dripfeed\": \"1\"\n    }\n]",
            "services:1:refill=null:cancel=null:dripfeed=true:type=Custom Comments"),
        new(SmartPanel, Sp, "services", "an empty catalogue", 200, Php, "{\n    \"status\": \"success\",\n    \"data\": \"Empty Data\"\n}", "services:0"),
        new(SmartPanel, Sp, "services", "wrong key", 200, Php, SpAuth, "throws:AuthenticationFailed"),
        new(PanelScript, Ps, "services", "refill from its own 1/2 flag column, no cancel or dripfeed", 200, Php,
            """[{"rate":"0.9000","service":"3","category":"Instagram","name":"Followers","type":"Package","min":"1","max":"1","desc":"","refill":"2"}]""",
            "services:1:refill=null:cancel=null:dripfeed=null:type=Package"),
        new(PanelScript, Ps, "services", "its 1 (no refill) beside a 2 is not a yes", 200, Php,
            """[{"rate":"0.9000","service":"3","category":"Instagram","name":"Followers","type":"Default","min":"10","max":"100","desc":"","refill":"1"},""" +
            """{"rate":"0.5000","service":"4","category":"Instagram","name":"Likes","type":"Default","min":"10","max":"100","desc":"","refill":"2"}]""",
            "services:2:refill=null:cancel=null:dripfeed=null:type=Default"),
        new(Laravel, Lv + "app/Services/Api/Actions/ServicesAction.php", "services", "refill and cancel false, no dripfeed", 200, Json,
            """[{"service":"7","name":"Followers","type":"Default","category":"Instagram","rate":"1.2","min":"100","max":"10000","refill":false,"cancel":false}]""",
            "services:1:refill=false:cancel=false:dripfeed=null:type=Default"),
    ];

    public static IEnumerable<CorpusAnswer> For(string action) => All.Where(a => a.Action == action);
}
