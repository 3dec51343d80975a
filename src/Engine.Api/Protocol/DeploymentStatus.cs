namespace Engine.Protocol;

/// <summary>Scalingo's status names, plus the finer in-progress phases `running-hook` and `switching`.</summary>
public static class DeploymentStatus
{
    public const string Queued = "queued";
    public const string Building = "building";
    public const string Pushing = "pushing";
    public const string Starting = "starting";
    public const string RunningHook = "running-hook";
    public const string Switching = "switching";
    public const string Success = "success";
    public const string Aborted = "aborted";
    public const string BuildError = "build-error";
    public const string CrashedError = "crashed-error";
    public const string TimeoutError = "timeout-error";
    public const string HookError = "hook-error";
    /// <summary>The release fits on no worker (capacity, ports), or needs a registry that is not configured.</summary>
    public const string PlacementError = "placement-error";

    public static bool IsTerminal(string status) =>
        status is Success or Aborted or BuildError or CrashedError or TimeoutError or HookError or PlacementError;
}
