using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using GoChatAi.ServiceDefaults.Authentication;

namespace GoChatAi.Tests.Unit;

/// <summary>How long an entry of the revocation list is kept (in Redis and in the database): while a token it revokes could still pass.</summary>
public sealed class RevocationEntryTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    [Fact]
    public void An_entry_outlives_the_tokens_it_revokes_by_more_than_any_allowed_clock_skew()
    {
        var skew = typeof(AccessTokenOptions).GetProperty(nameof(AccessTokenOptions.ClockSkew))!.GetCustomAttribute<RangeAttribute>()!;

        Assert.True(RevocationEntry.KeepPastExpiry > TimeSpan.Parse((string)skew.Maximum, CultureInfo.InvariantCulture));
        Assert.Equal(Now.AddMinutes(5) + RevocationEntry.KeepPastExpiry, RevocationEntry.ForToken("token", Now.AddMinutes(5)).KeepUntil);
        Assert.Equal(Now + Lifetime + RevocationEntry.KeepPastExpiry, RevocationEntry.ForSession("session", Now, Lifetime).KeepUntil);
    }

    [Fact]
    public void A_users_entry_revokes_the_tokens_issued_up_to_its_moment()
    {
        var entry = RevocationEntry.ForUser("user", Now, Lifetime);

        Assert.Equal("sub:user", entry.Key);
        Assert.Equal(Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), entry.Value);
        Assert.Equal(Now + Lifetime + RevocationEntry.KeepPastExpiry, entry.KeepUntil);
    }
}
