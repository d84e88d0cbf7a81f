using Fulfillment.Worker.Cli;

return await EngineCommandLine.RunAsync(args);
