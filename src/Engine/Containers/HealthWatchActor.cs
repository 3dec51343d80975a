using Akka.Actor;
using Engine.Protocol;

namespace Engine.Containers;

/// <summary>A web container's run of check answers: healthy until <see cref="HealthCheck.Unhealthy"/> failures in a row,
/// then unhealthy until <see cref="HealthCheck.Healthy"/> good answers in a row.</summary>
public sealed record HealthCount(bool Healthy, int InARow)
{
    public static readonly HealthCount Up = new(true, 0);

    public HealthCount After(bool passed, HealthCheck checks) =>
        passed == Healthy ? this with { InARow = 0 }
        : InARow + 1 >= (Healthy ? checks.Unhealthy : checks.Healthy) ? new HealthCount(!Healthy, 0)
        : this with { InARow = InARow + 1 };
}

/// <summary>Checks the routed release's web containers on this worker every interval (a child of the app's keeper here,
/// which tells it what to watch), over loopback, one round at a time; tells the app's health guard each change of a
/// container's health. A container the keeper is replacing is not checked until it is back.</summary>
public sealed class HealthWatchActor : ReceiveActor, IWithTimers
{
    private WatchHealth? _watch;
    private readonly Dictionary<string, HealthCount> _health = [];
    private readonly HashSet<string> _paused = [];
    private bool _checking;

    /// <summary>From the keeper: it is replacing this container (true), or it is back (false: it starts healthy).</summary>
    public sealed record Pause(string Slot, bool Paused);

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Checked(WatchHealth Watch, IReadOnlyList<(ContainerSpec Spec, bool Passed, string Answer)> Results);

    public ITimerScheduler Timers { get; set; } = null!;

    public HealthWatchActor()
    {
        Receive<WatchHealth>(w =>
        {
            // Every container starts healthy again, as the guard that sent it has them: the unhealthy ones are found again.
            _health.Clear();
            if (_watch?.DeploymentId != w.DeploymentId) _paused.Clear();
            _watch = w.Checks is null || w.Webs.Count == 0 ? null : w;
            if (_watch?.Checks is { } checks) Timers.StartPeriodicTimer("tick", Tick.Instance, checks.Interval);
            else Timers.Cancel("tick");
        });
        Receive<Tick>(_ => _watch is not null && !_checking, _ =>
        {
            _checking = true;
            CheckAsync(_watch!).PipeTo(Self);
        });
        Receive<Tick>(_ => { }); // a round is still out: this one is skipped
        Receive<Checked>(c =>
        {
            _checking = false;
            if (_watch != c.Watch) return; // what it watches changed meanwhile
            foreach (var (spec, passed, answer) in c.Results.Where(r => !_paused.Contains(r.Spec.Slot)))
            {
                var was = _health.GetValueOrDefault(spec.Slot, HealthCount.Up);
                var now = _health[spec.Slot] = was.After(passed, c.Watch.Checks!);
                if (now.Healthy != was.Healthy) c.Watch.ReportTo.Tell(new ContainerHealth(spec, now.Healthy, answer));
            }
        });
        Receive<Pause>(p =>
        {
            _health.Remove(p.Slot);
            if (p.Paused) _paused.Add(p.Slot);
            else _paused.Remove(p.Slot);
        });
    }

    private static async Task<Checked> CheckAsync(WatchHealth watch)
    {
        var results = await Task.WhenAll(watch.Webs.Select(async spec =>
        {
            var (passed, answer) = await HttpCheck.ProbeAsync(spec.Port!.Value, watch.Checks!, CancellationToken.None);
            return (spec, passed, answer);
        }));
        return new Checked(watch, results);
    }
}
