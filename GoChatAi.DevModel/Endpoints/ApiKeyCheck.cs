using System.Security.Cryptography;
using System.Text;

namespace GoChatAi.DevModel.Endpoints;

/// <summary>
/// The key check of a real provider, so that a misconfigured key shows up against the stand-in as it would in
/// production: OpenAI's form is <c>Authorization: Bearer</c>, Azure's the <c>api-key</c> header (or Bearer).
/// </summary>
internal static class ApiKeyCheck
{
    public static bool IsAuthorized(HttpRequest request, string? expectedKey, bool azureForm, out bool keyGiven)
    {
        var givenKey = BearerToken(request) ?? (azureForm ? HeaderValue(request, "api-key") : null);
        keyGiven = givenKey is not null;
        if (string.IsNullOrEmpty(expectedKey))
            return true;

        // Constant time, as for any secret comparison; the key itself is never logged or echoed.
        return givenKey is not null
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(givenKey), Encoding.UTF8.GetBytes(expectedKey));
    }

    private static string? BearerToken(HttpRequest request)
    {
        var authorization = HeaderValue(request, "Authorization");
        const string scheme = "Bearer ";
        return authorization is not null && authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            ? authorization[scheme.Length..].Trim()
            : null;
    }

    private static string? HeaderValue(HttpRequest request, string name)
    {
        var value = request.Headers[name].ToString();
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
