using System.Text;
using Microsoft.AspNetCore.Http;
using static Fulfillment.Simulator.FamilyJson;

namespace Fulfillment.Simulator;

/// <summary>
/// The answers of the panel families other than <see cref="PanelFamily.Documented"/>, over the same order book: the
/// orders are the simulator's, the words, shapes, path, content type and HTTP status are the family's.
/// </summary>
internal static class FamilyAnswers
{
    /// <summary>CodeIgniter's error page for a refused CSRF check (SmartPanel checks every POST but those to api/v1).</summary>
    private const string CsrfPage =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n<style type=\"text/css\">\n" +
        "::selection { background-color: #E13300; color: white; }\nbody { background-color: #fff; margin: 40px; font: 13px/20px normal Helvetica, Arial, sans-serif; }\n" +
        "</style>\n</head>\n<body>\n\t<div id=\"container\">\n\t\t<h1>An Error Was Encountered</h1>\n\t\t<p>The action you have requested is not allowed.</p>\t</div>\n</body>\n</html>";

    /// <summary>The path a family serves the protocol at.</summary>
    public static string ApiPath(PanelFamily family) => family == PanelFamily.SmartPanel ? "/api/v1" : "/api/v2";

    /// <summary>What a family answers on another path, before reading anything; null when it serves this one.</summary>
    public static Answer? WrongPath(PanelFamily family, PathString path, Uri site) =>
        path.Equals(ApiPath(family), StringComparison.OrdinalIgnoreCase) ? null
        : family switch
        {
            PanelFamily.SmartPanel => Answer.Text(403, CsrfPage, PhpType),
            PanelFamily.PanelScript => new Answer(302, ReadOnlyMemory<byte>.Empty, PhpType, Location: site.ToString()),
            _ => Answer.Text(404, "<!DOCTYPE html><html><head><title>Not Found</title></head><body><div>404 | Not Found</div></body></html>", PhpType),
        };

    /// <summary>The session cookie a PHP family sets on every answer (SmartPanel's sess_cookie_name is csrfToken).</summary>
    public static string? SessionCookie(PanelFamily family, SimRandom random) => family switch
    {
        PanelFamily.SmartPanel => $"csrfToken={Token(random)}; path=/; HttpOnly",
        PanelFamily.PanelScript => $"PHPSESSID={Token(random)}; path=/",
        _ => null,
    };

    public static Answer Unauthorized(PanelFamily family) => family switch
    {
        PanelFamily.SmartPanel => Print(family, new { error = "API is Disable for this user or User Not Found! Contact the Support" }),
        PanelFamily.PanelScript => Print(family, new { error = "API key invalid", status = "102" }),
        _ => Print(family, new { error = "Invalid API key" }),
    };

    public static Answer Handle(SimulatorState state, PanelFamily family, string action, Dictionary<string, string> fields, DateTimeOffset now,
        out long? created, out string? refusal)
    {
        created = null;
        refusal = null;
        switch (action)
        {
            case "add":
                return FamilyAddAction.Run(state, family, fields, now, out created, out refusal);
            case "status" when fields.TryGetValue("orders", out var many) && family != PanelFamily.PanelScript:
                return FamilyOrderActions.MultiStatus(state, family, many, now);
            case "status":
                return FamilyOrderActions.Status(state, family, fields.GetValueOrDefault("order"), now);
            case "balance":
                return FamilyAccountActions.Balance(state, family);
            case "services":
                return FamilyAccountActions.Services(state, family);
            case "refill" when family is PanelFamily.PanelScript or PanelFamily.Laravel:
                return FamilyOrderActions.Refill(state, family, fields.GetValueOrDefault("order"), now);
            case "refill_status" when family == PanelFamily.PanelScript:
                return FamilyOrderActions.RefillStatus(state, family, fields.GetValueOrDefault("refill"), now);
            case "cancel" when family == PanelFamily.PanelScript:
                // No such branch: $output stays null and print_r(json_encode(null)) prints "null".
                return Answer.Text(200, "null", PhpType);
            default:
                return family switch
                {
                    PanelFamily.SmartPanel => Print(family, new { error = "This action is Invalid" }),
                    PanelFamily.PanelScript => Answer.Text(200, "null", PhpType),
                    _ => Print(family, new { error = "Invalid action" }),
                };
        }
    }

    private static string Token(SimRandom random)
    {
        var builder = new StringBuilder(26);
        for (var i = 0; i < 26; i++)
            builder.Append("abcdefghijklmnopqrstuvwxyz0123456789"[random.Next(0, 36)]);
        return builder.ToString();
    }
}
