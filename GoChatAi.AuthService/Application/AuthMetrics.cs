using System.Diagnostics.Metrics;

namespace GoChatAi.AuthService.Application;

/// <summary>The AuthService's business metrics (meter "GoChatAi.Auth"), exported over OTLP and on /metrics.</summary>
public sealed class AuthMetrics
{
    public const string MeterName = "GoChatAi.Auth";

    private readonly Counter<long> _signUps;
    private readonly Counter<long> _signIns;
    private readonly Counter<long> _refreshTokenReuses;
    private readonly Counter<long> _revocations;
    private readonly Counter<long> _passwordHashes;

    public AuthMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _signUps = meter.CreateCounter<long>("gochatai.auth.sign_ups", "{account}", "Accounts created.");
        _signIns = meter.CreateCounter<long>("gochatai.auth.sign_ins", "{attempt}", "Sign-in attempts, by outcome (succeeded, failed, throttled).");
        _refreshTokenReuses = meter.CreateCounter<long>("gochatai.auth.refresh_token_reuses", "{session}", "Replayed refresh tokens: each revoked a session.");
        _revocations = meter.CreateCounter<long>("gochatai.auth.revocations", "{token}", "Tokens and sessions revoked, by reason.");
        _passwordHashes = meter.CreateCounter<long>("gochatai.auth.password_hashes", "{hash}", "PBKDF2 computations, by operation (hash, verify).");
    }

    public void SignedUp() => _signUps.Add(1);

    public void SignIn(string outcome) => _signIns.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void RefreshTokenReused() => _refreshTokenReuses.Add(1);

    public void Revoked(string reason) => _revocations.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void PasswordHashed(string operation) => _passwordHashes.Add(1, new KeyValuePair<string, object?>("operation", operation));
}
