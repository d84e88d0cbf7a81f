namespace Fulfillment.Engine.Configuration;

/// <summary><c>Fulfillment:Logging</c>: the console format. Levels live in the <c>Serilog</c> section.</summary>
public sealed class LoggingOptions
{
    public const string Section = "Fulfillment:Logging";

    /// <summary><c>text</c> for people (the default) or <c>json</c> (compact JSON, for containers and log shippers).</summary>
    public string Format { get; set; } = "text";
}
