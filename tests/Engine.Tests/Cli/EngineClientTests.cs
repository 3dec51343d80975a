using System.Net;
using Engine.Cli;

namespace Engine.Tests.Cli;

public sealed class EngineClientTests
{
    [Fact]
    public void An_error_with_an_empty_body_still_says_what_happened() =>
        Assert.Equal("the engine answered HTTP 408 Request Timeout with no message",
            EngineClient.ErrorMessage(HttpStatusCode.RequestTimeout, null, ""));

    [Fact]
    public void An_error_with_a_body_that_is_not_the_API_s_JSON_shows_the_body() =>
        Assert.Equal("the engine answered HTTP 502 Bad Gateway: upstream down",
            EngineClient.ErrorMessage(HttpStatusCode.BadGateway, "Bad Gateway", "upstream down\n"));

    [Theory]
    [InlineData("{\"error\":\"\"}")]
    [InlineData("[1,2]")]
    [InlineData("{\"error\":null}")]
    public void An_empty_or_odd_JSON_error_is_never_printed_empty(string body) =>
        Assert.StartsWith("the engine answered HTTP 500 Internal Server Error", EngineClient.ErrorMessage(HttpStatusCode.InternalServerError, null, body));

    [Fact]
    public void The_API_s_error_text_is_shown_with_the_status() =>
        Assert.Equal("app 'x' not found (HTTP 404)", EngineClient.ErrorMessage(HttpStatusCode.NotFound, "Not Found", "{\"error\":\"app 'x' not found\"}"));
}
