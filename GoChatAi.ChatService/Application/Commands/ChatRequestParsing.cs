using System.Globalization;
using GoChatAi.ServiceDefaults.Errors;

namespace GoChatAi.ChatService.Application.Commands;

/// <summary>
/// The parsing of the API's fields into typed values, each adding its violation (the field's first) to a
/// <see cref="RequestValidation"/> so that a caller learns all its mistakes at once; the values are valid once
/// <see cref="RequestValidation.ThrowIfInvalid"/> has passed.
/// </summary>
public static class ChatRequestParsing
{
    /// <summary>No usage predates 1970; the floor also keeps "30 days before the end" a representable date.</summary>
    private static readonly DateOnly s_earliest = new(1970, 1, 1);

    private const string DateViolation = "must be a date from 1970-01-01 to 9999-12-31, as YYYY-MM-DD";

    /// <summary>A required id: a UUID in its usual 36-character form.</summary>
    public static Guid Id(this RequestValidation check, string field, string value)
    {
        if (value.Length == 0)
        {
            check.Add(field, "is required");
            return Guid.Empty;
        }

        if (!Guid.TryParseExact(value, "D", out var id))
        {
            check.Add(field, "must be a UUID");
        }

        return id;
    }

    /// <summary>An optional id: null when absent.</summary>
    public static Guid? OptionalId(this RequestValidation check, string field, string? value) =>
        value is null ? null : check.Id(field, value);

    /// <summary>An optional UTC day, as <c>YYYY-MM-DD</c>.</summary>
    public static DateOnly? OptionalDate(this RequestValidation check, string field, string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) && date >= s_earliest)
        {
            return date;
        }

        check.Add(field, DateViolation);
        return null;
    }
}
