using Fulfillment.Demo;

try
{
    return await DemoCommand.RunAsync(args);
}
catch (Exception ex)
{
    // As the engine's command line reports a failed verb.
    await Console.Error.WriteLineAsync($"fulfillment demo failed: {ex.GetBaseException().Message}");
    return 1;
}
