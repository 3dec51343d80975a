return await Engine.Cli.CliApp.RunAsync(args);
