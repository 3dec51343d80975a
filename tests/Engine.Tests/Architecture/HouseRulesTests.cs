using System.Text.RegularExpressions;
using Engine.Tests.Support;

namespace Engine.Tests.Architecture;

/// <summary>The shape of the house, checked on the sources: small actors, and no test mode compiled into production code.</summary>
public sealed class HouseRulesTests
{
    private const int MaxActorLines = 250;

    private static IEnumerable<string> Sources() =>
        Directory.EnumerateFiles(Repository.Combine("src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));

    [Fact]
    public void No_actor_file_is_over_250_lines()
    {
        var actors = Sources().Where(f => f.EndsWith("Actor.cs", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(actors);
        var large = actors.Select(f => (File: Path.GetRelativePath(Repository.Root, f), Lines: File.ReadAllLines(f).Length))
            .Where(a => a.Lines > MaxActorLines).Select(a => $"{a.File}: {a.Lines} lines").ToList();
        Assert.True(large.Count == 0, $"actor files over {MaxActorLines} lines: {string.Join("; ", large)}");
    }

    /// <summary>Actors get their collaborators through props or the dependency resolver; none decides on a missing one
    /// whether it runs under a test.</summary>
    [Fact]
    public void No_production_code_branches_on_a_missing_runtime()
    {
        var testMode = new Regex(@"\b_?runtime\s*(is|==|!=)\s*(not\s+)?null\b");
        var found = Sources().SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(l => testMode.IsMatch(l.line)).Select(l => $"{Path.GetRelativePath(Repository.Root, l.f)}:{l.i + 1}").ToList();
        Assert.True(found.Count == 0, $"test-mode branches: {string.Join(", ", found)}");
    }
}
