using GoChatAi.Contracts.Auth.V1;
using Grpc.Core;

namespace GoChatAi.Tests.Infrastructure;

/// <summary>Accounts for tests: each test signs up users of its own, so that tests never share state.</summary>
public sealed class TestAccounts(GoChatAiAppFixture fixture)
{
    public const string Password = "a long enough test password";

    public Contracts.Auth.V1.AuthService.AuthServiceClient Auth { get; } = new(fixture.CreateGrpcChannel("authservice"));

    public UserService.UserServiceClient Users { get; } = new(fixture.CreateGrpcChannel("authservice"));

    public static string NewEmail() => $"user-{Guid.NewGuid():N}@tests.gochatai.local";

    public async Task<SignUpResponse> SignUpAsync(string? email = null, string password = Password) =>
        await Auth.SignUpAsync(new SignUpRequest { Name = "Test User", Email = email ?? NewEmail(), Password = password });

    public async Task<SignInResponse> SignInAdminAsync() =>
        await Auth.SignInAsync(new SignInRequest { Email = GoChatAiAppFixture.AdminEmail, Password = GoChatAiAppFixture.AdminPassword });

    public static Metadata Bearer(string accessToken) => new() { { "authorization", $"Bearer {accessToken}" } };

    public static Metadata Bearer(TokenPair tokens) => Bearer(tokens.AccessToken);
}
