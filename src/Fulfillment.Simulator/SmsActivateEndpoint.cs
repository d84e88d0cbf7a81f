using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Fulfillment.Simulator;

/// <summary>
/// <c>/stubs/handler_api.php</c>: the sms-activate compatible protocol, GET with a query (a POSTed form is read
/// too). Records the request, applies latency and faults, then answers in plain text as such providers do.
/// </summary>
internal sealed class SmsActivateEndpoint(SimulatorState state)
{
    private const string TextType = "text/plain; charset=utf-8";

    public async Task HandleAsync(HttpContext context)
    {
        var (action, key, fields) = await ReadAsync(context.Request);
        var settings = state.Settings;
        var keyValid = key is not null && string.Equals(key, settings.ApiKey, StringComparison.Ordinal);
        var request = state.Record.Add(action, keyValid, fields, state.Time.GetUtcNow(), settings);
        try
        {
            await HandleAsync(context, request, action, keyValid, fields);
        }
        finally
        {
            state.Record.Done(request);
        }
    }

    private async Task HandleAsync(HttpContext context, RecordedRequest request, string action, bool keyValid, Dictionary<string, string> fields)
    {
        var settings = state.Settings;
        await ProviderBehaviour.DelayAsync(state, context.RequestAborted);

        if (ProviderBehaviour.Redirects(settings))
        {
            RequestRecord.RefusedBeforeProcessing(request, "Redirect");
            await ProviderBehaviour.RedirectAsync(context, settings);
            return;
        }

        var hostile = state.Random.Chance(settings.ControlCharactersRate);
        if (!keyValid)
        {
            RequestRecord.RefusedBeforeProcessing(request, null);
            await WriteAsync(context, request, Text("BAD_KEY", hostile));
            return;
        }

        var fault = FaultPicker.Pick(settings, state.Random);
        if (FaultPicker.HappensBeforeProcessing(fault))
        {
            RequestRecord.RefusedBeforeProcessing(request, fault.ToString());
            await WriteAsync(context, request, ProviderBehaviour.FaultAnswer(state, fault));
            return;
        }

        if (fault != Fault.None)
            request.Fault = fault.ToString();
        await ProcessAsync(context, request, action, fields, fault, hostile);
    }

    /// <summary>Runs the action, records it, then answers as the fault drawn for the request allows.</summary>
    private async Task ProcessAsync(HttpContext context, RecordedRequest request, string action, Dictionary<string, string> fields, Fault fault, bool hostile)
    {
        var (text, rented) = Run(action, fields, state.Time.GetUtcNow());
        var answer = Text(text, hostile);
        state.Record.Processed(request, rented);

        if (rented is not null && state.Random.Chance(state.Settings.SmsAbortAfterRentRate))
        {
            request.Fault = "AbortAfterRent";
            context.Abort();
            return;
        }

        switch (fault)
        {
            case Fault.EmptyBody:
                await WriteAsync(context, request, answer.Emptied());
                break;
            case Fault.MalformedJson:
                await CutAsync(context, answer);
                break;
            default:
                await WriteAsync(context, request, answer);
                break;
        }
    }

    /// <returns>The answer's text, and the id of the activation rented, if any.</returns>
    private (string Text, long? Rented) Run(string action, Dictionary<string, string> fields, DateTimeOffset now) => action switch
    {
        "getNumber" => GetNumber(fields, now),
        "getStatus" => (WithActivation(fields, now, a => a.Status(now)), null),
        "setStatus" => (WithActivation(fields, now, a => SetStatus(a, fields, now)), null),
        "getBalance" => (GetBalance(now), (long?)null),
        _ => ("BAD_ACTION", null),
    };

    private async Task WriteAsync(HttpContext context, RecordedRequest request, Answer answer)
    {
        await ProviderBehaviour.WriteAsync(context, answer);
        request.AnsweredAt = state.Time.GetUtcNow();
    }

    private (string Text, long? Rented) GetNumber(Dictionary<string, string> fields, DateTimeOffset now)
    {
        var settings = state.Settings;
        var service = fields.GetValueOrDefault("service")?.Trim() ?? "";
        var known = settings.SmsServices.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (service.Length == 0 || !known.Contains(service, StringComparer.OrdinalIgnoreCase))
            return ("BAD_SERVICE", null);
        if (state.Random.Chance(settings.SmsNoNumbersRate))
            return ("NO_NUMBERS", null);
        var price = settings.SmsPrice;
        if (!state.Orders.TryCharge(settings, price))
            return ("NO_BALANCE", null);

        var activation = new SimulatedActivation(
            state.Activations.NextId(),
            service,
            fields.GetValueOrDefault("country")?.Trim() ?? "0",
            "7" + Digits(10),
            price,
            now,
            state.Random.Chance(settings.SmsNoCodeProbability) ? null : Scaled(settings.SmsCodeAfter),
            Scaled(settings.SmsActivationLifetime),
            () => Digits(Math.Clamp(settings.SmsCodeLength, 1, 12)));
        state.Activations.Add(activation);
        var id = state.Random.Chance(settings.UnusableIdRate)
            ? HostileText.UnusableId(activation.Id, settings.UnusableIdKind)
            : activation.Id.ToString(CultureInfo.InvariantCulture);
        return ($"ACCESS_NUMBER:{id}:{activation.Phone}", activation.Id);
    }

    private string SetStatus(SimulatedActivation activation, Dictionary<string, string> fields, DateTimeOffset now) =>
        int.TryParse(fields.GetValueOrDefault("status"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var status)
            ? activation.SetStatus(status, now, Scaled(state.Settings.SmsEarlyCancelWindow))
            : "BAD_STATUS";

    private string WithActivation(Dictionary<string, string> fields, DateTimeOffset now, Func<SimulatedActivation, string> act)
    {
        if (!long.TryParse(fields.GetValueOrDefault("id"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id)
            || state.Activations.Find(id) is not { } activation)
            return "NO_ACTIVATION";

        var answer = act(activation);
        Settle(activation, now);
        return answer;
    }

    private string GetBalance(DateTimeOffset now)
    {
        foreach (var activation in state.Activations.All())
            Settle(activation, now);
        var balance = decimal.Round(state.Settings.Balance, 2).ToString("0.00", CultureInfo.InvariantCulture);
        return $"ACCESS_BALANCE:{balance}";
    }

    /// <summary>A canceled activation's price goes back on the balance once, whoever canceled it.</summary>
    private void Settle(SimulatedActivation activation, DateTimeOffset now)
    {
        if (activation.TakeRefund(now))
            state.Orders.Refund(state.Settings, activation.Price);
    }

    private TimeSpan Scaled(TimeSpan duration) =>
        state.Settings.SpeedFactor > 0 ? duration / state.Settings.SpeedFactor : duration;

    private string Digits(int count)
    {
        var builder = new StringBuilder(count);
        for (var i = 0; i < count; i++)
            builder.Append((char)('0' + state.Random.Next(0, 10)));
        return builder.ToString();
    }

    private static Answer Text(string body, bool hostile = false) => Answer.Text(200, hostile ? HostileText.SmsText(body) : body, TextType);

    /// <summary>Declares the whole answer, sends half of it, and drops the connection.</summary>
    private static async Task CutAsync(HttpContext context, Answer answer)
    {
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType;
        context.Response.ContentLength = answer.Body.Length;
        await context.Response.Body.WriteAsync(answer.Body[..(answer.Body.Length / 2)], context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        context.Abort();
    }

    private static async Task<(string Action, string? Key, Dictionary<string, string> Fields)> ReadAsync(HttpRequest request)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in request.Query)
            fields[name] = value.ToString();
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
            foreach (var (name, value) in form)
                fields[name] = value.ToString();
        }

        // The key's value is never recorded, only whether it was right.
        fields.Remove("api_key", out var key);
        fields.Remove("action", out var action);
        return (action ?? "", key, fields);
    }
}
