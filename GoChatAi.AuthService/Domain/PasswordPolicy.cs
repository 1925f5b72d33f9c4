using System.Text;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.AuthService.Domain;

/// <summary>
/// NIST SP 800-63B-4 for a password that is the only factor: long rather than complex. Length is counted in
/// Unicode code points after NFKC normalisation (the same form is hashed and verified); nothing is trimmed or
/// truncated; the most common passwords are refused.
/// </summary>
public sealed class PasswordPolicy(int minLength, int maxLength, Func<string, bool> isCommon)
{
    public int MinLength { get; } = minLength;

    public int MaxLength { get; } = maxLength;

    /// <summary>The form a password is hashed and compared in.</summary>
    public static string Normalize(string password) =>
        password.IsNormalized(NormalizationForm.FormKC) ? password : password.Normalize(NormalizationForm.FormKC);

    /// <summary>Why <paramref name="password"/> cannot be used, or null when it can.</summary>
    public string? Validate(string password)
    {
        if (password.Length == 0)
        {
            return "is required";
        }

        // Bound the work before normalising: a code point is at most two UTF-16 units.
        if (password.Length > MaxLength * 2)
        {
            return $"must be at most {MaxLength} characters";
        }

        if (RequestValidation.TextViolation(password, int.MaxValue) is { } textViolation)
        {
            return textViolation;
        }

        var normalized = Normalize(password);
        var length = normalized.EnumerateRunes().Count();
        if (length < MinLength)
        {
            return $"must be at least {MinLength} characters";
        }

        if (length > MaxLength)
        {
            return $"must be at most {MaxLength} characters";
        }

        return isCommon(normalized) ? "is one of the most common passwords; choose another" : null;
    }
}
