namespace Fulfillment.Engine.Lifecycle;

/// <summary>SQL over an account's row <c>u</c>: the states in which its running orders are closed, read alike by every stage.</summary>
public static class AccountStates
{
    /// <summary>The account is going away: deleted, anonymised, or with an erasure requested (a blocked one is the block's business).</summary>
    public const string Departing = """
        (u.status = 'deleted' OR u.anonymized_at IS NOT NULL
         OR EXISTS (SELECT 1 FROM erasure_requests e WHERE e.user_id = u.id AND e.completed_at IS NULL)) AND u.status <> 'blocked'
        """;

    /// <summary>Blocked or going away: its started subscriptions are asked to stop whatever the service's cancel flag says.</summary>
    public const string Closing = "(u.status = 'blocked' OR (" + Departing + "))";
}
