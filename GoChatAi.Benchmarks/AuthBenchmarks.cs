using GoChatAi.Contracts.Auth.V1;
using GoChatAi.Contracts.Chat.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace GoChatAi.Benchmarks;

/// <summary>
/// The AuthService's figures: sign-ins per second (PBKDF2 at 210,000 iterations is the cost), and an authenticated
/// ChatService request with the token validated locally against the JWKS, against the same request preceded by
/// a ValidateToken call over gRPC, which is what the replaced system's resource servers did on every request, and
/// the same request with a personal API key (exchanged at the AuthService once, then kept by the ChatService).
/// </summary>
public static class AuthBenchmarks
{
    public static async Task<IReadOnlyList<ScenarioResult>> RunAsync(BenchmarkSettings settings)
    {
        using var authChannel = GrpcChannel.ForAddress(settings.AuthGrpc);
        using var chatChannel = GrpcChannel.ForAddress(settings.ChatGrpc);
        var auth = new Contracts.Auth.V1.AuthService.AuthServiceClient(authChannel);
        var chat = new ChatService.ChatServiceClient(chatChannel);

        var email = $"bench-{Guid.NewGuid():N}@bench.gochatai.local";
        const string password = "a benchmark password, long enough";
        var signUp = await auth.SignUpAsync(new SignUpRequest { Name = "Benchmark", Email = email, Password = password });
        var bearer = new Metadata { { "authorization", $"Bearer {signUp.Tokens.AccessToken}" } };
        var apiKey = await new ApiKeyService.ApiKeyServiceClient(authChannel).CreateApiKeyAsync(new CreateApiKeyRequest { Name = "benchmark" }, bearer);
        var keyBearer = new Metadata { { "authorization", $"Bearer {apiKey.Secret}" } };

        var signIns = await LoadRunner.RunAsync("sign-in (PBKDF2-SHA512, 210k)", settings.Concurrency, settings.Duration, async ct =>
            await auth.SignInAsync(new SignInRequest { Email = email, Password = password }, cancellationToken: ct));

        // Unmeasured: the first scenario to run a path would otherwise pay for compiling it, and the key's first
        // request for its exchange.
        foreach (var warm in new[] { bearer, keyBearer })
        {
            await LoadRunner.RunAsync("warm-up", settings.Concurrency, TimeSpan.FromSeconds(2), async ct =>
                await chat.ListModelsAsync(new ListModelsRequest(), warm, cancellationToken: ct));
        }

        var results = new List<ScenarioResult>
        {
            signIns,

            await LoadRunner.RunAsync("chat request, JWT validated locally (JWKS)", settings.Concurrency, settings.Duration, async ct =>
                await chat.ListModelsAsync(new ListModelsRequest(), bearer, cancellationToken: ct)),

            await LoadRunner.RunAsync("chat request with an API key (its token kept by the ChatService)", settings.Concurrency, settings.Duration, async ct =>
                await chat.ListModelsAsync(new ListModelsRequest(), keyBearer, cancellationToken: ct)),

            await LoadRunner.RunAsync("chat request + ValidateToken over gRPC", settings.Concurrency, settings.Duration, async ct =>
            {
                var validation = await auth.ValidateTokenAsync(new ValidateTokenRequest { Token = signUp.Tokens.AccessToken }, cancellationToken: ct);
                if (!validation.Valid)
                {
                    throw new InvalidOperationException("The benchmark's token stopped being valid.");
                }

                await chat.ListModelsAsync(new ListModelsRequest(), bearer, cancellationToken: ct);
            }),
        };
        return results;
    }
}
