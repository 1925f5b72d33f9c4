using GoChatAi.ChatService.Grpc;
using GoChatAi.ChatService.Infrastructure;

namespace GoChatAi.ChatService.Extensions;

public static class Extensions
{
    /// <summary>The ChatService's own services: its database, the cache and its use cases.</summary>
    public static IHostApplicationBuilder AddChatServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDbContext<ChatDbContext>("chatdb");
        builder.Services.AddDatabaseMigration<ChatDbContext>();
        builder.AddRedisClient("cache");
        builder.AddAccessTokenAuthentication();
        return builder;
    }

    public static WebApplication MapChatEndpoints(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGrpcService<ChatGrpcService>();
        return app;
    }
}
