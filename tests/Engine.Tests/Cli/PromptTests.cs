using Engine.Cli;

namespace Engine.Tests.Cli;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PromptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("engine-history-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string HistoryPath => Path.Combine(_dir, ".engine_history");

    [Fact]
    public void A_line_splits_into_words_as_a_shell_would_and_an_open_quote_is_refused()
    {
        Assert.Equal(["env", "set", "app", "GREETING=hello world", "X="], Prompt.Split("  env set app \"GREETING=hello world\" 'X='"));
        Assert.Equal(["audit", ""], Prompt.Split("audit ''"));
        Assert.Null(Prompt.Split("env set app \"A=1"));
    }

    [Fact]
    public void Only_server_and_token_switches_open_the_prompt()
    {
        Assert.Equal((null, null), Prompt.Connection([]));
        Assert.Equal(("http://h:1", "t"), Prompt.Connection(["--server", "http://h:1", "--token=t"]));
        Assert.Null(Prompt.Connection(["cluster", "show"]));
        Assert.Equal(("http://h:1", null), Prompt.Connection(["cluster", "--server", "http://h:1", "show"], anyCommand: true));
    }

    [Theory]
    [InlineData("apps --token tok123", "apps --token ***")]
    [InlineData("apps --token=tok123 --json", "apps --token=*** --json")]
    [InlineData("env set app SECRET=hunter2", "env set app SECRET=***")]
    [InlineData("env set app --token t \"A=one two\" B= 'C=x=y'", "env set app --token *** A=*** B=*** C=***")]
    [InlineData("scale app web=2 clock=0", "scale app web=2 clock=0")]
    [InlineData("deploy \"./my app\" --app a", "deploy \"./my app\" --app a")]
    [InlineData("audit --type 'say \"hi\"' ''", "audit --type \"say \"'\"'\"hi\"'\"'\"\" \"\"")]
    [InlineData("env set app \"A=1", null)]
    public void Token_and_variable_values_are_masked_and_the_line_reads_back_as_the_same_words(string line, string? stored)
    {
        Assert.Equal(stored, History.Mask(line));
        if (stored is not null && !stored.Contains(History.Masked)) Assert.Equal(Prompt.Split(line), Prompt.Split(stored));
    }

    [Fact]
    public void The_history_is_created_0600_keeps_no_secret_and_skips_a_line_over_4_KiB()
    {
        var history = new History(HistoryPath);
        history.Add("env set app SECRET=hunter2");
        history.Add("apps --token tok123");
        history.Add("deploy " + new string('x', History.MaxLineBytes));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(HistoryPath));
        Assert.Equal("env set app SECRET=***\napps --token ***\n", File.ReadAllText(HistoryPath));
        Assert.Equal(["env set app SECRET=***", "apps --token ***"], history.Lines());
    }

    [Fact]
    public void An_older_history_is_made_0600_masked_and_cut_to_the_last_1000_lines()
    {
        File.WriteAllLines(HistoryPath, [.. Enumerable.Range(1, 1500).Select(i => $"env set app K{i}=secret{i}"), new string('y', 5000)]);
        File.SetUnixFileMode(HistoryPath, (UnixFileMode)0b110_100_100); // 0644, as earlier versions left it
        var history = new History(HistoryPath);
        history.Tidy();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(HistoryPath));
        var lines = File.ReadAllLines(HistoryPath);
        Assert.Equal(History.MaxLines, lines.Length);
        Assert.Equal("env set app K501=***", lines[0]);
        Assert.DoesNotContain("secret", File.ReadAllText(HistoryPath));

        history.Add("apps");
        lines = File.ReadAllLines(HistoryPath);
        Assert.Equal(History.MaxLines, lines.Length);
        Assert.Equal(["env set app K502=***", "apps"], [lines[0], lines[^1]]);
    }
}
