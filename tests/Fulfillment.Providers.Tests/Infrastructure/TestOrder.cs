// Every run shuffles the test classes and the tests within each class (tests/Shared/ShuffledOrder.cs): the seed is printed,
// and FULFILLMENT_TEST_SEED runs an order again.
[assembly: TestCollectionOrderer("Fulfillment.Tests.Shared.ShuffledTestCollections", "Fulfillment.Providers.Tests")]
[assembly: TestCaseOrderer("Fulfillment.Tests.Shared.ShuffledTestCases", "Fulfillment.Providers.Tests")]
