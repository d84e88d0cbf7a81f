
namespace Fulfillment.Engine.Lifecycle;

/// <summary>An in-progress order due for a status check.</summary>
/// <param name="Posts">A subscription's posts (orders.charged_posts); null for any other order.</param>
/// <param name="PostsServed">A subscription's posts served as last recorded (orders.posts_served).</param>
/// <param name="UnknownAnswers">Status answers in a row in which the provider said it does not know the order (orders.unknown_answers).</param>
public sealed record TrackedOrder(long Id, ProviderRow? Provider, string? ProviderOrderId, int Quantity, DateTimeOffset DispatchedAt, string? ResultJson = null,
    int? Posts = null, int? PostsServed = null, int UnknownAnswers = 0);
