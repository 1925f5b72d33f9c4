namespace GoChatAi.ServiceDefaults.Errors;

/// <summary>
/// Collects every invalid field of a request before answering, so that a caller learns all its mistakes at once:
/// <c>var check = new RequestValidation(); check.Field("email", ...); check.ThrowIfInvalid();</c>
/// </summary>
public sealed class RequestValidation
{
    private readonly List<FieldViolation> _violations = [];

    public bool IsValid => _violations.Count == 0;

    public RequestValidation Add(string field, string description)
    {
        // One violation per field: the first problem found is the one worth fixing first.
        if (!_violations.Exists(v => v.Field == field))
        {
            _violations.Add(new FieldViolation(field, description));
        }

        return this;
    }

    /// <summary>Adds a violation when <paramref name="valid"/> is false.</summary>
    public RequestValidation Require(bool valid, string field, string description) =>
        valid ? this : Add(field, description);

    /// <summary>Adds the violation a rule reports, if any.</summary>
    public RequestValidation Check(string field, string? violation) =>
        violation is null ? this : Add(field, violation);

    public void ThrowIfInvalid()
    {
        if (!IsValid)
        {
            throw ServiceException.InvalidArgument(_violations);
        }
    }

    /// <summary>Text a person typed: at most <paramref name="maxLength"/> characters, well-formed Unicode, no control characters
    /// (line breaks and tabs only where <paramref name="allowLineBreaks"/>).</summary>
    public static string? TextViolation(string value, int maxLength, bool allowLineBreaks = false)
    {
        if (value.Length > maxLength)
        {
            return $"must be at most {maxLength} characters";
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return "must be valid Unicode text";
            }
            else if (char.IsControl(c) && !(allowLineBreaks && c is '\n' or '\r' or '\t'))
            {
                return "must not contain control characters";
            }
        }

        return null;
    }
}
