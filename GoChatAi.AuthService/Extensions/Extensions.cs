using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using GoChatAi.AuthService.Grpc;
using GoChatAi.AuthService.Http;
using GoChatAi.AuthService.Infrastructure;
using GoChatAi.AuthService.Infrastructure.Passwords;
using GoChatAi.AuthService.Infrastructure.Revocations;
using GoChatAi.AuthService.Infrastructure.Stores;
using GoChatAi.AuthService.Infrastructure.Tokens;
using GoChatAi.ServiceDefaults.Requests;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace GoChatAi.AuthService.Extensions;

public static class Extensions
{
    /// <summary>The AuthService's own services: its database, the cache, its keys and its use cases.</summary>
    public static IHostApplicationBuilder AddAuthServices(this IHostApplicationBuilder builder)
    {
        builder.AddDatabase<AuthDbContext>(AuthDatabase.Name);
        builder.Services.AddDatabaseMigration<AuthDbContext, AdminAccountSeeder>();
        builder.AddCache();

        builder.Services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton<AuthMetrics>();
        builder.Services.AddSingleton<CommonPasswords>();
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AuthOptions>>().Value;
            var common = sp.GetRequiredService<CommonPasswords>();
            return new PasswordPolicy(options.PasswordMinLength, options.PasswordMaxLength, common.Contains);
        });
        builder.Services.AddSingleton<IPasswordHasher, PasswordHashing>();
        builder.Services.AddSingleton<FailureCounter>();
        builder.Services.AddSingleton<ISignInThrottle, SignInThrottle>();
        builder.Services.AddSingleton<SigningKeyStore>();
        builder.Services.AddSingleton<IPublishedKeys>(sp => sp.GetRequiredService<SigningKeyStore>());
        builder.Services.AddHostedService<SigningKeyRotation>();
        builder.Services.AddSingleton<IAccessTokenIssuer, AccessTokenIssuer>();
        builder.Services.AddSingleton<RevocationListWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RevocationListWatcher>());
        builder.Services.AddHealthChecks().AddCheck<RevocationListWatcher>("revocation-list", tags: [Microsoft.Extensions.Hosting.Extensions.StartupTag]);
        // Scoped: the stores, the log and the recorder of a request add to its one AuthDbContext, saved at once.
        builder.Services.AddScoped<IUserStore, UserStore>();
        builder.Services.AddScoped<ISessionStore, SessionStore>();
        builder.Services.AddScoped<IUnitOfWork, UnitOfWork>();
        builder.Services.AddScoped<IRevocationRecorder, RevocationRecorder>();
        builder.Services.AddScoped<ISecurityEventLog, SecurityEventLog>();
        builder.Services.AddScoped<SessionService>();
        builder.Services.AddScoped<AccountService>();
        builder.Services.AddScoped<IApiKeyStore, ApiKeyStore>();
        builder.Services.AddScoped<ApiKeyService>();

        // The AuthService is a resource server of its own tokens too, validated against its key store directly.
        builder.AddAccessTokenAuthentication();
        builder.Services.AddSingleton<LocalSigningKeyConfiguration>();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .PostConfigure<LocalSigningKeyConfiguration>((jwt, keys) =>
            {
                jwt.Authority = null;
                jwt.ConfigurationManager = keys;
            });
        return builder;
    }

    public static WebApplication MapAuthEndpoints(this WebApplication app)
    {
        app.MapWellKnownEndpoints();
        app.MapGrpcService<AuthGrpcService>();
        app.MapGrpcService<UserGrpcService>();
        app.MapGrpcService<ApiKeyGrpcService>();
        return app;
    }
}
