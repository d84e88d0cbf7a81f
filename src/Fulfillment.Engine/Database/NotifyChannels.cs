namespace Fulfillment.Engine.Database;

/// <summary>
/// The NOTIFY channels of the write API (src/Fulfillment.Data/Sql: place_order, release_order and the held-release
/// trigger on fulfillment_orders; request_cancel and request_refill on fulfillment_requests; block_user on
/// fulfillment_users). Their names are public: a panel may LISTEN as well.
/// </summary>
public static class NotifyChannels
{
    public const string Orders = "fulfillment_orders";
    public const string Requests = "fulfillment_requests";
    public const string Users = "fulfillment_users";
}
