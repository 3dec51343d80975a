using Engine.Apps;
using Engine.Protocol;

namespace Engine.Tests.Protocol;

public sealed class AppNameTests
{
    [Theory]
    [InlineData("x\n", "invalid app name 'x\\n': '\\n' is not allowed")]
    [InlineData("-x", "invalid app name '-x': it must start and end with a letter or digit")]
    [InlineData("x-", "invalid app name 'x-': it must start and end with a letter or digit")]
    [InlineData("Hello", "invalid app name 'Hello': 'H' is not allowed")]
    [InlineData("", "invalid app name '': use 1 to 40")]
    public void Invalid_app_names_say_what_is_wrong_on_one_line(string name, string message)
    {
        var error = AppName.Validate(name);
        Assert.NotNull(error);
        Assert.StartsWith(message, error);
        Assert.DoesNotContain('\n', error);
    }

    [Theory]
    [InlineData("FOO", true)]
    [InlineData("_foo_1", true)]
    [InlineData("FOO\n", false)]
    [InlineData("FOO\r\n", false)]
    [InlineData("1FOO", false)]
    [InlineData("FO-O", false)]
    [InlineData("PORT", false)]
    public void Env_keys_are_identifiers_with_no_trailing_newline(string key, bool valid) =>
        Assert.Equal(valid, EnvKey.Validate(key) is null);

    private static readonly AppState App = new("app");

    private static string? EnvError(AppState state, Dictionary<string, string> set)
    {
        var decided = state.DecideEnv(new ChangeEnv("app", set, []), DateTimeOffset.UnixEpoch, out var error);
        Assert.Equal(error is null, decided is not null);
        return error;
    }

    [Fact]
    public void A_value_a_container_can_receive_is_accepted_up_to_the_kernel_limit()
    {
        // KEY=VALUE plus its NUL is exactly 128 KiB.
        Assert.Null(EnvError(App, new() { ["K"] = new string('v', EnvKey.MaxVariableBytes - 3) }));
        var error = EnvError(App, new() { ["BIG"] = new string('v', EnvKey.MaxVariableBytes - 4) });
        Assert.Contains("'BIG' is 131073 bytes as KEY=VALUE, over the 131072 bytes", error);
    }

    [Fact]
    public void A_NUL_byte_in_a_value_is_refused_naming_the_variable() =>
        Assert.Contains("the value of 'SECRET' contains a NUL byte", EnvError(App, new() { ["SECRET"] = "a\0b" }));

    [Fact]
    public void A_null_value_is_refused() =>
        Assert.Contains("the value of 'A' is null", EnvError(App, new() { ["A"] = null! }));

    [Fact]
    public void The_environment_as_a_whole_is_bounded()
    {
        var state = App;
        var value = new string('v', 100 * 1024);
        for (var i = 0; state.Env.Count < 10; i++)
            state = state.Apply(state.DecideEnv(new ChangeEnv("app", new Dictionary<string, string> { [$"V{i}"] = value }, []),
                DateTimeOffset.UnixEpoch, out _)!);
        var error = EnvError(state, new() { ["ONE_MORE"] = value });
        Assert.Contains("over the 1048576 byte limit for all variables together", error);
        // Replacing a variable with a smaller one is fine even near the limit.
        Assert.Null(EnvError(state, new() { ["V0"] = "small" }));
    }
}
