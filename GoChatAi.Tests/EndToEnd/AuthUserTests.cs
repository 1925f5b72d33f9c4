using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using GoChatAi.Contracts.Auth.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>Who may read and change which account: a user itself, or an admin.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class AuthUserTests(GoChatAiAppFixture fixture)
{
    private readonly TestAccounts _accounts = new(fixture);

    [Fact]
    public async Task A_user_reads_itself_through_me_and_through_its_id()
    {
        var signUp = await _accounts.SignUpAsync();

        var me = await _accounts.Users.GetMeAsync(new GetMeRequest(), TestAccounts.Bearer(signUp.Tokens));
        var byId = await _accounts.Users.GetUserAsync(new GetUserRequest { Id = signUp.User.Id }, TestAccounts.Bearer(signUp.Tokens));

        Assert.Equal(signUp.User, me);
        Assert.Equal(signUp.User, byId);
    }

    [Fact]
    public async Task A_user_may_not_read_change_or_delete_another_user()
    {
        var alice = await _accounts.SignUpAsync();
        var bob = await _accounts.SignUpAsync();
        var asAlice = TestAccounts.Bearer(alice.Tokens);

        var read = await Assert.ThrowsAsync<RpcException>(() => _accounts.Users.GetUserAsync(new GetUserRequest { Id = bob.User.Id }, asAlice).ResponseAsync);
        var rename = await Assert.ThrowsAsync<RpcException>(() => _accounts.Users.UpdateUserAsync(new UpdateUserRequest { Id = bob.User.Id, Name = "Mallory" }, asAlice).ResponseAsync);
        var delete = await Assert.ThrowsAsync<RpcException>(() => _accounts.Users.DeleteUserAsync(new DeleteUserRequest { Id = bob.User.Id }, asAlice).ResponseAsync);
        var absent = await Assert.ThrowsAsync<RpcException>(() => _accounts.Users.GetUserAsync(new GetUserRequest { Id = Guid.NewGuid().ToString() }, asAlice).ResponseAsync);

        Assert.All([read, rename, delete, absent], e => Assert.Equal(StatusCode.PermissionDenied, e.StatusCode));
        Assert.Equal("Test User", (await _accounts.Users.GetMeAsync(new GetMeRequest(), TestAccounts.Bearer(bob.Tokens))).Name);
    }

    [Fact]
    public async Task Listing_users_is_for_admins_only()
    {
        var user = await _accounts.SignUpAsync();

        var denied = await Assert.ThrowsAsync<RpcException>(() =>
            _accounts.Users.ListUsersAsync(new ListUsersRequest(), TestAccounts.Bearer(user.Tokens)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task The_configured_admin_lists_users_in_a_stable_order_with_the_total()
    {
        var admin = await _accounts.SignInAdminAsync();
        Assert.Contains("admin", admin.User.Roles);
        await _accounts.SignUpAsync();
        await _accounts.SignUpAsync();

        var first = await _accounts.Users.ListUsersAsync(new ListUsersRequest { Page = 1, Limit = 2 }, TestAccounts.Bearer(admin.Tokens));
        var second = await _accounts.Users.ListUsersAsync(new ListUsersRequest { Page = 2, Limit = 2 }, TestAccounts.Bearer(admin.Tokens));

        Assert.True(first.TotalCount >= 3);
        Assert.Equal(2, first.Users.Count);
        Assert.Equal(GoChatAiAppFixture.AdminEmail, first.Users[0].Email);
        Assert.Empty(first.Users.Select(u => u.Id).Intersect(second.Users.Select(u => u.Id)));
    }

    [Fact]
    public async Task Admins_list_users_over_rest_with_the_replaced_systems_query()
    {
        var admin = await _accounts.SignInAdminAsync();
        using var rest = fixture.CreateRestClient("authservice");
        rest.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin.Tokens.AccessToken);

        using var response = await rest.GetAsync("/v1/users?page=1&limit=5");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(5, body.GetProperty("limit").GetInt32());
        Assert.True(body.GetProperty("totalCount").GetInt32() >= 1);
    }

    [Fact]
    public async Task A_user_renames_itself()
    {
        var signUp = await _accounts.SignUpAsync();

        var renamed = await _accounts.Users.UpdateUserAsync(new UpdateUserRequest { Id = signUp.User.Id, Name = "  Renamed  " }, TestAccounts.Bearer(signUp.Tokens));

        Assert.Equal("Renamed", renamed.Name);
        Assert.Equal("Renamed", (await _accounts.Users.GetMeAsync(new GetMeRequest(), TestAccounts.Bearer(signUp.Tokens))).Name);
    }

    [Fact]
    public async Task Changing_the_password_needs_the_current_one_and_ends_every_other_session()
    {
        var email = TestAccounts.NewEmail();
        var here = await _accounts.SignUpAsync(email);
        var elsewhere = (await _accounts.Auth.SignInAsync(new SignInRequest { Email = email, Password = TestAccounts.Password })).Tokens;
        const string newPassword = "an entirely new long password";

        var wrongCurrent = await Assert.ThrowsAsync<RpcException>(() => _accounts.Users.UpdateUserAsync(
            new UpdateUserRequest { Id = here.User.Id, CurrentPassword = "not my current password", NewPassword = newPassword },
            TestAccounts.Bearer(here.Tokens)).ResponseAsync);
        await _accounts.Users.UpdateUserAsync(
            new UpdateUserRequest { Id = here.User.Id, CurrentPassword = TestAccounts.Password, NewPassword = newPassword },
            TestAccounts.Bearer(here.Tokens));

        Assert.Equal(StatusCode.InvalidArgument, wrongCurrent.StatusCode);
        Assert.False((await _accounts.Auth.ValidateTokenAsync(new ValidateTokenRequest { Token = elsewhere.AccessToken })).Valid);
        Assert.True((await _accounts.Auth.ValidateTokenAsync(new ValidateTokenRequest { Token = here.Tokens.AccessToken })).Valid);
        await Assert.ThrowsAsync<RpcException>(() => _accounts.Auth.SignInAsync(new SignInRequest { Email = email, Password = TestAccounts.Password }).ResponseAsync);
        await _accounts.Auth.SignInAsync(new SignInRequest { Email = email, Password = newPassword });
    }

    [Fact]
    public async Task Deleting_a_user_revokes_all_its_tokens()
    {
        var email = TestAccounts.NewEmail();
        var signUp = await _accounts.SignUpAsync(email);

        await _accounts.Users.DeleteUserAsync(new DeleteUserRequest { Id = signUp.User.Id }, TestAccounts.Bearer(signUp.Tokens));

        Assert.False((await _accounts.Auth.ValidateTokenAsync(new ValidateTokenRequest { Token = signUp.Tokens.AccessToken })).Valid);
        await Assert.ThrowsAsync<RpcException>(() => _accounts.Auth.RefreshTokenAsync(new RefreshTokenRequest { RefreshToken = signUp.Tokens.RefreshToken }).ResponseAsync);
        await Assert.ThrowsAsync<RpcException>(() => _accounts.Auth.SignInAsync(new SignInRequest { Email = email, Password = TestAccounts.Password }).ResponseAsync);
    }

    [Fact]
    public async Task An_admin_may_delete_another_user()
    {
        var admin = await _accounts.SignInAdminAsync();
        var user = await _accounts.SignUpAsync();

        await _accounts.Users.DeleteUserAsync(new DeleteUserRequest { Id = user.User.Id }, TestAccounts.Bearer(admin.Tokens));

        var gone = await Assert.ThrowsAsync<RpcException>(() =>
            _accounts.Users.GetUserAsync(new GetUserRequest { Id = user.User.Id }, TestAccounts.Bearer(admin.Tokens)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }
}
