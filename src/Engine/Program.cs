return await Engine.Cli.CliApp.RunAsync(args, [Engine.Hosting.ServeCommand.Create]);
