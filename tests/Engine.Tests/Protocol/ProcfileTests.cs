using Engine.Protocol;

namespace Engine.Tests.Protocol;

public sealed class ProcfileTests
{
    [Fact]
    public void Parses_process_types_and_the_postdeploy_hook_keeping_commands_whole()
    {
        var processes = Procfile.Parse("# comment\nweb: bundle exec puma -p $PORT\n\nworker: sidekiq\npostdeploy: rake db:migrate && echo done\n");
        Assert.Equal([
            new ProcessType("web", "bundle exec puma -p $PORT"),
            new ProcessType("worker", "sidekiq"),
            new ProcessType("postdeploy", "rake db:migrate && echo done"),
        ], processes);
    }

    [Theory]
    [InlineData("web: ok\nno colon here\n", "Procfile line 2: expected 'name: command'")]
    [InlineData("web:   \n", "Procfile line 1: process 'web' has an empty command")]
    [InlineData("web: a\nworker: b\nweb: c\n", "Procfile line 3: process 'web' is already defined on line 1")]
    [InlineData("we b: a\n", "Procfile line 1: invalid process name 'we b'")]
    [InlineData("# only a comment\n", "Procfile defines no process")]
    public void Malformed_Procfiles_are_refused_with_a_message_naming_the_line(string text, string message)
    {
        var e = Assert.Throws<ProcfileException>(() => Procfile.Parse(text));
        Assert.StartsWith(message, e.Message);
    }

    [Theory]
    [InlineData("web: a\rworker: b\r")]
    [InlineData("web: a\r\nworker: b\r\n")]
    [InlineData("web: a\nworker: b")]
    public void CRLF_CR_only_and_LF_line_ends_all_separate_lines(string text) =>
        Assert.Equal([new ProcessType("web", "a"), new ProcessType("worker", "b")], Procfile.Parse(text));

    [Fact]
    public void Line_numbers_count_CR_only_line_ends() =>
        Assert.StartsWith("Procfile line 2:", Assert.Throws<ProcfileException>(() => Procfile.Parse("web: a\rno colon\r")).Message);

    [Theory]
    [InlineData("hello", true)]
    [InlineData("my-app-2", true)]
    [InlineData("", false)]
    [InlineData("Hello", false)]
    [InlineData("my_app", false)]
    [InlineData("a-very-long-app-name-that-is-over-forty-chars", false)]
    [InlineData("x\n", false)]
    [InlineData("x\r\n", false)]
    [InlineData("-x", false)]
    [InlineData("x-", false)]
    [InlineData("-", false)]
    [InlineData("a--b", true)]
    [InlineData("7", true)]
    public void App_names_are_lowercase_letters_digits_and_dashes_up_to_40(string name, bool valid) =>
        Assert.Equal(valid, AppName.Validate(name) is null);
}
