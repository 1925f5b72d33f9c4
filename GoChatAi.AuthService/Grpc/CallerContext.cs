using System.Security.Claims;
using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using GoChatAi.ServiceDefaults.Authentication;
using GoChatAi.ServiceDefaults.Requests;
using Grpc.Core;

namespace GoChatAi.AuthService.Grpc;

/// <summary>Who is calling and from where, read from the authenticated call.</summary>
internal static class CallerContext
{
    public static Caller GetCaller(this ServerCallContext context)
    {
        var principal = context.GetHttpContext().User;
        return new Caller(
            principal.GetUserId(),
            principal.FindAll(AccessTokenClaims.Role).Any(c => c.Value == Roles.Admin),
            Guid.TryParse(principal.FindFirstValue(AccessTokenClaims.SessionId), out var sid) ? sid : null,
            principal.FindFirstValue(AccessTokenClaims.TokenId) ?? "",
            long.TryParse(principal.FindFirstValue(AccessTokenClaims.Expires), out var exp) ? DateTimeOffset.FromUnixTimeSeconds(exp) : DateTimeOffset.MaxValue);
    }

    /// <summary>The access token the call is authenticated with, as JwtBearer reads it from the authorization header.</summary>
    public static string? GetBearerToken(this ServerCallContext context)
    {
        const string Scheme = "Bearer ";
        var header = context.GetHttpContext().Request.Headers.Authorization.ToString();
        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? header[Scheme.Length..].Trim() : null;
    }

    /// <summary>The client's own address (as trusted proxies forward it), or null when it is unknown.</summary>
    public static string? GetClientAddress(this ServerCallContext context) =>
        context.GetHttpContext().GetClientAddress()?.ToString();
}
