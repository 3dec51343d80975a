using Engine.Admin;

namespace Engine.Tests.Admin;

public sealed class ErrorTextTests
{
    [Fact]
    public void An_exception_with_an_empty_message_is_described_by_its_type_and_cause() =>
        Assert.Equal("Wrapper: disk gone", ErrorText.Of(new Wrapper(new IOException("disk gone"))));

    [Fact]
    public void A_message_is_kept_and_its_inner_cause_added() =>
        Assert.Equal("cannot open: denied", ErrorText.Of(new InvalidOperationException("cannot open", new UnauthorizedAccessException("denied"))));

    private sealed class Wrapper(Exception inner) : Exception("", inner);
}
