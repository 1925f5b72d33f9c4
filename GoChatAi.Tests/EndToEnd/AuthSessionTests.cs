using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GoChatAi.Contracts.Auth.V1;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>Sign-up, sign-in, refresh rotation and replay detection, sign-out and revocation, seen from a client.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class AuthSessionTests(GoChatAiAppFixture fixture)
{
    private readonly TestAccounts _accounts = new(fixture);

    [Fact]
    public async Task Sign_up_over_grpc_returns_the_user_and_a_token_pair_but_never_the_password()
    {
        var email = TestAccounts.NewEmail();

        var response = await _accounts.SignUpAsync(email);

        Assert.Equal(email, response.User.Email);
        Assert.Equal(["user"], response.User.Roles);
        Assert.Equal("Bearer", response.Tokens.TokenType);
        Assert.Equal(3, response.Tokens.AccessToken.Split('.').Length);
        Assert.True(response.Tokens.RefreshToken.Length >= 43, "a refresh token carries at least 256 bits");
        Assert.InRange(response.Tokens.ExpiresIn, 1, 15 * 60);
        Assert.DoesNotContain(TestAccounts.Password, response.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_up_and_sign_in_over_rest_use_the_replaced_systems_routes()
    {
        using var rest = fixture.CreateRestClient("authservice");
        var email = TestAccounts.NewEmail();

        using var signUp = await rest.PostAsJsonAsync("/v1/auth/signup", new { name = "Rest User", email, password = TestAccounts.Password });
        using var signIn = await rest.PostAsJsonAsync("/v1/auth/signin", new { email = email.ToUpperInvariant(), password = TestAccounts.Password });

        Assert.Equal(HttpStatusCode.OK, signUp.StatusCode);
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        using var body = JsonDocument.Parse(await signIn.Content.ReadAsStringAsync());
        Assert.Equal(email, body.RootElement.GetProperty("user").GetProperty("email").GetString());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("tokens").GetProperty("accessToken").GetString()));
    }

    [Fact]
    public async Task A_second_account_with_the_same_email_in_another_case_is_refused()
    {
        var email = TestAccounts.NewEmail();
        await _accounts.SignUpAsync(email);

        var error = await Assert.ThrowsAsync<RpcException>(() => _accounts.SignUpAsync("  " + email.ToUpperInvariant() + " "));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
    }

    [Fact]
    public async Task Two_concurrent_sign_ups_with_one_email_make_one_account()
    {
        var email = TestAccounts.NewEmail();

        var attempts = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            try
            {
                await _accounts.SignUpAsync(email);
                return StatusCode.OK;
            }
            catch (RpcException exception)
            {
                return exception.StatusCode;
            }
        }));

        Assert.Single(attempts, s => s == StatusCode.OK);
        Assert.All(attempts.Where(s => s != StatusCode.OK), s => Assert.Equal(StatusCode.AlreadyExists, s));
    }

    [Fact]
    public async Task An_unknown_email_and_a_wrong_password_get_the_same_answer()
    {
        var known = TestAccounts.NewEmail();
        await _accounts.SignUpAsync(known);

        var wrongPassword = await Assert.ThrowsAsync<RpcException>(() =>
            _accounts.Auth.SignInAsync(new SignInRequest { Email = known, Password = "not the password at all" }).ResponseAsync);
        var unknownEmail = await Assert.ThrowsAsync<RpcException>(() =>
            _accounts.Auth.SignInAsync(new SignInRequest { Email = TestAccounts.NewEmail(), Password = "not the password at all" }).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, wrongPassword.StatusCode);
        Assert.Equal(wrongPassword.StatusCode, unknownEmail.StatusCode);
        Assert.Equal(wrongPassword.Status.Detail, unknownEmail.Status.Detail);
    }

    [Fact]
    public async Task Refresh_rotates_the_refresh_token_and_the_old_one_stops_working()
    {
        var session = (await _accounts.SignUpAsync()).Tokens;

        var rotated = (await _accounts.Auth.RefreshTokenAsync(new RefreshTokenRequest { RefreshToken = session.RefreshToken })).Tokens;
        var replay = await Assert.ThrowsAsync<RpcException>(() =>
            _accounts.Auth.RefreshTokenAsync(new RefreshTokenRequest { RefreshToken = session.RefreshToken }).ResponseAsync);

        Assert.NotEqual(session.RefreshToken, rotated.RefreshToken);
        Assert.NotEqual(session.AccessToken, rotated.AccessToken);
        Assert.Equal(StatusCode.Unauthenticated, replay.StatusCode);
    }

    [Fact]
    public async Task Of_two_concurrent_refreshes_with_one_token_exactly_one_succeeds()
    {
        var session = (await _accounts.SignUpAsync()).Tokens;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
        {
            try
            {
                await _accounts.Auth.RefreshTokenAsync(new RefreshTokenRequest { RefreshToken = session.RefreshToken });
                return true;
            }
            catch (RpcException exception) when (exception.StatusCode == StatusCode.Unauthenticated)
            {
                return false;
            }
        }));

        Assert.Single(outcomes, succeeded => succeeded);
    }

    [Fact]
    public async Task Sign_out_revokes_the_access_token_at_the_chat_service_at_once()
    {
        var session = (await _accounts.SignUpAsync()).Tokens;
        var chat = new ChatService.ChatServiceClient(fixture.CreateGrpcChannel("chatservice"));
        var before = await ChatStatusAsync(chat, session.AccessToken);

        await _accounts.Auth.SignOutAsync(new SignOutRequest(), TestAccounts.Bearer(session));

        Assert.NotEqual(StatusCode.Unauthenticated, before);
        Assert.Equal(StatusCode.Unauthenticated, await ChatStatusAsync(chat, session.AccessToken));
        await Assert.ThrowsAsync<RpcException>(() =>
            _accounts.Auth.RefreshTokenAsync(new RefreshTokenRequest { RefreshToken = session.RefreshToken }).ResponseAsync);
    }

    [Fact]
    public async Task Signing_out_everywhere_ends_every_session_but_not_the_next_sign_in()
    {
        var email = TestAccounts.NewEmail();
        var first = (await _accounts.SignUpAsync(email)).Tokens;
        var second = (await _accounts.Auth.SignInAsync(new SignInRequest { Email = email, Password = TestAccounts.Password })).Tokens;

        await _accounts.Auth.SignOutAsync(new SignOutRequest { AllSessions = true }, TestAccounts.Bearer(first));
        var next = (await _accounts.Auth.SignInAsync(new SignInRequest { Email = email, Password = TestAccounts.Password })).Tokens;

        Assert.False((await _accounts.Auth.ValidateTokenAsync(new ValidateTokenRequest { Token = first.AccessToken })).Valid);
        Assert.False((await _accounts.Auth.ValidateTokenAsync(new ValidateTokenRequest { Token = second.AccessToken })).Valid);
        await Assert.ThrowsAsync<RpcException>(() =>
            _accounts.Auth.RefreshTokenAsync(new RefreshTokenRequest { RefreshToken = second.RefreshToken }).ResponseAsync);
        Assert.True((await _accounts.Auth.ValidateTokenAsync(new ValidateTokenRequest { Token = next.AccessToken })).Valid);
    }

    [Fact]
    public async Task Revoking_an_access_token_makes_introspection_and_resource_servers_refuse_it()
    {
        var session = (await _accounts.SignUpAsync()).Tokens;
        Assert.True((await _accounts.Auth.ValidateTokenAsync(new ValidateTokenRequest { Token = session.AccessToken })).Valid);

        await _accounts.Auth.RevokeTokenAsync(new RevokeTokenRequest { Token = session.AccessToken });

        var introspection = await _accounts.Auth.ValidateTokenAsync(new ValidateTokenRequest { Token = session.AccessToken });
        Assert.Equal(new ValidateTokenResponse { Valid = false }, introspection);
        var me = await Assert.ThrowsAsync<RpcException>(() =>
            _accounts.Users.GetMeAsync(new GetMeRequest(), TestAccounts.Bearer(session)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, me.StatusCode);
    }

    [Fact]
    public async Task Revoking_a_refresh_token_ends_its_session_and_unknown_tokens_are_not_an_error()
    {
        var session = (await _accounts.SignUpAsync()).Tokens;

        await _accounts.Auth.RevokeTokenAsync(new RevokeTokenRequest { Token = session.RefreshToken, TokenTypeHint = TokenTypeHint.RefreshToken });
        await _accounts.Auth.RevokeTokenAsync(new RevokeTokenRequest { Token = session.RefreshToken });
        await _accounts.Auth.RevokeTokenAsync(new RevokeTokenRequest { Token = "not-a-token-anyone-issued" });

        await Assert.ThrowsAsync<RpcException>(() =>
            _accounts.Auth.RefreshTokenAsync(new RefreshTokenRequest { RefreshToken = session.RefreshToken }).ResponseAsync);
        Assert.False((await _accounts.Auth.ValidateTokenAsync(new ValidateTokenRequest { Token = session.AccessToken })).Valid);
    }

    [Fact]
    public async Task Introspection_describes_a_valid_token()
    {
        var signUp = await _accounts.SignUpAsync();

        var introspection = await _accounts.Auth.ValidateTokenAsync(new ValidateTokenRequest { Token = signUp.Tokens.AccessToken });

        Assert.True(introspection.Valid);
        Assert.Equal(signUp.User.Id, introspection.UserId);
        Assert.Equal(["user"], introspection.Roles);
        Assert.Equal(signUp.Tokens.AccessTokenExpiresAt.Seconds, introspection.ExpiresAt.Seconds);
    }

    [Fact]
    public async Task Repeated_failures_throttle_the_account_even_for_the_right_password()
    {
        var email = TestAccounts.NewEmail();
        await _accounts.SignUpAsync(email);
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<RpcException>(() =>
                _accounts.Auth.SignInAsync(new SignInRequest { Email = email, Password = $"wrong password number {i}" }).ResponseAsync);
        }

        var throttled = await Assert.ThrowsAsync<RpcException>(() =>
            _accounts.Auth.SignInAsync(new SignInRequest { Email = email, Password = TestAccounts.Password }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, throttled.StatusCode);
        var retryInfo = throttled.GetRpcStatus()?.GetDetail<Google.Rpc.RetryInfo>();
        Assert.NotNull(retryInfo);
        Assert.True(retryInfo.RetryDelay.ToTimeSpan() > TimeSpan.Zero);
    }

    private static async Task<StatusCode> ChatStatusAsync(ChatService.ChatServiceClient chat, string accessToken)
    {
        try
        {
            await chat.ListModelsAsync(new ListModelsRequest(), TestAccounts.Bearer(accessToken));
            return StatusCode.OK;
        }
        catch (RpcException exception)
        {
            return exception.StatusCode;
        }
    }
}
