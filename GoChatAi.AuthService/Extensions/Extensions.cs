using GoChatAi.AuthService.Grpc;
using GoChatAi.AuthService.Infrastructure;

namespace GoChatAi.AuthService.Extensions;

public static class Extensions
{
    /// <summary>The AuthService's own services: its database, the cache and its use cases.</summary>
    public static IHostApplicationBuilder AddAuthServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDbContext<AuthDbContext>("authdb");
        builder.Services.AddDatabaseMigration<AuthDbContext>();
        builder.AddRedisClient("cache");
        return builder;
    }

    public static WebApplication MapAuthEndpoints(this WebApplication app)
    {
        app.MapGrpcService<AuthGrpcService>();
        app.MapGrpcService<UserGrpcService>();
        return app;
    }
}
