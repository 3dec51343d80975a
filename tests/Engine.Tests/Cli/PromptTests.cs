using Engine.Cli;

namespace Engine.Tests.Cli;

public sealed class PromptTests
{
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
}
