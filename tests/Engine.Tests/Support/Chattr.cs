using System.Diagnostics;

namespace Engine.Tests.Support;

/// <summary>`chattr +i` / `-i`: root ignores file modes, so the immutable flag is how a test makes a file really
/// unwritable or unremovable. Without chattr such a test cannot prove anything: it fails rather than skips.</summary>
public static class Chattr
{
    public static async Task<(int ExitCode, string Error)> RunAsync(string flag, string path)
    {
        var psi = new ProcessStartInfo("chattr") { RedirectStandardError = true };
        psi.ArgumentList.Add(flag);
        psi.ArgumentList.Add(path);
        using var p = Process.Start(psi)!;
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, error);
    }

    public static async Task SetAsync(string flag, string path)
    {
        var (code, error) = await RunAsync(flag, path);
        Assert.True(code == 0, $"chattr {flag} {path}: {error}");
    }
}
