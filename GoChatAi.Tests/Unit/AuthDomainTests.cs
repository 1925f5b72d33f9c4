using GoChatAi.AuthService.Domain;

namespace GoChatAi.Tests.Unit;

public sealed class EmailAddressTests
{
    [Theory]
    [InlineData("  Ann@Example.COM ", "Ann@Example.COM", "ann@example.com")]
    [InlineData("ｂｏｂ@example.com", "ｂｏｂ@example.com", "bob@example.com")] // full-width letters fold under NFKC
    public void Addresses_are_trimmed_for_display_and_folded_for_look_ups(string input, string display, string normalized)
    {
        var address = EmailAddress.Parse(input);

        Assert.Equal(display, address.Display);
        Assert.Equal(normalized, address.Normalized);
    }

    [Theory]
    [InlineData("pаypal@example.com")] // Cyrillic 'а' among Latin letters
    [InlineData("admin@gοogle.com")] // Greek omicron
    public void Addresses_mixing_scripts_are_refused(string lookAlike)
    {
        Assert.Equal("must not mix letters of different scripts", EmailAddress.Validate(lookAlike));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("no-at-sign")]
    [InlineData("two@@example.com")]
    [InlineData("a@b")]
    [InlineData("spaces in@example.com")]
    [InlineData("nul\0@example.com")]
    [InlineData("x@-bad-.com")]
    [InlineData("' OR 1=1 --@example.com")]
    public void Malformed_addresses_are_refused(string input)
    {
        Assert.NotNull(EmailAddress.Validate(input));
    }

    [Fact]
    public void A_single_script_other_than_latin_is_fine()
    {
        Assert.Null(EmailAddress.Validate("почта@пример.рф"));
    }
}

public sealed class PasswordPolicyTests
{
    private readonly PasswordPolicy _policy = new(15, 128, p => p.Equals("correcthorsebatterystaple", StringComparison.OrdinalIgnoreCase));

    [Fact]
    public void Length_counts_code_points_not_utf16_units()
    {
        // 14 emoji are 28 UTF-16 units but 14 characters: too short.
        Assert.Equal("must be at least 15 characters", _policy.Validate(string.Concat(Enumerable.Repeat("🔑", 14))));
        Assert.Null(_policy.Validate(string.Concat(Enumerable.Repeat("🔑", 15))));
    }

    [Fact]
    public void Spaces_count_and_are_kept_and_nothing_is_truncated()
    {
        Assert.Null(_policy.Validate("  fifteen chars "));
        Assert.Equal("must be at most 128 characters", _policy.Validate(new string('x', 129)));
    }

    [Fact]
    public void Common_passwords_are_refused_in_any_case()
    {
        Assert.NotNull(_policy.Validate("CorrectHorseBatteryStaple"));
    }

    [Theory]
    [InlineData("fifteen chars\0 nul")]
    [InlineData("line\nbreak and more text")]
    public void Control_characters_are_refused(string password)
    {
        Assert.NotNull(_policy.Validate(password));
    }

    [Fact]
    public void Broken_unicode_is_refused()
    {
        // Built here: a lone surrogate does not survive theory data serialisation.
        Assert.Equal("must be valid Unicode text", _policy.Validate("a lone " + '\uD800' + " surrogate in it"));
    }

    [Fact]
    public void Compatibility_forms_normalise_to_one_password()
    {
        Assert.Equal(PasswordPolicy.Normalize("ｐａｓｓｗｏｒｄ"), PasswordPolicy.Normalize("password"));
    }
}

/// <summary>Key rotation with a moved clock: a new key is published ahead of its use, the old one kept until its tokens expire.</summary>
public sealed class SigningKeyRingTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Rotation = TimeSpan.FromDays(90);
    private static readonly TimeSpan Lead = TimeSpan.FromDays(1);
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(15);

    [Fact]
    public void The_first_key_activates_at_once()
    {
        Assert.Equal(Start, new SigningKeyRing([]).NextActivation(Start, Lead));
    }

    [Fact]
    public void A_key_is_published_a_lead_ahead_of_signing_and_kept_until_its_tokens_expire()
    {
        var first = Key("first", Start);
        var ring = new SigningKeyRing([first]);

        Assert.Null(ring.NextActivation(Start + TimeSpan.FromDays(88), Lead));
        var dueAt = Start + Rotation - Lead;
        Assert.Equal(first.RetiresAt, ring.NextActivation(dueAt, Lead));

        var second = Key("second", first.RetiresAt);
        ring = new SigningKeyRing([first, second]);

        // Published a day ahead, while the first still signs.
        Assert.Equal("first", ring.Current(dueAt)!.Id);
        Assert.Contains(ring.Published(dueAt), k => k.Id == "second");

        // After the switch the second signs, and the first validates until its last token has expired.
        var switched = first.RetiresAt + TimeSpan.FromMinutes(1);
        Assert.Equal("second", ring.Current(switched)!.Id);
        Assert.Contains(ring.Published(switched), k => k.Id == "first");
        Assert.DoesNotContain(ring.Published(first.ExpiresAt), k => k.Id == "first");
    }

    private static SigningKey Key(string id, DateTimeOffset activatesAt) =>
        SigningKey.Create(id, [], activatesAt - Lead, activatesAt, Rotation, TokenLifetime + TimeSpan.FromSeconds(30));
}
