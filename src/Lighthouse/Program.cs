// The cluster seed node arrives with the clustering work; until then this only proves the project builds and runs.
Console.WriteLine("lighthouse: cluster seed node (not yet wired; the engine runs single-node)");
