extern alias chatservice;

using chatservice::GoChatAi.ChatService.Application;
using chatservice::GoChatAi.ChatService.Grpc;
using GoChatAi.AuthService.Grpc;
using GoChatAi.Contracts.Auth.V1;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.Tests.Unit;

/// <summary>
/// The Go system's request fields, as the request mapping takes them: <c>message</c> for SendMessage's content,
/// <c>access_token</c> for RevokeToken's token and for the caller's own token at SignOut. Each is accepted alone or
/// beside the same value, and refused, naming it, beside a different one.
/// </summary>
public sealed class GoRequestShapeTests
{
    private static readonly string ConversationId = Guid.CreateVersion7().ToString();
    private static readonly ChatOptions Options = new();

    [Fact]
    public void Send_message_takes_content()
    {
        var command = new SendMessageRequest { ConversationId = ConversationId, Content = "hello" }.ToCommand(Options);

        Assert.Equal("hello", command.Content);
    }

    [Fact]
    public void Send_message_takes_the_go_systems_message_when_content_is_absent()
    {
        var command = new SendMessageRequest { ConversationId = ConversationId, Message = "hello from Go" }.ToCommand(Options);

        Assert.Equal("hello from Go", command.Content);
    }

    [Fact]
    public void Send_message_takes_content_and_message_when_they_are_the_same_text()
    {
        var command = new SendMessageRequest { ConversationId = ConversationId, Content = "same", Message = "same" }.ToCommand(Options);

        Assert.Equal("same", command.Content);
    }

    [Fact]
    public void Send_message_refuses_content_and_message_that_differ_naming_message()
    {
        var request = new SendMessageRequest { ConversationId = ConversationId, Content = "one", Message = "another" };

        var error = Assert.Throws<ServiceException>(() => request.ToCommand(Options));

        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
        Assert.Equal("message", Assert.Single(error.Violations).Field);
    }

    [Theory]
    [InlineData("", "", "content")]
    [InlineData("", "   ", "message")]
    [InlineData("  ", "", "content")]
    public void A_blank_text_is_refused_under_the_name_it_was_given(string content, string message, string field)
    {
        var request = new SendMessageRequest { ConversationId = ConversationId, Content = content, Message = message };

        var error = Assert.Throws<ServiceException>(() => request.ToCommand(Options));

        Assert.Equal(new FieldViolation(field, "must not be blank"), Assert.Single(error.Violations));
    }

    [Fact]
    public void An_oversized_message_is_refused_as_message()
    {
        var request = new SendMessageRequest { ConversationId = ConversationId, Message = new string('x', Options.MaxMessageLength + 1) };

        var error = Assert.Throws<ServiceException>(() => request.ToCommand(Options));

        Assert.Equal("message", Assert.Single(error.Violations).Field);
    }

    [Fact]
    public void Every_bad_field_is_named_at_once()
    {
        var request = new SendMessageRequest { ConversationId = "not-a-uuid", Content = "one", Message = "another" };

        var error = Assert.Throws<ServiceException>(() => request.ToCommand(Options));

        Assert.Equal(["conversation_id", "message"], error.Violations.Select(v => v.Field));
    }

    [Theory]
    [InlineData("tok", "", "tok")]
    [InlineData("", "tok", "tok")]
    [InlineData("tok", "tok", "tok")]
    [InlineData("", "", "")]
    public void Revoke_takes_token_or_the_go_systems_access_token(string token, string accessToken, string expected)
    {
        // An empty token goes on to the use case, which refuses it as `token`, as before.
        Assert.Equal(expected, new RevokeTokenRequest { Token = token, AccessToken = accessToken }.ToToken());
    }

    [Fact]
    public void Revoke_refuses_two_different_tokens_naming_access_token()
    {
        var error = Assert.Throws<ServiceException>(() => new RevokeTokenRequest { Token = "one", AccessToken = "another" }.ToToken());

        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
        Assert.Equal("access_token", Assert.Single(error.Violations).Field);
    }

    [Fact]
    public void Revoke_checks_the_go_systems_access_token_under_its_own_name()
    {
        var request = new RevokeTokenRequest { AccessToken = new string('t', 8_193) };

        var error = Assert.Throws<ServiceException>(request.ToToken);

        Assert.Equal("access_token", Assert.Single(error.Violations).Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("the-bearer-token")]
    public void Sign_out_takes_no_access_token_or_the_callers_own(string accessToken)
    {
        var request = new SignOutRequest { AccessToken = accessToken, RefreshToken = "refresh", AllSessions = true };

        Assert.Equal(("refresh", true), request.ToSignOut("the-bearer-token"));
    }

    [Theory]
    [InlineData("the-bearer-token")]
    [InlineData(null)]
    public void Sign_out_refuses_an_access_token_other_than_the_callers_naming_it(string? bearerToken)
    {
        var request = new SignOutRequest { AccessToken = "another-token" };

        var error = Assert.Throws<ServiceException>(() => request.ToSignOut(bearerToken));

        Assert.Equal("access_token", Assert.Single(error.Violations).Field);
    }
}
