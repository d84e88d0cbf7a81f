using Npgsql;

namespace Fulfillment.Engine.Retention;

/// <summary>
/// The rented phone number and received codes of SMS activations that finished more than
/// <see cref="RetentionOptions.ActivationData"/> ago: the keys below leave <c>orders.result</c>, which
/// gains <c>purged_at</c>, and the provider's last word loses its <c>:CODE</c> / <c>:ID:PHONE</c> tail.
/// The rest (status, timestamps, charge) is the activation log 003 §1 promises, and stays.
/// </summary>
public sealed class PurgeActivationData : RetentionOperation
{
    /// <summary>The keys an activation's result may carry the number or the codes under.</summary>
    public static readonly string[] PersonalKeys = ["phone", "number", "phone_number", "code", "codes", "sms", "messages", "text"];

    public override string Name => RetentionSteps.ActivationData;
    public override string Verb => "purged";

    protected override string Candidates => $"""
        FROM orders t
        WHERE t.status IN {RetentionSql.Terminal}
          AND coalesce(t.finished_at, t.updated_at) < @cutoff
          AND t.anonymized_at IS NULL
          AND (t.result ?| @keys OR t.provider_status LIKE '%:%')
          AND EXISTS (SELECT 1 FROM services s WHERE s.id = t.service_id AND s.type = 'Activation')
        """;

    protected override string Apply => """
        applied AS (
            UPDATE orders o
            SET result = CASE WHEN o.result IS NULL THEN NULL ELSE (o.result - @keys) || jsonb_build_object('purged_at', @now) END,
                provider_status = split_part(o.provider_status, ':', 1)
            FROM batch b WHERE o.id = b.id
            RETURNING o.id)
        """;

    protected override string Lock => "FOR NO KEY UPDATE OF t";
    protected override DateTimeOffset Cutoff(RetentionContext context) => context.Now - context.Options.ActivationData;

    protected override void AddParameters(NpgsqlCommand command, RetentionContext context) =>
        command.Parameters.AddWithValue("keys", PersonalKeys);
}
