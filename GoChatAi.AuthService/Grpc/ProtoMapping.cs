using GoChatAi.Contracts.Auth.V1;
using Google.Protobuf.WellKnownTypes;
using DomainApiKey = GoChatAi.AuthService.Domain.ApiKey;
using DomainUser = GoChatAi.AuthService.Domain.User;

namespace GoChatAi.AuthService.Grpc;

/// <summary>From the application's types to the API's messages.</summary>
internal static class ProtoMapping
{
    public static User ToProto(this DomainUser user) => new()
    {
        Id = user.Id.ToString(),
        Email = user.Email,
        Name = user.Name,
        Roles = { user.Roles },
        CreatedAt = Timestamp.FromDateTimeOffset(user.CreatedAt),
        UpdatedAt = Timestamp.FromDateTimeOffset(user.UpdatedAt),
    };

    public static Contracts.Auth.V1.TokenPair ToProto(this Application.TokenPair tokens, TimeProvider timeProvider) => new()
    {
        AccessToken = tokens.Access.Token,
        TokenType = "Bearer",
        ExpiresIn = (int)Math.Max(0, (tokens.Access.ExpiresAt - timeProvider.GetUtcNow()).TotalSeconds),
        AccessTokenExpiresAt = Timestamp.FromDateTimeOffset(tokens.Access.ExpiresAt),
        RefreshToken = tokens.RefreshToken,
        RefreshTokenExpiresAt = Timestamp.FromDateTimeOffset(tokens.RefreshTokenExpiresAt),
    };

    public static ApiKey ToProto(this DomainApiKey key)
    {
        var proto = new ApiKey
        {
            Id = key.Id.ToString(),
            Name = key.Name,
            Prefix = key.Prefix,
            CreatedAt = Timestamp.FromDateTimeOffset(key.CreatedAt),
            ExpiresAt = Timestamp.FromDateTimeOffset(key.ExpiresAt),
        };
        if (key.LastUsedAt is { } lastUsed)
        {
            proto.LastUsedAt = Timestamp.FromDateTimeOffset(lastUsed);
        }

        return proto;
    }
}
