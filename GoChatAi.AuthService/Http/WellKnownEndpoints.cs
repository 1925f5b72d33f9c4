using System.Text.Json.Nodes;
using GoChatAi.AuthService.Application;
using GoChatAi.ServiceDefaults.Authentication;
using Microsoft.Extensions.Options;

namespace GoChatAi.AuthService.Http;

/// <summary>
/// The public keys (JWKS) and the OpenID discovery document, so that resource servers validate access tokens
/// locally and find new keys by themselves.
/// </summary>
public static class WellKnownEndpoints
{
    public const string JwksPath = "/.well-known/jwks.json";
    public const string DiscoveryPath = "/.well-known/openid-configuration";

    public static IEndpointRouteBuilder MapWellKnownEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(JwksPath, async (IPublishedKeys keys, HttpContext context, CancellationToken cancellationToken) =>
        {
            var jwks = new JsonArray();
            foreach (var key in await keys.GetPublishedKeysAsync(cancellationToken))
            {
                jwks.Add(new JsonObject
                {
                    ["kty"] = key.KeyType,
                    ["use"] = "sig",
                    ["alg"] = AccessTokenClaims.Algorithm,
                    ["kid"] = key.KeyId,
                    ["crv"] = key.Curve,
                    ["x"] = key.X,
                    ["y"] = key.Y,
                });
            }

            // Short caching: a new key is published a day ahead of its use, so a few minutes of staleness is harmless.
            context.Response.Headers.CacheControl = "public, max-age=300";
            return Results.Json(new JsonObject { ["keys"] = jwks }, contentType: "application/jwk-set+json");
        });

        endpoints.MapGet(DiscoveryPath, (IOptions<AccessTokenOptions> options) =>
        {
            var issuer = options.Value.Issuer.TrimEnd('/');
            return Results.Json(new JsonObject
            {
                ["issuer"] = options.Value.Issuer,
                ["jwks_uri"] = issuer + JwksPath,
                ["token_endpoint"] = issuer + "/v1/auth/signin",
                ["revocation_endpoint"] = issuer + "/v1/auth/revoke",
                ["introspection_endpoint"] = issuer + "/v1/auth/validate",
                ["response_types_supported"] = new JsonArray("token"),
                ["subject_types_supported"] = new JsonArray("public"),
                ["id_token_signing_alg_values_supported"] = new JsonArray(AccessTokenClaims.Algorithm),
            });
        });

        return endpoints;
    }
}
