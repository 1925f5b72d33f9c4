using GoChatAi.Contracts.Auth.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>The business metrics on /metrics move when the service acts.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class AuthMetricsTests(GoChatAiAppFixture fixture)
{
    private readonly TestAccounts _accounts = new(fixture);

    [Fact]
    public async Task An_unknown_email_costs_a_password_verification_just_as_a_wrong_password_does()
    {
        using var metrics = fixture.CreateRestClient("authservice");
        var known = TestAccounts.NewEmail();
        await _accounts.SignUpAsync(known);

        var before = await PrometheusScrape.ReadAsync(metrics, "gochatai_auth_password_hashes_total", "operation=\"verify\"");
        await Assert.ThrowsAsync<RpcException>(() =>
            _accounts.Auth.SignInAsync(new SignInRequest { Email = TestAccounts.NewEmail(), Password = "some password or other" }).ResponseAsync);
        var afterUnknown = await PrometheusScrape.ReadAsync(metrics, "gochatai_auth_password_hashes_total", "operation=\"verify\"");
        await Assert.ThrowsAsync<RpcException>(() =>
            _accounts.Auth.SignInAsync(new SignInRequest { Email = known, Password = "some password or other" }).ResponseAsync);
        var afterWrong = await PrometheusScrape.ReadAsync(metrics, "gochatai_auth_password_hashes_total", "operation=\"verify\"");

        Assert.Equal(1, afterUnknown - before);
        Assert.Equal(1, afterWrong - afterUnknown);
    }

    [Fact]
    public async Task Sign_ups_and_sign_ins_by_outcome_are_counted()
    {
        using var metrics = fixture.CreateRestClient("authservice");
        var signUpsBefore = await PrometheusScrape.ReadAsync(metrics, "gochatai_auth_sign_ups_total");
        var succeededBefore = await PrometheusScrape.ReadAsync(metrics, "gochatai_auth_sign_ins_total", "outcome=\"succeeded\"");

        var email = TestAccounts.NewEmail();
        await _accounts.SignUpAsync(email);
        await _accounts.Auth.SignInAsync(new SignInRequest { Email = email, Password = TestAccounts.Password });

        Assert.Equal(1, await PrometheusScrape.ReadAsync(metrics, "gochatai_auth_sign_ups_total") - signUpsBefore);
        Assert.Equal(1, await PrometheusScrape.ReadAsync(metrics, "gochatai_auth_sign_ins_total", "outcome=\"succeeded\"") - succeededBefore);
    }
}
