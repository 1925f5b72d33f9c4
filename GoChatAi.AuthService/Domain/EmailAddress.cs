using System.Text;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.AuthService.Domain;

/// <summary>
/// An email address as accounts are keyed by it: trimmed for display, and in a canonical form for look-ups
/// (NFKC, invariant lower case), so that visually equal addresses are one account. Addresses that mix scripts
/// (a Cyrillic 'а' among Latin letters) are refused outright: they exist to impersonate.
/// </summary>
public sealed record EmailAddress(string Display, string Normalized)
{
    public const int MaxLength = 254;

    public static EmailAddress Parse(string input) =>
        Validate(input) is { } violation ? throw new FormatException(violation) : FromValid(input);

    /// <summary>Why <paramref name="input"/> is not an acceptable address, or null when it is.</summary>
    public static string? Validate(string input)
    {
        var display = input.Trim();
        if (display.Length == 0)
        {
            return "is required";
        }

        if (display.Length > MaxLength)
        {
            return $"must be at most {MaxLength} characters";
        }

        if (RequestValidation.TextViolation(display, MaxLength) is not null)
        {
            return "must be an email address";
        }

        var canonical = Canonical(display);
        if (canonical.Length > MaxLength)
        {
            return $"must be at most {MaxLength} characters";
        }

        var at = canonical.LastIndexOf('@');
        if (at <= 0 || at == canonical.Length - 1 || canonical.IndexOf('@') != at || at > 64)
        {
            return "must be an email address";
        }

        foreach (var c in canonical)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || char.IsSurrogate(c) || c is '<' or '>' or '(' or ')' or '[' or ']' or ',' or ';' or ':' or '\\' or '"')
            {
                return "must be an email address";
            }
        }

        var domain = canonical[(at + 1)..];
        if (!domain.Contains('.', StringComparison.Ordinal) || domain.Split('.').Any(label => label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-')))
        {
            return "must be an email address";
        }

        return MixesScripts(canonical) ? "must not mix letters of different scripts" : null;
    }

    private static EmailAddress FromValid(string input)
    {
        var display = input.Trim();
        return new EmailAddress(display, Canonical(display));
    }

    private static string Canonical(string display) =>
        display.Normalize(NormalizationForm.FormKC).ToLowerInvariant();

    private static bool MixesScripts(string address)
    {
        Script? seen = null;
        foreach (var rune in address.EnumerateRunes())
        {
            if (!Rune.IsLetter(rune))
            {
                continue;
            }

            var script = ScriptOf(rune);
            if (seen is null)
            {
                seen = script;
            }
            else if (seen != script)
            {
                return true;
            }
        }

        return false;
    }

    private enum Script { Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic, Cjk, Other }

    private static Script ScriptOf(Rune rune) => rune.Value switch
    {
        <= 0x024F or (>= 0x1E00 and <= 0x1EFF) or (>= 0x2C60 and <= 0x2C7F) or (>= 0xA720 and <= 0xA7FF) => Script.Latin,
        (>= 0x0370 and <= 0x03FF) or (>= 0x1F00 and <= 0x1FFF) => Script.Greek,
        (>= 0x0400 and <= 0x052F) or (>= 0x2DE0 and <= 0x2DFF) or (>= 0xA640 and <= 0xA69F) => Script.Cyrillic,
        >= 0x0530 and <= 0x058F => Script.Armenian,
        >= 0x0590 and <= 0x05FF => Script.Hebrew,
        (>= 0x0600 and <= 0x06FF) or (>= 0x0750 and <= 0x077F) => Script.Arabic,
        (>= 0x3040 and <= 0x30FF) or (>= 0x3400 and <= 0x9FFF) or (>= 0xAC00 and <= 0xD7AF) => Script.Cjk,
        _ => Script.Other,
    };

    public override string ToString() => Display;
}
