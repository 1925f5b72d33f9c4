using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GoChatAi.DevModel.Answers;

/// <summary>
/// Writes a JSON value that validates against a JSON schema: the stand-in's tool arguments and json_schema
/// answers. Every property is written (the required ones first), each with a sample value of its type: a
/// string is the first words of the user's message (or a value of its <c>format</c>), a number 42 (moved into
/// its bounds), a boolean true, an array one sample item (or <c>minItems</c>). <c>enum</c> and <c>const</c> give
/// their first value; <c>$ref</c> (within the schema), <c>anyOf</c>, <c>oneOf</c> and <c>allOf</c> are followed to
/// their first alternative that is not null. <c>pattern</c> is not honoured. Below <see cref="MaxDepth"/> levels
/// objects and arrays are written empty, so a recursive schema ends.
/// </summary>
internal static partial class SampleJson
{
    public const int MaxDepth = 8;

    private const int StringWords = 5;
    private const int MaxArrayItems = 100;
    private const double SampleNumber = 42;

    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A JSON value for <paramref name="schema"/>; <c>{}</c> for no schema, as for a function without parameters.</summary>
    public static string For(JsonElement? schema, string userText)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            if (schema is { ValueKind: JsonValueKind.Object } root)
                new Sampler(root, SampleText(userText)).Write(writer, root, depth: 0);
            else
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>An object with one property, <c>{"answer": text}</c>: the json_object answer.</summary>
    public static string Answer(string text)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("answer", text);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string SampleText(string userText)
    {
        var words = Whitespace().Split(userText.Trim()).Where(word => word.Length > 0).Take(StringWords).ToList();
        return words.Count > 0 ? string.Join(' ', words) : "stand-in";
    }

    private sealed class Sampler(JsonElement root, string text)
    {
        public void Write(Utf8JsonWriter writer, JsonElement schema, int depth)
        {
            // A boolean schema: true takes anything, false nothing (null is as good as anything then).
            if (schema.ValueKind == JsonValueKind.True)
            {
                writer.WriteStringValue(text);
                return;
            }

            if (schema.ValueKind != JsonValueKind.Object)
            {
                writer.WriteNullValue();
                return;
            }

            if (Resolved(schema, depth) is { } target)
            {
                Write(writer, target, depth + 1);
                return;
            }

            if (schema.TryGetProperty("const", out var constant))
            {
                constant.WriteTo(writer);
                return;
            }

            if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0)
            {
                values[0].WriteTo(writer);
                return;
            }

            switch (TypeOf(schema))
            {
                case "object":
                    WriteObject(writer, schema, depth);
                    break;
                case "array":
                    WriteArray(writer, schema, depth);
                    break;
                case "integer":
                    writer.WriteNumberValue(Math.Round(NumberWithin(schema, integer: true)));
                    break;
                case "number":
                    writer.WriteNumberValue(NumberWithin(schema, integer: false));
                    break;
                case "boolean":
                    writer.WriteBooleanValue(true);
                    break;
                case "null":
                    writer.WriteNullValue();
                    break;
                default:
                    writer.WriteStringValue(StringFor(schema));
                    break;
            }
        }

        /// <summary>Where a <c>$ref</c> or a composition points: the schema to write instead of this one.</summary>
        private JsonElement? Resolved(JsonElement schema, int depth)
        {
            if (depth >= MaxDepth * 2)
                return null;
            if (schema.TryGetProperty("$ref", out var reference) && reference.ValueKind == JsonValueKind.String)
                return Pointer(reference.GetString()!);

            foreach (var composition in (ReadOnlySpan<string>)["anyOf", "oneOf", "allOf"])
            {
                if (schema.TryGetProperty(composition, out var alternatives) && alternatives.ValueKind == JsonValueKind.Array
                    && alternatives.GetArrayLength() > 0)
                {
                    // The first alternative that can hold a value: an optional field is "anyOf": [{...}, {"type": "null"}].
                    return alternatives.EnumerateArray().FirstOrDefault(alternative => TypeOf(alternative) != "null") is
                        { ValueKind: JsonValueKind.Object } chosen ? chosen : alternatives[0];
                }
            }

            return null;
        }

        /// <summary>A JSON pointer within the schema (<c>#/$defs/Address</c>, <c>#/definitions/Node</c>, <c>#</c>).</summary>
        private JsonElement? Pointer(string reference)
        {
            if (!reference.StartsWith('#'))
                return null;

            var target = root;
            foreach (var token in reference[1..].Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                var name = Uri.UnescapeDataString(token).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
                if (target.ValueKind == JsonValueKind.Object && target.TryGetProperty(name, out var next))
                    target = next;
                else if (target.ValueKind == JsonValueKind.Array && int.TryParse(name, CultureInfo.InvariantCulture, out var index)
                    && index >= 0 && index < target.GetArrayLength())
                    target = target[index];
                else
                    return null;
            }

            return target;
        }

        private void WriteObject(Utf8JsonWriter writer, JsonElement schema, int depth)
        {
            writer.WriteStartObject();
            if (depth < MaxDepth)
            {
                var properties = schema.TryGetProperty("properties", out var declared) && declared.ValueKind == JsonValueKind.Object
                    ? declared
                    : default;
                foreach (var name in PropertyNames(schema, properties))
                {
                    writer.WritePropertyName(name);
                    if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var property))
                        Write(writer, property, depth + 1);
                    else
                        writer.WriteStringValue(text);
                }
            }

            writer.WriteEndObject();
        }

        /// <summary>The required properties in their order, then the other declared ones in theirs.</summary>
        private static IEnumerable<string> PropertyNames(JsonElement schema, JsonElement properties)
        {
            var required = schema.TryGetProperty("required", out var names) && names.ValueKind == JsonValueKind.Array
                ? names.EnumerateArray().Where(name => name.ValueKind == JsonValueKind.String).Select(name => name.GetString()!).ToList()
                : [];
            var declared = properties.ValueKind == JsonValueKind.Object
                ? properties.EnumerateObject().Select(property => property.Name)
                : [];
            return required.Concat(declared).Distinct(StringComparer.Ordinal);
        }

        private void WriteArray(Utf8JsonWriter writer, JsonElement schema, int depth)
        {
            writer.WriteStartArray();
            if (depth < MaxDepth && schema.TryGetProperty("items", out var items) && items.ValueKind is JsonValueKind.Object or JsonValueKind.True)
            {
                var count = Math.Max(1, Bound(schema, "minItems") is double minimum ? (int)Math.Min(minimum, MaxArrayItems) : 1);
                if (Bound(schema, "maxItems") is double maximum)
                    count = Math.Min(count, (int)maximum);
                for (var i = 0; i < count; i++)
                    Write(writer, items, depth + 1);
            }

            writer.WriteEndArray();
        }

        private string StringFor(JsonElement schema)
        {
            var format = schema.TryGetProperty("format", out var formatElement) && formatElement.ValueKind == JsonValueKind.String
                ? formatElement.GetString()
                : null;
            var sample = format switch
            {
                "date-time" => "2025-01-01T00:00:00Z",
                "date" => "2025-01-01",
                "time" => "00:00:00Z",
                "duration" => "PT1M",
                "email" => "stand-in@example.com",
                "hostname" => "example.com",
                "ipv4" => "192.0.2.1",
                "ipv6" => "2001:db8::1",
                "uri" or "url" => "https://example.com/",
                "uuid" => "00000000-0000-4000-8000-000000000000",
                _ => text,
            };

            if (Bound(schema, "maxLength") is double maxLength && sample.Length > maxLength)
                sample = sample[..(int)maxLength].TrimEnd();
            if (Bound(schema, "minLength") is double minLength && sample.Length < minLength)
                sample = sample.PadRight((int)Math.Min(minLength, 10_000), '.');
            return sample;
        }

        /// <summary>42 if the bounds allow it; else the bound it passes (one inside an exclusive one), or the middle of both.</summary>
        private static double NumberWithin(JsonElement schema, bool integer)
        {
            var step = integer ? 1 : 0.5;
            var lower = Bound(schema, "minimum") ?? Bound(schema, "exclusiveMinimum") + step;
            var upper = Bound(schema, "maximum") ?? Bound(schema, "exclusiveMaximum") - step;
            if (lower is double low && upper is double high && (SampleNumber < low || SampleNumber > high))
                return integer ? Math.Ceiling(low + ((high - low) / 2) - 0.5) : low + ((high - low) / 2);
            if (lower is double least && SampleNumber < least)
                return integer ? Math.Ceiling(least) : least;
            if (upper is double most && SampleNumber > most)
                return integer ? Math.Floor(most) : most;
            return SampleNumber;
        }

        private static double? Bound(JsonElement schema, string keyword) =>
            schema.TryGetProperty(keyword, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

        /// <summary>The schema's type; of a list of types, the first that is not null; when none is given, what the keywords imply.</summary>
        private static string? TypeOf(JsonElement schema)
        {
            if (schema.ValueKind != JsonValueKind.Object)
                return null;
            if (schema.TryGetProperty("type", out var type))
            {
                if (type.ValueKind == JsonValueKind.String)
                    return type.GetString();
                if (type.ValueKind == JsonValueKind.Array)
                {
                    var types = type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()).ToList();
                    return types.FirstOrDefault(t => t != "null") ?? types.FirstOrDefault();
                }
            }

            return schema.TryGetProperty("properties", out _) ? "object"
                : schema.TryGetProperty("items", out _) ? "array"
                : null;
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
