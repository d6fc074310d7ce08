using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Harness.Suites.Ktap;
using Harness.Suites.Splats;

namespace Harness.Results;

/// <summary>Reads and writes results.json: camelCase names, statuses as their lower-case keys, indented.</summary>
public static class ResultsJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    public static void Write(Stream stream, ResultsDocument document) =>
        JsonSerializer.Serialize(stream, document, Options);

    public static string Serialize(ResultsDocument document) => JsonSerializer.Serialize(document, Options);

    /// <exception cref="JsonException">The file is not a results document, or its schema is not <see cref="ResultsDocument.CurrentSchema"/>.</exception>
    public static ResultsDocument Deserialize(string json)
    {
        var document = JsonSerializer.Deserialize<ResultsDocument>(json, Options)
            ?? throw new JsonException("results.json contains null instead of a results document.");
        if (document.Schema != ResultsDocument.CurrentSchema)
            throw new JsonException($"results.json has schema '{document.Schema}'; this harness reads '{ResultsDocument.CurrentSchema}'.");
        return document;
    }

    public static ResultsDocument Read(string path) => Deserialize(File.ReadAllText(path));

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            WriteIndented = true,
            // The file is read by people and by tools, never embedded in HTML, so
            // "<", "&" and non-ASCII text stay readable instead of \u-escaped.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new KeyConverter<TestStatus>(status => status.ToKey(), TestStatusExtensions.TryParseKey));
        options.Converters.Add(new KeyConverter<SplatKind>(kind => kind.ToKey(), SplatKindExtensions.TryParseKey));
        options.Converters.Add(new KeyConverter<StageStatus>(status => status.ToKey(), TryParse<StageStatus>(status => status.ToKey())));
        options.Converters.Add(new KeyConverter<RunVerdict>(verdict => verdict.ToKey(), TryParse<RunVerdict>(verdict => verdict.ToKey())));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private delegate bool KeyParser<T>(string key, out T value);

    private static KeyParser<T> TryParse<T>(Func<T, string> toKey) where T : struct, Enum =>
        (string key, out T value) =>
        {
            foreach (var candidate in Enum.GetValues<T>())
            {
                if (toKey(candidate) == key)
                {
                    value = candidate;
                    return true;
                }
            }
            value = default;
            return false;
        };

    private sealed class KeyConverter<T>(Func<T, string> toKey, KeyParser<T> parse) : JsonConverter<T> where T : struct, Enum
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var key = reader.GetString();
            if (key is not null && parse(key, out var value))
                return value;
            throw new JsonException($"'{key}' is not a valid {typeof(T).Name} in results.json.");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteStringValue(toKey(value));
    }
}
