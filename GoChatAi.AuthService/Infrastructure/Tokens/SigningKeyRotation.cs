namespace GoChatAi.AuthService.Infrastructure.Tokens;

/// <summary>
/// Checks the key schedule once the database's schema is at this release, then every hour (every few seconds while
/// the database cannot be reached).
/// </summary>
public sealed partial class SigningKeyRotation(
    SigningKeyStore store, DatabaseReadiness<AuthDbContext> readiness, TimeProvider timeProvider, ILogger<SigningKeyRotation> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The tables may not exist before the migration step has run: as the other jobs, wait for the schema.
        await readiness.WhenReadyAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = TimeSpan.FromHours(1);
            try
            {
                await store.RotateAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The database may not be reachable.
                LogRotationFailed(logger, exception);
                next = TimeSpan.FromSeconds(5);
            }

            await Task.Delay(next, timeProvider, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking the signing key schedule failed")]
    private static partial void LogRotationFailed(ILogger logger, Exception exception);
}
