using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GoChatAi.Contracts.Auth.V1;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.IdentityModel.Tokens;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// Forged and altered tokens, presented to the AuthService, its introspection and the ChatService (which validates
/// locally against the JWKS): each is refused.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class AuthTokenAttackTests(GoChatAiAppFixture fixture)
{
    private readonly TestAccounts _accounts = new(fixture);

    public static TheoryData<string> Forgeries =>
        ["alg-none", "tampered-payload", "hs256-with-the-public-key", "unknown-kid", "stripped-signature", "embedded-jwk", "jku-to-attacker"];

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task A_forged_token_is_refused_everywhere(string forgery)
    {
        var genuine = (await _accounts.SignUpAsync()).Tokens.AccessToken;
        var forged = await ForgeAsync(forgery, genuine);

        var introspection = await _accounts.Auth.ValidateTokenAsync(new ValidateTokenRequest { Token = forged });
        var me = await Assert.ThrowsAsync<RpcException>(() =>
            _accounts.Users.GetMeAsync(new GetMeRequest(), TestAccounts.Bearer(forged)).ResponseAsync);
        var chat = await Assert.ThrowsAsync<RpcException>(() =>
            new ChatService.ChatServiceClient(fixture.CreateGrpcChannel("chatservice"))
                .ListModelsAsync(new ListModelsRequest(), TestAccounts.Bearer(forged)).ResponseAsync);

        Assert.False(introspection.Valid);
        Assert.Equal(StatusCode.Unauthenticated, me.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, chat.StatusCode);
        // The genuine token still works, so the refusals above are about the forgery.
        await _accounts.Users.GetMeAsync(new GetMeRequest(), TestAccounts.Bearer(genuine));
    }

    [Fact]
    public async Task The_keys_and_the_discovery_document_are_published()
    {
        using var rest = fixture.CreateRestClient("authservice");

        var discovery = await rest.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");
        var jwks = await rest.GetFromJsonAsync<JsonElement>("/.well-known/jwks.json");

        Assert.Equal("http://authservice", discovery.GetProperty("issuer").GetString());
        Assert.EndsWith("/.well-known/jwks.json", discovery.GetProperty("jwks_uri").GetString(), StringComparison.Ordinal);
        var key = Assert.Single(jwks.GetProperty("keys").EnumerateArray());
        Assert.Equal("EC", key.GetProperty("kty").GetString());
        Assert.Equal("ES256", key.GetProperty("alg").GetString());
        Assert.False(key.TryGetProperty("d", out _), "the private part must never be published");
    }

    private static string SignedByAttacker(JsonObject header, string payload, ECDsa? key = null)
    {
        using var owned = key is null ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : null;
        var signer = key ?? owned!;
        var unsigned = $"{Base64UrlEncoder.Encode(header.ToJsonString())}.{payload}";
        return $"{unsigned}.{Base64UrlEncoder.Encode(signer.SignData(Encoding.ASCII.GetBytes(unsigned), HashAlgorithmName.SHA256))}";
    }

    private async Task<string> ForgeAsync(string forgery, string genuine)
    {
        var parts = genuine.Split('.');
        var header = JsonNode.Parse(Base64UrlEncoder.Decode(parts[0]))!.AsObject();
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        string Encode(JsonNode node) => Base64UrlEncoder.Encode(node.ToJsonString());

        switch (forgery)
        {
            case "alg-none":
                header["alg"] = "none";
                return $"{Encode(header)}.{Encode(payload)}.";
            case "tampered-payload":
                payload["role"] = new JsonArray("user", "admin");
                return $"{parts[0]}.{Encode(payload)}.{parts[2]}";
            case "stripped-signature":
                return $"{parts[0]}.{parts[1]}.";
            case "hs256-with-the-public-key":
            {
                // Key confusion: an HMAC "signed" with the published public key must not pass as ES256.
                using var rest = fixture.CreateRestClient("authservice");
                var jwks = await rest.GetStringAsync("/.well-known/jwks.json");
                header["alg"] = "HS256";
                var unsigned = $"{Encode(header)}.{parts[1]}";
                var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(jwks), Encoding.ASCII.GetBytes(unsigned));
                return $"{unsigned}.{Base64UrlEncoder.Encode(signature)}";
            }
            case "unknown-kid":
                header["kid"] = "attackers-key";
                return SignedByAttacker(header, parts[1]);
            case "embedded-jwk":
            {
                // The token brings its own key (RFC 7515 jwk header): it must be ignored, not trusted.
                using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(attacker));
                header["jwk"] = new JsonObject { ["kty"] = "EC", ["crv"] = jwk.Crv, ["x"] = jwk.X, ["y"] = jwk.Y };
                return SignedByAttacker(header, parts[1], attacker);
            }
            case "jku-to-attacker":
                // A key set URL of the attacker's: never fetched.
                header["jku"] = "http://127.0.0.1:9/jwks.json";
                header["x5u"] = "http://127.0.0.1:9/cert.pem";
                return SignedByAttacker(header, parts[1]);
            default:
                throw new ArgumentOutOfRangeException(nameof(forgery), forgery, null);
        }
    }
}
