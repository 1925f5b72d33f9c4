using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using StackExchange.Redis;

namespace GoChatAi.Web.Sessions;

/// <summary>Where the signed-in browsers' tokens are kept, by session id.</summary>
public interface IWebSessionStore
{
    /// <summary>Stores a new session and returns its id.</summary>
    Task<string> CreateAsync(WebSession session);

    Task<WebSession?> FindAsync(string id);

    Task SaveAsync(string id, WebSession session);

    Task DeleteAsync(string id);
}

/// <summary>
/// The signed-in browsers' tokens, in Redis under an unguessable id: every replica of the web app sees the same
/// sessions, and a session ends everywhere at once. An entry expires with its refresh token.
/// </summary>
public sealed class WebSessionStore(IConnectionMultiplexer redis, TimeProvider timeProvider) : IWebSessionStore
{
    private const string KeyPrefix = "gochatai:web:session:";

    /// <summary>Stores a new session and returns its id (128 random bits, base64url).</summary>
    public async Task<string> CreateAsync(WebSession session)
    {
        var id = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        await SaveAsync(id, session);
        return id;
    }

    public async Task<WebSession?> FindAsync(string id)
    {
        var value = await redis.GetDatabase().StringGetAsync(Key(id));
        return value.IsNullOrEmpty ? null : JsonSerializer.Deserialize(value.ToString(), WebSessionJson.Default.WebSession);
    }

    public Task SaveAsync(string id, WebSession session)
    {
        var lifetime = session.RefreshTokenExpiresAt - timeProvider.GetUtcNow();
        return redis.GetDatabase().StringSetAsync(Key(id), JsonSerializer.Serialize(session, WebSessionJson.Default.WebSession),
            lifetime > TimeSpan.Zero ? lifetime : TimeSpan.FromSeconds(1));
    }

    public Task DeleteAsync(string id) => redis.GetDatabase().KeyDeleteAsync(Key(id));

    private static RedisKey Key(string id) => KeyPrefix + id;
}

[JsonSerializable(typeof(WebSession))]
internal sealed partial class WebSessionJson : JsonSerializerContext;
