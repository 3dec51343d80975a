using Engine.Containers;

namespace Engine.Tests.Support;

/// <summary>Ports for the nodes a test starts (admin API, router, seed), picked below the kernel's ephemeral range and
/// below the workers' default `--port-range`: a port the harness chose, freed by a kill and bound again by the restart,
/// can then never have been taken meanwhile by a port-0 bind (Akka remoting's, a client's). Never the same twice in one
/// test run.</summary>
public static class TestPorts
{
    private const int From = 10000;
    private const int To = 19999;
    private static readonly HashSet<int> Given = [];

    public static IReadOnlyList<int> Take(int count)
    {
        lock (Given)
        {
            var ports = new List<int>();
            var start = Random.Shared.Next(To - From + 1);
            for (var i = 0; i <= To - From && ports.Count < count; i++)
            {
                var port = From + (start + i) % (To - From + 1);
                if (!Given.Contains(port) && FreePorts.Bindable(port)) ports.Add(port);
            }
            if (ports.Count < count) throw new InvalidOperationException($"no {count} free test port(s) left in {From}-{To}");
            Given.UnionWith(ports);
            return ports;
        }
    }
}
