using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace GoChatAi.AuthService.Infrastructure.Tokens;

/// <summary>
/// The AuthService validates the tokens it issued (for its own user endpoints) with the keys in its store, rather
/// than fetching its own JWKS over HTTP as resource servers do.
/// </summary>
public sealed class LocalSigningKeyConfiguration(SigningKeyStore keys) : IConfigurationManager<OpenIdConnectConfiguration>
{
    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        var configuration = new OpenIdConnectConfiguration();
        foreach (var key in await keys.GetValidationKeysAsync(cancel))
        {
            configuration.SigningKeys.Add(key);
        }

        return configuration;
    }

    // The store reloads by itself; there is nothing to refresh.
    public void RequestRefresh()
    {
    }
}
