if (args is ["serve", ..])
{
    Console.Error.WriteLine("error: this native client has no node in it: run a node with the node's build (dotnet src/Engine/bin/Release/net10.0/engine.dll serve)");
    return 2;
}
return await Engine.Cli.CliApp.RunAsync(args);
