return await Fulfillment.Simulator.ProviderSimulator.RunAsync(args);
