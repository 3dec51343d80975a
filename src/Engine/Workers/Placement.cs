using Engine.Protocol;

namespace Engine.Workers;

/// <summary>Spreads a formation over workers, all decided before anything starts.</summary>
public static class Placement
{
    /// <summary>Each container goes to the worker with room that holds the fewest of its type, then the fewest in all,
    /// then the first listed (the builder, which already has the image). Slots in <paramref name="existing"/> (type,
    /// index, worker: containers that run and stay, already counted in the workers' load) are not placed again but
    /// count for the spread. Null with <paramref name="error"/> when one fits nowhere: the error says what each worker
    /// lacked.</summary>
    public static IReadOnlyList<PlacedContainer>? Plan(IReadOnlyList<(string Type, int Count)> formation,
        IReadOnlyList<WorkerInfo> workers, out string? error, IReadOnlyList<(string Type, int Index, string Worker)>? existing = null)
    {
        existing ??= [];
        var total = workers.ToDictionary(w => w.Name, w => w.Running);
        var placed = new List<PlacedContainer>();
        foreach (var (type, count) in formation)
        {
            var ofType = workers.ToDictionary(w => w.Name, w => existing.Count(e => e.Type == type && e.Worker == w.Name));
            for (var index = 1; index <= count; index++)
            {
                if (existing.Any(e => e.Type == type && e.Index == index)) continue;
                var target = workers.Where(w => w.Capacity == 0 || total[w.Name] < w.Capacity)
                    .OrderBy(w => ofType[w.Name]).ThenBy(w => total[w.Name]).FirstOrDefault();
                if (target is null)
                {
                    error = workers.Count == 0
                        ? "no worker node is up to run the containers"
                        : $"{type}-{index} fits on no worker (of {formation.Sum(f => f.Count)} container(s) to place): "
                          + string.Join("; ", workers.Select(w => $"worker {w.Name} is full ({total[w.Name]} of capacity {w.Capacity})"));
                    return null;
                }
                ofType[target.Name]++;
                total[target.Name]++;
                placed.Add(new PlacedContainer(type, index, target.Name, target.Host));
            }
        }
        error = null;
        return placed;
    }
}
