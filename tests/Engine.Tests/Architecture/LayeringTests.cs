using ArchUnitNET.Loader;
using ArchModel = ArchUnitNET.Domain.Architecture;

namespace Engine.Tests.Architecture;

/// <summary>The layering of docs/architecture.md, checked on the compiled types (what ArchUnitNET reads from the IL:
/// every type used, not only `using` lines): no cycle between the slices `Engine.X`, and the protocol at the bottom.</summary>
public sealed class LayeringTests
{
    /// <summary>The node, the CLI it shares with the native client, and the wire protocol they both use.</summary>
    private static readonly ArchModel Engine = new ArchLoader().LoadAssemblies(
        typeof(global::Engine.Hosting.EngineHost).Assembly,
        typeof(global::Engine.Cli.CliApp).Assembly,
        typeof(global::Engine.Api.ApiJson).Assembly).Build();

    private static string? Slice(string ns)
    {
        if (!ns.StartsWith("Engine.", StringComparison.Ordinal) || ns.StartsWith("Engine.Tests", StringComparison.Ordinal)) return null;
        return ns["Engine.".Length..].Split('.')[0];
    }

    /// <summary>Slice -> slice it uses -> one example ("Origin -> Target").</summary>
    private static Dictionary<string, Dictionary<string, string>> Graph()
    {
        var graph = new Dictionary<string, Dictionary<string, string>>();
        foreach (var type in Engine.Types)
        {
            if (Slice(type.Namespace?.FullName ?? "") is not { } from) continue;
            var edges = graph.TryGetValue(from, out var e) ? e : graph[from] = [];
            foreach (var d in type.Dependencies)
            {
                if (d.Target is null) continue;
                if (Slice(d.Target.Namespace?.FullName ?? "") is { } to && to != from)
                    edges.TryAdd(to, $"{type.FullName} -> {d.Target.FullName}");
            }
        }
        return graph;
    }

    [Fact]
    public void No_cycle_between_the_slices_of_Engine()
    {
        var graph = Graph();
        Assert.True(graph.Count > 10, $"only {graph.Count} slices found");
        var cycles = Cycles(graph).Select(c => string.Join("; ",
            c.Select((a, i) => c[(i + 1) % c.Count] is var b ? $"{a} -> {b} ({graph[a][b]})" : ""))).ToList();
        Assert.True(cycles.Count == 0, "cycles between Engine slices:\n" + string.Join("\n", cycles));
    }

    [Fact]
    public void Protocol_uses_no_other_slice_of_Engine()
    {
        var graph = Graph();
        Assert.True(graph.ContainsKey("Protocol"), "no Engine.Protocol types found");
        var up = graph["Protocol"].Select(kv => $"{kv.Key}: {kv.Value}").ToList();
        Assert.True(up.Count == 0, "Engine.Protocol uses: " + string.Join("; ", up));
    }

    /// <summary>One cycle per strongly connected component of more than one slice (Tarjan).</summary>
    private static List<List<string>> Cycles(Dictionary<string, Dictionary<string, string>> graph)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var components = new List<List<string>>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            foreach (var w in graph.GetValueOrDefault(v)?.Keys ?? Enumerable.Empty<string>())
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (stack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do { x = stack.Pop(); component.Add(x); } while (x != v);
            if (component.Count > 1) components.Add(component);
        }
        foreach (var v in graph.Keys.OrderBy(k => k, StringComparer.Ordinal)) if (!index.ContainsKey(v)) Visit(v);
        return components.Select(c => PathThrough(graph, c)).ToList();
    }

    /// <summary>A closed walk inside one component, from its first slice back to it, to show in the failure.</summary>
    private static List<string> PathThrough(Dictionary<string, Dictionary<string, string>> graph, List<string> component)
    {
        var inside = component.ToHashSet();
        var start = component.OrderBy(s => s, StringComparer.Ordinal).First();
        var previous = new Dictionary<string, string>();
        var queue = new Queue<string>([start]);
        while (queue.Count > 0)
        {
            var v = queue.Dequeue();
            foreach (var w in graph[v].Keys.Where(inside.Contains))
            {
                if (w == start) { var path = new List<string> { v }; while (path[0] != start) path.Insert(0, previous[path[0]]); return path; }
                if (previous.TryAdd(w, v)) queue.Enqueue(w);
            }
        }
        return component;
    }
}
