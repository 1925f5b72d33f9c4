using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using GoChatAi.Contracts.Auth.V1;
using GoChatAi.ServiceDefaults.Authentication;
using GoChatAi.Tests.Infrastructure;
using Npgsql;
using StackExchange.Redis;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// Revocations outlive the cache server: Garnet (or a Redis without persistence) forgets the revocation list when it
/// restarts, and the AuthService rebuilds it from its database. Until it is rebuilt, no token is accepted: every
/// answer is UNAVAILABLE (503), never a pass for a revoked token, never a 401 for a valid one.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class RevocationDurabilityTests(GoChatAiAppFixture fixture)
{
    private readonly TestAccounts _accounts = new(fixture);

    [Fact]
    public async Task Signed_out_and_deleted_users_stay_refused_by_both_services_after_the_cache_server_restarts()
    {
        var (signedOut, deleted) = await SignOutOneUserAndDeleteAnotherAsync();
        using var probes = new TokenProbes(fixture);
        foreach (var token in new[] { signedOut, deleted })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await probes.ChatAsync(token));
        }

        await CacheServer.RestartAsync(fixture);

        // While the list is rebuilt the services answer 503; in the end both tokens are refused again, everywhere.
        // A revoked token never gets through on the way, and nothing but 401 or 503 is answered.
        HttpStatusCode[] refusals = [HttpStatusCode.Unauthorized, HttpStatusCode.ServiceUnavailable];
        string[] validations = ["not valid", "503"];
        var settled = new Observation(HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, "not valid");
        await PollAsync("both tokens are refused by both services", async () =>
        {
            var done = true;
            foreach (var token in new[] { signedOut, deleted })
            {
                var seen = new Observation(await probes.ChatAsync(token), await probes.AuthAsync(token), await probes.ValidateAsync(token));
                Assert.Contains(seen.Chat, refusals);
                Assert.Contains(seen.Auth, refusals);
                Assert.Contains(seen.Validation, validations);
                done &= seen == settled;
            }

            return done;
        });

        // A fresh sign-in works, and its token is accepted: the list is whole again.
        var fresh = await _accounts.SignUpAsync();
        await PollAsync("a fresh token is accepted", async () => await probes.ChatAsync(fresh.Tokens.AccessToken) == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, await probes.AuthAsync(fresh.Tokens.AccessToken));
    }

    [Fact]
    public async Task Until_the_revocation_list_is_rebuilt_every_token_is_refused_as_unavailable_not_unauthenticated()
    {
        var (signedOut, deleted) = await SignOutOneUserAndDeleteAnotherAsync();
        var valid = (await _accounts.SignUpAsync()).Tokens.AccessToken;
        using var probes = new TokenProbes(fixture);
        Assert.Equal(HttpStatusCode.OK, await probes.ChatAsync(valid));

        // The rebuild reads the revocations table: while the test holds it locked, the list cannot be rebuilt, so
        // what the services answer meanwhile is no race.
        await using var authdb = await ServiceDatabase.OpenAsync(fixture, "authdb");
        await using (var hold = await authdb.BeginTransactionAsync())
        {
            await using (var lockTable = new NpgsqlCommand("LOCK TABLE token_revocations IN ACCESS EXCLUSIVE MODE", authdb, hold))
            {
                await lockTable.ExecuteNonQueryAsync();
            }

            await CacheServer.RestartAsync(fixture);
            // Ready: the ChatService reaches its database and the cache again; only the list is missing.
            using var chat = fixture.CreateRestClient("chatservice");
            await HttpPolling.UntilStatusAsync(chat, "/health/ready", HttpStatusCode.OK);

            foreach (var token in new[] { valid, signedOut, deleted })
            {
                var (status, body) = await probes.ChatWithBodyAsync(token);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
                Assert.Equal(14, body.GetProperty("code").GetInt32());
                Assert.Equal(HttpStatusCode.ServiceUnavailable, await probes.AuthAsync(token));
                Assert.Equal("503", await probes.ValidateAsync(token));
            }

            await hold.RollbackAsync();
        }

        await PollAsync("the valid token is accepted again", async () => await probes.ChatAsync(valid) == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.Unauthorized, await probes.ChatAsync(signedOut));
        Assert.Equal(HttpStatusCode.Unauthorized, await probes.ChatAsync(deleted));
    }

    [Fact]
    public async Task A_rebuild_the_cache_server_restarted_during_is_not_declared_whole()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await fixture.App.GetConnectionStringAsync("cache") + ",abortConnect=false");
        var list = new TokenRevocationList(redis, TimeProvider.System);
        var undisturbed = await list.BeginRebuildAsync();
        Assert.True(await list.CompleteRebuildAsync(undisturbed));

        var interrupted = await list.BeginRebuildAsync();
        await CacheServer.RestartAsync(fixture);

        // The entries written before the restart are gone with the marker: this rebuild must not write the epoch.
        bool? completed = null;
        await PollAsync("the cache server answers this test again", async () =>
        {
            try
            {
                completed = await list.CompleteRebuildAsync(interrupted);
                return true;
            }
            catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
            {
                return false;
            }
        });
        Assert.False(completed);

        // The AuthService's own rebuild makes the list whole again.
        await PollAsync("the AuthService rebuilds the list", list.IsBuiltAsync);
    }

    /// <summary>What the ChatService, the AuthService and ValidateToken answered a revoked token at one moment.</summary>
    private sealed record Observation(HttpStatusCode Chat, HttpStatusCode Auth, string Validation);

    /// <summary>Two users' access tokens, revoked: one by signing out, the other by deleting its user.</summary>
    private async Task<(string SignedOut, string Deleted)> SignOutOneUserAndDeleteAnotherAsync()
    {
        var signedOut = await _accounts.SignUpAsync();
        var deleted = await _accounts.SignUpAsync();
        await _accounts.Auth.SignOutAsync(new SignOutRequest(), TestAccounts.Bearer(signedOut.Tokens));
        await _accounts.Users.DeleteUserAsync(new DeleteUserRequest { Id = deleted.User.Id }, TestAccounts.Bearer(deleted.Tokens));
        return (signedOut.Tokens.AccessToken, deleted.Tokens.AccessToken);
    }

    /// <summary>Asks until <paramref name="done"/> says so, within the fixture's step deadline.</summary>
    private static async Task PollAsync(string what, Func<Task<bool>> done)
    {
        var deadline = DateTime.UtcNow + GoChatAiAppFixture.StepTimeout;
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Still waiting, past the deadline, until {what}.");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>What each service answers a token: the ChatService, the AuthService, and ValidateToken.</summary>
    private sealed class TokenProbes(GoChatAiAppFixture fixture) : IDisposable
    {
        private readonly HttpClient _chat = fixture.CreateRestClient("chatservice");
        private readonly HttpClient _auth = fixture.CreateRestClient("authservice");

        public async Task<HttpStatusCode> ChatAsync(string token) => (await ChatWithBodyAsync(token)).Status;

        public async Task<(HttpStatusCode Status, JsonElement Body)> ChatWithBodyAsync(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await _chat.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
        }

        public async Task<HttpStatusCode> AuthAsync(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/users/me");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await _auth.SendAsync(request);
            return response.StatusCode;
        }

        /// <summary>"valid", "not valid", or the status when ValidateToken itself failed.</summary>
        public async Task<string> ValidateAsync(string token)
        {
            using var response = await _auth.PostAsJsonAsync("/v1/auth/validate", new { token });
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return body.GetProperty("valid").GetBoolean() ? "valid" : "not valid";
        }

        public void Dispose()
        {
            _chat.Dispose();
            _auth.Dispose();
        }
    }
}
