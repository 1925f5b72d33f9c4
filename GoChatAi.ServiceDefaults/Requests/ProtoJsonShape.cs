using System.Globalization;
using System.Text.Json;
using GoChatAi.ServiceDefaults.Errors;
using Google.Protobuf.Reflection;

namespace GoChatAi.ServiceDefaults.Requests;

/// <summary>
/// Checks JSON against a protobuf message's JSON mapping before the transcoder reads it, so that every field it
/// would refuse is named in a field violation with a description a person can act on, instead of one .NET parser
/// message: unknown fields, a field given twice, and values of the wrong kind or out of range.
/// </summary>
public static class ProtoJsonShape
{
    /// <summary>Adds a violation for every field of <paramref name="json"/> that <paramref name="message"/> would not accept.</summary>
    public static void CheckObject(JsonElement json, MessageDescriptor message, List<FieldViolation> violations, string prefix = "")
    {
        var seen = new HashSet<int>();
        foreach (var property in json.EnumerateObject())
        {
            var field = Find(message, property.Name);
            var path = prefix + (field?.Name ?? property.Name);
            if (field is null)
            {
                violations.Add(new FieldViolation(path, "is not a field of this request"));
            }
            else if (!seen.Add(field.FieldNumber))
            {
                // The transcoder would keep the last; a request that says two things is refused instead.
                violations.Add(new FieldViolation(path, "is given more than once"));
            }
            else
            {
                CheckField(property.Value, field, path, violations);
            }
        }
    }

    /// <summary>Adds a violation for every query parameter naming a field whose text the field would not accept.</summary>
    public static void CheckQuery(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> query, MessageDescriptor message, List<FieldViolation> violations)
    {
        foreach (var (name, values) in query)
        {
            // Nested fields are named by dotted paths; unknown parameters are left alone, as on any web endpoint.
            var field = FindPath(message, name);
            if (field is null || field.FieldType == FieldType.Message)
            {
                continue;
            }

            foreach (var value in values)
            {
                if (ScalarTextViolation(value ?? "", field) is { } violation)
                {
                    violations.Add(new FieldViolation(field.Name, violation));
                    break;
                }
            }
        }
    }

    private static void CheckField(JsonElement value, FieldDescriptor field, string path, List<FieldViolation> violations)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (field.IsMap)
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                violations.Add(new FieldViolation(path, "must be a JSON object"));
                return;
            }

            var valueField = field.MessageType.FindFieldByNumber(2);
            foreach (var entry in value.EnumerateObject())
            {
                CheckValue(entry.Value, valueField, $"{path}.{entry.Name}", violations);
            }

            return;
        }

        if (field.IsRepeated)
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                violations.Add(new FieldViolation(path, "must be a JSON array"));
                return;
            }

            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                CheckValue(item, field, $"{path}[{index++}]", violations);
            }

            return;
        }

        CheckValue(value, field, path, violations);
    }

    private static void CheckValue(JsonElement value, FieldDescriptor field, string path, List<FieldViolation> violations)
    {
        if (field.FieldType != FieldType.Message)
        {
            if (ScalarViolation(value, field) is { } violation)
            {
                violations.Add(new FieldViolation(path, violation));
            }

            return;
        }

        switch (field.MessageType.FullName)
        {
            case "google.protobuf.Timestamp" or "google.protobuf.Duration" or "google.protobuf.FieldMask":
                if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                {
                    violations.Add(new FieldViolation(path, "must be a JSON string"));
                }

                return;
            case "google.protobuf.Struct" or "google.protobuf.Value" or "google.protobuf.ListValue" or "google.protobuf.Any":
                return;
        }

        if (field.MessageType.File.Package == "google.protobuf")
        {
            // A wrapper (Int32Value, StringValue...) is written as the value it wraps.
            CheckValue(value, field.MessageType.FindFieldByNumber(1), path, violations);
        }
        else if (value.ValueKind != JsonValueKind.Object)
        {
            violations.Add(new FieldViolation(path, "must be a JSON object"));
        }
        else
        {
            CheckObject(value, field.MessageType, violations, path + ".");
        }
    }

    private static string? ScalarViolation(JsonElement value, FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Bool => value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : "must be true or false",
        FieldType.String or FieldType.Bytes => value.ValueKind != JsonValueKind.String ? "must be a JSON string"
            : IsUnicode(value) ? null : "must be valid Unicode text",
        _ => value.ValueKind switch
        {
            JsonValueKind.String => ScalarTextViolation(value.GetString()!, field),
            JsonValueKind.Number => ScalarTextViolation(value.GetRawText(), field),
            _ => Expected(field),
        },
    };

    /// <summary>Whether a JSON string's escapes make valid UTF-16 (a lone surrogate such as <c>\ud800</c> does not).</summary>
    private static bool IsUnicode(JsonElement value)
    {
        try
        {
            _ = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>A number, enum or boolean written as text (a query parameter, or a JSON string as proto3 JSON allows).</summary>
    private static string? ScalarTextViolation(string text, FieldDescriptor field)
    {
        switch (field.FieldType)
        {
            case FieldType.String or FieldType.Bytes:
                return null;
            case FieldType.Bool:
                return text is "true" or "false" ? null : "must be true or false";
            case FieldType.Enum:
                return field.EnumType.FindValueByName(text) is not null || int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                    ? null
                    : Expected(field);
            case FieldType.Double or FieldType.Float:
                if (text is "NaN" or "Infinity" or "-Infinity")
                {
                    return null;
                }

                var max = field.FieldType == FieldType.Float ? float.MaxValue : double.MaxValue;
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && Math.Abs(number) <= max
                    ? null
                    : Expected(field);
        }

        var (min, maxInteger) = IntegerRange(field.FieldType);
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var integer)
               && integer == decimal.Truncate(integer) && integer >= min && integer <= maxInteger
            ? null
            : Expected(field);
    }

    private static string Expected(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Enum => $"must be one of {string.Join(", ", field.EnumType.Values.Select(v => v.Name))}",
        FieldType.Double or FieldType.Float => "must be a number",
        FieldType.Bool => "must be true or false",
        FieldType.String or FieldType.Bytes => "must be a JSON string",
        _ => IntegerRangeText(field.FieldType),
    };

    private static string IntegerRangeText(FieldType type)
    {
        var (min, max) = IntegerRange(type);
        return string.Create(CultureInfo.InvariantCulture, $"must be a whole number from {min} to {max}");
    }

    private static (decimal Min, decimal Max) IntegerRange(FieldType type) => type switch
    {
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => (int.MinValue, int.MaxValue),
        FieldType.UInt32 or FieldType.Fixed32 => (0, uint.MaxValue),
        FieldType.UInt64 or FieldType.Fixed64 => (0, ulong.MaxValue),
        _ => (long.MinValue, long.MaxValue),
    };

    private static FieldDescriptor? Find(MessageDescriptor message, string name) =>
        message.FindFieldByName(name) ?? message.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == name);

    private static FieldDescriptor? FindPath(MessageDescriptor message, string path)
    {
        FieldDescriptor? field = null;
        foreach (var part in path.Split('.'))
        {
            if (field is not null)
            {
                if (field.FieldType != FieldType.Message)
                {
                    return null;
                }

                message = field.MessageType;
            }

            field = Find(message, part);
            if (field is null)
            {
                return null;
            }
        }

        return field;
    }
}
