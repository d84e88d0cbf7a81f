using Microsoft.AspNetCore.Http;

namespace Fulfillment.Simulator;

/// <summary>
/// <c>/api/v2</c>: records the request, applies latency and faults, then answers as a provider would.
/// Errors are HTTP 200 with <c>{"error": ...}</c>, like real panels.
/// </summary>
internal sealed class ApiV2Endpoint(SimulatorState state)
{
    public async Task HandleAsync(HttpContext context)
    {
        var (action, key, fields) = await ReadAsync(context.Request);
        var settings = state.Settings;
        var keyValid = key is not null && string.Equals(key, settings.ApiKey, StringComparison.Ordinal);
        var request = state.Record.Add(action, keyValid, fields, state.Time.GetUtcNow(), settings);
        var gate = state.Gate;
        try
        {
            if (gate is not null)
                await gate.WaitAsync(context.RequestAborted);
            try
            {
                await HandleAsync(context, request, action, keyValid, fields);
            }
            finally
            {
                gate?.Release();
            }
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

        var family = settings.Family;
        if (FamilyAnswers.WrongPath(family, context.Request.Path, new Uri($"{context.Request.Scheme}://{context.Request.Host}/")) is { } elsewhere)
        {
            RequestRecord.RefusedBeforeProcessing(request, "WrongPath");
            await WriteAsync(context, request, elsewhere);
            return;
        }

        if (FamilyAnswers.SessionCookie(family, state.Random) is { } cookie)
            context.Response.Headers.SetCookie = cookie;
        if (family != PanelFamily.Documented)
            await FamilyAsync(context, request, family, action, keyValid, fields);
        else
            await DocumentedAsync(context, request, action, keyValid, fields);
    }

    /// <summary>The documented protocol's answers, with its hostile text, string numbers and faults.</summary>
    private async Task DocumentedAsync(HttpContext context, RecordedRequest request, string action, bool keyValid, Dictionary<string, string> fields)
    {
        var settings = state.Settings;
        var hostile = state.Random.Chance(settings.ControlCharactersRate);
        if (!keyValid)
        {
            RequestRecord.RefusedBeforeProcessing(request, null);
            await WriteAsync(context, request, Answer.Error("Invalid API key", hostile));
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
        var strings = state.Random.Chance(settings.StringNumbersRate);
        var now = state.Time.GetUtcNow();
        if (action == "add")
        {
            await AddAsync(context, request, fields, fault, strings, hostile, now);
            return;
        }

        var answer = Run(action, fields, strings, hostile, now);
        state.Record.Processed(request);
        await WriteAsync(context, request, Corrupt(answer, fault));
    }

    /// <summary>Every action but <c>add</c>, which may fail after it was accepted (<see cref="AddAsync"/>).</summary>
    private Answer Run(string action, Dictionary<string, string> fields, bool strings, bool hostile, DateTimeOffset now) => action switch
    {
        "services" => AccountActions.Services(state.Settings, strings, hostile),
        "balance" => AccountActions.Balance(state.Settings, strings, hostile),
        "status" => OrderActions.Status(state, fields, strings, hostile, now),
        "refill" => OrderActions.Refill(state, fields, strings, hostile, now),
        "refill_status" => OrderActions.RefillStatus(state, fields, hostile, now),
        "cancel" => OrderActions.Cancel(state, fields, hostile, now),
        _ => Answer.Error("Incorrect request", hostile),
    };

    /// <summary>A panel family's answers (<see cref="FamilyAnswers"/>), with the shared faults before processing.</summary>
    private async Task FamilyAsync(HttpContext context, RecordedRequest request, PanelFamily family, string action, bool keyValid, Dictionary<string, string> fields)
    {
        if (!keyValid)
        {
            RequestRecord.RefusedBeforeProcessing(request, null);
            await WriteAsync(context, request, FamilyAnswers.Unauthorized(family));
            return;
        }

        var fault = FaultPicker.Pick(state.Settings, state.Random);
        if (FaultPicker.HappensBeforeProcessing(fault))
        {
            RequestRecord.RefusedBeforeProcessing(request, fault.ToString());
            await WriteAsync(context, request, ProviderBehaviour.FaultAnswer(state, fault));
            return;
        }

        var answer = FamilyAnswers.Handle(state, family, action, fields, state.Time.GetUtcNow(), out var created, out var refusal);
        state.Record.Processed(request, created, refusal);
        await WriteAsync(context, request, Corrupt(answer, fault));
    }

    private async Task AddAsync(HttpContext context, RecordedRequest request, Dictionary<string, string> fields, Fault fault, bool strings, bool hostile, DateTimeOffset now)
    {
        var (answer, created, refusal) = AddAction.Run(state, fields, strings, hostile, now);
        state.Record.Processed(request, created, refusal);
        if (created is not null)
        {
            var settings = state.Settings;
            if (state.Random.Chance(settings.AddAbortAfterAcceptRate))
            {
                request.Fault = "AbortAfterAccept";
                context.Abort();
                return;
            }

            if (state.Random.Chance(settings.AddTimeoutAfterAcceptRate))
            {
                request.Fault = "TimeoutAfterAccept";
                // Real time, not the injected clock: this must outlast the client's (real) timeout.
                try
                {
                    await Task.Delay(settings.AcceptedResponseDelay, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        await WriteAsync(context, request, Corrupt(answer, fault));
    }

    private static Answer Corrupt(Answer answer, Fault fault) => fault switch
    {
        Fault.EmptyBody => answer.Emptied(),
        Fault.MalformedJson => answer.Truncated(),
        _ => answer,
    };

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

        fields.Remove("key", out var key);
        fields.Remove("action", out var action);
        return (action ?? "", key, fields);
    }

    private async Task WriteAsync(HttpContext context, RecordedRequest request, Answer answer)
    {
        await ProviderBehaviour.WriteAsync(context, answer);
        request.AnsweredAt = state.Time.GetUtcNow();
    }
}
