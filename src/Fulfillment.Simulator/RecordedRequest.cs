namespace Fulfillment.Simulator;

/// <summary>One request as received. The key's value is not kept, only whether it was right.</summary>
public sealed record RecordedRequest(long Sequence, DateTimeOffset At, string Action, bool KeyValid, IReadOnlyDictionary<string, string> Fields)
{
    public string? Field(string name) => Fields.GetValueOrDefault(name);
}
