using System.Diagnostics;

namespace Engine.Tests.Support;

/// <summary>The native `engine` client (src/Engine.Client), published once per test run from this checkout: every CLI
/// call of the tests but `serve` runs it, as an operator's would.</summary>
public static class NativeClient
{
    private static readonly Lazy<string> Published = new(Publish);

    public static string Path => Published.Value;

    /// <summary>Incremental: a few seconds when nothing changed, about a minute for a first AOT compile.</summary>
    private static string Publish()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "publish", Repository.Combine("src", "Engine.Client"), "-c", "Release", "--nologo", "-v", "q" })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("publishing the native client took over 15 minutes");
        }
        var path = Repository.Combine("src", "Engine.Client", "bin", "native", "engine");
        if (process.ExitCode != 0 || !File.Exists(path))
            throw new InvalidOperationException($"dotnet publish src/Engine.Client failed (exit {process.ExitCode}; scripts/ensure-native-toolchain.sh "
                + $"installs what it links with):\n{stdout.Result}\n{stderr.Result}");
        return path;
    }
}
