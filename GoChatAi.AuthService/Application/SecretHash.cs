using System.Security.Cryptography;
using System.Text;

namespace GoChatAi.AuthService.Application;

/// <summary>How secrets the service hands out (refresh tokens, API keys) are kept: their SHA-256 hash, never themselves.</summary>
/// <remarks>A slow password hash buys nothing here: the secrets are 256 random bits, beyond guessing.</remarks>
public static class SecretHash
{
    public static byte[] Of(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
