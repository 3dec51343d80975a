using Engine.Apps;
using Engine.Protocol;

namespace Engine.Tests.Apps;

/// <summary>The pure rules of an app's lock and maintenance mode (<see cref="AppState"/>, AppControls.cs).</summary>
public sealed class AppControlsTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-12-08T03:00:00Z");

    private static readonly AppState Deployed = new AppState("app")
        .Apply(new DeploymentQueued("app", "app-v1", 1, "a.tar", new Dictionary<string, string>(), At));

    private static AppError? Refusal(AppState state, IAppMessage change)
    {
        state.DecideControl(change, At, out var refusal);
        return refusal;
    }

    [Fact]
    public void A_lock_needs_a_deployed_app_and_a_one_line_reason_and_cannot_be_taken_twice()
    {
        Assert.True(Refusal(new AppState("app"), new LockApp("app", "freeze"))!.Conflict);
        Assert.Contains("needs a reason", Refusal(Deployed, new LockApp("app", "  "))!.Error);
        Assert.Contains("one line", Refusal(Deployed, new LockApp("app", "a\nb"))!.Error);
        Assert.Contains("one line", Refusal(Deployed, new LockApp("app", new string('x', AppState.MaxLockReasonLength + 1)))!.Error);

        var locked = Deployed.Apply(Deployed.DecideControl(new LockApp("app", " freeze ", "ana"), At, out _)!);
        Assert.Equal(new AppLock("freeze", "ana", At), locked.Lock);
        var twice = Refusal(locked, new LockApp("app", "again", "bo"))!;
        Assert.True(twice.Conflict);
        Assert.Contains("by ana", twice.Error);
        Assert.Null(locked.Apply(locked.DecideControl(new UnlockApp("app"), At, out _)!).Lock);
        Assert.Contains("not locked", Refusal(Deployed, new UnlockApp("app"))!.Error);
    }

    [Fact]
    public void A_lock_refuses_deploy_rollback_scale_and_restart_naming_who_when_and_why_and_nothing_else()
    {
        var locked = Deployed.Apply(new AppLocked("app", "freeze", At, "ana"));
        IAppMessage[] refused = [new CreateDeployment("app", "a.tar"), new RollbackApp("app", null, false, false, "ana"),
            new ScaleApp("app", new Dictionary<string, int> { ["web"] = 2 }), new RestartApp("app", "ana")];
        Assert.All(refused, m =>
        {
            var error = locked.RefuseLocked(m)!;
            Assert.True(error.Locked);
            Assert.Contains("Locked by ana at 2026-12-08 03:00:00Z: freeze", error.Error);
        });
        Assert.All(refused, m => Assert.Null(Deployed.RefuseLocked(m)));
        Assert.Null(locked.RefuseLocked(new ChangeEnv("app", new Dictionary<string, string> { ["A"] = "1" }, [])));
        Assert.Null(locked.RefuseLocked(new GetApp("app")));
    }

    [Fact]
    public void Maintenance_takes_a_message_and_a_retry_after_in_bounds_and_journals_only_a_change()
    {
        Assert.Contains("1-86400", Refusal(Deployed, new SetMaintenance("app", new Maintenance("m", 0)))!.Error);
        Assert.Contains("message", Refusal(Deployed, new SetMaintenance("app", new Maintenance("", 60)))!.Error);
        var on = Deployed.DecideControl(new SetMaintenance("app", new Maintenance("m", 60), "ana"), At, out _);
        var state = Deployed.Apply(on!);
        Assert.Equal(new Maintenance("m", 60), state.Maintenance);
        // The same again, or off while off: nothing to journal, and no refusal.
        Assert.Null(state.DecideControl(new SetMaintenance("app", new Maintenance("m", 60)), At, out var same));
        Assert.Null(same);
        Assert.Null(Deployed.DecideControl(new SetMaintenance("app", null), At, out var offOff));
        Assert.Null(offOff);
        Assert.Null(state.Apply(state.DecideControl(new SetMaintenance("app", null), At, out _)!).Maintenance);
    }
}
