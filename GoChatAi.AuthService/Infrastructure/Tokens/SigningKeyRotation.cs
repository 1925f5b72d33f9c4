using System.Security.Cryptography;
using GoChatAi.AuthService.Application;
using GoChatAi.AuthService.Domain;
using GoChatAi.ServiceDefaults.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
namespace GoChatAi.AuthService.Infrastructure.Tokens;

/// <summary>Checks the key schedule at start-up and every hour (every few seconds while the database is not ready).</summary>
public sealed partial class SigningKeyRotation(SigningKeyStore store, TimeProvider timeProvider, ILogger<SigningKeyRotation> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = TimeSpan.FromHours(1);
            try
            {
                await store.RotateAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The database may not be migrated or reachable yet.
                LogRotationFailed(logger, exception);
                next = TimeSpan.FromSeconds(5);
            }

            await Task.Delay(next, timeProvider, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking the signing key schedule failed")]
    private static partial void LogRotationFailed(ILogger logger, Exception exception);
}
